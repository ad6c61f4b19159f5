#!/bin/sh
# Whoever can reach the FastCGI socket can neither steer the responder nor
# hold it: a HOOKSPOOL_CONFIG request parameter never chooses the config
# (and with it the secret), whether the process took its config from its
# environment or from -c; its memory is closed to its own user's other
# processes; and a body that stalls is cut off with a 408
# after 30 s, while the second worker (there are two by default) goes on
# answering, and a single worker takes the next request after the cut.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

make_conf
mkdir "$SPOOL" "$T/run"

# The attacker's config: their own secret, the real spool for one
# webhook, and a spool of their choosing for another.
EVIL_KEY=$T/evil.key
printf 'not-the-secret\n' >"$EVIL_KEY"
chmod 600 "$EVIL_KEY"
cat >"$T/evil.conf" <<EOF
spool = $SPOOL
[webhook protocol]
secret_file = $EVIL_KEY
[webhook elsewhere]
path = /elsewhere
secret_file = $EVIL_KEY
spool = $T/made-by-a-request
EOF
for_listen_user "$SPOOL" "$SECRET_FILE" "$T/run" "$EVIL_KEY" "$T/evil.conf"

# forged LABEL: a request naming the attacker's config and signed with
# their secret is refused, spools nothing and makes no folder.
forged() {
	event "forged-$$" >"$T/forged.json"
	evil_sig=$("$HOOKSPOOL" sign --secret-file "$EVIL_KEY" "$T/forged.json")
	FCGI_SIGNATURE=$evil_sig fcgi_post "$T/forged.json" \
	    "HOOKSPOOL_CONFIG=$T/evil.conf"
	grep -aq 'Status: 401' "$T/fcgi.out" ||
	    fail "$1: a forged config was obeyed: $(tr -cd '[:print:]\n' <"$T/fcgi.out")"
	ok "$1: a HOOKSPOOL_CONFIG parameter does not choose the secret"
	assert_eq "$1: nothing spooled" 0 "$(count new)"
	FCGI_SIGNATURE=$evil_sig fcgi_post "$T/forged.json" \
	    "HOOKSPOOL_CONFIG=$T/evil.conf" PATH_INFO=/elsewhere
	grep -aq 'Status: 404' "$T/fcgi.out" ||
	    fail "$1: a webhook of a forged config answered: $(tr -cd '[:print:]\n' <"$T/fcgi.out")"
	[ -e "$T/made-by-a-request" ] &&
	    fail "$1: a request parameter made a spool folder"
	ok "$1: a request parameter makes no folder"

	# The real secret still works on the same process.
	event "real-$$-$2" >"$T/real.json"
	fcgi_post "$T/real.json" "HOOKSPOOL_CONFIG=$T/evil.conf"
	grep -aq 'Status: 200' "$T/fcgi.out" ||
	    fail "$1: a signed event was refused: $(tr -cd '[:print:]\n' <"$T/fcgi.out")"
	ok "$1: the process's own config is used"
}

# As the README's systemd unit runs it: the config in the environment.
FCGI_PORT=$(free_port)
start_listen "127.0.0.1:$FCGI_PORT"
wait_port "$FCGI_PORT"
forged "config from the environment" env
# Its keys are out of reach of the other processes of its own user.
if [ -n "$LISTEN_AS" ]; then
	for pid in "$LISTEN_PID" $(pgrep -P "$LISTEN_PID"); do
		assert_eq "process $pid is not dumpable (/proc/PID/mem is root's)" \
		    root "$(stat -c %U "/proc/$pid/mem")"
	done
fi
kill "$LISTEN_PID"
wait_gone "$LISTEN_PID" || fail "hookspool.fcgi did not stop"
rm -f "$SPOOL"/new/*

# With -c, and no config in the environment at all.
FCGI_PORT=$(free_port)
LISTEN_CONFIG=$T/nonexistent.conf start_listen "127.0.0.1:$FCGI_PORT" -c "$CONF"
wait_port "$FCGI_PORT"
forged "config from -c" c
rm -f "$SPOOL"/new/*

# As plain CGI, a stalled body gets its 408 too (run alongside).
event "stalled-$$" >"$T/stalled.json"
head -c 20 "$T/stalled.json" >"$T/part1"
mkfifo "$T/cgi-in"
env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 HOOKSPOOL_CONFIG="$CONF" \
    REQUEST_METHOD=POST CONTENT_LENGTH=200 REMOTE_ADDR=127.0.0.1 \
    HTTP_X_PROTOCOL_SIGNATURE=x \
    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
    "$FCGI" <"$T/cgi-in" >"$T/cgi-stalled.out" 2>"$T/cgi-stalled.err" &
CGI_PID=$!
exec 7>"$T/cgi-in"
cat "$T/part1" >&7

# A stalled body on this server (two workers by default) ...
fcgi_begin "$T/stalled.json"
fcgi_stdin "$T/part1"
exec 5<&3 3<&-
started=$(date +%s)
# ... does not stop the other worker from answering at once.
event "meanwhile-$$" >"$T/meanwhile.json"
fcgi_post "$T/meanwhile.json"
grep -aq 'Status: 200' "$T/fcgi.out" ||
    fail "a stalled body blocked the other worker: $(tr -cd '[:print:]\n' <"$T/fcgi.out")"
ok "two workers by default: one stalled body does not block the other"

# One worker: a stalled body, and a request queued behind it.
ONE_PORT=$(free_port)
FCGI_PORT=$ONE_PORT
start_listen "127.0.0.1:$ONE_PORT" --workers 1
wait_port "$ONE_PORT"
fcgi_begin "$T/stalled.json"
fcgi_stdin "$T/part1"
exec 6<&3 3<&-
event "queued-$$" >"$T/queued.json"
fcgi_begin "$T/queued.json"
fcgi_stdin "$T/queued.json"
fcgi_stdin ""
timeout 60 cat <&3 >"$T/queued.out" || :
exec 3<&-
grep -aq 'Status: 200' "$T/queued.out" ||
    fail "a single worker never took the request after a stalled one: $(tr -cd '[:print:]\n' <"$T/queued.out")"
ok "a single worker answers the next request after the stalled one's deadline"

timeout 60 cat <&5 >"$T/stalled.out" || :
timeout 60 cat <&6 >"$T/stalled1.out" || :
waited=$(($(date +%s) - started))
for f in stalled stalled1; do
	grep -aq 'Status: 408' "$T/$f.out" ||
	    fail "$f: no 408 for a stalled body: $(tr -cd '[:print:]\n' <"$T/$f.out")"
done
ok "a stalled body is answered 408"
[ "$waited" -ge 29 ] && [ "$waited" -le 45 ] ||
    fail "the stalled body was cut after ${waited}s, not about 30"
ok "the deadline is about 30 s (${waited}s)"
wait "$CGI_PID" 2>/dev/null || :
exec 7>&-
assert_eq "CGI: a stalled body" "Status: 408 Request Timeout" \
    "$(head -n 1 "$T/cgi-stalled.out" | tr -d '\r')"
grep -q '408 webhook=protocol .*not complete within 30 s' "$T/cgi-stalled.err" ||
    fail "CGI: the 408 is not logged: $(cat "$T/cgi-stalled.err")"
assert_eq "spooled: the two whole requests only" 2 "$(count new)"
# The log line goes to the server as FastCGI stderr, on the connection.
grep -aq 'hookspool: 408 webhook=protocol .*not complete within 30 s' \
    "$T/stalled.out" ||
    fail "the 408 is not logged: $(tr -cd '[:print:]\n' <"$T/stalled.out")"
ok "the 408 is logged"
