/*
 * test_integration.c — the real server over loopback.
 *
 * The suite does what an operator and a browser would: `lantern init --demo`
 * on a fresh database in a temporary directory, then `lantern serve
 * --listen 127.0.0.1:0` as a child process, whose first line on stdout is
 * the URL with the port it bound. Every route is then driven over real
 * HTTP/1.1 (http_client.c) — successes and each error case: 404, 405 with
 * Allow, 413 (declared and chunked), 414 for an over-long target, 415 for a
 * body of the wrong Content-Type, malformed JSON, an invalid field named
 * in the problem document, the form sent back with its errors and the typed
 * values, a public report answered with its reference code, a partner report
 * answered 201 with a Location that reads back, the demo arrest figures, a
 * keep-alive connection carrying several requests, and eight clients sending
 * reports at once. Every response is checked for
 * the security headers. Failing requests must write nothing: the number of
 * reports is read from the database itself (SQLite in WAL mode allows a
 * reader beside the server) before and after.
 *
 * Authentication over real HTTP: a partner system's API token from `lantern
 * token add` works until `lantern token revoke`; a member of staff made by
 * `lantern user add` signs in (POST /api/v1/session), calls the API with the
 * cookie and the X-CSRF-Token, and signs out; a cookie planted before
 * sign-in is not honoured after it (session fixation); sessions past their
 * idle or absolute expiry — made so by rewinding their times in the database
 * — are refused; failed sign-ins are answered 429 with Retry-After after the
 * account's free failures; forms without their CSRF token, and the sign-in
 * form without its login cookie, are 403 and write nothing; and
 * --insecure-http is refused on an address that is not loopback.
 *
 * At the end the server gets SIGTERM and must exit 0 (under ASan that also
 * means no leaks), and its log must hold one line per request with id,
 * method, route and status, and none of what was typed into the form, nor a
 * password, an e-mail address, a session cookie or a token.
 *
 * Environment: LANTERN_BIN, the lantern binary (meson sets it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

#include "http_client.h"
#include "server_run.h"
#include "core/limits.h"
#include "core/record.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "core/banned.h"

extern char **environ;

/* Contact details typed into the form, which must never reach the log. */
#define SECRET_CONTACT "07700 900 461"
/* The account made at setup, and its password (never in the log either). */
#define STAFF_EMAIL "ann@police.example"
#define STAFF_PASSWORD "correct horse battery staple"
#define JSON_CT "Content-Type: application/json\r\n"
#define FORM_CT "Content-Type: application/x-www-form-urlencoded\r\n"

static struct {
	const char *bin;
	char dir[512];
	char db[600];
	char log[600];
	pid_t server;
	unsigned port;
	struct store *st; /* a reader beside the server, for counting reports */
	char ref[LT_REF_SIZE];
	int requests; /* requests sent, for the log check */
	char token[LT_CRYPTO_TOKEN_SIZE]; /* a police API token of herts_police */
	char auth[128];                   /* "Authorization: Bearer ...\r\n" + JSON_CT */
	char session_seen[128];           /* a session cookie value, for the log check */
} g = {.server = -1};

/* ---- processes ------------------------------------------------------------- */

/* Run lantern with `args` (NULL-terminated, without argv[0]), `input` (may
 * be NULL) on its standard input; stdout to <dir>/init.out, stderr to
 * <dir>/init.err. */
static int run_lantern_in(const char *const *args, const char *input)
{
	const char *argv[16];
	char out[700], err[700], in[700];
	size_t n = 0;
	pid_t pid;
	int status;
	posix_spawn_file_actions_t fa;

	argv[n++] = g.bin;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	snprintf(out, sizeof(out), "%s/init.out", g.dir);
	snprintf(err, sizeof(err), "%s/init.err", g.dir);
	snprintf(in, sizeof(in), "%s/init.in", g.dir);
	FILE *f = fopen(in, "w");
	if (!f)
		return -1;
	fputs(input ? input : "", f);
	fclose(f);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int rc = posix_spawn(&pid, g.bin, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_lantern(const char *const *args)
{
	return run_lantern_in(args, NULL);
}

/* The first line lantern wrote on stdout in the last run_lantern. */
static void last_output(char *out, size_t cap)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/init.out", g.dir);
	FILE *f = fopen(path, "r");
	out[0] = '\0';
	if (f) {
		if (!fgets(out, (int)cap, f))
			out[0] = '\0';
		fclose(f);
	}
	out[strcspn(out, "\r\n")] = '\0';
}

static int group_setup(void **state)
{
	struct lt_error err;
	const char *tmp = getenv("TMPDIR");

	g.bin = getenv("LANTERN_BIN");
	if (!g.bin || !*g.bin) {
		fprintf(stderr, "LANTERN_BIN is not set\n");
		return -1;
	}
	snprintf(g.dir, sizeof(g.dir), "%s/lantern-integration-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(g.dir))
		return -1;
	snprintf(g.db, sizeof(g.db), "%s/x.db", g.dir);
	snprintf(g.log, sizeof(g.log), "%s/serve.log", g.dir);
	const char *init[] = {"init", "--demo", "--db", g.db, NULL};
	int rc = run_lantern(init);
	if (rc != 0) {
		fprintf(stderr, "lantern init --demo exited %d (see %s/init.out)\n", rc, g.dir);
		return -1;
	}
	/* A member of staff and a partner system, as an administrator makes them. */
	const char *user[] = {"user", "add", STAFF_EMAIL, "--agency", "herts_police", "--role",
	                      "police", "--db", g.db, NULL};
	if ((rc = run_lantern_in(user, STAFF_PASSWORD "\n")) != 0) {
		fprintf(stderr, "lantern user add exited %d (see %s/init.err)\n", rc, g.dir);
		return -1;
	}
	const char *token[] = {"token", "add", "--agency", "herts_police", "--role", "police",
	                       "--label", "integration", "--db", g.db, NULL};
	if ((rc = run_lantern(token)) != 0) {
		fprintf(stderr, "lantern token add exited %d (see %s/init.err)\n", rc, g.dir);
		return -1;
	}
	last_output(g.token, sizeof(g.token));
	if (strlen(g.token) != LT_CRYPTO_TOKEN_CHARS) {
		fprintf(stderr, "lantern token add printed '%s', not a token\n", g.token);
		return -1;
	}
	snprintf(g.auth, sizeof(g.auth), "Authorization: Bearer %s\r\n" JSON_CT, g.token);
	if (server_start(g.bin, g.db, g.log, false, &g.server, &g.port) != 0)
		return -1;
	lt_error_clear(&err);
	if (store_open_sqlite(g.db, &g.st, &err) != LT_OK) {
		fprintf(stderr, "store_open_sqlite: %s\n", err.message);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	if (g.server > 0) {
		kill(g.server, SIGKILL);
		server_wait(&g.server, 10);
	}
	store_close(g.st);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.dir);
	if (strstr(g.dir, "lantern-integration-"))
		(void)!system(cmd);
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static long report_count(void)
{
	long n = -1;
	struct lt_error err;
	assert_int_equal(store_report_count(g.st, &n, &err), LT_OK);
	return n;
}

/* Every response carries the security headers. */
static void check_headers(const struct http_response *r)
{
	char v[512];
	if (!http_header(r, "Content-Security-Policy", v, sizeof(v)))
		fail_msg("no Content-Security-Policy:\n%s", r->head);
	assert_string_equal(v, "default-src 'none'; style-src 'self'; img-src 'self'; "
	                       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
	assert_non_null(http_header(r, "X-Content-Type-Options", v, sizeof(v)));
	assert_string_equal(v, "nosniff");
	assert_non_null(http_header(r, "Referrer-Policy", v, sizeof(v)));
	assert_string_equal(v, "no-referrer");
	assert_non_null(http_header(r, "Content-Type", v, sizeof(v)));
}

/* One request on a fresh connection; checks the status and the headers. */
static void request(const char *method, const char *target, const char *headers, const char *body,
                    int want_status, struct http_response *r)
{
	g.requests++;
	if (http_exchange(g.port, method, target, headers, body, body ? strlen(body) : 0, r) != 0)
		fail_msg("%s %s: no complete response", method, target);
	if (r->status != want_status)
		fail_msg("%s %s: status %d, want %d\n%s\n%s", method, target, r->status,
		         want_status, r->head, r->body);
	check_headers(r);
}

static void want_header(const struct http_response *r, const char *name, const char *want)
{
	char v[512];
	if (!http_header(r, name, v, sizeof(v)))
		fail_msg("no %s header:\n%s", name, r->head);
	assert_string_equal(v, want);
}

/* Check a problem document: status, type and (optionally) a named field. */
static void want_problem(const struct http_response *r, int status, const char *name,
                         const char *field)
{
	char s[96];
	want_header(r, "Content-Type", "application/problem+json");
	snprintf(s, sizeof(s), "\"type\":\"urn:lantern:problem:%s\"", name);
	assert_contains(r->body, s);
	snprintf(s, sizeof(s), "\"status\":%d", status);
	assert_contains(r->body, s);
	assert_contains(r->body, "\"title\":");
	assert_contains(r->body, "\"detail\":");
	if (field) {
		snprintf(s, sizeof(s), "{\"field\":\"%s\",\"detail\":", field);
		assert_contains(r->body, s);
	}
}

/* The public form's CSRF token, from the page that shows the form. */
static void form_token(char *out, size_t cap)
{
	struct http_response r;
	request("GET", "/", NULL, NULL, 200, &r);
	const char *p = strstr(r.body, "name=\"csrf\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	size_t n = strcspn(p, "\"");
	assert_true(n < cap);
	memcpy(out, p, n);
	out[n] = '\0';
	http_response_free(&r);
}

/* "name=value" of the cookie `name` a response sets, or "" when none. */
static void cookie_of(const struct http_response *r, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	out[0] = '\0';
	for (const char *p = r->head; (p = strstr(p, "\r\nSet-Cookie: ")) != NULL; p += 2) {
		const char *v = p + strlen("\r\nSet-Cookie: ");
		if (strncmp(v, name, n) == 0 && v[n] == '=') {
			size_t len = strcspn(v, ";\r");
			assert_true(len < cap);
			memcpy(out, v, len);
			out[len] = '\0';
			return;
		}
	}
}

/* The value of a JSON string member "name" in a flat document. */
static void json_member(const char *body, const char *name, char *out, size_t cap)
{
	char key[64];
	snprintf(key, sizeof(key), "\"%s\":\"", name);
	const char *p = strstr(body, key);
	assert_non_null(p);
	p += strlen(key);
	size_t n = strcspn(p, "\"");
	assert_true(n < cap);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Sign in as `email` with `password`; the status. On 201 the Cookie line
 * ("Cookie: ...\r\n") and the CSRF token are written out. `extra` headers
 * (a planted cookie) may be NULL. */
static int sign_in(const char *email, const char *password, const char *extra, char *cookie,
                   size_t ccap, char *csrf, size_t tcap, struct http_response *out)
{
	struct http_response r;
	char body[256], headers[512];
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
	snprintf(headers, sizeof(headers), JSON_CT "%s", extra ? extra : "");
	g.requests++;
	if (http_exchange(g.port, "POST", "/api/v1/session", headers, body, strlen(body), &r) != 0)
		fail_msg("POST /api/v1/session: no complete response");
	check_headers(&r);
	int status = r.status;
	if (status == 201 && cookie) {
		char c[128];
		cookie_of(&r, "__Host-lantern_session", c, sizeof(c));
		assert_true(c[0]);
		snprintf(cookie, ccap, "Cookie: %s\r\n", c);
		snprintf(g.session_seen, sizeof(g.session_seen), "%s", strchr(c, '=') + 1);
		json_member(r.body, "csrf_token", csrf, tcap);
	}
	if (out)
		*out = r;
	else
		http_response_free(&r);
	return status;
}

/* ---- tests --------------------------------------------------------------- */

static void test_healthz(void **state)
{
	struct http_response r;
	request("GET", "/healthz", NULL, NULL, 200, &r);
	want_header(&r, "Content-Type", "application/json");
	assert_string_equal(r.body, "{\"status\":\"ok\"}\n");
	http_response_free(&r);
}

static void test_public_page_and_stylesheet(void **state)
{
	struct http_response r;
	request("GET", "/", NULL, NULL, 200, &r);
	want_header(&r, "Content-Type", "text/html; charset=utf-8");
	assert_contains(r.body, ">Leave this site quickly</a>");
	assert_contains(r.body, "<strong>999</strong>");
	assert_contains(r.body, "<strong>101</strong>");
	assert_contains(r.body, "<strong>08000 121 700</strong>");
	assert_contains(r.body, "<form method=\"post\" action=\"/report\"");
	assert_not_contains(r.body, "<script");
	assert_not_contains(r.body, "style=");
	http_response_free(&r);

	g.requests++;
	assert_int_equal(http_exchange(g.port, "HEAD", "/", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	check_headers(&r);
	assert_int_equal(r.body_len, 0);
	http_response_free(&r);

	request("GET", "/static/lantern.css", NULL, NULL, 200, &r);
	want_header(&r, "Content-Type", "text/css; charset=utf-8");
	assert_contains(r.body, ".error-message");
	http_response_free(&r);
}

static void test_not_found(void **state)
{
	struct http_response r;
	request("GET", "/no/such/page", NULL, NULL, 404, &r);
	want_header(&r, "Content-Type", "text/html; charset=utf-8");
	http_response_free(&r);
	request("GET", "/api/v1/nothing", NULL, NULL, 404, &r);
	want_problem(&r, 404, "not_found", NULL);
	http_response_free(&r);

	/* A malformed escape in the path, and a target over LT_HTTP_URL_MAX. */
	request("GET", "/api/v1/%zz", NULL, NULL, 400, &r);
	want_problem(&r, 400, "malformed", NULL);
	http_response_free(&r);
	char *target = malloc(LT_HTTP_URL_MAX + 64);
	assert_non_null(target);
	snprintf(target, LT_HTTP_URL_MAX + 64, "/api/v1/stats/arrests?by=year&pad=");
	size_t n = strlen(target);
	memset(target + n, 'x', LT_HTTP_URL_MAX + 63 - n);
	target[LT_HTTP_URL_MAX + 63] = '\0';
	request("GET", target, NULL, NULL, 414, &r);
	want_problem(&r, 414, "uri_too_long", NULL);
	http_response_free(&r);
	free(target);
}

static void test_method_not_allowed(void **state)
{
	struct http_response r;
	request("DELETE", "/healthz", NULL, NULL, 405, &r);
	want_header(&r, "Allow", "GET, HEAD");
	want_problem(&r, 405, "method_not_allowed", NULL);
	http_response_free(&r);

	request("GET", "/report", NULL, NULL, 405, &r);
	want_header(&r, "Allow", "POST");
	want_header(&r, "Content-Type", "text/html; charset=utf-8");
	http_response_free(&r);

	request("PUT", "/api/v1/reports", "Content-Type: application/json\r\n", "{}", 405, &r);
	want_header(&r, "Allow", "POST, GET, HEAD");
	http_response_free(&r);

	request("POST", "/api/v1/stats/arrests", "Content-Type: application/json\r\n", "{}", 405,
	        &r);
	want_header(&r, "Allow", "GET, HEAD");
	http_response_free(&r);
}

static void test_body_too_large(void **state)
{
	struct http_conn c;
	struct http_response r;
	char head[256];
	size_t n = LT_HTTP_BODY_MAX + 1;
	char *body = malloc(n);
	long before = report_count();

	assert_non_null(body);
	memset(body, ' ', n);
	body[0] = '{';
	body[n - 1] = '}';

	/* Declared too large: answered 413 without reading the body. */
	assert_int_equal(http_open(&c, g.port), 0);
	g.requests++;
	snprintf(head, sizeof(head),
	         "POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	         "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	         n);
	assert_int_equal(http_send(&c, head, strlen(head)), 0);
	(void)http_send(&c, body, n); /* the server may stop reading: ignore errors */
	assert_int_equal(http_read_response(&c, false, &r), 0);
	assert_int_equal(r.status, 413);
	check_headers(&r);
	want_problem(&r, 413, "too_large", NULL);
	http_response_free(&r);
	http_close(&c);

	/* The same on the form, declared with Expect: 100-continue. */
	assert_int_equal(http_open(&c, g.port), 0);
	g.requests++;
	snprintf(head, sizeof(head),
	         "POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
	         "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n",
	         n);
	assert_int_equal(http_send(&c, head, strlen(head)), 0);
	assert_int_equal(http_read_response(&c, false, &r), 0);
	assert_int_equal(r.status, 413); /* not 100 Continue */
	check_headers(&r);
	want_header(&r, "Content-Type", "text/html; charset=utf-8");
	http_response_free(&r);
	http_close(&c);

	/* Undeclared (chunked): read, thrown away past the limit, then 413. */
	assert_int_equal(http_open(&c, g.port), 0);
	g.requests++;
	snprintf(head, sizeof(head),
	         "POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	         "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
	assert_int_equal(http_send(&c, head, strlen(head)), 0);
	for (size_t off = 0; off < n; off += 16384) {
		size_t k = n - off < 16384 ? n - off : 16384;
		char ch[32];
		snprintf(ch, sizeof(ch), "%zx\r\n", k);
		assert_int_equal(http_send(&c, ch, strlen(ch)), 0);
		assert_int_equal(http_send(&c, body + off, k), 0);
		assert_int_equal(http_send(&c, "\r\n", 2), 0);
	}
	assert_int_equal(http_send(&c, "0\r\n\r\n", 5), 0);
	assert_int_equal(http_read_response(&c, false, &r), 0);
	assert_int_equal(r.status, 413);
	check_headers(&r);
	want_problem(&r, 413, "too_large", NULL);
	http_response_free(&r);
	http_close(&c);

	free(body);
	assert_int_equal(report_count(), before);
}

static void test_api_errors_write_nothing(void **state)
{
	struct http_response r;
	const char *json = g.auth;
	long before = report_count();

	request("POST", "/api/v1/reports", json, "{\"source\":\"public\",", 400, &r);
	want_problem(&r, 400, "malformed", NULL);
	http_response_free(&r);

	request("POST", "/api/v1/reports", json, "{\"place\":\"local\",\"place\":\"abroad\"}", 400,
	        &r);
	want_problem(&r, 400, "malformed", NULL);
	http_response_free(&r);

	request("POST", "/api/v1/reports", json,
	        "{\"source\":\"partner\",\"agency\":\"herts_police\",\"forms\":[\"forced_labour\"],"
	        "\"place\":\"local\",\"district\":\"watford\",\"received\":\"2024-05-01\"}",
	        400, &r);
	want_problem(&r, 400, "invalid", "forms");
	http_response_free(&r);

	request("POST", "/api/v1/reports", json,
	        "{\"source\":\"partner\",\"agency\":\"herts_police\",\"forms\":[\"unknown\"],"
	        "\"place\":\"local\",\"received\":\"2024-05-01\"}",
	        400, &r);
	want_problem(&r, 400, "invalid", "district");
	http_response_free(&r);

	char plain[200];
	snprintf(plain, sizeof(plain), "Authorization: Bearer %s\r\nContent-Type: text/plain\r\n",
	         g.token);
	request("POST", "/api/v1/reports", plain, "{}", 415, &r);
	want_problem(&r, 415, "unsupported_media_type", NULL);
	want_header(&r, "Accept-Post", "application/json");
	http_response_free(&r);

	request("POST", "/report", "Content-Type: multipart/form-data; boundary=x\r\n", "--x--\r\n",
	        415, &r);
	want_header(&r, "Content-Type", "text/html; charset=utf-8");
	want_header(&r, "Accept-Post", "application/x-www-form-urlencoded");
	http_response_free(&r);

	request("GET", "/api/v1/stats/arrests?by=colour", NULL, NULL, 400, &r);
	want_problem(&r, 400, "invalid", "by");
	http_response_free(&r);

	assert_int_equal(report_count(), before);
}

static void test_api_report_created(void **state)
{
	struct http_response r;
	char location[128], ref[LT_REF_SIZE];
	long before = report_count();

	/* Without credentials: 401, even from this machine. */
	const char *report =
	    "{\"source\":\"partner\",\"agency\":\"herts_police\",\"forms\":[\"labour_exploitation\"],"
	    "\"place\":\"abroad\",\"country\":\"RO\",\"received\":\"2024-05-01\"}";
	request("POST", "/api/v1/reports", JSON_CT, report, 401, &r);
	want_problem(&r, 401, "unauthenticated", NULL);
	assert_non_null(http_header(&r, "WWW-Authenticate", location, sizeof(location)));
	http_response_free(&r);
	assert_int_equal(report_count(), before);

	request("POST", "/api/v1/reports", g.auth, report, 201, &r);
	want_header(&r, "Content-Type", "application/json");
	assert_non_null(http_header(&r, "Location", location, sizeof(location)));
	const char *p = strstr(r.body, "\"ref\":\"");
	assert_non_null(p);
	memcpy(ref, p + 7, 11);
	ref[11] = '\0';
	assert_true(lt_ref_valid(ref));
	assert_contains(r.body, "\"id\":");
	assert_contains(location, ref);
	http_response_free(&r);
	assert_int_equal(report_count(), before + 1);

	request("GET", location, g.auth, NULL, 200, &r);
	assert_contains(r.body, "\"agency\":\"herts_police\"");
	assert_contains(r.body, "\"country\":\"RO\"");
	http_response_free(&r);
	request("GET", location, NULL, NULL, 401, &r);
	http_response_free(&r);
}

static void test_form_errors_come_back(void **state)
{
	struct http_response r;
	long before = report_count();
	char tok[80], body[512];
	form_token(tok, sizeof(tok));
	snprintf(body, sizeof(body),
	         "place=local&district=nowhere&description=%%3Cb%%3EQueens+Road%%3C%%2Fb%%3E+%%26+co&"
	         "csrf=%s",
	         tok);
	request("POST", "/report", FORM_CT, body, 400, &r);
	want_header(&r, "Content-Type", "text/html; charset=utf-8");
	want_header(&r, "Cache-Control", "no-store");
	assert_contains(r.body, "class=\"error-summary\"");
	assert_contains(r.body, "id=\"forms-error\"");
	assert_contains(r.body, "id=\"district-error\"");
	assert_contains(r.body, "aria-describedby=\"forms-hint forms-error\"");
	assert_contains(r.body, "&lt;b&gt;Queens Road&lt;/b&gt; &amp; co</textarea>");
	assert_contains(r.body, "value=\"local\" checked");
	http_response_free(&r);
	assert_int_equal(report_count(), before);
}

static void test_public_report_gets_reference(void **state)
{
	struct http_response r;
	long before = report_count();
	char tok[80], body[512];
	form_token(tok, sizeof(tok));
	snprintf(body, sizeof(body),
	         "forms=labour_exploitation&forms=domestic_servitude&place=local&district=watford&"
	         "occurred=2024&description=Queens+Road+car+wash%%2C+passport+taken&"
	         "anonymous=false&contact=07700+900+461&csrf=%s",
	         tok);
	request("POST", "/report", FORM_CT, body, 200, &r);
	want_header(&r, "Cache-Control", "no-store");
	const char *p = strstr(r.body, "<strong id=\"reference\">");
	if (!p)
		fail_msg("no reference code on the page:\n%s", r.body);
	memcpy(g.ref, p + strlen("<strong id=\"reference\">"), 11);
	g.ref[11] = '\0';
	assert_true(lt_ref_valid(g.ref));
	assert_contains(p, "</strong>");
	http_response_free(&r);
	assert_int_equal(report_count(), before + 1);

	/* Stored with the contact sealed, never in plain text. */
	struct lt_report rep;
	struct lt_error err;
	lt_report_init(&rep);
	assert_int_equal(store_report_get(g.st, g.ref, &rep, &err), LT_OK);
	assert_int_equal(rep.source, LT_SOURCE_PUBLIC);
	assert_false(rep.anonymous);
	assert_non_null(rep.contact_sealed);
	assert_null(rep.contact);
	lt_report_release(&rep);
}

/* The OpenAPI document over HTTP: JSON, OpenAPI 3.1, the routes this suite
 * calls, the secure cookie's name (tests/web checks it row by row). */
static void test_openapi_served(void **state)
{
	struct http_response r;
	request("GET", "/api/v1/openapi.json", NULL, NULL, 200, &r);
	want_header(&r, "Content-Type", "application/json");
	json_t *doc = json_loads(r.body, JSON_REJECT_DUPLICATES, NULL);
	if (!doc)
		fail_msg("not JSON: %.200s", r.body);
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	json_t *paths = json_object_get(doc, "paths");
	static const char *const ops[][2] = {
	    {"/", "get"},
	    {"/report", "post"},
	    {"/login", "post"},
	    {"/api/v1/session", "post"},
	    {"/api/v1/session", "delete"},
	    {"/api/v1/reports", "get"},
	    {"/api/v1/reports", "post"},
	    {"/api/v1/reports/{ref}", "get"},
	    {"/api/v1/stats/arrests", "get"},
	    {"/api/v1/openapi.json", "get"},
	    {"/healthz", "get"},
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		json_t *op = json_object_get(json_object_get(paths, ops[i][0]), ops[i][1]);
		if (!op)
			fail_msg("%s %s is not in the document", ops[i][1], ops[i][0]);
		assert_true(json_string_length(json_object_get(op, "summary")) > 0);
		assert_true(json_object_size(json_object_get(op, "responses")) > 0);
	}
	const char *cookie = json_string_value(json_object_get(
	    json_object_get(json_object_get(json_object_get(doc, "components"), "securitySchemes"),
	                    "session"),
	    "name"));
	assert_non_null(cookie);
	assert_true(strncmp(cookie, "__Host-", 7) == 0);
	json_decref(doc);
	http_response_free(&r);
}

/* GET /api/v1/reports over HTTP, following each page's Link to the end:
 * every report once, newest first; bad parameters named. */
static void test_reports_paged(void **state)
{
	struct http_response r;
	char target[512] = "/api/v1/reports?limit=100", link[512];
	long total = report_count(), seen = 0;
	json_int_t last = 0;
	int pages = 0;

	for (;;) {
		request("GET", target, g.auth, NULL, 200, &r);
		json_t *doc = json_loads(r.body, 0, NULL);
		assert_non_null(doc);
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(doc, "items"), i, it)
		{
			json_int_t id = json_integer_value(json_object_get(it, "id"));
			assert_true(last == 0 || id < last);
			assert_null(json_object_get(it, "description"));
			last = id;
			seen++;
		}
		json_t *next = json_object_get(doc, "next");
		pages++;
		if (!http_header(&r, "Link", link, sizeof(link))) {
			assert_true(json_is_null(next));
			json_decref(doc);
			http_response_free(&r);
			break;
		}
		/* <TARGET>; rel="next", the target carrying the cursor of `next`. */
		size_t len = strlen(link);
		assert_true(len > 14 && link[0] == '<');
		assert_string_equal(link + len - 13, ">; rel=\"next\"");
		assert_true(json_is_string(next));
		snprintf(target, sizeof(target), "%.*s", (int)(len - 14), link + 1);
		char want[128];
		snprintf(want, sizeof(want), "cursor=%s", json_string_value(next));
		assert_contains(target, want);
		assert_contains(target, "limit=100");
		json_decref(doc);
		http_response_free(&r);
		assert_true(pages < 100);
	}
	assert_int_equal(seen, total);
	assert_int_equal(pages, (total + 99) / 100);

	request("GET", "/api/v1/reports?limit=0", g.auth, NULL, 400, &r);
	want_problem(&r, 400, "invalid", "limit");
	http_response_free(&r);
	request("GET", "/api/v1/reports?cursor=bm90LWEtY3Vyc29y", g.auth, NULL, 400, &r);
	want_problem(&r, 400, "invalid", "cursor");
	http_response_free(&r);
	request("GET", "/api/v1/reports", NULL, NULL, 401, &r);
	want_problem(&r, 401, "unauthenticated", NULL);
	http_response_free(&r);
}

static void test_arrest_statistics(void **state)
{
	struct http_response r;
	request("GET", "/api/v1/stats/arrests?by=year", NULL, NULL, 200, &r);
	want_header(&r, "Content-Type", "application/json");
	assert_contains(r.body,
	                "\"rows\":[{\"year\":2015,\"arrests\":6},{\"year\":2016,\"arrests\":0},"
	                "{\"year\":2017,\"arrests\":1},{\"year\":2018,\"arrests\":1},"
	                "{\"year\":2019,\"arrests\":11}]");
	assert_contains(r.body, "\"by\":[\"year\"]");
	assert_contains(r.body, "\"from\":2015");
	assert_contains(r.body, "\"to\":2019");
	assert_contains(r.body, "\"total\":19");
	http_response_free(&r);

	request("GET", "/api/v1/stats/arrests?by=year,offence&from=&to=", NULL, NULL, 200, &r);
	assert_contains(r.body, "{\"year\":2019,\"offence\":\"kidnapping_false_imprisonment\","
	                        "\"arrests\":6}");
	assert_contains(r.body, "{\"year\":2019,\"offence\":\"slavery_servitude\",\"arrests\":3}");
	assert_contains(r.body, "{\"year\":2019,\"offence\":\"forced_labour\",\"arrests\":1}");
	assert_contains(r.body, "{\"year\":2019,\"offence\":\"human_trafficking\",\"arrests\":1}");
	assert_contains(r.body, "{\"year\":2015,\"offence\":\"not_recorded\",\"arrests\":6}");
	http_response_free(&r);

	request("GET", "/api/v1/stats/arrests?by=offence&from=2019&to=2019", NULL, NULL, 200, &r);
	assert_contains(r.body, "{\"offence\":\"kidnapping_false_imprisonment\",\"arrests\":6}");
	assert_contains(r.body, "\"total\":11");
	http_response_free(&r);
}

static void test_keep_alive(void **state)
{
	struct http_conn c;
	struct http_response r;
	assert_int_equal(http_open(&c, g.port), 0);
	for (int i = 0; i < 3; i++) {
		g.requests++;
		const char *target = i == 1 ? "/api/v1/stats/arrests?by=year" : "/healthz";
		assert_int_equal(http_send_request(&c, "GET", target, NULL, NULL, 0), 0);
		if (http_read_response(&c, false, &r) != 0)
			fail_msg("request %d on the kept-alive connection got no response", i + 1);
		assert_int_equal(r.status, 200);
		check_headers(&r);
		assert_false(r.closed);
		http_response_free(&r);
	}
	/* And a POST with a body on the same connection. */
	g.requests++;
	const char *body = "{\"source\":\"public\"}";
	assert_int_equal(http_send_request(&c, "POST", "/api/v1/reports", g.auth, body, strlen(body)),
	                 0);
	assert_int_equal(http_read_response(&c, false, &r), 0);
	assert_int_equal(r.status, 400);
	assert_false(r.closed);
	http_response_free(&r);
	g.requests++;
	assert_int_equal(http_send_request(&c, "GET", "/healthz", NULL, NULL, 0), 0);
	assert_int_equal(http_read_response(&c, false, &r), 0);
	assert_int_equal(r.status, 200);
	http_response_free(&r);
	http_close(&c);
}

/* Several clients at once, each on its own keep-alive connection, sending
 * public reports: every one is stored once, with its own reference code. */
#define CONCURRENT_CLIENTS 8
#define REPORTS_PER_CLIENT 10

struct client_result {
	int ok; /* reports answered 200 with a code */
	char refs[REPORTS_PER_CLIENT][LT_REF_SIZE];
	const char *token; /* the form token, shared */
};

static void *client_main(void *arg)
{
	struct client_result *res = arg;
	struct http_conn c;
	char body[256];
	snprintf(body, sizeof(body),
	         "forms=forced_criminality&place=elsewhere_in_country&occurred=2023&csrf=%s",
	         res->token);
	if (http_open(&c, g.port) != 0)
		return NULL;
	for (int i = 0; i < REPORTS_PER_CLIENT; i++) {
		struct http_response r;
		if (http_send_request(&c, "POST", "/report",
		                      "Content-Type: application/x-www-form-urlencoded\r\n", body,
		                      strlen(body)) != 0 ||
		    http_read_response(&c, false, &r) != 0)
			break;
		const char *p =
		    r.status == 200 ? strstr(r.body, "<strong id=\"reference\">") : NULL;
		if (p) {
			memcpy(res->refs[res->ok], p + strlen("<strong id=\"reference\">"), 11);
			res->refs[res->ok][11] = '\0';
			res->ok++;
		}
		http_response_free(&r);
	}
	http_close(&c);
	return NULL;
}

static void test_concurrent_reports(void **state)
{
	pthread_t t[CONCURRENT_CLIENTS];
	static struct client_result res[CONCURRENT_CLIENTS];
	long before = report_count();

	static char tok[80];
	memset(res, 0, sizeof(res));
	form_token(tok, sizeof(tok));
	for (int i = 0; i < CONCURRENT_CLIENTS; i++) {
		res[i].token = tok;
		assert_int_equal(pthread_create(&t[i], NULL, client_main, &res[i]), 0);
	}
	for (int i = 0; i < CONCURRENT_CLIENTS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	g.requests += CONCURRENT_CLIENTS * REPORTS_PER_CLIENT;
	for (int i = 0; i < CONCURRENT_CLIENTS; i++) {
		if (res[i].ok != REPORTS_PER_CLIENT)
			fail_msg("client %d: %d of %d reports accepted", i, res[i].ok,
			         REPORTS_PER_CLIENT);
		for (int k = 0; k < REPORTS_PER_CLIENT; k++) {
			assert_true(lt_ref_valid(res[i].refs[k]));
			for (int j = 0; j <= i; j++)
				for (int m = 0; m < (j == i ? k : REPORTS_PER_CLIENT); m++)
					assert_string_not_equal(res[i].refs[k], res[j].refs[m]);
		}
	}
	assert_int_equal(report_count(), before + CONCURRENT_CLIENTS * REPORTS_PER_CLIENT);
}

/* A member of staff signs in, calls the API with the cookie, signs out. */
static void test_session_sign_in_and_out(void **state)
{
	struct http_response r;
	char cookie[160], csrf[64], headers[512];
	long before = report_count();

	assert_int_equal(sign_in(STAFF_EMAIL, STAFF_PASSWORD, NULL, cookie, sizeof(cookie), csrf,
	                         sizeof(csrf), &r),
	                 201);
	char v[256];
	assert_non_null(http_header(&r, "Set-Cookie", v, sizeof(v)));
	assert_contains(v, "; Path=/; HttpOnly; SameSite=Strict; Secure");
	assert_contains(r.body, "\"role\":\"police\"");
	http_response_free(&r);

	/* The cookie is a principal: read a report, and (with X-CSRF-Token)
	 * send one. */
	request("GET", "/api/v1/session", cookie, NULL, 200, &r);
	assert_contains(r.body, csrf);
	http_response_free(&r);
	const char *report = "{\"source\":\"partner\",\"agency\":\"herts_police\",\"forms\":"
	                     "[\"unknown\"],\"place\":\"unknown\",\"received\":\"2024-05-01\"}";
	snprintf(headers, sizeof(headers), "%s" JSON_CT, cookie);
	request("POST", "/api/v1/reports", headers, report, 403, &r);
	want_problem(&r, 403, "forbidden", NULL);
	http_response_free(&r);
	snprintf(headers, sizeof(headers), "%sX-CSRF-Token: %s\r\n" JSON_CT, cookie, csrf);
	request("POST", "/api/v1/reports", headers, report, 201, &r);
	char location[128];
	assert_non_null(http_header(&r, "Location", location, sizeof(location)));
	http_response_free(&r);
	request("GET", location, cookie, NULL, 200, &r);
	http_response_free(&r);
	assert_int_equal(report_count(), before + 1);

	/* Sign out: the token is needed, then the cookie is worthless. */
	request("DELETE", "/api/v1/session", cookie, NULL, 403, &r);
	http_response_free(&r);
	snprintf(headers, sizeof(headers), "%sX-CSRF-Token: %s\r\n", cookie, csrf);
	request("DELETE", "/api/v1/session", headers, NULL, 200, &r);
	assert_non_null(http_header(&r, "Set-Cookie", v, sizeof(v)));
	assert_contains(v, "Max-Age=0");
	http_response_free(&r);
	request("GET", "/api/v1/session", cookie, NULL, 401, &r);
	want_problem(&r, 401, "unauthenticated", NULL);
	http_response_free(&r);
	request("GET", location, cookie, NULL, 401, &r);
	http_response_free(&r);
}

/* A cookie set before sign-in is not the session after it. */
static void test_session_fixation(void **state)
{
	struct http_response r;
	unsigned char raw[LT_CRYPTO_SECRET_BYTES];
	char planted[LT_CRYPTO_SECRET_SIZE], plant[160], cookie[160], csrf[64];

	lt_crypto_secret_new(raw, planted);
	snprintf(plant, sizeof(plant), "Cookie: __Host-lantern_session=%s\r\n", planted);
	assert_int_equal(sign_in(STAFF_EMAIL, STAFF_PASSWORD, plant, cookie, sizeof(cookie), csrf,
	                         sizeof(csrf), NULL),
	                 201);
	assert_not_contains(cookie, planted);
	request("GET", "/api/v1/session", plant, NULL, 401, &r);
	http_response_free(&r);
	request("GET", "/api/v1/session", cookie, NULL, 200, &r);
	http_response_free(&r);

	/* Signing in again from the same browser replaces the session. */
	char again[160];
	assert_int_equal(sign_in(STAFF_EMAIL, STAFF_PASSWORD, cookie, again, sizeof(again), csrf,
	                         sizeof(csrf), NULL),
	                 201);
	request("GET", "/api/v1/session", cookie, NULL, 401, &r);
	http_response_free(&r);
	request("GET", "/api/v1/session", again, NULL, 200, &r);
	http_response_free(&r);
}

/* Run one statement on the database, as an attacker with the clock would:
 * the server reads sessions from the database on every request. */
static void db_exec(const char *sql)
{
	char out[64];
	struct lt_error err;
	lt_error_clear(&err);
	if (store_sqlite_debug_query(g.st, -1, sql, out, sizeof(out), &err) != LT_OK)
		fail_msg("%s: %s", sql, err.message);
}

/* Sessions past their idle limit or their absolute expiry are refused. The
 * times are moved back in the database, not waited for. */
static void test_expired_sessions(void **state)
{
	struct http_response r;
	char cookie[160], csrf[64], sql[256];

	assert_int_equal(sign_in(STAFF_EMAIL, STAFF_PASSWORD, NULL, cookie, sizeof(cookie), csrf,
	                         sizeof(csrf), NULL),
	                 201);
	request("GET", "/api/v1/session", cookie, NULL, 200, &r);
	http_response_free(&r);
	snprintf(sql, sizeof(sql),
	         "UPDATE sessions SET last_seen = last_seen - %d WHERE id = (SELECT max(id) FROM "
	         "sessions)",
	         LT_SESSION_IDLE_S);
	db_exec(sql);
	request("GET", "/api/v1/session", cookie, NULL, 401, &r);
	assert_contains(r.body, "without use");
	http_response_free(&r);

	assert_int_equal(sign_in(STAFF_EMAIL, STAFF_PASSWORD, NULL, cookie, sizeof(cookie), csrf,
	                         sizeof(csrf), NULL),
	                 201);
	request("GET", "/api/v1/session", cookie, NULL, 200, &r);
	http_response_free(&r);
	snprintf(sql, sizeof(sql),
	         "UPDATE sessions SET created = created - %d, expires = expires - %d "
	         "WHERE id = (SELECT max(id) FROM sessions)",
	         LT_SESSION_ABSOLUTE_S, LT_SESSION_ABSOLUTE_S);
	db_exec(sql);
	request("GET", "/api/v1/session", cookie, NULL, 401, &r);
	assert_contains(r.body, "hours after signing in");
	http_response_free(&r);
	/* A page sends the browser to sign in again. */
	request("GET", "/staff", cookie, NULL, 303, &r);
	want_header(&r, "Location", "/login");
	http_response_free(&r);
}

/* The partner system's token works until `lantern token revoke`. */
static void test_token_revoked(void **state)
{
	struct http_response r;
	char auth[128], id[32];
	struct store_token *t = NULL;
	size_t n = 0;
	struct lt_error err;

	const char *add[] = {"token", "add", "--agency", "herts_cc", "--role", "caseworker",
	                     "--db", g.db, NULL};
	assert_int_equal(run_lantern(add), 0);
	char tok[LT_CRYPTO_TOKEN_SIZE];
	last_output(tok, sizeof(tok));
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", tok);
	request("POST", "/api/v1/estimate", auth, "x", 415, &r); /* let through, then 415 */
	http_response_free(&r);

	assert_int_equal(store_token_list(g.st, &t, &n, &err), LT_OK);
	assert_true(n >= 2);
	snprintf(id, sizeof(id), "%lld", (long long)t[n - 1].id);
	free(t);
	const char *revoke[] = {"token", "revoke", id, "--db", g.db, NULL};
	assert_int_equal(run_lantern(revoke), 0);
	request("POST", "/api/v1/estimate", auth, "x", 401, &r);
	want_problem(&r, 401, "unauthenticated", NULL);
	http_response_free(&r);
	/* The other token still works. */
	request("GET", "/api/v1/reports/LT-00000000", g.auth, NULL, 404, &r);
	http_response_free(&r);
}

/* Guessing: the account's five free failures, then 429 with Retry-After.
 * The delays double (1 s, 2 s, 4 s, ...), so however slow this machine, a
 * guess soon lands inside one. */
static void test_brute_force_throttled(void **state)
{
	struct http_response r;
	int i, throttled = 0;
	for (i = 0; i < 5; i++)
		assert_int_equal(sign_in(STAFF_EMAIL, "a wrong guess, again", NULL, NULL, 0, NULL, 0,
		                         NULL),
		                 401);
	for (; i < 16 && !throttled; i++) {
		int st = sign_in(STAFF_EMAIL, "a wrong guess, again", NULL, NULL, 0, NULL, 0, &r);
		if (st == 429) {
			char after[32];
			want_problem(&r, 429, "too_many_attempts", NULL);
			assert_non_null(http_header(&r, "Retry-After", after, sizeof(after)));
			assert_true(strtol(after, NULL, 10) >= 1);
			throttled = 1;
		} else {
			assert_int_equal(st, 401);
		}
		http_response_free(&r);
	}
	assert_true(throttled);
	/* While it waits even the right password is refused unchecked. */
	assert_int_equal(sign_in(STAFF_EMAIL, STAFF_PASSWORD, NULL, NULL, 0, NULL, 0, NULL), 429);
}

/* Forms without their token are refused and write nothing. */
static void test_csrf_refused(void **state)
{
	struct http_response r;
	long before = report_count();
	request("POST", "/report", FORM_CT, "forms=unknown&place=unknown", 403, &r);
	assert_contains(r.body, "Your report has not been sent yet");
	http_response_free(&r);
	request("POST", "/report", FORM_CT,
	        "forms=unknown&place=unknown&csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        403, &r);
	http_response_free(&r);
	assert_int_equal(report_count(), before);

	/* The sign-in form needs its login cookie: a copy of the token alone,
	 * as another site would post it, is refused before any check. */
	request("GET", "/login", NULL, NULL, 200, &r);
	const char *p = strstr(r.body, "name=\"csrf\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	char body[256], login[160], headers[300];
	snprintf(body, sizeof(body), "csrf=%.*s&email=ann%%40police.example&password=x",
	         (int)strcspn(p, "\""), p);
	cookie_of(&r, "__Host-lantern_login", login, sizeof(login));
	assert_true(login[0]);
	http_response_free(&r);
	request("POST", "/login", FORM_CT, body, 403, &r);
	http_response_free(&r);
	/* With it, the form is checked: a wrong password is 401 or, after the
	 * guesses above, 429. */
	snprintf(headers, sizeof(headers), FORM_CT "Cookie: %s\r\n", login);
	g.requests++;
	assert_int_equal(http_exchange(g.port, "POST", "/login", headers, body, strlen(body), &r), 0);
	assert_true(r.status == 401 || r.status == 429);
	assert_contains(r.body, "<title>Error: Sign in");
	http_response_free(&r);
}

/* --insecure-http is for loopback only. */
static void test_insecure_http_needs_loopback(void **state)
{
	const char *serve[] = {"serve", "--db", g.db, "--listen", "0.0.0.0:0", "--insecure-http",
	                       NULL};
	assert_int_equal(run_lantern(serve), 2);
	char path[700], line[512] = "";
	snprintf(path, sizeof(path), "%s/init.err", g.dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_contains(line, "loopback");
}

static void test_sigterm_exits_0_and_logs(void **state)
{
	assert_true(g.server > 0);
	assert_int_equal(kill(g.server, SIGTERM), 0);
	int rc = server_wait(&g.server, 60);
	if (rc != 0) {
		char cmd[700];
		snprintf(cmd, sizeof(cmd), "tail -n 60 '%s' >&2", g.log);
		(void)!system(cmd);
		fail_msg("lantern serve exited %d after SIGTERM, want 0", rc);
	}

	/* The log: a line per request, and nothing typed into the form. */
	FILE *f = fopen(g.log, "r");
	assert_non_null(f);
	char line[2048];
	int lines = 0;
	bool saw_report = false, saw_413 = false;
	while (fgets(line, sizeof(line), f)) {
		assert_not_contains(line, "Queens Road");
		assert_not_contains(line, SECRET_CONTACT);
		assert_not_contains(line, "07700+900");
		assert_not_contains(line, "horse battery");
		assert_not_contains(line, "wrong guess");
		assert_not_contains(line, "police.example");
		assert_not_contains(line, g.token + 3);
		if (g.session_seen[0])
			assert_not_contains(line, g.session_seen);
		if (g.ref[0])
			assert_not_contains(line, g.ref);
		if (!strstr(line, "lantern: http: id=r"))
			continue;
		lines++;
		assert_contains(line, " method=");
		assert_contains(line, " route=");
		assert_contains(line, " status=");
		if (strstr(line, "method=POST route=/report status=200"))
			saw_report = true;
		if (strstr(line, "status=413"))
			saw_413 = true;
	}
	fclose(f);
	if (lines != g.requests)
		fail_msg("the log has %d request lines for %d requests", lines, g.requests);
	assert_true(saw_report);
	assert_true(saw_413);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_healthz),
	    cmocka_unit_test(test_public_page_and_stylesheet),
	    cmocka_unit_test(test_not_found),
	    cmocka_unit_test(test_method_not_allowed),
	    cmocka_unit_test(test_body_too_large),
	    cmocka_unit_test(test_api_errors_write_nothing),
	    cmocka_unit_test(test_api_report_created),
	    cmocka_unit_test(test_form_errors_come_back),
	    cmocka_unit_test(test_public_report_gets_reference),
	    cmocka_unit_test(test_arrest_statistics),
	    cmocka_unit_test(test_openapi_served),
	    cmocka_unit_test(test_reports_paged),
	    cmocka_unit_test(test_keep_alive),
	    cmocka_unit_test(test_concurrent_reports),
	    cmocka_unit_test(test_session_sign_in_and_out),
	    cmocka_unit_test(test_session_fixation),
	    cmocka_unit_test(test_expired_sessions),
	    cmocka_unit_test(test_token_revoked),
	    cmocka_unit_test(test_brute_force_throttled),
	    cmocka_unit_test(test_csrf_refused),
	    cmocka_unit_test(test_insecure_http_needs_loopback),
	    cmocka_unit_test(test_sigterm_exits_0_and_logs),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("integration", tests, group_setup, group_teardown);
}
