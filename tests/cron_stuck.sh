#!/bin/bash
# A handler that SIGKILL does not end (a process in an uninterruptible
# wait, such as a hung NFS read). Here it is frozen by a cgroup v1 freezer:
# a frozen process sits in state D, and a SIGKILL sent to it waits until it
# is thawed. The drain neither waits for it nor spins: 5 s after the KILL
# it reports the event as timed out (an attempt), leaves the process
# behind and goes on with the next event. While that process lives it
# keeps the event's claim locked, so no other drain hands the event to a
# handler; once it ends, its guardian (the drain's child that leads its
# process group, and waits for it) ends too, the drain that left it behind
# reaps that, and the event runs again.
. "$top_srcdir/tests/setup.sh"

[ "$(id -u)" = 0 ] || skip "a cgroup freezer needs root"

post() {
	event "$1" "$2" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}
# state PID: the process's state letter (R, S, D, Z...), or "gone".
state() {
	sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null || echo gone
}
# until_true SECONDS CMD...: CMD succeeds within SECONDS, or return 1.
until_true() {
	n=$(($1 * 10))
	shift
	until "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# A freezer cgroup of our own: in the v1 hierarchy if the host has one,
# else in one mounted here.
if [ -f /sys/fs/cgroup/freezer/cgroup.procs ]; then
	FREEZER=/sys/fs/cgroup/freezer
else
	mkdir "$T/freezer"
	mount -t cgroup -o freezer hookspool-test "$T/freezer" 2>"$T/mount.log" ||
	    skip "no cgroup v1 freezer here, and none can be mounted: $(cat "$T/mount.log")"
	FREEZER=$T/freezer
fi
FZ=$FREEZER/hookspool-test.$$
mkdir "$FZ" 2>"$T/mkdir.log" || skip "unable to make a freezer cgroup: $(cat "$T/mkdir.log")"
unfreeze() {
	echo THAWED >"$FZ/freezer.state" 2>/dev/null || :
	for p in $(cat "$FZ/cgroup.procs" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null || :
		echo "$p" >"$FREEZER/cgroup.procs" 2>/dev/null || :
	done
	until_true 5 rmdir "$FZ" 2>/dev/null || :
	[ "$FREEZER" != "$T/freezer" ] || umount "$T/freezer" || :
}
CLEANUP_CMDS="$CLEANUP_CMDS unfreeze"

# stuck-1 hangs on its first attempt; later-2 waits for $OUT/go; last-3
# says whether the stuck process is still there.
cat >"$T/handler" <<'HANDLER'
#!/bin/sh
echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT" >>"$OUT/ran"
case $HOOKSPOOL_ID in
stuck-1)
	[ "$HOOKSPOOL_ATTEMPT" = 1 ] || exit 0
	echo $$ >"$OUT/stuck.tmp" && mv "$OUT/stuck.tmp" "$OUT/stuck"
	exec sleep 300 ;;
later-2)
	: >"$OUT/later"
	i=0
	while [ ! -e "$OUT/go" ]; do
		i=$((i + 1))
		[ "$i" -lt 600 ] || exit 1
		sleep 0.1
	done ;;
last-3)
	if [ -e "/proc/$(cat "$OUT/guardian")" ]; then
		echo there >"$OUT/reaped"
	else
		echo gone >"$OUT/reaped"
	fi ;;
esac
HANDLER
chmod +x "$T/handler"
export OUT=$T

make_conf
post stuck-1 stuck.one
post later-2 other.two
post last-3 other.three

start=$(date +%s)
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --timeout 2s --exec "exec $T/handler" 2>"$T/drain1.log" &
DRAIN=$!
CLEANUP_PIDS="$CLEANUP_PIDS $DRAIN"
until_true 10 test -s "$T/stuck" || fail "the handler did not start"
stuck=$(cat "$T/stuck")
guardian=$(awk '{ print $4 }' "/proc/$stuck/stat")
echo "$guardian" >"$T/guardian"
assert_eq "the handler's guardian is the drain's child" "$DRAIN" \
    "$(awk '{ print $4 }' "/proc/$guardian/stat")"
echo "$stuck" >"$FZ/cgroup.procs"
echo FROZEN >"$FZ/freezer.state"
until_true 5 grep -q FROZEN "$FZ/freezer.state" || fail "the handler did not freeze"
assert_eq "the frozen handler's state" D "$(state "$stuck")"

# The drain goes on with later-2 after 2 s, TERM, 5 s, KILL, 5 s.
until_true 30 test -e "$T/later" ||
    fail "the drain still waits for the stuck handler after 30s: $(cat "$T/drain1.log")"
elapsed=$(($(date +%s) - start))
[ "$elapsed" -ge 11 ] && [ "$elapsed" -le 16 ] ||
    fail "the drain left the stuck handler after ${elapsed}s, not 12s"
ok "the drain left the stuck handler behind after ${elapsed}s"
grep -q "event stuck-1 of webhook protocol: timed out after 2s; still running 5s after SIGKILL (stuck in the kernel?): left behind (attempt 1 of 5); retried by the next drain" \
    "$T/drain1.log" || fail "no message about the stuck handler: $(cat "$T/drain1.log")"
ok "the stuck handler is reported, as a timeout"
assert_eq "the stuck handler, SIGKILL pending" D "$(state "$stuck")"
grep -q "^SigPnd:.*[1-9a-f]\|^ShdPnd:.*[1-9a-f]" "/proc/$stuck/status" ||
    fail "no signal pending for the stuck handler: $(grep Pnd "/proc/$stuck/status")"
[ -n "$(find "$SPOOL/new" -name '*,A1' -print)" ] ||
    fail "the stuck event counted no attempt: $(ls "$SPOOL/new")"
ok "the stuck event is back in new/ with one attempt"

# Another drain finds it locked by the stuck process: no handler runs.
rc=0
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --timeout 1s --type 'stuck.*' \
    --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/second"' 2>"$T/drain2.log" || rc=$?
assert_eq "a second drain while the handler is stuck: exit" 1 "$rc"
grep -q "locked by another process for over 1s; left in new/" "$T/drain2.log" ||
    fail "the second drain did not find the event locked: $(cat "$T/drain2.log")"
[ ! -e "$T/second" ] || fail "a second handler ran on the stuck event: $(cat "$T/second")"
ok "no other handler gets the event while the stuck one lives"

# Thawed, the stuck process dies of the pending KILL, its guardian ends
# with it: a zombie of the first drain, which reaps it before its next
# handler.
echo THAWED >"$FZ/freezer.state"
# (Gone already when the drain has reaped it: only its parent can.)
ended() {
	case $(state "$1") in Z|gone) ;; *) return 1 ;; esac
}
until_true 10 ended "$guardian" ||
    fail "the thawed handler's guardian did not end: $(state "$guardian") (the handler: $(state "$stuck"))"
assert_eq "the thawed handler" gone "$(state "$stuck")"
[ "$(state "$guardian")" = gone ] ||
    assert_eq "the ended guardian's parent" "$DRAIN" "$(awk '{ print $4 }' "/proc/$guardian/stat")"
: >"$T/go"
rc=0
wait "$DRAIN" || rc=$?
assert_eq "the first drain's exit" 1 "$rc"
assert_eq "the handler left behind was reaped by the next handler_run" gone "$(cat "$T/reaped")"
grep -q "hookspool drain: 2 done, 1 to retry, 0 failed" "$T/drain1.log" ||
    fail "the first drain's summary: $(cat "$T/drain1.log")"
ok "the first drain went on with the other events"

# Its lock gone with it, the event runs again, as its second attempt.
rc=0
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 --exec "$T/handler" 2>"$T/drain3.log" || rc=$?
assert_eq "the drain after the handler ended: exit" 0 "$rc"
grep -qx "stuck-1 2" "$T/ran" || fail "stuck-1 did not run again: $(cat "$T/ran")"
assert_eq "new/ at the end" 0 "$(count new)"
assert_eq "cur/ at the end" 0 "$(count cur)"
