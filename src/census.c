/*
 * census.c: the events of a spool by webhook and type, for hookspool
 * status (census.h). Reads only the head of each event file, never
 * locks, never claims.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "census.h"
#include "json.h"

const char *const census_state_names[CENSUS_STATES] = {
	"new", "cur", "failed"
};

/* The folder of each state. */
static const enum spool_folder state_folders[CENSUS_STATES] = {
	SPOOL_NEW, SPOOL_CUR, SPOOL_FAILED
};

/*
 * Skip the literal lit at *p in [*p, end): 0, or -1 when it is not there.
 */
static int
expect(const char **p, const char *end, const char *lit)
{
	size_t	n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return -1;
	*p += n;
	return 0;
}

/*
 * The raw JSON string whose opening quote is behind *p: its escapes are
 * RFC 8259's and it has no raw control byte. Sets *raw and *rawlen and
 * moves *p past the closing quote. Returns 0, or -1.
 */
static int
raw_string(const char **p, const char *end, const char **raw, size_t *rawlen)
{
	static const char	simple[] = "\"\\/bfnrt";
	const char		*s = *p;
	int			 i;

	for (; s < end && *s != '"'; s++) {
		if ((unsigned char)*s < 0x20)
			return -1;
		if (*s != '\\')
			continue;
		if (++s >= end)
			return -1;
		if (*s == 'u') {
			for (i = 0; i < 4; i++)
				if (++s >= end || strchr("0123456789abcdefABCDEF",
				    *s) == NULL || *s == '\0')
					return -1;
		} else if (*s == '\0' || strchr(simple, *s) == NULL)
			return -1;
	}
	if (s >= end)
		return -1;
	*raw = *p;
	*rawlen = (size_t)(s - *p);
	*p = s + 1;
	return 0;
}

/* The decoded type raw[0..len), if it is one an event may have. */
static char *
decode_type(const char *raw, size_t len)
{
	const unsigned char	*u;
	char			*out;
	size_t			 n, i, k;
	int			 lone;

	n = json_string_decode(raw, len, NULL, 0, &lone);
	if (lone || n == 0 || n > CENSUS_HEAD_MAX || (out = malloc(n + 1)) ==
	    NULL)
		return NULL;
	(void)json_string_decode(raw, len, out, n, &lone);
	out[n] = '\0';
	u = (const unsigned char *)out;
	for (i = 0; i < n; i += k) {
		k = 1;
		if (u[i] < 0x20 || u[i] == 0x7f ||
		    (u[i] >= 0x80 && (k = json_utf8_len(u + i, n - i)) == 0)) {
			free(out);
			return NULL;
		}
	}
	return out;
}

int
census_head(const char *buf, size_t len, char **webhook, char **type)
{
	const char	*p = buf, *end = buf + len, *raw, *w;
	size_t		 rawlen, wlen;

	*webhook = *type = NULL;
	if (expect(&p, end, "{\"received\":\"") == -1 ||
	    raw_string(&p, end, &raw, &rawlen) == -1 || rawlen == 0 ||
	    expect(&p, end, ",\"webhook\":\"") == -1)
		return -1;
	for (w = p; p < end && *p != '"'; p++)
		if ((*p < 'a' || *p > 'z') && (*p < 'A' || *p > 'Z') &&
		    (*p < '0' || *p > '9') && strchr("._-", *p) == NULL)
			return -1;
	wlen = (size_t)(p - w);
	if (p >= end || wlen == 0 || expect(&p, end, "\",\"id\":\"") == -1 ||
	    raw_string(&p, end, &raw, &rawlen) == -1 || rawlen == 0 ||
	    expect(&p, end, ",\"type\":\"") == -1 ||
	    raw_string(&p, end, &raw, &rawlen) == -1 ||
	    expect(&p, end, ",\"event\":") == -1)
		return -1;
	if ((*type = decode_type(raw, rawlen)) == NULL)
		return -1;
	if ((*webhook = strndup(w, wlen)) == NULL) {
		free(*type);
		*type = NULL;
		return -1;
	}
	return 0;
}

static int
tally_cmp(const char *w1, const char *t1, const struct census_tally *b)
{
	int	c;

	if ((c = strcmp(w1, b->ct_webhook)) != 0)
		return c;
	return strcmp(t1, b->ct_type);
}

/*
 * One more event of webhook and type in state st. Past CENSUS_TALLY_MAX
 * pairs, a new type counts as CENSUS_OTHER. Returns 0, or -1 out of
 * memory.
 */
static int
tally(struct census *ce, const char *webhook, const char *type,
    enum census_state st)
{
	struct census_tally	*v;
	size_t			 lo = 0, hi = ce->ce_ntally, mid;
	int			 c;

	if (ce->ce_ntally >= CENSUS_TALLY_MAX)
		type = CENSUS_OTHER;	/* found if there, made once if not */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = tally_cmp(webhook, type, &ce->ce_tally[mid])) == 0) {
			ce->ce_tally[mid].ct_n[st]++;
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if ((v = reallocarray(ce->ce_tally, ce->ce_ntally + 1,
	    sizeof(*v))) == NULL)
		return -1;
	ce->ce_tally = v;
	memmove(v + lo + 1, v + lo, (ce->ce_ntally - lo) * sizeof(*v));
	memset(&v[lo], 0, sizeof(v[lo]));
	ce->ce_ntally++;
	if ((v[lo].ct_webhook = strdup(webhook)) == NULL ||
	    (v[lo].ct_type = strdup(type)) == NULL)
		return -1;	/* census_free() frees the half-made one */
	v[lo].ct_n[st] = 1;
	return 0;
}

/* The head of file name in folder fd into buf: its length, or -1 (gone). */
static ssize_t
read_head(int dirfd, const char *name, char *buf)
{
	struct stat	st;
	ssize_t		n;
	int		fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? -1 : 0;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		n = 0;
	else {
		do
			n = pread(fd, buf, CENSUS_HEAD_MAX, 0);
		while (n == -1 && errno == EINTR);
		if (n < 0)
			n = 0;	/* unreadable: an unknown event */
	}
	(void)close(fd);	/* read-only */
	return n;
}

/* The events of folder state st into ce. */
static int
census_folder(struct spool *sp, struct census *ce, enum census_state st,
    char *buf, const char **reason)
{
	struct dirent	*de;
	DIR		*d;
	char		*webhook, *type;
	ssize_t		 n;
	int		 rc = 0, known;

	if ((d = spool_opendir(sp, state_folders[st])) == NULL) {
		*reason = "unable to read a spool folder";
		return -1;
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((n = read_head(sp->sp_fd[state_folders[st]], de->d_name,
		    buf)) == -1)
			continue;	/* moved on meanwhile */
		known = census_head(buf, (size_t)n, &webhook, &type) == 0;
		if (tally(ce, known ? webhook : CENSUS_UNKNOWN, known ? type :
		    CENSUS_UNKNOWN, st) == -1) {
			*reason = "out of memory";
			rc = -1;
		}
		if (known) {
			free(webhook);
			free(type);
		}
	}
	if (rc == 0 && errno != 0) {
		*reason = "unable to read a spool folder";
		rc = -1;
	}
	closedir(d);
	return rc;
}

int
census_take(struct spool *sp, struct census *ce, const char **reason)
{
	char	*buf;
	int	 st;

	memset(ce, 0, sizeof(*ce));
	if (queue_count(sp, &ce->ce_counts, reason) == -1)
		return -1;
	if ((buf = malloc(CENSUS_HEAD_MAX)) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	for (st = 0; st < CENSUS_STATES; st++)
		if (census_folder(sp, ce, st, buf, reason) == -1) {
			free(buf);
			return -1;
		}
	free(buf);
	return 0;
}

void
census_free(struct census *ce)
{
	size_t	i;

	for (i = 0; i < ce->ce_ntally; i++) {
		free(ce->ce_tally[i].ct_webhook);
		free(ce->ce_tally[i].ct_type);
	}
	free(ce->ce_tally);
	memset(ce, 0, sizeof(*ce));
}
