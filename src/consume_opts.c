/*
 * consume_opts.c: the consume verb's options: the table its --help shows,
 * their defaults, the checks of each and of how they go together, and
 * what follows from them (the worker's name, the keys it uses). Split
 * from consume.c, which runs the worker.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "consume.h"
#include "handler.h"
#include "hpipe.h"
#include "opt.h"
#include "rlink.h"

#define CONSUME_GROUP		"hookspool"
#define CONSUME_STREAM		"hookspool"
#define CONSUME_ATTEMPTS	5
#define CONSUME_TIMEOUT		(5 * 60)
#define CONSUME_IDLE		(10 * 60)
#define CONSUME_DURATION_MAX	(30LL * 86400)
#define CONSUME_TYPES_MAX	64
#define CONSUME_BACKOFF		30	/* seconds, doubling */

/* A group or consumer name: like a stream key, braces allowed. */
static int
name_check(const char *s, const char **reason)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > CONSUME_NAME_MAX) {
		*reason = "must be 1 to 200 characters long";
		return -1;
	}
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f) {
			*reason = "may hold printable ASCII but no space";
			return -1;
		}
	return 0;
}

#define OPT_OF(f)	offsetof(struct consume_opts, f)

static const struct opt consume_opt_table[] = {
	CLI_LOG_CONFIG(struct consume_opts, co_conf),
	RLINK_OPTS(struct consume_opts, co_r),
	{ "group", 0, OPT_STRING, OPT_OF(co_group), 0, 0, "G", "the "
	    "consumer group (default: hookspool; made from the stream's start "
	    "the first time)" },
	{ "name", 0, OPT_STRING, OPT_OF(co_name_opt), 0, 0, "NAME", "this "
	    "worker's name in the group (default: host name and pid)" },
	{ "exec", 0, OPT_STRING, OPT_OF(co_exec), 0, 0, "CMD", "run CMD "
	    "through /bin/sh for each entry, as drain --exec does; exit 0 "
	    "acknowledges it (--exec or --pipe is required)" },
	{ "pipe", 0, OPT_STRING, OPT_OF(co_pipe), 0, 0, "CMD", "start CMD "
	    "once and give it each entry as a JSON line, as drain --pipe "
	    "does; ok acknowledges it (hookspool(1))" },
	{ "jobs", 0, OPT_NUMBER, OPT_OF(co_jobs), 1, HPIPE_JOBS_MAX, "N",
	    "with --pipe: run N copies of CMD at once (default: 1)" },
	{ "max", 0, OPT_NUMBER, OPT_OF(co_max), 1, 1000000000LL, "N", "stop "
	    "after N entries, or when none is waiting (default: run until "
	    "TERM)" },
	{ "attempts", 0, OPT_NUMBER, OPT_OF(co_attempts), 1, 1000, "N",
	    "after N deliveries copy an entry to KEY:failed and acknowledge it "
	    "(default: 5)" },
	{ "timeout", 0, OPT_DURATION, OPT_OF(co_timeout), 1,
	    CONSUME_DURATION_MAX, "D", "kill a handler that runs longer than D; "
	    "with --pipe, per entry (default: 5m)" },
	{ "type", 0, OPT_LIST, OPT_OF(co_types), 0, CONSUME_TYPES_MAX,
	    "PATTERN", "run the handler only on entries whose type matches "
	    "PATTERN (fnmatch); others are acknowledged unhandled" },
	{ "idle", 0, OPT_DURATION, OPT_OF(co_idle), 1, CONSUME_DURATION_MAX,
	    "D", "take over an entry pending that long on a worker that died "
	    "or hangs; longer than --timeout and 5s (default: 10m)" },
	{ "backoff", 0, OPT_DURATION, OPT_OF(co_backoff), 0,
	    CONSUME_DURATION_MAX, "D", "a failed entry waits D, doubling with "
	    "each delivery up to 1h, before any worker takes it again "
	    "(default: 30s; 0: at once)" },
	{ "quiet", 0, OPT_FLAG, OPT_OF(co_quiet), 0, 0, NULL, "no summary "
	    "line, even when something was done (what went wrong is said "
	    "all the same); without it, a run that found nothing to do says "
	    "nothing" },
};

static const struct opt_verb consume_verb = {
	"consume", "[-c CONF] --redis ADDR [--auth-file F] [--stream KEY] "
	"[--cluster NODE]... [--group G] [--name NAME] "
	"(--exec CMD | --pipe CMD [--jobs N]) [--max N] "
	"[--attempts N] [--timeout D] [--type PATTERN]... [--idle D] "
	"[--backoff D] [--quiet]",
	"Run the handler on the entries of a Redis stream as a worker of a "
	"consumer group, acknowledging each once the handler exits 0.",
	consume_opt_table,
	sizeof(consume_opt_table) / sizeof(consume_opt_table[0]), 0
};

/* What follows from the options once all are read. Returns 0 or -1. */
static int
opts_done(struct consume_opts *o)
{
	const char	*reason;
	char		 host[64];

	/*
	 * An entry must not be taken over while its handler may still run
	 * code of its own: KILL comes HANDLER_KILL_GRACE after the timeout.
	 */
	if (o->co_idle <= o->co_timeout + HANDLER_KILL_GRACE) {
		cli_warnx("--idle (%llds) must be longer than --timeout "
		    "(%llds) and %ds more", o->co_idle, o->co_timeout,
		    HANDLER_KILL_GRACE);
		return -1;
	}
	if (o->co_name[0] == '\0') {
		if (gethostname(host, sizeof(host)) == -1)
			snprintf(host, sizeof(host), "consumer");
		host[sizeof(host) - 1] = '\0';
		snprintf(o->co_name, sizeof(o->co_name), "%s-%ld", host,
		    (long)getpid());
		if (name_check(o->co_name, &reason) == -1)
			snprintf(o->co_name, sizeof(o->co_name), "consumer-%ld",
			    (long)getpid());
	}
	snprintf(o->co_idle_ms, sizeof(o->co_idle_ms), "%lld",
	    o->co_idle * 1000);
	snprintf(o->co_scan_ms, sizeof(o->co_scan_ms), "%lld", 1000 *
	    (o->co_backoff < o->co_idle ? o->co_backoff : o->co_idle));
	snprintf(o->co_failed, sizeof(o->co_failed), "%s:failed", o->co_r.ro_stream);
	snprintf(o->co_made, sizeof(o->co_made), "{%s}:group:%s", o->co_r.ro_stream,
	    o->co_group);
	return 0;
}

enum opt_result
consume_parse_opts(int argc, char *argv[], struct consume_opts *o)
{
	enum opt_result	 r;
	const char	*reason;
	int		 n;

	memset(o, 0, sizeof(*o));
	o->co_r.ro_stream = CONSUME_STREAM;
	o->co_group = CONSUME_GROUP;
	o->co_attempts = CONSUME_ATTEMPTS;
	o->co_timeout = CONSUME_TIMEOUT;
	o->co_idle = CONSUME_IDLE;
	o->co_backoff = CONSUME_BACKOFF;
	if ((r = opt_parse(&consume_verb, argc, argv, o, &n)) != OPT_OK)
		return r;
	if (cli_log_config(o->co_conf) == -1)
		return OPT_USAGE;
	if ((r = rlink_opts_check(&consume_verb, &o->co_r, &o->co_link,
	    &o->co_nodes, &o->co_nnodes)) != OPT_OK)
		return r;
	if (o->co_exec != NULL && o->co_pipe != NULL)
		return opt_misuse(&consume_verb, "--exec and --pipe: give one "
		    "of them (--exec runs CMD once per entry, --pipe starts "
		    "it once for all)");
	if (o->co_jobs != 0 && o->co_pipe == NULL)
		return opt_misuse(&consume_verb, "--jobs goes with --pipe "
		    "only%s", o->co_exec != NULL ? ", not with --exec (run "
		    "several workers for handlers run once per entry)" : "");
	if ((o->co_exec == NULL || *o->co_exec == '\0') &&
	    (o->co_pipe == NULL || *o->co_pipe == '\0'))
		return opt_misuse(&consume_verb, "--exec CMD or --pipe CMD is "
		    "required: the handler to run on the entries");
	if (o->co_jobs == 0)
		o->co_jobs = 1;
	if (name_check(o->co_group, &reason) == -1)
		return opt_misuse(&consume_verb, "--group %s: %s", o->co_group,
		    reason);
	if (o->co_name_opt != NULL) {
		if (strcmp(o->co_name_opt, CONSUME_WAITING) == 0)
			return opt_misuse(&consume_verb, "--name %s: the name "
			    "of the entries waiting out a backoff; choose "
			    "another", CONSUME_WAITING);
		if (name_check(o->co_name_opt, &reason) == -1)
			return opt_misuse(&consume_verb, "--name %s: %s",
			    o->co_name_opt, reason);
		snprintf(o->co_name, sizeof(o->co_name), "%s", o->co_name_opt);
	}
	return opts_done(o) == 0 ? OPT_OK : OPT_USAGE;
}

int
consume_help(void)
{
	return opt_help(&consume_verb);
}
