#!/bin/sh
# nginx in front of `hookspool.fcgi --listen` on a unix socket, started on
# loopback from copies of nginx/nginx.conf and nginx/hookspool.conf. nginx
# has no variables for paths in its configuration, so the shipped default
# paths and port are replaced here, each checked to be present first.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

make_conf
mkdir "$SPOOL" "$T/run"
for_listen_user "$SPOOL" "$SECRET_FILE" "$T/run"
SOCK=$T/run/hookspool.sock
# The config is the process's own (-c), as the README runs it.
LISTEN_CONFIG=$T/nonexistent.conf start_listen "$SOCK" -c "$CONF"
wait_socket "$SOCK"
start_nginx "$SOCK"

check_setup "http://127.0.0.1:$HTTP_PORT/hookspool"

make_conf -- 'path = /protocol'
event "evt-$$-path" >"$T/path.json"
http_post "http://127.0.0.1:$HTTP_PORT/hookspool/protocol" "$T/path.json"
assert_eq "PATH_INFO reaches the responder" 200 "$STATUS"
http_post "http://127.0.0.1:$HTTP_PORT/hookspoolprotocol" "$T/path.json"
assert_eq "only /hookspool and below go to hookspool" 404 "$STATUS"
grep -q '"no webhook here"' "$T/http.out" &&
    fail "/hookspoolprotocol reached hookspool"
ok "/hookspoolprotocol stays with nginx"
