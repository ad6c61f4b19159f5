/*
 * test_json.c: json_check_object()'s report of top-level members,
 * json_string_decode() and json_string_encode(). Which bodies pass is
 * tested through event_parse() (test_event, tests/data/events.txt) and
 * against Python's json module (tests/json_diff.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

static void
test_members(void)
{
	static const char	 body[] =
	    " {\"a\":\"x\\u0041\",\"n\":{\"a\":\"inner\"},\"\\u0062\":[1],"
	    "\"a\":\"second\",\"c\":\"\"}\n";
	struct json_member	 m[4] = {
		{ .jm_name = "a" }, { .jm_name = "b" }, { .jm_name = "c" },
		{ .jm_name = "missing" },
	};
	const char		*reason = NULL;

	REQUIRE(json_check_object(body, sizeof(body) - 1, m, 4, &reason) == 0,
	    "members body refused: %s", reason);
	CHECK(m[0].jm_count == 2, "a seen %u times", m[0].jm_count);
	CHECK(m[0].jm_raw != NULL && m[0].jm_rawlen == 7 &&
	    memcmp(m[0].jm_raw, "x\\u0041", 7) == 0, "a's raw value");
	CHECK(m[1].jm_count == 1 && m[1].jm_raw == NULL,
	    "b (spelled \\u0062) is an array: count %u", m[1].jm_count);
	CHECK(m[2].jm_count == 1 && m[2].jm_raw != NULL &&
	    m[2].jm_rawlen == 0, "c is the empty string");
	CHECK(m[3].jm_count == 0 && m[3].jm_raw == NULL, "missing is missing");
	CHECK(json_check_object("{}", 2, NULL, 0, &reason) == 0,
	    "{} without members: %s", reason);
	CHECK(json_check_object("{} ", 2, NULL, 0, &reason) == 0,
	    "only len bytes are read");
	CHECK(json_check_object("{\"a\":1", 6, NULL, 0, &reason) == -1 &&
	    strcmp(reason, "body is truncated JSON") == 0, "truncated: %s",
	    reason);
	CHECK(json_check_object("", 0, NULL, 0, &reason) == -1,
	    "empty text accepted");
}

static void
test_decode(void)
{
	static const struct {
		const char	*raw, *out;
		int		 lone;
	} cases[] = {
		{ "", "", 0 },
		{ "plain \xc3\xa9", "plain \xc3\xa9", 0 },
		{ "\\\"\\\\\\/\\b\\f\\n\\r\\t", "\"\\/\b\f\n\r\t", 0 },
		{ "\\u0041\\u00e9\\u20AC", "A\xc3\xa9\xe2\x82\xac", 0 },
		{ "\\ud83d\\ude00", "\xf0\x9f\x98\x80", 0 },
		{ "\\uDBFF\\uDFFF", "\xf4\x8f\xbf\xbf", 0 },
		{ "\\ud800", "\xef\xbf\xbd", 1 },
		{ "\\ude00\\ud83d", "\xef\xbf\xbd\xef\xbf\xbd", 1 },
		{ "\\ud83dx\\ude00", "\xef\xbf\xbdx\xef\xbf\xbd", 1 },
		{ "\\ud83d\\u0041", "\xef\xbf\xbd" "A", 1 },
	};
	char	buf[64];
	size_t	i, n, want;
	int	lone;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		want = strlen(cases[i].out);
		n = json_string_decode(cases[i].raw, strlen(cases[i].raw), buf,
		    sizeof(buf), &lone);
		CHECK(n == want && memcmp(buf, cases[i].out, n) == 0,
		    "decode case %zu: %zu bytes, want %zu", i, n, want);
		CHECK(lone == cases[i].lone, "decode case %zu: lone %d", i,
		    lone);
		/* too small a buffer: the full length, and no byte past cap */
		memset(buf, 'Z', sizeof(buf));
		n = json_string_decode(cases[i].raw, strlen(cases[i].raw), buf,
		    want / 2, &lone);
		CHECK(n == want && buf[want / 2] == 'Z', "decode case %zu "
		    "into %zu bytes", i, want / 2);
		CHECK(json_string_decode(cases[i].raw, strlen(cases[i].raw),
		    NULL, 0, &lone) == want, "decode case %zu: length only", i);
	}
}

/* UTF-8 of cp into buf; returns its length. */
static size_t
utf8(unsigned long cp, char *buf)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | cp >> 18);
	buf[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	buf[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Every code point but the surrogates, encoded and put in an object, is a
 * valid body that decodes to the same bytes; no raw control character,
 * DEL, C1 control, U+2028 or U+2029 is left in the encoded form.
 */
static void
test_encode_round_trip(void)
{
	struct json_member	 m = { .jm_name = "s" };
	const char		*reason;
	char			 in[8], out[16], body[96], *enc;
	unsigned long		 cp;
	size_t			 len, n, bad = 0;
	int			 lone;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		len = utf8(cp, in);
		in[len] = '\0';
		REQUIRE((enc = json_string_encode(in, len)) != NULL,
		    "json_string_encode");
		snprintf(body, sizeof(body), "{\"s\":%s}", enc);
		reason = NULL;
		if (json_check_object(body, strlen(body), &m, 1,
		    &reason) == -1 || m.jm_raw == NULL) {
			if (bad++ < 5)
				CHECK(0, "U+%04lX encoded as %s: %s", cp, enc,
				    reason);
		} else {
			n = json_string_decode(m.jm_raw, m.jm_rawlen, out,
			    sizeof(out), &lone);
			if ((n != len || memcmp(out, in, len) != 0 || lone) &&
			    bad++ < 5)
				CHECK(0, "U+%04lX does not round-trip", cp);
		}
		if (cp > 0 && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    cp == 0x2028 || cp == 0x2029) && strstr(enc, in) != NULL &&
		    bad++ < 5)
			CHECK(0, "U+%04lX is left raw: %s", cp, enc);
		free(enc);
	}
	CHECK(bad == 0, "%zu code points failed", bad);
	enc = json_string_encode("a\0b", 3);
	REQUIRE(enc != NULL, "json_string_encode");
	CHECK(strcmp(enc, "\"a\\u0000b\"") == 0, "NUL encoded as %s", enc);
	free(enc);
}

int
main(void)
{
	test_members();
	test_decode();
	test_encode_round_trip();
	return unit_done("test_json");
}
