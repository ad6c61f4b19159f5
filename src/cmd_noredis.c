/*
 * cmd_noredis.c: forward and consume in a hookspool built without hiredis.
 * They say what is missing instead of being unknown verbs.
 */
#include "cli.h"
#include "cmd.h"

static int
missing(const char *verb)
{
	(void)verb;
	cli_warnx("this hookspool was built without hiredis; install it "
	    "(Debian: apt-get install libhiredis-dev), then run ./configure "
	    "and make again");
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
