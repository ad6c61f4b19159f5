#!/bin/bash
# --timeout: a handler that runs longer is killed with its process group
# and counted as a failed attempt; one that leaves its group for the
# drain's, where the group's signals miss it, is signalled as a process.
. "$top_srcdir/tests/setup.sh"

command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"

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
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --timeout 1s \
    --exec 'sleep 300 & echo $! >"$OUT/bg"; wait' 2>"$T/drain.log" || rc=$?
elapsed=$(($(date +%s) - start))
assert_eq "exit status after a timeout" 1 "$rc"
[ "$elapsed" -lt 60 ] || fail "the drain took ${elapsed}s"
ok "the drain did not wait for the handler"
grep -q 'event slow-1 of webhook protocol: timed out after 1s' "$T/drain.log" ||
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
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --timeout 1 \
    --exec 'trap "" TERM; echo $$ >"$OUT/stubborn"; sleep 300' 2>"$T/drain.log" || rc=$?
assert_eq "exit status after killing a stubborn handler" 1 "$rc"
gone "$(cat "$T/stubborn")" || fail "the stubborn handler survived"
ok "a handler that ignores SIGTERM is killed"
assert_eq "cur/ after" 0 "$(count cur)"

# A quick handler within the timeout is done.
rc=0
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --timeout 1m --exec 'sleep 0.2' 2>"$T/drain.log" || rc=$?
assert_eq "exit status within the timeout" 0 "$rc"
assert_eq "new/ at the end" 0 "$(count new)"

# A handler that moves itself out of its process group into the drain's
# and sleeps 20 s: TERM and KILL to its group find nobody, but the
# handler's own process gets them too. First one that dies of TERM, then
# one that ignores it and dies of the KILL 5 s later.
PGID=$(ps -o pgid= -p $$ | tr -d ' ')
export PGID
for how in term kill; do
	post "escape-$how"
	rc=0
	start=$(date +%s)
	"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --timeout 2s --exec "exec python3 -c '
import os, signal, sys, time
if sys.argv[1] == \"kill\":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
os.setpgid(0, int(os.environ[\"PGID\"]))
with open(os.environ[\"OUT\"] + \"/escaped\", \"w\") as f:
    print(os.getpid(), os.getpgid(0), file=f)
time.sleep(20)' $how" 2>"$T/drain.log" || rc=$?
	elapsed=$(($(date +%s) - start))
	read -r pid pgid _ <"$T/escaped" || fail "the handler did not start"
	assert_eq "the handler ($how) moved into the drain's process group" \
	    "$(ps -o pgid= -p $$ | tr -d ' ')" "$pgid"
	assert_eq "exit status after a handler out of its group ($how)" 1 "$rc"
	[ "$elapsed" -lt 12 ] ||
	    fail "the drain waited ${elapsed}s for a handler out of its group ($how)"
	ok "the drain did not wait for a handler out of its group ($how: ${elapsed}s)"
	grep -q "event escape-$how of webhook protocol: timed out after 2s, killed (attempt 1 of 5)" \
	    "$T/drain.log" || fail "no timeout message ($how): $(cat "$T/drain.log")"
	gone "$pid" || fail "the handler out of its group survived ($how)"
	ok "the handler out of its group was killed ($how)"
	case $(ls "$SPOOL/new") in
	*,A1) ok "the timeout counted as an attempt ($how)" ;;
	*) fail "name after the timeout ($how): $(ls "$SPOOL/new")" ;;
	esac
	rm -f "$SPOOL"/new/* "$T/escaped"
done
