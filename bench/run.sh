#!/bin/bash
# The benchmark: requests per second through a real lighttpd (the shipped
# config) to hookspool.fcgi, as a ratio of the same lighttpd in front of a
# no-op FastCGI responder measured in the same run. Figures, not a test.
#
#   make bench            (or: bench/run.sh [BUILDDIR] [REQUESTS] [CONCURRENCY])
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir}" && pwd)
n=${2:-10000}
c=${3:-8}
. "$top_srcdir/tests/setup.sh"

command -v ab >/dev/null || skip "ab is not installed (apt-get install apache2-utils)"
NOOP=$top_builddir/bench/noop.fcgi
[ -x "$NOOP" ] || fail "build $NOOP first (make bench)"

# serve BINARY: a lighttpd from the shipped configs in front of BINARY
# (the one started before is stopped).
serve() {
	if [ -f "$T/lighttpd/lighttpd.pid" ]; then
		stop_lighttpd
		rm -rf "$T/lighttpd"
	fi
	start_lighttpd hookspool-fastcgi.conf "$1"
}

# measure LABEL: requests per second of ab against $URL, all answered 200.
measure() {
	# a short warm-up: processes started, caches filled
	ab -q -n 200 -c "$c" -p "$T/event.json" -T application/json \
	    -H "x-protocol-signature: $(sign "$T/event.json")" "$URL" >/dev/null 2>&1 || :
	ab -q -n "$n" -c "$c" -p "$T/event.json" -T application/json \
	    -H "x-protocol-signature: $(sign "$T/event.json")" "$URL" >"$T/ab.out" 2>&1 ||
	    fail "ab failed: $(tail -n 3 "$T/ab.out")"
	bad=$(sed -n 's/^Non-2xx responses: *//p' "$T/ab.out")
	[ -z "$bad" ] || fail "$1: $bad answers were not 2xx"
	sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$T/ab.out"
}

# BENCH_SPOOL=DIR puts the spool elsewhere, e.g. on a tmpfs (/dev/shm) to
# see the cost of the code apart from the file system's.
if [ -n "${BENCH_SPOOL:-}" ]; then
	SPOOL=$BENCH_SPOOL/hookspool-bench.$$
	CLEANUP_CMDS="$CLEANUP_CMDS remove_bench_spool"
fi
remove_bench_spool() {
	rm -rf "$SPOOL"
}
df_type=$(df -PT "$(dirname "$SPOOL")" | awk 'NR == 2 { print $2 }')

event bench-1 >"$T/event.json"
make_conf 'dedup = no'
serve "$NOOP"
ceiling=$(measure "no-op responder")

printf '%-44s %10s %8s\n' "lighttpd + mod_fastcgi, $n requests, $c at once" "req/s" "ratio"
echo "spool on $df_type"
printf '%-44s %10.0f %8s\n' "no-op FastCGI responder (ceiling)" "$ceiling" "1.00"
row() {
	rps=$(measure "$1")
	printf '%-44s %10.0f %8.2f\n' "$1" "$rps" "$(echo "$rps $ceiling" | awk '{ print $1 / $2 }')"
}
serve "$FCGI"
make_conf 'fsync = no' 'dedup = no'
row "hookspool, fsync = no, dedup = no"
make_conf 'fsync = yes' 'dedup = no'
row "hookspool, fsync = yes, dedup = no"
make_conf 'fsync = yes' 'dedup = yes'
row "hookspool, fsync = yes, duplicates of one id"
make_conf 'fsync = no' -- 'events = message.*'
row "hookspool, verified and ignored (no spool)"
echo "spooled: $(count new) events in $SPOOL/new"
