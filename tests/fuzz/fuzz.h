/*
 * fuzz.h: what the libFuzzer targets share. A target checks properties of
 * the code under test on each input; a property that does not hold is
 * reported on stderr and ends the run with abort(), so libFuzzer saves the
 * input that broke it.
 */
#ifndef HOOKSPOOL_FUZZ_H
#define HOOKSPOOL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print at most 256 bytes of s[0..len) on stderr, C-escaped, after label. */
static inline void
fuzz_dump(const char *label, const void *s, size_t len)
{
	const unsigned char	*u = s;
	size_t			 i;

	fprintf(stderr, "  %s (%zu bytes): \"", label, len);
	for (i = 0; i < len && i < 256; i++) {
		if (u[i] == '"' || u[i] == '\\')
			fprintf(stderr, "\\%c", u[i]);
		else if (u[i] >= 0x20 && u[i] < 0x7f)
			fputc(u[i], stderr);
		else
			fprintf(stderr, "\\x%02x", u[i]);
	}
	fprintf(stderr, "\"%s\n", len > 256 ? "..." : "");
}

/*
 * A property that must hold: if it does not, say which one and where,
 * then the details (printf-style), and abort.
 */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n  ",	\
		    __FILE__, __LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		fuzz_report();						\
		abort();						\
	}								\
} while (0)

/* Each target defines it: print what it knows about the current input. */
static void fuzz_report(void);

#endif
