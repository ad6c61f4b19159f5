#!/bin/bash
# A reader cannot freeze events or hang anything: a shared lock needs only
# a read-only descriptor, so every process that can read the spool can take
# one. A duplicate whose marker stays locked is answered 503 within the
# responder's bound (10 s); an event kept locked in new/ for longer than
# --timeout is named by the drain, which exits 1; an event locked for a
# moment is handled quietly.
. "$top_srcdir/tests/setup.sh"

HOLDLOCK=$top_builddir/tests/holdlock
[ -x "$HOLDLOCK" ] || fail "$HOLDLOCK is not built"
# The reader: with group_readable = yes, as root, a user of the spool's
# group (nobody in root's group); else ourselves. Either way it opens the
# files read-only.
READER=
make_conf
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	make_conf 'group_readable = yes'
	mkdir -m 755 "$T/bin"
	cp "$HOLDLOCK" "$T/bin/holdlock"
	HOLDLOCK=$T/bin/holdlock
	READER="setpriv --reuid=nobody --regid=0 --clear-groups"
fi

# hold SECONDS FILE...: the reader holds shared locks on FILE... for
# SECONDS; sets HOLDER.
hold() {
	rm -f "$T/holder.out"
	$READER "$HOLDLOCK" "$@" >"$T/holder.out" 2>>"$T/holder.log" &
	HOLDER=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $HOLDER"
	wait_until "the reader did not lock $*" grep -q locked "$T/holder.out"
}
release() {
	kill "$HOLDER" 2>/dev/null || :
	wait "$HOLDER" 2>/dev/null || :
}
post() {
	event "$1" >"$T/$1.json"
	cgi_post "$T/$1.json"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
	grep -q "\"$2\"" "$T/cgi.out" || fail "posting $1: not $2: $(cat "$T/cgi.out")"
}
# file_of ID: the file in new/ that holds event ID.
file_of() {
	grep -l "\"id\":\"$1\"" "$SPOOL"/new/* | head -n 1
}

cat >"$T/handler" <<'HANDLER'
#!/bin/sh
echo "$HOOKSPOOL_ID" >>"$OUT/ran"
HANDLER
chmod +x "$T/handler"
export OUT=$T

# A duplicate whose marker a reader keeps locked: 503, not a hang.
post lk-1 accepted
[ "$(count ids)" = 1 ] || fail "no marker in ids/"
hold 300 "$SPOOL"/ids/*
start=$(date +%s)
CGI_TIMEOUT=60 cgi_post "$T/lk-1.json"
elapsed=$(($(date +%s) - start))
assert_eq "a duplicate whose marker stays locked" 503 "$STATUS"
grep -q '^Retry-After: 60' "$T/cgi.out" || fail "503 without Retry-After"
[ "$elapsed" -le 20 ] || fail "the duplicate waited ${elapsed}s"
ok "the responder gave up after ${elapsed}s"
tail -n 1 "$T/cgi-stderr.log" | grep -q '503 .*id=lk-1: the dedup marker stays locked' ||
    fail "no reason in the log: $(tail -n 1 "$T/cgi-stderr.log")"
ok "the log says why"
assert_eq "nothing spooled by the 503" 1 "$(count new)"
assert_eq "nothing left in tmp/" 0 "$(count tmp)"
release
post lk-1 duplicate
ok "once the lock is gone, the duplicate is answered as such"

# An event a reader keeps locked in new/: the drain handles the others,
# then names it and exits 1 once it has been locked for over --timeout.
post lk-2 accepted
post lk-3 accepted
locked=$(file_of lk-2)
hold 300 "$locked"
start=$(date +%s)
rc=0
timeout 120 "$HOOKSPOOL" drain -c "$CONF" --timeout 2s --exec "$T/handler" \
    2>"$T/drain.log" || rc=$?
elapsed=$(($(date +%s) - start))
assert_eq "drain's exit status with an event locked too long" 1 "$rc"
[ "$elapsed" -lt 30 ] || fail "the drain took ${elapsed}s"
assert_eq "the others are handled" "lk-1
lk-3" "$(cat "$T/ran")"
grep -q "spool $SPOOL: new/$(basename "$locked"): locked by another process for over 2s; left in new/" \
    "$T/drain.log" || fail "the event is not named: $(cat "$T/drain.log")"
ok "the drain names the locked event"
grep -q '^hookspool drain: 2 done, 0 to retry, 0 failed, 1 locked by another process$' \
    "$T/drain.log" || fail "summary: $(tail -n 1 "$T/drain.log")"
ok "the summary counts it"
[ -f "$locked" ] || fail "the locked event left new/"
ok "the locked event stays in new/"
release
: >"$T/ran"
rc=0
"$HOOKSPOOL" drain -c "$CONF" --timeout 2s --exec "$T/handler" 2>"$T/drain.log" || rc=$?
assert_eq "drain's exit status once the lock is gone" 0 "$rc"
assert_eq "the event is handled then" lk-2 "$(cat "$T/ran")"

# Locked for a moment (as by a drain claiming it): no report, exit 0, and
# the event is handled once the lock is gone.
: >"$T/ran"
post lk-4 accepted
hold 1 "$(file_of lk-4)"
rc=0
timeout 120 "$HOOKSPOOL" drain -c "$CONF" --timeout 30s --exec "$T/handler" \
    2>"$T/drain.log" || rc=$?
assert_eq "drain's exit status after a brief lock" 0 "$rc"
assert_eq "the briefly locked event is handled" lk-4 "$(cat "$T/ran")"
grep -q locked "$T/drain.log" && fail "a brief lock was reported: $(cat "$T/drain.log")"
ok "a brief lock is not reported"
release

# --max: a drain that has taken its share does not wait for locked events.
post lk-5 accepted
post lk-6 accepted
hold 300 "$(file_of lk-5)"
rc=0
timeout 60 "$HOOKSPOOL" drain -c "$CONF" --max 1 --timeout 1m --exec true \
    2>"$T/drain.log" || rc=$?
assert_eq "drain --max 1 beside a locked event" 0 "$rc"
assert_eq "what --max 1 left" 1 "$(count new)"
release
