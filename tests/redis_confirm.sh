#!/bin/bash
# An event leaves the spool only once Redis has confirmed it. The server
# holds forward's commands unanswered (CLIENT PAUSE WRITE, after forward
# has sent its batch): every event is still in new/ or cur/. Then the
# server refuses the batch (NOREPLICAS: it may take no writes now), and
# then drops the link while the batch waits: each time forward exits 1 and
# every event is back in new/ under its name, no attempt spent. Unpaused,
# everything arrives once.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r
make_conf
post_many cf 1 20
ls "$SPOOL/new" >"$T/names"

# held: forward's batch waits for its answers.
held() {
	[ "$(rcli r INFO clients | sed -n 's/^blocked_clients:\([0-9]*\).*/\1/p')" -ge 1 ]
}

# send_held: start forward against the paused server, and return once
# its batch is sent and held.
send_held() {
	rcli r CLIENT PAUSE 30000 WRITE >/dev/null
	"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/forward.log" &
	pid=$!
	wait_until "forward's batch is not held: $(cat "$T/forward.log")" held
	kill -0 "$pid" 2>/dev/null || fail "forward did not wait for its answers"
	assert_eq "$1: held, every event still in the spool" "$(cat "$T/names")" \
	    "$(ls "$SPOOL/new" "$SPOOL/cur" | grep -v -e '^$' -e ':$' | sort)"
	assert_eq "$1: held, nothing in the stream" 0 "$(stream_len r hookspool)"
}

# back LABEL: forward exited 1, and every event is back in new/ as it was.
back() {
	rc=0
	wait "$pid" || rc=$?
	assert_eq "$1: exit status" 1 "$rc"
	ok "$1: $(tail -n 1 "$T/forward.log")"
	assert_eq "$1: back in new/, no attempt spent" "$(cat "$T/names")" \
	    "$(ls "$SPOOL/new")"
	assert_eq "$1: cur/" 0 "$(count cur)"
	assert_eq "$1: failed/" 0 "$(count failed)"
	assert_eq "$1: nothing in the stream" 0 "$(stream_len r hookspool)"
}

send_held "a refusal"
rcli r CONFIG SET min-replicas-to-write 1 >/dev/null
rcli r CLIENT UNPAUSE >/dev/null
back "a refusal"
grep -q NOREPLICAS "$T/forward.log" ||
    fail "the refusal is not shown: $(cat "$T/forward.log")"
rcli r CONFIG SET min-replicas-to-write 0 >/dev/null

send_held "a dropped link"
rcli r CLIENT KILL TYPE normal >/dev/null
back "a dropped link"
rcli r CLIENT UNPAUSE >/dev/null

forward_all
assert_eq "at last: entries" 20 "$(stream_len r hookspool)"
assert_eq "at last: distinct ids" 20 "$(distinct_ids r hookspool)"
assert_eq "at last: new/" 0 "$(count new)"
