/*
 * number.c: bounded parsing of decimal numbers with unit suffixes.
 */
#include <limits.h>
#include <stddef.h>

#include "number.h"

const struct number_unit number_sizes[] = {
	{ 'k', 1024ULL }, { 'K', 1024ULL },
	{ 'm', 1024ULL * 1024 }, { 'M', 1024ULL * 1024 },
	{ 'g', 1024ULL * 1024 * 1024 }, { 'G', 1024ULL * 1024 * 1024 },
	{ 0, 0 }
};

const struct number_unit number_durations[] = {
	{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	{ 0, 0 }
};

enum number_result
number_parse(const char *s, const struct number_unit *units,
    unsigned long long min, unsigned long long max, unsigned long long *out)
{
	unsigned long long	v = 0, mult = 1;
	int			large = 0;
	size_t			i;

	if (*s < '0' || *s > '9')
		return NUMBER_BAD;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (ULLONG_MAX - (unsigned)(*s - '0')) / 10)
			large = 1;
		else
			v = v * 10 + (unsigned)(*s - '0');
	}
	if (*s != '\0') {
		for (i = 0; units != NULL && units[i].nu_suffix != 0; i++)
			if (*s == units[i].nu_suffix)
				break;
		if (units == NULL || units[i].nu_suffix == 0 || s[1] != '\0')
			return NUMBER_BAD;
		mult = units[i].nu_mult;
	}
	if (large || v > ULLONG_MAX / mult || v * mult > max)
		return NUMBER_LARGE;
	if (v * mult < min)
		return NUMBER_SMALL;
	*out = v * mult;
	return NUMBER_OK;
}
