/*
 * hookspool status: counts per folder and the age of the oldest waiting
 * event, as text or JSON.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "event.h"
#include "inspect.h"
#include "opt.h"
#include "queue.h"
#include "spool.h"

#define DURATION_MAX	(100LL * 365 * 86400)

struct status_opts {
	const char	*so_conf;
	long long	 so_warn_age;	/* -1: no warning */
	size_t		 so_shown;
	int		 so_json;
};

static const struct opt status_opt_table[] = {
	OPT_CONFIG(struct status_opts, so_conf),
	{ "json", 0, OPT_FLAG, offsetof(struct status_opts, so_json), 0, 0,
	    NULL, "print one JSON array, an object per spool: spool, new, "
	    "cur, failed, tmp, oldest_new_age_s" },
	{ "warn-age", 0, OPT_DURATION, offsetof(struct status_opts,
	    so_warn_age), 0, DURATION_MAX, "D", "exit 1, with a message, "
	    "when the oldest waiting event is older than D (30s, 15m, 2h, "
	    "1d); for monitoring" },
};

static const struct opt_verb status_verb = {
	"status", "[-c CONF] [--json] [--warn-age D]",
	"Count the events in each spool's folders, and say how long the "
	"oldest waiting event has waited; name the first events of failed/ "
	"with the reason of their last failed attempt. Reads only: takes no "
	"claim.",
	status_opt_table, sizeof(status_opt_table) / sizeof(status_opt_table[0]),
	0
};

/* How many events of failed/ status names, with their last reason. */
#define STATUS_FAILED_SHOWN	5

/*
 * The first STATUS_FAILED_SHOWN events of failed/ of sp, each with the
 * reason of its last failed attempt; list and show say more.
 */
static void
status_failed(struct spool *sp, size_t nfailed)
{
	struct inspect_event		  ie;
	const struct history_entry	 *last;
	const char			 *reason;
	char				**names, name[CLI_EVENT_NAME_MAX];
	char				  why[256];
	size_t				  n, i, shown = 0;

	if (queue_names(sp, SPOOL_FAILED, &names, &n, &reason) == -1)
		return;		/* the counts were said; nothing more to add */
	for (i = 0; i < n && shown < STATUS_FAILED_SHOWN; i++) {
		if (inspect_event(sp, SPOOL_FAILED, names[i], 1, &ie,
		    &reason) != QUEUE_OK)
			continue;
		if ((last = inspect_last_failure(ie.ie_hist)) != NULL)
			inspect_shown(last->he_reason, last->he_reasonlen,
			    INSPECT_TEXT, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "%s", ie.ie_unreadable !=
			    NULL ? "not an event line" : "no reason recorded");
		printf("  failed: %s: %s\n", cli_event_name(ie.ie_head.qh_id,
		    ie.ie_head.qh_webhook, name, sizeof(name)), why);
		shown++;
		inspect_clear(&ie);
	}
	if (nfailed > shown)
		printf("  and %zu more failed: hookspool list --state "
		    "failed\n", nfailed - shown);
	queue_names_free(names, n);
}

static int
status_one(struct spool *sp, void *arg)
{
	struct status_opts	*so = arg;
	struct queue_counts	 qc;
	const char		*reason;
	char			*path;

	if (queue_count(sp, &qc, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		return -1;
	}
	if (so->so_json) {
		if ((path = event_json_string(sp->sp_dir)) == NULL) {
			cli_warnx("out of memory");
			return -1;
		}
		printf("%s{\"spool\":%s,\"new\":%zu,\"cur\":%zu,"
		    "\"failed\":%zu,\"tmp\":%zu,\"oldest_new_age_s\":%lld}",
		    so->so_shown ? "," : "", path, qc.qc_new, qc.qc_cur,
		    qc.qc_failed, qc.qc_tmp, qc.qc_oldest_new_age);
		free(path);
	} else
		printf("%s: %zu new, %zu cur, %zu failed, %zu tmp, "
		    "oldest waiting %llds\n", sp->sp_dir, qc.qc_new,
		    qc.qc_cur, qc.qc_failed, qc.qc_tmp, qc.qc_oldest_new_age);
	if (!so->so_json && qc.qc_failed > 0)
		status_failed(sp, qc.qc_failed);
	so->so_shown++;
	if (so->so_warn_age >= 0 && qc.qc_new > 0 &&
	    qc.qc_oldest_new_age > so->so_warn_age) {
		cli_warnx("spool %s: the oldest waiting event is %llds old "
		    "(over %llds)", sp->sp_dir, qc.qc_oldest_new_age,
		    so->so_warn_age);
		return -1;
	}
	return 0;
}

int
cmd_status(int argc, char *argv[])
{
	struct status_opts	 so = { NULL, -1, 0, 0 };
	struct config		*cf;
	int			 rc, n;

	switch (opt_parse(&status_verb, argc, argv, &so, &n)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&status_verb);
	default:
		return EXIT_USAGE;
	}
	if ((cf = cli_load(so.so_conf)) == NULL)
		return EXIT_USAGE;
	if (so.so_json)
		printf("[");
	rc = cli_each_spool(cf, status_one, &so);
	if (so.so_json)
		printf("]\n");
	config_free(cf);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_warnx("unable to write to standard output");
		rc = EXIT_PART;
	}
	return rc;
}
