/*
 * event.h: the checks a verified body must pass before it is spooled, and
 * the fields of a spooled line. No json-c type leaves event.c: callers see
 * plain C values only.
 */
#ifndef HOOKSPOOL_EVENT_H
#define HOOKSPOOL_EVENT_H

#include <stddef.h>

#define EVENT_MAX_DEPTH	64	/* objects and arrays; the body is level 1 */
#define EVENT_NAME_MAX	1024	/* bytes of an id or type, decoded */
#define EVENT_SUM_LEN	32	/* bytes of a SHA-256 */

struct event {
	char		*ev_id;		/* the id, as decoded */
	char		*ev_type;	/* the type, as decoded */
	char		*ev_id_json;	/* the id as a JSON string, quotes included */
	char		*ev_type_json;	/* the type as a JSON string, quotes included */
	/*
	 * Set when the id comes from a header the signature does not cover
	 * (scheme.h): ev_signed_sum is then the SHA-256 of the signed bytes,
	 * which the spool dedups on as well as on the id, so that a captured
	 * request sent again under a fresh id is still a duplicate.
	 */
	int		 ev_id_unsigned;
	unsigned char	 ev_signed_sum[EVENT_SUM_LEN];
};

/*
 * Check that body[0..len) is an event, and fill ev with its id and type.
 *
 * The body must be exactly one JSON object as RFC 8259 defines it, checked
 * in one pass by json_check_object() (json.h): strict UTF-8, no NUL byte,
 * no raw control character in a string, only the RFC's escapes, numbers
 * and literals, nesting at most EVENT_MAX_DEPTH, only JSON white space
 * around it. No tree is built: the memory used does not grow with the
 * number of values in the body. A \uD800-style lone surrogate escape is
 * valid JSON and is accepted anywhere but in id and type.
 *
 * The top-level object must have exactly one "id" and one "type" key (keys
 * compared after decoding their escapes, so "\u0069d" is "id"; keys of
 * nested objects do not count), and each must be a string that, once its
 * escapes are decoded, is 1 to EVENT_NAME_MAX bytes of UTF-8 without:
 *   - a C0 control (U+0000-U+001F), DEL or a C1 control (U+007F-U+009F);
 *   - U+2028 LINE SEPARATOR or U+2029 PARAGRAPH SEPARATOR;
 *   - a bidi control: the embeddings and overrides U+202A-U+202E, the
 *     isolates U+2066-U+2069, and also the marks U+200E, U+200F and
 *     U+061C, which are as invisible and reorder text as well;
 *   - an escape of a lone surrogate: \uD800-\uDBFF must be followed by a
 *     \uDC00-\uDFFF escape, the two making one supplementary code point,
 *     and \uDC00-\uDFFF may appear only so.
 *
 * On success fills ev, which the caller releases with event_clear(), and
 * returns 0; ev_id and ev_type hold no NUL byte. On failure returns -1
 * with a static reason in *reason ("id is longer than 1024 bytes", "body
 * has two top-level \"id\" keys", ...); ev is left empty. body is not
 * changed.
 */
int event_parse(const char *body, size_t len, struct event *ev,
    const char **reason);

/*
 * Whether body[0..len) is one JSON object as event_parse() requires of
 * the body (RFC 8259, UTF-8, no NUL, depth), without the id and type
 * rules. Returns 0, or -1 with a static reason.
 */
int event_check_body(const char *body, size_t len, const char **reason);

/*
 * The string at a dotted path of a body event_check_body() accepts:
 * "event.type" is member "type" of the top-level member "event" (each
 * step an object; no step may appear twice in its object). Returns 1 with
 * the decoded string in a new NUL-terminated *out (the caller frees it) of
 * *outlen bytes; 0 (*out NULL) when a step is missing or the value is not
 * a string; -1 with a static reason when the body or path is unusable, a
 * step appears twice, or the string holds a lone surrogate escape.
 */
int event_body_string(const char *body, size_t len, const char *path,
    char **out, size_t *outlen, const char **reason);

/*
 * Fill ev from an id and a type taken from elsewhere (headers, or fields
 * found with event_body_string()), each by the same rules event_parse()
 * applies, plus valid UTF-8; NULL means missing. Returns 0, or -1 with a
 * static reason and ev left empty. Release ev with event_clear().
 */
int event_set(struct event *ev, const char *id, size_t idlen,
    const char *type, size_t typelen, const char **reason);

/* Frees what event_parse() stored in ev and empties it. ev may be NULL. */
void event_clear(struct event *ev);

/*
 * Whether type matches one of the fnmatch(3) patterns ("*" matches any
 * type, "conversation.*" every conversation event). npatterns == 0 matches
 * nothing.
 */
int event_type_matches(const char *type, char *const *patterns,
    size_t npatterns);

/*
 * Turn a valid JSON body into one line in place: CR and LF (which JSON
 * allows only as white space) become spaces, and surrounding white space is
 * trimmed. Returns the start of the line within body and its length in
 * *outlen; nothing is allocated.
 */
char *event_flatten(char *body, size_t len, size_t *outlen);

/*
 * Write s as a JSON string (quotes included) into a new buffer the caller
 * frees, or NULL on allocation failure: json_string_encode() (json.h),
 * which escapes '"', '\\' and every control character. Valid UTF-8 in
 * gives JSON out that decodes back to s.
 */
char *event_json_string(const char *s);

/*
 * The top-level string fields keys[0..n) of the JSON object line[0..len)
 * (parsed with json-c: meant for lines hookspool wrote itself),
 * such as "id", "type" and "webhook" of a spooled line, from one parse:
 * out[i] is a new string the caller frees, or NULL where keys[i] is
 * missing or not a string. Returns 0, or -1 with a static reason in
 * *reason (nothing is then allocated), also when one of the strings asked
 * for holds a NUL character (a \u0000 escape).
 */
int event_fields(const char *line, size_t len, const char *const keys[],
    char *out[], size_t n, const char **reason);

/*
 * One field that must be there: as event_fields() for key alone, into
 * *out (NULL on failure), but -1 also when key is missing or not a string.
 */
int event_field_string(const char *line, size_t len, const char *key,
    char **out, const char **reason);

#endif
