/*
 * test_history.c: an event's record of failures. The format: entries
 * written and read back byte for byte (any bytes, NUL and newlines too),
 * the bounds (the last 4 KiB of standard error, the last HISTORY_ENTRIES
 * entries), a record cut short keeping what came before, and text that
 * is no record refused. The files, on a scratch spool: history_add()
 * appends and leaves no file of its own behind, history_read() of none,
 * history_touch() and history_remove() of none are no error, and
 * history_remove_orphan() takes a record only if it is still the file a
 * sweep saw.
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

#include "history.h"
#include "spool.h"
#include "unit.h"

static char	tmp[PATH_MAX];

/* An entry of kind with reason and err (lengths given). */
static void
entry(struct history_entry *e, enum history_kind kind, unsigned attempt,
    const char *reason, size_t rlen, const char *err, size_t elen)
{
	history_entry_set(e, kind, attempt, reason, rlen, err, elen);
}

static int
same_entry(const struct history_entry *a, const struct history_entry *b)
{
	return a->he_kind == b->he_kind && a->he_time == b->he_time &&
	    a->he_attempt == b->he_attempt &&
	    a->he_reasonlen == b->he_reasonlen &&
	    memcmp(a->he_reason, b->he_reason, a->he_reasonlen) == 0 &&
	    a->he_stderrlen == b->he_stderrlen &&
	    memcmp(a->he_stderr, b->he_stderr, a->he_stderrlen) == 0;
}

static void
test_format(void)
{
	static const char	zero[] = HISTORY_MAGIC "\nfailed 01 1 0 0\n\n\n";
	static struct history	h, back;
	static char		err[HISTORY_STDERR_MAX + 100];
	struct history_entry	e;
	char			*text;
	size_t			 len, i;

	memset(&h, 0, sizeof(h));
	entry(&e, HISTORY_FAILED, 1, "exited 3", 8, "line one\nline\0two\n",
	    18);
	history_push(&h, &e);
	entry(&e, HISTORY_REPLAYED, 0, "replayed", 8, NULL, 0);
	history_push(&h, &e);
	REQUIRE((text = history_format(&h, &len)) != NULL, "history_format");
	CHECK(strncmp(text, HISTORY_MAGIC "\nfailed ", 27) == 0,
	    "the record starts %.30s", text);
	CHECK(history_parse(text, len, &back) == 0 && back.hi_n == 2 &&
	    !back.hi_torn, "read back: %zu entries", back.hi_n);
	for (i = 0; i < 2; i++)
		CHECK(same_entry(&h.hi_v[i], &back.hi_v[i]),
		    "entry %zu differs once read back", i);

	/* Cut anywhere inside the second entry: the first is kept. */
	for (i = len - 1; i > len - 20; i--) {
		CHECK(history_parse(text, i, &back) == 0 && back.hi_n == 1 &&
		    back.hi_torn && same_entry(&h.hi_v[0], &back.hi_v[0]),
		    "cut at %zu: %zu entries, torn %d", i, back.hi_n,
		    back.hi_torn);
	}
	free(text);
	CHECK(history_parse("hookspool-history 2\n", 20, &back) == -1,
	    "another version is read");
	CHECK(history_parse("", 0, &back) == -1, "nothing is a record");
	CHECK(history_parse(zero, sizeof(zero) - 1, &back) == 0 &&
	    back.hi_n == 0 && back.hi_torn, "a leading zero is read");

	/* Bounds: the last 4 KiB of stderr, the last entries. */
	memset(err, 'a', sizeof(err));
	memcpy(err + sizeof(err) - 4, "last", 4);
	entry(&e, HISTORY_FAILED, 7, "r", 1, err, sizeof(err));
	CHECK(e.he_stderrlen == HISTORY_STDERR_MAX &&
	    memcmp(e.he_stderr + HISTORY_STDERR_MAX - 4, "last", 4) == 0 &&
	    e.he_stderr[0] == 'a', "stderr not cut to its last 4 KiB");
	memset(&h, 0, sizeof(h));
	for (i = 0; i < HISTORY_ENTRIES + 3; i++) {
		e.he_attempt = (unsigned)i + 1;
		history_push(&h, &e);
	}
	CHECK(h.hi_n == HISTORY_ENTRIES && h.hi_v[0].he_attempt == 4 &&
	    h.hi_v[HISTORY_ENTRIES - 1].he_attempt == HISTORY_ENTRIES + 3,
	    "the last entries are not the ones kept");
	REQUIRE((text = history_format(&h, &len)) != NULL, "history_format");
	CHECK(len <= HISTORY_FILE_MAX, "a full record is %zu bytes, over %zu",
	    len, (size_t)HISTORY_FILE_MAX);
	free(text);
}

/* How many files history/ holds. */
static int
files(void)
{
	char	cmd[PATH_MAX + 64];
	FILE	*p;
	int	n = -1;

	unit_fmt(cmd, sizeof(cmd), "ls -A '%s/spool/history' | wc -l", tmp);
	REQUIRE((p = popen(cmd, "r")) != NULL, "popen");
	CHECK(fscanf(p, "%d", &n) == 1, "ls");
	pclose(p);
	return n;
}

static void
test_files(struct spool *sp)
{
	static struct history	 h;
	struct history_entry	 e;
	struct stat		 st;
	const char		*reason = NULL;
	char			 path[PATH_MAX];
	int			 fd;

	CHECK(history_read(sp, "1.000001.x", &h, &reason) == 0 && h.hi_n == 0,
	    "a record that is not there");
	CHECK(history_touch(sp, "1.000001.x") == 0 &&
	    history_remove(sp, "1.000001.x") == 0, "touch or remove of none");
	CHECK(history_add(sp, "../x", &e, 0, &reason) == -1,
	    "a key with a slash");
	entry(&e, HISTORY_FAILED, 1, "exited 1", 8, "oops\n", 5);
	CHECK(history_add(sp, "1.000001.x", &e, 0, &reason) == 0,
	    "history_add: %s", reason);
	entry(&e, HISTORY_FAILED, 2, "timed out", 9, NULL, 0);
	CHECK(history_add(sp, "1.000001.x", &e, 0, &reason) == 0,
	    "history_add: %s", reason);
	CHECK(history_read(sp, "1.000001.x", &h, &reason) == 1 && h.hi_n == 2 &&
	    h.hi_v[0].he_attempt == 1 && h.hi_v[1].he_attempt == 2,
	    "two entries, in order");
	CHECK(files() == 1, "history_add left %d files", files());
	unit_fmt(path, sizeof(path), "%s/spool/history/1.000001.x", tmp);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "the record's mode is %o", (unsigned)(st.st_mode & 07777));
	entry(&e, HISTORY_REPLAYED, 0, "replayed", 8, NULL, 0);
	CHECK(history_add(sp, "1.000001.x", &e, 1, &reason) == 0 &&
	    history_read(sp, "1.000001.x", &h, &reason) == 1 && h.hi_n == 1 &&
	    h.hi_v[0].he_kind == HISTORY_REPLAYED, "a fresh record");

	/* An orphan goes only if it is still the file the sweep saw. */
	REQUIRE(stat(path, &st) == 0, "stat %s", path);
	entry(&e, HISTORY_FAILED, 1, "again", 5, NULL, 0);
	CHECK(history_add(sp, "1.000001.x", &e, 0, &reason) == 0, "rewrite");
	CHECK(history_remove_orphan(sp, "1.000001.x", &st) == 0,
	    "a record written since was taken");
	CHECK(history_read(sp, "1.000001.x", &h, &reason) == 1 && h.hi_n == 2,
	    "the record written since is not back whole");
	CHECK(files() == 1, "the sweep left %d files", files());
	REQUIRE(stat(path, &st) == 0, "stat %s", path);
	CHECK(history_remove_orphan(sp, "1.000001.x", &st) == 1 &&
	    access(path, F_OK) == -1 && files() == 0, "an orphan stays");

	/* Not a record: said, and replaced by the next add. */
	REQUIRE((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1, "create");
	REQUIRE(write(fd, "garbage\n", 8) == 8 && close(fd) == 0, "write");
	CHECK(history_read(sp, "1.000001.x", &h, &reason) == -1 &&
	    strcmp(reason, "not a record") == 0, "garbage read as a record");
	CHECK(history_add(sp, "1.000001.x", &e, 0, &reason) == 0 &&
	    history_read(sp, "1.000001.x", &h, &reason) == 1 && h.hi_n == 1,
	    "garbage not replaced");
	CHECK(history_remove(sp, "1.000001.x") == 0 && files() == 0,
	    "history_remove");

	/* A writer that died left its file: swept once old. */
	unit_fmt(path, sizeof(path), "%s/spool/history/.w1.0", tmp);
	REQUIRE((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1, "create");
	REQUIRE(close(fd) == 0, "close");
	CHECK(history_sweep_unfinished(sp) == 0 && files() == 1,
	    "a fresh unfinished file was swept");
	{
		struct timespec	ts[2];

		ts[0].tv_sec = ts[1].tv_sec = time(NULL) - HISTORY_GRACE - 5;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		REQUIRE(utimensat(AT_FDCWD, path, ts, 0) == 0, "utimensat");
	}
	CHECK(history_sweep_unfinished(sp) == 1 && files() == 0,
	    "an old unfinished file stays");
}

int
main(void)
{
	struct spool	*sp = NULL;
	const char	*reason = NULL;
	char		 dir[PATH_MAX];

	umask(022);
	test_format();
	unit_tmpdir(tmp, sizeof(tmp));
	REQUIRE(spool_open(unit_fmt(dir, sizeof(dir), "%s/spool", tmp), 1, 0,
	    &sp, &reason) == 0, "spool_open: %s", reason);
	test_files(sp);
	spool_close(sp);
	unit_rmtree(tmp);
	return unit_done("test_history");
}
