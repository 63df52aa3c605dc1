/*
 * link_compare.h — the comparators of record linkage: string similarities
 * and edit distances, a phonetic code, name folding, nicknames, and dates
 * compared at several levels (docs/linkage.md, "Comparisons").
 *
 * Every function here is pure: no I/O, no global state that changes, no
 * allocation (but lt_link_normalise of a non-ASCII name, once per record),
 * safe to call from any number of threads at once. The ones a
 * model calls for every scored pair (the similarities, the distances, the
 * date comparison) work in fixed stack buffers and cost under a hundred
 * nanoseconds on names (docs/linkage.md, "Speed"); the ones that prepare
 * a value (folding, parsing a date, the phonetic code, the nickname
 * look-up) are meant to run once per record, before the pairs, and their
 * results kept beside the record.
 *
 * STRINGS. Every string argument is a NUL-terminated UTF-8 string, never
 * NULL (a missing value is the caller's business: it is no evidence, and a
 * model gives it a level of its own before calling a comparator). The
 * string comparators work on Unicode code points, not bytes, so "José" and
 * "Jose" differ by one substitution, not by one substitution and one
 * insertion. They read at most LT_LINK_STRING_MAX code points of each
 * argument (core/limits.h): longer values are compared on that prefix,
 * which is documented, deterministic and never an error (a name of more
 * than 128 characters is not a name). Invalid UTF-8 is not an error either:
 * each byte that does not start a well-formed sequence (a stray
 * continuation byte, an overlong form, a surrogate, a truncated sequence,
 * a value above U+10FFFF) is read as one code point of its own, U+DC80 +
 * the byte (Python's "surrogateescape"), so equal bytes still compare equal
 * and different bytes different, and nothing is read past the NUL.
 *
 * The comparators do not fold case or accents: fold both values once with
 * lt_link_normalise and compare the folded forms.
 *
 * WHAT THEY AGREE WITH. splink compares names with DuckDB's
 * jaro_winkler_similarity and damerau_levenshtein. On ASCII input the
 * functions below return exactly what DuckDB does (DuckDB works on bytes,
 * these on code points, so on non-ASCII input these are the better
 * measure and the results differ):
 *
 *  - Jaro: matches are searched within floor(max(|a|,|b|)/2) - 1 positions;
 *    each character of b takes the first unmatched equal character of a in
 *    its window; transpositions are the matched characters out of order,
 *    halved (rounded down). Two empty strings, or one empty, give 0.0
 *    (DuckDB's choice; Apache Commons gives 1.0 for two empty strings).
 *    Two strings of one character give 1.0 when equal, else 0.0.
 *  - Jaro-Winkler: prefix scale 0.1, common prefix up to 4 code points,
 *    and the boost applied only when the Jaro similarity is above 0.7
 *    (Winkler's threshold, as DuckDB's library, rapidfuzz, does):
 *    jw = j + l * 0.1 * (1 - j) when j > 0.7, else j.
 *  - Damerau-Levenshtein: the *true* (unrestricted) distance of Lowrance
 *    and Wagner (1975), as DuckDB's damerau_levenshtein computes it:
 *    insertions, deletions, substitutions and transpositions of adjacent
 *    characters, where a transposed pair may be edited again. So
 *    dl("ca", "abc") = 2 (ca -> ac -> abc), where the restricted "optimal
 *    string alignment" distance gives 3.
 */
#ifndef LT_LINK_COMPARE_H
#define LT_LINK_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/status.h"

/* ---- String similarity and edit distance ---------------------------- */

/*
 * The Jaro similarity of `a` and `b`, in [0, 1] (1 = equal, non-empty).
 * Symmetric. See the header's essay for the exact definition.
 */
double lt_link_jaro(const char *a, const char *b);

/*
 * The Jaro-Winkler similarity of `a` and `b`, in [0, 1]: the Jaro
 * similarity j, plus l * 0.1 * (1 - j) when j > 0.7, where l is the length
 * of the common prefix in code points, at most 4. Symmetric; equal
 * non-empty strings give exactly 1.0 and nothing else does. Published
 * values: MARTHA/MARHTA 0.9611, DWAYNE/DUANE 0.84, DIXON/DICKSONX 0.8133.
 */
double lt_link_jaro_winkler(const char *a, const char *b);

/*
 * The Levenshtein distance of `a` and `b` in code points (insertions,
 * deletions, substitutions, each costing 1), or `max` + 1 as soon as it is
 * known to exceed `max` (so a caller banding at "<= 1", "<= 2" passes 2
 * and learns 0, 1, 2 or 3 = "more"); UINT_MAX means no cap (distances
 * never exceed 2 * LT_LINK_STRING_MAX, so max + 1 is never returned).
 * Symmetric. kitten/sitting = 3.
 */
unsigned lt_link_levenshtein(const char *a, const char *b, unsigned max);

/*
 * The true (unrestricted) Damerau-Levenshtein distance of `a` and `b` in
 * code points, or `max` + 1 as soon as it is known to exceed `max`
 * (UINT_MAX: no cap). Symmetric; at most the Levenshtein distance and at
 * least half of it. dl("ca", "abc") = 2; dl("ab", "ba") = 1.
 */
unsigned lt_link_damerau_levenshtein(const char *a, const char *b, unsigned max);

/* ---- Phonetic code --------------------------------------------------- */

/* Bytes of a Double Metaphone code: at most 4 letters and the NUL. */
#define LT_LINK_DMETA_SIZE 5

/*
 * Lawrence Philips' Double Metaphone ("The Double Metaphone Search
 * Algorithm", C/C++ Users Journal, June 2000), in full — the Germanic,
 * Slavic, Romance, Greek and Chinese special cases — as Apache Commons
 * Codec's DoubleMetaphone computes it, with codes of at most 4 letters.
 * Writes the primary code to `primary` and the alternate to `alternate`
 * (each LT_LINK_DMETA_SIZE bytes, NUL-terminated; the alternate equals the
 * primary when the name has no second pronunciation). Letters are read
 * case-insensitively; Ç and ç read as S and Ñ and ñ as N, as in the
 * original; every other byte that is not an ASCII letter (spaces,
 * punctuation, digits, other non-ASCII) is skipped without a sound but
 * still counts as a position, as in the original, so fold accented names
 * with lt_link_normalise first ("Müller" -> "muller" -> MLR). Only the
 * first LT_LINK_STRING_MAX bytes of `s` are read. An empty string (or one
 * of no letters) gives two empty codes.
 * Examples (Commons Codec's tests): Smith SM0/XMT, Schmidt XMT/SMT,
 * Jose HS/HS, Thomas TMS/TMS, Wasserman ASRM/FSRM.
 */
void lt_link_double_metaphone(const char *s, char primary[LT_LINK_DMETA_SIZE],
                              char alternate[LT_LINK_DMETA_SIZE]);

/* ---- Folding names before comparing them ---------------------------- */

/*
 * Fold the name `s` for comparison into `out` (`cap` bytes, cap >= 1):
 * lower case, accents and other combining marks removed, a few Latin
 * letters spelled out (æ -> ae, ß -> ss, ø -> o), apostrophes dropped,
 * every other run of punctuation, symbols and spaces one space, none at
 * either end — exactly lt_name_normalise (core/person.h), so the blind
 * index of the store and linkage agree. Pure ASCII input takes a fast path
 * that writes straight into `out`; other input goes through
 * lt_name_normalise, which allocates (this runs once per record, not per
 * pair). Returns LT_OK; LT_EINVAL when `s` is not valid UTF-8 (`out` is
 * then ""); LT_ETOOBIG when the folded name needs more than cap - 1 bytes
 * (`out` then holds its longest prefix that ends on a whole code point, a
 * usable value); LT_ENOMEM. `out` is always NUL-terminated.
 */
lt_status lt_link_normalise(const char *s, char *out, size_t cap);

/*
 * Romanise the Cyrillic and Greek letters of the folded name `s` (as
 * lt_link_normalise gives it: lower case, no accents) into `out` (`cap`
 * bytes, cap >= 1), so that a name an agency wrote in its own script and
 * another in Latin letters can be compared: "олександр" -> "oleksandr",
 * "наталья" -> "natalya", "νικος" -> "nikos". Cyrillic follows the
 * Ukrainian national system (2010) when the name has a letter only
 * Ukrainian uses (і, ї, є, ґ: г -> h, и -> y, є ю я -> ye yu ya at the
 * start of a word and ie iu ia elsewhere), else BGN/PCGN for Russian,
 * simplified (е -> e, ё -> e, soft and hard signs dropped); Greek follows
 * ELOT 743 letter by letter (θ -> th, χ -> ch, ψ -> ps, η -> i). Folding has
 * already turned й into и and ї into і, so "андрей" gives "andrei" and
 * "андрій" "andriy". Every other character is copied. Returns LT_OK;
 * LT_EINVAL when `s` is not valid UTF-8 text (control characters other
 * than tab, CR and LF are refused as by lt_link_normalise; `out` is then
 * ""); LT_ETOOBIG
 * when the result needs more than cap - 1 bytes (`out` then holds its
 * longest prefix that ends on a whole character, no space at its end).
 * Allocates nothing; meant to run once per record, after folding.
 */
lt_status lt_link_transliterate(const char *s, char *out, size_t cap);

/*
 * Nicknames and transliterations: the canonical form of the folded first
 * name `name` (as lt_link_normalise gives it) in a small compiled-in table
 * of equivalent names — "bill", "billy", "will", "willy", "william" all
 * give "william"; "mohamed", "mohammad", "muhammad", "mohammed" give
 * "muhammad"; "aleksandr", "alexandr", "alexander" give "alexander" — or
 * NULL when the name is in no group. The returned string is static.
 * Compare canonical forms for a "same name up to nickname" level; compute
 * them once per record. A name belongs to at most one group.
 */
const char *lt_link_name_canonical(const char *name);

/* The table behind lt_link_name_canonical, for tests and documentation:
 * its number of rows, and the name of row i (< the count) with its
 * canonical name in *canonical. Rows are sorted by name. */
size_t lt_link_nickname_count(void);
const char *lt_link_nickname_at(size_t i, const char **canonical);

/* ---- Dates ----------------------------------------------------------- */

/*
 * A date as far as it is known: year 1..9999, month 1..12 or 0 (unknown),
 * day 1..31 or 0 (unknown; always 0 when the month is). The zero struct is
 * a missing date. Dates are parsed once per record (lt_link_date_parse)
 * and compared per pair (lt_link_date_compare).
 */
struct lt_link_date {
	int16_t year; /* 0 = missing */
	int8_t month; /* 0 = unknown */
	int8_t day;   /* 0 = unknown */
};

/* How much of a date lt_link_date_parse recovered. */
enum lt_link_date_precision {
	LT_LINK_DATE_NONE = 0,  /* nothing: a missing date */
	LT_LINK_DATE_YEAR = 1,  /* year only */
	LT_LINK_DATE_MONTH = 2, /* year and month */
	LT_LINK_DATE_DAY = 3,   /* a whole date */
};

/*
 * Parse the date `s` into `d`. Accepted forms (surrounding spaces
 * ignored; `-`, `/` or `.` as separator):
 *   YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD   (ISO 8601 and FEBRL's form)
 *   DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY (day first, the British order)
 *   YYYY-MM, YYYYMM, MM/YYYY            (year and month)
 *   YYYY                                (year only)
 * A time after a whole ISO date ("1990-02-01T10:00" or "1990-02-01 10:00")
 * is ignored. Years run 1..9999 (historical records are older than
 * LT_YEAR_MIN). A value with the right shape but an impossible part keeps
 * what is valid before it: "19162429" (month 24) gives the year 1916 only,
 * "1990-02-30" gives February 1990, "1990-13" the year 1990; the returned
 * precision says what was kept. Anything else ("", "unknown", "12/1990/3")
 * gives the missing date and LT_LINK_DATE_NONE. Never reads past the NUL.
 */
enum lt_link_date_precision lt_link_date_parse(const char *s, struct lt_link_date *d);

/*
 * The levels of a date comparison, strongest first after NULL. The values
 * are stable (a model stores them); LT_LINK_DATE_LEVELS counts them.
 *   X(symbol, name for explanations, meaning)
 */
#define LT_LINK_DATE_LEVEL_MAP(X)                                                                  \
	X(LT_LINK_DATE_NULL, "null", "either date missing: no evidence")                           \
	X(LT_LINK_DATE_EXACT, "exact", "both whole dates, equal")                                  \
	X(LT_LINK_DATE_SWAPPED, "swapped", "both whole, same year, day and month swapped")         \
	X(LT_LINK_DATE_SAME_MONTH, "same_month",                                                   \
	  "same year and month; days differ or one is unknown")                                    \
	X(LT_LINK_DATE_SAME_YEAR, "same_year", "same year; the month of one or both is unknown")   \
	X(LT_LINK_DATE_NEAR, "near",                                                               \
	  "years within the caller's N of each other, and no level above")                         \
	X(LT_LINK_DATE_DIFFERENT, "different", "years more than N apart")

enum lt_link_date_level {
#define LT_LINK_X(sym, name, meaning) sym,
	LT_LINK_DATE_LEVEL_MAP(LT_LINK_X)
#undef LT_LINK_X
	    LT_LINK_DATE_LEVELS
};

/* The short name of a level ("exact", "swapped", ...; "?" out of range). */
const char *lt_link_date_level_name(enum lt_link_date_level level);

/*
 * Compare two parsed dates. The first level that holds, in the order of
 * the table: NULL when either is missing (year 0); EXACT when both are
 * whole and equal; SWAPPED when both are whole, of the same year, a's day
 * is b's month and a's month b's day (and day != month); SAME_MONTH when
 * the years and months are equal and known (days differ, or a day is
 * unknown — both year-and-month equal also lands here); SAME_YEAR when the
 * years are equal and a month is unknown; NEAR when the years differ by at
 * most `near_years` (>= 0; same year, different known months is NEAR);
 * otherwise DIFFERENT. Symmetric.
 */
enum lt_link_date_level lt_link_date_compare(const struct lt_link_date *a,
                                             const struct lt_link_date *b, unsigned near_years);

#endif
