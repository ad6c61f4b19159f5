#!/bin/bash
# Figures, not a test: events per second that hookspool forward moves from
# one spool into a Redis stream (run once over a full spool, and with
# --follow while the events land), and that 1, 2 and 4 hookspool consume
# workers handle from it (handler "true"), each as a ratio of the XADD
# rate redis-benchmark reaches on the same server in the same run, with
# one connection and 16 commands in flight, the value being a spool line.
#
#   make bench-redis   (or: bench/redis.sh [BUILDDIR] [EVENTS])
#
# The spool is filled beforehand by bench/spoolfill, which calls the
# responder's own spool_deliver() (fsync off). BENCH_SPOOL=DIR puts the
# spool elsewhere (e.g. /dev/shm).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir}" && pwd)
n=${2:-20000}
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

command -v redis-benchmark >/dev/null ||
    skip "redis-benchmark is not installed (apt-get install redis-tools)"
FILL=$top_builddir/bench/spoolfill
[ -x "$FILL" ] || fail "build $FILL first (make bench-redis)"
if [ -n "${BENCH_SPOOL:-}" ]; then
	SPOOL=$BENCH_SPOOL/hookspool-bench.$$
	CLEANUP_CMDS="$CLEANUP_CMDS remove_bench_spool"
fi
remove_bench_spool() {
	rm -rf "$SPOOL"
}

# now_ms: a clock in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
# rate COUNT MS: COUNT per second.
rate() {
	awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n * 1000 / (ms > 0 ? ms : 1) }'
}
# row LABEL RATE: a line of the table, with the ratio to the ceiling.
row() {
	printf '%-46s %10s %8.3f\n' "$1" "$2" \
	    "$(awk -v r="$2" -v c="$ceiling" 'BEGIN { print r / c }')"
}

redis_start bench
make_conf
mkdir -p "$(dirname "$SPOOL")"
"$FILL" "$SPOOL" "$n" bench ||
    fail "spoolfill could not fill the spool"
[ "$(count new)" = "$n" ] || fail "spoolfill left $(count new) events, not $n"
line=$(head -n 1 "$(find "$SPOOL/new" -type f | head -n 1)")

# The ceiling: XADD of a spool line, one connection, 16 in flight; ten
# times as many as there are events, for a run long enough to measure.
set -- redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c 1 -P 16 -n $((n * 10)) \
    --csv XADD benchstream '*' line "$line"
"$@" >"$T/benchmark.csv" 2>"$T/benchmark.log" ||
    fail "redis-benchmark failed: $(tail -n 3 "$T/benchmark.log")"
# the test's name holds the line's quotes and commas: rps is the 7th
# field from the end
ceiling=$(awk -F , 'NR == 2 { v = $(NF - 6); gsub(/"/, "", v); printf "%.0f", v }' \
    "$T/benchmark.csv")
[ -n "$ceiling" ] && [ "$ceiling" -gt 0 ] ||
    fail "no rate from redis-benchmark: $(cat "$T/benchmark.csv")"
rcli bench DEL benchstream >/dev/null

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "server: $(redis-server --version | cut -d' ' -f1-3), on 127.0.0.1, no persistence"
echo "spool: $n events on $(df -PT "$SPOOL" | awk 'NR == 2 { print $2 }'), a line is ${#line} bytes"
echo "ceiling: redis-benchmark -c 1 -P 16 -n $((n * 10)) XADD benchstream '*' line LINE"
echo
printf '%-46s %10s %8s\n' "" "events/s" "ratio"
row "redis-benchmark XADD (ceiling)" "$ceiling"

# forward: the whole spool in one run.
start=$(now_ms)
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/forward.log" || rc=$?
took=$(($(now_ms) - start))
[ "$rc" = 0 ] || fail "forward exited $rc: $(cat "$T/forward.log")"
[ "$(stream_len bench hookspool)" = "$n" ] ||
    fail "forward left $(stream_len bench hookspool) entries, not $n"
row "hookspool forward, one spool" "$(rate "$n" "$took")"

# forward --follow: running before the events land, into a stream of its
# own, while spoolfill puts n more into new/; from the fill's start until
# the last is in the stream.
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --stream follow \
    --follow 2>"$T/follow.log" </dev/null &
follow_pid=$!
CLEANUP_PIDS="$CLEANUP_PIDS $follow_pid"
sleep 0.5
start=$(now_ms)
"$FILL" "$SPOOL" "$n" follow || fail "spoolfill could not fill the spool"
filled=$(($(now_ms) - start))
WAIT_TRIES=100000 wait_until "forward --follow did not forward every event" \
    at_least "$n" stream_len bench follow
took=$(($(now_ms) - start))
kill -TERM "$follow_pid"
wait "$follow_pid" || fail "forward --follow exited $?: $(cat "$T/follow.log")"
row "hookspool forward --follow, as they land" "$(rate "$n" "$took")"

# consume: K workers of a fresh group on the same entries, until the
# group has read them all and has nothing pending.
group_done() {
	local info lag pend
	info=$(rcli bench XINFO GROUPS hookspool | awk -v g="$1" '
		$0 == "name" { getline; cur = $0 }
		cur == g && ($0 == "lag" || $0 == "pending") { k = $0; getline; v[k] = $0 }
		END { print v["lag"], v["pending"] }')
	lag=${info% *}
	pend=${info#* }
	[ "$lag" = 0 ] && [ "$pend" = 0 ]
}
for k in 1 2 4; do
	group=bench$k
	rcli bench XGROUP CREATE hookspool "$group" 0 >/dev/null
	pids=
	start=$(now_ms)
	for i in $(seq "$k"); do
		"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --group "$group" \
		    --name "w$i" --exec true 2>"$T/consume-$k-$i.log" </dev/null &
		pids="$pids $!"
	done
	CLEANUP_PIDS="$CLEANUP_PIDS $pids"
	WAIT_TRIES=100000 wait_until "$k consumers did not finish" group_done "$group"
	took=$(($(now_ms) - start))
	# shellcheck disable=SC2086
	kill -TERM $pids
	for p in $pids; do
		wait "$p" || fail "a consumer exited $?: $(cat "$T"/consume-$k-*.log)"
	done
	label="hookspool consume, $k worker"
	[ "$k" = 1 ] || label="${label}s"
	row "$label" "$(rate "$n" "$took")"
done
echo
echo "forward: hookspool forward -c CONF --redis 127.0.0.1:PORT"
echo "forward --follow: the same with --follow, running while spoolfill adds $n events (spoolfill alone: $(rate "$n" "$filled")/s)"
echo "consume: hookspool consume --redis 127.0.0.1:PORT --group G --exec true (K at once)"
