/*
 * scheme.c: the senders' signing schemes (hookspool.conf(5), "scheme"):
 * the table of senders and the seam the responder, the config and `sign`
 * call. Each sender is one entry here and one function in its family's
 * file under schemes/ (schemes/schemes.h), which verifies a request over
 * its raw bytes, and only then checks the body and fills the event's id
 * and type from where that sender puts them.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"
#include "scheme.h"
#include "schemes/schemes.h"

#define SCHEME_TOLERANCE	300	/* seconds, unless tolerance = says */
#define SCHEME_TOLERANCE_MAX	(7 * 86400)

/* What a scheme accepts in its section besides secrets, path and events. */
#define TIMED		SCHEME_OPT(CONFIG_OPT_TOLERANCE)
#define URL		SCHEME_OPT(CONFIG_OPT_URL)
#define PUBKEY		(SCHEME_OPT(CONFIG_OPT_PUBLIC_KEY) | TIMED)
#define HMAC_OPTS	(SCHEME_OPT(CONFIG_OPT_PREFIX) | \
	SCHEME_OPT(CONFIG_OPT_ENCODING) | SCHEME_OPT(CONFIG_OPT_ID_HEADER) | \
	SCHEME_OPT(CONFIG_OPT_ID_FIELD) | SCHEME_OPT(CONFIG_OPT_TYPE_HEADER) | \
	SCHEME_OPT(CONFIG_OPT_TYPE_FIELD) | SCHEME_OPT(CONFIG_OPT_ALGORITHM))

static const struct scheme schemes[] = {
	{ "protocol", scheme_protocol_check, 0, scheme_protocol_sign, NULL,
	    NULL, 0, 1, SCHEME_ID_SIGNED, 0 },
	{ "github", scheme_github_check, 0, scheme_github_sign, NULL, NULL, 0,
	    0, SCHEME_ID_HEADER, 0 },
	{ "stripe", scheme_stripe_check, 0, scheme_stripe_sign, NULL, NULL,
	    TIMED, 0, SCHEME_ID_SIGNED, 0 },
	{ "standard", scheme_standard_check, 0, scheme_standard_sign, NULL,
	    scheme_standard_configure, TIMED, 0, SCHEME_ID_SIGNED, 0 },
	{ "slack", scheme_slack_check, 0, scheme_slack_sign, NULL, NULL, TIMED,
	    0, SCHEME_ID_SIGNED, 0 },
	{ "shopify", scheme_shopify_check, 0, scheme_shopify_sign, NULL, NULL,
	    0, 0, SCHEME_ID_HEADER, 0 },
	{ "hmac", scheme_hmac_check, 0, NULL, "hmac's header is the webhook's "
	    "own: sign without --scheme gives the hex MAC",
	    scheme_hmac_configure, HMAC_OPTS, 1, SCHEME_ID_SETTING, 0 },
	{ "gitlab", scheme_gitlab_check, 0, scheme_gitlab_sign, NULL, NULL, 0,
	    0, SCHEME_ID_HEADER, 0 },
	{ "telegram", scheme_telegram_check, 0, scheme_telegram_sign, NULL,
	    scheme_telegram_configure, 0, 0, SCHEME_ID_HEADER, 0 },
	/* Paddle's SDKs allow 5 s; Calendly's docs 3 min; Twitch's 10 min */
	{ "paddle", scheme_paddle_check, 0, scheme_paddle_sign, NULL, NULL,
	    TIMED, 0, SCHEME_ID_SIGNED, 5 },
	{ "calendly", scheme_calendly_check, 0, scheme_calendly_sign, NULL,
	    NULL, TIMED, 0, SCHEME_ID_SIGNED, 180 },
	{ "zoom", scheme_zoom_check, 0, scheme_zoom_sign, NULL, NULL, TIMED, 0,
	    SCHEME_ID_SIGNED, 0 },
	{ "twitch", scheme_twitch_check, 0, scheme_twitch_sign, NULL, NULL,
	    TIMED, 0, SCHEME_ID_SIGNED, 600 },
	/* the event data is not signed; the timestamp only with tolerance */
	{ "mailgun", scheme_mailgun_check, 0, scheme_mailgun_sign, NULL, NULL,
	    TIMED, 0, SCHEME_ID_HEADER, 0 },
	{ "meta", scheme_meta_check, 1, scheme_meta_sign, NULL, NULL,
	    SCHEME_OPT(CONFIG_OPT_VERIFY_TOKEN), 0, SCHEME_ID_SIGNED, 0 },
	{ "square", scheme_square_check, 0, scheme_square_sign, NULL,
	    scheme_url_configure, URL, 0, SCHEME_ID_SIGNED, 0 },
	{ "hubspot", scheme_hubspot_check, 0, scheme_hubspot_sign, NULL,
	    scheme_url_configure, URL | TIMED, 0, SCHEME_ID_SIGNED, 0 },
	{ "twilio", scheme_twilio_check, 0, scheme_twilio_sign, NULL,
	    scheme_url_configure, URL, 0, SCHEME_ID_SIGNED, 0 },
	/* the timestamp only with tolerance, as in the senders' libraries */
	{ "discord", scheme_discord_check, 0, NULL, "discord signs with the "
	    "application's private key, which only Discord holds: send a "
	    "request from the Developer Portal, or sign with a key of your "
	    "own as tests/senders/sign.mjs does (discord-interactions "
	    "verifies)", scheme_discord_configure, PUBKEY, 0,
	    SCHEME_ID_SIGNED, 0 },
	{ "sendgrid", scheme_sendgrid_check, 0, NULL, "sendgrid signs with "
	    "its private key, which only SendGrid holds: use the Event "
	    "Webhook's \"Test Your Integration\", or sign with a key of your "
	    "own as tests/senders/sign.mjs does (@sendgrid/eventwebhook "
	    "verifies)", scheme_sendgrid_configure, PUBKEY, 0,
	    SCHEME_ID_SIGNED, 0 },
};
#define NSCHEMES	(sizeof(schemes) / sizeof(schemes[0]))

int
scheme_id_unsigned(const struct config_webhook *wh)
{
	switch (schemes[wh->wh_scheme].sc_id) {
	case SCHEME_ID_HEADER:
		return 1;
	case SCHEME_ID_SETTING:
		return wh->wh_id_cgi != NULL;
	default:
		return 0;
	}
}

int
scheme_takes_get(const struct config_webhook *wh)
{
	return schemes[wh->wh_scheme].sc_get;
}

enum scheme_result
scheme_check(const struct config_webhook *wh, const struct scheme_request *rq,
    struct scheme_out *out, const char **reason)
{
	enum scheme_result	r;
	int			get;

	memset(out, 0, sizeof(*out));
	get = rq->sr_method != NULL && strcmp(rq->sr_method, "POST") != 0;
	if (get && (strcmp(rq->sr_method, "GET") != 0 ||
	    !schemes[wh->wh_scheme].sc_get)) {
		*reason = "this scheme takes no such method";
		return SCHEME_EVENT;
	}
	r = schemes[wh->wh_scheme].sc_check(wh, rq, out, reason);
	/* Said apart, so that a sender chasing clock skew is not misled. */
	if (r == SCHEME_SIGNATURE && (*reason == scheme_too_old ||
	    *reason == scheme_too_new))
		r = SCHEME_STALE;
	if (get && r == SCHEME_OK) {
		*reason = "a GET is never an event";
		r = SCHEME_ERROR;
	}
	if (r != SCHEME_OK && r != SCHEME_ANSWER)
		scheme_out_clear(out);
	return r;
}

void
scheme_out_clear(struct scheme_out *out)
{
	if (out == NULL)
		return;
	event_clear(&out->so_ev);
	free(out->so_event);
	free(out->so_answer.sa_body);
	memset(out, 0, sizeof(*out));
}

char *
scheme_cgi_name(const char *name)
{
	char	*s, *t;

	if ((s = malloc(strlen(name) + 6)) == NULL)
		return NULL;
	memcpy(s, "HTTP_", 5);
	for (t = s + 5; *name != '\0'; name++, t++)
		*t = *name == '-' ? '_' : toupper((unsigned char)*name);
	*t = '\0';
	return s;
}

/* The index of scheme name (NULL is protocol), or -1. */
static int
scheme_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NSCHEMES; i++)
		if (strcmp(schemes[i].sc_name, name != NULL ? name : "protocol")
		    == 0)
			return (int)i;
	return -1;
}

int
scheme_configure(struct config_webhook *wh, const char **reason)
{
	const struct scheme	*sc;
	unsigned long long	 t;
	size_t			 i;

	if ((wh->wh_scheme = scheme_find(wh->wh_opt[CONFIG_OPT_SCHEME])) ==
	    -1) {
		*reason = "unknown scheme (protocol, github, stripe, "
		    "standard, slack, shopify, hmac, gitlab, telegram, paddle, "
		    "calendly, zoom, twitch, mailgun, meta, square, hubspot, "
		    "twilio, discord, sendgrid)";
		return -1;
	}
	sc = &schemes[wh->wh_scheme];
	t = sc->sc_tolerance != 0 ? (unsigned long long)sc->sc_tolerance :
	    SCHEME_TOLERANCE;
	for (i = CONFIG_OPT_SCHEME + 1; i < CONFIG_OPTS; i++)
		if (wh->wh_opt[i] != NULL && !(sc->sc_opts & SCHEME_OPT(i))) {
			*reason = "a setting this scheme does not take "
			    "(hookspool.conf(5) says which take which)";
			return -1;
		}
	if (wh->wh_header != NULL && !sc->sc_header) {
		*reason = "header is fixed by this scheme";
		return -1;
	}
	if (wh->wh_opt[CONFIG_OPT_TOLERANCE] != NULL &&
	    number_parse(wh->wh_opt[CONFIG_OPT_TOLERANCE], number_durations,
	    1, SCHEME_TOLERANCE_MAX, &t) != NUMBER_OK) {
		*reason = "tolerance must be a duration from 1s to 7d";
		return -1;
	}
	wh->wh_tolerance = (long long)t;
	return sc->sc_configure != NULL ? sc->sc_configure(wh, reason) : 0;
}

int
scheme_sign(const char *name, const unsigned char *secret, size_t secretlen,
    const char *url, const char *body, size_t len, const char *id,
    const char *type, time_t now, char **out, const char **reason)
{
	struct config_secret	 sec;
	struct config_webhook	 wh;
	int			 i, rc = -1;

	*out = NULL;
	if ((i = scheme_find(name)) != -1 && schemes[i].sc_sign == NULL) {
		*reason = schemes[i].sc_nosign;
		return -1;
	}
	memset(&wh, 0, sizeof(wh));
	if ((sec.sec_key = malloc(secretlen + 1)) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	memcpy(sec.sec_key, secret, secretlen);
	sec.sec_len = secretlen;
	wh.wh_secrets = &sec;
	wh.wh_nsecrets = 1;
	wh.wh_opt[CONFIG_OPT_SCHEME] = (char *)name;
	if (i != -1 && (schemes[i].sc_opts & URL))
		wh.wh_opt[CONFIG_OPT_URL] = (char *)url;
	if (scheme_configure(&wh, reason) == -1)
		goto done;
	rc = schemes[wh.wh_scheme].sc_sign(&wh, body, len, id, type, now, out,
	    reason);
done:
	explicit_bzero(wh.wh_secrets[0].sec_key, wh.wh_secrets[0].sec_len);
	free(wh.wh_secrets[0].sec_key);
	free(wh.wh_id_cgi);
	free(wh.wh_type_cgi);
	return rc;
}
