/*
 * test_counters.c: the counters file (counters.c): made whole and private,
 * counts exact from many processes at once, read back as written, a full
 * table's overflow row, a row taken but never named, and every file that
 * is not one of ours refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "counters.h"
#include "spool.h"
#include "unit.h"

static char	tmp[4096];

static uint64_t
count_of(const struct counters_snapshot *s, const char *label,
    enum counters_answer a)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i < s->cs_nrows; i++)
		if (strcmp(counters_label(&s->cs_rows[i], NULL, 0), label) == 0)
			n += s->cs_rows[i].cr_count[a];
	return n;
}

static void *
image(void)
{
	void	*buf;

	REQUIRE((buf = aligned_alloc(8, COUNTERS_SIZE)) != NULL, "memory");
	counters_init(buf);
	return buf;
}

/* An image's counts read back; names kept; a full table overflows. */
static void
test_image(void)
{
	struct counters_snapshot	*s;
	const char			*reason = NULL, *names[1];
	char				 name[32], longname[200];
	unsigned char			*buf = image();
	size_t				 i;
	int				 k;

	REQUIRE((s = malloc(sizeof(*s))) != NULL, "memory");
	CHECK(counters_parse(buf, COUNTERS_SIZE, s, &reason) == 0 &&
	    s->cs_nrows == 0, "a new file has no row in use: %s", reason);
	for (k = 0; k < 5; k++)
		counters_add_at(buf, "github", COUNTERS_ACCEPTED);
	counters_add_at(buf, "github", COUNTERS_401);
	counters_add_at(buf, COUNTERS_NO_WEBHOOK, COUNTERS_404);
	counters_add_at(buf, "stripe", COUNTERS_HANDSHAKE);
	REQUIRE(counters_parse(buf, COUNTERS_SIZE, s, &reason) == 0,
	    "parse: %s", reason);
	CHECK(s->cs_nrows == 3, "%zu rows in use", s->cs_nrows);
	CHECK(count_of(s, "github", COUNTERS_ACCEPTED) == 5 &&
	    count_of(s, "github", COUNTERS_401) == 1 &&
	    count_of(s, "github", COUNTERS_404) == 0, "github's counts");
	CHECK(count_of(s, COUNTERS_NO_WEBHOOK, COUNTERS_404) == 1,
	    "the 404 of no webhook");
	CHECK(count_of(s, "stripe", COUNTERS_HANDSHAKE) == 1, "a handshake");

	/* A name longer than a row holds: its start, and the config's. */
	memset(longname, 'w', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	counters_add_at(buf, longname, COUNTERS_IGNORED);
	counters_add_at(buf, longname, COUNTERS_IGNORED);
	REQUIRE(counters_parse(buf, COUNTERS_SIZE, s, &reason) == 0, "parse");
	names[0] = longname;
	for (i = 0; i < s->cs_nrows; i++)
		if (s->cs_rows[i].cr_cut) {
			CHECK(strlen(s->cs_rows[i].cr_name) ==
			    COUNTERS_NAME_MAX, "a long name's start");
			CHECK(counters_label(&s->cs_rows[i], names, 1) ==
			    longname, "the config names a long name's row");
			CHECK(s->cs_rows[i].cr_count[COUNTERS_IGNORED] == 2,
			    "a long name's counts");
		}

	/* More webhooks than rows: the rest count in the overflow row. */
	for (k = 0; k < COUNTERS_ROWS + 20; k++) {
		snprintf(name, sizeof(name), "hook-%d", k);
		counters_add_at(buf, name, COUNTERS_503);
	}
	REQUIRE(counters_parse(buf, COUNTERS_SIZE, s, &reason) == 0, "parse");
	CHECK(s->cs_nrows == COUNTERS_ROWS, "%zu rows in use", s->cs_nrows);
	CHECK(count_of(s, COUNTERS_LABEL_OTHER, COUNTERS_503) ==
	    (uint64_t)(COUNTERS_ROWS + 20 - (COUNTERS_ROWS - 1 - 4)),
	    "the overflow row counts %llu", (unsigned long long)count_of(s,
	    COUNTERS_LABEL_OTHER, COUNTERS_503));
	CHECK(count_of(s, "github", COUNTERS_ACCEPTED) == 5,
	    "github's row kept once the table is full");
	counters_add_at(buf, "github", COUNTERS_ACCEPTED);
	REQUIRE(counters_parse(buf, COUNTERS_SIZE, s, &reason) == 0, "parse");
	CHECK(count_of(s, "github", COUNTERS_ACCEPTED) == 6,
	    "a known webhook still counts in its row when full");

	/* Not a counters file: size, alignment, magic, layout. */
	CHECK(counters_parse(buf, COUNTERS_SIZE - 8, s, &reason) == -1,
	    "a short file taken");
	memcpy(buf + 8, "\x02\0\0\0", 4);
	CHECK(counters_parse(buf, COUNTERS_SIZE, s, &reason) == -1,
	    "another version taken");
	buf[0] ^= 1;
	CHECK(counters_parse(buf, COUNTERS_SIZE, s, &reason) == -1,
	    "a wrong magic taken");
	free(buf);
	free(s);
}

/* A row whose key was taken by a process killed before it named it. */
static void
test_unnamed(void)
{
	struct counters_snapshot	*s;
	const char			*reason, *names[] = { "protocol" };
	unsigned char			*buf = image(), *row;
	uint64_t			 key = counters_key("protocol", 8);

	REQUIRE((s = malloc(sizeof(*s))) != NULL, "memory");
	row = buf + COUNTERS_HEAD + (key % (COUNTERS_ROWS - 1)) * COUNTERS_ROW;
	memcpy(row, &key, 8);
	REQUIRE(counters_parse(buf, COUNTERS_SIZE, s, &reason) == 0, "parse");
	REQUIRE(s->cs_nrows == 1, "the taken row is in use");
	CHECK(strcmp(counters_label(&s->cs_rows[0], NULL, 0),
	    COUNTERS_LABEL_UNKNOWN) == 0, "an unnamed row, no config: %s",
	    counters_label(&s->cs_rows[0], NULL, 0));
	CHECK(counters_label(&s->cs_rows[0], names, 1) == names[0],
	    "the config names an unnamed row by its key");
	counters_add_at(buf, "protocol", COUNTERS_DUPLICATE);
	REQUIRE(counters_parse(buf, COUNTERS_SIZE, s, &reason) == 0, "parse");
	CHECK(s->cs_nrows == 1 && strcmp(s->cs_rows[0].cr_name, "protocol") ==
	    0, "the next add names the row");
	CHECK(count_of(s, "protocol", COUNTERS_DUPLICATE) == 1, "and counts");
	free(buf);
	free(s);
}

static struct spool *
open_spool(const char *name, int group_readable)
{
	struct spool	*sp;
	const char	*reason;
	char		 dir[4200];

	unit_fmt(dir, sizeof(dir), "%s/%s", tmp, name);
	REQUIRE(spool_open(dir, 0, group_readable, &sp, &reason) == 0,
	    "spool_open %s: %s", dir, reason);
	return sp;
}

/* The file on a spool: made private, shared by processes, read back. */
static void
test_file(void)
{
	struct counters_snapshot	*s;
	struct counters			*c;
	struct spool			*sp = open_spool("a", 0), *gr;
	struct stat			 st;
	const char			*reason = NULL;
	pid_t				 pid;
	int				 i, k, status;

	REQUIRE((s = malloc(sizeof(*s))) != NULL, "memory");
	CHECK(counters_read(sp, s, &reason) == 0 && s->cs_nrows == 0,
	    "no file yet: nothing counted");
	REQUIRE(counters_open(sp, &c, &reason) == 0, "counters_open: %s",
	    reason);
	REQUIRE(fstatat(sp->sp_dirfd, COUNTERS_FILE, &st,
	    AT_SYMLINK_NOFOLLOW) == 0, "no counters file made");
	CHECK((st.st_mode & 07777) == 0600 && st.st_size == COUNTERS_SIZE,
	    "made %o, %lld bytes", (unsigned)(st.st_mode & 07777),
	    (long long)st.st_size);
	/* Eight processes, each adding 5000 of two answers at once. */
	for (i = 0; i < 8; i++) {
		REQUIRE((pid = fork()) != -1, "fork");
		if (pid == 0) {
			for (k = 0; k < 5000; k++) {
				counters_add(c, "protocol", COUNTERS_ACCEPTED);
				counters_add(c, i % 2 ? "a" : "b",
				    COUNTERS_401);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 8; i++)
		CHECK(wait(&status) > 0 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0, "a child failed");
	REQUIRE(counters_read(sp, s, &reason) == 1, "read: %s", reason);
	CHECK(count_of(s, "protocol", COUNTERS_ACCEPTED) == 40000,
	    "exact from 8 processes: %llu", (unsigned long long)count_of(s,
	    "protocol", COUNTERS_ACCEPTED));
	CHECK(count_of(s, "a", COUNTERS_401) == 20000 &&
	    count_of(s, "b", COUNTERS_401) == 20000, "two webhooks at once");
	CHECK(counters_stale(c, sp) == 0, "stale at once");
	counters_close(c);
	counters_close(NULL);

	/* A second open maps the same counts; removing the file is stale. */
	REQUIRE(counters_open(sp, &c, &reason) == 0, "reopen: %s", reason);
	counters_add(c, "protocol", COUNTERS_ACCEPTED);
	REQUIRE(counters_read(sp, s, &reason) == 1, "read: %s", reason);
	CHECK(count_of(s, "protocol", COUNTERS_ACCEPTED) == 40001,
	    "counted on from the file");
	REQUIRE(unlinkat(sp->sp_dirfd, COUNTERS_FILE, 0) == 0, "unlink");
	c->ct_checked = 0;
	CHECK(counters_stale(c, sp) == 1, "a removed file is not stale");
	counters_close(c);
	spool_close(sp);

	gr = open_spool("gr", 1);
	REQUIRE(counters_open(gr, &c, &reason) == 0, "group_readable: %s",
	    reason);
	CHECK(fstatat(gr->sp_dirfd, COUNTERS_FILE, &st, 0) == 0 &&
	    (st.st_mode & 07777) == 0640, "group_readable: made %o",
	    (unsigned)(st.st_mode & 07777));
	counters_close(c);
	spool_close(gr);
	free(s);
}

/* refused NAME: a file that counters_open() and counters_read() refuse. */
static void
refused(struct spool *sp, const char *what)
{
	struct counters_snapshot	*s;
	struct counters			*c = NULL;
	const char			*reason = NULL;

	REQUIRE((s = malloc(sizeof(*s))) != NULL, "memory");
	errno = 0;
	CHECK(counters_open(sp, &c, &reason) == -1 && errno == EPERM &&
	    c == NULL, "%s: counted into (%s)", what, reason ? reason : "-");
	if (reason != NULL)
		CHECK(strstr(reason, "refused") != NULL, "%s: %s", what,
		    reason);
	reason = NULL;
	errno = 0;
	CHECK(counters_read(sp, s, &reason) == -1 && errno == EPERM,
	    "%s: read back (%s)", what, reason ? reason : "-");
	counters_close(c);
	free(s);
}

/* Files at the name that are not ours. */
static void
test_refused(void)
{
	struct spool	*sp = open_spool("r", 0);
	struct counters	*c;
	const char	*reason;
	char		 target[4200];
	int		 fd;
	void		*buf = image();

	unit_fmt(target, sizeof(target), "%s/elsewhere", tmp);
	REQUIRE((fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1,
	    "create %s", target);
	REQUIRE(write(fd, buf, COUNTERS_SIZE) == COUNTERS_SIZE && close(fd) == 0,
	    "write %s", target);
	REQUIRE(symlinkat(target, sp->sp_dirfd, COUNTERS_FILE) == 0, "symlink");
	refused(sp, "a symbolic link");
	REQUIRE(unlinkat(sp->sp_dirfd, COUNTERS_FILE, 0) == 0, "unlink");

	REQUIRE((fd = openat(sp->sp_dirfd, COUNTERS_FILE, O_WRONLY | O_CREAT,
	    0600)) != -1, "create");
	REQUIRE(write(fd, buf, COUNTERS_SIZE) == COUNTERS_SIZE, "write");
	REQUIRE(fchmod(fd, 0666) == 0, "chmod");
	refused(sp, "mode 0666");
	REQUIRE(fchmod(fd, 0620) == 0, "chmod");
	refused(sp, "mode 0620");
	REQUIRE(fchmod(fd, 0600) == 0, "chmod");
	if (geteuid() == 0) {
		REQUIRE(fchown(fd, 65534, 65534) == 0, "chown");
		refused(sp, "another user's");
		REQUIRE(fchown(fd, 0, 0) == 0, "chown");
	}
	REQUIRE(ftruncate(fd, COUNTERS_SIZE / 2) == 0, "truncate");
	refused(sp, "a short file");
	REQUIRE(ftruncate(fd, COUNTERS_SIZE) == 0 &&
	    pwrite(fd, "something else\n", 15, 0) == 15, "rewrite");
	refused(sp, "a file of another kind");
	REQUIRE(close(fd) == 0, "close");
	REQUIRE(unlinkat(sp->sp_dirfd, COUNTERS_FILE, 0) == 0, "unlink");
	REQUIRE(mkdirat(sp->sp_dirfd, COUNTERS_FILE, 0700) == 0, "mkdir");
	refused(sp, "a folder");
	REQUIRE(unlinkat(sp->sp_dirfd, COUNTERS_FILE, AT_REMOVEDIR) == 0,
	    "rmdir");
	REQUIRE(counters_open(sp, &c, &reason) == 0, "once mended: %s", reason);
	counters_close(c);
	spool_close(sp);
	free(buf);
}

int
main(void)
{
	unit_tmpdir(tmp, sizeof(tmp));
	test_image();
	test_unnamed();
	test_file();
	test_refused();
	unit_rmtree(tmp);
	return unit_done("test_counters");
}
