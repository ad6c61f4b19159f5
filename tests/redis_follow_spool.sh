#!/bin/bash
# hookspool forward --follow when its spool changes under it: a spool
# folder removed, or moved away, and made again by the responder's next
# request, is followed again within seconds; a spool replaced in a way no
# watch sees (the folder above it moved away) is found by the rescan
# interval (--rescan); and, as root, when the kernel drops every
# notification (fs.inotify.max_queued_events 0 when the follower started),
# events are still forwarded within seconds, not at the next rescan.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r
mkdir "$T/var"
SPOOL=$T/var/spool
make_conf
post first
follow_start --rescan 1h
within 10 "forward --follow did not start" at_least 1 stream_len r hookspool

# removed (as an operator would, while it runs), made again by the
# responder's next request
rm -rf "$SPOOL"
post removed-1
within 5 "an event in a spool made again did not reach the stream" \
    at_least 2 stream_len r hookspool
ok "a spool removed and made again: followed again ($TOOK_MS ms)"
grep -q "spool $SPOOL: its folder was made again" "$T/follow.log" ||
    fail "the follower does not say it follows the new folder: $(cat "$T/follow.log")"
post removed-2
within 5 "the next event did not reach the stream" at_least 3 stream_len r hookspool
ok "and the next one ($TOOK_MS ms)"

# moved away, made again
mv "$SPOOL" "$T/var/spool.old"
post moved-1
within 5 "an event after the spool moved away did not reach the stream" \
    at_least 4 stream_len r hookspool
ok "a spool moved away and made again: followed again ($TOOK_MS ms)"
follow_stop
rm -rf "$T/var/spool.old"

# The folder above the spool moved away and a spool made at the old
# path: nothing a watch sees; a rescan of 2 s finds it.
follow_start --rescan 2s
post rescan-0
within 10 "forward --follow did not start" at_least 5 stream_len r hookspool
mv "$T/var" "$T/var.old"
mkdir "$T/var"
post rescan-1
within 10 "the rescan did not find the spool made again" \
    at_least 6 stream_len r hookspool
ok "a spool replaced with the folder above it: found by the rescan ($TOOK_MS ms)"
follow_stop
assert_eq "distinct ids" 6 "$(distinct_ids r hookspool)"
rm -rf "$T/var.old"

# Every notification dropped: the follower gets IN_Q_OVERFLOW only.
knob=/proc/sys/fs/inotify/max_queued_events
if [ "$(id -u)" != 0 ] || ! [ -w "$knob" ]; then
	echo "IN_Q_OVERFLOW not tested: $knob can be lowered only by root"
	exit 0
fi
old_knob=$(cat "$knob")
restore_knob() {
	echo "$old_knob" >"$knob"
}
CLEANUP_CMDS="$CLEANUP_CMDS restore_knob"
# inotify_watches PID: how many watches PID's inotify descriptors hold
inotify_watches() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null | grep -c '^inotify wd:'
}
echo 0 >"$knob"
follow_start --rescan 1h
within 10 "the follower did not set its watches" at_least 2 inotify_watches "$FOLLOW_PID"
restore_knob
post overflow-1
within 5 "an event whose notification was dropped was not forwarded" \
    at_least 7 stream_len r hookspool
ok "IN_Q_OVERFLOW: forwarded in $TOOK_MS ms, not at the rescan an hour away"
post overflow-2
within 5 "the next one was not forwarded" at_least 8 stream_len r hookspool
follow_stop
assert_eq "distinct ids" 8 "$(distinct_ids r hookspool)"
