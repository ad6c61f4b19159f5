#!/bin/bash
# The server restarts between forward runs (appendonly yes, appendfsync
# always): once cleanly, once killed with kill -9. Nothing confirmed is
# lost: every event is in the stream once, and ids forwarded before the
# restarts, spooled again in a fresh spool, are duplicates.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r --appendonly yes --appendfsync always
make_conf
post_many rs 1 300

# forward_some ARGS...: one forward run that must succeed.
forward_some() {
	rc=0
	"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" "$@" \
	    2>"$T/forward.log" || rc=$?
	[ "$rc" = 0 ] || fail "forward $* exited $rc: $(cat "$T/forward.log")"
}

# (--max 270: more than one of forward's batches of a few hundred)
forward_some --max 270
assert_eq "first run: entries" 270 "$(stream_len r hookspool)"
redis_restart r TERM
assert_eq "after a clean restart: entries" 270 "$(stream_len r hookspool)"

forward_some --max 20
assert_eq "second run: entries" 290 "$(stream_len r hookspool)"
redis_restart r KILL
assert_eq "after kill -9 and restart: entries" 290 "$(stream_len r hookspool)"

forward_some
assert_eq "third run: added" 10 "$(summary_count "$T/forward.log" forward added)"
assert_eq "entries" 300 "$(stream_len r hookspool)"
assert_eq "distinct ids" 300 "$(distinct_ids r hookspool)"
assert_eq "the ids are those posted, in order" "$(seq -f 'rs-%04g' 1 300)" \
    "$(stream_ids r hookspool)"
assert_eq "new/ after the runs" 0 "$(count new)"
assert_eq "cur/ after the runs" 0 "$(count cur)"

# A fresh spool (the old one's markers gone) gets ids forwarded before
# either restart and after both, and some new ones: only the new ones
# are added.
SPOOL=$T/spool2
make_conf
for i in 0001 0150 0270 0280 0300; do
	post "rs-$i"
done
post_many fresh 1 3
redis_restart r KILL
forward_some
assert_eq "re-spooled ids are duplicates" 5 \
    "$(summary_count "$T/forward.log" forward duplicates)"
assert_eq "new ids are added" 3 "$(summary_count "$T/forward.log" forward added)"
assert_eq "entries at the end" 303 "$(stream_len r hookspool)"
assert_eq "distinct ids at the end" 303 "$(distinct_ids r hookspool)"
assert_eq "the fresh spool is empty" 0 "$(count new)"
