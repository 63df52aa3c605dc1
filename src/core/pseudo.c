/*
 * pseudo.c — the pseudonymised record of a person, its field tables, and the
 * table of every field of a record about a person with what an analyst sees
 * of it (pseudo.h; docs/security.md, "Pseudonymised reads for analysts").
 *
 * The member tables are lt_pfield tables with emitters only: a member is
 * written from the record as text values, as the members of persons are,
 * so the API's JSON and the OpenAPI schemas come from one place. Dates are
 * cut to the month before they reach the record (lt_pseudo_month), the
 * date of birth to its year (lt_pseudo_person_from); the emitters only
 * write what is there.
 */
#include "core/pseudo.h"

#include <string.h>

#include "core/bug.h"
#include "core/banned.h"

void lt_pseudo_person_init(struct lt_pseudo_person *pp)
{
	memset(pp, 0, sizeof(*pp));
	pp->sex = -1;
	pp->nationality = -1;
}

void lt_pseudo_person_release(struct lt_pseudo_person *pp)
{
	volatile unsigned char *v = (volatile unsigned char *)pp;
	for (size_t i = 0; i < sizeof(*pp); i++)
		v[i] = 0;
	lt_pseudo_person_init(pp);
}

struct lt_date lt_pseudo_month(const struct lt_date *d)
{
	struct lt_date m = {d->year, d->month, 0};
	return m;
}

void lt_pseudo_person_from(const struct lt_person *p, struct lt_pseudo_person *pp)
{
	pp->birth_year = p->dob.year;
	pp->sex = p->sex;
	pp->nationality = p->nationality;
	LT_ASSERT(p->n_languages <= LT_PERSON_LANGUAGES_MAX);
	pp->n_languages = p->n_languages;
	memcpy(pp->languages, p->languages, p->n_languages * sizeof(p->languages[0]));
}

/* ---- emitters ------------------------------------------------------------- */

static lt_status emit_str(const char *s, size_t i, struct lt_buf *out)
{
	if (!s || !s[0] || i > 0)
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
	/* never a day: the record holds months at most */
	LT_ASSERT(d->day == 0);
	lt_date_format(d, text);
	return lt_buf_puts(out, text);
}

static lt_status emit_forms(uint32_t forms, size_t i, struct lt_buf *out)
{
	size_t k = 0;
	for (int f = 0; f < LT_FORM_COUNT; f++)
		if ((forms & (1u << f)) && k++ == i)
			return lt_buf_puts(out, lt_vocab_term(&lt_vocab_form, (size_t)f)->code);
	return LT_ENOTFOUND;
}

/* A member whose values are objects (lt_pseudo_nests): no text. */
static lt_status emit_nested(const void *r, size_t i, struct lt_buf *o)
{
	(void)r;
	(void)i;
	(void)o;
	return LT_ENOTFOUND;
}

#define PP(rec) ((const struct lt_pseudo_person *)(rec))
#define PR(rec) ((const struct lt_pseudo_referral *)(rec))
#define PC(rec) ((const struct lt_pseudo_case *)(rec))
#define PA(rec) ((const struct lt_pseudo_arrest *)(rec))

static lt_status pe_pseudonym(const void *r, size_t i, struct lt_buf *o)
{
	return emit_str(PP(r)->pseudonym, i, o);
}
static lt_status pe_agency(const void *r, size_t i, struct lt_buf *o)
{
	return emit_str(PP(r)->agency, i, o);
}
static lt_status pe_agency_kind(const void *r, size_t i, struct lt_buf *o)
{
	return emit_code(&lt_vocab_agency_kind, PP(r)->agency_kind, i, o);
}
static lt_status pe_birth_year(const void *r, size_t i, struct lt_buf *o)
{
	if (PP(r)->birth_year <= 0 || i > 0)
		return LT_ENOTFOUND;
	return lt_buf_printf(o, "%d", PP(r)->birth_year);
}
static lt_status pe_sex(const void *r, size_t i, struct lt_buf *o)
{
	return emit_code(&lt_vocab_sex, PP(r)->sex, i, o);
}
static lt_status pe_nationality(const void *r, size_t i, struct lt_buf *o)
{
	return emit_code(&lt_vocab_country, PP(r)->nationality, i, o);
}
static lt_status pe_languages(const void *r, size_t i, struct lt_buf *o)
{
	if (i >= PP(r)->n_languages)
		return LT_ENOTFOUND;
	return lt_buf_puts(o, lt_vocab_term(&lt_vocab_language, (size_t)PP(r)->languages[i])->code);
}
static lt_status pe_truncated(const void *r, size_t i, struct lt_buf *o)
{
	if (i > 0)
		return LT_ENOTFOUND;
	return lt_buf_puts(o, PP(r)->truncated ? "true" : "false");
}

const struct lt_pfield lt_pseudo_person_fields[] = {
    {"pseudonym", LT_PF_REQUIRED, LT_DATA_NONE,
     "the person's pseudonym: P- and 16 characters of A-Z and 2-7; the same for the same "
     "person in every answer, across key rotations",
     NULL, NULL, pe_pseudonym},
    {"agency", LT_PF_REQUIRED, LT_DATA_NONE, "the code of the agency that owns the record", NULL,
     NULL, pe_agency},
    {"agency_kind", LT_PF_REQUIRED, LT_DATA_NONE, "the kind of that agency", NULL, NULL,
     pe_agency_kind},
    {"birth_year", LT_PF_ID, LT_DATA_IDENTITY,
     "the year of birth (never the month or day); null when not known", NULL, NULL, pe_birth_year},
    {"sex", 0, LT_DATA_IDENTITY, "female, male, other or unknown; null when not given", NULL, NULL,
     pe_sex},
    {"nationality", 0, LT_DATA_IDENTITY, "ISO 3166-1 alpha-2 country code; null when not given",
     NULL, NULL, pe_nationality},
    {"languages", LT_PF_LIST, LT_DATA_IDENTITY, "ISO 639-1 codes (ISO 639-2 where there is none)",
     NULL, NULL, pe_languages},
    {"referrals", LT_PF_LIST, LT_DATA_NONE,
     "the person's referrals, oldest first (at most 32): objects", NULL, NULL, emit_nested},
    {"cases", LT_PF_LIST, LT_DATA_NONE,
     "the cases about the person, oldest first (at most 8), with their arrests: objects", NULL,
     NULL, emit_nested},
    {"truncated", LT_PF_BOOL, LT_DATA_NONE,
     "true when the person has more referrals, cases or arrests than an answer holds", NULL, NULL,
     pe_truncated},
};
const size_t lt_pseudo_person_field_count =
    sizeof(lt_pseudo_person_fields) / sizeof(lt_pseudo_person_fields[0]);

static lt_status re_date(const void *r, size_t i, struct lt_buf *o)
{
	return emit_date(&PR(r)->date, i, o);
}
static lt_status re_agency(const void *r, size_t i, struct lt_buf *o)
{
	return emit_str(PR(r)->agency, i, o);
}
static lt_status re_agency_kind(const void *r, size_t i, struct lt_buf *o)
{
	return emit_code(&lt_vocab_agency_kind, PR(r)->agency_kind, i, o);
}
static lt_status re_forms(const void *r, size_t i, struct lt_buf *o)
{
	return emit_forms(PR(r)->forms, i, o);
}
static lt_status re_place(const void *r, size_t i, struct lt_buf *o)
{
	return emit_code(&lt_vocab_place, (int)PR(r)->place, i, o);
}
static lt_status re_district(const void *r, size_t i, struct lt_buf *o)
{
	return emit_code(&lt_vocab_district, PR(r)->district, i, o);
}
static lt_status re_country(const void *r, size_t i, struct lt_buf *o)
{
	return emit_code(&lt_vocab_country, PR(r)->country, i, o);
}

const struct lt_pfield lt_pseudo_referral_fields[] = {
    {"date", LT_PF_REQUIRED, LT_DATA_NONE, "when the referral was made: YYYY-MM, or YYYY", NULL,
     NULL, re_date},
    {"agency", LT_PF_REQUIRED, LT_DATA_NONE, "the code of the referring agency", NULL, NULL,
     re_agency},
    {"agency_kind", LT_PF_REQUIRED, LT_DATA_NONE, "the kind of the referring agency", NULL, NULL,
     re_agency_kind},
    {"forms", LT_PF_LIST, LT_DATA_NONE, "forms of exploitation: codes", NULL, NULL, re_forms},
    {"place", LT_PF_REQUIRED, LT_DATA_NONE, "local, elsewhere_in_country, abroad or unknown", NULL,
     NULL, re_place},
    {"district", 0, LT_DATA_NONE, "the district code when the place is local", NULL, NULL,
     re_district},
    {"country", 0, LT_DATA_NONE, "ISO 3166-1 alpha-2 code when the place is abroad", NULL, NULL,
     re_country},
};
const size_t lt_pseudo_referral_field_count =
    sizeof(lt_pseudo_referral_fields) / sizeof(lt_pseudo_referral_fields[0]);

static lt_status ce_agency(const void *r, size_t i, struct lt_buf *o)
{
	return emit_str(PC(r)->agency, i, o);
}
static lt_status ce_agency_kind(const void *r, size_t i, struct lt_buf *o)
{
	return emit_code(&lt_vocab_agency_kind, PC(r)->agency_kind, i, o);
}
static lt_status ce_status(const void *r, size_t i, struct lt_buf *o)
{
	return emit_code(&lt_vocab_case_status, PC(r)->status, i, o);
}
static lt_status ce_opened(const void *r, size_t i, struct lt_buf *o)
{
	return emit_date(&PC(r)->opened, i, o);
}
static lt_status ce_closed(const void *r, size_t i, struct lt_buf *o)
{
	return emit_date(&PC(r)->closed, i, o);
}
static lt_status ce_forms(const void *r, size_t i, struct lt_buf *o)
{
	return emit_forms(PC(r)->forms, i, o);
}

const struct lt_pfield lt_pseudo_case_fields[] = {
    {"agency", LT_PF_REQUIRED, LT_DATA_NONE, "the code of the agency that owns the case", NULL,
     NULL, ce_agency},
    {"agency_kind", LT_PF_REQUIRED, LT_DATA_NONE, "the kind of that agency", NULL, NULL,
     ce_agency_kind},
    {"status", LT_PF_REQUIRED, LT_DATA_NONE, "open or closed", NULL, NULL, ce_status},
    {"opened", LT_PF_REQUIRED, LT_DATA_NONE, "when the case was opened: YYYY-MM, or YYYY", NULL,
     NULL, ce_opened},
    {"closed", 0, LT_DATA_NONE, "when it was closed: YYYY-MM, or YYYY; null while open", NULL, NULL,
     ce_closed},
    {"forms", LT_PF_LIST, LT_DATA_NONE, "forms of exploitation: codes", NULL, NULL, ce_forms},
    {"arrests", LT_PF_LIST, LT_DATA_NONE,
     "the arrests of the case, oldest first (at most 8): objects", NULL, NULL, emit_nested},
};
const size_t lt_pseudo_case_field_count =
    sizeof(lt_pseudo_case_fields) / sizeof(lt_pseudo_case_fields[0]);

static lt_status ae_date(const void *r, size_t i, struct lt_buf *o)
{
	return emit_date(&PA(r)->date, i, o);
}
static lt_status ae_offence(const void *r, size_t i, struct lt_buf *o)
{
	return emit_code(&lt_vocab_offence, PA(r)->offence, i, o);
}
static lt_status ae_agency(const void *r, size_t i, struct lt_buf *o)
{
	return emit_str(PA(r)->agency, i, o);
}

const struct lt_pfield lt_pseudo_arrest_fields[] = {
    {"date", LT_PF_REQUIRED, LT_DATA_NONE, "when the arrest was made: YYYY-MM, or YYYY", NULL, NULL,
     ae_date},
    {"offence", LT_PF_REQUIRED, LT_DATA_NONE, "the offence code", NULL, NULL, ae_offence},
    {"agency", LT_PF_REQUIRED, LT_DATA_NONE, "the code of the arresting agency", NULL, NULL,
     ae_agency},
};
const size_t lt_pseudo_arrest_field_count =
    sizeof(lt_pseudo_arrest_fields) / sizeof(lt_pseudo_arrest_fields[0]);

/* ---- nested members ---------------------------------------------------------- */

static size_t n_referrals(const void *r)
{
	return PP(r)->n_referrals;
}
static const void *referral_at(const void *r, size_t i)
{
	LT_ASSERT(i < PP(r)->n_referrals);
	return &PP(r)->referrals[i];
}
static size_t n_cases(const void *r)
{
	return PP(r)->n_cases;
}
static const void *case_at(const void *r, size_t i)
{
	LT_ASSERT(i < PP(r)->n_cases);
	return &PP(r)->cases[i];
}
static size_t n_arrests(const void *r)
{
	return PC(r)->n_arrests;
}
static const void *arrest_at(const void *r, size_t i)
{
	LT_ASSERT(i < PC(r)->n_arrests);
	return &PC(r)->arrests[i];
}

const struct lt_pseudo_nest lt_pseudo_nests[] = {
    {lt_pseudo_person_fields, "referrals", lt_pseudo_referral_fields,
     &lt_pseudo_referral_field_count, n_referrals, referral_at},
    {lt_pseudo_person_fields, "cases", lt_pseudo_case_fields, &lt_pseudo_case_field_count, n_cases,
     case_at},
    {lt_pseudo_case_fields, "arrests", lt_pseudo_arrest_fields, &lt_pseudo_arrest_field_count,
     n_arrests, arrest_at},
};
const size_t lt_pseudo_nest_count = sizeof(lt_pseudo_nests) / sizeof(lt_pseudo_nests[0]);

const struct lt_pseudo_nest *lt_pseudo_nest_find(const struct lt_pfield *table, const char *member)
{
	for (size_t i = 0; i < lt_pseudo_nest_count; i++)
		if (lt_pseudo_nests[i].parent == table &&
		    strcmp(lt_pseudo_nests[i].member, member) == 0)
			return &lt_pseudo_nests[i];
	return NULL;
}

/* ---- what is shown of each field, and what is withheld -------------------- */

#define WITHHELD NULL

const struct lt_pseudo_source lt_pseudo_sources[] = {
    {"person.id", "pseudonym",
     "replaced by the pseudonym, a keyed hash of it that cannot be turned back without the "
     "pseudonymisation key"},
    {"person.agency", "agency, agency_kind",
     "shown: the owner's code and kind (not personal data)"},
    {"person.name", WITHHELD, "a name identifies the person"},
    {"person.aliases", WITHHELD, "names identify the person"},
    {"person.dob", "birth_year", "the year only: a full date of birth nearly identifies a person"},
    {"person.sex", "sex", "shown"},
    {"person.nationality", "nationality", "shown"},
    {"person.languages", "languages", "shown"},
    {"person.contact", WITHHELD, "contact details identify and locate the person"},
    {"person.safe_to_contact", WITHHELD, "only of use with the contact details"},
    {"person.created_at", WITHHELD, "an exact time a caseworker can tie to the person"},
    {"person.updated_at", WITHHELD, "an exact time a caseworker can tie to the person"},
    {"referral.id", WITHHELD, "a record id joins back to the person"},
    {"referral.person", WITHHELD, "the person's id: the referral is listed under the pseudonym"},
    {"referral.case", WITHHELD, "a record id; the case is listed under the person instead"},
    {"referral.date", "referrals[].date", "to the month: an exact date is a quasi-identifier"},
    {"referral.agency", "referrals[].agency, referrals[].agency_kind",
     "shown: which agencies know the person (capture histories)"},
    {"referral.forms", "referrals[].forms", "shown"},
    {"referral.place", "referrals[].place", "shown"},
    {"referral.district", "referrals[].district", "shown"},
    {"referral.country", "referrals[].country", "shown"},
    {"referral.notes", WITHHELD, "free text can say anything about anyone"},
    {"referral.support_needs", WITHHELD, "free text can say anything about anyone"},
    {"referral.police_intelligence", WITHHELD, "free text, and intelligence"},
    {"case.id", WITHHELD, "a record id joins back to the person"},
    {"case.ref", WITHHELD, "the agency's reference joins back to its files"},
    {"case.agency", "cases[].agency, cases[].agency_kind", "shown"},
    {"case.opened", "cases[].opened", "to the month"},
    {"case.status", "cases[].status", "shown: the outcome of the case"},
    {"case.closed", "cases[].closed", "to the month"},
    {"case.forms", "cases[].forms", "shown"},
    {"case.persons", WITHHELD,
     "other persons' ids; the case is listed under each of them, under their pseudonyms"},
    {"arrest.id", WITHHELD, "a record id joins back to the person"},
    {"arrest.date", "cases[].arrests[].date", "to the month"},
    {"arrest.offence", "cases[].arrests[].offence", "shown: the arrests of the person's cases"},
    {"arrest.agency", "cases[].arrests[].agency", "shown"},
    {"arrest.case", WITHHELD, "the case reference joins back to the agency's files"},
};
const size_t lt_pseudo_source_count = sizeof(lt_pseudo_sources) / sizeof(lt_pseudo_sources[0]);
