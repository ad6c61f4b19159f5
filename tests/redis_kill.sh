#!/bin/bash
# forward killed with kill -9 in the middle of its batch, several times,
# then run to the end: each of 300 events is in the stream exactly once,
# and the spool is empty. The kill is timed by the server itself: a
# subscriber to the stream's keyspace notifications sees each XADD, and
# the test kills forward after the Kth entry of that run.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

N=300
redis_start r --notify-keyspace-events Kt
make_conf
post_many k 1 "$N"
assert_eq "events spooled" "$N" "$(count new)"

mkfifo "$T/watch"
redis-cli -p "$REDIS_PORT" --csv SUBSCRIBE __keyspace@0__:hookspool \
    >"$T/watch" 2>>"$T/watch.log" &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
exec 4<"$T/watch"
until read -r -t 10 line <&4 && [ "${line#\"subscribe\"}" != "$line" ]; do
	[ -n "${line:-}" ] || fail "the subscriber never subscribed"
	line=
done

# quiet: read what the subscriber has left, until it is quiet for 0.3 s.
quiet() {
	while read -r -t 0.3 line <&4; do :; done
}

# forward_killed K: start forward and kill -9 it once K entries have been
# added by it; it may also finish first. Sets HIT when the kill left an
# event both in the stream and in the spool: confirmed by Redis, not yet
# taken out of the spool.
forward_killed() {
	"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --attempts 100 \
	    2>>"$T/forward-killed.log" &
	pid=$!
	seen=0
	while [ "$seen" -lt "$1" ]; do
		if read -r -t 1 line <&4; then
			case $line in
			*'"xadd"'*) seen=$((seen + 1)) ;;
			esac
		elif ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
	done
	kill -KILL "$pid" 2>/dev/null || :
	wait "$pid" 2>/dev/null || :
	quiet
	spool_ids | sort >"$T/left"
	stream_ids r hookspool | sort >"$T/added"
	both=$(comm -12 "$T/left" "$T/added" | wc -l | tr -d ' ')
	echo "killed after $seen new entries: $(wc -l <"$T/added" | tr -d ' ') in the stream," \
	    "$(wc -l <"$T/left" | tr -d ' ') in the spool, $both in both"
	HIT=0
	[ "$both" -gt 0 ] && HIT=1
	:
}

hits=0
rounds=0
# kill after a tenth of what is left to add, then a quarter, a third,
# half, a fifth
for share in 10 4 3 2 5; do
	left=$((N - $(stream_len r hookspool)))
	[ "$left" -gt 20 ] || break
	forward_killed $((left / share))
	rounds=$((rounds + 1))
	hits=$((hits + HIT))
	assert_eq "round $rounds: no id twice in the stream" \
	    "$(stream_len r hookspool)" "$(distinct_ids r hookspool)"
	assert_eq "round $rounds: nothing in failed/" 0 "$(count failed)"
done
[ "$hits" -gt 0 ] ||
    fail "no kill in $rounds rounds left an event both added and still spooled"
ok "$hits of $rounds kills left events added but still spooled"
claimed=$(count cur)
in_stream=$(stream_len r hookspool)

rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --attempts 100 \
    2>"$T/forward.log" || rc=$?
assert_eq "exit status of the last run" 0 "$rc"
grep -q '^hookspool: forward: [0-9]* added, [0-9]* duplicates, 0 to retry, 0 failed' \
    "$T/forward.log" || fail "summary line: $(cat "$T/forward.log")"
assert_eq "the last run adds what the stream lacked" $((N - in_stream)) \
    "$(summary_count "$T/forward.log" forward added)"
assert_eq "events added before the last kill are duplicates now" "$both" \
    "$(summary_count "$T/forward.log" forward duplicates)"
assert_eq "claims of the last killed run released" "$claimed" \
    "$(summary_count "$T/forward.log" forward released)"
assert_eq "entries in the stream" "$N" "$(stream_len r hookspool)"
assert_eq "distinct ids in the stream" "$N" "$(distinct_ids r hookspool)"
assert_eq "the ids are those posted" "$(seq -f 'k-%04g' 1 "$N")" \
    "$(stream_ids r hookspool | sort)"
assert_eq "new/ at the end" 0 "$(count new)"
assert_eq "cur/ at the end" 0 "$(count cur)"
assert_eq "failed/ at the end" 0 "$(count failed)"
