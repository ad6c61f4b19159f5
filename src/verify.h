/*
 * verify.h: HMAC-SHA256 signatures of webhook bodies (libgcrypt).
 */
#ifndef HOOKSPOOL_VERIFY_H
#define HOOKSPOOL_VERIFY_H

#include <stddef.h>

#include "config.h"

#define VERIFY_MAC_LEN	32
#define VERIFY_HEX_LEN	(2 * VERIFY_MAC_LEN)

enum verify_result {
	VERIFY_OK = 0,
	VERIFY_MISSING,		/* no signature header */
	VERIFY_MALFORMED,	/* not exactly 64 hex digits */
	VERIFY_MISMATCH,	/* matches none of the secrets */
	VERIFY_ERROR		/* libgcrypt failed */
};

/*
 * Initialise libgcrypt once per process, before any other call here.
 * Returns 0, or -1 with a static reason in *reason.
 */
int verify_init(const char **reason);

/*
 * Check sig (the header value; may be NULL) against the HMAC-SHA256 of
 * body[0..len) under each of the secrets. sig must be exactly 64 hex
 * digits, either case; the comparison is constant-time. Sets *reason to a
 * static string on anything but VERIFY_OK.
 */
enum verify_result verify_signature(const char *sig, const void *body,
    size_t len, const struct config_secret *secrets, size_t nsecrets,
    const char **reason);

/*
 * Write the lower-case hex HMAC-SHA256 of body under key, and a NUL, to
 * hex (VERIFY_HEX_LEN + 1 bytes). Returns 0, or -1 with *reason set.
 */
int verify_sign(const void *key, size_t keylen, const void *body, size_t len,
    char hex[VERIFY_HEX_LEN + 1], const char **reason);

/*
 * Write the len bytes of in as lower-case hex digits, and a NUL, to out,
 * which the caller provides with room for 2 * len + 1 bytes. Needs no
 * verify_init().
 */
void verify_hex(const unsigned char *in, size_t len, char *out);

/* One piece of the signed bytes: schemes sign "TS.body" and the like. */
struct verify_part {
	const void	*vp_data;
	size_t		 vp_len;
};

/* The value of hex digit c (either case), or -1. */
int verify_hex_digit(unsigned char c);

/*
 * Decode s[0..len), which must be exactly 2 * n hex digits of either case,
 * into out (n bytes). Returns 0, or -1 (out may then be written in part).
 */
int verify_unhex_n(const char *s, size_t len, unsigned char *out, size_t n);

/*
 * Decode sig[0..len), which must be exactly VERIFY_HEX_LEN hex digits of
 * either case, into mac. Returns 0, or -1.
 */
int verify_unhex(const char *sig, size_t len,
    unsigned char mac[VERIFY_MAC_LEN]);

/*
 * Decode s[0..len), standard base64 (RFC 4648: '+' and '/', padded to a
 * multiple of four, no white space, unused bits zero), into out (cap
 * bytes); the length goes to *outlen. Returns 0, or -1 when s is not
 * such base64 or out is too small.
 */
int verify_base64(const char *s, size_t len, unsigned char *out, size_t cap,
    size_t *outlen);

/*
 * Whether one of the candidate MACs macs[0..nmacs) is the HMAC-SHA256 of
 * the concatenated parts under one of the secrets: VERIFY_OK, else
 * VERIFY_MISMATCH (also when nmacs is 0) or VERIFY_ERROR, with a static
 * *reason. Every comparison is constant-time.
 */
enum verify_result verify_macs(const struct verify_part *parts, size_t nparts,
    const unsigned char (*macs)[VERIFY_MAC_LEN], size_t nmacs,
    const struct config_secret *secrets, size_t nsecrets,
    const char **reason);

/*
 * The HMAC-SHA256 of the concatenated parts under sec, into mac. Returns
 * 0, or -1 with a static reason (mac is then wiped).
 */
int verify_mac(const struct config_secret *sec, const struct verify_part *parts,
    size_t nparts, unsigned char mac[VERIFY_MAC_LEN], const char **reason);

/*
 * The SHA-256 of the concatenated parts, into sum (VERIFY_MAC_LEN bytes).
 * Returns 0, or -1 if libgcrypt failed (sum is then wiped).
 */
int verify_sha256(const struct verify_part *parts, size_t nparts,
    unsigned char sum[VERIFY_MAC_LEN]);

/*
 * in[0..len) as standard, padded base64 and a NUL into out, which has room
 * for 4 * ((len + 2) / 3) + 1 bytes.
 */
void verify_base64_encode(const unsigned char *in, size_t len, char *out);

#endif
