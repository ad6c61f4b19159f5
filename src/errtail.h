/*
 * errtail.h: a handler's standard error, passed on and its tail kept.
 * The handler writes into a pipe instead of the caller's standard error;
 * the caller reads it while it waits for the handler (handler.c, hpipe.c)
 * and passes every byte on to the descriptor it names (its own standard
 * error, so that cron mails and the journal keeps what the handler said,
 * as when the handler wrote there itself), and keeps the last ERRTAIL_MAX
 * bytes for the record of a failed attempt (history.h).
 *
 * Never blocking: the pipe is always read, so the handler never waits on
 * it longer than it takes the caller to look; what is read is passed on
 * only as far as the descriptor takes it without blocking (a pipe that
 * polls writable takes PIPE_BUF bytes), the rest waits in a buffer of
 * ERRTAIL_PEND bytes; past that the oldest bytes waiting are dropped and
 * counted (et_dropped), so a caller whose own standard error has stalled
 * keeps its handler's clock and its stop signals. Nothing is printed here.
 */
#ifndef HOOKSPOOL_ERRTAIL_H
#define HOOKSPOOL_ERRTAIL_H

#include <stddef.h>

/* The tail kept: the last bytes the handler wrote. */
#define ERRTAIL_MAX	4096
/* Bytes read and not yet passed on, at most. */
#define ERRTAIL_PEND	65536

struct errtail {
	int			 et_fd;		/* the pipe's read end, or -1 */
	int			 et_wfd;	/* its write end until spawned */
	int			 et_out;	/* passed on to, or -1: nowhere */
	char			 et_ring[ERRTAIL_MAX];
	size_t			 et_head;	/* where the next byte goes */
	size_t			 et_len;	/* bytes in the ring */
	char			*et_pend;	/* ERRTAIL_PEND bytes */
	size_t			 et_pendoff;	/* the first not passed on */
	size_t			 et_pendlen;	/* bytes waiting from there */
	unsigned long long	 et_dropped;	/* not passed on */
	int			 et_eof;	/* the pipe's end was read */
};

/* An errtail with nothing open (et_fd and et_wfd -1), passing on to out. */
void errtail_init(struct errtail *et, int out);

/*
 * A new pipe for the next handler, and the tail emptied: et_wfd is the
 * write end the handler gets as its standard error (handler_spawn() with
 * hj_err), closed here once it is spawned (errtail_spawned). A pipe still
 * open is closed first (what was in it is read and passed on). Returns 0,
 * or -1 with errno.
 */
int errtail_open(struct errtail *et);

/* The handler has its copy of the write end: ours is closed. */
void errtail_spawned(struct errtail *et);

/*
 * Read what the handler wrote, without blocking, until the pipe is empty
 * or its end is read (et_eof); keep its tail and pass it on. Returns 0,
 * or -1 with errno when the read failed.
 */
int errtail_read(struct errtail *et);

/* Pass on what waits, as far as et_out takes it without blocking. */
void errtail_flush(struct errtail *et);

/*
 * Pass on what waits, waiting up to ms milliseconds in all for et_out to
 * take it; what is still waiting then is dropped (counted).
 */
void errtail_drain(struct errtail *et, int ms);

/* Whether bytes wait to be passed on. */
int errtail_waiting(const struct errtail *et);

/*
 * The tail, oldest byte first, into buf (cap bytes); returns its length
 * (at most ERRTAIL_MAX, and cap).
 */
size_t errtail_copy(const struct errtail *et, char *buf, size_t cap);

/*
 * Close the pipe (both ends, if open) after reading what is left in it
 * and passing on what waits (errtail_drain, 100 ms at most). The tail
 * stays until the next errtail_open(); et may be closed again.
 */
void errtail_close(struct errtail *et);

/* errtail_close(), and the buffer freed. et may be NULL. */
void errtail_free(struct errtail *et);

#endif
