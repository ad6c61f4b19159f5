/*
 * consume_fail.c: what consume does with an entry that is not to be
 * handled, or whose handler failed (consume.h): screened before the
 * handler sees it, set aside to wait out its backoff, or copied to
 * KEY:failed with why (and the tail of its last attempt's standard
 * error) and acknowledged. consume.c and consume_pipe.c share it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "claim.h"
#include "cli.h"
#include "consume.h"
#include "event.h"
#include "rtext.h"

/*
 * Copy the entry to KEY:failed with the attempts made and why, then
 * acknowledge it; say so (id names it) and count it.
 */
void
consume_dead_letter(struct rlink *rl, const struct consume_opts *o,
    const struct consume_entry *e, long long made, const char *why,
    const struct consume_err *err, const char *name,
    struct consume_stats *st)
{
	const char	*argv[19];
	size_t		 lens[19];
	redisReply	*r;
	char		 attempts[24];
	int		 i, rc = 0;

	snprintf(attempts, sizeof(attempts), "%lld", made);
	argv[0] = "XADD";
	argv[1] = o->co_failed;
	argv[2] = "*";
	argv[3] = "id";
	argv[4] = e->ce_f.re_id ? e->ce_f.re_id : "";
	argv[5] = "webhook";
	argv[6] = e->ce_f.re_webhook ? e->ce_f.re_webhook : "";
	argv[7] = "type";
	argv[8] = e->ce_f.re_type ? e->ce_f.re_type : "";
	argv[9] = "entry";
	argv[10] = e->ce_entry;
	argv[11] = "attempts";
	argv[12] = attempts;
	argv[13] = "reason";
	argv[14] = why;
	argv[15] = "stderr";
	argv[16] = err != NULL && err->cr_buf != NULL ? err->cr_buf : "";
	argv[17] = "line";
	argv[18] = e->ce_f.re_line ? e->ce_f.re_line : "";
	for (i = 0; i < 18; i++)
		lens[i] = strlen(argv[i]);
	/* the entry's fields as they came, NUL bytes and all */
	lens[4] = e->ce_f.re_id ? e->ce_f.re_idlen : 0;
	lens[6] = e->ce_f.re_webhook ? e->ce_f.re_webhooklen : 0;
	lens[8] = e->ce_f.re_type ? e->ce_f.re_typelen : 0;
	lens[16] = err != NULL && err->cr_buf != NULL ? err->cr_len : 0;
	lens[18] = e->ce_f.re_line ? e->ce_f.re_linelen : 0;
	if ((r = rlink_call(rl, 19, argv, lens)) == NULL) {
		snprintf(consume_stopped, sizeof(consume_stopped), "%s",
		    rl->rl_err);
		consume_sig.cs_stopping = 1;
		st->cs_errors++;
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		consume_reply_error(rl, r, "unable to add to the dead-letter stream",
		    0);
		rc = -1;
	}
	freeReplyObject(r);
	if (rc == 0)
		rc = consume_ack(rl, o, e->ce_entry, 1);
	if (rc == -1) {
		cli_warnx("%s: %s; left pending", name, why);
		st->cs_errors++;
		return;
	}
	cli_warnx("%s: %s; copied to %s", name, why, o->co_failed);
	st->cs_failed++;
}

/*
 * A failed entry waits out its backoff owned by CONSUME_WAITING, a
 * consumer no worker is: XCLAIM ... JUSTID moves it there without
 * counting a delivery, and starts its idle time afresh, so that every
 * worker can tell from XPENDING that no handler runs on it, and since
 * when. Returns 0, or -1 (it stays with this worker, taken after --idle).
 */
int
consume_park(struct rlink *rl, const struct consume_opts *o, const char *entry)
{
	const char	*argv[] = { "XCLAIM", o->co_r.ro_stream, o->co_group,
	    CONSUME_WAITING, "0", entry, "JUSTID" };
	redisReply	*r;
	int		 rc = 0;

	if ((r = consume_call(rl, 7, argv)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ERROR) {
		consume_reply_error(rl, r, "unable to set a failed entry aside", 0);
		rc = -1;
	}
	freeReplyObject(r);
	return rc;
}

int
consume_screen(struct rlink *rl, const struct consume_opts *o,
    const struct consume_entry *e, char *name, size_t namelen,
    struct consume_stats *st)
{
	const char	*reason;
	char		 why[300], entry[64];

	if (rtext_entry_check(&e->ce_f, &reason) == -1) {
		/* named by its entry: its id may be anything */
		snprintf(name, namelen, "entry %s", cli_printable(e->ce_entry,
		    entry, sizeof(entry)));
		snprintf(why, sizeof(why), "not an event of hookspool's: %s",
		    reason);
		consume_dead_letter(rl, o, e, e->ce_attempt - 1, why, NULL,
		    name, st);
		return 1;
	}
	cli_event_name(e->ce_f.re_id, e->ce_f.re_webhook, name, namelen);
	if (e->ce_attempt > o->co_attempts) {
		snprintf(why, sizeof(why), "%lld deliveries made",
		    e->ce_attempt - 1);
		consume_dead_letter(rl, o, e, e->ce_attempt - 1, why, NULL,
		    name, st);
		return 1;
	}
	if (o->co_types.ol_n > 0 &&
	    !event_type_matches(e->ce_f.re_type,
	    (char *const *)o->co_types.ol_v, o->co_types.ol_n)) {
		/* another group's, maybe: left in the stream */
		if (consume_ack(rl, o, e->ce_entry, 0) == 0)
			st->cs_skipped++;
		else
			st->cs_errors++;
		return 1;
	}
	return 0;
}

void
consume_failed(struct rlink *rl, const struct consume_opts *o,
    const struct consume_entry *e, const char *name, const char *what,
    const struct consume_err *err, struct consume_stats *st)
{
	long long	wait;
	char		why[600];

	if (e->ce_attempt < o->co_attempts) {
		wait = consume_park(rl, o, e->ce_entry) == 0 ?
		    claim_backoff(o->co_backoff, (unsigned)e->ce_attempt) :
		    o->co_idle;
		cli_warnx("%s: %s (attempt %lld of %lld); retried in "
		    "%llds or later", name, what, e->ce_attempt,
		    o->co_attempts, wait);
		st->cs_retry++;
		return;
	}
	snprintf(why, sizeof(why), "%s (attempt %lld of %lld)", what,
	    e->ce_attempt, o->co_attempts);
	consume_dead_letter(rl, o, e, e->ce_attempt, why, err, name, st);
}

