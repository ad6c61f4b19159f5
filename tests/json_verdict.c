/*
 * json_verdict: event_parse()'s verdict on each body read from stdin, for
 * tests/json_diff.sh, which compares them with an independent check in
 * Python.
 *
 * Input: bodies one after another, each as its length in decimal, a
 * newline, and that many bytes. Output: one line per body, "ok ID_HEX
 * TYPE_HEX" (the decoded id and type as lower-case hex) or "bad". An id
 * and type that do not survive a trip through their JSON forms give
 * "unstable" instead, which no reference says. Exit 0, or 1 on a read or
 * allocation error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

#define VERDICT_MAX_BODY	(16 * 1024 * 1024)

static void
put_hex(const char *s)
{
	for (; *s != '\0'; s++)
		printf("%02x", (unsigned char)*s);
}

/* Whether ev's JSON forms, parsed again, give the same id and type. */
static int
stable(const struct event *ev)
{
	struct event	 again;
	const char	*reason;
	char		*body;
	size_t		 len;
	int		 same;

	len = strlen(ev->ev_id_json) + strlen(ev->ev_type_json) + 32;
	if ((body = malloc(len)) == NULL)
		return 0;
	snprintf(body, len, "{\"id\":%s,\"type\":%s}", ev->ev_id_json,
	    ev->ev_type_json);
	if (event_parse(body, strlen(body), &again, &reason) == -1) {
		free(body);
		return 0;
	}
	same = strcmp(again.ev_id, ev->ev_id) == 0 &&
	    strcmp(again.ev_type, ev->ev_type) == 0;
	event_clear(&again);
	free(body);
	return same;
}

int
main(void)
{
	struct event	 ev;
	const char	*reason;
	char		*body;
	unsigned long	 len;

	while (scanf("%lu", &len) == 1) {
		if (getchar() != '\n' || len > VERDICT_MAX_BODY) {
			fprintf(stderr, "json_verdict: bad length line\n");
			return 1;
		}
		/* exactly len bytes, so that a read past them is caught */
		if ((body = malloc(len > 0 ? len : 1)) == NULL) {
			fprintf(stderr, "json_verdict: out of memory\n");
			return 1;
		}
		if (fread(body, 1, len, stdin) != len) {
			fprintf(stderr, "json_verdict: short body\n");
			free(body);
			return 1;
		}
		if (event_parse(body, len, &ev, &reason) == -1) {
			puts("bad");
		} else if (!stable(&ev)) {
			puts("unstable");
			event_clear(&ev);
		} else {
			fputs("ok ", stdout);
			put_hex(ev.ev_id);
			putchar(' ');
			put_hex(ev.ev_type);
			putchar('\n');
			event_clear(&ev);
		}
		free(body);
	}
	if (ferror(stdin) || fflush(stdout) == EOF) {
		fprintf(stderr, "json_verdict: I/O error\n");
		return 1;
	}
	return 0;
}
