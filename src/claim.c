/*
 * claim.c: the claim rules (claim.h): how a drain takes an event, ends its
 * claim, and how the claims of dead drains are released. The upkeep of
 * the queue (names, attempt counts, reading lines, counting, requeue,
 * purge) is queue.c's, which this file calls.
 *
 * A claim is an OFD lock on byte SPOOL_LOCK_CLAIM of the event file, taken
 * while the file is still in new/ and held until the file has left cur/.
 * So every file in cur/ whose lock is free belongs to a drain that died,
 * and two drains never hold one event: the second fails to lock it, or
 * finds it gone when it renames. The delivering responder locks byte
 * SPOOL_LOCK_DELIVERY of the same files (spool.c); the two never wait for
 * each other (spool.h, and hookspool(1) under THE SPOOL).
 *
 * With dedup, ids/HASH is a hard link to the event file. A finished event
 * is unlinked from cur/ and then truncated, so the marker that remains
 * holds no copy of the body; its record of failures goes after it. With
 * keep = D it goes to done/ whole instead, its record with it (done.h
 * purges both after D).
 *
 * Records of failures (history.h): a failed attempt is recorded before
 * the event leaves cur/ (claim_record, then claim_retry or claim_give_up;
 * a released claim in claim_release_dead), and every other move out of
 * cur/ touches the record first; history.c says why.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "claim.h"
#include "history.h"
#include "queue.h"

/*
 * Whether fd is still the file dir/name. -1 on error (errno), 0 if not.
 * fd's status goes to *st.
 */
static int
still_there(int fd, int dirfd, const char *name, struct stat *st)
{
	struct stat	now;

	if (fstat(fd, st) == -1)
		return -1;
	if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	return st->st_dev == now.st_dev && st->st_ino == now.st_ino;
}

/*
 * Rename name from fromfd to tofd, never over a file there (EEXIST). Where
 * the file system lacks RENAME_NOREPLACE, look first: only the spool's
 * owner can make a file appear in between.
 */
static int
rename_noreplace(int fromfd, const char *name, int tofd)
{
	struct stat	st;

	if (renameat2(fromfd, name, tofd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (fstatat(tofd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	if (errno != ENOENT)
		return -1;
	return renameat(fromfd, name, tofd, name);
}

/*
 * Move from/name to failed/ as it is, never over a file already there.
 * Returns CLAIM_REFUSED with why in *reason, or CLAIM_LOST or CLAIM_ERROR.
 */
static enum claim_result
refuse(struct spool *sp, enum spool_folder from, const char *name,
    const char *why, const char **reason)
{
	if (rename_noreplace(sp->sp_fd[from], name,
	    sp->sp_fd[SPOOL_FAILED]) == -1) {
		if (errno == ENOENT)
			return CLAIM_LOST;
		*reason = errno == EEXIST ? "unable to move a refused file "
		    "into failed/: a file there has its name" :
		    "unable to move a refused file into failed/";
		return CLAIM_ERROR;
	}
	if (spool_flush(sp, SPOOL_FAILED) == -1) {
		*reason = "unable to flush failed/ to disk";
		return CLAIM_ERROR;
	}
	*reason = why;
	return CLAIM_REFUSED;
}

/*
 * Open new/name and take its claim lock: on CLAIM_OK, *fdp holds both. It
 * is looked at before it is opened (a fifo could block the open, a link
 * lead out of the spool), and again once locked.
 */
static enum claim_result
lock_event(struct spool *sp, const char *name, int *fdp, const char **reason)
{
	enum claim_result	 res = CLAIM_ERROR;
	struct stat		 st;
	const char		*why;
	int			 fd, r, saved;

	if (fstatat(sp->sp_fd[SPOOL_NEW], name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return CLAIM_LOST;
		*reason = "unable to examine an event in new/";
		return CLAIM_ERROR;
	}
	if ((why = spool_file_refusal(sp, &st)) != NULL)
		return refuse(sp, SPOOL_NEW, name, why, reason);
	fd = openat(sp->sp_fd[SPOOL_NEW], name,
	    O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		/* Gone, or made a link since: the next look decides. */
		if (errno == ENOENT || errno == ELOOP)
			return CLAIM_LOST;
		*reason = "unable to open an event in new/";
		return CLAIM_ERROR;
	}
	if (spool_lock(fd, SPOOL_LOCK_CLAIM, 0) == -1) {
		if (errno == EAGAIN || errno == EACCES)
			res = CLAIM_BUSY;
		else
			*reason = "unable to lock an event";
		goto fail;
	}
	/* Locked: but is it still the file in new/, and one to take? */
	if ((r = still_there(fd, sp->sp_fd[SPOOL_NEW], name, &st)) != 1) {
		if (r == 0)
			res = CLAIM_LOST;
		else
			*reason = "unable to examine an event in new/";
		goto fail;
	}
	if ((why = spool_file_refusal(sp, &st)) != NULL) {
		close(fd);
		return refuse(sp, SPOOL_NEW, name, why, reason);
	}
	*fdp = fd;
	return CLAIM_OK;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return res;
}

enum claim_result
claim_take(struct spool *sp, const char *name,
    int (*want)(const char *line, size_t len, void *arg), void *arg,
    struct claim *cl, const char **reason)
{
	enum claim_result	 res = CLAIM_ERROR;
	char			*line = NULL;
	size_t			 len;
	int			 fd = -1, saved;

	memset(cl, 0, sizeof(*cl));
	cl->cl_fd = -1;
	if (strlen(name) >= SPOOL_NAME_MAX) {
		errno = ENAMETOOLONG;
		*reason = "event name too long";
		return CLAIM_ERROR;
	}
	if ((res = lock_event(sp, name, &fd, reason)) != CLAIM_OK)
		return res;
	res = CLAIM_ERROR;
	if (queue_read_line(fd, &line, &len, reason) != QUEUE_OK)
		goto fail;
	if (want != NULL && !want(line, len, arg)) {
		res = CLAIM_SKIPPED;
		goto fail;
	}
	if (renameat(sp->sp_fd[SPOOL_NEW], name, sp->sp_fd[SPOOL_CUR],
	    name) == -1) {
		if (errno == ENOENT)
			res = CLAIM_LOST;
		else
			*reason = "unable to move an event into cur/";
		goto fail;
	}
	if (spool_flush(sp, SPOOL_CUR) == -1) {
		/* Left in cur/ with no holder: the next recovery releases it. */
		*reason = "unable to flush cur/ to disk";
		goto fail;
	}
	cl->cl_fd = fd;
	snprintf(cl->cl_name, sizeof(cl->cl_name), "%s", name);
	cl->cl_attempts = queue_attempts(name, NULL);
	cl->cl_line = line;
	cl->cl_len = len;
	return CLAIM_OK;
fail:
	saved = errno;
	free(line);
	close(fd);
	errno = saved;
	return res;
}

/* Touch the record of the claimed event, before it moves (history.c). */
static enum claim_result
touch_record(struct spool *sp, const struct claim *cl, const char **reason)
{
	char	key[SPOOL_NAME_MAX];

	queue_history_key(cl->cl_name, key);
	if (history_touch(sp, key) == -1) {
		*reason = "unable to touch its record in history/";
		return CLAIM_ERROR;
	}
	return CLAIM_OK;
}

/* Into done/, whole, with the time it was done; nothing flushed. */
static enum claim_result
keep_done(struct spool *sp, struct claim *cl, const char **reason)
{
	if (futimens(cl->cl_fd, NULL) == -1) {
		*reason = "unable to set when the event was done";
		return CLAIM_ERROR;
	}
	if (touch_record(sp, cl, reason) != CLAIM_OK)
		return CLAIM_ERROR;
	if (renameat(sp->sp_fd[SPOOL_CUR], cl->cl_name, sp->sp_fd[SPOOL_DONE],
	    cl->cl_name) == -1) {
		*reason = "unable to move a finished event into done/";
		return CLAIM_ERROR;
	}
	cl->cl_kept = 1;
	return CLAIM_OK;
}

enum claim_result
claim_remove(struct spool *sp, struct claim *cl, int keep,
    const char **reason)
{
	if (keep)
		return keep_done(sp, cl, reason);
	if (unlinkat(sp->sp_fd[SPOOL_CUR], cl->cl_name, 0) == -1) {
		*reason = "unable to remove a finished event from cur/";
		return CLAIM_ERROR;
	}
	return CLAIM_OK;
}

enum claim_result
claim_empty(struct spool *sp, struct claim *cl, const char **reason)
{
	char	key[SPOOL_NAME_MAX];

	if (cl->cl_kept)
		return CLAIM_OK;
	if (ftruncate(cl->cl_fd, 0) == -1) {
		*reason = "unable to empty a finished event";
		return CLAIM_ERROR;
	}
	/* After the event: a crash between leaves an orphan, swept later. */
	queue_history_key(cl->cl_name, key);
	if (history_remove(sp, key) == -1) {
		*reason = "unable to remove its record from history/";
		return CLAIM_ERROR;
	}
	return CLAIM_OK;
}

enum claim_result
claim_done(struct spool *sp, struct claim *cl, int keep, const char **reason)
{
	if (claim_remove(sp, cl, keep, reason) != CLAIM_OK)
		return CLAIM_ERROR;
	if (keep) {
		if (spool_flush(sp, SPOOL_DONE) == -1) {
			*reason = "unable to flush done/ to disk";
			return CLAIM_ERROR;
		}
		return CLAIM_OK;
	}
	/* Truncating before the unlink is on disk could revive an empty file. */
	if (spool_flush(sp, SPOOL_CUR) == -1) {
		*reason = "unable to flush cur/ to disk";
		return CLAIM_ERROR;
	}
	return claim_empty(sp, cl, reason);
}

enum claim_result
claim_record(struct spool *sp, const struct claim *cl,
    const struct history_entry *e, const char **reason)
{
	char	key[SPOOL_NAME_MAX];

	queue_history_key(cl->cl_name, key);
	return history_add(sp, key, e, 0, reason) == 0 ? CLAIM_OK :
	    CLAIM_ERROR;
}

/* Rename cur/NAME to dest/to, flushing dest; keep cl_name in step. */
static enum claim_result
move_claim(struct spool *sp, struct claim *cl, enum spool_folder dest,
    const char *to, const char **reason)
{
	if (touch_record(sp, cl, reason) != CLAIM_OK)
		return CLAIM_ERROR;
	if (renameat(sp->sp_fd[SPOOL_CUR], cl->cl_name, sp->sp_fd[dest],
	    to) == -1) {
		*reason = dest == SPOOL_FAILED ?
		    "unable to move an event into failed/" :
		    "unable to move an event back into new/";
		return CLAIM_ERROR;
	}
	if (spool_flush(sp, dest) == -1) {
		*reason = dest == SPOOL_FAILED ?
		    "unable to flush failed/ to disk" :
		    "unable to flush new/ to disk";
		return CLAIM_ERROR;
	}
	return CLAIM_OK;
}

long long
claim_backoff(long long base, unsigned attempts)
{
	long long	cap = base > CLAIM_BACKOFF_CAP ? base : CLAIM_BACKOFF_CAP;
	long long	d = base;
	unsigned	i;

	if (base <= 0)
		return 0;
	for (i = 1; i < attempts && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

enum claim_result
claim_retry(struct spool *sp, struct claim *cl, unsigned max_attempts,
    long long backoff, int *to_failed, const char **reason)
{
	enum spool_folder	dest;
	struct timespec		ts[2];
	char			to[SPOOL_NAME_MAX];
	unsigned		n = cl->cl_attempts + 1;

	if (queue_attempt_name(cl->cl_name, n, to) == -1) {
		*reason = "event name too long";
		return CLAIM_ERROR;
	}
	dest = n >= max_attempts ? SPOOL_FAILED : SPOOL_NEW;
	/*
	 * Not before the backoff is over: the time goes with the file, so a
	 * crash cannot part them. A claim released from a dead drain keeps
	 * the time it had, which has passed: it is taken again at once.
	 */
	if (dest == SPOOL_NEW && backoff > 0) {
		ts[0].tv_sec = 0;
		ts[0].tv_nsec = UTIME_OMIT;
		ts[1].tv_sec = time(NULL) + backoff;
		ts[1].tv_nsec = 0;
		if (futimens(cl->cl_fd, ts) == -1) {
			*reason = "unable to set when the event is due again";
			return CLAIM_ERROR;
		}
	}
	if (to_failed != NULL)
		*to_failed = dest == SPOOL_FAILED;
	return move_claim(sp, cl, dest, to, reason);
}

enum claim_result
claim_give_up(struct spool *sp, struct claim *cl, const char **reason)
{
	return move_claim(sp, cl, SPOOL_FAILED, cl->cl_name, reason);
}

enum claim_result
claim_unclaim(struct spool *sp, struct claim *cl, const char **reason)
{
	return move_claim(sp, cl, SPOOL_NEW, cl->cl_name, reason);
}

void
claim_clear(struct claim *cl)
{
	if (cl == NULL)
		return;
	if (cl->cl_fd != -1)
		close(cl->cl_fd);
	free(cl->cl_line);
	memset(cl, 0, sizeof(*cl));
	cl->cl_fd = -1;
}

/*
 * cur/name, when no claim can be that file, back to new/ as it is (where
 * claim_take refuses it). Returns 1 if it was none, 0 if it may be a claim.
 */
static int
not_a_claim(struct spool *sp, const char *name, int *rc, const char **reason)
{
	struct stat	st;

	if (fstatat(sp->sp_fd[SPOOL_CUR], name, &st, AT_SYMLINK_NOFOLLOW) ==
	    -1 || spool_file_refusal(sp, &st) == NULL)
		return 0;
	if (rename_noreplace(sp->sp_fd[SPOOL_CUR], name,
	    sp->sp_fd[SPOOL_NEW]) == -1 && errno != ENOENT) {
		*reason = "unable to move a file that is no claim into new/";
		*rc = -1;
	}
	return 1;
}

/*
 * Record in cur/name's history that the process that had it died: the
 * attempt it was on counts. Returns 0, or -1 with *reason.
 */
static int
record_release(struct spool *sp, const char *name, const char **reason)
{
	static const char		 why[] = "the process that had it died "
	    "(its claim was released by a recovery)";
	struct history_entry		*e;
	char				 key[SPOOL_NAME_MAX];
	int				 rc;

	if ((e = malloc(sizeof(*e))) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	history_entry_set(e, HISTORY_FAILED, queue_attempts(name, NULL) + 1,
	    why, sizeof(why) - 1, NULL, 0);
	queue_history_key(name, key);
	rc = history_add(sp, key, e, 0, reason);
	free(e);
	return rc;
}

int
claim_release_dead(struct spool *sp, unsigned *released, const char **reason)
{
	struct stat	  st;
	char		**names;
	char		  to[SPOOL_NAME_MAX];
	size_t		  n, i;
	unsigned	  count = 0;
	int		  fd, rc = 0;

	if (released != NULL)
		*released = 0;
	if (queue_names(sp, SPOOL_CUR, &names, &n, reason) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (not_a_claim(sp, names[i], &rc, reason))
			continue;
		fd = openat(sp->sp_fd[SPOOL_CUR], names[i],
		    O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd == -1) {
			if (errno != ENOENT) {
				*reason = "unable to open a claimed event";
				rc = -1;
			}
			continue;
		}
		/* A held lock is a live drain at work: leave it. */
		if (spool_lock(fd, SPOOL_LOCK_CLAIM, 0) == -1 ||
		    still_there(fd, sp->sp_fd[SPOOL_CUR], names[i], &st) != 1) {
			close(fd);
			continue;
		}
		if (queue_attempt_name(names[i],
		    queue_attempts(names[i], NULL) + 1, to) == -1) {
			*reason = "event name too long";
			rc = -1;
			close(fd);
			continue;
		}
		/* Its failure first; moved on all the same if that fails. */
		if (record_release(sp, names[i], reason) == -1)
			rc = -1;
		if (renameat(sp->sp_fd[SPOOL_CUR], names[i],
		    sp->sp_fd[SPOOL_NEW], to) == -1) {
			if (errno != ENOENT) {
				*reason = "unable to move a dead claim into new/";
				rc = -1;
			}
		} else
			count++;
		close(fd);
	}
	queue_names_free(names, n);
	if (count > 0 && spool_flush(sp, SPOOL_NEW) == -1) {
		*reason = "unable to flush new/ to disk";
		rc = -1;
	}
	if (released != NULL)
		*released = count;
	return rc;
}
