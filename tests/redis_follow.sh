#!/bin/bash
# hookspool forward --follow keeps running: an event posted while it runs
# reaches the stream within seconds (woken by the spool, not by its rescan
# interval); a cron forward running beside it on the same spool takes
# other events than it does (no event is claimed by both); TERM in the
# middle of a stream of events finishes the batch in flight and exits 0,
# with nothing lost and nothing sent twice; a server that cannot be
# reached, or is lost, is said once and tried again, the events waiting
# in new/ until it is back; an event the server refuses is tried again
# once its backoff is over, neither at once nor only at the rescan.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r --notify-keyspace-events Kt
make_conf

# What was there when it started is forwarded by its first pass; then,
# with a rescan interval of an hour, only the spool's own change wakes it.
post_many early 1 2
follow_start --rescan 1h
within 10 "forward --follow did not forward what was waiting" \
    at_least 2 stream_len r hookspool
ok "what waited is forwarded at start"
kill -0 "$FOLLOW_PID" || fail "forward --follow exited: $(cat "$T/follow.log")"
for i in 1 2 3; do
	post "live-$i"
	within 5 "live-$i did not reach the stream" \
	    at_least $((2 + i)) stream_len r hookspool
	ok "live-$i reached the stream in $TOOK_MS ms"
done
assert_eq "new/ while following" 0 "$(count new)"
assert_eq "cur/ while following" 0 "$(count cur)"
follow_stop
assert_eq "the summary at exit: added" 5 "$(summary_count "$T/follow.log" forward added)"
grep -q 'stopped' "$T/follow.log" && fail "a TERM is reported as a stop: $(cat "$T/follow.log")"
ok "summary line: $(tail -n 1 "$T/follow.log")"

# A cron forward and a follower on one spool: every event once, none
# claimed by both (the other's claim is busy, never a duplicate).
: >"$T/follow.log"
follow_start
kill -STOP "$FOLLOW_PID"
post_many both 1 300
kill -CONT "$FOLLOW_PID"
cron_added=0
for i in 1 2 3; do
	"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/forward.log" ||
	    fail "cron forward exited $?: $(cat "$T/forward.log")"
	cron_added=$((cron_added + $(summary_count "$T/forward.log" forward added)))
	assert_eq "cron forward $i: duplicates" 0 "$(summary_count "$T/forward.log" forward duplicates)"
done
within 10 "the follower did not finish the spool" at_least 305 stream_len r hookspool
follow_stop
follow_added=$(summary_count "$T/follow.log" forward added)
assert_eq "follower: duplicates" 0 "$(summary_count "$T/follow.log" forward duplicates)"
assert_eq "added by the cron forwards ($cron_added) and the follower ($follow_added)" \
    300 $((cron_added + follow_added))
assert_eq "entries" 305 "$(stream_len r hookspool)"
assert_eq "distinct ids" 305 "$(distinct_ids r hookspool)"
assert_eq "new/ at the end" 0 "$(count new)"
assert_eq "cur/ at the end" 0 "$(count cur)"

# TERM once the follower has added its first entry of 300.
: >"$T/follow.log"
rcli r DEL hookspool >/dev/null
follow_start
kill -STOP "$FOLLOW_PID"
post_many term 1 300
watch_stream
kill -CONT "$FOLLOW_PID"
until read -r -t 20 line <&4 && [ "${line%'"xadd"'}" != "$line" ]; do
	[ -n "${line:-}" ] || fail "the follower added nothing"
	line=
done
follow_stop
exec 4<&-
added=$(summary_count "$T/follow.log" forward added)
assert_eq "entries: what the summary says" "$added" "$(stream_len r hookspool)"
assert_eq "cur/ after TERM (no claim left behind)" 0 "$(count cur)"
assert_eq "new/ after TERM: what was not added" $((300 - added)) "$(count new)"
case $(ls "$SPOOL/new") in
*,A[0-9]*) fail "TERM cost attempts: $(ls "$SPOOL/new" | tail -n 3)" ;;
esac
ok "TERM after $added of 300: the rest in new/, no attempt spent"
forward_all
assert_eq "entries once the rest is forwarded" 300 "$(stream_len r hookspool)"
assert_eq "distinct ids" 300 "$(distinct_ids r hookspool)"

# No server: the follower keeps running, says so once, and forwards what
# waited once the server is there.
redis_stop r
: >"$T/follow.log"
follow_start
post_many down 1 3
sleep 3
kill -0 "$FOLLOW_PID" || fail "forward --follow exited without a server: $(cat "$T/follow.log")"
assert_eq "events in new/ without a server" 3 "$(count new)"
assert_eq "the failure said once, however often it is tried" 1 \
    "$(grep -c 'the events stay in new/' "$T/follow.log")"
grep -q "$REDIS_PORT" "$T/follow.log" || fail "the message does not name the server: $(cat "$T/follow.log")"
redis_run r
within 20 "the events did not arrive once the server was back" \
    at_least 303 stream_len r hookspool
grep -q 'connected again' "$T/follow.log" || fail "the follower does not say it is connected again"
ok "the server back: what waited forwarded in $TOOK_MS ms"

# The server lost while following: said once, forwarded once it is back.
redis_stop r KILL
post lost-1
sleep 2
kill -0 "$FOLLOW_PID" || fail "forward --follow exited when the server went: $(cat "$T/follow.log")"
assert_eq "lost-1 waits in new/" 1 "$(count new)"
redis_run r
within 40 "lost-1 did not arrive once the server was back" \
    at_least 304 stream_len r hookspool
follow_stop
assert_eq "distinct ids at the end" 304 "$(distinct_ids r hookspool)"

# A refused event is tried again once its backoff is over: not at once
# (its return to new/ does not wake the follower into spending its
# attempts), and not only at the rescan an hour away.
: >"$T/follow.log"
rcli r RENAME hookspool kept >/dev/null
rcli r SET hookspool "not a stream" >/dev/null
follow_start --rescan 1h --backoff 3s --attempts 9
post refused-1
within 5 "refused-1 was not tried" grep -q WRONGTYPE "$T/follow.log"
sleep 1
assert_eq "attempts spent within a second of the refusal" "1" \
    "$(grep -c WRONGTYPE "$T/follow.log")"
within 10 "refused-1 was not tried again once its backoff was over" \
    at_least 2 grep -c WRONGTYPE "$T/follow.log"
ok "tried again after its backoff ($TOOK_MS ms later)"
grep -q 'retried after its backoff' "$T/follow.log" ||
    fail "the refusal does not say when it is tried again: $(cat "$T/follow.log")"
rcli r DEL hookspool >/dev/null
within 20 "refused-1 did not arrive once the key was fixed" \
    at_least 1 stream_len r hookspool
follow_stop
assert_eq "new/ at the end" 0 "$(count new)"
assert_eq "failed/ at the end" 0 "$(count failed)"
