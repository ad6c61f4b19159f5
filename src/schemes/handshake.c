/*
 * handshake.c: the answers to the handshakes some senders make before
 * they send events (Slack's url_verification). A handshake is answered
 * by the responder and never spooled; where the sender signs it, it has
 * been verified before it gets here.
 */
#include <stdlib.h>

#include "json.h"
#include "schemes/schemes.h"

/* Slack's url_verification: its challenge, JSON-encoded, in ev_id_json. */
enum scheme_result
scheme_slack_challenge(const struct scheme_request *rq, struct event *ev,
    const char **reason)
{
	char	*c;
	size_t	 n;

	if (event_body_string(rq->sr_body, rq->sr_len, "challenge", &c, &n,
	    reason) != 1) {
		*reason = "url_verification without a challenge";
		return SCHEME_EVENT;
	}
	ev->ev_id_json = json_string_encode(c, n);
	free(c);
	if (ev->ev_id_json == NULL) {
		*reason = "out of memory";
		return SCHEME_EVENT;
	}
	return SCHEME_CHALLENGE;
}
