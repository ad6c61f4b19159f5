/*
 * io.h: writing all of a buffer to a descriptor, whatever write(2) and
 * writev(2) take at a time; and the clock that measures waits.
 */
#ifndef HOOKSPOOL_IO_H
#define HOOKSPOOL_IO_H

#include <stddef.h>
#include <sys/uio.h>

/*
 * Write the len bytes of buf to fd, writing again after a short write and
 * after EINTR. buf stays the caller's. Returns 0, or -1 with errno (EIO if
 * write(2) took nothing); how much was written before an error is not
 * told.
 */
int io_write_all(int fd, const void *buf, size_t len);

/*
 * Write the iovcnt buffers of iov to fd, in order, as io_write_all() does
 * with one. iov is used up: its entries are changed as bytes go out, so
 * the caller passes an array it does not need again. Returns 0, or -1
 * with errno.
 */
int io_writev_all(int fd, struct iovec *iov, int iovcnt);

/*
 * Seconds on the monotonic clock (CLOCK_MONOTONIC), for measuring waits
 * and deadlines; 0 if the clock cannot be read.
 */
double io_now(void);

#endif
