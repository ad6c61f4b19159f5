/*
 * form_verdict: form_decode() and form_json() on each body read from
 * stdin, for tests/form_diff.sh, which compares them with Python's
 * urllib.parse.parse_qsl.
 *
 * Input: bodies one after another, each as its length in decimal, a
 * newline, and that many bytes. Output: one line per body, "ok JSON" (the
 * JSON object the spool would hold) or "bad". Exit 0, or 1 on a read or
 * allocation error.
 */
#include <stdio.h>
#include <stdlib.h>

#include "schemes/form.h"

#define VERDICT_MAX_BODY	(1024 * 1024)

int
main(void)
{
	struct form	 fm;
	const char	*reason;
	char		*body, *json;
	size_t		 len, n;

	while (scanf("%zu", &len) == 1) {
		if (getchar() != '\n' || len > VERDICT_MAX_BODY ||
		    (body = malloc(len + 1)) == NULL)
			return 1;
		if (fread(body, 1, len, stdin) != len) {
			free(body);
			return 1;
		}
		if (form_decode(body, len, &fm, &reason) == -1)
			printf("bad\n");
		else {
			if ((json = form_json(&fm, &n)) == NULL)
				return 1;
			printf("ok %s\n", json);
			free(json);
			form_free(&fm);
		}
		free(body);
	}
	return fflush(stdout) == EOF || ferror(stdin) ? 1 : 0;
}
