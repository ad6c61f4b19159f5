/*
 * request.h: a request's parameters, body and answer, the same for
 * FastCGI and plain CGI; and the timer behind its deadlines.
 */
#ifndef HOOKSPOOL_REQUEST_H
#define HOOKSPOOL_REQUEST_H

#include <signal.h>
#include <sys/types.h>

#include <fcgiapp.h>

#include "log.h"

/*
 * The request's parameters and its whole body must arrive within this
 * many seconds of its start: the accept() of its connection under FastCGI
 * (or the end of the previous request on a connection the server keeps),
 * the start of the body's read as CGI.
 */
#define REQ_DEADLINE		30
/* Sending the answer and closing the connection take at most this long. */
#define REQ_CLOSE_WAIT		5

/* One request, from FastCGI (rq_fcgi set) or plain CGI (the process's own). */
struct request {
	FCGX_Request	*rq_fcgi;
	double		 rq_start;	/* io_now() at its start (REQ_DEADLINE) */
};

/* Set by SIGALRM once the deadline req_timer_arm() set has passed. */
extern volatile sig_atomic_t req_late;

/* A parameter (CGI variable) of rq, or NULL. The result belongs to rq. */
const char *req_param(const struct request *rq, const char *name);

/*
 * Read up to len bytes of the body into buf; fewer only at the end of the
 * input. Returns the count, or -1 with errno; ETIMEDOUT once the body's
 * deadline has passed.
 */
ssize_t req_read(const struct request *rq, char *buf, size_t len);

/* Write all of buf[0..len) as the answer. Returns 0, or -1. */
int req_write(const struct request *rq, const char *buf, size_t len);

/*
 * Log one record r for a request on the server's error log: FastCGI's
 * stderr stream, or the process's stderr under CGI; as text, or as JSON
 * while log_stream_is_json() (the config's log_format). The remote
 * address is the request's REMOTE_ADDR. r is the caller's.
 */
void req_log(const struct request *rq, struct log_record *r);

/* The SIGALRM handler behind the deadline: install it without SA_RESTART. */
void req_on_alarm(int sig);

/*
 * Arm the timer: SIGALRM seconds from now (a millisecond at least), then
 * every tenth of a second until disarmed, so that a read or poll that
 * waits past the deadline is interrupted even if it began just after a
 * signal. req_late is cleared. Returns 0, or -1 with errno.
 */
int req_timer_arm(double seconds);

/* Disarm the timer and clear req_late. Returns 0, or -1 with errno. */
int req_timer_disarm(void);

#endif
