/*
 * test_log.c: log_format() makes one safe line whatever its input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "unit.h"

#define CANARY	0xa5
#define SLACK	64

static char	buf[LOG_TEXT_MAX + SLACK];

/* Format into buf with a canary behind it, and check the line's shape. */
static const char *
format(int status, const char *webhook, const char *remote, const char *id,
    const char *reason)
{
	size_t	n, i;

	memset(buf, CANARY, sizeof(buf));
	n = log_format(buf, status, webhook, remote, id, reason);
	CHECK(n > 0 && n < LOG_TEXT_MAX, "length %zu out of bounds", n);
	CHECK(memchr(buf, '\0', LOG_TEXT_MAX) != NULL, "no NUL in the line");
	CHECK(strlen(buf) == n, "returned %zu, strlen %zu", n, strlen(buf));
	CHECK(n > 0 && buf[n - 1] == '\n', "no newline at the end");
	CHECK(strchr(buf, '\n') == buf + n - 1, "newline before the end");
	for (i = 0; i + 1 < n; i++)
		CHECK((unsigned char)buf[i] >= 0x20 &&
		    (unsigned char)buf[i] < 0x7f, "byte 0x%02x at %zu",
		    (unsigned char)buf[i], i);
	for (i = LOG_TEXT_MAX; i < sizeof(buf); i++)
		CHECK((unsigned char)buf[i] == CANARY, "written past "
		    "LOG_TEXT_MAX at %zu", i);
	return buf;
}

static size_t
count(const char *s, const char *needle)
{
	size_t	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

int
main(void)
{
	char		 big[2048];
	const char	*l;

	l = format(401, "protocol", "192.0.2.7", "a056V7R7NmNRjl70",
	    "signature matches no secret");
	CHECK(strcmp(l, "hookspool: 401 webhook=protocol remote=192.0.2.7 "
	    "id=a056V7R7NmNRjl70: signature matches no secret\n") == 0,
	    "plain line: %s", l);

	l = format(404, NULL, NULL, NULL, "no webhook");
	CHECK(strcmp(l, "hookspool: 404 webhook=- remote=- id=-: "
	    "no webhook\n") == 0, "NULL fields: %s", l);
	l = format(500, "", "", "", NULL);
	CHECK(strncmp(l, "hookspool: 500 webhook=- remote=- id=-", 38) == 0,
	    "empty fields: %s", l);

	/* Control characters and non-ASCII are replaced, not passed. */
	l = format(400, "a\nb", "10.0.0.1\r\nhookspool: 200 webhook=x",
	    "\x1b[31mred\x7f\xc3\xa9\t", "bad");
	CHECK(strstr(l, "webhook=a?b ") != NULL, "newline in webhook: %s", l);
	CHECK(count(l, " webhook=") == 1 && count(l, " remote=") == 1,
	    "a forged record: %s", l);
	CHECK(strstr(l, " id=?[31mred????: bad\n") != NULL,
	    "control bytes in id: %s", l);

	/* A field cannot forge another: spaces are replaced too. */
	l = format(400, "w", "x id=forged: 200", "real", "r");
	CHECK(count(l, " id=") == 1 && count(l, " remote=") == 1,
	    "forged field: %s", l);
	CHECK(strstr(l, "id=real: r\n") != NULL, "id lost: %s", l);

	/* Long fields are cut, and say so. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	l = format(413, big, big, big, "body too large");
	CHECK(strstr(l, "webhook=xxxx") != NULL && strstr(l, " remote=x") !=
	    NULL && strstr(l, " id=x") != NULL, "fields lost: %s", l);
	CHECK(strstr(l, ": body too large\n") != NULL, "reason lost after "
	    "long fields: %s", l);
	CHECK(strlen(l) < 3 * 100 + 60, "fields not cut: %zu bytes",
	    strlen(l));
	CHECK(count(l, "x+") == 3, "cut fields not marked: %s", l);

	/* A long reason is cut at the line's end, which stays a newline. */
	memset(big, 'r', sizeof(big) - 1);
	l = format(503, big, big, big, big);
	CHECK(strlen(l) == LOG_TEXT_MAX - 1, "long line: %zu bytes",
	    strlen(l));

	/* A reason (which may name a config path) cannot start a line. */
	l = format(500, "w", "r", "i",
	    "/tmp/x\nhookspool: 200 webhook=forged:1: bad\x1b\xc3\xa9");
	CHECK(strstr(l, "/tmp/x?hookspool: 200 webhook=forged:1: bad???\n") !=
	    NULL, "reason not cleaned: %s", l);

	/* Statuses print as numbers. */
	l = format(200, "w", "r", "i", "accepted");
	CHECK(strncmp(l, "hookspool: 200 ", 15) == 0, "status: %s", l);
	/* No status (a record of no answer, such as a counting problem). */
	l = format(0, "w", "r", "-", "answers not counted");
	CHECK(strcmp(l, "hookspool: - webhook=w remote=r id=-: answers not "
	    "counted\n") == 0, "no status: %s", l);
	return unit_done("test_log");
}
