/*
 * fuzz_spool_line.c: the line spool_deliver() writes for an accepted event.
 * Bodies event_parse() refuses are skipped; an accepted one is flattened
 * and delivered as the responder does it, into a scratch spool under
 * $TMPDIR with fsync off, and the file is read back from new/.
 *
 * Properties:
 *  - The delivery succeeds and the file (mode 0600) is exactly one line
 *    ending in "\n", with no other LF and no CR.
 *  - The line is valid JSON (the reference in ref_json.c; it nests one
 *    level deeper than the body) and an object with exactly the members
 *    received, webhook, id, type and event, each once and in that order.
 *  - received is the delivery time as YYYY-MM-DDTHH:MM:SS.uuuuuuZ (UTC),
 *    webhook is the webhook's name, id and type decode to the event's,
 *    and event is the flattened body, byte for byte.
 *  - What the drain reads back (event_fields) is the same id, type and
 *    webhook; what hookspool status reads of the line's head
 *    (census_head), from its whole and from its first CENSUS_HEAD_MAX
 *    bytes, is the same webhook and type.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "census.h"
#include "event.h"
#include "fuzz.h"
#include "ref_json.h"
#include "spool.h"
#include "verify.h"

static char		 tmpdir[4096];
static struct spool	*sp;
static const uint8_t	*cur_data;
static size_t		 cur_size;
static const char	*cur_line;
static size_t		 cur_linelen;

static void
fuzz_report(void)
{
	fuzz_dump("body", cur_data, cur_size);
	if (cur_line != NULL)
		fuzz_dump("spool line", cur_line, cur_linelen);
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static void
cleanup(void)
{
	spool_close(sp);
	sp = NULL;
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp = getenv("TMPDIR"), *reason;
	char		 dir[4096 + 16];

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (verify_init(&reason) == -1) {
		fprintf(stderr, "verify_init: %s\n", reason);
		abort();
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/fuzz_spool_line.XXXXXX", tmp);
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		abort();
	}
	atexit(cleanup);
	snprintf(dir, sizeof(dir), "%s/spool", tmpdir);
	if (spool_open(dir, 0, 0, &sp, &reason) == -1) {
		fprintf(stderr, "spool_open %s: %s\n", dir, reason);
		abort();
	}
	return 0;
}

/* The whole file name in new/, read and removed; its bytes in a new buffer. */
static char *
take_file(const char *name, size_t *len)
{
	struct stat	 st;
	char		*buf;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	fd = openat(sp->sp_fd[SPOOL_NEW], name, O_RDONLY | O_CLOEXEC);
	FUZZ_CHECK(fd != -1, "new/%s: %s", name, strerror(errno));
	FUZZ_CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode),
	    "new/%s is not a file", name);
	FUZZ_CHECK((st.st_mode & 07777) == 0600, "new/%s has mode %o", name,
	    (unsigned)(st.st_mode & 07777));
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		abort();
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		FUZZ_CHECK(n > 0, "reading new/%s", name);
		off += (size_t)n;
	}
	close(fd);
	FUZZ_CHECK(unlinkat(sp->sp_fd[SPOOL_NEW], name, 0) == 0,
	    "removing new/%s", name);
	*len = off;
	return buf;
}

/* The field decodes to the C string want; f is a string there once. */
static void
check_string(const struct ref_field *f, const char *want)
{
	FUZZ_CHECK(f->rf_string && !f->rf_lone, "%s is not a string",
	    f->rf_name);
	FUZZ_CHECK(f->rf_len == strlen(want) &&
	    memcmp(f->rf_value, want, f->rf_len) == 0, "%s is not \"%s\"",
	    f->rf_name, want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const webhooks[] = { "protocol", "a",
	    "Web.hook_1-x" };
	static const char *const keys[] = { "id", "type", "webhook" };
	struct ref_field	 f[5];
	struct spool_entry	 se;
	struct timespec		 when;
	struct event		 ev;
	struct tm		 tm;
	enum spool_result	 res;
	const char		*reason, *why;
	char			 name[SPOOL_NAME_MAX], received[64], date[32];
	char			*body, *flat, *file, *got[3];
	size_t			 flatlen, filelen, members, i;

	cur_data = data;
	cur_size = size;
	cur_line = NULL;
	if (event_parse((const char *)data, size, &ev, &reason) == -1)
		return 0;
	if ((body = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(body, data, size);
	flat = event_flatten(body, size, &flatlen);

	memset(&se, 0, sizeof(se));
	se.se_webhook = webhooks[size % 3];
	se.se_id = ev.ev_id;
	se.se_id_json = ev.ev_id_json;
	se.se_type_json = ev.ev_type_json;
	se.se_body = flat;
	se.se_bodylen = flatlen;
	reason = NULL;
	res = spool_deliver(sp, &se, 0, name, &when, &reason);
	FUZZ_CHECK(res == SPOOL_DELIVERED, "spool_deliver: %d (%s)", (int)res,
	    reason != NULL ? reason : "-");
	file = take_file(name, &filelen);
	cur_line = file;
	cur_linelen = filelen;

	/* one line */
	FUZZ_CHECK(filelen >= 2 && file[filelen - 1] == '\n',
	    "the file does not end in a newline");
	FUZZ_CHECK(memchr(file, '\n', filelen - 1) == NULL,
	    "the file holds more than one line");
	FUZZ_CHECK(memchr(file, '\r', filelen) == NULL, "the file holds a CR");

	/* valid JSON, the five members once each and in order */
	memset(f, 0, sizeof(f));
	f[0].rf_name = "received";
	f[1].rf_name = "webhook";
	f[2].rf_name = "id";
	f[3].rf_name = "type";
	f[4].rf_name = "event";
	why = NULL;
	FUZZ_CHECK(ref_json_object(file, filelen - 1, REF_JSON_MAX_DEPTH + 1, f,
	    5, &members, &why), "the line is not a JSON object: %s", why);
	FUZZ_CHECK(members == 5, "the line has %zu members", members);
	for (i = 0; i < 5; i++)
		FUZZ_CHECK(f[i].rf_count == 1 && (i == 0 ||
		    f[i].rf_raw > f[i - 1].rf_raw), "%s is not there once, "
		    "in its place", f[i].rf_name);

	/* their values */
	if (gmtime_r(&when.tv_sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		abort();
	snprintf(received, sizeof(received), "%s.%06ldZ", date,
	    when.tv_nsec / 1000);
	check_string(&f[0], received);
	check_string(&f[1], se.se_webhook);
	check_string(&f[2], ev.ev_id);
	check_string(&f[3], ev.ev_type);
	FUZZ_CHECK(f[4].rf_rawlen == flatlen &&
	    memcmp(f[4].rf_raw, flat, flatlen) == 0,
	    "event is not the flattened body");
	ref_json_clear(f, 5);

	/* what a drain reads back */
	FUZZ_CHECK(event_fields(file, filelen - 1, keys, got, 3, &reason) == 0,
	    "event_fields refuses the line: %s", reason);
	FUZZ_CHECK(got[0] != NULL && strcmp(got[0], ev.ev_id) == 0,
	    "the drain reads another id");
	FUZZ_CHECK(got[1] != NULL && strcmp(got[1], ev.ev_type) == 0,
	    "the drain reads another type");
	FUZZ_CHECK(got[2] != NULL && strcmp(got[2], se.se_webhook) == 0,
	    "the drain reads another webhook");
	for (i = 0; i < 3; i++)
		free(got[i]);

	/* what status reads back, of the whole line and of its head */
	FUZZ_CHECK(census_head(file, filelen, &got[0], &got[1]) == 0,
	    "census_head refuses the line");
	FUZZ_CHECK(strcmp(got[0], se.se_webhook) == 0 &&
	    strcmp(got[1], ev.ev_type) == 0, "status reads another webhook "
	    "or type: %s, %s", got[0], got[1]);
	free(got[0]);
	free(got[1]);
	FUZZ_CHECK(census_head(file, filelen < CENSUS_HEAD_MAX ? filelen :
	    CENSUS_HEAD_MAX, &got[0], &got[1]) == 0, "census_head refuses "
	    "the line's head");
	free(got[0]);
	free(got[1]);

	free(file);
	free(body);
	event_clear(&ev);
	return 0;
}
