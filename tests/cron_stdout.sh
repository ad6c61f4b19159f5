#!/bin/bash
# hookspool drain without --exec: JSON lines on standard output in arrival
# order, each event removed only once stdout has taken it; a reader that
# goes away (hookspool drain | head -n 1) loses nothing.
. "$top_srcdir/tests/setup.sh"

post() {
	event "$1" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}
ids() {
	sed 's/.*"webhook":"protocol","id":"\([^"]*\)".*/\1/' "$@"
}

make_conf
for i in 1 2 3 4 5; do
	post "out-$i"
done

# A reader that comes late, takes one line and leaves: whatever the drain
# wrote meanwhile must not count as taken.
"$HOOKSPOOL" drain -c "$CONF" 2>"$T/drain1.log" |
    (sleep 1; exec head -n 1) >"$T/first"
assert_eq "head took one line" out-1 "$(ids "$T/first")"
grep -q 'stopped: standard output closed' "$T/drain1.log" ||
    fail "summary: $(cat "$T/drain1.log")"
ok "the drain saw its reader go"
assert_eq "cur/ after the closed pipe" 0 "$(count cur)"
assert_eq "new/ after the closed pipe" 4 "$(count new)"
case $(ls "$SPOOL/new") in
*,A*) fail "an event that stdout did not take counted an attempt" ;;
esac
ok "events put back keep their attempt count"

# The rest, to a file: flushed, then removed.
rc=0
"$HOOKSPOOL" drain -c "$CONF" >"$T/rest" 2>"$T/drain2.log" || rc=$?
assert_eq "exit status to a file" 0 "$rc"
cat "$T/first" "$T/rest" >"$T/all"
assert_eq "every event once, in arrival order" "out-1 out-2 out-3 out-4 out-5" \
    "$(ids "$T/all" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "lines are the spooled JSON" 5 \
    "$(grep -c '^{"received":"[^"]*","webhook":"protocol","id":"out-[0-9]","type":"conversation.updated","event":{.*}}$' "$T/all")"
assert_eq "new/ at the end" 0 "$(count new)"
assert_eq "cur/ at the end" 0 "$(count cur)"

# A slow reader through a pipe gets everything.
for i in 6 7 8; do
	post "out-$i"
done
"$HOOKSPOOL" drain -c "$CONF" 2>"$T/drain3.log" |
    while IFS= read -r line; do sleep 0.1; printf '%s\n' "$line"; done >"$T/slow"
assert_eq "slow reader" "out-6 out-7 out-8" "$(ids "$T/slow" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "new/ after the slow reader" 0 "$(count new)"

# A full device or a closed stdout: nothing removed, exit 1.
post out-9
if [ -w /dev/full ]; then
	rc=0
	"$HOOKSPOOL" drain -c "$CONF" >/dev/full 2>"$T/drain4.log" || rc=$?
	assert_eq "exit status on /dev/full" 1 "$rc"
	assert_eq "kept in new/ on /dev/full" 1 "$(count new)"
fi
rc=0
"$HOOKSPOOL" drain -c "$CONF" >&- 2>"$T/drain5.log" || rc=$?
assert_eq "exit status with stdout closed" 1 "$rc"
assert_eq "kept in new/ with stdout closed" 1 "$(count new)"
assert_eq "cur/ with stdout closed" 0 "$(count cur)"
"$HOOKSPOOL" drain -c "$CONF" >"$T/last" 2>/dev/null
assert_eq "the kept event" out-9 "$(ids "$T/last")"
