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
 */
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
	return 0;
}
