/*
 * hpipe.c: the pool of pipe handlers (hpipe.h): the event lines and the
 * verdicts, events in and results out, and the waits. Each job's process
 * and state are hpipe_job.c's.
 *
 * The signals: the caller keeps SIGCHLD and the stop signals blocked; a
 * signalfd of them is one more descriptor for poll(), read without
 * blocking. SIGCHLD makes every job's guardian be looked at (waitid with
 * WNOWAIT, then handler_reap); they are also looked at once a second, in
 * case another wait of the caller's took the signal.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "hpipe.h"
#include "hpipe_job.h"
#include "io.h"
#include "json.h"

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

/* The job to give the next event to, or NULL: the least busy. */
static struct hpipe_job *
job_pick(struct hpipe *hp, double now)
{
	struct hpipe_job	*best = NULL, *j;
	unsigned		 i;

	for (i = 0; i < hp->hp_conf.hc_jobs; i++) {
		j = &hp->hp_jobs[i];
		if (hpipe_job_slots(hp, j, now) == 0)
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
		if (j->hj_state == HJ_DOWN && hpipe_job_start(hp, j, now) == -1)
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
			hpipe_job_look(hp, &hp->hp_jobs[i], now);
		hpipe_job_timers(hp, &hp->hp_jobs[i], now);
	}
	dispatch(hp, now);
	for (i = 0; i < hp->hp_conf.hc_jobs; i++)
		hpipe_job_write(hp, &hp->hp_jobs[i], now);
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
		room += hpipe_job_slots(hp, &hp->hp_jobs[i], now);
	room = room > hp->hp_nq ? room - hp->hp_nq : 0;
	/* Results not taken yet count: each must find its place. */
	most = (size_t)hp->hp_conf.hc_jobs * HPIPE_WINDOW;
	most = most > hp->hp_held ? most - hp->hp_held : 0;
	return room < most ? room : most;
}

size_t
hpipe_busy(const struct hpipe *hp)
{
	return hp->hp_held;
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
		if ((t = hpipe_job_next(hp, &hp->hp_jobs[i])) < next)
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
				if (read_signals(hp, stopping,
				    &stopped_now) == -1)
					return -1;
			} else if (jobs[k] == NULL)
				woken = 1;
			else if (fds[k].events == POLLIN)
				hpipe_job_read(hp, jobs[k], now);
			else if (fds[k].revents & POLLOUT)
				hpipe_job_write(hp, jobs[k], now);
			else
				hpipe_job_died(hp, jobs[k], "the handler "
				    "closed its standard input", now);
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
		hpipe_ev_answer(hp, ev, HPIPE_UNSENT, "", 0);
	}
	j->hj_tail = keep;
	if (j->hj_woff == 0)
		j->hj_wnext = NULL;	/* else the one begun goes whole */
}

void
hpipe_stop(struct hpipe *hp)
{
	unsigned	i;

	hp->hp_stopped = 1;
	hpipe_queue_unsent(hp);
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
		hpipe_job_put_down(&hp->hp_jobs[i], WHY_CLOSE, now);
	for (;;) {
		for (i = 0, left = 0; i < hp->hp_conf.hc_jobs; i++) {
			hpipe_job_look(hp, &hp->hp_jobs[i], now);
			hpipe_job_timers(hp, &hp->hp_jobs[i], now);
			left += hp->hp_jobs[i].hj_pid != 0;
		}
		hp->hp_nres = hp->hp_notices = 0;	/* nobody reads them */
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
			hpipe_ev_free(ev);
		}
	}
	(void)close(hp->hp_sigfd);
	free(hp->hp_jobs);
	free(hp->hp_res);
	free(hp);
	return forced;
}
