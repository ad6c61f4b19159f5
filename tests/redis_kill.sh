#!/bin/bash
# forward killed with kill -9 in the middle of its batch, several times,
# then run to the end: each of 300 events is in the stream exactly once,
# and the spool is empty.
#
# Most kills are placed exactly: the fault-injection shim sends forward
# SIGKILL at its Nth removal of an event from cur/, which comes only after
# Redis confirmed that event, with more of the batch confirmed or under
# way. One kill comes from outside, timed by a subscriber to the stream's
# keyspace notifications, wherever forward happens to be.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

SHIM=$top_builddir/tests/faultinject.so
[ -f "$SHIM" ] || fail "$SHIM is not built"
N=300
redis_start r --notify-keyspace-events Kt
make_conf
post_many k 1 "$N"
assert_eq "events spooled" "$N" "$(count new)"

# after_kill LABEL: what the kill left: HIT is the number of events both
# in the stream and in the spool (confirmed, not yet taken out).
after_kill() {
	spool_ids | sort >"$T/left"
	stream_ids r hookspool | sort >"$T/added"
	HIT=$(comm -12 "$T/left" "$T/added" | wc -l | tr -d ' ')
	echo "$1: $(wc -l <"$T/added" | tr -d ' ') in the stream," \
	    "$(wc -l <"$T/left" | tr -d ' ') in the spool, $HIT in both"
	seq -f 'k-%04g' 1 "$N" | comm -23 - "$T/left" >"$T/gone"
	assert_eq "$1: every event gone from the spool is in the stream" "" \
	    "$(comm -23 "$T/gone" "$T/added")"
	assert_eq "$1: no id twice in the stream" \
	    "$(stream_len r hookspool)" "$(distinct_ids r hookspool)"
	assert_eq "$1: nothing in failed/" 0 "$(count failed)"
}

# forward_shot K: forward, killed by SIGKILL at its Kth removal from cur/.
forward_shot() {
	rc=0
	# (the braces keep the shell's "Killed" out of the log)
	{
		LD_PRELOAD=$SHIM HOOKSPOOL_FAULT="unlink:KILL:$SPOOL/cur/" \
		    HOOKSPOOL_FAULT_AFTER=$(($1 - 1)) \
		    "$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" \
		    --attempts 100 2>>"$T/forward-killed.log"
	} 2>/dev/null || rc=$?
	assert_eq "forward killed at its removal $1: exit status" 137 "$rc"
	after_kill "killed at removal $1"
	[ "$HIT" -gt 0 ] ||
	    fail "killed at removal $1, yet no event was added and still spooled"
	ok "killed at removal $1 with confirmed events still spooled"
}

# Exact kills
shots=0
for k in 40 1 75; do
	[ $(($(count new) + $(count cur))) -gt "$k" ] || break
	forward_shot "$k"
	shots=$((shots + 1))
done
[ "$shots" = 3 ] || fail "only $shots exact kills"

# From outside: kill -9 as soon as a first entry is added (forward may
# well be done by then: this kill is not required to hit).
watch_stream
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --attempts 100 \
    2>>"$T/forward-killed.log" &
pid=$!
seen=0
while [ "$seen" = 0 ]; do
	if read -r -t 1 line <&4; then
		case $line in
		*'"xadd"'*) seen=$((seen + 1)) ;;
		esac
	elif ! kill -0 "$pid" 2>/dev/null; then
		break
	fi
done
kill -KILL "$pid" 2>/dev/null || :
{ wait "$pid"; } 2>/dev/null || :
exec 4<&-
sleep 0.3
after_kill "killed from outside"

claimed=$(count cur)
in_stream=$(stream_len r hookspool)
both=$HIT

rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --attempts 100 \
    2>"$T/forward.log" || rc=$?
assert_eq "exit status of the last run" 0 "$rc"
grep -q '^hookspool forward: [0-9]* added, [0-9]* duplicates, 0 to retry, 0 failed' \
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
