/*
 * test_number.c: number_parse() against a table of inputs: digits only,
 * one known suffix, bounds, overflow.
 */
#include <limits.h>
#include <stdio.h>

#include "number.h"
#include "unit.h"

int
main(void)
{
	static const struct {
		const char		 *s;
		const struct number_unit *units;
		unsigned long long	  min, max;
		enum number_result	  want;
		unsigned long long	  value;
	} cases[] = {
		{ "0", NULL, 0, 10, NUMBER_OK, 0 },
		{ "0007", NULL, 0, 10, NUMBER_OK, 7 },
		{ "10", NULL, 0, 10, NUMBER_OK, 10 },
		{ "11", NULL, 0, 10, NUMBER_LARGE, 0 },
		{ "4", NULL, 5, 10, NUMBER_SMALL, 0 },
		{ "", NULL, 0, 10, NUMBER_BAD, 0 },
		{ "-1", NULL, 0, 10, NUMBER_BAD, 0 },
		{ "+1", NULL, 0, 10, NUMBER_BAD, 0 },
		{ " 1", NULL, 0, 10, NUMBER_BAD, 0 },
		{ "1 ", NULL, 0, 10, NUMBER_BAD, 0 },
		{ "0x1", NULL, 0, 10, NUMBER_BAD, 0 },
		{ "1k", NULL, 0, ULLONG_MAX, NUMBER_BAD, 0 },
		{ "18446744073709551615", NULL, 0, ULLONG_MAX, NUMBER_OK,
		    ULLONG_MAX },
		{ "18446744073709551616", NULL, 0, ULLONG_MAX, NUMBER_LARGE, 0 },
		{ "99999999999999999999999", NULL, 0, ULLONG_MAX, NUMBER_LARGE,
		    0 },
		{ "9223372036854775807", NULL, 0, LLONG_MAX, NUMBER_OK,
		    LLONG_MAX },
		{ "9223372036854775808", NULL, 0, LLONG_MAX, NUMBER_LARGE, 0 },
		{ "1k", number_sizes, 0, ULLONG_MAX, NUMBER_OK, 1024 },
		{ "2M", number_sizes, 0, ULLONG_MAX, NUMBER_OK, 2097152 },
		{ "1g", number_sizes, 0, ULLONG_MAX, NUMBER_OK, 1073741824 },
		{ "1kk", number_sizes, 0, ULLONG_MAX, NUMBER_BAD, 0 },
		{ "1T", number_sizes, 0, ULLONG_MAX, NUMBER_BAD, 0 },
		{ "k", number_sizes, 0, ULLONG_MAX, NUMBER_BAD, 0 },
		{ "17179869184G", number_sizes, 0, ULLONG_MAX, NUMBER_LARGE, 0 },
		{ "1k", number_sizes, 1025, ULLONG_MAX, NUMBER_SMALL, 0 },
		{ "90s", number_durations, 0, ULLONG_MAX, NUMBER_OK, 90 },
		{ "5m", number_durations, 0, ULLONG_MAX, NUMBER_OK, 300 },
		{ "36h", number_durations, 0, ULLONG_MAX, NUMBER_OK, 129600 },
		{ "7d", number_durations, 0, ULLONG_MAX, NUMBER_OK, 604800 },
		{ "1H", number_durations, 0, ULLONG_MAX, NUMBER_BAD, 0 },
		{ "1w", number_durations, 0, ULLONG_MAX, NUMBER_BAD, 0 },
		{ "1.5h", number_durations, 0, ULLONG_MAX, NUMBER_BAD, 0 },
		{ "1d", number_durations, 0, 86399, NUMBER_LARGE, 0 },
	};
	unsigned long long	v;
	enum number_result	r;
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		r = number_parse(cases[i].s, cases[i].units, cases[i].min,
		    cases[i].max, &v);
		CHECK(r == cases[i].want, "'%s': result %d, want %d",
		    cases[i].s, r, cases[i].want);
		CHECK(r == NUMBER_OK ? v == cases[i].value : v == 12345,
		    "'%s': value %llu", cases[i].s, v);
	}
	return unit_done("test_number");
}
