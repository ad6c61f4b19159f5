/*
 * hookspool purge: dedup markers older than a duration.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "queue.h"
#include "spool.h"

#define DURATION_MAX	(100LL * 365 * 86400)

static int
purge_one(struct spool *sp, void *arg)
{
	const char	*reason;
	unsigned	 removed = 0, kept = 0;
	int		 rc = 0;

	if (queue_purge(sp, *(long long *)arg, &removed, &kept, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		rc = -1;
	}
	fprintf(stderr, "%s purge: %s: %u markers removed, %u kept "
	    "(their events are still in the spool)\n", cli_progname, sp->sp_dir,
	    removed, kept);
	return rc;
}

static void
purge_usage(FILE *f)
{
	fprintf(f, "usage: hookspool purge [-c CONF] --older-than D\n");
}

int
cmd_purge(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	*cf;
	const char	*conf = NULL, *reason;
	long long	 age = -1;
	int		 c, rc;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c == 'c')
			conf = optarg;
		else if (c == 'h')
			return cli_help(purge_usage);
		else if (c == 'o') {
			if (config_parse_duration(optarg, 0, DURATION_MAX, &age,
			    &reason) == -1) {
				cli_warnx("--older-than %s: %s", optarg, reason);
				return EXIT_USAGE;
			}
		} else
			goto usage;
	}
	if (optind != argc || age < 0)
		goto usage;
	if ((cf = cli_load(conf)) == NULL)
		return EXIT_USAGE;
	rc = cli_each_spool(cf, purge_one, &age);
	config_free(cf);
	return rc;
usage:
	purge_usage(stderr);
	return EXIT_USAGE;
}
