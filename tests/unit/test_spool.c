/*
 * test_spool.c: spool_open(), spool_deliver() and spool_recover() on
 * scratch spools: folders and modes, folders refused (links, other owners,
 * writable by others), the line format, arrival order, dedup (also between
 * processes racing on one id), bounded lock waits and recovery of tmp/;
 * and the helpers spool.c exports to the other modules of the spool.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gcrypt.h>

#include "spool.h"
#include "verify.h"
#include "unit.h"

#define NAMES_MAX	64
#define RACERS		8
#define ROUNDS		5

static const char *seed_body = "{\"id\":\"a056V7R7NmNRjl70\","
    "\"type\":\"conversation.updated\","
    "\"payload\":{\"id\":\"WAz8eIbvDR60rouK\"}}";
static char	tmp[PATH_MAX];

/* The path tmp/FMT..., in buf (PATH_MAX bytes). */
static const char *
in_tmp(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *
in_tmp(char *buf, const char *fmt, ...)
{
	va_list	ap;
	char	rel[PATH_MAX];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	REQUIRE(n >= 0 && (size_t)n < sizeof(rel), "path too long");
	return unit_fmt(buf, PATH_MAX, "%s/%s", tmp, rel);
}

static mode_t
mode_of(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

/* Names in dir (not dot files), sorted; how many. */
static size_t
list(const char *dir, char names[NAMES_MAX][SPOOL_NAME_MAX])
{
	struct dirent	*de;
	char		 t[SPOOL_NAME_MAX];
	DIR		*d;
	size_t		 n = 0, i, j;

	REQUIRE((d = opendir(dir)) != NULL, "opendir %s", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		REQUIRE(n < NAMES_MAX, "too many files in %s", dir);
		unit_fmt(names[n++], SPOOL_NAME_MAX, "%s", de->d_name);
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			memcpy(t, names[j], SPOOL_NAME_MAX);
			memcpy(names[j], names[j - 1], SPOOL_NAME_MAX);
			memcpy(names[j - 1], t, SPOOL_NAME_MAX);
		}
	return n;
}

static size_t
count(const char *spool, const char *folder)
{
	char	dir[PATH_MAX], names[NAMES_MAX][SPOOL_NAME_MAX];

	return list(in_tmp(dir, "%s/%s", spool, folder), names);
}

/* The whole of a small file into buf (NUL-terminated); its length. */
static size_t
slurp(const char *path, char *buf, size_t len)
{
	FILE	*fp;
	size_t	 n;

	REQUIRE((fp = fopen(path, "r")) != NULL, "open %s", path);
	n = fread(buf, 1, len - 1, fp);
	REQUIRE(!ferror(fp) && fclose(fp) == 0, "read %s", path);
	buf[n] = '\0';
	return n;
}

static void
write_file(const char *path, const char *content)
{
	FILE	*fp;

	REQUIRE((fp = fopen(path, "w")) != NULL, "create %s", path);
	REQUIRE(fputs(content, fp) >= 0 && fclose(fp) == 0, "write %s", path);
}

static void
age(const char *path, time_t seconds)
{
	struct timespec	ts[2];

	REQUIRE(clock_gettime(CLOCK_REALTIME, &ts[0]) == 0, "clock");
	ts[0].tv_sec -= seconds;
	ts[1] = ts[0];
	REQUIRE(utimensat(AT_FDCWD, path, ts, 0) == 0, "utimensat %s", path);
}

/* An entry for id, its JSON form kept in idj (ids here need no escapes). */
static struct spool_entry
entry(const char *webhook, const char *id, char *idj, size_t idjlen)
{
	struct spool_entry	e;

	unit_fmt(idj, idjlen, "\"%s\"", id);
	memset(&e, 0, sizeof(e));
	e.se_webhook = webhook;
	e.se_id = id;
	e.se_id_json = idj;
	e.se_type_json = "\"conversation.updated\"";
	e.se_body = seed_body;
	e.se_bodylen = strlen(seed_body);
	return e;
}

static struct spool *
open_spool(const char *name, int group_readable)
{
	struct spool	*sp = NULL;
	const char	*reason = NULL;
	char		 dir[PATH_MAX];

	in_tmp(dir, "%s", name);
	REQUIRE(spool_open(dir, 1, group_readable, &sp, &reason) == 0,
	    "spool_open %s: %s", dir, reason);
	return sp;
}

static void
test_open(void)
{
	static const char	*folders[] = { "tmp", "new", "cur", "failed",
	    "ids" };
	struct spool_entry	 e;
	struct spool		*sp;
	struct timespec		 when;
	const char		*reason = NULL;
	char			 path[PATH_MAX], name[SPOOL_NAME_MAX], idj[64];
	size_t			 i;
	mode_t			 old;

	sp = open_spool("private", 0);
	CHECK(mode_of(in_tmp(path, "private")) == 0700,
	    "spool mode %o", (unsigned)mode_of(path));
	for (i = 0; i < 5; i++)
		CHECK(mode_of(in_tmp(path, "private/%s", folders[i])) ==
		    0700, "%s mode %o", folders[i], (unsigned)mode_of(path));
	spool_close(sp);
	/* Opening again finds what is there. */
	sp = open_spool("private", 0);
	spool_close(sp);

	sp = open_spool("shared", 1);
	CHECK(mode_of(in_tmp(path, "shared")) == 0750,
	    "group-readable spool mode %o", (unsigned)mode_of(path));
	for (i = 0; i < 5; i++)
		CHECK(mode_of(in_tmp(path, "shared/%s", folders[i])) ==
		    0750, "%s mode %o", folders[i], (unsigned)mode_of(path));
	spool_close(sp);
	spool_close(NULL);

	/*
	 * The modes do not depend on the umask: under a strict one (077, as
	 * some suEXEC set-ups have) a group-readable spool is still 0750.
	 */
	old = umask(077);
	sp = open_spool("strict", 1);
	e = entry("protocol", "strict", idj, sizeof(idj));
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DELIVERED, "delivery under umask 077: %s", reason);
	umask(old);
	CHECK(mode_of(in_tmp(path, "strict/new/%s", name)) == 0640,
	    "group-readable file under umask 077: mode %o",
	    (unsigned)mode_of(path));
	CHECK(mode_of(in_tmp(path, "strict")) == 0750,
	    "group-readable spool under umask 077: mode %o",
	    (unsigned)mode_of(path));
	CHECK(mode_of(in_tmp(path, "strict/new")) == 0750,
	    "group-readable new/ under umask 077: mode %o",
	    (unsigned)mode_of(path));
	spool_close(sp);

	/* The parent must exist. */
	sp = NULL;
	CHECK(spool_open(in_tmp(path, "no/such/spool"), 1, 0, &sp,
	    &reason) == -1 && reason != NULL && sp == NULL,
	    "spool opened without a parent");
}

/* spool_open() of name fails, with errno err and a reason holding words. */
static void
refused(const char *name, int err, const char *words)
{
	struct spool	*sp = NULL;
	const char	*reason = NULL;
	char		 dir[PATH_MAX];

	errno = 0;
	CHECK(spool_open(in_tmp(dir, "%s", name), 1, 0, &sp, &reason) == -1 &&
	    sp == NULL, "%s: opened", name);
	CHECK((errno == err || (err == ELOOP && errno == ENOTDIR)) &&
	    reason != NULL && strstr(reason, words) != NULL,
	    "%s: errno %d (%s), reason %s", name, errno, strerror(errno),
	    reason ? reason : "none");
}

/* Folders that are links, another user's or writable by others. */
static void
test_refuse(void)
{
	struct spool	*sp;
	char		 path[PATH_MAX], target[PATH_MAX];

	spool_close(open_spool("links", 0));
	REQUIRE(mkdir(in_tmp(target, "outside"), 0700) == 0, "mkdir");
	write_file(in_tmp(path, "outside/old"), "keep\n");
	age(path, SPOOL_TMP_GRACE + 3600);
	REQUIRE(rename(in_tmp(path, "links/tmp"), in_tmp(target,
	    "links-tmp")) == 0, "rename");
	REQUIRE(symlink(in_tmp(target, "outside"), path) == 0, "symlink");
	refused("links", ELOOP, "tmp/ is a symbolic link");
	CHECK(access(in_tmp(path, "outside/old"), F_OK) == 0,
	    "a file outside the spool was removed");
	/* The spool itself, also named with a trailing slash. */
	REQUIRE(symlink(in_tmp(target, "private"), in_tmp(path,
	    "private-link")) == 0, "symlink");
	refused("private-link", ELOOP, "the spool folder is a symbolic link");
	refused("private-link/", ELOOP, "the spool folder is a symbolic link");

	/* Writable by the group or others: refused; read-only is fine. */
	sp = open_spool("writable", 0);
	CHECK(!spool_stale(sp), "fresh spool stale");
	REQUIRE(chmod(in_tmp(path, "writable"), 0770) == 0, "chmod");
	CHECK(spool_stale(sp), "a group-writable spool is not stale");
	spool_close(sp);
	refused("writable", EPERM, "the spool folder is writable by its group");
	REQUIRE(chmod(path, 0755) == 0, "chmod");
	REQUIRE(chmod(in_tmp(path, "writable/ids"), 0702) == 0, "chmod");
	refused("writable", EPERM, "ids/ is writable by its group or others");
	REQUIRE(chmod(path, 0700) == 0, "chmod");
	spool_close(open_spool("writable", 0));

	/* Another user's spool (needs root to make one). */
	if (geteuid() == 0) {
		REQUIRE(chown(in_tmp(path, "writable"), 65534, 65534) == 0,
		    "chown");
		refused("writable", EPERM, "the spool folder is not owned");
		REQUIRE(chown(path, 0, 0) == 0 && chown(in_tmp(path,
		    "writable/new"), 65534, 65534) == 0, "chown");
		refused("writable", EPERM, "new/ is not owned");
	}
}

/* The line spool_deliver must have written for e at when. */
static void
expected_line(const struct spool_entry *e, const struct timespec *when,
    char *buf, size_t len)
{
	struct tm	tm;
	char		date[32];

	REQUIRE(gmtime_r(&when->tv_sec, &tm) != NULL &&
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) > 0,
	    "gmtime");
	unit_fmt(buf, len, "{\"received\":\"%s.%06ldZ\",\"webhook\":\"%s\","
	    "\"id\":%s,\"type\":%s,\"event\":%.*s}\n", date,
	    when->tv_nsec / 1000, e->se_webhook, e->se_id_json,
	    e->se_type_json, (int)e->se_bodylen, e->se_body);
}

static void
test_deliver(void)
{
	struct spool_entry	 e;
	struct spool		*sp;
	struct timespec		 when;
	char			 name[SPOOL_NAME_MAX], path[PATH_MAX];
	char			 got[4096], want[4096], idj[64];
	char			 names[NAMES_MAX][SPOOL_NAME_MAX];
	const char		*reason = NULL;
	size_t			 n;

	sp = open_spool("deliver", 0);
	e = entry("protocol", "a056V7R7NmNRjl70", idj, sizeof(idj));
	REQUIRE(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DELIVERED, "spool_deliver: %s", reason);
	CHECK(name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL,
	    "file name '%s'", name);
	REQUIRE(list(in_tmp(path, "deliver/new"), names) == 1,
	    "new/ holds %zu files", list(path, names));
	CHECK(strcmp(names[0], name) == 0, "new/%s, not %s", names[0], name);
	CHECK(mode_of(in_tmp(path, "deliver/new/%s", name)) == 0600,
	    "file mode %o", (unsigned)mode_of(path));
	n = slurp(path, got, sizeof(got));
	expected_line(&e, &when, want, sizeof(want));
	CHECK(strcmp(got, want) == 0, "line:\n%s\nwant:\n%s", got, want);
	CHECK(n > 0 && got[n - 1] == '\n' && strchr(got, '\n') == got + n - 1,
	    "not exactly one line");
	CHECK(count("deliver", "tmp") == 0, "tmp/ not empty");

	/* Dedup: a second delivery is a duplicate and adds nothing. */
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DUPLICATE, "duplicate delivered");
	CHECK(count("deliver", "new") == 1, "duplicate added a file");
	CHECK(count("deliver", "tmp") == 0, "duplicate left tmp/ behind");

	/* The same id for another webhook is another event. */
	e.se_webhook = "other";
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DELIVERED, "same id, other webhook: %s", reason);
	CHECK(count("deliver", "new") == 2, "other webhook not spooled");

	/* Without dedup, the same id is spooled again. */
	e.se_webhook = "protocol";
	CHECK(spool_deliver(sp, &e, 0, name, &when, &reason) ==
	    SPOOL_DELIVERED, "dedup off: %s", reason);
	CHECK(spool_deliver(sp, &e, 0, name, &when, &reason) ==
	    SPOOL_DELIVERED, "dedup off, twice: %s", reason);
	CHECK(count("deliver", "new") == 4, "dedup off: %zu files",
	    count("deliver", "new"));
	spool_close(sp);

	/* Group-readable spools get 0640 files. */
	sp = open_spool("shared", 1);
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DELIVERED, "group-readable: %s", reason);
	CHECK(mode_of(in_tmp(path, "shared/new/%s", name)) == 0640,
	    "group-readable file mode %o", (unsigned)mode_of(path));
	spool_close(sp);
}

static void
test_order(void)
{
	struct spool_entry	 e;
	struct spool		*sp;
	struct timespec		 when;
	char			 sent[20][SPOOL_NAME_MAX], id[32], idj[64];
	char			 names[NAMES_MAX][SPOOL_NAME_MAX];
	char			 path[PATH_MAX], got[4096];
	const char		*reason = NULL;
	size_t			 i, n;

	sp = open_spool("order", 0);
	for (i = 0; i < 20; i++) {
		unit_fmt(id, sizeof(id), "order-%zu", i);
		e = entry("protocol", id, idj, sizeof(idj));
		REQUIRE(spool_deliver(sp, &e, 1, sent[i], &when, &reason) ==
		    SPOOL_DELIVERED, "delivery %zu: %s", i, reason);
	}
	n = list(in_tmp(path, "order/new"), names);
	REQUIRE(n == 20, "new/ holds %zu files", n);
	for (i = 0; i < n; i++) {
		CHECK(strcmp(names[i], sent[i]) == 0, "position %zu: %s, "
		    "sent %s", i, names[i], sent[i]);
		unit_fmt(id, sizeof(id), "\"id\":\"order-%zu\"", i);
		slurp(in_tmp(path, "order/new/%s", names[i]), got,
		    sizeof(got));
		CHECK(strstr(got, id) != NULL, "position %zu holds %s", i, got);
	}
	spool_close(sp);
}

/* Several processes deliver one id at the same moment: one wins. */
static void
test_race(void)
{
	struct spool_entry	 e;
	struct spool		*sp;
	struct timespec		 when;
	char			 name[SPOOL_NAME_MAX], id[32], idj[64], c;
	char			 spool[32], path[PATH_MAX];
	char			 names[NAMES_MAX][SPOOL_NAME_MAX];
	const char		*reason;
	pid_t			 pids[RACERS];
	int			 gate[2], status, round, i;
	int			 delivered, duplicate;
	enum spool_result	 r;

	for (round = 0; round < ROUNDS; round++) {
		unit_fmt(spool, sizeof(spool), "race%d", round);
		spool_close(open_spool(spool, 0));
		unit_fmt(id, sizeof(id), "race-%d", round);
		REQUIRE(pipe(gate) == 0, "pipe");
		for (i = 0; i < RACERS; i++) {
			REQUIRE((pids[i] = fork()) != -1, "fork");
			if (pids[i] != 0)
				continue;
			close(gate[1]);
			sp = open_spool(spool, 0);
			e = entry("protocol", id, idj, sizeof(idj));
			/* Wait until the gate opens (EOF), then go. */
			if (read(gate[0], &c, 1) != 0)
				_exit(3);
			r = spool_deliver(sp, &e, 1, name, &when, &reason);
			spool_close(sp);
			_exit(r == SPOOL_DELIVERED ? 10 :
			    r == SPOOL_DUPLICATE ? 11 : 12);
		}
		close(gate[0]);
		close(gate[1]);
		delivered = duplicate = 0;
		for (i = 0; i < RACERS; i++) {
			REQUIRE(waitpid(pids[i], &status, 0) == pids[i],
			    "waitpid");
			CHECK(WIFEXITED(status) && (WEXITSTATUS(status) == 10 ||
			    WEXITSTATUS(status) == 11), "racer %d failed "
			    "(status %d)", i, status);
			if (WIFEXITED(status) && WEXITSTATUS(status) == 10)
				delivered++;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 11)
				duplicate++;
		}
		CHECK(delivered == 1 && duplicate == RACERS - 1,
		    "round %d: %d delivered, %d duplicates", round, delivered,
		    duplicate);
		CHECK(list(in_tmp(path, "%s/%s", spool, "new"), names) == 1,
		    "round %d: new/ holds %zu files", round, list(path, names));
		CHECK(count(spool, "tmp") == 0, "round %d: tmp/ not empty",
		    round);
	}
}

/* The name of the dedup marker of webhook and id: sha256(webhook NUL id). */
static void
marker(const char *webhook, const char *id, char out[65])
{
	unsigned char	sum[32], buf[256];
	size_t		wl = strlen(webhook) + 1, il = strlen(id), i;

	REQUIRE(wl + il <= sizeof(buf), "id too long");
	memcpy(buf, webhook, wl);
	memcpy(buf + wl, id, il);
	gcry_md_hash_buffer(GCRY_MD_SHA256, sum, buf, wl + il);
	for (i = 0; i < sizeof(sum); i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
}

/* The marker of signed bytes whose SHA-256 is sum: sha256(webhook NUL NUL sum). */
static void
sum_marker(const char *webhook, const unsigned char sum[32], char out[65])
{
	unsigned char	h[32], buf[256];
	size_t		wl = strlen(webhook) + 1, i;

	REQUIRE(wl + 1 + 32 <= sizeof(buf), "webhook too long");
	memcpy(buf, webhook, wl);
	buf[wl] = '\0';
	memcpy(buf + wl + 1, sum, 32);
	gcry_md_hash_buffer(GCRY_MD_SHA256, h, buf, wl + 1 + 32);
	for (i = 0; i < sizeof(h); i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/*
 * An event whose id the signature does not cover also dedups on its
 * signed bytes: a replay under a fresh id is a duplicate, as is a known
 * id with other bytes; a duplicate withdraws the marker it had made.
 */
static void
test_signed_sum(void)
{
	struct spool_entry	 e;
	struct spool		*sp;
	struct timespec		 when;
	unsigned char		 a[32], b[32], c[32];
	char			 name[SPOOL_NAME_MAX], path[PATH_MAX], idj[64];
	char			 mark[65];
	const char		*reason = NULL;

	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	memset(c, 'c', sizeof(c));
	sp = open_spool("signed", 0);
	e = entry("github", "gh-1", idj, sizeof(idj));
	e.se_signed_sum = a;
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DELIVERED, "first delivery: %s", reason);
	marker("github", "gh-1", mark);
	CHECK(access(in_tmp(path, "signed/ids/%s", mark), F_OK) == 0,
	    "no marker for the id");
	sum_marker("github", a, mark);
	CHECK(access(in_tmp(path, "signed/ids/%s", mark), F_OK) == 0,
	    "no marker for the signed bytes");
	CHECK(count("signed", "ids") == 2, "ids/ holds %zu markers, not 2",
	    count("signed", "ids"));

	e = entry("github", "gh-2", idj, sizeof(idj));
	e.se_signed_sum = a;
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DUPLICATE, "the same signed bytes under a fresh id spooled");
	e = entry("github", "gh-1", idj, sizeof(idj));
	e.se_signed_sum = c;
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DUPLICATE, "a known id with other signed bytes spooled");
	sum_marker("github", c, mark);
	CHECK(access(in_tmp(path, "signed/ids/%s", mark), F_OK) == -1,
	    "a duplicate left its signed bytes' marker behind");
	CHECK(count("signed", "new") == 1 && count("signed", "tmp") == 0 &&
	    count("signed", "ids") == 2, "duplicates changed the spool");

	e = entry("github", "gh-3", idj, sizeof(idj));
	e.se_signed_sum = b;
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DELIVERED, "new id, new bytes: %s", reason);
	e = entry("other", "gh-2", idj, sizeof(idj));
	e.se_signed_sum = a;
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DELIVERED, "the same bytes for another webhook: %s", reason);
	/* An id's marker never meets a sum's, whatever the id. */
	e = entry("github", "gh-4", idj, sizeof(idj));
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DELIVERED, "an id without signed bytes: %s", reason);
	CHECK(count("signed", "new") == 4 && count("signed", "ids") == 7,
	    "new/ holds %zu, ids/ %zu", count("signed", "new"),
	    count("signed", "ids"));
	spool_close(sp);
}

/*
 * Where the file system does not keep metadata changes in order
 * (sp_ordered 0: tmpfs, ext2, ext4 without a journal), a marker must reach
 * the disk before the event's entry in new/ does, so ids/ is flushed
 * before the rename. Forced here whatever this machine's file system: ids/
 * is opened O_PATH, which links and lookups accept and fsync(2) refuses,
 * so every flush of ids/ shows as a failure.
 */
static void
test_unordered(void)
{
	struct spool_recovery	 rec;
	struct spool_entry	 e;
	struct spool		*sp;
	struct timespec		 when;
	char			 name[SPOOL_NAME_MAX], path[PATH_MAX], idj[64];
	char			 link_path[PATH_MAX];
	const char		*reason = NULL;
	int			 fd, saved;

	sp = open_spool("unordered", 0);
	REQUIRE((fd = open(in_tmp(path, "unordered/ids"),
	    O_PATH | O_DIRECTORY | O_CLOEXEC)) != -1, "open %s", path);
	saved = sp->sp_fd[SPOOL_IDS];
	sp->sp_fd[SPOOL_IDS] = fd;
	sp->sp_ordered = 0;
	e = entry("protocol", "unordered-1", idj, sizeof(idj));
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) == SPOOL_ERROR &&
	    strcmp(reason, "unable to flush ids/ to disk") == 0,
	    "unordered: delivered without flushing ids/ (%s)",
	    reason != NULL ? reason : "-");
	CHECK(count("unordered", "new") == 0 && count("unordered", "tmp") ==
	    0 && count("unordered", "ids") == 0, "a failed flush of ids/ left "
	    "something behind");
	/* Without dedup there is no marker, and no flush of ids/. */
	CHECK(spool_deliver(sp, &e, 0, name, &when, &reason) ==
	    SPOOL_DELIVERED, "unordered, dedup off: %s", reason);
	/* Where the journal orders metadata, flushing new/ does for both. */
	sp->sp_ordered = 1;
	e = entry("protocol", "ordered-1", idj, sizeof(idj));
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DELIVERED, "ordered: %s", reason);

	/* Recovery, too, flushes ids/ before it finishes a delivery. */
	sp->sp_ordered = 0;
	write_file(in_tmp(path, "unordered/tmp/0000000003.000001.cut"),
	    "{\"received\":\"x\"}\n");
	REQUIRE(link(path, in_tmp(link_path, "unordered/ids/Z")) == 0, "link");
	CHECK(spool_recover(sp, &rec, &reason) == -1 &&
	    access(path, F_OK) == 0, "unordered: a cut-short delivery "
	    "finished without flushing ids/");
	sp->sp_fd[SPOOL_IDS] = saved;
	REQUIRE(close(fd) == 0, "close");
	CHECK(spool_recover(sp, &rec, &reason) == 0 && rec.sr_finished == 1,
	    "unordered recovery: %s", reason);
	spool_close(sp);
}

/*
 * A child holds a lock on path until the returned fd closes: the delivery
 * lock, or (shared) a read lock on the whole file, as a reader can take.
 */
static pid_t
hold_lock(const char *path, int shared, int *release)
{
	struct flock	fl;
	int		ready[2], gate[2], fd, rc;
	pid_t		pid;
	char		c = 0;

	REQUIRE(pipe(ready) == 0 && pipe(gate) == 0, "pipe");
	REQUIRE((pid = fork()) != -1, "fork");
	if (pid == 0) {
		close(ready[0]);
		close(gate[1]);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		fl.l_whence = SEEK_SET;
		if ((fd = open(path, shared ? O_RDONLY : O_RDWR)) == -1)
			_exit(1);
		rc = shared ? fcntl(fd, F_OFD_SETLK, &fl) : spool_lock(fd, 0, 0);
		if (rc == -1 || write(ready[1], "x", 1) != 1)
			_exit(1);
		if (read(gate[0], &c, 1) != 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(gate[0]);
	CHECK(read(ready[0], &c, 1) == 1, "lock holder did not start");
	close(ready[0]);
	*release = gate[1];
	return pid;
}

static void
release_lock(pid_t pid, int release)
{
	int	status;

	close(release);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "lock holder failed");
}

static double
seconds(void)
{
	struct timespec	ts;

	REQUIRE(clock_gettime(CLOCK_MONOTONIC, &ts) == 0, "clock");
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A lock held by a reader is waited for, but only as long as asked. */
static void
test_lock_wait(void)
{
	char	path[PATH_MAX];
	double	start, took;
	pid_t	pid;
	int	fd, release;

	write_file(in_tmp(path, "locked-file"), "x\n");
	REQUIRE((fd = open(path, O_RDWR)) != -1, "open %s", path);
	pid = hold_lock(path, 1, &release);
	errno = 0;
	CHECK(spool_lock(fd, 0, 0) == -1 && errno == EAGAIN,
	    "no wait: %s", strerror(errno));
	start = seconds();
	errno = 0;
	CHECK(spool_lock(fd, 1, 1) == -1 && errno == EAGAIN,
	    "one second: %s", strerror(errno));
	took = seconds() - start;
	CHECK(took >= 0.9 && took < 5, "a wait of one second took %.2fs",
	    took);
	release_lock(pid, release);
	CHECK(spool_lock(fd, 0, 1) == 0, "once released: %s",
	    strerror(errno));
	close(fd);
}

static void
test_recover(void)
{
	struct spool_recovery	 rec;
	struct spool_entry	 e;
	struct spool		*sp;
	struct timespec		 when;
	char			 path[PATH_MAX], link_path[PATH_MAX];
	char			 got[4096], name[SPOOL_NAME_MAX], idj[64];
	char			 mark[65];
	const char		*reason = NULL;
	const char		*line = "{\"received\":\"x\"}\n";
	pid_t			 pid;
	int			 release;

	sp = open_spool("recover", 0);

	/* A delivery cut short: tmp/ file already linked in ids/. */
	write_file(in_tmp(path, "recover/tmp/0000000001.000001.cut"), line);
	REQUIRE(link(path, in_tmp(link_path, "recover/ids/X")) ==
	    0, "link");
	/* A fresh tmp/ file: maybe being written; stays. */
	write_file(in_tmp(path, "recover/tmp/young"), line);
	age(path, SPOOL_TMP_GRACE - 3600);
	/* An abandoned one: removed. */
	write_file(in_tmp(path, "recover/tmp/old"), line);
	age(path, SPOOL_TMP_GRACE + 3600);

	memset(&rec, 0xff, sizeof(rec));
	CHECK(spool_recover(sp, &rec, &reason) == 0, "spool_recover: %s",
	    reason);
	CHECK(rec.sr_finished == 1 && rec.sr_removed == 1,
	    "finished %u, removed %u", rec.sr_finished, rec.sr_removed);
	CHECK(access(in_tmp(path, "recover/new/0000000001.000001.cut"),
	    F_OK) == 0, "cut-short delivery not in new/");
	slurp(path, got, sizeof(got));
	CHECK(strcmp(got, line) == 0, "finished delivery holds %s", got);
	CHECK(access(in_tmp(path, "recover/tmp/0000000001.000001.cut"),
	    F_OK) == -1, "cut-short delivery still in tmp/");
	CHECK(access(in_tmp(path, "recover/tmp/young"), F_OK) ==
	    0, "young tmp/ file removed");
	CHECK(access(in_tmp(path, "recover/tmp/old"), F_OK) ==
	    -1, "abandoned tmp/ file kept");
	CHECK(access(link_path, F_OK) == 0, "marker removed");

	/* A second pass finds nothing more to do. */
	CHECK(spool_recover(sp, &rec, &reason) == 0 && rec.sr_finished == 0 &&
	    rec.sr_removed == 0, "second pass: finished %u, removed %u",
	    rec.sr_finished, rec.sr_removed);
	CHECK(spool_recover(sp, NULL, &reason) == 0, "rec NULL");

	/* Files whose delivery lock is held are left alone, linked or not. */
	write_file(in_tmp(path, "recover/tmp/busy-old"), line);
	age(path, SPOOL_TMP_GRACE + 3600);
	pid = hold_lock(path, 0, &release);
	CHECK(spool_recover(sp, &rec, &reason) == 0 && rec.sr_removed == 0,
	    "locked old file: removed %u", rec.sr_removed);
	CHECK(access(path, F_OK) == 0, "locked old tmp/ file removed");
	release_lock(pid, release);
	CHECK(spool_recover(sp, &rec, &reason) == 0 && rec.sr_removed == 1,
	    "released old file: removed %u", rec.sr_removed);

	write_file(in_tmp(path, "recover/tmp/busy-linked"), line);
	REQUIRE(link(path, in_tmp(link_path, "recover/ids/Y")) ==
	    0, "link");
	pid = hold_lock(path, 0, &release);
	CHECK(spool_recover(sp, &rec, &reason) == 0 && rec.sr_finished == 0,
	    "locked linked file: finished %u", rec.sr_finished);
	CHECK(access(path, F_OK) == 0, "locked linked file moved");
	release_lock(pid, release);
	CHECK(spool_recover(sp, &rec, &reason) == 0 && rec.sr_finished == 1,
	    "released linked file: finished %u", rec.sr_finished);

	/* A duplicate finishes a delivery of its id that was cut short. */
	e = entry("protocol", "cut-short", idj, sizeof(idj));
	marker("protocol", "cut-short", mark);
	write_file(in_tmp(path, "recover/tmp/0000000002.000001.cut"), line);
	REQUIRE(link(path, in_tmp(link_path, "recover/ids/%s", mark)) ==
	    0, "link");
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DUPLICATE, "id of a cut-short delivery spooled again");
	CHECK(access(in_tmp(path, "recover/new/0000000002.000001.cut"),
	    F_OK) == 0, "cut-short delivery not finished by duplicate");
	CHECK(count("recover", "tmp") == 1, "tmp/ holds %zu files, not 1",
	    count("recover", "tmp"));
	spool_close(sp);
}

/* A delivery that fails leaves nothing behind, not even its marker. */
static void
test_failure(void)
{
	struct spool_entry	 e;
	struct spool		*sp;
	struct timespec		 when;
	char			 name[SPOOL_NAME_MAX], path[PATH_MAX], idj[64];
	const char		*reason = NULL;

	sp = open_spool("broken", 0);
	e = entry("protocol", "fails-once", idj, sizeof(idj));
	REQUIRE(rmdir(in_tmp(path, "broken/new")) == 0, "rmdir");
	errno = 0;
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) == SPOOL_ERROR &&
	    reason != NULL && errno != 0, "delivery into a removed new/");
	CHECK(count("broken", "tmp") == 0, "failed delivery left tmp/");
	CHECK(count("broken", "ids") == 0, "failed delivery left its marker");
	spool_close(sp);

	sp = open_spool("broken", 0);
	CHECK(spool_deliver(sp, &e, 1, name, &when, &reason) ==
	    SPOOL_DELIVERED, "retry after a failure: %s", reason);
	CHECK(count("broken", "new") == 1, "retry not spooled");
	spool_close(sp);
}

/*
 * What spool.c exports for the other modules: the folder names in the
 * order of enum spool_folder, a fresh stream over a folder each time,
 * flushing, the rule of what file may be taken, and lock bytes that never
 * block each other.
 */
static void
test_helpers(void)
{
	static const char *const want[SPOOL_FOLDERS] = { "tmp", "new", "cur",
	    "failed", "ids", "done", "history" };
	struct spool	*sp;
	struct dirent	*de;
	struct stat	 st;
	const char	*why;
	char		 path[PATH_MAX];
	DIR		*d;
	int		 i, seen, a, b;

	for (i = 0; i < SPOOL_FOLDERS; i++)
		CHECK(strcmp(spool_folder_names[i], want[i]) == 0,
		    "folder %d is %s, not %s", i, spool_folder_names[i], want[i]);
	sp = open_spool("helpers", 0);
	write_file(in_tmp(path, "helpers/new/one"), "x\n");
	for (i = 0; i < 2; i++) {
		REQUIRE((d = spool_opendir(sp, SPOOL_NEW)) != NULL,
		    "spool_opendir: %s", strerror(errno));
		seen = 0;
		while ((de = readdir(d)) != NULL)
			seen += strcmp(de->d_name, "one") == 0;
		CHECK(seen == 1, "pass %d saw one %d times", i, seen);
		CHECK(closedir(d) == 0, "closedir");
	}
	CHECK(spool_flush(sp, SPOOL_NEW) == 0, "spool_flush without fsync");
	sp->sp_fsync = 1;
	CHECK(spool_flush(sp, SPOOL_IDS) == 0, "spool_flush: %s",
	    strerror(errno));

	REQUIRE(lstat(path, &st) == 0, "lstat");
	CHECK(spool_file_refusal(sp, &st) == NULL, "a 0644 event refused");
	REQUIRE(chmod(path, 0620) == 0 && lstat(path, &st) == 0, "chmod");
	CHECK((why = spool_file_refusal(sp, &st)) != NULL &&
	    strstr(why, "writable") != NULL, "a 0620 file taken");
	REQUIRE(lstat(in_tmp(path, "helpers/new"), &st) == 0, "lstat");
	CHECK((why = spool_file_refusal(sp, &st)) != NULL &&
	    strstr(why, "regular") != NULL, "a folder taken");
	REQUIRE(symlink("one", in_tmp(path, "helpers/new/link")) == 0 &&
	    lstat(path, &st) == 0, "symlink");
	CHECK((why = spool_file_refusal(sp, &st)) != NULL &&
	    strstr(why, "symbolic link") != NULL, "a link taken");

	/* Two holders of one file: each byte is locked on its own. */
	REQUIRE((a = open(in_tmp(path, "helpers/new/one"), O_RDWR)) != -1 &&
	    (b = open(path, O_RDWR)) != -1, "open %s", path);
	CHECK(SPOOL_LOCK_DELIVERY != SPOOL_LOCK_CLAIM, "one byte for both");
	CHECK(spool_lock(a, SPOOL_LOCK_DELIVERY, 0) == 0 &&
	    spool_lock(b, SPOOL_LOCK_CLAIM, 0) == 0, "the locks wait for "
	    "each other");
	errno = 0;
	CHECK(spool_lock(b, SPOOL_LOCK_DELIVERY, 0) == -1 && errno == EAGAIN,
	    "a delivery lock taken twice");
	close(a);
	close(b);
	spool_close(sp);
}

int
main(void)
{
	const char	*reason = NULL;

	umask(022);
	signal(SIGPIPE, SIG_IGN);
	REQUIRE(verify_init(&reason) == 0, "verify_init: %s", reason);
	unit_tmpdir(tmp, sizeof(tmp));
	test_open();
	test_refuse();
	test_lock_wait();
	test_deliver();
	test_order();
	test_race();
	test_recover();
	test_signed_sum();
	test_unordered();
	test_failure();
	test_helpers();
	unit_rmtree(tmp);
	return unit_done("test_spool");
}
