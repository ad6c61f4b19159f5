/*
 * inspect.c: an event as list and show see it (inspect.h), read without
 * a lock or a claim, and text made safe to print.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inspect.h"
#include "json.h"

/* Whether a drain holds the claim on cur/name: 1, 0, or -1 unknown. */
static int
claimed(struct spool *sp, const char *name)
{
	int	fd, held;

	fd = openat(sp->sp_fd[SPOOL_CUR], name,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return -1;
	held = spool_lock_held(fd, SPOOL_LOCK_CLAIM);
	(void)close(fd);
	return held;
}

enum queue_result
inspect_event(struct spool *sp, enum spool_folder f, const char *name,
    int history, struct inspect_event *ie, const char **reason)
{
	const char	*why = NULL;

	memset(ie, 0, sizeof(*ie));
	ie->ie_claimed = -1;
	if (strlen(name) >= SPOOL_NAME_MAX) {
		errno = ENAMETOOLONG;
		*reason = "event name too long";
		return QUEUE_ERROR;
	}
	if (fstatat(sp->sp_fd[f], name, &ie->ie_st, AT_SYMLINK_NOFOLLOW) ==
	    -1) {
		if (errno == ENOENT)
			return QUEUE_LOST;
		*reason = "unable to examine an event file";
		return QUEUE_ERROR;
	}
	ie->ie_folder = f;
	snprintf(ie->ie_name, sizeof(ie->ie_name), "%s", name);
	queue_name_parse(name, &ie->ie_qn);
	if ((ie->ie_unreadable = spool_file_refusal(sp, &ie->ie_st)) == NULL)
		switch (queue_read_head(sp, f, name, &ie->ie_head, &why)) {
		case QUEUE_OK:
			break;
		case QUEUE_LOST:
			memset(ie, 0, sizeof(*ie));
			return QUEUE_LOST;
		default:
			ie->ie_unreadable = why;
			break;
		}
	if (f == SPOOL_CUR)
		ie->ie_claimed = claimed(sp, name);
	if (!history)
		return QUEUE_OK;
	if ((ie->ie_hist = malloc(sizeof(*ie->ie_hist))) == NULL) {
		*reason = "out of memory";
		return QUEUE_ERROR;
	}
	switch (history_read(sp, ie->ie_qn.qn_base, ie->ie_hist, &why)) {
	case 1:
		break;
	case 0:
		free(ie->ie_hist);
		ie->ie_hist = NULL;
		break;
	default:
		free(ie->ie_hist);
		ie->ie_hist = NULL;
		ie->ie_hist_bad = why;
		break;
	}
	return QUEUE_OK;
}

void
inspect_clear(struct inspect_event *ie)
{
	if (ie == NULL)
		return;
	free(ie->ie_hist);
	memset(ie, 0, sizeof(*ie));
}

int
inspect_matches(const struct inspect_event *ie, const char *word)
{
	char	base[SPOOL_NAME_MAX];

	queue_attempts(ie->ie_name, base);
	return strcmp(ie->ie_name, word) == 0 || strcmp(base, word) == 0 ||
	    strcmp(ie->ie_qn.qn_base, word) == 0 ||
	    (ie->ie_unreadable == NULL && strcmp(ie->ie_head.qh_id, word) == 0);
}

const struct history_entry *
inspect_last_failure(const struct history *h)
{
	size_t	i;

	for (i = h != NULL ? h->hi_n : 0; i > 0; i--)
		if (h->hi_v[i - 1].he_kind == HISTORY_FAILED)
			return &h->hi_v[i - 1];
	return NULL;
}

/* The code point of the UTF-8 sequence s[0..n) (checked). */
static unsigned long
code_point(const unsigned char *s, size_t n)
{
	unsigned long	c = s[0] & (0xff >> (n + 1));
	size_t		i;

	for (i = 1; i < n; i++)
		c = (c << 6) | (s[i] & 0x3f);
	return c;
}

/* Whether c must not reach a terminal as it is. */
static int
unsafe(unsigned long c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x200e || c == 0x200f || c == 0x061c;
}

/*
 * What one character of s (at its start, n bytes, u set when it is a
 * valid sequence of a code point of 0x80 or more) becomes under how, into
 * buf (16 bytes); returns its length.
 */
static size_t
one(const unsigned char *s, size_t n, int u, enum inspect_how how,
    char *buf)
{
	unsigned long	c = u ? code_point(s, n) : s[0];

	if (!u && s[0] >= 0x80) {
		buf[0] = '?';
		return 1;
	}
	if (how == INSPECT_UTF8 || (u && !unsafe(c)) ||
	    (!u && s[0] >= 0x20 && s[0] < 0x7f) ||
	    (c == '\t' && (how == INSPECT_LINES || how == INSPECT_LINE_JSON)) ||
	    (c == '\n' && how == INSPECT_LINES)) {
		memcpy(buf, s, n);
		return n;
	}
	if ((c == '\t' || c == '\n') && how == INSPECT_TEXT) {
		buf[0] = ' ';
		return 1;
	}
	if (how == INSPECT_LINE_JSON)
		return (size_t)snprintf(buf, 16, "\\u%04lx", c);
	buf[0] = '?';
	return 1;
}

const char *
inspect_shown(const char *s, size_t len, enum inspect_how how, char *out,
    size_t cap)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 buf[16];
	size_t			 i = 0, o = 0, n, k;
	int			 u;

	if (cap == 0)
		return out;
	while (i < len) {
		n = 1;
		u = 0;
		if (p[i] >= 0x80 && (n = json_utf8_len(p + i, len - i)) > 0)
			u = 1;
		else
			n = 1;
		k = one(p + i, n, u, how, buf);
		if (how == INSPECT_WORD && k == 1 && buf[0] == ' ')
			buf[0] = '?';
		/* Room for this and, if more follows, "...". */
		if (o + k + (i + n < len ? 3 : 0) >= cap) {
			if (o + 3 < cap) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, buf, k);
		o += k;
		i += n;
	}
	out[o] = '\0';
	return out;
}

const char *
inspect_age(long long seconds, char *out, size_t cap)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds < 60)
		snprintf(out, cap, "%llds", seconds);
	else if (seconds < 3600)
		snprintf(out, cap, "%lldm", seconds / 60);
	else if (seconds < 86400)
		snprintf(out, cap, "%lldh", seconds / 3600);
	else
		snprintf(out, cap, "%lldd", seconds / 86400);
	return out;
}

const char *
inspect_time(long long t, char *out, size_t cap)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, cap, "%lld", t);
	return out;
}
