/*
 * number.h: the one parser of numbers that come from outside (config
 * values, command-line options, CONTENT_LENGTH): plain decimal digits,
 * then at most one unit suffix, checked against bounds.
 */
#ifndef HOOKSPOOL_NUMBER_H
#define HOOKSPOOL_NUMBER_H

/* A suffix and what it multiplies by; a table ends with nu_suffix 0. */
struct number_unit {
	char			nu_suffix;
	unsigned long long	nu_mult;
};

enum number_result {
	NUMBER_OK = 0,
	NUMBER_BAD,		/* not digits, a sign, an unknown suffix */
	NUMBER_LARGE,		/* over max (or past unsigned long long) */
	NUMBER_SMALL		/* under min */
};

/* k, K = 1024; m, M = 1024^2; g, G = 1024^3 */
extern const struct number_unit number_sizes[];
/* s = 1, m = 60, h = 3600, d = 86400 */
extern const struct number_unit number_durations[];

/*
 * Parse s (not NULL): one or more ASCII digits, then, when units is not
 * NULL, at most one of its suffixes; nothing else (no sign, no space, no
 * base prefix). On NUMBER_OK the value times the suffix's multiplier,
 * which lies in [min, max], is stored in *out; otherwise *out is left
 * alone.
 */
enum number_result number_parse(const char *s, const struct number_unit *units,
    unsigned long long min, unsigned long long max, unsigned long long *out);

#endif
