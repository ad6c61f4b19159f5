#!/bin/bash
# hookspool list and show: one line per event of new/, cur/, failed/ and
# done/ (state, webhook, id, type, attempts, age, the last failure's
# reason), --state, --webhook, --type, --json; show ID: the line, the
# state and the history with the handler's standard error; an unknown id
# is an error that names it. Both only read: during a live drain's claim
# they leave the claim where it is, and the drain finishes normally.
. "$top_srcdir/tests/setup.sh"

make_conf "keep = 1d"
cat >>"$CONF" <<CONF
[webhook other]
path = /other/
secret_file = $SECRET_FILE
CONF
post n-1 message.created
post n-2 conversation.updated PATH_INFO=/other
post f-1 fail.me
post d-1 done.me
post c-1 slow.me

# failed/: a handler that writes to stderr, then exits 3
rc=0
"$HOOKSPOOL" drain -c "$CONF" --type 'fail.*' --attempts 1 \
    --exec 'echo "boom on $HOOKSPOOL_ID" >&2; exit 3' 2>"$T/drain.log" || rc=$?
assert_eq "the failing drain's exit status" 1 "$rc"
# done/: kept, with keep = 1d
"$HOOKSPOOL" drain -c "$CONF" --type 'done.*' --exec true 2>"$T/drain.log"
# cur/: a live drain's claim, its handler waiting for $T/go
export OUT=$T
"$HOOKSPOOL" drain -c "$CONF" --type 'slow.*' \
    --exec 'touch "$OUT/started"; while [ ! -e "$OUT/go" ]; do sleep 0.05; done' \
    2>"$T/slow.log" &
slow=$!
CLEANUP_PIDS="$CLEANUP_PIDS $slow"
wait_until "the slow handler did not start" test -e "$T/started"
claimed=$(ls "$SPOOL/cur")
[ -n "$claimed" ] || fail "nothing claimed in cur/"

# list: each state, the reason of the last failure
"$HOOKSPOOL" list -c "$CONF" >"$T/list" 2>"$T/list.log"
row() { awk -v id="$1" '$3 == id { $6 = "AGE"; print }' "$T/list"; }
assert_eq "a new event" "new protocol n-1 message.created 0 AGE -" "$(row n-1)"
assert_eq "the other webhook's" "new other n-2 conversation.updated 0 AGE -" "$(row n-2)"
assert_eq "a failed event and its reason" "failed protocol f-1 fail.me 1 AGE exited 3" \
    "$(row f-1)"
assert_eq "a done event" "done protocol d-1 done.me 0 AGE -" "$(row d-1)"
assert_eq "a claimed event" "cur protocol c-1 slow.me 0 AGE -" "$(row c-1)"
assert_eq "one line each" 5 "$(wc -l <"$T/list" | tr -d ' ')"
assert_eq "list says nothing on stderr" "" "$(cat "$T/list.log")"

ids() { "$HOOKSPOOL" list -c "$CONF" "$@" | awk '{ print $3 }' | sort | xargs; }
assert_eq "--state failed" f-1 "$(ids --state failed)"
assert_eq "--state new --state done" "d-1 n-1 n-2" "$(ids --state new --state done)"
assert_eq "--state cur" c-1 "$(ids --state cur)"
assert_eq "--webhook other" n-2 "$(ids --webhook other)"
assert_eq "--type 'message.*'" n-1 "$(ids --type 'message.*')"
assert_eq "--type and --state together" "" "$(ids --type 'message.*' --state failed)"
rc=0
"$HOOKSPOOL" list -c "$CONF" --state gone >/dev/null 2>"$T/list.log" || rc=$?
assert_eq "an unknown --state: a usage error" 2 "$rc"
grep -q -- "--state" "$T/list.log" || fail "the error does not name --state: $(cat "$T/list.log")"

# --json: one array that python3 reads
"$HOOKSPOOL" list -c "$CONF" --json >"$T/list.json"
python3 - "$T/list.json" <<'PY' || fail "list --json: $(cat "$T/list.json")"
import json, sys
v = json.load(open(sys.argv[1]))
by = {e["id"]: e for e in v}
assert len(v) == 5, v
assert by["f-1"]["state"] == "failed" and by["f-1"]["reason"] == "exited 3", by["f-1"]
assert by["f-1"]["attempts"] == 1 and by["f-1"]["webhook"] == "protocol"
assert by["n-2"]["webhook"] == "other" and by["n-2"]["reason"] is None
assert by["d-1"]["state"] == "done" and by["c-1"]["state"] == "cur"
assert by["n-1"]["type"] == "message.created"
assert all(isinstance(e["age_s"], int) for e in v)
PY
ok "list --json parses, with states, webhooks and the reason"

# show: the line, the state, the history with the handler's stderr
rc=0
"$HOOKSPOOL" show -c "$CONF" f-1 >"$T/show" 2>&1 || rc=$?
assert_eq "show's exit status" 0 "$rc"
grep -q '^state  *failed' "$T/show" || fail "show: no failed state: $(cat "$T/show")"
grep -qF '"id":"f-1","type":"fail.me"' "$T/show" || fail "show: no line: $(cat "$T/show")"
grep -q 'attempt 1 failed: exited 3' "$T/show" || fail "show: no history: $(cat "$T/show")"
grep -qF '| boom on f-1' "$T/show" || fail "show: no handler stderr: $(cat "$T/show")"
ok "show: line, state, history with the handler's stderr"
"$HOOKSPOOL" show -c "$CONF" c-1 >"$T/show"
grep -q 'claimed by a drain that is at work on it' "$T/show" ||
    fail "show: the live claim is not told: $(cat "$T/show")"
ok "show tells a live drain's claim"
"$HOOKSPOOL" show -c "$CONF" d-1 >"$T/show"
grep -q '^state  *done' "$T/show" || fail "show: no done state: $(cat "$T/show")"
rc=0
"$HOOKSPOOL" show -c "$CONF" no-such-id >"$T/show" 2>"$T/show.log" || rc=$?
[ "$rc" != 0 ] || fail "show of an unknown id exited 0"
grep -q 'no-such-id' "$T/show.log" || fail "the error does not name the id: $(cat "$T/show.log")"
ok "show of an unknown id: exit $rc, $(cat "$T/show.log")"

# nothing was disturbed: the claim stays, the drain finishes normally
assert_eq "the claim is where it was" "$claimed" "$(ls "$SPOOL/cur")"
kill -0 "$slow" || fail "the claiming drain died"
touch "$T/go"
rc=0
wait "$slow" || rc=$?
assert_eq "the claiming drain's exit status" 0 "$rc"
grep -q '^hookspool drain: 1 done, 0 to retry, 0 failed$' "$T/slow.log" ||
    fail "the claiming drain: $(cat "$T/slow.log")"
ok "the claiming drain finished normally"
assert_eq "cur/ at the end" 0 "$(count cur)"
assert_eq "c-1 is done" "done protocol c-1" \
    "$("$HOOKSPOOL" list -c "$CONF" --state done | awk '$3 == "c-1" { print $1, $2, $3 }')"
