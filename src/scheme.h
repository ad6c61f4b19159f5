/*
 * scheme.h: where a sender puts its signature, and where an event's id
 * and type come from. Each sender's signing scheme is one entry of the
 * table in scheme.c and one function; the responder only calls
 * scheme_check() and maps its answer to a status (hookspool.fcgi(8)).
 */
#ifndef HOOKSPOOL_SCHEME_H
#define HOOKSPOOL_SCHEME_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "event.h"

/* The parts of a request a scheme may read. */
struct scheme_request {
	/*
	 * The value of a request header by its CGI name (HTTP_X_HUB_
	 * SIGNATURE_256), or NULL when absent. arg is sr_arg.
	 */
	const char	*(*sr_header)(void *arg, const char *cgi_name);
	void		*sr_arg;
	const char	*sr_body;	/* the raw body, as received */
	size_t		 sr_len;
	time_t		 sr_now;	/* for schemes with a timestamp */
	const char	*sr_method;	/* "POST" (also when NULL) or "GET" */
	const char	*sr_query;	/* QUERY_STRING as received, or NULL */
};

enum scheme_result {
	SCHEME_OK = 0,		/* verified: the event is in so_ev */
	SCHEME_SIGNATURE,	/* missing, malformed or matching no secret */
	SCHEME_STALE,		/* its timestamp is outside the tolerance */
	SCHEME_EVENT,		/* verified, but not a valid event */
	SCHEME_IGNORED,		/* verified, but not an event (Slack) */
	SCHEME_ANSWER,		/* a handshake (verified where the sender
				   signs it): answer so_answer, spool nothing */
	SCHEME_ERROR		/* the check itself failed (libgcrypt) */
};

/* The answer to a sender's handshake (SCHEME_ANSWER). */
struct scheme_answer {
	int		 sa_status;	/* 200 or 204 */
	const char	*sa_type;	/* its Content-Type (static), or NULL
					   when it has no body (204) */
	char		*sa_body;	/* its body, or NULL */
	size_t		 sa_len;
};

/* What scheme_check() gives back. */
struct scheme_out {
	struct event		 so_ev;		/* SCHEME_OK: id, type, sums */
	/*
	 * SCHEME_OK: the event to spool when it is not the body itself (a
	 * form body becomes a JSON object of its fields), one line of JSON,
	 * or NULL to spool the body.
	 */
	char			*so_event;
	size_t			 so_eventlen;
	struct scheme_answer	 so_answer;	/* SCHEME_ANSWER */
};

/*
 * Check and complete webhook wh's scheme settings once its section is
 * read: the scheme's name, the settings it takes (tolerance, hmac's
 * prefix, encoding, id_* and type_*), and its secrets (a standard secret
 * is whsec_ and base64: its key is the decoded bytes, which replace it).
 * Returns 0, or -1 with a static reason.
 */
int scheme_configure(struct config_webhook *wh, const char **reason);

/*
 * The header lines ("Name: value\n" each) a sender of scheme name would
 * send with body[0..len), signed with secret (as written in a config: a
 * standard secret is whsec_ and base64) at time now: id and type are the
 * delivery's id and event where the scheme puts them in headers (github,
 * shopify: both needed; standard, twitch: id); url is the URL the sender
 * calls, for the schemes that sign it (square, hubspot, twilio: needed;
 * may be NULL otherwise). Mailgun signs in the body: its output is the
 * signature object to put there. On success *out is a new string the
 * caller frees; returns 0, or -1 with a static reason (hmac is refused:
 * its header is the webhook's own; so are the public-key schemes, whose
 * reason names the sender's own tools).
 */
int scheme_sign(const char *name, const unsigned char *secret,
    size_t secretlen, const char *url, const char *body, size_t len,
    const char *id, const char *type, time_t now, char **out,
    const char **reason);

/*
 * The CGI variable a request header arrives in: "X-Hub-Signature-256"
 * gives "HTTP_X_HUB_SIGNATURE_256". A new string the caller frees, or
 * NULL when out of memory.
 */
char *scheme_cgi_name(const char *name);

/*
 * Whether webhook wh (configured) takes its event id from a header the
 * signature does not cover, or signs nothing that binds the body: github,
 * shopify, hmac with id_header, gitlab and telegram (tokens), mailgun.
 * Such a webhook's events carry the SHA-256 of the signed bytes
 * (event.h), and forward marks those too.
 */
int scheme_id_unsigned(const struct config_webhook *wh);

/*
 * Whether webhook wh's scheme (configured) takes a GET: a handshake that
 * the sender makes with GET (meta's subscription check). Every other GET
 * is the responder's 405.
 */
int scheme_takes_get(const struct config_webhook *wh);

/*
 * Verify rq as webhook wh's scheme says, over the raw body and before any
 * parsing, and only then check the event and take its id and type from
 * where the scheme says. On SCHEME_OK out->so_ev is filled (and
 * so_event, for a form body); on SCHEME_ANSWER out->so_answer. Release
 * out with scheme_out_clear() either way; on anything else out is left
 * empty and *reason is a static string for the log. A GET (sr_method)
 * is never SCHEME_OK: at most a handshake's answer.
 */
enum scheme_result scheme_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason);

/* Free what scheme_check() left in out and empty it. out may be NULL. */
void scheme_out_clear(struct scheme_out *out);

#endif
