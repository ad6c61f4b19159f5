/*
 * fuzz_rlink.c: the text the Redis verbs take in (rtext.c): a --redis
 * address, an auth file's content, a MOVED reply from a server.
 *
 * Properties:
 *  - rtext_addr_split() on the input (up to its first NUL): on 0, a
 *    unix: address has port 0 and its path as host; any other has a port
 *    from 1 to 65535 and a non-empty host with no bracket.
 *  - rtext_auth_parse() on the input's bytes: on 0, the password is
 *    non-empty and holds no NUL, CR or LF, a user (if any) is non-empty
 *    with no space, and "USER PASSWORD" (or the password alone), with an
 *    optional "\r\n" or "\n", is the input again; on -1, nothing is left
 *    allocated and the reason is one of its static texts.
 *  - rtext_moved() on "MOVED " and the input, against an IPv4 and an IPv6
 *    current node: on 0, the address it gives is one rtext_addr_split()
 *    takes, with a port.
 *  - rtext_node_parse() on the input (a --cluster argument): on 0, the
 *    announced port is 1 to 65535 and its host non-empty without
 *    brackets, the local end is an address rtext_addr_split() takes, and
 *    rtext_node_find() finds the node by its announced address.
 *  - rtext_info_field() on the input's bytes as an INFO reply: on 1, the
 *    value is printable ASCII and the text holds "KEY:VALUE" at a line's
 *    start.
 *  - rtext_entry_check() on the input cut at its first three 0x1f bytes
 *    into id, type, webhook and line: on 0, id and type are 1 to 1024
 *    bytes with no C0 control or DEL, the webhook is empty or a name, and
 *    the line holds no NUL, CR or LF.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "rtext.h"

static const uint8_t	*cur_data;
static size_t		 cur_size;

static void
fuzz_report(void)
{
	fuzz_dump("input", cur_data, cur_size);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
check_addr(const char *s)
{
	const char	*reason = NULL;
	char		 host[512];
	int		 port = -1;

	if (rtext_addr_split(s, host, sizeof(host), &port, &reason) == -1) {
		FUZZ_CHECK(reason != NULL && *reason != '\0', "no reason");
		return;
	}
	if (strncmp(s, "unix:", 5) == 0) {
		FUZZ_CHECK(port == 0 && strcmp(host, s + 5) == 0,
		    "unix: gave port %d host %s", port, host);
		return;
	}
	FUZZ_CHECK(port >= 1 && port <= 65535, "port %d", port);
	FUZZ_CHECK(host[0] != '\0' && strchr(host, '[') == NULL &&
	    strchr(host, ']') == NULL, "host %s", host);
}

static void
check_auth(const uint8_t *data, size_t size)
{
	const char	*reason = NULL;
	char		*user = NULL, *pass = NULL, line[2 * 1024 + 8];
	size_t		 n, ul;

	if (rtext_auth_parse((const char *)data, size, &user, &pass,
	    &reason) == -1) {
		FUZZ_CHECK(user == NULL && pass == NULL, "left allocated");
		FUZZ_CHECK(reason != NULL && *reason != '\0' &&
		    (strcmp(reason, "out of memory") == 0 ||
		    strstr(reason, "one line") != NULL ||
		    strstr(reason, "non-empty") != NULL),
		    "not one of the static reasons: %s", reason);
		return;
	}
	FUZZ_CHECK(pass != NULL && *pass != '\0' &&
	    strpbrk(pass, "\r\n") == NULL, "password");
	ul = user != NULL ? strlen(user) : 0;
	FUZZ_CHECK(user == NULL || (ul > 0 && strchr(user, ' ') == NULL),
	    "user");
	n = (size_t)snprintf(line, sizeof(line), "%s%s%s", user ? user : "",
	    user ? " " : "", pass);
	FUZZ_CHECK(n < sizeof(line) && (size == n || (size == n + 1 &&
	    data[n] == '\n') || (size == n + 2 && data[n] == '\r' &&
	    data[n + 1] == '\n')) && memcmp(line, data, n) == 0,
	    "not the input again");
	explicit_bzero(line, sizeof(line));
	free(user);
	free(pass);
}

static void
check_moved(const char *s)
{
	static const char *const nodes[] = { "127.0.0.1:6379", "[::1]:6379" };
	const char	*reason;
	char		 reply[600], out[512], host[512];
	size_t		 i;
	int		 port;

	if (snprintf(reply, sizeof(reply), "MOVED %s", s) >= (int)sizeof(reply))
		return;
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (rtext_moved(reply, nodes[i], out, sizeof(out),
		    &reason) == -1)
			continue;
		FUZZ_CHECK(rtext_addr_split(out, host, sizeof(host), &port,
		    &reason) == 0 && port > 0, "gave %s", out);
	}
}

static void
check_node(const char *s)
{
	struct rtext_node	 node;
	const char		*reason = NULL;
	char			 host[512], announced[600];
	int			 port;

	if (rtext_node_parse(s, &node, &reason) == -1) {
		FUZZ_CHECK(reason != NULL && *reason != '\0', "no reason");
		return;
	}
	FUZZ_CHECK(node.rn_port >= 1 && node.rn_port <= 65535 &&
	    node.rn_host[0] != '\0' && strpbrk(node.rn_host, "[]") == NULL,
	    "announced %s port %d", node.rn_host, node.rn_port);
	FUZZ_CHECK(rtext_addr_split(node.rn_local, host, sizeof(host), &port,
	    &reason) == 0, "local %s", node.rn_local);
	/* brackets, so that a host named "unix" is no unix: address */
	snprintf(announced, sizeof(announced), "[%s]:%d", node.rn_host,
	    node.rn_port);
	FUZZ_CHECK(rtext_node_find(&node, 1, announced) == &node,
	    "%s not found", announced);
}

static void
check_info(const uint8_t *data, size_t size)
{
	const char	*t = (const char *)data;
	char		 out[64], want[80];
	size_t		 i, wl;

	if (rtext_info_field(t, size, "aof_enabled", out, sizeof(out)) != 1)
		return;
	for (i = 0; out[i] != '\0'; i++)
		FUZZ_CHECK(out[i] >= 0x20 && out[i] < 0x7f, "value byte %02x",
		    (unsigned char)out[i]);
	wl = (size_t)snprintf(want, sizeof(want), "aof_enabled:%s", out);
	for (i = 0; i + wl <= size; i++)
		if ((i == 0 || t[i - 1] == '\n') && memcmp(t + i, want, wl) == 0)
			return;
	FUZZ_CHECK(0, "%s is not at a line's start", want);
}

/* Whether s[0..n) holds a C0 control or DEL. */
static int
has_control(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

static void
check_entry(const uint8_t *data, size_t size)
{
	struct rtext_entry	 e;
	const char		*part[4], *p = (const char *)data, *end = p + size;
	const char		*cut, *reason = NULL;
	size_t			 len[4], i;

	for (i = 0; i < 4; i++) {
		cut = i < 3 ? memchr(p, 0x1f, (size_t)(end - p)) : NULL;
		if (cut == NULL)
			cut = end;
		part[i] = p;
		len[i] = (size_t)(cut - p);
		p = cut < end ? cut + 1 : end;
	}
	memset(&e, 0, sizeof(e));
	e.re_id = part[0];
	e.re_idlen = len[0];
	e.re_type = part[1];
	e.re_typelen = len[1];
	e.re_webhook = part[2];
	e.re_webhooklen = len[2];
	e.re_line = part[3];
	e.re_linelen = len[3];
	if (rtext_entry_check(&e, &reason) == -1) {
		FUZZ_CHECK(reason != NULL && *reason != '\0', "no reason");
		return;
	}
	FUZZ_CHECK(len[0] >= 1 && len[0] <= 1024 && !has_control(part[0],
	    len[0]), "id accepted");
	FUZZ_CHECK(len[1] >= 1 && len[1] <= 1024 && !has_control(part[1],
	    len[1]), "type accepted");
	FUZZ_CHECK(len[2] <= 1024 && !has_control(part[2], len[2]) &&
	    memchr(part[2], ' ', len[2]) == NULL, "webhook accepted");
	FUZZ_CHECK(memchr(part[3], '\0', len[3]) == NULL &&
	    memchr(part[3], '\n', len[3]) == NULL &&
	    memchr(part[3], '\r', len[3]) == NULL, "line accepted");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	s[1024];
	size_t	n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;

	cur_data = data;
	cur_size = size;
	memcpy(s, data, n);
	s[n] = '\0';
	check_addr(s);
	check_auth(data, size);
	check_moved(s);
	check_node(s);
	check_info(data, size);
	check_entry(data, size);
	return 0;
}
