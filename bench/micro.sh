#!/bin/bash
# The micro benchmark: instructions per event of the responder's core path
# (verify, event check, type match, flatten, spool write), counted by
# valgrind's callgrind in bench/micro, with the spool on a tmpfs so that
# the disk plays no part. Instruction counts do not depend on the machine's
# load, so two builds can be compared run against run. Figures, not a test.
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
[ -x "$MICRO" ] || fail "build $MICRO first (make microbench)"
shm=${MICRO_TMPFS:-/dev/shm}
[ "$(df -PT "$shm" | awk 'NR == 2 { print $2 }')" = tmpfs ] ||
    skip "$shm is no tmpfs (set MICRO_TMPFS)"
SPOOL=$(mktemp -d "$shm/hookspool-micro.XXXXXX")
remove_spool() {
	rm -rf "$SPOOL"
}
CLEANUP_CMDS="$CLEANUP_CMDS remove_spool"

# per_event SETTINGS...: instructions per event with those settings.
per_event() {
	rm -rf "$SPOOL"/*
	make_conf "$@"
	valgrind --tool=callgrind --toggle-collect=micro_event \
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
