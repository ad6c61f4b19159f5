/*
 * fuzz_form.c: the form decoder (schemes/form.h) on any bytes.
 *
 * Properties:
 *  - form_decode() either refuses with a reason and leaves nothing, or
 *    gives fields whose names and values are valid UTF-8 of the lengths
 *    it says, with no more than FORM_FIELDS_MAX of them.
 *  - form_json() of them is one JSON object (json_check_object()) of one
 *    line, holding each distinct name once.
 *  - Encoding the fields again (every byte as %XX) and decoding that gives
 *    the same fields, and the same JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "schemes/form.h"

static const uint8_t	*cur_data;
static size_t		 cur_size;

static void
fuzz_report(void)
{
	fuzz_dump("input", cur_data, cur_size);
}

/* s[0..len) is valid UTF-8, NUL-terminated there. */
static void
utf8(const char *s, size_t len)
{
	size_t	i, k;

	FUZZ_CHECK(s[len] == '\0', "not NUL-terminated at its length");
	for (i = 0; i < len; i += k) {
		k = (unsigned char)s[i] < 0x80 ? 1 :
		    json_utf8_len((const unsigned char *)s + i, len - i);
		FUZZ_CHECK(k > 0, "a field that is not UTF-8");
		if (k == 0)
			return;
	}
}

/* fm's fields encoded again, every byte as %XX. */
static char *
reencode(const struct form *fm, size_t *len)
{
	size_t	 i, j, cap = 1;
	char	*b, *p;

	for (i = 0; i < fm->fm_n; i++)
		cap += 3 * (fm->fm_fields[i].ff_namelen +
		    fm->fm_fields[i].ff_valuelen) + 2;
	if ((b = malloc(cap)) == NULL)
		abort();
	p = b;
	for (i = 0; i < fm->fm_n; i++) {
		if (i > 0)
			*p++ = '&';
		for (j = 0; j < fm->fm_fields[i].ff_namelen; j++)
			p += sprintf(p, "%%%02X",
			    (unsigned char)fm->fm_fields[i].ff_name[j]);
		*p++ = '=';
		for (j = 0; j < fm->fm_fields[i].ff_valuelen; j++)
			p += sprintf(p, "%%%02X",
			    (unsigned char)fm->fm_fields[i].ff_value[j]);
	}
	*len = p - b;
	return b;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form	 fm, again;
	const char	*reason = NULL;
	char		*json, *json2, *enc;
	size_t		 n, n2, elen, i;

	cur_data = data;
	cur_size = size;
	if (form_decode((const char *)data, size, &fm, &reason) == -1) {
		FUZZ_CHECK(reason != NULL && fm.fm_n == 0 &&
		    fm.fm_fields == NULL, "a refusal without a reason");
		return 0;
	}
	FUZZ_CHECK(fm.fm_n <= FORM_FIELDS_MAX, "%zu fields", fm.fm_n);
	for (i = 0; i < fm.fm_n; i++) {
		utf8(fm.fm_fields[i].ff_name, fm.fm_fields[i].ff_namelen);
		utf8(fm.fm_fields[i].ff_value, fm.fm_fields[i].ff_valuelen);
	}
	if ((json = form_json(&fm, &n)) == NULL)
		abort();
	FUZZ_CHECK(json_check_object(json, n, NULL, 0, &reason) == 0,
	    "not a JSON object (%s): %s", reason, json);
	FUZZ_CHECK(memchr(json, '\n', n) == NULL, "more than one line");
	enc = reencode(&fm, &elen);
	FUZZ_CHECK(form_decode(enc, elen, &again, &reason) == 0,
	    "the fields encoded again are refused: %s", reason);
	FUZZ_CHECK(again.fm_n == fm.fm_n, "%zu fields, then %zu", fm.fm_n,
	    again.fm_n);
	if ((json2 = form_json(&again, &n2)) == NULL)
		abort();
	FUZZ_CHECK(n2 == n && memcmp(json, json2, n) == 0, "the JSON changed");
	free(json2);
	free(json);
	free(enc);
	form_free(&again);
	form_free(&fm);
	return 0;
}
