/*
 * handshake.c: the answers to the handshakes some senders make before
 * they send events. A handshake is answered by the responder and never
 * spooled; where the sender signs it, it has been verified before it
 * gets here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "schemes/schemes.h"

enum scheme_result
scheme_answer(struct scheme_out *out, int status, const char *type,
    char *body, const char **reason)
{
	if (type != NULL && body == NULL) {
		*reason = "out of memory";
		return SCHEME_ERROR;
	}
	out->so_answer.sa_status = status;
	out->so_answer.sa_type = type;
	out->so_answer.sa_body = body;
	out->so_answer.sa_len = body != NULL ? strlen(body) : 0;
	return SCHEME_ANSWER;
}

/* Slack's url_verification: {"challenge":"..."}, the body's challenge. */
enum scheme_result
scheme_slack_challenge(const struct scheme_request *rq,
    struct scheme_out *out, const char **reason)
{
	char	*c, *json, *body = NULL;
	size_t	 n;

	if (event_body_string(rq->sr_body, rq->sr_len, "challenge", &c, &n,
	    reason) != 1) {
		*reason = "url_verification without a challenge";
		return SCHEME_EVENT;
	}
	json = json_string_encode(c, n);
	free(c);
	if (json != NULL && asprintf(&body, "{\"challenge\":%s}", json) < 0)
		body = NULL;
	free(json);
	return scheme_answer(out, 200, "application/json", body, reason);
}
