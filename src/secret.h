/*
 * secret.h: the files that hold secrets (a webhook's secret_file, the
 * --auth-file of forward and consume, a config holding an inline secret),
 * judged by one rule and read one way.
 */
#ifndef HOOKSPOOL_SECRET_H
#define HOOKSPOOL_SECRET_H

#include <stddef.h>
#include <sys/stat.h>

/* The longest secret a file may hold. */
#define SECRET_MAX	(64 * 1024)

/*
 * The rule for a file of status st that holds a secret: owned by the user
 * running hookspool, or by root (root may use anyone's); writable by no
 * one else, and readable by no one but its owner and its group. When st breaks it, writes why into
 * why (len bytes), naming what ("secret_file", "the auth file", ...), the
 * path, its mode or owner, and the command that mends it, and returns -1;
 * else 0.
 */
int secret_check(const char *what, const char *path, const struct stat *st,
    char *why, size_t len);

/*
 * secret_read() flags: take any file, a pipe (stdin) too, whatever its
 * owner and mode: for sign, which only computes a MAC and trusts no one
 * with what it reads.
 */
#define SECRET_UNCHECKED	0x1

/*
 * Read the secret in path: a regular file that secret_check() accepts
 * (unless SECRET_UNCHECKED), at most SECRET_MAX bytes, not empty; one
 * trailing \n or \r\n is dropped. Messages name it as what and name (the
 * path, or what of it may be shown). On success *key is a new buffer of
 * *keylen bytes the caller wipes and frees, and *st (may be NULL) the
 * file's status; returns 0. Else -1 with why (whylen bytes) saying what is
 * wrong and, where it can, how to mend it.
 */
int secret_read(const char *what, const char *path, const char *name,
    int flags,
    unsigned char **key, size_t *keylen, struct stat *st, char *why,
    size_t whylen);

#endif
