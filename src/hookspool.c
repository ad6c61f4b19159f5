/*
 * hookspool: the command line for set-up and for the cron side.
 * Exit status: 0 all done, 1 some part failed, 2 usage or config error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "spool.h"
#include "verify.h"

#define EXIT_PART	1
#define EXIT_USAGE	2
#define INPUT_MAX	(1024 * 1024 * 1024)

static const char *progname = "hookspool";

static void warnx_(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
warnx_(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* -c FILE, else HOOKSPOOL_CONFIG, else sysconfdir. */
static const char *
config_path(const char *opt)
{
	const char	*p;

	if (opt != NULL)
		return opt;
	if ((p = getenv("HOOKSPOOL_CONFIG")) != NULL && *p != '\0')
		return p;
	return SYSCONFDIR "/hookspool.conf";
}

static struct config *
load(const char *opt)
{
	struct config	*cf;
	char		 err[CONFIG_ERR_MAX];

	if (config_load(config_path(opt), &cf, err, sizeof(err)) == -1) {
		warnx_("%s", err);
		return NULL;
	}
	return cf;
}

/* Whether webhook i is the first to name its spool (each spool once). */
static int
first_of_spool(const struct config *cf, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (strcmp(cf->cf_webhooks[j].wh_spool,
		    cf->cf_webhooks[i].wh_spool) == 0)
			return 0;
	return 1;
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
	const char	*file = NULL, *inline_secret = NULL, *reason;
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
	if (file != NULL) {
		if (config_read_secret(file, &key, &keylen, &reason) == -1) {
			warnx_("unable to read %s: %s", file, reason);
			return EXIT_USAGE;
		}
	} else {
		if ((key = (unsigned char *)strdup(inline_secret)) == NULL)
			return EXIT_PART;
		keylen = strlen(inline_secret);
	}
	if (optind < argc && (fp = fopen(argv[optind], "rb")) == NULL) {
		warnx_("unable to open %s: %s", argv[optind], strerror(errno));
		rc = EXIT_PART;
		goto done;
	}
	if (read_input(fp, &body, &len) == -1) {
		warnx_("unable to read %s: %s", optind < argc ? argv[optind] :
		    "standard input", strerror(errno));
		rc = EXIT_PART;
		goto done;
	}
	rc = verify_sign(key, keylen, body, len, hex, &reason);
	free(body);
	if (rc == -1) {
		warnx_("unable to sign: %s", reason);
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
	    "[FILE]\n");
	return EXIT_USAGE;
}

/* Problems with a spool's folders; warnings go to stdout. */
static int
check_spool(const char *dir, const struct config *cf)
{
	static const char *sub[] = { "", "/tmp", "/new", "/cur", "/failed", "/ids" };
	struct spool	*sp;
	struct stat	 st;
	const char	*reason;
	char		 path[4096];
	size_t		 i;
	int		 bad = 0;

	if (spool_open(dir, cf->cf_fsync, cf->cf_group_readable, &sp,
	    &reason) == -1) {
		fprintf(stderr, "%s: spool %s: %s: %s\n", progname, dir, reason,
		    strerror(errno));
		return 1;
	}
	spool_close(sp);
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, sub[i]);
		if (stat(path, &st) == -1) {
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
		if (st.st_mode & S_IWOTH) {
			fprintf(stderr, "%s: spool %s: writable by others\n",
			    progname, path);
			bad = 1;
		} else if (st.st_mode & S_IROTH)
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

	if ((cf = load(opt)) == NULL)
		return EXIT_USAGE;
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		wh = &cf->cf_webhooks[i];
		if (first_of_spool(cf, i))
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

static int
cmd_recover(const char *opt)
{
	struct spool_recovery	 rec;
	struct config		*cf;
	struct spool		*sp;
	const char		*reason;
	size_t			 i;
	int			 rc = 0;

	if ((cf = load(opt)) == NULL)
		return EXIT_USAGE;
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		if (!first_of_spool(cf, i))
			continue;
		if (spool_open(cf->cf_webhooks[i].wh_spool, cf->cf_fsync,
		    cf->cf_group_readable, &sp, &reason) == -1) {
			warnx_("spool %s: %s", cf->cf_webhooks[i].wh_spool, reason);
			rc = EXIT_PART;
			continue;
		}
		if (spool_recover(sp, &rec, &reason) == -1) {
			warnx_("spool %s: %s", sp->sp_dir, reason);
			rc = EXIT_PART;
		}
		fprintf(stderr, "%s: recover %s: %u finished, %u removed\n",
		    progname, sp->sp_dir, rec.sr_finished, rec.sr_removed);
		spool_close(sp);
	}
	config_free(cf);
	return rc;
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
	    "usage: hookspool check   [-c CONF]\n"
	    "       hookspool recover [-c CONF]\n"
	    "       hookspool sign    (--secret-file F | --secret S) [FILE]\n");
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
	if (setrlimit(RLIMIT_CORE, &rl) == -1 || verify_init(&reason) == -1) {
		fprintf(stderr, "%s: unable to initialise\n", progname);
		return EXIT_USAGE;
	}
	verb = argv[1];
	argc--;
	argv++;
	if (strcmp(verb, "sign") == 0)
		return cmd_sign(argc, argv);
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
