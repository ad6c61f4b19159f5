#!/bin/bash
# hookspool drain --follow when its spool changes under it: a spool folder
# removed, or moved away, and made again by the responder's next request,
# is followed again within seconds, with --exec and with --pipe (whose
# handler holds events of the old folder meanwhile); a spool replaced in
# a way no watch sees (the folder above it moved away) is found by the
# rescan interval (--rescan).
. "$top_srcdir/tests/setup.sh"

export OUT=$T
mkdir "$T/var"
SPOOL=$T/var/spool
make_conf
: >"$T/ran"

# handled ID: whether the handler noted ID.
handled() {
	grep -q "^$1\$" "$T/ran"
}

post first
dfollow_start --rescan 1h --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran"'
within 10 "drain --follow did not start" handled first

# removed (as an operator would, while it runs), made again by the
# responder's next request
rm -rf "$SPOOL"
post removed-1
within 5 "an event in a spool made again did not reach the handler" handled removed-1
ok "a spool removed and made again: followed again ($TOOK_MS ms)"
grep -q "spool $SPOOL: its folder was made again" "$T/dfollow.log" ||
    fail "the follower does not say it follows the new folder: $(cat "$T/dfollow.log")"
post removed-2
within 5 "the next event did not reach the handler" handled removed-2
ok "and the next one ($TOOK_MS ms)"

# moved away, made again
mv "$SPOOL" "$T/var/spool.old"
post moved-1
within 5 "an event after the spool moved away did not reach the handler" handled moved-1
ok "a spool moved away and made again: followed again ($TOOK_MS ms)"
dfollow_stop
rm -rf "$T/var/spool.old"

# The folder above the spool moved away and a spool made at the old
# path: nothing a watch sees; a rescan of 2 s finds it.
dfollow_start --rescan 2s --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran"'
post rescan-0
within 10 "drain --follow did not start" handled rescan-0
mv "$T/var" "$T/var.old"
mkdir "$T/var"
post rescan-1
within 10 "the rescan did not find the spool made again" handled rescan-1
ok "a spool replaced with the folder above it: found by the rescan ($TOOK_MS ms)"
dfollow_stop
rm -rf "$T/var.old"

# --pipe, its handler slow: the spool removed while it holds an event of
# the old folder; that one is answered, the new folder followed.
: >"$T/dfollow.log"
dfollow_start --rescan 1h --pipe 'while IFS= read -r l; do
	id=$(printf "%s" "$l" | sed "s/^{\"id\":\"\([^\"]*\)\".*/\1/")
	case $id in slow-*) sleep 2 ;; esac
	echo "$id" >>"$OUT/ran"
	echo ok
done'
post piped-0
within 5 "drain --follow --pipe did not start" handled piped-0
post slow-1
sleep 0.5
rm -rf "$SPOOL"
post piped-1
within 10 "an event in a spool made again did not reach the handler" handled piped-1
ok "with --pipe: followed again ($TOOK_MS ms)"
handled slow-1 || fail "the event of the old folder was not answered"
post piped-2
within 5 "the next event did not reach the handler" handled piped-2
dfollow_stop
assert_eq "events handled twice" "" "$(sort "$T/ran" | uniq -d)"
assert_eq "events handled" 10 "$(lines "$T/ran")"
assert_eq "the spool at the end" "0 0 0" "$(count new) $(count cur) $(count failed)"
