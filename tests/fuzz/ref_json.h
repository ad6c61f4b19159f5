/*
 * ref_json.h: a second, independent JSON checker for the fuzz targets.
 *
 * Written from the grammar of RFC 8259 and the UTF-8 rules of RFC 3629,
 * sharing no code with src/event.c or json-c, so that the two can be held
 * against each other. It favours being obviously right over being fast.
 */
#ifndef HOOKSPOOL_REF_JSON_H
#define HOOKSPOOL_REF_JSON_H

#include <stddef.h>

#define REF_JSON_MAX_DEPTH	64	/* objects and arrays; the top is 1 */
#define REF_NAME_MAX		1024	/* bytes of an id or a type */

/* A top-level member looked up by its decoded key. */
struct ref_field {
	const char	*rf_name;	/* in: the key, decoded */
	size_t		 rf_count;	/* times the key appears at the top */
	int		 rf_string;	/* its first value is a string */
	char		*rf_value;	/* that string decoded, NUL added */
	size_t		 rf_len;	/* decoded length, without the NUL */
	int		 rf_lone;	/* it holds a lone surrogate escape */
	const char	*rf_raw;	/* the first value's bytes in the text */
	size_t		 rf_rawlen;
};

/*
 * Whether s[0..len) is one RFC 8259 JSON text whose value is an object:
 * white space (space, tab, LF, CR) around it, strict UTF-8, no NUL byte,
 * no raw control character in a string, and objects and arrays nested at
 * most max_depth deep (REF_JSON_MAX_DEPTH for a body; a spool line holds
 * the body one level down). Returns 1, or 0 with a static reason in *why
 * (may be NULL).
 *
 * On 1, fields[i] (i < n) tells about the top-level key fields[i].rf_name,
 * and *members (may be NULL) is the number of top-level members. The
 * caller releases the fields with ref_json_clear(); on 0 there is nothing
 * to release. Keys are compared after decoding ("\u0069d" is "id").
 */
int ref_json_object(const char *s, size_t len, int max_depth,
    struct ref_field *fields, size_t n, size_t *members, const char **why);

/* Frees the values ref_json_object() stored in fields[0..n). */
void ref_json_clear(struct ref_field *fields, size_t n);

/*
 * Whether s[0..len) is exactly one JSON string, quotes included and nothing
 * around it. On 1, *out is its decoded bytes (a new buffer with a NUL
 * added, the caller frees), *outlen their number and *lone whether an
 * escape was a lone surrogate (decoded as U+FFFD).
 */
int ref_json_string(const char *s, size_t len, char **out, size_t *outlen,
    int *lone);

/*
 * Whether the decoded bytes s[0..len) may be an event's id or type: 1 to
 * REF_NAME_MAX bytes of strict UTF-8 holding no C0 control, DEL or C1
 * control, no U+2028 or U+2029 and no bidi control (overrides and
 * embeddings U+202A to U+202E, isolates U+2066 to U+2069, and the marks
 * U+200E, U+200F, U+061C). Returns 1, or 0 with a static reason in *why.
 */
int ref_name_ok(const char *s, size_t len, const char **why);

/*
 * The verdict the event rules (hookspool.fcgi(8)) give a verified body: a JSON object as
 * ref_json_object() wants it with exactly one top-level "id" and one
 * "type", each a string passing ref_name_ok() and holding no lone
 * surrogate escape. Returns 1, or 0 with a static reason in *why. On 1,
 * *id and *type (each may be NULL) are the decoded values, new buffers
 * with a NUL added that the caller frees, and *idlen, *typelen their
 * lengths.
 */
int ref_event_ok(const char *s, size_t len, char **id, size_t *idlen,
    char **type, size_t *typelen, const char **why);

#endif
