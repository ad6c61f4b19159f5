/*
 * schemes.h: inside the senders' schemes (src/schemes/). scheme.c holds
 * the table and the seam the rest of hookspool calls (scheme.h); each
 * family of senders is one file here, and each sender in it one check
 * function (and one sign function where `hookspool sign` can sign for
 * it), named in the table. The helpers below are what the families
 * share. Nothing here prints or exits.
 */
#ifndef HOOKSPOOL_SCHEMES_H
#define HOOKSPOOL_SCHEMES_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "event.h"
#include "scheme.h"
#include "verify.h"

#define SCHEME_MACS_MAX		8	/* signatures looked at in one header */
#define SCHEME_KEY_MAX		1024	/* a decoded whsec_ key */
#define SCHEME_MAC_MAX		64	/* bytes of the longest MAC (SHA-512) */
#define SCHEME_MAC_TEXT		(2 * SCHEME_MAC_MAX + 1)	/* as hex */
#define SCHEME_TS_MAX		32	/* a timestamp's text in a list */

/* The hash of an HMAC: SHA-256 unless a sender says otherwise. */
enum scheme_alg {
	SCHEME_SHA256 = 0,
	SCHEME_SHA1,
	SCHEME_SHA512
};

/* The candidate MACs one request's header holds. */
struct scheme_macs {
	unsigned char	sm_mac[SCHEME_MACS_MAX][SCHEME_MAC_MAX];
	size_t		sm_n;
	enum scheme_alg	sm_alg;		/* set before the first is added */
	size_t		sm_hit;		/* out: the secret that verified */
};

/* A sender's check: verify rq, then fill ev (scheme_check()). */
typedef enum scheme_result (*scheme_check_fn)(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);

/*
 * A sender's signer: the header lines it would send with body[0..len) at
 * now, under wh's first secret, into a new *out (scheme_sign()).
 */
typedef int (*scheme_sign_fn)(const struct config_webhook *wh,
    const char *body, size_t len, const char *id, const char *type,
    time_t now, char **out, const char **reason);

/* The settings a scheme takes beyond its secrets (scheme_configure()). */
typedef int (*scheme_configure_fn)(struct config_webhook *, const char **);

/* Where a scheme's id comes from, for dedup (scheme_id_unsigned()). */
enum scheme_id {
	SCHEME_ID_SIGNED = 0,	/* from the signed bytes */
	SCHEME_ID_HEADER,	/* from a header the signature does not cover,
				   or nothing is signed (tokens) */
	SCHEME_ID_SETTING	/* hmac: from a header when id_header = says so */
};

/* One sender: one entry of the table in scheme.c. */
struct scheme {
	const char		*sc_name;
	scheme_check_fn		 sc_check;
	int			 sc_get;	/* takes a GET (a handshake) */
	scheme_sign_fn		 sc_sign;	/* NULL: sign cannot */
	const char		*sc_nosign;	/* then why, and what can */
	scheme_configure_fn	 sc_configure;	/* NULL: nothing more */
	unsigned		 sc_opts;	/* SCHEME_OPT() it takes */
	int			 sc_header;	/* takes header = */
	enum scheme_id		 sc_id;
	long long		 sc_tolerance;	/* default, seconds; 0: 5 min */
};

#define SCHEME_OPT(o)	(1u << (o))

/* The value of header cgi_name in rq, or NULL. */
const char *scheme_header(const struct scheme_request *rq,
    const char *cgi_name);

/* The length in bytes of an HMAC with alg. */
size_t scheme_mac_len(enum scheme_alg alg);

/*
 * Add the MAC that text[0..len) encodes (hex of either case, or padded
 * base64 when base64 is set), exactly as long as m's algorithm makes
 * them, to m; anything else is ignored.
 */
void scheme_add_mac(struct scheme_macs *m, const char *text, size_t len,
    int base64);

/*
 * Whether one of m's MACs is the HMAC (m's algorithm) of parts under one
 * of wh's secrets: SCHEME_OK, SCHEME_SIGNATURE (also when m holds none)
 * or SCHEME_ERROR, with a static *reason. Every candidate is compared
 * with every secret's MAC in constant time. m is wiped, but for sm_hit:
 * on SCHEME_OK, the index of the secret that verified.
 */
enum scheme_result scheme_check_macs(const struct config_webhook *wh,
    const struct verify_part *parts, size_t nparts, struct scheme_macs *m,
    const char **reason);

/*
 * Whether ts (may be NULL) is a number of seconds within wh's tolerance
 * of rq's now; if not, 0 with a static *reason: scheme_too_old or
 * scheme_too_new when it is a number outside the tolerance (scheme_check()
 * then answers SCHEME_STALE), another when it is none.
 */
extern const char scheme_too_old[], scheme_too_new[];
int scheme_timely(const struct config_webhook *wh,
    const struct scheme_request *rq, const char *ts, const char **reason);

/*
 * The body checked (a JSON object), then ev's id and type: each from a
 * header value (id_hdr, type_hdr), else the body's field at a dotted path
 * (id_path, type_path); NULL means not from there. SCHEME_OK or
 * SCHEME_EVENT with a static *reason.
 */
enum scheme_result scheme_fill(const struct scheme_request *rq,
    const char *id_hdr, const char *id_path, const char *type_hdr,
    const char *type_path, struct event *ev, const char **reason);

/*
 * ev with id, and a type: "batch" when the body is a JSON array (a batch
 * of events, spooled as one), else the body (a JSON object)'s string at
 * type_path, else fallback. SCHEME_OK or SCHEME_EVENT with *reason.
 */
enum scheme_result scheme_fill_typed(const struct scheme_request *rq,
    const char *id, const char *type_path, const char *fallback,
    struct event *ev, const char **reason);

/*
 * r, once ev is filled from a header the signature does not cover: ev
 * then keeps the SHA-256 of the body for the spool's dedup (event.h).
 */
enum scheme_result scheme_unsigned_id(const struct scheme_request *rq,
    struct event *ev, enum scheme_result r, const char **reason);

/*
 * The HMAC-SHA256 of parts under wh's first secret, as lower-case hex or
 * base64 and a NUL, into out. Returns 0, or -1 with a static reason.
 */
int scheme_sign_parts(const struct config_webhook *wh,
    const struct verify_part *parts, size_t nparts, int base64,
    char out[VERIFY_HEX_LEN + 1], const char **reason);

/* As scheme_sign_parts(), with the HMAC's hash alg, into out. */
int scheme_sign_alg(const struct config_webhook *wh, enum scheme_alg alg,
    const struct verify_part *parts, size_t nparts, int base64,
    char out[SCHEME_MAC_TEXT], const char **reason);

/* *out from a format, or -1 with reason "out of memory". */
int scheme_printf(char **out, const char **reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * A signature header that is a list (Stripe's "t=TS,v1=HEX,...",
 * Paddle's "ts=TS;h1=HEX;..."): entries separated by sep; the first one
 * starting with tkey gives the timestamp (shorter than SCHEME_TS_MAX,
 * else ignored) into ts, "" when none; each starting with mackey adds its
 * hex MAC to m (scheme_add_mac()); anything else is ignored. list may be
 * NULL (no header).
 */
void scheme_sig_list(const char *list, char sep, const char *tkey,
    const char *mackey, char ts[SCHEME_TS_MAX], struct scheme_macs *m);

/*
 * An RFC 3339 time in UTC, "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (from 1970
 * on; the fraction dropped), as seconds since the epoch into *t. Returns
 * 0, or -1 when s is not one.
 */
int scheme_rfc3339(const char *s, long long *t);

/* Whether path is a usable dotted field path (NULL is). */
int scheme_usable_path(const char *path);

/*
 * Whether value (a token header's; NULL when absent) equals one of wh's
 * secrets: an exact length, then every byte compared in constant time.
 * SCHEME_OK, or SCHEME_SIGNATURE with a static *reason.
 */
enum scheme_result scheme_token_check(const struct config_webhook *wh,
    const char *value, const char **reason);

/*
 * The hex SHA-256 of rq's body and a NUL into hex: the id of senders that
 * send none. SCHEME_OK, or SCHEME_ERROR with a static *reason.
 */
enum scheme_result scheme_body_sum(const struct scheme_request *rq,
    char hex[VERIFY_HEX_LEN + 1], const char **reason);

struct json_member;

/*
 * The top-level member m (as json_check_object() filled it), which must
 * appear once as a whole number of digits shorter than cap, into out as
 * text. Returns 0, or -1 with a static reason.
 */
int scheme_member_integer(const struct json_member *m, char *out, size_t cap,
    const char **reason);

/* hmac.c: senders that sign the body alone. */
enum scheme_result scheme_protocol_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_github_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_shopify_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_hmac_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
int scheme_hmac_configure(struct config_webhook *, const char **);
/* hmac's algorithm = (configured): SHA-256 unless sha1 or sha512. */
enum scheme_alg scheme_hmac_alg(const struct config_webhook *wh);
int scheme_protocol_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);
int scheme_github_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);
int scheme_shopify_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);
enum scheme_result scheme_meta_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
int scheme_meta_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);

/* timed.c: senders that sign a timestamp with the body. */
enum scheme_result scheme_stripe_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_standard_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_slack_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
int scheme_standard_configure(struct config_webhook *, const char **);
int scheme_stripe_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);
int scheme_standard_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);
int scheme_slack_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);

enum scheme_result scheme_paddle_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_calendly_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
int scheme_paddle_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);
int scheme_calendly_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);

/* timed_more.c: Zoom, Twitch, Mailgun. */
enum scheme_result scheme_zoom_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_twitch_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_mailgun_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
int scheme_zoom_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);
int scheme_twitch_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);
int scheme_mailgun_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);

/* url.c: senders that sign the URL they call (url =) with the body. */
enum scheme_result scheme_square_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_hubspot_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_twilio_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
int scheme_url_configure(struct config_webhook *, const char **);
int scheme_square_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);
int scheme_hubspot_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);
int scheme_twilio_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);

/* pubkey.c: senders that sign with a private key. */
enum scheme_result scheme_discord_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_sendgrid_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
int scheme_discord_configure(struct config_webhook *, const char **);
int scheme_sendgrid_configure(struct config_webhook *, const char **);

/* token.c: senders that send a shared token. */
enum scheme_result scheme_gitlab_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
enum scheme_result scheme_telegram_check(const struct config_webhook *,
    const struct scheme_request *, struct scheme_out *, const char **);
int scheme_telegram_configure(struct config_webhook *, const char **);
int scheme_gitlab_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);
int scheme_telegram_sign(const struct config_webhook *, const char *, size_t,
    const char *, const char *, time_t, char **, const char **);

/* handshake.c: the answers to senders' handshakes, never spooled. */

/*
 * SCHEME_ANSWER with status, and body (which out takes; NULL: none) of
 * Content-Type type (static; NULL with no body). A type with a NULL body
 * is an allocation that failed: SCHEME_ERROR.
 */
enum scheme_result scheme_answer(struct scheme_out *out, int status,
    const char *type, char *body, const char **reason);
enum scheme_result scheme_slack_challenge(const struct scheme_request *rq,
    struct scheme_out *out, const char **reason);

/* Zoom's url_validation, keyed with wh's secret number hit. */
enum scheme_result scheme_zoom_validation(const struct config_webhook *wh,
    size_t hit, const struct scheme_request *rq, struct scheme_out *out,
    const char **reason);

/* Meta's subscription check (a GET): hub.challenge, text/plain. */
enum scheme_result scheme_meta_subscribe(const struct config_webhook *wh,
    const struct scheme_request *rq, struct scheme_out *out,
    const char **reason);

/* Twitch's webhook_callback_verification: the challenge, text/plain. */
enum scheme_result scheme_twitch_verification(const struct scheme_request *rq,
    struct scheme_out *out, const char **reason);

#endif
