/*
 * test_queue.c: the upkeep of a spool's queue. Table tests of the pure
 * functions: queue_attempts() on names with and without attempt counts,
 * queue_name_cmp() ordering by arrival, queue_attempt_name() and its
 * round trip through queue_attempts(). Then, on a scratch spool, reading
 * event lines (queue_read), listing (queue_names), requeue (a refused file
 * stays in failed/, its record of failures cleared), purge of dedup
 * markers and the counts of status. Names with replay counts
 * (queue_name_parse, queue_replay_name), and the head of a line
 * (queue_line_head, queue_read_head) as list and show read it.
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
#include "queue.h"
#include "spool.h"
#include "unit.h"

#define BASE	"1.2.P3Q4.host"

static const char	*line = "{\"received\":\"2026-11-28T12:24:31.123456Z\","
    "\"webhook\":\"protocol\",\"id\":\"q-1\",\"type\":\"t\",\"event\":{}}\n";
static char		 tmp[PATH_MAX];

/* The path SPOOL/folder/name, in buf (PATH_MAX bytes). */
static const char *
at(char *buf, const char *folder, const char *name)
{
	return unit_fmt(buf, PATH_MAX, "%s/spool/%s/%s", tmp, folder, name);
}

/* folder/name holding content, of mode mode. */
static void
put_file(const char *folder, const char *name, const char *content,
    mode_t mode)
{
	char	 path[PATH_MAX];
	FILE	*fp;

	REQUIRE((fp = fopen(at(path, folder, name), "w")) != NULL, "create %s",
	    path);
	REQUIRE(fputs(content, fp) >= 0 && fclose(fp) == 0, "write %s", path);
	REQUIRE(chmod(path, mode) == 0, "chmod %s", path);
}

static int
exists(const char *folder, const char *name)
{
	struct stat	st;
	char		path[PATH_MAX];

	return lstat(at(path, folder, name), &st) == 0;
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

static void
test_attempts(void)
{
	static const struct {
		const char	*name;
		unsigned	 attempts;
		const char	*base;
	} cases[] = {
		{ BASE, 0, BASE },
		{ BASE ",A0", 0, BASE },
		{ BASE ",A1", 1, BASE },
		{ BASE ",A3", 3, BASE },
		{ BASE ",A42", 42, BASE },
		{ BASE ",A007", 7, BASE },
		{ BASE ",A", 0, BASE ",A" },
		{ BASE ",Ax", 0, BASE ",Ax" },
		{ BASE ",A3x", 0, BASE ",A3x" },
		{ BASE ",A-3", 0, BASE ",A-3" },
		{ BASE ",a3", 0, BASE ",a3" },
		{ BASE ",B3", 0, BASE ",B3" },
		{ BASE ",", 0, BASE "," },
		{ BASE ",A999999", 999999, BASE },
		{ BASE ",A1000000", QUEUE_ATTEMPTS_MAX, BASE },
		{ BASE ",A1000001", QUEUE_ATTEMPTS_MAX, BASE },
		{ BASE ",A99999999999", QUEUE_ATTEMPTS_MAX, BASE },
		{ BASE ",A99999999999999999999999999", QUEUE_ATTEMPTS_MAX,
		    BASE },
		{ BASE ",A3,A4", 4, BASE ",A3" },
		{ BASE ",A3,x", 0, BASE ",A3,x" },
		{ ",A5", 5, "" },
		{ "", 0, "" },
		{ "0000000001.000002.P3Q4.host", 0,
		    "0000000001.000002.P3Q4.host" },
	};
	char		base[SPOOL_NAME_MAX];
	unsigned	got;
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(base, 'x', sizeof(base));
		got = queue_attempts(cases[i].name, base);
		CHECK(got == cases[i].attempts, "queue_attempts(%s) = %u, "
		    "not %u", cases[i].name, got, cases[i].attempts);
		CHECK(strcmp(base, cases[i].base) == 0, "base of %s is %s, "
		    "not %s", cases[i].name, base, cases[i].base);
		CHECK(queue_attempts(cases[i].name, NULL) == cases[i].attempts,
		    "queue_attempts(%s, NULL)", cases[i].name);
	}
}

/* A name longer than SPOOL_NAME_MAX - 1 gives a base cut to fit. */
static void
test_attempts_long(void)
{
	char	name[2 * SPOOL_NAME_MAX], base[SPOOL_NAME_MAX];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK(queue_attempts(name, base) == 0, "long name has attempts");
	CHECK(strlen(base) == SPOOL_NAME_MAX - 1 &&
	    strspn(base, "n") == SPOOL_NAME_MAX - 1, "long base is %zu bytes",
	    strlen(base));
}

static int
sign(int c)
{
	return c < 0 ? -1 : c > 0;
}

static void
test_name_cmp(void)
{
	static const struct {
		const char	*a, *b;
		int		 want;	/* sign of queue_name_cmp(a, b) */
	} cases[] = {
		{ BASE, BASE, 0 },
		{ BASE ",A3", BASE ",A3", 0 },
		/* Numbers of different digit counts, compared as numbers. */
		{ "9.000001.P1Q1.h", "10.000001.P1Q1.h", -1 },
		{ "999999999.000001.P1Q1.h", "1000000000.000000.P1Q1.h", -1 },
		{ "0000000009.000001.P1Q1.h", "0000000010.000000.P1Q1.h", -1 },
		{ "5.000009.P1Q1.h", "5.000010.P1Q1.h", -1 },
		{ "5.000001.P9Q1.h", "5.000001.P10Q1.h", -1 },
		{ "5.000001.P1Q9.h", "5.000001.P1Q10.h", -1 },
		{ "5.000001.P1Q99.h", "5.000001.P1Q100.h", -1 },
		{ "5.000001.P1Q1.a", "5.000001.P1Q1.b", -1 },
		/* Attempt suffixes do not change the order of arrival. */
		{ "5.000001.P1Q1.h,A9", "5.000002.P1Q1.h", -1 },
		{ "5.000002.P1Q1.h", "5.000001.P1Q1.h,A1", 1 },
		{ "9.000001.P1Q1.h,A1000000", "10.000001.P1Q1.h", -1 },
		{ "5.000001.P1Q9.h,A2", "5.000001.P1Q10.h,A1", -1 },
		/* One arrival under two counts: still a total order. */
		{ BASE, BASE ",A1", -1 },
		{ BASE ",A1", BASE ",A2", -1 },
		/* What is no suffix is part of the name. */
		{ "5.000001.P1Q1.h,Ax", "5.000002.P1Q1.h", -1 },
	};
	size_t	i;
	int	ab, ba;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ab = sign(queue_name_cmp(&cases[i].a, &cases[i].b));
		ba = sign(queue_name_cmp(&cases[i].b, &cases[i].a));
		CHECK(ab == cases[i].want, "queue_name_cmp(%s, %s) = %d, not "
		    "%d", cases[i].a, cases[i].b, ab, cases[i].want);
		CHECK(ba == -ab, "queue_name_cmp(%s, %s) = %d, but the other "
		    "way %d", cases[i].a, cases[i].b, ab, ba);
	}
}

/* qsort with queue_name_cmp puts names in arrival order. */
static void
test_name_sort(void)
{
	static const char *const sorted[] = {
		"9.000001.P7Q1.h,A2",
		"9.000001.P7Q2.h",
		"9.000001.P7Q10.h,A1",
		"9.000010.P7Q0.h",
		"10.000000.P1Q0.h,A4",
		"10.000000.P1Q0.h,A5",
		"100.000000.P1Q0.h",
	};
	const char	*v[sizeof(sorted) / sizeof(sorted[0])];
	size_t		 n = sizeof(sorted) / sizeof(sorted[0]), i;

	for (i = 0; i < n; i++)
		v[i] = sorted[(i * 3 + 2) % n];	/* a shuffle: 3 and n coprime */
	qsort(v, n, sizeof(v[0]), queue_name_cmp);
	for (i = 0; i < n; i++)
		CHECK(strcmp(v[i], sorted[i]) == 0, "sorted[%zu] is %s, not %s",
		    i, v[i], sorted[i]);
}

static void
test_attempt_name(void)
{
	static const struct {
		const char	*name;
		unsigned	 attempts;
		const char	*want;
	} cases[] = {
		{ BASE, 1, BASE ",A1" },
		{ BASE ",A1", 2, BASE ",A2" },
		{ BASE ",A9", 10, BASE ",A10" },
		{ BASE ",A3", 0, BASE ",A0" },
		{ BASE ",Ax", 1, BASE ",Ax,A1" },
		{ BASE, QUEUE_ATTEMPTS_MAX, BASE ",A1000000" },
		{ BASE, QUEUE_ATTEMPTS_MAX + 1, BASE ",A1000000" },
		{ BASE, 4294967295U, BASE ",A1000000" },
	};
	char		out[SPOOL_NAME_MAX], base[SPOOL_NAME_MAX];
	char		want_base[SPOOL_NAME_MAX];
	unsigned	n;
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(queue_attempt_name(cases[i].name, cases[i].attempts,
		    out) == 0 && strcmp(out, cases[i].want) == 0,
		    "queue_attempt_name(%s, %u) = %s, not %s", cases[i].name,
		    cases[i].attempts, out, cases[i].want);
		/* Round trip: the count read back, the base unchanged. */
		queue_attempts(cases[i].name, want_base);
		n = queue_attempts(out, base);
		CHECK(n == (cases[i].attempts > QUEUE_ATTEMPTS_MAX ?
		    QUEUE_ATTEMPTS_MAX : cases[i].attempts) &&
		    strcmp(base, want_base) == 0, "%s read back as %u, %s", out,
		    n, base);
	}
}

/* Names that just fit, and names that do not: ENAMETOOLONG. */
static void
test_attempt_name_long(void)
{
	char	name[SPOOL_NAME_MAX], out[SPOOL_NAME_MAX];
	size_t	len;

	/* base + ",A1" is SPOOL_NAME_MAX - 1 bytes: fits. */
	len = SPOOL_NAME_MAX - 1 - 3;
	memset(name, 'n', len);
	name[len] = '\0';
	CHECK(queue_attempt_name(name, 1, out) == 0 &&
	    strlen(out) == SPOOL_NAME_MAX - 1, "a name that fits was refused");
	CHECK(queue_attempts(out, NULL) == 1, "%s has no count 1", out);
	/* One more attempt digit, or one more byte of base: too long. */
	errno = 0;
	CHECK(queue_attempt_name(name, 10, out) == -1 &&
	    errno == ENAMETOOLONG, "a name too long by a digit was made");
	name[len] = 'n';
	name[len + 1] = '\0';
	errno = 0;
	CHECK(queue_attempt_name(name, 1, out) == -1 &&
	    errno == ENAMETOOLONG, "a name too long by a byte was made");
	/* The old count does not count against the length. */
	memcpy(name + len, ",A9", 4);
	CHECK(queue_attempt_name(name, 8, out) == 0 &&
	    strlen(out) == SPOOL_NAME_MAX - 1 && queue_attempts(out, NULL) == 8,
	    "a counted name that fits was refused");
}

static void
test_read(struct spool *sp)
{
	const char	*reason = NULL;
	char		*got = NULL, path[PATH_MAX];
	size_t		 len = 99;
	int		 fd;

	put_file("failed", "4.000001.line", line, 0600);
	CHECK(queue_read(sp, SPOOL_FAILED, "4.000001.line", &got, &len,
	    &reason) == QUEUE_OK && len == strlen(line) - 1 &&
	    strncmp(got, line, len) == 0 && got[len] == '\0',
	    "queue_read: %s", reason ? reason : "");
	free(got);
	got = NULL;
	put_file("failed", "4.000002.no-newline", "{}", 0600);
	CHECK(queue_read(sp, SPOOL_FAILED, "4.000002.no-newline", &got, &len,
	    &reason) == QUEUE_OK && len == 2 && strcmp(got, "{}") == 0,
	    "a line without newline");
	free(got);
	got = NULL;
	put_file("failed", "4.000003.empty", "", 0600);
	CHECK(queue_read(sp, SPOOL_FAILED, "4.000003.empty", &got, &len,
	    &reason) == QUEUE_OK && len == 0 && got[0] == '\0', "empty file");
	free(got);
	got = NULL;
	CHECK(queue_read(sp, SPOOL_FAILED, "4.000099.none", &got, &len,
	    &reason) == QUEUE_LOST, "a missing file is not lost");
	REQUIRE(symlink("4.000001.line", at(path, "failed", "4.000004.link"))
	    == 0, "symlink");
	CHECK(queue_read(sp, SPOOL_FAILED, "4.000004.link", &got, &len,
	    &reason) == QUEUE_ERROR, "a link was followed");
	REQUIRE(mkfifo(at(path, "failed", "4.000005.fifo"), 0600) == 0,
	    "mkfifo");
	errno = 0;
	CHECK(queue_read(sp, SPOOL_FAILED, "4.000005.fifo", &got, &len,
	    &reason) == QUEUE_ERROR && errno == EINVAL, "a fifo was read");

	/* queue_read_line reads from the start and leaves the offset. */
	REQUIRE((fd = open(at(path, "failed", "4.000001.line"), O_RDONLY)) !=
	    -1, "open %s", path);
	REQUIRE(lseek(fd, 5, SEEK_SET) == 5, "lseek");
	CHECK(queue_read_line(fd, &got, &len, &reason) == QUEUE_OK &&
	    len == strlen(line) - 1 && lseek(fd, 0, SEEK_CUR) == 5,
	    "queue_read_line from an offset");
	free(got);
	close(fd);
	REQUIRE((fd = open(at(path, "failed", "."), O_RDONLY)) != -1, "open");
	errno = 0;
	CHECK(queue_read_line(fd, &got, &len, &reason) == QUEUE_ERROR &&
	    errno == EINVAL, "a folder was read as a line");
	close(fd);
	REQUIRE(unlink(at(path, "failed", "4.000004.link")) == 0 &&
	    unlink(at(path, "failed", "4.000005.fifo")) == 0, "unlink");
}

static void
test_names(struct spool *sp)
{
	static const char *const want[] = {
		"5.000001.P1Q9.h,A2", "5.000001.P1Q10.h", "40.000000.P1Q0.h",
		"300.000000.P1Q0.h,A1",
	};
	const char	*reason = NULL;
	char		**names = NULL;
	size_t		  n = 99, i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		put_file("cur", want[sizeof(want) / sizeof(want[0]) - 1 - i],
		    line, 0600);
	put_file("cur", ".hidden", line, 0600);
	REQUIRE(queue_names(sp, SPOOL_CUR, &names, &n, &reason) == 0,
	    "queue_names: %s", reason);
	CHECK(n == sizeof(want) / sizeof(want[0]), "%zu names", n);
	for (i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(strcmp(names[i], want[i]) == 0, "name %zu is %s, not %s",
		    i, names[i], want[i]);
	queue_names_free(names, n);
	queue_names_free(NULL, 0);
	REQUIRE(queue_names(sp, SPOOL_TMP, &names, &n, &reason) == 0 &&
	    n == 0, "queue_names of an empty folder");
	queue_names_free(names, n);
}

static void
test_name_parse(void)
{
	static const struct {
		const char	*name;
		const char	*base;
		unsigned	 replays, attempts;
		long long	 time;
	} cases[] = {
		{ BASE, BASE, 0, 0, 1 },
		{ BASE ",A3", BASE, 0, 3 , 1 },
		{ BASE ",R2", BASE, 2, 0, 1 },
		{ BASE ",R2,A7", BASE, 2, 7, 1 },
		{ BASE ",A7,R2", BASE ",A7", 2, 0, 1 },
		{ BASE ",R,A1", BASE ",R", 0, 1, 1 },
		{ BASE ",R1x", BASE ",R1x", 0, 0, 1 },
		{ BASE ",R99999999999", BASE, QUEUE_ATTEMPTS_MAX, 0, 1 },
		{ "x.y,R1", "x.y", 1, 0, -1 },
		{ "1700000000.000001.P1Q1.h,R1,A2", "1700000000.000001.P1Q1.h",
		    1, 2, 1700000000 },
		{ "", "", 0, 0, -1 },
	};
	struct queue_name	qn;
	char			out[SPOOL_NAME_MAX];
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		queue_name_parse(cases[i].name, &qn);
		CHECK(strcmp(qn.qn_base, cases[i].base) == 0 &&
		    qn.qn_replays == cases[i].replays &&
		    qn.qn_attempts == cases[i].attempts &&
		    qn.qn_time == cases[i].time, "%s: base %s, R%u, A%u, %lld",
		    cases[i].name, qn.qn_base, qn.qn_replays, qn.qn_attempts,
		    qn.qn_time);
		queue_history_key(cases[i].name, out);
		CHECK(strcmp(out, cases[i].base) == 0, "%s: key %s",
		    cases[i].name, out);
	}
	CHECK(queue_replay_name(BASE ",R2,A7", 3, out) == 0 &&
	    strcmp(out, BASE ",R3") == 0, "replay name %s", out);
	CHECK(queue_attempt_name(out, 1, out) == 0 &&
	    strcmp(out, BASE ",R3,A1") == 0, "attempt name of a replay %s",
	    out);
}

static void
test_line_head(struct spool *sp)
{
	static const char hand[] = "{\"type\":\"t2\",\"id\":\"h\\u00e9\","
	    "\"event\":{}}\n";
	static const char good[] = "{\"received\":\"a\",\"webhook\":\"w\","
	    "\"id\":\"i\",\"type\":\"t\",";
	static const char nul[] = "{\"received\":\"a\",\"webhook\":\"w\","
	    "\"id\":\"\\u0000\",\"type\":\"t\",";
	static const char bad[] = "{\"received\":\"a\",\"webhook\":\"w\","
	    "\"id\":\"\xff\",\"type\":\"t\",";
	struct queue_head	qh;
	const char		*reason = NULL;
	long			n;

	n = queue_line_head(line, strlen(line), &qh);
	CHECK(n > 0 && strncmp(line + n, "\"event\"", 7) == 0 &&
	    strcmp(qh.qh_received, "2026-11-28T12:24:31.123456Z") == 0 &&
	    strcmp(qh.qh_webhook, "protocol") == 0 &&
	    strcmp(qh.qh_id, "q-1") == 0 && strcmp(qh.qh_type, "t") == 0,
	    "the head of a spool line: %ld", n);
	CHECK(queue_line_head(line, 40, &qh) == -1, "a head cut short");
	CHECK(queue_line_head(good, sizeof(good) - 1, &qh) ==
	    (long)sizeof(good) - 1 && strcmp(qh.qh_id, "i") == 0,
	    "the smallest head");
	CHECK(queue_line_head(nul, sizeof(nul) - 1, &qh) == -1,
	    "an id with a NUL");
	CHECK(queue_line_head(bad, sizeof(bad) - 1, &qh) == -1,
	    "an id that is not UTF-8");
	put_file("new", "7.000001.line", line, 0600);
	CHECK(queue_read_head(sp, SPOOL_NEW, "7.000001.line", &qh, &reason) ==
	    QUEUE_OK && strcmp(qh.qh_id, "q-1") == 0, "queue_read_head");
	put_file("new", "7.000002.hand", hand, 0600);
	CHECK(queue_read_head(sp, SPOOL_NEW, "7.000002.hand", &qh, &reason) ==
	    QUEUE_OK && strcmp(qh.qh_id, "h\xc3\xa9") == 0 &&
	    strcmp(qh.qh_type, "t2") == 0 && qh.qh_webhook[0] == '\0',
	    "a line written by hand: %s", reason ? reason : "");
	put_file("new", "7.000003.bad", "{\"id\":\n", 0600);
	CHECK(queue_read_head(sp, SPOOL_NEW, "7.000003.bad", &qh, &reason) ==
	    QUEUE_ERROR && strcmp(reason, "not an event line") == 0,
	    "not an event line: %s", reason);
	CHECK(queue_read_head(sp, SPOOL_NEW, "7.000004.none", &qh, &reason) ==
	    QUEUE_LOST, "a file that is gone");
}

static void
test_requeue(struct spool *sp)
{
	const char	*reason = NULL;
	char		 path[PATH_MAX], name[SPOOL_NAME_MAX + 8];

	/* An event: back in new/ under its base name, count reset. */
	put_file("failed", "6.000001.twice,A3", line, 0600);
	CHECK(queue_requeue(sp, "6.000001.twice,A3", &reason) == QUEUE_OK,
	    "requeue of an event: %s", reason ? reason : "");
	CHECK(exists("new", "6.000001.twice") &&
	    !exists("failed", "6.000001.twice,A3"), "event not requeued");
	put_file("failed", "6.000002.fresh", line, 0640);
	CHECK(queue_requeue(sp, "6.000002.fresh", &reason) == QUEUE_OK &&
	    exists("new", "6.000002.fresh"), "requeue of a 0640 event");
	CHECK(queue_requeue(sp, "6.000099.none", &reason) == QUEUE_LOST,
	    "requeue of nothing");
	{
		struct history_entry	e;

		put_file("failed", "6.000007.rec,R1,A5", line, 0600);
		history_entry_set(&e, HISTORY_FAILED, 5, "exited 1", 8, "", 0);
		REQUIRE(history_add(sp, "6.000007.rec", &e, 0, &reason) == 0,
		    "history_add: %s", reason);
		CHECK(queue_requeue(sp, "6.000007.rec,R1,A5", &reason) ==
		    QUEUE_OK && exists("new", "6.000007.rec,R1") &&
		    !exists("history", "6.000007.rec"),
		    "requeue keeps the replay count and clears the record");
	}

	/* What a drain would refuse stays in failed/. */
	put_file("failed", "6.000003.target", line, 0600);
	REQUIRE(symlink("6.000003.target", at(path, "failed",
	    "6.000003.link")) == 0, "symlink");
	errno = 0;
	CHECK(queue_requeue(sp, "6.000003.link", &reason) == QUEUE_REFUSED &&
	    errno == EPERM && reason != NULL &&
	    strstr(reason, "symbolic link") != NULL,
	    "requeue of a link: %s", reason ? reason : "");
	CHECK(exists("failed", "6.000003.link") &&
	    !exists("new", "6.000003.link"), "a refused link was requeued");
	REQUIRE(mkfifo(at(path, "failed", "6.000004.fifo"), 0600) == 0,
	    "mkfifo");
	CHECK(queue_requeue(sp, "6.000004.fifo", &reason) == QUEUE_REFUSED &&
	    strstr(reason, "not a regular file") != NULL &&
	    exists("failed", "6.000004.fifo"), "requeue of a fifo");
	put_file("failed", "6.000005.mode", line, 0666);
	CHECK(queue_requeue(sp, "6.000005.mode", &reason) == QUEUE_REFUSED &&
	    strstr(reason, "writable by its group") != NULL &&
	    exists("failed", "6.000005.mode"), "requeue of a 0666 file");
	if (geteuid() == 0) {
		put_file("failed", "6.000006.owner", line, 0600);
		REQUIRE(chown(at(path, "failed", "6.000006.owner"), 65534,
		    65534) == 0, "chown");
		CHECK(queue_requeue(sp, "6.000006.owner", &reason) ==
		    QUEUE_REFUSED && strstr(reason, "not owned") != NULL,
		    "requeue of another user's file");
	}

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	errno = 0;
	CHECK(queue_requeue(sp, name, &reason) == QUEUE_ERROR &&
	    errno == ENAMETOOLONG, "requeue of a name too long");
}

static void
test_purge(struct spool *sp)
{
	const char	*reason = NULL;
	char		 path[PATH_MAX], marker[PATH_MAX];
	unsigned	 removed = 99, kept = 99;

	/* Old, its event gone: removed. */
	put_file("ids", "aa01", "", 0600);
	age("ids", "aa01", 7200);
	/* Old, its event still in new/ (the same file): kept. */
	put_file("new", "7.000001.waiting", line, 0600);
	REQUIRE(link(at(path, "new", "7.000001.waiting"),
	    at(marker, "ids", "aa02")) == 0, "link");
	age("ids", "aa02", 7200);
	/* Recent: neither removed nor counted. */
	put_file("ids", "aa03", "", 0600);
	age("ids", "aa03", 60);
	/*
	 * An event with two markers (its id, and its signed bytes): while it
	 * waits in failed/ both are kept; once done (emptied, its file gone)
	 * the two are linked only to each other, and both are removed.
	 */
	put_file("failed", "8.000001.two", line, 0600);
	REQUIRE(link(at(path, "failed", "8.000001.two"),
	    at(marker, "ids", "ab01")) == 0 && link(path,
	    at(marker, "ids", "ab02")) == 0, "link");
	age("ids", "ab01", 7200);
	put_file("ids", "ac01", "", 0600);
	REQUIRE(link(at(path, "ids", "ac01"), at(marker, "ids", "ac02")) == 0,
	    "link");
	age("ids", "ac01", 7200);
	/* Not a marker: left alone. */
	REQUIRE(mkfifo(at(path, "ids", "aa04"), 0600) == 0, "mkfifo");
	put_file("ids", ".aa05", "", 0600);
	age("ids", ".aa05", 7200);

	CHECK(queue_purge(sp, 3600, &removed, &kept, &reason) == 0,
	    "queue_purge: %s", reason ? reason : "");
	CHECK(removed == 3 && kept == 3, "removed %u, kept %u", removed, kept);
	CHECK(!exists("ids", "aa01") && exists("ids", "aa02") &&
	    exists("ids", "aa03") && exists("ids", "aa04") &&
	    exists("ids", ".aa05"), "the wrong markers were removed");
	CHECK(exists("ids", "ab01") && exists("ids", "ab02"),
	    "the two markers of a failed event were removed");
	CHECK(!exists("ids", "ac01") && !exists("ids", "ac02"),
	    "the two markers of a done event were kept");
	REQUIRE(unlink(at(path, "failed", "8.000001.two")) == 0, "unlink");
	CHECK(queue_purge(sp, 0, NULL, NULL, &reason) == 0,
	    "queue_purge without counts");
	CHECK(!exists("ids", "aa03") && exists("ids", "aa02"),
	    "purge of all ages");
	REQUIRE(unlink(at(path, "ids", "aa04")) == 0, "unlink");
}

static void
test_count(struct spool *sp)
{
	struct queue_counts	 qc;
	const char		*reason = NULL;
	char			 name[SPOOL_NAME_MAX], path[PATH_MAX];
	long long		 now = time(NULL);
	size_t			 i;

	/* An empty spool. */
	memset(&qc, 0xff, sizeof(qc));
	REQUIRE(queue_count(sp, &qc, &reason) == 0, "queue_count: %s",
	    reason ? reason : "");
	CHECK(qc.qc_new == 0 && qc.qc_cur == 0 && qc.qc_oldest_new_age == 0,
	    "empty spool: %zu new, %zu cur, age %lld", qc.qc_new, qc.qc_cur,
	    qc.qc_oldest_new_age);
	CHECK(qc.qc_failed == 0 && qc.qc_tmp == 0, "%zu failed, %zu tmp",
	    qc.qc_failed, qc.qc_tmp);

	/* The oldest arrival, by the time in the names. */
	for (i = 0; i < 3; i++) {
		unit_fmt(name, sizeof(name), "%010lld.000000.P1Q%zu.h,A%zu",
		    now - 100 * (long long)(i + 1), i, i);
		put_file("new", name, line, 0600);
	}
	put_file("new", ".hidden", line, 0600);
	put_file("cur", "8.000001.P1Q0.h", line, 0600);
	put_file("failed", "8.000002.P1Q0.h", line, 0600);
	put_file("failed", "8.000003.P1Q0.h", line, 0600);
	put_file("tmp", "8.000004.P1Q0.h", line, 0600);
	REQUIRE(queue_count(sp, &qc, &reason) == 0, "queue_count");
	CHECK(qc.qc_new == 3 && qc.qc_cur == 1 && qc.qc_failed == 2 &&
	    qc.qc_tmp == 1, "%zu new, %zu cur, %zu failed, %zu tmp",
	    qc.qc_new, qc.qc_cur, qc.qc_failed, qc.qc_tmp);
	CHECK(qc.qc_oldest_new_age >= 300 && qc.qc_oldest_new_age <= 302,
	    "oldest waiting %llds, not 300", qc.qc_oldest_new_age);

	/* A name without a time: its modification time instead. */
	put_file("new", "no-time", line, 0600);
	age("new", "no-time", 1000);
	REQUIRE(queue_count(sp, &qc, &reason) == 0, "queue_count");
	CHECK(qc.qc_new == 4 && qc.qc_oldest_new_age >= 1000 &&
	    qc.qc_oldest_new_age <= 1002, "%zu new, oldest %llds", qc.qc_new,
	    qc.qc_oldest_new_age);
	REQUIRE(unlink(at(path, "new", "no-time")) == 0, "unlink");
}

/* Empty folder f, leaving dot files. */
static void
empty(struct spool *sp, enum spool_folder f)
{
	const char	 *reason = NULL;
	char		**names, path[PATH_MAX];
	size_t		  n, i;

	REQUIRE(queue_names(sp, f, &names, &n, &reason) == 0, "queue_names");
	for (i = 0; i < n; i++)
		REQUIRE(unlink(at(path, spool_folder_names[f], names[i])) == 0,
		    "unlink %s", path);
	queue_names_free(names, n);
}

int
main(void)
{
	struct spool	*sp = NULL;
	const char	*reason = NULL;
	char		 dir[PATH_MAX];
	int		 f;

	umask(022);
	test_attempts();
	test_attempts_long();
	test_name_cmp();
	test_name_sort();
	test_attempt_name();
	test_attempt_name_long();
	test_name_parse();

	unit_tmpdir(tmp, sizeof(tmp));
	REQUIRE(spool_open(unit_fmt(dir, sizeof(dir), "%s/spool", tmp), 1, 0,
	    &sp, &reason) == 0, "spool_open: %s", reason);
	test_read(sp);
	test_names(sp);
	test_line_head(sp);
	test_requeue(sp);
	test_purge(sp);
	for (f = 0; f < SPOOL_FOLDERS; f++)
		empty(sp, f);
	test_count(sp);
	spool_close(sp);
	unit_rmtree(tmp);
	return unit_done("test_queue");
}
