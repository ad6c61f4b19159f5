/*
 * hpipe.h: a handler that starts once and handles many events (--pipe of
 * drain and consume). Up to hc_jobs copies of the handler run at once,
 * each started through handler.c's guardian with pipes for its standard
 * input and output. Each event is one line written to a handler's input
 * (hpipe_event_line() makes it); the handler answers one line per event,
 * in order: "ok", "retry REASON" or "fail REASON" (hpipe_verdict()).
 * hookspool(1) states the protocol; this module keeps it, and prints
 * nothing.
 *
 * A job (one handler process) has up to HPIPE_WINDOW events in flight:
 * written, or being written, and not yet answered. The clock of an
 * event's --timeout starts when it becomes the oldest unanswered event of
 * its job. When it runs out the handler is put down (TERM to its group,
 * KILL HANDLER_KILL_GRACE later, left behind HANDLER_REAP_GRACE after
 * that), the event counts a failed attempt, and the events behind it go
 * to another job, or the same one started again, without one. A handler
 * that dies does the same to the event it was on. A line that is not a
 * verdict puts the handler down too and costs no event an attempt: its
 * events go back to the queue, and the job starts again only after a
 * delay that grows from HPIPE_DELAY_MIN to HPIPE_DELAY_MAX seconds, and
 * falls back once it answers well. No event is answered, and none is
 * given to another job, while the process that had it may still run.
 *
 * Waits: hpipe_run() polls the pipes and a signalfd of the caller's
 * blocked signals (hc_wait: SIGCHLD, and the stop signals), so the
 * signals stay blocked, as the verbs keep them, and no handler runs
 * behind the caller's back. The caller ignores SIGPIPE.
 */
#ifndef HOOKSPOOL_HPIPE_H
#define HOOKSPOOL_HPIPE_H

#include <signal.h>
#include <stddef.h>

/* Jobs (--jobs) at most. */
#define HPIPE_JOBS_MAX		64
/* Events in flight on one job at most. */
#define HPIPE_WINDOW		16
/* A job with events in flight takes no more once they hold this much. */
#define HPIPE_BYTES		(1024 * 1024)
/* A verdict line, its newline included, is at most this long. */
#define HPIPE_LINE_MAX		4096
/* Seconds before a job that wrote a line that is no verdict starts again. */
#define HPIPE_DELAY_MIN		1
#define HPIPE_DELAY_MAX		60
/*
 * Seconds a handler has to end once its input is closed (hpipe_close), or
 * once it closed its output or its input, before it gets SIGTERM.
 */
#define HPIPE_EXIT_GRACE	5
#define HPIPE_EOF_GRACE		1
/* The text of a result: a REASON, or what happened. */
#define HPIPE_TEXT_MAX		512

struct hpipe_conf {
	const char	*hc_cmd;	/* for /bin/sh -c */
	unsigned	 hc_jobs;	/* 1 to HPIPE_JOBS_MAX */
	long long	 hc_timeout;	/* seconds per event */
	const sigset_t	*hc_wait;	/* blocked: SIGCHLD and stop signals */
	const sigset_t	*hc_mask;	/* the handlers' signal mask */
};

enum hpipe_kind {
	HPIPE_OK = 0,		/* "ok" */
	HPIPE_RETRY,		/* "retry REASON": a failed attempt */
	HPIPE_FAIL,		/* "fail REASON": give up now */
	HPIPE_TIMED_OUT,	/* no verdict within the timeout: an attempt */
	HPIPE_DIED,		/* it ended before its verdict: an attempt */
	HPIPE_UNSENT,		/* after hpipe_stop(), never begun: none */
	HPIPE_NOTICE		/* of no event: something to say (hr_text) */
};

struct hpipe_result {
	enum hpipe_kind		 hr_kind;
	unsigned long long	 hr_tag;	/* the event's; 0: a notice */
	int			 hr_garbage;	/* a notice of no verdict */
	/*
	 * RETRY and FAIL: the REASON as written (any bytes but NUL, cut to
	 * fit: the caller makes it printable). TIMED_OUT, DIED, NOTICE:
	 * what happened, in printable ASCII.
	 */
	char			 hr_text[HPIPE_TEXT_MAX];
};

/* An event, for hpipe_event_line(). Strings are given with lengths. */
struct hpipe_event {
	const char		*hv_id;
	size_t			 hv_idlen;
	const char		*hv_webhook;	/* NULL: "" */
	size_t			 hv_webhooklen;
	const char		*hv_type;
	size_t			 hv_typelen;
	unsigned long long	 hv_attempt;	/* 1 for the first */
	const char		*hv_entry;	/* NULL: none (drain) */
	const char		*hv_line;	/* the spool line, no newline */
	size_t			 hv_linelen;
};

struct hpipe;

/*
 * The line that gives e to a handler: one JSON object, {"id":...,
 * "webhook":...,"type":...,"attempt":N, "entry":... (when given),
 * "line":...}, each string JSON-escaped (json_string_encode: the spool
 * line comes back byte for byte once decoded), and a newline. Returns a
 * new buffer (*len bytes, NUL-terminated) the caller frees, or NULL when
 * out of memory.
 */
char *hpipe_event_line(const struct hpipe_event *e, size_t *len);

/*
 * Read line[0..len), a line a handler wrote without its newline, as a
 * verdict: "ok", "retry", "retry REASON", "fail" or "fail REASON", where
 * REASON is any bytes but NUL. Returns 0 with *kind (HPIPE_OK, _RETRY or
 * _FAIL) and the REASON in *reason (pointing into line; "" when none)
 * and *reasonlen, or -1 when it is no verdict.
 */
int hpipe_verdict(const char *line, size_t len, enum hpipe_kind *kind,
    const char **reason, size_t *reasonlen);

/*
 * A pool of c->hc_jobs handler jobs, none started yet (a job starts when
 * an event is given to it). c is copied; its strings and sets must
 * outlive the pool. Returns 0 with *out, or -1 with errno.
 */
int hpipe_open(const struct hpipe_conf *c, struct hpipe **out);

/* How many events hpipe_submit() takes now without waiting. */
size_t hpipe_room(const struct hpipe *hp);

/*
 * How many events were given whose results the caller has not taken yet
 * (hpipe_run()): a result made but not taken counts, so that a caller
 * that waits until this is 0 sees every result, the HPIPE_UNSENT ones
 * that hpipe_stop() makes at once among them.
 */
size_t hpipe_busy(const struct hpipe *hp);

/*
 * Give an event to the pool: line (from hpipe_event_line(), len bytes,
 * its newline included) is the pool's from now on, also on failure. tag
 * (not 0) comes back with its result. Returns 0, or -1 with errno
 * (ENOSPC: hpipe_room() was 0; ECANCELED: after hpipe_stop()).
 */
int hpipe_submit(struct hpipe *hp, unsigned long long tag, char *line,
    size_t len);

/*
 * Work: write events, read verdicts, keep the clocks, put down and start
 * handlers. Returns once results are waiting (up to cap of them go to
 * res, *n says how many; the rest wait for the next call), or until
 * (seconds on io_now()'s clock) has come, or a stop signal of hc_wait
 * came (*stopping set), or wake_fd (-1: none) is readable. Returns 0, or
 * -1 with errno when poll or the signalfd failed.
 */
int hpipe_run(struct hpipe *hp, double until, int wake_fd, int *stopping,
    struct hpipe_result *res, size_t cap, size_t *n);

/*
 * Send nothing more: the events not yet begun (queued, or in flight but
 * not a byte of them written) come back as HPIPE_UNSENT from hpipe_run();
 * those a handler has begun to read get their verdict or their timeout.
 */
void hpipe_stop(struct hpipe *hp);

/*
 * Close the handlers' input and wait for them to end: HPIPE_EXIT_GRACE
 * seconds, then TERM and KILL as for a timeout; each is reaped, or left
 * behind (handler_leave). Frees hp (may be NULL). Call it once
 * hpipe_busy() is 0; events still in flight are dropped. Returns how many
 * handlers did not end of their own accord (put down, or left behind).
 */
unsigned hpipe_close(struct hpipe *hp);

#endif
