#!/bin/bash
# forward asked to stop (TERM) while Redis holds back its batch (CLIENT
# PAUSE WRITE): it waits for the answers to what it sent, takes out of the
# spool what Redis confirmed, leaves the rest in new/ with no attempt
# spent and nothing in cur/, and says why it stopped (TERM, then INT). The
# next run sends the rest; every event arrives once.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

N=560
redis_start r
make_conf
post_many st 1 "$N"

for sig in TERM INT; do
	rcli r CLIENT PAUSE 1500 WRITE >/dev/null
	"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/forward.log" &
	pid=$!
	sleep 0.5
	kill "-$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	case $rc in
	0 | 1) ok "$sig: exit status $rc" ;;
	*) fail "$sig: exit status $rc: $(cat "$T/forward.log")" ;;
	esac
	if [ "$(count new)" -gt 0 ]; then
		grep -q '^hookspool forward: .*; stopped: ' "$T/forward.log" ||
		    fail "$sig: the summary does not say why it stopped: $(cat "$T/forward.log")"
		ok "$sig: the summary says it stopped"
	fi
	assert_eq "$sig: cur/ after the stop" 0 "$(count cur)"
	case $(ls "$SPOOL/new") in
	*,A[0-9]*) fail "$sig: a stop cost attempts" ;;
	esac
	ok "$sig: no attempt spent"
	spool_ids | sort >"$T/left"
	stream_ids r hookspool | sort >"$T/added"
	assert_eq "$sig: nothing both added and still spooled" "" \
	    "$(comm -12 "$T/left" "$T/added")"
	assert_eq "$sig: every event either added or still spooled" "$N" \
	    $(($(wc -l <"$T/left") + $(wc -l <"$T/added")))
	# (forward sends a batch of some hundreds at a time: 560 events
	# are more than one batch)
	[ "$sig" = INT ] || [ "$(wc -l <"$T/left")" -gt 0 ] ||
	    fail "$sig: forward sent all $N at once; nothing left to check"
done

forward_all
assert_eq "entries at the end" "$N" "$(stream_len r hookspool)"
assert_eq "distinct ids at the end" "$N" "$(distinct_ids r hookspool)"
assert_eq "new/ at the end" 0 "$(count new)"
