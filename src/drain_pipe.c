/*
 * drain_pipe.c: drain --pipe. The waiting events are claimed as drain
 * claims them (claim.c) and given to a handler that starts once
 * (hpipe.h), up to --jobs copies of it; each verdict ends its event's
 * claim as the exit status of --exec would: "ok" removes the event,
 * "retry", a timeout or a death counts a failed attempt (back to new/,
 * not again in this run; failed/ after --attempts), "fail" moves it to
 * failed/ at once. The claims are not flushed one by one: a batch of
 * finished events (DRAIN_PIPE_SYNC at most, DRAIN_PIPE_SYNC_MS at most
 * after the first) ends with one flush of the spools' folders, and only
 * then are the done events' files emptied and the claims let go; drain.c
 * says why a power cut can then only deliver an event again.
 *
 * Each event in the handlers' hands holds a slot: its claim (whose lock
 * stays held), its line's fields, and its tag for hpipe (slot index + 1).
 * A finished slot stays taken until the flush. The slots are bounded by
 * the handlers' room and by the descriptors the process may open.
 *
 * A cron drain stops, as if asked to, once the handlers wrote
 * DRAIN_PIPE_GARBAGE lines in a row that are no verdicts (each one
 * costs a restart delay growing to a minute): a run that would otherwise
 * wait on a broken handler for ever. Its events go back to new/. A
 * follower (--follow) does not stop: it is there to hand events on once
 * the handler is mended (a new version deployed, the service it talks to
 * back), so it says so once and goes on starting the handler again, a
 * minute apart at most, the events it holds waiting in cur/ under its
 * claims; TERM puts them back in new/.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "claim.h"
#include "cli.h"
#include "drain.h"
#include "drain_pipe.h"
#include "hpipe.h"
#include "io.h"
#include "spool.h"

#define DRAIN_PIPE_SYNC		256
#define DRAIN_PIPE_SYNC_MS	20
#define DRAIN_PIPE_GARBAGE	5
/* Descriptors kept for other uses than the claims. */
#define DRAIN_PIPE_FD_SPARE	64
#define DRAIN_PIPE_FD_MAX	65536

/* Folders of a spool that a flush is to flush, and one that failed. */
#define DIRTY(f)		(1U << (f))
#define DIRTY_FAILED		(1U << SPOOL_FOLDERS)

enum slot_state { SLOT_FREE, SLOT_FLIGHT, SLOT_FINISHED };

struct drain_slot {
	enum slot_state	 sl_state;
	size_t		 sl_si;		/* its spool's index */
	struct claim	 sl_claim;
	struct cli_event sl_ev;
	int		 sl_empty;	/* done: to empty after the flush */
};

struct drain_pipe {
	const struct drain_opts	 *dp_o;
	struct spool		**dp_spools;
	size_t			  dp_nspools;
	unsigned		 *dp_dirty;	/* by spool: folders to flush */
	int			  dp_fsync;
	struct drain_stats	 *dp_ds;
	struct drain_seen	 *dp_dn;
	struct hpipe		 *dp_hp;
	int			  dp_stopped;	/* hpipe_stop() called */
	struct drain_slot	 *dp_slots;
	size_t			  dp_nslots;
	size_t			 *dp_free;	/* free slots' indices */
	size_t			  dp_nfree;
	size_t			 *dp_fin;	/* finished, not flushed */
	size_t			  dp_nfin;
	double			  dp_fin_since;
	unsigned		  dp_garbage;	/* no verdicts in a row */
	struct hpipe_result	 *dp_res;
	size_t			  dp_capres;
};

/*
 * How many claims the process may hold open: the soft limit on
 * descriptors, raised towards the hard one, less what other uses need.
 */
static size_t
fd_budget(unsigned jobs, size_t nspools)
{
	struct rlimit	rl;
	rlim_t		want;
	size_t		other = DRAIN_PIPE_FD_SPARE + 2 * (size_t)jobs +
	    SPOOL_FOLDERS * nspools;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 256;
	want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >
	    DRAIN_PIPE_FD_MAX ? DRAIN_PIPE_FD_MAX : rl.rlim_max;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = want;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return 256;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > DRAIN_PIPE_FD_MAX)
		return DRAIN_PIPE_FD_MAX - other;
	return rl.rlim_cur > other ? (size_t)rl.rlim_cur - other : 0;
}

int
drain_pipe_open(const struct drain_opts *o, int fsync, struct spool **spools,
    size_t nspools, struct drain_stats *ds, struct drain_seen *dn,
    struct drain_pipe **out)
{
	struct hpipe_conf	 hc;
	struct drain_pipe	*dp;
	size_t			 i, budget;

	if ((dp = calloc(1, sizeof(*dp))) == NULL)
		goto nomem;
	dp->dp_o = o;
	dp->dp_spools = spools;
	dp->dp_nspools = nspools;
	dp->dp_fsync = fsync;
	dp->dp_ds = ds;
	dp->dp_dn = dn;
	dp->dp_nslots = (size_t)o->do_jobs * HPIPE_WINDOW + DRAIN_PIPE_SYNC;
	if ((budget = fd_budget((unsigned)o->do_jobs, nspools)) <
	    dp->dp_nslots)
		dp->dp_nslots = budget > 0 ? budget : 1;
	dp->dp_capres = (size_t)o->do_jobs * HPIPE_WINDOW + 16;
	if ((dp->dp_slots = calloc(dp->dp_nslots, sizeof(*dp->dp_slots))) ==
	    NULL || (dp->dp_free = calloc(dp->dp_nslots, sizeof(size_t))) ==
	    NULL || (dp->dp_fin = calloc(dp->dp_nslots, sizeof(size_t))) ==
	    NULL || (dp->dp_res = calloc(dp->dp_capres,
	    sizeof(*dp->dp_res))) == NULL || (dp->dp_dirty = calloc(nspools +
	    1, sizeof(*dp->dp_dirty))) == NULL)
		goto nomem;
	for (i = 0; i < dp->dp_nslots; i++)
		dp->dp_free[dp->dp_nfree++] = dp->dp_nslots - 1 - i;
	memset(&hc, 0, sizeof(hc));
	hc.hc_cmd = o->do_pipe;
	hc.hc_jobs = (unsigned)o->do_jobs;
	hc.hc_timeout = o->do_timeout;
	hc.hc_wait = &drain_sig.cs_wait;
	hc.hc_mask = &drain_sig.cs_old;
	if (hpipe_open(&hc, &dp->dp_hp) == -1) {
		cli_warnx("unable to set up the handlers: %s", strerror(errno));
		ds->ds_errors++;
		drain_pipe_close(dp);
		return -1;
	}
	/* drain.c says why the claims need no flush of their own from here. */
	for (i = 0; i < nspools; i++)
		spools[i]->sp_fsync = 0;
	*out = dp;
	return 0;
nomem:
	cli_warnx("out of memory");
	ds->ds_errors++;
	drain_pipe_close(dp);
	return -1;
}

/*
 * One flush of cur/, new/ and failed/ of each spool a finished event
 * touched; then the done events are emptied and every finished claim let
 * go.
 */
static void
flush(struct drain_pipe *dp)
{
	struct drain_slot	*sl;
	const char		*reason;
	size_t			 i;
	int			 f;

	if (dp->dp_dirty == NULL)
		return;		/* drain_pipe_open() ran out of memory */
	for (i = 0; i < dp->dp_nspools; i++) {
		for (f = 0; dp->dp_fsync && f < SPOOL_FOLDERS; f++)
			if ((dp->dp_dirty[i] & DIRTY(f)) &&
			    spool_sync(dp->dp_spools[i], f) == -1) {
				cli_warnx("spool %s: unable to flush %s/ to "
				    "disk: %s; its done events are not emptied",
				    dp->dp_spools[i]->sp_dir,
				    spool_folder_names[f], strerror(errno));
				dp->dp_ds->ds_errors++;
				dp->dp_dirty[i] |= DIRTY_FAILED;
			}
	}
	for (i = 0; i < dp->dp_nfin; i++) {
		sl = &dp->dp_slots[dp->dp_fin[i]];
		if (sl->sl_empty && !(dp->dp_dirty[sl->sl_si] & DIRTY_FAILED) &&
		    claim_empty(&sl->sl_claim, &reason) != CLAIM_OK) {
			cli_warnx("event %s: %s: %s", sl->sl_ev.ce_id, reason,
			    strerror(errno));
			dp->dp_ds->ds_errors++;
		}
		claim_clear(&sl->sl_claim);
		cli_event_free(&sl->sl_ev);
		sl->sl_state = SLOT_FREE;
		sl->sl_empty = 0;
		dp->dp_free[dp->dp_nfree++] = dp->dp_fin[i];
	}
	dp->dp_nfin = 0;
	memset(dp->dp_dirty, 0, dp->dp_nspools * sizeof(*dp->dp_dirty));
}

/*
 * The slot is done with: its claim waits for the next flush, which
 * flushes cur/ and the folders of to (DIRTY() bits) where the event may
 * have gone.
 */
static void
finished(struct drain_pipe *dp, size_t idx, unsigned to)
{
	if (dp->dp_nfin == 0)
		dp->dp_fin_since = io_now();
	dp->dp_slots[idx].sl_state = SLOT_FINISHED;
	dp->dp_dirty[dp->dp_slots[idx].sl_si] |= DIRTY(SPOOL_CUR) | to;
	dp->dp_fin[dp->dp_nfin++] = idx;
}

/* "the handler answered retry: REASON" into what. */
static void
answered(const char *word, const char *reason, char *what, size_t whatlen)
{
	char	shown[HPIPE_TEXT_MAX];

	cli_printable_text(reason, shown, sizeof(shown));
	snprintf(what, whatlen, "the handler answered \"%s\"%s%.200s", word,
	    *reason ? ": " : "", shown);
}

/* A notice of the handlers': said; lines that are no verdict counted. */
static void
notice(struct drain_pipe *dp, const struct hpipe_result *r)
{
	cli_warnx("%s", r->hr_text);
	if (!r->hr_garbage || ++dp->dp_garbage < DRAIN_PIPE_GARBAGE)
		return;
	if (dp->dp_o->do_follow) {
		if (dp->dp_garbage == DRAIN_PIPE_GARBAGE)
			cli_warnx("the handler wrote %d lines in a row that "
			    "are not verdicts; still following: it is started "
			    "again after each, %d s apart at most, until it "
			    "answers", DRAIN_PIPE_GARBAGE, HPIPE_DELAY_MAX);
		return;
	}
	if (dp->dp_ds->ds_stopped == NULL)
		dp->dp_ds->ds_stopped = "the handler wrote 5 lines in a row "
		    "that are not verdicts";
	drain_sig.cs_stopping = 1;
}

/* End the claim of a result's event as its verdict says. */
static void
verdict(struct drain_pipe *dp, const struct hpipe_result *r)
{
	struct drain_slot	*sl;
	const char		*reason;
	char			 what[HPIPE_TEXT_MAX];
	unsigned		 to = 0;

	if (r->hr_kind == HPIPE_NOTICE) {
		notice(dp, r);
		return;
	}
	sl = &dp->dp_slots[r->hr_tag - 1];
	if (r->hr_kind == HPIPE_OK || r->hr_kind == HPIPE_RETRY ||
	    r->hr_kind == HPIPE_FAIL)
		dp->dp_garbage = 0;
	switch (r->hr_kind) {
	case HPIPE_OK:
		if (claim_remove(dp->dp_spools[sl->sl_si], &sl->sl_claim,
		    &reason) == CLAIM_OK) {
			sl->sl_empty = 1;
			dp->dp_ds->ds_done++;
			break;
		}
		cli_warnx("event %s: %s: %s", sl->sl_ev.ce_id, reason,
		    strerror(errno));
		dp->dp_ds->ds_errors++;
		break;
	case HPIPE_FAIL:
		answered("fail", r->hr_text, what, sizeof(what));
		if (claim_give_up(dp->dp_spools[sl->sl_si], &sl->sl_claim,
		    &reason) != CLAIM_OK) {
			cli_warnx("event %s: %s: %s", sl->sl_ev.ce_id, reason,
			    strerror(errno));
			dp->dp_ds->ds_errors++;
			break;
		}
		cli_warnx("event %s: %s (attempt %u of %lld); moved to failed/",
		    sl->sl_ev.ce_id, what, sl->sl_claim.cl_attempts + 1,
		    dp->dp_o->do_attempts);
		dp->dp_ds->ds_failed++;
		to = DIRTY(SPOOL_FAILED);
		break;
	default:
		/* new/, or failed/ after --attempts */
		to = DIRTY(SPOOL_NEW) | DIRTY(SPOOL_FAILED);
		if (r->hr_kind == HPIPE_RETRY)
			answered("retry", r->hr_text, what, sizeof(what));
		else
			snprintf(what, sizeof(what), "%s", r->hr_text);
		drain_finish_claim(dp->dp_spools[sl->sl_si], &sl->sl_claim,
		    r->hr_kind == HPIPE_UNSENT, &sl->sl_ev, dp->dp_o, what,
		    dp->dp_ds, dp->dp_dn);
		break;
	}
	finished(dp, r->hr_tag - 1, to);
}

/*
 * Take the handlers' verdicts until one came, or until, a stop, or
 * wake_fd; end their claims, and flush once a batch is complete. On a
 * stop, nothing more is given to the handlers.
 */
static void
pump(struct drain_pipe *dp, double until, int wake_fd)
{
	size_t	n = 0, i;

	if (dp->dp_nfin > 0 && until > dp->dp_fin_since +
	    DRAIN_PIPE_SYNC_MS / 1000.0)
		until = dp->dp_fin_since + DRAIN_PIPE_SYNC_MS / 1000.0;
	if (hpipe_run(dp->dp_hp, until, wake_fd, &drain_sig.cs_stopping,
	    dp->dp_res, dp->dp_capres, &n) == -1) {
		cli_warnx("unable to wait for the handlers: %s",
		    strerror(errno));
		dp->dp_ds->ds_errors++;
		if (dp->dp_ds->ds_stopped == NULL)
			dp->dp_ds->ds_stopped = "unable to wait for the "
			    "handlers";
		drain_sig.cs_stopping = 1;
	}
	for (i = 0; i < n; i++)
		verdict(dp, &dp->dp_res[i]);
	if (drain_sig.cs_stopping && !dp->dp_stopped) {
		hpipe_stop(dp->dp_hp);
		dp->dp_stopped = 1;
	}
	if (dp->dp_nfin >= DRAIN_PIPE_SYNC || (dp->dp_nfin > 0 &&
	    (hpipe_busy(dp->dp_hp) == 0 || io_now() >= dp->dp_fin_since +
	    DRAIN_PIPE_SYNC_MS / 1000.0)))
		flush(dp);
}

/* Wait until a claim can be given to the handlers; 0 on a stop. */
static int
room(struct drain_pipe *dp)
{
	for (;;) {
		cli_signals_check(&drain_sig, 0);
		if (drain_sig.cs_stopping) {
			pump(dp, 0, -1);	/* stops the handlers' pool */
			return 0;
		}
		if (dp->dp_nfree == 0 && dp->dp_nfin > 0)
			flush(dp);
		if (dp->dp_nfree > 0 && hpipe_room(dp->dp_hp) > 0)
			return 1;
		pump(dp, io_now() + 1, -1);
	}
}

/* Give the claimed event to the handlers (or fail it, said). */
static void
give(struct drain_pipe *dp, size_t si, struct claim *cl)
{
	struct hpipe_event	 e;
	struct drain_slot	*sl;
	size_t			 idx = dp->dp_free[--dp->dp_nfree], len;
	char			*line;

	sl = &dp->dp_slots[idx];
	sl->sl_si = si;
	sl->sl_claim = *cl;
	sl->sl_state = SLOT_FLIGHT;
	if (drain_usable(dp->dp_spools[si], &sl->sl_claim, dp->dp_o,
	    &sl->sl_ev, dp->dp_ds)) {
		finished(dp, idx, DIRTY(SPOOL_FAILED));
		return;
	}
	memset(&e, 0, sizeof(e));
	e.hv_id = sl->sl_ev.ce_id;
	e.hv_idlen = strlen(sl->sl_ev.ce_id);
	e.hv_webhook = sl->sl_ev.ce_webhook;
	e.hv_webhooklen = e.hv_webhook ? strlen(e.hv_webhook) : 0;
	e.hv_type = sl->sl_ev.ce_type;
	e.hv_typelen = strlen(sl->sl_ev.ce_type);
	e.hv_attempt = sl->sl_claim.cl_attempts + 1ULL;
	e.hv_line = sl->sl_claim.cl_line;
	e.hv_linelen = sl->sl_claim.cl_len;
	if ((line = hpipe_event_line(&e, &len)) == NULL ||
	    hpipe_submit(dp->dp_hp, idx + 1, line, len) == -1) {
		cli_warnx("event %s: unable to give it to the handler: %s",
		    sl->sl_ev.ce_id, strerror(errno));
		dp->dp_ds->ds_errors++;
		drain_finish_claim(dp->dp_spools[si], &sl->sl_claim, 1,
		    &sl->sl_ev, dp->dp_o, "", dp->dp_ds, dp->dp_dn);
		finished(dp, idx, DIRTY(SPOOL_NEW));
	}
}

/* The index of sp among the spools. */
static size_t
spool_index(const struct drain_pipe *dp, const struct spool *sp)
{
	size_t	i;

	for (i = 0; i < dp->dp_nspools; i++)
		if (dp->dp_spools[i] == sp)
			break;
	return i;
}

int
drain_pipe_pass(struct drain_pipe *dp, long long *claimed,
    struct drain_locked *before, time_t *next_due)
{
	const struct drain_opts	*o = dp->dp_o;
	struct drain_locked	 now;
	struct drain_item	*items;
	struct claim		 cl;
	enum claim_result	 res;
	const char		*reason;
	size_t			 n, i;
	time_t			 due;
	int			 progress = 0;

	memset(&now, 0, sizeof(now));
	if (drain_collect(dp->dp_spools, dp->dp_nspools, dp->dp_dn, &items,
	    &n, next_due != NULL ? next_due : &due) == -1) {
		dp->dp_ds->ds_errors++;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((o->do_max > 0 && *claimed >= o->do_max) || !room(dp))
			break;
		res = claim_take(items[i].di_spool, items[i].di_name,
		    drain_want_type, (void *)o, &cl, &reason);
		if (res == CLAIM_OK) {
			(*claimed)++;
			progress = 1;
			give(dp, spool_index(dp, items[i].di_spool), &cl);
		} else if (res == CLAIM_BUSY)
			drain_found_locked(&items[i], o, before, &now,
			    dp->dp_dn, dp->dp_ds);
		else
			drain_not_taken(&items[i], res, reason, o,
			    dp->dp_dn, dp->dp_ds);
	}
	drain_items_free(items, n);
	drain_locked_free(before);
	*before = now;
	/* What is done already need not wait for the next verdict. */
	pump(dp, 0, -1);
	return progress;
}

size_t
drain_pipe_busy(const struct drain_pipe *dp)
{
	return hpipe_busy(dp->dp_hp);
}

void
drain_pipe_wait(struct drain_pipe *dp, double until, int wake_fd)
{
	struct pollfd	pfd;

	while (hpipe_busy(dp->dp_hp) > 0 && !drain_sig.cs_stopping) {
		pump(dp, until, wake_fd);
		if (io_now() >= until)
			break;
		pfd = (struct pollfd){ wake_fd, POLLIN, 0 };
		if (wake_fd != -1 && poll(&pfd, 1, 0) == 1)
			break;
	}
	if (dp->dp_nfin > 0 && hpipe_busy(dp->dp_hp) == 0)
		flush(dp);
}

void
drain_pipe_close(struct drain_pipe *dp)
{
	unsigned	forced;

	if (dp == NULL)
		return;
	if (dp->dp_hp != NULL) {
		while (hpipe_busy(dp->dp_hp) > 0)
			pump(dp, io_now() + 1, -1);
		forced = hpipe_close(dp->dp_hp);
		if (forced > 0)
			cli_warnx("%u handler%s did not end within %ds of the "
			    "end of %s input, and %s stopped", forced,
			    forced == 1 ? "" : "s", HPIPE_EXIT_GRACE,
			    forced == 1 ? "its" : "their",
			    forced == 1 ? "was" : "were");
	}
	flush(dp);
	free(dp->dp_slots);
	free(dp->dp_free);
	free(dp->dp_fin);
	free(dp->dp_res);
	free(dp->dp_dirty);
	free(dp);
}
