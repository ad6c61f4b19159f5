/*
 * hookspool recover: finish cut-short deliveries, release dead claims,
 * sweep abandoned tmp/ files.
 */
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "opt.h"
#include "config.h"
#include "spool.h"

static int
recover_one(struct spool *sp, void *arg)
{
	struct cli_recovery	rec;
	int			rc;

	rc = cli_recover(arg, sp, &rec);
	fprintf(stderr, "%s recover: %s: %u finished, %u removed, "
	    "%u released, %u purged from done/, %u records of gone events "
	    "removed\n", cli_progname, sp->sp_dir, rec.cr_finished,
	    rec.cr_removed, rec.cr_released, rec.cr_purged, rec.cr_swept);
	return rc;
}

struct recover_opts {
	const char	*ro_conf;
};

static const struct opt recover_opt_table[] = {
	OPT_CONFIG(struct recover_opts, ro_conf),
};

static const struct opt_verb recover_verb = {
	"recover", "[-c CONF]",
	"Finish deliveries that were cut short, release the claims of drains "
	"that died (each counts an attempt), remove tmp/ files abandoned "
	"for over 36 hours, purge done events kept longer than keep = D, "
	"and remove the records of failures whose event has gone. Every "
	"drain does this first.",
	recover_opt_table, 1, 0
};

int
cmd_recover(int argc, char *argv[])
{
	struct recover_opts	 o = { NULL };
	struct config		*cf;
	int			 rc, n;

	switch (opt_parse(&recover_verb, argc, argv, &o, &n)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&recover_verb);
	default:
		return EXIT_USAGE;
	}
	if ((cf = cli_load(o.ro_conf)) == NULL)
		return EXIT_USAGE;
	rc = cli_each_spool(cf, recover_one, cf);
	config_free(cf);
	return rc;
}
