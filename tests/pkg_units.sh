#!/bin/sh
# systemd-analyze verify on the package's units: hookspool.socket,
# hookspool.service, hookspool-drain.service and hookspool-drain.timer.
# It needs no running systemd. verify insists that the programs of Exec
# lines exist and that the Documentation= man pages open, so the units are
# checked as copies whose /usr/bin/ is the unpacked package's, with its
# man pages on MANPATH; nothing else in them changes. verify exits 0 on
# what it only warns about (an unknown key, a bad value), so any output is
# a failure.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/pkg.sh"

command -v systemd-analyze >/dev/null ||
    skip "systemd-analyze is missing (apt-get install systemd)"
command -v man >/dev/null || skip "man is missing (apt-get install man-db)"
pkg_deb
pkg_unpack

mkdir "$T/units"
units="hookspool.socket hookspool.service hookspool-drain.service hookspool-drain.timer"
for u in $units; do
	[ -f "$ROOT/lib/systemd/system/$u" ] || fail "the package has no $u"
	sed "s|/usr/bin/|$ROOT/usr/bin/|g" "$ROOT/lib/systemd/system/$u" >"$T/units/$u"
done

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
	verify "./$u" || fail "systemd-analyze verify $u: $(cat "$T/verify.out")"
	ok "systemd-analyze verify $u"
done
