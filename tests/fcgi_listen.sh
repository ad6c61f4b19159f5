#!/bin/sh
# hookspool.fcgi --listen on its own: SIGTERM lets the request in flight
# finish (one process, and --workers 2), and the unix socket is created,
# refused and replaced as README.md says, and FCGI_WEB_SERVER_ADDRS holds.
# The requests are FastCGI records written by hand (fcgi_begin), so that
# the body can arrive late, after the signal.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
make_conf
mkdir "$SPOOL" "$T/run"
for_listen_user "$SPOOL" "$SECRET_FILE" "$T/run"

# term_in_flight LABEL ID [--workers N]: a request whose body arrives
# after SIGTERM still gets its 200 and is spooled; then the process exits.
term_in_flight() {
	label=$1
	id=$2
	shift 2
	FCGI_PORT=$(free_port)
	start_listen "127.0.0.1:$FCGI_PORT" "$@"
	wait_port "$FCGI_PORT"
	before=$(count new)
	event "$id" >"$T/body.json"
	head -c 20 "$T/body.json" >"$T/part1"
	tail -c +21 "$T/body.json" >"$T/part2"

	fcgi_begin "$T/body.json"
	fcgi_stdin "$T/part1"
	sleep 0.3
	kill -TERM "$LISTEN_PID"
	sleep 0.5
	kill -0 "$LISTEN_PID" 2>/dev/null ||
	    fail "$label: exited with a request in flight"
	ok "$label: still running while a request is in flight"
	if (exec 4<>"/dev/tcp/127.0.0.1/$FCGI_PORT") 2>/dev/null; then
		fail "$label: still takes new connections after TERM"
	fi
	ok "$label: no new connections after TERM"
	fcgi_stdin "$T/part2"
	fcgi_stdin ""
	cat <&3 >"$T/fcgi.out"
	exec 3<&-
	grep -aq 'Status: 200' "$T/fcgi.out" ||
	    fail "$label: the request in flight got no 200: $(tr -cd '[:print:]\n' <"$T/fcgi.out")"
	grep -aq "{\"status\":\"accepted\",\"id\":\"$id\"}" "$T/fcgi.out" ||
	    fail "$label: the request in flight was not accepted"
	ok "$label: the request in flight got its 200"
	assert_eq "$label: the request in flight was spooled" $((before + 1)) \
	    "$(count new)"
	wait_gone "$LISTEN_PID" || fail "$label: did not exit after its request"
	wait "$LISTEN_PID" && rc=0 || rc=$?
	assert_eq "$label: exit status after TERM" 0 "$rc"
}

term_in_flight "one process" "evt-$$-one" --workers 1
term_in_flight "--workers 2" "evt-$$-workers" --workers 2

# The unix socket: mode 0660, a live one is not taken over, a leftover
# is replaced, anything else at the path is refused, and it is removed on
# exit.
SOCK=$T/run/hookspool.sock
start_listen "$SOCK" --workers 1
FIRST=$LISTEN_PID
wait_socket "$SOCK"
assert_eq "socket mode" 660 "$(stat -c %a "$SOCK")"
if HOOKSPOOL_CONFIG=$CONF "$FCGI" --listen "$SOCK" 2>"$T/second.err"; then
	fail "a second hookspool.fcgi took over a live socket"
fi
grep -q 'in use' "$T/second.err" ||
    fail "no reason given for a live socket: $(cat "$T/second.err")"
[ -S "$SOCK" ] && kill -0 "$FIRST" || fail "the live socket was disturbed"
ok "a live socket is not taken over"

kill -KILL "$FIRST" 2>/dev/null
wait_gone "$FIRST" || fail "hookspool.fcgi did not die"
[ -S "$SOCK" ] || fail "kill -9 left no socket to test with"
{ wait "$FIRST"; } 2>/dev/null || :
curl -s -o /dev/null --unix-socket "$SOCK" http://hookspool/ && rc=0 || rc=$?
assert_eq "nothing listens on the leftover socket (curl: cannot connect)" 7 "$rc"
start_listen "$SOCK"
i=0
while :; do
	curl -s -o /dev/null --max-time 2 --unix-socket "$SOCK" http://hookspool/ &&
	    rc=0 || rc=$?
	[ "$rc" -ne 7 ] && break
	kill -0 "$LISTEN_PID" 2>/dev/null ||
	    fail "a leftover socket was refused: $(tail -n 1 "$T/listen.log")"
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "a leftover socket was not replaced"
	sleep 0.1
done
ok "a leftover socket is replaced"
kill -TERM "$LISTEN_PID"
wait_gone "$LISTEN_PID" || fail "hookspool.fcgi did not stop on TERM"
[ -e "$SOCK" ] && fail "the socket is left behind after TERM"
ok "the socket is removed on exit"

echo 'not a socket' >"$T/run/file"
if HOOKSPOOL_CONFIG=$CONF "$FCGI" --listen "$T/run/file" 2>"$T/file.err"; then
	fail "hookspool.fcgi listened in place of a regular file"
fi
assert_eq "a regular file at the path is left alone" "not a socket" \
    "$(cat "$T/run/file")"

# Workers do not outlive a parent killed with kill -9 (two by default).
FCGI_PORT=$(free_port)
start_listen "127.0.0.1:$FCGI_PORT"
wait_port "$FCGI_PORT"
two_workers() { [ "$(pgrep -c -P "$LISTEN_PID")" = 2 ]; }
wait_until "not two workers by default" two_workers
ok "two workers by default"
workers=$(pgrep -P "$LISTEN_PID" | tr '\n' ' ')
kill -KILL "$LISTEN_PID"
for w in $workers; do
	wait_gone "$w" || fail "worker $w outlived its parent"
done
ok "workers exit when their parent is killed"

# FCGI_WEB_SERVER_ADDRS (libfcgi's list of the addresses a server may
# connect from) still holds, though the responder accepts itself: a peer
# not on it is closed at once and named in the log; one on it is served;
# a list that is not IPv4 addresses is refused at start.
FCGI_PORT=$(free_port)
FCGI_WEB_SERVER_ADDRS=192.0.2.1,192.0.2.2 start_listen "127.0.0.1:$FCGI_PORT" --workers 1
wait_port "$FCGI_PORT"
event "evt-$$-refused" >"$T/refused.json"
# (a client of its own: the shell's would die of SIGPIPE)
python3 "$top_srcdir/tests/fcgi_client.py" post "127.0.0.1:$FCGI_PORT" \
    "$T/refused.json" "$(sign "$T/refused.json")" 10 >"$T/refused.out" 2>&1 &&
    fail "a peer not in FCGI_WEB_SERVER_ADDRS was answered: $(cat "$T/refused.out")"
grep -q '^no answer' "$T/refused.out" ||
    fail "refused peer: $(cat "$T/refused.out")"
wait_until "the refused peer is not logged: $(cat "$T/listen.log")" grep -q \
    'refused a connection from 127.0.0.1: not in FCGI_WEB_SERVER_ADDRS' "$T/listen.log"
ok "FCGI_WEB_SERVER_ADDRS: a peer not on the list is refused, with a line"
kill "$LISTEN_PID"
wait_gone "$LISTEN_PID" || fail "hookspool.fcgi did not stop"
FCGI_PORT=$(free_port)
FCGI_WEB_SERVER_ADDRS=192.0.2.1,127.0.0.1 start_listen "127.0.0.1:$FCGI_PORT" --workers 1
wait_port "$FCGI_PORT"
event "evt-$$-allowed" >"$T/allowed.json"
fcgi_post "$T/allowed.json"
grep -aq 'Status: 200' "$T/fcgi.out" ||
    fail "a peer in FCGI_WEB_SERVER_ADDRS was not answered: $(tr -cd '[:print:]\n' <"$T/fcgi.out")"
ok "FCGI_WEB_SERVER_ADDRS: a peer on the list is served"
kill "$LISTEN_PID"
wait_gone "$LISTEN_PID" || fail "hookspool.fcgi did not stop"
if FCGI_WEB_SERVER_ADDRS=localhost HOOKSPOOL_CONFIG=$CONF "$FCGI" \
    --listen "127.0.0.1:$(free_port)" 2>"$T/addrs.err"; then
	fail "FCGI_WEB_SERVER_ADDRS=localhost was taken"
fi
grep -q 'FCGI_WEB_SERVER_ADDRS: "localhost" is not an IPv4 address' "$T/addrs.err" ||
    fail "no reason for a bad FCGI_WEB_SERVER_ADDRS: $(cat "$T/addrs.err")"
ok "FCGI_WEB_SERVER_ADDRS: a list that is not addresses is refused"
