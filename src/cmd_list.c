/*
 * hookspool list: one line per event of each spool (new/, cur/, failed/,
 * done/), as text or JSON: its state, webhook, id, type, attempts, age,
 * and the reason of its last failed attempt. It only reads, as
 * inspect.h says: no lock, no claim, nothing a drain or a delivery could
 * wait for.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "event.h"
#include "inspect.h"
#include "json.h"
#include "opt.h"
#include "queue.h"
#include "spool.h"

/* The folders list looks in, in the order it shows them. */
static const enum spool_folder list_folders[] = {
	SPOOL_NEW, SPOOL_CUR, SPOOL_FAILED, SPOOL_DONE
};
#define LIST_FOLDERS	(sizeof(list_folders) / sizeof(list_folders[0]))
/* The most of a reason a text line shows. */
#define LIST_REASON_MAX	160

struct list_opts {
	const char	*lo_conf;
	struct opt_list	 lo_states;
	struct opt_list	 lo_webhooks;
	struct opt_list	 lo_types;
	int		 lo_json;
	int		 lo_want[LIST_FOLDERS];	/* by list_folders[] */
	size_t		 lo_shown;
};

static const struct opt list_opt_table[] = {
	OPT_CONFIG(struct list_opts, lo_conf),
	{ "state", 0, OPT_LIST, offsetof(struct list_opts, lo_states), 0, 4,
	    "STATE", "only events in STATE: new (waiting), cur (claimed), "
	    "failed, or done (kept with keep = D); may be given again "
	    "(default: all)" },
	{ "webhook", 0, OPT_LIST, offsetof(struct list_opts, lo_webhooks), 0,
	    OPT_LIST_MAX, "W", "only the events of webhook W; may be given "
	    "again" },
	{ "type", 0, OPT_LIST, offsetof(struct list_opts, lo_types), 0,
	    OPT_LIST_MAX, "PATTERN", "only events whose type matches PATTERN "
	    "(fnmatch: message.*); may be given again" },
	{ "json", 0, OPT_FLAG, offsetof(struct list_opts, lo_json), 0, 0,
	    NULL, "print one JSON array, an object per event: spool, state, "
	    "file, webhook, id, type, received, attempts, replays, age_s, "
	    "reason, unreadable" },
};

static const struct opt_verb list_verb = {
	"list", "[-c CONF] [--state new|cur|failed|done]... [--webhook W]... "
	"[--type PATTERN]... [--json]",
	"Print one line per event of each spool, oldest first in each state: "
	"its state, webhook, id, type, attempts, age and the reason of its "
	"last failed attempt. Reads only: takes no lock and no claim.",
	list_opt_table, sizeof(list_opt_table) / sizeof(list_opt_table[0]), 0
};

/* Whether ie passes the filters of o. */
static int
wanted(const struct list_opts *o, const struct inspect_event *ie)
{
	size_t	i;

	if (o->lo_webhooks.ol_n > 0) {
		if (ie->ie_unreadable != NULL)
			return 0;
		for (i = 0; i < o->lo_webhooks.ol_n; i++)
			if (strcmp(o->lo_webhooks.ol_v[i],
			    ie->ie_head.qh_webhook) == 0)
				break;
		if (i == o->lo_webhooks.ol_n)
			return 0;
	}
	return o->lo_types.ol_n == 0 || (ie->ie_unreadable == NULL &&
	    event_type_matches(ie->ie_head.qh_type,
	    (char *const *)o->lo_types.ol_v, o->lo_types.ol_n));
}

/* The event's age: since it arrived (its name), else since its mtime. */
static long long
age_of(const struct inspect_event *ie)
{
	long long	now = (long long)time(NULL);

	return now - (ie->ie_qn.qn_time >= 0 ? ie->ie_qn.qn_time :
	    (long long)ie->ie_st.st_mtime);
}

/* A field for a text line: one word, "-" when empty. */
static const char *
word(const char *s, char *buf, size_t len)
{
	if (*s == '\0')
		return "-";
	return inspect_shown(s, strlen(s), INSPECT_WORD, buf, len);
}

static void
print_text(const struct inspect_event *ie)
{
	const struct history_entry	*last = inspect_last_failure(
	    ie->ie_hist);
	char				 wh[128], id[256], type[256], age[16];
	char				 why[LIST_REASON_MAX];

	if (ie->ie_unreadable != NULL)
		snprintf(why, sizeof(why), "(not an event: %s)",
		    ie->ie_unreadable);
	else if (last != NULL)
		inspect_shown(last->he_reason, last->he_reasonlen, INSPECT_TEXT,
		    why, sizeof(why));
	else
		snprintf(why, sizeof(why), "-");
	printf("%s %s %s %s %u %s %s\n", spool_folder_names[ie->ie_folder],
	    word(ie->ie_head.qh_webhook, wh, sizeof(wh)),
	    word(ie->ie_head.qh_id, id, sizeof(id)),
	    word(ie->ie_head.qh_type, type, sizeof(type)),
	    ie->ie_qn.qn_attempts, inspect_age(age_of(ie), age, sizeof(age)),
	    why);
}

/* s as a JSON string (null when empty and nullable), made valid first. */
static char *
json_of(const char *s, size_t len, int nullable)
{
	char	*safe, *out;
	size_t	 cap = len + 4;

	if (nullable && len == 0)
		return strdup("null");
	if ((safe = malloc(cap)) == NULL)
		return NULL;
	inspect_shown(s, len, INSPECT_UTF8, safe, cap);
	out = json_string_encode(safe, strlen(safe));
	free(safe);
	return out;
}

static int
print_json(const struct list_opts *o, const struct spool *sp,
    const struct inspect_event *ie)
{
	const struct history_entry	*last = inspect_last_failure(
	    ie->ie_hist);
	const char			*bad = ie->ie_unreadable;
	char				 file[SPOOL_NAME_MAX + 16], *v[8];
	size_t				 i;
	int				 rc = -1;

	snprintf(file, sizeof(file), "%s/%s",
	    spool_folder_names[ie->ie_folder], ie->ie_name);
	v[0] = json_of(sp->sp_dir, strlen(sp->sp_dir), 0);
	v[1] = json_of(file, strlen(file), 0);
	v[2] = json_of(ie->ie_head.qh_webhook, strlen(ie->ie_head.qh_webhook),
	    1);
	v[3] = json_of(ie->ie_head.qh_id, strlen(ie->ie_head.qh_id), 1);
	v[4] = json_of(ie->ie_head.qh_type, strlen(ie->ie_head.qh_type), 1);
	v[5] = json_of(ie->ie_head.qh_received,
	    strlen(ie->ie_head.qh_received), 1);
	v[6] = last != NULL ? json_of(last->he_reason, last->he_reasonlen, 0) :
	    strdup("null");
	v[7] = json_of(bad ? bad : "", bad ? strlen(bad) : 0, 1);
	for (i = 0; i < 8; i++)
		if (v[i] == NULL)
			goto done;
	printf("%s\n{\"spool\":%s,\"state\":\"%s\",\"file\":%s,\"webhook\":%s,"
	    "\"id\":%s,\"type\":%s,\"received\":%s,\"attempts\":%u,"
	    "\"replays\":%u,\"age_s\":%lld,\"reason\":%s,\"unreadable\":%s}",
	    o->lo_shown > 0 ? "," : "", v[0],
	    spool_folder_names[ie->ie_folder], v[1], v[2], v[3], v[4], v[5],
	    ie->ie_qn.qn_attempts, ie->ie_qn.qn_replays, age_of(ie), v[6],
	    v[7]);
	rc = 0;
done:
	for (i = 0; i < 8; i++)
		free(v[i]);
	return rc;
}

/* The event ie of sp, printed if the list_opts arg wants it. */
static int
list_event(struct spool *sp, enum spool_folder f, const char *name,
    struct inspect_event *ie, void *arg)
{
	struct list_opts	*o = arg;
	int			 rc = 0;

	(void)f;
	(void)name;
	if (!wanted(o, ie))
		return 0;
	if (!o->lo_json)
		print_text(ie);
	else if (print_json(o, sp, ie) == -1) {
		cli_warnx("out of memory");
		rc = -1;
	}
	o->lo_shown++;		/* print_json's comma counts on it */
	return rc;
}

static int
list_one(struct spool *sp, void *arg)
{
	struct list_opts	*o = arg;
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < LIST_FOLDERS; i++)
		if (o->lo_want[i] && cli_each_event(sp, list_folders[i], 1,
		    list_event, o) == -1)
			rc = -1;
	return rc;
}

/* --state into lo_want. Returns OPT_OK or OPT_USAGE (said). */
static enum opt_result
states(struct list_opts *o)
{
	size_t	i, j;

	for (j = 0; j < LIST_FOLDERS; j++)
		o->lo_want[j] = o->lo_states.ol_n == 0;
	for (i = 0; i < o->lo_states.ol_n; i++) {
		for (j = 0; j < LIST_FOLDERS; j++)
			if (strcmp(o->lo_states.ol_v[i],
			    spool_folder_names[list_folders[j]]) == 0)
				break;
		if (j == LIST_FOLDERS)
			return opt_misuse(&list_verb, "--state %s: no such "
			    "state; give new, cur, failed or done",
			    o->lo_states.ol_v[i]);
		o->lo_want[j] = 1;
	}
	return OPT_OK;
}

int
cmd_list(int argc, char *argv[])
{
	struct list_opts	 o;
	struct config		*cf;
	int			 rc, n;

	memset(&o, 0, sizeof(o));
	switch (opt_parse(&list_verb, argc, argv, &o, &n)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&list_verb);
	default:
		return EXIT_USAGE;
	}
	if (states(&o) != OPT_OK)
		return EXIT_USAGE;
	if ((cf = cli_load(o.lo_conf)) == NULL)
		return EXIT_USAGE;
	if (o.lo_json)
		printf("[");
	rc = cli_each_spool(cf, list_one, &o);
	if (o.lo_json)
		printf("%s]\n", o.lo_shown > 0 ? "\n" : "");
	config_free(cf);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_warnx("unable to write to standard output");
		rc = EXIT_PART;
	}
	return rc;
}
