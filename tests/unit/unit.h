/*
 * unit.h: the few helpers the unit tests share. CHECK() counts a failure
 * and says where it happened; unit_done() prints the tally and gives
 * main()'s exit status (1 on any failure).
 */
#ifndef HOOKSPOOL_UNIT_H
#define HOOKSPOOL_UNIT_H

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int unit_checks, unit_failures;

#define CHECK(cond, ...) do {						\
	unit_checks++;							\
	if (!(cond)) {							\
		unit_failures++;					\
		fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* A step the test cannot go on without: report and stop. */
#define REQUIRE(cond, ...) do {						\
	int unit_ok_ = (cond) != 0;					\
	CHECK(unit_ok_, __VA_ARGS__);					\
	if (!unit_ok_)							\
		exit(1);						\
} while (0)

static inline int
unit_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, unit_checks,
	    unit_failures);
	return unit_failures == 0 && unit_checks > 0 ? 0 : 1;
}

/* snprintf that must not truncate; returns buf. */
static inline char *
unit_fmt(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline char *
unit_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	REQUIRE(n >= 0 && (size_t)n < len, "unit_fmt: %s truncated", fmt);
	return buf;
}

/* The path of tests/data/NAME under $top_srcdir (default "."), in buf. */
static inline const char *
unit_data(const char *name, char *buf, size_t len)
{
	const char	*top = getenv("top_srcdir");
	int		 n;

	if (top == NULL || *top == '\0')
		top = ".";
	n = snprintf(buf, len, "%s/tests/data/%s", top, name);
	REQUIRE(n > 0 && (size_t)n < len, "data path too long: %s", name);
	return buf;
}

/* A new scratch folder under $TMPDIR or /tmp, its path in buf. */
static inline const char *
unit_tmpdir(char *buf, size_t len)
{
	const char	*tmp = getenv("TMPDIR");
	int		 n;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	n = snprintf(buf, len, "%s/hookspool-unit.XXXXXX", tmp);
	REQUIRE(n > 0 && (size_t)n < len, "TMPDIR too long");
	REQUIRE(mkdtemp(buf) != NULL, "mkdtemp %s failed", buf);
	return buf;
}

static inline int
unit_rm_one(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	return remove(path);
}

/* Remove the scratch folder dir and all it holds. */
static inline void
unit_rmtree(const char *dir)
{
	CHECK(nftw(dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0,
	    "unable to remove %s", dir);
}

#endif
