/*
 * counters.c: the responder's answers per webhook, counted in
 * SPOOL/counters (counters.h says how the file is laid out and why it
 * stays whole whatever happens to a process that adds to it).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "counters.h"

/* Where a row's fields are (counters.h). */
#define ROW_KEY		0
#define ROW_NAMELEN	8
#define ROW_NAME	16
#define ROW_COUNTS	(16 + COUNTERS_NAME_MAX)
/* The overflow row: the last; the others are the open-addressing table. */
#define ROW_OTHER	(COUNTERS_ROWS - 1)
/* Longer names are refused as unreadable rather than trusted. */
#define NAMELEN_MAX	4096

_Static_assert(COUNTERS_ANSWERS <= COUNTERS_SLOTS, "a slot per answer");
_Static_assert(COUNTERS_ROW % 8 == 0 && COUNTERS_HEAD % 8 == 0,
    "counts are 8-byte aligned");

const char *const counters_answer_names[COUNTERS_ANSWERS] = {
	[COUNTERS_ACCEPTED] = "accepted",
	[COUNTERS_DUPLICATE] = "duplicate",
	[COUNTERS_IGNORED] = "ignored",
	[COUNTERS_HANDSHAKE] = "handshake",
	[COUNTERS_400] = "400",
	[COUNTERS_401] = "401",
	[COUNTERS_404] = "404",
	[COUNTERS_405] = "405",
	[COUNTERS_408] = "408",
	[COUNTERS_411] = "411",
	[COUNTERS_413] = "413",
	[COUNTERS_500] = "500",
	[COUNTERS_503] = "503",
};

/* The header's numbers after the magic, as 32-bit words. */
static const uint32_t layout[] = {
	COUNTERS_VERSION, COUNTERS_ROWS, COUNTERS_SLOTS, COUNTERS_ROW,
	COUNTERS_NAME_MAX
};

uint64_t
counters_key(const char *name, size_t len)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 0x100000001b3ULL;
	}
	return h != 0 ? h : 1;
}

static unsigned char *
row_at(const void *map, size_t i)
{
	return (unsigned char *)map + COUNTERS_HEAD + i * COUNTERS_ROW;
}

static uint64_t *
word_at(unsigned char *row, size_t off)
{
	return (uint64_t *)(void *)(row + off);
}

void
counters_init(void *buf)
{
	memset(buf, 0, COUNTERS_SIZE);
	memcpy(buf, COUNTERS_MAGIC, 8);
	memcpy((unsigned char *)buf + 8, layout, sizeof(layout));
}

/* Whether the first bytes of map are this version's header. */
static int
head_ok(const void *map)
{
	return memcmp(map, COUNTERS_MAGIC, 8) == 0 &&
	    memcmp((const unsigned char *)map + 8, layout, sizeof(layout)) == 0;
}

/*
 * Whether row (whose key is name's) is name's: its name is name, or not
 * written yet, in which case it is written now (by whoever comes first;
 * those who come together write the same bytes).
 */
static int
row_is(unsigned char *row, const char *name, size_t len)
{
	uint64_t	have;
	size_t		i, n = len < COUNTERS_NAME_MAX ? len : COUNTERS_NAME_MAX;

	have = __atomic_load_n(word_at(row, ROW_NAMELEN), __ATOMIC_ACQUIRE);
	if (have == 0) {
		for (i = 0; i < n; i++)
			__atomic_store_n(row + ROW_NAME + i, (unsigned char)name[i],
			    __ATOMIC_RELAXED);
		__atomic_store_n(word_at(row, ROW_NAMELEN), (uint64_t)len,
		    __ATOMIC_RELEASE);
		return 1;
	}
	if (have != len)
		return 0;
	for (i = 0; i < n; i++)
		if (__atomic_load_n(row + ROW_NAME + i, __ATOMIC_RELAXED) !=
		    (unsigned char)name[i])
			return 0;
	return 1;
}

/* name's row in map, taken now if it has none; the overflow row if full. */
static unsigned char *
find_row(void *map, const char *name)
{
	unsigned char	*row;
	uint64_t	 key, k, want;
	size_t		 len = strlen(name), probe;

	key = counters_key(name, len);
	for (probe = 0; probe < ROW_OTHER; probe++) {
		row = row_at(map, (size_t)((key + probe) % ROW_OTHER));
		k = __atomic_load_n(word_at(row, ROW_KEY), __ATOMIC_ACQUIRE);
		if (k == 0) {
			want = 0;
			if (__atomic_compare_exchange_n(word_at(row, ROW_KEY),
			    &want, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				k = key;
			else
				k = want;
		}
		if (k == key && row_is(row, name, len))
			return row;
	}
	return row_at(map, ROW_OTHER);
}

void
counters_add_at(void *buf, const char *webhook, enum counters_answer a)
{
	unsigned char	*row;

	if ((unsigned)a >= COUNTERS_ANSWERS)
		return;
	row = find_row(buf, webhook);
	(void)__atomic_fetch_add(word_at(row, ROW_COUNTS + 8 * (size_t)a), 1,
	    __ATOMIC_RELAXED);
}

void
counters_add(struct counters *c, const char *webhook, enum counters_answer a)
{
	counters_add_at(c->ct_map, webhook, a);
}

/*
 * Open sp's counters file (flags: O_RDONLY or O_RDWR) and check it as
 * counters.h says. Returns the descriptor with *st filled, or -1 with
 * *reason (errno ENOENT: there is none; EPERM: refused).
 */
static int
open_checked(const struct spool *sp, int flags, struct stat *st,
    const char **reason)
{
	const char	*why;
	int		 fd, saved;

	fd = openat(sp->sp_dirfd, COUNTERS_FILE,
	    flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ELOOP) {
			errno = EPERM;
			*reason = "the counters file is a symbolic link: refused";
		} else if (errno == EISDIR) {
			errno = EPERM;
			*reason = "the counters file is not a regular file: "
			    "refused";
		} else
			*reason = "unable to open the counters file";
		return -1;
	}
	if (fstat(fd, st) == -1) {
		*reason = "unable to examine the counters file";
		goto fail;
	}
	if ((why = spool_file_refusal(sp, st)) != NULL) {
		*reason = strcmp(why, "not a regular file") == 0 ?
		    "the counters file is not a regular file: refused" :
		    strcmp(why, "not owned by the spool's owner") == 0 ?
		    "the counters file is not owned by the spool's owner: "
		    "refused" : "the counters file is writable by its group "
		    "or others: refused";
		errno = EPERM;
		goto fail;
	}
	if (st->st_size != COUNTERS_SIZE) {
		*reason = "the counters file has the wrong size for one: "
		    "refused";
		errno = EPERM;
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	(void)close(fd);	/* nothing was written through it */
	errno = saved;
	return -1;
}

/*
 * Make sp's counters file: complete under a name of its own, then linked
 * into place (EEXIST there: another process made it first, which is as
 * good), and that name removed. Returns 0, or -1 with *reason.
 */
static int
create_file(const struct spool *sp, const char **reason)
{
	struct timespec	 ts;
	mode_t		 mode = sp->sp_group_readable ? 0640 : 0600;
	char		 tmp[64];
	void		*image;
	ssize_t		 n = -1;
	int		 fd, saved, rc = -1;

	if ((image = aligned_alloc(8, COUNTERS_SIZE)) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	counters_init(image);
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		ts.tv_nsec = 0;
	snprintf(tmp, sizeof(tmp), ".%s.%ld.%ld", COUNTERS_FILE,
	    (long)getpid(), (long)ts.tv_nsec);
	fd = openat(sp->sp_dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	if (fd == -1) {
		free(image);
		*reason = "unable to create the counters file";
		return -1;
	}
	if (fchmod(fd, mode) == 0 &&
	    (n = pwrite(fd, image, COUNTERS_SIZE, 0)) >= 0 &&
	    n != COUNTERS_SIZE)
		errno = EIO;	/* short: a full disk */
	saved = errno;
	free(image);
	if (close(fd) == -1 || n != COUNTERS_SIZE) {
		if (n != COUNTERS_SIZE)
			errno = saved;
		*reason = "unable to write the counters file";
	} else if (linkat(sp->sp_dirfd, tmp, sp->sp_dirfd, COUNTERS_FILE,
	    0) == -1 && errno != EEXIST)
		*reason = "unable to put the counters file in place";
	else
		rc = 0;
	saved = errno;
	/*
	 * Its own name goes, whatever happened. One left behind (a kill
	 * before this line, or this failing) is a file nothing reads:
	 * hookspool.fcgi(8) says so; the counters work all the same.
	 */
	(void)unlinkat(sp->sp_dirfd, tmp, 0);
	errno = saved;
	return rc;
}

int
counters_open(const struct spool *sp, struct counters **out,
    const char **reason)
{
	struct counters	*c;
	struct stat	 st;
	void		*map;
	int		 fd, saved;

	*out = NULL;
	fd = open_checked(sp, O_RDWR, &st, reason);
	if (fd == -1 && errno == ENOENT) {
		if (create_file(sp, reason) == -1)
			return -1;
		fd = open_checked(sp, O_RDWR, &st, reason);
	}
	if (fd == -1)
		return -1;
	map = mmap(NULL, COUNTERS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	saved = errno;
	if (close(fd) == -1 && map != MAP_FAILED) {
		saved = errno;
		(void)munmap(map, COUNTERS_SIZE);
		map = MAP_FAILED;
	}
	if (map == MAP_FAILED) {
		errno = saved;
		*reason = "unable to map the counters file";
		return -1;
	}
	if (!head_ok(map) || (c = calloc(1, sizeof(*c))) == NULL) {
		*reason = head_ok(map) ? "out of memory" : "the counters file "
		    "is not one of this version: refused";
		saved = head_ok(map) ? ENOMEM : EPERM;
		(void)munmap(map, COUNTERS_SIZE);
		errno = saved;
		return -1;
	}
	c->ct_map = map;
	c->ct_dev = st.st_dev;
	c->ct_ino = st.st_ino;
	c->ct_checked = time(NULL);
	*out = c;
	return 0;
}

int
counters_stale(struct counters *c, const struct spool *sp)
{
	struct stat	st;
	time_t		now = time(NULL);

	if (now == c->ct_checked)
		return 0;
	c->ct_checked = now;
	if (fstatat(sp->sp_dirfd, COUNTERS_FILE, &st,
	    AT_SYMLINK_NOFOLLOW) == -1)
		return 1;
	return st.st_dev != c->ct_dev || st.st_ino != c->ct_ino;
}

void
counters_close(struct counters *c)
{
	if (c == NULL)
		return;
	(void)munmap(c->ct_map, COUNTERS_SIZE);	/* nothing to flush */
	free(c);
}

/* Whether s[0..n) may be shown as a webhook's name. */
static int
name_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == strlen(COUNTERS_NO_WEBHOOK) &&
	    memcmp(s, COUNTERS_NO_WEBHOOK, n) == 0)
		return 1;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) == NULL)
			return 0;
	return 1;
}

/* Row i of map into r; returns whether it is in use. */
static int
read_row(const void *map, size_t i, struct counters_row *r)
{
	unsigned char	*row = row_at(map, i);
	uint64_t	 len, any = 0;
	size_t		 k, n;

	memset(r, 0, sizeof(*r));
	for (k = 0; k < COUNTERS_ANSWERS; k++) {
		r->cr_count[k] = __atomic_load_n(word_at(row,
		    ROW_COUNTS + 8 * k), __ATOMIC_RELAXED);
		any |= r->cr_count[k];
	}
	if (i == ROW_OTHER) {
		r->cr_other = 1;
		return any != 0;
	}
	/* A free row that counted (never, unless scribbled on) is shown. */
	if ((r->cr_key = __atomic_load_n(word_at(row, ROW_KEY),
	    __ATOMIC_ACQUIRE)) == 0)
		return any != 0;
	len = __atomic_load_n(word_at(row, ROW_NAMELEN), __ATOMIC_ACQUIRE);
	if (len == 0 || len > NAMELEN_MAX)
		return 1;
	n = len < COUNTERS_NAME_MAX ? (size_t)len : COUNTERS_NAME_MAX;
	for (k = 0; k < n; k++)
		r->cr_name[k] = (char)__atomic_load_n(row + ROW_NAME + k,
		    __ATOMIC_RELAXED);
	r->cr_name[n] = '\0';
	r->cr_cut = len > COUNTERS_NAME_MAX;
	if (!name_ok(r->cr_name, n)) {
		r->cr_name[0] = '\0';
		r->cr_cut = 0;
	}
	return 1;
}

int
counters_parse(const void *buf, size_t len, struct counters_snapshot *snap,
    const char **reason)
{
	size_t	i;

	snap->cs_nrows = 0;
	if (len != COUNTERS_SIZE || ((uintptr_t)buf & 7) != 0) {
		*reason = "not a counters file: wrong size";
		return -1;
	}
	if (!head_ok(buf)) {
		*reason = "not a counters file of this version";
		return -1;
	}
	for (i = 0; i < COUNTERS_ROWS; i++)
		if (read_row(buf, i, &snap->cs_rows[snap->cs_nrows]))
			snap->cs_nrows++;
	return 0;
}

int
counters_read(const struct spool *sp, struct counters_snapshot *snap,
    const char **reason)
{
	struct stat	 st;
	void		*map;
	int		 fd, rc, saved;

	snap->cs_nrows = 0;
	if ((fd = open_checked(sp, O_RDONLY, &st, reason)) == -1)
		return errno == ENOENT ? 0 : -1;
	map = mmap(NULL, COUNTERS_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	saved = errno;
	(void)close(fd);	/* read-only: nothing to lose */
	if (map == MAP_FAILED) {
		errno = saved;
		*reason = "unable to map the counters file";
		return -1;
	}
	rc = counters_parse(map, COUNTERS_SIZE, snap, reason) == 0 ? 1 : -1;
	if (rc == -1) {
		errno = EPERM;
		*reason = "the counters file is not one of this version: "
		    "refused";
	}
	saved = errno;
	(void)munmap(map, COUNTERS_SIZE);
	errno = saved;
	return rc;
}

const char *
counters_label(const struct counters_row *r, const char *const *names,
    size_t n)
{
	size_t	i, len;

	if (r->cr_other)
		return COUNTERS_LABEL_OTHER;
	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (counters_key(names[i], len) != r->cr_key)
			continue;
		if (r->cr_name[0] == '\0' || strncmp(names[i], r->cr_name,
		    COUNTERS_NAME_MAX) == 0)
			return names[i];
	}
	if (r->cr_name[0] != '\0')
		return r->cr_name;
	return COUNTERS_LABEL_UNKNOWN;
}
