#!/bin/bash
# consume without --max runs until TERM: events forwarded while it runs
# are handled as they come; TERM during a handler lets the handler finish,
# the entry is acknowledged, no other handler starts, and consume exits.
# TERM while it waits for entries ends it at once.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r
make_conf

# slow-* take 2 s; each run logs its start and its end
cat >"$T/handler" <<'HANDLER'
#!/bin/sh
echo "start $HOOKSPOOL_ID" >>"$OUT/ran"
case $HOOKSPOOL_ID in
slow-*) sleep 2 ;;
esac
echo "end $HOOKSPOOL_ID" >>"$OUT/ran"
HANDLER
chmod +x "$T/handler"
export OUT=$T
: >"$T/ran"

"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --timeout 3s --idle 9s \
    --exec "$T/handler" 2>"$T/consume.log" </dev/null &
pid=$!
CLEANUP_PIDS="$CLEANUP_PIDS $pid"

# Live: forwarded while consume waits.
post_many live 1 3
forward_all
wait_until "events forwarded while consume runs were not handled" \
    grep -q '^end live-0003$' "$T/ran"
ok "events forwarded while consume runs are handled"

# TERM while slow-1 runs; after-1, forwarded with it, is not started.
post slow-1
post after-1
forward_all
wait_until "slow-1 did not start" grep -q '^start slow-1$' "$T/ran"
slow=$(stream_entries r hookspool | grep '	slow-1	' | cut -f1)
kill -TERM "$pid"
sleep 0.5
kill -0 "$pid" 2>/dev/null || fail "consume exited with a handler in flight"
ok "consume waits for the handler in flight"
rc=0
wait "$pid" || rc=$?
assert_eq "exit status after TERM" 0 "$rc"
grep -q '^end slow-1$' "$T/ran" || fail "the handler in flight was cut short"
ok "the handler in flight finished"
grep -q 'after-1' "$T/ran" && fail "a handler started after TERM"
ok "no handler started after TERM"
grep -q '^hookspool consume: 4 done, 0 to retry, 0 failed' "$T/consume.log" ||
    fail "summary line: $(cat "$T/consume.log")"
ok "summary line: $(tail -n 1 "$T/consume.log")"
[ -n "$slow" ] || fail "slow-1's entry was not in the stream"
if rcli r XPENDING hookspool hookspool - + 100 | grep -qx "$slow"; then
	fail "slow-1 was not acknowledged"
fi
ok "slow-1 was acknowledged"
assert_eq "nothing pending after TERM (after-1 was not read)" 0 "$(pending r)"

# after-1 is handled by the next consumer, at once.
: >"$T/ran"
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --timeout 3s --idle 9s \
    --exec "$T/handler" 2>"$T/consume.log" </dev/null &
pid=$!
CLEANUP_PIDS="$CLEANUP_PIDS $pid"
WAIT_TRIES=50 wait_until "after-1 was not handled at once" grep -q '^end after-1$' "$T/ran"
assert_eq "nothing pending" 0 "$(pending r)"

# TERM, INT or HUP while waiting for entries: consume ends within a few
# seconds.
for sig in TERM INT HUP; do
	if [ "$sig" != TERM ]; then
		"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --timeout 3s --idle 9s \
		    --exec "$T/handler" 2>"$T/consume.log" </dev/null &
		pid=$!
		CLEANUP_PIDS="$CLEANUP_PIDS $pid"
	fi
	sleep 0.5
	start=$(date +%s%N)
	kill "-$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_eq "exit status of an idle consume after $sig" 0 "$rc"
	took=$((($(date +%s%N) - start) / 1000000))
	[ "$took" -lt 3000 ] || fail "an idle consume took $took ms to stop on $sig"
	ok "an idle consume stops at once on $sig ($took ms)"
done
