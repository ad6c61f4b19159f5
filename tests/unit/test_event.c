/*
 * test_event.c: event_parse() on the bodies of tests/data/events.txt and on
 * bodies too large or too binary for it, the reasons it gives, the JSON
 * strings it hands out, the memory it takes for a 1 MiB body of any shape,
 * event_type_matches() and event_flatten().
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "unit.h"

#define LINE_MAX_LEN	8192

#if defined(__SANITIZE_ADDRESS__)
#define UNIT_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNIT_ASAN	1
#endif
#endif

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

/*
 * The JSON forms of id and type, put back into a body, give the same id and
 * type: the encoder escapes what it must and nothing changes on the way.
 */
static void
check_round_trip(const struct event *ev, unsigned lineno)
{
	struct event	 again;
	const char	*reason = NULL;
	char		*body;
	size_t		 len;

	len = strlen(ev->ev_id_json) + strlen(ev->ev_type_json) + 32;
	REQUIRE((body = malloc(len)) != NULL, "malloc");
	snprintf(body, len, "{\"id\":%s,\"type\":%s}", ev->ev_id_json,
	    ev->ev_type_json);
	if (parse(body, strlen(body), &again, &reason) == -1) {
		CHECK(0, "events.txt:%u: %s refused: %s", lineno, body, reason);
	} else {
		CHECK(strcmp(again.ev_id, ev->ev_id) == 0 &&
		    strcmp(again.ev_type, ev->ev_type) == 0,
		    "events.txt:%u: %s does not round-trip", lineno, body);
		event_clear(&again);
	}
	free(body);
}

/*
 * The drain can read what the responder spools: the body flattened into a
 * line like spool.c's, read back with event_fields(), gives the same id
 * and type.
 */
static void
check_spool_line(const char *body, size_t len, const struct event *ev,
    unsigned lineno)
{
	static const char *const keys[] = { "id", "type", "webhook" };
	char		*copy, *line, *flat, *out[3];
	const char	*reason = NULL;
	size_t		 flatlen, max, n;

	REQUIRE((copy = malloc(len + 1)) != NULL, "malloc");
	memcpy(copy, body, len);
	flat = event_flatten(copy, len, &flatlen);
	max = flatlen + strlen(ev->ev_id_json) + strlen(ev->ev_type_json) + 128;
	REQUIRE((line = malloc(max)) != NULL, "malloc");
	n = (size_t)snprintf(line, max, "{\"received\":\"2026-11-28T12:24:31."
	    "123456Z\",\"webhook\":\"w\",\"id\":%s,\"type\":%s,\"event\":",
	    ev->ev_id_json, ev->ev_type_json);
	memcpy(line + n, flat, flatlen);
	memcpy(line + n + flatlen, "}", 2);
	if (event_fields(line, n + flatlen + 1, keys, out, 3, &reason) == -1) {
		CHECK(0, "events.txt:%u: the spool line is unreadable: %s",
		    lineno, reason);
	} else {
		CHECK(out[0] != NULL && strcmp(out[0], ev->ev_id) == 0 &&
		    out[1] != NULL && strcmp(out[1], ev->ev_type) == 0 &&
		    out[2] != NULL && strcmp(out[2], "w") == 0,
		    "events.txt:%u: the spool line gives other fields", lineno);
		free(out[0]);
		free(out[1]);
		free(out[2]);
	}
	free(line);
	free(copy);
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
			if (rc == 0) {
				check_round_trip(&ev, lineno);
				check_spool_line(body, len, &ev, lineno);
			}
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
		/* keys spelled with escapes; a surrogate pair is one character */
		{ "{\"\\u0069d\":\"\\ud83d\\ude00\",\"typ\\u0065\":\"\\uD83D\\uDE00x\"}",
		  "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"",
		  "\xf0\x9f\x98\x80x", "\"\xf0\x9f\x98\x80x\"" },
		/* escapes in the payload and in nested ids do not matter */
		{ "{\"p\":{\"id\":\"\\ud800\",\"type\":[1]},\"id\":\"a\\/\\u00a0\","
		  "\"type\":\"b\\\\\"}",
		  "a/\xc2\xa0", "\"a/\xc2\xa0\"", "b\\", "\"b\\\\\"" },
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

/* The reason given is the one that names what is wrong. */
static void
test_reasons(void)
{
	static const struct {
		const char	*body, *reason;
	} cases[] = {
		{ "{\"id\":\"a\",\"type\":\"b\",'k':1}",
		  "body has a single-quoted string" },
		{ "{\"id\":\"a\",\"type\":\"b\",\"n\":NaN}",
		  "body has NaN or Infinity" },
		{ "{\"id\":\"a\",\"type\":\"b\",\"n\":-01}",
		  "body has a number RFC 8259 does not allow" },
		{ "{\"id\":\"a\",\"type\":\"b\",\"s\":\"\\a\"}",
		  "body has an escape RFC 8259 does not allow" },
		{ "{\"id\":\"a\",\"type\":\"b\",\"s\":\"\x01\"}",
		  "body has a raw control character in a string" },
		{ "{\"id\":\"a\",\"type\":\"b\",\"s\":\"\xc0\x80\"}",
		  "body is not valid UTF-8" },
		{ "{\"id\":\"a\",\"type\":\"b\",\"v\":nul}",
		  "body has a literal other than true, false or null" },
		{ "{\"id\":\"a\",\"type\":\"b\"", "body is truncated JSON" },
		{ "{\"id\":\"a\",\"type\":\"b\"} {}",
		  "body has more than the JSON object in it" },
		{ "[]", "body is not a JSON object" },
		{ "{\"type\":\"b\"}", "id is missing" },
		{ "{\"id\":\"a\"}", "type is missing" },
		{ "{\"id\":\"a\",\"type\":\"b\",\"id\":\"a\"}",
		  "body has two top-level \"id\" keys" },
		{ "{\"id\":\"a\",\"type\":\"b\",\"\\u0069d\":\"a\"}",
		  "body has two top-level \"id\" keys" },
		{ "{\"id\":\"a\",\"type\":\"b\",\"type\":1}",
		  "body has two top-level \"type\" keys" },
		{ "{\"id\":1,\"type\":\"b\"}", "id is not a string" },
		{ "{\"id\":\"\",\"type\":\"b\"}", "id is empty" },
		{ "{\"id\":\"\\ud800\",\"type\":\"b\"}",
		  "id holds a lone surrogate escape" },
		{ "{\"id\":\"a\",\"type\":\"\\udc00\\ud800\"}",
		  "type holds a lone surrogate escape" },
		{ "{\"id\":\"a\\u0085\",\"type\":\"b\"}",
		  "id holds a control character" },
		{ "{\"id\":\"a\",\"type\":\"\xc2\x85\"}",
		  "type holds a control character" },
		{ "{\"id\":\"a\\u2028\",\"type\":\"b\"}",
		  "id holds a line or paragraph separator" },
		{ "{\"id\":\"a\",\"type\":\"\xe2\x80\xae\"}",
		  "type holds a bidi control" },
		{ "{\"id\":\"\\u200f\",\"type\":\"b\"}",
		  "id holds a bidi control" },
	};
	struct event	 ev;
	const char	*reason;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reason = NULL;
		if (parse(cases[i].body, strlen(cases[i].body), &ev,
		    &reason) == 0) {
			CHECK(0, "reason case %zu accepted", i);
			event_clear(&ev);
			continue;
		}
		CHECK(reason != NULL && strcmp(reason, cases[i].reason) == 0,
		    "reason case %zu: '%s', want '%s'", i, reason,
		    cases[i].reason);
	}
}

/* A body of len bytes: {"id":ID,"type":"t","p":FILL...}, where the fill
 * piece is repeated (joined by sep) until the body is len bytes long. */
static char *
make_body(size_t len, const char *id, const char *open, const char *piece,
    const char *sep, const char *close, size_t *outlen)
{
	char	*b;
	size_t	 n, plen = strlen(piece), slen = strlen(sep), clen;
	int	 first = 1;

	REQUIRE((b = malloc(len + 1)) != NULL, "malloc");
	n = (size_t)snprintf(b, len + 1, "{\"id\":%s,\"type\":\"t\",\"p\":%s",
	    id, open);
	clen = strlen(close) + 1;
	REQUIRE(n + clen < len, "make_body: %zu bytes is too short", len);
	while (plen > 0 && n + (first ? 0 : slen) + plen + clen <= len) {
		if (!first) {
			memcpy(b + n, sep, slen);
			n += slen;
		}
		memcpy(b + n, piece, plen);
		n += plen;
		first = 0;
	}
	memcpy(b + n, close, clen - 1);
	n += clen - 1;
	b[n++] = '}';
	b[n] = '\0';
	*outlen = n;
	return b;
}

/* Bodies and ids far longer than events.txt can hold. */
static void
test_large(void)
{
	struct event	 ev;
	const char	*reason = NULL;
	char		*body, *id;
	size_t		 len, idlen = 200000;

	REQUIRE((id = malloc(idlen + 3)) != NULL, "malloc");
	id[0] = '"';
	memset(id + 1, 'a', idlen);
	memcpy(id + 1 + idlen, "\"", 2);
	body = make_body(idlen + 64, id, "1", "", "", "", &len);
	CHECK(parse(body, len, &ev, &reason) == -1 && reason != NULL &&
	    strcmp(reason, "id is longer than 1024 bytes") == 0,
	    "a 200000-byte id: %s", reason);
	free(body);
	/* the same string in the payload is fine */
	body = make_body(idlen + 64, "\"x\"", id, "", "", "", &len);
	CHECK(parse(body, len, &ev, &reason) == 0, "a 200000-byte string "
	    "in the payload: %s", reason);
	event_clear(&ev);
	free(body);
	free(id);
}

/*
 * A 1 MiB body of each shape that makes a tree parser allocate most:
 * empty objects, nested arrays as deep as allowed, short strings, and
 * the members of one object.
 */
static const struct {
	const char	*name, *open, *piece, *sep, *close;
} shapes[] = {
	{ "empty objects", "[", "{}", ",", "]" },
	{ "nested arrays", "[",
	  /* 62 levels: with the body and "p", 64 */
	  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	  "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	  "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", ",",
	  "]" },
	{ "short strings", "[", "\"a\"", ",", "]" },
	{ "object members", "{", "\"k\":0", ",", "}" },
	{ "numbers", "[", "-0.5e-7", ",", "]" },
};

#define MEMORY_BODY	(1024 * 1024)
#define MEMORY_SLACK	(16L * 1024 * 1024)

/* The address space this process uses now, in bytes, or -1. */
static long
address_space(void)
{
	FILE	*fp;
	long	 pages = -1;

	if ((fp = fopen("/proc/self/statm", "r")) == NULL)
		return -1;
	if (fscanf(fp, "%ld", &pages) != 1)
		pages = -1;
	fclose(fp);
	return pages < 0 ? -1 : pages * sysconf(_SC_PAGESIZE);
}

/*
 * Parse body in a child whose address space may grow by MEMORY_SLACK at
 * most (RLIMIT_AS): a parser that builds a tree of a 1 MiB body runs out.
 * The child exits 0 when the body was accepted. The limit would stop
 * AddressSanitizer, which reserves terabytes, so it is left out there.
 */
static int
parse_limited(const char *body, size_t len, int limit)
{
	struct rlimit	 rl;
	struct event	 ev;
	const char	*reason;
	pid_t		 pid;
	long		 as;
	int		 status;

	fflush(NULL);
	REQUIRE((pid = fork()) != -1, "fork");
	if (pid == 0) {
		if (limit) {
			if ((as = address_space()) == -1)
				_exit(3);
			rl.rlim_cur = rl.rlim_max = (rlim_t)(as + MEMORY_SLACK);
			if (setrlimit(RLIMIT_AS, &rl) == -1)
				_exit(3);
		}
		if (event_parse(body, len, &ev, &reason) == -1) {
			fprintf(stderr, "refused: %s\n", reason);
			_exit(2);
		}
		event_clear(&ev);
		_exit(0);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid, "waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
test_memory(void)
{
	char	*body;
	size_t	 i, len;
	int	 limit = 1, rc;

#ifdef UNIT_ASAN
	limit = 0;
	printf("test_event: built with AddressSanitizer: the memory bound "
	    "is not measured, the bodies are only parsed\n");
#endif
	if (limit && address_space() == -1) {
		limit = 0;
		printf("test_event: no /proc/self/statm: the memory bound is "
		    "not measured\n");
	}
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		body = make_body(MEMORY_BODY, "\"mem\"", shapes[i].open,
		    shapes[i].piece, shapes[i].sep, shapes[i].close, &len);
		CHECK(len > MEMORY_BODY - 128, "%s: only %zu bytes",
		    shapes[i].name, len);
		rc = parse_limited(body, len, limit);
		CHECK(rc == 0, "1 MiB of %s: the parse %s (%d)",
		    shapes[i].name, rc == 2 ? "refused it" :
		    "needed more than 16 MiB", rc);
		free(body);
	}
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
		{ "\b\f\r\x1f", "\"\\b\\f\\r\\u001f\"" },
		{ "\x7f", "\"\\u007f\"" },
		{ "a\xc2\x85\xc2\x9f\xc2\xa0", "\"a\\u0085\\u009f\xc2\xa0\"" },
		{ "\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaa",
		  "\"\\u2028\\u2029\xe2\x80\xaa\"" },
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },
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
	test_reasons();
	test_large();
	test_memory();
	test_json_string();
	test_type_matches();
	test_flatten();
	return unit_done("test_event");
}
