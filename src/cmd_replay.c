/*
 * hookspool replay ID...: done events kept with keep = D back into new/,
 * with fresh attempts, each said on stderr as a replay and recorded as
 * one in its history (done.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "done.h"
#include "inspect.h"
#include "opt.h"
#include "queue.h"
#include "spool.h"

/* Where else an id is found, for the message about one not in done/. */
static const enum spool_folder elsewhere[] = {
	SPOOL_FAILED, SPOOL_NEW, SPOOL_CUR
};
#define ELSEWHERE	(sizeof(elsewhere) / sizeof(elsewhere[0]))

struct replay_opts {
	const char	 *ro_conf;
	char		**ro_ids;
	size_t		  ro_nids;
	int		 *ro_found;	/* by id: 1 replayed */
	int		 *ro_where;	/* by id: 1 + elsewhere[] index */
	unsigned	  ro_replayed;
};

static const struct opt replay_opt_table[] = {
	OPT_CONFIG(struct replay_opts, ro_conf),
};

static const struct opt_verb replay_verb = {
	"replay", "[-c CONF] ID...",
	"Put done events, kept in done/ with keep = D, back into new/ with "
	"fresh attempts, the events of the ids given (or file names): a "
	"drain handles them again, as replays.",
	replay_opt_table, 1, -1
};

/* Replay done/name, the event ie, which o's id i names; said. */
static int
replay_event(struct spool *sp, const struct inspect_event *ie,
    struct replay_opts *o, size_t i)
{
	const char	*reason;
	char		 to[SPOOL_NAME_MAX], id[256], wh[128], name[SPOOL_NAME_MAX];

	inspect_shown(ie->ie_head.qh_id, strlen(ie->ie_head.qh_id),
	    INSPECT_TEXT, id, sizeof(id));
	inspect_shown(ie->ie_head.qh_webhook, strlen(ie->ie_head.qh_webhook),
	    INSPECT_WORD, wh, sizeof(wh));
	cli_printable(ie->ie_name, name, sizeof(name));
	switch (done_replay(sp, ie->ie_name, to, &reason)) {
	case QUEUE_OK:
		fprintf(stderr, "%s replay: event %s of webhook %s: replayed: "
		    "done/%s is back in new/ as %s, with fresh attempts\n",
		    cli_progname, id, wh, name, to);
		o->ro_found[i] = 1;
		o->ro_replayed++;
		return 0;
	case QUEUE_LOST:
		return 0;	/* gone meanwhile: not found, if nowhere else */
	case QUEUE_REFUSED:
		cli_warnx("spool %s: refused done/%s (%s); left in done/",
		    sp->sp_dir, name, reason);
		return -1;
	default:
		cli_warnx("spool %s: done/%s: %s: %s", sp->sp_dir, name,
		    reason, strerror(errno));
		return -1;
	}
}

/*
 * The event ie of folder f, if one of the replay_opts arg's ids names it:
 * replayed from done/, or where it is noted.
 */
static int
replay_match(struct spool *sp, enum spool_folder f, const char *name,
    struct inspect_event *ie, void *arg)
{
	struct replay_opts	*o = arg;
	size_t			 j;

	(void)name;
	for (j = 0; j < o->ro_nids; j++) {
		if (!inspect_matches(ie, o->ro_ids[j]))
			continue;
		if (f == SPOOL_DONE)
			return replay_event(sp, ie, o, j);
		if (o->ro_where[j] == 0)
			o->ro_where[j] = f == SPOOL_FAILED ? 1 :
			    f == SPOOL_NEW ? 2 : 3;
	}
	return 0;
}

static int
replay_one(struct spool *sp, void *arg)
{
	size_t	i;
	int	rc = 0;

	if (cli_each_event(sp, SPOOL_DONE, 0, replay_match, arg) == -1)
		rc = -1;
	for (i = 0; i < ELSEWHERE; i++)
		if (cli_each_event(sp, elsewhere[i], 0, replay_match,
		    arg) == -1)
			rc = -1;
	return rc;
}

/* What is said of id i of o, which was not replayed. */
static void
not_replayed(const struct replay_opts *o, size_t i)
{
	char	id[256];

	cli_printable_text(o->ro_ids[i], id, sizeof(id));
	switch (o->ro_where[i]) {
	case 1:
		cli_warnx("event %s is in failed/, not done/: hookspool "
		    "requeue puts it back into new/", id);
		break;
	case 2:
	case 3:
		cli_warnx("event %s is not done: it is in %s/ already", id,
		    o->ro_where[i] == 2 ? "new" : "cur");
		break;
	default:
		cli_warnx("no done event %s (done events are kept in done/ "
		    "only with keep = D, for D)", id);
		break;
	}
}

int
cmd_replay(int argc, char *argv[])
{
	struct replay_opts	 o;
	struct config		*cf;
	size_t			 i;
	int			 rc, n;

	memset(&o, 0, sizeof(o));
	switch (opt_parse(&replay_verb, argc, argv, &o, &n)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&replay_verb);
	default:
		return EXIT_USAGE;
	}
	o.ro_ids = argv + n;
	o.ro_nids = (size_t)(argc - n);
	if (o.ro_nids == 0) {
		opt_misuse(&replay_verb, "which events? give their ids "
		    "(hookspool list --state done shows them)");
		return EXIT_USAGE;
	}
	if ((cf = cli_load(o.ro_conf)) == NULL)
		return EXIT_USAGE;
	if ((o.ro_found = calloc(o.ro_nids, sizeof(int))) == NULL ||
	    (o.ro_where = calloc(o.ro_nids, sizeof(int))) == NULL) {
		cli_warnx("out of memory");
		free(o.ro_found);
		config_free(cf);
		return EXIT_PART;
	}
	rc = cli_each_spool(cf, replay_one, &o);
	for (i = 0; i < o.ro_nids; i++)
		if (!o.ro_found[i]) {
			not_replayed(&o, i);
			rc = EXIT_PART;
		}
	free(o.ro_found);
	free(o.ro_where);
	config_free(cf);
	return rc;
}
