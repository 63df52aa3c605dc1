/*
 * web_check.c — every answer of the in-process web tests checked against
 * the OpenAPI document, and every problem document for its one shape.
 *
 * The web tests (test_web.c, test_web_persons.c) call web_check_answer on
 * every response they get from web_handle. Its status must be documented
 * for its operation in the OpenAPI document (GET /api/v1/openapi.json,
 * built once by web_check_open), a JSON body must match the documented
 * schema, every error of an API route must be a problem document, and
 * every problem document must have the one shape of route.c's
 * problem_body. So every error path the tests reach is checked for its
 * shape and for being documented, not only the ones a test looks at.
 *
 * The schema check covers the part of JSON Schema the document uses:
 * $ref, type, enum, const, pattern (POSIX extended expressions), minimum,
 * maximum, minItems, minLength, properties, required,
 * additionalProperties false and items.
 *
 * The API tests also share their world's making here (web_fixture_*):
 * the store, its agencies, the app and its data key, the principals'
 * tokens, accounts and sessions, the same in every test binary.
 */
#include "web_check.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/banned.h"

static json_t *g_openapi;      /* the document answers are checked against */
static size_t g_problems_seen; /* problem documents checked */
static size_t g_answers_seen;  /* answers checked against a documented schema */

/* The value at a local JSON pointer ("#/components/schemas/Report"). */
json_t *web_check_pointer(const char *ref)
{
	json_t *at = g_openapi;
	char seg[256];
	if (strncmp(ref, "#/", 2) != 0)
		return NULL;
	for (const char *p = ref + 2; at && *p;) {
		size_t n = 0;
		while (*p && *p != '/' && n + 1 < sizeof(seg)) {
			if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
				seg[n++] = p[1] == '0' ? '~' : '/';
				p += 2;
			} else {
				seg[n++] = *p++;
			}
		}
		seg[n] = '\0';
		at = json_object_get(at, seg);
		if (*p == '/')
			p++;
	}
	return at;
}

static bool type_is(const char *type, json_t *v)
{
	return (strcmp(type, "object") == 0 && json_is_object(v)) ||
	       (strcmp(type, "array") == 0 && json_is_array(v)) ||
	       (strcmp(type, "string") == 0 && json_is_string(v)) ||
	       (strcmp(type, "integer") == 0 && json_is_integer(v)) ||
	       (strcmp(type, "number") == 0 && json_is_number(v)) ||
	       (strcmp(type, "boolean") == 0 && json_is_boolean(v)) ||
	       (strcmp(type, "null") == 0 && json_is_null(v));
}

/*
 * Does `v` match `schema`? The part of JSON Schema the document uses:
 * $ref, type, enum, const, pattern, minimum, maximum, minItems, minLength,
 * properties, required, additionalProperties false, items. Fails the test
 * naming `where` otherwise.
 */
void web_check_schema(json_t *schema, json_t *v, const char *where)
{
	json_t *ref = json_object_get(schema, "$ref"), *k;
	if (ref) {
		json_t *target = web_check_pointer(json_string_value(ref));
		if (!target)
			fail_msg("%s: $ref %s does not resolve", where, json_string_value(ref));
		web_check_schema(target, v, where);
		return;
	}
	if ((k = json_object_get(schema, "type"))) {
		bool ok = false;
		size_t i;
		json_t *t;
		if (json_is_string(k))
			ok = type_is(json_string_value(k), v);
		json_array_foreach(k, i, t) ok = ok || type_is(json_string_value(t), v);
		if (!ok) {
			char *text = json_dumps(v, JSON_ENCODE_ANY);
			fail_msg("%s: %s is not of the type documented", where, text ? text : "?");
		}
	}
	if ((k = json_object_get(schema, "enum"))) {
		bool ok = false;
		size_t i;
		json_t *e;
		json_array_foreach(k, i, e) ok = ok || json_equal(e, v);
		if (!ok)
			fail_msg("%s: not one of the documented values", where);
	}
	if ((k = json_object_get(schema, "const")) && !json_equal(k, v))
		fail_msg("%s: not the documented constant", where);
	if ((k = json_object_get(schema, "pattern")) && json_is_string(v)) {
		regex_t re;
		assert_int_equal(regcomp(&re, json_string_value(k), REG_EXTENDED | REG_NOSUB), 0);
		int rc = regexec(&re, json_string_value(v), 0, NULL, 0);
		regfree(&re);
		if (rc != 0)
			fail_msg("%s: '%s' does not match %s", where, json_string_value(v),
			         json_string_value(k));
	}
	if ((k = json_object_get(schema, "minimum")) && json_is_number(v) &&
	    json_number_value(v) < json_number_value(k))
		fail_msg("%s: below the documented minimum", where);
	if ((k = json_object_get(schema, "maximum")) && json_is_number(v) &&
	    json_number_value(v) > json_number_value(k))
		fail_msg("%s: above the documented maximum", where);
	if ((k = json_object_get(schema, "minItems")) && json_is_array(v) &&
	    (json_int_t)json_array_size(v) < json_integer_value(k))
		fail_msg("%s: fewer items than documented", where);
	if ((k = json_object_get(schema, "minLength")) && json_is_string(v) &&
	    (json_int_t)json_string_length(v) < json_integer_value(k))
		fail_msg("%s: shorter than documented", where);
	if (json_is_object(v)) {
		json_t *props = json_object_get(schema, "properties");
		bool closed = json_is_false(json_object_get(schema, "additionalProperties"));
		const char *key;
		json_t *m;
		char sub[256];
		json_object_foreach(v, key, m)
		{
			json_t *ps = json_object_get(props, key);
			snprintf(sub, sizeof(sub), "%s.%s", where, key);
			if (ps)
				web_check_schema(ps, m, sub);
			else if (closed)
				fail_msg("%s: a member the schema does not document", sub);
		}
		size_t i;
		json_array_foreach(json_object_get(schema, "required"), i, m)
		{
			if (!json_object_get(v, json_string_value(m)))
				fail_msg("%s: the required member %s is missing", where,
				         json_string_value(m));
		}
	}
	if (json_is_array(v) && (k = json_object_get(schema, "items"))) {
		size_t i;
		json_t *m;
		char sub[256];
		json_array_foreach(v, i, m)
		{
			snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
			web_check_schema(k, m, sub);
		}
	}
}

/*
 * The one shape of a problem document: type urn:lantern:problem:<the
 * status's name>, title its sentence, status the HTTP status, detail a
 * sentence, request_id the request's, and errors (only when fields are at
 * fault) a non-empty array of {field, detail}, one per field; nothing else.
 */
static void check_problem_shape(const struct web_response *rs, const char *request_id,
                                const char *where)
{
	json_error_t jerr;
	char type[96];
	json_t *doc = json_loads(rs->body ? rs->body : "", 0, &jerr);
	const char *key;
	json_t *v;
	if (!json_is_object(doc))
		fail_msg("%s: the problem document is not a JSON object: %s", where,
		         (rs->body ? rs->body : ""));
	assert_int_not_equal(rs->outcome, LT_OK);
	snprintf(type, sizeof(type), "urn:lantern:problem:%s", lt_status_name(rs->outcome));
	if (!json_is_string(json_object_get(doc, "type")) ||
	    strcmp(json_string_value(json_object_get(doc, "type")), type) != 0)
		fail_msg("%s: type is not %s: %s", where, type, (rs->body ? rs->body : ""));
	assert_int_equal(lt_status_http(rs->outcome), rs->status);
	assert_string_equal(json_string_value(json_object_get(doc, "title")),
	                    lt_status_message(rs->outcome));
	assert_int_equal(json_integer_value(json_object_get(doc, "status")), rs->status);
	assert_true(json_is_integer(json_object_get(doc, "status")));
	assert_true(json_string_length(json_object_get(doc, "detail")) > 0);
	assert_string_equal(json_string_value(json_object_get(doc, "request_id")), request_id);
	json_object_foreach(doc, key, v)
	{
		if (strcmp(key, "type") && strcmp(key, "title") && strcmp(key, "status") &&
		    strcmp(key, "detail") && strcmp(key, "request_id") && strcmp(key, "errors"))
			fail_msg("%s: the problem document has a member %s", where, key);
	}
	json_t *errs = json_object_get(doc, "errors");
	if (errs) {
		size_t i;
		json_t *e;
		if (!json_is_array(errs) || json_array_size(errs) == 0)
			fail_msg("%s: errors is not a non-empty array: %s", where,
			         (rs->body ? rs->body : ""));
		json_array_foreach(errs, i, e)
		{
			const char *field = json_string_value(json_object_get(e, "field"));
			if (json_object_size(e) != 2 || !field || !field[0] ||
			    json_string_length(json_object_get(e, "detail")) == 0)
				fail_msg("%s: errors[%zu] is not {field, detail}: %s", where, i,
				         (rs->body ? rs->body : ""));
			for (size_t j = 0; j < i; j++)
				if (strcmp(json_string_value(
				               json_object_get(json_array_get(errs, j), "field")),
				           field) == 0)
					fail_msg("%s: the field %s is named twice", where, field);
		}
	}
	json_decref(doc);
	g_problems_seen++;
}

/* The row of the route table with path `path` (any method), NULL when none. */
static const struct web_route *row_with_path(const char *path)
{
	for (size_t i = 0; i < web_route_count; i++)
		if (strcmp(web_routes[i].path, path) == 0)
			return &web_routes[i];
	return NULL;
}

void web_check_answer(const char *method_sent, const char *target, const char *request_id,
                      const struct web_response *rs)
{
	char where[160], method[16], media[64], code[8];
	const char *ctype = web_response_header_get(rs, "Content-Type");
	const struct web_route *row = row_with_path(rs->route);
	bool api = row ? row->kind == WEB_KIND_API : strncmp(target, "/api/", 5) == 0;
	size_t k;

	snprintf(where, sizeof(where), "%s %s: %d", method_sent, target, rs->status);
	where[sizeof(where) - 1] = '\0';
	if (rs->status >= 400 && api && (!ctype || strcmp(ctype, "application/problem+json") != 0))
		fail_msg("%s: an error of the API that is not a problem document (%s)", where,
		         ctype ? ctype : "no Content-Type");
	if (ctype && strcmp(ctype, "application/problem+json") == 0)
		check_problem_shape(rs, request_id, where);
	if (!g_openapi || !row || rs->status == 405)
		return; /* no route, or not this method: nothing documented to check */

	/* The operation, and the answer documented for this status. */
	for (k = 0; method_sent[k] && k + 1 < sizeof(method); k++)
		method[k] = (char)(method_sent[k] >= 'A' && method_sent[k] <= 'Z'
		                       ? method_sent[k] - 'A' + 'a'
		                       : method_sent[k]);
	method[k] = '\0';
	if (strcmp(method, "head") == 0)
		snprintf(method, sizeof(method), "get");
	json_t *op = json_object_get(
	    json_object_get(json_object_get(g_openapi, "paths"), rs->route), method);
	if (!op)
		fail_msg("%s: %s %s is not in the OpenAPI document", where, method, rs->route);
	snprintf(code, sizeof(code), "%d", rs->status);
	json_t *doc = json_object_get(json_object_get(op, "responses"), code);
	if (!doc)
		fail_msg("%s: the OpenAPI document does not list %s for %s %s", where, code, method,
		         rs->route);
	if (!ctype || !rs->body || strncmp(ctype, "application/", 12) != 0 ||
	    !strstr(ctype, "json"))
		return;
	snprintf(media, sizeof(media), "%.*s", (int)strcspn(ctype, ";"), ctype);
	json_t *schema =
	    json_object_get(json_object_get(json_object_get(doc, "content"), media), "schema");
	if (!schema)
		fail_msg("%s: no schema is documented for %s", where, media);
	json_t *body = json_loads((rs->body ? rs->body : ""), 0, NULL);
	if (!body)
		fail_msg("%s: the body is not JSON", where);
	web_check_schema(schema, body, where);
	json_decref(body);
	g_answers_seen++;
}

void web_check_open(const struct web_app *app)
{
	LT_ASSERT(!g_openapi);
	if (web_openapi_build(app, &g_openapi) != LT_OK)
		fail_msg("the OpenAPI document could not be built");
	g_problems_seen = 0;
	g_answers_seen = 0;
}

void web_check_close(void)
{
	json_decref(g_openapi);
	g_openapi = NULL;
}

json_t *web_check_openapi(void)
{
	return g_openapi;
}

size_t web_check_problems_seen(void)
{
	return g_problems_seen;
}

size_t web_check_answers_seen(void)
{
	return g_answers_seen;
}

/* ---- the world of the API tests ----------------------------------------- */

#define SESSION_COOKIE "__Host-lantern_session"

const struct lt_agency web_fixture_agencies[WEB_FIXTURE_AGENCIES] = {
    {0, "herts_police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE},
    {0, "unseen", "Unseen", LT_AGENCY_KIND_CHARITY},
};

int web_fixture_open(const char *db, const struct lt_agency *agencies, size_t n_agencies,
                     struct store **store, struct web_app *app, struct lt_crypto_keyring *keys)
{
	struct lt_error err = {0};
	if (lt_crypto_init() != LT_OK)
		return -1;
	if (store_open_sqlite(test_tmp_path(db), store, &err) != LT_OK) {
		fprintf(stderr, "store_open_sqlite: %s\n", err.message);
		return -1;
	}
	for (size_t i = 0; i < n_agencies; i++) {
		struct lt_agency ag = agencies[i];
		if (store_agency_add(*store, &ag, "test", &err) != LT_OK) {
			fprintf(stderr, "agency %s: %s\n", ag.code, err.message);
			return -1;
		}
	}
	if (web_app_init(app, *store, NULL, &err) != LT_OK) {
		fprintf(stderr, "web_app_init: %s\n", err.message);
		return -1;
	}
	keys->n = 1;
	keys->keys[0].id = 1;
	lt_crypto_random(keys->keys[0].key, sizeof(keys->keys[0].key));
	if (web_app_data_keys(app, keys, &err) != LT_OK) {
		fprintf(stderr, "web_app_data_keys: %s\n", err.message);
		return -1;
	}
	web_check_open(app);
	return 0;
}

void web_fixture_close(struct store *store, struct web_app *app, struct lt_crypto_keyring *keys)
{
	web_check_close();
	web_app_release(app);
	store_close(store);
	lt_crypto_keyring_wipe(keys);
}

int web_fixture_tokens(struct store *store, const struct web_fixture_token *tokens, size_t n)
{
	struct lt_error err = {0};
	for (size_t i = 0; i < n; i++) {
		char tok[LT_CRYPTO_TOKEN_SIZE];
		unsigned char h[LT_CRYPTO_TOKEN_HASH_BYTES];
		struct store_token t = {0};
		lt_crypto_token_new(tok);
		lt_crypto_token_hash(tok, strlen(tok), h);
		snprintf(t.agency, sizeof(t.agency), "%s", tokens[i].agency);
		t.role = tokens[i].role;
		if (store_token_add(store, &t, h, "test", &err) != LT_OK) {
			fprintf(stderr, "token: %s\n", err.message);
			return -1;
		}
		snprintf(tokens[i].auth, WEB_FIXTURE_AUTH_SIZE, "Bearer %s", tok);
		if (tokens[i].id)
			*tokens[i].id = t.id;
	}
	return 0;
}

int64_t web_fixture_user(struct store *store, const char *email, const char *agency,
                         enum lt_role role)
{
	struct lt_error err = {0};
	struct store_user u = {0};
	snprintf(u.email, sizeof(u.email), "%s", email);
	snprintf(u.agency, sizeof(u.agency), "%s", agency);
	u.role = role;
	/* the store never checks the hash against a password */
	assert_int_equal(store_user_add(store, &u,
	                                "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
	                                "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
	                                "test", &err),
	                 LT_OK);
	return u.id;
}

void web_fixture_session(struct store *store, int64_t user, int64_t now, char *cookie,
                         char csrf[LT_CRYPTO_SECRET_SIZE])
{
	struct lt_error err = {0};
	unsigned char raw[LT_CRYPTO_SECRET_BYTES], hash[LT_CRYPTO_HASH_BYTES];
	char text[LT_CRYPTO_SECRET_SIZE];
	int64_t sid;
	lt_crypto_secret_new(raw, text);
	lt_crypto_session_hash(raw, hash);
	assert_int_equal(
	    store_session_create(store, hash, user, now, now + LT_SESSION_ABSOLUTE_S, &sid, &err),
	    LT_OK);
	snprintf(cookie, WEB_FIXTURE_COOKIE_SIZE, SESSION_COOKIE "=%s", text);
	if (csrf)
		lt_crypto_csrf_token(raw, csrf);
	lt_crypto_wipe(raw, sizeof(raw));
	lt_crypto_wipe(text, sizeof(text));
}

void web_fixture_serve(struct web_app *app, const struct web_fixture_req *r, const char *id,
                       struct web_response *rs)
{
	struct web_request rq;
	memset(&rq, 0, sizeof(rq));
	rq.method = r->method;
	rq.target = r->target;
	rq.content_type = r->ctype ? r->ctype : r->body ? "application/json" : NULL;
	rq.body = r->body;
	rq.body_len = r->body ? strlen(r->body) : 0;
	rq.now = WEB_FIXTURE_NOW;
	rq.peer_loopback = true;
	rq.peer = "127.0.0.1";
	rq.today = (struct lt_date){2024, 6, 1};
	rq.id = id;
	rq.authorization = r->auth;
	rq.cookie = r->cookie;
	rq.csrf_header = r->csrf;
	web_response_init(rs);
	web_handle(app, &rq, rs);
	web_check_answer(r->method, r->target, id, rs);
}

json_t *web_fixture_json(const struct web_fixture_req *r, const struct web_response *rs, int status)
{
	const char *body = rs->body ? rs->body : "";
	if (rs->status != status)
		fail_msg("%s %s: %d, want %d: %s", r->method, r->target, rs->status, status, body);
	json_t *doc = json_loads(body, 0, NULL);
	if (!doc)
		fail_msg("%s %s: not JSON: %s", r->method, r->target, body);
	return doc;
}
