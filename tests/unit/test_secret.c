/*
 * test_secret.c: secret_read() and secret_check(): what a file holding a
 * secret yields (one trailing newline dropped, nothing else), and the one
 * rule every such file is judged by: its owner (the user running
 * hookspool, or root) and its mode (nothing for others, no writing for
 * its group), each refusal naming the file, its mode or owner and the fix.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "secret.h"
#include "unit.h"

static char	tmp[PATH_MAX];

/* tmp/name holding content (len bytes), of mode mode; its path in out. */
static const char *
put(const char *name, const char *content, size_t len, mode_t mode,
    char *out)
{
	FILE	*fp;

	unit_fmt(out, PATH_MAX, "%s/%s", tmp, name);
	REQUIRE((fp = fopen(out, "w")) != NULL, "create %s", out);
	REQUIRE(fwrite(content, 1, len, fp) == len && fclose(fp) == 0,
	    "write %s", out);
	REQUIRE(chmod(out, mode) == 0, "chmod %s", out);
	return out;
}

static void
test_contents(void)
{
	static const struct {
		const char	*content;
		const char	*key;
		size_t		 len;
	} files[] = {
		{ "plain", "plain", 5 },
		{ "plain\n", "plain", 5 },
		{ "two\n\n", "two\n", 4 },
		{ "crlf\r\n", "crlf", 4 },
		{ "cr\r", "cr\r", 3 },
		{ "  spaces kept \n", "  spaces kept ", 14 },
		{ "#not a comment\n", "#not a comment", 14 },
	};
	unsigned char	*key;
	char		 path[PATH_MAX], why[512], *big;
	size_t		 i, len;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		put("k", files[i].content, strlen(files[i].content), 0600,
		    path);
		if (secret_read("secret_file", path, path, 0, &key, &len, NULL,
		    why, sizeof(why)) == -1) {
			CHECK(0, "secret file %zu: %s", i, why);
			continue;
		}
		CHECK(len == files[i].len && memcmp(key, files[i].key,
		    len) == 0, "secret file %zu: %zu bytes", i, len);
		free(key);
	}
	put("empty", "\n", 1, 0600, path);
	CHECK(secret_read("secret_file", path, path, 0, &key, &len, NULL, why,
	    sizeof(why)) == -1 && strstr(why, "secret is empty") != NULL,
	    "a lone newline is a secret: %s", why);
	CHECK(secret_read("secret_file", "/nonexistent/key", "/nonexistent/key",
	    0, &key, &len, NULL, why, sizeof(why)) == -1 && strcmp(why,
	    "unable to open secret_file /nonexistent/key: No such file or "
	    "directory") == 0, "a missing file: %s", why);
	REQUIRE((big = malloc(SECRET_MAX + 1)) != NULL, "memory");
	memset(big, 'x', SECRET_MAX + 1);
	put("big", big, SECRET_MAX + 1, 0600, path);
	free(big);
	CHECK(secret_read("secret_file", path, path, 0, &key, &len, NULL, why,
	    sizeof(why)) == -1 && strstr(why, "longer than 64k") != NULL,
	    "a secret of 64k and one: %s", why);
	/* not a regular file: refused, unless asked for (stdin) */
	unit_fmt(path, sizeof(path), "%s/fifo", tmp);
	REQUIRE(mkfifo(path, 0600) == 0, "mkfifo");
	CHECK(secret_read("secret_file", path, path, 0, &key, &len, NULL, why,
	    sizeof(why)) == -1 && strstr(why, "not a regular file") != NULL,
	    "a fifo is read: %s", why);
	/* a name to show that is not the path: a mangled line's value */
	CHECK(secret_read("secret_file", "/nonexistent/k secret = X",
	    "(not shown)", 0, &key, &len, NULL, why, sizeof(why)) == -1 &&
	    strstr(why, "X") == NULL, "the path is shown: %s", why);
}

/* The rule: modes and owners, each refusal with its fix. */
static void
test_rule(void)
{
	static const struct {
		mode_t		 mode;
		const char	*why;	/* NULL: accepted */
	} modes[] = {
		{ 0600, NULL }, { 0400, NULL }, { 0640, NULL }, { 0440, NULL },
		{ 0644, "is mode 0644, open to others: run chmod 600 " },
		{ 0604, "is mode 0604, open to others: run chmod 600 " },
		{ 0660, "is mode 0660, writable by its group: run chmod 600 " },
		{ 0620, "is mode 0620, writable by its group: run chmod 600 " },
		{ 0666, "is mode 0666, open to others: run chmod 600 " },
	};
	unsigned char	*key;
	char		 path[PATH_MAX], why[512], want[2 * PATH_MAX + 256];
	size_t		 i, len;
	pid_t		 pid;
	int		 rc, status;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		put("m", "k\n", 2, modes[i].mode, path);
		why[0] = '\0';
		rc = secret_read("the auth file", path, path, 0, &key, &len,
		    NULL, why, sizeof(why));
		if (rc == 0)
			free(key);
		if (modes[i].why == NULL) {
			CHECK(rc == 0, "mode %04o refused: %s",
			    (unsigned)modes[i].mode, why);
			continue;
		}
		unit_fmt(want, sizeof(want), "the auth file %s %s%s", path,
		    modes[i].why, path);
		CHECK(rc == -1 && strcmp(why, want) == 0, "mode %04o: '%s', "
		    "not '%s'", (unsigned)modes[i].mode, why, want);
	}
	/*
	 * Another user's file: root may use it; anyone else is told to chown
	 * it or to run as its owner (a child that is uid 12345, reading a
	 * file of uid 54321 its group lets it read).
	 */
	if (geteuid() != 0)
		return;
	put("theirs", "k\n", 2, 0640, path);
	REQUIRE(chown(path, 54321, 777) == 0 && chmod(tmp, 0711) == 0,
	    "chown");
	rc = secret_read("secret_file", path, path, 0, &key, &len, NULL, why,
	    sizeof(why));
	CHECK(rc == 0, "root may not use another's file: %s", why);
	if (rc == 0)
		free(key);
	unit_fmt(want, sizeof(want), "secret_file %s belongs to uid 54321, "
	    "neither to the user running hookspool (uid 12345) nor to root: "
	    "run chown 12345 %s as root, or run hookspool as its owner", path,
	    path);
	REQUIRE((pid = fork()) != -1, "fork");
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(777) == -1 ||
		    setuid(12345) == -1)
			_exit(2);
		rc = secret_read("secret_file", path, path, 0, &key, &len,
		    NULL, why, sizeof(why));
		if (rc == 0 || strcmp(why, want) != 0)
			fprintf(stderr, "uid 12345: '%s'\n", rc == 0 ? "read" :
			    why);
		_exit(rc == -1 && strcmp(why, want) == 0 ? 0 : 1);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "another's file "
	    "is used by a user who is not root, or the message is not: %s",
	    want);
}

int
main(void)
{
	unit_tmpdir(tmp, sizeof(tmp));
	test_contents();
	test_rule();
	unit_rmtree(tmp);
	return unit_done("test_secret");
}
