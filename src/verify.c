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

int
verify_hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
verify_unhex_n(const char *s, size_t len, unsigned char *out, size_t n)
{
	size_t	i;
	int	hi, lo;

	if (len != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		hi = verify_hex_digit((unsigned char)s[2 * i]);
		lo = verify_hex_digit((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
verify_unhex(const char *sig, size_t len, unsigned char mac[VERIFY_MAC_LEN])
{
	return verify_unhex_n(sig, len, mac, VERIFY_MAC_LEN);
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
	if (verify_unhex(sig, strnlen(sig, VERIFY_HEX_LEN + 1), mac) == -1) {
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

/* The value of a base64 digit (RFC 4648's alphabet), or -1. */
static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
verify_base64(const char *s, size_t len, unsigned char *out, size_t cap,
    size_t *outlen)
{
	size_t		i, n = 0, pad = 0;
	unsigned long	acc;
	int		v, j;

	if (len == 0 || len % 4 != 0)
		return -1;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	if (len / 4 * 3 - pad > cap)
		return -1;
	for (i = 0; i < len; i += 4) {
		acc = 0;
		for (j = 0; j < 4; j++) {
			if (i + j >= len - pad) {
				acc <<= 6;
				continue;
			}
			if ((v = b64val((unsigned char)s[i + j])) < 0)
				return -1;
			acc = acc << 6 | (unsigned long)v;
		}
		out[n++] = acc >> 16 & 0xff;
		if (i + 4 < len || pad < 2)
			out[n++] = acc >> 8 & 0xff;
		if (i + 4 < len || pad < 1)
			out[n++] = acc & 0xff;
	}
	/* canonical: the bits a padded group leaves over are zero */
	if ((pad == 1 && (b64val((unsigned char)s[len - 2]) & 0x3)) ||
	    (pad == 2 && (b64val((unsigned char)s[len - 3]) & 0xf)))
		return -1;
	*outlen = n;
	return 0;
}

/* Constant-time equality of two MACs. */
static int
mac_equal(const unsigned char *a, const unsigned char *b)
{
	unsigned char	d = 0;
	size_t		i;

	for (i = 0; i < VERIFY_MAC_LEN; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* The HMAC-SHA256 of the parts under sec into mac. */
static gcry_error_t
mac_of(const struct config_secret *sec, const struct verify_part *parts,
    size_t nparts, unsigned char mac[VERIFY_MAC_LEN])
{
	gcry_mac_hd_t	hd;
	gcry_error_t	err;
	size_t		i, maclen = VERIFY_MAC_LEN;

	if ((err = gcry_mac_open(&hd, GCRY_MAC_HMAC_SHA256, 0, NULL)) != 0)
		return err;
	err = gcry_mac_setkey(hd, sec->sec_key, sec->sec_len);
	for (i = 0; err == 0 && i < nparts; i++)
		err = gcry_mac_write(hd, parts[i].vp_data, parts[i].vp_len);
	if (err == 0)
		err = gcry_mac_read(hd, mac, &maclen);
	gcry_mac_close(hd);
	return err;
}

enum verify_result
verify_macs(const struct verify_part *parts, size_t nparts,
    const unsigned char (*macs)[VERIFY_MAC_LEN], size_t nmacs,
    const struct config_secret *secrets, size_t nsecrets, const char **reason)
{
	unsigned char	mine[VERIFY_MAC_LEN];
	size_t		i, j;
	int		hit = 0;

	for (i = 0; i < nsecrets && !hit; i++) {
		if (mac_of(&secrets[i], parts, nparts, mine) != 0) {
			explicit_bzero(mine, sizeof(mine));
			*reason = "unable to compute HMAC-SHA256";
			return VERIFY_ERROR;
		}
		/* every candidate is compared, whatever the first gave */
		for (j = 0; j < nmacs; j++)
			hit |= mac_equal(mine, macs[j]);
	}
	explicit_bzero(mine, sizeof(mine));
	if (!hit) {
		*reason = "signature matches no secret";
		return VERIFY_MISMATCH;
	}
	return VERIFY_OK;
}

int
verify_mac(const struct config_secret *sec, const struct verify_part *parts,
    size_t nparts, unsigned char mac[VERIFY_MAC_LEN], const char **reason)
{
	gcry_error_t	err;

	if ((err = mac_of(sec, parts, nparts, mac)) != 0) {
		explicit_bzero(mac, VERIFY_MAC_LEN);
		*reason = gcry_strerror(err);
		return -1;
	}
	return 0;
}

int
verify_sha256(const struct verify_part *parts, size_t nparts,
    unsigned char sum[VERIFY_MAC_LEN])
{
	gcry_md_hd_t	 hd;
	unsigned char	*out;
	size_t		 i;

	explicit_bzero(sum, VERIFY_MAC_LEN);
	if (gcry_md_open(&hd, GCRY_MD_SHA256, 0) != 0)
		return -1;
	for (i = 0; i < nparts; i++)
		gcry_md_write(hd, parts[i].vp_data, parts[i].vp_len);
	if ((out = gcry_md_read(hd, GCRY_MD_SHA256)) != NULL)
		memcpy(sum, out, VERIFY_MAC_LEN);
	gcry_md_close(hd);
	return out != NULL ? 0 : -1;
}

void
verify_base64_encode(const unsigned char *in, size_t len, char *out)
{
	static const char	digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long		acc;
	size_t			i, n = 0;

	for (i = 0; i < len; i += 3) {
		acc = (unsigned long)in[i] << 16;
		if (i + 1 < len)
			acc |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < len)
			acc |= in[i + 2];
		out[n++] = digits[acc >> 18 & 63];
		out[n++] = digits[acc >> 12 & 63];
		out[n++] = i + 1 < len ? digits[acc >> 6 & 63] : '=';
		out[n++] = i + 2 < len ? digits[acc & 63] : '=';
	}
	out[n] = '\0';
}
