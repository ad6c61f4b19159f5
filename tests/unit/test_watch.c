/*
 * test_watch.c: a wait on spools' new/ (watch.c) ends soon after an event
 * is renamed into a new/, and not for what happens elsewhere in a spool;
 * with nothing arriving it lasts until the rescan interval (or the
 * caller's limit); a blocked stop signal, sent before or during the wait,
 * ends it at once and stays pending; a spool removed and made again, or
 * moved away, is opened again, and so is a new/ replaced under an old
 * spool folder; a spool whose parent folder moved away is found at the
 * rescan; a burst of thousands of arrivals is read in bounded steps and
 * then leaves the waits quiet; and (as root, where
 * fs.inotify.max_queued_events can be lowered) notifications the kernel
 * dropped end the wait as a rescan at once. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "spool.h"
#include "unit.h"
#include "watch.h"

static char	top[256];
static int	serial;

/* The spool at path dir, opened. */
static struct spool *
open_spool(const char *dir)
{
	struct spool	*sp;
	const char	*reason;

	REQUIRE(spool_open(dir, 0, 0, &sp, &reason) == 0, "spool_open %s: %s",
	    dir, reason);
	return sp;
}

/* A file written in dir/tmp/ and renamed into dir/FOLDER/. */
static void
arrive(const char *dir, const char *folder)
{
	char	from[512], to[512], name[64];
	int	fd;

	unit_fmt(name, sizeof(name), "%010d.000000.P1Q%d.test", 1, serial++);
	unit_fmt(from, sizeof(from), "%s/tmp/%s", dir, name);
	unit_fmt(to, sizeof(to), "%s/%s/%s", dir, folder, name);
	fd = open(from, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	REQUIRE(fd != -1, "open %s: %s", from, strerror(errno));
	REQUIRE(write(fd, "{}\n", 3) == 3, "write %s", from);
	REQUIRE(close(fd) == 0, "close %s", from);
	REQUIRE(rename(from, to) == 0, "rename %s: %s", to, strerror(errno));
}

/* In a child, after ms milliseconds: fn(arg); the child's pid. */
static pid_t
later(long ms, void (*fn)(const char *), const char *arg)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };
	pid_t		pid;

	REQUIRE((pid = fork()) != -1, "fork");
	if (pid == 0) {
		nanosleep(&ts, NULL);
		fn(arg);
		_exit(0);
	}
	return pid;
}

static void
reap(pid_t pid)
{
	int	st;

	REQUIRE(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "child %ld failed", (long)pid);
}

static void
arrive_new(const char *dir)
{
	arrive(dir, "new");
}

static void
send_term(const char *unused)
{
	(void)unused;
	kill(getppid(), SIGTERM);
}

/* One wait; its result, and how long it took in *took (seconds). */
static enum watch_result
timed_wait(struct watch *w, long long ms, double *took)
{
	const char		*reason = "";
	enum watch_result	 r;
	double			 start = io_now();

	r = watch_wait(w, ms, &reason);
	*took = io_now() - start;
	CHECK(r != WATCH_ERROR, "watch_wait: %s: %s", reason, strerror(errno));
	return r;
}

/* An arrival in new/, before the wait or during it, ends the wait. */
static void
test_arrival(struct watch *w, const char *dir)
{
	double	took;
	pid_t	pid;

	arrive(dir, "new");
	CHECK(timed_wait(w, -1, &took) == WATCH_CHANGED && took < 5,
	    "an event renamed into new/ before the wait: not at once (%.3f s)",
	    took);
	pid = later(200, arrive_new, dir);
	CHECK(timed_wait(w, -1, &took) == WATCH_CHANGED && took < 5,
	    "an event renamed into new/ during the wait: not woken (%.3f s)",
	    took);
	reap(pid);
	CHECK(took >= 0.1, "the wait ended before anything arrived (%.3f s)",
	    took);
}

/*
 * What is not an arrival in new/ does not end a wait; the rescan interval
 * does (a watch of its own, of 1.5 s).
 */
static void
test_quiet(const char *dir, struct spool *sp)
{
	struct watch	*w;
	const char	*reason;
	char		 path[512];
	double		 took;
	int		 fd;

	REQUIRE(watch_open(1, 1500, NULL, &w, &reason) == 0, "watch_open: %s",
	    reason);
	REQUIRE(watch_spool(w, 0, sp, &reason) == 0, "watch_spool: %s", reason);
	arrive(dir, "cur");
	arrive(dir, "failed");
	unit_fmt(path, sizeof(path), "%s/tmp/partial", dir);
	REQUIRE((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) != -1,
	    "open %s", path);
	REQUIRE(write(fd, "{", 1) == 1 && close(fd) == 0, "write %s", path);
	CHECK(timed_wait(w, 700, &took) == WATCH_TIMEOUT && took >= 0.69,
	    "changes outside new/ ended the wait (%.3f s)", took);
	/* the rescan comes on time however the waits were cut */
	CHECK(timed_wait(w, -1, &took) == WATCH_RESCAN && took < 5,
	    "no rescan at the interval (%.3f s)", took);
	CHECK(w->w_rescanned, "the rescan is not remembered");
	CHECK(timed_wait(w, -1, &took) == WATCH_RESCAN && took >= 1.4 &&
	    took < 6.5, "the next rescan after %.3f s, not the interval", took);
	watch_free(w);
}

/* A stop signal, blocked, pending before or sent during the wait. */
static void
test_signal(struct watch *w, const sigset_t *set)
{
	struct timespec	zero = { 0, 0 };
	double		took;
	pid_t		pid;

	REQUIRE(kill(getpid(), SIGTERM) == 0, "kill");
	CHECK(timed_wait(w, -1, &took) == WATCH_SIGNAL && took < 5,
	    "a pending TERM did not end the wait at once (%.3f s)", took);
	CHECK(sigtimedwait(set, NULL, &zero) == SIGTERM,
	    "the wait took the signal away");
	pid = later(200, send_term, NULL);
	CHECK(timed_wait(w, -1, &took) == WATCH_SIGNAL && took < 5 &&
	    took >= 0.1, "TERM during the wait: not woken (%.3f s)", took);
	reap(pid);
	CHECK(sigtimedwait(set, NULL, &zero) == SIGTERM,
	    "the signal was not left pending");
}

/* Wait until watch_stale() says to open slot 0 again, at most 5 s. */
static int
until_stale(struct watch *w, struct spool *sp)
{
	double	took, start = io_now();

	while (io_now() - start < 10) {
		if (timed_wait(w, 10000, &took) == WATCH_TIMEOUT)
			return 0;
		if (watch_stale(w, 0, sp))
			return 1;
	}
	return 0;
}

/* sp, open again at its path and watched in slot 0; the new one. */
static struct spool *
reopen(struct watch *w, struct spool *sp)
{
	struct spool	*nsp = open_spool(sp->sp_dir);
	const char	*reason;

	spool_close(sp);
	REQUIRE(watch_spool(w, 0, nsp, &reason) == 0, "watch_spool: %s",
	    reason);
	CHECK(!w->w_slots[0].ws_lost, "a fresh spool's slot is lost");
	return nsp;
}

static void
make_spool(const char *dir)
{
	spool_close(open_spool(dir));
}

static void
remove_spool(const char *dir)
{
	unit_rmtree(dir);
}

static struct spool *
test_recreated(struct watch *w, struct spool *sp, const char *dir)
{
	struct watch	*w2;
	const char	*reason;
	char		 moved[512], path[512];
	double		 took;
	pid_t		 pid;

	/* removed: noticed, but not opened again while the path is empty */
	remove_spool(dir);
	CHECK(timed_wait(w, 10000, &took) == WATCH_CHANGED && took < 5,
	    "a removed spool was not noticed (%.3f s)", took);
	CHECK(w->w_slots[0].ws_lost, "the removed spool's slot is not lost");
	CHECK(!watch_stale(w, 0, sp), "a spool with no folder to open is stale");
	/* made again, later (as the responder would): opened again */
	pid = later(300, make_spool, dir);
	CHECK(until_stale(w, sp), "a spool made again was not seen within 10 s");
	reap(pid);
	sp = reopen(w, sp);
	arrive(dir, "new");
	CHECK(timed_wait(w, 10000, &took) == WATCH_CHANGED && took < 5,
	    "an arrival in a spool opened again: not woken (%.3f s)", took);

	/* moved away, and a fresh one made at its path */
	unit_fmt(moved, sizeof(moved), "%s.old", dir);
	REQUIRE(rename(dir, moved) == 0, "rename %s", dir);
	spool_close(open_spool(dir));
	CHECK(until_stale(w, sp), "a spool moved away was not seen within 10 s");
	sp = reopen(w, sp);
	remove_spool(moved);
	arrive(dir, "new");
	CHECK(timed_wait(w, 10000, &took) == WATCH_CHANGED && took < 5,
	    "an arrival after the move: not woken (%.3f s)", took);

	/* new/ replaced under the same spool folder */
	unit_fmt(path, sizeof(path), "%s/new", dir);
	unit_fmt(moved, sizeof(moved), "%s/new.old", dir);
	REQUIRE(rename(path, moved) == 0, "rename %s", path);
	REQUIRE(mkdir(path, 0700) == 0, "mkdir %s", path);
	CHECK(until_stale(w, sp), "new/ replaced was not seen within 10 s");
	sp = reopen(w, sp);
	unit_rmtree(moved);

	/*
	 * The folder above the spool moved, a spool made at the old path: no
	 * watch sees it; the rescan does (a watch of its own, of 1 s).
	 */
	REQUIRE(watch_open(1, 1000, NULL, &w2, &reason) == 0,
	    "watch_open: %s", reason);
	REQUIRE(watch_spool(w2, 0, sp, &reason) == 0, "watch_spool: %s",
	    reason);
	unit_fmt(path, sizeof(path), "%s/a", top);
	unit_fmt(moved, sizeof(moved), "%s/a.old", top);
	REQUIRE(rename(path, moved) == 0, "rename %s", path);
	REQUIRE(mkdir(path, 0700) == 0, "mkdir %s", path);
	make_spool(dir);
	while (timed_wait(w2, 10000, &took) == WATCH_CHANGED)
		CHECK(!watch_stale(w2, 0, sp), "stale before the rescan");
	CHECK(w2->w_rescanned && watch_stale(w2, 0, sp),
	    "the rescan did not find the spool moved with its parent");
	watch_free(w2);
	sp = reopen(w, sp);
	unit_rmtree(moved);
	arrive(dir, "new");
	CHECK(timed_wait(w, 10000, &took) == WATCH_CHANGED && took < 5,
	    "an arrival after the rescan: not woken (%.3f s)", took);
	return sp;
}

/* Thousands of arrivals at once: read in steps, then quiet again. */
static void
test_burst(struct watch *w, const char *dir)
{
	double	took;
	int	i, waits = 0;

	for (i = 0; i < 3000; i++)
		arrive(dir, "new");
	while (timed_wait(w, 300, &took) != WATCH_TIMEOUT && waits < 100)
		waits++;
	CHECK(waits >= 1 && waits < 100,
	    "3000 arrivals took %d waits to read", waits);
}

/*
 * As root: a watch whose queue holds no notification (max_queued_events
 * 0 when it was made) gets only IN_Q_OVERFLOW, and a rescan at once.
 */
static void
test_overflow(const char *dir)
{
	static const char	 knob[] = "/proc/sys/fs/inotify/max_queued_events";
	struct watch		*w;
	struct spool		*sp;
	const char		*reason;
	char			 old[32];
	double			 took;
	FILE			*f;
	int			 ok;

	if (geteuid() != 0 || (f = fopen(knob, "r+")) == NULL) {
		printf("test_watch: IN_Q_OVERFLOW not tested: %s cannot be "
		    "changed here (root only)\n", knob);
		return;
	}
	REQUIRE(fgets(old, sizeof(old), f) != NULL, "read %s", knob);
	REQUIRE(fclose(f) == 0, "close %s", knob);
	REQUIRE((f = fopen(knob, "w")) != NULL, "open %s", knob);
	ok = fputs("0\n", f) >= 0 && fflush(f) == 0;
	ok = watch_open(1, 60000, NULL, &w, &reason) == 0 && ok;
	/* at once: the limit is read when a watch is made */
	REQUIRE(fclose(f) == 0 && (f = fopen(knob, "w")) != NULL &&
	    fputs(old, f) >= 0 && fclose(f) == 0, "restore %s", knob);
	REQUIRE(ok, "watch_open with no queue");
	sp = open_spool(dir);
	REQUIRE(watch_spool(w, 0, sp, &reason) == 0, "watch_spool: %s", reason);
	arrive(dir, "new");
	CHECK(timed_wait(w, 10000, &took) == WATCH_RESCAN && took < 5,
	    "dropped notifications did not bring a rescan (%.3f s)", took);
	CHECK(w->w_overflows > 0, "no IN_Q_OVERFLOW counted");
	spool_close(sp);
	watch_free(w);
}

int
main(void)
{
	struct watch	*w;
	struct spool	*sp;
	sigset_t	 set, old;
	const char	*reason;
	char		 dir[300];

	unit_tmpdir(top, sizeof(top));
	unit_fmt(dir, sizeof(dir), "%s/a", top);
	REQUIRE(mkdir(dir, 0700) == 0, "mkdir %s", dir);
	unit_fmt(dir, sizeof(dir), "%s/a/spool", top);
	REQUIRE(sigemptyset(&set) == 0 && sigaddset(&set, SIGTERM) == 0 &&
	    sigprocmask(SIG_BLOCK, &set, &old) == 0, "block TERM");
	sp = open_spool(dir);
	CHECK(watch_open(1, 10, &set, &w, &reason) == -1,
	    "a rescan interval of 10 ms was taken");
	REQUIRE(watch_open(1, 30000, &set, &w, &reason) == 0, "watch_open: %s",
	    reason);
	REQUIRE(watch_spool(w, 0, sp, &reason) == 0, "watch_spool: %s", reason);
	CHECK(!w->w_slots[0].ws_lost && !watch_stale(w, 0, sp),
	    "a spool just watched is lost or stale");
	test_arrival(w, dir);
	test_quiet(dir, sp);
	test_signal(w, &set);
	sp = test_recreated(w, sp, dir);
	test_burst(w, dir);
	spool_close(sp);
	watch_free(w);
	watch_free(NULL);
	unit_rmtree(dir);
	test_overflow(dir);
	unit_rmtree(top);
	return unit_done("test_watch");
}
