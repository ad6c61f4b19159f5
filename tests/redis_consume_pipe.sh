#!/bin/bash
# consume --pipe against a real redis-server: a handler that starts once
# gets each entry as a JSON line (its entry id, its delivery count as the
# attempt, its line byte for byte) and answers ok (acknowledged), retry
# (set aside, delivered again after --backoff as attempt 2) or fail (copied
# to KEY:failed); a timeout and a death cost only the entry the handler was
# on; entries held longer than --idle behind slow ones are not taken by
# another worker; kill -9 of the worker takes its handler's sleeping child
# with it; TERM ends with what the handler began; the options that do not
# go together are refused.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

PY=$(command -v python3) || skip "python3 is missing (apt-get install python3)"
export OUT=$T
redis_start r
make_conf

# consume ARG...: one worker on the stream, its exit status in $rc, its
# stderr in $T/consume.log.
consume() {
	rc=0
	"$HOOKSPOOL" consume --redis "$REDIS_ADDR" "$@" 2>"$T/consume.log" \
	    </dev/null || rc=$?
}
# The handler: logs each entry (entry, id, attempt, type, webhook, pid,
# the worker's name) and its line; answers by the id.
cat >"$T/handler.py" <<'PY'
import json, os, sys, time
out = os.environ["OUT"]
for line in sys.stdin:
    ev = json.loads(line)
    with open(out + "/seen", "a") as f:
        print(ev["entry"], ev["id"], ev["attempt"], ev["type"], ev["webhook"],
              os.getpid(), os.environ.get("WHO", "-"), sep="\t", file=f)
    with open(out + "/lines", "a") as f:
        f.write(ev["line"] + "\n")
    first = not os.path.exists(out + "/once." + ev["id"])
    open(out + "/once." + ev["id"], "a").close()
    if ev["id"].startswith("cp-retry") and ev["attempt"] == 1:
        print("retry the API said 503", flush=True)
    elif ev["id"].startswith("cp-fail"):
        print("fail no such customer", flush=True)
    elif ev["id"] == "td-slow" and first:
        time.sleep(60)
    elif ev["id"] == "td-die" and first:
        sys.exit(3)
    elif ev["id"].startswith("rf-"):
        time.sleep(1)
        print("ok", flush=True)
    else:
        print("ok", flush=True)
PY
HANDLER="$PY $T/handler.py"

# --- ok, retry, fail; what the handler is told
post cp-ok-1
post cp-retry-1
post cp-fail-1 message.created
post cp-ok-2
forward_all
# what the stream holds before: done entries are deleted from it
stream_entries r hookspool >"$T/entries"
consume --pipe "$HANDLER" --max 100 --timeout 1s --idle 7s --backoff 1s
assert_eq "exit status with a retry and a fail" 1 "$rc"
grep -qx 'hookspool consume: 2 done, 1 to retry, 1 failed' "$T/consume.log" ||
    fail "the summary: $(cat "$T/consume.log")"
grep -qx 'hookspool consume: event cp-retry-1 of webhook protocol: the handler answered "retry": the API said 503 (attempt 1 of 5); retried in 1s or later' \
    "$T/consume.log" || fail "the retry's message: $(cat "$T/consume.log")"
ok "the messages"
assert_eq "what the handler was told" \
    "$(paste <(cut -f1 "$T/entries") <(stream_field id <"$T/entries") \
    <(yes 1 | head -n 4) <(stream_field type <"$T/entries") \
    <(stream_field webhook <"$T/entries"))" "$(cut -f1-5 "$T/seen")"
assert_eq "each line as in the stream" "$(stream_field line <"$T/entries")" \
    "$(cat "$T/lines")"
assert_eq "pending: the retried entry" 1 "$(pending r)"
stream_entries r hookspool:failed >"$T/failed"
assert_eq "the failed entry" cp-fail-1 "$(stream_field id <"$T/failed")"
assert_eq "its reason" 'the handler answered "fail": no such customer (attempt 1 of 5)' \
    "$(stream_field reason <"$T/failed")"
# after its backoff the retried entry comes back, as delivery 2
sleep 2
: >"$T/seen"
consume --pipe "$HANDLER" --max 100 --timeout 1s --idle 7s --backoff 1s
assert_eq "exit status of the retry" 0 "$rc"
assert_eq "the retried entry's second delivery" "cp-retry-1 2" "$(cut -f2-3 "$T/seen" | tr "\t" " ")"
assert_eq "nothing pending" 0 "$(pending r)"

# --- a timeout and a death: each costs its entry one attempt; those
# queued behind them are given again as attempt 1
: >"$T/seen"
for id in td-a td-slow td-b td-die td-c; do
	post "$id"
done
forward_all
consume --pipe "$HANDLER" --max 100 --timeout 1s --idle 7s --backoff 1s
assert_eq "exit status after a timeout and a death" 1 "$rc"
grep -qx 'hookspool consume: 3 done, 2 to retry, 0 failed' "$T/consume.log" ||
    fail "the summary: $(cat "$T/consume.log")"
grep -qx 'hookspool consume: event td-slow of webhook protocol: no verdict within 1s (--timeout); the handler was killed (attempt 1 of 5); retried in 1s or later' \
    "$T/consume.log" || fail "the timeout's message: $(cat "$T/consume.log")"
grep -qx 'hookspool consume: event td-die of webhook protocol: the handler exited 3 before its verdict (attempt 1 of 5); retried in 1s or later' \
    "$T/consume.log" || fail "the death's message: $(cat "$T/consume.log")"
ok "the timeout's and the death's messages"
assert_eq "the attempts given" "td-a 1
td-b 1
td-c 1
td-die 1
td-slow 1" "$(cut -f2-3 "$T/seen" | tr "\t" " " | sort -u)"
assert_eq "pending: the two" 2 "$(pending r)"
rcli r XPENDING hookspool hookspool - + 10 | awk 'NR % 4 == 0' | sort -u >"$T/counts"
assert_eq "their delivery counts" 1 "$(cat "$T/counts")"
sleep 2
consume --pipe "$HANDLER" --max 100 --timeout 1s --idle 7s --backoff 1s
assert_eq "exit status of their retries" 0 "$rc"
assert_eq "nothing pending after the retries" 0 "$(pending r)"

# --- entries held behind slow ones longer than --idle stay this
# worker's: another worker looking for idle entries takes none of them
: >"$T/seen"
for i in $(seq -w 1 12); do
	post "rf-$i"
done
forward_all --stream slow
WHO=a "$HOOKSPOOL" consume --redis "$REDIS_ADDR" --stream slow --name a \
    --pipe "$HANDLER" --max 12 --timeout 2s --idle 8s 2>"$T/consume-a.log" &
a=$!
CLEANUP_PIDS="$CLEANUP_PIDS $a"
WAIT_TRIES=100 wait_until "worker a read nothing" [ -s "$T/seen" ]
WHO=b "$HOOKSPOOL" consume --redis "$REDIS_ADDR" --stream slow --name b \
    --pipe "$HANDLER" --timeout 2s --idle 8s 2>"$T/consume-b.log" &
b=$!
CLEANUP_PIDS="$CLEANUP_PIDS $b"
rc=0
wait "$a" || rc=$?
assert_eq "worker a's exit" 0 "$rc"
kill -TERM "$b"
wait "$b" || :
assert_eq "entries run, each once, all by a" "12 a" \
    "$(cut -f2,7 "$T/seen" | sort -u | awk '{ n++; w[$2] = 1 } END { for (k in w) ws = ws k; print n, ws }')"
grep -qx 'hookspool consume: 12 done, 0 to retry, 0 failed' "$T/consume-a.log" ||
    fail "worker a's summary: $(cat "$T/consume-a.log")"
grep -q 'hookspool consume: [0-9]' "$T/consume-b.log" &&
    fail "worker b did nothing, and yet said: $(cat "$T/consume-b.log")"
ok "the summaries (none from a worker that did nothing)"

# --- kill -9 of the worker: its handler and the handler's sleeping
# child are gone within a second; another worker takes the entry after
# --idle, as delivery 2, with nothing of the first run left
post kp-1
forward_all --stream kill
cat >"$T/sleeper" <<'HANDLER'
#!/bin/sh
while IFS= read -r l; do
	sleep 300 &
	echo "$! $$" >"$OUT/kp.tmp" && mv "$OUT/kp.tmp" "$OUT/kp"
	wait
done
HANDLER
chmod +x "$T/sleeper"
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --stream kill --name k1 \
    --pipe "$T/sleeper" --timeout 1s --idle 7s 2>"$T/consume-k1.log" &
k1=$!
CLEANUP_PIDS="$CLEANUP_PIDS $k1"
WAIT_TRIES=100 wait_until "the handler never started its child" [ -s "$T/kp" ]
read -r child handler <"$T/kp"
CLEANUP_PIDS="$CLEANUP_PIDS $child $handler"
kill -KILL "$k1"
wait "$k1" 2>/dev/null || :
for p in "$child" "$handler"; do
	n=20
	while [ -e "/proc/$p" ] && [ "$(cut -d' ' -f3 "/proc/$p/stat")" != Z ]; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "process $p of the handler outlived its worker's kill -9 by a second"
		sleep 0.05
	done
done
ok "the handler and its child died with the worker"
: >"$T/seen"
sleep 7
WHO=k2 consume --stream kill --name k2 --pipe "$HANDLER" --max 1 --timeout 1s --idle 7s
assert_eq "the second worker's exit" 0 "$rc"
assert_eq "the entry taken over" "kp-1 2 k2" "$(cut -f2,3,7 "$T/seen" | tr '\t' ' ')"
assert_eq "nothing pending on kill" 0 "$(pending r kill)"

# --- TERM: what the handler began is answered and acknowledged; exit 0
for i in $(seq -w 1 30); do
	post "st-$i"
done
forward_all --stream term
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --stream term \
    --pipe 'while IFS= read -r l; do sleep 0.1; echo ok; done' 2>"$T/consume.log" &
c=$!
CLEANUP_PIDS="$CLEANUP_PIDS $c"
WAIT_TRIES=100 wait_until "nothing was read" at_least 1 pending r term
kill -TERM "$c"
rc=0
wait "$c" || rc=$?
assert_eq "exit status after TERM" 0 "$rc"
grep -q '^hookspool consume: [1-9][0-9]* done, 0 to retry, 0 failed$' "$T/consume.log" ||
    fail "the summary after TERM: $(cat "$T/consume.log")"
assert_eq "nothing pending after TERM" 0 "$(pending r term)"

# --- options that do not go together
for args in "--exec true --pipe cat" "--exec true --jobs 2" "--max 1" \
    "--pipe cat --jobs 65"; do
	# shellcheck disable=SC2086
	consume $args
	assert_eq "exit status of consume $args" 2 "$rc"
done
consume --exec true --pipe cat
grep -q -- '--exec and --pipe' "$T/consume.log" || fail "no message naming both: $(cat "$T/consume.log")"
