/*
 * drain.c: hookspool drain, the cron side's worker. It recovers each spool,
 * then claims the waiting events in arrival order and hands each one to
 * the handler (--exec) or to standard output, or hands them to a handler
 * that starts once (--pipe, drain_pipe.c); claim.c holds the rules.
 *
 * SIGCHLD, SIGTERM, SIGINT and SIGHUP stay blocked and are taken with
 * sigtimedwait() (or a signalfd, with --pipe), so a drain asked to stop
 * ends its current event cleanly: with --exec the handler's process group
 * gets SIGTERM and the event goes back to new/ as it was, unless the
 * handler succeeded; with --pipe the events a handler has begun get their
 * verdicts, the others go back to new/ as they were, and the drain exits 0.
 *
 * Flushes with --pipe. With --exec each claim, removal and move is flushed
 * as it happens (fsync on). With --pipe, claim_take() and the moves that
 * end a claim flush nothing (sp_fsync off, as forward does), and a batch
 * of finished events ends with one spool_sync() of cur/, new/ and failed/
 * of each spool; the files of the events done in the batch are emptied
 * (claim_empty) only after that flush, and the claims' locks are held
 * until then. What a power cut can undo is only a change that no flush
 * has made durable yet:
 *   - a claim (new/ -> cur/): the event is back in new/, and is delivered
 *     again, even if its handler said "ok" before the cut (a repeat);
 *   - a removal (unlink from cur/): the event, still whole since it is
 *     emptied only after the flush, is back in cur/, where recovery
 *     releases it to new/ with one more attempt counted, and it is
 *     delivered again (a repeat);
 *   - a move back to new/ (retry, put back) or to failed/: the event is
 *     back in cur/ (released, delivered again) or in new/ (delivered
 *     again); a retry may count one attempt more than it would have.
 * No step removes an event's bytes before the handler said "ok" and that
 * removal is on disk, so a cut never loses an event: it can only deliver
 * one again. Events are never lost to a batch; at worst a batch (up to
 * DRAIN_PIPE_SYNC events, or DRAIN_PIPE_SYNC_MS of them) is delivered
 * again. Without fsync nothing is flushed, as with --exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "claim.h"
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "drain.h"
#include "drain_pipe.h"
#include "event.h"
#include "handler.h"
#include "hpipe.h"
#include "io.h"
#include "opt.h"
#include "spool.h"
#include "watch.h"

#define DRAIN_ATTEMPTS		5
#define DRAIN_TIMEOUT		(5 * 60)
#define DRAIN_TIMEOUT_MAX	(30LL * 86400)
#define DRAIN_BACKOFF		30	/* seconds, doubling */
#define DRAIN_TYPES_MAX		64
#define DRAIN_PATH_MAX		4096
/* Between two looks at events locked by another process: ms, doubling. */
#define DRAIN_LOOK_MIN		50
#define DRAIN_LOOK_MAX		1000

static const struct opt drain_opt_table[] = {
	OPT_CONFIG(struct drain_opts, do_conf),
	{ "exec", 0, OPT_STRING, offsetof(struct drain_opts, do_exec), 0, 0,
	    "CMD", "run CMD through /bin/sh for each event: the event line "
	    "on its standard input, HOOKSPOOL_ID, _TYPE, _WEBHOOK, _FILE and "
	    "_ATTEMPT in its environment; exit 0 removes the event. Without "
	    "it or --pipe, events go to standard output as JSON lines" },
	{ "pipe", 0, OPT_STRING, offsetof(struct drain_opts, do_pipe), 0, 0,
	    "CMD", "start CMD once, through /bin/sh, and give it each event "
	    "as a JSON line on its standard input; it answers a line per "
	    "event, in order: ok, retry REASON or fail REASON (hookspool(1))" },
	{ "jobs", 0, OPT_NUMBER, offsetof(struct drain_opts, do_jobs), 1,
	    HPIPE_JOBS_MAX, "N", "with --pipe: run N copies of CMD at once; "
	    "events are then handled out of arrival order (default: 1)" },
	{ "max", 0, OPT_NUMBER, offsetof(struct drain_opts, do_max), 1,
	    1000000000LL, "N", "stop after N events (default: no limit)" },
	{ "attempts", 0, OPT_NUMBER, offsetof(struct drain_opts, do_attempts),
	    1, 1000, "N", "move an event to failed/ after N failed attempts "
	    "(default: 5)" },
	{ "timeout", 0, OPT_DURATION, offsetof(struct drain_opts, do_timeout),
	    1, DRAIN_TIMEOUT_MAX, "D", "kill a handler that runs longer than D "
	    "(TERM, then KILL 5s later); a failed attempt. With --pipe, per "
	    "event: the handler is killed and started again (default: 5m)" },
	{ "backoff", 0, OPT_DURATION, offsetof(struct drain_opts, do_backoff),
	    0, DRAIN_TIMEOUT_MAX, "D", "after a failed attempt, an event waits "
	    "D, doubling with each attempt up to 1h, before a drain takes it "
	    "again (default: 30s; 0: at the next run)" },
	{ "type", 0, OPT_LIST, offsetof(struct drain_opts, do_types), 0,
	    DRAIN_TYPES_MAX, "PATTERN", "take only events whose type matches "
	    "PATTERN (fnmatch: message.*); may be given up to 64 times" },
	{ "follow", 0, OPT_FLAG, offsetof(struct drain_opts, do_follow), 0, 0,
	    NULL, "keep running: hand each event on as it lands in a spool's "
	    "new/, until TERM, which lets the work in flight finish" },
	{ "rescan", 0, OPT_DURATION, offsetof(struct drain_opts, do_rescan), 1,
	    WATCH_RESCAN_MAX_MS / 1000, "D", "with --follow: look at every "
	    "spool this often even when nothing wakes it (dead drains' "
	    "claims, events set aside, a spool made again; default: 30s)" },
};

static const struct opt_verb drain_verb = {
	"drain", "[-c CONF] [--exec CMD | --pipe CMD [--jobs N]] [--max N] "
	"[--attempts N] [--timeout D] [--backoff D] [--type PATTERN]... "
	"[--follow [--rescan D]]",
	"Recover each spool, then hand the waiting events, oldest first, to "
	"the handler or to standard output. Safe to run from cron while "
	"another drain runs: each event is claimed by one.",
	drain_opt_table, sizeof(drain_opt_table) / sizeof(drain_opt_table[0]),
	0
};

enum outcome {
	OUTCOME_DONE,
	OUTCOME_FAILED,
	OUTCOME_PUT_BACK
};

struct cli_signals	drain_sig;

/*
 * The options into *o. Returns OPT_OK, OPT_HELP, or OPT_USAGE (said on
 * stderr).
 */
static enum opt_result
parse_opts(int argc, char *argv[], struct drain_opts *o)
{
	enum opt_result	r;
	int		n;

	memset(o, 0, sizeof(*o));
	o->do_attempts = DRAIN_ATTEMPTS;
	o->do_timeout = DRAIN_TIMEOUT;
	o->do_backoff = DRAIN_BACKOFF;
	if ((r = opt_parse(&drain_verb, argc, argv, o, &n)) != OPT_OK)
		return r;
	if (o->do_exec != NULL && *o->do_exec == '\0')
		return opt_misuse(&drain_verb, "--exec: an empty command; give "
		    "the handler to run");
	if (o->do_pipe != NULL && *o->do_pipe == '\0')
		return opt_misuse(&drain_verb, "--pipe: an empty command; give "
		    "the handler to run");
	if (o->do_exec != NULL && o->do_pipe != NULL)
		return opt_misuse(&drain_verb, "--exec and --pipe: give one of "
		    "them (--exec runs CMD once per event, --pipe starts it "
		    "once for all)");
	if (o->do_jobs != 0 && o->do_pipe == NULL)
		return opt_misuse(&drain_verb, "--jobs goes with --pipe only%s",
		    o->do_exec != NULL ? ", not with --exec (run several "
		    "drains for handlers run once per event)" : "");
	if (o->do_jobs == 0)
		o->do_jobs = 1;
	if (o->do_rescan != 0 && !o->do_follow)
		return opt_misuse(&drain_verb, "--rescan is for --follow only: "
		    "a run without it looks at the spools until they are empty");
	o->do_rescan_ms = (o->do_rescan != 0 ? o->do_rescan :
	    WATCH_RESCAN_MS / 1000) * 1000;
	return OPT_OK;
}

/* claim_take()'s filter: the --type patterns. Unreadable lines are taken. */
int
drain_want_type(const char *line, size_t len, void *arg)
{
	const struct drain_opts	*o = arg;
	const char		*reason;
	char			*type;
	int			 yes;

	if (o->do_types.ol_n == 0)
		return 1;
	if (event_field_string(line, len, "type", &type, &reason) == -1)
		return 1;
	yes = event_type_matches(type, (char *const *)o->do_types.ol_v,
	    o->do_types.ol_n);
	free(type);
	return yes;
}

/*
 * Run the handler on the claimed event (handler.c), with the claim's
 * descriptor inherited so that its lock lasts as long as the handler: a
 * handler that outlives a drain killed with -9 keeps its event from being
 * released to another drain. Returns the outcome; what happened is written
 * to what (for the message about a failure).
 */
static enum outcome
run_handler(struct spool *sp, const struct claim *cl,
    const struct cli_event *f,
    const struct drain_opts *o, char *what, size_t whatlen)
{
	struct handler_env	env[5];
	struct handler_job	job;
	char			path[DRAIN_PATH_MAX], attempt[16];
	int			n, infd;

	n = snprintf(path, sizeof(path), "%s/cur/%s", sp->sp_dir, cl->cl_name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(what, whatlen, "path too long");
		return OUTCOME_FAILED;
	}
	snprintf(attempt, sizeof(attempt), "%u", cl->cl_attempts + 1);
	env[0] = (struct handler_env){ "HOOKSPOOL_ID", f->ce_id };
	env[1] = (struct handler_env){ "HOOKSPOOL_TYPE", f->ce_type };
	env[2] = (struct handler_env){ "HOOKSPOOL_WEBHOOK", f->ce_webhook };
	env[3] = (struct handler_env){ "HOOKSPOOL_FILE", path };
	env[4] = (struct handler_env){ "HOOKSPOOL_ATTEMPT", attempt };
	if ((infd = openat(sp->sp_fd[SPOOL_CUR], cl->cl_name,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(what, whatlen, "unable to open the event: %s",
		    strerror(errno));
		return OUTCOME_PUT_BACK;
	}
	memset(&job, 0, sizeof(job));
	job.hj_cmd = o->do_exec;
	job.hj_stdin = infd;
	job.hj_stdout = -1;
	job.hj_keep = cl->cl_fd;
	job.hj_env = env;
	job.hj_nenv = 5;
	job.hj_timeout = o->do_timeout;
	job.hj_wait = &drain_sig.cs_wait;
	job.hj_mask = &drain_sig.cs_old;
	/* A follower's stop lets the handler in flight finish. */
	job.hj_finish = o->do_follow;
	switch (handler_run(&job, &drain_sig.cs_stopping, what, whatlen)) {
	case HANDLER_OK:
		close(infd);
		return OUTCOME_DONE;
	case HANDLER_FAILED:
	case HANDLER_TIMED_OUT:
		close(infd);
		return OUTCOME_FAILED;
	default:
		close(infd);
		return OUTCOME_PUT_BACK;
	}
}

/*
 * Until the reader of the pipe on fd has read all of it. -1 with EPIPE if
 * the reader went away first, or EINTR if the drain was asked to stop.
 */
static int
pipe_taken(int fd)
{
	struct pollfd	pfd;
	long		ms = 1;
	int		unread;

	for (;;) {
		if (ioctl(fd, FIONREAD, &unread) == -1)
			return 0;	/* cannot tell: taken when written */
		if (unread == 0)
			return 0;
		pfd.fd = fd;
		pfd.events = 0;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR)) {
			errno = EPIPE;
			return -1;
		}
		cli_signals_check(&drain_sig, ms);
		if (drain_sig.cs_stopping) {
			errno = EINTR;
			return -1;
		}
		if (ms < 100)
			ms *= 2;
	}
}

/* Write the event line to standard output; 0 once stdout has taken it. */
static int
emit(struct claim *cl, mode_t out_mode)
{
	int	rc, saved;

	cl->cl_line[cl->cl_len] = '\n';
	rc = io_write_all(STDOUT_FILENO, cl->cl_line, cl->cl_len + 1);
	saved = errno;
	cl->cl_line[cl->cl_len] = '\0';
	errno = saved;
	if (rc == -1)
		return -1;
	if (S_ISREG(out_mode))
		return fsync(STDOUT_FILENO);
	if (S_ISFIFO(out_mode))
		return pipe_taken(STDOUT_FILENO);
	return 0;
}

/* End a claim as its outcome says, and count it. */
static void
finish(struct spool *sp, struct claim *cl, enum outcome oc,
    const struct cli_event *f, const struct drain_opts *o, const char *what,
    struct drain_stats *ds, struct drain_seen *dn)
{
	const char	*reason, *id = f->ce_id != NULL ? f->ce_id : cl->cl_name;
	long long	 wait;
	char		 when[32];
	int		 to_failed = 0;

	switch (oc) {
	case OUTCOME_DONE:
		if (claim_done(sp, cl, &reason) == CLAIM_OK)
			ds->ds_done++;
		else {
			cli_warnx("event %s: %s: %s", id, reason,
			    strerror(errno));
			ds->ds_errors++;
		}
		break;
	case OUTCOME_FAILED:
		/*
		 * Its backoff keeps it out of a cron run's later passes and
		 * tells a follower when it is due; with none, a follower tries
		 * it again at the next rescan rather than at once.
		 */
		if ((!o->do_follow || o->do_backoff == 0) &&
		    drain_seen_add(dn, cl->cl_name) == -1) {
			cli_warnx("out of memory");
			ds->ds_errors++;
			break;
		}
		if (claim_retry(sp, cl, (unsigned)o->do_attempts,
		    claim_backoff(o->do_backoff, cl->cl_attempts + 1), &to_failed,
		    &reason) != CLAIM_OK) {
			cli_warnx("event %s: %s: %s", id, reason,
			    strerror(errno));
			ds->ds_errors++;
			break;
		}
		if (to_failed) {
			cli_warnx("event %s: %s (attempt %u of %lld); "
			    "moved to failed/", id, what, cl->cl_attempts + 1,
			    o->do_attempts);
			ds->ds_failed++;
		} else {
			wait = claim_backoff(o->do_backoff, cl->cl_attempts + 1);
			snprintf(when, sizeof(when), "in %llds", wait);
			cli_warnx("event %s: %s (attempt %u of %lld); %s%s%s",
			    id, what, cl->cl_attempts + 1, o->do_attempts,
			    !o->do_follow ? "retried by the next drain" :
			    wait > 0 ? "tried again" : "tried again at the next "
			    "rescan", wait > 0 ? " " : "", wait > 0 ? when : "");
			ds->ds_retry++;
		}
		break;
	case OUTCOME_PUT_BACK:
		/* Not again in this run: whatever stopped it may not have gone. */
		if (drain_seen_add(dn, cl->cl_name) == -1) {
			cli_warnx("out of memory");
			drain_sig.cs_stopping = 1;
		}
		if (claim_unclaim(sp, cl, &reason) != CLAIM_OK) {
			cli_warnx("event %s: %s: %s", id, reason,
			    strerror(errno));
			ds->ds_errors++;
		}
		break;
	}
}

void
drain_finish_claim(struct spool *sp, struct claim *cl, int put_back,
    const struct cli_event *f, const struct drain_opts *o, const char *what,
    struct drain_stats *ds, struct drain_seen *dn)
{
	finish(sp, cl, put_back ? OUTCOME_PUT_BACK : OUTCOME_FAILED, f, o,
	    what, ds, dn);
}

int
drain_usable(struct spool *sp, struct claim *cl, const struct drain_opts *o,
    struct cli_event *f, struct drain_stats *ds)
{
	const char	*reason;

	memset(f, 0, sizeof(*f));
	if (cli_event_read(cl->cl_line, cl->cl_len, f, &reason) == 0 &&
	    cl->cl_attempts < (unsigned)o->do_attempts)
		return 0;
	if (claim_give_up(sp, cl, &reason) != CLAIM_OK) {
		cli_warnx("event %s: %s: %s", cl->cl_name, reason,
		    strerror(errno));
		ds->ds_errors++;
	} else {
		if (f->ce_id == NULL)
			cli_warnx("%s: not an event line (%s); moved to "
			    "failed/", cl->cl_name, reason);
		else
			cli_warnx("event %s: %u attempts made; moved to "
			    "failed/", f->ce_id, cl->cl_attempts);
		ds->ds_failed++;
	}
	cli_event_free(f);
	return 1;
}

/* Handle one claimed event. */
static void
handle(struct spool *sp, struct claim *cl, const struct drain_opts *o,
    mode_t out_mode, struct drain_stats *ds, struct drain_seen *dn)
{
	struct cli_event f;
	enum outcome	 oc;
	char		 what[256];

	what[0] = '\0';
	if (drain_usable(sp, cl, o, &f, ds))
		return;
	if (o->do_exec != NULL)
		oc = run_handler(sp, cl, &f, o, what, sizeof(what));
	else if (emit(cl, out_mode) == 0)
		oc = OUTCOME_DONE;
	else {
		oc = OUTCOME_PUT_BACK;
		if (!drain_sig.cs_stopping)
			ds->ds_stopped = errno == EPIPE ?
			    "standard output closed" :
			    "unable to write to standard output";
		drain_sig.cs_stopping = 1;
	}
	if (oc == OUTCOME_PUT_BACK && o->do_exec != NULL && !drain_sig.cs_stopping) {
		cli_warnx("event %s: %s", f.ce_id, what);
		ds->ds_errors++;
	}
	finish(sp, cl, oc, &f, o, what, ds, dn);
	cli_event_free(&f);
}

/*
 * new/NAME is locked by another process. A drain that claims an event
 * holds its lock in new/ only for a moment, so the event is looked at
 * again in later passes; once it has been found locked for longer than
 * --timeout it is reported and left alone for the rest of the run.
 */
void
drain_found_locked(const struct drain_item *it, const struct drain_opts *o,
    const struct drain_locked *before, struct drain_locked *now,
    struct drain_seen *dn, struct drain_stats *ds)
{
	char	name[SPOOL_NAME_MAX];
	double	t = io_now(), since;

	if ((since = drain_locked_since(before, it->di_spool, it->di_name)) < 0)
		since = t;
	if (t - since < o->do_timeout) {
		if (drain_locked_add(now, it->di_spool, it->di_name,
		    since) == -1) {
			cli_warnx("out of memory");
			drain_sig.cs_stopping = 1;
		}
		return;
	}
	cli_warnx("spool %s: new/%s: locked by another process for "
	    "over %llds; left in new/", it->di_spool->sp_dir,
	    cli_printable(it->di_name, name, sizeof(name)), o->do_timeout);
	ds->ds_locked++;
	if (drain_seen_add(dn, it->di_name) == -1) {
		cli_warnx("out of memory");
		drain_sig.cs_stopping = 1;
	}
}

void
drain_not_taken(const struct drain_item *it, enum claim_result res,
    const char *reason, const struct drain_opts *o, struct drain_seen *dn,
    struct drain_stats *ds)
{
	char	name[SPOOL_NAME_MAX];

	cli_printable(it->di_name, name, sizeof(name));
	if (res == CLAIM_SKIPPED && o->do_follow &&
	    drain_seen_add(dn, it->di_name) == -1) {
		cli_warnx("out of memory");
		drain_sig.cs_stopping = 1;
	} else if (res == CLAIM_REFUSED) {
		cli_warnx("spool %s: refused new/%s (%s); moved to "
		    "failed/", it->di_spool->sp_dir, name, reason);
		ds->ds_refused++;
	} else if (res == CLAIM_ERROR) {
		cli_warnx("spool %s: new/%s: %s: %s",
		    it->di_spool->sp_dir, name, reason, strerror(errno));
		ds->ds_errors++;
	}
}

/*
 * One pass over the waiting events, each handed on as it is claimed
 * (--exec, or standard output). Returns 1 if it claimed any, 0 if not,
 * -1 if the spools could not be read.
 */
static int
drain_pass(struct drain_run *dr)
{
	const struct drain_opts	*o = dr->dr_o;
	struct drain_stats	*ds = dr->dr_ds;
	struct drain_locked	 now;
	struct drain_item	*items;
	struct claim		 cl;
	enum claim_result	 res;
	const char		*reason;
	size_t			 n, i;
	int			 progress = 0;

	memset(&now, 0, sizeof(now));
	if (drain_collect(dr->dr_spools, dr->dr_nspools, &dr->dr_seen, &items,
	    &n, &dr->dr_next_due) == -1) {
		ds->ds_errors++;
		return -1;
	}
	for (i = 0; i < n; i++) {
		cli_signals_check(&drain_sig, 0);
		if (drain_sig.cs_stopping ||
		    (o->do_max > 0 && dr->dr_claimed >= o->do_max))
			break;
		res = claim_take(items[i].di_spool, items[i].di_name,
		    drain_want_type, (void *)o, &cl, &reason);
		if (res == CLAIM_OK) {
			dr->dr_claimed++;
			progress = 1;
			handle(items[i].di_spool, &cl, o, dr->dr_out_mode, ds,
			    &dr->dr_seen);
			claim_clear(&cl);
		} else if (res == CLAIM_BUSY)
			drain_found_locked(&items[i], o, &dr->dr_locks, &now,
			    &dr->dr_seen, ds);
		else
			drain_not_taken(&items[i], res, reason, o,
			    &dr->dr_seen, ds);
	}
	drain_items_free(items, n);
	drain_locked_free(&dr->dr_locks);
	dr->dr_locks = now;
	return progress;
}

int
drain_run_pass(struct drain_run *dr)
{
	if (dr->dr_pipe != NULL)
		return drain_pipe_pass(dr->dr_pipe, &dr->dr_claimed,
		    &dr->dr_locks, &dr->dr_next_due);
	return drain_pass(dr);
}

/*
 * A cron run: claim and handle waiting events until none is left, or
 * --max. While only events locked by others are left, look at them again
 * now and then. With --pipe, also until the handlers have answered every
 * event they were given.
 */
static void
drain_once(struct drain_run *dr)
{
	const struct drain_opts	*o = dr->dr_o;
	struct drain_pipe	*dp = dr->dr_pipe;
	long			 pause = DRAIN_LOOK_MIN;
	int			 r;

	for (;;) {
		r = drain_run_pass(dr);
		if (r == 1)
			pause = DRAIN_LOOK_MIN;
		else if (r == -1 || (dr->dr_locks.dl_len == 0 &&
		    (dp == NULL || drain_pipe_busy(dp) == 0)))
			break;
		else if (dp != NULL && drain_pipe_busy(dp) > 0)
			drain_pipe_wait(dp, io_now() + pause / 1000.0, -1);
		else
			cli_signals_check(&drain_sig, pause);
		if (r != 1 && pause < DRAIN_LOOK_MAX)
			pause *= 2;
		if (drain_sig.cs_stopping ||
		    (o->do_max > 0 && dr->dr_claimed >= o->do_max))
			break;
	}
	if (drain_sig.cs_stopping && dr->dr_ds->ds_stopped == NULL) {
		dr->dr_ds->ds_stopped = "asked to stop";
		/* With --pipe a stop ends every event cleanly. */
		dr->dr_ds->ds_stop_ok = dp != NULL;
	}
}

/*
 * Hand the events of the spools on, once (a cron run) or following
 * (--follow; fsync is the config's). Returns what the follower returned,
 * or 0.
 */
static int
drain_spools(const struct config *cf, struct spool **spools, size_t nspools,
    const struct drain_opts *o, struct drain_stats *ds)
{
	struct drain_run	 dr;
	struct stat		 st;
	int			 rc = 0;

	memset(&dr, 0, sizeof(dr));
	dr.dr_o = o;
	dr.dr_cf = cf;
	dr.dr_spools = spools;
	dr.dr_nspools = nspools;
	dr.dr_ds = ds;
	if (o->do_exec == NULL && o->do_pipe == NULL &&
	    fstat(STDOUT_FILENO, &st) == 0)
		dr.dr_out_mode = st.st_mode;
	if (o->do_pipe != NULL && drain_pipe_open(o, cf->cf_fsync, spools,
	    nspools, ds, &dr.dr_seen, &dr.dr_pipe) == -1)
		return EXIT_PART;
	if (o->do_follow)
		rc = drain_follow(&dr);
	else
		drain_once(&dr);
	drain_pipe_close(dr.dr_pipe);
	drain_locked_free(&dr.dr_locks);
	drain_seen_free(&dr.dr_seen);
	return rc;
}

/* The summary line on stderr; returns the exit status. */
static int
summary(const struct drain_stats *ds)
{
	fprintf(stderr, "hookspool drain: %u done, %u to retry, %u failed",
	    ds->ds_done, ds->ds_retry, ds->ds_failed);
	if (ds->ds_released > 0)
		fprintf(stderr, ", %u released from dead drains",
		    ds->ds_released);
	if (ds->ds_refused > 0)
		fprintf(stderr, ", %u refused", ds->ds_refused);
	if (ds->ds_locked > 0)
		fprintf(stderr, ", %u locked by another process",
		    ds->ds_locked);
	if (ds->ds_errors > 0)
		fprintf(stderr, ", %u errors", ds->ds_errors);
	if (ds->ds_stopped != NULL)
		fprintf(stderr, "; stopped: %s", ds->ds_stopped);
	fprintf(stderr, "\n");
	return ds->ds_retry == 0 && ds->ds_failed == 0 && ds->ds_refused == 0 &&
	    ds->ds_locked == 0 && ds->ds_errors == 0 &&
	    (ds->ds_stopped == NULL || ds->ds_stop_ok) ? 0 : EXIT_PART;
}

int
cmd_drain(int argc, char *argv[])
{
	struct drain_opts	  o;
	struct drain_stats	  ds;
	struct config		 *cf;
	struct spool		**spools = NULL;
	unsigned		  released;
	size_t			  i, nspools = 0, unopened = 0;
	int			  rc;

	switch (parse_opts(argc, argv, &o)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&drain_verb);
	default:
		return EXIT_USAGE;
	}
	if ((cf = cli_load(o.do_conf)) == NULL)
		return EXIT_USAGE;
	memset(&ds, 0, sizeof(ds));
	if (cli_signals_block(&drain_sig) == -1) {
		cli_warnx("unable to set up signals: %s", strerror(errno));
		config_free(cf);
		return EXIT_PART;
	}
	if ((spools = calloc(cf->cf_nwebhooks + 1, sizeof(*spools))) == NULL) {
		cli_warnx("out of memory");
		config_free(cf);
		return EXIT_PART;
	}
	/* Every drain recovers first; what it releases, it handles. */
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		if (!cli_first_of_spool(cf, i))
			continue;
		if (cli_open_spool(cf, cf->cf_webhooks[i].wh_spool,
		    &spools[nspools]) == -1) {
			ds.ds_errors++;
			unopened++;
			continue;
		}
		if (cli_recover(spools[nspools], NULL, NULL, &released) == -1)
			ds.ds_errors++;
		ds.ds_released += released;
		nspools++;
	}
	if (o.do_follow && unopened > 0) {
		/* a follower that left a spool out would leave it unread */
		cli_warnx("not following, as a spool could not be opened");
		rc = EXIT_PART;
	} else
		rc = drain_spools(cf, spools, nspools, &o, &ds);
	for (i = 0; i < nspools; i++)
		spool_close(spools[i]);
	free(spools);
	config_free(cf);
	if (!o.do_follow)
		return summary(&ds);
	/* A follower's status: a stop is its end, failed attempts are said. */
	(void)summary(&ds);
	return rc != 0 || (ds.ds_stopped != NULL && !ds.ds_stop_ok) ?
	    EXIT_PART : 0;
}
