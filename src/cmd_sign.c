/*
 * hookspool sign: the signature a sender would send.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "scheme.h"
#include "verify.h"
#include <time.h>

/* Bodies larger than this are refused. */
#define INPUT_MAX	(1024 * 1024 * 1024)

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

/*
 * The headers a sender of scheme would send with body, signed now, on
 * stdout. Returns the exit status.
 */
static int
sign_headers(const char *scheme, const unsigned char *key, size_t keylen,
    const char *body, size_t len, const char *id, const char *type)
{
	const char	*reason;
	char		*out;
	int		 rc;

	if (scheme_sign(scheme, key, keylen, body, len, id, type, time(NULL),
	    &out, &reason) == -1) {
		cli_warnx("sign --scheme %s: %s", scheme, reason);
		return EXIT_USAGE;
	}
	rc = fputs(out, stdout) == EOF || fflush(stdout) == EOF ? EXIT_PART : 0;
	free(out);
	return rc;
}

/*
 * The key: from file, or from the command line's inline secret, which is
 * wiped at once. Returns 0 with a new *key the caller wipes and frees, or
 * the exit status.
 */
static int
load_key(const char *file, char *inline_secret, unsigned char **key,
    size_t *keylen)
{
	const char	*reason;

	if (file != NULL) {
		if (config_read_secret(file, key, keylen, &reason) == -1) {
			cli_warnx("unable to read %s: %s", file, reason);
			return EXIT_USAGE;
		}
		return 0;
	}
	/*
	 * Every user can read a command line (ps, /proc/PID/cmdline): take a
	 * copy and wipe the argument at once, and say so.
	 */
	*keylen = strlen(inline_secret);
	*key = (unsigned char *)strdup(inline_secret);
	explicit_bzero(inline_secret, *keylen);
	cli_warnx("warning: --secret shows the secret to every user of this "
	    "machine while it starts; use --secret-file");
	return *key == NULL ? EXIT_PART : 0;
}

static void
sign_usage(FILE *f)
{
	fprintf(f, "usage: hookspool sign [--scheme S [--id ID] "
	    "[--type T]]\n"
	    "                      (--secret-file F | --secret S) [FILE]\n"
	    "       hookspool sign ... --secret-file - FILE\n");
}

int
cmd_sign(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "secret-file", required_argument, NULL, 'f' },
		{ "secret", required_argument, NULL, 's' },
		{ "scheme", required_argument, NULL, 'S' },
		{ "id", required_argument, NULL, 'i' },
		{ "type", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned char	*key = NULL;
	const char	*file = NULL, *reason;
	char		*inline_secret = NULL;
	const char	*scheme = NULL, *id = NULL, *type = NULL;
	char		 hex[VERIFY_HEX_LEN + 1], *body;
	size_t		 keylen, len;
	FILE		*fp = stdin;
	int		 c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f')
			file = optarg;
		else if (c == 's')
			inline_secret = optarg;
		else if (c == 'S')
			scheme = optarg;
		else if (c == 'i')
			id = optarg;
		else if (c == 't')
			type = optarg;
		else if (c == 'h')
			return cli_help(sign_usage);
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
	if ((rc = load_key(file, inline_secret, &key, &keylen)) != 0)
		return rc;
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
	if (scheme != NULL) {
		rc = sign_headers(scheme, key, keylen, body, len, id, type);
		free(body);
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
	sign_usage(stderr);
	return EXIT_USAGE;
}
