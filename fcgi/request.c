/*
 * request.c: one request's input and output, from FastCGI (libfcgi) or
 * plain CGI (the process's own environment and descriptors), and the
 * timer behind its deadlines.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "log.h"
#include "log_stream.h"
#include "request.h"

volatile sig_atomic_t req_late;

const char *
req_param(const struct request *rq, const char *name)
{
	if (rq->rq_fcgi != NULL)
		return FCGX_GetParam(name, rq->rq_fcgi->envp);
	return getenv(name);
}

/*
 * Read up to len bytes; fewer only at end of input. -1 on error, with
 * errno ETIMEDOUT once the body's deadline has passed (the timer's signal
 * interrupts a read that waits; libfcgi then marks its stream failed).
 */
ssize_t
req_read(const struct request *rq, char *buf, size_t len)
{
	size_t	got = 0;
	ssize_t	n;
	int	chunk;

	while (got < len) {
		if (req_late) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (rq->rq_fcgi != NULL) {
			chunk = len - got > INT_MAX ? INT_MAX : (int)(len - got);
			n = FCGX_GetStr(buf + got, chunk, rq->rq_fcgi->in);
			if (n < chunk && req_late) {
				errno = ETIMEDOUT;
				return -1;
			}
			if (n < 0)
				return -1;
		} else {
			n = read(STDIN_FILENO, buf + got, len - got);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

int
req_write(const struct request *rq, const char *buf, size_t len)
{
	ssize_t	n;

	if (rq->rq_fcgi != NULL)
		return FCGX_PutStr(buf, (int)len, rq->rq_fcgi->out) == (int)len ?
		    0 : -1;
	while (len > 0) {
		n = write(STDOUT_FILENO, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

void
req_log(const struct request *rq, struct log_record *r)
{
	char	line[LOG_LINE_MAX];
	size_t	n;

	r->lr_remote = req_param(rq, "REMOTE_ADDR");
	if (log_stream_is_json())
		n = log_record_json(line, r, NULL);
	else
		n = log_record_text(line, r);
	if (rq->rq_fcgi != NULL)
		FCGX_PutStr(line, (int)n, rq->rq_fcgi->err);
	else if (write(STDERR_FILENO, line, n) < 0)
		return;	/* nowhere left to report it */
}

/*
 * The deadline's signal. The handler is installed without SA_RESTART: a
 * read that waits fails with EINTR, and req_read() sees req_late.
 */
void
req_on_alarm(int sig)
{
	(void)sig;
	req_late = 1;
}

static int
set_timer(double seconds)
{
	struct itimerval	it;

	memset(&it, 0, sizeof(it));
	if (seconds > 0) {
		if (seconds < 0.001)
			seconds = 0.001;
		it.it_value.tv_sec = (time_t)seconds;
		it.it_value.tv_usec = (suseconds_t)((seconds -
		    (double)it.it_value.tv_sec) * 1e6);
		it.it_interval.tv_usec = 100000;
	}
	req_late = 0;
	return setitimer(ITIMER_REAL, &it, NULL);
}

int
req_timer_arm(double seconds)
{
	return set_timer(seconds > 0 ? seconds : 0.001);
}

int
req_timer_disarm(void)
{
	return set_timer(0);
}
