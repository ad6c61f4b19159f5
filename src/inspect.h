/*
 * inspect.h: what hookspool list and show say of an event, gathered
 * without disturbing anything. An event is looked at through a read-only
 * descriptor of its own: no lock is taken and none is waited for (a lock
 * a reader held could keep a drain from claiming an event, or a duplicate
 * from being answered), no file is moved, and whether a drain holds a
 * claim is asked with F_OFD_GETLK (spool_lock_held()), which takes
 * nothing. An event that moves or goes while it is looked at is simply
 * seen where it was, or not at all. Text for a terminal or for JSON is
 * made safe here (inspect_shown()); the verbs print it.
 */
#ifndef HOOKSPOOL_INSPECT_H
#define HOOKSPOOL_INSPECT_H

#include <stddef.h>
#include <sys/stat.h>

#include "history.h"
#include "queue.h"
#include "spool.h"

/* One event, as list and show see it. */
struct inspect_event {
	enum spool_folder	 ie_folder;	/* NEW, CUR, FAILED or DONE */
	char			 ie_name[SPOOL_NAME_MAX];
	struct queue_name	 ie_qn;		/* its name's parts */
	struct queue_head	 ie_head;	/* its line's head */
	const char		*ie_unreadable;	/* why no head, or NULL */
	struct stat		 ie_st;		/* mtime: due (new/), done */
	int			 ie_claimed;	/* cur/: 1 held, 0 free, -1 ? */
	struct history		*ie_hist;	/* its record, or NULL */
	const char		*ie_hist_bad;	/* why it could not be read */
};

/*
 * Look at folder f's file name of sp into *ie (the caller's), and, with
 * history, at its record (ie_hist, freed by inspect_clear()). A file
 * whose head cannot be read is still described (ie_unreadable says why).
 * Returns QUEUE_OK, QUEUE_LOST (it went meanwhile; *ie empty), or
 * QUEUE_ERROR with a static *reason.
 */
enum queue_result inspect_event(struct spool *sp, enum spool_folder f,
    const char *name, int history, struct inspect_event *ie,
    const char **reason);

/* Frees what inspect_event() gave ie. ie may be NULL. */
void inspect_clear(struct inspect_event *ie);

/*
 * Whether ie is the event word names: its id, its file name, or its name
 * without counts (as requeue takes them).
 */
int inspect_matches(const struct inspect_event *ie, const char *word);

/* The newest failed entry of h (may be NULL), or NULL. */
const struct history_entry *inspect_last_failure(const struct history *h);

/* How inspect_shown() makes text safe. */
enum inspect_how {
	INSPECT_WORD,	/* one word: white space too shown as '?' */
	INSPECT_TEXT,	/* one line: tab and newline as spaces */
	INSPECT_LINES,	/* lines: newlines and tabs kept */
	INSPECT_LINE_JSON, /* a JSON line: what a terminal must not see as
			      \uXXXX (the same JSON), tabs kept */
	INSPECT_UTF8	/* for a JSON string: any valid UTF-8 kept */
};

/*
 * s[0..len) made safe as how says, into out (cap bytes, NUL-terminated):
 * bytes that are not strict UTF-8, control characters (C0 but what how
 * keeps, DEL, C1), U+2028, U+2029 and the bidi controls (the marks, the
 * embeddings and overrides, the isolates) are shown as '?', or escaped
 * with INSPECT_LINE_JSON; INSPECT_UTF8 keeps everything valid, for
 * json_string_encode(), and only replaces what is not UTF-8. Text cut to
 * fit ends with "...". Returns out.
 */
const char *inspect_shown(const char *s, size_t len, enum inspect_how how,
    char *out, size_t cap);

/* seconds as an age, "59s", "12m", "5h", "3d", into out (cap bytes). */
const char *inspect_age(long long seconds, char *out, size_t cap);

/* Seconds since the epoch as UTC "2026-11-28T12:24:31Z", into out. */
const char *inspect_time(long long t, char *out, size_t cap);

#endif
