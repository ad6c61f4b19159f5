/*
 * noop.fcgi: the ceiling for the benchmark. A FastCGI responder that reads
 * the body and answers 200 with a small JSON body, doing nothing else, so
 * that what hookspool.fcgi costs beyond the server is the difference.
 */
#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

static const char answer[] = "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n\r\n{\"status\":\"accepted\"}\n";

int
main(void)
{
	FCGX_Request	req;
	char		buf[16384];

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0) {
		fprintf(stderr, "noop.fcgi: unable to initialise libfcgi\n");
		return 1;
	}
	while (FCGX_Accept_r(&req) >= 0) {
		while (FCGX_GetStr(buf, sizeof(buf), req.in) > 0)
			continue;
		if (FCGX_PutStr(answer, (int)strlen(answer), req.out) < 0)
			fprintf(stderr, "noop.fcgi: unable to answer\n");
		FCGX_Finish_r(&req);
	}
	return 0;
}
