#!/bin/bash
# drain --pipe: a handler that starts once gets each event as a JSON line
# (its spool line back byte for byte) and answers ok, retry or fail, which
# the spool shows; --timeout is per event: the handler is killed and
# started again, and only the event it was on counts an attempt; a handler
# that dies on an event costs that event an attempt and none to those
# queued behind it; TERM lets the events in flight end and exits 0; and
# the options that do not go together are refused.
. "$top_srcdir/tests/setup.sh"

PY=$(command -v python3) || skip "python3 is missing (apt-get install python3)"
export OUT=$T

post() {
	event "$1" "${2:-conversation.updated}" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}
# where ID: the folder that holds event ID and its attempt count from its
# name ("new 1", "failed 0"), or "gone".
where() {
	local f name
	for f in "$SPOOL"/new/* "$SPOOL"/cur/* "$SPOOL"/failed/*; do
		[ -f "$f" ] || continue
		grep -q "^{\"received\":\"[^\"]*\",\"webhook\":\"[^\"]*\",\"id\":\"$1\"" "$f" ||
		    continue
		name=${f##*/}
		case $name in
		*,A*) echo "$(basename "$(dirname "$f")") ${name##*,A}" ;;
		*) echo "$(basename "$(dirname "$f")") 0" ;;
		esac
		return
	done
	echo gone
}
# drain ARG...: hookspool drain -c CONF ARG...; its exit status in $rc,
# its stderr in $T/drain.log.
drain() {
	rc=0
	"$HOOKSPOOL" drain -c "$CONF" "$@" 2>"$T/drain.log" || rc=$?
}

# The handler: logs each event it gets (id, attempt, type, webhook, its
# own pid) and its line, then answers by the id: v-retry*, v-fail*, and
# on the first run t-slow (sleeps) and d-die (exits 3); ok for the rest.
# Once it died or timed out, it answers retry to every d-* event.
cat >"$T/handler.py" <<'PY'
import json, os, sys
out = os.environ["OUT"]
for line in sys.stdin:
    ev = json.loads(line)
    with open(out + "/seen", "a") as f:
        print(ev["id"], ev["attempt"], ev["type"], ev["webhook"], os.getpid(), file=f)
    with open(out + "/lines", "a") as f:
        f.write(ev["line"] + "\n")
    once = not os.path.exists(out + "/once")
    if ev["id"].startswith("v-retry"):
        print("retry the API said 503", flush=True)
    elif ev["id"].startswith("v-fail"):
        print("fail no such customer", flush=True)
    elif ev["id"] == "t-slow" and once:
        open(out + "/once", "w").close()
        os.system("sleep 60")
    elif ev["id"] == "d-die" and once:
        open(out + "/once", "w").close()
        sys.exit(3)
    elif ev["id"].startswith("d-") and not once:
        print("retry later", flush=True)
    else:
        print("ok", flush=True)
PY
HANDLER="$PY $T/handler.py"

make_conf

# --- ok, retry, fail; the line given back byte for byte
post v-ok
post v-retry
post v-fail
body='{"id":"v-odd","type":"odd.one","payload":{"t":"é \u2028 \" \\ / \t"}}'
printf '%s' "$body" >"$T/body"
cgi_post "$T/body"
[ "$STATUS" = 200 ] || fail "posting v-odd answered $STATUS"
cat "$SPOOL"/new/* | sort >"$T/spooled"
drain --pipe "$HANDLER"
assert_eq "exit status with a retry and a fail" 1 "$rc"
assert_eq "v-ok" gone "$(where v-ok)"
assert_eq "v-odd" gone "$(where v-odd)"
assert_eq "v-retry" "new 1" "$(where v-retry)"
assert_eq "v-fail" "failed 0" "$(where v-fail)"
grep -qx 'hookspool drain: event v-retry of webhook protocol: the handler answered "retry": the API said 503 (attempt 1 of 5); retried by the next drain in 30s' \
    "$T/drain.log" || fail "no message for the retry: $(cat "$T/drain.log")"
grep -qx 'hookspool drain: event v-fail of webhook protocol: the handler answered "fail": no such customer (attempt 1 of 5); moved to failed/' \
    "$T/drain.log" || fail "no message for the fail: $(cat "$T/drain.log")"
grep -qx 'hookspool drain: 2 done, 1 to retry, 1 failed' "$T/drain.log" ||
    fail "the summary: $(cat "$T/drain.log")"
ok "the verdicts' messages and summary"
assert_eq "each line as spooled" "$(cat "$T/spooled")" "$(sort "$T/lines")"
assert_eq "what the handler was told of v-odd" "v-odd 1 odd.one protocol" \
    "$(grep '^v-odd ' "$T/seen" | cut -d' ' -f1-4)"
assert_eq "one handler for all" 1 "$(cut -d' ' -f5 "$T/seen" | sort -u | wc -l | tr -d ' ')"
# the retried event comes back to the next drain as attempt 2, once its
# backoff is over (here made over by hand)
: >"$T/seen"
touch -d '1 minute ago' "$SPOOL"/new/*
drain --pipe "$HANDLER" --attempts 2 --type 'conversation.*'
assert_eq "v-retry after its second attempt" "failed 2" "$(where v-retry)"
assert_eq "its attempt number" "v-retry 2" "$(cut -d' ' -f1-2 "$T/seen")"
rm -f "$SPOOL"/failed/*

# --- a timeout: the handler is killed and started again; t-slow counts an
# attempt, t-b and t-c queued behind it do not
: >"$T/seen"
for id in t-a t-slow t-b t-c; do
	post "$id"
done
start=$(date +%s)
drain --pipe "$HANDLER" --timeout 2s
elapsed=$(($(date +%s) - start))
assert_eq "exit status after a timeout" 1 "$rc"
[ "$elapsed" -lt 30 ] || fail "the drain took ${elapsed}s"
grep -q '^hookspool drain: event t-slow of webhook protocol: no verdict within 2s (--timeout); the handler was killed (attempt 1 of 5); retried by the next drain in 30s$' \
    "$T/drain.log" || fail "no timeout message: $(cat "$T/drain.log")"
assert_eq "t-slow" "new 1" "$(where t-slow)"
assert_eq "t-a, t-b, t-c" "gone gone gone" "$(where t-a) $(where t-b) $(where t-c)"
assert_eq "the attempts t-b and t-c were given" "t-b 1
t-c 1" "$(grep '^t-[bc] ' "$T/seen" | cut -d' ' -f1-2 | sort -u)"
assert_eq "handlers started" 2 "$(cut -d' ' -f5 "$T/seen" | sort -u | wc -l | tr -d ' ')"
grep -qx 'hookspool drain: 3 done, 1 to retry, 0 failed' "$T/drain.log" ||
    fail "the summary after a timeout: $(cat "$T/drain.log")"
ok "the summary after a timeout"
rm -f "$SPOOL"/new/* "$T/once"

# --- a death: d-die counts an attempt; d-b and d-c, queued behind it,
# answered retry by the next handler, count one attempt each, not two
: >"$T/seen"
for id in d-a d-die d-b d-c; do
	post "$id"
done
drain --pipe "$HANDLER"
assert_eq "exit status after a death" 1 "$rc"
grep -q '^hookspool drain: event d-die of webhook protocol: the handler exited 3 before its verdict (attempt 1 of 5); retried by the next drain in 30s$' \
    "$T/drain.log" || fail "no message for the death: $(cat "$T/drain.log")"
assert_eq "d-a" gone "$(where d-a)"
assert_eq "d-die" "new 1" "$(where d-die)"
assert_eq "d-b after a retry" "new 1" "$(where d-b)"
assert_eq "d-c after a retry" "new 1" "$(where d-c)"
rm -f "$SPOOL"/new/* "$T/once"

# --- TERM: what the handler has begun is answered, the rest stays in
# new/ as it was; exit 0
: >"$T/seen"
for i in $(seq -w 1 40); do
	post "s-$i"
done
"$HOOKSPOOL" drain -c "$CONF" --pipe "while IFS= read -r l; do sleep 0.1; echo ok; done" \
    2>"$T/drain.log" &
pid=$!
some_done() {
	[ "$(($(count new) + $(count cur)))" -lt 40 ]
}
WAIT_TRIES=300 wait_until "no event was done" some_done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "exit status after TERM" 0 "$rc"
grep -q '^hookspool drain: [0-9]* done, 0 to retry, 0 failed; stopped: asked to stop$' \
    "$T/drain.log" || fail "the summary after TERM: $(cat "$T/drain.log")"
done=$(sed -n 's/^hookspool drain: \([0-9]*\) done.*/\1/p' "$T/drain.log")
assert_eq "cur/ after TERM" 0 "$(count cur)"
assert_eq "done and left in new/" 40 "$((done + $(count new)))"
[ "$(count new)" -gt 0 ] || fail "TERM stopped nothing"
ls "$SPOOL/new" | grep -q ',A' && fail "an event left in new/ counts an attempt: $(ls "$SPOOL/new")"
ok "the events not begun stay in new/ as they were ($done done)"
rm -f "$SPOOL"/new/*

# --- options that do not go together
for args in "--exec true --pipe cat" "--exec true --jobs 2" "--jobs 2" \
    "--pipe cat --jobs 0" "--pipe cat --jobs 65" "--pipe="; do
	# shellcheck disable=SC2086
	drain $args
	assert_eq "exit status of drain $args" 2 "$rc"
done
drain --exec true --pipe cat
grep -q -- '--exec and --pipe' "$T/drain.log" || fail "no message naming both: $(cat "$T/drain.log")"
drain --exec true --jobs 2
grep -q -- '--jobs goes with --pipe only, not with --exec' "$T/drain.log" ||
    fail "no message naming --jobs and --exec: $(cat "$T/drain.log")"
ok "the messages name the options"
