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
 * Routes live in one table (route.c): method, path, kind, who may call it
 * (access and the action of core/access.h it needs), how a state-changing
 * form proves it came from lantern's own page (csrf), whether it runs on
 * the server's worker pool, the handler, a sentence for the documentation
 * and the route's API documentation (the OpenAPI document is generated from
 * it: openapi.c). Everything that depends on routing — dispatch, 404, 405
 * and its Allow header, 401/403 and the sign-in redirect, the CSRF checks,
 * whether an error is a page or a problem document — is derived from that
 * table.
 *
 * Every call has a principal (struct web_principal): nobody (the public),
 * a member of staff signed in with a session cookie, or a partner system
 * with an API token (auth.c). Routes open to the public never look at
 * credentials.
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

#include <jansson.h>

#include "core/access.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/person.h"
#include "core/record.h"
#include "core/throttle.h"
#include "crypto/crypto.h"
#include "store/store.h"

/*
 * Sizes of fixed buffers inside the module. The ceilings on what a client can send or
 * make lantern build (body, target, form fields, JSON depth, page size) are
 * LT_HTTP_* in core/limits.h.
 */
#define WEB_HEADERS_MAX      16  /* headers on one response */
#define WEB_HEADER_VALUE_MAX 256 /* bytes of one header value, with its NUL */
#define WEB_METHOD_MAX       16  /* bytes of a method name kept for logs */
#define WEB_PARAM_MAX        256 /* bytes of a {param} segment of a path, with its NUL */

/* What the application serves from: the store and the sealing key. */
struct web_app {
	struct store *st;                            /* not owned; outlives the app */
	bool sealing;                                /* a public key was loaded: contact details
	                                                can be accepted, sealed */
	unsigned char pk[LT_CRYPTO_PUBLICKEY_BYTES]; /* the partnership's public key */
	size_t *country_order; /* heap, owned: the lt_vocab_country.count indexes of
	                          lt_vocab_country in the order of their names, for the
	                          public form's list (computed once by web_app_init) */
	bool insecure_http;    /* cookies go without Secure and without the __Host- prefix
	                          (lantern serve --insecure-http, on loopback only); false
	                          after web_app_init */
	unsigned char form_key[LT_CRYPTO_SECRET_BYTES]; /* random, per process: signs the
	                          form tokens of the public form and the login form */
	struct lt_throttle *throttle_account; /* failed sign-ins per account (owned) */
	struct lt_throttle *throttle_address; /* failed sign-ins per client address (owned) */
	struct lt_crypto_keyring *data_keys; /* the data key file's master keys (heap, owned,
	                          wiped on release); NULL: personal data cannot be sealed
	                          or opened, and the routes of persons say so (api_persons.c) */
};

/*
 * Set up `app` to serve `st`. `keyfile` (may be NULL) names a key file whose
 * public line seals reporters' contact details; without it no contact
 * details are accepted. Initialises libsodium, sorts the country list,
 * draws the form key and makes the two sign-in throttles. On failure
 * nothing needs releasing.
 */
lt_status web_app_init(struct web_app *app, struct store *st, const char *keyfile,
                       struct lt_error *err);
/*
 * Give `app` the master keys of the data key file (copied), after checking
 * them against the database: LT_ECRYPTO when a key is not the database's
 * key of that id, when persons are sealed under a key the file lacks, or
 * when the database has a newer key (a rotation). (api_persons.c)
 */
lt_status web_app_data_keys(struct web_app *app, const struct lt_crypto_keyring *keys,
			    struct lt_error *err);
/* Wipe and free them (web_app_release does). */
void web_app_data_keys_release(struct web_app *app);
/* Wipe the keys, free the country order and the throttles. The store is
 * not closed. */
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
	int64_t now;              /* seconds since 1970-01-01 UTC, read by the server (the
	                             tests set it): session expiry, form tokens, throttles */
	const char *id;           /* the request id, for problem documents */
	const char *cookie;        /* Cookie header, NULL when absent */
	const char *authorization; /* Authorization header, NULL when absent */
	const char *csrf_header;   /* X-CSRF-Token header, NULL when absent */
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
/* Add a header even when one of that name is set (Set-Cookie). */
void web_response_header_add(struct web_response *rs, const char *name, const char *value);
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

struct web_form; /* a decoded form (below) */

/* Who may call a route. */
enum web_access {
	WEB_ACCESS_PUBLIC,    /* anyone; credentials are not looked at */
	WEB_ACCESS_SESSION,   /* a member of staff signed in with a session cookie */
	WEB_ACCESS_PRINCIPAL, /* a signed-in member of staff or a partner system's API token */
};

/* How a state-changing form shows it was sent from lantern's own page
 * (auth.c). API routes say NONE: there an unsafe method authenticated by a
 * session cookie must carry the session's token in X-CSRF-Token, and one
 * authenticated by an API token needs nothing (no browser sends it by
 * itself). */
enum web_csrf {
	WEB_CSRF_NONE,    /* a safe method, or an API route */
	WEB_CSRF_SESSION, /* form field "csrf" = the CSRF token of the caller's session */
	WEB_CSRF_FORM,    /* form field "csrf" = a signed, dated token of the public form */
	WEB_CSRF_LOGIN,   /* form field "csrf" = a signed, dated token bound to the login cookie */
};

#define WEB_NO_ACTION (-1) /* a route that needs no action of core/access.h */

/* Who is calling (auth.c). Wiped at the end of each request. */
enum web_auth {
	WEB_AUTH_NONE,    /* nobody: the public, or credentials not looked at */
	WEB_AUTH_SESSION, /* a member of staff, by session cookie */
	WEB_AUTH_TOKEN,   /* a partner system, by API token */
};

struct web_principal {
	enum web_auth auth;
	struct lt_principal p;    /* valid unless auth is NONE */
	char agency[LT_CODE_MAX]; /* the code of the principal's agency; "" for NONE */
	char actor[32];           /* for the audit log: "user:7", "token:3"; "public" for NONE */
	/* Sessions only. */
	int64_t session_id;                 /* sessions.id */
	int64_t session_expires;            /* absolute expiry, seconds since 1970 */
	char email[LT_EMAIL_MAX];           /* the account's address, for its own pages */
	char csrf[LT_CRYPTO_SECRET_SIZE];   /* the session's CSRF token */
};

/* One call of a handler: the request, its parsed target and the response. */
struct web_call {
	struct web_app *app;
	const struct web_request *rq;
	const char *path;  /* decoded path, NUL-terminated */
	const char *query; /* raw query string after '?', "" when none */
	const char *param; /* the first {param} segment of a pattern route, "" when none */
	const char *param2; /* the second, "" when none */
	const struct web_principal *who; /* never NULL; auth NONE on public routes */
	struct web_response *rs;
};

/*
 * The documentation of a route, from which GET /api/v1/openapi.json is
 * generated (openapi.c): the route row points at one, so the table stays
 * the single source of truth for what is served and what is documented.
 * Write them with designated initializers; lists end with an entry whose
 * first member is NULL (responses: status 0; errors: LT_OK).
 */

/* Where a parameter is sent. */
enum web_param_in {
	WEB_IN_QUERY, /* ?name=value */
	WEB_IN_PATH,  /* the route's {name} segment */
};

struct web_api_param {
	const char *name;
	enum web_param_in in;
	bool required;
	const char *schema;      /* a JSON Schema, as JSON text: "{\"type\":\"string\"}" */
	const char *description; /* a sentence */
};

/* The JSON type of a member of an lt_field table (record.h), whose table
 * says nothing of types: a string unless listed. */
struct web_api_member {
	const char *name;             /* the field's name */
	const char *schema;           /* a JSON Schema as JSON text; NULL: a code of `vocab` */
	const struct lt_vocab *vocab; /* with schema NULL: the codes are its enum */
	bool list;                    /* an array of codes of `vocab` */
	const char *description;      /* instead of the field's `format`, or NULL */
	const struct web_api_schema *array_of; /* with schema and vocab NULL: an array of these */
};

/*
 * A JSON Schema, one of: JSON text (`json`); an object whose members are a
 * field table's (`fields` or `pfields`, with `types`, less `omit`, plus
 * `extra`); or a list of `items`. With a `name` it becomes a component,
 * "#/components/schemas/<name>", written once and referred to.
 */
struct web_api_schema {
	const char *name;          /* a component's name, NULL for an inline schema */
	const char *description;   /* a sentence, or NULL */
	const char *json;          /* the schema as JSON text */
	const struct lt_field *fields;   /* members: an lt_field table ... */
	const size_t *nfields;
	const struct lt_pfield *pfields; /* ... or an lt_pfield table (typed by its flags) */
	const size_t *npfields;
	const struct web_api_member *types; /* `fields` members that are not strings */
	const char *const *omit;   /* members of the table left out */
	const char *extra;         /* more properties, as a JSON object text {"id": {...}} */
	const char *const *extra_required; /* which of `extra` are required */
	bool none_required;        /* a change (PATCH): no member is required */
	bool all_required;         /* an answer: every member is there (null when not known) */
	bool nullable;             /* a member the table does not require may be null; a member
	                              with a schema of its own in `types` is as that says */
	bool closed;               /* no other member is allowed (additionalProperties false) */
	const struct web_api_schema *items; /* a JSON array of these */
};

/* A request body of one media type. */
struct web_api_body {
	const char *media_type; /* "application/json", "text/csv", ... */
	const struct web_api_schema *schema;
};

/* An answer that is not an error. */
struct web_api_response {
	int status;                          /* 200, 201, 303, ... */
	const char *description;             /* a sentence */
	const char *media_type;              /* NULL: no body documented */
	const struct web_api_schema *schema; /* NULL: none documented beyond the type */
	const char *const *headers;          /* names of headers it sets: "Location", ... */
};

struct web_api_doc {
	const char *summary; /* a few words: what the operation is */
	const char *tag;     /* its group: "pages", "reports", "sign-in", ... */
	const struct web_api_param *params;       /* query and path parameters */
	const struct web_api_body *bodies;        /* what it takes (POST, PATCH) */
	const struct web_api_response *responses; /* what it answers when it does not fail */
	/* The error statuses of the handler's own (a record not found, an
	 * estimate that does not converge); those the row implies — 401 and 403
	 * from its access, 415 and 400 from its body, 429 from a sign-in, 413,
	 * 414, 500 and 503 from every route — are added by openapi.c. */
	const lt_status *errors;
	/* A list (paging.c): the schema of one item. The operation then takes
	 * `limit` and `cursor` and answers {"items": [...], "next": ...}. */
	const struct web_api_schema *page_of;
};

/*
 * Which threads serve a route (server.c). A read runs on the request thread
 * that read it; what is slow runs on a worker pool, so that reads never wait
 * behind it.
 */
enum web_pool {
	WEB_POOL_BY_METHOD, /* in the table: GET (and HEAD) on the request thread, any other
	                       method — it writes, and waits for the store's group commit —
	                       on the write pool */
	WEB_POOL_SIGNIN,    /* checks a password (argon2id): the sign-in pool */
	WEB_POOL_WRITE,     /* the write pool, whatever the method: for reads that write (an
	                       audited read of personal data) */
	WEB_POOL_NONE,      /* only from web_route_pool: the request thread */
};

struct web_route {
	const char *method; /* "GET", "POST", "PATCH" or "DELETE"; a GET route also answers HEAD */
	const char *path;   /* exact path, or a pattern with at most two "{name}" segments */
	enum web_kind kind;
	enum web_access access;
	int action;          /* the enum lt_action the principal must hold (its cell not
	                        empty), or WEB_NO_ACTION; record scopes are the handler's */
	enum web_csrf csrf;  /* for POST page routes: never NONE */
	enum web_pool offload; /* which threads serve it (server.c): false (0) is
	                        WEB_POOL_BY_METHOD; see web_route_pool */
	void (*handler)(struct web_call *c);
	/* How a form whose CSRF token was refused is answered (403); NULL for the
	 * plain 403 page. The form has been read; nothing may be written. */
	void (*refused)(struct web_call *c, const struct web_form *form);
	const char *description; /* a sentence for the documentation */
	const struct web_api_doc *doc; /* its OpenAPI documentation (never NULL) */
};

extern const struct web_route web_routes[];
extern const size_t web_route_count;

/* Where route `r` runs: WEB_POOL_SIGNIN, WEB_POOL_WRITE or WEB_POOL_NONE (the
 * request thread), its `offload` with WEB_POOL_BY_METHOD decided. */
enum web_pool web_route_pool(const struct web_route *r);

/* The kind of answer for a path no route matched: API under /api/. */
enum web_kind web_kind_for_path(const char *path);

/* The route `method` and `target` would be served by, NULL when none (404,
 * 405, a bad target). For server.c, to know before web_handle whether a
 * request goes to the worker pool. */
const struct web_route *web_route_for(const char *method, const char *target);

/* Route handlers (pages.c, api.c, api_session.c, staff.c, static.c). */
void web_page_index(struct web_call *c);
void web_page_report(struct web_call *c);
void web_page_report_refused(struct web_call *c, const struct web_form *form);
void web_static_css(struct web_call *c);
void web_api_stats_arrests(struct web_call *c);
void web_api_reports_create(struct web_call *c);
void web_api_report_get(struct web_call *c);
void web_api_reports_list(struct web_call *c);
void web_api_openapi(struct web_call *c);
void web_api_healthz(struct web_call *c);
void web_api_estimate(struct web_call *c);
void web_api_session_create(struct web_call *c);
void web_api_session_get(struct web_call *c);
void web_api_session_delete(struct web_call *c);
void web_page_login(struct web_call *c);
void web_page_login_post(struct web_call *c);
void web_page_login_refused(struct web_call *c, const struct web_form *form);
void web_page_staff(struct web_call *c);
void web_page_logout(struct web_call *c);

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

/* Records about people (api_persons.c). */
void web_api_persons_create(struct web_call *c);
void web_api_persons_search(struct web_call *c);
void web_api_person_get(struct web_call *c);
void web_api_person_update(struct web_call *c);
void web_api_person_erase(struct web_call *c);
void web_api_referrals_create(struct web_call *c);
void web_api_referral_get(struct web_call *c);
void web_api_referral_update(struct web_call *c);
void web_api_cases_create(struct web_call *c);
void web_api_case_get(struct web_call *c);
void web_api_case_update(struct web_call *c);
void web_api_arrests_create(struct web_call *c);
void web_api_arrest_get(struct web_call *c);
void web_api_shares_create(struct web_call *c);
void web_api_shares_list(struct web_call *c);
void web_api_share_revoke(struct web_call *c);
extern const struct web_api_doc web_doc_persons_create, web_doc_persons_search,
    web_doc_person_get, web_doc_person_update, web_doc_person_erase, web_doc_referrals_create,
    web_doc_referral_get, web_doc_referral_update, web_doc_cases_create, web_doc_case_get,
    web_doc_case_update, web_doc_arrests_create, web_doc_arrest_get, web_doc_shares_create,
    web_doc_shares_list, web_doc_share_revoke;
/* The JSON of a record as the API answers it (api_persons.c), for the
 * subject access export; NULL when out of memory. */
json_t *web_person_json(const struct lt_person *p);
json_t *web_referral_json(const struct lt_referral *r);
json_t *web_case_json(const struct lt_case *k);
json_t *web_arrest_json(const struct lt_arrest *a);
json_t *web_share_json(const struct lt_share *sh);

/* The subject access export (api_export.c). */
void web_api_person_export(struct web_call *c);
extern const struct web_api_doc web_doc_person_export;

/* Record linkage in the service (api_matches.c). */
void web_api_person_matches(struct web_call *c);
void web_api_person_match_decide(struct web_call *c);
extern const struct web_api_doc web_doc_person_matches, web_doc_person_match_decide;
/* The likely matches of person `rec` (just recorded, with its id) that the
 * caller may read, as a JSON array of {"id", "agency", "probability"}, best
 * first; every person opened is audited ("person.link"). An empty array
 * when none, or when the search fails (the person is recorded all the
 * same); NULL when out of memory. */
json_t *web_likely_matches(struct web_call *c, const struct lt_crypto_keyring *keys,
                           const struct lt_person *rec);

/* Pseudonymised reads for analysts (api_pseudo.c). */
void web_api_pseudo_list(struct web_call *c);
void web_api_pseudo_get(struct web_call *c);
extern const struct web_api_doc web_doc_pseudo_list, web_doc_pseudo_get;

/* ---- sign-in, sessions and CSRF (auth.c) ------------------------------------ */

/* The principal of a public call: nobody, actor "public". */
void web_principal_public(struct web_principal *who);
/* Wipe what a principal holds (the session's CSRF token, the address). */
void web_principal_wipe(struct web_principal *who);

/*
 * Find who is calling. With an Authorization header, only it counts: it
 * must be "Bearer TOKEN" with a working API token. Without one, the session
 * cookie must name a session that is not revoked, not past its absolute
 * expiry (LT_SESSION_ABSOLUTE_S after sign-in) and used within
 * LT_SESSION_IDLE_S, of an account that is not disabled; its last use is
 * then written when it is LT_SESSION_TOUCH_S old. LT_OK with *who filled;
 * LT_EAUTH with a sentence for the caller in `detail` when there are no
 * credentials or they do not hold; a store status when the store fails.
 */
lt_status web_auth_resolve(struct web_app *app, const struct web_request *rq,
                           struct web_principal *who, char *detail, size_t cap);

/* The value of the cookie `name` in a Cookie header (may be NULL): true and
 * *value and *len (pointing into header) when exactly one cookie has that
 * name. */
bool web_cookie_get(const char *header, const char *name, const char **value, size_t *len);
/* The names of the session cookie and the login cookie: with the __Host-
 * prefix unless the app serves insecure HTTP. */
const char *web_session_cookie_name(const struct web_app *app);
const char *web_login_cookie_name(const struct web_app *app);
/* Add a Set-Cookie header for `name`: HttpOnly, SameSite=Strict, Path=/,
 * Secure unless insecure_http; `value` NULL clears the cookie (Max-Age=0);
 * `max_age` 0 makes a cookie that ends with the browser session. */
void web_cookie_set(const struct web_app *app, struct web_response *rs, const char *name,
                    const char *value, int64_t max_age);

/* Signed form tokens: the public form's and the login form's. */
enum web_form_purpose {
	WEB_FORM_REPORT, /* the public report form */
	WEB_FORM_LOGIN,  /* the staff sign-in form, bound to the login cookie */
};
#define WEB_FORM_TOKEN_SIZE 56 /* 54 base64url characters and a NUL */

/* A token for a form of `purpose` issued at `now`; `binding` (32 bytes, the
 * login cookie's nonce) for WEB_FORM_LOGIN, NULL for WEB_FORM_REPORT. */
void web_form_token(const struct web_app *app, enum web_form_purpose purpose,
                    const unsigned char *binding, int64_t now, char out[WEB_FORM_TOKEN_SIZE]);
/* Was `text` (`len` bytes) issued by this server for `purpose` and
 * `binding`, at most LT_FORM_TOKEN_TTL_S before `now`? Constant-time. */
bool web_form_token_ok(const struct web_app *app, enum web_form_purpose purpose,
                       const unsigned char *binding, int64_t now, const char *text, size_t len);
/* The nonce of the request's login cookie: true when it has a well-formed one. */
bool web_login_nonce_get(const struct web_app *app, const struct web_request *rq,
                         unsigned char raw[LT_CRYPTO_SECRET_BYTES]);
/* The request's login nonce, or a new one set on `rs` as the login cookie. */
void web_login_nonce(const struct web_app *app, const struct web_request *rq,
                     struct web_response *rs, unsigned char raw[LT_CRYPTO_SECRET_BYTES]);

/* One attempt to sign in. Initialise the input; release with
 * web_login_release, which wipes the output. */
struct web_login {
	const char *email;    /* in: as typed, `email_len` bytes */
	size_t email_len;
	const char *password; /* in: `password_len` bytes; never copied, logged or stored */
	size_t password_len;
	int64_t retry_after;  /* out, LT_ETHROTTLED: seconds to wait; -1 when locked */
	struct web_principal who;            /* out, LT_OK: the new session's principal */
	char cookie[LT_CRYPTO_SECRET_SIZE];  /* out, LT_OK: the new session id, for the cookie */
};

/*
 * Sign in (docs/security.md, "Sessions, CSRF and tokens"): ask both
 * throttles (per client address, per account) and refuse without checking
 * anything while either says wait (LT_ETHROTTLED); look the account up and
 * verify the password with argon2id, or spend the time of a verification
 * when there is no such account or it is disabled; on failure tell both
 * throttles and audit "session.login_failed" naming the account by id
 * (LT_EAUTH); on success clear the account's throttle, rehash an outdated
 * hash, revoke the session the request's cookie names if any, and store a
 * new session with its "session.login" audit entry (LT_OK). The e-mail
 * address and the password are never logged or audited. Slow (argon2id):
 * call it only on the worker pool (routes with `offload`).
 */
lt_status web_login(struct web_app *app, const struct web_request *rq, struct web_login *l,
                    struct lt_error *err);
void web_login_release(struct web_login *l);
/* Sign out: revoke the caller's session, audited as "session.logout". */
lt_status web_logout(struct web_app *app, const struct web_request *rq,
                     const struct web_principal *who, struct lt_error *err);

/* ---- lists of the API (paging.c) ----------------------------------------- */

/* Where a page starts and how long it is, from ?limit= and ?cursor=. */
struct web_paging {
	size_t limit;  /* items on the page: 1..LT_API_PAGE_MAX, LT_API_PAGE_DEFAULT when not given */
	int64_t after; /* the key the cursor carries: that of the last item of the page before
	                  (> 0), or 0 on the first page */
};

/* The largest cursor, with its NUL. */
#define WEB_CURSOR_SIZE (LT_API_CURSOR_MAX + 1)

/*
 * Check the query `q` of the list `list` (a short lower-case name of what is
 * listed, "reports", which cursors carry so that one list's cursor is no
 * other's): `limit` and `cursor` at most once each and well-formed, and no
 * parameter but them and the names of `also` (NULL-terminated; may be
 * NULL). Fills *pg; every problem goes to `d`, naming the parameter.
 * LT_OK or LT_EINVAL.
 */
lt_status web_paging_parse(const struct web_form *q, const char *list, const char *const *also,
                           struct web_paging *pg, struct lt_diags *d);
/* The cursor of `list` that starts a page after the item with key `key`
 * (> 0): unpadded base64url of "<list>:<key>". */
void web_paging_cursor(const char *list, int64_t key, char out[WEB_CURSOR_SIZE]);
/*
 * Answer 200 with a page: {"items": items, "next": cursor} where the cursor
 * starts the page after the item with key `last` when `more`, else null;
 * with `more`, also a Link header (RFC 8288) to that page, rel="next":
 * the path with the query's other parameters, limit and cursor (left out
 * when it would be longer than a header may be; "next" is always there).
 * `items` (a JSON array) is consumed, also on failure.
 */
void web_paging_answer(struct web_call *c, const char *list, const struct web_form *q,
                       const struct web_paging *pg, json_t *items, bool more, int64_t last);

/* ---- the JSON API's shared helpers (api_common.c) ------------------------- */

/* Answer `status` with `doc` as JSON (consumes the reference; NULL answers
 * 500); the text is wiped once copied into the response. */
void web_answer_json(struct web_call *c, int status, json_t *doc);

/* What web_answer_failure says for one API file; NULL takes the default. */
struct web_failure_words {
	const char *what;      /* the record: "There is no such <what> that you can see." */
	const char *forbidden; /* 403; NULL: "Your role may not do that to this <what>." */
	const char *invalid;   /* 400's subject, "The <invalid> is not valid"; NULL: <what> */
	const char *crypto;    /* LT_ECRYPTO, before ": <message>"; NULL: "The <what>'s
	                          personal data could not be sealed or opened" */
	const char *other;     /* anything else; NULL: "The <what> could not be stored or read." */
	unsigned flags;        /* WEB_FAILURE_* */
};
#define WEB_FAILURE_EINVAL_ONLY 1u /* LT_EEXIST and LT_ETOOBIG take `other`, not 400 */
#define WEB_FAILURE_NO_CRYPTO 2u   /* LT_ECRYPTO takes `other` */
#define WEB_FAILURE_MESSAGE 4u     /* a 400 always ends ": <message>." */

/*
 * Answer a failure `st` of the store (or of the request) as a problem
 * document in words `w`: 404 and 403 as they are; 400 (LT_EINVAL, and
 * LT_EEXIST and LT_ETOOBIG unless WEB_FAILURE_EINVAL_ONLY) naming the fields
 * from `d` when it holds any (may be NULL), else err's field, with err's
 * message when no field is named; 500 with err's message for LT_ECRYPTO;
 * anything else with `other`.
 */
void web_answer_failure(struct web_call *c, lt_status st, const struct lt_error *err,
                        const struct lt_diags *d, const struct web_failure_words *w);

/* The app's data keys, or NULL after a 500 answer saying there are none
 * and so the server cannot `can` ("open", "seal or open") personal data. */
const struct lt_crypto_keyring *web_data_keys(struct web_call *c, const char *can);

/* The {id} of the route, a positive decimal, into *id; otherwise false
 * after a 404 "There is no such <what> that you can see." */
bool web_param_id(struct web_call *c, const char *what, int64_t *id);

/* Decode the call's query into *q (zeroed first; the caller releases it
 * with web_form_release); false after a 400 saying why it could not. */
bool web_query_parse(struct web_call *c, struct web_form *q);

/* Add to `d` a problem of query parameter `name`: `message`. */
void web_query_bad(struct lt_diags *d, const char *name, const char *message);

/* Parameter `name` of `q` when given once and at most `max` bytes: its
 * value; NULL when absent, or after adding to `d` that it is given more
 * than once or is too long. */
const char *web_query_param(const struct web_form *q, const char *name, size_t max,
                            struct lt_diags *d);

/* The JSON value of field `f` of record `rec`, by its flags: a list a JSON
 * array (empty when it holds nothing), an id a JSON integer, a boolean a
 * JSON boolean, anything else a string; null when absent. `b` is scratch
 * space (the caller's, to wipe); NULL when out of memory. */
struct lt_pfield;
json_t *web_field_json(const struct lt_pfield *f, const void *rec, struct lt_buf *b);

/* ---- the server's log (server.c) ------------------------------------------ */

/*
 * The format of a libmicrohttpd message made safe to log: `fmt` copied to
 * `out` (capacity `cap`) with each "%s" that follows "request for " (or
 * "request for `") — the request's path, which can name a person's id or a
 * report's reference code — turned into "%.0s(path not logged)", which takes
 * the same argument and prints none of it. False when `out` is too small
 * (then nothing of the message may be logged).
 */
bool web_log_mhd_format(const char *fmt, char *out, size_t cap);

/* ---- the OpenAPI document (openapi.c) ------------------------------------- */

/*
 * Build the OpenAPI 3.1 document of the route table into *out (a jansson
 * object the caller releases with json_decref). LT_OK, or LT_ENOMEM.
 */
lt_status web_openapi_build(const struct web_app *app, json_t **out);

#endif
