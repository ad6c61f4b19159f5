#!/bin/bash
# A spool that cannot be written (disk full, I/O error, permissions) answers
# 503 with Retry-After, and leaves nothing behind: nothing in new/, tmp/ or
# ids/, so the sender's retry is spooled as new. Failures are injected by
# tests/faultinject.so at each step of the delivery.
. "$top_srcdir/tests/setup.sh"

SHIM=$top_builddir/tests/faultinject.so
[ -f "$SHIM" ] || fail "$SHIM is not built"
asan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

header() {
	sed -n "s/^$1: \\(.*\\)\\r\$/\\1/p" "$T/cgi.out"
}

for dedup in yes no; do
	make_conf "dedup = $dedup"
	i=0
	for fault in write:ENOSPC:tmp fsync:EIO:tmp link:ENOSPC:tmp \
	    fsync:EIO:ids rename:EIO:tmp fsync:EIO:new mkdir:EACCES: \
	    write:EIO:tmp; do
		case $dedup:$fault in
		no:link:* | no:fsync:EIO:ids) continue ;;
		esac
		i=$((i + 1))
		what="dedup=$dedup, $fault"
		[ "${fault#mkdir}" = "$fault" ] || rm -rf "$SPOOL"
		event "fault-$dedup-$i" >"$T/e.json"
		cgi_post "$T/e.json" LD_PRELOAD="$SHIM" ASAN_OPTIONS="$asan" \
		    HOOKSPOOL_FAULT="${fault%:*}:$SPOOL/${fault##*:}"
		assert_eq "$what: status" 503 "$STATUS"
		assert_eq "$what: Retry-After" 60 "$(header Retry-After)"
		for folder in new tmp ids; do
			assert_eq "$what: nothing in $folder/" 0 "$(count $folder)"
		done
		tail -n 1 "$T/cgi-stderr.log" | grep -q "^hookspool: 503 webhook=protocol remote=127.0.0.1 id=fault-$dedup-$i: " ||
		    fail "$what: no 503 line in the log"
		# The sender retries once the disk is mended: a new event, not a
		# duplicate of a delivery that failed.
		cgi_post "$T/e.json"
		assert_eq "$what: retry" 200 "$STATUS"
		grep -q accepted "$T/cgi.out" || fail "$what: retry not accepted"
		assert_eq "$what: retry spooled" 1 "$(count new)"
		rm -f "$SPOOL"/new/* "$SPOOL"/ids/*
	done
done
