/*
 * claim.h: the rules of the cron side of the spool. A drain claims an event
 * by locking it and renaming it new/ -> cur/; it ends the claim by removing
 * the event (done), by moving it back to new/ with its attempt count raised
 * or to failed/ (retry), or by putting it back untouched (unclaim). A claim
 * whose holder died is released by the next recovery.
 *
 * Attempt counts are kept in the file name: NAME is an event never tried,
 * NAME,A3 one tried three times. NAME (the part before the comma) never
 * changes, so names keep sorting in arrival order.
 */
#ifndef HOOKSPOOL_CLAIM_H
#define HOOKSPOOL_CLAIM_H

#include <stddef.h>
#include <time.h>

#include "spool.h"

/* Attempt counts above this are read as this. */
#define CLAIM_ATTEMPTS_MAX	1000000U
/* Event files larger than this are not read: max_body is at most 1G. */
#define CLAIM_LINE_MAX		((size_t)1025 * 1024 * 1024)

enum claim_result {
	CLAIM_OK = 0,	/* done as asked */
	CLAIM_LOST,	/* it is gone (another drain took it): skip it */
	CLAIM_BUSY,	/* another process holds its lock: skip it for now */
	CLAIM_SKIPPED,	/* the caller's filter did not want it */
	CLAIM_REFUSED,	/* not an event file of the spool's owner: *reason */
	CLAIM_ERROR	/* *reason says why; errno is kept */
};

/* One claimed event, in cur/. */
struct claim {
	int		 cl_fd;		/* read-write; holds the claim lock */
	char		 cl_name[SPOOL_NAME_MAX];	/* its name in cur/ */
	unsigned	 cl_attempts;	/* attempts made before this one */
	char		*cl_line;	/* the event line, NUL-terminated */
	size_t		 cl_len;	/* its length, newline excluded */
};

/* What status reports of one spool. */
struct claim_counts {
	size_t		 cc_new;
	size_t		 cc_cur;
	size_t		 cc_failed;
	size_t		 cc_tmp;
	long long	 cc_oldest_new_age;	/* seconds; 0 if new/ is empty */
};

/*
 * The names in folder f of sp, oldest arrival first (names starting with
 * a dot are left out). On success *names is a new array of n new strings,
 * freed with claim_names_free(). Returns 0, or -1 with a static *reason.
 */
int claim_names(struct spool *sp, enum spool_folder f, char ***names,
    size_t *n, const char **reason);

/* Frees what claim_names() returned. names may be NULL. */
void claim_names_free(char **names, size_t n);

/*
 * Compare two event names by arrival (attempt suffixes ignored), for
 * qsort(3) over an array of char *.
 */
int claim_name_cmp(const void *a, const void *b);

/*
 * Claim new/name: lock it, read its line, ask want (may be NULL: take all)
 * whether to take it, and move it into cur/. want gets the line without its
 * newline and returns non-zero to take it. On CLAIM_OK cl holds the claim
 * and the caller ends it (claim_done, claim_retry, claim_give_up or
 * claim_unclaim) and then calls claim_clear(); on any other result cl is
 * left empty. CLAIM_LOST: it is gone. CLAIM_BUSY: another process holds
 * its lock (a drain claiming it holds it for a moment; a lock that stays
 * is the caller's to report). Only a regular file owned by the spool's
 * owner and not writable by its group or others is taken: anything else
 * (a link, a fifo, a file of another user) is moved to failed/ as it is,
 * without being opened in a way that could block or follow a link, and
 * CLAIM_REFUSED is returned with the reason in *reason.
 */
enum claim_result claim_take(struct spool *sp, const char *name,
    int (*want)(const char *line, size_t len, void *arg), void *arg,
    struct claim *cl, const char **reason);

/*
 * The event is done: unlink it from cur/, flush cur/ (if fsync is on) and
 * truncate the file, so that its bytes do not live on in a dedup marker
 * (which is the same file). Returns CLAIM_OK or CLAIM_ERROR.
 */
enum claim_result claim_done(struct spool *sp, struct claim *cl,
    const char **reason);

/*
 * The attempt failed: count it, and move the event to new/ (retried by a
 * later drain), or to failed/ once max_attempts attempts were made. Sets
 * *to_failed (may be NULL) to whether it went to failed/. Returns CLAIM_OK
 * or CLAIM_ERROR: the event then stays in cur/ until its claim is released,
 * or, when only the flush after the move failed, it is already in new/ or
 * failed/.
 */
enum claim_result claim_retry(struct spool *sp, struct claim *cl,
    unsigned max_attempts, int *to_failed, const char **reason);

/* Move the event to failed/ as it is, attempt count unchanged. */
enum claim_result claim_give_up(struct spool *sp, struct claim *cl,
    const char **reason);

/* Put the event back into new/ under its name, as if never claimed. */
enum claim_result claim_unclaim(struct spool *sp, struct claim *cl,
    const char **reason);

/* Closes the claim's file (which drops the lock) and frees its line. */
void claim_clear(struct claim *cl);

/*
 * Release the claims of dead drains: every file in cur/ whose claim lock
 * is free goes back to new/ with its attempt count raised by one. A file
 * in cur/ that no claim can be (see claim_take) goes back to new/ as it
 * is, for claim_take to refuse. The count released is stored in *released
 * (may be NULL). Returns 0, or -1 with a static *reason (files it could
 * move are moved all the same).
 */
int claim_release_dead(struct spool *sp, unsigned *released,
    const char **reason);

/*
 * Read folder f's file name into a new NUL-terminated buffer the caller
 * frees, *len bytes without the trailing newline. Returns CLAIM_OK,
 * CLAIM_LOST (gone) or CLAIM_ERROR.
 */
enum claim_result claim_read(struct spool *sp, enum spool_folder f,
    const char *name, char **line, size_t *len, const char **reason);

/*
 * Move failed/name back to new/ with its attempt count reset. Returns
 * CLAIM_OK, CLAIM_LOST (no longer in failed/), CLAIM_REFUSED (not a file
 * claim_take would take: it stays in failed/, *reason says why) or
 * CLAIM_ERROR.
 */
enum claim_result claim_requeue(struct spool *sp, const char *name,
    const char **reason);

/*
 * Remove the dedup markers of ids/ last modified more than older_than
 * seconds ago whose event has left the spool (a marker that is still the
 * same file as an event in tmp/, new/, cur/ or failed/ is kept). Counts go
 * to *removed and *kept (may be NULL). Returns 0, or -1 with *reason.
 */
int claim_purge(struct spool *sp, long long older_than, unsigned *removed,
    unsigned *kept, const char **reason);

/* Fill *cc with sp's counts. Returns 0, or -1 with a static *reason. */
int claim_count(struct spool *sp, struct claim_counts *cc,
    const char **reason);

/*
 * The attempt count of an event name (0 without a suffix) and, in base
 * (SPOOL_NAME_MAX bytes, may be NULL), the name without the suffix.
 */
unsigned claim_attempts(const char *name, char base[SPOOL_NAME_MAX]);

#endif
