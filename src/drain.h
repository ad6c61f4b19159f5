/*
 * drain.h: what one run of hookspool drain keeps track of (drain_list.c):
 * the waiting events it collected, the events it is done with for this
 * run, and the events it found locked by another process, since when.
 */
#ifndef HOOKSPOOL_DRAIN_H
#define HOOKSPOOL_DRAIN_H

#include <stddef.h>
#include <time.h>

#include "spool.h"

/* One waiting event of one spool. */
struct drain_item {
	char		*di_name;
	struct spool	*di_spool;
};

/* The bases of events done with in this run: not taken again before the next. */
struct drain_seen {
	char		**dn_bases;
	size_t		  dn_len;
	size_t		  dn_cap;
};

/* One event found locked in new/, and when it was first found so. */
struct drain_lock {
	struct spool	*dk_spool;
	char		*dk_name;
	double		 dk_since;	/* seconds on the monotonic clock */
};

/* The events found locked in one pass over the spools. */
struct drain_locked {
	struct drain_lock	*dl_v;
	size_t			 dl_len;
	size_t			 dl_cap;
};

/*
 * Remember name's base (without its attempt count) in dn. Returns 0, or -1
 * when out of memory.
 */
int drain_seen_add(struct drain_seen *dn, const char *name);

/* Whether name's base is in dn. */
int drain_seen_has(const struct drain_seen *dn, const char *name);

/* Frees what dn holds and empties it. */
void drain_seen_free(struct drain_seen *dn);

/*
 * Since when name of sp has been found locked, as dl remembers it, or -1
 * if dl does not hold it.
 */
double drain_locked_since(const struct drain_locked *dl,
    const struct spool *sp, const char *name);

/*
 * Remember that name of sp has been found locked since since. dl keeps a
 * copy of name. Returns 0, or -1 when out of memory.
 */
int drain_locked_add(struct drain_locked *dl, struct spool *sp,
    const char *name, double since);

/* Frees what dl holds and empties it. */
void drain_locked_free(struct drain_locked *dl);

/*
 * The waiting events of spools (in new/), oldest arrival first, leaving out
 * those in dn and those whose retry is not due yet: an event that failed an
 * attempt waits until its modification time (claim_retry() sets it to when
 * its backoff ends). The earliest such time goes to *next_due (0 when none
 * waits). On success *out is a new array of *nout items, freed with
 * drain_items_free(). Problems are printed; returns 0 or -1.
 */
int drain_collect(struct spool **spools, size_t nspools,
    const struct drain_seen *dn, struct drain_item **out, size_t *nout,
    time_t *next_due);

/* Frees what drain_collect() returned. items may be NULL. */
void drain_items_free(struct drain_item *items, size_t n);

#endif
