/*
 * token.c: senders that send a shared token instead of a signature:
 * GitLab (X-Gitlab-Token) and Telegram (X-Telegram-Bot-Api-Secret-Token).
 * The token proves who sent the request, but nothing binds it to the
 * body: whoever captures one request can send any body with its token.
 * So these schemes dedup on the body as well as on the id (the table's
 * SCHEME_ID_HEADER), and the documentation says what the token is worth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "schemes/schemes.h"

#define TELEGRAM_TOKEN_MAX	256	/* Bot API: secret_token, 1-256 */

/* GitLab: X-Gitlab-Token; the type is object_kind (or event_name).action */
enum scheme_result
scheme_gitlab_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	enum scheme_result	 r;
	char			*kind = NULL, *action = NULL, *type = NULL;
	char			 sum[VERIFY_HEX_LEN + 1];
	const char		*id;
	size_t			 n;

	if ((r = scheme_token_check(wh, scheme_header(rq,
	    "HTTP_X_GITLAB_TOKEN"), reason)) != SCHEME_OK)
		return r;
	if (event_check_body(rq->sr_body, rq->sr_len, reason) == -1 ||
	    event_body_string(rq->sr_body, rq->sr_len, "object_kind", &kind,
	    &n, reason) == -1 || (kind == NULL && event_body_string(
	    rq->sr_body, rq->sr_len, "event_name", &kind, &n, reason) == -1) ||
	    event_body_string(rq->sr_body, rq->sr_len,
	    "object_attributes.action", &action, &n, reason) == -1) {
		r = SCHEME_EVENT;
		goto done;
	}
	if (kind != NULL && action != NULL &&
	    asprintf(&type, "%s.%s", kind, action) == -1) {
		type = NULL;
		*reason = "out of memory";
		r = SCHEME_EVENT;
		goto done;
	}
	/* Idempotency-Key (GitLab 17.4): one per delivery, kept on retries */
	if ((id = scheme_header(rq, "HTTP_IDEMPOTENCY_KEY")) == NULL) {
		if ((r = scheme_body_sum(rq, sum, reason)) != SCHEME_OK)
			goto done;
		id = sum;
	}
	r = scheme_unsigned_id(rq, &out->so_ev, scheme_fill(rq, id, NULL,
	    type != NULL ? type : kind, NULL, &out->so_ev, reason), reason);
done:
	free(kind);
	free(action);
	free(type);
	return r;
}

/* The kinds of a Telegram Update: its one field besides update_id. */
static const char *const telegram_kinds[] = {
	"message", "edited_message", "channel_post", "edited_channel_post",
	"business_connection", "business_message", "edited_business_message",
	"deleted_business_messages", "message_reaction",
	"message_reaction_count", "inline_query", "chosen_inline_result",
	"callback_query", "shipping_query", "pre_checkout_query",
	"purchased_paid_media", "poll", "poll_answer", "my_chat_member",
	"chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
};
#define TELEGRAM_KINDS	(sizeof(telegram_kinds) / sizeof(telegram_kinds[0]))

/*
 * Telegram: X-Telegram-Bot-Api-Secret-Token; the id is update_id (a
 * number), the type the Update's kind ("update" for a kind not known).
 */
enum scheme_result
scheme_telegram_check(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason)
{
	struct json_member	 m[TELEGRAM_KINDS + 1];
	enum scheme_result	 r;
	const char		*type = "update";
	char			 id[32];
	size_t			 i;

	if ((r = scheme_token_check(wh, scheme_header(rq,
	    "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"), reason)) != SCHEME_OK)
		return r;
	m[0].jm_name = "update_id";
	for (i = 0; i < TELEGRAM_KINDS; i++)
		m[i + 1].jm_name = telegram_kinds[i];
	if (json_check_object(rq->sr_body, rq->sr_len, m, TELEGRAM_KINDS + 1,
	    reason) == -1)
		return SCHEME_EVENT;
	if (scheme_member_integer(&m[0], id, sizeof(id), reason) == -1)
		return SCHEME_EVENT;
	for (i = 1; i <= TELEGRAM_KINDS; i++)
		if (m[i].jm_count > 0) {
			type = m[i].jm_name;
			break;
		}
	return scheme_unsigned_id(rq, &out->so_ev, scheme_fill(rq, id, NULL,
	    type, NULL, &out->so_ev, reason), reason);
}

/* Telegram's secret_token: 1 to 256 of A-Z, a-z, 0-9, '_' and '-'. */
int
scheme_telegram_configure(struct config_webhook *wh, const char **reason)
{
	const struct config_secret	*sec;
	size_t				 i, j;

	for (i = 0; i < wh->wh_nsecrets; i++) {
		sec = &wh->wh_secrets[i];
		for (j = 0; j < sec->sec_len; j++)
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
			    "rstuvwxyz0123456789_-", sec->sec_key[j]) == NULL ||
			    sec->sec_key[j] == '\0')
				break;
		if (sec->sec_len == 0 || sec->sec_len > TELEGRAM_TOKEN_MAX ||
		    j < sec->sec_len) {
			*reason = "a telegram secret is 1 to 256 of A-Z, a-z, "
			    "0-9, _ and - (setWebhook's secret_token)";
			return -1;
		}
	}
	return 0;
}

/* The secret itself, as the sender sends it: it is the token. */
static int
token_line(const struct config_webhook *wh, const char *name, char **out,
    const char **reason)
{
	const struct config_secret	*sec = &wh->wh_secrets[0];

	if (memchr(sec->sec_key, '\n', sec->sec_len) != NULL ||
	    memchr(sec->sec_key, '\r', sec->sec_len) != NULL ||
	    memchr(sec->sec_key, '\0', sec->sec_len) != NULL) {
		*reason = "the token holds a line break or a NUL byte: no "
		    "header can carry it";
		return -1;
	}
	return scheme_printf(out, reason, "%s: %.*s\n", name,
	    (int)sec->sec_len, (const char *)sec->sec_key);
}

int
scheme_gitlab_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	char	*token;
	int	 rc;

	(void)body;
	(void)len;
	(void)now;
	if (token_line(wh, "X-Gitlab-Token", &token, reason) == -1)
		return -1;
	rc = scheme_printf(out, reason, "%s%s%s%s%s%s%s", token,
	    id != NULL ? "Idempotency-Key: " : "", id != NULL ? id : "",
	    id != NULL ? "\n" : "", type != NULL ? "X-Gitlab-Event: " : "",
	    type != NULL ? type : "", type != NULL ? "\n" : "");
	explicit_bzero(token, strlen(token));
	free(token);
	return rc;
}

int
scheme_telegram_sign(const struct config_webhook *wh, const char *body,
    size_t len, const char *id, const char *type, time_t now, char **out,
    const char **reason)
{
	(void)body;
	(void)len;
	(void)id;
	(void)type;
	(void)now;
	return token_line(wh, "X-Telegram-Bot-Api-Secret-Token", out, reason);
}
