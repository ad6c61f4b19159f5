/*
 * test_hpipe.c: the pipe handlers' protocol (hpipe.h) with real sh
 * handlers: the event line and the verdicts as written; ok, retry and
 * fail; a timeout that puts the handler down and counts for its event
 * only; a handler that dies on an event; a line that is no verdict (the
 * handler started again after a delay, nothing lost), also a line too
 * long, one with no event waiting, one before its event was written
 * whole and one ending in CR; four jobs sharing events, none given
 * twice; hpipe_stop() giving back what was not begun; hpipe_close()
 * putting down a handler that does not end. With hc_capture, the event a
 * handler died or timed out on comes back with the tail of its standard
 * error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpipe.h"
#include "io.h"
#include "unit.h"

#define EVENTS_MAX	2000

static char	 dir[] = "/tmp/hookspool-hpipe.XXXXXX";
static sigset_t	 wait_set, old_mask;

/* What came back for each event (tag = index + 1). */
struct seen {
	int		 s_count;
	enum hpipe_kind	 s_kind;
	char		 s_text[HPIPE_TEXT_MAX];
	char		 s_err[64];	/* the end of hr_stderr */
};
static struct seen	seen[EVENTS_MAX];
static int		capture_mode;	/* hc_capture of the next pool */
static int		garbage_notices, other_notices;
static char		last_garbage[HPIPE_TEXT_MAX];

static struct hpipe *
pool(const char *cmd, unsigned jobs, long long timeout)
{
	struct hpipe_conf	 c;
	struct hpipe		*hp;

	memset(&c, 0, sizeof(c));
	c.hc_cmd = cmd;
	c.hc_jobs = jobs;
	c.hc_timeout = timeout;
	c.hc_wait = &wait_set;
	c.hc_mask = &old_mask;
	c.hc_capture = capture_mode;
	REQUIRE(hpipe_open(&c, &hp) == 0, "hpipe_open: %s", strerror(errno));
	memset(seen, 0, sizeof(seen));
	garbage_notices = other_notices = 0;
	return hp;
}

/* Take what hpipe_run() gives until deadline; returns how many it gave. */
static size_t
pump(struct hpipe *hp, double until)
{
	struct hpipe_result	res[64];
	size_t			n, i, got = 0;
	int			stopping = 0;

	REQUIRE(hpipe_run(hp, until, -1, &stopping, res, 64, &n) == 0,
	    "hpipe_run: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		if (res[i].hr_kind == HPIPE_NOTICE) {
			if (res[i].hr_garbage) {
				garbage_notices++;
				snprintf(last_garbage, sizeof(last_garbage),
				    "%s", res[i].hr_text);
			} else
				other_notices++;
			continue;
		}
		REQUIRE(res[i].hr_tag >= 1 && res[i].hr_tag <= EVENTS_MAX,
		    "tag %llu", res[i].hr_tag);
		seen[res[i].hr_tag - 1].s_count++;
		seen[res[i].hr_tag - 1].s_kind = res[i].hr_kind;
		snprintf(seen[res[i].hr_tag - 1].s_text, HPIPE_TEXT_MAX, "%s",
		    res[i].hr_text);
		if (res[i].hr_stderr != NULL) {
			size_t	k = res[i].hr_stderrlen < 63 ?
			    res[i].hr_stderrlen : 63;

			memcpy(seen[res[i].hr_tag - 1].s_err,
			    res[i].hr_stderr + res[i].hr_stderrlen - k, k);
			seen[res[i].hr_tag - 1].s_err[k] = '\0';
		}
		got++;
	}
	return got;
}

/* Submit event tag with id (and "slow", "die" ... in its line), padded. */
static void
submit_padded(struct hpipe *hp, unsigned long long tag, const char *id,
    size_t pad)
{
	struct hpipe_event	e;
	char			*spool, *line;
	size_t			len;

	REQUIRE((spool = malloc(pad + 256)) != NULL, "malloc");
	snprintf(spool, 256, "{\"id\":\"%s\",\"event\":{\"p\":\"", id);
	len = strlen(spool);
	memset(spool + len, 'p', pad);
	memcpy(spool + len + pad, "\"}}", 4);
	memset(&e, 0, sizeof(e));
	e.hv_id = id;
	e.hv_idlen = strlen(id);
	e.hv_type = "t.x";
	e.hv_typelen = 3;
	e.hv_attempt = 1;
	e.hv_line = spool;
	e.hv_linelen = strlen(spool);
	REQUIRE((line = hpipe_event_line(&e, &len)) != NULL, "event line");
	free(spool);
	REQUIRE(hpipe_submit(hp, tag, line, len) == 0, "submit %llu: %s", tag,
	    strerror(errno));
}

static void
submit(struct hpipe *hp, unsigned long long tag, const char *id)
{
	submit_padded(hp, tag, id, 0);
}

/* Submit ids[0..n) as room allows, and pump until all came back. */
static void
run_all(struct hpipe *hp, const char *const *ids, size_t n, double limit)
{
	double	deadline = io_now() + limit;
	size_t	next = 0;

	while (next < n || hpipe_busy(hp) > 0) {
		while (next < n && hpipe_room(hp) > 0) {
			submit(hp, next + 1, ids[next]);
			next++;
		}
		REQUIRE(io_now() < deadline, "still %zu busy after %.0fs",
		    hpipe_busy(hp), limit);
		pump(hp, io_now() + 0.5);
	}
}

static void
verdicts(void)
{
	static const struct {
		const char	*line;
		int		 rc;
		enum hpipe_kind	 kind;
		const char	*reason;
	} cases[] = {
		{ "ok", 0, HPIPE_OK, "" },
		{ "retry", 0, HPIPE_RETRY, "" },
		{ "retry the API said 503", 0, HPIPE_RETRY,
		    "the API said 503" },
		{ "fail", 0, HPIPE_FAIL, "" },
		{ "fail no such customer", 0, HPIPE_FAIL, "no such customer" },
		{ "ok ", -1, 0, NULL }, { "okay", -1, 0, NULL },
		{ "OK", -1, 0, NULL }, { "retryx", -1, 0, NULL },
		{ "fail\tx", -1, 0, NULL }, { "", -1, 0, NULL },
		{ "hello", -1, 0, NULL }, { " ok", -1, 0, NULL },
	};
	enum hpipe_kind	 kind;
	const char	*reason;
	size_t		 i, rlen;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = hpipe_verdict(cases[i].line, strlen(cases[i].line), &kind,
		    &reason, &rlen);
		CHECK(rc == cases[i].rc, "verdict '%s': %d", cases[i].line, rc);
		if (rc == 0 && cases[i].rc == 0)
			CHECK(kind == cases[i].kind && rlen ==
			    strlen(cases[i].reason) && memcmp(reason,
			    cases[i].reason, rlen) == 0, "verdict '%s': %d "
			    "'%.*s'", cases[i].line, kind, (int)rlen, reason);
	}
	CHECK(hpipe_verdict("ok\0", 3, &kind, &reason, &rlen) == -1,
	    "a NUL byte makes no verdict");
	CHECK(hpipe_verdict("retry a\0b", 9, &kind, &reason, &rlen) == -1,
	    "a NUL byte in a reason makes no verdict");
}

static void
event_lines(void)
{
	struct hpipe_event	e;
	char			*line;
	size_t			len;
	const char		*want;

	memset(&e, 0, sizeof(e));
	e.hv_id = "a\"b";
	e.hv_idlen = 3;
	e.hv_webhook = "w";
	e.hv_webhooklen = 1;
	e.hv_type = "t";
	e.hv_typelen = 1;
	e.hv_attempt = 2;
	e.hv_line = "{\"id\":\"a\\\"b\"}";
	e.hv_linelen = strlen(e.hv_line);
	line = hpipe_event_line(&e, &len);
	want = "{\"id\":\"a\\\"b\",\"webhook\":\"w\",\"type\":\"t\","
	    "\"attempt\":2,\"line\":\"{\\\"id\\\":\\\"a\\\\\\\"b\\\"}\"}\n";
	CHECK(line != NULL && len == strlen(want) && strcmp(line, want) == 0,
	    "event line: %s", line ? line : "(null)");
	free(line);
	e.hv_webhook = NULL;
	e.hv_entry = "1-0";
	line = hpipe_event_line(&e, &len);
	want = "{\"id\":\"a\\\"b\",\"webhook\":\"\",\"type\":\"t\","
	    "\"attempt\":2,\"entry\":\"1-0\",\"line\":\"{\\\"id\\\":\\\"a\\\\\\\"b\\\"}\"}\n";
	CHECK(line != NULL && strcmp(line, want) == 0, "event line with an "
	    "entry: %s", line ? line : "(null)");
	free(line);
}

/* A shell handler that answers by the id in each line. */
#define ANSWER \
	"while IFS= read -r l; do case $l in " \
	"*'\"id\":\"retry'*) echo 'retry try later';; " \
	"*'\"id\":\"fail'*) echo 'fail never';; " \
	"*'\"id\":\"slow'*) sleep 30; echo ok;; " \
	"*'\"id\":\"die'*) exit 3;; " \
	"*) echo ok;; esac; done"

static void
answers(void)
{
	static const char *const ids[] = { "a", "retry-1", "fail-1", "b" };
	struct hpipe	*hp = pool(ANSWER, 1, 10);

	run_all(hp, ids, 4, 20);
	CHECK(seen[0].s_kind == HPIPE_OK && seen[3].s_kind == HPIPE_OK,
	    "ok: %d %d", seen[0].s_kind, seen[3].s_kind);
	CHECK(seen[1].s_kind == HPIPE_RETRY &&
	    strcmp(seen[1].s_text, "try later") == 0, "retry: %d %s",
	    seen[1].s_kind, seen[1].s_text);
	CHECK(seen[2].s_kind == HPIPE_FAIL && strcmp(seen[2].s_text,
	    "never") == 0, "fail: %d %s", seen[2].s_kind, seen[2].s_text);
	CHECK(hpipe_close(hp) == 0, "the handler ended at its input's end");
}

/* Each event came back once, as kind, but for the one at index odd. */
static void
all_once(size_t n, enum hpipe_kind kind, size_t odd, enum hpipe_kind oddkind,
    const char *what)
{
	size_t	i;

	for (i = 0; i < n; i++)
		CHECK(seen[i].s_count == 1 && seen[i].s_kind == (i == odd ?
		    oddkind : kind), "%s: event %zu came back %d times, as %d "
		    "(%s)", what, i, seen[i].s_count, seen[i].s_kind,
		    seen[i].s_text);
}

static void
timeout_and_death(void)
{
	static const char *const slow[] = { "a", "slow-1", "b", "c", "d" };
	static const char *const die[] = { "a", "die-1", "b", "c", "d" };
	struct hpipe	*hp;
	double		 t;

	hp = pool(ANSWER, 1, 1);
	t = io_now();
	run_all(hp, slow, 5, 30);
	all_once(5, HPIPE_OK, 1, HPIPE_TIMED_OUT, "timeout");
	CHECK(strstr(seen[1].s_text, "no verdict within 1s") != NULL,
	    "timeout's text: %s", seen[1].s_text);
	CHECK(io_now() - t < 8, "the timeout took %.1fs", io_now() - t);
	hpipe_close(hp);

	hp = pool(ANSWER, 1, 10);
	run_all(hp, die, 5, 30);
	all_once(5, HPIPE_OK, 1, HPIPE_DIED, "death");
	CHECK(strcmp(seen[1].s_text, "the handler exited 3 before its "
	    "verdict") == 0, "death's text: %s", seen[1].s_text);
	hpipe_close(hp);
}

/* hc_capture: a death's and a timeout's event get the stderr's tail. */
static void
captured(void)
{
	static const char *const die[] = { "a", "die-1", "b" };
	static const char *const slow[] = { "a", "slow-1", "b" };
	static const char cmd[] = "while IFS= read -r l; do case $l in "
	    "*'\"id\":\"slow'*) echo slow-stderr >&2; sleep 30;; "
	    "*'\"id\":\"die'*) echo dying-now >&2; exit 3;; "
	    "*) echo ok-stderr >&2; echo ok;; esac; done";
	struct hpipe	*hp;

	capture_mode = 1;
	hp = pool(cmd, 1, 10);
	run_all(hp, die, 3, 30);
	all_once(3, HPIPE_OK, 1, HPIPE_DIED, "captured death");
	CHECK(strcmp(seen[1].s_err, "ok-stderr\ndying-now\n") == 0,
	    "a death's stderr: \"%s\"", seen[1].s_err);
	CHECK(seen[0].s_err[0] == '\0', "an ok came with stderr");
	hpipe_close(hp);
	hp = pool(cmd, 1, 1);
	run_all(hp, slow, 3, 30);
	all_once(3, HPIPE_OK, 1, HPIPE_TIMED_OUT, "captured timeout");
	CHECK(strcmp(seen[1].s_err, "ok-stderr\nslow-stderr\n") == 0,
	    "a timeout's stderr: \"%s\"", seen[1].s_err);
	hpipe_close(hp);
	capture_mode = 0;
}

static void
garbage(void)
{
	static const char *const ids[] = { "a", "b", "c", "d", "e", "f" };
	struct hpipe	*hp;
	char		 cmd[512];
	double		 t;

	/* Says hello once, at its first start; then answers well. */
	unit_fmt(cmd, sizeof(cmd), "if [ ! -e %s/hello ]; then : >%s/hello; "
	    "echo hello; fi; while IFS= read -r l; do echo ok; done", dir,
	    dir);
	hp = pool(cmd, 1, 10);
	t = io_now();
	run_all(hp, ids, 6, 30);
	all_once(6, HPIPE_OK, 99, HPIPE_OK, "garbage");
	CHECK(garbage_notices == 1, "garbage notices: %d", garbage_notices);
	CHECK(io_now() - t >= HPIPE_DELAY_MIN, "started again after %.2fs",
	    io_now() - t);
	hpipe_close(hp);
}

/*
 * A handler that writes what is no verdict (cmd) on an event of pad
 * bytes: the notice says what, and once stopped the event comes back as
 * kind (unsent: with no attempt counted).
 */
static void
no_verdict(const char *cmd, size_t pad, const char *what,
    enum hpipe_kind kind)
{
	struct hpipe	*hp = pool(cmd, 1, 10);
	double		 deadline = io_now() + 20;

	last_garbage[0] = '\0';
	submit_padded(hp, 1, "g", pad);
	while (garbage_notices == 0 && io_now() < deadline)
		pump(hp, io_now() + 0.5);
	CHECK(strstr(last_garbage, what) != NULL, "no verdict (%s): %s", what,
	    last_garbage);
	hpipe_stop(hp);
	while (hpipe_busy(hp) > 0 && io_now() < deadline)
		pump(hp, io_now() + 0.5);
	CHECK(seen[0].s_count == 1 && seen[0].s_kind == kind,
	    "no verdict (%s): the event came back %d times as %d", what,
	    seen[0].s_count, seen[0].s_kind);
	hpipe_close(hp);
}

static void
jobs(void)
{
	static char	 idbuf[EVENTS_MAX][16];
	const char	*ids[EVENTS_MAX];
	struct hpipe	*hp;
	char		 cmd[512], path[256], line[64];
	FILE		*fp;
	size_t		 i, n = 400;
	int		 used[5] = { 0 }, job;

	for (i = 0; i < n; i++) {
		snprintf(idbuf[i], sizeof(idbuf[i]), "e%zu", i);
		ids[i] = idbuf[i];
	}
	unit_fmt(cmd, sizeof(cmd), "while IFS= read -r l; do "
	    "echo \"$HOOKSPOOL_JOB\" >>%s/jobs; echo ok; done", dir);
	hp = pool(cmd, 4, 10);
	run_all(hp, ids, n, 60);
	all_once(n, HPIPE_OK, EVENTS_MAX, HPIPE_OK, "jobs");
	CHECK(hpipe_close(hp) == 0, "four handlers ended at their input's end");
	REQUIRE((fp = fopen(unit_fmt(path, sizeof(path), "%s/jobs", dir),
	    "r")) != NULL, "jobs log");
	for (i = 0; fgets(line, sizeof(line), fp) != NULL; i++)
		if ((job = atoi(line)) >= 1 && job <= 4)
			used[job]++;
	fclose(fp);
	CHECK(i == n, "%zu events handled, not %zu", i, n);
	CHECK(used[1] > 0 && used[2] + used[3] + used[4] > 0,
	    "jobs used: %d %d %d %d", used[1], used[2], used[3], used[4]);
}

static void
stop_and_close(void)
{
	static char	 idbuf[40][16];
	struct hpipe	*hp;
	size_t		 i, ok = 0, unsent = 0;
	double		 t;

	hp = pool("while IFS= read -r l; do sleep 0.2; echo ok; done", 1, 10);
	for (i = 0; i < 16; i++) {
		snprintf(idbuf[i], sizeof(idbuf[i]), "s%zu", i);
		submit(hp, i + 1, idbuf[i]);
	}
	while (ok == 0)
		ok += pump(hp, io_now() + 1);
	hpipe_stop(hp);
	while (hpipe_busy(hp) > 0)
		pump(hp, io_now() + 1);
	for (i = 0, ok = 0; i < 16; i++) {
		ok += seen[i].s_count == 1 && seen[i].s_kind == HPIPE_OK;
		unsent += seen[i].s_count == 1 && seen[i].s_kind ==
		    HPIPE_UNSENT;
	}
	CHECK(ok + unsent == 16 && ok >= 1, "after a stop: %zu ok, %zu "
	    "given back", ok, unsent);
	hpipe_close(hp);

	/* A handler that does not end at its input's end is put down. */
	hp = pool("cat >/dev/null; exec sleep 30", 1, 10);
	submit(hp, 1, "x");
	pump(hp, io_now() + 0.3);
	t = io_now();
	CHECK(hpipe_close(hp) == 1, "a handler that did not end");
	CHECK(io_now() - t >= HPIPE_EXIT_GRACE - 0.5 && io_now() - t <
	    HPIPE_EXIT_GRACE + 3, "closing took %.1fs", io_now() - t);
}

int
main(void)
{
	char	cmd[512];

	REQUIRE(mkdtemp(dir) != NULL, "mkdtemp");
	sigemptyset(&wait_set);
	sigaddset(&wait_set, SIGCHLD);
	sigaddset(&wait_set, SIGTERM);
	REQUIRE(sigprocmask(SIG_BLOCK, &wait_set, &old_mask) == 0, "mask");
	REQUIRE(signal(SIGPIPE, SIG_IGN) != SIG_ERR, "SIGPIPE");

	verdicts();
	event_lines();
	answers();
	timeout_and_death();
	captured();
	garbage();
	no_verdict("head -c 5000 /dev/zero | tr '\\0' x; echo; cat >/dev/null",
	    0, "a line longer than 4096 bytes", HPIPE_UNSENT);
	no_verdict("IFS= read -r l; echo ok; echo ok; cat >/dev/null", 0,
	    "a line with no event waiting for its verdict", HPIPE_OK);
	no_verdict("echo ok; cat >/dev/null", 300000,
	    "a line before its event was written whole", HPIPE_UNSENT);
	no_verdict("IFS= read -r l; printf 'ok\\r\\n'; cat >/dev/null", 0,
	    "a line that is not a verdict: \"ok?\"", HPIPE_UNSENT);
	jobs();
	stop_and_close();

	unit_fmt(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "cleanup");
	return unit_done("test_hpipe");
}
