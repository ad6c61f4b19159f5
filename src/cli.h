/*
 * cli.h: what the verbs of the hookspool command share.
 * Exit status: 0 all done, 1 some part failed, 2 usage or config error.
 */
#ifndef HOOKSPOOL_CLI_H
#define HOOKSPOOL_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "done.h"
#include "spool.h"

#define EXIT_PART	1
#define EXIT_USAGE	2

/* The name messages start with. */
extern const char *const cli_progname;

/* The verb running, set by the dispatcher: messages name it. */
extern const char *cli_verb;

/*
 * "hookspool VERB: " (or "hookspool: " before a verb runs), the message
 * and a newline, on stderr: a JSON record of level "error" once a config
 * with log_format = json is loaded (log_stream.h), where the other lines
 * on stderr (summaries) are of level "info".
 */
void cli_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cli_warnx() for a warning, not an error: a record of level "warning". */
void cli_notex(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Load the configuration from opt (-c), else HOOKSPOOL_CONFIG, else
 * hookspool.conf beside the executable, else the system one, without
 * opening the secret files it names (CONFIG_NO_SECRETS): the verbs of the
 * cron side need no key, and run where the secrets are hidden from them.
 * Its log_format applies to stderr from then on.
 * Prints the reason and returns NULL when it cannot be used; the caller
 * frees the result with config_free().
 */
struct config *cli_load(const char *opt);

/*
 * For a verb that needs no config but may be given one (-c) for its
 * log_format alone (consume, consumers, requeue --redis): load path, if
 * not NULL, so that its log_format applies, and free it. Returns 0, or -1
 * when it cannot be used (told).
 */
int cli_log_config(const char *path);

/* The -c entry of such a verb's option table, into field of type. */
#define CLI_LOG_CONFIG(type, field) { "config", 'c', OPT_STRING, \
	offsetof(type, field), 0, 0, "CONF", "a configuration whose " \
	"log_format applies to this verb's messages (nothing else of it is " \
	"used); without it they are text" }

/* cli_load(), reading and judging the secret files too (check). */
struct config *cli_load_secrets(const char *opt);

/*
 * Open the spool at dir as cf says (spool_open). When it cannot be used,
 * say why on stderr, and when its folder belongs to another user, name
 * that user and say to run hookspool as that user. Returns 0 with *sp to
 * close with spool_close(), or -1 (errno kept).
 */
int cli_open_spool(const struct config *cf, const char *dir,
    struct spool **sp);

/*
 * s for a message: copied into buf (len bytes, truncated to fit) with
 * anything but printable ASCII shown as '?'. Returns buf.
 */
const char *cli_printable(const char *s, char *buf, size_t len);

/*
 * Free text for a message (a handler's REASON), as cli_printable() does
 * but with spaces kept. Returns buf.
 */
const char *cli_printable_text(const char *s, char *buf, size_t len);

/*
 * "event ID of webhook W", for a message about one event, into buf (len
 * bytes): id and webhook made safe to print (inspect_shown(), spaces
 * kept); a webhook that is NULL or "" is shown as "?". Returns buf.
 */
const char *cli_event_name(const char *id, const char *webhook, char *buf,
    size_t len);

/* How long a buffer cli_event_name() wants at most. */
#define CLI_EVENT_NAME_MAX	512

struct inspect_event;

/*
 * Call fn for each event of folder f of sp, described by inspect_event()
 * (with its record when history): an event that went meanwhile is
 * skipped, one that cannot be looked at is reported and skipped. ie is
 * cleared after fn returns. Returns 0, or -1 if the folder could not be
 * read, an event could not be looked at, or fn returned -1 for one.
 */
int cli_each_event(struct spool *sp, enum spool_folder f, int history,
    int (*fn)(struct spool *, enum spool_folder, const char *,
    struct inspect_event *, void *), void *arg);

/* Whether webhook i of cf is the first to name its spool (each spool once). */
int cli_first_of_spool(const struct config *cf, size_t i);

/*
 * Call fn once for each spool of cf (webhooks that share a spool count
 * once), opened for the call and closed after it; a spool that cannot be
 * opened is reported. Returns 0, or EXIT_PART if a spool could not be
 * opened or fn returned non-zero for one.
 */
int cli_each_spool(const struct config *cf,
    int (*fn)(struct spool *, void *), void *arg);

/*
 * Parse a decimal integer between min and max into *out. Returns 0, or -1
 * with a static reason in *reason.
 */
int cli_number(const char *s, long long min, long long max, long long *out,
    const char **reason);

/* What a recovery did (cli_recover). */
struct cli_recovery {
	unsigned	cr_finished;	/* cut-short deliveries finished */
	unsigned	cr_removed;	/* abandoned tmp/ files removed */
	unsigned	cr_released;	/* dead claims released */
	unsigned	cr_purged;	/* done events past their keep */
	unsigned	cr_swept;	/* records of gone events */
};

/*
 * Recover sp, a spool of cf: finish cut-short deliveries, remove
 * abandoned tmp/ files, release the claims of dead drains, purge the done
 * events kept longer than their webhook's keep (cli_done_keep), and sweep
 * the records of failures whose event has gone. What it did goes to *rec
 * (may be NULL). Problems are printed. Returns 0, or -1 if any.
 */
int cli_recover(const struct config *cf, struct spool *sp,
    struct cli_recovery *rec);

/*
 * How long cf keeps done events, by webhook, into *dk: its arrays are
 * new, freed with cli_done_keep_free(). Returns 0, or -1 when out of
 * memory (said).
 */
int cli_done_keep(const struct config *cf, struct done_keep *dk);

/* Frees what cli_done_keep() put in dk. */
void cli_done_keep_free(struct done_keep *dk);

/*
 * How long cf keeps the done events of webhook, in seconds (its keep, or
 * the global one for a webhook it does not name; webhook may be NULL); 0:
 * not at all.
 */
long long cli_keep_of(const struct config *cf, const char *webhook);

/* The string fields of a spooled event line that handlers are given. */
struct cli_event {
	char	*ce_id;
	char	*ce_type;
	char	*ce_webhook;	/* may be NULL */
};

/*
 * Read id, type and webhook from the event line line[0..len). Returns 0
 * with ce's strings the caller's (cli_event_free), or -1 with a static
 * reason when the line cannot be read or its id or type is missing or
 * empty (ce is then empty).
 */
int cli_event_read(const char *line, size_t len, struct cli_event *ce,
    const char **reason);

/* Frees ce's strings and empties it. */
void cli_event_free(struct cli_event *ce);

/*
 * The signals of a verb that runs handlers or long waits: SIGPIPE is
 * ignored, and TERM, INT, HUP (asking to stop) and CHLD stay blocked and
 * are taken with sigtimedwait(), so that a stop is noticed between two
 * steps, never in the middle of one.
 */
struct cli_signals {
	sigset_t	cs_old;		/* the mask before: handlers get it */
	sigset_t	cs_stop;	/* TERM, INT, HUP */
	sigset_t	cs_wait;	/* the same and CHLD */
	int		cs_stopping;	/* a stop was asked for */
};

/* Set cs up and block its signals. Returns 0, or -1 with errno. */
int cli_signals_block(struct cli_signals *cs);

/*
 * Take a pending stop signal, waiting at most ms milliseconds for one;
 * sets cs_stopping if one came.
 */
void cli_signals_check(struct cli_signals *cs, long ms);

/* The longest stream key forward and consume take. */
#define CLI_STREAM_MAX	200

/*
 * Check a Redis stream key for --stream: 1 to CLI_STREAM_MAX printable
 * ASCII characters, no space and no brace (the key is put in a hash tag).
 * Returns 0, or -1 with a static reason.
 */
int cli_stream_key(const char *key, const char **reason);

/*
 * A verb's --help (or hookspool --version): fn called on stdout, then
 * flushed. Returns the exit status: 0, or EXIT_PART when stdout failed.
 */
int cli_help(void (*usage)(FILE *));

/*
 * An option's number (duration non-zero: a duration such as 5m, in
 * seconds) between min and max into *out. When it is not one, says so on
 * stderr ("--NAME ARG: reason") and returns -1; else 0.
 */
int cli_opt_number(const char *name, const char *arg, int duration,
    long long min, long long max, long long *out);

#endif
