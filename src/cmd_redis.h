/*
 * cmd_redis.h: the Redis side of the verbs that also work without it
 * (requeue --redis; status --redis is in status.h): cmd_redis.c with
 * hiredis, cmd_noredis.c without.
 */
#ifndef HOOKSPOOL_CMD_REDIS_H
#define HOOKSPOOL_CMD_REDIS_H

#include <stddef.h>

#include "opt.h"
#include "rlink_opts.h"

/*
 * hookspool requeue --redis: each entry of KEY:failed that ids[0..nids)
 * names (its entry id, or its event's id), or every one when nids is 0,
 * back into the stream as a new entry with the same id, webhook, type
 * and line (its attempts start again), then out of KEY:failed; see
 * cmd_redis.c for why a stop halfway never loses or doubles one. The
 * options are checked first (opt_misuse() on v). Returns the exit status.
 */
int requeue_redis(const struct opt_verb *v, const struct rlink_opts *o,
    char **ids, size_t nids);

#endif
