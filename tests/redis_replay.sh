#!/bin/bash
# A GitHub delivery captured on its way (a proxy's log) and sent again to
# another host behind the load balancer, under a fresh X-GitHub-Delivery
# and another X-GitHub-Event: each host's spool takes it (neither has seen
# it), but forward marks the event's own bytes as well as its id for
# webhooks whose id the signature does not cover, so the stream gets it
# once. A webhook whose id is signed (protocol) keeps one entry per id.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

redis_start r

# host NAME: SPOOL and CONF of host NAME, with webhooks protocol (path /)
# and gh (path /gh, scheme github), both keyed with the test secret.
host() {
	SPOOL=$T/$1/spool
	CONF=$T/$1/hookspool.conf
	mkdir -p "$T/$1"
	make_conf -- 'path = /'
	printf '[webhook gh]\npath = /gh\nscheme = github\nsecret_file = %s\n' \
	    "$SECRET_FILE" >>"$CONF"
}

# gh_post BODYFILE DELIVERY EVENT: a GitHub delivery to this host's /gh.
gh_post() {
	cgi_post "$1" PATH_INFO=/gh \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(sign "$1")" \
	    HTTP_X_GITHUB_DELIVERY="$2" HTTP_X_GITHUB_EVENT="$3"
	grep -q '"status":"accepted"' "$T/cgi.out" ||
	    fail "delivery $2 to $SPOOL: $(cat "$T/cgi.out")"
}

printf '{"ref":"refs/heads/main","after":"0d1a26e6","commits":[]}' >"$T/push.json"
printf '{"action":"opened","issue":{"number":7}}' >"$T/issue.json"
host a
gh_post "$T/push.json" d-0001 push
gh_post "$T/issue.json" d-0002 issues
post same-id
host b
# the captured push, replayed with a fresh delivery id and another type
gh_post "$T/push.json" d-9999 issues
post same-id
for h in a b; do
	"$HOOKSPOOL" forward -c "$T/$h/hookspool.conf" --redis "$REDIS_ADDR" \
	    2>"$T/forward-$h.log" ||
	    fail "forward of host $h: $(cat "$T/forward-$h.log")"
done
assert_eq "entries in the stream" 3 "$(stream_len r hookspool)"
stream_entries r hookspool >"$T/stream"
assert_eq "the push, once" 1 "$(grep -c '"ref":"refs/heads/main"' "$T/stream")"
assert_eq "the captured push's fresh id is not in the stream" 0 \
    "$(grep -c 'd-9999' "$T/stream")"
assert_eq "host b's forward: the replay is a duplicate" 2 \
    "$(summary_count "$T/forward-b.log" forward duplicates)"
for h in a b; do
	SPOOL=$T/$h/spool
	assert_eq "host $h: nothing left in new/" 0 "$(count new)"
done

# A sender's genuine retry of the same delivery to the other host: one.
host c
gh_post "$T/issue.json" d-0002 issues
"$HOOKSPOOL" forward -c "$CONF" --redis "$REDIS_ADDR" 2>"$T/forward-c.log" ||
    fail "forward of host c: $(cat "$T/forward-c.log")"
assert_eq "a genuine redelivery is a duplicate" 3 "$(stream_len r hookspool)"
