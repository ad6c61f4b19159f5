/*
 * event.c: the checks of a verified body, and the fields of a spooled line.
 * A body is checked by json.c, which builds no tree; json-c reads only the
 * lines hookspool itself wrote (event_fields), and everything it hands out
 * stays in this file.
 */
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "json.h"

_Static_assert(EVENT_MAX_DEPTH == JSON_MAX_DEPTH, "one depth limit");
_Static_assert(EVENT_NAME_MAX == 1024, "the reasons below say 1024");

/* The reasons one of the two names (id, type) is refused. */
struct event_name_rule {
	const char	*nr_key;
	const char	*nr_missing, *nr_twice, *nr_not_string, *nr_empty;
	const char	*nr_long, *nr_lone, *nr_control, *nr_separator;
	const char	*nr_bidi;
};

static const struct event_name_rule event_name_rules[2] = {
	{ "id", "id is missing", "body has two top-level \"id\" keys",
	  "id is not a string", "id is empty",
	  "id is longer than 1024 bytes", "id holds a lone surrogate escape",
	  "id holds a control character",
	  "id holds a line or paragraph separator", "id holds a bidi control" },
	{ "type", "type is missing", "body has two top-level \"type\" keys",
	  "type is not a string", "type is empty",
	  "type is longer than 1024 bytes",
	  "type holds a lone surrogate escape",
	  "type holds a control character",
	  "type holds a line or paragraph separator",
	  "type holds a bidi control" },
};

/* The code point of the valid UTF-8 sequence at s, and its length in *n. */
static uint32_t
event_code_point(const unsigned char *s, size_t *n)
{
	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if (s[0] < 0xe0) {
		*n = 2;
		return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	}
	if (s[0] < 0xf0) {
		*n = 3;
		return (uint32_t)(s[0] & 0x0f) << 12 |
		    (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	}
	*n = 4;
	return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
	    (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
}

/*
 * The first character id or type may not hold in s[0..len) (valid UTF-8),
 * as its reason, or NULL.
 */
static const char *
event_name_refused(const struct event_name_rule *r, const char *s,
    size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i, n;

	for (i = 0; i < len; i += n) {
		cp = event_code_point(p + i, &n);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return r->nr_control;
		if (cp == 0x2028 || cp == 0x2029)
			return r->nr_separator;
		if ((cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069) ||
		    cp == 0x200e || cp == 0x200f || cp == 0x061c)
			return r->nr_bidi;
	}
	return NULL;
}

/*
 * Decode the top-level member m (id or type) by the rules r into a new
 * string in *out and its JSON form in *json.
 */
static int
event_name(const struct event_name_rule *r, const struct json_member *m,
    char **out, char **json, const char **reason)
{
	size_t	len;
	int	lone;

	if (m->jm_count == 0) {
		*reason = r->nr_missing;
		return -1;
	}
	if (m->jm_count > 1) {
		*reason = r->nr_twice;
		return -1;
	}
	if (m->jm_raw == NULL) {
		*reason = r->nr_not_string;
		return -1;
	}
	len = json_string_decode(m->jm_raw, m->jm_rawlen, NULL, 0, &lone);
	if (lone)
		*reason = r->nr_lone;
	else if (len == 0)
		*reason = r->nr_empty;
	else if (len > EVENT_NAME_MAX)
		*reason = r->nr_long;
	if (lone || len == 0 || len > EVENT_NAME_MAX)
		return -1;
	if ((*out = malloc(len + 1)) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	/* the same length again: only the bytes are new */
	(void)json_string_decode(m->jm_raw, m->jm_rawlen, *out, len, &lone);
	(*out)[len] = '\0';
	if ((*reason = event_name_refused(r, *out, len)) != NULL)
		return -1;
	if ((*json = json_string_encode(*out, len)) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	return 0;
}

int
event_parse(const char *body, size_t len, struct event *ev, const char **reason)
{
	struct json_member	m[2];

	memset(ev, 0, sizeof(*ev));
	m[0].jm_name = event_name_rules[0].nr_key;
	m[1].jm_name = event_name_rules[1].nr_key;
	if (json_check_object(body, len, m, 2, reason) == -1)
		return -1;
	if (event_name(&event_name_rules[0], &m[0], &ev->ev_id,
	    &ev->ev_id_json, reason) == -1 ||
	    event_name(&event_name_rules[1], &m[1], &ev->ev_type,
	    &ev->ev_type_json, reason) == -1) {
		event_clear(ev);
		return -1;
	}
	return 0;
}

int
event_check_body(const char *body, size_t len, const char **reason)
{
	return json_check_object(body, len, NULL, 0, reason);
}

/* The member name (at most 64 bytes) of path[0..n) into m. */
static int
event_step(const char *path, size_t n, char name[65], struct json_member *m)
{
	if (n == 0 || n > 64)
		return -1;
	memcpy(name, path, n);
	name[n] = '\0';
	m->jm_name = name;
	return 0;
}

int
event_body_string(const char *body, size_t len, const char *path, char **out,
    size_t *outlen, const char **reason)
{
	struct json_member	 m;
	const char		*dot;
	char			 name[65];
	size_t			 n;
	int			 lone;

	*out = NULL;
	for (;;) {
		dot = strchr(path, '.');
		n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		if (event_step(path, n, name, &m) == -1) {
			*reason = "a field's path is not usable";
			return -1;
		}
		if (json_check_object(body, len, &m, 1, reason) == -1)
			return -1;
		if (m.jm_count > 1) {
			*reason = "body has a field twice where the id or "
			    "type is looked up";
			return -1;
		}
		if (dot == NULL)
			break;
		if (m.jm_count == 0 || m.jm_value == NULL || m.jm_value[0] != '{')
			return 0;
		body = m.jm_value;
		len = m.jm_valuelen;
		path = dot + 1;
	}
	if (m.jm_count == 0 || m.jm_raw == NULL)
		return 0;
	n = json_string_decode(m.jm_raw, m.jm_rawlen, NULL, 0, &lone);
	if (lone) {
		*reason = "a field holds a lone surrogate escape";
		return -1;
	}
	if ((*out = malloc(n + 1)) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	(void)json_string_decode(m.jm_raw, m.jm_rawlen, *out, n, &lone);
	(*out)[n] = '\0';
	*outlen = n;
	return 1;
}

/* s[0..len) as id or type by the rules r: a new copy and its JSON form. */
static int
event_name_set(const struct event_name_rule *r, const char *s, size_t len,
    char **out, char **json, const char **reason)
{
	size_t	i, n;

	if (s == NULL) {
		*reason = r->nr_missing;
		return -1;
	}
	if (len == 0 || len > EVENT_NAME_MAX) {
		*reason = len == 0 ? r->nr_empty : r->nr_long;
		return -1;
	}
	for (i = 0; i < len; i += n) {
		n = (unsigned char)s[i] < 0x80 ? 1 :
		    json_utf8_len((const unsigned char *)s + i, len - i);
		if (n == 0) {
			*reason = "id or type is not valid UTF-8";
			return -1;
		}
	}
	if ((*reason = event_name_refused(r, s, len)) != NULL)
		return -1;
	if ((*out = strndup(s, len)) == NULL ||
	    (*json = json_string_encode(s, len)) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	return 0;
}

int
event_set(struct event *ev, const char *id, size_t idlen, const char *type,
    size_t typelen, const char **reason)
{
	memset(ev, 0, sizeof(*ev));
	if (event_name_set(&event_name_rules[0], id, idlen, &ev->ev_id,
	    &ev->ev_id_json, reason) == -1 ||
	    event_name_set(&event_name_rules[1], type, typelen, &ev->ev_type,
	    &ev->ev_type_json, reason) == -1) {
		event_clear(ev);
		return -1;
	}
	return 0;
}

void
event_clear(struct event *ev)
{
	if (ev == NULL)
		return;
	free(ev->ev_id);
	free(ev->ev_type);
	free(ev->ev_id_json);
	free(ev->ev_type_json);
	memset(ev, 0, sizeof(*ev));
}

int
event_type_matches(const char *type, char *const *patterns, size_t npatterns)
{
	size_t	i;

	/* "*" (the default) matches every type, as fnmatch() would say. */
	for (i = 0; i < npatterns; i++)
		if (strcmp(patterns[i], "*") == 0 ||
		    fnmatch(patterns[i], type, 0) == 0)
			return 1;
	return 0;
}

char *
event_flatten(char *body, size_t len, size_t *outlen)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (body[i] == '\r' || body[i] == '\n')
			body[i] = ' ';
	while (len > 0 && (body[len - 1] == ' ' || body[len - 1] == '\t'))
		len--;
	while (len > 0 && (*body == ' ' || *body == '\t')) {
		body++;
		len--;
	}
	*outlen = len;
	return body;
}

char *
event_json_string(const char *s)
{
	return json_string_encode(s, strlen(s));
}

int
event_fields(const char *line, size_t len, const char *const keys[],
    char *out[], size_t n, const char **reason)
{
	struct json_tokener	*tok;
	struct json_object	*obj, *v;
	size_t			 i;
	int			 rc = -1;

	for (i = 0; i < n; i++)
		out[i] = NULL;
	if (len > INT_MAX || memchr(line, '\0', len) != NULL) {
		*reason = "not a JSON line";
		return -1;
	}
	if ((tok = json_tokener_new_ex(EVENT_MAX_DEPTH + 2)) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	obj = json_tokener_parse_ex(tok, line, (int)len);
	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		*reason = "not a JSON object";
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (!json_object_object_get_ex(obj, keys[i], &v) ||
		    !json_object_is_type(v, json_type_string))
			continue;
		/* A \u0000 escape would cut the copy short. */
		if (memchr(json_object_get_string(v), '\0',
		    (size_t)json_object_get_string_len(v)) != NULL) {
			*reason = "a field holds a NUL character";
			while (i > 0)
				free(out[--i]);
			goto done;
		}
		if ((out[i] = strndup(json_object_get_string(v),
		    json_object_get_string_len(v))) == NULL) {
			*reason = "out of memory";
			while (i > 0)
				free(out[--i]);
			goto done;
		}
	}
	rc = 0;
done:
	json_object_put(obj);
	json_tokener_free(tok);
	return rc;
}

int
event_field_string(const char *line, size_t len, const char *key, char **out,
    const char **reason)
{
	const char	*keys[1] = { key };

	if (event_fields(line, len, keys, out, 1, reason) == -1)
		return -1;
	if (*out == NULL) {
		*reason = "no such string field";
		return -1;
	}
	return 0;
}
