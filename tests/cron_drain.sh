#!/bin/bash
# hookspool drain --exec: arrival order, the handler's environment and
# input, --max, --type, the summary line and the exit codes.
. "$top_srcdir/tests/setup.sh"

# post ID [TYPE]: one signed event through the responder run as CGI.
post() {
	event "$1" "${2:-conversation.updated}" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}

make_conf
for i in $(seq -w 1 20); do
	post "ord-$i"
done
assert_eq "events waiting" 20 "$(count new)"

cat >"$T/handler" <<'HANDLER'
#!/bin/sh
set -eu
printf '%s %s %s %s\n' "$HOOKSPOOL_ID" "$HOOKSPOOL_TYPE" \
    "$HOOKSPOOL_WEBHOOK" "$HOOKSPOOL_ATTEMPT" >>"$OUT/ran"
cat >>"$OUT/stdin"
test -f "$HOOKSPOOL_FILE"
case $HOOKSPOOL_FILE in
*/cur/*) ;;
*) exit 3 ;;
esac
HANDLER
chmod +x "$T/handler"
export OUT=$T

rc=0
"$HOOKSPOOL" drain -c "$CONF" --exec "$T/handler" 2>"$T/drain.log" || rc=$?
assert_eq "exit status when all are done" 0 "$rc"
assert_eq "handler runs" 20 "$(wc -l <"$T/ran" | tr -d ' ')"
expected=$(for i in $(seq -w 1 20); do echo "ord-$i conversation.updated protocol 1"; done)
assert_eq "arrival order and environment" "$expected" "$(cat "$T/ran")"
assert_eq "stdin is the spooled line" 20 \
    "$(grep -c '^{"received":"[0-9T:.-]*Z","webhook":"protocol","id":"ord-[0-9]*","type":"conversation.updated","event":{"id":"ord-' "$T/stdin")"
grep -q '^hookspool drain: 20 done, 0 to retry, 0 failed$' "$T/drain.log" ||
    fail "summary line: $(cat "$T/drain.log")"
ok "one-line summary"
assert_eq "new/ after the drain" 0 "$(count new)"
assert_eq "cur/ after the drain" 0 "$(count cur)"
assert_eq "failed/ after the drain" 0 "$(count failed)"
assert_eq "markers kept" 20 "$(count ids)"
assert_eq "markers hold no body" 0 "$(find "$SPOOL/ids" -type f -size +0 | wc -l | tr -d ' ')"

# Posting a drained event again: still a duplicate (the marker stands).
post ord-01
grep -q '"duplicate"' "$T/cgi.out" || fail "a drained id was spooled again"
ok "a drained id stays a duplicate"

# Nothing to do: exit 0.
rc=0
"$HOOKSPOOL" drain -c "$CONF" --exec false 2>"$T/drain.log" || rc=$?
assert_eq "exit status of an empty drain" 0 "$rc"

# --max N: only the N oldest.
: >"$T/ran"
for i in 1 2 3 4 5; do
	post "max-$i"
done
"$HOOKSPOOL" drain -c "$CONF" --max 3 --exec "$T/handler" 2>"$T/drain.log"
assert_eq "--max 3 runs" "max-1 max-2 max-3" "$(cut -d' ' -f1 "$T/ran" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "--max leaves the rest" 2 "$(count new)"
"$HOOKSPOOL" drain -c "$CONF" --exec "$T/handler" 2>"$T/drain.log"
assert_eq "the rest" 0 "$(count new)"

# --type PATTERN: others stay in new/ untouched.
: >"$T/ran"
post typ-1 message.created
post typ-2 conversation.updated
post typ-3 message.deleted
"$HOOKSPOOL" drain -c "$CONF" --type 'message.*' --exec "$T/handler" 2>"$T/drain.log"
assert_eq "--type runs" "typ-1 typ-3" "$(cut -d' ' -f1 "$T/ran" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "--type leaves the others" 1 "$(count new)"
case $(ls "$SPOOL/new") in
*,A*) fail "a skipped event had its attempt count raised" ;;
esac
ok "skipped events keep their attempt count"

# HOOKSPOOL_CONFIG is used without -c.
HOOKSPOOL_CONFIG=$CONF "$HOOKSPOOL" drain --exec "$T/handler" 2>"$T/drain.log"
assert_eq "HOOKSPOOL_CONFIG" 0 "$(count new)"

# A failing handler: exit 1.
post fail-1
rc=0
"$HOOKSPOOL" drain -c "$CONF" --exec 'exit 7' 2>"$T/drain.log" || rc=$?
assert_eq "exit status when a handler failed" 1 "$rc"
grep -q 'event fail-1 of webhook protocol: exited 7 (attempt 1 of 5)' "$T/drain.log" ||
    fail "no message about the failure: $(cat "$T/drain.log")"
ok "the failure is reported"

# Usage and configuration errors: exit 2, nothing touched.
before=$(ls "$SPOOL/new")
for args in "--bogus" "--max 0" "--max abc" "--max 99999999999999999999" \
    "--attempts 0" "--attempts 1001" "--timeout 0" "--timeout soon" \
    "stray-argument"; do
	rc=0
	# shellcheck disable=SC2086
	"$HOOKSPOOL" drain -c "$CONF" $args --exec true 2>/dev/null || rc=$?
	assert_eq "exit status of drain $args" 2 "$rc"
done
rc=0
"$HOOKSPOOL" drain -c "$CONF" --exec 2>/dev/null || rc=$?
assert_eq "exit status of drain --exec without a command" 2 "$rc"
rc=0
"$HOOKSPOOL" drain -c "$T/missing.conf" --exec true 2>"$T/drain.log" || rc=$?
assert_eq "exit status with a missing config" 2 "$rc"
printf 'spool = relative/path\n' >"$T/bad.conf"
rc=0
"$HOOKSPOOL" drain -c "$T/bad.conf" --exec true 2>"$T/drain.log" || rc=$?
assert_eq "exit status with a bad config" 2 "$rc"
grep -q 'bad.conf:1' "$T/drain.log" || fail "no file:line in: $(cat "$T/drain.log")"
ok "the config error names file:line"
assert_eq "nothing touched by failed invocations" "$before" "$(ls "$SPOOL/new")"
rc=0
"$HOOKSPOOL" frobnicate 2>/dev/null || rc=$?
assert_eq "exit status of an unknown verb" 2 "$rc"
