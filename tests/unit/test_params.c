/*
 * test_params.c: the FastCGI parameter phase's scanner (fcgi/params.c):
 * where a phase ends, given whole or a byte at a time; the records and
 * pairs it refuses; the 64 KiB cap, at its edge and as soon as a header
 * crosses it.
 */
#include <fastcgi.h>

#include "params.h"
#include "unit.h"

#define PHASE_MAX	(PARAMS_MAX + 1024)

struct phase {
	unsigned char	b[PHASE_MAX];
	size_t		len;
};

static void
put(struct phase *p, const void *data, size_t n)
{
	REQUIRE(p->len + n <= sizeof(p->b), "phase too long for the test");
	memcpy(p->b + p->len, data, n);
	p->len += n;
}

/* A record header: version 1 unless ver says otherwise. */
static void
header(struct phase *p, int ver, int type, unsigned id, size_t clen,
    size_t plen)
{
	unsigned char	h[8] = { (unsigned char)ver, (unsigned char)type,
	    (unsigned char)(id >> 8), (unsigned char)id,
	    (unsigned char)(clen >> 8), (unsigned char)clen,
	    (unsigned char)plen, 0 };

	put(p, h, sizeof(h));
}

static void
begin(struct phase *p, unsigned id, unsigned role, int flags)
{
	unsigned char	body[8] = { (unsigned char)(role >> 8),
	    (unsigned char)role, (unsigned char)flags, 0, 0, 0, 0, 0 };

	header(p, 1, FCGI_BEGIN_REQUEST, id, 8, 0);
	put(p, body, sizeof(body));
}

/* A name-value pair, each length in one byte or four as it needs. */
static size_t
pair(unsigned char *out, const char *name, size_t vlen, int vchar)
{
	size_t	nlen = strlen(name), k = 0, lens[2] = { nlen, vlen }, i;

	for (i = 0; i < 2; i++) {
		if (lens[i] < 128)
			out[k++] = (unsigned char)lens[i];
		else {
			out[k++] = (unsigned char)(0x80 | lens[i] >> 24);
			out[k++] = (unsigned char)(lens[i] >> 16);
			out[k++] = (unsigned char)(lens[i] >> 8);
			out[k++] = (unsigned char)lens[i];
		}
	}
	memcpy(out + k, name, nlen);
	memset(out + k + nlen, vchar, vlen);
	return k + nlen + vlen;
}

static void
params(struct phase *p, unsigned id, const unsigned char *c, size_t n,
    size_t plen)
{
	static const unsigned char	zero[255];

	header(p, 1, FCGI_PARAMS, id, n, plen);
	put(p, c, n);
	put(p, zero, plen);
}

/* The phase of an ordinary request: three pairs, one record. */
static void
ordinary(struct phase *p)
{
	unsigned char	c[1024];
	size_t		n = 0;

	begin(p, 1, FCGI_RESPONDER, 0);
	n += pair(c + n, "REQUEST_METHOD", 4, 'P');
	n += pair(c + n, "CONTENT_LENGTH", 2, '1');
	n += pair(c + n, "HTTP_X_PROTOCOL_SIGNATURE", 200, 'a');
	params(p, 1, c, n, (8 - n % 8) % 8);
	header(p, 1, FCGI_PARAMS, 1, 0, 0);
}

static enum params_status
scan(const struct phase *p, struct params_scan *ps)
{
	params_scan_init(ps);
	return params_scan(ps, p->b, p->len);
}

static void
test_ordinary(void)
{
	struct phase		p = { .len = 0 };
	struct params_scan	ps;
	size_t			end, i;
	enum params_status	st;

	ordinary(&p);
	end = p.len;
	header(&p, 1, FCGI_STDIN, 1, 5, 0);
	put(&p, "hello", 5);
	CHECK(scan(&p, &ps) == PARAMS_DONE, "ordinary: %s", ps.ps_reason);
	CHECK(ps.ps_end == end, "the phase ends at %zu, not %zu", end,
	    ps.ps_end);
	CHECK(ps.ps_npairs == 3 && ps.ps_id == 1 &&
	    ps.ps_role == FCGI_RESPONDER && !ps.ps_keep,
	    "pairs %zu id %u role %u keep %d", ps.ps_npairs, ps.ps_id,
	    ps.ps_role, ps.ps_keep);

	/* a byte at a time: more until the last byte of the phase */
	params_scan_init(&ps);
	for (i = 0; i < end; i++) {
		st = params_scan(&ps, p.b, i);
		CHECK(st == PARAMS_MORE, "%zu bytes: status %d", i, st);
	}
	CHECK(params_scan(&ps, p.b, end) == PARAMS_DONE && ps.ps_end == end,
	    "whole at %zu", end);
	CHECK(params_scan(&ps, p.b, p.len) == PARAMS_DONE && ps.ps_end == end,
	    "done stays done");
}

static void
test_pairs(void)
{
	struct phase		p = { .len = 0 };
	struct params_scan	ps;
	unsigned char		c[4096];
	size_t			n;

	/* a long value (4-byte length), split over three records */
	begin(&p, 7, FCGI_RESPONDER, FCGI_KEEP_CONN);
	n = pair(c, "HTTP_X_LONG", 3000, 'v');
	n += pair(c + n, "EMPTY", 0, 0);
	params(&p, 7, c, 3, 0);
	params(&p, 7, c + 3, 1000, 5);
	params(&p, 7, c + 1003, n - 1003, 0);
	header(&p, 1, FCGI_PARAMS, 7, 0, 0);
	CHECK(scan(&p, &ps) == PARAMS_DONE, "split pairs: %s", ps.ps_reason);
	CHECK(ps.ps_npairs == 2 && ps.ps_keep && ps.ps_id == 7,
	    "pairs %zu keep %d id %u", ps.ps_npairs, ps.ps_keep, ps.ps_id);

	/* no parameters at all */
	p.len = 0;
	begin(&p, 1, FCGI_AUTHORIZER, 0);
	header(&p, 1, FCGI_PARAMS, 1, 0, 0);
	CHECK(scan(&p, &ps) == PARAMS_DONE && ps.ps_npairs == 0,
	    "no parameters");
}

/* One case the scanner must refuse, built by make. */
static void
refused(const char *what, void (*make)(struct phase *),
    enum params_status want)
{
	struct phase		p = { .len = 0 };
	struct params_scan	ps;
	enum params_status	st;

	make(&p);
	st = scan(&p, &ps);
	CHECK(st == want, "%s: status %d, not %d", what, st, want);
	CHECK(ps.ps_reason != NULL && *ps.ps_reason != '\0', "%s: no reason",
	    what);
}

static void mk_version(struct phase *p) { header(p, 2, 1, 1, 8, 0); put(p, "\0\1\0\0\0\0\0\0", 8); }
static void mk_mgmt(struct phase *p) { header(p, 1, FCGI_GET_VALUES, 0, 0, 0); }
static void mk_mgmt_later(struct phase *p) { begin(p, 1, 1, 0); header(p, 1, FCGI_GET_VALUES, 0, 0, 0); }
static void mk_id0(struct phase *p) { begin(p, 0, 1, 0); }
static void mk_short_begin(struct phase *p) { header(p, 1, 1, 1, 7, 0); put(p, "\0\1\0\0\0\0\0", 7); }
static void mk_padded_begin(struct phase *p) { header(p, 1, 1, 1, 8, 8); put(p, "\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16); }
static void mk_role(struct phase *p) { begin(p, 1, 4, 0); }
static void mk_stdin_first(struct phase *p) { header(p, 1, FCGI_STDIN, 1, 0, 0); }
static void mk_second(struct phase *p) { begin(p, 1, 1, 0); begin(p, 2, 1, 0); }
static void mk_stdin(struct phase *p) { begin(p, 1, 1, 0); header(p, 1, FCGI_STDIN, 1, 0, 0); }
static void mk_other_id(struct phase *p) { begin(p, 1, 1, 0); header(p, 1, FCGI_PARAMS, 2, 0, 0); }
static void mk_padded_end(struct phase *p) { begin(p, 1, 1, 0); header(p, 1, FCGI_PARAMS, 1, 0, 8); put(p, "\0\0\0\0\0\0\0\0", 8); }

static void
mk_past_end(struct phase *p)
{
	unsigned char	c[64];
	size_t		n = pair(c, "NAME", 10, 'v');

	begin(p, 1, 1, 0);
	params(p, 1, c, n - 1, 0);	/* the value is a byte short */
	header(p, 1, FCGI_PARAMS, 1, 0, 0);
}

static void
mk_half_length(struct phase *p)
{
	unsigned char	c[2] = { 0x80, 0 };	/* two of a 4-byte length */

	begin(p, 1, 1, 0);
	params(p, 1, c, 2, 0);
	header(p, 1, FCGI_PARAMS, 1, 0, 0);
}

static void
mk_huge_pair(struct phase *p)
{
	unsigned char	c[8] = { 0xff, 0xff, 0xff, 0xff, 1 };

	begin(p, 1, 1, 0);
	params(p, 1, c, 5, 0);
}

/* Only the header of a record that would end past PARAMS_MAX. */
static void
mk_big_header(struct phase *p)
{
	static const unsigned char	c[8000];	/* 4000 empty pairs */
	int				i;

	begin(p, 1, 1, 0);
	for (i = 0; i < 8; i++)
		params(p, 1, c, sizeof(c), 0);
	header(p, 1, FCGI_PARAMS, 1, 2000, 0);
}

static void
test_refused(void)
{
	refused("version 2", mk_version, PARAMS_BAD);
	refused("a management record first", mk_mgmt, PARAMS_BAD);
	refused("a management record later", mk_mgmt_later, PARAMS_BAD);
	refused("request id 0", mk_id0, PARAMS_BAD);
	refused("a short BEGIN_REQUEST", mk_short_begin, PARAMS_BAD);
	refused("a padded BEGIN_REQUEST", mk_padded_begin, PARAMS_BAD);
	refused("an unknown role", mk_role, PARAMS_BAD);
	refused("STDIN before BEGIN_REQUEST", mk_stdin_first, PARAMS_BAD);
	refused("a second request", mk_second, PARAMS_BAD);
	refused("STDIN before the end", mk_stdin, PARAMS_BAD);
	refused("another request's PARAMS", mk_other_id, PARAMS_BAD);
	refused("a padded end", mk_padded_end, PARAMS_BAD);
	refused("a value past the end", mk_past_end, PARAMS_BAD);
	refused("half a length at the end", mk_half_length, PARAMS_BAD);
	refused("a 2 GiB parameter", mk_huge_pair, PARAMS_TOO_LARGE);
	refused("a header past the cap", mk_big_header, PARAMS_TOO_LARGE);
}

/*
 * A phase of exactly total bytes: BEGIN_REQUEST, records of pairs, the
 * end. Returns how it scans.
 */
static enum params_status
phase_of(size_t total, struct params_scan *ps)
{
	static struct phase	p;
	unsigned char		c[65535];
	size_t			left, room, n, vlen;

	p.len = 0;
	begin(&p, 1, 1, 0);
	/* what is left for PARAMS records with content, and the end */
	left = total - p.len - 8;
	while (left > 0) {
		room = left - 8 < 60000 ? left - 8 : 60000;
		/* one pair of room bytes: lengths 1 + 4, name "V" */
		vlen = room - 6;
		n = pair(c, "V", vlen, 'x');
		REQUIRE(n == room, "pair of %zu bytes is %zu", room, n);
		params(&p, 1, c, n, 0);
		left -= 8 + n;
	}
	header(&p, 1, FCGI_PARAMS, 1, 0, 0);
	REQUIRE(p.len == total, "phase of %zu bytes, not %zu", p.len, total);
	params_scan_init(ps);
	return params_scan(ps, p.b, p.len);
}

static void
test_cap(void)
{
	struct params_scan	ps;
	enum params_status	st;

	st = phase_of(PARAMS_MAX, &ps);
	CHECK(st == PARAMS_DONE && ps.ps_end == PARAMS_MAX,
	    "exactly 64 KiB: status %d end %zu (%s)", st, ps.ps_end,
	    ps.ps_reason ? ps.ps_reason : "");
	st = phase_of(PARAMS_MAX + 1, &ps);
	CHECK(st == PARAMS_TOO_LARGE, "64 KiB and a byte: status %d", st);
}

int
main(void)
{
	test_ordinary();
	test_pairs();
	test_refused();
	test_cap();
	return unit_done("test_params");
}
