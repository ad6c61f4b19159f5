#!/bin/sh
# hookspool.service's SystemCallFilter= against what the responder really
# calls: the packaged hookspool.fcgi runs its unit's ExecStart under
# strace, on a scratch socket passed to it as hookspool.socket passes it
# (tests/sockunit.py: LISTEN_FDS, and READY=1 to NOTIFY_SOCKET), behind the
# packaged nginx snippet, through a 500 (no key yet), an accepted event, a
# duplicate, a 401, a 413 and a config reload, then TERM. Every system call it made must be one the
# filter allows, or systemd would kill it (SIGSYS) on the first request
# that needs the missing one. systemd-analyze syscall-filter expands the
# filter's groups, offline.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"
. "$top_srcdir/tests/pkg.sh"

command -v strace >/dev/null || skip "strace is missing (apt-get install strace)"
command -v systemd-analyze >/dev/null ||
    skip "systemd-analyze is missing (apt-get install systemd)"
command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
pkg_deb
pkg_unpack
unit=hookspool.service

# allowed: the system calls the unit's filter lets through, one a line
unit_syscalls $unit "$T/allowed"

sed -e "s|/var/spool/hookspool|$SPOOL|" \
    -e "s|/etc/hookspool/protocol.key|$SECRET_FILE|" \
    "$ROOT/etc/hookspool/hookspool.conf" >"$CONF"
mv "$SECRET_FILE" "$T/key.later"
mkdir -p "$SPOOL" "$T/run" "$T/strace"
chmod 700 "$SPOOL"
chmod 750 "$T/run"
# as servers.sh runs --listen: a user of its own in the web server's group
# (strace runs as that user too, so that none of setpriv's calls is traced)
for_listen_user "$SPOOL" "$T/run" "$T/strace" "$T/key.later"
SOCK=$T/run/hookspool.sock
exec_start=$(unit_value $unit ExecStart | sed -e "s|/usr/bin/|$ROOT/usr/bin/|g" \
    -e "s|/run/hookspool/|$T/run/|g")
# the socket as the socket unit makes it, for the server's group; strace
# -D leaves the responder the pid it starts with, which LISTEN_PID names
if [ -n "$LISTEN_AS" ]; then
	set -- "$LISTEN_USER" "$WEB_GROUP"
else
	set -- "$(id -un)" "$(id -gn)"
fi
# shellcheck disable=SC2086
HOOKSPOOL_CONFIG=$CONF python3 "$top_srcdir/tests/sockunit.py" "$SOCK" "$@" 0660 -- \
    $LISTEN_AS strace -D -f -qq -o "$T/strace/trace" $exec_start \
    >"$T/notify.out" 2>"$T/strace-out.log" &
HOLDER=$!
CLEANUP_PIDS="$CLEANUP_PIDS $HOLDER"
wait_until "no READY=1 from the responder: $(cat "$T/strace-out.log")" \
    grep -qx READY=1 "$T/notify.out"
RESPONDER=$(pgrep -P "$HOLDER" | head -n 1)
[ -n "$RESPONDER" ] || fail "no responder under strace"
CLEANUP_PIDS="$RESPONDER $CLEANUP_PIDS"

start_nginx "$SOCK" "$ROOT/etc/nginx/snippets/hookspool.conf"
url=http://127.0.0.1:$HTTP_PORT/hookspool
event "evt-$$-early" >"$T/early.json"
SECRET_FILE=$T/key.later http_post "$url" "$T/early.json"
assert_eq "no key yet: status" 500 "$STATUS"
cp -p "$T/key.later" "$SECRET_FILE"
check_setup "$url"
http_post "$url" "$T/good.json"
assert_eq "a duplicate: status" 200 "$STATUS"
grep -q '"duplicate"' "$T/http.out" || fail "not a duplicate: $(cat "$T/http.out")"
sleep 1.1
echo '# changed' >>"$CONF"
event "evt-$$-reload" >"$T/reload.json"
http_post "$url" "$T/reload.json"
assert_eq "after a reload: status" 200 "$STATUS"

kill "$RESPONDER"
wait_gone "$HOLDER" || fail "the responder did not stop on TERM"
# strace -D: the tracer is no child of ours; it ends with the responder
wait_until "strace did not finish its trace" sh -c '! pgrep -f "strace -D -f -qq -o $1" >/dev/null' sh "$T/strace/trace"
sed -E 's/^[0-9]+ +//' "$T/strace/trace" | grep -oE '^[a-z_0-9]+\(' | tr -d '(' |
    sort -u >"$T/used"
[ -s "$T/used" ] || fail "strace saw no system call"
if ! comm -23 "$T/used" "$T/allowed" >"$T/refused" || [ -s "$T/refused" ]; then
	fail "$unit's SystemCallFilter= refuses what the responder calls: $(tr '\n' ' ' <"$T/refused")"
fi
ok "$(wc -l <"$T/used") system calls, each allowed by $unit"
