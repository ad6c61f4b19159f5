/*
 * fuzz_counters.c: the counters file as status reads it back
 * (counters_parse(), counters_label()), and counters_add_at() on it, on a
 * file that any process of the spool's owner may have scribbled on.
 *
 * The input: byte 0 picks an answer, byte 1 the length of a webhook name
 * made of the bytes that follow (mapped onto the name's characters), and
 * the rest patches a new file's image: (2-byte offset, 1-byte length,
 * bytes) at a time. Properties:
 *  - the input itself, as a file, is refused unless it is exactly one;
 *  - a patched image is read back with at most COUNTERS_ROWS rows, each
 *    label non-empty printable ASCII, each name one a webhook may have;
 *  - a header left alone parses; a header patched into another refuses;
 *  - one add counts exactly one more answer of its kind over all rows,
 *    and the file still parses.
 */
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "fuzz.h"

static const uint8_t	*cur_data;
static size_t		 cur_size;

static void
fuzz_report(void)
{
	fuzz_dump("input", cur_data, cur_size);
}

static uint64_t
total(const struct counters_snapshot *s, enum counters_answer a)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i < s->cs_nrows; i++)
		n += s->cs_rows[i].cr_count[a];
	return n;
}

static void
check_rows(const struct counters_snapshot *s)
{
	static const char *const names[] = { "protocol", "a", "w-1" };
	const char	*label, *p;
	size_t		 i;

	FUZZ_CHECK(s->cs_nrows <= COUNTERS_ROWS, "%zu rows", s->cs_nrows);
	for (i = 0; i < s->cs_nrows; i++) {
		label = counters_label(&s->cs_rows[i], names, 3);
		FUZZ_CHECK(label != NULL && *label != '\0', "row %zu: no label",
		    i);
		for (p = label; *p != '\0'; p++)
			FUZZ_CHECK(*p > 0x20 && *p < 0x7f && *p != '"' &&
			    *p != '\\', "row %zu: label byte 0x%02x", i,
			    (unsigned char)*p);
		FUZZ_CHECK(strlen(s->cs_rows[i].cr_name) <= COUNTERS_NAME_MAX,
		    "row %zu: a name too long", i);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char		 chars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	static struct counters_snapshot	 before, after;
	const char			*reason = NULL;
	enum counters_answer		 a;
	unsigned char			*img, *copy;
	char				 name[32];
	size_t				 i, n, off, len, pos;
	int				 head_touched = 0;

	cur_data = data;
	cur_size = size;
	if (size < 2)
		return 0;
	img = aligned_alloc(8, COUNTERS_SIZE);
	copy = aligned_alloc(8, COUNTERS_SIZE);
	FUZZ_CHECK(img != NULL && copy != NULL, "out of memory");

	/* The input as a file. */
	if (size <= COUNTERS_SIZE) {
		memcpy(copy, data, size);
		if (counters_parse(copy, size, &before, &reason) == 0) {
			FUZZ_CHECK(size == COUNTERS_SIZE, "%zu bytes taken",
			    size);
			check_rows(&before);
		} else
			FUZZ_CHECK(reason != NULL, "refused without a reason");
	}

	a = (enum counters_answer)(data[0] % COUNTERS_ANSWERS);
	n = data[1] % 24 + 1;
	for (i = 0; i < n; i++)
		name[i] = chars[(2 + i < size ? data[2 + i] : i) %
		    (sizeof(chars) - 1)];
	name[n] = '\0';
	counters_init(img);
	for (pos = 2 + n; pos + 3 <= size; pos += 3 + len) {
		off = ((size_t)data[pos] << 8 | data[pos + 1]) * 7 %
		    COUNTERS_SIZE;
		len = data[pos + 2] % 64;
		if (len > size - pos - 3)
			len = size - pos - 3;
		if (len > COUNTERS_SIZE - off)
			len = COUNTERS_SIZE - off;
		if (off < COUNTERS_HEAD && len > 0 &&
		    memcmp(img + off, data + pos + 3,
		    len < COUNTERS_HEAD - off ? len : COUNTERS_HEAD - off) != 0)
			head_touched = 1;
		memcpy(img + off, data + pos + 3, len);
	}
	reason = NULL;
	if (counters_parse(img, COUNTERS_SIZE, &before, &reason) == -1) {
		FUZZ_CHECK(reason != NULL && head_touched,
		    "a file with its header whole refused: %s",
		    reason ? reason : "(no reason)");
		goto done;
	}
	check_rows(&before);
	counters_add_at(img, name, a);
	FUZZ_CHECK(counters_parse(img, COUNTERS_SIZE, &after, &reason) == 0,
	    "refused after an add: %s", reason);
	check_rows(&after);
	FUZZ_CHECK(total(&after, a) == total(&before, a) + 1,
	    "%s counted %llu more %s", name, (unsigned long long)(total(&after,
	    a) - total(&before, a)), counters_answer_names[a]);
	for (i = 0; i < COUNTERS_ANSWERS; i++)
		FUZZ_CHECK(i == (size_t)a || total(&after, i) ==
		    total(&before, i), "an add of %s changed %s",
		    counters_answer_names[a], counters_answer_names[i]);
done:
	free(img);
	free(copy);
	return 0;
}
