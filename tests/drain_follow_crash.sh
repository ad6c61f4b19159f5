#!/bin/bash
# kill -9 of drain --follow and of its handlers at random instants under
# load: while a sender posts events through the responder (as CGI), a
# killer sends SIGKILL every 50 to 300 ms to the follower (started again
# at once, as systemd would) or to a process of a handler (the script,
# the handler started once, or the guardian that leads its group). The
# handler notes the start and end of each event with its pid, and holds a
# lock of the event's own (flock, which its children inherit) while it
# runs: one that finds it taken notes a violation, two runs of one event
# at once. A last follower, killed by no one, finishes the spool. Then:
# every event the responder acknowledged was handled to its end at least
# once or is in failed/, none is left in new/ or cur/, and no event ran
# twice at once. Once with --exec, once with --pipe and two jobs.
. "$top_srcdir/tests/setup.sh"

command -v flock >/dev/null || skip "flock is not installed (apt-get install util-linux)"
command -v pgrep >/dev/null || skip "pgrep is not installed (apt-get install procps)"
PY=$(command -v python3) || skip "python3 is missing (apt-get install python3)"
N=${DRAIN_CRASH_EVENTS:-200}
export OUT=$T
make_conf
mkdir "$T/locks"

# The handler run per event: the event's lock, or a violation noted.
cat >"$T/crash-handler" <<'EOF'
#!/bin/sh
exec 9>>"$OUT/locks/$HOOKSPOOL_ID"
if ! flock -n 9; then
	echo "$HOOKSPOOL_ID $$ overlap" >>"$OUT/violations"
	exit 1
fi
echo "$HOOKSPOOL_ID $$ start" >>"$OUT/log"
sleep 0.05
echo "$HOOKSPOOL_ID $$ end" >>"$OUT/log"
EOF
chmod 755 "$T/crash-handler"
# The handler started once: the same for each line it reads.
cat >"$T/crash-handler.py" <<'EOF'
import fcntl, json, os, random, sys, time
out = os.environ["OUT"]
def note(path, text):
    with open(out + "/" + path, "a") as f:
        f.write(text + "\n")
for line in sys.stdin:
    i = json.loads(line)["id"]
    fd = os.open(out + "/locks/" + i, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        note("violations", "%s %d overlap" % (i, os.getpid()))
        os.close(fd)
        print("retry another run holds it", flush=True)
        continue
    note("log", "%s %d start" % (i, os.getpid()))
    time.sleep(random.uniform(0.005, 0.05))
    note("log", "%s %d end" % (i, os.getpid()))
    os.close(fd)
    print("ok", flush=True)
EOF

# handler_pid: a process of this test's handlers (not a drain, whose
# command line names the handler too) or a guardian, chosen at random;
# none when none runs. Quick, with builtins: a handler lives for
# milliseconds.
handler_pid() {
	local p comm stat ppid pcomm v=()
	for p in $(pgrep -f -- "$T/crash-handler" || :); do
		read -r comm 2>/dev/null <"/proc/$p/comm" || continue
		if [ "$comm" = hookspool ]; then
			# a guardian is a drain's child
			read -r stat 2>/dev/null <"/proc/$p/stat" || continue
			ppid=${stat##*) }
			ppid=${ppid#* }
			ppid=${ppid%% *}
			read -r pcomm 2>/dev/null <"/proc/$ppid/comm" || continue
			[ "$pcomm" = hookspool ] || continue
		fi
		v+=("$p")
	done
	[ "${#v[@]}" = 0 ] || echo "${v[RANDOM % ${#v[@]}]}"
}

# follower ARG...: drain --follow ARG... in the background; its pid in
# $T/fpid, for the cleanup too.
follower() {
	"$HOOKSPOOL" drain -c "$CONF" --follow "$@" 2>>"$T/dfollow.log" </dev/null &
	fpid=$!
	echo "$fpid" >"$T/fpid"
}
stop_follower() {
	[ ! -s "$T/fpid" ] || kill -KILL "$(cat "$T/fpid")" 2>/dev/null || :
}
CLEANUP_CMDS="$CLEANUP_CMDS stop_follower"

# killer ARG...: drain --follow ARG... started, and killed with a
# handler's processes at random instants (the follower every fourth
# time), until $T/stop; then stopped with TERM. Writes "FOLLOWER-KILLS
# HANDLER-KILLS EXIT-STATUS" into $T/kills.
killer() {
	local fpid fk=0 hk=0 rc=0 pid n=0
	follower "$@"
	while [ ! -e "$T/stop" ]; do
		sleep "0.$(printf '%03d' $((50 + RANDOM % 250)))"
		n=$((n + 1))
		if [ $((n % 4)) = 0 ]; then
			kill -KILL "$fpid" 2>/dev/null && fk=$((fk + 1))
			wait "$fpid" 2>/dev/null || :
			follower "$@"
		else
			pid=$(handler_pid)
			[ -n "$pid" ] || continue
			kill -KILL "$pid" 2>/dev/null && hk=$((hk + 1))
		fi
	done
	WAIT_TRIES=200 wait_until "the follower did not start" term_blocked "$fpid"
	kill -TERM "$fpid"
	wait "$fpid" || rc=$?
	: >"$T/fpid"
	echo "$fk $hk $rc" >"$T/kills"
}

# round KIND ARG...: N events posted while the killer runs a follower
# with ARGs; a last follower with the same ARGs; the checks.
round() {
	local kind=$1 i fk hk rc
	shift
	rm -f "$T/stop" "$T/acked" "$T/log" "$T/violations" "$T"/locks/*
	: >"$T/acked"
	: >"$T/log"
	killer "$@" &
	KILLER=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $KILLER"
	for i in $(seq -f '%04g' 1 "$N"); do
		event "$kind-$i" >"$T/body"
		cgi_post "$T/body"
		[ "$STATUS" = 200 ] && echo "$kind-$i" >>"$T/acked"
	done
	sleep 2
	: >"$T/stop"
	wait "$KILLER" || fail "the killer failed"
	read -r fk hk rc <"$T/kills"
	echo "$kind: $N events posted, $(lines "$T/acked") acknowledged; the follower killed $fk times, a handler's process $hk times"
	assert_eq "$kind: the follower's exit status after TERM" 0 "$rc"
	[ "$fk" -ge 3 ] && [ "$hk" -ge 3 ] ||
	    fail "$kind: too few kills ($fk of the follower, $hk of handlers) for a test"
	# the last follower, killed by no one
	dfollow_start "$@"
	within 30 "$kind: the last follower did not finish the spool" \
	    eval '[ "$(count new) $(count cur)" = "0 0" ]'
	dfollow_stop
	[ ! -s "$T/violations" ] ||
	    fail "$kind: events run twice at once: $(head -n 5 "$T/violations")"
	ok "$kind: no event ran twice at once"
	sed -n 's/^\([^ ]*\) [0-9]* end$/\1/p' "$T/log" | sort -u >"$T/ended"
	{
		cat "$T/ended"
		cat "$SPOOL"/failed/* 2>/dev/null |
		    sed -n 's/^{"received":"[^"]*","webhook":"[^"]*","id":"\([^"]*\)".*/\1/p'
	} | sort -u >"$T/accounted"
	sort -u "$T/acked" >"$T/acked.sorted"
	assert_eq "$kind: acknowledged events neither handled to their end nor in failed/" "" \
	    "$(comm -23 "$T/acked.sorted" "$T/accounted" | head -n 5)"
	assert_eq "$kind: new/ and cur/ at the end" "0 0" "$(count new) $(count cur)"
	echo "$kind: handled to the end $(lines "$T/ended"), in failed/ $(count failed), runs begun $(grep -c ' start$' "$T/log")"
	rm -f "$SPOOL"/failed/*
}

round exec --rescan 1s --backoff 0 --attempts 50 --exec "$T/crash-handler"
round pipe --rescan 1s --backoff 0 --attempts 50 --jobs 2 --pipe "$PY $T/crash-handler.py"
