#!/bin/bash
# Requests signed by the senders' own libraries (tests/senders: the npm
# packages standardwebhooks, stripe, @octokit/webhooks-methods, twilio,
# @hubspot/api-client, starkbank-ecdsa through @sendgrid/eventwebhook,
# pinned; where a library only verifies, as discord-interactions,
# @paddle/paddle-node-sdk and square do, sign.mjs signs as the docs say
# and that library must accept it) are accepted, with the id and type
# where each scheme puts them, and the same request with one byte
# changed is refused. The responder runs as CGI, with the headers as a
# server passes them (HTTP_* variables).
. "$top_srcdir/tests/setup.sh"

SENDERS=${HOOKSPOOL_SENDERS:-$top_srcdir/tests/senders}
command -v node >/dev/null || skip "node is not installed (apt-get install nodejs npm)"
for lib in standardwebhooks discord-interactions @sendgrid/eventwebhook \
    twilio @paddle/paddle-node-sdk square @hubspot/api-client; do
	[ -d "$SENDERS/node_modules/$lib" ] ||
	    skip "the senders' libraries are not installed (npm ci --prefix tests/senders)"
done
command -v openssl >/dev/null ||
    skip "openssl is not installed (apt-get install openssl)"

printf 'whsec_%s\n' "$(head -c 24 /dev/urandom | base64)" >"$T/standard.key"
printf 'whsec_stripe%s\n' "$$" >"$T/stripe.key"
printf 'github-secret-%s\n' "$$" >"$T/github.key"
for s in paddle square hubspot twilio; do
	printf '%s-secret-%s\n' "$s" "$$" >"$T/$s.key"
done
openssl genpkey -algorithm ed25519 -out "$T/discord.key" 2>/dev/null &&
    openssl ecparam -name prime256v1 -genkey -noout -out "$T/sendgrid.key" ||
    fail "openssl cannot make the test keys"
chmod 600 "$T"/*.key
PUBLIC=https://hooks.example.net/hook
{
	echo "spool = $SPOOL"
	for s in standard stripe github paddle square hubspot twilio; do
		printf '[webhook %s]\npath = /%s\nscheme = %s\nsecret_file = %s\n' \
		    "$s" "$s" "$s" "$T/$s.key"
		case $s in
		square|hubspot|twilio) printf 'url = %s/%s\n' "$PUBLIC" "$s" ;;
		esac
	done
	printf '[webhook discord]\npath = /discord\nscheme = discord\n'
	printf 'public_key = %s\n' "$(openssl pkey -in "$T/discord.key" \
	    -pubout -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n')"
	printf '[webhook sendgrid]\npath = /sendgrid\nscheme = sendgrid\n'
	printf 'public_key = %s\n' "$(openssl ec -in "$T/sendgrid.key" \
	    -pubout -outform DER 2>/dev/null | base64 -w0)"
} >"$CONF"

# cgi SCHEME BODY HEADERS: the responder as CGI for /SCHEME, each header
# line as the server passes it. Sets STATUS.
cgi() {
	set -- "$1" "$2" "$3"
	vars=()
	while IFS= read -r line; do
		name=${line%%:*}
		value=${line#*: }
		name=HTTP_$(printf '%s' "$name" | tr 'a-z-' 'A-Z_')
		vars+=("$name=$value")
	done <"$3"
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 HOOKSPOOL_CONFIG="$CONF" \
	    REQUEST_METHOD=POST PATH_INFO="/$1" \
	    CONTENT_LENGTH="$(wc -c <"$2" | tr -d ' ')" REMOTE_ADDR=127.0.0.1 \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	    "${vars[@]}" "$FCGI" <"$2" >"$T/cgi.out" 2>>"$T/cgi-stderr.log" ||
	    fail "the responder exited $?"
	STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/cgi.out")
}

# roundtrip SCHEME ID TYPE EVENT BODY
roundtrip() {
	printf '%s' "$5" >"$T/body"
	case $1 in
	discord|sendgrid) secret=$T/$1.key ;;
	*) secret=$(cat "$T/$1.key") ;;
	esac
	SIGN_URL=$PUBLIC/$1 node "$SENDERS/sign.mjs" "$1" "$secret" "$T/body" \
	    "$2" - "$4" >"$T/hdr" 2>"$T/sign.err" ||
	    fail "$1: the sender's library failed: $(cat "$T/sign.err")"
	cgi "$1" "$T/body" "$T/hdr"
	assert_eq "$1, signed by its own library" 200 "$STATUS"
	[ "$2" = - ] && set -- "$1" "$(printf '%s' "$5" | sha256sum |
	    cut -c1-64)" "$3" "$4" "$5"
	grep -q "\"status\":\"accepted\",\"id\":\"$2\"" "$T/cgi.out" ||
	    fail "$1: not accepted as $2: $(cat "$T/cgi.out")"
	n=$(grep -l "\"id\":\"$2\",\"type\":\"$3\"," "$SPOOL"/new/* | wc -l)
	assert_eq "$1: spooled with id $2 and type $3" 1 "$n"
	printf '%s ' "$5" >"$T/body"
	cgi "$1" "$T/body" "$T/hdr"
	assert_eq "$1: the same headers on a changed body" 401 "$STATUS"
}

roundtrip standard "msg_$$" invoice.paid - \
    '{"type":"invoice.paid","data":{"amount":100}}'
roundtrip stripe "evt_$$" charge.succeeded - \
    "{\"id\":\"evt_$$\",\"object\":\"event\",\"type\":\"charge.succeeded\"}"
roundtrip github "delivery-$$" issues.opened issues \
    '{"action":"opened","issue":{"number":7}}'
roundtrip paddle "evt_$$" transaction.paid - \
    "{\"event_id\":\"evt_$$\",\"event_type\":\"transaction.paid\",\"data\":{}}"
roundtrip square "sq_$$" payment.created - \
    "{\"event_id\":\"sq_$$\",\"type\":\"payment.created\",\"data\":{}}"
roundtrip hubspot - batch - \
    "[{\"eventId\":$$,\"subscriptionType\":\"contact.creation\",\"objectId\":1}]"
roundtrip twilio - message.received - \
    "MessageSid=SM$$&SmsStatus=received&Body=hi+%F0%9F%98%80&MediaUrl=b&MediaUrl=a"
grep -q '"event":{"MessageSid":"SM[0-9]*","SmsStatus":"received","Body":"hi \(😀\|\\ud83d\\ude00\)","MediaUrl":\["b","a"\]}}$' \
    "$SPOOL"/new/* || fail "twilio: the form is not spooled as its JSON object"
roundtrip discord "$$" interaction.2 - \
    "{\"id\":\"$$\",\"type\":2,\"data\":{\"name\":\"blep\"}}"
roundtrip sendgrid - batch - \
    "[{\"email\":\"a@example.com\",\"event\":\"delivered\",\"sg_event_id\":\"$$\"}]"
