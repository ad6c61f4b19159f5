#!/bin/bash
# kill -9 at any instant of a delivery: new/ never holds a partial file,
# every acknowledged event ends up in new/ (at once, or through recover),
# and with dedup one id is spooled once, also when a crash falls between two
# deliveries of it.
. "$top_srcdir/tests/setup.sh"

SHIM=$top_builddir/tests/faultinject.so
asan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
make_conf

# post BODY [VAR=VALUE...]: the responder as CGI, whatever becomes of it.
post() {
	body=$1
	shift
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 HOOKSPOOL_CONFIG="$CONF" \
	    REQUEST_METHOD=POST CONTENT_LENGTH="$(wc -c <"$body")" \
	    REMOTE_ADDR=127.0.0.1 HTTP_X_PROTOCOL_SIGNATURE="$(sign "$body")" \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} "$@" \
	    "$FCGI" <"$body" >"$T/post.out" 2>/dev/null
}
# crash_at CALL BODY: the responder is killed at CALL on tmp/.
crash_at() {
	if post "$2" LD_PRELOAD="$SHIM" ASAN_OPTIONS="$asan" \
	    HOOKSPOOL_FAULT="$1:KILL:$SPOOL/tmp"; then
		fail "the responder survived a kill at $1"
	fi
	[ -s "$T/post.out" ] && fail "an answer was sent before the kill at $1"
	ok "killed at $1 before answering"
}
complete_lines() {
	for f in "$SPOOL"/new/*; do
		[ -f "$f" ] || continue
		[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] ||
		    fail "partial file in new/: $f"
		[ "$(wc -l <"$f")" = 1 ] || fail "not one line: $f"
		grep -q '^{"received":"[^"]*","webhook":"protocol","id":".*}}$' "$f" ||
		    fail "malformed line in new/: $(cat "$f")"
	done
	ok "every file in new/ is one complete line"
}

# Killed after the id was marked, before the rename into new/: the sender
# saw no answer and retries; the retry is a duplicate, and it finishes the
# delivery that was cut short.
event cut-1 >"$T/cut1.json"
crash_at rename "$T/cut1.json"
assert_eq "killed before rename: nothing in new/" 0 "$(count new)"
assert_eq "the delivery waits in tmp/" 1 "$(count tmp)"
cgi_post "$T/cut1.json"
assert_eq "retry answers" 200 "$STATUS"
grep -q '"status":"duplicate"' "$T/cgi.out" || fail "retry is not a duplicate"
assert_eq "the retry finished the delivery" 1 "$(count new)"
assert_eq "tmp/ is empty" 0 "$(count tmp)"
complete_lines

# The same crash, mended by hookspool recover instead.
event cut-2 >"$T/cut2.json"
crash_at rename "$T/cut2.json"
"$HOOKSPOOL" recover -c "$CONF" 2>"$T/recover.log"
grep -q '1 finished, 0 removed' "$T/recover.log" || fail "recover: $(cat "$T/recover.log")"
assert_eq "recover moved it into new/" 2 "$(count new)"
assert_eq "tmp/ is empty after recover" 0 "$(count tmp)"
cgi_post "$T/cut2.json"
grep -q '"status":"duplicate"' "$T/cgi.out" || fail "cut-2 spooled twice"
assert_eq "cut-2 once" 2 "$(count new)"

# Killed while writing, or before the id was marked: nothing was promised;
# the retry is accepted as new. The leftover in tmp/ is swept after 36 h.
for call in write fsync link; do
	event "early-$call" >"$T/early.json"
	crash_at "$call" "$T/early.json"
	cgi_post "$T/early.json"
	grep -q '"status":"accepted"' "$T/cgi.out" || fail "early-$call retry not accepted"
	ok "killed at $call: the retry is accepted"
done
assert_eq "three leftovers in tmp/" 3 "$(count tmp)"
"$HOOKSPOOL" recover -c "$CONF" 2>/dev/null
assert_eq "young leftovers stay" 3 "$(count tmp)"
touch -d '37 hours ago' "$SPOOL"/tmp/*
"$HOOKSPOOL" recover -c "$CONF" 2>"$T/recover.log"
grep -q '0 finished, 3 removed' "$T/recover.log" || fail "recover: $(cat "$T/recover.log")"
assert_eq "old leftovers removed" 0 "$(count tmp)"
assert_eq "five events" 5 "$(count new)"
complete_lines

# kill -9 at random instants of 40 deliveries of a 256 KiB event.
pad=$(head -c 262144 /dev/zero | tr '\0' x)
acked=
for i in $(seq 40); do
	printf '{"id":"r-%d","type":"conversation.updated","p":"%s"}' "$i" "$pad" >"$T/r.json"
	sig=$(sign "$T/r.json")
	len=$(wc -c <"$T/r.json")
	(exec env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 \
	    HOOKSPOOL_CONFIG="$CONF" REQUEST_METHOD=POST CONTENT_LENGTH="$len" \
	    HTTP_X_PROTOCOL_SIGNATURE="$sig" \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    "$FCGI" <"$T/r.json" >"$T/r.$i.out" 2>/dev/null) &
	pid=$!
	sleep "0.00$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null || :
	wait "$pid" 2>/dev/null || :
	if grep -qs '"status":"accepted"' "$T/r.$i.out"; then
		acked="$acked r-$i"
	fi
done
"$HOOKSPOOL" recover -c "$CONF" 2>/dev/null
complete_lines
for id in $acked; do
	assert_eq "acknowledged $id is in new/" 1 \
	    "$(grep -l "\"id\":\"$id\"" "$SPOOL"/new/* | wc -l)"
done
echo "acknowledged before the kill: $(echo $acked | wc -w) of 40"
# The sender retries everything it has no 200 for; then all 40 are spooled
# exactly once.
for i in $(seq 40); do
	printf '{"id":"r-%d","type":"conversation.updated","p":"%s"}' "$i" "$pad" >"$T/r.json"
	cgi_post "$T/r.json"
	assert_eq "resend r-$i" 200 "$STATUS"
done
for i in $(seq 40); do
	[ "$(grep -l "\"id\":\"r-$i\"" "$SPOOL"/new/* | wc -l)" = 1 ] ||
	    fail "r-$i is not in new/ exactly once"
done
ok "after the resends every event is in new/ exactly once"
