/*
 * hpipe_job.h: the inside of the pipe handlers' pool (hpipe.h), which
 * hpipe.c (the pool: events in, results out, the waits) and hpipe_job.c
 * (each job's process, pipes and state) share. Nothing else includes it.
 */
#ifndef HOOKSPOOL_HPIPE_JOB_H
#define HOOKSPOOL_HPIPE_JOB_H

#include <stddef.h>
#include <sys/types.h>

#include "hpipe.h"

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
	struct hpipe_ev		*hj_wnext;	/* first not written whole */
	size_t			 hj_woff;	/* what of it is written */
	size_t			 hj_nflight;
	size_t			 hj_bytes;
	double			 hj_since;	/* the oldest's clock started */
	double			 hj_at;		/* see the states */
	unsigned		 hj_delay;	/* after the next garbage */
	int			 hj_forced;	/* TERM or KILL was sent */
	int			 hj_left;	/* left behind */
	char			 hj_what[128];	/* why it died, if it did */
	char			 hj_buf[HPIPE_LINE_MAX];
	size_t			 hj_buflen;
};

struct hpipe {
	struct hpipe_conf	 hp_conf;
	struct hpipe_job	*hp_jobs;
	struct hpipe_ev		*hp_qhead;	/* waiting for a job */
	struct hpipe_ev		*hp_qtail;
	size_t			 hp_nq;
	size_t			 hp_held;	/* given, result not taken */
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


/* Frees an event and its line. ev may be NULL. */
void hpipe_ev_free(struct hpipe_ev *ev);

/* Give ev back to the caller as a result of kind (text[0..len)); frees it. */
void hpipe_ev_answer(struct hpipe *hp, struct hpipe_ev *ev,
    enum hpipe_kind kind, const char *text, size_t len);

/* Every event of the pool's queue back to the caller as HPIPE_UNSENT. */
void hpipe_queue_unsent(struct hpipe *hp);

/*
 * Take an UP job out of UP (why says why): its pipes closed, and TERM at
 * once for a timeout or a line that is no verdict, or a grace to end of
 * its own accord first. Any other job is left as it is.
 */
void hpipe_job_put_down(struct hpipe_job *j, enum hpipe_why why,
    double now);

/* How many more events the job takes now (a DOWN job: a window). */
size_t hpipe_job_slots(const struct hpipe *hp, const struct hpipe_job *j,
    double now);

/*
 * Start a DOWN job's handler through the guardian, with pipes for its
 * input and output. Returns 0, or -1 (a notice says why; the job waits a
 * growing delay before it is tried again).
 */
int hpipe_job_start(struct hpipe *hp, struct hpipe_job *j, double now);

/* Read what an UP job wrote, verdicts answering its events. */
void hpipe_job_read(struct hpipe *hp, struct hpipe_job *j, double now);

/*
 * An UP job that cannot be written to, or has ended (what says which):
 * its last verdicts are read, then it is put down as dead.
 */
void hpipe_job_died(struct hpipe *hp, struct hpipe_job *j, const char *what,
    double now);

/* Write what an UP job's pipe takes of the events not yet written. */
void hpipe_job_write(struct hpipe *hp, struct hpipe_job *j, double now);

/*
 * Whether the job's guardian has ended: if so, it is reaped and its
 * events released (hpipe_job.c says how), and the job is DOWN.
 */
void hpipe_job_look(struct hpipe *hp, struct hpipe_job *j, double now);

/* The job's clocks: its oldest event's timeout, or its next step down. */
void hpipe_job_timers(struct hpipe *hp, struct hpipe_job *j, double now);

/* When the job's next clock runs out, on io_now()'s clock (1e300: none). */
double hpipe_job_next(const struct hpipe *hp, const struct hpipe_job *j);

#endif
