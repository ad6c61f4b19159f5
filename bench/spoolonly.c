/*
 * spoolonly.fcgi: the benchmark's ceiling. A responder that reads the body
 * and does only the durable spool write, Maildir's delivery: write the
 * body as one line into a new file in SPOOL/tmp/, fsync it, rename it into
 * SPOOL/new/, fsync new/, and answer 200. No signature, no event check, no
 * dedup, no locks: what a receiver that keeps any promise at all must pay.
 * It serves as FastCGI and, started as a plain CGI program, as CGI.
 *
 * It reads only two lines of the hookspool config named by
 * HOOKSPOOL_CONFIG (so that the servers' shipped configs start it as they
 * start hookspool.fcgi): "spool = DIR" and "fsync = yes|no", before the
 * first section. The spool's folders must exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#define BODY_MAX	(1024 * 1024)

static const char answer[] = "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n\r\n{\"status\":\"accepted\"}\n";
static const char failed[] = "Status: 503 Service Unavailable\r\n"
    "Content-Type: application/json\r\n\r\n{\"status\":\"error\"}\n";

static int	tmp_fd = -1, new_fd = -1, fsync_on = 1;
static char	body[BODY_MAX + 2];

/* "spool" and "fsync" from the config at path; -1 if unusable. */
static int
read_config(const char *path, char *spool, size_t len)
{
	char	 line[4096], *k, *v, *end;
	FILE	*f;

	spool[0] = '\0';
	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL && line[0] != '[') {
		for (k = line; *k == ' ' || *k == '\t'; k++)
			continue;
		if ((v = strchr(k, '=')) == NULL)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t");
		end = v + strcspn(v, " \t\r\n#");
		*end = '\0';
		if (strncmp(k, "spool", 5) == 0 && strlen(v) < len)
			snprintf(spool, len, "%s", v);
		else if (strncmp(k, "fsync", 5) == 0)
			fsync_on = strcmp(v, "no") != 0;
	}
	if (fclose(f) == EOF)
		return -1;
	return spool[0] == '\0' ? -1 : 0;
}

static int
open_spool(void)
{
	char	spool[4096], path[4200];

	if (read_config(getenv("HOOKSPOOL_CONFIG"), spool, sizeof(spool)) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/tmp", spool);
	if ((tmp_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/new", spool);
	if ((new_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	return 0;
}

/* Deliver body[0..len) as one line; 0, or -1. */
static int
spool_write(size_t len)
{
	static unsigned	counter;
	struct timespec	ts;
	char		name[128];
	int		fd;

	body[len] = '\n';
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return -1;
	snprintf(name, sizeof(name), "%010lld.%06ld.P%ldQ%u.bench",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000, (long)getpid(), counter++);
	fd = openat(tmp_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (write(fd, body, len + 1) != (ssize_t)(len + 1) ||
	    (fsync_on && fsync(fd) == -1) || close(fd) == -1) {
		(void)unlinkat(tmp_fd, name, 0);
		return -1;
	}
	if (renameat(tmp_fd, name, new_fd, name) == -1) {
		(void)unlinkat(tmp_fd, name, 0);
		return -1;
	}
	return fsync_on ? fsync(new_fd) : 0;
}

/* Read the body from in (FastCGI) or stdin (CGI); its length, or -1. */
static long
read_body(FCGX_Stream *in)
{
	const char	*cl = getenv("CONTENT_LENGTH");
	char		*end;
	size_t		 got = 0;
	ssize_t		 n;
	long		 want;
	int		 r;

	if (in != NULL) {
		while (got < BODY_MAX &&
		    (r = FCGX_GetStr(body + got, BODY_MAX - got, in)) > 0)
			got += r;
		return (long)got;
	}
	if (cl == NULL)
		return -1;
	errno = 0;
	want = strtol(cl, &end, 10);
	if (errno != 0 || end == cl || *end != '\0' || want < 0 ||
	    want > BODY_MAX)
		return -1;
	while (got < (size_t)want &&
	    (n = read(0, body + got, (size_t)want - got)) > 0)
		got += n;
	return (long)got;
}

int
main(void)
{
	FCGX_Request	req;
	long		len;

	if (!FCGX_IsCGI()) {
		if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0) {
			fprintf(stderr, "spoolonly.fcgi: unable to initialise "
			    "libfcgi\n");
			return 1;
		}
		while (FCGX_Accept_r(&req) >= 0) {
			if (tmp_fd == -1 && open_spool() == -1)
				fprintf(stderr, "spoolonly.fcgi: no spool\n");
			len = read_body(req.in);
			if (FCGX_PutS(len >= 0 && tmp_fd != -1 &&
			    spool_write(len) == 0 ? answer : failed,
			    req.out) < 0)
				fprintf(stderr, "spoolonly.fcgi: unable to answer\n");
			FCGX_Finish_r(&req);
		}
		return 0;
	}
	/* CGI: one request, the process's own environment and stdio. */
	len = read_body(NULL);
	if (fputs(len >= 0 && open_spool() == 0 && spool_write(len) == 0 ?
	    answer : failed, stdout) == EOF || fflush(stdout) == EOF)
		return 1;
	return 0;
}
