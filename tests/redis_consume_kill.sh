#!/bin/bash
# A consumer killed with kill -9 while its handler runs: its entry stays
# pending on it, and another consumer takes it over once it has been idle
# for --idle (not before), as delivery 2. Nothing else is lost or run
# twice.
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
grep -q '^hookspool: consume: [0-9]* done, 0 to retry, 0 failed' "$T/consume-b.log" ||
    fail "consumer b's summary: $(cat "$T/consume-b.log")"
ok "consumer b's summary"
