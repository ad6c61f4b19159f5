/*
 * secret.c: reading files that hold secrets, under one rule (secret.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"

int
secret_check(const char *what, const char *path, const struct stat *st,
    char *why, size_t len)
{
	unsigned long	me = (unsigned long)geteuid();
	unsigned	mode = (unsigned)(st->st_mode & 07777);

	/* root may use a file of any owner; the rest of the rule holds */
	if (st->st_uid != geteuid() && st->st_uid != 0 && geteuid() != 0) {
		snprintf(why, len, "%s %s belongs to uid %lu, neither to the "
		    "user running hookspool (uid %lu) nor to root: run chown "
		    "%lu %s as root, or run hookspool as its owner", what, path,
		    (unsigned long)st->st_uid, me, me, path);
		return -1;
	}
	if ((mode & 027) != 0) {
		snprintf(why, len, "%s %s is mode %04o, %s: run chmod 600 %s",
		    what, path, mode, (mode & 07) != 0 ? "open to others" :
		    "writable by its group", path);
		return -1;
	}
	return 0;
}

/* Read fd to its end into a new buffer; the trailing newline dropped. */
static int
read_all(int fd, unsigned char **key, size_t *keylen, const char **reason)
{
	unsigned char	*buf;
	size_t		 n = 0;
	ssize_t		 r;

	if ((buf = malloc(SECRET_MAX + 1)) == NULL) {
		*reason = strerror(errno);
		return -1;
	}
	for (;;) {
		r = read(fd, buf + n, SECRET_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			*reason = strerror(errno);
			goto fail;
		}
		if (r == 0)
			break;
		if ((n += (size_t)r) > SECRET_MAX) {
			*reason = "secret longer than 64k";
			goto fail;
		}
	}
	if (n > 0 && buf[n - 1] == '\n' && --n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == 0) {
		*reason = "secret is empty";
		goto fail;
	}
	*key = buf;
	*keylen = n;
	return 0;
fail:
	explicit_bzero(buf, SECRET_MAX + 1);
	free(buf);
	return -1;
}

int
secret_read(const char *what, const char *path, const char *name, int flags,
    unsigned char **key, size_t *keylen, struct stat *st, char *why,
    size_t whylen)
{
	struct stat	 sb;
	const char	*reason;
	int		 fd, rc = -1;

	/* Not blocking on a fifo that no one writes (the rule refuses it). */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(why, whylen, "unable to open %s %s: %s", what, name,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1)
		snprintf(why, whylen, "unable to read %s %s: %s", what, name,
		    strerror(errno));
	else if (!S_ISREG(sb.st_mode) && !(flags & SECRET_UNCHECKED))
		snprintf(why, whylen, "unable to read %s %s: not a regular "
		    "file", what, name);
	else if (!(flags & SECRET_UNCHECKED) && secret_check(what, name, &sb,
	    why, whylen) == -1)
		;
	else if (fcntl(fd, F_SETFL, 0) == -1)
		snprintf(why, whylen, "unable to read %s %s: %s", what, name,
		    strerror(errno));
	else if (read_all(fd, key, keylen, &reason) == -1)
		snprintf(why, whylen, "unable to read %s %s: %s", what, name,
		    reason);
	else {
		if (st != NULL)
			*st = sb;
		rc = 0;
	}
	close(fd);
	return rc;
}
