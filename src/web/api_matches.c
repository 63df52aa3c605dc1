/*
 * api_matches.c — record linkage in the service (docs/linkage.md, "Linkage
 * in the service"; store.h, "Record linkage"; linkage/link_persons.h).
 *
 *   GET  /api/v1/persons/{id}/matches?purpose=
 *        the likely matches of a person among the persons the caller may
 *        read, each with its match probability and the waterfall
 *        explanation (link_model.h's, as JSON)
 *   POST /api/v1/persons/{id}/matches  {"other", "decision", "reason"}
 *        record that two persons are the same person or not
 *   and, for POST /api/v1/persons (api_persons.c), web_likely_matches: the
 *   ids and probabilities of the likely matches of a person just recorded,
 *   so the caseworker is warned at once.
 *
 * Never a person the caller cannot see: the store opens only persons the
 * caller may read with their identity (person.read; a person referred to
 * the caller's agency without its identity class is not a candidate), so
 * the search runs over those alone, and the person searched for answers
 * 404 like any person outside one's scope. Every person opened is audited
 * ("person.link", with the purpose) before it is opened.
 *
 * The search does not open every person: the store finds candidates by the
 * blind index (a shared whole name, name word or full date of birth) and
 * opens only them, at most LT_LINK_CANDIDATES_MAX. They are scored with the
 * newest model `lantern link --db --save-model` stored, or, when none was,
 * the default model of link_run.h with its preset m and u and λ = 10^-4
 * (the answer's "model" says which). A person counts as a likely match at
 * WEB_MATCH_MIN or above; a pair decided "not_same" never does, a pair
 * decided "same" always does (the store hands it over as a candidate
 * whatever its names), with its decision.
 *
 * Nothing here logs a value; the explanation carries the two persons'
 * compared values, which the caller may read.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "linkage/link_persons.h"
#include "linkage/link_run.h"
#include "core/banned.h"

#define WEB_MATCH_MIN 0.5 /* match probability of a likely match */

/* ---- answers ------------------------------------------------------------------ */

/* What a failure says here (web_answer_failure): a bad request with its
 * message, anything else but 404 and 403 that the persons could not be
 * read or linked. */
static const struct web_failure_words failure_words = {
    .what = "person",
    .invalid = "request",
    .other = "The persons could not be read or linked.",
    .flags = WEB_FAILURE_EINVAL_ONLY | WEB_FAILURE_NO_CRYPTO | WEB_FAILURE_MESSAGE,
};

/* ---- the search ---------------------------------------------------------------- */

/* The model for table t: the stored one when there is one that fits the
 * table, else the default (*trained false). */
static lt_status model_load(struct web_app *app, const struct lt_link_table *t,
                            struct lt_link_model *m, bool *trained, struct lt_error *err)
{
	char *json = NULL;
	struct lt_error e2;
	lt_error_clear(&e2);
	*trained = false;
	if (store_link_model_get(app->st, &json, &e2) == LT_OK) {
		lt_status st = lt_link_model_from_json(json, strlen(json), m, &e2);
		free(json);
		if (st == LT_OK) {
			bool fits = true;
			for (size_t k = 0; k < m->ncomp; k++)
				fits = fits && lt_link_table_field(t, m->comps[k].field) >= 0;
			if (fits) {
				*trained = true;
				return LT_OK;
			}
			lt_link_model_release(m);
		}
	}
	return lt_link_default_model(t, m, err);
}

struct search {
	struct lt_link_table t;
	struct lt_link_model model;
	struct lt_link_prep prep;
	struct lt_link_match *matches;
	size_t n;
	bool have_model, have_prep, trained, truncated;
	struct store_match_decision *dec;
	size_t ndec;
};

static void search_release(struct search *s)
{
	free(s->matches);
	free(s->dec);
	if (s->have_prep)
		lt_link_prep_release(&s->prep);
	if (s->have_model)
		lt_link_model_release(&s->model);
	lt_link_person_table_wipe(&s->t);
	memset(s, 0, sizeof(*s));
}

/* The decision on the pair (person, other): 1 same, -1 not same, 0 none. */
static int decision_of(const struct search *s, int64_t person, int64_t other)
{
	int64_t a = person < other ? person : other, b = person < other ? other : person;
	for (size_t i = 0; i < s->ndec; i++)
		if (s->dec[i].a == a && s->dec[i].b == b)
			return s->dec[i].same ? 1 : -1;
	return 0;
}

/* Open the candidates of q, score them and keep the likely matches of
 * `person` (decisions respected) in s->matches. */
static lt_status search_run(struct web_call *c, const struct lt_crypto_keyring *keys,
                            const struct store_link_query *q, int64_t person, struct search *s,
                            struct lt_error *err)
{
	struct lt_link_match *all = NULL;
	size_t nall = 0;
	lt_status st;

	memset(s, 0, sizeof(*s));
	if ((st = store_link_persons(c->app->st, keys, &c->who->p, NULL, q, &s->t, &s->truncated,
	                             err)) != LT_OK)
		return st;
	if ((st = store_match_decisions(c->app->st, person, &s->dec, &s->ndec, err)) != LT_OK)
		return st;
	if (s->t.nrec < 2)
		return LT_OK;
	for (size_t r = 0; r < s->t.nrec; r++)
		if (lt_link_person_id(&s->t, r) != person)
			goto others;
	return LT_OK; /* only the person's own names */
others:
	if ((st = model_load(c->app, &s->t, &s->model, &s->trained, err)) != LT_OK)
		return st;
	s->have_model = true;
	if ((st = lt_link_prep_init(&s->prep, &s->model, &s->t, err)) != LT_OK)
		return st;
	s->have_prep = true;
	if ((st = lt_link_person_matches(&s->prep, person, 0.0, s->t.nrec, &all, &nall, err)) !=
	    LT_OK)
		return st;
	for (size_t i = 0; i < nall && s->n < LT_LINK_MATCHES_MAX; i++) {
		int d = decision_of(s, person, all[i].person);
		if (d < 0 || (d == 0 && all[i].p < WEB_MATCH_MIN))
			continue;
		all[s->n++] = all[i];
	}
	s->matches = all;
	return LT_OK;
}

/* The source (agency code) of the row. */
static const char *agency_of(const struct lt_link_table *t, uint32_t row)
{
	return t->source_names[t->source[row]];
}

/* Match i of `s`, for person `id`, as the API shows it: who, how likely,
 * any decision, and the waterfall. NULL when out of memory. */
static json_t *match_json(struct search *s, size_t i, int64_t id)
{
	struct lt_link_explanation x;
	char *text = NULL;
	json_t *ex = NULL;
	int d = decision_of(s, id, s->matches[i].person);
	lt_link_explain(&s->prep, s->matches[i].row_a, s->matches[i].row_b, &x);
	if (lt_link_explain_json(&s->prep, &x, &text) == LT_OK) {
		ex = json_loads(text, 0, NULL);
		lt_crypto_wipe(text, strlen(text));
		free(text);
	}
	return json_pack("{s:I,s:s,s:f,s:o,s:o}", "id", (json_int_t)s->matches[i].person, "agency",
	                 agency_of(&s->t, s->matches[i].row_b), "probability", s->matches[i].p,
	                 "decision", d > 0 ? json_string("same") : json_null(), "explanation",
	                 ex ? ex : json_null());
}

json_t *web_likely_matches(struct web_call *c, const struct lt_crypto_keyring *keys,
                           const struct lt_person *rec)
{
	char purpose[64];
	struct search s;
	struct lt_error err;
	json_t *items = NULL;
	memset(&s, 0, sizeof(s));
	lt_error_clear(&err);
	snprintf(purpose, sizeof(purpose), "likely matches of person:%lld", (long long)rec->id);
	struct store_link_query q = {purpose, 0, rec};
	if (search_run(c, keys, &q, rec->id, &s, &err) == LT_OK &&
	    (items = json_array()) != NULL) {
		for (size_t i = 0; i < s.n; i++)
			json_array_append_new(items, match_json(&s, i, rec->id));
	}
	search_release(&s);
	return items;
}

void web_api_person_matches(struct web_call *c)
{
	const struct lt_crypto_keyring *keys;
	struct web_form q;
	struct lt_error err;
	const struct web_pair *pp = NULL;
	struct search s;
	int64_t id;
	lt_status st;

	memset(&s, 0, sizeof(s));
	lt_error_clear(&err);
	if (!web_param_id(c, "person", &id))
		return;
	memset(&q, 0, sizeof(q));
	if (web_form_parse(c->query, strlen(c->query), &q, &err) != LT_OK) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The query could not be read.", NULL);
		return;
	}
	if (!(keys = web_data_keys(c, "open")))
		goto out;
	size_t np = web_form_get(&q, "purpose", &pp);
	if (np != 1 || pp->value_len == 0) {
		lt_error_set(&err, LT_EINVAL, "purpose",
		             np > 1 ? "is given more than once"
		                    : "is required: say why you need these persons' data (it is "
		                      "written to the audit log)");
		web_answer_failure(c, LT_EINVAL, &err, NULL, &failure_words);
		goto out;
	}
	struct store_link_query sq = {pp->value, id, NULL};
	if ((st = search_run(c, keys, &sq, id, &s, &err)) != LT_OK) {
		web_answer_failure(c, st, &err, NULL, &failure_words);
		goto out;
	}
	json_t *items = json_array();
	for (size_t i = 0; items && i < s.n; i++)
		json_array_append_new(items, match_json(&s, i, id));
	size_t people = 0;
	for (size_t r = 0; r < s.t.nrec; r++)
		if (lt_link_person_id(&s.t, r) != id &&
		    (r == 0 || lt_link_person_id(&s.t, r) != lt_link_person_id(&s.t, r - 1)))
			people++;
	web_answer_json(c, 200,
	                json_pack("{s:I,s:s,s:I,s:b,s:f,s:o}", "person", (json_int_t)id, "model",
	                          s.trained ? "trained" : "preset", "candidates",
	                          (json_int_t)people, "candidates_truncated", s.truncated,
	                          "min_probability", WEB_MATCH_MIN, "matches",
	                          items ? items : json_array()));
out:
	search_release(&s);
	web_form_release(&q);
}

void web_api_person_match_decide(struct web_call *c)
{
	const struct web_request *rq = c->rq;
	struct lt_error err;
	struct lt_diags d;
	json_t *doc = NULL;
	int64_t id, other = 0;
	int same = -1;
	const char *reason = NULL;
	lt_status st;

	lt_error_clear(&err);
	lt_diags_init(&d);
	if (!web_param_id(c, "person", &id))
		goto out;
	if (!web_content_type_is(rq->content_type, "application/json")) {
		web_error(c, WEB_KIND_API, LT_EMEDIATYPE,
		          "The body must be a JSON object sent as Content-Type: application/json.",
		          NULL);
		web_response_header(c->rs, "Accept-Post", "application/json");
		goto out;
	}
	doc = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, NULL);
	if (!doc || !json_is_object(doc)) {
		web_error(
		    c, WEB_KIND_API, doc ? LT_EINVAL : LT_EPARSE,
		    "The body must be a JSON object: {\"other\": ID, \"decision\": \"same\" or "
		    "\"not_same\", \"reason\": \"...\"}.",
		    NULL);
		goto out;
	}
	const char *key;
	json_t *v;
	json_object_foreach(doc, key, v)
	{
		struct lt_error e;
		lt_error_clear(&e);
		if (strcmp(key, "other") == 0) {
			if (json_is_integer(v) && json_integer_value(v) > 0)
				other = (int64_t)json_integer_value(v);
			else
				lt_error_set(&e, LT_EINVAL, "other",
				             "must be a person's id (an integer)");
		} else if (strcmp(key, "decision") == 0) {
			const char *t = json_is_string(v) ? json_string_value(v) : "";
			if (strcmp(t, "same") == 0)
				same = 1;
			else if (strcmp(t, "not_same") == 0)
				same = 0;
			else
				lt_error_set(&e, LT_EINVAL, "decision",
				             "must be \"same\" or \"not_same\"");
		} else if (strcmp(key, "reason") == 0) {
			if (json_is_string(v))
				reason = json_string_value(v);
			else
				lt_error_set(&e, LT_EINVAL, "reason", "must be a string");
		} else {
			lt_error_set(&e, LT_EINVAL, key, "is not a member of a match decision");
		}
		if (e.status != LT_OK)
			lt_diags_add(&d, &e);
	}
	if (!json_object_get(doc, "other"))
		lt_diags_add(&d, &(struct lt_error){.status = LT_EINVAL,
		                                    .field = "other",
		                                    .message = "is required"});
	if (!json_object_get(doc, "decision"))
		lt_diags_add(&d, &(struct lt_error){.status = LT_EINVAL,
		                                    .field = "decision",
		                                    .message = "is required"});
	if (!json_object_get(doc, "reason"))
		lt_diags_add(&d, &(struct lt_error){.status = LT_EINVAL,
		                                    .field = "reason",
		                                    .message = "is required"});
	if (lt_diags_total(&d)) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The match decision is not valid.", &d);
		goto out;
	}
	if ((st = store_match_decide(c->app->st, &c->who->p, id, other, same == 1, reason, &err)) !=
	    LT_OK) {
		web_answer_failure(c, st, &err, NULL, &failure_words);
		goto out;
	}
	web_answer_json(c, 200,
	                json_pack("{s:I,s:I,s:s,s:s}", "person", (json_int_t)id, "other",
	                          (json_int_t)other, "decision", same == 1 ? "same" : "not_same",
	                          "reason", reason));
out:
	json_decref(doc);
	lt_diags_release(&d);
}

/* ---- the OpenAPI documentation of these routes (route.c points at it) ---------- */

#define S_ID "{\"type\":\"integer\",\"minimum\":1}"

static const struct web_api_param p_matches[] = {
    {.name = "id",
     .in = WEB_IN_PATH,
     .required = true,
     .schema = S_ID,
     .description = "The person's id."},
    {.name = "purpose",
     .in = WEB_IN_QUERY,
     .required = true,
     .schema = "{\"type\":\"string\",\"minLength\":1,\"maxLength\":200}",
     .description = "Why the persons are compared: every person opened is audited with it "
                    "(person.link)."},
    {0}};
static const struct web_api_param p_person[] = {{.name = "id",
                                                 .in = WEB_IN_PATH,
                                                 .required = true,
                                                 .schema = S_ID,
                                                 .description = "The person's id."},
                                                {0}};
static const struct web_api_schema s_matches = {
    .name = "LikelyMatches",
    .description = "The likely matches of a person among the persons the caller may read, "
                   "best first: match probability at least min_probability, or decided the "
                   "same person; never a pair decided not the same.",
    .json = "{\"type\":\"object\",\"required\":[\"person\",\"model\",\"candidates\","
            "\"candidates_truncated\",\"min_probability\",\"matches\"],\"properties\":{"
            "\"person\":" S_ID ",\"model\":{\"enum\":[\"trained\",\"preset\"],\"description\":"
            "\"trained: the model lantern link --db --save-model stored; preset: the default "
            "model's preset m and u.\"},\"candidates\":{\"type\":\"integer\",\"description\":"
            "\"Persons the blind index found and the caller may read, all scored.\"},"
            "\"candidates_truncated\":{\"type\":\"boolean\"},\"min_probability\":{\"type\":"
            "\"number\"},\"matches\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
            "\"required\":[\"id\",\"agency\",\"probability\",\"decision\",\"explanation\"],"
            "\"properties\":{\"id\":" S_ID ",\"agency\":{\"type\":\"string\"},\"probability\":"
            "{\"type\":\"number\",\"minimum\":0,\"maximum\":1},\"decision\":{\"enum\":[\"same\","
            "null]},\"explanation\":{\"type\":\"object\",\"description\":\"The waterfall of "
            "the pair of names that scored highest: prior, one step per comparison (values, "
            "level, m, u, Bayes factor, term frequency), weight, probability "
            "(docs/linkage.md).\"}}}}}}"};
static const struct web_api_schema s_decision_in = {
    .name = "MatchDecisionInput",
    .json = "{\"type\":\"object\",\"required\":[\"other\",\"decision\",\"reason\"],"
            "\"additionalProperties\":false,\"properties\":{\"other\":" S_ID ",\"decision\":"
            "{\"enum\":[\"same\",\"not_same\"]},\"reason\":{\"type\":\"string\",\"minLength\":1,"
            "\"maxLength\":200,\"description\":\"Why: written to the audit log, one line, "
            "never personal data.\"}}}"};
static const struct web_api_schema s_decision = {
    .name = "MatchDecision",
    .json = "{\"type\":\"object\",\"required\":[\"person\",\"other\",\"decision\",\"reason\"],"
            "\"properties\":{\"person\":" S_ID ",\"other\":" S_ID ",\"decision\":{\"enum\":"
            "[\"same\",\"not_same\"]},\"reason\":{\"type\":\"string\"}}}"};

static const lt_status e_matches[] = {LT_ENOTFOUND, LT_EINVAL, LT_ECRYPTO, LT_OK};
static const lt_status e_decide[] = {LT_ENOTFOUND, LT_EINVAL, LT_OK};

const struct web_api_doc web_doc_person_matches = {
    .summary = "The likely matches of a person",
    .tag = "persons",
    .params = p_matches,
    .responses =
        (const struct web_api_response[]){{.status = 200,
                                           .description = "The likely matches, each explained.",
                                           .media_type = "application/json",
                                           .schema = &s_matches},
                                          {0}},
    .errors = e_matches};
const struct web_api_doc web_doc_person_match_decide = {
    .summary = "Record a match decision",
    .tag = "persons",
    .params = p_person,
    .bodies =
        (const struct web_api_body[]){{.media_type = "application/json", .schema = &s_decision_in},
                                      {0}},
    .responses = (const struct web_api_response[]){{.status = 200,
                                                    .description = "Recorded and audited.",
                                                    .media_type = "application/json",
                                                    .schema = &s_decision},
                                                   {0}},
    .errors = e_decide};
