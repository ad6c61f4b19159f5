/*
 * test_claim.c: the claim rules on a scratch spool. claim_take() takes
 * the owner's regular files, says CLAIM_BUSY of one another process holds
 * locked (a reader's shared lock too) and CLAIM_LOST of one that is gone,
 * and moves whatever is no event file (a link, a fifo, a file others may
 * write, another user's file) to failed/ as it is; claim_requeue() leaves
 * such files in failed/, and claim_release_dead() never releases them as
 * claims.
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
		CHECK(claim_done(sp, &cl, &reason) == CLAIM_OK, "claim_done");
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

static void
test_requeue_release(struct spool *sp)
{
	const char	*reason = NULL;
	char		 path[PATH_MAX], target[PATH_MAX];
	unsigned	 released = 99;

	CHECK(claim_requeue(sp, "1.000007.link", &reason) == CLAIM_REFUSED &&
	    reason != NULL && strstr(reason, "symbolic link") != NULL,
	    "requeue of a link: %s", reason ? reason : "");
	CHECK(exists("failed", "1.000007.link") && !exists("new",
	    "1.000007.link"), "a refused link was requeued");
	REQUIRE(rename(at(path, "failed", "1.000010.twice"), at(target,
	    "failed", "1.000010.twice,A3")) == 0, "rename");
	CHECK(claim_requeue(sp, "1.000010.twice,A3", &reason) == CLAIM_OK,
	    "requeue of an event: %s", reason);
	CHECK(exists("new", "1.000010.twice"), "event not requeued");
	CHECK(claim_requeue(sp, "1.000099.none", &reason) == CLAIM_LOST,
	    "requeue of nothing");

	/* A fifo in cur/ is no claim: back to new/ as it is, not counted. */
	REQUIRE(mkfifo(at(path, "cur", "1.000011.fifo"), 0600) == 0, "mkfifo");
	CHECK(claim_release_dead(sp, &released, &reason) == 0,
	    "claim_release_dead: %s", reason);
	CHECK(released == 0, "released %u", released);
	CHECK(exists("new", "1.000011.fifo"), "the fifo is not back in new/");
	take(sp, "1.000011.fifo", CLAIM_REFUSED, "not a regular file");
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
	test_requeue_release(sp);
	spool_close(sp);
	unit_rmtree(tmp);
	return unit_done("test_claim");
}
