/*
 * hookspool requeue: failed/ back to new/, attempt count reset.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_redis.h"
#include "opt.h"
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

struct requeue_args {
	const char		*ra_conf;
	int			 ra_all;
	struct rlink_opts	 ra_redis;
};

static const struct opt requeue_opt_table[] = {
	OPT_CONFIG(struct requeue_args, ra_conf),
	{ "all", 0, OPT_FLAG, offsetof(struct requeue_args, ra_all), 0, 0,
	    NULL, "every failed event (or entry of KEY:failed), instead of "
	    "the IDs given" },
	RLINK_OPTS_ABOUT(struct requeue_args, ra_redis, "requeue the "
	    "entries of the stream's KEY:failed on this Redis server "
	    "(HOST:PORT, [IPV6]:PORT or unix:PATH) instead of a spool's "
	    "failed/: each goes back into the stream as a new entry, its "
	    "attempts fresh; an ID is its entry id or its event id. -c is "
	    "then read for its log_format alone"),
};

static const struct opt_verb requeue_verb = {
	"requeue", "[-c CONF] (ID... | --all) | [-c CONF] --redis ADDR "
	"[--auth-file F] [--stream KEY] [--cluster NODE]... (ID... | --all)",
	"Put failed events (failed/) back into new/ with their attempt count "
	"reset, the events of the ids given or all of them; a drain takes them "
	"again. With --redis, put the entries of KEY:failed (set aside by "
	"consume) back into the stream instead; a consume takes them again.",
	requeue_opt_table,
	sizeof(requeue_opt_table) / sizeof(requeue_opt_table[0]), -1
};

int
cmd_requeue(int argc, char *argv[])
{
	struct requeue_args	 ra;
	struct requeue_opts	 ro;
	struct config		*cf;
	size_t			 i;
	int			 rc, n;

	memset(&ra, 0, sizeof(ra));
	ra.ra_redis.ro_stream = RLINK_STREAM_DEFAULT;
	switch (opt_parse(&requeue_verb, argc, argv, &ra, &n)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&requeue_verb);
	default:
		return EXIT_USAGE;
	}
	memset(&ro, 0, sizeof(ro));
	ro.ro_ids = argv + n;
	ro.ro_nids = argc - n;
	if (ra.ra_all == (ro.ro_nids > 0)) {
		opt_misuse(&requeue_verb, ra.ra_all ? "give ids or --all, not "
		    "both" : "which events? give their ids, or --all");
		return EXIT_USAGE;
	}
	if (ra.ra_redis.ro_addr != NULL) {
		/* the spools are not touched: -c is for log_format alone */
		if (cli_log_config(ra.ra_conf) == -1)
			return EXIT_USAGE;
		return requeue_redis(&requeue_verb, &ra.ra_redis, ro.ro_ids,
		    ro.ro_nids);
	}
	if (ra.ra_redis.ro_auth != NULL || ra.ra_redis.ro_cluster.ol_n > 0 ||
	    strcmp(ra.ra_redis.ro_stream, RLINK_STREAM_DEFAULT) != 0) {
		opt_misuse(&requeue_verb, "--auth-file, --stream and --cluster "
		    "go with --redis ADDR");
		return EXIT_USAGE;
	}
	if ((cf = cli_load(ra.ra_conf)) == NULL)
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
}
