/*
 * test_web_pseudo.c — analysts' pseudonymised reads (src/web/api_pseudo.c),
 * in-process through web_handle and the route table.
 *
 * What matters: an analyst reads every agency's persons with a pseudonym,
 * the year of birth, sex, nationality, languages, agencies, and referrals,
 * cases and arrests dated to the month — and the body never holds the name,
 * an alias, the contact details, a note, the exact date of birth or of a
 * referral, a case reference or a record id; the person read by its
 * pseudonym is the same; caseworkers, the police and both administrators
 * are refused (403) and nobody is asked to sign in (401), and a refusal
 * writes nothing; a read needs a purpose, and each person handed out is
 * audited with it; pages walk every person once, with a Link to the next;
 * a pseudonym that is nobody's, or an erased person's, is 404. Every answer
 * is checked against the OpenAPI document (web_check.c).
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
#define LIST "/api/v1/pseudonymised/persons"

static struct store *g_store;
static struct web_app g_app;
static struct lt_crypto_keyring g_keys;
static char g_police[80];  /* police, herts_police */
static char g_cw[80];      /* caseworker, herts_police */
static char g_charity[80]; /* caseworker, unseen */
static char g_analyst[80]; /* analyst, unseen: every agency all the same */
static char g_admin_cookie[128], g_admin_csrf[LT_CRYPTO_SECRET_SIZE]; /* agency_admin */
static char g_boss_cookie[128], g_boss_csrf[LT_CRYPTO_SECRET_SIZE];   /* partnership_admin */

/* Identifying text the persons are made with: never in an analyst's answer. */
static const char *const g_secrets[] = {
    "Zuzanna",    "Kowalczyk",  "Zuzia",      "07700 900123", "NOTE-SECRET", "SUPPORT-SECRET",
    "1987-03-14", "2024-03-17", "HP/2024/77", "Tomasz",       "\"id\"",      "created_at",
};

struct req {
	const char *method;
	const char *target;
	const char *auth;
	const char *body;
	const char *cookie;
	const char *csrf;
};

static void serve(const struct req *r, struct web_response *rs)
{
	web_fixture_serve(&g_app,
	                  &(struct web_fixture_req){r->method, r->target, r->auth, r->body, NULL,
	                                            r->cookie, r->csrf},
	                  "rpseudo", rs);
}

/* Serve; the answer must have `status`; its body (heap, caller frees). */
static char *call_text(const struct req *r, int status, struct web_response *keep)
{
	struct web_response rs;
	serve(r, &rs);
	if (rs.status != status)
		fail_msg("%s %s: %d, want %d: %.300s", r->method, r->target, rs.status, status,
		         rs.body ? rs.body : "");
	char *text = calloc(1, rs.body_len + 1);
	assert_non_null(text);
	if (rs.body_len)
		memcpy(text, rs.body, rs.body_len);
	if (keep)
		*keep = rs;
	else
		web_response_release(&rs);
	return text;
}

static json_t *call(const struct req *r, int status)
{
	char *text = call_text(r, status, NULL);
	json_t *doc = json_loads(text, 0, NULL);
	if (!doc)
		fail_msg("%s %s: not JSON: %s", r->method, r->target, text);
	free(text);
	return doc;
}

#define CALL(status, ...) call(&(struct req){__VA_ARGS__}, (status))

static bool names_field(json_t *problem, const char *field)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(problem, "errors"), i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
			return true;
	}
	return false;
}

static int64_t audit_last(void)
{
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	struct lt_error e = {0};
	assert_int_equal(store_audit_tail(g_store, 1, &a, &n, &e), LT_OK);
	int64_t id = n ? a[0].id : 0;
	free(a);
	return id;
}

static int64_t post(const char *auth, const char *target, const char *body)
{
	json_t *doc = CALL(201, "POST", target, auth, body);
	int64_t id = (int64_t)json_integer_value(json_object_get(doc, "id"));
	json_decref(doc);
	return id;
}

static void session_for(enum lt_role role, const char *email, char cookie[128],
                        char csrf[LT_CRYPTO_SECRET_SIZE])
{
	web_fixture_session(g_store, web_fixture_user(g_store, email, "herts_police", role), NOW,
	                    cookie, csrf);
}

static int group_setup(void **state)
{
	(void)state;
	const struct web_fixture_token tokens[] = {
	    {"herts_police", LT_ROLE_POLICE, g_police, NULL},
	    {"herts_police", LT_ROLE_CASEWORKER, g_cw, NULL},
	    {"unseen", LT_ROLE_CASEWORKER, g_charity, NULL},
	    {"unseen", LT_ROLE_ANALYST, g_analyst, NULL},
	};
	if (web_fixture_open("web-pseudo.db", web_fixture_agencies, WEB_FIXTURE_AGENCIES, &g_store,
	                     &g_app, &g_keys) != 0 ||
	    web_fixture_tokens(g_store, tokens, sizeof(tokens) / sizeof(tokens[0])) != 0)
		return -1;
	session_for(LT_ROLE_AGENCY_ADMIN, "admin@police.example", g_admin_cookie, g_admin_csrf);
	session_for(LT_ROLE_PARTNERSHIP_ADMIN, "boss@partnership.example", g_boss_cookie,
	            g_boss_csrf);

	/* Zuzanna, of the police, referred, in a closed case with an arrest;
	 * Tomasz, of the charity */
	int64_t z =
	    post(g_cw, "/api/v1/persons",
	         "{\"name\":\"Zuzanna Kowalczyk\",\"aliases\":[\"Zuzia\"],\"dob\":\"1987-03-"
	         "14\",\"sex\":\"female\",\"nationality\":\"PL\",\"languages\":[\"pl\","
	         "\"en\"],\"contact\":\"07700 900123\",\"safe_to_contact\":true}");
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"person\":%lld,\"date\":\"2024-03-17\",\"forms\":[\"labour_exploitation\"],"
	         "\"place\":\"local\",\"district\":\"watford\",\"notes\":\"NOTE-SECRET\","
	         "\"support_needs\":\"SUPPORT-SECRET\"}",
	         (long long)z);
	post(g_cw, "/api/v1/referrals", body);
	snprintf(
	    body, sizeof(body),
	    "{\"ref\":\"HP/2024/77\",\"opened\":\"2024-03-20\",\"status\":\"closed\","
	    "\"closed\":\"2024-05-02\",\"forms\":[\"labour_exploitation\"],\"persons\":[%lld]}",
	    (long long)z);
	int64_t k = post(g_police, "/api/v1/cases", body);
	(void)k;
	post(g_police, "/api/v1/arrests",
	     "{\"date\":\"2024-04-03\",\"offence\":\"forced_labour\",\"case\":\"HP/2024/77\"}");
	int64_t t = post(g_charity, "/api/v1/persons",
	                 "{\"name\":\"Tomasz Nowak\",\"dob\":\"1990\",\"sex\":\"male\"}");
	snprintf(body, sizeof(body),
	         "{\"person\":%lld,\"date\":\"2023-11-02\",\"forms\":[\"forced_criminality\"],"
	         "\"place\":\"abroad\",\"country\":\"PL\"}",
	         (long long)t);
	post(g_charity, "/api/v1/referrals", body);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	web_fixture_close(g_store, &g_app, &g_keys);
	return 0;
}

static void no_secret_in(const char *text, const char *where)
{
	for (size_t i = 0; i < sizeof(g_secrets) / sizeof(g_secrets[0]); i++)
		if (strstr(text, g_secrets[i]))
			fail_msg("%s holds \"%s\": %.400s", where, g_secrets[i], text);
}

static json_t *item_born(json_t *items, json_int_t year)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (json_integer_value(json_object_get(it, "birth_year")) == year)
			return it;
	}
	fail_msg("no person born in %lld", (long long)year);
	return NULL;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_what_an_analyst_sees(void **state)
{
	(void)state;
	char *text =
	    call_text(&(struct req){"GET", LIST "?purpose=annual%20report", g_analyst}, 200, NULL);
	no_secret_in(text, "the list");
	json_t *doc = json_loads(text, 0, NULL);
	free(text);
	json_t *items = json_object_get(doc, "items");
	assert_true(json_array_size(items) >= 2); /* both agencies' */
	assert_true(json_is_null(json_object_get(doc, "next")));

	json_t *z = item_born(items, 1987);
	const char *pz = str(z, "pseudonym");
	assert_non_null(pz);
	assert_true(lt_crypto_pseudonym_well_formed(pz, strlen(pz)));
	assert_string_equal(str(z, "agency"), "herts_police");
	assert_string_equal(str(z, "agency_kind"), "police");
	assert_string_equal(str(z, "sex"), "female");
	assert_string_equal(str(z, "nationality"), "PL");
	assert_int_equal(json_array_size(json_object_get(z, "languages")), 2);
	json_t *refs = json_object_get(z, "referrals");
	assert_int_equal(json_array_size(refs), 1);
	assert_string_equal(str(json_array_get(refs, 0), "date"), "2024-03");
	assert_string_equal(str(json_array_get(refs, 0), "district"), "watford");
	json_t *cases = json_object_get(z, "cases");
	assert_int_equal(json_array_size(cases), 1);
	json_t *k = json_array_get(cases, 0);
	assert_string_equal(str(k, "status"), "closed");
	assert_string_equal(str(k, "opened"), "2024-03");
	assert_string_equal(str(k, "closed"), "2024-05");
	json_t *arrest = json_array_get(json_object_get(k, "arrests"), 0);
	assert_string_equal(str(arrest, "offence"), "forced_labour");
	assert_string_equal(str(arrest, "date"), "2024-04");
	json_t *t = item_born(items, 1990);
	assert_string_equal(str(t, "agency"), "unseen");
	assert_string_equal(str(json_array_get(json_object_get(t, "referrals"), 0), "country"),
	                    "PL");
	assert_string_not_equal(str(t, "pseudonym"), pz);

	/* the same person by its pseudonym, and the read is audited with the purpose */
	char target[160];
	snprintf(target, sizeof(target), LIST "/%s?purpose=follow%%20up", pz);
	int64_t before = audit_last();
	text = call_text(&(struct req){"GET", target, g_analyst}, 200, NULL);
	no_secret_in(text, "the person");
	json_t *one = json_loads(text, 0, NULL);
	free(text);
	assert_string_equal(str(one, "pseudonym"), pz);
	assert_true(json_equal(one, z));
	json_decref(one);
	assert_int_equal(audit_last(), before + 1);
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	struct lt_error e = {0};
	assert_int_equal(store_audit_tail(g_store, 1, &a, &n, &e), LT_OK);
	assert_string_equal(a[0].action, "person.read_pseudonymised");
	assert_string_equal(a[0].purpose, "follow up");
	assert_true(a[0].person > 0);
	free(a);
	json_decref(doc);
}

static void test_other_roles_refused(void **state)
{
	(void)state;
	char target[160];
	json_t *doc = CALL(200, "GET", LIST "?purpose=x&limit=1", g_analyst);
	snprintf(target, sizeof(target), LIST "/%s?purpose=x",
	         str(json_array_get(json_object_get(doc, "items"), 0), "pseudonym"));
	json_decref(doc);
	const char *targets[] = {LIST "?purpose=x", target};
	for (size_t i = 0; i < 2; i++) {
		int64_t before = audit_last();
		json_decref(CALL(403, "GET", targets[i], g_cw));
		json_decref(CALL(403, "GET", targets[i], g_police));
		json_decref(CALL(403, "GET", targets[i], g_charity));
		json_decref(CALL(403, "GET", targets[i], NULL, NULL, g_admin_cookie, g_admin_csrf));
		json_decref(CALL(403, "GET", targets[i], NULL, NULL, g_boss_cookie, g_boss_csrf));
		json_decref(CALL(401, "GET", targets[i]));
		assert_int_equal(audit_last(), before); /* a refusal reads and writes nothing */
	}
}

static void test_query_checked(void **state)
{
	(void)state;
	int64_t before = audit_last();
	json_t *doc = CALL(400, "GET", LIST, g_analyst);
	assert_true(names_field(doc, "purpose"));
	json_decref(doc);
	doc = CALL(400, "GET", LIST "?purpose=", g_analyst);
	assert_true(names_field(doc, "purpose"));
	json_decref(doc);
	doc = CALL(400, "GET", LIST "?purpose=x&referred_from=2024-05-17", g_analyst);
	assert_true(names_field(doc, "referred_from"));
	json_decref(doc);
	doc = CALL(400, "GET", LIST "?purpose=x&referred_from=2024-06&referred_to=2024-01",
	           g_analyst);
	assert_true(names_field(doc, "referred_to"));
	json_decref(doc);
	doc = CALL(400, "GET", LIST "?purpose=x&name=zuzanna", g_analyst);
	assert_true(names_field(doc, "name"));
	json_decref(doc);
	doc = CALL(400, "GET", LIST "?purpose=x&agency=nobody", g_analyst);
	assert_true(names_field(doc, "agency"));
	json_decref(doc);
	doc = CALL(400, "GET", LIST "?purpose=x&cursor=cGVyc29uczox", g_analyst); /* persons:1 */
	assert_true(names_field(doc, "cursor"));
	json_decref(doc);
	doc = CALL(400, "GET", LIST "/P-AAAAAAAAAAAAAAAA", g_analyst);
	assert_true(names_field(doc, "purpose"));
	json_decref(doc);
	doc = CALL(400, "GET", LIST "/P-AAAAAAAAAAAAAAAA?purpose=x&dob=1987", g_analyst);
	assert_true(names_field(doc, "dob"));
	json_decref(doc);
	assert_int_equal(audit_last(), before);

	/* the filters */
	doc = CALL(200, "GET", LIST "?purpose=x&agency=unseen", g_analyst);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 1);
	json_decref(doc);
	doc = CALL(200, "GET", LIST "?purpose=x&referred_from=2023&referred_to=2023-12", g_analyst);
	json_t *items = json_object_get(doc, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(items, 0), "birth_year")), 1990);
	json_decref(doc);
}

static void test_pages(void **state)
{
	(void)state;
	char body[128], target[256];
	for (int i = 0; i < 5; i++) {
		snprintf(body, sizeof(body), "{\"name\":\"Paged Person %d\",\"dob\":\"%d\"}", i,
		         2000 + i);
		post(g_cw, "/api/v1/persons", body);
	}
	json_t *all = CALL(200, "GET", LIST "?purpose=x&limit=200", g_analyst);
	size_t total = json_array_size(json_object_get(all, "items"));
	assert_true(total >= 7);

	char seen[64][LT_CRYPTO_PSEUDONYM_SIZE];
	size_t n = 0;
	const char *cursor = NULL;
	json_t *doc = NULL;
	for (int pages = 0;; pages++) {
		assert_true(pages < 64);
		if (cursor)
			snprintf(target, sizeof(target), LIST "?purpose=x&limit=2&cursor=%s",
			         cursor);
		else
			snprintf(target, sizeof(target), LIST "?purpose=x&limit=2");
		struct web_response rs;
		char *text = call_text(&(struct req){"GET", target, g_analyst}, 200, &rs);
		json_t *page = json_loads(text, 0, NULL);
		free(text);
		json_t *items = json_object_get(page, "items");
		json_t *it;
		size_t i;
		json_array_foreach(items, i, it)
		{
			assert_true(n < 64);
			snprintf(seen[n], sizeof(seen[n]), "%s", str(it, "pseudonym"));
			for (size_t j = 0; j < n; j++)
				assert_string_not_equal(seen[j], seen[n]);
			n++;
		}
		const char *link = web_response_header_get(&rs, "Link");
		json_decref(doc);
		doc = page;
		cursor = str(page, "next");
		if (cursor) {
			assert_int_equal(json_array_size(items), 2);
			assert_non_null(link);
			assert_non_null(strstr(link, cursor));
			assert_non_null(strstr(link, "purpose=x"));
		} else {
			assert_null(link);
		}
		web_response_release(&rs);
		if (!cursor)
			break;
	}
	json_decref(doc);
	/* every person once, in the same order as the one long page */
	assert_int_equal(n, total);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(
		    seen[i], str(json_array_get(json_object_get(all, "items"), i), "pseudonym"));
	json_decref(all);
}

static void test_unknown_and_erased(void **state)
{
	(void)state;
	char target[160];
	json_decref(CALL(404, "GET", LIST "/P-AAAAAAAAAAAAAAAA?purpose=x", g_analyst));
	json_decref(CALL(404, "GET", LIST "/42?purpose=x", g_analyst));
	json_decref(CALL(404, "GET", LIST "/p-aaaaaaaaaaaaaaaa?purpose=x", g_analyst));

	int64_t id = post(g_cw, "/api/v1/persons", "{\"name\":\"To Be Erased\",\"dob\":\"1955\"}");
	json_t *doc = CALL(200, "GET", LIST "?purpose=x&limit=200", g_analyst);
	char gone[LT_CRYPTO_PSEUDONYM_SIZE];
	snprintf(gone, sizeof(gone), "%s",
	         str(item_born(json_object_get(doc, "items"), 1955), "pseudonym"));
	size_t before = json_array_size(json_object_get(doc, "items"));
	json_decref(doc);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?reason=erasure%%20request",
	         (long long)id);
	json_decref(CALL(200, "DELETE", target, NULL, NULL, g_admin_cookie, g_admin_csrf));

	doc = CALL(200, "GET", LIST "?purpose=x&limit=200", g_analyst);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), before - 1);
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(doc, "items"), i, it)
	{
		assert_string_not_equal(str(it, "pseudonym"), gone);
	}
	json_decref(doc);
	snprintf(target, sizeof(target), LIST "/%s?purpose=x", gone);
	json_decref(CALL(404, "GET", target, g_analyst));
}

/* Without a data key nothing personal is opened. */
static void test_no_data_key(void **state)
{
	(void)state;
	struct lt_error err = {0};
	web_app_data_keys_release(&g_app);
	json_t *doc = CALL(500, "GET", LIST "?purpose=x", g_analyst);
	assert_non_null(strstr(str(doc, "detail"), "data key"));
	json_decref(doc);
	assert_int_equal(web_app_data_keys(&g_app, &g_keys, &err), LT_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_what_an_analyst_sees), cmocka_unit_test(test_other_roles_refused),
	    cmocka_unit_test(test_query_checked),        cmocka_unit_test(test_pages),
	    cmocka_unit_test(test_unknown_and_erased),   cmocka_unit_test(test_no_data_key),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
