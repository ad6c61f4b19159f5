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
};

enum scheme_result {
	SCHEME_OK = 0,		/* verified: ev holds the id and type */
	SCHEME_SIGNATURE,	/* missing, malformed or matching no secret */
	SCHEME_EVENT,		/* verified, but not a valid event */
	SCHEME_ERROR		/* the check itself failed (libgcrypt) */
};

/*
 * Verify rq as webhook wh's scheme says, over the raw body and before any
 * parsing, and only then check the event and take its id and type from
 * where the scheme says. On SCHEME_OK ev is filled (release it with
 * event_clear()); on anything else ev is left empty and *reason is a
 * static string for the log.
 */
enum scheme_result scheme_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct event *ev, const char **reason);

#endif
