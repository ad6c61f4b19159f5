/*
 * json.c: RFC 8259 checked by recursive descent over the bytes, in one
 * pass. Each function reads exactly the grammar rule it is named after, so
 * no byte can be taken for anything the grammar does not allow there. The
 * recursion is bounded by JSON_MAX_DEPTH and nothing is allocated.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_STR_(x)	#x
#define JSON_STR(x)	JSON_STR_(x)

struct json_cursor {
	const unsigned char	*jc_p;		/* the next byte to read */
	const unsigned char	*jc_end;	/* one past the last byte */
	const char		*jc_reason;	/* why the check failed */
};

/*
 * Fail at the cursor. Running out of input and a NUL byte say so, whatever
 * the rule that met them expected.
 */
static int
json_fail(struct json_cursor *c, const char *reason)
{
	if (c->jc_p >= c->jc_end)
		c->jc_reason = "body is truncated JSON";
	else if (*c->jc_p == '\0')
		c->jc_reason = "body holds a NUL byte";
	else
		c->jc_reason = reason;
	return -1;
}

static int
json_at(const struct json_cursor *c, unsigned char ch)
{
	return c->jc_p < c->jc_end && *c->jc_p == ch;
}

static int
json_at_digit(const struct json_cursor *c)
{
	return c->jc_p < c->jc_end && *c->jc_p >= '0' && *c->jc_p <= '9';
}

/* ws = *( %x20 / %x09 / %x0A / %x0D ) */
static void
json_skip_ws(struct json_cursor *c)
{
	while (c->jc_p < c->jc_end && (*c->jc_p == ' ' || *c->jc_p == '\t' ||
	    *c->jc_p == '\n' || *c->jc_p == '\r'))
		c->jc_p++;
}

/* The length of the UTF-8 sequence at s (RFC 3629, strict), or 0. */
size_t
json_utf8_len(const unsigned char *s, size_t len)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;		/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;		/* past U+10FFFF */
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static int
json_hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The escape at the cursor, a backslash: one of RFC 8259's, in full. */
static int
json_scan_escape(struct json_cursor *c)
{
	const unsigned char	*esc = c->jc_p;
	int			 i;

	c->jc_p++;
	if (c->jc_p >= c->jc_end)
		return json_fail(c, NULL);
	switch (*c->jc_p) {
	case '"': case '\\': case '/':
	case 'b': case 'f': case 'n': case 'r': case 't':
		c->jc_p++;
		return 0;
	case 'u':
		for (i = 1; i <= 4; i++) {
			c->jc_p++;
			if (c->jc_p >= c->jc_end)
				return json_fail(c, NULL);
			if (json_hexval(*c->jc_p) < 0)
				break;
		}
		if (i > 4) {
			c->jc_p++;
			return 0;
		}
		break;
	}
	if (*c->jc_p == '\0')
		return json_fail(c, NULL);
	c->jc_p = esc;
	return json_fail(c, "body has an escape RFC 8259 does not allow");
}

/*
 * The string at the cursor, a '"'. On success *raw and *rawlen (when raw
 * is not NULL) give what lies between the quotes.
 */
static int
json_scan_string(struct json_cursor *c, const unsigned char **raw,
    size_t *rawlen)
{
	const unsigned char	*start = ++c->jc_p;
	size_t			 n;

	while (c->jc_p < c->jc_end && *c->jc_p != '"') {
		if (*c->jc_p == '\\') {
			if (json_scan_escape(c) == -1)
				return -1;
		} else if (*c->jc_p < 0x20) {
			return json_fail(c, "body has a raw control character "
			    "in a string");
		} else if (*c->jc_p < 0x80) {
			c->jc_p++;
		} else {
			n = json_utf8_len(c->jc_p,
			    (size_t)(c->jc_end - c->jc_p));
			if (n == 0) {
				c->jc_reason = "body is not valid UTF-8";
				return -1;
			}
			c->jc_p += n;
		}
	}
	if (c->jc_p >= c->jc_end)
		return json_fail(c, NULL);
	if (raw != NULL) {
		*raw = start;
		*rawlen = (size_t)(c->jc_p - start);
	}
	c->jc_p++;
	return 0;
}

/*
 * number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT );
 * frac = "." 1*DIGIT; exp = ( "e" / "E" ) [ "-" / "+" ] 1*DIGIT
 */
static int
json_scan_number(struct json_cursor *c)
{
	static const char *const bad =
	    "body has a number RFC 8259 does not allow";

	if (json_at(c, '-'))
		c->jc_p++;
	if (json_at(c, '0')) {
		c->jc_p++;
		if (json_at_digit(c))
			return json_fail(c, bad);	/* a leading zero */
	} else if (json_at_digit(c)) {
		while (json_at_digit(c))
			c->jc_p++;
	} else
		return json_fail(c, bad);
	if (json_at(c, '.')) {
		c->jc_p++;
		if (!json_at_digit(c))
			return json_fail(c, bad);
		while (json_at_digit(c))
			c->jc_p++;
	}
	if (json_at(c, 'e') || json_at(c, 'E')) {
		c->jc_p++;
		if (json_at(c, '+') || json_at(c, '-'))
			c->jc_p++;
		if (!json_at_digit(c))
			return json_fail(c, bad);
		while (json_at_digit(c))
			c->jc_p++;
	}
	return 0;
}

/* One of the three literals, spelled exactly. */
static int
json_scan_literal(struct json_cursor *c, const char *word)
{
	for (; *word != '\0'; word++, c->jc_p++)
		if (!json_at(c, (unsigned char)*word))
			return json_fail(c, "body has a literal other than "
			    "true, false or null");
	return 0;
}

static int json_scan_value(struct json_cursor *, int, const unsigned char **,
    size_t *);

/* Which of members (if any) a top-level key names, after its escapes. */
static struct json_member *
json_member_find(const unsigned char *key, size_t keylen,
    struct json_member *members, size_t nmembers)
{
	char	buf[64];
	size_t	n, i;
	int	lone;

	n = json_string_decode((const char *)key, keylen, buf, sizeof(buf),
	    &lone);
	if (lone || n > sizeof(buf))
		return NULL;
	for (i = 0; i < nmembers; i++)
		if (strlen(members[i].jm_name) == n &&
		    memcmp(members[i].jm_name, buf, n) == 0)
			return &members[i];
	return NULL;
}

/*
 * The object at the cursor, a '{', at level depth; members (the top-level
 * object's only) are filled as its keys are met.
 */
static int
json_scan_object(struct json_cursor *c, int depth,
    struct json_member *members, size_t nmembers)
{
	struct json_member	*hit;
	const unsigned char	*key, *raw, *start;
	size_t			 keylen, rawlen;

	if (depth > JSON_MAX_DEPTH)
		return json_fail(c, "body nests deeper than "
		    JSON_STR(JSON_MAX_DEPTH));
	c->jc_p++;
	json_skip_ws(c);
	if (json_at(c, '}')) {
		c->jc_p++;
		return 0;
	}
	for (;;) {
		if (!json_at(c, '"'))
			return json_fail(c, json_at(c, '\'') ?
			    "body has a single-quoted string" :
			    "body has an object key that is not a string");
		if (json_scan_string(c, &key, &keylen) == -1)
			return -1;
		json_skip_ws(c);
		if (!json_at(c, ':'))
			return json_fail(c, "body has an object key without "
			    "a colon after it");
		c->jc_p++;
		json_skip_ws(c);
		hit = nmembers == 0 ? NULL :
		    json_member_find(key, keylen, members, nmembers);
		start = c->jc_p;
		if (json_scan_value(c, depth, &raw, &rawlen) == -1)
			return -1;
		if (hit != NULL && hit->jm_count++ == 0) {
			hit->jm_raw = (const char *)raw;
			hit->jm_rawlen = rawlen;
			hit->jm_value = (const char *)start;
			hit->jm_valuelen = c->jc_p - start;
		}
		if (hit != NULL && hit->jm_count > 2)
			hit->jm_count = 2;	/* "more than one" will do */
		json_skip_ws(c);
		if (json_at(c, '}')) {
			c->jc_p++;
			return 0;
		}
		if (!json_at(c, ','))
			return json_fail(c, "body has an object member "
			    "followed by neither ',' nor '}'");
		c->jc_p++;
		json_skip_ws(c);
	}
}

/* The array at the cursor, a '[', at level depth. */
static int
json_scan_array(struct json_cursor *c, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return json_fail(c, "body nests deeper than "
		    JSON_STR(JSON_MAX_DEPTH));
	c->jc_p++;
	json_skip_ws(c);
	if (json_at(c, ']')) {
		c->jc_p++;
		return 0;
	}
	for (;;) {
		if (json_scan_value(c, depth, NULL, NULL) == -1)
			return -1;
		json_skip_ws(c);
		if (json_at(c, ']')) {
			c->jc_p++;
			return 0;
		}
		if (!json_at(c, ','))
			return json_fail(c, "body has an array element "
			    "followed by neither ',' nor ']'");
		c->jc_p++;
		json_skip_ws(c);
	}
}

/*
 * The value at the cursor, inside a container at level depth. When it is
 * a string and str is not NULL, *str and *slen give its raw text; for
 * any other value *str is NULL.
 */
static int
json_scan_value(struct json_cursor *c, int depth, const unsigned char **str,
    size_t *slen)
{
	if (str != NULL)
		*str = NULL;
	if (c->jc_p >= c->jc_end)
		return json_fail(c, NULL);
	switch (*c->jc_p) {
	case '{':
		return json_scan_object(c, depth + 1, NULL, 0);
	case '[':
		return json_scan_array(c, depth + 1);
	case '"':
		return json_scan_string(c, str, slen);
	case 't':
		return json_scan_literal(c, "true");
	case 'f':
		return json_scan_literal(c, "false");
	case 'n':
		return json_scan_literal(c, "null");
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return json_scan_number(c);
	case '\'':
		return json_fail(c, "body has a single-quoted string");
	case 'N': case 'I':
		return json_fail(c, "body has NaN or Infinity");
	default:
		return json_fail(c, "body is not valid JSON");
	}
}

int
json_check_object(const char *text, size_t len, struct json_member *members,
    size_t nmembers, const char **reason)
{
	struct json_cursor	c;
	size_t			i;

	for (i = 0; i < nmembers; i++) {
		members[i].jm_count = 0;
		members[i].jm_raw = NULL;
		members[i].jm_rawlen = 0;
		members[i].jm_value = NULL;
		members[i].jm_valuelen = 0;
	}
	c.jc_p = (const unsigned char *)text;
	c.jc_end = c.jc_p + len;
	c.jc_reason = NULL;
	json_skip_ws(&c);
	if (!json_at(&c, '{')) {
		if (c.jc_p < c.jc_end && *c.jc_p == '\0')
			*reason = "body holds a NUL byte";
		else
			*reason = "body is not a JSON object";
		return -1;
	}
	if (json_scan_object(&c, 1, members, nmembers) == -1) {
		*reason = c.jc_reason;
		return -1;
	}
	json_skip_ws(&c);
	if (c.jc_p < c.jc_end) {
		json_fail(&c, "body has more than the JSON object in it");
		*reason = c.jc_reason;
		return -1;
	}
	return 0;
}

int
json_check_array(const char *text, size_t len, const char **reason)
{
	struct json_cursor	c;

	c.jc_p = (const unsigned char *)text;
	c.jc_end = c.jc_p + len;
	c.jc_reason = NULL;
	json_skip_ws(&c);
	if (!json_at(&c, '[')) {
		*reason = "body is not a JSON array";
		return -1;
	}
	if (json_scan_array(&c, 1) == -1) {
		*reason = c.jc_reason;
		return -1;
	}
	json_skip_ws(&c);
	if (c.jc_p < c.jc_end) {
		json_fail(&c, "body has more than the JSON array in it");
		*reason = c.jc_reason;
		return -1;
	}
	return 0;
}

static void
json_put(char *out, size_t cap, size_t *n, unsigned char ch)
{
	if (*n < cap)
		out[*n] = (char)ch;
	(*n)++;
}

static void
json_put_utf8(char *out, size_t cap, size_t *n, uint32_t cp)
{
	if (cp < 0x80) {
		json_put(out, cap, n, (unsigned char)cp);
	} else if (cp < 0x800) {
		json_put(out, cap, n, 0xc0 | cp >> 6);
		json_put(out, cap, n, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		json_put(out, cap, n, 0xe0 | cp >> 12);
		json_put(out, cap, n, 0x80 | (cp >> 6 & 0x3f));
		json_put(out, cap, n, 0x80 | (cp & 0x3f));
	} else {
		json_put(out, cap, n, 0xf0 | cp >> 18);
		json_put(out, cap, n, 0x80 | (cp >> 12 & 0x3f));
		json_put(out, cap, n, 0x80 | (cp >> 6 & 0x3f));
		json_put(out, cap, n, 0x80 | (cp & 0x3f));
	}
}

/* The code unit of the \uXXXX escape at p (6 bytes there), or -1. */
static long
json_u_escape(const unsigned char *p, const unsigned char *end)
{
	long	v = 0;
	int	i, h;

	if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	for (i = 2; i < 6; i++) {
		if ((h = json_hexval(p[i])) < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

size_t
json_string_decode(const char *raw, size_t rawlen, char *out, size_t cap,
    int *lone)
{
	static const char	 from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const unsigned char	*p = (const unsigned char *)raw, *end = p + rawlen;
	const char		*e;
	size_t			 n = 0;
	long			 hi, lo;

	*lone = 0;
	while (p < end) {
		if (*p != '\\' || end - p < 2) {
			json_put(out, cap, &n, *p++);
		} else if ((hi = json_u_escape(p, end)) >= 0) {
			p += 6;
			if (hi >= 0xd800 && hi <= 0xdbff &&
			    (lo = json_u_escape(p, end)) >= 0xdc00 &&
			    lo <= 0xdfff) {
				p += 6;
				json_put_utf8(out, cap, &n, 0x10000 +
				    ((uint32_t)(hi - 0xd800) << 10) +
				    (uint32_t)(lo - 0xdc00));
			} else if (hi >= 0xd800 && hi <= 0xdfff) {
				*lone = 1;
				json_put_utf8(out, cap, &n, 0xfffd);
			} else
				json_put_utf8(out, cap, &n, (uint32_t)hi);
		} else if (p[1] != '\0' && (e = strchr(from, p[1])) != NULL) {
			json_put(out, cap, &n, (unsigned char)to[e - from]);
			p += 2;
		} else {
			json_put(out, cap, &n, *p++);	/* not checked JSON */
		}
	}
	return n;
}

/*
 * How the character at p[*i] is written in a JSON string, in esc (7 bytes),
 * or NULL when it is copied as it is. *i moves to its last byte.
 */
static const char *
json_escape_at(const unsigned char *p, size_t len, size_t *i, char *esc)
{
	static const char	 hex[] = "0123456789abcdef";
	static const char	 from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
	const char		*e;
	unsigned		 cp = p[*i];

	if (cp == 0xc2 && *i + 1 < len && p[*i + 1] >= 0x80 &&
	    p[*i + 1] <= 0x9f)
		cp = p[++*i];				/* a C1 control */
	else if (cp == 0xe2 && *i + 2 < len && p[*i + 1] == 0x80 &&
	    (p[*i + 2] == 0xa8 || p[*i + 2] == 0xa9)) {
		*i += 2;
		return p[*i] == 0xa8 ? "\\u2028" : "\\u2029";
	} else if (cp != 0 && (e = strchr(from, (int)cp)) != NULL) {
		esc[0] = '\\';
		esc[1] = to[e - from];
		esc[2] = '\0';
		return esc;
	} else if (cp >= 0x20 && cp != 0x7f)
		return NULL;
	memcpy(esc, "\\u00", 4);
	esc[4] = hex[cp >> 4];
	esc[5] = hex[cp & 0xf];
	esc[6] = '\0';
	return esc;
}

char *
json_string_encode(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out, *o, buf[7];
	const char		*esc;
	size_t			 i, n;

	if (len > (SIZE_MAX - 3) / 6 || (out = malloc(6 * len + 3)) == NULL)
		return NULL;
	o = out;
	*o++ = '"';
	for (i = 0; i < len; i++) {
		if ((esc = json_escape_at(p, len, &i, buf)) == NULL) {
			*o++ = (char)p[i];
			continue;
		}
		n = strlen(esc);
		memcpy(o, esc, n);
		o += n;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}
