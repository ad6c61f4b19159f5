/*
 * timed.c: senders that sign a timestamp with the body under a shared
 * secret (HMAC-SHA256), checked against the webhook's tolerance: Stripe,
 * Standard Webhooks, Slack, Paddle and Calendly (whose headers are lists
 * like Stripe's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schemes/schemes.h"

void
scheme_sig_list(const char *list, char sep, const char *tkey,
    const char *mackey, char ts[SCHEME_TS_MAX], struct scheme_macs *m)
{
	const char	*p, *end;
	size_t		 n, tn = strlen(tkey), mn = strlen(mackey);

	ts[0] = '\0';
	if (list == NULL)
		return;
	for (p = list; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, sep);
		if (end == NULL)
			end = p + strlen(p);
		n = end - p;
		if (n > tn && strncmp(p, tkey, tn) == 0 && ts[0] == '\0' &&
		    n - tn < SCHEME_TS_MAX) {
			memcpy(ts, p + tn, n - tn);
			ts[n - tn] = '\0';
		} else if (n > mn && strncmp(p, mackey, mn) == 0)
			scheme_add_mac(m, p + mn, n - mn, 0);
	}
}

/*
 * A MAC over "TS" sep "body" from a list header (name), then the id and
 * type from the body's fields (id_path NULL: the body's SHA-256).
 */
static enum scheme_result
list_check(const struct config_webhook *wh, const struct scheme_request *rq,
    struct scheme_out *out, const char *name, char sep, const char *tkey,
    const char *mackey, const char *join, const char *id_path,
    const char *type_path, const char **reason)
{
	struct verify_part	 parts[3];
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	char			 ts[SCHEME_TS_MAX], sum[VERIFY_HEX_LEN + 1];

	scheme_sig_list(scheme_header(rq, name), sep, tkey, mackey, ts, &m);
	if (!scheme_timely(wh, rq, ts[0] != '\0' ? ts : NULL, reason))
		return SCHEME_SIGNATURE;
	parts[0] = (struct verify_part){ ts, strlen(ts) };
	parts[1] = (struct verify_part){ join, 1 };
	parts[2] = (struct verify_part){ rq->sr_body, rq->sr_len };
	if ((r = scheme_check_macs(wh, parts, 3, &m, reason)) != SCHEME_OK)
		return r;
	if (id_path == NULL) {
		if ((r = scheme_body_sum(rq, sum, reason)) != SCHEME_OK)
			return r;
		return scheme_fill(rq, sum, NULL, NULL, type_path, &out->so_ev,
		    reason);
	}
	return scheme_fill(rq, NULL, id_path, NULL, type_path, &out->so_ev,
	    reason);
}

/* Stripe: Stripe-Signature: t=TS,v1=HEX[,v1=HEX...] over "TS.body". */
enum scheme_result
scheme_stripe_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	return list_check(wh, rq, out, "HTTP_STRIPE_SIGNATURE", ',', "t=",
	    "v1=", ".", "id", "type", reason);
}

/*
 * Paddle: Paddle-Signature: ts=TS;h1=HEX[;h1=HEX...] (one h1 per secret
 * while a secret is rotated) over "TS:body"; event_id, event_type.
 */
enum scheme_result
scheme_paddle_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	return list_check(wh, rq, out, "HTTP_PADDLE_SIGNATURE", ';', "ts=",
	    "h1=", ":", "event_id", "event_type", reason);
}

/*
 * Calendly: Calendly-Webhook-Signature: t=TS,v1=HEX over "TS.body", as
 * Stripe's; no id is sent: the body's SHA-256; the type is "event".
 */
enum scheme_result
scheme_calendly_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	return list_check(wh, rq, out, "HTTP_CALENDLY_WEBHOOK_SIGNATURE", ',',
	    "t=", "v1=", ".", NULL, "event", reason);
}

/* The standard webhook-* header, or its svix-* twin. */
static const char *
standard_header(const struct scheme_request *rq, const char *name)
{
	char		 cgi[64];
	const char	*v;

	snprintf(cgi, sizeof(cgi), "HTTP_WEBHOOK_%s", name);
	if ((v = scheme_header(rq, cgi)) != NULL)
		return v;
	snprintf(cgi, sizeof(cgi), "HTTP_SVIX_%s", name);
	return scheme_header(rq, cgi);
}

/* Standard Webhooks: webhook-signature: v1,B64 ... over "ID.TS.body". */
enum scheme_result
scheme_standard_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct event		*ev = &out->so_ev;
	struct verify_part	 parts[5];
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*id, *ts, *sig, *p, *end;

	id = standard_header(rq, "ID");
	ts = standard_header(rq, "TIMESTAMP");
	if ((sig = standard_header(rq, "SIGNATURE")) == NULL)
		sig = "";
	if (id == NULL) {
		*reason = "webhook-id missing";
		return SCHEME_SIGNATURE;
	}
	if (!scheme_timely(wh, rq, ts, reason))
		return SCHEME_SIGNATURE;
	for (p = sig; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = p + strcspn(p, " ");
		if (end - p > 3 && strncmp(p, "v1,", 3) == 0)
			scheme_add_mac(&m, p + 3, end - p - 3, 1);
	}
	parts[0] = (struct verify_part){ id, strlen(id) };
	parts[1] = (struct verify_part){ ".", 1 };
	parts[2] = (struct verify_part){ ts, strlen(ts) };
	parts[3] = (struct verify_part){ ".", 1 };
	parts[4] = (struct verify_part){ rq->sr_body, rq->sr_len };
	if ((r = scheme_check_macs(wh, parts, 5, &m, reason)) != SCHEME_OK)
		return r;
	return scheme_fill(rq, id, NULL, NULL, "type", ev, reason);
}

/* Standard Webhooks' secrets: whsec_ and base64; the key is the bytes. */
int
scheme_standard_configure(struct config_webhook *wh, const char **reason)
{
	unsigned char	*key;
	size_t		 i, n;

	for (i = 0; i < wh->wh_nsecrets; i++) {
		if ((key = malloc(SCHEME_KEY_MAX)) == NULL) {
			*reason = "out of memory";
			return -1;
		}
		if (wh->wh_secrets[i].sec_len <= 6 ||
		    memcmp(wh->wh_secrets[i].sec_key, "whsec_", 6) != 0 ||
		    verify_base64((char *)wh->wh_secrets[i].sec_key + 6,
		    wh->wh_secrets[i].sec_len - 6, key, SCHEME_KEY_MAX,
		    &n) == -1 || n == 0) {
			explicit_bzero(key, SCHEME_KEY_MAX);
			free(key);
			*reason = "a standard secret must be whsec_ followed "
			    "by base64";
			return -1;
		}
		explicit_bzero(wh->wh_secrets[i].sec_key,
		    wh->wh_secrets[i].sec_len);
		free(wh->wh_secrets[i].sec_key);
		wh->wh_secrets[i].sec_key = key;
		wh->wh_secrets[i].sec_len = n;
	}
	return 0;
}

/* Slack: X-Slack-Signature: v0=HEX over "v0:TS:body"; event_id, event.type. */
enum scheme_result
scheme_slack_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct event		*ev = &out->so_ev;
	struct verify_part	 parts[4];
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig, *ts;
	char			*type = NULL, *id = NULL;
	size_t			 n;
	int			 callback;

	ts = scheme_header(rq, "HTTP_X_SLACK_REQUEST_TIMESTAMP");
	if (!scheme_timely(wh, rq, ts, reason))
		return SCHEME_SIGNATURE;
	if ((sig = scheme_header(rq, "HTTP_X_SLACK_SIGNATURE")) != NULL &&
	    strncmp(sig, "v0=", 3) == 0)
		scheme_add_mac(&m, sig + 3, strlen(sig + 3), 0);
	parts[0] = (struct verify_part){ "v0:", 3 };
	parts[1] = (struct verify_part){ ts, strlen(ts) };
	parts[2] = (struct verify_part){ ":", 1 };
	parts[3] = (struct verify_part){ rq->sr_body, rq->sr_len };
	if ((r = scheme_check_macs(wh, parts, 4, &m, reason)) != SCHEME_OK)
		return r;
	if (event_check_body(rq->sr_body, rq->sr_len, reason) == -1 ||
	    event_body_string(rq->sr_body, rq->sr_len, "type", &type, &n,
	    reason) == -1)
		return SCHEME_EVENT;
	if (type != NULL && strcmp(type, "url_verification") == 0) {
		free(type);
		return scheme_slack_challenge(rq, out, reason);
	}
	callback = type != NULL && strcmp(type, "event_callback") == 0;
	free(type);
	if (event_body_string(rq->sr_body, rq->sr_len, "event_id", &id, &n,
	    reason) == -1)
		return SCHEME_EVENT;
	if (id == NULL)
		return SCHEME_IGNORED;
	free(id);
	return scheme_fill(rq, NULL, "event_id", NULL,
	    callback ? "event.type" : "type", ev, reason);
}

/* now as decimal seconds into ts. */
static void
timestamp(time_t now, char ts[32])
{
	snprintf(ts, 32, "%lld", (long long)now);
}

/* The hex MAC of "TS" join "body" at now, with TS, for list headers. */
static int
list_sign(const struct config_webhook *wh, const char *body, size_t len,
    const char *join, time_t now, char ts[32], char mac[VERIFY_HEX_LEN + 1],
    const char **reason)
{
	struct verify_part	parts[3];

	timestamp(now, ts);
	parts[0] = (struct verify_part){ ts, strlen(ts) };
	parts[1] = (struct verify_part){ join, 1 };
	parts[2] = (struct verify_part){ body, len };
	return scheme_sign_parts(wh, parts, 3, 0, mac, reason);
}

int
scheme_stripe_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	char	mac[VERIFY_HEX_LEN + 1], ts[32];

	(void)id;
	(void)type;
	if (list_sign(wh, body, len, ".", now, ts, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "Stripe-Signature: t=%s,v1=%s\n",
	    ts, mac);
}

int
scheme_paddle_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	char	mac[VERIFY_HEX_LEN + 1], ts[32];

	(void)id;
	(void)type;
	if (list_sign(wh, body, len, ":", now, ts, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "Paddle-Signature: ts=%s;h1=%s\n",
	    ts, mac);
}

int
scheme_calendly_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	char	mac[VERIFY_HEX_LEN + 1], ts[32];

	(void)id;
	(void)type;
	if (list_sign(wh, body, len, ".", now, ts, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "Calendly-Webhook-Signature: "
	    "t=%s,v1=%s\n", ts, mac);
}

int
scheme_standard_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	struct verify_part	parts[5];
	char			mac[VERIFY_HEX_LEN + 1], ts[32];

	(void)type;
	if (id == NULL) {
		*reason = "this scheme needs --id";
		return -1;
	}
	timestamp(now, ts);
	parts[0] = (struct verify_part){ id, strlen(id) };
	parts[1] = (struct verify_part){ ".", 1 };
	parts[2] = (struct verify_part){ ts, strlen(ts) };
	parts[3] = (struct verify_part){ ".", 1 };
	parts[4] = (struct verify_part){ body, len };
	if (scheme_sign_parts(wh, parts, 5, 1, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "webhook-id: %s\nwebhook-timestamp: "
	    "%s\nwebhook-signature: v1,%s\n", id, ts, mac);
}

int
scheme_slack_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	struct verify_part	parts[4];
	char			mac[VERIFY_HEX_LEN + 1], ts[32];

	(void)id;
	(void)type;
	timestamp(now, ts);
	parts[0] = (struct verify_part){ "v0:", 3 };
	parts[1] = (struct verify_part){ ts, strlen(ts) };
	parts[2] = (struct verify_part){ ":", 1 };
	parts[3] = (struct verify_part){ body, len };
	if (scheme_sign_parts(wh, parts, 4, 0, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "X-Slack-Request-Timestamp: %s\n"
	    "X-Slack-Signature: v0=%s\n", ts, mac);
}
