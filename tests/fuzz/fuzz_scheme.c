/*
 * fuzz_scheme.c: scheme_check() for every sender's scheme, on hostile
 * headers and bodies. The signature headers are the parsers under test:
 * Stripe's t=,v1= list, Standard Webhooks' v1,B64 list, the sha256= and
 * v0= prefixes, base64 and hex.
 *
 * The input: byte 0 chooses the scheme (modulo 6) and, with bit 7, a
 * correctly signed request (the headers from scheme_sign()); the rest is
 * split at LF into up to four header values, then the body.
 *
 * Properties:
 *  - Never SCHEME_ERROR; a result other than SCHEME_OK comes with a reason.
 *  - SCHEME_OK only with an id and a type that obey the event rules (the
 *    separate reference in ref_json.c), and the JSON forms of both.
 *  - A request that verified no longer does once one byte of its body is
 *    changed (the signature binds the body).
 *  - A request signed by scheme_sign() with the webhook's secret verifies,
 *    unless the body is no event (SCHEME_EVENT), and Slack's may be
 *    ignored or a challenge.
 */
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "ref_json.h"
#include "scheme.h"
#include "verify.h"

#define NOW	1767225600

static const char *const names[] = {
	"protocol", "github", "stripe", "standard", "slack", "shopify"
};
/* the CGI names each scheme reads, in the order the input fills them */
static const char *const cgi[6][4] = {
	{ "HTTP_X_PROTOCOL_SIGNATURE" },
	{ "HTTP_X_HUB_SIGNATURE_256", "HTTP_X_GITHUB_DELIVERY",
	  "HTTP_X_GITHUB_EVENT" },
	{ "HTTP_STRIPE_SIGNATURE" },
	{ "HTTP_WEBHOOK_SIGNATURE", "HTTP_WEBHOOK_ID", "HTTP_WEBHOOK_TIMESTAMP",
	  "HTTP_SVIX_SIGNATURE" },
	{ "HTTP_X_SLACK_SIGNATURE", "HTTP_X_SLACK_REQUEST_TIMESTAMP" },
	{ "HTTP_X_SHOPIFY_HMAC_SHA256", "HTTP_X_SHOPIFY_TOPIC",
	  "HTTP_X_SHOPIFY_EVENT_ID", "HTTP_X_SHOPIFY_WEBHOOK_ID" },
};
static const char *const secrets[6] = {
	"protocol-key", "github-key", "whsec_stripekey",
	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "slack-key", "shopify-key"
};

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

/* Webhook s with its one secret, configured as the config would. */
static void
webhook(struct config_webhook *wh, struct config_secret *sec, size_t s)
{
	const char	*reason;

	memset(wh, 0, sizeof(*wh));
	wh->wh_name = "fuzz";
	wh->wh_opt[CONFIG_OPT_SCHEME] = (char *)names[s];
	wh->wh_cgi_header = "HTTP_X_PROTOCOL_SIGNATURE";
	sec->sec_len = strlen(secrets[s]);
	if ((sec->sec_key = malloc(sec->sec_len)) == NULL)
		abort();
	memcpy(sec->sec_key, secrets[s], sec->sec_len);
	wh->wh_secrets = sec;
	wh->wh_nsecrets = 1;
	if (scheme_configure(wh, &reason) == -1)
		abort();
}

/* The headers scheme_sign() gives, as the request's. */
static int
signed_headers(size_t s, const char *body, size_t len, struct req *r,
    char **text)
{
	const char	*reason;
	char		*line, *colon, *save = NULL;

	if (scheme_sign(names[s], (const unsigned char *)secrets[s],
	    strlen(secrets[s]), body, len, "id-1", "topic", NOW, text,
	    &reason) == -1)
		return -1;
	r->r_n = 0;
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
    struct event *ev, const char **reason)
{
	struct scheme_request	rq = { lookup, r, body, len, NOW };

	*reason = NULL;
	return scheme_check(wh, &rq, ev, reason);
}

static void
properties(struct config_webhook *wh, struct req *r, char *body, size_t len,
    int is_signed)
{
	enum scheme_result	 res;
	struct event		 ev;
	const char		*reason, *why;

	res = run(wh, r, body, len, &ev, &reason);
	FUZZ_CHECK(res != SCHEME_ERROR, "SCHEME_ERROR: %s", reason);
	FUZZ_CHECK(res == SCHEME_OK || res == SCHEME_CHALLENGE ||
	    res == SCHEME_IGNORED || reason != NULL, "no reason for %d", res);
	FUZZ_CHECK(!is_signed || res != SCHEME_SIGNATURE, "a request signed "
	    "by scheme_sign() is refused: %s", reason);
	if (res == SCHEME_OK) {
		FUZZ_CHECK(ref_name_ok(ev.ev_id, strlen(ev.ev_id), &why) &&
		    ref_name_ok(ev.ev_type, strlen(ev.ev_type), &why),
		    "id or type breaks the rules: %s", why);
		FUZZ_CHECK(ev.ev_id_json != NULL && ev.ev_type_json != NULL,
		    "no JSON forms");
	}
	event_clear(&ev);
	if (res == SCHEME_SIGNATURE || len == 0)
		return;
	body[len / 2] ^= 0x20;
	res = run(wh, r, body, len, &ev, &reason);
	event_clear(&ev);
	body[len / 2] ^= 0x20;
	FUZZ_CHECK(res == SCHEME_SIGNATURE, "a changed body still verifies "
	    "(%d)", res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_webhook	 wh;
	struct config_secret	 sec;
	struct req		 r = { .r_n = 0 };
	char			*copy, *p, *end, *text = NULL;
	size_t			 s, i;
	int			 is_signed;

	cur_data = data;
	cur_size = size;
	if (size < 1)
		return 0;
	s = data[0] % 6;
	is_signed = data[0] >> 7;
	if ((copy = malloc(size)) == NULL)
		abort();
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	p = copy;
	end = copy + size - 1;
	webhook(&wh, &sec, s);
	if (is_signed) {
		if (signed_headers(s, p, end - p, &r, &text) == -1)
			abort();
	} else {
		for (i = 0; i < 4 && cgi[s][i] != NULL; i++) {
			char *lf = memchr(p, '\n', end - p);

			if (lf == NULL)
				break;
			*lf = '\0';
			r.r_name[r.r_n] = cgi[s][i];
			r.r_value[r.r_n++] = p;
			p = lf + 1;
		}
	}
	properties(&wh, &r, p, end - p, is_signed);
	if (is_signed)
		for (i = 0; i < r.r_n; i++)
			free((char *)r.r_name[i]);
	free(text);
	free(copy);
	free(wh.wh_secrets[0].sec_key);
	free(wh.wh_id_cgi);
	free(wh.wh_type_cgi);
	return 0;
}
