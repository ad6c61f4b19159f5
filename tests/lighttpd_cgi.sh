#!/bin/sh
# lighttpd with mod_cgi: lighttpd.conf with hookspool-cgi.conf in place of
# hookspool-fastcgi.conf, started on loopback from copies of the shipped
# files (only paths and the port changed).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

LIGHTTPD=$(find_prog lighttpd) || skip "lighttpd is not installed"

make_conf
PORT=$(free_port)
mkdir "$T/lighttpd" "$T/www"
cp "$top_srcdir/lighttpd/lighttpd.conf" "$T/lighttpd.conf.shipped"
substitute "$T/lighttpd.conf.shipped" "$T/lighttpd/lighttpd.conf" \
    state_dir="$T/www" http_port="$PORT"
# the shipped lighttpd.conf includes the FastCGI snippet; this set-up is
# the CGI one
grep -q '^include "hookspool-fastcgi.conf"$' "$T/lighttpd/lighttpd.conf" ||
    fail "lighttpd.conf no longer includes hookspool-fastcgi.conf"
sed -i 's|^include "hookspool-fastcgi.conf"$|include "hookspool-cgi.conf"|' \
    "$T/lighttpd/lighttpd.conf"
substitute "$top_srcdir/lighttpd/hookspool-cgi.conf" \
    "$T/lighttpd/hookspool-cgi.conf" hookspool_bin="$FCGI" hookspool_conf="$CONF"

if ! "$LIGHTTPD" -tt -f "$T/lighttpd/lighttpd.conf" >"$T/lighttpd-check.log" 2>&1; then
	grep -qi 'mod_cgi' "$T/lighttpd-check.log" &&
	    skip "lighttpd has no mod_cgi: $(head -n 1 "$T/lighttpd-check.log")"
	fail "lighttpd refuses the config: $(cat "$T/lighttpd-check.log")"
fi
"$LIGHTTPD" -D -f "$T/lighttpd/lighttpd.conf" 2>>"$T/lighttpd-stderr.log" &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
wait_port "$PORT"

check_setup "http://127.0.0.1:$PORT/hookspool"

# PATH_INFO: a webhook with a path is reached below /hookspool.
make_conf -- 'path = /protocol'
http_post "http://127.0.0.1:$PORT/hookspool" "$T/good.json"
assert_eq "no webhook at / once it has a path" 404 "$STATUS"
event "evt-$$-path" >"$T/path.json"
http_post "http://127.0.0.1:$PORT/hookspool/protocol" "$T/path.json"
assert_eq "PATH_INFO reaches the responder" 200 "$STATUS"
