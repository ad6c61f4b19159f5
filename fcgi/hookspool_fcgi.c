/*
 * hookspool.fcgi: the responder. One request flows one way:
 * request -> verify -> event -> spool -> response. This file is the only
 * one that knows HTTP and libfcgi; the stages live in src/.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "config.h"
#include "conn.h"
#include "event.h"
#include "io.h"
#include "listen.h"
#include "request.h"
#include "log.h"
#include "number.h"
#include "scheme.h"
#include "spool.h"
#include "verify.h"

/* Under CGI, a body over max_body is read and dropped up to this bound. */
#define CGI_DRAIN_MAX	(16 * 1024 * 1024)
#define WORKERS_MAX	256
/* --listen runs this many workers unless --workers says otherwise. */
#define WORKERS_DEFAULT	2
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

enum outcome {
	OUT_CONFIG,
	OUT_NO_WEBHOOK,
	OUT_METHOD,
	OUT_NO_LENGTH,
	OUT_TOO_LARGE,
	OUT_SHORT_BODY,
	OUT_TIMEOUT,
	OUT_SIGNATURE,
	OUT_BAD_EVENT,
	OUT_IGNORED,
	OUT_DUPLICATE,
	OUT_ACCEPTED,
	OUT_CHALLENGE,
	OUT_SPOOL
};

/* The status table (hookspool.fcgi(8), ANSWERS): what each outcome answers. */
static const struct {
	int		 st_code;
	const char	*st_phrase;
	const char	*st_header;	/* extra header line, or NULL */
	const char	*st_body;	/* JSON body (accepted adds the id) */
} statuses[] = {
	[OUT_CONFIG] = { 500, "Internal Server Error", NULL,
	    "{\"status\":\"error\",\"error\":\"configuration unusable\"}" },
	[OUT_NO_WEBHOOK] = { 404, "Not Found", NULL,
	    "{\"status\":\"error\",\"error\":\"no webhook here\"}" },
	[OUT_METHOD] = { 405, "Method Not Allowed", "Allow: POST\r\n",
	    "{\"status\":\"error\",\"error\":\"method not allowed\"}" },
	[OUT_NO_LENGTH] = { 411, "Length Required", NULL,
	    "{\"status\":\"error\",\"error\":\"length required\"}" },
	[OUT_TOO_LARGE] = { 413, "Payload Too Large", NULL,
	    "{\"status\":\"error\",\"error\":\"body too large\"}" },
	[OUT_SHORT_BODY] = { 400, "Bad Request", NULL,
	    "{\"status\":\"error\",\"error\":\"body shorter than its length\"}" },
	[OUT_TIMEOUT] = { 408, "Request Timeout", NULL,
	    "{\"status\":\"error\",\"error\":\"body not received in time\"}" },
	[OUT_SIGNATURE] = { 401, "Unauthorized", NULL,
	    "{\"status\":\"error\",\"error\":\"bad signature\"}" },
	[OUT_BAD_EVENT] = { 400, "Bad Request", NULL,
	    "{\"status\":\"error\",\"error\":\"not a valid event\"}" },
	[OUT_IGNORED] = { 200, "OK", NULL, "{\"status\":\"ignored\"}" },
	[OUT_DUPLICATE] = { 200, "OK", NULL, "{\"status\":\"duplicate\"}" },
	[OUT_ACCEPTED] = { 200, "OK", NULL, NULL },
	[OUT_CHALLENGE] = { 200, "OK", NULL, NULL },	/* Slack's */
	[OUT_SPOOL] = { 503, "Service Unavailable", "Retry-After: 60\r\n",
	    "{\"status\":\"error\",\"error\":\"spool unavailable, retry later\"}" },
};

/*
 * What the responder keeps between requests. The config's path is fixed
 * when the process starts: no request parameter ever chooses it, since
 * whoever can reach a FastCGI socket would then choose the secret.
 */
struct responder {
	const char	*rs_config;		/* the config's path */
	struct config	*rs_cf;
	struct spool	**rs_spools;		/* one per webhook, lazily */
	char		 rs_cf_err[CONFIG_ERR_MAX];
};

static volatile sig_atomic_t terminating;

static void
respond(const struct request *rq, enum outcome out, const char *webhook,
    const struct event *ev, const char *reason)
{
	char	*buf = NULL, *body = NULL;
	int	 n;

	if (out == OUT_ACCEPTED || out == OUT_CHALLENGE) {
		if (asprintf(&body, out == OUT_ACCEPTED ?
		    "{\"status\":\"accepted\",\"id\":%s}" :
		    "{\"challenge\":%s}", ev->ev_id_json) < 0)
			body = NULL;
	}
	n = asprintf(&buf, "Status: %d %s\r\nContent-Type: application/json\r\n"
	    "%s\r\n%s\n", statuses[out].st_code, statuses[out].st_phrase,
	    statuses[out].st_header ? statuses[out].st_header : "",
	    body != NULL ? body : statuses[out].st_body ?
	    statuses[out].st_body : "{\"status\":\"accepted\"}");
	if (n >= 0 && req_write(rq, buf, n) == -1)
		reason = reason ? reason : "unable to send the response";
	if (statuses[out].st_code >= 300 || n < 0)
		req_log(rq, statuses[out].st_code, webhook,
		    ev != NULL ? ev->ev_id : NULL, reason);
	if (n >= 0)
		free(buf);
	free(body);
}

static void
drop_config(struct responder *rs)
{
	size_t	i;

	if (rs->rs_cf != NULL) {
		for (i = 0; i < rs->rs_cf->cf_nwebhooks; i++)
			spool_close(rs->rs_spools[i]);
	}
	free(rs->rs_spools);
	rs->rs_spools = NULL;
	config_free(rs->rs_cf);
	rs->rs_cf = NULL;
}

/* The config for this request, re-read when it or a secret changed. */
static const struct config *
current_config(struct responder *rs)
{
	struct config	*cf;

	if (rs->rs_cf != NULL && !config_changed(rs->rs_cf))
		return rs->rs_cf;
	drop_config(rs);
	if (config_load(rs->rs_config, &cf, rs->rs_cf_err, sizeof(rs->rs_cf_err)) == -1)
		return NULL;
	if ((rs->rs_spools = calloc(cf->cf_nwebhooks, sizeof(*rs->rs_spools))) ==
	    NULL) {
		snprintf(rs->rs_cf_err, sizeof(rs->rs_cf_err), "out of memory");
		config_free(cf);
		return NULL;
	}
	rs->rs_cf = cf;
	return cf;
}

static struct spool *
webhook_spool(struct responder *rs, const struct config_webhook *wh,
    const char **reason)
{
	size_t	i = wh - rs->rs_cf->cf_webhooks;

	/* A spool moved or removed under us is opened (created) anew. */
	if (rs->rs_spools[i] != NULL && spool_stale(rs->rs_spools[i])) {
		spool_close(rs->rs_spools[i]);
		rs->rs_spools[i] = NULL;
	}
	if (rs->rs_spools[i] == NULL &&
	    spool_open(wh->wh_spool, rs->rs_cf->cf_fsync,
	    rs->rs_cf->cf_group_readable, &rs->rs_spools[i], reason) == -1)
		return NULL;
	return rs->rs_spools[i];
}

/* CONTENT_LENGTH as a number, or -1 when missing or not a number. */
static long long
content_length(const char *s)
{
	unsigned long long	v;

	if (s == NULL || number_parse(s, NULL, 0, LLONG_MAX, &v) != NUMBER_OK)
		return -1;
	return (long long)v;
}

static void
drain_input(const struct request *rq, long long len)
{
	char	buf[16384];
	ssize_t	n;

	if (len > CGI_DRAIN_MAX)
		len = CGI_DRAIN_MAX;
	if (req_timer_arm(REQ_DEADLINE) == -1)
		return;
	while (len > 0) {
		n = req_read(rq, buf, len < (long long)sizeof(buf) ?
		    (size_t)len : sizeof(buf));
		if (n <= 0)
			break;
		len -= n;
	}
	(void)req_timer_disarm();	/* a timer left armed only ends this CGI */
}

/*
 * Read the body of a request whose CONTENT_LENGTH is len (at most
 * max_body) within the deadline: under FastCGI the one armed when the
 * request started, as CGI REQ_DEADLINE from now. The timer is disarmed
 * once the body is in. Returns the body (the caller frees it), or NULL
 * with the outcome to answer in *out and a reason in *reason.
 */
static char *
read_body(const struct request *rq, long long len, enum outcome *out,
    const char **reason)
{
	char		*body;
	ssize_t		 got;
	int		 saved;

	if ((body = malloc(len + 1)) == NULL) {
		*out = OUT_SPOOL;
		*reason = "out of memory";
		return NULL;
	}
	if (rq->rq_fcgi == NULL && req_timer_arm(REQ_DEADLINE) == -1) {
		*out = OUT_SPOOL;
		*reason = "unable to set the body's deadline";
		free(body);
		return NULL;
	}
	got = req_read(rq, body, len);
	saved = errno;
	if (req_timer_disarm() == -1 && got == len) {
		*out = OUT_SPOOL;
		*reason = "unable to clear the body's deadline";
	} else if (got == len)
		return body;
	else if (got < 0 && saved == ETIMEDOUT) {
		*out = OUT_TIMEOUT;
		*reason = "body not complete within 30 s";
	} else {
		*out = OUT_SHORT_BODY;
		*reason = got < 0 ? "unable to read the body" :
		    "body shorter than CONTENT_LENGTH";
	}
	free(body);
	return NULL;
}

static const char *
header_of(void *arg, const char *cgi_name)
{
	return req_param(arg, cgi_name);
}

/*
 * Verify the body as the webhook's scheme says, then check the event.
 * Returns OUT_ACCEPTED with ev filled, or the outcome to answer.
 */
static enum outcome
check_request(const struct request *rq, const struct config_webhook *wh,
    const char *body, long long len, struct event *ev, const char **reason)
{
	struct scheme_request	sr;

	sr.sr_header = header_of;
	sr.sr_arg = (void *)rq;
	sr.sr_body = body;
	sr.sr_len = len;
	sr.sr_now = time(NULL);
	switch (scheme_check(wh, &sr, ev, reason)) {
	case SCHEME_OK:
		return OUT_ACCEPTED;
	case SCHEME_EVENT:
		return OUT_BAD_EVENT;
	case SCHEME_IGNORED:
		*reason = NULL;
		return OUT_IGNORED;
	case SCHEME_CHALLENGE:
		*reason = NULL;
		return OUT_CHALLENGE;
	default:
		return OUT_SIGNATURE;
	}
}

/* Spool the checked event ev, whose body is body[0..len), and answer. */
static void
deliver(const struct request *rq, const struct config *cf,
    const struct config_webhook *wh, struct spool *sp, char *body,
    long long len, const struct event *ev)
{
	struct spool_entry	 se;
	struct timespec		 when;
	const char		*reason;
	char			 name[SPOOL_NAME_MAX], why[256];
	size_t			 linelen;

	se.se_body = event_flatten(body, len, &linelen);
	se.se_bodylen = linelen;
	se.se_webhook = wh->wh_name;
	se.se_id = ev->ev_id;
	se.se_id_json = ev->ev_id_json;
	se.se_type_json = ev->ev_type_json;
	switch (spool_deliver(sp, &se, cf->cf_dedup, name, &when, &reason)) {
	case SPOOL_DELIVERED:
		respond(rq, OUT_ACCEPTED, wh->wh_name, ev, NULL);
		break;
	case SPOOL_DUPLICATE:
		respond(rq, OUT_DUPLICATE, wh->wh_name, ev, NULL);
		break;
	case SPOOL_ERROR:
		snprintf(why, sizeof(why), "%s: %s", reason, strerror(errno));
		respond(rq, OUT_SPOOL, wh->wh_name, ev, why);
		break;
	}
}

/* Answer one request. Returns the length of the body it read, or 0. */
static long long
handle(struct responder *rs, const struct request *rq)
{
	const struct config		*cf;
	const struct config_webhook	*wh;
	struct spool			*sp;
	struct event			 ev;
	const char			*method, *reason = NULL;
	char				 why[256], *body = NULL;
	long long			 len;
	enum outcome			 out;

	memset(&ev, 0, sizeof(ev));
	if ((cf = current_config(rs)) == NULL) {
		respond(rq, OUT_CONFIG, NULL, NULL, rs->rs_cf_err);
		return 0;
	}
	if ((wh = config_find_webhook(cf, req_param(rq, "PATH_INFO"))) == NULL) {
		respond(rq, OUT_NO_WEBHOOK, NULL, NULL, "no webhook for this path");
		return 0;
	}
	method = req_param(rq, "REQUEST_METHOD");
	if (method == NULL || strcmp(method, "POST") != 0) {
		respond(rq, OUT_METHOD, wh->wh_name, NULL, "method is not POST");
		return 0;
	}
	if ((len = content_length(req_param(rq, "CONTENT_LENGTH"))) == -1) {
		respond(rq, OUT_NO_LENGTH, wh->wh_name, NULL,
		    "CONTENT_LENGTH missing or not a number");
		return 0;
	}
	if ((unsigned long long)len > cf->cf_max_body) {
		if (rq->rq_fcgi == NULL)
			drain_input(rq, len);
		respond(rq, OUT_TOO_LARGE, wh->wh_name, NULL,
		    "body larger than max_body");
		return 0;
	}
	if ((body = read_body(rq, len, &out, &reason)) == NULL) {
		if (out == OUT_TIMEOUT && rq->rq_fcgi != NULL)
			rq->rq_fcgi->keepConnection = 0;
		respond(rq, out, wh->wh_name, NULL, reason);
		return 0;
	}
	if ((out = check_request(rq, wh, body, len, &ev, &reason)) != OUT_ACCEPTED) {
		respond(rq, out, wh->wh_name, out == OUT_CHALLENGE ? &ev : NULL,
		    reason);
		goto done;
	}
	if (!event_type_matches(ev.ev_type, wh->wh_events, wh->wh_nevents)) {
		respond(rq, OUT_IGNORED, wh->wh_name, &ev, NULL);
		goto done;
	}
	if ((sp = webhook_spool(rs, wh, &reason)) == NULL) {
		snprintf(why, sizeof(why), "%s %s: %s", reason, wh->wh_spool,
		    strerror(errno));
		respond(rq, OUT_SPOOL, wh->wh_name, &ev, why);
		goto done;
	}
	deliver(rq, cf, wh, sp, body, len, &ev);
done:
	event_clear(&ev);
	free(body);
	return len;
}

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

/* The usage on f, then exit: 0 for --help, 2 for a usage error. */
static void
usage(FILE *f, int status)
{
	if ((fprintf(f, "usage: hookspool.fcgi [-c FILE] "
	    "[--listen SOCKET|HOST:PORT [--workers N]]\n"
	    "       hookspool.fcgi --version | --help\n") < 0 ||
	    fflush(f) == EOF) && status == 0)
		status = 1;
	exit(status);
}

/*
 * One line on stderr (the server's error log, or the journal) for a
 * connection dropped before it made a request, with the status it would
 * have been answered had there been one.
 */
static void
log_dropped(const struct conn *cn, enum conn_status st, const char *reason)
{
	char	line[LOG_LINE_MAX], why[256];
	size_t	n;
	int	status;

	switch (st) {
	case CONN_LATE:
		status = 408;
		break;
	case CONN_TOO_LARGE:
		status = 431;
		break;
	case CONN_BAD:
		status = 400;
		break;
	default:
		status = 500;
		break;
	}
	if (st == CONN_ERROR)
		snprintf(why, sizeof(why), "connection dropped: %s: %s",
		    reason, strerror(errno));
	else
		snprintf(why, sizeof(why), "connection dropped: %s", reason);
	n = log_format(line, status, NULL, cn->cn_remote, NULL, why);
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
	if (req_timer_arm(start + REQ_DEADLINE - io_now()) == -1) {
		fprintf(stderr, "hookspool.fcgi: unable to set a request's "
		    "deadline: %s\n", strerror(errno));
		FCGX_Free(req, 1);
		return 0;
	}
	len = handle(rs, &rq);
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
serve(struct responder *rs, struct conn *cn)
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
	drop_config(rs);
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
		serve(rs, cn);
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
 * --workers N: N children share the listening socket. The parent waits
 * for signals only: TERM or INT is passed on to every child, the socket is
 * closed and removed at once, and the parent exits when the last child
 * has finished its request. A child that dies otherwise is replaced after
 * a second (no tight loop when a child cannot start). Returns the exit
 * status.
 */
static int
serve_workers(struct responder *rs, struct listener *ls, struct conn *cn,
    long workers)
{
	pid_t		pids[WORKERS_MAX], pid;
	sigset_t	set, old;
	siginfo_t	si;
	long		i, alive = 0;
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
	for (i = 0; i < workers; i++) {
		if ((pids[i] = spawn_worker(rs, cn, &old)) == -1) {
			pids[i] = 0;
			rc = 1;
			stop_workers(ls, pids, workers);
			break;
		}
		alive++;
	}
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

/*
 * What every mode needs before the first request: keys kept out of core
 * dumps and out of reach of the user's other processes (a pipe in
 * core_pattern ignores RLIMIT_CORE; PR_SET_DUMPABLE also closes
 * /proc/PID/mem), the body's deadline signal, libgcrypt and libfcgi.
 * Returns 0, or -1 once the reason is printed.
 */
static int
startup(void)
{
	struct rlimit		 rl = { 0, 0 };
	struct sigaction	 sa;
	const char		*reason;

	if (setrlimit(RLIMIT_CORE, &rl) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		fprintf(stderr, "hookspool.fcgi: unable to disable core "
		    "dumps: %s\n", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = req_on_alarm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1) {
		fprintf(stderr, "hookspool.fcgi: unable to handle SIGALRM\n");
		return -1;
	}
	if (verify_init(&reason) == -1) {
		fprintf(stderr, "hookspool.fcgi: %s\n", reason);
		return -1;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "hookspool.fcgi: unable to initialise "
		    "libfcgi\n");
		return -1;
	}
	return 0;
}

/*
 * FastCGI set-up: the connections on fd (its FCGI_WEB_SERVER_ADDRS read
 * into cn), SIGPIPE ignored, and TERM and INT stopping the process gently.
 * No timeout is set on the listening socket: an idle worker waits in
 * accept() for as long as it takes, and each connection gets its deadline
 * when it is accepted.
 */
static int
fastcgi_setup(int fd, struct conn *cn)
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

/*
 * Whether this is a CGI request whose arguments came from its query
 * string. A CGI server (Apache's mod_cgi) turns a query string with no
 * "=" into command-line arguments (RFC 3875, 4.4): "?-c+/tmp/x.conf"
 * would choose the config, and so the secret, and "?--listen+..." would
 * keep the process. A FastCGI process (its standard input a listening
 * socket) is left alone: its arguments are the administrator's.
 */
static int
args_from_query(void)
{
	const char	*q = getenv("QUERY_STRING");

	return getenv("GATEWAY_INTERFACE") != NULL && q != NULL && *q != '\0' &&
	    strchr(q, '=') == NULL && FCGX_IsCGI();
}

int
main(int argc, char *argv[])
{
	struct responder	 rs;
	struct request		 rq;
	struct listener		 ls;
	static struct conn	 cn;	/* with its buffer: kept off the stack */
	const char		*listen_on = NULL, *cli_config = NULL;
	char			*end, err[512];
	long			 workers = 0;
	int			 i, rc = 0;

	memset(&rs, 0, sizeof(rs));
	if (argc > 1 && args_from_query()) {
		fprintf(stderr, "hookspool.fcgi: ignoring the command-line "
		    "arguments a query string gave\n");
		argc = 1;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			if (printf("hookspool %s\n", PACKAGE_VERSION) < 0 ||
			    fflush(stdout) == EOF)
				return 1;
			return 0;
		} else if (strcmp(argv[i], "--help") == 0)
			usage(stdout, 0);
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			cli_config = argv[++i];
		else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			listen_on = argv[++i];
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
			errno = 0;
			workers = strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || workers < 1 ||
			    workers > WORKERS_MAX)
				usage(stderr, 2);
		} else
			usage(stderr, 2);
	}
	if (workers > 0 && listen_on == NULL)
		usage(stderr, 2);
	if (listen_on != NULL && workers == 0)
		workers = WORKERS_DEFAULT;
	if (startup() == -1)
		return 1;
	rs.rs_config = config_locate(cli_config);
	if (listen_on == NULL && FCGX_IsCGI()) {
		rq.rq_fcgi = NULL;
		(void)handle(&rs, &rq);
		drop_config(&rs);
		return 0;
	}

	/* FastCGI: spawned on the server's socket (fd 0), or --listen. */
	memset(&ls, 0, sizeof(ls));
	ls.ls_fd = 0;	/* a server that spawns us passes its socket as stdin */
	if (listen_on != NULL &&
	    listener_open(&ls, listen_on, err, sizeof(err)) == -1) {
		fprintf(stderr, "hookspool.fcgi: %s\n", err);
		return 1;
	}
	if (fastcgi_setup(ls.ls_fd, &cn) == -1) {
		if (listen_on != NULL)
			listener_close(&ls);
		return 1;
	}
	if (workers > 1)
		rc = serve_workers(&rs, &ls, &cn, workers);
	else
		serve(&rs, &cn);
	if (listen_on != NULL)
		listener_close(&ls);
	return rc;
}
