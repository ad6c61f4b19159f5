#!/bin/bash
# hookspool-forward-follow.service's SystemCallFilter= against what
# forward --follow really calls: the packaged hookspool runs the unit's
# ExecStart under strace, against a real redis-server, with the secret
# file gone (the unit shows it only hookspool.conf of /etc/hookspool):
# what waited, events as they land, a spool removed and made again (its
# watches set again), a lost server (tried again), then TERM. Every
# system call made must be one the filter lets through: systemd would
# answer any other with EPERM (SystemCallErrorNumber=).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/pkg.sh"
. "$top_srcdir/tests/redis.sh"

command -v strace >/dev/null || skip "strace is missing (apt-get install strace)"
command -v systemd-analyze >/dev/null ||
    skip "systemd-analyze is missing (apt-get install systemd)"
command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
pkg_deb
pkg_unpack
unit=hookspool-forward-follow.service
unit_syscalls $unit "$T/allowed"
assert_eq "$unit: a filtered call is an error, not SIGSYS" EPERM \
    "$(unit_value $unit SystemCallErrorNumber)"

redis_start r
make_conf
post waiting-1
mv "$SECRET_FILE" "$T/key.hidden"
mkdir "$T/strace"
strace -f -qq -o "$T/strace/trace" "$ROOT/usr/bin/hookspool" forward -c "$CONF" \
    --redis "$REDIS_ADDR" --follow 2>"$T/follow.log" </dev/null &
strace_pid=$!
CLEANUP_PIDS="$CLEANUP_PIDS $strace_pid"
within 20 "what waited was not forwarded" at_least 1 stream_len r hookspool
# the signing key back, for the test's own posts
mv "$T/key.hidden" "$SECRET_FILE"
follower=$(ps -o pid= --ppid "$strace_pid" | tr -d ' ')
[ -n "$follower" ] || fail "no forward --follow under strace"
post live-1
within 20 "live-1 was not forwarded" at_least 2 stream_len r hookspool
rm -rf "$SPOOL"
post again-1
within 20 "again-1 was not forwarded" at_least 3 stream_len r hookspool
redis_stop r KILL
post lost-1
sleep 1.5
redis_run r
within 40 "lost-1 was not forwarded" at_least 4 stream_len r hookspool
kill -TERM "$follower"
rc=0
wait "$strace_pid" || rc=$?
assert_eq "forward --follow under strace: exit status after TERM" 0 "$rc"
grep -q 'connected again' "$T/follow.log" ||
    fail "the server was not lost and found again: $(cat "$T/follow.log")"
ok "forward --follow ran under strace"

sed -E 's/^[0-9]+ +//' "$T/strace/trace" | grep -oE '^[a-z_0-9]+\(' |
    tr -d '(' | sort -u >"$T/used"
[ -s "$T/used" ] || fail "strace saw no system call"
for call in inotify_add_watch signalfd4; do
	grep -qx "$call" "$T/used" || fail "strace did not see $call: $(tr '\n' ' ' <"$T/used")"
done
if ! comm -23 "$T/used" "$T/allowed" >"$T/refused" || [ -s "$T/refused" ]; then
	fail "$unit's SystemCallFilter= refuses what forward --follow calls: $(tr '\n' ' ' <"$T/refused")"
fi
ok "$(wc -l <"$T/used") system calls, each allowed by $unit"
