#!/bin/bash
# The cron side needs no key: with the config's secret files missing or
# unreadable (as in hookspool-drain.service, where only hookspool.conf is
# visible in /etc/hookspool), drain, status, requeue, purge and recover
# work, and still refuse a config that is wrong in any other way; check
# and the responder still read the secret files and say what is wrong.
. "$top_srcdir/tests/setup.sh"

post() {
	event "$1" >"$T/body"
	cgi_post "$T/body"
	[ "$STATUS" = 200 ] || fail "posting $1 answered $STATUS"
}
export OUT=$T

make_conf
post first-1
post fails-2
# then one webhook's secret file goes missing, and another's is a folder
mv "$SECRET_FILE" "$T/key.hidden"
mkdir "$T/keys"
printf '[webhook other]\npath = /other\nsecret_file = %s\n' "$T/keys" >>"$CONF"

rc=0
"$HOOKSPOOL" check -c "$CONF" >"$T/check.out" 2>&1 || rc=$?
assert_eq "check without the secret file: exit" 2 "$rc"
grep -q "unable to open secret_file $SECRET_FILE: No such file" "$T/check.out" ||
    fail "check does not name the missing secret file: $(cat "$T/check.out")"
ok "check still reads the secret files"
event late-3 >"$T/body"
SECRET_FILE=$T/key.hidden cgi_post "$T/body"
assert_eq "the responder without its secret file" 500 "$STATUS"

rc=0
"$HOOKSPOOL" drain -c "$CONF" --attempts 1 \
    --exec 'cat >>"$OUT/lines"; [ "$HOOKSPOOL_ID" = first-1 ]' 2>"$T/drain.log" || rc=$?
assert_eq "drain without the secret files: exit (one event failed)" 1 "$rc"
grep -q "drain: 1 done, 0 to retry, 1 failed" "$T/drain.log" ||
    fail "drain without the secret files: $(cat "$T/drain.log")"
assert_eq "the handler got both events" 2 "$(grep -c '"webhook":"protocol"' "$T/lines")"
ok "drain runs without the secret files"

"$HOOKSPOOL" status -c "$CONF" --json >"$T/status.json" 2>"$T/status.log" ||
    fail "status without the secret files: $(cat "$T/status.log")"
grep -q '"failed":1' "$T/status.json" || fail "status: $(cat "$T/status.json")"
"$HOOKSPOOL" requeue -c "$CONF" --all 2>"$T/requeue.log" ||
    fail "requeue without the secret files: $(cat "$T/requeue.log")"
assert_eq "requeued" 1 "$(count new)"
"$HOOKSPOOL" recover -c "$CONF" 2>"$T/recover.log" ||
    fail "recover without the secret files: $(cat "$T/recover.log")"
"$HOOKSPOOL" purge -c "$CONF" --older-than 1d 2>"$T/purge.log" ||
    fail "purge without the secret files: $(cat "$T/purge.log")"
ok "status, requeue, recover and purge run without the secret files"

# Anything else wrong is refused as before, with the line that says it.
sed -i 's|^secret_file = '"$T"'/keys$|secret_file = keys|' "$CONF"
rc=0
"$HOOKSPOOL" drain -c "$CONF" --exec true 2>"$T/drain.log" || rc=$?
# a problem in a webhook's section breaks that webhook (its requests get
# 500), and each verb names it; the spools are worked on all the same
assert_eq "drain, a relative secret_file: exit" 0 "$rc"
grep -q "^hookspool drain: webhook [a-z]* is unusable (its requests get 500): .*hookspool.conf:[0-9]*: secret_file must be an absolute path" "$T/drain.log" ||
    fail "drain, a relative secret_file: $(cat "$T/drain.log")"
sed -i 's|^secret_file = keys$|secret_file = '"$T"'/keys\nbogus = 1|' "$CONF"
rc=0
"$HOOKSPOOL" status -c "$CONF" >"$T/status.out" 2>&1 || rc=$?
assert_eq "status, an unknown key: exit" 0 "$rc"
grep -q "webhook [a-z]* is unusable.*unknown key 'bogus'" "$T/status.out" ||
    fail "status, an unknown key: $(cat "$T/status.out")"
# a global problem still makes the config unusable
sed -i 's|^bogus = 1$||; 1s|^|bogus_global = 1\n|' "$CONF"
rc=0
"$HOOKSPOOL" status -c "$CONF" >"$T/status.out" 2>&1 || rc=$?
assert_eq "status, an unknown global key: exit" 2 "$rc"
grep -q "unknown key 'bogus_global'" "$T/status.out" ||
    fail "status, an unknown global key: $(cat "$T/status.out")"
ok "the rest of the config is judged as before"
