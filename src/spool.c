/*
 * spool.c: Maildir-style delivery of events, with dedup markers.
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
 * On journaling file systems (ext4, xfs) flushing ids/ also commits the
 * earlier creation of tmp/NAME, so a marker never outlives its file.
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

#include <gcrypt.h>

#include "spool.h"

#define SPOOL_LOCK_DELIVERY	0	/* byte locked while delivering */
#define SPOOL_HASH_HEX		64

static const char *folders[] = { "tmp", "new", "cur", "failed", "ids" };

int
spool_lock(int fd, off_t which, int wait)
{
	struct flock	fl;
	int		rc;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = which;
	fl.l_len = 1;
	do
		rc = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
	while (rc == -1 && errno == EINTR && wait);
	return rc;
}

/* Create a folder with exactly mode, whatever the umask; keep an old one. */
static int
make_folder(int dirfd, const char *name, mode_t mode)
{
	if (mkdirat(dirfd, name, mode) == 0)
		return fchmodat(dirfd, name, mode, 0);
	return errno == EEXIST ? 0 : -1;
}

static int
open_folder(int dirfd, const char *name, mode_t mode)
{
	if (make_folder(dirfd, name, mode) == -1)
		return -1;
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
spool_open(const char *dir, int fsync_on, int group_readable,
    struct spool **out, const char **reason)
{
	struct spool	*sp;
	mode_t		 mode = group_readable ? 0750 : 0700;
	size_t		 i;
	int		 saved;

	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	sp->sp_dirfd = -1;
	for (i = 0; i < 5; i++)
		sp->sp_fd[i] = -1;
	sp->sp_fsync = fsync_on;
	sp->sp_group_readable = group_readable;
	if ((sp->sp_dir = strdup(dir)) == NULL) {
		*reason = "out of memory";
		goto fail;
	}
	if (make_folder(AT_FDCWD, dir, mode) == -1) {
		*reason = "unable to create the spool directory";
		goto fail;
	}
	if ((sp->sp_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		*reason = "unable to open the spool directory";
		goto fail;
	}
	for (i = 0; i < 5; i++) {
		if ((sp->sp_fd[i] = open_folder(sp->sp_dirfd, folders[i],
		    mode)) == -1) {
			*reason = "unable to create or open a spool folder";
			goto fail;
		}
	}
	*out = sp;
	return 0;
fail:
	saved = errno;
	spool_close(sp);
	errno = saved;
	return -1;
}

void
spool_close(struct spool *sp)
{
	size_t	i;

	if (sp == NULL)
		return;
	for (i = 0; i < 5; i++)
		if (sp->sp_fd[i] != -1)
			close(sp->sp_fd[i]);
	if (sp->sp_dirfd != -1)
		close(sp->sp_dirfd);
	free(sp->sp_dir);
	free(sp);
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int
spool_stale(const struct spool *sp)
{
	static const enum spool_folder check[] = { SPOOL_TMP, SPOOL_NEW, SPOOL_IDS };
	struct stat	byname, open;
	size_t		i;

	if (stat(sp->sp_dir, &byname) == -1 || fstat(sp->sp_dirfd, &open) == -1 ||
	    !same_file(&byname, &open))
		return 1;
	for (i = 0; i < sizeof(check) / sizeof(check[0]); i++) {
		if (fstatat(sp->sp_dirfd, folders[check[i]], &byname, 0) == -1 ||
		    fstat(sp->sp_fd[check[i]], &open) == -1 ||
		    !same_file(&byname, &open))
			return 1;
	}
	return 0;
}

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

/* The marker's name: hex sha256(webhook NUL id); an id never becomes a path. */
static int
marker_name(const struct spool_entry *e, char out[SPOOL_HASH_HEX + 1])
{
	static const char	 digits[] = "0123456789abcdef";
	unsigned char		*sum;
	gcry_md_hd_t		 hd;
	size_t			 i;

	if (gcry_md_open(&hd, GCRY_MD_SHA256, 0) != 0)
		return -1;
	gcry_md_write(hd, e->se_webhook, strlen(e->se_webhook) + 1);
	gcry_md_write(hd, e->se_id, strlen(e->se_id));
	if ((sum = gcry_md_read(hd, GCRY_MD_SHA256)) == NULL) {
		gcry_md_close(hd);
		return -1;
	}
	for (i = 0; i < SPOOL_HASH_HEX / 2; i++) {
		out[2 * i] = digits[sum[i] >> 4];
		out[2 * i + 1] = digits[sum[i] & 0xf];
	}
	out[SPOOL_HASH_HEX] = '\0';
	gcry_md_close(hd);
	return 0;
}

static int
write_all(int fd, struct iovec *iov, int iovcnt)
{
	ssize_t	n;

	while (iovcnt > 0) {
		n = writev(fd, iov, iovcnt);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return 0;
}

static int
flush(const struct spool *sp, int fd)
{
	if (!sp->sp_fsync)
		return 0;
	return fsync(fd);
}

/* Move the file of inode ino from tmp/ to new/, if it is still there. */
static int
finish_cut_short(struct spool *sp, ino_t ino)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 fd, rc = 0;

	if ((fd = dup(sp->sp_fd[SPOOL_TMP])) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_ino != ino)
			continue;
		if (fstatat(sp->sp_fd[SPOOL_TMP], de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || st.st_ino != ino)
			continue;
		if (renameat(sp->sp_fd[SPOOL_TMP], de->d_name,
		    sp->sp_fd[SPOOL_NEW], de->d_name) == -1 ||
		    flush(sp, sp->sp_fd[SPOOL_NEW]) == -1)
			rc = -1;
		break;
	}
	closedir(d);
	return rc;
}

/*
 * The id is marked already: wait until the delivery that marked it is over.
 * Returns 1 if the marker stands (a duplicate), 0 if it was withdrawn (try
 * again), -1 on error.
 */
static int
await_marker(struct spool *sp, const char *marker)
{
	struct stat	st, now;
	int		fd, rc = -1;

	if ((fd = openat(sp->sp_fd[SPOOL_IDS], marker, O_RDWR | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (spool_lock(fd, SPOOL_LOCK_DELIVERY, 1) == -1 || fstat(fd, &st) == -1)
		goto done;
	if (fstatat(sp->sp_fd[SPOOL_IDS], marker, &now, 0) == -1) {
		rc = errno == ENOENT ? 0 : -1;
		goto done;
	}
	if (now.st_ino != st.st_ino) {
		rc = 0;
		goto done;
	}
	/* Still linked from tmp/: its delivery was cut short; finish it. */
	if (st.st_nlink > 1 && finish_cut_short(sp, st.st_ino) == -1)
		goto done;
	/* A delivery whose last flush failed: "duplicate" promises disk. */
	if (flush(sp, sp->sp_fd[SPOOL_NEW]) == -1)
		goto done;
	rc = 1;
done:
	close(fd);
	return rc;
}

static void
format_received(const struct timespec *ts, char out[32])
{
	struct tm	tm;
	char		date[24];

	if (gmtime_r(&ts->tv_sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		strcpy(date, "1970-01-01T00:00:00");
	snprintf(out, 32, "%s.%06ldZ", date, ts->tv_nsec / 1000);
}

enum spool_result
spool_deliver(struct spool *sp, const struct spool_entry *e, int dedup,
    char name[SPOOL_NAME_MAX], struct timespec *when, const char **reason)
{
	enum spool_result	 res = SPOOL_ERROR;
	struct iovec		 iov[3];
	char			 marker[SPOOL_HASH_HEX + 1], received[32];
	char			*head = NULL;
	int			 fd = -1, n, linked = 0, saved, r;

	if (clock_gettime(CLOCK_REALTIME, when) == -1) {
		*reason = "unable to read the clock";
		return SPOOL_ERROR;
	}
	format_received(when, received);
	n = asprintf(&head, "{\"received\":\"%s\",\"webhook\":\"%s\",\"id\":%s,"
	    "\"type\":%s,\"event\":", received, e->se_webhook, e->se_id_json,
	    e->se_type_json);
	if (n < 0) {
		head = NULL;
		*reason = "out of memory";
		return SPOOL_ERROR;
	}
	iov[0].iov_base = head;
	iov[0].iov_len = n;
	iov[1].iov_base = (void *)e->se_body;
	iov[1].iov_len = e->se_bodylen;
	iov[2].iov_base = "}\n";
	iov[2].iov_len = 2;

	/* A known id needs no file at all: answer it before writing one. */
	if (dedup) {
		if (marker_name(e, marker) == -1) {
			free(head);
			errno = ENOMEM;
			*reason = "unable to hash the id";
			return SPOOL_ERROR;
		}
		if (await_marker(sp, marker) == 1) {
			free(head);
			return SPOOL_DUPLICATE;
		}
	}
	for (;;) {
		if (make_name(name, when) == -1) {
			*reason = "file name too long";
			goto fail;
		}
		fd = openat(sp->sp_fd[SPOOL_TMP], name,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1) {
		*reason = "unable to create a file in tmp/";
		goto fail;
	}
	if (spool_lock(fd, SPOOL_LOCK_DELIVERY, 1) == -1) {
		*reason = "unable to lock the new file";
		goto unlink_tmp;
	}
	if (sp->sp_group_readable && fchmod(fd, 0640) == -1) {
		*reason = "unable to make the file group-readable";
		goto unlink_tmp;
	}
	if (write_all(fd, iov, 3) == -1) {
		*reason = "unable to write the event";
		goto unlink_tmp;
	}
	if (flush(sp, fd) == -1) {
		*reason = "unable to flush the event to disk";
		goto unlink_tmp;
	}
	if (dedup) {
		for (;;) {
			if (linkat(sp->sp_fd[SPOOL_TMP], name,
			    sp->sp_fd[SPOOL_IDS], marker, 0) == 0) {
				linked = 1;
				break;
			}
			if (errno != EEXIST) {
				*reason = "unable to create the dedup marker";
				goto unlink_tmp;
			}
			if ((r = await_marker(sp, marker)) == 1) {
				res = SPOOL_DUPLICATE;
				goto unlink_tmp;
			}
			if (r == -1) {
				*reason = "unable to check the dedup marker";
				goto unlink_tmp;
			}
		}
		if (flush(sp, sp->sp_fd[SPOOL_IDS]) == -1) {
			*reason = "unable to flush ids/ to disk";
			goto unlink_tmp;
		}
	}
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
	if (flush(sp, sp->sp_fd[SPOOL_NEW]) == -1)
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
	if (linked)
		unlinkat(sp->sp_fd[SPOOL_IDS], marker, 0);
	unlinkat(sp->sp_fd[SPOOL_TMP], name, 0);
	if (fd != -1)
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
	int			 dfd, fd, finished = 0, rc = 0;

	if (rec == NULL)
		rec = &dummy;
	memset(rec, 0, sizeof(*rec));
	if ((dfd = dup(sp->sp_fd[SPOOL_TMP])) == -1 ||
	    (d = fdopendir(dfd)) == NULL) {
		if (dfd != -1)
			close(dfd);
		*reason = "unable to read tmp/";
		return -1;
	}
	rewinddir(d);
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
	if (finished && flush(sp, sp->sp_fd[SPOOL_NEW]) == -1) {
		*reason = "unable to flush new/ to disk";
		rc = -1;
	}
	return rc;
}
