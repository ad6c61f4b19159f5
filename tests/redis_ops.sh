#!/bin/bash
# Operating the Redis side against a real redis-server: status --redis
# (the stream's length, KEY:failed's, the group's pending, lag and
# consumers), requeue --redis (KEY:failed back into the stream, fields
# kept and attempts fresh, forward's seen marks no obstacle, a stop
# between the add and the removal neither losing nor doubling an entry),
# the consumers verb (--forget-idle removes an idle consumer that holds
# nothing, never one that holds entries), and their messages as JSON
# records with log_format = json.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r
make_conf 'log_format = json'
post ops-1
post ops-2
post ops-3
forward_all
stream_ids r hookspool >"$T/forwarded"
stream_entries r hookspool >"$T/forwarded.entries"
assert_eq "forwarded" 3 "$(stream_len r hookspool)"

# Every entry fails its one delivery: all three go to hookspool:failed.
"$HOOKSPOOL" consume -c "$CONF" --redis "$REDIS_ADDR" --attempts 1 --max 3 \
    --exec false 2>"$T/consume.log" </dev/null || :
assert_eq "set aside in hookspool:failed" 3 "$(stream_len r hookspool:failed)"
assert_eq "acknowledged and deleted from the stream" 0 "$(stream_len r hookspool)"

# json_lines FILE: every line is one JSON record of a verb.
json_lines() {
	python3 -c 'import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no lines"
for l in lines:
    r = json.loads(l)
    assert r["verb"] and r["level"] and "reason" in r, l' "$1" ||
	    fail "$1 is not JSON records: $(cat "$1")"
}
json_lines "$T/consume.log"
json_lines "$T/forward.log"
ok "forward and consume log JSON records"

# status --redis
"$HOOKSPOOL" status -c "$CONF" --redis "$REDIS_ADDR" >"$T/status.txt" ||
    fail "status --redis exited $?: $(cat "$T/status.txt")"
grep -qx 'redis stream hookspool: 0 entries, 3 in hookspool:failed' \
    "$T/status.txt" || fail "status --redis: $(cat "$T/status.txt")"
grep -qx '  group hookspool: 0 pending, lag 0, [0-9]* consumers' \
    "$T/status.txt" || fail "status --redis: $(cat "$T/status.txt")"
ok "status --redis in words"
"$HOOKSPOOL" status -c "$CONF" --redis "$REDIS_ADDR" --prometheus \
    >"$T/status.prom" || fail "status --redis --prometheus exited $?"
for line in 'hookspool_redis_up{stream="hookspool"} 1' \
    'hookspool_redis_stream_length{stream="hookspool"} 0' \
    'hookspool_redis_failed_length{stream="hookspool"} 3' \
    'hookspool_redis_group_pending{stream="hookspool",group="hookspool"} 0' \
    'hookspool_redis_group_lag{stream="hookspool",group="hookspool"} 0'; do
	grep -qxF "$line" "$T/status.prom" || fail "no '$line' in: $(grep redis "$T/status.prom")"
done
ok "status --redis --prometheus"
rc=0
"$HOOKSPOOL" status -c "$CONF" --redis "127.0.0.1:$(free_port)" \
    --prometheus >"$T/down.prom" 2>"$T/down.log" || rc=$?
assert_eq "--prometheus, Redis down: exit" 0 "$rc"
grep -qxF 'hookspool_redis_up{stream="hookspool"} 0' "$T/down.prom" ||
    fail "no hookspool_redis_up 0"
rc=0
"$HOOKSPOOL" status -c "$CONF" --redis "127.0.0.1:$(free_port)" \
    >/dev/null 2>&1 || rc=$?
assert_eq "text, Redis down: exit" 1 "$rc"
rc=0
"$HOOKSPOOL" status -c "$CONF" --group g >/dev/null 2>&1 || rc=$?
assert_eq "--group without --redis" 2 "$rc"

# requeue --redis: one by its event id, then the rest with --all. The
# entries' own fields come back; attempts and reason are the new
# entry's; forward's seen marks for these ids stand, and do not matter.
[ -n "$(rcli r KEYS '{hookspool}:seen:*')" ] || fail "no seen marks"
"$HOOKSPOOL" requeue -c "$CONF" --redis "$REDIS_ADDR" ops-2 \
    2>"$T/requeue.log" || fail "requeue ops-2: $(cat "$T/requeue.log")"
json_lines "$T/requeue.log"
assert_eq "one requeued" 2 "$(stream_len r hookspool:failed)"
assert_eq "its entry added" 1 "$(stream_len r hookspool)"
"$HOOKSPOOL" requeue --redis "$REDIS_ADDR" --all 2>"$T/requeue.log" ||
    fail "requeue --all: $(cat "$T/requeue.log")"
grep -q 'hookspool requeue: 2 requeued from hookspool:failed' \
    "$T/requeue.log" || fail "requeue --all: $(cat "$T/requeue.log")"
assert_eq "hookspool:failed emptied" 0 "$(stream_len r hookspool:failed)"
stream_entries r hookspool | tail -n 3 >"$T/requeued"
assert_eq "the fields of a requeued entry" "id webhook type line" \
    "$(awk -F '\t' 'NR == 1 { print $2, $4, $6, $8 }' "$T/requeued")"
assert_eq "the ids requeued" "ops-1 ops-2 ops-3" \
    "$(stream_field id <"$T/requeued" | sort | tr '\n' ' ' | sed 's/ $//')"
for id in ops-1 ops-2 ops-3; do
	a=$(grep -P "\tid\t$id\t" "$T/forwarded.entries" | cut -f 2-)
	b=$(stream_entries r hookspool | grep -P "\tid\t$id\t" | cut -f 2-)
	[ -n "$a" ] || fail "$id: not forwarded"
	assert_eq "$id: requeued as it was forwarded" "$a" "$b"
done
rc=0
"$HOOKSPOOL" requeue --redis "$REDIS_ADDR" no-such 2>"$T/requeue.log" || rc=$?
assert_eq "requeue of an id not there: exit" 1 "$rc"
grep -q 'no entry no-such in hookspool:failed' "$T/requeue.log" ||
    fail "requeue no-such: $(cat "$T/requeue.log")"
# fresh attempts: a consume takes each requeued entry as new
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --attempts 1 --max 3 \
    --exec true 2>"$T/consume.log" </dev/null ||
    fail "consume after requeue: $(cat "$T/consume.log")"
assert_eq "the requeued entries done" 3 "$(summary_count "$T/consume.log" consume done)"

# A stop between the add and the removal: a user who may not XDEL adds,
# then fails to remove; the next run adds nothing and removes it.
rcli r ACL SETUSER noxdel on '>noxdel-pw' '~*' '+@all' '-xdel' >/dev/null
printf 'noxdel noxdel-pw\n' >"$T/noxdel"
chmod 600 "$T/noxdel"
rcli r XADD hookspool:failed '*' id ops-9 webhook protocol type t.x \
    entry 1-1 attempts 5 reason boom line '{"x":9}' >/dev/null
before=$(stream_len r hookspool)
rc=0
"$HOOKSPOOL" requeue --redis "$REDIS_ADDR" --auth-file "$T/noxdel" ops-9 \
    2>"$T/requeue.log" || rc=$?
assert_eq "requeue stopped before its XDEL: exit" 1 "$rc"
grep -q 'unable to remove it from hookspool:failed' "$T/requeue.log" ||
    fail "no word of the XDEL: $(cat "$T/requeue.log")"
assert_eq "added once" $((before + 1)) "$(stream_len r hookspool)"
assert_eq "still in hookspool:failed" 1 "$(stream_len r hookspool:failed)"
"$HOOKSPOOL" requeue --redis "$REDIS_ADDR" ops-9 2>"$T/requeue.log" ||
    fail "requeue again: $(cat "$T/requeue.log")"
assert_eq "the rerun adds nothing" $((before + 1)) "$(stream_len r hookspool)"
assert_eq "the rerun removes it" 0 "$(stream_len r hookspool:failed)"
assert_eq "ops-9 once in the stream" 1 \
    "$(stream_ids r hookspool | grep -c '^ops-9$')"

# consumers: a consumer killed while its handler ran holds its entry;
# one that never took anything holds nothing. --forget-idle removes only
# the second.
post ops-10
forward_all
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --name holder --timeout 10m \
    --idle 1h --exec "sleep 300" 2>"$T/holder.log" </dev/null &
holder=$!
CLEANUP_PIDS="$CLEANUP_PIDS $holder"
# (redis-cli prints an empty line for an empty array: look for the name)
wait_until "the holder never took ops-10" \
    sh -c "redis-cli -p $REDIS_PORT XPENDING hookspool hookspool - + 10 holder | grep -qx holder"
kill -KILL "$holder"
rcli r XGROUP CREATECONSUMER hookspool hookspool ghost >/dev/null
sleep 2
"$HOOKSPOOL" consumers -c "$CONF" --redis "$REDIS_ADDR" >"$T/consumers.txt" \
    2>"$T/consumers.log" || fail "consumers: $(cat "$T/consumers.log")"
grep -qx 'holder: 1 pending, idle [0-9]*s' "$T/consumers.txt" ||
    fail "consumers: $(cat "$T/consumers.txt")"
grep -qx 'ghost: 0 pending, idle [0-9]*s' "$T/consumers.txt" ||
    fail "consumers: $(cat "$T/consumers.txt")"
ok "consumers lists each one's pending entries and idle time"
"$HOOKSPOOL" consumers --redis "$REDIS_ADDR" --forget-idle 1s \
    >"$T/consumers.txt" 2>"$T/consumers.log" ||
    fail "consumers --forget-idle: $(cat "$T/consumers.log")"
grep -A1 '^ghost:' "$T/consumers.txt" | grep -qx '  forgotten' ||
    fail "ghost not forgotten: $(cat "$T/consumers.txt")"
grep -A1 '^holder:' "$T/consumers.txt" | grep -q '^  kept: it holds pending entries' ||
    fail "holder not kept: $(cat "$T/consumers.txt")"
rcli r XINFO CONSUMERS hookspool hookspool >"$T/xinfo"
grep -qx ghost "$T/xinfo" && fail "ghost is still in the group"
grep -qx holder "$T/xinfo" || fail "the holder was removed with its entry"
assert_eq "the holder's entry still pending" 1 "$(pending r)"
ok "--forget-idle removes the idle consumer that holds nothing, and only it"
rc=0
"$HOOKSPOOL" consumers --redis "$REDIS_ADDR" --group nosuch \
    >/dev/null 2>"$T/consumers.log" || rc=$?
assert_eq "consumers of a group that is not there: exit" 1 "$rc"
