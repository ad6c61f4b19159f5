/*
 * hookspool check: validate the config and the spools' folders.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "opt.h"
#include "config.h"
#include "spool.h"

/*
 * Problems with a spool's folders; warnings go to stdout. What the spool
 * refuses (links, other owners, folders others may write) is said by
 * spool_open(); the rest is whether this user can use each folder.
 */
static int
check_spool(const char *dir, const struct config *cf)
{
	struct spool	*sp;
	struct stat	 st;
	char		 path[4096];
	size_t		 i;
	int		 bad = 0, n;

	if (cli_open_spool(cf, dir, &sp) == -1)
		return 1;
	spool_close(sp);
	/* The spool folder, then each of its own. */
	for (i = 0; i <= SPOOL_FOLDERS; i++) {
		n = i == 0 ? snprintf(path, sizeof(path), "%s", dir) :
		    snprintf(path, sizeof(path), "%s/%s", dir,
		    spool_folder_names[i - 1]);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			cli_warnx("spool %s: path too long", dir);
			bad = 1;
			continue;
		}
		if (lstat(path, &st) == -1) {
			cli_warnx("spool %s: %s", path, strerror(errno));
			bad = 1;
			continue;
		}
		if (access(path, R_OK | W_OK | X_OK) == -1) {
			cli_warnx("spool %s: not writable by this user (uid %ld)",
			    path, (long)getuid());
			bad = 1;
		}
		if (st.st_mode & S_IROTH)
			printf("warning: spool %s is readable by others\n", path);
	}
	return bad;
}

struct check_opts {
	const char	*ck_conf;
};

static const struct opt check_opt_table[] = {
	OPT_CONFIG(struct check_opts, ck_conf),
};

static const struct opt_verb check_verb = {
	"check", "[-c CONF]",
	"Validate the configuration, read every secret file, and check each "
	"spool's folders and permissions; say what is wrong, and exit non-zero "
	"if anything is.",
	check_opt_table, 1, 0
};

int
cmd_check(int argc, char *argv[])
{
	const struct config_webhook	*wh;
	struct config			*cf;
	struct stat			 st;
	size_t				 i, j;
	struct check_opts		 o = { NULL };
	int				 bad = 0, n;

	switch (opt_parse(&check_verb, argc, argv, &o, &n)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&check_verb);
	default:
		return EXIT_USAGE;
	}
	if ((cf = cli_load_secrets(o.ck_conf)) == NULL)
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
		printf("webhook %s: scheme %s, path %s, spool %s, %zu secret%s, "
		    "events", wh->wh_name, wh->wh_opt[CONFIG_OPT_SCHEME] ?
		    wh->wh_opt[CONFIG_OPT_SCHEME] : "protocol",
		    wh->wh_path[0] ? wh->wh_path : "/", wh->wh_spool,
		    wh->wh_nsecrets, wh->wh_nsecrets > 1 ? "s" : "");
		for (j = 0; j < wh->wh_nevents; j++)
			printf(" %s", wh->wh_events[j]);
		printf("\n");
	}
	if (stat(cf->cf_path, &st) == 0 && (st.st_mode & S_IROTH))
		for (i = 0; i < cf->cf_nwebhooks; i++)
			if (cf->cf_webhooks[i].wh_inline_secret) {
				cli_warnx("%s holds a secret and is readable by "
				    "others", cf->cf_path);
				bad = 1;
				break;
			}
	printf("%s: %s\n", cf->cf_path, bad ? "problems found" : "ok");
	config_free(cf);
	return bad ? EXIT_PART : 0;
}
