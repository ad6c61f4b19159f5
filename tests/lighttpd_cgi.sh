#!/bin/sh
# lighttpd with mod_cgi: the shipped lighttpd.conf with its snippet set to
# hookspool-cgi.conf, started on loopback from copies of the shipped files
# (only paths and the port changed).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

make_conf
start_lighttpd hookspool-cgi.conf "$FCGI"

check_setup "http://127.0.0.1:$LIGHTTPD_PORT/hookspool"

# PATH_INFO: a webhook with a path is reached below /hookspool.
make_conf -- 'path = /protocol'
http_post "http://127.0.0.1:$LIGHTTPD_PORT/hookspool" "$T/good.json"
assert_eq "no webhook at / once it has a path" 404 "$STATUS"
event "evt-$$-path" >"$T/path.json"
http_post "http://127.0.0.1:$LIGHTTPD_PORT/hookspool/protocol" "$T/path.json"
assert_eq "PATH_INFO reaches the responder" 200 "$STATUS"
