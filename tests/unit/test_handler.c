/*
 * test_handler.c: handler_run() runs sh -c CMD with the event on stdin and
 * the environment given, keeps a descriptor alive in the handler, and
 * tells exit 0, failure, a timeout (TERM, then KILL for a handler that
 * ignores TERM) and a stop apart; handler_wait() returns at once on a
 * deadline already past, however far, and leaves an ended child unreaped.
 * With hj_err, the handler's standard error is passed on whole and its
 * last 4 KiB kept, and a descriptor that takes nothing never holds the
 * handler up, nor its timeout or a stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"
#include "unit.h"

static char	 dir[] = "/tmp/hookspool-handler.XXXXXX";
static sigset_t	 wait_set, old_mask;
static int	 finish_mode;	/* hj_finish */

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct errtail	*run_err;	/* hj_err of the next run() */

/* Run cmd on the text in; returns the result, what in what. */
static enum handler_result
run(const char *cmd, const char *in, long long timeout, int keep,
    int *stopping, char *what, size_t whatlen)
{
	struct handler_env	env[2] = {
		{ "HOOKSPOOL_ID", "evt-1" }, { "HOOKSPOOL_TYPE", NULL } };
	struct handler_job	job;
	enum handler_result	res;
	char			path[256];
	int			fd;

	unit_fmt(path, sizeof(path), "%s/in", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	REQUIRE(fd != -1, "open %s", path);
	REQUIRE(write(fd, in, strlen(in)) == (ssize_t)strlen(in), "write");
	REQUIRE(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	memset(&job, 0, sizeof(job));
	job.hj_cmd = cmd;
	job.hj_stdin = fd;
	job.hj_stdout = -1;
	job.hj_keep = keep;
	job.hj_env = env;
	job.hj_nenv = 2;
	job.hj_timeout = timeout;
	job.hj_wait = &wait_set;
	job.hj_mask = &old_mask;
	job.hj_finish = finish_mode;
	job.hj_err = run_err;
	what[0] = '\0';
	res = handler_run(&job, stopping, what, whatlen);
	close(fd);
	return res;
}

/* The first line of file NAME in dir, or "" . */
static const char *
slurp(const char *name)
{
	static char	buf[512];
	char		path[256];
	FILE		*fp;

	buf[0] = '\0';
	if ((fp = fopen(unit_fmt(path, sizeof(path), "%s/%s", dir, name),
	    "r")) == NULL)
		return buf;
	if (fgets(buf, sizeof(buf), fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/*
 * Whether pid has ended (gone, or a zombie nobody reaped yet) within
 * tenths tenths of a second.
 */
static int
gone(pid_t pid, int tenths)
{
	char	path[64], stat[256];
	FILE	*fp;
	int	i, dead = 0;

	for (i = 0; i < tenths && !dead; i++) {
		unit_fmt(path, sizeof(path), "/proc/%ld/stat", (long)pid);
		if ((fp = fopen(path, "r")) == NULL)
			return 1;
		dead = fgets(stat, sizeof(stat), fp) != NULL &&
		    strstr(stat, ") Z ") != NULL;
		fclose(fp);
		if (!dead)
			usleep(100000);
	}
	return dead;
}

/*
 * A caller running a handler is killed with -9: the handler's process,
 * and a child it started that sleeps, go with it within a second; so does
 * a script that sh forks to run.
 */
static void
die_with_parent(const char *how)
{
	char	cmd[512], what[256], pids[128];
	pid_t	caller, handler = 0, kid = 0;
	int	stopping = 0, i, status;

	unit_fmt(cmd, sizeof(cmd), "rm -f %s/hpid; %s", dir, how);
	REQUIRE((caller = fork()) != -1, "fork");
	if (caller == 0) {
		run(cmd, "", 60, -1, &stopping, what, sizeof(what));
		_exit(0);
	}
	for (i = 0; i < 100 && handler == 0; i++) {
		snprintf(pids, sizeof(pids), "%s", slurp("hpid"));
		if (sscanf(pids, "%d %d", &handler, &kid) != 2)
			handler = 0;
		if (handler == 0)
			usleep(50000);
	}
	REQUIRE(handler > 0, "the handler did not start (%s)", how);
	CHECK(kill(kid, 0) == 0, "the handler's child is not running (%s)",
	    how);
	kill(caller, SIGKILL);
	REQUIRE(waitpid(caller, &status, 0) == caller, "waitpid");
	if (!gone(kid, 10)) {
		CHECK(0, "the handler's child outlived its caller's kill -9 by "
		    "a second (%s)", how);
		kill(kid, SIGKILL);
	}
	if (!gone(handler, 10)) {
		CHECK(0, "the handler outlived its caller's kill -9 by a "
		    "second (%s)", how);
		kill(handler, SIGKILL);
	}
}

/* die_with_parent() for sh -c and for a script that sh forks. */
static void
die_with_parent_both(void)
{
	char	cmd[512], path[256];
	int	fd;

	unit_fmt(cmd, sizeof(cmd), "sleep 30 & echo $$ $! >%s/hpid.tmp && "
	    "mv %s/hpid.tmp %s/hpid; wait", dir, dir, dir);
	die_with_parent(cmd);
	unit_fmt(path, sizeof(path), "%s/script", dir);
	unit_fmt(cmd, sizeof(cmd), "#!/bin/sh\nsleep 30 &\necho $$ $! "
	    ">%s/hpid.tmp && mv %s/hpid.tmp %s/hpid\nwait\n", dir, dir, dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	REQUIRE(fd != -1 && write(fd, cmd, strlen(cmd)) ==
	    (ssize_t)strlen(cmd) && close(fd) == 0, "write %s", path);
	die_with_parent(path);
}

/* A child that sleeps until it is killed. */
static pid_t
sleeper(void)
{
	pid_t	pid;

	REQUIRE((pid = fork()) != -1, "fork");
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		for (;;)
			pause();
	}
	return pid;
}

/*
 * handler_wait()'s deadline arithmetic: a deadline in the past returns at
 * once, without a negative timeout for sigtimedwait (EINVAL, which made the
 * old loop spin once its hour after KILL was over); a near one is kept.
 */
static void
wait_deadlines(void)
{
	static const double	 past[] = { 1e-9, 1, 3600, 3601.5, 1e12, 1e300 };
	enum handler_wait	 w;
	double			 t;
	size_t			 i;
	pid_t			 pid;
	int			 stopping = 0, status;

	pid = sleeper();
	for (i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
		t = now_s();
		errno = 0;
		w = handler_wait(pid, io_now() - past[i], &wait_set, &stopping,
		    1);
		CHECK(w == HANDLER_WAIT_DEADLINE, "deadline %gs ago: result %d "
		    "(%s)", past[i], w, strerror(errno));
		CHECK(now_s() - t < 0.5, "deadline %gs ago: returned after "
		    "%.2fs", past[i], now_s() - t);
	}
	t = now_s();
	w = handler_wait(pid, io_now() + 0.3, &wait_set, &stopping, 1);
	CHECK(w == HANDLER_WAIT_DEADLINE && now_s() - t >= 0.29 &&
	    now_s() - t < 1.5, "deadline in 0.3s: %d after %.2fs", w,
	    now_s() - t);
	/* a stop asked for ends the wait at once, unless told to go on */
	stopping = 1;
	w = handler_wait(pid, io_now() + 60, &wait_set, &stopping, 1);
	CHECK(w == HANDLER_WAIT_STOP, "stop: %d", w);
	t = now_s();
	w = handler_wait(pid, io_now() + 0.2, &wait_set, &stopping, 0);
	CHECK(w == HANDLER_WAIT_DEADLINE && now_s() - t >= 0.19,
	    "stop, going on: %d after %.2fs", w, now_s() - t);
	stopping = 0;
	/* an ended child is seen even past the deadline, and left unreaped */
	kill(pid, SIGKILL);
	w = handler_wait(pid, io_now() + 10, &wait_set, &stopping, 1);
	CHECK(w == HANDLER_WAIT_ENDED, "killed child: %d", w);
	w = handler_wait(pid, io_now() - 3600, &wait_set, &stopping, 1);
	CHECK(w == HANDLER_WAIT_ENDED, "ended child, deadline past: %d", w);
	CHECK(waitpid(pid, &status, WNOHANG) == pid && WIFSIGNALED(status),
	    "the ended child was reaped by handler_wait");
	/* a child that is none of ours is an error, not a wait */
	w = handler_wait(pid, io_now() + 10, &wait_set, &stopping, 1);
	CHECK(w == HANDLER_WAIT_ERROR && errno == ECHILD, "reaped child: %d",
	    w);
}

/*
 * stdin, environment, exit 0; failures; the guardian's signal from the
 * handler; the kept descriptor inherited, no other.
 */
static void
basics(void)
{
	enum handler_result	 res;
	char			 cmd[512], what[128], path[256];
	int			 stopping = 0, keep;

	/* stdin, environment, exit 0 */
	unit_fmt(cmd, sizeof(cmd), "cat >%s/out; printf '%%s|%%s|' "
	    "\"$HOOKSPOOL_ID\" \"${HOOKSPOOL_TYPE-unset}\" >%s/env", dir, dir);
	res = run(cmd, "{\"line\":1}\n", 10, -1, &stopping, what,
	    sizeof(what));
	CHECK(res == HANDLER_OK, "exit 0: result %d (%s)", res, what);
	CHECK(strcmp(slurp("out"), "{\"line\":1}") == 0, "stdin: %s",
	    slurp("out"));
	CHECK(strcmp(slurp("env"), "evt-1||") == 0, "environment: %s",
	    slurp("env"));

	/* a failure says how it ended */
	res = run("exit 3", "", 10, -1, &stopping, what, sizeof(what));
	CHECK(res == HANDLER_FAILED && strcmp(what, "exited 3") == 0,
	    "exit 3: %d %s", res, what);
	res = run("kill -9 $$", "", 10, -1, &stopping, what, sizeof(what));
	CHECK(res == HANDLER_FAILED && strcmp(what, "killed by signal 9") == 0,
	    "signal: %d %s", res, what);
	res = run("exit 0", "", 10, -1, &stopping, what, sizeof(what));
	CHECK(res == HANDLER_OK, "a new handler after failures: %d", res);
	/* the guardian's signal sent to the group by the handler is no kill */
	unit_fmt(cmd, sizeof(cmd), "trap '' USR1; kill -USR1 0; sleep 0.3; "
	    "echo alive >%s/usr1", dir);
	res = run(cmd, "", 10, -1, &stopping, what, sizeof(what));
	CHECK(res == HANDLER_OK && strcmp(slurp("usr1"), "alive") == 0,
	    "SIGUSR1 to the handler's group: %d %s", res, what);

	/* the kept descriptor is inherited, the others are not */
	unit_fmt(path, sizeof(path), "%s/keep", dir);
	keep = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	REQUIRE(keep != -1, "open keep");
	unit_fmt(cmd, sizeof(cmd), "ls -l /proc/$$/fd/ | grep -c %s/keep "
	    ">%s/fds", dir, dir);
	res = run(cmd, "", 10, keep, &stopping, what, sizeof(what));
	CHECK(res == HANDLER_OK && strcmp(slurp("fds"), "1") == 0,
	    "kept descriptor: %d, %s", res, slurp("fds"));
	res = run(cmd, "", 10, -1, &stopping, what, sizeof(what));
	CHECK(strcmp(slurp("fds"), "0") == 0, "a descriptor leaked: %s",
	    slurp("fds"));
	close(keep);
}

/* The handler's standard error: passed on whole, its tail kept. */
static void
test_stderr(void)
{
	static char		 tail[ERRTAIL_MAX + 1], all[8192];
	struct errtail		 et;
	char			 path[256], what[128];
	double			 t;
	ssize_t			 n;
	size_t			 len;
	int			 out, stopping = 0, p[2];
	enum handler_result	 res;

	unit_fmt(path, sizeof(path), "%s/passed", dir);
	REQUIRE((out = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) != -1,
	    "open %s", path);
	errtail_init(&et, out);
	REQUIRE(errtail_open(&et) == 0, "errtail_open");
	run_err = &et;
	res = run("echo first >&2; head -c 5000 /dev/zero | tr '\\0' x >&2; "
	    "echo LAST >&2; exit 3", "", 60, -1, &stopping, what,
	    sizeof(what));
	CHECK(res == HANDLER_FAILED && strcmp(what, "exited 3") == 0,
	    "stderr: %d %s", res, what);
	len = errtail_copy(&et, tail, sizeof(tail));
	CHECK(len == ERRTAIL_MAX && memcmp(tail + len - 5, "LAST\n", 5) == 0 &&
	    tail[0] == 'x', "the tail is not the last 4 KiB (%zu bytes)", len);
	n = pread(out, all, sizeof(all), 0);
	CHECK(n == 6 + 5000 + 5 && memcmp(all, "first\nxxx", 9) == 0 &&
	    memcmp(all + n - 5, "LAST\n", 5) == 0 && et.et_dropped == 0,
	    "not passed on whole: %zd bytes", n);
	errtail_free(&et);	/* errtail_init() below starts afresh */
	close(out);

	/* A standard error that takes nothing: the handler goes on. */
	REQUIRE(pipe(p) == 0 && fcntl(p[1], F_SETFL, O_NONBLOCK) == 0, "pipe");
	errtail_init(&et, p[1]);
	REQUIRE(errtail_open(&et) == 0, "errtail_open");
	t = now_s();
	res = run("head -c 1048576 /dev/zero >&2; echo end >&2", "", 60, -1,
	    &stopping, what, sizeof(what));
	len = errtail_copy(&et, tail, sizeof(tail));
	CHECK(res == HANDLER_OK && now_s() - t < 5 && et.et_dropped > 0 &&
	    len == ERRTAIL_MAX && memcmp(tail + len - 4, "end\n", 4) == 0,
	    "a stalled stderr held the handler: %d, %.1fs, %llu dropped", res,
	    now_s() - t, et.et_dropped);
	/* ... nor its timeout */
	REQUIRE(errtail_open(&et) == 0, "errtail_open");
	t = now_s();
	res = run("echo before >&2; head -c 1048576 /dev/zero >&2; sleep 30",
	    "", 1, -1, &stopping, what, sizeof(what));
	CHECK(res == HANDLER_TIMED_OUT && now_s() - t < 4, "timeout with "
	    "stderr: %d %s, %.1fs", res, what, now_s() - t);
	/* ... nor a stop */
	REQUIRE(errtail_open(&et) == 0, "errtail_open");
	unit_fmt(path, sizeof(path), "echo going >&2; kill -TERM %ld; "
	    "sleep 30", (long)getpid());
	res = run(path, "", 60, -1, &stopping, what, sizeof(what));
	len = errtail_copy(&et, tail, sizeof(tail));
	CHECK(res == HANDLER_STOPPED && stopping == 1 && len == 6 &&
	    memcmp(tail, "going\n", 6) == 0, "stop with stderr: %d, %zu",
	    res, len);
	stopping = 0;
	errtail_free(&et);
	close(p[0]);
	close(p[1]);
	run_err = NULL;
}

int
main(void)
{
	enum handler_result	 res;
	char			 cmd[512], what[128];
	double			 t;
	int			 stopping = 0;

	REQUIRE(mkdtemp(dir) != NULL, "mkdtemp");
	sigemptyset(&wait_set);
	sigaddset(&wait_set, SIGCHLD);
	sigaddset(&wait_set, SIGTERM);
	REQUIRE(sigprocmask(SIG_BLOCK, &wait_set, &old_mask) == 0, "mask");

	basics();

	/* a timeout: TERM to the group, children included */
	t = now_s();
	unit_fmt(cmd, sizeof(cmd), "sleep 30 & echo $! >%s/child; wait", dir);
	res = run(cmd, "", 1, -1, &stopping, what, sizeof(what));
	CHECK(res == HANDLER_TIMED_OUT && strstr(what, "timed out") != NULL,
	    "timeout: %d %s", res, what);
	CHECK(now_s() - t < 4, "timeout took %.1fs", now_s() - t);
	CHECK(gone(atoi(slurp("child")), 20), "the handler's child outlived "
	    "the timeout");

	/* one that ignores TERM is killed after the grace */
	t = now_s();
	res = run("trap '' TERM; sleep 30", "", 1, -1, &stopping, what,
	    sizeof(what));
	CHECK(res == HANDLER_TIMED_OUT, "TERM ignored: %d %s", res, what);
	CHECK(now_s() - t >= HANDLER_KILL_GRACE && now_s() - t <
	    HANDLER_KILL_GRACE + 4, "TERM ignored: killed after %.1fs",
	    now_s() - t);

	/* a stop that is already asked for stops the handler at once */
	stopping = 1;
	t = now_s();
	res = run("sleep 30", "", 60, -1, &stopping, what, sizeof(what));
	CHECK(res == HANDLER_STOPPED && strcmp(what, "interrupted") == 0,
	    "stop: %d %s", res, what);
	CHECK(now_s() - t < 4, "stop took %.1fs", now_s() - t);

	/* a stop signal that arrives while it runs */
	stopping = 0;
	unit_fmt(cmd, sizeof(cmd), "kill -TERM %ld; sleep 30", (long)getpid());
	res = run(cmd, "", 60, -1, &stopping, what, sizeof(what));
	CHECK(res == HANDLER_STOPPED && stopping == 1, "TERM to the caller: "
	    "%d, stopping %d", res, stopping);

	/* hj_finish: a stop signal lets the handler run to its end */
	stopping = 0;
	finish_mode = 1;
	unit_fmt(cmd, sizeof(cmd), "kill -TERM %ld; sleep 1; echo done >%s/fin",
	    (long)getpid(), dir);
	res = run(cmd, "", 60, -1, &stopping, what, sizeof(what));
	CHECK(res == HANDLER_OK && stopping == 1 &&
	    strcmp(slurp("fin"), "done") == 0, "finish after TERM: %d, "
	    "stopping %d, %s", res, stopping, what);
	/* ... but not past its time limit */
	stopping = 1;
	res = run("sleep 30", "", 1, -1, &stopping, what, sizeof(what));
	CHECK(res == HANDLER_TIMED_OUT, "finish, timed out: %d %s", res, what);
	finish_mode = 0;

	/* every handler dies with the caller's kill -9, its children too */
	die_with_parent_both();
	test_stderr();

	wait_deadlines();

	unit_fmt(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "cleanup");
	return unit_done("test_handler");
}
