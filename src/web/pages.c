/*
 * pages.c — the public page and its report form.
 *
 * GET / explains what modern slavery is (the forms of exploitation of the
 * taxonomy, in the plain words of their descriptions), how to report it —
 * 999 in an emergency, 101 for the police otherwise, the Modern Slavery &
 * Exploitation Helpline on 08000 121 700 at any hour — and offers a form.
 *
 * The form is plain HTML5 and works with no JavaScript. Every control has a
 * <label>; groups of checkboxes and radio buttons are a <fieldset> with a
 * <legend>; hints and errors are tied to their controls with
 * aria-describedby. Controls are named after the fields of lt_report_fields,
 * and their options come from the taxonomy's vocabularies, so the form, the
 * CSV import and the API cannot disagree about a code.
 *
 * POST /report validates through report.c (the same field parsers and
 * cross-field rules as import and the API) and either stores the report and
 * answers 200 with a page showing its reference code (id="reference"), or
 * answers 400 with the form again: an error summary at the top linking to
 * each bad control, each error beside its control, and everything typed
 * kept (HTML-escaped). The confirmation is served directly rather than by
 * redirect, so the code is never in a URL, a log or the browser's history;
 * both answers carry Cache-Control: no-store.
 *
 * Contact details are offered only when the server has a sealing key
 * (web_options.keyfile); without one every public report is anonymous.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/taxonomy.h"
#include "core/banned.h"

/* How each report field is named to the public: the short name used in
 * error sentences and the question the form asks. */
static const struct {
	const char *field;
	const char *name;     /* "Place" */
	const char *question; /* "Where did it happen?" */
} field_words[] = {
    {"forms", "Kind of exploitation", "What kind of exploitation do you think it is?"},
    {"place", "Place", "Where did it happen?"},
    {"district", "District", "District (if in Hertfordshire)"},
    {"country", "Country", "Country (if abroad)"},
    {"occurred", "Date it happened", "When did it happen, if you know?"},
    {"description", "Description", "What did you see or hear?"},
    {"anonymous", "Contact choice", "Can we contact you?"},
    {"contact", "Contact details", "How can we reach you?"},
    {"received", "Date received", "Date received"},
    {"source", "Source", "Source"},
    {"agency", "Agency", "Agency"},
};

static const char *field_name(const char *field)
{
	for (size_t i = 0; i < sizeof(field_words) / sizeof(field_words[0]); i++)
		if (strcmp(field_words[i].field, field) == 0)
			return field_words[i].name;
	return NULL;
}

static const char *field_question(const char *field)
{
	for (size_t i = 0; i < sizeof(field_words) / sizeof(field_words[0]); i++)
		if (strcmp(field_words[i].field, field) == 0)
			return field_words[i].question;
	return field;
}

void web_error_sentence(const struct lt_error *e, char *out, size_t cap)
{
	static const char *const verbs[] = {"is ",       "must ",   "was ",
	                                    "contains ", "cannot ", "could "};
	const char *name = field_name(e->field);
	bool continues = false;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strncmp(e->message, verbs[i], strlen(verbs[i])) == 0)
			continues = true;
	if (!e->field[0])
		snprintf(out, cap, "%s", e->message);
	else if (!name)
		snprintf(out, cap, "'%s' %s", e->field, e->message);
	else if (continues)
		snprintf(out, cap, "%s %s", name, e->message);
	else
		snprintf(out, cap, "%s: %s", name, e->message);
}

/* ---- the form ------------------------------------------------------------ */

/* What the form shows: the values sent (kept as typed) and the problems. */
struct form_view {
	const struct web_form *sent;          /* NULL for an empty form */
	const struct web_report_input *input; /* NULL when there are no errors */
	bool sealing;                         /* offer contact details */
};

static const struct lt_error *view_error(const struct form_view *v, const char *field)
{
	return v->input ? web_report_input_error(v->input, field) : NULL;
}

/* The value sent for `field`, "" when none. */
static const char *view_value(const struct form_view *v, const char *field)
{
	const struct web_pair *p = NULL;
	if (v->sent)
		web_form_get(v->sent, field, &p);
	return p ? p->value : "";
}

/* Was `code` among the values sent for `field`? */
static bool view_has(const struct form_view *v, const char *field, const char *code, bool fold)
{
	if (!v->sent)
		return false;
	for (size_t i = 0; i < v->sent->count; i++) {
		const struct web_pair *p = &v->sent->pairs[i];
		if (strcmp(p->name, field) != 0)
			continue;
		if (fold ? strcasecmp(p->value, code) == 0 : strcmp(p->value, code) == 0)
			return true;
	}
	return false;
}

/* The aria-describedby attribute for a control with an optional hint. */
static lt_status described_by(struct lt_buf *b, const struct form_view *v, const char *field,
                              bool hint)
{
	bool err = view_error(v, field) != NULL;
	if (!hint && !err)
		return LT_OK;
	return lt_buf_printf(b, " aria-describedby=\"%s%s%s%s%s\"", hint ? field : "",
	                     hint ? "-hint" : "", hint && err ? " " : "", err ? field : "",
	                     err ? "-error" : "");
}

/* The error beside a control, if any. */
static lt_status error_beside(struct lt_buf *b, const struct form_view *v, const char *field)
{
	const struct lt_error *e = view_error(v, field);
	char sentence[LT_MESSAGE_MAX + LT_CODE_MAX + 8];
	if (!e)
		return LT_OK;
	web_error_sentence(e, sentence, sizeof(sentence));
	lt_status st = lt_buf_printf(b,
	                             "<p class=\"error-message\" id=\"%s-error\">"
	                             "<span class=\"visually-hidden\">Error: </span>",
	                             field);
	if (st == LT_OK)
		st = web_html_puts(b, sentence);
	if (st == LT_OK)
		st = lt_buf_puts(b, "</p>\n");
	return st;
}

static lt_status group_open(struct lt_buf *b, const struct form_view *v, const char *field,
                            const char *hint)
{
	lt_status st = lt_buf_printf(b, "<div class=\"field%s\">\n<fieldset id=\"%s\"",
	                             view_error(v, field) ? " field-error" : "", field);
	if (st == LT_OK)
		st = described_by(b, v, field, hint != NULL);
	if (st == LT_OK)
		st = lt_buf_puts(b, ">\n<legend>");
	if (st == LT_OK)
		st = web_html_puts(b, field_question(field));
	if (st == LT_OK)
		st = lt_buf_puts(b, "</legend>\n");
	if (st == LT_OK && hint) {
		st = lt_buf_printf(b, "<p class=\"hint\" id=\"%s-hint\">", field);
		if (st == LT_OK)
			st = web_html_puts(b, hint);
		if (st == LT_OK)
			st = lt_buf_puts(b, "</p>\n");
	}
	if (st == LT_OK)
		st = error_beside(b, v, field);
	return st;
}

static lt_status group_close(struct lt_buf *b)
{
	return lt_buf_puts(b, "</fieldset>\n</div>\n");
}

/* One checkbox or radio button with its label. */
static lt_status choice(struct lt_buf *b, const char *type, const char *field, const char *code,
                        const char *label, bool checked)
{
	lt_status st =
	    lt_buf_printf(b,
	                  "<div class=\"choice\">\n<input type=\"%s\" id=\"%s-%s\" "
	                  "name=\"%s\" value=\"%s\"%s>\n<label for=\"%s-%s\">",
	                  type, field, code, field, code, checked ? " checked" : "", field, code);
	if (st == LT_OK)
		st = web_html_puts(b, label);
	if (st == LT_OK)
		st = lt_buf_puts(b, "</label>\n</div>\n");
	return st;
}

static lt_status form_forms(struct lt_buf *b, const struct form_view *v)
{
	lt_status st =
	    group_open(b, v, "forms", "Choose all that apply, or \u201cNot known\u201d.");
	for (size_t i = 0; st == LT_OK && i < lt_vocab_form.count; i++) {
		const struct lt_term *t = lt_vocab_term(&lt_vocab_form, i);
		st = choice(b, "checkbox", "forms", t->code, t->label,
		            view_has(v, "forms", t->code, false));
	}
	return st == LT_OK ? group_close(b) : st;
}

static lt_status form_place(struct lt_buf *b, const struct form_view *v)
{
	lt_status st = group_open(b, v, "place", NULL);
	for (size_t i = 0; st == LT_OK && i < lt_vocab_place.count; i++) {
		const struct lt_term *t = lt_vocab_term(&lt_vocab_place, i);
		st = choice(b, "radio", "place", t->code, t->label,
		            view_has(v, "place", t->code, false));
	}
	return st == LT_OK ? group_close(b) : st;
}

/* A <select> over a vocabulary, with an empty first option. */
static lt_status form_select(struct lt_buf *b, const struct form_view *v, const char *field,
                             const struct lt_vocab *voc, const char *hint, const char *none,
                             bool fold)
{
	lt_status st = lt_buf_printf(b, "<div class=\"field%s\">\n<label for=\"%s\">",
	                             view_error(v, field) ? " field-error" : "", field);
	if (st == LT_OK)
		st = web_html_puts(b, field_question(field));
	if (st == LT_OK)
		st = lt_buf_printf(b, "</label>\n<p class=\"hint\" id=\"%s-hint\">", field);
	if (st == LT_OK)
		st = web_html_puts(b, hint);
	if (st == LT_OK)
		st = lt_buf_puts(b, "</p>\n");
	if (st == LT_OK)
		st = error_beside(b, v, field);
	if (st == LT_OK)
		st = lt_buf_printf(b, "<select id=\"%s\" name=\"%s\"", field, field);
	if (st == LT_OK)
		st = described_by(b, v, field, true);
	if (st == LT_OK)
		st = lt_buf_puts(b, ">\n<option value=\"\">");
	if (st == LT_OK)
		st = web_html_puts(b, none);
	if (st == LT_OK)
		st = lt_buf_puts(b, "</option>\n");
	for (size_t i = 0; st == LT_OK && i < voc->count; i++) {
		const struct lt_term *t = lt_vocab_term(voc, i);
		st = lt_buf_puts(b, "<option value=\"");
		if (st == LT_OK)
			st = web_html_puts(b, t->code);
		if (st == LT_OK)
			st = lt_buf_printf(b, "\"%s>",
			                   view_has(v, field, t->code, fold) ? " selected" : "");
		if (st == LT_OK)
			st = web_html_puts(b, t->label);
		if (st == LT_OK)
			st = lt_buf_puts(b, "</option>\n");
	}
	if (st == LT_OK)
		st = lt_buf_puts(b, "</select>\n</div>\n");
	return st;
}

/* A single-line text input or a textarea, with a hint and the kept value. */
static lt_status form_text(struct lt_buf *b, const struct form_view *v, const char *field,
                           const char *hint, bool multiline, int maxlength, const char *extra)
{
	lt_status st = lt_buf_printf(b, "<div class=\"field%s\">\n<label for=\"%s\">",
	                             view_error(v, field) ? " field-error" : "", field);
	if (st == LT_OK)
		st = web_html_puts(b, field_question(field));
	if (st == LT_OK)
		st = lt_buf_printf(b, "</label>\n<p class=\"hint\" id=\"%s-hint\">", field);
	if (st == LT_OK)
		st = web_html_puts(b, hint);
	if (st == LT_OK)
		st = lt_buf_puts(b, "</p>\n");
	if (st == LT_OK)
		st = error_beside(b, v, field);
	if (st == LT_OK)
		st = lt_buf_printf(b,
		                   multiline ? "<textarea id=\"%s\" name=\"%s\" rows=\"8\""
		                             : "<input type=\"text\" id=\"%s\" name=\"%s\"",
		                   field, field);
	if (st == LT_OK)
		st = lt_buf_printf(b, " maxlength=\"%d\"%s", maxlength, extra);
	if (st == LT_OK)
		st = described_by(b, v, field, true);
	if (st == LT_OK)
		/* A newline right after <textarea> is dropped by HTML parsers: write
		 * one, so a value that starts with a newline keeps it. */
		st = lt_buf_puts(b, multiline ? ">\n" : " value=\"");
	if (st == LT_OK)
		st = web_html_puts(b, view_value(v, field));
	if (st == LT_OK)
		st = lt_buf_puts(b, multiline ? "</textarea>\n</div>\n" : "\">\n</div>\n");
	return st;
}

static lt_status form_contact(struct lt_buf *b, const struct form_view *v)
{
	if (!v->sealing)
		return lt_buf_puts(b, "<p>Reports sent with this form are anonymous: we do not ask "
		                      "for your name or how to reach you.</p>\n");
	/* Anonymous unless "false" (or another no-word) was sent. */
	const char *sent = view_value(v, "anonymous");
	bool named = sent[0] && (strcasecmp(sent, "false") == 0 || strcasecmp(sent, "no") == 0 ||
	                         strcmp(sent, "0") == 0 || strcasecmp(sent, "off") == 0 ||
	                         strcasecmp(sent, "n") == 0);
	lt_status st = group_open(b, v, "anonymous",
	                          "You do not have to tell us who you are. If you leave contact "
	                          "details they are locked so that only the partnership's "
	                          "safeguarding team can read them.");
	if (st == LT_OK)
		st =
		    choice(b, "radio", "anonymous", "true", "No, I want to stay anonymous", !named);
	if (st == LT_OK)
		st = choice(b, "radio", "anonymous", "false", "Yes, you can contact me", named);
	if (st == LT_OK)
		st = group_close(b);
	if (st == LT_OK)
		st = form_text(b, v, "contact",
		               "Only if you said yes: a phone number or email address, and when "
		               "it is safe to contact you.",
		               false, LT_CONTACT_MAX, " autocomplete=\"off\"");
	return st;
}

static lt_status error_summary(struct lt_buf *b, const struct form_view *v)
{
	const struct lt_diags *d = &v->input->errors;
	lt_status st = lt_buf_puts(b, "<div class=\"error-summary\" role=\"alert\" "
	                              "aria-labelledby=\"error-summary-title\">\n"
	                              "<h2 id=\"error-summary-title\">There is a problem</h2>\n"
	                              "<ul>\n");
	for (size_t i = 0; st == LT_OK && i < d->count; i++) {
		const struct lt_error *e = &d->items[i];
		char sentence[LT_MESSAGE_MAX + LT_CODE_MAX + 8];
		if (web_report_input_error(v->input, e->field) != e)
			continue; /* one line per field */
		web_error_sentence(e, sentence, sizeof(sentence));
		/* Link to the first control of fields that have one on the page. */
		char anchor[LT_CODE_MAX + 40] = "";
		if (strcmp(e->field, "forms") == 0)
			snprintf(anchor, sizeof(anchor), "forms-%s", lt_vocab_form.terms[0].code);
		else if (strcmp(e->field, "place") == 0)
			snprintf(anchor, sizeof(anchor), "place-%s", lt_vocab_place.terms[0].code);
		else if (strcmp(e->field, "anonymous") == 0 && v->sealing)
			snprintf(anchor, sizeof(anchor), "anonymous-true");
		else if (strcmp(e->field, "district") == 0 || strcmp(e->field, "country") == 0 ||
		         strcmp(e->field, "occurred") == 0 ||
		         strcmp(e->field, "description") == 0 ||
		         (strcmp(e->field, "contact") == 0 && v->sealing))
			snprintf(anchor, sizeof(anchor), "%s", e->field);
		st = lt_buf_puts(b, "<li>");
		if (st == LT_OK && anchor[0])
			st = lt_buf_printf(b, "<a href=\"#%s\">", anchor);
		if (st == LT_OK)
			st = web_html_puts(b, sentence);
		if (st == LT_OK && anchor[0])
			st = lt_buf_puts(b, "</a>");
		if (st == LT_OK)
			st = lt_buf_puts(b, "</li>\n");
	}
	if (st == LT_OK)
		st = lt_buf_puts(b, "</ul>\n</div>\n");
	return st;
}

static lt_status render_form(struct lt_buf *b, const struct form_view *v)
{
	char hint[128];
	lt_status st =
	    lt_buf_puts(b, "<section aria-labelledby=\"report\">\n"
	                   "<h2 id=\"report\">Report a concern</h2>\n"
	                   "<p>Tell us what you have seen or heard. You do not need to be "
	                   "sure. If someone is in danger now, call 999 instead.</p>\n"
	                   "<form method=\"post\" action=\"/report\" "
	                   "accept-charset=\"utf-8\">\n");
	if (st == LT_OK)
		st = form_forms(b, v);
	if (st == LT_OK)
		st = form_place(b, v);
	if (st == LT_OK)
		st = form_select(b, v, "district", &lt_vocab_district,
		                 "Choose a district if it happened in Hertfordshire.",
		                 "Not in Hertfordshire, or not known", false);
	if (st == LT_OK)
		st = form_select(b, v, "country", &lt_vocab_country,
		                 "Choose a country if it happened abroad.",
		                 "Not abroad, or not known", true);
	snprintf(hint, sizeof(hint),
	         "A year such as 2019, a month such as 2019-05, or a day "
	         "such as 2019-05-17. Leave it empty if you do not know.");
	if (st == LT_OK)
		st = form_text(b, v, "occurred", hint, false, 10,
		               " inputmode=\"numeric\" autocomplete=\"off\"");
	if (st == LT_OK)
		st = form_text(b, v, "description",
		               "What happened, where, and anything about the people involved "
		               "that could help.",
		               true, LT_TEXT_MAX, "");
	if (st == LT_OK)
		st = form_contact(b, v);
	if (st == LT_OK)
		st = lt_buf_puts(b, "<button type=\"submit\">Send report</button>\n"
		                    "</form>\n"
		                    "</section>\n");
	return st;
}

/* ---- the public page ----------------------------------------------------- */

static lt_status render_index(struct lt_buf *b, const struct form_view *v)
{
	lt_status st =
	    web_html_open(b, v->input ? "Error: Report modern slavery" : "Report modern slavery");
	if (st == LT_OK)
		st = lt_buf_puts(b, "<h1>Modern slavery: spot it, report it</h1>\n");
	if (st == LT_OK && v->input)
		st = error_summary(b, v);
	if (st == LT_OK)
		st = lt_buf_puts(
		    b, "<section aria-labelledby=\"what\">\n"
		       "<h2 id=\"what\">What modern slavery is</h2>\n"
		       "<p>Modern slavery is when people are forced, tricked or threatened into "
		       "working or doing things for others, and cannot leave. It happens here, in "
		       "Hertfordshire: to adults and children, to British people and people from "
		       "abroad. These are its main forms:</p>\n"
		       "<dl class=\"forms\">\n");
	for (size_t i = 0; st == LT_OK && i < lt_vocab_form.count; i++) {
		if (i == LT_FORM_UNKNOWN)
			continue;
		const struct lt_term *t = lt_vocab_term(&lt_vocab_form, i);
		st = lt_buf_puts(b, "<dt>");
		if (st == LT_OK)
			st = web_html_puts(b, t->label);
		if (st == LT_OK)
			st = lt_buf_puts(b, "</dt>\n<dd>");
		if (st == LT_OK)
			st = web_html_puts(b, t->description);
		if (st == LT_OK)
			st = lt_buf_puts(b, "</dd>\n");
	}
	if (st == LT_OK)
		st = lt_buf_puts(
		    b, "</dl>\n</section>\n"
		       "<section aria-labelledby=\"how\">\n"
		       "<h2 id=\"how\">How to report</h2>\n"
		       "<ul class=\"numbers\">\n"
		       "<li>If someone is in immediate danger, call <strong>999</strong>.</li>\n"
		       "<li>To tell the police when it is not an emergency, call "
		       "<strong>101</strong>.</li>\n"
		       "<li>Call the Modern Slavery &amp; Exploitation Helpline on "
		       "<strong>08000 121 700</strong>. It is free and open 24 hours a day, "
		       "7 days a week.</li>\n"
		       "<li>Or use the form below. You do not have to give your name.</li>\n"
		       "</ul>\n"
		       "</section>\n");
	if (st == LT_OK)
		st = render_form(b, v);
	if (st == LT_OK)
		st = web_html_close(b);
	return st;
}

void web_page_index(struct web_call *c)
{
	struct lt_buf b;
	struct form_view v = {.sent = NULL, .input = NULL, .sealing = c->app->sealing};

	lt_buf_init(&b, LT_HTTP_PAGE_MAX);
	if (render_index(&b, &v) != LT_OK) {
		web_error(c, WEB_KIND_PAGE, LT_EINTERNAL, "The page could not be built.", NULL);
		goto out;
	}
	web_response_body(c->rs, 200, "text/html; charset=utf-8", &b);
	c->rs->outcome = LT_OK;
out:
	lt_buf_release(&b);
}

/* ---- POST /report -------------------------------------------------------- */

static lt_status render_confirmation(struct lt_buf *b, const char *ref)
{
	lt_status st = web_html_open(b, "Report received");
	if (st == LT_OK)
		st = lt_buf_puts(b, "<h1>Thank you: your report has been received</h1>\n"
		                    "<div class=\"confirmation\">\n"
		                    "<p>Your reference code is</p>\n"
		                    "<p class=\"reference\"><strong id=\"reference\">");
	if (st == LT_OK)
		st = web_html_puts(b, ref);
	if (st == LT_OK)
		st = lt_buf_puts(
		    b, "</strong></p>\n</div>\n"
		       "<p>Write it down somewhere safe. If you call the police or the helpline "
		       "about the same thing, give them this code so they can link what you say to "
		       "this report.</p>\n"
		       "<p>If someone is in immediate danger, call <strong>999</strong>.</p>\n"
		       "<p><a href=\"/\">Back to the start page</a></p>\n");
	if (st == LT_OK)
		st = web_html_close(b);
	return st;
}

void web_page_report(struct web_call *c)
{
	const struct web_request *rq = c->rq;
	struct web_form form = {0};
	struct web_report_input in;
	struct lt_error err;
	struct lt_buf b;
	lt_status st;

	lt_error_clear(&err);
	lt_buf_init(&b, LT_HTTP_PAGE_MAX);
	web_report_input_init(&in, WEB_INTAKE_PUBLIC);

	if (!web_content_type_is(rq->content_type, "application/x-www-form-urlencoded")) {
		web_error(c, WEB_KIND_PAGE, LT_EMEDIATYPE,
		          "The form must be sent as application/x-www-form-urlencoded.", NULL);
		web_response_header(c->rs, "Accept-Post", "application/x-www-form-urlencoded");
		goto out;
	}
	st = web_form_parse(rq->body ? rq->body : "", rq->body_len, &form, &err);
	if (st != LT_OK) {
		char detail[LT_MESSAGE_MAX + 64];
		snprintf(detail, sizeof(detail), "The form could not be read: %s.", err.message);
		web_error(c, WEB_KIND_PAGE, st, detail, NULL);
		goto out;
	}
	for (size_t i = 0; i < form.count; i++) {
		const struct web_pair *p = &form.pairs[i];
		web_report_input_set(&in, p->name, p->name_len, p->value, p->value_len);
	}
	st = web_report_input_finish(&in, c->app, &rq->today, NULL);
	if (st == LT_EINVAL) {
		struct form_view v = {.sent = &form, .input = &in, .sealing = c->app->sealing};
		if (render_index(&b, &v) != LT_OK) {
			web_error(c, WEB_KIND_PAGE, LT_EINTERNAL, "The page could not be built.",
			          NULL);
			goto out;
		}
		web_response_body(c->rs, 400, "text/html; charset=utf-8", &b);
		c->rs->outcome = LT_EINVAL;
		goto out;
	}
	if (st != LT_OK) {
		web_error(c, WEB_KIND_PAGE, st,
		          "Your report could not be saved. Please try again later, or call "
		          "08000 121 700.",
		          NULL);
		goto out;
	}
	st = web_report_store(c->app, &in.rep, "public", &err);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_PAGE, st,
		          "Your report could not be saved. Please try again later, or call "
		          "08000 121 700.",
		          NULL);
		goto out;
	}
	if (render_confirmation(&b, in.rep.ref) != LT_OK) {
		web_error(c, WEB_KIND_PAGE, LT_EINTERNAL,
		          "Your report was saved, but this page could not be built.", NULL);
		goto out;
	}
	web_response_body(c->rs, 200, "text/html; charset=utf-8", &b);
	c->rs->outcome = LT_OK;
out:
	web_report_input_release(&in);
	web_form_release(&form);
	lt_buf_release(&b);
}
