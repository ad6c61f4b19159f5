#!/bin/bash
# Retries: a handler that fails twice then succeeds is done on the third
# drain run; one that always fails ends in failed/ after --attempts, and
# requeue brings it back with its attempt count reset.
. "$top_srcdir/tests/setup.sh"

post() {
	event "$1" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}

# Fails until its third attempt at an event.
cat >"$T/flaky" <<'HANDLER'
#!/bin/sh
echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT" >>"$OUT/ran"
[ "$HOOKSPOOL_ATTEMPT" -ge 3 ]
HANDLER
chmod +x "$T/flaky"
export OUT=$T

make_conf
post flaky-1
for run in 1 2 3; do
	rc=0
	"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --exec "$T/flaky" 2>"$T/drain.log" || rc=$?
	if [ "$run" -lt 3 ]; then
		assert_eq "run $run's exit status" 1 "$rc"
		assert_eq "run $run: back in new/" 1 "$(count new)"
		case $(ls "$SPOOL/new") in
		*,A$run) ok "run $run: attempt count $run in the name" ;;
		*) fail "run $run: name $(ls "$SPOOL/new")" ;;
		esac
	else
		assert_eq "run 3's exit status" 0 "$rc"
	fi
	assert_eq "run $run ran the handler once" "$run" "$(wc -l <"$T/ran" | tr -d ' ')"
done
assert_eq "attempts seen by the handler" "flaky-1 1
flaky-1 2
flaky-1 3" "$(cat "$T/ran")"
assert_eq "done: new/" 0 "$(count new)"
assert_eq "done: failed/" 0 "$(count failed)"

# Always failing, --attempts 3.
: >"$T/ran"
post doomed-1
post doomed-2
for run in 1 2 3 4; do
	rc=0
	"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --attempts 3 \
	    --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran"; exit 1' 2>"$T/drain.log" || rc=$?
	if [ "$run" -le 3 ]; then
		assert_eq "failing run $run's exit status" 1 "$rc"
	else
		assert_eq "a drain with nothing left: exit status" 0 "$rc"
	fi
done
assert_eq "handler runs for two events, 3 attempts" 6 "$(wc -l <"$T/ran" | tr -d ' ')"
assert_eq "failed/ after --attempts 3" 2 "$(count failed)"
assert_eq "new/ after --attempts 3" 0 "$(count new)"
ls "$SPOOL/failed" | grep -q ',A3$' || fail "failed/ names: $(ls "$SPOOL/failed")"
ok "failed/ names carry the attempt count"

# requeue: usage errors, then by id, then --all.
rc=0
"$HOOKSPOOL" requeue -c "$CONF" 2>/dev/null || rc=$?
assert_eq "requeue without arguments" 2 "$rc"
rc=0
"$HOOKSPOOL" requeue -c "$CONF" --all doomed-1 2>/dev/null || rc=$?
assert_eq "requeue with --all and an id" 2 "$rc"
rc=0
"$HOOKSPOOL" requeue -c "$CONF" no-such-id 2>"$T/requeue.log" || rc=$?
assert_eq "requeue of an unknown id" 1 "$rc"
assert_eq "nothing requeued" 2 "$(count failed)"

"$HOOKSPOOL" requeue -c "$CONF" doomed-2 2>"$T/requeue.log"
assert_eq "requeued by id: failed/" 1 "$(count failed)"
assert_eq "requeued by id: new/" 1 "$(count new)"
case $(ls "$SPOOL/new") in
*,A*) fail "requeue kept the attempt count: $(ls "$SPOOL/new")" ;;
esac
ok "requeue reset the attempt count"
: >"$T/ran"
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --exec "$T/flaky" 2>"$T/drain.log" || :
assert_eq "a requeued event starts at attempt 1" "doomed-2 1" "$(cat "$T/ran")"

"$HOOKSPOOL" requeue -c "$CONF" --all 2>"$T/requeue.log"
grep -q 'requeue: 1 requeued' "$T/requeue.log" || fail "$(cat "$T/requeue.log")"
assert_eq "requeue --all: failed/" 0 "$(count failed)"
rc=0
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --exec true 2>"$T/drain.log" || rc=$?
assert_eq "drain after requeue" 0 "$rc"
grep -q 'drain: 2 done' "$T/drain.log" || fail "$(cat "$T/drain.log")"
assert_eq "all done: new/" 0 "$(count new)"
assert_eq "all done: cur/" 0 "$(count cur)"

# --attempts 1: the first failure goes straight to failed/.
post once-1
rc=0
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --attempts 1 --exec false 2>"$T/drain.log" || rc=$?
assert_eq "--attempts 1 exit status" 1 "$rc"
assert_eq "--attempts 1: failed/" 1 "$(count failed)"
grep -q 'moved to failed/' "$T/drain.log" || fail "$(cat "$T/drain.log")"
ok "the move to failed/ is reported"
