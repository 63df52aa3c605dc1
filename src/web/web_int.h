/*
 * web_int.h — the inside of the web module, shared by the .c files of
 * src/web/ and by the module's own tests (tests/web/), nobody else.
 *
 * The module is split at one seam: `web_handle` turns a `web_request` — the
 * method, the raw request target, the body and a few facts about the peer —
 * into a `web_response` — a status, headers and a body — without sockets,
 * threads or libmicrohttpd. server.c is the only file that knows about
 * libmicrohttpd; it gathers a request, calls web_handle on the second call of
 * the access handler, and hands the response over. The tests call web_handle
 * directly, so every route is exercised in-process exactly as it is served.
 *
 * Routes live in one table (route.c): method, path, kind, handler and a
 * sentence for the documentation. Everything that depends on routing —
 * dispatch, 404, 405 and its Allow header, whether an error is a page or a
 * problem document — is derived from that table.
 *
 * Invariants:
 *   - Every response, error or not, carries the security headers
 *     (web_response_init adds them), so no route can forget them.
 *   - A handler validates everything before it writes anything: a request
 *     that fails writes nothing to the store.
 *   - Bodies are built in capped lt_bufs and handed to the response, which
 *     owns them until web_response_release (server.c hands them on to
 *     libmicrohttpd, which frees them after sending).
 *   - Nothing here logs request bodies or personal data; log lines are
 *     written by server.c from the request id, method, route and status.
 */
#ifndef LT_WEB_INT_H
#define LT_WEB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/record.h"
#include "crypto/crypto.h"
#include "store/store.h"

/*
 * Sizes of fixed buffers inside the module. The ceilings on what a client can send or
 * make lantern build (body, target, form fields, JSON depth, page size) are
 * LT_HTTP_* in core/limits.h.
 */
#define WEB_HEADERS_MAX      12  /* headers on one response */
#define WEB_HEADER_VALUE_MAX 256 /* bytes of one header value, with its NUL */
#define WEB_METHOD_MAX       16  /* bytes of a method name kept for logs */

/* What the application serves from: the store and the sealing key. */
struct web_app {
	struct store *st;                            /* not owned; outlives the app */
	bool sealing;                                /* a public key was loaded: contact details
	                                                can be accepted, sealed */
	unsigned char pk[LT_CRYPTO_PUBLICKEY_BYTES]; /* the partnership's public key */
	size_t *country_order; /* heap, owned: the lt_vocab_country.count indexes of
	                          lt_vocab_country in the order of their names, for the
	                          public form's list (computed once by web_app_init) */
};

/*
 * Set up `app` to serve `st`. `keyfile` (may be NULL) names a key file whose
 * public line seals reporters' contact details; without it no contact
 * details are accepted. Initialises libsodium and sorts the country list.
 * On failure nothing needs releasing.
 */
lt_status web_app_init(struct web_app *app, struct store *st, const char *keyfile,
                       struct lt_error *err);
/* Wipe the key and free the country order. The store is not closed. */
void web_app_release(struct web_app *app);

/*
 * The indexes 0..lt_vocab_country.count-1 of lt_vocab_country, in a heap
 * array the caller frees, ordered by the countries' names as a person looks
 * them up: case and the accents of Latin letters ignored, so "Åland Islands"
 * comes after "Afghanistan" and "Côte d'Ivoire" between "Costa Rica" and
 * "Croatia". NULL when out of memory. (pages.c)
 */
size_t *web_country_order_alloc(void);

/* One request, as the server (or a test) hands it to web_handle. Nothing is
 * owned: every pointer stays valid for the duration of web_handle. */
struct web_request {
	const char *method;       /* "GET", "POST", ...; NUL-terminated */
	const char *target;       /* the request target as sent: "/path?query" */
	const char *content_type; /* Content-Type header, NULL when absent */
	const char *body;         /* body bytes, NULL when none; need not be NUL-terminated */
	size_t body_len;          /* bytes at body */
	bool body_too_big;        /* more than LT_HTTP_BODY_MAX bytes were sent; body is NULL */
	bool peer_loopback;       /* the peer is a loopback address (127/8, ::1) */
	const char *peer;         /* the peer's address as text, for the audit actor */
	struct lt_date today;     /* today's date in UTC, read by the server, not the core */
	const char *id;           /* the request id, for problem documents */
};

struct web_header {
	const char *name;                 /* static string */
	char value[WEB_HEADER_VALUE_MAX]; /* NUL-terminated */
};

/* One response. Initialise with web_response_init; release with
 * web_response_release. */
struct web_response {
	int status;        /* HTTP status code */
	lt_status outcome; /* the status it came from, LT_OK on success */
	const char *route; /* the matched route's path pattern for logs, "-" when none */
	struct web_header headers[WEB_HEADERS_MAX];
	size_t nheaders;
	char *body;      /* heap (malloc), owned; NULL when empty */
	size_t body_len; /* bytes at body */
};

void web_response_init(struct web_response *rs);
void web_response_release(struct web_response *rs);
/* Set (replace) a header. Values longer than WEB_HEADER_VALUE_MAX - 1 bytes
 * or holding CR/LF are a bug. */
void web_response_header(struct web_response *rs, const char *name, const char *value);
/* The value of a header, NULL when it is not set. */
const char *web_response_header_get(const struct web_response *rs, const char *name);
/* Take the contents of `b` as the body (b is left empty). */
void web_response_body(struct web_response *rs, int status, const char *content_type,
                       struct lt_buf *b);

/*
 * Answer one request. Never fails: every problem becomes an error response.
 * `rs` must have been initialised with web_response_init.
 */
void web_handle(struct web_app *app, const struct web_request *rq, struct web_response *rs);

/* ---- routes ------------------------------------------------------------ */

/* What a route answers with, and so what its errors look like. */
enum web_kind {
	WEB_KIND_PAGE,   /* HTML pages; errors are HTML pages */
	WEB_KIND_API,    /* JSON; errors are application/problem+json */
	WEB_KIND_STATIC, /* fixed assets; errors are HTML pages */
};

/* One call of a handler: the request, its parsed target and the response. */
struct web_call {
	struct web_app *app;
	const struct web_request *rq;
	const char *path;  /* decoded path, NUL-terminated */
	const char *query; /* raw query string after '?', "" when none */
	const char *param; /* the {param} segment of a pattern route, "" when none */
	struct web_response *rs;
};

struct web_route {
	const char *method; /* "GET" or "POST"; a GET route also answers HEAD */
	const char *path;   /* exact path, or a prefix followed by one "{name}" segment */
	enum web_kind kind;
	void (*handler)(struct web_call *c);
	const char *description; /* a sentence for the documentation */
};

extern const struct web_route web_routes[];
extern const size_t web_route_count;

/* The kind of answer for a path no route matched: API under /api/. */
enum web_kind web_kind_for_path(const char *path);

/* Route handlers (pages.c, api.c, static.c). */
void web_page_index(struct web_call *c);
void web_page_report(struct web_call *c);
void web_static_css(struct web_call *c);
void web_api_stats_arrests(struct web_call *c);
void web_api_reports_create(struct web_call *c);
void web_api_report_get(struct web_call *c);
void web_api_healthz(struct web_call *c);
void web_api_estimate(struct web_call *c);

/* ---- errors ------------------------------------------------------------ */

/*
 * Answer with an error of `kind`: an HTML page or an RFC 9457 problem
 * document. The HTTP status comes from the status table; `detail` is a
 * sentence for the reader; `errors` (may be NULL) names the bad fields and
 * becomes the "errors" array of a problem document or a list on a page.
 */
void web_error(struct web_call *c, enum web_kind kind, lt_status st, const char *detail,
               const struct lt_diags *errors);
/* The same without a call (for 404/405 before any route is chosen). */
void web_error_response(const struct web_request *rq, struct web_response *rs, enum web_kind kind,
                        lt_status st, const char *detail, const struct lt_diags *errors);
/* The technical sentence of an error, its field named in words: "District
 * is required when place is local". For error pages; the public form shows
 * the plain sentences of web_public_message instead. */
void web_error_sentence(const struct lt_error *e, char *out, size_t cap);

/* ---- forms and query strings (form.c) ------------------------------------ */

/* One decoded name=value pair. Both are NUL-terminated; they contain no NUL. */
struct web_pair {
	char *name;
	size_t name_len;
	char *value;
	size_t value_len;
};

/* A decoded application/x-www-form-urlencoded body or query string. */
struct web_form {
	struct web_pair *pairs; /* heap array, owned, in the order sent */
	size_t count;           /* at most LT_HTTP_FORM_FIELDS_MAX */
	char *store;            /* heap, owned: the decoded bytes the pairs point into */
	size_t store_len;       /* bytes allocated at store (wiped on release) */
};

/*
 * Decode `len` bytes of application/x-www-form-urlencoded text: pairs
 * separated by '&', name and value by '=', '+' for a space and %XX escapes.
 * Fails (LT_EPARSE) on a '%' not followed by two hex digits and on an escape
 * that decodes to NUL; fails (LT_ETOOBIG) past LT_HTTP_FORM_FIELDS_MAX pairs.
 * Empty pairs ("a=1&&b=2") are skipped. On success the caller releases `out`
 * with web_form_release (also safe after a failure).
 */
lt_status web_form_parse(const char *s, size_t len, struct web_form *out, struct lt_error *err);
void web_form_release(struct web_form *f);
/* Count the pairs named `name`; when `first` is not NULL it gets the first. */
size_t web_form_get(const struct web_form *f, const char *name, const struct web_pair **first);

/*
 * Decode %XX escapes of a request path into `out` (capacity `cap`, NUL-
 * terminated); '+' stays '+'. LT_EPARSE on a bad escape or an escaped NUL,
 * LT_ETOOBIG when it does not fit.
 */
lt_status web_path_decode(const char *s, size_t len, char *out, size_t cap);

/* True when the media type of a Content-Type value is `type` (parameters
 * such as "; charset=utf-8" ignored, case-insensitive). */
bool web_content_type_is(const char *content_type, const char *type);

/* ---- HTML (html.c) ------------------------------------------------------- */

/* Append `len` bytes of `s` with & < > " ' escaped. */
lt_status web_html_escape(struct lt_buf *b, const char *s, size_t len);
/* Append a NUL-terminated string escaped. */
lt_status web_html_puts(struct lt_buf *b, const char *s);
/* Open a page: doctype, head with `title`, the leave-quickly link, with
 * `report_link` a "Report a concern" link to the form (#report, which the
 * page must have), the site header, and <main>. */
lt_status web_html_open(struct lt_buf *b, const char *title, bool report_link);
/* Close <main>, add the footer, close the document. */
lt_status web_html_close(struct lt_buf *b);

/* ---- reports (report.c) -------------------------------------------------- */

/* The kind of rule a problem with a report field broke. With the field it
 * picks the plain sentence the public form shows. */
enum web_rule {
	WEB_RULE_ANY,      /* in web_public_message's table only: any rule */
	WEB_RULE_REQUIRED, /* a required field was not given */
	WEB_RULE_INVALID,  /* the field's parser refused the value */
	WEB_RULE_TOO_LONG, /* the value is longer than its limit (the parser said LT_ETOOBIG) */
	WEB_RULE_TWICE,    /* the field was given more than once */
	WEB_RULE_UNKNOWN,  /* a name the intake does not accept */
	WEB_RULE_CHECK,    /* a cross-field rule of lt_report_check */
	WEB_RULE_NO_KEY,   /* contact details, but no key to seal them with */
};

/*
 * The sentence the public form shows for a problem with report field
 * `field` (any name; unknown names get a general sentence) under `rule`:
 * plain words that say what to do ("Choose the district where it
 * happened"), with no field codes or formats. Static; never NULL. The table
 * is in pages.c, beside the other words of the public page.
 */
const char *web_public_message(const char *field, enum web_rule rule);

/* Who is submitting, which decides which fields may be given. */
enum web_intake {
	WEB_INTAKE_PUBLIC, /* the public form: source, agency and received are set by lantern */
	WEB_INTAKE_API,    /* the partner API: every field of lt_report_fields */
};

/*
 * A report being filled from untrusted text, with the problems found so far.
 * Initialise with web_report_input_init; release with
 * web_report_input_release (wipes the personal data).
 */
struct web_report_input {
	enum web_intake intake;
	struct lt_report rep;   /* the record being filled */
	struct lt_diags errors; /* problems found, at most one per field is shown */
	bool given[32];         /* per lt_report_fields index: a non-empty value was set */
	uint32_t forms;         /* forms gathered from repeated values */
	bool contact_ignored;   /* public only: contact details came with "stay anonymous"
	                           chosen, and were wiped rather than kept */
};

void web_report_input_init(struct web_report_input *in, enum web_intake intake);
void web_report_input_release(struct web_report_input *in);
/*
 * Set field `name` from `len` bytes of text. A name the intake does not
 * accept, a value given twice (except forms, which gather) and a value its
 * parser refuses are recorded in in->errors. An empty value means "not
 * given".
 */
void web_report_input_set(struct web_report_input *in, const char *name, size_t name_len,
                          const char *v, size_t len);
/* Record a value of `field` that cannot be used; `message` is the technical
 * sentence (the public form shows its plain one instead). */
void web_report_input_fail(struct web_report_input *in, lt_status st, const char *field,
                           const char *message);
/*
 * Finish: apply the intake's fixed values (public: source public, received
 * `today`, and the unused district, country or contact details dropped),
 * check that the required fields were given, run lt_report_check with
 * `known` (may be NULL) and keep each of its findings whose fields parsed,
 * and seal the contact details with the app's key (wiping the plain text).
 * Returns LT_OK when the report may be stored; else LT_EINVAL with
 * in->errors filled, or LT_ECRYPTO when sealing failed.
 */
lt_status web_report_input_finish(struct web_report_input *in, struct web_app *app,
                                  const struct lt_date *today, const struct lt_known *known);
/* The first recorded error for `field`, NULL when none. */
const struct lt_error *web_report_input_error(const struct web_report_input *in, const char *field);
/*
 * Give the report a fresh reference code and store it, retrying with new
 * codes while the code clashes. `actor` goes to the audit table.
 */
lt_status web_report_store(struct web_app *app, struct lt_report *rep, const char *actor,
                           struct lt_error *err);

#endif
