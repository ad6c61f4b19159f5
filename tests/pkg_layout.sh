#!/bin/sh
# The Debian package's layout, from the .deb itself: binaries, man pages,
# conffiles, units (the responder's socket unit and service among them),
# server snippets, modes and maintainer scripts.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/pkg.sh"

command -v dpkg-deb >/dev/null || skip "dpkg-deb is missing (apt-get install dpkg)"
pkg_deb
pkg_unpack
version=$(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile")
assert_eq "package name" hookspool "$(dpkg-deb -f "$DEB" Package)"
assert_eq "package version is configure's" "$version" "$(dpkg-deb -f "$DEB" Version)"
# libfcgi with the fix of CVE-2025-23016 (a parameter's length overflowing
# the size it allocates), not merely the version the build happened to see
dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/^ *//' |
    grep -qx 'libfcgi0ldbl (>= 2.4.2-2+deb12u1)' ||
    fail "the package does not depend on libfcgi0ldbl (>= 2.4.2-2+deb12u1): $(dpkg-deb -f "$DEB" Depends)"
ok "depends on the libfcgi that carries the fix of CVE-2025-23016"

# mode_of PATH: "MODE OWNER/GROUP" of PATH (./etc/...) in the package.
dpkg-deb -c "$DEB" >"$T/contents"
mode_of() {
	awk -v p="$1" '$6 == p { print $1, $2 }' "$T/contents"
}
# has PATH MODE: PATH is in the package with that mode, owned by root.
has() {
	assert_eq "$1" "$2 root/root" "$(mode_of "./$1")"
}

# the programs, and the man pages
has usr/bin/hookspool -rwxr-xr-x
has usr/bin/hookspool.fcgi -rwxr-xr-x
for p in hookspool hookspool.fcgi; do
	assert_eq "$p --version" "hookspool $version" "$("$ROOT/usr/bin/$p" --version)"
done
# built with hiredis (a Build-Depends): forward and consume are there
"$ROOT/usr/bin/hookspool" --help >"$T/usage" || fail "hookspool --help failed"
for v in forward consume; do
	grep -q "^ *hookspool $v " "$T/usage" || fail "the package's hookspool has no $v"
done
ok "the package's hookspool has forward and consume"
has usr/share/man/man1/hookspool.1.gz -rw-r--r--
has usr/share/man/man5/hookspool.conf.5.gz -rw-r--r--
has usr/share/man/man8/hookspool.fcgi.8.gz -rw-r--r--
has usr/share/doc/hookspool/copyright -rw-r--r--
has usr/share/doc/hookspool/examples/drain-wider.conf -rw-r--r--
# the system config is /etc/hookspool/hookspool.conf: no -c needed
HOOKSPOOL_CONFIG='' "$ROOT/usr/bin/hookspool" check >"$T/check.out" 2>&1 || :
grep -q /etc/hookspool/hookspool.conf "$T/check.out" ||
    fail "hookspool check does not look at /etc/hookspool/hookspool.conf: $(cat "$T/check.out")"
ok "the default config is /etc/hookspool/hookspool.conf"

# conffiles: exactly these, each root's and 0644
dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles | sort >"$T/conffiles"
sort >"$T/expected" <<'LIST'
/etc/apache2/conf-available/hookspool.conf
/etc/default/hookspool
/etc/hookspool/hookspool.conf
/etc/lighttpd/conf-available/50-hookspool.conf
/etc/nginx/snippets/hookspool.conf
LIST
diff -u "$T/expected" "$T/conffiles" || fail "the conffiles differ"
ok "conffiles"
while read -r f; do
	has "${f#/}" -rw-r--r--
done <"$T/conffiles"

# The config holds no secret, only where it is; it loads once that file
# exists, and until then check names the file.
conf=$ROOT/etc/hookspool/hookspool.conf
grep -Eq '^[[:space:]]*secret[[:space:]]*=' "$conf" && fail "the conffile holds a secret"
grep -Eq '^secret_file *= */etc/hookspool/protocol.key$' "$conf" ||
    fail "the conffile names no /etc/hookspool/protocol.key"
grep -Eq '^spool *= */var/spool/hookspool( |$)' "$conf" ||
    fail "the conffile's spool is not /var/spool/hookspool"
ok "the conffile holds no secret"
sed -e "s|/var/spool/hookspool|$SPOOL|" \
    -e "s|/etc/hookspool/protocol.key|$T/missing.key|" "$conf" >"$T/pkg.conf"
rc=0
"$ROOT/usr/bin/hookspool" check -c "$T/pkg.conf" >"$T/check.out" 2>&1 || rc=$?
assert_eq "check without the key file: exit" 2 "$rc"
grep -q "secret_file $T/missing.key: No such file" "$T/check.out" ||
    fail "check does not name the missing key: $(cat "$T/check.out")"
ok "check names the missing key file"
sed -i "s|$T/missing.key|$SECRET_FILE|" "$T/pkg.conf"
"$ROOT/usr/bin/hookspool" check -c "$T/pkg.conf" >"$T/check.out" 2>&1 ||
    fail "check with the key: $(cat "$T/check.out")"
grep -q '^webhook protocol: scheme protocol, path /, ' "$T/check.out" ||
    fail "the webhook is not at /: $(cat "$T/check.out")"
ok "with its key the conffile is a working config"

# the units
for u in hookspool.service hookspool.socket hookspool-drain.service \
    hookspool-drain.timer hookspool-drain-follow.service \
    hookspool-forward-follow.service hookspool-consume@.service; do
	has "lib/systemd/system/$u" -rw-r--r--
done
assert_eq "hookspool.service: ExecStart" \
    "/usr/bin/hookspool.fcgi --listen /run/hookspool/hookspool.sock" \
    "$(unit_value hookspool.service ExecStart)"
for u in hookspool.service hookspool-drain.service; do
	assert_eq "$u: User" hookspool "$(unit_value $u User)"
	assert_eq "$u: ProtectSystem" strict "$(unit_value $u ProtectSystem)"
	assert_eq "$u: ReadWritePaths" /var/spool/hookspool "$(unit_value $u ReadWritePaths)"
	assert_eq "$u: NoNewPrivileges" yes "$(unit_value $u NoNewPrivileges)"
	assert_eq "$u: PrivateTmp" yes "$(unit_value $u PrivateTmp)"
done
# the socket is hookspool.socket's, the web server's group's alone; the
# responder takes it from systemd and says when it serves
sock=/run/hookspool/hookspool.sock
assert_eq "hookspool.socket: ListenStream" $sock "$(unit_value hookspool.socket ListenStream)"
assert_eq "hookspool.socket: SocketUser" hookspool "$(unit_value hookspool.socket SocketUser)"
assert_eq "hookspool.socket: SocketGroup" www-data "$(unit_value hookspool.socket SocketGroup)"
assert_eq "hookspool.socket: SocketMode" 0660 "$(unit_value hookspool.socket SocketMode)"
assert_eq "hookspool.socket: WantedBy" sockets.target "$(unit_value hookspool.socket WantedBy)"
assert_eq "hookspool.service: Group" hookspool "$(unit_value hookspool.service Group)"
assert_eq "hookspool.service: no supplementary group" "" \
    "$(unit_value hookspool.service SupplementaryGroups)"
assert_eq "hookspool.service: Type" notify "$(unit_value hookspool.service Type)"
assert_eq "hookspool.service: Requires" hookspool.socket "$(unit_value hookspool.service Requires)"
assert_eq "hookspool.service: After" hookspool.socket "$(unit_value hookspool.service After)"
# a RuntimeDirectory= of the service would be removed, socket and all,
# whenever it stops
assert_eq "hookspool.service: no RuntimeDirectory" "" \
    "$(unit_value hookspool.service RuntimeDirectory)"
assert_eq "hookspool-drain.service: EnvironmentFile" /etc/default/hookspool \
    "$(unit_value hookspool-drain.service EnvironmentFile)"
case $(unit_value hookspool-drain.service ExecStart) in
"/usr/bin/hookspool drain "*"--exec \${HOOKSPOOL_HANDLER}") ok "the drain runs the handler of /etc/default/hookspool" ;;
*) fail "hookspool-drain.service: ExecStart: $(unit_value hookspool-drain.service ExecStart)" ;;
esac
grep -q '^HOOKSPOOL_HANDLER=$' "$ROOT/etc/default/hookspool" ||
    fail "/etc/default/hookspool names a handler already"
assert_eq "hookspool-drain.timer: every 5 minutes" '*:0/5' "$(unit_value hookspool-drain.timer OnCalendar)"

# the followers and the consume template: the user hookspool, the
# settings of /etc/default/hookspool, started again after a failure but
# not after a usage error, and given longer to stop than a handler's
# --timeout (5 minutes) and its grace
assert_eq "hookspool-drain-follow.service: ExecStart" \
    "/usr/bin/hookspool drain --follow \$HOOKSPOOL_DRAIN_OPTIONS --exec \${HOOKSPOOL_HANDLER}" \
    "$(unit_value hookspool-drain-follow.service ExecStart)"
assert_eq "hookspool-forward-follow.service: ExecStart" \
    "/usr/bin/hookspool forward --follow --redis \${HOOKSPOOL_REDIS} \$HOOKSPOOL_FORWARD_OPTIONS" \
    "$(unit_value hookspool-forward-follow.service ExecStart)"
assert_eq "hookspool-consume@.service: ExecStart" \
    "/usr/bin/hookspool consume --redis \${HOOKSPOOL_REDIS} --name %H-%i \$HOOKSPOOL_CONSUME_OPTIONS --exec \${HOOKSPOOL_HANDLER}" \
    "$(unit_value hookspool-consume@.service ExecStart)"
for u in hookspool-drain-follow.service hookspool-forward-follow.service \
    hookspool-consume@.service; do
	assert_eq "$u: User" hookspool "$(unit_value $u User)"
	assert_eq "$u: EnvironmentFile" /etc/default/hookspool "$(unit_value $u EnvironmentFile)"
	assert_eq "$u: Restart" on-failure "$(unit_value $u Restart)"
	assert_eq "$u: RestartPreventExitStatus" 2 "$(unit_value $u RestartPreventExitStatus)"
	assert_eq "$u: ProtectSystem" strict "$(unit_value $u ProtectSystem)"
	assert_eq "$u: NoNewPrivileges" yes "$(unit_value $u NoNewPrivileges)"
	assert_eq "$u: the secrets hidden" /etc/hookspool:ro "$(unit_value $u TemporaryFileSystem)"
done
for u in hookspool-drain-follow.service hookspool-consume@.service; do
	assert_eq "$u: longer to stop than --timeout" 6min "$(unit_value $u TimeoutStopSec)"
done
assert_eq "hookspool-forward-follow.service: ReadWritePaths" /var/spool/hookspool \
    "$(unit_value hookspool-forward-follow.service ReadWritePaths)"
assert_eq "hookspool-drain-follow.service: ReadWritePaths" /var/spool/hookspool \
    "$(unit_value hookspool-drain-follow.service ReadWritePaths)"
for v in HOOKSPOOL_REDIS HOOKSPOOL_FORWARD_OPTIONS HOOKSPOOL_CONSUME_OPTIONS; do
	grep -q "^$v=\$" "$ROOT/etc/default/hookspool" || fail "/etc/default/hookspool has no empty $v="
done
ok "/etc/default/hookspool holds the followers' and workers' settings"

# the snippets reach the service's socket; none is enabled
grep -q "^Define hookspool_socket $sock\$" "$ROOT/etc/apache2/conf-available/hookspool.conf" ||
    fail "the Apache snippet does not use $sock"
grep -q "fastcgi_pass  *unix:$sock;" "$ROOT/etc/nginx/snippets/hookspool.conf" ||
    fail "the nginx snippet does not use $sock"
lt=$ROOT/etc/lighttpd/conf-available/50-hookspool.conf
grep -q "^var.hookspool_socket = \"$sock\"\$" "$lt" || fail "the lighttpd snippet does not use $sock"
grep -v '^[[:space:]]*#' "$lt" | grep -q '"bin-path"' && fail "the lighttpd snippet starts a responder (bin-path)"
ok "the snippets reach $sock"
grep -Eq '\./etc/(apache2/conf-enabled|lighttpd/conf-enabled|nginx/sites-enabled|systemd)/' "$T/contents" &&
    fail "the package enables something itself"
ok "nothing is enabled by a file"

# maintainer scripts: the user, the spool and /etc/hookspool on
# configure; the timer is neither enabled nor started; purge removes.
dpkg-deb -e "$DEB" "$T/control"
postinst=$T/control/postinst
grep -A1 'adduser --system --group' "$postinst" | grep -q ' hookspool$' || fail "postinst makes no system user hookspool"
grep -q 'install -d -o hookspool -g hookspool -m 0700 /var/spool/hookspool' "$postinst" ||
    fail "postinst makes no spool"
grep -q 'chown root:hookspool /etc/hookspool' "$postinst" && grep -q 'chmod 0750 /etc/hookspool' "$postinst" ||
    fail "postinst leaves /etc/hookspool open"
grep -q "deb-systemd-invoke .*'hookspool.service'" "$postinst" || fail "postinst does not start hookspool.service"
# the socket is started, and never restarted (nor stopped) by an upgrade,
# so that the connections made meanwhile wait for the new responder
grep -q "deb-systemd-invoke start 'hookspool.socket'" "$postinst" ||
    fail "postinst does not start hookspool.socket"
grep "deb-systemd-invoke" "$postinst" | grep -v "start 'hookspool.socket'" |
    grep -q hookspool.socket && fail "postinst restarts hookspool.socket on upgrade"
grep -B2 "deb-systemd-invoke stop 'hookspool.socket'" "$T/control/prerm" |
    grep -q '"\$1" = remove' || fail "prerm stops hookspool.socket other than on remove"
ok "postinst: the socket started on install, left alone on upgrade"
# The timer: (re)started after configure, which deb-systemd-invoke does
# only for an enabled unit, so an upgrade or dpkg-reconfigure keeps one
# the admin enabled running; stopped on remove, so it is not left armed.
grep -q "deb-systemd-invoke \$_dh_action 'hookspool-drain.timer'" "$postinst" ||
    fail "postinst does not start the drain's timer again after an upgrade"
grep -B2 "deb-systemd-invoke stop 'hookspool-drain.timer'" "$T/control/prerm" |
    grep -q '"\$1" = remove' || fail "prerm does not stop the timer on remove"
# The followers: never enabled by the package, kept as the admin left
# them; (re)started after configure only when enabled, as the timer, and
# stopped on remove, so that none runs on without its program.
for u in hookspool-drain-follow.service hookspool-forward-follow.service; do
	sed -n "/was-enabled '$u'/,+3p" "$postinst" | grep -q "enable '$u'" ||
	    fail "postinst does not keep $u as the admin left it"
	grep -B3 "enable '$u'" "$postinst" | grep -q was-enabled ||
	    fail "postinst enables $u on a new install"
	grep -q "deb-systemd-invoke \$_dh_action '$u'" "$postinst" ||
	    fail "postinst does not start $u again after an upgrade"
	grep -B2 "deb-systemd-invoke stop '$u'" "$T/control/prerm" |
	    grep -q '"\$1" = remove' || fail "prerm does not stop $u on remove"
done
ok "postinst: the followers left disabled, kept running across upgrades, stopped on remove"
sed -n "/was-enabled 'hookspool-drain.timer'/,+3p" "$postinst" | grep -q "enable 'hookspool-drain.timer'" ||
    fail "postinst does not keep the timer as the admin left it"
grep -B3 "enable 'hookspool-drain.timer'" "$postinst" | grep -q was-enabled ||
    fail "postinst enables the timer on a new install"
ok "postinst: user, spool, /etc/hookspool; the timer left disabled, kept running once enabled"
grep -q 'if \[ "$1" = purge \]' "$T/control/postrm" &&
    grep -q 'rm -rf /var/spool/hookspool' "$T/control/postrm" &&
    grep -q 'deluser --system' "$T/control/postrm" || fail "postrm does not clean up on purge"
ok "postrm: the spool and the user go on purge only"
