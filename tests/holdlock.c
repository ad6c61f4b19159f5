/*
 * holdlock: hold shared (read) locks on files, as any process that can
 * read the spool can: a read-only descriptor is all an OFD read lock
 * needs. For the tests of hookspool's lock waits.
 *
 *	holdlock SECONDS FILE...
 *
 * opens each FILE read-only, takes an OFD read lock on the whole of it,
 * prints "locked" on standard output once all are held, and keeps them
 * for SECONDS (or until it is killed). Exit status: 0 after SECONDS, 1 if
 * a file cannot be opened or locked, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
read_lock(const char *path)
{
	struct flock	fl;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)) == -1)
		return -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0;	/* the whole file, however it grows */
	if (fcntl(fd, F_OFD_SETLK, &fl) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char *argv[])
{
	struct timespec	 ts;
	char		*end;
	long		 seconds;
	int		 i;

	if (argc < 3) {
		fprintf(stderr, "usage: holdlock SECONDS FILE...\n");
		return 2;
	}
	errno = 0;
	seconds = strtol(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || seconds < 0 || seconds > 86400) {
		fprintf(stderr, "holdlock: bad number of seconds: %s\n", argv[1]);
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (read_lock(argv[i]) == -1) {
			fprintf(stderr, "holdlock: unable to lock %s: %s\n",
			    argv[i], strerror(errno));
			return 1;
		}
	}
	if (printf("locked\n") < 0 || fflush(stdout) == EOF)
		return 1;
	ts.tv_sec = seconds;
	ts.tv_nsec = 0;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
	return 0;
}
