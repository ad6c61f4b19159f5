/*
 * handler.c: fork, exec and wait for a handler, with its time limit.
 *
 * The handler's end is seen with waitid(WNOWAIT) and reaped only after
 * what is left of its process group has been sent SIGKILL: while it is a
 * zombie its pid, and so its group's id, cannot be taken by another
 * process. A handler that SIGKILL does not end (a process in an
 * uninterruptible wait) is left behind after HANDLER_REAP_GRACE seconds
 * and remembered in left_pids[], to be reaped by a later run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"

/*
 * The handler's process: its own group, the kept descriptor inherited,
 * the event on stdin, its environment, the caller's old signal mask,
 * then sh -c. Exits 126 when it cannot be set up, 127 when sh is missing.
 */
static void __attribute__((noreturn))
child(const struct handler_job *job, pid_t parent)
{
	size_t	i;

	if (setpgid(0, 0) == -1)
		_exit(126);
	if (job->hj_die_with_parent &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent))
		_exit(126);
	if (job->hj_keep != -1 && fcntl(job->hj_keep, F_DUPFD, 3) == -1)
		_exit(126);	/* the copy is without FD_CLOEXEC */
	if (job->hj_stdin != STDIN_FILENO) {
		if (dup2(job->hj_stdin, STDIN_FILENO) == -1)
			_exit(126);
	} else if (fcntl(job->hj_stdin, F_SETFD, 0) == -1)
		_exit(126);
	for (i = 0; i < job->hj_nenv; i++)
		if (setenv(job->hj_env[i].he_name, job->hj_env[i].he_value ?
		    job->hj_env[i].he_value : "", 1) == -1)
			_exit(126);
	if (signal(SIGPIPE, SIG_DFL) == SIG_ERR ||
	    sigprocmask(SIG_SETMASK, job->hj_mask, NULL) == -1)
		_exit(126);
	execl("/bin/sh", "sh", "-c", job->hj_cmd, (char *)NULL);
	_exit(127);
}

/* Handlers left behind, not ended when last looked at; reaped later. */
static pid_t	left_pids[HANDLER_LEFT_MAX];
static size_t	nleft;

/* Reap the handlers left behind that have ended since; forget them. */
static void
reap_left(void)
{
	size_t	i = 0;
	pid_t	r;
	int	status;

	while (i < nleft) {
		r = waitpid(left_pids[i], &status, WNOHANG);
		if (r == 0 || (r == -1 && errno == EINTR)) {
			i++;
			continue;
		}
		/* Reaped, or not a child of ours any more (ECHILD). */
		left_pids[i] = left_pids[--nleft];
	}
}

/*
 * Leave pid behind, to be reaped later. Past HANDLER_LEFT_MAX it is not
 * remembered: it stays a zombie until the caller exits.
 */
static void
leave(pid_t pid)
{
	if (nleft < HANDLER_LEFT_MAX)
		left_pids[nleft++] = pid;
}

/*
 * Wait for a signal of wait, at most left seconds (capped at one; left is
 * more than 0). Returns 0, or -1 when sigtimedwait fails for another
 * reason than its time running out or an interruption.
 */
static int
wait_signal(const sigset_t *wait, double left, int *stopping)
{
	struct timespec	ts;
	int		sig;

	if (left >= 1) {
		ts.tv_sec = 1;
		ts.tv_nsec = 0;
	} else {
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		if (ts.tv_nsec < 0 || ts.tv_nsec > 999999999L)
			ts.tv_nsec = 999999999L;
	}
	sig = sigtimedwait(wait, NULL, &ts);
	if (sig == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (sig != SIGCHLD)
		*stopping = 1;
	return 0;
}

enum handler_wait
handler_wait(pid_t pid, double deadline, const sigset_t *wait, int *stopping,
    int stop_returns)
{
	siginfo_t	info;
	double		left;

	for (;;) {
		memset(&info, 0, sizeof(info));
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG |
		    WNOWAIT) == -1) {
			if (errno == EINTR)
				continue;
			return HANDLER_WAIT_ERROR;
		}
		if (info.si_pid == pid)
			return HANDLER_WAIT_ENDED;
		if (*stopping && stop_returns)
			return HANDLER_WAIT_STOP;
		left = deadline - io_now();
		if (!(left > 0))	/* NaN included */
			return HANDLER_WAIT_DEADLINE;
		if (wait_signal(wait, left, stopping) == -1)
			return HANDLER_WAIT_ERROR;
	}
}

/*
 * sig to the handler's process group, and to the handler's own process
 * when it is not in that group any more (it may have moved into another,
 * such as the caller's), and always for SIGKILL. pid is not reaped yet,
 * so neither id can be another process's. Failures are no matter: ESRCH
 * once nobody is left.
 */
static void
signal_handler(pid_t pid, int sig)
{
	(void)kill(-pid, sig);
	if (sig == SIGKILL || getpgid(pid) != pid)
		(void)kill(pid, sig);
}

/*
 * Put down a handler that ran out of time or was stopped: TERM, KILL after
 * HANDLER_KILL_GRACE, then HANDLER_REAP_GRACE more for it to end. Returns
 * how the last wait ended: HANDLER_WAIT_DEADLINE means it is still there.
 */
static enum handler_wait
put_down(const struct handler_job *job, pid_t pid, int *stopping)
{
	enum handler_wait	w;

	signal_handler(pid, SIGTERM);
	w = handler_wait(pid, io_now() + HANDLER_KILL_GRACE, job->hj_wait,
	    stopping, 0);
	if (w != HANDLER_WAIT_DEADLINE)
		return w;
	signal_handler(pid, SIGKILL);
	return handler_wait(pid, io_now() + HANDLER_REAP_GRACE, job->hj_wait,
	    stopping, 0);
}

/* The verdict on a handler that ended with status. */
static enum handler_result
verdict(int status, char *what, size_t whatlen)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return HANDLER_OK;
	if (WIFEXITED(status))
		snprintf(what, whatlen, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(what, whatlen, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(what, whatlen, "ended with status %d", status);
	return HANDLER_FAILED;
}

/*
 * A handler that could not be waited for (errno says why): KILLed and left
 * behind, unless it is no child of ours any more (then its ids may be
 * another process's already). errno is kept.
 */
static void
lost(pid_t pid)
{
	int	saved = errno;

	if (saved != ECHILD) {
		signal_handler(pid, SIGKILL);
		leave(pid);
	}
	errno = saved;
}

/*
 * What became of a handler that was put down (res: timed out or stopped),
 * w being how put_down() ended. Reaps it, or leaves it behind.
 */
static enum handler_result
put_down_result(const struct handler_job *job, pid_t pid,
    enum handler_result res, enum handler_wait w, char *what, size_t whatlen)
{
	const char	*how = res == HANDLER_TIMED_OUT ? "timed out" :
	    "interrupted";
	int		 status;

	if (w == HANDLER_WAIT_DEADLINE) {
		leave(pid);
		snprintf(what, whatlen, "%s after %llds; still running %ds "
		    "after SIGKILL (stuck in the kernel?): left behind", how,
		    job->hj_timeout, HANDLER_REAP_GRACE);
		return res;
	}
	if (w == HANDLER_WAIT_ENDED) {
		/* Whatever is left of the group, while pid holds its id. */
		signal_handler(pid, SIGKILL);
		if (waitpid(pid, &status, 0) == pid) {
			if (res == HANDLER_TIMED_OUT)
				snprintf(what, whatlen, "timed out after "
				    "%llds, killed", job->hj_timeout);
			else
				snprintf(what, whatlen, "interrupted");
			return res;
		}
	}
	lost(pid);
	snprintf(what, whatlen, "%s after %llds, killed; unable to wait for "
	    "it: %s", how, job->hj_timeout, strerror(errno));
	return res;
}

enum handler_result
handler_run(const struct handler_job *job, int *stopping, char *what,
    size_t whatlen)
{
	enum handler_result	 res;
	enum handler_wait	 w;
	pid_t			 pid, self = getpid();
	int			 status;

	reap_left();
	if ((pid = fork()) == -1) {
		snprintf(what, whatlen, "unable to fork: %s", strerror(errno));
		return HANDLER_ERROR;
	}
	if (pid == 0)
		child(job, self);
	/*
	 * Also here, so that a kill never misses the group. It fails only
	 * once the child has set it itself and run sh (EACCES).
	 */
	(void)setpgid(pid, pid);
	w = handler_wait(pid, io_now() + job->hj_timeout, job->hj_wait,
	    stopping, !job->hj_finish);
	if (w == HANDLER_WAIT_ENDED && waitpid(pid, &status, 0) == pid)
		return verdict(status, what, whatlen);
	if (w == HANDLER_WAIT_ENDED || w == HANDLER_WAIT_ERROR) {
		lost(pid);
		snprintf(what, whatlen, "unable to wait for the handler: %s",
		    strerror(errno));
		return HANDLER_ERROR;
	}
	res = w == HANDLER_WAIT_STOP ? HANDLER_STOPPED : HANDLER_TIMED_OUT;
	w = put_down(job, pid, stopping);
	return put_down_result(job, pid, res, w, what, whatlen);
}
