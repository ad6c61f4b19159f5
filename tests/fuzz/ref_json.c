/*
 * ref_json.c: a recursive-descent checker for RFC 8259 JSON texts, one
 * function per rule of the RFC's grammar:
 *
 *   JSON-text = ws value ws
 *   value     = false / null / true / object / array / number / string
 *   object    = "{" ws [ member *( ws "," ws member ) ] ws "}"
 *   member    = string ws ":" ws value
 *   array     = "[" ws [ value *( ws "," ws value ) ] ws "]"
 *   number    = [ "-" ] int [ frac ] [ exp ]
 *   int       = "0" / ( %x31-39 *DIGIT )
 *   frac      = "." 1*DIGIT
 *   exp       = ( "e" / "E" ) [ "-" / "+" ] 1*DIGIT
 *   string    = %x22 *char %x22
 *   char      = %x20-21 / %x23-5B / %x5D-10FFFF
 *             / "\" ( %x22 / "\" / "/" / "b" / "f" / "n" / "r" / "t"
 *                   / "u" 4HEXDIG )
 *   ws        = *( %x20 / %x09 / %x0A / %x0D )
 *
 * Code points above U+007F are UTF-8 (RFC 3629): shortest form only, no
 * surrogates (U+D800 to U+DFFF), nothing above U+10FFFF.
 */
#include <stdlib.h>
#include <string.h>

#include "ref_json.h"

struct ref {
	const unsigned char	*r_s;
	size_t			 r_len;
	size_t			 r_pos;
	int			 r_max_depth;
	const char		*r_why;
};

/* A growing byte buffer for decoded strings; allocation failure aborts. */
struct ref_buf {
	char	*b_data;
	size_t	 b_len;
	size_t	 b_cap;
};

static void
buf_add(struct ref_buf *b, const void *p, size_t n)
{
	char	*d;
	size_t	 cap;

	if (b == NULL)
		return;
	if (b->b_len + n + 1 > b->b_cap) {
		cap = b->b_cap == 0 ? 32 : b->b_cap;
		while (cap < b->b_len + n + 1)
			cap *= 2;
		if ((d = realloc(b->b_data, cap)) == NULL)
			abort();
		b->b_data = d;
		b->b_cap = cap;
	}
	memcpy(b->b_data + b->b_len, p, n);
	b->b_len += n;
	b->b_data[b->b_len] = '\0';
}

/* Append code point cp (at most U+10FFFF, not a surrogate) as UTF-8. */
static void
buf_add_cp(struct ref_buf *b, unsigned long cp)
{
	unsigned char	u[4];
	size_t		n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_add(b, u, n);
}

static int
fail(struct ref *r, const char *why)
{
	if (r->r_why == NULL)
		r->r_why = why;
	return 0;
}

static int
at_end(const struct ref *r)
{
	return r->r_pos >= r->r_len;
}

static int
peek(const struct ref *r)
{
	return at_end(r) ? -1 : r->r_s[r->r_pos];
}

static void
skip_ws(struct ref *r)
{
	while (!at_end(r) && (r->r_s[r->r_pos] == ' ' ||
	    r->r_s[r->r_pos] == '\t' || r->r_s[r->r_pos] == '\n' ||
	    r->r_s[r->r_pos] == '\r'))
		r->r_pos++;
}

/*
 * One UTF-8 sequence of s[0..len) as a code point in *cp; its length, or
 * 0 if it is not strict UTF-8.
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, unsigned long *cp)
{
	static const unsigned long least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned long	c;
	size_t		n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;		/* a continuation byte, or 0xf8 up */
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < least[n])		/* overlong */
		return 0;
	if (c >= 0xd800 && c <= 0xdfff)	/* a surrogate */
		return 0;
	if (c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

static int
hex4(const unsigned char *s, unsigned long *out)
{
	unsigned long	v = 0;
	int		i, d;

	for (i = 0; i < 4; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			return 0;
		v = v << 4 | (unsigned long)d;
	}
	*out = v;
	return 1;
}

/* "\uXXXX" at r's position (after the backslash and the u); its value. */
static int
escape_u(struct ref *r, unsigned long *out)
{
	if (r->r_len - r->r_pos < 4 || !hex4(r->r_s + r->r_pos, out))
		return fail(r, "\\u without four hex digits");
	r->r_pos += 4;
	return 1;
}

/* string: decoded into b (may be NULL); *lone set on a lone surrogate. */
static int
parse_string(struct ref *r, struct ref_buf *b, int *lone)
{
	unsigned long	cp, lo;
	size_t		n;
	int		c;

	if (peek(r) != '"')
		return fail(r, "expected a string");
	r->r_pos++;
	for (;;) {
		if (at_end(r))
			return fail(r, "unterminated string");
		c = r->r_s[r->r_pos];
		if (c == '"') {
			r->r_pos++;
			return 1;
		}
		if (c < 0x20)
			return fail(r, "raw control character in a string");
		if (c >= 0x80) {
			n = utf8_decode(r->r_s + r->r_pos, r->r_len - r->r_pos,
			    &cp);
			if (n == 0)
				return fail(r, "invalid UTF-8");
			buf_add(b, r->r_s + r->r_pos, n);
			r->r_pos += n;
			continue;
		}
		r->r_pos++;
		if (c != '\\') {
			buf_add_cp(b, (unsigned long)c);
			continue;
		}
		if (at_end(r))
			return fail(r, "unterminated escape");
		c = r->r_s[r->r_pos++];
		switch (c) {
		case '"': case '\\': case '/':
			buf_add_cp(b, (unsigned long)c);
			break;
		case 'b':
			buf_add_cp(b, 0x08);
			break;
		case 'f':
			buf_add_cp(b, 0x0c);
			break;
		case 'n':
			buf_add_cp(b, 0x0a);
			break;
		case 'r':
			buf_add_cp(b, 0x0d);
			break;
		case 't':
			buf_add_cp(b, 0x09);
			break;
		case 'u':
			if (!escape_u(r, &cp))
				return 0;
			if (cp >= 0xd800 && cp <= 0xdbff &&
			    r->r_len - r->r_pos >= 6 &&
			    r->r_s[r->r_pos] == '\\' &&
			    r->r_s[r->r_pos + 1] == 'u' &&
			    hex4(r->r_s + r->r_pos + 2, &lo) &&
			    lo >= 0xdc00 && lo <= 0xdfff) {
				r->r_pos += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				*lone = 1;
				cp = 0xfffd;
			}
			buf_add_cp(b, cp);
			break;
		default:
			return fail(r, "unknown escape");
		}
	}
}

static int
digits(struct ref *r)
{
	size_t	start = r->r_pos;

	while (!at_end(r) && r->r_s[r->r_pos] >= '0' &&
	    r->r_s[r->r_pos] <= '9')
		r->r_pos++;
	return r->r_pos > start;
}

static int
parse_number(struct ref *r)
{
	if (peek(r) == '-')
		r->r_pos++;
	if (peek(r) == '0')
		r->r_pos++;
	else if (peek(r) >= '1' && peek(r) <= '9')
		digits(r);
	else
		return fail(r, "a number needs a digit");
	if (peek(r) == '.') {
		r->r_pos++;
		if (!digits(r))
			return fail(r, "a fraction needs a digit");
	}
	if (peek(r) == 'e' || peek(r) == 'E') {
		r->r_pos++;
		if (peek(r) == '+' || peek(r) == '-')
			r->r_pos++;
		if (!digits(r))
			return fail(r, "an exponent needs a digit");
	}
	return 1;
}

static int
parse_word(struct ref *r, const char *w)
{
	size_t	n = strlen(w);

	if (r->r_len - r->r_pos < n || memcmp(r->r_s + r->r_pos, w, n) != 0)
		return fail(r, "not a JSON value");
	r->r_pos += n;
	return 1;
}

static int parse_value(struct ref *, int);

/* The top-level object is depth 1; fields are filled only there. */
static int
parse_object(struct ref *r, int depth, struct ref_field *fields, size_t n,
    size_t *members)
{
	struct ref_buf	 key;
	size_t		 i, start;
	int		 lone, top = depth == 1, ok;

	if (depth > r->r_max_depth)
		return fail(r, "nested too deep");
	r->r_pos++;		/* { */
	skip_ws(r);
	if (peek(r) == '}') {
		r->r_pos++;
		return 1;
	}
	for (;;) {
		memset(&key, 0, sizeof(key));
		lone = 0;
		ok = parse_string(r, top ? &key : NULL, &lone);
		if (ok) {
			skip_ws(r);
			if (peek(r) == ':')
				r->r_pos++;
			else
				ok = fail(r, "expected ':'");
		}
		if (ok) {
			skip_ws(r);
			start = r->r_pos;
			ok = parse_value(r, depth);
		}
		for (i = 0; ok && top && i < n; i++) {
			if (key.b_len != strlen(fields[i].rf_name) ||
			    memcmp(key.b_data, fields[i].rf_name,
			    key.b_len) != 0)
				continue;
			if (fields[i].rf_count++ > 0)
				continue;
			fields[i].rf_raw = (const char *)r->r_s + start;
			fields[i].rf_rawlen = r->r_pos - start;
			fields[i].rf_string = ref_json_string(fields[i].rf_raw,
			    fields[i].rf_rawlen, &fields[i].rf_value,
			    &fields[i].rf_len, &fields[i].rf_lone);
		}
		free(key.b_data);
		if (!ok)
			return 0;
		if (top && members != NULL)
			(*members)++;
		skip_ws(r);
		if (peek(r) == '}') {
			r->r_pos++;
			return 1;
		}
		if (peek(r) != ',')
			return fail(r, "expected ',' or '}'");
		r->r_pos++;
		skip_ws(r);
	}
}

static int
parse_array(struct ref *r, int depth)
{
	if (depth > r->r_max_depth)
		return fail(r, "nested too deep");
	r->r_pos++;		/* [ */
	skip_ws(r);
	if (peek(r) == ']') {
		r->r_pos++;
		return 1;
	}
	for (;;) {
		if (!parse_value(r, depth))
			return 0;
		skip_ws(r);
		if (peek(r) == ']') {
			r->r_pos++;
			return 1;
		}
		if (peek(r) != ',')
			return fail(r, "expected ',' or ']'");
		r->r_pos++;
		skip_ws(r);
	}
}

/* A value inside a container at depth (1 for the top-level object's). */
static int
parse_value(struct ref *r, int depth)
{
	int	lone = 0;

	switch (peek(r)) {
	case '{':
		return parse_object(r, depth + 1, NULL, 0, NULL);
	case '[':
		return parse_array(r, depth + 1);
	case '"':
		return parse_string(r, NULL, &lone);
	case 't':
		return parse_word(r, "true");
	case 'f':
		return parse_word(r, "false");
	case 'n':
		return parse_word(r, "null");
	case -1:
		return fail(r, "expected a value");
	default:
		if (peek(r) == '-' || (peek(r) >= '0' && peek(r) <= '9'))
			return parse_number(r);
		return fail(r, "not a JSON value");
	}
}

void
ref_json_clear(struct ref_field *fields, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(fields[i].rf_value);
		fields[i].rf_value = NULL;
		fields[i].rf_count = 0;
		fields[i].rf_string = 0;
		fields[i].rf_len = 0;
		fields[i].rf_lone = 0;
		fields[i].rf_raw = NULL;
		fields[i].rf_rawlen = 0;
	}
}

int
ref_json_object(const char *s, size_t len, int max_depth,
    struct ref_field *fields, size_t n, size_t *members, const char **why)
{
	struct ref	r;
	size_t		dummy;

	memset(&r, 0, sizeof(r));
	r.r_s = (const unsigned char *)s;
	r.r_len = len;
	r.r_max_depth = max_depth;
	if (members == NULL)
		members = &dummy;
	*members = 0;
	ref_json_clear(fields, n);
	skip_ws(&r);
	if (peek(&r) != '{') {
		/* Say whether it is JSON at all, for the reason. */
		if (parse_value(&r, 0)) {
			skip_ws(&r);
			fail(&r, at_end(&r) ? "not an object" : "trailing bytes");
		}
		goto fail;
	}
	if (!parse_object(&r, 1, fields, n, members))
		goto fail;
	skip_ws(&r);
	if (!at_end(&r)) {
		fail(&r, "trailing bytes");
		goto fail;
	}
	return 1;
fail:
	ref_json_clear(fields, n);
	*members = 0;
	if (why != NULL)
		*why = r.r_why;
	return 0;
}

int
ref_json_string(const char *s, size_t len, char **out, size_t *outlen,
    int *lone)
{
	struct ref	r;
	struct ref_buf	b;

	memset(&r, 0, sizeof(r));
	memset(&b, 0, sizeof(b));
	r.r_s = (const unsigned char *)s;
	r.r_len = len;
	*lone = 0;
	buf_add(&b, "", 0);
	if (!parse_string(&r, &b, lone) || !at_end(&r)) {
		free(b.b_data);
		*out = NULL;
		*outlen = 0;
		*lone = 0;
		return 0;
	}
	*out = b.b_data;
	*outlen = b.b_len;
	return 1;
}

int
ref_name_ok(const char *s, size_t len, const char **why)
{
	const unsigned char	*u = (const unsigned char *)s;
	unsigned long		 cp;
	size_t			 i, n;

	if (len == 0) {
		*why = "empty";
		return 0;
	}
	if (len > REF_NAME_MAX) {
		*why = "longer than 1024 bytes";
		return 0;
	}
	for (i = 0; i < len; i += n) {
		if ((n = utf8_decode(u + i, len - i, &cp)) == 0) {
			*why = "not UTF-8";
			return 0;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
			*why = "a control character";
			return 0;
		}
		if (cp == 0x2028 || cp == 0x2029) {
			*why = "a line or paragraph separator";
			return 0;
		}
		/* overrides, embeddings, isolates, and the marks LRM, RLM, ALM */
		if ((cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
		    cp == 0x200f || cp == 0x061c) {
			*why = "a bidi control";
			return 0;
		}
	}
	return 1;
}

/* One of id and type: there once, a string, no lone surrogate, a name. */
static int
name_field(const struct ref_field *f, const char **why)
{
	if (f->rf_count == 0) {
		*why = "missing";
		return 0;
	}
	if (f->rf_count > 1) {
		*why = "given twice";
		return 0;
	}
	if (!f->rf_string) {
		*why = "not a string";
		return 0;
	}
	if (f->rf_lone) {
		*why = "a lone surrogate escape";
		return 0;
	}
	return ref_name_ok(f->rf_value, f->rf_len, why);
}

int
ref_event_ok(const char *s, size_t len, char **id, size_t *idlen,
    char **type, size_t *typelen, const char **why)
{
	struct ref_field	f[2];

	memset(f, 0, sizeof(f));
	f[0].rf_name = "id";
	f[1].rf_name = "type";
	if (!ref_json_object(s, len, REF_JSON_MAX_DEPTH, f, 2, NULL, why))
		return 0;
	if (!name_field(&f[0], why) || !name_field(&f[1], why)) {
		ref_json_clear(f, 2);
		return 0;
	}
	if (id != NULL) {
		*id = f[0].rf_value;
		*idlen = f[0].rf_len;
		f[0].rf_value = NULL;
	}
	if (type != NULL) {
		*type = f[1].rf_value;
		*typelen = f[1].rf_len;
		f[1].rf_value = NULL;
	}
	ref_json_clear(f, 2);
	return 1;
}
