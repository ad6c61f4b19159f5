/*
 * hookspool: the command line for set-up and for the cron side. This file
 * only dispatches: each verb lives in a file of its own (cmd_*.c, drain.c)
 * and shares the helpers of cli.c. Exit status: 0 all done, 1 some part
 * failed, 2 usage or config error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "log_stream.h"
#include "verify.h"

static const struct {
	const char	*v_name;
	int		(*v_run)(int, char *[]);
} verbs[] = {
	{ "drain", cmd_drain },
	{ "status", cmd_status },
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "replay", cmd_replay },
	{ "requeue", cmd_requeue },
	{ "purge", cmd_purge },
	{ "recover", cmd_recover },
	{ "sign", cmd_sign },
	{ "check", cmd_check },
	{ "forward", cmd_forward },
	{ "consume", cmd_consume },
	{ "consumers", cmd_consumers },
};
#define NVERBS	(sizeof(verbs) / sizeof(verbs[0]))

/* The usage on f: stdout for --help, stderr for a usage error. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: hookspool --version | --help | VERB --help\n"
	    "       hookspool drain   [-c CONF] [--exec CMD | --pipe CMD "
	    "[--jobs N]]\n"
	    "                         [--max N] [--attempts N] "
	    "[--timeout D] [--backoff D]\n"
	    "                         [--type PATTERN]... [--follow "
	    "[--rescan D]] [--quiet]\n"
	    "       hookspool status  [-c CONF] [--json | --prometheus] "
	    "[--warn-age D]\n"
	    "                         [--warn-failed N] [--redis ADDR "
	    "[--auth-file F]\n"
	    "                         [--stream KEY] [--cluster NODE]... "
	    "[--group G]]\n"
	    "       hookspool list    [-c CONF] [--state STATE]... "
	    "[--webhook W]...\n"
	    "                         [--type PATTERN]... [--json]\n"
	    "       hookspool show    [-c CONF] ID\n"
	    "       hookspool replay  [-c CONF] ID...\n"
	    "       hookspool requeue [-c CONF] (ID... | --all)\n"
	    "       hookspool requeue [-c CONF] --redis ADDR [--auth-file F]\n"
	    "                         [--stream KEY] [--cluster NODE]... "
	    "(ID... | --all)\n"
	    "       hookspool purge   [-c CONF] --older-than D\n"
	    "       hookspool recover [-c CONF]\n"
	    "       hookspool sign    [--scheme S [--id ID] [--type T]]\n"
	    "                         (--secret-file F | --secret S) [FILE]\n"
	    "       hookspool check   [-c CONF]\n"
	    "       hookspool forward [-c CONF] --redis ADDR "
	    "[--auth-file F] [--stream KEY]\n"
	    "                         [--cluster NODE]... [--replicas N] "
	    "[--accept-loss]\n"
	    "                         [--max N] [--attempts N] "
	    "[--backoff D] [--ttl D]\n"
	    "                         [--maxlen N] [--quiet] [--follow "
	    "[--rescan D]]\n"
	    "       hookspool consume [-c CONF] --redis ADDR "
	    "[--auth-file F] [--stream KEY]\n"
	    "                         [--cluster NODE]... [--group G] "
	    "[--name NAME]\n"
	    "                         (--exec CMD | --pipe CMD [--jobs "
	    "N]) [--max N]\n"
	    "                         [--attempts N] [--timeout D] "
	    "[--type PATTERN]...\n"
	    "                         [--idle D] [--backoff D] [--quiet]\n"
	    "       hookspool consumers [-c CONF] --redis ADDR "
	    "[--auth-file F]\n"
	    "                         [--stream KEY] [--cluster NODE]... "
	    "[--group G]\n"
	    "                         [--forget-idle D]\n"
	    "Each verb's --help describes its options.\n");
}

/* The command line with the verb, argv[verb], moved to the front. */
static void
options_first(int argc, char *argv[], int verb)
{
	char	arg[256];
	int	j;

	fprintf(stderr, "%s: options come after the verb: hookspool %s",
	    cli_progname, argv[verb]);
	for (j = 1; j < argc; j++)
		if (j != verb)
			fprintf(stderr, " %s", cli_printable(argv[j], arg,
			    sizeof(arg)));
	fprintf(stderr, "\n");
}

/*
 * What was wrong with argv[1], which names no verb: an option before the
 * verb (-c belongs to the verb), or a word that is no verb.
 */
static void
unknown_verb(int argc, char *argv[])
{
	char	name[64];
	size_t	i;
	int	j;

	cli_printable(argv[1], name, sizeof(name));
	if (argv[1][0] == '-') {
		for (j = 2; j < argc; j++)
			for (i = 0; i < NVERBS; i++)
				if (strcmp(argv[j], verbs[i].v_name) == 0) {
					options_first(argc, argv, j);
					return;
				}
		cli_warnx("%s: an option where a verb should be; try "
		    "hookspool --help", name);
		return;
	}
	fprintf(stderr, "%s: unknown verb '%s'; the verbs are", cli_progname,
	    name);
	for (i = 0; i < NVERBS; i++)
		fprintf(stderr, "%s %s", i > 0 ? "," : "", verbs[i].v_name);
	fprintf(stderr, " (hookspool --help says more)\n");
}

static void
version(FILE *f)
{
	fprintf(f, "hookspool %s\n", PACKAGE_VERSION);
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
	const char	*reason;
	size_t		 i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0)
		return cli_help(usage);
	if (strcmp(argv[1], "--version") == 0)
		return cli_help(version);
	/* Keys stay out of core dumps and out of /proc/PID/mem. */
	if (std_fds() == -1 || setrlimit(RLIMIT_CORE, &rl) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    verify_init(&reason) == -1) {
		fprintf(stderr, "%s: unable to initialise\n", cli_progname);
		return EXIT_USAGE;
	}
	for (i = 0; i < NVERBS; i++)
		if (strcmp(argv[1], verbs[i].v_name) == 0) {
			cli_verb = verbs[i].v_name;
			/* stderr's lines become JSON if the config says so */
			if (log_stream_install(cli_progname, cli_verb,
			    "info") == -1)
				cli_warnx("unable to set up stderr's stream; its"
				    " lines stay text");
			return verbs[i].v_run(argc - 1, argv + 1);
		}
	unknown_verb(argc, argv);
	usage(stderr);
	return EXIT_USAGE;
}
