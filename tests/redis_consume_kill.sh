#!/bin/bash
# A consumer killed with kill -9 while its handler runs: its entry stays
# pending on it, and another consumer takes it over once it has been idle
# for --idle (not before), as delivery 2. Nothing else is lost or run
# twice. An entry that takes its consumer down every time is dead-lettered
# after --attempts deliveries.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r
make_conf
post_many kc 1 6
forward_all

# The handler hangs on kc-0003 the first time; every run is logged with
# the consumer's name and the time it started.
cat >"$T/handler" <<'HANDLER'
#!/bin/sh
echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT $WHO $(date +%s.%N)" >>"$OUT/ran"
if [ "$HOOKSPOOL_ID" = kc-0003 ] && [ ! -e "$OUT/hung" ]; then
	echo $$ >"$OUT/hung"
	exec sleep 120
fi
HANDLER
chmod +x "$T/handler"
export OUT=$T

WHO=a "$HOOKSPOOL" consume --redis "$REDIS_ADDR" --name a --timeout 1s \
    --idle 7s --exec "$T/handler" 2>"$T/consume-a.log" </dev/null &
a=$!
CLEANUP_PIDS="$CLEANUP_PIDS $a"
wait_until "the handler never hung" test -s "$T/hung"
kill -KILL "$a"
wait "$a" 2>/dev/null || :
# the orphaned handler (its own process group) goes too
kill -KILL -- "-$(cat "$T/hung")" 2>/dev/null || kill -KILL "$(cat "$T/hung")" || :
assert_eq "kc-0003 pending on the dead consumer" a \
    "$(rcli r XPENDING hookspool hookspool - + 10 a | sed -n 2p)"

WHO=b "$HOOKSPOOL" consume --redis "$REDIS_ADDR" --name b --timeout 1s \
    --idle 7s --exec "$T/handler" 2>"$T/consume-b.log" </dev/null &
b=$!
CLEANUP_PIDS="$CLEANUP_PIDS $b"
WAIT_TRIES=200 wait_until "kc-0003 was not taken over" grep -q '^kc-0003 2 b ' "$T/ran"
# the rest of a's entries, if a had been given any, come back too
ids_run() {
	cut -d' ' -f1 "$T/ran" | sort -u | wc -l
}
WAIT_TRIES=200 wait_until "not all entries were handled" at_least 6 ids_run
sleep 1
kill -TERM "$b"
rc=0
wait "$b" || rc=$?
assert_eq "consumer b's exit status" 0 "$rc"

assert_eq "kc-0003's deliveries" "kc-0003 1 a
kc-0003 2 b" "$(grep '^kc-0003 ' "$T/ran" | cut -d' ' -f1-3)"
first=$(awk '$1 == "kc-0003" && $2 == 1 { print $4 }' "$T/ran")
second=$(awk '$1 == "kc-0003" && $2 == 2 { print $4 }' "$T/ran")
awk -v a="$first" -v b="$second" 'BEGIN { exit !(b - a >= 6.9) }' ||
    fail "taken over $(awk -v a="$first" -v b="$second" 'BEGIN { print b - a }') s after delivery, before --idle 7s"
ok "taken over after --idle, not before"
assert_eq "every other entry ran once" "kc-0001
kc-0002
kc-0004
kc-0005
kc-0006" "$(grep -v '^kc-0003 ' "$T/ran" | cut -d' ' -f1 | sort)"
assert_eq "nothing pending" 0 "$(pending r)"
grep -q '^hookspool consume: [0-9]* done, 0 to retry, 0 failed' "$T/consume-b.log" ||
    fail "consumer b's summary: $(cat "$T/consume-b.log")"
ok "consumer b's summary"

# An entry whose consumers die on it each time (a handler that brings its
# worker down): after --attempts deliveries it is dead-lettered without
# running the handler again, instead of killing workers forever.
SPOOL=$T/spool2
make_conf
post poison-1
forward_all --stream poison
cat >"$T/poison" <<'HANDLER'
#!/bin/sh
echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT $WHO" >>"$OUT/poison.ran"
echo $$ >"$OUT/poison.$WHO"
exec sleep 120
HANDLER
chmod +x "$T/poison"
for who in p1 p2; do
	WHO=$who "$HOOKSPOOL" consume --redis "$REDIS_ADDR" --stream poison \
	    --name "$who" --attempts 2 --timeout 1s --idle 7s --exec "$T/poison" \
	    2>"$T/consume-$who.log" </dev/null &
	pid=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $pid"
	WAIT_TRIES=200 wait_until "consumer $who never ran the handler" \
	    test -s "$T/poison.$who"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || :
	kill -KILL -- "-$(cat "$T/poison.$who")" 2>/dev/null ||
	    kill -KILL "$(cat "$T/poison.$who")" || :
done
assert_eq "deliveries to the dying consumers" "poison-1 1 p1
poison-1 2 p2" "$(cat "$T/poison.ran")"
WHO=p3 "$HOOKSPOOL" consume --redis "$REDIS_ADDR" --stream poison --name p3 \
    --attempts 2 --timeout 1s --idle 7s --exec "$T/poison" \
    2>"$T/consume-p3.log" </dev/null &
pid=$!
CLEANUP_PIDS="$CLEANUP_PIDS $pid"
WAIT_TRIES=200 wait_until "poison-1 was never dead-lettered" \
    at_least 1 stream_len r poison:failed
kill -TERM "$pid"
wait "$pid" 2>/dev/null || :
assert_eq "the handler did not run a third time" 2 "$(lines "$T/poison.ran")"
stream_entries r poison:failed >"$T/failed"
assert_eq "the dead letter" poison-1 "$(stream_field id <"$T/failed")"
echo "dead letter: attempts $(stream_field attempts <"$T/failed"), reason: $(stream_field reason <"$T/failed")"
assert_eq "nothing pending on poison" 0 "$(pending r poison)"
