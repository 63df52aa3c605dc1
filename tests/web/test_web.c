/*
 * test_web.c — the web module in-process: every route through web_handle,
 * the route table, without sockets or threads.
 *
 * A fresh SQLite store under $TMPDIR gets the demo agencies and arrests
 * (lt_demo_build), and a fresh key file lets the form accept contact
 * details. Each test builds a web_request by hand — method, target,
 * Content-Type, body, whether the peer is loopback — calls web_handle, and
 * checks the response's status, headers and body. `today` is fixed at
 * 2024-06-01 so dates in the answers are predictable.
 *
 * Covered: the form decoder's edge cases (table-driven), HTML escaping, the
 * Content-Type matcher, every route's success and error answers (414 and 415
 * included), the shape of problem documents, the security headers on every
 * response, that a refused request writes nothing, that the route table is
 * documented in the README, the public form's plain error sentences and its
 * forgiveness of a left-over district, country or contact details against
 * the API's strict rules and technical messages, every error shown in one
 * round, the country list in name order, and a seeded barrage of mangled
 * bodies that must never crash or write. (fuzz/fuzz_web.c does the barrage
 * at scale.)
 *
 * Sign-in, sessions and CSRF (auth.c) on simulated time — every request
 * carries `now`, NOW unless a test moves it: the route table walked for
 * access (no credentials: 401 or the sign-in redirect; each role against
 * each route's action: 403 exactly when its cell is empty), signing in and
 * out through the API and the pages, the cookies' attributes, session
 * fixation, idle and absolute expiry, revoked sessions and tokens, both
 * throttles (429 with Retry-After, and the same for accounts that do not
 * exist), the audit entries of sign-ins (by id, never the address), the
 * CSRF tokens of every form (missing, wrong, expired, bound to another
 * login cookie: 403, nothing written), and report access by scope (404
 * outside it).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "testutil.h"
#include "web_check.h"

#include "core/demo.h"
#include "core/record.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "web/web_int.h"
#include "core/banned.h"

static struct store *g_store;
static struct web_app g_app;

#define NOW 1717243200 /* 2024-06-01T12:00:00Z: the time of every request unless moved */
#define PASSWORD "correct horse battery staple"

/* Principals made by the fixture. Tokens are sent as "Bearer ..." (the
 * g_*_auth strings); accounts sign in with PASSWORD. */
static char g_police_auth[80];     /* police, herts_police */
static char g_caseworker_auth[80]; /* caseworker, herts_cc */
static char g_analyst_auth[80];    /* analyst, herts_pcc */
static int64_t g_police_token;     /* its id, for revoking */
static int64_t g_user_police, g_user_admin, g_user_agency_admin, g_user_disabled;

/* ---- fixture ------------------------------------------------------------- */

static int group_setup(void **state)
{
	struct lt_error err;
	struct lt_demo d;
	lt_status st;

	lt_error_clear(&err);
	if (lt_crypto_init() != LT_OK)
		return -1;
	st = store_open_sqlite(test_tmp_path("web.db"), &g_store, &err);
	if (st != LT_OK) {
		fprintf(stderr, "store_open_sqlite: %s\n", err.message);
		return -1;
	}
	st = lt_demo_build(LT_DEMO_SEED, &d, &err);
	for (size_t i = 0; st == LT_OK && i < d.n_agencies; i++)
		st = store_agency_add(g_store, &d.agencies[i], "test", &err);
	if (st == LT_OK)
		st = store_arrests_insert(g_store, d.arrests, d.n_arrests, "test", &err);
	lt_demo_release(&d);
	if (st != LT_OK) {
		fprintf(stderr, "demo: %s\n", err.message);
		return -1;
	}
	st = lt_crypto_keyfile_create(test_tmp_path("web.key"), &err);
	if (st == LT_OK)
		st = web_app_init(&g_app, g_store, test_tmp_path("web.key"), &err);
	if (st != LT_OK) {
		fprintf(stderr, "key: %s\n", err.message);
		return -1;
	}
	web_check_open(&g_app);
	/* API tokens of three roles. */
	static const struct web_fixture_token tokens[] = {
	    {"herts_police", LT_ROLE_POLICE, g_police_auth, &g_police_token},
	    {"herts_cc", LT_ROLE_CASEWORKER, g_caseworker_auth, NULL},
	    {"herts_pcc", LT_ROLE_ANALYST, g_analyst_auth, NULL},
	};
	if (web_fixture_tokens(g_store, tokens, sizeof(tokens) / sizeof(tokens[0])) != 0)
		return -1;
	/* Accounts, all with PASSWORD. */
	char hash[LT_PASSWORD_HASH_MAX];
	if (lt_crypto_password_hash(PASSWORD, strlen(PASSWORD), hash) != LT_OK)
		return -1;
	static const struct {
		const char *email, *agency;
		enum lt_role role;
		int64_t *id;
	} users[] = {
	    {"ann@police.example", "herts_police", LT_ROLE_POLICE, &g_user_police},
	    {"root@pcc.example", "herts_pcc", LT_ROLE_PARTNERSHIP_ADMIN, &g_user_admin},
	    {"boss@cc.example", "herts_cc", LT_ROLE_AGENCY_ADMIN, &g_user_agency_admin},
	    {"gone@police.example", "herts_police", LT_ROLE_CASEWORKER, &g_user_disabled},
	};
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		struct store_user u = {0};
		snprintf(u.email, sizeof(u.email), "%s", users[i].email);
		snprintf(u.agency, sizeof(u.agency), "%s", users[i].agency);
		u.role = users[i].role;
		if (store_user_add(g_store, &u, hash, "test", &err) != LT_OK) {
			fprintf(stderr, "user: %s\n", err.message);
			return -1;
		}
		*users[i].id = u.id;
	}
	if (store_user_set_disabled(g_store, "gone@police.example", true, "test", NULL, &err) !=
	    LT_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	web_check_close();
	web_app_release(&g_app);
	store_close(g_store);
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

/* Requests are written as positional compound literals of their first
 * fields; the fields left out are zero (no credentials, NOW, ...). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct req {
	const char *method;
	const char *target;
	const char *ctype;
	const char *body; /* NUL-terminated for convenience */
	bool remote;      /* peer is not loopback */
	bool too_big;
	const char *auth;   /* Authorization header, or NULL */
	const char *cookie; /* Cookie header, or NULL */
	const char *csrf;   /* X-CSRF-Token header, or NULL */
	int64_t now;        /* 0: NOW */
	const char *peer;   /* NULL: 127.0.0.1, or 192.0.2.7 when remote */
	bool no_token;      /* POST /report as given: no form token added */
};

static void check_security_headers(const struct web_response *rs)
{
	const char *csp = web_response_header_get(rs, "Content-Security-Policy");
	assert_non_null(csp);
	assert_string_equal(csp, "default-src 'none'; style-src 'self'; img-src 'self'; "
	                         "form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
	assert_string_equal(web_response_header_get(rs, "X-Content-Type-Options"), "nosniff");
	assert_string_equal(web_response_header_get(rs, "Referrer-Policy"), "no-referrer");
	assert_non_null(web_response_header_get(rs, "Cache-Control"));
	assert_non_null(web_response_header_get(rs, "Content-Type"));
}

/* Serve one request; the caller releases *rs. Every response is checked for
 * the security headers and a NUL-terminated body. A form sent to /report
 * gets a valid form token appended, as the page would have given it,
 * unless no_token. */
static void serve(const struct req *r, struct web_response *rs)
{
	struct web_request rq;
	char *body = NULL;
	memset(&rq, 0, sizeof(rq));
	rq.method = r->method;
	rq.target = r->target;
	rq.content_type = r->ctype;
	rq.body = r->body;
	rq.body_len = r->body ? strlen(r->body) : 0;
	rq.now = r->now ? r->now : NOW;
	if (!r->no_token && r->body && strcmp(r->method, "POST") == 0 &&
	    strcmp(r->target, "/report") == 0 && r->ctype &&
	    strncmp(r->ctype, "application/x-www-form-urlencoded", 33) == 0) {
		char tok[WEB_FORM_TOKEN_SIZE];
		size_t n = strlen(r->body);
		web_form_token(&g_app, WEB_FORM_REPORT, NULL, rq.now, tok);
		body = malloc(n + strlen(tok) + 8);
		assert_non_null(body);
		snprintf(body, n + strlen(tok) + 8, "%s%scsrf=%s", r->body, n ? "&" : "", tok);
		rq.body = body;
		rq.body_len = strlen(body);
	}
	rq.body_too_big = r->too_big;
	rq.peer_loopback = !r->remote;
	rq.peer = r->peer ? r->peer : r->remote ? "192.0.2.7" : "127.0.0.1";
	rq.today = (struct lt_date){2024, 6, 1};
	rq.id = "rtest";
	rq.authorization = r->auth;
	rq.cookie = r->cookie;
	rq.csrf_header = r->csrf;
	web_response_init(rs);
	web_handle(&g_app, &rq, rs);
	free(body);
	check_security_headers(rs);
	if (rs->body)
		assert_int_equal(strlen(rs->body), rs->body_len);
	web_check_answer(r->method, r->target, "rtest", rs);
}

static const char *body_of(const struct web_response *rs)
{
	return rs->body ? rs->body : "";
}

static long report_count(void)
{
	long n = -1;
	struct lt_error err;
	assert_int_equal(store_report_count(g_store, &n, &err), LT_OK);
	return n;
}

/* Parse a problem document and check its shape; returns it (decref it). */
static json_t *problem(const struct web_response *rs, int status, const char *name)
{
	json_error_t jerr;
	char type[96];
	assert_int_equal(rs->status, status);
	assert_string_equal(web_response_header_get(rs, "Content-Type"),
	                    "application/problem+json");
	json_t *doc = json_loads(body_of(rs), 0, &jerr);
	if (!doc)
		fail_msg("problem body is not JSON (%s): %s", jerr.text, body_of(rs));
	snprintf(type, sizeof(type), "urn:lantern:problem:%s", name);
	assert_string_equal(json_string_value(json_object_get(doc, "type")), type);
	assert_true(json_is_string(json_object_get(doc, "title")));
	assert_true(json_is_string(json_object_get(doc, "detail")));
	assert_int_equal(json_integer_value(json_object_get(doc, "status")), status);
	assert_string_equal(json_string_value(json_object_get(doc, "request_id")), "rtest");
	return doc;
}

/* Does the problem's errors array name `field`? */
static bool names_field(json_t *doc, const char *field)
{
	json_t *errs = json_object_get(doc, "errors");
	size_t i;
	json_t *e;
	json_array_foreach(errs, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0) {
			assert_true(json_is_string(json_object_get(e, "detail")));
			return true;
		}
	}
	return false;
}

/* ---- form decoding ------------------------------------------------------- */

static void test_form_parse_table(void **state)
{
	static const struct {
		const char *in;
		lt_status want;
		size_t count;
		const char *name0, *value0; /* first pair, when count > 0 */
		const char *name1, *value1; /* second pair, when count > 1 */
	} cases[] = {
	    {"", LT_OK, 0, NULL, NULL, NULL, NULL},
	    {"a=1&b=2", LT_OK, 2, "a", "1", "b", "2"},
	    {"&&a=1&&&b=2&", LT_OK, 2, "a", "1", "b", "2"},
	    {"a+b=c+d", LT_OK, 1, "a b", "c d", NULL, NULL},
	    {"x=%41%62%2B", LT_OK, 1, "x", "Ab+", NULL, NULL},
	    {"x=%e2%82%AC", LT_OK, 1, "x", "\xe2\x82\xac", NULL, NULL},
	    {"flag", LT_OK, 1, "flag", "", NULL, NULL},
	    {"=v", LT_OK, 1, "", "v", NULL, NULL},
	    {"a=b=c", LT_OK, 1, "a", "b=c", NULL, NULL},
	    {"a=%26&b=%3D", LT_OK, 2, "a", "&", "b", "="},
	    {"a=%", LT_EPARSE, 0, NULL, NULL, NULL, NULL},
	    {"a=%4", LT_EPARSE, 0, NULL, NULL, NULL, NULL},
	    {"a=%zz", LT_EPARSE, 0, NULL, NULL, NULL, NULL},
	    {"a=%00", LT_EPARSE, 0, NULL, NULL, NULL, NULL},
	    {"%0=1", LT_EPARSE, 0, NULL, NULL, NULL, NULL},
	    {"ok=1&bad=%g0", LT_EPARSE, 0, NULL, NULL, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct web_form f;
		struct lt_error err;
		lt_error_clear(&err);
		lt_status st = web_form_parse(cases[i].in, strlen(cases[i].in), &f, &err);
		if (st != cases[i].want)
			fail_msg("case %zu \"%s\": got %s, want %s", i, cases[i].in,
			         lt_status_name(st), lt_status_name(cases[i].want));
		if (st != LT_OK) {
			assert_true(err.message[0] != '\0');
			assert_int_equal(f.count, 0);
			web_form_release(&f);
			continue;
		}
		if (f.count != cases[i].count)
			fail_msg("case %zu \"%s\": got %zu pairs, want %zu", i, cases[i].in,
			         f.count, cases[i].count);
		if (f.count > 0) {
			assert_string_equal(f.pairs[0].name, cases[i].name0);
			assert_string_equal(f.pairs[0].value, cases[i].value0);
			assert_int_equal(f.pairs[0].value_len, strlen(cases[i].value0));
		}
		if (f.count > 1) {
			assert_string_equal(f.pairs[1].name, cases[i].name1);
			assert_string_equal(f.pairs[1].value, cases[i].value1);
		}
		web_form_release(&f);
	}
}

static void test_form_parse_raw_nul_and_cap(void **state)
{
	struct web_form f;
	struct lt_error err;
	char buf[1024];
	size_t n = 0;

	/* A raw NUL byte inside the input. */
	assert_int_equal(web_form_parse("a=x\0y", 5, &f, &err), LT_EPARSE);
	web_form_release(&f);

	/* Exactly LT_HTTP_FORM_FIELDS_MAX pairs pass; one more is refused. */
	for (int i = 0; i < LT_HTTP_FORM_FIELDS_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%sf%d=%d", i ? "&" : "", i, i);
	assert_int_equal(web_form_parse(buf, n, &f, &err), LT_OK);
	assert_int_equal(f.count, LT_HTTP_FORM_FIELDS_MAX);
	assert_int_equal(web_form_get(&f, "f63", NULL), 1);
	web_form_release(&f);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "&one=more");
	assert_int_equal(web_form_parse(buf, n, &f, &err), LT_ETOOBIG);
	web_form_release(&f);
}

static void test_path_decode_and_content_type(void **state)
{
	char out[16];
	assert_int_equal(web_path_decode("/a%20b+c", 8, out, sizeof(out)), LT_OK);
	assert_string_equal(out, "/a b+c");
	assert_int_equal(web_path_decode("/%zz", 4, out, sizeof(out)), LT_EPARSE);
	assert_int_equal(web_path_decode("/%00", 4, out, sizeof(out)), LT_EPARSE);
	assert_int_equal(web_path_decode("/0123456789abcdef", 17, out, sizeof(out)), LT_ETOOBIG);

	assert_true(web_content_type_is("application/json", "application/json"));
	assert_true(web_content_type_is(" Application/JSON ; charset=utf-8", "application/json"));
	assert_false(web_content_type_is("application/jsonx", "application/json"));
	assert_false(web_content_type_is("text/plain", "application/json"));
	assert_false(web_content_type_is(NULL, "application/json"));
}

static void test_html_escape(void **state)
{
	struct lt_buf b;
	lt_buf_init(&b, 1024);
	const char *in = "<a href=\"x\">'Tom & Jerry'</a> plain";
	assert_int_equal(web_html_escape(&b, in, strlen(in)), LT_OK);
	assert_string_equal(lt_buf_str(&b), "&lt;a href=&quot;x&quot;&gt;&#39;Tom &amp; "
	                                    "Jerry&#39;&lt;/a&gt; plain");
	lt_buf_reset(&b);
	assert_int_equal(web_html_puts(&b, ""), LT_OK);
	assert_string_equal(lt_buf_str(&b), "");
	lt_buf_release(&b);
}

/* ---- routing --------------------------------------------------------------- */

static void test_route_table_is_sound(void **state)
{
	/* Every row has a method, a path starting with '/', a handler and a
	 * description, and no two rows share a method and path. */
	for (size_t i = 0; i < web_route_count; i++) {
		const struct web_route *r = &web_routes[i];
		assert_true(strcmp(r->method, "GET") == 0 || strcmp(r->method, "POST") == 0 ||
		            strcmp(r->method, "PATCH") == 0 || strcmp(r->method, "DELETE") == 0);
		assert_true(r->path[0] == '/');
		assert_non_null(r->handler);
		assert_true(strlen(r->description) > 10);
		for (size_t j = 0; j < i; j++)
			assert_false(strcmp(web_routes[j].method, r->method) == 0 &&
			             strcmp(web_routes[j].path, r->path) == 0);
	}
}

/* The README's table of routes names every row of the route table. */
static void test_routes_documented(void **state)
{
	const char *src = getenv("LANTERN_SOURCE");
	char path[1024], *text = NULL;
	size_t len = 0, cap = 0;
	if (!src || !*src)
		skip();
	snprintf(path, sizeof(path), "%s/README.md", src);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			text = realloc(text, cap);
			assert_non_null(text);
		}
		size_t n = fread(text + len, 1, 4096, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	text[len] = '\0';
	char missing[2048] = "";
	size_t m = 0;
	for (size_t i = 0; i < web_route_count; i++) {
		char want[256];
		snprintf(want, sizeof(want), "`%s %s`", web_routes[i].method, web_routes[i].path);
		if (!strstr(text, want) && m < sizeof(missing))
			m += (size_t)snprintf(missing + m, sizeof(missing) - m, "\n  | %s | %s |",
			                      want, web_routes[i].description);
	}
	free(text);
	if (m)
		fail_msg("README.md's route table lacks these rows of web_routes:%s", missing);
}

static void test_not_found(void **state)
{
	struct web_response rs;
	serve(&(struct req){"GET", "/nope", NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 404);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"),
	                    "text/html; charset=utf-8");
	assert_contains(body_of(&rs), "Leave this site quickly");
	web_response_release(&rs);

	serve(&(struct req){"GET", "/api/v1/nope?x=1", NULL, NULL, false, false}, &rs);
	json_decref(problem(&rs, 404, "not_found"));
	web_response_release(&rs);

	/* A trailing slash is another path; a pattern needs its segment. */
	serve(&(struct req){"GET", "/healthz/", NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 404);
	web_response_release(&rs);
	serve(&(struct req){"GET", "/api/v1/reports/", NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 404);
	web_response_release(&rs);
}

static void test_method_not_allowed(void **state)
{
	struct web_response rs;
	serve(&(struct req){"DELETE", "/healthz", NULL, NULL, false, false}, &rs);
	json_t *doc = problem(&rs, 405, "method_not_allowed");
	assert_string_equal(web_response_header_get(&rs, "Allow"), "GET, HEAD");
	json_decref(doc);
	web_response_release(&rs);

	serve(&(struct req){"GET", "/report", NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 405);
	assert_string_equal(web_response_header_get(&rs, "Allow"), "POST");
	assert_string_equal(web_response_header_get(&rs, "Content-Type"),
	                    "text/html; charset=utf-8");
	web_response_release(&rs);

	serve(&(struct req){"PUT", "/api/v1/reports", "application/json", "{}", false, false}, &rs);
	json_decref(problem(&rs, 405, "method_not_allowed"));
	assert_string_equal(web_response_header_get(&rs, "Allow"), "POST, GET, HEAD");
	web_response_release(&rs);

	serve(&(struct req){"POST", "/", NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 405);
	assert_string_equal(web_response_header_get(&rs, "Allow"), "GET, HEAD");
	web_response_release(&rs);
}

static void test_too_big_and_bad_target(void **state)
{
	struct web_response rs;
	long before = report_count();

	serve(&(struct req){"POST", "/api/v1/reports", "application/json", NULL, false, true}, &rs);
	json_decref(problem(&rs, 413, "too_large"));
	web_response_release(&rs);

	serve(&(struct req){"POST", "/report", "application/x-www-form-urlencoded", NULL, false,
	                    true},
	      &rs);
	assert_int_equal(rs.status, 413);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"),
	                    "text/html; charset=utf-8");
	web_response_release(&rs);

	char *longt = malloc(LT_HTTP_URL_MAX + 16);
	assert_non_null(longt);
	memset(longt, 'a', LT_HTTP_URL_MAX + 15);
	memcpy(longt, "/api/v1/x?", 10);
	longt[LT_HTTP_URL_MAX + 15] = '\0';
	serve(&(struct req){"GET", longt, NULL, NULL, false, false}, &rs);
	json_decref(problem(&rs, 414, "uri_too_long"));
	web_response_release(&rs);
	longt[0] = '/';
	longt[1] = 'x';
	serve(&(struct req){"GET", longt, NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 414);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"),
	                    "text/html; charset=utf-8");
	web_response_release(&rs);
	free(longt);

	serve(&(struct req){"GET", "/%zz", NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 400);
	web_response_release(&rs);
	serve(&(struct req){"GET", "/api/%00", NULL, NULL, false, false}, &rs);
	json_decref(problem(&rs, 400, "malformed"));
	web_response_release(&rs);

	/* An escaped path reaches its route. */
	serve(&(struct req){"GET", "/%68ealthz", NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);

	assert_int_equal(report_count(), before);
}

/* ---- pages ------------------------------------------------------------------ */

static void test_index_page(void **state)
{
	struct web_response rs;
	serve(&(struct req){"GET", "/", NULL, NULL, false, false}, &rs);
	const char *b = body_of(&rs);
	assert_int_equal(rs.status, 200);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"),
	                    "text/html; charset=utf-8");
	assert_true(strncmp(b, "<!DOCTYPE html>", 15) == 0);
	assert_contains(b, "<html lang=\"en-GB\">");
	assert_contains(b, "href=\"/static/lantern.css\"");
	assert_contains(b, "href=\"https://www.bbc.co.uk/weather\" rel=\"noreferrer\">"
	                   "Leave this site quickly</a>");
	/* The leave link comes before <main>. */
	assert_true(strstr(b, "Leave this site quickly") < strstr(b, "<main"));
	assert_contains(b, "<strong>999</strong>");
	assert_contains(b, "<strong>101</strong>");
	assert_contains(b, "<strong>08000 121 700</strong>");
	assert_contains(b, "24 hours a day, 7 days a week");
	/* The seven forms in plain words, and a checkbox for every form. */
	for (size_t i = 0; i < lt_vocab_form.count; i++) {
		const struct lt_term *t = lt_vocab_term(&lt_vocab_form, i);
		char want[128];
		struct lt_buf esc;
		lt_buf_init(&esc, 4096);
		assert_int_equal(web_html_puts(&esc, t->description), LT_OK);
		if (i != LT_FORM_UNKNOWN)
			assert_contains(b, lt_buf_str(&esc));
		lt_buf_release(&esc);
		snprintf(want, sizeof(want), "name=\"forms\" value=\"%s\"", t->code);
		assert_contains(b, want);
	}
	for (size_t i = 0; i < lt_vocab_place.count; i++) {
		char want[128];
		snprintf(want, sizeof(want), "name=\"place\" value=\"%s\"",
		         lt_vocab_term(&lt_vocab_place, i)->code);
		assert_contains(b, want);
	}
	assert_contains(b, "<option value=\"watford\">Watford</option>");
	assert_contains(b, "<option value=\"RO\">Romania</option>");
	/* The public's words: "In Hertfordshire" on the radio and the district. */
	assert_contains(b, "<label for=\"place-local\">In Hertfordshire</label>");
	assert_contains(b, "<label for=\"district\">District (if in Hertfordshire)</label>");
	assert_not_contains(b, "partnership area");
	/* The date box takes '-' on every phone keyboard. */
	assert_not_contains(b, "inputmode");
	/* A "Report a concern" link after the leave link, before <main>, to the
	 * form's heading. */
	const char *skip = strstr(b, "<a href=\"#report\">Report a concern</a>");
	assert_non_null(skip);
	assert_true(strstr(b, "Leave this site quickly") < skip);
	assert_true(skip < strstr(b, "<main"));
	assert_contains(b, "<h2 id=\"report\">Report a concern</h2>");
	assert_contains(b, "<legend>");
	assert_contains(b, "<label for=\"description\">");
	assert_contains(b, "<label for=\"district\">");
	assert_contains(b, "<label for=\"country\">");
	assert_contains(b, "<label for=\"occurred\">");
	assert_contains(b, "<label for=\"contact\">"); /* the app has a sealing key */
	assert_contains(b, "<form method=\"post\" action=\"/report\"");
	/* No script and no inline style, as the CSP demands. */
	assert_not_contains(b, "<script");
	assert_not_contains(b, "style=");
	assert_not_contains(b, "<style");
	assert_not_contains(b, "error-summary");
	web_response_release(&rs);

	serve(&(struct req){"HEAD", "/", NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);
}

static void test_stylesheet(void **state)
{
	struct web_response rs;
	serve(&(struct req){"GET", "/static/lantern.css", NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 200);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"),
	                    "text/css; charset=utf-8");
	assert_string_equal(web_response_header_get(&rs, "Cache-Control"), "public, max-age=3600");
	assert_contains(body_of(&rs), ".error-message");
	web_response_release(&rs);
}

static const char *FORM = "application/x-www-form-urlencoded";

static void test_report_form_accepted(void **state)
{
	struct web_response rs;
	long before = report_count();
	serve(&(struct req){"POST", "/report", FORM,
	                    "forms=labour_exploitation&forms=domestic_servitude&place=local&"
	                    "district=watford&country=&occurred=2024-05&description=She+is+never+"
	                    "let+out+alone.&anonymous=true&contact=",
	                    false, false},
	      &rs);
	const char *b = body_of(&rs);
	if (rs.status != 200)
		fail_msg("status %d:\n%s", rs.status, b);
	assert_string_equal(web_response_header_get(&rs, "Cache-Control"), "no-store");
	const char *ref = strstr(b, "<strong id=\"reference\">");
	assert_non_null(ref);
	char code[LT_REF_SIZE];
	memcpy(code, ref + strlen("<strong id=\"reference\">"), 11);
	code[11] = '\0';
	assert_true(lt_ref_valid(code));
	assert_int_equal(report_count(), before + 1);
	web_response_release(&rs);

	/* What was stored: public, received today, the forms gathered. */
	struct lt_report r;
	struct lt_error err;
	lt_report_init(&r);
	assert_int_equal(store_report_get(g_store, code, &r, &err), LT_OK);
	assert_int_equal(r.source, LT_SOURCE_PUBLIC);
	assert_int_equal(r.received.year, 2024);
	assert_int_equal(r.received.month, 6);
	assert_int_equal(r.received.day, 1);
	assert_int_equal(r.forms,
	                 (1u << LT_FORM_LABOUR_EXPLOITATION) | (1u << LT_FORM_DOMESTIC_SERVITUDE));
	assert_int_equal(r.place, LT_PLACE_LOCAL);
	assert_true(r.anonymous);
	assert_null(r.contact_sealed);
	lt_report_release(&r);
}

static void test_report_form_contact_sealed(void **state)
{
	struct web_response rs;
	serve(&(struct req){"POST", "/report", FORM,
	                    "forms=unknown&place=abroad&country=ro&anonymous=false&"
	                    "contact=07700+900123+after+6pm",
	                    false, false},
	      &rs);
	const char *b = body_of(&rs);
	if (rs.status != 200)
		fail_msg("status %d:\n%s", rs.status, b);
	const char *ref = strstr(b, "<strong id=\"reference\">");
	assert_non_null(ref);
	char code[LT_REF_SIZE];
	memcpy(code, ref + strlen("<strong id=\"reference\">"), 11);
	code[11] = '\0';
	web_response_release(&rs);

	struct lt_report r;
	struct lt_error err;
	struct lt_crypto_keypair kp;
	char *plain = NULL;
	size_t plen = 0;
	lt_report_init(&r);
	assert_int_equal(store_report_get(g_store, code, &r, &err), LT_OK);
	assert_false(r.anonymous);
	assert_null(r.contact);
	assert_non_null(r.contact_sealed);
	assert_int_equal(lt_crypto_keyfile_read(test_tmp_path("web.key"), 1, &kp, &err), LT_OK);
	assert_int_equal(lt_crypto_open(&kp, r.contact_sealed, r.contact_sealed_len, &plain, &plen),
	                 LT_OK);
	assert_string_equal(plain, "07700 900123 after 6pm");
	lt_crypto_free_secret(plain, plen);
	lt_crypto_keypair_wipe(&kp);
	lt_report_release(&r);
}

/* The error summary and what follows it, for checks of its order. */
static const char *summary_of(const char *page)
{
	const char *p = strstr(page, "class=\"error-summary\"");
	assert_non_null(p);
	return p;
}

static void test_report_form_errors(void **state)
{
	struct web_response rs;
	long before = report_count();
	serve(&(struct req){"POST", "/report", FORM,
	                    "place=local&district=nowhere&occurred=2019-13&description=%3Cscript%3E"
	                    "alert(1)%3C%2Fscript%3E+%22quoted%22+%26+%27single%27",
	                    false, false},
	      &rs);
	const char *b = body_of(&rs);
	assert_int_equal(rs.status, 400);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"),
	                    "text/html; charset=utf-8");
	assert_string_equal(web_response_header_get(&rs, "Cache-Control"), "no-store");
	/* A summary at the top linking to each bad field, in the order of the page. */
	assert_contains(b, "class=\"error-summary\"");
	assert_true(strstr(b, "error-summary") < strstr(b, "<form"));
	const char *sum = summary_of(b);
	const char *l_forms = strstr(sum, "<a href=\"#forms-sexual_exploitation\">Choose what kind "
	                                  "of exploitation you think it is, or \u201cNot "
	                                  "known\u201d</a>");
	const char *l_district =
	    strstr(sum, "<a href=\"#district\">Choose the district where it happened</a>");
	const char *l_occurred = strstr(sum, "<a href=\"#occurred\">Enter a year (2019), a month "
	                                     "(2019-05) or a day (2019-05-17)</a>");
	assert_non_null(l_forms);
	assert_non_null(l_district);
	assert_non_null(l_occurred);
	assert_true(l_forms < l_district && l_district < l_occurred);
	/* Each error beside its field, tied by aria-describedby. */
	assert_contains(b, "<fieldset id=\"forms\" aria-describedby=\"forms-hint forms-error\">");
	assert_contains(b, "id=\"forms-error\"");
	assert_contains(b, "aria-describedby=\"district-hint district-error\"");
	assert_contains(b, "id=\"district-error\"");
	assert_contains(b, "aria-describedby=\"occurred-hint occurred-error\" value=\"2019-13\"");
	/* Plain words only: no codes, formats or rule names. */
	assert_not_contains(b, "has no month");
	assert_not_contains(b, "YYYY");
	assert_not_contains(b, "is required");
	assert_not_contains(b, "unknown value");
	/* What was typed is kept, escaped. */
	assert_contains(b, "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; "
	                   "&#39;single&#39;</textarea>");
	assert_not_contains(b, "<script>");
	assert_contains(b, "id=\"place-local\" name=\"place\" value=\"local\" checked");
	assert_not_contains(b, "id=\"reference\"");
	web_response_release(&rs);

	/* Cross-field rules come back in the same round as a missing field: a
	 * local place without a district, nothing ticked, and a bad date all
	 * show at once. */
	serve(&(struct req){"POST", "/report", FORM, "place=local&occurred=20x", false, false},
	      &rs);
	b = body_of(&rs);
	assert_int_equal(rs.status, 400);
	assert_contains(b, "id=\"forms-error\"");
	assert_contains(b, "<p class=\"error-message\" id=\"district-error\"><span "
	                   "class=\"visually-hidden\">Error: </span>Choose the district where it "
	                   "happened</p>");
	assert_contains(b, "id=\"occurred-error\"");
	web_response_release(&rs);

	serve(&(struct req){"POST", "/report", FORM, "forms=unknown&place=abroad", false, false},
	      &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "Choose the country where it happened");
	assert_contains(body_of(&rs),
	                "id=\"forms-unknown\" name=\"forms\" value=\"unknown\" checked");
	web_response_release(&rs);

	/* A rule whose input was refused says nothing: a bad place does not
	 * also ask for a district. */
	serve(&(struct req){"POST", "/report", FORM, "forms=unknown&place=moon&district=watford",
	                    false, false},
	      &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "Choose where it happened, or \u201cNot known\u201d");
	assert_not_contains(body_of(&rs), "id=\"district-error\"");
	web_response_release(&rs);

	/* A date in the future (today is 2024-06-01); this month is not. */
	serve(&(struct req){"POST", "/report", FORM, "forms=unknown&place=unknown&occurred=2024-07",
	                    false, false},
	      &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "The date cannot be in the future");
	web_response_release(&rs);

	/* Not anonymous but no way to reach them. */
	serve(&(struct req){"POST", "/report", FORM, "forms=unknown&place=unknown&anonymous=false",
	                    false, false},
	      &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "id=\"contact-error\"");
	assert_contains(body_of(&rs),
	                "Tell us how we can contact you, or choose to stay anonymous");
	assert_contains(body_of(&rs), "id=\"anonymous-false\" name=\"anonymous\" value=\"false\" "
	                              "checked");
	web_response_release(&rs);

	assert_int_equal(report_count(), before);
}

/* Post the public form; it must be accepted. Returns the stored report
 * (release it) and whether the confirmation said the contact was dropped. */
static void post_accepted(const char *body, struct lt_report *r, bool *contact_dropped)
{
	struct web_response rs;
	struct lt_error err;
	char code[LT_REF_SIZE];
	serve(&(struct req){"POST", "/report", FORM, body, false, false}, &rs);
	const char *b = body_of(&rs);
	if (rs.status != 200)
		fail_msg("%s: status %d:\n%s", body, rs.status, b);
	const char *ref = strstr(b, "<strong id=\"reference\">");
	assert_non_null(ref);
	memcpy(code, ref + strlen("<strong id=\"reference\">"), 11);
	code[11] = '\0';
	*contact_dropped = strstr(b, "did not keep the contact details") != NULL;
	/* Only the page with the form has the link to it. */
	assert_not_contains(b, "href=\"#report\"");
	web_response_release(&rs);
	lt_report_init(r);
	assert_int_equal(store_report_get(g_store, code, r, &err), LT_OK);
}

/* The public form forgives what a page without JavaScript cannot prevent:
 * a district or country left over from another place, and contact details
 * typed before choosing to stay anonymous. */
static void test_report_form_ignores_unused(void **state)
{
	struct lt_report r;
	bool dropped;

	/* Watford chosen, then Abroad and Romania: stored abroad, no district. */
	post_accepted("forms=unknown&place=abroad&district=watford&country=RO", &r, &dropped);
	assert_int_equal(r.place, LT_PLACE_ABROAD);
	assert_int_equal(r.district, -1);
	assert_string_equal(lt_vocab_term(&lt_vocab_country, (size_t)r.country)->code, "RO");
	assert_false(dropped);
	lt_report_release(&r);

	/* And back: local with a country left over. */
	post_accepted("forms=unknown&place=local&district=watford&country=RO", &r, &dropped);
	assert_int_equal(r.place, LT_PLACE_LOCAL);
	assert_int_equal(r.country, -1);
	assert_string_equal(lt_vocab_term(&lt_vocab_district, (size_t)r.district)->code, "watford");
	lt_report_release(&r);

	/* Not known: both ignored, even values that would not parse. */
	post_accepted("forms=unknown&place=unknown&district=nowhere&country=XX", &r, &dropped);
	assert_int_equal(r.place, LT_PLACE_UNKNOWN);
	assert_int_equal(r.district, -1);
	assert_int_equal(r.country, -1);
	lt_report_release(&r);

	/* Contact details typed, then "stay anonymous": wiped, not stored, and
	 * the confirmation says so. */
	post_accepted("forms=unknown&place=unknown&anonymous=true&contact=07700+900123", &r,
	              &dropped);
	assert_true(r.anonymous);
	assert_null(r.contact_sealed);
	assert_null(r.contact);
	assert_true(dropped);
	lt_report_release(&r);

	/* Anonymous by default (no choice sent), even over-long details. */
	char body[LT_CONTACT_MAX + 64];
	size_t n = (size_t)snprintf(body, sizeof(body), "forms=unknown&place=unknown&contact=");
	memset(body + n, 'x', LT_CONTACT_MAX + 1);
	body[n + LT_CONTACT_MAX + 1] = '\0';
	post_accepted(body, &r, &dropped);
	assert_true(r.anonymous);
	assert_null(r.contact_sealed);
	assert_true(dropped);
	lt_report_release(&r);
}

/* The API keeps the strict rules and the technical messages. */
static void test_api_strict_and_technical(void **state)
{
	static const struct {
		const char *body;
		const char *field;
		const char *detail; /* the start of the errors[] detail for field */
	} cases[] = {
	    {"{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":\"abroad\",\"country\":"
	     "\"RO\","
	     "\"district\":\"watford\",\"received\":\"2024-01-01\"}",
	     "district", "must be empty unless place is local"},
	    {"{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":\"local\","
	     "\"district\":\"watford\",\"country\":\"RO\",\"received\":\"2024-01-01\"}",
	     "country", "must be empty unless place is abroad"},
	    {"{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":\"unknown\","
	     "\"anonymous\":true,\"contact\":\"07700 900123\",\"received\":\"2024-01-01\"}",
	     "contact", "must be empty when the report is anonymous"},
	    {"{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":\"local\","
	     "\"occurred\":\"20x\",\"received\":\"2024-01-01\"}",
	     "occurred", "'20x' is not a date (expected YYYY-MM-DD"},
	    /* Same round: the district rule beside the bad date. */
	    {"{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":\"local\","
	     "\"occurred\":\"20x\",\"received\":\"2024-01-01\"}",
	     "district", "is required when place is local"},
	    {"{\"source\":\"public\",\"place\":\"local\",\"received\":\"2024-01-01\"}", "district",
	     "is required when place is local"},
	    {"{\"source\":\"public\",\"place\":\"local\",\"received\":\"2024-01-01\"}", "forms",
	     "is required"},
	    {"{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":\"unknown\","
	     "\"occurred\":\"2024-02\",\"received\":\"2024-01-01\"}",
	     "occurred", "is after the date the concern was reported"},
	};
	long before = report_count();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct web_response rs;
		serve(&(struct req){"POST", "/api/v1/reports", "application/json", cases[i].body,
		                    false, false, g_police_auth},
		      &rs);
		json_t *doc = problem(&rs, 400, "invalid");
		json_t *errs = json_object_get(doc, "errors");
		const char *detail = NULL;
		size_t k;
		json_t *e;
		json_array_foreach(errs, k, e)
		{
			if (strcmp(json_string_value(json_object_get(e, "field")),
			           cases[i].field) == 0)
				detail = json_string_value(json_object_get(e, "detail"));
		}
		if (!detail || strncmp(detail, cases[i].detail, strlen(cases[i].detail)) != 0)
			fail_msg("case %zu: %s: got '%s', want '%s...': %s", i, cases[i].field,
			         detail ? detail : "(none)", cases[i].detail, body_of(&rs));
		json_decref(doc);
		web_response_release(&rs);
	}
	assert_int_equal(report_count(), before);
}

/* The plain sentences, by field and rule. */
static void test_public_messages(void **state)
{
	static const struct {
		const char *field;
		enum web_rule rule;
		const char *want;
	} cases[] = {
	    {"district", WEB_RULE_CHECK, "Choose the district where it happened"},
	    {"district", WEB_RULE_INVALID, "Choose the district where it happened"},
	    {"country", WEB_RULE_REQUIRED, "Choose the country where it happened"},
	    {"forms", WEB_RULE_REQUIRED,
	     "Choose what kind of exploitation you think it is, or \u201cNot known\u201d"},
	    {"occurred", WEB_RULE_INVALID,
	     "Enter a year (2019), a month (2019-05) or a day (2019-05-17)"},
	    {"occurred", WEB_RULE_CHECK, "The date cannot be in the future"},
	    {"contact", WEB_RULE_CHECK,
	     "Tell us how we can contact you, or choose to stay anonymous"},
	    {"colour", WEB_RULE_UNKNOWN,
	     "The form sent something we did not expect: please fill in the form on this page "
	     "again"},
	    {"colour", WEB_RULE_CHECK, "Check your answer to this question"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = web_public_message(cases[i].field, cases[i].rule);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s/%d: got '%s', want '%s'", cases[i].field, (int)cases[i].rule,
			         got, cases[i].want);
	}
}

/* The country list: a "Choose a country" option first, then every country
 * once, by name, with its ISO code as the value. */
static void test_country_order(void **state)
{
	struct web_response rs;
	serve(&(struct req){"GET", "/", NULL, NULL, false, false}, &rs);
	const char *b = body_of(&rs);
	const char *sel = strstr(b, "<select id=\"country\"");
	assert_non_null(sel);
	const char *end = strstr(sel, "</select>");
	assert_non_null(end);
	const char *first = strstr(sel, "<option");
	assert_true(strncmp(first, "<option value=\"\">Choose a country</option>", 41) == 0);
	size_t options = 0;
	for (const char *p = sel; (p = strstr(p, "<option")) && p < end; p++)
		options++;
	assert_int_equal(options, lt_vocab_country.count + 1);
	static const char *const in_order[] = {
	    "<option value=\"AF\">Afghanistan</option>",
	    "<option value=\"AX\">\xc3\x85land Islands</option>",
	    "<option value=\"AL\">Albania</option>",
	    "<option value=\"AD\">Andorra</option>",
	    "<option value=\"CR\">Costa Rica</option>",
	    "<option value=\"CI\">C\xc3\xb4te d&#39;Ivoire</option>",
	    "<option value=\"HR\">Croatia</option>",
	    "<option value=\"RO\">Romania</option>",
	    "<option value=\"AE\">United Arab Emirates</option>",
	    "<option value=\"GB\">United Kingdom",
	    "<option value=\"ZW\">Zimbabwe</option>",
	};
	const char *at = sel;
	for (size_t i = 0; i < sizeof(in_order) / sizeof(in_order[0]); i++) {
		const char *p = strstr(sel, in_order[i]);
		if (!p || p > end)
			fail_msg("no %s in the country list", in_order[i]);
		if (p < at)
			fail_msg("%s comes before %s", in_order[i], in_order[i - 1]);
		at = p;
	}
	web_response_release(&rs);
}

static void test_report_form_refusals(void **state)
{
	struct web_response rs;
	long before = report_count();

	/* A name that is no field at all is quoted as sent. */
	serve(&(struct req){"POST", "/report", FORM, "forms=unknown&place=unknown&%3Cb%3E=1", false,
	                    false},
	      &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "The form sent something we did not expect");
	assert_not_contains(body_of(&rs), "<b>");
	web_response_release(&rs);

	/* Fields the public may not set. */
	serve(&(struct req){"POST", "/report", FORM,
	                    "forms=unknown&place=unknown&source=partner&agency=herts_police&"
	                    "received=2001",
	                    false, false},
	      &rs);
	assert_int_equal(rs.status, 400);
	/* One line in the summary, however many unexpected names. */
	const char *first = strstr(body_of(&rs), "The form sent something we did not expect");
	assert_non_null(first);
	assert_null(strstr(first + 1, "The form sent something we did not expect"));
	web_response_release(&rs);

	/* A field given twice. */
	serve(&(struct req){"POST", "/report", FORM, "forms=unknown&place=unknown&place=abroad",
	                    false, false},
	      &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "id=\"place-error\"");
	assert_contains(body_of(&rs), "Choose where it happened");
	web_response_release(&rs);
	serve(&(struct req){"POST", "/report", FORM,
	                    "forms=unknown&place=unknown&description=a&description=b", false,
	                    false},
	      &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "The form sent an answer twice: please give one answer");
	web_response_release(&rs);

	/* Invalid UTF-8 in free text. */
	serve(&(struct req){"POST", "/report", FORM,
	                    "forms=unknown&place=unknown&description=%FF%FE", false, false},
	      &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "id=\"description-error\"");
	assert_contains(body_of(&rs), "characters we cannot read");
	web_response_release(&rs);

	/* Not a form body: 415, with the type that is accepted. */
	serve(&(struct req){"POST", "/report", "application/json", "{}", false, false}, &rs);
	assert_int_equal(rs.status, 415);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"),
	                    "text/html; charset=utf-8");
	assert_string_equal(web_response_header_get(&rs, "Accept-Post"),
	                    "application/x-www-form-urlencoded");
	assert_contains(body_of(&rs), "application/x-www-form-urlencoded");
	web_response_release(&rs);
	serve(&(struct req){"POST", "/report", NULL, "forms=unknown", false, false}, &rs);
	assert_int_equal(rs.status, 415);
	web_response_release(&rs);
	serve(&(struct req){"POST", "/report", "multipart/form-data; boundary=x", "--x--", false,
	                    false},
	      &rs);
	assert_int_equal(rs.status, 415);
	web_response_release(&rs);

	/* A malformed escape: an error page, not the form. */
	serve(&(struct req){"POST", "/report", FORM, "forms=unknown&place=%G1", false, false}, &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "could not be read");
	web_response_release(&rs);

	/* Too many fields. */
	char body[2048];
	size_t n = 0;
	for (int i = 0; i <= LT_HTTP_FORM_FIELDS_MAX; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%sforms=unknown", i ? "&" : "");
	serve(&(struct req){"POST", "/report", FORM, body, false, false}, &rs);
	assert_int_equal(rs.status, 413);
	web_response_release(&rs);

	assert_int_equal(report_count(), before);
}

/* ---- API ------------------------------------------------------------------- */

static void test_healthz(void **state)
{
	struct web_response rs;
	serve(&(struct req){"GET", "/healthz", NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 200);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"), "application/json");
	assert_string_equal(body_of(&rs), "{\"status\":\"ok\"}\n");
	web_response_release(&rs);
}

static void test_stats_arrests(void **state)
{
	struct web_response rs;
	serve(&(struct req){"GET", "/api/v1/stats/arrests?by=year", NULL, NULL, false, false}, &rs);
	assert_int_equal(rs.status, 200);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"), "application/json");
	assert_contains(body_of(&rs),
	                "\"rows\":[{\"year\":2015,\"arrests\":6},{\"year\":2016,\"arrests\":0},"
	                "{\"year\":2017,\"arrests\":1},{\"year\":2018,\"arrests\":1},"
	                "{\"year\":2019,\"arrests\":11}]");
	assert_contains(body_of(&rs), "\"total\":19");
	web_response_release(&rs);

	/* by defaults to year; empty from/to are open. */
	serve(&(struct req){"GET", "/api/v1/stats/arrests?from=&to=", NULL, NULL, false, false},
	      &rs);
	assert_int_equal(rs.status, 200);
	assert_contains(body_of(&rs), "\"by\":[\"year\"]");
	web_response_release(&rs);

	serve(&(struct req){"GET", "/api/v1/stats/arrests?by=year%2Coffence&from=2019&to=2019",
	                    NULL, NULL, false, false},
	      &rs);
	assert_int_equal(rs.status, 200);
	const char *b = body_of(&rs);
	assert_contains(
	    b, "{\"year\":2019,\"offence\":\"kidnapping_false_imprisonment\",\"arrests\":6}");
	assert_contains(b, "{\"year\":2019,\"offence\":\"slavery_servitude\",\"arrests\":3}");
	assert_contains(b, "{\"year\":2019,\"offence\":\"forced_labour\",\"arrests\":1}");
	assert_contains(b, "{\"year\":2019,\"offence\":\"human_trafficking\",\"arrests\":1}");
	assert_contains(b, "\"total\":11");
	web_response_release(&rs);

	static const struct {
		const char *target;
		const char *field;
	} bad[] = {
	    {"/api/v1/stats/arrests?by=colour", "by"},
	    {"/api/v1/stats/arrests?from=20x9", "from"},
	    {"/api/v1/stats/arrests?to=1066", "to"},
	    {"/api/v1/stats/arrests?by=year&by=offence", "by"},
	    {"/api/v1/stats/arrests?colour=red", "colour"},
	    {"/api/v1/stats/arrests?from=2019&to=2015", NULL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		serve(&(struct req){"GET", bad[i].target, NULL, NULL, false, false}, &rs);
		if (rs.status != 400)
			fail_msg("%s: got %d, want 400: %s", bad[i].target, rs.status,
			         body_of(&rs));
		json_t *doc = problem(&rs, 400, "invalid");
		if (bad[i].field && !names_field(doc, bad[i].field))
			fail_msg("%s: errors do not name '%s': %s", bad[i].target, bad[i].field,
			         body_of(&rs));
		json_decref(doc);
		web_response_release(&rs);
	}
	serve(&(struct req){"GET", "/api/v1/stats/arrests?by=%zz", NULL, NULL, false, false}, &rs);
	json_decref(problem(&rs, 400, "malformed"));
	web_response_release(&rs);
}

static const char *JSON = "application/json";

static void test_api_report_created(void **state)
{
	struct web_response rs;
	long before = report_count();
	serve(&(struct req){"POST", "/api/v1/reports", JSON,
	                    "{\"source\":\"partner\",\"agency\":\"herts_police\","
	                    "\"forms\":[\"labour_exploitation\",\"forced_criminality\"],"
	                    "\"place\":\"abroad\",\"country\":\"RO\",\"received\":\"2024-05-01\","
	                    "\"occurred\":2023,\"anonymous\":true,\"district\":null,"
	                    "\"description\":\"Seen at the car wash.\"}",
	                    false, false, g_police_auth},
	      &rs);
	if (rs.status != 201)
		fail_msg("status %d: %s", rs.status, body_of(&rs));
	assert_string_equal(web_response_header_get(&rs, "Content-Type"), "application/json");
	json_t *doc = json_loads(body_of(&rs), 0, NULL);
	assert_non_null(doc);
	const char *ref = json_string_value(json_object_get(doc, "ref"));
	assert_non_null(ref);
	assert_true(lt_ref_valid(ref));
	assert_true(json_integer_value(json_object_get(doc, "id")) > 0);
	char location[64];
	snprintf(location, sizeof(location), "/api/v1/reports/%s", ref);
	assert_string_equal(web_response_header_get(&rs, "Location"), location);
	assert_int_equal(report_count(), before + 1);
	web_response_release(&rs);

	/* Audited as the token that sent it. */
	struct store_audit_entry *a = NULL;
	size_t na = 0;
	struct lt_error err;
	assert_int_equal(store_audit_tail(g_store, 1, &a, &na, &err), LT_OK);
	char actor[32];
	snprintf(actor, sizeof(actor), "token:%lld", (long long)g_police_token);
	assert_string_equal(a[0].actor, actor);
	assert_string_equal(a[0].action, "report.create");
	free(a);

	/* Read it back through the Location. */
	serve(&(struct req){"GET", location, NULL, NULL, false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 200);
	json_t *got = json_loads(body_of(&rs), 0, NULL);
	assert_non_null(got);
	assert_string_equal(json_string_value(json_object_get(got, "source")), "partner");
	assert_string_equal(json_string_value(json_object_get(got, "agency")), "herts_police");
	assert_string_equal(json_string_value(json_object_get(got, "country")), "RO");
	assert_string_equal(json_string_value(json_object_get(got, "occurred")), "2023");
	assert_string_equal(json_string_value(json_object_get(got, "received")), "2024-05-01");
	assert_int_equal(json_array_size(json_object_get(got, "forms")), 2);
	assert_null(json_object_get(got, "description"));
	assert_null(json_object_get(got, "contact"));
	/* The same document, member for member, as the report's item in the
	 * list (the single read writes it without jansson). */
	struct web_response ls;
	serve(&(struct req){"GET", "/api/v1/reports?limit=1", NULL, NULL, false, false,
	                    g_police_auth},
	      &ls);
	assert_int_equal(ls.status, 200);
	json_t *list = json_loads(body_of(&ls), 0, NULL);
	assert_non_null(list);
	json_t *item = json_array_get(json_object_get(list, "items"), 0);
	assert_non_null(item);
	if (!json_equal(item, got))
		fail_msg("GET %s:\n%s\nthe list's item:\n%s", location, body_of(&rs), body_of(&ls));
	json_decref(list);
	web_response_release(&ls);
	json_decref(got);
	web_response_release(&rs);

	/* Without credentials: 401, from loopback or not. */
	serve(&(struct req){"GET", location, NULL, NULL, false, false}, &rs);
	json_decref(problem(&rs, 401, "unauthenticated"));
	web_response_release(&rs);
	/* A caseworker of another agency: 404, as if it did not exist; an
	 * analyst may not read reports at all: 403. */
	serve(&(struct req){"GET", location, NULL, NULL, false, false, g_caseworker_auth}, &rs);
	json_decref(problem(&rs, 404, "not_found"));
	web_response_release(&rs);
	serve(&(struct req){"GET", location, NULL, NULL, false, false, g_analyst_auth}, &rs);
	json_decref(problem(&rs, 403, "forbidden"));
	web_response_release(&rs);
	json_decref(doc);

	serve(&(struct req){"GET", "/api/v1/reports/LT-00000000", NULL, NULL, false, false,
	                    g_police_auth},
	      &rs);
	json_decref(problem(&rs, 404, "not_found"));
	web_response_release(&rs);
	serve(&(struct req){"GET", "/api/v1/reports/nonsense", NULL, NULL, false, false,
	                    g_police_auth},
	      &rs);
	json_decref(problem(&rs, 404, "not_found"));
	web_response_release(&rs);

	/* A caseworker sends in its own agency's name and reads it back; the
	 * police read every report, the public's too. */
	serve(&(struct req){"POST", "/api/v1/reports", JSON,
	                    "{\"source\":\"partner\",\"agency\":\"herts_cc\","
	                    "\"forms\":[\"unknown\"],\"place\":\"unknown\","
	                    "\"received\":\"2024-05-01\"}",
	                    false, false, g_caseworker_auth},
	      &rs);
	assert_int_equal(rs.status, 201);
	snprintf(location, sizeof(location), "%s", web_response_header_get(&rs, "Location"));
	web_response_release(&rs);
	serve(&(struct req){"GET", location, NULL, NULL, false, false, g_caseworker_auth}, &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);
	serve(&(struct req){"GET", location, NULL, NULL, false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);
	assert_int_equal(report_count(), before + 2);
}

static void test_api_report_refusals(void **state)
{
	static const struct {
		const char *what;
		const char *ctype;
		const char *body;
		bool anonymous; /* sent without credentials (else as the police token) */
		int status;
		const char *problem;
		const char *field; /* named in errors, or NULL */
	} cases[] = {
	    {"no credentials", "application/json",
	     "{\"source\":\"partner\",\"agency\":\"herts_police\",\"forms\":[\"unknown\"],"
	     "\"place\":\"unknown\",\"received\":\"2024-01-01\"}",
	     true, 401, "unauthenticated", NULL},
	    {"a public report from a partner system", "application/json",
	     "{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":\"unknown\","
	     "\"received\":\"2024-01-01\"}",
	     false, 403, "forbidden", "source"},
	    {"another agency's name", "application/json",
	     "{\"source\":\"partner\",\"agency\":\"herts_cc\",\"forms\":[\"unknown\"],"
	     "\"place\":\"unknown\",\"received\":\"2024-01-01\"}",
	     false, 403, "forbidden", "agency"},
	    {"wrong content type", "text/plain", "{}", false, 415, "unsupported_media_type", NULL},
	    {"no content type", NULL, "{}", false, 415, "unsupported_media_type", NULL},
	    {"form content type", "application/x-www-form-urlencoded", "{}", false, 415,
	     "unsupported_media_type", NULL},
	    {"malformed JSON", "application/json", "{\"source\":", false, 400, "malformed", NULL},
	    {"empty body", "application/json", "", false, 400, "malformed", NULL},
	    {"trailing garbage", "application/json", "{} x", false, 400, "malformed", NULL},
	    {"duplicate member", "application/json", "{\"place\":\"local\",\"place\":\"abroad\"}",
	     false, 400, "malformed", NULL},
	    {"NUL escape", "application/json", "{\"description\":\"a\\u0000b\"}", false, 400,
	     "malformed", NULL},
	    {"too deep", "application/json", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", false, 400,
	     "malformed", NULL},
	    {"not an object", "application/json", "[1,2]", false, 400, "invalid", NULL},
	    {"invalid place", "application/json",
	     "{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":\"moon\","
	     "\"received\":\"2024-01-01\"}",
	     false, 400, "invalid", "place"},
	    {"unknown member", "application/json",
	     "{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":\"unknown\","
	     "\"received\":\"2024-01-01\",\"colour\":\"red\"}",
	     false, 400, "invalid", "colour"},
	    {"forms not strings", "application/json",
	     "{\"source\":\"public\",\"forms\":[1],\"place\":\"unknown\",\"received\":\"2024\"}",
	     false, 400, "invalid", "forms"},
	    {"forms unknown code", "application/json",
	     "{\"source\":\"public\",\"forms\":[\"sorcery\"],\"place\":\"unknown\","
	     "\"received\":\"2024\"}",
	     false, 400, "invalid", "forms"},
	    {"object where a string goes", "application/json",
	     "{\"source\":{},\"forms\":[\"unknown\"],\"place\":\"unknown\",\"received\":\"2024\"}",
	     false, 400, "invalid", "source"},
	    {"array where a string goes", "application/json",
	     "{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":[\"unknown\"],"
	     "\"received\":\"2024\"}",
	     false, 400, "invalid", "place"},
	    {"missing required", "application/json", "{\"source\":\"public\"}", false, 400,
	     "invalid", "received"},
	    {"partner without agency", "application/json",
	     "{\"source\":\"partner\",\"forms\":[\"unknown\"],\"place\":\"unknown\","
	     "\"received\":\"2024\"}",
	     false, 400, "invalid", "agency"},
	    {"unknown agency", "application/json",
	     "{\"source\":\"partner\",\"agency\":\"nobody\",\"forms\":[\"unknown\"],"
	     "\"place\":\"unknown\",\"received\":\"2024\"}",
	     false, 400, "invalid", "agency"},
	    {"bad date", "application/json",
	     "{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":\"unknown\","
	     "\"received\":\"2024-02-30\"}",
	     false, 400, "invalid", "received"},
	    {"real number", "application/json",
	     "{\"source\":\"public\",\"forms\":[\"unknown\"],\"place\":\"unknown\","
	     "\"received\":2024.5}",
	     false, 400, "invalid", "received"},
	};
	long before = report_count();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct web_response rs;
		serve(&(struct req){"POST", "/api/v1/reports", cases[i].ctype, cases[i].body, false,
		                    false, cases[i].anonymous ? NULL : g_police_auth},
		      &rs);
		if (rs.status != cases[i].status)
			fail_msg("%s: got %d, want %d: %s", cases[i].what, rs.status,
			         cases[i].status, body_of(&rs));
		json_t *doc = problem(&rs, cases[i].status, cases[i].problem);
		if (cases[i].field && !names_field(doc, cases[i].field))
			fail_msg("%s: errors do not name '%s': %s", cases[i].what, cases[i].field,
			         body_of(&rs));
		json_decref(doc);
		web_response_release(&rs);
	}
	assert_int_equal(report_count(), before);
}

/* ---- sign-in, sessions, tokens, CSRF ------------------------------------------ */

#define SESSION_COOKIE "__Host-lantern_session"
#define LOGIN_COOKIE "__Host-lantern_login"

/* The value of the Set-Cookie header for cookie `name` (the whole header
 * value, attributes included), NULL when the response sets none. */
static const char *set_cookie(const struct web_response *rs, const char *name)
{
	size_t n = strlen(name);
	const char *found = NULL;
	for (size_t i = 0; i < rs->nheaders; i++)
		if (strcmp(rs->headers[i].name, "Set-Cookie") == 0 &&
		    strncmp(rs->headers[i].value, name, n) == 0 && rs->headers[i].value[n] == '=') {
			assert_null(found); /* one per cookie */
			found = rs->headers[i].value;
		}
	return found;
}

/* "name=value" of the cookie a response sets, for the next request's
 * Cookie header. */
static void cookie_of(const struct web_response *rs, const char *name, char *out, size_t cap)
{
	const char *v = set_cookie(rs, name);
	if (!v)
		fail_msg("no Set-Cookie for %s", name);
	size_t n = strcspn(v, ";");
	assert_true(n < cap);
	memcpy(out, v, n);
	out[n] = '\0';
}

/* POST /api/v1/session as `email` with `password` from `peer` at `now`,
 * with the Cookie header `cookie` (may be NULL). */
static void api_login(const char *email, const char *password, const char *peer, int64_t now,
                      const char *cookie, struct web_response *rs)
{
	char body[512];
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
	serve(&(struct req){"POST", "/api/v1/session", JSON, body, false, false, NULL, cookie, NULL,
	                    now, peer},
	      rs);
}

/* Sign in through the API (it must work): the Cookie header and the CSRF
 * token of the new session. */
static void signed_in(const char *email, const char *peer, int64_t now, char cookie[128],
                      char csrf[LT_CRYPTO_SECRET_SIZE])
{
	struct web_response rs;
	api_login(email, PASSWORD, peer, now, NULL, &rs);
	if (rs.status != 201)
		fail_msg("signing in %s: %d %s", email, rs.status, body_of(&rs));
	cookie_of(&rs, SESSION_COOKIE, cookie, 128);
	json_t *doc = json_loads(body_of(&rs), 0, NULL);
	assert_non_null(doc);
	snprintf(csrf, LT_CRYPTO_SECRET_SIZE, "%s",
	         json_string_value(json_object_get(doc, "csrf_token")));
	json_decref(doc);
	web_response_release(&rs);
}

/* A session of account `user` made directly in the store (no password
 * check): its Cookie header and CSRF token. */
static void session_for(int64_t user, int64_t now, char cookie[128],
                        char csrf[LT_CRYPTO_SECRET_SIZE])
{
	unsigned char raw[LT_CRYPTO_SECRET_BYTES], hash[LT_CRYPTO_HASH_BYTES];
	char text[LT_CRYPTO_SECRET_SIZE];
	struct lt_error err;
	int64_t id;
	lt_crypto_secret_new(raw, text);
	lt_crypto_session_hash(raw, hash);
	assert_int_equal(
	    store_session_create(g_store, hash, user, now, now + LT_SESSION_ABSOLUTE_S, &id, &err),
	    LT_OK);
	snprintf(cookie, 128, SESSION_COOKIE "=%s", text);
	lt_crypto_csrf_token(raw, csrf);
}

/* The newest audit entry as "actor action object". */
static const char *last_audit(void)
{
	static char out[200];
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	struct lt_error err;
	assert_int_equal(store_audit_tail(g_store, 1, &a, &n, &err), LT_OK);
	assert_int_equal(n, 1);
	snprintf(out, sizeof(out), "%s %s %s", a[0].actor, a[0].action, a[0].object);
	free(a);
	return out;
}

/* No audit entry names an e-mail address or holds a password. */
static void audit_holds_no_address(void)
{
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	struct lt_error err;
	assert_int_equal(store_audit_tail(g_store, 100000, &a, &n, &err), LT_OK);
	for (size_t i = 0; i < n; i++) {
		char all[512];
		snprintf(all, sizeof(all), "%s|%s|%s|%s", a[i].actor, a[i].action, a[i].object,
		         a[i].purpose);
		assert_not_contains(all, "@");
		assert_not_contains(all, "horse");
	}
	free(a);
}

/* Walk the route table: each route's access and action, for the public and
 * for a principal of every role. */
static void test_route_access_table(void **state)
{
	struct principal {
		const char *what;
		enum lt_role role;
		const char *auth; /* a token, or NULL for a session of `user` */
		int64_t *user;
	} principals[] = {
	    {"police token", LT_ROLE_POLICE, g_police_auth, NULL},
	    {"caseworker token", LT_ROLE_CASEWORKER, g_caseworker_auth, NULL},
	    {"analyst token", LT_ROLE_ANALYST, g_analyst_auth, NULL},
	    {"partnership_admin session", LT_ROLE_PARTNERSHIP_ADMIN, NULL, &g_user_admin},
	    {"agency_admin session", LT_ROLE_AGENCY_ADMIN, NULL, &g_user_agency_admin},
	    {"police session", LT_ROLE_POLICE, NULL, &g_user_police},
	};
	for (size_t i = 0; i < web_route_count; i++) {
		const struct web_route *r = &web_routes[i];
		char target[128];
		bool page = r->kind != WEB_KIND_API;
		bool post = strcmp(r->method, "GET") != 0;
		/* each {name} segment stands for a record that is not there */
		size_t t = 0;
		for (const char *pp = r->path; *pp && t + 12 < sizeof(target);) {
			if (*pp == '{') {
				memcpy(target + t, "LT-00000000", 11);
				t += 11;
				pp = strchr(pp, '}') + 1;
			} else {
				target[t++] = *pp++;
			}
		}
		target[t] = '\0';

		/* Table rules: a state-changing page names its token; only the
		 * sign-ins go to the sign-in pool, every other state-changing
		 * route to the write pool and reads stay on the request thread
		 * unless marked; an action is an action. */
		if (post && page)
			assert_int_not_equal(r->csrf, WEB_CSRF_NONE);
		if (!post || !page)
			assert_int_equal(r->csrf, WEB_CSRF_NONE);
		bool signin = strcmp(r->method, "POST") == 0 &&
		              (strcmp(r->path, "/login") == 0 || strcmp(r->path, "/api/v1/session") == 0);
		assert_int_equal(r->offload == WEB_POOL_SIGNIN, signin);
		assert_true(r->offload == WEB_POOL_BY_METHOD || r->offload == WEB_POOL_SIGNIN ||
		            r->offload == WEB_POOL_WRITE);
		if (!signin)
			assert_int_equal(web_route_pool(r),
			                 post || r->offload == WEB_POOL_WRITE ? WEB_POOL_WRITE
			                                                      : WEB_POOL_NONE);
		assert_true(r->action == WEB_NO_ACTION ||
		            (r->action >= 0 && r->action < LT_ACTION_COUNT));
		if (r->access == WEB_ACCESS_PUBLIC) {
			assert_int_equal(r->action, WEB_NO_ACTION);
			continue;
		}

		/* Nobody: 401 for the API, the sign-in page for pages. */
		struct web_response rs;
		serve(&(struct req){r->method, target, page ? FORM : JSON, "{}"}, &rs);
		if (page) {
			assert_int_equal(rs.status, 303);
			assert_string_equal(web_response_header_get(&rs, "Location"), "/login");
		} else {
			json_decref(problem(&rs, 401, "unauthenticated"));
			assert_non_null(web_response_header_get(&rs, "WWW-Authenticate"));
		}
		web_response_release(&rs);

		for (size_t k = 0; k < sizeof(principals) / sizeof(principals[0]); k++) {
			const struct principal *pr = &principals[k];
			char cookie[128] = "", csrf[LT_CRYPTO_SECRET_SIZE] = "", body[128] = "{}";
			if (!pr->auth)
				session_for(*pr->user, NOW, cookie, csrf);
			if (page && post)
				snprintf(body, sizeof(body), "csrf=%s", csrf);
			bool refused = (r->access == WEB_ACCESS_SESSION && pr->auth) ||
			               (r->action != WEB_NO_ACTION &&
			                lt_access_scopes(pr->role, (enum lt_action)r->action) == 0);
			serve(&(struct req){r->method, target, page ? FORM : JSON, body, false, false,
			                    pr->auth, pr->auth ? NULL : cookie, pr->auth ? NULL : csrf},
			      &rs);
			if (refused && rs.status != 403)
				fail_msg("%s %s as %s: %d, want 403: %s", r->method, r->path, pr->what,
				         rs.status, body_of(&rs));
			if (!refused && (rs.status == 401 || rs.status == 403))
				fail_msg("%s %s as %s: %d, want it let through: %s", r->method,
				         r->path, pr->what, rs.status, body_of(&rs));
			web_response_release(&rs);
		}
	}
}

static void test_session_api(void **state)
{
	struct web_response rs;
	char cookie[128], csrf[LT_CRYPTO_SECRET_SIZE], want[128];
	const char *peer = "198.51.100.1";

	api_login("Ann@Police.example", PASSWORD, peer, NOW, NULL, &rs);
	if (rs.status != 201)
		fail_msg("sign-in: %d %s", rs.status, body_of(&rs));
	const char *sc = set_cookie(&rs, SESSION_COOKIE);
	assert_non_null(sc);
	/* 43 base64url characters, then exactly these attributes. */
	assert_int_equal(strcspn(sc, ";"), strlen(SESSION_COOKIE) + 1 + LT_CRYPTO_SECRET_CHARS);
	assert_string_equal(sc + strcspn(sc, ";"), "; Path=/; HttpOnly; SameSite=Strict; Secure");
	assert_string_equal(web_response_header_get(&rs, "Location"), "/api/v1/session");
	json_t *doc = json_loads(body_of(&rs), 0, NULL);
	assert_non_null(doc);
	json_t *user = json_object_get(doc, "user");
	assert_string_equal(json_string_value(json_object_get(user, "email")), "ann@police.example");
	assert_string_equal(json_string_value(json_object_get(user, "agency")), "herts_police");
	assert_string_equal(json_string_value(json_object_get(user, "role")), "police");
	assert_int_equal(json_integer_value(json_object_get(user, "id")), g_user_police);
	assert_string_equal(json_string_value(json_object_get(doc, "expires_at")),
	                    "2024-06-02T00:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(doc, "idle_timeout_s")),
	                 LT_SESSION_IDLE_S);
	snprintf(csrf, sizeof(csrf), "%s", json_string_value(json_object_get(doc, "csrf_token")));
	assert_int_equal(strlen(csrf), LT_CRYPTO_SECRET_CHARS);
	json_decref(doc);
	cookie_of(&rs, SESSION_COOKIE, cookie, sizeof(cookie));
	web_response_release(&rs);
	/* Audited by account id: actor and session, never the address. */
	snprintf(want, sizeof(want), "user:%lld session.login session:", (long long)g_user_police);
	assert_true(strncmp(last_audit(), want, strlen(want)) == 0);
	audit_holds_no_address();

	/* The session answers, with the same token. */
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, cookie}, &rs);
	assert_int_equal(rs.status, 200);
	assert_contains(body_of(&rs), csrf);
	web_response_release(&rs);

	/* An unsafe API call with the cookie needs X-CSRF-Token. */
	const char *report = "{\"source\":\"partner\",\"agency\":\"herts_police\",\"forms\":"
	                     "[\"unknown\"],\"place\":\"unknown\",\"received\":\"2024-05-01\"}";
	long before = report_count();
	serve(&(struct req){"POST", "/api/v1/reports", JSON, report, false, false, NULL, cookie}, &rs);
	json_decref(problem(&rs, 403, "forbidden"));
	web_response_release(&rs);
	serve(&(struct req){"POST", "/api/v1/reports", JSON, report, false, false, NULL, cookie,
	                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
	      &rs);
	json_decref(problem(&rs, 403, "forbidden"));
	web_response_release(&rs);
	assert_int_equal(report_count(), before);
	serve(&(struct req){"POST", "/api/v1/reports", JSON, report, false, false, NULL, cookie, csrf},
	      &rs);
	assert_int_equal(rs.status, 201);
	web_response_release(&rs);
	snprintf(want, sizeof(want), "user:%lld report.create report:", (long long)g_user_police);
	assert_true(strncmp(last_audit(), want, strlen(want)) == 0);

	/* Signing out needs the token too; then the cookie is cleared and the
	 * session gone. */
	serve(&(struct req){"DELETE", "/api/v1/session", NULL, NULL, false, false, NULL, cookie}, &rs);
	json_decref(problem(&rs, 403, "forbidden"));
	web_response_release(&rs);
	serve(&(struct req){"DELETE", "/api/v1/session", NULL, NULL, false, false, NULL, cookie, csrf},
	      &rs);
	assert_int_equal(rs.status, 200);
	assert_string_equal(set_cookie(&rs, SESSION_COOKIE),
	                    SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure");
	web_response_release(&rs);
	assert_contains(last_audit(), " session.logout session:");
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, cookie}, &rs);
	json_decref(problem(&rs, 401, "unauthenticated"));
	web_response_release(&rs);
}

static void test_login_failures(void **state)
{
	struct web_response rs;
	char detail[3][256], want[128];
	static const struct {
		const char *email, *password, *peer;
		int64_t *user; /* NULL: no such account */
	} cases[] = {
	    {"ann@police.example", "not the password at all", "198.51.100.2", &g_user_police},
	    {"nobody@police.example", PASSWORD, "198.51.100.3", NULL},
	    {"gone@police.example", PASSWORD, "198.51.100.4", &g_user_disabled},
	};
	/* Wrong password, no such account, disabled account: one answer. */
	for (size_t i = 0; i < 3; i++) {
		api_login(cases[i].email, cases[i].password, cases[i].peer, NOW, NULL, &rs);
		json_t *doc = problem(&rs, 401, "unauthenticated");
		snprintf(detail[i], sizeof(detail[i]), "%s",
		         json_string_value(json_object_get(doc, "detail")));
		json_decref(doc);
		assert_null(set_cookie(&rs, SESSION_COOKIE));
		web_response_release(&rs);
		if (cases[i].user)
			snprintf(want, sizeof(want), "web:%s session.login_failed user:%lld",
			         cases[i].peer, (long long)*cases[i].user);
		else
			snprintf(want, sizeof(want), "web:%s session.login_failed user:unknown",
			         cases[i].peer);
		assert_string_equal(last_audit(), want);
	}
	assert_string_equal(detail[0], detail[1]);
	assert_string_equal(detail[0], detail[2]);
	audit_holds_no_address();

	/* Bodies that are not a sign-in. */
	serve(&(struct req){"POST", "/api/v1/session", FORM, "email=a&password=b"}, &rs);
	json_decref(problem(&rs, 415, "unsupported_media_type"));
	web_response_release(&rs);
	serve(&(struct req){"POST", "/api/v1/session", JSON, "{\"email\":\"ann@police.example\"}"},
	      &rs);
	json_t *doc = problem(&rs, 400, "invalid");
	assert_true(names_field(doc, "password"));
	json_decref(doc);
	web_response_release(&rs);
	serve(&(struct req){"POST", "/api/v1/session", JSON,
	                    "{\"email\":\"ann@police.example\",\"password\":1,\"remember\":true}"},
	      &rs);
	doc = problem(&rs, 400, "invalid");
	assert_true(names_field(doc, "password"));
	assert_true(names_field(doc, "remember"));
	json_decref(doc);
	web_response_release(&rs);
	serve(&(struct req){"POST", "/api/v1/session", JSON, "[1]"}, &rs);
	json_decref(problem(&rs, 400, "invalid"));
	web_response_release(&rs);
}

/* Lock the account throttle's key of `email` as 100 failed sign-ins would
 * (the password checks themselves are the other tests' business). */
static void lock_account(const char *email, int64_t now)
{
	char key[LT_THROTTLE_KEY_MAX];
	int n = snprintf(key, sizeof(key), "account:%s", email);
	for (unsigned i = 0; i < lt_throttle_account_policy.lock_after; i++)
		lt_throttle_failure(g_app.throttle_account, key, (size_t)n, now * 1000);
}

/* A locked account stays locked whatever the password, until `lantern user
 * unlock` asks for it (store_user_unlock): the next attempt takes the
 * request and goes ahead, with the failed attempts forgotten. */
static void test_unlock(void **state)
{
	(void)state;
	struct web_response rs;
	struct store_user u = {0}, got;
	struct lt_error err;
	char hash[LT_PASSWORD_HASH_MAX];

	assert_int_equal(lt_crypto_password_hash(PASSWORD, strlen(PASSWORD), hash), LT_OK);
	snprintf(u.email, sizeof(u.email), "uma@police.example");
	snprintf(u.agency, sizeof(u.agency), "herts_police");
	u.role = LT_ROLE_POLICE;
	assert_int_equal(store_user_add(g_store, &u, hash, "test", &err), LT_OK);

	lock_account("uma@police.example", NOW);
	/* locked: no Retry-After, the right password refused, days later too */
	api_login("uma@police.example", PASSWORD, "198.51.130.1", NOW, NULL, &rs);
	json_decref(problem(&rs, 429, "too_many_attempts"));
	assert_null(web_response_header_get(&rs, "Retry-After"));
	web_response_release(&rs);
	api_login("Uma@police.example", PASSWORD, "198.51.130.2", NOW + 7 * 86400, NULL, &rs);
	assert_int_equal(rs.status, 429);
	web_response_release(&rs);

	/* the administrator asks; audited; the next attempt goes ahead */
	assert_int_equal(store_user_unlock(g_store, "UMA@police.example", "cli", &got, &err),
	                 LT_OK);
	assert_true(got.unlock_requested);
	char want[64];
	snprintf(want, sizeof(want), "cli user.unlock user:%lld", (long long)u.id);
	assert_string_equal(last_audit(), want);
	api_login("uma@police.example", PASSWORD, "198.51.130.3", NOW + 7 * 86400 + 1, NULL, &rs);
	assert_int_equal(rs.status, 201);
	web_response_release(&rs);
	assert_int_equal(store_user_find(g_store, "uma@police.example", &got, &err), LT_OK);
	assert_false(got.unlock_requested); /* taken */
	store_user_wipe(&got);

	/* taken by a failed attempt too: the failures counted from zero, five
	 * free */
	lock_account("uma@police.example", NOW + 8 * 86400);
	assert_int_equal(store_user_unlock(g_store, "uma@police.example", "cli", NULL, &err),
	                 LT_OK);
	for (int i = 0; i < 5; i++) {
		api_login("uma@police.example", "wrong wrong wrong", "198.51.131.1",
		          NOW + 8 * 86400, NULL, &rs);
		assert_int_equal(rs.status, 401);
		web_response_release(&rs);
	}
	api_login("uma@police.example", PASSWORD, "198.51.131.2", NOW + 8 * 86400, NULL, &rs);
	assert_int_equal(rs.status, 429);
	assert_non_null(web_response_header_get(&rs, "Retry-After"));
	web_response_release(&rs);

	/* an unlock asked for while the account is not locked is taken by its
	 * next attempt, and does not lift a later lock */
	api_login("uma@police.example", PASSWORD, "198.51.131.3", NOW + 9 * 86400, NULL, &rs);
	assert_int_equal(rs.status, 201);
	web_response_release(&rs);
	assert_int_equal(store_user_unlock(g_store, "uma@police.example", "cli", NULL, &err),
	                 LT_OK);
	api_login("uma@police.example", "wrong wrong wrong", "198.51.131.4", NOW + 9 * 86400, NULL,
	          &rs);
	assert_int_equal(rs.status, 401);
	web_response_release(&rs);
	assert_int_equal(store_user_find(g_store, "uma@police.example", &got, &err), LT_OK);
	assert_false(got.unlock_requested);
	store_user_wipe(&got);
	lock_account("uma@police.example", NOW + 9 * 86400);
	api_login("uma@police.example", PASSWORD, "198.51.131.5", NOW + 9 * 86400, NULL, &rs);
	assert_int_equal(rs.status, 429);
	web_response_release(&rs);

	/* no such account: nothing to unlock */
	assert_int_equal(store_user_unlock(g_store, "nobody@police.example", "cli", NULL, &err),
	                 LT_ENOTFOUND);
	lock_account("nobody@police.example", NOW);
	api_login("nobody@police.example", PASSWORD, "198.51.131.6", NOW, NULL, &rs);
	assert_int_equal(rs.status, 429);
	web_response_release(&rs);
}

/* Five free failures per account, then 429 with Retry-After; the same for
 * an account that does not exist; twenty per address. */
static void test_throttles(void **state)
{
	struct web_response rs;
	struct store_user u = {0};
	struct lt_error err;
	char hash[LT_PASSWORD_HASH_MAX], peer[32], before[200];

	assert_int_equal(lt_crypto_password_hash(PASSWORD, strlen(PASSWORD), hash), LT_OK);
	snprintf(u.email, sizeof(u.email), "tess@police.example");
	snprintf(u.agency, sizeof(u.agency), "herts_police");
	u.role = LT_ROLE_POLICE;
	assert_int_equal(store_user_add(g_store, &u, hash, "test", &err), LT_OK);

	for (int round = 0; round < 2; round++) {
		const char *email = round ? "Tess@police.example" : "ghost@police.example";
		for (int i = 0; i < 5; i++) {
			snprintf(peer, sizeof(peer), "198.51.%d.%d", 110 + round, i + 1);
			api_login(email, "wrong wrong wrong", peer, NOW, NULL, &rs);
			json_decref(problem(&rs, 401, "unauthenticated"));
			web_response_release(&rs);
		}
		/* The sixth at once, even with the right password, even from a
		 * new address: refused before any check, and not audited. */
		snprintf(before, sizeof(before), "%s", last_audit());
		api_login(round ? "tess@POLICE.example" : email, PASSWORD, "198.51.120.1", NOW, NULL,
		          &rs);
		json_decref(problem(&rs, 429, "too_many_attempts"));
		assert_string_equal(web_response_header_get(&rs, "Retry-After"), "1");
		assert_null(set_cookie(&rs, SESSION_COOKIE));
		web_response_release(&rs);
		assert_string_equal(last_audit(), before);
		/* A second later it may try again. */
		api_login(email, PASSWORD, "198.51.120.1", NOW + 1, NULL, &rs);
		assert_int_equal(rs.status, round ? 201 : 401);
		web_response_release(&rs);
	}
	/* The right password cleared the account's count: five more free
	 * failures, then the wait. */
	for (int i = 0; i < 5; i++) {
		api_login("tess@police.example", "wrong wrong wrong", "198.51.121.1", NOW + 2, NULL,
		          &rs);
		assert_int_equal(rs.status, 401);
		web_response_release(&rs);
	}
	api_login("tess@police.example", PASSWORD, "198.51.121.2", NOW + 2, NULL, &rs);
	assert_int_equal(rs.status, 429);
	web_response_release(&rs);
	api_login("tess@police.example", PASSWORD, "198.51.121.2", NOW + 3, NULL, &rs);
	assert_int_equal(rs.status, 201);
	web_response_release(&rs);

	/* One address, many accounts: the twenty-first attempt waits. */
	for (int i = 0; i < 20; i++) {
		char email[64];
		snprintf(email, sizeof(email), "guess%d@police.example", i);
		api_login(email, "wrong wrong wrong", "203.0.113.9", NOW, NULL, &rs);
		assert_int_equal(rs.status, 401);
		web_response_release(&rs);
	}
	api_login("tess@police.example", PASSWORD, "203.0.113.9", NOW, NULL, &rs);
	json_decref(problem(&rs, 429, "too_many_attempts"));
	assert_non_null(web_response_header_get(&rs, "Retry-After"));
	web_response_release(&rs);
	/* The same through the sign-in page. */
	serve(&(struct req){"POST", "/login", FORM, "", false, false, NULL, NULL, NULL, 0,
	                    "203.0.113.9"},
	      &rs);
	assert_int_equal(rs.status, 403); /* no token: refused before anything */
	web_response_release(&rs);
}

static void test_session_expiry(void **state)
{
	struct web_response rs;
	char cookie[128], csrf[LT_CRYPTO_SECRET_SIZE];
	int64_t t;

	/* Idle: each use moves the limit on; LT_SESSION_IDLE_S without one ends it. */
	signed_in("ann@police.example", "198.51.100.20", NOW, cookie, csrf);
	t = NOW + LT_SESSION_IDLE_S - 1;
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, cookie, NULL, t},
	      &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);
	t += LT_SESSION_IDLE_S - 1;
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, cookie, NULL, t},
	      &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);
	t += LT_SESSION_IDLE_S;
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, cookie, NULL, t},
	      &rs);
	json_t *doc = problem(&rs, 401, "unauthenticated");
	assert_contains(json_string_value(json_object_get(doc, "detail")), "without use");
	json_decref(doc);
	web_response_release(&rs);

	/* Absolute: used every 20 minutes, it still ends 12 hours after sign-in. */
	signed_in("ann@police.example", "198.51.100.21", NOW, cookie, csrf);
	for (t = NOW + 1200; t < NOW + LT_SESSION_ABSOLUTE_S; t += 1200) {
		serve(&(struct req){"GET", "/staff", NULL, NULL, false, false, NULL, cookie, NULL, t},
		      &rs);
		assert_int_equal(rs.status, 200);
		web_response_release(&rs);
	}
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, cookie, NULL,
	                    NOW + LT_SESSION_ABSOLUTE_S - 1},
	      &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, cookie, NULL,
	                    NOW + LT_SESSION_ABSOLUTE_S},
	      &rs);
	doc = problem(&rs, 401, "unauthenticated");
	assert_contains(json_string_value(json_object_get(doc, "detail")), "12 hours");
	json_decref(doc);
	web_response_release(&rs);
	/* An expired page session sends the browser to sign in. */
	serve(&(struct req){"GET", "/staff", NULL, NULL, false, false, NULL, cookie, NULL,
	                    NOW + LT_SESSION_ABSOLUTE_S},
	      &rs);
	assert_int_equal(rs.status, 303);
	web_response_release(&rs);

	/* A disabled account's sessions end at once. */
	struct store_user u = {0};
	struct lt_error err;
	char hash[LT_PASSWORD_HASH_MAX];
	assert_int_equal(lt_crypto_password_hash(PASSWORD, strlen(PASSWORD), hash), LT_OK);
	snprintf(u.email, sizeof(u.email), "leaver@police.example");
	snprintf(u.agency, sizeof(u.agency), "herts_police");
	u.role = LT_ROLE_CASEWORKER;
	assert_int_equal(store_user_add(g_store, &u, hash, "test", &err), LT_OK);
	signed_in("leaver@police.example", "198.51.100.22", NOW, cookie, csrf);
	assert_int_equal(store_user_set_disabled(g_store, u.email, true, "test", NULL, &err), LT_OK);
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, cookie}, &rs);
	json_decref(problem(&rs, 401, "unauthenticated"));
	web_response_release(&rs);
}

static void test_tokens(void **state)
{
	struct web_response rs;
	char tok[LT_CRYPTO_TOKEN_SIZE], auth[80];
	unsigned char h[LT_CRYPTO_TOKEN_HASH_BYTES];
	struct store_token t = {0};
	struct lt_error err;
	const char *target = "/api/v1/reports/LT-00000000"; /* 404 once let through */

	lt_crypto_token_new(tok);
	lt_crypto_token_hash(tok, strlen(tok), h);
	snprintf(t.agency, sizeof(t.agency), "herts_police");
	t.role = LT_ROLE_POLICE;
	assert_int_equal(store_token_add(g_store, &t, h, "test", &err), LT_OK);
	snprintf(auth, sizeof(auth), "Bearer %s", tok);
	serve(&(struct req){"GET", target, NULL, NULL, false, false, auth}, &rs);
	assert_int_equal(rs.status, 404);
	web_response_release(&rs);
	/* The scheme in any case, spaces around. */
	snprintf(auth, sizeof(auth), "  bEARER   %s  ", tok);
	serve(&(struct req){"GET", target, NULL, NULL, false, false, auth}, &rs);
	assert_int_equal(rs.status, 404);
	web_response_release(&rs);

	/* Revoked: refused at once. */
	assert_int_equal(store_token_revoke(g_store, t.id, "test", NULL, &err), LT_OK);
	snprintf(auth, sizeof(auth), "Bearer %s", tok);
	serve(&(struct req){"GET", target, NULL, NULL, false, false, auth}, &rs);
	json_decref(problem(&rs, 401, "unauthenticated"));
	web_response_release(&rs);

	/* Malformed, another scheme, one character changed, empty. */
	static const char *const bad[] = {
	    "Bearer lt_short", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer", "", "Bearer  ",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		serve(&(struct req){"GET", target, NULL, NULL, false, false, bad[i]}, &rs);
		json_decref(problem(&rs, 401, "unauthenticated"));
		web_response_release(&rs);
	}
	snprintf(auth, sizeof(auth), "%s", g_police_auth);
	auth[20] = auth[20] == 'A' ? 'B' : 'A';
	serve(&(struct req){"GET", target, NULL, NULL, false, false, auth}, &rs);
	json_decref(problem(&rs, 401, "unauthenticated"));
	web_response_release(&rs);

	/* An Authorization header is all that counts: a bad token with a good
	 * session cookie is refused. */
	char cookie[128], csrf[LT_CRYPTO_SECRET_SIZE];
	session_for(g_user_police, NOW, cookie, csrf);
	serve(&(struct req){"GET", target, NULL, NULL, false, false, "Bearer lt_x", cookie}, &rs);
	json_decref(problem(&rs, 401, "unauthenticated"));
	web_response_release(&rs);
	serve(&(struct req){"GET", target, NULL, NULL, false, false, NULL, cookie}, &rs);
	assert_int_equal(rs.status, 404);
	web_response_release(&rs);

	/* A token has no session to sign out of. */
	serve(&(struct req){"DELETE", "/api/v1/session", NULL, NULL, false, false, g_police_auth},
	      &rs);
	json_decref(problem(&rs, 403, "forbidden"));
	web_response_release(&rs);
}

static void test_session_fixation(void **state)
{
	struct web_response rs;
	unsigned char raw[LT_CRYPTO_SECRET_BYTES];
	char planted[LT_CRYPTO_SECRET_SIZE], cookie[128], a[128], b[128], csrf[LT_CRYPTO_SECRET_SIZE];

	/* A cookie planted before sign-in is never the session after it. */
	lt_crypto_secret_new(raw, planted);
	snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=%s", planted);
	api_login("ann@police.example", PASSWORD, "198.51.100.30", NOW, cookie, &rs);
	assert_int_equal(rs.status, 201);
	cookie_of(&rs, SESSION_COOKIE, a, sizeof(a));
	assert_string_not_equal(a, cookie);
	web_response_release(&rs);
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, cookie}, &rs);
	json_decref(problem(&rs, 401, "unauthenticated"));
	web_response_release(&rs);

	/* Signing in again with a live session revokes it. */
	api_login("ann@police.example", PASSWORD, "198.51.100.30", NOW, a, &rs);
	assert_int_equal(rs.status, 201);
	cookie_of(&rs, SESSION_COOKIE, b, sizeof(b));
	assert_string_not_equal(a, b);
	web_response_release(&rs);
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, a}, &rs);
	json_decref(problem(&rs, 401, "unauthenticated"));
	web_response_release(&rs);
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, b}, &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);

	/* The same cookie twice, or another cookie's name: no session. */
	char twice[300];
	snprintf(twice, sizeof(twice), "%s; %s", b, b);
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, twice}, &rs);
	assert_int_equal(rs.status, 401);
	web_response_release(&rs);
	snprintf(twice, sizeof(twice), "other=1; %s; last=2", b);
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, twice}, &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);
	snprintf(twice, sizeof(twice), "lantern_session=%s", b + strlen(SESSION_COOKIE) + 1);
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, twice}, &rs);
	assert_int_equal(rs.status, 401); /* without __Host-: not ours on HTTPS */
	web_response_release(&rs);
	(void)csrf;
}

/* The public form's token: missing, forged, expired, for another form. */
static void test_csrf_public_form(void **state)
{
	struct web_response rs;
	long before = report_count();
	char body[512], tok[WEB_FORM_TOKEN_SIZE];
	const char *answers = "forms=unknown&place=unknown&description=Kept+as+typed+%3Cb%3E";

	serve(&(struct req){"POST", "/report", FORM, answers, false, false, .no_token = true}, &rs);
	assert_int_equal(rs.status, 403);
	assert_contains(body_of(&rs), "Your report has not been sent yet");
	assert_contains(body_of(&rs), "Kept as typed &lt;b&gt;</textarea>");
	assert_contains(body_of(&rs), "id=\"forms-unknown\" name=\"forms\" value=\"unknown\" checked");
	assert_contains(body_of(&rs), "<input type=\"hidden\" name=\"csrf\" value=\"");
	assert_contains(body_of(&rs), "<title>Error: ");
	assert_not_contains(body_of(&rs), "id=\"reference\"");
	web_response_release(&rs);

	struct {
		const char *what;
		int64_t issued;
		enum web_form_purpose purpose;
		bool forge;
		int status;
	} cases[] = {
	    {"forged", NOW, WEB_FORM_REPORT, true, 403},
	    {"expired", NOW - LT_FORM_TOKEN_TTL_S - 1, WEB_FORM_REPORT, false, 403},
	    {"from the far future", NOW + 3600, WEB_FORM_REPORT, false, 403},
	    {"nearly expired", NOW - LT_FORM_TOKEN_TTL_S + 10, WEB_FORM_REPORT, false, 200},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		web_form_token(&g_app, cases[i].purpose, NULL, cases[i].issued, tok);
		if (cases[i].forge)
			tok[10] = tok[10] == 'A' ? 'B' : 'A';
		snprintf(body, sizeof(body), "%s&csrf=%s", answers, tok);
		serve(&(struct req){"POST", "/report", FORM, body, false, false, .no_token = true}, &rs);
		if (rs.status != cases[i].status)
			fail_msg("%s token: %d, want %d", cases[i].what, rs.status, cases[i].status);
		web_response_release(&rs);
	}
	/* The sign-in form's token is no good here, nor two tokens. */
	unsigned char nonce[LT_CRYPTO_SECRET_BYTES];
	memset(nonce, 1, sizeof(nonce));
	web_form_token(&g_app, WEB_FORM_LOGIN, nonce, NOW, tok);
	snprintf(body, sizeof(body), "%s&csrf=%s", answers, tok);
	serve(&(struct req){"POST", "/report", FORM, body, false, false, .no_token = true}, &rs);
	assert_int_equal(rs.status, 403);
	web_response_release(&rs);
	web_form_token(&g_app, WEB_FORM_REPORT, NULL, NOW, tok);
	snprintf(body, sizeof(body), "%s&csrf=%s&csrf=%s", answers, tok, tok);
	serve(&(struct req){"POST", "/report", FORM, body, false, false, .no_token = true}, &rs);
	assert_int_equal(rs.status, 403);
	web_response_release(&rs);
	assert_int_equal(report_count(), before + 1); /* the nearly expired one only */

	/* The page gives a token that works. */
	serve(&(struct req){"GET", "/"}, &rs);
	const char *p = strstr(body_of(&rs), "name=\"csrf\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	size_t n = strcspn(p, "\"");
	snprintf(body, sizeof(body), "%s&csrf=%.*s", answers, (int)n, p);
	web_response_release(&rs);
	serve(&(struct req){"POST", "/report", FORM, body, false, false, .no_token = true}, &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);
}

/* The sign-in page, its login cookie and token, and the staff pages. */
static void test_login_pages(void **state)
{
	struct web_response rs;
	char login[128], session[128], body[512], tok[80];

	serve(&(struct req){"GET", "/login"}, &rs);
	assert_int_equal(rs.status, 200);
	const char *b = body_of(&rs);
	assert_contains(b, "<label for=\"email\">E-mail address</label>");
	assert_contains(b, "<label for=\"password\">Password</label>");
	assert_contains(b, "autocomplete=\"username\"");
	assert_contains(b, "autocomplete=\"current-password\"");
	assert_contains(b, "<form method=\"post\" action=\"/login\"");
	assert_not_contains(b, "<script");
	assert_not_contains(b, "error-summary");
	const char *lc = set_cookie(&rs, LOGIN_COOKIE);
	assert_non_null(lc);
	assert_contains(lc, "; Path=/; Max-Age=86400; HttpOnly; SameSite=Strict; Secure");
	cookie_of(&rs, LOGIN_COOKIE, login, sizeof(login));
	const char *p = strstr(b, "name=\"csrf\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	snprintf(tok, sizeof(tok), "%.*s", (int)strcspn(p, "\""), p);
	web_response_release(&rs);
	/* With its cookie, the page keeps it. */
	serve(&(struct req){"GET", "/login", NULL, NULL, false, false, NULL, login}, &rs);
	assert_null(set_cookie(&rs, LOGIN_COOKIE));
	web_response_release(&rs);

	/* Wrong password: the form again, the address kept, the password not. */
	long audits_before = 0;
	snprintf(body, sizeof(body), "csrf=%s&email=%%3Cann%%3E%%40police.example&password=nope+nope",
	         tok);
	serve(&(struct req){"POST", "/login", FORM, body, false, false, NULL, login, NULL, 0,
	                    "198.51.100.40"},
	      &rs);
	assert_int_equal(rs.status, 401);
	b = body_of(&rs);
	assert_contains(b, "<title>Error: Sign in");
	assert_contains(b, "role=\"alert\"");
	assert_contains(b, "The e-mail address or the password is not right");
	assert_contains(b, "value=\"&lt;ann&gt;@police.example\"");
	assert_contains(b, "aria-describedby=\"email-error\"");
	assert_not_contains(b, "nope");
	web_response_release(&rs);
	(void)audits_before;

	/* No login cookie (a form posted from another site): 403, nothing
	 * checked, a fresh form and cookie. */
	snprintf(body, sizeof(body), "csrf=%s&email=ann%%40police.example&password=%s", tok,
	         "correct+horse+battery+staple");
	char before_audit[200];
	snprintf(before_audit, sizeof(before_audit), "%s", last_audit());
	serve(&(struct req){"POST", "/login", FORM, body, false, false, NULL, NULL, NULL, 0,
	                    "198.51.100.41"},
	      &rs);
	assert_int_equal(rs.status, 403);
	assert_contains(body_of(&rs), "The sign-in form had expired");
	assert_non_null(set_cookie(&rs, LOGIN_COOKIE));
	assert_null(set_cookie(&rs, SESSION_COOKIE));
	web_response_release(&rs);
	/* Another browser's login cookie: the token is bound to this one. */
	unsigned char other[LT_CRYPTO_SECRET_BYTES];
	char other_text[LT_CRYPTO_SECRET_SIZE], other_cookie[128];
	lt_crypto_secret_new(other, other_text);
	snprintf(other_cookie, sizeof(other_cookie), LOGIN_COOKIE "=%s", other_text);
	serve(&(struct req){"POST", "/login", FORM, body, false, false, NULL, other_cookie, NULL, 0,
	                    "198.51.100.41"},
	      &rs);
	assert_int_equal(rs.status, 403);
	web_response_release(&rs);
	assert_string_equal(last_audit(), before_audit); /* no attempt was made */

	/* The real thing: 303 to /staff with the session cookie; the login
	 * cookie is cleared. */
	serve(&(struct req){"POST", "/login", FORM, body, false, false, NULL, login, NULL, 0,
	                    "198.51.100.41"},
	      &rs);
	assert_int_equal(rs.status, 303);
	assert_string_equal(web_response_header_get(&rs, "Location"), "/staff");
	cookie_of(&rs, SESSION_COOKIE, session, sizeof(session));
	assert_contains(set_cookie(&rs, LOGIN_COOKIE), "Max-Age=0");
	web_response_release(&rs);

	/* /staff: who, and a sign-out form with the session's token. */
	serve(&(struct req){"GET", "/staff", NULL, NULL, false, false, NULL, session}, &rs);
	assert_int_equal(rs.status, 200);
	b = body_of(&rs);
	assert_contains(b, "ann@police.example");
	assert_contains(b, "herts_police");
	assert_contains(b, "<dd>Police</dd>");
	assert_contains(b, "<form method=\"post\" action=\"/logout\">");
	p = strstr(b, "name=\"csrf\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	snprintf(tok, sizeof(tok), "%.*s", (int)strcspn(p, "\""), p);
	assert_int_equal(strlen(tok), LT_CRYPTO_SECRET_CHARS);
	web_response_release(&rs);
	serve(&(struct req){"GET", "/staff"}, &rs);
	assert_int_equal(rs.status, 303);
	assert_string_equal(web_response_header_get(&rs, "Location"), "/login");
	web_response_release(&rs);

	/* Sign out: without the token, with another session's, then right. */
	serve(&(struct req){"POST", "/logout", FORM, "", false, false, NULL, session}, &rs);
	assert_int_equal(rs.status, 403);
	web_response_release(&rs);
	char other_session[128], other_csrf[LT_CRYPTO_SECRET_SIZE];
	session_for(g_user_police, NOW, other_session, other_csrf);
	snprintf(body, sizeof(body), "csrf=%s", other_csrf);
	serve(&(struct req){"POST", "/logout", FORM, body, false, false, NULL, session}, &rs);
	assert_int_equal(rs.status, 403);
	web_response_release(&rs);
	serve(&(struct req){"GET", "/staff", NULL, NULL, false, false, NULL, session}, &rs);
	assert_int_equal(rs.status, 200); /* still signed in */
	web_response_release(&rs);
	snprintf(body, sizeof(body), "csrf=%s", tok);
	serve(&(struct req){"POST", "/logout", FORM, body, false, false, NULL, session}, &rs);
	assert_int_equal(rs.status, 303);
	assert_string_equal(web_response_header_get(&rs, "Location"), "/login?signed_out=1");
	assert_contains(set_cookie(&rs, SESSION_COOKIE), "Max-Age=0");
	web_response_release(&rs);
	serve(&(struct req){"GET", "/staff", NULL, NULL, false, false, NULL, session}, &rs);
	assert_int_equal(rs.status, 303);
	web_response_release(&rs);
	serve(&(struct req){"GET", "/login?signed_out=1"}, &rs);
	assert_contains(body_of(&rs), "You have signed out.");
	web_response_release(&rs);
}

/* lantern serve --insecure-http: no Secure, no __Host- prefix. */
static void test_insecure_http_cookies(void **state)
{
	struct web_response rs;
	char cookie[128];
	g_app.insecure_http = true;
	api_login("ann@police.example", PASSWORD, "198.51.100.50", NOW, NULL, &rs);
	assert_int_equal(rs.status, 201);
	const char *sc = set_cookie(&rs, "lantern_session");
	assert_non_null(sc);
	assert_string_equal(sc + strcspn(sc, ";"), "; Path=/; HttpOnly; SameSite=Strict");
	assert_null(set_cookie(&rs, SESSION_COOKIE));
	cookie_of(&rs, "lantern_session", cookie, sizeof(cookie));
	web_response_release(&rs);
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, cookie}, &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);
	g_app.insecure_http = false;
	serve(&(struct req){"GET", "/api/v1/session", NULL, NULL, false, false, NULL, cookie}, &rs);
	assert_int_equal(rs.status, 401);
	web_response_release(&rs);
}

/* ---- robustness -------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
	/* splitmix64: deterministic, so a failure can be replayed. */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Mangle `seed` (insert, delete, replace bytes) into out; returns the length. */
static size_t mangle(const char *seed, char *out, size_t cap)
{
	static const char pieces[] = "%&=+{}[]\":,\\\x00\xff\xc3\x80<>'0123456789aZ";
	size_t n = strlen(seed);
	memcpy(out, seed, n);
	int edits = 1 + (int)(rng() % 8);
	for (int e = 0; e < edits; e++) {
		size_t at = n ? (size_t)(rng() % n) : 0;
		char c = pieces[rng() % (sizeof(pieces) - 1)];
		switch (rng() % 3) {
		case 0:
			if (n + 1 < cap) {
				memmove(out + at + 1, out + at, n - at);
				out[at] = c;
				n++;
			}
			break;
		case 1:
			if (n) {
				memmove(out + at, out + at + 1, n - at - 1);
				n--;
			}
			break;
		default:
			if (n)
				out[at] = c;
			break;
		}
	}
	return n;
}

/* POST /api/v1/estimate: CSV and JSON give the same estimate; errors name
 * the field; the route is for loopback peers and takes CSV or JSON only. */
static void test_api_estimate(void **state)
{
	struct web_response rs;
	const char *shared = getenv("LANTERN_SHARED");
	char path[1024];
	static char csv[8192];

	/* UKdat_5 by SparseMSE's stepwise selection: the Home Office's 11,313. */
	assert_non_null(shared);
	snprintf(path, sizeof(path), "%s/data/mse/UKdat_5.csv", shared);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(csv, 1, sizeof(csv) - 1, f);
	fclose(f);
	csv[n] = '\0';
	serve(&(struct req){"POST", "/api/v1/estimate?method=stepwise", "text/csv", csv, false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 200);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"), "application/json");
	assert_contains(body_of(&rs), "\"observed\":2744,\"method\":\"stepwise\"");
	assert_contains(body_of(&rs), "\"estimate\":11312.99028943");
	assert_contains(body_of(&rs), "\"interval\":{\"method\":\"wald\"");
	web_response_release(&rs);

	/* The same two-list table as CSV and as JSON: identical answers. */
	serve(&(struct req){"POST", "/api/v1/estimate?ci=profile", "text/csv",
			    "A,B,count\n1,0,30\n0,1,20\n1,1,10\n", false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 200);
	char *from_csv = strdup(body_of(&rs));
	web_response_release(&rs);
	serve(&(struct req){"POST", "/api/v1/estimate", "application/json",
			    "{\"lists\":[\"A\",\"B\"],\"rows\":[[1,0,30],[0,1,20],[1,1,10]],\"ci\":\"profile\"}",
			    false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 200);
	assert_string_equal(body_of(&rs), from_csv);
	assert_contains(from_csv, "\"estimate\":120,");
	assert_contains(from_csv, "Only two lists");
	free(from_csv);
	web_response_release(&rs);

	/* Every bad option and row is named. */
	serve(&(struct req){"POST", "/api/v1/estimate", "application/json",
			    "{\"lists\":[\"A\",\"B\"],\"rows\":[[1,0,30],[1,1]],\"ci\":\"nope\",\"colour\":1}",
			    false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 400);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"), "application/problem+json");
	assert_contains(body_of(&rs), "{\"field\":\"rows[1]\",\"detail\":\"must be an array of 3 numbers");
	assert_contains(body_of(&rs), "{\"field\":\"ci\",\"detail\":\"unknown value 'nope'");
	assert_contains(body_of(&rs), "{\"field\":\"colour\"");
	web_response_release(&rs);

	/* The bic bootstrap searches the data's best boot_top models (at most
	 * 200 over the API). */
	serve(&(struct req){"POST", "/api/v1/estimate?method=bic&ci=bca&nboot=20&boot_top=5",
			    "text/csv", csv, false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 200);
	assert_contains(body_of(&rs), "\"models_searched\":5,");
	web_response_release(&rs);
	serve(&(struct req){"POST", "/api/v1/estimate?method=bic&ci=bca&boot_top=201", "text/csv",
			    csv, false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "{\"field\":\"boot_top\"");
	web_response_release(&rs);

	serve(&(struct req){"POST", "/api/v1/estimate", "text/csv", "A,B,count\n1,0,3\n0,0,4\n", false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "line 3");
	web_response_release(&rs);

	serve(&(struct req){"POST", "/api/v1/estimate", "application/json", "{\"lists\":", false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 400);
	assert_contains(body_of(&rs), "urn:lantern:problem:malformed");
	web_response_release(&rs);

	/* A model that cannot be estimated is 422 with the reason. */
	serve(&(struct req){"POST", "/api/v1/estimate?model=A:B", "text/csv",
			    "A,B,count\n1,0,30\n0,1,20\n1,1,10\n", false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 422);
	web_response_release(&rs);

	serve(&(struct req){"POST", "/api/v1/estimate", "text/plain", "A,B,count\n", false, false, g_police_auth}, &rs);
	assert_int_equal(rs.status, 415);
	assert_string_equal(web_response_header_get(&rs, "Accept-Post"), "text/csv, application/json");
	web_response_release(&rs);

	/* Without credentials: 401, whoever asks. */
	serve(&(struct req){"POST", "/api/v1/estimate", "text/csv", "A,B,count\n1,0,3\n", false, false}, &rs);
	json_decref(problem(&rs, 401, "unauthenticated"));
	assert_string_equal(web_response_header_get(&rs, "WWW-Authenticate"), "Bearer realm=\"lantern\"");
	web_response_release(&rs);
	/* Every role holds stats.read: an analyst may estimate. */
	serve(&(struct req){"POST", "/api/v1/estimate", "text/csv", "A,B,count\n1,0,30\n0,1,20\n1,1,10\n", true, false, g_analyst_auth}, &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);
}

static void test_mangled_bodies_never_crash(void **state)
{
	static const char *const form_seeds[] = {
	    "forms=labour_exploitation&place=local&district=watford&description=hi",
	    "forms=unknown&place=abroad&country=RO&anonymous=false&contact=x%40y.z",
	};
	static const char *const json_seeds[] = {
	    "{\"source\":\"partner\",\"agency\":\"herts_police\",\"forms\":[\"unknown\"],"
	    "\"place\":\"unknown\",\"received\":\"2024-01-01\"}",
	    "{\"source\":\"partner\",\"agency\":\"herts_police\",\"forms\":[\"forced_marriage\"],"
	    "\"place\":\"abroad\",\"country\":\"VN\",\"received\":\"2024\",\"anonymous\":true}",
	};
	char buf[512 + WEB_FORM_TOKEN_SIZE + 8];
	char tok[WEB_FORM_TOKEN_SIZE];
	web_form_token(&g_app, WEB_FORM_REPORT, NULL, NOW, tok);
	for (int round = 0; round < 400; round++) {
		bool json = round % 2;
		const char *seed = json ? json_seeds[rng() % 2] : form_seeds[rng() % 2];
		size_t n = mangle(seed, buf, 512);
		if (!json) /* the form's token, after the mangling: a form as the page sent it */
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "&csrf=%s", tok);
		long before = report_count();
		struct web_request rq;
		struct web_response rs;
		memset(&rq, 0, sizeof(rq));
		rq.method = "POST";
		rq.target = json ? "/api/v1/reports" : "/report";
		rq.content_type = json ? JSON : FORM;
		rq.body = buf;
		rq.body_len = n;
		rq.peer_loopback = true;
		rq.peer = "127.0.0.1";
		rq.today = (struct lt_date){2024, 6, 1};
		rq.now = NOW;
		rq.id = "rfuzz";
		if (json)
			rq.authorization = g_police_auth;
		web_response_init(&rs);
		web_handle(&g_app, &rq, &rs);
		check_security_headers(&rs);
		long after = report_count();
		bool ok = rs.status == 200 || rs.status == 201;
		if (!ok && !(rs.status == 400 || rs.status == 413))
			fail_msg("round %d: status %d for %.*s", round, rs.status, (int)n, buf);
		/* Written exactly when accepted. */
		assert_int_equal(after, before + (ok ? 1 : 0));
		web_response_release(&rs);
	}
}

/* ---- the OpenAPI document ---------------------------------------------------- */

/* Every $ref in `v` resolves in the document. */
static void refs_resolve(json_t *v, const char *where)
{
	const char *key;
	json_t *m;
	size_t i;
	if (json_is_object(v)) {
		json_t *ref = json_object_get(v, "$ref");
		if (ref && !web_check_pointer(json_string_value(ref)))
			fail_msg("%s: $ref %s does not resolve", where, json_string_value(ref));
		json_object_foreach(v, key, m) refs_resolve(m, where);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m) refs_resolve(m, where);
	}
}

/* Every object schema's `required` names members it has. */
static void required_exist(json_t *v, const char *where)
{
	const char *key;
	json_t *m;
	size_t i;
	if (json_is_object(v)) {
		json_t *props = json_object_get(v, "properties");
		json_t *req = json_object_get(v, "required");
		if (json_is_object(props) && json_is_array(req))
			json_array_foreach(req, i, m)
			{
				if (!json_object_get(props, json_string_value(m)))
					fail_msg("%s: required %s is not a property", where,
					         json_string_value(m));
			}
		json_object_foreach(v, key, m) required_exist(m, where);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m) required_exist(m, where);
	}
}

static void test_openapi_document(void **state)
{
	struct web_response rs;
	serve(&(struct req){"GET", "/api/v1/openapi.json"}, &rs);
	assert_int_equal(rs.status, 200);
	assert_string_equal(web_response_header_get(&rs, "Content-Type"), "application/json");
	json_t *doc = json_loads(body_of(&rs), JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(doc);
	web_response_release(&rs);
	/* The same document the fixture checks every answer against. */
	assert_true(json_equal(doc, web_check_openapi()));

	/* The top level of OpenAPI 3.1: openapi, info (title, version), and
	 * paths or components. */
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	json_t *info = json_object_get(doc, "info");
	assert_true(json_string_length(json_object_get(info, "title")) > 0);
	assert_true(json_string_length(json_object_get(info, "version")) > 0);
	json_t *paths = json_object_get(doc, "paths");
	assert_true(json_is_object(paths));
	json_t *schemes = json_object_get(json_object_get(doc, "components"), "securitySchemes");
	assert_string_equal(json_string_value(json_object_get(json_object_get(schemes, "bearer"),
	                                                      "scheme")),
	                    "bearer");
	assert_string_equal(json_string_value(json_object_get(json_object_get(schemes, "session"),
	                                                      "name")),
	                    web_session_cookie_name(&g_app));
	assert_string_equal(json_string_value(json_object_get(json_object_get(schemes, "csrf"),
	                                                      "name")),
	                    "X-CSRF-Token");
	refs_resolve(doc, "openapi.json");
	required_exist(doc, "openapi.json");

	/* Every row is an operation with its summary, description, security
	 * and answers; nothing else is. */
	size_t operations = 0;
	for (size_t i = 0; i < web_route_count; i++) {
		const struct web_route *r = &web_routes[i];
		char method[16];
		size_t k;
		for (k = 0; r->method[k]; k++)
			method[k] = (char)(r->method[k] - 'A' + 'a');
		method[k] = '\0';
		json_t *op = json_object_get(json_object_get(paths, r->path), method);
		if (!op)
			fail_msg("%s %s is missing from the OpenAPI document", r->method, r->path);
		assert_non_null(r->doc);
		const char *summary = json_string_value(json_object_get(op, "summary"));
		if (!summary || !summary[0] || strcmp(summary, r->doc->summary) != 0)
			fail_msg("%s %s has no summary", r->method, r->path);
		const char *description = json_string_value(json_object_get(op, "description"));
		assert_non_null(description);
		assert_true(strncmp(description, r->description, strlen(r->description)) == 0);
		assert_true(json_string_length(json_object_get(op, "operationId")) > 0);
		assert_true(json_array_size(json_object_get(op, "tags")) == 1);

		/* Answers: at least one that is not an error, every key a status,
		 * each with a description; the errors every row implies. */
		json_t *responses = json_object_get(op, "responses");
		const char *code;
		json_t *a;
		bool success = false;
		json_object_foreach(responses, code, a)
		{
			assert_int_equal(strlen(code), 3);
			assert_true(code[0] >= '2' && code[0] <= '5');
			success = success || code[0] == '2' || code[0] == '3';
			assert_true(json_string_length(json_object_get(a, "description")) > 0);
			json_t *c;
			const char *mt;
			json_object_foreach(json_object_get(a, "content"), mt, c)
			{
				if (code[0] >= '4' && r->kind == WEB_KIND_API)
					assert_string_equal(mt, "application/problem+json");
			}
		}
		if (!success)
			fail_msg("%s %s documents no answer that is not an error", r->method, r->path);
		static const char *const every[] = {"400", "413", "414", "500", "503"};
		for (k = 0; k < sizeof(every) / sizeof(every[0]); k++)
			assert_non_null(json_object_get(responses, every[k]));
		if (r->access != WEB_ACCESS_PUBLIC) {
			assert_non_null(json_object_get(responses, "403"));
			assert_non_null(
			    json_object_get(responses, r->kind == WEB_KIND_API ? "401" : "303"));
		}
		if (web_route_pool(r) != WEB_POOL_NONE)
			assert_non_null(json_object_get(
			    json_object_get(json_object_get(responses, "503"), "headers"), "Retry-After"));
		if (r->offload == WEB_POOL_SIGNIN) {
			assert_non_null(json_object_get(responses, "429"));
			assert_non_null(json_object_get(json_object_get(json_object_get(responses, "429"),
			                                                "headers"),
			                                "Retry-After"));
		}

		/* Security from the access column. */
		json_t *sec = json_object_get(op, "security");
		assert_true(json_is_array(sec));
		switch (r->access) {
		case WEB_ACCESS_PUBLIC:
			assert_int_equal(json_array_size(sec), 0);
			break;
		case WEB_ACCESS_SESSION:
			assert_int_equal(json_array_size(sec), 1);
			assert_non_null(json_object_get(json_array_get(sec, 0), "session"));
			break;
		case WEB_ACCESS_PRINCIPAL:
			assert_int_equal(json_array_size(sec), 2);
			assert_non_null(json_object_get(json_array_get(sec, 0), "bearer"));
			assert_non_null(json_object_get(json_array_get(sec, 1), "session"));
			break;
		}
		bool unsafe_api = r->kind == WEB_KIND_API && strcmp(r->method, "GET") != 0 &&
		                  r->access != WEB_ACCESS_PUBLIC;
		if (unsafe_api)
			assert_non_null(json_object_get(json_array_get(sec, json_array_size(sec) - 1),
			                                "csrf"));
		if (r->action != WEB_NO_ACTION)
			assert_string_equal(
			    json_string_value(json_object_get(op, "x-lantern-action")),
			    lt_action_info((enum lt_action)r->action)->code);

		/* A {name} of the path is a required path parameter. */
		const char *brace = strchr(r->path, '{');
		if (brace) {
			size_t n = strcspn(brace + 1, "}");
			bool found = false;
			json_t *p;
			json_array_foreach(json_object_get(op, "parameters"), k, p)
			{
				const char *name = json_string_value(json_object_get(p, "name"));
				if (strcmp(json_string_value(json_object_get(p, "in")), "path") == 0 &&
				    strlen(name) == n && strncmp(name, brace + 1, n) == 0) {
					assert_true(json_is_true(json_object_get(p, "required")));
					found = true;
				}
			}
			if (!found)
				fail_msg("%s %s: no path parameter %.*s", r->method, r->path, (int)n,
				         brace + 1);
		}
		/* A list takes limit and cursor and answers a page. */
		if (r->doc->page_of) {
			bool limit = false, cursor = false;
			json_t *p;
			json_array_foreach(json_object_get(op, "parameters"), k, p)
			{
				const char *name = json_string_value(json_object_get(p, "name"));
				limit = limit || strcmp(name, "limit") == 0;
				cursor = cursor || strcmp(name, "cursor") == 0;
			}
			assert_true(limit && cursor);
			assert_non_null(json_object_get(
			    json_object_get(json_object_get(responses, "200"), "headers"), "Link"));
		}
		operations++;
	}
	/* ...and the document has no operation the table lacks. */
	const char *path;
	json_t *item;
	size_t in_doc = 0;
	json_object_foreach(paths, path, item)
	{
		const char *m;
		json_t *op;
		json_object_foreach(item, m, op)
		{
			bool row = false;
			for (size_t i = 0; i < web_route_count; i++)
				row = row || (strcmp(web_routes[i].path, path) == 0 &&
				              strcasecmp(web_routes[i].method, m) == 0);
			if (!row)
				fail_msg("the OpenAPI document has %s %s, which no route has", m, path);
			in_doc++;
		}
	}
	assert_int_equal(in_doc, operations);

	/* The report schemas come from lt_report_fields: every field is a
	 * member of the input; the answer leaves out the free text. */
	json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	json_t *in = json_object_get(json_object_get(schemas, "ReportInput"), "properties");
	json_t *out = json_object_get(json_object_get(schemas, "Report"), "properties");
	for (size_t i = 0; i < lt_report_field_count; i++)
		assert_non_null(json_object_get(in, lt_report_fields[i].name));
	assert_null(json_object_get(out, "description"));
	assert_null(json_object_get(out, "contact"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(in, "country"), "enum")),
	                 lt_vocab_country.count + 1); /* the codes and null */
	/* The problem types are the status table's. */
	json_t *types = json_object_get(
	    json_object_get(json_object_get(json_object_get(schemas, "Problem"), "properties"),
	                    "type"),
	    "enum");
	assert_true(json_array_size(types) >= 15);
	json_decref(doc);
}

/* ---- lists ------------------------------------------------------------------- */

/* GET `target` as `auth`; the parsed page (decref it), its Link in `link`. */
static json_t *get_page(const char *target, const char *auth, char *link, size_t cap)
{
	struct web_response rs;
	serve(&(struct req){"GET", target, NULL, NULL, false, false, auth}, &rs);
	if (rs.status != 200)
		fail_msg("GET %s: %d %s", target, rs.status, body_of(&rs));
	json_t *page = json_loads(body_of(&rs), 0, NULL);
	assert_non_null(page);
	const char *l = web_response_header_get(&rs, "Link");
	snprintf(link, cap, "%s", l ? l : "");
	web_response_release(&rs);
	return page;
}

/* Page through `first` as `auth` following each page's Link; every item's
 * id into ids (descending, checked), their count returned. */
static size_t page_through(const char *first, const char *auth, int64_t *ids, size_t cap,
                           size_t *pages)
{
	char target[512], link[WEB_HEADER_VALUE_MAX];
	size_t n = 0;
	snprintf(target, sizeof(target), "%s", first);
	*pages = 0;
	for (;;) {
		json_t *page = get_page(target, auth, link, sizeof(link));
		json_t *items = json_object_get(page, "items"), *it;
		json_t *next = json_object_get(page, "next");
		size_t i;
		(*pages)++;
		json_array_foreach(items, i, it)
		{
			int64_t id = json_integer_value(json_object_get(it, "id"));
			assert_true(n < cap);
			assert_true(n == 0 || id < ids[n - 1]); /* newest first, none twice */
			assert_null(json_object_get(it, "description"));
			assert_null(json_object_get(it, "contact"));
			ids[n++] = id;
		}
		if (json_is_null(next)) {
			assert_string_equal(link, ""); /* the last page has no Link */
			json_decref(page);
			return n;
		}
		/* The Link is this list with limit and the cursor of `next`. */
		char want[WEB_HEADER_VALUE_MAX];
		const char *q = strchr(first, '?');
		const char *lim = q ? strstr(q, "limit=") : NULL;
		snprintf(want, sizeof(want), "<%.*s?limit=%ld&cursor=%s>; rel=\"next\"",
		         (int)(q ? (size_t)(q - first) : strlen(first)), first,
		         lim ? strtol(lim + 6, NULL, 10) : (long)LT_API_PAGE_DEFAULT,
		         json_string_value(next));
		assert_string_equal(link, want);
		snprintf(target, sizeof(target), "%.*s", (int)(strlen(link) - 14), link + 1);
		json_decref(page);
		assert_true(*pages < 1000);
	}
}

/* Reports of `agency` ("" for public ones) in the store, by SQL-free count:
 * every report read back through the store. */
static size_t reports_of(const char *agency)
{
	struct lt_report recs[LT_API_PAGE_MAX];
	struct lt_error err;
	size_t total = 0, n;
	int64_t before = 0;
	bool more = true;
	while (more) {
		assert_int_equal(store_reports_list(g_store, before, 0, LT_API_PAGE_MAX, recs, &n,
		                                    &more, &err),
		                 LT_OK);
		for (size_t i = 0; i < n; i++) {
			total += agency == NULL || strcmp(recs[i].agency, agency) == 0;
			before = recs[i].id;
			lt_report_release(&recs[i]);
		}
	}
	return total;
}

static void test_reports_list(void **state)
{
	struct web_response rs;
	struct lt_error err;
	enum { MANY = 60 };

	/* Enough reports of two agencies for pages of the default size. */
	struct lt_report batch[MANY];
	for (size_t i = 0; i < MANY; i++) {
		lt_report_init(&batch[i]);
		lt_ref_format(0x7700000000ull + i, batch[i].ref);
		batch[i].source = LT_SOURCE_PARTNER;
		snprintf(batch[i].agency, sizeof(batch[i].agency), "%s",
		         i % 3 ? "herts_cc" : "herts_police");
		batch[i].forms = 1u << LT_FORM_LABOUR_EXPLOITATION;
		batch[i].place = LT_PLACE_UNKNOWN;
		batch[i].district = -1;
		batch[i].country = -1;
		batch[i].received = (struct lt_date){2024, 5, 1};
	}
	assert_int_equal(store_reports_insert(g_store, batch, MANY, "test", &err), LT_OK);
	for (size_t i = 0; i < MANY; i++)
		lt_report_release(&batch[i]);

	int64_t *ids = calloc(4096, sizeof(*ids));
	assert_non_null(ids);
	size_t pages, n;

	/* The police read every report: default pages of 50, then of 7. */
	size_t all = reports_of(NULL);
	assert_true(all > LT_API_PAGE_DEFAULT);
	n = page_through("/api/v1/reports", g_police_auth, ids, 4096, &pages);
	assert_int_equal(n, all);
	assert_int_equal(pages, (all + LT_API_PAGE_DEFAULT - 1) / LT_API_PAGE_DEFAULT);
	n = page_through("/api/v1/reports?limit=7", g_police_auth, ids, 4096, &pages);
	assert_int_equal(n, all);
	assert_int_equal(pages, (all + 6) / 7);
	n = page_through("/api/v1/reports?limit=200", g_police_auth, ids, 4096, &pages);
	assert_int_equal(n, all);

	/* A caseworker reads its own agency's alone; so does a member of staff
	 * of the police signed in with a session: everything. */
	size_t cc = reports_of("herts_cc");
	n = page_through("/api/v1/reports?limit=9", g_caseworker_auth, ids, 4096, &pages);
	assert_int_equal(n, cc);
	json_t *page = get_page("/api/v1/reports?limit=3", g_caseworker_auth, (char[512]){0}, 512);
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(page, "items"), i, it)
	    assert_string_equal(json_string_value(json_object_get(it, "agency")), "herts_cc");
	json_decref(page);

	char cookie[128], csrf[LT_CRYPTO_SECRET_SIZE];
	session_for(g_user_police, NOW, cookie, csrf);
	serve(&(struct req){"GET", "/api/v1/reports?limit=1", NULL, NULL, false, false, NULL,
	                    cookie},
	      &rs);
	assert_int_equal(rs.status, 200);
	assert_non_null(web_response_header_get(&rs, "Link"));
	web_response_release(&rs);
	serve(&(struct req){"HEAD", "/api/v1/reports?limit=1", NULL, NULL, false, false,
	                    g_police_auth},
	      &rs);
	assert_int_equal(rs.status, 200);
	web_response_release(&rs);

	/* Who may not: nobody (401), an analyst (403). */
	serve(&(struct req){"GET", "/api/v1/reports"}, &rs);
	json_decref(problem(&rs, 401, "unauthenticated"));
	web_response_release(&rs);
	serve(&(struct req){"GET", "/api/v1/reports", NULL, NULL, false, false, g_analyst_auth},
	      &rs);
	json_decref(problem(&rs, 403, "forbidden"));
	web_response_release(&rs);

	/* Bad limits and cursors: 400 naming the parameter. A cursor of
	 * another list, of key 0, or not in its one spelling is no cursor. */
	static const struct {
		const char *query, *field;
	} bad[] = {
	    {"limit=0", "limit"},
	    {"limit=201", "limit"},
	    {"limit=-1", "limit"},
	    {"limit=abc", "limit"},
	    {"limit=07", "limit"},
	    {"limit=", "limit"},
	    {"limit=99999999999999999999", "limit"},
	    {"limit=5&limit=6", "limit"},
	    {"cursor=", "cursor"},
	    {"cursor=!!!", "cursor"},
	    {"cursor=cmVwb3J0czozMDc=", "cursor"},                 /* padded */
	    {"cursor=cGVyc29uczozMDc", "cursor"},                  /* persons:307 */
	    {"cursor=cmVwb3J0czow", "cursor"},                     /* reports:0 */
	    {"cursor=cmVwb3J0czotMQ", "cursor"},                   /* reports:-1 */
	    {"cursor=cmVwb3J0czowMQ", "cursor"},                   /* reports:01 */
	    {"cursor=cmVwb3J0czo", "cursor"},                      /* reports: */
	    {"cursor=cmVwb3J0czozMDd", "cursor"},                  /* spare bits set */
	    {"cursor=cmVwb3J0czo5MjIzMzcyMDM2ODU0Nzc1ODA4", "cursor"}, /* INT64_MAX + 1 */
	    {"cursor=a&cursor=b", "cursor"},
	    {"offset=10", "offset"},
	    {"limit=5&sort=id", "sort"},
	};
	for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
		char target[256];
		snprintf(target, sizeof(target), "/api/v1/reports?%s", bad[b].query);
		serve(&(struct req){"GET", target, NULL, NULL, false, false, g_police_auth}, &rs);
		json_t *doc = problem(&rs, 400, "invalid");
		if (!names_field(doc, bad[b].field))
			fail_msg("?%s: %s not named: %s", bad[b].query, bad[b].field, body_of(&rs));
		json_decref(doc);
		web_response_release(&rs);
	}
	serve(&(struct req){"GET", "/api/v1/reports?limit=%zz", NULL, NULL, false, false,
	                    g_police_auth},
	      &rs);
	json_decref(problem(&rs, 400, "malformed"));
	web_response_release(&rs);

	/* A cursor works across servers: it is the key, not a secret. The
	 * largest key gives an empty last page. */
	char cursor[WEB_CURSOR_SIZE], target[256];
	web_paging_cursor("reports", INT64_MAX, cursor);
	snprintf(target, sizeof(target), "/api/v1/reports?cursor=%s", cursor);
	page = get_page(target, g_police_auth, (char[512]){0}, 512);
	assert_int_equal(json_array_size(json_object_get(page, "items")),
	                 all < LT_API_PAGE_DEFAULT ? all : LT_API_PAGE_DEFAULT);
	json_decref(page);
	web_paging_cursor("reports", 1, cursor);
	snprintf(target, sizeof(target), "/api/v1/reports?cursor=%s", cursor);
	page = get_page(target, g_police_auth, (char[512]){0}, 512);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	assert_true(json_is_null(json_object_get(page, "next")));
	json_decref(page);
	free(ids);
}

/* Runs last: the answers of every test above were checked. */
static void test_every_answer_checked(void **state)
{
	/* Problem documents of every kind the tests provoke, and JSON answers
	 * checked against their documented schemas. */
	assert_true(web_check_problems_seen() > 100);
	assert_true(web_check_answers_seen() > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_form_parse_table),
	    cmocka_unit_test(test_form_parse_raw_nul_and_cap),
	    cmocka_unit_test(test_path_decode_and_content_type),
	    cmocka_unit_test(test_html_escape),
	    cmocka_unit_test(test_route_table_is_sound),
	    cmocka_unit_test(test_routes_documented),
	    cmocka_unit_test(test_not_found),
	    cmocka_unit_test(test_method_not_allowed),
	    cmocka_unit_test(test_too_big_and_bad_target),
	    cmocka_unit_test(test_index_page),
	    cmocka_unit_test(test_stylesheet),
	    cmocka_unit_test(test_report_form_accepted),
	    cmocka_unit_test(test_report_form_contact_sealed),
	    cmocka_unit_test(test_report_form_errors),
	    cmocka_unit_test(test_report_form_refusals),
	    cmocka_unit_test(test_report_form_ignores_unused),
	    cmocka_unit_test(test_api_strict_and_technical),
	    cmocka_unit_test(test_public_messages),
	    cmocka_unit_test(test_country_order),
	    cmocka_unit_test(test_healthz),
	    cmocka_unit_test(test_stats_arrests),
	    cmocka_unit_test(test_api_report_created),
	    cmocka_unit_test(test_api_report_refusals),
	    cmocka_unit_test(test_api_estimate),
	    cmocka_unit_test(test_route_access_table),
	    cmocka_unit_test(test_session_api),
	    cmocka_unit_test(test_login_failures),
	    cmocka_unit_test(test_throttles),
	    cmocka_unit_test(test_unlock),
	    cmocka_unit_test(test_session_expiry),
	    cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_session_fixation),
	    cmocka_unit_test(test_csrf_public_form),
	    cmocka_unit_test(test_login_pages),
	    cmocka_unit_test(test_insecure_http_cookies),
	    cmocka_unit_test(test_openapi_document),
	    cmocka_unit_test(test_reports_list),
	    cmocka_unit_test(test_mangled_bodies_never_crash),
	    cmocka_unit_test(test_every_answer_checked),
	};
	return cmocka_run_group_tests_name("web", tests, group_setup, group_teardown);
}
