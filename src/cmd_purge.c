/*
 * hookspool purge: dedup markers older than a duration, and the done
 * events kept longer than their keep.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"
#include "config.h"
#include "queue.h"
#include "spool.h"

#define DURATION_MAX	(100LL * 365 * 86400)

struct purge_opts {
	const char		*po_conf;
	long long		 po_age;	/* -1: not given */
	struct done_keep	 po_keep;	/* the config's keeps */
};

static int
purge_one(struct spool *sp, void *arg)
{
	struct purge_opts	*o = arg;
	const char		*reason;
	unsigned		 removed = 0, kept = 0, done = 0;
	int			 rc = 0;

	/* The done events first: their markers may go with the others. */
	if (done_purge(sp, &o->po_keep, &done, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		rc = -1;
	}
	if (queue_purge(sp, o->po_age, &removed, &kept, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		rc = -1;
	}
	fprintf(stderr, "%s purge: %s: %u markers removed, %u kept "
	    "(their events are still in the spool)", cli_progname, sp->sp_dir,
	    removed, kept);
	if (done > 0)
		fprintf(stderr, "; %u done events kept past their keep "
		    "removed", done);
	fprintf(stderr, "\n");
	return rc;
}

static const struct opt purge_opt_table[] = {
	OPT_CONFIG(struct purge_opts, po_conf),
	{ "older-than", 0, OPT_DURATION, offsetof(struct purge_opts, po_age),
	    0, DURATION_MAX, "D", "required: remove the dedup markers last "
	    "changed more than D ago (30d, 12h, ...) whose event has left the "
	    "spool; an id is then accepted again as new" },
};

static const struct opt_verb purge_verb = {
	"purge", "[-c CONF] --older-than D",
	"Remove old dedup markers from each spool's ids/ (keep them longer "
	"than any sender retries), and the done events of done/ kept longer "
	"than their keep = D.",
	purge_opt_table, 2, 0
};

int
cmd_purge(int argc, char *argv[])
{
	struct purge_opts	 o;
	struct config		*cf;
	int			 rc, n;

	memset(&o, 0, sizeof(o));
	o.po_age = -1;
	switch (opt_parse(&purge_verb, argc, argv, &o, &n)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&purge_verb);
	default:
		return EXIT_USAGE;
	}
	if (o.po_age < 0) {
		opt_misuse(&purge_verb, "--older-than D is required: how old a "
		    "marker must be to go (30d, say)");
		return EXIT_USAGE;
	}
	if ((cf = cli_load(o.po_conf)) == NULL)
		return EXIT_USAGE;
	if (cli_done_keep(cf, &o.po_keep) == -1) {
		config_free(cf);
		return EXIT_PART;
	}
	rc = cli_each_spool(cf, purge_one, &o);
	cli_done_keep_free(&o.po_keep);
	config_free(cf);
	return rc;
}
