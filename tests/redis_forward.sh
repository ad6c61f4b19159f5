#!/bin/bash
# hookspool forward into a real redis-server: one stream entry per event
# with the spool line verbatim, the dedup key named as the spool's marker
# with its TTL, --stream, --max, --maxlen, the summary line, a unix
# socket, and the usage errors of both verbs.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

# --stream-node-max-entries 10: trimming with MAXLEN ~ (whole nodes)
# stays within 10 entries of the asked length.
redis_start r --stream-node-max-entries 10
make_conf
post fw-1 message.created
post fw-2 conversation.updated
post 'fw\"3\"' message.deleted
cat "$SPOOL"/new/* >"$T/lines"
ls "$SPOOL/ids" | sort >"$T/markers"

rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/forward.log" || rc=$?
assert_eq "exit status when all are forwarded" 0 "$rc"
grep -q '^hookspool forward: 3 added, 0 duplicates, 0 to retry, 0 failed$' "$T/forward.log" ||
    fail "summary line: $(cat "$T/forward.log")"
ok "one-line summary"
assert_eq "new/ after forward" 0 "$(count new)"
assert_eq "cur/ after forward" 0 "$(count cur)"
assert_eq "failed/ after forward" 0 "$(count failed)"
assert_eq "entries in the stream hookspool" 3 "$(stream_len r hookspool)"

# Each entry: the fields id, webhook, type, line; line is the spool line
# without its newline, in arrival order.
stream_entries r hookspool >"$T/entries"
assert_eq "lines in the stream are the spool's, in order" "$(cat "$T/lines")" \
    "$(stream_field line <"$T/entries")"
assert_eq "ids" "fw-1
fw-2
fw\"3\"" "$(stream_field id <"$T/entries")"
assert_eq "types" "message.created
conversation.updated
message.deleted" "$(stream_field type <"$T/entries")"
assert_eq "webhooks" "protocol
protocol
protocol" "$(stream_field webhook <"$T/entries")"
assert_eq "no other fields" "id line type webhook" \
    "$(head -n 1 "$T/entries" | cut -f2- | tr '\t' '\n' | awk 'NR % 2' | sort | xargs)"

# The dedup keys: {hookspool}:seen:HASH, HASH the sha256 of webhook, NUL,
# id (the marker's name in ids/), with the default TTL of 7 days.
rcli r --scan --pattern '{hookspool}:seen:*' | sed 's/^{hookspool}:seen://' | sort >"$T/seen"
assert_eq "seen keys named as the spool's markers" "$(cat "$T/markers")" "$(cat "$T/seen")"
hash=$(printf 'protocol\000fw-2' | sha256sum | cut -d' ' -f1)
grep -qx "$hash" "$T/seen" || fail "no seen key for sha256(protocol NUL fw-2) = $hash"
ok "the seen key's hash is sha256 of webhook, NUL, id"
ttl=$(rcli r TTL "{hookspool}:seen:$hash")
[ "$ttl" -gt $((7 * 86400 - 60)) ] && [ "$ttl" -le $((7 * 86400)) ] ||
    fail "the seen key's TTL is $ttl, not about 7 days"
ok "the seen key lives 7 days"

# Nothing to do: exit 0, nothing added.
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/forward.log" || rc=$?
assert_eq "exit status of an empty forward" 0 "$rc"
assert_eq "an empty forward adds nothing" 3 "$(stream_len r hookspool)"

# A forwarded id posted again is a duplicate at the responder (the marker
# stands); once the marker is purged and the id spooled again, forward
# finds it seen and adds nothing.
post fw-1 message.created
grep -q '"duplicate"' "$T/cgi.out" || fail "a forwarded id was spooled again"
ok "a forwarded id stays a duplicate at the responder"
rm -f "$SPOOL/ids/$(printf 'protocol\000fw-1' | sha256sum | cut -d' ' -f1)"
post fw-1 message.created
assert_eq "fw-1 spooled again without its marker" 1 "$(count new)"
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/forward.log" || rc=$?
assert_eq "exit status when all were duplicates" 0 "$rc"
grep -q '^hookspool forward: 0 added, 1 duplicates, 0 to retry, 0 failed$' "$T/forward.log" ||
    fail "summary line: $(cat "$T/forward.log")"
ok "the summary counts the duplicate"
assert_eq "a duplicate leaves the spool" 0 "$(count new)"
assert_eq "a duplicate adds no entry" 3 "$(stream_len r hookspool)"

# An id in UTF-8: the field holds its bytes, the key hashes them.
post 'fw-ü-€' message.created
forward_all
assert_eq "a UTF-8 id" 'fw-ü-€' "$(stream_ids r hookspool | tail -n 1)"
hash=$(printf 'protocol\000fw-ü-€' | sha256sum | cut -d' ' -f1)
assert_eq "a UTF-8 id's seen key" 1 "$(rcli r EXISTS "{hookspool}:seen:$hash")"
assert_eq "a UTF-8 id's marker has the same name" 1 \
    "$(find "$SPOOL/ids" -name "$hash" | wc -l | tr -d ' ')"

# --stream, --ttl, --max, over the unix socket.
post_many mx 1 5
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "unix:$REDIS_SOCK" --stream other \
    --ttl 1h --max 3 2>"$T/forward.log" || rc=$?
assert_eq "--max 3 exit status" 0 "$rc"
assert_eq "--max 3 forwards the 3 oldest" "mx-0001
mx-0002
mx-0003" "$(stream_ids r other)"
assert_eq "--max leaves the rest" 2 "$(count new)"
assert_eq "--stream leaves hookspool alone" 4 "$(stream_len r hookspool)"
hash=$(printf 'protocol\000mx-0001' | sha256sum | cut -d' ' -f1)
ttl=$(rcli r TTL "{other}:seen:$hash")
[ "$ttl" -gt 3500 ] && [ "$ttl" -le 3600 ] ||
    fail "with --ttl 1h the seen key's TTL is $ttl"
ok "--ttl 1h and the key {other}:seen:HASH"
"$HOOKSPOOL" forward -c "$CONF" --redis "unix:$REDIS_SOCK" --stream other \
    2>"$T/forward.log"
assert_eq "the rest, over the unix socket" 5 "$(stream_len r other)"

# The dedup window is --ttl: once the key has expired, the same id spooled
# again is added again.
post ttl-1
forward_all --stream short --ttl 1s
rm -f "$SPOOL/ids/$(printf 'protocol\000ttl-1' | sha256sum | cut -d' ' -f1)"
post ttl-1
sleep 1.5
forward_all --stream short --ttl 1s
assert_eq "an id spooled after --ttl is added again" "ttl-1
ttl-1" "$(stream_ids r short)"

# An event another process holds a lock on (a reader, another drain) is
# left in new/ as it is, counted busy; the next run takes it.
post lk-1
post lk-2
post lk-3
locked=$(grep -l '"id":"lk-2"' "$SPOOL"/new/*)
"$top_builddir/tests/holdlock" 300 "$locked" >"$T/holder.out" 2>>"$T/holder.log" &
holder=$!
CLEANUP_PIDS="$CLEANUP_PIDS $holder"
wait_until "the reader did not lock lk-2" grep -q locked "$T/holder.out"
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --stream locks \
    2>"$T/forward.log" || rc=$?
grep -q '^hookspool forward: 2 added, 0 duplicates, 0 to retry, 0 failed, 1 busy' \
    "$T/forward.log" || fail "summary line: $(cat "$T/forward.log")"
ok "the locked event is counted busy (exit status $rc)"
[ -f "$locked" ] || fail "the locked event left new/ or was renamed"
ok "the locked event stays in new/ under its name"
kill "$holder"
wait "$holder" 2>/dev/null || :
forward_all --stream locks
assert_eq "once the lock is gone it is forwarded" "lk-1 lk-3 lk-2" \
    "$(stream_ids r locks | xargs)"

# HOOKSPOOL_CONFIG is used without -c.
post env-1
HOOKSPOOL_CONFIG=$CONF "$HOOKSPOOL" forward --redis "$REDIS_ADDR" --stream env \
    2>"$T/forward.log"
assert_eq "HOOKSPOOL_CONFIG" env-1 "$(stream_ids r env)"

# --maxlen N: the stream is trimmed to about N entries.
post_many ml 1 100
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --stream trimmed \
    --maxlen 20 2>"$T/forward.log"
len=$(stream_len r trimmed)
[ "$len" -ge 20 ] && [ "$len" -le 30 ] ||
    fail "--maxlen 20 left $len entries of 100"
ok "--maxlen 20 kept $len of 100 entries"
assert_eq "--maxlen keeps the newest" ml-0100 "$(stream_ids r trimmed | tail -n 1)"

# Usage errors: exit 2, nothing touched.
post us-1
before=$(ls "$SPOOL/new")
for args in "" "--redis" "--redis nohost" "--redis 127.0.0.1:notaport" \
    "--redis 127.0.0.1:$REDIS_PORT --max 0" \
    "--redis 127.0.0.1:$REDIS_PORT --attempts 0" \
    "--redis 127.0.0.1:$REDIS_PORT --ttl soon" \
    "--redis 127.0.0.1:$REDIS_PORT --bogus" \
    "--redis 127.0.0.1:$REDIS_PORT stray" \
    "--redis 127.0.0.1:$REDIS_PORT --auth-file $T/missing" \
    "--redis 127.0.0.1:$REDIS_PORT --stream a{b}"; do
	rc=0
	# shellcheck disable=SC2086
	"$HOOKSPOOL" forward -c "$CONF" $args 2>"$T/usage.log" || rc=$?
	assert_eq "exit status of forward $args" 2 "$rc"
done
assert_eq "nothing touched by failed invocations" "$before" "$(ls "$SPOOL/new")"
assert_eq "nothing added by failed invocations" 4 "$(stream_len r hookspool)"
for args in "" "--redis $REDIS_ADDR" "--exec true" \
    "--redis $REDIS_ADDR --exec true --timeout 1s --idle 6s" \
    "--redis $REDIS_ADDR --exec true --idle 5m" \
    "--redis $REDIS_ADDR --exec true --attempts 0" \
    "--redis $REDIS_ADDR --exec true --max x" \
    "--redis $REDIS_ADDR --exec true stray"; do
	rc=0
	# shellcheck disable=SC2086
	"$HOOKSPOOL" consume $args 2>"$T/usage.log" </dev/null || rc=$?
	assert_eq "exit status of consume $args" 2 "$rc"
done
assert_eq "no consumer group made by failed invocations" "" \
    "$(rcli r XINFO GROUPS hookspool)"
