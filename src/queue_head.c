/*
 * queue_head.c: the head of an event line (queue.h: queue_line_head,
 * queue_read_head), what hookspool list and show say of an event without
 * reading its body: received, webhook, id and type come first in every
 * line spool_deliver() writes, so a few KiB of a file of up to max_body
 * tell them. A line of another shape (written by hand) is read whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "queue.h"

/* Whether c is a hex digit. */
static int
hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/*
 * The end of the JSON string whose opening quote is at s (before e): its
 * closing quote, or NULL when it is no string (a raw control character,
 * an escape the RFC does not have, bytes that are not strict UTF-8) or
 * does not end before e.
 */
static const unsigned char *
string_end(const unsigned char *s, const unsigned char *e)
{
	size_t	n;

	if (s == e || *s != '"')
		return NULL;
	for (s++; s < e && *s != '"'; ) {
		if (*s < 0x20)
			return NULL;
		if (*s == '\\') {
			if (e - s < 2)
				return NULL;
			if (s[1] == 'u') {
				if (e - s < 6 || !hex(s[2]) || !hex(s[3]) ||
				    !hex(s[4]) || !hex(s[5]))
					return NULL;
				s += 6;
			} else if (s[1] != '\0' && strchr("\"\\/bfnrt",
			    s[1]) != NULL)
				s += 2;
			else
				return NULL;
		} else if (*s >= 0x80) {
			if ((n = json_utf8_len(s, (size_t)(e - s))) == 0)
				return NULL;
			s += n;
		} else
			s++;
	}
	return s < e ? s : NULL;
}

/*
 * Decode raw[0..len) (a string's inside, checked) into out (cap bytes, a
 * NUL added). Returns 0, or -1 when it does not fit or holds a NUL.
 */
static int
decode(const char *raw, size_t len, char *out, size_t cap)
{
	size_t	n;
	int	lone;

	n = json_string_decode(raw, len, out, cap - 1, &lone);
	if (n >= cap || memchr(out, '\0', n) != NULL)
		return -1;
	out[n] = '\0';
	return 0;
}

/*
 * The literal key (with its quotes, the colon and what comes before it)
 * at *p, then a string into out; *p moves past it. Returns 0 or -1.
 */
static int
member(const char **p, const char *end, const char *key, char *out,
    size_t cap)
{
	const unsigned char	*s, *q;
	size_t			 n = strlen(key);

	if ((size_t)(end - *p) < n || memcmp(*p, key, n) != 0)
		return -1;
	s = (const unsigned char *)*p + n;
	if ((q = string_end(s, (const unsigned char *)end)) == NULL ||
	    decode((const char *)s + 1, (size_t)(q - s - 1), out, cap) == -1)
		return -1;
	*p = (const char *)q + 1;
	return 0;
}

long
queue_line_head(const char *buf, size_t len, struct queue_head *qh)
{
	const char	*p = buf, *end = buf + len;

	memset(qh, 0, sizeof(*qh));
	if (member(&p, end, "{\"received\":", qh->qh_received,
	    sizeof(qh->qh_received)) == -1 ||
	    member(&p, end, ",\"webhook\":", qh->qh_webhook,
	    sizeof(qh->qh_webhook)) == -1 ||
	    member(&p, end, ",\"id\":", qh->qh_id, sizeof(qh->qh_id)) == -1 ||
	    member(&p, end, ",\"type\":", qh->qh_type,
	    sizeof(qh->qh_type)) == -1 || p == end || *p != ',') {
		memset(qh, 0, sizeof(*qh));
		return -1;
	}
	return (long)(p - buf + 1);
}

/* A line of another shape, whole, into *qh. Returns 0 or -1. */
static int
whole_line(const char *line, size_t len, struct queue_head *qh)
{
	struct json_member	 m[4];
	const char		*reason;
	char			*out[4];
	size_t			 cap[4], i;

	memset(qh, 0, sizeof(*qh));
	memset(m, 0, sizeof(m));
	m[0].jm_name = "received";
	m[1].jm_name = "webhook";
	m[2].jm_name = "id";
	m[3].jm_name = "type";
	out[0] = qh->qh_received;
	cap[0] = sizeof(qh->qh_received);
	out[1] = qh->qh_webhook;
	out[2] = qh->qh_id;
	out[3] = qh->qh_type;
	cap[1] = cap[2] = cap[3] = QUEUE_FIELD_MAX + 1;
	if (json_check_object(line, len, m, 4, &reason) == -1)
		return -1;
	for (i = 0; i < 4; i++)
		if (m[i].jm_raw != NULL && decode(m[i].jm_raw, m[i].jm_rawlen,
		    out[i], cap[i]) == -1)
			return -1;
	return 0;
}

enum queue_result
queue_read_head(struct spool *sp, enum spool_folder f, const char *name,
    struct queue_head *qh, const char **reason)
{
	enum queue_result	 res = QUEUE_ERROR;
	char			*buf, *line = NULL;
	size_t			 len;
	ssize_t			 n;
	int			 fd, saved;

	if ((buf = malloc(QUEUE_HEAD_MAX)) == NULL) {
		*reason = "out of memory";
		return QUEUE_ERROR;
	}
	fd = openat(sp->sp_fd[f], name,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		free(buf);
		if (errno == ENOENT)
			return QUEUE_LOST;
		*reason = "unable to open an event file";
		return QUEUE_ERROR;
	}
	do
		n = pread(fd, buf, QUEUE_HEAD_MAX, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		*reason = "unable to read an event file";
	else if (queue_line_head(buf, (size_t)n, qh) >= 0)
		res = QUEUE_OK;
	else if (queue_read_line(fd, &line, &len, reason) == QUEUE_OK) {
		if (whole_line(line, len, qh) == 0)
			res = QUEUE_OK;
		else {
			errno = EINVAL;
			*reason = "not an event line";
		}
	}
	saved = errno;
	free(line);
	free(buf);
	(void)close(fd);
	errno = saved;
	return res;
}
