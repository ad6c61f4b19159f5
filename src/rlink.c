/*
 * rlink.c: the link to Redis (rlink.h). hiredis does the protocol; this
 * file adds what hookspool needs around it: address parsing, the auth
 * file (and its mode), timeouts, descriptors a handler does not inherit,
 * the script, the server's persistence, WAIT, and Redis Cluster's MOVED
 * to the nodes the user allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"
#include "rlink.h"
#include "rtext.h"
#include "secret.h"

/* Connecting, and waiting for any one reply. */
#define RLINK_CONNECT_TIMEOUT	10
#define RLINK_REPLY_TIMEOUT	60

/* Anything but printable ASCII as '?', cut to fit out (len > 0). */
static void
printable(const char *s, size_t n, char *out, size_t len)
{
	size_t	i;

	for (i = 0; i < n && i + 1 < len; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

enum opt_result
rlink_opts_check(const struct opt_verb *v, const struct rlink_opts *o,
    struct rlink_conf *rc, struct rtext_node **nodes, size_t *nnodes)
{
	const char	*reason;
	size_t		 i;

	*nodes = NULL;
	*nnodes = 0;
	if (o->ro_addr == NULL)
		return opt_misuse(v, "--redis ADDR is required: the server, "
		    "HOST:PORT or unix:PATH");
	if (rlink_addr_check(o->ro_addr, &reason) == -1)
		return opt_misuse(v, "--redis %s: %s", o->ro_addr, reason);
	if (cli_stream_key(o->ro_stream, &reason) == -1)
		return opt_misuse(v, "--stream %s: %s", o->ro_stream, reason);
	for (i = 0; i < o->ro_cluster.ol_n; i++)
		if (rlink_node_add(nodes, nnodes, o->ro_cluster.ol_v[i],
		    &reason) == -1) {
			free(*nodes);
			*nodes = NULL;
			*nnodes = 0;
			return opt_misuse(v, "--cluster %s: %s (give HOST:PORT "
			    "as the cluster announces it, or HOST:PORT=LOCAL)",
			    o->ro_cluster.ol_v[i], reason);
		}
	rc->rc_addr = o->ro_addr;
	rc->rc_nodes = *nodes;
	rc->rc_nnodes = *nnodes;
	return OPT_OK;
}

int
rlink_addr_check(const char *addr, const char **reason)
{
	char	host[RLINK_ADDR_MAX];
	int	port;

	if (strlen(addr) >= RLINK_ADDR_MAX) {
		*reason = "too long";
		return -1;
	}
	return rtext_addr_split(addr, host, sizeof(host), &port, reason);
}

/* Free a secret string, wiped first. */
static void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

int
rlink_auth_read(const char *path, char **user, char **pass, char *err,
    size_t errlen)
{
	struct stat	 st;
	const char	*reason;
	char		 buf[RTEXT_AUTH_MAX + 3];
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd, saved, rc;

	*user = *pass = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "unable to open the auth file %s: %s",
		    path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		saved = errno;
		close(fd);
		snprintf(err, errlen, "the auth file %s: %s", path,
		    strerror(saved));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "the auth file %s: not a regular file",
		    path);
		return -1;
	}
	if (secret_check("the auth file", path, &st, err, errlen) == -1) {
		close(fd);
		return -1;
	}
	/* One byte more than a line may hold, to tell a longer one. */
	while (got < sizeof(buf) &&
	    (n = read(fd, buf + got, sizeof(buf) - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			snprintf(err, errlen, "unable to read the auth file "
			    "%s: %s", path, strerror(saved));
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	rc = rtext_auth_parse(buf, got, user, pass, &reason);
	explicit_bzero(buf, sizeof(buf));
	if (rc == -1)
		snprintf(err, errlen, "the auth file %s: %s", path, reason);
	return rc;
}

/* rl_err from the context's error, or from why. */
static void
set_err(struct rlink *rl, const char *what, const char *why)
{
	if (why == NULL && rl->rl_ctx != NULL && rl->rl_ctx->err != 0)
		why = rl->rl_ctx->errstr;
	if (why == NULL || *why == '\0')
		why = "connection lost";
	snprintf(rl->rl_err, sizeof(rl->rl_err), "%s %.200s: %.200s", what,
	    rl->rl_addr, why);
}

/* Send one command on the current connection; NULL when the link failed. */
static redisReply *
call_once(struct rlink *rl, int argc, const char **argv, const size_t *lens)
{
	redisReply	*r;

	if (rl->rl_ctx == NULL) {
		set_err(rl, "no connection to", "closed after an error");
		return NULL;
	}
	if ((r = redisCommandArgv(rl->rl_ctx, argc, argv, lens)) == NULL) {
		set_err(rl, "lost the connection to", NULL);
		redisFree(rl->rl_ctx);
		rl->rl_ctx = NULL;
	}
	return r;
}

/* What --replicas and --accept-loss offer; the end of each refusal. */
#define RLINK_DURABLE_FIX	"or pass --replicas N to hand events over " \
	"only once N replicas hold them, or --accept-loss to take the risk"

/*
 * The value of a server setting: "INFO persistence" field key (config
 * NULL), or CONFIG GET config. Returns 1 with it in out, 0 when the
 * server would not tell (the reason in why), -1 when the link failed.
 */
static int
setting(struct rlink *rl, const char *key, const char *config, char *out,
    size_t outlen, char *why, size_t whylen)
{
	const char	*argv[3] = { "INFO", "persistence", NULL };
	size_t		 lens[3] = { 4, 11, 0 };
	redisReply	*r;
	int		 rc = 0;

	if (config != NULL) {
		argv[0] = "CONFIG";
		argv[1] = "GET";
		argv[2] = config;
		lens[0] = 6;
		lens[1] = 3;
		lens[2] = strlen(config);
	}
	if ((r = call_once(rl, config != NULL ? 3 : 2, argv, lens)) == NULL)
		return -1;
	snprintf(why, whylen, "no such setting in the reply");
	if (r->type == REDIS_REPLY_ERROR)
		rlink_reply_error(r, why, whylen);
	else if (config == NULL && r->type == REDIS_REPLY_STRING)
		rc = rtext_info_field(r->str, (size_t)r->len, key, out,
		    outlen) == 1;
	else if (config != NULL && r->type == REDIS_REPLY_ARRAY &&
	    r->elements == 2 && r->element[1]->type == REDIS_REPLY_STRING &&
	    (size_t)r->element[1]->len < outlen) {
		memcpy(out, r->element[1]->str, (size_t)r->element[1]->len);
		out[r->element[1]->len] = '\0';
		rc = 1;
	}
	freeReplyObject(r);
	return rc;
}

/*
 * Refuse a server that may lose a write it has confirmed: one without an
 * append-only file, or one that does not sync it on every write, or one
 * that will not say. Returns 0, or -1 with rl_err set.
 */
static int
durable(struct rlink *rl)
{
	char	v[32], why[200];
	int	rc;

	if ((rc = setting(rl, "aof_enabled", NULL, v, sizeof(v), why,
	    sizeof(why))) == -1)
		return -1;
	if (rc == 0) {
		snprintf(rl->rl_err, sizeof(rl->rl_err), "unable to tell "
		    "whether redis at %.200s keeps an append-only file (INFO "
		    "persistence: %s); grant this user +info, "
		    RLINK_DURABLE_FIX, rl->rl_addr, why);
		return -1;
	}
	if (strcmp(v, "1") != 0) {
		snprintf(rl->rl_err, sizeof(rl->rl_err), "redis at %.200s runs "
		    "with appendonly no: a crash there loses entries it has "
		    "confirmed, after forward has removed them from the spool; "
		    "set appendonly yes and appendfsync always there, "
		    RLINK_DURABLE_FIX, rl->rl_addr);
		return -1;
	}
	if ((rc = setting(rl, NULL, "appendfsync", v, sizeof(v), why,
	    sizeof(why))) == -1)
		return -1;
	if (rc == 0) {
		snprintf(rl->rl_err, sizeof(rl->rl_err), "unable to tell "
		    "whether redis at %.200s syncs its append-only file on "
		    "every write (CONFIG GET appendfsync: %s); grant this user "
		    "+config|get (it then reads every setting, passwords "
		    "among them), or pass --replicas N, or --accept-loss once "
		    "you have made sure of appendfsync always yourself",
		    rl->rl_addr, why);
		return -1;
	}
	if (strcmp(v, "always") != 0) {
		snprintf(rl->rl_err, sizeof(rl->rl_err), "redis at %.200s runs "
		    "with appendfsync %s: a crash there can lose the last "
		    "entries it has confirmed, after forward has removed them "
		    "from the spool; set appendfsync always there, "
		    RLINK_DURABLE_FIX, rl->rl_addr, v);
		return -1;
	}
	return 0;
}

/*
 * After connecting: authenticate and load the script. Returns 0, or -1
 * with rl_err set.
 */
static int
greet(struct rlink *rl)
{
	const char	*argv[3];
	size_t		 lens[3];
	redisReply	*r;
	char		 why[RLINK_ERR_MAX / 2];
	int		 argc = 0;

	if (rl->rl_pass != NULL) {
		argv[argc] = "AUTH";
		lens[argc++] = 4;
		if (rl->rl_user != NULL) {
			argv[argc] = rl->rl_user;
			lens[argc] = strlen(rl->rl_user);
			argc++;
		}
		argv[argc] = rl->rl_pass;
		lens[argc] = strlen(rl->rl_pass);
		argc++;
		if ((r = call_once(rl, argc, argv, lens)) == NULL)
			return -1;
		if (r->type == REDIS_REPLY_ERROR) {
			set_err(rl, "unable to authenticate to",
			    rlink_reply_error(r, why, sizeof(why)));
			freeReplyObject(r);
			return -1;
		}
		freeReplyObject(r);
	}
	if (rl->rl_conf->rc_durable && durable(rl) == -1)
		return -1;
	if (rl->rl_conf->rc_script == NULL)
		return 0;
	argv[0] = "SCRIPT";
	argv[1] = "LOAD";
	argv[2] = rl->rl_conf->rc_script;
	lens[0] = 6;
	lens[1] = 4;
	lens[2] = strlen(argv[2]);
	if ((r = call_once(rl, 3, argv, lens)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_STRING || r->len != 40) {
		set_err(rl, "unable to load the script into",
		    r->type == REDIS_REPLY_ERROR ?
		    rlink_reply_error(r, why, sizeof(why)) : "odd reply");
		freeReplyObject(r);
		return -1;
	}
	memcpy(rl->rl_sha, r->str, 40);
	rl->rl_sha[40] = '\0';
	freeReplyObject(r);
	return 0;
}

/*
 * Connect to addr (replacing any connection), then greet. Returns 0, or -1
 * with rl_err set.
 */
static int
connect_to(struct rlink *rl, const char *addr)
{
	struct timeval	 ctv = { RLINK_CONNECT_TIMEOUT, 0 };
	struct timeval	 rtv = { RLINK_REPLY_TIMEOUT, 0 };
	const char	*reason;
	char		 host[RLINK_ADDR_MAX];
	int		 port, flags;

	if (rl->rl_ctx != NULL) {
		redisFree(rl->rl_ctx);
		rl->rl_ctx = NULL;
	}
	snprintf(rl->rl_addr, sizeof(rl->rl_addr), "%s", addr);
	if (rtext_addr_split(addr, host, sizeof(host), &port, &reason) == -1) {
		set_err(rl, "unable to reach", reason);
		return -1;
	}
	rl->rl_ctx = port == 0 ? redisConnectUnixWithTimeout(host, ctv) :
	    redisConnectWithTimeout(host, port, ctv);
	if (rl->rl_ctx == NULL) {
		set_err(rl, "unable to reach", "out of memory");
		return -1;
	}
	if (rl->rl_ctx->err != 0) {
		set_err(rl, "unable to reach", NULL);
		goto fail;
	}
	/* A handler must not inherit the link. */
	if ((flags = fcntl(rl->rl_ctx->fd, F_GETFD)) == -1 ||
	    fcntl(rl->rl_ctx->fd, F_SETFD, flags | FD_CLOEXEC) == -1 ||
	    redisSetTimeout(rl->rl_ctx, rtv) != REDIS_OK) {
		set_err(rl, "unable to set up the connection to",
		    strerror(errno));
		goto fail;
	}
	if (greet(rl) == -1)
		goto fail;
	return 0;
fail:
	if (rl->rl_ctx != NULL) {
		redisFree(rl->rl_ctx);
		rl->rl_ctx = NULL;
	}
	return -1;
}

int
rlink_node_add(struct rtext_node **nodes, size_t *n, const char *arg,
    const char **reason)
{
	struct rtext_node	*v;

	if (*n >= RLINK_NODES_MAX) {
		*reason = "too many nodes";
		return -1;
	}
	if ((v = reallocarray(*nodes, *n + 1, sizeof(*v))) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	*nodes = v;
	if (rtext_node_parse(arg, &v[*n], reason) == -1)
		return -1;
	(*n)++;
	return 0;
}

int
rlink_open(const struct rlink_conf *conf, char *user, char *pass,
    struct rlink **out, char *err, size_t errlen)
{
	struct rlink	*rl;
	const char	*reason;

	*out = NULL;
	if ((rl = calloc(1, sizeof(*rl))) == NULL) {
		secret_free(user);
		secret_free(pass);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rl->rl_user = user;
	rl->rl_pass = pass;
	rl->rl_conf = conf;
	/* A MOVED reply may always name the node the user named. */
	rl->rl_has_self = strncmp(conf->rc_addr, "unix:", 5) != 0 &&
	    rtext_node_parse(conf->rc_addr, &rl->rl_self, &reason) == 0;
	if (connect_to(rl, conf->rc_addr) == -1) {
		snprintf(err, errlen, "%s", rl->rl_err);
		rlink_free(rl);
		return -1;
	}
	*out = rl;
	return 0;
}

void
rlink_free(struct rlink *rl)
{
	if (rl == NULL)
		return;
	if (rl->rl_ctx != NULL)
		redisFree(rl->rl_ctx);
	secret_free(rl->rl_user);
	secret_free(rl->rl_pass);
	free(rl);
}

int
rlink_moved(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR && r->len > 6 &&
	    strncmp(r->str, "MOVED ", 6) == 0;
}

int
rlink_follow(struct rlink *rl, const redisReply *r)
{
	const struct rtext_node	*node;
	const char		*reason;
	char			 addr[RLINK_ADDR_MAX];

	if (!rlink_moved(r) || rtext_moved(r->str, rl->rl_addr, addr,
	    sizeof(addr), &reason) == -1) {
		set_err(rl, "an odd redirection from", rlink_moved(r) ?
		    reason : "not MOVED");
		return -1;
	}
	if ((node = rtext_node_find(rl->rl_conf->rc_nodes,
	    rl->rl_conf->rc_nnodes, addr)) == NULL && rl->rl_has_self)
		node = rtext_node_find(&rl->rl_self, 1, addr);
	if (node == NULL) {
		/* Nothing goes there: not the password, not an event. */
		snprintf(rl->rl_err, sizeof(rl->rl_err), "redis at %.200s "
		    "answered MOVED to %.200s, a node no --cluster option "
		    "allows; nothing was sent there (to follow it, add "
		    "--cluster %.200s, or --cluster %.200s=LOCAL for a "
		    "tunnel's local end)", rl->rl_addr, addr, addr, addr);
		return -1;
	}
	return connect_to(rl, node->rn_local);
}

redisReply *
rlink_call(struct rlink *rl, int argc, const char **argv, const size_t *lens)
{
	redisReply	*r;
	int		 moves;

	for (moves = 0; ; moves++) {
		if ((r = call_once(rl, argc, argv, lens)) == NULL)
			return NULL;
		if (!rlink_moved(r) || moves == RLINK_MOVES_MAX)
			return r;
		if (rlink_follow(rl, r) == -1) {
			freeReplyObject(r);
			return NULL;
		}
		freeReplyObject(r);
	}
}

int
rlink_append(struct rlink *rl, int argc, const char **argv,
    const size_t *lens)
{
	if (rl->rl_ctx == NULL) {
		set_err(rl, "no connection to", "closed after an error");
		return -1;
	}
	if (redisAppendCommandArgv(rl->rl_ctx, argc, argv, lens) != REDIS_OK) {
		set_err(rl, "unable to send to", NULL);
		return -1;
	}
	return 0;
}

redisReply *
rlink_reply(struct rlink *rl)
{
	void	*r = NULL;

	if (rl->rl_ctx == NULL) {
		set_err(rl, "no connection to", "closed after an error");
		return NULL;
	}
	if (redisGetReply(rl->rl_ctx, &r) != REDIS_OK || r == NULL) {
		set_err(rl, "lost the connection to", NULL);
		redisFree(rl->rl_ctx);
		rl->rl_ctx = NULL;
		return NULL;
	}
	return r;
}

long long
rlink_wait(struct rlink *rl, long long n, long long timeout_ms)
{
	const char	*argv[3];
	size_t		 lens[3];
	char		 sn[24], st[24], why[RLINK_ERR_MAX / 2];
	redisReply	*r;
	long long	 got;

	snprintf(sn, sizeof(sn), "%lld", n);
	snprintf(st, sizeof(st), "%lld", timeout_ms);
	argv[0] = "WAIT";
	argv[1] = sn;
	argv[2] = st;
	lens[0] = 4;
	lens[1] = strlen(sn);
	lens[2] = strlen(st);
	if ((r = call_once(rl, 3, argv, lens)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_INTEGER || r->integer < 0) {
		set_err(rl, "unable to wait for the replicas of",
		    r->type == REDIS_REPLY_ERROR ?
		    rlink_reply_error(r, why, sizeof(why)) : "odd reply");
		freeReplyObject(r);
		return -1;
	}
	got = r->integer;
	freeReplyObject(r);
	return got;
}

int
rlink_server_trouble(const redisReply *r)
{
	static const char *const prefixes[] = {
		"LOADING", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN",
		"READONLY", "OOM", "NOREPLICAS", "NOAUTH", "NOPERM",
		"WRONGPASS", "ASK", "MOVED", "MISCONF", "NOSCRIPT",
		"EXECABORT", "CROSSSLOT", "UNBLOCKED"
	};
	size_t	i, n;

	if (r == NULL || r->type != REDIS_REPLY_ERROR)
		return 0;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		n = strlen(prefixes[i]);
		if ((size_t)r->len >= n && strncmp(r->str, prefixes[i], n) == 0 &&
		    ((size_t)r->len == n || r->str[n] == ' '))
			return 1;
	}
	return 0;
}

const char *
rlink_reply_error(const redisReply *r, char *buf, size_t len)
{
	static const struct {
		const char	*h_prefix;
		const char	*h_hint;
	} hints[] = {
		{ "NOAUTH", " (the server wants a password: give --auth-file "
		    "FILE, FILE holding the password, or \"USER PASSWORD\" "
		    "for an ACL user)" },
		{ "WRONGPASS", " (the --auth-file's user or password is not "
		    "the server's)" },
		{ "NOPERM", " (the ACL user lacks a permission: the README's "
		    "\"Scaling out\" gives the rules forward and consume need)" },
	};
	size_t	i, n;

	if (r == NULL || r->type != REDIS_REPLY_ERROR || r->str == NULL) {
		printable("not an error", 12, buf, len);
		return buf;
	}
	printable(r->str, (size_t)r->len, buf, len);
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strncmp(r->str, hints[i].h_prefix,
		    strlen(hints[i].h_prefix)) == 0 && (n = strlen(buf)) < len)
			snprintf(buf + n, len - n, "%s", hints[i].h_hint);
	return buf;
}
