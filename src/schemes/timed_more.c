/*
 * timed_more.c: more senders that sign a timestamp under a shared secret
 * (HMAC-SHA256): Zoom and Twitch, which also make a handshake, and
 * Mailgun, which signs a timestamp and a token in the body and leaves
 * the event data unsigned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "schemes/schemes.h"

/*
 * Zoom: x-zm-signature: v0=HEX over "v0:TS:body" with x-zm-request-
 * timestamp; no id is sent (the body's SHA-256), the type is "event".
 * endpoint.url_validation, once verified, is answered (handshake.c).
 */
enum scheme_result
scheme_zoom_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct verify_part	 parts[4];
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig, *ts;
	char			*event = NULL, sum[VERIFY_HEX_LEN + 1];
	size_t			 n;
	int			 validation;

	ts = scheme_header(rq, "HTTP_X_ZM_REQUEST_TIMESTAMP");
	if (!scheme_timely(wh, rq, ts, reason))
		return SCHEME_SIGNATURE;
	if ((sig = scheme_header(rq, "HTTP_X_ZM_SIGNATURE")) != NULL &&
	    strncmp(sig, "v0=", 3) == 0)
		scheme_add_mac(&m, sig + 3, strlen(sig + 3), 0);
	parts[0] = (struct verify_part){ "v0:", 3 };
	parts[1] = (struct verify_part){ ts, strlen(ts) };
	parts[2] = (struct verify_part){ ":", 1 };
	parts[3] = (struct verify_part){ rq->sr_body, rq->sr_len };
	if ((r = scheme_check_macs(wh, parts, 4, &m, reason)) != SCHEME_OK)
		return r;
	if (event_check_body(rq->sr_body, rq->sr_len, reason) == -1 ||
	    event_body_string(rq->sr_body, rq->sr_len, "event", &event, &n,
	    reason) == -1)
		return SCHEME_EVENT;
	validation = event != NULL &&
	    strcmp(event, "endpoint.url_validation") == 0;
	free(event);
	if (validation)
		return scheme_zoom_validation(wh, m.sm_hit, rq, out, reason);
	if ((r = scheme_body_sum(rq, sum, reason)) != SCHEME_OK)
		return r;
	return scheme_fill(rq, sum, NULL, NULL, "event", &out->so_ev, reason);
}

/*
 * Twitch EventSub: Twitch-Eventsub-Message-Signature: sha256=HEX over
 * message id, timestamp (RFC 3339) and body; the id is the message id
 * (signed), the type the body's subscription.type, or "revocation".
 * webhook_callback_verification, once verified, is answered with its
 * challenge (handshake.c).
 */
enum scheme_result
scheme_twitch_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct verify_part	 parts[3];
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*id, *ts, *sig, *kind;
	char			 secs[32];
	long long		 t;

	id = scheme_header(rq, "HTTP_TWITCH_EVENTSUB_MESSAGE_ID");
	ts = scheme_header(rq, "HTTP_TWITCH_EVENTSUB_MESSAGE_TIMESTAMP");
	sig = scheme_header(rq, "HTTP_TWITCH_EVENTSUB_MESSAGE_SIGNATURE");
	kind = scheme_header(rq, "HTTP_TWITCH_EVENTSUB_MESSAGE_TYPE");
	if (id == NULL) {
		*reason = "Twitch-Eventsub-Message-Id missing";
		return SCHEME_SIGNATURE;
	}
	if (ts == NULL || scheme_rfc3339(ts, &t) == -1) {
		*reason = "timestamp missing or not RFC 3339";
		return SCHEME_SIGNATURE;
	}
	snprintf(secs, sizeof(secs), "%lld", t);
	if (!scheme_timely(wh, rq, secs, reason))
		return SCHEME_SIGNATURE;
	if (sig != NULL && strncmp(sig, "sha256=", 7) == 0)
		scheme_add_mac(&m, sig + 7, strlen(sig + 7), 0);
	parts[0] = (struct verify_part){ id, strlen(id) };
	parts[1] = (struct verify_part){ ts, strlen(ts) };
	parts[2] = (struct verify_part){ rq->sr_body, rq->sr_len };
	if ((r = scheme_check_macs(wh, parts, 3, &m, reason)) != SCHEME_OK)
		return r;
	if (kind != NULL && strcmp(kind, "webhook_callback_verification") == 0)
		return scheme_twitch_verification(rq, out, reason);
	if (kind != NULL && strcmp(kind, "revocation") == 0)
		return scheme_fill(rq, id, NULL, "revocation", NULL,
		    &out->so_ev, reason);
	return scheme_fill(rq, id, NULL, NULL, "subscription.type",
	    &out->so_ev, reason);
}

/*
 * Mailgun: the body's signature object: "signature" is the hex HMAC of
 * "timestamp" followed by "token". The event data is not signed. The id
 * is the token, so that with dedup one token is never taken twice (and
 * the body is deduplicated as well); the type is event-data.event. The
 * timestamp is checked only where tolerance is set.
 */
enum scheme_result
scheme_mailgun_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct verify_part	 parts[2];
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r = SCHEME_SIGNATURE;
	char			*ts = NULL, *token = NULL, *sig = NULL;
	size_t			 tslen, toklen, siglen;

	if (event_check_body(rq->sr_body, rq->sr_len, reason) == -1 ||
	    event_body_string(rq->sr_body, rq->sr_len, "signature.timestamp",
	    &ts, &tslen, reason) == -1 || event_body_string(rq->sr_body,
	    rq->sr_len, "signature.token", &token, &toklen, reason) == -1 ||
	    event_body_string(rq->sr_body, rq->sr_len, "signature.signature",
	    &sig, &siglen, reason) == -1 || ts == NULL || token == NULL ||
	    sig == NULL) {
		if (ts == NULL || token == NULL || sig == NULL)
			*reason = "no signature object in the body";
		goto done;
	}
	if (wh->wh_opt[CONFIG_OPT_TOLERANCE] != NULL &&
	    !scheme_timely(wh, rq, ts, reason))
		goto done;
	scheme_add_mac(&m, sig, siglen, 0);
	parts[0] = (struct verify_part){ ts, tslen };
	parts[1] = (struct verify_part){ token, toklen };
	if ((r = scheme_check_macs(wh, parts, 2, &m, reason)) != SCHEME_OK)
		goto done;
	r = scheme_unsigned_id(rq, &out->so_ev, scheme_fill(rq, token, NULL,
	    NULL, "event-data.event", &out->so_ev, reason), reason);
done:
	free(ts);
	free(token);
	free(sig);
	return r;
}

int
scheme_zoom_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	struct verify_part	parts[4];
	char			mac[VERIFY_HEX_LEN + 1], ts[32];

	(void)id;
	(void)type;
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	parts[0] = (struct verify_part){ "v0:", 3 };
	parts[1] = (struct verify_part){ ts, strlen(ts) };
	parts[2] = (struct verify_part){ ":", 1 };
	parts[3] = (struct verify_part){ body, len };
	if (scheme_sign_parts(wh, parts, 4, 0, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "x-zm-request-timestamp: %s\n"
	    "x-zm-signature: v0=%s\n", ts, mac);
}

int
scheme_twitch_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	struct verify_part	parts[3];
	struct tm		tm;
	char			mac[VERIFY_HEX_LEN + 1], ts[40];

	if (id == NULL) {
		*reason = "this scheme needs --id (the message id is signed)";
		return -1;
	}
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		*reason = "unable to write the timestamp";
		return -1;
	}
	parts[0] = (struct verify_part){ id, strlen(id) };
	parts[1] = (struct verify_part){ ts, strlen(ts) };
	parts[2] = (struct verify_part){ body, len };
	if (scheme_sign_parts(wh, parts, 3, 0, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "Twitch-Eventsub-Message-Id: %s\n"
	    "Twitch-Eventsub-Message-Timestamp: %s\n"
	    "Twitch-Eventsub-Message-Type: %s\n"
	    "Twitch-Eventsub-Message-Signature: sha256=%s\n", id, ts,
	    type != NULL ? type : "notification", mac);
}

/*
 * Mailgun signs in the body: the signature object to put there, for
 * token id, as one line of JSON.
 */
int
scheme_mailgun_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	struct verify_part	 parts[2];
	char			 mac[VERIFY_HEX_LEN + 1], ts[32], *token;
	int			 rc;

	(void)body;
	(void)len;
	(void)type;
	if (id == NULL) {
		*reason = "this scheme needs --id (the token)";
		return -1;
	}
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	parts[0] = (struct verify_part){ ts, strlen(ts) };
	parts[1] = (struct verify_part){ id, strlen(id) };
	if (scheme_sign_parts(wh, parts, 2, 0, mac, reason) == -1)
		return -1;
	if ((token = json_string_encode(id, strlen(id))) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	rc = scheme_printf(out, reason, "{\"timestamp\":\"%s\",\"token\":%s,"
	    "\"signature\":\"%s\"}\n", ts, token, mac);
	free(token);
	return rc;
}
