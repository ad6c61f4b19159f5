/*
 * url.c: senders that sign the URL they call with the body or its form
 * fields: Square, HubSpot (v3) and Twilio. They take url = (the public
 * URL the sender calls, without its query): behind a proxy the responder
 * cannot rebuild it from the CGI environment. The query the request
 * arrives with (QUERY_STRING, raw) is added to it as it came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "schemes/form.h"
#include "schemes/schemes.h"

#define URL_MAX	8192	/* url = and the query, signed */

/* url = and "?" QUERY_STRING when there is one, into buf. */
static int
signed_url(const struct config_webhook *wh, const char *query, char *buf,
    size_t cap, const char **reason)
{
	int	n;

	n = snprintf(buf, cap, "%s%s%s", wh->wh_opt[CONFIG_OPT_URL],
	    query != NULL && *query != '\0' ? "?" : "",
	    query != NULL ? query : "");
	if (n < 0 || (size_t)n >= cap) {
		*reason = "the URL and query are too long";
		return -1;
	}
	return 0;
}

/* Square: x-square-hmacsha256-signature: B64 over url and body. */
enum scheme_result
scheme_square_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct verify_part	 parts[2];
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig;
	char			 url[URL_MAX];

	if (signed_url(wh, rq->sr_query, url, sizeof(url), reason) == -1)
		return SCHEME_SIGNATURE;
	if ((sig = scheme_header(rq, "HTTP_X_SQUARE_HMACSHA256_SIGNATURE")) !=
	    NULL)
		scheme_add_mac(&m, sig, strlen(sig), 1);
	parts[0] = (struct verify_part){ url, strlen(url) };
	parts[1] = (struct verify_part){ rq->sr_body, rq->sr_len };
	if ((r = scheme_check_macs(wh, parts, 2, &m, reason)) != SCHEME_OK)
		return r;
	return scheme_fill(rq, NULL, "event_id", NULL, "type", &out->so_ev,
	    reason);
}

/*
 * HubSpot's v3 URI: the signed URL with %3A %2F %3F %40 %21 %24 %27 %28
 * %29 %2A %2C %3B decoded, as HubSpot's docs say, in place.
 */
static void
hubspot_uri(char *s)
{
	static const char	 keep[] = ":/?@!$'()*,;";
	char			*d = s;
	unsigned		 c;

	for (; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] != '\0' && s[2] != '\0' &&
		    sscanf(s + 1, "%2x", &c) == 1 && c != 0 &&
		    strchr(keep, (int)c) != NULL && strchr("0123456789abcdef"
		    "ABCDEF", s[2]) != NULL) {
			*d++ = (char)c;
			s += 2;
		} else
			*d++ = *s;
	}
	*d = '\0';
}

/*
 * HubSpot v3: X-HubSpot-Signature-v3: B64 over method, URI, body and
 * X-HubSpot-Request-Timestamp (milliseconds); the body a JSON array of
 * events (type "batch") or one object (type its subscriptionType); no id
 * is sent: the body's SHA-256.
 */
enum scheme_result
scheme_hubspot_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct verify_part	 parts[4];
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig, *ms, *method;
	char			 url[URL_MAX], secs[32], sum[VERIFY_HEX_LEN + 1];
	size_t			 n;

	ms = scheme_header(rq, "HTTP_X_HUBSPOT_REQUEST_TIMESTAMP");
	n = ms != NULL ? strlen(ms) : 0;
	/* milliseconds: the seconds are all but the last three digits */
	if (n < 4 || n - 3 >= sizeof(secs) ||
	    strspn(ms, "0123456789") != n) {
		*reason = "timestamp missing or not a number";
		return SCHEME_SIGNATURE;
	}
	memcpy(secs, ms, n - 3);
	secs[n - 3] = '\0';
	if (!scheme_timely(wh, rq, secs, reason))
		return SCHEME_SIGNATURE;
	if (signed_url(wh, rq->sr_query, url, sizeof(url), reason) == -1)
		return SCHEME_SIGNATURE;
	hubspot_uri(url);
	if ((sig = scheme_header(rq, "HTTP_X_HUBSPOT_SIGNATURE_V3")) != NULL)
		scheme_add_mac(&m, sig, strlen(sig), 1);
	method = rq->sr_method != NULL ? rq->sr_method : "POST";
	parts[0] = (struct verify_part){ method, strlen(method) };
	parts[1] = (struct verify_part){ url, strlen(url) };
	parts[2] = (struct verify_part){ rq->sr_body, rq->sr_len };
	parts[3] = (struct verify_part){ ms, n };
	if ((r = scheme_check_macs(wh, parts, 4, &m, reason)) != SCHEME_OK)
		return r;
	if ((r = scheme_body_sum(rq, sum, reason)) != SCHEME_OK)
		return r;
	return scheme_fill_typed(rq, sum, "subscriptionType", "webhook",
	    &out->so_ev, reason);
}

/*
 * url with its port toggled: the default port (443 for https, 80 for
 * http) added where there is none, removed where it is given; Twilio's
 * libraries try both. Into buf; -1 when url has no scheme://host.
 */
static int
toggle_port(const char *url, char *buf, size_t cap)
{
	const char	*host, *end, *colon, *port;
	int		 https, n;

	if ((host = strstr(url, "://")) == NULL)
		return -1;
	host += 3;
	https = strncmp(url, "https://", 8) == 0;
	port = https ? ":443" : ":80";
	end = host + strcspn(host, "/?#");
	if ((colon = memchr(host, ':', end - host)) != NULL &&
	    memchr(host, ']', end - host) != NULL &&
	    colon < (const char *)memchr(host, ']', end - host))
		colon = NULL;	/* an IPv6 literal's colons */
	if (colon == NULL)
		n = snprintf(buf, cap, "%.*s%s%s", (int)(end - url), url, port,
		    end);
	else if ((size_t)(end - colon) == strlen(port) &&
	    strncmp(colon, port, strlen(port)) == 0)
		n = snprintf(buf, cap, "%.*s%s", (int)(colon - url), url, end);
	else
		return -1;
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/*
 * Twilio's signed text: url, then for each field name in byte order its
 * name and value, a repeated name once per distinct value in order of
 * the values. A new string, or NULL when out of memory.
 */
static char *
twilio_text(const char *url, const struct form *fm)
{
	struct form	 sorted;
	size_t		 i, n = strlen(url), len;
	char		*t, *p;

	len = n + 1;
	for (i = 0; i < fm->fm_n; i++)
		len += fm->fm_fields[i].ff_namelen +
		    fm->fm_fields[i].ff_valuelen;
	if ((t = malloc(len)) == NULL)
		return NULL;
	memcpy(t, url, n);
	p = t + n;
	sorted = *fm;
	if ((sorted.fm_fields = calloc(fm->fm_n + 1,
	    sizeof(*sorted.fm_fields))) == NULL) {
		free(t);
		return NULL;
	}
	if (fm->fm_n > 0)
		memcpy(sorted.fm_fields, fm->fm_fields, fm->fm_n *
		    sizeof(*fm->fm_fields));
	form_sort(&sorted);
	for (i = 0; i < sorted.fm_n; i++) {
		if (i > 0 && form_field_cmp(&sorted.fm_fields[i - 1],
		    &sorted.fm_fields[i]) == 0)
			continue;	/* the same name and value again */
		memcpy(p, sorted.fm_fields[i].ff_name,
		    sorted.fm_fields[i].ff_namelen);
		p += sorted.fm_fields[i].ff_namelen;
		memcpy(p, sorted.fm_fields[i].ff_value,
		    sorted.fm_fields[i].ff_valuelen);
		p += sorted.fm_fields[i].ff_valuelen;
	}
	*p = '\0';
	free(sorted.fm_fields);
	return t;
}

/* Whether sig is the HMAC-SHA1 of url's text, or with the port toggled. */
static enum scheme_result
twilio_verify(const struct config_webhook *wh, const char *sig,
    const char *url, const struct form *fm, const char **reason)
{
	struct scheme_macs	 m = { .sm_n = 0, .sm_alg = SCHEME_SHA1 };
	struct verify_part	 part;
	enum scheme_result	 r = SCHEME_SIGNATURE;
	char			 other[URL_MAX], *text;
	int			 i;

	for (i = 0; i < 2; i++) {
		if (i == 1 && toggle_port(url, other, sizeof(other)) == -1)
			break;
		if ((text = twilio_text(i == 0 ? url : other, fm)) == NULL) {
			*reason = "out of memory";
			return SCHEME_ERROR;
		}
		m = (struct scheme_macs){ .sm_n = 0, .sm_alg = SCHEME_SHA1 };
		if (sig != NULL)
			scheme_add_mac(&m, sig, strlen(sig), 1);
		part = (struct verify_part){ text, strlen(text) };
		r = scheme_check_macs(wh, &part, 1, &m, reason);
		free(text);
		if (r != SCHEME_SIGNATURE)
			break;
	}
	return r;
}

/* bodySHA256= of the raw query, as 64 hex digits; NULL if absent. */
static const char *
body_sha256(const char *query)
{
	const char	*p;

	for (p = query; p != NULL && *p != '\0'; p = strchr(p, '&') ?
	    strchr(p, '&') + 1 : NULL)
		if (strncmp(p, "bodySHA256=", 11) == 0)
			return p + 11;
	return NULL;
}

/* The body's SHA-256 in hex against want (64 hex digits, either case). */
static enum scheme_result
twilio_body(const struct scheme_request *rq, const char *want,
    const char **reason)
{
	char		sum[VERIFY_HEX_LEN + 1];
	unsigned char	d = 0;
	size_t		i;

	if (scheme_body_sum(rq, sum, reason) != SCHEME_OK)
		return SCHEME_ERROR;
	if (strcspn(want, "&") != VERIFY_HEX_LEN) {
		*reason = "bodySHA256 is not 64 hex digits";
		return SCHEME_SIGNATURE;
	}
	for (i = 0; i < VERIFY_HEX_LEN; i++)
		d |= sum[i] ^ (unsigned char)(want[i] >= 'A' && want[i] <= 'F' ?
		    want[i] + 32 : want[i]);
	if (d != 0) {
		*reason = "bodySHA256 is not the body's";
		return SCHEME_SIGNATURE;
	}
	return SCHEME_OK;
}

/* The value of field name in fm (its first), or NULL. */
static const char *
field(const struct form *fm, const char *name)
{
	size_t	i;

	for (i = 0; i < fm->fm_n; i++)
		if (strcmp(fm->fm_fields[i].ff_name, name) == 0)
			return fm->fm_fields[i].ff_value;
	return NULL;
}

/* A verified form: its event (id sum) and the JSON object to spool. */
static enum scheme_result
twilio_event(const struct form *fm, const char *sum, struct scheme_out *out,
    const char **reason)
{
	const char	*kind = "twilio", *status = NULL;
	char		*type = NULL;
	int		 rc;

	if (field(fm, "MessageSid") != NULL || field(fm, "SmsSid") != NULL) {
		kind = "message";
		if ((status = field(fm, "MessageStatus")) == NULL)
			status = field(fm, "SmsStatus");
	} else if (field(fm, "CallSid") != NULL) {
		kind = "call";
		status = field(fm, "CallStatus");
	}
	if (status != NULL && *status != '\0' &&
	    asprintf(&type, "%s.%s", kind, status) < 0) {
		*reason = "out of memory";
		return SCHEME_ERROR;
	}
	rc = event_set(&out->so_ev, sum, strlen(sum), type != NULL ? type :
	    kind, strlen(type != NULL ? type : kind), reason);
	free(type);
	if (rc == -1)
		return SCHEME_EVENT;
	if ((out->so_event = form_json(fm, &out->so_eventlen)) == NULL) {
		*reason = "out of memory";
		return SCHEME_ERROR;
	}
	return SCHEME_OK;
}

/*
 * Twilio: X-Twilio-Signature: B64 HMAC-SHA1 over the URL and the sorted
 * form fields; a JSON body is signed through bodySHA256 in the query (the
 * URL alone is signed, and the body's SHA-256 must be that). The id is
 * the body's SHA-256 (MessageSid and CallSid name a message or call, not
 * a delivery: its status callbacks share them); the type is
 * message.STATUS, call.STATUS, a JSON body's "type", or "twilio". A
 * form body is spooled as the JSON object of its fields.
 */
enum scheme_result
scheme_twilio_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct form		 fm = { NULL, 0 };
	enum scheme_result	 r;
	const char		*sig, *want;
	char			 url[URL_MAX], sum[VERIFY_HEX_LEN + 1];

	sig = scheme_header(rq, "HTTP_X_TWILIO_SIGNATURE");
	if (signed_url(wh, rq->sr_query, url, sizeof(url), reason) == -1)
		return SCHEME_SIGNATURE;
	if ((want = body_sha256(rq->sr_query)) != NULL) {
		if ((r = twilio_verify(wh, sig, url, &fm, reason)) != SCHEME_OK ||
		    (r = twilio_body(rq, want, reason)) != SCHEME_OK ||
		    (r = scheme_body_sum(rq, sum, reason)) != SCHEME_OK)
			return r;
		return scheme_fill_typed(rq, sum, "type", "twilio", &out->so_ev,
		    reason);
	}
	/* the fields are what is signed: a body that is none cannot verify */
	if (form_decode(rq->sr_body, rq->sr_len, &fm, reason) == -1)
		return SCHEME_SIGNATURE;
	if ((r = twilio_verify(wh, sig, url, &fm, reason)) == SCHEME_OK &&
	    (r = scheme_body_sum(rq, sum, reason)) == SCHEME_OK)
		r = twilio_event(&fm, sum, out, reason);
	form_free(&fm);
	return r;
}

/*
 * url =: an absolute http or https URL of printable ASCII, without a
 * query or fragment (the request's own query is added to it).
 */
int
scheme_url_configure(struct config_webhook *wh, const char **reason)
{
	const char	*url = wh->wh_opt[CONFIG_OPT_URL];
	size_t		 i;

	if (url == NULL) {
		*reason = "this scheme needs url = (the public URL the sender "
		    "calls)";
		return -1;
	}
	for (i = 0; url[i] != '\0'; i++)
		if (url[i] <= ' ' || url[i] > '~' || url[i] == '?' ||
		    url[i] == '#')
			break;
	if ((strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0) || url[i] != '\0' ||
	    i >= URL_MAX / 2) {
		*reason = "url must be an http:// or https:// URL of printable "
		    "ASCII without ?query or #fragment (the query the request "
		    "comes with is added)";
		return -1;
	}
	return 0;
}

int
scheme_square_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	struct verify_part	parts[2];
	const char		*url = wh->wh_opt[CONFIG_OPT_URL];
	char			mac[VERIFY_HEX_LEN + 1];

	(void)id;
	(void)type;
	(void)now;
	parts[0] = (struct verify_part){ url, strlen(url) };
	parts[1] = (struct verify_part){ body, len };
	if (scheme_sign_parts(wh, parts, 2, 1, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "x-square-hmacsha256-signature: "
	    "%s\n", mac);
}

int
scheme_hubspot_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	struct verify_part	parts[4];
	char			url[URL_MAX], ms[32], mac[VERIFY_HEX_LEN + 1];

	(void)id;
	(void)type;
	if (signed_url(wh, NULL, url, sizeof(url), reason) == -1)
		return -1;
	hubspot_uri(url);
	snprintf(ms, sizeof(ms), "%lld000", (long long)now);
	parts[0] = (struct verify_part){ "POST", 4 };
	parts[1] = (struct verify_part){ url, strlen(url) };
	parts[2] = (struct verify_part){ body, len };
	parts[3] = (struct verify_part){ ms, strlen(ms) };
	if (scheme_sign_parts(wh, parts, 4, 1, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "X-HubSpot-Request-Timestamp: %s\n"
	    "X-HubSpot-Signature-v3: %s\n", ms, mac);
}

int
scheme_twilio_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	struct form		 fm;
	struct verify_part	 part;
	char			 mac[SCHEME_MAC_TEXT], *text;
	int			 rc;

	(void)id;
	(void)type;
	(void)now;
	if (form_decode(body, len, &fm, reason) == -1) {
		*reason = "twilio signs a form body here (a JSON body is "
		    "signed through bodySHA256 in the URL's query)";
		return -1;
	}
	text = twilio_text(wh->wh_opt[CONFIG_OPT_URL], &fm);
	form_free(&fm);
	if (text == NULL) {
		*reason = "out of memory";
		return -1;
	}
	part = (struct verify_part){ text, strlen(text) };
	rc = scheme_sign_alg(wh, SCHEME_SHA1, &part, 1, 1, mac, reason);
	free(text);
	if (rc == -1)
		return -1;
	return scheme_printf(out, reason, "X-Twilio-Signature: %s\n", mac);
}
