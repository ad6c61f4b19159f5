/*
 * test_event.c: event_parse() on the bodies of tests/data/events.txt, the
 * JSON strings it hands out, event_type_matches() and event_flatten().
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "unit.h"

#define LINE_MAX_LEN	8192

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode %XX in s into out (as long as s); returns the length or -1. */
static long
decode(const char *s, char *out)
{
	size_t	n = 0;
	int	hi, lo;

	while (*s != '\0') {
		if (*s != '%') {
			out[n++] = *s++;
			continue;
		}
		if ((hi = hexval((unsigned char)s[1])) < 0 ||
		    (lo = hexval((unsigned char)s[2])) < 0)
			return -1;
		out[n++] = (char)(hi << 4 | lo);
		s += 3;
	}
	return (long)n;
}

/* Parse a copy of exactly len bytes, so that a read past it is caught. */
static int
parse(const char *body, size_t len, struct event *ev, const char **reason)
{
	char	*copy;
	int	 rc;

	REQUIRE((copy = malloc(len > 0 ? len : 1)) != NULL, "malloc");
	memcpy(copy, body, len);
	rc = event_parse(copy, len, ev, reason);
	free(copy);
	return rc;
}

static void
test_data(void)
{
	struct event	 ev;
	char		 line[LINE_MAX_LEN], body[LINE_MAX_LEN], path[1024];
	char		*tab;
	const char	*reason;
	unsigned	 lineno = 0, nok = 0, nbad = 0;
	long		 len;
	int		 rc, want_ok;
	FILE		*fp;

	fp = fopen(unit_data("events.txt", path, sizeof(path)), "r");
	REQUIRE(fp != NULL, "unable to open %s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		REQUIRE(strchr(line, '\n') != NULL, "events.txt:%u: line too "
		    "long", lineno);
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		REQUIRE((tab = strchr(line, '\t')) != NULL, "events.txt:%u: "
		    "no tab", lineno);
		*tab = '\0';
		REQUIRE(strcmp(line, "ok") == 0 || strcmp(line, "bad") == 0,
		    "events.txt:%u: verdict %s", lineno, line);
		want_ok = strcmp(line, "ok") == 0;
		REQUIRE((len = decode(tab + 1, body)) >= 0,
		    "events.txt:%u: bad %%XX", lineno);
		reason = NULL;
		memset(&ev, 0x5a, sizeof(ev));
		rc = parse(body, len, &ev, &reason);
		if (want_ok) {
			CHECK(rc == 0, "events.txt:%u: refused: %s", lineno,
			    reason);
			CHECK(rc != 0 || (ev.ev_id != NULL &&
			    ev.ev_type != NULL && ev.ev_id[0] != '\0' &&
			    ev.ev_type[0] != '\0' && ev.ev_id_json != NULL &&
			    ev.ev_id_json[0] == '"' &&
			    ev.ev_type_json != NULL &&
			    ev.ev_type_json[0] == '"'),
			    "events.txt:%u: fields not filled", lineno);
			nok++;
		} else {
			CHECK(rc == -1, "events.txt:%u: accepted", lineno);
			CHECK(rc == 0 || reason != NULL, "events.txt:%u: no "
			    "reason", lineno);
			CHECK(rc == 0 || (ev.ev_id == NULL &&
			    ev.ev_type == NULL && ev.ev_id_json == NULL &&
			    ev.ev_type_json == NULL),
			    "events.txt:%u: ev not left empty", lineno);
			nbad++;
		}
		event_clear(&ev);
	}
	CHECK(!ferror(fp), "error reading events.txt");
	fclose(fp);
	CHECK(nok >= 10 && nbad >= 50, "only %u ok and %u bad cases", nok,
	    nbad);
}

/* The decoded and JSON forms of id and type. */
static void
test_fields(void)
{
	static const struct {
		const char	*body;
		const char	*id, *id_json;
		const char	*type, *type_json;
	} cases[] = {
		{ "{\"id\":\"a056V7R7NmNRjl70\","
		  "\"type\":\"conversation.updated\","
		  "\"payload\":{\"id\":\"WAz8eIbvDR60rouK\"}}",
		  "a056V7R7NmNRjl70", "\"a056V7R7NmNRjl70\"",
		  "conversation.updated", "\"conversation.updated\"" },
		{ "{\"id\":\"q\\\"b\\\\s/l\",\"type\":\"a\\/b\"}",
		  "q\"b\\s/l", "\"q\\\"b\\\\s/l\"",
		  "a/b", "\"a/b\"" },
		{ "{\"id\":\"\\u00e9t\\u00e9\",\"type\":\"\xe2\x9c\x93\"}",
		  "\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\"",
		  "\xe2\x9c\x93", "\"\xe2\x9c\x93\"" },
		{ "{\"type\":\"first\",\"id\":\" sp ace \",\"x\":{\"id\":1}}",
		  " sp ace ", "\" sp ace \"", "first", "\"first\"" },
	};
	struct event	 ev;
	const char	*reason = NULL;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].body, strlen(cases[i].body), &ev,
		    &reason) == -1) {
			CHECK(0, "case %zu refused: %s", i, reason);
			continue;
		}
		CHECK(strcmp(ev.ev_id, cases[i].id) == 0, "case %zu: id %s",
		    i, ev.ev_id);
		CHECK(strcmp(ev.ev_id_json, cases[i].id_json) == 0,
		    "case %zu: id_json %s, want %s", i, ev.ev_id_json,
		    cases[i].id_json);
		CHECK(strcmp(ev.ev_type, cases[i].type) == 0, "case %zu: "
		    "type %s", i, ev.ev_type);
		CHECK(strcmp(ev.ev_type_json, cases[i].type_json) == 0,
		    "case %zu: type_json %s, want %s", i, ev.ev_type_json,
		    cases[i].type_json);
		event_clear(&ev);
		CHECK(ev.ev_id == NULL && ev.ev_id_json == NULL,
		    "event_clear left fields");
	}
	event_clear(NULL);
}

static void
test_json_string(void)
{
	static const struct {
		const char	*in, *out;
	} cases[] = {
		{ "", "\"\"" },
		{ "plain", "\"plain\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "a/b", "\"a/b\"" },
		{ "t\tn\n", "\"t\\tn\\n\"" },
		{ "\x01", "\"\\u0001\"" },
		{ "\xc3\xa9", "\"\xc3\xa9\"" },
	};
	size_t	 i;
	char	*s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = event_json_string(cases[i].in);
		REQUIRE(s != NULL, "event_json_string failed");
		CHECK(strcmp(s, cases[i].out) == 0, "event_json_string "
		    "case %zu: %s, want %s", i, s, cases[i].out);
		free(s);
	}
}

static void
test_type_matches(void)
{
	char	*all[] = { "*" };
	char	*conv[] = { "conversation.*" };
	char	*exact[] = { "message.created" };
	char	*several[] = { "conversation.*", "message.created",
	    "contact.deleted" };

	CHECK(event_type_matches("conversation.updated", all, 1), "* a.b");
	CHECK(event_type_matches("x", all, 1), "* x");
	CHECK(event_type_matches("conversation.updated", conv, 1),
	    "conversation.* conversation.updated");
	CHECK(event_type_matches("conversation.a.b", conv, 1),
	    "conversation.* conversation.a.b");
	CHECK(!event_type_matches("conversation", conv, 1),
	    "conversation.* conversation");
	CHECK(!event_type_matches("conversations.updated", conv, 1),
	    "conversation.* conversations.updated");
	CHECK(!event_type_matches("message.created", conv, 1),
	    "conversation.* message.created");
	CHECK(event_type_matches("message.created", exact, 1),
	    "exact match");
	CHECK(!event_type_matches("message.created2", exact, 1),
	    "exact matches a longer type");
	CHECK(!event_type_matches("message.create", exact, 1),
	    "exact matches a shorter type");
	CHECK(!event_type_matches("Message.created", exact, 1),
	    "matching ignores case");
	CHECK(event_type_matches("conversation.created", several, 3),
	    "several: first");
	CHECK(event_type_matches("contact.deleted", several, 3),
	    "several: last");
	CHECK(!event_type_matches("contact.created", several, 3),
	    "several: none");
	CHECK(!event_type_matches("conversation.updated", several, 0),
	    "no patterns matched");
	CHECK(!event_type_matches("message.created", NULL, 0),
	    "NULL patterns matched");
}

static void
test_flatten(void)
{
	static const struct {
		const char	*in, *out;
	} cases[] = {
		{ "{\"a\":1}", "{\"a\":1}" },
		{ "  {\"a\":1}  ", "{\"a\":1}" },
		{ "\r\n\t{\"a\":1}\r\n", "{\"a\":1}" },
		{ "{\r\n  \"a\": 1,\n\t\"b\": \"x\\ny\"\r}\n\n",
		  "{    \"a\": 1, \t\"b\": \"x\\ny\" }" },
		{ "{\"s\":\"  in  side  \"}", "{\"s\":\"  in  side  \"}" },
		{ "{\"u\":\"\xc3\xa9\\t\"}\n", "{\"u\":\"\xc3\xa9\\t\"}" },
		{ " \n\r\t ", "" },
		{ "", "" },
	};
	char	*buf, *line;
	size_t	 i, len, outlen;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].in);
		REQUIRE((buf = malloc(len + 1)) != NULL, "malloc");
		memcpy(buf, cases[i].in, len + 1);
		line = event_flatten(buf, len, &outlen);
		CHECK(line >= buf && line + outlen <= buf + len,
		    "flatten case %zu: result outside the body", i);
		CHECK(outlen == strlen(cases[i].out) &&
		    memcmp(line, cases[i].out, outlen) == 0,
		    "flatten case %zu: got '%.*s', want '%s'", i, (int)outlen,
		    line, cases[i].out);
		CHECK(memchr(line, '\n', outlen) == NULL &&
		    memchr(line, '\r', outlen) == NULL,
		    "flatten case %zu: CR or LF left", i);
		free(buf);
	}
}

int
main(void)
{
	test_data();
	test_fields();
	test_json_string();
	test_type_matches();
	test_flatten();
	return unit_done("test_event");
}
