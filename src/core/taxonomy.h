/*
 * taxonomy.h — the domain vocabularies of lantern, declared once.
 *
 * Every coded value that crosses a boundary — a CSV column, a JSON field, an
 * HTML form control, a statistics row — comes from one of the vocabularies
 * below. Each vocabulary is an X-macro table whose rows give, in order:
 *
 *   the enum suffix, the stable code, the human label, a plain-words
 *   description for the public, the UK National Referral Mechanism (NRM)
 *   crosswalk and the Human Trafficking Case Data Standard (HTCDS 2.0)
 *   crosswalk.
 *
 * The table is expanded into an enum (whose order is the display order) and
 * into an `lt_vocab` lookup array in taxonomy.c, so import, the API, the
 * pages and the statistics can never disagree about a code. Codes are part
 * of lantern's file and API formats: never rename or reorder a code, only
 * append.
 *
 * Crosswalk sources (../shared/data/domain/):
 *   - NRM: data/uk_nrm/nrm_exploitation_types.csv (group / form field) and
 *     nrm_referral_form_fields.csv (where-exploitation-happened); first
 *     responder categories of nrm_first_responder_organisations.csv.
 *   - HTCDS: htcds/derived/htcds_fields.csv, fields vic_TypeOfExploitation
 *     and org_Type. An empty crosswalk means the other scheme has no
 *     equivalent; "Other" means it files the value under its catch-all.
 *
 * Countries (ISO 3166-1 alpha-2) and the districts of the partnership area
 * are vocabularies too, with no crosswalk columns.
 */
#ifndef LT_TAXONOMY_H
#define LT_TAXONOMY_H

#include <stddef.h>

/* X(SUFFIX, code, label, description, nrm, htcds) */
#define LT_FORM_MAP(X)                                                                     \
	X(SEXUAL_EXPLOITATION, "sexual_exploitation", "Sexual exploitation",                  \
	  "Being forced into sex work, pornography or other sexual acts, or being sexually "  \
	  "abused for someone else's gain.",                                                  \
	  "Sexual exploitation", "SexualExploitation")                                        \
	X(DOMESTIC_SERVITUDE, "domestic_servitude", "Domestic servitude",                     \
	  "Being made to cook, clean or look after children in a private home for little or " \
	  "no pay, often not allowed to leave.",                                              \
	  "Domestic servitude", "Servitude")                                                  \
	X(LABOUR_EXPLOITATION, "labour_exploitation", "Labour exploitation",                  \
	  "Being made to work long hours for little or no pay, with wages, documents or "     \
	  "freedom taken away: in car washes, nail bars, farms, factories, building sites.",  \
	  "Labour and financial exploitation", "ForcedLabour")                                \
	X(FORCED_CRIMINALITY, "forced_criminality", "Forced criminality",                     \
	  "Being made to commit crimes for others: growing cannabis, carrying drugs along "   \
	  "county lines, begging, shoplifting or benefit fraud.",                             \
	  "Criminal exploitation", "Other")                                                   \
	X(CHILD_SOLDIERS, "child_soldiers", "Child soldiers",                                 \
	  "Children recruited or used by armed forces or armed groups, as fighters, "         \
	  "messengers, guards or for sex.",                                                   \
	  "Other", "ForcedMilitaryByNonStateActors")                                          \
	X(FORCED_MARRIAGE, "forced_marriage", "Forced marriage",                              \
	  "Being married without free and full consent, under threat, pressure or "           \
	  "deception, and then exploited.",                                                   \
	  "Other", "ForcedMarriage")                                                          \
	X(ORGAN_HARVESTING, "organ_harvesting", "Organ harvesting",                           \
	  "Having a kidney, liver or other organ or tissue removed against one's will or "    \
	  "under coercion, to be sold.",                                                      \
	  "Criminal exploitation", "OrganRemoval")                                            \
	X(UNKNOWN, "unknown", "Not known", "The form of exploitation is not known.", "", "")

/* Offences for which people are arrested. */
#define LT_OFFENCE_MAP(X)                                                                  \
	X(KIDNAPPING_FALSE_IMPRISONMENT, "kidnapping_false_imprisonment",                     \
	  "Kidnapping or false imprisonment",                                                 \
	  "Taking or holding a person against their will (common law offences).", "", "")    \
	X(SLAVERY_SERVITUDE, "slavery_servitude", "Holding a person in slavery or servitude", \
	  "Modern Slavery Act 2015, section 1(1)(a).", "", "Servitude")                       \
	X(FORCED_LABOUR, "forced_labour", "Requiring forced or compulsory labour",            \
	  "Modern Slavery Act 2015, section 1(1)(b).", "Labour and financial exploitation",   \
	  "ForcedLabour")                                                                     \
	X(HUMAN_TRAFFICKING, "human_trafficking", "Human trafficking",                        \
	  "Arranging or facilitating the travel of a person with a view to their "            \
	  "exploitation: Modern Slavery Act 2015, section 2.", "", "")                        \
	X(OTHER_MODERN_SLAVERY, "other_modern_slavery", "Other modern slavery offence",       \
	  "Another offence of the Modern Slavery Act 2015, such as committing an offence "    \
	  "with intent to commit a trafficking offence (section 4).", "", "")                 \
	X(NOT_RECORDED, "not_recorded", "Offence not recorded",                               \
	  "The arrest is known but the offence was not recorded or not published.", "", "")

/* Where the exploitation happened. */
#define LT_PLACE_MAP(X)                                                                    \
	X(LOCAL, "local", "In the partnership area",                                          \
	  "In one of the districts of the partnership area (give the district).", "uk", "")   \
	X(ELSEWHERE_IN_COUNTRY, "elsewhere_in_country", "Elsewhere in the United Kingdom",    \
	  "In the United Kingdom, outside the partnership area.", "uk", "")                   \
	X(ABROAD, "abroad", "Abroad",                                                         \
	  "In another country (give the country).", "overseas", "hte_Country")                \
	X(UNKNOWN, "unknown", "Not known", "Where it happened is not known.", "", "")

/* Kinds of partner agency. */
#define LT_AGENCY_KIND_MAP(X)                                                              \
	X(POLICE, "police", "Police", "A police force.", "police", "LawEnforcement")          \
	X(COUNTY_COUNCIL, "county_council", "County council",                                 \
	  "The county council, including children's and adult social care.",                  \
	  "local_authority", "LocalGovernmentOrganisation")                                   \
	X(DISTRICT_COUNCIL, "district_council", "District or borough council",                \
	  "A district or borough council.", "local_authority", "LocalGovernmentOrganisation") \
	X(PCC_OFFICE, "pcc_office", "Police and Crime Commissioner's office",                 \
	  "The office of the Police and Crime Commissioner.", "",                             \
	  "LocalGovernmentOrganisation")                                                      \
	X(NATIONAL_AGENCY, "national_agency", "National agency",                              \
	  "A national agency such as the National Crime Agency, the Gangmasters and Labour "  \
	  "Abuse Authority or Immigration Enforcement.",                                      \
	  "government_agency", "CentralGovernmentOrganisation")                               \
	X(HEALTH, "health", "Health service", "A hospital, GP practice or other NHS body.",   \
	  "", "HealthServiceOrganisation")                                                    \
	X(CHARITY, "charity", "Charity", "A charity or other non-governmental organisation.", \
	  "ngo", "NGO")                                                                       \
	X(HELPLINE, "helpline", "Helpline",                                                   \
	  "A helpline such as the Modern Slavery & Exploitation Helpline.", "ngo", "NGO")     \
	X(OTHER, "other", "Other", "Any other kind of organisation.", "", "")

/* How a report reached lantern. */
#define LT_SOURCE_MAP(X)                                                                   \
	X(PUBLIC, "public", "Member of the public", "Reported through the public page.", "", "") \
	X(PARTNER, "partner", "Partner agency", "Reported by a partner agency.", "", "")

enum lt_form {
#define X(sfx, code, label, desc, nrm, htcds) LT_FORM_##sfx,
	LT_FORM_MAP(X)
#undef X
	LT_FORM_COUNT
};
enum lt_offence {
#define X(sfx, code, label, desc, nrm, htcds) LT_OFFENCE_##sfx,
	LT_OFFENCE_MAP(X)
#undef X
	LT_OFFENCE_COUNT
};
enum lt_place {
#define X(sfx, code, label, desc, nrm, htcds) LT_PLACE_##sfx,
	LT_PLACE_MAP(X)
#undef X
	LT_PLACE_COUNT
};
enum lt_agency_kind {
#define X(sfx, code, label, desc, nrm, htcds) LT_AGENCY_KIND_##sfx,
	LT_AGENCY_KIND_MAP(X)
#undef X
	LT_AGENCY_KIND_COUNT
};
enum lt_source {
#define X(sfx, code, label, desc, nrm, htcds) LT_SOURCE_##sfx,
	LT_SOURCE_MAP(X)
#undef X
	LT_SOURCE_COUNT
};

/* One coded value. All strings are static and never NULL ("" when empty). */
struct lt_term {
	const char *code;        /* stable code, [a-z0-9_] (countries: ISO alpha-2) */
	const char *label;       /* short human label */
	const char *description; /* plain words for the public */
	const char *nrm;         /* NRM crosswalk ("" when none) */
	const char *htcds;       /* HTCDS 2.0 crosswalk ("" when none) */
};

/* A vocabulary: a named, ordered array of terms. */
struct lt_vocab {
	const char *name;            /* e.g. "form", used in messages */
	const struct lt_term *terms; /* `count` terms in display order */
	size_t count;
};

extern const struct lt_vocab lt_vocab_form;
extern const struct lt_vocab lt_vocab_offence;
extern const struct lt_vocab lt_vocab_place;
extern const struct lt_vocab lt_vocab_agency_kind;
extern const struct lt_vocab lt_vocab_source;
/* ISO 3166-1 alpha-2 countries, upper-case codes, ordered by code. */
extern const struct lt_vocab lt_vocab_country;
/* The districts of the partnership area (Hertfordshire's ten), by name. */
extern const struct lt_vocab lt_vocab_district;

/*
 * Find `code` (not necessarily NUL-terminated, `len` bytes) in `v`.
 * Returns its index, or -1 when it is not a code of the vocabulary.
 * Matching is exact; countries match case-insensitively.
 */
int lt_vocab_find(const struct lt_vocab *v, const char *code, size_t len);

/* The term at `index`; asserts that index < v->count. */
const struct lt_term *lt_vocab_term(const struct lt_vocab *v, size_t index);

/*
 * Write "a, b, c" — every code of `v` — into `out` (capacity `cap`, always
 * NUL-terminated; a list too long for it ends with ", ..."). For the
 * "expected one of: ..." part of error messages.
 */
void lt_vocab_expected(const struct lt_vocab *v, char *out, size_t cap);

#endif
