/*
 * api_persons.c — the JSON API of records about people: persons, referrals,
 * cases and arrests (docs/security.md, "Personal data and keys").
 *
 *   POST   /api/v1/persons                  record a person (person.create)
 *   GET    /api/v1/persons?name=&dob=&purpose=   find persons by the blind index,
 *                                           newest first, paged like every list
 *   GET    /api/v1/persons/{id}?purpose=    read one (person.read), audited
 *   PATCH  /api/v1/persons/{id}             change one (person.update)
 *   DELETE /api/v1/persons/{id}?reason=     erase one by destroying its key
 *   POST   /api/v1/referrals, GET|PATCH /api/v1/referrals/{id}
 *   POST   /api/v1/cases, GET|PATCH /api/v1/cases/{id}
 *   POST   /api/v1/arrests, GET /api/v1/arrests/{id}     (the police role)
 *
 * Members are the fields of lt_person_fields, lt_referral_fields and
 * lt_case_fields (core/person.h), typed by their flags: a list is a JSON
 * array, a boolean a JSON boolean, an id a JSON integer, everything else a
 * string; null (or an empty array) means "not given", which for PATCH
 * clears the field. A body becomes a patch (struct lt_patch) and goes
 * through the field parsers, so a create is a patch on an empty record, and
 * every bad member is named in the problem document's "errors", not only
 * the first. Unknown members are refused.
 *
 * Who may: the route's action is checked by the dispatcher (403 for a role
 * that may never do it); the record's scope is checked by the store inside
 * its transaction, and a record outside it answers 404 exactly like one
 * that does not exist. Reads of personal data need `purpose` in the query
 * and are audited before anything is answered. The personal fields travel
 * only in these answers: nothing here logs a body or a value.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/person.h"
#include "core/banned.h"

#define LIST_MAX 64 /* values of one list member (LT_CASE_PERSONS_MAX is the largest) */

/* ---- answers ------------------------------------------------------------------- */

/* Answer a store failure about a `what` (web_answer_failure's default words). */
static void store_failed(struct web_call *c, lt_status st, const struct lt_error *err,
                         const struct lt_diags *d, const char *what)
{
	web_answer_failure(c, st, err, d, &(const struct web_failure_words){.what = what});
}

/*
 * The query parameter `name` when given once (NULL when absent); a 400
 * naming it when given twice or too long. *q owns the decoded query.
 */
static bool query_get(struct web_call *c, struct web_form *q, const char *name, size_t max,
                      const char **out)
{
	struct lt_diags d;
	lt_diags_init(&d);
	*out = web_query_param(q, name, max, &d);
	bool ok = lt_diags_total(&d) == 0;
	if (!ok)
		web_error(c, WEB_KIND_API, LT_EINVAL, "The query is not valid.", &d);
	lt_diags_release(&d);
	return ok;
}

/* The required purpose of a read: from the query, or a 400 naming it. */
static bool purpose_of(struct web_call *c, struct web_form *q, const char **purpose)
{
	if (!query_get(c, q, "purpose", LT_AUDIT_PURPOSE_MAX, purpose))
		return false;
	if (*purpose && (*purpose)[0])
		return true;
	struct lt_diags d;
	lt_diags_init(&d);
	web_query_bad(
	    &d, "purpose",
	    "is required: say why you need this person's data (it is written to the audit "
	    "log)");
	web_error(c, WEB_KIND_API, LT_EINVAL, "A read of personal data needs a purpose.", &d);
	lt_diags_release(&d);
	return false;
}

/* ---- JSON bodies to patches -------------------------------------------------------- */

/* Is the nesting of arrays and objects at most `max` deep? (Brackets in
 * strings do not count; malformed JSON may pass, jansson refuses it.) */
static bool depth_ok(const char *s, size_t len, int max)
{
	int depth = 0;
	bool str = false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				str = false;
		} else if (ch == '"') {
			str = true;
		} else if (ch == '[' || ch == '{') {
			if (++depth > max)
				return false;
		} else if (ch == ']' || ch == '}') {
			depth--;
		}
	}
	return true;
}

/* The body as a JSON object, or an error answer. `patch` also accepts
 * application/merge-patch+json. */
static json_t *body_object(struct web_call *c, bool patch)
{
	const struct web_request *rq = c->rq;
	char msg[LT_MESSAGE_MAX + 96];
	json_error_t jerr;
	if (!web_content_type_is(rq->content_type, "application/json") &&
	    !(patch && web_content_type_is(rq->content_type, "application/merge-patch+json"))) {
		web_error(c, WEB_KIND_API, LT_EMEDIATYPE,
		          "The body must be a JSON object sent as Content-Type: application/json.",
		          NULL);
		web_response_header(c->rs, patch ? "Accept-Patch" : "Accept-Post",
		                    patch ? "application/json, application/merge-patch+json"
		                          : "application/json");
		return NULL;
	}
	if (!depth_ok(rq->body ? rq->body : "", rq->body_len, LT_HTTP_JSON_DEPTH_MAX)) {
		snprintf(msg, sizeof(msg), "The JSON is nested more than %d levels deep.",
		         LT_HTTP_JSON_DEPTH_MAX);
		web_error(c, WEB_KIND_API, LT_EPARSE, msg, NULL);
		return NULL;
	}
	json_t *doc =
	    json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		/* jansson ends its message with the text it stopped at ("... near
		 * '\"Ana'"), which may be a piece of a personal value: only the
		 * position is given back. */
		char *near = strstr(jerr.text, " near '");
		if (near)
			*near = '\0';
		snprintf(msg, sizeof(msg), "The body is not valid JSON: %s (line %d, column %d).",
		         jerr.text, jerr.line, jerr.column);
		web_error(c, WEB_KIND_API, LT_EPARSE, msg, NULL);
		return NULL;
	}
	if (!json_is_object(doc)) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The body must be a JSON object.", NULL);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* A patch built from a JSON object: the strings point into the document or
 * into `num` (integers and booleans written as text). */
struct jpatch {
	struct lt_patch_item items[16];
	const char *vals[16][LIST_MAX];
	size_t lens[16][LIST_MAX];
	char num[16][LIST_MAX][24];
	struct lt_patch p;
};

static void bad(struct lt_diags *d, const char *field, const char *msg)
{
	struct lt_error e;
	lt_error_clear(&e);
	lt_error_set(&e, LT_EINVAL, field, "%s", msg);
	lt_diags_add(d, &e);
}

/* One JSON value as the text a field parser takes; false when its type is
 * not the field's. */
static bool value_text(const struct lt_pfield *f, json_t *v, char num[24], const char **s,
                       size_t *n)
{
	if (f->flags & LT_PF_ID) {
		if (!json_is_integer(v))
			return false;
		snprintf(num, 24, "%lld", (long long)json_integer_value(v));
		*s = num;
		*n = strlen(num);
		return true;
	}
	if (f->flags & LT_PF_BOOL) {
		if (!json_is_boolean(v))
			return false;
		*s = json_is_true(v) ? "true" : "false";
		*n = strlen(*s);
		return true;
	}
	if (!json_is_string(v))
		return false;
	*s = json_string_value(v);
	*n = json_string_length(v);
	return true;
}

static const char *type_words(const struct lt_pfield *f)
{
	if (f->flags & LT_PF_LIST)
		return f->flags & LT_PF_ID ? "must be an array of ids (integers)"
		                           : "must be an array of strings";
	if (f->flags & LT_PF_ID)
		return "must be an id (an integer)";
	if (f->flags & LT_PF_BOOL)
		return "must be true or false";
	return "must be a string";
}

/* Build a patch from `doc`; every member of a wrong name or type into `d`. */
static void patch_build(json_t *doc, const struct lt_pfield *fields, size_t nf, struct jpatch *jp,
                        struct lt_diags *d)
{
	const char *key;
	json_t *v;
	size_t n = 0;
	LT_ASSERT(nf <= 16);
	memset(&jp->p, 0, sizeof(jp->p));
	json_object_foreach(doc, key, v)
	{
		const struct lt_pfield *f = lt_pfield_find(fields, nf, key, strlen(key));
		if (!f) {
			bad(d, key, "is not a member of this record");
			continue;
		}
		struct lt_patch_item *it = &jp->items[n];
		it->field = f;
		it->values = jp->vals[n];
		it->lens = jp->lens[n];
		it->n = 0;
		if (json_is_null(v)) {
			n++;
			continue;
		}
		if (f->flags & LT_PF_LIST) {
			if (!json_is_array(v)) {
				bad(d, key, type_words(f));
				continue;
			}
			if (json_array_size(v) > LIST_MAX) {
				bad(d, key, "has too many values");
				continue;
			}
			bool ok = true;
			for (size_t i = 0; ok && i < json_array_size(v); i++)
				ok = value_text(f, json_array_get(v, i), jp->num[n][i],
				                &jp->vals[n][i], &jp->lens[n][i]);
			if (!ok) {
				bad(d, key, type_words(f));
				continue;
			}
			it->n = json_array_size(v);
		} else {
			if (!value_text(f, v, jp->num[n][0], &jp->vals[n][0], &jp->lens[n][0])) {
				bad(d, key, type_words(f));
				continue;
			}
			it->n = 1;
		}
		n++;
	}
	jp->p.items = jp->items;
	jp->p.n = n;
}

/* ---- records to JSON ------------------------------------------------------------- */

/* The members of `rec` by its field table: absent scalars are null, empty
 * lists []. */
static json_t *fields_json(const struct lt_pfield *fields, size_t nf, const void *rec)
{
	json_t *o = json_object();
	struct lt_buf b;
	lt_buf_init(&b, LT_TEXT_MAX + 64);
	for (size_t i = 0; o && i < nf; i++)
		json_object_set_new(o, fields[i].name, web_field_json(&fields[i], rec, &b));
	if (b.data)
		lt_crypto_wipe(b.data, b.cap);
	lt_buf_release(&b);
	return o;
}

static void stamp_json(json_t *o, int64_t id, const char *agency, const char *created,
                       const char *updated)
{
	json_object_set_new(o, "id", json_integer((json_int_t)id));
	json_object_set_new(o, "agency", json_string(agency));
	json_object_set_new(o, "created_at", json_string(created));
	json_object_set_new(o, "updated_at", json_string(updated));
}

static json_t *person_json(const struct lt_person *p)
{
	json_t *o = fields_json(lt_person_fields, lt_person_field_count, p);
	if (o) {
		stamp_json(o, p->id, p->agency, p->created_at, p->updated_at);
		json_object_set_new(o, "erased", json_boolean(p->erased));
	}
	return o;
}

static json_t *referral_json(const struct lt_referral *r)
{
	json_t *o = fields_json(lt_referral_fields, lt_referral_field_count, r);
	if (o) {
		stamp_json(o, r->id, r->agency, r->created_at, r->updated_at);
		json_object_set_new(o, "erased", json_boolean(r->erased));
	}
	return o;
}

static json_t *case_json(const struct lt_case *k)
{
	json_t *o = fields_json(lt_case_fields, lt_case_field_count, k);
	if (o)
		stamp_json(o, k->id, k->agency, k->created_at, k->updated_at);
	return o;
}

static void created(struct web_call *c, const char *kind, int64_t id, json_t *doc)
{
	char location[80];
	snprintf(location, sizeof(location), "/api/v1/%s/%lld", kind, (long long)id);
	web_answer_json(c, 201, doc);
	if (c->rs->status == 201)
		web_response_header(c->rs, "Location", location);
}

/* ---- persons ----------------------------------------------------------------------- */

void web_api_persons_search(struct web_call *c)
{
	static const char *const also[] = {"name", "dob", "purpose", NULL};
	const struct lt_crypto_keyring *keys;
	struct web_form q;
	struct web_paging pg;
	struct store_person_query sq;
	struct lt_diags d;
	struct lt_error err;
	int64_t ids[LT_PERSON_FIND_MAX];
	const char *name = NULL, *dob = NULL;
	size_t n = 0;
	bool more = false;
	lt_status st;

	memset(&sq, 0, sizeof(sq));
	lt_error_clear(&err);
	lt_diags_init(&d);
	if (!web_query_parse(c, &q))
		return;
	if (web_paging_parse(&q, "persons", also, &pg, &d) != LT_OK) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The query is not valid.", &d);
		goto out;
	}
	if (!(keys = web_data_keys(c, "seal or open")) || !purpose_of(c, &q, &sq.purpose) ||
	    !query_get(c, &q, "name", LT_PERSON_NAME_MAX, &name) ||
	    !query_get(c, &q, "dob", 10, &dob))
		goto out;
	sq.name = name;
	sq.name_len = name ? strlen(name) : 0;
	sq.before = pg.after;
	sq.limit = pg.limit < LT_PERSON_FIND_MAX ? pg.limit : LT_PERSON_FIND_MAX;
	if (dob && dob[0] && lt_date_parse(dob, strlen(dob), &sq.dob, "dob", NULL) != LT_OK) {
		/* a date of birth is personal: say what is wrong without quoting it */
		lt_error_set(&err, LT_EINVAL, "dob",
		             "is not a date of birth (YYYY-MM-DD, YYYY-MM or YYYY, from %d)",
		             LT_YEAR_MIN);
		store_failed(c, LT_EINVAL, &err, NULL, "search");
		goto out;
	}
	st = store_person_find(c->app->st, keys, &c->who->p, &sq, ids, &n, &more, &err);
	if (st != LT_OK) {
		store_failed(c, st, &err, NULL, "search");
		goto out;
	}
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		json_array_append_new(items, json_pack("{s:I}", "id", (json_int_t)ids[i]));
	web_paging_answer(c, "persons", &q, &pg, items ? items : json_array(), more,
	                  n ? ids[n - 1] : 0);
out:
	lt_diags_release(&d);
	web_form_release(&q);
}

void web_api_person_erase(struct web_call *c)
{
	struct web_form q;
	struct lt_error err;
	const char *reason = NULL;
	int64_t id;
	lt_status st;

	lt_error_clear(&err);
	if (!web_param_id(c, "person", &id) || !web_query_parse(c, &q))
		return;
	if (!query_get(c, &q, "reason", LT_AUDIT_PURPOSE_MAX, &reason))
		goto out;
	if ((st = store_person_erase(c->app->st, &c->who->p, id, reason, &err)) != LT_OK) {
		store_failed(c, st, &err, NULL, "person");
		goto out;
	}
	web_answer_json(c, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "erased", 1));
out:
	web_form_release(&q);
}

/* ---- creating, reading and changing a record, by its kind ------------------------ */

/*
 * What POST /api/v1/{persons,referrals,cases}, and GET and PATCH of
 * .../{id}, do differently: the record's word and its collection's, its
 * field table, whether its personal data needs the data keys, and the
 * store's calls. `add` makes a record from patch `patch` (every member of
 * the body), checks it — its problems into `d`, and then nothing is
 * stored — and stores it, answering its id and JSON (*doc, NULL when out
 * of memory); `read` reads record `id` for `purpose` into its JSON;
 * `change` applies patch `patch`, the request's field problems into `d`.
 */
struct record_kind {
	const char *what;
	const char *plural;
	const struct lt_pfield *fields;
	const size_t *nf;
	bool keys;
	lt_status (*add)(struct web_call *c, const struct lt_crypto_keyring *keys,
	                 const struct lt_patch *patch, struct lt_diags *d, int64_t *id,
	                 json_t **doc, struct lt_error *err);
	lt_status (*read)(struct web_call *c, const struct lt_crypto_keyring *keys, int64_t id,
	                  const char *purpose, json_t **doc, struct lt_error *err);
	lt_status (*change)(struct web_call *c, const struct lt_crypto_keyring *keys, int64_t id,
	                    const struct lt_patch *patch, struct lt_diags *d, struct lt_error *err);
};

static lt_status person_add(struct web_call *c, const struct lt_crypto_keyring *keys,
                            const struct lt_patch *patch, struct lt_diags *d, int64_t *id,
                            json_t **doc, struct lt_error *err)
{
	struct lt_person p;
	lt_status st = LT_EINVAL;
	lt_person_init(&p);
	lt_patch_apply(lt_person_fields, lt_person_field_count, &p, patch, d);
	lt_person_check(&p, &c->rq->today, d);
	if (lt_diags_total(d) == 0 &&
	    (st = store_person_add(c->app->st, keys, &c->who->p, &p, err)) == LT_OK) {
		/* the likely matches the caller may see, so it is warned at once
		 * (api_matches.c); null, not an empty list, when the search failed:
		 * the person is recorded, and "no likely match" would be a false
		 * reassurance */
		json_t *likely = web_likely_matches(c, keys, &p);
		*id = p.id;
		if ((*doc = person_json(&p)) != NULL)
			json_object_set_new(*doc, "likely_matches", likely ? likely : json_null());
		else
			json_decref(likely);
	}
	lt_person_release(&p);
	return st;
}

static lt_status person_read(struct web_call *c, const struct lt_crypto_keyring *keys, int64_t id,
                             const char *purpose, json_t **doc, struct lt_error *err)
{
	struct lt_person p;
	lt_person_init(&p);
	lt_status st = store_person_get(c->app->st, keys, &c->who->p, id, purpose, &p, err);
	*doc = st == LT_OK ? person_json(&p) : NULL;
	lt_person_release(&p);
	return st;
}

static lt_status person_change(struct web_call *c, const struct lt_crypto_keyring *keys, int64_t id,
                               const struct lt_patch *patch, struct lt_diags *d,
                               struct lt_error *err)
{
	return store_person_update(c->app->st, keys, &c->who->p, id, patch, &c->rq->today, d, err);
}

static lt_status referral_add(struct web_call *c, const struct lt_crypto_keyring *keys,
                              const struct lt_patch *patch, struct lt_diags *d, int64_t *id,
                              json_t **doc, struct lt_error *err)
{
	struct lt_referral r;
	lt_status st = LT_EINVAL;
	lt_referral_init(&r);
	lt_patch_apply(lt_referral_fields, lt_referral_field_count, &r, patch, d);
	lt_referral_check(&r, &c->rq->today, d);
	if (lt_diags_total(d) == 0 &&
	    (st = store_referral_add(c->app->st, keys, &c->who->p, &r, err)) == LT_OK) {
		*id = r.id;
		*doc = referral_json(&r);
	}
	lt_referral_release(&r);
	return st;
}

static lt_status referral_read(struct web_call *c, const struct lt_crypto_keyring *keys, int64_t id,
                               const char *purpose, json_t **doc, struct lt_error *err)
{
	struct lt_referral r;
	lt_referral_init(&r);
	lt_status st = store_referral_get(c->app->st, keys, &c->who->p, id, purpose, &r, err);
	*doc = st == LT_OK ? referral_json(&r) : NULL;
	lt_referral_release(&r);
	return st;
}

static lt_status referral_change(struct web_call *c, const struct lt_crypto_keyring *keys,
                                 int64_t id, const struct lt_patch *patch, struct lt_diags *d,
                                 struct lt_error *err)
{
	return store_referral_update(c->app->st, keys, &c->who->p, id, patch, &c->rq->today, d,
	                             err);
}

static lt_status case_add(struct web_call *c, const struct lt_crypto_keyring *keys,
                          const struct lt_patch *patch, struct lt_diags *d, int64_t *id,
                          json_t **doc, struct lt_error *err)
{
	struct lt_case k;
	lt_status st = LT_EINVAL;
	lt_case_init(&k);
	lt_patch_apply(lt_case_fields, lt_case_field_count, &k, patch, d);
	lt_case_check(&k, &c->rq->today, d);
	if (lt_diags_total(d) == 0 &&
	    (st = store_case_open(c->app->st, &c->who->p, &k, err)) == LT_OK) {
		*id = k.id;
		*doc = case_json(&k);
	}
	return st;
}

static lt_status case_read(struct web_call *c, const struct lt_crypto_keyring *keys, int64_t id,
                           const char *purpose, json_t **doc, struct lt_error *err)
{
	struct lt_case k;
	lt_status st = store_case_get(c->app->st, &c->who->p, id, purpose, &k, err);
	*doc = st == LT_OK ? case_json(&k) : NULL;
	return st;
}

static lt_status case_change(struct web_call *c, const struct lt_crypto_keyring *keys, int64_t id,
                             const struct lt_patch *patch, struct lt_diags *d, struct lt_error *err)
{
	return store_case_update(c->app->st, &c->who->p, id, patch, &c->rq->today, d, err);
}

static const struct record_kind person_kind = {
    .what = "person",
    .plural = "persons",
    .fields = lt_person_fields,
    .nf = &lt_person_field_count,
    .keys = true,
    .add = person_add,
    .read = person_read,
    .change = person_change,
};
static const struct record_kind referral_kind = {
    .what = "referral",
    .plural = "referrals",
    .fields = lt_referral_fields,
    .nf = &lt_referral_field_count,
    .keys = true,
    .add = referral_add,
    .read = referral_read,
    .change = referral_change,
};
static const struct record_kind case_kind = {
    .what = "case",
    .plural = "cases",
    .fields = lt_case_fields,
    .nf = &lt_case_field_count,
    .keys = false,
    .add = case_add,
    .read = case_read,
    .change = case_change,
};

/* POST /api/v1/{kind}: a new record of the caller's agency; 201 with its
 * Location, or every problem of the body at once. */
static void record_create(struct web_call *c, const struct record_kind *kind)
{
	const struct lt_crypto_keyring *keys = NULL;
	struct lt_diags d;
	struct lt_error err;
	struct jpatch *jp = NULL;
	json_t *doc = NULL, *made = NULL;
	int64_t id = 0;
	lt_status st;

	lt_diags_init(&d);
	lt_error_clear(&err);
	if ((kind->keys && !(keys = web_data_keys(c, "seal or open"))) ||
	    !(doc = body_object(c, false)))
		goto out;
	if (!(jp = calloc(1, sizeof(*jp)))) {
		web_error(c, WEB_KIND_API, LT_ENOMEM, "Out of memory.", NULL);
		goto out;
	}
	patch_build(doc, kind->fields, *kind->nf, jp, &d);
	st = kind->add(c, keys, &jp->p, &d, &id, &made, &err);
	if (lt_diags_total(&d)) {
		char title[64];
		snprintf(title, sizeof(title), "The %s is not valid.", kind->what);
		web_error(c, WEB_KIND_API, LT_EINVAL, title, &d);
		goto out;
	}
	if (st != LT_OK) {
		store_failed(c, st, &err, NULL, kind->what);
		goto out;
	}
	created(c, kind->plural, id, made);
out:
	json_decref(doc);
	free(jp);
	lt_diags_release(&d);
}

/* GET .../{id}?purpose=: the record, audited by the store with the purpose. */
static void record_get(struct web_call *c, const struct record_kind *kind)
{
	const struct lt_crypto_keyring *keys = NULL;
	struct web_form q;
	struct lt_error err;
	const char *purpose = NULL;
	json_t *doc = NULL;
	int64_t id;
	lt_status st;

	lt_error_clear(&err);
	if (!web_param_id(c, kind->what, &id) || !web_query_parse(c, &q))
		return;
	if ((kind->keys && !(keys = web_data_keys(c, "seal or open"))) ||
	    !purpose_of(c, &q, &purpose))
		goto out;
	if ((st = kind->read(c, keys, id, purpose, &doc, &err)) != LT_OK) {
		store_failed(c, st, &err, NULL, kind->what);
		goto out;
	}
	web_answer_json(c, 200, doc);
out:
	web_form_release(&q);
}

/* PATCH .../{id}: the body's members changed, the others as they were. */
static void record_update(struct web_call *c, const struct record_kind *kind)
{
	const struct lt_crypto_keyring *keys = NULL;
	struct lt_diags d;
	struct lt_error err;
	struct jpatch *jp = NULL;
	json_t *doc = NULL;
	int64_t id;
	lt_status st;

	lt_diags_init(&d);
	lt_error_clear(&err);
	if (!web_param_id(c, kind->what, &id) ||
	    (kind->keys && !(keys = web_data_keys(c, "seal or open"))) ||
	    !(doc = body_object(c, true)))
		goto out;
	if (!(jp = calloc(1, sizeof(*jp)))) {
		web_error(c, WEB_KIND_API, LT_ENOMEM, "Out of memory.", NULL);
		goto out;
	}
	patch_build(doc, kind->fields, *kind->nf, jp, &d);
	if (lt_diags_total(&d)) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The changes are not valid.", &d);
		goto out;
	}
	if ((st = kind->change(c, keys, id, &jp->p, &d, &err)) != LT_OK) {
		store_failed(c, st, &err, &d, kind->what);
		goto out;
	}
	web_answer_json(c, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "updated", 1));
out:
	json_decref(doc);
	free(jp);
	lt_diags_release(&d);
}

void web_api_persons_create(struct web_call *c)
{
	record_create(c, &person_kind);
}

void web_api_referrals_create(struct web_call *c)
{
	record_create(c, &referral_kind);
}

void web_api_cases_create(struct web_call *c)
{
	record_create(c, &case_kind);
}

void web_api_person_get(struct web_call *c)
{
	record_get(c, &person_kind);
}

void web_api_person_update(struct web_call *c)
{
	record_update(c, &person_kind);
}

void web_api_referral_get(struct web_call *c)
{
	record_get(c, &referral_kind);
}

void web_api_referral_update(struct web_call *c)
{
	record_update(c, &referral_kind);
}

void web_api_case_get(struct web_call *c)
{
	record_get(c, &case_kind);
}

void web_api_case_update(struct web_call *c)
{
	record_update(c, &case_kind);
}

/* ---- arrests ----------------------------------------------------------------------- */

static json_t *arrest_json(const struct lt_arrest *a)
{
	char date[LT_DATE_TEXT];
	lt_date_format(&a->date, date);
	return json_pack("{s:I, s:s, s:s, s:s, s:s?}", "id", (json_int_t)a->id, "date", date,
	                 "offence", lt_vocab_term(&lt_vocab_offence, (size_t)a->offence)->code,
	                 "agency", a->agency, "case", a->case_ref[0] ? a->case_ref : NULL);
}

void web_api_arrests_create(struct web_call *c)
{
	struct lt_arrest a;
	struct lt_diags d;
	struct lt_error err;
	json_t *doc = NULL, *v;
	const char *key;
	lt_status st;

	lt_arrest_init(&a);
	lt_diags_init(&d);
	lt_error_clear(&err);
	if (!(doc = body_object(c, false)))
		goto out;
	json_object_foreach(doc, key, v)
	{
		const struct lt_field *f =
		    lt_field_find(lt_arrest_fields, lt_arrest_field_count, key, strlen(key));
		if (!f) {
			bad(&d, key, "is not a member of an arrest");
			continue;
		}
		if (json_is_null(v))
			continue;
		if (!json_is_string(v)) {
			bad(&d, key, "must be a string");
			continue;
		}
		if (strcmp(key, "agency") == 0 &&
		    strcmp(json_string_value(v), c->who->agency) != 0) {
			char msg[128];
			snprintf(msg, sizeof(msg),
			         "must be the caller's own agency (%s), or left out",
			         c->who->agency);
			bad(&d, key, msg);
			continue;
		}
		lt_error_clear(&err);
		if (json_string_length(v) &&
		    f->parse(&a, json_string_value(v), json_string_length(v), &err) != LT_OK)
			lt_diags_add(&d, &err);
	}
	snprintf(a.agency, sizeof(a.agency), "%s", c->who->agency);
	lt_arrest_check(&a, NULL, 0, &d);
	if (lt_diags_total(&d)) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The arrest is not valid.", &d);
		goto out;
	}
	lt_error_clear(&err);
	if ((st = store_arrest_add(c->app->st, &c->who->p, &a, &err)) != LT_OK) {
		store_failed(c, st, &err, NULL, "arrest");
		goto out;
	}
	created(c, "arrests", a.id, arrest_json(&a));
out:
	json_decref(doc);
	lt_diags_release(&d);
}

void web_api_arrest_get(struct web_call *c)
{
	struct lt_arrest a;
	struct lt_error err;
	int64_t id;
	lt_status st;

	lt_error_clear(&err);
	if (!web_param_id(c, "arrest", &id))
		return;
	if ((st = store_arrest_get(c->app->st, &c->who->p, id, &a, &err)) != LT_OK) {
		store_failed(c, st, &err, NULL, "arrest");
		return;
	}
	web_answer_json(c, 200, arrest_json(&a));
}

/* ---- shares ------------------------------------------------------------------------- */

static json_t *share_json(const struct lt_share *sh)
{
	json_t *o = fields_json(lt_share_fields, lt_share_field_count, sh);
	if (o) {
		json_object_set_new(o, "id", json_integer((json_int_t)sh->id));
		json_object_set_new(o, "from_agency", json_string(sh->from_agency));
		json_object_set_new(o, "created_at", json_string(sh->created_at));
		json_object_set_new(o, "revoked_at",
		                    sh->revoked_at[0] ? json_string(sh->revoked_at) : json_null());
	}
	return o;
}

void web_api_shares_create(struct web_call *c)
{
	struct lt_share sh;
	struct lt_diags d;
	struct lt_error err;
	struct jpatch *jp = NULL;
	json_t *doc = NULL;
	int64_t id;
	lt_status st;

	lt_share_init(&sh);
	lt_diags_init(&d);
	lt_error_clear(&err);
	if (!web_param_id(c, "person", &id) || !(doc = body_object(c, false)))
		goto out;
	if (!(jp = calloc(1, sizeof(*jp)))) {
		web_error(c, WEB_KIND_API, LT_ENOMEM, "Out of memory.", NULL);
		goto out;
	}
	if (json_object_get(doc, "person")) {
		bad(&d, "person", "is the person of the address; leave it out");
		json_object_del(doc, "person");
	}
	patch_build(doc, lt_share_fields, lt_share_field_count, jp, &d);
	lt_patch_apply(lt_share_fields, lt_share_field_count, &sh, &jp->p, &d);
	sh.person_id = id;
	lt_share_check(&sh, &c->rq->today, &d);
	if (lt_diags_total(&d)) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The share is not valid.", &d);
		goto out;
	}
	if ((st = store_share_create(c->app->st, &c->who->p, &sh, &err)) != LT_OK) {
		store_failed(c, st, &err, NULL, st == LT_ENOTFOUND ? "person" : "share");
		goto out;
	}
	char location[96];
	snprintf(location, sizeof(location), "/api/v1/persons/%lld/shares/%lld", (long long)id,
	         (long long)sh.id);
	web_answer_json(c, 201, share_json(&sh));
	if (c->rs->status == 201)
		web_response_header(c->rs, "Location", location);
out:
	json_decref(doc);
	free(jp);
	lt_diags_release(&d);
}

static int share_cmp_desc(const void *a, const void *b)
{
	int64_t x = ((const struct lt_share *)a)->id, y = ((const struct lt_share *)b)->id;
	return x < y ? 1 : x > y ? -1 : 0;
}

void web_api_shares_list(struct web_call *c)
{
	struct web_form q;
	struct web_paging pg;
	struct lt_diags d;
	struct lt_error err;
	struct lt_share *v = NULL;
	size_t n = 0;
	int64_t id;
	lt_status st;

	lt_diags_init(&d);
	lt_error_clear(&err);
	if (!web_param_id(c, "person", &id) || !web_query_parse(c, &q))
		return;
	if (web_paging_parse(&q, "shares", NULL, &pg, &d) != LT_OK) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The query is not valid.", &d);
		goto out;
	}
	/* audited ("share.list"): whom a person was shared with, and why, is theirs */
	if ((st = store_share_read(c->app->st, &c->who->p, id, &v, &n, &err)) != LT_OK) {
		store_failed(c, st, &err, NULL, "person");
		goto out;
	}
	/* newest first, below the cursor, a page at a time, like every list */
	if (n > 1)
		qsort(v, n, sizeof(*v), share_cmp_desc);
	json_t *items = json_array();
	size_t shown = 0;
	int64_t last = 0;
	bool more = false;
	for (size_t i = 0; items && i < n; i++) {
		if (pg.after && v[i].id >= pg.after)
			continue;
		if (shown == pg.limit) {
			more = true;
			break;
		}
		json_array_append_new(items, share_json(&v[i]));
		last = v[i].id;
		shown++;
	}
	web_paging_answer(c, "shares", &q, &pg, items ? items : json_array(), more, last);
out:
	free(v);
	lt_diags_release(&d);
	web_form_release(&q);
}

void web_api_share_revoke(struct web_call *c)
{
	struct lt_error err;
	struct lt_share *v = NULL;
	size_t n = 0;
	int64_t id, sid;
	lt_status st;
	bool mine = false;

	lt_error_clear(&err);
	if (!web_param_id(c, "person", &id))
		return;
	{
		/* the share's own id is the second segment */
		struct web_call c2 = *c;
		c2.param = c->param2;
		if (!web_param_id(&c2, "share", &sid))
			return;
	}
	/* The share must be one of this person's that the caller sees: one who
	 * reads the person or may share it (an agency administrator, who reads
	 * no person; tests/web/test_web_matrix.c found it refused when the list
	 * needed person.read). */
	if ((st = store_share_list(c->app->st, &c->who->p, id, &v, &n, &err)) != LT_OK) {
		store_failed(c, st, &err, NULL, "share");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		mine = mine || v[i].id == sid;
	if (!mine) {
		web_error(c, WEB_KIND_API, LT_ENOTFOUND, "There is no such share that you can see.",
		          NULL);
		goto out;
	}
	if ((st = store_share_revoke(c->app->st, &c->who->p, sid, &err)) != LT_OK) {
		store_failed(c, st, &err, NULL, "share");
		goto out;
	}
	web_answer_json(c, 200, json_pack("{s:I, s:b}", "id", (json_int_t)sid, "revoked", 1));
out:
	free(v);
}

/* ---- the data keys ------------------------------------------------------------------- */

lt_status web_app_data_keys(struct web_app *app, const struct lt_crypto_keyring *keys,
                            struct lt_error *err)
{
	struct store_key_status ks;
	struct lt_crypto_keyring *k;
	lt_status st = store_data_keys_status(app->st, keys, &ks, err);
	if (st != LT_OK)
		return st;
	for (size_t i = 0; i < ks.n; i++) {
		const struct store_key_info *x = &ks.keys[i];
		if (x->in_keyring && !x->check_ok)
			return lt_error_set(
			    err, LT_ECRYPTO, "data-key",
			    "data key %lu of the key file is not this database's data "
			    "key %lu (another installation's key file?)",
			    (unsigned long)x->id, (unsigned long)x->id);
		if (x->persons > 0 && !x->in_keyring)
			return lt_error_set(
			    err, LT_ECRYPTO, "data-key",
			    "%ld persons are sealed under data key %lu, which the key "
			    "file does not hold",
			    x->persons, (unsigned long)x->id);
		if (x->id > lt_crypto_keyring_current(keys)->id)
			return lt_error_set(err, LT_ECRYPTO, "data-key",
			                    "the database has a newer data key (%lu) than the key "
			                    "file's current key: use the key file of the rotation",
			                    (unsigned long)x->id);
	}
	if (!(k = malloc(sizeof(*k))))
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	*k = *keys;
	web_app_data_keys_release(app);
	app->data_keys = k;
	return LT_OK;
}

void web_app_data_keys_release(struct web_app *app)
{
	if (!app->data_keys)
		return;
	lt_crypto_keyring_wipe(app->data_keys);
	free(app->data_keys);
	app->data_keys = NULL;
}

/* ---- the OpenAPI documentation of these routes (route.c points at it) ---------- */

#define S_ID   "{\"type\":\"integer\",\"minimum\":1}"
#define S_TIME "{\"type\":\"string\",\"format\":\"date-time\"}"

static const char *const h_location[] = {"Location", NULL};

#define PATH_ID(what)                                                                              \
	{                                                                                          \
		.name = "id", .in = WEB_IN_PATH, .required = true, .schema = S_ID,                 \
		.description = "The " what "'s id."                                                \
	}

static const struct web_api_param p_id_purpose[] = {
    PATH_ID("record"),
    {.name = "purpose",
     .in = WEB_IN_QUERY,
     .required = true,
     .schema = "{\"type\":\"string\",\"minLength\":1,\"maxLength\":200}",
     .description = "Why the record is read: written to the audit log with the reader and "
                    "the person (one line, never personal data)."},
    {0}};
static const struct web_api_param p_id[] = {PATH_ID("record"), {0}};
static const struct web_api_param p_erase[] = {
    PATH_ID("person"),
    {.name = "reason",
     .in = WEB_IN_QUERY,
     .required = true,
     .schema = "{\"type\":\"string\",\"minLength\":1,\"maxLength\":200}",
     .description = "Why the person is erased (an erasure request's reference): audited."},
    {0}};
static const struct web_api_param p_search[] = {
    {.name = "name",
     .in = WEB_IN_QUERY,
     .schema = "{\"type\":\"string\"}",
     .description = "Any of a person's names or aliases, whole or by all of its words; case, "
                    "accents, punctuation and spacing do not matter."},
    {.name = "dob",
     .in = WEB_IN_QUERY,
     .schema = "{\"type\":\"string\",\"pattern\":\"^[0-9]{4}(-[0-9]{2}){0,2}$\"}",
     .description = "A date of birth, matched at the precision given."},
    {.name = "purpose",
     .in = WEB_IN_QUERY,
     .required = true,
     .schema = "{\"type\":\"string\",\"minLength\":1,\"maxLength\":200}",
     .description = "Why the search is made: each person found is audited with it."},
    {0}};

/* Members of the field tables whose JSON type the flags do not say. */
static const struct web_api_member person_types[] = {
    {.name = "sex", .vocab = &lt_vocab_sex},
    {.name = "nationality", .vocab = &lt_vocab_country},
    {.name = "languages",
     .schema = "{\"type\":\"array\",\"maxItems\":8,\"items\":{\"type\":\"string\","
               "\"pattern\":\"^[a-z]{2,3}$\",\"description\":\"ISO 639-1, else ISO 639-2\"}}"},
    {.name = "dob",
     .schema = "{\"type\":[\"string\",\"null\"],\"pattern\":\"^[0-9]{4}(-[0-9]{2}){0,2}$\"}"},
    {0}};
static const struct web_api_member referral_types[] = {
    {.name = "forms", .vocab = &lt_vocab_form, .list = true},
    {.name = "place", .vocab = &lt_vocab_place},
    {.name = "district", .vocab = &lt_vocab_district},
    {.name = "country", .vocab = &lt_vocab_country},
    {.name = "date", .schema = "{\"type\":\"string\",\"pattern\":\"^[0-9]{4}(-[0-9]{2}){0,2}$\"}"},
    {0}};
static const struct web_api_member case_types[] = {
    {.name = "forms",
     .schema = "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"description\":\"A "
               "form of exploitation's code.\"}}"},
    {.name = "status", .vocab = &lt_vocab_case_status},
    {.name = "persons", .schema = "{\"type\":\"array\",\"items\":" S_ID ",\"maxItems\":64}"},
    {0}};

#define STAMP_EXTRA                                                                                \
	"\"id\":" S_ID ",\"agency\":{\"type\":\"string\",\"description\":\"The owning "            \
	"agency's code.\"},\"created_at\":" S_TIME ",\"updated_at\":" S_TIME

static const struct web_api_schema s_person_in = {
    .name = "PersonInput",
    .description = "A person, in the name of the caller's agency. Every member but name may be "
                   "left out or null; all are personal data, encrypted at rest.",
    .pfields = lt_person_fields,
    .npfields = &lt_person_field_count,
    .types = person_types,
    .nullable = true,
    .closed = true};
static const struct web_api_schema s_person_patch = {.name = "PersonChange",
                                                     .description =
                                                         "The members to change; null clears one.",
                                                     .pfields = lt_person_fields,
                                                     .npfields = &lt_person_field_count,
                                                     .types = person_types,
                                                     .nullable = true,
                                                     .none_required = true,
                                                     .closed = true};
/* As answered: even the name is null once the person is erased. */
static const struct web_api_member person_out_types[] = {
    {.name = "name", .schema = "{\"type\":[\"string\",\"null\"]}"},
    {.name = "sex", .vocab = &lt_vocab_sex},
    {.name = "nationality", .vocab = &lt_vocab_country},
    {.name = "languages",
     .schema = "{\"type\":\"array\",\"maxItems\":8,\"items\":{\"type\":\"string\","
               "\"pattern\":\"^[a-z]{2,3}$\",\"description\":\"ISO 639-1, else ISO 639-2\"}}"},
    {.name = "dob",
     .schema = "{\"type\":[\"string\",\"null\"],\"pattern\":\"^[0-9]{4}(-[0-9]{2}){0,2}$\"}"},
    {0}};
static const struct web_api_schema s_person = {
    .name = "Person",
    .description = "A person as stored. When erased, every personal member is null.",
    .pfields = lt_person_fields,
    .npfields = &lt_person_field_count,
    .types = person_out_types,
    .extra = "{" STAMP_EXTRA ",\"erased\":{\"type\":\"boolean\"}}",
    .nullable = true,
    .all_required = true,
    .closed = true};
static const struct web_api_schema s_person_created = {
    .name = "PersonCreated",
    .description = "A person as stored, with the likely matches the caller may read "
                   "(api_matches.c): persons found by the blind index and scored by the "
                   "linkage model at probability 0.5 or above, best first, each with its "
                   "waterfall explanation; every person compared is audited (person.link). "
                   "likely_matches is null when the "
                   "search could not be made (the person is recorded all the same; "
                   "GET /api/v1/persons/{id}/matches searches again).",
    .pfields = lt_person_fields,
    .npfields = &lt_person_field_count,
    .types = person_out_types,
    .extra = "{" STAMP_EXTRA ",\"erased\":{\"type\":\"boolean\"},\"likely_matches\":{"
             "\"type\":[\"array\",\"null\"],\"items\":{\"type\":\"object\",\"required\":[\"id\","
             "\"agency\",\"probability\",\"decision\",\"explanation\"],\"properties\":{"
             "\"id\":" S_ID ",\"agency\":{\"type\":\"string\"},\"probability\":{"
             "\"type\":\"number\",\"minimum\":0,\"maximum\":1},\"decision\":{\"enum\":"
             "[\"same\",null]},\"explanation\":{\"type\":[\"object\",\"null\"],"
             "\"description\":\"The waterfall of the pair of names that scored highest "
             "(docs/linkage.md, Reading the waterfall).\"}}}}}",
    .nullable = true,
    .all_required = true,    .closed = true,
};
static const struct web_api_schema s_referral_in = {
    .name = "ReferralInput",
    .description = "A referral of a person the caller may read, in the name of the caller's "
                   "agency. Notes, support needs and police intelligence are personal data, "
                   "encrypted at rest under the person's key.",
    .pfields = lt_referral_fields,
    .npfields = &lt_referral_field_count,
    .types = referral_types,
    .nullable = true,
    .closed = true};
static const struct web_api_schema s_referral_patch = {
    .name = "ReferralChange",
    .description = "The members to change; null clears one. The person cannot change.",
    .pfields = lt_referral_fields,
    .npfields = &lt_referral_field_count,
    .types = referral_types,
    .nullable = true,
    .none_required = true,
    .closed = true};
static const struct web_api_schema s_referral = {
    .name = "Referral",
    .description = "A referral as stored; its personal members are null once its person was "
                   "erased.",
    .pfields = lt_referral_fields,
    .npfields = &lt_referral_field_count,
    .types = referral_types,
    .extra = "{" STAMP_EXTRA ",\"erased\":{\"type\":\"boolean\"}}",
    .nullable = true,
    .all_required = true,
    .closed = true};
static const struct web_api_schema s_case_in = {
    .name = "CaseInput",
    .description = "A case of the caller's agency about persons the caller may read.",
    .pfields = lt_case_fields,
    .npfields = &lt_case_field_count,
    .types = case_types,
    .nullable = true,
    .closed = true};
static const struct web_api_schema s_case_patch = {
    .name = "CaseChange",
    .description = "The members to change; null clears one; persons replaces the list.",
    .pfields = lt_case_fields,
    .npfields = &lt_case_field_count,
    .types = case_types,
    .nullable = true,
    .none_required = true,
    .closed = true};
static const struct web_api_schema s_case = {.name = "Case",
                                             .pfields = lt_case_fields,
                                             .npfields = &lt_case_field_count,
                                             .types = case_types,
                                             .extra = "{" STAMP_EXTRA "}",
                                             .nullable = true,
                                             .all_required = true,
                                             .closed = true};
static const struct web_api_schema s_arrest_in = {
    .name = "ArrestInput",
    .description = "An arrest by the caller's agency (agency may be left out).",
    .json = "{\"type\":\"object\",\"required\":[\"date\",\"offence\"],\"additionalProperties\":"
            "false,\"properties\":{\"date\":{\"type\":\"string\",\"pattern\":\"^[0-9]{4}(-[0-9]"
            "{2}){0,2}$\"},\"offence\":{\"type\":\"string\"},\"agency\":{\"type\":[\"string\","
            "\"null\"]},\"case\":{\"type\":[\"string\",\"null\"],\"description\":\"The "
            "reference of a case the caller may read.\"}}}"};
static const struct web_api_schema s_arrest = {
    .name = "Arrest",
    .json = "{\"type\":\"object\",\"required\":[\"id\",\"date\",\"offence\",\"agency\"],"
            "\"properties\":{\"id\":" S_ID ",\"date\":{\"type\":\"string\"},\"offence\":"
            "{\"type\":\"string\"},\"agency\":{\"type\":\"string\"},\"case\":{\"type\":"
            "[\"string\",\"null\"]}}}"};
static const struct web_api_schema s_changed = {
    .json = "{\"type\":\"object\",\"required\":[\"id\",\"updated\"],\"properties\":{\"id\":" S_ID
            ",\"updated\":{\"const\":true}}}"};
static const struct web_api_schema s_erased = {
    .json = "{\"type\":\"object\",\"required\":[\"id\",\"erased\"],\"properties\":{\"id\":" S_ID
            ",\"erased\":{\"const\":true}}}"};
static const struct web_api_schema s_found = {
    .name = "PersonFound",
    .description = "A person found, by id: read it with its purpose.",
    .json = "{\"type\":\"object\",\"required\":[\"id\"],\"additionalProperties\":false,"
            "\"properties\":{\"id\":" S_ID "}}"};

static const lt_status e_create[] = {LT_ECRYPTO, LT_OK};
static const lt_status e_read[] = {LT_ENOTFOUND, LT_ECRYPTO, LT_OK};
static const lt_status e_change[] = {LT_ENOTFOUND, LT_EINVAL, LT_ECRYPTO, LT_OK};
static const lt_status e_case_create[] = {LT_EEXIST, LT_OK};
static const lt_status e_case_change[] = {LT_ENOTFOUND, LT_EEXIST, LT_OK};
static const lt_status e_found[] = {LT_ENOTFOUND, LT_OK};
static const lt_status e_erase[] = {LT_ENOTFOUND, LT_OK};
static const lt_status e_plain[] = {LT_OK};

/* One answer that is not an error, as a doc's responses. */
#define ANSWER(status_, what_, schema_, headers_)                                                  \
	((const struct web_api_response[]){{.status = status_,                                     \
	                                    .description = what_,                                  \
	                                    .media_type = "application/json",                      \
	                                    .schema = &schema_,                                    \
	                                    .headers = headers_},                                  \
	                                   {0}})

const struct web_api_doc web_doc_persons_create = {
    .summary = "Record a person",
    .tag = "persons",
    .bodies =
        (const struct web_api_body[]){{.media_type = "application/json", .schema = &s_person_in},
                                      {0}},
    .responses = ANSWER(201,
                        "Recorded: the person as stored, and its likely matches among the "
                        "persons the caller may read (likely_matches).",
                        s_person_created, h_location),
    .errors = e_create};
const struct web_api_doc web_doc_persons_search = {.summary =
                                                       "Find persons by name or date of birth",
                                                   .tag = "persons",
                                                   .params = p_search,
                                                   .page_of = &s_found,
                                                   .errors = e_found};
const struct web_api_doc web_doc_person_get = {
    .summary = "Read a person",
    .tag = "persons",
    .params = p_id_purpose,
    .responses = ANSWER(200, "The person; the read is in the audit log.", s_person, NULL),
    .errors = e_read};
const struct web_api_doc web_doc_person_update = {
    .summary = "Change a person",
    .tag = "persons",
    .params = p_id,
    .bodies =
        (const struct web_api_body[]){
            {.media_type = "application/json", .schema = &s_person_patch},
            {.media_type = "application/merge-patch+json", .schema = &s_person_patch},
            {0}},
    .responses = ANSWER(200, "Changed.", s_changed, NULL),
    .errors = e_change};
const struct web_api_doc web_doc_person_erase = {
    .summary = "Erase a person by destroying their key",
    .tag = "persons",
    .params = p_erase,
    .responses =
        ANSWER(200, "Erased: nothing personal of the person can be opened again.", s_erased, NULL),
    .errors = e_erase};
const struct web_api_doc web_doc_referrals_create = {
    .summary = "Record a referral",
    .tag = "persons",
    .bodies =
        (const struct web_api_body[]){{.media_type = "application/json", .schema = &s_referral_in},
                                      {0}},
    .responses = ANSWER(201, "Recorded: the referral as stored.", s_referral, h_location),
    .errors = e_create};
const struct web_api_doc web_doc_referral_get = {
    .summary = "Read a referral",
    .tag = "persons",
    .params = p_id_purpose,
    .responses = ANSWER(200, "The referral; the read is in the audit log.", s_referral, NULL),
    .errors = e_read};
const struct web_api_doc web_doc_referral_update = {
    .summary = "Change a referral",
    .tag = "persons",
    .params = p_id,
    .bodies =
        (const struct web_api_body[]){
            {.media_type = "application/json", .schema = &s_referral_patch},
            {.media_type = "application/merge-patch+json", .schema = &s_referral_patch},
            {0}},
    .responses = ANSWER(200, "Changed.", s_changed, NULL),
    .errors = e_change};
const struct web_api_doc web_doc_cases_create = {
    .summary = "Open a case",
    .tag = "persons",
    .bodies =
        (const struct web_api_body[]){{.media_type = "application/json", .schema = &s_case_in},
                                      {0}},
    .responses = ANSWER(201, "Opened: the case as stored.", s_case, h_location),
    .errors = e_case_create};
const struct web_api_doc web_doc_case_get = {
    .summary = "Read a case",
    .tag = "persons",
    .params = p_id_purpose,
    .responses = ANSWER(200, "The case; the read is in the audit log.", s_case, NULL),
    .errors = e_read};
const struct web_api_doc web_doc_case_update = {
    .summary = "Change a case",
    .tag = "persons",
    .params = p_id,
    .bodies =
        (const struct web_api_body[]){
            {.media_type = "application/json", .schema = &s_case_patch},
            {.media_type = "application/merge-patch+json", .schema = &s_case_patch},
            {0}},
    .responses = ANSWER(200, "Changed.", s_changed, NULL),
    .errors = e_case_change};
const struct web_api_doc web_doc_arrests_create = {
    .summary = "Record an arrest",
    .tag = "arrests",
    .bodies =
        (const struct web_api_body[]){{.media_type = "application/json", .schema = &s_arrest_in},
                                      {0}},
    .responses = ANSWER(201, "Recorded.", s_arrest, h_location),
    .errors = e_plain};
const struct web_api_doc web_doc_arrest_get = {.summary = "Read an arrest",
                                               .tag = "arrests",
                                               .params = p_id,
                                               .responses =
                                                   ANSWER(200, "The arrest.", s_arrest, NULL),
                                               .errors = e_found};

static const struct web_api_param p_person_id[] = {{.name = "id",
                                                    .in = WEB_IN_PATH,
                                                    .required = true,
                                                    .schema = S_ID,
                                                    .description = "The person's id."},
                                                   {0}};
static const struct web_api_param p_share_ids[] = {{.name = "id",
                                                    .in = WEB_IN_PATH,
                                                    .required = true,
                                                    .schema = S_ID,
                                                    .description = "The person's id."},
                                                   {.name = "share",
                                                    .in = WEB_IN_PATH,
                                                    .required = true,
                                                    .schema = S_ID,
                                                    .description = "The share's id."},
                                                   {0}};
static const struct web_api_member share_types[] = {
    {.name = "kind", .vocab = &lt_vocab_share_kind},
    {.name = "basis", .vocab = &lt_vocab_share_basis},
    {.name = "consent_by", .vocab = &lt_vocab_consent_by},
    {.name = "lawful_reason", .vocab = &lt_vocab_lawful_reason},
    {.name = "consent_at",
     .schema = "{\"type\":[\"string\",\"null\"],\"pattern\":\"^[0-9]{4}(-[0-9]{2}){0,2}$\"}"},
    {.name = "classes",
     .schema = "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"identity\","
               "\"contact\",\"support\",\"intelligence\"]}}"},
    {0}};
static const char *const share_in_omit[] = {"person", NULL};
static const struct web_api_schema s_share_in = {
    .name = "ShareInput",
    .description = "A referral or a transfer of the person of the address to another agency, "
                   "with its basis and purpose.",
    .pfields = lt_share_fields,
    .npfields = &lt_share_field_count,
    .types = share_types,
    .omit = share_in_omit,
    .nullable = true,
    .closed = true};
static const struct web_api_schema s_share = {
    .name = "Share",
    .pfields = lt_share_fields,
    .npfields = &lt_share_field_count,
    .types = share_types,
    .extra = "{\"id\":" S_ID ",\"from_agency\":{\"type\":\"string\"},\"created_at\":" S_TIME
             ",\"revoked_at\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}}",
    .nullable = true,
    .all_required = true,
    .closed = true};
static const struct web_api_schema s_revoked = {
    .json = "{\"type\":\"object\",\"required\":[\"id\",\"revoked\"],\"properties\":{\"id\":" S_ID
            ",\"revoked\":{\"const\":true}}}"};
static const lt_status e_share[] = {LT_ENOTFOUND, LT_OK};

const struct web_api_doc web_doc_shares_create = {
    .summary = "Share a person with another agency",
    .tag = "persons",
    .params = p_person_id,
    .bodies =
        (const struct web_api_body[]){{.media_type = "application/json", .schema = &s_share_in},
                                      {0}},
    .responses = ANSWER(201, "Shared: the share as recorded.", s_share, h_location),
    .errors = e_share};
const struct web_api_doc web_doc_shares_list = {.summary = "The shares of a person",
                                                .tag = "persons",
                                                .params = p_person_id,
                                                .page_of = &s_share,
                                                .errors = e_share};
const struct web_api_doc web_doc_share_revoke = {
    .summary = "Revoke a share",
    .tag = "persons",
    .params = p_share_ids,
    .responses =
        ANSWER(200, "Revoked: the receiver sees nothing of the person any more.", s_revoked, NULL),
    .errors = e_share};

/* ---- the records' JSON, for the subject access export (api_export.c) ---------------- */

json_t *web_person_json(const struct lt_person *p)
{
	return person_json(p);
}

json_t *web_referral_json(const struct lt_referral *r)
{
	return referral_json(r);
}

json_t *web_case_json(const struct lt_case *k)
{
	return case_json(k);
}

json_t *web_arrest_json(const struct lt_arrest *a)
{
	return arrest_json(a);
}

json_t *web_share_json(const struct lt_share *sh)
{
	return share_json(sh);
}
