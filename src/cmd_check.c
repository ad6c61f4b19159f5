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
#include "secret.h"
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

/* config_problems()'s callback: each problem, as a message. */
static void
tell(void *arg, const char *problem)
{
	(void)arg;
	cli_warnx("%s", problem);
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
	const char			*path;
	char				 why[1024];
	int				 bad = 0, n, nproblems;

	switch (opt_parse(&check_verb, argc, argv, &o, &n)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&check_verb);
	default:
		return EXIT_USAGE;
	}
	/* Every problem of the file, not only the first. */
	path = config_locate(o.ck_conf);
	if ((nproblems = config_problems(path, 0, tell, NULL)) != 0) {
		if (nproblems > 0)
			cli_warnx("%s: %d problem%s", path, nproblems,
			    nproblems > 1 ? "s" : "");
		if ((cf = cli_load_secrets(o.ck_conf)) == NULL)
			return EXIT_USAGE;
	} else if ((cf = cli_load_secrets(o.ck_conf)) == NULL)
		return EXIT_USAGE;
	for (i = 0; i < cf->cf_nwebhooks; i++) {
		wh = &cf->cf_webhooks[i];
		if (cli_first_of_spool(cf, i))
			bad |= check_spool(wh->wh_spool, cf);
		if (wh->wh_inline_secret)
			printf("warning: webhook %s has an inline secret; "
			    "prefer secret_file\n", wh->wh_name);
		if (wh->wh_broken != NULL) {
			printf("webhook %s: unusable (its requests get 500): "
			    "%s\n", wh->wh_name, wh->wh_broken);
			continue;
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
	/* A config holding a secret is a file holding a secret. */
	for (i = 0; i < cf->cf_nwebhooks; i++)
		if (cf->cf_webhooks[i].wh_inline_secret &&
		    stat(cf->cf_path, &st) == 0 && secret_check("the config, "
		    "which holds a secret,", cf->cf_path, &st, why,
		    sizeof(why)) == -1) {
			cli_warnx("%s", why);
			nproblems++;
			break;
		}
	printf("%s: %s\n", cf->cf_path, bad || nproblems ? "problems found" :
	    "ok");
	config_free(cf);
	return nproblems ? EXIT_USAGE : bad ? EXIT_PART : 0;
}
