/*
 * verify.c: HMAC-SHA256 with libgcrypt. The MAC is checked over the raw
 * body bytes, before anything looks inside them.
 */
#include <string.h>

#include <gcrypt.h>

#include "verify.h"

#define VERIFY_GCRYPT_VERSION	"1.8.0"

int
verify_init(const char **reason)
{
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
		return 0;
	if (gcry_check_version(VERIFY_GCRYPT_VERSION) == NULL) {
		*reason = "libgcrypt is older than " VERIFY_GCRYPT_VERSION;
		return -1;
	}
	/* Keys live in ordinary memory, wiped after use; no secure pool. */
	gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	return 0;
}

void
verify_hex(const unsigned char *in, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly VERIFY_HEX_LEN hex digits, either case, into mac. */
static int
decode_hex(const char *sig, unsigned char mac[VERIFY_MAC_LEN])
{
	size_t	i;
	int	hi, lo;

	if (strnlen(sig, VERIFY_HEX_LEN + 1) != VERIFY_HEX_LEN)
		return -1;
	for (i = 0; i < VERIFY_MAC_LEN; i++) {
		hi = hexval(sig[2 * i]);
		lo = hexval(sig[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* 0 when the MAC of body under key equals mac (gcry_mac_verify is constant-time). */
static gcry_error_t
check_one(const struct config_secret *sec, const void *body, size_t len,
    const unsigned char mac[VERIFY_MAC_LEN])
{
	gcry_mac_hd_t	hd;
	gcry_error_t	err;

	if ((err = gcry_mac_open(&hd, GCRY_MAC_HMAC_SHA256, 0, NULL)) != 0)
		return err;
	if ((err = gcry_mac_setkey(hd, sec->sec_key, sec->sec_len)) == 0 &&
	    (err = gcry_mac_write(hd, body, len)) == 0)
		err = gcry_mac_verify(hd, mac, VERIFY_MAC_LEN);
	gcry_mac_close(hd);
	return err;
}

enum verify_result
verify_signature(const char *sig, const void *body, size_t len,
    const struct config_secret *secrets, size_t nsecrets, const char **reason)
{
	unsigned char		mac[VERIFY_MAC_LEN];
	enum verify_result	res = VERIFY_MISMATCH;
	gcry_error_t		err;
	size_t			i;

	if (sig == NULL || *sig == '\0') {
		*reason = "signature header missing";
		return VERIFY_MISSING;
	}
	if (decode_hex(sig, mac) == -1) {
		*reason = "signature is not 64 hex digits";
		res = VERIFY_MALFORMED;
		goto done;
	}
	*reason = "signature matches no secret";
	for (i = 0; i < nsecrets; i++) {
		err = check_one(&secrets[i], body, len, mac);
		if (err == 0) {
			res = VERIFY_OK;
			break;
		}
		if (gcry_err_code(err) != GPG_ERR_CHECKSUM) {
			*reason = "unable to compute HMAC-SHA256";
			res = VERIFY_ERROR;
			break;
		}
	}
done:
	explicit_bzero(mac, sizeof(mac));
	return res;
}

int
verify_sign(const void *key, size_t keylen, const void *body, size_t len,
    char hex[VERIFY_HEX_LEN + 1], const char **reason)
{
	unsigned char		 mac[VERIFY_MAC_LEN];
	size_t			 maclen = sizeof(mac);
	gcry_mac_hd_t		 hd;
	gcry_error_t		 err;

	if ((err = gcry_mac_open(&hd, GCRY_MAC_HMAC_SHA256, 0, NULL)) != 0) {
		*reason = gcry_strerror(err);
		return -1;
	}
	if ((err = gcry_mac_setkey(hd, key, keylen)) == 0 &&
	    (err = gcry_mac_write(hd, body, len)) == 0)
		err = gcry_mac_read(hd, mac, &maclen);
	gcry_mac_close(hd);
	if (err != 0 || maclen != VERIFY_MAC_LEN) {
		*reason = err != 0 ? gcry_strerror(err) : "short MAC";
		explicit_bzero(mac, sizeof(mac));
		return -1;
	}
	verify_hex(mac, VERIFY_MAC_LEN, hex);
	explicit_bzero(mac, sizeof(mac));
	return 0;
}
