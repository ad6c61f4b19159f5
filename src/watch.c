/*
 * watch.c: waiting for events to land in spools' new/ folders (watch.h):
 * inotify for what arrives and for folders that go, a signalfd for the
 * signals that end a wait, and a rescan interval on the monotonic clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "watch.h"

/*
 * What is watched. new/: events renamed into it, and new/ itself moved
 * away (IN_MOVE_SELF). The spool folder: itself moved away, and its
 * folders removed, moved or put in place (IN_DELETE, IN_MOVED_FROM,
 * IN_MOVED_TO, IN_CREATE of a directory of a folder's name). A folder
 * removed while it is open (the spool holds each one open) gives
 * IN_DELETE_SELF only once the last descriptor is closed: its removal is
 * seen in its parent, and the removal of the spool folder itself by the
 * removal of the folders in it, which comes first. Anything else (an
 * event's file written in tmp/, or claimed into cur/) wakes nothing.
 */
#define WATCH_NEW	(IN_MOVED_TO | IN_MOVE_SELF | IN_DELETE_SELF | \
			 IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
#define WATCH_TOP	(IN_MOVE_SELF | IN_DELETE_SELF | IN_DELETE | \
			 IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | \
			 IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
/* What makes a folder's watch lost: it went, or its watch did. */
#define WATCH_GONE	(IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED)
/* In the spool folder: one of its folders came or went. */
#define WATCH_CHILD	(IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE)
/*
 * The reads of the inotify descriptor in one wait, each of a buffer of
 * WATCH_BUF bytes: what a wait reads is bounded, however fast events come.
 * Notifications left over end the next wait at once; the pass between
 * reads all of new/ anyway.
 */
#define WATCH_READS	16
#define WATCH_BUF	4096

int
watch_open(size_t n, long long rescan_ms, const sigset_t *wake,
    struct watch **out, const char **reason)
{
	struct watch	*w;
	size_t		 i;
	int		 saved;

	if (rescan_ms < WATCH_RESCAN_MIN_MS || rescan_ms > WATCH_RESCAN_MAX_MS) {
		*reason = "the rescan interval is out of bounds";
		errno = EINVAL;
		return -1;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->w_slots = calloc(n > 0 ? n : 1, sizeof(*w->w_slots))) == NULL) {
		free(w);
		*reason = "out of memory";
		return -1;
	}
	w->w_nslots = n;
	w->w_sigfd = -1;
	for (i = 0; i < n; i++)
		w->w_slots[i] = (struct watch_slot){ -1, -1, 0 };
	w->w_rescan_ms = rescan_ms;
	w->w_next = io_now() + rescan_ms / 1000.0;
	if ((w->w_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		*reason = "unable to start watching (inotify_init1)";
		goto fail;
	}
	if (wake != NULL && (w->w_sigfd = signalfd(-1, wake,
	    SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		*reason = "unable to wait for signals (signalfd)";
		goto fail;
	}
	*out = w;
	return 0;
fail:
	saved = errno;
	watch_free(w);
	errno = saved;
	return -1;
}

/* Whether another slot than i holds the watch wd. */
static int
wd_shared(const struct watch *w, size_t i, int wd)
{
	size_t	j;

	for (j = 0; j < w->w_nslots; j++)
		if (j != i && (w->w_slots[j].ws_new == wd ||
		    w->w_slots[j].ws_top == wd))
			return 1;
	return 0;
}

/* Stop watch *wd of slot i (unless another slot holds it too). */
static void
unwatch(struct watch *w, size_t i, int *wd)
{
	/*
	 * EINVAL: the watch went with its folder already (IN_IGNORED);
	 * nothing else can fail here, and nothing is to be done about it.
	 */
	if (*wd != -1 && !wd_shared(w, i, *wd))
		(void)inotify_rm_watch(w->w_fd, *wd);
	*wd = -1;
}

int
watch_spool(struct watch *w, size_t i, const struct spool *sp,
    const char **reason)
{
	struct watch_slot	*s = &w->w_slots[i];
	char			 path[PATH_MAX];
	int			 n, wd;

	unwatch(w, i, &s->ws_new);
	unwatch(w, i, &s->ws_top);
	s->ws_lost = 1;
	n = snprintf(path, sizeof(path), "%s/%s", sp->sp_dir,
	    spool_folder_names[SPOOL_NEW]);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		*reason = "the spool's path is too long to watch";
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((wd = inotify_add_watch(w->w_fd, sp->sp_dir, WATCH_TOP)) == -1) {
		*reason = "unable to watch the spool folder";
		return -1;
	}
	s->ws_top = wd;
	if ((wd = inotify_add_watch(w->w_fd, path, WATCH_NEW)) == -1) {
		*reason = "unable to watch the spool's new/";
		return -1;
	}
	s->ws_new = wd;
	/*
	 * The watches follow the paths; the spool's folders are those it
	 * opened. Replaced in between, they are stale now, and the slot
	 * stays lost; replaced after this check, the watches see them go.
	 */
	s->ws_lost = spool_stale(sp);
	return 0;
}

/* Whether ev tells of a folder of a spool that came or went. */
static int
folder_event(const struct watch *w, const struct inotify_event *ev)
{
	size_t	i;

	if (!(ev->mask & WATCH_CHILD) || !(ev->mask & IN_ISDIR) ||
	    ev->len == 0)
		return 0;
	for (i = 0; i < w->w_nslots; i++)
		if (w->w_slots[i].ws_top == ev->wd)
			break;
	if (i == w->w_nslots)
		return 0;
	for (i = 0; i < SPOOL_FOLDERS; i++)
		if (strcmp(ev->name, spool_folder_names[i]) == 0)
			return 1;
	return 0;
}

/* Mark the slots that hold wd lost. */
static void
lose(struct watch *w, int wd)
{
	size_t	i;

	for (i = 0; i < w->w_nslots; i++)
		if (w->w_slots[i].ws_new == wd || w->w_slots[i].ws_top == wd) {
			w->w_slots[i].ws_lost = 1;
			/* the kernel dropped it, or will: no inotify_rm_watch */
			if (w->w_slots[i].ws_new == wd)
				w->w_slots[i].ws_new = -1;
			if (w->w_slots[i].ws_top == wd)
				w->w_slots[i].ws_top = -1;
		}
}

/*
 * Read the notifications waiting: *changed when something arrived or a
 * folder went, *overflow when the kernel dropped some. Returns 0, or -1
 * with errno.
 */
static int
drain_fd(struct watch *w, int *changed, int *overflow)
{
	char			 buf[WATCH_BUF]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ev;
	ssize_t			 n;
	size_t			 off;
	int			 reads;

	for (reads = 0; reads < WATCH_READS; reads++) {
		if ((n = read(w->w_fd, buf, sizeof(buf))) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -1;
		}
		for (off = 0; off + sizeof(*ev) <= (size_t)n;
		    off += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			if (ev->mask & IN_Q_OVERFLOW) {
				*overflow = 1;
				w->w_overflows++;
			}
			if (ev->wd < 0)
				continue;
			if ((ev->mask & WATCH_GONE) || folder_event(w, ev)) {
				lose(w, ev->wd);
				*changed = 1;
			} else if (ev->mask & IN_MOVED_TO)
				*changed = 1;
		}
	}
	return 0;
}

/* Whether some slot is lost. */
static int
any_lost(const struct watch *w)
{
	size_t	i;

	for (i = 0; i < w->w_nslots; i++)
		if (w->w_slots[i].ws_lost)
			return 1;
	return 0;
}

/* The poll(2) timeout: to the rescan, the caller's limit, a lost slot. */
static int
timeout_ms(const struct watch *w, double now, double until, int *theirs)
{
	double	left = w->w_next - now;

	*theirs = 0;
	if (until >= 0 && until - now < left) {
		left = until - now;
		*theirs = 1;
	}
	if (any_lost(w) && left > WATCH_LOST_MS / 1000.0) {
		left = WATCH_LOST_MS / 1000.0;
		*theirs = 0;
	}
	if (left <= 0)
		return 0;
	/* rounded up: a wait never ends before its time */
	return (int)(left * 1000) + 1;
}

/* The interval starts again: the last wait was a rescan. */
static enum watch_result
rescan(struct watch *w, double now)
{
	w->w_rescanned = 1;
	w->w_next = now + w->w_rescan_ms / 1000.0;
	return WATCH_RESCAN;
}

enum watch_result
watch_wait(struct watch *w, long long ms, const char **reason)
{
	struct pollfd	pfd[2];
	double		now = io_now(), until = ms >= 0 ? now + ms / 1000.0 : -1;
	int		changed = 0, overflow = 0, theirs, r;

	w->w_rescanned = 0;
	for (;;) {
		if (now >= w->w_next)
			return rescan(w, now);
		pfd[0] = (struct pollfd){ .fd = w->w_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = w->w_sigfd, .events = POLLIN };
		r = poll(pfd, w->w_sigfd != -1 ? 2 : 1,
		    timeout_ms(w, now, until, &theirs));
		now = io_now();
		if (r == -1 && errno != EINTR) {
			*reason = "unable to wait (poll)";
			return WATCH_ERROR;
		}
		if (r > 0 && (pfd[1].revents & POLLIN))
			return WATCH_SIGNAL;
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			if (drain_fd(w, &changed, &overflow) == -1) {
				*reason = "unable to read what changed (inotify)";
				return WATCH_ERROR;
			}
			if (overflow)
				return rescan(w, now);
			if (changed)
				return WATCH_CHANGED;
			continue;	/* only what a pass does not care for */
		}
		if (r == 0 && theirs)
			return WATCH_TIMEOUT;
		if (r == 0 && now < w->w_next && any_lost(w))
			return WATCH_CHANGED;
	}
}

/* Whether a and b are the same folder. */
static int
same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * Whether sp's path names a spool folder other than the one open, or the
 * one open holds a new/ other than sp's: made again, not only removed.
 */
static int
made_again(const struct spool *sp)
{
	struct stat	byname, open;

	if (lstat(sp->sp_dir, &byname) == -1 || !S_ISDIR(byname.st_mode) ||
	    fstat(sp->sp_dirfd, &open) == -1)
		return 0;
	if (!same(&byname, &open))
		return 1;
	return fstatat(sp->sp_dirfd, spool_folder_names[SPOOL_NEW], &byname,
	    AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(byname.st_mode) &&
	    fstat(sp->sp_fd[SPOOL_NEW], &open) == 0 && !same(&byname, &open);
}

int
watch_stale(const struct watch *w, size_t i, const struct spool *sp)
{
	const struct watch_slot	*s = &w->w_slots[i];

	if (w->w_rescanned)
		return spool_stale(sp) || s->ws_new == -1 || s->ws_top == -1;
	return s->ws_lost && made_again(sp) && spool_stale(sp);
}

void
watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	/* closing the inotify descriptor ends all its watches */
	if (w->w_fd != -1)
		(void)close(w->w_fd);
	if (w->w_sigfd != -1)
		(void)close(w->w_sigfd);
	free(w->w_slots);
	free(w);
}
