#!/bin/bash
# Once forward is done with an event, no copy of its payload stays in the
# spool (nor in its dedup marker); once consume is done with an entry, none
# stays in the stream: the entry is acknowledged and deleted in one step
# (--exec and --pipe). A stream read by several groups keeps an entry
# until no other group needs it: one that has not read that far (its
# last-delivered-id below the entry's, compared as numbers: 1-10 is past
# 1-9) or that holds it pending. An entry only skipped by --type is acknowledged and left.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r
make_conf

# post_marked ID MARKER: an event whose payload holds MARKER.
post_marked() {
	printf '{"id":"%s","type":"conversation.updated","payload":{"note":"%s"}}' \
	    "$1" "$2" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}

# marked KEY MARKER: how many entries of stream KEY hold MARKER.
marked() {
	stream_entries r "$1" | grep -c -F "$2" || :
}

consume() {
	local rc=0
	"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --max 100 "$@" \
	    2>"$T/consume.log" </dev/null || rc=$?
	[ "$rc" = 0 ] || fail "consume $* exited $rc: $(cat "$T/consume.log")"
}

# One group: done entries leave the stream (--exec, then --pipe).
m1=retain-marker-$$-one
post_marked rt-1 "$m1"
post_marked rt-2 "$m1"
forward_all
assert_eq "the payload is in the stream before" 2 "$(marked hookspool "$m1")"
# forward without keep: no copy left in the spool, markers emptied
assert_eq "forward: no file of the spool holds the payload" "" \
    "$(grep -rlF "$m1" "$SPOOL" || :)"
assert_eq "forward: markers empty, one link each" "" \
    "$(stat -c '%h %s %n' "$SPOOL"/ids/* | grep -v '^1 0 ' || :)"
consume --exec true
assert_eq "consume --exec: the done entries are gone from the stream" \
    0 "$(marked hookspool "$m1")"
assert_eq "nothing pending" 0 "$(pending r)"
m2=retain-marker-$$-pipe
post_marked rt-3 "$m2"
forward_all
consume --pipe 'while read -r l; do echo ok; done'
assert_eq "consume --pipe: the done entry is gone from the stream" \
    0 "$(marked hookspool "$m2")"

# Two groups: the entry stays until the second is done with it too.
rcli r XGROUP CREATE hookspool second '$' >/dev/null
m3=retain-marker-$$-two
post_marked rt-4 "$m3"
forward_all
consume --exec true
assert_eq "the first group done: the entry stays for the second" \
    1 "$(marked hookspool "$m3")"
consume --group second --exec true
assert_eq "both groups done: the entry is gone" 0 "$(marked hookspool "$m3")"

# The other group holds it pending: it stays.
m4=retain-marker-$$-pending
post_marked rt-5 "$m4"
forward_all
rcli r XREADGROUP GROUP second someone COUNT 10 STREAMS hookspool '>' >/dev/null
consume --exec true
assert_eq "pending in the other group: the entry stays" \
    1 "$(marked hookspool "$m4")"
rcli r XGROUP DESTROY hookspool second >/dev/null

# ms-seq compared as numbers: a group at 1-9 has not read 1-10. The
# entries are copies of one forward wrote.
post_marked rt-6 x
forward_all
entry=$(rcli r XREVRANGE hookspool + - COUNT 1 | sed -n 1p)
[ -n "$entry" ] || fail "no entry to copy"
mapfile -t kv < <(rcli r XRANGE hookspool "$entry" "$entry" | tail -n +2)
rcli r XADD num 1-9 "${kv[@]}" >/dev/null
rcli r XADD num 1-10 "${kv[@]}" >/dev/null
rcli r XGROUP CREATE num hookspool 0 >/dev/null
rcli r XGROUP CREATE num late 1-9 >/dev/null
consume --stream num --exec true
assert_eq "a group at 1-9 keeps 1-10 (numbers, not strings)" \
    1-10 "$(rcli r XRANGE num - + | grep -x '1-[0-9]*' | xargs)"

# --type: an entry skipped is acknowledged and left in the stream.
m5=retain-marker-$$-skipped
post_marked rt-7 "$m5"
forward_all
consume --type 'message.*' --exec true
assert_eq "an entry skipped by --type stays" 1 "$(marked hookspool "$m5")"
assert_eq "and is not pending" 0 "$(pending r)"
