/*
 * log_stream.h: stderr as log records, for the two programs (linked into
 * each, not the library): every line written to stderr through stdio
 * goes out as it was, or as one JSON record (log.h) while JSON is on.
 */
#ifndef HOOKSPOOL_LOG_STREAM_H
#define HOOKSPOOL_LOG_STREAM_H

/*
 * Put a stream in place of stderr that writes whole lines to descriptor 2.
 * prefix ("hookspool", "hookspool.fcgi") and verb (or NULL) are what a
 * line starts with, "PREFIX VERB: " or "PREFIX: ", left out of a JSON
 * record's reason (the record has "verb"); level is each record's level
 * unless log_stream_level() says otherwise. The strings must outlive the
 * process's use of stderr. Text until log_stream_json(1). Returns 0, or
 * -1 (stderr unchanged).
 */
int log_stream_install(const char *prefix, const char *verb,
    const char *level);

/* JSON records (on) or lines as written (off) from the next line on. */
void log_stream_json(int on);

/* Whether JSON is on. */
int log_stream_is_json(void);

/* The level of the next line alone (a static string). */
void log_stream_level(const char *level);

#endif
