/*
 * scheme.c: the senders' signing schemes. A scheme is a name and a
 * function that verifies a request and fills the event; adding a sender
 * is adding both here.
 */
#include <string.h>

#include "scheme.h"
#include "verify.h"

struct scheme {
	const char		*sc_name;
	enum scheme_result	(*sc_check)(const struct config_webhook *,
				    const struct scheme_request *,
				    struct event *, const char **);
};

/*
 * Protocol: the hex HMAC-SHA256 of the body in the webhook's header
 * (x-protocol-signature unless set); id and type from the body.
 */
static enum scheme_result
protocol_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct event *ev, const char **reason)
{
	switch (verify_signature(rq->sr_header(rq->sr_arg, wh->wh_cgi_header),
	    rq->sr_body, rq->sr_len, wh->wh_secrets, wh->wh_nsecrets,
	    reason)) {
	case VERIFY_OK:
		break;
	case VERIFY_ERROR:
		return SCHEME_ERROR;
	default:
		return SCHEME_SIGNATURE;
	}
	if (event_parse(rq->sr_body, rq->sr_len, ev, reason) == -1)
		return SCHEME_EVENT;
	return SCHEME_OK;
}

static const struct scheme schemes[] = {
	{ "protocol", protocol_check },
};

enum scheme_result
scheme_check(const struct config_webhook *wh, const struct scheme_request *rq,
    struct event *ev, const char **reason)
{
	/* Protocol's is the only scheme until the config can name others. */
	const struct scheme	*sc = &schemes[0];

	memset(ev, 0, sizeof(*ev));
	return sc->sc_check(wh, rq, ev, reason);
}
