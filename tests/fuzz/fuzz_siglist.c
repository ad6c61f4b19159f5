/*
 * fuzz_siglist.c: the list headers of Stripe, Paddle and Calendly
 * (scheme_sig_list(), schemes/schemes.h) on any text. Byte 0 chooses the
 * shape: even, Paddle's "ts=TS;h1=HEX;..."; odd, Stripe's and Calendly's
 * "t=TS,v1=HEX,...". The rest, up to a NUL, is the header's value.
 *
 * Properties, against a reference that splits the text itself:
 *  - the timestamp is the value of the first entry with the timestamp's
 *    key, when that is shorter than SCHEME_TS_MAX, else empty, and it
 *    holds no separator;
 *  - the MACs are, in order, the first eight entries with the MAC's key
 *    whose values are 64 hex digits, decoded.
 */
#include <string.h>

#include "fuzz.h"
#include "schemes/schemes.h"

static const uint8_t	*cur_data;
static size_t		 cur_size;

static void
fuzz_report(void)
{
	fuzz_dump("input", cur_data, cur_size);
}

static int
hexval(char c)
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
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scheme_macs	 m = { .sm_n = 0 };
	unsigned char		 want[VERIFY_MAC_LEN];
	char			 ts[SCHEME_TS_MAX], text[4096], sep;
	const char		*tkey, *mkey, *p, *end;
	size_t			 n, tn, mn, nmacs = 0, i;
	int			 seen_ts = 0, ok;

	cur_data = data;
	cur_size = size;
	if (size < 1 || size > sizeof(text))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	sep = data[0] & 1 ? ',' : ';';
	tkey = data[0] & 1 ? "t=" : "ts=";
	mkey = data[0] & 1 ? "v1=" : "h1=";
	tn = strlen(tkey);
	mn = strlen(mkey);
	scheme_sig_list(text, sep, tkey, mkey, ts, &m);
	FUZZ_CHECK(strchr(ts, sep) == NULL, "the timestamp holds '%c'", sep);
	for (p = text; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		if ((end = strchr(p, sep)) == NULL)
			end = p + strlen(p);
		n = end - p;
		if (n > tn && strncmp(p, tkey, tn) == 0 && !seen_ts &&
		    n - tn < SCHEME_TS_MAX) {
			seen_ts = 1;
			FUZZ_CHECK(strlen(ts) == n - tn &&
			    memcmp(ts, p + tn, n - tn) == 0,
			    "the timestamp is not the first one");
			continue;
		}
		if (!(n > mn && strncmp(p, mkey, mn) == 0) ||
		    n - mn != 2 * VERIFY_MAC_LEN || nmacs == SCHEME_MACS_MAX)
			continue;
		for (ok = 1, i = 0; i < VERIFY_MAC_LEN && ok; i++) {
			ok = hexval(p[mn + 2 * i]) >= 0 &&
			    hexval(p[mn + 2 * i + 1]) >= 0;
			if (ok)
				want[i] = (unsigned char)(hexval(p[mn + 2 * i])
				    << 4 | hexval(p[mn + 2 * i + 1]));
		}
		if (!ok)
			continue;
		FUZZ_CHECK(nmacs < m.sm_n && memcmp(m.sm_mac[nmacs], want,
		    VERIFY_MAC_LEN) == 0, "MAC %zu is not the entry's", nmacs);
		nmacs++;
	}
	FUZZ_CHECK(seen_ts || ts[0] == '\0', "a timestamp from nowhere");
	FUZZ_CHECK(nmacs == m.sm_n, "%zu MACs, the entries hold %zu", m.sm_n,
	    nmacs);
	return 0;
}
