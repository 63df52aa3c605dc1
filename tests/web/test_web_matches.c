/*
 * test_web_matches.c — record linkage in the service (src/web/
 * api_matches.c), in-process through web_handle and the route table.
 *
 * The world: herts_police (the caller's agency), unseen (a charity that
 * refers one of its persons to herts_police) and council (which shares
 * nothing). Each records an "Olena Kovalenko" born 1990-05-17.
 *
 *   - POST /api/v1/persons answers 201 with likely_matches: the police's
 *     own Olena, the charity's once it is referred with its identity, and
 *     never the council's — the leak this test exists to catch (the same
 *     name and date of birth, in an agency that did not share it); every
 *     person opened is audited person.link with "likely matches of
 *     person:N";
 *   - GET /api/v1/persons/{id}/matches lists the same persons with their
 *     probability and the waterfall (prior, steps, probability equal to
 *     the match's); 400 without a purpose, 404 for the council's person,
 *     403 for an analyst;
 *   - POST /api/v1/persons/{id}/matches records a decision: a not-same
 *     pair is listed no more, a same pair is listed with its decision;
 *     each is audited on both persons with the reason; bad members are
 *     named; the council's person is "not found";
 *   - a model stored by `lantern link --db --save-model` is the one used
 *     (its prior shows in the waterfall), the preset before;
 *   - "Muhamad Aly" finds "Mohammed Ali" of the same year through the
 *     phonetic terms of the blind index, never the council's.
 * Every answer is checked against the OpenAPI document (web_check.c).
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
#include "linkage/link_persons.h"
#include "linkage/link_run.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "web/web_int.h"
#include "web_check.h"

#include "core/banned.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define NOW   WEB_FIXTURE_NOW /* 2024-06-01T12:00:00Z */
#define OLENA "{\"name\":\"Olena Kovalenko\",\"dob\":\"1990-05-17\",\"sex\":\"female\"}"

static struct store *g_store;
static struct web_app g_app;
static struct lt_crypto_keyring g_keys;
static char g_cw[80];      /* caseworker, herts_police */
static char g_charity[80]; /* caseworker, unseen */
static char g_council[80]; /* caseworker, council */
static char g_analyst[80]; /* analyst, herts_police */

static int group_setup(void **state)
{
	(void)state;
	static const struct lt_agency ag[] = {
	    {0, "herts_police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE},
	    {0, "unseen", "Unseen", LT_AGENCY_KIND_CHARITY},
	    {0, "council", "A Council", LT_AGENCY_KIND_CHARITY},
	};
	const struct web_fixture_token tokens[] = {
	    {"herts_police", LT_ROLE_CASEWORKER, g_cw, NULL},
	    {"unseen", LT_ROLE_CASEWORKER, g_charity, NULL},
	    {"council", LT_ROLE_CASEWORKER, g_council, NULL},
	    {"herts_police", LT_ROLE_ANALYST, g_analyst, NULL},
	};
	if (web_fixture_open("web-matches.db", ag, 3, &g_store, &g_app, &g_keys) != 0 ||
	    web_fixture_tokens(g_store, tokens, sizeof(tokens) / sizeof(tokens[0])) != 0)
		return -1;
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
};

static json_t *call(const struct req *r, int status)
{
	const struct web_fixture_req fr = {r->method, r->target, r->auth, r->body};
	struct web_response rs;
	web_fixture_serve(&g_app, &fr, "rtest", &rs);
	json_t *doc = web_fixture_json(&fr, &rs, status);
	web_response_release(&rs);
	return doc;
}

#define CALL(status, ...) call(&(struct req){__VA_ARGS__}, (status))

static int64_t num(json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

/* Does the array `a` of objects hold one with "id" `id`? Its index, or -1. */
static long find_id(json_t *a, int64_t id)
{
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x) if (num(x, "id") == id) return (long)i;
	return -1;
}

static long audit_count(const char *action, int64_t person, const char *purpose)
{
	char sql[400], out[64];
	struct lt_error e = {0};
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit WHERE action = '%s' AND person = %lld%s%s%s", action,
	         (long long)person, purpose ? " AND purpose = '" : "", purpose ? purpose : "",
	         purpose ? "'" : "");
	assert_int_equal(store_sqlite_debug_query(g_store, -1, sql, out, sizeof(out), &e), LT_OK);
	return strtol(out, NULL, 10);
}

static int64_t g_police1, g_charity1, g_council1;

/* Create Olena as `auth`: her id, and the answer's likely matches. */
static int64_t create(const char *auth, json_t **likely)
{
	json_t *doc = CALL(201, "POST", "/api/v1/persons", auth, OLENA);
	int64_t id = num(doc, "id");
	*likely = json_incref(json_object_get(doc, "likely_matches"));
	assert_true(json_is_array(*likely));
	json_decref(doc);
	return id;
}

static void test_likely_matches_on_create(void **state)
{
	(void)state;
	json_t *lm;
	char purpose[64];
	/* the council's Olena first: nobody else may ever be shown her */
	g_council1 = create(g_council, &lm);
	assert_int_equal(json_array_size(lm), 0);
	json_decref(lm);
	g_charity1 = create(g_charity, &lm);
	assert_int_equal(find_id(lm, g_council1), -1);
	json_decref(lm);
	g_police1 = create(g_cw, &lm);
	assert_int_equal(json_array_size(lm), 0); /* neither is the police's to see */
	json_decref(lm);

	int64_t second = create(g_cw, &lm);
	assert_int_equal(json_array_size(lm), 1);
	assert_int_equal(num(json_array_get(lm, 0), "id"), g_police1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(lm, 0), "agency")),
	                    "herts_police");
	double p = json_real_value(json_object_get(json_array_get(lm, 0), "probability"));
	assert_true(p >= 0.5 && p <= 1.0);
	/* with the waterfall that explains it, ending in the same probability */
	json_t *ex = json_object_get(json_array_get(lm, 0), "explanation");
	assert_true(json_is_object(ex));
	assert_true(json_array_size(json_object_get(ex, "steps")) > 0);
	assert_close(json_real_value(json_object_get(ex, "match_probability")), p, 1e-9);
	json_decref(lm);
	snprintf(purpose, sizeof(purpose), "likely matches of person:%lld", (long long)second);
	assert_int_equal(audit_count("person.link", g_police1, purpose), 1);
	assert_int_equal(audit_count("person.link", g_council1, NULL), 0);
	assert_int_equal(audit_count("person.link", g_charity1, NULL), 0);

	/* the charity refers its Olena to the police with her identity */
	char target[96];
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/shares", (long long)g_charity1);
	json_decref(CALL(201, "POST", target, g_charity,
	                 "{\"to_agency\":\"herts_police\",\"kind\":\"refer\",\"classes\":"
	                 "[\"identity\"],\"basis\":\"consent\",\"consent_by\":\"person\","
	                 "\"consent_at\":\"2024-05-01\",\"purpose\":\"safeguarding\"}"));
	int64_t third = create(g_cw, &lm);
	assert_true(find_id(lm, g_charity1) >= 0);
	assert_true(find_id(lm, g_police1) >= 0);
	assert_true(find_id(lm, second) >= 0);
	assert_int_equal(find_id(lm, g_council1), -1); /* never */
	assert_int_equal(find_id(lm, third), -1);
	json_decref(lm);
	assert_int_equal(audit_count("person.link", g_charity1, NULL), 1);
	assert_int_equal(audit_count("person.link", g_council1, NULL), 0);
}

static void test_matches_route(void **state)
{
	(void)state;
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/matches?purpose=intake",
	         (long long)g_police1);
	json_t *doc = CALL(200, "GET", target, g_cw);
	json_t *m = json_object_get(doc, "matches");
	assert_string_equal(json_string_value(json_object_get(doc, "model")), "preset");
	assert_true(find_id(m, g_charity1) >= 0);
	assert_int_equal(find_id(m, g_council1), -1);
	assert_int_equal(find_id(m, g_police1), -1);
	size_t i;
	json_t *x;
	json_array_foreach(m, i, x)
	{
		json_t *ex = json_object_get(x, "explanation");
		assert_true(json_is_object(ex));
		assert_true(json_array_size(json_object_get(ex, "steps")) >= 3);
		assert_close(json_number_value(json_object_get(ex, "match_probability")),
		             json_number_value(json_object_get(x, "probability")), 1e-9);
		assert_true(json_is_null(json_object_get(x, "decision")));
	}
	json_decref(doc);
	assert_true(audit_count("person.link", g_police1, "intake") == 1);
	assert_true(audit_count("person.link", g_charity1, "intake") == 1);
	assert_int_equal(audit_count("person.link", g_council1, NULL), 0);

	/* the council's caseworker sees only its own */
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/matches?purpose=intake",
	         (long long)g_council1);
	doc = CALL(200, "GET", target, g_council);
	assert_int_equal(json_array_size(json_object_get(doc, "matches")), 0);
	json_decref(doc);
	/* 404 for a person one cannot see; 400 without a purpose; 403 for an analyst */
	json_decref(CALL(404, "GET", target, g_cw));
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/matches", (long long)g_police1);
	json_decref(CALL(400, "GET", target, g_cw));
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/matches?purpose=x",
	         (long long)g_police1);
	json_decref(CALL(403, "GET", target, g_analyst));
}

static void test_decisions(void **state)
{
	(void)state;
	char target[128], get[160], body[200];
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/matches", (long long)g_police1);
	snprintf(get, sizeof(get), "%s?purpose=review", target);

	/* not the same: listed no more */
	snprintf(body, sizeof(body),
	         "{\"other\":%lld,\"decision\":\"not_same\",\"reason\":\"different mothers\"}",
	         (long long)g_charity1);
	json_t *doc = CALL(200, "POST", target, g_cw, body);
	assert_string_equal(json_string_value(json_object_get(doc, "decision")), "not_same");
	json_decref(doc);
	assert_int_equal(audit_count("person.match_decide", g_police1, "different mothers"), 1);
	assert_int_equal(audit_count("person.match_decide", g_charity1, "different mothers"), 1);
	doc = CALL(200, "GET", get, g_cw);
	assert_int_equal(find_id(json_object_get(doc, "matches"), g_charity1), -1);
	json_decref(doc);

	/* the same after all: listed with its decision */
	snprintf(body, sizeof(body),
	         "{\"other\":%lld,\"decision\":\"same\",\"reason\":\"passport seen\"}",
	         (long long)g_charity1);
	json_decref(CALL(200, "POST", target, g_cw, body));
	doc = CALL(200, "GET", get, g_cw);
	json_t *m = json_object_get(doc, "matches");
	long k = find_id(m, g_charity1);
	assert_true(k >= 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(m, (size_t)k), "decision")), "same");
	json_decref(doc);

	/* the same as a person whose names share nothing with hers: listed all the same */
	json_t *zd = CALL(201, "POST", "/api/v1/persons", g_cw, "{\"name\":\"Zed Quinn\"}");
	int64_t zed = num(zd, "id");
	assert_int_equal(find_id(json_object_get(zd, "likely_matches"), g_police1), -1);
	json_decref(zd);
	snprintf(body, sizeof(body),
	         "{\"other\":%lld,\"decision\":\"same\",\"reason\":\"known alias\"}",
	         (long long)zed);
	json_decref(CALL(200, "POST", target, g_cw, body));
	doc = CALL(200, "GET", get, g_cw);
	m = json_object_get(doc, "matches");
	k = find_id(m, zed);
	assert_true(k >= 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(m, (size_t)k), "decision")), "same");
	json_decref(doc);

	/* bad members named; the council's person not found; an analyst forbidden */
	doc = CALL(400, "POST", target, g_cw, "{\"other\":\"x\",\"decision\":\"maybe\",\"y\":1}");
	json_t *errs = json_object_get(doc, "errors");
	size_t i;
	json_t *x;
	int named = 0;
	json_array_foreach(errs, i, x)
	{
		const char *f = json_string_value(json_object_get(x, "field"));
		named += strcmp(f, "other") == 0 || strcmp(f, "decision") == 0 ||
		         strcmp(f, "reason") == 0 || strcmp(f, "y") == 0;
	}
	assert_int_equal(named, 4);
	json_decref(doc);
	snprintf(body, sizeof(body), "{\"other\":%lld,\"decision\":\"same\",\"reason\":\"r\"}",
	         (long long)g_council1);
	json_decref(CALL(404, "POST", target, g_cw, body));
	assert_int_equal(audit_count("person.match_decide", g_council1, NULL), 0);
	snprintf(body, sizeof(body), "{\"other\":%lld,\"decision\":\"same\",\"reason\":\"r\"}",
	         (long long)g_police1);
	json_decref(CALL(400, "POST", target, g_cw, body)); /* itself */
	json_decref(CALL(403, "POST", target, g_analyst, body));
}

/* A model stored by lantern link --db --save-model is the one scored with. */
static void test_stored_model(void **state)
{
	(void)state;
	struct lt_link_table t;
	struct lt_link_model m;
	struct lt_error e = {0};
	char *json = NULL, target[128];
	assert_int_equal(lt_link_person_table_init(&t), LT_OK);
	assert_int_equal(lt_link_default_model(&t, &m, &e), LT_OK);
	m.lambda = 0.01; /* a prior unlike the preset's, to see it used */
	assert_int_equal(lt_link_model_finish(&m, &e), LT_OK);
	assert_int_equal(lt_link_model_to_json(&m, false, &json), LT_OK);
	assert_int_equal(store_link_model_save(g_store, "cli", json, NULL, &e), LT_OK);
	free(json);
	lt_link_model_release(&m);
	lt_link_person_table_wipe(&t);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/matches?purpose=review",
	         (long long)g_police1);
	json_t *doc = CALL(200, "GET", target, g_cw);
	assert_string_equal(json_string_value(json_object_get(doc, "model")), "trained");
	json_t *m0 = json_array_get(json_object_get(doc, "matches"), 0);
	assert_non_null(m0);
	assert_close(
	    json_number_value(json_object_get(json_object_get(m0, "explanation"), "prior")), 0.01,
	    1e-12);
	json_decref(doc);
}

/* A misspelt name that shares no word and no full date of birth with its
 * match (day and month swapped) reaches it through the blind index's
 * phonetic terms and the year; the council's person of the same name never
 * does. */
static void test_phonetic_candidates(void **state)
{
	(void)state;
	char purpose[64];
	json_t *doc = CALL(201, "POST", "/api/v1/persons", g_council,
	                   "{\"name\":\"Mohammed Ali\",\"dob\":\"1985-03-04\",\"sex\":\"male\"}");
	int64_t council = num(doc, "id");
	json_decref(doc);
	doc = CALL(201, "POST", "/api/v1/persons", g_cw,
	           "{\"name\":\"Mohammed Ali\",\"dob\":\"1985-03-04\",\"sex\":\"male\"}");
	int64_t police = num(doc, "id");
	json_decref(doc);
	doc = CALL(201, "POST", "/api/v1/persons", g_cw,
	           "{\"name\":\"Muhamad Aly\",\"dob\":\"1985-04-03\",\"sex\":\"male\"}");
	int64_t misspelt = num(doc, "id");
	json_t *lm = json_object_get(doc, "likely_matches");
	assert_true(json_is_array(lm));
	assert_true(find_id(lm, police) >= 0);
	assert_int_equal(find_id(lm, council), -1);
	json_decref(doc);
	snprintf(purpose, sizeof(purpose), "likely matches of person:%lld", (long long)misspelt);
	assert_int_equal(audit_count("person.link", police, purpose), 1);
	assert_int_equal(audit_count("person.link", council, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_likely_matches_on_create),
	    cmocka_unit_test(test_matches_route),
	    cmocka_unit_test(test_decisions),
	    cmocka_unit_test(test_stored_model),
	    cmocka_unit_test(test_phonetic_candidates),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
