/*
 * util.c: what the senders' schemes share: headers, candidate MACs and
 * their check against the secrets, timestamps, the event's id and type,
 * and the signing helpers of `hookspool sign`.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "number.h"
#include "schemes/schemes.h"

const char *
scheme_header(const struct scheme_request *rq, const char *cgi_name)
{
	return rq->sr_header(rq->sr_arg, cgi_name);
}

void
scheme_add_mac(struct scheme_macs *m, const char *text, size_t len,
    int base64)
{
	size_t	n;

	if (m->sm_n == SCHEME_MACS_MAX)
		return;
	if (base64 ? verify_base64(text, len, m->sm_mac[m->sm_n],
	    VERIFY_MAC_LEN, &n) == 0 && n == VERIFY_MAC_LEN :
	    verify_unhex(text, len, m->sm_mac[m->sm_n]) == 0)
		m->sm_n++;
}

enum scheme_result
scheme_check_macs(const struct config_webhook *wh,
    const struct verify_part *parts, size_t nparts, struct scheme_macs *m,
    const char **reason)
{
	enum verify_result	r;

	if (m->sm_n == 0) {
		*reason = "no signature in the expected form";
		return SCHEME_SIGNATURE;
	}
	r = verify_macs(parts, nparts, (const unsigned char (*)[VERIFY_MAC_LEN])
	    m->sm_mac, m->sm_n, wh->wh_secrets, wh->wh_nsecrets, reason);
	explicit_bzero(m, sizeof(*m));
	if (r == VERIFY_ERROR)
		return SCHEME_ERROR;
	return r == VERIFY_OK ? SCHEME_OK : SCHEME_SIGNATURE;
}

int
scheme_timely(const struct config_webhook *wh,
    const struct scheme_request *rq, const char *ts, const char **reason)
{
	unsigned long long	t;
	long long		d;

	if (ts == NULL || number_parse(ts, NULL, 0, LLONG_MAX, &t) !=
	    NUMBER_OK) {
		*reason = "timestamp missing or not a number";
		return 0;
	}
	d = (long long)t - (long long)rq->sr_now;
	if (d > wh->wh_tolerance || -d > wh->wh_tolerance) {
		*reason = d > 0 ? "timestamp in the future" : "timestamp too old";
		return 0;
	}
	return 1;
}

enum scheme_result
scheme_fill(const struct scheme_request *rq, const char *id_hdr,
    const char *id_path, const char *type_hdr, const char *type_path,
    struct event *ev, const char **reason)
{
	char	*id = NULL, *type = NULL;
	size_t	 idlen = 0, typelen = 0;
	int	 rc = -1;

	if (event_check_body(rq->sr_body, rq->sr_len, reason) == -1)
		return SCHEME_EVENT;
	if (id_hdr != NULL) {
		id = strdup(id_hdr);
		idlen = strlen(id_hdr);
	} else if (id_path != NULL && event_body_string(rq->sr_body,
	    rq->sr_len, id_path, &id, &idlen, reason) == -1)
		goto done;
	if (type_hdr != NULL) {
		type = strdup(type_hdr);
		typelen = strlen(type_hdr);
	} else if (type_path != NULL && event_body_string(rq->sr_body,
	    rq->sr_len, type_path, &type, &typelen, reason) == -1)
		goto done;
	if ((id_hdr != NULL && id == NULL) || (type_hdr != NULL && type == NULL))
		*reason = "out of memory";
	else
		rc = event_set(ev, id, idlen, type, typelen, reason);
done:
	free(id);
	free(type);
	return rc == 0 ? SCHEME_OK : SCHEME_EVENT;
}

enum scheme_result
scheme_unsigned_id(const struct scheme_request *rq, struct event *ev,
    enum scheme_result r, const char **reason)
{
	struct verify_part	part = { rq->sr_body, rq->sr_len };

	if (r != SCHEME_OK)
		return r;
	if (verify_sha256(&part, 1, ev->ev_signed_sum) == -1) {
		*reason = "unable to hash the body";
		return SCHEME_ERROR;
	}
	ev->ev_id_unsigned = 1;
	return SCHEME_OK;
}

int
scheme_sign_parts(const struct config_webhook *wh,
    const struct verify_part *parts, size_t nparts, int base64,
    char out[VERIFY_HEX_LEN + 1], const char **reason)
{
	unsigned char	mac[VERIFY_MAC_LEN];

	if (verify_mac(&wh->wh_secrets[0], parts, nparts, mac, reason) == -1)
		return -1;
	if (base64)
		verify_base64_encode(mac, VERIFY_MAC_LEN, out);
	else
		verify_hex(mac, VERIFY_MAC_LEN, out);
	explicit_bzero(mac, sizeof(mac));
	return 0;
}

int
scheme_printf(char **out, const char **reason, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*out = NULL;
		*reason = "out of memory";
		return -1;
	}
	return 0;
}

int
scheme_usable_path(const char *path)
{
	size_t	n;

	if (path == NULL)
		return 1;
	for (;;) {
		n = strcspn(path, ".");
		if (n == 0 || n > 64)
			return 0;
		if (path[n] == '\0')
			return 1;
		path += n + 1;
	}
}

enum scheme_result
scheme_token_check(const struct config_webhook *wh, const char *value,
    const char **reason)
{
	const struct config_secret	*sec;
	size_t				 i, j, len;
	unsigned char			 d;
	int				 hit = 0;

	if (value == NULL) {
		*reason = "token header missing";
		return SCHEME_SIGNATURE;
	}
	len = strlen(value);
	for (i = 0; i < wh->wh_nsecrets; i++) {
		sec = &wh->wh_secrets[i];
		if (sec->sec_len != len)
			continue;
		/* every byte compared, whatever the first gave */
		for (d = 0, j = 0; j < len; j++)
			d |= sec->sec_key[j] ^ (unsigned char)value[j];
		hit |= d == 0;
	}
	if (!hit) {
		*reason = "token matches no secret";
		return SCHEME_SIGNATURE;
	}
	return SCHEME_OK;
}

enum scheme_result
scheme_body_sum(const struct scheme_request *rq, char hex[VERIFY_HEX_LEN + 1],
    const char **reason)
{
	struct verify_part	part = { rq->sr_body, rq->sr_len };
	unsigned char		sum[VERIFY_MAC_LEN];

	if (verify_sha256(&part, 1, sum) == -1) {
		*reason = "unable to hash the body";
		return SCHEME_ERROR;
	}
	verify_hex(sum, sizeof(sum), hex);
	return SCHEME_OK;
}

int
scheme_member_integer(const struct json_member *m, char *out, size_t cap,
    const char **reason)
{
	size_t	i;

	if (m->jm_count != 1 || m->jm_value == NULL || m->jm_valuelen == 0 ||
	    m->jm_valuelen >= cap) {
		*reason = m->jm_count > 1 ? "the id's field appears twice" :
		    "the id's field is missing or too long";
		return -1;
	}
	for (i = 0; i < m->jm_valuelen; i++)
		if (m->jm_value[i] < '0' || m->jm_value[i] > '9') {
			*reason = "the id's field is not a whole number";
			return -1;
		}
	memcpy(out, m->jm_value, m->jm_valuelen);
	out[m->jm_valuelen] = '\0';
	return 0;
}
