#!/bin/bash
# A drain killed with kill -9 while its handler runs: while that handler
# lives it keeps the claim (never two handlers on one event at once); once
# it is gone the next drain (or hookspool recover) releases the claim, the
# event is run again with its attempt count raised, and nothing is lost or
# left in cur/.
. "$top_srcdir/tests/setup.sh"

post() {
	event "$1" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}

# The handler hangs on the event named in $T/hang, once.
cat >"$T/handler" <<'HANDLER'
#!/bin/sh
echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT" >>"$OUT/ran"
if [ "$HOOKSPOOL_ID" = "$(cat "$OUT/hang")" ] && [ ! -e "$OUT/hung.$HOOKSPOOL_ID" ]; then
	echo $$ >"$OUT/hung.$HOOKSPOOL_ID"
	exec sleep 120
fi
HANDLER
chmod +x "$T/handler"
export OUT=$T

# drain_and_kill ID: start a drain, kill -9 it once its handler hangs on ID.
drain_and_kill() {
	echo "$1" >"$T/hang"
	"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --exec "$T/handler" 2>>"$T/killed.log" &
	pid=$!
	WAIT_TRIES=300 wait_until "the handler never started on $1" \
	    test -s "$T/hung.$1"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || :
	hung=$(cat "$T/hung.$1")
	CLEANUP_PIDS="$CLEANUP_PIDS $hung"
	assert_eq "claimed event left in cur/ by the dead drain" 1 "$(count cur)"
}

make_conf
for id in k1 k2 k3; do
	post "$id"
done

# Round 1: while the dead drain's handler still works on k2, its claim
# holds: the next drain handles the others and leaves k2 alone.
drain_and_kill k2
rc=0
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --exec "$T/handler" 2>"$T/drain.log" || rc=$?
assert_eq "drain beside a live orphan handler" 0 "$rc"
grep -q 'released' "$T/drain.log" &&
    fail "a claim whose handler still runs was released: $(cat "$T/drain.log")"
assert_eq "handler runs, k2 not twice at once" "k1 1
k2 1
k3 1" "$(cat "$T/ran")"
assert_eq "k2 stays claimed while its handler runs" 1 "$(count cur)"
# Once that handler is gone too, the next drain releases the claim and
# runs k2 again (at least once).
kill -KILL "$(cat "$T/hung.k2")"
sleep 0.2
rc=0
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --exec "$T/handler" 2>"$T/drain.log" || rc=$?
assert_eq "next drain's exit status" 0 "$rc"
grep -q ', 1 released from dead drains' "$T/drain.log" ||
    fail "the summary does not count the release: $(cat "$T/drain.log")"
ok "the summary counts the released claim"
assert_eq "handler runs" "k1 1
k2 1
k3 1
k2 2" "$(cat "$T/ran")"
assert_eq "new/ after" 0 "$(count new)"
assert_eq "cur/ after" 0 "$(count cur)"
assert_eq "failed/ after" 0 "$(count failed)"

# Round 2: hookspool recover releases it, counting the attempt.
: >"$T/ran"
post k4
post k5
drain_and_kill k4
kill -KILL "$(cat "$T/hung.k4")"
sleep 0.2
rc=0
"$HOOKSPOOL" recover -c "$CONF" 2>"$T/recover.log" || rc=$?
assert_eq "recover's exit status" 0 "$rc"
grep -q '1 released' "$T/recover.log" ||
    fail "recover did not release the claim: $(cat "$T/recover.log")"
ok "recover released the claim"
assert_eq "cur/ after recover" 0 "$(count cur)"
case $(ls "$SPOOL/new") in
*,A1*) ok "the released event's attempt was counted" ;;
*) fail "no attempt count in new/: $(ls "$SPOOL/new")" ;;
esac
# A live drain's claim is not released: hold one while recovering.
echo k5 >"$T/hang"
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --exec "$T/handler" 2>"$T/live.log" &
live=$!
WAIT_TRIES=300 wait_until "the handler never started on k5" test -s "$T/hung.k5"
"$HOOKSPOOL" recover -c "$CONF" 2>"$T/recover.log"
grep -q '0 released' "$T/recover.log" ||
    fail "recover released a live claim: $(cat "$T/recover.log")"
assert_eq "a live claim stays in cur/" 1 "$(count cur)"
ok "a live drain's claim is left alone"
kill -TERM "$(cat "$T/hung.k5")"
wait "$live" || :
assert_eq "cur/ after the live drain" 0 "$(count cur)"
rc=0
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --exec "$T/handler" 2>"$T/drain.log" || rc=$?
assert_eq "last drain's exit status" 0 "$rc"
grep -q '^k4 2$' "$T/ran" || fail "k4 was not run again as attempt 2: $(cat "$T/ran")"
ok "k4 ran again as attempt 2"
assert_eq "new/ at the end" 0 "$(count new)"
assert_eq "cur/ at the end" 0 "$(count cur)"
assert_eq "failed/ at the end" 0 "$(count failed)"
