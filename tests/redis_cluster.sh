#!/bin/bash
# A real three-node Redis Cluster, every node asking for a password:
# forward pointed at each node in turn publishes every event once (the
# nodes that do not hold the stream answer MOVED, and the node named is
# logged in to as well); consume pointed at each node handles the entries,
# and one that fails lands in KEY:failed, which lives on another node than
# KEY.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

pw="pw-$$-$RANDOM"
export REDISCLI_AUTH=$pw
printf '%s\n' "$pw" >"$T/password"
chmod 600 "$T/password"
redis_cluster --requirepass "$pw"
# shellcheck disable=SC2086
set -- $CLUSTER_ADDRS
addr_c1=$1 addr_c2=$2 addr_c3=$3

# a stream whose dead letters hash to another node than its entries
KEY=
for k in hookspool events hooks stream1 stream2 stream3 stream4 stream5; do
	if [ "$(cluster_node_of "$k")" != "$(cluster_node_of "$k:failed")" ]; then
		KEY=$k
		break
	fi
done
[ -n "$KEY" ] || fail "no stream name whose :failed is on another node"
home=$(cluster_node_of "$KEY")
dead_home=$(cluster_node_of "$KEY:failed")
ok "stream $KEY on $home, $KEY:failed on $dead_home"

# forward_to NODE: forward the spool to NODE; it must exit 0.
forward_to() {
	eval "addr=\$addr_$1"
	rc=0
	# shellcheck disable=SC2086
	"$HOOKSPOOL" forward -c "$CONF" --redis "$addr" --stream "$KEY" \
	    --auth-file "$T/password" $CLUSTER_OPTS 2>"$T/forward.log" || rc=$?
	assert_eq "forward to $1 ($addr): exit status" 0 "$rc"
}

# A MOVED reply is followed only to the nodes --cluster allows: without
# them, forward and consume pointed at a node that does not hold the
# stream stop (exit 1), naming the node and the option, spend no attempt,
# and never connect to the node named (its connection count does not
# move, so it got no AUTH); with the home node mapped to its unix socket,
# as a tunnel's local end would be, the events go there.
for n in c1 c2 c3; do
	[ "$n" = "$home" ] || break
done
eval "stranger=\$addr_$n"
eval "home_addr=\$addr_$home"
connections() {
	rcli "$home" INFO stats | sed -n 's/^total_connections_received:\([0-9]*\).*/\1/p'
}
make_conf
post moved-1
ls "$SPOOL/new" >"$T/names"
before=$(connections)
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$stranger" --stream "$KEY" \
    --auth-file "$T/password" 2>"$T/forward.log" || rc=$?
assert_eq "MOVED to a node not allowed: exit status" 1 "$rc"
grep -qF "MOVED to $home_addr, a node no --cluster option allows" "$T/forward.log" ||
    fail "the message does not name $home_addr: $(cat "$T/forward.log")"
grep -qF -- "--cluster $home_addr" "$T/forward.log" ||
    fail "the message does not name the option: $(cat "$T/forward.log")"
ok "forward: $(head -n 1 "$T/forward.log")"
assert_eq "MOVED not followed: new/ unchanged, no attempt spent" \
    "$(cat "$T/names")" "$(ls "$SPOOL/new")"
assert_eq "MOVED not followed: the node named got no connection but ours" \
    $((before + 1)) "$(connections)"
rc=0
"$HOOKSPOOL" consume --redis "$stranger" --stream "$KEY" --auth-file "$T/password" \
    --max 1 --exec true 2>"$T/consume.log" </dev/null || rc=$?
assert_eq "consume, MOVED to a node not allowed: exit status" 1 "$rc"
grep -qF "MOVED to $home_addr, a node no --cluster option allows" "$T/consume.log" ||
    fail "consume's message does not name $home_addr: $(cat "$T/consume.log")"
assert_eq "consume, MOVED not followed: the node named got no connection but ours" \
    $((before + 2)) "$(connections)"
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$stranger" --stream "$KEY" \
    --auth-file "$T/password" \
    --cluster "$home_addr=unix:$T/redis-$home/redis.sock" \
    2>"$T/forward.log" || rc=$?
assert_eq "MOVED mapped to a local end: exit status" 0 "$rc"
assert_eq "MOVED mapped to a local end: added" 1 \
    "$(summary_count "$T/forward.log" forward added)"

make_conf
expected=1	# moved-1
for n in c1 c2 c3; do
	post_many "$n" 1 20
	added=20
	if [ "$n" = c2 ]; then
		post doomed-1
		added=21
	fi
	forward_to "$n"
	assert_eq "forward to $n: added" "$added" "$(summary_count "$T/forward.log" forward added)"
	expected=$((expected + added))
	assert_eq "forward to $n: entries" "$expected" "$(stream_len c1 "$KEY")"
done
assert_eq "distinct ids" "$expected" "$(distinct_ids c2 "$KEY")"
assert_eq "the dedup keys are on the stream's node" "$expected" \
    "$(redis-cli -p "$(redis_port "$home")" --scan --pattern "{$KEY}:seen:*" | wc -l | tr -d ' ')"

# Ids forwarded before, spooled again in a fresh spool, and one new id:
# forwarded through each node, the old ones are duplicates.
SPOOL=$T/spool2
make_conf
for n in c1 c2 c3; do
	post "$n-0007"
	post "late-$n"
	forward_to "$n"
	assert_eq "again through $n: duplicates" 1 "$(summary_count "$T/forward.log" forward duplicates)"
	assert_eq "again through $n: added" 1 "$(summary_count "$T/forward.log" forward added)"
done
expected=$((expected + 3))
assert_eq "entries at the end" "$expected" "$(stream_len c3 "$KEY")"
assert_eq "distinct ids at the end" "$expected" "$(distinct_ids c1 "$KEY")"

# consume through each node in turn; doomed-1 fails, and with
# --attempts 1 goes straight to KEY:failed on its own node.
cat >"$T/handler" <<'HANDLER'
#!/bin/sh
echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT $WHO" >>"$OUT/ran"
[ "$HOOKSPOOL_ID" != doomed-1 ]
HANDLER
chmod +x "$T/handler"
export OUT=$T
# what the stream holds before: done entries are deleted from it
stream_entries c1 "$KEY" >"$T/entries"
: >"$T/ran"
fails=0
for n in c1 c2 c3; do
	eval "addr=\$addr_$n"
	rc=0
	# shellcheck disable=SC2086
	WHO=$n "$HOOKSPOOL" consume --redis "$addr" --auth-file "$T/password" \
	    $CLUSTER_OPTS --stream "$KEY" --max 25 --attempts 1 --timeout 1s --idle 7s \
	    --exec "$T/handler" \
	    2>"$T/consume-$n.log" </dev/null || rc=$?
	case $rc in
	0) ;;
	1) fails=$((fails + 1)) ;;
	*) fail "consume through $n exited $rc: $(cat "$T/consume-$n.log")" ;;
	esac
	grep -q " $n\$" "$T/ran" || fail "consume through $n ran nothing: $(cat "$T/consume-$n.log")"
	ok "consume through $n ran $(grep -c " $n\$" "$T/ran") handlers"
done
assert_eq "one consume saw the failing handler" 1 "$fails"
assert_eq "each entry ran once" "$(stream_field id <"$T/entries" | sort)" \
    "$(cut -d' ' -f1 "$T/ran" | sort)"
assert_eq "nothing pending" 0 "$(pending c2 "$KEY" hookspool)"
assert_eq "the dead letter, on its own node" 1 \
    "$(redis-cli -p "$(redis_port "$dead_home")" XLEN "$KEY:failed")"
stream_entries c3 "$KEY:failed" >"$T/failed"
assert_eq "the dead letter's id" doomed-1 "$(stream_field id <"$T/failed")"
assert_eq "the dead letter's attempts" 1 "$(stream_field attempts <"$T/failed")"
assert_eq "the dead letter's entry" \
    "$(grep '	doomed-1	' "$T/entries" | cut -f1)" \
    "$(stream_field entry <"$T/failed")"
