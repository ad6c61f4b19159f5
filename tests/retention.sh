#!/bin/bash
# Without keep, once an event is done no copy of its payload remains in
# the spool: not in a folder, not in its dedup marker (a hard link of the
# spooled file, emptied), not in its record of failures (which may hold
# the handler's standard error, here the payload itself). Checked after
# drain --exec (a failure, then done), drain --pipe, drain to standard
# output, and an event requeued from failed/ and then done.
. "$top_srcdir/tests/setup.sh"

make_conf

# post_marked ID MARKER: an event whose payload holds MARKER.
post_marked() {
	printf '{"id":"%s","type":"conversation.updated","payload":{"note":"%s"}}' \
	    "$1" "$2" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}

# no_copy WHAT MARKER: no file under the spool holds MARKER, and every
# dedup marker is empty and has no other link.
no_copy() {
	local left
	left=$(grep -rlF "$2" "$SPOOL" || :)
	assert_eq "$1: no file holds the payload" "" "$left"
	assert_eq "$1: markers empty, one link each" "" \
	    "$(stat -c '%h %s %n' "$SPOOL"/ids/* | grep -v '^1 0 ' || :)"
}

m=retention-$$-exec
post_marked e-1 "$m"
grep -rqF "$m" "$SPOOL/new" || fail "the payload is not spooled"
assert_eq "spooled: its marker is a link of it" 2 "$(stat -c %h "$SPOOL"/ids/*)"
export OUT=$T
# the first attempt fails and writes the line to stderr: the record holds it
rc=0
"$HOOKSPOOL" drain -c "$CONF" --backoff 0 \
    --exec 'cat >&2; [ "$HOOKSPOOL_ATTEMPT" -ge 2 ]' 2>"$T/drain.log" || rc=$?
assert_eq "first attempt fails" 1 "$rc"
grep -rqF "$m" "$SPOOL/history" || fail "the record does not hold the stderr"
ok "the record of the failure holds the handler's stderr (the payload)"
"$HOOKSPOOL" drain -c "$CONF" --exec 'cat >/dev/null' 2>"$T/drain.log"
assert_eq "done" 0 "$(($(count new) + $(count cur)))"
no_copy "drain --exec" "$m"

m=retention-$$-pipe
post_marked p-1 "$m"
"$HOOKSPOOL" drain -c "$CONF" --pipe 'while read -r l; do echo ok; done' \
    2>"$T/drain.log"
no_copy "drain --pipe" "$m"

m=retention-$$-stdout
post_marked s-1 "$m"
"$HOOKSPOOL" drain -c "$CONF" >"$T/out" 2>"$T/drain.log"
grep -qF "$m" "$T/out" || fail "drain to stdout wrote no line"
no_copy "drain to standard output" "$m"

m=retention-$$-requeued
post_marked f-1 "$m"
"$HOOKSPOOL" drain -c "$CONF" --attempts 1 --exec 'cat >&2; exit 1' \
    2>"$T/drain.log" || :
assert_eq "in failed/" 1 "$(count failed)"
"$HOOKSPOOL" requeue -c "$CONF" --all 2>/dev/null
"$HOOKSPOOL" drain -c "$CONF" --exec 'cat >/dev/null' 2>"$T/drain.log"
no_copy "requeued, then done" "$m"
