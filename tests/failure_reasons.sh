#!/bin/bash
# Why an event failed, kept with it: drain --exec's handler that writes to
# stderr and exits 3, drain --pipe's "fail REASON", a handler that dies
# before its verdict, a timeout. Each reason shows in list, show and
# status; requeue clears them. Every drain line about an event names its
# webhook; an empty drain prints nothing; --quiet drops the summary.
. "$top_srcdir/tests/setup.sh"

make_conf
post x-1 exec.fail
post p-1 pipe.fail
post d-1 pipe.die
post t-1 slow.fail

rc=0
"$HOOKSPOOL" drain -c "$CONF" --type 'exec.*' --attempts 1 \
    --exec 'echo "the API said 500 for $HOOKSPOOL_ID" >&2; exit 3' \
    2>"$T/drain.log" || rc=$?
assert_eq "--exec, exit 3: exit status" 1 "$rc"
grep -qx 'the API said 500 for x-1' "$T/drain.log" ||
    fail "the handler's stderr is not passed on: $(cat "$T/drain.log")"
ok "the handler's stderr is passed on"
cat >"$T/pipe" <<'PIPE'
#!/bin/sh
while read -r line; do
	case $line in
	*'"pipe.die"'*) echo "dying on it" >&2; exit 3 ;;
	esac
	echo "fail no such customer"
done
PIPE
chmod +x "$T/pipe"
rc=0
"$HOOKSPOOL" drain -c "$CONF" --type 'pipe.*' --attempts 1 --pipe "$T/pipe" \
    2>>"$T/drain.log" || rc=$?
assert_eq "--pipe fail and death: exit status" 1 "$rc"
rc=0
"$HOOKSPOOL" drain -c "$CONF" --type 'slow.*' --attempts 1 --timeout 1s \
    --exec 'echo "waiting on $HOOKSPOOL_ID" >&2; sleep 30' 2>>"$T/drain.log" || rc=$?
assert_eq "a timeout: exit status" 1 "$rc"
assert_eq "all four in failed/" 4 "$(count failed)"

# every line about an event names its webhook
grep '^hookspool drain: event' "$T/drain.log" >"$T/event-lines"
assert_eq "lines about events" 4 "$(lines "$T/event-lines")"
if grep -v '^hookspool drain: event [^ ]* of webhook protocol: ' "$T/event-lines"; then
	fail "a line about an event does not name its webhook"
fi
ok "every line about an event names its webhook"

# list: the reasons
reason() { "$HOOKSPOOL" list -c "$CONF" | awk -v id="$1" '$3 == id {
	$1 = $2 = $3 = $4 = $5 = $6 = ""; sub(/^ +/, ""); print }'; }
assert_eq "list: --exec's exit" "exited 3" "$(reason x-1)"
assert_eq "list: --pipe's fail" 'the handler answered "fail": no such customer' \
    "$(reason p-1)"
case $(reason d-1) in
*"exited 3 before its verdict"*) ok "list: --pipe's death: $(reason d-1)" ;;
*) fail "list: --pipe's death: $(reason d-1)" ;;
esac
case $(reason t-1) in
"timed out after 1s"*) ok "list: the timeout: $(reason t-1)" ;;
*) fail "list: the timeout: $(reason t-1)" ;;
esac

# show: the handler's standard error with it
show() { "$HOOKSPOOL" show -c "$CONF" "$1"; }
show x-1 | grep -qF '| the API said 500 for x-1' || fail "show x-1: $(show x-1)"
show d-1 | grep -qF '| dying on it' || fail "show d-1: $(show d-1)"
show t-1 | grep -qF '| waiting on t-1' || fail "show t-1: $(show t-1)"
show p-1 | grep -qF 'no such customer' || fail "show p-1: $(show p-1)"
ok "show: each reason, with the handler's standard error"

# status: the failed events and their reasons
"$HOOKSPOOL" status -c "$CONF" >"$T/status"
grep -qx '  failed: event x-1 of webhook protocol: exited 3' "$T/status" ||
    fail "status: $(cat "$T/status")"
grep -qx '  failed: event p-1 of webhook protocol: the handler answered "fail": no such customer' \
    "$T/status" || fail "status: $(cat "$T/status")"
ok "status names the failed events with their reasons"

# requeue clears them
"$HOOKSPOOL" requeue -c "$CONF" --all 2>/dev/null
assert_eq "requeued: no reason left" "- - - -" \
    "$("$HOOKSPOOL" list -c "$CONF" | awk '{ print $7 }' | xargs)"
show x-1 | grep -q '^history  *no failed attempt' || fail "show after requeue: $(show x-1)"
assert_eq "no record left in history/" 0 "$(count history)"
"$HOOKSPOOL" status -c "$CONF" >"$T/status"
if grep -q 'failed:' "$T/status"; then
	fail "status after requeue: $(cat "$T/status")"
fi
ok "requeue clears the reasons"

# an empty drain prints nothing; --quiet drops the summary
"$HOOKSPOOL" drain -c "$CONF" --exec true >"$T/out" 2>"$T/drain.log"
assert_eq "a drain that did something says so" \
    "hookspool drain: 4 done, 0 to retry, 0 failed" "$(cat "$T/drain.log")"
rc=0
"$HOOKSPOOL" drain -c "$CONF" --exec true >"$T/out" 2>"$T/drain.log" || rc=$?
assert_eq "an empty drain: exit status" 0 "$rc"
assert_eq "an empty drain prints nothing" "" "$(cat "$T/out" "$T/drain.log")"
post q-1
"$HOOKSPOOL" drain -c "$CONF" --quiet --exec true >"$T/out" 2>"$T/drain.log"
assert_eq "--quiet prints nothing" "" "$(cat "$T/out" "$T/drain.log")"
assert_eq "--quiet still drains" 0 "$(count new)"
post q-2
rc=0
"$HOOKSPOOL" drain -c "$CONF" --quiet --exec false >"$T/out" 2>"$T/drain.log" || rc=$?
assert_eq "--quiet with a failure: exit status" 1 "$rc"
grep -q '^hookspool drain: event q-2 of webhook protocol: exited 1' "$T/drain.log" ||
    fail "--quiet hid what went wrong: $(cat "$T/drain.log")"
if grep -q 'done, ' "$T/drain.log"; then
	fail "--quiet printed the summary: $(cat "$T/drain.log")"
fi
ok "--quiet: what went wrong is said, no summary"
