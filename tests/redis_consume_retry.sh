#!/bin/bash
# consume retries: a failed entry stays pending, set aside with the
# consumer "(backoff)", and is delivered again once its backoff is over
# (--backoff, doubling with each delivery), however long --idle is, with
# HOOKSPOOL_ATTEMPT counting the deliveries; after --attempts failed
# deliveries it is copied to the stream hookspool:failed (id, webhook,
# type, line, entry, attempts, reason) and acknowledged.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r
make_conf
post doomed-1 message.created
post flaky-1
post fine-1
forward_all
# as forward wrote it (a dead letter's entry is deleted from the stream)
stream_entries r hookspool | grep "	doomed-1	" >"$T/original"

# doomed-* always fails, flaky-* fails its first delivery; each run is
# logged with its start time.
cat >"$T/handler" <<'HANDLER'
#!/bin/sh
echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT $(date +%s.%N)" >>"$OUT/ran"
case $HOOKSPOOL_ID in
doomed-*) exit 3 ;;
flaky-*) [ "$HOOKSPOOL_ATTEMPT" -ge 2 ] ;;
esac
HANDLER
chmod +x "$T/handler"
export OUT=$T
: >"$T/ran"

"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --attempts 3 --timeout 1s \
    --idle 60s --backoff 2s --exec "$T/handler" 2>"$T/consume.log" </dev/null &
pid=$!
CLEANUP_PIDS="$CLEANUP_PIDS $pid"
# while doomed-1 waits out its first backoff, the consumer "(backoff)"
# holds it
wait_until "doomed-1 never failed" grep -q "^doomed-1 1 " "$T/ran"
WAIT_TRIES=20 wait_until "no entry is set aside while its backoff runs" \
    sh -c "redis-cli -p $REDIS_PORT XPENDING hookspool hookspool - + 10 '(backoff)' | grep -q ."
ok "a failed entry waits with the consumer (backoff)"
# doomed-1's three deliveries are 2 s, then 4 s apart: far less than --idle
WAIT_TRIES=300 wait_until "doomed-1 never reached hookspool:failed" \
    at_least 1 stream_len r hookspool:failed
sleep 1
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "exit status after handlers failed" 1 "$rc"

assert_eq "deliveries, by attempt" "doomed-1 1
fine-1 1
flaky-1 1
doomed-1 2
flaky-1 2
doomed-1 3" "$(cut -d' ' -f1-2 "$T/ran" | sort -k2,2n -k1,1)"
# a retry comes once the backoff is over (2 s after the first failure, 4 s
# after the second), not before, and long before --idle (60 s)
for id in doomed-1 flaky-1; do
	grep "^$id " "$T/ran" | awk -v id="$id" '
		NR > 1 && ($3 - t < 2 ^ (NR - 1) - 0.1 || $3 - t > 2 ^ (NR - 1) + 8) {
			printf "%s: delivery %d after %.2f s\n", id, $2, $3 - t; bad = 1 }
		{ t = $3 }
		END { exit bad }' || fail "a retry not after its backoff"
done
ok "retries wait out their backoff, doubling"
grep -q '^hookspool consume: 2 done, 3 to retry, 1 failed' "$T/consume.log" ||
    fail "summary line: $(cat "$T/consume.log")"
ok "the summary counts the dead-lettered entry"

# The dead letter: the original fields, the entry id, the attempts and why.
stream_entries r hookspool:failed >"$T/failed"
for f in id webhook type line; do
	assert_eq "hookspool:failed keeps $f" "$(stream_field "$f" <"$T/original")" \
	    "$(stream_field "$f" <"$T/failed")"
done
assert_eq "hookspool:failed names the entry" "$(cut -f1 "$T/original")" \
    "$(stream_field entry <"$T/failed")"
assert_eq "hookspool:failed counts the attempts" 3 "$(stream_field attempts <"$T/failed")"
reason=$(stream_field reason <"$T/failed")
[ -n "$reason" ] || fail "hookspool:failed gives no reason"
ok "hookspool:failed says why: $reason"
assert_eq "nothing pending" 0 "$(pending r)"

# A later consumer does not see the dead-lettered entry again.
: >"$T/ran"
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --max 10 --timeout 1s --idle 7s \
    --exec "$T/handler" 2>"$T/consume.log" </dev/null || :
assert_eq "nothing left to run" "" "$(cat "$T/ran")"
assert_eq "still one dead letter" 1 "$(stream_len r hookspool:failed)"

# The dead-letter stream cannot be written (its key holds a string): the
# entry is not acknowledged, so nothing is lost; once the key is fixed, a
# consumer copies it after --idle without running the handler again.
rcli r DEL hookspool:failed >/dev/null
rcli r SET hookspool:failed "not a stream" >/dev/null
post doomed-2
forward_all
: >"$T/ran"
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --max 10 --attempts 1 --timeout 1s \
    --idle 7s --exec "$T/handler" 2>"$T/consume.log" </dev/null || rc=$?
assert_eq "dead-letter stream unwritable: exit status" 1 "$rc"
grep -q 'WRONGTYPE' "$T/consume.log" ||
    fail "the server's answer is not shown: $(cat "$T/consume.log")"
grep -q '^hookspool consume: 0 done, 0 to retry, 0 failed, 1 errors' "$T/consume.log" ||
    fail "summary line: $(cat "$T/consume.log")"
ok "the failed copy is counted as an error"
assert_eq "dead-letter stream unwritable: the entry stays pending" 1 "$(pending r)"
rcli r DEL hookspool:failed >/dev/null
sleep 7.5
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --max 10 --attempts 1 --timeout 1s \
    --idle 7s --exec "$T/handler" 2>"$T/consume.log" </dev/null || rc=$?
assert_eq "the handler is not run again" "doomed-2 1" "$(cut -d' ' -f1-2 "$T/ran")"
assert_eq "the entry is dead-lettered once the key is fixed" doomed-2 \
    "$(stream_ids r hookspool:failed)"
assert_eq "nothing pending at the end" 0 "$(pending r)"
