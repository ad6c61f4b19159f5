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
#include "event.h"
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

/* The status table (hookspool.fcgi(8), ANSWERS): what each outcome answers. */
static const struct {
	int		 st_code;
	const char	*st_phrase;
	const char	*st_header;	/* extra header line, or NULL */
	const char	*st_body;	/* JSON body (accepted adds the id) */
} statuses[] = {
	[OUT_CONFIG] = { 500, "Internal Server Error", NULL,
	    "{\"status\":\"error\",\"error\":\"configuration unusable\"}" },
	[OUT_NO_WEBHOOK] = { 404, "Not Found", NULL,
	    "{\"status\":\"error\",\"error\":\"no webhook here\"}" },
	[OUT_METHOD] = { 405, "Method Not Allowed", "Allow: POST\r\n",
	    "{\"status\":\"error\",\"error\":\"method not allowed\"}" },
	[OUT_METHOD_GET] = { 405, "Method Not Allowed", "Allow: GET, POST\r\n",
	    "{\"status\":\"error\",\"error\":\"method not allowed\"}" },
	[OUT_NO_LENGTH] = { 411, "Length Required", NULL,
	    "{\"status\":\"error\",\"error\":\"length required\"}" },
	[OUT_TOO_LARGE] = { 413, "Payload Too Large", NULL,
	    "{\"status\":\"error\",\"error\":\"body too large\"}" },
	[OUT_SHORT_BODY] = { 400, "Bad Request", NULL,
	    "{\"status\":\"error\",\"error\":\"body shorter than its length\"}" },
	[OUT_TIMEOUT] = { 408, "Request Timeout", NULL,
	    "{\"status\":\"error\",\"error\":\"body not received in time\"}" },
	[OUT_SIGNATURE] = { 401, "Unauthorized", NULL,
	    "{\"status\":\"error\",\"error\":\"bad signature\"}" },
	[OUT_STALE] = { 401, "Unauthorized", NULL,
	    "{\"status\":\"error\",\"error\":\"timestamp outside tolerance\"}" },
	[OUT_BAD_EVENT] = { 400, "Bad Request", NULL,
	    "{\"status\":\"error\",\"error\":\"not a valid event\"}" },
	[OUT_IGNORED] = { 200, "OK", NULL, "{\"status\":\"ignored\"}" },
	[OUT_DUPLICATE] = { 200, "OK", NULL, "{\"status\":\"duplicate\"}" },
	[OUT_ACCEPTED] = { 200, "OK", NULL, NULL },
	[OUT_ANSWER] = { 200, "OK", NULL, NULL },	/* a handshake's */
	[OUT_SPOOL] = { 503, "Service Unavailable", "Retry-After: 60\r\n",
	    "{\"status\":\"error\",\"error\":\"spool unavailable, retry later\"}" },
};

/*
 * A handshake's answer, as its scheme gives it: its own status, and a
 * body of its own type or none (204). It is sent as given; nosniff keeps
 * a browser from reading an echoed challenge as anything but its type.
 */
static void
respond_answer(const struct request *rq, const struct scheme_answer *a)
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
}

static void
respond(const struct request *rq, enum outcome out, const char *webhook,
    const struct event *ev, const char *reason)
{
	char	*buf = NULL, *body = NULL;
	int	 n;

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
	if (statuses[out].st_code >= 300 || n < 0)
		req_log(rq, statuses[out].st_code, webhook,
		    ev != NULL ? ev->ev_id : NULL, reason);
	if (n >= 0)
		free(buf);
	free(body);
}

void
respond_drop(struct responder *rs)
{
	size_t	i;

	if (rs->rs_cf != NULL) {
		for (i = 0; i < rs->rs_cf->cf_nwebhooks; i++)
			spool_close(rs->rs_spools[i]);
	}
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
	if ((rs->rs_spools = calloc(cf->cf_nwebhooks, sizeof(*rs->rs_spools))) ==
	    NULL) {
		snprintf(rs->rs_cf_err, sizeof(rs->rs_cf_err), "out of memory");
		config_free(cf);
		return NULL;
	}
	rs->rs_cf = cf;
	return cf;
}

static struct spool *
webhook_spool(struct responder *rs, const struct config_webhook *wh,
    const char **reason)
{
	size_t	i = wh - rs->rs_cf->cf_webhooks;

	/* A spool moved or removed under us is opened (created) anew. */
	if (rs->rs_spools[i] != NULL && spool_stale(rs->rs_spools[i])) {
		spool_close(rs->rs_spools[i]);
		rs->rs_spools[i] = NULL;
	}
	if (rs->rs_spools[i] == NULL &&
	    spool_open(wh->wh_spool, rs->rs_cf->cf_fsync,
	    rs->rs_cf->cf_group_readable, &rs->rs_spools[i], reason) == -1)
		return NULL;
	return rs->rs_spools[i];
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
 * scheme made of it), and answer.
 */
static void
deliver(const struct request *rq, const struct config *cf,
    const struct config_webhook *wh, struct spool *sp, char *body,
    long long len, const struct event *ev)
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
	switch (spool_deliver(sp, &se, cf->cf_dedup, name, &when, &reason)) {
	case SPOOL_DELIVERED:
		respond(rq, OUT_ACCEPTED, wh->wh_name, ev, NULL);
		break;
	case SPOOL_DUPLICATE:
		respond(rq, OUT_DUPLICATE, wh->wh_name, ev, NULL);
		break;
	case SPOOL_ERROR:
		snprintf(why, sizeof(why), "%s: %s", reason, strerror(errno));
		respond(rq, OUT_SPOOL, wh->wh_name, ev, why);
		break;
	}
}

/*
 * A GET to a webhook whose scheme takes one: a handshake with no body,
 * answered by the scheme or refused. Returns 0 (no body was read).
 */
static long long
respond_get(const struct request *rq, const struct config_webhook *wh)
{
	struct scheme_out	 so;
	const char		*reason = NULL;
	enum outcome		 out;

	out = check_request(rq, wh, "GET", "", 0, &so, &reason);
	if (out == OUT_ANSWER)
		respond_answer(rq, &so.so_answer);
	else
		respond(rq, out == OUT_ACCEPTED ? OUT_BAD_EVENT : out,
		    wh->wh_name, NULL, reason);
	scheme_out_clear(&so);
	return 0;
}

long long
respond_request(struct responder *rs, const struct request *rq)
{
	const struct config		*cf;
	const struct config_webhook	*wh;
	struct spool			*sp;
	struct scheme_out		 so;
	const char			*method, *reason = NULL;
	char				 why[256], *body = NULL;
	long long			 len;
	enum outcome			 out;

	memset(&so, 0, sizeof(so));
	if ((cf = current_config(rs)) == NULL) {
		respond(rq, OUT_CONFIG, NULL, NULL, rs->rs_cf_err);
		return 0;
	}
	if ((wh = config_find_webhook(cf, req_param(rq, "PATH_INFO"))) == NULL) {
		respond(rq, OUT_NO_WEBHOOK, NULL, NULL, "no webhook for this path");
		return 0;
	}
	/* A broken webhook is 500 for itself; the others work on. */
	if (wh->wh_broken != NULL) {
		snprintf(why, sizeof(why), "webhook unusable: %s",
		    wh->wh_broken);
		respond(rq, OUT_CONFIG, wh->wh_name, NULL, why);
		return 0;
	}
	method = req_param(rq, "REQUEST_METHOD");
	if (method != NULL && strcmp(method, "GET") == 0 &&
	    scheme_takes_get(wh))
		return respond_get(rq, wh);
	if (method == NULL || strcmp(method, "POST") != 0) {
		respond(rq, scheme_takes_get(wh) ? OUT_METHOD_GET : OUT_METHOD,
		    wh->wh_name, NULL, "method is neither POST nor GET");
		return 0;
	}
	if ((len = content_length(req_param(rq, "CONTENT_LENGTH"))) == -1) {
		respond(rq, OUT_NO_LENGTH, wh->wh_name, NULL,
		    "CONTENT_LENGTH missing or not a number");
		return 0;
	}
	if ((unsigned long long)len > cf->cf_max_body) {
		if (rq->rq_fcgi == NULL)
			drain_input(rq, len);
		respond(rq, OUT_TOO_LARGE, wh->wh_name, NULL,
		    "body larger than max_body");
		return 0;
	}
	if ((body = read_body(rq, len, &out, &reason)) == NULL) {
		if (out == OUT_TIMEOUT && rq->rq_fcgi != NULL)
			rq->rq_fcgi->keepConnection = 0;
		respond(rq, out, wh->wh_name, NULL, reason);
		return 0;
	}
	out = check_request(rq, wh, method, body, len, &so, &reason);
	if (out == OUT_ANSWER) {
		respond_answer(rq, &so.so_answer);
		goto done;
	}
	if (out != OUT_ACCEPTED) {
		respond(rq, out, wh->wh_name, NULL, reason);
		goto done;
	}
	if (!event_type_matches(so.so_ev.ev_type, wh->wh_events,
	    wh->wh_nevents)) {
		respond(rq, OUT_IGNORED, wh->wh_name, &so.so_ev, NULL);
		goto done;
	}
	if ((sp = webhook_spool(rs, wh, &reason)) == NULL) {
		snprintf(why, sizeof(why), "%s %s: %s", reason, wh->wh_spool,
		    strerror(errno));
		respond(rq, OUT_SPOOL, wh->wh_name, &so.so_ev, why);
		goto done;
	}
	if (so.so_event != NULL)
		deliver(rq, cf, wh, sp, so.so_event, so.so_eventlen, &so.so_ev);
	else
		deliver(rq, cf, wh, sp, body, len, &so.so_ev);
done:
	scheme_out_clear(&so);
	free(body);
	return len;
}

