/*
 * spool.c: the Maildir-style spool as an object: opening it safely (each
 * folder without following a link, owned by the user, writable by no one
 * else), closing it, telling when it went stale, and what the other
 * modules of the spool (spool_deliver.c, claim.c, queue.c, the commands)
 * share rather than repeat: the folders' names, flushing a folder, reading
 * one, the lock bytes (spool.h) and what a file in the spool must be for a
 * drain to take it. Delivery and its crash argument are spool_deliver.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "spool.h"

#define SPOOL_LOCK_PAUSE_MAX	50	/* ms between two tries of a lock */
#define SPOOL_UNSAFE_MODE	(S_IWGRP | S_IWOTH)
/* statfs(2) f_type of the file systems journal_orders() knows. */
#define SPOOL_EXT4_MAGIC	0xEF53		/* also ext2 and ext3 */
#define SPOOL_XFS_MAGIC		0x58465342
/* The inode of an ext4 journal inside its file system: jbd2 names it so. */
#define SPOOL_JBD2_INODE	8

/*
 * The folders, in the order of enum spool_folder: the one place their
 * names are written. X is applied to each name.
 */
#define SPOOL_FOLDER_TABLE(X)	X("tmp") X("new") X("cur") X("failed") X("ids")
#define SPOOL_FOLDER_NAME(name)	name,

const char *const spool_folder_names[SPOOL_FOLDERS] = {
	SPOOL_FOLDER_TABLE(SPOOL_FOLDER_NAME)
};

/* Milliseconds on the monotonic clock, or -1. */
static long long
now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return -1;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
spool_lock(int fd, off_t which, unsigned wait_s)
{
	struct timespec	pause;
	struct flock	fl;
	long long	deadline = 0, now;
	long		ms = 1;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = which;
	fl.l_len = 1;
	if (wait_s > 0 && (deadline = now_ms()) == -1)
		return -1;
	deadline += (long long)wait_s * 1000;
	for (;;) {
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return -1;
		if (wait_s == 0 || (now = now_ms()) == -1 || now >= deadline) {
			errno = EAGAIN;
			return -1;
		}
		/* Short pauses first: a delivery holds its lock briefly. */
		if (ms > deadline - now)
			ms = (long)(deadline - now);
		pause.tv_sec = 0;
		pause.tv_nsec = ms * 1000000L;
		(void)nanosleep(&pause, NULL);	/* EINTR: look again */
		if (ms < SPOOL_LOCK_PAUSE_MAX)
			ms *= 2;
	}
}

int
spool_flush(const struct spool *sp, enum spool_folder f)
{
	return sp->sp_fsync ? spool_sync(sp, f) : 0;
}

int
spool_sync(const struct spool *sp, enum spool_folder f)
{
	return fsync(sp->sp_fd[f]);
}

DIR *
spool_opendir(struct spool *sp, enum spool_folder f)
{
	DIR	*d;
	int	 fd, saved;

	if ((fd = dup(sp->sp_fd[f])) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return NULL;
	}
	/* The copy shares its offset with sp_fd[f]: start from the top. */
	rewinddir(d);
	return d;
}

const char *
spool_file_refusal(const struct spool *sp, const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return "a symbolic link";
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (st->st_uid != sp->sp_uid)
		return "not owned by the spool's owner";
	if (st->st_mode & SPOOL_UNSAFE_MODE)
		return "writable by its group or others";
	return NULL;
}

/* Why spool_open() refuses a folder, for the spool folder and each of its own. */
#define SPOOL_REFUSALS(f) {						\
	f " is a symbolic link or not a folder: refusing the spool",	\
	f " is not owned by the user running hookspool: "		\
	    "refusing the spool",					\
	f " is writable by its group or others: refusing the spool" }
#define SPOOL_FOLDER_REFUSALS(name)	SPOOL_REFUSALS(name "/"),
static const char *const refusals[SPOOL_FOLDERS + 1][3] = {
	SPOOL_FOLDER_TABLE(SPOOL_FOLDER_REFUSALS)
	SPOOL_REFUSALS("the spool folder")
};
#define SPOOL_TOP	SPOOL_FOLDERS	/* refusals[] of the spool folder */

/*
 * Whether a folder with status st may be part of a spool: owned by the
 * effective user and not writable by others. NULL, or why not.
 */
static const char *
folder_refusal(const struct stat *st, size_t which)
{
	if (!S_ISDIR(st->st_mode))
		return refusals[which][0];
	if (st->st_uid != geteuid())
		return refusals[which][1];
	if (st->st_mode & SPOOL_UNSAFE_MODE)
		return refusals[which][2];
	return NULL;
}

/*
 * Open folder name of dirfd (AT_FDCWD and a path for the spool itself)
 * without following a symbolic link, creating it with exactly mode (not
 * the umask's) if missing, and check it as folder_refusal() does. Returns
 * the descriptor, or -1 with *reason and errno.
 */
static int
open_folder(int dirfd, const char *name, mode_t mode, size_t which,
    const char **reason)
{
	struct stat	 st;
	const char	*why;
	int		 fd, created = 0, saved;

	/*
	 * Open first, and create only what is missing: a mkdir of a folder
	 * that exists still locks its parent for writing, and every CGI
	 * request opens the spool.
	 */
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		if (mkdirat(dirfd, name, mode) == 0)
			created = 1;
		else if (errno != EEXIST) {
			*reason = which == SPOOL_TOP ?
			    "unable to create the spool folder" :
			    "unable to create a spool folder";
			return -1;
		}
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	if (fd == -1) {
		*reason = errno == ELOOP || errno == ENOTDIR ?
		    refusals[which][0] : which == SPOOL_TOP ?
		    "unable to open the spool folder" :
		    "unable to open a spool folder";
		return -1;
	}
	if ((created && fchmod(fd, mode) == -1) || fstat(fd, &st) == -1) {
		*reason = "unable to set up a spool folder";
		goto fail;
	}
	if ((why = folder_refusal(&st, which)) != NULL) {
		*reason = why;
		errno = EPERM;
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Whether the file system holding folder fd keeps metadata changes in
 * order across a crash, as the comment at the top of this file needs:
 * xfs always; ext2, ext3 and ext4 (one magic number) only while an
 * internal journal runs for the device, which jbd2 lists as
 * /proc/fs/jbd2/DEVICE-8. Anything unknown or unreadable is 0: ids/ then
 * gets its own flush, which is right on every file system.
 */
static int
journal_orders(int fd)
{
	struct statfs	 fs;
	struct stat	 st;
	char		 link[64], target[PATH_MAX], jbd2[PATH_MAX];
	const char	*dev;
	ssize_t		 n;
	int		 len;

	if (fstatfs(fd, &fs) == -1)
		return 0;
	if (fs.f_type == SPOOL_XFS_MAGIC)
		return 1;
	if (fs.f_type != SPOOL_EXT4_MAGIC || fstat(fd, &st) == -1)
		return 0;
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u",
	    major(st.st_dev), minor(st.st_dev));
	if ((n = readlink(link, target, sizeof(target) - 1)) <= 0)
		return 0;
	target[n] = '\0';
	dev = strrchr(target, '/');
	dev = dev != NULL ? dev + 1 : target;
	len = snprintf(jbd2, sizeof(jbd2), "/proc/fs/jbd2/%s-%d", dev,
	    SPOOL_JBD2_INODE);
	if (len < 0 || (size_t)len >= sizeof(jbd2) || dev[0] == '\0')
		return 0;
	return access(jbd2, F_OK) == 0;
}

/* dir without its trailing slashes (a slash would follow a link). */
static char *
strip_slashes(const char *dir)
{
	char	*s;
	size_t	 n;

	if ((s = strdup(dir)) == NULL)
		return NULL;
	for (n = strlen(s); n > 1 && s[n - 1] == '/'; n--)
		s[n - 1] = '\0';
	return s;
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
	for (i = 0; i < SPOOL_FOLDERS; i++)
		sp->sp_fd[i] = -1;
	sp->sp_fsync = fsync_on;
	sp->sp_group_readable = group_readable;
	sp->sp_uid = geteuid();
	if ((sp->sp_dir = strip_slashes(dir)) == NULL) {
		*reason = "out of memory";
		goto fail;
	}
	/* The spool folder is checked before anything is made in it. */
	if ((sp->sp_dirfd = open_folder(AT_FDCWD, sp->sp_dir, mode, SPOOL_TOP,
	    reason)) == -1)
		goto fail;
	for (i = 0; i < SPOOL_FOLDERS; i++) {
		if ((sp->sp_fd[i] = open_folder(sp->sp_dirfd,
		    spool_folder_names[i],
		    mode, i, reason)) == -1)
			goto fail;
	}
	sp->sp_ordered = fsync_on && journal_orders(sp->sp_fd[SPOOL_IDS]);
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
	for (i = 0; i < SPOOL_FOLDERS; i++)
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

	if (lstat(sp->sp_dir, &byname) == -1 || fstat(sp->sp_dirfd, &open) == -1 ||
	    !same_file(&byname, &open) || folder_refusal(&open, SPOOL_TOP) != NULL)
		return 1;
	for (i = 0; i < sizeof(check) / sizeof(check[0]); i++) {
		if (fstatat(sp->sp_dirfd, spool_folder_names[check[i]], &byname,
		    AT_SYMLINK_NOFOLLOW) == -1 ||
		    fstat(sp->sp_fd[check[i]], &open) == -1 ||
		    !same_file(&byname, &open) ||
		    folder_refusal(&open, check[i]) != NULL)
			return 1;
	}
	return 0;
}

