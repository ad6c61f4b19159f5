/*
 * consume.h: what the consume verb's two files share. consume.c parses
 * the options, talks to the consumer group and runs a handler per entry
 * (--exec); consume_pipe.c hands the entries to a handler that starts
 * once (--pipe, hpipe.h). Both print, as verbs do.
 */
#ifndef HOOKSPOOL_CONSUME_H
#define HOOKSPOOL_CONSUME_H

#include <stddef.h>

#include "cli.h"
#include "opt.h"
#include "rlink.h"

#define CONSUME_NAME_MAX	200
/* The consumer that holds failed entries while they wait out a backoff. */
#define CONSUME_WAITING		"(backoff)"

struct consume_opts {
	const char		*co_conf;	/* -c: for log_format alone */
	struct rlink_opts	 co_r;		/* --redis, --auth-file, ... */
	struct rlink_conf	 co_link;	/* --redis, --cluster */
	struct rtext_node	*co_nodes;	/* --cluster, co_link's */
	size_t			 co_nnodes;
	const char		*co_group;
	const char		*co_name_opt;	/* --name, or NULL */
	char			 co_name[CONSUME_NAME_MAX + 1];
	const char		*co_exec;	/* or co_pipe */
	const char		*co_pipe;
	long long		 co_jobs;	/* with --pipe */
	long long		 co_max;	/* 0: until asked to stop */
	long long		 co_attempts;
	long long		 co_timeout;
	long long		 co_idle;
	long long		 co_backoff;
	int			 co_quiet;	/* --quiet: no summary */
	char			 co_idle_ms[24];
	char			 co_scan_ms[24];	/* the least idle worth a look */
	char			 co_failed[CLI_STREAM_MAX + 8];	/* KEY:failed */
	/* {KEY}:group:GROUP, set once consume has made the group */
	char			 co_made[CLI_STREAM_MAX + CONSUME_NAME_MAX + 12];
	struct opt_list		 co_types;
};

struct consume_stats {
	unsigned	 cs_done;
	unsigned	 cs_retry;	/* left pending, for a later delivery */
	unsigned	 cs_failed;	/* copied to KEY:failed */
	unsigned	 cs_skipped;	/* another --type */
	unsigned	 cs_unsent;	/* --pipe: left pending, never begun */
	unsigned	 cs_errors;
};

/* One entry read from the stream: pointers into its reply. */
struct consume_entry {
	const char		*ce_entry;	/* the stream entry's id */
	struct rtext_entry	 ce_f;		/* its fields */
	long long		 ce_attempt;	/* this delivery's number */
};

/* The worker's signals; cs_stopping once it is to stop. */
extern struct cli_signals	consume_sig;
/* Why the worker stopped, other than being asked to ("" until then). */
extern char			consume_stopped[RLINK_ERR_MAX];

/*
 * Parse argv into o (consume_opts.c), defaults first, and what follows
 * from the options (the worker's name, KEY:failed, ...). Returns OPT_OK,
 * OPT_HELP or OPT_USAGE (told); o->co_nodes is the caller's to free,
 * whatever it returns.
 */
enum opt_result consume_parse_opts(int argc, char *argv[],
    struct consume_opts *o);

/* Print consume's --help on stdout; returns the exit status. */
int consume_help(void);

/*
 * Run a command of argc words given as strings (at most 16), following
 * MOVED. NULL when the link failed: consume_stopped says why, and the
 * worker stops.
 */
redisReply *consume_call(struct rlink *rl, int argc, const char **argv);

/*
 * An error reply r to what, told. The server's trouble stops the worker,
 * and so does any error when fatal is set, and a group that is gone.
 */
void consume_reply_error(struct rlink *rl, const redisReply *r,
    const char *what, int fatal);

/* See that the consumer group is there (consume.c). Returns 0 or -1. */
int consume_group_start(struct rlink *rl, const struct consume_opts *o);

/* Whether r is a string or status reply. */
int consume_is_string(const redisReply *r);

/*
 * Fill e from an entry reply [ID, [FIELD, VALUE, ...]] (pointers into
 * r). Returns 0, or -1 if r is no entry.
 */
int consume_entry_parse(const redisReply *r, struct consume_entry *e);

/*
 * Claim one pending entry that is due again, if any: one a worker failed
 * once it has waited out its backoff, one left on a worker for --idle
 * (consume.c says how), looking at a page of XPENDING from cursor
 * ("0-0": the start) and moving the cursor on. Returns the reply holding
 * it (in *e, with its delivery count; the caller frees the reply), or
 * NULL.
 */
redisReply *consume_claim_due(struct rlink *rl, const struct consume_opts *o,
    char *cursor, size_t cursorlen, struct consume_entry *e);

/*
 * Set a failed entry aside to wait out its backoff (consume.c says how).
 * Returns 0, or -1 (it stays with this worker, taken after --idle).
 */
int consume_park(struct rlink *rl, const struct consume_opts *o,
    const char *entry);

/*
 * The script that acknowledges entries and deletes them from the stream:
 * KEYS[1] the stream, ARGV[1] the group, ARGV[2...] the entries. Each is
 * deleted (XDEL) in the same step as its XACK, and only if this XACK took
 * it off the group's pending list (an entry another consumer took over
 * is left to it) and no other group of the stream still needs it: one
 * whose last-delivered-id is below the entry's (not read yet) or that
 * holds it pending keeps it, and deletes it when it is done in turn.
 * Returns how many were acknowledged, as XACK does.
 */
extern const char consume_ack_script[];

/*
 * Acknowledge one entry, and with del delete it from the stream in the
 * same step (consume_ack_script): an entry its handler is done with, or
 * one copied to KEY:failed, leaves no copy of its line in the stream; one
 * only skipped (another --type) stays for the group whose it is. Returns
 * 0 or -1 (told).
 */
int consume_ack(struct rlink *rl, const struct consume_opts *o,
    const char *entry, int del);

/* The last attempt's standard error, for a dead letter (or none). */
struct consume_err {
	const char	*cr_buf;	/* NULL: none */
	size_t		 cr_len;
};

/*
 * Copy the entry to KEY:failed with the attempts made, why, and the tail
 * of the last attempt's standard error (err, may be NULL: fields
 * "reason" and "stderr"), then acknowledge it; say so (name names it, as
 * consume_screen() made it) and count it.
 */
void consume_dead_letter(struct rlink *rl, const struct consume_opts *o,
    const struct consume_entry *e, long long made, const char *why,
    const struct consume_err *err, const char *name,
    struct consume_stats *st);

/*
 * What is done with an entry before a handler sees it: one that is no
 * event of hookspool's, or whose deliveries are used up, is dead-lettered;
 * one of another --type is acknowledged unhandled. How messages name it,
 * "event ID of webhook W" (cli_event_name()), or "entry ENTRY" for one
 * that is no event, goes to name (namelen bytes). Returns 1 when it was
 * dealt with so (said and counted), 0 when it goes to the handler.
 */
int consume_screen(struct rlink *rl, const struct consume_opts *o,
    const struct consume_entry *e, char *name, size_t namelen,
    struct consume_stats *st);

/*
 * A failed attempt at e (what says why; err the tail of its standard
 * error, may be NULL): set aside to wait out its backoff before any
 * worker takes it again, or dead-lettered after --attempts; said and
 * counted.
 */
void consume_failed(struct rlink *rl, const struct consume_opts *o,
    const struct consume_entry *e, const char *name, const char *what,
    const struct consume_err *err, struct consume_stats *st);

/*
 * consume_pipe.c: consume with --pipe, until asked to stop, or --max, or
 * (with --max) nothing waits.
 */
void consume_pipe(struct rlink *rl, const struct consume_opts *o,
    struct consume_stats *st);

#endif
