/*
 * forward_follow.c: hookspool forward --follow. A pass over the spools
 * (forward.c) each time something lands in a new/, and at every rescan
 * interval (watch.h), until TERM, INT or HUP: the batch in flight is
 * finished (Redis has answered, the claims are ended), then it returns.
 *
 * A server that cannot be reached, or fails, is no reason to stop: the
 * events stay in new/, the failure is said once (and again only when the
 * reason changes), and the server is tried again after a delay that
 * doubles from FOLLOW_RETRY_MIN_MS up to FOLLOW_RETRY_MAX_MS, starting
 * again from the least once a pass went through. While it waits, only a
 * stop signal wakes it: what lands meanwhile is found by the pass after
 * the next connection.
 *
 * At each rescan, what a cron run does when it starts: the spools are
 * recovered (the claims of drains that died are released, cut-short
 * deliveries finished), and the events set aside (busy, or refused with
 * no backoff) are tried again. An event Redis refused waits out its
 * backoff (claim_retry()); the wait ends when the first one is due.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forward.h"
#include "io.h"
#include "watch.h"

#define FOLLOW_RETRY_MIN_MS	500LL
#define FOLLOW_RETRY_MAX_MS	30000LL

/* What a follower keeps between passes. */
struct follow {
	struct watch	*fw_watch;
	double		 fw_next_try;	/* when to connect again (io_now()) */
	long long	 fw_delay_ms;	/* the wait after the next failure */
	char		 fw_told[RLINK_ERR_MAX];	/* the failure last said */
};

/*
 * The server failed, or could not be reached, for the reason why: the link
 * is closed, the reason said if it is new, and the next try set.
 */
static void
link_down(struct forward_run *fr, struct follow *fw, const char *why)
{
	rlink_free(fr->fr_link);
	fr->fr_link = NULL;
	if (strcmp(why, fw->fw_told) != 0) {
		cli_warnx("%s; the events stay in new/, and the server is "
		    "tried again (every %lld s at most)", why,
		    FOLLOW_RETRY_MAX_MS / 1000);
		snprintf(fw->fw_told, sizeof(fw->fw_told), "%s", why);
	}
	fr->fr_failed = 0;
	fr->fr_stopped[0] = '\0';
	/* the events sent back are tried again once connected */
	drain_seen_free(&fr->fr_seen);
	fw->fw_next_try = io_now() + fw->fw_delay_ms / 1000.0;
	fw->fw_delay_ms *= 2;
	if (fw->fw_delay_ms > FOLLOW_RETRY_MAX_MS)
		fw->fw_delay_ms = FOLLOW_RETRY_MAX_MS;
}

/*
 * Whether fr is connected: if not, and its next try is due, it tries.
 * Until then it waits for the next try, or for a stop signal.
 */
static int
link_up(struct forward_run *fr, struct follow *fw)
{
	char	err[RLINK_ERR_MAX];
	double	left;

	if (fr->fr_link != NULL)
		return 1;
	if ((left = fw->fw_next_try - io_now()) > 0) {
		cli_signals_check(&fr->fr_sig, (long)(left * 1000) + 1);
		return 0;
	}
	if (forward_connect(fr, err, sizeof(err)) == -1) {
		link_down(fr, fw, err);
		return 0;
	}
	if (fw->fw_told[0] != '\0') {
		cli_warnx("redis at %s: connected again", fr->fr_link->rl_addr);
		fw->fw_told[0] = '\0';
	}
	return 1;
}

/* What is due at each rescan interval. */
static void
rescan(struct forward_run *fr)
{
	struct cli_recovery	rec;
	size_t			i;

	for (i = 0; i < fr->fr_nspools; i++) {
		if (cli_recover(fr->fr_cf, fr->fr_spools[i], &rec) == -1)
			fr->fr_stats.fs_errors++;
		fr->fr_stats.fs_released += rec.cr_released;
	}
	drain_seen_free(&fr->fr_seen);
}

/*
 * Watch spool i in slot i; said when it cannot be, with what follows
 * (then). Returns 0 or -1.
 */
static int
watch_one(struct forward_run *fr, struct follow *fw, size_t i,
    const char *then)
{
	const char	*reason;
	int		 saved;

	if (watch_spool(fw->fw_watch, i, fr->fr_spools[i], &reason) == 0)
		return 0;
	saved = errno;
	cli_warnx("spool %s: %s: %s%s; %s", fr->fr_spools[i]->sp_dir, reason,
	    strerror(saved), saved == ENOSPC ? " (raise the sysctl "
	    "fs.inotify.max_user_watches)" : "", then);
	fr->fr_stats.fs_errors++;
	return -1;
}

/*
 * Open again, and watch again, each spool whose folder is no longer the
 * one open (watch_stale()). One that cannot be opened is said and stays
 * as it was, to be tried again.
 */
static void
reopen(struct forward_run *fr, struct follow *fw)
{
	struct spool	*sp;
	size_t		 i;

	for (i = 0; i < fr->fr_nspools; i++) {
		if (!watch_stale(fw->fw_watch, i, fr->fr_spools[i]))
			continue;
		if (forward_open_spool(fr, fr->fr_spools[i]->sp_dir, &sp) == -1) {
			cli_warnx("spool %s: its folder is not the one open; "
			    "tried again at the next rescan",
			    fr->fr_spools[i]->sp_dir);
			continue;
		}
		cli_warnx("spool %s: its folder was made again; following "
		    "the new one", sp->sp_dir);
		spool_close(fr->fr_spools[i]);
		fr->fr_spools[i] = sp;
		(void)watch_one(fr, fw, i, "watched again at the next rescan");
	}
}

/* Whether the follower is done: a stop, or --max. */
static int
done(struct forward_run *fr)
{
	const struct forward_opts	*o = fr->fr_opts;

	cli_signals_check(&fr->fr_sig, 0);
	return fr->fr_sig.cs_stopping ||
	    (o->fo_max > 0 && fr->fr_claimed >= o->fo_max);
}

/*
 * Wait for the next pass, and do what the wait's end calls for. Returns
 * 0, or -1 when the follower cannot go on (said).
 */
static int
wait_next(struct forward_run *fr, struct follow *fw)
{
	const char	*reason;
	long long	 ms = -1;

	/* until a refused event's backoff is over, at the latest */
	if (fr->fr_next_due != 0)
		ms = fr->fr_next_due > time(NULL) ?
		    (long long)(fr->fr_next_due - time(NULL)) * 1000 : 0;
	switch (watch_wait(fw->fw_watch, ms, &reason)) {
	case WATCH_ERROR:
		cli_warnx("%s: %s", reason, strerror(errno));
		return -1;
	case WATCH_SIGNAL:
		return 0;	/* taken by done() */
	case WATCH_RESCAN:
		rescan(fr);
		break;
	default:
		break;
	}
	reopen(fr, fw);
	return 0;
}

int
forward_follow(struct forward_run *fr)
{
	struct follow	 fw;
	const char	*reason;
	size_t		 i;
	int		 rc = 0;

	memset(&fw, 0, sizeof(fw));
	fw.fw_delay_ms = FOLLOW_RETRY_MIN_MS;
	if (watch_open(fr->fr_nspools, fr->fr_opts->fo_rescan_ms,
	    &fr->fr_sig.cs_stop, &fw.fw_watch, &reason) == -1) {
		cli_warnx("unable to follow the spools: %s: %s%s", reason,
		    strerror(errno), errno == EMFILE ? " (raise the sysctl "
		    "fs.inotify.max_user_instances)" : "");
		return EXIT_PART;
	}
	/* watched before the first pass: nothing lands unseen */
	for (i = 0; i < fr->fr_nspools; i++)
		if (watch_one(fr, &fw, i, "not following") == -1)
			rc = EXIT_PART;
	while (rc == 0 && !done(fr)) {
		if (!link_up(fr, &fw))
			continue;
		forward_pass(fr);
		if (fr->fr_failed) {
			link_down(fr, &fw, fr->fr_stopped);
			continue;
		}
		fw.fw_delay_ms = FOLLOW_RETRY_MIN_MS;
		if (!done(fr) && wait_next(fr, &fw) == -1)
			rc = EXIT_PART;
	}
	watch_free(fw.fw_watch);
	/* a stop signal is no failure; running out of memory is */
	return fr->fr_stopped[0] != '\0' ? EXIT_PART : rc;
}
