#!/bin/bash
# Figures, not a test: the events per second that a handler started once
# takes (--pipe) against one started per event (--exec), the same Python
# handler parsing each event, in the same run:
#   - hookspool drain --pipe against hookspool drain --exec, one spool;
#   - hookspool consume --pipe (one worker) against hookspool consume
#     --exec, and both against the XADD rate redis-benchmark reaches on
#     the same server (one connection, 16 commands in flight), as
#     bench/redis.sh measures it.
#
#   make bench-pipe   (or: bench/pipe.sh [BUILDDIR] [EVENTS])
#
# The spool is filled beforehand by bench/spoolfill (spool_deliver(),
# fsync off); the drains run with the config's default, fsync = yes.
# --exec runs on EVENTS/40 events (it is slow), --pipe on EVENTS.
# BENCH_SPOOL=DIR puts the spool elsewhere (e.g. /dev/shm).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir}" && pwd)
n=${2:-20000}
m=$((n / 40))
. "$top_srcdir/tests/setup.sh"

FILL=$top_builddir/bench/spoolfill
[ -x "$FILL" ] || fail "build $FILL first (make bench-pipe)"
command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
# the interpreter itself, not a wrapper script that would slow --exec
PY=$(python3 -c 'import sys; print(sys.executable)')
if [ -n "${BENCH_SPOOL:-}" ]; then
	SPOOL=$BENCH_SPOOL/hookspool-bench.$$
	CLEANUP_CMDS="$CLEANUP_CMDS remove_bench_spool"
fi
remove_bench_spool() {
	rm -rf "$SPOOL"
}

# The handler: with --exec, one spool line on stdin; with --pipe, one
# JSON object a line, the spool line in "line". Either way it parses the
# event and looks at its id, as real work would begin.
cat >"$T/handler.py" <<'PY'
import json, os, sys
if "HOOKSPOOL_ID" in os.environ:
    event = json.loads(sys.stdin.read())
    sys.exit(0 if event["id"] == os.environ["HOOKSPOOL_ID"] else 1)
for line in sys.stdin:
    given = json.loads(line)
    event = json.loads(given["line"])
    print("ok" if event["id"] == given["id"] else "fail ids differ", flush=True)
PY
HANDLER="$PY $T/handler.py"

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
# rate COUNT MS: COUNT per second.
rate() {
	awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n * 1000 / (ms > 0 ? ms : 1) }'
}
# row LABEL RATE BASE: a line of a table, RATE and its ratio to BASE.
row() {
	printf '%-50s %10s %10.3f\n' "$1" "$2" \
	    "$(awk -v r="$2" -v c="$3" 'BEGIN { print r / c }')"
}
# timed COUNT CMD...: run CMD, which must exit 0 having handled COUNT
# events; print its rate.
timed() {
	local count=$1 start took rc=0
	shift
	start=$(now_ms)
	"$@" 2>"$T/run.log" </dev/null || rc=$?
	took=$(($(now_ms) - start))
	[ "$rc" = 0 ] || fail "$* exited $rc: $(tail -n 3 "$T/run.log")"
	grep -q " $count done, 0 to retry, 0 failed" "$T/run.log" ||
	    fail "$* did not do $count events: $(tail -n 3 "$T/run.log")"
	rate "$count" "$took"
}
# fill COUNT: a fresh spool of COUNT events.
fill() {
	rm -rf "$SPOOL"
	mkdir -p "$(dirname "$SPOOL")"
	"$FILL" "$SPOOL" "$1" bench || fail "spoolfill could not fill the spool"
	[ "$(count new)" = "$1" ] || fail "spoolfill left $(count new) events, not $1"
}

make_conf
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "handler: $PY ($("$PY" --version 2>&1)), parsing each event"
fill 1
echo "spool: on $(df -PT "$SPOOL" | awk 'NR == 2 { print $2 }'), fsync = yes, a line is $(wc -c <"$(find "$SPOOL/new" -type f | head -n 1)") bytes"
echo "events: $n with --pipe, $m with --exec"
echo
printf '%-50s %10s %10s\n' "drain" "events/s" "ratio"
fill "$m"
exec_rate=$(timed "$m" "$HOOKSPOOL" drain -c "$CONF" --exec "$HANDLER")
row "hookspool drain --exec (the base)" "$exec_rate" "$exec_rate"
fill "$n"
pipe_rate=$(timed "$n" "$HOOKSPOOL" drain -c "$CONF" --pipe "$HANDLER")
row "hookspool drain --pipe" "$pipe_rate" "$exec_rate"
fill "$n"
jobs_rate=$(timed "$n" "$HOOKSPOOL" drain -c "$CONF" --pipe "$HANDLER" --jobs 2)
row "hookspool drain --pipe --jobs 2" "$jobs_rate" "$exec_rate"

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
	echo
	echo "consume: skipped (redis-server and redis-benchmark are needed: apt-get install redis-server redis-tools)"
	exit 0
fi
. "$top_srcdir/tests/redis.sh"
redis_start bench
fill "$n"
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/forward.log" ||
    fail "forward failed: $(cat "$T/forward.log")"
[ "$(stream_len bench hookspool)" = "$n" ] || fail "forward left $(stream_len bench hookspool) entries"
line=$(rcli bench XRANGE hookspool - + COUNT 1 | sed -n 9p)
set -- redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c 1 -P 16 -n $((n * 10)) \
    --csv XADD benchstream '*' line "$line"
"$@" >"$T/benchmark.csv" 2>"$T/benchmark.log" ||
    fail "redis-benchmark failed: $(tail -n 3 "$T/benchmark.log")"
ceiling=$(awk -F , 'NR == 2 { v = $(NF - 6); gsub(/"/, "", v); printf "%.0f", v }' \
    "$T/benchmark.csv")
[ -n "$ceiling" ] && [ "$ceiling" -gt 0 ] ||
    fail "no rate from redis-benchmark: $(cat "$T/benchmark.csv")"
rcli bench DEL benchstream >/dev/null
# consume_rate GROUP COUNT OPTION...: one worker of a fresh group on the
# stream's first COUNT entries.
consume_rate() {
	local group=$1 count=$2
	shift 2
	rcli bench XGROUP CREATE hookspool "$group" 0 >/dev/null
	timed "$count" "$HOOKSPOOL" consume --redis "$REDIS_ADDR" --group "$group" \
	    --name w1 --max "$count" "$@"
}
cexec=$(consume_rate bexec "$m" --exec "$HANDLER")
cpipe=$(consume_rate bpipe "$n" --pipe "$HANDLER")
echo
printf '%-50s %10s %10s %10s\n' "consume, one worker" "events/s" "ratio" "to XADD"
printf '%-50s %10s %10s %10.3f\n' "redis-benchmark XADD -P 16 (ceiling)" "$ceiling" "" 1
printf '%-50s %10s %10.3f %10.3f\n' "hookspool consume --exec (the base)" "$cexec" 1 \
    "$(awk -v r="$cexec" -v c="$ceiling" 'BEGIN { print r / c }')"
printf '%-50s %10s %10.3f %10.3f\n' "hookspool consume --pipe" "$cpipe" \
    "$(awk -v r="$cpipe" -v c="$cexec" 'BEGIN { print r / c }')" \
    "$(awk -v r="$cpipe" -v c="$ceiling" 'BEGIN { print r / c }')"
echo
echo "drain: hookspool drain -c CONF --exec|--pipe '$PY handler.py' [--jobs 2]"
echo "consume: hookspool consume --redis 127.0.0.1:PORT --group G --max N --exec|--pipe '$PY handler.py'"
