/*
 * pubkey.c: senders that sign with a private key and publish the public
 * one: Discord (Ed25519) and SendGrid (ECDSA over NIST P-256 with
 * SHA-256). The webhook's public_key = is the key; libgcrypt verifies
 * (gcry_pk_verify); the DER of SendGrid's key and signatures is parsed
 * strictly by der.c. hookspool cannot sign for them: only the sender
 * holds the private key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "json.h"
#include "schemes/der.h"
#include "schemes/schemes.h"

#define ED25519_KEY	32
#define ED25519_SIG	64
#define PUBKEY_TEXT_MAX	512	/* base64 of an SPKI, with room */

/* The sexp's verdict: SCHEME_OK, SCHEME_SIGNATURE or SCHEME_ERROR. */
static enum scheme_result
pk_verify(gcry_sexp_t sig, gcry_sexp_t data, gcry_sexp_t key,
    const char **reason)
{
	gcry_error_t	err;

	err = gcry_pk_verify(sig, data, key);
	if (err == 0)
		return SCHEME_OK;
	if (gcry_err_code(err) == GPG_ERR_BAD_SIGNATURE) {
		*reason = "signature does not verify with public_key";
		return SCHEME_SIGNATURE;
	}
	/* a point off the curve, a malformed value: not verified either */
	*reason = "signature or key refused by libgcrypt";
	return SCHEME_SIGNATURE;
}

/* Ed25519: sig (64 bytes) over ts followed by the body under key. */
static enum scheme_result
ed25519_verify(const unsigned char key[ED25519_KEY],
    const unsigned char sig[ED25519_SIG], const char *ts,
    const struct scheme_request *rq, const char **reason)
{
	gcry_sexp_t		 k = NULL, d = NULL, s = NULL;
	enum scheme_result	 r = SCHEME_ERROR;
	unsigned char		*msg;
	size_t			 tslen = strlen(ts);

	if ((msg = malloc(tslen + rq->sr_len + 1)) == NULL) {
		*reason = "out of memory";
		return SCHEME_ERROR;
	}
	memcpy(msg, ts, tslen);
	memcpy(msg + tslen, rq->sr_body, rq->sr_len);
	*reason = "unable to build the signature's terms";
	if (gcry_sexp_build(&k, NULL, "(public-key (ecc (curve Ed25519) "
	    "(flags eddsa) (q %b)))", ED25519_KEY, key) == 0 &&
	    gcry_sexp_build(&d, NULL, "(data (flags eddsa) (hash-algo sha512) "
	    "(value %b))", (int)(tslen + rq->sr_len), msg) == 0 &&
	    gcry_sexp_build(&s, NULL, "(sig-val (eddsa (r %b) (s %b)))", 32,
	    sig, 32, sig + 32) == 0)
		r = pk_verify(s, d, k, reason);
	gcry_sexp_release(k);
	gcry_sexp_release(d);
	gcry_sexp_release(s);
	free(msg);
	return r;
}

/* The answer to a Discord PING, or the event of a verified body. */
static enum scheme_result
discord_event(const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct json_member	 m[3];
	char			 sum[VERIFY_HEX_LEN + 1], *t = NULL;
	int			 type;
	enum scheme_result	 r;

	m[0].jm_name = "type";
	m[1].jm_name = "event";
	m[2].jm_name = "id";
	if (json_check_object(rq->sr_body, rq->sr_len, m, 3, reason) == -1)
		return SCHEME_EVENT;
	if (m[0].jm_count != 1 || m[0].jm_value == NULL ||
	    m[0].jm_valuelen != 1 || m[0].jm_value[0] < '0' ||
	    m[0].jm_value[0] > '9') {
		*reason = "type is not a number from 0 to 9";
		return SCHEME_EVENT;
	}
	type = m[0].jm_value[0] - '0';
	if (type == 0)		/* a webhook events PING */
		return scheme_answer(out, 204, NULL, NULL, reason);
	if (type == 1 && m[1].jm_count == 0)	/* an interactions PING */
		return scheme_answer(out, 200, "application/json",
		    strdup("{\"type\":1}"), reason);
	if (m[1].jm_count > 0) {	/* a webhook event: no id is sent */
		if ((r = scheme_body_sum(rq, sum, reason)) != SCHEME_OK)
			return r;
		return scheme_fill(rq, sum, NULL, NULL, "event.type",
		    &out->so_ev, reason);
	}
	if (asprintf(&t, "interaction.%d", type) < 0) {
		*reason = "out of memory";
		return SCHEME_ERROR;
	}
	r = scheme_fill(rq, NULL, "id", t, NULL, &out->so_ev, reason);
	free(t);
	return r;
}

/*
 * Discord: X-Signature-Ed25519 (hex) over X-Signature-Timestamp and the
 * body, with the application's public key (hex). PINGs are answered
 * (interactions: {"type":1}; webhook events: 204) and not spooled; a
 * webhook event's id is the body's SHA-256 and its type event.type; an
 * interaction's id is its "id" and its type interaction.N.
 */
enum scheme_result
scheme_discord_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	unsigned char		 key[ED25519_KEY], sig[ED25519_SIG];
	const char		*hex, *ts, *k = wh->wh_opt[CONFIG_OPT_PUBLIC_KEY];
	enum scheme_result	 r;

	hex = scheme_header(rq, "HTTP_X_SIGNATURE_ED25519");
	ts = scheme_header(rq, "HTTP_X_SIGNATURE_TIMESTAMP");
	if (hex == NULL || ts == NULL ||
	    verify_unhex_n(hex, strlen(hex), sig, ED25519_SIG) == -1) {
		*reason = "signature or timestamp missing or malformed";
		return SCHEME_SIGNATURE;
	}
	if (wh->wh_opt[CONFIG_OPT_TOLERANCE] != NULL &&
	    !scheme_timely(wh, rq, ts, reason))
		return SCHEME_SIGNATURE;
	if (verify_unhex_n(k, strlen(k), key, ED25519_KEY) == -1) {
		*reason = "public_key is not 64 hex digits";
		return SCHEME_ERROR;
	}
	if ((r = ed25519_verify(key, sig, ts, rq, reason)) != SCHEME_OK)
		return r;
	return discord_event(rq, out, reason);
}

/* The P-256 key of public_key = (base64 of its SPKI DER) into q. */
static int
p256_key(const struct config_webhook *wh, unsigned char q[DER_P256_POINT],
    const char **reason)
{
	const char	*k = wh->wh_opt[CONFIG_OPT_PUBLIC_KEY];
	unsigned char	 der[PUBKEY_TEXT_MAX];
	size_t		 n;

	if (verify_base64(k, strlen(k), der, sizeof(der), &n) == -1) {
		*reason = "public_key is not base64";
		return -1;
	}
	return der_spki_p256(der, n, q, reason);
}

/* ECDSA P-256 with SHA-256: sig (DER) over ts followed by the body. */
static enum scheme_result
p256_verify(const unsigned char q[DER_P256_POINT], const unsigned char *der,
    size_t derlen, const char *ts, const struct scheme_request *rq,
    const char **reason)
{
	struct verify_part	 parts[2];
	unsigned char		 r[DER_P256_INT], s[DER_P256_INT];
	unsigned char		 hash[VERIFY_MAC_LEN];
	gcry_sexp_t		 k = NULL, d = NULL, sg = NULL;
	enum scheme_result	 res = SCHEME_ERROR;

	if (der_ecdsa_sig(der, derlen, r, s, reason) == -1)
		return SCHEME_SIGNATURE;
	parts[0] = (struct verify_part){ ts, strlen(ts) };
	parts[1] = (struct verify_part){ rq->sr_body, rq->sr_len };
	if (verify_sha256(parts, 2, hash) == -1) {
		*reason = "unable to hash the body";
		return SCHEME_ERROR;
	}
	*reason = "unable to build the signature's terms";
	if (gcry_sexp_build(&k, NULL, "(public-key (ecc (curve \"NIST P-256\") "
	    "(q %b)))", DER_P256_POINT, q) == 0 &&
	    gcry_sexp_build(&d, NULL, "(data (flags raw) (value %b))",
	    (int)sizeof(hash), hash) == 0 &&
	    gcry_sexp_build(&sg, NULL, "(sig-val (ecdsa (r %b) (s %b)))",
	    DER_P256_INT, r, DER_P256_INT, s) == 0)
		res = pk_verify(sg, d, k, reason);
	gcry_sexp_release(k);
	gcry_sexp_release(d);
	gcry_sexp_release(sg);
	return res;
}

/*
 * SendGrid's Event Webhook: X-Twilio-Email-Event-Webhook-Signature, the
 * base64 of a DER ECDSA signature over X-Twilio-Email-Event-Webhook-
 * Timestamp and the body (a JSON array of events, spooled as one event of
 * type batch); the id is the body's SHA-256.
 */
enum scheme_result
scheme_sendgrid_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	unsigned char		 q[DER_P256_POINT], der[PUBKEY_TEXT_MAX];
	const char		*b64, *ts;
	char			 sum[VERIFY_HEX_LEN + 1];
	size_t			 n;
	enum scheme_result	 r;

	b64 = scheme_header(rq, "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE");
	ts = scheme_header(rq, "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP");
	if (b64 == NULL || ts == NULL || verify_base64(b64, strlen(b64), der,
	    sizeof(der), &n) == -1) {
		*reason = "signature or timestamp missing or malformed";
		return SCHEME_SIGNATURE;
	}
	if (wh->wh_opt[CONFIG_OPT_TOLERANCE] != NULL &&
	    !scheme_timely(wh, rq, ts, reason))
		return SCHEME_SIGNATURE;
	if (p256_key(wh, q, reason) == -1)
		return SCHEME_ERROR;
	if ((r = p256_verify(q, der, n, ts, rq, reason)) != SCHEME_OK)
		return r;
	if (json_check_array(rq->sr_body, rq->sr_len, reason) == -1)
		return SCHEME_EVENT;
	if ((r = scheme_body_sum(rq, sum, reason)) != SCHEME_OK)
		return r;
	return event_set(&out->so_ev, sum, strlen(sum), "batch", 5, reason) ==
	    0 ? SCHEME_OK : SCHEME_EVENT;
}

/* A public-key scheme: public_key =, and no secret. */
static int
pubkey_settings(const struct config_webhook *wh, const char **reason)
{
	if (wh->wh_opt[CONFIG_OPT_PUBLIC_KEY] == NULL) {
		*reason = "this scheme needs public_key = (the sender's public "
		    "key)";
		return -1;
	}
	if (wh->wh_nsecrets > 0 || wh->wh_nsecret_files > 0) {
		*reason = "this scheme verifies with public_key =; it takes "
		    "no secret";
		return -1;
	}
	return 0;
}

int
scheme_discord_configure(struct config_webhook *wh, const char **reason)
{
	unsigned char	key[ED25519_KEY];
	const char	*k = wh->wh_opt[CONFIG_OPT_PUBLIC_KEY];

	if (pubkey_settings(wh, reason) == -1)
		return -1;
	if (verify_unhex_n(k, strlen(k), key, ED25519_KEY) == -1) {
		*reason = "public_key must be the application's public key, "
		    "64 hex digits";
		return -1;
	}
	return 0;
}

int
scheme_sendgrid_configure(struct config_webhook *wh, const char **reason)
{
	unsigned char	q[DER_P256_POINT];

	if (pubkey_settings(wh, reason) == -1 || p256_key(wh, q, reason) == -1)
		return -1;
	return 0;
}
