/*
 * listen.c: the listening socket of `hookspool.fcgi --listen`.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "listen.h"

/* "HOST:PORT": no slash, and digits after the last colon. */
static int
is_tcp(const char *spec, const char **colon)
{
	const char	*c, *p;

	if (strchr(spec, '/') != NULL || (c = strrchr(spec, ':')) == NULL ||
	    c[1] == '\0')
		return 0;
	for (p = c + 1; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	*colon = c;
	return 1;
}

static int
open_tcp(struct listener *ls, const char *spec, const char *colon, char *err,
    size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 host[256], *end;
	const char	*h = spec, *port = colon + 1;
	size_t		 hlen = colon - spec;
	long		 n;
	int		 fd = -1, on = 1, rc, saved = 0;

	errno = 0;
	n = strtol(port, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > 65535) {
		snprintf(err, errlen, "%s: port out of range", spec);
		return -1;
	}
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "%s: a host is required, e.g. "
		    "127.0.0.1:%s", spec, port);
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1) {
			saved = errno;
			continue;
		}
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on)) == 0 &&
		    bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, LISTEN_BACKLOG) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		snprintf(err, errlen, "unable to listen on %s: %s", spec,
		    strerror(saved));
		return -1;
	}
	ls->ls_fd = fd;
	return 0;
}

/*
 * A socket file at path that nobody listens on is a leftover: 1. A live
 * one: 0. -1 with errno otherwise.
 */
static int
is_stale(const struct sockaddr_un *sun)
{
	int	fd, rc, saved;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	saved = errno;
	if (close(fd) == -1 && rc == 0)
		return -1;
	if (rc == 0)
		return 0;
	if (saved == ECONNREFUSED)
		return 1;
	errno = saved;
	return -1;
}

static int
open_unix(struct listener *ls, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	sun;
	struct stat		st;
	mode_t			old;
	int			fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (*path == '\0' || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: not a usable socket path (at most "
		    "%zu bytes)", path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket",
			    path);
			return -1;
		}
		if ((rc = is_stale(&sun)) == 0) {
			snprintf(err, errlen, "%s is in use by a running "
			    "process", path);
			return -1;
		}
		if (rc == -1 || unlink(path) == -1) {
			snprintf(err, errlen, "unable to replace %s: %s", path,
			    strerror(errno));
			return -1;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "unable to check %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "unable to create a socket: %s",
		    strerror(errno));
		return -1;
	}
	/* The mode comes from the umask at bind(): never a wider one. */
	old = umask(0777 & ~LISTEN_SOCKET_MODE);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || lstat(path, &st) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		snprintf(err, errlen, "unable to listen on %s: %s", path,
		    strerror(errno));
		if (rc == 0)
			unlink(path);
		close(fd);
		return -1;
	}
	ls->ls_fd = fd;
	memcpy(ls->ls_path, path, strlen(path) + 1);
	ls->ls_dev = st.st_dev;
	ls->ls_ino = st.st_ino;
	return 0;
}

int
listener_open(struct listener *ls, const char *spec, char *err, size_t errlen)
{
	const char	*colon;

	memset(ls, 0, sizeof(*ls));
	ls->ls_fd = -1;
	if (is_tcp(spec, &colon))
		return open_tcp(ls, spec, colon, err, errlen);
	return open_unix(ls, spec, err, errlen);
}

/* Whether the TCP socket at ss is spec's HOST:PORT (colon in spec). */
static int
same_tcp(const struct sockaddr_storage *ss, const char *spec,
    const char *colon)
{
	const struct sockaddr_in	*a = (const void *)ss, *b;
	const struct sockaddr_in6	*a6 = (const void *)ss, *b6;
	struct addrinfo			 hints, *res = NULL, *ai;
	char				 host[256];
	const char			*h = spec;
	size_t				 hlen = colon - spec;
	int				 same = 0;

	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return 0;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ss->ss_family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL && !same; ai = ai->ai_next) {
		b = (const void *)ai->ai_addr;
		b6 = (const void *)ai->ai_addr;
		if (ss->ss_family == AF_INET)
			same = a->sin_port == b->sin_port &&
			    a->sin_addr.s_addr == b->sin_addr.s_addr;
		else
			same = a6->sin6_port == b6->sin6_port &&
			    memcmp(&a6->sin6_addr, &b6->sin6_addr,
			    sizeof(a6->sin6_addr)) == 0;
	}
	freeaddrinfo(res);
	return same;
}

int
listener_adopt(struct listener *ls, int fd, const char *spec, char *err,
    size_t errlen)
{
	struct sockaddr_storage	 ss;
	const struct sockaddr_un *sun = (const void *)&ss;
	socklen_t		 len = sizeof(ss);
	char			 host[NI_MAXHOST], port[NI_MAXSERV];
	const char		*colon;
	int			 same;

	memset(ls, 0, sizeof(*ls));
	ls->ls_fd = fd;
	if (spec == NULL)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		snprintf(err, errlen, "unable to look at the socket systemd "
		    "passed: %s", strerror(errno));
		return -1;
	}
	if (is_tcp(spec, &colon))
		same = (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) &&
		    same_tcp(&ss, spec, colon);
	else
		same = ss.ss_family == AF_UNIX && len > sizeof(sa_family_t) &&
		    strncmp(sun->sun_path, spec, sizeof(sun->sun_path)) == 0;
	if (same)
		return 0;
	if (ss.ss_family == AF_UNIX)
		snprintf(host, sizeof(host), "%s", sun->sun_path[0] != '\0' ?
		    sun->sun_path : "an unnamed or abstract socket");
	else if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host),
	    port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(host + strlen(host), sizeof(host) - strlen(host),
		    " port %s", port);
	else
		snprintf(host, sizeof(host), "another socket");
	snprintf(err, errlen, "the socket systemd passed (LISTEN_FDS) is %s, "
	    "not --listen %s: make the socket unit's ListenStream= and "
	    "--listen name the same socket, or leave --listen out", host,
	    spec);
	return -1;
}

void
listener_close(struct listener *ls)
{
	struct stat	st;

	if (ls == NULL)
		return;
	if (ls->ls_fd != -1 && close(ls->ls_fd) == -1)
		fprintf(stderr, "hookspool.fcgi: unable to close the listening "
		    "socket: %s\n", strerror(errno));
	ls->ls_fd = -1;
	if (ls->ls_path[0] != '\0' && lstat(ls->ls_path, &st) == 0 &&
	    st.st_dev == ls->ls_dev && st.st_ino == ls->ls_ino &&
	    unlink(ls->ls_path) == -1)
		fprintf(stderr, "hookspool.fcgi: unable to remove %s: %s\n",
		    ls->ls_path, strerror(errno));
	ls->ls_path[0] = '\0';
}
