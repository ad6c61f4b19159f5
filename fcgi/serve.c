/*
 * serve.c: the responder as a FastCGI process: its set-up, the loop that
 * accepts connections and answers their requests (conn.c, respond.c), and
 * the workers of --listen (see serve.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "activate.h"
#include "conn.h"
#include "io.h"
#include "listen.h"
#include "log.h"
#include "log_stream.h"
#include "request.h"
#include "respond.h"
#include "serve.h"

/*
 * A FastCGI worker's heap between requests. Blocks from this size up are
 * mapped on their own and unmapped when freed (glibc's default, which it
 * would otherwise raise for good after the first large body is freed), and
 * free memory at the top of the heap beyond it goes back to the system.
 * After a request whose body was at least RESPONDER_TRIM_BODY, the free
 * pages inside the heap (a large event's parsed objects) go back too.
 */
#define RESPONDER_MALLOC_THRESHOLD	(128 * 1024)
#define RESPONDER_TRIM_BODY		(64 * 1024)

static volatile sig_atomic_t terminating;
/* --workers: each new worker closes its ends once it can accept */
static int ready_pipe[2] = { -1, -1 };

/*
 * Stopping: SIGTERM (or SIGINT) lets the request in flight finish, then
 * the process exits. The handler sets the flag and puts a socket that
 * never listens in place of the listening one (dup2 is async-signal-safe),
 * so an accept() that is waiting, or about to, fails at once; the
 * handler is installed with SA_RESTART, so the reads and writes of the
 * request in flight carry on. New connections are refused from then on.
 */
static int term_listen_fd = -1;
static int term_dead_fd = -1;

static void
on_term(int sig)
{
	int	saved = errno;

	(void)sig;
	terminating = 1;
	if (term_listen_fd != -1 && term_dead_fd != -1)
		(void)dup2(term_dead_fd, term_listen_fd);
	errno = saved;
}

/*
 * One line on stderr (the server's error log, or the journal) for a
 * connection dropped before it made a request, with the status it would
 * have been answered had there been one.
 */
static void
log_dropped(const struct conn *cn, enum conn_status st, const char *reason)
{
	struct log_record	 r = LOG_RECORD_INIT;
	char			 line[LOG_LINE_MAX], why[256];
	size_t			 n;

	switch (st) {
	case CONN_LATE:
		r.lr_status = 408;
		break;
	case CONN_TOO_LARGE:
		r.lr_status = 431;
		break;
	case CONN_BAD:
		r.lr_status = 400;
		break;
	default:
		r.lr_status = 500;
		break;
	}
	r.lr_level = r.lr_status >= 500 ? "error" : "warning";
	if (st == CONN_ERROR)
		snprintf(why, sizeof(why), "connection dropped: %s: %s",
		    reason, strerror(errno));
	else
		snprintf(why, sizeof(why), "connection dropped: %s", reason);
	r.lr_remote = cn->cn_remote;
	r.lr_reason = why;
	n = log_stream_is_json() ? log_record_json(line, &r, NULL) :
	    log_record_text(line, &r);
	if (write(STDERR_FILENO, line, n) < 0)
		return;	/* nowhere left to report it */
}

/*
 * Answer one request that conn_request() made ready, started at start:
 * the parameters' deadline goes on for the body, then the answer and the
 * close get REQ_CLOSE_WAIT seconds. Returns the body's length, or 0.
 */
static long long
serve_one(struct responder *rs, FCGX_Request *req, double start)
{
	struct request	rq;
	long long	len;

	rq.rq_fcgi = req;
	rq.rq_start = start;
	if (req_timer_arm(start + REQ_DEADLINE - io_now()) == -1) {
		fprintf(stderr, "hookspool.fcgi: unable to set a request's "
		    "deadline: %s\n", strerror(errno));
		FCGX_Free(req, 1);
		return 0;
	}
	len = respond_request(rs, &rq);
	if (req_timer_arm(REQ_CLOSE_WAIT) == -1)
		req->keepConnection = 0;
	FCGX_Finish_r(req);
	if (req_timer_disarm() == -1)
		fprintf(stderr, "hookspool.fcgi: unable to clear a request's "
		    "deadline: %s\n", strerror(errno));
	return len;
}

/* Answer requests on cn's listening socket until told to stop. */
static void
serve_loop(struct responder *rs, struct conn *cn)
{
	FCGX_Request		 req;
	enum conn_status	 st;
	const char		*reason;
	double			 start;
	long long		 len;
	int			 trim;

	/* -1: libfcgi never accepts; conn_accept() does */
	if (FCGX_InitRequest(&req, -1, 0) != 0) {
		fprintf(stderr, "hookspool.fcgi: unable to set up a request\n");
		exit(1);
	}
	cn->cn_stop = &terminating;
	/*
	 * Fixed thresholds. mallopt() fails only where glibc's allocator is
	 * not the one in use (a sanitizer's): nothing to tune or trim then.
	 */
	trim = mallopt(M_MMAP_THRESHOLD, RESPONDER_MALLOC_THRESHOLD) == 1 &&
	    mallopt(M_TRIM_THRESHOLD, RESPONDER_MALLOC_THRESHOLD) == 1;
	while (!terminating) {
		if (!conn_kept(cn, &req) && conn_accept(cn) == -1) {
			if (!terminating)
				fprintf(stderr, "hookspool.fcgi: unable to "
				    "accept a connection: %s\n", strerror(errno));
			break;
		}
		start = io_now();
		st = conn_request(cn, &req, start + REQ_DEADLINE, &reason);
		if (st != CONN_READY) {
			if (st != CONN_CLOSED)
				log_dropped(cn, st, reason);
			continue;
		}
		len = serve_one(rs, &req, start);
		/* 1 if memory was returned, 0 if none was free: both fine */
		if (trim && len >= RESPONDER_TRIM_BODY)
			(void)malloc_trim(0);
	}
	FCGX_Free(&req, 1);
	respond_drop(rs);
}

/* A worker for serve_workers: returns its pid, or -1. */
static pid_t
spawn_worker(struct responder *rs, struct conn *cn, const sigset_t *mask)
{
	pid_t	pid, parent = getpid();

	if ((pid = fork()) == -1) {
		fprintf(stderr, "hookspool.fcgi: unable to fork: %s\n",
		    strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* A worker does not outlive its parent (kill -9 included). */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1 ||
		    getppid() != parent) {
			fprintf(stderr, "hookspool.fcgi: the parent of worker "
			    "%ld is gone\n", (long)getpid());
			_exit(1);
		}
		if (sigprocmask(SIG_SETMASK, mask, NULL) == -1) {
			fprintf(stderr, "hookspool.fcgi: unable to unblock "
			    "signals: %s\n", strerror(errno));
			_exit(1);
		}
		/* ready to accept: the parent may tell systemd so */
		if (ready_pipe[0] != -1 && (close(ready_pipe[0]) == -1 ||
		    close(ready_pipe[1]) == -1)) {
			fprintf(stderr, "hookspool.fcgi: unable to close a "
			    "pipe: %s\n", strerror(errno));
			_exit(1);
		}
		ready_pipe[0] = ready_pipe[1] = -1;
		serve_loop(rs, cn);
		exit(0);
	}
	return pid;
}

/* Stop taking connections and pass TERM on to the workers still running. */
static void
stop_workers(struct listener *ls, const pid_t *pids, long workers)
{
	long	i;

	if (terminating)
		return;
	terminating = 1;
	listener_close(ls);
	for (i = 0; i < workers; i++)
		if (pids[i] > 0 && kill(pids[i], SIGTERM) == -1)
			fprintf(stderr, "hookspool.fcgi: unable to stop worker "
			    "%ld: %s\n", (long)pids[i], strerror(errno));
}

/*
 * Start the workers, then, once each can accept (each has closed its ends
 * of ready_pipe, or died), tell systemd the service is ready. Returns how
 * many were started; *rc is 1 when one could not be, or the notice
 * failed, and then they are being stopped.
 */
static long
start_workers(struct responder *rs, struct listener *ls, struct conn *cn,
    pid_t *pids, long workers, const sigset_t *mask,
    const struct activate_notify *an, int *rc)
{
	char	err[256], c;
	long	i, alive = 0;
	ssize_t	n;

	if (pipe2(ready_pipe, O_CLOEXEC) == -1) {
		fprintf(stderr, "hookspool.fcgi: unable to make a pipe: %s\n",
		    strerror(errno));
		*rc = 1;
		return 0;
	}
	for (i = 0; i < workers; i++) {
		if ((pids[i] = spawn_worker(rs, cn, mask)) == -1) {
			pids[i] = 0;
			*rc = 1;
			break;
		}
		alive++;
	}
	if (close(ready_pipe[1]) == -1)
		n = -1;
	else
		while ((n = read(ready_pipe[0], &c, 1)) == -1 && errno == EINTR)
			continue;
	if (n == -1 || close(ready_pipe[0]) == -1) {
		fprintf(stderr, "hookspool.fcgi: unable to wait for the "
		    "workers: %s\n", strerror(errno));
		*rc = 1;
	}
	ready_pipe[0] = ready_pipe[1] = -1;
	if (*rc == 0 && activate_ready(an, err, sizeof(err)) == -1) {
		fprintf(stderr, "hookspool.fcgi: %s\n", err);
		*rc = 1;
	}
	if (*rc != 0)
		stop_workers(ls, pids, workers);
	return alive;
}

/*
 * --workers N: N children share the listening socket. The parent waits
 * for signals only: TERM or INT is passed on to every child, the socket is
 * closed (and removed, if this process made it) at once, and the parent
 * exits when the last child has finished its request. A child that dies
 * otherwise is replaced after a second (no tight loop when a child cannot
 * start). Returns the exit status.
 */
static int
serve_workers(struct responder *rs, struct listener *ls, struct conn *cn,
    long workers, const struct activate_notify *an)
{
	pid_t		pids[SERVE_WORKERS_MAX], pid;
	sigset_t	set, old;
	siginfo_t	si;
	long		i, alive;
	int		status, rc = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &old) == -1) {
		fprintf(stderr, "hookspool.fcgi: unable to block signals: %s\n",
		    strerror(errno));
		return 1;
	}
	memset(pids, 0, sizeof(pids));
	alive = start_workers(rs, ls, cn, pids, workers, &old, an, &rc);
	while (alive > 0) {
		if (sigwaitinfo(&set, &si) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "hookspool.fcgi: unable to wait for "
			    "signals: %s\n", strerror(errno));
			stop_workers(ls, pids, workers);
			return 1;
		}
		if (si.si_signo != SIGCHLD) {
			stop_workers(ls, pids, workers);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < workers && pids[i] != pid; i++)
				continue;
			if (i == workers)
				continue;
			pids[i] = 0;
			alive--;
			if (terminating)
				continue;
			fprintf(stderr, "hookspool.fcgi: worker %ld %s %d; "
			    "starting another\n", (long)pid,
			    WIFSIGNALED(status) ? "killed by signal" :
			    "exited", WIFSIGNALED(status) ? WTERMSIG(status) :
			    WEXITSTATUS(status));
			(void)sleep(1);
			pids[i] = spawn_worker(rs, cn, &old);
			if (pids[i] == -1) {
				pids[i] = 0;
				rc = 1;
				stop_workers(ls, pids, workers);
				continue;
			}
			alive++;
		}
	}
	return rc;
}

int
serve_setup(int fd, struct conn *cn)
{
	struct sigaction	 sa;
	char			 err[256];

	if (conn_init(cn, fd, getenv("FCGI_WEB_SERVER_ADDRS"), err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "hookspool.fcgi: %s\n", err);
		return -1;
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		fprintf(stderr, "hookspool.fcgi: unable to ignore SIGPIPE\n");
		return -1;
	}
	if ((term_dead_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
	    -1) {
		fprintf(stderr, "hookspool.fcgi: unable to create a "
		    "socket: %s\n", strerror(errno));
		return -1;
	}
	term_listen_fd = fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		fprintf(stderr, "hookspool.fcgi: unable to handle signals\n");
		return -1;
	}
	return 0;
}

int
serve_run(struct responder *rs, struct listener *ls, struct conn *cn,
    long workers, const struct activate_notify *an)
{
	char	err[256];

	if (workers > 1)
		return serve_workers(rs, ls, cn, workers, an);
	if (activate_ready(an, err, sizeof(err)) == -1) {
		fprintf(stderr, "hookspool.fcgi: %s\n", err);
		return 1;
	}
	serve_loop(rs, cn);
	return 0;
}
