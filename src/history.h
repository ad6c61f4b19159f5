/*
 * history.h: what became of an event's attempts, kept with the event in
 * its spool: each failed attempt (how the handler ended, a timeout, what
 * it answered, and the last HISTORY_STDERR_MAX bytes of its standard
 * error) and a replay. hookspool list and show read it; requeue clears
 * it. One record file per event, history/KEY, where KEY is the event's
 * name without its counts (queue_history_key() in queue.h), which stays
 * the same while the event moves between new/, cur/, failed/ and done/.
 *
 * A record file is text: the line "hookspool-history 1", then each entry
 * as the line "KIND TIME ATTEMPT REASONLEN STDERRLEN", the REASONLEN bytes
 * of its reason and a newline, the STDERRLEN bytes of its standard error
 * and a newline. KIND is "failed" or "replayed", TIME seconds since the
 * epoch, ATTEMPT the attempt's number (0: none). The lengths make any
 * bytes safe to keep; the bounds below make every record small.
 *
 * This module knows the format and the files, by key; which key an event
 * has and when its record is written, moved past or removed are queue.c's
 * and claim.c's (history.c says why a crash cannot part an event from its
 * failures). It prints nothing.
 */
#ifndef HOOKSPOOL_HISTORY_H
#define HOOKSPOOL_HISTORY_H

#include <stddef.h>

#include "spool.h"

/* The most of a handler's standard error one entry keeps: its last bytes. */
#define HISTORY_STDERR_MAX	4096
/* The most bytes of one entry's reason. */
#define HISTORY_REASON_MAX	512
/* The entries a record keeps: the last ones. */
#define HISTORY_ENTRIES		8
/* The first line of a record file, its newline excluded. */
#define HISTORY_MAGIC		"hookspool-history 1"
/* The longest entry header line, its newline included. */
#define HISTORY_HEAD_MAX	64
/* No record file is larger; a larger one is not read. */
#define HISTORY_FILE_MAX	(sizeof(HISTORY_MAGIC) + HISTORY_ENTRIES * \
    (HISTORY_HEAD_MAX + HISTORY_REASON_MAX + HISTORY_STDERR_MAX + 2))
/*
 * Seconds a record, or a record being written, must have been left alone
 * before a sweep may take it for an orphan (queue_sweep_history()).
 */
#define HISTORY_GRACE		600

enum history_kind {
	HISTORY_FAILED = 0,	/* an attempt failed, or the event was given up */
	HISTORY_REPLAYED	/* hookspool replay put it back into new/ */
};

struct history_entry {
	enum history_kind	 he_kind;
	long long		 he_time;	/* seconds since the epoch */
	unsigned		 he_attempt;	/* 1 for the first; 0: none */
	char			 he_reason[HISTORY_REASON_MAX];	/* any bytes */
	size_t			 he_reasonlen;
	char			 he_stderr[HISTORY_STDERR_MAX];	/* any bytes */
	size_t			 he_stderrlen;
};

/* A record: its entries, oldest first. */
struct history {
	struct history_entry	 hi_v[HISTORY_ENTRIES];
	size_t			 hi_n;
	/*
	 * Set by history_parse() when the text held more after the entries
	 * it read that it could not read as one (cut short, or not an
	 * entry): what came before is kept.
	 */
	int			 hi_torn;
};

/*
 * Fill e: kind and attempt, the time now, reason[0..reasonlen) (cut to
 * HISTORY_REASON_MAX bytes) and the last HISTORY_STDERR_MAX bytes of
 * err[0..errlen) (err may be NULL when errlen is 0).
 */
void history_entry_set(struct history_entry *e, enum history_kind kind,
    unsigned attempt, const char *reason, size_t reasonlen, const char *err,
    size_t errlen);

/* Add e to h as its newest entry, dropping the oldest past HISTORY_ENTRIES. */
void history_push(struct history *h, const struct history_entry *e);

/*
 * Read the record text buf[0..len) into *h: its entries in order, up to
 * the first one that cannot be read (hi_torn then set); past
 * HISTORY_ENTRIES, the last ones. Returns 0, or -1 when buf does not
 * start with the HISTORY_MAGIC line (*h is then empty).
 */
int history_parse(const char *buf, size_t len, struct history *h);

/*
 * The record text of h, in a new buffer the caller frees (*len bytes, at
 * most HISTORY_FILE_MAX; NUL-terminated, which *len does not count).
 * Returns NULL when out of memory.
 */
char *history_format(const struct history *h, size_t *len);

/*
 * Read history/key of sp into *h, opened without following a link and
 * without blocking, as a regular file of at most HISTORY_FILE_MAX bytes.
 * Returns 1, 0 when there is no such record (h empty), or -1 with a
 * static *reason (a file that is not a record is one: "not a record").
 */
int history_read(struct spool *sp, const char *key, struct history *h,
    const char **reason);

/*
 * Add e to history/key of sp (a new record when there is none, or, with
 * fresh, in place of the one there): the whole record is written to a
 * new file in history/ (a name starting with a dot), flushed when the
 * spool is durable (sp_durable), renamed over history/key, and history/
 * flushed. When this returns 0 the record is on disk. Returns 0, or -1
 * with a static *reason and errno.
 */
int history_add(struct spool *sp, const char *key,
    const struct history_entry *e, int fresh, const char **reason);

/*
 * Set history/key's modification time to now, if there is such a record:
 * an event that moves touches its record first (history.c says why).
 * Returns 0 (also when there is none), or -1 with errno.
 */
int history_touch(struct spool *sp, const char *key);

/*
 * Remove history/key, if there is one. Returns 0 (also when there is
 * none), or -1 with errno.
 */
int history_remove(struct spool *sp, const char *key);

/*
 * Remove history/key only if it is still the file whose status was st
 * (inode and modification time), judged an orphan by a sweep: it is moved
 * aside under a name of its own first and looked at there, and put back
 * if a writer replaced it meanwhile. Returns 1 if it was removed, 0 if
 * not, -1 with errno.
 */
int history_remove_orphan(struct spool *sp, const char *key,
    const struct stat *st);

/*
 * Remove the files history_add() writes before their rename (names
 * starting with a dot) that were left alone for over HISTORY_GRACE
 * seconds: a writer that died. Returns how many were removed.
 */
unsigned history_sweep_unfinished(struct spool *sp);

#endif
