# Sourced after tests/setup.sh by the tests of forward and consume: real
# redis-server processes of the test's own (a standalone server, or a
# three-node Redis Cluster) on free loopback ports and unix sockets in $T,
# stopped at cleanup; helpers to read streams and summary lines; and a
# skip when Redis or the forward verb is missing.

command -v redis-server >/dev/null ||
    skip "redis-server is not installed (apt-get install redis-server)"
command -v redis-cli >/dev/null ||
    skip "redis-cli is not installed (apt-get install redis-tools)"
# A hookspool built without hiredis answers forward with a message naming
# libhiredis-dev; one older than forward answers with its usage.
"$HOOKSPOOL" forward >/dev/null 2>"$T/forward-probe.out" || :
if grep -q hiredis "$T/forward-probe.out"; then
	skip "hookspool was built without hiredis: $(head -n 1 "$T/forward-probe.out")"
fi
grep -q 'hookspool forward' "$T/forward-probe.out" ||
    skip "this hookspool has no forward verb"
"$HOOKSPOOL" consume >/dev/null 2>"$T/consume-probe.out" || :
grep -q 'hookspool consume' "$T/consume-probe.out" ||
    skip "this hookspool has no consume verb"

# The servers started, by name; each has its folder $T/redis-NAME, its
# log $T/redis-NAME.log (shown when a test fails) and its unix socket
# $T/redis-NAME/redis.sock.
declare -A REDIS_ARGS=()
REDIS_NAMES=

# redis_start NAME [OPTION...]: a redis-server on a free port of
# 127.0.0.1 and on a unix socket, in the foreground of a background job,
# with no snapshots and with the append-only file synced on every write
# (appendonly yes, appendfsync always: what forward asks of a server
# unless told otherwise), unless the options say otherwise (e.g.
# --appendonly no), ready once PING answers. Sets REDIS_PORT, REDIS_ADDR
# (127.0.0.1:PORT) and REDIS_SOCK. Stopped at cleanup.
redis_start() {
	local name=$1 dir port
	shift
	dir=$T/redis-$name
	mkdir -p "$dir"
	port=$(free_port)
	echo "$port" >"$dir/port"
	REDIS_ARGS[$name]=
	[ $# = 0 ] || REDIS_ARGS[$name]=$(printf '%q ' "$@")
	case " $REDIS_NAMES " in
	*" $name "*) ;;
	*) REDIS_NAMES="$REDIS_NAMES $name" ;;
	esac
	case $CLEANUP_CMDS in
	*redis_stop_all*) ;;
	*) CLEANUP_CMDS="$CLEANUP_CMDS redis_stop_all" ;;
	esac
	redis_run "$name"
}

# redis_run NAME: start NAME's server with the port and options it was
# first given (redis_start), and wait until it answers.
redis_run() {
	local dir=$T/redis-$1 port name
	port=$(cat "$dir/port")
	eval "set -- $1 ${REDIS_ARGS[$1]}"
	name=$1
	shift
	redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" \
	    --unixsocket "$dir/redis.sock" --unixsocketperm 700 \
	    --daemonize no --save '' --appendonly yes --appendfsync always \
	    --logfile "$T/redis-$name.log" "$@" \
	    </dev/null >>"$T/redis-$name.log" 2>&1 &
	echo $! >"$dir/pid"
	# still reaped by this shell, but not reported "Killed" when a test
	# crashes it on purpose
	disown $!
	REDIS_PORT=$port
	REDIS_ADDR=127.0.0.1:$port
	REDIS_SOCK=$dir/redis.sock
	WAIT_TRIES=300 wait_until "redis-server $name does not answer on port $port" \
	    redis_ready "$name"
}

# redis_ready NAME: whether NAME answers PING (REDISCLI_AUTH holds the
# password of a server that asks for one).
redis_ready() {
	local pid
	pid=$(cat "$T/redis-$1/pid")
	redis_alive "$pid" || fail "redis-server $1 exited"
	[ "$(rcli "$1" PING 2>/dev/null)" = PONG ]
}

# redis_port NAME: the port NAME listens on.
redis_port() {
	cat "$T/redis-$1/port"
}

# redis_stop NAME [SIGNAL]: stop NAME's server (TERM: a clean shutdown;
# KILL: a crash) and wait until it is gone.
redis_stop() {
	local pidfile pid i
	pidfile=$T/redis-$1/pid
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	kill "-${2:-TERM}" "$pid" 2>/dev/null || :
	i=0
	while redis_alive "$pid"; do
		i=$((i + 1))
		[ "$i" = 100 ] && kill -KILL "$pid" 2>/dev/null
		[ "$i" -lt 200 ] || fail "redis-server $1 (pid $pid) does not exit"
		sleep 0.05
	done
	rm -f "$pidfile"
}

# redis_alive PID: whether the server PID still runs (a zombie not yet
# reaped counts as gone).
redis_alive() {
	kill -0 "$1" 2>/dev/null &&
	    [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# redis_restart NAME [SIGNAL]: stop it (as redis_stop) and start it again
# on the same port, in the same folder, with the same options.
redis_restart() {
	redis_stop "$1" "${2:-TERM}"
	redis_run "$1"
}

redis_stop_all() {
	local n
	for n in $REDIS_NAMES; do
		redis_stop "$n" || :
	done
}

# rcli NAME ARG...: redis-cli against NAME, following a cluster's MOVED
# replies; raw output.
rcli() {
	local port
	port=$(redis_port "$1")
	shift
	redis-cli -c -p "$port" "$@"
}

# redis_cluster [OPTION...]: three servers c1, c2 and c3 with
# --cluster-enabled yes (each with its own folder, nodes file and bus
# port, and the options given), joined by redis-cli --cluster create with
# no replicas; returns once every node says cluster_state:ok and knows all
# three. Sets CLUSTER_ADDRS to the three HOST:PORT, and CLUSTER_OPTS to
# the --cluster options that let forward and consume follow MOVED to each.
redis_cluster() {
	local n
	CLUSTER_ADDRS=
	CLUSTER_OPTS=
	for n in c1 c2 c3; do
		redis_start "$n" --cluster-enabled yes \
		    --cluster-config-file nodes.conf \
		    --cluster-port "$(free_port)" --cluster-node-timeout 5000 "$@"
		CLUSTER_ADDRS="$CLUSTER_ADDRS $REDIS_ADDR"
		CLUSTER_OPTS="$CLUSTER_OPTS --cluster $REDIS_ADDR"
	done
	# shellcheck disable=SC2086
	redis-cli --cluster create $CLUSTER_ADDRS --cluster-replicas 0 \
	    --cluster-yes >"$T/cluster-create.log" 2>&1 ||
	    fail "redis-cli --cluster create failed (see cluster-create.log)"
	for n in c1 c2 c3; do
		WAIT_TRIES=300 wait_until "cluster node $n is not ready" \
		    cluster_ready "$n"
	done
}

# cluster_ready NAME: NAME says cluster_state:ok and knows three masters.
cluster_ready() {
	rcli "$1" CLUSTER INFO 2>/dev/null | grep -q '^cluster_state:ok' &&
	    [ "$(rcli "$1" CLUSTER NODES 2>/dev/null | grep -c master)" = 3 ]
}

# cluster_node_of KEY: the name (c1, c2, c3) of the node serving KEY.
cluster_node_of() {
	local slot n
	slot=$(rcli c1 CLUSTER KEYSLOT "$1")
	for n in c1 c2 c3; do
		if rcli "$n" CLUSTER NODES | awk -v s="$slot" '/myself/ {
			for (i = 9; i <= NF; i++) {
				k = split($i, r, "-")
				if (r[1] + 0 <= s + 0 && s + 0 <= r[k] + 0) f = 1
			}
		} END { exit !f }'; then
			echo "$n"
			return
		fi
	done
	fail "no node serves $1"
}

# stream_entries NAME KEY: one line per entry of stream KEY on NAME, in
# stream order: the entry id, then each field and its value, all
# separated by tabs (a spool line holds no tab: JSON escapes it).
stream_entries() {
	rcli "$1" EVAL "local out = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
	out[#out + 1] = e[1] .. '\t' .. table.concat(e[2], '\t')
end
return out" 1 "$2" | awk 'NF'
}

# stream_len NAME KEY: XLEN.
stream_len() {
	rcli "$1" XLEN "$2"
}

# stream_field FIELD: from stream_entries on stdin, that field's value
# of each entry, one a line.
stream_field() {
	awk -F '\t' -v f="$1" '{
		for (i = 2; i < NF; i += 2)
			if ($i == f) { print $(i + 1); break }
	}'
}

# stream_ids NAME KEY: the id field of each entry, in stream order.
stream_ids() {
	stream_entries "$1" "$2" | stream_field id
}

# distinct_ids NAME KEY: how many different ids stream KEY holds.
distinct_ids() {
	stream_ids "$1" "$2" | sort -u | wc -l | tr -d ' '
}

# watch_stream [KEY]: subscribe to the keyspace notifications of stream
# KEY (default hookspool) of the server on REDIS_PORT (started with
# --notify-keyspace-events Kt) and return once subscribed; each
# notification is then a line on descriptor 4, such as one holding
# "xadd" when an entry is added. Close it with exec 4<&-.
watch_stream() {
	mkfifo "$T/watch"
	redis-cli -p "$REDIS_PORT" --csv SUBSCRIBE "__keyspace@0__:${1:-hookspool}" \
	    >"$T/watch" 2>>"$T/watch.log" &
	CLEANUP_PIDS="$CLEANUP_PIDS $!"
	exec 4<"$T/watch"
	until read -r -t 10 line <&4 &&
	    [ "${line#\"subscribe\"}" != "$line" ]; do
		[ -n "${line:-}" ] || fail "the subscriber never subscribed"
		line=
	done
}

# spool_ids [SPOOL]: the ids of the events in new/ and cur/ of a spool,
# one a line.
spool_ids() {
	cat "${1:-$SPOOL}"/new/* "${1:-$SPOOL}"/cur/* 2>/dev/null |
	    sed -n 's/^{"received":"[^"]*","webhook":"[^"]*","id":"\([^"]*\)".*/\1/p'
}

# forward_all [ARG...]: forward $CONF's spool to $REDIS_ADDR (ARGs may
# name another); it must exit 0. Its stderr is in $T/forward.log.
forward_all() {
	local rc=0
	"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" "$@" \
	    2>"$T/forward.log" || rc=$?
	[ "$rc" = 0 ] || fail "forward $* exited $rc: $(cat "$T/forward.log")"
}

# pending NAME [KEY [GROUP]]: how many entries of the group (default
# hookspool, hookspool) are delivered and not acknowledged.
pending() {
	rcli "$1" XPENDING "${2:-hookspool}" "${3:-hookspool}" | head -n 1
}

# follow_start [ARG...]: hookspool forward --follow on $CONF to
# $REDIS_ADDR (ARGs may add to or name another) in the background, its
# stderr appended to $T/follow.log; FOLLOW_PID is its pid.
follow_start() {
	"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --follow "$@" \
	    2>>"$T/follow.log" </dev/null &
	FOLLOW_PID=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $FOLLOW_PID"
}

# follow_stop [SIGNAL]: stop the follower (TERM unless told) and wait for
# it; it must exit 0 within 10 s.
follow_stop() {
	local rc=0 i=0
	kill "-${1:-TERM}" "$FOLLOW_PID"
	while kill -0 "$FOLLOW_PID" 2>/dev/null &&
	    [ "$(cut -d' ' -f3 "/proc/$FOLLOW_PID/stat" 2>/dev/null)" != Z ]; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || fail "forward --follow did not stop within 10 s of ${1:-TERM}"
		sleep 0.05
	done
	wait "$FOLLOW_PID" || rc=$?
	assert_eq "forward --follow's exit status after ${1:-TERM}" 0 "$rc"
}
