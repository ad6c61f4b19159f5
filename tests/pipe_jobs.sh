#!/bin/bash
# drain --pipe --jobs 4 on 2,000 events: each is answered ok exactly once,
# all four copies of the handler take a share, and no event is ever with
# two of them at once, also while some of them die on an event (which is
# then retried by the next drain, its attempt counted) and the events
# queued behind it go to the others.
. "$top_srcdir/tests/setup.sh"

PY=$(command -v python3) || skip "python3 is missing (apt-get install python3)"
FILL=$top_builddir/tests/spoolfill
[ -x "$FILL" ] || fail "$FILL is missing (make check builds it)"
export OUT=$T
make_conf
"$FILL" "$SPOOL" 2000 j >"$T/fill.log" 2>&1 || fail "spoolfill: $(cat "$T/fill.log")"
assert_eq "events waiting" 2000 "$(count new)"

# Logs when it begins and ends each event (its job and pid too); dies,
# exit 7, on its first attempt at every 97th event.
cat >"$T/handler.py" <<'PY'
import json, os, sys, time
job = os.environ["HOOKSPOOL_JOB"]
log = open(os.environ["OUT"] + "/log." + job, "a")
for line in sys.stdin:
    ev = json.loads(line)
    n = int(ev["id"].split("-")[1])
    log.write("begin %s %s %d %.6f\n" % (ev["id"], job, os.getpid(), time.time()))
    log.flush()
    if n % 97 == 0 and ev["attempt"] == 1:
        log.write("end %s %s %d %.6f died\n" % (ev["id"], job, os.getpid(), time.time()))
        log.flush()
        sys.exit(7)
    log.write("end %s %s %d %.6f ok\n" % (ev["id"], job, os.getpid(), time.time()))
    log.flush()
    print("ok", flush=True)
PY

rc=0
"$HOOKSPOOL" drain -c "$CONF" --pipe "$PY $T/handler.py" --jobs 4 --backoff 0 \
    2>"$T/drain1.log" || rc=$?
assert_eq "the first drain's exit (20 deaths)" 1 "$rc"
grep -qx 'hookspool drain: 1980 done, 20 to retry, 0 failed' "$T/drain1.log" ||
    fail "the first drain's summary: $(tail -n 3 "$T/drain1.log")"
ok "the first drain's summary"
assert_eq "the retried events, each with one attempt" 20 "$(ls "$SPOOL/new" | grep -c ',A1$')"
rc=0
"$HOOKSPOOL" drain -c "$CONF" --pipe "$PY $T/handler.py" --jobs 4 2>"$T/drain2.log" || rc=$?
assert_eq "the second drain's exit" 0 "$rc"
assert_eq "the spool at the end" "0 0 0" "$(count new) $(count cur) $(count failed)"

cat "$T"/log.* >"$T/log"
assert_eq "events answered ok" 2000 "$(grep -c ' ok$' "$T/log")"
assert_eq "events answered ok once each" 2000 "$(awk '$NF == "ok" { print $2 }' "$T/log" | sort -u | wc -l | tr -d ' ')"
assert_eq "handlers that died" 20 "$(grep -c ' died$' "$T/log")"
for job in 1 2 3 4; do
	[ "$(grep -c ' ok$' "$T/log.$job" 2>/dev/null || echo 0)" -gt 0 ] ||
	    fail "job $job handled nothing"
done
ok "all four jobs took a share: $(for j in 1 2 3 4; do printf '%s ' "$(grep -c ' ok$' "$T/log.$j")"; done)"
# Per event, by time: every begin follows the end of the one before.
sort -k2,2 -k5,5n "$T/log" | awk '
	$2 != id { id = $2; open = 0 }
	$1 == "begin" { if (open) { print "event " id " begun at " $5 " while " who " had it"; bad = 1 }
		open = 1; who = "job " $3 " (pid " $4 ")"; next }
	$1 == "end" { open = 0 }
	END { exit bad }' >"$T/overlaps" || fail "events with two handlers at once: $(head -n 5 "$T/overlaps")"
ok "no event was with two handlers at once"
