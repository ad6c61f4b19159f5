/*
 * form.c: application/x-www-form-urlencoded, decoded strictly, and its
 * JSON object (form.h). Twilio signs the fields, and the spool stores
 * them as a JSON object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "schemes/form.h"
#include "verify.h"

/*
 * Decode s[0..len) ('+' a space, %XX a byte) into a new string in *out,
 * checked as UTF-8. Returns 0, or -1 with a static reason.
 */
static int
form_unescape(const char *s, size_t len, char **out, size_t *outlen,
    const char **reason)
{
	char	*d;
	size_t	 i, n = 0, k;
	int	 hi, lo;

	if ((d = malloc(len + 1)) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			d[n++] = ' ';
		else if (s[i] != '%')
			d[n++] = s[i];
		else if (i + 2 < len &&
		    (hi = verify_hex_digit((unsigned char)s[i + 1])) != -1 &&
		    (lo = verify_hex_digit((unsigned char)s[i + 2])) != -1) {
			d[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			free(d);
			*reason = "a % not followed by two hex digits";
			return -1;
		}
	}
	d[n] = '\0';
	for (i = 0; i < n; i += k) {
		k = (unsigned char)d[i] < 0x80 ? 1 :
		    json_utf8_len((const unsigned char *)d + i, n - i);
		if (k == 0) {
			free(d);
			*reason = "a field that is not UTF-8";
			return -1;
		}
	}
	*out = d;
	*outlen = n;
	return 0;
}

int
form_decode(const char *body, size_t len, struct form *fm,
    const char **reason)
{
	struct form_field	*f;
	const char		*p = body, *end = body + len, *amp, *eq;
	size_t			 cap = 0;

	fm->fm_fields = NULL;
	fm->fm_n = 0;
	while (p < end) {
		amp = memchr(p, '&', end - p);
		if (amp == NULL)
			amp = end;
		if ((eq = memchr(p, '=', amp - p)) == NULL) {
			*reason = amp == p ? "an empty field" :
			    "a field without '='";
			goto fail;
		}
		if (fm->fm_n == FORM_FIELDS_MAX) {
			*reason = "more than 10000 fields";
			goto fail;
		}
		if (fm->fm_n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((f = reallocarray(fm->fm_fields, cap,
			    sizeof(*f))) == NULL) {
				*reason = "out of memory";
				goto fail;
			}
			fm->fm_fields = f;
		}
		f = &fm->fm_fields[fm->fm_n];
		f->ff_name = f->ff_value = NULL;
		if (form_unescape(p, eq - p, &f->ff_name, &f->ff_namelen,
		    reason) == -1)
			goto fail;
		fm->fm_n++;
		if (form_unescape(eq + 1, amp - eq - 1, &f->ff_value,
		    &f->ff_valuelen, reason) == -1)
			goto fail;
		if (amp < end && amp + 1 == end) {
			*reason = "an empty field";
			goto fail;
		}
		p = amp + 1;
	}
	return 0;
fail:
	form_free(fm);
	return -1;
}

void
form_free(struct form *fm)
{
	size_t	i;

	if (fm == NULL)
		return;
	for (i = 0; i < fm->fm_n; i++) {
		free(fm->fm_fields[i].ff_name);
		free(fm->fm_fields[i].ff_value);
	}
	free(fm->fm_fields);
	fm->fm_fields = NULL;
	fm->fm_n = 0;
}

/* Fields sorted by name, then by place: for grouping repeats. */
static int
form_cmp(const void *a, const void *b, void *arg)
{
	const struct form_field	*f = ((const struct form *)arg)->fm_fields;
	size_t			 i = *(const size_t *)a, j = *(const size_t *)b;
	size_t			 n = f[i].ff_namelen < f[j].ff_namelen ?
	    f[i].ff_namelen : f[j].ff_namelen;
	int			 c;

	if ((c = memcmp(f[i].ff_name, f[j].ff_name, n)) != 0)
		return c;
	if (f[i].ff_namelen != f[j].ff_namelen)
		return f[i].ff_namelen < f[j].ff_namelen ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Whether fields i and j have the same name. */
static int
form_same(const struct form *fm, size_t i, size_t j)
{
	const struct form_field	*f = fm->fm_fields;

	return f[i].ff_namelen == f[j].ff_namelen &&
	    memcmp(f[i].ff_name, f[j].ff_name, f[i].ff_namelen) == 0;
}

/* Append s[0..len) to the buffer *b (length *n, room *cap). */
static int
form_put(char **b, size_t *n, size_t *cap, const char *s, size_t len)
{
	char	*nb;
	size_t	 want = *n + len + 1;

	if (want > *cap) {
		*cap = want > 2 * *cap ? want : 2 * *cap;
		if ((nb = realloc(*b, *cap)) == NULL)
			return -1;
		*b = nb;
	}
	memcpy(*b + *n, s, len);
	*n += len;
	(*b)[*n] = '\0';
	return 0;
}

/* Append s as a JSON string. */
static int
form_put_string(char **b, size_t *n, size_t *cap, const char *s, size_t len)
{
	char	*j;
	int	 rc;

	if ((j = json_string_encode(s, len)) == NULL)
		return -1;
	rc = form_put(b, n, cap, j, strlen(j));
	free(j);
	return rc;
}

char *
form_json(const struct form *fm, size_t *outlen)
{
	size_t	*order = NULL, *group = NULL, i, j, k, n = 0, cap = 0;
	char	*b = NULL;
	int	 rc = 0;

	if (fm->fm_n > 0 && ((order = calloc(fm->fm_n, sizeof(*order))) ==
	    NULL || (group = calloc(fm->fm_n, sizeof(*group))) == NULL))
		goto fail;
	for (i = 0; i < fm->fm_n; i++)
		order[i] = i;
	if (fm->fm_n > 1)
		qsort_r(order, fm->fm_n, sizeof(*order), form_cmp, (void *)fm);
	/* group[i]: where field i's run of equal names starts in order[] */
	for (i = 0; i < fm->fm_n; i = j)
		for (j = i; j < fm->fm_n && form_same(fm, order[i], order[j]);
		    j++)
			group[order[j]] = i;
	rc |= form_put(&b, &n, &cap, "{", 1);
	for (i = 0; i < fm->fm_n; i++) {
		k = group[i];
		if (order[k] != i)
			continue;	/* not the first of its name */
		rc |= form_put(&b, &n, &cap, n > 1 ? "," : "", n > 1);
		rc |= form_put_string(&b, &n, &cap, fm->fm_fields[i].ff_name,
		    fm->fm_fields[i].ff_namelen);
		rc |= form_put(&b, &n, &cap, ":", 1);
		j = k + 1 < fm->fm_n && group[order[k + 1]] == k;
		rc |= form_put(&b, &n, &cap, "[", j);
		for (j = k; j < fm->fm_n && group[order[j]] == k; j++) {
			rc |= form_put(&b, &n, &cap, ",", j > k);
			rc |= form_put_string(&b, &n, &cap,
			    fm->fm_fields[order[j]].ff_value,
			    fm->fm_fields[order[j]].ff_valuelen);
		}
		rc |= form_put(&b, &n, &cap, "]", j > k + 1);
	}
	rc |= form_put(&b, &n, &cap, "}", 1);
	if (rc != 0)
		goto fail;
	free(order);
	free(group);
	*outlen = n;
	return b;
fail:
	free(order);
	free(group);
	free(b);
	return NULL;
}

int
form_field_cmp(const struct form_field *a, const struct form_field *b)
{
	size_t	n;
	int	c;

	n = a->ff_namelen < b->ff_namelen ? a->ff_namelen : b->ff_namelen;
	if ((c = memcmp(a->ff_name, b->ff_name, n)) != 0)
		return c;
	if (a->ff_namelen != b->ff_namelen)
		return a->ff_namelen < b->ff_namelen ? -1 : 1;
	n = a->ff_valuelen < b->ff_valuelen ? a->ff_valuelen : b->ff_valuelen;
	if ((c = memcmp(a->ff_value, b->ff_value, n)) != 0)
		return c;
	if (a->ff_valuelen != b->ff_valuelen)
		return a->ff_valuelen < b->ff_valuelen ? -1 : 1;
	return 0;
}

static int
form_qsort_cmp(const void *a, const void *b)
{
	return form_field_cmp(a, b);
}

void
form_sort(struct form *fm)
{
	if (fm->fm_n > 1)
		qsort(fm->fm_fields, fm->fm_n, sizeof(*fm->fm_fields),
		    form_qsort_cmp);
}
