/*
 * test_census.c: what hookspool status reads of an event file's head
 * (census_head): the webhook and the decoded type of a line hookspool
 * wrote, and nothing of one it did not; census_take() over a spool.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "census.h"
#include "spool.h"
#include "unit.h"

#define R	"{\"received\":\"2026-11-28T12:24:31.123456Z\","

/* head LINE WEBHOOK TYPE: census_head reads them (NULL: refuses). */
static void
head(const char *line, const char *webhook, const char *type)
{
	char	*w = NULL, *t = NULL;
	int	 rc;

	rc = census_head(line, strlen(line), &w, &t);
	if (webhook == NULL) {
		CHECK(rc == -1 && w == NULL && t == NULL, "taken: %s", line);
		return;
	}
	CHECK(rc == 0, "refused: %s", line);
	if (rc == 0)
		CHECK(strcmp(w, webhook) == 0 && strcmp(t, type) == 0,
		    "%s: read %s, %s", line, w, t);
	free(w);
	free(t);
}

static void
test_heads(void)
{
	head(R "\"webhook\":\"protocol\",\"id\":\"a1\",\"type\":\"c.u\","
	    "\"event\":{}}", "protocol", "c.u");
	/* only the head is needed: a line cut after "event": */
	head(R "\"webhook\":\"w-1.x_y\",\"id\":\"a1\",\"type\":\"t\",\"event\":",
	    "w-1.x_y", "t");
	/* escapes decoded: a quote, a backslash, U+00E9, a pair */
	head(R "\"webhook\":\"w\",\"id\":\"a\\\"1\",\"type\":\"q\\\"b\\\\"
	    "\\u00e9\\ud83d\\ude00\",\"event\":{}}", "w",
	    "q\"b\\\xc3\xa9\xf0\x9f\x98\x80");
	/* not hookspool's */
	head("not an event", NULL, NULL);
	head("", NULL, NULL);
	head(R "\"webhook\":\"w\",\"id\":\"a1\",\"type\":\"t\"}", NULL, NULL);
	head(R "\"webhook\":\"w/x\",\"id\":\"a1\",\"type\":\"t\",\"event\":{}}",
	    NULL, NULL);
	head(R "\"webhook\":\"\",\"id\":\"a1\",\"type\":\"t\",\"event\":{}}",
	    NULL, NULL);
	head(R "\"webhook\":\"w\",\"id\":\"\",\"type\":\"t\",\"event\":{}}",
	    NULL, NULL);
	head(R "\"webhook\":\"w\",\"id\":\"a\",\"type\":\"\",\"event\":{}}",
	    NULL, NULL);
	head(R "\"webhook\":\"w\",\"id\":\"a\",\"type\":\"a\\u0001\",\"event\":{}}",
	    NULL, NULL);
	head(R "\"webhook\":\"w\",\"id\":\"a\",\"type\":\"a\\ud800\",\"event\":{}}",
	    NULL, NULL);
	head(R "\"webhook\":\"w\",\"id\":\"a\",\"type\":\"a\\x\",\"event\":{}}",
	    NULL, NULL);
	head(R "\"webhook\":\"w\",\"id\":\"a\",\"type\":\"a\xc3\",\"event\":{}}",
	    NULL, NULL);
	head(R "\"webhook\":\"w\",\"id\":\"a\",\"type\":\"a\tb\",\"event\":{}}",
	    NULL, NULL);
	head(R "\"webhook\":\"w\",\"id\":\"a\",\"type\":\"ab", NULL, NULL);
	head("{\"received\":\"x\",\"id\":\"a\",\"webhook\":\"w\",\"type\":\"t\","
	    "\"event\":{}}", NULL, NULL);
}

static void
put(struct spool *sp, enum spool_folder f, const char *name, const char *s)
{
	int	fd;

	REQUIRE((fd = openat(sp->sp_fd[f], name, O_WRONLY | O_CREAT, 0600)) !=
	    -1, "create %s", name);
	REQUIRE(write(fd, s, strlen(s)) == (ssize_t)strlen(s) && close(fd) == 0,
	    "write %s", name);
}

static void
test_take(void)
{
	struct census	 ce;
	struct spool	*sp;
	const char	*reason;
	char		 tmp[4096], dir[4200], name[64];
	size_t		 i;

	unit_tmpdir(tmp, sizeof(tmp));
	unit_fmt(dir, sizeof(dir), "%s/spool", tmp);
	REQUIRE(spool_open(dir, 0, 0, &sp, &reason) == 0, "spool: %s", reason);
	put(sp, SPOOL_NEW, "1.1", R "\"webhook\":\"a\",\"id\":\"1\",\"type\":"
	    "\"x\",\"event\":{}}\n");
	put(sp, SPOOL_NEW, "1.2", R "\"webhook\":\"a\",\"id\":\"2\",\"type\":"
	    "\"x\",\"event\":{}}\n");
	put(sp, SPOOL_CUR, "1.3", R "\"webhook\":\"a\",\"id\":\"3\",\"type\":"
	    "\"y\",\"event\":{}}\n");
	put(sp, SPOOL_FAILED, "1.4,A5", "garbage\n");
	REQUIRE(symlinkat("/etc/passwd", sp->sp_fd[SPOOL_NEW], "1.5") == 0,
	    "symlink");
	REQUIRE(census_take(sp, &ce, &reason) == 0, "census: %s", reason);
	CHECK(ce.ce_counts.qc_new == 3 && ce.ce_counts.qc_cur == 1 &&
	    ce.ce_counts.qc_failed == 1, "folders");
	REQUIRE(ce.ce_ntally == 3, "%zu tallies", ce.ce_ntally);
	/* sorted: "(unknown)" before "a" */
	CHECK(strcmp(ce.ce_tally[0].ct_webhook, CENSUS_UNKNOWN) == 0 &&
	    ce.ce_tally[0].ct_n[CENSUS_NEW] == 1 &&
	    ce.ce_tally[0].ct_n[CENSUS_FAILED] == 1,
	    "a link and a line not hookspool's are unknown");
	CHECK(strcmp(ce.ce_tally[1].ct_type, "x") == 0 &&
	    ce.ce_tally[1].ct_n[CENSUS_NEW] == 2, "a, x");
	CHECK(strcmp(ce.ce_tally[2].ct_type, "y") == 0 &&
	    ce.ce_tally[2].ct_n[CENSUS_CUR] == 1, "a, y");
	census_free(&ce);

	/* past CENSUS_TALLY_MAX types, the rest are (other) */
	for (i = 0; i < CENSUS_TALLY_MAX + 5; i++) {
		char	line[256];

		unit_fmt(name, sizeof(name), "2.%zu", i);
		unit_fmt(line, sizeof(line), R "\"webhook\":\"b\",\"id\":\"%zu\","
		    "\"type\":\"t%zu\",\"event\":{}}\n", i, i);
		put(sp, SPOOL_NEW, name, line);
	}
	REQUIRE(census_take(sp, &ce, &reason) == 0, "census: %s", reason);
	CHECK(ce.ce_ntally <= CENSUS_TALLY_MAX + 3, "%zu tallies kept",
	    ce.ce_ntally);
	for (i = 0; i < ce.ce_ntally; i++)
		if (strcmp(ce.ce_tally[i].ct_type, CENSUS_OTHER) == 0)
			break;
	CHECK(i < ce.ce_ntally, "no (other) type");
	census_free(&ce);
	spool_close(sp);
	unit_rmtree(tmp);
}

int
main(void)
{
	test_heads();
	test_take();
	return unit_done("test_census");
}
