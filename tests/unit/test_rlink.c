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
#include "rtext.h"
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
	REQUIRE(fchmod(fd, mode) == 0, "fchmod %s", path);	/* umask aside */
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
	/* The rule of every secret file (secret.h): nothing for others. */
	CHECK(rlink_auth_read(file("ro", "s3cret\n", 0400), &user, &pass,
	    err, sizeof(err)) == 0, "mode 0400: %s", err);
	free(pass);
	CHECK(rlink_auth_read(file("wide", "s3cret\n", 0644), &user, &pass,
	    err, sizeof(err)) == -1 && pass == NULL &&
	    strstr(err, "/wide is mode 0644") != NULL &&
	    strstr(err, "chmod 600 ") != NULL && strstr(err, "s3cret") == NULL,
	    "mode 0644: %s", err);
	CHECK(rlink_auth_read(file("group", "s3cret\n", 0660), &user, &pass,
	    err, sizeof(err)) == -1 && strstr(err, "mode 0660") != NULL &&
	    strstr(err, "writable by its group") != NULL, "mode 0660: %s", err);
	CHECK(rlink_auth_read(file("w", "s3cret\n", 0602), &user, &pass,
	    err, sizeof(err)) == -1 && strstr(err, "mode 0602") != NULL,
	    "mode 0602: %s", err);
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
	struct rlink_conf	 conf;
	struct rlink		*rl = (struct rlink *)1;
	char			 err[RLINK_ERR_MAX], path[256];

	unit_fmt(path, sizeof(path), "unix:%s/no.sock", dir);
	memset(&conf, 0, sizeof(conf));
	conf.rc_addr = path;
	CHECK(rlink_open(&conf, NULL, strdup("pw"), &rl, err,
	    sizeof(err)) == -1 && rl == NULL &&
	    strstr(err, "unable to reach") != NULL && strstr(err, "pw") ==
	    NULL, "no server: %s", err);
}

static void
nodes(void)
{
	static const struct {
		const char	*arg, *host, *local;
		int		 port;
	} good[] = {
		{ "10.0.0.6:7001", "10.0.0.6", "10.0.0.6:7001", 7001 },
		{ "10.0.0.6:7001=127.0.0.1:17001", "10.0.0.6",
		  "127.0.0.1:17001", 7001 },
		{ "[fd00::6]:7001=unix:/run/tunnel/n2.sock", "fd00::6",
		  "unix:/run/tunnel/n2.sock", 7001 },
		{ "Node-2.internal:6379", "Node-2.internal",
		  "Node-2.internal:6379", 6379 },
	};
	static const char *const bad[] = {
		"", "10.0.0.6", "10.0.0.6:0", "unix:/tmp/x.sock",
		"unix:/tmp/x.sock=127.0.0.1:1", "10.0.0.6:7001=",
		"10.0.0.6:7001=127.0.0.1", "=127.0.0.1:1", "a b:1",
		"10.0.0.6:7001=a b:1",
	};
	struct rtext_node	 v[2];
	const char		*reason;
	size_t			 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		reason = NULL;
		CHECK(rtext_node_parse(good[i].arg, &v[0], &reason) == 0 &&
		    strcmp(v[0].rn_host, good[i].host) == 0 &&
		    v[0].rn_port == good[i].port &&
		    strcmp(v[0].rn_local, good[i].local) == 0,
		    "--cluster %s: %s", good[i].arg, reason ? reason : "odd");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(rtext_node_parse(bad[i], &v[0], &reason) == -1,
		    "--cluster %s is refused", bad[i]);
	REQUIRE(rtext_node_parse("10.0.0.6:7001=127.0.0.1:17001", &v[0],
	    &reason) == 0 && rtext_node_parse("[fd00::6]:7002", &v[1],
	    &reason) == 0, "two nodes");
	CHECK(rtext_node_find(v, 2, "10.0.0.6:7001") == &v[0], "found");
	CHECK(rtext_node_find(v, 2, "[FD00::6]:7002") == &v[1],
	    "found, the host in another case");
	CHECK(rtext_node_find(v, 2, "10.0.0.6:7002") == NULL, "another port");
	CHECK(rtext_node_find(v, 2, "10.0.0.66:7001") == NULL, "another host");
	CHECK(rtext_node_find(v, 2, "127.0.0.1:17001") == NULL,
	    "a local end is no announced address");
	CHECK(rtext_node_find(v, 2, "unix:/tmp/x") == NULL, "unix:");
	CHECK(rtext_node_find(v, 0, "10.0.0.6:7001") == NULL, "no nodes");
}

static void
info(void)
{
	static const char text[] =
	    "# Persistence\r\nloading:0\r\naof_enabled:1\r\n"
	    "aof_rewrite_in_progress:0\r\nodd:\x1b[31m\r\n"
	    "long:0123456789\r\n\r\n# Other\r\nlast:x";
	char	out[8];

	CHECK(rtext_info_field(text, sizeof(text) - 1, "aof_enabled", out,
	    sizeof(out)) == 1 && strcmp(out, "1") == 0, "aof_enabled");
	CHECK(rtext_info_field(text, sizeof(text) - 1, "aof", out,
	    sizeof(out)) == 0, "a prefix of a field is no field");
	CHECK(rtext_info_field(text, sizeof(text) - 1, "missing", out,
	    sizeof(out)) == 0, "missing");
	CHECK(rtext_info_field(text, sizeof(text) - 1, "odd", out,
	    sizeof(out)) == -1, "an escape in a value");
	CHECK(rtext_info_field(text, sizeof(text) - 1, "long", out,
	    sizeof(out)) == -1, "a value too long for out");
	CHECK(rtext_info_field(text, sizeof(text) - 1, "last", out,
	    sizeof(out)) == 1 && strcmp(out, "x") == 0, "no line end");
	CHECK(rtext_info_field("aof_enabled:0\n", 14, "aof_enabled", out,
	    sizeof(out)) == 1 && strcmp(out, "0") == 0, "LF alone");
}

/* Whether the entry of these fields passes (webhook NULL: no field). */
static int
entry(const char *id, const char *type, const char *webhook,
    const char *line, const char **reason)
{
	struct rtext_entry	e;

	memset(&e, 0, sizeof(e));
	e.re_id = id;
	e.re_idlen = id ? strlen(id) : 0;
	e.re_type = type;
	e.re_typelen = type ? strlen(type) : 0;
	e.re_webhook = webhook;
	e.re_webhooklen = webhook ? strlen(webhook) : 0;
	e.re_line = line;
	e.re_linelen = line ? strlen(line) : 0;
	*reason = "accepted";
	return rtext_entry_check(&e, reason);
}

static void
entries(void)
{
#define LINE(w, i, t) "{\"received\":\"2026-01-01T00:00:00.000000Z\"," \
	"\"webhook\":\"" w "\",\"id\":\"" i "\",\"type\":\"" t "\"," \
	"\"event\":{\"id\":\"" i "\",\"type\":\"" t "\"}}"
	static const char	ok[] = LINE("protocol", "ev-1", "a.b");
	static const struct {
		const char	*id, *type, *webhook, *line, *why;
	} bad[] = {
		{ "ev-1\x1b[2J", "a.b", "protocol", ok, "control" },
		{ "ev-1\n", "a.b", "protocol", ok, "control" },
		{ "ev-\xe2\x80\xae" "1", "a.b", "protocol", ok, "bidi" },
		{ "ev-\xff", "a.b", "protocol", ok, "UTF-8" },
		{ "ev-1", "a.b\x07", "protocol", ok, "control" },
		{ "ev-1", "a.b", "proto col", ok, "webhook" },
		{ "ev-1", "a.b", "pro\x1btocol", ok, "webhook" },
		{ "ev-2", "a.b", "protocol", ok, "differs" },
		{ "ev-1", "a.c", "protocol", ok, "differs" },
		{ "ev-1", "a.b", "other", ok, "differs" },
		{ "ev-1", "a.b", NULL, ok, "differs" },
		{ "ev-1", "a.b", "protocol", "not json", "JSON" },
		{ "ev-1", "a.b", "protocol", LINE("protocol", "ev-1\\u0000x",
		    "a.b"), "JSON" },
		{ "ev-1", "a.b", "protocol", "{\"webhook\":\"protocol\","
		    "\"id\":\"ev-1\",\"type\":\"a.b\"}\r", "line break" },
		{ NULL, "a.b", "protocol", ok, "lacks" },
		{ "ev-1", NULL, "protocol", ok, "lacks" },
		{ "ev-1", "a.b", "protocol", NULL, "lacks" },
		{ "", "a.b", "protocol", ok, "empty" },
	};
	const char	*reason;
	char		*big;
	size_t		 i;

	CHECK(entry("ev-1", "a.b", "protocol", ok, &reason) == 0,
	    "a spool line and its fields: %s", reason);
	CHECK(entry("ev-1", "a.b", NULL,
	    "{\"id\":\"ev-1\",\"type\":\"a.b\"}", &reason) == 0,
	    "a line that names no webhook, and no webhook field: %s", reason);
	CHECK(entry("\xc3\xa9" "v\xc3\xa9" "nement", "a.b", "p",
	    LINE("p", "\\u00e9v\xc3\xa9nement", "a.b"), &reason) == 0,
	    "an id escaped in the line: %s", reason);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(entry(bad[i].id, bad[i].type, bad[i].webhook, bad[i].line,
		    &reason) == -1 && strstr(reason, bad[i].why) != NULL,
		    "case %zu (%s): %s", i, bad[i].why, reason);
	/* an id of 128 KiB, in the field and in the line alike */
	REQUIRE((big = malloc(2 * 131072 + 100)) != NULL, "malloc");
	memset(big, 'i', 131072);
	big[131072] = '\0';
	CHECK(entry(big, "a.b", NULL, "{}", &reason) == -1 &&
	    strstr(reason, "longer than 1024") != NULL, "128 KiB: %s", reason);
	free(big);
#undef LINE
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
	nodes();
	info();
	entries();
	unit_fmt(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "cleanup");
	return unit_done("test_rlink");
}
