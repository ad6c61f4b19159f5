/*
 * config.h: the hookspool.conf file (INI style, see hookspool.conf(5)).
 */
#ifndef HOOKSPOOL_CONFIG_H
#define HOOKSPOOL_CONFIG_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define CONFIG_ERR_MAX		512
#define CONFIG_DEFAULT_HEADER	"x-protocol-signature"
#define CONFIG_DEFAULT_MAX_BODY	(1024 * 1024)
/* The longest keep = D. */
#define CONFIG_KEEP_MAX		(3650LL * 86400)

struct config_secret {
	unsigned char	*sec_key;	/* key bytes, wiped on free */
	size_t		 sec_len;
};

/* A webhook's scheme settings, as written; scheme.c checks and reads them. */
enum config_opt {
	CONFIG_OPT_SCHEME = 0,
	CONFIG_OPT_TOLERANCE,
	CONFIG_OPT_PREFIX,
	CONFIG_OPT_ENCODING,
	CONFIG_OPT_ID_HEADER,
	CONFIG_OPT_ID_FIELD,
	CONFIG_OPT_TYPE_HEADER,
	CONFIG_OPT_TYPE_FIELD,
	CONFIG_OPT_ALGORITHM,
	CONFIG_OPT_URL,
	CONFIG_OPT_VERIFY_TOKEN,
	CONFIG_OPT_PUBLIC_KEY,
	CONFIG_OPTS
};

/* Their keys in hookspool.conf, indexed by enum config_opt. */
extern const char *const config_opt_names[CONFIG_OPTS];

struct config_webhook {
	char			*wh_name;
	char			*wh_path;	/* normalised: "" or "/a/b" */
	char			*wh_spool;	/* own spool or the global one */
	char			*wh_header;	/* header name as configured */
	char			*wh_cgi_header;	/* HTTP_X_PROTOCOL_SIGNATURE */
	char			**wh_events;	/* fnmatch(3) patterns */
	size_t			 wh_nevents;
	struct config_secret	*wh_secrets;
	size_t			 wh_nsecrets;
	/* secret_file lines; their keys are in wh_secrets too, but for
	 * a config loaded with CONFIG_NO_SECRETS */
	size_t			 wh_nsecret_files;
	int			 wh_inline_secret; /* some secret is inline */
	char			*wh_opt[CONFIG_OPTS];	/* as written, or NULL */
	/*
	 * Seconds its done events are kept in done/ (keep = D): its own
	 * keep line, else the global one; 0: none kept.
	 */
	long long		 wh_keep;
	/* set by scheme_configure() when the section is complete: */
	int			 wh_scheme;	/* its index in scheme.c */
	long long		 wh_tolerance;	/* seconds, timed schemes */
	char			*wh_id_cgi;	/* hmac: id_header's CGI name */
	char			*wh_type_cgi;	/* hmac: type_header's */
	/*
	 * Why this webhook cannot be used ("file:line: reason", its first
	 * problem), or NULL. A broken webhook is answered 500 and the others
	 * work on. Its wh_path is NULL when a problem may have hidden its
	 * path line (a line whose key could not be read, or a bad path): it
	 * then matches no request rather than one meant for another.
	 */
	char			*wh_broken;
};

/* A file the configuration was read from; its change triggers a reload. */
struct config_source {
	char		*src_path;
	dev_t		 src_dev;
	ino_t		 src_ino;
	off_t		 src_size;
	struct timespec	 src_mtime;
};

struct config {
	char			*cf_path;
	char			*cf_spool;
	size_t			 cf_max_body;
	int			 cf_fsync;
	int			 cf_dedup;
	int			 cf_group_readable;
	long long		 cf_keep;	/* keep = D, seconds; 0: none */
	int			 cf_log_accepted;	/* log 2xx accepted too */
	int			 cf_log_json;	/* log_format = json */
	struct config_webhook	*cf_webhooks;
	size_t			 cf_nwebhooks;
	struct config_source	*cf_sources;	/* [0] is the config itself */
	size_t			 cf_nsources;
	/* Every problem found, "file:line: reason", in the file's order. */
	char			**cf_problems;
	size_t			 cf_nproblems;
};

/* The most problems one load keeps. */
#define CONFIG_PROBLEMS_MAX	100

/*
 * Read and validate the configuration at path, and the secret files it
 * names, to the end whatever it finds. A problem inside a [webhook]
 * section (a bad or unknown key, a secret file that cannot be read, a
 * setting its scheme refuses) breaks that webhook alone (wh_broken); any
 * other (a global setting, a section header, two webhooks on one path, no
 * webhook at all) makes the configuration unusable. On success (no such
 * problem) *out is a new config the caller frees with config_free(); its
 * cf_problems list the problems of broken webhooks. On failure returns -1
 * and writes the first problem, "file:line: reason" (or "file: reason"),
 * to err, a buffer of errlen bytes; *out is untouched.
 */
int config_load(const char *path, struct config **out, char *err, size_t errlen);

/* config_load_flags(): leave the secret files alone. */
#define CONFIG_NO_SECRETS	0x1

/*
 * config_load(), with flags. CONFIG_NO_SECRETS: each secret_file line is
 * judged as written (an absolute path) and counted in wh_nsecret_files,
 * but the file is not opened, nor made a source of the config; wh_secrets
 * then holds the inline secrets only. Everything else is validated
 * exactly as config_load() does. For the verbs that need no key (drain and
 * the rest of the cron side), which can so run where the secret files are
 * hidden from them.
 */
int config_load_flags(const char *path, int flags, struct config **out,
    char *err, size_t errlen);

/*
 * Every problem of the configuration at path, as config_load_flags() with
 * flags finds them, global ones and broken webhooks alike: fn is called
 * with each ("file:line: reason") in the file's order. Returns how many
 * there are (0: the configuration is fine), or -1 when it cannot be read
 * at all (fn was told why).
 */
int config_problems(const char *path, int flags,
    void (*fn)(void *arg, const char *problem), void *arg);

/*
 * Whether any file the config was read from has changed (modification time,
 * size or inode) or vanished since config_load(), or the config has a
 * broken webhook (a secret file that was missing may be there now). cf may
 * be NULL (returns 1).
 */
int config_changed(const struct config *cf);

/*
 * Where the configuration is: opt (-c) if not NULL, else HOOKSPOOL_CONFIG
 * from the process's environment if set and not empty, else hookspool.conf
 * in the folder of the running executable if it exists (symlinks
 * resolved), else SYSCONFDIR/hookspool.conf. The result is opt, the
 * environment's string, or a static buffer that the next call reuses.
 */
const char *config_locate(const char *opt);

/*
 * The webhook whose path matches path_info (NULL, "", "/" and a trailing
 * slash are normalised as in config paths), or NULL. The result belongs to cf.
 */
const struct config_webhook *config_find_webhook(const struct config *cf,
    const char *path_info);

/* Frees cf and wipes its secrets. cf may be NULL. */
void config_free(struct config *cf);

/*
 * Parse a size ("512", "64k", "1M", "1G"; k = 1024) into *out, between
 * min and max. Returns 0, or -1 with a static reason in *reason.
 */
int config_parse_size(const char *s, unsigned long long min,
    unsigned long long max, unsigned long long *out, const char **reason);

/*
 * Parse a duration ("90", "90s", "15m", "36h", "7d") in seconds into *out,
 * between min and max. Returns 0, or -1 with a static reason in *reason.
 */
int config_parse_duration(const char *s, long long min, long long max,
    long long *out, const char **reason);

/* Parse yes/no/true/false/on/off/1/0 into *out. Returns 0 or -1. */
int config_parse_bool(const char *s, int *out);

#endif
