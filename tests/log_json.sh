#!/bin/bash
# log_format = json and log_accepted = yes: the responder behind real
# lighttpd (mod_fastcgi), and as CGI, writes one JSON object a line to the
# server's error log, accepted requests included (webhook, id, type, size,
# ms), and so do the verbs (drain, status, requeue, purge, recover) on
# stderr; every line is parsed with Python's json.loads. A verb that fails
# before its config is loaded writes text. log_accepted in text too.
. "$top_srcdir/tests/setup.sh"

command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"

# json_lines WHAT FILE [MIN]: every line of FILE is one JSON object with
# the keys every record has (and "verb" for a verb's), MIN lines at least.
json_lines() {
	python3 - "$@" <<'EOF' || fail "$1: $(cat "$2")"
import json, sys
what, path = sys.argv[1], sys.argv[2]
least = int(sys.argv[3]) if len(sys.argv) > 3 else 1
lines = open(path, encoding="utf-8").read().splitlines()
if len(lines) < least:
    sys.exit("%s: %d lines, wanted %d at least" % (what, len(lines), least))
for line in lines:
    rec = json.loads(line)
    if not isinstance(rec, dict):
        sys.exit("%s: not an object: %s" % (what, line))
    for key in ("time", "level", "webhook", "id", "status", "remote",
                "reason"):
        if key not in rec:
            sys.exit("%s: no %s in %s" % (what, key, line))
    if rec["level"] not in ("error", "warning", "info"):
        sys.exit("%s: level %s" % (what, rec["level"]))
    if what.startswith("hookspool ") and rec.get("verb") != what.split()[1]:
        sys.exit("%s: verb %s in %s" % (what, rec.get("verb"), line))
EOF
	ok "$1: every line is a JSON record"
}

# record FILE PYTHON-CONDITION: some record of FILE (json lines) meets it.
record() {
	python3 -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
sys.exit(0 if any(eval(sys.argv[2], {}, {"r": r}) for r in recs) else 1)' "$@"
}

make_conf 'log_format = json' 'log_accepted = yes'
cat >>"$CONF" <<EOF
[webhook hostile]
path = /hostile
secret_file = $SECRET_FILE
EOF

# The responder behind lighttpd (mod_fastcgi: lighttpd's mod_cgi leaves
# its processes' stderr out of its error log), then as CGI on its own.
for snippet in hookspool-fastcgi.conf; do
	start_lighttpd "$snippet" "$FCGI"
	log=$T/lighttpd/lighttpd-error.log
	event "ok-$snippet" >"$T/good.json"
	http_post "$URL" "$T/good.json"
	assert_eq "$snippet: accepted" 200 "$STATUS"
	event "bad-$snippet" >"$T/bad.json"
	STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H 'x-protocol-signature: 00' \
	    --data-binary @"$T/bad.json" "$URL")
	assert_eq "$snippet: a bad signature" 401 "$STATUS"
	# an id with a quote, a backslash and a letter that is not ASCII
	printf '{"id":"q\\"\\\\\xc3\xa9-%s","type":"t\\"y"}' "$snippet" >"$T/odd.json"
	http_post "$URL/hostile" "$T/odd.json"
	assert_eq "$snippet: an id with quotes" 200 "$STATUS"
	STATUS=$(curl -s -o /dev/null -w '%{http_code}' --data-binary x \
	    "$URL/nowhere")
	assert_eq "$snippet: no webhook" 404 "$STATUS"
	sleep 0.5
	stop_lighttpd
	# lighttpd puts its own words before what a FastCGI process writes
	# on its stderr stream; what mod_cgi's processes write is as written
	grep -a -v -e 'server started' -e 'server stopped' \
	    -e 'graceful shutdown' "$log" |
	    sed -n -e 's/^.*FastCGI-stderr:[[:space:]]*//' -e '/^{/p' \
	    >"$T/responder.log"
	json_lines "responder ($snippet)" "$T/responder.log" 4
	! grep -aq 'hookspool: [0-9]' "$log" ||
	    fail "$snippet: a text record in the error log: $(grep -a 'hookspool: ' "$log")"
	record "$T/responder.log" "r['status'] == 200 and r['level'] == 'info' and \
r['reason'] == 'accepted' and r['id'] == 'ok-$snippet' and \
r['webhook'] == 'protocol' and r['type'] == 'conversation.updated' and \
r['size'] == $(wc -c <"$T/good.json") and r['ms'] >= 0 and \
r['remote'] == '127.0.0.1'" ||
	    fail "$snippet: no accepted record: $(cat "$T/responder.log")"
	ok "$snippet: log_accepted: webhook, id, type, size and time taken"
	record "$T/responder.log" "r['status'] == 401 and \
r['level'] == 'warning' and r['webhook'] == 'protocol' and r['reason']" ||
	    fail "$snippet: no 401 record"
	ok "$snippet: a 401 record"
	record "$T/responder.log" "r['status'] == 404 and r['webhook'] is None" ||
	    fail "$snippet: no 404 record"
	ok "$snippet: a 404 record"
	record "$T/responder.log" "r['webhook'] == 'hostile' and \
r['id'] == 'q\"\\\\??-$snippet' and r['type'] == 't\"y'" ||
	    fail "$snippet: the odd id: $(grep hostile "$T/responder.log")"
	ok "$snippet: quotes escaped, bytes that are not ASCII replaced"
	rm -rf "$T/lighttpd" "$SPOOL"
done

event cgi-1 >"$T/body"
cgi_post "$T/body"
cgi_post "$T/body" HTTP_X_PROTOCOL_SIGNATURE=bad
cgi_post "$T/body" PATH_INFO=/nowhere
json_lines "responder (CGI)" "$T/cgi-stderr.log" 3
: >"$T/cgi-stderr.log"

# The verbs: their messages and summaries are records too.
event v-1 >"$T/body"
cp "$CONF" "$T/json.conf"
make_conf 'log_accepted = yes'
cgi_post "$T/body"
grep -q '^hookspool: 200 webhook=protocol remote=127.0.0.1 id=v-1 type=conversation.updated size=[0-9]* ms=[0-9]*: accepted$' \
    "$T/cgi-stderr.log" || fail "log_accepted as text: $(cat "$T/cgi-stderr.log")"
ok "log_accepted as text"
CONF=$T/json.conf
event v-2 >"$T/body"
cgi_post "$T/body"
"$HOOKSPOOL" drain -c "$CONF" --attempts 1 --exec false 2>"$T/drain.log" || :
json_lines "hookspool drain" "$T/drain.log" 2
record "$T/drain.log" "r['level'] == 'info' and 'failed' in r['reason']" ||
    fail "no drain summary record: $(cat "$T/drain.log")"
ok "drain's summary is a record"
"$HOOKSPOOL" status -c "$CONF" --warn-failed 1 >/dev/null 2>"$T/status.log" || :
json_lines "hookspool status" "$T/status.log" 1
record "$T/status.log" "r['level'] == 'warning' and 'failed/ holds 3' in r['reason']" ||
    fail "no --warn-failed record: $(cat "$T/status.log")"
"$HOOKSPOOL" requeue -c "$CONF" --all 2>"$T/requeue.log" || :
json_lines "hookspool requeue" "$T/requeue.log" 1
"$HOOKSPOOL" recover -c "$CONF" 2>"$T/recover.log" || :
[ ! -s "$T/recover.log" ] || json_lines "hookspool recover" "$T/recover.log"
"$HOOKSPOOL" purge -c "$CONF" --older-than 0s 2>"$T/purge.log" || :
json_lines "hookspool purge" "$T/purge.log" 1
"$HOOKSPOOL" drain -c "$CONF" --exec "exit 3" 2>"$T/drain2.log" || :
json_lines "hookspool drain" "$T/drain2.log" 1

# Before a config is loaded, there is no log_format yet: text.
rc=0
"$HOOKSPOOL" status -c "$T/missing.conf" 2>"$T/early.log" || rc=$?
assert_eq "status with a missing config" 2 "$rc"
grep -q '^hookspool status: ' "$T/early.log" || fail "early: $(cat "$T/early.log")"
ok "a verb that fails before its config writes text"
