# Sourced by every integration test: a scratch folder, a config, a secret,
# helpers to sign and post, and cleanup of whatever the test started.
set -eu

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=$(cd "$top_srcdir" && pwd)
FCGI=$top_builddir/fcgi/hookspool.fcgi
HOOKSPOOL=$top_builddir/src/hookspool

T=$(mktemp -d "${TMPDIR:-/tmp}/hookspool-test.XXXXXX")
chmod 755 "$T"
CLEANUP_PIDS=
CLEANUP_CMDS=

cleanup() {
	rc=$?
	for cmd in $CLEANUP_CMDS; do
		"$cmd" || :
	done
	for pid in $CLEANUP_PIDS; do
		kill "$pid" 2>/dev/null || :
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		for f in "$T"/*.log; do
			[ -s "$f" ] || continue
			echo "--- $f"
			tail -n 40 "$f"
		done
	fi
	for port in "$T"/.port.*; do
		[ -L "$port" ] && rm -rf "$(readlink "$port")"
	done
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A test that cannot run here exits 77; CI sets HOOKSPOOL_NO_SKIP=1, where
# nothing may be skipped.
skip() {
	if [ "${HOOKSPOOL_NO_SKIP:-}" = 1 ]; then
		echo "FAIL: cannot skip in CI: $*" >&2
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() {
	echo "ok: $*"
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	ok "$1"
}

# The demo secret and a config; extra lines go into the webhook section.
SECRET_FILE=$T/protocol.key
printf 'whsec-test-%s\n' "$$" >"$SECRET_FILE"
chmod 600 "$SECRET_FILE"
SPOOL=$T/spool
CONF=$T/hookspool.conf

# make_conf [LINE...]: global settings first (lines before a "--"), then the
# webhook section; e.g. make_conf max_body=64k -- 'events = message.*'
make_conf() {
	{
		echo "spool = $SPOOL"
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			echo "$1"
			shift
		done
		[ $# -gt 0 ] && shift
		echo "[webhook protocol]"
		echo "secret_file = $SECRET_FILE"
		for line in "$@"; do
			echo "$line"
		done
	} >"$CONF"
}

# sign FILE: the hex HMAC-SHA256 of FILE under the test secret.
sign() {
	"$HOOKSPOOL" sign --secret-file "$SECRET_FILE" "$1"
}

# event ID [TYPE]: a body like the seed's example on stdout.
event() {
	printf '{"id":"%s","type":"%s","payload":{"id":"WAz8eIbvDR60rouK"}}' \
	    "$1" "${2:-conversation.updated}"
}

# count FOLDER: files in SPOOL/FOLDER.
count() {
	find "$SPOOL/$1" -type f 2>/dev/null | wc -l | tr -d ' '
}

# cgi_post BODYFILE [VAR=VALUE...]: run the responder as a CGI program for
# one POST of BODYFILE, signed, unless the extra variables say otherwise.
# Sets STATUS, and leaves the headers and body in $T/cgi.out. A responder
# still running after CGI_TIMEOUT seconds (default 120) gets TERM, and KILL
# 5 s later, and the test fails: no wait of the responder hangs a test.
cgi_post() {
	body=$1
	shift
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 \
	    HOOKSPOOL_CONFIG="$CONF" REQUEST_METHOD=POST \
	    CONTENT_LENGTH="$(wc -c <"$body" | tr -d ' ')" \
	    HTTP_X_PROTOCOL_SIGNATURE="$(sign "$body")" \
	    REMOTE_ADDR=127.0.0.1 SERVER_PROTOCOL=HTTP/1.1 \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	    ${LD_PRELOAD:+LD_PRELOAD="$LD_PRELOAD"} \
	    ${HOOKSPOOL_FAULT:+HOOKSPOOL_FAULT="$HOOKSPOOL_FAULT"} \
	    "$@" timeout -k 5 "${CGI_TIMEOUT:-120}" "$FCGI" <"$body" >"$T/cgi.out" \
	    2>>"$T/cgi-stderr.log" ||
	    fail "the responder exited $? (see cgi-stderr.log)"
	STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/cgi.out")
}

# wait_until WHAT CMD...: run CMD every tenth of a second until it
# succeeds; after WAIT_TRIES tries (100: ten seconds), fail saying WHAT.
wait_until() {
	what=$1
	shift
	i=0
	until "$@"; do
		i=$((i + 1))
		[ "$i" -lt "${WAIT_TRIES:-100}" ] || fail "$what"
		sleep 0.1
	done
}

# port_open PORT: whether something listens on 127.0.0.1:PORT.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on, below the
# kernel's range for outgoing connections (so no client socket holds it),
# and reserved for this test (tests run in parallel): a folder per port in
# PORTS_DIR, made with mkdir, which succeeds once; freed at cleanup, and
# swept when older than an hour.
PORTS_DIR=${TMPDIR:-/tmp}/hookspool-test-ports
free_port() {
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null) || low=32768
	[ "${low:-0}" -gt 12000 ] || low=32768
	mkdir -p "$PORTS_DIR"
	find "$PORTS_DIR" -mindepth 1 -maxdepth 1 -mmin +60 -exec rm -rf {} + 2>/dev/null || :
	while :; do
		port=$((10000 + RANDOM % (low - 10000)))
		port_open "$port" && continue
		mkdir "$PORTS_DIR/$port" 2>/dev/null || continue
		# callers run this in a subshell: the note of what to free at
		# cleanup goes into $T
		ln -s "$PORTS_DIR/$port" "$T/.port.$port"
		echo "$port"
		return
	done
}

# wait_port PORT: until something listens on it.
wait_port() {
	wait_until "nothing listens on port $1" port_open "$1"
}

# http_post URL BODYFILE [curl args...]: POST it signed. Sets STATUS; the
# response body is in $T/http.out and its headers in $T/http.hdr.
http_post() {
	url=$1
	body=$2
	shift 2
	STATUS=$(curl -s -o "$T/http.out" -D "$T/http.hdr" -w '%{http_code}' \
	    -H "x-protocol-signature: $(sign "$body")" \
	    -H 'Content-Type: application/json' \
	    --data-binary "@$body" "$@" "$url") || STATUS=000
}

# substitute SRC DEST NAME=VALUE...: copy a shipped config, setting each
# named path or port: a lighttpd line "var.NAME = ..." or an Apache line
# "Define NAME ...". Everything else stays as shipped.
substitute() {
	src=$1
	dest=$2
	shift 2
	cp "$src" "$dest"
	for kv in "$@"; do
		k=${kv%%=*}
		v=$(printf '%s' "${kv#*=}" | sed 's/[&|\\]/\\&/g')
		case $v in
		*[!0-9]* | "") q='"' ;;
		*) q= ;;
		esac
		grep -Eq "^[[:space:]]*(var\.$k[[:space:]]*=|Define[[:space:]]+$k[[:space:]])" "$dest" ||
		    fail "$src has no setting $k"
		sed -i -E -e "s|^([[:space:]]*var\.$k[[:space:]]*=[[:space:]]*).*|\1$q$v$q|" \
		    -e "s|^([[:space:]]*Define[[:space:]]+$k[[:space:]]+).*|\1$v|" "$dest"
	done
}

# start_lighttpd SNIPPET BIN: lighttpd from the shipped lighttpd.conf and
# lighttpd/SNIPPET (hookspool-fastcgi.conf or hookspool-cgi.conf), copied
# into $T/lighttpd with only paths and the port set, in front of BIN with
# $CONF. Sets URL; the error log is $T/lighttpd/lighttpd-error.log.
start_lighttpd() {
	command -v lighttpd >/dev/null ||
	    skip "lighttpd is not installed (apt-get install lighttpd)"
	mkdir -p "$T/lighttpd"
	LIGHTTPD_PORT=$(free_port)
	substitute "$top_srcdir/lighttpd/lighttpd.conf" "$T/lighttpd/lighttpd.conf" \
	    state_dir="$T/lighttpd" http_port="$LIGHTTPD_PORT" \
	    hookspool_snippet="$1"
	snippet=$1
	set -- hookspool_bin="$2" hookspool_conf="$CONF"
	if grep -q '^var.hookspool_socket' "$top_srcdir/lighttpd/$snippet"; then
		set -- "$@" hookspool_socket="$T/lighttpd/hookspool.sock"
	fi
	substitute "$top_srcdir/lighttpd/$snippet" "$T/lighttpd/$snippet" "$@"
	(cd "$T/lighttpd" && lighttpd -f lighttpd.conf) ||
	    fail "lighttpd did not start"
	CLEANUP_CMDS="$CLEANUP_CMDS stop_lighttpd"
	wait_port "$LIGHTTPD_PORT"
	URL=http://127.0.0.1:$LIGHTTPD_PORT/hookspool
}
stop_lighttpd() {
	[ -f "$T/lighttpd/lighttpd.pid" ] && kill "$(cat "$T/lighttpd/lighttpd.pid")"
	sleep 0.2
}

# summary_count LOG VERB WHAT: the number before WHAT ("added",
# "duplicates", "done", "released", ...) in the last summary line of VERB
# (drain, forward, consume) in LOG; 0 when that line does not name it.
# Fails when LOG has no summary line.
summary_count() {
	local line
	line=$(grep "^hookspool $2: " "$1" | tail -n 1)
	[ -n "$line" ] || fail "no $2 summary line in $1: $(tail -n 5 "$1")"
	printf '%s\n' "$line" | sed -n "s/.*[:,] \([0-9][0-9]*\) $3\([,;]\|\$\| \).*/\1/p" |
	    grep . || echo 0
}

# post ID [TYPE [VAR=VALUE...]]: one signed event through the responder
# run as CGI; it must be accepted.
post() {
	local id=$1 type
	type=${2:-conversation.updated}
	shift
	[ $# -gt 0 ] && shift
	event "$id" "$type" >"$T/body"
	cgi_post "$T/body" "$@"
	[ "$STATUS" = 200 ] || fail "posting $id answered $STATUS"
}

# post_many PREFIX FROM TO: post PREFIX-FROM .. PREFIX-TO (numbers in
# a fixed width, so that names sort as they were posted).
post_many() {
	local i
	for i in $(seq -f '%04g' "$2" "$3"); do
		post "$1-$i"
	done
}

# at_least N CMD...: whether CMD prints a number of N or more, run anew
# at each call (for wait_until).
at_least() {
	local n=$1 v
	shift
	v=$("$@") || return 1
	[ "${v:-0}" -ge "$n" ]
}

# lines FILE: how many lines FILE has (0 when it does not exist).
lines() {
	if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}

# within SECONDS WHAT CMD...: CMD succeeds within SECONDS (tried every
# 50 ms), else the test fails saying WHAT. Sets TOOK_MS to how long it
# took.
within() {
	local limit=$1 what=$2 start now
	shift 2
	start=$(date +%s%N)
	until "$@"; do
		now=$(date +%s%N)
		[ $(((now - start) / 1000000)) -lt $((limit * 1000)) ] ||
		    fail "$what (not within $limit s)"
		sleep 0.05
	done
	TOOK_MS=$((($(date +%s%N) - start) / 1000000))
}


# term_blocked PID: whether PID has blocked SIGTERM (a verb that takes it
# as a stop, once set up: a TERM then no longer kills it).
term_blocked() {
	local blk wchan
	blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
	[ -n "$blk" ] && [ $((0x$blk & 0x4000)) != 0 ] && return 0
	# sigtimedwait() unblocks what it waits for while it waits, so SigBlk
	# shows TERM unblocked in a process that blocked it and waits there
	# (a drain waiting for its handler): that one is ready too.
	wchan=$(cat "/proc/$1/wchan" 2>/dev/null) || return 1
	case $wchan in
	do_sigtimedwait*) return 0 ;;
	esac
	return 1
}

# dfollow_start [ARG...]: hookspool drain --follow on $CONF with ARGs in
# the background, its stdout appended to $T/dfollow.out and its stderr to
# $T/dfollow.log; DFOLLOW_PID is its pid.
dfollow_start() {
	"$HOOKSPOOL" drain -c "$CONF" --follow "$@" >>"$T/dfollow.out" \
	    2>>"$T/dfollow.log" </dev/null &
	DFOLLOW_PID=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $DFOLLOW_PID"
}

# dfollow_stop [SIGNAL]: stop the drain's follower (TERM unless told) and
# wait for it; it must exit 0 within 20 s.
dfollow_stop() {
	local rc=0 i=0
	WAIT_TRIES=200 wait_until "drain --follow did not start" term_blocked "$DFOLLOW_PID"
	kill "-${1:-TERM}" "$DFOLLOW_PID"
	while kill -0 "$DFOLLOW_PID" 2>/dev/null &&
	    [ "$(cut -d' ' -f3 "/proc/$DFOLLOW_PID/stat" 2>/dev/null)" != Z ]; do
		i=$((i + 1))
		[ "$i" -lt 400 ] || fail "drain --follow did not stop within 20 s of ${1:-TERM}"
		sleep 0.05
	done
	wait "$DFOLLOW_PID" || rc=$?
	assert_eq "drain --follow's exit status after ${1:-TERM}" 0 "$rc"
}
