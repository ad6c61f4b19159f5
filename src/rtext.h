/*
 * rtext.h: the text forward and consume take in about Redis, parsed
 * without a connection (so that it can be tested and fuzzed alone): a
 * server's address from the command line, the line of an auth file, the
 * node a Redis Cluster's MOVED reply names and the nodes the user allows
 * it to name, a field of an INFO reply, and a stream entry's fields held
 * against its spool line.
 */
#ifndef HOOKSPOOL_RTEXT_H
#define HOOKSPOOL_RTEXT_H

#include <stddef.h>

/* The longest auth file line: a password, or a user, a space, a password. */
#define RTEXT_AUTH_MAX	1024
/* The longest address (HOST:PORT, [HOST]:PORT or unix:PATH), NUL included. */
#define RTEXT_ADDR_MAX	512

/*
 * A node a Redis Cluster's MOVED reply may send the verbs to (--cluster):
 * the address the cluster announces for it, and the address to connect
 * to for it (the same, or a tunnel's local end).
 */
struct rtext_node {
	char	rn_host[RTEXT_ADDR_MAX];	/* announced, no brackets */
	int	rn_port;			/* announced */
	char	rn_local[RTEXT_ADDR_MAX];	/* connected to */
};

/* A stream entry's fields as consume reads them (not NUL-terminated). */
struct rtext_entry {
	const char	*re_id, *re_type, *re_webhook, *re_line;
	size_t		 re_idlen, re_typelen, re_webhooklen, re_linelen;
};

/*
 * Split addr, HOST:PORT, [HOST]:PORT (IPv6) or unix:PATH, into host (len
 * bytes; the path for unix:) and *port (1 to 65535; 0 for unix:). Returns
 * 0, or -1 with a static reason in *reason.
 */
int rtext_addr_split(const char *addr, char *host, size_t len, int *port,
    const char **reason);

/*
 * Read an auth file's content, buf[0..len): one line (a trailing \n or
 * \r\n dropped) holding a password, or a user name, a space and a
 * password; no NUL, no other CR or LF, at most RTEXT_AUTH_MAX bytes. On
 * success *user (NULL when none is named) and *pass are new strings the
 * caller wipes and frees. Returns 0, or -1 with a static reason that never
 * holds any of buf.
 */
int rtext_auth_parse(const char *buf, size_t len, char **user, char **pass,
    const char **reason);

/*
 * The node a MOVED reply names, "MOVED SLOT HOST:PORT", as an address
 * rtext_addr_split() takes, into out (outlen bytes). An empty HOST is the
 * host of current (an address rtext_addr_split() took); an IPv6 HOST is
 * put in brackets. Returns 0, or -1 with a static reason.
 */
int rtext_moved(const char *reply, const char *current, char *out,
    size_t outlen, const char **reason);

/*
 * Parse a --cluster argument: ANNOUNCED, or ANNOUNCED=LOCAL, where
 * ANNOUNCED is the HOST:PORT (or [HOST]:PORT) a MOVED reply names and
 * LOCAL any address rtext_addr_split() takes (default ANNOUNCED). Fills
 * *node. Returns 0, or -1 with a static reason.
 */
int rtext_node_parse(const char *arg, struct rtext_node *node,
    const char **reason);

/*
 * The node of v[0..n) whose announced address is addr (an address
 * rtext_moved() gives; hosts compared without regard to case), or NULL
 * when none is, or addr is no HOST:PORT.
 */
const struct rtext_node *rtext_node_find(const struct rtext_node *v,
    size_t n, const char *addr);

/*
 * The value of the field key in the INFO reply text[0..len) (lines of
 * "key:value" ending in CRLF or LF; "# Section" lines and blank ones
 * skipped) into out (outlen > 0 bytes, NUL-terminated). Returns 1 when
 * found, 0 when missing, -1 when the value does not fit out or holds a
 * byte that is not printable ASCII.
 */
int rtext_info_field(const char *text, size_t len, const char *key,
    char *out, size_t outlen);

/*
 * Whether a stream entry e is one forward wrote for a spool line: id and
 * type by the event rules (event_set(), event.h), a webhook of letters,
 * digits, '.', '_' and '-' (at most 1024; empty only when the line names
 * none), and a line of one JSON object (no NUL, CR or LF) whose own id,
 * type and webhook are the entry's, byte for byte. Returns 0, or -1 with
 * a static reason (never any of e's text).
 */
int rtext_entry_check(const struct rtext_entry *e, const char **reason);

#endif
