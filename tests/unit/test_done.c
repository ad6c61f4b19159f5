/*
 * test_done.c: done events kept with keep = D, on a scratch spool. A
 * replay puts one back into new/ as NAME,R1 (then R2), due at once, with
 * a fresh record that says so, and leaves its dedup marker linked to it;
 * a file of another user is refused. The purge removes what was done
 * longer ago than its webhook's keep (reading the webhook only when the
 * keeps differ), empties it so that its marker holds nothing, and takes
 * its record. The sweep removes records whose event has gone, and only
 * those, once they are old enough.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "done.h"
#include "history.h"
#include "spool.h"
#include "unit.h"

static char	tmp[PATH_MAX];

static const char *
at(char *buf, const char *folder, const char *name)
{
	return unit_fmt(buf, PATH_MAX, "%s/spool/%s/%s", tmp, folder, name);
}

/* folder/name, an event line of webhook, mode 0600. */
static void
event_file(const char *folder, const char *name, const char *webhook)
{
	char	 path[PATH_MAX];
	FILE	*fp;

	REQUIRE((fp = fopen(at(path, folder, name), "w")) != NULL, "create %s",
	    path);
	REQUIRE(fprintf(fp, "{\"received\":\"2026-11-28T12:24:31.123456Z\","
	    "\"webhook\":\"%s\",\"id\":\"d-1\",\"type\":\"t\",\"event\":"
	    "{\"secret\":\"payload-%s\"}}\n", webhook, name) > 0 &&
	    fclose(fp) == 0, "write %s", path);
	REQUIRE(chmod(path, 0600) == 0, "chmod %s", path);
}

static int
exists(const char *folder, const char *name)
{
	struct stat	st;
	char		path[PATH_MAX];

	return lstat(at(path, folder, name), &st) == 0;
}

static off_t
size_of(const char *folder, const char *name)
{
	struct stat	st;
	char		path[PATH_MAX];

	return lstat(at(path, folder, name), &st) == 0 ? st.st_size : -1;
}

/* Set folder/name's modification time to ago seconds before now. */
static void
age(const char *folder, const char *name, long long ago)
{
	struct timespec	ts[2];
	char		path[PATH_MAX];

	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - ago;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	REQUIRE(utimensat(AT_FDCWD, at(path, folder, name), ts,
	    AT_SYMLINK_NOFOLLOW) == 0, "utimensat %s", path);
}

/* A failure in history/key. */
static void
record(struct spool *sp, const char *key)
{
	struct history_entry	e;
	const char		*reason = NULL;

	history_entry_set(&e, HISTORY_FAILED, 1, "exited 1", 8, "payload", 7);
	REQUIRE(history_add(sp, key, &e, 0, &reason) == 0, "history_add: %s",
	    reason);
}

static void
test_replay(struct spool *sp)
{
	static struct history	 h;
	struct stat		 st, mark;
	const char		*reason = NULL;
	char			 to[SPOOL_NAME_MAX], path[PATH_MAX];
	char			 other[PATH_MAX];

	event_file("done", "1.000001.P1Q1.h,A2", "protocol");
	age("done", "1.000001.P1Q1.h,A2", 100);
	REQUIRE(link(at(path, "done", "1.000001.P1Q1.h,A2"),
	    at(other, "ids", "marker")) == 0, "link the marker");
	record(sp, "1.000001.P1Q1.h");
	CHECK(done_replay(sp, "1.000001.P1Q1.h,A2", to, &reason) == QUEUE_OK,
	    "done_replay: %s", reason);
	CHECK(strcmp(to, "1.000001.P1Q1.h,R1") == 0, "replayed as %s", to);
	CHECK(exists("new", "1.000001.P1Q1.h,R1") &&
	    !exists("done", "1.000001.P1Q1.h,A2"), "not moved into new/");
	REQUIRE(stat(at(path, "new", to), &st) == 0 &&
	    stat(at(path, "ids", "marker"), &mark) == 0, "stat");
	CHECK(st.st_ino == mark.st_ino, "the marker is no longer its file");
	CHECK(st.st_mtime >= time(NULL) - 5, "a replay is not due at once");
	CHECK(history_read(sp, "1.000001.P1Q1.h", &h, &reason) == 1 &&
	    h.hi_n == 1 && h.hi_v[0].he_kind == HISTORY_REPLAYED,
	    "the record does not start afresh with the replay");
	CHECK(done_replay(sp, "1.000001.P1Q1.h,A2", to, &reason) == QUEUE_LOST,
	    "a replay of what is gone");
	REQUIRE(rename(at(path, "new", "1.000001.P1Q1.h,R1"),
	    at(other, "done", "1.000001.P1Q1.h,R1,A1")) == 0, "rename");
	CHECK(done_replay(sp, "1.000001.P1Q1.h,R1,A1", to, &reason) ==
	    QUEUE_OK && strcmp(to, "1.000001.P1Q1.h,R2") == 0,
	    "a second replay is %s", to);
	REQUIRE(chmod(at(path, "new", to), 0622) == 0 &&
	    rename(path, at(other, "done", "1.000001.P1Q1.h,R2")) == 0,
	    "rename");
	CHECK(done_replay(sp, "1.000001.P1Q1.h,R2", to, &reason) ==
	    QUEUE_REFUSED && exists("done", "1.000001.P1Q1.h,R2"),
	    "a file others may write was replayed");
	REQUIRE(unlink(at(path, "done", "1.000001.P1Q1.h,R2")) == 0 &&
	    unlink(at(path, "ids", "marker")) == 0, "clean up");
}

static void
test_purge(struct spool *sp)
{
	static const char *const webhooks[] = { "short", "long" };
	static const long long keeps[] = { 60, 3600 };
	struct done_keep	 dk = { webhooks, keeps, 2, 600 };
	const char		*reason = NULL;
	char			 path[PATH_MAX], mark[PATH_MAX];
	unsigned		 removed = 99;

	event_file("done", "2.000001.s", "short");	/* 100s: goes */
	age("done", "2.000001.s", 100);
	record(sp, "2.000001.s");
	REQUIRE(link(at(path, "done", "2.000001.s"),
	    at(mark, "ids", "m1")) == 0, "link");
	event_file("done", "2.000002.l", "long");	/* 100s: stays */
	age("done", "2.000002.l", 100);
	event_file("done", "2.000003.o", "other");	/* 700s: goes */
	age("done", "2.000003.o", 700);
	event_file("done", "2.000004.o", "other");	/* 500s: stays */
	age("done", "2.000004.o", 500);
	event_file("done", "2.000005.l", "long");	/* 4000s: goes */
	age("done", "2.000005.l", 4000);
	event_file("done", "2.000006.w", "short");	/* not an event file */
	age("done", "2.000006.w", 4000);
	REQUIRE(chmod(at(path, "done", "2.000006.w"), 0666) == 0, "chmod");
	CHECK(done_purge(sp, &dk, &removed, &reason) == 0, "done_purge: %s",
	    reason);
	CHECK(removed == 3, "%u purged, not 3", removed);
	CHECK(!exists("done", "2.000001.s") && !exists("done", "2.000003.o") &&
	    !exists("done", "2.000005.l"), "an event past its keep stays");
	CHECK(exists("done", "2.000002.l") && exists("done", "2.000004.o") &&
	    exists("done", "2.000006.w"), "an event within its keep went");
	CHECK(size_of("ids", "m1") == 0, "the marker of a purged event "
	    "still holds %lld bytes", (long long)size_of("ids", "m1"));
	CHECK(!exists("history", "2.000001.s"), "the record of a purged "
	    "event stays");
}

static void
test_sweep(struct spool *sp)
{
	static const char *const keys[] = { "3.000001.n", "3.000002.c",
	    "3.000003.f", "3.000004.d", "3.000005.gone", "3.000006.young" };
	const char	*reason = NULL;
	unsigned	 removed = 99;
	size_t		 i;

	event_file("new", "3.000001.n,A1", "protocol");
	event_file("cur", "3.000002.c,R1,A2", "protocol");
	event_file("failed", "3.000003.f,A5", "protocol");
	event_file("done", "3.000004.d", "protocol");
	for (i = 0; i < 6; i++) {
		record(sp, keys[i]);
		if (i < 5)
			age("history", keys[i], HISTORY_GRACE + 60);
	}
	CHECK(done_sweep_history(sp, &removed, &reason) == 0,
	    "done_sweep_history: %s", reason);
	CHECK(removed == 1, "%u swept, not 1", removed);
	CHECK(!exists("history", "3.000005.gone"), "an orphan stays");
	for (i = 0; i < 6; i++)
		if (i != 4)
			CHECK(exists("history", keys[i]), "%s was swept",
			    keys[i]);
}

int
main(void)
{
	struct spool	*sp = NULL;
	const char	*reason = NULL;
	char		 dir[PATH_MAX];

	umask(022);
	unit_tmpdir(tmp, sizeof(tmp));
	REQUIRE(spool_open(unit_fmt(dir, sizeof(dir), "%s/spool", tmp), 1, 0,
	    &sp, &reason) == 0, "spool_open: %s", reason);
	test_replay(sp);
	test_purge(sp);
	test_sweep(sp);
	spool_close(sp);
	unit_rmtree(tmp);
	return unit_done("test_done");
}
