/*
 * fuzz_inspect.c: what hookspool list and show read from a spool: event
 * file names (queue_name_parse), the head of a spool line
 * (queue_line_head), records of failures (history_parse), and the text
 * they print (inspect_shown). The first byte of the input picks the part;
 * the rest is the name, the line, the record or the text.
 *
 * Properties:
 *  - A name's parts: NAME is a prefix of the name, NUL-terminated within
 *    SPOOL_NAME_MAX; the counts are at most QUEUE_ATTEMPTS_MAX; its record
 *    key (queue_history_key) is NAME; the name with an attempt count set
 *    (queue_attempt_name) reads back as that count, the same NAME and the
 *    same replays.
 *  - A line's head, when read, is no longer than the input and ends at a
 *    ','; each field is NUL-terminated within its size.
 *  - A record that is read holds at most HISTORY_ENTRIES entries, each
 *    within its bounds; written again (history_format) it is at most
 *    HISTORY_FILE_MAX bytes and reads back whole as the same entries.
 *  - Text made safe for a terminal is NUL-terminated within its buffer and
 *    holds no control character (LINES keeps newline and tab) nor DEL.
 */
#include <string.h>

#include "fuzz.h"
#include "history.h"
#include "inspect.h"
#include "queue.h"
#include "spool.h"

static const uint8_t	*cur_data;
static size_t		 cur_size;

static void
fuzz_report(void)
{
	fuzz_dump("input", cur_data, cur_size);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
check_name(const char *d, size_t n)
{
	struct queue_name	qn, again;
	char			name[SPOOL_NAME_MAX * 2], key[SPOOL_NAME_MAX];
	char			set[SPOOL_NAME_MAX];

	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, d, n);
	name[n] = '\0';
	queue_name_parse(name, &qn);
	FUZZ_CHECK(memchr(qn.qn_base, '\0', sizeof(qn.qn_base)) != NULL,
	    "NAME is not NUL-terminated");
	FUZZ_CHECK(strncmp(qn.qn_base, name, strlen(qn.qn_base)) == 0,
	    "NAME \"%s\" is not a prefix of the name", qn.qn_base);
	FUZZ_CHECK(qn.qn_attempts <= QUEUE_ATTEMPTS_MAX &&
	    qn.qn_replays <= QUEUE_ATTEMPTS_MAX, "counts %u, %u",
	    qn.qn_replays, qn.qn_attempts);
	if (strlen(name) >= SPOOL_NAME_MAX)
		return;
	queue_history_key(name, key);
	FUZZ_CHECK(strcmp(key, qn.qn_base) == 0, "key \"%s\" is not NAME "
	    "\"%s\"", key, qn.qn_base);
	if (queue_attempt_name(name, 7, set) == -1)
		return;
	queue_name_parse(set, &again);
	FUZZ_CHECK(again.qn_attempts == 7, "\"%s\" reads as %u attempts", set,
	    again.qn_attempts);
	FUZZ_CHECK(strcmp(again.qn_base, qn.qn_base) == 0 &&
	    again.qn_replays == qn.qn_replays, "\"%s\" reads as another NAME "
	    "or replays: \"%s\" R%u", set, again.qn_base, again.qn_replays);
}

static void
check_head(const char *d, size_t n)
{
	struct queue_head	qh;
	long			len;

	if ((len = queue_line_head(d, n, &qh)) == -1)
		return;
	FUZZ_CHECK(len > 0 && (size_t)len <= n && d[len - 1] == ',',
	    "head of %ld bytes", len);
	FUZZ_CHECK(memchr(qh.qh_received, '\0', sizeof(qh.qh_received)) &&
	    memchr(qh.qh_webhook, '\0', sizeof(qh.qh_webhook)) &&
	    memchr(qh.qh_id, '\0', sizeof(qh.qh_id)) &&
	    memchr(qh.qh_type, '\0', sizeof(qh.qh_type)),
	    "a field is not NUL-terminated");
}

static void
check_entry(const struct history_entry *a, const struct history_entry *b,
    size_t i)
{
	FUZZ_CHECK(a->he_kind == b->he_kind && a->he_time == b->he_time &&
	    a->he_attempt == b->he_attempt, "entry %zu: kind, time or "
	    "attempt changed", i);
	FUZZ_CHECK(a->he_reasonlen == b->he_reasonlen &&
	    memcmp(a->he_reason, b->he_reason, a->he_reasonlen) == 0,
	    "entry %zu: the reason changed", i);
	FUZZ_CHECK(a->he_stderrlen == b->he_stderrlen &&
	    memcmp(a->he_stderr, b->he_stderr, a->he_stderrlen) == 0,
	    "entry %zu: the standard error changed", i);
}

static void
check_history(const char *d, size_t n)
{
	static struct history	h, again;
	char			*text;
	size_t			 len, i;

	if (history_parse(d, n, &h) == -1)
		return;
	FUZZ_CHECK(h.hi_n <= HISTORY_ENTRIES, "%zu entries", h.hi_n);
	for (i = 0; i < h.hi_n; i++)
		FUZZ_CHECK(h.hi_v[i].he_reasonlen <= HISTORY_REASON_MAX &&
		    h.hi_v[i].he_stderrlen <= HISTORY_STDERR_MAX,
		    "entry %zu out of bounds", i);
	if ((text = history_format(&h, &len)) == NULL)
		abort();
	FUZZ_CHECK(len <= HISTORY_FILE_MAX, "a record of %zu bytes", len);
	FUZZ_CHECK(history_parse(text, len, &again) == 0 && !again.hi_torn,
	    "the record written does not read back whole");
	FUZZ_CHECK(again.hi_n == h.hi_n, "%zu entries read back, not %zu",
	    again.hi_n, h.hi_n);
	for (i = 0; i < h.hi_n; i++)
		check_entry(&h.hi_v[i], &again.hi_v[i], i);
	free(text);
}

static void
check_shown(const char *d, size_t n)
{
	static const enum inspect_how	hows[] = { INSPECT_WORD,
	    INSPECT_TEXT, INSPECT_LINES };
	static const size_t		caps[] = { 1, 16, 4096 };
	char				out[4096];
	size_t				h, c, i, len;

	for (h = 0; h < 3; h++)
		for (c = 0; c < 3; c++) {
			inspect_shown(d, n, hows[h], out, caps[c]);
			len = strnlen(out, caps[c]);
			FUZZ_CHECK(len < caps[c], "not NUL-terminated within "
			    "%zu bytes", caps[c]);
			for (i = 0; i < len; i++) {
				unsigned char	u = (unsigned char)out[i];

				FUZZ_CHECK(u >= 0x20 && u != 0x7f ? 1 :
				    hows[h] == INSPECT_LINES && (u == '\n' ||
				    u == '\t'), "how %zu: byte 0x%02x at %zu",
				    h, u, i);
			}
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*d = (const char *)data + 1;

	cur_data = data;
	cur_size = size;
	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		check_name(d, strnlen(d, size - 1));
		break;
	case 1:
		check_head(d, size - 1);
		break;
	case 2:
		check_history(d, size - 1);
		break;
	default:
		check_shown(d, size - 1);
		break;
	}
	return 0;
}
