/*
 * serve.h: the responder as a FastCGI process. One process, or --workers
 * N children of one parent, answer the requests of one listening socket:
 * the server's (standard input, for a responder it spawns) or --listen's.
 * Each worker accepts a connection, has its parameters read (conn.h),
 * answers its requests (respond.h), and goes on until SIGTERM or SIGINT,
 * which let the request in flight finish.
 */
#ifndef HOOKSPOOL_SERVE_H
#define HOOKSPOOL_SERVE_H

#include "activate.h"
#include "conn.h"
#include "listen.h"
#include "respond.h"

#define SERVE_WORKERS_MAX	256
/* --listen runs this many workers unless --workers says otherwise. */
#define SERVE_WORKERS_DEFAULT	2

/*
 * Set the process up to serve the listening socket fd: cn for its
 * connections (FCGI_WEB_SERVER_ADDRS read from the environment), SIGPIPE
 * ignored, TERM and INT stopping it gently. No timeout is set on the
 * listening socket: an idle worker waits in accept() for as long as it
 * takes, and each connection gets its deadline when it is accepted.
 * Returns 0, or -1 once the reason is printed.
 */
int serve_setup(int fd, struct conn *cn);

/*
 * Answer requests until told to stop: in this process when workers is 1,
 * else in that many children, replaced when one dies, while this process
 * passes TERM and INT on (and closes ls, which may be the server's socket
 * with no path) and waits for them. Once every worker can accept, READY=1
 * goes to an's socket (systemd's Type=notify), if it has one. Returns the
 * exit status: 0, or 1 when a worker could not be started, the notice
 * could not be sent, or signals could not be handled.
 */
int serve_run(struct responder *rs, struct listener *ls, struct conn *cn,
    long workers, const struct activate_notify *an);

#endif
