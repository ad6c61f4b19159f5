/*
 * conn.c: accepting a FastCGI connection and reading its parameter phase
 * before libfcgi does (see conn.h).
 *
 * How libfcgi is made to parse bytes already read: FCGX_Accept_r() skips
 * its own accept() when the request already has a descriptor (ipcFd), and
 * with keepConnection set it closes none first. The descriptor it is given
 * is one end of a socket pair holding exactly the phase, whose other end
 * is closed, so none of its reads can wait. Once it has parsed the
 * parameters, the connection itself is put in the pair's place with
 * dup3(): libfcgi refers to the connection only by that number, and its
 * buffer holds nothing past the phase. Were libfcgi to refuse the phase,
 * it would close the pair and try to accept on the request's listening
 * socket, -1, which fails at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "io.h"

int
conn_init(struct conn *cn, int listen_fd, const char *allow, char *err,
    size_t errlen)
{
	char		 word[64];
	const char	*p, *comma;
	size_t		 n;

	memset(cn, 0, sizeof(*cn));
	cn->cn_listen = listen_fd;
	cn->cn_fd = -1;
	for (p = allow; p != NULL && *p != '\0'; p = *comma ? comma + 1 : comma) {
		comma = p + strcspn(p, ",");
		n = comma - p;
		if (n == 0)
			continue;
		if (n >= sizeof(word) || cn->cn_nallow == CONN_ALLOW_MAX) {
			snprintf(err, errlen, "FCGI_WEB_SERVER_ADDRS: too long "
			    "(at most %d IPv4 addresses)", CONN_ALLOW_MAX);
			return -1;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		if (inet_pton(AF_INET, word, &cn->cn_allow[cn->cn_nallow]) != 1) {
			snprintf(err, errlen, "FCGI_WEB_SERVER_ADDRS: \"%s\" is "
			    "not an IPv4 address", word);
			return -1;
		}
		cn->cn_nallow++;
	}
	return 0;
}

/* Whether the peer at ss may connect; fills cn_remote for TCP peers. */
static int
peer_allowed(struct conn *cn, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;
	size_t				 i;

	cn->cn_remote[0] = '\0';
	if (ss->ss_family == AF_INET)
		(void)inet_ntop(AF_INET, &sin->sin_addr, cn->cn_remote,
		    sizeof(cn->cn_remote));
	else if (ss->ss_family == AF_INET6)
		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, cn->cn_remote,
		    sizeof(cn->cn_remote));
	else
		return 1;
	if (cn->cn_nallow == 0)
		return 1;
	if (ss->ss_family != AF_INET)
		return 0;
	for (i = 0; i < cn->cn_nallow; i++)
		if (cn->cn_allow[i].s_addr == sin->sin_addr.s_addr)
			return 1;
	return 0;
}

/* Wait until the listening socket has a connection: 0, or -1 with errno. */
static int
wait_listen(struct conn *cn)
{
	struct pollfd	pfd;

	pfd.fd = cn->cn_listen;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
		return -1;
	return 0;
}

int
conn_accept(struct conn *cn)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	int			fd, on = 1;

	for (;;) {
		sslen = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		fd = accept4(cn->cn_listen, (struct sockaddr *)&ss, &sslen,
		    SOCK_CLOEXEC);
		if (fd == -1) {
			/* the peer gave up, or a signal: wait for the next */
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				continue;
			/* a listening socket passed non-blocking: wait */
			if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
			    wait_listen(cn) == 0)
				continue;
			return -1;
		}
		if (!peer_allowed(cn, &ss))
			fprintf(stderr, "hookspool.fcgi: refused a connection "
			    "from %s: not in FCGI_WEB_SERVER_ADDRS\n",
			    cn->cn_remote);
		/*
		 * TCP: the answer is written at once, with no wait for an ACK;
		 * a connection that cannot be set so has gone already
		 */
		else if (cn->cn_remote[0] == '\0' || setsockopt(fd,
		    IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == 0)
			break;
		if (close(fd) == -1)
			return -1;
	}
	cn->cn_fd = fd;
	cn->cn_kept = 0;
	return 0;
}

void
conn_close(struct conn *cn)
{
	if (cn->cn_fd != -1 && close(cn->cn_fd) == -1)
		fprintf(stderr, "hookspool.fcgi: unable to close a "
		    "connection: %s\n", strerror(errno));
	cn->cn_fd = -1;
}

/* Wait until cn_fd has bytes, or the deadline: 0, 1 if late, -1. */
static int
wait_input(struct conn *cn, double deadline)
{
	struct pollfd	pfd;
	double		left;

	pfd.fd = cn->cn_fd;
	pfd.events = POLLIN;
	if ((left = deadline - io_now()) <= 0)
		return 1;
	if (poll(&pfd, 1, left > 3600 ? 3600000 : (int)(left * 1000) + 1) ==
	    -1 && errno != EINTR)
		return -1;
	return 0;
}

/*
 * Read the parameter phase into cn_buf, taking from the connection no
 * byte past it: what is there is looked at (MSG_PEEK), scanned, and only
 * the phase's part of it taken.
 */
static enum conn_status
read_phase(struct conn *cn, double deadline, struct params_scan *ps,
    const char **reason)
{
	enum params_status	st;
	ssize_t			n;
	size_t			take;
	int			w;

	cn->cn_len = 0;
	params_scan_init(ps);
	for (;;) {
		n = recv(cn->cn_fd, cn->cn_buf + cn->cn_len,
		    PARAMS_MAX - cn->cn_len, MSG_PEEK | MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR)) {
			if (cn->cn_kept && cn->cn_len == 0 &&
			    cn->cn_stop != NULL && *cn->cn_stop) {
				*reason = "stopping";
				return CONN_CLOSED;
			}
			if ((w = wait_input(cn, deadline)) == 0)
				continue;
			if (w == -1)
				break;
			if (cn->cn_len > 0) {
				*reason = "parameters not complete within 30 s";
				return CONN_LATE;
			}
			*reason = "no request within 30 s of the connection";
			return cn->cn_kept ? CONN_CLOSED : CONN_LATE;
		}
		if (n == -1 && errno == ECONNRESET)
			n = 0;
		if (n == -1)
			break;
		if (n == 0) {
			*reason = "the client closed the connection";
			return CONN_CLOSED;
		}
		st = params_scan(ps, cn->cn_buf, cn->cn_len + n);
		if (st == PARAMS_BAD || st == PARAMS_TOO_LARGE) {
			*reason = ps->ps_reason;
			return st == PARAMS_BAD ? CONN_BAD : CONN_TOO_LARGE;
		}
		take = st == PARAMS_DONE ? ps->ps_end - cn->cn_len : (size_t)n;
		if (recv(cn->cn_fd, cn->cn_buf + cn->cn_len, take,
		    MSG_DONTWAIT) != (ssize_t)take)
			break;
		cn->cn_len += take;
		if (st == PARAMS_DONE)
			return CONN_READY;
		if (io_now() >= deadline) {
			*reason = "parameters not complete within 30 s";
			return CONN_LATE;
		}
	}
	*reason = "unable to read the parameters";
	return CONN_ERROR;
}

/* libfcgi parses the phase from a socket pair; then gets the connection. */
static enum conn_status
hand_over(struct conn *cn, FCGX_Request *req, const char **reason)
{
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
	    sv) == -1) {
		*reason = "unable to make a socket pair";
		return CONN_ERROR;
	}
	/* the pair holds the whole phase: a full one fails, never waits */
	if (io_write_all(sv[1], cn->cn_buf, cn->cn_len) == -1) {
		*reason = "unable to pass the parameters on";
		(void)close(sv[0]);
		(void)close(sv[1]);
		return CONN_ERROR;
	}
	if (close(sv[1]) == -1) {
		*reason = "unable to pass the parameters on";
		(void)close(sv[0]);
		return CONN_ERROR;
	}
	req->ipcFd = sv[0];
	req->keepConnection = 1;
	if (FCGX_Accept_r(req) != 0) {
		/* libfcgi closed the pair and found nothing to accept */
		req->ipcFd = -1;
		*reason = "libfcgi refused the parameters";
		return CONN_BAD;
	}
	if (dup3(cn->cn_fd, req->ipcFd, O_CLOEXEC) == -1) {
		*reason = "unable to hand the connection over";
		FCGX_Free(req, 1);
		return CONN_ERROR;
	}
	if (close(cn->cn_fd) == -1) {
		cn->cn_fd = -1;
		*reason = "unable to hand the connection over";
		FCGX_Free(req, 1);
		return CONN_ERROR;
	}
	cn->cn_fd = -1;
	return CONN_READY;
}

enum conn_status
conn_request(struct conn *cn, FCGX_Request *req, double deadline,
    const char **reason)
{
	struct params_scan	ps;
	enum conn_status	st;

	if ((st = read_phase(cn, deadline, &ps, reason)) == CONN_READY)
		st = hand_over(cn, req, reason);
	conn_close(cn);
	return st;
}

int
conn_kept(struct conn *cn, FCGX_Request *req)
{
	if (req->ipcFd < 0)
		return 0;
	cn->cn_fd = req->ipcFd;
	cn->cn_kept = 1;
	req->ipcFd = -1;
	return 1;
}
