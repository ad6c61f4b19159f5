/*
 * log_stream.c: stderr as log records. Both programs (not the library)
 * link it: once log_stream_install() has run, every line written to
 * stderr through stdio (messages, summaries, anything) goes out whole as
 * it was, or, while log_stream_json(1) holds, as one JSON record a line
 * (log_record_json()) whose reason is the line without the program's
 * prefix. The descriptor 2 itself is untouched: what a handler writes
 * there is its own.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "log_stream.h"

#define STREAM_LINE_MAX	1024

static struct {
	const char	*ls_prefix;	/* "hookspool.fcgi", "hookspool" */
	const char	*ls_verb;
	const char	*ls_level;	/* the lines' level */
	const char	*ls_next;	/* the next line's, once */
	int		 ls_json;
	int		 ls_cut;	/* the line in hand was cut */
	size_t		 ls_len;
	char		 ls_line[STREAM_LINE_MAX];
} ls;

/* Write all of buf to descriptor 2; nowhere to report a failure. */
static void
put(const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(STDERR_FILENO, buf, len)) <= 0)
			return;
		buf += n;
		len -= n;
	}
}

/* The reason a line gives: without "PREFIX VERB: " or "PREFIX: ". */
static const char *
reason_of(const char *s)
{
	size_t	n = strlen(ls.ls_prefix);

	if (strncmp(s, ls.ls_prefix, n) != 0)
		return s;
	if (s[n] == ':' && s[n + 1] == ' ')
		return s + n + 2;
	if (s[n] == ' ' && ls.ls_verb != NULL &&
	    strncmp(s + n + 1, ls.ls_verb, strlen(ls.ls_verb)) == 0 &&
	    strncmp(s + n + 1 + strlen(ls.ls_verb), ": ", 2) == 0)
		return s + n + 1 + strlen(ls.ls_verb) + 2;
	return s;
}

/* The line in hand (without its newline) out, as text or a record. */
static void
emit(void)
{
	struct log_record	r = LOG_RECORD_INIT;
	char			rec[LOG_LINE_MAX];
	size_t			n;

	if (ls.ls_cut && ls.ls_len > 0)
		ls.ls_line[ls.ls_len - 1] = '+';
	if (!ls.ls_json) {
		put(ls.ls_line, ls.ls_len);
		put("\n", 1);
	} else {
		ls.ls_line[ls.ls_len] = '\0';
		r.lr_level = ls.ls_next != NULL ? ls.ls_next : ls.ls_level;
		r.lr_verb = ls.ls_verb;
		r.lr_reason = reason_of(ls.ls_line);
		n = log_record_json(rec, &r, NULL);
		put(rec, n);
	}
	ls.ls_next = NULL;
	ls.ls_len = 0;
	ls.ls_cut = 0;
}

static ssize_t
stream_write(void *cookie, const char *buf, size_t size)
{
	size_t	i;

	(void)cookie;
	for (i = 0; i < size; i++) {
		if (buf[i] == '\n') {
			emit();
			continue;
		}
		/* A line too long is cut; the rest of it is dropped. */
		if (ls.ls_len < STREAM_LINE_MAX - 1)
			ls.ls_line[ls.ls_len++] = buf[i];
		else
			ls.ls_cut = 1;
	}
	return (ssize_t)size;
}

static int
stream_close(void *cookie)
{
	(void)cookie;
	if (ls.ls_len > 0)
		emit();
	return 0;
}

int
log_stream_install(const char *prefix, const char *verb, const char *level)
{
	static const cookie_io_functions_t	io = { NULL, stream_write,
	    NULL, stream_close };
	FILE					*f;

	ls.ls_prefix = prefix;
	ls.ls_verb = verb;
	ls.ls_level = level;
	if ((f = fopencookie(NULL, "w", io)) == NULL)
		return -1;
	/* Whole lines: a record is made once its newline has come. */
	if (setvbuf(f, NULL, _IOLBF, BUFSIZ) != 0) {
		(void)fclose(f);
		return -1;
	}
	(void)fflush(stderr);	/* unbuffered: nothing waits in it */
	stderr = f;
	return 0;
}

void
log_stream_json(int on)
{
	ls.ls_json = on;
}

int
log_stream_is_json(void)
{
	return ls.ls_json;
}

void
log_stream_level(const char *level)
{
	ls.ls_next = level;
}
