/*
 * watch.h: waiting for events to land in the new/ folders of spools, for
 * the verbs that keep running (--follow). One inotify descriptor watches
 * every spool's new/ (IN_MOVED_TO: an event arrives in new/ only by a
 * rename, from tmp/ or cur/ or failed/) and its folders themselves
 * (removed, moved away, their file system unmounted). A wait ends when
 * something arrived, when the rescan interval passed, when a signal of a
 * given set is pending, or when the caller's own limit passed.
 *
 * A folder's removal is seen as its parent sees it (IN_DELETE_SELF comes
 * only once nothing holds the folder open, and the spool does): new/ and
 * the other folders in the spool folder, the spool folder by its folders,
 * which go first. What no watch sees (a parent of the spool folder moved
 * away, a notification the kernel dropped) the rescan finds.
 *
 * The signals: the verbs keep TERM, INT, HUP (and CHLD) blocked and take
 * them with sigtimedwait() (cli.h, cli_signals). A wait that slept in
 * poll() with them blocked would not see them; unblocking them for the
 * wait would need handlers and leave a gap between the last check and the
 * sleep. Instead the wait polls a signalfd of the set beside the inotify
 * descriptor: a signal sent at any moment, during the pass before the wait
 * or during the wait, stays pending and makes the signalfd readable, so
 * the wait returns at once. The wait does not take the signal: the caller
 * takes it with sigtimedwait() as it does everywhere else.
 *
 * The loop of a follower, over spools sp[0..n) of its own:
 *
 *	if (watch_open(n, rescan_ms, &cs.cs_stop, &w, &reason) == -1) ...
 *	for (i = 0; i < n; i++)
 *		watch_spool(w, i, sp[i], &reason);	(before the first pass)
 *	for (;;) {
 *		one pass: every waiting event of every spool, as a cron
 *		    run would take them, checking for a stop between events;
 *		if (stopping) break;
 *		r = watch_wait(w, ms until the first event set aside
 *		    with a backoff is due (drain_collect()'s next_due), or
 *		    -1, &reason);
 *		if (r == WATCH_SIGNAL) take it (cli_signals_check(&cs, 0)), and
 *		    break when it asks to stop;
 *		if (r == WATCH_RESCAN) what is due at an interval: the
 *		    claims of dead drains (cli_recover), the events the
 *		    run set aside (busy) tried again;
 *		for (i = 0; i < n; i++)
 *			if (watch_stale(w, i, sp[i])) {
 *				open sp[i]->sp_dir again into a new spool; on
 *				    success close the old one, put the new one
 *				    in sp[i] and watch_spool(w, i, sp[i]);
 *			}
 *	}
 *	watch_free(w);
 *
 * The watches are in place before the first pass, so an event that lands
 * during a pass wakes the next wait: none waits for the interval. A pass
 * reads the whole of each new/, so a wait need not say which spool or
 * which event changed. An event whose attempt failed goes back to new/,
 * which wakes the wait: keep it out of the next pass by its backoff, not
 * only by a drain_seen list, which would also hide when it is due (see
 * forward_follow.c).
 */
#ifndef HOOKSPOOL_WATCH_H
#define HOOKSPOOL_WATCH_H

#include <signal.h>
#include <stddef.h>

#include "spool.h"

/* The rescan interval's bounds, and its default for the verbs. */
#define WATCH_RESCAN_MIN_MS	100LL
#define WATCH_RESCAN_MAX_MS	(3600LL * 1000)
#define WATCH_RESCAN_MS		(30LL * 1000)
/*
 * While a watched spool folder is gone, a wait lasts at most this long, so
 * that a spool made again at its path (by the responder, at its next
 * request) is opened again soon, not only at the next rescan.
 */
#define WATCH_LOST_MS		1000

enum watch_result {
	WATCH_CHANGED = 0,	/* something arrived: a pass */
	WATCH_RESCAN,		/* a pass, and what an interval is for */
	WATCH_TIMEOUT,		/* the caller's limit passed, nothing else */
	WATCH_SIGNAL,		/* a signal of the set is pending */
	WATCH_ERROR
};

/* What is watched of one spool. */
struct watch_slot {
	int	ws_new;		/* the watch of new/, or -1 */
	int	ws_top;		/* the watch of the spool folder, or -1 */
	int	ws_lost;	/* one of them went: the folder to open again */
};

struct watch {
	int			 w_fd;		/* inotify */
	int			 w_sigfd;	/* signalfd of the set, or -1 */
	struct watch_slot	*w_slots;
	size_t			 w_nslots;
	long long		 w_rescan_ms;
	double			 w_next;	/* the next rescan (io_now()) */
	int			 w_rescanned;	/* the last wait: WATCH_RESCAN */
	unsigned long		 w_overflows;	/* IN_Q_OVERFLOW seen */
};

/*
 * A watch for n spools (slots 0..n-1, none watched yet) with a rescan
 * every rescan_ms milliseconds (between WATCH_RESCAN_MIN_MS and
 * WATCH_RESCAN_MAX_MS; the first one rescan_ms from now). wake (may be
 * NULL) is the set of signals that end a wait; the caller keeps them
 * blocked, and takes each one a wait returned for (a signal left pending
 * ends every later wait at once). Returns 0 with *out for watch_free(), or -1 with a static
 * reason (errno tells more; EMFILE: the user's limit of inotify
 * instances, fs.inotify.max_user_instances).
 */
int watch_open(size_t n, long long rescan_ms, const sigset_t *wake,
    struct watch **out, const char **reason);

/*
 * Watch sp's new/ and its spool folder in slot i, in place of what slot i
 * watched before. Folders that are gone or replaced by the time the
 * watches are in place leave the slot lost (watch_stale() says so).
 * Returns 0, or -1 with a static reason (errno tells more; ENOSPC: the
 * user's limit of watches, fs.inotify.max_user_watches), the slot then
 * lost.
 */
int watch_spool(struct watch *w, size_t i, const struct spool *sp,
    const char **reason);

/*
 * Wait until something arrives in a watched new/ (WATCH_CHANGED), the
 * rescan interval passes or the kernel dropped notifications
 * (IN_Q_OVERFLOW: anything may have changed; WATCH_RESCAN, and the
 * interval starts again), a signal of the set is pending (WATCH_SIGNAL;
 * it stays pending for the caller to take), or ms milliseconds pass
 * (WATCH_TIMEOUT; ms < 0: no limit of the caller's). A rescan already due
 * is returned at once. While a slot is lost the wait ends after
 * WATCH_LOST_MS at the latest (WATCH_CHANGED). The notifications waiting
 * are read (at most a bounded number of reads: any left end the next wait
 * at once). WATCH_ERROR comes with a static reason and errno.
 */
enum watch_result watch_wait(struct watch *w, long long ms,
    const char **reason);

/*
 * Whether the caller should open spool i (sp) again now, and watch it
 * again: after a wait that returned WATCH_RESCAN, when its folders are no
 * longer those its path names (spool_stale()) or its slot is not watched
 * (watch_spool() failed); otherwise only when a watch
 * saw one of its folders go and its path now names another spool folder,
 * or another new/ in it: made again, not only removed (a spool opened
 * again while its folder is being removed would make folders in it
 * again and keep it from going).
 */
int watch_stale(const struct watch *w, size_t i, const struct spool *sp);

/* Stops the watches and frees w. w may be NULL. */
void watch_free(struct watch *w);

#endif
