/*
 * event.h: the checks a verified body must pass before it is spooled (json-c).
 * No json-c type leaves event.c: callers see plain C values only.
 */
#ifndef HOOKSPOOL_EVENT_H
#define HOOKSPOOL_EVENT_H

#include <stddef.h>

#define EVENT_MAX_DEPTH	64

struct event {
	char	*ev_id;		/* the id, as decoded */
	char	*ev_type;	/* the type, as decoded */
	char	*ev_id_json;	/* the id as a JSON string, quotes included */
	char	*ev_type_json;	/* the type as a JSON string, quotes included */
};

/*
 * Check that body[0..len) is one JSON object (RFC 8259, valid UTF-8, no
 * NUL byte, nesting at most EVENT_MAX_DEPTH) whose "id" and "type" are
 * non-empty strings free of control characters. On success fills ev, which
 * the caller releases with event_clear(), and returns 0. On failure returns
 * -1 with a static reason in *reason; ev is left empty.
 */
int event_parse(const char *body, size_t len, struct event *ev,
    const char **reason);

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
 * frees, or NULL on allocation failure. s must be valid UTF-8.
 */
char *event_json_string(const char *s);

/*
 * The top-level string fields keys[0..n) of the JSON object line[0..len),
 * such as "id", "type" and "webhook" of a spooled line, from one parse:
 * out[i] is a new string the caller frees, or NULL where keys[i] is
 * missing or not a string. Returns 0, or -1 with a static reason in
 * *reason (nothing is then allocated).
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
