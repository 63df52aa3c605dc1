/*
 * record.h — lantern's records and the one set of rules that validates them.
 *
 * A record is filled field by field from text — a CSV cell, an HTML form
 * control, a JSON string — through its field table (`lt_report_fields`,
 * `lt_arrest_fields`). Each field entry names the field, says whether it is
 * required, documents its format, and points at the parser that turns text
 * into the typed value or fails with an lt_error naming the field and saying
 * what was expected. After every field is set, lt_report_check /
 * lt_arrest_check apply the rules that span fields (a local place needs a
 * district, a partner report needs an agency, ...). Import, the HTML form and
 * the JSON API all go through these, so their rules cannot drift apart, and
 * the README's column lists are checked against the tables by a test.
 *
 * Dates are partial ISO 8601 dates: "2019", "2019-05" or "2019-05-17", since
 * what is known of an old event is often only its year. Stored and printed in
 * the same form.
 *
 * Ownership: records are caller-owned structs. Strings that can be long or
 * that hold personal data (`description`, `contact`) are heap-allocated and
 * owned by the record; lt_report_release wipes and frees them.
 */
#ifndef LT_RECORD_H
#define LT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/taxonomy.h"

/* A partial date: month and day are 0 when not known; year 0 means no date. */
struct lt_date {
	int year;  /* LT_YEAR_MIN..LT_YEAR_MAX, or 0 for none */
	int month; /* 1..12, or 0 when only the year is known */
	int day;   /* 1..31 (checked against the month), or 0 */
};

#define LT_DATE_TEXT 11 /* "YYYY-MM-DD" and its NUL */

/* Parse "YYYY", "YYYY-MM" or "YYYY-MM-DD" (`len` bytes). The field name goes
 * into `err` on failure. An empty string is not a date: the caller decides
 * whether a field may be empty. */
lt_status lt_date_parse(const char *s, size_t len, struct lt_date *out, const char *field,
			struct lt_error *err);
/* Format as "YYYY", "YYYY-MM" or "YYYY-MM-DD"; "" when year is 0. */
void lt_date_format(const struct lt_date *d, char out[LT_DATE_TEXT]);
/* Compare chronologically; a partial date sorts before the full dates within it. */
int lt_date_cmp(const struct lt_date *a, const struct lt_date *b);

/* Report reference codes: "LT-" and eight Crockford base-32 characters, from
 * 40 random bits the caller supplies. */
#define LT_REF_SIZE 13
void lt_ref_format(uint64_t bits, char out[LT_REF_SIZE]);
/* True when `s` is a well-formed reference code (case-insensitive). */
bool lt_ref_valid(const char *s);

/* A partner agency. */
struct lt_agency {
	int64_t id;                /* store id, 0 until stored */
	char code[LT_CODE_MAX];    /* stable short code, [a-z0-9_-], unique */
	char name[LT_NAME_MAX];    /* display name */
	enum lt_agency_kind kind;
};

/* A report of a concern, from the public or from a partner agency. */
struct lt_report {
	int64_t id;                  /* store id, 0 until stored */
	char ref[LT_REF_SIZE];       /* reference code given to the reporter; "" until assigned */
	enum lt_source source;       /* public or partner */
	char agency[LT_CODE_MAX];    /* reporting agency's code; "" for public reports */
	uint32_t forms;              /* bit (1u << enum lt_form) per form; at least one */
	enum lt_place place;
	int district;                /* index into lt_vocab_district, or -1 */
	int country;                 /* index into lt_vocab_country, or -1 */
	struct lt_date occurred;     /* when it happened; year 0 when not known */
	struct lt_date received;     /* when it was reported (required) */
	bool anonymous;              /* the reporter gave no name or contact */
	char *description;           /* free text, owned, NULL when empty; at most LT_TEXT_MAX bytes */
	char *contact;               /* personal data: how to reach the reporter, in plain text;
	                                owned, wiped on release, NULL when anonymous. Never stored:
	                                the front end seals it into contact_sealed first. */
	unsigned char *contact_sealed; /* contact sealed to the partnership's public key
	                                  (lt_crypto_seal); owned; NULL when none */
	size_t contact_sealed_len;   /* bytes at contact_sealed */
};

/* An arrest for a modern slavery or related offence. */
struct lt_arrest {
	int64_t id;               /* store id, 0 until stored */
	struct lt_date date;      /* required; may be partial */
	enum lt_offence offence;
	char agency[LT_CODE_MAX]; /* arresting agency's code (required) */
	char case_ref[LT_CODE_MAX]; /* the case it belongs to, "" when none */
};

/* A case: an agency's piece of work about one or more persons. Its field
 * table and rules are in core/person.h (lt_case_fields, lt_case_check). */
struct lt_case {
	int64_t id;
	char ref[LT_CODE_MAX];    /* the agency's case reference, unique */
	char agency[LT_CODE_MAX]; /* owning agency's code */
	struct lt_date opened;
	uint32_t forms;
	int status;               /* index into lt_vocab_case_status (person.h): 0 open */
	struct lt_date closed;    /* when it was closed; year 0 while open */
	int64_t persons[LT_CASE_PERSONS_MAX]; /* ids of the persons it is about */
	size_t n_persons;
	char created_at[32];      /* UTC, set by the store */
	char updated_at[32];
};

void lt_report_init(struct lt_report *r);
/* Wipe and free the owned strings; the struct may be reused after lt_report_init. */
void lt_report_release(struct lt_report *r);
void lt_arrest_init(struct lt_arrest *a);

/*
 * Field tables. `parse` reads `len` bytes of text at `v` into the record;
 * an empty value means "not given" and is accepted only by optional fields.
 * On failure it fills `err` (field set to the entry's name) and returns it.
 */
struct lt_field {
	const char *name;   /* column / form / JSON name */
	bool required;      /* must be present and non-empty */
	const char *format; /* what the value looks like, for documentation */
	lt_status (*parse)(void *rec, const char *v, size_t len, struct lt_error *err);
};

extern const struct lt_field lt_report_fields[];
extern const size_t lt_report_field_count;
extern const struct lt_field lt_arrest_fields[];
extern const size_t lt_arrest_field_count;

/* Find a field by name; NULL when there is none. */
const struct lt_field *lt_field_find(const struct lt_field *fields, size_t n, const char *name,
				      size_t len);

/*
 * The names of other records a record refers to, for the checks that need
 * the store's contents (which agencies exist, which cases). Each array is
 * sorted with strcmp; NULL with a count of 0 means "none known".
 */
struct lt_known {
	const char *const *agencies;
	size_t n_agencies;
	const char *const *cases;
	size_t n_cases;
};

/*
 * Cross-field rules and references. `known` may be NULL to skip reference
 * checks. Every problem found is added to `d` with `line`; returns LT_OK when
 * there were none, else LT_EINVAL.
 */
lt_status lt_report_check(const struct lt_report *r, const struct lt_known *known, long line,
			  struct lt_diags *d);
lt_status lt_arrest_check(const struct lt_arrest *a, const struct lt_known *known, long line,
			  struct lt_diags *d);

/* Validate an agency code ([a-z0-9_-], 1..LT_CODE_MAX-1 bytes). */
lt_status lt_agency_code_check(const char *code, size_t len, const char *field,
			       struct lt_error *err);

/* Derive an agency code from its name: ASCII letters and digits lower-cased,
 * every other run of characters one '_', none at either end, cut to
 * LT_CODE_MAX - 1 bytes ("St Albans City & District Council" ->
 * "st_albans_city_district_council"). LT_EINVAL when no letter or digit is
 * left. */
lt_status lt_agency_code_from_name(const char *name, size_t len, char out[LT_CODE_MAX],
				   struct lt_error *err);

/* True when `s` (`len` bytes) is valid UTF-8 with no NUL and no control
 * characters other than tab, CR and LF. */
bool lt_text_valid(const char *s, size_t len);

/*
 * The parsers behind the field tables, for the field tables of other
 * records (core/person.c). Each names `field` in `err` on failure.
 *   lt_vocab_parse: a code of `v` (countries in any case) -> its index;
 *   lt_forms_parse: form codes separated by ';', ',' or '|' -> a bit set
 *                   (at least one);
 *   lt_bool_parse:  true/false, yes/no, 1/0, on/off, y/n in any case;
 *   lt_case_ref_check: a case reference, letters, digits and / . _ -,
 *                   1..LT_CODE_MAX-1 bytes.
 */
lt_status lt_vocab_parse(const struct lt_vocab *v, const char *field, const char *s, size_t len,
			 int *out, struct lt_error *err);
lt_status lt_forms_parse(const char *field, const char *v, size_t len, uint32_t *out,
			 struct lt_error *err);
lt_status lt_bool_parse(const char *field, const char *v, size_t len, bool *out,
			struct lt_error *err);
lt_status lt_case_ref_check(const char *v, size_t len, const char *field, struct lt_error *err);

#endif
