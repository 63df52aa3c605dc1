/*
 * test_persons_http.c — records about people over the real server: the
 * routes of persons, referrals, cases, arrests and sharing, driven over
 * HTTP/1.1 on loopback (http_client.c) against `lantern serve` with a fresh
 * database, as partner systems and members of staff use them.
 *
 * Setup, as an operator does it at the command line (cli_run.c): `lantern
 * init` (which makes the data key and the audit key beside the database),
 * two agencies — force_a, a police force, and charity_b, a charity — API
 * tokens of force_a's caseworker and police and of charity_b's caseworker,
 * and an agency administrator of force_a who signs in with a password. Then
 * `lantern serve --listen 127.0.0.1:0`.
 *
 * The story, one step after another (each step needs the one before):
 *   1. force_a's caseworker records a person; reading it needs a purpose
 *      (400 naming it), with one it answers the person; a change reads
 *      back; bad bodies are problem documents naming every bad member (not
 *      JSON, wrong members, wrong media type).
 *   2. A case about the person, a referral in that case (support needs and
 *      police intelligence), each read with a purpose and changed.
 *   3. force_a's police record an arrest naming the case by its reference;
 *      a caseworker may not (403).
 *   4. The person is referred to charity_b with consent, showing identity
 *      and support; police intelligence to a charity is refused (400).
 *      The charity reads the person's name but not its contact details,
 *      the referral's support needs but not its intelligence, not the case
 *      (cases are not shared: 404), and may not change the person (403).
 *   5. The referral is revoked by its maker; from then on the charity gets
 *      404 for the person and the referral, as if they did not exist.
 *      Another person is transferred to the charity: it reads and changes
 *      it, force_a gets 404, and the transfer cannot be revoked by force_a,
 *      which no longer sees the person.
 *   6. The agency administrator erases the person (DELETE with ?reason= and
 *      the session's CSRF token); a read then says erased, with no name.
 *   7. The server stops on SIGTERM with exit 0; `lantern audit show
 *      --person ID` lists who did what to the person and why, every step
 *      above (the charity's reads under its token); `lantern audit verify`
 *      exits 0.
 *   8. The persons' indexes marked older (as after migration 11): the next
 *      start re-indexes them with the data key, audited, and says so; the
 *      start after has nothing to do.
 *
 * Environment: LANTERN_BIN, the lantern binary (meson sets it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

#include "../cli/cli_run.h"
#include "http_client.h"
#include "server_run.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "core/banned.h"

extern char **environ;

#define JSON_CT        "Content-Type: application/json\r\n"
#define ADMIN_EMAIL    "admin@force-a.example"
#define ADMIN_PASSWORD "a long and quiet river at dawn"

static struct {
	char dir[512];
	char db[600];
	char log[600];
	pid_t server;
	unsigned port;
	char cw[160];           /* "Authorization: Bearer ...\r\n" of force_a's caseworker */
	char police[160];       /* ... of force_a's police */
	char charity[160];      /* ... of charity_b's caseworker */
	char charity_actor[32]; /* "token:N": the charity's token in the audit log */
	char admin_cookie[160]; /* "Cookie: ...\r\n" of the agency administrator's session */
	char admin_csrf[LT_CRYPTO_SECRET_SIZE];
	long long person, kase, referral, arrest, share;
} g = {.server = -1};

/* ---- the server ------------------------------------------------------------------ */

static int start_server(void)
{
	return server_start(getenv("LANTERN_BIN"), g.db, g.log, false, &g.server, &g.port);
}

/* `lantern ARGS --db DB`, which must exit 0; its first line of output into
 * out (when not NULL). */
static void lantern_ok(const char *input, const char *const *args, char *out, size_t cap)
{
	const char *argv[24];
	size_t n = 0;
	for (; *args && n < 20; args++)
		argv[n++] = *args;
	argv[n++] = "--db";
	argv[n++] = g.db;
	argv[n] = NULL;
	struct run r = run_in(input, argv);
	if (r.status != 0)
		fail_msg("lantern %s %s exited %d:\n%s%s", argv[0], argv[1], r.status, r.out,
		         r.err);
	if (out) {
		snprintf(out, cap, "%.*s", (int)strcspn(r.out, "\r\n"), r.out);
	}
	run_free(&r);
}
#define LANTERN_OK(out, cap, ...)                                                                  \
	lantern_ok(NULL, (const char *const[]){__VA_ARGS__, NULL}, out, cap)

/* A token for `role` of `agency`, as the Authorization line. */
static void token_for(const char *agency, const char *role, char *auth, size_t cap)
{
	char tok[LT_CRYPTO_TOKEN_SIZE + 8];
	LANTERN_OK(tok, sizeof(tok), "token", "add", "--agency", agency, "--role", role);
	assert_int_equal(strlen(tok), LT_CRYPTO_TOKEN_CHARS);
	snprintf(auth, cap, "Authorization: Bearer %s\r\n", tok);
}

static int group_setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	if (!getenv("LANTERN_BIN")) {
		fprintf(stderr, "LANTERN_BIN is not set\n");
		return -1;
	}
	snprintf(g.dir, sizeof(g.dir), "%s/lantern-persons-http-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(g.dir))
		return -1;
	snprintf(g.db, sizeof(g.db), "%s/x.db", g.dir);
	snprintf(g.log, sizeof(g.log), "%s/serve.log", g.dir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (g.server > 0) {
		kill(g.server, SIGKILL);
		server_wait(&g.server, 10);
	}
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.dir);
	if (strstr(g.dir, "lantern-persons-http-"))
		(void)!system(cmd);
	return 0;
}

/* ---- requests --------------------------------------------------------------------- */

/* One request on a fresh connection, which must answer `want`; the body is
 * parsed as JSON (problem documents too) and returned (the caller
 * json_decrefs it; NULL when the body is empty). */
static json_t *call(const char *method, const char *target, const char *headers, const char *body,
                    int want)
{
	struct http_response r;
	char hdr[512], ct[128];
	snprintf(hdr, sizeof(hdr), "%s%s", headers ? headers : "", body ? JSON_CT : "");
	if (http_exchange(g.port, method, target, hdr, body, body ? strlen(body) : 0, &r) != 0)
		fail_msg("%s %s: no complete response", method, target);
	if (r.status != want)
		fail_msg("%s %s: status %d, want %d\n%s\n%s", method, target, r.status, want,
		         r.head, r.body);
	json_t *doc = NULL;
	if (r.body_len) {
		doc = json_loads(r.body, 0, NULL);
		if (!doc)
			fail_msg("%s %s: not JSON: %s", method, target, r.body);
	}
	if (want >= 400) {
		assert_non_null(http_header(&r, "Content-Type", ct, sizeof(ct)));
		assert_string_equal(ct, "application/problem+json");
	}
	http_response_free(&r);
	return doc;
}

/* The same with a body of another Content-Type (`ctype`). */
static json_t *call_typed(const char *method, const char *target, const char *headers,
                          const char *ctype, const char *body, int want)
{
	char hdr[512];
	struct http_response r;
	snprintf(hdr, sizeof(hdr), "%sContent-Type: %s\r\n", headers, ctype);
	if (http_exchange(g.port, method, target, hdr, body, strlen(body), &r) != 0)
		fail_msg("%s %s: no complete response", method, target);
	if (r.status != want)
		fail_msg("%s %s: status %d, want %d\n%s", method, target, r.status, want, r.body);
	json_t *doc = json_loads(r.body, 0, NULL);
	assert_non_null(doc);
	http_response_free(&r);
	return doc;
}

static long long num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Does the problem document name `field` in its errors? */
static bool names(json_t *problem, const char *field)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(problem, "errors"), i, e)
	{
		const char *f = json_string_value(json_object_get(e, "field"));
		if (f && strcmp(f, field) == 0)
			return true;
	}
	return false;
}

static void expect_problem(json_t *doc, int status, const char *type)
{
	char want[96];
	snprintf(want, sizeof(want), "urn:lantern:problem:%s", type);
	assert_non_null(doc);
	assert_string_equal(str(doc, "type"), want);
	assert_int_equal(num(doc, "status"), status);
	assert_non_null(str(doc, "detail"));
}

/* ---- the story ----------------------------------------------------------------------- */

static void test_setup_and_serve(void **state)
{
	(void)state;
	char out[256];
	LANTERN_OK(NULL, 0, "init");
	LANTERN_OK(NULL, 0, "agency", "add", "Force A", "--kind", "police", "--code", "force_a");
	LANTERN_OK(NULL, 0, "agency", "add", "Charity B", "--kind", "charity", "--code",
	           "charity_b");
	token_for("force_a", "caseworker", g.cw, sizeof(g.cw));
	token_for("force_a", "police", g.police, sizeof(g.police));
	token_for("charity_b", "caseworker", g.charity, sizeof(g.charity));
	/* the charity's token is the newest: its id for the audit log */
	struct run r = RUN("token", "list", "--db", g.db);
	assert_int_equal(r.status, 0);
	long long newest = 0;
	for (const char *p = r.out; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0)) {
		long long id;
		if (sscanf(p, "%lld", &id) == 1 && id > newest)
			newest = id;
	}
	run_free(&r);
	assert_true(newest > 0);
	snprintf(g.charity_actor, sizeof(g.charity_actor), "token:%lld", newest);
	lantern_ok(ADMIN_PASSWORD "\n",
	           (const char *const[]){"user", "add", ADMIN_EMAIL, "--agency", "force_a",
	                                 "--role", "agency_admin", NULL},
	           out, sizeof(out));
	assert_int_equal(start_server(), 0);

	/* the administrator signs in once (argon2id) */
	struct http_response hr;
	const char *body = "{\"email\":\"" ADMIN_EMAIL "\",\"password\":\"" ADMIN_PASSWORD "\"}";
	assert_int_equal(
	    http_exchange(g.port, "POST", "/api/v1/session", JSON_CT, body, strlen(body), &hr), 0);
	if (hr.status != 201)
		fail_msg("sign-in: %d %s", hr.status, hr.body);
	const char *c = strstr(hr.head, "\r\nSet-Cookie: __Host-lantern_session=");
	assert_non_null(c);
	c += strlen("\r\nSet-Cookie: ");
	snprintf(g.admin_cookie, sizeof(g.admin_cookie), "Cookie: %.*s\r\n", (int)strcspn(c, ";\r"),
	         c);
	json_t *doc = json_loads(hr.body, 0, NULL);
	assert_non_null(doc);
	snprintf(g.admin_csrf, sizeof(g.admin_csrf), "%s", str(doc, "csrf_token"));
	json_decref(doc);
	http_response_free(&hr);
}

static void test_person(void **state)
{
	(void)state;
	char target[160];
	json_t *doc = call("POST", "/api/v1/persons", g.cw,
	                   "{\"name\":\"Ana Lungu\",\"dob\":\"1991-07\",\"nationality\":\"MD\","
	                   "\"languages\":[\"ro\"],\"contact\":\"+44 7700 900777\"}",
	                   201);
	g.person = num(doc, "id");
	assert_true(g.person > 0);
	assert_string_equal(str(doc, "agency"), "force_a");
	json_decref(doc);

	snprintf(target, sizeof(target), "/api/v1/persons/%lld", g.person);
	doc = call("GET", target, g.cw, NULL, 400);
	expect_problem(doc, 400, "invalid");
	assert_true(names(doc, "purpose"));
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=first%%20contact", g.person);
	doc = call("GET", target, g.cw, NULL, 200);
	assert_string_equal(str(doc, "name"), "Ana Lungu");
	assert_string_equal(str(doc, "contact"), "+44 7700 900777");
	json_decref(doc);

	snprintf(target, sizeof(target), "/api/v1/persons/%lld", g.person);
	json_decref(
	    call("PATCH", target, g.cw, "{\"sex\":\"female\",\"aliases\":[\"Ana L.\"]}", 200));
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=check%%20the%%20change",
	         g.person);
	doc = call("GET", target, g.police, NULL, 200);
	assert_string_equal(str(doc, "sex"), "female");
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "aliases"), 0)),
	                    "Ana L.");
	json_decref(doc);

	/* bad bodies: every bad member named, in a problem document */
	doc = call("POST", "/api/v1/persons", g.cw, "{\"name\":", 400);
	expect_problem(doc, 400, "malformed");
	json_decref(doc);
	doc = call("POST", "/api/v1/persons", g.cw,
	           "{\"dob\":\"1991-13\",\"sex\":7,\"eyes\":\"brown\"}", 400);
	expect_problem(doc, 400, "invalid");
	assert_true(names(doc, "name"));
	assert_true(names(doc, "dob"));
	assert_true(names(doc, "sex"));
	assert_true(names(doc, "eyes"));
	json_decref(doc);
	doc = call_typed("POST", "/api/v1/persons", g.cw, "text/plain", "name=Ana", 415);
	expect_problem(doc, 415, "unsupported_media_type");
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld", g.person);
	doc = call("PATCH", target, g.cw, "{\"languages\":\"ro\",\"colour\":1}", 400);
	assert_true(names(doc, "languages"));
	assert_true(names(doc, "colour"));
	json_decref(doc);
	doc = call("PATCH", target, g.cw, "{\"name\":null,\"dob\":\"1991-13\"}", 400);
	assert_true(names(doc, "name"));
	assert_true(names(doc, "dob"));
	json_decref(doc);
	/* no credentials, and another agency */
	doc = call("GET", target, NULL, NULL, 401);
	expect_problem(doc, 401, "unauthenticated");
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=curious", g.person);
	doc = call("GET", target, g.charity, NULL, 404);
	expect_problem(doc, 404, "not_found");
	json_decref(doc);
}

static void test_case_and_referral(void **state)
{
	(void)state;
	char body[512], target[160];
	snprintf(body, sizeof(body),
	         "{\"ref\":\"FA/2024/9\",\"opened\":\"2024-02-01\",\"persons\":[%lld],"
	         "\"forms\":[\"labour_exploitation\"]}",
	         g.person);
	json_t *doc = call("POST", "/api/v1/cases", g.cw, body, 201);
	g.kase = num(doc, "id");
	assert_string_equal(str(doc, "status"), "open");
	json_decref(doc);
	doc = call("POST", "/api/v1/cases", g.cw, body, 409);
	assert_true(names(doc, "ref"));
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/cases/%lld?purpose=case%%20review", g.kase);
	doc = call("GET", target, g.police, NULL, 200);
	assert_string_equal(str(doc, "ref"), "FA/2024/9");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(doc, "persons"), 0)),
	                 g.person);
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/cases/%lld", g.kase);
	json_decref(call("PATCH", target, g.cw,
	                 "{\"forms\":[\"labour_exploitation\",\"forced_criminality\"]}", 200));
	doc = call("PATCH", target, g.cw, "{\"status\":\"closed\"}", 400);
	assert_true(names(doc, "closed"));
	json_decref(doc);

	snprintf(body, sizeof(body),
	         "{\"person\":%lld,\"case\":%lld,\"date\":\"2024-02-02\",\"forms\":"
	         "[\"labour_exploitation\"],\"place\":\"local\",\"district\":\"st_albans\","
	         "\"support_needs\":\"somewhere safe to stay\","
	         "\"police_intelligence\":\"driven to work in a grey van\"}",
	         g.person, g.kase);
	doc = call("POST", "/api/v1/referrals", g.cw, body, 201);
	g.referral = num(doc, "id");
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/referrals/%lld?purpose=triage", g.referral);
	doc = call("GET", target, g.police, NULL, 200);
	assert_string_equal(str(doc, "police_intelligence"), "driven to work in a grey van");
	assert_int_equal(num(doc, "case"), g.kase);
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/referrals/%lld", g.referral);
	json_decref(call("PATCH", target, g.cw, "{\"notes\":\"called back on Tuesday\"}", 200));
	char body2[64];
	snprintf(body2, sizeof(body2), "{\"person\":%lld}", g.person + 1000);
	doc = call("PATCH", target, g.cw, body2, 400);
	assert_true(names(doc, "person"));
	json_decref(doc);
	doc =
	    call("POST", "/api/v1/referrals", g.cw, "{\"person\":\"x\",\"forms\":[\"nope\"]}", 400);
	assert_true(names(doc, "person"));
	assert_true(names(doc, "date"));
	assert_true(names(doc, "forms"));
	json_decref(doc);
}

static void test_arrest(void **state)
{
	(void)state;
	char target[96];
	json_t *doc = call(
	    "POST", "/api/v1/arrests", g.police,
	    "{\"date\":\"2024-03-04\",\"offence\":\"forced_labour\",\"case\":\"FA/2024/9\"}", 201);
	g.arrest = num(doc, "id");
	assert_string_equal(str(doc, "case"), "FA/2024/9");
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/arrests/%lld", g.arrest);
	doc = call("GET", target, g.police, NULL, 200);
	assert_string_equal(str(doc, "offence"), "forced_labour");
	assert_string_equal(str(doc, "agency"), "force_a");
	json_decref(doc);
	doc = call("POST", "/api/v1/arrests", g.cw,
	           "{\"date\":\"2024-03-04\",\"offence\":\"forced_labour\"}", 403);
	expect_problem(doc, 403, "forbidden");
	json_decref(doc);
	doc = call("POST", "/api/v1/arrests", g.police,
	           "{\"date\":\"2024-03-04\",\"offence\":\"x\"}", 400);
	assert_true(names(doc, "offence"));
	json_decref(doc);
}

static void test_share_and_revoke(void **state)
{
	(void)state;
	char target[160];
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares", g.person);
	json_t *doc = call("POST", target, g.cw,
	                   "{\"to_agency\":\"charity_b\",\"kind\":\"refer\",\"classes\":"
	                   "[\"identity\",\"intelligence\"],\"basis\":\"consent\",\"consent_by\":"
	                   "\"person\",\"consent_at\":\"2024-02-02\",\"purpose\":\"support\"}",
	                   400);
	assert_true(names(doc, "classes"));
	json_decref(doc);
	doc = call("POST", target, g.cw,
	           "{\"to_agency\":\"charity_b\",\"kind\":\"refer\",\"classes\":[\"identity\","
	           "\"support\"],\"basis\":\"consent\",\"consent_by\":\"person\",\"consent_at\":"
	           "\"2024-02-02\",\"purpose\":\"safe accommodation\"}",
	           201);
	g.share = num(doc, "id");
	assert_string_equal(str(doc, "from_agency"), "force_a");
	json_decref(doc);

	/* the charity: the person's identity, not its contact details */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=accommodation", g.person);
	doc = call("GET", target, g.charity, NULL, 200);
	assert_string_equal(str(doc, "name"), "Ana Lungu");
	assert_true(json_is_null(json_object_get(doc, "contact")));
	json_decref(doc);
	/* the referral's support, not the police's intelligence */
	snprintf(target, sizeof(target), "/api/v1/referrals/%lld?purpose=accommodation",
	         g.referral);
	doc = call("GET", target, g.charity, NULL, 200);
	assert_string_equal(str(doc, "support_needs"), "somewhere safe to stay");
	assert_true(json_is_null(json_object_get(doc, "police_intelligence")));
	json_decref(doc);
	/* cases are not shared; a receiver reads, does not change */
	snprintf(target, sizeof(target), "/api/v1/cases/%lld?purpose=accommodation", g.kase);
	json_decref(call("GET", target, g.charity, NULL, 404));
	snprintf(target, sizeof(target), "/api/v1/persons/%lld", g.person);
	json_decref(call("PATCH", target, g.charity, "{\"sex\":\"unknown\"}", 403));
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares", g.person);
	doc = call("GET", target, g.charity, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 1);
	json_decref(doc);

	/* revoked by its maker: the charity sees nothing any more */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares/%lld", g.person, g.share);
	json_decref(call("DELETE", target, g.charity, NULL, 404));
	doc = call("DELETE", target, g.cw, NULL, 200);
	assert_true(json_is_true(json_object_get(doc, "revoked")));
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=accommodation", g.person);
	doc = call("GET", target, g.charity, NULL, 404);
	expect_problem(doc, 404, "not_found");
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/referrals/%lld?purpose=accommodation",
	         g.referral);
	json_decref(call("GET", target, g.charity, NULL, 404));
}

/* A transfer moves the person: the charity owns it, force_a no longer sees
 * it, and it is not revoked. */
static void test_transfer(void **state)
{
	(void)state;
	char target[160];
	json_t *doc = call("POST", "/api/v1/persons", g.cw,
	                   "{\"name\":\"Ilie Rusu\",\"contact\":\"+44 7700 900888\"}", 201);
	long long p = num(doc, "id");
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares", p);
	doc = call("POST", target, g.cw,
	           "{\"to_agency\":\"charity_b\",\"kind\":\"transfer\",\"basis\":"
	           "\"lawful_reason\",\"lawful_reason\":\"safeguarding_adult\",\"purpose\":"
	           "\"the charity supports him now\"}",
	           201);
	long long sid = num(doc, "id");
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=handover", p);
	doc = call("GET", target, g.charity, NULL, 200);
	assert_string_equal(str(doc, "agency"), "charity_b");
	assert_string_equal(str(doc, "contact"), "+44 7700 900888");
	json_decref(doc);
	json_decref(call("GET", target, g.cw, NULL, 404));
	snprintf(target, sizeof(target), "/api/v1/persons/%lld", p);
	json_decref(call("PATCH", target, g.charity, "{\"sex\":\"male\"}", 200));
	json_decref(call("PATCH", target, g.cw, "{\"sex\":\"female\"}", 404));
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares/%lld", p, sid);
	json_decref(call("DELETE", target, g.cw, NULL, 404));
}

static void test_erase(void **state)
{
	(void)state;
	char target[160], hdr[400];
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?reason=erasure%%20request",
	         g.person);
	/* a caseworker may not erase; the session must send its CSRF token */
	json_decref(call("DELETE", target, g.cw, NULL, 403));
	json_decref(call("DELETE", target, g.admin_cookie, NULL, 403));
	snprintf(hdr, sizeof(hdr), "%sX-CSRF-Token: %s\r\n", g.admin_cookie, g.admin_csrf);
	json_t *doc = call("DELETE", target, hdr, NULL, 200);
	assert_true(json_is_true(json_object_get(doc, "erased")));
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=after%%20erasure", g.person);
	doc = call("GET", target, g.cw, NULL, 200);
	assert_true(json_is_true(json_object_get(doc, "erased")));
	assert_true(json_is_null(json_object_get(doc, "name")));
	json_decref(doc);
}

/* Who did what to the person, and the chain intact. */
static void test_audit(void **state)
{
	(void)state;
	char id[32];
	assert_int_equal(kill(g.server, SIGTERM), 0);
	assert_int_equal(server_wait(&g.server, 60), 0);
	snprintf(id, sizeof(id), "%lld", g.person);
	struct run r = RUN("audit", "show", "--person", id, "--db", g.db);
	if (r.status != 0)
		fail_msg("lantern audit show exited %d: %s", r.status, r.err);
	static const char *const want[] = {
	    "person.create", "person.read",  "first contact",
	    "person.update", "case.create",  "case.read",
	    "case review",   "case.update",  "referral.create",
	    "referral.read", "triage",       "referral.update",
	    "share.create",  "share.list",   "safe accommodation",
	    "share.revoke",  "person.erase", "erasure request",
	    "accommodation",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(r.out, want[i]))
			fail_msg("lantern audit show --person %s lacks \"%s\":\n%s", id, want[i],
			         r.out);
	/* the charity's reads, under its own token */
	bool charity_read = false;
	for (const char *p = r.out; (p = strstr(p, g.charity_actor)) != NULL; p++) {
		char line[256];
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		charity_read = charity_read || strstr(line, "person.read") != NULL;
	}
	if (!charity_read)
		fail_msg("no person.read by %s in:\n%s", g.charity_actor, r.out);
	/* nothing personal in the audit log */
	assert_not_contains(r.out, "Ana Lungu");
	assert_not_contains(r.out, "grey van");
	run_free(&r);
	/* an arrest holds nothing of a person: it is in the whole log */
	r = RUN("audit", "show", "--limit", "1000", "--db", g.db);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "arrest.create");
	run_free(&r);
	r = RUN("audit", "verify", "--db", g.db);
	if (r.status != 0)
		fail_msg("lantern audit verify exited %d: %s%s", r.status, r.out, r.err);
	assert_contains(r.out, "audit chain intact");
	run_free(&r);
}

/* The server's standard error so far (the log file), into out. */
static void log_read(char *out, size_t cap)
{
	FILE *f = fopen(g.log, "r");
	size_t n = f ? fread(out, 1, cap - 1, f) : 0;
	out[n] = '\0';
	if (f)
		fclose(f);
}

/* The number the query answers, on the database with no server running. */
static long db_count(const char *sql)
{
	struct store *s = NULL;
	struct lt_error e = {0};
	char out[64];
	if (store_open_sqlite(g.db, &s, &e) != LT_OK ||
	    store_sqlite_debug_query(s, -1, sql, out, sizeof(out), &e) != LT_OK)
		fail_msg("%s: %s", sql, e.message);
	store_close(s);
	return strtol(out, NULL, 10);
}

/* 8. An upgrade that changed the blind index's terms (docs/operations.md,
 * "Upgrades"): persons whose index an older lantern wrote (marked as
 * migration 11 marks them) are re-indexed when the server starts with the
 * data key, audited, and only once. */
static void test_reindex_at_start(void **state)
{
	(void)state;
	char log[8192], want[96];
	db_count("UPDATE persons SET index_version = 1 RETURNING 1");
	long live = db_count("SELECT count(*) FROM persons WHERE erased_at IS NULL");
	assert_true(live > 0);
	assert_int_equal(start_server(), 0);
	assert_int_equal(kill(g.server, SIGTERM), 0);
	assert_int_equal(server_wait(&g.server, 60), 0);
	log_read(log, sizeof(log));
	snprintf(want, sizeof(want), "re-indexed %ld persons for the blind index\n", live);
	assert_contains(log, want);
	assert_int_equal(db_count("SELECT count(*) FROM persons WHERE erased_at IS NULL AND "
	                          "index_version = 1"),
	                 0);
	assert_int_equal(db_count("SELECT count(*) FROM audit WHERE action = 'datakey.reindex' AND "
	                          "actor = 'cli'"),
	                 1);
	/* the next start has nothing to do */
	assert_int_equal(start_server(), 0);
	assert_int_equal(kill(g.server, SIGTERM), 0);
	assert_int_equal(server_wait(&g.server, 60), 0);
	log_read(log, sizeof(log));
	assert_not_contains(log, "re-indexed");
	assert_int_equal(db_count("SELECT count(*) FROM audit WHERE action = 'datakey.reindex'"),
	                 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_setup_and_serve),
	    cmocka_unit_test(test_person),
	    cmocka_unit_test(test_case_and_referral),
	    cmocka_unit_test(test_arrest),
	    cmocka_unit_test(test_share_and_revoke),
	    cmocka_unit_test(test_transfer),
	    cmocka_unit_test(test_erase),
	    cmocka_unit_test(test_audit),
	    cmocka_unit_test(test_reindex_at_start),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
