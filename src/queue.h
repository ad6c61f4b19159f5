/*
 * queue.h: upkeep of the events waiting in a spool, apart from claims
 * (claim.h). Event names and their attempt counts, the order of arrival,
 * reading an event file's line, counting the folders (hookspool status),
 * putting failed events back (hookspool requeue) and removing old dedup
 * markers (hookspool purge). hookspool(1) says what each command does.
 *
 * Attempt counts are kept in the file name: NAME is an event never tried,
 * NAME,A3 one tried three times. NAME (the part before the comma) never
 * changes, so names keep sorting in arrival order.
 */
#ifndef HOOKSPOOL_QUEUE_H
#define HOOKSPOOL_QUEUE_H

#include <stddef.h>

#include "spool.h"

/* Attempt counts above this are read as this. */
#define QUEUE_ATTEMPTS_MAX	1000000U
/* Event files larger than this are not read: max_body is at most 1G. */
#define QUEUE_LINE_MAX		((size_t)1025 * 1024 * 1024)
/* What joins a name to its attempt count: NAME,A3. */
#define QUEUE_SUFFIX		",A"

enum queue_result {
	QUEUE_OK = 0,	/* done as asked */
	QUEUE_LOST,	/* it is gone (another process moved it): skip it */
	QUEUE_REFUSED,	/* not an event file of the spool's owner: *reason */
	QUEUE_ERROR	/* *reason says why; errno is kept */
};

/* What status reports of one spool. */
struct queue_counts {
	size_t		 qc_new;
	size_t		 qc_cur;
	size_t		 qc_failed;
	size_t		 qc_tmp;
	long long	 qc_oldest_new_age;	/* seconds; 0 if new/ is empty */
};

/*
 * The attempt count of an event name: n for NAME,An (counts above
 * QUEUE_ATTEMPTS_MAX read as it), 0 for a name without such a suffix
 * (",A" followed by anything but digits is no suffix). The name without
 * the suffix goes to base (SPOOL_NAME_MAX bytes, the caller's; may be
 * NULL), cut to SPOOL_NAME_MAX - 1 bytes.
 */
unsigned queue_attempts(const char *name, char base[SPOOL_NAME_MAX]);

/*
 * name's base with the attempt count attempts (QUEUE_ATTEMPTS_MAX at
 * most), NAME,An, into out (SPOOL_NAME_MAX bytes, the caller's). Returns
 * 0, or -1 with errno ENAMETOOLONG when it does not fit (out then holds
 * no name to use).
 */
int queue_attempt_name(const char *name, unsigned attempts,
    char out[SPOOL_NAME_MAX]);

/*
 * Compare two event names by arrival (attempt suffixes ignored; the
 * numbers in TIME.USEC.PpidQcounter.host compared as numbers), then as
 * strings, for qsort(3) over an array of char *.
 */
int queue_name_cmp(const void *a, const void *b);

/*
 * The names in folder f of sp, oldest arrival first (names starting with
 * a dot, and names of SPOOL_NAME_MAX bytes or more, are left out). On
 * success *names is a new array of *n new strings, the caller's, freed
 * with queue_names_free(). Returns 0, or -1 with a static *reason.
 */
int queue_names(struct spool *sp, enum spool_folder f, char ***names,
    size_t *n, const char **reason);

/* Frees what queue_names() returned: names and its n strings. May be NULL. */
void queue_names_free(char **names, size_t n);

/*
 * Read the whole of fd, a regular file of at most QUEUE_LINE_MAX bytes,
 * from its start, without moving its offset. *line is a new
 * NUL-terminated buffer the caller frees, *len its length without the
 * trailing newline. fd stays the caller's. Returns QUEUE_OK or
 * QUEUE_ERROR with a static *reason and errno (EINVAL: not a regular
 * file; EFBIG: too large).
 */
enum queue_result queue_read_line(int fd, char **line, size_t *len,
    const char **reason);

/*
 * Read folder f's file name as queue_read_line() does, opened without
 * following a link and without blocking. Returns QUEUE_OK (the caller
 * frees *line), QUEUE_LOST (gone) or QUEUE_ERROR with a static *reason.
 */
enum queue_result queue_read(struct spool *sp, enum spool_folder f,
    const char *name, char **line, size_t *len, const char **reason);

/* Fill *qc with sp's counts. Returns 0, or -1 with a static *reason. */
int queue_count(struct spool *sp, struct queue_counts *qc,
    const char **reason);

/*
 * Move failed/name back to new/ with its attempt count reset, and flush
 * new/ (if fsync is on). Returns QUEUE_OK, QUEUE_LOST (no longer in
 * failed/), QUEUE_REFUSED (spool_file_refusal() refuses it: it stays in
 * failed/, errno is EPERM and *reason says why) or QUEUE_ERROR with a
 * static *reason.
 */
enum queue_result queue_requeue(struct spool *sp, const char *name,
    const char **reason);

/*
 * Remove the dedup markers of ids/ last modified more than older_than
 * seconds ago whose event has left the spool (a marker that is still the
 * same file as an event in tmp/, new/, cur/ or failed/ is kept; one that
 * is empty, or has no other link, is an event that was done). Counts go
 * to *removed and *kept (may be NULL). Returns 0, or -1 with a static
 * *reason (markers it could remove are removed all the same).
 */
int queue_purge(struct spool *sp, long long older_than, unsigned *removed,
    unsigned *kept, const char **reason);

#endif
