/*
 * json_verdict: event_parse()'s verdict on each body read from stdin, for
 * tests/json_diff.sh, which compares them with an independent check in
 * Python.
 *
 * Input: bodies one after another, each as its length in decimal, a
 * newline, and that many bytes. Output: one line per body, "ok ID_HEX
 * TYPE_HEX" (the decoded id and type as lower-case hex) or "bad". An id
 * and type that do not survive a trip through their JSON forms, or a
 * spool line the drain could not read them back from, give "unstable"
 * instead, which no reference says. Exit 0, or 1 on a read or allocation
 * error.
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

/*
 * Whether the spool line of body (as spool.c writes it) gives the drain
 * the same id and type through event_fields().
 */
static int
readable(const char *body, size_t len, const struct event *ev)
{
	static const char *const keys[] = { "id", "type" };
	char		*copy, *line, *flat, *out[2] = { NULL, NULL };
	const char	*reason;
	size_t		 flatlen, max;
	int		 n, same = 0;

	if ((copy = malloc(len + 1)) == NULL)
		return 0;
	memcpy(copy, body, len);
	flat = event_flatten(copy, len, &flatlen);
	max = flatlen + strlen(ev->ev_id_json) + strlen(ev->ev_type_json) + 128;
	if ((line = malloc(max)) == NULL) {
		free(copy);
		return 0;
	}
	n = snprintf(line, max, "{\"received\":\"2026-11-28T12:24:31.123456Z\","
	    "\"webhook\":\"w\",\"id\":%s,\"type\":%s,\"event\":",
	    ev->ev_id_json, ev->ev_type_json);
	if (n > 0 && (size_t)n + flatlen + 2 <= max) {
		memcpy(line + n, flat, flatlen);
		memcpy(line + n + flatlen, "}", 2);
		if (event_fields(line, n + flatlen + 1, keys, out, 2,
		    &reason) == 0) {
			same = out[0] != NULL && out[1] != NULL &&
			    strcmp(out[0], ev->ev_id) == 0 &&
			    strcmp(out[1], ev->ev_type) == 0;
			free(out[0]);
			free(out[1]);
		}
	}
	free(line);
	free(copy);
	return same;
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
		} else if (!stable(&ev) || !readable(body, len, &ev)) {
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
