#!/bin/bash
# The counters file across kill -9: a responder killed while it makes the
# file (before it is linked into place, and after), and many killed at
# random moments under load, leave a file that status reads, and cost at
# most one count each.
. "$top_srcdir/tests/setup.sh"

command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
SHIM=$top_builddir/tests/faultinject.so
[ -f "$SHIM" ] || fail "no $SHIM: build the tests first (make check)"
make_conf 'dedup = no'
"$HOOKSPOOL" check -c "$CONF" >/dev/null 2>&1 || :

# accepted: the responder's accepted count of webhook protocol.
accepted() {
	"$HOOKSPOOL" status -c "$CONF" --json >"$T/status.json" ||
	    fail "status exited $?: $(cat "$T/status.json")"
	python3 -c 'import json, sys
a = json.load(open(sys.argv[1]))[0]["answers"]
print(a.get("protocol", {}).get("accepted", 0))' "$T/status.json"
}

# post_killed ID FAULT: a request whose responder the shim kills at FAULT.
post_killed() {
	event "$1" >"$T/body"
	rc=0
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 HOOKSPOOL_CONFIG="$CONF" \
	    REQUEST_METHOD=POST CONTENT_LENGTH="$(wc -c <"$T/body")" \
	    HTTP_X_PROTOCOL_SIGNATURE="$(sign "$T/body")" \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    LD_PRELOAD="$SHIM" HOOKSPOOL_FAULT="$2" \
	    "$FCGI" <"$T/body" >"$T/killed.out" 2>>"$T/cgi-stderr.log" || rc=$?
	assert_eq "$1: killed at $2" 137 "$rc"
}

# Killed after the file is made, before it is linked into place.
post_killed k-1 "link:KILL:$SPOOL/.counters"
[ ! -e "$SPOOL/counters" ] || fail "a counters file in place after the kill"
assert_eq "a file killed half-made is never in place: nothing counted" 0 \
    "$(accepted)"
event k-2 >"$T/body"
cgi_post "$T/body"
assert_eq "the next request" 200 "$STATUS"
assert_eq "the next request makes the file and counts" 1 "$(accepted)"
assert_eq "the killed request's event was spooled all the same" 2 \
    "$(count new)"

# Killed after it is linked, before its own name is removed.
rm -f "$SPOOL/counters" "$SPOOL"/.counters.*
post_killed k-3 "unlink:KILL:$SPOOL/.counters"
[ -f "$SPOOL/counters" ] || fail "no counters file after the kill"
assert_eq "a file linked before the kill reads whole" 0 "$(accepted)"
cgi_post "$T/body"
assert_eq "the next request counts on in it" 1 "$(accepted)"

# Many kills under load: 120 requests at once, a third killed at random
# moments. A count comes after the answer is written: each answer that
# reached its client is counted unless its process was killed in
# between, and no count is ever made without an answer.
rm -f "$SPOOL/counters" "$SPOOL"/.counters.*
cgi_post "$T/body"
before=$(accepted)
for i in $(seq 1 120); do
	event "load-$i" >"$T/body.$i"
	sign "$T/body.$i" >"$T/sig.$i"
done
pids=
for i in $(seq 1 120); do
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 HOOKSPOOL_CONFIG="$CONF" \
	    REQUEST_METHOD=POST CONTENT_LENGTH="$(wc -c <"$T/body.$i")" \
	    HTTP_X_PROTOCOL_SIGNATURE="$(cat "$T/sig.$i")" \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    "$FCGI" <"$T/body.$i" >"$T/load.$i" 2>>"$T/cgi-stderr.log" &
	pid=$!
	pids="$pids $pid"
	if [ $((RANDOM % 3)) = 0 ]; then
		(sleep "0.0$((RANDOM % 3))$((RANDOM % 10))"
		    kill -KILL "$pid" 2>/dev/null) &
	fi
done
kills=0
for pid in $pids; do
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	[ "$rc" != 137 ] || kills=$((kills + 1))
done
wait
answered=$(grep -l '^Status: 200' "$T"/load.* | wc -l | tr -d ' ')
counted=$(($(accepted) - before))
echo "answered $answered, counted $counted, $kills kills"
[ "$counted" -le "$answered" ] || fail "$counted counted, $answered answered"
[ "$counted" -ge $((answered - kills)) ] ||
    fail "$counted counted of $answered answered, with $kills kills"
[ "$kills" -gt 0 ] || fail "no responder was killed: the test proved nothing"
ok "at most one count lost per kill, none made up"
"$HOOKSPOOL" status -c "$CONF" --prometheus >"$T/prom" ||
    fail "status --prometheus exited $?"
grep -qx "hookspool_counters_up{spool=\"$SPOOL\"} 1" "$T/prom" ||
    fail "the counters file does not read after the kills"
ok "the counters file reads after the kills"
