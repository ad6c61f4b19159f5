/*
 * der.h: the two DER structures the public-key senders send, parsed
 * strictly (X.690's distinguished rules, nothing else accepted): SendGrid's
 * SubjectPublicKeyInfo of a NIST P-256 key (RFC 5480), and an ECDSA
 * signature (RFC 3279, Ecdsa-Sig-Value).
 */
#ifndef HOOKSPOOL_DER_H
#define HOOKSPOOL_DER_H

#include <stddef.h>

#define DER_P256_POINT	65	/* 0x04, X, Y: an uncompressed point */
#define DER_P256_INT	32	/* bytes of r and s */

/*
 * der[0..len) as the SubjectPublicKeyInfo of a P-256 key: SEQUENCE {
 * SEQUENCE { OID id-ecPublicKey, OID prime256v1 }, BIT STRING with no
 * unused bits holding an uncompressed point }, and nothing after it.
 * Lengths must be in their shortest form. The point goes to q (that it
 * lies on the curve is libgcrypt's to check). Returns 0, or -1 with a
 * static reason.
 */
int der_spki_p256(const unsigned char *der, size_t len,
    unsigned char q[DER_P256_POINT], const char **reason);

/*
 * der[0..len) as an ECDSA signature, SEQUENCE { INTEGER r, INTEGER s },
 * and nothing after it: lengths in their shortest form, each INTEGER
 * positive and non-zero, in its shortest form (a leading 0x00 only before
 * a byte of 0x80 or more), at most DER_P256_INT bytes of magnitude. r and
 * s go to r and s, right-aligned and zero-padded. Returns 0, or -1 with a
 * static reason.
 */
int der_ecdsa_sig(const unsigned char *der, size_t len,
    unsigned char r[DER_P256_INT], unsigned char s[DER_P256_INT],
    const char **reason);

#endif
