#!/bin/bash
# Figures, not a test: how long an event takes from the responder's answer
# to its handler, for a follower and for a drain run every minute from
# cron, at 10, 100 and 1000 events a second.
#
#   make bench-latency   (or: bench/latency.sh [BUILDDIR])
#
# The responder runs behind a real lighttpd (the shipped
# hookspool-fastcgi.conf, fsync = yes, dedup = yes), as make bench starts
# it. A sender (bench/latency.py send) posts fresh pre-signed events
# (bench/bodies.py) at a fixed rate for LATENCY_SECONDS (default 10), an
# open loop over up to 32 connections, and notes when each 200 came back.
# The latency of an event is the time its handler read it less that
# time, and each row gives its median (p50), 99th percentile and maximum.
#
# - forward --follow: the handler is a client of the stream that reads
#   each entry as it is added (XREAD BLOCK, bench/latency.py xread), with
#   forward --follow running into a redis-server of its own (appendfsync
#   always, as forward asks).
# - drain --follow: its handler a bash script that notes when it read its
#   event, run per event (--exec), and a bash loop started once that
#   notes when it read each line and answers ok (--pipe). Both rows
#   appear when this hookspool's drain has --follow.
# - a drain every minute (cron): an event waits for the next run, then
#   for the drain to reach it. Not run for minutes on end: each event of
#   a minute at that rate is taken to arrive at its place in the minute
#   (the j-th at j/RATE), to wait for the minute's end, and then for as
#   long as a real drain took to reach its j-th event: one is run over
#   LATENCY_CRON_EVENTS events (default 1000, or fewer at a low rate)
#   posted at that rate, its handler the same bash script, and beyond
#   them each event costs that drain's mean per event.
#
# Settings (environment): LATENCY_SECONDS, LATENCY_RATES (default
# "10 100 1000"), LATENCY_CRON_EVENTS, BENCH_SPOOL=DIR (the spool on
# another file system).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir}" && pwd)
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

secs=${LATENCY_SECONDS:-10}
rates=${LATENCY_RATES:-10 100 1000}
cron_events=${LATENCY_CRON_EVENTS:-1000}
command -v python3 >/dev/null || skip "python3 is not installed"
command -v lighttpd >/dev/null || skip "lighttpd is not installed"
if [ -n "${BENCH_SPOOL:-}" ]; then
	SPOOL=$BENCH_SPOOL/hookspool-bench.$$
	CLEANUP_CMDS="$CLEANUP_CMDS remove_bench_spool"
fi
remove_bench_spool() {
	rm -rf "$SPOOL"
}
mkdir -p "$(dirname "$SPOOL")"
make_conf "fsync = yes" "dedup = yes"
start_lighttpd hookspool-fastcgi.conf "$FCGI"
redis_start bench

# The handler of the drains: the time it read its event, after the id.
cat >"$T/handler" <<'HANDLER'
#!/bin/bash
IFS= read -r line
printf '%s %s\n' "$HOOKSPOOL_ID" "$EPOCHREALTIME" >>"$LATENCY_OUT"
HANDLER
chmod +x "$T/handler"
drain_follows=no
"$HOOKSPOOL" drain --help 2>/dev/null | grep -q -- '--follow' && drain_follows=yes

# The handler started once: the same for each line, then its verdict.
cat >"$T/pipe-handler" <<'HANDLER'
#!/bin/bash
while IFS= read -r line; do
	[[ $line =~ ^\{\"id\":\"([^\"]*)\" ]] || { echo "fail no id"; continue; }
	printf '%s %s\n' "${BASH_REMATCH[1]}" "$EPOCHREALTIME" >>"$LATENCY_OUT"
	echo ok
done
HANDLER
chmod +x "$T/pipe-handler"

# fresh: an empty spool and an empty Redis, so that the same ids are
# fresh again.
fresh() {
	rm -rf "$SPOOL"
	rcli bench FLUSHALL >/dev/null
}

# send RATE COUNT OUT: COUNT fresh events at RATE a second; the 200s'
# times in OUT.
send() {
	python3 "$here/bodies.py" "$SECRET_FILE" "$2" >"$T/bodies"
	python3 "$here/latency.py" send "$URL" "$T/bodies" "$1" "$3" >"$T/send.out" ||
	    fail "the sender failed: $(tail -n 3 "$T/send.out")"
	grep -q "^sent $2 of $2," "$T/send.out" ||
	    fail "not every event was accepted: $(cat "$T/send.out")"
}

# row LABEL RATE "N P50 P99 MAX": a line of the table.
row() {
	set -- "$1" "$2" $3
	printf '%-38s %6s/s %7s %9s %9s %9s\n' "$1" "$2" "$3" "$4" "$5" "$6"
}

# follow_forward RATE: forward --follow, read back from the stream.
follow_forward() {
	local n=$(($1 * secs)) reader
	fresh
	"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --follow \
	    2>"$T/follow.log" </dev/null &
	FOLLOW_PID=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $FOLLOW_PID"
	python3 "$here/latency.py" xread 127.0.0.1 "$REDIS_PORT" hookspool "$n" \
	    "$T/read" $((secs + 60)) >"$T/xread.out" 2>&1 &
	reader=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $reader"
	wait_until "the stream's reader did not start" grep -q ready "$T/xread.out"
	send "$1" "$n" "$T/sent"
	sed "s/^sent/forward --follow at $1\/s: sent/" "$T/send.out" >>"$T/notes"
	wait "$reader" || fail "the stream's reader failed: $(cat "$T/xread.out")"
	follow_stop >/dev/null
	python3 "$here/latency.py" stats "$T/sent" "$T/read" >"$T/stats"
	[ "$(wc -l <"$T/stats")" = 1 ] || fail "events not forwarded: $(tail -n 1 "$T/stats")"
	row "forward --follow, to a stream reader" "$1" "$(cat "$T/stats")"
}

# follow_drain RATE LABEL ARG...: drain --follow ARG... with a recording
# handler.
follow_drain() {
	local rate=$1 n=$(($1 * secs)) label=$2 pid
	shift 2
	fresh
	: >"$T/read"
	LATENCY_OUT=$T/read "$HOOKSPOOL" drain -c "$CONF" --follow "$@" \
	    2>"$T/drain.log" </dev/null &
	pid=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $pid"
	sleep 0.5
	send "$rate" "$n" "$T/sent"
	sed "s/^sent/$label at $rate\/s: sent/" "$T/send.out" >>"$T/notes"
	WAIT_TRIES=1200 wait_until "drain --follow did not handle every event" \
	    at_least "$n" lines "$T/read"
	kill -TERM "$pid"
	wait "$pid" || fail "drain --follow exited $?: $(tail -n 3 "$T/drain.log")"
	python3 "$here/latency.py" stats "$T/sent" "$T/read" >"$T/stats"
	[ "$(wc -l <"$T/stats")" = 1 ] || fail "events not handled: $(tail -n 1 "$T/stats")"
	row "$label" "$rate" "$(cat "$T/stats")"
}

# cron_drain RATE: a drain every minute, its own time measured.
cron_drain() {
	local n=$(($1 * secs))
	[ "$n" -le "$cron_events" ] || n=$cron_events
	fresh
	send "$1" "$n" "$T/sent"
	echo "start $EPOCHREALTIME" >"$T/handled"
	LATENCY_OUT=$T/handled "$HOOKSPOOL" drain -c "$CONF" --exec "$T/handler" \
	    2>"$T/drain.log" || fail "the drain exited $?: $(tail -n 3 "$T/drain.log")"
	[ "$(($(wc -l <"$T/handled") - 1))" = "$n" ] ||
	    fail "the drain handled $(($(wc -l <"$T/handled") - 1)) of $n"
	python3 "$here/latency.py" cron "$T/handled" "$1" 60 >"$T/cron"
	row "a drain every minute (cron)" "$1" "$(head -n 1 "$T/cron")"
	sed -n '2p' "$T/cron" >>"$T/notes"
}

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "spool: $(df -PT "$(dirname "$SPOOL")" | awk 'NR == 2 { print $2 }'), fsync = yes, dedup = yes; lighttpd with the shipped mod_fastcgi config"
echo "each rate: $secs s of events; milliseconds from the responder's answer to the handler"
echo
printf '%-38s %8s %7s %9s %9s %9s\n' "" "rate" "events" "p50 ms" "p99 ms" "max ms"
: >"$T/notes"
for r in $rates; do
	follow_forward "$r"
	if [ "$drain_follows" = yes ]; then
		follow_drain "$r" "drain --follow, bash per event" --exec "$T/handler"
		follow_drain "$r" "drain --follow --pipe, a bash loop" --pipe "$T/pipe-handler"
	fi
	cron_drain "$r"
done
echo
echo "cron: the drain's own time measured on up to $cron_events events; the wait for the minute modelled"
sed 's/^falls/cron: falls/' "$T/notes"
[ "$drain_follows" = yes ] || echo "drain --follow: not in this hookspool; forward --follow stands for the follower"
