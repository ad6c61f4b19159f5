#!/bin/bash
# hookspool drain --follow keeps running: an event posted while it waits
# reaches the handler within seconds, woken by the spool and not by its
# rescan interval, with --exec, with --pipe and to standard output; a
# cron drain running beside it on the same spool handles other events
# than it does (each event once); TERM in the middle of a stream lets the
# work in flight finish (the handler running with --exec, the events the
# handlers have begun with --pipe) and exits 0, the rest in new/ with no
# attempt spent, nothing lost and nothing handled twice; a reader of its
# standard output that goes away stops it, the event unread put back.
. "$top_srcdir/tests/setup.sh"

export OUT=$T
make_conf

# ids FILE: the ids a handler noted in FILE, one a line, sorted.
ids() {
	sed -n 's/^\([a-z]*-[0-9]*\).*/\1/p' "$@" | sort
}

# --- --exec: what waited is handled by the first pass; then, with a
# rescan an hour away, only the spool's own change wakes it.
post_many early 1 2
dfollow_start --rescan 1h --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran"'
within 10 "drain --follow did not handle what was waiting" \
    at_least 2 lines "$T/ran"
ok "what waited is handled at start"
kill -0 "$DFOLLOW_PID" || fail "drain --follow exited: $(cat "$T/dfollow.log")"
for i in 1 2 3; do
	post "live-000$i"
	within 5 "live-000$i did not reach the handler" grep -qx "live-000$i" "$T/ran"
	ok "live-000$i reached the handler in $TOOK_MS ms"
done
assert_eq "new/ while following" 0 "$(count new)"
assert_eq "cur/ while following" 0 "$(count cur)"
dfollow_stop
assert_eq "the summary at exit: done" 5 "$(summary_count "$T/dfollow.log" drain done)"
grep -q 'stopped' "$T/dfollow.log" && fail "a TERM is reported as a stop: $(cat "$T/dfollow.log")"
ok "summary line: $(tail -n 1 "$T/dfollow.log")"

# --- --pipe, two jobs: the same, each event a line to a handler started
# once, which answers ok.
: >"$T/dfollow.log"
: >"$T/ran"
dfollow_start --rescan 1h --jobs 2 --pipe 'while IFS= read -r l; do
	printf "%s %s\n" "$(printf "%s" "$l" | sed "s/^{\"id\":\"\([^\"]*\)\".*/\1/")" $$ >>"$OUT/ran"
	echo ok
done'
sleep 0.5
for i in 1 2 3; do
	post "pipe-000$i"
	within 5 "pipe-000$i did not reach the handler" grep -q "^pipe-000$i " "$T/ran"
	ok "pipe-000$i reached the handler in $TOOK_MS ms"
done
within 5 "the verdicts did not end the claims" test "$(count cur)" = 0
assert_eq "new/ while following" 0 "$(count new)"
[ "$(cut -d' ' -f2 "$T/ran" | sort -u | wc -l)" -le 2 ] ||
    fail "more handlers than jobs: $(cat "$T/ran")"
ok "the handlers started once: $(cut -d' ' -f2 "$T/ran" | sort -u | wc -l | tr -d ' ') for 3 events"
dfollow_stop
assert_eq "the summary at exit: done" 3 "$(summary_count "$T/dfollow.log" drain done)"

# --- standard output: each event a JSON line as it lands.
: >"$T/dfollow.log"
dfollow_start --rescan 1h
sleep 0.5
post out-0001
within 5 "out-0001 did not reach standard output" grep -q '"id":"out-0001"' "$T/dfollow.out"
ok "out-0001 written to standard output in $TOOK_MS ms"
post out-0002
within 5 "out-0002 did not reach standard output" grep -q '"id":"out-0002"' "$T/dfollow.out"
dfollow_stop
assert_eq "lines written" 2 "$(lines "$T/dfollow.out")"
assert_eq "the spool after" "0 0 0" "$(count new) $(count cur) $(count failed)"

# A reader that goes away after two events: the third goes back to new/,
# and the follower stops, saying why (exit 1: it cannot go on).
rc=0
{
	"$HOOKSPOOL" drain -c "$CONF" --follow --rescan 1h 2>"$T/head.log" </dev/null || echo $? >"$T/head.rc"
} | head -n 2 >"$T/head.out" &
reader=$!
sleep 0.5
for i in 1 2 3; do
	post "head-000$i"
	sleep 0.3
done
post head-0004
wait_until "the follower did not stop once its reader went away" test -e "$T/head.rc"
wait "$reader" || :
assert_eq "exit status once standard output went away" 1 "$(cat "$T/head.rc")"
grep -q 'stopped: standard output closed' "$T/head.log" ||
    fail "the summary does not say why it stopped: $(cat "$T/head.log")"
assert_eq "lines the reader took" 2 "$(lines "$T/head.out")"
assert_eq "events left in new/, as they were" "2 0 0" "$(count new) $(count cur) $(count failed)"
ls "$SPOOL/new" | grep -q ',A' && fail "an attempt was counted: $(ls "$SPOOL/new")"
ok "the events not taken are back in new/"
"$HOOKSPOOL" drain -c "$CONF" >/dev/null 2>&1 || fail "the drain after failed"

# --- a cron drain and a follower on one spool: each event once.
: >"$T/dfollow.log"
rm -f "$T"/ran*; : >"$T/ran"
dfollow_start --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran.follow"'
kill -STOP "$DFOLLOW_PID"
post_many both 1 300
kill -CONT "$DFOLLOW_PID"
for n in 1 2 3; do
	"$HOOKSPOOL" drain -c "$CONF" --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran.cron'$n'"' \
	    2>"$T/cron$n.log" &
	eval "cron$n=\$!"
done
for n in 1 2 3; do
	rc=0
	eval "wait \$cron$n" || rc=$?
	assert_eq "cron drain $n: exit status" 0 "$rc"
done
within 20 "the follower did not finish the spool" \
    at_least 300 eval 'cat "$T"/ran.* | wc -l'
dfollow_stop
touch "$T/ran.follow" "$T/ran.cron1" "$T/ran.cron2" "$T/ran.cron3"
echo "follower ran $(lines "$T/ran.follow"), cron drains $(lines "$T/ran.cron1")," \
    "$(lines "$T/ran.cron2"), $(lines "$T/ran.cron3")"
assert_eq "handler runs" 300 "$(cat "$T"/ran.* | wc -l | tr -d ' ')"
assert_eq "events handled twice" "" "$(cat "$T"/ran.* | sort | uniq -d | head -n 3)"
assert_eq "the spool after" "0 0 0" "$(count new) $(count cur) $(count failed)"
cron_done=$(cat "$T"/cron[123].log | sed -n 's/^hookspool drain: \([0-9]*\) done.*/\1/p' |
    awk '{ s += $1 } END { print s + 0 }')
assert_eq "done, as the summaries count" 300 \
    $((cron_done + $(summary_count "$T/dfollow.log" drain done)))

# --- TERM in the middle of a stream, --exec: the handler in flight
# finishes (its event done), the rest stays in new/ unclaimed.
: >"$T/dfollow.log"
rm -f "$T"/ran*; : >"$T/ran"
dfollow_start --exec 'echo "$HOOKSPOOL_ID start" >>"$OUT/ran"; sleep 0.2
echo "$HOOKSPOOL_ID end" >>"$OUT/ran"'
kill -STOP "$DFOLLOW_PID"
post_many term 1 300
kill -CONT "$DFOLLOW_PID"
within 20 "the follower handled nothing" at_least 5 eval 'grep -c " end$" "$T/ran"'
# TERM while a handler runs
within 5 "no handler running" eval 'tail -n 1 "$T/ran" | grep -q " start$"'
dfollow_stop
started=$(grep -c ' start$' "$T/ran")
ended=$(grep -c ' end$' "$T/ran")
assert_eq "handlers that ended, of those started ($started)" "$started" "$ended"
done=$(summary_count "$T/dfollow.log" drain done)
assert_eq "done, as the summary says" "$ended" "$done"
assert_eq "cur/ after TERM (no claim left behind)" 0 "$(count cur)"
assert_eq "new/ after TERM: what was not handled" $((300 - done)) "$(count new)"
case $(ls "$SPOOL/new") in
*,A[0-9]*) fail "TERM cost attempts: $(ls "$SPOOL/new" | tail -n 3)" ;;
esac
ok "TERM after $done of 300: the handler in flight finished, the rest in new/ with no attempt spent"
"$HOOKSPOOL" drain -c "$CONF" --exec 'echo "$HOOKSPOOL_ID end" >>"$OUT/ran"' \
    2>"$T/drain.log" || fail "the drain of the rest failed: $(cat "$T/drain.log")"
assert_eq "events handled to the end" 300 "$(grep ' end$' "$T/ran" | ids | uniq | wc -l | tr -d ' ')"
assert_eq "events handled twice" "" "$(grep ' end$' "$T/ran" | ids | uniq -d | head -n 3)"

# --- TERM, --pipe: the events the handlers have begun get their
# verdicts, the others go back to new/ unclaimed.
: >"$T/dfollow.log"
rm -f "$T"/ran*; : >"$T/ran"
dfollow_start --jobs 2 --pipe 'while IFS= read -r l; do
	id=$(printf "%s" "$l" | sed "s/^{\"id\":\"\([^\"]*\)\".*/\1/")
	sleep 0.02
	echo "$id" >>"$OUT/ran"
	echo ok
done'
kill -STOP "$DFOLLOW_PID"
post_many pterm 1 300
kill -CONT "$DFOLLOW_PID"
within 20 "the follower's handlers answered nothing" at_least 20 lines "$T/ran"
dfollow_stop
done=$(summary_count "$T/dfollow.log" drain done)
assert_eq "done, as the summary says: what the handlers answered" "$(lines "$T/ran")" "$done"
assert_eq "cur/ after TERM (no claim left behind)" 0 "$(count cur)"
assert_eq "new/ after TERM: what was not handled" $((300 - done)) "$(count new)"
case $(ls "$SPOOL/new") in
*,A[0-9]*) fail "TERM cost attempts: $(ls "$SPOOL/new" | tail -n 3)" ;;
esac
ok "TERM after $done of 300 with --pipe: the rest in new/ with no attempt spent"
"$HOOKSPOOL" drain -c "$CONF" --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran"' \
    2>"$T/drain.log" || fail "the drain of the rest failed: $(cat "$T/drain.log")"
assert_eq "events handled" 300 "$(ids "$T/ran" | uniq | wc -l | tr -d ' ')"
assert_eq "events handled twice" "" "$(ids "$T/ran" | uniq -d | head -n 3)"
assert_eq "the spool at the end" "0 0 0" "$(count new) $(count cur) $(count failed)"
