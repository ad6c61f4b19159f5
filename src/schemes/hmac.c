/*
 * hmac.c: senders that sign the body alone with a shared secret (HMAC-
 * SHA256): Protocol, GitHub, Shopify, and any HMAC sender (hmac).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schemes/schemes.h"

static int body_mac(const struct config_webhook *, const char *, size_t, int,
    char [VERIFY_HEX_LEN + 1], const char **);

/* Protocol: hex HMAC of the body in header = (x-protocol-signature). */
enum scheme_result
scheme_protocol_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct event		*ev = &out->so_ev;
	switch (verify_signature(scheme_header(rq, wh->wh_cgi_header),
	    rq->sr_body, rq->sr_len, wh->wh_secrets, wh->wh_nsecrets, reason)) {
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
enum scheme_result
scheme_github_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct event		*ev = &out->so_ev;
	struct verify_part	 part = { rq->sr_body, rq->sr_len };
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig, *name;
	char			*action = NULL, *type = NULL;
	size_t			 n;

	sig = scheme_header(rq, "HTTP_X_HUB_SIGNATURE_256");
	if (sig != NULL && strncmp(sig, "sha256=", 7) == 0)
		scheme_add_mac(&m, sig + 7, strlen(sig + 7), 0);
	if ((r = scheme_check_macs(wh, &part, 1, &m, reason)) != SCHEME_OK)
		return r;
	if (event_check_body(rq->sr_body, rq->sr_len, reason) == -1)
		return SCHEME_EVENT;
	if ((name = scheme_header(rq, "HTTP_X_GITHUB_EVENT")) != NULL &&
	    event_body_string(rq->sr_body, rq->sr_len, "action", &action, &n,
	    reason) == -1)
		return SCHEME_EVENT;
	if (name != NULL && action != NULL &&
	    asprintf(&type, "%s.%s", name, action) == -1) {
		free(action);
		*reason = "out of memory";
		return SCHEME_EVENT;
	}
	r = scheme_unsigned_id(rq, ev, scheme_fill(rq,
	    scheme_header(rq, "HTTP_X_GITHUB_DELIVERY"), NULL,
	    type != NULL ? type : name, NULL, ev, reason), reason);
	free(action);
	free(type);
	return r;
}

/* Shopify: X-Shopify-Hmac-Sha256: B64 of the body; id and topic headers. */
enum scheme_result
scheme_shopify_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct event		*ev = &out->so_ev;
	struct verify_part	 part = { rq->sr_body, rq->sr_len };
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig, *id;

	if ((sig = scheme_header(rq, "HTTP_X_SHOPIFY_HMAC_SHA256")) != NULL)
		scheme_add_mac(&m, sig, strlen(sig), 1);
	if ((r = scheme_check_macs(wh, &part, 1, &m, reason)) != SCHEME_OK)
		return r;
	if ((id = scheme_header(rq, "HTTP_X_SHOPIFY_EVENT_ID")) == NULL)
		id = scheme_header(rq, "HTTP_X_SHOPIFY_WEBHOOK_ID");
	return scheme_unsigned_id(rq, ev, scheme_fill(rq, id, NULL,
	    scheme_header(rq, "HTTP_X_SHOPIFY_TOPIC"), NULL, ev, reason),
	    reason);
}

/*
 * Meta (Facebook, Instagram, WhatsApp): a POST as GitHub's X-Hub-
 * Signature-256, keyed with the app secret; no id is sent (the body's
 * SHA-256), the type is the body's "object". A GET is the subscription
 * check (handshake.c).
 */
enum scheme_result
scheme_meta_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct verify_part	 part = { rq->sr_body, rq->sr_len };
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig;
	char			 sum[VERIFY_HEX_LEN + 1];

	if (rq->sr_method != NULL && strcmp(rq->sr_method, "GET") == 0)
		return scheme_meta_subscribe(wh, rq, out, reason);
	sig = scheme_header(rq, "HTTP_X_HUB_SIGNATURE_256");
	if (sig != NULL && strncmp(sig, "sha256=", 7) == 0)
		scheme_add_mac(&m, sig + 7, strlen(sig + 7), 0);
	if ((r = scheme_check_macs(wh, &part, 1, &m, reason)) != SCHEME_OK ||
	    (r = scheme_body_sum(rq, sum, reason)) != SCHEME_OK)
		return r;
	return scheme_fill(rq, sum, NULL, NULL, "object", &out->so_ev, reason);
}

int
scheme_meta_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	char	mac[VERIFY_HEX_LEN + 1];

	(void)id;
	(void)type;
	(void)now;
	if (body_mac(wh, body, len, 0, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "X-Hub-Signature-256: sha256=%s\n",
	    mac);
}

/* Any HMAC sender: header =, prefix =, encoding =, and where id/type are. */
enum scheme_result
scheme_hmac_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct event		*ev = &out->so_ev;
	struct verify_part	 part = { rq->sr_body, rq->sr_len };
	struct scheme_macs	 m = { .sm_n = 0 };
	enum scheme_result	 r;
	const char		*sig, *prefix = wh->wh_opt[CONFIG_OPT_PREFIX];
	const char		*enc = wh->wh_opt[CONFIG_OPT_ENCODING];
	const char		*idf = wh->wh_opt[CONFIG_OPT_ID_FIELD];
	const char		*typef = wh->wh_opt[CONFIG_OPT_TYPE_FIELD];
	size_t			 plen = prefix != NULL ? strlen(prefix) : 0;

	m.sm_alg = scheme_hmac_alg(wh);
	sig = scheme_header(rq, wh->wh_cgi_header);
	if (sig != NULL && strncmp(sig, prefix != NULL ? prefix : "", plen) == 0)
		scheme_add_mac(&m, sig + plen, strlen(sig + plen),
		    enc != NULL && strcmp(enc, "base64") == 0);
	if ((r = scheme_check_macs(wh, &part, 1, &m, reason)) != SCHEME_OK)
		return r;
	r = scheme_fill(rq,
	    wh->wh_id_cgi != NULL ? scheme_header(rq, wh->wh_id_cgi) : NULL,
	    wh->wh_id_cgi != NULL ? NULL : idf != NULL ? idf : "id",
	    wh->wh_type_cgi != NULL ? scheme_header(rq, wh->wh_type_cgi) : NULL,
	    wh->wh_type_cgi != NULL ? NULL : typef != NULL ? typef : "type",
	    ev, reason);
	return scheme_id_unsigned(wh) ? scheme_unsigned_id(rq, ev, r, reason) :
	    r;
}

enum scheme_alg
scheme_hmac_alg(const struct config_webhook *wh)
{
	const char	*alg = wh->wh_opt[CONFIG_OPT_ALGORITHM];

	if (alg != NULL && strcmp(alg, "sha1") == 0)
		return SCHEME_SHA1;
	if (alg != NULL && strcmp(alg, "sha512") == 0)
		return SCHEME_SHA512;
	return SCHEME_SHA256;
}

/* hmac's settings: header required, one source each for id and type. */
int
scheme_hmac_configure(struct config_webhook *wh, const char **reason)
{
	const char	*enc = wh->wh_opt[CONFIG_OPT_ENCODING];
	const char	*alg = wh->wh_opt[CONFIG_OPT_ALGORITHM];
	char *const	*o = wh->wh_opt;

	if (alg != NULL && strcmp(alg, "sha1") != 0 &&
	    strcmp(alg, "sha256") != 0 && strcmp(alg, "sha512") != 0) {
		*reason = "algorithm must be sha1, sha256 or sha512";
		return -1;
	}

	if (!scheme_usable_path(o[CONFIG_OPT_ID_FIELD]) ||
	    !scheme_usable_path(o[CONFIG_OPT_TYPE_FIELD])) {
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

/* The MAC of the body alone, hex or base64, into mac. */
static int
body_mac(const struct config_webhook *wh, const char *body, size_t len,
    int base64, char mac[VERIFY_HEX_LEN + 1], const char **reason)
{
	struct verify_part	part = { body, len };

	return scheme_sign_parts(wh, &part, 1, base64, mac, reason);
}

/* Both --id and --type, for the senders that send them in headers. */
static int
need_id_type(const char *id, const char *type, const char **reason)
{
	if (id != NULL && type != NULL)
		return 0;
	*reason = "this scheme needs --id and --type";
	return -1;
}

int
scheme_protocol_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	char	mac[VERIFY_HEX_LEN + 1];

	(void)id;
	(void)type;
	(void)now;
	if (body_mac(wh, body, len, 0, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "x-protocol-signature: %s\n", mac);
}

int
scheme_github_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	char	mac[VERIFY_HEX_LEN + 1];

	(void)now;
	if (need_id_type(id, type, reason) == -1 ||
	    body_mac(wh, body, len, 0, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "X-Hub-Signature-256: sha256=%s\n"
	    "X-GitHub-Delivery: %s\nX-GitHub-Event: %s\n", mac, id, type);
}

int
scheme_shopify_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	char	mac[VERIFY_HEX_LEN + 1];

	(void)now;
	if (need_id_type(id, type, reason) == -1 ||
	    body_mac(wh, body, len, 1, mac, reason) == -1)
		return -1;
	return scheme_printf(out, reason, "X-Shopify-Hmac-Sha256: %s\n"
	    "X-Shopify-Topic: %s\nX-Shopify-Event-Id: %s\n", mac, type, id);
}
