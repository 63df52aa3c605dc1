/*
 * test_web_export.c — the subject access export, GET
 * /api/v1/persons/{id}/export (src/web/api_export.c), in-process through
 * web_handle and the route table.
 *
 * What matters: the owner's agency administrator gets one JSON document
 * with the person's fields, the agency's referrals (opened), its cases
 * (naming only this person), the arrests naming them, the shares and the
 * audit trail ending with the export's own entry; nothing of another
 * agency's records about the person, nor of another person; the export is
 * audited with its purpose; without a purpose, or with a parameter it does
 * not take, it is 400; a role that may not export is 403; another agency's
 * administrator gets 404, exactly as for a person that does not exist; and
 * a refused call writes nothing to the audit log. Every answer is checked
 * against the OpenAPI document (web_check.c).
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

#define NOW WEB_FIXTURE_NOW /* 2024-06-01T12:00:00Z */

static struct store *g_store;
static struct web_app g_app;
static struct lt_crypto_keyring g_keys;
static char g_police[80];       /* police token, herts_police */
static char g_cw[80];           /* caseworker token, herts_police */
static char g_other[80];        /* caseworker token, unseen (a charity) */
static char g_admin[128];       /* session cookie of herts_police's agency administrator */
static char g_other_admin[128]; /* session cookie of unseen's agency administrator */

static int group_setup(void **state)
{
	(void)state;
	const struct web_fixture_token tokens[] = {
	    {"herts_police", LT_ROLE_POLICE, g_police, NULL},
	    {"herts_police", LT_ROLE_CASEWORKER, g_cw, NULL},
	    {"unseen", LT_ROLE_CASEWORKER, g_other, NULL},
	};
	if (web_fixture_open("web-export.db", web_fixture_agencies, WEB_FIXTURE_AGENCIES, &g_store,
	                     &g_app, &g_keys) != 0 ||
	    web_fixture_tokens(g_store, tokens, sizeof(tokens) / sizeof(tokens[0])) != 0)
		return -1;
	web_fixture_session(
	    g_store,
	    web_fixture_user(g_store, "boss@police.example", "herts_police", LT_ROLE_AGENCY_ADMIN),
	    NOW, g_admin, NULL);
	web_fixture_session(
	    g_store,
	    web_fixture_user(g_store, "boss@unseen.example", "unseen", LT_ROLE_AGENCY_ADMIN), NOW,
	    g_other_admin, NULL);
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
	const char *cookie;
};

/* Serve `r` and check its status; the answer's JSON (the caller releases
 * it) and, in *text (may be NULL; the caller frees it), its body. */
static json_t *call(const struct req *r, int status, char **text)
{
	const struct web_fixture_req fr = {r->method, r->target, r->auth, r->body, NULL, r->cookie};
	struct web_response rs;
	web_fixture_serve(&g_app, &fr, "rtest", &rs);
	json_t *doc = web_fixture_json(&fr, &rs, status);
	const char *body = rs.body ? rs.body : "";
	if (status == 200 && strstr(r->target, "/export")) {
		assert_string_equal(web_response_header_get(&rs, "Cache-Control"), "no-store");
		assert_non_null(web_response_header_get(&rs, "Content-Disposition"));
	}
	if (text)
		*text = strdup(body);
	web_response_release(&rs);
	return doc;
}

static int64_t create(const char *path, const char *auth, const char *body)
{
	json_t *doc = call(&(struct req){"POST", path, auth, body}, 201, NULL);
	int64_t id = (int64_t)json_integer_value(json_object_get(doc, "id"));
	json_decref(doc);
	assert_true(id > 0);
	return id;
}

static long audit_entries(void)
{
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	struct lt_error e = {0};
	assert_int_equal(store_audit_tail(g_store, 1, &a, &n, &e), LT_OK);
	long id = n ? (long)a[0].id : 0;
	free(a);
	return id;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_export(void **state)
{
	(void)state;
	char target[160], body[512], *text = NULL;

	int64_t p = create("/api/v1/persons", g_cw,
	                   "{\"name\":\"Maria Popescu\",\"dob\":\"1990-02-11\","
	                   "\"contact\":\"+44 7700 900123\"}");
	int64_t co = create("/api/v1/persons", g_cw, "{\"name\":\"Ion Ionescu\"}");
	int64_t q = create("/api/v1/persons", g_other, "{\"name\":\"Charity Only\"}");
	snprintf(body, sizeof(body),
	         "{\"person\":%lld,\"date\":\"2024-05-01\",\"forms\":[\"labour_exploitation\"],"
	         "\"notes\":\"police notes on Maria\"}",
	         (long long)p);
	int64_t r = create("/api/v1/referrals", g_cw, body);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares", (long long)p);
	create(
	    target, g_cw,
	    "{\"to_agency\":\"unseen\",\"kind\":\"refer\",\"classes\":[\"identity\",\"support\"],"
	    "\"basis\":\"lawful_reason\",\"lawful_reason\":\"safeguarding_adult\",\"purpose\":"
	    "\"support\"}");
	snprintf(body, sizeof(body),
	         "{\"person\":%lld,\"date\":\"2024-05-02\",\"forms\":[\"labour_exploitation\"],"
	         "\"notes\":\"the charity's own notes\"}",
	         (long long)p);
	create("/api/v1/referrals", g_other, body);
	snprintf(body, sizeof(body),
	         "{\"ref\":\"HP/2024/9\",\"opened\":\"2024-05-01\",\"persons\":[%lld,%lld]}",
	         (long long)p, (long long)co);
	int64_t c = create("/api/v1/cases", g_cw, body);
	int64_t a = create("/api/v1/arrests", g_police,
	                   "{\"date\":\"2024-05-03\",\"offence\":\"forced_labour\",\"case\":"
	                   "\"HP/2024/9\"}");

	/* refused: nothing written to the audit log */
	long before = audit_entries();
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/export?purpose=SAR-1", (long long)p);
	json_decref(call(&(struct req){"GET", target, g_cw}, 403, NULL));
	json_t *doc = call(&(struct req){"GET", target, NULL, NULL, g_other_admin}, 404, NULL);
	char *unseen_detail = strdup(str(doc, "detail"));
	json_decref(doc);
	doc = call(&(struct req){"GET", "/api/v1/persons/99999/export?purpose=SAR-1", NULL, NULL,
	                         g_other_admin},
	           404, NULL);
	assert_string_equal(str(doc, "detail"), unseen_detail); /* the same answer */
	free(unseen_detail);
	json_decref(doc);
	json_decref(
	    call(&(struct req){"GET", "/api/v1/persons/abc/export?purpose=x", NULL, NULL, g_admin},
	         404, NULL));
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/export", (long long)p);
	doc = call(&(struct req){"GET", target, NULL, NULL, g_admin}, 400, NULL);
	assert_string_equal(str(json_array_get(json_object_get(doc, "errors"), 0), "field"),
	                    "purpose");
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/export?purpose=a&format=csv",
	         (long long)p);
	doc = call(&(struct req){"GET", target, NULL, NULL, g_admin}, 400, NULL);
	assert_string_equal(str(json_array_get(json_object_get(doc, "errors"), 0), "field"),
	                    "format");
	json_decref(doc);
	assert_int_equal(audit_entries(), before);

	/* the owner's agency administrator */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/export?purpose=SAR%%202024-17",
	         (long long)p);
	doc = call(&(struct req){"GET", target, NULL, NULL, g_admin}, 200, &text);
	assert_int_equal(audit_entries(), before + 1);
	assert_string_equal(str(doc, "schema"), "urn:lantern:subject-access-export:1");
	assert_string_equal(str(doc, "generated"), "2024-06-01T12:00:00Z");
	assert_string_equal(str(doc, "agency"), "herts_police");
	json_t *person = json_object_get(doc, "person");
	assert_int_equal(json_integer_value(json_object_get(person, "id")), p);
	assert_string_equal(str(person, "name"), "Maria Popescu");
	assert_string_equal(str(person, "contact"), "+44 7700 900123");
	json_t *refs = json_object_get(doc, "referrals");
	assert_int_equal(json_array_size(refs), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(refs, 0), "id")), r);
	assert_string_equal(str(json_array_get(refs, 0), "notes"), "police notes on Maria");
	json_t *cases = json_object_get(doc, "cases");
	assert_int_equal(json_array_size(cases), 1);
	json_t *k = json_array_get(cases, 0);
	assert_int_equal(json_integer_value(json_object_get(k, "id")), c);
	assert_int_equal(json_array_size(json_object_get(k, "persons")), 1);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(k, "persons"), 0)), p);
	json_t *arrests = json_object_get(doc, "arrests");
	assert_int_equal(json_array_size(arrests), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(arrests, 0), "id")), a);
	json_t *shares = json_object_get(doc, "shares");
	assert_int_equal(json_array_size(shares), 1);
	assert_string_equal(str(json_array_get(shares, 0), "to_agency"), "unseen");
	assert_string_equal(str(json_array_get(shares, 0), "lawful_reason"), "safeguarding_adult");
	assert_true(json_is_null(json_object_get(json_array_get(shares, 0), "revoked_at")));
	json_t *audit = json_object_get(doc, "audit");
	size_t na = json_array_size(audit);
	assert_true(na >= 5); /* create, share, two referrals, the export */
	json_t *last = json_array_get(audit, na - 1);
	assert_string_equal(str(last, "action"), "person.export");
	assert_string_equal(str(last, "purpose"), "SAR 2024-17");
	assert_int_equal(json_integer_value(json_object_get(last, "person")), p);
	assert_false(json_is_true(json_object_get(doc, "audit_truncated")));
	/* nothing of the charity's records, nor of the other persons */
	assert_not_contains(text, "the charity's own notes");
	assert_not_contains(text, "Charity Only");
	assert_not_contains(text, "Ion Ionescu");
	free(text);
	json_decref(doc);
	char want[96];
	snprintf(want, sizeof(want), "person:%lld", (long long)p);
	struct store_audit_entry *e = NULL;
	size_t n = 0;
	struct lt_error err = {0};
	assert_int_equal(store_audit_tail(g_store, 1, &e, &n, &err), LT_OK);
	assert_string_equal(e[0].action, "person.export");
	assert_string_equal(e[0].object, want);
	assert_string_equal(e[0].purpose, "SAR 2024-17");
	free(e);

	/* the charity's administrator exports its own person, and only that */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/export?purpose=SAR-2", (long long)q);
	doc = call(&(struct req){"GET", target, NULL, NULL, g_other_admin}, 200, &text);
	assert_string_equal(str(json_object_get(doc, "person"), "name"), "Charity Only");
	assert_string_equal(str(doc, "agency"), "unseen");
	assert_not_contains(text, "Maria");
	free(text);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_export),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
