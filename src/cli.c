/*
 * cli.c: what the verbs of the hookspool command share: messages, the
 * config, opening spools, numbers.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "claim.h"
#include "cli.h"
#include "config.h"
#include "done.h"
#include "event.h"
#include "inspect.h"
#include "log_stream.h"
#include "number.h"
#include "queue.h"
#include "spool.h"

const char *const cli_progname = "hookspool";
const char *cli_verb;

static void message(const char *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

/* The message fmt, ap on stderr, a record of level (log_stream.h). */
static void
message(const char *level, const char *fmt, va_list ap)
{
	log_stream_level(level);
	if (cli_verb != NULL)
		fprintf(stderr, "%s %s: ", cli_progname, cli_verb);
	else
		fprintf(stderr, "%s: ", cli_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	message("error", fmt, ap);
	va_end(ap);
}

void
cli_notex(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	message("warning", fmt, ap);
	va_end(ap);
}

/* Load the config that opt (or the default) names, with flags. */
static struct config *
load(const char *opt, int flags)
{
	struct config	*cf;
	char		 err[CONFIG_ERR_MAX];

	if (config_load_flags(config_locate(opt), flags, &cf, err,
	    sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return NULL;
	}
	/* From here on, stderr's lines are as the config's log_format. */
	log_stream_json(cf->cf_log_json);
	return cf;
}

struct config *
cli_load(const char *opt)
{
	struct config	*cf;
	size_t		 i;

	if ((cf = load(opt, CONFIG_NO_SECRETS)) == NULL)
		return NULL;
	for (i = 0; i < cf->cf_nwebhooks; i++)
		if (cf->cf_webhooks[i].wh_broken != NULL)
			cli_warnx("webhook %s is unusable (its requests get "
			    "500): %s", cf->cf_webhooks[i].wh_name,
			    cf->cf_webhooks[i].wh_broken);
	return cf;
}

int
cli_log_config(const char *path)
{
	struct config	*cf;

	if (path == NULL)
		return 0;
	if ((cf = cli_load(path)) == NULL)
		return -1;
	config_free(cf);
	return 0;
}

struct config *
cli_load_secrets(const char *opt)
{
	return load(opt, 0);
}

int
cli_each_event(struct spool *sp, enum spool_folder f, int history,
    int (*fn)(struct spool *, enum spool_folder, const char *,
    struct inspect_event *, void *), void *arg)
{
	struct inspect_event	  ie;
	const char		 *reason;
	char			**names, shown[SPOOL_NAME_MAX];
	size_t			  n, i;
	int			  rc = 0;

	if (queue_names(sp, f, &names, &n, &reason) == -1) {
		cli_warnx("spool %s: %s/: %s: %s", sp->sp_dir,
		    spool_folder_names[f], reason, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		switch (inspect_event(sp, f, names[i], history, &ie, &reason)) {
		case QUEUE_OK:
			if (fn(sp, f, names[i], &ie, arg) == -1)
				rc = -1;
			inspect_clear(&ie);
			break;
		case QUEUE_LOST:
			break;		/* it moved on meanwhile */
		default:
			cli_warnx("spool %s: %s/%s: %s: %s", sp->sp_dir,
			    spool_folder_names[f], cli_printable(names[i],
			    shown, sizeof(shown)), reason, strerror(errno));
			rc = -1;
		}
	}
	queue_names_free(names, n);
	return rc;
}

int
cli_first_of_spool(const struct config *cf, size_t i)
{
	size_t	j;

	/* a broken webhook may have no spool: nothing to work on */
	if (cf->cf_webhooks[i].wh_spool == NULL)
		return 0;
	for (j = 0; j < i; j++)
		if (cf->cf_webhooks[j].wh_spool != NULL &&
		    strcmp(cf->cf_webhooks[j].wh_spool,
		    cf->cf_webhooks[i].wh_spool) == 0)
			return 0;
	return 1;
}

/*
 * The folder of spool dir (itself, or one of its own) that is writable
 * by its group or others, into path (len bytes) with its status in *st;
 * returns 0 if there is one, -1 if not.
 */
static int
open_folder(const char *dir, char *path, size_t len, struct stat *st)
{
	size_t	i;
	int	n;

	for (i = 0; i <= SPOOL_FOLDERS; i++) {
		n = i == 0 ? snprintf(path, len, "%s", dir) : snprintf(path,
		    len, "%s/%s", dir, spool_folder_names[i - 1]);
		if (n < 0 || (size_t)n >= len)
			return -1;
		if (lstat(path, st) == 0 && S_ISDIR(st->st_mode) &&
		    st->st_uid == geteuid() && (st->st_mode & 022) != 0)
			return 0;
	}
	return -1;
}

int
cli_open_spool(const struct config *cf, const char *dir, struct spool **sp)
{
	struct passwd	*pw;
	struct stat	 st;
	const char	*reason;
	char		 path[PATH_MAX];
	int		 saved, other;

	if (spool_open(dir, cf->cf_fsync, cf->cf_group_readable, sp,
	    &reason) == 0)
		return 0;
	saved = errno;
	/* For the message only: spool_open() judged the folder it opened. */
	other = lstat(dir, &st) == 0 && st.st_uid != geteuid();
	if (saved == EPERM && !other &&
	    open_folder(dir, path, sizeof(path), &st) == 0)
		cli_warnx("spool %s: the folder %s is mode %04o, writable by %s: "
		    "run chmod %s %s", dir, path, (unsigned)(st.st_mode & 07777),
		    (st.st_mode & 002) == 0 ? "its group" : (st.st_mode & 020)
		    == 0 ? "others" : "its group and others",
		    cf->cf_group_readable ? "750" : "700", path);
	else if (!other || saved != EPERM)
		cli_warnx("spool %s: %s: %s", dir, reason, strerror(saved));
	if (other) {
		pw = getpwuid(st.st_uid);
		cli_warnx("spool %s is owned by uid %ld%s%s%s: run hookspool "
		    "as that user", dir, (long)st.st_uid, pw ? " (" : "",
		    pw ? pw->pw_name : "", pw ? ")" : "");
	}
	errno = saved;
	return -1;
}

const char *
cli_printable(const char *s, char *buf, size_t len)
{
	size_t	i;

	if (len == 0)
		return "";
	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		buf[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

const char *
cli_printable_text(const char *s, char *buf, size_t len)
{
	size_t	i;

	if (len == 0)
		return "";
	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

const char *
cli_event_name(const char *id, const char *webhook, char *buf, size_t len)
{
	char	i[300], w[160];

	if (id == NULL)
		id = "?";
	if (webhook == NULL || *webhook == '\0')
		webhook = "?";
	inspect_shown(id, strlen(id), INSPECT_TEXT, i, sizeof(i));
	inspect_shown(webhook, strlen(webhook), INSPECT_TEXT, w, sizeof(w));
	snprintf(buf, len, "event %s of webhook %s", i, w);
	return buf;
}

int
cli_number(const char *s, long long min, long long max, long long *out,
    const char **reason)
{
	unsigned long long	v;

	switch (number_parse(s, NULL, min < 0 ? 0 : min, max < 0 ? 0 : max,
	    &v)) {
	case NUMBER_OK:
		*out = (long long)v;
		return 0;
	case NUMBER_LARGE:
		*reason = "too large";
		return -1;
	case NUMBER_SMALL:
		*reason = "too small";
		return -1;
	default:
		*reason = "not a number";
		return -1;
	}
}

int
cli_recover(const struct config *cf, struct spool *sp,
    struct cli_recovery *rec)
{
	struct spool_recovery	 sr;
	struct cli_recovery	 dummy;
	struct done_keep	 dk;
	const char		*reason;
	int			 rc = 0;

	if (rec == NULL)
		rec = &dummy;
	memset(rec, 0, sizeof(*rec));
	if (spool_recover(sp, &sr, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		rc = -1;
	}
	rec->cr_finished = sr.sr_finished;
	rec->cr_removed = sr.sr_removed;
	if (claim_release_dead(sp, &rec->cr_released, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		rc = -1;
	}
	if (cli_done_keep(cf, &dk) == -1)
		rc = -1;
	else {
		if (done_purge(sp, &dk, &rec->cr_purged, &reason) == -1) {
			cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
			    strerror(errno));
			rc = -1;
		}
		cli_done_keep_free(&dk);
	}
	if (done_sweep_history(sp, &rec->cr_swept, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		rc = -1;
	}
	return rc;
}

int
cli_done_keep(const struct config *cf, struct done_keep *dk)
{
	const char	**names;
	long long	 *keeps;
	size_t		  i, n = 0;

	memset(dk, 0, sizeof(*dk));
	dk->dk_default = cf->cf_keep;
	names = calloc(cf->cf_nwebhooks + 1, sizeof(*names));
	keeps = calloc(cf->cf_nwebhooks + 1, sizeof(*keeps));
	if (names == NULL || keeps == NULL) {
		free(names);
		free(keeps);
		cli_warnx("out of memory");
		return -1;
	}
	/* Every webhook: one's events may be in the spool it had before. */
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		names[n] = cf->cf_webhooks[i].wh_name;
		keeps[n++] = cf->cf_webhooks[i].wh_keep;
	}
	dk->dk_webhooks = names;
	dk->dk_keeps = keeps;
	dk->dk_n = n;
	return 0;
}

void
cli_done_keep_free(struct done_keep *dk)
{
	free((void *)dk->dk_webhooks);
	free((void *)dk->dk_keeps);
	memset(dk, 0, sizeof(*dk));
}

long long
cli_keep_of(const struct config *cf, const char *webhook)
{
	size_t	i;

	for (i = 0; webhook != NULL && i < cf->cf_nwebhooks; i++)
		if (strcmp(cf->cf_webhooks[i].wh_name, webhook) == 0)
			return cf->cf_webhooks[i].wh_keep;
	return cf->cf_keep;
}

int
cli_each_spool(const struct config *cf, int (*fn)(struct spool *, void *),
    void *arg)
{
	struct spool	*sp;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < cf->cf_nwebhooks; i++) {
		if (!cli_first_of_spool(cf, i))
			continue;
		if (cli_open_spool(cf, cf->cf_webhooks[i].wh_spool,
		    &sp) == -1) {
			rc = EXIT_PART;
			continue;
		}
		if (fn(sp, arg) != 0)
			rc = EXIT_PART;
		spool_close(sp);
	}
	return rc;
}

/* Only -c FILE (and --help): the verbs that take nothing else. */
int
cli_event_read(const char *line, size_t len, struct cli_event *ce,
    const char **reason)
{
	static const char *const keys[] = { "id", "type", "webhook" };
	char	*out[3];

	memset(ce, 0, sizeof(*ce));
	if (event_fields(line, len, keys, out, 3, reason) == -1)
		return -1;
	ce->ce_id = out[0];
	ce->ce_type = out[1];
	ce->ce_webhook = out[2];
	if (ce->ce_id == NULL || *ce->ce_id == '\0' || ce->ce_type == NULL ||
	    *ce->ce_type == '\0') {
		*reason = "the id or type is missing or empty";
		cli_event_free(ce);
		return -1;
	}
	return 0;
}

int
cli_help(void (*usage)(FILE *))
{
	usage(stdout);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_warnx("unable to write to standard output");
		return EXIT_PART;
	}
	return 0;
}

void
cli_event_free(struct cli_event *ce)
{
	free(ce->ce_id);
	free(ce->ce_type);
	free(ce->ce_webhook);
	memset(ce, 0, sizeof(*ce));
}

int
cli_signals_block(struct cli_signals *cs)
{
	memset(cs, 0, sizeof(*cs));
	if (sigemptyset(&cs->cs_stop) == -1 ||
	    sigaddset(&cs->cs_stop, SIGTERM) == -1 ||
	    sigaddset(&cs->cs_stop, SIGINT) == -1 ||
	    sigaddset(&cs->cs_stop, SIGHUP) == -1)
		return -1;
	cs->cs_wait = cs->cs_stop;
	if (sigaddset(&cs->cs_wait, SIGCHLD) == -1 ||
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    sigprocmask(SIG_BLOCK, &cs->cs_wait, &cs->cs_old) == -1)
		return -1;
	return 0;
}

void
cli_signals_check(struct cli_signals *cs, long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	if (sigtimedwait(&cs->cs_stop, NULL, &ts) > 0)
		cs->cs_stopping = 1;
}

int
cli_stream_key(const char *key, const char **reason)
{
	size_t	i, n = strlen(key);

	if (n == 0 || n > CLI_STREAM_MAX) {
		*reason = "the key must be 1 to 200 characters long";
		return -1;
	}
	for (i = 0; i < n; i++)
		if (key[i] <= 0x20 || key[i] >= 0x7f || key[i] == '{' ||
		    key[i] == '}') {
			*reason = "the key may hold printable ASCII but no "
			    "space or brace";
			return -1;
		}
	return 0;
}

int
cli_opt_number(const char *name, const char *arg, int duration,
    long long min, long long max, long long *out)
{
	const char	*reason;

	if ((duration ? config_parse_duration(arg, min, max, out, &reason) :
	    cli_number(arg, min, max, out, &reason)) == -1) {
		cli_warnx("--%s %s: %s", name, arg, reason);
		return -1;
	}
	return 0;
}
