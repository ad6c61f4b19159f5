/*
 * handler.c: fork, exec and wait for a handler, with its time limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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

/* Wait for one of job's signals, at most left seconds (capped at one). */
static void
wait_signal(const struct handler_job *job, double left, int *stopping)
{
	struct timespec	ts;
	int		sig;

	if (left > 1)
		left = 1;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
	if (ts.tv_nsec < 0 || ts.tv_nsec > 999999999L)
		ts.tv_nsec = 999999999L;
	sig = sigtimedwait(job->hj_wait, NULL, &ts);
	if (sig > 0 && sig != SIGCHLD)
		*stopping = 1;
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

enum handler_result
handler_run(const struct handler_job *job, int *stopping, char *what,
    size_t whatlen)
{
	enum handler_result	 res = HANDLER_OK;
	double			 deadline;
	pid_t			 pid, r, self = getpid();
	int			 status = 0, killed = 0, hard = 0;

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
	deadline = io_now() + job->hj_timeout;
	while ((r = waitpid(pid, &status, WNOHANG)) != pid) {
		if (r == -1 && errno != EINTR) {
			snprintf(what, whatlen, "unable to wait for the "
			    "handler: %s", strerror(errno));
			return HANDLER_ERROR;
		}
		if (((*stopping && !job->hj_finish) ||
		    deadline <= io_now()) && !killed) {
			res = *stopping && !job->hj_finish ? HANDLER_STOPPED :
			    HANDLER_TIMED_OUT;
			killed = 1;
			kill(-pid, SIGTERM);
			deadline = io_now() + HANDLER_KILL_GRACE;
		} else if (deadline <= io_now() && !hard) {
			hard = 1;
			kill(-pid, SIGKILL);
			deadline = io_now() + 3600;
		}
		wait_signal(job, deadline - io_now(), stopping);
	}
	if (killed)
		kill(-pid, SIGKILL);	/* whatever is left of the group */
	if (res == HANDLER_TIMED_OUT)
		snprintf(what, whatlen, "timed out after %llds, killed",
		    job->hj_timeout);
	else if (res == HANDLER_STOPPED)
		snprintf(what, whatlen, "interrupted");
	else
		res = verdict(status, what, whatlen);
	return res;
}
