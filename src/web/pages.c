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
 * The page is written for a frightened member of the public, often on a
 * phone: a "Report a concern" link near the top skips to the form (#report);
 * the page's words are the public's, not the staff's (public_labels: "In
 * Hertfordshire", not "In the partnership area"); the country list is in
 * the order of the names (web_country_order_alloc, sorted once at start),
 * not of the ISO codes; the date is a plain text box, since a numeric keypad
 * has no '-'.
 *
 * POST /report validates through report.c (the same field parsers and
 * cross-field rules as import and the API, with the public intake's
 * forgiveness of a district or country that does not go with the place and
 * of contact details typed while staying anonymous) and either stores the
 * report and answers 200 with a page showing its reference code
 * (id="reference"), or answers 400 with the form again: an error summary at
 * the top linking to each bad control in the order of the page, each error
 * beside its control, and everything typed kept (HTML-escaped). The errors
 * are plain sentences from public_messages, which say what to do ("Choose
 * the district where it happened"); the technical ones are the API's. A body
 * that is not application/x-www-form-urlencoded is answered 415. The
 * confirmation is served directly rather than by redirect, so the code is
 * never in a URL, a log or the browser's history; both answers carry
 * Cache-Control: no-store.
 *
 * Contact details are offered only when the server has a sealing key
 * (web_options.keyfile); without one every public report is anonymous.
 *
 * The form carries a signed, dated token in a hidden field "csrf" (auth.c),
 * issued with each page that shows the form; web_handle checks it before
 * web_page_report runs. A form whose token is refused — too old, or from a
 * server that has restarted since, or not from this site at all — is not
 * stored: web_page_report_refused answers 403 with the form again, what was
 * typed kept and a fresh token, and says that nothing was sent. The person
 * can check it and send it once more; a page on another site that posts
 * to /report gains nothing, since it could send a public report itself.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/taxonomy.h"
#include "core/banned.h"

/* How each report field is named to the public: the short name used in
 * technical error sentences and the question the form asks. */
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

/*
 * Labels the public sees instead of the taxonomy's, where the staff's word
 * would puzzle a member of the public: "the partnership area" means nothing
 * to someone who has never heard of the partnership. Anything not listed
 * keeps its taxonomy label.
 */
static const struct {
	const struct lt_vocab *vocab;
	const char *code;
	const char *label;
} public_labels[] = {
    {&lt_vocab_place, "local", "In Hertfordshire"},
};

static const char *public_label(const struct lt_vocab *v, const struct lt_term *t)
{
	for (size_t i = 0; i < sizeof(public_labels) / sizeof(public_labels[0]); i++)
		if (public_labels[i].vocab == v && strcmp(public_labels[i].code, t->code) == 0)
			return public_labels[i].label;
	return t->label;
}

/*
 * What the public form says when an answer cannot be used, by field and by
 * the kind of rule broken (web_rule). The first row that matches wins: a
 * row for the field and its rule, then a row for the field and any rule,
 * then a row for any field. Each sentence says what to do next, in the words
 * of the form, without codes or formats; like GOV.UK's error messages they
 * have no full stop. The API keeps the technical messages instead.
 */
static const struct {
	const char *field;  /* NULL: any field */
	enum web_rule rule; /* WEB_RULE_ANY: any rule */
	const char *message;
} public_messages[] = {
    {"forms", WEB_RULE_ANY,
     "Choose what kind of exploitation you think it is, or \u201cNot known\u201d"},
    {"place", WEB_RULE_ANY, "Choose where it happened, or \u201cNot known\u201d"},
    {"district", WEB_RULE_ANY, "Choose the district where it happened"},
    {"country", WEB_RULE_ANY, "Choose the country where it happened"},
    {"occurred", WEB_RULE_CHECK, "The date cannot be in the future"},
    {"occurred", WEB_RULE_ANY, "Enter a year (2019), a month (2019-05) or a day (2019-05-17)"},
    {"description", WEB_RULE_TOO_LONG, "Your description is too long: please shorten it"},
    {"description", WEB_RULE_INVALID,
     "Your description has characters we cannot read: please type it again"},
    {"anonymous", WEB_RULE_ANY, "Choose whether we can contact you"},
    {"contact", WEB_RULE_TOO_LONG, "Your contact details are too long: please shorten them"},
    {"contact", WEB_RULE_INVALID,
     "Your contact details have characters we cannot read: please type them again"},
    {"contact", WEB_RULE_NO_KEY,
     "We cannot take contact details at the moment: choose to stay anonymous, or call "
     "08000 121 700"},
    {"contact", WEB_RULE_CHECK, "Tell us how we can contact you, or choose to stay anonymous"},
    {NULL, WEB_RULE_UNKNOWN,
     "The form sent something we did not expect: please fill in the form on this page again"},
    {NULL, WEB_RULE_TWICE, "The form sent an answer twice: please give one answer"},
    {NULL, WEB_RULE_ANY, "Check your answer to this question"},
};

const char *web_public_message(const char *field, enum web_rule rule)
{
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < sizeof(public_messages) / sizeof(public_messages[0]); i++) {
			const char *f = public_messages[i].field;
			enum web_rule r = public_messages[i].rule;
			bool match = pass == 0   ? f && strcmp(f, field) == 0 && r == rule
			             : pass == 1 ? f && strcmp(f, field) == 0 && r == WEB_RULE_ANY
			                         : !f && (r == rule || r == WEB_RULE_ANY);
			if (match)
				return public_messages[i].message;
		}
	}
	return public_messages[sizeof(public_messages) / sizeof(public_messages[0]) - 1].message;
}

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

/* ---- the country list ------------------------------------------------------ */

/*
 * lt_vocab_country is in ISO code order (AD Andorra, AE United Arab
 * Emirates, AF Afghanistan, ...), which nobody scanning a list for a name
 * expects. The public form lists the countries by name instead. The order is
 * computed once, when the app starts (web_app_init), not per request.
 *
 * Names compare letter by letter with case folded and the Latin-1 accented
 * letters (U+00C0..U+00FF, UTF-8 C3 80..C3 BF) read as their base letter, the
 * way a person reads them; no locale is involved, so the order is the same on
 * every machine. Other bytes compare as they are.
 */

/* Base letters of U+00C0..U+00FF; 0 where there is none (x and / signs). */
static const char latin1_base[64] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts"
                                    "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";

/* The next byte of `*s` as it sorts, advancing *s. 0 at the end. */
static unsigned char fold_next(const unsigned char **s)
{
	unsigned char c = **s;
	if (!c)
		return 0;
	(*s)++;
	if (c == 0xc3 && **s >= 0x80 && **s <= 0xbf && latin1_base[**s - 0x80]) {
		c = (unsigned char)latin1_base[**s - 0x80];
		(*s)++;
		return c;
	}
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static int name_cmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	for (;;) {
		unsigned char x = fold_next(&p), y = fold_next(&q);
		if (x != y || !x)
			return (int)x - (int)y;
	}
}

static int country_cmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = name_cmp(lt_vocab_term(&lt_vocab_country, i)->label,
	                 lt_vocab_term(&lt_vocab_country, j)->label);
	return c ? c : (i > j) - (i < j);
}

size_t *web_country_order_alloc(void)
{
	size_t n = lt_vocab_country.count;
	size_t *order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return NULL;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort(order, n, sizeof(*order), country_cmp);
	return order;
}

/* ---- the form ------------------------------------------------------------ */

/* What the form shows: the values sent (kept as typed) and the problems. */
struct form_view {
	const struct web_form *sent;          /* NULL for an empty form */
	const struct web_report_input *input; /* NULL when there are no errors */
	bool sealing;                         /* offer contact details */
	const size_t *country_order;          /* the country list's order (web_app) */
	const char *csrf;                     /* the form token to send with it */
	bool refused;                         /* the form came back because its token was
	                                         refused: say that nothing was sent */
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
	if (!e)
		return LT_OK;
	lt_status st = lt_buf_printf(b,
	                             "<p class=\"error-message\" id=\"%s-error\">"
	                             "<span class=\"visually-hidden\">Error: </span>",
	                             field);
	if (st == LT_OK)
		st = web_html_puts(b, e->message);
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
		st = choice(b, "checkbox", "forms", t->code, public_label(&lt_vocab_form, t),
		            view_has(v, "forms", t->code, false));
	}
	return st == LT_OK ? group_close(b) : st;
}

static lt_status form_place(struct lt_buf *b, const struct form_view *v)
{
	lt_status st = group_open(b, v, "place", NULL);
	for (size_t i = 0; st == LT_OK && i < lt_vocab_place.count; i++) {
		const struct lt_term *t = lt_vocab_term(&lt_vocab_place, i);
		st = choice(b, "radio", "place", t->code, public_label(&lt_vocab_place, t),
		            view_has(v, "place", t->code, false));
	}
	return st == LT_OK ? group_close(b) : st;
}

/* A <select> over a vocabulary, with an empty first option `none`. The
 * options come in the order of `order` (voc->count indexes into voc), or in
 * the vocabulary's own order when it is NULL. */
static lt_status form_select(struct lt_buf *b, const struct form_view *v, const char *field,
                             const struct lt_vocab *voc, const size_t *order, const char *hint,
                             const char *none, bool fold)
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
		const struct lt_term *t = lt_vocab_term(voc, order ? order[i] : i);
		st = lt_buf_puts(b, "<option value=\"");
		if (st == LT_OK)
			st = web_html_puts(b, t->code);
		if (st == LT_OK)
			st = lt_buf_printf(b, "\"%s>",
			                   view_has(v, field, t->code, fold) ? " selected" : "");
		if (st == LT_OK)
			st = web_html_puts(b, public_label(voc, t));
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

/* One line of the error summary: the message, linked to the field's first
 * control when the page has one. */
static lt_status summary_line(struct lt_buf *b, const struct form_view *v, const struct lt_error *e)
{
	char anchor[LT_CODE_MAX + 40] = "";
	if (strcmp(e->field, "forms") == 0)
		snprintf(anchor, sizeof(anchor), "forms-%s", lt_vocab_form.terms[0].code);
	else if (strcmp(e->field, "place") == 0)
		snprintf(anchor, sizeof(anchor), "place-%s", lt_vocab_place.terms[0].code);
	else if (strcmp(e->field, "anonymous") == 0 && v->sealing)
		snprintf(anchor, sizeof(anchor), "anonymous-true");
	else if (strcmp(e->field, "district") == 0 || strcmp(e->field, "country") == 0 ||
	         strcmp(e->field, "occurred") == 0 || strcmp(e->field, "description") == 0 ||
	         (strcmp(e->field, "contact") == 0 && v->sealing))
		snprintf(anchor, sizeof(anchor), "%s", e->field);
	lt_status st = lt_buf_puts(b, "<li>");
	if (st == LT_OK && anchor[0])
		st = lt_buf_printf(b, "<a href=\"#%s\">", anchor);
	if (st == LT_OK)
		st = web_html_puts(b, e->message);
	if (st == LT_OK && anchor[0])
		st = lt_buf_puts(b, "</a>");
	if (st == LT_OK)
		st = lt_buf_puts(b, "</li>\n");
	return st;
}

/* The position of `field` on the page (its row in field_words); fields the
 * form does not have come after all of them. */
static size_t field_rank(const char *field)
{
	size_t i = 0;
	for (; i < sizeof(field_words) / sizeof(field_words[0]); i++)
		if (strcmp(field_words[i].field, field) == 0)
			break;
	return i;
}

/*
 * The summary at the top of a form sent back: the first problem of each
 * field, in the order of the fields on the page, then the names the form
 * does not have; a message is said once even when several fields have it.
 */
static lt_status error_summary(struct lt_buf *b, const struct form_view *v)
{
	const struct lt_diags *d = &v->input->errors;
	const size_t ranks = sizeof(field_words) / sizeof(field_words[0]) + 1;
	unsigned char rank[LT_DIAGS_MAX]; /* field_rank of each error, or ranks when not
	                                     the first of its field (not shown) */
	bool said[LT_DIAGS_MAX];          /* the error's line was written */
	lt_status st = lt_buf_puts(b, "<div class=\"error-summary\" role=\"alert\" "
	                              "aria-labelledby=\"error-summary-title\">\n"
	                              "<h2 id=\"error-summary-title\">There is a problem</h2>\n"
	                              "<ul>\n");
	LT_ASSERT(d->count <= LT_DIAGS_MAX && ranks < 255);
	for (size_t i = 0; i < d->count; i++) {
		const struct lt_error *e = &d->items[i];
		rank[i] = (unsigned char)(web_report_input_error(v->input, e->field) == e
		                              ? field_rank(e->field)
		                              : ranks);
		said[i] = false;
	}
	for (size_t r = 0; st == LT_OK && r < ranks; r++) {
		for (size_t i = 0; st == LT_OK && i < d->count; i++) {
			bool repeat = false;
			if (rank[i] != r)
				continue;
			for (size_t k = 0; k < d->count && !repeat; k++)
				repeat = said[k] &&
				         strcmp(d->items[k].message, d->items[i].message) == 0;
			if (repeat)
				continue;
			st = summary_line(b, v, &d->items[i]);
			said[i] = true;
		}
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
		st = lt_buf_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n",
		                   v->csrf);
	if (st == LT_OK)
		st = form_forms(b, v);
	if (st == LT_OK)
		st = form_place(b, v);
	if (st == LT_OK)
		st = form_select(b, v, "district", &lt_vocab_district, NULL,
		                 "Choose a district if it happened in Hertfordshire.",
		                 "Choose a district", false);
	if (st == LT_OK)
		st = form_select(b, v, "country", &lt_vocab_country, v->country_order,
		                 "Choose a country if it happened abroad.", "Choose a country",
		                 true);
	snprintf(hint, sizeof(hint),
	         "A year such as 2019, a month such as 2019-05, or a day "
	         "such as 2019-05-17. Leave it empty if you do not know.");
	if (st == LT_OK)
		/* Plain text, no inputmode="numeric": iOS's numeric keypad has no
		 * '-', and "2019-05" could not be typed. */
		st = form_text(b, v, "occurred", hint, false, 10, " autocomplete=\"off\"");
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
	lt_status st = web_html_open(b,
	                             v->input || v->refused ? "Error: Report modern slavery"
	                                                    : "Report modern slavery",
	                             true);
	if (st == LT_OK)
		st = lt_buf_puts(b, "<h1>Modern slavery: spot it, report it</h1>\n");
	if (st == LT_OK && v->input)
		st = error_summary(b, v);
	if (st == LT_OK && v->refused)
		st = lt_buf_puts(
		    b, "<div class=\"error-summary\" role=\"alert\" "
		       "aria-labelledby=\"error-summary-title\">\n"
		       "<h2 id=\"error-summary-title\">Your report has not been sent yet</h2>\n"
		       "<p>The form was open for a long time, or the website restarted, so we could "
		       "not accept it. Nothing has been sent. Your answers are kept below: check "
		       "them and <a href=\"#report\">send the report again</a>.</p>\n"
		       "</div>\n");
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
	char csrf[WEB_FORM_TOKEN_SIZE];
	struct form_view v = {.sent = NULL,
	                      .input = NULL,
	                      .sealing = c->app->sealing,
	                      .country_order = c->app->country_order,
	                      .csrf = csrf};

	web_form_token(c->app, WEB_FORM_REPORT, NULL, c->rq->now, csrf);
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

/* The confirmation page. `contact_ignored`: contact details were typed but
 * "stay anonymous" was chosen, so they were not kept; say so, in case the
 * person meant to leave them. */
static lt_status render_confirmation(struct lt_buf *b, const char *ref, bool contact_ignored)
{
	lt_status st = web_html_open(b, "Report received", false);
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
		       "this report.</p>\n");
	if (st == LT_OK && contact_ignored)
		st =
		    lt_buf_puts(b, "<p>You chose to stay anonymous, so we did not keep the contact "
		                   "details you typed. If you want us to be able to contact you, "
		                   "call the helpline on <strong>08000 121 700</strong> and give "
		                   "them your reference code.</p>\n");
	if (st == LT_OK)
		st = lt_buf_puts(
		    b, "<p>If someone is in immediate danger, call <strong>999</strong>.</p>\n"
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
		if (strcmp(p->name, "csrf") == 0)
			continue; /* the form token, checked by web_handle */
		web_report_input_set(&in, p->name, p->name_len, p->value, p->value_len);
	}
	st = web_report_input_finish(&in, c->app, &rq->today, NULL);
	if (st == LT_EINVAL) {
		char csrf[WEB_FORM_TOKEN_SIZE];
		struct form_view v = {.sent = &form,
		                      .input = &in,
		                      .sealing = c->app->sealing,
		                      .country_order = c->app->country_order,
		                      .csrf = csrf};
		web_form_token(c->app, WEB_FORM_REPORT, NULL, rq->now, csrf);
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
	if (render_confirmation(&b, in.rep.ref, in.contact_ignored) != LT_OK) {
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

/* POST /report with a token web_handle refused: the form again, as sent,
 * with a fresh token and the news that nothing was sent (403). */
void web_page_report_refused(struct web_call *c, const struct web_form *form)
{
	struct lt_buf b;
	char csrf[WEB_FORM_TOKEN_SIZE];
	struct form_view v = {.sent = form,
	                      .input = NULL,
	                      .sealing = c->app->sealing,
	                      .country_order = c->app->country_order,
	                      .csrf = csrf,
	                      .refused = true};

	web_form_token(c->app, WEB_FORM_REPORT, NULL, c->rq->now, csrf);
	lt_buf_init(&b, LT_HTTP_PAGE_MAX);
	if (render_index(&b, &v) != LT_OK) {
		web_error(c, WEB_KIND_PAGE, LT_EFORBIDDEN,
		          "This form has expired. Go back, reload the page and try again.", NULL);
		goto out;
	}
	web_response_body(c->rs, 403, "text/html; charset=utf-8", &b);
	c->rs->outcome = LT_EFORBIDDEN;
out:
	if (b.data)
		lt_crypto_wipe(b.data, b.len);
	lt_buf_release(&b);
}
