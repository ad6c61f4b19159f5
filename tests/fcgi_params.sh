#!/bin/sh
# A FastCGI client can hold a worker no longer than the request's
# deadline, whatever it does with the connection: parameters over 64 KiB
# are cut at once, parameters that trickle in are cut 30 s after the
# accept(), and bytes trickled after the answer do not keep the connection
# open. Each is tried on one worker (--workers 1), which must then answer
# an ordinary signed request. The records are written by hand
# (tests/fcgi_client.py) so that the timing is the test's.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
CLIENT="python3 $top_srcdir/tests/fcgi_client.py"

make_conf
mkdir "$SPOOL"
for_listen_user "$SPOOL" "$SECRET_FILE"
FCGI_PORT=$(free_port)
ADDR=127.0.0.1:$FCGI_PORT
start_listen "$ADDR" --workers 1
wait_port "$FCGI_PORT"

# answered LABEL ID [TIMEOUT]: an ordinary signed request gets its 200
# within TIMEOUT seconds (default 10); sets TOOK, its seconds.
answered() {
	event "$2" >"$T/ok.json"
	$CLIENT post "$ADDR" "$T/ok.json" "$(sign "$T/ok.json")" "${3:-10}" \
	    >"$T/ok.out" 2>&1 || fail "$1: no answer: $(cat "$T/ok.out")"
	grep -q "{\"status\":\"accepted\",\"id\":\"$2\"}" "$T/ok.out" ||
	    fail "$1: not accepted: $(cat "$T/ok.out")"
	TOOK=$(sed -n 's/^seconds=\([0-9]*\).*/\1/p' "$T/ok.out")
	ok "$1"
}

# logged PATTERN WHAT: listen.log has a line matching PATTERN.
logged() {
	wait_until "not logged: $2: $(cat "$T/listen.log")" \
	    grep -q "$1" "$T/listen.log"
	ok "logged: $2"
}

answered "a signed request" "evt-$$-first"

# Over the cap: 80 KiB of parameters, then a whole signed request. The
# connection is closed without an answer as soon as the cap is crossed.
event "evt-$$-big" >"$T/big.json"
$CLIENT oversize "$ADDR" "$T/big.json" "$(sign "$T/big.json")" 81920 \
    >"$T/big.out" 2>&1 || fail "oversize client: $(cat "$T/big.out")"
case $(cat "$T/big.out") in
"closed after "[01].*) ok "parameters over 64 KiB: cut at once ($(cat "$T/big.out"))" ;;
*) fail "parameters over 64 KiB were taken: $(cat "$T/big.out")" ;;
esac
logged '431 webhook=- remote=127.0.0.1 id=-: connection dropped: parameters over 64 KiB' \
    "the oversized parameters"
answered "after oversized parameters, the worker answers" "evt-$$-after-big"
assert_eq "nothing of the oversized request spooled" 2 "$(count new)"

# Bytes after the answer, one a second: the connection is closed within
# the 5 s the close may take, and the worker is free again.
event "evt-$$-linger" >"$T/linger.json"
$CLIENT linger "$ADDR" "$T/linger.json" "$(sign "$T/linger.json")" 1 20 \
    >"$T/linger.out" 2>&1 || fail "bytes after the answer held the connection: $(cat "$T/linger.out")"
grep -q '^Status: 200' "$T/linger.out" || fail "linger: no 200: $(cat "$T/linger.out")"
secs=$(sed -n 's/^closed after \([0-9]*\).*/\1/p' "$T/linger.out")
[ "$secs" -le 8 ] || fail "the connection was closed ${secs}s after the answer, not within 5 (and 2 s to see it)"
ok "bytes trickled after the answer: closed ${secs}s after it"
answered "after the lingering client, the worker answers" "evt-$$-after-linger"

# Parameters one byte every 3 s: the connection is cut about 30 s after
# its accept(), and a request queued behind it is then answered.
$CLIENT trickle "$ADDR" 3 90 >"$T/trickle.out" 2>&1 &
TRICKLE=$!
sleep 1
answered "a request queued behind trickled parameters is answered" \
    "evt-$$-queued" 45
wait "$TRICKLE" || fail "trickled parameters held the worker: $(cat "$T/trickle.out")"
secs=$(sed -n 's/^closed after \([0-9]*\).*/\1/p' "$T/trickle.out")
[ "$secs" -ge 29 ] && [ "$secs" -le 35 ] ||
    fail "trickled parameters were cut after ${secs}s, not about 30"
ok "trickled parameters: cut after ${secs}s"
[ "$TOOK" -ge 27 ] && [ "$TOOK" -le 36 ] ||
    fail "the queued request waited ${TOOK}s, not about 29"
logged '408 webhook=- remote=127.0.0.1 id=-: connection dropped: parameters not complete within 30 s' \
    "the trickled parameters"
assert_eq "each dropped connection is one line" 2 \
    "$(grep -c 'connection dropped' "$T/listen.log")"
assert_eq "spooled: the ordinary requests and the lingering one" 5 "$(count new)"
