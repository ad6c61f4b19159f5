#!/bin/bash
# --auth-file: a password (requirepass), or "user password" for an ACL
# user, for forward and consume. A wrong or missing password fails with
# exit 1 and spends no attempt.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

pw="pw-$$-$RANDOM"
export REDISCLI_AUTH=$pw OUT=$T
redis_start r --requirepass "$pw"
rcli r ACL SETUSER hooks on ">hooks-$pw" '~*' '&*' '+@all' >/dev/null
rcli r ACL SETUSER reader on ">reader-$pw" '~*' '&*' '+@read' >/dev/null
printf '%s\n' "$pw" >"$T/password"
printf 'hooks hooks-%s\n' "$pw" >"$T/acl-user"
printf 'wrong-%s\n' "$pw" >"$T/wrong"
printf 'hooks wrong-%s\n' "$pw" >"$T/wrong-user"
chmod 600 "$T/password" "$T/acl-user" "$T/wrong" "$T/wrong-user"

make_conf
post_many au 1 5
ls "$SPOOL/new" >"$T/names"

# refused LABEL ARGS...: forward with ARGS fails, touching nothing.
refused() {
	label=$1
	shift
	rc=0
	"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" "$@" \
	    2>"$T/forward.log" || rc=$?
	assert_eq "$label: exit status" 1 "$rc"
	[ -s "$T/forward.log" ] || fail "$label: nothing said"
	if grep -q -- "$pw" "$T/forward.log"; then
		fail "$label: the message shows the password"
	fi
	assert_eq "$label: new/ unchanged, no attempt spent" "$(cat "$T/names")" \
	    "$(ls "$SPOOL/new")"
	assert_eq "$label: cur/" 0 "$(count cur)"
	assert_eq "$label: nothing in the stream" 0 "$(stream_len r hookspool)"
}

refused "no --auth-file"
grep -q "NOAUTH .*(the server wants a password: give --auth-file FILE" "$T/forward.log" ||
    fail "no --auth-file: no hint at what to do: $(cat "$T/forward.log")"
refused "a wrong password" --auth-file "$T/wrong"
grep -q "WRONGPASS .*(the --auth-file's user or password is not the server's)" "$T/forward.log" ||
    fail "a wrong password: no hint at what to do: $(cat "$T/forward.log")"
refused "an ACL user's wrong password" --auth-file "$T/wrong-user"

rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --auth-file "$T/password" \
    --max 2 2>"$T/forward.log" || rc=$?
assert_eq "with the password: exit status" 0 "$rc"
assert_eq "with the password: entries" 2 "$(stream_len r hookspool)"
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "unix:$REDIS_SOCK" \
    --auth-file "$T/acl-user" 2>"$T/forward.log" || rc=$?
assert_eq "as an ACL user: exit status" 0 "$rc"
assert_eq "as an ACL user: entries" 5 "$(stream_len r hookspool)"
assert_eq "new/ at the end" 0 "$(count new)"

# consume: refused without the password, then with each kind.
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --auth-file "$T/wrong" --max 1 \
    --exec true 2>"$T/consume.log" || rc=$?
assert_eq "consume with a wrong password: exit status" 1 "$rc"
if grep -q -- "$pw" "$T/consume.log"; then
	fail "consume's message shows the password"
fi
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --auth-file "$T/password" --max 2 \
    --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran"' 2>"$T/consume.log" || rc=$?
assert_eq "consume with the password: exit status" 0 "$rc"
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --auth-file "$T/acl-user" --max 10 \
    --exec 'echo "$HOOKSPOOL_ID" >>"$OUT/ran"' 2>"$T/consume.log" </dev/null || rc=$?
assert_eq "consume as an ACL user: exit status" 0 "$rc"
assert_eq "handled" "$(seq -f 'au-%04g' 1 5)" "$(cat "$T/ran")"
assert_eq "nothing pending" 0 "$(pending r)"

# An auth file others can read is refused before anything is sent.
printf '%s\n' "$pw" >"$T/open"
chmod 644 "$T/open"
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --auth-file "$T/open" \
    2>"$T/forward.log" || rc=$?
assert_eq "forward, an auth file of mode 0644: exit status" 2 "$rc"
grep -qF "the auth file $T/open is mode 0644" "$T/forward.log" &&
    grep -qF "chmod 600 $T/open" "$T/forward.log" ||
    fail "forward does not name the file, its mode and the fix: $(cat "$T/forward.log")"
ok "forward: $(cat "$T/forward.log")"
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --auth-file "$T/open" --max 1 \
    --exec true 2>"$T/consume.log" </dev/null || rc=$?
assert_eq "consume, an auth file of mode 0644: exit status" 2 "$rc"
grep -qF "chmod 600 $T/open" "$T/consume.log" ||
    fail "consume does not name the fix: $(cat "$T/consume.log")"

# A user allowed only to read cannot forward: the server refuses the
# script, which is no lost server; the event stays.
printf 'reader reader-%s\n' "$pw" >"$T/reader"
chmod 600 "$T/reader"
post au-9
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --auth-file "$T/reader" \
    2>"$T/forward.log" || rc=$?
assert_eq "a read-only user: exit status" 1 "$rc"
assert_eq "a read-only user: the event is not in the stream" 5 "$(stream_len r hookspool)"
assert_eq "a read-only user: the event is still spooled" 1 \
    "$(($(count new) + $(count failed)))"

# The README's two ACL users, one for forward and one for consume, with
# exactly the rules it gives.
rcli r ACL SETUSER hookspool-forward on ">forward-$pw" \
    '~hookspool' '~{hookspool}:seen:*' +evalsha '+script|load' +info \
    '+config|get' +wait '(~hookspool +xadd)' '(~{hookspool}:seen:* +set +del)' >/dev/null
rcli r ACL SETUSER hookspool-consume on ">consume-$pw" '~hookspool' \
    +xreadgroup +xack +xclaim +xpending '+xgroup|create' \
    '(~{hookspool}:group:* +exists +set)' '(~hookspool:failed +xadd)' >/dev/null
printf 'hookspool-forward forward-%s\n' "$pw" >"$T/forwarder"
printf 'hookspool-consume consume-%s\n' "$pw" >"$T/consumer"
chmod 600 "$T/forwarder" "$T/consumer"
post au-10
"$HOOKSPOOL" requeue -c "$CONF" --all 2>/dev/null || :
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --auth-file "$T/forwarder" \
    2>"$T/forward.log" || rc=$?
assert_eq "the README's forward user: exit status" 0 "$rc"
# au-9, which the read-only user could not forward, and au-10
grep -q '^hookspool forward: 2 added' "$T/forward.log" ||
    fail "the README's forward user: $(cat "$T/forward.log")"
ok "the README's forward user can forward"
: >"$T/ran"
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --auth-file "$T/consumer" --group fresh \
    --max 100 --attempts 2 --backoff 0 --exec '[ "$HOOKSPOOL_ID" != au-0001 ]' \
    2>"$T/consume.log" </dev/null || rc=$?
assert_eq "the README's consume user: exit status (one handler failed)" 1 "$rc"
grep -q '^hookspool consume: 6 done, 1 to retry, 0 failed$' "$T/consume.log" ||
    fail "the README's consume user: $(cat "$T/consume.log")"
# the failed one, set aside (XCLAIM) and found again (XPENDING, XCLAIM)
rc=0
"$HOOKSPOOL" consume --redis "$REDIS_ADDR" --auth-file "$T/consumer" --group fresh \
    --max 100 --attempts 2 --backoff 0 --exec '[ "$HOOKSPOOL_ID" != au-0001 ]' \
    2>"$T/consume.log" </dev/null || rc=$?
grep -q '^hookspool consume: 0 done, 0 to retry, 1 failed$' "$T/consume.log" ||
    fail "the README's consume user, retrying: $(cat "$T/consume.log")"
ok "the README's consume user can consume, retry, and dead-letter"
assert_eq "the README's consume user: the dead letter" au-0001 "$(stream_ids r hookspool:failed)"

# denied AS LABEL COMMAND...: the user AS may not run COMMAND.
denied() {
	as=$1 label=$2
	shift 2
	out=$(redis-cli -p "$REDIS_PORT" --user "hookspool-$as" --pass "$as-$pw" \
	    --no-auth-warning "$@" 2>&1) || :
	case $out in
	NOPERM*) ok "$as may not $label" ;;
	*) fail "$as may $label: $out" ;;
	esac
}
denied forward "remove the consumer group" XGROUP DESTROY hookspool fresh
denied forward "unmark the group" DEL '{hookspool}:group:fresh'
denied forward "acknowledge" XACK hookspool fresh 0-1
denied forward "remove the stream" DEL hookspool
denied forward "overwrite the stream" SET hookspool x
denied consume "write the stream" XADD hookspool '*' id forged
denied consume "set a seen-mark" SET '{hookspool}:seen:x' 1
denied consume "read a seen-mark" EXISTS '{hookspool}:seen:x'
denied consume "remove the consumer group" XGROUP DESTROY hookspool fresh
denied consume "run forward's script" EVALSHA 0000000000000000000000000000000000000000 0

# Without +config|get forward cannot tell appendfsync: it refuses, naming
# the permission and the option.
rcli r ACL SETUSER hookspool-forward '-config|get' >/dev/null
post au-11
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --auth-file "$T/forwarder" \
    2>"$T/forward.log" || rc=$?
assert_eq "forward's user without +config|get: exit status" 1 "$rc"
grep -qF '+config|get' "$T/forward.log" && grep -qF -- --accept-loss "$T/forward.log" ||
    fail "the message names neither the permission nor the option: $(cat "$T/forward.log")"
ok "$(cat "$T/forward.log")"
assert_eq "forward's user without +config|get: the event stays" 1 "$(count new)"
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" --auth-file "$T/forwarder" \
    --accept-loss 2>"$T/forward.log" || rc=$?
assert_eq "forward's user without +config|get, --accept-loss: exit status" 0 "$rc"
assert_eq "forward's user without +config|get, --accept-loss: new/" 0 "$(count new)"
