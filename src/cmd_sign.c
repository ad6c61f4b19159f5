/*
 * hookspool sign: the signature a sender would send.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"
#include "secret.h"
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
    const char *url, const char *body, size_t len, const char *id,
    const char *type)
{
	const char	*reason;
	char		*out;
	int		 rc;

	if (scheme_sign(scheme, key, keylen, url, body, len, id, type,
	    time(NULL), &out, &reason) == -1) {
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
	char		 why[512];

	if (file != NULL) {
		if (secret_read("the secret file", file, file, SECRET_UNCHECKED,
		    key, keylen, NULL, why, sizeof(why)) == -1) {
			cli_warnx("%s", why);
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

struct sign_opts {
	const char	*sg_file;
	char		*sg_secret;
	const char	*sg_scheme;
	const char	*sg_id;
	const char	*sg_type;
	const char	*sg_url;
};

static const struct opt sign_opt_table[] = {
	{ "secret-file", 0, OPT_STRING, offsetof(struct sign_opts, sg_file),
	    0, 0, "F", "the secret, as a webhook's secret_file holds it; "
	    "\"-\" reads it from standard input (the body then comes from "
	    "FILE)" },
	{ "secret", 0, OPT_STRING, offsetof(struct sign_opts, sg_secret), 0,
	    0, "S", "the secret itself (every user sees it in ps while it "
	    "starts: prefer --secret-file)" },
	{ "scheme", 0, OPT_STRING, offsetof(struct sign_opts, sg_scheme), 0,
	    0, "S", "print the header lines sender S would send (every "
	    "scheme with a shared secret but hmac: hookspool.conf(5)) "
	    "instead of the hex MAC" },
	{ "id", 0, OPT_STRING, offsetof(struct sign_opts, sg_id), 0, 0, "ID",
	    "the delivery id, for schemes that send it in a header (github, "
	    "shopify, standard, gitlab)" },
	{ "type", 0, OPT_STRING, offsetof(struct sign_opts, sg_type), 0, 0,
	    "T", "the event, for schemes that send it in a header (github, "
	    "shopify, gitlab)" },
	{ "url", 0, OPT_STRING, offsetof(struct sign_opts, sg_url), 0, 0,
	    "URL", "the URL the sender calls, as the webhook's url = says, "
	    "for schemes that sign it (square, hubspot, twilio)" },
};

static const struct opt_verb sign_verb = {
	"sign", "[--scheme S [--id ID] [--type T] [--url URL]] "
	"(--secret-file F | --secret S) [FILE]",
	"Print the hex HMAC-SHA256 of FILE (or standard input) under the "
	"secret, as the x-protocol-signature header carries it; with --scheme, "
	"the header lines that sender would send, for curl -H @-.",
	sign_opt_table, sizeof(sign_opt_table) / sizeof(sign_opt_table[0]), 1
};

int
cmd_sign(int argc, char *argv[])
{
	struct sign_opts o = { NULL, NULL, NULL, NULL, NULL, NULL };
	unsigned char	*key = NULL;
	const char	*file, *reason;
	char		*inline_secret;
	const char	*scheme, *id, *type;
	char		 hex[VERIFY_HEX_LEN + 1], *body;
	size_t		 keylen, len;
	FILE		*fp = stdin;
	int		 rc, first;

	switch (opt_parse(&sign_verb, argc, argv, &o, &first)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		return opt_help(&sign_verb);
	default:
		return EXIT_USAGE;
	}
	file = o.sg_file;
	inline_secret = o.sg_secret;
	scheme = o.sg_scheme;
	id = o.sg_id;
	type = o.sg_type;
	if ((file == NULL) == (inline_secret == NULL)) {
		opt_misuse(&sign_verb, file == NULL ? "the secret: give "
		    "--secret-file F (or --secret S)" : "give --secret-file or "
		    "--secret, not both");
		return EXIT_USAGE;
	}
	/* "--secret-file -": the secret on standard input, the body in FILE */
	if (file != NULL && strcmp(file, "-") == 0) {
		if (first == argc) {
			opt_misuse(&sign_verb, "--secret-file - reads the secret "
			    "from standard input: name the body's FILE");
			return EXIT_USAGE;
		}
		file = "/dev/stdin";
	}
	if ((rc = load_key(file, inline_secret, &key, &keylen)) != 0)
		return rc;
	if (first < argc && (fp = fopen(argv[first], "rb")) == NULL) {
		cli_warnx("unable to open %s: %s", argv[first], strerror(errno));
		rc = EXIT_PART;
		goto done;
	}
	if (read_input(fp, &body, &len) == -1) {
		cli_warnx("unable to read %s: %s", first < argc ? argv[first] :
		    "standard input", strerror(errno));
		rc = EXIT_PART;
		goto done;
	}
	if (scheme != NULL) {
		rc = sign_headers(scheme, key, keylen, o.sg_url, body, len, id,
		    type);
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
}
