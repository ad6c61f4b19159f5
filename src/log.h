/*
 * log.h: the one-line records hookspool writes to the server's error log
 * (the responder) or to stderr (the verbs), as text or as one JSON object
 * a line (log_format = json in hookspool.conf).
 */
#ifndef HOOKSPOOL_LOG_H
#define HOOKSPOOL_LOG_H

#include <stddef.h>
#include <time.h>

/* The most a text record takes, its newline and NUL included. */
#define LOG_TEXT_MAX	512
/* The most any record takes: a buffer this long holds either kind. */
#define LOG_LINE_MAX	2048
/* Fields are cut to this many bytes, the reason to LOG_REASON_MAX. */
#define LOG_FIELD_MAX	64
#define LOG_REASON_MAX	400

/*
 * One record. A NULL string, a status of 0 and a size or time of -1 are
 * "not known": "-" in a text record (status, webhook, remote and id),
 * null in a JSON one (type, size and ms are left out of both).
 */
struct log_record {
	const char	*lr_level;	/* "error", "warning", "info" */
	const char	*lr_verb;	/* the verb; NULL: the responder */
	int		 lr_status;	/* the HTTP status answered, or 0 */
	const char	*lr_webhook;
	const char	*lr_remote;
	const char	*lr_id;
	const char	*lr_type;	/* an accepted event's */
	long long	 lr_size;	/* the body's bytes */
	long long	 lr_ms;		/* from the request's start to its answer */
	const char	*lr_reason;
};

/* A record with nothing known: level "error", everything else unknown. */
#define LOG_RECORD_INIT	{ "error", NULL, 0, NULL, NULL, NULL, NULL, -1, -1, \
	NULL }

/*
 * Format one record of a request into line (LOG_TEXT_MAX bytes), ending in
 * a newline: "hookspool: STATUS webhook=W remote=R id=I: REASON".
 * webhook, remote and id may be NULL ("-"); they are cut short and their
 * control and non-ASCII bytes replaced, so no input can forge a line.
 * The reason's control and non-ASCII bytes are replaced as well.
 * Never pass a secret or a body. Returns the line's length.
 */
size_t log_format(char line[LOG_TEXT_MAX], int status, const char *webhook,
    const char *remote, const char *id, const char *reason);

/*
 * r as a text record into line (LOG_TEXT_MAX bytes at least), as
 * log_format() writes one; an accepted request's type, size and time go
 * after the id ("type=T size=N ms=M"). Returns the line's length.
 */
size_t log_record_text(char *line, const struct log_record *r);

/*
 * r as one JSON object and a newline into line (LOG_LINE_MAX bytes):
 * "time" (when, or now if NULL, as UTC with milliseconds), "level",
 * "verb" (verbs only), "webhook", "id", "status", "remote", "reason",
 * then "type", "size" and "ms" when known. Strings have their control
 * and non-ASCII bytes replaced as in text records, are cut to
 * LOG_FIELD_MAX bytes (the reason to LOG_REASON_MAX; '+' marks a cut)
 * and are JSON-escaped: the line is always one valid JSON object, and no
 * input can add a key or a line. Returns the line's length.
 */
size_t log_record_json(char *line, const struct log_record *r,
    const struct timespec *when);

#endif
