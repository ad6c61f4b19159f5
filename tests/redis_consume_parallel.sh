#!/bin/bash
# Two consumers of one group at the same time on 200 entries, some of
# which fail their first delivery and are retried (claimed by whichever
# consumer gets there): no entry is ever run by both at once (the handler
# takes a mkdir lock per id), and each succeeds exactly once.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r
make_conf
post_many par 1 200
forward_all

cat >"$T/handler" <<'HANDLER'
#!/bin/sh
if ! mkdir "$OUT/lock.$HOOKSPOOL_ID" 2>/dev/null; then
	echo "$HOOKSPOOL_ID $WHO" >>"$OUT/overlap"
	exit 1
fi
sleep 0.02
echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT $WHO" >>"$OUT/ran"
rmdir "$OUT/lock.$HOOKSPOOL_ID"
# ids ending in 7 fail their first delivery
case $HOOKSPOOL_ID:$HOOKSPOOL_ATTEMPT in
*7:1) exit 1 ;;
esac
echo "$HOOKSPOOL_ID $WHO" >>"$OUT/done"
HANDLER
chmod +x "$T/handler"
export OUT=$T
: >"$T/ran"
: >"$T/done"
: >"$T/overlap"

for who in x y; do
	WHO=$who "$HOOKSPOOL" consume --redis "$REDIS_ADDR" --name "$who" \
	    --timeout 1s --idle 7s --exec "$T/handler" \
	    2>"$T/consume-$who.log" </dev/null &
	eval "pid_$who=\$!"
	CLEANUP_PIDS="$CLEANUP_PIDS $!"
done
WAIT_TRIES=400 wait_until "not every entry was done" at_least 200 lines "$T/done"
sleep 1
for who in x y; do
	eval "kill -TERM \$pid_$who"
done
ones=0
for who in x y; do
	rc=0
	eval "wait \$pid_$who" || rc=$?
	case $rc in
	0) ;;
	1) ones=$((ones + 1)) ;;
	*) fail "consumer $who exited $rc: $(cat "$T/consume-$who.log")" ;;
	esac
done
[ "$ones" -gt 0 ] || fail "no consumer exited 1 though handlers failed"
ok "a consumer that saw a handler fail exited 1"

assert_eq "no entry run by both at once" "" "$(cat "$T/overlap")"
assert_eq "each id done exactly once" "$(seq -f 'par-%04g' 1 200)" \
    "$(cut -d' ' -f1 "$T/done" | sort)"
assert_eq "runs: 200, and 20 retries" 220 "$(wc -l <"$T/ran" | tr -d ' ')"
assert_eq "the retries were second deliveries" "$(seq -f 'par-%04g' 7 10 200)" \
    "$(awk '$2 == 2 { print $1 }' "$T/ran" | sort)"
assert_eq "no entry delivered a third time" "" "$(awk '$2 > 2' "$T/ran")"
for who in x y; do
	n=$(grep -c " $who\$" "$T/done" || :)
	echo "consumer $who did $n"
done
assert_eq "nothing pending" 0 "$(pending r)"
done_total=$(($(summary_count "$T/consume-x.log" consume "done") +
    $(summary_count "$T/consume-y.log" consume "done")))
assert_eq "the summaries add up" 200 "$done_total"
