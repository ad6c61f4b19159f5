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

# Where the spool's file system journals metadata in order (ext4 with its
# journal, xfs), the flush of new/ also commits the marker and ids/ has no
# flush of its own to fail (src/spool.c). Everywhere else (tmpfs, ext2, an
# ext4 without a journal, ...) ids/ must be flushed before the rename. The
# file system says which, here; a probe delivery must agree with it.
make_conf
mkdir -p "$SPOOL"
want_ids_flush=yes
case $(stat -f -c %T "$SPOOL") in
xfs) want_ids_flush=no ;;
ext2/ext3)
	# jbd2 lists a running internal journal as /proc/fs/jbd2/DEV-8
	dev=$(readlink "/sys/dev/block/$(stat -c '%Hd:%Ld' "$SPOOL")") &&
	    [ -e "/proc/fs/jbd2/${dev##*/}-8" ] && want_ids_flush=no ;;
esac
event probe >"$T/e.json"
cgi_post "$T/e.json" LD_PRELOAD="$SHIM" ASAN_OPTIONS="$asan" \
    HOOKSPOOL_FLUSH_LOG="$T/flushes.txt"
ids_flush=no
grep -q " $SPOOL/ids\$" "$T/flushes.txt" && ids_flush=yes
assert_eq "ids/ is flushed on its own on $(stat -f -c %T "$SPOOL")" \
    "$want_ids_flush" "$ids_flush"
rm -rf "$SPOOL"

for dedup in yes no; do
	make_conf "dedup = $dedup"
	i=0
	for fault in write:ENOSPC:tmp fsync:EIO:tmp link:ENOSPC:tmp \
	    fsync:EIO:ids rename:EIO:tmp mkdir:EACCES: write:EIO:tmp; do
		case $dedup:$fault in
		no:link:* | no:fsync:EIO:ids) continue ;;
		yes:fsync:EIO:ids)
			if [ "$ids_flush" = no ]; then
				ok "dedup=yes, $fault: ids/ is flushed with new/ here"
				continue
			fi ;;
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

# The last step, flushing new/ after the rename, fails: the event is in new/
# already (a drain may have it), so it is never withdrawn. The sender hears
# 503 and retries; with dedup the retry is a duplicate, answered once new/
# is on disk, and the event is spooled once.
for dedup in yes no; do
	make_conf "dedup = $dedup"
	rm -rf "$SPOOL"
	event "late-$dedup" >"$T/e.json"
	cgi_post "$T/e.json" LD_PRELOAD="$SHIM" ASAN_OPTIONS="$asan" \
	    HOOKSPOOL_FAULT="fsync:EIO:$SPOOL/new"
	assert_eq "dedup=$dedup, flushing new/ fails: status" 503 "$STATUS"
	assert_eq "dedup=$dedup, flushing new/ fails: the event stays" 1 "$(count new)"
	assert_eq "dedup=$dedup, flushing new/ fails: nothing in tmp/" 0 "$(count tmp)"
	cgi_post "$T/e.json"
	assert_eq "dedup=$dedup, retry" 200 "$STATUS"
	if [ "$dedup" = yes ]; then
		grep -q '"status":"duplicate"' "$T/cgi.out" || fail "retry is not a duplicate"
		assert_eq "dedup=yes: spooled once" 1 "$(count new)"
		# A duplicate whose flush of new/ fails is no promise either.
		cgi_post "$T/e.json" LD_PRELOAD="$SHIM" ASAN_OPTIONS="$asan" \
		    HOOKSPOOL_FAULT="fsync:EIO:$SPOOL/new"
		assert_eq "duplicate while new/ cannot be flushed" 503 "$STATUS"
	else
		grep -q '"status":"accepted"' "$T/cgi.out" || fail "retry not accepted"
		assert_eq "dedup=no: spooled again (at least once)" 2 "$(count new)"
	fi
done
