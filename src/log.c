/*
 * log.c: log records, one line each, as text or JSON, safe to write
 * whatever the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "log.h"

/*
 * Copy at most max bytes of s, printable ASCII only (space too when
 * spaces is set), into out (max + 2 bytes): a '+' marks a cut, and an
 * empty or NULL s is "-".
 */
static void
clean(char *out, const char *s, size_t max, int spaces)
{
	size_t	i;

	if (s == NULL || *s == '\0')
		s = "-";
	for (i = 0; s[i] != '\0' && i < max; i++)
		out[i] = (s[i] > ' ' || (spaces && s[i] == ' ')) && s[i] < 0x7f ?
		    s[i] : '?';
	if (s[i] != '\0')
		out[i++] = '+';
	out[i] = '\0';
}

size_t
log_record_text(char *line, const struct log_record *r)
{
	char	w[LOG_FIELD_MAX + 2], rm[LOG_FIELD_MAX + 2];
	char	i[LOG_FIELD_MAX + 2], t[LOG_FIELD_MAX + 2], extra[160] = "";
	char	st[16] = "-";
	size_t	k;
	int	n;

	clean(w, r->lr_webhook, LOG_FIELD_MAX, 0);
	clean(rm, r->lr_remote, LOG_FIELD_MAX, 0);
	clean(i, r->lr_id, LOG_FIELD_MAX, 0);
	if (r->lr_type != NULL || r->lr_size >= 0 || r->lr_ms >= 0) {
		clean(t, r->lr_type, LOG_FIELD_MAX, 0);
		snprintf(extra, sizeof(extra), " type=%s size=%lld ms=%lld", t,
		    r->lr_size, r->lr_ms);
	}
	if (r->lr_status != 0)
		snprintf(st, sizeof(st), "%d", r->lr_status);
	n = snprintf(line, LOG_TEXT_MAX, "hookspool: %s webhook=%s remote=%s "
	    "id=%s%s: %s\n", st, w, rm, i, extra,
	    r->lr_reason != NULL ? r->lr_reason : "-");
	if (n < 0) {
		line[0] = '\0';
		return 0;
	}
	if (n >= LOG_TEXT_MAX) {
		line[LOG_TEXT_MAX - 2] = '\n';
		n = LOG_TEXT_MAX - 1;
	}
	/* The reason may name a path: no byte of it may forge a line. */
	for (k = 0; k + 1 < (size_t)n; k++)
		if ((unsigned char)line[k] < 0x20 || (unsigned char)line[k] >= 0x7f)
			line[k] = '?';
	return n;
}

size_t
log_format(char line[LOG_TEXT_MAX], int status, const char *webhook,
    const char *remote, const char *id, const char *reason)
{
	struct log_record	r = LOG_RECORD_INIT;

	r.lr_status = status;
	r.lr_webhook = webhook;
	r.lr_remote = remote;
	r.lr_id = id;
	r.lr_reason = reason;
	return log_record_text(line, &r);
}

/*
 * Append "KEY":VALUE to line[*off..LOG_LINE_MAX): s cleaned (cut to max),
 * JSON-escaped, or null when s is NULL. Returns 0, or -1 when out of
 * memory or room.
 */
static int
put_string(char *line, size_t *off, const char *key, const char *s,
    size_t max)
{
	char	buf[LOG_REASON_MAX + 2], *enc = NULL;
	int	n;

	if (s != NULL) {
		clean(buf, s, max, 1);
		if ((enc = json_string_encode(buf, strlen(buf))) == NULL)
			return -1;
	}
	n = snprintf(line + *off, LOG_LINE_MAX - *off, "%s\"%s\":%s",
	    *off > 1 ? "," : "", key, enc != NULL ? enc : "null");
	free(enc);
	if (n < 0 || (size_t)n >= LOG_LINE_MAX - *off)
		return -1;
	*off += n;
	return 0;
}

/* Append "KEY":N, or null when n is below 0 (only "null" is not). */
static int
put_number(char *line, size_t *off, const char *key, long long v, int null)
{
	int	n;

	if (v < 0 && !null)
		return 0;
	n = v < 0 ? snprintf(line + *off, LOG_LINE_MAX - *off, ",\"%s\":null",
	    key) : snprintf(line + *off, LOG_LINE_MAX - *off, ",\"%s\":%lld",
	    key, v);
	if (n < 0 || (size_t)n >= LOG_LINE_MAX - *off)
		return -1;
	*off += n;
	return 0;
}

/* when (now if NULL) as "2026-11-28T12:24:31.123Z" into out. */
static void
iso_time(const struct timespec *when, char out[40])
{
	struct timespec	now;
	struct tm	tm;

	if (when == NULL) {
		if (clock_gettime(CLOCK_REALTIME, &now) == -1)
			now.tv_sec = now.tv_nsec = 0;
		when = &now;
	}
	if (gmtime_r(&when->tv_sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(when->tv_nsec / 1000000) % 1000);
}

size_t
log_record_json(char *line, const struct log_record *r,
    const struct timespec *when)
{
	char	t[40];
	size_t	off;
	int	n;

	iso_time(when, t);
	n = snprintf(line, LOG_LINE_MAX, "{\"time\":\"%s\"", t);
	off = n > 0 ? (size_t)n : 0;
	if (n < 0 || put_string(line, &off, "level", r->lr_level != NULL ?
	    r->lr_level : "error", LOG_FIELD_MAX) == -1 ||
	    (r->lr_verb != NULL && put_string(line, &off, "verb", r->lr_verb,
	    LOG_FIELD_MAX) == -1) ||
	    put_string(line, &off, "webhook", r->lr_webhook, LOG_FIELD_MAX) ==
	    -1 || put_string(line, &off, "id", r->lr_id, LOG_FIELD_MAX) == -1 ||
	    put_number(line, &off, "status", r->lr_status > 0 ?
	    r->lr_status : -1, 1) == -1 ||
	    put_string(line, &off, "remote", r->lr_remote, LOG_FIELD_MAX) ==
	    -1 || put_string(line, &off, "reason", r->lr_reason,
	    LOG_REASON_MAX) == -1 ||
	    (r->lr_type != NULL && put_string(line, &off, "type", r->lr_type,
	    LOG_FIELD_MAX) == -1) ||
	    put_number(line, &off, "size", r->lr_size, 0) == -1 ||
	    put_number(line, &off, "ms", r->lr_ms, 0) == -1 ||
	    off + 3 > LOG_LINE_MAX) {
		/* Out of memory (the bounds leave room): still one object. */
		n = snprintf(line, LOG_LINE_MAX, "{\"time\":\"%s\",\"level\":"
		    "\"error\",\"reason\":\"a log record could not be "
		    "made\"}\n", t);
		return n > 0 && n < LOG_LINE_MAX ? (size_t)n : 0;
	}
	line[off++] = '}';
	line[off++] = '\n';
	line[off] = '\0';
	return off;
}
