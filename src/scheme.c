/*
 * scheme.c: the senders' signing schemes (hookspool.conf(5), "scheme").
 * A scheme is a table entry and a function that verifies a request over
 * its raw bytes, and only then checks the body and fills the event's id
 * and type from where that sender puts them. Adding a sender is adding
 * both here.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "number.h"
#include "scheme.h"
#include "verify.h"

#define SCHEME_MACS_MAX		8	/* signatures looked at in one header */
#define SCHEME_TOLERANCE	300	/* seconds, unless tolerance = says */
#define SCHEME_TOLERANCE_MAX	(7 * 86400)
#define SCHEME_KEY_MAX		1024	/* a decoded whsec_ key */

/* The candidate MACs one request's header holds. */
struct scheme_macs {
	unsigned char	sm_mac[SCHEME_MACS_MAX][VERIFY_MAC_LEN];
	size_t		sm_n;
};

typedef enum scheme_result (*scheme_fn)(const struct config_webhook *,
    const struct scheme_request *, struct event *, const char **);

/* What a scheme accepts in its section besides secrets, path and events. */
#define OPT(o)		(1u << (o))
#define TIMED		OPT(CONFIG_OPT_TOLERANCE)
#define HMAC_OPTS	(OPT(CONFIG_OPT_PREFIX) | OPT(CONFIG_OPT_ENCODING) | \
	OPT(CONFIG_OPT_ID_HEADER) | OPT(CONFIG_OPT_ID_FIELD) | \
	OPT(CONFIG_OPT_TYPE_HEADER) | OPT(CONFIG_OPT_TYPE_FIELD))

/* Where a scheme's id comes from, for dedup (scheme_id_unsigned()). */
enum scheme_id {
	ID_SIGNED = 0,		/* from the signed bytes */
	ID_HEADER,		/* from a header the signature does not cover */
	ID_SETTING		/* hmac: from a header when id_header = says so */
};

struct scheme {
	const char	*sc_name;
	scheme_fn	 sc_check;
	unsigned	 sc_opts;	/* OPT() of the settings it takes */
	int		 sc_header;	/* takes header = */
	enum scheme_id	 sc_id;
};

static const char *
header(const struct scheme_request *rq, const char *cgi_name)
{
	return rq->sr_header(rq->sr_arg, cgi_name);
}

/* Add the MAC that text[0..len) encodes (hex or base64) to m, if it does. */
static void
add_mac(struct scheme_macs *m, const char *text, size_t len, int base64)
{
	size_t	n;

	if (m->sm_n == SCHEME_MACS_MAX)
		return;
	if (base64 ? verify_base64(text, len, m->sm_mac[m->sm_n],
	    VERIFY_MAC_LEN, &n) == 0 && n == VERIFY_MAC_LEN :
	    verify_unhex(text, len, m->sm_mac[m->sm_n]) == 0)
		m->sm_n++;
}

/* Verify parts against m and the webhook's secrets. */
static enum scheme_result
check_macs(const struct config_webhook *wh, const struct verify_part *parts,
    size_t nparts, struct scheme_macs *m, const char **reason)
{
	enum verify_result	r;

	if (m->sm_n == 0) {
		*reason = "no signature in the expected form";
		return SCHEME_SIGNATURE;
	}
	r = verify_macs(parts, nparts, (const unsigned char (*)[VERIFY_MAC_LEN])
	    m->sm_mac, m->sm_n, wh->wh_secrets, wh->wh_nsecrets, reason);
	explicit_bzero(m, sizeof(*m));
	if (r == VERIFY_ERROR)
		return SCHEME_ERROR;
	return r == VERIFY_OK ? SCHEME_OK : SCHEME_SIGNATURE;
}

/* A timestamp of digits within the webhook's tolerance of now. */
static int
timely(const struct config_webhook *wh, const struct scheme_request *rq,
    const char *ts, const char **reason)
{
	unsigned long long	t;
	long long		d;

	if (ts == NULL || number_parse(ts, NULL, 0, LLONG_MAX, &t) !=
	    NUMBER_OK) {
		*reason = "timestamp missing or not a number";
		return 0;
	}
	d = (long long)t - (long long)rq->sr_now;
	if (d > wh->wh_tolerance || -d > wh->wh_tolerance) {
		*reason = d > 0 ? "timestamp in the future" : "timestamp too old";
		return 0;
	}
	return 1;
}

/*
 * The body checked, then id and type: each from a header (hdr), else the
 * body's field (path). A missing value is NULL.
 */
static enum scheme_result
fill(const struct scheme_request *rq, const char *id_hdr, const char *id_path,
    const char *type_hdr, const char *type_path, struct event *ev,
    const char **reason)
{
	char	*id = NULL, *type = NULL;
	size_t	 idlen = 0, typelen = 0;
	int	 rc = -1;

	if (event_check_body(rq->sr_body, rq->sr_len, reason) == -1)
		return SCHEME_EVENT;
	if (id_hdr != NULL) {
		id = strdup(id_hdr);
		idlen = strlen(id_hdr);
	} else if (id_path != NULL && event_body_string(rq->sr_body,
	    rq->sr_len, id_path, &id, &idlen, reason) == -1)
		goto done;
	if (type_hdr != NULL) {
		type = strdup(type_hdr);
		typelen = strlen(type_hdr);
	} else if (type_path != NULL && event_body_string(rq->sr_body,
	    rq->sr_len, type_path, &type, &typelen, reason) == -1)
		goto done;
	if ((id_hdr != NULL && id == NULL) || (type_hdr != NULL && type == NULL))
		*reason = "out of memory";
	else
		rc = event_set(ev, id, idlen, type, typelen, reason);
done:
	free(id);
	free(type);
	return rc == 0 ? SCHEME_OK : SCHEME_EVENT;
}

/*
 * r, once the event is filled from a header the signature does not cover:
 * ev keeps the SHA-256 of the signed bytes (the body, for the schemes that
 * do this), so that the spool dedups on them as well as on the id, and a
 * captured body sent again under a fresh id is a duplicate (event.h).
 */
static enum scheme_result
unsigned_id(const struct scheme_request *rq, struct event *ev,
    enum scheme_result r, const char **reason)
{
	struct verify_part	part = { rq->sr_body, rq->sr_len };

	if (r != SCHEME_OK)
		return r;
	if (verify_sha256(&part, 1, ev->ev_signed_sum) == -1) {
		*reason = "unable to hash the body";
		return SCHEME_ERROR;
	}
	ev->ev_id_unsigned = 1;
	return SCHEME_OK;
}

/* Protocol: hex HMAC of the body in header = (x-protocol-signature). */
static enum scheme_result
protocol_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct event *ev, const char **reason)
{
	switch (verify_signature(header(rq, wh->wh_cgi_header), rq->sr_body,
	    rq->sr_len, wh->wh_secrets, wh->wh_nsecrets, reason)) {
	case VERIFY_OK:
		break;
	case VERIFY_ERROR:
		return SCHEME_ERROR;
	default:
		return SCHEME_SIGNATURE;
	}
	if (event_parse(rq->sr_body, rq->sr_len, ev, reason) == -1)
		return SCHEME_EVENT;
	return SCHEME_OK;
}

/* GitHub: X-Hub-Signature-256: sha256=HEX; the type is EVENT.action. */
static enum scheme_result
github_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct event *ev, const char **reason)
{
	struct verify_part	 part = { rq->sr_body, rq->sr_len };
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig, *name;
	char			*action = NULL, *type = NULL;
	size_t			 n;

	sig = header(rq, "HTTP_X_HUB_SIGNATURE_256");
	if (sig != NULL && strncmp(sig, "sha256=", 7) == 0)
		add_mac(&m, sig + 7, strlen(sig + 7), 0);
	if ((r = check_macs(wh, &part, 1, &m, reason)) != SCHEME_OK)
		return r;
	if (event_check_body(rq->sr_body, rq->sr_len, reason) == -1)
		return SCHEME_EVENT;
	if ((name = header(rq, "HTTP_X_GITHUB_EVENT")) != NULL &&
	    event_body_string(rq->sr_body, rq->sr_len, "action", &action, &n,
	    reason) == -1)
		return SCHEME_EVENT;
	if (name != NULL && action != NULL &&
	    asprintf(&type, "%s.%s", name, action) == -1) {
		free(action);
		*reason = "out of memory";
		return SCHEME_EVENT;
	}
	r = unsigned_id(rq, ev, fill(rq, header(rq, "HTTP_X_GITHUB_DELIVERY"),
	    NULL, type != NULL ? type : name, NULL, ev, reason), reason);
	free(action);
	free(type);
	return r;
}

/* Stripe: Stripe-Signature: t=TS,v1=HEX[,v1=HEX...] over "TS.body". */
static enum scheme_result
stripe_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct event *ev, const char **reason)
{
	struct verify_part	 parts[3];
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig, *p, *end;
	char			 ts[32] = "";
	size_t			 n;

	if ((sig = header(rq, "HTTP_STRIPE_SIGNATURE")) == NULL)
		sig = "";
	for (p = sig; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		n = end - p;
		if (n > 2 && strncmp(p, "t=", 2) == 0 && ts[0] == '\0' &&
		    n - 2 < sizeof(ts)) {
			memcpy(ts, p + 2, n - 2);
			ts[n - 2] = '\0';
		} else if (n > 3 && strncmp(p, "v1=", 3) == 0)
			add_mac(&m, p + 3, n - 3, 0);
	}
	if (!timely(wh, rq, ts[0] != '\0' ? ts : NULL, reason))
		return SCHEME_SIGNATURE;
	parts[0] = (struct verify_part){ ts, strlen(ts) };
	parts[1] = (struct verify_part){ ".", 1 };
	parts[2] = (struct verify_part){ rq->sr_body, rq->sr_len };
	if ((r = check_macs(wh, parts, 3, &m, reason)) != SCHEME_OK)
		return r;
	return fill(rq, NULL, "id", NULL, "type", ev, reason);
}

/* The standard webhook-* header, or its svix-* twin. */
static const char *
standard_header(const struct scheme_request *rq, const char *name)
{
	char		 cgi[64];
	const char	*v;

	snprintf(cgi, sizeof(cgi), "HTTP_WEBHOOK_%s", name);
	if ((v = header(rq, cgi)) != NULL)
		return v;
	snprintf(cgi, sizeof(cgi), "HTTP_SVIX_%s", name);
	return header(rq, cgi);
}

/* Standard Webhooks: webhook-signature: v1,B64 ... over "ID.TS.body". */
static enum scheme_result
standard_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct event *ev, const char **reason)
{
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
	if (!timely(wh, rq, ts, reason))
		return SCHEME_SIGNATURE;
	for (p = sig; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = p + strcspn(p, " ");
		if (end - p > 3 && strncmp(p, "v1,", 3) == 0)
			add_mac(&m, p + 3, end - p - 3, 1);
	}
	parts[0] = (struct verify_part){ id, strlen(id) };
	parts[1] = (struct verify_part){ ".", 1 };
	parts[2] = (struct verify_part){ ts, strlen(ts) };
	parts[3] = (struct verify_part){ ".", 1 };
	parts[4] = (struct verify_part){ rq->sr_body, rq->sr_len };
	if ((r = check_macs(wh, parts, 5, &m, reason)) != SCHEME_OK)
		return r;
	return fill(rq, id, NULL, NULL, "type", ev, reason);
}

/* Slack's url_verification: its challenge, JSON-encoded, in ev_id_json. */
static enum scheme_result
slack_challenge(const struct scheme_request *rq, struct event *ev,
    const char **reason)
{
	char	*c;
	size_t	 n;

	if (event_body_string(rq->sr_body, rq->sr_len, "challenge", &c, &n,
	    reason) != 1) {
		*reason = "url_verification without a challenge";
		return SCHEME_EVENT;
	}
	ev->ev_id_json = json_string_encode(c, n);
	free(c);
	if (ev->ev_id_json == NULL) {
		*reason = "out of memory";
		return SCHEME_EVENT;
	}
	return SCHEME_CHALLENGE;
}

/* Slack: X-Slack-Signature: v0=HEX over "v0:TS:body"; event_id, event.type. */
static enum scheme_result
slack_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct event *ev, const char **reason)
{
	struct verify_part	 parts[4];
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig, *ts;
	char			*type = NULL, *id = NULL;
	size_t			 n;
	int			 callback;

	ts = header(rq, "HTTP_X_SLACK_REQUEST_TIMESTAMP");
	if (!timely(wh, rq, ts, reason))
		return SCHEME_SIGNATURE;
	if ((sig = header(rq, "HTTP_X_SLACK_SIGNATURE")) != NULL &&
	    strncmp(sig, "v0=", 3) == 0)
		add_mac(&m, sig + 3, strlen(sig + 3), 0);
	parts[0] = (struct verify_part){ "v0:", 3 };
	parts[1] = (struct verify_part){ ts, strlen(ts) };
	parts[2] = (struct verify_part){ ":", 1 };
	parts[3] = (struct verify_part){ rq->sr_body, rq->sr_len };
	if ((r = check_macs(wh, parts, 4, &m, reason)) != SCHEME_OK)
		return r;
	if (event_check_body(rq->sr_body, rq->sr_len, reason) == -1 ||
	    event_body_string(rq->sr_body, rq->sr_len, "type", &type, &n,
	    reason) == -1)
		return SCHEME_EVENT;
	if (type != NULL && strcmp(type, "url_verification") == 0) {
		free(type);
		return slack_challenge(rq, ev, reason);
	}
	callback = type != NULL && strcmp(type, "event_callback") == 0;
	free(type);
	if (event_body_string(rq->sr_body, rq->sr_len, "event_id", &id, &n,
	    reason) == -1)
		return SCHEME_EVENT;
	if (id == NULL)
		return SCHEME_IGNORED;
	free(id);
	return fill(rq, NULL, "event_id", NULL, callback ? "event.type" : "type",
	    ev, reason);
}

/* Shopify: X-Shopify-Hmac-Sha256: B64 of the body; id and topic headers. */
static enum scheme_result
shopify_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct event *ev, const char **reason)
{
	struct verify_part	 part = { rq->sr_body, rq->sr_len };
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig, *id;

	if ((sig = header(rq, "HTTP_X_SHOPIFY_HMAC_SHA256")) != NULL)
		add_mac(&m, sig, strlen(sig), 1);
	if ((r = check_macs(wh, &part, 1, &m, reason)) != SCHEME_OK)
		return r;
	if ((id = header(rq, "HTTP_X_SHOPIFY_EVENT_ID")) == NULL)
		id = header(rq, "HTTP_X_SHOPIFY_WEBHOOK_ID");
	return unsigned_id(rq, ev, fill(rq, id, NULL,
	    header(rq, "HTTP_X_SHOPIFY_TOPIC"), NULL, ev, reason), reason);
}

/* Any HMAC sender: header =, prefix =, encoding =, and where id/type are. */
static enum scheme_result
hmac_check(const struct config_webhook *wh, const struct scheme_request *rq,
    struct event *ev, const char **reason)
{
	struct verify_part	 part = { rq->sr_body, rq->sr_len };
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig, *prefix = wh->wh_opt[CONFIG_OPT_PREFIX];
	const char		*enc = wh->wh_opt[CONFIG_OPT_ENCODING];
	const char		*idf = wh->wh_opt[CONFIG_OPT_ID_FIELD];
	const char		*typef = wh->wh_opt[CONFIG_OPT_TYPE_FIELD];
	size_t			 plen = prefix != NULL ? strlen(prefix) : 0;

	sig = header(rq, wh->wh_cgi_header);
	if (sig != NULL && strncmp(sig, prefix != NULL ? prefix : "", plen) == 0)
		add_mac(&m, sig + plen, strlen(sig + plen),
		    enc != NULL && strcmp(enc, "base64") == 0);
	if ((r = check_macs(wh, &part, 1, &m, reason)) != SCHEME_OK)
		return r;
	r = fill(rq,
	    wh->wh_id_cgi != NULL ? header(rq, wh->wh_id_cgi) : NULL,
	    wh->wh_id_cgi != NULL ? NULL : idf != NULL ? idf : "id",
	    wh->wh_type_cgi != NULL ? header(rq, wh->wh_type_cgi) : NULL,
	    wh->wh_type_cgi != NULL ? NULL : typef != NULL ? typef : "type",
	    ev, reason);
	return scheme_id_unsigned(wh) ? unsigned_id(rq, ev, r, reason) : r;
}

static const struct scheme schemes[] = {
	{ "protocol", protocol_check, 0, 1, ID_SIGNED },
	{ "github", github_check, 0, 0, ID_HEADER },
	{ "stripe", stripe_check, TIMED, 0, ID_SIGNED },
	{ "standard", standard_check, TIMED, 0, ID_SIGNED },
	{ "slack", slack_check, TIMED, 0, ID_SIGNED },
	{ "shopify", shopify_check, 0, 0, ID_HEADER },
	{ "hmac", hmac_check, HMAC_OPTS, 1, ID_SETTING },
};
#define NSCHEMES	(sizeof(schemes) / sizeof(schemes[0]))

int
scheme_id_unsigned(const struct config_webhook *wh)
{
	switch (schemes[wh->wh_scheme].sc_id) {
	case ID_HEADER:
		return 1;
	case ID_SETTING:
		return wh->wh_id_cgi != NULL;
	default:
		return 0;
	}
}

enum scheme_result
scheme_check(const struct config_webhook *wh, const struct scheme_request *rq,
    struct event *ev, const char **reason)
{
	enum scheme_result	r;

	memset(ev, 0, sizeof(*ev));
	r = schemes[wh->wh_scheme].sc_check(wh, rq, ev, reason);
	if (r != SCHEME_OK && r != SCHEME_CHALLENGE)
		event_clear(ev);
	return r;
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

/* Standard Webhooks' secrets: whsec_ and base64; the key is the bytes. */
static int
standard_keys(struct config_webhook *wh, const char **reason)
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

/* A dotted field path: steps of 1 to 64 bytes (what event.c looks up). */
static int
usable_path(const char *path)
{
	size_t	n;

	if (path == NULL)
		return 1;
	for (;;) {
		n = strcspn(path, ".");
		if (n == 0 || n > 64)
			return 0;
		if (path[n] == '\0')
			return 1;
		path += n + 1;
	}
}

/* hmac's settings: header required, one source each for id and type. */
static int
hmac_settings(struct config_webhook *wh, const char **reason)
{
	const char	*enc = wh->wh_opt[CONFIG_OPT_ENCODING];
	char *const	*o = wh->wh_opt;

	if (!usable_path(o[CONFIG_OPT_ID_FIELD]) ||
	    !usable_path(o[CONFIG_OPT_TYPE_FIELD])) {
		*reason = "id_field and type_field are dotted paths of names "
		    "of 1 to 64 bytes";
		return -1;
	}

	if (wh->wh_header == NULL) {
		*reason = "scheme hmac needs header =";
		return -1;
	}
	if (enc != NULL && strcmp(enc, "hex") != 0 && strcmp(enc, "base64") != 0) {
		*reason = "encoding must be hex or base64";
		return -1;
	}
	if ((o[CONFIG_OPT_ID_HEADER] && o[CONFIG_OPT_ID_FIELD]) ||
	    (o[CONFIG_OPT_TYPE_HEADER] && o[CONFIG_OPT_TYPE_FIELD])) {
		*reason = "give id_header or id_field, type_header or "
		    "type_field, not both";
		return -1;
	}
	if ((o[CONFIG_OPT_ID_HEADER] != NULL && (wh->wh_id_cgi =
	    scheme_cgi_name(o[CONFIG_OPT_ID_HEADER])) == NULL) ||
	    (o[CONFIG_OPT_TYPE_HEADER] != NULL && (wh->wh_type_cgi =
	    scheme_cgi_name(o[CONFIG_OPT_TYPE_HEADER])) == NULL)) {
		*reason = "out of memory";
		return -1;
	}
	return 0;
}

int
scheme_configure(struct config_webhook *wh, const char **reason)
{
	const char		*name = wh->wh_opt[CONFIG_OPT_SCHEME];
	unsigned long long	 t = SCHEME_TOLERANCE;
	size_t			 i;

	for (i = 0; i < NSCHEMES; i++)
		if (strcmp(schemes[i].sc_name, name != NULL ? name : "protocol")
		    == 0)
			break;
	if (i == NSCHEMES) {
		*reason = "unknown scheme (protocol, github, stripe, "
		    "standard, slack, shopify or hmac)";
		return -1;
	}
	wh->wh_scheme = (int)i;
	for (i = CONFIG_OPT_SCHEME + 1; i < CONFIG_OPTS; i++)
		if (wh->wh_opt[i] != NULL && !(schemes[wh->wh_scheme].sc_opts &
		    OPT(i))) {
			*reason = "a setting this scheme does not take "
			    "(tolerance: stripe, standard and slack; prefix, "
			    "encoding, id_* and type_*: hmac)";
			return -1;
		}
	if (wh->wh_header != NULL && !schemes[wh->wh_scheme].sc_header) {
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
	if (strcmp(schemes[wh->wh_scheme].sc_name, "standard") == 0)
		return standard_keys(wh, reason);
	if (strcmp(schemes[wh->wh_scheme].sc_name, "hmac") == 0)
		return hmac_settings(wh, reason);
	return 0;
}

/* The MAC of parts under wh's first secret, as hex or base64, into out. */
static int
sign_parts(const struct config_webhook *wh, const struct verify_part *parts,
    size_t nparts, int base64, char out[VERIFY_HEX_LEN + 1],
    const char **reason)
{
	unsigned char	mac[VERIFY_MAC_LEN];

	if (verify_mac(&wh->wh_secrets[0], parts, nparts, mac, reason) == -1)
		return -1;
	if (base64)
		verify_base64_encode(mac, VERIFY_MAC_LEN, out);
	else
		verify_hex(mac, VERIFY_MAC_LEN, out);
	explicit_bzero(mac, sizeof(mac));
	return 0;
}

/* The header lines of a scheme whose MAC is over the body alone. */
static int
sign_body(const struct config_webhook *wh, const char *name,
    const char *body, size_t len, const char *id, const char *type,
    char **out, const char **reason)
{
	struct verify_part	 part = { body, len };
	char			 mac[VERIFY_HEX_LEN + 1];
	int			 n = -1;

	if (sign_parts(wh, &part, 1, strcmp(name, "shopify") == 0, mac,
	    reason) == -1)
		return -1;
	if (strcmp(name, "protocol") == 0)
		n = asprintf(out, "x-protocol-signature: %s\n", mac);
	else if (strcmp(name, "github") == 0)
		n = asprintf(out, "X-Hub-Signature-256: sha256=%s\n"
		    "X-GitHub-Delivery: %s\nX-GitHub-Event: %s\n", mac, id,
		    type);
	else if (strcmp(name, "shopify") == 0)
		n = asprintf(out, "X-Shopify-Hmac-Sha256: %s\n"
		    "X-Shopify-Topic: %s\nX-Shopify-Event-Id: %s\n", mac, type,
		    id);
	if (n < 0)
		*reason = "out of memory";
	return n < 0 ? -1 : 0;
}

/* The header lines of a timed scheme, signed at now. */
static int
sign_timed(const struct config_webhook *wh, const char *name,
    const char *body, size_t len, const char *id, time_t now, char **out,
    const char **reason)
{
	struct verify_part	 parts[5];
	char			 mac[VERIFY_HEX_LEN + 1], ts[32];
	size_t			 n = 0;
	int			 r = -1, std = strcmp(name, "standard") == 0;

	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	if (std) {
		parts[n++] = (struct verify_part){ id, strlen(id) };
		parts[n++] = (struct verify_part){ ".", 1 };
	} else if (strcmp(name, "slack") == 0)
		parts[n++] = (struct verify_part){ "v0:", 3 };
	parts[n++] = (struct verify_part){ ts, strlen(ts) };
	parts[n++] = std || strcmp(name, "stripe") == 0 ?
	    (struct verify_part){ ".", 1 } : (struct verify_part){ ":", 1 };
	parts[n++] = (struct verify_part){ body, len };
	if (sign_parts(wh, parts, n, std, mac, reason) == -1)
		return -1;
	if (std)
		r = asprintf(out, "webhook-id: %s\nwebhook-timestamp: %s\n"
		    "webhook-signature: v1,%s\n", id, ts, mac);
	else if (strcmp(name, "stripe") == 0)
		r = asprintf(out, "Stripe-Signature: t=%s,v1=%s\n", ts, mac);
	else
		r = asprintf(out, "X-Slack-Request-Timestamp: %s\n"
		    "X-Slack-Signature: v0=%s\n", ts, mac);
	if (r < 0)
		*reason = "out of memory";
	return r < 0 ? -1 : 0;
}

int
scheme_sign(const char *name, const unsigned char *secret, size_t secretlen,
    const char *body, size_t len, const char *id, const char *type,
    time_t now, char **out, const char **reason)
{
	struct config_secret	 sec;
	struct config_webhook	 wh;
	int			 rc = -1;

	*out = NULL;
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
	if (scheme_configure(&wh, reason) == -1)
		goto done;
	if (strcmp(name, "hmac") == 0) {
		*reason = "hmac's header is the webhook's own: sign without "
		    "--scheme gives the hex MAC";
		goto done;
	}
	if ((strcmp(name, "github") == 0 || strcmp(name, "shopify") == 0 ||
	    strcmp(name, "standard") == 0) && (id == NULL || (type == NULL &&
	    strcmp(name, "standard") != 0))) {
		*reason = strcmp(name, "standard") == 0 ? "this scheme needs "
		    "--id" : "this scheme needs --id and --type";
		goto done;
	}
	if (wh.wh_opt[CONFIG_OPT_SCHEME] != NULL && schemes[wh.wh_scheme].sc_opts
	    & TIMED)
		rc = sign_timed(&wh, name, body, len, id, now, out, reason);
	else
		rc = sign_body(&wh, name, body, len, id, type, out, reason);
done:
	explicit_bzero(wh.wh_secrets[0].sec_key, wh.wh_secrets[0].sec_len);
	free(wh.wh_secrets[0].sec_key);
	return rc;
}
