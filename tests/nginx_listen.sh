#!/bin/sh
# nginx in front of `hookspool.fcgi --listen` on a unix socket, started on
# loopback from copies of nginx/nginx.conf and nginx/hookspool.conf. nginx
# has no variables for paths in its configuration, so the shipped default
# paths and port are replaced here, each checked to be present first.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

NGINX=$(find_prog nginx) || skip "nginx is not installed"
PARAMS=
for d in /etc/nginx /usr/local/etc/nginx /usr/local/nginx/conf; do
	[ -f "$d/fastcgi_params" ] && PARAMS=$d/fastcgi_params && break
done
[ -n "$PARAMS" ] || skip "nginx's fastcgi_params is not installed"

# replace FILE SHIPPED NEW: every SHIPPED (a fixed string) becomes NEW.
replace() {
	grep -qF "$2" "$1" || fail "$1 no longer holds $2"
	old=$(printf '%s' "$2" | sed 's/[].[*^$|\\/]/\\&/g')
	new=$(printf '%s' "$3" | sed 's/[&|\\]/\\&/g')
	sed -i "s|$old|$new|g" "$1"
}

make_conf
mkdir "$SPOOL" "$T/run" "$T/nginx"
for_listen_user "$SPOOL" "$SECRET_FILE" "$T/run"
SOCK=$T/run/hookspool.sock
HTTP_PORT=$(free_port)
cp "$top_srcdir/nginx/nginx.conf" "$top_srcdir/nginx/hookspool.conf" \
    "$PARAMS" "$T/nginx/"
replace "$T/nginx/nginx.conf" /var/lib/hookspool-demo "$T"
replace "$T/nginx/nginx.conf" 127.0.0.1:8082 "127.0.0.1:$HTTP_PORT"
replace "$T/nginx/hookspool.conf" /run/hookspool/hookspool.sock "$SOCK"

# The config is the process's own (-c), as the README runs it.
LISTEN_CONFIG=$T/nonexistent.conf start_listen "$SOCK" -c "$CONF"
wait_socket "$SOCK"

"$NGINX" -t -e "$T/nginx-error.log" -c "$T/nginx/nginx.conf" \
    >"$T/nginx-check.log" 2>&1 ||
    fail "nginx refuses the config: $(cat "$T/nginx-check.log")"
"$NGINX" -e "$T/nginx-error.log" -c "$T/nginx/nginx.conf" -g 'daemon off;' \
    2>>"$T/nginx-stderr.log" &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
wait_port "$HTTP_PORT"

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
