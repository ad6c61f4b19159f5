/*
 * forward_publish.c: the Redis side of forward's batches (forward.h): one
 * server-side script per event, pipelined, the replies read as they come,
 * MOVED followed to the nodes allowed, and with --replicas a WAIT for the
 * replicas after each round. Which event became what is left in each
 * item's state; forward.c ends the claims.
 */
#include <stdio.h>
#include <string.h>

#include "forward.h"

/* How long one WAIT for --replicas may take. */
#define FORWARD_WAIT_MS		5000

/*
 * KEYS[1] the stream, KEYS[2] the id's mark, KEYS[3] (when given) the
 * mark of the event's bytes; ARGV: TTL, MAXLEN (0: none), id, webhook,
 * type, line, and "1" when replicas are waited for. Returns the new
 * entry's id, or 0 when the id (or the bytes) was marked already, and
 * nothing is then left marked that was not before; a mark found is
 * written again (its TTL kept), so that a WAIT after it waits also for
 * the entry that an earlier run added with the mark.
 */
const char forward_script[] =
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
	argv[n++] = o->fo_r.ro_stream;
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

int
forward_publish(struct rlink *rl, const struct forward_opts *o,
    struct fwd_item *v, size_t n, char *stopped, size_t stoppedlen)
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
