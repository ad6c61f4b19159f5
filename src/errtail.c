/*
 * errtail.c: a handler's standard error read from a pipe, passed on
 * without blocking and its last ERRTAIL_MAX bytes kept (errtail.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errtail.h"
#include "io.h"

/* Bytes read at a time. */
#define ERRTAIL_CHUNK	4096

void
errtail_init(struct errtail *et, int out)
{
	memset(et, 0, sizeof(*et));
	et->et_fd = et->et_wfd = -1;
	et->et_out = out;
}

int
errtail_open(struct errtail *et)
{
	int	fds[2];

	errtail_close(et);
	if (et->et_pend == NULL && (et->et_pend = malloc(ERRTAIL_PEND)) ==
	    NULL)
		return -1;
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1) {
		(void)close(fds[0]);
		(void)close(fds[1]);
		return -1;
	}
	et->et_fd = fds[0];
	et->et_wfd = fds[1];
	et->et_head = et->et_len = 0;
	et->et_eof = 0;
	return 0;
}

void
errtail_spawned(struct errtail *et)
{
	if (et->et_wfd != -1)
		(void)close(et->et_wfd);
	et->et_wfd = -1;
}

/* buf[0..n) into the ring. */
static void
keep(struct errtail *et, const char *buf, size_t n)
{
	size_t	k;

	if (n > ERRTAIL_MAX) {
		buf += n - ERRTAIL_MAX;
		n = ERRTAIL_MAX;
	}
	while (n > 0) {
		k = ERRTAIL_MAX - et->et_head;
		if (k > n)
			k = n;
		memcpy(et->et_ring + et->et_head, buf, k);
		et->et_head = (et->et_head + k) % ERRTAIL_MAX;
		et->et_len = et->et_len + k > ERRTAIL_MAX ? ERRTAIL_MAX :
		    et->et_len + k;
		buf += k;
		n -= k;
	}
}

/* buf[0..n) to wait for et_out; the oldest waiting dropped past room. */
static void
queue(struct errtail *et, const char *buf, size_t n)
{
	size_t	drop;

	if (et->et_out == -1 || et->et_pend == NULL) {
		et->et_dropped += n;
		return;
	}
	if (et->et_pendlen + n > ERRTAIL_PEND) {
		drop = et->et_pendlen + n - ERRTAIL_PEND;
		if (drop > et->et_pendlen) {
			et->et_dropped += drop - et->et_pendlen;
			buf += drop - et->et_pendlen;
			n -= drop - et->et_pendlen;
			drop = et->et_pendlen;
		}
		et->et_pendoff += drop;
		et->et_pendlen -= drop;
		et->et_dropped += drop;
	}
	if (et->et_pendoff + et->et_pendlen + n > ERRTAIL_PEND) {
		memmove(et->et_pend, et->et_pend + et->et_pendoff,
		    et->et_pendlen);
		et->et_pendoff = 0;
	}
	memcpy(et->et_pend + et->et_pendoff + et->et_pendlen, buf, n);
	et->et_pendlen += n;
}

int
errtail_read(struct errtail *et)
{
	char	buf[ERRTAIL_CHUNK];
	ssize_t	n;

	while (et->et_fd != -1 && !et->et_eof) {
		n = read(et->et_fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == -1)
			return -1;
		if (n == 0) {
			et->et_eof = 1;
			break;
		}
		keep(et, buf, (size_t)n);
		queue(et, buf, (size_t)n);
		errtail_flush(et);
	}
	return 0;
}

/* Whether et_out takes a write now, waiting up to ms. */
static int
writable(const struct errtail *et, int ms)
{
	struct pollfd	pfd = { et->et_out, POLLOUT, 0 };
	int		r;

	do
		r = poll(&pfd, 1, ms);
	while (r == -1 && errno == EINTR);
	return r == 1 && (pfd.revents & POLLOUT);
}

/* One write of what waits, PIPE_BUF bytes at most. Returns 0 or -1. */
static int
pass_on(struct errtail *et)
{
	size_t	k = et->et_pendlen > PIPE_BUF ? PIPE_BUF : et->et_pendlen;
	ssize_t	n;

	do
		n = write(et->et_out, et->et_pend + et->et_pendoff, k);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -1;
	if (n <= 0) {
		/* It takes nothing any more: the rest goes nowhere. */
		et->et_dropped += et->et_pendlen;
		et->et_pendoff = et->et_pendlen = 0;
		et->et_out = -1;
		return -1;
	}
	et->et_pendoff += (size_t)n;
	et->et_pendlen -= (size_t)n;
	if (et->et_pendlen == 0)
		et->et_pendoff = 0;
	return 0;
}

void
errtail_flush(struct errtail *et)
{
	while (et->et_pendlen > 0 && et->et_out != -1 && writable(et, 0))
		if (pass_on(et) == -1)
			break;
}

void
errtail_drain(struct errtail *et, int ms)
{
	double	until = io_now() + ms / 1000.0, left;

	while (et->et_pendlen > 0 && et->et_out != -1) {
		left = until - io_now();
		if (!(left > 0) || !writable(et, (int)(left * 1000) + 1))
			break;
		if (pass_on(et) == -1 && et->et_out == -1)
			break;
	}
	et->et_dropped += et->et_pendlen;
	et->et_pendoff = et->et_pendlen = 0;
}

int
errtail_waiting(const struct errtail *et)
{
	return et->et_pendlen > 0 && et->et_out != -1;
}

size_t
errtail_copy(const struct errtail *et, char *buf, size_t cap)
{
	size_t	start, n = et->et_len, k;

	if (n > cap)
		n = cap;
	/* The last n bytes: they end at et_head. */
	start = (et->et_head + ERRTAIL_MAX - n) % ERRTAIL_MAX;
	k = ERRTAIL_MAX - start;
	if (k > n)
		k = n;
	memcpy(buf, et->et_ring + start, k);
	memcpy(buf + k, et->et_ring, n - k);
	return n;
}

void
errtail_close(struct errtail *et)
{
	errtail_spawned(et);
	if (et->et_fd != -1) {
		(void)errtail_read(et);
		(void)close(et->et_fd);
		et->et_fd = -1;
	}
	errtail_drain(et, 100);
}

void
errtail_free(struct errtail *et)
{
	if (et == NULL)
		return;
	errtail_close(et);
	free(et->et_pend);
	et->et_pend = NULL;
}
