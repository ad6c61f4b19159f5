/*
 * test_verify.c: HMAC-SHA256 against RFC 4231, and the verdicts of
 * verify_signature() on the signed events in tests/data/signed-events.txt.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "verify.h"
#include "unit.h"

#define LINE_MAX_LEN	4096

static const char *seed_body = "{\"id\":\"a056V7R7NmNRjl70\","
    "\"type\":\"conversation.updated\","
    "\"payload\":{\"id\":\"WAz8eIbvDR60rouK\"}}";

/* Decode hex into out (outlen bytes); returns the length or -1. */
static long
unhex(const char *hex, unsigned char *out, size_t outlen)
{
	size_t		 n = strlen(hex), i;
	unsigned int	 b;

	if (n % 2 != 0 || n / 2 > outlen)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (!isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1]) ||
		    sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return (long)(n / 2);
}

/* Split line at tabs into at most nf fields; the last takes the rest. */
static size_t
split(char *line, char **f, size_t nf)
{
	size_t	 n = 0;
	char	*t;

	line[strcspn(line, "\n")] = '\0';
	f[n++] = line;
	while (n < nf && (t = strchr(f[n - 1], '\t')) != NULL) {
		*t = '\0';
		f[n++] = t + 1;
	}
	return n;
}

static void
test_rfc4231(void)
{
	unsigned char	 key[256], data[256];
	char		 line[LINE_MAX_LEN], path[1024];
	char		 hex[VERIFY_HEX_LEN + 1];
	char		*f[4];
	const char	*reason = NULL;
	long		 klen, dlen;
	size_t		 mlen;
	unsigned	 lineno = 0, ncases = 0;
	FILE		*fp;

	fp = fopen(unit_data("rfc4231.txt", path, sizeof(path)), "r");
	REQUIRE(fp != NULL, "unable to open %s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		REQUIRE(split(line, f, 4) == 4, "rfc4231.txt:%u: 4 fields",
		    lineno);
		klen = unhex(f[1], key, sizeof(key));
		dlen = unhex(f[2], data, sizeof(data));
		mlen = strlen(f[3]);
		REQUIRE(klen > 0 && dlen > 0 && mlen >= 32 &&
		    mlen <= VERIFY_HEX_LEN, "rfc4231.txt:%u: bad hex", lineno);
		CHECK(verify_sign(key, klen, data, dlen, hex, &reason) == 0,
		    "case %s: verify_sign failed: %s", f[0], reason);
		CHECK(strlen(hex) == VERIFY_HEX_LEN, "case %s: length %zu",
		    f[0], strlen(hex));
		/* Case 5 gives a truncated MAC: compare its prefix. */
		CHECK(strncmp(hex, f[3], mlen) == 0, "case %s: got %s, want %s",
		    f[0], hex, f[3]);
		if (mlen == VERIFY_HEX_LEN) {
			struct config_secret	sec = { key, (size_t)klen };

			CHECK(verify_signature(f[3], data, dlen, &sec, 1,
			    &reason) == VERIFY_OK, "case %s: not verified",
			    f[0]);
		}
		ncases++;
	}
	CHECK(!ferror(fp), "error reading rfc4231.txt");
	fclose(fp);
	CHECK(ncases == 7, "rfc4231.txt has %u cases, not 7", ncases);
}

static enum verify_result
verdict(const char *s)
{
	if (strcmp(s, "ok") == 0)
		return VERIFY_OK;
	if (strcmp(s, "missing") == 0)
		return VERIFY_MISSING;
	if (strcmp(s, "malformed") == 0)
		return VERIFY_MALFORMED;
	if (strcmp(s, "mismatch") == 0)
		return VERIFY_MISMATCH;
	return VERIFY_ERROR;
}

static void
test_signed_events(void)
{
	struct config_secret	 sec;
	enum verify_result	 want, got;
	char			 line[LINE_MAX_LEN], path[1024];
	char			 hex[VERIFY_HEX_LEN + 1], *f[4];
	const char		*reason;
	unsigned		 lineno = 0, ncases = 0, nseed = 0;
	unsigned		 seen[4] = { 0 };
	FILE			*fp;

	fp = fopen(unit_data("signed-events.txt", path, sizeof(path)), "r");
	REQUIRE(fp != NULL, "unable to open %s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		REQUIRE(strchr(line, '\n') != NULL, "signed-events.txt:%u: "
		    "line too long", lineno);
		if (line[0] == '#' || line[0] == '\n')
			continue;
		REQUIRE(split(line, f, 4) == 4, "signed-events.txt:%u: "
		    "4 fields", lineno);
		want = verdict(f[0]);
		REQUIRE(want != VERIFY_ERROR, "signed-events.txt:%u: "
		    "verdict %s", lineno, f[0]);
		sec.sec_key = (unsigned char *)f[1];
		sec.sec_len = strlen(f[1]);
		reason = NULL;
		got = verify_signature(f[2], f[3], strlen(f[3]), &sec, 1,
		    &reason);
		CHECK(got == want, "signed-events.txt:%u: got %d, want %s",
		    lineno, (int)got, f[0]);
		CHECK(got == VERIFY_OK || reason != NULL,
		    "signed-events.txt:%u: no reason", lineno);
		/* verify_sign signs as the sender, in lower case. */
		if (want == VERIFY_OK)
			CHECK(verify_sign(f[1], strlen(f[1]), f[3],
			    strlen(f[3]), hex, &reason) == 0 &&
			    strcasecmp(hex, f[2]) == 0,
			    "signed-events.txt:%u: verify_sign gives %s",
			    lineno, hex);
		if (want == VERIFY_OK && strcmp(f[3], seed_body) == 0)
			nseed++;
		seen[want]++;
		ncases++;
	}
	CHECK(!ferror(fp), "error reading signed-events.txt");
	fclose(fp);
	CHECK(ncases >= 10, "only %u signed events", ncases);
	CHECK(seen[VERIFY_OK] && seen[VERIFY_MISSING] &&
	    seen[VERIFY_MALFORMED] && seen[VERIFY_MISMATCH],
	    "signed-events.txt lacks a verdict");
	CHECK(nseed > 0, "the seed's example body is not in the data");
}

static void
test_signature_forms(void)
{
	struct config_secret	 secs[2];
	char			 good[VERIFY_HEX_LEN + 1];
	char			 other[VERIFY_HEX_LEN + 1];
	char			 sig[2 * VERIFY_HEX_LEN + 2];
	const char		*reason = NULL;
	size_t			 i, len = strlen(seed_body);

	secs[0].sec_key = (unsigned char *)"old-key";
	secs[0].sec_len = 7;
	secs[1].sec_key = (unsigned char *)"new-key";
	secs[1].sec_len = 7;
	REQUIRE(verify_sign("new-key", 7, seed_body, len, good, &reason) == 0,
	    "verify_sign: %s", reason);
	REQUIRE(verify_sign("new-key", 7, "{}", 2, other, &reason) == 0,
	    "verify_sign: %s", reason);
	for (i = 0; i < VERIFY_HEX_LEN; i++)
		CHECK(isxdigit((unsigned char)good[i]) &&
		    !isupper((unsigned char)good[i]), "not lower-case hex: %s",
		    good);

	/* Key rotation: the second of two secrets matches. */
	CHECK(verify_signature(good, seed_body, len, secs, 2, &reason) ==
	    VERIFY_OK, "second secret not tried");
	CHECK(verify_signature(good, seed_body, len, secs, 1, &reason) ==
	    VERIFY_MISMATCH, "verified by the wrong secret");
	CHECK(verify_signature(good, seed_body, len, secs, 0, &reason) ==
	    VERIFY_MISMATCH, "verified with no secret");

	/* Upper case. */
	for (i = 0; i < VERIFY_HEX_LEN; i++)
		sig[i] = toupper((unsigned char)good[i]);
	sig[VERIFY_HEX_LEN] = '\0';
	CHECK(verify_signature(sig, seed_body, len, secs, 2, &reason) ==
	    VERIFY_OK, "upper-case hex refused");

	/* 63 and 65 digits. */
	memcpy(sig, good, VERIFY_HEX_LEN - 1);
	sig[VERIFY_HEX_LEN - 1] = '\0';
	CHECK(verify_signature(sig, seed_body, len, secs, 2, &reason) ==
	    VERIFY_MALFORMED, "63 digits accepted");
	memcpy(sig, good, VERIFY_HEX_LEN);
	sig[VERIFY_HEX_LEN] = '0';
	sig[VERIFY_HEX_LEN + 1] = '\0';
	CHECK(verify_signature(sig, seed_body, len, secs, 2, &reason) ==
	    VERIFY_MALFORMED, "65 digits accepted");
	/* Half a MAC, as gcry_mac_verify alone would accept. */
	memcpy(sig, good, VERIFY_HEX_LEN / 2);
	sig[VERIFY_HEX_LEN / 2] = '\0';
	CHECK(verify_signature(sig, seed_body, len, secs, 2, &reason) ==
	    VERIFY_MALFORMED, "32 digits accepted");

	/* Non-hex, in every position class. */
	memcpy(sig, good, VERIFY_HEX_LEN + 1);
	sig[0] = 'g';
	CHECK(verify_signature(sig, seed_body, len, secs, 2, &reason) ==
	    VERIFY_MALFORMED, "non-hex first digit accepted");
	memcpy(sig, good, VERIFY_HEX_LEN + 1);
	sig[VERIFY_HEX_LEN - 1] = ' ';
	CHECK(verify_signature(sig, seed_body, len, secs, 2, &reason) ==
	    VERIFY_MALFORMED, "space as last digit accepted");

	/* Missing. */
	reason = NULL;
	CHECK(verify_signature(NULL, seed_body, len, secs, 2, &reason) ==
	    VERIFY_MISSING && reason != NULL, "NULL not missing");
	CHECK(verify_signature("", seed_body, len, secs, 2, &reason) ==
	    VERIFY_MISSING, "empty not missing");

	/* A signature over other bytes. */
	CHECK(verify_signature(other, seed_body, len, secs, 2, &reason) ==
	    VERIFY_MISMATCH, "signature of other bytes accepted");
	/* The same body but one byte shorter. */
	CHECK(verify_signature(good, seed_body, len - 1, secs, 2, &reason) ==
	    VERIFY_MISMATCH, "signature of a longer body accepted");
	/* Bytes after a NUL count. */
	CHECK(verify_sign("k", 1, "a\0b", 3, good, &reason) == 0 &&
	    verify_sign("k", 1, "a\0c", 3, other, &reason) == 0 &&
	    strcmp(good, other) != 0, "bytes after a NUL not signed");
}

/* verify_hex: two lower-case digits a byte, a NUL, nothing past 2 * len. */
static void
test_hex(void)
{
	static const unsigned char	 in[] = { 0x00, 0x0f, 0xa5, 0xff, 0x10 };
	char				 out[2 * sizeof(in) + 2];

	memset(out, 'x', sizeof(out));
	verify_hex(in, sizeof(in), out);
	CHECK(strcmp(out, "000fa5ff10") == 0, "verify_hex gave %s", out);
	CHECK(out[sizeof(out) - 1] == 'x', "verify_hex wrote past its end");
	verify_hex(in, 0, out);
	CHECK(out[0] == '\0', "verify_hex of nothing is not empty");
}

int
main(void)
{
	const char	*reason = NULL;

	REQUIRE(verify_init(&reason) == 0, "verify_init: %s", reason);
	CHECK(verify_init(&reason) == 0, "second verify_init failed");
	test_rfc4231();
	test_signed_events();
	test_signature_forms();
	test_hex();
	return unit_done("test_verify");
}
