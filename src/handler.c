/*
 * handler.c: fork, exec and wait for a handler, with its time limit.
 *
 * The guardian. The caller forks a guardian G, which makes a process
 * group of its own, blocks the signals it takes (SIGCHLD, SIGUSR1 and the
 * stop signals), asks the kernel for SIGUSR1 when its parent dies
 * (PR_SET_PDEATHSIG) and checks that its parent is still the caller (it
 * may have died before). Then G forks the handler H in its group; H asks
 * for SIGKILL when G dies, takes the caller's old signal mask and runs
 * sh -c CMD. G waits for H and ends as H ended: its exit status, or, for
 * a handler killed by signal S, S itself (S back to its default action
 * and raised, G made undumpable first so that no core of it is written),
 * so the caller's verdict reads G's status as it read the handler's.
 *
 * G takes its signals with sigwaitinfo(), so none of them runs code
 * behind its back:
 *   - SIGUSR1 while getppid() is no longer the caller: the caller died
 *     (kill -9 included). G sends SIGKILL to H and to its whole group,
 *     itself included. A SIGUSR1 that a handler sends to its group finds
 *     the caller alive and is ignored.
 *   - SIGUSR1 from the caller (si_pid), the caller alive: the caller's
 *     SIGKILL for the handler (handler_kill). G moves itself into the
 *     caller's process group, so that it alone outlives the KILL, sends
 *     SIGKILL to H and to its old group, and waits for H: a handler stuck
 *     in the kernel keeps G alive, and the caller sees that it has not
 *     ended, as it would have seen it of the handler itself.
 *   - SIGTERM from the caller: a timeout or a stop sends it to the
 *     group, where H gets it too; G passes it on to H only when H has
 *     left the group. Other stop signals, and a TERM from anyone else,
 *     are ignored: G ends only when H has ended, or with its caller.
 * G tells the caller through a pipe once H exists (a TERM sent to the
 * group before would miss H), then closes every descriptor above 2: a
 * pipe the caller holds to another handler must see its end when the
 * caller closes it. H gets the handler's standard input and output, its
 * standard error (the caller's, or with hj_err the write end of a pipe
 * the caller reads), and a copy of the kept descriptor, and nothing else
 * above 2.
 *
 * With hj_err the caller waits in poll() on that pipe and on a signalfd
 * of the signals it used to take with sigtimedwait(): each byte the
 * handler writes is read at once and passed on (errtail.h), so the
 * handler never waits on its standard error, and the time limit and the
 * stop signals are kept as they are without it. What the handler leaves
 * running may write there until the next handler of the caller starts;
 * after that its writes fail (EPIPE).
 *
 * The caller sees G's end with waitid(WNOWAIT) and reaps it only after
 * what is left of G's process group has been sent SIGKILL: while G is a
 * zombie its pid, and so the group's id, cannot be taken by another
 * process. A guardian that SIGKILL does not end (its handler in an
 * uninterruptible wait) is left behind after HANDLER_REAP_GRACE seconds
 * and remembered in left_pids[], to be reaped by a later run.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"

/* The guardian's signal: its parent's death, or the caller's KILL. */
#define HANDLER_SIG_GUARD	SIGUSR1
/* Descriptors closed one by one where close_range(2) is missing. */
#define HANDLER_FD_SCAN_MAX	65536

/* Close the descriptors lo..hi (hi included). */
static void
close_span(unsigned lo, unsigned hi)
{
	struct rlimit	rl;
	unsigned	fd;

	if (lo > hi)
		return;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < HANDLER_FD_SCAN_MAX && hi >= rl.rlim_cur)
		hi = (unsigned)rl.rlim_cur - 1;
	else if (hi >= HANDLER_FD_SCAN_MAX)
		hi = HANDLER_FD_SCAN_MAX - 1;
	for (fd = lo; fd <= hi; fd++)
		(void)close((int)fd);
}

/*
 * The handler's descriptors: hj_stdin as 0, hj_stdout (if any) as 1, the
 * write end of hj_err's pipe (if any) as 2, a copy of hj_keep (if any)
 * above 2 and inherited across exec, and nothing else above 2. Returns 0
 * or -1.
 */
static int
descriptors(const struct handler_job *job)
{
	int	in, out = -1, err = -1, keep = -1;

	/* Copies above 2 first: a source may be 0, 1 or 2 itself. */
	if ((in = fcntl(job->hj_stdin, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    (job->hj_stdout != -1 &&
	    (out = fcntl(job->hj_stdout, F_DUPFD_CLOEXEC, 3)) == -1) ||
	    (job->hj_err != NULL &&
	    (err = fcntl(job->hj_err->et_wfd, F_DUPFD_CLOEXEC, 3)) == -1) ||
	    (job->hj_keep != -1 &&
	    (keep = fcntl(job->hj_keep, F_DUPFD_CLOEXEC, 3)) == -1))
		return -1;
	if (dup2(in, STDIN_FILENO) == -1 ||
	    (out != -1 && dup2(out, STDOUT_FILENO) == -1) ||
	    (err != -1 && dup2(err, STDERR_FILENO) == -1))
		return -1;
	if (keep == -1) {
		close_span(3, ~0U);
		return 0;
	}
	close_span(3, (unsigned)keep - 1);
	close_span((unsigned)keep + 1, ~0U);
	return fcntl(keep, F_SETFD, 0) == -1 ? -1 : 0;
}

/*
 * The handler's process, in the guardian's group: killed when the
 * guardian dies, its descriptors, its environment, the caller's old
 * signal mask, then sh -c. Exits 126 when it cannot be set up, 127 when
 * sh is missing.
 */
static void __attribute__((noreturn))
child(const struct handler_job *job, pid_t guardian)
{
	size_t	i;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != guardian ||
	    descriptors(job) == -1)
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

/* End the guardian as the handler ended (status from waitpid). */
static void __attribute__((noreturn))
guard_end(int status)
{
	struct sigaction	sa;
	sigset_t		set;
	int			sig;

	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	if (!WIFSIGNALED(status))
		_exit(126);
	sig = WTERMSIG(status);
	(void)prctl(PR_SET_DUMPABLE, 0);
	if (sig == SIGKILL)
		(void)raise(sig);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	if (sigaction(sig, &sa, NULL) == 0 && sigemptyset(&set) == 0 &&
	    sigaddset(&set, sig) == 0) {
		(void)raise(sig);
		(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	}
	_exit(128 + sig);
}

/* What the guardian does with a signal it took (handler.c, above). */
static void
guard_signal(int sig, const siginfo_t *info, pid_t caller, pid_t pid)
{
	if (sig == HANDLER_SIG_GUARD && getppid() != caller) {
		(void)kill(pid, SIGKILL);
		(void)kill(-getpid(), SIGKILL);
		_exit(128 + SIGKILL);
	}
	if (info->si_pid != caller)
		return;
	if (sig == HANDLER_SIG_GUARD) {
		/* Out of the group first, or it dies of its own KILL. */
		(void)setpgid(0, getpgid(caller));
		(void)kill(pid, SIGKILL);
		(void)kill(-getpid(), SIGKILL);
	} else if (sig == SIGTERM && getpgid(pid) != getpid())
		(void)kill(pid, SIGTERM);
}

/*
 * The guardian (handler.c, above). It writes a byte to sync once the
 * handler's process exists, so that a signal the caller sends to the
 * group after that reaches it. Never returns.
 */
static void __attribute__((noreturn))
guardian(const struct handler_job *job, pid_t caller, int sync)
{
	siginfo_t	info;
	sigset_t	set;
	pid_t		pid, r;
	int		sig, status;

	if (setpgid(0, 0) == -1 || sigemptyset(&set) == -1 ||
	    sigaddset(&set, SIGCHLD) == -1 ||
	    sigaddset(&set, HANDLER_SIG_GUARD) == -1 ||
	    sigaddset(&set, SIGTERM) == -1 || sigaddset(&set, SIGINT) == -1 ||
	    sigaddset(&set, SIGHUP) == -1 ||
	    sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    prctl(PR_SET_PDEATHSIG, HANDLER_SIG_GUARD) == -1)
		_exit(126);
	if (getppid() != caller)
		_exit(126);	/* the caller died before: nothing started */
	if ((pid = fork()) == -1)
		_exit(126);
	if (pid == 0)
		child(job, getppid());
	(void)io_write_all(sync, "1", 1);
	/* Nothing of the caller's: a pipe it holds must see its end. */
	close_span(3, ~0U);
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			guard_end(status);
		if (r == -1 && errno != EINTR)
			_exit(126);
		memset(&info, 0, sizeof(info));
		if ((sig = sigwaitinfo(&set, &info)) == -1) {
			if (errno == EINTR)
				continue;
			_exit(126);
		}
		guard_signal(sig, &info, caller, pid);
	}
}

int
handler_spawn(const struct handler_job *job, pid_t *pid, char *what,
    size_t whatlen)
{
	pid_t	self = getpid(), p;
	ssize_t	n;
	char	c;
	int	sync[2];

	handler_reap_left();
	if (pipe2(sync, O_CLOEXEC) == -1) {
		snprintf(what, whatlen, "unable to make a pipe: %s",
		    strerror(errno));
		return -1;
	}
	if ((p = fork()) == -1) {
		snprintf(what, whatlen, "unable to fork: %s", strerror(errno));
		(void)close(sync[0]);
		(void)close(sync[1]);
		return -1;
	}
	if (p == 0) {
		(void)close(sync[0]);
		guardian(job, self, sync[1]);
	}
	/* Also here: a kill never misses the group, whoever runs first. */
	(void)setpgid(p, p);
	(void)close(sync[1]);
	if (job->hj_err != NULL)
		errtail_spawned(job->hj_err);
	/* The handler's process exists, or the guardian has ended (EOF). */
	do
		n = read(sync[0], &c, 1);
	while (n == -1 && errno == EINTR);
	(void)close(sync[0]);
	*pid = p;
	return 0;
}

/* Guardians left behind, not ended when last looked at; reaped later. */
static pid_t	left_pids[HANDLER_LEFT_MAX];
static size_t	nleft;

void
handler_reap_left(void)
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

void
handler_leave(pid_t pid)
{
	if (nleft < HANDLER_LEFT_MAX)
		left_pids[nleft++] = pid;
}

/*
 * What a wait of handler_run() also looks after: the handler's standard
 * error (hj_err), read as it comes; the signals are then taken through a
 * signalfd, so that one poll() waits for both.
 */
struct waiter {
	int		 w_sigfd;
	struct errtail	*w_err;
};

/* Take the signals the signalfd holds: a stop sets *stopping. */
static int
read_sigfd(int fd, int *stopping)
{
	struct signalfd_siginfo	si;
	ssize_t			n;

	for (;;) {
		n = read(fd, &si, sizeof(si));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n != (ssize_t)sizeof(si))
			return -1;
		if (si.ssi_signo != SIGCHLD)
			*stopping = 1;
	}
}

/*
 * As wait_signal(), with the handler's standard error read and passed on
 * meanwhile.
 */
static int
wait_poll(struct waiter *w, double left, int *stopping)
{
	struct pollfd	fds[3];
	nfds_t		n = 0;
	int		ms = left >= 1 ? 1000 : (int)(left * 1000) + 1, r;

	fds[n++] = (struct pollfd){ w->w_sigfd, POLLIN, 0 };
	if (w->w_err->et_fd != -1 && !w->w_err->et_eof)
		fds[n++] = (struct pollfd){ w->w_err->et_fd, POLLIN, 0 };
	if (errtail_waiting(w->w_err))
		fds[n++] = (struct pollfd){ w->w_err->et_out, POLLOUT, 0 };
	if ((r = poll(fds, n, ms)) == -1)
		return errno == EINTR ? 0 : -1;
	if (r == 0)
		return 0;
	if (fds[0].revents != 0 && read_sigfd(w->w_sigfd, stopping) == -1)
		return -1;
	if (errtail_read(w->w_err) == -1)
		w->w_err->et_eof = 1;	/* read no more: it is not ours */
	errtail_flush(w->w_err);
	return 0;
}

/*
 * Wait for a signal of wait, at most left seconds (capped at one; left is
 * more than 0), or with w, for a signal or the handler's standard error.
 * Returns 0, or -1 when sigtimedwait (or poll) fails for another reason
 * than its time running out or an interruption.
 */
static int
wait_signal(const sigset_t *wait, double left, int *stopping,
    struct waiter *w)
{
	struct timespec	ts;
	int		sig;

	if (w != NULL)
		return wait_poll(w, left, stopping);
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

/* handler_wait(), with w (may be NULL) looked after meanwhile. */
static enum handler_wait
wait_for(pid_t pid, double deadline, const sigset_t *wait, int *stopping,
    int stop_returns, struct waiter *w)
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
		if (wait_signal(wait, left, stopping, w) == -1)
			return HANDLER_WAIT_ERROR;
	}
}

enum handler_wait
handler_wait(pid_t pid, double deadline, const sigset_t *wait, int *stopping,
    int stop_returns)
{
	return wait_for(pid, deadline, wait, stopping, stop_returns, NULL);
}

/*
 * The group's id is the guardian's pid, which is not reaped yet: neither
 * can be another process's. Failures are no matter: ESRCH once nobody is
 * left. The guardian passes SIGTERM on to a handler out of its group.
 */
void
handler_term(pid_t pid)
{
	(void)kill(-pid, SIGTERM);
}

void
handler_kill(pid_t pid)
{
	(void)kill(pid, HANDLER_SIG_GUARD);
}

/* SIGKILL to the whole group, the guardian included, and to it. */
static void
kill_all(pid_t pid)
{
	(void)kill(-pid, SIGKILL);
	(void)kill(pid, SIGKILL);
}

int
handler_reap(pid_t pid, int *status)
{
	int	st, saved;

	/* Whatever is left of the group, while pid holds its id. */
	kill_all(pid);
	for (;;) {
		if (waitpid(pid, &st, 0) == pid) {
			if (status != NULL)
				*status = st;
			return 0;
		}
		if (errno != EINTR)
			break;
	}
	saved = errno;
	if (saved != ECHILD)
		handler_leave(pid);
	errno = saved;
	return -1;
}

/*
 * Put down a handler that ran out of time or was stopped: TERM, KILL after
 * HANDLER_KILL_GRACE, then HANDLER_REAP_GRACE more for it to end. Returns
 * how the last wait ended: HANDLER_WAIT_DEADLINE means it is still there.
 */
static enum handler_wait
put_down(const struct handler_job *job, pid_t pid, int *stopping,
    struct waiter *wt)
{
	enum handler_wait	w;

	handler_term(pid);
	w = wait_for(pid, io_now() + HANDLER_KILL_GRACE, job->hj_wait,
	    stopping, 0, wt);
	if (w != HANDLER_WAIT_DEADLINE)
		return w;
	handler_kill(pid);
	return wait_for(pid, io_now() + HANDLER_REAP_GRACE, job->hj_wait,
	    stopping, 0, wt);
}

int
handler_status(int status, char *what, size_t whatlen)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(what, whatlen, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(what, whatlen, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(what, whatlen, "ended with status %d", status);
	return -1;
}

/*
 * A guardian that could not be waited for (errno says why): KILLed with
 * its group and left behind, unless it is no child of ours any more (then
 * its ids may be another process's already). errno is kept.
 */
static void
lost(pid_t pid)
{
	int	saved = errno;

	if (saved != ECHILD) {
		kill_all(pid);
		handler_leave(pid);
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

	if (w == HANDLER_WAIT_DEADLINE) {
		/* What is left of its group goes; the guardian waits on. */
		(void)kill(-pid, SIGKILL);
		handler_leave(pid);
		snprintf(what, whatlen, "%s after %llds; still running %ds "
		    "after SIGKILL (stuck in the kernel?): left behind", how,
		    job->hj_timeout, HANDLER_REAP_GRACE);
		return res;
	}
	if (w == HANDLER_WAIT_ENDED) {
		if (handler_reap(pid, NULL) == 0) {
			if (res == HANDLER_TIMED_OUT)
				snprintf(what, whatlen, "timed out after "
				    "%llds, killed", job->hj_timeout);
			else
				snprintf(what, whatlen, "interrupted");
			return res;
		}
	} else
		lost(pid);
	snprintf(what, whatlen, "%s after %llds, killed; unable to wait for "
	    "it: %s", how, job->hj_timeout, strerror(errno));
	return res;
}

/*
 * The waiter of a job with hj_err into *w (a signalfd of hj_wait), or
 * NULL without. Returns 0 with *wp set, or -1 with what said.
 */
static int
waiter_open(const struct handler_job *job, struct waiter *w,
    struct waiter **wp, char *what, size_t whatlen)
{
	*wp = NULL;
	if (job->hj_err == NULL)
		return 0;
	w->w_err = job->hj_err;
	if ((w->w_sigfd = signalfd(-1, job->hj_wait, SFD_CLOEXEC |
	    SFD_NONBLOCK)) == -1) {
		snprintf(what, whatlen, "unable to make a signalfd: %s",
		    strerror(errno));
		return -1;
	}
	*wp = w;
	return 0;
}

/* The end of a wait with w: what is left of its standard error, passed on. */
static void
waiter_close(struct waiter *w)
{
	int	saved = errno;

	if (w == NULL)
		return;
	(void)errtail_read(w->w_err);
	errtail_drain(w->w_err, 1000);
	(void)close(w->w_sigfd);
	errno = saved;
}

enum handler_result
handler_run(const struct handler_job *job, int *stopping, char *what,
    size_t whatlen)
{
	enum handler_result	 res;
	enum handler_wait	 w;
	struct waiter		 waiter, *wt;
	pid_t			 pid;
	int			 status;

	if (waiter_open(job, &waiter, &wt, what, whatlen) == -1)
		return HANDLER_ERROR;
	if (handler_spawn(job, &pid, what, whatlen) == -1) {
		waiter_close(wt);
		return HANDLER_ERROR;
	}
	w = wait_for(pid, io_now() + job->hj_timeout, job->hj_wait,
	    stopping, !job->hj_finish, wt);
	if (w == HANDLER_WAIT_ENDED) {
		/*
		 * Reaped as it is, without a KILL to its group: what the
		 * handler left running on purpose is its own business.
		 */
		if (waitpid(pid, &status, 0) == pid) {
			waiter_close(wt);
			return handler_status(status, what, whatlen) == 0 ?
			    HANDLER_OK : HANDLER_FAILED;
		}
	}
	if (w == HANDLER_WAIT_ENDED || w == HANDLER_WAIT_ERROR) {
		lost(pid);
		snprintf(what, whatlen, "unable to wait for the handler: %s",
		    strerror(errno));
		waiter_close(wt);
		return HANDLER_ERROR;
	}
	res = w == HANDLER_WAIT_STOP ? HANDLER_STOPPED : HANDLER_TIMED_OUT;
	w = put_down(job, pid, stopping, wt);
	res = put_down_result(job, pid, res, w, what, whatlen);
	waiter_close(wt);
	return res;
}
