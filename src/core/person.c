/*
 * person.c — persons, referrals and cases: their field tables, patches,
 * rules, the encoding of their personal fields, and the blind index terms.
 *
 * The field tables at the bottom of each section are the single source of
 * truth for the JSON members of /api/v1/persons, /referrals and /cases and
 * for what is sealed at rest (every field whose class is not LT_DATA_NONE).
 * Parsers follow record.c: a parser reads one text value or explains what
 * it expected, naming its field; the cross-field rules live in the
 * lt_*_check functions and report every problem. The parser of a personal
 * field (any class but LT_DATA_NONE) never quotes the value in its message
 * (a name, a date of birth, a nationality, a note): it names the field and
 * says what is wrong and what was expected, since messages go back to the
 * sender and into logs (tests/core/test_person.c walks every such field).
 * Parsers of the other fields quote a bad value, as record.c's do.
 *
 * Folding for the blind index works on code points: ASCII is lower-cased
 * here (letters and digits kept, apostrophes dropped, everything else a
 * space); fullwidth ASCII is treated as ASCII; combining marks are dropped;
 * every other code point is looked up in fold.inc (generated from Unicode
 * data by scripts/gen-name-tables) and kept as it is when absent.
 */
#include "core/person.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bug.h"
#include "core/banned.h"

/* ---- vocabularies ------------------------------------------------------- */

#define TERM3(sfx, code, label) {code, label, "", "", ""},
static const struct lt_term sex_terms[] = {LT_SEX_MAP(TERM3)};
static const struct lt_term case_status_terms[] = {LT_CASE_STATUS_MAP(TERM3)};
#undef TERM3

#define LT_LANGUAGE(code, name) {code, name, "", "", ""},
static const struct lt_term language_terms[] = {
#include "core/languages.inc"
};
#undef LT_LANGUAGE

const struct lt_vocab lt_vocab_sex = {"sex", sex_terms, sizeof(sex_terms) / sizeof(sex_terms[0])};
const struct lt_vocab lt_vocab_case_status = {
    "case status", case_status_terms, sizeof(case_status_terms) / sizeof(case_status_terms[0])};
const struct lt_vocab lt_vocab_language = {"language", language_terms,
                                           sizeof(language_terms) / sizeof(language_terms[0])};

static const char *const data_class_codes[] = {
#define X(sfx, code, desc) code,
    LT_DATA_CLASS_MAP(X)
#undef X
};

const char *lt_data_class_code(enum lt_data_class c)
{
	LT_ASSERT((unsigned)c < LT_DATA_CLASS_COUNT);
	return data_class_codes[c];
}

/* ---- small helpers ------------------------------------------------------ */

static void wipe_free(char **p)
{
	if (!*p)
		return;
	size_t n = strlen(*p);
	volatile char *v = *p;
	for (size_t i = 0; i < n; i++)
		v[i] = 0;
	free(*p);
	*p = NULL;
}

/* Wipe a buffer's whole allocation (it may have held personal data). */
static void buf_wipe(struct lt_buf *b)
{
	volatile char *v = b->data;
	for (size_t i = 0; v && i < b->cap; i++)
		v[i] = 0;
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' || (*s)[*len - 1] == '\r' ||
	                (*s)[*len - 1] == '\n'))
		(*len)--;
}

/*
 * Copy personal text into a new heap string: valid UTF-8, at most `max`
 * bytes, no line breaks when `one_line`. Messages never quote the value.
 */
static lt_status text_dup(const char *field, const char *v, size_t len, size_t max, bool one_line,
                          char **out, struct lt_error *err)
{
	if (len > max)
		return lt_error_set(err, LT_ETOOBIG, field,
		                    "is %zu bytes long; at most %zu allowed", len, max);
	if (!lt_text_valid(v, len))
		return lt_error_set(err, LT_EINVAL, field,
		                    "contains bytes that are not UTF-8 text or control characters");
	if (one_line && (memchr(v, '\n', len) || memchr(v, '\r', len) || memchr(v, '\t', len)))
		return lt_error_set(err, LT_EINVAL, field, "must be one line, without tabs");
	char *s = malloc(len + 1);
	if (!s)
		return lt_error_set(err, LT_ENOMEM, field, "out of memory");
	memcpy(s, v, len);
	s[len] = '\0';
	*out = s;
	return LT_OK;
}

/* A positive decimal id. */
static lt_status id_parse(const char *field, const char *v, size_t len, int64_t *out,
                          struct lt_error *err)
{
	int64_t x = 0;
	*out = 0; /* defined on every path; meaningful only on LT_OK */
	if (len == 0 || len > 18)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			goto bad;
		x = x * 10 + (v[i] - '0');
	}
	if (x <= 0)
		goto bad;
	*out = x;
	return LT_OK;
bad:
	return lt_error_set(err, LT_EINVAL, field, "is not an id (a whole number from 1)");
}

static lt_status emit_str(const char *s, size_t i, struct lt_buf *out)
{
	if (!s || i > 0)
		return LT_ENOTFOUND;
	return lt_buf_puts(out, s);
}

static lt_status emit_code(const struct lt_vocab *v, int k, size_t i, struct lt_buf *out)
{
	if (k < 0 || i > 0)
		return LT_ENOTFOUND;
	return lt_buf_puts(out, lt_vocab_term(v, (size_t)k)->code);
}

static lt_status emit_date(const struct lt_date *d, size_t i, struct lt_buf *out)
{
	char text[LT_DATE_TEXT];
	if (d->year == 0 || i > 0)
		return LT_ENOTFOUND;
	lt_date_format(d, text);
	return lt_buf_puts(out, text);
}

static lt_status emit_id(int64_t id, size_t i, struct lt_buf *out)
{
	if (id <= 0 || i > 0)
		return LT_ENOTFOUND;
	return lt_buf_printf(out, "%lld", (long long)id);
}

static lt_status emit_bool(bool b, size_t i, struct lt_buf *out)
{
	if (i > 0)
		return LT_ENOTFOUND;
	return lt_buf_puts(out, b ? "true" : "false");
}

/* Element i of a set of forms: its i-th set bit's code. */
static lt_status emit_forms(uint32_t forms, size_t i, struct lt_buf *out)
{
	size_t k = 0;
	for (int f = 0; f < LT_FORM_COUNT; f++) {
		if (!(forms & (1u << f)))
			continue;
		if (k++ == i)
			return lt_buf_puts(out, lt_vocab_term(&lt_vocab_form, (size_t)f)->code);
	}
	return LT_ENOTFOUND;
}

static lt_status one_form(const char *field, const char *v, size_t len, uint32_t *forms,
                          struct lt_error *err)
{
	int k;
	lt_status st;
	trim(&v, &len);
	if ((st = lt_vocab_parse(&lt_vocab_form, field, v, len, &k, err)) != LT_OK)
		return st;
	*forms |= 1u << k;
	return LT_OK;
}

/* True when `a` is certainly later than `b` (see record.c). */
static bool date_surely_after(const struct lt_date *a, const struct lt_date *b)
{
	if (a->year != b->year)
		return a->year > b->year;
	if (!a->month || !b->month || a->month != b->month)
		return a->month && b->month && a->month > b->month;
	return a->day && b->day && a->day > b->day;
}

static void add(struct lt_diags *d, const char *field, const char *msg)
{
	struct lt_error e;
	lt_error_clear(&e);
	lt_error_set(&e, LT_EINVAL, field, "%s", msg);
	lt_diags_add(d, &e);
}

static bool in_future(const struct lt_date *d, const struct lt_date *today)
{
	return today && today->year && d->year && date_surely_after(d, today);
}

/* ---- persons ------------------------------------------------------------ */

void lt_person_init(struct lt_person *p)
{
	memset(p, 0, sizeof(*p));
	p->sex = -1;
	p->nationality = -1;
}

void lt_person_release(struct lt_person *p)
{
	wipe_free(&p->name);
	for (size_t i = 0; i < p->n_aliases; i++)
		wipe_free(&p->aliases[i]);
	wipe_free(&p->contact);
	/* the rest may be personal too (date of birth, sex, ...) */
	volatile unsigned char *v = (volatile unsigned char *)p;
	for (size_t i = 0; i < sizeof(*p); i++)
		v[i] = 0;
	lt_person_init(p);
}

#define PERSON(rec)  ((struct lt_person *)(rec))
#define CPERSON(rec) ((const struct lt_person *)(rec))

static lt_status name_dup(const char *field, const char *v, size_t len, char **out,
                          struct lt_error *err)
{
	trim(&v, &len);
	if (len == 0)
		return lt_error_set(err, LT_EINVAL, field, "is empty");
	return text_dup(field, v, len, LT_PERSON_NAME_MAX, true, out, err);
}

static lt_status pp_name(void *rec, const char *v, size_t n, struct lt_error *e)
{
	char *s = NULL;
	lt_status st = name_dup("name", v, n, &s, e);
	if (st == LT_OK) {
		wipe_free(&PERSON(rec)->name);
		PERSON(rec)->name = s;
	}
	return st;
}
static void pc_name(void *rec)
{
	wipe_free(&PERSON(rec)->name);
}
static lt_status pe_name(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_str(CPERSON(rec)->name, i, out);
}

static lt_status pp_aliases(void *rec, const char *v, size_t n, struct lt_error *e)
{
	struct lt_person *p = PERSON(rec);
	if (p->n_aliases == LT_PERSON_ALIASES_MAX)
		return lt_error_set(e, LT_ETOOBIG, "aliases", "at most %d aliases",
		                    LT_PERSON_ALIASES_MAX);
	lt_status st = name_dup("aliases", v, n, &p->aliases[p->n_aliases], e);
	if (st == LT_OK)
		p->n_aliases++;
	return st;
}
static void pc_aliases(void *rec)
{
	struct lt_person *p = PERSON(rec);
	for (size_t i = 0; i < p->n_aliases; i++)
		wipe_free(&p->aliases[i]);
	p->n_aliases = 0;
}
static lt_status pe_aliases(const void *rec, size_t i, struct lt_buf *out)
{
	const struct lt_person *p = CPERSON(rec);
	return i < p->n_aliases ? lt_buf_puts(out, p->aliases[i]) : LT_ENOTFOUND;
}

static lt_status pp_dob(void *rec, const char *v, size_t n, struct lt_error *e)
{
	struct lt_date d;
	/* lt_date_parse quotes the value; a date of birth is personal, so say
	 * what is wrong without it. */
	if (lt_date_parse(v, n, &d, "dob", NULL) != LT_OK)
		return lt_error_set(e, LT_EINVAL, "dob",
		                    "is not a date of birth (YYYY-MM-DD, YYYY-MM or YYYY, from %d)",
		                    LT_YEAR_MIN);
	PERSON(rec)->dob = d;
	return LT_OK;
}
static void pc_dob(void *rec)
{
	memset(&PERSON(rec)->dob, 0, sizeof(PERSON(rec)->dob));
}
static lt_status pe_dob(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_date(&CPERSON(rec)->dob, i, out);
}

/* A code of vocabulary `v` for personal field `field`: lt_vocab_parse
 * quotes a bad value, so its message is replaced by one that says what was
 * expected without it. */
static lt_status personal_code(const struct lt_vocab *v, const char *field, const char *s, size_t n,
                               int *out, struct lt_error *e)
{
	char list[512];
	trim(&s, &n);
	if (lt_vocab_parse(v, field, s, n, out, NULL) == LT_OK)
		return LT_OK;
	if (v == &lt_vocab_country)
		return lt_error_set(e, LT_EINVAL, field,
		                    "is not a country code (expected an ISO 3166-1 alpha-2 code "
		                    "such as GB, RO or VN)");
	lt_vocab_expected(v, list, sizeof(list));
	return lt_error_set(e, LT_EINVAL, field, "is not a known value (expected one of: %s)",
	                    list);
}

static lt_status pp_sex(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return personal_code(&lt_vocab_sex, "sex", v, n, &PERSON(rec)->sex, e);
}
static void pc_sex(void *rec)
{
	PERSON(rec)->sex = -1;
}
static lt_status pe_sex(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_code(&lt_vocab_sex, CPERSON(rec)->sex, i, out);
}

static lt_status pp_nationality(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return personal_code(&lt_vocab_country, "nationality", v, n, &PERSON(rec)->nationality, e);
}
static void pc_nationality(void *rec)
{
	PERSON(rec)->nationality = -1;
}
static lt_status pe_nationality(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_code(&lt_vocab_country, CPERSON(rec)->nationality, i, out);
}

static lt_status pp_languages(void *rec, const char *v, size_t n, struct lt_error *e)
{
	struct lt_person *p = PERSON(rec);
	char low[8];
	int k;
	trim(&v, &n);
	if (p->n_languages == LT_PERSON_LANGUAGES_MAX)
		return lt_error_set(e, LT_ETOOBIG, "languages", "at most %d languages",
		                    LT_PERSON_LANGUAGES_MAX);
	if (n == 0 || n >= sizeof(low))
		goto bad;
	for (size_t i = 0; i < n; i++)
		low[i] = (v[i] >= 'A' && v[i] <= 'Z') ? (char)(v[i] - 'A' + 'a') : v[i];
	if ((k = lt_vocab_find(&lt_vocab_language, low, n)) < 0)
		goto bad;
	for (size_t i = 0; i < p->n_languages; i++)
		if (p->languages[i] == k)
			return LT_OK; /* a repeat is harmless */
	p->languages[p->n_languages++] = k;
	return LT_OK;
bad:
	return lt_error_set(e, LT_EINVAL, "languages",
	                    "has a value that is not a language code (expected ISO 639-1 codes "
	                    "such as en, ro or vi, or an ISO 639-2 code where there is no 639-1 "
	                    "code)");
}
static void pc_languages(void *rec)
{
	PERSON(rec)->n_languages = 0;
}
static lt_status pe_languages(const void *rec, size_t i, struct lt_buf *out)
{
	const struct lt_person *p = CPERSON(rec);
	if (i >= p->n_languages)
		return LT_ENOTFOUND;
	return lt_buf_puts(out, lt_vocab_term(&lt_vocab_language, (size_t)p->languages[i])->code);
}

static lt_status pp_contact(void *rec, const char *v, size_t n, struct lt_error *e)
{
	char *s = NULL;
	trim(&v, &n);
	if (n == 0) {
		wipe_free(&PERSON(rec)->contact);
		return LT_OK;
	}
	lt_status st = text_dup("contact", v, n, LT_CONTACT_MAX, false, &s, e);
	if (st == LT_OK) {
		wipe_free(&PERSON(rec)->contact);
		PERSON(rec)->contact = s;
	}
	return st;
}
static void pc_contact(void *rec)
{
	wipe_free(&PERSON(rec)->contact);
}
static lt_status pe_contact(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_str(CPERSON(rec)->contact, i, out);
}

static lt_status pp_safe(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	if (lt_bool_parse("safe_to_contact", v, n, &PERSON(rec)->safe_to_contact, NULL) == LT_OK)
		return LT_OK;
	return lt_error_set(e, LT_EINVAL, "safe_to_contact",
	                    "is not true or false (also yes, no, 1, 0)");
}
static void pc_safe(void *rec)
{
	PERSON(rec)->safe_to_contact = false;
}
static lt_status pe_safe(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_bool(CPERSON(rec)->safe_to_contact, i, out);
}

const struct lt_pfield lt_person_fields[] = {
    {"name", LT_PF_REQUIRED, LT_DATA_IDENTITY,
     "the name the person gives, as they write it (at most 200 bytes)", pp_name, pc_name, pe_name},
    {"aliases", LT_PF_LIST, LT_DATA_IDENTITY,
     "other names the person is known by: an array of at most 8 names", pp_aliases, pc_aliases,
     pe_aliases},
    {"dob", 0, LT_DATA_IDENTITY,
     "date of birth: YYYY-MM-DD, or YYYY-MM or YYYY when only that "
     "is known",
     pp_dob, pc_dob, pe_dob},
    {"sex", 0, LT_DATA_IDENTITY, "female, male, other or unknown", pp_sex, pc_sex, pe_sex},
    {"nationality", 0, LT_DATA_IDENTITY, "ISO 3166-1 alpha-2 country code, e.g. RO", pp_nationality,
     pc_nationality, pe_nationality},
    {"languages", LT_PF_LIST, LT_DATA_IDENTITY,
     "languages the person speaks: an array of ISO 639-1 codes (ISO 639-2 where there is none), "
     "e.g. [\"ro\", \"en\"]",
     pp_languages, pc_languages, pe_languages},
    {"contact", 0, LT_DATA_CONTACT,
     "how to reach the person: telephone, address, a trusted third party (at most 500 bytes)",
     pp_contact, pc_contact, pe_contact},
    {"safe_to_contact", LT_PF_BOOL, LT_DATA_CONTACT,
     "true when it is known to be safe to contact the person that way (default false)", pp_safe,
     pc_safe, pe_safe},
};
const size_t lt_person_field_count = sizeof(lt_person_fields) / sizeof(lt_person_fields[0]);

lt_status lt_person_check(const struct lt_person *p, const struct lt_date *today,
                          struct lt_diags *d)
{
	size_t before = lt_diags_total(d);
	if (!p->name || !p->name[0])
		add(d, "name", "is required: the name the person gives (or how they are known)");
	if (in_future(&p->dob, today))
		add(d, "dob", "is after today");
	return lt_diags_total(d) == before ? LT_OK : LT_EINVAL;
}

/* ---- referrals ---------------------------------------------------------- */

void lt_referral_init(struct lt_referral *r)
{
	memset(r, 0, sizeof(*r));
	r->place = LT_PLACE_UNKNOWN;
	r->district = -1;
	r->country = -1;
}

void lt_referral_release(struct lt_referral *r)
{
	wipe_free(&r->notes);
	wipe_free(&r->support_needs);
	wipe_free(&r->police_intelligence);
	lt_referral_init(r);
}

#define REFERRAL(rec)  ((struct lt_referral *)(rec))
#define CREFERRAL(rec) ((const struct lt_referral *)(rec))

static lt_status rp_person(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	return id_parse("person", v, n, &REFERRAL(rec)->person_id, e);
}
static void rc_person(void *rec)
{
	REFERRAL(rec)->person_id = 0;
}
static lt_status re_person(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_id(CREFERRAL(rec)->person_id, i, out);
}

static lt_status rp_case(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	return id_parse("case", v, n, &REFERRAL(rec)->case_id, e);
}
static void rc_case(void *rec)
{
	REFERRAL(rec)->case_id = 0;
}
static lt_status re_case(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_id(CREFERRAL(rec)->case_id, i, out);
}

static lt_status rp_date(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return lt_date_parse(v, n, &REFERRAL(rec)->date, "date", e);
}
static void rc_date(void *rec)
{
	memset(&REFERRAL(rec)->date, 0, sizeof(struct lt_date));
}
static lt_status re_date(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_date(&CREFERRAL(rec)->date, i, out);
}

static lt_status rp_forms(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return one_form("forms", v, n, &REFERRAL(rec)->forms, e);
}
static void rc_forms(void *rec)
{
	REFERRAL(rec)->forms = 0;
}
static lt_status re_forms(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_forms(CREFERRAL(rec)->forms, i, out);
}

static lt_status rp_place(void *rec, const char *v, size_t n, struct lt_error *e)
{
	int k;
	trim(&v, &n);
	lt_status st = lt_vocab_parse(&lt_vocab_place, "place", v, n, &k, e);
	if (st == LT_OK)
		REFERRAL(rec)->place = (enum lt_place)k;
	return st;
}
static void rc_place(void *rec)
{
	REFERRAL(rec)->place = LT_PLACE_UNKNOWN;
}
static lt_status re_place(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_code(&lt_vocab_place, (int)CREFERRAL(rec)->place, i, out);
}

static lt_status rp_district(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	return lt_vocab_parse(&lt_vocab_district, "district", v, n, &REFERRAL(rec)->district, e);
}
static void rc_district(void *rec)
{
	REFERRAL(rec)->district = -1;
}
static lt_status re_district(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_code(&lt_vocab_district, CREFERRAL(rec)->district, i, out);
}

static lt_status rp_country(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	return lt_vocab_parse(&lt_vocab_country, "country", v, n, &REFERRAL(rec)->country, e);
}
static void rc_country(void *rec)
{
	REFERRAL(rec)->country = -1;
}
static lt_status re_country(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_code(&lt_vocab_country, CREFERRAL(rec)->country, i, out);
}

/* A free-text personal field of a referral: `off` is its member's offset. */
static lt_status rp_text(void *rec, const char *field, char **slot, const char *v, size_t n,
                         struct lt_error *e)
{
	char *s = NULL;
	(void)rec;
	trim(&v, &n);
	if (n == 0) {
		wipe_free(slot);
		return LT_OK;
	}
	lt_status st = text_dup(field, v, n, LT_TEXT_MAX, false, &s, e);
	if (st == LT_OK) {
		wipe_free(slot);
		*slot = s;
	}
	return st;
}
static lt_status rp_notes(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return rp_text(rec, "notes", &REFERRAL(rec)->notes, v, n, e);
}
static void rc_notes(void *rec)
{
	wipe_free(&REFERRAL(rec)->notes);
}
static lt_status re_notes(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_str(CREFERRAL(rec)->notes, i, out);
}
static lt_status rp_support(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return rp_text(rec, "support_needs", &REFERRAL(rec)->support_needs, v, n, e);
}
static void rc_support(void *rec)
{
	wipe_free(&REFERRAL(rec)->support_needs);
}
static lt_status re_support(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_str(CREFERRAL(rec)->support_needs, i, out);
}
static lt_status rp_intel(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return rp_text(rec, "police_intelligence", &REFERRAL(rec)->police_intelligence, v, n, e);
}
static void rc_intel(void *rec)
{
	wipe_free(&REFERRAL(rec)->police_intelligence);
}
static lt_status re_intel(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_str(CREFERRAL(rec)->police_intelligence, i, out);
}

const struct lt_pfield lt_referral_fields[] = {
    {"person", LT_PF_REQUIRED | LT_PF_ID, LT_DATA_NONE, "id of the person referred", rp_person,
     rc_person, re_person},
    {"case", LT_PF_ID, LT_DATA_NONE, "id of the case the referral belongs to, if any", rp_case,
     rc_case, re_case},
    {"date", LT_PF_REQUIRED, LT_DATA_NONE,
     "when the referral was made: YYYY-MM-DD (or YYYY-MM, YYYY)", rp_date, rc_date, re_date},
    {"forms", LT_PF_REQUIRED | LT_PF_LIST, LT_DATA_NONE,
     "forms of exploitation: an array of codes (at least one; unknown when not known)", rp_forms,
     rc_forms, re_forms},
    {"place", 0, LT_DATA_NONE,
     "where the exploitation happened: local, elsewhere_in_country, abroad or unknown (default)",
     rp_place, rc_place, re_place},
    {"district", 0, LT_DATA_NONE, "district code; required when place is local, empty otherwise",
     rp_district, rc_district, re_district},
    {"country", 0, LT_DATA_NONE,
     "ISO 3166-1 alpha-2 code; required when place is abroad, empty otherwise", rp_country,
     rc_country, re_country},
    {"notes", 0, LT_DATA_SUPPORT, "the caseworker's notes, free text (at most 8000 bytes)",
     rp_notes, rc_notes, re_notes},
    {"support_needs", 0, LT_DATA_SUPPORT,
     "what the person needs: housing, health, legal advice, ... (at most 8000 bytes)", rp_support,
     rc_support, re_support},
    {"police_intelligence", 0, LT_DATA_INTELLIGENCE,
     "intelligence for the police, free text (at most 8000 bytes)", rp_intel, rc_intel, re_intel},
};
const size_t lt_referral_field_count = sizeof(lt_referral_fields) / sizeof(lt_referral_fields[0]);

lt_status lt_referral_check(const struct lt_referral *r, const struct lt_date *today,
                            struct lt_diags *d)
{
	size_t before = lt_diags_total(d);
	if (r->person_id <= 0)
		add(d, "person", "is required: the id of the person referred");
	if (r->date.year == 0)
		add(d, "date", "is required: when the referral was made");
	if (r->forms == 0)
		add(d, "forms", "is required: at least one form of exploitation (or unknown)");
	if (r->place == LT_PLACE_LOCAL && r->district < 0)
		add(d, "district", "is required when place is local");
	if (r->place != LT_PLACE_LOCAL && r->district >= 0)
		add(d, "district", "must be empty unless place is local");
	if (r->place == LT_PLACE_ABROAD && r->country < 0)
		add(d, "country", "is required when place is abroad");
	if (r->place != LT_PLACE_ABROAD && r->country >= 0)
		add(d, "country", "must be empty unless place is abroad");
	if (in_future(&r->date, today))
		add(d, "date", "is after today");
	return lt_diags_total(d) == before ? LT_OK : LT_EINVAL;
}

/* ---- cases -------------------------------------------------------------- */

void lt_case_init(struct lt_case *c)
{
	memset(c, 0, sizeof(*c));
	c->status = LT_CASE_STATUS_OPEN;
}

#define CASE(rec)  ((struct lt_case *)(rec))
#define CCASE(rec) ((const struct lt_case *)(rec))

static lt_status cp_ref(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	lt_status st = lt_case_ref_check(v, n, "ref", e);
	if (st == LT_OK) {
		memcpy(CASE(rec)->ref, v, n);
		CASE(rec)->ref[n] = '\0';
	}
	return st;
}
static void cc_ref(void *rec)
{
	CASE(rec)->ref[0] = '\0';
}
static lt_status ce_ref(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_str(CCASE(rec)->ref[0] ? CCASE(rec)->ref : NULL, i, out);
}

static lt_status cp_opened(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return lt_date_parse(v, n, &CASE(rec)->opened, "opened", e);
}
static void cc_opened(void *rec)
{
	memset(&CASE(rec)->opened, 0, sizeof(struct lt_date));
}
static lt_status ce_opened(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_date(&CCASE(rec)->opened, i, out);
}

static lt_status cp_status(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	return lt_vocab_parse(&lt_vocab_case_status, "status", v, n, &CASE(rec)->status, e);
}
static void cc_status(void *rec)
{
	CASE(rec)->status = LT_CASE_STATUS_OPEN;
}
static lt_status ce_status(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_code(&lt_vocab_case_status, CCASE(rec)->status, i, out);
}

static lt_status cp_closed(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return lt_date_parse(v, n, &CASE(rec)->closed, "closed", e);
}
static void cc_closed(void *rec)
{
	memset(&CASE(rec)->closed, 0, sizeof(struct lt_date));
}
static lt_status ce_closed(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_date(&CCASE(rec)->closed, i, out);
}

static lt_status cp_forms(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return one_form("forms", v, n, &CASE(rec)->forms, e);
}
static void cc_forms(void *rec)
{
	CASE(rec)->forms = 0;
}
static lt_status ce_forms(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_forms(CCASE(rec)->forms, i, out);
}

static lt_status cp_persons(void *rec, const char *v, size_t n, struct lt_error *e)
{
	struct lt_case *c = CASE(rec);
	int64_t id;
	lt_status st;
	trim(&v, &n);
	if ((st = id_parse("persons", v, n, &id, e)) != LT_OK)
		return st;
	for (size_t i = 0; i < c->n_persons; i++)
		if (c->persons[i] == id)
			return LT_OK; /* a repeat is harmless */
	if (c->n_persons == LT_CASE_PERSONS_MAX)
		return lt_error_set(e, LT_ETOOBIG, "persons", "at most %d persons in one case",
		                    LT_CASE_PERSONS_MAX);
	c->persons[c->n_persons++] = id;
	return LT_OK;
}
static void cc_persons(void *rec)
{
	CASE(rec)->n_persons = 0;
}
static lt_status ce_persons(const void *rec, size_t i, struct lt_buf *out)
{
	const struct lt_case *c = CCASE(rec);
	return i < c->n_persons ? emit_id(c->persons[i], 0, out) : LT_ENOTFOUND;
}

const struct lt_pfield lt_case_fields[] = {
    {"ref", LT_PF_REQUIRED, LT_DATA_NONE,
     "the agency's reference for the case: letters, digits and / . _ - (unique)", cp_ref, cc_ref,
     ce_ref},
    {"opened", LT_PF_REQUIRED, LT_DATA_NONE,
     "when the case was opened: YYYY-MM-DD (or YYYY-MM, "
     "YYYY)",
     cp_opened, cc_opened, ce_opened},
    {"status", 0, LT_DATA_NONE, "open (default) or closed", cp_status, cc_status, ce_status},
    {"closed", 0, LT_DATA_NONE, "when the case was closed; required when status is closed",
     cp_closed, cc_closed, ce_closed},
    {"forms", LT_PF_LIST, LT_DATA_NONE, "forms of exploitation: an array of codes", cp_forms,
     cc_forms, ce_forms},
    {"persons", LT_PF_LIST | LT_PF_ID, LT_DATA_NONE,
     "ids of the persons the case is about: an array of at most 64", cp_persons, cc_persons,
     ce_persons},
};
const size_t lt_case_field_count = sizeof(lt_case_fields) / sizeof(lt_case_fields[0]);

lt_status lt_case_check(const struct lt_case *c, const struct lt_date *today, struct lt_diags *d)
{
	size_t before = lt_diags_total(d);
	if (!c->ref[0])
		add(d, "ref", "is required: the agency's reference for the case");
	if (c->opened.year == 0)
		add(d, "opened", "is required: when the case was opened");
	if (c->status == LT_CASE_STATUS_CLOSED && c->closed.year == 0)
		add(d, "closed", "is required when status is closed");
	if (c->status != LT_CASE_STATUS_CLOSED && c->closed.year != 0)
		add(d, "closed", "must be empty unless status is closed");
	if (c->closed.year && c->opened.year && date_surely_after(&c->opened, &c->closed))
		add(d, "closed", "is before the case was opened");
	if (in_future(&c->opened, today))
		add(d, "opened", "is after today");
	if (in_future(&c->closed, today))
		add(d, "closed", "is after today");
	return lt_diags_total(d) == before ? LT_OK : LT_EINVAL;
}

/* ---- shares ---------------------------------------------------------------- */

#define TERM3(sfx, code, label) {code, label, "", "", ""},
static const struct lt_term share_kind_terms[] = {LT_SHARE_KIND_MAP(TERM3)};
static const struct lt_term share_basis_terms[] = {LT_SHARE_BASIS_MAP(TERM3)};
static const struct lt_term consent_by_terms[] = {LT_CONSENT_BY_MAP(TERM3)};
static const struct lt_term lawful_reason_terms[] = {LT_LAWFUL_REASON_MAP(TERM3)};
#undef TERM3
#define TERM3(sfx, code, desc) {code, desc, "", "", ""},
static const struct lt_term data_class_terms[] = {LT_DATA_CLASS_MAP(TERM3)};
#undef TERM3

#define VOCAB(var, nm, arr) const struct lt_vocab var = {nm, arr, sizeof(arr) / sizeof(arr[0])}
VOCAB(lt_vocab_share_kind, "share kind", share_kind_terms);
VOCAB(lt_vocab_share_basis, "share basis", share_basis_terms);
VOCAB(lt_vocab_consent_by, "consent given by", consent_by_terms);
VOCAB(lt_vocab_lawful_reason, "lawful reason", lawful_reason_terms);
VOCAB(lt_vocab_data_class, "data class", data_class_terms);
#undef VOCAB

void lt_share_init(struct lt_share *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = -1;
	s->basis = -1;
	s->consent_by = -1;
	s->lawful_reason = -1;
}

#define SHARE(rec)  ((struct lt_share *)(rec))
#define CSHARE(rec) ((const struct lt_share *)(rec))

static lt_status sp_person(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	return id_parse("person", v, n, &SHARE(rec)->person_id, e);
}
static void sc_person(void *rec)
{
	SHARE(rec)->person_id = 0;
}
static lt_status se_person(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_id(CSHARE(rec)->person_id, i, out);
}

static lt_status sp_to(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	lt_status st = lt_agency_code_check(v, n, "to_agency", e);
	if (st == LT_OK) {
		memcpy(SHARE(rec)->to_agency, v, n);
		SHARE(rec)->to_agency[n] = '\0';
	}
	return st;
}
static void sc_to(void *rec)
{
	SHARE(rec)->to_agency[0] = '\0';
}
static lt_status se_to(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_str(CSHARE(rec)->to_agency[0] ? CSHARE(rec)->to_agency : NULL, i, out);
}

static lt_status sp_kind(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	return lt_vocab_parse(&lt_vocab_share_kind, "kind", v, n, &SHARE(rec)->kind, e);
}
static void sc_kind(void *rec)
{
	SHARE(rec)->kind = -1;
}
static lt_status se_kind(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_code(&lt_vocab_share_kind, CSHARE(rec)->kind, i, out);
}

static lt_status sp_classes(void *rec, const char *v, size_t n, struct lt_error *e)
{
	int k;
	trim(&v, &n);
	lt_status st = lt_vocab_parse(&lt_vocab_data_class, "classes", v, n, &k, e);
	if (st != LT_OK)
		return st;
	if (k == LT_DATA_NONE)
		return lt_error_set(e, LT_EINVAL, "classes",
		                    "'none' is not a class of personal data (identity, contact, "
		                    "support, intelligence)");
	SHARE(rec)->classes |= 1u << k;
	return LT_OK;
}
static void sc_classes(void *rec)
{
	SHARE(rec)->classes = 0;
}
static lt_status se_classes(const void *rec, size_t i, struct lt_buf *out)
{
	size_t k = 0;
	for (int c = 0; c < LT_DATA_CLASS_COUNT; c++)
		if ((CSHARE(rec)->classes & (1u << c)) && k++ == i)
			return lt_buf_puts(out, lt_data_class_code((enum lt_data_class)c));
	return LT_ENOTFOUND;
}

static lt_status sp_basis(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	return lt_vocab_parse(&lt_vocab_share_basis, "basis", v, n, &SHARE(rec)->basis, e);
}
static void sc_basis(void *rec)
{
	SHARE(rec)->basis = -1;
}
static lt_status se_basis(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_code(&lt_vocab_share_basis, CSHARE(rec)->basis, i, out);
}

static lt_status sp_consent_by(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	return lt_vocab_parse(&lt_vocab_consent_by, "consent_by", v, n, &SHARE(rec)->consent_by, e);
}
static void sc_consent_by(void *rec)
{
	SHARE(rec)->consent_by = -1;
}
static lt_status se_consent_by(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_code(&lt_vocab_consent_by, CSHARE(rec)->consent_by, i, out);
}

static lt_status sp_consent_at(void *rec, const char *v, size_t n, struct lt_error *e)
{
	return lt_date_parse(v, n, &SHARE(rec)->consent_at, "consent_at", e);
}
static void sc_consent_at(void *rec)
{
	memset(&SHARE(rec)->consent_at, 0, sizeof(struct lt_date));
}
static lt_status se_consent_at(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_date(&CSHARE(rec)->consent_at, i, out);
}

static lt_status sp_lawful(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	return lt_vocab_parse(&lt_vocab_lawful_reason, "lawful_reason", v, n,
	                      &SHARE(rec)->lawful_reason, e);
}
static void sc_lawful(void *rec)
{
	SHARE(rec)->lawful_reason = -1;
}
static lt_status se_lawful(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_code(&lt_vocab_lawful_reason, CSHARE(rec)->lawful_reason, i, out);
}

static lt_status sp_purpose(void *rec, const char *v, size_t n, struct lt_error *e)
{
	trim(&v, &n);
	if (n > LT_AUDIT_PURPOSE_MAX)
		return lt_error_set(e, LT_ETOOBIG, "purpose", "is at most %d bytes",
		                    LT_AUDIT_PURPOSE_MAX);
	if (!lt_text_valid(v, n) || memchr(v, '\n', n) || memchr(v, '\r', n))
		return lt_error_set(e, LT_EINVAL, "purpose", "must be one line of UTF-8 text");
	memcpy(SHARE(rec)->purpose, v, n);
	SHARE(rec)->purpose[n] = '\0';
	return LT_OK;
}
static void sc_purpose(void *rec)
{
	SHARE(rec)->purpose[0] = '\0';
}
static lt_status se_purpose(const void *rec, size_t i, struct lt_buf *out)
{
	return emit_str(CSHARE(rec)->purpose[0] ? CSHARE(rec)->purpose : NULL, i, out);
}

const struct lt_pfield lt_share_fields[] = {
    {"person", LT_PF_REQUIRED | LT_PF_ID, LT_DATA_NONE, "id of the person shared", sp_person,
     sc_person, se_person},
    {"to_agency", LT_PF_REQUIRED, LT_DATA_NONE, "code of the receiving agency", sp_to, sc_to,
     se_to},
    {"kind", LT_PF_REQUIRED, LT_DATA_NONE,
     "refer (the receiver may read; revocable) or transfer (the receiver becomes the owner)",
     sp_kind, sc_kind, se_kind},
    {"classes", LT_PF_LIST, LT_DATA_NONE,
     "refer: which personal data the receiver sees, an array of identity, contact, support, "
     "intelligence (intelligence only to police forces and national agencies)",
     sp_classes, sc_classes, se_classes},
    {"basis", LT_PF_REQUIRED, LT_DATA_NONE, "consent or lawful_reason", sp_basis, sc_basis,
     se_basis},
    {"consent_by", 0, LT_DATA_NONE,
     "with consent: who gave it — person, parent_or_guardian or representative", sp_consent_by,
     sc_consent_by, se_consent_by},
    {"consent_at", 0, LT_DATA_NONE, "with consent: when it was given, YYYY-MM-DD", sp_consent_at,
     sc_consent_at, se_consent_at},
    {"lawful_reason", 0, LT_DATA_NONE,
     "without consent: safeguarding_child, safeguarding_adult, "
     "prevention_or_detection_of_crime, vital_interests or legal_obligation",
     sp_lawful, sc_lawful, se_lawful},
    {"purpose", LT_PF_REQUIRED, LT_DATA_NONE,
     "for what the person is shared, one line (at most 200 bytes), written to the audit log",
     sp_purpose, sc_purpose, se_purpose},
};
const size_t lt_share_field_count = sizeof(lt_share_fields) / sizeof(lt_share_fields[0]);

lt_status lt_share_check(const struct lt_share *s, const struct lt_date *today, struct lt_diags *d)
{
	size_t before = lt_diags_total(d);
	if (s->person_id <= 0)
		add(d, "person", "is required: the id of the person shared");
	if (!s->to_agency[0])
		add(d, "to_agency", "is required: the agency the person is shared with");
	if (s->kind < 0)
		add(d, "kind", "is required: refer or transfer");
	if (s->kind == LT_SHARE_REFER && s->classes == 0)
		add(d, "classes", "is required to refer: which personal data the receiver may see");
	if (s->basis < 0)
		add(d, "basis", "is required: consent or lawful_reason");
	if (s->basis == LT_BASIS_CONSENT) {
		if (s->consent_by < 0)
			add(d, "consent_by", "is required with consent: who gave it");
		if (s->consent_at.year == 0)
			add(d, "consent_at", "is required with consent: when it was given");
		if (s->lawful_reason >= 0)
			add(d, "lawful_reason", "must be empty when the basis is consent");
	}
	if (s->basis == LT_BASIS_LAWFUL_REASON) {
		if (s->lawful_reason < 0)
			add(d, "lawful_reason", "is required when there is no consent");
		if (s->consent_by >= 0)
			add(d, "consent_by", "must be empty when the basis is a lawful reason");
		if (s->consent_at.year)
			add(d, "consent_at", "must be empty when the basis is a lawful reason");
	}
	if (in_future(&s->consent_at, today))
		add(d, "consent_at", "is after today");
	if (!s->purpose[0])
		add(d, "purpose", "is required: for what the person is shared");
	return lt_diags_total(d) == before ? LT_OK : LT_EINVAL;
}

/* ---- field tables in general -------------------------------------------- */

const struct lt_pfield *lt_pfield_find(const struct lt_pfield *fields, size_t n, const char *name,
                                       size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(fields[i].name) == len && memcmp(fields[i].name, name, len) == 0)
			return &fields[i];
	return NULL;
}

lt_status lt_patch_apply(const struct lt_pfield *fields, size_t nfields, void *rec,
                         const struct lt_patch *patch, struct lt_diags *d)
{
	size_t before = lt_diags_total(d);
	for (size_t i = 0; i < patch->n; i++) {
		const struct lt_patch_item *it = &patch->items[i];
		struct lt_error e;
		LT_ASSERT(it->field >= fields && it->field < fields + nfields);
		lt_error_clear(&e);
		if (!(it->field->flags & LT_PF_LIST) && it->n > 1) {
			lt_error_set(&e, LT_EINVAL, it->field->name, "takes one value, not a list");
			lt_diags_add(d, &e);
			continue;
		}
		it->field->clear(rec);
		for (size_t k = 0; k < it->n; k++) {
			if (it->field->parse(rec, it->values[k], it->lens[k], &e) != LT_OK) {
				lt_diags_add(d, &e);
				break;
			}
		}
	}
	return lt_diags_total(d) == before ? LT_OK : LT_EINVAL;
}

void lt_pfields_clear(const struct lt_pfield *fields, size_t nfields, void *rec, unsigned classes)
{
	for (size_t i = 0; i < nfields; i++)
		if (fields[i].class != LT_DATA_NONE && (classes & (1u << fields[i].class)))
			fields[i].clear(rec);
}

#define ENCODING_MAGIC "LTF1"

lt_status lt_pfields_encode(const struct lt_pfield *fields, size_t nfields, const void *rec,
                            struct lt_buf *out)
{
	struct lt_buf v;
	lt_status st = lt_buf_append(out, ENCODING_MAGIC, 4);
	lt_buf_init(&v, out->max);
	for (size_t i = 0; i < nfields && st == LT_OK; i++) {
		if (fields[i].class == LT_DATA_NONE)
			continue;
		for (size_t k = 0;; k++) {
			lt_buf_reset(&v);
			lt_status e = fields[i].emit(rec, k, &v);
			if (e == LT_ENOTFOUND)
				break;
			if ((st = e) != LT_OK)
				break;
			size_t nl = strlen(fields[i].name);
			LT_ASSERT(nl < 256);
			unsigned char h[1] = {(unsigned char)nl};
			unsigned char len[4] = {(unsigned char)(v.len >> 24),
			                        (unsigned char)(v.len >> 16),
			                        (unsigned char)(v.len >> 8), (unsigned char)v.len};
			if ((st = lt_buf_append(out, h, 1)) != LT_OK ||
			    (st = lt_buf_append(out, fields[i].name, nl)) != LT_OK ||
			    (st = lt_buf_append(out, len, 4)) != LT_OK ||
			    (st = lt_buf_append(out, v.data ? v.data : "", v.len)) != LT_OK)
				break;
		}
	}
	buf_wipe(&v);
	lt_buf_release(&v);
	return st;
}

lt_status lt_pfields_decode(const struct lt_pfield *fields, size_t nfields, void *rec,
                            const unsigned char *bytes, size_t len, struct lt_error *err)
{
	size_t at = 4;
	const struct lt_pfield *last = NULL;
	bool seen[64] = {false};
	LT_ASSERT(nfields <= 64);
	if (len < 4 || memcmp(bytes, ENCODING_MAGIC, 4) != 0)
		return lt_error_set(err, LT_EPARSE, NULL, "sealed fields: not an LTF1 encoding");
	while (at < len) {
		size_t nl = bytes[at++];
		if (len - at < nl + 4)
			goto short_read;
		const struct lt_pfield *f =
		    lt_pfield_find(fields, nfields, (const char *)bytes + at, nl);
		at += nl;
		size_t vl = ((size_t)bytes[at] << 24) | ((size_t)bytes[at + 1] << 16) |
		            ((size_t)bytes[at + 2] << 8) | bytes[at + 3];
		at += 4;
		if (len - at < vl)
			goto short_read;
		if (!f || f->class == LT_DATA_NONE)
			return lt_error_set(err, LT_EPARSE, NULL,
			                    "sealed fields: a field this lantern does not know");
		size_t idx = (size_t)(f - fields);
		if (seen[idx] && !(f->flags & LT_PF_LIST))
			return lt_error_set(err, LT_EPARSE, f->name,
			                    "sealed fields: one value given twice");
		if (f != last && seen[idx])
			return lt_error_set(err, LT_EPARSE, f->name,
			                    "sealed fields: a list given in two places");
		seen[idx] = true;
		last = f;
		lt_status st = f->parse(rec, (const char *)bytes + at, vl, err);
		if (st != LT_OK)
			return st;
		at += vl;
	}
	return LT_OK;
short_read:
	return lt_error_set(err, LT_EPARSE, NULL, "sealed fields: cut short");
}

/* ---- folding names ------------------------------------------------------ */

struct fold {
	uint32_t cp;
	const char *to;
};

static const struct fold fold_table[] = {
#define LT_FOLD(cp, to) {cp, to},
#include "core/fold.inc"
#undef LT_FOLD
};

static int fold_cmp(const void *key, const void *elem)
{
	uint32_t cp = *(const uint32_t *)key;
	uint32_t e = ((const struct fold *)elem)->cp;
	return cp < e ? -1 : cp > e;
}

static bool combining(uint32_t cp)
{
	return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
	       (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
	       (cp >= 0xFE20 && cp <= 0xFE2F);
}

/* Decode the code point at s[*i] (valid UTF-8 assumed), advancing *i. */
static uint32_t utf8_next(const unsigned char *s, size_t *i)
{
	unsigned c = s[*i];
	uint32_t cp;
	size_t n;
	if (c < 0x80) {
		(*i)++;
		return c;
	} else if ((c & 0xe0) == 0xc0) {
		cp = c & 0x1f, n = 1;
	} else if ((c & 0xf0) == 0xe0) {
		cp = c & 0x0f, n = 2;
	} else {
		cp = c & 0x07, n = 3;
	}
	for (size_t k = 1; k <= n; k++)
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	*i += n + 1;
	return cp;
}

/* Append folded text, turning each space into at most one separator and
 * none at the start. *space says a separator is pending. */
static lt_status put_folded(struct lt_buf *out, const char *t, size_t n, bool *space)
{
	lt_status st = LT_OK;
	for (size_t k = 0; k < n && st == LT_OK; k++) {
		if (t[k] == ' ') {
			*space = out->len > 0;
			continue;
		}
		if (*space) {
			st = lt_buf_append(out, " ", 1);
			*space = false;
		}
		if (st == LT_OK)
			st = lt_buf_append(out, &t[k], 1);
	}
	return st;
}

lt_status lt_name_normalise(const char *s, size_t len, struct lt_buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	bool space = false;
	lt_status st = LT_OK;
	lt_buf_reset(out);
	if (!lt_text_valid(s, len))
		return LT_EINVAL;
	for (size_t i = 0; i < len && st == LT_OK;) {
		size_t start = i;
		uint32_t cp = utf8_next(u, &i);
		if (cp >= 0xFF01 && cp <= 0xFF5E)
			cp -= 0xFEE0; /* fullwidth ASCII */
		if (cp == 0x3000)
			cp = ' '; /* ideographic space */
		if (cp < 0x80) {
			char c = (char)cp;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
				st = put_folded(out, &c, 1, &space);
			else if (c != '\'' && c != '`')
				st = put_folded(out, " ", 1, &space);
			continue;
		}
		if (combining(cp))
			continue;
		const struct fold *f =
		    bsearch(&cp, fold_table, sizeof(fold_table) / sizeof(fold_table[0]),
		            sizeof(fold_table[0]), fold_cmp);
		if (f)
			st = put_folded(out, f->to, strlen(f->to), &space);
		else
			st = put_folded(out, s + start, i - start, &space);
	}
	return st;
}

/* ---- index terms --------------------------------------------------------- */

void lt_index_terms_init(struct lt_index_terms *t)
{
	memset(t, 0, sizeof(*t));
	lt_buf_init(&t->text, LT_INDEX_TERMS_MAX * (LT_PERSON_NAME_MAX * 3 + 8));
}

void lt_index_terms_release(struct lt_index_terms *t)
{
	buf_wipe(&t->text);
	lt_buf_release(&t->text);
	t->n = 0;
}

const char *lt_index_term(const struct lt_index_terms *t, size_t i)
{
	LT_ASSERT(i < t->n);
	return t->text.data + t->at[i];
}

/* Add "<kind><text>" unless it is there already, or the list is full
 * (LT_ETOOBIG, *added false). */
static lt_status term_add(struct lt_index_terms *t, const char *kind, const char *text, size_t n,
                          bool *added)
{
	size_t kl = strlen(kind);
	*added = false;
	for (size_t i = 0; i < t->n; i++) {
		const char *x = t->text.data + t->at[i];
		if (strlen(x) == kl + n && memcmp(x, kind, kl) == 0 && memcmp(x + kl, text, n) == 0)
			return LT_OK;
	}
	if (t->n == LT_INDEX_TERMS_MAX)
		return LT_ETOOBIG;
	size_t at = t->text.len;
	lt_status st;
	if ((st = lt_buf_append(&t->text, kind, kl)) != LT_OK ||
	    (st = lt_buf_append(&t->text, text, n)) != LT_OK ||
	    (st = lt_buf_append(&t->text, "", 1)) != LT_OK)
		return st;
	t->at[t->n++] = at;
	*added = true;
	return LT_OK;
}

lt_status lt_index_terms_add(struct lt_index_terms *t, const char *kind, const char *text, size_t n)
{
	bool added;
	return term_add(t, kind, text, n, &added);
}

/* Add the whole-name term of `norm` (when `whole`) and its words, at most
 * *words_left more words. */
static lt_status name_terms(struct lt_index_terms *t, const char *norm, size_t n, bool whole,
                            size_t *words_left, size_t *words_added)
{
	bool added;
	lt_status st = LT_OK;
	if (n == 0)
		return LT_OK;
	if (whole && (st = term_add(t, "n:", norm, n, &added)) != LT_OK)
		return st;
	for (size_t i = 0; i<n && * words_left> 0;) {
		size_t j = i;
		while (j < n && norm[j] != ' ')
			j++;
		if ((st = term_add(t, "t:", norm + i, j - i, &added)) != LT_OK)
			return st;
		if (added) {
			(*words_left)--;
			if (words_added)
				(*words_added)++;
		}
		i = j + 1;
	}
	return LT_OK;
}

static lt_status date_term(struct lt_index_terms *t, const struct lt_date *d, bool all)
{
	char text[LT_DATE_TEXT];
	bool added;
	lt_status st = LT_OK;
	lt_date_format(d, text);
	if (d->year == 0)
		return LT_OK;
	if ((all || d->month == 0) && (st = term_add(t, "y:", text, 4, &added)) != LT_OK)
		return st;
	if (d->month && (all || d->day == 0) && (st = term_add(t, "m:", text, 7, &added)) != LT_OK)
		return st;
	if (d->day)
		st = term_add(t, "d:", text, 10, &added);
	return st;
}

lt_status lt_person_index_terms(const struct lt_person *p, struct lt_index_terms *t)
{
	struct lt_buf norm;
	size_t words_left = LT_INDEX_WORDS_MAX;
	lt_status st = LT_OK;
	lt_buf_reset(&t->text);
	t->n = 0;
	lt_buf_init(&norm, LT_PERSON_NAME_MAX * 3 + 1);
	for (size_t i = 0; i <= p->n_aliases && st == LT_OK; i++) {
		const char *name = i == 0 ? p->name : p->aliases[i - 1];
		if (!name)
			continue;
		if ((st = lt_name_normalise(name, strlen(name), &norm)) != LT_OK)
			break;
		st = name_terms(t, norm.data ? norm.data : "", norm.len, true, &words_left, NULL);
	}
	if (st == LT_OK)
		st = date_term(t, &p->dob, true);
	buf_wipe(&norm);
	lt_buf_release(&norm);
	return st;
}

lt_status lt_person_query_terms(const char *name, size_t name_len, const struct lt_date *dob,
                                struct lt_index_terms *t, size_t *n_words, struct lt_error *err)
{
	struct lt_buf norm;
	size_t words_left = LT_INDEX_WORDS_MAX;
	lt_status st = LT_OK;
	lt_buf_reset(&t->text);
	t->n = 0;
	*n_words = 0;
	if ((!name || name_len == 0) && (!dob || dob->year == 0))
		return lt_error_set(err, LT_EINVAL, "query",
		                    "give a name, a date of birth or both");
	lt_buf_init(&norm, LT_PERSON_NAME_MAX * 3 + 1);
	if (name && name_len) {
		if (name_len > LT_PERSON_NAME_MAX) {
			st = lt_error_set(err, LT_ETOOBIG, "name", "is longer than %d bytes",
			                  LT_PERSON_NAME_MAX);
			goto out;
		}
		if (lt_name_normalise(name, name_len, &norm) != LT_OK) {
			st = lt_error_set(err, LT_EINVAL, "name", "is not UTF-8 text");
			goto out;
		}
		if (norm.len == 0) {
			st = lt_error_set(err, LT_EINVAL, "name",
			                  "has no letter or digit to search by");
			goto out;
		}
		if ((st = name_terms(t, norm.data, norm.len, true, &words_left, n_words)) !=
		    LT_OK) {
			st = lt_error_set(err, st, "name", "has too many words");
			goto out;
		}
	}
	if (dob && dob->year && (st = date_term(t, dob, false)) != LT_OK)
		st = lt_error_set(err, st, "dob", "cannot be searched for");
out:
	buf_wipe(&norm);
	lt_buf_release(&norm);
	return st;
}
