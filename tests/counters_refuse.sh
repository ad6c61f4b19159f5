#!/bin/bash
# A counters file that is not the responder's own is refused, never
# counted into or trusted: a symbolic link (to a file that would do), one
# writable by others (0666) or by its group (0620), one of another user, a
# file of another kind.
# The responder answers and spools all the same and logs the problem (once
# a process), and status says which file, why, and what mends it; with
# --prometheus it shows hookspool_counters_up 0 and its file stays fresh.
. "$top_srcdir/tests/setup.sh"

command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
make_conf
event r-0 >"$T/body"
cgi_post "$T/body"
assert_eq "a first request" 200 "$STATUS"
[ -f "$SPOOL/counters" ] || fail "no counters file made"
cp "$SPOOL/counters" "$T/good-counters"
chmod 600 "$T/good-counters"
n=0

# refused WHAT: a request is still accepted and spooled, logs one line
# naming the counters file, the target file is not written to, and
# status refuses the file.
refused() {
	n=$((n + 1))
	: >"$T/cgi-stderr.log"
	before=$(count new)
	sum=$(md5sum <"$T/good-counters")
	event "r-$n" >"$T/body"
	cgi_post "$T/body"
	assert_eq "$1: the request is answered" 200 "$STATUS"
	grep -q '"status":"accepted"' "$T/cgi.out" ||
	    fail "$1: not accepted: $(cat "$T/cgi.out")"
	assert_eq "$1: the event is spooled" $((before + 1)) "$(count new)"
	assert_eq "$1: one line logged" 1 "$(wc -l <"$T/cgi-stderr.log" | tr -d ' ')"
	grep -q "answers not counted: $SPOOL/counters: .*refused" \
	    "$T/cgi-stderr.log" || fail "$1: logged: $(cat "$T/cgi-stderr.log")"
	ok "$1: the problem is logged"
	assert_eq "$1: the file behind it is not counted into" "$sum" \
	    "$(md5sum <"$T/good-counters")"
	rc=0
	"$HOOKSPOOL" status -c "$CONF" >"$T/status.out" 2>"$T/status.err" || rc=$?
	assert_eq "$1: status exits" 1 "$rc"
	grep -q "$SPOOL/counters: .*refused; remove it" "$T/status.err" ||
	    fail "$1: status said: $(cat "$T/status.err")"
	ok "$1: status names the file, why, and the fix"
	grep -q "^$SPOOL: " "$T/status.out" || fail "$1: no counts from status"
	"$HOOKSPOOL" status -c "$CONF" --json >"$T/status.json" 2>/dev/null || :
	assert_eq "$1: --json's answers" None "$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))[0]["answers"])' "$T/status.json")"
	rc=0
	"$HOOKSPOOL" status -c "$CONF" --prometheus >"$T/prom" 2>/dev/null || rc=$?
	assert_eq "$1: status --prometheus exits" 0 "$rc"
	grep -qx "hookspool_counters_up{spool=\"$SPOOL\"} 0" "$T/prom" ||
	    fail "$1: no hookspool_counters_up 0"
	ok "$1: --prometheus shows it"
}

rm "$SPOOL/counters"
ln -s "$T/good-counters" "$SPOOL/counters"
refused "a symbolic link"
rm "$SPOOL/counters"

cp "$T/good-counters" "$SPOOL/counters"
chmod 666 "$SPOOL/counters"
refused "mode 0666"
chmod 620 "$SPOOL/counters"
refused "mode 0620 (writable by its group)"
chmod 600 "$SPOOL/counters"

if [ "$(id -u)" = 0 ]; then
	chown nobody "$SPOOL/counters"
	refused "another user's"
	chown 0 "$SPOOL/counters"
fi

rm "$SPOOL/counters"
printf 'not counters\n' >"$SPOOL/counters"
chmod 600 "$SPOOL/counters"
refused "a file of another kind"

rm "$SPOOL/counters"
mkfifo -m 600 "$SPOOL/counters"
refused "a FIFO"
rm "$SPOOL/counters"

# Mended (removed): the next request makes a new one and counts again.
: >"$T/cgi-stderr.log"
event r-mended >"$T/body"
cgi_post "$T/body"
assert_eq "mended: the request" 200 "$STATUS"
[ ! -s "$T/cgi-stderr.log" ] || fail "mended: logged $(cat "$T/cgi-stderr.log")"
"$HOOKSPOOL" status -c "$CONF" >"$T/status.out" || fail "mended: status exits $?"
grep -q '^  answers protocol: 1 accepted$' "$T/status.out" ||
    fail "mended: $(cat "$T/status.out")"
ok "mended: counting starts again"
