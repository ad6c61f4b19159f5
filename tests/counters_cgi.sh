#!/bin/bash
# The responder's counters under plain CGI, where every request is a
# process of its own: 16 processes at once for every kind of answer, and
# each count exact in hookspool status --json.
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
mkdir -p "$SPOOL" "$SPOOL2"

# cgi_bg OUT METHOD PATH BODYFILE [VAR=VALUE...]: one request to the
# responder run as CGI, in the background; its answer goes to OUT.
cgi_bg() {
	local out=$1 method=$2 path=$3 body=$4
	shift 4
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 HOOKSPOOL_CONFIG="$CONF" \
	    REQUEST_METHOD="$method" PATH_INFO="$path" \
	    CONTENT_LENGTH="$(wc -c <"$body" | tr -d ' ')" \
	    HTTP_X_PROTOCOL_SIGNATURE="$(sign "$body")" \
	    REMOTE_ADDR=127.0.0.1 SERVER_PROTOCOL=HTTP/1.1 \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	    "$@" "$FCGI" <"$body" >"$out" 2>>"$T/cgi-stderr.log" &
}

# burst KIND STATUS METHOD PATH BODY [VAR=VALUE...]: 16 processes at
# once, BODY's "{i}" replaced by each one's number; each must answer
# STATUS.
burst() {
	local kind=$1 want=$2 method=$3 path=$4 body=$5 i got
	shift 5
	mkdir -p "$T/$kind"
	for i in $(seq 0 15); do
		printf '%s' "${body//\{i\}/$i}" >"$T/$kind/body.$i"
		cgi_bg "$T/$kind/out.$i" "$method" "$path" "$T/$kind/body.$i" "$@"
	done
	wait
	got=$(sed -s -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/$kind"/out.* |
	    sort | uniq -c | awk '{ print $1 "x" $2 }' | tr '\n' ' ')
	assert_eq "$kind: 16 processes at once answered" "16x$want " "$got"
}

burst accepted 200 POST / '{"id":"acc-{i}","type":"conversation.updated"}'
burst duplicate 200 POST / '{"id":"acc-0","type":"conversation.updated"}'
burst ignored 200 POST / '{"id":"ign-{i}","type":"message.created"}'
burst handshake 200 GET /meta '' \
    QUERY_STRING="hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=tok-$$"
burst 400 400 POST / '{"id":"bad-{i}","type":'
burst 401 401 POST / '{"id":"sig-{i}","type":"conversation.updated"}' \
    HTTP_X_PROTOCOL_SIGNATURE="$(printf '0%.0s' $(seq 64))"
burst 404 404 POST /nowhere '{"id":"nw-{i}","type":"conversation.updated"}'
burst 405 405 PUT / '{"id":"put-{i}","type":"conversation.updated"}'
burst 411 411 POST / 'x' CONTENT_LENGTH=
burst 413 413 POST / 'x' CONTENT_LENGTH=5000
burst 500 500 POST /broken '{"id":"br-{i}","type":"conversation.updated"}'
burst 503 503 POST /flaky '{"id":"fl-{i}","type":"conversation.updated"}' \
    LD_PRELOAD="$SHIM" HOOKSPOOL_FAULT="rename:EIO:$SPOOL2/tmp"
# 408: each body stops short and its input stays open past the deadline
mkdir -p "$T/408"
for i in $(seq 0 15); do
	{ printf '{"id":"late'; sleep 33; } |
	    env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 \
	    HOOKSPOOL_CONFIG="$CONF" REQUEST_METHOD=POST CONTENT_LENGTH=100 \
	    HTTP_X_PROTOCOL_SIGNATURE=x REMOTE_ADDR=127.0.0.1 \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	    "$FCGI" >"$T/408/out.$i" 2>>"$T/cgi-stderr.log" &
done
wait
assert_eq "408: 16 processes at once answered" 16 \
    "$(grep -l '^Status: 408' "$T/408"/out.* | wc -l | tr -d ' ')"
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
assert_eq "counted: a request for no webhook, 404" 16 \
    "$(answer "$SPOOL" '(none)' 404)"
assert_eq "counted: meta's handshakes" 16 "$(answer "$SPOOL" meta handshake)"
assert_eq "counted: a broken webhook's 500" 16 "$(answer "$SPOOL" broken 500)"
assert_eq "counted: 503 in the failing spool's own file" 16 \
    "$(answer "$SPOOL2" flaky 503)"
