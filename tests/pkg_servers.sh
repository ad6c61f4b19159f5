#!/bin/sh
# The package at work: the responder started as hookspool.socket and
# hookspool.service start it (the socket made as the socket unit says and
# passed as LISTEN_FDS, by tests/sockunit.py; the service's ExecStart as
# its User, Group and UMask; READY=1 on NOTIFY_SOCKET), behind the
# packaged Apache, nginx and lighttpd snippets, with the packaged config.
# Until the key file exists the answer is 500 and check names the file;
# once it does, with no restart, a signed request lands in the spool,
# owned by hookspool. Then the drain runs as hookspool-drain.service runs
# it.
# Paths are the package's with the scratch folder's put in:
# /usr/bin/ (the unpacked package), /run/hookspool/, the spool and the key;
# the responder finds its config through HOOKSPOOL_CONFIG, where the
# installed one finds /etc/hookspool/hookspool.conf by itself.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"
. "$top_srcdir/tests/pkg.sh"

[ "$(id -u)" -eq 0 ] || skip "runs the responder as the system user hookspool: needs root"
command -v dpkg-deb >/dev/null || skip "dpkg-deb is missing (apt-get install dpkg)"
command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
need_apache mpm_event authz_core alias env cgid proxy proxy_fcgi
pkg_deb
pkg_unpack
unit=hookspool.service

# The user, as postinst makes it, unless it is there already; a user
# made here is removed at the end.
if ! getent passwd hookspool >/dev/null; then
	command -v adduser >/dev/null || skip "adduser is missing (apt-get install adduser)"
	adduser --system --group --quiet --no-create-home --home /nonexistent \
	    hookspool || fail "unable to add the user hookspool"
	# userdel refuses a user whose processes still run
	remove_user() {
		[ -z "${LISTEN_PID:-}" ] || kill "$LISTEN_PID" 2>/dev/null || :
		[ -z "${LISTEN_PID:-}" ] || wait_gone "$LISTEN_PID" || :
		deluser --system --quiet hookspool >/dev/null 2>&1
		delgroup --system --only-if-empty --quiet hookspool >/dev/null 2>&1
	}
	CLEANUP_CMDS="$CLEANUP_CMDS remove_user"
fi
socket=hookspool.socket
assert_eq "the unit's user" hookspool "$(unit_value $unit User)"
assert_eq "the unit's group" hookspool "$(unit_value $unit Group)"
assert_eq "the socket's group" www-data "$(unit_value $socket SocketGroup)"

# the packaged config, with the scratch spool and key
sed -e "s|/var/spool/hookspool|$SPOOL|" \
    -e "s|/etc/hookspool/protocol.key|$SECRET_FILE|" \
    "$ROOT/etc/hookspool/hookspool.conf" >"$CONF"
mv "$SECRET_FILE" "$T/key.later"
# the spool as postinst makes it; the socket's folder as systemd makes it
install -d -o hookspool -g hookspool -m 0700 "$SPOOL"
install -d -m 0755 "$T/run"
SOCK=$T/run/hookspool.sock

# unit_runner UNIT: the words that run a command as UNIT's User, Group
# and SupplementaryGroups, under its UMask; each execs the next, so the
# command keeps the pid they start with.
printf '%s\n' '#!/bin/sh' 'umask "$1" && shift && exec "$@"' >"$T/umask.sh"
unit_runner() {
	g=$(unit_value "$1" SupplementaryGroups)
	if [ -n "$g" ]; then
		g=--groups=$(echo $g | tr ' ' ,)
	else
		g=--clear-groups
	fi
	echo setpriv --reuid="$(unit_value "$1" User)" \
	    --regid="$(unit_value "$1" Group)" "$g" sh "$T/umask.sh" \
	    "$(unit_value "$1" UMask)"
}

# as_unit UNIT CMD...: exec CMD as UNIT runs it (call it in a subshell)
as_unit() {
	u=$1
	shift
	# shellcheck disable=SC2046
	exec $(unit_runner "$u") "$@"
}

# the socket unit's socket and the service's ExecStart, with the scratch
# folder's paths: the socket is made as systemd makes it and passed to the
# responder (LISTEN_FDS), which says when it serves (NOTIFY_SOCKET)
listen_stream=$(unit_value $socket ListenStream | sed -e "s|/run/hookspool/|$T/run/|g")
assert_eq "the socket unit's socket is the service's --listen" "$SOCK" "$listen_stream"
exec_start=$(unit_value $unit ExecStart | sed -e "s|/usr/bin/|$ROOT/usr/bin/|g" \
    -e "s|/run/hookspool/|$T/run/|g")
case $exec_start in
"$ROOT/usr/bin/hookspool.fcgi --listen $SOCK") ;;
*) fail "unexpected ExecStart: $exec_start" ;;
esac
assert_eq "the service is Type=notify" notify "$(unit_value $unit Type)"
# shellcheck disable=SC2046,SC2086
HOOKSPOOL_CONFIG=$CONF python3 "$top_srcdir/tests/sockunit.py" "$listen_stream" \
    "$(unit_value $socket SocketUser)" "$(unit_value $socket SocketGroup)" \
    "$(unit_value $socket SocketMode)" -- $(unit_runner $unit) $exec_start \
    >"$T/notify.out" 2>>"$T/listen.log" &
LISTEN_PID=$!
CLEANUP_PIDS="$CLEANUP_PIDS $LISTEN_PID"
wait_until "no READY=1 from the responder: $(cat "$T/listen.log")" \
    grep -qx READY=1 "$T/notify.out"
ok "the responder sends READY=1 once it serves"
# the web server's group is the socket's, not the responder's: a
# responder gone wrong cannot read what web applications keep for www-data
responder=$(pgrep -P "$LISTEN_PID" | head -n 1)
www=$(getent group www-data | cut -d: -f3)
sed -n 's/^\(Gid\|Groups\):[[:space:]]*//p' "/proc/$responder/status" |
    tr -s ' \t' '\n\n' | grep -qx "$www" &&
    fail "the responder is in the group www-data: $(grep -E '^(Gid|Groups)' "/proc/$responder/status")"
ok "the responder is not in the group www-data"
assert_eq "the socket: owner, group, mode" "hookspool:www-data 660" \
    "$(stat -c '%U:%G %a' "$SOCK")"

# Apache, with the packaged snippet
substitute "$ROOT/etc/apache2/conf-available/hookspool.conf" \
    "$T/apache-hookspool.conf" hookspool_socket="$SOCK"
start_apache "$T/apache-hookspool.conf"
url=http://127.0.0.1:$HTTP_PORT/hookspool

# no key yet: 500, and check says which file is missing
event "evt-$$-early" >"$T/early.json"
http_post "$url" "$T/early.json"
assert_eq "before the key exists: status" 500 "$STATUS"
rc=0
(HOOKSPOOL_CONFIG=$CONF as_unit $unit "$ROOT/usr/bin/hookspool" check) \
    >"$T/check.out" 2>&1 || rc=$?
assert_eq "check before the key exists: exit" 2 "$rc"
grep -q "unable to open secret_file $SECRET_FILE: No such file" "$T/check.out" ||
    fail "check does not name the missing key: $(cat "$T/check.out")"
ok "check names the missing key"

# the key, as README.md has the admin make it; no restart
install -m 0600 -o hookspool -g hookspool "$T/key.later" "$SECRET_FILE"
check_setup "$url"
assert_eq "the event belongs to hookspool and its group, 0600" \
    "hookspool:hookspool 600" "$(stat -c '%U:%G %a' "$SPOOL"/new/*)"
(HOOKSPOOL_CONFIG=$CONF as_unit $unit "$ROOT/usr/bin/hookspool" check) \
    >"$T/check.out" 2>&1 || fail "check with the key: $(cat "$T/check.out")"
ok "check passes once the key exists"
stop_apache
rm -f "$SPOOL"/new/*

# nginx, with the packaged snippet
start_nginx "$SOCK" "$ROOT/etc/nginx/snippets/hookspool.conf"
check_setup "http://127.0.0.1:$HTTP_PORT/hookspool"
rm -f "$SPOOL"/new/*

# lighttpd, with the packaged snippet (mod_fastcgi on the socket)
if command -v lighttpd >/dev/null; then
	mkdir -p "$T/lighttpd"
	LIGHTTPD_PORT=$(free_port)
	substitute "$ROOT/etc/lighttpd/conf-available/50-hookspool.conf" \
	    "$T/lighttpd/50-hookspool.conf" hookspool_socket="$SOCK"
	substitute "$top_srcdir/lighttpd/lighttpd.conf" "$T/lighttpd/lighttpd.conf" \
	    state_dir="$T/lighttpd" http_port="$LIGHTTPD_PORT" \
	    hookspool_snippet="$T/lighttpd/50-hookspool.conf"
	(cd "$T/lighttpd" && lighttpd -f lighttpd.conf) || fail "lighttpd did not start"
	CLEANUP_CMDS="$CLEANUP_CMDS stop_lighttpd"
	wait_port "$LIGHTTPD_PORT"
	check_setup "http://127.0.0.1:$LIGHTTPD_PORT/hookspool"
else
	skip "lighttpd is not installed (apt-get install lighttpd)"
fi

# the drain, as hookspool-drain.service runs it with a handler named in
# /etc/default/hookspool
drain=hookspool-drain.service
install -d -o hookspool -g hookspool -m 0700 "$T/handled"
sed -e "s|^HOOKSPOOL_HANDLER=.*|HOOKSPOOL_HANDLER=cat >$T/handled/line|" \
    "$ROOT/etc/default/hookspool" >"$T/default"
cmd=$(unit_value $drain ExecStart)
(
	# EnvironmentFile=: KEY=VALUE lines, the value as it is (no shell)
	while IFS= read -r line; do
		case $line in
		'#'* | '') ;;
		*=*) export "${line%%=*}=${line#*=}" ;;
		esac
	done <"$T/default"
	# ${HOOKSPOOL_HANDLER} is one word, $HOOKSPOOL_DRAIN_OPTIONS as many
	# as it has, as systemd expands them
	case $cmd in
	"/usr/bin/hookspool drain \$HOOKSPOOL_DRAIN_OPTIONS --exec \${HOOKSPOOL_HANDLER}") ;;
	*) fail "unexpected ExecStart of $drain: $cmd" ;;
	esac
	# shellcheck disable=SC2086
	HOOKSPOOL_CONFIG=$CONF as_unit $drain "$ROOT/usr/bin/hookspool" drain \
	    $HOOKSPOOL_DRAIN_OPTIONS --exec "$HOOKSPOOL_HANDLER"
) >"$T/drain.log" 2>&1 || fail "the drain failed: $(cat "$T/drain.log")"
grep -q '"webhook":"protocol"' "$T/handled/line" || fail "the handler got no event"
assert_eq "the drain emptied new/" 0 "$(count new)"
