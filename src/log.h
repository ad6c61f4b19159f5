/*
 * log.h: the one-line records hookspool writes to the server's error log.
 */
#ifndef HOOKSPOOL_LOG_H
#define HOOKSPOOL_LOG_H

#include <stddef.h>

#define LOG_LINE_MAX	512

/*
 * Format one record of a request into line (LOG_LINE_MAX bytes), ending in
 * a newline: "hookspool: STATUS webhook=W remote=R id=I: REASON".
 * webhook, remote and id may be NULL ("-"); they are cut short and their
 * control and non-ASCII bytes replaced, so no input can forge a line.
 * The reason's control and non-ASCII bytes are replaced as well.
 * Never pass a secret or a body. Returns the line's length.
 */
size_t log_format(char line[LOG_LINE_MAX], int status, const char *webhook,
    const char *remote, const char *id, const char *reason);

#endif
