/*
 * drain_follow.c: hookspool drain --follow. A pass over the spools
 * (drain.c's, or drain_pipe.c's with --pipe) each time something lands in
 * a new/, when the first event set aside with a backoff is due, and at
 * every rescan interval (watch.h), until TERM, INT or HUP, or --max.
 *
 * A stop is noticed at once, also while waiting (watch.h) and while the
 * handlers work (hpipe.h). With --exec the handler in flight runs to its
 * end (or its --timeout) and its verdict counts; with --pipe the events
 * the handlers have begun get their verdicts, and those not begun go back
 * to new/ unclaimed (drain_pipe_close()). Without either, the event being
 * written to standard output goes back to new/ unless stdout took it.
 *
 * What the run sets aside it does not take again before the next rescan
 * (dr_seen): events put back, failed with no backoff, locked by another
 * process for too long, or not wanted by --type. An event whose attempt
 * failed with a backoff is kept out by its backoff alone (drain_collect()
 * leaves it in new/ until then), and the wait ends when the first one is
 * due; so dr_seen holds at most what one rescan interval set aside.
 *
 * At each rescan, what a cron run does when it starts: the spools are
 * recovered (the claims of drains that died are released, cut-short
 * deliveries finished) and dr_seen is emptied. A spool whose folder was
 * made again is opened again; with --pipe, once the handlers have
 * answered the events they hold (whose claims are in the old folders).
 *
 * While the last pass found events locked by another process (a drain
 * claiming them holds the lock for an instant), the wait ends after
 * DRAIN_FOLLOW_LOOK_MIN ms, doubling to DRAIN_FOLLOW_LOOK_MAX, to look
 * at them again, as a cron run does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "drain.h"
#include "drain_pipe.h"
#include "io.h"
#include "spool.h"
#include "watch.h"

#define DRAIN_FOLLOW_LOOK_MIN	50LL
#define DRAIN_FOLLOW_LOOK_MAX	1000LL
/* While the handlers work, a look at the spools' folders this often. */
#define DRAIN_FOLLOW_PIPE_LOOK	1.0

/* What a follower keeps between passes. */
struct follow {
	struct watch	*fw_watch;
	long long	 fw_look_ms;	/* the next look at locked events */
};

/*
 * Milliseconds until the wait must end for a pass: the first backoff
 * over (its second come, by the wall clock), or a look at locked events;
 * -1 when nothing calls for one.
 */
static long long
wait_ms(const struct drain_run *dr, const struct follow *fw)
{
	struct timespec	now;
	long long	ms = -1, left;

	if (dr->dr_next_due != 0) {
		if (clock_gettime(CLOCK_REALTIME, &now) == -1)
			ms = 1000;
		else {
			left = ((long long)dr->dr_next_due - now.tv_sec) *
			    1000 - now.tv_nsec / 1000000;
			ms = left > 0 ? left : 0;
		}
	}
	if (dr->dr_locks.dl_len > 0 && (ms < 0 || ms > fw->fw_look_ms))
		ms = fw->fw_look_ms;
	return ms;
}

/* What is due at each rescan interval. */
static void
rescan(struct drain_run *dr)
{
	unsigned	released;
	size_t		i;

	for (i = 0; i < dr->dr_nspools; i++) {
		if (cli_recover(dr->dr_spools[i], NULL, NULL, &released) == -1)
			dr->dr_ds->ds_errors++;
		dr->dr_ds->ds_released += released;
	}
	drain_seen_free(&dr->dr_seen);
}

/*
 * Watch spool i in slot i; said when it cannot be, with what follows
 * (then). Returns 0 or -1.
 */
static int
watch_one(struct drain_run *dr, struct follow *fw, size_t i, const char *then)
{
	const char	*reason;
	int		 saved;

	if (watch_spool(fw->fw_watch, i, dr->dr_spools[i], &reason) == 0)
		return 0;
	saved = errno;
	cli_warnx("spool %s: %s: %s%s; %s", dr->dr_spools[i]->sp_dir, reason,
	    strerror(saved), saved == ENOSPC ? " (raise the sysctl "
	    "fs.inotify.max_user_watches)" : "", then);
	dr->dr_ds->ds_errors++;
	return -1;
}

/* Whether some spool is to be opened again (watch_stale()). */
static int
any_stale(const struct drain_run *dr, const struct follow *fw)
{
	size_t	i;

	for (i = 0; i < dr->dr_nspools; i++)
		if (watch_stale(fw->fw_watch, i, dr->dr_spools[i]))
			return 1;
	return 0;
}

/*
 * With --pipe, before a spool is opened again: the handlers answer what
 * they hold, whose claims are in the folders open, and those are let go.
 * Returns 0, or -1 on a stop.
 */
static int
settle(struct drain_run *dr)
{
	if (dr->dr_pipe == NULL)
		return 0;
	do
		drain_pipe_wait(dr->dr_pipe, io_now() + 1, -1);
	while (drain_pipe_busy(dr->dr_pipe) > 0 && !drain_sig.cs_stopping);
	return drain_pipe_busy(dr->dr_pipe) > 0 ? -1 : 0;
}

/* Open spool i again at its path: recovered, as at the start. */
static int
open_again(struct drain_run *dr, size_t i, struct spool **sp)
{
	unsigned	released;

	if (cli_open_spool(dr->dr_cf, dr->dr_spools[i]->sp_dir, sp) == -1) {
		dr->dr_ds->ds_errors++;
		return -1;
	}
	if (cli_recover(*sp, NULL, NULL, &released) == -1)
		dr->dr_ds->ds_errors++;
	dr->dr_ds->ds_released += released;
	/* drain_pipe_open() says why the pipe's claims need no flush */
	if (dr->dr_pipe != NULL)
		(*sp)->sp_fsync = 0;
	return 0;
}

/*
 * Open again, and watch again, each spool whose folder is no longer the
 * one open (watch_stale()). One that cannot be opened is said and stays
 * as it was, to be tried again.
 */
static void
reopen(struct drain_run *dr, struct follow *fw)
{
	struct spool	*sp;
	size_t		 i;

	if (!any_stale(dr, fw) || settle(dr) == -1)
		return;
	/* what it found locked names the spools open */
	drain_locked_free(&dr->dr_locks);
	for (i = 0; i < dr->dr_nspools; i++) {
		if (!watch_stale(fw->fw_watch, i, dr->dr_spools[i]))
			continue;
		if (open_again(dr, i, &sp) == -1) {
			cli_warnx("spool %s: its folder is not the one open; "
			    "tried again at the next rescan",
			    dr->dr_spools[i]->sp_dir);
			continue;
		}
		cli_warnx("spool %s: its folder was made again; following "
		    "the new one", sp->sp_dir);
		spool_close(dr->dr_spools[i]);
		dr->dr_spools[i] = sp;
		(void)watch_one(dr, fw, i, "watched again at the next rescan");
	}
}

/* Whether the follower is done: a stop, or --max. */
static int
done(struct drain_run *dr)
{
	const struct drain_opts	*o = dr->dr_o;

	cli_signals_check(&drain_sig, 0);
	return drain_sig.cs_stopping ||
	    (o->do_max > 0 && dr->dr_claimed >= o->do_max);
}

/*
 * With --pipe, while the handlers hold events: take their verdicts until
 * something lands in a new/ (the inotify descriptor), a stop, the wait's
 * end (ms, -1: none), the rescan, or a spool to open again. Then what the
 * watch says, read without waiting; WATCH_TIMEOUT only when ms is over.
 */
static enum watch_result
wait_busy(struct drain_run *dr, struct follow *fw, long long ms,
    const char **reason)
{
	struct watch		*w = fw->fw_watch;
	enum watch_result	 r;
	double			 end = ms >= 0 ? io_now() + ms / 1000.0 : -1;
	double			 until;

	for (;;) {
		until = io_now() + DRAIN_FOLLOW_PIPE_LOOK;
		if (until > w->w_next)
			until = w->w_next;
		if (end >= 0 && until > end)
			until = end;
		drain_pipe_wait(dr->dr_pipe, until, w->w_fd);
		if (drain_sig.cs_stopping)
			return WATCH_SIGNAL;
		if ((r = watch_wait(w, 0, reason)) != WATCH_TIMEOUT)
			return r;
		if (end >= 0 && io_now() >= end)
			return WATCH_TIMEOUT;
		if (any_stale(dr, fw))
			return WATCH_CHANGED;
		if (drain_pipe_busy(dr->dr_pipe) > 0)
			continue;
		/* the rest of the wait, as without the handlers */
		ms = -1;
		if (end >= 0 && (ms = (long long)((end - io_now()) * 1000) +
		    1) < 0)
			ms = 0;
		return watch_wait(w, ms, reason);
	}
}

/*
 * Wait for the next pass, and do what the wait's end calls for. Returns
 * 0, or -1 when the follower cannot go on (said).
 */
static int
wait_next(struct drain_run *dr, struct follow *fw)
{
	const char		*reason;
	enum watch_result	 r;
	long long		 ms = wait_ms(dr, fw);

	if (dr->dr_pipe != NULL && drain_pipe_busy(dr->dr_pipe) > 0)
		r = wait_busy(dr, fw, ms, &reason);
	else
		r = watch_wait(fw->fw_watch, ms, &reason);
	switch (r) {
	case WATCH_ERROR:
		cli_warnx("%s: %s", reason, strerror(errno));
		return -1;
	case WATCH_SIGNAL:
		return 0;	/* taken by done() */
	case WATCH_RESCAN:
		rescan(dr);
		break;
	default:
		break;
	}
	reopen(dr, fw);
	return 0;
}

int
drain_follow(struct drain_run *dr)
{
	struct follow	 fw;
	const char	*reason;
	size_t		 i;
	int		 rc = 0, r;

	memset(&fw, 0, sizeof(fw));
	fw.fw_look_ms = DRAIN_FOLLOW_LOOK_MIN;
	if (watch_open(dr->dr_nspools, dr->dr_o->do_rescan_ms,
	    &drain_sig.cs_stop, &fw.fw_watch, &reason) == -1) {
		cli_warnx("unable to follow the spools: %s: %s%s", reason,
		    strerror(errno), errno == EMFILE ? " (raise the sysctl "
		    "fs.inotify.max_user_instances)" : "");
		return EXIT_PART;
	}
	/* watched before the first pass: nothing lands unseen */
	for (i = 0; i < dr->dr_nspools; i++)
		if (watch_one(dr, &fw, i, "not following") == -1)
			rc = EXIT_PART;
	while (rc == 0 && !done(dr)) {
		/* spools that cannot be read are said, and read again */
		if ((r = drain_run_pass(dr)) == 1 || dr->dr_locks.dl_len == 0)
			fw.fw_look_ms = DRAIN_FOLLOW_LOOK_MIN;
		if (!done(dr) && wait_next(dr, &fw) == -1)
			rc = EXIT_PART;
		if (r != 1 && fw.fw_look_ms < DRAIN_FOLLOW_LOOK_MAX)
			fw.fw_look_ms *= 2;
	}
	watch_free(fw.fw_watch);
	return rc;
}
