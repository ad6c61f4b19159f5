/*
 * consume.c: hookspool consume, a worker of a Redis consumer group. It
 * reads the entries forward published, runs the user's handler on each as
 * drain does (handler.c), or gives them to a handler that starts once
 * (--pipe, consume_pipe.c), and acknowledges an entry only once its
 * handler exited 0 (or answered ok). An entry whose handler failed is set aside with the consumer
 * CONSUME_WAITING and taken again, by whichever worker looks first, once
 * its backoff is over; one left pending on a worker for --idle (it died,
 * or hangs) is taken over. After --attempts deliveries it is copied to
 * the stream KEY:failed and acknowledged.
 *
 * Stop signals stay blocked and are looked at between entries (a read
 * blocks for at most a second), so TERM lets the handler in flight finish.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "claim.h"
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "consume.h"
#include "event.h"
#include "handler.h"
#include "hpipe.h"
#include "io.h"
#include "opt.h"
#include "rlink.h"

/* Pending entries looked at in one XPENDING. */
#define CONSUME_SCAN_PAGE	64
#define CONSUME_SCAN_PAGE_S	"64"
/* How long one read waits for a new entry, and how often idle ones are looked for. */
#define CONSUME_BLOCK_MS	"1000"
#define CONSUME_SCAN_EVERY	1.0

struct cli_signals	consume_sig;
char			consume_stopped[RLINK_ERR_MAX];
/* The standard error of the handler run per entry (--exec). */
static struct errtail	consume_errtail;
/* Why the group is not made again, once consume_group_start() has run. */
static char			consume_gone[RLINK_ERR_MAX];

/* Run a command of n words given as strings; NULL: see consume_stopped. */
redisReply *
consume_call(struct rlink *rl, int argc, const char **argv)
{
	redisReply	*r;
	size_t		 lens[16];
	int		 i;

	for (i = 0; i < argc && i < 16; i++)
		lens[i] = strlen(argv[i]);
	if ((r = rlink_call(rl, argc, argv, lens)) == NULL) {
		snprintf(consume_stopped, sizeof(consume_stopped), "%s",
		    rl->rl_err);
		consume_sig.cs_stopping = 1;
	}
	return r;
}

/*
 * An error reply, told. The server's trouble stops the worker, and so does
 * any error when fatal is set (the worker could not go on), and a group
 * that is gone (consume_gone says why).
 */
void
consume_reply_error(struct rlink *rl, const redisReply *r, const char *what,
    int fatal)
{
	char	why[256];

	rlink_reply_error(r, why, sizeof(why));
	if (strncmp(why, "NOGROUP", 7) == 0) {
		if (consume_stopped[0] == '\0')
			snprintf(consume_stopped, sizeof(consume_stopped), "%s",
			    consume_gone);
		consume_sig.cs_stopping = 1;
	} else if (rlink_server_trouble(r) || fatal) {
		if (consume_stopped[0] == '\0')
			snprintf(consume_stopped, sizeof(consume_stopped),
			    "redis at %.200s: %s: %s", rl->rl_addr, what, why);
		consume_sig.cs_stopping = 1;
	} else
		cli_warnx("%s: %s", what, why);
}

/*
 * One command whose reply only says whether it worked (BUSYGROUP, when
 * allowed, counts as working). Returns the reply's integer (0 for any
 * other reply), or -1 when it failed (told, and the worker stops).
 */
static long long
simple(struct rlink *rl, int argc, const char **argv, const char *what,
    int busygroup)
{
	redisReply	*r;
	long long	 rc = 0;

	if ((r = consume_call(rl, argc, argv)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ERROR && !(busygroup &&
	    strncmp(r->str, "BUSYGROUP", 9) == 0)) {
		consume_reply_error(rl, r, what, 1);
		rc = -1;
	} else if (r->type == REDIS_REPLY_INTEGER)
		rc = r->integer;
	freeReplyObject(r);
	return rc;
}

/*
 * See that the consumer group is there. consume makes it, reading from
 * the stream's start, only if it never made it before: it sets the key
 * co_made once it has. A group that was made and is gone (XGROUP
 * DESTROY, or the stream deleted) is not made again, since a group made
 * again at the start would run every entry still in the stream again:
 * the worker stops, and consume_gone says what to run instead. Returns 0,
 * or -1 when the worker is to stop (told).
 */
int
consume_group_start(struct rlink *rl, const struct consume_opts *o)
{
	const char	*exists[] = { "EXISTS", o->co_made };
	const char	*pending[] = { "XPENDING", o->co_r.ro_stream, o->co_group };
	const char	*create[] = { "XGROUP", "CREATE", o->co_r.ro_stream,
	    o->co_group, "0", "MKSTREAM" };
	const char	*mark[] = { "SET", o->co_made, "1" };
	long long	 made;

	snprintf(consume_gone, sizeof(consume_gone), "the consumer group %s "
	    "of stream %s is gone, though consume made it (the key %s says "
	    "so): someone ran XGROUP DESTROY or deleted the stream; consume "
	    "does not make it again, which would run every entry still in the "
	    "stream again; to go on with the entries added from now on, run "
	    "XGROUP CREATE %s %s $ (or an entry's id instead of $ to start "
	    "after it)", o->co_group, o->co_r.ro_stream, o->co_made, o->co_r.ro_stream,
	    o->co_group);
	if ((made = simple(rl, 2, exists, "unable to look for the key that "
	    "marks the consumer group", 0)) == -1)
		return -1;
	if (made > 0)
		return simple(rl, 3, pending, "unable to find the consumer "
		    "group", 0) == -1 ? -1 : 0;
	if (simple(rl, 6, create, "unable to create the consumer group",
	    1) == -1 || simple(rl, 3, mark, "unable to mark the consumer "
	    "group as made", 0) == -1)
		return -1;
	return 0;
}

int
consume_is_string(const redisReply *r)
{
	return r != NULL && (r->type == REDIS_REPLY_STRING ||
	    r->type == REDIS_REPLY_STATUS);
}

/*
 * Fill e from an entry reply [ID, [FIELD, VALUE, ...]]. Returns 0, or -1
 * if r is no entry (one deleted from the stream has no fields).
 */
int
consume_entry_parse(const redisReply *r, struct consume_entry *e)
{
	const redisReply	*f;
	size_t			 i;

	memset(e, 0, sizeof(*e));
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    !consume_is_string(r->element[0]))
		return -1;
	e->ce_entry = r->element[0]->str;
	if ((f = r->element[1])->type != REDIS_REPLY_ARRAY)
		return -1;
	for (i = 0; i + 1 < f->elements; i += 2) {
		const redisReply	*k = f->element[i], *v = f->element[i + 1];

		if (!consume_is_string(k) || !consume_is_string(v))
			continue;
		if (strcmp(k->str, "id") == 0) {
			e->ce_f.re_id = v->str;
			e->ce_f.re_idlen = (size_t)v->len;
		} else if (strcmp(k->str, "webhook") == 0) {
			e->ce_f.re_webhook = v->str;
			e->ce_f.re_webhooklen = (size_t)v->len;
		} else if (strcmp(k->str, "type") == 0) {
			e->ce_f.re_type = v->str;
			e->ce_f.re_typelen = (size_t)v->len;
		} else if (strcmp(k->str, "line") == 0) {
			e->ce_f.re_line = v->str;
			e->ce_f.re_linelen = (size_t)v->len;
		}
	}
	return 0;
}

/*
 * The acknowledging script (consume.h). An entry stays in the stream while
 * another group still needs it: one that has not read so far (its
 * last-delivered-id below the entry's, compared as ms-seq numbers: as
 * decimal strings, the longer the larger, so no precision is lost), or one
 * that holds it pending.
 */
const char consume_ack_script[] =
    "local function num_lt(a, b)\n"
    "  if #a ~= #b then return #a < #b end\n"
    "  return a < b\n"
    "end\n"
    "local function id_lt(a, b)\n"
    "  local am, as = string.match(a, '^(%d+)-(%d+)$')\n"
    "  local bm, bs = string.match(b, '^(%d+)-(%d+)$')\n"
    "  if am == nil or bm == nil then return true end\n"
    "  if am ~= bm then return num_lt(am, bm) end\n"
    "  return num_lt(as, bs)\n"
    "end\n"
    "local others = {}\n"
    "for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do\n"
    "  local f = {}\n"
    "  for j = 1, #g, 2 do f[g[j]] = g[j + 1] end\n"
    "  if f['name'] ~= ARGV[1] then\n"
    "    others[#others + 1] = f\n"
    "  end\n"
    "end\n"
    "local function needed(id)\n"
    "  for _, f in ipairs(others) do\n"
    "    if id_lt(f['last-delivered-id'], id) then return true end\n"
    "    local p = redis.call('XPENDING', KEYS[1], f['name'], id, id, 1)\n"
    "    if #p > 0 then return true end\n"
    "  end\n"
    "  return false\n"
    "end\n"
    "local n = 0\n"
    "for i = 2, #ARGV do\n"
    "  if redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then\n"
    "    if not needed(ARGV[i]) then\n"
    "      redis.call('XDEL', KEYS[1], ARGV[i])\n"
    "    end\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/* Acknowledge the entry (and with del, delete it). Returns 0 or -1. */
int
consume_ack(struct rlink *rl, const struct consume_opts *o, const char *entry,
    int del)
{
	const char	*argv[] = { "EVAL", consume_ack_script, "1",
	    o->co_r.ro_stream, o->co_group, entry };
	redisReply	*r;
	int		 rc = 0;

	if (!del) {
		argv[2] = "XACK";
		r = consume_call(rl, 4, argv + 2);
	} else
		r = consume_call(rl, 6, argv);
	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ERROR) {
		consume_reply_error(rl, r, "unable to acknowledge an entry", 0);
		rc = -1;
	} else if (r->type == REDIS_REPLY_INTEGER && r->integer == 0)
		cli_warnx("entry %s had been taken over by another "
		    "consumer when it was acknowledged", entry);
	freeReplyObject(r);
	return rc;
}

/* A descriptor holding the line and a newline, for the handler's stdin. */
static int
line_fd(const struct consume_entry *e)
{
	int	fd, saved;

	if ((fd = memfd_create("hookspool-event", MFD_CLOEXEC)) == -1)
		return -1;
	if (io_write_all(fd, e->ce_f.re_line, e->ce_f.re_linelen) == -1 ||
	    io_write_all(fd, "\n", 1) == -1 || lseek(fd, 0, SEEK_SET) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Run the handler on e. */
static enum handler_result
run(const struct consume_opts *o, const struct consume_entry *e, char *what,
    size_t whatlen)
{
	struct handler_env	 env[6];
	struct handler_job	 job;
	enum handler_result	 res;
	char			 attempt[24];
	int			 fd;

	if ((fd = line_fd(e)) == -1) {
		snprintf(what, whatlen, "unable to hold the event for the "
		    "handler: %s", strerror(errno));
		return HANDLER_ERROR;
	}
	snprintf(attempt, sizeof(attempt), "%lld", e->ce_attempt);
	/* checked: rtext_entry_check(), so no NUL byte in any */
	env[0] = (struct handler_env){ "HOOKSPOOL_ID", e->ce_f.re_id };
	env[1] = (struct handler_env){ "HOOKSPOOL_TYPE", e->ce_f.re_type };
	env[2] = (struct handler_env){ "HOOKSPOOL_WEBHOOK",
	    e->ce_f.re_webhook ? e->ce_f.re_webhook : "" };
	env[3] = (struct handler_env){ "HOOKSPOOL_FILE", "" };
	env[4] = (struct handler_env){ "HOOKSPOOL_ATTEMPT", attempt };
	env[5] = (struct handler_env){ "HOOKSPOOL_ENTRY", e->ce_entry };
	memset(&job, 0, sizeof(job));
	job.hj_cmd = o->co_exec;
	job.hj_stdin = fd;
	job.hj_stdout = -1;
	job.hj_keep = -1;
	job.hj_env = env;
	job.hj_nenv = 6;
	job.hj_timeout = o->co_timeout;
	job.hj_wait = &consume_sig.cs_wait;
	job.hj_mask = &consume_sig.cs_old;
	job.hj_finish = 1;
	if (errtail_open(&consume_errtail) == 0)
		job.hj_err = &consume_errtail;
	res = handler_run(&job, &consume_sig.cs_stopping, what, whatlen);
	close(fd);
	return res;
}

/* Handle one delivered entry, and count it. */
static void
handle(struct rlink *rl, const struct consume_opts *o,
    struct consume_entry *e, struct consume_stats *st)
{
	static char		tail[ERRTAIL_MAX];
	struct consume_err	err = { NULL, 0 };
	char			what[256], name[CLI_EVENT_NAME_MAX];

	if (consume_screen(rl, o, e, name, sizeof(name), st))
		return;
	what[0] = '\0';
	switch (run(o, e, what, sizeof(what))) {
	case HANDLER_OK:
		if (consume_ack(rl, o, e->ce_entry, 1) == 0)
			st->cs_done++;
		else
			st->cs_errors++;
		return;
	case HANDLER_FAILED:
	case HANDLER_TIMED_OUT:
		err.cr_len = errtail_copy(&consume_errtail, tail, sizeof(tail));
		err.cr_buf = tail;
		consume_failed(rl, o, e, name, what, &err, st);
		return;
	default:
		cli_warnx("%s: %s; left pending", name, what);
		st->cs_errors++;
		return;
	}
}

/*
 * Take pending entry p ([id, consumer, idle ms, deliveries], from XPENDING)
 * if it is due: one a worker failed (owned by CONSUME_WAITING) once it has
 * waited out its backoff, any other once it has been idle for --idle (its
 * worker died, or hangs). XCLAIM takes it only if it is still that idle,
 * so two workers never both take it. Returns the reply holding it (in *e,
 * with its delivery count), or NULL.
 */
static redisReply *
take_due(struct rlink *rl, const struct consume_opts *o, const redisReply *p,
    struct consume_entry *e)
{
	const char	*argv[6];
	long long	 need;
	char		 need_s[24];
	redisReply	*r;

	if (p->type != REDIS_REPLY_ARRAY || p->elements != 4 ||
	    !consume_is_string(p->element[0]) || !consume_is_string(p->element[1]) ||
	    p->element[2]->type != REDIS_REPLY_INTEGER ||
	    p->element[3]->type != REDIS_REPLY_INTEGER)
		return NULL;
	need = strcmp(p->element[1]->str, CONSUME_WAITING) == 0 ? 1000 *
	    claim_backoff(o->co_backoff, (unsigned)p->element[3]->integer) :
	    o->co_idle * 1000;
	if (p->element[2]->integer < need)
		return NULL;
	snprintf(need_s, sizeof(need_s), "%lld", need);
	argv[0] = "XCLAIM";
	argv[1] = o->co_r.ro_stream;
	argv[2] = o->co_group;
	argv[3] = o->co_name;
	argv[4] = need_s;
	argv[5] = p->element[0]->str;
	if ((r = consume_call(rl, 6, argv)) == NULL)
		return NULL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 ||
	    consume_entry_parse(r->element[0], e) == -1) {
		if (r->type == REDIS_REPLY_ERROR)
			consume_reply_error(rl, r, "unable to claim a pending entry", 1);
		freeReplyObject(r);
		return NULL;
	}
	e->ce_attempt = p->element[3]->integer + 1;
	return r;
}

/*
 * Claim one pending entry that is due again (take_due()), if any, looking
 * at a page of XPENDING from cursor ("0-0": the start) and moving the
 * cursor on. Returns the reply holding it (in *e), or NULL.
 */
redisReply *
consume_claim_due(struct rlink *rl, const struct consume_opts *o, char *cursor,
    size_t cursorlen, struct consume_entry *e)
{
	const char	*argv[] = { "XPENDING", o->co_r.ro_stream, o->co_group,
	    "IDLE", o->co_scan_ms, "-", "+", CONSUME_SCAN_PAGE_S };
	redisReply	*r, *got = NULL, *last;
	char		 from[80];
	size_t		 i;

	if (strcmp(cursor, "0-0") != 0) {
		snprintf(from, sizeof(from), "(%s", cursor);
		argv[5] = from;
	}
	if ((r = consume_call(rl, 8, argv)) == NULL)
		return NULL;
	if (r->type == REDIS_REPLY_ERROR) {
		consume_reply_error(rl, r, "unable to list pending entries", 1);
		freeReplyObject(r);
		return NULL;
	}
	snprintf(cursor, cursorlen, "0-0");
	if (r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		return NULL;
	}
	for (i = 0; i < r->elements && got == NULL; i++)
		got = take_due(rl, o, r->element[i], e);
	/* On from the last one looked at, while there may be more. */
	last = i > 0 ? r->element[i - 1] : NULL;
	if (last != NULL && last->type == REDIS_REPLY_ARRAY &&
	    last->elements == 4 && consume_is_string(last->element[0]) &&
	    (got != NULL || r->elements == CONSUME_SCAN_PAGE))
		snprintf(cursor, cursorlen, "%s", last->element[0]->str);
	freeReplyObject(r);
	return got;
}

/* Read one new entry, waiting up to a second. NULL if none came. */
static redisReply *
read_new(struct rlink *rl, const struct consume_opts *o,
    struct consume_entry *e)
{
	const char	*argv[] = { "XREADGROUP", "GROUP", o->co_group,
	    o->co_name, "COUNT", "1", "BLOCK", CONSUME_BLOCK_MS, "STREAMS",
	    o->co_r.ro_stream, ">" };
	redisReply	*r, *s;

	if ((r = consume_call(rl, 11, argv)) == NULL)
		return NULL;
	if (r->type == REDIS_REPLY_ERROR) {
		/* a group that is gone is not made again: see consume_group_start() */
		consume_reply_error(rl, r, "unable to read the stream", 1);
		freeReplyObject(r);
		return NULL;
	}
	/* [[KEY, [ENTRY]]] */
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 ||
	    (s = r->element[0])->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
	    s->element[1]->type != REDIS_REPLY_ARRAY ||
	    s->element[1]->elements == 0 ||
	    consume_entry_parse(s->element[1]->element[0], e) == -1) {
		freeReplyObject(r);
		return NULL;
	}
	e->ce_attempt = 1;
	return r;
}

/* Consume until asked to stop, or --max, or (with --max) nothing waits. */
static void
consume(struct rlink *rl, const struct consume_opts *o,
    struct consume_stats *st)
{
	struct consume_entry	 e;
	redisReply		*r;
	char			 cursor[64] = "0-0";
	double			 scanned = -CONSUME_SCAN_EVERY;
	long long		 handled = 0;

	if (consume_group_start(rl, o) == -1)
		return;
	for (;;) {
		cli_signals_check(&consume_sig, 0);
		if (consume_sig.cs_stopping ||
		    (o->co_max > 0 && handled >= o->co_max))
			break;
		r = NULL;
		if (strcmp(cursor, "0-0") != 0 ||
		    io_now() - scanned >= CONSUME_SCAN_EVERY) {
			scanned = io_now();
			r = consume_claim_due(rl, o, cursor, sizeof(cursor), &e);
		}
		if (r == NULL && !consume_sig.cs_stopping) {
			r = read_new(rl, o, &e);
			if (r == NULL && o->co_max > 0 &&
			    strcmp(cursor, "0-0") == 0 &&
			    !consume_sig.cs_stopping)
				break;		/* nothing waits */
		}
		if (r == NULL || consume_sig.cs_stopping) {
			if (r != NULL)
				freeReplyObject(r);	/* left pending */
			continue;
		}
		handled++;
		handle(rl, o, &e, st);
		freeReplyObject(r);
	}
}

/*
 * The summary line on stderr, when something happened and not --quiet;
 * returns the exit status.
 */
static int
summary(const struct consume_opts *o, const struct consume_stats *st)
{
	int	rc = st->cs_retry == 0 && st->cs_failed == 0 &&
	    st->cs_errors == 0 && consume_stopped[0] == '\0' ? 0 : EXIT_PART;

	if (o->co_quiet || (rc == 0 && st->cs_done == 0 &&
	    st->cs_skipped == 0 && st->cs_unsent == 0))
		return rc;
	fprintf(stderr, "hookspool consume: %u done, %u to retry, %u failed",
	    st->cs_done, st->cs_retry, st->cs_failed);
	if (st->cs_skipped > 0)
		fprintf(stderr, ", %u skipped", st->cs_skipped);
	if (st->cs_unsent > 0)
		fprintf(stderr, ", %u left pending unbegun", st->cs_unsent);
	if (st->cs_errors > 0)
		fprintf(stderr, ", %u errors", st->cs_errors);
	if (consume_stopped[0] != '\0')
		fprintf(stderr, "; stopped: %s", consume_stopped);
	fprintf(stderr, "\n");
	return rc;
}

int
cmd_consume(int argc, char *argv[])
{
	struct consume_opts	 o;
	struct consume_stats	 st;
	struct rlink		*rl = NULL;
	char			*user = NULL, *pass = NULL;
	char			 err[RLINK_ERR_MAX];
	int			 r;

	if ((r = consume_parse_opts(argc, argv, &o)) != OPT_OK) {
		free(o.co_nodes);
		return r == OPT_HELP ? consume_help() : EXIT_USAGE;
	}
	memset(&st, 0, sizeof(st));
	r = EXIT_PART;
	if (o.co_r.ro_auth != NULL &&
	    rlink_auth_read(o.co_r.ro_auth, &user, &pass, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		r = EXIT_USAGE;
	} else if (rlink_open(&o.co_link, user, pass, &rl, err,
	    sizeof(err)) == -1)
		cli_warnx("%s", err);
	else if (cli_signals_block(&consume_sig) == -1)
		cli_warnx("unable to set up signals: %s",
		    strerror(errno));
	else {
		errtail_init(&consume_errtail, STDERR_FILENO);
		if (o.co_pipe != NULL)
			consume_pipe(rl, &o, &st);
		else
			consume(rl, &o, &st);
		errtail_free(&consume_errtail);
		r = summary(&o, &st);
	}
	rlink_free(rl);
	free(o.co_nodes);
	return r;
}
