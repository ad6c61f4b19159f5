#!/bin/bash
# The micro benchmark: instructions per event of the responder's core path
# (verify, event check, type match, flatten, spool write), counted by
# valgrind's callgrind in bench/micro, with the spool on a tmpfs so that
# the disk plays no part; then the instructions of one whole CGI request
# (process start-up included) of hookspool.fcgi and of the spool-write-only
# responder (bench/spoolonly.fcgi). Instruction counts do not depend on the
# machine's load, so two builds can be compared run against run. Figures,
# not a test.
#
#   make microbench      (or: bench/micro.sh BUILDDIR [COUNT])
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir}" && pwd)
n=${2:-2000}
. "$top_srcdir/tests/setup.sh"

command -v valgrind >/dev/null ||
    skip "valgrind is not installed (apt-get install valgrind)"
MICRO=$top_builddir/bench/micro
CEIL=$top_builddir/bench/spoolonly.fcgi
for f in "$MICRO" "$CEIL"; do
	[ -x "$f" ] || fail "build $f first (make microbench)"
done
shm=${MICRO_TMPFS:-/dev/shm}
[ "$(df -PT "$shm" | awk 'NR == 2 { print $2 }')" = tmpfs ] ||
    skip "$shm is no tmpfs (set MICRO_TMPFS)"
SPOOL=$(mktemp -d "$shm/hookspool-micro.XXXXXX")
remove_spool() {
	rm -rf "$SPOOL"
}
CLEANUP_CMDS="$CLEANUP_CMDS remove_spool"

# per_event SETTINGS...: instructions per event with those settings
# (FUNCS: the functions counted, micro_event unless set).
per_event() {
	rm -rf "$SPOOL"/*
	make_conf "$@"
	toggles=
	for f in ${FUNCS:-micro_event}; do
		toggles="$toggles --toggle-collect=$f"
	done
	# shellcheck disable=SC2086
	valgrind --tool=callgrind $toggles \
	    --callgrind-out-file="$T/callgrind.out" "$MICRO" "$CONF" "$n" \
	    2>"$T/valgrind.txt" || fail "micro failed: $(tail -n 5 "$T/valgrind.txt")"
	awk -v n="$n" '/^(summary|totals):/ { t = $2 } END { printf "%.0f\n", t / n }' \
	    "$T/callgrind.out"
}
printf '%-44s %12s\n' "core path, $n events of 600 bytes, tmpfs" "instr/event"
printf '%-44s %12s\n' "fsync = yes, dedup = yes (the defaults)" \
    "$(per_event 'fsync = yes' 'dedup = yes')"
printf '%-44s %12s\n' "fsync = yes, dedup = no" \
    "$(per_event 'fsync = yes' 'dedup = no')"
printf '%-44s %12s\n' "verified and ignored (no spool)" \
    "$(per_event 'fsync = yes' -- 'events = message.*')"
printf '%-44s %12s\n' "of the defaults, counting the answer" \
    "$(FUNCS='counters_add counters_stale' per_event 'fsync = yes' \
    'dedup = yes')"

# cgi BINARY: instructions of one CGI request, from exec to exit (FUNCS:
# only those functions', when set).
cgi() {
	i=$((i + 1))
	event "cgi-$i" >"$T/e.json"
	toggles=
	for f in ${FUNCS:-}; do
		toggles="$toggles --toggle-collect=$f"
	done
	# shellcheck disable=SC2086
	env -i GATEWAY_INTERFACE=CGI/1.1 HOOKSPOOL_CONFIG="$CONF" \
	    REQUEST_METHOD=POST CONTENT_LENGTH="$(wc -c <"$T/e.json")" \
	    HTTP_X_PROTOCOL_SIGNATURE="$(sign "$T/e.json")" \
	    valgrind --tool=callgrind $toggles \
	    --callgrind-out-file="$T/cgi.out" "$1" \
	    <"$T/e.json" >"$T/answer" 2>"$T/valgrind.txt" ||
	    fail "$1 failed: $(tail -n 5 "$T/valgrind.txt")"
	grep -q '^Status: 200' "$T/answer" || fail "$1: $(head -n 1 "$T/answer")"
	awk '/^(summary|totals):/ { t = $2 } END { print t }' "$T/cgi.out"
}
i=0
rm -rf "$SPOOL"/*
make_conf 'fsync = yes' 'dedup = yes'
"$top_builddir/src/hookspool" check -c "$CONF" >/dev/null 2>&1 ||
    fail "unable to set up the spool"
ceil=$(cgi "$CEIL")
# the first request makes the spool's counters file: not what the next
# ones pay
cgi "$FCGI" >/dev/null
hs=$(cgi "$FCGI")
count=$(FUNCS='counters_open counters_add' cgi "$FCGI")
echo
printf '%-44s %12s %7s\n' "one CGI request, whole process" "instr" "ratio"
printf '%-44s %12s %7s\n' "spool-write-only responder (ceiling)" "$ceil" "1.00"
printf '%-44s %12s %7.2f\n' "hookspool.fcgi, defaults" "$hs" \
    "$(awk -v a="$hs" -v b="$ceil" 'BEGIN { print a / b }')"
printf '%-44s %12s %7.2f\n' "of it, counting the answer (open, map, add)" \
    "$count" "$(awk -v a="$count" -v b="$ceil" 'BEGIN { print a / b }')"
