/*
 * test_web_persons.c — the API of records about people (src/web/
 * api_persons.c), in-process through web_handle and the route table.
 *
 * What matters: a person, a referral, a case and an arrest go in as JSON
 * and come back; every bad member is named in the problem document; a read
 * without a purpose is refused and one with a purpose is audited with it;
 * another agency's record answers 404 with the same problem as a record
 * that does not exist; roles that may never do an action get 403; an
 * agency administrator erases a person through DELETE, with the session's
 * CSRF token; and a server without a data key says so instead of storing
 * anything in the clear. Every answer is checked against the OpenAPI
 * document (web_check.c): its status documented, its JSON as the schema
 * says.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"

#include "core/person.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "web/web_int.h"
#include "web_check.h"

#include "core/banned.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define NOW  WEB_FIXTURE_NOW /* 2024-06-01T12:00:00Z */
#define JSON "application/json"

static struct store *g_store;
static struct web_app g_app;
static struct lt_crypto_keyring g_keys;
static char g_police[80];  /* police, herts_police */
static char g_cw[80];      /* caseworker, herts_police */
static char g_other[80];   /* caseworker, unseen (a charity) */
static char g_analyst[80]; /* analyst, herts_police */
static int64_t g_admin;    /* agency_admin account of herts_police */

static int group_setup(void **state)
{
	(void)state;
	const struct web_fixture_token tokens[] = {
	    {"herts_police", LT_ROLE_POLICE, g_police, NULL},
	    {"herts_police", LT_ROLE_CASEWORKER, g_cw, NULL},
	    {"unseen", LT_ROLE_CASEWORKER, g_other, NULL},
	    {"herts_police", LT_ROLE_ANALYST, g_analyst, NULL},
	};
	if (web_fixture_open("web-persons.db", web_fixture_agencies, WEB_FIXTURE_AGENCIES, &g_store,
	                     &g_app, &g_keys) != 0 ||
	    web_fixture_tokens(g_store, tokens, sizeof(tokens) / sizeof(tokens[0])) != 0)
		return -1;
	g_admin =
	    web_fixture_user(g_store, "boss@police.example", "herts_police", LT_ROLE_AGENCY_ADMIN);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	web_fixture_close(g_store, &g_app, &g_keys);
	return 0;
}

struct req {
	const char *method;
	const char *target;
	const char *auth;
	const char *body;
	const char *ctype; /* NULL: JSON when there is a body */
	const char *cookie;
	const char *csrf;
};

static void serve(const struct req *r, struct web_response *rs)
{
	/* documented in the OpenAPI document, as its schema says */
	web_fixture_serve(&g_app,
	                  &(struct web_fixture_req){r->method, r->target, r->auth, r->body,
	                                            r->ctype, r->cookie, r->csrf},
	                  "rtest", rs);
	assert_non_null(web_response_header_get(rs, "Content-Security-Policy"));
}

/* Serve and parse the JSON answer, which must have `status`. */
static json_t *call(const struct req *r, int status)
{
	struct web_response rs;
	serve(r, &rs);
	json_t *doc =
	    web_fixture_json(&(struct web_fixture_req){r->method, r->target}, &rs, status);
	if (status >= 400) {
		assert_string_equal(web_response_header_get(&rs, "Content-Type"),
		                    "application/problem+json");
	}
	if (status == 201) {
		const char *loc = web_response_header_get(&rs, "Location");
		assert_non_null(loc);
		char want[80];
		snprintf(want, sizeof(want), "%.*s/%lld", (int)strcspn(r->target, "?"), r->target,
		         (long long)json_integer_value(json_object_get(doc, "id")));
		assert_string_equal(loc, want);
	}
	web_response_release(&rs);
	return doc;
}

#define CALL(status, ...) call(&(struct req){__VA_ARGS__}, (status))

static bool names_field(json_t *problem, const char *field)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(problem, "errors"), i,
	                   e) if (strcmp(json_string_value(json_object_get(e, "field")), field) ==
	                          0) return true;
	return false;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int64_t num(json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static const char *last_audit(void)
{
	static char out[400];
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	struct lt_error err;
	assert_int_equal(store_audit_tail(g_store, 1, &a, &n, &err), LT_OK);
	snprintf(out, sizeof(out), "%s %s %s %lld %s", a[0].actor, a[0].action, a[0].object,
	         (long long)a[0].person, a[0].purpose);
	free(a);
	return out;
}

static int64_t add_person(const char *auth, const char *body)
{
	json_t *doc = CALL(201, "POST", "/api/v1/persons", auth, body);
	int64_t id = num(doc, "id");
	json_decref(doc);
	return id;
}

static void test_person_api(void **state)
{
	(void)state;
	char target[160];
	json_t *doc =
	    CALL(201, "POST", "/api/v1/persons", g_cw,
	         "{\"name\":\"Maria Popescu\",\"aliases\":[\"Mara\"],\"dob\":\"1990-02\","
	         "\"sex\":\"female\",\"nationality\":\"RO\",\"languages\":[\"ro\",\"en\"],"
	         "\"contact\":\"+44 7700 900123\",\"safe_to_contact\":true}");
	int64_t id = num(doc, "id");
	assert_true(id > 0);
	assert_string_equal(str(doc, "agency"), "herts_police");
	assert_string_equal(str(doc, "name"), "Maria Popescu");
	assert_true(json_is_true(json_object_get(doc, "safe_to_contact")));
	assert_false(json_is_true(json_object_get(doc, "erased")));
	json_decref(doc);
	assert_contains(last_audit(), "person.create");

	/* a purpose is required to read */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld", (long long)id);
	doc = CALL(400, "GET", target, g_cw);
	assert_true(names_field(doc, "purpose"));
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=safeguarding%%20referral",
	         (long long)id);
	doc = CALL(200, "GET", target, g_police);
	assert_string_equal(str(doc, "name"), "Maria Popescu");
	assert_string_equal(str(doc, "dob"), "1990-02");
	assert_string_equal(str(doc, "nationality"), "RO");
	assert_int_equal(json_array_size(json_object_get(doc, "languages")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "aliases"), 0)),
	                    "Mara");
	json_decref(doc);
	char want[160];
	snprintf(want, sizeof(want), "person.read person:%lld %lld safeguarding referral",
	         (long long)id, (long long)id);
	assert_contains(last_audit(), want);

	/* another agency: the same 404 as for no person at all */
	json_t *a = CALL(404, "GET", target, g_other);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=x", (long long)id + 999);
	json_t *b = CALL(404, "GET", target, g_other);
	assert_string_equal(str(a, "detail"), str(b, "detail"));
	json_decref(a);
	json_decref(b);
	doc = CALL(404, "GET", "/api/v1/persons/abc?purpose=x", g_cw);
	json_decref(doc);
	/* a role that never reads identifying details */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=stats", (long long)id);
	doc = CALL(403, "GET", target, g_analyst);
	json_decref(doc);

	/* a change */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld", (long long)id);
	doc =
	    CALL(200, "PATCH", target, g_cw, "{\"contact\":null,\"aliases\":[\"Mara\",\"M.P.\"]}");
	json_decref(doc);
	doc =
	    CALL(200, "PATCH", target, g_cw, "{\"sex\":\"other\"}", "application/merge-patch+json");
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=check", (long long)id);
	doc = CALL(200, "GET", target, g_cw);
	assert_true(json_is_null(json_object_get(doc, "contact")));
	assert_int_equal(json_array_size(json_object_get(doc, "aliases")), 2);
	assert_string_equal(str(doc, "sex"), "other");
	json_decref(doc);
	/* bad changes are named, every one */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld", (long long)id);
	doc = CALL(400, "PATCH", target, g_cw,
	           "{\"sex\":1,\"dob\":\"1990-13\",\"languages\":\"ro\",\"eyes\":\"brown\"}");
	assert_true(names_field(doc, "sex"));
	assert_true(names_field(doc, "languages"));
	assert_true(names_field(doc, "eyes"));
	json_decref(doc);
	doc = CALL(400, "PATCH", target, g_cw, "{\"dob\":\"1990-13\",\"name\":null}");
	assert_true(names_field(doc, "dob"));
	assert_true(names_field(doc, "name"));
	char *text = json_dumps(doc, 0);
	assert_not_contains(text, "1990-13"); /* a personal value is not echoed */
	free(text);
	json_decref(doc);
	doc = CALL(415, "PATCH", target, g_cw, "sex=male", "application/x-www-form-urlencoded");
	json_decref(doc);
	doc = CALL(404, "PATCH", target, g_other, "{\"sex\":\"male\"}");
	json_decref(doc);

	/* a new person: every bad member named */
	doc = CALL(400, "POST", "/api/v1/persons", g_cw,
	           "{\"aliases\":[1],\"safe_to_contact\":\"yes\",\"nationality\":\"Romania\","
	           "\"dob\":\"2030\"}");
	assert_true(names_field(doc, "name"));
	assert_true(names_field(doc, "aliases"));
	assert_true(names_field(doc, "safe_to_contact"));
	assert_true(names_field(doc, "nationality"));
	assert_true(names_field(doc, "dob"));
	json_decref(doc);
	doc = CALL(400, "POST", "/api/v1/persons", g_cw, "[]");
	json_decref(doc);
	doc = CALL(403, "POST", "/api/v1/persons", g_analyst, "{\"name\":\"X\"}");
	json_decref(doc);
	doc = CALL(401, "POST", "/api/v1/persons", NULL, "{\"name\":\"X\"}");
	json_decref(doc);
}

static void test_search(void **state)
{
	(void)state;
	int64_t jose = add_person(g_cw, "{\"name\":\"José  García\",\"dob\":\"1987-03-14\"}");
	add_person(g_other, "{\"name\":\"Jose Garcia\"}");
	int64_t jose2 = add_person(g_cw, "{\"name\":\"Jose Garcia Lopez\"}");
	json_t *doc = CALL(200, "GET", "/api/v1/persons?name=jose%20garcia&purpose=matching", g_cw);
	json_t *items = json_object_get(doc, "items");
	assert_int_equal(json_array_size(items), 2); /* newest first */
	assert_int_equal(num(json_array_get(items, 0), "id"), jose2);
	assert_int_equal(num(json_array_get(items, 1), "id"), jose);
	assert_true(json_is_null(json_object_get(doc, "next")));
	json_decref(doc);
	/* a page at a time, as every list */
	doc = CALL(200, "GET", "/api/v1/persons?name=jose%20garcia&purpose=matching&limit=1", g_cw);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 1);
	const char *next = str(doc, "next");
	assert_non_null(next);
	char target[200];
	snprintf(target, sizeof(target),
	         "/api/v1/persons?name=jose%%20garcia&purpose=matching&limit=1&cursor=%s", next);
	json_decref(doc);
	doc = CALL(200, "GET", target, g_cw);
	items = json_object_get(doc, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(num(json_array_get(items, 0), "id"), jose);
	assert_true(json_is_null(json_object_get(doc, "next")));
	json_decref(doc);
	doc = CALL(400, "GET", "/api/v1/persons?name=jose&purpose=x&colour=red", g_cw);
	assert_true(names_field(doc, "colour"));
	json_decref(doc);
	doc = CALL(200, "GET", "/api/v1/persons?dob=1987-03&purpose=matching", g_cw);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 1);
	json_decref(doc);
	char want[96];
	snprintf(want, sizeof(want), "person.search person:%lld", (long long)jose);
	assert_contains(last_audit(), want);
	doc = CALL(400, "GET", "/api/v1/persons?name=jose", g_cw);
	assert_true(names_field(doc, "purpose"));
	json_decref(doc);
	doc = CALL(400, "GET", "/api/v1/persons?purpose=x", g_cw);
	assert_true(names_field(doc, "query"));
	json_decref(doc);
	doc = CALL(400, "GET", "/api/v1/persons?dob=1987-13&purpose=x", g_cw);
	assert_true(names_field(doc, "dob"));
	json_decref(doc);
	doc = CALL(403, "GET", "/api/v1/persons?name=jose&purpose=x", g_analyst);
	json_decref(doc);
}

static void test_referrals_cases_arrests(void **state)
{
	(void)state;
	char body[512], target[160];
	int64_t p = add_person(g_cw, "{\"name\":\"Hana Horvat\"}");
	int64_t theirs = add_person(g_other, "{\"name\":\"Ivan Ivanov\"}");

	/* a case about the person */
	snprintf(body, sizeof(body),
	         "{\"ref\":\"HC/2024/17\",\"opened\":\"2024-01-03\",\"persons\":[%lld],"
	         "\"forms\":[\"labour_exploitation\"]}",
	         (long long)p);
	json_t *doc = CALL(201, "POST", "/api/v1/cases", g_cw, body);
	int64_t cid = num(doc, "id");
	assert_string_equal(str(doc, "status"), "open");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(doc, "persons"), 0)), p);
	json_decref(doc);
	doc = CALL(409, "POST", "/api/v1/cases", g_cw, body);
	assert_true(names_field(doc, "ref"));
	json_decref(doc);
	snprintf(body, sizeof(body),
	         "{\"ref\":\"HC/2024/18\",\"opened\":\"2024-01-03\",\"persons\":[%lld]}",
	         (long long)theirs);
	doc = CALL(400, "POST", "/api/v1/cases", g_cw, body);
	assert_true(names_field(doc, "persons"));
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/cases/%lld", (long long)cid);
	doc = CALL(200, "PATCH", target, g_cw, "{\"status\":\"closed\",\"closed\":\"2024-05-01\"}");
	json_decref(doc);
	doc = CALL(400, "PATCH", target, g_cw, "{\"closed\":null}");
	assert_true(names_field(doc, "closed"));
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/cases/%lld?purpose=review", (long long)cid);
	doc = CALL(200, "GET", target, g_cw);
	assert_string_equal(str(doc, "status"), "closed");
	json_decref(doc);
	doc = CALL(404, "GET", target, g_other);
	json_decref(doc);

	/* a referral in that case */
	snprintf(body, sizeof(body),
	         "{\"person\":%lld,\"case\":%lld,\"date\":\"2024-04-30\",\"forms\":"
	         "[\"labour_exploitation\"],\"place\":\"abroad\",\"country\":\"RO\","
	         "\"support_needs\":\"housing\",\"police_intelligence\":\"seen at two addresses\"}",
	         (long long)p, (long long)cid);
	doc = CALL(201, "POST", "/api/v1/referrals", g_cw, body);
	int64_t rid = num(doc, "id");
	assert_string_equal(str(doc, "support_needs"), "housing");
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/referrals/%lld?purpose=triage", (long long)rid);
	doc = CALL(200, "GET", target, g_police);
	assert_string_equal(str(doc, "police_intelligence"), "seen at two addresses");
	assert_string_equal(str(doc, "country"), "RO");
	assert_int_equal(num(doc, "person"), p);
	assert_int_equal(num(doc, "case"), cid);
	json_decref(doc);
	char want[128];
	snprintf(want, sizeof(want), "referral.read referral:%lld %lld triage", (long long)rid,
	         (long long)p);
	assert_contains(last_audit(), want);
	snprintf(target, sizeof(target), "/api/v1/referrals/%lld", (long long)rid);
	doc = CALL(200, "PATCH", target, g_cw, "{\"notes\":\"called back\"}");
	json_decref(doc);
	doc = CALL(400, "PATCH", target, g_cw, "{\"place\":\"local\"}");
	assert_true(names_field(doc, "district"));
	assert_true(names_field(doc, "country"));
	json_decref(doc);
	snprintf(body, sizeof(body),
	         "{\"person\":%lld,\"date\":\"2024-04-30\",\"forms\":[\"unknown\"]}",
	         (long long)theirs);
	doc = CALL(400, "POST", "/api/v1/referrals", g_cw, body);
	assert_true(names_field(doc, "person"));
	json_decref(doc);
	doc = CALL(400, "POST", "/api/v1/referrals", g_cw, "{\"person\":\"1\"}");
	assert_true(names_field(doc, "person"));
	assert_true(names_field(doc, "date"));
	assert_true(names_field(doc, "forms"));
	json_decref(doc);

	/* arrests: the police role only */
	doc = CALL(
	    201, "POST", "/api/v1/arrests", g_police,
	    "{\"date\":\"2024-05-02\",\"offence\":\"slavery_servitude\",\"case\":\"HC/2024/17\"}");
	int64_t aid = num(doc, "id");
	assert_string_equal(str(doc, "agency"), "herts_police");
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/arrests/%lld", (long long)aid);
	doc = CALL(200, "GET", target, g_police);
	assert_string_equal(str(doc, "case"), "HC/2024/17");
	assert_string_equal(str(doc, "offence"), "slavery_servitude");
	json_decref(doc);
	doc = CALL(403, "GET", target, g_cw);
	json_decref(doc);
	doc = CALL(403, "POST", "/api/v1/arrests", g_cw,
	           "{\"date\":\"2024-05-02\",\"offence\":\"slavery_servitude\"}");
	json_decref(doc);
	doc = CALL(400, "POST", "/api/v1/arrests", g_police,
	           "{\"date\":\"2024-13-02\",\"offence\":\"theft\",\"agency\":\"unseen\",\"x\":1}");
	assert_true(names_field(doc, "date"));
	assert_true(names_field(doc, "offence"));
	assert_true(names_field(doc, "agency"));
	assert_true(names_field(doc, "x"));
	json_decref(doc);
}

static void test_erase_api(void **state)
{
	(void)state;
	char target[160], cookie[WEB_FIXTURE_COOKIE_SIZE], csrf[LT_CRYPTO_SECRET_SIZE];
	int64_t p = add_person(g_cw, "{\"name\":\"Fatima Farouk\",\"dob\":\"1994\"}");

	web_fixture_session(g_store, g_admin, NOW, cookie, csrf);

	snprintf(target, sizeof(target), "/api/v1/persons/%lld?reason=erasure%%20request",
	         (long long)p);
	/* a caseworker may not; without the CSRF token the session may not */
	json_t *doc = CALL(403, "DELETE", target, g_cw);
	json_decref(doc);
	doc = CALL(403, "DELETE", target, NULL, NULL, NULL, cookie);
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld", (long long)p);
	doc = CALL(400, "DELETE", target, NULL, NULL, NULL, cookie, csrf);
	assert_true(names_field(doc, "reason"));
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?reason=erasure%%20request",
	         (long long)p);
	doc = CALL(200, "DELETE", target, NULL, NULL, NULL, cookie, csrf);
	assert_true(json_is_true(json_object_get(doc, "erased")));
	json_decref(doc);
	char want[128];
	snprintf(want, sizeof(want), "person.erase person:%lld %lld erasure request", (long long)p,
	         (long long)p);
	assert_contains(last_audit(), want);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=after", (long long)p);
	doc = CALL(200, "GET", target, g_cw);
	assert_true(json_is_true(json_object_get(doc, "erased")));
	assert_true(json_is_null(json_object_get(doc, "name")));
	json_decref(doc);
	doc = CALL(200, "GET", "/api/v1/persons?name=fatima%20farouk&purpose=x", g_cw);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 0);
	json_decref(doc);
}

/* Without a data key nothing personal is taken or given. */
static void test_no_data_key(void **state)
{
	(void)state;
	struct lt_crypto_keyring *keys = g_app.data_keys;
	g_app.data_keys = NULL;
	json_t *doc = CALL(500, "POST", "/api/v1/persons", g_cw, "{\"name\":\"Nobody\"}");
	assert_contains(str(doc, "detail"), "no data key");
	json_decref(doc);
	doc = CALL(500, "GET", "/api/v1/persons/1?purpose=x", g_cw);
	json_decref(doc);
	g_app.data_keys = keys;

	/* a key file that is not the database's is refused at the start */
	struct lt_crypto_keyring other = {1, {{1, {0}}}};
	struct lt_error err = {0};
	struct web_app app;
	lt_crypto_random(other.keys[0].key, sizeof(other.keys[0].key));
	assert_int_equal(web_app_init(&app, g_store, NULL, &err), LT_OK);
	assert_int_equal(web_app_data_keys(&app, &other, &err), LT_ECRYPTO);
	assert_contains(err.message, "not this database's data key 1");
	assert_null(app.data_keys);
	web_app_release(&app);
	lt_crypto_keyring_wipe(&other);
}

static void test_shares_api(void **state)
{
	(void)state;
	char target[200], body[600];
	int64_t p =
	    add_person(g_cw, "{\"name\":\"Olena Kovalenko\",\"contact\":\"+44 7700 900456\"}");
	snprintf(body, sizeof(body),
	         "{\"person\":%lld,\"date\":\"2024-04-30\",\"forms\":[\"unknown\"],"
	         "\"support_needs\":\"a safe house\",\"police_intelligence\":\"linked to a gang\"}",
	         (long long)p);
	json_t *doc = CALL(201, "POST", "/api/v1/referrals", g_cw, body);
	int64_t rid = num(doc, "id");
	json_decref(doc);

	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares", (long long)p);
	/* every bad member named; intelligence never to a charity */
	doc = CALL(400, "POST", target, g_cw,
	           "{\"to_agency\":\"unseen\",\"kind\":\"refer\",\"basis\":\"consent\","
	           "\"person\":1,\"classes\":[\"identity\",\"x\"]}");
	assert_true(names_field(doc, "person"));
	assert_true(names_field(doc, "classes"));
	assert_true(names_field(doc, "consent_by"));
	assert_true(names_field(doc, "consent_at"));
	assert_true(names_field(doc, "purpose"));
	json_decref(doc);
	doc = CALL(400, "POST", target, g_cw,
	           "{\"to_agency\":\"unseen\",\"kind\":\"refer\",\"classes\":[\"intelligence\"],"
	           "\"basis\":\"lawful_reason\",\"lawful_reason\":\"safeguarding_adult\","
	           "\"purpose\":\"x\"}");
	assert_true(names_field(doc, "classes"));
	json_decref(doc);
	/* referred with consent: identity and support */
	doc = CALL(201, "POST", target, g_cw,
	           "{\"to_agency\":\"unseen\",\"kind\":\"refer\",\"classes\":[\"identity\","
	           "\"support\"],\"basis\":\"consent\",\"consent_by\":\"person\",\"consent_at\":"
	           "\"2024-05-01\",\"purpose\":\"accommodation\"}");
	int64_t sid = num(doc, "id");
	assert_string_equal(str(doc, "from_agency"), "herts_police");
	assert_int_equal(json_array_size(json_object_get(doc, "classes")), 2);
	assert_true(json_is_null(json_object_get(doc, "revoked_at")));
	json_decref(doc);
	assert_contains(last_audit(), "share.create");

	/* the charity reads what is shared, and nothing else */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=support", (long long)p);
	doc = CALL(200, "GET", target, g_other);
	assert_string_equal(str(doc, "name"), "Olena Kovalenko");
	assert_true(json_is_null(json_object_get(doc, "contact")));
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/referrals/%lld?purpose=support", (long long)rid);
	doc = CALL(200, "GET", target, g_other);
	assert_string_equal(str(doc, "support_needs"), "a safe house");
	assert_true(json_is_null(json_object_get(doc, "police_intelligence")));
	json_decref(doc);
	/* it may read, not change (403: it can see the person) */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld", (long long)p);
	doc = CALL(403, "PATCH", target, g_other, "{\"sex\":\"female\"}");
	json_decref(doc);
	/* the lists: the owner's and the receiver's */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares", (long long)p);
	doc = CALL(200, "GET", target, g_cw);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 1);
	json_decref(doc);
	doc = CALL(200, "GET", target, g_other);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 1);
	json_decref(doc);
	/* revoked by its maker; then the charity sees nothing */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares/%lld", (long long)p,
	         (long long)sid);
	doc = CALL(404, "DELETE", target, g_other);
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares/%lld", (long long)p + 1000,
	         (long long)sid);
	doc = CALL(404, "DELETE", target, g_cw);
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares/%lld", (long long)p,
	         (long long)sid);
	doc = CALL(200, "DELETE", target, g_cw);
	assert_true(json_is_true(json_object_get(doc, "revoked")));
	json_decref(doc);
	assert_contains(last_audit(), "share.revoke");
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=support", (long long)p);
	doc = CALL(404, "GET", target, g_other);
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares", (long long)p);
	doc = CALL(404, "GET", target, g_other);
	json_decref(doc);
	doc = CALL(403, "POST", target, g_analyst, "{}");
	json_decref(doc);
}

/* The README documents every member of the three field tables. */
static void test_documented(void **state)
{
	(void)state;
	const char *src = getenv("LANTERN_SOURCE");
	char path[1100];
	if (!src || !*src)
		skip();
	snprintf(path, sizeof(path), "%s/README.md", src);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	const char *sec = strstr(text, "### Records about people");
	assert_non_null(sec);
	struct {
		const struct lt_pfield *f;
		size_t n;
	} tables[] = {{lt_person_fields, lt_person_field_count},
	              {lt_referral_fields, lt_referral_field_count},
	              {lt_case_fields, lt_case_field_count}};
	for (size_t t = 0; t < 3; t++)
		for (size_t i = 0; i < tables[t].n; i++) {
			char want[64];
			snprintf(want, sizeof(want), "| `%s` |", tables[t].f[i].name);
			if (!strstr(sec, want))
				fail_msg("README.md, \"Records about people\", lacks the member %s",
				         tables[t].f[i].name);
		}
}

/* The problem document of `method target body`, as text, with `status`. */
static char *problem_text(int status, const char *method, const char *target, const char *body)
{
	json_t *doc = CALL(status, method, target, g_cw, body);
	char *text = json_dumps(doc, 0);
	json_decref(doc);
	assert_non_null(text);
	return text;
}

/*
 * A bad personal value is never quoted back: not by a field's parser, not
 * by the JSON parser's message, not by a search. Each value carries the
 * marker Zq9X; the problems name every field and say what is wrong.
 */
static void test_personal_values_not_echoed(void **state)
{
	(void)state;
	char *text = problem_text(
	    400, "POST", "/api/v1/persons",
	    "{\"name\":\"Zq9X\\nLungu\",\"aliases\":[\"Zq9X\\u0001\"],\"dob\":\"Zq9X-1990-13\","
	    "\"sex\":\"Zq9X\",\"nationality\":\"Zq9X\",\"languages\":[\"ro\",\"Zq9X\"],"
	    "\"contact\":\"Zq9X\\u0001\",\"safe_to_contact\":\"Zq9X\"}");
	assert_not_contains(text, "Zq9X");
	static const char *const said[] = {
	    "\"name\"",
	    "\"aliases\"",
	    "\"dob\"",
	    "is not a date of birth (YYYY-MM-DD, YYYY-MM or YYYY",
	    "\"sex\"",
	    "is not a known value (expected one of: female, male, other, unknown)",
	    "\"nationality\"",
	    "is not a country code",
	    "\"languages\"",
	    "is not a language code",
	    "\"contact\"",
	    "\"safe_to_contact\"",
	};
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++)
		if (!strstr(text, said[i]))
			fail_msg("the problem lacks %s: %s", said[i], text);
	free(text);

	/* a change, the same */
	json_t *doc = CALL(201, "POST", "/api/v1/persons", g_cw, "{\"name\":\"Elena Rusu\"}");
	char target[80];
	snprintf(target, sizeof(target), "/api/v1/persons/%lld",
	         (long long)json_integer_value(json_object_get(doc, "id")));
	json_decref(doc);
	text = problem_text(400, "PATCH", target, "{\"dob\":\"1990-02-30Zq9X\",\"sex\":\"Zq9X\"}");
	assert_not_contains(text, "Zq9X");
	assert_not_contains(text, "1990-02-30");
	assert_contains(text, "is not a date of birth");
	free(text);

	/* JSON that does not parse: the position, not the text it stopped at */
	static const char *const broken[] = {
	    "{\"name\":\"Zq9X Lungu",
	    "{\"dob\": Zq9X}",
	    "{\"name\":\"Ana\" \"Zq9X\"}",
	    "{\"name\":\"Zq9X\x01\"}",
	};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		text = problem_text(400, "POST", "/api/v1/persons", broken[i]);
		assert_not_contains(text, "Zq9X");
		assert_contains(text, "The body is not valid JSON");
		assert_contains(text, "(line 1, column ");
		free(text);
	}

	/* a search by a date of birth that is not one */
	doc = CALL(400, "GET", "/api/v1/persons?dob=19Zq9X&purpose=matching", g_cw);
	text = json_dumps(doc, 0);
	json_decref(doc);
	assert_not_contains(text, "Zq9X");
	assert_contains(text, "is not a date of birth");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_person_api),
	    cmocka_unit_test(test_search),
	    cmocka_unit_test(test_personal_values_not_echoed),
	    cmocka_unit_test(test_referrals_cases_arrests),
	    cmocka_unit_test(test_erase_api),
	    cmocka_unit_test(test_no_data_key),
	    cmocka_unit_test(test_shares_api),
	    cmocka_unit_test(test_documented),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
