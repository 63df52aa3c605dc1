/*
 * person.h — records about people: persons, referrals and cases, their field
 * tables, their rules, the encoding of their personal fields for sealing,
 * and the normalised terms of the blind index.
 *
 * A *person* is a potential victim an agency works with: names, aliases,
 * date of birth, sex, nationality, languages, contact details and whether
 * it is safe to contact them. A *referral* is that person referred by an
 * agency: when, the forms of exploitation, where, and free text (notes,
 * support needs, police intelligence). A *case* (struct lt_case, record.h)
 * is an agency's piece of work, linking persons; arrests can name the case.
 *
 * Field tables (`lt_person_fields`, `lt_referral_fields`,
 * `lt_case_fields`) are the single source of truth for the JSON members of
 * the API, as lt_report_fields is for reports: each entry names a field,
 * says whether it is required, whether it is a list (a JSON array) or a
 * boolean, documents its format, gives the parser that reads one text
 * value into the record (a list's parser appends one element) and the
 * emitter that writes it back as text. Every field of class other than
 * LT_DATA_NONE is *personal*: it is sealed at rest and never leaves the
 * store in plain text. The class says what kind of personal data a field is
 * (identity, contact, support, intelligence), for sharing: an agency a
 * record is shared with sees only the classes its kind of share allows.
 *
 * A *patch* is a list of (field, text values) pairs, built by a front end
 * from a JSON object; lt_patch_apply applies it to a record through the
 * field parsers, so creating (a patch on an empty record) and changing (a
 * patch on the stored record) follow one path, and every bad field is
 * reported, not just the first.
 *
 * Personal fields are encoded for sealing by lt_pfields_encode: "LTF1",
 * then for each value of each personal field, in table order, the field's
 * name (1 length byte) and the value's text (4-byte big-endian length).
 * lt_pfields_decode reads it back through the same parsers, so what is
 * sealed is exactly what the API accepts.
 *
 * The blind index. lt_name_normalise folds a name for matching: Unicode
 * case folding, accents and other combining marks removed, a few Latin
 * letters spelled out (æ -> ae, ß -> ss, ø -> o), apostrophes dropped,
 * every other run of punctuation, symbols and spaces one space, none at
 * either end: "José  García" and "jose garcia" both become "jose garcia",
 * "O'Brien-Smith" becomes "obrien smith". lt_person_index_terms lists
 * what a person is found by — each name and alias whole ("n:"), each of
 * their words ("t:"), the date of birth at each precision it has ("y:",
 * "m:", "d:") — and the store keeps only a keyed hash of each term. The
 * tables behind the folding are generated (scripts/gen-name-tables).
 *
 * Ownership: records are caller-owned structs; their strings are heap
 * allocated, owned by the record, and wiped when released
 * (lt_person_release, lt_referral_release). Nothing here prints, reads the
 * clock or allocates beyond the records' own strings.
 */
#ifndef LT_PERSON_H
#define LT_PERSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/record.h"
#include "core/taxonomy.h"

/* Sex, as recorded. X(SUFFIX, code, label). Append, never rename. */
#define LT_SEX_MAP(X)                                                                              \
	X(FEMALE, "female", "Female")                                                              \
	X(MALE, "male", "Male")                                                                    \
	X(OTHER, "other", "Another sex or gender")                                                 \
	X(UNKNOWN, "unknown", "Not known")

enum lt_sex {
#define X(sfx, code, label) LT_SEX_##sfx,
	LT_SEX_MAP(X)
#undef X
	LT_SEX_COUNT
};

/* The status of a case. X(SUFFIX, code, label). Append, never rename. */
#define LT_CASE_STATUS_MAP(X)                                                                      \
	X(OPEN, "open", "Open")                                                                    \
	X(CLOSED, "closed", "Closed")

enum lt_case_status {
#define X(sfx, code, label) LT_CASE_STATUS_##sfx,
	LT_CASE_STATUS_MAP(X)
#undef X
	LT_CASE_STATUS_COUNT
};

extern const struct lt_vocab lt_vocab_sex;
extern const struct lt_vocab lt_vocab_case_status;
/* Languages: ISO 639-1 codes where they exist, else ISO 639-2 (languages.inc). */
extern const struct lt_vocab lt_vocab_language;

/* What kind of personal data a field holds; LT_DATA_NONE for a field that
 * is not personal. X(SUFFIX, code, description). Append, never rename. */
#define LT_DATA_CLASS_MAP(X)                                                                       \
	X(NONE, "none", "not personal data: dates, codes, links")                                  \
	X(IDENTITY, "identity",                                                                    \
	  "who the person is: names, date of birth, sex, nationality, "                            \
	  "languages")                                                                             \
	X(CONTACT, "contact", "how to reach the person, and whether it is safe to")                \
	X(SUPPORT, "support", "what the person needs, and a caseworker's notes")                   \
	X(INTELLIGENCE, "intelligence", "police intelligence")

enum lt_data_class {
#define X(sfx, code, desc) LT_DATA_##sfx,
	LT_DATA_CLASS_MAP(X)
#undef X
	LT_DATA_CLASS_COUNT
};
/* The code of a class ("identity"); asserts that it is valid. */
const char *lt_data_class_code(enum lt_data_class c);
/* A set of classes: bit (1u << class). */
#define LT_DATA_ALL ((1u << LT_DATA_CLASS_COUNT) - 1u)

/* A person. Fields after `erased` are personal: sealed at rest. */
struct lt_person {
	int64_t id;               /* store id, 0 until stored */
	char agency[LT_CODE_MAX]; /* owning agency's code; set by the store */
	char created_at[32];      /* UTC, set by the store; "" until stored */
	char updated_at[32];      /* UTC, set by the store */
	bool erased;              /* erased by destroying its key: no personal field is left */
	char *name;               /* the name the person gives; owned; required */
	char *aliases[LT_PERSON_ALIASES_MAX]; /* other names, owned */
	size_t n_aliases;
	struct lt_date dob; /* date of birth, partial allowed; year 0 when not known */
	int sex;            /* index into lt_vocab_sex, -1 when not given */
	int nationality;    /* index into lt_vocab_country, -1 when not given */
	int languages[LT_PERSON_LANGUAGES_MAX]; /* indexes into lt_vocab_language */
	size_t n_languages;
	char *contact;        /* how to reach them; owned; NULL when none */
	bool safe_to_contact; /* whether contacting them is known to be safe; default false */
};

/* A referral of a person by an agency. Fields after `place`'s group are
 * personal: sealed at rest under the person's key. */
struct lt_referral {
	int64_t id;               /* store id, 0 until stored */
	char agency[LT_CODE_MAX]; /* the referring (owning) agency's code; set by the store */
	char created_at[32];
	char updated_at[32];
	bool erased;         /* its person was erased: the personal fields are gone */
	int64_t person_id;   /* the person referred (required) */
	int64_t case_id;     /* the case it belongs to, 0 when none */
	struct lt_date date; /* when the referral was made (required) */
	uint32_t forms;      /* forms of exploitation, bit (1u << lt_form); at least one */
	enum lt_place place;
	int district;              /* lt_vocab_district index, or -1 */
	int country;               /* lt_vocab_country index, or -1 */
	char *notes;               /* personal (support): a caseworker's notes; owned */
	char *support_needs;       /* personal (support): what the person needs; owned */
	char *police_intelligence; /* personal (intelligence); owned */
};

void lt_person_init(struct lt_person *p);
/* Wipe and free the personal fields; lt_person_init makes it reusable. */
void lt_person_release(struct lt_person *p);
void lt_referral_init(struct lt_referral *r);
void lt_referral_release(struct lt_referral *r);
/* Cases (struct lt_case, record.h) hold no owned memory. */
void lt_case_init(struct lt_case *c);

/* ---- field tables ---- */

#define LT_PF_REQUIRED 1u /* must be given, non-empty, when the record is made */
#define LT_PF_LIST     2u /* a JSON array of strings; parse appends one element */
#define LT_PF_BOOL     4u /* a JSON boolean; text "true" or "false" */
#define LT_PF_ID       8u /* a JSON integer id (> 0); text in decimal */

struct lt_pfield {
	const char *name;         /* the JSON member */
	unsigned flags;           /* LT_PF_* */
	enum lt_data_class class; /* LT_DATA_NONE unless personal */
	const char *format;       /* what the value looks like, for documentation */
	/* Read one text value (`len` bytes) into the record; a list's parser
	 * appends (LT_ETOOBIG past its ceiling). On failure fills `err`,
	 * naming the field, and leaves the record as it was. */
	lt_status (*parse)(void *rec, const char *v, size_t len, struct lt_error *err);
	/* Reset the field to "not given" (a list to empty). */
	void (*clear)(void *rec);
	/* Append the text of element `i` (0 for a scalar) to `out`: LT_OK, or
	 * LT_ENOTFOUND when there is no such element (a scalar not given), or
	 * LT_ETOOBIG from `out`. */
	lt_status (*emit)(const void *rec, size_t i, struct lt_buf *out);
};

extern const struct lt_pfield lt_person_fields[];
extern const size_t lt_person_field_count;
extern const struct lt_pfield lt_referral_fields[];
extern const size_t lt_referral_field_count;
extern const struct lt_pfield lt_case_fields[];
extern const size_t lt_case_field_count;

/* The field named `name` (`len` bytes), or NULL. */
const struct lt_pfield *lt_pfield_find(const struct lt_pfield *fields, size_t n, const char *name,
                                       size_t len);

/* One field of a patch and its new text values: one value for a scalar
 * field, any number (up to the list's ceiling) for a list; n == 0 sets the
 * field to "not given" (a JSON null, or an empty array). The strings are
 * not owned. */
struct lt_patch_item {
	const struct lt_pfield *field;
	const char *const *values;
	const size_t *lens;
	size_t n;
};
struct lt_patch {
	const struct lt_patch_item *items;
	size_t n;
};

/*
 * Apply `patch` to `rec`, whose field table `fields` the items come from:
 * each item clears its field and parses its values in. Every problem (a
 * value a parser refuses, several values for a scalar) goes into `d`,
 * naming the field; the other items are still applied. LT_OK or LT_EINVAL.
 */
lt_status lt_patch_apply(const struct lt_pfield *fields, size_t nfields, void *rec,
                         const struct lt_patch *patch, struct lt_diags *d);

/*
 * The rules that span fields and the required fields, after a patch: every
 * problem into `d`. LT_OK or LT_EINVAL.
 *   person:   a name; a date of birth not after `today` (when today's year
 *             is not 0).
 *   referral: a person, a date, at least one form; a district exactly when
 *             the place is local, a country exactly when abroad; the date
 *             not after `today`.
 *   case:     a reference; an opening date; closed exactly when the status
 *             is closed, not before the opening; not after `today`; no
 *             person twice.
 */
lt_status lt_person_check(const struct lt_person *p, const struct lt_date *today,
                          struct lt_diags *d);
lt_status lt_referral_check(const struct lt_referral *r, const struct lt_date *today,
                            struct lt_diags *d);
lt_status lt_case_check(const struct lt_case *c, const struct lt_date *today, struct lt_diags *d);

/*
 * Encode the personal fields of `rec` (those of class other than
 * LT_DATA_NONE) as described above, appending to `out`. LT_OK, or
 * LT_ETOOBIG / LT_ENOMEM from `out`.
 */
lt_status lt_pfields_encode(const struct lt_pfield *fields, size_t nfields, const void *rec,
                            struct lt_buf *out);
/*
 * Decode what lt_pfields_encode wrote into `rec` (whose personal fields
 * must be clear), through the field parsers. LT_EPARSE when the bytes are
 * not such an encoding or name a field that is not personal; a parser's
 * status when a value is refused.
 */
lt_status lt_pfields_decode(const struct lt_pfield *fields, size_t nfields, void *rec,
                            const unsigned char *bytes, size_t len, struct lt_error *err);
/* Clear every field of `classes` (a set of enum lt_data_class bits) that
 * `rec` holds: what a receiver of a share may not see. */
void lt_pfields_clear(const struct lt_pfield *fields, size_t nfields, void *rec, unsigned classes);

/* ---- the blind index ---- */

/*
 * Fold the name `s` (`len` bytes of UTF-8) for matching, as described
 * above, into `out` (replacing its contents). LT_EINVAL when `s` is not
 * valid UTF-8; LT_ETOOBIG from `out`. An empty result is possible (a name
 * of punctuation only).
 */
lt_status lt_name_normalise(const char *s, size_t len, struct lt_buf *out);

/* The terms a record is found by: each a NUL-terminated string in `text`,
 * at the offsets in `at`. */
struct lt_index_terms {
	struct lt_buf text;            /* the terms, each followed by its NUL */
	size_t at[LT_INDEX_TERMS_MAX]; /* offset of each term in text.data */
	size_t n;
};
void lt_index_terms_init(struct lt_index_terms *t);
/* Wipe and free. */
void lt_index_terms_release(struct lt_index_terms *t);
/* Term `i` (< t->n). */
const char *lt_index_term(const struct lt_index_terms *t, size_t i);
/*
 * Add the term "<kind><text>" (`text` is `n` bytes) unless `t` holds it
 * already. For terms computed outside core: the phonetic terms "p:" of
 * linkage/link_persons.h (lt_link_person_index_terms), which core cannot
 * compute because linkage depends on core and not the other way round.
 * LT_ETOOBIG when `t` holds LT_INDEX_TERMS_MAX terms.
 */
lt_status lt_index_terms_add(struct lt_index_terms *t, const char *kind, const char *text,
                             size_t n);

/*
 * The terms `p` is found by: "n:<name>" for its name and each alias,
 * "t:<word>" for each distinct word of them, and "y:YYYY", "m:YYYY-MM",
 * "d:YYYY-MM-DD" for as much of the date of birth as is known. Duplicates
 * are left out. `t` is emptied first.
 */
lt_status lt_person_index_terms(const struct lt_person *p, struct lt_index_terms *t);

/*
 * A search: a name (any of a person's names or aliases, whole or by all
 * its words) and/or a date of birth (matching at the precision given).
 * lt_person_query_terms gives the whole-name term first ("n:..."), then
 * each distinct word ("t:...") — *n_words of them — then the date's term
 * ("y:", "m:" or "d:") when one is given. LT_EINVAL naming "name" when the
 * name folds to nothing, or naming "query" when neither is given.
 */
lt_status lt_person_query_terms(const char *name, size_t name_len, const struct lt_date *dob,
                                struct lt_index_terms *t, size_t *n_words, struct lt_error *err);

/* ---- sharing (docs/security.md, "Sharing") ----
 *
 * A person belongs to the agency that recorded it. The owner may *refer*
 * it to another agency — the receiver may then read the person and its
 * referrals, but only the classes of personal data the share names (a
 * charity receives support needs, not police intelligence; intelligence
 * goes only to agencies of kind police or national_agency) — or
 * *transfer* it: ownership moves to the receiver. Either needs a recorded
 * basis: the consent of someone (who, when) or a lawful reason without
 * consent, and a purpose. A referral can be revoked; a transfer cannot (the
 * new owner may transfer back). lt_share_fields is the field table of a
 * share as the API takes it.
 */
#define LT_SHARE_KIND_MAP(X)                                                                       \
	X(REFER, "refer", "Referred: the receiver may read, the owner keeps the record")           \
	X(TRANSFER, "transfer", "Transferred: the receiver becomes the owner")

#define LT_SHARE_BASIS_MAP(X)                                                                      \
	X(CONSENT, "consent", "With the consent of the person or of someone for them")             \
	X(LAWFUL_REASON, "lawful_reason", "Without consent, for a lawful reason")

#define LT_CONSENT_BY_MAP(X)                                                                       \
	X(PERSON, "person", "The person themselves")                                               \
	X(PARENT_OR_GUARDIAN, "parent_or_guardian", "A parent or guardian")                        \
	X(REPRESENTATIVE, "representative", "A legal representative or an advocate")

#define LT_LAWFUL_REASON_MAP(X)                                                                    \
	X(SAFEGUARDING_CHILD, "safeguarding_child", "Safeguarding a child")                        \
	X(SAFEGUARDING_ADULT, "safeguarding_adult", "Safeguarding an adult at risk")               \
	X(CRIME, "prevention_or_detection_of_crime", "Preventing or detecting crime")              \
	X(VITAL_INTERESTS, "vital_interests", "Protecting someone's life")                         \
	X(LEGAL_OBLIGATION, "legal_obligation", "A legal obligation or a court order")

enum lt_share_kind {
#define X(sfx, code, label) LT_SHARE_##sfx,
	LT_SHARE_KIND_MAP(X)
#undef X
	LT_SHARE_KIND_COUNT
};
enum lt_share_basis {
#define X(sfx, code, label) LT_BASIS_##sfx,
	LT_SHARE_BASIS_MAP(X)
#undef X
	LT_SHARE_BASIS_COUNT
};

extern const struct lt_vocab lt_vocab_share_kind;
extern const struct lt_vocab lt_vocab_share_basis;
extern const struct lt_vocab lt_vocab_consent_by;
extern const struct lt_vocab lt_vocab_lawful_reason;
/* The data classes as a vocabulary (LT_DATA_CLASS_MAP's codes). */
extern const struct lt_vocab lt_vocab_data_class;

/* A share of a person with another agency. No field is personal data. */
struct lt_share {
	int64_t id;                    /* store id, 0 until stored */
	int64_t person_id;             /* the person shared (required) */
	char from_agency[LT_CODE_MAX]; /* the sharing (owning) agency; set by the store */
	char to_agency[LT_CODE_MAX];   /* the receiving agency's code (required) */
	int kind;                      /* enum lt_share_kind, -1 until given (required) */
	unsigned classes;              /* refer: the data classes the receiver sees, bit (1u <<
	                                  enum lt_data_class), never LT_DATA_NONE; transfer: all */
	int basis;                     /* enum lt_share_basis, -1 until given (required) */
	int consent_by;                /* index into lt_vocab_consent_by, -1: none */
	struct lt_date consent_at;     /* when consent was given; year 0: none */
	int lawful_reason;             /* index into lt_vocab_lawful_reason, -1: none */
	char purpose[LT_AUDIT_PURPOSE_MAX + 1]; /* for what it is shared (required; one line) */
	char created_at[32];                    /* set by the store */
	char revoked_at[32];                    /* "" while it holds */
};

void lt_share_init(struct lt_share *s);
extern const struct lt_pfield lt_share_fields[];
extern const size_t lt_share_field_count;
/*
 * The rules of a share: a person, a receiver, a kind, a purpose; a referral
 * names at least one class; consent names who gave it and when (not after
 * `today`), and no lawful reason; a lawful reason names the reason and no
 * consent. Every problem into `d`. LT_OK or LT_EINVAL.
 */
lt_status lt_share_check(const struct lt_share *s, const struct lt_date *today, struct lt_diags *d);

#endif
