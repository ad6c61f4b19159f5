#!/bin/bash
# Every row of the status table (README.md, hookspool.fcgi(8)), with the
# responder run as a plain CGI program exactly as a web server runs it:
# variables in the environment, the body on stdin, the answer on stdout,
# the log on stderr.
. "$top_srcdir/tests/setup.sh"

make_conf 'max_body = 1k' -- 'events = conversation.* message.created'
event a056V7R7NmNRjl70 >"$T/seed.json"

# header NAME: a response header's value from the last cgi_post.
header() {
	sed -n "s/^$1: \\(.*\\)\\r\$/\\1/p" "$T/cgi.out"
}
# body: the JSON body of the last cgi_post.
body() {
	sed -n '/^\r$/,$p' "$T/cgi.out" | sed 1d
}
# logged: the last line the responder wrote to the error log.
logged() {
	tail -n 1 "$T/cgi-stderr.log"
}
nothing_spooled() {
	assert_eq "$1: nothing in new/" 0 "$(count new)"
	assert_eq "$1: nothing in tmp/" 0 "$(count tmp)"
}

# config unusable: 500, with file:line in the log
cp "$CONF" "$T/good.conf"
echo 'spol = /typo' >>"$CONF"
cgi_post "$T/seed.json"
assert_eq "bad config" 500 "$STATUS"
case $(logged) in
*"hookspool.conf:6: unknown key 'spol'"*) ok "500 logs file:line and the reason" ;;
*) fail "500 log line: $(logged)" ;;
esac
cp "$T/good.conf" "$CONF"
nothing_spooled "500"

# no webhook for PATH_INFO: 404
cgi_post "$T/seed.json" PATH_INFO=/elsewhere
assert_eq "unknown path" 404 "$STATUS"
cgi_post "$T/seed.json" PATH_INFO=/
assert_eq "PATH_INFO / is the default webhook" 200 "$STATUS"
rm -f "$SPOOL"/new/* "$SPOOL"/ids/*

# method is not POST: 405 with Allow: POST
cgi_post "$T/seed.json" REQUEST_METHOD=GET
assert_eq "GET" 405 "$STATUS"
assert_eq "405 says Allow: POST" POST "$(header Allow)"
assert_eq "405 is JSON" application/json "$(header Content-Type)"
case $(logged) in
*"405 webhook=protocol remote=127.0.0.1 "*) ok "405 logged with webhook and remote" ;;
*) fail "405 log line: $(logged)" ;;
esac

# CONTENT_LENGTH missing or not a number: 411
env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 HOOKSPOOL_CONFIG="$CONF" \
    REQUEST_METHOD=POST HTTP_X_PROTOCOL_SIGNATURE="$(sign "$T/seed.json")" \
    "$FCGI" <"$T/seed.json" >"$T/cgi.out" 2>>"$T/cgi-stderr.log"
STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/cgi.out")
assert_eq "no CONTENT_LENGTH" 411 "$STATUS"
for bad in abc -1 12x '' ' 12' 99999999999999999999999; do
	cgi_post "$T/seed.json" CONTENT_LENGTH="$bad"
	assert_eq "CONTENT_LENGTH '$bad'" 411 "$STATUS"
done

# over max_body: 413 before the body is looked at
head -c 2048 /dev/zero | tr '\0' x >"$T/big"
cgi_post "$T/big"
assert_eq "2 KiB over max_body = 1k" 413 "$STATUS"
printf '%1024s' '' | tr ' ' x >"$T/limit"
cgi_post "$T/limit"
assert_eq "a body of exactly max_body is read (and is no JSON)" 400 "$STATUS"
nothing_spooled "413"

# body shorter than CONTENT_LENGTH: 400
cgi_post "$T/seed.json" CONTENT_LENGTH=$(($(wc -c <"$T/seed.json") + 10))
assert_eq "short body" 400 "$STATUS"

# signature missing, malformed or matching no secret: 401
sig=$(sign "$T/seed.json")
cgi_post "$T/seed.json" HTTP_X_PROTOCOL_SIGNATURE=
assert_eq "no signature" 401 "$STATUS"
for bad in "${sig:0:63}" "${sig}0" "${sig:0:32}" "${sig:0:62}zz" \
    "sha256=$sig" "$(printf %064d 0)"; do
	cgi_post "$T/seed.json" HTTP_X_PROTOCOL_SIGNATURE="$bad"
	assert_eq "signature '${bad:0:20}...' (${#bad} chars)" 401 "$STATUS"
done
printf 'other-secret' >"$T/other.key"
chmod 600 "$T/other.key"
cgi_post "$T/seed.json" HTTP_X_PROTOCOL_SIGNATURE="$("$HOOKSPOOL" sign \
    --secret-file "$T/other.key" "$T/seed.json")"
assert_eq "signed with another secret" 401 "$STATUS"
if grep -q "whsec-test\\|$sig\\|WAz8eIbvDR60rouK" "$T/cgi-stderr.log"; then
	fail "the log holds a secret, a signature or a body"
fi
ok "the log holds no secret, signature or body"
nothing_spooled "401"

# A timestamp outside the tolerance is 401 too, but said as it is, so a
# sender chasing clock skew is not told its signature is bad.
cp "$CONF" "$T/plain.conf"
printf '[webhook stripe]\npath = /stripe\nscheme = stripe\nsecret_file = %s\n' \
    "$SECRET_FILE" >>"$CONF"
event stale-1 >"$T/stale.json"
stale_post() {
	local ts=$1 mac
	mac=$({ printf '%s.' "$ts"; cat "$T/stale.json"; } |
	    openssl dgst -sha256 -hmac "$(cat "$SECRET_FILE")" -r | cut -d' ' -f1)
	cgi_post "$T/stale.json" PATH_INFO=/stripe HTTP_STRIPE_SIGNATURE="t=$ts,v1=$mac"
}
stale_post $(($(date +%s) - 3600))
assert_eq "a timestamp an hour old" 401 "$STATUS"
assert_eq "its answer" '{"status":"error","error":"timestamp outside tolerance"}' "$(body)"
tail -n 1 "$T/cgi-stderr.log" | grep -q "timestamp too old" ||
    fail "the log does not say why: $(tail -n 1 "$T/cgi-stderr.log")"
stale_post $(($(date +%s) + 3600))
assert_eq "a timestamp an hour ahead: its answer" \
    '{"status":"error","error":"timestamp outside tolerance"}' "$(body)"
stale_post $(date +%s)
assert_eq "a timestamp now" 200 "$STATUS"
rm -f "$SPOOL"/new/* "$SPOOL"/ids/*
cp "$T/plain.conf" "$CONF"

# not a valid event: 400 (each one signed correctly)
n=0
while IFS= read -r bad; do
	n=$((n + 1))
	printf '%s' "$bad" >"$T/bad.json"
	cgi_post "$T/bad.json"
	assert_eq "invalid event #$n: $bad" 400 "$STATUS"
done <<'CASES'
[1,2,3]
"a string"
{"id":"x","type":"conversation.updated"
{"id":"x","type":"conversation.updated"} {}
{"type":"conversation.updated"}
{"id":"","type":"conversation.updated"}
{"id":7,"type":"conversation.updated"}
{"id":"x"}
{"id":"x","type":null}
{"id":"a\u0000b","type":"conversation.updated"}
{"id":"a\nb","type":"conversation.updated"}
not json
CASES
printf '{"id":"x\001y","type":"conversation.updated"}' >"$T/bad.json"
cgi_post "$T/bad.json"
assert_eq "raw control character in a string" 400 "$STATUS"
printf '{"id":"x","type":"conversation.updated","p":"\xc3\x28"}' >"$T/bad.json"
cgi_post "$T/bad.json"
assert_eq "invalid UTF-8" 400 "$STATUS"
printf '{"id":"x","type":"conversation.updated","p":"a\0b"}' >"$T/bad.json"
cgi_post "$T/bad.json"
assert_eq "NUL byte" 400 "$STATUS"
deep() {
	printf '{"id":"x","type":"conversation.updated","p":'
	for ((i = 1; i < $1; i++)); do printf '['; done
	for ((i = 1; i < $1; i++)); do printf ']'; done
	printf '}'
}
deep 65 >"$T/bad.json"
cgi_post "$T/bad.json"
assert_eq "nesting 65 deep" 400 "$STATUS"
nothing_spooled "400"
deep 64 >"$T/deep.json"
cgi_post "$T/deep.json"
assert_eq "nesting 64 deep is fine" 200 "$STATUS"
rm -f "$SPOOL"/new/* "$SPOOL"/ids/*

# type matches none of the events: 200 ignored, nothing spooled
event ignored-1 contact.created >"$T/other.json"
cgi_post "$T/other.json"
assert_eq "unlistened type" 200 "$STATUS"
assert_eq "ignored body" '{"status":"ignored"}' "$(body)"
event listened-1 message.created >"$T/msg.json"
cgi_post "$T/msg.json"
assert_eq "second pattern of events" 200 "$STATUS"
assert_eq "message.created accepted" '{"status":"accepted","id":"listened-1"}' "$(body)"
rm -f "$SPOOL"/new/* "$SPOOL"/ids/*
nothing_spooled "ignored"

# spooled: 200 accepted with the id, JSON-escaped
cgi_post "$T/seed.json"
assert_eq "seed event" 200 "$STATUS"
assert_eq "accepted body" '{"status":"accepted","id":"a056V7R7NmNRjl70"}' "$(body)"
assert_eq "one file in new/" 1 "$(count new)"
printf '{"id":"q\\"uo\\\\te/\\u00e9","type":"conversation.updated"}' >"$T/quote.json"
cgi_post "$T/quote.json"
assert_eq "id with quote" 200 "$STATUS"
assert_eq "id echoed JSON-escaped" '{"status":"accepted","id":"q\"uo\\te/é"}' "$(body)"

# already spooled: 200 duplicate, still one file for the id
cgi_post "$T/seed.json"
assert_eq "duplicate" 200 "$STATUS"
assert_eq "duplicate body" '{"status":"duplicate"}' "$(body)"
assert_eq "two files (seed and quote)" 2 "$(count new)"

# Upper-case hex is accepted too.
event upper-1 >"$T/upper.json"
cgi_post "$T/upper.json" HTTP_X_PROTOCOL_SIGNATURE="$(sign "$T/upper.json" | tr a-f A-F)"
assert_eq "upper-case signature" 200 "$STATUS"

# A webhook listening on its own path, with its own header name.
cat >>"$CONF" <<CONF
[webhook other]
path = /other/
secret_file = $T/other.key
header = X-Other-Signature
CONF
event other-1 >"$T/o.json"
cgi_post "$T/o.json" PATH_INFO=/other \
    HTTP_X_OTHER_SIGNATURE="$("$HOOKSPOOL" sign --secret-file "$T/other.key" "$T/o.json")"
assert_eq "second webhook at /other with its own header" 200 "$STATUS"
grep -q '"webhook":"other","id":"other-1"' "$SPOOL"/new/* ||
    fail "the other webhook's event is not in new/"
ok "the other webhook's event is spooled under its name"

# Dedup markers are hashes: an id never becomes a path.
rm -rf "$SPOOL"
make_conf
printf '{"id":"../../escape/%s","type":"conversation.updated"}' "$$" >"$T/path.json"
cgi_post "$T/path.json"
assert_eq "an id that looks like a path" 200 "$STATUS"
want=$(printf 'protocol\0../../escape/%s' "$$" | sha256sum | cut -d' ' -f1)
assert_eq "its marker is sha256(webhook NUL id)" "$want" "$(ls "$SPOOL/ids")"
[ -e "$T/escape" ] || [ -e "$SPOOL/escape" ] && fail "the id became a path"
ok "nothing was made outside the spool's folders"
