#!/bin/sh
# Apache with mod_fcgid (apache/hookspool-fcgid.conf), started on loopback
# from copies of the shipped files (only paths and the port changed).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

need_apache mpm_event authz_core alias env cgid proxy proxy_fcgi fcgid

make_conf
mkdir "$SPOOL"
for_web_user "$SPOOL" "$SECRET_FILE"
# Apache's user must reach the binary: a build folder below a private home
# (/root/...) is out of its reach, so it runs from a copy, as when installed.
mkdir -m 755 "$T/bin"
cp "$FCGI" "$T/bin/hookspool.fcgi"
substitute "$top_srcdir/apache/hookspool-fcgid.conf" "$T/hookspool-fcgid.conf" \
    hookspool_bin="$T/bin/hookspool.fcgi" hookspool_conf="$CONF"
start_apache "$T/hookspool-fcgid.conf"

check_setup "http://127.0.0.1:$HTTP_PORT/hookspool"

# PATH_INFO: a webhook with a path is reached below /hookspool.
make_conf -- 'path = /protocol'
http_post "http://127.0.0.1:$HTTP_PORT/hookspool" "$T/good.json"
assert_eq "no webhook at / once it has a path" 404 "$STATUS"
event "evt-$$-path" >"$T/path.json"
http_post "http://127.0.0.1:$HTTP_PORT/hookspool/protocol" "$T/path.json"
assert_eq "PATH_INFO reaches the responder" 200 "$STATUS"
