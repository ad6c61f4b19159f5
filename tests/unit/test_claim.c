/*
 * test_claim.c: the claim rules on a scratch spool. claim_take() takes
 * the owner's regular files, says CLAIM_BUSY of one another process holds
 * locked (a reader's shared lock too) and CLAIM_LOST of one that is gone,
 * and moves whatever is no event file (a link, a fifo, a file others may
 * write, another user's file) to failed/ as it is; claim_release_dead()
 * never releases such files as claims. That requeue leaves them in
 * failed/ is test_queue.c's. A failed attempt's record goes with the
 * event (claim_record, and a dead claim's release records itself); a done
 * event leaves no copy behind (its marker emptied, its record gone), or,
 * kept, goes to done/ whole with its record.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "claim.h"
#include "history.h"
#include "spool.h"
#include "verify.h"
#include "unit.h"

static const char	*line = "{\"received\":\"2026-11-28T12:24:31.123456Z\","
    "\"webhook\":\"protocol\",\"id\":\"c-1\",\"type\":\"t\",\"event\":{}}\n";
static char		 tmp[PATH_MAX];

/* The path SPOOL/folder/name, in buf (PATH_MAX bytes). */
static const char *
at(char *buf, const char *folder, const char *name)
{
	return unit_fmt(buf, PATH_MAX, "%s/spool/%s/%s", tmp, folder, name);
}

/* folder/name as an event file of mode mode. */
static void
event_file(const char *folder, const char *name, mode_t mode)
{
	char	path[PATH_MAX];
	FILE	*fp;

	REQUIRE((fp = fopen(at(path, folder, name), "w")) != NULL, "create %s",
	    path);
	REQUIRE(fputs(line, fp) >= 0 && fclose(fp) == 0, "write %s", path);
	REQUIRE(chmod(path, mode) == 0, "chmod %s", path);
}

static int
exists(const char *folder, const char *name)
{
	struct stat	st;
	char		path[PATH_MAX];

	return lstat(at(path, folder, name), &st) == 0;
}

/* claim_take of new/name gives want, with words in the reason if any. */
static void
take(struct spool *sp, const char *name, enum claim_result want,
    const char *words)
{
	struct claim		 cl;
	enum claim_result	 got;
	const char		*reason = NULL;

	got = claim_take(sp, name, NULL, NULL, &cl, &reason);
	CHECK(got == want, "%s: claim_take gave %d, not %d (%s)", name, got,
	    want, reason ? reason : "");
	if (words != NULL)
		CHECK(reason != NULL && strstr(reason, words) != NULL,
		    "%s: reason %s", name, reason ? reason : "none");
	if (got == CLAIM_OK) {
		CHECK(claim_done(sp, &cl, 0, &reason) == CLAIM_OK, "claim_done");
		claim_clear(&cl);
	}
}

/* A child holds a read lock on all of path until release is closed. */
static pid_t
reader(const char *path, int *release)
{
	struct flock	fl;
	int		ready[2], gate[2], fd;
	pid_t		pid;
	char		c = 0;

	REQUIRE(pipe(ready) == 0 && pipe(gate) == 0, "pipe");
	REQUIRE((pid = fork()) != -1, "fork");
	if (pid == 0) {
		close(ready[0]);
		close(gate[1]);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		fl.l_whence = SEEK_SET;
		if ((fd = open(path, O_RDONLY)) == -1 ||
		    fcntl(fd, F_OFD_SETLK, &fl) == -1 ||
		    write(ready[1], "x", 1) != 1 || read(gate[0], &c, 1) != 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(gate[0]);
	CHECK(read(ready[0], &c, 1) == 1, "reader did not start");
	close(ready[0]);
	*release = gate[1];
	return pid;
}

static void
test_take(struct spool *sp)
{
	char	path[PATH_MAX], target[PATH_MAX];
	pid_t	pid;
	int	release, status;

	event_file("new", "1.000001.good", 0600);
	take(sp, "1.000001.good", CLAIM_OK, NULL);
	event_file("new", "1.000002.shared", 0640);
	take(sp, "1.000002.shared", CLAIM_OK, NULL);
	take(sp, "1.000003.gone", CLAIM_LOST, NULL);

	/* A reader's shared lock: busy, and left where it is. */
	event_file("new", "1.000004.read-locked", 0600);
	pid = reader(at(path, "new", "1.000004.read-locked"), &release);
	take(sp, "1.000004.read-locked", CLAIM_BUSY, NULL);
	CHECK(exists("new", "1.000004.read-locked"), "a busy event moved");
	close(release);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "reader failed");
	take(sp, "1.000004.read-locked", CLAIM_OK, NULL);

	/* No event files: refused, moved to failed/ as they are. */
	event_file("new", "1.000005.mode", 0666);
	take(sp, "1.000005.mode", CLAIM_REFUSED, "writable by its group");
	event_file("new", "1.000006.group", 0620);
	take(sp, "1.000006.group", CLAIM_REFUSED, "writable by its group");
	event_file("new", "1.000007.target", 0600);
	REQUIRE(rename(at(path, "new", "1.000007.target"),
	    unit_fmt(target, sizeof(target), "%s/outside", tmp)) == 0,
	    "rename");
	REQUIRE(symlink(target, at(path, "new", "1.000007.link")) == 0,
	    "symlink");
	take(sp, "1.000007.link", CLAIM_REFUSED, "a symbolic link");
	CHECK(access(target, F_OK) == 0, "the link's target is gone");
	REQUIRE(mkfifo(at(path, "new", "1.000008.fifo"), 0600) == 0, "mkfifo");
	take(sp, "1.000008.fifo", CLAIM_REFUSED, "not a regular file");
	if (geteuid() == 0) {
		event_file("new", "1.000009.owner", 0600);
		REQUIRE(chown(at(path, "new", "1.000009.owner"), 65534,
		    65534) == 0, "chown");
		take(sp, "1.000009.owner", CLAIM_REFUSED, "not owned");
		CHECK(exists("failed", "1.000009.owner"), "owner not in failed/");
	}
	CHECK(exists("failed", "1.000005.mode") &&
	    exists("failed", "1.000006.group") &&
	    exists("failed", "1.000007.link") &&
	    exists("failed", "1.000008.fifo"), "refused files not in failed/");

	/* Never over a file already in failed/. */
	event_file("failed", "1.000010.twice", 0600);
	REQUIRE(mkfifo(at(path, "new", "1.000010.twice"), 0600) == 0,
	    "mkfifo");
	take(sp, "1.000010.twice", CLAIM_ERROR, "failed/");
	CHECK(exists("new", "1.000010.twice"), "the fifo left new/");
	REQUIRE(unlink(path) == 0, "unlink");
}

/* claim_take of new/name, which must succeed, into cl. */
static void
take_ok(struct spool *sp, const char *name, struct claim *cl)
{
	const char	*reason = NULL;

	REQUIRE(claim_take(sp, name, NULL, NULL, cl, &reason) == CLAIM_OK,
	    "claim_take %s: %s", name, reason ? reason : "");
	CHECK(exists("cur", name) && !exists("new", name),
	    "%s: claimed but not in cur/", name);
}

/* Retry, give up, unclaim: where the event goes, under which name. */
static void
test_end(struct spool *sp)
{
	struct claim	 cl;
	const char	*reason = NULL;
	int		 to_failed = -1;

	event_file("new", "2.000001.tried", 0600);
	take_ok(sp, "2.000001.tried", &cl);
	CHECK(cl.cl_attempts == 0 && cl.cl_len == strlen(line) - 1 &&
	    strncmp(cl.cl_line, line, cl.cl_len) == 0, "claimed line");
	CHECK(claim_retry(sp, &cl, 3, 0, &to_failed, &reason) == CLAIM_OK &&
	    to_failed == 0, "first retry: %s", reason ? reason : "");
	claim_clear(&cl);
	CHECK(exists("new", "2.000001.tried,A1"), "not back as ,A1");
	take_ok(sp, "2.000001.tried,A1", &cl);
	CHECK(cl.cl_attempts == 1, "attempts %u, not 1", cl.cl_attempts);
	CHECK(claim_retry(sp, &cl, 3, 0, NULL, &reason) == CLAIM_OK,
	    "second retry: %s", reason ? reason : "");
	claim_clear(&cl);
	take_ok(sp, "2.000001.tried,A2", &cl);
	CHECK(claim_retry(sp, &cl, 3, 0, &to_failed, &reason) == CLAIM_OK &&
	    to_failed == 1, "third retry not to failed/");
	claim_clear(&cl);
	CHECK(exists("failed", "2.000001.tried,A3") &&
	    !exists("new", "2.000001.tried,A3"), "not in failed/ as ,A3");

	event_file("new", "2.000002.given-up,A2", 0600);
	take_ok(sp, "2.000002.given-up,A2", &cl);
	CHECK(claim_give_up(sp, &cl, &reason) == CLAIM_OK, "claim_give_up");
	claim_clear(&cl);
	CHECK(exists("failed", "2.000002.given-up,A2"), "given up not in "
	    "failed/ under its name");

	event_file("new", "2.000003.put-back,A1", 0600);
	take_ok(sp, "2.000003.put-back,A1", &cl);
	CHECK(claim_unclaim(sp, &cl, &reason) == CLAIM_OK, "claim_unclaim");
	claim_clear(&cl);
	CHECK(exists("new", "2.000003.put-back,A1"), "unclaimed not back in "
	    "new/ under its name");
	claim_clear(NULL);
}

/*
 * A failed attempt's backoff: 30 s doubling to an hour, and the time it ends
 * kept as the event's modification time; none when going to failed/.
 */
static void
test_backoff(struct spool *sp)
{
	static const struct {
		long long	base;
		unsigned	attempts;
		long long	want;
	} cases[] = {
		{ 30, 1, 30 }, { 30, 2, 60 }, { 30, 3, 120 }, { 30, 7, 1920 },
		{ 30, 8, 3600 }, { 30, 1000, 3600 }, { 0, 3, 0 },
		{ 7200, 1, 7200 }, { 7200, 5, 7200 }, { 1, 40, 3600 },
	};
	struct claim	 cl;
	struct stat	 st;
	const char	*reason = NULL;
	char		 path[PATH_MAX];
	time_t		 before;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(claim_backoff(cases[i].base, cases[i].attempts) ==
		    cases[i].want, "claim_backoff(%lld, %u) = %lld, not %lld",
		    cases[i].base, cases[i].attempts, claim_backoff(
		    cases[i].base, cases[i].attempts), cases[i].want);

	event_file("new", "3.000001.later", 0600);
	take_ok(sp, "3.000001.later", &cl);
	before = time(NULL);
	CHECK(claim_retry(sp, &cl, 3, 120, NULL, &reason) == CLAIM_OK,
	    "retry with a backoff: %s", reason ? reason : "");
	claim_clear(&cl);
	REQUIRE(stat(at(path, "new", "3.000001.later,A1"), &st) == 0,
	    "not back in new/ as ,A1");
	CHECK(st.st_mtime >= before + 120 && st.st_mtime <= time(NULL) + 120,
	    "due at %lld, not 120 s from %lld", (long long)st.st_mtime,
	    (long long)before);
	/* To failed/: no wait is set. */
	event_file("new", "3.000002.last,A2", 0600);
	take_ok(sp, "3.000002.last,A2", &cl);
	CHECK(claim_retry(sp, &cl, 3, 120, NULL, &reason) == CLAIM_OK,
	    "last retry: %s", reason ? reason : "");
	claim_clear(&cl);
	REQUIRE(stat(at(path, "failed", "3.000002.last,A3"), &st) == 0,
	    "not in failed/ as ,A3");
	CHECK(st.st_mtime <= time(NULL), "an event in failed/ got a due time");
}

/*
 * A claim whose holder died is released with its count raised; one still
 * held (here, by this process's own descriptor) is left alone.
 */
static void
test_release_dead(struct spool *sp)
{
	struct claim	 cl, held;
	const char	*reason = NULL;
	unsigned	 released = 99;
	pid_t		 pid;
	int		 status;

	event_file("new", "3.000001.dead,A4", 0600);
	REQUIRE((pid = fork()) != -1, "fork");
	if (pid == 0)
		_exit(claim_take(sp, "3.000001.dead,A4", NULL, NULL, &cl,
		    &reason) == CLAIM_OK ? 0 : 1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the dying drain did not claim");
	CHECK(exists("cur", "3.000001.dead,A4"), "dead claim not in cur/");
	event_file("new", "3.000002.alive", 0600);
	take_ok(sp, "3.000002.alive", &held);
	CHECK(claim_release_dead(sp, &released, &reason) == 0,
	    "claim_release_dead: %s", reason ? reason : "");
	CHECK(released == 1, "released %u, not 1", released);
	CHECK(exists("new", "3.000001.dead,A5") &&
	    !exists("cur", "3.000001.dead,A4"), "dead claim not back as ,A5");
	CHECK(exists("cur", "3.000002.alive"), "a live claim was released");
	CHECK(claim_done(sp, &held, 0, &reason) == CLAIM_OK, "claim_done");
	claim_clear(&held);
	CHECK(!exists("cur", "3.000002.alive"), "done but still in cur/");
	CHECK(claim_release_dead(sp, NULL, &reason) == 0,
	    "claim_release_dead without a count");
}

static void
test_release(struct spool *sp)
{
	const char	*reason = NULL;
	char		 path[PATH_MAX];
	unsigned	 released = 99;

	/* A fifo in cur/ is no claim: back to new/ as it is, not counted. */
	REQUIRE(mkfifo(at(path, "cur", "1.000011.fifo"), 0600) == 0, "mkfifo");
	CHECK(claim_release_dead(sp, &released, &reason) == 0,
	    "claim_release_dead: %s", reason);
	CHECK(released == 0, "released %u", released);
	CHECK(exists("new", "1.000011.fifo"), "the fifo is not back in new/");
	take(sp, "1.000011.fifo", CLAIM_REFUSED, "not a regular file");
}

/* The record of key, read; its entries' count, or -1 when none. */
static int
entries(struct spool *sp, const char *key, struct history *h)
{
	const char	*reason = NULL;

	return history_read(sp, key, h, &reason) == 1 ? (int)h->hi_n : -1;
}

/* Records: written before a retry, with it on a release, gone when done. */
static void
test_records(struct spool *sp)
{
	static struct history	 h;
	struct history_entry	 e;
	struct claim		 cl;
	struct stat		 st;
	const char		*reason = NULL;
	char			 path[PATH_MAX], mark[PATH_MAX];

	event_file("new", "4.000001.rec", 0600);
	take_ok(sp, "4.000001.rec", &cl);
	history_entry_set(&e, HISTORY_FAILED, 1, "exited 2", 8, "err\n", 4);
	CHECK(claim_record(sp, &cl, &e, &reason) == CLAIM_OK,
	    "claim_record: %s", reason);
	CHECK(claim_retry(sp, &cl, 5, 0, NULL, &reason) == CLAIM_OK, "retry");
	claim_clear(&cl);
	CHECK(entries(sp, "4.000001.rec", &h) == 1 &&
	    h.hi_v[0].he_reasonlen == 8 && h.hi_v[0].he_stderrlen == 4,
	    "the failure is not recorded");
	/* A release records the attempt it costs. */
	take_ok(sp, "4.000001.rec,A1", &cl);
	claim_clear(&cl);	/* its holder gone: a dead claim */
	CHECK(claim_release_dead(sp, NULL, &reason) == 0, "release: %s",
	    reason);
	CHECK(exists("new", "4.000001.rec,A2"), "not released as ,A2");
	CHECK(entries(sp, "4.000001.rec", &h) == 2 &&
	    h.hi_v[1].he_attempt == 2 && strstr(h.hi_v[1].he_reason,
	    "died") != NULL, "the release is not recorded");
	/* Done without keep: nothing left, marker emptied, record gone. */
	REQUIRE(link(at(path, "new", "4.000001.rec,A2"),
	    at(mark, "ids", "rec")) == 0, "link a marker");
	take_ok(sp, "4.000001.rec,A2", &cl);
	CHECK(claim_done(sp, &cl, 0, &reason) == CLAIM_OK, "claim_done");
	claim_clear(&cl);
	CHECK(stat(mark, &st) == 0 && st.st_size == 0, "the marker holds "
	    "the done event's bytes");
	CHECK(entries(sp, "4.000001.rec", &h) == -1, "the record of a done "
	    "event stays");
	REQUIRE(unlink(mark) == 0, "unlink");
	/* Done with keep: into done/, whole, record and marker with it. */
	event_file("new", "4.000002.kept,A1", 0600);
	REQUIRE(link(at(path, "new", "4.000002.kept,A1"),
	    at(mark, "ids", "kept")) == 0, "link a marker");
	take_ok(sp, "4.000002.kept,A1", &cl);
	CHECK(claim_record(sp, &cl, &e, &reason) == CLAIM_OK, "record");
	CHECK(claim_done(sp, &cl, 1, &reason) == CLAIM_OK, "claim_done kept");
	claim_clear(&cl);
	CHECK(exists("done", "4.000002.kept,A1") &&
	    !exists("cur", "4.000002.kept,A1"), "not moved into done/");
	CHECK(stat(mark, &st) == 0 && st.st_size == (off_t)strlen(line) &&
	    st.st_nlink == 2, "a kept event is not whole with its marker");
	CHECK(st.st_mtime >= time(NULL) - 5, "a kept event's time is not "
	    "when it was done");
	CHECK(entries(sp, "4.000002.kept", &h) == 1, "a kept event's record "
	    "went");
	REQUIRE(unlink(mark) == 0 && unlink(at(path, "done",
	    "4.000002.kept,A1")) == 0 && history_remove(sp,
	    "4.000002.kept") == 0, "clean up");
}

int
main(void)
{
	struct spool	*sp = NULL;
	const char	*reason = NULL;
	char		 dir[PATH_MAX];

	umask(022);
	signal(SIGPIPE, SIG_IGN);
	REQUIRE(verify_init(&reason) == 0, "verify_init: %s", reason);
	unit_tmpdir(tmp, sizeof(tmp));
	REQUIRE(spool_open(unit_fmt(dir, sizeof(dir), "%s/spool", tmp), 0, 0,
	    &sp, &reason) == 0, "spool_open: %s", reason);
	test_take(sp);
	test_release(sp);
	test_end(sp);
	test_backoff(sp);
	test_release_dead(sp);
	test_records(sp);
	spool_close(sp);
	unit_rmtree(tmp);
	return unit_done("test_claim");
}
