#!/bin/bash
# kill -9 of a drain while its handler, started through sh, runs a child
# that sleeps: the handler and everything it started in its process group
# are gone within a second, so the next drain releases the claim and runs
# the event again without two runs of it at once. Handlers named as a
# script, which sh forks to run, and sh -c inside sh -c, alike; with
# --exec and with --pipe.
. "$top_srcdir/tests/setup.sh"

post() {
	event "$1" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}
# alive PID: the process exists and is no zombie.
alive() {
	[ -e "/proc/$1" ] &&
	    [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
# gone_within SECONDS PID...: every PID has ended within SECONDS.
gone_within() {
	local n=$(($1 * 20)) p
	shift
	for p in "$@"; do
		while alive "$p"; do
			n=$((n - 1))
			[ "$n" -gt 0 ] || return 1
			sleep 0.05
		done
	done
}
export OUT=$T

# The handler: logs its run, starts a child that sleeps, and waits for it.
cat >"$T/handler" <<'HANDLER'
#!/bin/sh
echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT start $$" >>"$OUT/ran"
sleep 300 &
echo "$! $$" >"$OUT/child.tmp" && mv "$OUT/child.tmp" "$OUT/child"
wait
echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT end $$" >>"$OUT/ran"
HANDLER
chmod +x "$T/handler"

make_conf
n=0
# kill_drain WHAT OPTION CMD [ARG...]: a drain running CMD (--exec or
# --pipe, and the other ARGs) on one event is killed with -9 once CMD's
# child sleeps; the child and the handler must be gone within a second,
# and the next drain runs the event again, as attempt 2.
kill_drain() {
	n=$((n + 1))
	rm -f "$T/child" "$T/ran"
	post "tree-$n"
	"$HOOKSPOOL" drain -c "$CONF" "$2" "$3" "${@:4}" 2>"$T/drain.log" &
	pid=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $pid"
	WAIT_TRIES=300 wait_until "the handler's child never started ($1)" \
	    test -s "$T/child"
	read -r child handler <"$T/child"
	CLEANUP_PIDS="$CLEANUP_PIDS $child $handler"
	alive "$child" || fail "the child is not running ($1)"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || :
	gone_within 1 "$child" ||
	    fail "the handler's sleeping child outlived the drain's kill -9 by a second ($1)"
	gone_within 1 "$handler" ||
	    fail "the handler outlived the drain's kill -9 by a second ($1)"
	ok "the handler and its child died with the drain ($1)"
	rc=0
	"$HOOKSPOOL" drain -c "$CONF" --exec 'echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT again" >>"$OUT/ran"' \
	    2>"$T/drain2.log" || rc=$?
	assert_eq "the next drain's exit ($1)" 0 "$rc"
	assert_eq "runs of tree-$n ($1)" "tree-$n 1 start
tree-$n 2 again" "$(cut -d' ' -f1-3 "$T/ran")"
	assert_eq "the spool after ($1)" "0 0 0" "$(count new) $(count cur) $(count failed)"
}

kill_drain "a script, which sh forks" --exec "$T/handler"
kill_drain "sh -c in sh -c" --exec "sh -c \"sh $T/handler\""
kill_drain "a child of sh -c" --exec 'sleep 300 & echo "$! $$" >"$OUT/child"; echo "$HOOKSPOOL_ID $HOOKSPOOL_ATTEMPT start" >>"$OUT/ran"; wait'

# The same handler for --pipe: it logs the id and attempt of the event it
# reads, then waits for its child.
cat >"$T/pipe-handler" <<'HANDLER'
#!/bin/sh
while IFS= read -r l; do
	printf '%s\n' "$l" | sed 's/^{"id":"\([^"]*\)".*"attempt":\([0-9]*\).*/\1 \2 start/' >>"$OUT/ran"
	sleep 300 &
	echo "$! $$" >"$OUT/child.tmp" && mv "$OUT/child.tmp" "$OUT/child"
	wait
done
HANDLER
chmod +x "$T/pipe-handler"
kill_drain "a script, with --pipe" --pipe "$T/pipe-handler"
kill_drain "sh -c in sh -c, with --pipe" --pipe "sh -c \"sh $T/pipe-handler\""
kill_drain "four jobs, with --pipe" --pipe "$T/pipe-handler" --jobs 4
