#!/bin/bash
# hookspool status (--json, --warn-age, --warn-failed, the counts by
# webhook and type) and purge --older-than.
. "$top_srcdir/tests/setup.sh"

post() {
	event "$1" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
	grep -q "\"$2\"" "$T/cgi.out" || fail "posting $1: not $2: $(cat "$T/cgi.out")"
}
# marker ID: the dedup marker of an event id of webhook protocol.
marker() {
	printf 'protocol\0%s' "$1" | sha256sum | cut -d' ' -f1
}

make_conf
"$HOOKSPOOL" check -c "$CONF" >/dev/null
assert_eq "status --json of an empty spool" \
    "[{\"spool\":\"$SPOOL\",\"new\":0,\"cur\":0,\"failed\":0,\"tmp\":0,\"oldest_new_age_s\":0,\"webhooks\":{},\"answers\":{}}]" \
    "$("$HOOKSPOOL" status -c "$CONF" --json)"

post st-1 accepted
post st-2 accepted
post st-3 accepted
"$HOOKSPOOL" drain -c "$CONF" --max 1 --attempts 1 --exec false 2>/dev/null || :
json=$("$HOOKSPOOL" status -c "$CONF" --json)
assert_eq "status --json counts" \
    "[{\"spool\":\"$SPOOL\",\"new\":2,\"cur\":0,\"failed\":1,\"tmp\":0,\"oldest_new_age_s\":N,\"webhooks\":{\"protocol\":{\"new\":2,\"cur\":0,\"failed\":1,\"types\":{\"conversation.updated\":{\"new\":2,\"cur\":0,\"failed\":1}}}},\"answers\":{\"protocol\":{\"accepted\":3,\"duplicate\":0,\"ignored\":0,\"handshake\":0,\"400\":0,\"401\":0,\"404\":0,\"405\":0,\"408\":0,\"411\":0,\"413\":0,\"500\":0,\"503\":0}}}]" \
    "$(printf '%s' "$json" | sed 's/"oldest_new_age_s":[0-9][0-9]*,/"oldest_new_age_s":N,/')"
"$HOOKSPOOL" status -c "$CONF" >"$T/status.txt"
sed 's/oldest waiting [0-9]*s$/oldest waiting Ns/' "$T/status.txt" >"$T/status.words"
cat >"$T/status.want" <<EOF
$SPOOL: 2 new, 0 cur, 1 failed, 0 tmp, oldest waiting Ns
  webhook protocol: 2 new, 0 cur, 1 failed
    type conversation.updated: 2 new, 0 cur, 1 failed
  answers protocol: 3 accepted
  failed: event st-1 of webhook protocol: exited 1
EOF
cmp -s "$T/status.want" "$T/status.words" || fail "status: $(cat "$T/status.txt")"
ok "status in words"


# --warn-age: exit 1 once the oldest waiting event is older.
sleep 2
age=$("$HOOKSPOOL" status -c "$CONF" --json | sed 's/.*"oldest_new_age_s":\([0-9]*\).*/\1/')
[ "$age" -ge 2 ] || fail "oldest_new_age_s is $age after 2 s"
ok "the age grows"
rc=0
"$HOOKSPOOL" status -c "$CONF" --warn-age 1s >/dev/null 2>"$T/status.log" || rc=$?
assert_eq "status --warn-age 1s" 1 "$rc"
grep -q 'oldest waiting event' "$T/status.log" || fail "no warning: $(cat "$T/status.log")"
rc=0
"$HOOKSPOOL" status -c "$CONF" --warn-age 1h >/dev/null || rc=$?
assert_eq "status --warn-age 1h" 0 "$rc"

# --warn-failed N: exit 1 once failed/ holds N or more (1 is there).
rc=0
"$HOOKSPOOL" status -c "$CONF" --warn-failed 1 >/dev/null 2>"$T/status.log" || rc=$?
assert_eq "status --warn-failed 1" 1 "$rc"
grep -q 'failed/ holds 1 events (1 or more)' "$T/status.log" ||
    fail "no --warn-failed message: $(cat "$T/status.log")"
rc=0
"$HOOKSPOOL" status -c "$CONF" --warn-failed 2 >/dev/null 2>"$T/status.log" || rc=$?
assert_eq "status --warn-failed 2" 0 "$rc"
# with --warn-age, each is checked and either exits 1, each with its word
rc=0
"$HOOKSPOOL" status -c "$CONF" --warn-failed 2 --warn-age 1s >/dev/null \
    2>"$T/status.log" || rc=$?
assert_eq "status --warn-failed 2 --warn-age 1s" 1 "$rc"
rc=0
"$HOOKSPOOL" status -c "$CONF" --warn-failed 1 --warn-age 1s >/dev/null \
    2>"$T/status.log" || rc=$?
assert_eq "status --warn-failed 1 --warn-age 1s" 1 "$rc"
assert_eq "both warnings given" 2 "$(wc -l <"$T/status.log" | tr -d ' ')"
rc=0
"$HOOKSPOOL" status -c "$CONF" --warn-failed 1 --prometheus >/dev/null \
    2>/dev/null || rc=$?
assert_eq "status --warn-failed 1 --prometheus" 1 "$rc"
for args in "--warn-age soon" "--bogus" "stray" "--warn-failed 0" \
    "--warn-failed x" "--json --prometheus" "--stream s"; do
	rc=0
	# shellcheck disable=SC2086
	"$HOOKSPOOL" status -c "$CONF" $args >/dev/null 2>&1 || rc=$?
	assert_eq "status $args" 2 "$rc"
done
rc=0
"$HOOKSPOOL" status -c "$T/missing.conf" >/dev/null 2>&1 || rc=$?
assert_eq "status with a missing config" 2 "$rc"

# purge: finish st-2 and st-3, age the markers of st-1 (still in failed/)
# and st-2, then purge those older than two days.
"$HOOKSPOOL" drain -c "$CONF" --exec true 2>/dev/null
assert_eq "markers" 3 "$(count ids)"
touch -d '3 days ago' "$SPOOL/ids/$(marker st-1)" "$SPOOL/ids/$(marker st-2)"
rc=0
"$HOOKSPOOL" purge -c "$CONF" --older-than 2d 2>"$T/purge.log" || rc=$?
assert_eq "purge exit status" 0 "$rc"
grep -q '1 markers removed, 1 kept' "$T/purge.log" || fail "purge: $(cat "$T/purge.log")"
ok "purge counts"
[ ! -e "$SPOOL/ids/$(marker st-2)" ] || fail "the old marker of st-2 is still there"
ok "the old marker of a finished event is gone"
[ -e "$SPOOL/ids/$(marker st-1)" ] || fail "the marker of st-1, still in failed/, was removed"
ok "the marker of an event still in failed/ stays"
[ -e "$SPOOL/ids/$(marker st-3)" ] || fail "the recent marker of st-3 was removed"
ok "a recent marker stays"
post st-2 accepted
post st-3 duplicate
post st-1 duplicate
ok "what the markers mean after purge"
for args in "" "--older-than" "--older-than soon" "--older-than 1d stray"; do
	rc=0
	# shellcheck disable=SC2086
	"$HOOKSPOOL" purge -c "$CONF" $args >/dev/null 2>&1 || rc=$?
	assert_eq "purge $args" 2 "$rc"
done

# A line that is not hookspool's counts as (unknown); new/ by webhook and
# type, a type of its own.
printf 'not an event\n' >"$SPOOL/new/9999999999.000000.P1Q1.x"
post st-4 accepted
event st-5 message.created >"$T/body"
cgi_post "$T/body"
"$HOOKSPOOL" status -c "$CONF" >"$T/status.txt"
grep -qx '  webhook (unknown): 1 new, 0 cur, 0 failed' "$T/status.txt" &&
    grep -qx '    type (unknown): 1 new, 0 cur, 0 failed' "$T/status.txt" &&
    grep -qx '    type message.created: 1 new, 0 cur, 0 failed' "$T/status.txt" ||
    fail "status by webhook and type: $(cat "$T/status.txt")"
ok "status by webhook and type"
