/*
 * config.c: read hookspool.conf, an INI file of global settings and one
 * [webhook NAME] section per webhook.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "scheme.h"
#include "secret.h"


struct parser {
	const char	*p_path;
	unsigned	 p_line;
	char		*p_err;		/* the first global problem */
	size_t		 p_errlen;
	struct config	*p_cf;
	struct config_webhook *p_wh;	/* section being read, or NULL */
	unsigned	 p_wh_line;
	int		 p_wh_unsure;	/* a line of it may have been its path */
	int		 p_seen_global[8];
	int		 p_flags;	/* CONFIG_NO_SECRETS */
	int		 p_bad;		/* a global problem was found */
	const char	*p_last;	/* the last problem, in cf_problems */
};

static const char *global_keys[] = {
	"spool", "max_body", "fsync", "dedup", "group_readable", "keep",
	"log_accepted", "log_format"
};
_Static_assert(sizeof(global_keys) / sizeof(global_keys[0]) ==
    sizeof(((struct parser *)0)->p_seen_global) / sizeof(int),
    "one p_seen_global per global key");

static int perror_at(struct parser *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * A problem at the current line (or of the whole file, at line 0): kept in
 * cf_problems (up to
 * CONFIG_PROBLEMS_MAX) and as p_last; whose it is, the caller says
 * (broken() or global()). Returns -1.
 */
static int
perror_at(struct parser *p, const char *fmt, ...)
{
	struct config	 *cf = p->p_cf;
	va_list		  ap;
	char		  buf[CONFIG_ERR_MAX], *dup, **v;
	int		  n;

	if (p->p_line > 0)
		n = snprintf(buf, sizeof(buf), "%s:%u: ", p->p_path, p->p_line);
	else
		n = snprintf(buf, sizeof(buf), "%s: ", p->p_path);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	p->p_last = "out of memory";
	if (cf->cf_nproblems >= CONFIG_PROBLEMS_MAX) {
		p->p_last = cf->cf_problems[cf->cf_nproblems - 1];
		return -1;
	}
	if ((dup = strdup(buf)) == NULL || (v = reallocarray(cf->cf_problems,
	    cf->cf_nproblems + 1, sizeof(*v))) == NULL) {
		free(dup);
		return -1;
	}
	cf->cf_problems = v;
	v[cf->cf_nproblems++] = dup;
	p->p_last = dup;
	return -1;
}

/* The last problem makes the configuration unusable. */
static void
global(struct parser *p)
{
	if (!p->p_bad)
		snprintf(p->p_err, p->p_errlen, "%s", p->p_last);
	p->p_bad = 1;
}

/* The last problem breaks webhook wh alone (its first one is kept). */
static void
broken(struct parser *p, struct config_webhook *wh)
{
	if (wh->wh_broken == NULL &&
	    (wh->wh_broken = strdup(p->p_last)) == NULL)
		global(p);	/* out of memory */
}

/*
 * v as it may appear in an error: a value made only of the characters of
 * an ordinary path, else a placeholder. An error goes to logs and
 * terminals, and a value on a mangled line may hold a secret ("path = /a
 * secret = X") or bytes that forge log lines.
 */
static const char *
shown(const char *v)
{
	size_t	n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._/+@:~,-");

	return v[n] == '\0' && n < 256 ? v : "(not shown: it holds spaces or "
	    "unusual characters)";
}

static int
add_source(struct config *cf, const char *path, const struct stat *st)
{
	struct config_source	*src;

	src = reallocarray(cf->cf_sources, cf->cf_nsources + 1, sizeof(*src));
	if (src == NULL)
		return -1;
	cf->cf_sources = src;
	src += cf->cf_nsources;
	if ((src->src_path = strdup(path)) == NULL)
		return -1;
	src->src_dev = st->st_dev;
	src->src_ino = st->st_ino;
	src->src_size = st->st_size;
	src->src_mtime = st->st_mtim;
	cf->cf_nsources++;
	return 0;
}

static int
add_secret(struct parser *p, unsigned char *key, size_t len)
{
	struct config_webhook	*wh = p->p_wh;
	struct config_secret	*sec;

	sec = reallocarray(wh->wh_secrets, wh->wh_nsecrets + 1, sizeof(*sec));
	if (sec == NULL) {
		explicit_bzero(key, len);
		free(key);
		return perror_at(p, "out of memory");
	}
	wh->wh_secrets = sec;
	sec[wh->wh_nsecrets].sec_key = key;
	sec[wh->wh_nsecrets].sec_len = len;
	wh->wh_nsecrets++;
	return 0;
}

static int
secret_file(struct parser *p, const char *path)
{
	unsigned char	*key;
	size_t		 len;
	struct stat	 st;
	char		 why[CONFIG_ERR_MAX];

	if (path[0] != '/')
		return perror_at(p, "secret_file must be an absolute path");
	p->p_wh->wh_nsecret_files++;
	if (p->p_flags & CONFIG_NO_SECRETS)
		return 0;
	if (secret_read("secret_file", path, shown(path), 0, &key, &len, &st,
	    why, sizeof(why)) == -1)
		return perror_at(p, "%s", why);
	if (add_source(p->p_cf, path, &st) == -1) {
		explicit_bzero(key, len);
		free(key);
		return perror_at(p, "out of memory");
	}
	return add_secret(p, key, len);
}

/* "", "/" and "/a/b/" become "" and "/a/b"; NULL on a bad path. */
static char *
normalise_path(const char *path)
{
	char	*s;
	size_t	 n;

	if (path == NULL)
		path = "";
	if (path[0] != '\0' && path[0] != '/')
		return NULL;
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	s = strndup(path, n);
	return s;
}

static int
set_events(struct parser *p, char *value)
{
	struct config_webhook	*wh = p->p_wh;
	char			*tok, *save = NULL, **ev;

	for (tok = strtok_r(value, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		ev = reallocarray(wh->wh_events, wh->wh_nevents + 1, sizeof(*ev));
		if (ev == NULL)
			return perror_at(p, "out of memory");
		wh->wh_events = ev;
		if ((ev[wh->wh_nevents] = strdup(tok)) == NULL)
			return perror_at(p, "out of memory");
		wh->wh_nevents++;
	}
	if (wh->wh_nevents == 0)
		return perror_at(p, "events is empty");
	return 0;
}

static int
valid_header(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

const char *const config_opt_names[CONFIG_OPTS] = {
	"scheme", "tolerance", "prefix", "encoding",
	"id_header", "id_field", "type_header", "type_field",
	"algorithm", "url", "verify_token", "public_key"
};

static int
webhook_key(struct parser *p, const char *key, char *value)
{
	struct config_webhook	*wh = p->p_wh;
	const char		*reason;
	char			*dup;
	size_t			 i;

	for (i = 0; i < CONFIG_OPTS; i++) {
		if (strcmp(key, config_opt_names[i]) != 0)
			continue;
		if (wh->wh_opt[i] != NULL)
			return perror_at(p, "%s given twice", key);
		if ((wh->wh_opt[i] = strdup(value)) == NULL)
			return perror_at(p, "out of memory");
		return 0;
	}

	if (strcmp(key, "secret_file") == 0)
		return secret_file(p, value);
	if (strcmp(key, "secret") == 0) {
		if ((dup = strdup(value)) == NULL)
			return perror_at(p, "out of memory");
		wh->wh_inline_secret = 1;
		return add_secret(p, (unsigned char *)dup, strlen(dup));
	}
	if (strcmp(key, "events") == 0) {
		if (wh->wh_events != NULL)
			return perror_at(p, "events given twice");
		return set_events(p, value);
	}
	if (strcmp(key, "path") == 0) {
		if (wh->wh_path != NULL)
			return perror_at(p, "path given twice");
		if ((wh->wh_path = normalise_path(value)) == NULL)
			return perror_at(p, "path must start with /");
		return 0;
	}
	if (strcmp(key, "header") == 0) {
		if (wh->wh_header != NULL)
			return perror_at(p, "header given twice");
		if (!valid_header(value))
			return perror_at(p, "header must be a header name");
		if ((wh->wh_header = strdup(value)) == NULL)
			return perror_at(p, "out of memory");
		return 0;
	}
	if (strcmp(key, "keep") == 0) {
		if (wh->wh_keep != -1)
			return perror_at(p, "keep given twice");
		if (config_parse_duration(value, 0, CONFIG_KEEP_MAX,
		    &wh->wh_keep, &reason) == -1) {
			wh->wh_keep = -1;
			return perror_at(p, "keep: %s", reason);
		}
		return 0;
	}
	if (strcmp(key, "spool") == 0) {
		if (wh->wh_spool != NULL)
			return perror_at(p, "spool given twice");
		if (value[0] != '/')
			return perror_at(p, "spool must be an absolute path");
		if ((wh->wh_spool = strdup(value)) == NULL)
			return perror_at(p, "out of memory");
		return 0;
	}
	for (i = 0; i < sizeof(global_keys) / sizeof(global_keys[0]); i++)
		if (strcmp(key, global_keys[i]) == 0)
			return perror_at(p, "%s is a global setting: move it "
			    "above the first [webhook] section", key);
	return perror_at(p, "unknown key '%s' in a webhook section", key);
}

static int
global_key(struct parser *p, const char *key, const char *value)
{
	struct config		*cf = p->p_cf;
	unsigned long long	 size;
	const char		*reason;
	size_t			 i;
	int			*flag = NULL;

	for (i = 0; i < sizeof(global_keys) / sizeof(global_keys[0]); i++)
		if (strcmp(key, global_keys[i]) == 0)
			break;
	if (i == sizeof(global_keys) / sizeof(global_keys[0]))
		return perror_at(p, "unknown key '%s'", key);
	if (p->p_seen_global[i]++)
		return perror_at(p, "%s given twice", key);

	if (strcmp(key, "spool") == 0) {
		if (value[0] != '/')
			return perror_at(p, "spool must be an absolute path");
		if ((cf->cf_spool = strdup(value)) == NULL)
			return perror_at(p, "out of memory");
		return 0;
	}
	if (strcmp(key, "max_body") == 0) {
		if (config_parse_size(value, 1, 1024ULL * 1024 * 1024, &size,
		    &reason) == -1)
			return perror_at(p, "max_body: %s", reason);
		cf->cf_max_body = size;
		return 0;
	}
	if (strcmp(key, "keep") == 0) {
		if (config_parse_duration(value, 0, CONFIG_KEEP_MAX,
		    &cf->cf_keep, &reason) == -1)
			return perror_at(p, "keep: %s", reason);
		return 0;
	}
	if (strcmp(key, "log_format") == 0) {
		if (strcmp(value, "text") == 0)
			cf->cf_log_json = 0;
		else if (strcmp(value, "json") == 0)
			cf->cf_log_json = 1;
		else
			return perror_at(p, "log_format must be text or json");
		return 0;
	}
	if (strcmp(key, "fsync") == 0)
		flag = &cf->cf_fsync;
	else if (strcmp(key, "dedup") == 0)
		flag = &cf->cf_dedup;
	else if (strcmp(key, "log_accepted") == 0)
		flag = &cf->cf_log_accepted;
	else
		flag = &cf->cf_group_readable;
	if (config_parse_bool(value, flag) == -1)
		return perror_at(p, "%s must be yes or no", key);
	return 0;
}

static int
valid_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return 0;
	return 1;
}

static void
webhook_clear(struct config_webhook *wh)
{
	size_t	i;

	free(wh->wh_name);
	free(wh->wh_path);
	free(wh->wh_spool);
	free(wh->wh_header);
	free(wh->wh_cgi_header);
	for (i = 0; i < CONFIG_OPTS; i++)
		free(wh->wh_opt[i]);
	free(wh->wh_id_cgi);
	free(wh->wh_type_cgi);
	free(wh->wh_broken);
	for (i = 0; i < wh->wh_nevents; i++)
		free(wh->wh_events[i]);
	free(wh->wh_events);
	for (i = 0; i < wh->wh_nsecrets; i++) {
		explicit_bzero(wh->wh_secrets[i].sec_key,
		    wh->wh_secrets[i].sec_len);
		free(wh->wh_secrets[i].sec_key);
	}
	free(wh->wh_secrets);
}

/*
 * The checks of a complete webhook section, reported at its header: what
 * concerns the webhook alone breaks it, two webhooks on one path break
 * the configuration.
 */
static void
end_section(struct parser *p)
{
	struct config		*cf = p->p_cf;
	struct config_webhook	*wh = p->p_wh, *prev;
	const char		*reason;
	unsigned		 line = p->p_line;

	if (wh == NULL)
		return;
	p->p_line = p->p_wh_line;
	/* A path in doubt is settled by finish(), once all paths are known. */
	if (wh->wh_broken == NULL || wh->wh_path != NULL || !p->p_wh_unsure) {
		if (wh->wh_path == NULL && (wh->wh_path = strdup("")) == NULL) {
			perror_at(p, "out of memory");
			global(p);
		}
	}
	if (wh->wh_nsecrets == 0 && wh->wh_nsecret_files == 0 &&
	    wh->wh_opt[CONFIG_OPT_PUBLIC_KEY] == NULL &&
	    perror_at(p, "webhook %s has no secret, secret_file or "
	    "public_key", wh->wh_name) == -1)
		broken(p, wh);
	if (wh->wh_spool == NULL && cf->cf_spool == NULL &&
	    perror_at(p, "spool is required (for webhook %s)",
	    wh->wh_name) == -1)
		broken(p, wh);
	for (prev = cf->cf_webhooks; prev < wh && wh->wh_path != NULL; prev++)
		if (prev->wh_path != NULL &&
		    strcmp(prev->wh_path, wh->wh_path) == 0) {
			perror_at(p, "webhooks %s and %s have the same path "
			    "'%s'", prev->wh_name, wh->wh_name,
			    wh->wh_path[0] != '\0' ? shown(wh->wh_path) : "/");
			global(p);
		}
	if (wh->wh_broken == NULL && scheme_configure(wh, &reason) == -1 &&
	    perror_at(p, "webhook %s: %s", wh->wh_name, reason) == -1)
		broken(p, wh);
	p->p_line = line;
	p->p_wh = NULL;
}

static int
section(struct parser *p, char *line)
{
	struct config		*cf = p->p_cf;
	struct config_webhook	*wh;
	size_t			 n = strlen(line), i;
	char			*name;

	end_section(p);
	if (line[n - 1] != ']')
		return perror_at(p, "section header must end with ]");
	line[n - 1] = '\0';
	if (strncmp(line + 1, "webhook", 7) != 0 ||
	    (line[8] != ' ' && line[8] != '\t'))
		return perror_at(p, "unknown section (use [webhook NAME])");
	name = line + 9;
	while (*name == ' ' || *name == '\t')
		name++;
	n = strlen(name);
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		name[--n] = '\0';
	if (!valid_name(name))
		return perror_at(p, "webhook name must be letters, digits, '.', '_' or '-'");
	for (i = 0; i < cf->cf_nwebhooks; i++)
		if (strcmp(cf->cf_webhooks[i].wh_name, name) == 0)
			return perror_at(p, "webhook %s defined twice", name);
	wh = reallocarray(cf->cf_webhooks, cf->cf_nwebhooks + 1, sizeof(*wh));
	if (wh == NULL)
		return perror_at(p, "out of memory");
	cf->cf_webhooks = wh;
	wh += cf->cf_nwebhooks++;
	memset(wh, 0, sizeof(*wh));
	wh->wh_keep = -1;	/* the global one, unless it has its own */
	if ((wh->wh_name = strdup(name)) == NULL)
		return perror_at(p, "out of memory");
	p->p_wh = wh;
	p->p_wh_line = p->p_line;
	p->p_wh_unsure = 0;
	return 0;
}

/* Strip a comment: '#' at the start or after white space. */
static void
strip_comment(char *line)
{
	char	*s;

	for (s = line; *s != '\0'; s++) {
		if (*s == '#' && (s == line || *(s - 1) == ' ' || *(s - 1) == '\t')) {
			*s = '\0';
			return;
		}
	}
}

static char *
trim(char *s)
{
	size_t	n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* A key = value line, or -1 with *known set when its key could be read. */
static int
key_line(struct parser *p, char *line, int *known)
{
	char	*key, *value, *eq;

	*known = 0;
	if ((eq = strchr(line, '=')) == NULL)
		return perror_at(p, "expected key = value");
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (*key == '\0')
		return perror_at(p, "expected key = value");
	/* Echo only what looks like a key: a mangled line may hold a secret. */
	if (strspn(key, "abcdefghijklmnopqrstuvwxyz_") != strlen(key) ||
	    strlen(key) > 32)
		return perror_at(p, "malformed key (keys are lower-case words "
		    "such as secret_file)");
	*known = strcmp(key, "path") != 0;
	/* An empty path is "/", as the spec says; nothing else may be empty. */
	if (*value == '\0' && (p->p_wh == NULL || strcmp(key, "path") != 0))
		return perror_at(p, "%s has no value", key);
	if (p->p_wh != NULL)
		return webhook_key(p, key, value);
	return global_key(p, key, value);
}

/*
 * One line. A problem inside a webhook section breaks that webhook; one
 * whose key could not be read, or a bad path, leaves its path in doubt.
 */
static void
parse_line(struct parser *p, char *line)
{
	struct config_webhook	*wh = p->p_wh;
	int			 known;

	strip_comment(line);
	line = trim(line);
	if (*line == '\0')
		return;
	if (*line == '[') {
		if (section(p, line) == -1)
			global(p);
		return;
	}
	if (key_line(p, line, &known) == 0)
		return;
	if (wh == NULL) {
		global(p);
		return;
	}
	broken(p, wh);
	if (!known)
		p->p_wh_unsure = 1;
}

/* Defaults and cross-checks once the whole file is read. */
static int
finish(struct parser *p)
{
	struct config		*cf = p->p_cf;
	struct config_webhook	*wh;
	size_t			 i;

	if (cf->cf_nwebhooks == 0) {
		p->p_line = 0;
		perror_at(p, "no [webhook NAME] section");
		global(p);
		return -1;
	}
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		wh = &cf->cf_webhooks[i];
		/*
		 * A broken webhook whose path line may be the broken one takes
		 * "/" if no other does (its requests then get 500), else no
		 * path: it must not take requests meant for another.
		 */
		if (wh->wh_path == NULL && config_find_webhook(cf, "") == NULL &&
		    (wh->wh_path = strdup("")) == NULL)
			goto nomem;
		if (wh->wh_keep == -1)
			wh->wh_keep = cf->cf_keep;
		/* a broken webhook may have no spool: the verbs skip it */
		if (wh->wh_spool == NULL && cf->cf_spool != NULL &&
		    (wh->wh_spool = strdup(cf->cf_spool)) == NULL)
			goto nomem;
		if (wh->wh_header == NULL &&
		    (wh->wh_header = strdup(CONFIG_DEFAULT_HEADER)) == NULL)
			goto nomem;
		if ((wh->wh_cgi_header = scheme_cgi_name(wh->wh_header)) == NULL)
			goto nomem;
		if (wh->wh_events == NULL) {
			if ((wh->wh_events = calloc(1, sizeof(char *))) == NULL ||
			    (wh->wh_events[0] = strdup("*")) == NULL)
				goto nomem;
			wh->wh_nevents = 1;
		}
	}
	return 0;
nomem:
	snprintf(p->p_err, p->p_errlen, "%s: out of memory", p->p_path);
	return -1;
}

int
config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	return config_load_flags(path, 0, out, err, errlen);
}

/*
 * Read fp, the config at path, line by line into p (set up by the
 * caller). Returns 0 when read to the end (its problems are in p), -1
 * with err set when it could not be read.
 */
static int
read_lines(struct parser *p, FILE *fp, char *err, size_t errlen)
{
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	int		 rc = 0;

	while ((n = getline(&line, &cap, fp)) != -1) {
		p->p_line++;
		if (memchr(line, '\0', n) != NULL) {
			perror_at(p, "NUL byte in line");
			global(p);
			continue;
		}
		parse_line(p, line);
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: unable to read: %s", p->p_path,
		    strerror(errno));
		rc = -1;
	}
	/* An inline secret passed through this buffer: wipe it. */
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	if (rc == 0) {
		end_section(p);
		(void)finish(p);
	}
	return rc;
}

/*
 * Read the config at path into a new config, *cfp (freed by the caller,
 * also on failure; NULL when out of memory). Returns 0 when it could be
 * read (p->p_bad says whether it is usable), -1 with err set when not.
 */
static int
load(struct parser *p, const char *path, int flags, struct config **cfp,
    char *err, size_t errlen)
{
	struct config	*cf;
	struct stat	 st;
	FILE		*fp = NULL;
	char		 iobuf[BUFSIZ];
	int		 rc = -1;

	memset(p, 0, sizeof(*p));
	p->p_path = path;
	p->p_flags = flags;
	p->p_err = err;
	p->p_errlen = errlen;
	if ((*cfp = cf = calloc(1, sizeof(*cf))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	p->p_cf = cf;
	cf->cf_max_body = CONFIG_DEFAULT_MAX_BODY;
	cf->cf_fsync = 1;
	cf->cf_dedup = 1;
	if ((cf->cf_path = strdup(path)) == NULL)
		snprintf(err, errlen, "%s: out of memory", path);
	else if ((fp = fopen(path, "re")) == NULL)
		snprintf(err, errlen, "%s: unable to open: %s", path,
		    strerror(errno));
	else if (setvbuf(fp, iobuf, _IOFBF, sizeof(iobuf)) != 0)
		snprintf(err, errlen, "%s: out of memory", path);
	else if (fstat(fileno(fp), &st) == -1 || add_source(cf, path, &st) == -1)
		snprintf(err, errlen, "%s: unable to stat: %s", path,
		    strerror(errno));
	else
		rc = read_lines(p, fp, err, errlen);
	if (fp != NULL)
		fclose(fp);
	explicit_bzero(iobuf, sizeof(iobuf));
	return rc;
}

int
config_load_flags(const char *path, int flags, struct config **out,
    char *err, size_t errlen)
{
	struct parser	 p;
	struct config	*cf;

	if (load(&p, path, flags, &cf, err, errlen) == -1 || p.p_bad) {
		config_free(cf);
		return -1;
	}
	*out = cf;
	return 0;
}

int
config_problems(const char *path, int flags,
    void (*fn)(void *arg, const char *problem), void *arg)
{
	struct parser	 p;
	struct config	*cf;
	char		 err[CONFIG_ERR_MAX];
	size_t		 i;
	int		 n;

	if (load(&p, path, flags, &cf, err, sizeof(err)) == -1) {
		fn(arg, err);
		config_free(cf);
		return -1;
	}
	for (i = 0; i < cf->cf_nproblems; i++)
		fn(arg, cf->cf_problems[i]);
	n = (int)cf->cf_nproblems;
	config_free(cf);
	return n;
}

const struct config_webhook *
config_find_webhook(const struct config *cf, const char *path_info)
{
	size_t	n, i;

	if (path_info == NULL)
		path_info = "";
	n = strlen(path_info);
	while (n > 0 && path_info[n - 1] == '/')
		n--;
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		if (cf->cf_webhooks[i].wh_path == NULL)
			continue;	/* broken where its path was */
		if (strlen(cf->cf_webhooks[i].wh_path) == n &&
		    strncmp(cf->cf_webhooks[i].wh_path, path_info, n) == 0)
			return &cf->cf_webhooks[i];
	}
	return NULL;
}

void
config_free(struct config *cf)
{
	size_t	i;

	if (cf == NULL)
		return;
	for (i = 0; i < cf->cf_nwebhooks; i++)
		webhook_clear(&cf->cf_webhooks[i]);
	free(cf->cf_webhooks);
	for (i = 0; i < cf->cf_nsources; i++)
		free(cf->cf_sources[i].src_path);
	free(cf->cf_sources);
	for (i = 0; i < cf->cf_nproblems; i++)
		free(cf->cf_problems[i]);
	free(cf->cf_problems);
	free(cf->cf_spool);
	free(cf->cf_path);
	free(cf);
}
