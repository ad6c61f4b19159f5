/*
 * der.c: a small, strict DER reader for SendGrid's key and signatures
 * (der.h). Only definite lengths in their shortest form; every length is
 * checked against what is left; nothing may follow the outer structure.
 */
#include <string.h>

#include "schemes/der.h"

#define DER_SEQUENCE	0x30
#define DER_INTEGER	0x02
#define DER_BIT_STRING	0x03
#define DER_OID		0x06

/* A cursor over the bytes still to read. */
struct der {
	const unsigned char	*d_p;
	size_t			 d_left;
};

/*
 * The element of tag at the cursor: its contents into *body and *blen,
 * the cursor moved past it. Lengths: short form below 128, else 0x81 or
 * 0x82 and the shortest number of bytes. Returns 0 or -1.
 */
static int
der_element(struct der *d, unsigned char tag, const unsigned char **body,
    size_t *blen)
{
	size_t	n, hdr = 2;

	if (d->d_left < 2 || d->d_p[0] != tag)
		return -1;
	n = d->d_p[1];
	if (n == 0x81) {
		if (d->d_left < 3 || d->d_p[2] < 0x80)
			return -1;	/* would fit the short form */
		n = d->d_p[2];
		hdr = 3;
	} else if (n == 0x82) {
		if (d->d_left < 4 || d->d_p[2] == 0)
			return -1;	/* would fit one byte */
		n = (size_t)d->d_p[2] << 8 | d->d_p[3];
		hdr = 4;
	} else if (n >= 0x80)
		return -1;	/* indefinite, or longer than we take */
	if (n > d->d_left - hdr)
		return -1;
	*body = d->d_p + hdr;
	*blen = n;
	d->d_p += hdr + n;
	d->d_left -= hdr + n;
	return 0;
}

/* The element of tag at the cursor must be exactly want[0..n). */
static int
der_exactly(struct der *d, unsigned char tag, const unsigned char *want,
    size_t n)
{
	const unsigned char	*body;
	size_t			 blen;

	if (der_element(d, tag, &body, &blen) == -1)
		return -1;
	return blen == n && memcmp(body, want, n) == 0 ? 0 : -1;
}

int
der_spki_p256(const unsigned char *der, size_t len,
    unsigned char q[DER_P256_POINT], const char **reason)
{
	/* 1.2.840.10045.2.1 and 1.2.840.10045.3.1.7 */
	static const unsigned char	ec[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d,
	    0x02, 0x01 };
	static const unsigned char	p256[] = { 0x2a, 0x86, 0x48, 0xce,
	    0x3d, 0x03, 0x01, 0x07 };
	struct der			 d = { der, len }, in, alg;
	const unsigned char		*body;
	size_t				 blen;

	*reason = "public_key is not the SubjectPublicKeyInfo of a P-256 key";
	if (der_element(&d, DER_SEQUENCE, &in.d_p, &in.d_left) == -1 ||
	    d.d_left != 0)
		return -1;
	if (der_element(&in, DER_SEQUENCE, &alg.d_p, &alg.d_left) == -1 ||
	    der_exactly(&alg, DER_OID, ec, sizeof(ec)) == -1 ||
	    der_exactly(&alg, DER_OID, p256, sizeof(p256)) == -1 ||
	    alg.d_left != 0)
		return -1;
	if (der_element(&in, DER_BIT_STRING, &body, &blen) == -1 ||
	    in.d_left != 0 || blen != 1 + DER_P256_POINT || body[0] != 0 ||
	    body[1] != 0x04)
		return -1;
	memcpy(q, body + 1, DER_P256_POINT);
	return 0;
}

/* A positive INTEGER in its shortest form, right-aligned into out. */
static int
der_integer(struct der *d, unsigned char out[DER_P256_INT])
{
	const unsigned char	*body;
	size_t			 blen;

	if (der_element(d, DER_INTEGER, &body, &blen) == -1 || blen == 0 ||
	    (body[0] & 0x80) != 0)
		return -1;	/* empty, or negative */
	if (body[0] == 0) {
		if (blen == 1 || (body[1] & 0x80) == 0)
			return -1;	/* zero, or a needless 0x00 */
		body++;
		blen--;
	}
	if (blen > DER_P256_INT)
		return -1;
	memset(out, 0, DER_P256_INT);
	memcpy(out + DER_P256_INT - blen, body, blen);
	return 0;
}

int
der_ecdsa_sig(const unsigned char *der, size_t len,
    unsigned char r[DER_P256_INT], unsigned char s[DER_P256_INT],
    const char **reason)
{
	struct der	d = { der, len }, in;

	*reason = "the signature is not a DER ECDSA signature";
	if (der_element(&d, DER_SEQUENCE, &in.d_p, &in.d_left) == -1 ||
	    d.d_left != 0 || der_integer(&in, r) == -1 ||
	    der_integer(&in, s) == -1 || in.d_left != 0)
		return -1;
	return 0;
}
