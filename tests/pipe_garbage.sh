#!/bin/bash
# drain --pipe and a handler that writes a line that is not a verdict: it
# is said, with the line; the handler is stopped and started again after
# a delay that doubles (1s, 2s, 4s, ...), and its events are given again
# without an attempt counted: nothing is lost. A handler that writes
# nothing else makes a drain stop after 5 such lines in a row, its events
# back in new/ as they were, as they are after TERM while it waits to start
# again.
. "$top_srcdir/tests/setup.sh"

export OUT=$T
post() {
	event "$1" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}
make_conf
for i in 1 2 3 4 5 6; do
	post "g-$i"
done

# Says hello when it starts the first time, then answers well.
rc=0
start=$(date +%s.%N)
"$HOOKSPOOL" drain -c "$CONF" --pipe 'date +%s.%N >>"$OUT/starts"
if [ ! -e "$OUT/said" ]; then : >"$OUT/said"; echo hello; fi
while IFS= read -r l; do echo "$l" >>"$OUT/seen"; echo ok; done' \
    2>"$T/drain.log" || rc=$?
assert_eq "exit status after a hello" 0 "$rc"
grep -q '^hookspool drain: the handler (job 1) wrote a line that is not a verdict: "hello"; it is stopped, its [0-9]* events are given again, and it starts again in 1s$' \
    "$T/drain.log" || fail "no message for the hello: $(cat "$T/drain.log")"
grep -qx 'hookspool drain: 6 done, 0 to retry, 0 failed' "$T/drain.log" ||
    fail "the summary: $(cat "$T/drain.log")"
ok "every event done in the same run"
assert_eq "the spool after" "0 0 0" "$(count new) $(count cur) $(count failed)"
assert_eq "each event given once to the handler that answered" 6 \
    "$(sed 's/.*"id":"\(g-[0-9]\)".*/\1/' "$T/seen" | sort -u | wc -l | tr -d ' ')"
grep -q '"attempt":2' "$T/seen" && fail "an event was given as attempt 2: $(cat "$T/seen")"
ok "no attempt counted"
awk -v s="$start" 'NR == 2 { exit !($1 - s >= 0.99) }' "$T/starts" ||
    fail "started again too soon: $(cat "$T/starts") (the drain at $start)"
ok "started again after a second"

# Writes nothing but that: the drain stops after 5 in a row, 1+2+4+8 s.
rm -f "$T/starts"
for i in 1 2 3 4 5 6; do
	post "h-$i"
done
rc=0
"$HOOKSPOOL" drain -c "$CONF" --pipe 'date +%s.%N >>"$OUT/starts"; echo nonsense
while IFS= read -r l; do :; done' 2>"$T/drain.log" || rc=$?
assert_eq "exit status with a handler that writes no verdict" 1 "$rc"
assert_eq "lines that are not verdicts" 5 "$(grep -c 'wrote a line that is not a verdict: "nonsense"' "$T/drain.log")"
grep -qx 'hookspool drain: 0 done, 0 to retry, 0 failed; stopped: the handler wrote 5 lines in a row that are not verdicts' \
    "$T/drain.log" || fail "the summary: $(cat "$T/drain.log")"
ok "the drain stopped"
assert_eq "the events back in new/" "6 0 0" "$(count new) $(count cur) $(count failed)"
ls "$SPOOL/new" | grep -q ',A' && fail "an attempt was counted: $(ls "$SPOOL/new")"
assert_eq "handlers started" 5 "$(wc -l <"$T/starts" | tr -d " ")"
awk 'NR > 1 { gap = $1 - prev; want = 2 ^ (NR - 2)
	if (gap < want - 0.05 || gap > want + 3) { print "start " NR ": " gap "s after the one before, not " want "s"; bad = 1 } }
	{ prev = $1 } END { exit bad }' "$T/starts" >"$T/gaps" ||
    fail "the delays: $(cat "$T/gaps")"
ok "the delays doubled: $(awk 'NR > 1 { printf "%.1fs ", $1 - prev } { prev = $1 }' "$T/starts")"

# TERM while the handler waits to start again: the events it was given
# were begun by none, and go back to new/ as they were, none left claimed.
rm -f "$T/starts"
rm -f "$SPOOL"/new/*
for i in 1 2; do
	post "t-$i"
done
"$HOOKSPOOL" drain -c "$CONF" --pipe 'date +%s.%N >>"$OUT/starts"; echo nonsense
while IFS= read -r l; do :; done' 2>"$T/drain.log" &
pid=$!
CLEANUP_PIDS="$CLEANUP_PIDS $pid"
wait_until "the handler did not start again" at_least 2 lines "$T/starts"
sleep 0.5
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "exit status after TERM" 0 "$rc"
assert_eq "the events back in new/ after TERM" "2 0 0" \
    "$(count new) $(count cur) $(count failed)"
ls "$SPOOL/new" | grep -q ',A' && fail "an attempt was counted: $(ls "$SPOOL/new")"
ok "TERM while the handler waits to start again: nothing left claimed"
