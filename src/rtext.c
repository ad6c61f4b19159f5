/*
 * rtext.c: the Redis verbs' text (rtext.h): addresses, auth file lines,
 * MOVED replies. Nothing here connects, reads a file or prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtext.h"

/* A unix socket's path fits sockaddr_un's sun_path with its NUL. */
#define RTEXT_SUN_PATH_MAX	107

int
rtext_addr_split(const char *addr, char *host, size_t len, int *port,
    const char **reason)
{
	const char	*colon, *h = addr;
	size_t		 hl;
	long		 p;
	char		*end;

	if (strncmp(addr, "unix:", 5) == 0) {
		hl = strlen(addr + 5);
		if (hl == 0 || hl > RTEXT_SUN_PATH_MAX || hl >= len) {
			*reason = "unix: needs a path of 1 to 107 bytes";
			return -1;
		}
		memcpy(host, addr + 5, hl + 1);
		*port = 0;
		return 0;
	}
	if ((colon = strrchr(addr, ':')) == NULL) {
		*reason = "not HOST:PORT or unix:PATH";
		return -1;
	}
	hl = (size_t)(colon - addr);
	if (*h == '[') {		/* [IPv6]:PORT */
		if (hl < 3 || addr[hl - 1] != ']') {
			*reason = "not [ADDRESS]:PORT";
			return -1;
		}
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= len) {
		*reason = "the host is empty or too long";
		return -1;
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    p < 1 || p > 65535) {
		*reason = "the port is not a number from 1 to 65535";
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (strpbrk(host, "[] \t\r\n") != NULL) {
		*reason = "the host holds a bracket or a space";
		return -1;
	}
	*port = (int)p;
	return 0;
}

/* Free a secret string, wiped first. s may be NULL. */
static void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* A copy of s[0..n) with a NUL, or NULL. */
static char *
copy(const char *s, size_t n)
{
	char	*c;

	if ((c = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

int
rtext_auth_parse(const char *buf, size_t len, char **user, char **pass,
    const char **reason)
{
	const char	*sp;

	*user = *pass = NULL;
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	if (len == 0 || len > RTEXT_AUTH_MAX || memchr(buf, '\0', len) ||
	    memchr(buf, '\n', len) || memchr(buf, '\r', len)) {
		*reason = "it must hold one line: a password, or a user, a "
		    "space and a password (at most 1024 bytes)";
		return -1;
	}
	if ((sp = memchr(buf, ' ', len)) == NULL) {
		if ((*pass = copy(buf, len)) == NULL)
			goto nomem;
		return 0;
	}
	if (sp == buf || sp + 1 == buf + len) {
		*reason = "a user and a password must both be non-empty";
		return -1;
	}
	if ((*user = copy(buf, (size_t)(sp - buf))) == NULL ||
	    (*pass = copy(sp + 1, len - (size_t)(sp - buf) - 1)) == NULL)
		goto nomem;
	return 0;
nomem:
	secret_free(*user);
	secret_free(*pass);
	*user = *pass = NULL;
	*reason = "out of memory";
	return -1;
}

int
rtext_moved(const char *reply, const char *current, char *out,
    size_t outlen, const char **reason)
{
	const char	*to, *colon;
	char		 host[512];
	int		 port, n;

	/* "MOVED SLOT HOST:PORT" */
	if (strncmp(reply, "MOVED ", 6) != 0 ||
	    (to = strchr(reply + 6, ' ')) == NULL ||
	    (colon = strrchr(++to, ':')) == NULL) {
		*reason = "not MOVED SLOT HOST:PORT";
		return -1;
	}
	if (colon == to) {	/* the host asked */
		if (rtext_addr_split(current, host, sizeof(host), &port,
		    reason) == -1 || port == 0) {
			*reason = "no host to go with the port";
			return -1;
		}
		n = strchr(host, ':') != NULL ?
		    snprintf(out, outlen, "[%s]%s", host, colon) :
		    snprintf(out, outlen, "%s%s", host, colon);
	} else if (memchr(to, ':', (size_t)(colon - to)) != NULL && *to != '[')
		n = snprintf(out, outlen, "[%.*s]%s", (int)(colon - to), to,
		    colon);	/* IPv6 */
	else
		n = snprintf(out, outlen, "%s", to);
	if (n < 0 || (size_t)n >= outlen) {
		*reason = "the address is too long";
		return -1;
	}
	if (rtext_addr_split(out, host, sizeof(host), &port, reason) == -1)
		return -1;
	if (port == 0) {
		*reason = "not a node's HOST:PORT";
		return -1;
	}
	return 0;
}
