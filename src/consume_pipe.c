/*
 * consume_pipe.c: consume --pipe. Entries are read from the group in
 * batches (XREADGROUP COUNT, and the entries due again as consume.c finds
 * them, consume_claim_due()), screened as consume_screen() screens them,
 * and given to a handler that starts once (hpipe.h). Verdicts: "ok"
 * entries are acknowledged in one XACK per batch, pipelined with the next
 * read; "retry", a timeout or a death set the entry aside to wait out its
 * backoff (dead-lettered after --attempts) as a failed --exec does;
 * "fail" copies it to KEY:failed and acknowledges it.
 *
 * An entry read is pending on this worker until its verdict. A handler
 * may hold it longer than --idle before its own clock even starts (it
 * waits behind up to HPIPE_WINDOW - 1 others, or for a restart), and
 * another worker must not take it meanwhile: so the entries held are
 * claimed again by this worker every refresh period (a quarter of
 * --idle, at most CONSUME_PIPE_REFRESH_MAX seconds) with XCLAIM ...
 * JUSTID, which sets their idle time back to 0 and leaves their delivery
 * count as it is. Its min-idle-time, a second under the period, leaves
 * alone an entry another worker took meanwhile (which happens only to a
 * worker stalled for longer than --idle). Entries a handler gives back
 * without a verdict (queued behind a death or a timeout, or behind a line
 * that is no verdict) are given again from memory, not read again: no
 * delivery is counted for them. At a stop the entries not begun stay
 * pending, for another worker after --idle (that delivery counts).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "consume.h"
#include "hpipe.h"
#include "io.h"
#include "rlink.h"

#define CONSUME_PIPE_BLOCK_MS	"1000"
#define CONSUME_PIPE_SCAN	1.0	/* s between looks for idle ones */
#define CONSUME_PIPE_POLL	0.1	/* seconds between reads while busy */
#define CONSUME_PIPE_REFRESH_MAX 30.0
#define CONSUME_PIPE_ID_MAX	CLI_EVENT_NAME_MAX

/* One entry held: copies of its fields. */
struct cslot {
	int			 cs_used;
	int			 cs_acking;	/* ok: in the ack batch */
	char			*cs_entry;
	char			*cs_id, *cs_webhook, *cs_type, *cs_line;
	size_t			 cs_idlen, cs_webhooklen, cs_typelen;
	size_t			 cs_linelen;
	long long		 cs_attempt;
	double			 cs_touched;	/* read or claimed again */
	char			 cs_shown[CONSUME_PIPE_ID_MAX];
};

struct cpipe {
	struct rlink			*cp_rl;
	const struct consume_opts	*cp_o;
	struct consume_stats		*cp_st;
	struct hpipe			*cp_hp;
	int				 cp_stopped;
	struct cslot			*cp_slots;
	size_t				 cp_nslots;
	size_t				*cp_acks;	/* slots to XACK */
	size_t				 cp_nack;
	struct hpipe_result		*cp_res;
	size_t				 cp_capres;
	char				 cp_cursor[64];	/* the XPENDING scan's */
	double				 cp_scanned;
	double				 cp_refresh;	/* the period */
	double				 cp_refreshed;
	char				 cp_minidle[24];	/* ms */
	long long			 cp_taken;	/* entries read */
};

static char *
memdup0(const char *s, size_t len)
{
	char	*p;

	if (s == NULL || (p = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static void
slot_free(struct cslot *sl)
{
	free(sl->cs_entry);
	free(sl->cs_id);
	free(sl->cs_webhook);
	free(sl->cs_type);
	free(sl->cs_line);
	memset(sl, 0, sizeof(*sl));
}

/* The entry a slot holds, as consume.c's functions take it. */
static void
slot_entry(const struct cslot *sl, struct consume_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->ce_entry = sl->cs_entry;
	e->ce_attempt = sl->cs_attempt;
	e->ce_f.re_id = sl->cs_id;
	e->ce_f.re_idlen = sl->cs_idlen;
	e->ce_f.re_webhook = sl->cs_webhook;
	e->ce_f.re_webhooklen = sl->cs_webhooklen;
	e->ce_f.re_type = sl->cs_type;
	e->ce_f.re_typelen = sl->cs_typelen;
	e->ce_f.re_line = sl->cs_line;
	e->ce_f.re_linelen = sl->cs_linelen;
}

/* Copy e into a free slot. Returns its index, or -1 (out of memory). */
static long
slot_take(struct cpipe *cp, const struct consume_entry *e, const char *shown)
{
	struct cslot	*sl;
	size_t		 i;

	for (i = 0; i < cp->cp_nslots && cp->cp_slots[i].cs_used; i++)
		;
	if (i == cp->cp_nslots)
		return -1;
	sl = &cp->cp_slots[i];
	sl->cs_used = 1;
	sl->cs_entry = memdup0(e->ce_entry, strlen(e->ce_entry));
	sl->cs_id = memdup0(e->ce_f.re_id, sl->cs_idlen = e->ce_f.re_idlen);
	sl->cs_type = memdup0(e->ce_f.re_type,
	    sl->cs_typelen = e->ce_f.re_typelen);
	sl->cs_line = memdup0(e->ce_f.re_line,
	    sl->cs_linelen = e->ce_f.re_linelen);
	if (e->ce_f.re_webhook != NULL)
		sl->cs_webhook = memdup0(e->ce_f.re_webhook,
		    sl->cs_webhooklen = e->ce_f.re_webhooklen);
	sl->cs_attempt = e->ce_attempt;
	sl->cs_touched = io_now();
	snprintf(sl->cs_shown, sizeof(sl->cs_shown), "%s", shown);
	if (sl->cs_entry == NULL || sl->cs_id == NULL || sl->cs_type == NULL ||
	    sl->cs_line == NULL ||
	    (e->ce_f.re_webhook != NULL && sl->cs_webhook == NULL)) {
		slot_free(sl);
		return -1;
	}
	return (long)i;
}

/* How many slots are free. */
static size_t
slots_free(const struct cpipe *cp)
{
	size_t	i, n = 0;

	for (i = 0; i < cp->cp_nslots; i++)
		n += !cp->cp_slots[i].cs_used;
	return n;
}

/*
 * An entry read: screened (consume_screen), or given to the handlers. An
 * entry that cannot be given is left pending (said).
 */
static void
take(struct cpipe *cp, const struct consume_entry *e)
{
	struct hpipe_event	 v;
	struct cslot		*sl;
	char			 shown[CONSUME_PIPE_ID_MAX], *line;
	size_t			 len;
	long			 idx;

	cp->cp_taken++;
	if (consume_screen(cp->cp_rl, cp->cp_o, e, shown, sizeof(shown),
	    cp->cp_st))
		return;
	if ((idx = slot_take(cp, e, shown)) == -1) {
		cli_warnx("%s: out of memory; left pending", shown);
		cp->cp_st->cs_errors++;
		return;
	}
	sl = &cp->cp_slots[idx];
	memset(&v, 0, sizeof(v));
	v.hv_id = sl->cs_id;
	v.hv_idlen = sl->cs_idlen;
	v.hv_webhook = sl->cs_webhook;
	v.hv_webhooklen = sl->cs_webhooklen;
	v.hv_type = sl->cs_type;
	v.hv_typelen = sl->cs_typelen;
	v.hv_attempt = (unsigned long long)sl->cs_attempt;
	v.hv_entry = sl->cs_entry;
	v.hv_line = sl->cs_line;
	v.hv_linelen = sl->cs_linelen;
	if ((line = hpipe_event_line(&v, &len)) == NULL ||
	    hpipe_submit(cp->cp_hp, (unsigned long long)idx + 1, line,
	    len) == -1) {
		cli_warnx("%s: unable to give it to the handler: %s; "
		    "left pending", shown, strerror(errno));
		cp->cp_st->cs_errors++;
		slot_free(sl);
	}
}

/*
 * One command of argc words (argv, lens), MOVED followed. NULL when the
 * link failed: the worker stops, consume_stopped says why.
 */
static redisReply *
command(struct cpipe *cp, int argc, const char **argv, const size_t *lens)
{
	redisReply	*r;

	if ((r = rlink_call(cp->cp_rl, argc, argv, lens)) == NULL) {
		if (consume_stopped[0] == '\0')
			snprintf(consume_stopped, sizeof(consume_stopped), "%s",
			    cp->cp_rl->rl_err);
		consume_sig.cs_stopping = 1;
	}
	return r;
}

/*
 * The words of the ack batch (consume_ack_script over KEY, GROUP and its
 * entries), or of XCLAIM KEY GROUP NAME MINIDLE and the entries held
 * (refresh): a new
 * array (lens in *lensp) of *argcp words; NULL when out of memory.
 */
static const char **
batch_argv(struct cpipe *cp, int claim, int *argcp, size_t **lensp)
{
	const char	**argv;
	size_t		 *lens, i, n = 0, cap = cp->cp_nslots + 8;

	argv = calloc(cap, sizeof(*argv));
	lens = calloc(cap, sizeof(*lens));
	if (argv == NULL || lens == NULL) {
		free(argv);
		free(lens);
		return NULL;
	}
	if (!claim) {
		/* acknowledged and deleted in one step (consume.h) */
		argv[n++] = "EVAL";
		argv[n++] = consume_ack_script;
		argv[n++] = "1";
	} else
		argv[n++] = "XCLAIM";
	argv[n++] = cp->cp_o->co_r.ro_stream;
	argv[n++] = cp->cp_o->co_group;
	if (claim) {
		argv[n++] = cp->cp_o->co_name;
		argv[n++] = cp->cp_minidle;
	}
	if (!claim)
		for (i = 0; i < cp->cp_nack; i++)
			argv[n++] = cp->cp_slots[cp->cp_acks[i]].cs_entry;
	else
		for (i = 0; i < cp->cp_nslots; i++)
			if (cp->cp_slots[i].cs_used &&
			    !cp->cp_slots[i].cs_acking &&
			    io_now() - cp->cp_slots[i].cs_touched >=
			    cp->cp_refresh)
				argv[n++] = cp->cp_slots[i].cs_entry;
	if (claim)
		argv[n++] = "JUSTID";
	for (i = 0; i < n; i++)
		lens[i] = strlen(argv[i]);
	*argcp = (int)n;
	*lensp = lens;
	return argv;
}

/* The XACK reply r (NULL: the link failed) to the ack batch: counted. */
static void
acked(struct cpipe *cp, redisReply *r)
{
	size_t	i, n = cp->cp_nack;

	if (r == NULL)
		cp->cp_st->cs_errors += (unsigned)n;
	else if (r->type == REDIS_REPLY_ERROR) {
		consume_reply_error(cp->cp_rl, r, "unable to acknowledge "
		    "entries", 0);
		cp->cp_st->cs_errors += (unsigned)n;
	} else {
		cp->cp_st->cs_done += (unsigned)n;
		if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0 &&
		    (size_t)r->integer < n)
			cli_warnx("%zu of %zu entries had been taken over by "
			    "another consumer when they were acknowledged",
			    n - (size_t)r->integer, n);
	}
	if (r != NULL)
		freeReplyObject(r);
	for (i = 0; i < n; i++)
		slot_free(&cp->cp_slots[cp->cp_acks[i]]);
	cp->cp_nack = 0;
}

/* Acknowledge the ack batch on its own. */
static void
send_acks(struct cpipe *cp)
{
	const char	**argv;
	size_t		 *lens;
	int		  argc;

	if (cp->cp_nack == 0)
		return;
	if ((argv = batch_argv(cp, 0, &argc, &lens)) == NULL) {
		cli_warnx("out of memory");
		acked(cp, NULL);
		return;
	}
	acked(cp, command(cp, argc, argv, lens));
	free(argv);
	free(lens);
}

/* Claim the entries held again, when the refresh period has passed. */
static void
refresh(struct cpipe *cp)
{
	const char	**argv;
	size_t		 *lens, i;
	redisReply	 *r;
	double		  now = io_now();
	int		  argc;

	if (now - cp->cp_refreshed < cp->cp_refresh)
		return;
	cp->cp_refreshed = now;
	if ((argv = batch_argv(cp, 1, &argc, &lens)) == NULL || argc == 6) {
		free(argv);
		free(lens);
		return;
	}
	if ((r = command(cp, argc, argv, lens)) != NULL) {
		if (r->type == REDIS_REPLY_ERROR)
			consume_reply_error(cp->cp_rl, r, "unable to keep the "
			    "entries held", 0);
		else if (r->type == REDIS_REPLY_ARRAY &&
		    r->elements < (size_t)argc - 6)
			cli_warnx("%zu entries held were taken over by another "
			    "consumer, or deleted, before their verdicts",
			    (size_t)argc - 6 - r->elements);
		freeReplyObject(r);
	}
	for (i = 0; i < cp->cp_nslots; i++)
		if (cp->cp_slots[i].cs_used && !cp->cp_slots[i].cs_acking &&
		    now - cp->cp_slots[i].cs_touched >= cp->cp_refresh)
			cp->cp_slots[i].cs_touched = now;
	free(argv);
	free(lens);
}

/* Claim up to room entries due again; taken. Returns how many. */
static size_t
claim_due(struct cpipe *cp, size_t room)
{
	struct consume_entry	 e;
	redisReply		*r;
	size_t			 n = 0;

	do {
		r = consume_claim_due(cp->cp_rl, cp->cp_o, cp->cp_cursor,
		    sizeof(cp->cp_cursor), &e);
		if (r != NULL) {
			take(cp, &e);
			freeReplyObject(r);
			n++;
		}
	} while (n < room && strcmp(cp->cp_cursor, "0-0") != 0 &&
	    !consume_sig.cs_stopping);
	return n;
}

/*
 * The reply to XREADGROUP: [[KEY, [ENTRY...]]], each entry taken.
 * Returns how many.
 */
static size_t
read_reply(struct cpipe *cp, const redisReply *r)
{
	struct consume_entry	 e;
	const redisReply	*s;
	size_t			 i, n = 0;

	if (r->type == REDIS_REPLY_ERROR) {
		consume_reply_error(cp->cp_rl, r, "unable to read the stream",
		    1);
		return 0;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 ||
	    (s = r->element[0])->type != REDIS_REPLY_ARRAY ||
	    s->elements != 2 || s->element[1]->type != REDIS_REPLY_ARRAY)
		return 0;
	for (i = 0; i < s->element[1]->elements; i++) {
		if (consume_entry_parse(s->element[1]->element[i], &e) == -1)
			continue;
		e.ce_attempt = 1;
		take(cp, &e);
		n++;
	}
	return n;
}

/*
 * Read up to room new entries (waiting up to a second when block is set),
 * the ack batch sent in the same round trip before the read. Returns how
 * many were taken.
 */
static size_t
read_new(struct cpipe *cp, size_t room, int block)
{
	const struct consume_opts	*o = cp->cp_o;
	const char			*rd[11], **ack = NULL;
	size_t				 rdlens[11], *acklens = NULL, n = 0;
	redisReply			*ar = NULL, *r;
	char				 count[24];
	int				 i, rdc = 0, ackc = 0, both;

	snprintf(count, sizeof(count), "%zu", room);
	rd[rdc++] = "XREADGROUP";
	rd[rdc++] = "GROUP";
	rd[rdc++] = o->co_group;
	rd[rdc++] = o->co_name;
	rd[rdc++] = "COUNT";
	rd[rdc++] = count;
	if (block) {
		rd[rdc++] = "BLOCK";
		rd[rdc++] = CONSUME_PIPE_BLOCK_MS;
	}
	rd[rdc++] = "STREAMS";
	rd[rdc++] = o->co_r.ro_stream;
	rd[rdc++] = ">";
	for (i = 0; i < rdc; i++)
		rdlens[i] = strlen(rd[i]);
	if (cp->cp_nack > 0 &&
	    (ack = batch_argv(cp, 0, &ackc, &acklens)) != NULL &&
	    rlink_append(cp->cp_rl, ackc, ack, acklens) == 0) {
		both = rlink_append(cp->cp_rl, rdc, rd, rdlens) == 0;
		ar = rlink_reply(cp->cp_rl);
		r = both && ar != NULL ? rlink_reply(cp->cp_rl) : NULL;
		if (ar == NULL || rlink_moved(ar) || (both && (r == NULL ||
		    rlink_moved(r)))) {
			/* Each again on its own, MOVED followed. */
			if (ar != NULL)
				freeReplyObject(ar);
			if (r != NULL)
				freeReplyObject(r);
			ar = command(cp, ackc, ack, acklens);
			r = NULL;
			both = 0;
		}
		acked(cp, ar);
		if (!both && !consume_sig.cs_stopping)
			r = command(cp, rdc, rd, rdlens);
	} else {
		send_acks(cp);
		r = consume_sig.cs_stopping ? NULL :
		    command(cp, rdc, rd, rdlens);
	}
	free(ack);
	free(acklens);
	if (r != NULL) {
		n = read_reply(cp, r);
		freeReplyObject(r);
	}
	return n;
}

/* A handler's verdict on the entry of slot idx. */
static void
verdict(struct cpipe *cp, const struct hpipe_result *res)
{
	struct consume_entry	 e;
	struct consume_err	 err;
	struct cslot		*sl;
	char			 what[HPIPE_TEXT_MAX + 64], shown[300];
	char			 why[HPIPE_TEXT_MAX + 128];

	if (res->hr_kind == HPIPE_NOTICE) {
		cli_warnx("%s", res->hr_text);
		return;
	}
	sl = &cp->cp_slots[res->hr_tag - 1];
	slot_entry(sl, &e);
	cli_printable_text(res->hr_text, shown, sizeof(shown));
	if (res->hr_kind == HPIPE_RETRY || res->hr_kind == HPIPE_FAIL)
		snprintf(what, sizeof(what), "the handler answered "
		    "\"%s\"%s%.200s", res->hr_kind == HPIPE_RETRY ? "retry" :
		    "fail", *shown ? ": " : "", shown);
	else
		snprintf(what, sizeof(what), "%s", shown);
	switch (res->hr_kind) {
	case HPIPE_OK:
		sl->cs_acking = 1;
		cp->cp_acks[cp->cp_nack++] = res->hr_tag - 1;
		return;
	case HPIPE_FAIL:
		snprintf(why, sizeof(why), "%s (attempt %lld of %lld)", what,
		    e.ce_attempt, cp->cp_o->co_attempts);
		consume_dead_letter(cp->cp_rl, cp->cp_o, &e, e.ce_attempt, why,
		    NULL, sl->cs_shown, cp->cp_st);
		break;
	case HPIPE_UNSENT:
		cp->cp_st->cs_unsent++;
		break;
	default:
		err.cr_buf = res->hr_stderr;
		err.cr_len = res->hr_stderrlen;
		consume_failed(cp->cp_rl, cp->cp_o, &e, sl->cs_shown, what,
		    &err, cp->cp_st);
		break;
	}
	slot_free(sl);
}

/* Take the verdicts until one came, or until; on a stop, stop the pool. */
static void
pump(struct cpipe *cp, double until)
{
	size_t	n = 0, i;

	if (hpipe_run(cp->cp_hp, until, -1, &consume_sig.cs_stopping,
	    cp->cp_res, cp->cp_capres, &n) == -1) {
		if (consume_stopped[0] == '\0')
			snprintf(consume_stopped, sizeof(consume_stopped),
			    "unable to wait for the handlers: %s",
			    strerror(errno));
		consume_sig.cs_stopping = 1;
	}
	for (i = 0; i < n; i++)
		verdict(cp, &cp->cp_res[i]);
	if (consume_sig.cs_stopping && !cp->cp_stopped) {
		hpipe_stop(cp->cp_hp);
		cp->cp_stopped = 1;
	}
}

/*
 * Read what the handlers have room for (idle entries first), unless they
 * are busy and have room for less than half their window. Returns how
 * many entries were read, or -1 when none was looked for.
 */
static long
fill(struct cpipe *cp)
{
	const struct consume_opts	*o = cp->cp_o;
	size_t				 room, got = 0, cap, busy;

	if (cp->cp_stopped || consume_sig.cs_stopping ||
	    (o->co_max > 0 && cp->cp_taken >= o->co_max))
		return -1;
	busy = hpipe_busy(cp->cp_hp);
	room = hpipe_room(cp->cp_hp);
	if ((cap = slots_free(cp)) < room)
		room = cap;
	if (o->co_max > 0 && (long long)room > o->co_max - cp->cp_taken)
		room = (size_t)(o->co_max - cp->cp_taken);
	cap = (size_t)o->co_jobs * HPIPE_WINDOW;
	/* Busy: wait for room for half a window, or for what --max leaves. */
	if (room == 0 || (busy > 0 && room < (cap + 1) / 2 &&
	    (o->co_max == 0 || (long long)room < o->co_max - cp->cp_taken)))
		return -1;
	if (strcmp(cp->cp_cursor, "0-0") != 0 ||
	    io_now() - cp->cp_scanned >= CONSUME_PIPE_SCAN) {
		cp->cp_scanned = io_now();
		got = claim_due(cp, room);
	}
	if (got < room && !consume_sig.cs_stopping)
		got += read_new(cp, room - got, got == 0 && busy == 0);
	return (long)got;
}

/* Set up cp; returns 0, or -1 (said). */
static int
cpipe_open(struct cpipe *cp, struct rlink *rl, const struct consume_opts *o,
    struct consume_stats *st)
{
	struct hpipe_conf	hc;
	double			minidle;

	memset(cp, 0, sizeof(*cp));
	cp->cp_rl = rl;
	cp->cp_o = o;
	cp->cp_st = st;
	snprintf(cp->cp_cursor, sizeof(cp->cp_cursor), "0-0");
	cp->cp_scanned = -CONSUME_PIPE_SCAN;
	cp->cp_refresh = o->co_idle / 4.0 < CONSUME_PIPE_REFRESH_MAX ?
	    o->co_idle / 4.0 : CONSUME_PIPE_REFRESH_MAX;
	cp->cp_refreshed = io_now();
	minidle = cp->cp_refresh - 1 > 0 ? cp->cp_refresh - 1 : 0;
	snprintf(cp->cp_minidle, sizeof(cp->cp_minidle), "%.0f",
	    minidle * 1000);
	cp->cp_nslots = (size_t)o->co_jobs * HPIPE_WINDOW;
	cp->cp_capres = cp->cp_nslots + 16;
	cp->cp_slots = calloc(cp->cp_nslots, sizeof(*cp->cp_slots));
	cp->cp_acks = calloc(cp->cp_nslots, sizeof(*cp->cp_acks));
	cp->cp_res = calloc(cp->cp_capres, sizeof(*cp->cp_res));
	memset(&hc, 0, sizeof(hc));
	hc.hc_cmd = o->co_pipe;
	hc.hc_jobs = (unsigned)o->co_jobs;
	hc.hc_timeout = o->co_timeout;
	hc.hc_wait = &consume_sig.cs_wait;
	hc.hc_mask = &consume_sig.cs_old;
	hc.hc_capture = 1;
	if (cp->cp_slots == NULL || cp->cp_acks == NULL || cp->cp_res == NULL ||
	    hpipe_open(&hc, &cp->cp_hp) == -1) {
		snprintf(consume_stopped, sizeof(consume_stopped), "unable to "
		    "set up the handlers: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
consume_pipe(struct rlink *rl, const struct consume_opts *o,
    struct consume_stats *st)
{
	struct cpipe	cp;
	size_t		i;
	long		got;

	if (cpipe_open(&cp, rl, o, st) == 0 &&
	    consume_group_start(rl, o) == 0) {
		for (;;) {
			cli_signals_check(&consume_sig, 0);
			pump(&cp, 0);
			got = fill(&cp);
			if (got == 0 && hpipe_busy(cp.cp_hp) == 0 &&
			    o->co_max > 0 && strcmp(cp.cp_cursor, "0-0") == 0)
				break;		/* nothing waits */
			if (got == -1 && hpipe_busy(cp.cp_hp) == 0 &&
			    (cp.cp_stopped || (o->co_max > 0 &&
			    cp.cp_taken >= o->co_max)))
				break;
			refresh(&cp);
			if (cp.cp_nack > 0 && got == -1)
				send_acks(&cp);
			if (hpipe_busy(cp.cp_hp) > 0)
				pump(&cp, io_now() + (got == -1 ? 1 :
				    CONSUME_PIPE_POLL));
			else if (got == -1)	/* the handlers start later */
				cli_signals_check(&consume_sig,
				    (long)(CONSUME_PIPE_POLL * 1000));
		}
		pump(&cp, 0);
		send_acks(&cp);
	}
	hpipe_close(cp.cp_hp);
	for (i = 0; cp.cp_slots != NULL && i < cp.cp_nslots; i++)
		slot_free(&cp.cp_slots[i]);
	free(cp.cp_slots);
	free(cp.cp_acks);
	free(cp.cp_res);
}
