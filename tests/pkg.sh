# Sourced after tests/setup.sh by the tests of the Debian package: find or
# build the .deb, and unpack it into a scratch root.

# pkg_deb: sets DEB to the package to test. HOOKSPOOL_DEB names one (CI
# builds it once, from a clean copy of the tree); otherwise `make deb`
# builds it in this build folder, once for all the tests that want it,
# and again only when a file it is made of has changed since.
pkg_deb() {
	if [ -n "${HOOKSPOOL_DEB:-}" ]; then
		[ -f "$HOOKSPOOL_DEB" ] || fail "HOOKSPOOL_DEB=$HOOKSPOOL_DEB: no such file"
		DEB=$HOOKSPOOL_DEB
		return
	fi
	for tool in dpkg-buildpackage dh flock; do
		command -v "$tool" >/dev/null ||
		    skip "$tool is missing, so the package cannot be built (apt-get install dpkg-dev debhelper util-linux)"
	done
	# one build at a time; the others wait for it and use it
	(
		flock 9
		set -- "$top_builddir"/deb/hookspool_*.deb
		if [ ! -f "$1" ] || [ -n "$(find "$top_srcdir/src" \
		    "$top_srcdir/fcgi" "$top_srcdir/debian" "$top_srcdir/man" \
		    "$top_srcdir/apache" "$top_srcdir/lighttpd" \
		    "$top_srcdir/nginx" "$top_builddir/Makefile" \
		    -newer "$1" -print -quit)" ]; then
			# not the make check's own options (TESTS=...)
			env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
			    make -C "$top_builddir" deb >"$T/deb-build.log" 2>&1 ||
			    fail "make deb failed: $(tail -n 30 "$T/deb-build.log")"
		fi
	) 9>"$top_builddir/deb.lock"
	set -- "$top_builddir"/deb/hookspool_*.deb
	[ -f "$1" ] || fail "make deb made no package"
	DEB=$1
}

# pkg_unpack: the package's files under ROOT ($T/root).
pkg_unpack() {
	ROOT=$T/root
	mkdir -p "$ROOT"
	dpkg-deb -x "$DEB" "$ROOT" || fail "dpkg-deb -x $DEB failed"
}

# unit_value UNIT KEY: the value of KEY= in the packaged UNIT (the last
# one, as systemd reads them).
unit_value() {
	sed -n "s/^$2=//p" "$ROOT/lib/systemd/system/$1" | tail -n 1
}

# unit_syscalls UNIT OUT: into OUT, one a line, the system calls that the
# packaged UNIT's SystemCallFilter= lines let through, their groups
# expanded offline with systemd-analyze syscall-filter (needs python3).
unit_syscalls() {
	grep -q '^SystemCallFilter=' "$ROOT/lib/systemd/system/$1" ||
	    fail "$1 has no SystemCallFilter="
	python3 - "$ROOT/lib/systemd/system/$1" >"$2" <<'PY' || fail "unable to expand the filter of $1"
import functools, subprocess, sys

@functools.lru_cache(None)
def expand(name):
    if not name.startswith("@"):
        return frozenset([name])
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager", name],
                         capture_output=True, text=True, check=True).stdout
    calls = set()
    for line in out.splitlines()[1:]:
        line = line.strip()
        if line and not line.startswith("#"):
            calls |= expand(line)
    return frozenset(calls)

allow, deny = set(), set()
for line in open(sys.argv[1]):
    if line.startswith("SystemCallFilter="):
        value = line.split("=", 1)[1].strip()
        target = deny if value.startswith("~") else allow
        for word in value.lstrip("~").split():
            target |= expand(word)
if not allow:
    sys.exit("no allow-list")
print("\n".join(sorted(allow - deny)))
PY
	[ "$(wc -l <"$2")" -gt 100 ] || fail "$1's filter allows almost nothing: $(wc -l <"$2")"
}
