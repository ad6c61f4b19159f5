/*
 * hpipe_job.c: the jobs of the pipe handlers' pool (hpipe.h, hpipe_job.h).
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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handler.h"
#include "hpipe.h"
#include "hpipe_job.h"

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

void
hpipe_ev_free(struct hpipe_ev *ev)
{
	if (ev != NULL) {
		free(ev->he_line);
		free(ev);
	}
}

/* Hand ev back to the caller as kind, and free it. */
void
hpipe_ev_answer(struct hpipe *hp, struct hpipe_ev *ev, enum hpipe_kind kind,
    const char *text, size_t len)
{
	result(hp, kind, ev->he_tag, text, len);
	hpipe_ev_free(ev);
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
void
hpipe_queue_unsent(struct hpipe *hp)
{
	struct hpipe_ev	*ev;

	while ((ev = hp->hp_qhead) != NULL) {
		hp->hp_qhead = ev->he_next;
		hpipe_ev_answer(hp, ev, HPIPE_UNSENT, "", 0);
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
void
hpipe_job_put_down(struct hpipe_job *j, enum hpipe_why why, double now)
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
		hpipe_ev_answer(hp, ev, j->hj_why == WHY_TIMEOUT ?
		    HPIPE_TIMED_OUT : HPIPE_DIED, text, strlen(text));
		j->hj_nflight--;
	} else if (ev == NULL && j->hj_why == WHY_DIED && status != NULL &&
	    handler_status(*status, text, sizeof(text)) == -1)
		notice(hp, 0, "the handler (job %u) %s with no event in hand",
		    j->hj_no, text);
	if (j->hj_head != NULL)
		queue_front(hp, j->hj_head, j->hj_tail, j->hj_nflight);
	if (hp->hp_stopped)
		hpipe_queue_unsent(hp);
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
	hpipe_job_put_down(j, WHY_GARBAGE, now);
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
		hpipe_ev_answer(hp, ev, kind, reason, rlen);
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
void
hpipe_job_read(struct hpipe *hp, struct hpipe_job *j, double now)
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
			hpipe_job_put_down(j, WHY_DIED, now);
			return;
		}
		j->hj_buflen += (size_t)n;
		if (job_lines(hp, j, now) == -1)
			return;
	}
}

/* The job can no longer be written to, or has ended: its last verdicts. */
void
hpipe_job_died(struct hpipe *hp, struct hpipe_job *j, const char *what,
    double now)
{
	hpipe_job_read(hp, j, now);
	if (j->hj_state != HJ_UP)
		return;
	snprintf(j->hj_what, sizeof(j->hj_what), "%s", what);
	hpipe_job_put_down(j, WHY_DIED, now);
}

/* Write what the job's pipe takes of the events not yet written. */
void
hpipe_job_write(struct hpipe *hp, struct hpipe_job *j, double now)
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
			hpipe_job_died(hp, j, "the handler closed its "
			    "standard input", now);
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
size_t
hpipe_job_slots(const struct hpipe *hp, const struct hpipe_job *j, double now)
{
	if (j->hj_state == HJ_DOWN)
		return !hp->hp_stopped && j->hj_at <= now ? HPIPE_WINDOW : 0;
	if (j->hj_state != HJ_UP || j->hj_nflight >= HPIPE_WINDOW ||
	    (j->hj_nflight > 0 && j->hj_bytes >= HPIPE_BYTES))
		return 0;
	return HPIPE_WINDOW - j->hj_nflight;
}

/* Start a DOWN job's handler. Returns 0, or -1 (said; it waits). */
int
hpipe_job_start(struct hpipe *hp, struct hpipe_job *j, double now)
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
		hpipe_job_put_down(j, WHY_GARBAGE, now);
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

/* Whether the job's guardian has ended; if so it is reaped and released. */
void
hpipe_job_look(struct hpipe *hp, struct hpipe_job *j, double now)
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
		hpipe_job_died(hp, j, "the handler ended", now);
	job_close_pipes(j);
	if (handler_reap(j->hj_pid, &status) == 0)
		job_release(hp, j, &status, now);
	else
		job_release(hp, j, NULL, now);
}

/* The job's clocks: its oldest event's timeout, or its next step down. */
void
hpipe_job_timers(struct hpipe *hp, struct hpipe_job *j, double now)
{
	switch (j->hj_state) {
	case HJ_UP:
		if (j->hj_nflight > 0 &&
		    now >= j->hj_since + (double)hp->hp_conf.hc_timeout)
			hpipe_job_put_down(j, WHY_TIMEOUT, now);
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
		notice(hp, 0, "the handler (job %u) was still running %ds "
		    "after SIGKILL (stuck in the kernel?): left behind",
		    j->hj_no, HANDLER_REAP_GRACE);
		j->hj_left = 1;
		job_release(hp, j, NULL, now);
		return;
	case HJ_DOWN:
		return;
	}
}

/* When the job's next clock runs out (a large value: none). */
double
hpipe_job_next(const struct hpipe *hp, const struct hpipe_job *j)
{
	if (j->hj_state == HJ_UP)
		return j->hj_nflight > 0 ?
		    j->hj_since + (double)hp->hp_conf.hc_timeout : 1e300;
	if (j->hj_state == HJ_DOWN)
		return hp->hp_qhead != NULL && !hp->hp_stopped ? j->hj_at :
		    1e300;
	return j->hj_at;
}

