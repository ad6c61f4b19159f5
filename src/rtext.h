/*
 * rtext.h: the text forward and consume take in about Redis, parsed
 * without a connection (so that it can be tested and fuzzed alone): a
 * server's address from the command line, the line of an auth file, and
 * the node a Redis Cluster's MOVED reply names.
 */
#ifndef HOOKSPOOL_RTEXT_H
#define HOOKSPOOL_RTEXT_H

#include <stddef.h>

/* The longest auth file line: a password, or a user, a space, a password. */
#define RTEXT_AUTH_MAX	1024

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

#endif
