/*
 * census.h: what hookspool status counts in a spool beyond its folders:
 * the events in new/, cur/ and failed/ by webhook and type. It only
 * reads: each event file is opened read-only, without following a link
 * and without blocking, and only the head of its line is read (the
 * webhook and the type come first in a line hookspool wrote); it takes
 * no claim and no lock, so it never disturbs a delivery or a drain. An
 * event that moves while it counts may be counted in two folders or in
 * none: a census, not a snapshot.
 */
#ifndef HOOKSPOOL_CENSUS_H
#define HOOKSPOOL_CENSUS_H

#include <stddef.h>

#include "queue.h"
#include "spool.h"

/* The most of a line read: the head, with an id and a type at their longest. */
#define CENSUS_HEAD_MAX		(16 * 1024)
/* The most (webhook, type) pairs kept; the rest count as type CENSUS_OTHER. */
#define CENSUS_TALLY_MAX	1000
/* A line hookspool did not write: its webhook and type. */
#define CENSUS_UNKNOWN		"(unknown)"
/* Types past CENSUS_TALLY_MAX. */
#define CENSUS_OTHER		"(other)"

enum census_state {
	CENSUS_NEW = 0,
	CENSUS_CUR,
	CENSUS_FAILED,
	CENSUS_STATES
};

/* "new", "cur", "failed", by enum census_state: static strings. */
extern const char *const census_state_names[CENSUS_STATES];

/* The events of one webhook and type, by state. */
struct census_tally {
	char	*ct_webhook;
	char	*ct_type;	/* UTF-8, free of control characters */
	size_t	 ct_n[CENSUS_STATES];
};

struct census {
	struct queue_counts	 ce_counts;	/* queue_count()'s */
	struct census_tally	*ce_tally;	/* by webhook, then type */
	size_t			 ce_ntally;
};

/*
 * Count sp's folders (queue_count()) and the events of new/, cur/ and
 * failed/ by webhook and type into *ce (the caller frees it with
 * census_free(), also after a failure). A file whose head is not one
 * hookspool writes counts as webhook and type CENSUS_UNKNOWN; a file that
 * is gone by the time it is opened is not counted. Returns 0, or -1 with
 * a static *reason.
 */
int census_take(struct spool *sp, struct census *ce, const char **reason);

/* Free what *ce holds and empty it. */
void census_free(struct census *ce);

/*
 * The webhook and type of a spool line's head buf[0..len) (its first
 * bytes, up to CENSUS_HEAD_MAX): {"received":"...","webhook":"W",
 * "id":"...","type":"T","event": exactly as spool.c writes it. On success
 * *webhook and *type are new strings the caller frees (the type
 * decoded: strict UTF-8, no control character, no lone surrogate).
 * Returns 0, or -1 when the head is not such (nothing allocated; out of
 * memory too).
 */
int census_head(const char *buf, size_t len, char **webhook, char **type);

#endif
