/*
 * opt.h: how a verb of the hookspool command declares its options. One
 * table per verb gives both the parsing (getopt_long underneath, every
 * number through cli_opt_number()) and the --help that describes each
 * option and its default, so the two never drift apart.
 */
#ifndef HOOKSPOOL_OPT_H
#define HOOKSPOOL_OPT_H

#include <stddef.h>
#include <stdio.h>

#include "paths.h"

/* The most values a list option (--type PATTERN, ...) takes. */
#define OPT_LIST_MAX	64

enum opt_kind {
	OPT_FLAG,	/* no argument: the int is set to 1 */
	OPT_STRING,	/* const char *: the argument (the last one given) */
	OPT_LIST,	/* struct opt_list: every argument, in order */
	OPT_NUMBER,	/* long long: a decimal number in [min, max] */
	OPT_DURATION	/* long long: a duration (30s, 5m, 1h, 7d) in seconds */
};

/* The arguments of a list option. */
struct opt_list {
	const char	*ol_v[OPT_LIST_MAX];
	size_t		 ol_n;
};

struct opt {
	const char	*o_name;	/* the long name, without "--" */
	int		 o_short;	/* its one-letter form ('c'), or 0 */
	enum opt_kind	 o_kind;
	size_t		 o_off;		/* offsetof() its field in the verb's */
	long long	 o_min;		/* numbers and durations */
	long long	 o_max;		/* numbers and durations; lists: count */
	const char	*o_arg;		/* the argument's name in help: "N" */
	const char	*o_help;	/* what it does, and its default */
};

struct opt_verb {
	const char		*ov_name;	/* "drain" */
	const char		*ov_synopsis;	/* what follows the verb */
	const char		*ov_about;	/* a sentence or two, for --help */
	const struct opt	*ov_opts;
	size_t			 ov_nopts;
	int			 ov_operands;	/* most operands; -1: any number */
};

/* The -c option every verb that reads the config takes, into field. */
#define OPT_CONFIG(type, field) { "config", 'c', OPT_STRING, \
	offsetof(type, field), 0, 0, "CONF", "the configuration file; " \
	"without it $HOOKSPOOL_CONFIG, else hookspool.conf beside the " \
	"program, else " SYSCONFDIR "/hookspool.conf" }

enum opt_result {
	OPT_OK = 0,
	OPT_HELP,	/* --help or -h: the caller returns opt_help() */
	OPT_USAGE	/* a usage error, said on stderr with the usage */
};

/*
 * Parse argv (argv[0] is the verb) as v declares into the verb's options
 * struct out, whose fields the caller has set to their defaults. The
 * operands that follow are argv[*operands..argc). A usage error is said on
 * stderr naming the option and what it wants, followed by the verb's
 * usage; an option given once too often (a list past its count) is one.
 */
enum opt_result opt_parse(const struct opt_verb *v, int argc, char *argv[],
    void *out, int *operands);

/*
 * A usage error found after opt_parse() (options that do not go together,
 * an operand missing): "hookspool VERB: " and the message on stderr, then
 * the usage. Returns OPT_USAGE.
 */
enum opt_result opt_misuse(const struct opt_verb *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The verb's usage line on f: "usage: hookspool VERB SYNOPSIS", wrapped at
 * 79 columns.
 */
void opt_usage(const struct opt_verb *v, FILE *f);

/*
 * The verb's --help on stdout: the usage, what it does, and each option
 * with its argument and help. Returns the exit status (cli_help()).
 */
int opt_help(const struct opt_verb *v);

#endif
