/*
 * respond.h: one request's way through the responder, the same under
 * FastCGI and plain CGI, from its parameters to its answer; what the
 * responder keeps between requests (the config and the open spools).
 */
#ifndef HOOKSPOOL_RESPOND_H
#define HOOKSPOOL_RESPOND_H

#include "config.h"
#include "counters.h"
#include "request.h"
#include "spool.h"

/*
 * What the responder keeps between requests. The config's path is fixed
 * when the process starts: no request parameter ever chooses it, since
 * whoever can reach a FastCGI socket would then choose the secret.
 */
struct responder {
	const char	*rs_config;		/* the config's path */
	struct config	*rs_cf;
	struct spool	**rs_spools;		/* one per webhook, lazily */
	struct counters	**rs_counters;		/* each spool's, lazily */
	int		 rs_count_warned;	/* a counting problem logged */
	char		 rs_cf_err[CONFIG_ERR_MAX];
};

/*
 * Answer the request rq, in the order of hookspool.fcgi(8)'s ANSWERS
 * table, count the answer in the spool's counters file (counters.h; best
 * effort, a problem logged once a process), and log a non-2xx answer as
 * one line (and, with log_accepted, an accepted one). The config is read, or
 * read again when it or a secret changed, and a webhook's spool opened
 * when first needed; both stay in rs. Under FastCGI the request's
 * deadline timer is already armed (req_timer_arm()); as CGI the body's
 * read arms it. Either way it is disarmed once the body is in. Returns
 * the length of the body it read, or 0.
 */
long long respond_request(struct responder *rs, const struct request *rq);

/* Close the spools and free the config rs keeps. rs stays usable. */
void respond_drop(struct responder *rs);

#endif
