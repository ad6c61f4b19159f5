#!/bin/bash
# A server that answers but refuses the events (the stream's key holds a
# string): each refusal counts an attempt, the event goes to failed/ after
# --attempts, and a refusal leaves no dedup mark behind, so the events
# arrive once the key is fixed (requeue for those in failed/).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r
make_conf
post_many rf 1 4
rcli r SET hookspool "not a stream" >/dev/null

for run in 1 2; do
	rc=0
	"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --backoff 0 --attempts 2 \
	    2>"$T/forward.log" || rc=$?
	assert_eq "refused run $run: exit status" 1 "$rc"
	grep -q WRONGTYPE "$T/forward.log" ||
	    fail "refused run $run: the server's answer is not shown: $(cat "$T/forward.log")"
	ok "refused run $run: the server's answer is shown"
	if [ "$run" = 1 ]; then
		grep -q '^hookspool forward: 0 added, 0 duplicates, 4 to retry, 0 failed' \
		    "$T/forward.log" || fail "summary line: $(cat "$T/forward.log")"
		assert_eq "refused once: back in new/ with an attempt" 4 \
		    "$(ls "$SPOOL/new" | grep -c ',A1$')"
	else
		grep -q '^hookspool forward: 0 added, 0 duplicates, 0 to retry, 4 failed' \
		    "$T/forward.log" || fail "summary line: $(cat "$T/forward.log")"
		assert_eq "refused --attempts times: in failed/" 4 "$(count failed)"
	fi
done
assert_eq "no dedup mark left by a refusal" "" \
    "$(rcli r --scan --pattern '{hookspool}:seen:*')"

rcli r DEL hookspool >/dev/null
post rf-0005
"$HOOKSPOOL" requeue -c "$CONF" --all 2>"$T/requeue.log"
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --backoff 0 2>"$T/forward.log" || rc=$?
assert_eq "once the key is fixed: exit status" 0 "$rc"
grep -q '^hookspool forward: 5 added, 0 duplicates, 0 to retry, 0 failed$' \
    "$T/forward.log" || fail "summary line: $(cat "$T/forward.log")"
assert_eq "entries" "$(seq -f 'rf-%04g' 1 5)" "$(stream_ids r hookspool | sort)"
assert_eq "new/ at the end" 0 "$(count new)"
assert_eq "failed/ at the end" 0 "$(count failed)"
