/*
 * forward.h: what the files of the forward verb share. forward.c takes
 * the options, claims the events in batches and ends the claims;
 * forward_publish.c sends a batch to Redis and reads what became of each
 * event; forward_follow.c keeps forward running (--follow), a pass each
 * time something lands in a new/.
 */
#ifndef HOOKSPOOL_FORWARD_H
#define HOOKSPOOL_FORWARD_H

#include <stddef.h>
#include <time.h>

#include "claim.h"
#include "cli.h"
#include "config.h"
#include "drain.h"
#include "rlink.h"
#include "spool.h"

/* "{KEY}:seen:", the hash, and for a replay ":rN" */
#define FORWARD_SEEN_MAX	(CLI_STREAM_MAX + 8 + SPOOL_HASH_HEX + 16)

struct forward_opts {
	const char		*fo_conf;
	struct rlink_opts	 fo_r;		/* --redis, --auth-file, ... */
	struct rlink_conf	 fo_link;	/* --redis, --cluster, durability */
	struct rtext_node	*fo_nodes;	/* --cluster, fo_link's */
	size_t			 fo_nnodes;
	long long		 fo_max;	/* 0: no limit */
	long long		 fo_attempts;
	long long		 fo_ttl;
	long long		 fo_maxlen;	/* 0: no trimming */
	long long		 fo_replicas;	/* 0: no WAIT */
	long long		 fo_backoff;	/* seconds, doubling */
	int			 fo_accept_loss;
	int			 fo_quiet;	/* --quiet: no summary */
	int			 fo_follow;	/* --follow */
	long long		 fo_rescan;	/* --rescan, seconds; 0: not given */
	long long		 fo_rescan_ms;	/* the interval */
	int			 fo_fsync;	/* the config's fsync */
	const struct config	*fo_cf;		/* its webhooks' schemes */
	char			 fo_ttl_s[24];
	char			 fo_maxlen_s[24];
};

/* What a run did, for its summary line. */
struct forward_stats {
	unsigned long long	 fs_added;
	unsigned long long	 fs_dups;
	unsigned long long	 fs_retry;
	unsigned long long	 fs_failed;
	unsigned long long	 fs_released;
	unsigned long long	 fs_refused;
	unsigned long long	 fs_busy;
	unsigned long long	 fs_errors;
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

/* One forward process: its link, its spools, what it did. */
struct forward_run {
	const struct forward_opts *fr_opts;
	const struct config	 *fr_cf;
	struct rlink		 *fr_link;	/* NULL while not connected */
	char			 *fr_user;	/* the auth file's, or NULL */
	char			 *fr_pass;	/* wiped when the run ends */
	struct spool		**fr_spools;
	size_t			  fr_nspools;
	struct fwd_item		 *fr_items;	/* room for one batch */
	/*
	 * The events done with until the next rescan (a cron run: until it
	 * ends): busy, refused, or sent back when the server failed.
	 */
	struct drain_seen	  fr_seen;
	long long		  fr_claimed;	/* against --max */
	time_t			  fr_next_due;	/* the next retry (0: none) */
	struct forward_stats	  fr_stats;
	struct cli_signals	  fr_sig;
	int			  fr_failed;	/* the server failed */
	char			  fr_stopped[RLINK_ERR_MAX];	/* why */
};

/*
 * The script each event is sent with: KEYS[1] the stream, KEYS[2] the
 * id's mark, KEYS[3] (when given) the mark of the event's bytes; ARGV:
 * TTL, MAXLEN (0: none), id, webhook, type, line, and "1" when replicas
 * are waited for (forward_publish.c says what it returns).
 */
extern const char forward_script[];

/*
 * Send the items of v in state FWD_UNSENT or FWD_MOVED and read their
 * answers, following MOVED. Returns 0, or -1 when the link failed, the
 * server is in trouble or too few replicas confirmed: the reason is then
 * in *stopped, and the items not answered (or not confirmed) stay
 * FWD_UNSENT.
 */
int forward_publish(struct rlink *rl, const struct forward_opts *o,
    struct fwd_item *v, size_t n, char *stopped, size_t stoppedlen);

/*
 * One pass: forward the waiting events of fr's spools until none is left
 * (those in fr_seen and those whose backoff is not over aside: the first
 * of these to come due is left in fr_next_due), --max is reached, a stop
 * signal is taken (fr_sig.cs_stopping), or the server fails (fr_failed,
 * fr_stopped says why; the events not answered are back in new/ and in
 * fr_seen). The batch in flight is always finished. Messages and counts
 * as it goes.
 */
void forward_pass(struct forward_run *fr);

/*
 * Open the spool at dir for forward (cli_open_spool, said on failure),
 * recover it (cut-short deliveries, dead drains' claims; counted) and
 * turn its own flushes off (forward flushes once per batch). Returns 0
 * with *sp, or -1.
 */
int forward_open_spool(struct forward_run *fr, const char *dir,
    struct spool **sp);

/*
 * Connect fr to the server its options name (rlink_open()), with copies
 * of fr_user and fr_pass. Returns 0 with fr_link set, or -1 with the
 * reason in err.
 */
int forward_connect(struct forward_run *fr, char *err, size_t errlen);

/*
 * --follow: pass after pass over fr's spools (open, fr_nspools of them),
 * each as soon as something lands in a new/, and at every rescan
 * interval; connected or connecting again (fr_link may be NULL) with a
 * growing delay while the server cannot be reached. Returns at a stop
 * signal, once the pass under way is done, with 0; with EXIT_PART when it
 * cannot go on (said).
 */
int forward_follow(struct forward_run *fr);

#endif
