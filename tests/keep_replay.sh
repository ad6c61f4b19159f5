#!/bin/bash
# keep = D: done events stay in done/ for D, then the purge of every drain
# (or hookspool purge) removes them and empties their dedup marker. replay
# ID puts one back into new/ with fresh attempts; a drain handles it
# again and its history says it was replayed. A replayed id is not a
# duplicate of itself, and a POST of the same id by the sender is still
# answered duplicate.
. "$top_srcdir/tests/setup.sh"

make_conf "keep = 2d"
post r-1
post p-1
export OUT=$T
handler='echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT" >>"$OUT/ran"'
"$HOOKSPOOL" drain -c "$CONF" --exec "$handler" 2>"$T/drain.log"
assert_eq "handled once each" "r-1 1
p-1 1" "$(cat "$T/ran")"
assert_eq "kept in done/" 2 "$(count done)"
assert_eq "new/ and cur/ empty" 0 "$(($(count new) + $(count cur)))"

# the sender's POST of a done id: a duplicate
post r-1
grep -q '"duplicate"' "$T/cgi.out" || fail "a done id was spooled again"
ok "a POST of a done id is a duplicate"

# replay: back into new/ with fresh attempts, logged as a replay
rc=0
"$HOOKSPOOL" replay -c "$CONF" r-1 2>"$T/replay.log" || rc=$?
assert_eq "replay's exit status" 0 "$rc"
grep -q 'event r-1 of webhook protocol: replayed' "$T/replay.log" ||
    fail "replay does not say so: $(cat "$T/replay.log")"
ok "replay says so: $(cat "$T/replay.log")"
assert_eq "back in new/" "new protocol r-1 0" \
    "$("$HOOKSPOOL" list -c "$CONF" --state new | awk '{ print $1, $2, $3, $5 }')"
: >"$T/ran"
"$HOOKSPOOL" drain -c "$CONF" --exec "$handler" 2>"$T/drain.log"
assert_eq "handled again, as attempt 1" "r-1 1" "$(cat "$T/ran")"
"$HOOKSPOOL" show -c "$CONF" r-1 >"$T/show"
grep -q 'replayed: put back into new/ by hookspool replay' "$T/show" ||
    fail "show does not say it was replayed: $(cat "$T/show")"
ok "its history says it was replayed"
assert_eq "done again, in done/" "done r-1" \
    "$("$HOOKSPOOL" list -c "$CONF" | awk '$3 == "r-1" { print $1, $3 }')"

# the sender's POST after the replay: still a duplicate
post r-1
grep -q '"duplicate"' "$T/cgi.out" || fail "a replayed id was spooled again"
ok "a POST of a replayed id is still a duplicate"
assert_eq "nothing waiting" 0 "$(count new)"

# replay of what is not done: an error naming the id
rc=0
"$HOOKSPOOL" replay -c "$CONF" no-such-id 2>"$T/replay.log" || rc=$?
[ "$rc" != 0 ] || fail "replay of an unknown id exited 0"
grep -q no-such-id "$T/replay.log" || fail "replay's error: $(cat "$T/replay.log")"
ok "replay of an unknown id: exit $rc"

# past keep: purged by the next drain's recovery, its marker emptied
p=$(grep -l '"id":"p-1"' "$SPOOL"/done/*)
touch -d '3 days ago' "$p"
"$HOOKSPOOL" drain -c "$CONF" --exec "$handler" 2>"$T/drain.log"
assert_eq "p-1, done 3 days ago, is purged" "" \
    "$(grep -l '"id":"p-1"' "$SPOOL"/done/* 2>/dev/null || :)"
assert_eq "r-1, done now, stays" 1 "$(count done)"
if grep -rqF '"id":"p-1"' "$SPOOL"; then
	fail "a copy of p-1 is left: $(grep -rlF '"id":"p-1"' "$SPOOL")"
fi
ok "no copy of p-1 is left in the spool"
post p-1
grep -q '"duplicate"' "$T/cgi.out" || fail "p-1's marker went with it"
ok "its (empty) marker still answers duplicate"
"$HOOKSPOOL" replay -c "$CONF" p-1 2>/dev/null && fail "a purged event was replayed"
ok "a purged event cannot be replayed"

# hookspool purge does it too
touch -d '3 days ago' "$SPOOL"/done/*
"$HOOKSPOOL" purge -c "$CONF" --older-than 30d 2>"$T/purge.log"
assert_eq "hookspool purge removes done events past keep" 0 "$(count done)"
