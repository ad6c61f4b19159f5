/*
 * test_rlink.c: the parts of the Redis link that take input from the user
 * or the server without a server: addresses, auth files, the stream key,
 * and how error replies are told apart (trouble costs no attempt, a
 * refusal does). Connecting is shown by the tests/redis_*.sh scripts.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "rlink.h"
#include "unit.h"

static char	dir[] = "/tmp/hookspool-rlink.XXXXXX";

/* Write text to dir/name with mode; returns the path (static). */
static const char *
file(const char *name, const char *text, mode_t mode)
{
	static char	path[256];
	int		fd;

	unit_fmt(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	REQUIRE(fd != -1, "open %s", path);
	REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text),
	    "write");
	REQUIRE(close(fd) == 0, "close");
	return path;
}

static void
addresses(void)
{
	static const struct {
		const char	*addr;
		int		 ok;
	} cases[] = {
		{ "127.0.0.1:6379", 1 },
		{ "redis.internal:1", 1 },
		{ "[::1]:6379", 1 },
		{ "unix:/run/redis/redis.sock", 1 },
		{ "127.0.0.1", 0 },
		{ "127.0.0.1:", 0 },
		{ ":6379", 0 },
		{ "127.0.0.1:0", 0 },
		{ "127.0.0.1:65536", 0 },
		{ "127.0.0.1:-1", 0 },
		{ "127.0.0.1:+1", 0 },
		{ "127.0.0.1:63 79", 0 },
		{ "[::1:6379", 0 },
		{ "[]:6379", 0 },
		{ "[[::1]:6379", 0 },
		{ "a]:6379", 0 },
		{ "a b:6379", 0 },
		{ "unix:", 0 },
		{ "", 0 },
	};
	const char	*reason;
	char		 longpath[200];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reason = NULL;
		CHECK((rlink_addr_check(cases[i].addr, &reason) == 0) ==
		    cases[i].ok, "%s: %s", cases[i].addr,
		    reason ? reason : "accepted");
	}
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	memcpy(longpath, "unix:/", 6);
	CHECK(rlink_addr_check(longpath, &reason) == -1,
	    "a socket path longer than a sockaddr_un holds");
}

static void
auth_files(void)
{
	char	err[RLINK_ERR_MAX], *user, *pass;

	CHECK(rlink_auth_read(file("pw", "s3cret\n", 0600), &user, &pass,
	    err, sizeof(err)) == 0 && user == NULL && pass != NULL &&
	    strcmp(pass, "s3cret") == 0, "a password: %s", err);
	free(pass);
	CHECK(rlink_auth_read(file("acl", "worker p4ss word\r\n", 0600), &user,
	    &pass, err, sizeof(err)) == 0 && user != NULL &&
	    strcmp(user, "worker") == 0 && strcmp(pass, "p4ss word") == 0,
	    "a user and a password: %s", err);
	free(user);
	free(pass);
	CHECK(rlink_auth_read(file("empty", "", 0600), &user, &pass, err,
	    sizeof(err)) == -1 && pass == NULL, "an empty file");
	CHECK(rlink_auth_read(file("nl", "\n", 0600), &user, &pass, err,
	    sizeof(err)) == -1, "a newline alone");
	CHECK(rlink_auth_read(file("two", "a\nb\n", 0600), &user, &pass, err,
	    sizeof(err)) == -1 && strstr(err, "one line") != NULL,
	    "two lines: %s", err);
	CHECK(rlink_auth_read(file("nouser", " pw\n", 0600), &user, &pass, err,
	    sizeof(err)) == -1, "a space before the password");
	CHECK(rlink_auth_read(file("nopw", "user \n", 0600), &user, &pass, err,
	    sizeof(err)) == -1, "a user and no password");
	CHECK(rlink_auth_read(dir, &user, &pass, err, sizeof(err)) == -1 &&
	    strstr(err, "not a regular file") != NULL, "a folder: %s", err);
	CHECK(rlink_auth_read("/nonexistent/auth", &user, &pass, err,
	    sizeof(err)) == -1 && strstr(err, "/nonexistent/auth") != NULL,
	    "a missing file: %s", err);
	/* The password never reaches a message. */
	CHECK(rlink_auth_read(file("nul", "pw\nmore-secret\n", 0600), &user,
	    &pass, err, sizeof(err)) == -1 && strstr(err, "more-secret") ==
	    NULL && strstr(err, "pw") == NULL, "a message with the secret: %s",
	    err);
}

static void
stream_keys(void)
{
	const char	*reason;
	char		 big[CLI_STREAM_MAX + 2];

	CHECK(cli_stream_key("hookspool", &reason) == 0, "hookspool");
	CHECK(cli_stream_key("app:events-1", &reason) == 0, "app:events-1");
	CHECK(cli_stream_key("", &reason) == -1, "empty");
	CHECK(cli_stream_key("a{b}", &reason) == -1, "a hash tag of its own");
	CHECK(cli_stream_key("a b", &reason) == -1, "a space");
	CHECK(cli_stream_key("a\nb", &reason) == -1, "a newline");
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(cli_stream_key(big, &reason) == -1, "too long");
}

/* An error reply as hiredis would build it. */
static int
trouble(const char *text)
{
	redisReply	r;

	memset(&r, 0, sizeof(r));
	r.type = REDIS_REPLY_ERROR;
	r.str = (char *)text;
	r.len = strlen(text);
	return rlink_server_trouble(&r);
}

static void
replies(void)
{
	redisReply	r;
	char		buf[32];

	CHECK(trouble("LOADING Redis is loading the dataset in memory"),
	    "LOADING");
	CHECK(trouble("READONLY You can't write against a read only replica."),
	    "READONLY");
	CHECK(trouble("OOM command not allowed when used memory > 'maxmemory'."),
	    "OOM");
	CHECK(trouble("NOPERM this user has no permissions"), "NOPERM");
	CHECK(trouble("CLUSTERDOWN The cluster is down"), "CLUSTERDOWN");
	CHECK(trouble("BUSY Redis is busy running a script."), "BUSY");
	CHECK(trouble("NOSCRIPT No matching script."), "NOSCRIPT");
	CHECK(trouble("ASK 3999 127.0.0.1:6381"), "ASK");
	CHECK(!trouble("WRONGTYPE Operation against a key holding the wrong "
	    "kind of value"), "WRONGTYPE is a refusal");
	CHECK(!trouble("ERR Error running script"), "ERR is a refusal");
	CHECK(!trouble("BUSYGROUP Consumer Group name already exists"),
	    "BUSYGROUP is not BUSY");
	memset(&r, 0, sizeof(r));
	r.type = REDIS_REPLY_ERROR;
	r.str = (char *)"MOVED 3999 127.0.0.1:6381";
	r.len = strlen(r.str);
	CHECK(rlink_moved(&r), "MOVED");
	r.str = (char *)"MOVEDX";
	r.len = strlen(r.str);
	CHECK(!rlink_moved(&r), "MOVEDX");
	r.str = (char *)"ERR bad\r\n\x1b[31mforged";
	r.len = strlen(r.str);
	rlink_reply_error(&r, buf, sizeof(buf));
	CHECK(strchr(buf, '\n') == NULL && strchr(buf, '\x1b') == NULL &&
	    strlen(buf) < sizeof(buf), "an error reply made printable: %s",
	    buf);
}

static void
unreachable(void)
{
	struct rlink	*rl = (struct rlink *)1;
	char		 err[RLINK_ERR_MAX], path[256];

	unit_fmt(path, sizeof(path), "unix:%s/no.sock", dir);
	CHECK(rlink_open(path, NULL, strdup("pw"), NULL, &rl, err,
	    sizeof(err)) == -1 && rl == NULL &&
	    strstr(err, "unable to reach") != NULL && strstr(err, "pw") ==
	    NULL, "no server: %s", err);
}

int
main(void)
{
	char	cmd[300];

	REQUIRE(mkdtemp(dir) != NULL, "mkdtemp");
	addresses();
	auth_files();
	stream_keys();
	replies();
	unreachable();
	unit_fmt(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "cleanup");
	return unit_done("test_rlink");
}
