/*
 * api_export.c — the subject access export (docs/security.md, "Data
 * protection: retention, subject access, erasure"):
 *
 *   GET /api/v1/persons/{id}/export?purpose=   (person.export: an agency
 *                                              administrator, agency scope)
 *
 * and the one JSON document it answers with, which `lantern person export`
 * writes too (web_export_json, web.h). The document:
 *
 *   {"schema": "urn:lantern:subject-access-export:1",
 *    "generated": "2024-06-01T12:00:00Z",   the caller's clock
 *    "agency": "herts_police",              the owner, whose records these are
 *    "person": {...},                       as GET /api/v1/persons/{id}
 *    "referrals": [...], "cases": [...], "arrests": [...], "shares": [...],
 *    "audit": [{"id", "at", "actor", "action", "object", "person",
 *               "purpose"}, ...],           oldest first, this export last
 *    "audit_truncated": false,
 *    "left_out": "..."}                     a sentence: what is not in it
 *
 * Members are those of the API's own answers (api_persons.c), so a reader
 * of the API reads an export, and the OpenAPI document refers to the same
 * schemas. The store decides who may (404 for a person the caller cannot
 * see, as every read), audits "person.export" with the purpose in the
 * transaction that reads, and opens the data after it committed. The
 * document holds personal data: it is built in memory, wiped when freed,
 * and never logged.
 */
#include "web/web_int.h"
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/banned.h"

#define EXPORT_SCHEMA "urn:lantern:subject-access-export:1"
#define LEFT_OUT                                                                                   \
	"Referrals and cases recorded by other agencies about this person are theirs to disclose; " \
	"other persons linked to a case are left out (third parties). The audit entries name "      \
	"staff and partner systems by id."

static json_t *audit_json(const struct store_audit_entry *a)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer((json_int_t)a->id));
	json_object_set_new(o, "at", json_string(a->at));
	json_object_set_new(o, "actor", json_string(a->actor));
	json_object_set_new(o, "action", json_string(a->action));
	json_object_set_new(o, "object", json_string(a->object));
	json_object_set_new(o, "person", a->person ? json_integer((json_int_t)a->person) : json_null());
	json_object_set_new(o, "purpose", a->purpose[0] ? json_string(a->purpose) : json_null());
	return o;
}

static void append(json_t *arr, json_t *v)
{
	json_array_append_new(arr, v ? v : json_null());
}

/* The document of `x` as a jansson object; NULL when out of memory. */
static json_t *export_doc(const struct store_person_export *x, int64_t generated)
{
	char when[32];
	time_t t = (time_t)generated;
	struct tm tm;
	json_t *doc = json_object(), *v;
	if (!doc || !gmtime_r(&t, &tm) || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		json_decref(doc);
		return NULL;
	}
	json_object_set_new(doc, "schema", json_string(EXPORT_SCHEMA));
	json_object_set_new(doc, "generated", json_string(when));
	json_object_set_new(doc, "agency", json_string(x->agency));
	v = web_person_json(&x->person);
	json_object_set_new(doc, "person", v ? v : json_null());
	json_object_set_new(doc, "referrals", v = json_array());
	for (size_t i = 0; v && i < x->n_referrals; i++)
		append(v, web_referral_json(&x->referrals[i]));
	json_object_set_new(doc, "cases", v = json_array());
	for (size_t i = 0; v && i < x->n_cases; i++)
		append(v, web_case_json(&x->cases[i]));
	json_object_set_new(doc, "arrests", v = json_array());
	for (size_t i = 0; v && i < x->n_arrests; i++)
		append(v, web_arrest_json(&x->arrests[i]));
	json_object_set_new(doc, "shares", v = json_array());
	for (size_t i = 0; v && i < x->n_shares; i++)
		append(v, web_share_json(&x->shares[i]));
	json_object_set_new(doc, "audit", v = json_array());
	for (size_t i = 0; v && i < x->n_audit; i++)
		append(v, audit_json(&x->audit[i]));
	json_object_set_new(doc, "audit_truncated", json_boolean(x->audit_truncated));
	json_object_set_new(doc, "left_out", json_string(LEFT_OUT));
	return doc;
}

lt_status web_export_json(const struct store_person_export *x, int64_t generated, bool pretty,
                          char **out, size_t *len, struct lt_error *err)
{
	*out = NULL;
	*len = 0;
	json_t *doc = export_doc(x, generated);
	char *text = doc ? json_dumps(doc, pretty ? JSON_INDENT(2) : JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory building the export");
	*len = strlen(text);
	if (*len + 1 > LT_EXPORT_MAX) {
		web_export_free(text, *len);
		*len = 0;
		return lt_error_set(err, LT_ETOOBIG, NULL,
		                    "the export is larger than %d bytes", LT_EXPORT_MAX);
	}
	*out = text;
	return LT_OK;
}

void web_export_free(char *text, size_t len)
{
	if (!text)
		return;
	lt_crypto_wipe(text, len);
	free(text);
}

void web_api_person_export(struct web_call *c)
{
	struct store_person_export x;
	struct web_form q;
	struct lt_error err;
	const struct web_pair *purpose = NULL;
	struct lt_buf b;
	char *text = NULL;
	size_t len = 0;
	int64_t id = 0;
	lt_status st;

	lt_error_clear(&err);
	memset(&x, 0, sizeof(x));
	lt_person_init(&x.person);
	lt_buf_init(&b, LT_EXPORT_MAX);
	memset(&q, 0, sizeof(q));
	/* the {id}: a positive decimal, else there is no such person */
	const char *p = c->param;
	size_t n = strlen(p);
	bool ok = n > 0 && n <= 18;
	for (size_t i = 0; ok && i < n; i++) {
		ok = p[i] >= '0' && p[i] <= '9';
		id = id * 10 + (p[i] - '0');
	}
	if (!ok || id <= 0) {
		web_error(c, WEB_KIND_API, LT_ENOTFOUND, "There is no such person that you can see.",
		          NULL);
		goto out;
	}
	if ((st = web_form_parse(c->query, strlen(c->query), &q, &err)) != LT_OK) {
		web_error(c, WEB_KIND_API, st, "The query could not be read.", NULL);
		goto out;
	}
	struct lt_diags d;
	lt_diags_init(&d);
	for (size_t i = 0; i < q.count; i++) {
		struct lt_error e;
		lt_error_clear(&e);
		if (strcmp(q.pairs[i].name, "purpose") != 0)
			lt_error_set(&e, LT_EINVAL, q.pairs[i].name, "is not a parameter of the export");
		else if (purpose)
			lt_error_set(&e, LT_EINVAL, "purpose", "is given more than once");
		else
			purpose = &q.pairs[i];
		if (e.status != LT_OK)
			lt_diags_add(&d, &e);
	}
	if (!d.count && (!purpose || !purpose->value_len)) {
		struct lt_error e;
		lt_error_clear(&e);
		lt_error_set(&e, LT_EINVAL, "purpose",
		             "is required: say why the export is made (a subject access request's "
		             "reference; it is written to the audit log)");
		lt_diags_add(&d, &e);
	}
	if (d.count) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The query is not valid.", &d);
		lt_diags_release(&d);
		goto out;
	}
	lt_diags_release(&d);
	if (!c->app->data_keys || !c->app->data_keys->n) {
		web_error(c, WEB_KIND_API, LT_ECRYPTO,
		          "The server has no data key, so it cannot open personal data (lantern "
		          "serve --data-key PATH; see lantern key).",
		          NULL);
		goto out;
	}
	st = store_person_export(c->app->st, c->app->data_keys, &c->who->p, NULL, id,
	                         purpose->value, &x, &err);
	if (st == LT_ENOTFOUND) {
		web_error(c, WEB_KIND_API, st, "There is no such person that you can see.", NULL);
		goto out;
	}
	if (st == LT_EFORBIDDEN) {
		web_error(c, WEB_KIND_API, st, "Your role may not export this person.", NULL);
		goto out;
	}
	if (st == LT_EINVAL) {
		struct lt_diags one;
		lt_diags_init(&one);
		lt_diags_add(&one, &err);
		web_error(c, WEB_KIND_API, st, "The query is not valid.", &one);
		lt_diags_release(&one);
		goto out;
	}
	if (st != LT_OK) {
		char detail[LT_MESSAGE_MAX + 64];
		snprintf(detail, sizeof(detail), "The export could not be made: %s", err.message);
		web_error(c, WEB_KIND_API, st, detail, NULL);
		goto out;
	}
	if ((st = web_export_json(&x, c->rq->now, false, &text, &len, &err)) != LT_OK ||
	    (st = lt_buf_append(&b, text, len)) != LT_OK || (st = lt_buf_puts(&b, "\n")) != LT_OK) {
		web_error(c, WEB_KIND_API, st, "The export could not be built.", NULL);
		goto out;
	}
	web_response_body(c->rs, 200, "application/json", &b);
	web_response_header(c->rs, "Content-Disposition", "attachment; filename=\"export.json\"");
	web_response_header(c->rs, "Cache-Control", "no-store");
	c->rs->outcome = LT_OK;
out:
	web_export_free(text, len);
	if (b.data)
		lt_crypto_wipe(b.data, b.cap);
	lt_buf_release(&b);
	store_person_export_release(&x);
	web_form_release(&q);
}

/* ---- its OpenAPI documentation (route.c points at it) ------------------------------- */

static const struct web_api_param p_export[] = {
    {.name = "id",
     .in = WEB_IN_PATH,
     .required = true,
     .schema = "{\"type\":\"integer\",\"minimum\":1}",
     .description = "The person's id."},
    {.name = "purpose",
     .in = WEB_IN_QUERY,
     .required = true,
     .schema = "{\"type\":\"string\",\"minLength\":1,\"maxLength\":200}",
     .description = "Why the export is made (the subject access request's reference): written "
                    "to the audit log with the exporter and the person."},
    {0}};

static const struct web_api_schema s_export = {
    .name = "SubjectAccessExport",
    .description = "Everything the owning agency holds about a person, for a subject access "
                   "request.",
    .json = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"schema\","
            "\"generated\",\"agency\",\"person\",\"referrals\",\"cases\",\"arrests\",\"shares\","
            "\"audit\",\"audit_truncated\",\"left_out\"],\"properties\":{"
            "\"schema\":{\"const\":\"" EXPORT_SCHEMA "\"},"
            "\"generated\":{\"type\":\"string\",\"format\":\"date-time\"},"
            "\"agency\":{\"type\":\"string\",\"description\":\"The owning agency, whose records "
            "these are.\"},"
            "\"person\":{\"$ref\":\"#/components/schemas/Person\"},"
            "\"referrals\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/"
            "Referral\"}},"
            "\"cases\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Case\"},"
            "\"description\":\"The agency's cases about the person; persons names only this "
            "person.\"},"
            "\"arrests\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/"
            "Arrest\"}},"
            "\"shares\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/"
            "Share\"}},"
            "\"audit\":{\"type\":\"array\",\"description\":\"Who read or changed the person's "
            "data, when and why, oldest first; this export is the last entry.\",\"items\":{"
            "\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"id\",\"at\","
            "\"actor\",\"action\",\"object\",\"person\",\"purpose\"],\"properties\":{"
            "\"id\":{\"type\":\"integer\",\"minimum\":1},\"at\":{\"type\":\"string\"},"
            "\"actor\":{\"type\":\"string\"},\"action\":{\"type\":\"string\"},"
            "\"object\":{\"type\":\"string\"},\"person\":{\"type\":[\"integer\",\"null\"]},"
            "\"purpose\":{\"type\":[\"string\",\"null\"]}}}},"
            "\"audit_truncated\":{\"type\":\"boolean\"},"
            "\"left_out\":{\"type\":\"string\"}}}"};

static const lt_status e_export[] = {LT_ENOTFOUND, LT_EINVAL, LT_ECRYPTO, LT_OK};

const struct web_api_doc web_doc_person_export = {
    .summary = "Export everything held about a person (a subject access request)",
    .tag = "persons",
    .params = p_export,
    .responses =
        (const struct web_api_response[]){
            {.status = 200,
             .description = "The export; it is in the audit log as person.export.",
             .media_type = "application/json",
             .schema = &s_export},
            {0}},
    .errors = e_export};
