/*
 * respond.c: one request's way through the responder, the same under
 * FastCGI and CGI: config -> webhook -> method and length -> body within
 * the deadline -> signature and event (src/) -> spool -> answer, each
 * outcome answered from one table (see respond.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcgiapp.h>

#include "config.h"
#include "counters.h"
#include "event.h"
#include "io.h"
#include "log_stream.h"
#include "number.h"
#include "request.h"
#include "respond.h"
#include "scheme.h"
#include "spool.h"

/* Under CGI, a body over max_body is read and dropped up to this bound. */
#define CGI_DRAIN_MAX	(16 * 1024 * 1024)

enum outcome {
	OUT_CONFIG,
	OUT_NO_WEBHOOK,
	OUT_METHOD,
	OUT_METHOD_GET,
	OUT_NO_LENGTH,
	OUT_TOO_LARGE,
	OUT_SHORT_BODY,
	OUT_TIMEOUT,
	OUT_SIGNATURE,
	OUT_STALE,
	OUT_BAD_EVENT,
	OUT_IGNORED,
	OUT_DUPLICATE,
	OUT_ACCEPTED,
	OUT_ANSWER,
	OUT_SPOOL
};

/*
 * The status table (hookspool.fcgi(8), ANSWERS): what each outcome
 * answers, and what it counts as (counters.h).
 */
static const struct {
	int			 st_code;
	const char		*st_phrase;
	const char		*st_header;	/* extra header line, or NULL */
	const char		*st_body;	/* JSON body (accepted adds the id) */
	enum counters_answer	 st_count;
} statuses[] = {
	[OUT_CONFIG] = { 500, "Internal Server Error", NULL,
	    "{\"status\":\"error\",\"error\":\"configuration unusable\"}",
	    COUNTERS_500 },
	[OUT_NO_WEBHOOK] = { 404, "Not Found", NULL,
	    "{\"status\":\"error\",\"error\":\"no webhook here\"}",
	    COUNTERS_404 },
	[OUT_METHOD] = { 405, "Method Not Allowed", "Allow: POST\r\n",
	    "{\"status\":\"error\",\"error\":\"method not allowed\"}",
	    COUNTERS_405 },
	[OUT_METHOD_GET] = { 405, "Method Not Allowed", "Allow: GET, POST\r\n",
	    "{\"status\":\"error\",\"error\":\"method not allowed\"}",
	    COUNTERS_405 },
	[OUT_NO_LENGTH] = { 411, "Length Required", NULL,
	    "{\"status\":\"error\",\"error\":\"length required\"}",
	    COUNTERS_411 },
	[OUT_TOO_LARGE] = { 413, "Payload Too Large", NULL,
	    "{\"status\":\"error\",\"error\":\"body too large\"}",
	    COUNTERS_413 },
	[OUT_SHORT_BODY] = { 400, "Bad Request", NULL,
	    "{\"status\":\"error\",\"error\":\"body shorter than its length\"}",
	    COUNTERS_400 },
	[OUT_TIMEOUT] = { 408, "Request Timeout", NULL,
	    "{\"status\":\"error\",\"error\":\"body not received in time\"}",
	    COUNTERS_408 },
	[OUT_SIGNATURE] = { 401, "Unauthorized", NULL,
	    "{\"status\":\"error\",\"error\":\"bad signature\"}",
	    COUNTERS_401 },
	[OUT_STALE] = { 401, "Unauthorized", NULL,
	    "{\"status\":\"error\",\"error\":\"timestamp outside tolerance\"}",
	    COUNTERS_401 },
	[OUT_BAD_EVENT] = { 400, "Bad Request", NULL,
	    "{\"status\":\"error\",\"error\":\"not a valid event\"}",
	    COUNTERS_400 },
	[OUT_IGNORED] = { 200, "OK", NULL, "{\"status\":\"ignored\"}",
	    COUNTERS_IGNORED },
	[OUT_DUPLICATE] = { 200, "OK", NULL, "{\"status\":\"duplicate\"}",
	    COUNTERS_DUPLICATE },
	[OUT_ACCEPTED] = { 200, "OK", NULL, NULL, COUNTERS_ACCEPTED },
	/* a handshake's, answered by respond_answer() */
	[OUT_ANSWER] = { 200, "OK", NULL, NULL, COUNTERS_HANDSHAKE },
	[OUT_SPOOL] = { 503, "Service Unavailable", "Retry-After: 60\r\n",
	    "{\"status\":\"error\",\"error\":\"spool unavailable, retry later\"}",
	    COUNTERS_503 },
};
/*
 * The spool of webhook wh (opened, or opened again when it was moved or
 * removed under us, then kept in rs), or NULL with *reason and errno.
 */
static struct spool *
webhook_spool(struct responder *rs, const struct config_webhook *wh,
    const char **reason)
{
	size_t	i = wh - rs->rs_cf->cf_webhooks;

	/* A spool moved or removed under us is opened (created) anew. */
	if (rs->rs_spools[i] != NULL && spool_stale(rs->rs_spools[i])) {
		counters_close(rs->rs_counters[i]);
		rs->rs_counters[i] = NULL;
		spool_close(rs->rs_spools[i]);
		rs->rs_spools[i] = NULL;
	}
	if (rs->rs_spools[i] == NULL &&
	    spool_open(wh->wh_spool, rs->rs_cf->cf_fsync,
	    rs->rs_cf->cf_group_readable, &rs->rs_spools[i], reason) == -1)
		return NULL;
	return rs->rs_spools[i];
}

/* Log a counting problem of the spool at dir, once a process. */
static void
count_trouble(struct responder *rs, const struct request *rq,
    const char *webhook, const char *dir, const char *reason)
{
	struct log_record	r = LOG_RECORD_INIT;
	char			why[512];

	if (rs->rs_count_warned)
		return;
	rs->rs_count_warned = 1;
	snprintf(why, sizeof(why), "answers not counted: %s/%s: %s: %s "
	    "(hookspool status says more)", dir, COUNTERS_FILE, reason,
	    strerror(errno));
	r.lr_level = "warning";
	r.lr_webhook = webhook;
	r.lr_reason = why;
	req_log(rq, &r);
}

/*
 * Count answer a for wh, or for no webhook (NULL: a 404) in the spool of
 * the config's first webhook, in that spool's counters file (counters.h).
 * Best effort: a problem is logged once, and the answer stands.
 */
static void
count_answer(struct responder *rs, const struct request *rq,
    const struct config_webhook *wh, enum counters_answer a)
{
	const struct config_webhook	*at = wh;
	struct counters			**cp;
	struct spool			*sp;
	const char			*reason, *name;
	size_t				 i;

	if (rs->rs_cf == NULL)
		return;	/* an unusable config names no spool */
	for (i = 0; (at == NULL || at->wh_spool == NULL) &&
	    i < rs->rs_cf->cf_nwebhooks; i++)
		at = &rs->rs_cf->cf_webhooks[i];
	if (at == NULL || at->wh_spool == NULL)
		return;
	name = wh != NULL ? wh->wh_name : COUNTERS_NO_WEBHOOK;
	if ((sp = webhook_spool(rs, at, &reason)) == NULL) {
		count_trouble(rs, rq, name, at->wh_spool, reason);
		return;
	}
	cp = &rs->rs_counters[at - rs->rs_cf->cf_webhooks];
	if (*cp != NULL && counters_stale(*cp, sp)) {
		counters_close(*cp);
		*cp = NULL;
	}
	if (*cp == NULL && counters_open(sp, cp, &reason) == -1) {
		count_trouble(rs, rq, name, sp->sp_dir, reason);
		return;
	}
	counters_add(*cp, name, a);
}

/*
 * A handshake's answer, as its scheme gives it: its own status, and a
 * body of its own type or none (204). It is sent as given; nosniff keeps
 * a browser from reading an echoed challenge as anything but its type.
 */
static void
respond_answer(struct responder *rs, const struct request *rq,
    const struct config_webhook *wh, const struct scheme_answer *a)
{
	char	*buf = NULL;
	int	 n;

	if (a->sa_body == NULL)
		n = asprintf(&buf, "Status: %d %s\r\n\r\n", a->sa_status,
		    a->sa_status == 204 ? "No Content" : "OK");
	else
		n = asprintf(&buf, "Status: %d OK\r\nContent-Type: %s\r\n"
		    "X-Content-Type-Options: nosniff\r\n\r\n", a->sa_status,
		    a->sa_type);
	if (n < 0)
		return;
	if (req_write(rq, buf, n) == 0 && a->sa_body != NULL)
		(void)req_write(rq, a->sa_body, a->sa_len);
	free(buf);
	count_answer(rs, rq, wh, statuses[OUT_ANSWER].st_count);
}

/*
 * Answer outcome out for webhook wh (NULL: none), count it, and log it:
 * every answer that is not 2xx, and with log_accepted an accepted one
 * (its type, the body's size and the time taken). size is the body's
 * length, or -1.
 */
static void
respond(struct responder *rs, const struct request *rq, enum outcome out,
    const struct config_webhook *wh, const struct event *ev,
    const char *reason, long long size)
{
	struct log_record	 r = LOG_RECORD_INIT;
	char			*buf = NULL, *body = NULL;
	int			 n;

	if (out == OUT_ACCEPTED) {
		if (asprintf(&body, "{\"status\":\"accepted\",\"id\":%s}",
		    ev->ev_id_json) < 0)
			body = NULL;
	}
	n = asprintf(&buf, "Status: %d %s\r\nContent-Type: application/json\r\n"
	    "%s\r\n%s\n", statuses[out].st_code, statuses[out].st_phrase,
	    statuses[out].st_header ? statuses[out].st_header : "",
	    body != NULL ? body : statuses[out].st_body ?
	    statuses[out].st_body : "{\"status\":\"accepted\"}");
	if (n >= 0 && req_write(rq, buf, n) == -1)
		reason = reason ? reason : "unable to send the response";
	count_answer(rs, rq, wh, statuses[out].st_count);
	r.lr_status = statuses[out].st_code;
	r.lr_webhook = wh != NULL ? wh->wh_name : NULL;
	r.lr_id = ev != NULL ? ev->ev_id : NULL;
	r.lr_reason = reason;
	if (statuses[out].st_code >= 300 || n < 0) {
		r.lr_level = statuses[out].st_code >= 500 ? "error" : "warning";
		req_log(rq, &r);
	} else if (out == OUT_ACCEPTED && rs->rs_cf != NULL &&
	    rs->rs_cf->cf_log_accepted) {
		r.lr_level = "info";
		r.lr_reason = "accepted";
		r.lr_type = ev->ev_type;
		r.lr_size = size;
		r.lr_ms = (long long)((io_now() - rq->rq_start) * 1000);
		req_log(rq, &r);
	}
	if (n >= 0)
		free(buf);
	free(body);
}

void
respond_drop(struct responder *rs)
{
	size_t	i;

	if (rs->rs_cf != NULL) {
		for (i = 0; i < rs->rs_cf->cf_nwebhooks; i++) {
			counters_close(rs->rs_counters[i]);
			spool_close(rs->rs_spools[i]);
		}
	}
	free(rs->rs_counters);
	rs->rs_counters = NULL;
	free(rs->rs_spools);
	rs->rs_spools = NULL;
	config_free(rs->rs_cf);
	rs->rs_cf = NULL;
}

/* The config for this request, re-read when it or a secret changed. */
static const struct config *
current_config(struct responder *rs)
{
	struct config	*cf;

	if (rs->rs_cf != NULL && !config_changed(rs->rs_cf))
		return rs->rs_cf;
	respond_drop(rs);
	if (config_load(rs->rs_config, &cf, rs->rs_cf_err, sizeof(rs->rs_cf_err)) == -1)
		return NULL;
	log_stream_json(cf->cf_log_json);
	if ((rs->rs_spools = calloc(cf->cf_nwebhooks, sizeof(*rs->rs_spools))) ==
	    NULL || (rs->rs_counters = calloc(cf->cf_nwebhooks,
	    sizeof(*rs->rs_counters))) == NULL) {
		snprintf(rs->rs_cf_err, sizeof(rs->rs_cf_err), "out of memory");
		free(rs->rs_spools);
		rs->rs_spools = NULL;
		config_free(cf);
		return NULL;
	}
	rs->rs_cf = cf;
	return cf;
}

/* CONTENT_LENGTH as a number, or -1 when missing or not a number. */
static long long
content_length(const char *s)
{
	unsigned long long	v;

	if (s == NULL || number_parse(s, NULL, 0, LLONG_MAX, &v) != NUMBER_OK)
		return -1;
	return (long long)v;
}

static void
drain_input(const struct request *rq, long long len)
{
	char	buf[16384];
	ssize_t	n;

	if (len > CGI_DRAIN_MAX)
		len = CGI_DRAIN_MAX;
	if (req_timer_arm(REQ_DEADLINE) == -1)
		return;
	while (len > 0) {
		n = req_read(rq, buf, len < (long long)sizeof(buf) ?
		    (size_t)len : sizeof(buf));
		if (n <= 0)
			break;
		len -= n;
	}
	(void)req_timer_disarm();	/* a timer left armed only ends this CGI */
}

/*
 * Read the body of a request whose CONTENT_LENGTH is len (at most
 * max_body) within the deadline: under FastCGI the one armed when the
 * request started, as CGI REQ_DEADLINE from now. The timer is disarmed
 * once the body is in. Returns the body (the caller frees it), or NULL
 * with the outcome to answer in *out and a reason in *reason.
 */
static char *
read_body(const struct request *rq, long long len, enum outcome *out,
    const char **reason)
{
	char		*body;
	ssize_t		 got;
	int		 saved;

	if ((body = malloc(len + 1)) == NULL) {
		*out = OUT_SPOOL;
		*reason = "out of memory";
		return NULL;
	}
	if (rq->rq_fcgi == NULL && req_timer_arm(REQ_DEADLINE) == -1) {
		*out = OUT_SPOOL;
		*reason = "unable to set the body's deadline";
		free(body);
		return NULL;
	}
	got = req_read(rq, body, len);
	saved = errno;
	if (req_timer_disarm() == -1 && got == len) {
		*out = OUT_SPOOL;
		*reason = "unable to clear the body's deadline";
	} else if (got == len)
		return body;
	else if (got < 0 && saved == ETIMEDOUT) {
		*out = OUT_TIMEOUT;
		*reason = "body not complete within 30 s";
	} else {
		*out = OUT_SHORT_BODY;
		*reason = got < 0 ? "unable to read the body" :
		    "body shorter than CONTENT_LENGTH";
	}
	free(body);
	return NULL;
}

static const char *
header_of(void *arg, const char *cgi_name)
{
	return req_param(arg, cgi_name);
}

/*
 * Verify the body as the webhook's scheme says, then check the event.
 * Returns OUT_ACCEPTED with so filled, or the outcome to answer (with
 * so's answer for OUT_ANSWER).
 */
static enum outcome
check_request(const struct request *rq, const struct config_webhook *wh,
    const char *method, const char *body, long long len,
    struct scheme_out *so, const char **reason)
{
	struct scheme_request	sr;

	sr.sr_header = header_of;
	sr.sr_arg = (void *)rq;
	sr.sr_body = body;
	sr.sr_len = len;
	sr.sr_now = time(NULL);
	sr.sr_method = method;
	sr.sr_query = req_param(rq, "QUERY_STRING");
	switch (scheme_check(wh, &sr, so, reason)) {
	case SCHEME_OK:
		return OUT_ACCEPTED;
	case SCHEME_EVENT:
		return OUT_BAD_EVENT;
	case SCHEME_IGNORED:
		*reason = NULL;
		return OUT_IGNORED;
	case SCHEME_ANSWER:
		*reason = NULL;
		return OUT_ANSWER;
	case SCHEME_STALE:
		return OUT_STALE;
	default:
		return OUT_SIGNATURE;
	}
}

/*
 * Spool the checked event ev, whose body is body[0..len) (or the JSON the
 * scheme made of it), and answer; size is the request's body length.
 */
static void
deliver(struct responder *rs, const struct request *rq,
    const struct config_webhook *wh, struct spool *sp, char *body,
    long long len, const struct event *ev, long long size)
{
	struct spool_entry	 se;
	struct timespec		 when;
	const char		*reason;
	char			 name[SPOOL_NAME_MAX], why[256];
	size_t			 linelen;

	se.se_body = event_flatten(body, len, &linelen);
	se.se_bodylen = linelen;
	se.se_webhook = wh->wh_name;
	se.se_id = ev->ev_id;
	se.se_id_json = ev->ev_id_json;
	se.se_type_json = ev->ev_type_json;
	se.se_signed_sum = ev->ev_id_unsigned ? ev->ev_signed_sum : NULL;
	switch (spool_deliver(sp, &se, rs->rs_cf->cf_dedup, name, &when,
	    &reason)) {
	case SPOOL_DELIVERED:
		respond(rs, rq, OUT_ACCEPTED, wh, ev, NULL, size);
		break;
	case SPOOL_DUPLICATE:
		respond(rs, rq, OUT_DUPLICATE, wh, ev, NULL, size);
		break;
	case SPOOL_ERROR:
		snprintf(why, sizeof(why), "%s: %s", reason, strerror(errno));
		respond(rs, rq, OUT_SPOOL, wh, ev, why, size);
		break;
	}
}

/*
 * A GET to a webhook whose scheme takes one: a handshake with no body,
 * answered by the scheme or refused. Returns 0 (no body was read).
 */
static long long
respond_get(struct responder *rs, const struct request *rq,
    const struct config_webhook *wh)
{
	struct scheme_out	 so;
	const char		*reason = NULL;
	enum outcome		 out;

	out = check_request(rq, wh, "GET", "", 0, &so, &reason);
	if (out == OUT_ANSWER)
		respond_answer(rs, rq, wh, &so.so_answer);
	else
		respond(rs, rq, out == OUT_ACCEPTED ? OUT_BAD_EVENT : out, wh,
		    NULL, reason, -1);
	scheme_out_clear(&so);
	return 0;
}

/*
 * The POST of a webhook, whose CONTENT_LENGTH is len (within max_body):
 * its body read, verified, checked, matched and spooled, and answered.
 */
static void
respond_post(struct responder *rs, const struct request *rq,
    const struct config_webhook *wh, const char *method, long long len)
{
	struct spool		*sp;
	struct scheme_out	 so;
	const char		*reason = NULL;
	char			 why[256], *body;
	enum outcome		 out;

	memset(&so, 0, sizeof(so));
	if ((body = read_body(rq, len, &out, &reason)) == NULL) {
		if (out == OUT_TIMEOUT && rq->rq_fcgi != NULL)
			rq->rq_fcgi->keepConnection = 0;
		respond(rs, rq, out, wh, NULL, reason, len);
		return;
	}
	out = check_request(rq, wh, method, body, len, &so, &reason);
	if (out == OUT_ANSWER)
		respond_answer(rs, rq, wh, &so.so_answer);
	else if (out != OUT_ACCEPTED)
		respond(rs, rq, out, wh, NULL, reason, len);
	else if (!event_type_matches(so.so_ev.ev_type, wh->wh_events,
	    wh->wh_nevents))
		respond(rs, rq, OUT_IGNORED, wh, &so.so_ev, NULL, len);
	else if ((sp = webhook_spool(rs, wh, &reason)) == NULL) {
		snprintf(why, sizeof(why), "%s %s: %s", reason, wh->wh_spool,
		    strerror(errno));
		respond(rs, rq, OUT_SPOOL, wh, &so.so_ev, why, len);
	} else if (so.so_event != NULL)
		deliver(rs, rq, wh, sp, so.so_event, so.so_eventlen, &so.so_ev,
		    len);
	else
		deliver(rs, rq, wh, sp, body, len, &so.so_ev, len);
	scheme_out_clear(&so);
	free(body);
}

long long
respond_request(struct responder *rs, const struct request *rq)
{
	const struct config		*cf;
	const struct config_webhook	*wh;
	const char			*method;
	char				 why[256];
	long long			 len;

	if ((cf = current_config(rs)) == NULL) {
		respond(rs, rq, OUT_CONFIG, NULL, NULL, rs->rs_cf_err, -1);
		return 0;
	}
	if ((wh = config_find_webhook(cf, req_param(rq, "PATH_INFO"))) == NULL) {
		respond(rs, rq, OUT_NO_WEBHOOK, NULL, NULL,
		    "no webhook for this path", -1);
		return 0;
	}
	/* A broken webhook is 500 for itself; the others work on. */
	if (wh->wh_broken != NULL) {
		snprintf(why, sizeof(why), "webhook unusable: %s",
		    wh->wh_broken);
		respond(rs, rq, OUT_CONFIG, wh, NULL, why, -1);
		return 0;
	}
	method = req_param(rq, "REQUEST_METHOD");
	if (method != NULL && strcmp(method, "GET") == 0 &&
	    scheme_takes_get(wh))
		return respond_get(rs, rq, wh);
	if (method == NULL || strcmp(method, "POST") != 0) {
		respond(rs, rq, scheme_takes_get(wh) ? OUT_METHOD_GET :
		    OUT_METHOD, wh, NULL, "method is neither POST nor GET", -1);
		return 0;
	}
	if ((len = content_length(req_param(rq, "CONTENT_LENGTH"))) == -1) {
		respond(rs, rq, OUT_NO_LENGTH, wh, NULL,
		    "CONTENT_LENGTH missing or not a number", -1);
		return 0;
	}
	if ((unsigned long long)len > cf->cf_max_body) {
		if (rq->rq_fcgi == NULL)
			drain_input(rq, len);
		respond(rs, rq, OUT_TOO_LARGE, wh, NULL,
		    "body larger than max_body", len);
		return 0;
	}
	respond_post(rs, rq, wh, method, len);
	return len;
}
