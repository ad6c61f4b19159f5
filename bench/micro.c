/*
 * micro: the responder's core path, without a server, for counting
 * instructions under callgrind (bench/micro.sh, make microbench). It loads
 * CONFIG (whose spool should be on a tmpfs), makes COUNT signed events of
 * about 600 bytes, each with an id of its own, and then hands each to
 * micro_event(): what handle() does once the body is read (verify the
 * signature, check the event, match its type, flatten it, spool it, with
 * the config's dedup, and count the answer in the spool's counters file,
 * mapped once as a FastCGI process keeps it). callgrind counts micro_event() only
 * (--toggle-collect), so the set-up is left out.
 *
 *   micro CONFIG COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "counters.h"
#include "event.h"
#include "scheme.h"
#include "spool.h"
#include "verify.h"

#define MICRO_BODY_MAX	1024

struct micro_req {
	char	mr_sig[VERIFY_HEX_LEN + 1];
	char	mr_body[MICRO_BODY_MAX];
	size_t	mr_len;
};

static const char *
micro_header(void *arg, const char *cgi_name)
{
	struct micro_req	*mr = arg;

	return strcmp(cgi_name, "HTTP_X_PROTOCOL_SIGNATURE") == 0 ?
	    mr->mr_sig : NULL;
}

/*
 * One request, from its body to the spool. 0 when it was spooled (or its
 * type is ignored), -1 when it was refused or could not be spooled.
 */
int micro_event(const struct config *cf, const struct config_webhook *wh,
    struct spool *sp, struct counters *ct, struct micro_req *mr);

int __attribute__((noinline))
micro_event(const struct config *cf, const struct config_webhook *wh,
    struct spool *sp, struct counters *ct, struct micro_req *mr)
{
	struct scheme_request	 sr;
	struct spool_entry	 se;
	struct timespec		 when;
	struct scheme_out	 so;
	struct event		*ev = &so.so_ev;
	const char		*reason;
	char			 name[SPOOL_NAME_MAX];
	size_t			 linelen;
	int			 rc = -1;

	memset(&so, 0, sizeof(so));
	sr.sr_header = micro_header;
	sr.sr_arg = mr;
	sr.sr_body = mr->mr_body;
	sr.sr_len = mr->mr_len;
	sr.sr_now = time(NULL);
	sr.sr_method = "POST";
	sr.sr_query = NULL;
	if (scheme_check(wh, &sr, &so, &reason) != SCHEME_OK)
		goto done;
	if (!event_type_matches(ev->ev_type, wh->wh_events, wh->wh_nevents)) {
		rc = 0;
		counters_add(ct, wh->wh_name, COUNTERS_IGNORED);
		goto done;
	}
	memset(&se, 0, sizeof(se));
	se.se_body = event_flatten(mr->mr_body, mr->mr_len, &linelen);
	se.se_bodylen = linelen;
	se.se_webhook = wh->wh_name;
	se.se_id = ev->ev_id;
	se.se_id_json = ev->ev_id_json;
	se.se_type_json = ev->ev_type_json;
	se.se_signed_sum = ev->ev_id_unsigned ? ev->ev_signed_sum : NULL;
	if (spool_deliver(sp, &se, cf->cf_dedup, name, &when, &reason) ==
	    SPOOL_DELIVERED)
		rc = 0;
	(void)counters_stale(ct, sp);	/* what the responder looks at */
	counters_add(ct, wh->wh_name, rc == 0 ? COUNTERS_ACCEPTED :
	    COUNTERS_503);
done:
	scheme_out_clear(&so);
	return rc;
}

int
main(int argc, char *argv[])
{
	const struct config_webhook	*wh;
	struct micro_req		*reqs;
	struct config			*cf;
	struct spool			*sp;
	struct counters			*ct;
	const char			*reason;
	char				 err[CONFIG_ERR_MAX], *end;
	long				 i, n, failed = 0;
	int				 len;

	if (argc != 3 || (n = strtol(argv[2], &end, 10)) < 1 ||
	    *end != '\0' || n > 1000000) {
		fprintf(stderr, "usage: micro CONFIG COUNT\n");
		return 2;
	}
	if (verify_init(&reason) == -1) {
		fprintf(stderr, "micro: %s\n", reason);
		return 1;
	}
	if (config_load(argv[1], &cf, err, sizeof(err)) == -1) {
		fprintf(stderr, "micro: %s\n", err);
		return 1;
	}
	wh = &cf->cf_webhooks[0];
	if (spool_open(wh->wh_spool, cf->cf_fsync, cf->cf_group_readable, &sp,
	    &reason) == -1) {
		fprintf(stderr, "micro: %s\n", reason);
		return 1;
	}
	if (counters_open(sp, &ct, &reason) == -1) {
		fprintf(stderr, "micro: %s\n", reason);
		return 1;
	}
	if ((reqs = calloc(n, sizeof(*reqs))) == NULL) {
		fprintf(stderr, "micro: out of memory\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		len = snprintf(reqs[i].mr_body, MICRO_BODY_MAX,
		    "{\"id\":\"micro-%08ld-%lld\",\"type\":\"conversation.updated\","
		    "\"payload\":{\"id\":\"WAz8eIbvDR60rouK\",\"text\":\"%0*d\"}}",
		    i, (long long)time(NULL), 480, 0);
		if (len < 0 || len >= MICRO_BODY_MAX ||
		    verify_sign(wh->wh_secrets[0].sec_key,
		    wh->wh_secrets[0].sec_len, reqs[i].mr_body, (size_t)len,
		    reqs[i].mr_sig, &reason) == -1) {
			fprintf(stderr, "micro: unable to sign an event\n");
			return 1;
		}
		reqs[i].mr_len = (size_t)len;
	}
	for (i = 0; i < n; i++)
		if (micro_event(cf, wh, sp, ct, &reqs[i]) == -1)
			failed++;
	free(reqs);
	counters_close(ct);
	spool_close(sp);
	config_free(cf);
	if (failed > 0) {
		fprintf(stderr, "micro: %ld of %ld events were not spooled\n",
		    failed, n);
		return 1;
	}
	return 0;
}
