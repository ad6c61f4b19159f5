#!/bin/bash
# hookspool drain --follow and events that fail: a failed event is tried
# again once its backoff is over, neither at once (its return to new/
# wakes the follower, which must not spend its attempts in a tight loop)
# nor only at the rescan an hour away, with --exec and with --pipe; with
# no backoff it is tried again at the next rescan; and a handler started
# once that writes nothing but lines that are no verdicts does not stop a
# follower, which says so and keeps trying until TERM, the events back in
# new/ as they were.
. "$top_srcdir/tests/setup.sh"

export OUT=$T
make_conf

# runs ID: how many times the handler ran ID.
runs() {
	grep -c "^$1 " "$T/runs" || :
}
# gap ID N: seconds between the (N-1)-th and the N-th run of ID.
gap() {
	awk -v id="$1" -v n="$2" '$1 == id { k++; if (k == n - 1) a = $3; if (k == n) { printf "%.1f\n", $3 - a; exit } }' \
	    "$T/runs"
}

# --- --exec, --backoff 2s: 2 s (1 to 2 s, by the file's whole seconds)
# to the second attempt, 4 s to the third.
: >"$T/runs"
dfollow_start --rescan 1h --backoff 2s --attempts 9 --exec \
    'echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT $(date +%s.%N)" >>"$OUT/runs"
case $HOOKSPOOL_ID in fail-*) exit 1 ;; esac'
sleep 0.5
post fail-0001
within 5 "fail-0001 was not run" at_least 1 runs fail-0001
post fine-0001
within 5 "fine-0001 was not run" at_least 1 runs fine-0001
sleep 0.5
assert_eq "runs of fail-0001 within a second of its failure" 1 "$(runs fail-0001)"
within 5 "fail-0001 was not tried again once its backoff was over" \
    at_least 2 runs fail-0001
ok "tried again after its backoff: $(gap fail-0001 2) s later"
awk -v g="$(gap fail-0001 2)" 'BEGIN { exit !(g >= 0.9) }' ||
    fail "tried again too soon: $(gap fail-0001 2) s after the first"
within 8 "fail-0001 was not tried a third time once its backoff was over" \
    at_least 3 runs fail-0001
awk -v g="$(gap fail-0001 3)" 'BEGIN { exit !(g >= 2.9) }' ||
    fail "tried a third time too soon: $(gap fail-0001 3) s after the second"
ok "tried a third time after the doubled backoff: $(gap fail-0001 3) s later"
sleep 2
assert_eq "runs of fail-0001 in about 8 s" 3 "$(runs fail-0001)"
assert_eq "runs of fine-0001" 1 "$(runs fine-0001)"
grep -q 'event fail-0001: exited 1 (attempt 3 of 9); tried again in 8s' "$T/dfollow.log" ||
    fail "the failure is not said: $(cat "$T/dfollow.log")"
assert_eq "where fail-0001 waits" "1 0 0" "$(count new) $(count cur) $(count failed)"
dfollow_stop
grep -q '^hookspool drain: 1 done, 3 to retry, 0 failed$' "$T/dfollow.log" ||
    fail "the summary does not cover the run: $(tail -n 1 "$T/dfollow.log")"
ok "summary line: $(tail -n 1 "$T/dfollow.log")"
rm -f "$SPOOL"/new/*

# --- --pipe: the same, its verdict retry.
: >"$T/runs"
: >"$T/dfollow.log"
dfollow_start --rescan 1h --backoff 2s --attempts 9 --pipe 'while IFS= read -r l; do
	id=$(printf "%s" "$l" | sed "s/^{\"id\":\"\([^\"]*\)\".*/\1/")
	echo "$id x $(date +%s.%N)" >>"$OUT/runs"
	case $id in pfail-*) echo "retry not now" ;; *) echo ok ;; esac
done'
sleep 0.5
post pfail-0001
within 5 "pfail-0001 was not given to the handler" at_least 1 runs pfail-0001
sleep 0.5
assert_eq "runs of pfail-0001 within a second of its failure" 1 "$(runs pfail-0001)"
within 5 "pfail-0001 was not given again once its backoff was over" \
    at_least 2 runs pfail-0001
awk -v g="$(gap pfail-0001 2)" 'BEGIN { exit !(g >= 0.9) }' ||
    fail "given again too soon: $(gap pfail-0001 2) s after the first"
ok "given again after its backoff: $(gap pfail-0001 2) s later"
grep -q 'event pfail-0001: the handler answered "retry": not now (attempt 1 of 9); tried again in 2s' \
    "$T/dfollow.log" || fail "the verdict is not said: $(cat "$T/dfollow.log")"
dfollow_stop
rm -f "$SPOOL"/new/*

# --- --backoff 0: not at once, at the next rescan (2 s).
: >"$T/runs"
: >"$T/dfollow.log"
dfollow_start --rescan 2s --backoff 0 --attempts 50 --exec \
    'echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT $(date +%s.%N)" >>"$OUT/runs"; exit 1'
sleep 0.5
post zero-0001
within 5 "zero-0001 was not run" at_least 1 runs zero-0001
sleep 0.5
assert_eq "runs of zero-0001 within a second of its failure" 1 "$(runs zero-0001)"
within 5 "zero-0001 was not tried again at the rescan" at_least 2 runs zero-0001
ok "tried again at the rescan: $(gap zero-0001 2) s later"
grep -q "event zero-0001: exited 1 (attempt 1 of 50); tried again at the next rescan$" "$T/dfollow.log" ||
    fail "the failure is not said: $(cat "$T/dfollow.log")"
sleep 1
[ "$(runs zero-0001)" -le 3 ] || fail "zero-0001 ran $(runs zero-0001) times in about 4 s"
dfollow_stop
rm -f "$SPOOL"/new/*

# --- a handler started once that answers nothing but lines that are no
# verdicts: restarted after 1, 2, 4 and 8 s; after the fifth the follower
# says it goes on, and it does, until TERM.
: >"$T/dfollow.log"
post garbage-0001
post garbage-0002
dfollow_start --pipe 'date +%s.%N >>"$OUT/starts"; echo nonsense
while IFS= read -r l; do :; done'
within 25 "the follower did not say it goes on" \
    grep -q 'the handler wrote 5 lines in a row that are not verdicts; still following' \
    "$T/dfollow.log"
ok "said after 5 lines that are no verdicts"
sleep 1
kill -0 "$DFOLLOW_PID" || fail "the follower stopped: $(cat "$T/dfollow.log")"
assert_eq "handlers started" 5 "$(lines "$T/starts")"
dfollow_stop
assert_eq "the events back in new/ after TERM" "2 0 0" \
    "$(count new) $(count cur) $(count failed)"
ls "$SPOOL/new" | grep -q ',A' && fail "an attempt was counted: $(ls "$SPOOL/new")"
ok "no attempt counted"
