/*
 * drain_pipe.h: what the drain verb's files share. drain.c parses the
 * options, recovers the spools and runs a handler per event (--exec) or
 * writes to standard output; drain_pipe.c hands the events to a handler
 * that starts once (--pipe, hpipe.h); drain_follow.c keeps the drain
 * running (--follow), a pass each time something lands in a new/. All
 * three print, as verbs do.
 */
#ifndef HOOKSPOOL_DRAIN_PIPE_H
#define HOOKSPOOL_DRAIN_PIPE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "claim.h"
#include "cli.h"
#include "drain.h"
#include "opt.h"
#include "spool.h"

struct drain_opts {
	const char	*do_conf;
	const char	*do_exec;		/* NULL: --pipe, or stdout */
	const char	*do_pipe;		/* NULL: --exec, or stdout */
	long long	 do_jobs;		/* with --pipe */
	long long	 do_max;		/* 0: no limit */
	long long	 do_attempts;
	long long	 do_timeout;
	long long	 do_backoff;
	struct opt_list	 do_types;
	int		 do_follow;		/* --follow */
	long long	 do_rescan;		/* --rescan, seconds; 0: not given */
	long long	 do_rescan_ms;		/* the interval */
};

struct drain_stats {
	unsigned	 ds_done;
	unsigned	 ds_retry;		/* back in new/ */
	unsigned	 ds_failed;		/* moved to failed/ */
	unsigned	 ds_released;		/* dead claims released */
	unsigned	 ds_refused;		/* no event files: to failed/ */
	unsigned	 ds_locked;		/* locked by others too long */
	unsigned	 ds_errors;
	const char	*ds_stopped;		/* why the drain stopped early */
	int		 ds_stop_ok;		/* ... and that is no failure */
};

/* The drain's signals (cli_signals_block): cs_stopping once asked to stop. */
extern struct cli_signals	drain_sig;

/* claim_take()'s filter: the --type patterns of arg, a drain_opts. */
int drain_want_type(const char *line, size_t len, void *arg);

/*
 * Read the claimed event's line into *f, or give it up: an event whose
 * line cannot be read, or whose attempts are used up, is moved to
 * failed/ (said and counted). Returns 0 with *f the caller's
 * (cli_event_free), or 1 when it was given up (*f then empty).
 */
int drain_usable(struct spool *sp, struct claim *cl,
    const struct drain_opts *o, struct cli_event *f, struct drain_stats *ds);

/*
 * End a claim whose attempt failed (put_back 0: counted, what says why;
 * the event goes back to new/, or to failed/ after --attempts) or that
 * is put back as it was (put_back 1), and not taken again in this run:
 * said and counted.
 */
void drain_finish_claim(struct spool *sp, struct claim *cl, int put_back,
    const struct cli_event *f, const struct drain_opts *o, const char *what,
    struct drain_stats *ds, struct drain_seen *dn);

/*
 * new/NAME of it is locked by another process: looked at again in later
 * passes (now), or reported once it has been so for longer than
 * --timeout (then it is in dn).
 */
void drain_found_locked(const struct drain_item *it,
    const struct drain_opts *o, const struct drain_locked *before,
    struct drain_locked *now, struct drain_seen *dn, struct drain_stats *ds);

/*
 * What claim_take() said of an event it did not give, told and counted.
 * One that --type does not want is, in a follower, not looked at again
 * before the next rescan (in dn).
 */
void drain_not_taken(const struct drain_item *it, enum claim_result res,
    const char *reason, const struct drain_opts *o, struct drain_seen *dn,
    struct drain_stats *ds);

struct drain_pipe;

/* One run of the drain verb: what drain.c and drain_follow.c share. */
struct drain_run {
	const struct drain_opts	 *dr_o;
	const struct config	 *dr_cf;	/* to open a spool again */
	struct spool		**dr_spools;	/* the pipe shares the array */
	size_t			  dr_nspools;
	struct drain_pipe	 *dr_pipe;	/* --pipe, or NULL */
	mode_t			  dr_out_mode;	/* stdout's, without a handler */
	long long		  dr_claimed;	/* against --max */
	struct drain_locked	  dr_locks;	/* found so by the last pass */
	/*
	 * The events done with until the end of a cron run, or a follower's
	 * next rescan: put back, failed with no backoff, locked too long,
	 * not wanted by --type.
	 */
	struct drain_seen	  dr_seen;
	time_t			  dr_next_due;	/* the next retry (0: none) */
	struct drain_stats	 *dr_ds;
};

/*
 * One pass over dr's spools: every waiting event, oldest first, claimed
 * and handed on as the options say (with --pipe: given to the handlers,
 * whose verdicts are not all waited for), until none is left, --max, or
 * a stop. The first event still waiting out a backoff is left in
 * dr_next_due. Returns 1 if it claimed any, 0 if not, -1 if the spools
 * could not be read (said and counted).
 */
int drain_run_pass(struct drain_run *dr);

/*
 * --follow (drain_follow.c): pass after pass over dr's spools (open,
 * recovered), each as soon as something lands in a new/, when a backoff
 * is over, and at every rescan interval, until a stop signal or --max.
 * The work in flight is finished (--pipe: the events the handlers have
 * begun), the rest stays in new/ unclaimed. Returns 0, or EXIT_PART when
 * it cannot follow (said).
 */
int drain_follow(struct drain_run *dr);

/* drain_pipe.c: the events through a handler that starts once. */

/*
 * Start handing the waiting events of spools to o->do_pipe: no handler
 * runs yet. From here on the spools' claims are not flushed one by one
 * (sp_fsync off): with fsync set, each batch of finished events ends with
 * one flush of the folders (drain_pipe.c says why that is safe). ds and
 * dn are the run's and must outlive dp. Returns 0 with *out, or -1
 * (said).
 */
int drain_pipe_open(const struct drain_opts *o, int fsync,
    struct spool **spools, size_t nspools, struct drain_stats *ds,
    struct drain_seen *dn, struct drain_pipe **out);

/*
 * One pass over the waiting events: claim them in arrival order while the
 * handlers have room (taking verdicts meanwhile) and give them over,
 * until none is left, --max events were claimed in all (*claimed), or a
 * stop. before and the locks found are as drain's own pass keeps them;
 * events still waiting out a backoff are left, and the earliest time one
 * is due goes to *next_due (may be NULL; drain_collect()). Returns 1 if it
 * claimed any, 0 if not, -1 if the spools could not be read. It does not
 * wait for the verdicts of the events it gave.
 */
int drain_pipe_pass(struct drain_pipe *dp, long long *claimed,
    struct drain_locked *before, time_t *next_due);

/* How many events the handlers have and have not answered yet. */
size_t drain_pipe_busy(const struct drain_pipe *dp);

/*
 * Take verdicts until until (seconds on io_now()'s clock), a stop, wake_fd
 * (-1: none) readable, or nothing is left in flight; end their claims.
 */
void drain_pipe_wait(struct drain_pipe *dp, double until, int wake_fd);

/*
 * End: on a stop, the events not yet begun go back to new/ as they were;
 * the others get their verdicts (or their timeout); then the handlers'
 * input is closed and they are waited for (hpipe_close). Frees dp (may be
 * NULL).
 */
void drain_pipe_close(struct drain_pipe *dp);

#endif
