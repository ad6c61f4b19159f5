#!/bin/bash
# The set-up verbs: hookspool sign agrees with the sender's own HMAC, and
# hookspool check accepts a good config, creates the spool, and names the
# file, the line and the reason of a bad one.
. "$top_srcdir/tests/setup.sh"

# sign, against an independent HMAC (node as the seed does it, or openssl)
printf '%s' '{"id":"a056V7R7NmNRjl70","type":"conversation.updated","payload":{"id":"WAz8eIbvDR60rouK"}}' >"$T/seed.json"
if command -v openssl >/dev/null; then
	want=$(openssl dgst -sha256 -hmac "$(cat "$SECRET_FILE")" -r "$T/seed.json" | cut -d' ' -f1)
elif command -v node >/dev/null; then
	want=$(node -e 'const c = require("crypto"), fs = require("fs");
	    console.log(c.createHmac("sha256", process.argv[1])
	    .update(fs.readFileSync(process.argv[2])).digest("hex"))' \
	    "$(cat "$SECRET_FILE")" "$T/seed.json")
else
	skip "neither openssl nor node to compute a reference HMAC"
fi
assert_eq "sign FILE" "$want" "$("$HOOKSPOOL" sign --secret-file "$SECRET_FILE" "$T/seed.json")"
assert_eq "sign stdin" "$want" "$("$HOOKSPOOL" sign --secret-file "$SECRET_FILE" <"$T/seed.json")"
assert_eq "sign --secret" "$want" "$("$HOOKSPOOL" sign --secret "$(cat "$SECRET_FILE")" "$T/seed.json" 2>"$T/err")"
grep -q 'warning: --secret shows the secret' "$T/err" ||
    fail "sign --secret gives no warning: $(cat "$T/err")"
ok "sign --secret warns"
assert_eq "sign --secret-file - (the secret on stdin)" "$want" \
    "$("$HOOKSPOOL" sign --secret-file - "$T/seed.json" <"$SECRET_FILE")"
rc=0
"$HOOKSPOOL" sign --secret-file - <"$SECRET_FILE" 2>/dev/null || rc=$?
assert_eq "sign --secret-file - without FILE is a usage error" 2 "$rc"

# While sign runs, other users see neither the secret on its command line
# nor its memory: it waits here on a fifo for the body.
mkfifo "$T/fifo"
RUN_AS=
if [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$T" && chmod 644 "$SECRET_FILE"
	RUN_AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
$RUN_AS "$HOOKSPOOL" sign --secret "visible-$$-secret" "$T/fifo" \
    >"$T/sign.out" 2>"$T/sign.err" &
pid=$!
wait_until "sign did not start" grep -q warning "$T/sign.err"
tr '\0' ' ' <"/proc/$pid/cmdline" >"$T/cmdline"
grep -q "visible-$$-secret" "$T/cmdline" &&
    fail "the secret is on the command line: $(cat "$T/cmdline")"
ok "sign --secret wipes the secret from its command line"
if [ -n "$RUN_AS" ]; then
	assert_eq "sign's memory is closed to its own user (not dumpable)" \
	    root "$(stat -c %U "/proc/$pid/mem")"
fi
printf 'body' >"$T/fifo"
wait "$pid" || fail "sign failed after the fifo"
chmod 600 "$SECRET_FILE"
rc=0
"$HOOKSPOOL" sign "$T/seed.json" 2>/dev/null || rc=$?
assert_eq "sign without a secret is a usage error" 2 "$rc"
rc=0
"$HOOKSPOOL" sign --secret-file "$T/missing.key" "$T/seed.json" 2>"$T/err" || rc=$?
assert_eq "sign with a missing secret file" 2 "$rc"
grep -q "missing.key" "$T/err" || fail "the error does not name the file"

# check: a good config, and the spool it creates
make_conf
"$HOOKSPOOL" check -c "$CONF" >"$T/out" 2>&1 || fail "check failed: $(cat "$T/out")"
ok "check accepts a good config"
for d in tmp new cur failed ids done history; do
	[ -d "$SPOOL/$d" ] || fail "check did not create $d/"
done
assert_eq "spool mode" 700 "$(stat -c %a "$SPOOL")"
HOOKSPOOL_CONFIG=$CONF "$HOOKSPOOL" check >/dev/null 2>&1 ||
    fail "check does not read HOOKSPOOL_CONFIG"
ok "check reads HOOKSPOOL_CONFIG"

# check: bad configs exit 2 and say file:line: reason
bad() {
	want=$1
	shift
	printf '%s\n' "$@" >"$T/bad.conf"
	rc=0
	"$HOOKSPOOL" check -c "$T/bad.conf" >/dev/null 2>"$T/err" || rc=$?
	assert_eq "check exit for: $want" 2 "$rc"
	grep -qF "$want" "$T/err" || fail "check said '$(cat "$T/err")', not '$want'"
}
bad "bad.conf:2: unknown key 'spol'" "spool = $SPOOL" "spol = x"
bad "bad.conf:1: max_body: not a size" "max_body = lots" "spool = $SPOOL"
bad "bad.conf:3: unable to open secret_file $T/nope" "spool = $SPOOL" \
    "[webhook protocol]" "secret_file = $T/nope"
bad "no [webhook NAME] section" "spool = $SPOOL"
bad "bad.conf:2: fsync must be yes or no" "spool = $SPOOL" "fsync = maybe"
bad "bad.conf:1: spool must be an absolute path" "spool = relative/spool"
bad "bad.conf:3: malformed key" "spool = $SPOOL" "[webhook protocol]" \
    "secret: Zm9vYmFyc2VjcmV0 ="
grep -q Zm9vYmFyc2VjcmV0 "$T/err" && fail "a mangled secret line is echoed"
ok "a mangled secret line is not echoed"

# check, as a user who cannot write the spool: it says so; the secret
# file, open to others, is a problem of the config (exit 2), named with
# its mode and the fix.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mkdir -m 755 "$T/bin"
	cp "$HOOKSPOOL" "$T/bin/hookspool"
	chmod 644 "$SECRET_FILE"
	make_conf
	chmod 644 "$CONF"
	rc=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$T/bin/hookspool" check -c "$CONF" >"$T/out" 2>&1 || rc=$?
	assert_eq "check by a user who cannot write the spool" 2 "$rc"
	grep -q "spool $SPOOL" "$T/out" || fail "check did not name the spool: $(cat "$T/out")"
	grep -qi "permission denied\|not writable" "$T/out" ||
	    fail "check did not say why: $(cat "$T/out")"
	grep -q "spool $SPOOL is owned by uid 0 (root): run hookspool as that user" "$T/out" ||
	    fail "check did not name the spool's owner: $(cat "$T/out")"
	grep -q "secret_file $SECRET_FILE is mode 0644, open to others: run chmod 600 $SECRET_FILE" "$T/out" ||
	    fail "check did not refuse a world-readable secret: $(cat "$T/out")"
	ok "check names an unwritable spool and a world-readable secret"
fi
