#!/bin/bash
# hookspool consume: events posted, forwarded and consumed; the handler's
# input and environment, the consumer group and names, --max, --type,
# --group, acknowledgement, the summary line and the exit status.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r
make_conf
post cs-1 message.created
post cs-2 conversation.updated
post cs-3 message.deleted
forward_all

cat >"$T/handler" <<'HANDLER'
#!/bin/sh
set -eu
printf '%s|%s|%s|%s|%s|%s|%s\n' "$HOOKSPOOL_ID" "$HOOKSPOOL_TYPE" \
    "$HOOKSPOOL_WEBHOOK" "$HOOKSPOOL_ATTEMPT" "$HOOKSPOOL_ENTRY" \
    "${HOOKSPOOL_FILE-unset}" "${HOOKSPOOL_FILE+set}" >>"$OUT/ran"
cat >>"$OUT/stdin"
HANDLER
chmod +x "$T/handler"
export OUT=$T

# what the stream holds before: done entries are deleted from it
stream_entries r hookspool >"$T/entries"
start=$(date +%s)
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --max 100 --exec "$T/handler" \
    2>"$T/consume.log" </dev/null || rc=$?
assert_eq "exit status when all are done" 0 "$rc"
[ $(($(date +%s) - start)) -lt 10 ] ||
    fail "consume --max 100 took $(($(date +%s) - start)) s to see nothing was left"
ok "consume --max stops when nothing is waiting"
grep -q '^hookspool consume: 3 done, 0 to retry, 0 failed$' "$T/consume.log" ||
    fail "summary line: $(cat "$T/consume.log")"
ok "one-line summary"
expected=$(paste -d'|' <(stream_field id <"$T/entries") \
    <(stream_field type <"$T/entries") <(stream_field webhook <"$T/entries") \
    <(yes 1 | head -n 3) <(cut -f1 "$T/entries") <(yes '|set' | head -n 3))
assert_eq "stream order and environment" "$expected" "$(cat "$T/ran")"
assert_eq "stdin is the line and a newline" "$(stream_field line <"$T/entries")" \
    "$(cat "$T/stdin")"
assert_eq "stdin ends with a newline" 3 "$(wc -l <"$T/stdin" | tr -d ' ')"
assert_eq "nothing pending" 0 "$(pending r)"
rcli r XINFO GROUPS hookspool >"$T/groups"
grep -qx hookspool "$T/groups" || fail "no group hookspool: $(cat "$T/groups")"
ok "the group hookspool was made"
rcli r XINFO CONSUMERS hookspool hookspool >"$T/consumers"
grep -qx "$(hostname)-[0-9][0-9]*" "$T/consumers" ||
    fail "no consumer named HOST-PID: $(cat "$T/consumers")"
ok "the consumer is named after the host and its pid"

# Nothing to do: exit 0 soon, the handler not run.
: >"$T/ran"
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --max 5 --exec "$T/handler" \
    2>"$T/consume.log" </dev/null || rc=$?
assert_eq "exit status with nothing to do" 0 "$rc"
assert_eq "no handler run with nothing to do" "" "$(cat "$T/ran")"

# --max N handles N at most; --name names the consumer.
post_many mx 1 5
forward_all
: >"$T/ran"
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --name worker-one --max 2 \
    --exec "$T/handler" 2>"$T/consume.log" </dev/null
assert_eq "--max 2 runs" "mx-0001 mx-0002" "$(cut -d'|' -f1 "$T/ran" | xargs)"
rcli r XINFO CONSUMERS hookspool hookspool | grep -qx worker-one ||
    fail "no consumer worker-one"
ok "--name"
"$HOOKSPOOL" consume --redis "unix:$REDIS_SOCK" --max 100 --exec "$T/handler" \
    2>"$T/consume.log" </dev/null
assert_eq "the rest, over the unix socket" "mx-0001 mx-0002 mx-0003 mx-0004 mx-0005" \
    "$(cut -d'|' -f1 "$T/ran" | xargs)"

# --type PATTERN: the others are acknowledged, not run, counted as skipped.
: >"$T/ran"
post ty-1 message.created
post ty-2 conversation.updated
post ty-3 message.deleted
post ty-4 conversation.created
forward_all
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --type 'message.*' --max 100 \
    --exec "$T/handler" 2>"$T/consume.log" </dev/null || rc=$?
assert_eq "--type exit status" 0 "$rc"
assert_eq "--type runs" "ty-1 ty-3" "$(cut -d'|' -f1 "$T/ran" | xargs)"
grep -q '^hookspool consume: 2 done, 0 to retry, 0 failed, 2 skipped$' "$T/consume.log" ||
    fail "summary line: $(cat "$T/consume.log")"
ok "skipped entries are counted"
assert_eq "skipped entries are acknowledged" 0 "$(pending r)"
: >"$T/ran"
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --max 100 --exec "$T/handler" \
    2>"$T/consume.log" </dev/null
assert_eq "skipped entries do not come back" "" "$(cat "$T/ran")"

# --group: another group gets every entry of the stream, from its start
# (those skipped above: the done ones were deleted).
: >"$T/ran"
before=$(stream_ids r hookspool | xargs)
assert_eq "the stream holds the skipped entries" "ty-2 ty-4" "$before"
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --group audit --max 100 \
    --exec "$T/handler" 2>"$T/consume.log" </dev/null
assert_eq "a new group starts at the stream's start" "$before" \
    "$(cut -d'|' -f1 "$T/ran" | xargs)"
assert_eq "nothing pending in the group audit" 0 "$(pending r hookspool audit)"

# --stream: another stream, its own group.
SPOOL=$T/spool2
make_conf
post st-1
forward_all --stream elsewhere
: >"$T/ran"
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --stream elsewhere --max 100 \
    --exec "$T/handler" 2>"$T/consume.log" </dev/null
assert_eq "--stream elsewhere" st-1 "$(cut -d'|' -f1 "$T/ran")"

# A failing handler: exit 1, the entry stays pending, the reason is said.
post st-2
forward_all --stream elsewhere
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --stream elsewhere --max 100 \
    --exec 'exit 7' 2>"$T/consume.log" </dev/null || rc=$?
assert_eq "exit status when a handler failed" 1 "$rc"
grep -q '^hookspool consume: 0 done, 1 to retry, 0 failed$' "$T/consume.log" ||
    fail "summary line: $(cat "$T/consume.log")"
grep -q 'st-2.*exited 7' "$T/consume.log" ||
    fail "no message about the failure: $(cat "$T/consume.log")"
ok "the failure is reported"
assert_eq "the failed entry stays pending" 1 "$(pending r elsewhere)"

# A handler that runs past --timeout is stopped, and its delivery counts
# as failed: the entry stays pending for a retry.
post st-3
forward_all --stream elsewhere
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --stream elsewhere --group slow \
    --max 100 --exec 'exit 0' 2>"$T/consume.log" </dev/null
post st-4
forward_all --stream elsewhere
start=$(date +%s)
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --stream elsewhere --group slow \
    --max 100 --timeout 1s --idle 7s --exec 'sleep 60' 2>"$T/consume.log" \
    </dev/null || rc=$?
took=$(($(date +%s) - start))
assert_eq "exit status when a handler timed out" 1 "$rc"
[ "$took" -lt 15 ] || fail "consume with a handler past --timeout 1s took $took s"
ok "a handler past --timeout is stopped ($took s)"
grep -q 'st-4' "$T/consume.log" || fail "no message about st-4: $(cat "$T/consume.log")"
assert_eq "the timed-out entry stays pending" 1 "$(pending r elsewhere slow)"

# A large event (900 kB) goes through whole: the stream's line and the
# handler's stdin are the spooled line.
SPOOL=$T/spool3
make_conf
{
	printf '{"id":"big-1","type":"message.created","payload":"'
	head -c 675000 /dev/urandom | base64 -w 0
	printf '"}'
} >"$T/big.json"
cgi_post "$T/big.json"
assert_eq "the large event is accepted" 200 "$STATUS"
cat "$SPOOL"/new/* >"$T/big.line"
forward_all --stream big
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --stream big --max 10 \
    --exec 'cat >"$OUT/big.stdin"' 2>"$T/consume.log" </dev/null
cmp -s "$T/big.line" "$T/big.stdin" || fail "the large event's stdin differs from its line"
ok "the large event's stdin is its spooled line ($(wc -c <"$T/big.stdin") bytes)"
