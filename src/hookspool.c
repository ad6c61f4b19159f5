/*
 * hookspool: the command line for set-up and for the cron side.
 * Exit status: 0 all done, 1 some part failed, 2 usage or config error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "claim.h"
#include "cli.h"
#include "config.h"
#include "event.h"
#include "spool.h"
#include "verify.h"

#define INPUT_MAX	(1024 * 1024 * 1024)
#define DURATION_MAX	(100LL * 365 * 86400)

static const char *progname = "hookspool";

void
cli_warnx(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* hookspool.conf in the folder of the running executable, if it exists. */
static const char *
config_beside(void)
{
	static char	 path[PATH_MAX];
	char		*slash;
	ssize_t		 n;

	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0 || (size_t)n >= sizeof(path) - 16)
		return NULL;
	path[n] = '\0';
	if ((slash = strrchr(path, '/')) == NULL)
		return NULL;
	strcpy(slash + 1, "hookspool.conf");
	return access(path, F_OK) == 0 ? path : NULL;
}

/* -c FILE, else HOOKSPOOL_CONFIG, else beside us, else sysconfdir. */
static const char *
config_path(const char *opt)
{
	const char	*p;

	if (opt != NULL)
		return opt;
	if ((p = getenv("HOOKSPOOL_CONFIG")) != NULL && *p != '\0')
		return p;
	if ((p = config_beside()) != NULL)
		return p;
	return SYSCONFDIR "/hookspool.conf";
}

struct config *
cli_load(const char *opt)
{
	struct config	*cf;
	char		 err[CONFIG_ERR_MAX];

	if (config_load(config_path(opt), &cf, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return NULL;
	}
	return cf;
}

int
cli_first_of_spool(const struct config *cf, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (strcmp(cf->cf_webhooks[j].wh_spool,
		    cf->cf_webhooks[i].wh_spool) == 0)
			return 0;
	return 1;
}

int
cli_open_spool(const struct config *cf, const char *dir, struct spool **sp)
{
	struct passwd	*pw;
	struct stat	 st;
	const char	*reason;
	int		 saved, other;

	if (spool_open(dir, cf->cf_fsync, cf->cf_group_readable, sp,
	    &reason) == 0)
		return 0;
	saved = errno;
	/* For the message only: spool_open() judged the folder it opened. */
	other = lstat(dir, &st) == 0 && st.st_uid != geteuid();
	if (!other || saved != EPERM)
		cli_warnx("spool %s: %s: %s", dir, reason, strerror(saved));
	if (other) {
		pw = getpwuid(st.st_uid);
		cli_warnx("spool %s is owned by uid %ld%s%s%s: run hookspool "
		    "as that user", dir, (long)st.st_uid, pw ? " (" : "",
		    pw ? pw->pw_name : "", pw ? ")" : "");
	}
	errno = saved;
	return -1;
}

const char *
cli_printable(const char *s, char *buf, size_t len)
{
	size_t	i;

	if (len == 0)
		return "";
	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		buf[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

int
cli_number(const char *s, long long min, long long max, long long *out,
    const char **reason)
{
	long long	 v;
	char		*end;

	if (*s < '0' || *s > '9') {
		*reason = "not a number";
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*reason = "not a number";
		return -1;
	}
	if (errno == ERANGE || v > max) {
		*reason = "too large";
		return -1;
	}
	if (v < min) {
		*reason = "too small";
		return -1;
	}
	*out = v;
	return 0;
}

int
cli_recover(struct spool *sp, unsigned *finished, unsigned *removed,
    unsigned *released)
{
	struct spool_recovery	 rec;
	const char		*reason;
	unsigned		 n = 0;
	int			 rc = 0;

	if (spool_recover(sp, &rec, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		rc = -1;
	}
	if (claim_release_dead(sp, &n, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		rc = -1;
	}
	if (finished != NULL)
		*finished = rec.sr_finished;
	if (removed != NULL)
		*removed = rec.sr_removed;
	if (released != NULL)
		*released = n;
	return rc;
}

static int
read_input(FILE *fp, char **buf, size_t *len)
{
	size_t	cap = 65536, n = 0, r;
	char	*b, *nb;

	if ((b = malloc(cap)) == NULL)
		return -1;
	while ((r = fread(b + n, 1, cap - n, fp)) > 0) {
		n += r;
		if (n == cap) {
			if (cap >= INPUT_MAX || (nb = realloc(b, cap * 2)) == NULL) {
				free(b);
				errno = EFBIG;
				return -1;
			}
			b = nb;
			cap *= 2;
		}
	}
	if (ferror(fp)) {
		free(b);
		return -1;
	}
	*buf = b;
	*len = n;
	return 0;
}

static int
cmd_sign(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "secret-file", required_argument, NULL, 'f' },
		{ "secret", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned char	*key = NULL;
	const char	*file = NULL, *reason;
	char		*inline_secret = NULL;
	char		 hex[VERIFY_HEX_LEN + 1], *body;
	size_t		 keylen, len;
	FILE		*fp = stdin;
	int		 c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f')
			file = optarg;
		else if (c == 's')
			inline_secret = optarg;
		else
			goto usage;
	}
	if ((file == NULL) == (inline_secret == NULL) || argc - optind > 1)
		goto usage;
	/* "--secret-file -": the secret on standard input, the body in FILE */
	if (file != NULL && strcmp(file, "-") == 0) {
		if (optind == argc)
			goto usage;
		file = "/dev/stdin";
	}
	if (file != NULL) {
		if (config_read_secret(file, &key, &keylen, &reason) == -1) {
			cli_warnx("unable to read %s: %s", file, reason);
			return EXIT_USAGE;
		}
	} else {
		/*
		 * Every user can read a command line (ps, /proc/PID/cmdline):
		 * take a copy and wipe the argument at once, and say so.
		 */
		keylen = strlen(inline_secret);
		key = (unsigned char *)strdup(inline_secret);
		explicit_bzero(inline_secret, keylen);
		cli_warnx("warning: --secret shows the secret to every user "
		    "of this machine while it starts; use --secret-file");
		if (key == NULL)
			return EXIT_PART;
	}
	if (optind < argc && (fp = fopen(argv[optind], "rb")) == NULL) {
		cli_warnx("unable to open %s: %s", argv[optind], strerror(errno));
		rc = EXIT_PART;
		goto done;
	}
	if (read_input(fp, &body, &len) == -1) {
		cli_warnx("unable to read %s: %s", optind < argc ? argv[optind] :
		    "standard input", strerror(errno));
		rc = EXIT_PART;
		goto done;
	}
	rc = verify_sign(key, keylen, body, len, hex, &reason);
	free(body);
	if (rc == -1) {
		cli_warnx("unable to sign: %s", reason);
		rc = EXIT_PART;
		goto done;
	}
	rc = printf("%s\n", hex) < 0 || fflush(stdout) == EOF ? EXIT_PART : 0;
done:
	if (fp != stdin && fp != NULL)
		fclose(fp);
	explicit_bzero(key, keylen);
	free(key);
	return rc;
usage:
	fprintf(stderr, "usage: hookspool sign (--secret-file F | --secret S) "
	    "[FILE]\n       hookspool sign --secret-file - FILE\n");
	return EXIT_USAGE;
}

/*
 * Problems with a spool's folders; warnings go to stdout. What the spool
 * refuses (links, other owners, folders others may write) is said by
 * spool_open(); the rest is whether this user can use each folder.
 */
static int
check_spool(const char *dir, const struct config *cf)
{
	static const char *sub[] = { "", "/tmp", "/new", "/cur", "/failed", "/ids" };
	struct spool	*sp;
	struct stat	 st;
	char		 path[4096];
	size_t		 i;
	int		 bad = 0;

	if (cli_open_spool(cf, dir, &sp) == -1)
		return 1;
	spool_close(sp);
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, sub[i]);
		if (lstat(path, &st) == -1) {
			fprintf(stderr, "%s: spool %s: %s\n", progname, path,
			    strerror(errno));
			bad = 1;
			continue;
		}
		if (access(path, R_OK | W_OK | X_OK) == -1) {
			fprintf(stderr, "%s: spool %s: not writable by this "
			    "user (uid %ld)\n", progname, path, (long)getuid());
			bad = 1;
		}
		if (st.st_mode & S_IROTH)
			printf("warning: spool %s is readable by others\n", path);
	}
	return bad;
}

static int
cmd_check(const char *opt)
{
	const struct config_webhook	*wh;
	struct config			*cf;
	struct stat			 st;
	size_t				 i, j;
	int				 bad = 0;

	if ((cf = cli_load(opt)) == NULL)
		return EXIT_USAGE;
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		wh = &cf->cf_webhooks[i];
		if (cli_first_of_spool(cf, i))
			bad |= check_spool(wh->wh_spool, cf);
		if (wh->wh_inline_secret)
			printf("warning: webhook %s has an inline secret; "
			    "prefer secret_file\n", wh->wh_name);
		for (j = 1; j < cf->cf_nsources; j++) {
			if (stat(cf->cf_sources[j].src_path, &st) == 0 &&
			    (st.st_mode & S_IROTH))
				printf("warning: secret file %s is readable by "
				    "others\n", cf->cf_sources[j].src_path);
		}
		printf("webhook %s: path %s, spool %s, %zu secret%s, events",
		    wh->wh_name, wh->wh_path[0] ? wh->wh_path : "/",
		    wh->wh_spool, wh->wh_nsecrets, wh->wh_nsecrets > 1 ? "s" : "");
		for (j = 0; j < wh->wh_nevents; j++)
			printf(" %s", wh->wh_events[j]);
		printf("\n");
	}
	if (stat(cf->cf_path, &st) == 0 && (st.st_mode & S_IROTH))
		for (i = 0; i < cf->cf_nwebhooks; i++)
			if (cf->cf_webhooks[i].wh_inline_secret) {
				fprintf(stderr, "%s: %s holds a secret and is "
				    "readable by others\n", progname, cf->cf_path);
				bad = 1;
				break;
			}
	printf("%s: %s\n", cf->cf_path, bad ? "problems found" : "ok");
	config_free(cf);
	return bad ? EXIT_PART : 0;
}

int
cli_each_spool(const struct config *cf, int (*fn)(struct spool *, void *),
    void *arg)
{
	struct spool	*sp;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < cf->cf_nwebhooks; i++) {
		if (!cli_first_of_spool(cf, i))
			continue;
		if (cli_open_spool(cf, cf->cf_webhooks[i].wh_spool,
		    &sp) == -1) {
			rc = EXIT_PART;
			continue;
		}
		if (fn(sp, arg) != 0)
			rc = EXIT_PART;
		spool_close(sp);
	}
	return rc;
}

static int
recover_one(struct spool *sp, void *arg)
{
	unsigned	finished, removed, released;
	int		rc;

	(void)arg;
	rc = cli_recover(sp, &finished, &removed, &released);
	fprintf(stderr, "%s: recover %s: %u finished, %u removed, "
	    "%u released\n", progname, sp->sp_dir, finished, removed,
	    released);
	return rc;
}

static int
cmd_recover(const char *opt)
{
	struct config	*cf;
	int		 rc;

	if ((cf = cli_load(opt)) == NULL)
		return EXIT_USAGE;
	rc = cli_each_spool(cf, recover_one, NULL);
	config_free(cf);
	return rc;
}

struct status_opts {
	long long	so_warn_age;	/* -1: no warning */
	size_t		so_shown;
	int		so_json;
};

static int
status_one(struct spool *sp, void *arg)
{
	struct status_opts	*so = arg;
	struct claim_counts	 cc;
	const char		*reason;
	char			*path;

	if (claim_count(sp, &cc, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		return -1;
	}
	if (so->so_json) {
		if ((path = event_json_string(sp->sp_dir)) == NULL) {
			cli_warnx("out of memory");
			return -1;
		}
		printf("%s{\"spool\":%s,\"new\":%zu,\"cur\":%zu,"
		    "\"failed\":%zu,\"tmp\":%zu,\"oldest_new_age_s\":%lld}",
		    so->so_shown ? "," : "", path, cc.cc_new, cc.cc_cur,
		    cc.cc_failed, cc.cc_tmp, cc.cc_oldest_new_age);
		free(path);
	} else
		printf("%s: %zu new, %zu cur, %zu failed, %zu tmp, "
		    "oldest waiting %llds\n", sp->sp_dir, cc.cc_new,
		    cc.cc_cur, cc.cc_failed, cc.cc_tmp, cc.cc_oldest_new_age);
	so->so_shown++;
	if (so->so_warn_age >= 0 && cc.cc_new > 0 &&
	    cc.cc_oldest_new_age > so->so_warn_age) {
		cli_warnx("spool %s: the oldest waiting event is %llds old "
		    "(over %llds)", sp->sp_dir, cc.cc_oldest_new_age,
		    so->so_warn_age);
		return -1;
	}
	return 0;
}

static int
cmd_status(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "warn-age", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct status_opts	 so = { -1, 0, 0 };
	struct config		*cf;
	const char		*conf = NULL, *reason;
	int			 c, rc;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c == 'c')
			conf = optarg;
		else if (c == 'j')
			so.so_json = 1;
		else if (c == 'w') {
			if (config_parse_duration(optarg, 0, DURATION_MAX,
			    &so.so_warn_age, &reason) == -1) {
				cli_warnx("--warn-age %s: %s", optarg, reason);
				return EXIT_USAGE;
			}
		} else
			goto usage;
	}
	if (optind != argc)
		goto usage;
	if ((cf = cli_load(conf)) == NULL)
		return EXIT_USAGE;
	if (so.so_json)
		printf("[");
	rc = cli_each_spool(cf, status_one, &so);
	if (so.so_json)
		printf("]\n");
	config_free(cf);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_warnx("unable to write to standard output");
		rc = EXIT_PART;
	}
	return rc;
usage:
	fprintf(stderr, "usage: hookspool status [-c CONF] [--json] "
	    "[--warn-age D]\n");
	return EXIT_USAGE;
}

/* Whether failed/name is one of ids (an event id or a file name). */
static int
requeue_match(struct spool *sp, const char *name, char **ids, size_t nids,
    int *found)
{
	const char	*reason;
	char		 base[SPOOL_NAME_MAX], *line = NULL, *id = NULL;
	size_t		 len, i;
	int		 hit = 0;

	claim_attempts(name, base);
	if (claim_read(sp, SPOOL_FAILED, name, &line, &len, &reason) ==
	    CLAIM_OK &&
	    event_field_string(line, len, "id", &id, &reason) == -1)
		id = NULL;
	for (i = 0; i < nids; i++) {
		if ((id != NULL && strcmp(id, ids[i]) == 0) ||
		    strcmp(name, ids[i]) == 0 || strcmp(base, ids[i]) == 0) {
			found[i] = 1;
			hit = 1;
		}
	}
	free(id);
	free(line);
	return hit;
}

struct requeue_opts {
	char		**ro_ids;	/* event ids or file names */
	size_t		  ro_nids;	/* 0: all */
	int		 *ro_found;
	unsigned	  ro_requeued;
};

static int
requeue_one(struct spool *sp, void *arg)
{
	struct requeue_opts	 *ro = arg;
	const char		 *reason;
	char			**names, name[SPOOL_NAME_MAX];
	size_t			  j, n;
	int			  rc = 0;

	if (claim_names(sp, SPOOL_FAILED, &names, &n, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		return -1;
	}
	for (j = 0; j < n; j++) {
		if (ro->ro_nids > 0 && !requeue_match(sp, names[j], ro->ro_ids,
		    ro->ro_nids, ro->ro_found))
			continue;
		switch (claim_requeue(sp, names[j], &reason)) {
		case CLAIM_OK:
			ro->ro_requeued++;
			break;
		case CLAIM_REFUSED:
			cli_warnx("requeue: spool %s: refused failed/%s (%s); "
			    "left in failed/", sp->sp_dir, cli_printable(
			    names[j], name, sizeof(name)), reason);
			rc = -1;
			break;
		case CLAIM_ERROR:
			cli_warnx("spool %s: %s: %s: %s", sp->sp_dir,
			    cli_printable(names[j], name, sizeof(name)), reason,
			    strerror(errno));
			rc = -1;
			break;
		default:
			break;
		}
	}
	claim_names_free(names, n);
	return rc;
}

static int
cmd_requeue(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct requeue_opts	 ro;
	struct config		*cf;
	const char		*conf = NULL;
	size_t			 i;
	int			 c, all = 0, rc;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c == 'c')
			conf = optarg;
		else if (c == 'a')
			all = 1;
		else
			goto usage;
	}
	memset(&ro, 0, sizeof(ro));
	ro.ro_ids = argv + optind;
	ro.ro_nids = argc - optind;
	if (all == (ro.ro_nids > 0))
		goto usage;
	if ((cf = cli_load(conf)) == NULL)
		return EXIT_USAGE;
	if (ro.ro_nids > 0 &&
	    (ro.ro_found = calloc(ro.ro_nids, sizeof(*ro.ro_found))) == NULL) {
		cli_warnx("out of memory");
		config_free(cf);
		return EXIT_PART;
	}
	rc = cli_each_spool(cf, requeue_one, &ro);
	for (i = 0; i < ro.ro_nids; i++) {
		if (!ro.ro_found[i]) {
			cli_warnx("requeue: no failed event %s", ro.ro_ids[i]);
			rc = EXIT_PART;
		}
	}
	fprintf(stderr, "%s: requeue: %u requeued\n", progname,
	    ro.ro_requeued);
	free(ro.ro_found);
	config_free(cf);
	return rc;
usage:
	fprintf(stderr, "usage: hookspool requeue [-c CONF] [ID... | --all]\n");
	return EXIT_USAGE;
}

static int
purge_one(struct spool *sp, void *arg)
{
	const char	*reason;
	unsigned	 removed = 0, kept = 0;
	int		 rc = 0;

	if (claim_purge(sp, *(long long *)arg, &removed, &kept, &reason) == -1) {
		cli_warnx("spool %s: %s: %s", sp->sp_dir, reason,
		    strerror(errno));
		rc = -1;
	}
	fprintf(stderr, "%s: purge %s: %u markers removed, %u kept "
	    "(their events are still in the spool)\n", progname, sp->sp_dir,
	    removed, kept);
	return rc;
}

static int
cmd_purge(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	*cf;
	const char	*conf = NULL, *reason;
	long long	 age = -1;
	int		 c, rc;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c == 'c')
			conf = optarg;
		else if (c == 'o') {
			if (config_parse_duration(optarg, 0, DURATION_MAX, &age,
			    &reason) == -1) {
				cli_warnx("--older-than %s: %s", optarg, reason);
				return EXIT_USAGE;
			}
		} else
			goto usage;
	}
	if (optind != argc || age < 0)
		goto usage;
	if ((cf = cli_load(conf)) == NULL)
		return EXIT_USAGE;
	rc = cli_each_spool(cf, purge_one, &age);
	config_free(cf);
	return rc;
usage:
	fprintf(stderr, "usage: hookspool purge [-c CONF] --older-than D\n");
	return EXIT_USAGE;
}

/* Only -c FILE: the verbs that take nothing else. */
static int
config_only(int argc, char *argv[], const char **conf)
{
	int	c;

	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c')
			return -1;
		*conf = optarg;
	}
	return optind == argc ? 0 : -1;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hookspool drain   [-c CONF] [--exec CMD] [--max N] "
	    "[--attempts N]\n"
	    "                         [--timeout D] [--type PATTERN]\n"
	    "       hookspool status  [-c CONF] [--json] [--warn-age D]\n"
	    "       hookspool requeue [-c CONF] [ID... | --all]\n"
	    "       hookspool purge   [-c CONF] --older-than D\n"
	    "       hookspool recover [-c CONF]\n"
	    "       hookspool sign    (--secret-file F | --secret S) [FILE]\n"
	    "       hookspool check   [-c CONF]\n");
}

/*
 * Descriptors 0, 1 and 2 open, so that no file we open becomes one. A
 * closed one gets /dev/null read-only: writing to it still fails, so drain
 * never takes a closed standard output for a reader.
 */
static int
std_fds(void)
{
	int	fd;

	for (;;) {
		if ((fd = open("/dev/null", O_RDONLY)) == -1)
			return -1;
		if (fd > 2)
			return close(fd);
	}
}

int
main(int argc, char *argv[])
{
	struct rlimit	 rl = { 0, 0 };
	const char	*verb, *conf = NULL, *reason;

	if (argc < 2) {
		usage();
		return EXIT_USAGE;
	}
	/* Keys stay out of core dumps and out of /proc/PID/mem. */
	if (std_fds() == -1 || setrlimit(RLIMIT_CORE, &rl) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    verify_init(&reason) == -1) {
		fprintf(stderr, "%s: unable to initialise\n", progname);
		return EXIT_USAGE;
	}
	verb = argv[1];
	argc--;
	argv++;
	if (strcmp(verb, "sign") == 0)
		return cmd_sign(argc, argv);
	if (strcmp(verb, "drain") == 0)
		return cmd_drain(argc, argv);
	if (strcmp(verb, "status") == 0)
		return cmd_status(argc, argv);
	if (strcmp(verb, "requeue") == 0)
		return cmd_requeue(argc, argv);
	if (strcmp(verb, "purge") == 0)
		return cmd_purge(argc, argv);
	if (strcmp(verb, "check") == 0 || strcmp(verb, "recover") == 0) {
		if (config_only(argc, argv, &conf) == -1) {
			usage();
			return EXIT_USAGE;
		}
		return verb[0] == 'c' ? cmd_check(conf) : cmd_recover(conf);
	}
	usage();
	return EXIT_USAGE;
}
