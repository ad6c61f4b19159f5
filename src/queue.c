/*
 * queue.c: upkeep of the events waiting in a spool (queue.h): their names
 * and attempt counts, reading their lines, counting, requeue and purge.
 * It takes no claim and never waits for a lock: claim.c holds the claim
 * rules and calls this file, never the other way round.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history.h"
#include "queue.h"

static long long name_time(const char *name);

/*
 * The last comma of name, if what follows it is prefix and one or more
 * digits only (their number in *n, at most QUEUE_ATTEMPTS_MAX); else
 * NULL and *n 0.
 */
static const char *
count_suffix(const char *name, const char *prefix, unsigned *n)
{
	const char	*comma, *s;
	unsigned long	 v = 0;

	*n = 0;
	comma = strrchr(name, ',');
	if (comma == NULL || strncmp(comma, prefix, strlen(prefix)) != 0)
		return NULL;
	s = comma + strlen(prefix);
	if (*s == '\0')
		return NULL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return NULL;
		if (v < QUEUE_ATTEMPTS_MAX)
			v = v * 10 + (*s - '0');
	}
	*n = v > QUEUE_ATTEMPTS_MAX ? QUEUE_ATTEMPTS_MAX : (unsigned)v;
	return comma;
}

unsigned
queue_attempts(const char *name, char base[SPOOL_NAME_MAX])
{
	const char	*comma;
	unsigned	 n;
	size_t		 len;

	len = strnlen(name, SPOOL_NAME_MAX - 1);
	comma = count_suffix(name, QUEUE_SUFFIX, &n);
	if (comma != NULL && (size_t)(comma - name) < len)
		len = comma - name;
	if (base != NULL) {
		memcpy(base, name, len);
		base[len] = '\0';
	}
	return n;
}

int
queue_attempt_name(const char *name, unsigned attempts,
    char out[SPOOL_NAME_MAX])
{
	char	base[SPOOL_NAME_MAX];
	int	n;

	queue_attempts(name, base);
	if (attempts > QUEUE_ATTEMPTS_MAX)
		attempts = QUEUE_ATTEMPTS_MAX;
	n = snprintf(out, SPOOL_NAME_MAX, "%s%s%u", base, QUEUE_SUFFIX,
	    attempts);
	if (n < 0 || n >= SPOOL_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

void
queue_name_parse(const char *name, struct queue_name *qn)
{
	const char	*comma;

	memset(qn, 0, sizeof(*qn));
	qn->qn_attempts = queue_attempts(name, qn->qn_base);
	comma = count_suffix(qn->qn_base, QUEUE_REPLAY, &qn->qn_replays);
	if (comma != NULL)
		qn->qn_base[comma - qn->qn_base] = '\0';
	qn->qn_time = name_time(qn->qn_base);
}

void
queue_history_key(const char *name, char out[SPOOL_NAME_MAX])
{
	struct queue_name	qn;

	queue_name_parse(name, &qn);
	/* no more than the key: out may be name itself (never shorter) */
	memcpy(out, qn.qn_base, strlen(qn.qn_base) + 1);
}

int
queue_replay_name(const char *name, unsigned replays,
    char out[SPOOL_NAME_MAX])
{
	struct queue_name	qn;
	int			n;

	queue_name_parse(name, &qn);
	if (replays > QUEUE_ATTEMPTS_MAX)
		replays = QUEUE_ATTEMPTS_MAX;
	n = snprintf(out, SPOOL_NAME_MAX, "%s%s%u", qn.qn_base, QUEUE_REPLAY,
	    replays);
	if (n < 0 || n >= SPOOL_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
queue_name_cmp(const void *a, const void *b)
{
	const char	*x = *(const char *const *)a, *y = *(const char *const *)b;
	char		 bx[SPOOL_NAME_MAX], by[SPOOL_NAME_MAX];
	int		 c;

	queue_attempts(x, bx);
	queue_attempts(y, by);
	/* Names are TIME.USEC.PpidQcounter.host: compare numbers as numbers. */
	if ((c = strverscmp(bx, by)) != 0)
		return c;
	return strcmp(x, y);
}

void
queue_names_free(char **names, size_t n)
{
	size_t	i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
queue_names(struct spool *sp, enum spool_folder f, char ***names, size_t *n,
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
		qsort(v, len, sizeof(*v), queue_name_cmp);
	*names = v;
	*n = len;
	return 0;
nomem:
	*reason = "out of memory";
fail:
	closedir(d);
	queue_names_free(v, len);
	return -1;
}

enum queue_result
queue_read_line(int fd, char **line, size_t *len, const char **reason)
{
	struct stat	 st;
	size_t		 got = 0, size;
	ssize_t		 r;
	char		*b;

	if (fstat(fd, &st) == -1) {
		*reason = "unable to examine an event file";
		return QUEUE_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		*reason = "not a regular file";
		return QUEUE_ERROR;
	}
	if ((size_t)st.st_size > QUEUE_LINE_MAX) {
		errno = EFBIG;
		*reason = "event file too large";
		return QUEUE_ERROR;
	}
	size = st.st_size;
	if ((b = malloc(size + 1)) == NULL) {
		*reason = "out of memory";
		return QUEUE_ERROR;
	}
	while (got < size) {
		r = pread(fd, b + got, size - got, got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			free(b);
			*reason = "unable to read an event file";
			return QUEUE_ERROR;
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
	return QUEUE_OK;
}

enum queue_result
queue_read(struct spool *sp, enum spool_folder f, const char *name,
    char **line, size_t *len, const char **reason)
{
	enum queue_result	res;
	int			fd, saved;

	fd = openat(sp->sp_fd[f], name,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			return QUEUE_LOST;
		*reason = "unable to open an event file";
		return QUEUE_ERROR;
	}
	res = queue_read_line(fd, line, len, reason);
	saved = errno;
	close(fd);
	errno = saved;
	return res;
}

enum queue_result
queue_requeue(struct spool *sp, const char *name, const char **reason)
{
	struct stat	 st;
	const char	*why;
	char		 base[SPOOL_NAME_MAX], key[SPOOL_NAME_MAX];

	if (strlen(name) >= SPOOL_NAME_MAX) {
		errno = ENAMETOOLONG;
		*reason = "event name too long";
		return QUEUE_ERROR;
	}
	if (fstatat(sp->sp_fd[SPOOL_FAILED], name, &st,
	    AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return QUEUE_LOST;
		*reason = "unable to examine an event in failed/";
		return QUEUE_ERROR;
	}
	/* What a drain would refuse stays where it is. */
	if ((why = spool_file_refusal(sp, &st)) != NULL) {
		errno = EPERM;
		*reason = why;
		return QUEUE_REFUSED;
	}
	queue_attempts(name, base);
	queue_history_key(name, key);
	/* A move touches the record first (history.c says why). */
	if (history_touch(sp, key) == -1) {
		*reason = "unable to touch its record in history/";
		return QUEUE_ERROR;
	}
	if (renameat(sp->sp_fd[SPOOL_FAILED], name, sp->sp_fd[SPOOL_NEW],
	    base) == -1) {
		if (errno == ENOENT)
			return QUEUE_LOST;
		*reason = "unable to move an event into new/";
		return QUEUE_ERROR;
	}
	if (spool_flush(sp, SPOOL_NEW) == -1) {
		*reason = "unable to flush new/ to disk";
		return QUEUE_ERROR;
	}
	/* A crash before this leaves true, if old, failures with it. */
	if (history_remove(sp, key) == -1) {
		*reason = "unable to clear its record in history/";
		return QUEUE_ERROR;
	}
	return QUEUE_OK;
}

int
queue_purge(struct spool *sp, long long older_than, unsigned *removed,
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
		/*
		 * Still an event in the spool: its markers must stand. A done
		 * event was emptied (claim_done()), so two markers of one
		 * done event, linked to each other, are no event.
		 */
		if (st.st_nlink > 1 && st.st_size > 0) {
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
				    AT_SYMLINK_NOFOLLOW) == -1) {
					errno = 0;	/* gone meanwhile */
					continue;
				}
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
queue_count(struct spool *sp, struct queue_counts *qc, const char **reason)
{
	long long	oldest, now = time(NULL);

	memset(qc, 0, sizeof(*qc));
	if (count_folder(sp, SPOOL_NEW, &qc->qc_new, &oldest) == -1 ||
	    count_folder(sp, SPOOL_CUR, &qc->qc_cur, NULL) == -1 ||
	    count_folder(sp, SPOOL_FAILED, &qc->qc_failed, NULL) == -1 ||
	    count_folder(sp, SPOOL_TMP, &qc->qc_tmp, NULL) == -1) {
		*reason = "unable to read a spool folder";
		return -1;
	}
	if (oldest != -1 && now > oldest)
		qc->qc_oldest_new_age = now - oldest;
	return 0;
}
