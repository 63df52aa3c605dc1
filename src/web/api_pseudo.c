/*
 * api_pseudo.c — analysts' pseudonymised reads (person.read_pseudonymised;
 * docs/security.md, "Pseudonymised reads for analysts").
 *
 *   GET /api/v1/pseudonymised/persons?purpose=&agency=&referred_from=&referred_to=
 *       every person the caller may read pseudonymised, in the order of
 *       their pseudonyms, paged like every list (paging.c)
 *   GET /api/v1/pseudonymised/persons/{pseudonym}?purpose=
 *       one person by its pseudonym
 *
 * The answer's members are those of core/pseudo.h's tables, typed by their
 * flags as the members of persons are (api_persons.c), with "referrals",
 * "cases" and a case's "arrests" nested as arrays of objects
 * (lt_pseudo_nests). Nothing else of a person reaches this file: the store
 * hands back struct lt_pseudo_person, which has no field for a name, a
 * contact detail, free text, an exact date or a record id.
 *
 * Who may: the route's action is checked by the dispatcher (403 for every
 * role whose cell is empty: all but the analyst); the store checks each
 * person's scope and audits each person handed out with the purpose,
 * before anything is opened. A pseudonym that is not one, or is nobody's,
 * or an erased person's, answers 404. Referral dates are asked for by year
 * or month only, as they are shown.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/pseudo.h"
#include "core/banned.h"

#define LIST "pseudonymised" /* the name its cursors carry */

/* ---- answers ------------------------------------------------------------------ */

/* The members of `rec` by table `fields` (absent scalars null, empty lists
 * []), nested members as arrays of objects. */
static json_t *members_json(const struct lt_pfield *fields, size_t nf, const void *rec)
{
	json_t *o = json_object();
	struct lt_buf b;
	lt_buf_init(&b, LT_CODE_MAX + 64);
	for (size_t i = 0; o && i < nf; i++) {
		const struct lt_pfield *f = &fields[i];
		const struct lt_pseudo_nest *nest = lt_pseudo_nest_find(fields, f->name);
		if (!nest) {
			json_object_set_new(o, f->name, web_field_json(f, rec, &b));
			continue;
		}
		json_t *v = (f->flags & LT_PF_LIST) ? json_array() : NULL;
		for (size_t k = 0; v && k < nest->count(rec); k++)
			json_array_append_new(
			    v, members_json(nest->fields, *nest->nfields, nest->item(rec, k)));
		json_object_set_new(o, f->name, v ? v : json_null());
	}
	lt_buf_release(&b);
	return o;
}

/* What a failure says here (web_answer_failure): 404, 403 and 400 (naming
 * the field), a missing or wrong key 500 with its sentence, anything else
 * 500. */
static const struct web_failure_words failure_words = {
    .what = "person",
    .forbidden = "Your role may not read persons pseudonymised.",
    .invalid = "query",
    .crypto = "The persons' data could not be opened",
    .other = "The persons could not be read.",
    .flags = WEB_FAILURE_EINVAL_ONLY,
};

static json_t *person_json(const struct lt_pseudo_person *pp)
{
	return members_json(lt_pseudo_person_fields, lt_pseudo_person_field_count, pp);
}

/* ---- the query -------------------------------------------------------------------- */

/* A referral date bound: a year or a month, never a day. */
static void month_param(const struct web_form *q, const char *name, struct lt_date *out,
                        struct lt_diags *d)
{
	const char *v = web_query_param(q, name, LT_DATE_TEXT, d);
	struct lt_error e;
	memset(out, 0, sizeof(*out));
	if (!v || !v[0])
		return;
	lt_error_clear(&e);
	if (lt_date_parse(v, strlen(v), out, name, &e) != LT_OK) {
		lt_diags_add(d, &e);
		memset(out, 0, sizeof(*out));
	} else if (out->day != 0) {
		web_query_bad(
		    d, name,
		    "is a year or a month (YYYY or YYYY-MM): analysts never see a referral's "
		    "day, and do not ask by it");
		memset(out, 0, sizeof(*out));
	}
}

/* The required purpose into `d` when missing. */
static const char *purpose_param(const struct web_form *q, struct lt_diags *d)
{
	size_t before = lt_diags_total(d);
	const char *v = web_query_param(q, "purpose", LT_AUDIT_PURPOSE_MAX, d);
	if ((!v || !v[0]) && lt_diags_total(d) == before)
		web_query_bad(
		    d, "purpose",
		    "is required: say why you need these persons' data (it is written to the "
		    "audit log)");
	return v;
}

/* ---- the routes ----------------------------------------------------------------- */

void web_api_pseudo_list(struct web_call *c)
{
	static const char *const also[] = {"purpose", "agency", "referred_from", "referred_to",
	                                   NULL};
	const struct lt_crypto_keyring *keys;
	struct web_form q;
	struct web_paging pg;
	struct store_pseudo_query sq;
	struct lt_pseudo_person *out = NULL;
	struct lt_diags d;
	struct lt_error err;
	size_t n = 0;
	bool more = false;
	lt_status st;

	memset(&sq, 0, sizeof(sq));
	lt_diags_init(&d);
	lt_error_clear(&err);
	if (!web_query_parse(c, &q))
		return;
	web_paging_parse(&q, LIST, also, &pg, &d);
	sq.purpose = purpose_param(&q, &d);
	sq.agency = web_query_param(&q, "agency", LT_CODE_MAX - 1, &d);
	month_param(&q, "referred_from", &sq.from, &d);
	month_param(&q, "referred_to", &sq.to, &d);
	if (sq.from.year && sq.to.year && lt_date_cmp(&sq.from, &sq.to) > 0)
		web_query_bad(&d, "referred_to", "is before referred_from");
	if (lt_diags_total(&d)) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The query is not valid.", &d);
		goto out;
	}
	if (sq.agency && !sq.agency[0])
		sq.agency = NULL;
	if (!(keys = web_data_keys(c, "open")))
		goto out;
	sq.below = pg.after;
	sq.limit = pg.limit;
	if (!(out = calloc(pg.limit, sizeof(*out)))) {
		web_error(c, WEB_KIND_API, LT_ENOMEM, "Out of memory.", NULL);
		goto out;
	}
	st = store_pseudo_list(c->app->st, keys, &c->who->p, &sq, out, &n, &more, &err);
	if (st != LT_OK) {
		web_answer_failure(c, st, &err, NULL, &failure_words);
		goto out;
	}
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		json_array_append_new(items, person_json(&out[i]));
	web_paging_answer(c, LIST, &q, &pg, items ? items : json_array(), more,
	                  n ? out[n - 1].page_key : 0);
out:
	for (size_t i = 0; out && i < pg.limit; i++)
		lt_pseudo_person_release(&out[i]);
	free(out);
	lt_diags_release(&d);
	web_form_release(&q);
}

void web_api_pseudo_get(struct web_call *c)
{
	const struct lt_crypto_keyring *keys;
	struct web_form q;
	struct lt_pseudo_person *pp = NULL;
	struct lt_diags d;
	struct lt_error err;
	const char *purpose;
	lt_status st;

	lt_diags_init(&d);
	lt_error_clear(&err);
	if (!web_query_parse(c, &q))
		return;
	for (size_t i = 0; i < q.count; i++)
		if (strcmp(q.pairs[i].name, "purpose") != 0)
			web_query_bad(&d, q.pairs[i].name,
			              "is not a parameter of this read (purpose)");
	purpose = purpose_param(&q, &d);
	if (lt_diags_total(&d)) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The query is not valid.", &d);
		goto out;
	}
	if (!(keys = web_data_keys(c, "open")))
		goto out;
	if (!lt_crypto_pseudonym_well_formed(c->param, strlen(c->param))) {
		web_error(c, WEB_KIND_API, LT_ENOTFOUND,
		          "There is no such person that you can see.", NULL);
		goto out;
	}
	if (!(pp = malloc(sizeof(*pp)))) {
		web_error(c, WEB_KIND_API, LT_ENOMEM, "Out of memory.", NULL);
		goto out;
	}
	st = store_pseudo_get(c->app->st, keys, &c->who->p, c->param, purpose, pp, &err);
	if (st != LT_OK) {
		web_answer_failure(c, st, &err, NULL, &failure_words);
		goto out;
	}
	web_answer_json(c, 200, person_json(pp));
out:
	if (pp) {
		lt_pseudo_person_release(pp);
		free(pp);
	}
	lt_diags_release(&d);
	web_form_release(&q);
}

/* ---- the OpenAPI documentation (route.c points at it) ------------------------------ */

#define S_MONTH    "{\"type\":\"string\",\"pattern\":\"^[0-9]{4}(-[0-9]{2})?$\"}"
#define S_MONTH_OR "{\"type\":[\"string\",\"null\"],\"pattern\":\"^[0-9]{4}(-[0-9]{2})?$\"}"
#define S_PURPOSE  "{\"type\":\"string\",\"minLength\":1,\"maxLength\":200}"

static const struct web_api_member arrest_types[] = {
    {.name = "date", .schema = S_MONTH}, {.name = "offence", .vocab = &lt_vocab_offence}, {0}};
static const struct web_api_schema s_arrest = {
    .name = "PseudonymisedArrest",
    .description = "An arrest of one of the person's cases: no id, no case reference.",
    .pfields = lt_pseudo_arrest_fields,
    .npfields = &lt_pseudo_arrest_field_count,
    .types = arrest_types,
    .nullable = true,
    .all_required = true,
    .closed = true};
static const struct web_api_member referral_types[] = {
    {.name = "date", .schema = S_MONTH},
    {.name = "agency_kind", .vocab = &lt_vocab_agency_kind},
    {.name = "forms", .vocab = &lt_vocab_form, .list = true},
    {.name = "place", .vocab = &lt_vocab_place},
    {.name = "district", .vocab = &lt_vocab_district},
    {.name = "country", .vocab = &lt_vocab_country},
    {0}};
static const struct web_api_schema s_referral = {
    .name = "PseudonymisedReferral",
    .description = "A referral of the person: no id, no free text, its date to the month.",
    .pfields = lt_pseudo_referral_fields,
    .npfields = &lt_pseudo_referral_field_count,
    .types = referral_types,
    .nullable = true,
    .all_required = true,
    .closed = true};
static const struct web_api_member case_types[] = {
    {.name = "agency_kind", .vocab = &lt_vocab_agency_kind},
    {.name = "status", .vocab = &lt_vocab_case_status},
    {.name = "opened", .schema = S_MONTH},
    {.name = "closed", .schema = S_MONTH_OR},
    {.name = "forms",
     .schema = "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"description\":\"A "
               "form of exploitation's code.\"}}"},
    {.name = "arrests", .array_of = &s_arrest},
    {0}};
static const struct web_api_schema s_case = {
    .name = "PseudonymisedCase",
    .description = "A case about the person: no id, no reference, no other person; its dates "
                   "to the month.",
    .pfields = lt_pseudo_case_fields,
    .npfields = &lt_pseudo_case_field_count,
    .types = case_types,
    .nullable = true,
    .all_required = true,
    .closed = true};
static const struct web_api_member person_types[] = {
    {.name = "pseudonym", .schema = "{\"type\":\"string\",\"pattern\":\"^P-[A-Z2-7]{16}$\"}"},
    {.name = "agency_kind", .vocab = &lt_vocab_agency_kind},
    {.name = "birth_year", .schema = "{\"type\":[\"integer\",\"null\"]}"},
    {.name = "sex", .vocab = &lt_vocab_sex},
    {.name = "nationality", .vocab = &lt_vocab_country},
    {.name = "languages",
     .schema = "{\"type\":\"array\",\"maxItems\":8,\"items\":{\"type\":\"string\","
               "\"pattern\":\"^[a-z]{2,3}$\"}}"},
    {.name = "referrals", .array_of = &s_referral},
    {.name = "cases", .array_of = &s_case},
    {0}};
static const struct web_api_schema s_person = {
    .name = "PseudonymisedPerson",
    .description = "A person as an analyst sees it: a pseudonym, never a name, a contact "
                   "detail, free text, an exact date or a record id.",
    .pfields = lt_pseudo_person_fields,
    .npfields = &lt_pseudo_person_field_count,
    .types = person_types,
    .nullable = true,
    .all_required = true,
    .closed = true};

static const struct web_api_param p_list[] = {
    {.name = "purpose",
     .in = WEB_IN_QUERY,
     .required = true,
     .schema = S_PURPOSE,
     .description = "Why the persons are read: each person listed is audited with it (one "
                    "line, never personal data)."},
    {.name = "agency",
     .in = WEB_IN_QUERY,
     .schema = "{\"type\":\"string\"}",
     .description = "Only the persons this agency owns (its code)."},
    {.name = "referred_from",
     .in = WEB_IN_QUERY,
     .schema = S_MONTH,
     .description = "Only persons with a referral in this year or month or later."},
    {.name = "referred_to",
     .in = WEB_IN_QUERY,
     .schema = S_MONTH,
     .description = "Only persons with a referral in this year or month or earlier (with "
                    "referred_from: one referral in the range)."},
    {0}};
static const struct web_api_param p_get[] = {
    {.name = "pseudonym",
     .in = WEB_IN_PATH,
     .required = true,
     .schema = "{\"type\":\"string\",\"pattern\":\"^P-[A-Z2-7]{16}$\"}",
     .description = "The person's pseudonym, as a list gave it."},
    {.name = "purpose",
     .in = WEB_IN_QUERY,
     .required = true,
     .schema = S_PURPOSE,
     .description = "Why the person is read: audited with it."},
    {0}};
static const lt_status e_list[] = {LT_EINVAL, LT_ECRYPTO, LT_OK};
static const lt_status e_get[] = {LT_EINVAL, LT_ENOTFOUND, LT_ECRYPTO, LT_OK};

const struct web_api_doc web_doc_pseudo_list = {.summary = "Persons, pseudonymised, for analysts",
                                                .tag = "analysts",
                                                .params = p_list,
                                                .page_of = &s_person,
                                                .errors = e_list};
const struct web_api_doc web_doc_pseudo_get = {
    .summary = "A person by pseudonym, for analysts",
    .tag = "analysts",
    .params = p_get,
    .responses =
        (const struct web_api_response[]){{.status = 200,
                                           .description = "The person, pseudonymised; the read "
                                                          "is in the audit log.",
                                           .media_type = "application/json",
                                           .schema = &s_person},
                                          {0}},
    .errors = e_get};
