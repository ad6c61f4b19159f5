#!/bin/bash
# --timeout: a handler that runs longer is killed with its process group
# and counted as a failed attempt.
. "$top_srcdir/tests/setup.sh"

post() {
	event "$1" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}
# gone PID: the process has ended (or is a zombie), within 20 seconds.
gone() {
	i=0
	while [ -e "/proc/$1" ] && [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || return 1
		sleep 0.1
	done
}
export OUT=$T

make_conf
post slow-1
start=$(date +%s)
rc=0
"$HOOKSPOOL" drain -c "$CONF" --timeout 1s \
    --exec 'sleep 300 & echo $! >"$OUT/bg"; wait' 2>"$T/drain.log" || rc=$?
elapsed=$(($(date +%s) - start))
assert_eq "exit status after a timeout" 1 "$rc"
[ "$elapsed" -lt 60 ] || fail "the drain took ${elapsed}s"
ok "the drain did not wait for the handler"
grep -q 'event slow-1: timed out after 1s' "$T/drain.log" ||
    fail "no timeout message: $(cat "$T/drain.log")"
ok "the timeout is reported"
gone "$(cat "$T/bg")" || fail "the handler's background child survived"
ok "the handler's process group was killed"
assert_eq "back in new/" 1 "$(count new)"
case $(ls "$SPOOL/new") in
*,A1) ok "the timeout counted as an attempt" ;;
*) fail "name after the timeout: $(ls "$SPOOL/new")" ;;
esac

# One that ignores SIGTERM is killed all the same.
rc=0
"$HOOKSPOOL" drain -c "$CONF" --timeout 1 \
    --exec 'trap "" TERM; echo $$ >"$OUT/stubborn"; sleep 300' 2>"$T/drain.log" || rc=$?
assert_eq "exit status after killing a stubborn handler" 1 "$rc"
gone "$(cat "$T/stubborn")" || fail "the stubborn handler survived"
ok "a handler that ignores SIGTERM is killed"
assert_eq "cur/ after" 0 "$(count cur)"

# A quick handler within the timeout is done.
rc=0
"$HOOKSPOOL" drain -c "$CONF" --timeout 1m --exec 'sleep 0.2' 2>"$T/drain.log" || rc=$?
assert_eq "exit status within the timeout" 0 "$rc"
assert_eq "new/ at the end" 0 "$(count new)"
