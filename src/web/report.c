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
 * web_report_input_finish then checks the required fields and the
 * cross-field rules of lt_report_check, in the same round, so a person sees
 * every problem at once instead of a second batch after fixing the first.
 * A cross-field finding is kept only when the fields its rule reads all
 * parsed (the `check_reads` table below): "a district is required when
 * place is local" says nothing useful when the place itself was refused, and
 * a field shows at most its first problem. Finally the reporter's contact
 * details, if any, are sealed to the partnership's public key (crypto.h) and
 * the plain text is wiped: the server can write contact details but never
 * read them back, and they are never stored in the clear.
 *
 * The public form is forgiving where a program is not. A form without
 * JavaScript shows the district list, the country list and the contact box
 * whatever is chosen, so a person who picks "In Hertfordshire" and Watford
 * and then changes their mind to "Abroad" and Romania still sends
 * district=watford. For the public intake only, once the place has parsed,
 * a district unless the place is local and a country unless it is abroad are
 * ignored (not stored, and their parse errors dropped); contact details typed
 * while "stay anonymous" is chosen are wiped and forgotten, and
 * `contact_ignored` tells the confirmation page to say so. The API and CSV
 * import keep the strict rule: a program that sends both has a bug.
 *
 * Every problem is recorded with its field in `errors`, so the form can show
 * each beside its control and the API can name each in its problem document.
 * For the API the message is the precise technical one of the parser or the
 * rule ("'20x' is not a date (expected YYYY-MM-DD, ...)"); for the public
 * form it is the plain sentence web_public_message (pages.c) gives for the
 * field and the kind of rule broken ("Enter a year (2019), a month (2019-05)
 * or a day (2019-05-17)").
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

/* Record `e` as a problem of the kind `rule`. The public form gets the plain
 * sentence for the field and rule instead of the technical message. */
static void input_problem(struct web_report_input *in, struct lt_error *e, enum web_rule rule)
{
	if (in->intake == WEB_INTAKE_PUBLIC)
		snprintf(e->message, sizeof(e->message), "%s", web_public_message(e->field, rule));
	lt_diags_add(&in->errors, e);
}

static void input_fail_rule(struct web_report_input *in, lt_status st, const char *field,
                            enum web_rule rule, const char *message)
{
	struct lt_error e;
	lt_error_clear(&e);
	lt_error_set(&e, st, field, "%s", message);
	input_problem(in, &e, rule);
}

void web_report_input_fail(struct web_report_input *in, lt_status st, const char *field,
                           const char *message)
{
	input_fail_rule(in, st, field, WEB_RULE_INVALID, message);
}

/* Forget every problem recorded for `field`. */
static void input_forget(struct web_report_input *in, const char *field)
{
	size_t w = 0;
	for (size_t i = 0; i < in->errors.count; i++)
		if (strcmp(in->errors.items[i].field, field) != 0)
			in->errors.items[w++] = in->errors.items[i];
	in->errors.count = w;
}

/* True when `field` was given (a non-empty value arrived). */
static bool input_given(const struct web_report_input *in, const char *field)
{
	const struct lt_field *f =
	    lt_field_find(lt_report_fields, lt_report_field_count, field, strlen(field));
	LT_ASSERT(f);
	return in->given[f - lt_report_fields];
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
		input_fail_rule(in, LT_EINVAL, q, WEB_RULE_UNKNOWN,
		                in->intake == WEB_INTAKE_PUBLIC ? "is not a field of this form"
		                                                : "is not a field of a report");
		return;
	}
	size_t idx = (size_t)(f - lt_report_fields);
	if (len == 0)
		return; /* not given */

	if (strcmp(f->name, "forms") == 0) {
		in->rep.forms = 0;
		in->given[idx] = true;
		if (f->parse(&in->rep, v, len, &e) != LT_OK)
			input_problem(in, &e, WEB_RULE_INVALID);
		else
			in->forms |= in->rep.forms;
		in->rep.forms = in->forms;
		return;
	}
	if (in->given[idx]) {
		input_fail_rule(in, LT_EINVAL, f->name, WEB_RULE_TWICE, "was given more than once");
		return;
	}
	in->given[idx] = true;
	if (f->parse(&in->rep, v, len, &e) != LT_OK) {
		if (!e.field[0])
			snprintf(e.field, sizeof(e.field), "%s", f->name);
		input_problem(in, &e,
		              e.status == LT_ETOOBIG ? WEB_RULE_TOO_LONG : WEB_RULE_INVALID);
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

/*
 * The fields each cross-field rule of lt_report_check reads besides the one
 * it names (record.c): a finding about `field` is kept only when none of
 * these has a problem. A field not listed reads nothing else.
 */
static const struct {
	const char *field;
	const char *reads;
} check_reads[] = {
    {"district", "place"},    /* required when place is local, else empty */
    {"country", "place"},     /* required when place is abroad, else empty */
    {"occurred", "received"}, /* not after the date it was reported */
    {"agency", "source"},     /* required for partner reports, empty for public */
    {"contact", "anonymous"}, /* required unless anonymous, empty when anonymous */
};

/* May a cross-field finding about `field` be shown? Only when the field
 * itself and every field its rule reads parsed cleanly. */
static bool check_applies(const struct web_report_input *in, const char *field)
{
	if (web_report_input_error(in, field))
		return false;
	for (size_t i = 0; i < sizeof(check_reads) / sizeof(check_reads[0]); i++)
		if (strcmp(check_reads[i].field, field) == 0 &&
		    web_report_input_error(in, check_reads[i].reads))
			return false;
	return true;
}

/*
 * The public form's forgiveness (see the top of this file): drop a district
 * or country that does not go with the place chosen, and wipe contact
 * details typed while "stay anonymous" is chosen. Decided only on values
 * that parsed: a refused place or anonymous choice ignores nothing.
 */
static void public_ignore_unused(struct web_report_input *in)
{
	struct lt_report *r = &in->rep;

	if (input_given(in, "place") && !web_report_input_error(in, "place")) {
		if (r->place != LT_PLACE_LOCAL) {
			r->district = -1;
			input_forget(in, "district");
		}
		if (r->place != LT_PLACE_ABROAD) {
			r->country = -1;
			input_forget(in, "country");
		}
	}
	if (r->anonymous && !web_report_input_error(in, "anonymous") &&
	    input_given(in, "contact")) {
		if (r->contact) {
			lt_crypto_wipe(r->contact, strlen(r->contact));
			free(r->contact);
			r->contact = NULL;
		}
		input_forget(in, "contact");
		in->contact_ignored = true;
	}
}

lt_status web_report_input_finish(struct web_report_input *in, struct web_app *app,
                                  const struct lt_date *today, const struct lt_known *known)
{
	struct lt_report *r = &in->rep;
	struct lt_diags found;

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
		public_ignore_unused(in);
	}
	for (size_t i = 0; i < lt_report_field_count; i++) {
		const struct lt_field *f = &lt_report_fields[i];
		if (f->required && !in->given[i])
			input_fail_rule(in, LT_EINVAL, f->name, WEB_RULE_REQUIRED, "is required");
	}
	if (r->contact && r->contact[0] && !app->sealing)
		input_fail_rule(in, LT_EINVAL, "contact", WEB_RULE_NO_KEY,
		                "cannot be accepted: this server has no key to protect "
		                "contact details, so reports to it are anonymous");

	/* The cross-field rules, in the same round as everything else. */
	lt_diags_init(&found);
	lt_report_check(r, known, 0, &found);
	for (size_t i = 0; i < found.count; i++)
		if (check_applies(in, found.items[i].field))
			input_problem(in, &found.items[i], WEB_RULE_CHECK);
	lt_diags_release(&found);

	if (in->errors.count || in->errors.dropped)
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
