/*
 * test_schemes.c: every sender's scheme against tests/data/schemes.txt:
 * the senders' published test vectors (each with its source in the file)
 * and own cases (tampered, wrong key, decoys, rotated keys, stale, future
 * and non-numeric timestamps), each with the verdict and the id and type
 * the spool line must carry. Also the settings scheme_configure() refuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gcrypt.h>

#include "config.h"
#include "json.h"
#include "scheme.h"
#include "schemes/der.h"
#include "schemes/form.h"
#include "verify.h"
#include "unit.h"

#define LINE_MAX_LEN	(64 * 1024)
#define HEADERS_MAX	16

struct header {
	char	*h_cgi;
	char	*h_value;
};

struct headers {
	struct header	hs_h[HEADERS_MAX];
	size_t		hs_n;
	const char	*hs_method;	/* ":method", or NULL (POST) */
	const char	*hs_query;	/* ":query", or NULL */
};

/* Decode %XX in place; returns the new length. */
static size_t
unpercent(char *s)
{
	size_t		i, n = 0;
	unsigned int	b;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '%' && s[i + 1] != '\0' && s[i + 2] != '\0' &&
		    sscanf(s + i + 1, "%2x", &b) == 1) {
			s[n++] = (char)b;
			i += 2;
		} else
			s[n++] = s[i];
	}
	s[n] = '\0';
	return n;
}

static const char *
lookup(void *arg, const char *cgi)
{
	const struct headers	*hs = arg;
	size_t			 i;

	for (i = 0; i < hs->hs_n; i++)
		if (strcmp(hs->hs_h[i].h_cgi, cgi) == 0)
			return hs->hs_h[i].h_value;
	return NULL;
}

/* "Name: value" entries separated by %0A, or "-". */
static void
parse_headers(char *text, struct headers *hs)
{
	char	*line, *colon, *v, *save = NULL;

	hs->hs_n = 0;
	hs->hs_method = hs->hs_query = NULL;
	if (strcmp(text, "-") == 0)
		return;
	unpercent(text);
	for (line = strtok_r(text, "\n", &save); line != NULL &&
	    hs->hs_n < HEADERS_MAX; line = strtok_r(NULL, "\n", &save)) {
		REQUIRE((colon = strchr(line + 1, ':')) != NULL, "header %s",
		    line);
		*colon = '\0';
		for (v = colon + 1; *v == ' '; v++)
			continue;
		if (strcmp(line, ":method") == 0 || strcmp(line, ":query") == 0) {
			*(line[1] == 'm' ? &hs->hs_method : &hs->hs_query) = v;
			continue;
		}
		hs->hs_h[hs->hs_n].h_cgi = scheme_cgi_name(line);
		hs->hs_h[hs->hs_n].h_value = v;
		REQUIRE(hs->hs_h[hs->hs_n].h_cgi != NULL, "memory");
		hs->hs_n++;
	}
}

/* Strings a test webhook owns, freed by free_webhook(). */
static char	*owned[2 * CONFIG_OPTS];
static size_t	 nowned;

static char *
own(char *s)
{
	REQUIRE(s != NULL && nowned < sizeof(owned) / sizeof(owned[0]),
	    "memory");
	return owned[nowned++] = s;
}

/*
 * scheme's settings after its name: "hmac?header=X-Sig&id_header=X-Id"
 * sets header = and the named options (config_opt_names), each value
 * %-decoded.
 */
static void
set_options(struct config_webhook *wh, char *settings)
{
	char	*tok, *eq, *save = NULL;
	size_t	 i;

	for (tok = strtok_r(settings, "&", &save); tok != NULL;
	    tok = strtok_r(NULL, "&", &save)) {
		REQUIRE((eq = strchr(tok, '=')) != NULL, "setting %s", tok);
		*eq++ = '\0';
		unpercent(eq);
		if (strcmp(tok, "header") == 0) {
			wh->wh_header = own(strdup(eq));
			wh->wh_cgi_header = own(scheme_cgi_name(eq));
			continue;
		}
		for (i = 1; i < CONFIG_OPTS; i++)
			if (strcmp(tok, config_opt_names[i]) == 0)
				break;
		REQUIRE(i < CONFIG_OPTS, "no setting %s", tok);
		wh->wh_opt[i] = own(strdup(eq));
	}
}

/*
 * A webhook of scheme (a name, and settings after '?' as set_options()
 * reads them) with the secrets (space-separated, %-encoded).
 */
static void
make_webhook(struct config_webhook *wh, const char *scheme, char *secrets)
{
	char	*tok, *save = NULL, *q;
	size_t	 n;

	memset(wh, 0, sizeof(*wh));
	wh->wh_name = "test";
	wh->wh_opt[CONFIG_OPT_SCHEME] = strdup(scheme);
	wh->wh_secrets = calloc(8, sizeof(*wh->wh_secrets));
	REQUIRE(wh->wh_opt[CONFIG_OPT_SCHEME] != NULL &&
	    wh->wh_secrets != NULL, "memory");
	if ((q = strchr(wh->wh_opt[CONFIG_OPT_SCHEME], '?')) != NULL) {
		*q = '\0';
		set_options(wh, q + 1);
	}
	if (strcmp(secrets, "-") == 0)
		return;
	for (tok = strtok_r(secrets, " ", &save); tok != NULL &&
	    wh->wh_nsecrets < 8; tok = strtok_r(NULL, " ", &save)) {
		n = unpercent(tok);
		wh->wh_secrets[wh->wh_nsecrets].sec_key = malloc(n + 1);
		REQUIRE(wh->wh_secrets[wh->wh_nsecrets].sec_key != NULL, "mem");
		memcpy(wh->wh_secrets[wh->wh_nsecrets].sec_key, tok, n);
		wh->wh_secrets[wh->wh_nsecrets++].sec_len = n;
	}
	if (strcmp(scheme, "protocol") == 0)
		wh->wh_cgi_header = "HTTP_X_PROTOCOL_SIGNATURE";
}

static void
free_webhook(struct config_webhook *wh, struct headers *hs)
{
	size_t	i;

	for (i = 0; i < wh->wh_nsecrets; i++)
		free(wh->wh_secrets[i].sec_key);
	free(wh->wh_secrets);
	free(wh->wh_opt[CONFIG_OPT_SCHEME]);
	free(wh->wh_id_cgi);
	free(wh->wh_type_cgi);
	while (nowned > 0)
		free(owned[--nowned]);
	for (i = 0; i < hs->hs_n; i++)
		free(hs->hs_h[i].h_cgi);
}

static const char *const verdicts[] = {
	[SCHEME_OK] = "ok", [SCHEME_SIGNATURE] = "signature",
	[SCHEME_STALE] = "stale",
	[SCHEME_EVENT] = "event", [SCHEME_IGNORED] = "ignored",
	[SCHEME_ANSWER] = "answer", [SCHEME_ERROR] = "error",
};

/*
 * Whether so carries what the case expects: ok, the id and type; answer,
 * the status and Content-Type ("200:text/plain", "204") and the body.
 */
static void
check_fields(unsigned lineno, enum scheme_result r,
    const struct scheme_out *so, char *id, char *type)
{
	const struct event		*ev = &so->so_ev;
	const struct scheme_answer	*a = &so->so_answer;
	char				 want[256];

	if (r == SCHEME_OK) {
		unpercent(id);
		unpercent(type);
		CHECK(strcmp(ev->ev_id, id) == 0, "schemes.txt:%u: id '%s', "
		    "want '%s'", lineno, ev->ev_id, id);
		CHECK(strcmp(ev->ev_type, type) == 0, "schemes.txt:%u: type "
		    "'%s', want '%s'", lineno, ev->ev_type, type);
	} else if (r == SCHEME_ANSWER) {
		if (a->sa_type != NULL)
			snprintf(want, sizeof(want), "%d:%s", a->sa_status,
			    a->sa_type);
		else
			snprintf(want, sizeof(want), "%d", a->sa_status);
		CHECK(strcmp(want, id) == 0, "schemes.txt:%u: answered %s, "
		    "want %s", lineno, want, id);
		if (strcmp(type, "-") == 0) {
			CHECK(a->sa_body == NULL, "schemes.txt:%u: a body '%s'",
			    lineno, a->sa_body);
			return;
		}
		unpercent(type);
		CHECK(a->sa_body != NULL && a->sa_len == strlen(type) &&
		    memcmp(a->sa_body, type, a->sa_len) == 0, "schemes.txt:%u: "
		    "answer '%s', want '%s'", lineno, a->sa_body ? a->sa_body :
		    "(none)", type);
	}
}

/*
 * Where the id comes from a header the signature does not cover (github,
 * shopify, hmac with id_header), or nothing is signed (gitlab and
 * telegram send a token), the event carries the SHA-256 of the body for
 * the spool to dedup on; elsewhere it does not.
 */
static void
check_signed_sum(unsigned lineno, const char *scheme,
    const struct config_webhook *wh, const struct scheme_request *rq,
    const struct event *ev)
{
	unsigned char	sum[32];
	int		want;

	want = strcmp(scheme, "github") == 0 || strcmp(scheme, "shopify") == 0 ||
	    strstr(scheme, "id_header=") != NULL ||
	    strcmp(scheme, "gitlab") == 0 || strcmp(scheme, "telegram") == 0 ||
	    strncmp(scheme, "mailgun", 7) == 0;
	CHECK(ev->ev_id_unsigned == want, "schemes.txt:%u: the id is %s, "
	    "want %s", lineno, ev->ev_id_unsigned ? "unsigned" : "signed",
	    want ? "unsigned" : "signed");
	CHECK(scheme_id_unsigned(wh) == want, "schemes.txt:%u: "
	    "scheme_id_unsigned() says %d", lineno, scheme_id_unsigned(wh));
	if (!want || !ev->ev_id_unsigned)
		return;
	gcry_md_hash_buffer(GCRY_MD_SHA256, sum, rq->sr_body, rq->sr_len);
	CHECK(memcmp(sum, ev->ev_signed_sum, sizeof(sum)) == 0,
	    "schemes.txt:%u: the signed bytes' sum is not the body's",
	    lineno);
}

static void
test_vectors(void)
{
	struct config_webhook	 wh;
	struct scheme_request	 rq;
	struct headers		 hs;
	struct scheme_out	 so;
	enum scheme_result	 r;
	const char		*reason;
	char			 path[1024], *line, *f[8], *save;
	unsigned		 lineno = 0, cases = 0;
	size_t			 i;
	FILE			*fp;

	REQUIRE((line = malloc(LINE_MAX_LEN)) != NULL, "memory");
	REQUIRE((fp = fopen(unit_data("schemes.txt", path, sizeof(path)),
	    "r")) != NULL, "open %s", path);
	while (fgets(line, LINE_MAX_LEN, fp) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		save = NULL;
		for (i = 0; i < 8; i++)
			f[i] = strtok_r(i == 0 ? line : NULL, "\t", &save);
		REQUIRE(f[7] != NULL, "schemes.txt:%u: not 8 fields", lineno);
		make_webhook(&wh, f[0], f[3]);
		reason = NULL;
		REQUIRE(scheme_configure(&wh, &reason) == 0, "schemes.txt:%u: "
		    "configure: %s", lineno, reason);
		parse_headers(f[4], &hs);
		rq.sr_header = lookup;
		rq.sr_arg = &hs;
		rq.sr_len = strcmp(f[5], "-") == 0 ? 0 : unpercent(f[5]);
		rq.sr_body = strcmp(f[5], "-") == 0 ? "" : f[5];
		rq.sr_now = strcmp(f[2], "-") == 0 ? 0 : (time_t)atoll(f[2]);
		rq.sr_method = hs.hs_method;
		rq.sr_query = hs.hs_query;
		r = scheme_check(&wh, &rq, &so, &reason);
		CHECK(strcmp(verdicts[r], f[1]) == 0, "schemes.txt:%u: %s: %s, "
		    "want %s (%s)", lineno, f[0], verdicts[r], f[1],
		    reason ? reason : "-");
		if (strcmp(verdicts[r], f[1]) == 0)
			check_fields(lineno, r, &so, f[6], f[7]);
		if (r == SCHEME_OK)
			check_signed_sum(lineno, f[0], &wh, &rq, &so.so_ev);
		scheme_out_clear(&so);
		free_webhook(&wh, &hs);
		cases++;
	}
	fclose(fp);
	free(line);
	CHECK(cases >= 100, "only %u cases", cases);
}

/* Settings a scheme does not take, and secrets it cannot use. */
static void
test_configure(void)
{
	static const struct {
		const char	*scheme, *secret;
		enum config_opt	 opt;
		const char	*value;
		int		 ok;
	} cases[] = {
		{ "protocol", "k", CONFIG_OPT_SCHEME, NULL, 1 },
		{ "nosuch", "k", CONFIG_OPT_SCHEME, NULL, 0 },
		{ "github", "k", CONFIG_OPT_TOLERANCE, "5m", 0 },
		{ "stripe", "whsec_x", CONFIG_OPT_TOLERANCE, "10m", 1 },
		{ "stripe", "whsec_x", CONFIG_OPT_TOLERANCE, "0", 0 },
		{ "stripe", "whsec_x", CONFIG_OPT_TOLERANCE, "8d", 0 },
		{ "slack", "k", CONFIG_OPT_TOLERANCE, "soon", 0 },
		{ "standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		    CONFIG_OPT_SCHEME, NULL, 1 },
		{ "standard", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		    CONFIG_OPT_SCHEME, NULL, 0 },
		{ "standard", "whsec_not base64!", CONFIG_OPT_SCHEME, NULL, 0 },
		{ "standard", "whsec_", CONFIG_OPT_SCHEME, NULL, 0 },
		{ "shopify", "k", CONFIG_OPT_PREFIX, "sha256=", 0 },
		{ "hmac", "k", CONFIG_OPT_ENCODING, "base32", 0 },
		{ "hmac", "k", CONFIG_OPT_ID_FIELD, "data.object.id", 1 },
		{ "hmac", "k", CONFIG_OPT_ID_FIELD, "data..id", 0 },
		{ "hmac", "k", CONFIG_OPT_TYPE_FIELD, "kind.", 0 },
		{ "gitlab", "any token", CONFIG_OPT_SCHEME, NULL, 1 },
		{ "gitlab", "k", CONFIG_OPT_TOLERANCE, "5m", 0 },
		{ "telegram", "Tg_token-1", CONFIG_OPT_SCHEME, NULL, 1 },
		{ "telegram", "Tg%20token", CONFIG_OPT_SCHEME, NULL, 0 },
		{ "telegram", "Tg.token", CONFIG_OPT_SCHEME, NULL, 0 },
		{ "paddle", "k", CONFIG_OPT_TOLERANCE, "1m", 1 },
		{ "twitch", "k", CONFIG_OPT_PREFIX, "x", 0 },
		{ "mailgun", "k", CONFIG_OPT_TOLERANCE, "5m", 1 },
		{ "hmac", "k", CONFIG_OPT_ALGORITHM, "sha1", 1 },
		{ "hmac", "k", CONFIG_OPT_ALGORITHM, "sha512", 1 },
		{ "hmac", "k", CONFIG_OPT_ALGORITHM, "md5", 0 },
		{ "stripe", "k", CONFIG_OPT_ALGORITHM, "sha1", 0 },
		{ "square", "k", CONFIG_OPT_SCHEME, NULL, 0 },
		{ "square", "k", CONFIG_OPT_URL, "https://a.example/hook", 1 },
		{ "twilio", "k", CONFIG_OPT_URL, "https://a.example/h?x=1", 0 },
		{ "hubspot", "k", CONFIG_OPT_URL, "ftp://a.example/", 0 },
		{ "hubspot", "k", CONFIG_OPT_URL, "https://a.example/a b", 0 },
		{ "stripe", "whsec_x", CONFIG_OPT_URL, "https://a.example/", 0 },
		{ "discord", "-", CONFIG_OPT_PUBLIC_KEY, "d75a980182b10ab7d54bfe"
		    "d3c964073a0ee172f3daa62325af021a68f707511a", 1 },
		{ "discord", "k", CONFIG_OPT_PUBLIC_KEY, "d75a980182b10ab7d54bfe"
		    "d3c964073a0ee172f3daa62325af021a68f707511a", 0 },
		{ "discord", "-", CONFIG_OPT_PUBLIC_KEY, "d75a98", 0 },
		{ "discord", "-", CONFIG_OPT_SCHEME, NULL, 0 },
		{ "sendgrid", "-", CONFIG_OPT_PUBLIC_KEY, "MFkwEwYHKoZIzj0CAQYIKo"
		    "ZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS"
		    "3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==", 1 },
		{ "sendgrid", "-", CONFIG_OPT_PUBLIC_KEY, "MFkwEwYHKoZIzj0CAQYIKo"
		    "ZIzj0DAQcDQgAE", 0 },
		{ "github", "k", CONFIG_OPT_PUBLIC_KEY, "d75a", 0 },
	};
	struct config_webhook	wh;
	struct headers		hs = { .hs_n = 0 };
	const char		*reason;
	char			secret[128];
	size_t			i;
	int			rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(secret, sizeof(secret), "%s", cases[i].secret);
		make_webhook(&wh, cases[i].scheme, secret);
		if (cases[i].value != NULL)
			wh.wh_opt[cases[i].opt] = (char *)cases[i].value;
		if (strcmp(cases[i].scheme, "hmac") == 0)
			wh.wh_header = "X-Sig";
		reason = NULL;
		rc = scheme_configure(&wh, &reason);
		CHECK((rc == 0) == cases[i].ok, "%s %s=%s: %d (%s)",
		    cases[i].scheme, cases[i].value ? "opt" : "-",
		    cases[i].value ? cases[i].value : "-", rc,
		    reason ? reason : "-");
		if (cases[i].value != NULL)
			wh.wh_opt[cases[i].opt] = NULL;
		free_webhook(&wh, &hs);
	}
	/* hmac without header = */
	snprintf(secret, sizeof(secret), "k");
	make_webhook(&wh, "hmac", secret);
	CHECK(scheme_configure(&wh, &reason) == -1, "hmac without header");
	free_webhook(&wh, &hs);
	/* a fixed header */
	make_webhook(&wh, "github", secret);
	wh.wh_header = "X-Other";
	CHECK(scheme_configure(&wh, &reason) == -1, "github with header =");
	free_webhook(&wh, &hs);
}

/* hex into a buffer of cap bytes; its length. */
static size_t
from_hex(const char *hex, unsigned char *out, size_t cap)
{
	size_t		n = 0;
	unsigned	v;

	for (; hex[0] != '\0' && hex[1] != '\0' && n < cap; hex += 2) {
		REQUIRE(sscanf(hex, "%2x", &v) == 1, "hex %s", hex);
		out[n++] = (unsigned char)v;
	}
	return n;
}

/*
 * The DER parser (der.h): SendGrid's published key and signature, and
 * encodings of the same values that are not canonical, which must be
 * refused.
 */
static void
test_der(void)
{
	/* @sendgrid/eventwebhook's PUBLIC_KEY and SIGNATURE, in hex */
	static const char	spki[] = "3059301306072a8648ce3d020106082a8648ce"
	    "3d03010703420004f374f83bf9fce22a2d22f216e26741810ffb7407d29a9a88"
	    "33c905f663757e5a55292dc646a7bada0c3ed9f34d45a20d5ef5698a095223c7"
	    "8d11ceb0100dc5fa";
	static const char	sig[] = "3045022061d056d1a3f98dcb906f5f2dcc5fde"
	    "a7c8d74432b200d698c3959b11b4bba654022100c818970d6cccfae39ee56d09"
	    "b86fa5b9001b3c8a8787cf4cd794e5b8bb4466d3";
	static const struct {
		const char	*hex;
		int		 spki;	/* else a signature */
	} bad[] = {
		/* the SPKI: long form where the short one fits, a trailing
		 * byte, another curve (P-384's OID), a compressed point, a
		 * BIT STRING with an unused bit, an indefinite length */
		{ "30815930130607", 1 },
		{ "", 1 },
		{ "3059301306072a8648ce3d020106082a8648ce3d03010603420004", 1 },
		{ "3039301306072a8648ce3d020106082a8648ce3d030107032200"
		  "02f374f83bf9fce22a2d22f216e26741810ffb7407d29a9a8833c905f6"
		  "63757e5a", 1 },
		{ "3059301306072a8648ce3d020106082a8648ce3d03010703420104", 1 },
		{ "3080301306072a8648ce3d0201", 1 },
		/* signatures: negative r, r zero, a needless 0x00, 33 bytes
		 * of magnitude, 0x81 for a length under 128, trailing bytes
		 * inside and outside, an empty INTEGER, s missing */
		{ "3006020180020101", 0 },
		{ "3006020100020101", 0 },
		{ "300702020001020101", 0 },
		{ "30270222010000000000000000000000000000000000000000000000"
		  "0000000000000001020101", 0 },
		{ "308106020101020101", 0 },
		{ "3008020101020101ff00", 0 },
		{ "3006020101020101ff", 0 },
		{ "300502000201010000", 0 },
		{ "3003020101", 0 },
	};
	unsigned char	 der[256], q[DER_P256_POINT], r[DER_P256_INT];
	unsigned char	 s[DER_P256_INT];
	const char	*reason;
	size_t		 n, i;

	n = from_hex(spki, der, sizeof(der));
	CHECK(der_spki_p256(der, n, q, &reason) == 0 && q[0] == 0x04 &&
	    q[1] == 0xf3 && q[64] == 0xfa, "SendGrid's key refused");
	der[n] = 0;
	CHECK(der_spki_p256(der, n + 1, q, &reason) == -1, "a trailing byte");
	n = from_hex(sig, der, sizeof(der));
	CHECK(der_ecdsa_sig(der, n, r, s, &reason) == 0 && r[0] == 0x61 &&
	    s[0] == 0xc8 && s[31] == 0xd3, "SendGrid's signature refused");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = from_hex(bad[i].hex, der, sizeof(der));
		if (bad[i].spki && n == 0) {
			/* the valid key with a byte more in its length */
			n = from_hex(spki, der, sizeof(der));
			der[1]++;
		}
		CHECK((bad[i].spki ? der_spki_p256(der, n, q, &reason) :
		    der_ecdsa_sig(der, n, r, s, &reason)) == -1,
		    "non-canonical DER %s accepted", bad[i].hex);
	}
}

/*
 * Form bodies (form.h): strict decoding, and the JSON object spooled for
 * them, a repeated field an array, fields in the order they came.
 */
static void
test_form(void)
{
	static const struct {
		const char	*in, *json;	/* json NULL: refused */
	} cases[] = {
		{ "", "{}" },
		{ "a=1", "{\"a\":\"1\"}" },
		{ "a=", "{\"a\":\"\"}" },
		{ "=v", "{\"\":\"v\"}" },
		{ "b=2&a=1&b=3", "{\"b\":[\"2\",\"3\"],\"a\":\"1\"}" },
		{ "a=1&a=1", "{\"a\":[\"1\",\"1\"]}" },
		{ "To=%2B1555&Body=hi+there%21", "{\"To\":\"+1555\","
		    "\"Body\":\"hi there!\"}" },
		{ "k=%C3%A9%E2%9C%93", "{\"k\":\"\xc3\xa9\xe2\x9c\x93\"}" },
		{ "k=%0A%22%5C%00", "{\"k\":\"\\n\\\"\\\\\\u0000\"}" },
		{ "a=b=c", "{\"a\":\"b=c\"}" },
		{ "a%3Db=c", "{\"a=b\":\"c\"}" },
		{ "a", NULL },
		{ "a=1&", NULL },
		{ "&a=1", NULL },
		{ "a=1&&b=2", NULL },
		{ "a=%", NULL },
		{ "a=%4", NULL },
		{ "a=%G1", NULL },
		{ "a=%C3", NULL },
		{ "a=%C0%AF", NULL },
		{ "a=%ED%A0%80", NULL },
		{ "a=\xff", NULL },
	};
	struct form	 fm;
	const char	*reason;
	char		*json;
	size_t		 i, n;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reason = NULL;
		rc = form_decode(cases[i].in, strlen(cases[i].in), &fm, &reason);
		if (cases[i].json == NULL) {
			CHECK(rc == -1 && reason != NULL && fm.fm_n == 0,
			    "form '%s' accepted", cases[i].in);
			continue;
		}
		CHECK(rc == 0, "form '%s' refused: %s", cases[i].in, reason);
		if (rc != 0)
			continue;
		json = form_json(&fm, &n);
		CHECK(json != NULL && strcmp(json, cases[i].json) == 0 &&
		    n == strlen(json), "form '%s': %s, want %s", cases[i].in,
		    json ? json : "(null)", cases[i].json);
		free(json);
		form_free(&fm);
	}
}

int
main(void)
{
	const char	*reason;

	REQUIRE(verify_init(&reason) == 0, "verify_init");
	test_vectors();
	test_configure();
	test_form();
	test_der();
	return unit_done("test_schemes");
}
