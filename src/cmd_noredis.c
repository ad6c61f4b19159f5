/*
 * cmd_noredis.c: forward, consume and consumers, requeue --redis and
 * status --redis in a hookspool built without hiredis. They say what is
 * missing instead of being unknown verbs or options.
 */
#include "cli.h"
#include "cmd.h"
#include "cmd_redis.h"
#include "status.h"

static int
missing(const char *verb)
{
	cli_warnx("%s needs Redis, and this hookspool was built without "
	    "hiredis; install it "
	    "(Debian: apt-get install libhiredis-dev), then run ./configure "
	    "and make again", verb);
	return EXIT_USAGE;
}

int
cmd_forward(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	return missing("forward");
}

int
cmd_consume(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	return missing("consume");
}

int
cmd_consumers(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	return missing("consumers");
}

int
requeue_redis(const struct opt_verb *v, const struct rlink_opts *o,
    char **ids, size_t nids)
{
	(void)v;
	(void)o;
	(void)ids;
	(void)nids;
	return missing("requeue --redis");
}

enum opt_result
status_redis(const struct opt_verb *v, const struct rlink_opts *o,
    struct status_redis *sr)
{
	(void)v;
	(void)o;
	(void)sr;
	(void)missing("status --redis");
	return OPT_USAGE;
}
