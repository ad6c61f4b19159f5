/*
 * hookspool status: counts per folder and the age of the oldest waiting
 * event, as text or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "event.h"
#include "queue.h"
#include "spool.h"

#define DURATION_MAX	(100LL * 365 * 86400)

struct status_opts {
	long long	so_warn_age;	/* -1: no warning */
	size_t		so_shown;
	int		so_json;
};

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

static void
status_usage(FILE *f)
{
	fprintf(f, "usage: hookspool status [-c CONF] [--json] "
	    "[--warn-age D]\n");
}

int
cmd_status(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "warn-age", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct status_opts	 so = { -1, 0, 0 };
	struct config		*cf;
	const char		*conf = NULL, *reason;
	int			 c, rc;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c == 'c')
			conf = optarg;
		else if (c == 'h')
			return cli_help(status_usage);
		else if (c == 'j')
			so.so_json = 1;
		else if (c == 'w') {
			if (config_parse_duration(optarg, 0, DURATION_MAX,
			    &so.so_warn_age, &reason) == -1) {
				cli_warnx("--warn-age %s: %s", optarg, reason);
				return EXIT_USAGE;
			}
		} else
			goto usage;
	}
	if (optind != argc)
		goto usage;
	if ((cf = cli_load(conf)) == NULL)
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
usage:
	status_usage(stderr);
	return EXIT_USAGE;
}
