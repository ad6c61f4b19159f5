/*
 * rlink.h: the link to Redis that forward and consume share (hiredis). It
 * connects to HOST:PORT or unix:PATH, authenticates from an auth file,
 * loads one script, can refuse a server that may lose what it
 * confirmed, and follows a Redis Cluster's MOVED replies to the nodes
 * the user allowed. Only forward.c, consume.c and rlink.c know hiredis;
 * the core library does not.
 */
#ifndef HOOKSPOOL_RLINK_H
#define HOOKSPOOL_RLINK_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "opt.h"
#include "rlink_opts.h"
#include "rtext.h"

#define RLINK_ADDR_MAX	RTEXT_ADDR_MAX
#define RLINK_ERR_MAX	1024
/* MOVED replies followed for one command before giving up. */
#define RLINK_MOVES_MAX	5
/* --cluster options one run takes. */
#define RLINK_NODES_MAX	1024

/* What a link is asked to do; it must outlive the link. */
struct rlink_conf {
	const char		*rc_addr;	/* as given (--redis) */
	const char		*rc_script;	/* loaded on every connection, or NULL */
	const struct rtext_node	*rc_nodes;	/* where MOVED may lead (--cluster) */
	size_t			 rc_nnodes;
	int			 rc_durable;	/* refuse a server that may lose
						   a write it confirmed */
};

struct rlink {
	redisContext		*rl_ctx;
	const struct rlink_conf	*rl_conf;
	struct rtext_node	 rl_self;	/* rc_addr as a node, if HOST:PORT */
	int			 rl_has_self;
	char			 rl_addr[RLINK_ADDR_MAX];	/* connected to now */
	char			*rl_user;	/* NULL: the default user */
	char			*rl_pass;	/* NULL: no AUTH; wiped when freed */
	char			 rl_sha[41];	/* the script's SHA-1, once loaded */
	char			 rl_err[RLINK_ERR_MAX];	/* the last error */
};

/*
 * Check what the shared options of verb v hold (--redis given and an
 * address, --stream a key, each --cluster a node: a mistake is told with
 * opt_misuse()), and set rc's address and nodes from them; the nodes go
 * to *nodes (the caller frees it), *nnodes of them. Returns OPT_OK or
 * OPT_USAGE.
 */
enum opt_result rlink_opts_check(const struct opt_verb *v,
    const struct rlink_opts *o, struct rlink_conf *rc,
    struct rtext_node **nodes, size_t *nnodes);

/*
 * Check that addr is HOST:PORT, [HOST]:PORT or unix:PATH. Returns 0, or -1
 * with a static reason in *reason.
 */
int rlink_addr_check(const char *addr, const char **reason);

/*
 * Read an auth file: one line holding a password, or a user name, a space
 * and a password. The file must be a regular file owned by the user
 * running hookspool and open to nobody else (mode 0600 or 0400): the
 * rule the README gives every secret file. On success *user (NULL when
 * none is named) and *pass are new strings for the caller, who wipes and
 * frees them (rlink_open takes them over). Returns 0, or -1 with the
 * reason in err (naming the file, and for a wrong mode or owner the
 * command that fixes it).
 */
int rlink_auth_read(const char *path, char **user, char **pass, char *err,
    size_t errlen);

/*
 * Add a --cluster argument (rtext_node_parse()) to the nodes *nodes[0..*n),
 * growing the array, which the caller frees (also after a failure).
 * Returns 0, or -1 with a static reason.
 */
int rlink_node_add(struct rtext_node **nodes, size_t *n, const char *arg,
    const char **reason);

/*
 * Connect to conf->rc_addr (checked with rlink_addr_check), authenticate
 * with user/pass (either may be NULL; rlink takes them over and frees
 * them, also on failure), load conf->rc_script, and with rc_durable check
 * that the server will not lose a write it confirms (appendonly yes and
 * appendfsync always, read with INFO persistence and CONFIG GET): every
 * connection, also one a MOVED reply leads to, is checked so. conf must
 * outlive the link. On success *out is the link, freed with rlink_free().
 * On failure returns -1 with the reason in err; *out is NULL.
 */
int rlink_open(const struct rlink_conf *conf, char *user, char *pass,
    struct rlink **out, char *err, size_t errlen);

/* Close the link and wipe its password. rl may be NULL. */
void rlink_free(struct rlink *rl);

/*
 * Run one command and wait for its reply, following MOVED replies. The
 * reply is the caller's (freeReplyObject); an error reply is a reply. NULL
 * when the link failed: rl_err says why, and the link is closed (every
 * later call fails) unless rlink_reconnect() mends it.
 */
redisReply *rlink_call(struct rlink *rl, int argc, const char **argv,
    const size_t *lens);

/*
 * Queue one command for rlink_flush()/rlink_reply() (pipelining). Returns 0,
 * or -1 (out of memory, or no link; rl_err says why).
 */
int rlink_append(struct rlink *rl, int argc, const char **argv,
    const size_t *lens);

/*
 * The reply to the oldest command queued with rlink_append(), sending what
 * is queued first. NULL when the link failed (rl_err says why). MOVED is
 * not followed here: see rlink_moved() and rlink_follow().
 */
redisReply *rlink_reply(struct rlink *rl);

/*
 * Whether r is a MOVED redirection. (ASK, which comes only while a slot is
 * being moved, is server trouble: the next run tries again.)
 */
int rlink_moved(const redisReply *r);

/*
 * Connect to the node a MOVED reply r names (authenticating and loading
 * the script again), when the user allowed it: the node is the --redis
 * address or one of rc_nodes (then its local address is connected to).
 * Returns 0, or -1 with rl_err set; a node not allowed is not connected
 * to at all, and rl_err names it and the option that would allow it.
 */
int rlink_follow(struct rlink *rl, const redisReply *r);

/*
 * WAIT: block until n replicas have every write sent on this connection,
 * or timeout_ms have passed. Returns how many replicas have them (n or
 * fewer), or -1 with rl_err set when the link failed or the server
 * refused the command.
 */
long long rlink_wait(struct rlink *rl, long long n, long long timeout_ms);

/*
 * Whether the error reply r says the server cannot take commands now
 * (loading, busy, out of memory, read-only, cluster down, not authorised,
 * and the like) rather than refusing this one command.
 */
int rlink_server_trouble(const redisReply *r);

/*
 * r's error text for a message, made printable and cut to fit buf, with
 * a hint at what to do after NOAUTH, WRONGPASS and NOPERM.
 * Returns buf.
 */
const char *rlink_reply_error(const redisReply *r, char *buf, size_t len);

#endif
