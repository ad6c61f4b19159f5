/*
 * activate.c: socket activation and the readiness notice (see
 * activate.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "activate.h"
#include "number.h"

/* The environment's name as a number, or -1 when unset or not one. */
static long long
env_number(const char *name)
{
	const char		*s = getenv(name);
	unsigned long long	 v;

	if (s == NULL || number_parse(s, NULL, 0, 1LL << 31, &v) != NUMBER_OK)
		return -1;
	return (long long)v;
}

/* Whether fd is a listening stream socket: 1, 0, or -1 with errno. */
static int
is_listening_stream(int fd)
{
	struct stat	st;
	socklen_t	len;
	int		type, accepting;

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISSOCK(st.st_mode))
		return 0;
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return -1;
	len = sizeof(accepting);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == -1)
		return -1;
	return type == SOCK_STREAM && accepting;
}

int
activate_socket(char *err, size_t errlen)
{
	long long	pid = env_number("LISTEN_PID"), n;
	int		rc, flags;

	if (pid != (long long)getpid())
		return 0;
	n = env_number("LISTEN_FDS");
	if (unsetenv("LISTEN_PID") == -1 || unsetenv("LISTEN_FDS") == -1 ||
	    unsetenv("LISTEN_FDNAMES") == -1) {
		snprintf(err, errlen, "unable to clear LISTEN_FDS from the "
		    "environment: %s", strerror(errno));
		return -1;
	}
	if (n != 1) {
		snprintf(err, errlen, "systemd passed %s sockets (LISTEN_FDS); "
		    "hookspool.fcgi takes one: give the socket unit one "
		    "ListenStream=", n < 0 ? "no number of" : n == 0 ? "no" :
		    "several");
		return -1;
	}
	if ((rc = is_listening_stream(ACTIVATE_FD)) != 1) {
		snprintf(err, errlen, "the socket systemd passed (descriptor "
		    "%d) %s", ACTIVATE_FD, rc == -1 ? strerror(errno) :
		    "is not a listening stream socket: use ListenStream=");
		return -1;
	}
	if ((flags = fcntl(ACTIVATE_FD, F_GETFD)) == -1 ||
	    fcntl(ACTIVATE_FD, F_SETFD, flags | FD_CLOEXEC) == -1) {
		snprintf(err, errlen, "unable to set close-on-exec on the "
		    "socket systemd passed: %s", strerror(errno));
		return -1;
	}
	return 1;
}

int
activate_notify_init(struct activate_notify *an, char *err, size_t errlen)
{
	const char	*s = getenv("NOTIFY_SOCKET");
	size_t		 len;

	memset(an, 0, sizeof(*an));
	if (s == NULL || *s == '\0')
		return 0;
	len = strlen(s);
	if ((*s != '/' && *s != '@') || len >= sizeof(an->an_addr.sun_path)) {
		snprintf(err, errlen, "NOTIFY_SOCKET: not the path or the "
		    "abstract name (@...) of a unix socket of at most %zu "
		    "bytes", sizeof(an->an_addr.sun_path) - 1);
		return -1;
	}
	an->an_addr.sun_family = AF_UNIX;
	memcpy(an->an_addr.sun_path, s, len);
	if (*s == '@')
		an->an_addr.sun_path[0] = '\0';
	an->an_len = offsetof(struct sockaddr_un, sun_path) + len +
	    (*s == '/');
	if (unsetenv("NOTIFY_SOCKET") == -1) {
		snprintf(err, errlen, "unable to clear NOTIFY_SOCKET from the "
		    "environment: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
activate_ready(const struct activate_notify *an, char *err, size_t errlen)
{
	static const char	msg[] = "READY=1";
	ssize_t			n;
	int			fd, saved;

	if (an->an_len == 0)
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "unable to tell systemd the service is "
		    "ready: socket: %s", strerror(errno));
		return -1;
	}
	n = sendto(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL,
	    (const struct sockaddr *)&an->an_addr, an->an_len);
	saved = errno;
	if (close(fd) == -1 && n == (ssize_t)sizeof(msg) - 1) {
		n = -1;
		saved = errno;
	}
	if (n != (ssize_t)sizeof(msg) - 1) {
		snprintf(err, errlen, "unable to tell systemd the service is "
		    "ready (NOTIFY_SOCKET): %s", n == -1 ? strerror(saved) :
		    "a short send");
		return -1;
	}
	return 0;
}
