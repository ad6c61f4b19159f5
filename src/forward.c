/*
 * forward.c: hookspool forward, a drain whose handler is built in. Each
 * waiting event is claimed as drain claims it (claim.c) and published to a
 * Redis stream; it leaves the spool only once Redis has answered. Events
 * go in batches, pipelined: the claims of a batch are taken, its commands
 * sent at once, and the claims ended as the replies say.
 *
 * Exactly once per webhook and id across hosts: one script marks the id
 * (SET NX with a TTL on {KEY}:seen:HASH, HASH as the spool's marker name)
 * and adds the entry only when the mark is new; an entry Redis refuses
 * takes its mark away again. A forward killed after the script ran finds
 * the id marked when run again, and only removes the event. The hash tag
 * {KEY} keeps the stream and the marks in one slot of a Redis Cluster.
 * For a webhook whose id the signature does not cover (scheme.h), the
 * script marks the event's own bytes too ({KEY}:seen:HASH of the webhook
 * and the SHA-256 of the line's "event"), so that a captured body sent to
 * another host under a fresh id is a duplicate there as well.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "forward.h"
#include "history.h"
#include "json.h"
#include "opt.h"
#include "scheme.h"
#include "verify.h"
#include "watch.h"

#define FORWARD_STREAM		"hookspool"
#define FORWARD_ATTEMPTS	5
#define FORWARD_TTL		(7LL * 86400)
#define FORWARD_TTL_MAX		(3650LL * 86400)
#define FORWARD_BATCH		256
#define FORWARD_BACKOFF		30	/* seconds, doubling */
#define FORWARD_REPLICAS_MAX	100

#define OPT_OF(f)	offsetof(struct forward_opts, f)

static const struct opt forward_opt_table[] = {
	OPT_CONFIG(struct forward_opts, fo_conf),
	RLINK_OPTS(struct forward_opts, fo_r),
	{ "replicas", 0, OPT_NUMBER, OPT_OF(fo_replicas), 1,
	    FORWARD_REPLICAS_MAX, "N", "an event leaves the spool only once N "
	    "replicas have it (WAIT after each batch, 5s at most); instead of "
	    "the server's own persistence" },
	{ "accept-loss", 0, OPT_FLAG, OPT_OF(fo_accept_loss), 0, 0, NULL,
	    "forward to a server that may lose what it confirmed (not "
	    "appendonly yes with appendfsync always): a crash of Redis then "
	    "loses events the spool has let go of" },
	{ "max", 0, OPT_NUMBER, OPT_OF(fo_max), 1, 1000000000LL, "N",
	    "stop after N events (default: no limit)" },
	{ "attempts", 0, OPT_NUMBER, OPT_OF(fo_attempts), 1, 1000, "N",
	    "move an event Redis refused N times to failed/ (default: 5)" },
	{ "backoff", 0, OPT_DURATION, OPT_OF(fo_backoff), 0,
	    FORWARD_TTL_MAX, "D", "an event Redis refused waits D, doubling "
	    "with each attempt up to 1h, before it is sent again (default: "
	    "30s; 0: at the next run)" },
	{ "ttl", 0, OPT_DURATION, OPT_OF(fo_ttl), 1, FORWARD_TTL_MAX, "D",
	    "how long Redis remembers an id it took, for dedup across hosts "
	    "(default: 7d)" },
	{ "maxlen", 0, OPT_NUMBER, OPT_OF(fo_maxlen), 1, 1000000000000LL, "N",
	    "trim the stream to about N entries (default: no trimming)" },
	{ "quiet", 0, OPT_FLAG, OPT_OF(fo_quiet), 0, 0, NULL,
	    "no summary line, even when something was done (what went "
	    "wrong is said all the same); without it, a run that found "
	    "nothing to do says nothing" },
	{ "follow", 0, OPT_FLAG, OPT_OF(fo_follow), 0, 0, NULL,
	    "keep running: forward each event as it lands in a spool's new/, "
	    "until TERM; a server that cannot be reached is tried again" },
	{ "rescan", 0, OPT_DURATION, OPT_OF(fo_rescan), 1,
	    WATCH_RESCAN_MAX_MS / 1000, "D", "with --follow: look at every "
	    "spool this often even when nothing wakes it (retries, dead "
	    "drains' claims, a spool made again; default: 30s)" },
};

static const struct opt_verb forward_verb = {
	"forward", "[-c CONF] --redis ADDR [--auth-file F] [--stream KEY] "
	"[--cluster NODE]... [--replicas N] [--accept-loss] [--max N] "
	"[--attempts N] [--backoff D] [--ttl D] [--maxlen N] [--quiet] "
	"[--follow [--rescan D]]",
	"Publish the waiting events of each spool to a Redis stream, once per "
	"webhook and id across every host that forwards there; an event "
	"leaves the spool only once Redis has it.",
	forward_opt_table,
	sizeof(forward_opt_table) / sizeof(forward_opt_table[0]), 0
};

/* Parse argv into o. Returns OPT_OK, OPT_HELP or OPT_USAGE (told). */
static enum opt_result
parse_opts(int argc, char *argv[], struct forward_opts *o)
{
	enum opt_result	r;
	int		n;

	memset(o, 0, sizeof(*o));
	o->fo_r.ro_stream = FORWARD_STREAM;
	o->fo_attempts = FORWARD_ATTEMPTS;
	o->fo_ttl = FORWARD_TTL;
	o->fo_backoff = FORWARD_BACKOFF;
	if ((r = opt_parse(&forward_verb, argc, argv, o, &n)) != OPT_OK ||
	    (r = rlink_opts_check(&forward_verb, &o->fo_r, &o->fo_link,
	    &o->fo_nodes, &o->fo_nnodes)) != OPT_OK)
		return r;
	if (o->fo_rescan != 0 && !o->fo_follow)
		return opt_misuse(&forward_verb, "--rescan is for --follow "
		    "only: a run without it looks at the spools once");
	o->fo_rescan_ms = (o->fo_rescan != 0 ? o->fo_rescan :
	    WATCH_RESCAN_MS / 1000) * 1000;
	o->fo_link.rc_script = forward_script;
	/* Replicas that confirm each batch stand in for the disk. */
	o->fo_link.rc_durable = !o->fo_accept_loss && o->fo_replicas == 0;
	snprintf(o->fo_ttl_s, sizeof(o->fo_ttl_s), "%lld", o->fo_ttl);
	snprintf(o->fo_maxlen_s, sizeof(o->fo_maxlen_s), "%lld", o->fo_maxlen);
	return OPT_OK;
}

/*
 * Remember name in fr_seen: not taken again before the next run (or
 * rescan). Out of memory, the run stops.
 */
static void
seen(struct forward_run *fr, const char *name)
{
	if (drain_seen_add(&fr->fr_seen, name) == 0)
		return;
	cli_warnx("out of memory");
	fr->fr_stats.fs_errors++;
	fr->fr_sig.cs_stopping = 1;
	if (fr->fr_stopped[0] == '\0')
		snprintf(fr->fr_stopped, sizeof(fr->fr_stopped),
		    "out of memory");
}

/*
 * Record why the claimed event of it failed (why[0..len)) before its
 * claim moves it on; a record that cannot be written is said, and the
 * event moves on all the same.
 */
static void
record(struct fwd_item *it, struct forward_run *fr, unsigned attempt,
    const char *why, size_t len)
{
	struct history_entry	*e;
	const char		*reason;
	char			 name[CLI_EVENT_NAME_MAX];

	if ((e = malloc(sizeof(*e))) == NULL) {
		reason = "out of memory";
		errno = ENOMEM;
	} else {
		history_entry_set(e, HISTORY_FAILED, attempt, why, len, NULL,
		    0);
		if (claim_record(it->fi_spool, &it->fi_claim, e, &reason) ==
		    CLAIM_OK) {
			free(e);
			return;
		}
		free(e);
	}
	cli_warnx("%s: its failure is not recorded: %s: %s", cli_event_name(
	    it->fi_ev.ce_id, it->fi_ev.ce_webhook, name, sizeof(name)),
	    reason, strerror(errno));
	fr->fr_stats.fs_errors++;
}

/* End a claim Redis refused: an attempt, recorded; new/ or failed/. */
static void
refused(struct fwd_item *it, struct forward_run *fr, const char *name)
{
	const struct forward_opts	*o = fr->fr_opts;
	struct forward_stats		*fs = &fr->fr_stats;
	struct claim			*cl = &it->fi_claim;
	const char			*reason;
	char				 why[200];
	int				 to_failed = 0;

	/*
	 * Its backoff keeps it out of a cron run and tells a follower when
	 * it is due; with none, a follower tries it again at the next
	 * rescan rather than at once.
	 */
	if (!o->fo_follow || o->fo_backoff == 0)
		seen(fr, cl->cl_name);
	snprintf(why, sizeof(why), "refused by Redis: %s", it->fi_why);
	record(it, fr, cl->cl_attempts + 1, why, strlen(why));
	if (claim_retry(it->fi_spool, cl, (unsigned)o->fo_attempts,
	    claim_backoff(o->fo_backoff, cl->cl_attempts + 1), &to_failed,
	    &reason) != CLAIM_OK) {
		cli_warnx("%s: %s: %s", name, reason, strerror(errno));
		fs->fs_errors++;
		return;
	}
	cli_warnx("%s: refused: %s (attempt %u of %lld); %s", name, it->fi_why,
	    cl->cl_attempts + 1, o->fo_attempts, to_failed ?
	    "moved to failed/" : "retried after its backoff");
	if (to_failed)
		fs->fs_failed++;
	else
		fs->fs_retry++;
}

/* End one item's claim as its state says, and count it. */
static void
finish(struct fwd_item *it, struct forward_run *fr)
{
	struct forward_stats		*fs = &fr->fr_stats;
	struct claim			*cl = &it->fi_claim;
	const char			*reason;
	char				 name[CLI_EVENT_NAME_MAX];

	cli_event_name(it->fi_ev.ce_id, it->fi_ev.ce_webhook, name,
	    sizeof(name));
	switch (it->fi_state) {
	case FWD_ADDED:
	case FWD_DUPLICATE:
		if (claim_done(it->fi_spool, cl, cli_keep_of(fr->fr_cf,
		    it->fi_ev.ce_webhook) > 0, &reason) != CLAIM_OK) {
			cli_warnx("%s: %s: %s", name, reason, strerror(errno));
			fs->fs_errors++;
		} else if (it->fi_state == FWD_ADDED)
			fs->fs_added++;
		else
			fs->fs_dups++;
		return;
	case FWD_REFUSED:
		refused(it, fr, name);
		return;
	default:
		seen(fr, cl->cl_name);
		if (claim_unclaim(it->fi_spool, cl, &reason) != CLAIM_OK) {
			cli_warnx("%s: %s: %s", name, reason, strerror(errno));
			fs->fs_errors++;
		}
		return;
	}
}

/*
 * For an event of a webhook whose id is unsigned (scheme.h), the name of
 * its bytes' mark into it->fi_seen_sum: the SHA-256 of the line's
 * "event", as spooled. Other events get "". Returns 0, or -1 when the
 * line holds no event to hash.
 */
static int
sum_mark(struct fwd_item *it, const struct forward_opts *o)
{
	struct json_member	 m = { .jm_name = "event" };
	struct verify_part	 part;
	unsigned char		 sum[VERIFY_MAC_LEN];
	char			 hash[SPOOL_HASH_HEX + 1];
	const char		*webhook = it->fi_ev.ce_webhook, *reason;
	size_t			 i;

	it->fi_seen_sum[0] = '\0';
	for (i = 0; webhook != NULL && i < o->fo_cf->cf_nwebhooks; i++)
		if (strcmp(o->fo_cf->cf_webhooks[i].wh_name, webhook) == 0)
			break;
	if (webhook == NULL || i == o->fo_cf->cf_nwebhooks ||
	    !scheme_id_unsigned(&o->fo_cf->cf_webhooks[i]))
		return 0;
	if (json_check_object(it->fi_claim.cl_line, it->fi_claim.cl_len, &m, 1,
	    &reason) == -1 || m.jm_value == NULL)
		return -1;
	part = (struct verify_part){ m.jm_value, m.jm_valuelen };
	if (verify_sha256(&part, 1, sum) == -1 ||
	    spool_sum_marker_name(webhook, sum, hash) == -1)
		return -1;
	snprintf(it->fi_seen_sum, sizeof(it->fi_seen_sum), "{%s}:seen:%s",
	    o->fo_r.ro_stream, hash);
	return 0;
}

/*
 * The marks of the claimed event of it: {KEY}:seen:HASH, and for a
 * replay (its name's ,Rn: queue.h) {KEY}:seen:HASH:rn, so that a replay
 * is sent once, and is no duplicate of the event it replays.
 */
static int
marks(struct fwd_item *it, const struct forward_opts *o)
{
	struct queue_name	qn;
	char			hash[SPOOL_HASH_HEX + 1], r[16] = "";
	size_t			n;

	if (spool_marker_name(it->fi_ev.ce_webhook ? it->fi_ev.ce_webhook :
	    "", it->fi_ev.ce_id, hash) == -1 || sum_mark(it, o) == -1)
		return -1;
	queue_name_parse(it->fi_claim.cl_name, &qn);
	if (qn.qn_replays > 0)
		snprintf(r, sizeof(r), ":r%u", qn.qn_replays);
	snprintf(it->fi_seen, sizeof(it->fi_seen), "{%s}:seen:%s%s",
	    o->fo_r.ro_stream, hash, r);
	if (it->fi_seen_sum[0] != '\0' && (n = strlen(it->fi_seen_sum)) +
	    strlen(r) < sizeof(it->fi_seen_sum))
		memcpy(it->fi_seen_sum + n, r, strlen(r) + 1);
	return 0;
}

/*
 * A claimed event forward cannot send: it is moved to failed/ when its
 * line cannot be read or its attempts are used up (recorded first).
 * Returns 1 if so, 0 if it is to be sent (fi_ev and fi_seen filled).
 */
static int
unsendable(struct fwd_item *it, struct forward_run *fr)
{
	const struct forward_opts	*o = fr->fr_opts;
	struct forward_stats		*fs = &fr->fr_stats;
	struct claim			*cl = &it->fi_claim;
	const char			*reason = NULL;
	char				 why[200], name[CLI_EVENT_NAME_MAX];
	char				 file[SPOOL_NAME_MAX];

	if (cli_event_read(cl->cl_line, cl->cl_len, &it->fi_ev, &reason) == 0) {
		if (cl->cl_attempts < o->fo_attempts && marks(it, o) == 0)
			return 0;
		if (cl->cl_attempts < o->fo_attempts)
			snprintf(why, sizeof(why), "unable to hash its id or "
			    "its event");
		else
			snprintf(why, sizeof(why), "%u attempts made",
			    cl->cl_attempts);
		cli_event_name(it->fi_ev.ce_id, it->fi_ev.ce_webhook, name,
		    sizeof(name));
	} else {
		snprintf(why, sizeof(why), "not an event line (%s)", reason);
		snprintf(name, sizeof(name), "%s", cli_printable(cl->cl_name,
		    file, sizeof(file)));
	}
	record(it, fr, 0, why, strlen(why));
	if (claim_give_up(it->fi_spool, cl, &reason) != CLAIM_OK) {
		cli_warnx("%s: %s: %s", name, reason, strerror(errno));
		fs->fs_errors++;
	} else {
		cli_warnx("%s: %s; moved to failed/", name, why);
		fs->fs_failed++;
	}
	cli_event_free(&it->fi_ev);
	claim_clear(cl);
	return 1;
}

/* What claim_take() said of an event it did not give, told and counted. */
static void
not_taken(const struct drain_item *it, enum claim_result res,
    const char *reason, struct forward_run *fr)
{
	char	name[SPOOL_NAME_MAX];

	cli_printable(it->di_name, name, sizeof(name));
	if (res == CLAIM_BUSY) {
		/* Held by another drain or reader: the next run. */
		seen(fr, it->di_name);
		fr->fr_stats.fs_busy++;
	} else if (res == CLAIM_REFUSED) {
		cli_warnx("spool %s: refused new/%s (%s); moved to "
		    "failed/", it->di_spool->sp_dir, name, reason);
		fr->fr_stats.fs_refused++;
	} else if (res == CLAIM_ERROR) {
		cli_warnx("spool %s: new/%s: %s: %s",
		    it->di_spool->sp_dir, name, reason, strerror(errno));
		fr->fr_stats.fs_errors++;
	}
}

/* One flush of cur/, new/, failed/ and done/ of each spool, after a batch. */
static void
flush_spools(struct forward_run *fr)
{
	static const enum spool_folder folders[] = {
		SPOOL_CUR, SPOOL_NEW, SPOOL_FAILED, SPOOL_DONE
	};
	size_t	i, j;

	if (!fr->fr_opts->fo_fsync)
		return;
	for (i = 0; i < fr->fr_nspools; i++)
		for (j = 0; j < sizeof(folders) / sizeof(folders[0]); j++)
			if (spool_sync(fr->fr_spools[i], folders[j]) == -1) {
				cli_warnx("spool %s: unable to flush "
				    "it to disk: %s", fr->fr_spools[i]->sp_dir,
				    strerror(errno));
				fr->fr_stats.fs_errors++;
				break;
			}
}

/*
 * Claim up to FORWARD_BATCH events from items[*next..n) (and no more
 * than --max leaves), publish them and end their claims. Returns how many
 * were claimed; when the server failed, fr_failed is set and fr_stopped
 * says why.
 */
static size_t
batch(struct forward_run *fr, struct drain_item *items, size_t n,
    size_t *next)
{
	const struct forward_opts	*o = fr->fr_opts;
	struct fwd_item			*v = fr->fr_items;
	enum claim_result		 res;
	const char			*reason;
	long long			 room = o->fo_max - fr->fr_claimed;
	size_t				 nv = 0, claimed = 0, i;

	while (*next < n && nv < FORWARD_BATCH &&
	    (o->fo_max == 0 || (long long)claimed < room)) {
		struct drain_item	*di = &items[(*next)++];
		struct fwd_item		*it = &v[nv];

		memset(it, 0, sizeof(*it));
		res = claim_take(di->di_spool, di->di_name, NULL, NULL,
		    &it->fi_claim, &reason);
		if (res != CLAIM_OK) {
			not_taken(di, res, reason, fr);
			continue;
		}
		claimed++;
		it->fi_spool = di->di_spool;
		if (!unsendable(it, fr))
			nv++;
	}
	if (nv > 0 && forward_publish(fr->fr_link, o, v, nv, fr->fr_stopped,
	    sizeof(fr->fr_stopped)) == -1)
		fr->fr_failed = 1;
	for (i = 0; i < nv; i++) {
		finish(&v[i], fr);
		cli_event_free(&v[i].fi_ev);
		claim_clear(&v[i].fi_claim);
	}
	fr->fr_claimed += (long long)claimed;
	return claimed;
}

/* Whether the pass must end: a stop, a failed server, --max. */
static int
pass_over(struct forward_run *fr)
{
	const struct forward_opts	*o = fr->fr_opts;

	cli_signals_check(&fr->fr_sig, 0);
	return fr->fr_sig.cs_stopping || fr->fr_failed ||
	    (o->fo_max > 0 && fr->fr_claimed >= o->fo_max);
}

void
forward_pass(struct forward_run *fr)
{
	struct drain_item	*items;
	size_t			 n, next;
	int			 progress;

	do {
		progress = 0;
		if (drain_collect(fr->fr_spools, fr->fr_nspools, &fr->fr_seen,
		    &items, &n, &fr->fr_next_due) == -1) {
			fr->fr_stats.fs_errors++;
			break;
		}
		next = 0;
		while (next < n && !pass_over(fr))
			if (batch(fr, items, n, &next) > 0) {
				progress = 1;
				flush_spools(fr);
			}
		drain_items_free(items, n);
	} while (progress && !pass_over(fr));
}

/*
 * The summary line on stderr, when something happened and not --quiet;
 * returns the exit status.
 */
static int
summary(const struct forward_run *fr)
{
	const struct forward_stats	*fs = &fr->fr_stats;
	int				 rc;

	rc = fs->fs_retry == 0 && fs->fs_failed == 0 &&
	    fs->fs_refused == 0 && fs->fs_errors == 0 &&
	    fr->fr_stopped[0] == '\0' ? 0 : EXIT_PART;
	if (fr->fr_opts->fo_quiet || (rc == 0 && fs->fs_added == 0 &&
	    fs->fs_dups == 0 && fs->fs_released == 0))
		return rc;
	fprintf(stderr, "hookspool forward: %llu added, %llu duplicates, "
	    "%llu to retry, %llu failed", fs->fs_added, fs->fs_dups,
	    fs->fs_retry, fs->fs_failed);
	if (fs->fs_released > 0)
		fprintf(stderr, ", %llu released from dead drains",
		    fs->fs_released);
	if (fs->fs_refused > 0)
		fprintf(stderr, ", %llu refused", fs->fs_refused);
	if (fs->fs_busy > 0)
		fprintf(stderr, ", %llu busy", fs->fs_busy);
	if (fs->fs_errors > 0)
		fprintf(stderr, ", %llu errors", fs->fs_errors);
	if (fr->fr_stopped[0] != '\0')
		fprintf(stderr, "; stopped: %s", fr->fr_stopped);
	fprintf(stderr, "\n");
	return rc;
}

int
forward_open_spool(struct forward_run *fr, const char *dir,
    struct spool **sp)
{
	struct cli_recovery	rec;

	if (cli_open_spool(fr->fr_cf, dir, sp) == -1) {
		fr->fr_stats.fs_errors++;
		return -1;
	}
	if (cli_recover(fr->fr_cf, *sp, &rec) == -1)
		fr->fr_stats.fs_errors++;
	fr->fr_stats.fs_released += rec.cr_released;
	/*
	 * From here on the claims need no flush of their own: an event is
	 * removed only once Redis holds it, and a claim, retry or removal
	 * that a power cut undoes leaves the event in new/ or cur/, from
	 * where it is sent again and found marked. Each batch ends with one
	 * flush of the folders (when fsync is on).
	 */
	(*sp)->sp_fsync = 0;
	return 0;
}

/*
 * Open each spool of the config once, into fr. Returns 0, or -1 when one
 * could not be opened (said and counted; the others are open).
 */
static int
open_spools(struct forward_run *fr)
{
	const struct config	*cf = fr->fr_cf;
	size_t			 i;
	int			 rc = 0;

	if ((fr->fr_spools = calloc(cf->cf_nwebhooks + 1,
	    sizeof(*fr->fr_spools))) == NULL ||
	    (fr->fr_items = calloc(FORWARD_BATCH,
	    sizeof(*fr->fr_items))) == NULL) {
		cli_warnx("out of memory");
		fr->fr_stats.fs_errors++;
		return -1;
	}
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		if (!cli_first_of_spool(cf, i))
			continue;
		if (forward_open_spool(fr, cf->cf_webhooks[i].wh_spool,
		    &fr->fr_spools[fr->fr_nspools]) == -1) {
			rc = -1;
			continue;
		}
		fr->fr_nspools++;
	}
	return rc;
}

int
forward_connect(struct forward_run *fr, char *err, size_t errlen)
{
	char	*user = NULL, *pass = NULL;

	if ((fr->fr_user != NULL && (user = strdup(fr->fr_user)) == NULL) ||
	    (fr->fr_pass != NULL && (pass = strdup(fr->fr_pass)) == NULL)) {
		free(user);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* rlink_open() takes user and pass over, and wipes the password */
	return rlink_open(&fr->fr_opts->fo_link, user, pass, &fr->fr_link, err,
	    errlen);
}

/* What a run holds, freed; the password wiped. */
static void
run_free(struct forward_run *fr)
{
	size_t	i;

	for (i = 0; i < fr->fr_nspools; i++)
		spool_close(fr->fr_spools[i]);
	free(fr->fr_spools);
	free(fr->fr_items);
	drain_seen_free(&fr->fr_seen);
	rlink_free(fr->fr_link);
	if (fr->fr_pass != NULL)
		explicit_bzero(fr->fr_pass, strlen(fr->fr_pass));
	free(fr->fr_pass);
	free(fr->fr_user);
}

/*
 * Once the options are read: the run, with or without --follow. Returns
 * the exit status.
 */
static int
run(struct forward_run *fr)
{
	const struct forward_opts	*o = fr->fr_opts;
	char				 err[RLINK_ERR_MAX];
	int				 rc;

	/*
	 * The server first: one that cannot be reached, or that may lose what
	 * it confirms, costs no claim. A follower waits for it instead.
	 */
	if (!o->fo_follow && forward_connect(fr, err, sizeof(err)) == -1) {
		cli_warnx("%s; the events stay in new/", err);
		return EXIT_PART;
	}
	if (cli_signals_block(&fr->fr_sig) == -1) {
		cli_warnx("unable to set up signals: %s", strerror(errno));
		fr->fr_stats.fs_errors++;
		return summary(fr);
	}
	if (open_spools(fr) == -1 && o->fo_follow) {
		/* a follower that left a spool out would leave it unread */
		cli_warnx("not following, as a spool could not be opened");
		return EXIT_PART;
	}
	if (fr->fr_items == NULL)
		return summary(fr);
	if (!o->fo_follow) {
		forward_pass(fr);
		if (fr->fr_sig.cs_stopping && fr->fr_stopped[0] == '\0')
			snprintf(fr->fr_stopped, sizeof(fr->fr_stopped),
			    "asked to stop");
		return summary(fr);
	}
	rc = forward_follow(fr);
	(void)summary(fr);
	return rc;
}

int
cmd_forward(int argc, char *argv[])
{
	struct forward_opts	 o;
	struct forward_run	 fr;
	struct config		*cf;
	char			 err[RLINK_ERR_MAX];
	int			 r;

	if ((r = parse_opts(argc, argv, &o)) != OPT_OK) {
		free(o.fo_nodes);
		return r == OPT_HELP ? opt_help(&forward_verb) : EXIT_USAGE;
	}
	if ((cf = cli_load(o.fo_conf)) == NULL) {
		free(o.fo_nodes);
		return EXIT_USAGE;
	}
	o.fo_fsync = cf->cf_fsync;
	o.fo_cf = cf;
	memset(&fr, 0, sizeof(fr));
	fr.fr_opts = &o;
	fr.fr_cf = cf;
	if (o.fo_r.ro_auth != NULL && rlink_auth_read(o.fo_r.ro_auth, &fr.fr_user,
	    &fr.fr_pass, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		r = EXIT_USAGE;
	} else
		r = run(&fr);
	run_free(&fr);
	config_free(cf);
	free(o.fo_nodes);
	return r;
}
