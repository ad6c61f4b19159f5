#!/bin/bash
# Many responder processes at the same moment: one id is spooled once, and
# distinct events all land under distinct names.
. "$top_srcdir/tests/setup.sh"

make_conf
# burst BODY N: N responders started together on BODY; answers in $T/b.*.
burst() {
	sig=$(sign "$1")
	len=$(wc -c <"$1")
	rm -f "$T"/b.*
	for i in $(seq "$2"); do
		env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 \
		    HOOKSPOOL_CONFIG="$CONF" REQUEST_METHOD=POST \
		    CONTENT_LENGTH="$len" HTTP_X_PROTOCOL_SIGNATURE="$sig" \
		    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		    "$FCGI" <"$1" >"$T/b.$i" 2>>"$T/burst.log" &
	done
	wait
}

for round in 1 2 3; do
	event "dup-$round" >"$T/dup.json"
	burst "$T/dup.json" 30
	assert_eq "round $round: all 30 answered 200" 30 "$(grep -l '^Status: 200' "$T"/b.* | wc -l)"
	assert_eq "round $round: accepted once" 1 "$(grep -l accepted "$T"/b.* | wc -l)"
	assert_eq "round $round: 29 duplicates" 29 "$(grep -l duplicate "$T"/b.* | wc -l)"
	assert_eq "round $round: spooled once" 1 "$(grep -l "\"id\":\"dup-$round\"" "$SPOOL"/new/* | wc -l)"
done
assert_eq "tmp/ is empty" 0 "$(count tmp)"

# Distinct events at once: 40 files, 40 names.
for i in $(seq 40); do
	event "many-$i" >"$T/m.$i.json"
done
for i in $(seq 40); do
	cgi_post "$T/m.$i.json" &
done
wait
assert_eq "43 events in new/" 43 "$(count new)"
assert_eq "names are unique" 43 "$(ls "$SPOOL/new" | sort -u | wc -l)"
