/*
 * hookspool recover: finish cut-short deliveries, release dead claims,
 * sweep abandoned tmp/ files.
 */
#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "spool.h"

static int
recover_one(struct spool *sp, void *arg)
{
	unsigned	finished, removed, released;
	int		rc;

	(void)arg;
	rc = cli_recover(sp, &finished, &removed, &released);
	fprintf(stderr, "%s recover: %s: %u finished, %u removed, "
	    "%u released\n", cli_progname, sp->sp_dir, finished, removed,
	    released);
	return rc;
}

static void
recover_usage(FILE *f)
{
	fprintf(f, "usage: hookspool recover [-c CONF]\n");
}

int
cmd_recover(int argc, char *argv[])
{
	struct config	*cf;
	const char	*opt = NULL;
	int		 rc;

	switch (cli_config_only(argc, argv, &opt)) {
	case 0:
		break;
	case 1:
		return cli_help(recover_usage);
	default:
		recover_usage(stderr);
		return EXIT_USAGE;
	}
	if ((cf = cli_load(opt)) == NULL)
		return EXIT_USAGE;
	rc = cli_each_spool(cf, recover_one, NULL);
	config_free(cf);
	return rc;
}
