/*
 * fuzz_config.c: config_load() on arbitrary bytes, written to a memfd and
 * read back through /proc/self/fd/N as any config file is.
 *
 * Properties:
 *  - It returns 0 or -1, and leaks no memory and no file descriptor.
 *  - On -1: *out is untouched and the error is non-empty, NUL-terminated
 *    within the buffer, printable ASCII, and starts with "PATH:LINE: "
 *    (LINE a line of the input) or "PATH: ". Loaded again with a small
 *    buffer it gives the same error, cut short.
 *  - It never echoes a secret: an error holds the canary "SEKRIT" only if
 *    the input has it somewhere other than after a "secret =" on its line
 *    (a webhook's name, say), where the error may have taken it from.
 *  - On 0: at least one webhook; every webhook has a name of [A-Za-z0-9._-].
 *    One that is usable (not wh_broken) has at least one non-empty secret,
 *    an absolute spool, a normalised path ("" or "/a/b") no other webhook
 *    has, a valid header and its CGI name, at least one events pattern,
 *    and config_find_webhook() finds it by path. A broken one's problem,
 *    and every problem in cf_problems, is an error as above; its path, if
 *    it has one, is normalised, its own, and finds it.
 *
 * An input that names anything under /dev, /proc, /sys or /run is skipped:
 * a secret_file there could block (a FIFO, a terminal) or touch a device.
 */
#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

#define CANARY		"SEKRIT"

static int		 conf_fd = -1;
static char		 conf_path[64];
static const uint8_t	*cur_data;
static size_t		 cur_size;
static const char	*cur_err;

static void
fuzz_report(void)
{
	fuzz_dump("config", cur_data, cur_size);
	if (cur_err != NULL)
		fuzz_dump("error", cur_err, strlen(cur_err));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if ((conf_fd = memfd_create("hookspool.conf", MFD_CLOEXEC)) == -1) {
		perror("fuzz_config: memfd_create");
		abort();
	}
	snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d", conf_fd);
	return 0;
}

static void
write_config(const uint8_t *data, size_t size)
{
	size_t	off = 0;
	ssize_t	n;

	if (ftruncate(conf_fd, 0) == -1)
		abort();
	while (off < size) {
		if ((n = pwrite(conf_fd, data + off, size - off, (off_t)off)) <= 0)
			abort();
		off += (size_t)n;
	}
}

/* The lowest free descriptor: the same before and after, or one leaked. */
static int
free_fd(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		abort();
	close(fd);
	return fd;
}

/* The number of lines getline() sees in the input. */
static unsigned
count_lines(const uint8_t *data, size_t size)
{
	unsigned	n = 0;
	size_t		i;

	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	return n + (size > 0 && data[size - 1] != '\n');
}

/*
 * Where the first "secret", blanks, "=" of line[0..len) starts (len if there
 * is none): what follows it on the line may be an inline secret.
 */
static size_t
secret_start(const uint8_t *line, size_t len)
{
	size_t	i, j;

	for (i = 0; i + 6 <= len; i++) {
		if (memcmp(line + i, "secret", 6) != 0)
			continue;
		for (j = i + 6; j < len && (line[j] == ' ' || line[j] == '\t');
		    j++)
			;
		if (j < len && line[j] == '=')
			return i;
	}
	return len;
}

/*
 * Whether the canary is somewhere in the input other than after a
 * "secret =" on its line: then an error may quote it from there.
 */
static int
canary_in_the_open(const uint8_t *data, size_t size)
{
	const uint8_t	*line = data, *end;
	size_t		 len;

	while (line < data + size) {
		end = memchr(line, '\n', (size_t)(data + size - line));
		len = end != NULL ? (size_t)(end - line) :
		    (size_t)(data + size - line);
		if (memmem(line, secret_start(line, len), CANARY,
		    strlen(CANARY)) != NULL)
			return 1;
		line += len + 1;
	}
	return 0;
}

static void
check_error(const char *err, size_t errlen, const uint8_t *data, size_t size)
{
	size_t		 len, plen = strlen(conf_path), i;
	unsigned long	 line;
	const char	*s;
	char		*end;

	len = strnlen(err, errlen);
	FUZZ_CHECK(len < errlen, "the error is not NUL-terminated");
	cur_err = err;
	FUZZ_CHECK(len > 0, "the error is empty");
	for (i = 0; i < len; i++)
		FUZZ_CHECK(err[i] >= 0x20 && err[i] < 0x7f,
		    "byte %zu of the error is not printable ASCII: 0x%02x", i,
		    (unsigned char)err[i]);
	FUZZ_CHECK(strncmp(err, conf_path, plen) == 0 && err[plen] == ':',
	    "the error does not start with the file's name");
	s = err + plen + 1;
	if (isdigit((unsigned char)*s)) {
		line = strtoul(s, &end, 10);
		FUZZ_CHECK(line >= 1 && line <= count_lines(data, size),
		    "line %lu is not a line of the input", line);
		s = end;
		FUZZ_CHECK(*s == ':', "no ':' after the line number");
		s++;
	}
	FUZZ_CHECK(s[0] == ' ' && s[1] != '\0' && s[1] != ' ',
	    "no reason after the file's name");
	FUZZ_CHECK(strstr(err, CANARY) == NULL ||
	    canary_in_the_open(data, size), "the error echoes a secret");
	cur_err = NULL;
}

/* wh's path: normalised, no other webhook's, and it finds wh. */
static void
check_path(const struct config *cf, const struct config_webhook *wh)
{
	const struct config_webhook	*other;
	char				 slash[4096];
	size_t				 n = strlen(wh->wh_path);

	FUZZ_CHECK(n == 0 || (wh->wh_path[0] == '/' &&
	    wh->wh_path[n - 1] != '/'), "webhook %s: path '%s'", wh->wh_name,
	    wh->wh_path);
	for (other = cf->cf_webhooks; other < wh; other++) {
		FUZZ_CHECK(strcmp(other->wh_name, wh->wh_name) != 0,
		    "webhook %s twice", wh->wh_name);
		FUZZ_CHECK(other->wh_path == NULL ||
		    strcmp(other->wh_path, wh->wh_path) != 0,
		    "webhooks %s and %s share a path", other->wh_name,
		    wh->wh_name);
	}
	FUZZ_CHECK(config_find_webhook(cf, wh->wh_path) == wh,
	    "webhook %s not found by its path", wh->wh_name);
	if (n + 2 < sizeof(slash)) {
		memcpy(slash, wh->wh_path, n);
		memcpy(slash + n, "/", 2);
		FUZZ_CHECK(config_find_webhook(cf, slash) == wh,
		    "webhook %s not found by its path and a slash",
		    wh->wh_name);
	}
}

/* A broken webhook: its problem is an error as any, its path its own. */
static void
check_broken(const struct config *cf, const struct config_webhook *wh,
    const uint8_t *data, size_t size)
{
	check_error(wh->wh_broken, strlen(wh->wh_broken) + 1, data, size);
	if (wh->wh_path != NULL)
		check_path(cf, wh);
}

static void
check_config(const struct config *cf, const uint8_t *data, size_t size)
{
	const struct config_webhook	*wh;
	const char			*s;
	size_t				 i, j, n;

	FUZZ_CHECK(cf->cf_nwebhooks >= 1, "no webhook");
	FUZZ_CHECK(cf->cf_spool == NULL || cf->cf_spool[0] == '/',
	    "a relative global spool");
	FUZZ_CHECK(cf->cf_max_body >= 1 && cf->cf_max_body <= 1024UL * 1024 * 1024,
	    "max_body %zu", cf->cf_max_body);
	FUZZ_CHECK(cf->cf_nsources >= 1 &&
	    strcmp(cf->cf_sources[0].src_path, conf_path) == 0,
	    "the config is not its first source");
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		wh = &cf->cf_webhooks[i];
		FUZZ_CHECK(wh->wh_name != NULL && wh->wh_name[0] != '\0',
		    "webhook %zu has no name", i);
		for (s = wh->wh_name; *s != '\0'; s++)
			FUZZ_CHECK(isalnum((unsigned char)*s) ||
			    strchr("._-", *s) != NULL, "webhook name '%s'",
			    wh->wh_name);
		if (wh->wh_broken != NULL) {
			check_broken(cf, wh, data, size);
			continue;
		}
		FUZZ_CHECK(wh->wh_nsecrets >= 1, "webhook %s has no secret",
		    wh->wh_name);
		for (j = 0; j < wh->wh_nsecrets; j++)
			FUZZ_CHECK(wh->wh_secrets[j].sec_key != NULL &&
			    wh->wh_secrets[j].sec_len >= 1 &&
			    wh->wh_secrets[j].sec_len <= 64 * 1024,
			    "webhook %s: secret %zu is empty or too long",
			    wh->wh_name, j);
		FUZZ_CHECK(wh->wh_spool != NULL && wh->wh_spool[0] == '/',
		    "webhook %s: spool is not absolute", wh->wh_name);
		FUZZ_CHECK(wh->wh_path != NULL, "webhook %s: no path",
		    wh->wh_name);
		n = strlen(wh->wh_path);
		FUZZ_CHECK(n == 0 || (wh->wh_path[0] == '/' &&
		    wh->wh_path[n - 1] != '/'), "webhook %s: path '%s'",
		    wh->wh_name, wh->wh_path);
		FUZZ_CHECK(wh->wh_header != NULL && wh->wh_header[0] != '\0' &&
		    strspn(wh->wh_header, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
		    strlen(wh->wh_header), "webhook %s: header", wh->wh_name);
		FUZZ_CHECK(wh->wh_cgi_header != NULL &&
		    strncmp(wh->wh_cgi_header, "HTTP_", 5) == 0 &&
		    strlen(wh->wh_cgi_header) == 5 + strlen(wh->wh_header),
		    "webhook %s: CGI header", wh->wh_name);
		for (j = 0; wh->wh_header[j] != '\0'; j++)
			FUZZ_CHECK(wh->wh_cgi_header[5 + j] ==
			    (wh->wh_header[j] == '-' ? '_' :
			    toupper((unsigned char)wh->wh_header[j])),
			    "webhook %s: CGI header %s", wh->wh_name,
			    wh->wh_cgi_header);
		FUZZ_CHECK(wh->wh_nevents >= 1, "webhook %s: no events",
		    wh->wh_name);
		for (j = 0; j < wh->wh_nevents; j++)
			FUZZ_CHECK(wh->wh_events[j] != NULL &&
			    wh->wh_events[j][0] != '\0', "webhook %s: an "
			    "empty events pattern", wh->wh_name);
		check_path(cf, wh);
	}
	for (i = 0; i < cf->cf_nproblems; i++)
		check_error(cf->cf_problems[i], strlen(cf->cf_problems[i]) + 1,
		    data, size);
}

static int
names_a_device(const uint8_t *data, size_t size)
{
	static const char *const dirs[] = { "/dev", "/proc", "/sys", "/run" };
	size_t	i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (memmem(data, size, dirs[i], strlen(dirs[i])) != NULL)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cf, *const untouched = (struct config *)&cf;
	char		*err, *err2;
	size_t		 small, len, len2;
	int		 fd, rc;

	cur_data = data;
	cur_size = size;
	cur_err = NULL;
	if (names_a_device(data, size))
		return 0;
	write_config(data, size);
	fd = free_fd();

	/* The buffer has exactly CONFIG_ERR_MAX bytes, none of them 0. */
	if ((err = malloc(CONFIG_ERR_MAX)) == NULL)
		abort();
	memset(err, 0x7f, CONFIG_ERR_MAX);
	cf = untouched;
	rc = config_load(conf_path, &cf, err, CONFIG_ERR_MAX);
	FUZZ_CHECK(rc == 0 || rc == -1, "config_load returned %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(cf != untouched && cf != NULL, "no config");
		check_config(cf, data, size);
		config_free(cf);
	} else {
		FUZZ_CHECK(cf == untouched, "*out changed on failure");
		check_error(err, CONFIG_ERR_MAX, data, size);

		/* again, into a buffer too small for most errors */
		small = 1 + size % 48;
		if ((err2 = malloc(small)) == NULL)
			abort();
		memset(err2, 0x7f, small);
		rc = config_load(conf_path, &cf, err2, small);
		cur_err = err;
		FUZZ_CHECK(rc == -1 && cf == untouched,
		    "the second load did not fail as the first");
		len = strlen(err);
		len2 = strnlen(err2, small);
		FUZZ_CHECK(len2 < small, "a %zu-byte error buffer is not "
		    "NUL-terminated", small);
		FUZZ_CHECK(len2 == (len < small ? len : small - 1) &&
		    memcmp(err, err2, len2) == 0, "in %zu bytes the error is "
		    "not the same error cut short: \"%s\"", small, err2);
		cur_err = NULL;
		free(err2);
	}
	FUZZ_CHECK(free_fd() == fd, "a file descriptor was left open");
	free(err);
	return 0;
}
