#!/bin/bash
# The drain takes from new/ only regular files owned by the spool's owner
# and not writable by its group or others. A file anyone could have
# written, another user's file, a symbolic link and a fifo each go to
# failed/ with a reason, are never opened in a way that blocks or follows,
# and never reach the handler; a good event beside them is handled. requeue
# leaves such files in failed/.
. "$top_srcdir/tests/setup.sh"

post() {
	event "$1" >"$T/$1.json"
	cgi_post "$T/$1.json"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}
# forge NAME ID: new/NAME holding a copy of good-1's line, with id ID.
forge() {
	sed "s/\"good-1\"/\"$2\"/g" "$GOOD" >"$SPOOL/new/$1"
}

cat >"$T/handler" <<'HANDLER'
#!/bin/sh
echo "$HOOKSPOOL_ID" >>"$OUT/ran"
HANDLER
chmod +x "$T/handler"
export OUT=$T

make_conf
post good-1
GOOD=$(ls "$SPOOL"/new/*)
# Older names than the good event's, so each is met first.
forge 0000000001.000001.P1Q1.mode evil-mode
chmod 666 "$SPOOL/new/0000000001.000001.P1Q1.mode"
sed "s/\"good-1\"/\"evil-link\"/g" "$GOOD" >"$T/outside.json"
cp "$T/outside.json" "$T/outside.orig"
ln -s "$T/outside.json" "$SPOOL/new/0000000001.000003.P1Q1.link"
mkfifo "$SPOOL/new/0000000001.000004.P1Q1.fifo"
expect="0000000001.000001.P1Q1.mode (writable by its group or others)
0000000001.000003.P1Q1.link (a symbolic link)
0000000001.000004.P1Q1.fifo (not a regular file)"
nrefused=3
if [ "$(id -u)" = 0 ]; then
	forge 0000000001.000002.P1Q1.owner evil-owner
	chmod 600 "$SPOOL/new/0000000001.000002.P1Q1.owner"
	chown nobody "$SPOOL/new/0000000001.000002.P1Q1.owner"
	expect="0000000001.000001.P1Q1.mode (writable by its group or others)
0000000001.000002.P1Q1.owner (not owned by the spool's owner)
0000000001.000003.P1Q1.link (a symbolic link)
0000000001.000004.P1Q1.fifo (not a regular file)"
	nrefused=4
fi

rc=0
timeout 60 "$HOOKSPOOL" drain -c "$CONF" --exec "$T/handler" 2>"$T/drain.log" || rc=$?
assert_eq "drain's exit status beside refused files" 1 "$rc"
assert_eq "the handler ran for the good event only" good-1 "$(cat "$T/ran")"
assert_eq "what the drain said of each refused file" "$expect" \
    "$(sed -n "s|^hookspool drain: spool $SPOOL: refused new/\(.*\); moved to failed/$|\1|p" "$T/drain.log")"
grep -q "^hookspool drain: 1 done, 0 to retry, 0 failed, $nrefused refused$" "$T/drain.log" ||
    fail "summary: $(tail -n 1 "$T/drain.log")"
ok "the summary counts the refused files"
assert_eq "new/ after" "" "$(ls -A "$SPOOL/new")"
assert_eq "failed/ holds the refused files under their names" \
    "$(printf '%s\n' "$expect" | cut -d' ' -f1)" "$(ls -A "$SPOOL/failed")"
[ -L "$SPOOL/failed/0000000001.000003.P1Q1.link" ] || fail "the link is not kept as a link"
[ -p "$SPOOL/failed/0000000001.000004.P1Q1.fifo" ] || fail "the fifo is not kept as a fifo"
cmp -s "$T/outside.json" "$T/outside.orig" || fail "the file the link named was changed"
[ -f "$T/outside.json" ] && [ ! -L "$T/outside.json" ] || fail "the file the link named is gone"
ok "the file the link named is untouched"
"$HOOKSPOOL" status -c "$CONF" | grep -q "^$SPOOL: 0 new, 0 cur, $nrefused failed, 0 tmp," ||
    fail "status: $("$HOOKSPOOL" status -c "$CONF")"
ok "status counts them as failed"

# requeue leaves them in failed/, and says so; a real failed event beside
# them goes back to new/.
post good-2
"$HOOKSPOOL" drain -c "$CONF" --attempts 1 --exec false 2>/dev/null || :
assert_eq "good-2 failed" $((nrefused + 1)) "$(ls -A "$SPOOL/failed" | wc -l)"
rc=0
"$HOOKSPOOL" requeue -c "$CONF" --all 2>"$T/requeue.log" || rc=$?
assert_eq "requeue --all's exit status beside refused files" 1 "$rc"
assert_eq "what requeue said of each refused file" "$expect" \
    "$(sed -n "s|^hookspool requeue: spool $SPOOL: refused failed/\(.*\); left in failed/$|\1|p" "$T/requeue.log")"
grep -q '^hookspool requeue: 1 requeued$' "$T/requeue.log" ||
    fail "requeue: $(cat "$T/requeue.log")"
assert_eq "refused files stay in failed/" "$nrefused" "$(ls -A "$SPOOL/failed" | wc -l)"
: >"$T/ran"
rc=0
"$HOOKSPOOL" drain -c "$CONF" --exec "$T/handler" 2>"$T/drain.log" || rc=$?
assert_eq "drain after requeue" 0 "$rc"
assert_eq "the requeued event is handled" good-2 "$(cat "$T/ran")"

# A file in cur/ that no claim can be (here a link) is not released as a
# claim: recover moves it back to new/ as it is, and the drain refuses it.
ln -s "$T/outside.json" "$SPOOL/cur/0000000001.000005.P1Q1.curlink"
rc=0
"$HOOKSPOOL" drain -c "$CONF" --exec "$T/handler" 2>"$T/drain.log" || rc=$?
assert_eq "drain with a link in cur/" 1 "$rc"
grep -q "refused new/0000000001.000005.P1Q1.curlink (a symbolic link); moved to failed/" \
    "$T/drain.log" || fail "the link in cur/: $(cat "$T/drain.log")"
grep -q 'released' "$T/drain.log" && fail "a link was released as a claim: $(cat "$T/drain.log")"
[ -L "$SPOOL/failed/0000000001.000005.P1Q1.curlink" ] || fail "the link from cur/ is not in failed/"
ok "a link in cur/ ends in failed/"
assert_eq "the handler did not run for it" good-2 "$(cat "$T/ran")"
cmp -s "$T/outside.json" "$T/outside.orig" || fail "the file the link named was changed"
