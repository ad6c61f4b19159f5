/*
 * handler.h: running a user's handler on one event, as drain (and, later,
 * consume) does: /bin/sh -c CMD in a process group of its own, the event
 * on standard input, HOOKSPOOL_* in its environment, a time limit with
 * TERM then KILL to the whole group, and a verdict from its exit status.
 */
#ifndef HOOKSPOOL_HANDLER_H
#define HOOKSPOOL_HANDLER_H

#include <signal.h>
#include <stddef.h>

/* Seconds from TERM to KILL, after a timeout or a stop signal. */
#define HANDLER_KILL_GRACE	5

struct handler_env {
	const char	*he_name;
	const char	*he_value;	/* NULL is set as "" */
};

struct handler_job {
	const char			*hj_cmd;	/* for /bin/sh -c */
	int				 hj_stdin;	/* the handler reads it */
	int				 hj_keep;	/* also inherited, or -1 */
	const struct handler_env	*hj_env;
	size_t				 hj_nenv;
	long long			 hj_timeout;	/* seconds */
	/*
	 * The caller has blocked hj_wait, which holds SIGCHLD and the
	 * signals that ask to stop (TERM, INT, HUP): they are waited for
	 * with sigtimedwait. The handler starts with hj_mask, the mask the
	 * caller had before.
	 */
	const sigset_t			*hj_wait;
	const sigset_t			*hj_mask;
	/*
	 * Non-zero: a stop signal does not stop the handler; it runs on to
	 * its end or its time limit (consume finishes the handler in flight).
	 */
	int				 hj_finish;
	/*
	 * Non-zero: the handler's process is killed when the caller dies,
	 * since no lock of the caller's can outlive it (consume).
	 */
	int				 hj_die_with_parent;
};

enum handler_result {
	HANDLER_OK = 0,		/* exited 0 */
	HANDLER_FAILED,		/* exited non-zero or died of a signal */
	HANDLER_TIMED_OUT,	/* ran past hj_timeout: killed */
	HANDLER_STOPPED,	/* a stop signal came: killed, *stopping set */
	HANDLER_ERROR		/* could not be run or waited for */
};

/*
 * Run job and wait for it. The handler inherits hj_stdin as its standard
 * input and a copy of hj_keep (so a lock held through it lasts as long as
 * the handler, even if the caller dies), and nothing else opened with
 * O_CLOEXEC. *stopping is set when a stop signal arrives (it may be set
 * already: the handler is then stopped at once, unless hj_finish). What happened is
 * written to what (whatlen bytes) for a message, on every result but
 * HANDLER_OK.
 */
enum handler_result handler_run(const struct handler_job *job, int *stopping,
    char *what, size_t whatlen);

#endif
