/*
 * handler.h: running a user's handler on one event, as drain and consume
 * do: /bin/sh -c CMD in a process group of its own, the event on standard
 * input, HOOKSPOOL_* in its environment, a time limit with TERM then KILL
 * to the whole group and to the handler's own process, and a verdict from
 * its exit status.
 */
#ifndef HOOKSPOOL_HANDLER_H
#define HOOKSPOOL_HANDLER_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/* Seconds from TERM to KILL, after a timeout or a stop signal. */
#define HANDLER_KILL_GRACE	5
/*
 * Seconds from KILL until a handler that has still not ended is left
 * behind (a process in an uninterruptible wait, such as a hung NFS read,
 * ends only when that wait does).
 */
#define HANDLER_REAP_GRACE	5
/* The most handler_run() lasts past hj_timeout or a stop signal. */
#define HANDLER_OVERRUN		(HANDLER_KILL_GRACE + HANDLER_REAP_GRACE)
/* How many handlers left behind are remembered, to be reaped later. */
#define HANDLER_LEFT_MAX	64

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
	HANDLER_TIMED_OUT,	/* ran past hj_timeout: killed (or left) */
	HANDLER_STOPPED,	/* a stop signal came: killed, *stopping set */
	HANDLER_ERROR		/* could not be run or waited for */
};

/*
 * Run job and wait for it. The handler inherits hj_stdin as its standard
 * input and a copy of hj_keep (so a lock held through it lasts as long as
 * the handler, even if the caller dies), and nothing else opened with
 * O_CLOEXEC. *stopping is set when a stop signal arrives (it may be set
 * already: the handler is then stopped at once, unless hj_finish). What
 * happened is written to what (whatlen bytes) for a message, on every
 * result but HANDLER_OK.
 *
 * Past hj_timeout (or at a stop), SIGTERM goes to the handler's process
 * group, and to the handler's own process too when it has left that
 * group; HANDLER_KILL_GRACE seconds later SIGKILL goes to both. A handler
 * whose process has still not ended HANDLER_REAP_GRACE seconds after the
 * KILL is left behind: handler_run() returns HANDLER_TIMED_OUT (or
 * HANDLER_STOPPED) all the same, and what says so. It then keeps its copy
 * of hj_keep, and so any lock held through it, until it ends. A handler
 * left behind is reaped by a later handler_run() once it has ended (up to
 * HANDLER_LEFT_MAX are remembered), or by init once the caller exits.
 * Processes that left the handler's group (setsid) are out of reach.
 */
enum handler_result handler_run(const struct handler_job *job, int *stopping,
    char *what, size_t whatlen);

enum handler_wait {
	HANDLER_WAIT_ENDED,	/* it ended; not reaped yet */
	HANDLER_WAIT_DEADLINE,	/* the deadline came first */
	HANDLER_WAIT_STOP,	/* *stopping was set, and stop_returns */
	HANDLER_WAIT_ERROR	/* waitid or sigtimedwait failed: errno */
};

/*
 * Wait for pid, a child of the caller, to end, until deadline (seconds on
 * io_now()'s clock), taking the signals of wait (which the caller has
 * blocked) with sigtimedwait: any of them but SIGCHLD sets *stopping. With
 * stop_returns non-zero, a *stopping already set or set meanwhile ends the
 * wait. pid is looked at once even when deadline has already passed, and
 * a deadline in the past, however far, returns HANDLER_WAIT_DEADLINE at
 * once. On HANDLER_WAIT_ENDED pid is left a zombie (so that its process
 * group id stays its own): the caller reaps it with waitpid().
 */
enum handler_wait handler_wait(pid_t pid, double deadline,
    const sigset_t *wait, int *stopping, int stop_returns);

#endif
