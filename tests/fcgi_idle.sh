#!/bin/sh
# An idle FastCGI worker stays: after 40 s with no request (longer than
# any timeout of the responder's), both workers of --listen are the same
# processes, nothing has been logged, and a signed request is answered.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

make_conf
mkdir "$SPOOL"
for_listen_user "$SPOOL" "$SECRET_FILE"
FCGI_PORT=$(free_port)
start_listen "127.0.0.1:$FCGI_PORT"
wait_port "$FCGI_PORT"
two_workers() { [ "$(pgrep -c -P "$LISTEN_PID")" = 2 ]; }
wait_until "not two workers" two_workers
workers=$(pgrep -P "$LISTEN_PID" | sort | tr '\n' ' ')

event "evt-$$-before" >"$T/before.json"
fcgi_post "$T/before.json"
grep -aq 'Status: 200' "$T/fcgi.out" ||
    fail "no 200 before the idle time: $(tr -cd '[:print:]\n' <"$T/fcgi.out")"
ok "a request before the idle time"

sleep 40
assert_eq "the same workers after 40 s idle" "$workers" \
    "$(pgrep -P "$LISTEN_PID" | sort | tr '\n' ' ')"
[ -s "$T/listen.log" ] && fail "an idle responder logged: $(cat "$T/listen.log")"
ok "nothing logged while idle"
event "evt-$$-after" >"$T/after.json"
fcgi_post "$T/after.json"
grep -aq 'Status: 200' "$T/fcgi.out" ||
    fail "no 200 after the idle time: $(tr -cd '[:print:]\n' <"$T/fcgi.out")"
ok "a request after 40 s idle is answered"
assert_eq "the same workers still" "$workers" \
    "$(pgrep -P "$LISTEN_PID" | sort | tr '\n' ' ')"
[ -s "$T/listen.log" ] && fail "the responder logged: $(cat "$T/listen.log")"
ok "nothing logged"
