/*
 * status.h: what hookspool status gathers before it prints (cmd_status.c:
 * the verb, text and JSON; status_prom.c: node_exporter's textfile
 * format), and what it asks of Redis (cmd_redis.c with hiredis,
 * cmd_noredis.c without).
 */
#ifndef HOOKSPOOL_STATUS_H
#define HOOKSPOOL_STATUS_H

#include <stdio.h>

#include "census.h"
#include "config.h"
#include "counters.h"
#include "opt.h"
#include "rlink_opts.h"

#define STATUS_ERR_MAX	512

/* One spool, as read. */
struct status_spool {
	const char			*ss_dir;	/* the config's */
	int				 ss_up;		/* read (census taken) */
	struct census			 ss_census;
	int				 ss_counters;	/* counters_read() */
	const char			*ss_counters_why;	/* when -1 */
	struct counters_snapshot	*ss_snap;
	const char			**ss_names;	/* its webhooks' names */
	size_t				 ss_nnames;
};

/* What Redis said (--redis). */
struct status_redis {
	const char	*sr_stream;
	const char	*sr_group;
	int		 sr_up;		/* connected and answered */
	long long	 sr_length;	/* XLEN */
	long long	 sr_failed;	/* XLEN of KEY:failed */
	int		 sr_has_group;	/* the group exists */
	long long	 sr_pending;
	long long	 sr_lag;	/* -1: the server does not say */
	long long	 sr_consumers;
	char		 sr_err[STATUS_ERR_MAX];	/* when !sr_up */
};

/*
 * Check --redis and its options (a mistake is told with opt_misuse()),
 * connect, and read the stream's length, KEY:failed's length and group's
 * pending count, lag and consumers into *sr (sr_stream and sr_group set
 * by the caller). A server that cannot be reached or fails is sr_up 0
 * with sr_err. Returns OPT_OK or OPT_USAGE (without hiredis: a message
 * that says so, and OPT_USAGE).
 */
enum opt_result status_redis(const struct opt_verb *v,
    const struct rlink_opts *o, struct status_redis *sr);

/*
 * The spools ss[0..n) (and sr, or NULL) in node_exporter's textfile
 * format on f: HELP and TYPE lines, one family at a time, names prefixed
 * hookspool_.
 */
void status_prometheus(FILE *f, const struct status_spool *ss, size_t n,
    const struct status_redis *sr);

/*
 * The label of counters row r of ss (counters_label() with the spool's
 * webhooks and COUNTERS_NO_WEBHOOK).
 */
const char *status_row_label(const struct status_spool *ss,
    const struct counters_row *r);

#endif
