/*
 * fuzz_signature.c: verify_signature() for the x-protocol-signature header
 * (scheme protocol), against 1 to 3 fixed secrets.
 *
 * The input: byte 0 chooses the case, the rest is the header value, a LF,
 * and the body (no LF: all header, empty body).
 *   bits 0-1  how many secrets: 1 + (bits % 3)
 *   bits 2-4  0 or 1: sign the body (the rest of the input, all of it) with
 *             one of the secrets and check that the signature verifies and
 *             that changed copies of it do not; 2 to 7: take the header
 *             value from the input
 *   bits 5-7  which secret signs (modulo how many there are)
 *
 * Properties:
 *  - VERIFY_OK only if the header is exactly 64 hex digits (verify_signature
 *    trims nothing: the value is used as the server hands it over) that
 *    equal, ignoring case, the HMAC-SHA256 of the body under one of the
 *    secrets, computed here through gcry_md with GCRY_MD_FLAG_HMAC (verify.c
 *    uses gcry_mac); and whenever that holds, VERIFY_OK.
 *  - Otherwise: VERIFY_MISSING for an empty header, VERIFY_MALFORMED for
 *    anything but 64 hex digits, VERIFY_MISMATCH for 64 hex digits that
 *    match no secret; never VERIFY_ERROR; always a reason.
 *  - A correct signature verifies in lower, upper and mixed case; the same
 *    signature truncated, extended by a digit or a space, prefixed by a
 *    space or with one digit changed does not; no secret at all verifies
 *    nothing.
 */
#include <string.h>
#include <strings.h>

#include <gcrypt.h>

#include "config.h"
#include "fuzz.h"
#include "verify.h"

static unsigned char		 long_key[100];
static struct config_secret	 secrets[3];
static const uint8_t		*cur_data;
static size_t			 cur_size;
static const char		*cur_header;

static void
fuzz_report(void)
{
	fuzz_dump("input", cur_data, cur_size);
	if (cur_header != NULL)
		fuzz_dump("header", cur_header, strlen(cur_header));
}

/* The lower-case hex HMAC-SHA256 of body under key, by gcry_md. */
static void
ref_hmac(const unsigned char *key, size_t keylen, const void *body,
    size_t len, char hex[VERIFY_HEX_LEN + 1])
{
	static const char	 digits[] = "0123456789abcdef";
	gcry_md_hd_t		 hd;
	unsigned char		*mac;
	size_t			 i;

	if (gcry_md_open(&hd, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC) != 0 ||
	    gcry_md_setkey(hd, key, keylen) != 0)
		abort();
	gcry_md_write(hd, body, len);
	if ((mac = gcry_md_read(hd, GCRY_MD_SHA256)) == NULL ||
	    gcry_md_get_algo_dlen(GCRY_MD_SHA256) != VERIFY_MAC_LEN)
		abort();
	for (i = 0; i < VERIFY_MAC_LEN; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 0xf];
	}
	hex[VERIFY_HEX_LEN] = '\0';
	gcry_md_close(hd);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*reason;
	char		 hex[VERIFY_HEX_LEN + 1];
	unsigned char	 aa[131];
	size_t		 i;

	if (verify_init(&reason) == -1) {
		fprintf(stderr, "verify_init: %s\n", reason);
		abort();
	}
	/* The reference HMAC is itself checked: RFC 4231 cases 2 and 6. */
	ref_hmac((const unsigned char *)"Jefe", 4,
	    "what do ya want for nothing?", 28, hex);
	if (strcmp(hex, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843") != 0)
		abort();
	memset(aa, 0xaa, sizeof(aa));
	ref_hmac(aa, sizeof(aa),
	    "Test Using Larger Than Block-Size Key - Hash Key First", 54, hex);
	if (strcmp(hex, "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54") != 0)
		abort();

	/* A real secret, one longer than a SHA-256 block holding a NUL, "k". */
	for (i = 0; i < sizeof(long_key); i++)
		long_key[i] = (unsigned char)(i * 37 + 11);
	long_key[40] = '\0';
	secrets[0].sec_key = (unsigned char *)"whsec-7f3a9c2e41b8";
	secrets[0].sec_len = 18;
	secrets[1].sec_key = long_key;
	secrets[1].sec_len = sizeof(long_key);
	secrets[2].sec_key = (unsigned char *)"k";
	secrets[2].sec_len = 1;
	return 0;
}

static int
is_hex64(const char *s)
{
	size_t	i;

	for (i = 0; i < VERIFY_HEX_LEN; i++)
		if (s[i] == '\0' || strchr("0123456789abcdefABCDEF", s[i]) ==
		    NULL)
			return 0;
	return s[VERIFY_HEX_LEN] == '\0';
}

/* verify_signature() on a copy of header in a buffer of its exact size. */
static enum verify_result
verify(const char *header, const void *body, size_t len, size_t nsecrets,
    const char **reason)
{
	enum verify_result	 res;
	char			*sig;
	size_t			 n = strlen(header);

	if ((sig = malloc(n + 1)) == NULL)
		abort();
	memcpy(sig, header, n + 1);
	cur_header = sig;
	*reason = NULL;
	res = verify_signature(sig, body, len, secrets, nsecrets, reason);
	FUZZ_CHECK(res == VERIFY_OK || *reason != NULL, "no reason for %d",
	    (int)res);
	FUZZ_CHECK(res != VERIFY_ERROR, "VERIFY_ERROR: %s", *reason);
	cur_header = NULL;
	free(sig);
	return res;
}

/* The verdict on any header value, against the reference. */
static void
check_header(const char *header, const void *body, size_t len,
    size_t nsecrets)
{
	enum verify_result	 res, want;
	const char		*reason;
	char			 hex[VERIFY_HEX_LEN + 1];
	size_t			 i;

	if (header[0] == '\0')
		want = VERIFY_MISSING;
	else if (!is_hex64(header))
		want = VERIFY_MALFORMED;
	else {
		want = VERIFY_MISMATCH;
		for (i = 0; i < nsecrets; i++) {
			ref_hmac(secrets[i].sec_key, secrets[i].sec_len, body,
			    len, hex);
			if (strcasecmp(hex, header) == 0)
				want = VERIFY_OK;
		}
	}
	res = verify(header, body, len, nsecrets, &reason);
	cur_header = header;
	FUZZ_CHECK(res == want, "verify_signature gave %d, want %d (%s)",
	    (int)res, (int)want, reason != NULL ? reason : "ok");
	cur_header = NULL;
}

/* A correct signature by secrets[which], and copies of it that are not. */
static void
check_signed(const void *body, size_t len, size_t nsecrets, size_t which,
    unsigned salt)
{
	static const char	 digits[] = "0123456789abcdef";
	const char		*reason;
	char			 hex[VERIFY_HEX_LEN + 1];
	char			 alt[VERIFY_HEX_LEN + 3];
	size_t			 i, k;

	ref_hmac(secrets[which].sec_key, secrets[which].sec_len, body, len,
	    hex);
	FUZZ_CHECK(verify(hex, body, len, nsecrets, &reason) == VERIFY_OK,
	    "a correct signature fails: %s", reason);
	/* upper case, and a mixture */
	for (i = 0; i <= VERIFY_HEX_LEN; i++)
		alt[i] = hex[i] >= 'a' ? (char)(hex[i] - 'a' + 'A') : hex[i];
	FUZZ_CHECK(verify(alt, body, len, nsecrets, &reason) == VERIFY_OK,
	    "an upper-case signature fails: %s", reason);
	for (i = 0; i < VERIFY_HEX_LEN; i++)
		if ((i * 7 + salt) % 3 == 0)
			alt[i] = hex[i];
	FUZZ_CHECK(verify(alt, body, len, nsecrets, &reason) == VERIFY_OK,
	    "a mixed-case signature fails: %s", reason);
	/* truncated by 1 to 63 digits */
	k = 1 + salt % (VERIFY_HEX_LEN - 1);
	memcpy(alt, hex, VERIFY_HEX_LEN - k);
	alt[VERIFY_HEX_LEN - k] = '\0';
	FUZZ_CHECK(verify(alt, body, len, nsecrets, &reason) ==
	    VERIFY_MALFORMED, "a signature cut by %zu digits passes", k);
	/* extended by a digit, by a space; a space in front */
	memcpy(alt, hex, VERIFY_HEX_LEN);
	alt[VERIFY_HEX_LEN] = digits[salt % 16];
	alt[VERIFY_HEX_LEN + 1] = '\0';
	FUZZ_CHECK(verify(alt, body, len, nsecrets, &reason) ==
	    VERIFY_MALFORMED, "a signature with a digit added passes");
	alt[VERIFY_HEX_LEN] = ' ';
	FUZZ_CHECK(verify(alt, body, len, nsecrets, &reason) ==
	    VERIFY_MALFORMED, "a signature with a space added passes");
	alt[0] = ' ';
	memcpy(alt + 1, hex, VERIFY_HEX_LEN + 1);
	FUZZ_CHECK(verify(alt, body, len, nsecrets, &reason) ==
	    VERIFY_MALFORMED, "a signature after a space passes");
	/* one digit changed */
	memcpy(alt, hex, VERIFY_HEX_LEN + 1);
	k = salt % VERIFY_HEX_LEN;
	alt[k] = digits[(strchr(digits, hex[k]) - digits + 1 + salt % 15) % 16];
	FUZZ_CHECK(verify(alt, body, len, nsecrets, &reason) ==
	    VERIFY_MISMATCH, "a signature with digit %zu changed passes", k);
	/* no secret: nothing verifies */
	FUZZ_CHECK(verify(hex, body, len, 0, &reason) == VERIFY_MISMATCH,
	    "a signature passes without any secret");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nl;
	const char	*reason;
	char		*header;
	size_t		 nsecrets, which, hlen;
	void		*body;
	size_t		 blen;

	cur_data = data;
	cur_size = size;
	cur_header = NULL;
	if (size == 0)
		return 0;
	nsecrets = 1 + (data[0] & 3) % 3;
	which = (data[0] >> 5) % nsecrets;

	if (((data[0] >> 2) & 7) < 2) {
		/* the body in a buffer of its exact size */
		blen = size - 1;
		if ((body = malloc(blen > 0 ? blen : 1)) == NULL)
			abort();
		memcpy(body, data + 1, blen);
		check_signed(body, blen, nsecrets, which, (unsigned)size);
		free(body);
		return 0;
	}

	nl = memchr(data + 1, '\n', size - 1);
	hlen = nl != NULL ? (size_t)(nl - data - 1) : size - 1;
	blen = nl != NULL ? size - 1 - hlen - 1 : 0;
	if ((header = malloc(hlen + 1)) == NULL ||
	    (body = malloc(blen > 0 ? blen : 1)) == NULL)
		abort();
	memcpy(header, data + 1, hlen);
	header[hlen] = '\0';	/* a NUL inside ends the value, as in C */
	memcpy(body, data + 1 + hlen + (nl != NULL), blen);
	check_header(header, body, blen, nsecrets);
	reason = NULL;
	FUZZ_CHECK(verify_signature(NULL, body, blen, secrets, nsecrets,
	    &reason) == VERIFY_MISSING && reason != NULL,
	    "no header is not VERIFY_MISSING");
	free(header);
	free(body);
	return 0;
}
