/*
 * fuzz_scheme.c: scheme_check() for every sender's scheme, on hostile
 * headers and bodies. The signature headers are the parsers under test:
 * Stripe's t=,v1= list, Standard Webhooks' v1,B64 list, the sha256= and
 * v0= prefixes, base64 and hex; hmac's settings, its dotted paths
 * (id_field, type_field) among them; the token schemes (gitlab,
 * telegram) and the body fields they read; Paddle's ts=;h1= and
 * Calendly's t=,v1= lists, Zoom's and Twitch's headers (Twitch's RFC 3339
 * timestamps) and their handshakes, Mailgun's signature in the body; the
 * URL signers (square, hubspot, twilio, with url =) and Twilio's forms;
 * the public-key schemes' headers (Discord's hex, SendGrid's base64 DER:
 * fuzz_der.c has the DER on its own), verified against fixed keys.
 *
 * The input: byte 0 chooses the scheme (its low 7 bits modulo NSCHEMES)
 * and, with bit 7, a correctly signed request (the headers from
 * scheme_sign(), or for hmac its MAC under the settings); the rest is
 * split at LF into up to four header values, then the body. For hmac,
 * (byte 0 & 0x7f) / NSCHEMES chooses the settings: bit 0 base64 (else
 * hex), bit 1 the id from a header (else a field), bit 2 the type from a
 * header (else a field), bit 3 a prefix; each field's dotted path is a
 * line of the input before the headers.
 *
 * Properties:
 *  - Never SCHEME_ERROR; a result other than SCHEME_OK comes with a reason.
 *  - SCHEME_OK only with an id and a type that obey the event rules (the
 *    separate reference in ref_json.c), and the JSON forms of both.
 *  - SCHEME_OK carries the body's SHA-256 for the spool's dedup exactly
 *    when the id comes from a header (github, shopify, hmac's id_header)
 *    or nothing is signed (the token schemes).
 *  - A request that verified no longer does once one byte of its body is
 *    changed (the signature binds the body), but for the token schemes,
 *    Mailgun (whose event data is not signed) and Twilio (which signs the
 *    decoded form fields).
 *  - A request signed by scheme_sign() (for hmac, by verify_mac()) with
 *    the webhook's secret verifies, unless the body is no event
 *    (SCHEME_EVENT), and Slack's may be ignored, a handshake answered.
 */
#include <string.h>

#include <gcrypt.h>

#include "config.h"
#include "fuzz.h"
#include "ref_json.h"
#include "scheme.h"
#include "verify.h"

#define NOW	1767225600

#define NSCHEMES	20
#define HMAC		6	/* names[HMAC] */
#define GITLAB		7
#define TELEGRAM	8
#define MAILGUN		13	/* signs in the body: never "signed" here */
#define SQUARE		14	/* on: sign the URL (url =) */
#define TWILIO		16
#define DISCORD		18	/* on: public keys, never "signed" here */
#define DISCORD_KEY	"d75a980182b10ab7d54bfed3c964073a" \
	"0ee172f3daa62325af021a68f707511a"
#define SENDGRID_KEY	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW" \
	"4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6w" \
	"EA3F+g=="
#define URL		"https://hooks.example.net/hook"
#define HMAC_BASE64	1	/* the settings' bits, as above */
#define HMAC_ID_HEADER	2
#define HMAC_TYPE_HEADER 4
#define HMAC_PREFIX	8

static const char *const names[NSCHEMES] = {
	"protocol", "github", "stripe", "standard", "slack", "shopify", "hmac",
	"gitlab", "telegram", "paddle", "calendly", "zoom", "twitch", "mailgun",
	"square", "hubspot", "twilio", "meta", "discord", "sendgrid"
};
/* the CGI names each scheme reads, in the order the input fills them */
static const char *const cgi[NSCHEMES][4] = {
	{ "HTTP_X_PROTOCOL_SIGNATURE" },
	{ "HTTP_X_HUB_SIGNATURE_256", "HTTP_X_GITHUB_DELIVERY",
	  "HTTP_X_GITHUB_EVENT" },
	{ "HTTP_STRIPE_SIGNATURE" },
	{ "HTTP_WEBHOOK_SIGNATURE", "HTTP_WEBHOOK_ID", "HTTP_WEBHOOK_TIMESTAMP",
	  "HTTP_SVIX_SIGNATURE" },
	{ "HTTP_X_SLACK_SIGNATURE", "HTTP_X_SLACK_REQUEST_TIMESTAMP" },
	{ "HTTP_X_SHOPIFY_HMAC_SHA256", "HTTP_X_SHOPIFY_TOPIC",
	  "HTTP_X_SHOPIFY_EVENT_ID", "HTTP_X_SHOPIFY_WEBHOOK_ID" },
	{ "HTTP_X_SIGNATURE", "HTTP_X_EVENT_ID", "HTTP_X_EVENT_TYPE" },
	{ "HTTP_X_GITLAB_TOKEN", "HTTP_IDEMPOTENCY_KEY" },
	{ "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN" },
	{ "HTTP_PADDLE_SIGNATURE" },
	{ "HTTP_CALENDLY_WEBHOOK_SIGNATURE" },
	{ "HTTP_X_ZM_SIGNATURE", "HTTP_X_ZM_REQUEST_TIMESTAMP" },
	{ "HTTP_TWITCH_EVENTSUB_MESSAGE_SIGNATURE",
	  "HTTP_TWITCH_EVENTSUB_MESSAGE_ID",
	  "HTTP_TWITCH_EVENTSUB_MESSAGE_TIMESTAMP",
	  "HTTP_TWITCH_EVENTSUB_MESSAGE_TYPE" },
	{ NULL },
	{ "HTTP_X_SQUARE_HMACSHA256_SIGNATURE" },
	{ "HTTP_X_HUBSPOT_SIGNATURE_V3", "HTTP_X_HUBSPOT_REQUEST_TIMESTAMP" },
	{ "HTTP_X_TWILIO_SIGNATURE" },
	{ "HTTP_X_HUB_SIGNATURE_256" },
	{ "HTTP_X_SIGNATURE_ED25519", "HTTP_X_SIGNATURE_TIMESTAMP" },
	{ "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE",
	  "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP" },
};
static const char *const secrets[NSCHEMES] = {
	"protocol-key", "github-key", "whsec_stripekey",
	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "slack-key", "shopify-key",
	"hmac-key", "gitlab-token", "telegram_token-1", "paddle-key", "calendly-key",
	"zoom-key", "twitch-key", "mailgun-key", "square-key", "hubspot-key",
	"twilio-token", "meta-app-secret", NULL, NULL
};

/* Schemes whose body is not all signed: a changed body may pass. */
static int
body_unbound(size_t scheme)
{
	return scheme == GITLAB || scheme == TELEGRAM || scheme == MAILGUN;
}

struct req {
	const char	*r_name[8];
	char		*r_value[8];
	size_t		 r_n;
};

static const uint8_t	*cur_data;
static size_t		 cur_size;

static void
fuzz_report(void)
{
	fuzz_dump("input", cur_data, cur_size);
}

static const char *
lookup(void *arg, const char *name)
{
	struct req	*r = arg;
	size_t		 i;

	for (i = 0; i < r->r_n; i++)
		if (strcmp(r->r_name[i], name) == 0)
			return r->r_value[i];
	return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*reason;

	(void)argc;
	(void)argv;
	if (verify_init(&reason) == -1)
		abort();
	return 0;
}

/* One input's webhook: its scheme, settings and secret. */
struct hook {
	struct config_webhook	h_wh;
	struct config_secret	h_sec;
	size_t			h_scheme;
	unsigned		h_hmac;		/* HMAC_* bits */
};

/*
 * Webhook s with its one secret, configured as the config would; for
 * hmac, with the settings of h_hmac and the dotted paths given. Returns
 * 0, or -1 when scheme_configure() refuses the settings (a path that is
 * no path): then nothing is left to free.
 */
static int
webhook(struct hook *h, char *id_field, char *type_field)
{
	struct config_webhook	*wh = &h->h_wh;
	const char		*reason;

	memset(wh, 0, sizeof(*wh));
	wh->wh_name = "fuzz";
	wh->wh_opt[CONFIG_OPT_SCHEME] = (char *)names[h->h_scheme];
	wh->wh_cgi_header = "HTTP_X_PROTOCOL_SIGNATURE";
	if (h->h_scheme >= SQUARE && h->h_scheme <= TWILIO)
		wh->wh_opt[CONFIG_OPT_URL] = URL;
	if (h->h_scheme == HMAC) {
		wh->wh_header = "X-Signature";
		wh->wh_cgi_header = "HTTP_X_SIGNATURE";
		if (h->h_hmac & HMAC_BASE64)
			wh->wh_opt[CONFIG_OPT_ENCODING] = "base64";
		if (h->h_hmac & HMAC_PREFIX)
			wh->wh_opt[CONFIG_OPT_PREFIX] = "sha256=";
		if (h->h_hmac & HMAC_ID_HEADER)
			wh->wh_opt[CONFIG_OPT_ID_HEADER] = "X-Event-Id";
		else
			wh->wh_opt[CONFIG_OPT_ID_FIELD] = id_field;
		if (h->h_hmac & HMAC_TYPE_HEADER)
			wh->wh_opt[CONFIG_OPT_TYPE_HEADER] = "X-Event-Type";
		else
			wh->wh_opt[CONFIG_OPT_TYPE_FIELD] = type_field;
	}
	if (h->h_scheme >= DISCORD) {
		wh->wh_opt[CONFIG_OPT_PUBLIC_KEY] = h->h_scheme == DISCORD ?
		    DISCORD_KEY : SENDGRID_KEY;
		h->h_sec.sec_key = NULL;
	} else {
		h->h_sec.sec_len = strlen(secrets[h->h_scheme]);
		if ((h->h_sec.sec_key = malloc(h->h_sec.sec_len)) == NULL)
			abort();
		memcpy(h->h_sec.sec_key, secrets[h->h_scheme],
		    h->h_sec.sec_len);
		wh->wh_secrets = &h->h_sec;
		wh->wh_nsecrets = 1;
	}
	if (scheme_configure(wh, &reason) == 0)
		return 0;
	FUZZ_CHECK(h->h_scheme == HMAC, "%s refused: %s", names[h->h_scheme],
	    reason);
	free(h->h_sec.sec_key);
	free(wh->wh_id_cgi);
	free(wh->wh_type_cgi);
	return -1;
}

/* hmac's signature header under the settings, as its sender would send it. */
static int
hmac_text(const struct hook *h, const char *body, size_t len, char **text)
{
	struct verify_part	 part = { body, len };
	unsigned char		 mac[VERIFY_MAC_LEN];
	char			 enc[VERIFY_HEX_LEN + 1];
	const char		*reason;

	if (verify_mac(&h->h_sec, &part, 1, mac, &reason) == -1)
		abort();
	if (h->h_hmac & HMAC_BASE64)
		verify_base64_encode(mac, sizeof(mac), enc);
	else
		verify_hex(mac, sizeof(mac), enc);
	return asprintf(text, "X-Signature: %s%s\n", h->h_hmac & HMAC_PREFIX ?
	    "sha256=" : "", enc) < 0 ? -1 : 0;
}

/* The headers a correct sender gives, added to the request's. */
static int
signed_headers(const struct hook *h, const char *body, size_t len,
    struct req *r, char **text)
{
	const char	*reason;
	char		*line, *colon, *save = NULL;

	if (h->h_scheme == HMAC) {
		if (hmac_text(h, body, len, text) == -1)
			return -1;
	} else if (scheme_sign(names[h->h_scheme],
	    (const unsigned char *)secrets[h->h_scheme],
	    strlen(secrets[h->h_scheme]), URL, body, len, "id-1", "topic",
	    NOW, text, &reason) == -1)
		return h->h_scheme == TWILIO ? 1 : -1;	/* no form to sign */
	for (line = strtok_r(*text, "\n", &save); line != NULL && r->r_n < 8;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((colon = strchr(line, ':')) == NULL)
			abort();
		*colon = '\0';
		r->r_name[r->r_n] = scheme_cgi_name(line);
		r->r_value[r->r_n++] = colon + 2;
	}
	return 0;
}

static enum scheme_result
run(struct config_webhook *wh, struct req *r, const char *body, size_t len,
    struct scheme_out *so, const char **reason)
{
	struct scheme_request	rq = { lookup, r, body, len, NOW, "POST",
	    NULL };

	*reason = NULL;
	return scheme_check(wh, &rq, so, reason);
}

/* An accepted event's fields, and its sum where its id is unsigned. */
static void
accepted(const struct hook *h, const struct event *ev, const char *body,
    size_t len)
{
	unsigned char	 sum[32];
	const char	*why;
	int		 unsigned_id;

	FUZZ_CHECK(ref_name_ok(ev->ev_id, strlen(ev->ev_id), &why) &&
	    ref_name_ok(ev->ev_type, strlen(ev->ev_type), &why),
	    "id or type breaks the rules: %s", why);
	FUZZ_CHECK(ev->ev_id_json != NULL && ev->ev_type_json != NULL,
	    "no JSON forms");
	unsigned_id = h->h_scheme == 1 || h->h_scheme == 5 ||
	    body_unbound(h->h_scheme) ||
	    (h->h_scheme == HMAC && (h->h_hmac & HMAC_ID_HEADER));
	FUZZ_CHECK(ev->ev_id_unsigned == unsigned_id, "%s: the id is taken "
	    "as %s", names[h->h_scheme], ev->ev_id_unsigned ? "unsigned" :
	    "signed");
	if (!ev->ev_id_unsigned)
		return;
	gcry_md_hash_buffer(GCRY_MD_SHA256, sum, body, len);
	FUZZ_CHECK(memcmp(sum, ev->ev_signed_sum, sizeof(sum)) == 0,
	    "the signed bytes' sum is not the body's");
}

static void
properties(const struct hook *h, struct req *r, char *body, size_t len,
    int is_signed)
{
	struct config_webhook	*wh = (struct config_webhook *)&h->h_wh;
	enum scheme_result	 res;
	struct scheme_out	 so;
	const char		*reason;

	res = run(wh, r, body, len, &so, &reason);
	FUZZ_CHECK(res != SCHEME_ERROR, "SCHEME_ERROR: %s", reason);
	FUZZ_CHECK(res == SCHEME_OK || res == SCHEME_ANSWER ||
	    res == SCHEME_IGNORED || reason != NULL, "no reason for %d", res);
	FUZZ_CHECK(!is_signed || (res != SCHEME_SIGNATURE &&
	    res != SCHEME_STALE), "a request signed "
	    "as its sender would is refused: %s", reason);
	if (res == SCHEME_OK)
		accepted(h, &so.so_ev, body, len);
	scheme_out_clear(&so);
	/*
	 * A token binds no body, Mailgun's data is unsigned, and Twilio signs
	 * the decoded fields (%2b and %2B are one): a change may pass.
	 */
	if (res == SCHEME_SIGNATURE || res == SCHEME_STALE || len == 0 ||
	    body_unbound(h->h_scheme) ||
	    h->h_scheme == TWILIO)
		return;
	body[len / 2] ^= 0x20;
	res = run(wh, r, body, len, &so, &reason);
	scheme_out_clear(&so);
	body[len / 2] ^= 0x20;
	FUZZ_CHECK(res == SCHEME_SIGNATURE, "a changed body still verifies "
	    "(%d)", res);
}

/* The next line of [*p, end) as a string, or NULL when no LF is left. */
static char *
next_line(char **p, char *end)
{
	char	*line = *p, *lf;

	if ((lf = memchr(line, '\n', end - line)) == NULL)
		return NULL;
	*lf = '\0';
	*p = lf + 1;
	return line;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hook	 h;
	struct req	 r = { .r_n = 0 };
	char		*copy, *p, *end, *text = NULL, *v;
	char		*id_field = NULL, *type_field = NULL;
	size_t		 i, nowned;
	int		 is_signed, rc = 0;

	cur_data = data;
	cur_size = size;
	if (size < 1)
		return 0;
	memset(&h, 0, sizeof(h));
	h.h_scheme = (data[0] & 0x7f) % NSCHEMES;
	h.h_hmac = (data[0] & 0x7f) / NSCHEMES;
	is_signed = data[0] >> 7 && h.h_scheme != MAILGUN &&
	    h.h_scheme < DISCORD;
	if ((copy = malloc(size)) == NULL)
		abort();
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	p = copy;
	end = copy + size - 1;
	if (h.h_scheme == HMAC && ((!(h.h_hmac & HMAC_ID_HEADER) &&
	    (id_field = next_line(&p, end)) == NULL) ||
	    (!(h.h_hmac & HMAC_TYPE_HEADER) &&
	    (type_field = next_line(&p, end)) == NULL))) {
		free(copy);
		return 0;
	}
	if (webhook(&h, id_field, type_field) == -1) {
		free(copy);
		return 0;
	}
	/*
	 * Header values from the input: every one the scheme reads, or for a
	 * signed request only hmac's id and type (before the body is signed).
	 */
	for (i = is_signed; i < 4 && cgi[h.h_scheme][i] != NULL &&
	    (!is_signed || h.h_scheme == HMAC); i++) {
		if ((v = next_line(&p, end)) == NULL)
			break;
		r.r_name[r.r_n] = cgi[h.h_scheme][i];
		r.r_value[r.r_n++] = v;
	}
	nowned = r.r_n;
	if (is_signed && (rc = signed_headers(&h, p, end - p, &r, &text)) == -1)
		abort();
	if (rc == 1)
		is_signed = 0;
	properties(&h, &r, p, end - p, is_signed);
	for (i = nowned; i < r.r_n; i++)
		free((char *)r.r_name[i]);
	free(text);
	free(copy);
	free(h.h_sec.sec_key);
	free(h.h_wh.wh_id_cgi);
	free(h.h_wh.wh_type_cgi);
	return 0;
}
