#!/bin/bash
# The receiver behind a real lighttpd with mod_fastcgi, started from the
# shipped lighttpd/lighttpd.conf and hookspool-fastcgi.conf (only paths and
# the port set): the seed's event signed as the seed signs it, the statuses
# through the server, config reload, and concurrent duplicates.
. "$top_srcdir/tests/setup.sh"

command -v curl >/dev/null || skip "curl is not installed (apt-get install curl)"

make_conf -- 'events = conversation.* message.*'
start_lighttpd hookspool-fastcgi.conf "$FCGI"

# The seed's example, signed as the seed's Node snippet signs it:
# createHmac('sha256', secret).update(payload).digest('hex').
secret=$(head -n 1 "$SECRET_FILE")
seed_sign() {
	if command -v node >/dev/null; then
		node -e 'const c = require("crypto"), fs = require("fs");
		    console.log(c.createHmac("sha256", process.argv[1])
		    .update(fs.readFileSync(process.argv[2])).digest("hex"))' \
		    "$secret" "$1"
	else
		openssl dgst -sha256 -hmac "$secret" -r "$1" | cut -d' ' -f1
	fi
}
event a056V7R7NmNRjl70 >"$T/seed.json"
sig=$(seed_sign "$T/seed.json")
assert_eq "hookspool sign agrees with the sender's HMAC" "$sig" "$(sign "$T/seed.json")"
STATUS=$(curl -s -o "$T/http.out" -w '%{http_code}' -H "x-protocol-signature: $sig" \
    --data-binary "@$T/seed.json" "$URL")
assert_eq "seed event through lighttpd" 200 "$STATUS"
assert_eq "accepted" '{"status":"accepted","id":"a056V7R7NmNRjl70"}' "$(cat "$T/http.out")"
assert_eq "one event in new/" 1 "$(count new)"
line=$(cat "$SPOOL"/new/*)
re='^\{"received":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z","webhook":"protocol","id":"a056V7R7NmNRjl70","type":"conversation\.updated","event":(.*)\}$'
[[ $line =~ $re ]] || fail "spooled line has the wrong shape: $line"
assert_eq "event is the body's own bytes" "$(cat "$T/seed.json")" "${BASH_REMATCH[1]}"
assert_eq "one line, ending in a newline" 1 "$(wc -l <"$SPOOL"/new/*)"
assert_eq "event file mode" 600 "$(stat -c %a "$SPOOL"/new/*)"
assert_eq "spool folder mode" 700 "$(stat -c %a "$SPOOL")"

# A pretty-printed body: CR/LF become spaces, nothing else changes.
printf '\r\n  {\r\n  "id": "pretty-1",\n  "type": "message.created",\n  "payload": {"text": "a  b"}\n}\n\n' >"$T/pretty.json"
http_post "$URL/" "$T/pretty.json"
assert_eq "pretty-printed event" 200 "$STATUS"
f=$(grep -l '"id":"pretty-1"' "$SPOOL"/new/*)
expected=$(tr '\r\n' '  ' <"$T/pretty.json" | sed 's/^ *//; s/ *$//')
line=$(cat "$f")
assert_eq "flattened event" "$expected}" "${line#*\"event\":}"

# The statuses through the server.
http_post "$URL" "$T/seed.json"
assert_eq "duplicate through lighttpd" '{"status":"duplicate"}' "$(cat "$T/http.out")"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H 'x-protocol-signature: 00' \
    --data-binary "@$T/seed.json" "$URL")
assert_eq "bad signature" 401 "$STATUS"
STATUS=$(curl -s -o /dev/null -D "$T/hdr" -w '%{http_code}' "$URL")
assert_eq "GET" 405 "$STATUS"
grep -qi '^Allow: POST' "$T/hdr" || fail "405 without Allow: POST"
http_post "$URL/nowhere" "$T/seed.json"
assert_eq "unknown path" 404 "$STATUS"
head -c 2000000 /dev/zero | tr '\0' a >"$T/big"
http_post "$URL" "$T/big"
assert_eq "2 MB body" 413 "$STATUS"
event contact-1 contact.created >"$T/contact.json"
http_post "$URL" "$T/contact.json"
assert_eq "unlistened type" '{"status":"ignored"}' "$(cat "$T/http.out")"
grep -q 'FastCGI-stderr:hookspool: 401 webhook=protocol remote=127.0.0.1' \
    "$T/lighttpd/lighttpd-error.log" || fail "the 401 is not in lighttpd's error log"
ok "non-2xx answers are logged in the server's error log"
assert_eq "still two events" 2 "$(count new)"

# Reload: the running responder sees a changed config and secret at once.
sleep 0.01
make_conf -- 'events = contact.*'
http_post "$URL" "$T/contact.json"
assert_eq "after reload contact.* is spooled" 200 "$STATUS"
assert_eq "after reload" '{"status":"accepted","id":"contact-1"}' "$(cat "$T/http.out")"
echo 'bogus line' >>"$CONF"
http_post "$URL" "$T/contact.json"
assert_eq "config broken while running" 500 "$STATUS"
make_conf
printf 'rotated-secret\n' >"$SECRET_FILE"
event rotated-1 >"$T/rotated.json"
http_post "$URL" "$T/rotated.json"
assert_eq "mended config and a new secret" 200 "$STATUS"

# Concurrent duplicates: 20 requests for one id at the same moment.
event same-id-1 >"$T/same.json"
sig=$(sign "$T/same.json")
for i in $(seq 20); do
	curl -s -o "$T/same.$i" -w '%{http_code}\n' -H "x-protocol-signature: $sig" \
	    --data-binary "@$T/same.json" "$URL" >"$T/code.$i" &
done
wait
assert_eq "all 20 answered 200" 20 "$(cat "$T"/code.* | grep -c '^200$')"
assert_eq "accepted once" 1 "$(cat "$T"/same.* | grep -c accepted)"
assert_eq "duplicate 19 times" 19 "$(cat "$T"/same.* | grep -c duplicate)"
assert_eq "spooled once" 1 "$(grep -l '"id":"same-id-1"' "$SPOOL"/new/* | wc -l)"
assert_eq "nothing left in tmp/" 0 "$(count tmp)"

# The spool removed while the responder runs: it is created again, and the
# next event lands where a drain will look, not in a deleted folder.
rm -rf "$SPOOL"
event after-rm-1 >"$T/after.json"
http_post "$URL" "$T/after.json"
assert_eq "after the spool was removed" 200 "$STATUS"
assert_eq "the event is in the new spool" 1 "$(count new)"
