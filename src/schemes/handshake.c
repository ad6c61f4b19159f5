/*
 * handshake.c: the answers to the handshakes some senders make before
 * they send events. A handshake is answered by the responder and never
 * spooled; where the sender signs it, it has been verified before it
 * gets here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "schemes/form.h"
#include "schemes/schemes.h"

enum scheme_result
scheme_answer(struct scheme_out *out, int status, const char *type,
    char *body, const char **reason)
{
	if (type != NULL && body == NULL) {
		*reason = "out of memory";
		return SCHEME_ERROR;
	}
	out->so_answer.sa_status = status;
	out->so_answer.sa_type = type;
	out->so_answer.sa_body = body;
	out->so_answer.sa_len = body != NULL ? strlen(body) : 0;
	return SCHEME_ANSWER;
}

/* Slack's url_verification: {"challenge":"..."}, the body's challenge. */
enum scheme_result
scheme_slack_challenge(const struct scheme_request *rq,
    struct scheme_out *out, const char **reason)
{
	char	*c, *json, *body = NULL;
	size_t	 n;

	if (event_body_string(rq->sr_body, rq->sr_len, "challenge", &c, &n,
	    reason) != 1) {
		*reason = "url_verification without a challenge";
		return SCHEME_EVENT;
	}
	json = json_string_encode(c, n);
	free(c);
	if (json != NULL && asprintf(&body, "{\"challenge\":%s}", json) < 0)
		body = NULL;
	free(json);
	return scheme_answer(out, 200, "application/json", body, reason);
}

/*
 * Zoom's endpoint.url_validation: {"plainToken":P,"encryptedToken":HEX},
 * HEX the HMAC-SHA256 of P under the secret that verified the request
 * (secrets[hit]), so a rotated secret answers as it signs.
 */
enum scheme_result
scheme_zoom_validation(const struct config_webhook *wh, size_t hit,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct config_webhook	 one = *wh;
	struct verify_part	 part;
	char			*plain, *json, *body = NULL;
	char			 mac[VERIFY_HEX_LEN + 1];
	size_t			 n;

	if (event_body_string(rq->sr_body, rq->sr_len, "payload.plainToken",
	    &plain, &n, reason) != 1) {
		*reason = "url_validation without a plainToken";
		return SCHEME_EVENT;
	}
	one.wh_secrets = &wh->wh_secrets[hit];
	one.wh_nsecrets = 1;
	part = (struct verify_part){ plain, n };
	if (scheme_sign_parts(&one, &part, 1, 0, mac, reason) == -1) {
		free(plain);
		return SCHEME_ERROR;
	}
	json = json_string_encode(plain, n);
	free(plain);
	if (json != NULL && asprintf(&body, "{\"plainToken\":%s,"
	    "\"encryptedToken\":\"%s\"}", json, mac) < 0)
		body = NULL;
	free(json);
	return scheme_answer(out, 200, "application/json", body, reason);
}

/*
 * Twitch's webhook_callback_verification: the body's challenge itself,
 * as text/plain. Only printable ASCII is echoed back.
 */
enum scheme_result
scheme_twitch_verification(const struct scheme_request *rq,
    struct scheme_out *out, const char **reason)
{
	char	*c;
	size_t	 n, i;

	if (event_body_string(rq->sr_body, rq->sr_len, "challenge", &c, &n,
	    reason) != 1) {
		*reason = "webhook_callback_verification without a challenge";
		return SCHEME_EVENT;
	}
	for (i = 0; i < n; i++)
		if (c[i] < 0x21 || c[i] > 0x7e)
			break;
	if (n == 0 || i < n) {
		free(c);
		*reason = "a challenge that is not printable ASCII";
		return SCHEME_EVENT;
	}
	return scheme_answer(out, 200, "text/plain", c, reason);
}

/* The first value of field name in fm, or NULL. */
static const char *
form_value(const struct form *fm, const char *name, size_t *len)
{
	size_t	i;

	for (i = 0; i < fm->fm_n; i++)
		if (strcmp(fm->fm_fields[i].ff_name, name) == 0) {
			*len = fm->fm_fields[i].ff_valuelen;
			return fm->fm_fields[i].ff_value;
		}
	return NULL;
}

/*
 * Meta's subscription check, a GET: hub.mode=subscribe, hub.verify_token
 * equal to verify_token = (constant time), and hub.challenge, which is
 * answered as text/plain (printable ASCII only). No verify_token, or
 * another, is SCHEME_SIGNATURE.
 */
enum scheme_result
scheme_meta_subscribe(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct config_webhook	 tok = *wh;
	struct config_secret	 sec;
	struct form		 fm;
	enum scheme_result	 r = SCHEME_EVENT;
	const char		*mode, *token, *challenge, *q = rq->sr_query;
	char			*c;
	size_t			 n, i;

	if (form_decode(q != NULL ? q : "", q != NULL ? strlen(q) : 0, &fm,
	    reason) == -1)
		return SCHEME_EVENT;
	mode = form_value(&fm, "hub.mode", &n);
	token = form_value(&fm, "hub.verify_token", &n);
	if (mode == NULL || strcmp(mode, "subscribe") != 0) {
		*reason = "a GET that is not hub.mode=subscribe";
		goto done;
	}
	sec.sec_key = (unsigned char *)wh->wh_opt[CONFIG_OPT_VERIFY_TOKEN];
	sec.sec_len = sec.sec_key != NULL ? strlen((char *)sec.sec_key) : 0;
	tok.wh_secrets = &sec;
	tok.wh_nsecrets = sec.sec_key != NULL;
	if ((r = scheme_token_check(&tok, token, reason)) != SCHEME_OK)
		goto done;
	r = SCHEME_EVENT;
	if ((challenge = form_value(&fm, "hub.challenge", &n)) == NULL ||
	    n == 0) {
		*reason = "a subscription check without hub.challenge";
		goto done;
	}
	for (i = 0; i < n; i++)
		if (challenge[i] < 0x21 || challenge[i] > 0x7e) {
			*reason = "a challenge that is not printable ASCII";
			goto done;
		}
	c = strdup(challenge);
	r = scheme_answer(out, 200, "text/plain", c, reason);
done:
	form_free(&fm);
	return r;
}
