/*
 * report.c — turning what a browser or a partner system sent into a stored
 * report, through the same rules as every other way in.
 *
 * Both intakes — the public form (pages.c) and the JSON API (api.c) — feed
 * text to web_report_input_set one field at a time. The name picks the entry
 * of lt_report_fields (record.h) and its parser does the checking, so the
 * web can never accept what `lantern import` would refuse. The intakes
 * differ only in which fields a sender may give:
 *
 *   public  forms, place, district, country, occurred, description, and —
 *           when the server has a sealing key — anonymous and contact.
 *           lantern itself sets source=public and received=today (UTC).
 *   api     every field of the table.
 *
 * `forms` may arrive as several values (checkboxes, a JSON array); they
 * gather. Any other field given twice is an error, and so is a name the
 * intake does not accept: a silently ignored misspelling would lose data.
 *
 * web_report_input_finish then checks the required fields, and — only when
 * every field parsed, so that one mistake does not cascade into confusing
 * follow-on errors — the cross-field rules of lt_report_check. Finally the
 * reporter's contact details, if any, are sealed to the partnership's public
 * key (crypto.h) and the plain text is wiped: the server can write contact
 * details but never read them back, and they are never stored in the clear.
 *
 * Every problem is recorded with its field in `errors`, so the form can show
 * each beside its control and the API can name each in its problem document.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

/* Attempts at a reference code that does not clash. With 40 random bits a
 * clash is rare; several in a row mean something else is wrong. */
#define REF_ATTEMPTS 8

/* Fields the public may give. */
static const char *const public_fields[] = {
    "forms", "place", "district", "country", "occurred", "description", "anonymous", "contact",
};

void web_report_input_init(struct web_report_input *in, enum web_intake intake)
{
	LT_ASSERT(lt_report_field_count <= sizeof(in->given) / sizeof(in->given[0]));
	memset(in, 0, sizeof(*in));
	in->intake = intake;
	lt_report_init(&in->rep);
	lt_diags_init(&in->errors);
}

void web_report_input_release(struct web_report_input *in)
{
	lt_report_release(&in->rep);
	lt_diags_release(&in->errors);
}

void web_report_input_fail(struct web_report_input *in, lt_status st, const char *field,
                           const char *message)
{
	struct lt_error e;
	lt_error_clear(&e);
	lt_error_set(&e, st, field, "%s", message);
	lt_diags_add(&in->errors, &e);
}

const struct lt_error *web_report_input_error(const struct web_report_input *in, const char *field)
{
	for (size_t i = 0; i < in->errors.count; i++)
		if (strcmp(in->errors.items[i].field, field) == 0)
			return &in->errors.items[i];
	return NULL;
}

static bool intake_accepts(enum web_intake intake, const char *name)
{
	if (intake == WEB_INTAKE_API)
		return true;
	for (size_t i = 0; i < sizeof(public_fields) / sizeof(public_fields[0]); i++)
		if (strcmp(public_fields[i], name) == 0)
			return true;
	return false;
}

void web_report_input_set(struct web_report_input *in, const char *name, size_t name_len,
                          const char *v, size_t len)
{
	const struct lt_field *f =
	    lt_field_find(lt_report_fields, lt_report_field_count, name, name_len);
	struct lt_error e;

	lt_error_clear(&e);
	if (!f || !intake_accepts(in->intake, f->name)) {
		char q[LT_CODE_MAX];
		/* Quote the unknown name (cut short, control characters replaced) so
		 * it can be named in the answer. */
		lt_error_quote(q, sizeof(q), name, name_len, sizeof(q) - 8);
		web_report_input_fail(in, LT_EINVAL, q,
		                      in->intake == WEB_INTAKE_PUBLIC
		                          ? "is not a field of this form"
		                          : "is not a field of a report");
		return;
	}
	size_t idx = (size_t)(f - lt_report_fields);
	if (len == 0)
		return; /* not given */

	if (strcmp(f->name, "forms") == 0) {
		in->rep.forms = 0;
		if (f->parse(&in->rep, v, len, &e) != LT_OK) {
			lt_diags_add(&in->errors, &e);
			in->given[idx] = true;
		} else {
			in->forms |= in->rep.forms;
			in->given[idx] = true;
		}
		in->rep.forms = in->forms;
		return;
	}
	if (in->given[idx]) {
		web_report_input_fail(in, LT_EINVAL, f->name, "was given more than once");
		return;
	}
	in->given[idx] = true;
	if (f->parse(&in->rep, v, len, &e) != LT_OK) {
		if (!e.field[0])
			snprintf(e.field, sizeof(e.field), "%s", f->name);
		lt_diags_add(&in->errors, &e);
	}
}

static lt_status seal_contact(struct web_report_input *in, struct web_app *app)
{
	struct lt_report *r = &in->rep;
	if (!r->contact)
		return LT_OK;
	size_t n = strlen(r->contact);
	lt_status st = LT_OK;
	if (n) {
		st = lt_crypto_seal(app->pk, r->contact, n, &r->contact_sealed,
		                    &r->contact_sealed_len);
		if (st != LT_OK)
			web_report_input_fail(in, st, "contact",
			                      "could not be protected; please try again later");
	}
	lt_crypto_wipe(r->contact, n);
	free(r->contact);
	r->contact = NULL;
	return st;
}

lt_status web_report_input_finish(struct web_report_input *in, struct web_app *app,
                                  const struct lt_date *today, const struct lt_known *known)
{
	struct lt_report *r = &in->rep;

	if (in->intake == WEB_INTAKE_PUBLIC) {
		const struct lt_field *src =
		    lt_field_find(lt_report_fields, lt_report_field_count, "source", 6);
		const struct lt_field *rcv =
		    lt_field_find(lt_report_fields, lt_report_field_count, "received", 8);
		LT_ASSERT(src && rcv);
		r->source = LT_SOURCE_PUBLIC;
		r->agency[0] = '\0';
		r->received = *today;
		in->given[src - lt_report_fields] = true;
		in->given[rcv - lt_report_fields] = true;
	}
	for (size_t i = 0; i < lt_report_field_count; i++) {
		const struct lt_field *f = &lt_report_fields[i];
		if (f->required && !in->given[i])
			web_report_input_fail(in, LT_EINVAL, f->name, "is required");
	}
	if (r->contact && r->contact[0] && !app->sealing)
		web_report_input_fail(in, LT_EINVAL, "contact",
		                      "cannot be accepted: this server has no key to protect "
		                      "contact details, so reports to it are anonymous");
	if (in->errors.count || in->errors.dropped)
		return LT_EINVAL;
	if (lt_report_check(r, known, 0, &in->errors) != LT_OK)
		return LT_EINVAL;
	if (seal_contact(in, app) != LT_OK)
		return LT_ECRYPTO;
	return LT_OK;
}

lt_status web_report_store(struct web_app *app, struct lt_report *rep, const char *actor,
                           struct lt_error *err)
{
	struct lt_error local;
	lt_status st = LT_EINTERNAL;
	for (int attempt = 0; attempt < REF_ATTEMPTS; attempt++) {
		lt_error_clear(&local);
		lt_ref_format(lt_crypto_random_u64(), rep->ref);
		st = store_reports_insert(app->st, rep, 1, actor, &local);
		if (!(st == LT_EEXIST && strcmp(local.field, "ref") == 0))
			break;
	}
	if (st != LT_OK && err)
		*err = local;
	return st;
}
