/*
 * fuzz_der.c: the DER parser (schemes/der.h) of SendGrid's public key and
 * ECDSA signatures, on any bytes.
 *
 * Properties: DER is canonical, so whatever the parser accepts must be
 * the one encoding of what it returns:
 *  - an accepted SubjectPublicKeyInfo is byte for byte the fixed prefix
 *    of a P-256 key's SPKI followed by the point it returned;
 *  - an accepted signature is byte for byte the DER its r and s encode
 *    to (shortest lengths, one 0x00 before a high bit, none otherwise),
 *    and neither r nor s is zero.
 * A refusal always comes with a reason.
 */
#include <string.h>

#include "fuzz.h"
#include "schemes/der.h"

static const uint8_t	*cur_data;
static size_t		 cur_size;

static void
fuzz_report(void)
{
	fuzz_dump("input", cur_data, cur_size);
}

/* INTEGER v (DER_P256_INT bytes, not zero) in DER into out; its length. */
static size_t
integer(const unsigned char *v, unsigned char *out)
{
	size_t	i = 0, n;

	while (i < DER_P256_INT - 1 && v[i] == 0)
		i++;
	n = DER_P256_INT - i;
	out[0] = 0x02;
	if (v[i] & 0x80) {
		out[1] = (unsigned char)(n + 1);
		out[2] = 0;
		memcpy(out + 3, v + i, n);
		return n + 3;
	}
	out[1] = (unsigned char)n;
	memcpy(out + 2, v + i, n);
	return n + 2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char	prefix[] = { 0x30, 0x59, 0x30, 0x13,
	    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
	    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00 };
	unsigned char			 q[DER_P256_POINT], r[DER_P256_INT];
	unsigned char			 s[DER_P256_INT], enc[80], zero[32];
	const char			*reason = NULL;
	size_t				 n;

	cur_data = data;
	cur_size = size;
	memset(zero, 0, sizeof(zero));
	if (der_spki_p256(data, size, q, &reason) == 0) {
		FUZZ_CHECK(size == sizeof(prefix) + DER_P256_POINT &&
		    memcmp(data, prefix, sizeof(prefix)) == 0 &&
		    memcmp(data + sizeof(prefix), q, DER_P256_POINT) == 0,
		    "an SPKI accepted that is not the canonical one");
	} else
		FUZZ_CHECK(reason != NULL, "an SPKI refused without a reason");
	reason = NULL;
	if (der_ecdsa_sig(data, size, r, s, &reason) == 0) {
		FUZZ_CHECK(memcmp(r, zero, sizeof(r)) != 0 &&
		    memcmp(s, zero, sizeof(s)) != 0, "r or s is zero");
		n = integer(r, enc + 2);
		n += integer(s, enc + 2 + n);
		enc[0] = 0x30;
		enc[1] = (unsigned char)n;
		FUZZ_CHECK(size == n + 2 && memcmp(data, enc, n + 2) == 0,
		    "a signature accepted that is not the canonical DER");
	} else
		FUZZ_CHECK(reason != NULL, "a signature refused without a "
		    "reason");
	return 0;
}
