/*
 * cmd_redis.c: the operator's Redis work, through rlink.h: what status
 * --redis reads (the stream, its group, KEY:failed), requeue --redis
 * (KEY:failed back into the stream) and the consumers verb (a group's
 * consumers, and forgetting the idle ones that hold nothing). Built with
 * hiredis only; cmd_noredis.c stands in for it without.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "cmd_redis.h"
#include "config.h"
#include "opt.h"
#include "rlink.h"
#include "status.h"

/* How long requeue's marks last: a rerun within it adds nothing again. */
#define REQUEUE_TTL		"604800"	/* 7 days, as forward's --ttl */
/* Entries of KEY:failed read at once. */
#define REQUEUE_PAGE		"100"
#define KEY_MAX			(CLI_STREAM_MAX + 64)
#define IDLE_MAX		(365LL * 86400)

/*
 * requeue's script. KEYS[1] the stream, KEYS[2] the failed entry's mark
 * ({KEY}:requeued:ENTRY, in the stream's slot); ARGV[1] the mark's TTL,
 * then the entry's fields and values. Adds them as a new entry unless the
 * mark was there (an earlier run added it, then stopped before its XDEL):
 * returns the new entry's id, or 0.
 */
static const char requeue_script[] =
    "if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then\n"
    "  return 0\n"
    "end\n"
    "local add = {'XADD', KEYS[1], '*'}\n"
    "for i = 2, #ARGV do add[#add + 1] = ARGV[i] end\n"
    "local r = redis.pcall(unpack(add))\n"
    "if type(r) == 'table' and r.err then redis.call('DEL', KEYS[2]) end\n"
    "return r\n";

/*
 * consumers' script. KEYS[1] the stream; ARGV group, consumer, idle ms.
 * Removes the consumer only if, at this instant, it holds no pending
 * entry and has been idle that long: 0 when removed, -1 when it holds
 * entries, -2 when it is not idle (any more), -3 when it is gone.
 */
static const char forget_script[] =
    "local cs = redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])\n"
    "for _, c in ipairs(cs) do\n"
    "  local f = {}\n"
    "  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end\n"
    "  if f['name'] == ARGV[2] then\n"
    "    if f['pending'] > 0 then return -1 end\n"
    "    if f['idle'] < tonumber(ARGV[3]) then return -2 end\n"
    "    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])\n"
    "    return 0\n"
    "  end\n"
    "end\n"
    "return -3\n";

/*
 * Check the options, then connect with script (or none). Returns the
 * link, or NULL: *usage says whether it was a usage error (told) or the
 * link that failed (err says why). *nodes is the caller's to free.
 */
static struct rlink *
redis_connect(const struct opt_verb *v, const struct rlink_opts *o,
    struct rlink_conf *conf, struct rtext_node **nodes, const char *script,
    char *err, size_t errlen, int *usage)
{
	struct rlink	*rl;
	char		*user = NULL, *pass = NULL;
	size_t		 nn;

	memset(conf, 0, sizeof(*conf));
	*usage = 0;
	err[0] = '\0';
	if (rlink_opts_check(v, o, conf, nodes, &nn) != OPT_OK) {
		*usage = 1;
		return NULL;
	}
	conf->rc_script = script;
	if (o->ro_auth != NULL && rlink_auth_read(o->ro_auth, &user, &pass, err,
	    errlen) == -1) {
		*usage = 1;
		cli_warnx("%s", err);
		return NULL;
	}
	/* rlink_open() takes user and pass over */
	if (rlink_open(conf, user, pass, &rl, err, errlen) == -1)
		return NULL;
	return rl;
}

/* The value after name in a flat array of names and values, or NULL. */
static const redisReply *
field(const redisReply *flat, const char *name)
{
	size_t	i;

	if (flat == NULL || flat->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < flat->elements; i += 2)
		if (flat->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(flat->element[i]->str, name) == 0)
			return flat->element[i + 1];
	return NULL;
}

/* An integer reply's value, or -1 (nil, or not a number). */
static long long
int_of(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
}

/*
 * Run argv (strings) and keep its reply in *out (the caller's). Returns 0,
 * or -1 with why in err: the link failed, or the reply is an error (but
 * XINFO's "no such key", which is a reply: no stream yet).
 */
static int
run(struct rlink *rl, int argc, const char **argv, redisReply **out,
    char *err, size_t errlen)
{
	size_t		lens[8];
	redisReply	*r;
	char		why[RLINK_ERR_MAX / 2];
	int		i;

	for (i = 0; i < argc && i < 8; i++)
		lens[i] = strlen(argv[i]);
	if ((r = rlink_call(rl, argc, argv, lens)) == NULL) {
		snprintf(err, errlen, "%s", rl->rl_err);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR && (strncmp(r->str, "ERR no such key",
	    15) != 0 || strcmp(argv[0], "XINFO") != 0)) {
		snprintf(err, errlen, "%s %s: %s", argv[0], argv[1],
		    rlink_reply_error(r, why, sizeof(why)));
		freeReplyObject(r);
		return -1;
	}
	*out = r;
	return 0;
}

/* XINFO GROUPS: the group sr names, if there is one. */
static int
status_group(struct rlink *rl, struct status_redis *sr)
{
	const char	*groups[] = { "XINFO", "GROUPS", sr->sr_stream };
	redisReply	*r;
	const redisReply *g, *name;
	size_t		 i;

	if (run(rl, 3, groups, &r, sr->sr_err, sizeof(sr->sr_err)) == -1)
		return -1;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		g = r->element[i];
		if ((name = field(g, "name")) == NULL ||
		    name->type != REDIS_REPLY_STRING ||
		    strcmp(name->str, sr->sr_group) != 0)
			continue;
		sr->sr_has_group = 1;
		sr->sr_pending = int_of(field(g, "pending"));
		sr->sr_consumers = int_of(field(g, "consumers"));
		sr->sr_lag = int_of(field(g, "lag"));	/* Redis 7; nil: unknown */
	}
	freeReplyObject(r);
	return 0;
}

enum opt_result
status_redis(const struct opt_verb *v, const struct rlink_opts *o,
    struct status_redis *sr)
{
	struct rlink_conf	 conf;
	struct rtext_node	*nodes = NULL;
	struct rlink		*rl;
	redisReply		*r;
	char			 failed[KEY_MAX];
	const char		*len[] = { "XLEN", o->ro_stream };
	const char		*flen[] = { "XLEN", failed };
	int			 usage;

	sr->sr_lag = -1;
	snprintf(failed, sizeof(failed), "%s:failed", o->ro_stream);
	if ((rl = redis_connect(v, o, &conf, &nodes, NULL, sr->sr_err,
	    sizeof(sr->sr_err), &usage)) == NULL) {
		free(nodes);
		return usage ? OPT_USAGE : OPT_OK;
	}
	if (run(rl, 2, len, &r, sr->sr_err, sizeof(sr->sr_err)) == 0) {
		sr->sr_length = int_of(r);
		freeReplyObject(r);
		if (run(rl, 2, flen, &r, sr->sr_err, sizeof(sr->sr_err)) == 0) {
			sr->sr_failed = int_of(r);
			freeReplyObject(r);
			if (status_group(rl, sr) == 0)
				sr->sr_up = 1;
		}
	}
	rlink_free(rl);
	free(nodes);
	return OPT_OK;
}

/* What one requeue run did. */
struct requeue_run {
	struct rlink		*rr_rl;
	const char		*rr_stream;
	char			 rr_failed[KEY_MAX];
	unsigned		 rr_requeued;
	unsigned		 rr_errors;
};

/*
 * Put failed entry e (an XRANGE element: its id, then its fields) back
 * into the stream: the script adds its id, webhook, type and line as a
 * new entry (the attempts start again: they are the new entry's
 * deliveries), unless its mark says an earlier run did; then XDEL takes
 * it out of KEY:failed. A stop between the two leaves the entry in both
 * places with its mark: the next run adds nothing and removes it. Returns
 * 0, or -1 (told).
 */
static int
requeue_entry(struct requeue_run *rr, const redisReply *e)
{
	static const char *const keep[] = { "id", "webhook", "type", "line" };
	const char	*argv[16];
	size_t		 lens[16], i, k;
	const redisReply *f;
	redisReply	*r;
	char		 mark[KEY_MAX + 48], why[RLINK_ERR_MAX / 2], shown[64];
	size_t		 n = 0;
	int		 rc = -1;

	cli_printable(e->element[0]->str, shown, sizeof(shown));
	snprintf(mark, sizeof(mark), "{%s}:requeued:%s", rr->rr_stream,
	    e->element[0]->str);
	argv[n++] = "EVALSHA";
	argv[n++] = rr->rr_rl->rl_sha;
	argv[n++] = "2";
	argv[n++] = rr->rr_stream;
	argv[n++] = mark;
	argv[n++] = REQUEUE_TTL;
	for (i = 0; i < n; i++)
		lens[i] = strlen(argv[i]);
	f = e->element[1];
	for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
		for (i = 0; i + 1 < f->elements; i += 2)
			if (strcmp(f->element[i]->str, keep[k]) == 0)
				break;
		if (i + 1 >= f->elements) {
			if (strcmp(keep[k], "line") == 0) {
				cli_warnx("%s entry %s has no line; left there",
				    rr->rr_failed, shown);
				return -1;
			}
			continue;
		}
		argv[n] = keep[k];
		lens[n++] = strlen(keep[k]);
		argv[n] = f->element[i + 1]->str;
		lens[n++] = f->element[i + 1]->len;
	}
	if ((r = rlink_call(rr->rr_rl, (int)n, argv, lens)) == NULL) {
		cli_warnx("%s", rr->rr_rl->rl_err);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR)
		cli_warnx("unable to requeue %s entry %s: %s", rr->rr_failed,
		    shown, rlink_reply_error(r, why, sizeof(why)));
	else
		rc = 0;
	freeReplyObject(r);
	if (rc == 0) {
		argv[0] = "XDEL";
		argv[1] = rr->rr_failed;
		argv[2] = e->element[0]->str;
		if (run(rr->rr_rl, 3, argv, &r, why, sizeof(why)) == -1) {
			cli_warnx("requeued %s, but unable to remove it from "
			    "%s: %s (the next run removes it)", shown,
			    rr->rr_failed, why);
			return -1;
		}
		freeReplyObject(r);
	}
	return rc;
}

/*
 * The entries of KEY:failed from start (exclusive with '('), a page at
 * a time; each one that ids (or all, when nids is 0) names, by its entry
 * id or its event id, is requeued. found[i] is set for each id matched.
 * Returns 0, or -1 when the link failed (told).
 */
static int
requeue_scan(struct requeue_run *rr, char **ids, size_t nids, int *found)
{
	const char	*argv[] = { "XRANGE", rr->rr_failed, "-", "+", "COUNT",
	    REQUEUE_PAGE };
	char		 start[64], why[RLINK_ERR_MAX];
	const redisReply *e, *id;
	redisReply	*r;
	size_t		 i, k;
	int		 hit;

	for (;;) {
		if (run(rr->rr_rl, 6, argv, &r, why, sizeof(why)) == -1) {
			cli_warnx("%s", why);
			return -1;
		}
		if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
			freeReplyObject(r);
			return 0;
		}
		for (i = 0; i < r->elements; i++) {
			e = r->element[i];
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[0]->type != REDIS_REPLY_STRING ||
			    e->element[1]->type != REDIS_REPLY_ARRAY)
				continue;
			id = field(e->element[1], "id");
			for (k = 0, hit = nids == 0; k < nids; k++)
				if (strcmp(ids[k], e->element[0]->str) == 0 ||
				    (id != NULL && id->type ==
				    REDIS_REPLY_STRING && id->len ==
				    strlen(ids[k]) && strcmp(id->str,
				    ids[k]) == 0))
					hit = found[k] = 1;
			if (!hit)
				continue;
			if (requeue_entry(rr, e) == 0)
				rr->rr_requeued++;
			else
				rr->rr_errors++;
		}
		e = r->element[r->elements - 1];
		snprintf(start, sizeof(start), "(%s",
		    e->type == REDIS_REPLY_ARRAY && e->elements > 0 &&
		    e->element[0]->type == REDIS_REPLY_STRING ?
		    e->element[0]->str : "+");
		argv[2] = start;
		freeReplyObject(r);
	}
}

int
requeue_redis(const struct opt_verb *v, const struct rlink_opts *o,
    char **ids, size_t nids)
{
	struct requeue_run	 rr;
	struct rlink_conf	 conf;
	struct rtext_node	*nodes = NULL;
	char			 err[RLINK_ERR_MAX], shown[64];
	int			*found = NULL, usage, rc = 0;
	size_t			 i;

	memset(&rr, 0, sizeof(rr));
	rr.rr_stream = o->ro_stream;
	snprintf(rr.rr_failed, sizeof(rr.rr_failed), "%s:failed",
	    o->ro_stream);
	if (nids > 0 && (found = calloc(nids, sizeof(*found))) == NULL) {
		cli_warnx("out of memory");
		return EXIT_PART;
	}
	if ((rr.rr_rl = redis_connect(v, o, &conf, &nodes, requeue_script,
	    err, sizeof(err), &usage)) == NULL) {
		if (!usage)
			cli_warnx("%s", err);
		free(found);
		free(nodes);
		return usage ? EXIT_USAGE : EXIT_PART;
	}
	if (requeue_scan(&rr, ids, nids, found) == -1)
		rc = EXIT_PART;
	for (i = 0; rc == 0 && i < nids; i++)
		if (!found[i]) {
			cli_warnx("no entry %s in %s (give its entry id or its "
			    "event id)", cli_printable(ids[i], shown,
			    sizeof(shown)), rr.rr_failed);
			rc = EXIT_PART;
		}
	if (rr.rr_errors > 0)
		rc = EXIT_PART;
	fprintf(stderr, "%s requeue: %u requeued from %s\n", cli_progname,
	    rr.rr_requeued, rr.rr_failed);
	rlink_free(rr.rr_rl);
	free(found);
	free(nodes);
	return rc;
}

struct consumers_opts {
	const char		*co_conf;	/* for log_format alone */
	struct rlink_opts	 co_r;
	const char		*co_group;
	long long		 co_forget;	/* -1: list only */
};

static const struct opt consumers_opt_table[] = {
	CLI_LOG_CONFIG(struct consumers_opts, co_conf),
	RLINK_OPTS(struct consumers_opts, co_r),
	{ "group", 0, OPT_STRING, offsetof(struct consumers_opts, co_group), 0,
	    0, "G", "the consumer group (default: hookspool)" },
	{ "forget-idle", 0, OPT_DURATION, offsetof(struct consumers_opts,
	    co_forget), 1, IDLE_MAX, "D", "remove the consumers idle for "
	    "longer than D that hold no pending entry (XGROUP DELCONSUMER, "
	    "checked and done at one instant); one that holds entries is "
	    "never removed: consume's --idle hands them to a live worker "
	    "first" },
};

static const struct opt_verb consumers_verb = {
	"consumers", "[-c CONF] --redis ADDR [--auth-file F] [--stream KEY] "
	"[--cluster NODE]... [--group G] [--forget-idle D]",
	"List the consumers of the stream's consumer group: each one's "
	"pending entries and how long it has been idle. A consumer killed "
	"without a chance to leave stays in the group until forgotten.",
	consumers_opt_table,
	sizeof(consumers_opt_table) / sizeof(consumers_opt_table[0]), 0
};

/* Forget consumer name (idle ms); says what happened. Returns 0 or -1. */
static int
forget(struct rlink *rl, const struct consumers_opts *co, const char *name,
    const char *shown)
{
	const char	*argv[] = { "EVALSHA", rl->rl_sha, "1", co->co_r.ro_stream,
	    co->co_group, name, NULL };
	char		 ms[32], why[RLINK_ERR_MAX];
	redisReply	*r;
	int		 rc = 0;

	snprintf(ms, sizeof(ms), "%lld", co->co_forget * 1000);
	argv[6] = ms;
	if (run(rl, 7, argv, &r, why, sizeof(why)) == -1) {
		cli_warnx("consumer %s: %s", shown, why);
		return -1;
	}
	switch (int_of(r)) {
	case 0:
		printf("  forgotten\n");
		break;
	case -1:
		printf("  kept: it holds pending entries (never removed while "
		    "it does; a live consume takes them over after its "
		    "--idle)\n");
		break;
	case -2:
		printf("  kept: active again\n");
		break;
	case -3:
		printf("  gone already\n");
		break;
	default:
		cli_warnx("consumer %s: an odd reply", shown);
		rc = -1;
	}
	freeReplyObject(r);
	return rc;
}

/* List the group's consumers, forgetting those co says. Returns 0 or -1. */
static int
consumers_list(struct rlink *rl, const struct consumers_opts *co)
{
	const char	*argv[] = { "XINFO", "CONSUMERS", co->co_r.ro_stream,
	    co->co_group };
	const redisReply *c, *name;
	redisReply	*r;
	char		 why[RLINK_ERR_MAX], shown[256];
	long long	 pending, idle;
	size_t		 i;
	int		 rc = 0;

	if (run(rl, 4, argv, &r, why, sizeof(why)) == -1) {
		cli_warnx("%s%s", why, strstr(why, "NOGROUP") != NULL ?
		    " (no such group: --group names it)" : "");
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		cli_warnx("no stream %s", cli_printable(co->co_r.ro_stream,
		    shown, sizeof(shown)));
		freeReplyObject(r);
		return -1;
	}
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		c = r->element[i];
		if ((name = field(c, "name")) == NULL ||
		    name->type != REDIS_REPLY_STRING)
			continue;
		pending = int_of(field(c, "pending"));
		idle = int_of(field(c, "idle"));
		cli_printable(name->str, shown, sizeof(shown));
		printf("%s: %lld pending, idle %llds\n", shown, pending,
		    idle / 1000);
		if (co->co_forget >= 0 && idle > co->co_forget * 1000 &&
		    forget(rl, co, name->str, shown) == -1)
			rc = -1;
	}
	freeReplyObject(r);
	return rc;
}

int
cmd_consumers(int argc, char *argv[])
{
	struct consumers_opts	 co;
	struct rlink_conf	 conf;
	struct rtext_node	*nodes = NULL;
	struct rlink		*rl;
	char			 err[RLINK_ERR_MAX];
	int			 n, usage, rc;

	memset(&co, 0, sizeof(co));
	co.co_r.ro_stream = RLINK_STREAM_DEFAULT;
	co.co_group = "hookspool";
	co.co_forget = -1;
	switch (opt_parse(&consumers_verb, argc, argv, &co, &n)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&consumers_verb);
	default:
		return EXIT_USAGE;
	}
	if (cli_log_config(co.co_conf) == -1)
		return EXIT_USAGE;
	if ((rl = redis_connect(&consumers_verb, &co.co_r, &conf, &nodes,
	    forget_script, err, sizeof(err), &usage)) == NULL) {
		if (!usage)
			cli_warnx("%s", err);
		free(nodes);
		return usage ? EXIT_USAGE : EXIT_PART;
	}
	rc = consumers_list(rl, &co) == 0 ? 0 : EXIT_PART;
	rlink_free(rl);
	free(nodes);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_warnx("unable to write to standard output");
		rc = EXIT_PART;
	}
	return rc;
}
