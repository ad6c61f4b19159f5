#!/bin/bash
# A server that cannot be reached, or that dies while forward runs: forward
# says so and exits 1, and the events stay in new/ under the names they
# had (no attempt spent); once the server is back everything arrives once.
# consume, too, exits 1 when it cannot reach the server or loses it.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

make_conf
post_many dn 1 300
ls "$SPOOL/new" >"$T/names"

# unreachable ADDRESS LABEL: forward to ADDRESS fails and touches nothing.
unreachable() {
	rc=0
	"$HOOKSPOOL" forward -c "$CONF" --redis "$1" 2>"$T/forward.log" || rc=$?
	assert_eq "$2: exit status" 1 "$rc"
	case $1 in
	unix:*) needle=${1#unix:} ;;
	*) needle=${1##*:} ;;
	esac
	grep -qF "$needle" "$T/forward.log" ||
	    fail "$2: the message does not name $1: $(cat "$T/forward.log")"
	ok "$2: the message names the server"
	assert_eq "$2: new/ unchanged, no attempt spent" "$(cat "$T/names")" \
	    "$(ls "$SPOOL/new")"
	assert_eq "$2: cur/" 0 "$(count cur)"
	assert_eq "$2: failed/" 0 "$(count failed)"
}

unreachable "127.0.0.1:$(free_port)" "nothing on the port"
unreachable "unix:$T/no-such.sock" "no unix socket"
redis_start r --appendonly yes --appendfsync always --notify-keyspace-events Kt
redis_stop r
unreachable "$REDIS_ADDR" "a stopped server"
unreachable "unix:$REDIS_SOCK" "a stopped server's socket"

# The server dies (kill -9) once forward has added its first entry.
redis_run r
watch_stream
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/forward.log" &
pid=$!
until read -r -t 20 line <&4 && [ "${line%'"xadd"'}" != "$line" ]; do
	[ -n "${line:-}" ] || fail "forward added nothing"
	line=
done
redis_stop r KILL
exec 4<&-
rc=0
wait "$pid" || rc=$?
assert_eq "exit status when the server died" 1 "$rc"
left=$(count new)
[ "$left" -gt 0 ] || fail "forward finished before the server died; nothing to check"
assert_eq "cur/ after the server died" 0 "$(count cur)"
assert_eq "failed/ after the server died" 0 "$(count failed)"
case $(ls "$SPOOL/new") in
*,A[0-9]*) fail "a lost server cost attempts: $(ls "$SPOOL/new" | tail -n 3)" ;;
esac
ok "$left events back in new/, no attempt spent"

redis_run r
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/forward.log" || rc=$?
assert_eq "exit status once the server is back" 0 "$rc"
assert_eq "entries" 300 "$(stream_len r hookspool)"
assert_eq "distinct ids" 300 "$(distinct_ids r hookspool)"
assert_eq "new/ at the end" 0 "$(count new)"
assert_eq "failed/ at the end" 0 "$(count failed)"

# consume: an unreachable server is exit 1 at once; a server lost while
# consume waits for entries ends it with exit 1 and a reason, instead of
# a worker that hangs or spins.
rc=0
"$HOOKSPOOL" consume --redis "127.0.0.1:$(free_port)" --exec true \
    2>"$T/consume.log" </dev/null || rc=$?
assert_eq "consume, nothing on the port: exit status" 1 "$rc"
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --exec true 2>"$T/consume.log" </dev/null &
pid=$!
CLEANUP_PIDS="$CLEANUP_PIDS $pid"
sleep 1
kill -0 "$pid" 2>/dev/null || fail "consume did not wait for entries: $(cat "$T/consume.log")"
redis_stop r KILL
start=$(date +%s)
rc=0
wait "$pid" || rc=$?
assert_eq "consume, server lost: exit status" 1 "$rc"
[ $(($(date +%s) - start)) -lt 10 ] || fail "consume took $(($(date +%s) - start)) s to see the server gone"
grep -q '^hookspool consume: .*; stopped: ' "$T/consume.log" ||
    fail "consume does not say why it stopped: $(cat "$T/consume.log")"
ok "consume says why it stopped: $(tail -n 1 "$T/consume.log")"
