#!/bin/sh
# systemd-analyze verify on the package's units: hookspool.socket,
# hookspool.service, hookspool-drain.service and hookspool-drain.timer,
# the followers hookspool-drain-follow.service and
# hookspool-forward-follow.service, and the template
# hookspool-consume@.service. It needs no running systemd. verify insists
# that the programs of Exec lines exist and that the Documentation= man
# pages open, so the units are checked as copies whose /usr/bin/ is the
# unpacked package's, with its man pages on MANPATH; nothing else in them
# changes. verify exits 0 on what it only warns about (an unknown key, a
# bad value), so any output is a failure.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/pkg.sh"

command -v systemd-analyze >/dev/null ||
    skip "systemd-analyze is missing (apt-get install systemd)"
command -v man >/dev/null || skip "man is missing (apt-get install man-db)"
pkg_deb
pkg_unpack

mkdir "$T/units"
units="hookspool.socket hookspool.service hookspool-drain.service hookspool-drain.timer
hookspool-drain-follow.service hookspool-forward-follow.service
hookspool-consume@.service"
for u in $units; do
	[ -f "$ROOT/lib/systemd/system/$u" ] || fail "the package has no $u"
	sed "s|/usr/bin/|$ROOT/usr/bin/|g" "$ROOT/lib/systemd/system/$u" >"$T/units/$u"
done
# a template is verified as an instance of it
cp "$T/units/hookspool-consume@.service" "$T/units/hookspool-consume@1.service"

# verify UNIT...: systemd-analyze verify, quiet and successful.
verify() {
	rc=0
	(cd "$T/units" && MANPATH=$ROOT/usr/share/man SYSTEMD_LOG_COLOR=0 \
	    systemd-analyze verify "$@") >"$T/verify.out" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] && [ ! -s "$T/verify.out" ]
}

# first, that a mistake is seen at all: an unknown key, a bad value
sed -e 's/^PrivateTmp=yes/PrivateTmp=yes\nProtectSystems=strict/' \
    "$T/units/hookspool.service" >"$T/units/broken.service"
verify ./broken.service && fail "systemd-analyze verify saw no mistake in broken.service"
grep -q ProtectSystems "$T/verify.out" || fail "verify did not name the mistake: $(cat "$T/verify.out")"
rm "$T/units/broken.service"
ok "systemd-analyze verify names a unit's mistakes"

for u in $units; do
	case $u in
	*@.service) u=${u%@.service}@1.service ;;
	esac
	verify "./$u" || fail "systemd-analyze verify $u: $(cat "$T/verify.out")"
	ok "systemd-analyze verify $u"
done

# hookspool-drain.service runs the code that reads what senders sent, and
# the handler: its sandbox is a promise (README, SECURITY.md). Its
# exposure, as systemd-analyze security scores it offline, stays at most
# 2.5 (hookspool.service's is 1.6; the drain's was 6.9 before), and so
# does that of the units that run the same code or handlers for longer:
# the followers and the consume workers.
# exposure UNIT: its overall exposure level, offline.
exposure() {
	(cd "$T/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze security --offline=yes \
	    --no-pager "./$1") >"$T/security.out" 2>&1 ||
	    fail "systemd-analyze security $1: $(tail -n 5 "$T/security.out")"
	sed -n "s/.*Overall exposure level for $1: \([0-9][0-9.]*\) .*/\1/p" "$T/security.out"
}
for u in hookspool-drain.service hookspool-drain-follow.service \
    hookspool-forward-follow.service hookspool-consume@1.service; do
	score=$(exposure $u)
	[ -n "$score" ] || fail "no exposure level for $u: $(tail -n 5 "$T/security.out")"
	awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }' ||
	    fail "$u: exposure $score, over 2.5: $(grep '✗' "$T/security.out")"
	ok "$u: exposure $score (at most 2.5)"
done
# The example drop-in for handlers that need more, every setting in it
# uncommented, is a unit systemd takes, for each unit that runs handlers;
# and its sudo part turns off each setting of the unit that would set
# no_new_privs again (systemd.exec(5) under NoNewPrivileges=), without
# which sudo cannot become root.
example=$ROOT/usr/share/doc/hookspool/examples/drain-wider.conf
[ -f "$example" ] || fail "the package has no drain-wider.conf example"
for drain in hookspool-drain.service hookspool-drain-follow.service \
    hookspool-consume@1.service; do
	mkdir "$T/units/$drain.d"
	sed 's/^#\([A-Z]\)/\1/' "$example" >"$T/units/$drain.d/wider.conf"
	verify "./$drain" || fail "systemd-analyze verify $drain with drain-wider.conf: $(cat "$T/verify.out")"
	ok "systemd-analyze verify $drain with the example drop-in"
	for k in NoNewPrivileges PrivateUsers DynamicUser LockPersonality \
	    MemoryDenyWriteExecute PrivateDevices ProtectClock ProtectHostname \
	    ProtectKernelLogs ProtectKernelModules ProtectKernelTunables \
	    RestrictAddressFamilies RestrictNamespaces RestrictRealtime \
	    RestrictSUIDSGID SystemCallArchitectures SystemCallFilter SystemCallLog; do
		case $(sed -n "s/^$k=//p" "$T/units/$drain" | tail -n 1) in
		'' | no | false) continue ;;
		esac
		case $(sed -n "s/^$k=//p" "$T/units/$drain.d/wider.conf" | tail -n 1) in
		'' | no) grep -q "^$k=" "$T/units/$drain.d/wider.conf" ||
		    fail "drain-wider.conf leaves $k= of $drain as it is: sudo cannot work" ;;
		*) fail "drain-wider.conf leaves $k= of $drain set: sudo cannot work" ;;
		esac
	done
	ok "drain-wider.conf lifts whatever sets no_new_privs in $drain"
done
