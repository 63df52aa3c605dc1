/*
 * record.c — parsing and validating lantern's records, field by field.
 *
 * The field tables at the bottom are the single source of truth for the
 * columns of `lantern import reports|arrests`, the names of the public form's
 * controls and the members of the JSON API's report object. Each parser
 * accepts the text of one field and either stores the typed value or explains
 * what it expected. Cross-field rules live in lt_report_check and
 * lt_arrest_check, which report every problem they find, not just the first.
 */
#include "core/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/banned.h"

/* ---- small text helpers ------------------------------------------------ */

bool lt_text_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		unsigned c = *p;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
				return false;
			p++;
			continue;
		}
		size_t n;
		unsigned min;
		unsigned cp;
		if ((c & 0xe0) == 0xc0) {
			n = 1, min = 0x80, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, min = 0x800, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

/* Trim ASCII spaces and tabs from both ends of [*s, *s+*len). */
static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

static lt_status bad_value(struct lt_error *err, const char *field, const char *v, size_t len,
			   const char *expected)
{
	char q[80];
	lt_error_quote(q, sizeof(q), v, len, 40);
	return lt_error_set(err, LT_EINVAL, field, "unknown value '%s' (expected %s)", q, expected);
}

static lt_status vocab_value(const struct lt_vocab *v, const char *field, const char *s,
			     size_t len, int *out, struct lt_error *err)
{
	int i = lt_vocab_find(v, s, len);
	*out = 0; /* defined on every path; meaningful only on LT_OK */
	if (i < 0) {
		char exp[2048];
		char list[2000];
		if (v == &lt_vocab_country) {
			snprintf(exp, sizeof(exp), "an ISO 3166-1 alpha-2 country code such as GB, RO or VN");
		} else {
			lt_vocab_expected(v, list, sizeof(list));
			snprintf(exp, sizeof(exp), "one of: %s", list);
		}
		return bad_value(err, field, s, len, exp);
	}
	*out = i;
	return LT_OK;
}

/* ---- dates ------------------------------------------------------------- */

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

lt_status lt_date_parse(const char *s, size_t len, struct lt_date *out, const char *field,
			struct lt_error *err)
{
	struct lt_date d = {0, 0, 0};
	char q[80];
	trim(&s, &len);
	lt_error_quote(q, sizeof(q), s, len, 40);
	if (!(len == 4 || len == 7 || len == 10) || !digits(s, 4, &d.year) ||
	    (len >= 7 && (s[4] != '-' || !digits(s + 5, 2, &d.month))) ||
	    (len == 10 && (s[7] != '-' || !digits(s + 8, 2, &d.day))))
		return lt_error_set(err, LT_EINVAL, field,
				    "'%s' is not a date (expected YYYY-MM-DD, YYYY-MM or YYYY)", q);
	if (d.year < LT_YEAR_MIN || d.year > LT_YEAR_MAX)
		return lt_error_set(err, LT_EINVAL, field, "year %d is out of range (%d to %d)",
				    d.year, LT_YEAR_MIN, LT_YEAR_MAX);
	if (len >= 7 && (d.month < 1 || d.month > 12))
		return lt_error_set(err, LT_EINVAL, field, "'%s' has no month %02d", q, d.month);
	if (len == 10 && (d.day < 1 || d.day > days_in_month(d.year, d.month)))
		return lt_error_set(err, LT_EINVAL, field, "'%s' is not a day of the calendar", q);
	*out = d;
	return LT_OK;
}

void lt_date_format(const struct lt_date *d, char out[LT_DATE_TEXT])
{
	if (d->year == 0)
		out[0] = '\0';
	else if (d->month == 0)
		snprintf(out, LT_DATE_TEXT, "%04d", d->year);
	else if (d->day == 0)
		snprintf(out, LT_DATE_TEXT, "%04d-%02d", d->year, d->month);
	else
		snprintf(out, LT_DATE_TEXT, "%04d-%02d-%02d", d->year, d->month, d->day);
}

int lt_date_cmp(const struct lt_date *a, const struct lt_date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

/* ---- reference codes --------------------------------------------------- */

/* Crockford's base 32: no I, L, O or U, so codes read aloud or copied by hand
 * survive. */
static const char ref_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void lt_ref_format(uint64_t bits, char out[LT_REF_SIZE])
{
	memcpy(out, "LT-", 3);
	for (int i = 0; i < 8; i++)
		out[3 + i] = ref_alphabet[(bits >> (5 * (7 - i))) & 31];
	out[11] = '\0';
	/* LT_REF_SIZE leaves one spare byte; keep it NUL. */
	out[12] = '\0';
}

bool lt_ref_valid(const char *s)
{
	if (strlen(s) != 11 || strncasecmp(s, "LT-", 3) != 0)
		return false;
	for (int i = 3; i < 11; i++) {
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!strchr(ref_alphabet, c) || c == '\0')
			return false;
	}
	return true;
}

/* ---- records ----------------------------------------------------------- */

void lt_report_init(struct lt_report *r)
{
	memset(r, 0, sizeof(*r));
	r->source = LT_SOURCE_PUBLIC;
	r->place = LT_PLACE_UNKNOWN;
	r->district = -1;
	r->country = -1;
	r->anonymous = true;
}

static void wipe_free(void *p, size_t n)
{
	if (!p)
		return;
	volatile unsigned char *v = p;
	for (size_t i = 0; i < n; i++)
		v[i] = 0;
	free(p);
}

void lt_report_release(struct lt_report *r)
{
	if (r->description)
		wipe_free(r->description, strlen(r->description));
	if (r->contact)
		wipe_free(r->contact, strlen(r->contact));
	free(r->contact_sealed);
	r->description = NULL;
	r->contact = NULL;
	r->contact_sealed = NULL;
	r->contact_sealed_len = 0;
}

void lt_arrest_init(struct lt_arrest *a)
{
	memset(a, 0, sizeof(*a));
	a->offence = LT_OFFENCE_NOT_RECORDED;
}

lt_status lt_agency_code_check(const char *code, size_t len, const char *field,
			       struct lt_error *err)
{
	char q[80];
	lt_error_quote(q, sizeof(q), code, len, 40);
	if (len == 0 || len >= LT_CODE_MAX)
		return lt_error_set(err, LT_EINVAL, field,
				    "'%s' is not an agency code (1 to %d characters)", q,
				    LT_CODE_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		char c = code[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return lt_error_set(
			    err, LT_EINVAL, field,
			    "'%s' is not an agency code (lower-case letters, digits, '_' and '-')", q);
	}
	return LT_OK;
}

lt_status lt_agency_code_from_name(const char *name, size_t len, char out[LT_CODE_MAX],
				   struct lt_error *err)
{
	size_t n = 0;
	bool gap = false;
	for (size_t i = 0; i < len && n < LT_CODE_MAX - 1; i++) {
		char c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (gap && n > 0 && n < LT_CODE_MAX - 2)
				out[n++] = '_';
			gap = false;
			out[n++] = c;
		} else if (c == '\'' && !gap) {
			continue; /* "St John's" -> "st_johns" */
		} else {
			gap = true;
		}
	}
	out[n] = '\0';
	if (n == 0)
		return lt_error_set(err, LT_EINVAL, "code",
				    "no agency code can be made from that name; give one with --code");
	return LT_OK;
}

/* Copy text into a heap string after checking it; `max` bytes at most. */
static lt_status dup_text(const char *field, const char *v, size_t len, size_t max, char **out,
			  struct lt_error *err)
{
	if (len > max)
		return lt_error_set(err, LT_ETOOBIG, field, "is %zu bytes long; at most %zu allowed",
				    len, max);
	if (!lt_text_valid(v, len))
		return lt_error_set(err, LT_EINVAL, field,
				    "contains bytes that are not UTF-8 text or control characters");
	char *s = malloc(len + 1);
	if (!s)
		return lt_error_set(err, LT_ENOMEM, field, "out of memory");
	memcpy(s, v, len);
	s[len] = '\0';
	if (*out)
		wipe_free(*out, strlen(*out));
	*out = s;
	return LT_OK;
}

static lt_status parse_bool(const char *field, const char *v, size_t len, bool *out,
			    struct lt_error *err)
{
	static const char *const yes[] = {"true", "yes", "1", "on", "y"};
	static const char *const no[] = {"false", "no", "0", "off", "n"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strlen(yes[i]) == len && strncasecmp(v, yes[i], len) == 0) {
			*out = true;
			return LT_OK;
		}
		if (strlen(no[i]) == len && strncasecmp(v, no[i], len) == 0) {
			*out = false;
			return LT_OK;
		}
	}
	return bad_value(err, field, v, len, "one of: true, false, yes, no, 1, 0");
}

static lt_status copy_code(const char *field, const char *v, size_t len, char out[LT_CODE_MAX],
			   struct lt_error *err)
{
	lt_status st = lt_agency_code_check(v, len, field, err);
	if (st != LT_OK)
		return st;
	memcpy(out, v, len);
	out[len] = '\0';
	return LT_OK;
}

/*
 * Parse a list of exploitation forms: codes separated by ';', ',' or '|'
 * (spaces around them ignored). Repeats are harmless. At least one code.
 */
static lt_status parse_forms(const char *field, const char *v, size_t len, uint32_t *out,
			     struct lt_error *err)
{
	uint32_t forms = 0;
	size_t i = 0;
	while (i <= len) {
		size_t j = i;
		while (j < len && v[j] != ';' && v[j] != ',' && v[j] != '|')
			j++;
		const char *tok = v + i;
		size_t tlen = j - i;
		trim(&tok, &tlen);
		if (tlen) {
			int k;
			lt_status st = vocab_value(&lt_vocab_form, field, tok, tlen, &k, err);
			if (st != LT_OK)
				return st;
			forms |= 1u << k;
		}
		i = j + 1;
	}
	if (!forms)
		return lt_error_set(err, LT_EINVAL, field, "no form of exploitation given");
	*out = forms;
	return LT_OK;
}

/* Report field parsers. */
#define REPORT(rec) ((struct lt_report *)(rec))

static lt_status rp_source(void *rec, const char *v, size_t n, struct lt_error *e)
{
	int k;
	lt_status st = vocab_value(&lt_vocab_source, "source", v, n, &k, e);
	if (st == LT_OK)
		REPORT(rec)->source = (enum lt_source)k;
	return st;
}
static lt_status rp_agency(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return copy_code("agency", v, n, REPORT(rec)->agency, e);
}
static lt_status rp_received(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return lt_date_parse(v, n, &REPORT(rec)->received, "received", e);
}
static lt_status rp_occurred(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return lt_date_parse(v, n, &REPORT(rec)->occurred, "occurred", e);
}
static lt_status rp_forms(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return parse_forms("forms", v, n, &REPORT(rec)->forms, e);
}
static lt_status rp_place(void *rec, const char *v, size_t n, struct lt_error *e)
{
	int k;
	lt_status st = vocab_value(&lt_vocab_place, "place", v, n, &k, e);
	if (st == LT_OK)
		REPORT(rec)->place = (enum lt_place)k;
	return st;
}
static lt_status rp_district(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return vocab_value(&lt_vocab_district, "district", v, n, &REPORT(rec)->district, e);
}
static lt_status rp_country(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return vocab_value(&lt_vocab_country, "country", v, n, &REPORT(rec)->country, e);
}
static lt_status rp_anonymous(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return parse_bool("anonymous", v, n, &REPORT(rec)->anonymous, e);
}
static lt_status rp_description(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return dup_text("description", v, n, LT_TEXT_MAX, &REPORT(rec)->description, e);
}
static lt_status rp_contact(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return dup_text("contact", v, n, LT_CONTACT_MAX, &REPORT(rec)->contact, e);
}

const struct lt_field lt_report_fields[] = {
	{"received", true, "date the concern was reported: YYYY-MM-DD (or YYYY-MM, YYYY)", rp_received},
	{"source", true, "public or partner", rp_source},
	{"agency", false, "code of the reporting agency; required when source is partner, empty for public", rp_agency},
	{"forms", true, "forms of exploitation, codes separated by ';' (at least one)", rp_forms},
	{"place", true, "where it happened: local, elsewhere_in_country, abroad or unknown", rp_place},
	{"district", false, "district code; required when place is local, empty otherwise", rp_district},
	{"country", false, "ISO 3166-1 alpha-2 code; required when place is abroad, empty otherwise", rp_country},
	{"occurred", false, "when it happened, if known: YYYY-MM-DD, YYYY-MM or YYYY", rp_occurred},
	{"anonymous", false, "true or false (default true)", rp_anonymous},
	{"description", false, "what was seen or heard, free text (at most 8000 bytes)", rp_description},
	{"contact", false, "how to reach the reporter, when not anonymous; stored sealed", rp_contact},
};
const size_t lt_report_field_count = sizeof(lt_report_fields) / sizeof(lt_report_fields[0]);

/* Arrest field parsers. */
#define ARREST(rec) ((struct lt_arrest *)(rec))

static lt_status ap_date(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return lt_date_parse(v, n, &ARREST(rec)->date, "date", e);
}
static lt_status ap_offence(void *rec, const char *v, size_t n, struct lt_error *e)
{
	int k;
	lt_status st = vocab_value(&lt_vocab_offence, "offence", v, n, &k, e);
	if (st == LT_OK)
		ARREST(rec)->offence = (enum lt_offence)k;
	return st;
}
static lt_status ap_agency(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return copy_code("agency", v, n, ARREST(rec)->agency, e);
}
/* Case references are the owning agency's own: letters, digits and / . _ - */
lt_status lt_case_ref_check(const char *v, size_t n, const char *field, struct lt_error *e)
{
	char q[80];
	lt_error_quote(q, sizeof(q), v, n, 40);
	if (n >= LT_CODE_MAX)
		return lt_error_set(e, LT_EINVAL, field, "'%s' is longer than %d characters", q,
				    LT_CODE_MAX - 1);
	if (n == 0)
		return lt_error_set(e, LT_EINVAL, field, "a case reference cannot be empty");
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '/' || c == '.'))
			return lt_error_set(e, LT_EINVAL, field,
					    "'%s' is not a case reference (letters, digits, / . _ -)", q);
	}
	return LT_OK;
}

static lt_status ap_case(void *rec, const char *v, size_t n, struct lt_error *e)
{
	lt_status st = n ? lt_case_ref_check(v, n, "case", e) : LT_OK;
	if (st != LT_OK)
		return st;
	memcpy(ARREST(rec)->case_ref, v, n);
	ARREST(rec)->case_ref[n] = '\0';
	return LT_OK;
}

const struct lt_field lt_arrest_fields[] = {
	{"date", true, "date of the arrest: YYYY-MM-DD (or YYYY-MM, YYYY when only that is known)", ap_date},
	{"offence", true, "offence code (see lantern's taxonomy)", ap_offence},
	{"agency", true, "code of the arresting agency", ap_agency},
	{"case", false, "reference of the case the arrest belongs to, if any", ap_case},
};
const size_t lt_arrest_field_count = sizeof(lt_arrest_fields) / sizeof(lt_arrest_fields[0]);

const struct lt_field *lt_field_find(const struct lt_field *fields, size_t n, const char *name,
				      size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(fields[i].name) == len && memcmp(fields[i].name, name, len) == 0)
			return &fields[i];
	return NULL;
}

/* ---- cross-field checks ------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, *(const char *const *)b);
}

static bool known_has(const char *const *v, size_t n, const char *s)
{
	return n && bsearch(s, v, n, sizeof(v[0]), cmp_str) != NULL;
}

static void add(struct lt_diags *d, long line, lt_status st, const char *field, const char *msg)
{
	struct lt_error e;
	lt_error_clear(&e);
	lt_error_set(&e, st, field, "%s", msg);
	e.line = line;
	lt_diags_add(d, &e);
}

/* True when `a` is certainly later than `b`: later at the precision both
 * dates have ("2019-05-17" is not after "2019-05", which may mean the 31st). */
static bool date_surely_after(const struct lt_date *a, const struct lt_date *b)
{
	if (a->year != b->year)
		return a->year > b->year;
	if (!a->month || !b->month || a->month != b->month)
		return a->month && b->month && a->month > b->month;
	return a->day && b->day && a->day > b->day;
}

lt_status lt_report_check(const struct lt_report *r, const struct lt_known *known, long line,
			  struct lt_diags *d)
{
	size_t before = lt_diags_total(d);
	char msg[LT_MESSAGE_MAX];

	if (r->received.year == 0)
		add(d, line, LT_EINVAL, "received", "is required: the date the concern was reported");
	if (r->forms == 0)
		add(d, line, LT_EINVAL, "forms", "is required: at least one form of exploitation (or unknown)");
	if (r->place == LT_PLACE_LOCAL && r->district < 0)
		add(d, line, LT_EINVAL, "district", "is required when place is local");
	if (r->place != LT_PLACE_LOCAL && r->district >= 0)
		add(d, line, LT_EINVAL, "district", "must be empty unless place is local");
	if (r->place == LT_PLACE_ABROAD && r->country < 0)
		add(d, line, LT_EINVAL, "country", "is required when place is abroad");
	if (r->place != LT_PLACE_ABROAD && r->country >= 0)
		add(d, line, LT_EINVAL, "country", "must be empty unless place is abroad");
	if (r->occurred.year && r->received.year && date_surely_after(&r->occurred, &r->received))
		add(d, line, LT_EINVAL, "occurred", "is after the date the concern was reported");
	if (r->source == LT_SOURCE_PARTNER && !r->agency[0])
		add(d, line, LT_EINVAL, "agency", "is required when source is partner");
	if (r->source == LT_SOURCE_PUBLIC && r->agency[0])
		add(d, line, LT_EINVAL, "agency", "must be empty when source is public");
	if (r->anonymous && r->contact && r->contact[0])
		add(d, line, LT_EINVAL, "contact", "must be empty when the report is anonymous");
	if (!r->anonymous && !(r->contact && r->contact[0]) && !r->contact_sealed &&
	    r->source == LT_SOURCE_PUBLIC)
		add(d, line, LT_EINVAL, "contact",
		    "is required when the report is not anonymous: say how we can reach you");
	if (known && r->agency[0] && !known_has(known->agencies, known->n_agencies, r->agency)) {
		snprintf(msg, sizeof(msg), "unknown agency '%s' (see `lantern agency list`)", r->agency);
		add(d, line, LT_EINVAL, "agency", msg);
	}
	return lt_diags_total(d) == before ? LT_OK : LT_EINVAL;
}

lt_status lt_arrest_check(const struct lt_arrest *a, const struct lt_known *known, long line,
			  struct lt_diags *d)
{
	size_t before = lt_diags_total(d);
	char msg[LT_MESSAGE_MAX];
	if (a->date.year == 0)
		add(d, line, LT_EINVAL, "date", "is required");
	if (!a->agency[0])
		add(d, line, LT_EINVAL, "agency", "is required");
	if (known && a->agency[0] && !known_has(known->agencies, known->n_agencies, a->agency)) {
		snprintf(msg, sizeof(msg), "unknown agency '%s' (see `lantern agency list`)", a->agency);
		add(d, line, LT_EINVAL, "agency", msg);
	}
	if (known && a->case_ref[0] && !known_has(known->cases, known->n_cases, a->case_ref)) {
		snprintf(msg, sizeof(msg), "unknown case '%s'", a->case_ref);
		add(d, line, LT_EINVAL, "case", msg);
	}
	return lt_diags_total(d) == before ? LT_OK : LT_EINVAL;
}

/* ---- the parsers, for other field tables (core/person.c) ---------------- */

lt_status lt_vocab_parse(const struct lt_vocab *v, const char *field, const char *s, size_t len,
			 int *out, struct lt_error *err)
{
	return vocab_value(v, field, s, len, out, err);
}

lt_status lt_forms_parse(const char *field, const char *v, size_t len, uint32_t *out,
			 struct lt_error *err)
{
	return parse_forms(field, v, len, out, err);
}

lt_status lt_bool_parse(const char *field, const char *v, size_t len, bool *out,
			struct lt_error *err)
{
	return parse_bool(field, v, len, out, err);
}
