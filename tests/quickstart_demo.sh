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
# A port of the user's choosing: used as given, or refused if taken.
port=$(free_port)
HOOKSPOOL_BUILDDIR=$top_builddir HOOKSPOOL_DEMO_DIR=$T/demo \
    bash "$top_srcdir/lighttpd/demo.sh" "$port" >"$T/demo3.out" 2>&1 ||
    fail "the demo on port $port failed: $(cat "$T/demo3.out")"
grep -q "^POST http://127.0.0.1:$port/hookspool" "$T/demo3.out" &&
    grep -q '"status":"accepted"' "$T/demo3.out" ||
    fail "the demo did not use port $port: $(cat "$T/demo3.out")"
ok "the demo listens on the port it is given"
if HOOKSPOOL_BUILDDIR=$top_builddir HOOKSPOOL_DEMO_DIR=$T/demo2 \
    bash "$top_srcdir/lighttpd/demo.sh" "$port" >"$T/demo4.out" 2>&1; then
	[ -f "$T/demo2/lighttpd.pid" ] && kill "$(cat "$T/demo2/lighttpd.pid")"
	fail "the demo took port $port, which its first run holds"
fi
grep -q "already listens on 127.0.0.1:$port" "$T/demo4.out" ||
    fail "a taken port is not named: $(cat "$T/demo4.out")"
if bash "$top_srcdir/lighttpd/demo.sh" 80x >"$T/demo5.out" 2>&1; then
	fail "the demo took '80x' as a port"
fi
grep -q "'80x' is not a port" "$T/demo5.out" ||
    fail "a bad port is not named: $(cat "$T/demo5.out")"
ok "a taken port, and a word that is no port, are refused by name"
