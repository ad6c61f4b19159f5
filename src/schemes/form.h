/*
 * form.h: application/x-www-form-urlencoded bodies (Twilio), decoded
 * strictly and turned into the JSON object the spool stores.
 */
#ifndef HOOKSPOOL_FORM_H
#define HOOKSPOOL_FORM_H

#include <stddef.h>

#define FORM_FIELDS_MAX	10000	/* fields in one body; more is refused */

/* One decoded field: name and value, each NUL-terminated, valid UTF-8. */
struct form_field {
	char	*ff_name;
	size_t	 ff_namelen;
	char	*ff_value;
	size_t	 ff_valuelen;
};

/* A decoded body: its fields in the order they came. */
struct form {
	struct form_field	*fm_fields;
	size_t			 fm_n;
};

/*
 * Decode body[0..len) as application/x-www-form-urlencoded, strictly:
 * fields separated by '&', each NAME=VALUE (the '=' required; either side
 * may be empty); '+' is a space; '%' must be followed by two hex digits;
 * the decoded name and value must be valid UTF-8 (RFC 3629). An empty
 * body has no fields; an empty field ("a=1&&b=2", a trailing '&') is
 * refused, as are more than FORM_FIELDS_MAX fields. On success fm holds
 * the fields (release it with form_free()) and 0 is returned; else -1
 * with a static reason, fm empty.
 */
int form_decode(const char *body, size_t len, struct form *fm,
    const char **reason);

/*
 * The JSON object of fm's fields, one line: each name once, in the order
 * of its first appearance; a name that came once maps to its value, one
 * that repeats to an array of its values in order. A new NUL-terminated
 * string the caller frees, its length in *outlen; NULL when out of
 * memory.
 */
char *form_json(const struct form *fm, size_t *outlen);

/*
 * Compare two fields by name, then value, as bytes (memcmp, a shorter
 * prefix first): <0, 0 or >0.
 */
int form_field_cmp(const struct form_field *a, const struct form_field *b);

/*
 * Sort fm's fields in place by form_field_cmp() (Twilio signs them so).
 * The fields still belong to fm.
 */
void form_sort(struct form *fm);

/* Frees fm's fields and empties it. fm may be NULL. */
void form_free(struct form *fm);

#endif
