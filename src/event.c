/*
 * event.c: the JSON checks of a verified body (json-c). Everything json-c
 * hands out stays in this file.
 */
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"

/* A field that must be a non-empty string without control characters. */
static int
get_name(struct json_object *obj, const char *key, char **out, char **json,
    const char **reason)
{
	struct json_object	*v;
	const char		*s;
	int			 len, i;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string)) {
		*reason = strcmp(key, "id") == 0 ? "id is not a string" :
		    "type is not a string";
		return -1;
	}
	s = json_object_get_string(v);
	len = json_object_get_string_len(v);
	if (len == 0) {
		*reason = strcmp(key, "id") == 0 ? "id is empty" :
		    "type is empty";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			*reason = strcmp(key, "id") == 0 ?
			    "id holds a control character" :
			    "type holds a control character";
			return -1;
		}
	}
	if ((*out = strndup(s, len)) == NULL ||
	    (*json = strdup(json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	return 0;
}

static int
only_space(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* The length of the UTF-8 sequence at s (RFC 3629, strict), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t len)
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
digit_at(const unsigned char *s, size_t len, size_t i)
{
	return i < len && s[i] >= '0' && s[i] <= '9';
}

/* Whether s[i], a '-', is the sign of an exponent ("1e-5"). */
static int
exponent_sign(const unsigned char *s, size_t i)
{
	return i > 0 && (s[i - 1] == 'e' || s[i - 1] == 'E');
}

/*
 * Outside strings: what json-c accepts but RFC 8259 does not: NaN and
 * Infinity, "1." and "1e", "-.5" and "-x", and a leading zero ("-01").
 */
static int
not_rfc8259(const unsigned char *s, size_t len, size_t i)
{
	int	int_start;

	if (s[i] == 'N' || s[i] == 'I')
		return 1;
	if (s[i] == '.')
		return i == 0 || !digit_at(s, len, i - 1) ||
		    !digit_at(s, len, i + 1);
	if (s[i] == '-' && !exponent_sign(s, i))
		return !digit_at(s, len, i + 1);
	if ((s[i] == 'e' || s[i] == 'E') && i > 0 && digit_at(s, len, i - 1)) {
		if (i + 1 < len && (s[i + 1] == '+' || s[i + 1] == '-'))
			i++;
		return !digit_at(s, len, i + 1);
	}
	if (s[i] == '0' && digit_at(s, len, i + 1)) {
		/* the first digit of an integer part, not of a fraction */
		int_start = i == 0 || (s[i - 1] == '-' && !exponent_sign(s, i - 1)) ||
		    (!digit_at(s, len, i - 1) && strchr(".eE+-", s[i - 1]) == NULL);
		return int_start;
	}
	return 0;
}

/*
 * What json-c lets through: raw control characters in strings, UTF-8 that
 * is not strict (overlong forms, surrogates, code points past U+10FFFF),
 * the non-JSON numbers above, and
 * nesting, which json-c counts differently (a scalar inside a container is
 * one level more): here only objects and arrays count.
 */
static int
scan(const unsigned char *s, size_t len, const char **reason)
{
	size_t	i, n;
	int	in_string = 0, depth = 0;

	for (i = 0; i < len; i++) {
		if (s[i] >= 0x80) {
			if ((n = utf8_len(s + i, len - i)) == 0) {
				*reason = "body is not valid UTF-8";
				return -1;
			}
			i += n - 1;
		} else if (in_string) {
			/* RFC 8259; json-c's strict mode lets these through */
			if (s[i] < 0x20) {
				*reason = "body has a raw control character "
				    "in a string";
				return -1;
			}
			if (s[i] == '\\' && i + 1 < len && s[i + 1] < 0x80)
				i++;
			else if (s[i] == '"')
				in_string = 0;
		} else if (s[i] == '"')
			in_string = 1;
		else if (s[i] == '{' || s[i] == '[') {
			if (++depth > EVENT_MAX_DEPTH) {
				*reason = "body nests deeper than 64";
				return -1;
			}
		} else if (s[i] == '}' || s[i] == ']')
			depth--;
		else if (not_rfc8259(s, len, i)) {
			*reason = "body is not valid JSON";
			return -1;
		}
	}
	return 0;
}

int
event_parse(const char *body, size_t len, struct event *ev, const char **reason)
{
	struct json_tokener	*tok;
	struct json_object	*obj = NULL;
	size_t			 used;
	int			 rc = -1;

	memset(ev, 0, sizeof(*ev));
	if (memchr(body, '\0', len) != NULL) {
		*reason = "body holds a NUL byte";
		return -1;
	}
	if (len > INT_MAX) {
		*reason = "body too large";
		return -1;
	}
	if (scan((const unsigned char *)body, len, reason) == -1)
		return -1;
	/* scan() has limited the nesting; leave json-c room for a scalar. */
	if ((tok = json_tokener_new_ex(EVENT_MAX_DEPTH + 1)) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	if (obj == NULL) {
		switch (json_tokener_get_error(tok)) {
		case json_tokener_error_depth:
			*reason = "body nests deeper than 64";
			break;
		case json_tokener_continue:
			*reason = "body is truncated JSON";
			break;
		case json_tokener_error_parse_utf8_string:
			*reason = "body is not valid UTF-8";
			break;
		default:
			*reason = "body is not valid JSON";
			break;
		}
		goto done;
	}
	used = json_tokener_get_parse_end(tok);
	if (!only_space(body + used, len - used)) {
		*reason = "body holds more than one JSON value";
		goto done;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		*reason = "body is not a JSON object";
		goto done;
	}
	if (get_name(obj, "id", &ev->ev_id, &ev->ev_id_json, reason) == -1 ||
	    get_name(obj, "type", &ev->ev_type, &ev->ev_type_json, reason) == -1) {
		event_clear(ev);
		goto done;
	}
	rc = 0;
done:
	json_object_put(obj);
	json_tokener_free(tok);
	return rc;
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

	for (i = 0; i < npatterns; i++)
		if (fnmatch(patterns[i], type, 0) == 0)
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
	struct json_object	*v;
	char			*out;

	if ((v = json_object_new_string(s)) == NULL)
		return NULL;
	out = strdup(json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(v);
	return out;
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
