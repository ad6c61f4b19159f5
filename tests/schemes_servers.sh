#!/bin/bash
# Every sender's scheme through real servers, as the senders send them:
# headers made by `hookspool sign --scheme`, posted with curl to lighttpd
# (mod_fastcgi), Apache (mod_proxy_fcgi to hookspool.fcgi --listen) and
# nginx (to the same --listen), each started from the shipped configs. So
# every header these schemes use must pass each server as it is. Each
# event must arrive with its id and type where its scheme puts them; a
# tampered body gets 401 (a wrong token, for the token schemes gitlab and
# telegram); Slack's challenge, Zoom's url_validation and Twitch's
# challenge (text/plain) are answered and not spooled, and an unsigned
# handshake is refused; Discord's PINGs are answered; Meta's subscription check is a GET, answered
# with its challenge, and a GET anywhere else is 405; Mailgun's event data changed under the same
# signature is a duplicate of its token. The URL signers (square,
# hubspot, twilio) are configured with a public URL that is not the
# test server's, as behind a proxy; Twilio's form is spooled as its JSON
# object. Discord and SendGrid sign with keys made here by openssl. Where the id comes from a
# header the signature does not cover (github, shopify, hmac with
# id_header, gitlab), the body sent again under a fresh id and another
# type is a duplicate, not a second event. (The senders' own libraries
# sign in tests/senders_roundtrip.sh.)
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

command -v curl >/dev/null || skip "curl is not installed (apt-get install curl)"

SCHEMES="protocol github stripe standard slack shopify hmac gitlab telegram
paddle calendly zoom twitch mailgun meta square hubspot twilio discord
sendgrid"
# the public URL the URL signers are configured with: not the URL of the
# server in the test, as behind a proxy
PUBLIC=https://hooks.example.net/hook
for s in $SCHEMES; do
	printf '%s-secret-%s\n' "$s" "$$" >"$T/$s.key"
done
printf 'whsec_%s\n' "$(head -c 24 /dev/urandom | base64)" >"$T/standard.key"
# the public-key senders: keys of our own, signed with openssl as they sign
command -v openssl >/dev/null ||
    skip "openssl is not installed (apt-get install openssl)"
openssl genpkey -algorithm ed25519 -out "$T/discord.pem" 2>/dev/null &&
    openssl ecparam -name prime256v1 -genkey -noout -out "$T/sendgrid.pem" ||
    fail "openssl cannot make the test keys"
DISCORD_KEY=$(openssl pkey -in "$T/discord.pem" -pubout -outform DER |
    tail -c 32 | od -An -tx1 | tr -d ' \n')
SENDGRID_KEY=$(openssl ec -in "$T/sendgrid.pem" -pubout -outform DER \
    2>/dev/null | base64 -w0)
rm -f "$T/discord.key" "$T/sendgrid.key"
chmod 600 "$T"/*.key
{
	echo "spool = $SPOOL"
	for s in $SCHEMES; do
		[ "$s" = hmac ] && continue
		printf '[webhook %s]\npath = /%s\nscheme = %s\n' "$s" "$s" "$s"
		case $s in
		discord) printf 'public_key = %s\n' "$DISCORD_KEY" ;;
		sendgrid) printf 'public_key = %s\n' "$SENDGRID_KEY" ;;
		*) printf 'secret_file = %s\n' "$T/$s.key" ;;
		esac
		case $s in
		square|hubspot|twilio) printf 'url = %s/%s\n' "$PUBLIC" "$s" ;;
		meta) printf 'verify_token = meatyhamhock-%s\n' "$$" ;;
		esac
	done
	printf '[webhook hmac]\npath = /hmac\nscheme = hmac\nsecret_file = %s\n' \
	    "$T/hmac.key"
	printf 'header = X-Signature\nprefix = sha256=\nencoding = hex\n'
	printf 'id_header = X-Event-Id\ntype_field = data.kind\n'
} >"$CONF"
"$HOOKSPOOL" check -c "$CONF" >"$T/check.out" 2>&1 ||
    fail "check refuses the config: $(cat "$T/check.out")"
grep -q '^webhook stripe: scheme stripe, path /stripe,' "$T/check.out" ||
    fail "check does not show the scheme: $(cat "$T/check.out")"
ok "check shows each webhook's scheme"
for s in discord sendgrid; do
	rc=0
	echo '[]' | "$HOOKSPOOL" sign --scheme "$s" --secret-file "$T/zoom.key" \
	    >"$T/sign.out" 2>&1 || rc=$?
	assert_eq "sign --scheme $s cannot sign" 2 "$rc"
	grep -q "private key.*tests/senders/sign.mjs" "$T/sign.out" ||
	    fail "sign --scheme $s does not say what can: $(cat "$T/sign.out")"
done

# headers SCHEME BODY ID TYPE: the header lines the sender would send.
headers() {
	case $1 in
	hmac)
		printf 'X-Signature: sha256=%s\nX-Event-Id: %s\n' \
		    "$("$HOOKSPOOL" sign --secret-file "$T/hmac.key" "$2")" "$3" ;;
	mailgun)
		: ;;	# signed in the body (mailgun_body)
	discord)
		ts=$(date +%s)
		{ printf '%s' "$ts"; cat "$2"; } >"$T/signed"
		printf 'X-Signature-Ed25519: %s\nX-Signature-Timestamp: %s\n' \
		    "$(openssl pkeyutl -sign -inkey "$T/discord.pem" -rawin \
		    -in "$T/signed" | od -An -tx1 | tr -d ' \n')" "$ts" ;;
	sendgrid)
		ts=$(date +%s)
		{ printf '%s' "$ts"; cat "$2"; } >"$T/signed"
		printf 'X-Twilio-Email-Event-Webhook-Signature: %s\n' \
		    "$(openssl dgst -sha256 -sign "$T/sendgrid.pem" "$T/signed" |
		    base64 -w0)"
		printf 'X-Twilio-Email-Event-Webhook-Timestamp: %s\n' "$ts" ;;
	*)
		"$HOOKSPOOL" sign --scheme "$1" --secret-file "$T/$1.key" \
		    --id "$3" --type "$4" --url "$PUBLIC/$1" "$2" ;;
	esac
}

# post URL SCHEME BODY HEADERFILE: sets STATUS, the answer in $T/http.out.
post() {
	STATUS=$(curl -s -o "$T/http.out" -w '%{http_code}' -H @"$4" \
	    -H "Content-Type: ${CT:-application/json}" --data-binary "@$3" \
	    "$1/$2") || STATUS=000
}

# spooled ID TYPE: the spool holds exactly one line with that id and type.
spooled() {
	n=$(grep -l "\"id\":\"$1\",\"type\":\"$2\"," "$SPOOL"/new/* 2>/dev/null |
	    wc -l)
	assert_eq "$label: spooled once with id $1 and type $2" 1 "$n"
}

# replayed URL SCHEME: $T/body, just accepted with id $id, sent again as
# a captured request would be: under a fresh id and another type. It must
# be a duplicate, and the spool must not grow.
replayed() {
	before=$(ls "$SPOOL"/new | wc -l)
	headers "$2" "$T/body" "$id-again" push >"$T/hdr-again" ||
	    fail "$label: sign failed"
	post "$1" "$2" "$T/body" "$T/hdr-again"
	assert_eq "$label: replayed under a fresh id" 200 "$STATUS"
	assert_eq "$label: the replay's answer" '{"status":"duplicate"}' \
	    "$(cat "$T/http.out")"
	assert_eq "$label: the replay spooled nothing" "$before" \
	    "$(ls "$SPOOL"/new | wc -l)"
}

# every_scheme URL LABEL: one event per scheme, a tampered one (for a
# token scheme, a wrong token), Slack's challenge.
every_scheme() {
	url=$1
	for s in $SCHEMES; do
		label="$2 $s"
		id="$s-$$-${2// /}"
		case $s in
		github)
			printf '{"action":"opened","issue":{"number":1,"title":"%s"}}' \
			    "$id" >"$T/body"
			type=issues; want=issues.opened ;;
		slack)
			printf '{"type":"event_callback","event_id":"%s","event":{"type":"app_mention"}}' \
			    "$id" >"$T/body"
			type=-; want=app_mention ;;
		shopify)
			printf '{"id":1,"total":"9.99","note":"%s"}' "$id" >"$T/body"
			type=orders/create; want=orders/create ;;
		hmac)
			printf '{"data":{"kind":"build.done","run":"%s"}}' "$id" \
			    >"$T/body"
			type=-; want=build.done ;;
		gitlab)
			printf '{"object_kind":"merge_request","object_attributes":{"action":"open","title":"%s"}}' \
			    "$id" >"$T/body"
			type="Merge Request Hook"; want=merge_request.open ;;
		telegram)
			tg=$((tg + 1))
			id=$$$tg
			printf '{"update_id":%s,"message":{"text":"hi"}}' "$id" \
			    >"$T/body"
			type=-; want=message ;;
		paddle)
			printf '{"event_id":"%s","event_type":"transaction.paid","data":{}}' \
			    "$id" >"$T/body"
			type=-; want=transaction.paid ;;
		discord)
			printf '{"id":"%s","type":2,"data":{"name":"blep"}}' \
			    "$id" >"$T/body"
			type=-; want=interaction.2 ;;
		sendgrid)
			printf '[{"email":"a@example.com","event":"delivered","sg_event_id":"%s"}]\r\n' \
			    "$id" >"$T/body"
			id=$(sha256sum <"$T/body" | cut -c1-64)
			type=-; want=batch ;;
		meta)
			printf '{"object":"page","entry":[{"id":"%s"}]}' "$id" \
			    >"$T/body"
			id=$(sha256sum <"$T/body" | cut -c1-64)
			type=-; want=page ;;
		calendly|zoom)
			printf '{"event":"invitee.created","note":"%s"}' "$id" \
			    >"$T/body"
			id=$(sha256sum <"$T/body" | cut -c1-64)
			type=-; want=invitee.created ;;
		twitch)
			printf '{"subscription":{"type":"channel.follow"},"event":{"user_id":"%s"}}' \
			    "$id" >"$T/body"
			type=notification; want=channel.follow ;;
		square)
			printf '{"event_id":"%s","type":"payment.created","data":{}}' \
			    "$id" >"$T/body"
			type=-; want=payment.created ;;
		hubspot)
			printf '[{"eventId":1,"subscriptionType":"contact.creation","note":"%s"}]' \
			    "$id" >"$T/body"
			id=$(sha256sum <"$T/body" | cut -c1-64)
			type=-; want=batch ;;
		twilio)
			printf 'MessageSid=SM%s&MessageStatus=delivered&Body=hi+there%%21' \
			    "${id//[^a-z0-9]/}" >"$T/body"
			id=$(sha256sum <"$T/body" | cut -c1-64)
			type=-; want=message.delivered ;;
		mailgun)
			printf '{"signature":%s,"event-data":{"event":"delivered"}}' \
			    "$("$HOOKSPOOL" sign --scheme mailgun --secret-file \
			    "$T/mailgun.key" --id "$id" /dev/null)" >"$T/body"
			type=-; want=delivered ;;
		*)
			printf '{"id":"%s","type":"charge.succeeded","data":{}}' \
			    "$id" >"$T/body"
			type=-; want=charge.succeeded ;;
		esac
		headers "$s" "$T/body" "$id" "$type" >"$T/hdr" ||
		    fail "$label: sign failed"
		CT=
		[ "$s" = twilio ] && CT=application/x-www-form-urlencoded
		post "$url" "$s" "$T/body" "$T/hdr"
		assert_eq "$label: status" 200 "$STATUS"
		grep -q '"status":"accepted"' "$T/http.out" ||
		    fail "$label: not accepted: $(cat "$T/http.out")"
		spooled "$id" "$want"
		if [ "$s" = twilio ]; then
			grep -q '"event":{"MessageSid":"SM[a-z0-9]*","MessageStatus":"delivered","Body":"hi there!"}}$' \
			    "$SPOOL"/new/* ||
			    fail "$label: the form is not spooled as its JSON object"
		fi
		case $s in github|shopify|hmac|gitlab) replayed "$url" "$s" ;; esac
		case $s in
		mailgun)
			# the event data is not signed: changed under the same
			# signature, its token makes it a duplicate
			sed 's/delivered/failed/' "$T/body" >"$T/body-bad"
			post "$url" "$s" "$T/body-bad" "$T/hdr"
			assert_eq "$label: other event data, same token" \
			    '{"status":"duplicate"}' "$(cat "$T/http.out")" ;;
		gitlab|telegram)
			# a token binds no body: a wrong token is refused
			sed 's/\(Token: .*\)$/\1x/' "$T/hdr" >"$T/hdr-bad"
			post "$url" "$s" "$T/body" "$T/hdr-bad"
			assert_eq "$label: a wrong token" 401 "$STATUS" ;;
		*)
			printf ' ' >>"$T/body"
			post "$url" "$s" "$T/body" "$T/hdr"
			assert_eq "$label: a tampered body" 401 "$STATUS" ;;
		esac
	done
	label="$2 slack challenge"
	printf '{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","token":"x"}' >"$T/body"
	headers slack "$T/body" - - >"$T/hdr"
	post "$url" slack "$T/body" "$T/hdr"
	assert_eq "$label: status" 200 "$STATUS"
	assert_eq "$label: answer" \
	    '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}' \
	    "$(cat "$T/http.out")"
	handshakes "$url" "$2"
}

# handshakes URL LABEL: Zoom's url_validation and Twitch's challenge,
# answered and not spooled; unsigned, refused.
handshakes() {
	before=$(ls "$SPOOL"/new | wc -l)
	label="$2 zoom url_validation"
	printf '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event":"endpoint.url_validation"}' \
	    >"$T/body"
	headers zoom "$T/body" - - >"$T/hdr"
	post "$1" zoom "$T/body" "$T/hdr"
	assert_eq "$label: status" 200 "$STATUS"
	want=$(printf 'qgg8vlvZRS6UYooatFL8Aw' | openssl dgst -sha256 -hmac \
	    "$(cat "$T/zoom.key")" | sed 's/.* //')
	assert_eq "$label: answer" \
	    "{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\",\"encryptedToken\":\"$want\"}" \
	    "$(cat "$T/http.out")"
	grep -v '^x-zm-signature' "$T/hdr" >"$T/hdr-bad"
	post "$1" zoom "$T/body" "$T/hdr-bad"
	assert_eq "$label: unsigned" 401 "$STATUS"
	label="$2 twitch challenge"
	printf '{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"type":"channel.follow"}}' \
	    >"$T/body"
	headers twitch "$T/body" "tw-$$" webhook_callback_verification \
	    >"$T/hdr"
	STATUS=$(curl -s -o "$T/http.out" -D "$T/http.hdr" -w '%{http_code}' \
	    -H @"$T/hdr" --data-binary @"$T/body" "$1/twitch") || STATUS=000
	assert_eq "$label: status" 200 "$STATUS"
	assert_eq "$label: answer" pogchamp-kappa-360noscope-vohiyo \
	    "$(cat "$T/http.out")"
	grep -qi '^content-type: text/plain' "$T/http.hdr" ||
	    fail "$label: not text/plain: $(cat "$T/http.hdr")"
	label="$2 discord PINGs"
	printf '{"id":"1","application_id":"2","type":1,"version":1,"token":"t"}' \
	    >"$T/body"
	headers discord "$T/body" - - >"$T/hdr"
	post "$1" discord "$T/body" "$T/hdr"
	assert_eq "$label: interactions" '200 {"type":1}' \
	    "$STATUS $(cat "$T/http.out")"
	printf '{"version":1,"application_id":"2","type":0}' >"$T/body"
	headers discord "$T/body" - - >"$T/hdr"
	post "$1" discord "$T/body" "$T/hdr"
	assert_eq "$label: webhook events" 204 "$STATUS"
	label="$2 meta subscription check"
	q="hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock-$$"
	STATUS=$(curl -s -o "$T/http.out" -D "$T/http.hdr" -w '%{http_code}' \
	    "$1/meta?$q") || STATUS=000
	assert_eq "$label: status" 200 "$STATUS"
	assert_eq "$label: answer" 1158201444 "$(cat "$T/http.out")"
	STATUS=$(curl -s -o "$T/http.out" -w '%{http_code}' \
	    "$1/meta?${q}x") || STATUS=000
	assert_eq "$label: another token" 401 "$STATUS"
	STATUS=$(curl -s -o "$T/http.out" -D "$T/http.hdr" -w '%{http_code}' \
	    -X PUT --data-binary x "$1/meta") || STATUS=000
	assert_eq "$label: PUT" 405 "$STATUS"
	grep -qi '^allow: GET, POST' "$T/http.hdr" ||
	    fail "$label: PUT's Allow: $(cat "$T/http.hdr")"
	STATUS=$(curl -s -o "$T/http.out" -D "$T/http.hdr" -w '%{http_code}' \
	    "$1/github?$q") || STATUS=000
	assert_eq "$label: a GET elsewhere" 405 "$STATUS"
	grep -qi '^allow: POST' "$T/http.hdr" ||
	    fail "$label: GET's Allow: $(cat "$T/http.hdr")"
	assert_eq "$label: nothing spooled" "$before" "$(ls "$SPOOL"/new | wc -l)"
}

tg=0
mkdir -p "$SPOOL"
start_lighttpd hookspool-fastcgi.conf "$FCGI"
every_scheme "$URL" "lighttpd"

need_apache mpm_event authz_core alias env cgid proxy proxy_fcgi
mkdir "$T/run"
for_listen_user "$SPOOL" "$T/run" "$T"/*.key "$CONF"
SOCK=$T/run/hookspool.sock
substitute "$top_srcdir/apache/hookspool-proxy-fcgi.conf" \
    "$T/hookspool-proxy-fcgi.conf" hookspool_socket="$SOCK"
LISTEN_CONFIG=$T/nonexistent.conf start_listen "$SOCK" -c "$CONF"
wait_socket "$SOCK"
start_apache "$T/hookspool-proxy-fcgi.conf"
every_scheme "http://127.0.0.1:$HTTP_PORT/hookspool" "apache"
start_nginx "$SOCK"
every_scheme "http://127.0.0.1:$HTTP_PORT/hookspool" "nginx"
