#!/bin/sh
# hookspool-drain.service's SystemCallFilter= against what the drain and
# its handler really call: the packaged hookspool drain runs under strace,
# with the secret file gone (the unit shows it only hookspool.conf of
# /etc/hookspool), through a handler that succeeds, one that fails and
# one that ignores TERM past --timeout (TERM, then KILL), then a drain
# that releases a dead drain's claim. Every system call made, the
# handler's shell and its commands included, must be one the filter lets
# through: systemd would answer any other with EPERM
# (SystemCallErrorNumber=). The same for hookspool-drain-follow.service and
# drain --follow, woken by an event with --exec and with --pipe, then
# stopped with TERM.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/pkg.sh"

command -v strace >/dev/null || skip "strace is missing (apt-get install strace)"
command -v systemd-analyze >/dev/null ||
    skip "systemd-analyze is missing (apt-get install systemd)"
command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
pkg_deb
pkg_unpack
unit=hookspool-drain.service
unit_syscalls $unit "$T/allowed"
assert_eq "$unit: a filtered call is an error, not SIGSYS" EPERM \
    "$(unit_value $unit SystemCallErrorNumber)"

post() {
	event "$1" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}
make_conf
for id in done-1 fails-2 stubborn-3 dead-4; do
	post $id
done
mv "$SECRET_FILE" "$T/key.hidden"
export OUT=$T
mkdir "$T/strace"
# drain [ARG...]: the packaged drain under strace, one trace per run
drain() {
	n=$(($(ls "$T/strace" | wc -l) + 1))
	strace -f -qq -o "$T/strace/trace.$n" "$ROOT/usr/bin/hookspool" drain \
	    -c "$CONF" "$@" 2>>"$T/drain.log" || :
}
drain --timeout 1s --max 3 --exec '
cat >"$OUT/line.$HOOKSPOOL_ID"
case $HOOKSPOOL_ID in
fails-2) exit 3 ;;
stubborn-3) trap "" TERM; sleep 30 ;;
esac'
grep -q "event fails-2: exited 3" "$T/drain.log" &&
    grep -q "event stubborn-3: timed out after 1s, killed" "$T/drain.log" &&
    grep -q "1 done, 2 to retry" "$T/drain.log" ||
    fail "the drain under strace: $(cat "$T/drain.log")"
# a dead drain's claim: dead-4 in cur/ with no lock, released by recovery
dead=$(grep -l '"id":"dead-4"' "$SPOOL"/new/*) || fail "no dead-4 in new/"
mv "$dead" "$SPOOL/cur/"
drain --exec 'cat >/dev/null'
grep -q "released from dead drains" "$T/drain.log" ||
    fail "no claim released: $(cat "$T/drain.log")"
ok "the drains ran under strace, without the secret file"

cat "$T"/strace/trace.* | sed -E 's/^[0-9]+ +//' | grep -oE '^[a-z_0-9]+\(' |
    tr -d '(' | sort -u >"$T/used"
[ -s "$T/used" ] || fail "strace saw no system call"
if ! comm -23 "$T/used" "$T/allowed" >"$T/refused" || [ -s "$T/refused" ]; then
	fail "$unit's SystemCallFilter= refuses what the drain calls: $(tr '\n' ' ' <"$T/refused")"
fi
ok "$(wc -l <"$T/used") system calls, each allowed by $unit"

# hookspool-drain-follow.service: the follower, waiting, woken by an event
# it hands to --exec and to --pipe, and stopped with TERM.
unit=hookspool-drain-follow.service
unit_syscalls $unit "$T/allowed.follow"
rm -f "$T"/strace/*
# follow ID ARG...: the packaged drain --follow under strace; ID posted
# while it waits must reach its handler, then TERM stops it (exit 0).
follow() {
	local id=$1 tracer pid rc=0
	shift
	strace -f -qq -o "$T/strace/follow.$id" "$ROOT/usr/bin/hookspool" drain \
	    -c "$CONF" --follow --rescan 1s "$@" 2>>"$T/follow.log" &
	tracer=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $tracer"
	sleep 1
	mv "$T/key.hidden" "$SECRET_FILE"
	post "$id"
	mv "$SECRET_FILE" "$T/key.hidden"
	wait_until "$id did not reach the follower's handler" test -e "$OUT/followed.$id"
	sleep 1.5	# a rescan too
	pid=$(pgrep -P "$tracer" -x hookspool) || fail "no follower under strace"
	kill -TERM "$pid"
	# strace exits as the program it ran did
	wait "$tracer" || rc=$?
	[ "$rc" = 0 ] ||
	    fail "drain --follow $* exited $rc after TERM: $(tail -n 3 "$T/follow.log")"
}
follow followed-5 --exec 'cat >/dev/null; : >"$OUT/followed.$HOOKSPOOL_ID"'
follow followed-6 --pipe 'while IFS= read -r l; do
	: >"$OUT/followed.$(printf "%s" "$l" | sed "s/^{\"id\":\"\([^\"]*\)\".*/\1/")"; echo ok
done'
ok "the followers ran under strace, without the secret file"
cat "$T"/strace/follow.* | sed -E 's/^[0-9]+ +//' | grep -oE '^[a-z_0-9]+\(' |
    tr -d '(' | sort -u >"$T/used.follow"
grep -qx inotify_add_watch "$T/used.follow" || fail "strace saw no inotify watch"
if ! comm -23 "$T/used.follow" "$T/allowed.follow" >"$T/refused" || [ -s "$T/refused" ]; then
	fail "$unit's SystemCallFilter= refuses what drain --follow calls: $(tr '\n' ' ' <"$T/refused")"
fi
ok "$(wc -l <"$T/used.follow") system calls, each allowed by $unit"
