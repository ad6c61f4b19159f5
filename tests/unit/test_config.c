/*
 * test_config.c: config_load() on good configs written here and on the bad
 * ones in tests/data/config/, each of which names the error it must give in
 * its first line: "# expect: LINE: FRAGMENT" ("-" for no line); and with
 * CONFIG_NO_SECRETS, which leaves the secret files unopened and judges all
 * the rest the same.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

static char	tmp[PATH_MAX];

/* Write content to tmp/name; the path goes to out (PATH_MAX bytes). */
static const char *
write_file(const char *name, const char *content, char *out)
{
	FILE	*fp;

	unit_fmt(out, PATH_MAX, "%s/%s", tmp, name);
	REQUIRE((fp = fopen(out, "w")) != NULL, "unable to create %s", out);
	REQUIRE(fputs(content, fp) >= 0 && fclose(fp) == 0,
	    "unable to write %s", out);
	/* as a file holding a secret must be (secret.h) */
	REQUIRE(chmod(out, 0600) == 0, "chmod %s", out);
	return out;
}

/* Move the mtime of path by delta seconds. */
static void
touch_by(const char *path, time_t delta)
{
	struct timespec	ts[2];
	struct stat	st;

	REQUIRE(stat(path, &st) == 0, "stat %s", path);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	ts[1].tv_sec += delta;
	REQUIRE(utimensat(AT_FDCWD, path, ts, 0) == 0, "utimensat %s", path);
}

/* Load a config written from text; NULL and the error in err on failure. */
static struct config *
load_text(const char *text, char *err, size_t errlen)
{
	struct config	*cf = NULL;
	char		 path[PATH_MAX];

	write_file("hookspool.conf", text, path);
	if (config_load(path, &cf, err, errlen) == -1)
		return NULL;
	return cf;
}

static int
secret_is(const struct config_secret *sec, const char *want, size_t len)
{
	return sec->sec_len == len && memcmp(sec->sec_key, want, len) == 0;
}

static void
test_every_key(void)
{
	const struct config_webhook	*wh, *other;
	struct config			*cf;
	char				 text[4096], key1[PATH_MAX];
	char				 err[CONFIG_ERR_MAX] = "";

	write_file("key1", "key-one\n", key1);
	unit_fmt(text, sizeof(text),
	    "# a comment line\n"
	    "   # an indented comment\n"
	    "spool = %s/spool   # trailing comment\n"
	    "max_body = 64k\n"
	    "fsync = no\n"
	    "dedup\t=\toff\n"
	    "group_readable = yes\n"
	    "\n"
	    "[webhook protocol]  # a comment after a section\n"
	    "path        = /protocol/\n"
	    "secret_file = %s\n"
	    "secret      = ab#cd   # only this part is a comment\n"
	    "events      = conversation.* message.created\n"
	    "header      = X-Other-Signature\n"
	    "spool       = %s/own\n"
	    "\n"
	    "[webhook other]\n"
	    "secret = s\n", tmp, key1, tmp);
	cf = load_text(text, err, sizeof(err));
	REQUIRE(cf != NULL, "good config refused: %s", err);
	CHECK(cf->cf_spool != NULL && strncmp(cf->cf_spool, tmp,
	    strlen(tmp)) == 0 && strcmp(cf->cf_spool + strlen(tmp),
	    "/spool") == 0, "spool %s", cf->cf_spool);
	CHECK(cf->cf_max_body == 64 * 1024, "max_body %zu", cf->cf_max_body);
	CHECK(cf->cf_fsync == 0, "fsync %d", cf->cf_fsync);
	CHECK(cf->cf_dedup == 0, "dedup %d", cf->cf_dedup);
	CHECK(cf->cf_group_readable == 1, "group_readable %d",
	    cf->cf_group_readable);
	REQUIRE(cf->cf_nwebhooks == 2, "%zu webhooks", cf->cf_nwebhooks);

	wh = &cf->cf_webhooks[0];
	CHECK(strcmp(wh->wh_name, "protocol") == 0, "name %s", wh->wh_name);
	CHECK(strcmp(wh->wh_path, "/protocol") == 0, "path %s", wh->wh_path);
	REQUIRE(wh->wh_nsecrets == 2, "%zu secrets", wh->wh_nsecrets);
	CHECK(secret_is(&wh->wh_secrets[0], "key-one", 7),
	    "secret_file: newline not dropped");
	CHECK(secret_is(&wh->wh_secrets[1], "ab#cd", 5),
	    "secret with '#': %.*s", (int)wh->wh_secrets[1].sec_len,
	    wh->wh_secrets[1].sec_key);
	CHECK(wh->wh_inline_secret, "inline secret not flagged");
	REQUIRE(wh->wh_nevents == 2, "%zu events", wh->wh_nevents);
	CHECK(strcmp(wh->wh_events[0], "conversation.*") == 0 &&
	    strcmp(wh->wh_events[1], "message.created") == 0, "events");
	CHECK(strcmp(wh->wh_header, "X-Other-Signature") == 0, "header %s",
	    wh->wh_header);
	CHECK(strcmp(wh->wh_cgi_header, "HTTP_X_OTHER_SIGNATURE") == 0,
	    "cgi header %s", wh->wh_cgi_header);
	CHECK(strcmp(wh->wh_spool + strlen(tmp), "/own") == 0,
	    "spool override %s", wh->wh_spool);

	/* The defaults. */
	other = &cf->cf_webhooks[1];
	CHECK(strcmp(other->wh_path, "") == 0, "default path '%s'",
	    other->wh_path);
	CHECK(other->wh_nevents == 1 && strcmp(other->wh_events[0], "*") == 0,
	    "default events");
	CHECK(strcmp(other->wh_header, CONFIG_DEFAULT_HEADER) == 0,
	    "default header %s", other->wh_header);
	CHECK(strcmp(other->wh_cgi_header, "HTTP_X_PROTOCOL_SIGNATURE") == 0,
	    "default cgi header %s", other->wh_cgi_header);
	CHECK(strcmp(other->wh_spool, cf->cf_spool) == 0,
	    "global spool not inherited: %s", other->wh_spool);
	CHECK(other->wh_nsecrets == 1 && secret_is(&other->wh_secrets[0],
	    "s", 1), "inline secret");

	/* Paths. */
	CHECK(config_find_webhook(cf, "/protocol") == wh, "/protocol");
	CHECK(config_find_webhook(cf, "/protocol/") == wh, "/protocol/");
	CHECK(config_find_webhook(cf, "/protocol//") == wh, "/protocol//");
	CHECK(config_find_webhook(cf, "/protocol/x") == NULL, "/protocol/x");
	CHECK(config_find_webhook(cf, "/protocolx") == NULL, "/protocolx");
	CHECK(config_find_webhook(cf, "/Protocol") == NULL, "/Protocol");
	CHECK(config_find_webhook(cf, "/proto") == NULL, "/proto");
	CHECK(config_find_webhook(cf, NULL) == other, "NULL");
	CHECK(config_find_webhook(cf, "") == other, "\"\"");
	CHECK(config_find_webhook(cf, "/") == other, "/");
	CHECK(config_find_webhook(cf, "/other") == NULL, "/other");
	config_free(cf);
	config_free(NULL);
}

static void
test_defaults_and_paths(void)
{
	static const char *roots[] = { "", "path = /\n", "path = //\n",
	    "path =\n" };
	struct config	*cf;
	char		 text[1024], err[CONFIG_ERR_MAX];
	size_t		 i;

	cf = load_text("spool = /var/spool/hookspool\n"
	    "[webhook protocol]\nsecret = k\n", err, sizeof(err));
	REQUIRE(cf != NULL, "minimal config refused: %s", err);
	CHECK(cf->cf_max_body == CONFIG_DEFAULT_MAX_BODY, "default max_body");
	CHECK(cf->cf_fsync == 1 && cf->cf_dedup == 1 &&
	    cf->cf_group_readable == 0, "default booleans");
	CHECK(cf->cf_log_accepted == 0 && cf->cf_log_json == 0,
	    "default logging: errors only, as text");
	config_free(cf);

	/* The logging settings. */
	cf = load_text("spool=/s\nlog_accepted = yes\nlog_format = json\n"
	    "[webhook a]\nsecret=k\n", err, sizeof(err));
	REQUIRE(cf != NULL, "logging settings refused: %s", err);
	CHECK(cf->cf_log_accepted == 1 && cf->cf_log_json == 1,
	    "log_accepted %d, log_format json %d", cf->cf_log_accepted,
	    cf->cf_log_json);
	config_free(cf);
	cf = load_text("spool=/s\nlog_format = text\n[webhook a]\nsecret=k\n",
	    err, sizeof(err));
	REQUIRE(cf != NULL, "log_format = text refused: %s", err);
	CHECK(cf->cf_log_json == 0, "log_format = text is json");
	config_free(cf);

	/* Missing, "", "/" (and "//") are the same path. */
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		unit_fmt(text, sizeof(text), "spool = /s\n[webhook a]\n%s"
		    "secret = k\n", roots[i]);
		cf = load_text(text, err, sizeof(err));
		CHECK(cf != NULL, "root path %zu refused: %s", i, err);
		if (cf == NULL)
			continue;
		CHECK(strcmp(cf->cf_webhooks[0].wh_path, "") == 0,
		    "root path %zu is '%s'", i, cf->cf_webhooks[0].wh_path);
		CHECK(config_find_webhook(cf, "/") == &cf->cf_webhooks[0] &&
		    config_find_webhook(cf, "") == &cf->cf_webhooks[0] &&
		    config_find_webhook(cf, NULL) == &cf->cf_webhooks[0],
		    "root path %zu not found", i);
		CHECK(config_find_webhook(cf, "/a") == NULL,
		    "root path %zu matches /a", i);
		config_free(cf);
	}

	/* Sizes and booleans as the config takes them. */
	cf = load_text("spool=/s\nmax_body=1M\nfsync=TRUE\ndedup=0\n"
	    "group_readable=On\n[webhook a]\nsecret=k\n", err, sizeof(err));
	REQUIRE(cf != NULL, "config refused: %s", err);
	CHECK(cf->cf_max_body == 1024 * 1024, "1M is %zu", cf->cf_max_body);
	CHECK(cf->cf_fsync == 1 && cf->cf_dedup == 0 &&
	    cf->cf_group_readable == 1, "booleans");
	config_free(cf);

	/* Events separated by commas and tabs. */
	cf = load_text("spool=/s\n[webhook a]\nsecret=k\n"
	    "events = a.*,b.c\td.e\n", err, sizeof(err));
	REQUIRE(cf != NULL, "config refused: %s", err);
	CHECK(cf->cf_webhooks[0].wh_nevents == 3, "%zu events",
	    cf->cf_webhooks[0].wh_nevents);
	config_free(cf);
}

static void
test_secrets(void)
{
	const struct config_webhook	*wh;
	struct config			*cf;
	char				 text[4096], k1[PATH_MAX], k2[PATH_MAX];
	char				 err[CONFIG_ERR_MAX];

	/* Rotation: every secret and secret_file line counts, in order. */
	write_file("old.key", "old-key\n", k1);
	write_file("new.key", "new-key", k2);
	unit_fmt(text, sizeof(text), "spool = /s\n[webhook protocol]\n"
	    "secret_file = %s\nsecret = inline\nsecret_file = %s\n", k1, k2);
	cf = load_text(text, err, sizeof(err));
	REQUIRE(cf != NULL, "rotation refused: %s", err);
	wh = &cf->cf_webhooks[0];
	REQUIRE(wh->wh_nsecrets == 3, "%zu secrets", wh->wh_nsecrets);
	CHECK(secret_is(&wh->wh_secrets[0], "old-key", 7) &&
	    secret_is(&wh->wh_secrets[1], "inline", 6) &&
	    secret_is(&wh->wh_secrets[2], "new-key", 7), "rotated secrets");
	CHECK(cf->cf_nsources == 3, "%zu sources", cf->cf_nsources);
	config_free(cf);

	/* Only secret files: not inline. */
	unit_fmt(text, sizeof(text), "spool = /s\n[webhook protocol]\n"
	    "secret_file = %s\n", k1);
	cf = load_text(text, err, sizeof(err));
	REQUIRE(cf != NULL, "secret_file refused: %s", err);
	CHECK(!cf->cf_webhooks[0].wh_inline_secret, "secret_file is inline");
	config_free(cf);
}

/*
 * What loading path gives as its problem: the load's error (*broken "")
 * when the whole config is refused, else the problem of the webhook it
 * breaks (its name into broken), or "" when nothing is wrong.
 */
static void
load_problem(const char *path, int flags, char *problem, size_t len,
    char *broken, size_t blen)
{
	struct config	*cf = NULL;
	char		 err[CONFIG_ERR_MAX];
	size_t		 i;

	err[0] = problem[0] = broken[0] = '\0';
	if (config_load_flags(path, flags, &cf, err, sizeof(err)) == -1) {
		CHECK(cf == NULL, "%s: *out set on failure", path);
		unit_fmt(problem, len, "%s", err);
		return;
	}
	for (i = 0; i < cf->cf_nwebhooks; i++)
		if (cf->cf_webhooks[i].wh_broken != NULL) {
			unit_fmt(problem, len, "%s",
			    cf->cf_webhooks[i].wh_broken);
			unit_fmt(broken, blen, "%s",
			    cf->cf_webhooks[i].wh_name);
			break;
		}
	config_free(cf);
}

/*
 * The bad config at path, whose problem after its "file:line: " is why,
 * loaded with CONFIG_NO_SECRETS: a secret file that cannot be opened or
 * read is no matter then; any other problem is the same, word for word,
 * and of the same scope.
 */
static void
no_secrets_same(const char *path, const char *name, const char *why,
    const char *broken)
{
	char	problem[CONFIG_ERR_MAX], got[128];

	load_problem(path, CONFIG_NO_SECRETS, problem, sizeof(problem), got,
	    sizeof(got));
	if (strncmp(why, "unable to open secret_file ", 27) == 0 ||
	    strncmp(why, "unable to read secret_file ", 27) == 0) {
		CHECK(problem[0] == '\0', "%s, no secrets: refused: %s", name,
		    problem);
		return;
	}
	CHECK(strlen(problem) >= strlen(why) && strcmp(problem +
	    strlen(problem) - strlen(why), why) == 0, "%s, no secrets: "
	    "problem '%s', not '%s'", name, problem, why);
	CHECK(strcmp(got, broken) == 0, "%s, no secrets: breaks '%s', not "
	    "'%s'", name, got, broken);
}

/* config_problems()'s callback: the problems, in order, one a line. */
static void
gather(void *arg, const char *problem)
{
	char	*all = arg;
	size_t	 n = strlen(all);

	unit_fmt(all + n, 8192 - n, "%s\n", problem);
}

/*
 * The expect line of a bad config: "# expect: LINE: reason" refuses the
 * whole config, "# expect webhook NAME: LINE: reason" breaks webhook NAME
 * alone. Into want (the webhook, or ""), line and reason (in first).
 */
static void
expect_line(const char *name, char *first, char *want, size_t wlen,
    char **line, char **reason)
{
	want[0] = '\0';
	*line = first + 10;
	if (strncmp(first, "# expect webhook ", 17) == 0) {
		*line = first + 17 + strcspn(first + 17, ":");
		unit_fmt(want, wlen, "%.*s", (int)(*line - first - 17),
		    first + 17);
		*line += 2;
	} else
		REQUIRE(strncmp(first, "# expect: ", 10) == 0,
		    "%s: no expect line", name);
	REQUIRE((*reason = strstr(*line, ": ")) != NULL, "%s: no expect line",
	    name);
	**reason = '\0';
	*reason += 2;
}

/*
 * Every tests/data/config/NAME.conf has the problem its expect line
 * names, of the scope it names; config_problems() lists it first.
 */
static void
test_bad_configs(void)
{
	struct dirent	*de;
	DIR		*d;
	FILE		*fp;
	char		 dir[PATH_MAX], path[PATH_MAX], first[512], *frag, *line;
	char		 problem[CONFIG_ERR_MAX], prefix[PATH_MAX + 16];
	char		 broken[128], want[128], all[8192];
	size_t		 n, nfiles = 0;

	unit_data("config", dir, sizeof(dir));
	REQUIRE((d = opendir(dir)) != NULL, "unable to open %s", dir);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".conf") != 0)
			continue;
		unit_fmt(path, sizeof(path), "%s/%s", dir, de->d_name);
		REQUIRE((fp = fopen(path, "r")) != NULL, "open %s", path);
		REQUIRE(fgets(first, sizeof(first), fp) != NULL, "read %s",
		    path);
		fclose(fp);
		first[strcspn(first, "\n")] = '\0';
		expect_line(de->d_name, first, want, sizeof(want), &line, &frag);
		if (strcmp(line, "-") == 0)
			unit_fmt(prefix, sizeof(prefix), "%s: ", path);
		else
			unit_fmt(prefix, sizeof(prefix), "%s:%s: ", path, line);
		load_problem(path, 0, problem, sizeof(problem), broken,
		    sizeof(broken));
		CHECK(strcmp(broken, want) == 0, "%s: breaks '%s', not '%s'",
		    de->d_name, broken[0] ? broken : "the config",
		    want[0] ? want : "the config");
		CHECK(strncmp(problem, prefix, strlen(prefix)) == 0,
		    "%s: problem '%s' does not start with '%s'", de->d_name,
		    problem, prefix);
		CHECK(strstr(problem, frag) != NULL, "%s: problem '%s' lacks "
		    "'%s'", de->d_name, problem, frag);
		/* A value that may hold a secret is never shown. */
		CHECK(strstr(problem, "SEKRIT") == NULL, "%s: problem '%s' "
		    "shows a secret", de->d_name, problem);
		all[0] = '\0';
		CHECK(config_problems(path, 0, gather, all) >= 1 &&
		    strncmp(all, problem, strlen(problem)) == 0,
		    "%s: config_problems() does not start with '%s': %s",
		    de->d_name, problem, all);
		no_secrets_same(path, de->d_name, problem + strlen(prefix),
		    broken);
		nfiles++;
	}
	closedir(d);
	CHECK(nfiles >= 30, "only %zu bad configs", nfiles);
}

/* conf, loaded without secrets, breaks its one webhook with problem. */
static void
no_secrets_broken(const char *conf, const char *problem)
{
	char	got[CONFIG_ERR_MAX], name[64];

	load_problem(conf, CONFIG_NO_SECRETS, got, sizeof(got), name,
	    sizeof(name));
	CHECK(strcmp(name, "a") == 0 && strstr(got, problem) != NULL,
	    "no secrets: '%s' breaks '%s', not a with '%s'", got, name,
	    problem);
}

/*
 * CONFIG_NO_SECRETS: secret files are neither opened nor watched, but
 * counted; inline secrets are kept and judged; the rest as always.
 */
static void
test_no_secrets(void)
{
	const struct config_webhook	*wh;
	struct config			*cf = NULL;
	char				 text[4096], conf[PATH_MAX], key[PATH_MAX];
	char				 err[CONFIG_ERR_MAX];

	write_file("ns.key", "a-key\n", key);
	unit_fmt(text, sizeof(text), "spool = /s\n"
	    "[webhook a]\nsecret_file = %s/missing.key\n"
	    "[webhook b]\npath = /b\nsecret_file = %s\n"
	    "secret_file = %s/other-missing.key\n"
	    "[webhook c]\npath = /c\nsecret = inline\n"
	    "secret_file = %s/missing.key\nevents = x.*\n", tmp, key, tmp, tmp);
	write_file("ns.conf", text, conf);
	/* with the keys: each webhook with a missing one is broken */
	REQUIRE(config_load(conf, &cf, err, sizeof(err)) == 0, "%s", err);
	CHECK(cf->cf_nwebhooks == 3 && cf->cf_webhooks[0].wh_broken != NULL &&
	    strstr(cf->cf_webhooks[0].wh_broken, "unable to open secret_file")
	    != NULL && cf->cf_webhooks[1].wh_broken != NULL &&
	    cf->cf_webhooks[2].wh_broken != NULL, "missing secret files "
	    "break no webhook");
	config_free(cf);
	cf = NULL;
	REQUIRE(config_load_flags(conf, CONFIG_NO_SECRETS, &cf, err,
	    sizeof(err)) == 0, "no secrets: %s", err);
	REQUIRE(cf->cf_nwebhooks == 3, "webhooks: %zu", cf->cf_nwebhooks);
	wh = cf->cf_webhooks;
	CHECK(wh[0].wh_nsecrets == 0 && wh[0].wh_nsecret_files == 1,
	    "a: %zu secrets, %zu files", wh[0].wh_nsecrets,
	    wh[0].wh_nsecret_files);
	CHECK(wh[1].wh_nsecrets == 0 && wh[1].wh_nsecret_files == 2,
	    "b: a secret file was read: %zu, %zu", wh[1].wh_nsecrets,
	    wh[1].wh_nsecret_files);
	CHECK(wh[2].wh_nsecrets == 1 && wh[2].wh_nsecret_files == 1 &&
	    secret_is(&wh[2].wh_secrets[0], "inline", 6) &&
	    wh[2].wh_nevents == 1 && strcmp(wh[2].wh_events[0], "x.*") == 0,
	    "c: %zu secrets", wh[2].wh_nsecrets);
	CHECK(cf->cf_nsources == 1, "secret files are sources: %zu",
	    cf->cf_nsources);
	config_free(cf);

	/* still judged: a relative path, no secret at all, a bad inline one */
	write_file("ns.conf", "spool = /s\n[webhook a]\n"
	    "secret_file = relative.key\n", conf);
	no_secrets_broken(conf, ":3: secret_file must be an absolute path");
	write_file("ns.conf", "spool = /s\n[webhook a]\nevents = x\n", conf);
	no_secrets_broken(conf, ":2: webhook a has no secret");
	write_file("ns.conf", "spool = /s\n[webhook a]\nscheme = standard\n"
	    "secret = not-whsec\nsecret_file = /missing.key\n", conf);
	no_secrets_broken(conf, "a standard secret must be");
}

/*
 * One broken webhook breaks itself alone: the others load and are found,
 * and so is it, with its problem; one whose path line may be the broken
 * one matches no request and takes no other's path.
 */
static void
test_broken_webhook(void)
{
	const struct config_webhook	*wh;
	struct config			*cf = NULL;
	char				 conf[PATH_MAX], err[CONFIG_ERR_MAX];

	write_file("bw.conf", "spool = /s\n"
	    "[webhook good]\npath = /good\nsecret = k\n"
	    "[webhook gone]\npath = /gone\nsecret_file = /nonexistent/x.key\n"
	    "[webhook typo]\nsecret = k\npath /typo\n"
	    "[webhook root]\nsecret = k\n", conf);
	REQUIRE(config_load(conf, &cf, err, sizeof(err)) == 0,
	    "a broken webhook refuses the config: %s", err);
	wh = config_find_webhook(cf, "/good");
	CHECK(wh != NULL && wh->wh_broken == NULL, "good is not usable");
	wh = config_find_webhook(cf, "/gone");
	CHECK(wh != NULL && wh->wh_broken != NULL &&
	    strstr(wh->wh_broken, "bw.conf:7: unable to open secret_file")
	    != NULL, "gone is not broken by its secret file: %s",
	    wh != NULL && wh->wh_broken ? wh->wh_broken : "-");
	/* typo's path line is the bad one: it claims no path, not even "/" */
	wh = config_find_webhook(cf, "/");
	CHECK(wh != NULL && strcmp(wh->wh_name, "root") == 0 &&
	    wh->wh_broken == NULL, "/ is not root's");
	CHECK(cf->cf_webhooks[2].wh_path == NULL &&
	    cf->cf_webhooks[2].wh_broken != NULL &&
	    strstr(cf->cf_webhooks[2].wh_broken, ":10: expected key = value")
	    != NULL, "typo: %s", cf->cf_webhooks[2].wh_broken ?
	    cf->cf_webhooks[2].wh_broken : "not broken");
	CHECK(cf->cf_nproblems == 2, "%zu problems, not 2", cf->cf_nproblems);
	config_free(cf);
}

static void
test_errors(void)
{
	struct config	*cf = NULL;
	char		 err[CONFIG_ERR_MAX], small[24], path[PATH_MAX];
	size_t		 i;

	CHECK(config_load("/nonexistent/hookspool.conf", &cf, err,
	    sizeof(err)) == -1 && cf == NULL, "missing config loaded");
	CHECK(strncmp(err, "/nonexistent/hookspool.conf: ", 29) == 0,
	    "missing config: %s", err);

	/* A small error buffer is filled, ended and not overrun. */
	memset(small, 'Z', sizeof(small));
	write_file("bad.conf", "spool = /s\nbogus = 1\n", path);
	CHECK(config_load(path, &cf, small, 16) == -1, "bad config loaded");
	CHECK(memchr(small, '\0', 16) != NULL, "error not ended");
	for (i = 16; i < sizeof(small); i++)
		CHECK(small[i] == 'Z', "error buffer overrun at %zu", i);

	/* A NUL byte in a line. */
	write_file("nul.conf", "spool = /s\n", path);
	{
		FILE	*fp = fopen(path, "a");

		REQUIRE(fp != NULL, "open %s", path);
		REQUIRE(fwrite("fsync = yes\0no\n", 1, 15, fp) == 15 &&
		    fclose(fp) == 0, "write %s", path);
	}
	CHECK(config_load(path, &cf, err, sizeof(err)) == -1 &&
	    strstr(err, ":2: ") != NULL, "NUL byte: %s", err);
}

static void
test_changed(void)
{
	struct config	*cf;
	char		 text[4096], key[PATH_MAX], conf[PATH_MAX];
	char		 err[CONFIG_ERR_MAX];

	CHECK(config_changed(NULL) == 1, "config_changed(NULL)");
	write_file("rot.key", "first-key\n", key);
	unit_fmt(text, sizeof(text), "spool = /s\n[webhook a]\n"
	    "secret_file = %s\n", key);
	write_file("changed.conf", text, conf);
	REQUIRE(config_load(conf, &cf, err, sizeof(err)) == 0, "load: %s",
	    err);
	CHECK(config_changed(cf) == 0, "unchanged config changed");
	CHECK(config_changed(cf) == 0, "unchanged config changed twice");

	/* The config's mtime moves. */
	touch_by(conf, 10);
	CHECK(config_changed(cf) == 1, "new config mtime not seen");
	config_free(cf);
	REQUIRE(config_load(conf, &cf, err, sizeof(err)) == 0, "load: %s",
	    err);
	CHECK(config_changed(cf) == 0, "reloaded config changed");

	/* The secret file is rewritten in place, same size. */
	write_file("rot.key", "other-key\n", key);
	touch_by(key, 20);
	CHECK(config_changed(cf) == 1, "rewritten secret not seen");
	config_free(cf);
	REQUIRE(config_load(conf, &cf, err, sizeof(err)) == 0, "load: %s",
	    err);
	CHECK(cf->cf_webhooks[0].wh_nsecrets == 1 &&
	    secret_is(&cf->cf_webhooks[0].wh_secrets[0], "other-key", 9),
	    "new secret not read");
	CHECK(config_changed(cf) == 0, "reloaded config changed");

	/* Replaced by rename (a new inode), mtime moved back. */
	write_file("rot.key.new", "third-key\n", text);
	touch_by(text, -100);
	REQUIRE(rename(text, key) == 0, "rename");
	CHECK(config_changed(cf) == 1, "renamed secret not seen");

	/* Gone. */
	REQUIRE(unlink(key) == 0, "unlink");
	CHECK(config_changed(cf) == 1, "removed secret not seen");
	config_free(cf);
}

/* keep = D: global, a webhook's own, 0 by default; bad ones refused. */
static void
test_keep(void)
{
	struct config	*cf;
	char		 err[CONFIG_ERR_MAX];

	cf = load_text("spool=/s\n[webhook a]\nsecret=k\n", err, sizeof(err));
	REQUIRE(cf != NULL, "config refused: %s", err);
	CHECK(cf->cf_keep == 0 && cf->cf_webhooks[0].wh_keep == 0,
	    "keep is not 0 by default");
	config_free(cf);
	cf = load_text("spool=/s\nkeep = 7d\n[webhook a]\nsecret=k\n"
	    "[webhook b]\nsecret=k\npath=/b\nkeep=1h\n[webhook c]\n"
	    "secret=k\npath=/c\nkeep=0\n", err, sizeof(err));
	REQUIRE(cf != NULL, "config refused: %s", err);
	CHECK(cf->cf_keep == 7 * 86400 && cf->cf_webhooks[0].wh_keep ==
	    7 * 86400 && cf->cf_webhooks[1].wh_keep == 3600 &&
	    cf->cf_webhooks[2].wh_keep == 0, "keeps %lld %lld %lld %lld",
	    cf->cf_keep, cf->cf_webhooks[0].wh_keep,
	    cf->cf_webhooks[1].wh_keep, cf->cf_webhooks[2].wh_keep);
	config_free(cf);
	CHECK(load_text("spool=/s\nkeep=1w\n[webhook a]\nsecret=k\n", err,
	    sizeof(err)) == NULL && strstr(err, ":2: keep: ") != NULL,
	    "keep = 1w: %s", err);
	CHECK(load_text("spool=/s\nkeep=1d\nkeep=2d\n[webhook a]\nsecret=k\n",
	    err, sizeof(err)) == NULL && strstr(err, "keep given twice") !=
	    NULL, "keep twice: %s", err);
	cf = load_text("spool=/s\n[webhook a]\nsecret=k\nkeep=3651d\n", err,
	    sizeof(err));
	CHECK(cf != NULL && cf->cf_webhooks[0].wh_broken != NULL &&
	    strstr(cf->cf_webhooks[0].wh_broken, ":4: keep: ") != NULL,
	    "a webhook's keep past 10 years: %s", cf != NULL &&
	    cf->cf_webhooks[0].wh_broken ? cf->cf_webhooks[0].wh_broken : err);
	config_free(cf);
}

static void
test_parse_size(void)
{
	static const struct {
		const char		*s;
		unsigned long long	 min, max, want;
		int			 ok;
	} cases[] = {
		{ "512", 0, ULLONG_MAX, 512, 1 },
		{ "0", 0, 10, 0, 1 },
		{ "64k", 0, ULLONG_MAX, 65536, 1 },
		{ "64K", 0, ULLONG_MAX, 65536, 1 },
		{ "1M", 0, ULLONG_MAX, 1048576, 1 },
		{ "1m", 0, ULLONG_MAX, 1048576, 1 },
		{ "1G", 0, ULLONG_MAX, 1073741824ULL, 1 },
		{ "1k", 1024, 1024, 1024, 1 },
		{ "1k", 1025, 2048, 0, 0 },
		{ "1k", 0, 1023, 0, 0 },
		{ "0", 1, 10, 0, 0 },
		{ "11", 1, 10, 0, 0 },
		{ "18446744073709551615", 0, ULLONG_MAX, ULLONG_MAX, 1 },
		{ "18446744073709551616", 0, ULLONG_MAX, 0, 0 },
		{ "17179869184G", 0, ULLONG_MAX, 0, 0 },
		{ "18014398509481984k", 0, ULLONG_MAX, 0, 0 },
		{ "", 0, ULLONG_MAX, 0, 0 },
		{ "k", 0, ULLONG_MAX, 0, 0 },
		{ "-1", 0, ULLONG_MAX, 0, 0 },
		{ "+1", 0, ULLONG_MAX, 0, 0 },
		{ " 1", 0, ULLONG_MAX, 0, 0 },
		{ "1 ", 0, ULLONG_MAX, 0, 0 },
		{ "1MB", 0, ULLONG_MAX, 0, 0 },
		{ "1.5M", 0, ULLONG_MAX, 0, 0 },
		{ "1T", 0, ULLONG_MAX, 0, 0 },
		{ "0x10", 0, ULLONG_MAX, 0, 0 },
	};
	unsigned long long	 v;
	const char		*reason;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		reason = NULL;
		rc = config_parse_size(cases[i].s, cases[i].min, cases[i].max,
		    &v, &reason);
		if (cases[i].ok)
			CHECK(rc == 0 && v == cases[i].want,
			    "size '%s': rc %d, %llu", cases[i].s, rc, v);
		else
			CHECK(rc == -1 && reason != NULL && v == 12345,
			    "size '%s' accepted as %llu", cases[i].s, v);
	}
}

static void
test_parse_duration(void)
{
	static const struct {
		const char	*s;
		long long	 min, max, want;
		int		 ok;
	} cases[] = {
		{ "90", 0, LLONG_MAX, 90, 1 },
		{ "90s", 0, LLONG_MAX, 90, 1 },
		{ "15m", 0, LLONG_MAX, 900, 1 },
		{ "36h", 0, LLONG_MAX, 129600, 1 },
		{ "7d", 0, LLONG_MAX, 604800, 1 },
		{ "0", 0, 10, 0, 1 },
		{ "1h", 3600, 3600, 3600, 1 },
		{ "1h", 0, 3599, 0, 0 },
		{ "59s", 60, 120, 0, 0 },
		{ "1m", 61, 120, 0, 0 },
		{ "9223372036854775807", 0, LLONG_MAX, LLONG_MAX, 1 },
		{ "9223372036854775808", 0, LLONG_MAX, 0, 0 },
		{ "106751991167301d", 0, LLONG_MAX, 0, 0 },
		{ "153722867280912931m", 0, LLONG_MAX, 0, 0 },
		{ "", 0, LLONG_MAX, 0, 0 },
		{ "s", 0, LLONG_MAX, 0, 0 },
		{ "-5", 0, LLONG_MAX, 0, 0 },
		{ "-5s", -10, LLONG_MAX, 0, 0 },
		{ "1w", 0, LLONG_MAX, 0, 0 },
		{ "1H", 0, LLONG_MAX, 0, 0 },
		{ "1hh", 0, LLONG_MAX, 0, 0 },
		{ "1 h", 0, LLONG_MAX, 0, 0 },
		{ "1.5h", 0, LLONG_MAX, 0, 0 },
	};
	long long	 v;
	const char	*reason;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		reason = NULL;
		rc = config_parse_duration(cases[i].s, cases[i].min,
		    cases[i].max, &v, &reason);
		if (cases[i].ok)
			CHECK(rc == 0 && v == cases[i].want, "duration '%s': "
			    "rc %d, %lld", cases[i].s, rc, v);
		else
			CHECK(rc == -1 && reason != NULL && v == 12345,
			    "duration '%s' accepted as %lld", cases[i].s, v);
	}
}

static void
test_parse_bool(void)
{
	static const char *yes[] = { "yes", "YES", "true", "True", "on", "1" };
	static const char *no[] = { "no", "No", "false", "FALSE", "off", "0" };
	static const char *bad[] = { "", "y", "n", "2", "yes ", "enable",
	    "nope", "-1" };
	size_t	i;
	int	v;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(config_parse_bool(yes[i], &v) == 0 && v == 1,
		    "bool '%s'", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(config_parse_bool(no[i], &v) == 0 && v == 0,
		    "bool '%s'", no[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		CHECK(config_parse_bool(bad[i], &v) == -1 && v == 7,
		    "bool '%s' accepted", bad[i]);
	}
}

int
main(void)
{
	unit_tmpdir(tmp, sizeof(tmp));
	test_every_key();
	test_defaults_and_paths();
	test_keep();
	test_secrets();
	test_bad_configs();
	test_no_secrets();
	test_broken_webhook();
	test_errors();
	test_changed();
	test_parse_size();
	test_parse_duration();
	test_parse_bool();
	unit_rmtree(tmp);
	return unit_done("test_config");
}
