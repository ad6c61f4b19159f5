# Sourced after tests/setup.sh by the tests that start a real web server:
# finding the server, starting `hookspool.fcgi --listen`, and the checks
# every set-up must pass.

# find_prog NAME: the path of a server binary (sbin is often not on PATH).
find_prog() {
	for d in $(printf '%s' "$PATH" | tr ':' ' ') /usr/local/sbin /usr/sbin /sbin; do
		if [ -x "$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	return 1
}

# need_file PATH WHAT: skip unless PATH exists.
need_file() {
	[ -e "$1" ] || skip "$2 is not installed ($1 is missing)"
}

# wait_socket PATH: until the unix socket exists; hookspool.fcgi listens
# on it right after creating it.
wait_socket() {
	wait_until "nothing listens on $1" test -S "$1"
}

# wait_file PATH: until it exists and is not empty, e.g. a pid file.
wait_file() {
	wait_until "$1 did not appear" test -s "$1"
}

# wait_gone PID: until the process has exited (10 s); 1 if it has not.
wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || return 1
		sleep 0.1
	done
}

# start_listen SPEC [ARG...]: run `hookspool.fcgi --listen SPEC ARG...` in
# the background with HOOKSPOOL_CONFIG=$LISTEN_CONFIG (default: the test
# config) in its environment; sets LISTEN_PID.
start_listen() {
	# shellcheck disable=SC2086
	HOOKSPOOL_CONFIG=${LISTEN_CONFIG:-$CONF} $LISTEN_AS "$FCGI" --listen "$@" \
	    2>>"$T/listen.log" &
	LISTEN_PID=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $LISTEN_PID"
}

# check_setup URL: what every set-up must do. A signed event is accepted
# and spooled byte for byte (which also proves that x-protocol-signature
# reached the responder as HTTP_X_PROTOCOL_SIGNATURE); a bad signature
# answers 401 and a 2 MB body 413, and neither spools anything.
check_setup() {
	url=$1
	id=evt-$$-$(date +%s%N)
	event "$id" >"$T/good.json"
	http_post "$url" "$T/good.json"
	assert_eq "signed event: status" 200 "$STATUS"
	grep -q "^{\"status\":\"accepted\",\"id\":\"$id\"}" "$T/http.out" ||
	    fail "signed event: unexpected answer: $(cat "$T/http.out")"
	ok "signed event: answer"
	assert_eq "signed event: spooled" 1 "$(count new)"
	line=$(cat "$SPOOL"/new/*)
	case $line in
	*"\"webhook\":\"protocol\",\"id\":\"$id\","*"\"event\":$(cat "$T/good.json")}")
		ok "signed event: the body's bytes are the event" ;;
	*)
		fail "signed event: unexpected spool line: $line" ;;
	esac

	event "$id-bad" >"$T/bad.json"
	STATUS=$(curl -s -o "$T/http.out" -w '%{http_code}' \
	    -H "x-protocol-signature: $(printf '%064d' 0)" \
	    --data-binary "@$T/bad.json" "$url") || STATUS=000
	assert_eq "bad signature: status" 401 "$STATUS"
	assert_eq "bad signature: nothing spooled" 1 "$(count new)"

	head -c 2097152 /dev/zero | tr '\0' ' ' >"$T/big.json"
	http_post "$url" "$T/big.json"
	assert_eq "2 MB body: status" 413 "$STATUS"
	grep -q '"body too large"' "$T/http.out" ||
	    fail "2 MB body: the 413 is not hookspool's: $(head -c 300 "$T/http.out")"
	ok "2 MB body: hookspool answered"
	assert_eq "2 MB body: nothing spooled" 1 "$(count new)"
}

# The user and group web servers run as when started by root (Debian's),
# and the user hookspool.fcgi --listen runs as in these tests: its own
# user, in the web server's group, as README.md advises.
WEB_USER=www-data
WEB_GROUP=www-data
LISTEN_USER=nobody

# for_web_user PATH...: let the web server's user (which runs the
# responder under mod_cgi and mod_fcgid) own PATH, when we are root.
for_web_user() {
	[ "$(id -u)" -eq 0 ] || return 0
	chown -R "$WEB_USER:$WEB_GROUP" "$@" || fail "unable to chown $*"
}

# for_listen_user PATH...: the same for the user of hookspool.fcgi --listen.
for_listen_user() {
	[ "$(id -u)" -eq 0 ] || return 0
	chown -R "$LISTEN_USER:$WEB_GROUP" "$@" || fail "unable to chown $*"
}

# LISTEN_AS: the words that run a command as LISTEN_USER in WEB_GROUP, when
# we are root (empty otherwise); setpriv execs, so $! stays the command's.
LISTEN_AS=
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is missing"
	LISTEN_AS="setpriv --reuid=$LISTEN_USER --regid=$WEB_GROUP --clear-groups"
fi

# need_apache MODULE...: skip unless apache2 and these modules exist;
# sets APACHE and APACHE_MODULES.
need_apache() {
	APACHE=$(find_prog apache2) || APACHE=$(find_prog httpd) ||
	    skip "Apache (apache2) is not installed"
	APACHE_MODULES=/usr/lib/apache2/modules
	for m in "$@"; do
		need_file "$APACHE_MODULES/mod_$m.so" "Apache's mod_$m"
	done
	if [ "$(id -u)" -eq 0 ]; then
		id "$WEB_USER" >/dev/null 2>&1 || skip "no user $WEB_USER to run Apache as"
	fi
}

# start_apache SNIPPET [-D NAME]...: start Apache in the foreground from
# copies of apache/apache2.conf and SNIPPET (a copy already substituted),
# on HTTP_PORT; everything it writes goes into $T.
start_apache() {
	site=$1
	shift
	HTTP_PORT=$(free_port)
	mkdir -p "$T/www"
	rm -f "$T/apache2.pid"
	substitute "$top_srcdir/apache/apache2.conf" "$T/apache2.conf" \
	    state_dir="$T" http_port="$HTTP_PORT" \
	    apache_modules="$APACHE_MODULES" hookspool_site="$site"
	"$APACHE" -t -f "$T/apache2.conf" "$@" >"$T/apache-check.log" 2>&1 ||
	    fail "Apache refuses the config: $(cat "$T/apache-check.log")"
	"$APACHE" -f "$T/apache2.conf" -DFOREGROUND "$@" \
	    2>>"$T/apache2-stderr.log" &
	APACHE_PID=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $APACHE_PID"
	wait_port "$HTTP_PORT"
}

# stop_apache: stop it and wait until it has gone.
stop_apache() {
	kill "$APACHE_PID" 2>/dev/null || :
	wait_gone "$APACHE_PID" || fail "Apache did not stop"
}

# A FastCGI client written by hand, for requests no web server would send
# (a late or stalled body, parameters of our choosing).

# fcgi_header TYPE LENGTH: a FastCGI record header for request 1 on fd 3.
fcgi_header() {
	# shellcheck disable=SC2059
	printf "$(printf '\\x01\\x%02x\\x00\\x01\\x%02x\\x%02x\\x00\\x00' \
	    "$1" $(($2 >> 8)) $(($2 & 255)))" >&3
}

# fcgi_begin BODYFILE [NAME=VALUE...]: open fd 3 to FCGI_PORT and send a
# responder's BEGIN_REQUEST and the parameters of a POST of BODYFILE,
# signed with the test secret (or FCGI_SIGNATURE when set), and any more
# given (each name and value under 128 bytes).
fcgi_begin() {
	body=$1
	shift
	exec 3<>"/dev/tcp/127.0.0.1/$FCGI_PORT" || fail "unable to connect"
	fcgi_header 1 8
	printf '\000\001\000\000\000\000\000\000' >&3
	: >"$T/params"
	for kv in GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1 \
	    "CONTENT_LENGTH=$(wc -c <"$body" | tr -d ' ')" \
	    "HTTP_X_PROTOCOL_SIGNATURE=${FCGI_SIGNATURE:-$(sign "$body")}" \
	    "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		[ "${#k}" -lt 128 ] && [ "${#v}" -lt 128 ] ||
		    fail "fcgi_begin: $k is too long for this client"
		printf "\\x$(printf %02x ${#k})\\x$(printf %02x ${#v})%s%s" \
		    "$k" "$v" >>"$T/params"
	done
	fcgi_header 4 "$(wc -c <"$T/params")"
	cat "$T/params" >&3
	fcgi_header 4 0
}

# fcgi_post BODYFILE [NAME=VALUE...]: the whole request on fd 3; the
# response (raw records) goes to $T/fcgi.out, and fd 3 is closed.
fcgi_post() {
	fcgi_begin "$@"
	fcgi_stdin "$1"
	fcgi_stdin ""
	timeout 10 cat <&3 >"$T/fcgi.out" || :
	exec 3<&-
}

# fcgi_stdin FILE: FILE (under 64 KiB) as one STDIN record; "" ends it.
fcgi_stdin() {
	if [ -z "$1" ]; then
		fcgi_header 5 0
		return
	fi
	fcgi_header 5 "$(wc -c <"$1")"
	cat "$1" >&3
}

# replace FILE SHIPPED NEW: every SHIPPED (a fixed string) becomes NEW.
replace() {
	grep -qF "$2" "$1" || fail "$1 no longer holds $2"
	old=$(printf '%s' "$2" | sed 's/[].[*^$|\\/]/\\&/g')
	new=$(printf '%s' "$3" | sed 's/[&|\\]/\\&/g')
	sed -i "s|$old|$new|g" "$1"
}

# start_nginx SOCKET [SNIPPET]: nginx on HTTP_PORT from copies of
# nginx/nginx.conf and SNIPPET (default nginx/hookspool.conf), in front of
# hookspool.fcgi --listen SOCKET. nginx has no variables for paths, so the
# shipped default paths and port are replaced, each checked to be present
# first.
start_nginx() {
	NGINX=$(find_prog nginx) || skip "nginx is not installed"
	PARAMS=
	for d in /etc/nginx /usr/local/etc/nginx /usr/local/nginx/conf; do
		[ -f "$d/fastcgi_params" ] && PARAMS=$d/fastcgi_params && break
	done
	[ -n "$PARAMS" ] || skip "nginx's fastcgi_params is not installed"
	mkdir -p "$T/nginx"
	HTTP_PORT=$(free_port)
	cp "$top_srcdir/nginx/nginx.conf" "$PARAMS" "$T/nginx/"
	cp "${2:-$top_srcdir/nginx/hookspool.conf}" "$T/nginx/hookspool.conf"
	replace "$T/nginx/nginx.conf" /var/lib/hookspool-demo "$T"
	replace "$T/nginx/nginx.conf" 127.0.0.1:8082 "127.0.0.1:$HTTP_PORT"
	replace "$T/nginx/hookspool.conf" /run/hookspool/hookspool.sock "$1"
	"$NGINX" -t -e "$T/nginx-error.log" -c "$T/nginx/nginx.conf" \
	    >"$T/nginx-check.log" 2>&1 ||
	    fail "nginx refuses the config: $(cat "$T/nginx-check.log")"
	"$NGINX" -e "$T/nginx-error.log" -c "$T/nginx/nginx.conf" \
	    -g 'daemon off;' 2>>"$T/nginx-stderr.log" &
	CLEANUP_PIDS="$CLEANUP_PIDS $!"
	wait_port "$HTTP_PORT"
}
