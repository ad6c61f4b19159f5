/*
 * test_scheme.c: scheme_check() verifies before it parses, and fills the
 * event only when both pass: Protocol's scheme on good, tampered,
 * unsigned and invalid requests, and a rotated secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "scheme.h"
#include "verify.h"
#include "unit.h"

/* One header, as the responder would hand it over. */
struct fake {
	const char	*f_name;
	const char	*f_value;
};

static const char *
header(void *arg, const char *name)
{
	const struct fake	*f = arg;

	return f->f_value != NULL && strcmp(name, f->f_name) == 0 ?
	    f->f_value : NULL;
}

static enum scheme_result
check(const struct config_webhook *wh, const char *sig, const char *body,
    struct scheme_out *out, const char **reason)
{
	struct fake		f = { "HTTP_X_PROTOCOL_SIGNATURE", sig };
	struct scheme_request	rq;

	rq.sr_header = header;
	rq.sr_arg = &f;
	rq.sr_body = body;
	rq.sr_len = strlen(body);
	rq.sr_now = 0;
	rq.sr_method = "POST";
	rq.sr_query = NULL;
	return scheme_check(wh, &rq, out, reason);
}

int
main(void)
{
	static unsigned char	 old_key[] = "old-secret", new_key[] = "new-secret";
	struct config_secret	 secrets[2] = {
		{ old_key, sizeof(old_key) - 1 }, { new_key, sizeof(new_key) - 1 } };
	struct config_webhook	 wh;
	struct scheme_out	 so;
	const char		*reason, *body = "{\"id\":\"evt-1\","
	    "\"type\":\"message.created\",\"payload\":{}}";
	char			 sig[VERIFY_HEX_LEN + 1], bad[VERIFY_HEX_LEN + 1];
	enum scheme_result	 r;

	REQUIRE(verify_init(&reason) == 0, "verify_init");
	memset(&wh, 0, sizeof(wh));
	wh.wh_name = "protocol";
	wh.wh_cgi_header = "HTTP_X_PROTOCOL_SIGNATURE";
	wh.wh_secrets = secrets;
	wh.wh_nsecrets = 2;

	/* signed with the newer of two secrets: verified, id and type set */
	REQUIRE(verify_sign(new_key, sizeof(new_key) - 1, body, strlen(body),
	    sig, &reason) == 0, "sign");
	r = check(&wh, sig, body, &so, &reason);
	CHECK(r == SCHEME_OK, "good request: %d (%s)", r, reason);
	CHECK(r == SCHEME_OK && strcmp(so.so_ev.ev_id, "evt-1") == 0 &&
	    strcmp(so.so_ev.ev_type, "message.created") == 0, "id and type");
	scheme_out_clear(&so);

	/* a tampered body, no header, a malformed header: the signature */
	r = check(&wh, sig, "{\"id\":\"evt-2\",\"type\":\"message.created\"}",
	    &so, &reason);
	CHECK(r == SCHEME_SIGNATURE && so.so_ev.ev_id == NULL, "tampered: %d", r);
	r = check(&wh, NULL, body, &so, &reason);
	CHECK(r == SCHEME_SIGNATURE && so.so_ev.ev_id == NULL, "unsigned: %d", r);
	memcpy(bad, sig, sizeof(bad));
	bad[VERIFY_HEX_LEN - 1] = '\0';
	r = check(&wh, bad, body, &so, &reason);
	CHECK(r == SCHEME_SIGNATURE, "63 hex digits: %d", r);

	/* verified, but no event: a body that is signed and not JSON */
	REQUIRE(verify_sign(old_key, sizeof(old_key) - 1, "{'id':1}", 8, sig,
	    &reason) == 0, "sign");
	r = check(&wh, sig, "{'id':1}", &so, &reason);
	CHECK(r == SCHEME_EVENT && so.so_ev.ev_id == NULL, "bad event: %d", r);

	/* an invalid body with a bad signature is a signature failure: the
	 * signature is checked first */
	r = check(&wh, bad, "{'id':1}", &so, &reason);
	CHECK(r == SCHEME_SIGNATURE, "signature before parsing: %d", r);
	return unit_done("test_scheme");
}
