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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "drain.h"
#include "json.h"
#include "rlink.h"
#include "scheme.h"
#include "spool.h"
#include "verify.h"

#define FORWARD_STREAM		"hookspool"
#define FORWARD_ATTEMPTS	5
#define FORWARD_TTL		(7LL * 86400)
#define FORWARD_TTL_MAX		(3650LL * 86400)
#define FORWARD_BATCH		256
/* How long one WAIT for --replicas may take. */
#define FORWARD_WAIT_MS		5000
#define FORWARD_REPLICAS_MAX	100
/* "{KEY}:seen:" and the hash */
#define FORWARD_SEEN_MAX	(CLI_STREAM_MAX + 8 + SPOOL_HASH_HEX + 1)

/*
 * KEYS[1] the stream, KEYS[2] the id's mark, KEYS[3] (when given) the
 * mark of the event's bytes; ARGV: TTL, MAXLEN (0: none), id, webhook,
 * type, line, and "1" when replicas are waited for. Returns the new
 * entry's id, or 0 when the id (or the bytes) was marked already, and
 * nothing is then left marked that was not before; a mark found is
 * written again (its TTL kept), so that a WAIT after it waits also for
 * the entry that an earlier run added with the mark.
 */
static const char forward_script[] =
    "local fresh = redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1])\n"
    "if fresh and KEYS[3] and\n"
    "    not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[1]) then\n"
    "  redis.call('DEL', KEYS[2])\n"
    "  fresh = false\n"
    "end\n"
    "if not fresh then\n"
    "  if ARGV[7] == '1' then\n"
    "    for i = 2, #KEYS do\n"
    "      redis.call('SET', KEYS[i], '1', 'XX', 'KEEPTTL')\n"
    "    end\n"
    "  end\n"
    "  return 0\n"
    "end\n"
    "local add = {'XADD', KEYS[1]}\n"
    "if ARGV[2] ~= '0' then\n"
    "  add[#add + 1] = 'MAXLEN'; add[#add + 1] = '~'; add[#add + 1] = ARGV[2]\n"
    "end\n"
    "for _, v in ipairs({'*', 'id', ARGV[3], 'webhook', ARGV[4],\n"
    "    'type', ARGV[5], 'line', ARGV[6]}) do\n"
    "  add[#add + 1] = v\n"
    "end\n"
    "local r = redis.pcall(unpack(add))\n"
    "if type(r) == 'table' and r.err then\n"
    "  redis.call('DEL', unpack(KEYS, 2))\n"
    "end\n"
    "return r\n";

struct forward_opts {
	struct rlink_conf	 fo_link;	/* --redis, --cluster, durability */
	struct rtext_node	*fo_nodes;	/* --cluster, fo_link's */
	size_t			 fo_nnodes;
	const char		*fo_auth;
	const char		*fo_stream;
	long long		 fo_max;	/* 0: no limit */
	unsigned		 fo_attempts;
	long long		 fo_ttl;
	long long		 fo_maxlen;	/* 0: no trimming */
	long long		 fo_replicas;	/* 0: no WAIT */
	int			 fo_accept_loss;
	int			 fo_fsync;	/* the config's fsync */
	const struct config	*fo_cf;		/* its webhooks' schemes */
	char			 fo_ttl_s[24];
	char			 fo_maxlen_s[24];
};

struct forward_stats {
	unsigned	 fs_added;
	unsigned	 fs_dups;
	unsigned	 fs_retry;
	unsigned	 fs_failed;
	unsigned	 fs_released;
	unsigned	 fs_refused;
	unsigned	 fs_busy;
	unsigned	 fs_errors;
	const char	*fs_stopped;	/* why the run stopped early */
};

/* What became of one event of a batch. */
enum fwd_state {
	FWD_UNSENT,	/* no answer: back to new/, no attempt spent */
	FWD_ADDED,
	FWD_DUPLICATE,
	FWD_MOVED,	/* to send again to the node named */
	FWD_REFUSED	/* Redis refused it: an attempt */
};

struct fwd_item {
	struct spool		*fi_spool;
	struct claim		 fi_claim;
	struct cli_event	 fi_ev;
	char			 fi_seen[FORWARD_SEEN_MAX];
	char			 fi_seen_sum[FORWARD_SEEN_MAX];	/* or "" */
	enum fwd_state		 fi_state;
	int			 fi_round;	/* the node that answered */
	char			 fi_why[160];	/* of a refusal */
};

static struct cli_signals	forward_sig;

static void
forward_usage(FILE *f)
{
	fprintf(f, "usage: hookspool forward [-c CONF] --redis HOST:PORT|unix:PATH "
	    "[--auth-file F]\n"
	    "                         [--stream KEY] [--max N] [--attempts N] "
	    "[--ttl D]\n"
	    "                         [--maxlen N] [--cluster NODE[=LOCAL]]... "
	    "[--replicas N]\n"
	    "                         [--accept-loss]\n");
}

/* The options that say where Redis is and how it is trusted. */
static int
link_opt(int c, const char *arg, struct forward_opts *o)
{
	const char	*reason;

	switch (c) {
	case 'r':
		if (rlink_addr_check(arg, &reason) == -1) {
			cli_warnx("--redis %s: %s", arg, reason);
			return -1;
		}
		o->fo_link.rc_addr = arg;
		return 0;
	case 'A':
		o->fo_auth = arg;
		return 0;
	case 's':
		if (cli_stream_key(arg, &reason) == -1) {
			cli_warnx("--stream: %s", reason);
			return -1;
		}
		o->fo_stream = arg;
		return 0;
	case 'C':
		if (rlink_node_add(&o->fo_nodes, &o->fo_nnodes, arg,
		    &reason) == -1) {
			cli_warnx("--cluster %s: %s (give HOST:PORT as the "
			    "cluster announces it, or HOST:PORT=LOCAL)", arg,
			    reason);
			return -1;
		}
		return 0;
	case 'R':
		return cli_opt_number("replicas", arg, 0, 1,
		    FORWARD_REPLICAS_MAX, &o->fo_replicas);
	case 'L':
		o->fo_accept_loss = 1;
		return 0;
	}
	return 1;
}

/* The options that say what a run does with the events. */
static int
run_opt(int c, const char *arg, struct forward_opts *o)
{
	long long	v;

	switch (c) {
	case 'm':
		if (cli_opt_number("max", arg, 0, 1, 1000000000LL, &v) == -1)
			return -1;
		o->fo_max = v;
		return 0;
	case 'a':
		if (cli_opt_number("attempts", arg, 0, 1, 1000, &v) == -1)
			return -1;
		o->fo_attempts = (unsigned)v;
		return 0;
	case 't':
		return cli_opt_number("ttl", arg, 1, 1, FORWARD_TTL_MAX,
		    &o->fo_ttl);
	case 'M':
		if (cli_opt_number("maxlen", arg, 0, 1, 1000000000000LL,
		    &v) == -1)
			return -1;
		o->fo_maxlen = v;
		return 0;
	}
	return 1;
}

/* Parse argv into o; 1 for --help, -1 (told) for a usage error. */
static int
parse_opts(int argc, char *argv[], struct forward_opts *o, const char **conf)
{
	static const struct option opts[] = {
		{ "redis", required_argument, NULL, 'r' },
		{ "auth-file", required_argument, NULL, 'A' },
		{ "stream", required_argument, NULL, 's' },
		{ "cluster", required_argument, NULL, 'C' },
		{ "replicas", required_argument, NULL, 'R' },
		{ "accept-loss", no_argument, NULL, 'L' },
		{ "max", required_argument, NULL, 'm' },
		{ "attempts", required_argument, NULL, 'a' },
		{ "ttl", required_argument, NULL, 't' },
		{ "maxlen", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	c, r;

	memset(o, 0, sizeof(*o));
	o->fo_stream = FORWARD_STREAM;
	o->fo_attempts = FORWARD_ATTEMPTS;
	o->fo_ttl = FORWARD_TTL;
	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c == 'c') {
			*conf = optarg;
			continue;
		}
		if (c == 'h')
			return 1;
		if ((r = link_opt(c, optarg, o)) == 1)
			r = run_opt(c, optarg, o);
		if (r == 1)
			forward_usage(stderr);
		if (r != 0)
			return -1;
	}
	if (optind != argc || o->fo_link.rc_addr == NULL) {
		if (optind == argc)
			cli_warnx("--redis is required");
		forward_usage(stderr);
		return -1;
	}
	o->fo_link.rc_script = forward_script;
	o->fo_link.rc_nodes = o->fo_nodes;
	o->fo_link.rc_nnodes = o->fo_nnodes;
	/* Replicas that confirm each batch stand in for the disk. */
	o->fo_link.rc_durable = !o->fo_accept_loss && o->fo_replicas == 0;
	snprintf(o->fo_ttl_s, sizeof(o->fo_ttl_s), "%lld", o->fo_ttl);
	snprintf(o->fo_maxlen_s, sizeof(o->fo_maxlen_s), "%lld", o->fo_maxlen);
	return 0;
}

/* Queue the script's call for it. */
static int
send_item(struct rlink *rl, const struct forward_opts *o,
    const struct fwd_item *it)
{
	const char	*argv[13];
	size_t		 lens[13];
	const char	*webhook = it->fi_ev.ce_webhook ? it->fi_ev.ce_webhook : "";
	int		 i, n = 0, sum = it->fi_seen_sum[0] != '\0';

	argv[n++] = "EVALSHA";
	argv[n++] = rl->rl_sha;
	argv[n++] = sum ? "3" : "2";
	argv[n++] = o->fo_stream;
	argv[n++] = it->fi_seen;
	if (sum)
		argv[n++] = it->fi_seen_sum;
	argv[n++] = o->fo_ttl_s;
	argv[n++] = o->fo_maxlen_s;
	argv[n++] = it->fi_ev.ce_id;
	argv[n++] = webhook;
	argv[n++] = it->fi_ev.ce_type;
	argv[n++] = it->fi_claim.cl_line;
	argv[n++] = o->fo_replicas > 0 ? "1" : "0";
	for (i = 0; i < n; i++)
		lens[i] = strlen(argv[i]);
	lens[n - 2] = it->fi_claim.cl_len;
	return rlink_append(rl, n, argv, lens);
}

/* Whether the item is waiting to be sent (or sent again elsewhere). */
static int
to_send(const struct fwd_item *it)
{
	return it->fi_state == FWD_UNSENT || it->fi_state == FWD_MOVED;
}

/*
 * Read the answers to the items sent in this round. Returns 0, or -1 when
 * the link failed or the server is in trouble (*stopped says why; the
 * items not answered stay FWD_UNSENT). The first MOVED reply is left in
 * *moved for the caller to free.
 */
static int
read_round(struct rlink *rl, struct fwd_item *v, size_t n, int round,
    redisReply **moved, char *stopped, size_t stoppedlen)
{
	redisReply	*r;
	char		 why[256];
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < n; i++) {
		if (!to_send(&v[i]))
			continue;
		v[i].fi_state = FWD_UNSENT;
		if (rc == -1)
			continue;	/* answers no longer read */
		if ((r = rlink_reply(rl)) == NULL) {
			snprintf(stopped, stoppedlen, "%s", rl->rl_err);
			rc = -1;
			continue;
		}
		v[i].fi_round = round;
		if (r->type == REDIS_REPLY_STRING)
			v[i].fi_state = FWD_ADDED;
		else if (r->type == REDIS_REPLY_INTEGER ||
		    r->type == REDIS_REPLY_NIL)
			v[i].fi_state = FWD_DUPLICATE;
		else if (rlink_moved(r)) {
			v[i].fi_state = FWD_MOVED;
			if (*moved == NULL) {
				*moved = r;
				continue;
			}
		} else if (rlink_server_trouble(r)) {
			snprintf(stopped, stoppedlen, "redis at %.200s: %s",
			    rl->rl_addr, rlink_reply_error(r, why, sizeof(why)));
			rc = -1;	/* read the rest, use none */
		} else {
			v[i].fi_state = FWD_REFUSED;
			rlink_reply_error(r, v[i].fi_why, sizeof(v[i].fi_why));
		}
		freeReplyObject(r);
	}
	return rc;
}

/*
 * With --replicas: the items this round's node took count only once that
 * many replicas have them too (WAIT); otherwise, or when the round failed
 * before WAIT, they go back to FWD_UNSENT and *stopped says why. Returns
 * 0, or -1 when the run must stop.
 */
static int
confirm_round(struct rlink *rl, const struct forward_opts *o,
    struct fwd_item *v, size_t n, int round, int failed, char *stopped,
    size_t stoppedlen)
{
	long long	got = 0;
	size_t		i, took = 0;

	if (o->fo_replicas == 0)
		return failed ? -1 : 0;
	for (i = 0; i < n; i++)
		if (v[i].fi_round == round && (v[i].fi_state == FWD_ADDED ||
		    v[i].fi_state == FWD_DUPLICATE))
			took++;
	if (took > 0 && !failed &&
	    (got = rlink_wait(rl, o->fo_replicas, FORWARD_WAIT_MS)) >=
	    o->fo_replicas)
		return 0;
	if (took == 0)
		return failed ? -1 : 0;
	if (!failed && got == -1)
		snprintf(stopped, stoppedlen, "%s", rl->rl_err);
	else if (!failed)
		snprintf(stopped, stoppedlen, "%lld of the %lld replicas asked "
		    "for (--replicas) confirmed the batch redis at %.200s took "
		    "within %d s", got, o->fo_replicas, rl->rl_addr,
		    FORWARD_WAIT_MS / 1000);
	for (i = 0; i < n; i++)
		if (v[i].fi_round == round && (v[i].fi_state == FWD_ADDED ||
		    v[i].fi_state == FWD_DUPLICATE))
			v[i].fi_state = FWD_UNSENT;
	return -1;
}

/*
 * Send the items of v in state FWD_UNSENT or FWD_MOVED and read their
 * answers, following MOVED. Returns 0, or -1 when the link failed, the
 * server is in trouble or too few replicas confirmed: the reason is then
 * in *stopped, and the items not answered (or not confirmed) stay
 * FWD_UNSENT.
 */
static int
publish(struct rlink *rl, const struct forward_opts *o, struct fwd_item *v,
    size_t n, char *stopped, size_t stoppedlen)
{
	redisReply	*moved = NULL;
	size_t		 i;
	int		 round, rc = 0;

	for (round = 1; ; round++) {
		for (i = 0; i < n; i++)
			if (to_send(&v[i]) && send_item(rl, o, &v[i]) == -1) {
				snprintf(stopped, stoppedlen, "%s", rl->rl_err);
				rc = -1;
				break;
			}
		if (rc == 0)
			rc = read_round(rl, v, n, round, &moved, stopped,
			    stoppedlen);
		rc = confirm_round(rl, o, v, n, round, rc == -1, stopped,
		    stoppedlen);
		if (rc == -1 || moved == NULL)
			break;
		if (round > RLINK_MOVES_MAX || rlink_follow(rl, moved) == -1) {
			snprintf(stopped, stoppedlen, "%s", round >
			    RLINK_MOVES_MAX ? "redirected too many times" :
			    rl->rl_err);
			rc = -1;
			break;
		}
		freeReplyObject(moved);
		moved = NULL;
	}
	if (moved != NULL)
		freeReplyObject(moved);
	if (rc == -1)
		for (i = 0; i < n; i++)
			if (v[i].fi_state == FWD_MOVED)
				v[i].fi_state = FWD_UNSENT;
	return rc;
}

/* End one item's claim as its state says, and count it. */
static void
finish(struct fwd_item *it, const struct forward_opts *o,
    struct forward_stats *fs, struct drain_seen *dn)
{
	struct claim	*cl = &it->fi_claim;
	const char	*reason;
	int		 to_failed = 0;

	switch (it->fi_state) {
	case FWD_ADDED:
	case FWD_DUPLICATE:
		if (claim_done(it->fi_spool, cl, &reason) != CLAIM_OK) {
			cli_warnx("event %s: %s: %s", it->fi_ev.ce_id,
			    reason, strerror(errno));
			fs->fs_errors++;
		} else if (it->fi_state == FWD_ADDED)
			fs->fs_added++;
		else
			fs->fs_dups++;
		return;
	case FWD_REFUSED:
		if (drain_seen_add(dn, cl->cl_name) == -1 ||
		    claim_retry(it->fi_spool, cl, o->fo_attempts, &to_failed,
		    &reason) != CLAIM_OK) {
			cli_warnx("event %s: %s", it->fi_ev.ce_id,
			    strerror(errno));
			fs->fs_errors++;
			return;
		}
		cli_warnx("event %s: refused: %s (attempt %u of %u); "
		    "%s", it->fi_ev.ce_id, it->fi_why, cl->cl_attempts + 1,
		    o->fo_attempts, to_failed ? "moved to failed/" :
		    "retried by the next run");
		if (to_failed)
			fs->fs_failed++;
		else
			fs->fs_retry++;
		return;
	default:
		if (drain_seen_add(dn, cl->cl_name) == -1)
			forward_sig.cs_stopping = 1;
		if (claim_unclaim(it->fi_spool, cl, &reason) != CLAIM_OK) {
			cli_warnx("event %s: %s: %s", it->fi_ev.ce_id,
			    reason, strerror(errno));
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
	    o->fo_stream, hash);
	return 0;
}

/*
 * A claimed event forward cannot send: it is moved to failed/ when its
 * line cannot be read or its attempts are used up. Returns 1 if so, 0 if
 * it is to be sent (fi_ev and fi_seen filled).
 */
static int
unsendable(struct fwd_item *it, const struct forward_opts *o,
    struct forward_stats *fs)
{
	struct claim	*cl = &it->fi_claim;
	const char	*reason = NULL, *why;
	char		 hash[SPOOL_HASH_HEX + 1];

	if (cli_event_read(cl->cl_line, cl->cl_len, &it->fi_ev, &reason) == 0) {
		if (cl->cl_attempts < o->fo_attempts &&
		    spool_marker_name(it->fi_ev.ce_webhook ?
		    it->fi_ev.ce_webhook : "", it->fi_ev.ce_id, hash) == 0 &&
		    sum_mark(it, o) == 0) {
			snprintf(it->fi_seen, sizeof(it->fi_seen),
			    "{%s}:seen:%s", o->fo_stream, hash);
			return 0;
		}
		reason = cl->cl_attempts < o->fo_attempts ?
		    "unable to hash its id or its event" : NULL;
	}
	why = reason;
	if (claim_give_up(it->fi_spool, cl, &reason) != CLAIM_OK) {
		cli_warnx("event %s: %s: %s", cl->cl_name, reason,
		    strerror(errno));
		fs->fs_errors++;
	} else {
		if (why != NULL)
			cli_warnx("%s: not an event line (%s); moved "
			    "to failed/", cl->cl_name, why);
		else
			cli_warnx("event %s: %u attempts made; moved "
			    "to failed/", it->fi_ev.ce_id, cl->cl_attempts);
		fs->fs_failed++;
	}
	cli_event_free(&it->fi_ev);
	claim_clear(cl);
	return 1;
}

/* What claim_take() said of an event it did not give, told and counted. */
static void
not_taken(const struct drain_item *it, enum claim_result res,
    const char *reason, struct forward_stats *fs, struct drain_seen *dn)
{
	char	name[SPOOL_NAME_MAX];

	cli_printable(it->di_name, name, sizeof(name));
	if (res == CLAIM_BUSY) {
		/* Held by another drain or reader: the next run. */
		if (drain_seen_add(dn, it->di_name) == -1)
			forward_sig.cs_stopping = 1;
		fs->fs_busy++;
	} else if (res == CLAIM_REFUSED) {
		cli_warnx("spool %s: refused new/%s (%s); moved to "
		    "failed/", it->di_spool->sp_dir, name, reason);
		fs->fs_refused++;
	} else if (res == CLAIM_ERROR) {
		cli_warnx("spool %s: new/%s: %s: %s",
		    it->di_spool->sp_dir, name, reason, strerror(errno));
		fs->fs_errors++;
	}
}

/* One flush of cur/, new/ and failed/ of each spool, after a batch. */
static void
flush_spools(const struct forward_opts *o, struct spool **spools,
    size_t nspools, struct forward_stats *fs)
{
	static const enum spool_folder folders[] = {
		SPOOL_CUR, SPOOL_NEW, SPOOL_FAILED
	};
	size_t	i, j;

	if (!o->fo_fsync)
		return;
	for (i = 0; i < nspools; i++)
		for (j = 0; j < sizeof(folders) / sizeof(folders[0]); j++)
			if (spool_sync(spools[i], folders[j]) == -1) {
				cli_warnx("spool %s: unable to flush "
				    "it to disk: %s", spools[i]->sp_dir,
				    strerror(errno));
				fs->fs_errors++;
				break;
			}
}

/*
 * Claim up to FORWARD_BATCH events from items[*next..n), publish them and
 * end their claims. Returns how many were claimed; when the run must end
 * (the server failed), forward_sig.cs_stopping is set and *stopped says
 * why.
 */
static size_t
batch(struct rlink *rl, const struct forward_opts *o, struct drain_item *items,
    size_t n, size_t *next, long long room, struct fwd_item *v,
    struct forward_stats *fs, struct drain_seen *dn, char *stopped,
    size_t stoppedlen)
{
	enum claim_result	 res;
	const char		*reason;
	size_t			 nv = 0, claimed = 0, i;

	while (*next < n && nv < FORWARD_BATCH &&
	    (room == 0 || (long long)claimed < room)) {
		struct drain_item	*di = &items[(*next)++];
		struct fwd_item		*it = &v[nv];

		memset(it, 0, sizeof(*it));
		res = claim_take(di->di_spool, di->di_name, NULL, NULL,
		    &it->fi_claim, &reason);
		if (res != CLAIM_OK) {
			not_taken(di, res, reason, fs, dn);
			continue;
		}
		claimed++;
		it->fi_spool = di->di_spool;
		if (!unsendable(it, o, fs))
			nv++;
	}
	if (nv > 0 && publish(rl, o, v, nv, stopped, stoppedlen) == -1)
		forward_sig.cs_stopping = 1;
	for (i = 0; i < nv; i++) {
		finish(&v[i], o, fs, dn);
		cli_event_free(&v[i].fi_ev);
		claim_clear(&v[i].fi_claim);
	}
	return claimed;
}

/* Forward waiting events until none is left, --max, or a stop. */
static void
forward_spools(struct rlink *rl, struct spool **spools, size_t nspools,
    const struct forward_opts *o, struct forward_stats *fs, char *stopped,
    size_t stoppedlen)
{
	struct drain_seen	 dn;
	struct drain_item	*items;
	struct fwd_item		*v;
	long long		 claimed = 0;
	size_t			 n, next, got;
	int			 progress;

	memset(&dn, 0, sizeof(dn));
	if ((v = calloc(FORWARD_BATCH, sizeof(*v))) == NULL) {
		cli_warnx("out of memory");
		fs->fs_errors++;
		return;
	}
	do {
		progress = 0;
		if (drain_collect(spools, nspools, &dn, &items, &n) == -1) {
			fs->fs_errors++;
			break;
		}
		next = 0;
		while (next < n) {
			cli_signals_check(&forward_sig, 0);
			if (forward_sig.cs_stopping ||
			    (o->fo_max > 0 && claimed >= o->fo_max))
				break;
			got = batch(rl, o, items, n, &next, o->fo_max > 0 ?
			    o->fo_max - claimed : 0, v, fs, &dn, stopped,
			    stoppedlen);
			claimed += (long long)got;
			if (got > 0) {
				progress = 1;
				flush_spools(o, spools, nspools, fs);
			}
		}
		drain_items_free(items, n);
	} while (progress && !forward_sig.cs_stopping &&
	    (o->fo_max == 0 || claimed < o->fo_max));
	if (forward_sig.cs_stopping && *stopped == '\0')
		snprintf(stopped, stoppedlen, "asked to stop");
	free(v);
	drain_seen_free(&dn);
}

/* The summary line on stderr; returns the exit status. */
static int
summary(const struct forward_stats *fs, const char *stopped)
{
	fprintf(stderr, "hookspool forward: %u added, %u duplicates, "
	    "%u to retry, %u failed", fs->fs_added, fs->fs_dups, fs->fs_retry,
	    fs->fs_failed);
	if (fs->fs_released > 0)
		fprintf(stderr, ", %u released from dead drains",
		    fs->fs_released);
	if (fs->fs_refused > 0)
		fprintf(stderr, ", %u refused", fs->fs_refused);
	if (fs->fs_busy > 0)
		fprintf(stderr, ", %u busy", fs->fs_busy);
	if (fs->fs_errors > 0)
		fprintf(stderr, ", %u errors", fs->fs_errors);
	if (*stopped != '\0')
		fprintf(stderr, "; stopped: %s", stopped);
	fprintf(stderr, "\n");
	return fs->fs_retry == 0 && fs->fs_failed == 0 &&
	    fs->fs_refused == 0 && fs->fs_errors == 0 && *stopped == '\0' ?
	    0 : EXIT_PART;
}

/*
 * Open and recover each spool of cf once. Returns the spools (*n of them,
 * the caller closes them and frees the array), or NULL (counted) when
 * out of memory.
 */
static struct spool **
open_spools(const struct config *cf, size_t *n, struct forward_stats *fs)
{
	struct spool	**spools;
	unsigned	  released;
	size_t		  i;

	if ((spools = calloc(cf->cf_nwebhooks + 1, sizeof(*spools))) == NULL) {
		cli_warnx("out of memory");
		fs->fs_errors++;
		return NULL;
	}
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		if (!cli_first_of_spool(cf, i))
			continue;
		if (cli_open_spool(cf, cf->cf_webhooks[i].wh_spool,
		    &spools[*n]) == -1) {
			fs->fs_errors++;
			continue;
		}
		if (cli_recover(spools[*n], NULL, NULL, &released) == -1)
			fs->fs_errors++;
		fs->fs_released += released;
		/*
		 * From here on the claims need no flush of their own: an
		 * event is removed only once Redis holds it, and a claim,
		 * retry or removal that a power cut undoes leaves the event
		 * in new/ or cur/, from where it is sent again and found
		 * marked. Each batch ends with one flush of the folders (when
		 * fsync is on).
		 */
		spools[*n]->sp_fsync = 0;
		(*n)++;
	}
	return spools;
}

int
cmd_forward(int argc, char *argv[])
{
	struct forward_opts	  o;
	struct forward_stats	  fs;
	struct config		 *cf;
	struct spool		**spools = NULL;
	struct rlink		 *rl = NULL;
	const char		 *conf = NULL;
	char			 *user = NULL, *pass = NULL;
	char			  err[RLINK_ERR_MAX], stopped[RLINK_ERR_MAX];
	size_t			  i, nspools = 0;
	int			  r;

	if ((r = parse_opts(argc, argv, &o, &conf)) != 0) {
		free(o.fo_nodes);
		return r == 1 ? cli_help(forward_usage) : EXIT_USAGE;
	}
	if ((cf = cli_load(conf)) == NULL) {
		free(o.fo_nodes);
		return EXIT_USAGE;
	}
	memset(&fs, 0, sizeof(fs));
	stopped[0] = '\0';
	o.fo_fsync = cf->cf_fsync;
	o.fo_cf = cf;
	if (o.fo_auth != NULL &&
	    rlink_auth_read(o.fo_auth, &user, &pass, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		config_free(cf);
		free(o.fo_nodes);
		return EXIT_USAGE;
	}
	/*
	 * The server first: one that cannot be reached, or that may lose what
	 * it confirms, costs no claim.
	 */
	if (rlink_open(&o.fo_link, user, pass, &rl, err, sizeof(err)) == -1) {
		cli_warnx("%s; the events stay in new/", err);
		config_free(cf);
		free(o.fo_nodes);
		return EXIT_PART;
	}
	if (cli_signals_block(&forward_sig) == -1) {
		cli_warnx("unable to set up signals: %s",
		    strerror(errno));
		fs.fs_errors++;
		goto done;
	}
	if ((spools = open_spools(cf, &nspools, &fs)) == NULL)
		goto done;
	forward_spools(rl, spools, nspools, &o, &fs, stopped, sizeof(stopped));
done:
	for (i = 0; i < nspools; i++)
		spool_close(spools[i]);
	free(spools);
	rlink_free(rl);
	config_free(cf);
	free(o.fo_nodes);
	return summary(&fs, stopped);
}
