#!/bin/bash
# forward hands an event over only to a Redis that keeps what it
# confirms. A server without an append-only file, or one that syncs it
# less often than every write, is refused before any event is claimed
# (exit 1, the message names the fix, every event stays in new/ with no
# attempt spent), unless --accept-loss says the risk is taken. With
# --replicas N an event leaves the spool only once N replicas confirm it
# (WAIT): a real primary with a real replica forwards, and with the
# replica stopped the events stay in new/ and forward exits 1 within its
# bound; once the replica is back they leave, each in the stream once.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

make_conf
post_many du 1 5
ls "$SPOOL/new" >"$T/names"

# refused LABEL NEEDLE ARGS...: forward with ARGS exits 1 saying NEEDLE,
# and touches no event.
refused() {
	label=$1 needle=$2
	shift 2
	rc=0
	"$HOOKSPOOL" forward -c "$CONF" "$@" 2>"$T/forward.log" || rc=$?
	assert_eq "$label: exit status" 1 "$rc"
	grep -qF -- "$needle" "$T/forward.log" ||
	    fail "$label: the message does not say '$needle': $(cat "$T/forward.log")"
	grep -qF -- "--accept-loss" "$T/forward.log" ||
	    fail "$label: the message does not name --accept-loss: $(cat "$T/forward.log")"
	ok "$label: $(head -n 1 "$T/forward.log")"
	assert_eq "$label: new/ unchanged, no attempt spent" "$(cat "$T/names")" \
	    "$(ls "$SPOOL/new")"
	assert_eq "$label: cur/" 0 "$(count cur)"
}

# Debian's redis-server as it comes: no append-only file.
redis_start plain --appendonly no
refused "appendonly no" "appendonly yes and appendfsync always" \
    --redis "$REDIS_ADDR"
assert_eq "appendonly no: nothing in the stream" 0 "$(stream_len plain hookspool)"
# The append-only file, synced once a second (Debian's default with it on).
redis_start everysec --appendonly yes --appendfsync everysec
refused "appendfsync everysec" "appendfsync everysec" --redis "$REDIS_ADDR"
assert_eq "appendfsync everysec: nothing in the stream" 0 \
    "$(stream_len everysec hookspool)"

# The risk taken: forwarded.
forward_all --redis "$(redis_port plain | sed 's/^/127.0.0.1:/')" --max 2 --accept-loss
assert_eq "--accept-loss: entries" 2 "$(stream_len plain hookspool)"
assert_eq "--accept-loss: left in new/" 3 "$(count new)"
ls "$SPOOL/new" >"$T/names"

# appendfsync always: forwarded without a word.
redis_start always --appendonly yes --appendfsync always
forward_all --max 1
assert_eq "appendfsync always: entries" 1 "$(stream_len always hookspool)"
ls "$SPOOL/new" >"$T/names"

# A primary without an append-only file, and a real replica of it.
redis_start primary --appendonly no
primary=$REDIS_ADDR
redis_start replica --appendonly no --replicaof 127.0.0.1 "$(redis_port primary)"
WAIT_TRIES=300 wait_until "the replica does not sync" \
    eval '[ "$(rcli primary INFO replication | grep -c "^slave0:.*state=online")" = 1 ]'
refused "a primary without --replicas" "appendonly no" --redis "$primary"
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$primary" --replicas 1 --max 1 \
    2>"$T/forward.log" || rc=$?
assert_eq "--replicas 1 with the replica up: exit status" 0 "$rc"
assert_eq "--replicas 1: the replica has the entry" 1 "$(stream_len replica hookspool)"
ls "$SPOOL/new" >"$T/names"

redis_stop replica
start=$(date +%s)
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$primary" --replicas 1 \
    2>"$T/forward.log" || rc=$?
took=$(($(date +%s) - start))
assert_eq "--replicas 1, the replica stopped: exit status" 1 "$rc"
[ "$took" -le 15 ] || fail "forward took $took s to give up on the replica"
ok "forward gave up on the replica after $took s"
grep -q '0 of the 1 replicas asked for (--replicas) confirmed' "$T/forward.log" ||
    fail "the message does not say the replicas did not confirm: $(cat "$T/forward.log")"
assert_eq "the replica stopped: new/ unchanged, no attempt spent" \
    "$(cat "$T/names")" "$(ls "$SPOOL/new")"
assert_eq "the replica stopped: cur/" 0 "$(count cur)"
assert_eq "the replica stopped: failed/" 0 "$(count failed)"

# Back: the events the primary took are found marked and leave only now,
# once the replica confirms them; each id is in the stream once.
redis_run replica
WAIT_TRIES=300 wait_until "the replica does not sync again" \
    eval '[ "$(rcli primary INFO replication | grep -c "^slave0:.*state=online")" = 1 ]'
forward_all --redis "$primary" --replicas 1
assert_eq "the replica back: found marked" 1 \
    "$(summary_count "$T/forward.log" forward duplicates)"
assert_eq "the replica back: new/" 0 "$(count new)"
assert_eq "the replica back: the primary's entries" 2 "$(stream_len primary hookspool)"
assert_eq "the replica back: the replica's entries" 2 "$(stream_len replica hookspool)"
assert_eq "the replica back: distinct ids" 2 "$(distinct_ids replica hookspool)"
