#!/bin/sh
# Apache with mod_proxy_fcgi (apache/hookspool-proxy-fcgi.conf) in front of
# `hookspool.fcgi --listen`, over a unix socket and then over TCP on
# 127.0.0.1, started on loopback from copies of the shipped files (only
# paths and ports changed). hookspool.fcgi runs as its own user in the
# web server's group, as README.md advises, so the socket's mode is put to
# the test too.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

need_apache mpm_event authz_core alias env cgid proxy proxy_fcgi

make_conf
mkdir "$SPOOL" "$T/run"
for_listen_user "$SPOOL" "$SECRET_FILE" "$T/run"
SOCK=$T/run/hookspool.sock
FCGI_PORT=$(free_port)
substitute "$top_srcdir/apache/hookspool-proxy-fcgi.conf" \
    "$T/hookspool-proxy-fcgi.conf" hookspool_socket="$SOCK" \
    hookspool_port="$FCGI_PORT"

# Over the unix socket; the config is the process's own (-c), as the
# README runs it.
LISTEN_CONFIG=$T/nonexistent.conf start_listen "$SOCK" -c "$CONF"
wait_socket "$SOCK"
assert_eq "socket mode" "660" "$(stat -c %a "$SOCK")"
start_apache "$T/hookspool-proxy-fcgi.conf"
check_setup "http://127.0.0.1:$HTTP_PORT/hookspool"

make_conf -- 'path = /protocol'
event "evt-$$-path" >"$T/path.json"
http_post "http://127.0.0.1:$HTTP_PORT/hookspool/protocol" "$T/path.json"
assert_eq "PATH_INFO reaches the responder" 200 "$STATUS"

stop_apache
kill "$LISTEN_PID"
wait_gone "$LISTEN_PID" || fail "hookspool.fcgi --listen did not stop on TERM"
[ -e "$SOCK" ] && fail "the socket is left behind after TERM"
ok "the socket is removed on exit"

# Over TCP on 127.0.0.1.
rm -rf "$SPOOL"/new/*
make_conf
start_listen "127.0.0.1:$FCGI_PORT"
wait_port "$FCGI_PORT"
start_apache "$T/hookspool-proxy-fcgi.conf" -D hookspool_tcp
check_setup "http://127.0.0.1:$HTTP_PORT/hookspool"
