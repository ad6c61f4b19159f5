/*
 * hookspool show ID: the event ID names (its id, or its file name) in
 * every spool and folder it is found in: its line, its state, attempts
 * and age, and its history of failed attempts with the last 4 KiB of the
 * handler's standard error. It only reads, as inspect.h says.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "inspect.h"
#include "opt.h"
#include "queue.h"
#include "spool.h"

static const enum spool_folder show_folders[] = {
	SPOOL_NEW, SPOOL_CUR, SPOOL_FAILED, SPOOL_DONE
};
#define SHOW_FOLDERS	(sizeof(show_folders) / sizeof(show_folders[0]))

struct show_opts {
	const char		*so_conf;
	const char		*so_word;	/* the ID asked for */
	const struct config	*so_cf;
	unsigned		 so_found;
};

static const struct opt show_opt_table[] = {
	OPT_CONFIG(struct show_opts, so_conf),
};

static const struct opt_verb show_verb = {
	"show", "[-c CONF] ID",
	"Show the event ID (its id, or its file name) wherever it is: its "
	"line, state, attempts, age, and what became of its failed attempts "
	"(how the handler ended, the last 4 KiB of its standard error). "
	"Reads only: takes no lock and no claim.",
	show_opt_table, 1, 1
};

/* What the event's state means, into buf. */
static const char *
state_text(const struct show_opts *o, const struct inspect_event *ie,
    char *buf, size_t len)
{
	long long	now = (long long)time(NULL), t = ie->ie_st.st_mtime;
	long long	keep;
	char		when[32], until[32], age[16];

	switch (ie->ie_folder) {
	case SPOOL_NEW:
		if (t > now)
			snprintf(buf, len, "new: waiting out its backoff "
			    "until %s (in %s), then a drain takes it",
			    inspect_time(t, when, sizeof(when)),
			    inspect_age(t - now, age, sizeof(age)));
		else
			snprintf(buf, len, "new: waiting for a drain");
		break;
	case SPOOL_CUR:
		snprintf(buf, len, "%s", ie->ie_claimed == 1 ? "cur: claimed "
		    "by a drain that is at work on it" : ie->ie_claimed == 0 ?
		    "cur: claimed by a drain that died; the next recovery "
		    "puts it back into new/ (an attempt)" : "cur: claimed");
		break;
	case SPOOL_FAILED:
		snprintf(buf, len, "failed: given up; hookspool requeue puts "
		    "it back into new/");
		break;
	default:
		keep = cli_keep_of(o->so_cf, ie->ie_head.qh_webhook);
		snprintf(buf, len, "done at %s (%s ago); purged from %s on; "
		    "hookspool replay puts it back into new/",
		    inspect_time(t, when, sizeof(when)),
		    inspect_age(now - t, age, sizeof(age)),
		    keep > 0 ? inspect_time(t + keep, until, sizeof(until)) :
		    "now (keep is 0)");
		break;
	}
	return buf;
}

/* text[0..len), several lines, each printed after prefix. */
static void
print_lines(const char *prefix, const char *text, size_t len)
{
	char	*buf, *line, *nl;
	size_t	 cap = 3 * len + 4;

	if ((buf = malloc(cap)) == NULL) {
		printf("%s(out of memory)\n", prefix);
		return;
	}
	inspect_shown(text, len, INSPECT_LINES, buf, cap);
	for (line = buf; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		printf("%s%s\n", prefix, line);
		if (nl == NULL)
			break;
	}
	free(buf);
}

static void
print_history(const struct inspect_event *ie)
{
	const struct history_entry	*e;
	char				 when[32], why[HISTORY_REASON_MAX * 3];
	size_t				 i;

	if (ie->ie_hist_bad != NULL) {
		printf("history   unreadable: %s\n", ie->ie_hist_bad);
		return;
	}
	if (ie->ie_hist == NULL || ie->ie_hist->hi_n == 0) {
		printf("history   no failed attempt\n");
		return;
	}
	printf("history   oldest first (the last %d are kept)%s\n",
	    HISTORY_ENTRIES, ie->ie_hist->hi_torn ? "; the rest of the "
	    "record could not be read" : "");
	for (i = 0; i < ie->ie_hist->hi_n; i++) {
		e = &ie->ie_hist->hi_v[i];
		inspect_shown(e->he_reason, e->he_reasonlen, INSPECT_TEXT, why,
		    sizeof(why));
		if (e->he_kind == HISTORY_REPLAYED)
			printf("  %s %s\n", inspect_time(e->he_time, when,
			    sizeof(when)), why);
		else
			printf("  %s attempt %u failed: %s\n", inspect_time(
			    e->he_time, when, sizeof(when)), e->he_attempt, why);
		if (e->he_stderrlen > 0) {
			printf("    standard error, its last %zu bytes:\n",
			    e->he_stderrlen);
			print_lines("    | ", e->he_stderr, e->he_stderrlen);
		}
	}
}

/* The event's line, safe for a terminal and the same JSON. */
static void
print_line(struct spool *sp, const struct inspect_event *ie)
{
	const char	*reason;
	char		*line, *buf;
	size_t		 len, cap;

	if (queue_read(sp, ie->ie_folder, ie->ie_name, &line, &len,
	    &reason) != QUEUE_OK) {
		printf("line      unreadable: %s\n", reason);
		return;
	}
	cap = 3 * len + 4;
	if ((buf = malloc(cap)) != NULL) {
		printf("line      %s\n", inspect_shown(line, len,
		    INSPECT_LINE_JSON, buf, cap));
		free(buf);
	} else
		printf("line      (out of memory)\n");
	free(line);
}

static void
print_event(const struct show_opts *o, struct spool *sp,
    const struct inspect_event *ie)
{
	long long	now = (long long)time(NULL);
	char		id[512], wh[256], type[512], age[16], state[256];

	if (o->so_found > 0)
		printf("\n");
	printf("event %s of webhook %s\n", inspect_shown(ie->ie_head.qh_id,
	    strlen(ie->ie_head.qh_id), INSPECT_TEXT, id, sizeof(id)),
	    inspect_shown(ie->ie_head.qh_webhook,
	    strlen(ie->ie_head.qh_webhook), INSPECT_TEXT, wh, sizeof(wh)));
	printf("spool     %s\n", sp->sp_dir);
	printf("file      %s/%s\n", spool_folder_names[ie->ie_folder],
	    inspect_shown(ie->ie_name, strlen(ie->ie_name), INSPECT_WORD,
	    state, sizeof(state)));
	printf("state     %s\n", state_text(o, ie, state, sizeof(state)));
	if (ie->ie_unreadable != NULL)
		printf("unusable  %s: a drain moves it to failed/\n",
		    ie->ie_unreadable);
	printf("type      %s\n", inspect_shown(ie->ie_head.qh_type,
	    strlen(ie->ie_head.qh_type), INSPECT_TEXT, type, sizeof(type)));
	printf("received  %s (%s ago)\n", ie->ie_head.qh_received[0] ?
	    inspect_shown(ie->ie_head.qh_received,
	    strlen(ie->ie_head.qh_received), INSPECT_WORD, wh, sizeof(wh)) :
	    "?", inspect_age(now - (ie->ie_qn.qn_time >= 0 ?
	    ie->ie_qn.qn_time : (long long)ie->ie_st.st_mtime), age,
	    sizeof(age)));
	printf("attempts  %u", ie->ie_qn.qn_attempts);
	if (ie->ie_qn.qn_replays > 0)
		printf(", since replay %u", ie->ie_qn.qn_replays);
	printf("\n");
	print_line(sp, ie);
	print_history(ie);
}

/* The event ie, shown if it is the ID asked for (arg, the show_opts). */
static int
show_event(struct spool *sp, enum spool_folder f, const char *name,
    struct inspect_event *ie, void *arg)
{
	struct show_opts	*o = arg;
	struct inspect_event	 full;
	const char		*reason;

	if (!inspect_matches(ie, o->so_word))
		return 0;
	/* read again, now with its record */
	if (inspect_event(sp, f, name, 1, &full, &reason) != QUEUE_OK)
		return 0;	/* it moved on meanwhile */
	print_event(o, sp, &full);
	o->so_found++;
	inspect_clear(&full);
	return 0;
}

static int
show_one(struct spool *sp, void *arg)
{
	size_t	i;
	int	rc = 0;

	for (i = 0; i < SHOW_FOLDERS; i++)
		if (cli_each_event(sp, show_folders[i], 0, show_event,
		    arg) == -1)
			rc = -1;
	return rc;
}

int
cmd_show(int argc, char *argv[])
{
	struct show_opts	 o;
	struct config		*cf;
	char			 shown[256];
	int			 rc, n;

	memset(&o, 0, sizeof(o));
	switch (opt_parse(&show_verb, argc, argv, &o, &n)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&show_verb);
	default:
		return EXIT_USAGE;
	}
	if (n == argc) {
		opt_misuse(&show_verb, "which event? give its id (hookspool "
		    "list shows them)");
		return EXIT_USAGE;
	}
	o.so_word = argv[n];
	if ((cf = cli_load(o.so_conf)) == NULL)
		return EXIT_USAGE;
	o.so_cf = cf;
	rc = cli_each_spool(cf, show_one, &o);
	if (o.so_found == 0) {
		cli_warnx("no event %s in any spool (a done event is kept only "
		    "with keep = D)", cli_printable(o.so_word, shown,
		    sizeof(shown)));
		rc = EXIT_PART;
	}
	config_free(cf);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_warnx("unable to write to standard output");
		rc = EXIT_PART;
	}
	return rc;
}
