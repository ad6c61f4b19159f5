/*
 * spoolfill: fill a spool with N distinct events for bench/redis.sh,
 * through spool_deliver(), the call the responder makes once a request is
 * verified: the same lines, names and ids/ markers, without the HTTP and
 * HMAC work in front of it (measured by bench/run.sh), and with fsync off.
 *
 *   spoolfill SPOOL N PREFIX
 *
 * The ids are PREFIX-000001 .. PREFIX-N; the types alternate between
 * message.created and conversation.updated. Exit 0, or 1 with a message.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "number.h"
#include "spool.h"

int
main(int argc, char *argv[])
{
	static const char *const types[] = {
		"\"message.created\"", "\"conversation.updated\""
	};
	struct spool		*sp = NULL;
	struct spool_entry	 e;
	struct timespec		 when;
	unsigned long long	 n, i;
	const char		*reason;
	char			 name[SPOOL_NAME_MAX];
	char			 id[128], id_json[160], body[512];
	int			 len;

	if (argc != 4 || number_parse(argv[2], NULL, 1, 10000000, &n) !=
	    NUMBER_OK || strlen(argv[3]) > 64) {
		fprintf(stderr, "usage: spoolfill SPOOL N PREFIX\n");
		return 2;
	}
	if (spool_open(argv[1], 0, 0, &sp, &reason) == -1) {
		fprintf(stderr, "spoolfill: %s: %s\n", argv[1], reason);
		return 1;
	}
	for (i = 1; i <= n; i++) {
		snprintf(id, sizeof(id), "%s-%06llu", argv[3], i);
		snprintf(id_json, sizeof(id_json), "\"%s\"", id);
		len = snprintf(body, sizeof(body), "{\"id\":\"%s\",\"type\":%s,"
		    "\"payload\":{\"id\":\"WAz8eIbvDR60rouK\"}}", id,
		    types[i % 2]);
		if (len < 0 || (size_t)len >= sizeof(body))
			goto fail_body;
		memset(&e, 0, sizeof(e));
		e.se_webhook = "protocol";
		e.se_id = id;
		e.se_id_json = id_json;
		e.se_type_json = types[i % 2];
		e.se_body = body;
		e.se_bodylen = (size_t)len;
		reason = NULL;
		if (spool_deliver(sp, &e, 1, name, &when, &reason) !=
		    SPOOL_DELIVERED) {
			fprintf(stderr, "spoolfill: event %s: %s\n", id,
			    reason ? reason : "a duplicate");
			spool_close(sp);
			return 1;
		}
	}
	spool_close(sp);
	return 0;

fail_body:
	fprintf(stderr, "spoolfill: prefix too long\n");
	spool_close(sp);
	return 1;
}
