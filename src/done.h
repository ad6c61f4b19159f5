/*
 * done.h: the events kept once done (keep = D in hookspool.conf). A drain
 * or a forward that is done with an event moves it into done/ instead of
 * removing it (claim_done() in claim.h), whole and with its record of
 * failures (history.h), its modification time set to when it was done.
 * This module puts one back into new/ (hookspool replay), purges those
 * done longer ago than their webhook's keep, and, for recovery, removes
 * the records of failures whose event has left the spool.
 */
#ifndef HOOKSPOOL_DONE_H
#define HOOKSPOOL_DONE_H

#include <stddef.h>

#include "queue.h"
#include "spool.h"

/* How long the done events of a spool are kept, by webhook, in seconds. */
struct done_keep {
	const char *const	*dk_webhooks;	/* names; dk_n of them */
	const long long		*dk_keeps;	/* each one's keep */
	size_t			 dk_n;
	long long		 dk_default;	/* any other webhook's */
};

/* The done events purged at most in one flush of done/. */
#define DONE_PURGE_BATCH	64

/*
 * Put done/name back into new/ as a replay: under its NAME with its
 * replay count raised by one and no attempt count (NAME,Rn: queue.h), due
 * at once, its record of failures started afresh with one entry that says
 * it was replayed (written, and on disk with the spool's fsync, before the
 * event moves: a drain never takes a replay whose record does not say
 * so). Its dedup marker in ids/ is left as it is: it is the same file. The
 * new name goes to to (SPOOL_NAME_MAX bytes). Returns QUEUE_OK, QUEUE_LOST
 * (no longer in done/), QUEUE_REFUSED (spool_file_refusal() refuses it: it
 * stays, errno EPERM, *reason says why) or QUEUE_ERROR with a static
 * *reason.
 */
enum queue_result done_replay(struct spool *sp, const char *name,
    char to[SPOOL_NAME_MAX], const char **reason);

/*
 * The keep of webhook (NULL or unknown: dk_default), in seconds.
 */
long long done_keep_of(const struct done_keep *dk, const char *webhook);

/*
 * Remove the events of done/ done longer ago than the keep of their
 * webhook (read from the head of their line only when the spool's
 * webhooks keep for different times), with their records: each is
 * unlinked, done/ flushed, and only then emptied, so that no copy of it
 * lives on in its dedup marker, and its record removed. Files in done/
 * that are no events (spool_file_refusal()) are left alone. The count
 * goes to *removed (may be NULL). Returns 0, or -1 with a static *reason
 * (what could be removed is removed all the same).
 */
int done_purge(struct spool *sp, const struct done_keep *dk,
    unsigned *removed, const char **reason);

/*
 * Remove the records of history/ whose event is in none of new/, cur/,
 * failed/ and done/ (left by a crash between an event's removal and its
 * record's), and the files a writer of records left unfinished; records
 * changed within HISTORY_GRACE are left alone (history.c says why that
 * never takes a living event's). The count goes to *removed (may be
 * NULL). Returns 0, or -1 with a static *reason.
 */
int done_sweep_history(struct spool *sp, unsigned *removed,
    const char **reason);

#endif
