/*
 * status_prom.c: hookspool status --prometheus, node_exporter's textfile
 * format: each family once, its HELP and TYPE lines first, then every
 * spool's samples; names prefixed hookspool_, label values escaped as
 * the format says; every value an exact integer.
 */
#include <stdio.h>
#include <string.h>

#include "census.h"
#include "counters.h"
#include "status.h"

/* A label value: backslash, double quote and newline escaped. */
static void
label(FILE *f, const char *name, const char *v, int first)
{
	fprintf(f, "%s%s=\"", first ? "{" : ",", name);
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP hookspool_%s %s\n# TYPE hookspool_%s %s\n", name,
	    help, name, type);
}

/* One sample of hookspool_webhook_events for each state of webhook w. */
static void
webhook_samples(FILE *f, const struct status_spool *ss, const char *w)
{
	size_t	i, k, sum[CENSUS_STATES];

	memset(sum, 0, sizeof(sum));
	for (i = 0; i < ss->ss_census.ce_ntally; i++)
		if (strcmp(ss->ss_census.ce_tally[i].ct_webhook, w) == 0)
			for (k = 0; k < CENSUS_STATES; k++)
				sum[k] += ss->ss_census.ce_tally[i].ct_n[k];
	for (k = 0; k < CENSUS_STATES; k++) {
		fputs("hookspool_webhook_events", f);
		label(f, "spool", ss->ss_dir, 1);
		label(f, "webhook", w, 0);
		label(f, "state", census_state_names[k], 0);
		fprintf(f, "} %zu\n", sum[k]);
	}
}

/* The families of the spools' folders. */
static void
prom_folders(FILE *f, const struct status_spool *ss, size_t n)
{
	size_t	i, k;

	family(f, "up", "gauge", "Whether status could read the spool (1) or "
	    "not (0).");
	for (i = 0; i < n; i++) {
		fputs("hookspool_up", f);
		label(f, "spool", ss[i].ss_dir, 1);
		fprintf(f, "} %d\n", ss[i].ss_up);
	}
	family(f, "folder_events", "gauge", "Files in each folder of the "
	    "spool: new (waiting), cur (claimed), failed, tmp (being "
	    "written).");
	for (i = 0; i < n; i++) {
		const size_t	*c[] = { &ss[i].ss_census.ce_counts.qc_new,
		    &ss[i].ss_census.ce_counts.qc_cur,
		    &ss[i].ss_census.ce_counts.qc_failed,
		    &ss[i].ss_census.ce_counts.qc_tmp };
		const char	*names[] = { "new", "cur", "failed", "tmp" };

		for (k = 0; ss[i].ss_up && k < 4; k++) {
			fputs("hookspool_folder_events", f);
			label(f, "spool", ss[i].ss_dir, 1);
			label(f, "state", names[k], 0);
			fprintf(f, "} %zu\n", *c[k]);
		}
	}
	family(f, "failed_events", "gauge", "Events in failed/: no drain "
	    "takes them again until hookspool requeue puts them back.");
	for (i = 0; i < n; i++) {
		if (!ss[i].ss_up)
			continue;
		fputs("hookspool_failed_events", f);
		label(f, "spool", ss[i].ss_dir, 1);
		fprintf(f, "} %zu\n", ss[i].ss_census.ce_counts.qc_failed);
	}
	family(f, "oldest_waiting_seconds", "gauge", "Age of the oldest event "
	    "waiting in new/, 0 when none waits.");
	for (i = 0; i < n; i++) {
		if (!ss[i].ss_up)
			continue;
		fputs("hookspool_oldest_waiting_seconds", f);
		label(f, "spool", ss[i].ss_dir, 1);
		fprintf(f, "} %lld\n", ss[i].ss_census.ce_counts.qc_new > 0 ?
		    ss[i].ss_census.ce_counts.qc_oldest_new_age : 0);
	}
}

/* The families of the events by webhook and by type. */
static void
prom_webhooks(FILE *f, const struct status_spool *ss, size_t n)
{
	const struct census_tally	*t;
	size_t				 i, j, k;

	family(f, "webhook_events", "gauge", "Events by webhook and state "
	    "(new, cur, failed); every webhook of the config, 0 included.");
	for (i = 0; i < n; i++) {
		for (j = 0; ss[i].ss_up && j < ss[i].ss_nnames; j++)
			webhook_samples(f, &ss[i], ss[i].ss_names[j]);
		for (j = 0; ss[i].ss_up && j < ss[i].ss_census.ce_ntally; j++) {
			t = &ss[i].ss_census.ce_tally[j];
			if ((j > 0 && strcmp(t->ct_webhook,
			    t[-1].ct_webhook) == 0))
				continue;
			for (k = 0; k < ss[i].ss_nnames; k++)
				if (strcmp(ss[i].ss_names[k], t->ct_webhook) == 0)
					break;
			if (k == ss[i].ss_nnames)
				webhook_samples(f, &ss[i], t->ct_webhook);
		}
	}
	family(f, "type_events", "gauge", "Events by webhook, type and state; "
	    "only those there are.");
	for (i = 0; i < n; i++)
		for (j = 0; ss[i].ss_up && j < ss[i].ss_census.ce_ntally; j++) {
			t = &ss[i].ss_census.ce_tally[j];
			for (k = 0; k < CENSUS_STATES; k++) {
				if (t->ct_n[k] == 0)
					continue;
				fputs("hookspool_type_events", f);
				label(f, "spool", ss[i].ss_dir, 1);
				label(f, "webhook", t->ct_webhook, 0);
				label(f, "type", t->ct_type, 0);
				label(f, "state", census_state_names[k], 0);
				fprintf(f, "} %zu\n", t->ct_n[k]);
			}
		}
}

/*
 * The responder's answers. Rows that come to one label (an unnamed row
 * and its named twin) are added up, so that each series is given once.
 */
static void
prom_requests(FILE *f, const struct status_spool *ss, size_t n)
{
	const struct counters_snapshot	*s;
	const char			*w;
	unsigned long long		 sum;
	size_t				 i, j, k, a;

	family(f, "counters_up", "gauge", "Whether the spool's counters file "
	    "was read (1, also when no request has come yet) or refused (0).");
	for (i = 0; i < n; i++) {
		fputs("hookspool_counters_up", f);
		label(f, "spool", ss[i].ss_dir, 1);
		fprintf(f, "} %d\n", ss[i].ss_counters != -1);
	}
	family(f, "requests_total", "counter", "Requests the responder "
	    "answered, by webhook and answer: accepted, duplicate, ignored, "
	    "handshake, or the HTTP status.");
	for (i = 0; i < n; i++) {
		if (ss[i].ss_counters != 1)
			continue;
		s = ss[i].ss_snap;
		for (j = 0; j < s->cs_nrows; j++) {
			w = status_row_label(&ss[i], &s->cs_rows[j]);
			for (k = 0; k < j; k++)
				if (strcmp(status_row_label(&ss[i],
				    &s->cs_rows[k]), w) == 0)
					break;
			if (k < j)
				continue;	/* added up with row k */
			for (a = 0; a < COUNTERS_ANSWERS; a++) {
				for (sum = 0, k = j; k < s->cs_nrows; k++)
					if (strcmp(status_row_label(&ss[i],
					    &s->cs_rows[k]), w) == 0)
						sum += s->cs_rows[k].cr_count[a];
				fputs("hookspool_requests_total", f);
				label(f, "spool", ss[i].ss_dir, 1);
				label(f, "webhook", w, 0);
				label(f, "answer", counters_answer_names[a], 0);
				fprintf(f, "} %llu\n", sum);
			}
		}
	}
}

/* name{stream[,group]} v, with its family. */
static void
redis_sample(FILE *f, const struct status_redis *sr, const char *name,
    const char *help, int group, long long v)
{
	family(f, name, "gauge", help);
	fprintf(f, "hookspool_%s", name);
	label(f, "stream", sr->sr_stream, 1);
	if (group)
		label(f, "group", sr->sr_group, 0);
	fprintf(f, "} %lld\n", v);
}

static void
prom_redis(FILE *f, const struct status_redis *sr)
{
	redis_sample(f, sr, "redis_up", "Whether the Redis server answered "
	    "(1) or not (0).", 0, sr->sr_up);
	if (!sr->sr_up)
		return;
	redis_sample(f, sr, "redis_stream_length", "Entries in the stream "
	    "(XLEN).", 0, sr->sr_length);
	redis_sample(f, sr, "redis_failed_length", "Entries in KEY:failed, "
	    "set aside by consume after their attempts.", 0, sr->sr_failed);
	if (!sr->sr_has_group)
		return;
	redis_sample(f, sr, "redis_group_pending", "Entries delivered to the "
	    "group's consumers and not acknowledged yet.", 1, sr->sr_pending);
	if (sr->sr_lag >= 0)
		redis_sample(f, sr, "redis_group_lag", "Entries of the stream "
		    "not yet delivered to the group.", 1, sr->sr_lag);
	redis_sample(f, sr, "redis_group_consumers", "Consumers the group "
	    "knows (a dead one stays until removed: hookspool consumers "
	    "--forget-idle).", 1, sr->sr_consumers);
}

void
status_prometheus(FILE *f, const struct status_spool *ss, size_t n,
    const struct status_redis *sr)
{
	prom_folders(f, ss, n);
	prom_webhooks(f, ss, n);
	prom_requests(f, ss, n);
	if (sr != NULL)
		prom_redis(f, sr);
}
