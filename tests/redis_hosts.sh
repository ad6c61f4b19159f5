#!/bin/bash
# Two hosts, each with its own spool and config, got overlapping ids
# (the sender retried against the other host behind the load balancer).
# Their forwards, run at the same time, publish each id once; one id on
# two different webhooks is two events. Then, on one host: two forwards
# of one spool at once, and forwards run while the responder spools.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r

# host NAME: point SPOOL and CONF at host NAME's, with two webhooks:
# protocol (path /) and billing (path /billing), which has a spool of
# its own.
host() {
	SPOOL=$T/$1/spool
	CONF=$T/$1/hookspool.conf
	mkdir -p "$T/$1"
	make_conf -- 'path = /'
	printf '[webhook billing]\npath = /billing\nsecret_file = %s\nspool = %s\n' \
	    "$SECRET_FILE" "$T/$1/billing" >>"$CONF"
}

host a
post_many ov 1 150
host b
post_many ov 101 250
post ov-0001 conversation.updated PATH_INFO=/billing
post ov-0002 conversation.updated PATH_INFO=/billing
assert_eq "host b's spool" 150 "$(count new)"
assert_eq "host b's billing spool" 2 "$(find "$T/b/billing/new" -type f | wc -l | tr -d ' ')"

for round in 1 2 3; do
	# a few more overlapping ids for each round, posted to both hosts
	for h in a b; do
		host "$h"
		post_many "round$round" 1 20
	done
	for h in a b; do
		"$HOOKSPOOL" forward -c "$T/$h/hookspool.conf" --redis "$REDIS_ADDR" \
		    2>"$T/forward-$h.log" &
		eval "pid_$h=\$!"
	done
	for h in a b; do
		rc=0
		eval "wait \$pid_$h" || rc=$?
		assert_eq "round $round: host $h's exit status" 0 "$rc"
	done
	added=$(($(summary_count "$T/forward-a.log" forward added) +
	    $(summary_count "$T/forward-b.log" forward added)))
	dups=$(($(summary_count "$T/forward-a.log" forward duplicates) +
	    $(summary_count "$T/forward-b.log" forward duplicates)))
	if [ "$round" = 1 ]; then
		assert_eq "round 1: added by both" 272 "$added"
		assert_eq "round 1: duplicates of both" 70 "$dups"
	else
		assert_eq "round $round: added by both" 20 "$added"
		assert_eq "round $round: duplicates of both" 20 "$dups"
	fi
done

assert_eq "entries" 312 "$(stream_len r hookspool)"
stream_entries r hookspool | awk -F '\t' '{
	for (i = 2; i < NF; i += 2) {
		if ($i == "webhook") w = $(i + 1)
		if ($i == "id") id = $(i + 1)
	}
	print w, id
}' | sort >"$T/published"
assert_eq "each webhook and id once" 312 "$(sort -u "$T/published" | wc -l | tr -d ' ')"
assert_eq "protocol's ids" 310 "$(grep -c '^protocol ' "$T/published")"
assert_eq "billing's ids" "billing ov-0001
billing ov-0002" "$(grep '^billing ' "$T/published")"
for d in a/spool b/spool b/billing; do
	assert_eq "$d: new/ at the end" 0 "$(find "$T/$d/new" -type f | wc -l | tr -d ' ')"
	assert_eq "$d: cur/ at the end" 0 "$(find "$T/$d/cur" -type f | wc -l | tr -d ' ')"
	assert_eq "$d: failed/ at the end" 0 "$(find "$T/$d/failed" -type f | wc -l | tr -d ' ')"
done

# Two forwards of one spool at the same time (a timer that fired while
# the last run was still going): each event is claimed by one of them.
host a
post_many twice 1 300
for i in 1 2; do
	"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/twice-$i.log" &
	eval "pid_$i=\$!"
done
for i in 1 2; do
	rc=0
	eval "wait \$pid_$i" || rc=$?
	assert_eq "forward $i of one spool: exit status" 0 "$rc"
done
assert_eq "both forwards: added" 300 \
    $(($(summary_count "$T/twice-1.log" forward added) +
    $(summary_count "$T/twice-2.log" forward added)))
assert_eq "both forwards: duplicates" 0 \
    $(($(summary_count "$T/twice-1.log" forward duplicates) +
    $(summary_count "$T/twice-2.log" forward duplicates)))
assert_eq "entries at the end" 612 "$(stream_len r hookspool)"
assert_eq "new/ after both" 0 "$(count new)"
assert_eq "cur/ after both" 0 "$(count cur)"

# The responder spools while forward runs again and again (a busy host
# and a frequent timer): every event arrives once.
( post_many live 1 200 && : >"$T/posted" ) >"$T/poster.log" 2>&1 &
poster=$!
runs=0
until [ -e "$T/posted" ]; do
	kill -0 "$poster" 2>/dev/null || [ -e "$T/posted" ] ||
	    fail "posting failed: $(tail -n 3 "$T/poster.log")"
	forward_all
	runs=$((runs + 1))
	sleep 0.02
done
wait "$poster"
forward_all
ok "$runs forward runs while events arrived"
stream_ids r hookspool | grep '^live-' | sort >"$T/live"
assert_eq "events spooled during the runs, each once" "$(seq -f 'live-%04g' 1 200)" \
    "$(cat "$T/live")"
assert_eq "new/ at the very end" 0 "$(count new)"
