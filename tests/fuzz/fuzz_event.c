/*
 * fuzz_event.c: event_parse() and event_flatten() on arbitrary bytes, held
 * against the independent checker in ref_json.c.
 *
 * Properties:
 *  - event_parse() accepts a body exactly when the reference does: one
 *    RFC 8259 object, strict UTF-8, no NUL, nesting at most 64, exactly
 *    one top-level "id" and "type", each 1 to 1024 bytes of UTF-8 without
 *    C0/C1 controls, DEL, U+2028/U+2029, bidi overrides or lone surrogate
 *    escapes. A difference either way is a failure.
 *  - On success ev_id and ev_type are the values the reference decodes,
 *    byte for byte, and obey the rules above on their own; ev_id_json and
 *    ev_type_json are single JSON strings that decode back to them.
 *  - On failure there is a reason and ev is empty.
 *  - event_flatten() of an accepted body is one line (no CR or LF), the
 *    body with CR and LF made spaces and surrounding blanks trimmed, and
 *    still an event the reference accepts, with the same id and type.
 */
#include <string.h>

#include "event.h"
#include "fuzz.h"
#include "ref_json.h"

static const uint8_t	*cur_data;
static size_t		 cur_size;
static const char	*cur_reason, *cur_why;

static void
fuzz_report(void)
{
	fuzz_dump("body", cur_data, cur_size);
	fprintf(stderr, "  event_parse: %s; reference: %s\n",
	    cur_reason != NULL ? cur_reason : "accepted",
	    cur_why != NULL ? cur_why : "accepted");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* s is a single JSON string whose decoded bytes are the C string want. */
static void
check_json_string(const char *what, const char *s, const char *want)
{
	char	*dec;
	size_t	 declen;
	int	 lone;

	FUZZ_CHECK(s != NULL, "%s is NULL", what);
	FUZZ_CHECK(ref_json_string(s, strlen(s), &dec, &declen, &lone),
	    "%s is not one JSON string: %s", what, s);
	FUZZ_CHECK(!lone, "%s holds a lone surrogate: %s", what, s);
	FUZZ_CHECK(declen == strlen(want) && memcmp(dec, want, declen) == 0,
	    "%s does not decode to the value: %s", what, s);
	free(dec);
}

/* A decoded name: the bytes the reference decoded, and a valid name. */
static void
check_name(const char *what, const char *got, const char *want,
    size_t wantlen)
{
	const char	*why = NULL;

	FUZZ_CHECK(got != NULL, "%s is NULL", what);
	FUZZ_CHECK(strlen(got) == wantlen && memcmp(got, want, wantlen) == 0,
	    "%s is not the decoded top-level value (%zu bytes, want %zu)",
	    what, strlen(got), wantlen);
	FUZZ_CHECK(ref_name_ok(got, strlen(got), &why), "%s breaks the id and type rules: %s",
	    what, why);
}

static void
check_flatten(const uint8_t *data, size_t size, const char *id,
    const char *type)
{
	char	*copy, *want, *line, *rid, *rtype;
	size_t	 n, i, start, end, ridlen, rtypelen;

	if ((copy = malloc(size + 1)) == NULL || (want = malloc(size + 1)) ==
	    NULL)
		abort();
	memcpy(copy, data, size);
	/* what hookspool.fcgi(8) says flattening gives, computed here */
	for (i = 0; i < size; i++)
		want[i] = data[i] == '\r' || data[i] == '\n' ? ' ' :
		    (char)data[i];
	for (start = 0; start < size && (want[start] == ' ' ||
	    want[start] == '\t'); start++)
		;
	for (end = size; end > start && (want[end - 1] == ' ' ||
	    want[end - 1] == '\t'); end--)
		;
	line = event_flatten(copy, size, &n);
	FUZZ_CHECK(line >= copy && n <= size && line + n <= copy + size,
	    "the line is not within the body");
	FUZZ_CHECK(memchr(line, '\n', n) == NULL && memchr(line, '\r', n) ==
	    NULL, "the line holds CR or LF");
	FUZZ_CHECK(n == end - start && memcmp(line, want + start, n) == 0,
	    "the line is not the body with CR/LF made spaces and trimmed");
	cur_why = NULL;
	FUZZ_CHECK(ref_event_ok(line, n, &rid, &ridlen, &rtype, &rtypelen,
	    &cur_why), "the flattened line is no longer a valid event: %s",
	    cur_why);
	FUZZ_CHECK(ridlen == strlen(id) && memcmp(rid, id, ridlen) == 0 &&
	    rtypelen == strlen(type) && memcmp(rtype, type, rtypelen) == 0,
	    "flattening changed the id or the type");
	free(rid);
	free(rtype);
	free(want);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event	 ev;
	char		*body, *rid = NULL, *rtype = NULL;
	size_t		 ridlen = 0, rtypelen = 0;
	int		 rc, ref;

	cur_data = data;
	cur_size = size;
	cur_reason = cur_why = NULL;
	/* A buffer of exactly size bytes: AddressSanitizer sees over-reads. */
	if ((body = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(body, data, size);

	rc = event_parse(body, size, &ev, &cur_reason);
	ref = ref_event_ok((const char *)data, size, &rid, &ridlen, &rtype,
	    &rtypelen, &cur_why);
	FUZZ_CHECK(rc == 0 || rc == -1, "event_parse returned %d", rc);
	FUZZ_CHECK(memcmp(body, data, size) == 0, "event_parse changed the body");
	FUZZ_CHECK(!(rc == 0 && !ref),
	    "event_parse accepts a body the rules refuse (%s)", cur_why);
	FUZZ_CHECK(!(rc == -1 && ref),
	    "event_parse refuses a valid event (%s)", cur_reason);

	if (rc == -1) {
		FUZZ_CHECK(cur_reason != NULL && cur_reason[0] != '\0',
		    "refused without a reason");
		FUZZ_CHECK(ev.ev_id == NULL && ev.ev_type == NULL &&
		    ev.ev_id_json == NULL && ev.ev_type_json == NULL,
		    "refused, but ev is not empty");
	} else {
		check_name("ev_id", ev.ev_id, rid, ridlen);
		check_name("ev_type", ev.ev_type, rtype, rtypelen);
		check_json_string("ev_id_json", ev.ev_id_json, ev.ev_id);
		check_json_string("ev_type_json", ev.ev_type_json, ev.ev_type);
		check_flatten(data, size, ev.ev_id, ev.ev_type);
		event_clear(&ev);
		FUZZ_CHECK(ev.ev_id == NULL && ev.ev_type == NULL &&
		    ev.ev_id_json == NULL && ev.ev_type_json == NULL,
		    "event_clear left ev filled");
	}
	free(rid);
	free(rtype);
	free(body);
	return 0;
}
