/*
 * spool_deliver.c: Maildir-style delivery of events, with dedup markers,
 * and the recovery of deliveries cut short.
 *
 * A delivery writes tmp/NAME, flushes it, claims the id by hard-linking
 * tmp/NAME as ids/HASH (link fails if the id was claimed before), flushes
 * ids/, renames tmp/NAME into new/ and flushes new/. Only then is the event
 * delivered. While it works the delivering process holds an OFD lock on
 * byte SPOOL_LOCK_DELIVERY of the file; a duplicate waits for that lock, so
 * "duplicate" is never said of an event whose delivery could still fail.
 * A tmp/ file with a marker and no lock holder is a delivery cut short:
 * recovery (or the next duplicate) finishes it by renaming it into new/.
 *
 * An event whose id the signature does not cover (se_signed_sum) has two
 * markers: its signed bytes' and its id's, linked in that order, each of
 * which makes a later delivery a duplicate. A crash between the two links
 * leaves a delivery cut short with only the first, which recovery
 * finishes: its signed bytes were never spooled before (their link
 * succeeded), so that is never a replay, at worst a sender's own reuse of
 * an id for another body.
 *
 * Flushes, with fsync on. Everywhere: the event file is flushed before the
 * marker is made (a marker never names a file whose bytes are not on
 * disk), and new/ is flushed before the answer. Between the two, ids/ must
 * be on disk no later than new/: an event on disk in new/ without its
 * marker would be spooled again by its sender's retry. On most file
 * systems that takes a flush of ids/ before the rename: three flushes an
 * event with dedup, against two without.
 *
 * On ext4 with its journal and on xfs (sp_ordered, found by
 * journal_orders() when the spool is opened) one flush does for both.
 * Their journals write metadata changes as one sequence of transactions
 * (xfs: checkpoints), and replay after a crash keeps a prefix of it:
 * whole transactions, in order. Flushing a folder forces the journal up
 * to that folder's last change, and with it every change made before,
 * whatever folder it touched (an ext4 fast commit, too, writes every
 * change tracked since the last full commit). The marker's link is made
 * before the rename into new/, so it is in the same transaction or an
 * earlier one. So, at any instant of a crash, the disk holds one of:
 *   - no marker (the file is in tmp/ or gone): nothing was acknowledged;
 *     the sender's retry is spooled as new, the leftover in tmp/ is
 *     swept by recovery after SPOOL_TMP_GRACE;
 *   - the marker and the file in tmp/ (its bytes flushed before the
 *     link): a delivery cut short, finished by recovery or the next
 *     duplicate, which flushes new/;
 *   - the marker and the file in new/: delivered;
 * and never the file in new/ without its marker, which is what the flush
 * of ids/ rules out elsewhere. When flushing new/ returns, the marker and
 * the rename are both on disk, as they are after the three flushes.
 * Where the spool's file system cannot be shown to be one of these (ext2,
 * an ext4 without a journal or with an external one, btrfs, NFS, ...),
 * ids/ is flushed on its own, as before.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "spool.h"
#include "verify.h"

/* time.usec.PpidQcounter.host: sorts by arrival, unique across hosts. */
static int
make_name(char name[SPOOL_NAME_MAX], const struct timespec *ts)
{
	static unsigned	 counter;
	static char	 host[65];
	char		*s;
	int		 n;

	if (host[0] == '\0') {
		if (gethostname(host, sizeof(host) - 1) == -1 || host[0] == '\0')
			strcpy(host, "localhost");
		for (s = host; *s != '\0'; s++)
			if (*s == '/' || *s == ':' || *s == '.')
				*s = '_';
	}
	n = snprintf(name, SPOOL_NAME_MAX, "%010lld.%06ld.P%ldQ%u.%s",
	    (long long)ts->tv_sec, ts->tv_nsec / 1000, (long)getpid(),
	    counter++, host);
	return n > 0 && n < SPOOL_NAME_MAX ? 0 : -1;
}

/*
 * A marker's name: hex sha256(webhook NUL id), or, for signed bytes whose
 * SHA-256 is sum, hex sha256(webhook NUL NUL sum). An id is never empty
 * and holds no NUL byte, so the two kinds never share a name; an id never
 * becomes a path.
 */
static int
marker_name(const char *webhook, const char *id, const unsigned char *sum,
    char out[SPOOL_HASH_HEX + 1])
{
	struct verify_part	parts[3];
	unsigned char		h[VERIFY_MAC_LEN];

	parts[0] = (struct verify_part){ webhook, strlen(webhook) + 1 };
	if (sum != NULL) {
		parts[1] = (struct verify_part){ "", 1 };
		parts[2] = (struct verify_part){ sum, VERIFY_MAC_LEN };
	} else {
		parts[1] = (struct verify_part){ id, strlen(id) };
		parts[2] = (struct verify_part){ "", 0 };
	}
	if (verify_sha256(parts, 3, h) == -1)
		return -1;
	verify_hex(h, sizeof(h), out);
	return 0;
}

/* Move the file of inode ino from tmp/ to new/, if it is still there. */
static int
finish_cut_short(struct spool *sp, ino_t ino)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 rc = 0;

	if ((d = spool_opendir(sp, SPOOL_TMP)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_ino != ino)
			continue;
		if (fstatat(sp->sp_fd[SPOOL_TMP], de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || st.st_ino != ino)
			continue;
		if (renameat(sp->sp_fd[SPOOL_TMP], de->d_name,
		    sp->sp_fd[SPOOL_NEW], de->d_name) == -1 ||
		    spool_flush(sp, SPOOL_NEW) == -1)
			rc = -1;
		break;
	}
	closedir(d);
	return rc;
}

/*
 * The id is marked already: wait (SPOOL_LOCK_WAIT at most) until the
 * delivery that marked it is over. Returns 1 if the marker stands (a
 * duplicate), 0 if it was withdrawn (try again), -1 on error (EAGAIN: the
 * marker stayed locked).
 */
static int
await_marker(struct spool *sp, const char *marker)
{
	struct stat	st, now;
	int		fd, rc = -1, saved;

	if ((fd = openat(sp->sp_fd[SPOOL_IDS], marker,
	    O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (spool_lock(fd, SPOOL_LOCK_DELIVERY, SPOOL_LOCK_WAIT) == -1 ||
	    fstat(fd, &st) == -1)
		goto done;
	if (fstatat(sp->sp_fd[SPOOL_IDS], marker, &now,
	    AT_SYMLINK_NOFOLLOW) == -1) {
		rc = errno == ENOENT ? 0 : -1;
		goto done;
	}
	if (now.st_ino != st.st_ino) {
		rc = 0;
		goto done;
	}
	/*
	 * Still linked from tmp/: its delivery was cut short; finish it. Its
	 * marker may have been cut short before its flush: ids/ goes to disk
	 * before new/ does (with sp_ordered, flushing new/ does both).
	 */
	if (st.st_nlink > 1 && ((!sp->sp_ordered &&
	    spool_flush(sp, SPOOL_IDS) == -1) ||
	    finish_cut_short(sp, st.st_ino) == -1))
		goto done;
	/* A delivery whose last flush failed: "duplicate" promises disk. */
	if (spool_flush(sp, SPOOL_NEW) == -1)
		goto done;
	rc = 1;
done:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/*
 * The arrival time in UTC, as 2026-11-28T12:24:31.123456Z. The date is
 * worked out here (the civil calendar from a day count) rather than by
 * gmtime_r(3) and strftime(3), which load the local time zone: a CGI would
 * read /etc/localtime on every request for a zone it never uses.
 */
static void
format_received(const struct timespec *ts, char out[32])
{
	long long	secs = ts->tv_sec, days, era, doe, yoe, doy, mp, y;
	unsigned	month, day, sod;

	if (secs < 0)
		secs = 0;
	days = secs / 86400;
	sod = (unsigned)(secs % 86400);
	/* Days since 1970-01-01 to year, month and day (proleptic Gregorian). */
	days += 719468;
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	if (month <= 2)
		y++;
	/* Each field within its width (the modulos say so to the compiler). */
	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%06luZ",
	    (unsigned)(y % 10000), month % 100, day % 100, sod / 3600 % 100,
	    sod / 60 % 60, sod % 60,
	    (unsigned long)(ts->tv_nsec / 1000) % 1000000);
}

/* The line's head, up to "event":, in a new string; -1 without memory. */
static int
line_head(const struct spool_entry *e, const struct timespec *when,
    char **head)
{
	char	received[32];
	int	n;

	format_received(when, received);
	n = asprintf(head, "{\"received\":\"%s\",\"webhook\":\"%s\","
	    "\"id\":%s,\"type\":%s,\"event\":", received, e->se_webhook,
	    e->se_id_json, e->se_type_json);
	if (n < 0) {
		*head = NULL;
		return -1;
	}
	return n;
}

/*
 * A new file in tmp/, named into name and locked for the delivery. Returns
 * its descriptor, or -1 with *reason (nothing is left behind).
 */
static int
create_tmp(struct spool *sp, char name[SPOOL_NAME_MAX],
    const struct timespec *when, const char **reason)
{
	int	fd, saved;

	for (;;) {
		if (make_name(name, when) == -1) {
			errno = ENAMETOOLONG;
			*reason = "file name too long";
			return -1;
		}
		fd = openat(sp->sp_fd[SPOOL_TMP], name,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1) {
		*reason = "unable to create a file in tmp/";
		return -1;
	}
	if (spool_lock(fd, SPOOL_LOCK_DELIVERY, SPOOL_LOCK_WAIT) == -1) {
		*reason = "unable to lock the new file";
		goto fail;
	}
	if (sp->sp_group_readable && fchmod(fd, 0640) == -1) {
		*reason = "unable to make the file group-readable";
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	unlinkat(sp->sp_fd[SPOOL_TMP], name, 0);
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Claim the event's markers: hard-link tmp/name as each of ids/markers[0..n)
 * in turn, then flush ids/. *linked counts the links made, for the caller
 * to withdraw. SPOOL_DELIVERED means go on.
 */
static enum spool_result
link_markers(struct spool *sp, const char *name,
    char markers[][SPOOL_HASH_HEX + 1], size_t n, size_t *linked,
    const char **reason)
{
	int	r;

	while (*linked < n) {
		if (linkat(sp->sp_fd[SPOOL_TMP], name, sp->sp_fd[SPOOL_IDS],
		    markers[*linked], 0) == 0) {
			(*linked)++;
			continue;
		}
		if (errno != EEXIST) {
			*reason = "unable to create the dedup marker";
			return SPOOL_ERROR;
		}
		if ((r = await_marker(sp, markers[*linked])) == 1)
			return SPOOL_DUPLICATE;
		if (r == -1) {
			*reason = errno == EAGAIN ?
			    "the dedup marker stays locked by another process" :
			    "unable to check the dedup marker";
			return SPOOL_ERROR;
		}
	}
	/* With sp_ordered the flush of new/ commits the markers too (above). */
	if (!sp->sp_ordered && spool_flush(sp, SPOOL_IDS) == -1) {
		*reason = "unable to flush ids/ to disk";
		return SPOOL_ERROR;
	}
	return SPOOL_DELIVERED;
}

/*
 * The names of e's markers into markers, *n of them: the signed bytes'
 * first, when e has them, then the id's. The signed bytes' marker is linked
 * first so that a delivery cut short between the two links, which recovery
 * finishes, can only be a body never spooled before (see spool_deliver()).
 * A known id or body needs no file at all: answer it before writing one.
 * Returns SPOOL_DELIVERED to go on (nothing is marked, or a marker could
 * not be read: the link decides), else the answer.
 */
static enum spool_result
check_markers(struct spool *sp, const struct spool_entry *e,
    char markers[][SPOOL_HASH_HEX + 1], size_t *n, const char **reason)
{
	size_t	i;
	int	r;

	*n = 0;
	if (e->se_signed_sum != NULL && marker_name(e->se_webhook, NULL,
	    e->se_signed_sum, markers[(*n)++]) == -1)
		goto hash;
	if (marker_name(e->se_webhook, e->se_id, NULL, markers[(*n)++]) == -1)
		goto hash;
	for (i = 0; i < *n; i++) {
		if ((r = await_marker(sp, markers[i])) == 1)
			return SPOOL_DUPLICATE;
		if (r == -1 && errno == EAGAIN) {
			*reason = "the dedup marker stays locked by another "
			    "process";
			return SPOOL_ERROR;
		}
	}
	return SPOOL_DELIVERED;
hash:
	errno = ENOMEM;
	*reason = "unable to hash the id";
	return SPOOL_ERROR;
}

enum spool_result
spool_deliver(struct spool *sp, const struct spool_entry *e, int dedup,
    char name[SPOOL_NAME_MAX], struct timespec *when, const char **reason)
{
	enum spool_result	 res = SPOOL_ERROR;
	struct iovec		 iov[3];
	char			 markers[2][SPOOL_HASH_HEX + 1];
	char			*head = NULL;
	size_t			 nmarkers = 0, linked = 0;
	int			 fd = -1, n, saved;

	if (clock_gettime(CLOCK_REALTIME, when) == -1) {
		*reason = "unable to read the clock";
		return SPOOL_ERROR;
	}
	if (dedup && (res = check_markers(sp, e, markers, &nmarkers,
	    reason)) != SPOOL_DELIVERED)
		return res;
	res = SPOOL_ERROR;
	if ((n = line_head(e, when, &head)) == -1) {
		*reason = "out of memory";
		return SPOOL_ERROR;
	}
	iov[0].iov_base = head;
	iov[0].iov_len = n;
	iov[1].iov_base = (void *)e->se_body;
	iov[1].iov_len = e->se_bodylen;
	iov[2].iov_base = "}\n";
	iov[2].iov_len = 2;
	if ((fd = create_tmp(sp, name, when, reason)) == -1)
		goto fail;
	if (io_writev_all(fd, iov, 3) == -1) {
		*reason = "unable to write the event";
		goto unlink_tmp;
	}
	if (sp->sp_fsync && fsync(fd) == -1) {
		*reason = "unable to flush the event to disk";
		goto unlink_tmp;
	}
	if (dedup && (res = link_markers(sp, name, markers, nmarkers, &linked,
	    reason)) != SPOOL_DELIVERED)
		goto unlink_tmp;
	res = SPOOL_ERROR;
	if (renameat(sp->sp_fd[SPOOL_TMP], name, sp->sp_fd[SPOOL_NEW], name) == -1) {
		*reason = "unable to move the event into new/";
		goto unlink_tmp;
	}
	/*
	 * The event is in new/ now, and a drain may have it already: it is
	 * never withdrawn. If it cannot be flushed the sender is told to
	 * retry, and with dedup the retry is called a duplicate only once
	 * new/ has been flushed (await_marker).
	 */
	if (spool_flush(sp, SPOOL_NEW) == -1)
		*reason = "unable to flush new/ to disk";
	else
		res = SPOOL_DELIVERED;
	saved = errno;
	if (close(fd) == -1 && res == SPOOL_DELIVERED) {
		saved = errno;
		*reason = "unable to close the event file";
		res = SPOOL_ERROR;
	}
	free(head);
	errno = saved;
	return res;

unlink_tmp:
	/* Withdraw in reverse order; the lock is held until the end. */
	saved = errno;
	while (linked > 0)
		unlinkat(sp->sp_fd[SPOOL_IDS], markers[--linked], 0);
	unlinkat(sp->sp_fd[SPOOL_TMP], name, 0);
	close(fd);
	errno = saved;
fail:
	free(head);
	return res;
}

int
spool_recover(struct spool *sp, struct spool_recovery *rec,
    const char **reason)
{
	struct spool_recovery	 dummy;
	struct dirent		*de;
	struct stat		 st, now;
	time_t			 t = time(NULL);
	DIR			*d;
	int			 fd, finished = 0, ids_flushed = 0, rc = 0;

	if (rec == NULL)
		rec = &dummy;
	memset(rec, 0, sizeof(*rec));
	if ((d = spool_opendir(sp, SPOOL_TMP)) == NULL) {
		*reason = "unable to read tmp/";
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(sp->sp_fd[SPOOL_TMP], de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (st.st_nlink < 2 && t - st.st_mtime <= SPOOL_TMP_GRACE)
			continue;
		fd = openat(sp->sp_fd[SPOOL_TMP], de->d_name,
		    O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd == -1)
			continue;
		/* A held lock means a delivery is under way: leave it. */
		if (spool_lock(fd, SPOOL_LOCK_DELIVERY, 0) == -1 ||
		    fstatat(sp->sp_fd[SPOOL_TMP], de->d_name, &now,
		    AT_SYMLINK_NOFOLLOW) == -1 || now.st_ino != st.st_ino) {
			close(fd);
			continue;
		}
		if (now.st_nlink >= 2) {
			/* Its marker reaches the disk before new/ does. */
			if (!ids_flushed && !sp->sp_ordered &&
			    spool_flush(sp, SPOOL_IDS) == -1) {
				*reason = "unable to flush ids/ to disk";
				rc = -1;
				close(fd);
				continue;
			}
			ids_flushed = 1;
			if (renameat(sp->sp_fd[SPOOL_TMP], de->d_name,
			    sp->sp_fd[SPOOL_NEW], de->d_name) == -1) {
				*reason = "unable to move a delivery into new/";
				rc = -1;
			} else {
				rec->sr_finished++;
				finished = 1;
			}
		} else if (unlinkat(sp->sp_fd[SPOOL_TMP], de->d_name, 0) == 0)
			rec->sr_removed++;
		close(fd);
	}
	closedir(d);
	if (finished && spool_flush(sp, SPOOL_NEW) == -1) {
		*reason = "unable to flush new/ to disk";
		rc = -1;
	}
	return rc;
}

int
spool_marker_name(const char *webhook, const char *id,
    char out[SPOOL_HASH_HEX + 1])
{
	return marker_name(webhook, id, NULL, out);
}

int
spool_sum_marker_name(const char *webhook, const unsigned char *sum,
    char out[SPOOL_HASH_HEX + 1])
{
	return marker_name(webhook, NULL, sum, out);
}
