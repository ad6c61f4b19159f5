/*
 * history.c: an event's record of failed attempts (history.h): the
 * format, and the files of history/.
 *
 * Why a crash cannot part an event from its failures. A failed attempt is
 * written to the event's record before the event moves on (claim.c:
 * claim_record() comes before claim_retry() or claim_give_up(), and a
 * released claim is recorded before it leaves cur/): the whole record is
 * written to a new file, flushed, renamed over the old one, and history/
 * flushed; only then is the event renamed out of cur/. So at any instant
 * of a crash the disk holds either the event still in cur/, with or
 * without the new entry (recovery then releases it and counts the attempt,
 * recording that too), or the event moved on with its record complete;
 * never an event that moved on while its failure is missing. A record
 * never holds half an entry: a rename replaces it whole. The other way
 * round, an event that leaves the spool (done without keep, or purged from
 * done/) is removed first and its record after: a crash in between leaves
 * a record with no event, which recovery removes.
 *
 * That removal (queue_sweep_history()) must never take a record whose
 * event lives. Its event is looked for in new/, cur/, failed/ and done/,
 * listed in that order, one after the other, so a moving event could be
 * missed. But every move of an event touches its record first (or writes
 * it: a retry, a release, a replay), except the moves out of new/ (a
 * claim into cur/, a refusal into failed/), which are never followed by
 * another untouched move. So a record left alone since before the
 * listing began belongs to an event that could only have moved from new/
 * (listed first) into cur/ or failed/ (listed after): it is seen. A sweep
 * takes only records left alone for HISTORY_GRACE (a mover stalled longer
 * than that between touching a record and moving its event is the one
 * case this does not cover) and removes one only if it is still the file
 * it saw before the listing (history_remove_orphan()).
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
#include "io.h"

static const char *const kind_names[] = { "failed", "replayed" };
#define HISTORY_KINDS	(sizeof(kind_names) / sizeof(kind_names[0]))

/* Digits of the largest number a header field holds. */
#define HISTORY_DIGITS_MAX	12

void
history_entry_set(struct history_entry *e, enum history_kind kind,
    unsigned attempt, const char *reason, size_t reasonlen, const char *err,
    size_t errlen)
{
	memset(e, 0, sizeof(*e));
	e->he_kind = kind;
	e->he_time = (long long)time(NULL);
	e->he_attempt = attempt;
	if (reasonlen > sizeof(e->he_reason))
		reasonlen = sizeof(e->he_reason);
	if (reasonlen > 0)
		memcpy(e->he_reason, reason, reasonlen);
	e->he_reasonlen = reasonlen;
	if (errlen > sizeof(e->he_stderr)) {
		err += errlen - sizeof(e->he_stderr);
		errlen = sizeof(e->he_stderr);
	}
	if (errlen > 0)
		memcpy(e->he_stderr, err, errlen);
	e->he_stderrlen = errlen;
}

void
history_push(struct history *h, const struct history_entry *e)
{
	if (h->hi_n == HISTORY_ENTRIES) {
		memmove(&h->hi_v[0], &h->hi_v[1],
		    (HISTORY_ENTRIES - 1) * sizeof(h->hi_v[0]));
		h->hi_n--;
	}
	h->hi_v[h->hi_n++] = *e;
}

/*
 * A decimal number of at most HISTORY_DIGITS_MAX digits, no leading zero
 * but in "0", at most max, from *p up to end and followed by stop; *p
 * moves past stop. Returns 0, or -1.
 */
static int
number(const char **p, const char *end, char stop, long long max,
    long long *out)
{
	const char	*s = *p;
	long long	 v = 0;
	int		 n = 0;

	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (++n > HISTORY_DIGITS_MAX || (n == 2 && v == 0))
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (n == 0 || s == end || *s != stop || v > max)
		return -1;
	*p = s + 1;
	*out = v;
	return 0;
}

/*
 * One entry at *p (before end) into e; *p moves past it. Returns 0, or -1
 * when it is not one whole entry.
 */
static int
parse_entry(const char **p, const char *end, struct history_entry *e)
{
	const char	*s = *p;
	long long	 t, attempt, rlen, elen;
	size_t		 k, n;

	for (k = 0; k < HISTORY_KINDS; k++) {
		n = strlen(kind_names[k]);
		if ((size_t)(end - s) > n && memcmp(s, kind_names[k], n) == 0 &&
		    s[n] == ' ')
			break;
	}
	if (k == HISTORY_KINDS)
		return -1;
	s += strlen(kind_names[k]) + 1;
	if (number(&s, end, ' ', 999999999999LL, &t) == -1 ||
	    number(&s, end, ' ', 999999999LL, &attempt) == -1 ||
	    number(&s, end, ' ', HISTORY_REASON_MAX, &rlen) == -1 ||
	    number(&s, end, '\n', HISTORY_STDERR_MAX, &elen) == -1)
		return -1;
	if ((size_t)(end - s) < (size_t)rlen + 1 + (size_t)elen + 1 ||
	    s[rlen] != '\n' || s[rlen + 1 + elen] != '\n')
		return -1;
	memset(e, 0, sizeof(*e));
	e->he_kind = (enum history_kind)k;
	e->he_time = t;
	e->he_attempt = (unsigned)attempt;
	memcpy(e->he_reason, s, (size_t)rlen);
	e->he_reasonlen = (size_t)rlen;
	memcpy(e->he_stderr, s + rlen + 1, (size_t)elen);
	e->he_stderrlen = (size_t)elen;
	*p = s + rlen + 1 + elen + 1;
	return 0;
}

int
history_parse(const char *buf, size_t len, struct history *h)
{
	struct history_entry	 e;
	const char		*p = buf, *end = buf + len;
	size_t			 m = strlen(HISTORY_MAGIC);

	memset(h, 0, sizeof(*h));
	if (len < m + 1 || memcmp(buf, HISTORY_MAGIC, m) != 0 ||
	    buf[m] != '\n')
		return -1;
	for (p += m + 1; p < end; ) {
		if (parse_entry(&p, end, &e) == -1) {
			h->hi_torn = 1;
			break;
		}
		history_push(h, &e);
	}
	return 0;
}

char *
history_format(const struct history *h, size_t *len)
{
	const struct history_entry	*e;
	char				*out, *p;
	size_t				 i, cap = HISTORY_FILE_MAX + 1;
	int				 n;

	if ((out = malloc(cap)) == NULL)
		return NULL;
	p = out;
	n = snprintf(p, cap, "%s\n", HISTORY_MAGIC);
	p += n;
	for (i = 0; i < h->hi_n && i < HISTORY_ENTRIES; i++) {
		e = &h->hi_v[i];
		n = snprintf(p, HISTORY_HEAD_MAX, "%s %lld %u %zu %zu\n",
		    kind_names[e->he_kind < HISTORY_KINDS ? e->he_kind : 0],
		    e->he_time < 0 ? 0 : e->he_time % 1000000000000LL,
		    e->he_attempt % 1000000000U,
		    e->he_reasonlen > HISTORY_REASON_MAX ? HISTORY_REASON_MAX :
		    e->he_reasonlen, e->he_stderrlen > HISTORY_STDERR_MAX ?
		    HISTORY_STDERR_MAX : e->he_stderrlen);
		if (n < 0 || n >= HISTORY_HEAD_MAX) {
			free(out);
			errno = EOVERFLOW;
			return NULL;
		}
		p += n;
		n = (int)(e->he_reasonlen > HISTORY_REASON_MAX ?
		    HISTORY_REASON_MAX : e->he_reasonlen);
		memcpy(p, e->he_reason, (size_t)n);
		p += n;
		*p++ = '\n';
		n = (int)(e->he_stderrlen > HISTORY_STDERR_MAX ?
		    HISTORY_STDERR_MAX : e->he_stderrlen);
		memcpy(p, e->he_stderr, (size_t)n);
		p += n;
		*p++ = '\n';
	}
	*p = '\0';
	*len = (size_t)(p - out);
	return out;
}

/* Whether key can name a record: a name of the spool's, not a dot file. */
static int
key_ok(const char *key)
{
	size_t	n = strnlen(key, SPOOL_NAME_MAX);

	if (n == 0 || n == SPOOL_NAME_MAX || key[0] == '.' ||
	    strchr(key, '/') != NULL) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

int
history_read(struct spool *sp, const char *key, struct history *h,
    const char **reason)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd, rc = -1, saved;

	memset(h, 0, sizeof(*h));
	if (!key_ok(key)) {
		*reason = "not an event's name";
		return -1;
	}
	fd = openat(sp->sp_fd[SPOOL_HISTORY], key,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		*reason = "unable to open its record in history/";
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		*reason = "unable to examine its record in history/";
		goto done;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > HISTORY_FILE_MAX) {
		errno = EINVAL;
		*reason = "not a record";
		goto done;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		*reason = "out of memory";
		goto done;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*reason = "unable to read its record in history/";
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (history_parse(buf, got, h) == -1) {
		errno = EINVAL;
		*reason = "not a record";
		goto done;
	}
	rc = 1;
done:
	saved = errno;
	free(buf);
	(void)close(fd);
	errno = saved;
	return rc;
}

/*
 * A new file in history/ under a dot name of its own (the caller's buffer
 * name, of size len), holding buf[0..n), flushed when the spool is
 * durable. Returns 0, or -1 with *reason (nothing left behind).
 */
static int
write_unfinished(struct spool *sp, char *name, size_t len, const char *buf,
    size_t n, const char **reason)
{
	static unsigned	counter;
	mode_t		mode = sp->sp_group_readable ? 0640 : 0600;
	int		fd, saved;

	snprintf(name, len, ".w%ld.%u", (long)getpid(), counter++);
	fd = openat(sp->sp_fd[SPOOL_HISTORY], name, O_WRONLY | O_CREAT |
	    O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1) {
		*reason = "unable to create a record in history/";
		return -1;
	}
	if (fchmod(fd, mode) == -1 || io_write_all(fd, buf, n) == -1 ||
	    (sp->sp_durable && fsync(fd) == -1)) {
		*reason = "unable to write a record in history/";
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		*reason = "unable to write a record in history/";
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		(void)close(fd);
	(void)unlinkat(sp->sp_fd[SPOOL_HISTORY], name, 0);
	errno = saved;
	return -1;
}

int
history_add(struct spool *sp, const char *key, const struct history_entry *e,
    int fresh, const char **reason)
{
	struct history	*h;
	const char	*why;
	char		*buf = NULL, tmp[64];
	size_t		 n;
	int		 rc = -1, saved;

	if (!key_ok(key)) {
		*reason = "not an event's name";
		return -1;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	/* A record that cannot be read is replaced: it held nothing to keep. */
	if (!fresh && history_read(sp, key, h, &why) == -1)
		memset(h, 0, sizeof(*h));
	history_push(h, e);
	if ((buf = history_format(h, &n)) == NULL) {
		*reason = "out of memory";
		goto done;
	}
	if (write_unfinished(sp, tmp, sizeof(tmp), buf, n, reason) == -1)
		goto done;
	if (renameat(sp->sp_fd[SPOOL_HISTORY], tmp, sp->sp_fd[SPOOL_HISTORY],
	    key) == -1) {
		saved = errno;
		(void)unlinkat(sp->sp_fd[SPOOL_HISTORY], tmp, 0);
		errno = saved;
		*reason = "unable to put a record in place in history/";
		goto done;
	}
	if (sp->sp_durable && spool_sync(sp, SPOOL_HISTORY) == -1) {
		*reason = "unable to flush history/ to disk";
		goto done;
	}
	rc = 0;
done:
	saved = errno;
	free(buf);
	free(h);
	errno = saved;
	return rc;
}

int
history_touch(struct spool *sp, const char *key)
{
	if (!key_ok(key))
		return -1;
	if (utimensat(sp->sp_fd[SPOOL_HISTORY], key, NULL,
	    AT_SYMLINK_NOFOLLOW) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

int
history_remove(struct spool *sp, const char *key)
{
	if (!key_ok(key))
		return -1;
	if (unlinkat(sp->sp_fd[SPOOL_HISTORY], key, 0) == -1 &&
	    errno != ENOENT)
		return -1;
	return 0;
}

int
history_remove_orphan(struct spool *sp, const char *key,
    const struct stat *st)
{
	static unsigned	 counter;
	struct stat	 now;
	char		 aside[64];
	int		 fd = sp->sp_fd[SPOOL_HISTORY];

	if (!key_ok(key))
		return -1;
	snprintf(aside, sizeof(aside), ".s%ld.%u", (long)getpid(), counter++);
	if (renameat(fd, key, fd, aside) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstatat(fd, aside, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	    now.st_ino == st->st_ino && now.st_dev == st->st_dev &&
	    now.st_mtim.tv_sec == st->st_mtim.tv_sec &&
	    now.st_mtim.tv_nsec == st->st_mtim.tv_nsec)
		return unlinkat(fd, aside, 0) == 0 ? 1 : -1;
	/* Written meanwhile: back, unless a newer one is there already. */
	if (renameat2(fd, aside, fd, key, RENAME_NOREPLACE) == -1)
		(void)unlinkat(fd, aside, 0);
	return 0;
}

unsigned
history_sweep_unfinished(struct spool *sp)
{
	struct dirent	*de;
	struct stat	 st;
	time_t		 now = time(NULL);
	unsigned	 removed = 0;
	DIR		*d;

	if ((d = spool_opendir(sp, SPOOL_HISTORY)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(sp->sp_fd[SPOOL_HISTORY], de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode) ||
		    (long long)now - (long long)st.st_mtime <= HISTORY_GRACE)
			continue;
		if (unlinkat(sp->sp_fd[SPOOL_HISTORY], de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}
