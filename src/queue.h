/*
 * queue.h: upkeep of the events waiting in a spool, apart from claims
 * (claim.h). Event names and their attempt counts, the order of arrival,
 * reading an event file's line, counting the folders (hookspool status),
 * putting failed events back (hookspool requeue) and removing old dedup
 * markers (hookspool purge). hookspool(1) says what each command does.
 *
 * Attempt counts are kept in the file name: NAME is an event never tried,
 * NAME,A3 one tried three times. An event put back by hookspool replay
 * carries its replay count before that: NAME,R1, then NAME,R1,A2. NAME
 * (the part before the first count) never changes, so names keep sorting
 * in arrival order, and NAME is the key of the event's record in
 * history/ (history.h).
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
/* What joins a name to its replay count: NAME,R1 (before any ,A). */
#define QUEUE_REPLAY		",R"

/* An event name read as its parts (queue_name_parse). */
struct queue_name {
	char		 qn_base[SPOOL_NAME_MAX];	/* NAME alone */
	unsigned	 qn_replays;	/* ,Rn: n, else 0 */
	unsigned	 qn_attempts;	/* ,An: n, else 0 */
	long long	 qn_time;	/* NAME's arrival second, or -1 */
};

enum queue_result {
	QUEUE_OK = 0,	/* done as asked */
	QUEUE_LOST,	/* it is gone (another process moved it): skip it */
	QUEUE_REFUSED,	/* not an event file of the spool's owner: *reason */
	QUEUE_ERROR	/* *reason says why; errno is kept */
};

/* The most bytes of an event file read for its head (queue_read_head). */
#define QUEUE_HEAD_MAX		16384
/* The most bytes of a decoded field of a line's head. */
#define QUEUE_FIELD_MAX		1024

/* The head of an event line: what list and show say of an event. */
struct queue_head {
	char		 qh_received[64];
	char		 qh_webhook[QUEUE_FIELD_MAX + 1];
	char		 qh_id[QUEUE_FIELD_MAX + 1];
	char		 qh_type[QUEUE_FIELD_MAX + 1];
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
 * Read name as NAME[,Rr][,Aa] into *qn: the counts as queue_attempts()
 * reads them (above QUEUE_ATTEMPTS_MAX read as it; a ",R" or ",A" that is
 * not followed by digits alone is part of NAME), NAME cut to
 * SPOOL_NAME_MAX - 1 bytes, and NAME's arrival time when NAME starts with
 * the seconds hookspool names events by (TIME.USEC...), else -1.
 */
void queue_name_parse(const char *name, struct queue_name *qn);

/*
 * The key of name's record in history/: its NAME, without counts (out is
 * SPOOL_NAME_MAX bytes, the caller's, or name itself: the key is never
 * longer, and only its bytes and a NUL are written).
 */
void queue_history_key(const char *name, char out[SPOOL_NAME_MAX]);

/*
 * name's NAME with the replay count replays (QUEUE_ATTEMPTS_MAX at most)
 * and no attempt count, NAME,Rn, into out (SPOOL_NAME_MAX bytes). Returns
 * 0, or -1 with errno ENAMETOOLONG.
 */
int queue_replay_name(const char *name, unsigned replays,
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

/*
 * Read the head of a spool line, buf[0..len) (the line, or its first
 * bytes): {"received":S,"webhook":S,"id":S,"type":S, as spool_deliver()
 * writes it, with no white space, each S a JSON string (strict UTF-8, the
 * RFC's escapes, no raw control character) whose decoding fits its field
 * of *qh and holds no NUL byte. Returns the length of the head, or -1
 * when buf does not start with one (*qh then holds nothing useful).
 */
long queue_line_head(const char *buf, size_t len, struct queue_head *qh);

/*
 * The head of folder f's file name: its first QUEUE_HEAD_MAX bytes read as
 * queue_line_head() does, opened without following a link and without
 * blocking; a line of another shape is read whole (queue_read_line()) and
 * must be one JSON object (json.h) whose top-level string members
 * received, webhook, id and type (each may be missing: "") fit *qh.
 * Returns QUEUE_OK, QUEUE_LOST (gone), or QUEUE_ERROR with a static
 * *reason ("not an event line" when it is none).
 */
enum queue_result queue_read_head(struct spool *sp, enum spool_folder f,
    const char *name, struct queue_head *qh, const char **reason);

/* Fill *qc with sp's counts. Returns 0, or -1 with a static *reason. */
int queue_count(struct spool *sp, struct queue_counts *qc,
    const char **reason);

/*
 * Move failed/name back to new/ with its attempt count reset, flush new/
 * (if fsync is on), and clear its record of failures (history/). Returns QUEUE_OK, QUEUE_LOST (no longer in
 * failed/), QUEUE_REFUSED (spool_file_refusal() refuses it: it stays in
 * failed/, errno is EPERM and *reason says why) or QUEUE_ERROR with a
 * static *reason.
 */
enum queue_result queue_requeue(struct spool *sp, const char *name,
    const char **reason);

/*
 * Remove the dedup markers of ids/ last modified more than older_than
 * seconds ago whose event has left the spool (a marker that is still the
 * same file as an event in tmp/, new/, cur/, failed/ or done/ is kept;
 * one that is empty, or has no other link, is an event that was done and
 * has gone). Counts go
 * to *removed and *kept (may be NULL). Returns 0, or -1 with a static
 * *reason (markers it could remove are removed all the same).
 */
int queue_purge(struct spool *sp, long long older_than, unsigned *removed,
    unsigned *kept, const char **reason);

#endif
