#!/bin/bash
# The README's quick start demo, run as a user runs it: it must answer the
# guide's event with 200, print the spooled line, and leave lighttpd
# running where it says.
. "$top_srcdir/tests/setup.sh"

command -v lighttpd >/dev/null || skip "lighttpd is not installed (apt-get install lighttpd)"
command -v curl >/dev/null || skip "curl is not installed (apt-get install curl)"
stop_demo() {
	[ -f "$T/demo/lighttpd.pid" ] && kill "$(cat "$T/demo/lighttpd.pid")"
}
CLEANUP_CMDS="stop_demo"
HOOKSPOOL_BUILDDIR=$top_builddir HOOKSPOOL_DEMO_DIR=$T/demo \
    bash "$top_srcdir/lighttpd/demo.sh" >"$T/demo.out" 2>&1 ||
    fail "the demo failed: $(cat "$T/demo.out")"
grep -q '^HTTP/1.1 200 OK' "$T/demo.out" || fail "no 200 in: $(cat "$T/demo.out")"
grep -q '^{"status":"accepted","id":"a056V7R7NmNRjl70"}' "$T/demo.out" ||
    fail "not accepted: $(cat "$T/demo.out")"
ok "the demo's event is accepted"
spooled=$(cat "$T"/demo/spool/new/*)
grep -qxF "$spooled" "$T/demo.out" || fail "the demo did not print the spooled line"
case $spooled in
*'"event":{"id":"a056V7R7NmNRjl70","type":"conversation.updated","payload":{"id":"WAz8eIbvDR60rouK"}}}') ok "the spooled line holds the guide's event" ;;
*) fail "spooled: $spooled" ;;
esac
pid=$(cat "$T/demo/lighttpd.pid")
kill -0 "$pid" || fail "lighttpd is not running after the demo"
grep -q "Stop it with: kill \$(cat $T/demo/lighttpd.pid)" "$T/demo.out" ||
    fail "the demo does not say how to stop lighttpd"
ok "lighttpd is left running, and the demo says how to stop it"
# A second run replaces the first demo cleanly.
HOOKSPOOL_BUILDDIR=$top_builddir HOOKSPOOL_DEMO_DIR=$T/demo \
    bash "$top_srcdir/lighttpd/demo.sh" >"$T/demo2.out" 2>&1 ||
    fail "the second demo failed: $(cat "$T/demo2.out")"
grep -q '"status":"accepted"' "$T/demo2.out" || fail "second run: $(cat "$T/demo2.out")"
case $(ps -o stat= -p "$pid" 2>/dev/null) in
"" | Z*) ;;
*) fail "the first demo's lighttpd still runs" ;;
esac
ok "running the demo again replaces the first one"
