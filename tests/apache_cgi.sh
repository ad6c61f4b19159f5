#!/bin/sh
# Apache with mod_cgi(d), as on shared hosting: the binary in a folder of
# the web site with hookspool.conf beside it and apache/htaccess as its
# .htaccess; no HOOKSPOOL_CONFIG anywhere (suEXEC would drop it), so the
# responder must find the config beside itself. Started on loopback from
# copies of the shipped files (only paths and the port changed).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

need_apache mpm_event authz_core alias env cgid proxy proxy_fcgi

HOOKS=$T/hooks
mkdir "$HOOKS" "$SPOOL"
CONF=$HOOKS/hookspool.conf
make_conf
cp "$FCGI" "$HOOKS/hookspool.fcgi"
cp "$top_srcdir/apache/htaccess" "$HOOKS/.htaccess"
chmod 700 "$SPOOL"
chmod 600 "$CONF"
for_web_user "$HOOKS" "$SPOOL" "$SECRET_FILE"
substitute "$top_srcdir/apache/hookspool-cgi.conf" "$T/hookspool-cgi.conf" \
    hookspool_dir="$HOOKS"
start_apache "$T/hookspool-cgi.conf"

URL=http://127.0.0.1:$HTTP_PORT/hooks/hookspool.fcgi
check_setup "$URL"

# The .htaccess refuses to serve the config beside the binary.
STATUS=$(curl -s -o "$T/http.out" -w '%{http_code}' \
    "http://127.0.0.1:$HTTP_PORT/hooks/hookspool.conf") || STATUS=000
assert_eq "hookspool.conf is not served" 403 "$STATUS"
grep -q secret_file "$T/http.out" && fail "the config was served"
ok "the config's content stays private"
echo 'a key put here by mistake' >"$HOOKS/protocol.key"
for_web_user "$HOOKS/protocol.key"
STATUS=$(curl -s -o "$T/http.out" -w '%{http_code}' \
    "http://127.0.0.1:$HTTP_PORT/hooks/protocol.key") || STATUS=000
assert_eq "a .key file beside it is not served" 403 "$STATUS"

# A query string without "=" becomes the CGI program's arguments (RFC
# 3875, 4.4): it must not choose the config (and with it the secret), nor
# turn the request into a listener.
EVIL=$T/evil
mkdir "$EVIL"
printf 'spool = %s/spool\n[webhook protocol]\nsecret = attacker\n' "$EVIL" \
    >"$EVIL/evil.conf"
chmod -R a+rwX "$EVIL"
event "evt-$$-evil" >"$T/evil.json"
EVIL_SIG=$(printf attacker | "$HOOKSPOOL" sign --secret-file - "$T/evil.json")
STATUS=$(curl -s -o "$T/http.out" -w '%{http_code}' --max-time 20 \
    -H "x-protocol-signature: $EVIL_SIG" --data-binary @"$T/evil.json" \
    "$URL?-c+$EVIL/evil.conf") || STATUS=000
assert_eq "a query string naming another config: its secret is refused" \
    401 "$STATUS"
[ ! -e "$EVIL/spool" ] || fail "the query's config was used: $EVIL/spool exists"
ok "the query's config was not used"
STATUS=$(curl -s -o "$T/http.out" -w '%{http_code}' --max-time 20 \
    -H "x-protocol-signature: $EVIL_SIG" --data-binary @"$T/evil.json" \
    "$URL?--listen+127.0.0.1:1") || STATUS=000
assert_eq "a query string asking to listen is answered as a request" 401 \
    "$STATUS"
ok "query-string arguments are ignored"

# PATH_INFO: a webhook with a path is reached below the binary's URL.
make_conf -- 'path = /protocol'
event "evt-$$-path" >"$T/path.json"
http_post "$URL/protocol" "$T/path.json"
assert_eq "PATH_INFO reaches the responder" 200 "$STATUS"
