/*
 * done.c: done events kept with keep = D (done.h): replay, the purge of
 * done/, and the sweep of records whose event has gone.
 *
 * A purged event goes as a done one goes without keep (claim_done()): it
 * is unlinked, done/ is flushed, and only then is the file emptied (its
 * dedup marker in ids/ is the same file, and must hold no copy); its
 * record goes last. A crash between two steps leaves either the event
 * whole in done/ (purged again next time), or an empty file that only a
 * marker names, or a record with no event (swept). A replay writes the
 * event's fresh record before the event leaves done/, so a drain never
 * takes a replay whose record does not say so.
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

#include "done.h"
#include "history.h"

enum queue_result
done_replay(struct spool *sp, const char *name, char to[SPOOL_NAME_MAX],
    const char **reason)
{
	static const char	 why[] = "replayed: put back into new/ by "
	    "hookspool replay, with fresh attempts";
	struct history_entry	*e;
	struct queue_name	 qn;
	struct stat		 st;
	const char		*refusal;

	if (strlen(name) >= SPOOL_NAME_MAX) {
		errno = ENAMETOOLONG;
		*reason = "event name too long";
		return QUEUE_ERROR;
	}
	if (fstatat(sp->sp_fd[SPOOL_DONE], name, &st,
	    AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return QUEUE_LOST;
		*reason = "unable to examine an event in done/";
		return QUEUE_ERROR;
	}
	if ((refusal = spool_file_refusal(sp, &st)) != NULL) {
		errno = EPERM;
		*reason = refusal;
		return QUEUE_REFUSED;
	}
	queue_name_parse(name, &qn);
	if (queue_replay_name(name, qn.qn_replays + 1, to) == -1) {
		*reason = "event name too long";
		return QUEUE_ERROR;
	}
	if ((e = malloc(sizeof(*e))) == NULL) {
		*reason = "out of memory";
		return QUEUE_ERROR;
	}
	history_entry_set(e, HISTORY_REPLAYED, 0, why, sizeof(why) - 1, NULL, 0);
	if (history_add(sp, qn.qn_base, e, 1, reason) == -1) {
		free(e);
		return QUEUE_ERROR;
	}
	free(e);
	if (renameat2(sp->sp_fd[SPOOL_DONE], name, sp->sp_fd[SPOOL_NEW], to,
	    RENAME_NOREPLACE) == -1) {
		if (errno == ENOENT)
			return QUEUE_LOST;
		*reason = "unable to move an event into new/";
		return QUEUE_ERROR;
	}
	/* Due at once (a drain takes nothing whose time is to come). */
	if (utimensat(sp->sp_fd[SPOOL_NEW], to, NULL,
	    AT_SYMLINK_NOFOLLOW) == -1 && errno != ENOENT) {
		*reason = "unable to make a replayed event due";
		return QUEUE_ERROR;
	}
	if (spool_flush(sp, SPOOL_NEW) == -1) {
		*reason = "unable to flush new/ to disk";
		return QUEUE_ERROR;
	}
	return QUEUE_OK;
}

long long
done_keep_of(const struct done_keep *dk, const char *webhook)
{
	size_t	i;

	for (i = 0; webhook != NULL && i < dk->dk_n; i++)
		if (strcmp(dk->dk_webhooks[i], webhook) == 0)
			return dk->dk_keeps[i];
	return dk->dk_default;
}

/* The shortest and the longest keep of dk. */
static void
keep_bounds(const struct done_keep *dk, long long *lo, long long *hi)
{
	size_t	i;

	*lo = *hi = dk->dk_default;
	for (i = 0; i < dk->dk_n; i++) {
		if (dk->dk_keeps[i] < *lo)
			*lo = dk->dk_keeps[i];
		if (dk->dk_keeps[i] > *hi)
			*hi = dk->dk_keeps[i];
	}
}

/*
 * Whether done/name is due to go: an event file of the spool's, done
 * longer ago than its webhook keeps. Opened (read-write, without following
 * a link or blocking) into *fdp when it is.
 */
static int
due(struct spool *sp, const char *name, const struct done_keep *dk,
    time_t now, int *fdp)
{
	struct queue_head	*qh;
	struct stat		 st, by_name;
	const char		*reason;
	long long		 lo, hi, age, keep;
	int			 fd;

	if (fstatat(sp->sp_fd[SPOOL_DONE], name, &st, AT_SYMLINK_NOFOLLOW) ==
	    -1 || spool_file_refusal(sp, &st) != NULL)
		return 0;
	keep_bounds(dk, &lo, &hi);
	age = (long long)now - (long long)st.st_mtime;
	if (age < lo)
		return 0;
	if (age < hi) {
		if ((qh = malloc(sizeof(*qh))) == NULL)
			return 0;
		keep = queue_read_head(sp, SPOOL_DONE, name, qh, &reason) ==
		    QUEUE_OK ? done_keep_of(dk, qh->qh_webhook) :
		    dk->dk_default;
		free(qh);
		if (age < keep)
			return 0;
	}
	fd = openat(sp->sp_fd[SPOOL_DONE], name,
	    O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return 0;
	if (fstat(fd, &by_name) == -1 || by_name.st_ino != st.st_ino ||
	    by_name.st_dev != st.st_dev) {
		(void)close(fd);
		return 0;
	}
	*fdp = fd;
	return 1;
}

/*
 * The second half of a purge: once the unlinks of names[0..n) (their
 * files open in fds) are on disk, empty each file and remove its record.
 */
static int
empty_all(struct spool *sp, char **names, int *fds, size_t n,
    const char **reason)
{
	char	key[SPOOL_NAME_MAX];
	size_t	i;
	int	rc = 0, flushed;

	flushed = spool_flush(sp, SPOOL_DONE) == 0;
	if (!flushed) {
		*reason = "unable to flush done/ to disk; purged events not "
		    "emptied";
		rc = -1;
	}
	for (i = 0; i < n; i++) {
		if (flushed && ftruncate(fds[i], 0) == -1) {
			*reason = "unable to empty a purged event";
			rc = -1;
		}
		(void)close(fds[i]);
		queue_history_key(names[i], key);
		if (flushed && history_remove(sp, key) == -1) {
			*reason = "unable to remove a record from history/";
			rc = -1;
		}
	}
	return rc;
}

int
done_purge(struct spool *sp, const struct done_keep *dk, unsigned *removed,
    const char **reason)
{
	char	**names, *batch[DONE_PURGE_BATCH];
	int	  fds[DONE_PURGE_BATCH], fd;
	size_t	  n, i, nb = 0;
	unsigned  count = 0;
	time_t	  now = time(NULL);
	int	  rc = 0;

	if (removed != NULL)
		*removed = 0;
	if (queue_names(sp, SPOOL_DONE, &names, &n, reason) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (!due(sp, names[i], dk, now, &fd))
			continue;
		if (unlinkat(sp->sp_fd[SPOOL_DONE], names[i], 0) == -1) {
			if (errno != ENOENT) {
				*reason = "unable to remove an event from "
				    "done/";
				rc = -1;
			}
			(void)close(fd);
			continue;
		}
		count++;
		batch[nb] = names[i];
		fds[nb++] = fd;
		if (nb == DONE_PURGE_BATCH) {
			if (empty_all(sp, batch, fds, nb, reason) == -1)
				rc = -1;
			nb = 0;
		}
	}
	if (nb > 0 && empty_all(sp, batch, fds, nb, reason) == -1)
		rc = -1;
	queue_names_free(names, n);
	if (removed != NULL)
		*removed = count;
	return rc;
}

/* A record that may be an orphan: its key and its status when seen. */
struct orphan {
	char		*or_key;
	struct stat	 or_st;
};

/* For bsearch and qsort over an array of char *. */
static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The records of history/ left alone for HISTORY_GRACE, into *out (*n of
 * them, the caller's). Returns 0, or -1.
 */
static int
old_records(struct spool *sp, struct orphan **out, size_t *n)
{
	struct orphan	*v = NULL, *nv;
	struct dirent	*de;
	struct stat	 st;
	time_t		 now = time(NULL);
	size_t		 len = 0, cap = 0;
	DIR		*d;

	if ((d = spool_opendir(sp, SPOOL_HISTORY)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || fstatat(sp->sp_fd[SPOOL_HISTORY],
		    de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) ||
		    (long long)now - (long long)st.st_mtime <= HISTORY_GRACE)
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		if ((v[len].or_key = strdup(de->d_name)) == NULL)
			goto nomem;
		v[len++].or_st = st;
	}
	closedir(d);
	*out = v;
	*n = len;
	return 0;
nomem:
	closedir(d);
	while (len > 0)
		free(v[--len].or_key);
	free(v);
	return -1;
}

/*
 * The keys of every event in new/, cur/, failed/ and done/, listed in
 * that order (history.c says why), sorted, into *out (*n of them).
 * Returns 0, or -1 with *reason.
 */
static int
event_keys(struct spool *sp, char ***out, size_t *n, const char **reason)
{
	static const enum spool_folder order[] = { SPOOL_NEW, SPOOL_CUR,
	    SPOOL_FAILED, SPOOL_DONE };
	char	**keys = NULL, **nk, **names;
	size_t	  len = 0, m, i, j;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (queue_names(sp, order[i], &names, &m, reason) == -1)
			goto fail;
		if (m > 0 && (nk = reallocarray(keys, len + m,
		    sizeof(*keys))) == NULL) {
			queue_names_free(names, m);
			*reason = "out of memory";
			goto fail;
		}
		if (m > 0)
			keys = nk;
		for (j = 0; j < m; j++) {
			/* the key is never longer than the name */
			queue_history_key(names[j], names[j]);
			keys[len++] = names[j];
		}
		free(names);
	}
	if (len > 1)
		qsort(keys, len, sizeof(*keys), key_cmp);
	*out = keys;
	*n = len;
	return 0;
fail:
	queue_names_free(keys, len);
	return -1;
}

int
done_sweep_history(struct spool *sp, unsigned *removed, const char **reason)
{
	struct orphan	 *v;
	char		**keys = NULL;
	const char	 *k;
	size_t		  n, ncheck, nkeys = 0, i;
	unsigned	  count;
	int		  rc = 0, r;

	count = history_sweep_unfinished(sp);
	if (removed != NULL)
		*removed = count;
	if (old_records(sp, &v, &n) == -1) {
		*reason = "unable to read history/";
		return -1;
	}
	ncheck = n;
	if (n > 0 && event_keys(sp, &keys, &nkeys, reason) == -1) {
		rc = -1;
		ncheck = nkeys = 0;
	}
	for (i = 0; i < ncheck; i++) {
		k = v[i].or_key;
		if (nkeys > 0 && bsearch(&k, keys, nkeys, sizeof(*keys),
		    key_cmp) != NULL)
			continue;
		if ((r = history_remove_orphan(sp, k, &v[i].or_st)) == 1)
			count++;
		else if (r == -1) {
			*reason = "unable to remove a record from history/";
			rc = -1;
		}
	}
	queue_names_free(keys, nkeys);
	for (i = 0; i < n; i++)
		free(v[i].or_key);
	free(v);
	if (removed != NULL)
		*removed = count;
	return rc;
}
