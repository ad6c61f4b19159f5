/*
 * opt.c: a verb's options, parsed and described from one table (opt.h).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "opt.h"

#define OPT_WIDTH	79	/* columns of --help */
#define OPT_COLUMN	24	/* where an option's help starts */
/* getopt_long's value for long option i: past every char. */
#define OPT_LONG_BASE	256

/*
 * The length of the word at p: up to the next space, or with groups, the
 * next space outside brackets and parentheses ("[--cluster NODE]..."),
 * and an option with its argument.
 */
static size_t
word_len(const char *p, int groups)
{
	size_t	n;
	int	depth = 0;

	if (!groups)
		return strcspn(p, " ");
	for (n = 0; p[n] != '\0' && (p[n] != ' ' || depth > 0); n++) {
		if (p[n] == '[' || p[n] == '(')
			depth++;
		else if ((p[n] == ']' || p[n] == ')') && depth > 0)
			depth--;
	}
	/* An option and its argument stay together: "--exec CMD". */
	if (p[0] == '-' && p[n] == ' ' && p[n + 1] != '\0' &&
	    strchr("-[(", p[n + 1]) == NULL)
		n += 1 + strcspn(p + n + 1, " ");
	return n;
}

/*
 * Write text on f from column col, wrapped at OPT_WIDTH, lines indented;
 * with groups, a bracketed group is never split.
 */
static void
wrap(FILE *f, const char *text, size_t col, size_t indent, int groups)
{
	const char	*p = text, *sp;
	size_t		 n;

	while (*p != '\0') {
		n = word_len(p, groups);
		if (col > indent && col + 1 + n > OPT_WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)n, p);
		col += n;
		sp = p + n;
		p = sp + strspn(sp, " ");
	}
	fputc('\n', f);
}

void
opt_usage(const struct opt_verb *v, FILE *f)
{
	char	head[64];
	int	n;

	n = snprintf(head, sizeof(head), "usage: %s %s ", cli_progname,
	    v->ov_name);
	fputs(head, f);
	wrap(f, v->ov_synopsis, (size_t)n, (size_t)n, 1);
}

/* "-c, --name ARG" of o into buf. */
static void
opt_label(const struct opt *o, char *buf, size_t len)
{
	const char	*arg = o->o_kind == OPT_FLAG ? NULL : o->o_arg;

	if (o->o_short != 0 && strlen(o->o_name) == 1)
		snprintf(buf, len, "-%c%s%s", o->o_short, arg ? " " : "",
		    arg ? arg : "");
	else if (o->o_short != 0)
		snprintf(buf, len, "-%c, --%s%s%s", o->o_short, o->o_name,
		    arg ? " " : "", arg ? arg : "");
	else
		snprintf(buf, len, "--%s%s%s", o->o_name, arg ? " " : "",
		    arg ? arg : "");
}

/* One option's line(s) of --help. */
static void
opt_describe(FILE *f, const char *label, const char *help)
{
	size_t	n = strlen(label) + 2;

	fprintf(f, "  %s", label);
	if (n + 2 > OPT_COLUMN) {
		fprintf(f, "\n%*s", OPT_COLUMN, "");
		n = OPT_COLUMN;
	} else {
		fprintf(f, "%*s", (int)(OPT_COLUMN - n), "");
		n = OPT_COLUMN;
	}
	wrap(f, help, n, OPT_COLUMN, 0);
}

/* opt_help()'s text, for cli_help(). */
static const struct opt_verb	*help_verb;

static void
help_text(FILE *f)
{
	const struct opt_verb	*v = help_verb;
	char			 label[64];
	size_t			 i;

	opt_usage(v, f);
	fputc('\n', f);
	wrap(f, v->ov_about, 0, 0, 0);
	fprintf(f, "\nOptions:\n");
	for (i = 0; i < v->ov_nopts; i++) {
		opt_label(&v->ov_opts[i], label, sizeof(label));
		opt_describe(f, label, v->ov_opts[i].o_help);
	}
	opt_describe(f, "-h, --help", "show this help and exit");
}

int
opt_help(const struct opt_verb *v)
{
	help_verb = v;
	return cli_help(help_text);
}

/* A usage error: "hookspool VERB: " and the message, then the usage. */
enum opt_result
opt_misuse(const struct opt_verb *v, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s %s: ", cli_progname, v->ov_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	opt_usage(v, stderr);
	return OPT_USAGE;
}

/* Store arg in o's field of out. */
static enum opt_result
opt_store(const struct opt_verb *v, const struct opt *o, const char *arg,
    char *out)
{
	struct opt_list	*l;
	const char	*reason;
	char		 shown[128];

	switch (o->o_kind) {
	case OPT_FLAG:
		*(int *)(out + o->o_off) = 1;
		return OPT_OK;
	case OPT_STRING:
		*(const char **)(out + o->o_off) = arg;
		return OPT_OK;
	case OPT_LIST:
		l = (struct opt_list *)(out + o->o_off);
		if (l->ol_n >= (size_t)o->o_max || l->ol_n >= OPT_LIST_MAX)
			return opt_misuse(v, "--%s: at most %lld of them", o->o_name,
			    o->o_max);
		l->ol_v[l->ol_n++] = arg;
		return OPT_OK;
	default:
		if ((o->o_kind == OPT_DURATION ? config_parse_duration(arg,
		    o->o_min, o->o_max, (long long *)(out + o->o_off),
		    &reason) : cli_number(arg, o->o_min, o->o_max,
		    (long long *)(out + o->o_off), &reason)) == -1)
			return opt_misuse(v, "--%s %s: %s", o->o_name,
			    cli_printable(arg, shown, sizeof(shown)), reason);
		return OPT_OK;
	}
}

/*
 * getopt_long's tables for v: longs (v->ov_nopts + 2 entries, help and
 * the end included) and the short letters, ':' first so that a missing
 * argument is told apart from an unknown option.
 */
static void
opt_tables(const struct opt_verb *v, struct option *longs, char *shorts,
    size_t shortlen)
{
	size_t	i, n = 0;

	shorts[n++] = ':';
	for (i = 0; i < v->ov_nopts; i++) {
		longs[i].name = v->ov_opts[i].o_name;
		longs[i].has_arg = v->ov_opts[i].o_kind == OPT_FLAG ?
		    no_argument : required_argument;
		longs[i].flag = NULL;
		longs[i].val = OPT_LONG_BASE + (int)i;
		if (v->ov_opts[i].o_short != 0 && n + 3 < shortlen) {
			shorts[n++] = (char)v->ov_opts[i].o_short;
			if (v->ov_opts[i].o_kind != OPT_FLAG)
				shorts[n++] = ':';
		}
	}
	longs[i] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[i + 1] = (struct option){ NULL, 0, NULL, 0 };
	shorts[n++] = 'h';
	shorts[n] = '\0';
}

/* The option getopt_long returned as c, or NULL. */
static const struct opt *
opt_of(const struct opt_verb *v, int c)
{
	size_t	i;

	if (c >= OPT_LONG_BASE && (size_t)(c - OPT_LONG_BASE) < v->ov_nopts)
		return &v->ov_opts[c - OPT_LONG_BASE];
	for (i = 0; i < v->ov_nopts; i++)
		if (v->ov_opts[i].o_short == c)
			return &v->ov_opts[i];
	return NULL;
}

/* What getopt_long refused: the option as written in argv. */
static enum opt_result
opt_refused(const struct opt_verb *v, int c, char *argv[])
{
	char	shown[128];

	if (c == ':')
		return opt_misuse(v, "%s needs an argument", cli_printable(
		    argv[optind - 1], shown, sizeof(shown)));
	if (optopt != 0)
		return opt_misuse(v, "unknown option -%c; %s %s --help lists "
		    "them", optopt, cli_progname, v->ov_name);
	return opt_misuse(v, "unknown option %s; %s %s --help lists them",
	    cli_printable(argv[optind - 1], shown, sizeof(shown)),
	    cli_progname, v->ov_name);
}

enum opt_result
opt_parse(const struct opt_verb *v, int argc, char *argv[], void *out,
    int *operands)
{
	struct option		*longs;
	const struct opt	*o;
	enum opt_result		 r = OPT_OK;
	char			 shorts[2 * 26 + 8], shown[128];
	int			 c;

	if ((longs = calloc(v->ov_nopts + 2, sizeof(*longs))) == NULL) {
		cli_warnx("out of memory");
		return OPT_USAGE;
	}
	opt_tables(v, longs, shorts, sizeof(shorts));
	opterr = 0;
	optind = 0;
	while (r == OPT_OK &&
	    (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == 'h')
			r = OPT_HELP;
		else if ((o = opt_of(v, c)) != NULL)
			r = opt_store(v, o, optarg, out);
		else
			r = opt_refused(v, c, argv);
	}
	free(longs);
	if (r != OPT_OK)
		return r;
	*operands = optind;
	if (v->ov_operands >= 0 && argc - optind > v->ov_operands)
		return opt_misuse(v, v->ov_operands == 0 ? "takes no argument, "
		    "and was given '%s'" : "too many arguments, from '%s' on",
		    cli_printable(argv[optind + v->ov_operands], shown,
		    sizeof(shown)));
	return OPT_OK;
}
