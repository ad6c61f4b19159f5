#!/bin/bash
# Backoff: an event whose handler failed waits out its backoff (--backoff
# D, doubling with each attempt) before a drain takes it again, so a drain
# run again at once, or a follower, does not spin on it; other events go
# on meanwhile. A claim released from a dead drain is handled at once by
# the drain that released it, and requeue makes an event due at once.
. "$top_srcdir/tests/setup.sh"

post() {
	event "$1" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}

# Fails on "bad-*" events until their third attempt; records each run.
cat >"$T/handler" <<'HANDLER'
#!/bin/sh
echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT" >>"$OUT/ran"
case $HOOKSPOOL_ID in bad-*) [ "$HOOKSPOOL_ATTEMPT" -ge 3 ] ;; esac
HANDLER
chmod +x "$T/handler"
export OUT=$T
: >"$T/ran"

# drain [ARG...]: one run with a 2 s backoff; its status in RC.
drain() {
	RC=0
	"$HOOKSPOOL" drain -c "$CONF" --backoff 2s --exec "$T/handler" "$@" \
	    2>"$T/drain.log" || RC=$?
}
ran() {
	grep -c "^$1 " "$T/ran" || :
}

make_conf
post bad-1
drain
assert_eq "the first attempt fails" 1 "$RC"
grep -q "event bad-1 of webhook protocol: exited 1 (attempt 1 of 5); retried by the next drain in 2s$" "$T/drain.log" ||
    fail "the message does not say when: $(cat "$T/drain.log")"
mtime=$(stat -c %Y "$SPOOL"/new/*)
now=$(date +%s)
[ "$mtime" -ge $((now + 1)) ] && [ "$mtime" -le $((now + 2)) ] ||
    fail "due at $mtime, not 2s after $now"
ok "a failed attempt is due 2s later, and the message says so"

# At once: not taken, and another event goes by.
post good-1
drain
assert_eq "a drain within the backoff: exit" 0 "$RC"
assert_eq "bad-1 not tried again within its backoff" 1 "$(ran bad-1)"
assert_eq "good-1 handled meanwhile" 1 "$(ran good-1)"
assert_eq "bad-1 still waits in new/" 1 "$(count new)"

# After it: taken, fails again, and now waits 4s (doubled).
sleep 2.2
drain
assert_eq "bad-1 tried again once its backoff is over" 2 "$(ran bad-1)"
grep -q "event bad-1 of webhook protocol: exited 1 (attempt 2 of 5); retried by the next drain in 4s$" "$T/drain.log" ||
    fail "the second backoff is not doubled: $(cat "$T/drain.log")"
sleep 2.2
drain
assert_eq "not before 4s" 2 "$(ran bad-1)"
sleep 2.2
drain
assert_eq "after 4s, the third attempt succeeds" 3 "$(ran bad-1)"
assert_eq "new/ is empty" 0 "$(count new)"
ok "each failed attempt doubles the wait"

# A dead drain's claim: released with its attempt counted, and handled by
# the drain that released it, at once.
post bad-2
mv "$SPOOL"/new/* "$SPOOL/cur/"
drain
assert_eq "a released claim is handled at once" 1 "$(ran bad-2)"
grep -q "^bad-2 2$" "$T/ran" || fail "its attempt was not counted: $(cat "$T/ran")"

# requeue: from failed/, due at once whatever the backoff said.
post bad-3
"$HOOKSPOOL" drain -c "$CONF" --backoff 1h --attempts 1 --exec "$T/handler" \
    2>"$T/drain.log" || :
assert_eq "bad-3 in failed/" 1 "$(count failed)"
"$HOOKSPOOL" requeue -c "$CONF" bad-3 2>/dev/null || fail "requeue bad-3"
drain
assert_eq "a requeued event is taken at once" 2 "$(ran bad-3)"
