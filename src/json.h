/*
 * json.h: an exact RFC 8259 validator for request bodies, and the string
 * decoding and encoding the event checks need. It builds no tree and
 * allocates nothing: checking a body costs the same small, fixed amount of
 * memory whatever its size or shape. No json-c here.
 */
#ifndef HOOKSPOOL_JSON_H
#define HOOKSPOOL_JSON_H

#include <stddef.h>

/* Objects and arrays nested deeper than this are refused; the top-level
 * object is level 1. */
#define JSON_MAX_DEPTH	64

/*
 * A top-level member that json_check_object() looks for. The caller sets
 * jm_name; the check fills the rest. jm_raw points into the checked text
 * (nothing is copied): it is the first such member's string value as
 * written, between its quotes, escapes still in it; it is NULL when the
 * member is missing or its first value is not a string.
 */
struct json_member {
	const char	*jm_name;	/* in: the key, at most 64 bytes */
	unsigned	 jm_count;	/* out: top-level members with that key */
	const char	*jm_raw;	/* out: the first one's string, raw */
	size_t		 jm_rawlen;	/* out: and its length */
	const char	*jm_value;	/* out: the first one's value, any type, */
	size_t		 jm_valuelen;	/* as written (an object: "{...}") */
};

/*
 * Check in one pass that text[0..len) is exactly one JSON object as
 * RFC 8259 defines it, with nothing but JSON white space (space, tab, CR,
 * LF) around it: strict UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF), no NUL byte anywhere, no raw control character
 * in a string, only the RFC's escapes, the RFC's number grammar, the
 * literals true, false and null only, and objects and arrays nested at
 * most JSON_MAX_DEPTH deep. A \uXXXX escape of a lone surrogate is
 * grammatical JSON and passes here.
 *
 * Keys of the top-level object are compared with each members[i].jm_name
 * after decoding their escapes ("\u0069d" is "id"); nested objects are not
 * looked at. members may be NULL when nmembers is 0.
 *
 * Returns 0, or -1 with a static reason in *reason (members then hold
 * nothing useful). Nothing is allocated.
 */
int json_check_object(const char *text, size_t len,
    struct json_member *members, size_t nmembers, const char **reason);

/*
 * As json_check_object(), for text[0..len) that must be exactly one JSON
 * array (the same rules for what it holds, nesting counted from the array
 * as level 1). Returns 0, or -1 with a static reason. Nothing allocated.
 */
int json_check_array(const char *text, size_t len, const char **reason);

/*
 * Decode the raw string raw[0..rawlen) (the text between the quotes of a
 * string json_check_object() accepted) to UTF-8, writing at most cap bytes
 * to out (out may be NULL when cap is 0; no NUL is added). A surrogate pair
 * of escapes becomes its one code point; an escape of a lone surrogate
 * becomes U+FFFD and sets *lone to 1 (else *lone is 0). Returns the length
 * of the whole decoded string, which is more than cap when out was too
 * short to take it all.
 */
size_t json_string_decode(const char *raw, size_t rawlen, char *out,
    size_t cap, int *lone);

/*
 * Write s[0..len) as a JSON string, quotes included, into a new
 * NUL-terminated buffer the caller frees; NULL when out of memory. '"' and
 * '\\' are escaped, and so are every C0 control, DEL, the C1 controls and
 * U+2028/U+2029 (as \b \f \n \r \t or \u00XX, \u2028, \u2029); '/' is not.
 * Other bytes are copied as they are, so valid UTF-8 in gives valid JSON
 * out, which decodes back to the same bytes.
 */
char *json_string_encode(const char *s, size_t len);

/*
 * The length of the UTF-8 sequence at s[0..len) (len > 0) that starts with
 * a byte of 0x80 or more: 2 to 4 when it is strict UTF-8 (RFC 3629: no
 * overlong form, no surrogate, nothing past U+10FFFF), else 0.
 */
size_t json_utf8_len(const unsigned char *s, size_t len);

#endif
