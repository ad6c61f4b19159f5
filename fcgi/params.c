/*
 * params.c: the FastCGI parameter phase, checked record by record and pair
 * by pair before libfcgi reads it (see params.h).
 */
#include <string.h>

#include <fastcgi.h>

#include "params.h"

/* Where the name-value pair being read stands. */
enum {
	PAIR_NAMELEN,		/* the name's length, 1 or 4 bytes */
	PAIR_VALUELEN,		/* the value's length, 1 or 4 bytes */
	PAIR_DATA		/* ps_left bytes of name and value */
};

void
params_scan_init(struct params_scan *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->ps_pstate = PAIR_NAMELEN;
	ps->ps_status = PARAMS_MORE;
}

static enum params_status
stop(struct params_scan *ps, enum params_status st, const char *reason)
{
	ps->ps_status = st;
	ps->ps_reason = reason;
	return st;
}

/*
 * One length of a pair from p[0..n): returns the bytes it took, with
 * *done set once the length is whole (in *out).
 */
static size_t
pair_length(struct params_scan *ps, const unsigned char *p, size_t n,
    uint32_t *out, int *done)
{
	size_t	take, want;

	*done = 0;
	if (ps->ps_lenhave == 0) {
		ps->ps_lenbuf[0] = p[0];
		ps->ps_lenhave = 1;
		if ((p[0] & 0x80) == 0) {
			*out = p[0];
			ps->ps_lenhave = 0;
			*done = 1;
		}
		return 1;
	}
	want = 4 - ps->ps_lenhave;
	take = n < want ? n : want;
	memcpy(ps->ps_lenbuf + ps->ps_lenhave, p, take);
	ps->ps_lenhave += take;
	if (ps->ps_lenhave == 4) {
		*out = ((uint32_t)(ps->ps_lenbuf[0] & 0x7f) << 24) |
		    ((uint32_t)ps->ps_lenbuf[1] << 16) |
		    ((uint32_t)ps->ps_lenbuf[2] << 8) | ps->ps_lenbuf[3];
		ps->ps_lenhave = 0;
		*done = 1;
	}
	return take;
}

/*
 * The content of one FCGI_PARAMS record, p[0..n), through the pairs'
 * state. Returns PARAMS_MORE, or PARAMS_TOO_LARGE for a pair that could
 * never fit.
 */
static enum params_status
pairs(struct params_scan *ps, const unsigned char *p, size_t n)
{
	uint32_t	len;
	size_t		took;
	int		done;

	while (n > 0) {
		if (ps->ps_pstate == PAIR_DATA) {
			took = ps->ps_left < n ? (size_t)ps->ps_left : n;
			ps->ps_left -= took;
			p += took;
			n -= took;
			if (ps->ps_left == 0) {
				ps->ps_npairs++;
				ps->ps_pstate = PAIR_NAMELEN;
			}
			continue;
		}
		took = pair_length(ps, p, n, &len, &done);
		p += took;
		n -= took;
		if (!done)
			continue;
		if (ps->ps_pstate == PAIR_NAMELEN) {
			ps->ps_namelen = len;
			ps->ps_pstate = PAIR_VALUELEN;
			continue;
		}
		ps->ps_left = (uint64_t)ps->ps_namelen + len;
		if (ps->ps_left > PARAMS_MAX)
			return stop(ps, PARAMS_TOO_LARGE,
			    "a parameter longer than the parameters may be");
		ps->ps_pstate = PAIR_DATA;
		if (ps->ps_left == 0) {
			ps->ps_npairs++;
			ps->ps_pstate = PAIR_NAMELEN;
		}
	}
	return PARAMS_MORE;
}

/* The BEGIN_REQUEST record that opens the phase. */
static enum params_status
begin(struct params_scan *ps, const unsigned char *h, size_t clen,
    size_t plen)
{
	const unsigned char	*body = h + FCGI_HEADER_LEN;
	unsigned		 id = (unsigned)h[2] << 8 | h[3];

	if (h[1] != FCGI_BEGIN_REQUEST)
		return stop(ps, PARAMS_BAD, id == FCGI_NULL_REQUEST_ID ?
		    "a management record (not taken)" :
		    "the first record is not FCGI_BEGIN_REQUEST");
	/* libfcgi would read a padded one's padding as the next header */
	if (id == FCGI_NULL_REQUEST_ID || clen != 8 || plen != 0)
		return stop(ps, PARAMS_BAD, "a malformed FCGI_BEGIN_REQUEST");
	ps->ps_role = (unsigned)body[0] << 8 | body[1];
	if (ps->ps_role != FCGI_RESPONDER && ps->ps_role != FCGI_AUTHORIZER &&
	    ps->ps_role != FCGI_FILTER)
		return stop(ps, PARAMS_BAD, "an unknown FastCGI role");
	ps->ps_keep = (body[2] & FCGI_KEEP_CONN) != 0;
	ps->ps_id = id;
	return PARAMS_MORE;
}

/* A record after BEGIN_REQUEST: FCGI_PARAMS of the request, or the end. */
static enum params_status
record(struct params_scan *ps, const unsigned char *h, size_t clen,
    size_t plen)
{
	unsigned	id = (unsigned)h[2] << 8 | h[3];

	if (h[1] == FCGI_BEGIN_REQUEST)
		return stop(ps, PARAMS_BAD,
		    "a second request on the connection (multiplexing)");
	if (id == FCGI_NULL_REQUEST_ID)
		return stop(ps, PARAMS_BAD, "a management record (not taken)");
	if (h[1] != FCGI_PARAMS || id != ps->ps_id)
		return stop(ps, PARAMS_BAD,
		    "a record other than FCGI_PARAMS before the parameters end");
	if (clen > 0)
		return pairs(ps, h + FCGI_HEADER_LEN, clen);
	/* as after BEGIN_REQUEST: libfcgi would misread the padding */
	if (plen != 0)
		return stop(ps, PARAMS_BAD,
		    "padding after the parameters' last record");
	if (ps->ps_pstate != PAIR_NAMELEN || ps->ps_lenhave != 0)
		return stop(ps, PARAMS_BAD,
		    "a parameter runs past the end of the parameters");
	ps->ps_end = ps->ps_off + FCGI_HEADER_LEN;
	return stop(ps, PARAMS_DONE, NULL);
}

enum params_status
params_scan(struct params_scan *ps, const unsigned char *buf, size_t len)
{
	const unsigned char	*h;
	size_t			 clen, plen, end;
	enum params_status	 st;

	while (ps->ps_status == PARAMS_MORE) {
		if (ps->ps_off + FCGI_HEADER_LEN > PARAMS_MAX)
			return stop(ps, PARAMS_TOO_LARGE,
			    "parameters over 64 KiB");
		if (len < ps->ps_off + FCGI_HEADER_LEN)
			break;
		h = buf + ps->ps_off;
		if (h[0] != FCGI_VERSION_1)
			return stop(ps, PARAMS_BAD, "not FastCGI version 1");
		clen = (size_t)h[4] << 8 | h[5];
		plen = h[6];
		end = ps->ps_off + FCGI_HEADER_LEN + clen + plen;
		if (end > PARAMS_MAX)
			return stop(ps, PARAMS_TOO_LARGE,
			    "parameters over 64 KiB");
		if (len < end)
			break;
		st = ps->ps_id == 0 ? begin(ps, h, clen, plen) :
		    record(ps, h, clen, plen);
		if (st != PARAMS_MORE)
			return st;
		ps->ps_off = end;
	}
	return ps->ps_status;
}
