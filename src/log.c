/*
 * log.c: error-log records, one line each, safe to write whatever the input.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"

#define LOG_FIELD_MAX	64

/* Copy at most LOG_FIELD_MAX bytes of s, printable ASCII only. */
static void
clean(char out[LOG_FIELD_MAX + 4], const char *s)
{
	size_t	i;

	if (s == NULL || *s == '\0')
		s = "-";
	for (i = 0; s[i] != '\0' && i < LOG_FIELD_MAX; i++)
		out[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
	if (s[i] != '\0')
		out[i++] = '+';
	out[i] = '\0';
}

size_t
log_format(char line[LOG_LINE_MAX], int status, const char *webhook,
    const char *remote, const char *id, const char *reason)
{
	char	w[LOG_FIELD_MAX + 4], r[LOG_FIELD_MAX + 4], i[LOG_FIELD_MAX + 4];
	size_t	k;
	int	n;

	clean(w, webhook);
	clean(r, remote);
	clean(i, id);
	n = snprintf(line, LOG_LINE_MAX, "hookspool: %d webhook=%s remote=%s "
	    "id=%s: %s\n", status, w, r, i, reason != NULL ? reason : "-");
	if (n < 0) {
		line[0] = '\0';
		return 0;
	}
	if (n >= LOG_LINE_MAX) {
		line[LOG_LINE_MAX - 2] = '\n';
		n = LOG_LINE_MAX - 1;
	}
	/* The reason may name a path: no byte of it may forge a line. */
	for (k = 0; k + 1 < (size_t)n; k++)
		if ((unsigned char)line[k] < 0x20 || (unsigned char)line[k] >= 0x7f)
			line[k] = '?';
	return n;
}
