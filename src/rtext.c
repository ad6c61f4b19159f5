/*
 * rtext.c: the Redis verbs' text (rtext.h): addresses, auth file lines,
 * MOVED replies and the nodes they may name, INFO fields, and stream
 * entries held against their lines. Nothing here connects, reads a file
 * or prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event.h"
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

int
rtext_node_parse(const char *arg, struct rtext_node *node,
    const char **reason)
{
	const char	*eq, *local;
	char		 announced[RTEXT_ADDR_MAX];
	size_t		 n;
	int		 port;

	memset(node, 0, sizeof(*node));
	eq = strchr(arg, '=');
	n = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	local = eq != NULL ? eq + 1 : arg;
	if (n >= sizeof(announced) || strlen(local) >= sizeof(node->rn_local)) {
		*reason = "the address is too long";
		return -1;
	}
	memcpy(announced, arg, n);
	announced[n] = '\0';
	if (strncmp(announced, "unix:", 5) == 0) {
		*reason = "a node is announced as HOST:PORT, not unix:PATH";
		return -1;
	}
	if (rtext_addr_split(announced, node->rn_host, sizeof(node->rn_host),
	    &node->rn_port, reason) == -1)
		return -1;
	if (rtext_addr_split(local, announced, sizeof(announced), &port,
	    reason) == -1)
		return -1;
	memcpy(node->rn_local, local, strlen(local) + 1);
	return 0;
}

const struct rtext_node *
rtext_node_find(const struct rtext_node *v, size_t n, const char *addr)
{
	const char	*reason;
	char		 host[RTEXT_ADDR_MAX];
	size_t		 i;
	int		 port;

	if (rtext_addr_split(addr, host, sizeof(host), &port, &reason) == -1 ||
	    port == 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (v[i].rn_port == port && strcasecmp(v[i].rn_host, host) == 0)
			return &v[i];
	return NULL;
}

int
rtext_info_field(const char *text, size_t len, const char *key, char *out,
    size_t outlen)
{
	const char	*p = text, *end = text + len, *nl, *v;
	size_t		 kl = strlen(key), vl, i;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) <= kl || memcmp(p, key, kl) != 0 ||
		    p[kl] != ':')
			continue;
		v = p + kl + 1;
		vl = (size_t)(nl - v);
		if (vl > 0 && v[vl - 1] == '\r')
			vl--;
		if (vl >= outlen)
			return -1;
		for (i = 0; i < vl; i++)
			if (v[i] < 0x20 || v[i] >= 0x7f)
				return -1;
		memcpy(out, v, vl);
		out[vl] = '\0';
		return 1;
	}
	return 0;
}

/* Whether s[0..n) is a webhook's name, as the configuration allows. */
static int
webhook_name(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > EVENT_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Whether the string s (may be NULL: "") is t[0..n). */
static int
same(const char *s, const char *t, size_t n)
{
	if (s == NULL)
		return n == 0;
	return strlen(s) == n && memcmp(s, t, n) == 0;
}

int
rtext_entry_check(const struct rtext_entry *e, const char **reason)
{
	static const char *const keys[] = { "id", "type", "webhook" };
	struct event	 ev;
	char		*out[3];
	int		 rc = -1;

	if (e->re_id == NULL || e->re_type == NULL || e->re_line == NULL) {
		*reason = "the entry lacks an id, type or line field";
		return -1;
	}
	if (event_set(&ev, e->re_id, e->re_idlen, e->re_type, e->re_typelen,
	    reason) == -1)
		return -1;
	event_clear(&ev);
	if (e->re_webhooklen > 0 &&
	    !webhook_name(e->re_webhook, e->re_webhooklen)) {
		*reason = "webhook is not a name of letters, digits, '.', '_' "
		    "and '-'";
		return -1;
	}
	if (memchr(e->re_line, '\n', e->re_linelen) != NULL ||
	    memchr(e->re_line, '\r', e->re_linelen) != NULL) {
		*reason = "the line holds a line break";
		return -1;
	}
	if (event_fields(e->re_line, e->re_linelen, keys, out, 3,
	    reason) == -1) {
		if (strcmp(*reason, "out of memory") != 0)
			*reason = "the line is not a JSON object of strings";
		return -1;
	}
	if (!same(out[0], e->re_id, e->re_idlen) || out[0] == NULL)
		*reason = "id differs from the line's id";
	else if (!same(out[1], e->re_type, e->re_typelen) || out[1] == NULL)
		*reason = "type differs from the line's type";
	else if (!same(out[2], e->re_webhook, e->re_webhooklen))
		*reason = "webhook differs from the line's webhook";
	else
		rc = 0;
	free(out[0]);
	free(out[1]);
	free(out[2]);
	return rc;
}
