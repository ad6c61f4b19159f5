/*
 * faultinject.so: an LD_PRELOAD shim that makes system calls on spool paths
 * fail, or kills the process at them, to test what the spool promises.
 *
 *   HOOKSPOOL_FAULT=CALL:ERRNO:PATH   fail CALL with ERRNO (ENOSPC, EIO,
 *                                     EACCES) when its path, or the file
 *                                     behind its fd, starts with PATH
 *   HOOKSPOOL_FAULT=CALL:KILL:PATH    SIGKILL the process instead
 *
 * CALL is write, fsync, rename, link, mkdir or unlink (write covers
 * writev, fsync fdatasync, rename renameat, link linkat, mkdir mkdirat,
 * unlink unlinkat).
 *
 *   HOOKSPOOL_FAULT_AFTER=N           let the first N matching calls
 *                                     through; the fault hits the next
 *
 * Two more variables serve the benchmark (bench/run.sh), on every file:
 *
 *   HOOKSPOOL_FLUSH_DELAY_MS=N        each fsync, fdatasync and syncfs first
 *                                     sleeps N ms (0 to 1000): a disk whose
 *                                     flushes are dear, such as a cloud disk
 *   HOOKSPOOL_FLUSH_LOG=FILE          each of them appends one line to FILE
 *                                     (opened O_APPEND): the call, and the
 *                                     path of what it flushes
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int
parse(char *call, size_t calllen, int *err, char *path, size_t pathlen)
{
	const char	*spec = getenv("HOOKSPOOL_FAULT");
	const char	*a, *b;
	char		 what[16];

	if (spec == NULL || (a = strchr(spec, ':')) == NULL ||
	    (b = strchr(a + 1, ':')) == NULL)
		return 0;
	if ((size_t)(a - spec) >= calllen || (size_t)(b - a - 1) >= sizeof(what))
		return 0;
	memcpy(call, spec, a - spec);
	call[a - spec] = '\0';
	memcpy(what, a + 1, b - a - 1);
	what[b - a - 1] = '\0';
	if (strcmp(what, "KILL") == 0)
		*err = -1;
	else if (strcmp(what, "ENOSPC") == 0)
		*err = ENOSPC;
	else if (strcmp(what, "EIO") == 0)
		*err = EIO;
	else if (strcmp(what, "EACCES") == 0)
		*err = EACCES;
	else
		return 0;
	snprintf(path, pathlen, "%s", b + 1);
	return 1;
}

/*
 * Whether a matching call is to fail now: not before HOOKSPOOL_FAULT_AFTER
 * matching calls (digits only; anything else counts as 0) went through.
 */
static int
due(void)
{
	static unsigned long	seen;
	const char		*after = getenv("HOOKSPOOL_FAULT_AFTER");
	unsigned long		 n = 0;

	if (after != NULL)
		for (; *after >= '0' && *after <= '9' && n < 100000000; after++)
			n = n * 10 + (unsigned long)(*after - '0');
	return seen++ >= n;
}

/* Whether CALL on path (absolute, or relative to dirfd) is to fail. */
static int
hit(const char *call, int dirfd, const char *name)
{
	char	want[16], prefix[PATH_MAX], full[PATH_MAX], link[64];
	ssize_t	n;
	int	err;

	if (!parse(want, sizeof(want), &err, prefix, sizeof(prefix)) ||
	    strcmp(want, call) != 0)
		return 0;
	if (name != NULL && name[0] == '/')
		snprintf(full, sizeof(full), "%s", name);
	else {
		if (dirfd == AT_FDCWD)
			snprintf(link, sizeof(link), "/proc/self/cwd");
		else
			snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		if ((n = readlink(link, full, sizeof(full) - 1)) < 0)
			return 0;
		full[n] = '\0';
		if (name != NULL) {
			size_t	len = strlen(full);

			snprintf(full + len, sizeof(full) - len, "/%s", name);
		}
	}
	if (strncmp(full, prefix, strlen(prefix)) != 0)
		return 0;
	if (!due())
		return 0;
	if (err == -1)
		kill(getpid(), SIGKILL);
	errno = err;
	return 1;
}

#define REAL(ret, name, ...) \
	static ret (*real)(__VA_ARGS__); \
	if (real == NULL) \
		real = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

ssize_t
write(int fd, const void *buf, size_t len)
{
	REAL(ssize_t, "write", int, const void *, size_t);
	if (fd > 2 && hit("write", fd, NULL))
		return -1;
	return real(fd, buf, len);
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	REAL(ssize_t, "writev", int, const struct iovec *, int);
	if (fd > 2 && hit("write", fd, NULL))
		return -1;
	return real(fd, iov, cnt);
}

/*
 * What every flush does first: note it in HOOKSPOOL_FLUSH_LOG, then sleep
 * HOOKSPOOL_FLUSH_DELAY_MS. The log is written with the real write(2), so
 * that a fault injected on write never hits it.
 */
static void
flush_hook(const char *call, int fd)
{
	static ssize_t	(*real_write)(int, const void *, size_t);
	struct timespec	pause;
	const char	*log = getenv("HOOKSPOOL_FLUSH_LOG");
	const char	*delay = getenv("HOOKSPOOL_FLUSH_DELAY_MS");
	char		link[64], path[PATH_MAX], line[PATH_MAX + 32];
	ssize_t		n;
	long		ms;
	int		len, lfd, saved = errno;

	if (log != NULL && log[0] != '\0') {
		if (real_write == NULL)
			real_write = (ssize_t (*)(int, const void *, size_t))
			    dlsym(RTLD_NEXT, "write");
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((n = readlink(link, path, sizeof(path) - 1)) < 0)
			n = 0;
		path[n] = '\0';
		len = snprintf(line, sizeof(line), "%s %s\n", call, path);
		if (len > 0 && (size_t)len < sizeof(line) && real_write != NULL &&
		    (lfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0600)) != -1) {
			n = real_write(lfd, line, len);
			if (close(lfd) == -1 || n != len)
				fprintf(stderr, "faultinject: unable to log a flush\n");
		}
	}
	if (delay != NULL && (ms = strtol(delay, NULL, 10)) > 0 && ms <= 1000) {
		pause.tv_sec = ms / 1000;
		pause.tv_nsec = (ms % 1000) * 1000000L;
		while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
			continue;
	}
	errno = saved;
}

int
fsync(int fd)
{
	REAL(int, "fsync", int);
	if (hit("fsync", fd, NULL))
		return -1;
	flush_hook("fsync", fd);
	return real(fd);
}

int
fdatasync(int fd)
{
	REAL(int, "fdatasync", int);
	if (hit("fsync", fd, NULL))
		return -1;
	flush_hook("fdatasync", fd);
	return real(fd);
}

int
syncfs(int fd)
{
	REAL(int, "syncfs", int);
	if (hit("fsync", fd, NULL))
		return -1;
	flush_hook("syncfs", fd);
	return real(fd);
}

int
rename(const char *from, const char *to)
{
	REAL(int, "rename", const char *, const char *);
	if (hit("rename", AT_FDCWD, from))
		return -1;
	return real(from, to);
}

int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	REAL(int, "renameat", int, const char *, int, const char *);
	if (hit("rename", fromfd, from))
		return -1;
	return real(fromfd, from, tofd, to);
}

int
link(const char *from, const char *to)
{
	REAL(int, "link", const char *, const char *);
	if (hit("link", AT_FDCWD, from))
		return -1;
	return real(from, to);
}

int
linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	REAL(int, "linkat", int, const char *, int, const char *, int);
	if (hit("link", fromfd, from))
		return -1;
	return real(fromfd, from, tofd, to, flags);
}

int
mkdir(const char *path, mode_t mode)
{
	REAL(int, "mkdir", const char *, mode_t);
	if (hit("mkdir", AT_FDCWD, path))
		return -1;
	return real(path, mode);
}

int
mkdirat(int dirfd, const char *path, mode_t mode)
{
	REAL(int, "mkdirat", int, const char *, mode_t);
	if (hit("mkdir", dirfd, path))
		return -1;
	return real(dirfd, path, mode);
}

int
unlink(const char *path)
{
	REAL(int, "unlink", const char *);
	if (hit("unlink", AT_FDCWD, path))
		return -1;
	return real(path);
}

int
unlinkat(int dirfd, const char *path, int flags)
{
	REAL(int, "unlinkat", int, const char *, int);
	if (hit("unlink", dirfd, path))
		return -1;
	return real(dirfd, path, flags);
}
