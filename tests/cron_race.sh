#!/bin/bash
# Two drains started at the same moment on 200 events: each event is
# handled exactly once, and nothing is left behind.
. "$top_srcdir/tests/setup.sh"

make_conf
for i in $(seq 1 200); do
	event "race-$i" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting race-$i answered $STATUS"
done
assert_eq "events waiting" 200 "$(count new)"

# Each drain waits for the same go file, then starts.
export OUT=$T
for n in 1 2; do
	(
		while [ ! -e "$T/go" ]; do sleep 0.01; done
		exec "$HOOKSPOOL" drain -c "$CONF" \
		    --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran.'$n'"'
	) 2>"$T/drain$n.log" &
	eval "pid$n=\$!"
done
sleep 0.2
: >"$T/go"
rc1=0 rc2=0
wait "$pid1" || rc1=$?
wait "$pid2" || rc2=$?
assert_eq "first drain's exit status" 0 "$rc1"
assert_eq "second drain's exit status" 0 "$rc2"
touch "$T/ran.1" "$T/ran.2"
echo "drain 1 ran $(wc -l <"$T/ran.1"), drain 2 ran $(wc -l <"$T/ran.2")"
cat "$T/ran.1" "$T/ran.2" >"$T/ran"
assert_eq "handler runs" 200 "$(wc -l <"$T/ran" | tr -d ' ')"
assert_eq "events run twice" "" "$(sort "$T/ran" | uniq -d)"
assert_eq "distinct events run" 200 "$(sort -u "$T/ran" | wc -l | tr -d ' ')"
for n in 1 2; do
	sort -t- -k2 -n -c "$T/ran.$n" 2>/dev/null ||
	    fail "drain $n broke arrival order"
done
ok "each drain kept arrival order"
done_total=$(sed -n 's/^hookspool drain: \([0-9]*\) done.*/\1/p' \
    "$T/drain1.log" "$T/drain2.log" | awk '{ s += $1 } END { print s }')
assert_eq "done, as the summaries count" 200 "$done_total"
assert_eq "new/ after" 0 "$(count new)"
assert_eq "cur/ after" 0 "$(count cur)"
assert_eq "failed/ after" 0 "$(count failed)"
