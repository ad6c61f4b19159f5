/*
 * hookspool.fcgi: the responder. One binary, three ways to run: as a CGI
 * program (one request, respond.c), as a FastCGI responder a server
 * spawns on its socket, or on a socket of its own with --listen (serve.c).
 * This file holds main(): the options, what every mode sets up first, and
 * the choice between them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <signal.h>

#include <fcgiapp.h>

#include "activate.h"
#include "config.h"
#include "conn.h"
#include "io.h"
#include "listen.h"
#include "log_stream.h"
#include "request.h"
#include "respond.h"
#include "serve.h"
#include "verify.h"

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

/* The command line: what main() is told. */
struct options {
	const char	*op_config;	/* -c */
	const char	*op_listen;	/* --listen */
	long		 op_workers;	/* --workers, 0 if not given */
};

/* Parse the command line into op; --help, --version and mistakes exit. */
static void
options(int argc, char *argv[], struct options *op)
{
	char	*end;
	int	 i;

	memset(op, 0, sizeof(*op));
	if (argc > 1 && args_from_query()) {
		fprintf(stderr, "hookspool.fcgi: ignoring the command-line "
		    "arguments a query string gave\n");
		argc = 1;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			if (printf("hookspool %s\n", PACKAGE_VERSION) < 0 ||
			    fflush(stdout) == EOF)
				exit(1);
			exit(0);
		} else if (strcmp(argv[i], "--help") == 0)
			usage(stdout, 0);
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			op->op_config = argv[++i];
		else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			op->op_listen = argv[++i];
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
			errno = 0;
			op->op_workers = strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || op->op_workers < 1 ||
			    op->op_workers > SERVE_WORKERS_MAX)
				usage(stderr, 2);
		} else
			usage(stderr, 2);
	}
}

/*
 * The FastCGI listening socket: the one systemd passed (activated), which
 * must be --listen's when that is given; else --listen's own; else the
 * server's, standard input. Returns 0, or -1 once the reason is printed.
 */
static int
listening_socket(struct listener *ls, const struct options *op,
    int activated)
{
	char	err[512];
	int	rc = 0;

	memset(ls, 0, sizeof(*ls));
	ls->ls_fd = 0;	/* a server that spawns us passes its socket as stdin */
	if (activated)
		rc = listener_adopt(ls, ACTIVATE_FD, op->op_listen, err,
		    sizeof(err));
	else if (op->op_listen != NULL)
		rc = listener_open(ls, op->op_listen, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "hookspool.fcgi: %s\n", err);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct options		 op;
	struct responder	 rs;
	struct request		 rq;
	struct listener		 ls;
	struct activate_notify	 an;
	static struct conn	 cn;	/* with its buffer: kept off the stack */
	char			 err[512];
	int			 activated, own, rc;

	/* Lines on stderr become JSON records when the config says so. */
	if (log_stream_install("hookspool.fcgi", NULL, "error") == -1)
		fprintf(stderr, "hookspool.fcgi: unable to set up the error "
		    "log's stream; its lines stay text\n");
	options(argc, argv, &op);
	if ((activated = activate_socket(err, sizeof(err))) == -1) {
		fprintf(stderr, "hookspool.fcgi: %s\n", err);
		return 1;
	}
	if (op.op_workers > 0 && op.op_listen == NULL && !activated)
		usage(stderr, 2);
	own = activated || op.op_listen != NULL;
	if (own && op.op_workers == 0)
		op.op_workers = SERVE_WORKERS_DEFAULT;
	if (startup() == -1)
		return 1;
	memset(&rs, 0, sizeof(rs));
	rs.rs_config = config_locate(op.op_config);
	if (!own && FCGX_IsCGI()) {
		rq.rq_fcgi = NULL;
		rq.rq_start = io_now();
		(void)respond_request(&rs, &rq);
		respond_drop(&rs);
		return 0;
	}

	/* FastCGI: spawned on the server's socket (fd 0), or our own. */
	if (activate_notify_init(&an, err, sizeof(err)) == -1) {
		fprintf(stderr, "hookspool.fcgi: %s\n", err);
		return 1;
	}
	if (listening_socket(&ls, &op, activated) == -1)
		return 1;
	if (serve_setup(ls.ls_fd, &cn) == -1) {
		if (own)
			listener_close(&ls);
		return 1;
	}
	rc = serve_run(&rs, &ls, &cn, op.op_workers, &an);
	if (own)
		listener_close(&ls);
	return rc;
}
