/*
 * counters.h: the responder's answers, counted per webhook in one small
 * file per spool, SPOOL/counters, to which every responder process (CGI
 * or FastCGI, any number at once) adds.
 *
 * The file has one fixed layout (COUNTERS_SIZE bytes, host byte order):
 * a header of COUNTERS_HEAD bytes (COUNTERS_MAGIC, then the layout's
 * numbers as 32-bit words: version, rows, slots per row, row size, name
 * size) and COUNTERS_ROWS rows of COUNTERS_ROW bytes. A row is
 *
 *	0   key      64 bits: counters_key() of the webhook's name; 0: free
 *	8   namelen  64 bits: the name's whole length; 0: not written yet
 *	16  name     COUNTERS_NAME_MAX bytes: the name (its start, if longer)
 *	80  counts   COUNTERS_SLOTS counts of 64 bits, by enum counters_answer
 *
 * A webhook's row is found by open addressing on its key among the first
 * COUNTERS_ROWS - 1 rows; the last row is the overflow row, where the
 * answers of webhooks that find no free row go (labelled
 * COUNTERS_LABEL_OTHER). A row is taken with one compare-and-swap of its
 * key, then named: a process killed between the two leaves a row that
 * counts all the same and that the next process to use it names. Each
 * count is one atomic add on the shared mapping: a process killed at any
 * instant leaves the file whole and loses at most its own count. Nothing
 * is flushed: the counters are statistics, and a power cut may cost the
 * counts of the last seconds.
 *
 * The file is made 0600 (0640 with group_readable) under a temporary
 * name, complete, then linked into place, so that no process ever sees
 * half of one. A file at the name that is a link, not a regular file,
 * not the spool owner's, writable by its group or others, or of another
 * size or layout, is refused: never counted into, never trusted.
 */
#ifndef HOOKSPOOL_COUNTERS_H
#define HOOKSPOOL_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "spool.h"

#define COUNTERS_FILE		"counters"
#define COUNTERS_MAGIC		"hkspcnt\n"	/* 8 bytes */
#define COUNTERS_VERSION	1
#define COUNTERS_HEAD		64
#define COUNTERS_ROWS		128
#define COUNTERS_NAME_MAX	64
#define COUNTERS_SLOTS		16
#define COUNTERS_ROW		(16 + COUNTERS_NAME_MAX + 8 * COUNTERS_SLOTS)
#define COUNTERS_SIZE		(COUNTERS_HEAD + COUNTERS_ROWS * COUNTERS_ROW)

/* The row of requests that named no webhook (404). */
#define COUNTERS_NO_WEBHOOK	"(none)"
/* How status labels the overflow row, and a row whose name is unreadable. */
#define COUNTERS_LABEL_OTHER	"(other)"
#define COUNTERS_LABEL_UNKNOWN	"(unknown)"

/* What the responder answered; each has its slot in a row. */
enum counters_answer {
	COUNTERS_ACCEPTED = 0,
	COUNTERS_DUPLICATE,
	COUNTERS_IGNORED,
	COUNTERS_HANDSHAKE,	/* a scheme's handshake, answered as it says */
	COUNTERS_400,
	COUNTERS_401,
	COUNTERS_404,
	COUNTERS_405,
	COUNTERS_408,
	COUNTERS_411,
	COUNTERS_413,
	COUNTERS_500,
	COUNTERS_503,
	COUNTERS_ANSWERS
};

/*
 * The answers' names ("accepted", ..., "handshake", "400", ...), indexed
 * by enum counters_answer: static strings.
 */
extern const char *const counters_answer_names[COUNTERS_ANSWERS];

/* A spool's counters file, mapped for counting (the responder's). */
struct counters {
	unsigned char	*ct_map;	/* COUNTERS_SIZE bytes, shared */
	dev_t		 ct_dev;
	ino_t		 ct_ino;
	time_t		 ct_checked;	/* counters_stale() looked then */
};

/* One row as read back (status). */
struct counters_row {
	uint64_t	cr_key;
	char		cr_name[COUNTERS_NAME_MAX + 1];	/* "": unnamed */
	int		cr_cut;		/* the name is longer: this is its start */
	int		cr_other;	/* the overflow row */
	uint64_t	cr_count[COUNTERS_ANSWERS];
};

/* The rows in use of one counters file, in the file's order. */
struct counters_snapshot {
	struct counters_row	cs_rows[COUNTERS_ROWS];
	size_t			cs_nrows;
};

/*
 * The key of a webhook named name[0..len): its 64-bit FNV-1a hash, never
 * 0. Fixed by the file's layout: every version computes the same.
 */
uint64_t counters_key(const char *name, size_t len);

/*
 * Open sp's counters file for counting, making it (as the top of this
 * file says) when there is none. On success *out is the caller's, closed
 * with counters_close(). Returns 0, or -1 with a static *reason (errno
 * EPERM: a file is there and refused).
 */
int counters_open(const struct spool *sp, struct counters **out,
    const char **reason);

/*
 * Count one answer a for the webhook named webhook (or
 * COUNTERS_NO_WEBHOOK): one atomic add. Never fails; a full table counts
 * it in the overflow row.
 */
void counters_add(struct counters *c, const char *webhook,
    enum counters_answer a);

/*
 * Whether sp's counters file is no longer the one c maps (removed or
 * replaced, to start the counts again): looked at once a second at most,
 * 0 in between. A long-lived process then closes c and opens the new one.
 */
int counters_stale(struct counters *c, const struct spool *sp);

/* Unmap c and free it. c may be NULL. */
void counters_close(struct counters *c);

/*
 * Check buf[0..len) as a counters file (the whole file, 8-byte aligned)
 * and copy its rows in use into *snap: each named row, each row taken but
 * not named (cr_name ""), and the overflow row (and any free row) when it
 * counted anything.
 * A name that is no webhook name (letters, digits, '.', '_', '-', or
 * COUNTERS_NO_WEBHOOK) is left out (cr_name ""). Counts are read with
 * atomic loads, so buf may be a mapping that processes add to. Returns 0,
 * or -1 with a static *reason when buf is no counters file of this
 * version.
 */
int counters_parse(const void *buf, size_t len, struct counters_snapshot *snap,
    const char **reason);

/*
 * Read sp's counters file into *snap without writing anything (status):
 * opened read-only and checked as counters_open() checks it, then
 * counters_parse(). Returns 1 when read, 0 when there is no file (no
 * answer counted yet; *snap is empty), -1 with a static *reason when it
 * is refused (errno EPERM) or cannot be read.
 */
int counters_read(const struct spool *sp, struct counters_snapshot *snap,
    const char **reason);

/*
 * The webhook a row of snap counts for, for people and labels: the
 * overflow row's COUNTERS_LABEL_OTHER; else the webhook of names[0..n)
 * (the config's) whose key is the row's and whose name agrees with what
 * the row holds; else the row's own name; else COUNTERS_LABEL_UNKNOWN.
 * The result is r's, one of names, or static.
 */
const char *counters_label(const struct counters_row *r,
    const char *const *names, size_t n);

/*
 * A new counters file's bytes into buf (COUNTERS_SIZE bytes, 8-byte
 * aligned): the header, every row free.
 */
void counters_init(void *buf);

/*
 * counters_add() on the file image buf (COUNTERS_SIZE bytes, 8-byte
 * aligned, made by counters_init() or read from a file).
 */
void counters_add_at(void *buf, const char *webhook, enum counters_answer a);

#endif
