/*
 * hookspool status: counts per folder, per webhook and per type, the age
 * of the oldest waiting event, the responder's answers (SPOOL/counters),
 * and with --redis the stream's; as text, JSON or node_exporter's
 * textfile format (status_prom.c). Reads only: takes no claim and no
 * lock, never creates a counters file.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "census.h"
#include "cli.h"
#include "config.h"
#include "counters.h"
#include "event.h"
#include "inspect.h"
#include "opt.h"
#include "queue.h"
#include "spool.h"
#include "status.h"

#define DURATION_MAX	(100LL * 365 * 86400)
#define FAILED_MAX	1000000000LL

struct status_opts {
	const char		*so_conf;
	long long		 so_warn_age;	/* -1: no warning */
	long long		 so_warn_failed;	/* -1: no warning */
	int			 so_json;
	int			 so_prometheus;
	struct rlink_opts	 so_redis;
	const char		*so_group;
};

static const struct opt status_opt_table[] = {
	OPT_CONFIG(struct status_opts, so_conf),
	{ "json", 0, OPT_FLAG, offsetof(struct status_opts, so_json), 0, 0,
	    NULL, "print one JSON array, an object per spool: spool, new, "
	    "cur, failed, tmp, oldest_new_age_s, webhooks (by webhook: new, "
	    "cur, failed, types) and answers (the responder's, by webhook)" },
	{ "prometheus", 0, OPT_FLAG, offsetof(struct status_opts,
	    so_prometheus), 0, 0, NULL, "print node_exporter's textfile "
	    "format (metrics named hookspool_*); problems show as metrics "
	    "(hookspool_up, hookspool_counters_up, hookspool_redis_up) and "
	    "on stderr, and exit 1 only for --warn-age and --warn-failed" },
	{ "warn-age", 0, OPT_DURATION, offsetof(struct status_opts,
	    so_warn_age), 0, DURATION_MAX, "D", "exit 1, with a message, "
	    "when the oldest waiting event is older than D (30s, 15m, 2h, "
	    "1d); for monitoring" },
	{ "warn-failed", 0, OPT_NUMBER, offsetof(struct status_opts,
	    so_warn_failed), 1, FAILED_MAX, "N", "exit 1, with a message, "
	    "when failed/ of a spool holds N events or more; with --warn-age "
	    "each is checked, and either exits 1" },
	RLINK_OPTS_ABOUT(struct status_opts, so_redis, "also report the "
	    "stream on this Redis server (HOST:PORT, [IPV6]:PORT or "
	    "unix:PATH): its length, its group's pending entries and lag, "
	    "and the length of KEY:failed"),
	{ "group", 0, OPT_STRING, offsetof(struct status_opts, so_group), 0,
	    0, "G", "with --redis: the consumer group (default: hookspool)" },
};

static const struct opt_verb status_verb = {
	"status", "[-c CONF] [--json | --prometheus] [--warn-age D] "
	"[--warn-failed N] [--redis ADDR [--auth-file F] [--stream KEY] "
	"[--cluster NODE]... [--group G]]",
	"Count the events in each spool's folders, by webhook and by type, "
	"say how long the oldest waiting event has waited, and show the "
	"responder's answers by webhook; name the first events of failed/ "
	"with the reason of their last failed attempt. Reads only: takes no "
	"claim and no lock.",
	status_opt_table, sizeof(status_opt_table) / sizeof(status_opt_table[0]),
	0
};

const char *
status_row_label(const struct status_spool *ss, const struct counters_row *r)
{
	const char	*label;

	label = counters_label(r, ss->ss_names, ss->ss_nnames);
	if (strcmp(label, COUNTERS_LABEL_UNKNOWN) == 0 &&
	    counters_key(COUNTERS_NO_WEBHOOK, strlen(COUNTERS_NO_WEBHOOK)) ==
	    r->cr_key)
		return COUNTERS_NO_WEBHOOK;
	return label;
}

/* Read one spool (opened as sp) into ss. */
static void
status_read(struct spool *sp, struct status_spool *ss)
{
	const char	*reason;

	if (census_take(sp, &ss->ss_census, &reason) == -1)
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
	else
		ss->ss_up = 1;
	if ((ss->ss_snap = malloc(sizeof(*ss->ss_snap))) == NULL) {
		ss->ss_counters = -1;
		ss->ss_counters_why = "out of memory";
	} else if ((ss->ss_counters = counters_read(sp, ss->ss_snap,
	    &reason)) == -1)
		ss->ss_counters_why = reason;
	if (ss->ss_counters == -1)
		cli_warnx("spool %s: the responder's answers cannot be shown: "
		    "%s/%s: %s%s", sp->sp_dir, sp->sp_dir, COUNTERS_FILE,
		    ss->ss_counters_why, errno == EPERM ? "; remove it, and the "
		    "responder makes a new one at its next request" : "");
}

/* The spools of cf, each once, read into *out (*n of them). */
static int
status_gather(const struct config *cf, struct status_spool **out, size_t *n)
{
	struct status_spool	*v, *ss;
	struct spool		*sp;
	size_t			 i, j;

	*n = 0;
	if ((*out = v = calloc(cf->cf_nwebhooks, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		if (!cli_first_of_spool(cf, i))
			continue;
		ss = &v[(*n)++];
		ss->ss_dir = cf->cf_webhooks[i].wh_spool;
		if ((ss->ss_names = calloc(cf->cf_nwebhooks,
		    sizeof(*ss->ss_names))) == NULL)
			return -1;
		for (j = 0; j < cf->cf_nwebhooks; j++)
			if (cf->cf_webhooks[j].wh_spool != NULL &&
			    strcmp(cf->cf_webhooks[j].wh_spool, ss->ss_dir) == 0)
				ss->ss_names[ss->ss_nnames++] =
				    cf->cf_webhooks[j].wh_name;
		if (cli_open_spool(cf, ss->ss_dir, &sp) == -1)
			continue;
		status_read(sp, ss);
		spool_close(sp);
	}
	return 0;
}

static void
status_free(struct status_spool *v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++) {
		census_free(&v[i].ss_census);
		free(v[i].ss_snap);
		free(v[i].ss_names);
	}
	free(v);
}

/* The warnings asked for, about ss; 1 if one was given. */
static int
status_warn(const struct status_opts *so, const struct status_spool *ss)
{
	const struct queue_counts	*qc = &ss->ss_census.ce_counts;
	int				 warned = 0;

	if (!ss->ss_up)
		return 0;
	if (so->so_warn_age >= 0 && qc->qc_new > 0 &&
	    qc->qc_oldest_new_age > so->so_warn_age) {
		cli_notex("spool %s: the oldest waiting event is %llds old "
		    "(over %llds)", ss->ss_dir, qc->qc_oldest_new_age,
		    so->so_warn_age);
		warned = 1;
	}
	if (so->so_warn_failed > 0 &&
	    (long long)qc->qc_failed >= so->so_warn_failed) {
		cli_notex("spool %s: failed/ holds %zu events (%lld or more); "
		    "hookspool requeue puts them back once their handler is "
		    "mended", ss->ss_dir, qc->qc_failed, so->so_warn_failed);
		warned = 1;
	}
	return warned;
}

/* "N new, N cur, N failed" of counts n. */
static void
print_states(const size_t n[CENSUS_STATES])
{
	printf("%zu new, %zu cur, %zu failed\n", n[CENSUS_NEW], n[CENSUS_CUR],
	    n[CENSUS_FAILED]);
}

/* The per-webhook lines of ss's text. */
static void
text_webhooks(const struct status_spool *ss)
{
	const struct census	*ce = &ss->ss_census;
	size_t			 i, j, k, sum[CENSUS_STATES];
	char			 a[256], b[256];

	for (i = 0; i < ce->ce_ntally; i = j) {
		memset(sum, 0, sizeof(sum));
		for (j = i; j < ce->ce_ntally && strcmp(ce->ce_tally[j].ct_webhook,
		    ce->ce_tally[i].ct_webhook) == 0; j++)
			for (k = 0; k < CENSUS_STATES; k++)
				sum[k] += ce->ce_tally[j].ct_n[k];
		printf("  webhook %s: ", cli_printable(ce->ce_tally[i].ct_webhook,
		    a, sizeof(a)));
		print_states(sum);
		for (k = i; k < j; k++) {
			printf("    type %s: ", cli_printable_text(
			    ce->ce_tally[k].ct_type, b, sizeof(b)));
			print_states(ce->ce_tally[k].ct_n);
		}
	}
}

/* ss as text. */
static void
text_spool(const struct status_spool *ss)
{
	const struct queue_counts	*qc = &ss->ss_census.ce_counts;
	const struct counters_row	*r;
	size_t				 i, k;
	int				 first;

	printf("%s: %zu new, %zu cur, %zu failed, %zu tmp, oldest waiting "
	    "%llds\n", ss->ss_dir, qc->qc_new, qc->qc_cur, qc->qc_failed,
	    qc->qc_tmp, qc->qc_oldest_new_age);
	text_webhooks(ss);
	for (i = 0; ss->ss_counters == 1 && i < ss->ss_snap->cs_nrows; i++) {
		r = &ss->ss_snap->cs_rows[i];
		printf("  answers %s:", status_row_label(ss, r));
		for (k = 0, first = 1; k < COUNTERS_ANSWERS; k++) {
			if (r->cr_count[k] == 0)
				continue;
			printf("%s %llu %s", first ? "" : ",",
			    (unsigned long long)r->cr_count[k],
			    counters_answer_names[k]);
			first = 0;
		}
		printf("%s\n", first ? " none" : "");
	}
}

/* s as a JSON string on stdout; -1 out of memory. */
static int
json_put(const char *s)
{
	char	*j;

	if ((j = event_json_string(s)) == NULL)
		return -1;
	fputs(j, stdout);
	free(j);
	return 0;
}

/* "webhooks":{...} of ss. */
static int
json_webhooks(const struct status_spool *ss)
{
	const struct census	*ce = &ss->ss_census;
	size_t			 i, j, k, sum[CENSUS_STATES];

	printf(",\"webhooks\":{");
	for (i = 0; i < ce->ce_ntally; i = j) {
		memset(sum, 0, sizeof(sum));
		for (j = i; j < ce->ce_ntally && strcmp(ce->ce_tally[j].ct_webhook,
		    ce->ce_tally[i].ct_webhook) == 0; j++)
			for (k = 0; k < CENSUS_STATES; k++)
				sum[k] += ce->ce_tally[j].ct_n[k];
		if (i > 0)
			putchar(',');
		if (json_put(ce->ce_tally[i].ct_webhook) == -1)
			return -1;
		printf(":{\"new\":%zu,\"cur\":%zu,\"failed\":%zu,\"types\":{",
		    sum[CENSUS_NEW], sum[CENSUS_CUR], sum[CENSUS_FAILED]);
		for (k = i; k < j; k++) {
			if (k > i)
				putchar(',');
			if (json_put(ce->ce_tally[k].ct_type) == -1)
				return -1;
			printf(":{\"new\":%zu,\"cur\":%zu,\"failed\":%zu}",
			    ce->ce_tally[k].ct_n[CENSUS_NEW],
			    ce->ce_tally[k].ct_n[CENSUS_CUR],
			    ce->ce_tally[k].ct_n[CENSUS_FAILED]);
		}
		printf("}}");
	}
	putchar('}');
	return 0;
}

/* "answers":{...} of ss, or null when its counters could not be read. */
static int
json_answers(const struct status_spool *ss)
{
	const struct counters_row	*r;
	size_t				 i, k;

	if (ss->ss_counters == -1) {
		printf(",\"answers\":null");
		return 0;
	}
	printf(",\"answers\":{");
	for (i = 0; ss->ss_counters == 1 && i < ss->ss_snap->cs_nrows; i++) {
		r = &ss->ss_snap->cs_rows[i];
		if (i > 0)
			putchar(',');
		if (json_put(status_row_label(ss, r)) == -1)
			return -1;
		for (k = 0; k < COUNTERS_ANSWERS; k++)
			printf("%s\"%s\":%llu", k == 0 ? ":{" : ",",
			    counters_answer_names[k],
			    (unsigned long long)r->cr_count[k]);
		putchar('}');
	}
	putchar('}');
	return 0;
}

/* ss as one JSON object. */
static int
json_spool(const struct status_spool *ss, int first)
{
	const struct queue_counts	*qc = &ss->ss_census.ce_counts;

	if (!first)
		putchar(',');
	printf("{\"spool\":");
	if (json_put(ss->ss_dir) == -1)
		return -1;
	printf(",\"new\":%zu,\"cur\":%zu,\"failed\":%zu,\"tmp\":%zu,"
	    "\"oldest_new_age_s\":%lld", qc->qc_new, qc->qc_cur,
	    qc->qc_failed, qc->qc_tmp, qc->qc_oldest_new_age);
	if (json_webhooks(ss) == -1 || json_answers(ss) == -1)
		return -1;
	putchar('}');
	return 0;
}

/* The Redis part of the text. */
static void
text_redis(const struct status_redis *sr)
{
	if (!sr->sr_up) {
		printf("redis stream %s: unknown (%s)\n", sr->sr_stream,
		    sr->sr_err);
		return;
	}
	printf("redis stream %s: %lld entries, %lld in %s:failed\n",
	    sr->sr_stream, sr->sr_length, sr->sr_failed, sr->sr_stream);
	if (!sr->sr_has_group)
		printf("  group %s: none yet\n", sr->sr_group);
	else if (sr->sr_lag >= 0)
		printf("  group %s: %lld pending, lag %lld, %lld consumers\n",
		    sr->sr_group, sr->sr_pending, sr->sr_lag, sr->sr_consumers);
	else
		printf("  group %s: %lld pending, lag unknown, %lld consumers\n",
		    sr->sr_group, sr->sr_pending, sr->sr_consumers);
}

/* How many events of failed/ status names, with their last reason. */
#define STATUS_FAILED_SHOWN	5

/*
 * The first STATUS_FAILED_SHOWN events of failed/ of the spool dir, each
 * with the reason of its last failed attempt; list and show say more.
 */
static void
status_failed(const struct config *cf, const char *dir, size_t nfailed)
{
	struct inspect_event		  ie;
	const struct history_entry	 *last;
	const char			 *reason;
	struct spool			 *sp;
	char				**names, name[CLI_EVENT_NAME_MAX];
	char				  why[256];
	size_t				  n, i, shown = 0;

	if (cli_open_spool(cf, dir, &sp) == -1)
		return;
	if (queue_names(sp, SPOOL_FAILED, &names, &n, &reason) == -1) {
		spool_close(sp);
		return;		/* the counts were said; nothing more to add */
	}
	for (i = 0; i < n && shown < STATUS_FAILED_SHOWN; i++) {
		if (inspect_event(sp, SPOOL_FAILED, names[i], 1, &ie,
		    &reason) != QUEUE_OK)
			continue;
		if ((last = inspect_last_failure(ie.ie_hist)) != NULL)
			inspect_shown(last->he_reason, last->he_reasonlen,
			    INSPECT_TEXT, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "%s", ie.ie_unreadable !=
			    NULL ? "not an event line" : "no reason recorded");
		printf("  failed: %s: %s\n", cli_event_name(ie.ie_head.qh_id,
		    ie.ie_head.qh_webhook, name, sizeof(name)), why);
		shown++;
		inspect_clear(&ie);
	}
	if (nfailed > shown)
		printf("  and %zu more failed: hookspool list --state "
		    "failed\n", nfailed - shown);
	queue_names_free(names, n);
	spool_close(sp);
}

/* Print what was gathered as so asks. Returns the exit status. */
static int
status_print(const struct status_opts *so, const struct config *cf,
    const struct status_spool *v, size_t n, const struct status_redis *sr)
{
	size_t	i;
	int	rc = 0, shown = 0;

	if (so->so_prometheus)
		status_prometheus(stdout, v, n, sr);
	else if (so->so_json)
		putchar('[');
	for (i = 0; i < n; i++) {
		/* --prometheus shows problems as metrics: its file stays fresh */
		if (!so->so_prometheus && (!v[i].ss_up || v[i].ss_counters == -1))
			rc = EXIT_PART;
		if (status_warn(so, &v[i]))
			rc = EXIT_PART;
		if (!v[i].ss_up || so->so_prometheus)
			continue;
		if (so->so_json) {
			if (json_spool(&v[i], shown == 0) == -1) {
				cli_warnx("out of memory");
				rc = EXIT_PART;
			}
		} else {
			text_spool(&v[i]);
			if (v[i].ss_census.ce_counts.qc_failed > 0)
				status_failed(cf, v[i].ss_dir,
				    v[i].ss_census.ce_counts.qc_failed);
		}
		shown++;
	}
	if (so->so_json)
		printf("]\n");
	else if (!so->so_prometheus && sr != NULL)
		text_redis(sr);
	if (sr != NULL && !sr->sr_up && !so->so_prometheus)
		rc = EXIT_PART;
	return rc;
}

int
cmd_status(int argc, char *argv[])
{
	struct status_opts	 so;
	struct status_redis	 sr;
	struct status_spool	*v = NULL;
	struct config		*cf;
	size_t			 n = 0;
	int			 rc, k;

	memset(&so, 0, sizeof(so));
	so.so_warn_age = so.so_warn_failed = -1;
	so.so_redis.ro_stream = RLINK_STREAM_DEFAULT;
	so.so_group = "hookspool";
	switch (opt_parse(&status_verb, argc, argv, &so, &k)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&status_verb);
	default:
		return EXIT_USAGE;
	}
	if (so.so_json && so.so_prometheus) {
		opt_misuse(&status_verb, "--json or --prometheus, not both");
		return EXIT_USAGE;
	}
	if (so.so_redis.ro_addr == NULL && (so.so_redis.ro_auth != NULL ||
	    strcmp(so.so_redis.ro_stream, RLINK_STREAM_DEFAULT) != 0 ||
	    so.so_redis.ro_cluster.ol_n > 0 ||
	    strcmp(so.so_group, "hookspool") != 0)) {
		opt_misuse(&status_verb, "--auth-file, --stream, --cluster and "
		    "--group go with --redis ADDR");
		return EXIT_USAGE;
	}
	if (so.so_redis.ro_addr != NULL && so.so_json) {
		opt_misuse(&status_verb, "--redis goes with the text or "
		    "--prometheus, not --json (whose array is the spools')");
		return EXIT_USAGE;
	}
	if ((cf = cli_load(so.so_conf)) == NULL)
		return EXIT_USAGE;
	memset(&sr, 0, sizeof(sr));
	sr.sr_stream = so.so_redis.ro_stream;
	sr.sr_group = so.so_group;
	if (so.so_redis.ro_addr != NULL &&
	    status_redis(&status_verb, &so.so_redis, &sr) != OPT_OK) {
		config_free(cf);
		return EXIT_USAGE;
	}
	if (sr.sr_err[0] != '\0')
		cli_warnx("redis %s: %s", so.so_redis.ro_addr, sr.sr_err);
	if (status_gather(cf, &v, &n) == -1) {
		cli_warnx("out of memory");
		status_free(v, n);
		config_free(cf);
		return EXIT_PART;
	}
	rc = status_print(&so, cf, v, n,
	    so.so_redis.ro_addr != NULL ? &sr : NULL);
	status_free(v, n);
	config_free(cf);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_warnx("unable to write to standard output");
		rc = EXIT_PART;
	}
	return rc;
}
