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

/*
 * RFC 8259 allows no byte below 0x20 inside a string; json-c's strict mode
 * lets them through, so look for them here. Outside strings, the only such
 * bytes json-c accepts are white space.
 */
static int
raw_control_in_string(const char *s, size_t len)
{
	size_t	i;
	int	in_string = 0;

	for (i = 0; i < len; i++) {
		if (!in_string) {
			if (s[i] == '"')
				in_string = 1;
			continue;
		}
		if ((unsigned char)s[i] < 0x20)
			return 1;
		if (s[i] == '\\')
			i++;	/* the escaped byte cannot end the string */
		else if (s[i] == '"')
			in_string = 0;
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
	if (raw_control_in_string(body, len)) {
		*reason = "body has a raw control character in a string";
		return -1;
	}
	/* json-c counts the top level as one level, as we do. */
	if ((tok = json_tokener_new_ex(EVENT_MAX_DEPTH)) == NULL) {
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
