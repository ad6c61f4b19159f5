/*
 * hpipe.c: the pool of pipe handlers (hpipe.h).
 *
 * Each job is a state machine:
 *   DOWN    no process; it may start at hj_at (0: at once) when an event
 *           is given to it;
 *   UP      running: events are written to its input and its verdicts
 *           read from its output;
 *   ENDING  its pipes are closed (it closed one of them, or the pool is
 *           closing): it has until hj_at to end of its own accord;
 *   TERMED  SIGTERM sent (a timeout, a line that is no verdict, or
 *           ENDING's time ran out): SIGKILL at hj_at;
 *   KILLED  SIGKILL sent: left behind at hj_at if its guardian has still
 *           not ended.
 * A job leaves UP for one of the others with its events; they are
 * released (the oldest answered as a failed attempt after a timeout or a
 * death, the rest put back at the head of the queue) only once its
 * guardian has been reaped or left behind, so that no event ever is with
 * two processes that may run at once.
 *
 * The signals: the caller keeps SIGCHLD and the stop signals blocked; a
 * signalfd of them is one more descriptor for poll(), read without
 * blocking. SIGCHLD makes every job's guardian be looked at (waitid with
 * WNOWAIT, then handler_reap); they are also looked at once a second, in
 * case another wait of the caller's took the signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handler.h"
#include "hpipe.h"
#include "io.h"
#include "json.h"

/* Results kept for the caller: one per event at most, and notices. */
#define HPIPE_NOTICES	16
/* Guardians are looked at at least this often, in seconds. */
#define HPIPE_LOOK	1.0

struct hpipe_ev {
	struct hpipe_ev		*he_next;
	unsigned long long	 he_tag;
	char			*he_line;
	size_t			 he_len;
};

enum hpipe_state { HJ_DOWN, HJ_UP, HJ_ENDING, HJ_TERMED, HJ_KILLED };

/* Why a job left UP. */
enum hpipe_why { WHY_NONE, WHY_TIMEOUT, WHY_DIED, WHY_GARBAGE, WHY_CLOSE };

struct hpipe_job {
	unsigned		 hj_no;		/* 1 to hc_jobs */
	enum hpipe_state	 hj_state;
	enum hpipe_why		 hj_why;
	pid_t			 hj_pid;	/* its guardian, or 0 */
	int			 hj_in;		/* to its input, or -1 */
	int			 hj_out;	/* from its output, or -1 */
	struct hpipe_ev		*hj_head;	/* in flight, oldest first */
	struct hpipe_ev		*hj_tail;
	struct hpipe_ev		*hj_wnext;	/* the first not wholly written */
	size_t			 hj_woff;	/* what of it is written */
	size_t			 hj_nflight;
	size_t			 hj_bytes;
	double			 hj_since;	/* the oldest's clock started */
	double			 hj_at;		/* see the states */
	unsigned		 hj_delay;	/* after the next garbage */
	int			 hj_forced;	/* TERM or KILL was sent */
	int			 hj_left;	/* left behind */
	char			 hj_what[128];	/* why it left UP, for a death */
	char			 hj_buf[HPIPE_LINE_MAX];
	size_t			 hj_buflen;
};

struct hpipe {
	struct hpipe_conf	 hp_conf;
	struct hpipe_job	*hp_jobs;
	struct hpipe_ev		*hp_qhead;	/* waiting for a job */
	struct hpipe_ev		*hp_qtail;
	size_t			 hp_nq;
	size_t			 hp_busy;	/* given, no result yet */
	size_t			 hp_held;	/* given, result not taken yet */
	size_t			 hp_notices;	/* notices among hp_res */
	unsigned		 hp_forced;	/* handlers sent TERM to end */
	int			 hp_sigfd;
	int			 hp_stopped;
	int			 hp_chld;	/* guardians to look at */
	double			 hp_looked;
	struct hpipe_result	*hp_res;
	size_t			 hp_nres;
	size_t			 hp_capres;
};

char *
hpipe_event_line(const struct hpipe_event *e, size_t *len)
{
	char	*id, *wh, *type, *entry = NULL, *line, *out = NULL;
	size_t	 cap;
	int	 n;

	id = json_string_encode(e->hv_id, e->hv_idlen);
	wh = json_string_encode(e->hv_webhook ? e->hv_webhook : "",
	    e->hv_webhook ? e->hv_webhooklen : 0);
	type = json_string_encode(e->hv_type, e->hv_typelen);
	line = json_string_encode(e->hv_line, e->hv_linelen);
	if (e->hv_entry != NULL)
		entry = json_string_encode(e->hv_entry, strlen(e->hv_entry));
	if (id == NULL || wh == NULL || type == NULL || line == NULL ||
	    (e->hv_entry != NULL && entry == NULL))
		goto done;
	cap = strlen(id) + strlen(wh) + strlen(type) + strlen(line) +
	    (entry ? strlen(entry) : 0) + 96;
	if ((out = malloc(cap)) == NULL)
		goto done;
	n = snprintf(out, cap, "{\"id\":%s,\"webhook\":%s,\"type\":%s,"
	    "\"attempt\":%llu%s%s,\"line\":%s}\n", id, wh, type,
	    e->hv_attempt, entry ? ",\"entry\":" : "", entry ? entry : "",
	    line);
	if (n < 0 || (size_t)n >= cap) {
		free(out);
		out = NULL;
		errno = ENOMEM;
	} else
		*len = (size_t)n;
done:
	free(id);
	free(wh);
	free(type);
	free(line);
	free(entry);
	return out;
}

int
hpipe_verdict(const char *line, size_t len, enum hpipe_kind *kind,
    const char **reason, size_t *reasonlen)
{
	static const struct {
		const char	*word;
		enum hpipe_kind	 kind;
	} words[] = {
		{ "retry", HPIPE_RETRY },
		{ "fail", HPIPE_FAIL },
	};
	size_t	i, n;

	if (memchr(line, '\0', len) != NULL)
		return -1;
	*reason = "";
	*reasonlen = 0;
	if (len == 2 && memcmp(line, "ok", 2) == 0) {
		*kind = HPIPE_OK;
		return 0;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i].word);
		if (len < n || memcmp(line, words[i].word, n) != 0)
			continue;
		if (len > n && line[n] != ' ')
			return -1;
		*kind = words[i].kind;
		if (len > n + 1) {
			*reason = line + n + 1;
			*reasonlen = len - n - 1;
		}
		return 0;
	}
	return -1;
}

/* A result for the caller; notices past the room left are dropped. */
static void
result(struct hpipe *hp, enum hpipe_kind kind, unsigned long long tag,
    const char *text, size_t len)
{
	struct hpipe_result	*r;

	/* Never full: hp_held and hp_notices bound what it holds. */
	if (hp->hp_nres == hp->hp_capres)
		return;
	r = &hp->hp_res[hp->hp_nres++];
	memset(r, 0, sizeof(*r));
	r->hr_kind = kind;
	r->hr_tag = tag;
	if (len >= sizeof(r->hr_text))
		len = sizeof(r->hr_text) - 1;
	memcpy(r->hr_text, text, len);
	r->hr_text[len] = '\0';
}

/* s[0..len) into out (outlen bytes) with anything not printable as '?'. */
static void
printable(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i;

	for (i = 0; i < len && i + 1 < outlen; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

static void
notice(struct hpipe *hp, int garbage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A notice: of no event, something the caller says. */
static void
notice(struct hpipe *hp, int garbage, const char *fmt, ...)
{
	char	text[HPIPE_TEXT_MAX];
	va_list	ap;

	if (hp->hp_notices == HPIPE_NOTICES)
		return;
	hp->hp_notices++;
	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	result(hp, HPIPE_NOTICE, 0, text, strlen(text));
	hp->hp_res[hp->hp_nres - 1].hr_garbage = garbage;
}

static void
ev_free(struct hpipe_ev *ev)
{
	if (ev != NULL) {
		free(ev->he_line);
		free(ev);
	}
}

/* Hand ev back to the caller as kind, and free it. */
static void
ev_answer(struct hpipe *hp, struct hpipe_ev *ev, enum hpipe_kind kind,
    const char *text, size_t len)
{
	result(hp, kind, ev->he_tag, text, len);
	hp->hp_busy--;
	ev_free(ev);
}

/* The events head..tail (n of them) at the head of the queue. */
static void
queue_front(struct hpipe *hp, struct hpipe_ev *head, struct hpipe_ev *tail,
    size_t n)
{
	if (head == NULL)
		return;
	tail->he_next = hp->hp_qhead;
	hp->hp_qhead = head;
	if (hp->hp_qtail == NULL)
		hp->hp_qtail = tail;
	hp->hp_nq += n;
}

/* Every event of the queue back to the caller, never begun. */
static void
queue_unsent(struct hpipe *hp)
{
	struct hpipe_ev	*ev;

	while ((ev = hp->hp_qhead) != NULL) {
		hp->hp_qhead = ev->he_next;
		ev_answer(hp, ev, HPIPE_UNSENT, "", 0);
	}
	hp->hp_qtail = NULL;
	hp->hp_nq = 0;
}

/* Close a job's pipes. */
static void
job_close_pipes(struct hpipe_job *j)
{
	if (j->hj_in != -1)
		(void)close(j->hj_in);
	if (j->hj_out != -1)
		(void)close(j->hj_out);
	j->hj_in = j->hj_out = -1;
}

/*
 * Take a job out of UP (why says why): its pipes closed, TERM at once for
 * a timeout or a line that is no verdict, or a grace to end first.
 */
static void
put_down(struct hpipe_job *j, enum hpipe_why why, double now)
{
	if (j->hj_state != HJ_UP)
		return;
	job_close_pipes(j);
	j->hj_why = why;
	if (why == WHY_TIMEOUT || why == WHY_GARBAGE) {
		handler_term(j->hj_pid);
		j->hj_forced = 1;
		j->hj_state = HJ_TERMED;
		j->hj_at = now + HANDLER_KILL_GRACE;
		return;
	}
	j->hj_state = HJ_ENDING;
	j->hj_at = now + (why == WHY_CLOSE ? HPIPE_EXIT_GRACE :
	    HPIPE_EOF_GRACE);
}

/* What the oldest event of a job that died is told. */
static void
died_text(const struct hpipe_job *j, const int *status, char *out,
    size_t outlen)
{
	char	how[64];

	if (status != NULL && !j->hj_forced) {
		if (handler_status(*status, how, sizeof(how)) == 0)
			snprintf(how, sizeof(how), "exited 0");
		snprintf(out, outlen, "the handler %s before its verdict", how);
	} else
		snprintf(out, outlen, "%s before its verdict, and was killed",
		    j->hj_what[0] ? j->hj_what : "the handler stopped");
}

/*
 * The job's guardian is reaped (status: how it ended, NULL if unknown)
 * or left behind: release its events (hpipe.c, above) and put it DOWN.
 */
static void
job_release(struct hpipe *hp, struct hpipe_job *j, const int *status,
    double now)
{
	struct hpipe_ev	*ev = j->hj_head;
	char		 text[HPIPE_TEXT_MAX];

	if (ev != NULL && (j->hj_why == WHY_TIMEOUT || j->hj_why == WHY_DIED)) {
		if (j->hj_why == WHY_TIMEOUT)
			snprintf(text, sizeof(text), "no verdict within %llds "
			    "(--timeout); the handler was killed%s",
			    hp->hp_conf.hc_timeout, j->hj_left ? ", and was "
			    "still running 5s after SIGKILL (stuck in the "
			    "kernel?): left behind" : "");
		else
			died_text(j, status, text, sizeof(text));
		j->hj_head = ev->he_next;
		ev_answer(hp, ev, j->hj_why == WHY_TIMEOUT ? HPIPE_TIMED_OUT :
		    HPIPE_DIED, text, strlen(text));
		j->hj_nflight--;
	} else if (ev == NULL && j->hj_why == WHY_DIED && status != NULL &&
	    handler_status(*status, text, sizeof(text)) == -1)
		notice(hp, 0, "the handler (job %u) %s with no event in hand",
		    j->hj_no, text);
	if (j->hj_head != NULL)
		queue_front(hp, j->hj_head, j->hj_tail, j->hj_nflight);
	if (hp->hp_stopped)
		queue_unsent(hp);
	j->hj_head = j->hj_tail = j->hj_wnext = NULL;
	j->hj_nflight = j->hj_bytes = j->hj_woff = j->hj_buflen = 0;
	j->hj_pid = 0;
	j->hj_state = HJ_DOWN;
	j->hj_at = 0;
	if (j->hj_why == WHY_GARBAGE) {
		j->hj_at = now + j->hj_delay;
		j->hj_delay = j->hj_delay * 2 > HPIPE_DELAY_MAX ?
		    HPIPE_DELAY_MAX : j->hj_delay * 2;
	}
	j->hj_why = WHY_NONE;
	j->hj_forced = j->hj_left = 0;
	j->hj_what[0] = '\0';
}

/*
 * The handler wrote something that is no verdict (what says what): put
 * it down, and say so. Its events go back to the queue once it ended.
 */
static void
garbage(struct hpipe *hp, struct hpipe_job *j, const char *what,
    const char *line, size_t len, double now)
{
	char	shown[81];

	printable(line, len, shown, sizeof(shown));
	notice(hp, 1, "the handler (job %u) wrote %s: \"%s%s\"; it is "
	    "stopped, its %zu events are given again, and it starts again "
	    "in %us", j->hj_no, what, shown, len >= sizeof(shown) ? "..." :
	    "", j->hj_nflight, j->hj_delay);
	put_down(j, WHY_GARBAGE, now);
}

/*
 * The verdicts in the job's buffer, each answering its oldest event. A
 * partial line stays for the next read. Returns 0, or -1 once the job was
 * put down for a line that is no verdict.
 */
static int
job_lines(struct hpipe *hp, struct hpipe_job *j, double now)
{
	enum hpipe_kind	 kind;
	struct hpipe_ev	*ev;
	const char	*reason;
	char		*nl, *p = j->hj_buf;
	size_t		 len, rlen, left = j->hj_buflen;

	while ((nl = memchr(p, '\n', left)) != NULL) {
		len = (size_t)(nl - p);
		if ((ev = j->hj_head) == NULL || j->hj_wnext == ev) {
			garbage(hp, j, ev == NULL ? "a line with no event "
			    "waiting for its verdict" : "a line before its "
			    "event was written whole", p, len, now);
			return -1;
		}
		if (hpipe_verdict(p, len, &kind, &reason, &rlen) == -1) {
			garbage(hp, j, "a line that is not a verdict", p, len,
			    now);
			return -1;
		}
		j->hj_head = ev->he_next;
		if (j->hj_head == NULL)
			j->hj_tail = NULL;
		j->hj_nflight--;
		j->hj_bytes -= ev->he_len;
		j->hj_since = now;
		j->hj_delay = HPIPE_DELAY_MIN;
		ev_answer(hp, ev, kind, reason, rlen);
		left -= len + 1;
		p = nl + 1;
	}
	memmove(j->hj_buf, p, left);
	j->hj_buflen = left;
	if (left == sizeof(j->hj_buf)) {
		garbage(hp, j, "a line longer than 4096 bytes", p, left, now);
		return -1;
	}
	return 0;
}

/* Read what the job wrote, until there is no more for now. */
static void
job_read(struct hpipe *hp, struct hpipe_job *j, double now)
{
	ssize_t	n;

	while (j->hj_state == HJ_UP) {
		n = read(j->hj_out, j->hj_buf + j->hj_buflen,
		    sizeof(j->hj_buf) - j->hj_buflen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			snprintf(j->hj_what, sizeof(j->hj_what), "the handler "
			    "closed its standard output");
			put_down(j, WHY_DIED, now);
			return;
		}
		j->hj_buflen += (size_t)n;
		if (job_lines(hp, j, now) == -1)
			return;
	}
}

/* The job can no longer be written to, or has ended: its last verdicts. */
static void
job_died(struct hpipe *hp, struct hpipe_job *j, const char *what, double now)
{
	job_read(hp, j, now);
	if (j->hj_state != HJ_UP)
		return;
	snprintf(j->hj_what, sizeof(j->hj_what), "%s", what);
	put_down(j, WHY_DIED, now);
}

/* Write what the job's pipe takes of the events not yet written. */
static void
job_write(struct hpipe *hp, struct hpipe_job *j, double now)
{
	struct iovec	 iov[HPIPE_WINDOW];
	struct hpipe_ev	*ev;
	ssize_t		 n;
	size_t		 done;
	int		 cnt;

	while (j->hj_state == HJ_UP && j->hj_wnext != NULL) {
		cnt = 0;
		for (ev = j->hj_wnext; ev != NULL && cnt < HPIPE_WINDOW;
		    ev = ev->he_next, cnt++) {
			iov[cnt].iov_base = ev->he_line +
			    (cnt == 0 ? j->hj_woff : 0);
			iov[cnt].iov_len = ev->he_len -
			    (cnt == 0 ? j->hj_woff : 0);
		}
		n = writev(j->hj_in, iov, cnt);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			job_died(hp, j, "the handler closed its standard input",
			    now);
			return;
		}
		for (done = (size_t)n; done > 0 && j->hj_wnext != NULL; ) {
			ev = j->hj_wnext;
			if (done < ev->he_len - j->hj_woff) {
				j->hj_woff += done;
				break;
			}
			done -= ev->he_len - j->hj_woff;
			j->hj_woff = 0;
			j->hj_wnext = ev->he_next;
		}
	}
}

/* How many more events the job takes now. */
static size_t
job_slots(const struct hpipe *hp, const struct hpipe_job *j, double now)
{
	if (j->hj_state == HJ_DOWN)
		return !hp->hp_stopped && j->hj_at <= now ? HPIPE_WINDOW : 0;
	if (j->hj_state != HJ_UP || j->hj_nflight >= HPIPE_WINDOW ||
	    (j->hj_nflight > 0 && j->hj_bytes >= HPIPE_BYTES))
		return 0;
	return HPIPE_WINDOW - j->hj_nflight;
}

/* Start a DOWN job's handler. Returns 0, or -1 (said; it waits). */
static int
job_start(struct hpipe *hp, struct hpipe_job *j, double now)
{
	struct handler_env	env[1];
	struct handler_job	job;
	char			no[16], what[256];
	int			in[2] = { -1, -1 }, out[2] = { -1, -1 }, rc;

	snprintf(no, sizeof(no), "%u", j->hj_no);
	env[0] = (struct handler_env){ "HOOKSPOOL_JOB", no };
	memset(&job, 0, sizeof(job));
	job.hj_cmd = hp->hp_conf.hc_cmd;
	job.hj_keep = -1;
	job.hj_env = env;
	job.hj_nenv = 1;
	job.hj_mask = hp->hp_conf.hc_mask;
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
		snprintf(what, sizeof(what), "unable to make a pipe: %s",
		    strerror(errno));
		if (in[0] != -1 && out[0] == -1) {
			(void)close(in[0]);
			(void)close(in[1]);
		}
		rc = -1;
	} else {
		job.hj_stdin = in[0];
		job.hj_stdout = out[1];
		rc = handler_spawn(&job, &j->hj_pid, what, sizeof(what));
		(void)close(in[0]);
		(void)close(out[1]);
		j->hj_in = in[1];
		j->hj_out = out[0];
	}
	if (rc == 0 && (fcntl(j->hj_in, F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(j->hj_out, F_SETFL, O_NONBLOCK) == -1)) {
		/* Started, but not to be used: put it down at once. */
		j->hj_state = HJ_UP;
		put_down(j, WHY_GARBAGE, now);
		snprintf(what, sizeof(what), "unable to set up its pipes: %s",
		    strerror(errno));
		rc = -1;
	} else if (rc == -1) {
		job_close_pipes(j);
		j->hj_at = now + j->hj_delay;
	}
	if (rc == -1) {
		notice(hp, 0, "unable to start the handler (job %u): %s; "
		    "trying again in %us", j->hj_no, what, j->hj_delay);
		j->hj_delay = j->hj_delay * 2 > HPIPE_DELAY_MAX ?
		    HPIPE_DELAY_MAX : j->hj_delay * 2;
		return -1;
	}
	j->hj_state = HJ_UP;
	j->hj_buflen = 0;
	return 0;
}

/* The job to give the next event to, or NULL: the least busy. */
static struct hpipe_job *
job_pick(struct hpipe *hp, double now)
{
	struct hpipe_job	*best = NULL, *j;
	unsigned		 i;

	for (i = 0; i < hp->hp_conf.hc_jobs; i++) {
		j = &hp->hp_jobs[i];
		if (job_slots(hp, j, now) == 0)
			continue;
		if (best == NULL || j->hj_nflight < best->hj_nflight ||
		    (j->hj_nflight == best->hj_nflight &&
		    best->hj_state == HJ_DOWN && j->hj_state == HJ_UP))
			best = j;
	}
	return best;
}

/* Give the queued events to jobs that take them. */
static void
dispatch(struct hpipe *hp, double now)
{
	struct hpipe_job	*j;
	struct hpipe_ev		*ev;

	while (hp->hp_qhead != NULL && !hp->hp_stopped &&
	    (j = job_pick(hp, now)) != NULL) {
		if (j->hj_state == HJ_DOWN && job_start(hp, j, now) == -1)
			continue;
		ev = hp->hp_qhead;
		if ((hp->hp_qhead = ev->he_next) == NULL)
			hp->hp_qtail = NULL;
		hp->hp_nq--;
		ev->he_next = NULL;
		if (j->hj_tail != NULL)
			j->hj_tail->he_next = ev;
		else {
			j->hj_head = ev;
			j->hj_since = now;
		}
		j->hj_tail = ev;
		if (j->hj_wnext == NULL) {
			j->hj_wnext = ev;
			j->hj_woff = 0;
		}
		j->hj_nflight++;
		j->hj_bytes += ev->he_len;
	}
}

/* Whether the job's guardian has ended; if so it is reaped and released. */
static void
job_look(struct hpipe *hp, struct hpipe_job *j, double now)
{
	siginfo_t	info;
	int		status;

	if (j->hj_pid <= 0)
		return;
	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, (id_t)j->hj_pid, &info, WEXITED | WNOHANG |
	    WNOWAIT) == -1) {
		if (errno == EINTR)
			return;
		/* no child of ours any more: nothing to wait for */
		j->hj_left = 1;
		job_close_pipes(j);
		job_release(hp, j, NULL, now);
		return;
	}
	if (info.si_pid != j->hj_pid)
		return;
	if (j->hj_state == HJ_UP)
		job_died(hp, j, "the handler ended", now);
	job_close_pipes(j);
	if (handler_reap(j->hj_pid, &status) == 0)
		job_release(hp, j, &status, now);
	else
		job_release(hp, j, NULL, now);
}

/* The job's clocks: its oldest event's timeout, or its next step down. */
static void
job_timers(struct hpipe *hp, struct hpipe_job *j, double now)
{
	switch (j->hj_state) {
	case HJ_UP:
		if (j->hj_nflight > 0 &&
		    now >= j->hj_since + (double)hp->hp_conf.hc_timeout)
			put_down(j, WHY_TIMEOUT, now);
		return;
	case HJ_ENDING:
		if (now < j->hj_at)
			return;
		handler_term(j->hj_pid);
		j->hj_forced = 1;
		hp->hp_forced++;
		j->hj_state = HJ_TERMED;
		j->hj_at = now + HANDLER_KILL_GRACE;
		return;
	case HJ_TERMED:
		if (now < j->hj_at)
			return;
		handler_kill(j->hj_pid);
		j->hj_state = HJ_KILLED;
		j->hj_at = now + HANDLER_REAP_GRACE;
		return;
	case HJ_KILLED:
		if (now < j->hj_at)
			return;
		handler_leave(j->hj_pid);
		notice(hp, 0, "the handler (job %u) was still running %ds after "
		    "SIGKILL (stuck in the kernel?): left behind", j->hj_no,
		    HANDLER_REAP_GRACE);
		j->hj_left = 1;
		job_release(hp, j, NULL, now);
		return;
	case HJ_DOWN:
		return;
	}
}

/* When the job's next clock runs out (a large value: none). */
static double
job_next(const struct hpipe *hp, const struct hpipe_job *j)
{
	if (j->hj_state == HJ_UP)
		return j->hj_nflight > 0 ?
		    j->hj_since + (double)hp->hp_conf.hc_timeout : 1e300;
	if (j->hj_state == HJ_DOWN)
		return hp->hp_qhead != NULL && !hp->hp_stopped ? j->hj_at :
		    1e300;
	return j->hj_at;
}

/* Read the signals waiting on the signalfd. Returns 0 or -1 (errno). */
static int
read_signals(struct hpipe *hp, int *stopping, int *stopped_now)
{
	struct signalfd_siginfo	si[8];
	ssize_t			n;
	size_t			i;

	for (;;) {
		n = read(hp->hp_sigfd, si, sizeof(si));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		for (i = 0; i < (size_t)n / sizeof(si[0]); i++) {
			if (si[i].ssi_signo == SIGCHLD)
				hp->hp_chld = 1;
			else {
				*stopping = 1;
				*stopped_now = 1;
			}
		}
	}
}

/* One turn of the state machines, at now. */
static void
step(struct hpipe *hp, double now)
{
	unsigned	i;
	int		all = hp->hp_chld || now - hp->hp_looked >= HPIPE_LOOK;

	if (all) {
		hp->hp_chld = 0;
		hp->hp_looked = now;
	}
	for (i = 0; i < hp->hp_conf.hc_jobs; i++) {
		if (all || hp->hp_jobs[i].hj_state != HJ_UP)
			job_look(hp, &hp->hp_jobs[i], now);
		job_timers(hp, &hp->hp_jobs[i], now);
	}
	dispatch(hp, now);
	for (i = 0; i < hp->hp_conf.hc_jobs; i++)
		job_write(hp, &hp->hp_jobs[i], now);
}

int
hpipe_open(const struct hpipe_conf *c, struct hpipe **out)
{
	struct hpipe	*hp;
	unsigned	 i;

	if (c->hc_jobs == 0 || c->hc_jobs > HPIPE_JOBS_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((hp = calloc(1, sizeof(*hp))) == NULL)
		return -1;
	hp->hp_conf = *c;
	hp->hp_capres = (size_t)c->hc_jobs * HPIPE_WINDOW + HPIPE_NOTICES;
	hp->hp_jobs = calloc(c->hc_jobs, sizeof(*hp->hp_jobs));
	hp->hp_res = calloc(hp->hp_capres, sizeof(*hp->hp_res));
	hp->hp_sigfd = -1;
	if (hp->hp_jobs == NULL || hp->hp_res == NULL ||
	    (hp->hp_sigfd = signalfd(-1, c->hc_wait, SFD_NONBLOCK |
	    SFD_CLOEXEC)) == -1) {
		free(hp->hp_jobs);
		free(hp->hp_res);
		free(hp);
		return -1;
	}
	for (i = 0; i < c->hc_jobs; i++) {
		hp->hp_jobs[i].hj_no = i + 1;
		hp->hp_jobs[i].hj_in = hp->hp_jobs[i].hj_out = -1;
		hp->hp_jobs[i].hj_delay = HPIPE_DELAY_MIN;
	}
	hp->hp_looked = io_now();
	*out = hp;
	return 0;
}

size_t
hpipe_room(const struct hpipe *hp)
{
	double		now = io_now();
	size_t		room = 0, most;
	unsigned	i;

	for (i = 0; i < hp->hp_conf.hc_jobs; i++)
		room += job_slots(hp, &hp->hp_jobs[i], now);
	room = room > hp->hp_nq ? room - hp->hp_nq : 0;
	/* Results not taken yet count: each must find its place. */
	most = (size_t)hp->hp_conf.hc_jobs * HPIPE_WINDOW;
	most = most > hp->hp_held ? most - hp->hp_held : 0;
	return room < most ? room : most;
}

size_t
hpipe_busy(const struct hpipe *hp)
{
	return hp->hp_busy;
}

int
hpipe_submit(struct hpipe *hp, unsigned long long tag, char *line,
    size_t len)
{
	struct hpipe_ev	*ev;

	if (hp->hp_stopped || hpipe_room(hp) == 0) {
		free(line);
		errno = hp->hp_stopped ? ECANCELED : ENOSPC;
		return -1;
	}
	if ((ev = calloc(1, sizeof(*ev))) == NULL) {
		free(line);
		return -1;
	}
	ev->he_tag = tag;
	ev->he_line = line;
	ev->he_len = len;
	if (hp->hp_qtail != NULL)
		hp->hp_qtail->he_next = ev;
	else
		hp->hp_qhead = ev;
	hp->hp_qtail = ev;
	hp->hp_nq++;
	hp->hp_busy++;
	hp->hp_held++;
	dispatch(hp, io_now());
	return 0;
}

/*
 * The descriptors to poll: the signalfd, wake_fd, and each UP job's
 * output, and its input while something waits to be written. Returns how
 * many; jobs[k] is the job of fds[k] (NULL for the others).
 */
static nfds_t
poll_set(struct hpipe *hp, int wake_fd, struct pollfd *fds,
    struct hpipe_job **jobs)
{
	struct hpipe_job	*j;
	nfds_t			 n = 0;
	unsigned		 i;

	fds[n] = (struct pollfd){ hp->hp_sigfd, POLLIN, 0 };
	jobs[n++] = NULL;
	if (wake_fd != -1) {
		fds[n] = (struct pollfd){ wake_fd, POLLIN, 0 };
		jobs[n++] = NULL;
	}
	for (i = 0; i < hp->hp_conf.hc_jobs; i++) {
		j = &hp->hp_jobs[i];
		if (j->hj_state != HJ_UP)
			continue;
		fds[n] = (struct pollfd){ j->hj_out, POLLIN, 0 };
		jobs[n++] = j;
		if (j->hj_wnext != NULL) {
			fds[n] = (struct pollfd){ j->hj_in, POLLOUT, 0 };
			jobs[n++] = j;
		}
	}
	return n;
}

/* Milliseconds until the first clock runs out, or until, at most HPIPE_LOOK. */
static int
poll_ms(const struct hpipe *hp, double until, double now)
{
	double		next = until, t;
	unsigned	i;

	for (i = 0; i < hp->hp_conf.hc_jobs; i++)
		if ((t = job_next(hp, &hp->hp_jobs[i])) < next)
			next = t;
	if (next > now + HPIPE_LOOK)
		next = now + HPIPE_LOOK;
	t = (next - now) * 1000 + 1;
	return t < 0 ? 0 : (int)t;
}

/* Give the caller what is waiting, up to cap. */
static void
take_results(struct hpipe *hp, struct hpipe_result *res, size_t cap,
    size_t *n)
{
	size_t	k = hp->hp_nres < cap ? hp->hp_nres : cap, i;

	for (i = 0; i < k; i++) {
		if (hp->hp_res[i].hr_kind == HPIPE_NOTICE)
			hp->hp_notices--;
		else
			hp->hp_held--;
	}
	memcpy(res, hp->hp_res, k * sizeof(*res));
	memmove(hp->hp_res, hp->hp_res + k, (hp->hp_nres - k) * sizeof(*res));
	hp->hp_nres -= k;
	*n = k;
}

int
hpipe_run(struct hpipe *hp, double until, int wake_fd, int *stopping,
    struct hpipe_result *res, size_t cap, size_t *n)
{
	struct pollfd		 fds[2 + 2 * HPIPE_JOBS_MAX];
	struct hpipe_job	*jobs[2 + 2 * HPIPE_JOBS_MAX];
	nfds_t			 nfds, k;
	double			 now;
	int			 stopped_now = 0, woken = 0;

	*n = 0;
	for (;;) {
		now = io_now();
		step(hp, now);
		if (hp->hp_nres > 0) {
			take_results(hp, res, cap, n);
			return 0;
		}
		if (stopped_now || woken || now >= until)
			return 0;
		nfds = poll_set(hp, wake_fd, fds, jobs);
		if (poll(fds, nfds, poll_ms(hp, until, now)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		now = io_now();
		for (k = 0; k < nfds; k++) {
			if (fds[k].revents == 0)
				continue;
			if (fds[k].fd == hp->hp_sigfd) {
				if (read_signals(hp, stopping, &stopped_now) == -1)
					return -1;
			} else if (jobs[k] == NULL)
				woken = 1;
			else if (fds[k].events == POLLIN)
				job_read(hp, jobs[k], now);
			else if (fds[k].revents & POLLOUT)
				job_write(hp, jobs[k], now);
			else
				job_died(hp, jobs[k], "the handler closed its "
				    "standard input", now);
		}
	}
}

/* The events of the job not yet begun, back to the caller. */
static void
job_unsend(struct hpipe *hp, struct hpipe_job *j)
{
	struct hpipe_ev	*keep, *ev, **pp;

	if (j->hj_wnext == NULL)
		return;
	keep = j->hj_woff > 0 ? j->hj_wnext : NULL;
	pp = keep != NULL ? &keep->he_next : &j->hj_head;
	if (keep == NULL)
		for (pp = &j->hj_head; *pp != j->hj_wnext; pp = &(*pp)->he_next)
			keep = *pp;
	while ((ev = *pp) != NULL) {
		*pp = ev->he_next;
		j->hj_nflight--;
		j->hj_bytes -= ev->he_len;
		ev_answer(hp, ev, HPIPE_UNSENT, "", 0);
	}
	j->hj_tail = keep;
	if (j->hj_woff == 0)
		j->hj_wnext = NULL;	/* else the one begun is written whole */
}

void
hpipe_stop(struct hpipe *hp)
{
	unsigned	i;

	hp->hp_stopped = 1;
	queue_unsent(hp);
	for (i = 0; i < hp->hp_conf.hc_jobs; i++)
		if (hp->hp_jobs[i].hj_state == HJ_UP)
			job_unsend(hp, &hp->hp_jobs[i]);
}

unsigned
hpipe_close(struct hpipe *hp)
{
	struct pollfd	 pfd;
	struct hpipe_job *j;
	unsigned	 i, left, forced;
	double		 now;
	int		 stopping = 0, stopped_now = 0;

	if (hp == NULL)
		return 0;
	hpipe_stop(hp);
	hp->hp_forced = 0;
	now = io_now();
	for (i = 0; i < hp->hp_conf.hc_jobs; i++)
		put_down(&hp->hp_jobs[i], WHY_CLOSE, now);
	for (;;) {
		for (i = 0, left = 0; i < hp->hp_conf.hc_jobs; i++) {
			job_look(hp, &hp->hp_jobs[i], now);
			job_timers(hp, &hp->hp_jobs[i], now);
			left += hp->hp_jobs[i].hj_pid != 0;
		}
		hp->hp_nres = hp->hp_notices = 0;	/* nobody reads them now */
		if (left == 0)
			break;
		pfd = (struct pollfd){ hp->hp_sigfd, POLLIN, 0 };
		if (poll(&pfd, 1, poll_ms(hp, now + HPIPE_LOOK, now)) == 1 &&
		    read_signals(hp, &stopping, &stopped_now) == -1)
			hp->hp_chld = 1;	/* look at them all the same */
		now = io_now();
	}
	forced = hp->hp_forced;
	for (i = 0; i < hp->hp_conf.hc_jobs; i++) {
		j = &hp->hp_jobs[i];
		while (j->hj_head != NULL) {
			struct hpipe_ev	*ev = j->hj_head;

			j->hj_head = ev->he_next;
			ev_free(ev);
		}
	}
	(void)close(hp->hp_sigfd);
	free(hp->hp_jobs);
	free(hp->hp_res);
	free(hp);
	return forced;
}
