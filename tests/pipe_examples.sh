#!/bin/bash
# hookspool(1)'s two --pipe handlers, in Python and in shell, run as
# written (only the shell one's folder moved into the test's) by drain
# --pipe: the Python one takes two families of types and fails the rest,
# the shell one keeps every event's line.
. "$top_srcdir/tests/setup.sh"

command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
export OUT=$T

# example WORDS FILE: the literal block after the line of hookspool(1)
# that starts with WORDS, its escapes undone, into FILE.
example() {
	awk -v w="$1" 'index($0, w) == 1 { found = 1 } found && /^\.Bd -literal/ { grab = 1; next }
	    grab && /^\.Ed/ { exit } grab { print }' "$top_srcdir/man/hookspool.1" |
	    sed 's/\\e/\\/g; s/\\&//g' >"$2"
	[ -s "$2" ] || fail "no example after '$1' in hookspool(1)"
	chmod 755 "$2"
}
example "A handler in Python" "$T/python-handler"
example "A handler in shell" "$T/shell-handler"
assert_eq "the Python example's length" 5 "$(wc -l <"$T/python-handler" | tr -d ' ')"
assert_eq "the shell example's length" 5 "$(wc -l <"$T/shell-handler" | tr -d ' ')"
grep -q /usr/bin/python3 "$T/python-handler" || fail "not the Python example: $(cat "$T/python-handler")"
[ -x /usr/bin/python3 ] || sed -i "1s|.*|#!$(command -v python3)|" "$T/python-handler"
sed -i "s|/var/lib/hooks|$T/hooks|g" "$T/shell-handler"
mkdir "$T/hooks"

post() {
	event "$1" "$2" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}
make_conf
post ex-1 message.created
post ex-2 conversation.updated
post ex-3 billing.paid
rc=0
"$HOOKSPOOL" drain -c "$CONF" --pipe "$T/python-handler" 2>"$T/drain.log" || rc=$?
assert_eq "exit status of the Python example (one event failed)" 1 "$rc"
grep -qx 'hookspool drain: event ex-3 of webhook protocol: the handler answered "fail": a type this handler does not know (attempt 1 of 5); moved to failed/' \
    "$T/drain.log" || fail "the Python example's fail: $(cat "$T/drain.log")"
grep -qx 'hookspool drain: 2 done, 0 to retry, 1 failed' "$T/drain.log" ||
    fail "the Python example's summary: $(cat "$T/drain.log")"
assert_eq "the spool after the Python example" "0 0 1" "$(count new) $(count cur) $(count failed)"
ok "the Python example takes message.* and conversation.* and fails the rest"

rm -f "$SPOOL"/failed/*
for i in 1 2 3 4 5; do
	post "sh-$i" message.created
done
cat "$SPOOL"/new/* | sort >"$T/spooled"
rc=0
"$HOOKSPOOL" drain -c "$CONF" --pipe "$T/shell-handler" --jobs 2 2>"$T/drain.log" || rc=$?
assert_eq "exit status of the shell example" 0 "$rc"
grep -qx 'hookspool drain: 5 done, 0 to retry, 0 failed' "$T/drain.log" ||
    fail "the shell example's summary: $(cat "$T/drain.log")"
python3 -c '
import json, sys
for line in sys.stdin:
    print(json.loads(line)["line"])' <"$T/hooks/events.jsonl" | sort >"$T/kept"
assert_eq "the lines the shell example kept" "$(cat "$T/spooled")" "$(cat "$T/kept")"
