/*
 * api.c — lantern's JSON API, version 1.
 *
 *   GET  /api/v1/stats/arrests?by=year,offence&from=2015&to=2019
 *        The arrests table of stats.h, as formatted by stats_format(JSON):
 *        {"by":["year","offence"],"from":2015,"to":2019,"total":19,
 *         "rows":[{"year":2015,"offence":"not_recorded","arrests":6},...]}.
 *        `by` defaults to "year"; `from` and `to` are years, empty or absent
 *        meaning "from the first year with data" / "to the last".
 *   POST /api/v1/reports
 *        A JSON object whose members are the fields of lt_report_fields
 *        (record.h): strings, except `forms`, an array of form codes, and
 *        `anonymous`, which may be a boolean. Integers are accepted where a
 *        year is. null means "not given". `source` is "partner" (with the
 *        `agency` code of a known agency) or "public". Answers 201 with
 *        {"id": ..., "ref": "LT-..."} and a Location header; 415 (with
 *        Accept-Post) when the Content-Type is not application/json.
 *        Messages name the rule that failed in technical terms ("is
 *        required when place is local"): the reader is a programmer.
 *   GET  /api/v1/reports/{ref}
 *        The coded fields of one report. The description and the contact
 *        details are never returned; `has_contact` says whether sealed
 *        contact details exist.
 *   GET  /api/v1/reports?limit=50&cursor=...
 *        The reports the caller may read, newest first, a page at a time
 *        (paging.c): {"items": [...], "next": ...}, each item the coded
 *        fields of GET /api/v1/reports/{ref}. Which reports is the role's
 *        scope for report.read (lt_access_scopes): all of them for "all",
 *        the caller's agency's for "agency"; "own" and "shared" add none,
 *        since a report records no creator and is never shared.
 *   GET  /healthz
 *        {"status":"ok"} after a cheap query of the store.
 *
 * Who may call (route.c's table, checked by web_handle): the statistics and
 * the health check are public; the report routes need a principal — a
 * partner system's API token or a signed-in member of staff (auth.c) —
 * whose role holds report.create or report.read. Here each record is then
 * checked against the role's scope (lt_access_check): a report is created
 * only in the caller's own agency's name (source partner, agency the
 * caller's), else 403; a report is read only within the role's scope
 * (a caseworker its own agency's, the police every one), and a report
 * outside it answers 404, exactly as one that does not exist.
 *
 * Untrusted JSON is parsed by jansson with JSON_REJECT_DUPLICATES (a member
 * given twice is an error, not a silent "last one wins") and without
 * JSON_ALLOW_NUL (no string may contain U+0000). Before jansson sees it, the
 * body's nesting depth is measured and refused past LT_HTTP_JSON_DEPTH_MAX; its
 * size is already capped by LT_HTTP_BODY_MAX. Every error is an RFC 9457
 * problem document (route.c) naming the bad members in "errors".
 */
#include "web/web_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "stats/stats.h"
#include "core/banned.h"

/* Add an error for `field` to `d`. */
static void diag(struct lt_diags *d, lt_status st, const char *field, const char *message)
{
	struct lt_error e;
	lt_error_clear(&e);
	lt_error_set(&e, st, field, "%s", message);
	lt_diags_add(d, &e);
}

/* The facts of a record of agency `agency` (a code; "" for none) for the
 * caller: owned by its agency or by another, created by no one known. */
static struct lt_access_facts facts_of(const struct web_principal *who, const char *agency)
{
	struct lt_access_facts f = {0, LT_PRINCIPAL_NONE, 0, false};
	if (agency[0])
		f.owner_agency_id = strcmp(agency, who->agency) == 0 ? who->p.agency_id : -1;
	return f;
}

/* ---- GET /healthz -------------------------------------------------------- */

void web_api_healthz(struct web_call *c)
{
	struct lt_error err;
	long n = 0;
	lt_error_clear(&err);
	lt_status st = store_report_count(c->app->st, &n, &err);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_API, st, "The store did not answer.", NULL);
		return;
	}
	web_answer_json(c, 200, json_pack("{s:s}", "status", "ok"));
}

/* ---- GET /api/v1/stats/arrests ------------------------------------------- */

/* A year parameter: empty means 0 ("open"). */
static bool parse_year(const struct web_pair *p, int *out)
{
	char *end = NULL;
	if (p->value_len == 0) {
		*out = 0;
		return true;
	}
	if (p->value_len > 4)
		return false;
	for (size_t i = 0; i < p->value_len; i++)
		if (p->value[i] < '0' || p->value[i] > '9')
			return false;
	errno = 0;
	long y = strtol(p->value, &end, 10);
	if (errno || *end || y < LT_YEAR_MIN || y > LT_YEAR_MAX)
		return false;
	*out = (int)y;
	return true;
}

void web_api_stats_arrests(struct web_call *c)
{
	struct web_form q = {0};
	struct lt_diags d;
	struct lt_error err;
	struct stats_table t = {0};
	struct store_arrest_count *counts = NULL;
	struct lt_buf b;
	size_t n = 0;
	unsigned by = STATS_BY_YEAR;
	int from = 0, to = 0;
	char msg[LT_MESSAGE_MAX + 64];
	lt_status st;

	lt_diags_init(&d);
	lt_error_clear(&err);
	lt_buf_init(&b, LT_HTTP_PAGE_MAX);

	st = web_form_parse(c->query, strlen(c->query), &q, &err);
	if (st != LT_OK) {
		snprintf(msg, sizeof(msg), "The query string could not be read: %s.", err.message);
		web_error(c, WEB_KIND_API, st, msg, NULL);
		goto out;
	}
	for (size_t i = 0; i < q.count; i++) {
		const struct web_pair *p = &q.pairs[i];
		bool known = strcmp(p->name, "by") == 0 || strcmp(p->name, "from") == 0 ||
		             strcmp(p->name, "to") == 0;
		char name[LT_CODE_MAX];
		lt_error_quote(name, sizeof(name), p->name, p->name_len, sizeof(name) - 8);
		if (!known)
			diag(&d, LT_EINVAL, name,
			     "is not a parameter of this route (by, from, to)");
		else if (web_form_get(&q, p->name, NULL) > 1)
			diag(&d, LT_EINVAL, name, "was given more than once");
	}
	const struct web_pair *p;
	if (web_form_get(&q, "by", &p) && p->value_len) {
		lt_error_clear(&err);
		if (stats_by_parse(p->value, &by, &err) != LT_OK)
			diag(&d, LT_EINVAL, "by",
			     err.message[0] ? err.message
			                    : "must be year, offence or year,offence");
	}
	if (web_form_get(&q, "from", &p) && !parse_year(p, &from)) {
		snprintf(msg, sizeof(msg), "is not a year (expected YYYY from %d to %d)",
		         LT_YEAR_MIN, LT_YEAR_MAX);
		diag(&d, LT_EINVAL, "from", msg);
	}
	if (web_form_get(&q, "to", &p) && !parse_year(p, &to)) {
		snprintf(msg, sizeof(msg), "is not a year (expected YYYY from %d to %d)",
		         LT_YEAR_MIN, LT_YEAR_MAX);
		diag(&d, LT_EINVAL, "to", msg);
	}
	if (d.count) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The query is not valid.", &d);
		goto out;
	}

	lt_error_clear(&err);
	st = store_arrest_counts(c->app->st, &counts, &n, &err);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_API, st, "The arrest counts could not be read.", NULL);
		goto out;
	}
	lt_error_clear(&err);
	st = stats_arrests(counts, n, by, from, to, &t, &err);
	if (st != LT_OK) {
		diag(&d, st, err.field[0] ? err.field : "from",
		     err.message[0] ? err.message : lt_status_message(st));
		web_error(c, WEB_KIND_API, st, "The statistics could not be computed.", &d);
		goto out;
	}
	st = stats_format(&t, STATS_FORMAT_JSON, &b);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_API, st, "The statistics could not be formatted.", NULL);
		goto out;
	}
	web_response_body(c->rs, 200, "application/json", &b);
	c->rs->outcome = LT_OK;
out:
	stats_table_release(&t);
	free(counts);
	lt_buf_release(&b);
	lt_diags_release(&d);
	web_form_release(&q);
}

/* ---- POST /api/v1/reports ------------------------------------------------ */

/*
 * Is the nesting of arrays and objects in `s` at most `max` deep? Brackets
 * inside strings do not count. Malformed JSON may pass; jansson rejects it.
 */
static bool json_depth_ok(const char *s, size_t len, int max)
{
	int depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = false;
			continue;
		}
		if (ch == '"')
			in_string = true;
		else if (ch == '[' || ch == '{') {
			if (++depth > max)
				return false;
		} else if (ch == ']' || ch == '}') {
			depth--;
		}
	}
	return true;
}

/* Feed one member of the request object to the report being built. */
static void member_set(struct web_report_input *in, const char *key, json_t *v)
{
	size_t klen = strlen(key);
	char num[32];
	bool known = lt_field_find(lt_report_fields, lt_report_field_count, key, klen) != NULL;

	if (!known || json_is_null(v)) {
		web_report_input_set(in, key, klen, "",
		                     0); /* names an unknown member; else no-op */
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		web_report_input_set(in, key, klen, json_string_value(v), json_string_length(v));
		break;
	case JSON_TRUE:
		web_report_input_set(in, key, klen, "true", 4);
		break;
	case JSON_FALSE:
		web_report_input_set(in, key, klen, "false", 5);
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		web_report_input_set(in, key, klen, num, strlen(num));
		break;
	case JSON_ARRAY:
		if (strcmp(key, "forms") != 0) {
			web_report_input_fail(in, LT_EINVAL, key, "must be a string, not an array");
			break;
		}
		for (size_t i = 0; i < json_array_size(v); i++) {
			json_t *e = json_array_get(v, i);
			if (!json_is_string(e)) {
				web_report_input_fail(in, LT_EINVAL, key,
				                      "must be an array of form codes (strings)");
				break;
			}
			web_report_input_set(in, key, klen, json_string_value(e),
			                     json_string_length(e));
		}
		break;
	default:
		web_report_input_fail(in, LT_EINVAL, key,
		                      strcmp(key, "forms") == 0
		                          ? "must be an array of form codes (strings)"
		                          : "must be a string");
		break;
	}
}

void web_api_reports_create(struct web_call *c)
{
	const struct web_request *rq = c->rq;
	struct web_report_input in;
	struct store_known k;
	bool known_loaded = false;
	struct lt_error err;
	json_error_t jerr;
	json_t *doc = NULL;
	const char *key;
	json_t *value;
	char msg[LT_MESSAGE_MAX + 96];
	char actor[64];
	char location[64];
	lt_status st;

	lt_error_clear(&err);
	memset(&k, 0, sizeof(k));
	web_report_input_init(&in, WEB_INTAKE_API);

	if (!web_content_type_is(rq->content_type, "application/json")) {
		web_error(c, WEB_KIND_API, LT_EMEDIATYPE,
		          "The body must be a JSON object sent as Content-Type: application/json.",
		          NULL);
		web_response_header(c->rs, "Accept-Post", "application/json");
		goto out;
	}
	if (!json_depth_ok(rq->body ? rq->body : "", rq->body_len, LT_HTTP_JSON_DEPTH_MAX)) {
		snprintf(msg, sizeof(msg), "The JSON is nested more than %d levels deep.",
		         LT_HTTP_JSON_DEPTH_MAX);
		web_error(c, WEB_KIND_API, LT_EPARSE, msg, NULL);
		goto out;
	}
	doc = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(msg, sizeof(msg), "The body is not valid JSON: %s (line %d, column %d).",
		         jerr.text, jerr.line, jerr.column);
		web_error(c, WEB_KIND_API, LT_EPARSE, msg, NULL);
		goto out;
	}
	if (!json_is_object(doc)) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The body must be a JSON object.", NULL);
		goto out;
	}
	json_object_foreach(doc, key, value) member_set(&in, key, value);

	st = store_known_load(c->app->st, &k, &err);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_API, st, "The list of agencies could not be read.", NULL);
		goto out;
	}
	known_loaded = true;
	st = web_report_input_finish(&in, c->app, &rq->today, &k.known);
	if (st == LT_EINVAL) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The report is not valid.", &in.errors);
		goto out;
	}
	if (st != LT_OK) {
		web_error(c, WEB_KIND_API, st, "The report could not be prepared.", NULL);
		goto out;
	}
	/* Created as if stored: owned by its agency, created by the caller. */
	struct lt_access_facts f = facts_of(c->who, in.rep.agency);
	f.creator_kind = c->who->p.kind;
	f.creator_id = c->who->p.id;
	if (lt_access_check(&c->who->p, LT_ACTION_REPORT_CREATE, &f) != LT_OK) {
		snprintf(msg, sizeof(msg),
		         "A report is sent in the name of the caller's own agency: source "
		         "\"partner\" and agency \"%s\".",
		         c->who->agency);
		struct lt_diags d;
		lt_diags_init(&d);
		lt_error_set(&err, LT_EFORBIDDEN, in.rep.agency[0] ? "agency" : "source",
		             "must be the caller's own agency's (%s)", c->who->agency);
		lt_diags_add(&d, &err);
		web_error(c, WEB_KIND_API, LT_EFORBIDDEN, msg, &d);
		lt_diags_release(&d);
		goto out;
	}
	snprintf(actor, sizeof(actor), "%s", c->who->actor);
	st = web_report_store(c->app, &in.rep, actor, &err);
	if (st != LT_OK) {
		struct lt_diags d;
		lt_diags_init(&d);
		if (err.field[0])
			lt_diags_add(&d, &err);
		web_error(c, WEB_KIND_API, st, "The report could not be stored.", &d);
		lt_diags_release(&d);
		goto out;
	}
	snprintf(location, sizeof(location), "/api/v1/reports/%s", in.rep.ref);
	web_answer_json(c, 201, json_pack("{s:I, s:s}", "id", (json_int_t)in.rep.id, "ref", in.rep.ref));
	if (c->rs->status == 201)
		web_response_header(c->rs, "Location", location);
out:
	if (known_loaded)
		store_known_release(&k);
	json_decref(doc);
	web_report_input_release(&in);
}

/* ---- GET /api/v1/reports/{ref} ------------------------------------------- */

static json_t *report_json(const struct lt_report *r)
{
	char occurred[LT_DATE_TEXT], received[LT_DATE_TEXT];
	json_t *forms = json_array();
	if (!forms)
		return NULL;
	for (size_t i = 0; i < lt_vocab_form.count; i++)
		if (r->forms & (1u << i))
			json_array_append_new(forms,
			                      json_string(lt_vocab_term(&lt_vocab_form, i)->code));
	lt_date_format(&r->occurred, occurred);
	lt_date_format(&r->received, received);
	return json_pack(
	    "{s:I, s:s, s:s, s:s?, s:o, s:s, s:s?, s:s?, s:s?, s:s, s:b, s:b}", "id",
	    (json_int_t)r->id, "ref", r->ref, "source",
	    lt_vocab_term(&lt_vocab_source, (size_t)r->source)->code, "agency",
	    r->agency[0] ? r->agency : NULL, "forms", forms, "place",
	    lt_vocab_term(&lt_vocab_place, (size_t)r->place)->code, "district",
	    r->district >= 0 ? lt_vocab_term(&lt_vocab_district, (size_t)r->district)->code : NULL,
	    "country",
	    r->country >= 0 ? lt_vocab_term(&lt_vocab_country, (size_t)r->country)->code : NULL,
	    "occurred", occurred[0] ? occurred : NULL, "received", received, "anonymous",
	    (int)r->anonymous, "has_contact", r->contact_sealed != NULL);
}

/* Append `v` to `b` as a JSON string: quoted, with '"', '\\' and control
 * characters escaped (the values written here are codes, references and
 * dates, but nothing relies on that). NULL is written as null. */
static lt_status json_string_put(struct lt_buf *b, const char *v)
{
	lt_status st;
	if (!v)
		return lt_buf_puts(b, "null");
	if ((st = lt_buf_puts(b, "\"")) != LT_OK)
		return st;
	for (const unsigned char *p = (const unsigned char *)v; *p && st == LT_OK; p++) {
		if (*p == '"' || *p == '\\')
			st = lt_buf_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			st = lt_buf_printf(b, "\\u%04x", *p);
		else
			st = lt_buf_append(b, p, 1);
	}
	return st == LT_OK ? lt_buf_puts(b, "\"") : st;
}

/*
 * The report as report_json makes it — the same members in the same order,
 * compact, and a newline — written straight into `b`: reading one report is
 * the hottest route of the API, and building a jansson tree only to print it
 * costs more than the store does (docs/operations.md, "Performance").
 * tests/web/test_web.c checks that both give the same document.
 */
static lt_status report_json_write(const struct lt_report *r, struct lt_buf *b)
{
	char occurred[LT_DATE_TEXT], received[LT_DATE_TEXT];
	const char *sep = "";
	lt_status st;

	lt_date_format(&r->occurred, occurred);
	lt_date_format(&r->received, received);
	if ((st = lt_buf_printf(b, "{\"id\":%lld,\"ref\":", (long long)r->id)) != LT_OK ||
	    (st = json_string_put(b, r->ref)) != LT_OK || (st = lt_buf_puts(b, ",\"source\":")) ||
	    (st = json_string_put(b, lt_vocab_term(&lt_vocab_source, (size_t)r->source)->code)) ||
	    (st = lt_buf_puts(b, ",\"agency\":")) ||
	    (st = json_string_put(b, r->agency[0] ? r->agency : NULL)) ||
	    (st = lt_buf_puts(b, ",\"forms\":[")))
		return st;
	for (size_t i = 0; i < lt_vocab_form.count; i++) {
		if (!(r->forms & (1u << i)))
			continue;
		if ((st = lt_buf_puts(b, sep)) ||
		    (st = json_string_put(b, lt_vocab_term(&lt_vocab_form, i)->code)))
			return st;
		sep = ",";
	}
	if ((st = lt_buf_puts(b, "],\"place\":")) ||
	    (st = json_string_put(b, lt_vocab_term(&lt_vocab_place, (size_t)r->place)->code)) ||
	    (st = lt_buf_puts(b, ",\"district\":")) ||
	    (st = json_string_put(b, r->district >= 0 ? lt_vocab_term(&lt_vocab_district,
	                                                              (size_t)r->district)
	                                                    ->code
	                                              : NULL)) ||
	    (st = lt_buf_puts(b, ",\"country\":")) ||
	    (st = json_string_put(b, r->country >= 0 ? lt_vocab_term(&lt_vocab_country,
	                                                             (size_t)r->country)
	                                                   ->code
	                                             : NULL)) ||
	    (st = lt_buf_puts(b, ",\"occurred\":")) ||
	    (st = json_string_put(b, occurred[0] ? occurred : NULL)) ||
	    (st = lt_buf_puts(b, ",\"received\":")) || (st = json_string_put(b, received)))
		return st;
	return lt_buf_printf(b, ",\"anonymous\":%s,\"has_contact\":%s}\n",
	                     r->anonymous ? "true" : "false", r->contact_sealed ? "true" : "false");
}

void web_api_report_get(struct web_call *c)
{
	struct lt_report r;
	struct lt_error err;
	lt_status st;

	lt_report_init(&r);
	lt_error_clear(&err);
	if (!lt_ref_valid(c->param)) {
		web_error(c, WEB_KIND_API, LT_ENOTFOUND, "There is no report with that reference.",
		          NULL);
		goto out;
	}
	st = store_report_get(c->app->st, c->param, &r, &err);
	if (st == LT_ENOTFOUND) {
		web_error(c, WEB_KIND_API, st, "There is no report with that reference.", NULL);
		goto out;
	}
	if (st != LT_OK) {
		web_error(c, WEB_KIND_API, st, "The report could not be read.", NULL);
		goto out;
	}
	struct lt_access_facts f = facts_of(c->who, r.agency);
	st = lt_access_check(&c->who->p, LT_ACTION_REPORT_READ, &f);
	if (st != LT_OK) {
		/* 404 when the report is outside the role's scope: as if it did
		 * not exist. */
		web_error(c, WEB_KIND_API, st,
		          st == LT_ENOTFOUND ? "There is no report with that reference."
		                             : "This role may not read this report.",
		          NULL);
		goto out;
	}
	struct lt_buf b;
	lt_buf_init(&b, LT_HTTP_PAGE_MAX);
	if (report_json_write(&r, &b) == LT_OK) {
		web_response_body(c->rs, 200, "application/json", &b);
		c->rs->outcome = LT_OK;
	} else {
		web_error(c, WEB_KIND_API, LT_ENOMEM, "The answer could not be built.", NULL);
	}
	lt_buf_release(&b);
out:
	lt_report_release(&r);
}

/* ---- GET /api/v1/reports -------------------------------------------------- */

void web_api_reports_list(struct web_call *c)
{
	struct web_form q = {0};
	struct web_paging pg;
	struct lt_diags d;
	struct lt_error err;
	struct lt_report *recs = NULL;
	size_t n = 0;
	bool more = false;
	json_t *items = NULL;
	char msg[LT_MESSAGE_MAX + 64];
	int64_t agency = -1; /* the store's filter: 0 every report, > 0 one agency's, -1 none */
	lt_status st;

	lt_diags_init(&d);
	lt_error_clear(&err);
	st = web_form_parse(c->query, strlen(c->query), &q, &err);
	if (st != LT_OK) {
		snprintf(msg, sizeof(msg), "The query string could not be read: %s.", err.message);
		web_error(c, WEB_KIND_API, st, msg, NULL);
		goto out;
	}
	if (web_paging_parse(&q, "reports", NULL, &pg, &d) != LT_OK) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The query is not valid.", &d);
		goto out;
	}
	unsigned scopes = lt_access_scopes(c->who->p.role, LT_ACTION_REPORT_READ);
	if (scopes & LT_SCOPE_ALL)
		agency = 0;
	else if (scopes & LT_SCOPE_AGENCY)
		agency = c->who->p.agency_id;
	items = json_array();
	if (!items) {
		web_error(c, WEB_KIND_API, LT_ENOMEM, "The page could not be built.", NULL);
		goto out;
	}
	if (agency >= 0) {
		recs = calloc(pg.limit, sizeof(*recs));
		if (!recs) {
			web_error(c, WEB_KIND_API, LT_ENOMEM, "The page could not be built.", NULL);
			goto out;
		}
		st = store_reports_list(c->app->st, pg.after, agency, pg.limit, recs, &n, &more,
		                        &err);
		if (st != LT_OK) {
			web_error(c, WEB_KIND_API, st, "The reports could not be read.", NULL);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			json_t *item = report_json(&recs[i]);
			if (!item || json_array_append_new(items, item) != 0) {
				web_error(c, WEB_KIND_API, LT_ENOMEM, "The page could not be built.",
				          NULL);
				goto out;
			}
		}
	}
	web_paging_answer(c, "reports", &q, &pg, items, more, n ? recs[n - 1].id : 0);
	items = NULL; /* consumed */
out:
	for (size_t i = 0; i < n; i++)
		lt_report_release(&recs[i]);
	free(recs);
	json_decref(items);
	lt_diags_release(&d);
	web_form_release(&q);
}
