/*
 * params.h: the parameter phase of a FastCGI connection, checked before
 * libfcgi parses it. The phase is a BEGIN_REQUEST record, then the
 * FCGI_PARAMS records of that request, ended by an empty one; it may take
 * PARAMS_MAX bytes on the wire in all, and the name-value pairs inside
 * must fit the parameters exactly. Nothing here reads a descriptor or
 * knows libfcgi: the scanner looks at a buffer the caller fills.
 */
#ifndef HOOKSPOOL_PARAMS_H
#define HOOKSPOOL_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The parameter phase's bytes, record headers and padding included:
 * above what nginx (4 x 8 KiB of request headers) and lighttpd (8 KiB)
 * take by default; a webhook's request needs a few hundred bytes.
 */
#define PARAMS_MAX	(64 * 1024)

enum params_status {
	PARAMS_MORE,		/* well formed so far; more bytes needed */
	PARAMS_DONE,		/* the phase is complete: ps_end bytes */
	PARAMS_BAD,		/* not a request this responder takes */
	PARAMS_TOO_LARGE	/* the phase would take over PARAMS_MAX */
};

/* Where a scan stands; params_scan_init() starts one. */
struct params_scan {
	size_t		 ps_off;	/* where the next record starts */
	size_t		 ps_end;	/* PARAMS_DONE: the phase's length */
	unsigned	 ps_id;		/* the request's id; 0 before BEGIN */
	unsigned	 ps_role;	/* FCGI_RESPONDER, ... */
	int		 ps_keep;	/* the server asks FCGI_KEEP_CONN */
	size_t		 ps_npairs;	/* name-value pairs complete so far */
	/* the name-value pair being read, across records */
	int		 ps_pstate;
	unsigned char	 ps_lenbuf[4];
	size_t		 ps_lenhave;
	uint32_t	 ps_namelen;
	uint64_t	 ps_left;	/* name and value bytes still to come */
	enum params_status ps_status;	/* where the scan stopped */
	const char	*ps_reason;	/* PARAMS_BAD, PARAMS_TOO_LARGE: why */
};

/* Start a scan of a new parameter phase. */
void params_scan_init(struct params_scan *ps);

/*
 * Go on scanning the phase in buf[0..len), the connection's bytes from
 * the start of the phase (len only grows from one call to the next, and
 * the bytes already given do not change). Only whole records are taken;
 * a record cut short by the end of buf waits for the next call, but a
 * record whose header says it would end past PARAMS_MAX is
 * PARAMS_TOO_LARGE as soon as the header is there.
 *
 * Records: version 1 only; first a BEGIN_REQUEST (request id not 0,
 * 8 bytes of content, role responder, authorizer or filter), then
 * FCGI_PARAMS records of that request; an empty FCGI_PARAMS record with
 * no padding ends the phase. Management records, a second request
 * (multiplexing) and any other record before the end are PARAMS_BAD.
 * Pairs: each length is one byte, or four with the top bit set, and the
 * pairs end exactly where the parameters do.
 *
 * Returns the status; once it is not PARAMS_MORE, later calls return it
 * again. ps_reason is a static text for PARAMS_BAD and PARAMS_TOO_LARGE.
 */
enum params_status params_scan(struct params_scan *ps,
    const unsigned char *buf, size_t len);

#endif
