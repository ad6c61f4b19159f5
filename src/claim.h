/*
 * claim.h: the claim rules of the cron side of the spool. A drain claims
 * an event by locking it and renaming it new/ -> cur/; it ends the claim
 * by removing the event, or moving it to done/ when done events are kept
 * (done), by moving it back to new/ with its attempt count raised or to
 * failed/ (retry, give up), or by putting it back untouched (unclaim). A
 * failed attempt is recorded (claim_record) before the event moves on. A
 * claim whose holder died is released by the next recovery. Names,
 * attempt counts and the rest of the queue's upkeep are queue.h's; the
 * records of failures, history.h's.
 */
#ifndef HOOKSPOOL_CLAIM_H
#define HOOKSPOOL_CLAIM_H

#include <stddef.h>

#include "history.h"
#include "spool.h"

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
	int		 cl_kept;	/* claim_remove() moved it to done/ */
};

/*
 * Claim new/name: lock it, read its line, ask want (may be NULL: take all)
 * whether to take it, and move it into cur/. want gets the line without its
 * newline and returns non-zero to take it. On CLAIM_OK cl holds the claim
 * and the caller ends it (claim_done, claim_retry, claim_give_up or
 * claim_unclaim) and then calls claim_clear(); on any other result cl is
 * left empty. CLAIM_LOST: it is gone. CLAIM_BUSY: another process holds
 * its lock (a drain claiming it holds it for a moment; a lock that stays
 * is the caller's to report). Only a file spool_file_refusal() accepts (a
 * regular file owned by the spool's owner and not writable by its group
 * or others) is taken: anything else (a link, a fifo, a file of another
 * user) is moved to failed/ as it is, without being opened in a way that
 * could block or follow a link, and CLAIM_REFUSED is returned with the
 * reason in *reason. The line is read with queue_read_line(): cl_line is
 * the claim's until claim_clear().
 */
enum claim_result claim_take(struct spool *sp, const char *name,
    int (*want)(const char *line, size_t len, void *arg), void *arg,
    struct claim *cl, const char **reason);

/*
 * The event is done. With keep zero: unlink it from cur/, flush cur/ (if
 * fsync is on) and truncate the file, so that its bytes do not live on in
 * a dedup marker (which is the same file), then remove its record of
 * failures. With keep non-zero (keep = D): move it, whole and with its
 * record, into done/ (its modification time set to now, when it was done,
 * for the purge of done/: done.h), and flush done/. Returns CLAIM_OK or
 * CLAIM_ERROR.
 */
enum claim_result claim_done(struct spool *sp, struct claim *cl, int keep,
    const char **reason);

/*
 * Record a failed attempt at the claimed event (or why it is given up):
 * e is added to its record in history/, on disk when this returns 0 (with
 * the spool's fsync), before claim_retry() or claim_give_up() moves the
 * event on; history.c says why a crash then cannot part the two. Returns
 * CLAIM_OK, or CLAIM_ERROR with *reason (the caller says so and moves the
 * event on all the same: a failure that cannot be recorded must not hold
 * the event back).
 */
enum claim_result claim_record(struct spool *sp, const struct claim *cl,
    const struct history_entry *e, const char **reason);

/* The longest a backoff grows to, unless its base is longer. */
#define CLAIM_BACKOFF_CAP	3600	/* seconds */

/*
 * How long an event waits after its attempts-th failed attempt (from 1)
 * under a backoff of base seconds: base * 2^(attempts - 1), at most
 * CLAIM_BACKOFF_CAP (or base, if that is longer). base 0 is no wait.
 */
long long claim_backoff(long long base, unsigned attempts);

/*
 * claim_done() in two steps, for a caller that flushes once for many
 * events (drain --pipe): claim_remove() unlinks the event from cur/ (or,
 * with keep, moves it into done/) and flushes nothing; once cur/ (and
 * done/) are flushed (spool_sync), claim_empty() truncates the file and
 * removes its record (a kept event is left as it is). Truncating before
 * the unlink is on disk could leave an empty event in cur/ after a power
 * cut. Both return CLAIM_OK or CLAIM_ERROR.
 */
enum claim_result claim_remove(struct spool *sp, struct claim *cl, int keep,
    const char **reason);
enum claim_result claim_empty(struct spool *sp, struct claim *cl,
    const char **reason);

/*
 * The attempt failed: count it, and move the event to new/ (retried by a
 * later drain), or to failed/ once max_attempts attempts were made. In
 * new/ it waits out backoff seconds (0: none) before a drain takes it
 * again: its modification time is set to when the wait ends, which
 * drain_collect() (drain.h) honours. Sets *to_failed (may be NULL) to
 * whether it went to failed/. Returns CLAIM_OK or CLAIM_ERROR: the event
 * then stays in cur/ until its claim is released, or, when only the flush
 * after the move failed, it is already in new/ or failed/.
 */
enum claim_result claim_retry(struct spool *sp, struct claim *cl,
    unsigned max_attempts, long long backoff, int *to_failed,
    const char **reason);

/*
 * Move the event to failed/ as it is, attempt count unchanged, and flush
 * failed/ (if fsync is on). Returns CLAIM_OK or CLAIM_ERROR.
 */
enum claim_result claim_give_up(struct spool *sp, struct claim *cl,
    const char **reason);

/*
 * Put the event back into new/ under its name, as if never claimed, and
 * flush new/ (if fsync is on). Returns CLAIM_OK or CLAIM_ERROR.
 */
enum claim_result claim_unclaim(struct spool *sp, struct claim *cl,
    const char **reason);

/*
 * Closes the claim's file (which drops the lock) and frees its line; cl is
 * left empty. cl may be NULL.
 */
void claim_clear(struct claim *cl);

/*
 * Release the claims of dead drains: every file in cur/ whose claim lock
 * is free goes back to new/ with its attempt count raised by one, after
 * that attempt is recorded in its history ("the drain that had it
 * died"). A file
 * in cur/ that no claim can be (see claim_take) goes back to new/ as it
 * is, for claim_take to refuse. The count released is stored in *released
 * (may be NULL). Returns 0, or -1 with a static *reason (files it could
 * move are moved all the same).
 */
int claim_release_dead(struct spool *sp, unsigned *released,
    const char **reason);

#endif
