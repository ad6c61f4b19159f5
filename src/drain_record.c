/*
 * drain_record.c: what a drain keeps of the events it handles: the
 * record of each failed attempt (history.h), written before the claim
 * moves the event on; whether a done event is kept (keep = D); and the
 * name that every message about an event gives it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drain_pipe.h"
#include "history.h"

void
drain_record(struct spool *sp, const struct claim *cl,
    const struct cli_event *f, const char *what, const char *err,
    size_t errlen, struct drain_stats *ds)
{
	struct history_entry	*e;
	const char		*reason;
	char			 name[CLI_EVENT_NAME_MAX];

	/* an entry holds 4.5 KiB: not on the stack of a deep call */
	if ((e = malloc(sizeof(*e))) == NULL) {
		reason = "out of memory";
		errno = ENOMEM;
	} else {
		history_entry_set(e, HISTORY_FAILED, cl->cl_attempts + 1, what,
		    strlen(what), err, err != NULL ? errlen : 0);
		if (claim_record(sp, cl, e, &reason) == CLAIM_OK) {
			free(e);
			return;
		}
		free(e);
	}
	cli_warnx("%s: its failure is not recorded: %s: %s",
	    drain_name(cl, f, name, sizeof(name)), reason, strerror(errno));
	ds->ds_errors++;
}

const char *
drain_name(const struct claim *cl, const struct cli_event *f, char *buf,
    size_t len)
{
	return cli_event_name(f != NULL && f->ce_id != NULL ? f->ce_id :
	    cl->cl_name, f != NULL ? f->ce_webhook : NULL, buf, len);
}

int
drain_keep(const struct drain_opts *o, const struct cli_event *f)
{
	return o->do_cf != NULL && cli_keep_of(o->do_cf, f != NULL ?
	    f->ce_webhook : NULL) > 0;
}
