/*
 * fuzz_params.c: a FastCGI connection's parameter phase, served by the
 * responder's own code (conn_request() in fcgi/conn.c) from a socket pair
 * that holds the input and is then closed, so nothing ever waits: the
 * scanner (params.c), the hand-over to libfcgi's FCGX_Accept_r(), and the
 * connection put in place of the pair.
 *
 * Properties:
 *  - conn_request() answers what params_scan() says of the same bytes:
 *    CONN_READY for a complete phase, CONN_BAD or CONN_TOO_LARGE for one
 *    it refuses, CONN_CLOSED for one the input leaves unfinished. In
 *    particular libfcgi accepts every phase the scanner takes.
 *  - On CONN_READY, libfcgi's parameters are FCGI_ROLE and then exactly
 *    the pairs of the phase, in order, as "name=value" (up to a NUL byte
 *    of the input, where a C string ends); keepConnection is the
 *    BEGIN_REQUEST's flag; and the connection libfcgi now holds is at the
 *    byte after the phase: nothing past it was taken.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "conn.h"
#include "fuzz.h"
#include "io.h"
#include "params.h"

/* The phase and a little after it; more would only be refused sooner. */
#define INPUT_MAX	(PARAMS_MAX + 4096)

static const uint8_t	*cur_data;
static size_t		 cur_size;
static struct conn	 cn;

static void
fuzz_report(void)
{
	fuzz_dump("input", cur_data, cur_size);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	err[128];

	(void)argc;
	(void)argv;
	if (FCGX_Init() != 0 || conn_init(&cn, -1, NULL, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "fuzz_params: unable to set up\n");
		abort();
	}
	return 0;
}

/* The content of the phase's FCGI_PARAMS records, in order, into out. */
static size_t
params_content(const uint8_t *p, size_t end, uint8_t *out)
{
	size_t	off = 0, n = 0, clen;

	while (off + 8 <= end) {
		clen = (size_t)p[off + 4] << 8 | p[off + 5];
		if (p[off + 1] == FCGI_PARAMS) {
			memcpy(out + n, p + off + 8, clen);
			n += clen;
		}
		off += 8 + clen + p[off + 6];
	}
	return n;
}

/* One length of a pair at *at in c[0..n). */
static uint32_t
length(const uint8_t *c, size_t *at)
{
	uint32_t	v = c[*at];

	if ((v & 0x80) == 0) {
		*at += 1;
		return v;
	}
	v = (uint32_t)(c[*at] & 0x7f) << 24 | (uint32_t)c[*at + 1] << 16 |
	    (uint32_t)c[*at + 2] << 8 | c[*at + 3];
	*at += 4;
	return v;
}

/* libfcgi's parameters against the pairs of the phase. */
static void
check_pairs(const FCGX_Request *req, const struct params_scan *ps)
{
	static uint8_t	c[PARAMS_MAX], want[PARAMS_MAX + 2];
	size_t		n, at = 0, i = 1, wlen, got;
	uint32_t	nlen, vlen;

	FUZZ_CHECK(req->envp[0] != NULL &&
	    strncmp(req->envp[0], "FCGI_ROLE=", 10) == 0,
	    "first parameter %s", req->envp[0] ? req->envp[0] : "(none)");
	n = params_content(cur_data, ps->ps_end, c);
	while (at < n) {
		nlen = length(c, &at);
		vlen = length(c, &at);
		memcpy(want, c + at, nlen);
		want[nlen] = '=';
		memcpy(want + nlen + 1, c + at + nlen, vlen);
		wlen = nlen + 1 + vlen;
		at += nlen + vlen;
		FUZZ_CHECK(req->envp[i] != NULL, "pair %zu missing", i);
		got = strlen(req->envp[i]);
		FUZZ_CHECK(got <= wlen && memcmp(req->envp[i], want, got) == 0 &&
		    (got == wlen || want[got] == '\0'),
		    "pair %zu is \"%s\"", i, req->envp[i]);
		i++;
	}
	FUZZ_CHECK(req->envp[i] == NULL && i == ps->ps_npairs + 1,
	    "%zu parameters from libfcgi, %zu pairs scanned", i - 1,
	    ps->ps_npairs);
}

/* After CONN_READY: the connection libfcgi holds is right after the phase. */
static void
check_position(const FCGX_Request *req, const struct params_scan *ps,
    size_t size)
{
	static uint8_t	rest[INPUT_MAX];
	ssize_t		n;
	size_t		got;

	n = recv(req->ipcFd, rest, sizeof(rest), MSG_PEEK | MSG_DONTWAIT);
	FUZZ_CHECK(n >= 0, "unable to look at the connection: %s",
	    strerror(errno));
	got = n;
	FUZZ_CHECK(got == size - ps->ps_end &&
	    memcmp(rest, cur_data + ps->ps_end, got) == 0,
	    "%zu bytes left on the connection, not the %zu after the phase",
	    got, size - ps->ps_end);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct params_scan	 ps;
	enum params_status	 want;
	enum conn_status	 st;
	FCGX_Request		 req;
	const char		*reason = NULL;
	int			 sv[2];

	if (size > INPUT_MAX)
		return 0;
	cur_data = data;
	cur_size = size;
	params_scan_init(&ps);
	want = params_scan(&ps, data, size);

	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0, sv) == 0, "socketpair: %s", strerror(errno));
	FUZZ_CHECK(io_write_all(sv[1], data, size) == 0 && close(sv[1]) == 0,
	    "unable to fill the socket pair: %s", strerror(errno));
	FUZZ_CHECK(FCGX_InitRequest(&req, -1, 0) == 0, "FCGX_InitRequest");
	cn.cn_fd = sv[0];
	cn.cn_kept = 0;
	st = conn_request(&cn, &req, io_now() + 5, &reason);
	FUZZ_CHECK(cn.cn_fd == -1, "the connection was left with cn_fd");
	switch (want) {
	case PARAMS_DONE:
		FUZZ_CHECK(st == CONN_READY, "a complete phase gave %d (%s)",
		    st, reason ? reason : "");
		FUZZ_CHECK(req.keepConnection == ps.ps_keep,
		    "keepConnection %d, the flag %d", req.keepConnection,
		    ps.ps_keep);
		check_pairs(&req, &ps);
		check_position(&req, &ps, size);
		FCGX_Free(&req, 1);
		break;
	case PARAMS_BAD:
		FUZZ_CHECK(st == CONN_BAD, "a refused phase gave %d", st);
		break;
	case PARAMS_TOO_LARGE:
		FUZZ_CHECK(st == CONN_TOO_LARGE, "an oversized phase gave %d",
		    st);
		break;
	case PARAMS_MORE:
		FUZZ_CHECK(st == CONN_CLOSED, "an unfinished phase gave %d",
		    st);
		break;
	}
	FUZZ_CHECK(st == CONN_READY || req.ipcFd == -1,
	    "a refused connection left libfcgi a descriptor");
	return 0;
}
