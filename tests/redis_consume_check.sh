#!/bin/bash
# consume hands the handler only entries that are what forward wrote:
# HOOKSPOOL_ID, _TYPE and _WEBHOOK by the event rules (no escapes, line
# breaks, bidi controls, invalid UTF-8 or 128 KiB ids; a webhook is a
# name), and each the same as in the line the handler reads. Any other
# entry goes to hookspool:failed with the reason, and its handler never
# runs. A consumer group consume made and someone removed (XGROUP
# DESTROY) is not made again, which would run the whole stream again: the
# worker stops and says what to run; made again by hand, it goes on.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r
make_conf
post ck-1
post ck-2
forward_all
line=$(stream_entries r hookspool | head -n 1 | stream_field line)
[ -n "$line" ] || fail "no line in the stream"

# add LABEL ID TYPE WEBHOOK [LINE]: one entry written straight to the
# stream, as anyone who can write it could.
add() {
	rcli r XADD hookspool '*' id "$2" type "$3" webhook "$4" line "${5:-$line}" >/dev/null
	echo "$1" >>"$T/labels"
}
esc=$(printf '\033')
add "an escape in the id" "ck-1${esc}[2J" conversation.updated protocol
add "a line feed in the id" "ck-1
forged" conversation.updated protocol
add "a bidi override in the type" ck-1 "conversation.$(printf '\342\200\256')detadpu" protocol
add "an id that is not UTF-8" "ck-$(printf '\377')" conversation.updated protocol
add "a webhook that is no name" ck-1 conversation.updated "proto col"
add "an id that is not the line's" ck-9 conversation.updated protocol
add "a type that is not the line's" ck-1 conversation.deleted protocol
add "a webhook that is not the line's" ck-1 conversation.updated other
rcli r EVAL "return redis.call('XADD', KEYS[1], '*', 'id', string.rep('i', 131072),
    'type', 'conversation.updated', 'webhook', 'protocol', 'line', ARGV[1])" \
    1 hookspool "$line" >/dev/null
echo "an id of 128 KiB" >>"$T/labels"
bad=$(lines "$T/labels")

export OUT=$T
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --max 100 \
    --exec 'printf "%s|%s|%s\n" "$HOOKSPOOL_ID" "$HOOKSPOOL_TYPE" "$HOOKSPOOL_WEBHOOK" >>"$OUT/ran"' \
    2>"$T/consume.log" </dev/null || rc=$?
assert_eq "exit status (entries failed)" 1 "$rc"
assert_eq "the handler ran for forward's entries alone" \
    "ck-1|conversation.updated|protocol
ck-2|conversation.updated|protocol" "$(cat "$T/ran")"
assert_eq "the others, in hookspool:failed" "$bad" "$(stream_len r hookspool:failed)"
stream_entries r hookspool:failed | stream_field reason >"$T/reasons"
for want in "id holds a control character" "id holds a control character" \
    "type holds a bidi control" "UTF-8" "webhook is not a name" \
    "id differs from the line's id" "type differs from the line's type" \
    "webhook differs from the line's webhook" "id is longer than 1024 bytes"; do
	grep -qF "not an event of hookspool's: " "$T/reasons" ||
	    fail "the reasons do not say why: $(cat "$T/reasons")"
	grep -qF "$want" "$T/reasons" || fail "no reason says '$want': $(cat "$T/reasons")"
done
ok "each refused entry's reason is in hookspool:failed"
if grep -q "$esc" "$T/consume.log"; then
	fail "consume's messages carry an escape from the stream"
fi
assert_eq "nothing pending" 0 "$(pending r)"

# The group removed by someone who can write the stream.
rcli r XGROUP DESTROY hookspool hookspool >/dev/null
post ck-3
forward_all
: >"$T/ran"
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --max 100 \
    --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran"' 2>"$T/consume.log" </dev/null || rc=$?
assert_eq "the group removed: exit status" 1 "$rc"
grep -q 'consumer group hookspool of stream hookspool is gone' "$T/consume.log" ||
    fail "consume does not say the group is gone: $(cat "$T/consume.log")"
grep -qF 'XGROUP CREATE hookspool hookspool $' "$T/consume.log" ||
    fail "consume does not say what to run: $(cat "$T/consume.log")"
ok "consume: $(tail -n 1 "$T/consume.log")"
assert_eq "the group removed: no handler ran" "" "$(cat "$T/ran")"
assert_eq "the group removed: not made again" "" \
    "$(rcli r XINFO GROUPS hookspool)"

# Made again by hand, from now on: only what comes next runs.
rcli r XGROUP CREATE hookspool hookspool '$' >/dev/null
post ck-4
forward_all
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --max 100 \
    --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran"' 2>"$T/consume.log" </dev/null || rc=$?
assert_eq "the group made again: exit status" 0 "$rc"
assert_eq "the group made again: what ran" ck-4 "$(cat "$T/ran")"
