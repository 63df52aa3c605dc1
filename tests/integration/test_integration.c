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
 * At the end the server gets SIGTERM and must exit 0 (under ASan that also
 * means no leaks), and its log must hold one line per request with id,
 * method, route and status, and none of what was typed into the form.
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

#include "testutil.h"

#include "http_client.h"
#include "core/limits.h"
#include "core/record.h"
#include "store/store.h"
#include "core/banned.h"

extern char **environ;

/* Contact details typed into the form, which must never reach the log. */
#define SECRET_CONTACT "07700 900 461"

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
} g = {.server = -1};

/* ---- processes ------------------------------------------------------------- */

/* Run lantern with `args` (NULL-terminated, without argv[0]); output to a file. */
static int run_lantern(const char *const *args)
{
	const char *argv[16];
	char out[700];
	size_t n = 0;
	pid_t pid;
	int status;
	posix_spawn_file_actions_t fa;

	argv[n++] = g.bin;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	snprintf(out, sizeof(out), "%s/init.out", g.dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	int rc = posix_spawn(&pid, g.bin, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Start `lantern serve`; read the URL from the first line of its stdout. */
static int start_server(void)
{
	int p[2];
	char line[256];
	size_t n = 0;
	posix_spawn_file_actions_t fa;
	const char *argv[] = {g.bin, "serve", "--db", g.db, "--listen", "127.0.0.1:0", NULL};

	if (pipe(p) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	posix_spawn_file_actions_addopen(&fa, 2, g.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int rc = posix_spawn(&g.server, g.bin, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		g.server = -1;
		return -1;
	}
	/* The first line, within 30 s. */
	while (n < sizeof(line) - 1) {
		struct pollfd pfd = {p[0], POLLIN, 0};
		if (poll(&pfd, 1, 30000) <= 0)
			break;
		ssize_t r = read(p[0], line + n, 1);
		if (r <= 0)
			break;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(p[0]); /* the server writes nothing more to stdout */
	if (sscanf(line, "http://127.0.0.1:%u/", &g.port) != 1 || g.port == 0) {
		fprintf(stderr, "first line of lantern serve is not its URL: '%s'\n", line);
		return -1;
	}
	return 0;
}

/* Wait up to `seconds` for the server to exit; its exit status, or -1. */
static int wait_server(int seconds)
{
	int status;
	for (int i = 0; i < seconds * 20; i++) {
		pid_t r = waitpid(g.server, &status, WNOHANG);
		if (r == g.server) {
			g.server = -1;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -1;
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
	if (start_server() != 0)
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
		wait_server(10);
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
	want_header(&r, "Allow", "POST");
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
	const char *json = "Content-Type: application/json\r\n";
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

	request("POST", "/api/v1/reports", "Content-Type: text/plain\r\n", "{}", 415, &r);
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

	request(
	    "POST", "/api/v1/reports", "Content-Type: application/json\r\n",
	    "{\"source\":\"partner\",\"agency\":\"herts_cc\",\"forms\":[\"labour_exploitation\"],"
	    "\"place\":\"abroad\",\"country\":\"RO\",\"received\":\"2024-05-01\"}",
	    201, &r);
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

	request("GET", location, NULL, NULL, 200, &r);
	assert_contains(r.body, "\"agency\":\"herts_cc\"");
	assert_contains(r.body, "\"country\":\"RO\"");
	http_response_free(&r);
}

static void test_form_errors_come_back(void **state)
{
	struct http_response r;
	long before = report_count();
	request("POST", "/report", "Content-Type: application/x-www-form-urlencoded\r\n",
	        "place=local&district=nowhere&description=%3Cb%3EQueens+Road%3C%2Fb%3E+%26+co", 400,
	        &r);
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
	request("POST", "/report", "Content-Type: application/x-www-form-urlencoded\r\n",
	        "forms=labour_exploitation&forms=domestic_servitude&place=local&district=watford&"
	        "occurred=2024&description=Queens+Road+car+wash%2C+passport+taken&"
	        "anonymous=false&contact=07700+900+461",
	        200, &r);
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
	assert_int_equal(http_send_request(&c, "POST", "/api/v1/reports",
	                                   "Content-Type: application/json\r\n", body,
	                                   strlen(body)),
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
};

static void *client_main(void *arg)
{
	struct client_result *res = arg;
	struct http_conn c;
	const char *body = "forms=forced_criminality&place=elsewhere_in_country&occurred=2023";
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

	memset(res, 0, sizeof(res));
	for (int i = 0; i < CONCURRENT_CLIENTS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, client_main, &res[i]), 0);
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

static void test_sigterm_exits_0_and_logs(void **state)
{
	assert_true(g.server > 0);
	assert_int_equal(kill(g.server, SIGTERM), 0);
	int rc = wait_server(60);
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
	    cmocka_unit_test(test_keep_alive),
	    cmocka_unit_test(test_concurrent_reports),
	    cmocka_unit_test(test_sigterm_exits_0_and_logs),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("integration", tests, group_setup, group_teardown);
}
