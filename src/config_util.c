/*
 * config_util.c: what hookspool asks of its configuration besides the
 * parse (config.c): where it is, whether it changed, and the parsers of
 * sizes, durations and yes/no that the config and the verbs share.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "number.h"
#include "paths.h"

int
config_parse_size(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out, const char **reason)
{
	switch (number_parse(s, number_sizes, min, max, out)) {
	case NUMBER_OK:
		return 0;
	case NUMBER_LARGE:
		*reason = "size too large";
		return -1;
	case NUMBER_SMALL:
		*reason = "size too small";
		return -1;
	default:
		*reason = s[0] >= '0' && s[0] <= '9' ?
		    "not a size (use a number with k, M or G)" : "not a size";
		return -1;
	}
}

int
config_parse_duration(const char *s, long long min, long long max,
    long long *out, const char **reason)
{
	unsigned long long	v;

	if (max < 0) {
		*reason = "duration too long";
		return -1;
	}
	switch (number_parse(s, number_durations, min < 0 ? 0 : min, max, &v)) {
	case NUMBER_OK:
		*out = (long long)v;
		return 0;
	case NUMBER_LARGE:
		*reason = "duration too long";
		return -1;
	case NUMBER_SMALL:
		*reason = "duration too short";
		return -1;
	default:
		*reason = s[0] >= '0' && s[0] <= '9' ?
		    "not a duration (use a number with s, m, h or d)" :
		    "not a duration";
		return -1;
	}
}

int
config_parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
config_changed(const struct config *cf)
{
	const struct config_source	*src;
	struct stat			 st;
	size_t				 i;

	if (cf == NULL)
		return 1;
	/* A broken webhook is looked at again until it is mended. */
	for (i = 0; i < cf->cf_nwebhooks; i++)
		if (cf->cf_webhooks[i].wh_broken != NULL)
			return 1;
	for (i = 0; i < cf->cf_nsources; i++) {
		src = &cf->cf_sources[i];
		if (stat(src->src_path, &st) == -1)
			return 1;
		if (st.st_dev != src->src_dev || st.st_ino != src->src_ino ||
		    st.st_size != src->src_size ||
		    st.st_mtim.tv_sec != src->src_mtime.tv_sec ||
		    st.st_mtim.tv_nsec != src->src_mtime.tv_nsec)
			return 1;
	}
	return 0;
}

const char *
config_locate(const char *opt)
{
	static char	 beside[PATH_MAX];
	const char	*p;
	char		*slash;
	ssize_t		 n;

	if (opt != NULL)
		return opt;
	if ((p = getenv("HOOKSPOOL_CONFIG")) != NULL && *p != '\0')
		return p;
	n = readlink("/proc/self/exe", beside, sizeof(beside) - 1);
	if (n > 0 && (size_t)n < sizeof(beside) - 16) {
		beside[n] = '\0';
		if ((slash = strrchr(beside, '/')) != NULL) {
			strcpy(slash + 1, "hookspool.conf");
			if (access(beside, F_OK) == 0)
				return beside;
		}
	}
	return SYSCONFDIR "/hookspool.conf";
}
