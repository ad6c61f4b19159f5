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

#include <gcrypt.h>

#include "json.h"
#include "number.h"
#include "schemes/schemes.h"

const char *
scheme_header(const struct scheme_request *rq, const char *cgi_name)
{
	return rq->sr_header(rq->sr_arg, cgi_name);
}

size_t
scheme_mac_len(enum scheme_alg alg)
{
	return alg == SCHEME_SHA1 ? 20 : alg == SCHEME_SHA512 ? 64 : 32;
}

void
scheme_add_mac(struct scheme_macs *m, const char *text, size_t len,
    int base64)
{
	unsigned char	*mac;
	size_t		 want = scheme_mac_len(m->sm_alg), n;

	if (m->sm_n == SCHEME_MACS_MAX)
		return;
	mac = m->sm_mac[m->sm_n];
	if (base64) {
		if (verify_base64(text, len, mac, SCHEME_MAC_MAX, &n) == 0 &&
		    n == want)
			m->sm_n++;
		return;
	}
	if (verify_unhex_n(text, len, mac, want) == 0)
		m->sm_n++;
}

/* The HMAC with alg of the parts under sec into mac. */
static int
mac_of(const struct config_secret *sec, enum scheme_alg alg,
    const struct verify_part *parts, size_t nparts,
    unsigned char mac[SCHEME_MAC_MAX])
{
	gcry_mac_hd_t	hd;
	gcry_error_t	err;
	size_t		i, maclen = scheme_mac_len(alg);

	if (gcry_mac_open(&hd, alg == SCHEME_SHA1 ? GCRY_MAC_HMAC_SHA1 :
	    alg == SCHEME_SHA512 ? GCRY_MAC_HMAC_SHA512 : GCRY_MAC_HMAC_SHA256,
	    0, NULL) != 0)
		return -1;
	err = gcry_mac_setkey(hd, sec->sec_key, sec->sec_len);
	for (i = 0; err == 0 && i < nparts; i++)
		err = gcry_mac_write(hd, parts[i].vp_data, parts[i].vp_len);
	if (err == 0)
		err = gcry_mac_read(hd, mac, &maclen);
	gcry_mac_close(hd);
	return err == 0 && maclen == scheme_mac_len(alg) ? 0 : -1;
}

enum scheme_result
scheme_check_macs(const struct config_webhook *wh,
    const struct verify_part *parts, size_t nparts, struct scheme_macs *m,
    const char **reason)
{
	unsigned char	mine[SCHEME_MAC_MAX], d;
	size_t		i, j, k, len = scheme_mac_len(m->sm_alg), which = 0;
	int		hit = 0;

	if (m->sm_n == 0) {
		*reason = "no signature in the expected form";
		return SCHEME_SIGNATURE;
	}
	for (i = 0; i < wh->wh_nsecrets && !hit; i++) {
		if (mac_of(&wh->wh_secrets[i], m->sm_alg, parts, nparts,
		    mine) == -1) {
			explicit_bzero(mine, sizeof(mine));
			explicit_bzero(m, sizeof(*m));
			*reason = "unable to compute the HMAC";
			return SCHEME_ERROR;
		}
		/* every candidate is compared, whatever the first gave */
		for (j = 0; j < m->sm_n; j++) {
			for (d = 0, k = 0; k < len; k++)
				d |= mine[k] ^ m->sm_mac[j][k];
			hit |= d == 0;
		}
		which = i;
	}
	explicit_bzero(mine, sizeof(mine));
	explicit_bzero(m, sizeof(*m));
	m->sm_hit = which;
	if (!hit) {
		*reason = "signature matches no secret";
		return SCHEME_SIGNATURE;
	}
	return SCHEME_OK;
}

/* The reasons of a timestamp outside the tolerance (scheme_check()). */
const char scheme_too_old[] = "timestamp too old";
const char scheme_too_new[] = "timestamp in the future";

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
		*reason = d > 0 ? scheme_too_new : scheme_too_old;
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
scheme_sign_alg(const struct config_webhook *wh, enum scheme_alg alg,
    const struct verify_part *parts, size_t nparts, int base64,
    char out[SCHEME_MAC_TEXT], const char **reason)
{
	unsigned char	mac[SCHEME_MAC_MAX];

	if (mac_of(&wh->wh_secrets[0], alg, parts, nparts, mac) == -1) {
		explicit_bzero(mac, sizeof(mac));
		*reason = "unable to compute the HMAC";
		return -1;
	}
	if (base64)
		verify_base64_encode(mac, scheme_mac_len(alg), out);
	else
		verify_hex(mac, scheme_mac_len(alg), out);
	explicit_bzero(mac, sizeof(mac));
	return 0;
}

int
scheme_sign_parts(const struct config_webhook *wh,
    const struct verify_part *parts, size_t nparts, int base64,
    char out[VERIFY_HEX_LEN + 1], const char **reason)
{
	char	text[SCHEME_MAC_TEXT];

	if (scheme_sign_alg(wh, SCHEME_SHA256, parts, nparts, base64, text,
	    reason) == -1)
		return -1;
	memcpy(out, text, strlen(text) + 1);
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

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long	era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* n digits of s as a number, or -1. */
static int
digits(const char *s, size_t n)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
scheme_rfc3339(const char *s, long long *t)
{
	static const unsigned char	mdays[] = { 31, 29, 31, 30, 31, 30,
	    31, 31, 30, 31, 30, 31 };
	int				y, mo, d, h, mi, sec;
	size_t				i = 19;

	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	if ((y = digits(s, 4)) < 1970 || (mo = digits(s + 5, 2)) < 1 ||
	    mo > 12 || (d = digits(s + 8, 2)) < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 &&
	    y % 400 != 0))) || (h = digits(s + 11, 2)) < 0 || h > 23 ||
	    (mi = digits(s + 14, 2)) < 0 || mi > 59 ||
	    (sec = digits(s + 17, 2)) < 0 || sec > 59)
		return -1;
	if (s[i] == '.') {
		for (i++; s[i] >= '0' && s[i] <= '9' && i < 40; i++)
			continue;
		if (s[i - 1] == '.')
			return -1;
	}
	if ((s[i] != 'Z' && s[i] != 'z') || s[i + 1] != '\0')
		return -1;
	*t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec;
	return 0;
}

enum scheme_result
scheme_fill_typed(const struct scheme_request *rq, const char *id,
    const char *type_path, const char *fallback, struct event *ev,
    const char **reason)
{
	char			*type = NULL;
	size_t			 n;
	enum scheme_result	 r = SCHEME_EVENT;

	if (json_check_array(rq->sr_body, rq->sr_len, reason) == 0)
		fallback = "batch";
	else if (event_check_body(rq->sr_body, rq->sr_len, reason) == -1 ||
	    event_body_string(rq->sr_body, rq->sr_len, type_path, &type, &n,
	    reason) == -1)
		return SCHEME_EVENT;
	if (type == NULL)
		n = strlen(fallback);
	if (event_set(ev, id, strlen(id), type != NULL ? type : fallback, n,
	    reason) == 0)
		r = SCHEME_OK;
	free(type);
	return r;
}
