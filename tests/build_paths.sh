#!/bin/bash
# The configured folders reach the programs and the installed examples:
# a build configured again with another --prefix (or --sysconfdir) and
# made again, without make clean, reads its config from the new folder,
# and make install writes examples that name the folders it installs to.
. "$top_srcdir/tests/setup.sh"

b=$T/build
mkdir "$b"
configure() {
	(cd "$b" && "$top_srcdir/configure" -q "$@" >"$T/configure.log" 2>&1) ||
	    fail "configure $*: $(tail -n 5 "$T/configure.log")"
}
build() {
	make -C "$b" -j2 src/hookspool >"$T/make.log" 2>&1 ||
	    fail "make: $(tail -n 20 "$T/make.log")"
}
# where CONFIG: the config path the built hookspool falls back to
where() {
	env -u HOOKSPOOL_CONFIG "$b/src/hookspool" status 2>&1 |
	    sed -n 's/^hookspool status: \(.*\): unable to open: .*/\1/p'
}

configure --prefix="$T/one"
build
assert_eq "the first build's config" "$T/one/etc/hookspool.conf" "$(where)"
configure --prefix="$T/two" --sysconfdir="$T/etc-two"
build
assert_eq "built again after configure, without make clean" \
    "$T/etc-two/hookspool.conf" "$(where)"

make -C "$b" -j2 >"$T/make.log" 2>&1 || fail "make: $(tail -n 20 "$T/make.log")"
make -C "$b" install DESTDIR="$T/dest" >"$T/install.log" 2>&1 ||
    fail "make install: $(tail -n 20 "$T/install.log")"
ex=$T/dest$T/two/share/doc/hookspool/examples
grep -q "^var.hookspool_bin *= \"$T/two/bin/hookspool.fcgi\"" "$ex/lighttpd/hookspool-fastcgi.conf" &&
    grep -q "^var.hookspool_conf *= \"$T/etc-two/hookspool.conf\"" "$ex/lighttpd/hookspool-fastcgi.conf" &&
    grep -q "^Define hookspool_bin  $T/two/bin/hookspool.fcgi" "$ex/apache/hookspool-fcgid.conf" ||
    fail "the installed examples name other folders: $(grep -h 'hookspool_bin\|hookspool_conf' "$ex"/*/*.conf)"
grep -rq /usr/local "$ex" && fail "an installed example still names /usr/local"
ok "the installed examples name the folders installed to"
man=$T/dest$T/two/share/man
for page in man1/hookspool.1 man5/hookspool.conf.5 man8/hookspool.fcgi.8; do
	[ "$page" = man8/hookspool.fcgi.8 ] ||	# it refers to hookspool.conf(5)
	    grep -q "$T/etc-two/hookspool.conf" "$man/$page" ||
	    fail "the installed $page does not name the config this build reads"
	grep -q '[^/a-z]/etc/hookspool\.conf' "$man/$page" &&
	    fail "the installed $page still names /etc/hookspool.conf: $(grep -n '[^/a-z]/etc/hookspool\.conf' "$man/$page")"
done
ok "the installed man pages name the config this build reads"
