/*
 * ref_json_test.c: the fuzz targets' reference JSON checker, checked on its
 * own: a table of texts RFC 8259 allows and forbids, the event rules of hookspool.fcgi(8) for
 * id and type, decoding, and the verdicts of tests/data/events.txt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_json.h"
#include "../unit/unit.h"

#define LINE_MAX_LEN	8192

struct text {
	int		 t_ok;
	const char	*t_s;
	size_t		 t_len;
};

#define T(ok, s)	{ (ok), (s), sizeof(s) - 1 }

/* ref_json_object(): is it one RFC 8259 text holding an object? */
static const struct text json_cases[] = {
	T(1, "{}"),
	T(1, " {} "),
	T(1, "\t\r\n{}\r\n\t "),
	T(1, "{\"a\":1}"),
	T(1, "{ \"a\" : [ 1 , 2 , { \"b\" : null } ] , \"c\" : true , \"d\" : false }"),
	T(1, "{\"a\":{},\"b\":[],\"c\":[[]],\"d\":\"\"}"),
	T(1, "{\"n\":[0,-0,1,10,1.5,0.05,-0.5,1e5,1E5,1e+5,1e-5,1E-05,0e0,-1.0e-010]}"),
	T(1, "{\"n\":123456789012345678901234567890123456789}"),
	T(1, "{\"n\":1e999999,\"m\":-1e-999999}"),
	T(1, "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"),
	T(1, "{\"s\":\"\\u0000\\u001f\\u00e9\\uFFFF\\uffFe\"}"),
	T(1, "{\"s\":\"\\ud83d\\ude00\"}"),
	T(1, "{\"s\":\"\\ud800\"}"),		/* lone: valid JSON */
	T(1, "{\"s\":\"\\udc00\\ud800\"}"),
	T(1, "{\"s\":\"\x7f\"}"),			/* DEL is not a control in JSON */
	T(1, "{\"s\":\"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf\"}"),
	T(1, "{\"s\":\"\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf\"}"),
	T(1, "{\"\xc3\xa9\":\"\xe2\x9c\x93\"}"),
	T(1, "{\"a\":1,\"a\":2}"),		/* duplicates are JSON */
	T(0, ""),
	T(0, "   "),
	T(0, "[]"),
	T(0, "[{}]"),
	T(0, "\"{}\""),
	T(0, "1"),
	T(0, "null"),
	T(0, "true"),
	T(0, "{"),
	T(0, "}"),
	T(0, "{\"a\"}"),
	T(0, "{\"a\":}"),
	T(0, "{\"a\" 1}"),
	T(0, "{\"a\":1,}"),
	T(0, "{,}"),
	T(0, "{\"a\":1 \"b\":2}"),
	T(0, "{\"a\":[1,]}"),
	T(0, "{\"a\":[,1]}"),
	T(0, "{\"a\":[1 2]}"),
	T(0, "{'a':1}"),
	T(0, "{\"a\":'b'}"),
	T(0, "{a:1}"),
	T(0, "{\"a\":1}x"),
	T(0, "{\"a\":1}{}"),
	T(0, "{\"a\":1},"),
	T(0, "{\"a\":1}\v"),
	T(0, "\f{}"),
	T(0, "\xef\xbb\xbf{}"),			/* a byte order mark */
	T(0, "{\"a\":1}\0"),
	T(0, "\0{}"),
	T(0, "{\"a\":1 /* c */}"),
	T(0, "{\"a\":1} // c"),
	T(0, "{\"n\":NaN}"),
	T(0, "{\"n\":Infinity}"),
	T(0, "{\"n\":-Infinity}"),
	T(0, "{\"n\":-}"),
	T(0, "{\"n\":+1}"),
	T(0, "{\"n\":01}"),
	T(0, "{\"n\":-01}"),
	T(0, "{\"n\":00}"),
	T(0, "{\"n\":1.}"),
	T(0, "{\"n\":1.e5}"),
	T(0, "{\"n\":.5}"),
	T(0, "{\"n\":-.5}"),
	T(0, "{\"n\":1e}"),
	T(0, "{\"n\":1e+}"),
	T(0, "{\"n\":1E-}"),
	T(0, "{\"n\":0x10}"),
	T(0, "{\"n\":1_000}"),
	T(0, "{\"n\":tru}"),
	T(0, "{\"n\":True}"),
	T(0, "{\"n\":nul}"),
	T(0, "{\"n\":nulls}"),
	T(0, "{\"n\":undefined}"),
	T(0, "{\"s\":\"\\x41\"}"),
	T(0, "{\"s\":\"\\U0041\"}"),
	T(0, "{\"s\":\"\\u12\"}"),
	T(0, "{\"s\":\"\\u12G4\"}"),
	T(0, "{\"s\":\"\\a\"}"),
	T(0, "{\"s\":\"\\'\"}"),
	T(0, "{\"s\":\"\\\"}"),
	T(0, "{\"s\":\"unterminated}"),
	T(0, "{\"s\":\"a\tb\"}"),
	T(0, "{\"s\":\"a\nb\"}"),
	T(0, "{\"s\":\"a\rb\"}"),
	T(0, "{\"s\":\"\x01\"}"),
	T(0, "{\"s\":\"\x1f\"}"),
	T(0, "{\"s\":\"a\0b\"}"),
	T(0, "{\"s\n\":1}"),
	T(0, "{\"s\":\"\xc0\x80\"}"),		/* overlong */
	T(0, "{\"s\":\"\xc1\xbf\"}"),
	T(0, "{\"s\":\"\xe0\x80\xaf\"}"),
	T(0, "{\"s\":\"\xe0\x9f\xbf\"}"),
	T(0, "{\"s\":\"\xf0\x80\x80\xaf\"}"),
	T(0, "{\"s\":\"\xf0\x8f\xbf\xbf\"}"),
	T(0, "{\"s\":\"\xed\xa0\x80\"}"),		/* surrogates */
	T(0, "{\"s\":\"\xed\xbf\xbf\"}"),
	T(0, "{\"s\":\"\xf4\x90\x80\x80\"}"),	/* past U+10FFFF */
	T(0, "{\"s\":\"\xf5\x80\x80\x80\"}"),
	T(0, "{\"s\":\"\xf8\x88\x80\x80\x80\"}"),
	T(0, "{\"s\":\"\x80\"}"),
	T(0, "{\"s\":\"a\xbf" "b\"}"),
	T(0, "{\"s\":\"\xfe\"}"),
	T(0, "{\"s\":\"\xff\"}"),
	T(0, "{\"s\":\"\xc3\"}"),
	T(0, "{\"s\":\"\xe2\x9c\"}"),
	T(0, "{\"s\":\"\xe2\x9cx\"}"),
	T(0, "{\"s\":1}\xc3"),
	T(0, "{\"s\":\xc3\xa9}"),			/* non-ASCII outside a string */
};

/* ref_event_ok(): the rules' verdict on a verified body. */
static const struct text event_cases[] = {
	T(1, "{\"id\":\"a056V7R7NmNRjl70\",\"type\":\"conversation.updated\",\"payload\":{\"id\":\"WAz8eIbvDR60rouK\"}}"),
	T(1, "{\"type\":\"t\",\"id\":\"i\"}"),
	T(1, "{\"\\u0069d\":\"x\",\"typ\\u0065\":\"y\"}"),
	T(1, "{\"id\":\"x\",\"type\":\"y\",\"p\":{\"id\":\"1\",\"id\":\"2\"}}"),
	T(1, "{\"id\":\"x\",\"type\":\"y\",\"ID\":\"z\",\"Type\":\"w\"}"),
	T(1, "{\"id\":\"\\ud83d\\ude00\",\"type\":\"y\"}"),
	T(1, "{\"id\":\"x\",\"type\":\"y\",\"p\":\"\\ud800\"}"),
	T(1, "{\"id\":\"\xc2\xa0\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\",\"type\":\"y\"}"),
	T(1, "{\"id\":\"\\u00a0\\u2027\\u202f\\u2065\\u206a\\u007e\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"a\",\"id\":\"b\",\"type\":\"t\"}"),
	T(0, "{\"id\":\"a\",\"type\":\"t\",\"id\":\"a\"}"),
	T(0, "{\"id\":\"a\",\"\\u0069d\":\"b\",\"type\":\"t\"}"),
	T(0, "{\"id\":\"a\",\"type\":\"t\",\"type\":\"u\"}"),
	T(0, "{\"id\":\"a\",\"type\":\"t\",\"id\":1}"),
	T(0, "{\"id\\u0000\":\"x\",\"type\":\"y\"}"),	/* that key is not "id" */
	T(0, "{\"p\":{\"id\":\"x\"},\"type\":\"y\"}"),
	T(0, "{}"),
	T(0, "{\"type\":\"y\"}"),
	T(0, "{\"id\":\"x\"}"),
	T(0, "{\"id\":1,\"type\":\"y\"}"),
	T(0, "{\"id\":\"x\",\"type\":null}"),
	T(0, "{\"id\":[\"x\"],\"type\":\"y\"}"),
	T(0, "{\"id\":\"\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"x\",\"type\":\"\"}"),
	T(0, "{\"id\":\"\\ud800\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"\\udc00x\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"x\",\"type\":\"\\ud800\\u0041\"}"),
	T(0, "{\"id\":\"x\",\"type\":\"\\ude00\\ud83d\"}"),
	T(0, "{\"id\":\"\\u0000\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"x\\u001f\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"\\n\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"\\u007f\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"\x7f\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"\\u0080\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"\\u0085\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"\xc2\x85\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"x\",\"type\":\"\xc2\x9f\"}"),
	T(0, "{\"id\":\"\\u2028\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"x\",\"type\":\"\xe2\x80\xa9\"}"),
	T(0, "{\"id\":\"\\u202a\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"\\u202E\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"x\xe2\x80\xaex\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"\\u2066\",\"type\":\"y\"}"),
	T(0, "{\"id\":\"x\",\"type\":\"\xe2\x81\xa9\"}"),
	T(0, "{'id':'x','type':'y'}"),
	T(0, "{'id':\"x\",'type':\"y\"}"),
	T(0, "{\"id\":\"x\",\"type\":\"y\",\"n\":NaN}"),
};

static void
check_table(const char *name, const struct text *t, size_t n,
    int (*fn)(const struct text *, const char **))
{
	const char	*why;
	size_t		 i;
	int		 got;

	for (i = 0; i < n; i++) {
		why = NULL;
		got = fn(&t[i], &why);
		CHECK(got == t[i].t_ok, "%s[%zu] %s: %s (%s)", name, i,
		    t[i].t_ok ? "refused" : "accepted", t[i].t_s,
		    why != NULL ? why : "-");
		CHECK(got || why != NULL, "%s[%zu]: no reason", name, i);
	}
}

static int
json_verdict(const struct text *t, const char **why)
{
	return ref_json_object(t->t_s, t->t_len, REF_JSON_MAX_DEPTH, NULL, 0,
	    NULL, why);
}

static int
event_verdict(const struct text *t, const char **why)
{
	return ref_event_ok(t->t_s, t->t_len, NULL, NULL, NULL, NULL, why);
}

/* Whether a text is an object nested at most max_depth deep. */
static int
within(const char *s, int max_depth)
{
	return ref_json_object(s, strlen(s), max_depth, NULL, 0, NULL, NULL);
}

/* A text of depth containers around a value, inside {"p": ...}. */
static char *
nested(int depth, int objects)
{
	char	*s;
	size_t	 n = 0;
	int	 i;

	REQUIRE((s = malloc(16 + 8 * (size_t)depth)) != NULL, "malloc");
	n += (size_t)sprintf(s, "{\"p\":");
	for (i = 0; i < depth; i++)
		n += (size_t)sprintf(s + n, objects ? "{\"a\":" : "[");
	n += (size_t)sprintf(s + n, "1");
	for (i = 0; i < depth; i++)
		s[n++] = objects ? '}' : ']';
	s[n++] = '}';
	s[n] = '\0';
	return s;
}

static void
check_depth(void)
{
	char	*s;
	int	 objects;

	for (objects = 0; objects < 2; objects++) {
		/* the top-level object is level 1: 63 more pass, 64 do not */
		s = nested(63, objects);
		CHECK(within(s, REF_JSON_MAX_DEPTH), "depth 64 refused (%s)",
		    objects ? "objects" : "arrays");
		free(s);
		s = nested(64, objects);
		CHECK(!within(s, REF_JSON_MAX_DEPTH), "depth 65 accepted (%s)",
		    objects ? "objects" : "arrays");
		CHECK(within(s, REF_JSON_MAX_DEPTH + 1), "depth 65 refused "
		    "below 65 (%s)", objects ? "objects" : "arrays");
		free(s);
		s = nested(5000, objects);
		CHECK(!within(s, REF_JSON_MAX_DEPTH), "depth 5001 accepted (%s)",
		    objects ? "objects" : "arrays");
		free(s);
	}
}

static void
check_lengths(void)
{
	char	body[4096], *id;
	size_t	idlen, i, n;

	/* 1024 bytes pass, 1025 do not; two-byte characters count twice */
	for (n = 1023; n <= 1026; n++) {
		memcpy(body, "{\"type\":\"t\",\"id\":\"", 18);
		for (i = 0; i < n; i++)
			body[18 + i] = 'a';
		memcpy(body + 18 + n, "\"}", 3);
		CHECK(ref_event_ok(body, strlen(body), &id, &idlen, NULL, NULL,
		    &(const char *){ NULL }) == (n <= 1024), "id of %zu bytes",
		    n);
		if (n <= 1024) {
			CHECK(idlen == n && strlen(id) == n, "id length %zu", n);
			free(id);
		}
	}
	for (n = 511; n <= 513; n++) {
		memcpy(body, "{\"type\":\"t\",\"id\":\"", 18);
		for (i = 0; i < n; i++)
			memcpy(body + 18 + 2 * i, "\xc3\xa9", 2);
		memcpy(body + 18 + 2 * n, "\"}", 3);
		CHECK(ref_event_ok(body, strlen(body), NULL, NULL, NULL, NULL,
		    &(const char *){ NULL }) == (n <= 512),
		    "id of %zu two-byte characters", n);
	}
	/* \u escapes count as the bytes they decode to */
	memcpy(body, "{\"type\":\"t\",\"id\":\"", 18);
	for (i = 0; i < 342; i++)
		memcpy(body + 18 + 6 * i, "\\u2713", 6);	/* 3 bytes each */
	memcpy(body + 18 + 6 * 342, "\"}", 3);
	CHECK(ref_event_ok(body, strlen(body), NULL, NULL, NULL, NULL,
	    &(const char *){ NULL }) == 0, "id of 342 escaped U+2713");
	memcpy(body + 18 + 6 * 341, "\"}", 3);
	CHECK(ref_event_ok(body, strlen(body), NULL, NULL, NULL, NULL,
	    &(const char *){ NULL }) == 1, "id of 341 escaped U+2713");
}

static void
check_decoding(void)
{
	static const struct {
		const char	*d_body;
		const char	*d_id;
		size_t		 d_idlen;
	} cases[] = {
		{ "{\"id\":\"q\\\"b\\\\s\\/l\",\"type\":\"t\"}", "q\"b\\s/l", 7 },
		{ "{\"id\":\"\\u00e9t\\u00E9\",\"type\":\"t\"}", "\xc3\xa9t\xc3\xa9", 5 },
		{ "{\"id\":\"\\ud83d\\ude00!\",\"type\":\"t\"}", "\xf0\x9f\x98\x80!", 5 },
		{ "{\"id\":\"\xe2\x9c\x93\\u2713\",\"type\":\"t\"}", "\xe2\x9c\x93\xe2\x9c\x93", 6 },
		{ "{\"id\":\"\\uFFFF\",\"type\":\"t\"}", "\xef\xbf\xbf", 3 },
		{ "{\"id\":\"\\u0800\\u07ff\",\"type\":\"t\"}", "\xe0\xa0\x80\xdf\xbf", 5 },
	};
	struct ref_field	 f[3];
	const char		*why, *s;
	char			*id, *type, *out;
	size_t			 idlen, typelen, outlen, members, i;
	int			 lone;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		REQUIRE(ref_event_ok(cases[i].d_body, strlen(cases[i].d_body),
		    &id, &idlen, &type, &typelen, &why), "decoding[%zu]: %s",
		    i, why);
		CHECK(idlen == cases[i].d_idlen &&
		    memcmp(id, cases[i].d_id, idlen) == 0 && id[idlen] == '\0',
		    "decoding[%zu]: id %s", i, id);
		CHECK(typelen == 1 && strcmp(type, "t") == 0,
		    "decoding[%zu]: type %s", i, type);
		free(id);
		free(type);
	}

	/* raw bytes of values, counts, members */
	memset(f, 0, sizeof(f));
	f[0].rf_name = "event";
	f[1].rf_name = "a";
	f[2].rf_name = "none";
	s = "{\"a\":\"x\\u0000y\", \"event\" : {\"b\" : [1]} ,\"a\":2}";
	REQUIRE(ref_json_object(s, strlen(s), REF_JSON_MAX_DEPTH, f, 3,
	    &members, &why), "fields: %s", why);
	CHECK(members == 3, "members: %zu", members);
	CHECK(f[0].rf_count == 1 && f[0].rf_rawlen == 11 &&
	    memcmp(f[0].rf_raw, "{\"b\" : [1]}", 11) == 0 && !f[0].rf_string,
	    "event's raw bytes");
	CHECK(f[1].rf_count == 2 && f[1].rf_string && f[1].rf_len == 3 &&
	    memcmp(f[1].rf_value, "x\0y", 3) == 0, "a decoded");
	CHECK(f[2].rf_count == 0 && f[2].rf_value == NULL, "none");
	ref_json_clear(f, 3);

	/* ref_json_string */
	REQUIRE(ref_json_string("\"\"", 2, &out, &outlen, &lone), "\"\"");
	CHECK(outlen == 0 && out[0] == '\0' && !lone, "empty string");
	free(out);
	REQUIRE(ref_json_string("\"a\\ud800b\"", 10, &out, &outlen, &lone),
	    "lone");
	CHECK(lone && outlen == 5 && memcmp(out, "a\xef\xbf\xbd" "b", 5) == 0,
	    "lone surrogate decodes as U+FFFD");
	free(out);
	REQUIRE(ref_json_string("\"\\ud800\\ud800\\udc00\"", 20, &out, &outlen,
	    &lone), "lone then pair");
	CHECK(lone && outlen == 7, "lone then pair: %zu", outlen);
	free(out);
	CHECK(!ref_json_string("\"a\" ", 4, &out, &outlen, &lone) &&
	    out == NULL, "trailing space");
	CHECK(!ref_json_string(" \"a\"", 4, &out, &outlen, &lone), "leading space");
	CHECK(!ref_json_string("\"a\"\"b\"", 6, &out, &outlen, &lone), "two");
	CHECK(!ref_json_string("\"", 1, &out, &outlen, &lone), "one quote");
	CHECK(!ref_json_string("a", 1, &out, &outlen, &lone), "no quotes");
	CHECK(!ref_json_string("", 0, &out, &outlen, &lone), "nothing");
}

static void
check_names(void)
{
	const char	*why;

	CHECK(ref_name_ok("a", 1, &why), "a");
	CHECK(!ref_name_ok("", 0, &why), "empty");
	CHECK(!ref_name_ok("a\0b", 3, &why), "NUL");
	CHECK(!ref_name_ok("\xc3", 1, &why), "truncated UTF-8");
	CHECK(!ref_name_ok("\xed\xa0\x80", 3, &why), "surrogate");
	CHECK(!ref_name_ok("\xc2\x9f", 2, &why), "C1");
	CHECK(ref_name_ok("\xc2\xa0", 2, &why), "NBSP");
	CHECK(!ref_name_ok("\xe2\x81\xa8", 3, &why), "U+2068");
	CHECK(ref_name_ok("\xf4\x8f\xbf\xbf", 4, &why), "U+10FFFF");
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The verdicts of events.txt (VERDICT<TAB>BODY, %XX for a byte). */
static void
check_events_txt(void)
{
	char		 path[4096], line[LINE_MAX_LEN], body[LINE_MAX_LEN];
	const char	*why, *s;
	unsigned	 lineno = 0, cases = 0;
	size_t		 n;
	int		 want, hi, lo;
	FILE		*fp;

	fp = fopen(unit_data("events.txt", path, sizeof(path)), "r");
	REQUIRE(fp != NULL, "unable to open %s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		REQUIRE(strchr(line, '\n') != NULL, "events.txt:%u: too long",
		    lineno);
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "ok\t", 3) == 0)
			want = 1;
		else if (strncmp(line, "bad\t", 4) == 0)
			want = 0;
		else {
			CHECK(0, "events.txt:%u: no verdict", lineno);
			continue;
		}
		for (n = 0, s = strchr(line, '\t') + 1; *s != '\0'; n++) {
			if (*s == '%' && (hi = hexval(s[1])) >= 0 &&
			    (lo = hexval(s[2])) >= 0) {
				body[n] = (char)(hi << 4 | lo);
				s += 3;
			} else
				body[n] = *s++;
		}
		why = NULL;
		CHECK(ref_event_ok(body, n, NULL, NULL, NULL, NULL, &why) ==
		    want, "events.txt:%u: %s (%s)", lineno,
		    want ? "refused" : "accepted", why != NULL ? why : "-");
		cases++;
	}
	fclose(fp);
	CHECK(cases > 50, "events.txt: only %u cases", cases);
}

int
main(void)
{
	check_table("json", json_cases, sizeof(json_cases) /
	    sizeof(json_cases[0]), json_verdict);
	check_table("event", event_cases, sizeof(event_cases) /
	    sizeof(event_cases[0]), event_verdict);
	check_depth();
	check_lengths();
	check_decoding();
	check_names();
	check_events_txt();
	return unit_done("ref_json_test");
}
