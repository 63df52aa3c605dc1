/*
 * pseudo.h — what an analyst sees of a person: the pseudonymised record
 * (action person.read_pseudonymised; docs/security.md, "Pseudonymised
 * reads for analysts").
 *
 * An analyst studies people across every agency — how many, who, referred
 * where and when, for which forms of exploitation, what came of it — and
 * never needs to know who any one of them is. So an analyst reads a person
 * as a struct lt_pseudo_person: a pseudonym instead of the id (made by the
 * crypto module under a key of the database's, stable across key
 * rotations), the year of birth instead of the date, sex, nationality and
 * languages, the owning agency's code and kind, and the person's referrals,
 * cases and the arrests of those cases with their dates cut to the month —
 * and nothing else: no name, alias, contact detail, free text, exact date
 * or record id that could be joined back to the person.
 *
 * Three tables are the single source of truth:
 *   - lt_pseudo_person_fields, lt_pseudo_referral_fields,
 *     lt_pseudo_case_fields and lt_pseudo_arrest_fields: the members of
 *     the answer, as lt_pfield tables (person.h) with an emitter each and
 *     no parser (nothing is ever written through them). The API's JSON and
 *     its OpenAPI schemas are built from them;
 *   - lt_pseudo_sources: every field of every record about a person
 *     (lt_person_fields, lt_referral_fields, lt_case_fields,
 *     lt_arrest_fields and the store's own columns), each either shown —
 *     as which member, reduced how — or withheld, and why. The core tests
 *     fail when a field of those tables is not in it (a new field must be
 *     decided on), and when docs/security.md misses a row.
 *
 * lt_pseudo_person_from copies what may be shown of an opened person
 * (struct lt_person, decrypted by the store after the read was audited)
 * into the pseudonymised record; the store fills the rest (pseudonym,
 * agency, referrals, cases) from columns that are not sealed.
 *
 * Ownership: records are caller-owned structs with no heap memory;
 * lt_pseudo_person_release wipes one. Nothing here prints or allocates.
 */
#ifndef LT_PSEUDO_H
#define LT_PSEUDO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/person.h"
#include "core/record.h"
#include "core/taxonomy.h"

#define LT_PSEUDONYM_SIZE 24 /* a pseudonym ("P-" + 16 characters) and its NUL, with room */

/* A referral as an analyst sees it. */
struct lt_pseudo_referral {
	struct lt_date date;      /* when it was made, to the month at most */
	char agency[LT_CODE_MAX]; /* the referring agency's code */
	int agency_kind;          /* its enum lt_agency_kind */
	uint32_t forms;           /* forms of exploitation, bit (1u << lt_form) */
	enum lt_place place;
	int district; /* lt_vocab_district index, or -1 */
	int country;  /* lt_vocab_country index, or -1 */
};

/* An arrest of a case, as an analyst sees it. */
struct lt_pseudo_arrest {
	struct lt_date date;      /* to the month at most */
	int offence;              /* enum lt_offence */
	char agency[LT_CODE_MAX]; /* the arresting agency's code */
};

/* A case about the person, as an analyst sees it. */
struct lt_pseudo_case {
	char agency[LT_CODE_MAX]; /* the owning agency's code */
	int agency_kind;
	int status;            /* lt_vocab_case_status index */
	struct lt_date opened; /* to the month at most */
	struct lt_date closed; /* to the month at most; year 0 while open */
	uint32_t forms;
	struct lt_pseudo_arrest arrests[LT_PSEUDO_ARRESTS_MAX]; /* oldest first */
	size_t n_arrests;
};

/* A person as an analyst sees it. */
struct lt_pseudo_person {
	char pseudonym[LT_PSEUDONYM_SIZE]; /* "P-..." */
	int64_t page_key;         /* the store's order of pseudonyms, for paging; never shown */
	char agency[LT_CODE_MAX]; /* the owning agency's code */
	int agency_kind;
	int birth_year;  /* 0 when not known */
	int sex;         /* lt_vocab_sex index, -1 when not given */
	int nationality; /* lt_vocab_country index, -1 when not given */
	int languages[LT_PERSON_LANGUAGES_MAX];
	size_t n_languages;
	struct lt_pseudo_referral referrals[LT_PSEUDO_REFERRALS_MAX]; /* oldest first */
	size_t n_referrals;
	struct lt_pseudo_case cases[LT_PSEUDO_CASES_MAX]; /* oldest first */
	size_t n_cases;
	bool truncated; /* the person has more referrals, cases or arrests than these */
};

void lt_pseudo_person_init(struct lt_pseudo_person *pp);
/* Wipe it (it holds pseudonymised personal data). */
void lt_pseudo_person_release(struct lt_pseudo_person *pp);

/* `d` cut to the month: the day dropped. */
struct lt_date lt_pseudo_month(const struct lt_date *d);

/* Copy what an analyst may see of the opened person `p` — the year of
 * birth, sex, nationality and languages — into `pp`; nothing else of `p`
 * is read. */
void lt_pseudo_person_from(const struct lt_person *p, struct lt_pseudo_person *pp);

/* The members of the answer (emit only: parse and clear are NULL). A
 * person's "referrals" and "cases" and a case's "arrests" are arrays of
 * objects of the next tables (lt_pseudo_nests). */
extern const struct lt_pfield lt_pseudo_person_fields[];
extern const size_t lt_pseudo_person_field_count;
extern const struct lt_pfield lt_pseudo_referral_fields[];
extern const size_t lt_pseudo_referral_field_count;
extern const struct lt_pfield lt_pseudo_case_fields[];
extern const size_t lt_pseudo_case_field_count;
extern const struct lt_pfield lt_pseudo_arrest_fields[];
extern const size_t lt_pseudo_arrest_field_count;

/* A member whose values are objects of another table ("referrals" of a
 * person, "cases" of a person, "arrests" of a case): its emitter gives no
 * text; `count` and `item` give its objects. */
struct lt_pseudo_nest {
	const struct lt_pfield *parent; /* the table it is a member of */
	const char *member;
	const struct lt_pfield *fields; /* the table of its objects */
	const size_t *nfields;
	size_t (*count)(const void *rec);
	const void *(*item)(const void *rec, size_t i);
};
extern const struct lt_pseudo_nest lt_pseudo_nests[];
extern const size_t lt_pseudo_nest_count;
/* The nest of member `member` of `table`, NULL when it is a plain member. */
const struct lt_pseudo_nest *lt_pseudo_nest_find(const struct lt_pfield *table, const char *member);

/* One field of a record about a person and what an analyst sees of it. */
struct lt_pseudo_source {
	const char *field;  /* "person.dob": the record ("person", "referral", "case",
	                       "arrest") and its field, or a column of the store */
	const char *member; /* the member it is shown as ("referrals[].date"), NULL when
	                       withheld */
	const char *how;    /* how it is reduced, or why it is withheld: a sentence */
};
extern const struct lt_pseudo_source lt_pseudo_sources[];
extern const size_t lt_pseudo_source_count;

#endif
