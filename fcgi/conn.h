/*
 * conn.h: one FastCGI connection, from accept() to a request libfcgi holds
 * ready to answer. hookspool accepts the connection and reads its
 * parameter phase itself, within the request's deadline and PARAMS_MAX
 * (params.h), so that no client can hold a worker with parameters that
 * trickle in or never end. libfcgi then parses those very bytes from a
 * socket pair that holds nothing else, and only then is given the
 * connection, for the body and the answer.
 */
#ifndef HOOKSPOOL_CONN_H
#define HOOKSPOOL_CONN_H

#include <signal.h>
#include <stddef.h>
#include <netinet/in.h>

#include <fcgiapp.h>

#include "params.h"

/* The most addresses FCGI_WEB_SERVER_ADDRS may list. */
#define CONN_ALLOW_MAX	64

struct conn {
	int		 cn_listen;	/* the listening socket */
	int		 cn_fd;		/* the connection, or -1 */
	int		 cn_kept;	/* cn_fd is one the server kept open */
	/* once *cn_stop is set, an idle kept connection is let go */
	volatile sig_atomic_t *cn_stop;
	char		 cn_remote[INET6_ADDRSTRLEN];	/* "" over unix */
	struct in_addr	 cn_allow[CONN_ALLOW_MAX];
	size_t		 cn_nallow;	/* 0: every peer may connect */
	size_t		 cn_len;	/* bytes of the phase in cn_buf */
	unsigned char	 cn_buf[PARAMS_MAX];
};

enum conn_status {
	CONN_READY,		/* the request is libfcgi's to serve */
	CONN_CLOSED,		/* the client closed; or a kept connection
				   stayed idle until the deadline, or until
				   *cn_stop */
	CONN_LATE,		/* parameters not complete by the deadline */
	CONN_TOO_LARGE,		/* parameters over PARAMS_MAX */
	CONN_BAD,		/* not a request this responder takes */
	CONN_ERROR		/* a system call failed */
};

/*
 * Set up cn for the listening socket listen_fd. allow is the value of
 * FCGI_WEB_SERVER_ADDRS (libfcgi's list of the IPv4 addresses a web
 * server may connect from, comma-separated), or NULL: when it lists
 * any, TCP peers not on it are refused (IPv6 ones too); unix peers are
 * not concerned. Returns 0, or -1 with the mistake in err.
 */
int conn_init(struct conn *cn, int listen_fd, const char *allow, char *err,
    size_t errlen);

/*
 * Wait for the next connection and accept it: 0 with cn_fd set (and
 * cn_remote, the peer's numeric address for TCP), or -1 with errno when
 * accept() fails in a way that retrying would not mend (EINVAL once
 * SIGTERM has put a socket that never listens in its place). Peers
 * refused by FCGI_WEB_SERVER_ADDRS are closed here, with one line on
 * stderr each.
 */
int conn_accept(struct conn *cn);

/*
 * Read the parameter phase of the next request on cn_fd, by deadline
 * (io_now() seconds), and hand the connection to libfcgi. req is set up
 * with FCGX_InitRequest(req, -1, 0), so that libfcgi never accepts
 * itself, and holds no request.
 * CONN_READY: req is as FCGX_Accept_r() leaves it, its ipcFd the
 * connection, and cn_fd is -1. Otherwise the connection is closed, cn_fd
 * is -1 and *reason (static) says why.
 */
enum conn_status conn_request(struct conn *cn, FCGX_Request *req,
    double deadline, const char **reason);

/*
 * After FCGX_Finish_r(req): take back the connection libfcgi kept open
 * (the server asked FCGI_KEEP_CONN), as cn_fd for the next
 * conn_request(). Returns 1 if there is one, 0 if not.
 */
int conn_kept(struct conn *cn, FCGX_Request *req);

/* Close cn_fd, if open. */
void conn_close(struct conn *cn);

#endif
