/*
 * claim.c: the cron side of the spool, in one place.
 *
 * A claim is an OFD lock on byte SPOOL_LOCK_CLAIM of the event file, taken while
 * the file is still in new/ and held until the file has left cur/. So every
 * file in cur/ whose lock is free belongs to a drain that died, and two
 * drains never hold one event: the second fails to lock it, or finds it
 * gone when it renames. The delivering responder locks byte 0 of the same
 * files (spool.c); the two never wait for each other.
 *
 * With dedup, ids/HASH is a hard link to the event file. A finished event
 * is unlinked from cur/ and then truncated, so the marker that remains
 * holds no copy of the body.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "claim.h"

#define CLAIM_SUFFIX	",A"

unsigned
claim_attempts(const char *name, char base[SPOOL_NAME_MAX])
{
	const char	*comma, *s;
	unsigned long	 n = 0;
	size_t		 len;

	len = strnlen(name, SPOOL_NAME_MAX - 1);
	comma = strrchr(name, ',');
	if (comma != NULL && strncmp(comma, CLAIM_SUFFIX,
	    strlen(CLAIM_SUFFIX)) == 0) {
		s = comma + strlen(CLAIM_SUFFIX);
		if (*s < '0' || *s > '9')
			comma = NULL;
		for (; comma != NULL && *s != '\0'; s++) {
			if (*s < '0' || *s > '9') {
				comma = NULL;
				break;
			}
			if (n < CLAIM_ATTEMPTS_MAX)
				n = n * 10 + (*s - '0');
		}
	} else
		comma = NULL;
	if (n > CLAIM_ATTEMPTS_MAX)
		n = CLAIM_ATTEMPTS_MAX;
	if (comma == NULL)
		n = 0;
	else if ((size_t)(comma - name) < len)
		len = comma - name;
	if (base != NULL) {
		memcpy(base, name, len);
		base[len] = '\0';
	}
	return (unsigned)n;
}

int
claim_name_cmp(const void *a, const void *b)
{
	const char	*x = *(const char *const *)a, *y = *(const char *const *)b;
	char		 bx[SPOOL_NAME_MAX], by[SPOOL_NAME_MAX];
	int		 c;

	claim_attempts(x, bx);
	claim_attempts(y, by);
	/* Names are TIME.USEC.PpidQcounter.host: compare numbers as numbers. */
	if ((c = strverscmp(bx, by)) != 0)
		return c;
	return strcmp(x, y);
}

void
claim_names_free(char **names, size_t n)
{
	size_t	i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
claim_names(struct spool *sp, enum spool_folder f, char ***names, size_t *n,
    const char **reason)
{
	struct dirent	 *de;
	DIR		 *d;
	char		**v = NULL, **nv;
	size_t		  len = 0, cap = 0;

	if ((d = spool_opendir(sp, f)) == NULL) {
		*reason = "unable to read a spool folder";
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= SPOOL_NAME_MAX)
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		if ((v[len] = strdup(de->d_name)) == NULL)
			goto nomem;
		len++;
		errno = 0;
	}
	if (errno != 0) {
		*reason = "unable to read a spool folder";
		goto fail;
	}
	closedir(d);
	if (len > 1)
		qsort(v, len, sizeof(*v), claim_name_cmp);
	*names = v;
	*n = len;
	return 0;
nomem:
	*reason = "out of memory";
fail:
	closedir(d);
	claim_names_free(v, len);
	return -1;
}

/* Read the whole of regular file fd: a line, its newline dropped. */
static enum claim_result
read_line(int fd, char **line, size_t *len, const char **reason)
{
	struct stat	 st;
	size_t		 got = 0, size;
	ssize_t		 r;
	char		*b;

	if (fstat(fd, &st) == -1) {
		*reason = "unable to examine an event file";
		return CLAIM_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		*reason = "not a regular file";
		return CLAIM_ERROR;
	}
	if ((size_t)st.st_size > CLAIM_LINE_MAX) {
		errno = EFBIG;
		*reason = "event file too large";
		return CLAIM_ERROR;
	}
	size = st.st_size;
	if ((b = malloc(size + 1)) == NULL) {
		*reason = "out of memory";
		return CLAIM_ERROR;
	}
	while (got < size) {
		r = pread(fd, b + got, size - got, got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			free(b);
			*reason = "unable to read an event file";
			return CLAIM_ERROR;
		}
		if (r == 0)
			break;
		got += r;
	}
	if (got > 0 && b[got - 1] == '\n')
		got--;
	b[got] = '\0';
	*line = b;
	*len = got;
	return CLAIM_OK;
}

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
	if (read_line(fd, &line, &len, reason) != CLAIM_OK)
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
	cl->cl_attempts = claim_attempts(name, NULL);
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

enum claim_result
claim_done(struct spool *sp, struct claim *cl, const char **reason)
{
	if (unlinkat(sp->sp_fd[SPOOL_CUR], cl->cl_name, 0) == -1) {
		*reason = "unable to remove a finished event from cur/";
		return CLAIM_ERROR;
	}
	/* Truncating before the unlink is on disk could revive an empty file. */
	if (spool_flush(sp, SPOOL_CUR) == -1) {
		*reason = "unable to flush cur/ to disk";
		return CLAIM_ERROR;
	}
	if (ftruncate(cl->cl_fd, 0) == -1) {
		*reason = "unable to empty a finished event";
		return CLAIM_ERROR;
	}
	return CLAIM_OK;
}

/* Rename cur/NAME to dest/to, flushing dest; keep cl_name in step. */
static enum claim_result
move_claim(struct spool *sp, struct claim *cl, enum spool_folder dest,
    const char *to, const char **reason)
{
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

/* base,An into out; -1 if it does not fit. */
static int
attempt_name(const char *name, unsigned attempts, char out[SPOOL_NAME_MAX])
{
	char	base[SPOOL_NAME_MAX];
	int	n;

	claim_attempts(name, base);
	if (attempts > CLAIM_ATTEMPTS_MAX)
		attempts = CLAIM_ATTEMPTS_MAX;
	n = snprintf(out, SPOOL_NAME_MAX, "%s%s%u", base, CLAIM_SUFFIX,
	    attempts);
	if (n < 0 || n >= SPOOL_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

enum claim_result
claim_retry(struct spool *sp, struct claim *cl, unsigned max_attempts,
    int *to_failed, const char **reason)
{
	enum spool_folder	dest;
	char			to[SPOOL_NAME_MAX];
	unsigned		n = cl->cl_attempts + 1;

	if (attempt_name(cl->cl_name, n, to) == -1) {
		*reason = "event name too long";
		return CLAIM_ERROR;
	}
	dest = n >= max_attempts ? SPOOL_FAILED : SPOOL_NEW;
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
	if (claim_names(sp, SPOOL_CUR, &names, &n, reason) == -1)
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
		if (attempt_name(names[i], claim_attempts(names[i], NULL) + 1,
		    to) == -1) {
			*reason = "event name too long";
			rc = -1;
		} else if (renameat(sp->sp_fd[SPOOL_CUR], names[i],
		    sp->sp_fd[SPOOL_NEW], to) == -1) {
			if (errno != ENOENT) {
				*reason = "unable to move a dead claim into new/";
				rc = -1;
			}
		} else
			count++;
		close(fd);
	}
	claim_names_free(names, n);
	if (count > 0 && spool_flush(sp, SPOOL_NEW) == -1) {
		*reason = "unable to flush new/ to disk";
		rc = -1;
	}
	if (released != NULL)
		*released = count;
	return rc;
}

enum claim_result
claim_read(struct spool *sp, enum spool_folder f, const char *name,
    char **line, size_t *len, const char **reason)
{
	enum claim_result	res;
	int			fd, saved;

	fd = openat(sp->sp_fd[f], name,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			return CLAIM_LOST;
		*reason = "unable to open an event file";
		return CLAIM_ERROR;
	}
	res = read_line(fd, line, len, reason);
	saved = errno;
	close(fd);
	errno = saved;
	return res;
}

enum claim_result
claim_requeue(struct spool *sp, const char *name, const char **reason)
{
	struct stat	 st;
	const char	*why;
	char		 base[SPOOL_NAME_MAX];

	if (strlen(name) >= SPOOL_NAME_MAX) {
		errno = ENAMETOOLONG;
		*reason = "event name too long";
		return CLAIM_ERROR;
	}
	if (fstatat(sp->sp_fd[SPOOL_FAILED], name, &st,
	    AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return CLAIM_LOST;
		*reason = "unable to examine an event in failed/";
		return CLAIM_ERROR;
	}
	/* What a drain would refuse stays where it is. */
	if ((why = spool_file_refusal(sp, &st)) != NULL) {
		errno = EPERM;
		*reason = why;
		return CLAIM_REFUSED;
	}
	claim_attempts(name, base);
	if (renameat(sp->sp_fd[SPOOL_FAILED], name, sp->sp_fd[SPOOL_NEW],
	    base) == -1) {
		if (errno == ENOENT)
			return CLAIM_LOST;
		*reason = "unable to move an event into new/";
		return CLAIM_ERROR;
	}
	if (spool_flush(sp, SPOOL_NEW) == -1) {
		*reason = "unable to flush new/ to disk";
		return CLAIM_ERROR;
	}
	return CLAIM_OK;
}

int
claim_purge(struct spool *sp, long long older_than, unsigned *removed,
    unsigned *kept, const char **reason)
{
	struct dirent	*de;
	struct stat	 st;
	time_t		 now = time(NULL);
	unsigned	 nremoved = 0, nkept = 0;
	DIR		*d;
	int		 rc = 0;

	if ((d = spool_opendir(sp, SPOOL_IDS)) == NULL) {
		*reason = "unable to read ids/";
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(sp->sp_fd[SPOOL_IDS], de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
			continue;
		if ((long long)now - (long long)st.st_mtime <= older_than)
			continue;
		/* Still an event in the spool: its marker must stand. */
		if (st.st_nlink > 1) {
			nkept++;
			continue;
		}
		if (unlinkat(sp->sp_fd[SPOOL_IDS], de->d_name, 0) == 0)
			nremoved++;
		else if (errno != ENOENT) {
			*reason = "unable to remove a marker from ids/";
			rc = -1;
		}
	}
	closedir(d);
	if (removed != NULL)
		*removed = nremoved;
	if (kept != NULL)
		*kept = nkept;
	return rc;
}

/* The arrival time in an event name (TIME.USEC...), or -1. */
static long long
name_time(const char *name)
{
	long long	t = 0;
	int		digits = 0;

	for (; *name >= '0' && *name <= '9'; name++) {
		if (++digits > 12)
			return -1;
		t = t * 10 + (*name - '0');
	}
	return digits > 0 && *name == '.' ? t : -1;
}

/* Files in folder f; for new/, the oldest arrival into *oldest (or -1). */
static int
count_folder(struct spool *sp, enum spool_folder f, size_t *n,
    long long *oldest)
{
	struct dirent	*de;
	struct stat	 st;
	long long	 t;
	DIR		*d;

	*n = 0;
	if (oldest != NULL)
		*oldest = -1;
	if ((d = spool_opendir(sp, f)) == NULL)
		return -1;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(*n)++;
		if (oldest != NULL) {
			if ((t = name_time(de->d_name)) == -1) {
				if (fstatat(sp->sp_fd[f], de->d_name, &st,
				    AT_SYMLINK_NOFOLLOW) == -1)
					continue;
				t = st.st_mtime;
			}
			if (*oldest == -1 || t < *oldest)
				*oldest = t;
		}
		errno = 0;
	}
	if (errno != 0) {
		closedir(d);
		return -1;
	}
	closedir(d);
	return 0;
}

int
claim_count(struct spool *sp, struct claim_counts *cc, const char **reason)
{
	long long	oldest, now = time(NULL);

	memset(cc, 0, sizeof(*cc));
	if (count_folder(sp, SPOOL_NEW, &cc->cc_new, &oldest) == -1 ||
	    count_folder(sp, SPOOL_CUR, &cc->cc_cur, NULL) == -1 ||
	    count_folder(sp, SPOOL_FAILED, &cc->cc_failed, NULL) == -1 ||
	    count_folder(sp, SPOOL_TMP, &cc->cc_tmp, NULL) == -1) {
		*reason = "unable to read a spool folder";
		return -1;
	}
	if (oldest != -1 && now > oldest)
		cc->cc_oldest_new_age = now - oldest;
	return 0;
}
