#!/bin/bash
# One broken webhook breaks itself alone: with one webhook's secret file
# gone, a request for another webhook, correctly signed, is accepted,
# while the broken one answers 500 and the error log says why, with
# file:line. check names every problem of the file, in order, not only
# the first, and exits 2. Once the file is mended, the webhook works.
. "$top_srcdir/tests/setup.sh"

printf 'other-secret\n' >"$T/other.key"
chmod 600 "$T/other.key"
make_conf
cat >>"$CONF" <<CONF
[webhook other]
path = /other
secret_file = $T/other.key
[webhook gone]
path = /gone
secret_file = $T/gone.key
[webhook typo]
path = /typo
secret = k
evnets = x.*
CONF
chmod 600 "$CONF"

event broken-1 >"$T/e.json"
cgi_post "$T/e.json"
assert_eq "a request for a working webhook, beside a broken one" 200 "$STATUS"
grep -q '"status":"accepted"' "$T/cgi.out" || fail "not accepted: $(cat "$T/cgi.out")"
: >"$T/cgi-stderr.log"
cgi_post "$T/e.json" PATH_INFO=/gone
assert_eq "a request for the broken webhook" 500 "$STATUS"
grep -q "^hookspool: 500 webhook=gone remote=127.0.0.1 id=-: webhook unusable: $CONF:9: unable to open secret_file $T/gone.key" "$T/cgi-stderr.log" ||
    fail "the log does not say why: $(cat "$T/cgi-stderr.log")"
cgi_post "$T/e.json" PATH_INFO=/typo
assert_eq "a webhook with an unknown key" 500 "$STATUS"
ok "a broken webhook answers 500 for itself, with file:line in the log"

rc=0
"$HOOKSPOOL" check -c "$CONF" >"$T/out" 2>"$T/err" || rc=$?
assert_eq "check of a file with two broken webhooks: exit" 2 "$rc"
assert_eq "check names each problem, in order" \
    "hookspool check: $CONF:9: unable to open secret_file $T/gone.key: No such file or directory
hookspool check: $CONF:13: unknown key 'evnets' in a webhook section
hookspool check: $CONF: 2 problems" "$(cat "$T/err")"
grep -q "^webhook gone: unusable (its requests get 500): " "$T/out" ||
    fail "check does not mark the broken webhook: $(cat "$T/out")"
grep -q "^webhook protocol: scheme protocol, " "$T/out" ||
    fail "check does not show the working webhooks: $(cat "$T/out")"
ok "check names every problem and exits 2"

# mended: the webhook works again, with no restart
printf 'gone-secret\n' >"$T/gone.key"
chmod 600 "$T/gone.key"
printf 'gone-secret\n' >"$SECRET_FILE"
event broken-2 >"$T/e.json"
cgi_post "$T/e.json" PATH_INFO=/gone
assert_eq "the mended webhook" 200 "$STATUS"
