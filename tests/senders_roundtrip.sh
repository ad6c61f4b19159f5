#!/bin/bash
# Requests signed by the senders' own libraries (tests/senders: the npm
# packages standardwebhooks, stripe and @octokit/webhooks-methods, pinned)
# are accepted, with the id and type where each scheme puts them, and the
# same request with one byte changed is refused. The responder runs as
# CGI, with the headers as a server passes them (HTTP_* variables).
. "$top_srcdir/tests/setup.sh"

SENDERS=${HOOKSPOOL_SENDERS:-$top_srcdir/tests/senders}
command -v node >/dev/null || skip "node is not installed (apt-get install nodejs npm)"
[ -d "$SENDERS/node_modules/standardwebhooks" ] ||
    skip "the senders' libraries are not installed (npm ci --prefix tests/senders)"

printf 'whsec_%s\n' "$(head -c 24 /dev/urandom | base64)" >"$T/standard.key"
printf 'whsec_stripe%s\n' "$$" >"$T/stripe.key"
printf 'github-secret-%s\n' "$$" >"$T/github.key"
chmod 600 "$T"/*.key
{
	echo "spool = $SPOOL"
	for s in standard stripe github; do
		printf '[webhook %s]\npath = /%s\nscheme = %s\nsecret_file = %s\n' \
		    "$s" "$s" "$s" "$T/$s.key"
	done
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
	node "$SENDERS/sign.mjs" "$1" "$(cat "$T/$1.key")" "$T/body" "$2" - \
	    "$4" >"$T/hdr" 2>"$T/sign.err" ||
	    fail "$1: the sender's library failed: $(cat "$T/sign.err")"
	cgi "$1" "$T/body" "$T/hdr"
	assert_eq "$1, signed by its own library" 200 "$STATUS"
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
