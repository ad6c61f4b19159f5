/*
 * cli.h: what the verbs of the hookspool command share.
 * Exit status: 0 all done, 1 some part failed, 2 usage or config error.
 */
#ifndef HOOKSPOOL_CLI_H
#define HOOKSPOOL_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "spool.h"

#define EXIT_PART	1
#define EXIT_USAGE	2

/* The name messages start with. */
extern const char *const cli_progname;

/* "hookspool: " and the message and a newline, on stderr. */
void cli_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Load the configuration from opt (-c), else HOOKSPOOL_CONFIG, else
 * hookspool.conf beside the executable, else the system one. Prints the
 * reason and returns NULL when it cannot be used; the caller frees the
 * result with config_free().
 */
struct config *cli_load(const char *opt);

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

/*
 * Recover sp: finish cut-short deliveries, remove abandoned tmp/ files and
 * release the claims of dead drains; the count released goes to *released
 * (may be NULL). Problems are printed. Returns 0, or -1 if any.
 */
int cli_recover(struct spool *sp, unsigned *finished, unsigned *removed,
    unsigned *released);

/*
 * Options of a verb that takes only -c FILE: *conf is set to FILE (left
 * as it is without -c). Returns 0, 1 when --help was asked for, or -1 on
 * anything else.
 */
int cli_config_only(int argc, char *argv[], const char **conf);

/*
 * A verb's --help (or hookspool --version): fn called on stdout, then
 * flushed. Returns the exit status: 0, or EXIT_PART when stdout failed.
 */
int cli_help(void (*usage)(FILE *));

#endif
