/*
 * handler.h: running a user's handler on one event, as drain and consume
 * do: /bin/sh -c CMD in a process group of its own, the event on standard
 * input, HOOKSPOOL_* in its environment, a time limit with TERM then KILL
 * to the whole group and to the handler's own process, and a verdict from
 * its exit status.
 *
 * Every handler is started through a guardian: a small process of
 * hookspool's own that leads the handler's process group, runs sh -c CMD
 * in it, waits for it and ends as it ended. The guardian knows when its
 * caller dies (PR_SET_PDEATHSIG), even of kill -9, and then kills the
 * whole group; so a handler and whatever it starts in its group never
 * outlive the process that claimed their event. handler.c says how.
 */
#ifndef HOOKSPOOL_HANDLER_H
#define HOOKSPOOL_HANDLER_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "errtail.h"

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
	int				 hj_stdout;	/* or -1: ours */
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
	 * NULL: the handler's standard error is the caller's. Else opened
	 * (errtail_open): the handler writes into its pipe, which
	 * handler_run() reads while it waits, passing every byte on and
	 * keeping the tail (errtail.h); handler_spawn() gives the handler
	 * the write end and closes the caller's.
	 */
	struct errtail			*hj_err;
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
 * input, hj_stdout as its standard output (when not -1), its standard
 * error from the caller or hj_err's pipe (read while it runs, and once
 * it ended, what is left in it), a copy of hj_keep (so a lock held
 * through it lasts as long as the handler), and no other descriptor.
 * *stopping is
 * set when a stop signal arrives (it may be set already: the handler is
 * then stopped at once, unless hj_finish). What happened is written to
 * what (whatlen bytes) for a message, on every result but HANDLER_OK.
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
 * When the caller dies, however it dies, the handler's process group is
 * killed (SIGKILL), the handler's own process too. Processes that left
 * the handler's group (setsid) are out of reach.
 */
enum handler_result handler_run(const struct handler_job *job, int *stopping,
    char *what, size_t whatlen);

/*
 * Start job as handler_run() does, without waiting: *pid is the guardian,
 * a child of the caller whose process group is the handler's, which ends
 * as the handler ends (its exit status, or death by the same signal).
 * hj_timeout, hj_wait and hj_finish are not used; hj_mask is. The caller
 * waits for *pid (handler_wait) and puts it down with handler_term() and
 * handler_kill(), then handler_reap(). Returns 0, or -1 with what said in
 * what.
 */
int handler_spawn(const struct handler_job *job, pid_t *pid, char *what,
    size_t whatlen);

/*
 * SIGTERM to the handler of guardian pid: to its process group, and to
 * the handler's own process when it has left that group. pid is not
 * reaped yet.
 */
void handler_term(pid_t pid);

/*
 * SIGKILL to the handler of guardian pid: its process group and its own
 * process. The guardian itself lives on until the handler has ended (a
 * process stuck in the kernel ends only when its wait does), so that
 * handler_wait() on pid tells when the handler is gone.
 */
void handler_kill(pid_t pid);

/*
 * Reap guardian pid, which has ended (handler_wait said so), after
 * killing (SIGKILL) what is left of its process group while its id is
 * still its own. Its status goes to *status (may be NULL). Returns 0, or
 * -1 with errno (then pid is killed and left behind, or was no child).
 */
int handler_reap(pid_t pid, int *status);

/*
 * Leave guardian pid behind, killed, to be reaped once it ends by a later
 * handler_run() or handler_reap_left(); past HANDLER_LEFT_MAX it stays a
 * zombie until the caller exits.
 */
void handler_leave(pid_t pid);

/* Reap the guardians left behind that have ended since; forget them. */
void handler_reap_left(void);

/*
 * The verdict on a handler that ended with status (a wait status): 0
 * when it exited 0, else -1 with how it ended in what ("exited 3",
 * "killed by signal 9").
 */
int handler_status(int status, char *what, size_t whatlen);

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
