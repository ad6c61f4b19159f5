/*
 * hookspool requeue: failed/ back to new/, attempt count reset.
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

/* Whether failed/name is one of ids (an event id or a file name). */
static int
requeue_match(struct spool *sp, const char *name, char **ids, size_t nids,
    int *found)
{
	const char	*reason;
	char		 base[SPOOL_NAME_MAX], *line = NULL, *id = NULL;
	size_t		 len, i;
	int		 hit = 0;

	queue_attempts(name, base);
	if (queue_read(sp, SPOOL_FAILED, name, &line, &len, &reason) ==
	    QUEUE_OK &&
	    event_field_string(line, len, "id", &id, &reason) == -1)
		id = NULL;
	for (i = 0; i < nids; i++) {
		if ((id != NULL && strcmp(id, ids[i]) == 0) ||
		    strcmp(name, ids[i]) == 0 || strcmp(base, ids[i]) == 0) {
			found[i] = 1;
			hit = 1;
		}
	}
	free(id);
	free(line);
	return hit;
}

struct requeue_opts {
	char		**ro_ids;	/* event ids or file names */
	size_t		  ro_nids;	/* 0: all */
	int		 *ro_found;
	unsigned	  ro_requeued;
};

static int
requeue_one(struct spool *sp, void *arg)
{
	struct requeue_opts	 *ro = arg;
	const char		 *reason;
	char			**names, name[SPOOL_NAME_MAX];
	size_t			  j, n;
	int			  rc = 0;

	if (queue_names(sp, SPOOL_FAILED, &names, &n, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		return -1;
	}
	for (j = 0; j < n; j++) {
		if (ro->ro_nids > 0 && !requeue_match(sp, names[j], ro->ro_ids,
		    ro->ro_nids, ro->ro_found))
			continue;
		switch (queue_requeue(sp, names[j], &reason)) {
		case QUEUE_OK:
			ro->ro_requeued++;
			break;
		case QUEUE_REFUSED:
			cli_warnx("spool %s: refused failed/%s (%s); "
			    "left in failed/", sp->sp_dir, cli_printable(
			    names[j], name, sizeof(name)), reason);
			rc = -1;
			break;
		case QUEUE_ERROR:
			cli_warnx("spool %s: %s: %s: %s", sp->sp_dir,
			    cli_printable(names[j], name, sizeof(name)), reason,
			    strerror(errno));
			rc = -1;
			break;
		default:
			break;
		}
	}
	queue_names_free(names, n);
	return rc;
}

static void
requeue_usage(FILE *f)
{
	fprintf(f, "usage: hookspool requeue [-c CONF] [ID... | --all]\n");
}

int
cmd_requeue(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct requeue_opts	 ro;
	struct config		*cf;
	const char		*conf = NULL;
	size_t			 i;
	int			 c, all = 0, rc;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c == 'c')
			conf = optarg;
		else if (c == 'h')
			return cli_help(requeue_usage);
		else if (c == 'a')
			all = 1;
		else
			goto usage;
	}
	memset(&ro, 0, sizeof(ro));
	ro.ro_ids = argv + optind;
	ro.ro_nids = argc - optind;
	if (all == (ro.ro_nids > 0))
		goto usage;
	if ((cf = cli_load(conf)) == NULL)
		return EXIT_USAGE;
	if (ro.ro_nids > 0 &&
	    (ro.ro_found = calloc(ro.ro_nids, sizeof(*ro.ro_found))) == NULL) {
		cli_warnx("out of memory");
		config_free(cf);
		return EXIT_PART;
	}
	rc = cli_each_spool(cf, requeue_one, &ro);
	for (i = 0; i < ro.ro_nids; i++) {
		if (!ro.ro_found[i]) {
			cli_warnx("no failed event %s", ro.ro_ids[i]);
			rc = EXIT_PART;
		}
	}
	fprintf(stderr, "%s requeue: %u requeued\n", cli_progname,
	    ro.ro_requeued);
	free(ro.ro_found);
	config_free(cf);
	return rc;
usage:
	requeue_usage(stderr);
	return EXIT_USAGE;
}
