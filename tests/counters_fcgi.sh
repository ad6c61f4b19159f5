#!/bin/bash
# The responder's counters through a real FastCGI server of its own
# (hookspool.fcgi --listen, 16 workers): 16 requests at once of every
# kind of answer, and each count exact in hookspool status (--json and
# --prometheus): accepted, duplicate, ignored, a handshake (meta's GET),
# 400, 401, 404 (under the webhook "(none)"), 405, 408, 411, 413, 500 (a
# broken webhook) and 503 (a spool whose renames fail, counted in that
# spool's own file).
. "$top_srcdir/tests/setup.sh"

command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
SHIM=$top_builddir/tests/faultinject.so
[ -f "$SHIM" ] || fail "no $SHIM: build the tests first (make check)"
SPOOL2=$T/spool2
make_conf 'max_body = 1k' -- 'events = conversation.*'
cat >>"$CONF" <<EOF
[webhook meta]
path = /meta
scheme = meta
secret_file = $SECRET_FILE
verify_token = tok-$$
[webhook broken]
path = /broken
secret_file = $T/missing.key
[webhook flaky]
path = /flaky
secret_file = $SECRET_FILE
spool = $SPOOL2
EOF
"$HOOKSPOOL" check -c "$CONF" >/dev/null 2>&1 || :
mkdir -p "$SPOOL" "$SPOOL2"

# Every rename out of SPOOL2's tmp/ fails: its deliveries answer 503.
LD_PRELOAD=$SHIM HOOKSPOOL_FAULT="rename:EIO:$SPOOL2/tmp" \
    HOOKSPOOL_CONFIG=$CONF "$FCGI" --listen "$T/fcgi.sock" --workers 16 \
    2>>"$T/listen.log" &
LISTEN_PID=$!
CLEANUP_PIDS="$CLEANUP_PIDS $LISTEN_PID"
wait_until "the responder does not listen on $T/fcgi.sock" test -S "$T/fcgi.sock"

# burst KIND STATUS METHOD PATH BODY [OPTION...]: 16 requests at once
# (tests/fcgi_client.py burst); each must be answered STATUS.
burst() {
	kind=$1
	want=$2
	shift 2
	python3 "$top_srcdir/tests/fcgi_client.py" burst "$T/fcgi.sock" 16 \
	    "$SECRET_FILE" "$@" >"$T/burst.out" ||
	    fail "$kind: the client failed"
	got=$(sort -u "$T/burst.out" | tr '\n' ' ')
	assert_eq "$kind: 16 requests at once answered" "$want " "$got"
}

burst accepted 200 POST / '{"id":"acc-{i}","type":"conversation.updated"}'
burst duplicate 200 POST / '{"id":"acc-0","type":"conversation.updated"}'
burst ignored 200 POST / '{"id":"ign-{i}","type":"message.created"}'
burst handshake 200 GET /meta - \
    "query=hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=tok-$$"
burst 400 400 POST / '{"id":"bad-{i}","type":'
burst 401 401 POST / '{"id":"sig-{i}","type":"conversation.updated"}' badsig
burst 404 404 POST /nowhere '{"id":"nw-{i}","type":"conversation.updated"}'
burst 405 405 PUT / '{"id":"put-{i}","type":"conversation.updated"}'
burst 411 411 POST / - nolength
burst 413 413 POST / - length=5000
burst 500 500 POST /broken '{"id":"br-{i}","type":"conversation.updated"}'
burst 503 503 POST /flaky '{"id":"fl-{i}","type":"conversation.updated"}'
# last: each holds its worker until the 30 s deadline
burst 408 408 POST / '{"id":"late' length=100 hold
assert_eq "events spooled" 16 "$(count new)"

"$HOOKSPOOL" status -c "$CONF" --json >"$T/status.json" ||
    fail "status --json exited $?: $(cat "$T/status.json")"
# answer SPOOL WEBHOOK ANSWER: a count of status --json's answers.
answer() {
	python3 -c 'import json, sys
for s in json.load(open(sys.argv[1])):
    if s["spool"] == sys.argv[2]:
        print(s["answers"].get(sys.argv[3], {}).get(sys.argv[4], "none"))' \
	    "$T/status.json" "$@"
}
for a in accepted duplicate ignored 400 401 405 408 411 413; do
	assert_eq "counted: protocol $a" 16 "$(answer "$SPOOL" protocol "$a")"
done
for a in 404 500 503 handshake; do
	assert_eq "counted: protocol $a" 0 "$(answer "$SPOOL" protocol "$a")"
done
assert_eq "counted: a request for no webhook, 404" 16 \
    "$(answer "$SPOOL" '(none)' 404)"
assert_eq "counted: meta's handshakes" 16 "$(answer "$SPOOL" meta handshake)"
assert_eq "counted: a broken webhook's 500" 16 "$(answer "$SPOOL" broken 500)"
assert_eq "counted: 503 in the failing spool's own file" 16 \
    "$(answer "$SPOOL2" flaky 503)"
assert_eq "counted: nothing of flaky in the other spool" none \
    "$(answer "$SPOOL" flaky 503)"

"$HOOKSPOOL" status -c "$CONF" --prometheus >"$T/status.prom" ||
    fail "status --prometheus exited $?"
grep -qx "hookspool_requests_total{spool=\"$SPOOL\",webhook=\"protocol\",answer=\"accepted\"} 16" \
    "$T/status.prom" || fail "no accepted count in: $(grep requests_total "$T/status.prom")"
grep -qx "hookspool_requests_total{spool=\"$SPOOL2\",webhook=\"flaky\",answer=\"503\"} 16" \
    "$T/status.prom" || fail "no 503 count in: $(grep requests_total "$T/status.prom")"
ok "status --prometheus gives the same counts"
n=$(grep -c '^hookspool_requests_total{' "$T/status.prom")
assert_eq "one series per webhook and answer" \
    $(((4 + 1) * 13)) "$n"
[ "$(stat -c %a "$SPOOL/counters")" = 600 ] ||
    fail "counters made $(stat -c %a "$SPOOL/counters")"
ok "the counters file is private"
