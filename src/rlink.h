/*
 * rlink.h: the link to Redis that forward and consume share (hiredis). It
 * connects to HOST:PORT or unix:PATH, authenticates from an auth file,
 * loads one script, and follows a Redis Cluster's MOVED replies by
 * connecting to the node named. Only forward.c, consume.c and rlink.c
 * know hiredis; the core library does not.
 */
#ifndef HOOKSPOOL_RLINK_H
#define HOOKSPOOL_RLINK_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#define RLINK_ADDR_MAX	512
#define RLINK_ERR_MAX	512
/* MOVED replies followed for one command before giving up. */
#define RLINK_MOVES_MAX	5

struct rlink {
	redisContext	*rl_ctx;
	char		 rl_addr[RLINK_ADDR_MAX];	/* connected to now */
	char		 rl_first[RLINK_ADDR_MAX];	/* as given */
	char		*rl_user;	/* NULL: the default user */
	char		*rl_pass;	/* NULL: no AUTH; wiped when freed */
	const char	*rl_script;	/* loaded on every connection, or NULL */
	char		 rl_sha[41];	/* its SHA-1, once loaded */
	char		 rl_err[RLINK_ERR_MAX];	/* the last error */
};

/*
 * Check that addr is HOST:PORT, [HOST]:PORT or unix:PATH. Returns 0, or -1
 * with a static reason in *reason.
 */
int rlink_addr_check(const char *addr, const char **reason);

/*
 * Read an auth file: one line holding a password, or a user name, a space
 * and a password. On success *user (NULL when none is named) and *pass
 * are new strings for the caller, who wipes and frees them (rlink_open
 * takes them over). Returns 0, or -1 with the reason in err.
 */
int rlink_auth_read(const char *path, char **user, char **pass, char *err,
    size_t errlen);

/*
 * Connect to addr (checked with rlink_addr_check), authenticate with
 * user/pass (either may be NULL; rlink takes them over and frees them,
 * also on failure) and load script (may be NULL; the string must outlive
 * the link). On success *out is the link, freed with rlink_free(). On
 * failure returns -1 with the reason in err; *out is NULL.
 */
int rlink_open(const char *addr, char *user, char *pass, const char *script,
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
 * Connect to the node a MOVED reply r names (authenticating and
 * loading the script again). Returns 0, or -1 with rl_err set.
 */
int rlink_follow(struct rlink *rl, const redisReply *r);

/*
 * Whether the error reply r says the server cannot take commands now
 * (loading, busy, out of memory, read-only, cluster down, not authorised,
 * and the like) rather than refusing this one command.
 */
int rlink_server_trouble(const redisReply *r);

/*
 * r's error text for a message, made printable and cut to fit buf.
 * Returns buf.
 */
const char *rlink_reply_error(const redisReply *r, char *buf, size_t len);

#endif
