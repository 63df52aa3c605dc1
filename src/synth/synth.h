/*
 * synth.h — synthetic multi-agency data with known truth (`lantern synth`).
 *
 * A seeded generator of a population of victims and of several agencies'
 * lists drawn from it, for testing record linkage and multiple systems
 * estimation: the true person behind every record and the true capture
 * history of every person are known. docs/linkage.md, "Synthetic data
 * (lantern synth)", describes it for users.
 *
 * THE POPULATION. `people` persons, numbered 0 .. people-1 (their true
 * person id is number + 1). Each has a name origin (British, Albanian,
 * Eritrean, Vietnamese, Sudanese, Indian, Romanian, Afghan, Chinese,
 * Nigerian, Polish, Ukrainian, Iraqi), a sex, a first name and a surname
 * drawn from that origin's compiled-in tables (synth_names.inc) or, for a
 * share of each origin, composed from its parts (synth_morphs.inc: the long
 * tail of rare names), a date of
 * birth from an age distribution of referred victims (adults and
 * children), a nationality (ISO 3166-1 alpha-2, codes of lt_vocab_country),
 * a city with a postcode-like code, and sometimes an e-mail address.
 *
 * CAPTURE. Each person has a latent visibility z, discretised logit-normal
 * with standard deviation `heterogeneity` (0: everyone alike). List j
 * captures a person with log-odds c_j + z + sum of log(factor) over the
 * dependences a -> j whose list a captured the person; lists are drawn in
 * an order where every dependence's first list comes before its second
 * (cycles are refused). The offsets c_j are calibrated so that the
 * expected share of the population on list j is exactly `capture` of the
 * list, whatever the heterogeneity and dependence: `--lists police:0.3`
 * means 30% of the population is on the police list. A captured person
 * has, on that list, 1 record plus k duplicates with P(k >= i) =
 * duplicates^i, at most LT_SYNTH_COPIES_MAX - 1 extra.
 *
 * CORRUPTION. Every record is drawn from its person's true values and
 * corrupted as real records are: a field is missing with probability
 * `missing` (names with a fifth of it); a present name or date of birth is
 * corrupted with probability `errors` (other fields with a half of it) by
 * one corruption of the kinds below, each of which always changes the
 * value; the first and last names are swapped with probability errors/10.
 * Each record's `kind` of every field says what was done.
 *
 * DETERMINISM. Every random choice comes from splitmix64 streams keyed by
 * (seed, person, purpose) or (seed, person, list, copy), compared as
 * integers against integer thresholds; the only floating point is the
 * calibration at allocation, done with +, -, *, / and a series exp of our
 * own (no libm). The same seed and parameters give the same records, byte
 * for byte, on any machine with IEEE 754 double arithmetic, and a record's
 * content does not depend on the order of generation.
 *
 * STREAMING. Nothing is stored per person or per record. lt_synth_run
 * emits the lists one after the other; within a list the persons come in
 * the order of a keyed pseudo-random permutation of 0..people-1 (a
 * cycle-walking Feistel network, a different one for each list), so the
 * row order says nothing about who is who, and each duplicate is held back
 * a random number of rows (at most LT_SYNTH_DELAY_MAX) so that copies are
 * not adjacent. Each list's pass recomputes every person's capture history
 * (a few integer draws), so the memory used is a few hundred kilobytes
 * whatever the number of people.
 *
 * No I/O: records go to a callback; the command writes the files.
 * Parameters are plain values; a generator is used by one thread at a
 * time (give each thread its own: they are cheap, about 200 KB).
 */
#ifndef LT_SYNTH_H
#define LT_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/limits.h"

/* The fields of a record, in CSV column order: X(SUFFIX, column name). */
#define LT_SYNTH_FIELD_MAP(X)                                                                      \
	X(FIRST_NAME, "first_name")                                                                \
	X(SURNAME, "surname")                                                                      \
	X(SEX, "sex")                                                                              \
	X(DOB, "dob")                                                                              \
	X(NATIONALITY, "nationality")                                                              \
	X(CITY, "city")                                                                            \
	X(POSTCODE, "postcode")                                                                    \
	X(EMAIL, "email")

/* clang-format off */
enum lt_synth_field {
#define X(sfx, name) LT_SYNTH_##sfx,
	LT_SYNTH_FIELD_MAP(X)
#undef X
	LT_SYNTH_FIELD_COUNT
};
/* clang-format on */
/* Column names, indexed by enum lt_synth_field. */
extern const char *const lt_synth_field_names[LT_SYNTH_FIELD_COUNT];

/* The corruptions: X(SUFFIX, name, what it does). */
#define LT_SYNTH_KIND_MAP(X)                                                                       \
	X(NONE, "none", "the true value")                                                          \
	X(MISSING, "missing", "left blank")                                                        \
	X(KEYBOARD, "keyboard", "one letter replaced by a neighbour on a QWERTY keyboard")         \
	X(DELETE, "delete", "one letter left out")                                                 \
	X(INSERT, "insert", "one letter typed twice")                                              \
	X(TRANSPOSE, "transpose", "two neighbouring letters swapped")                              \
	X(NICKNAME, "nickname", "a nickname or short form (William -> Bill)")                      \
	X(VARIANT, "variant", "another transliteration or spelling (Mohammed -> Muhammad)")        \
	X(SWAP_ORDER, "swap_order", "first name and surname recorded the wrong way round")         \
	X(DAY_MONTH, "day_month", "day and month of the date of birth swapped")                    \
	X(YEAR_ONLY, "year_only", "only the year of birth recorded")                               \
	X(JAN_FIRST, "jan_first", "an unknown birthday recorded as 1 January")                     \
	X(DATE_DIGIT, "date_digit", "one digit of the date of birth wrong")                        \
	X(OTHER, "other", "another value (moved house, new e-mail, wrong box ticked)")

/* clang-format off */
enum lt_synth_kind {
#define X(sfx, name, desc) LT_SYNTH_KIND_##sfx,
	LT_SYNTH_KIND_MAP(X)
#undef X
	LT_SYNTH_KIND_COUNT
};
/* clang-format on */
/* Names ("keyboard", ...), indexed by enum lt_synth_kind. */
extern const char *const lt_synth_kind_names[LT_SYNTH_KIND_COUNT];

#define LT_SYNTH_COPIES_MAX 4 /* records of one person on one list: 1 + duplicates */
/* Capture probabilities lie in [this, 1 - this]: the range the calibration
 * and the thresholds' 2^-32 steps resolve. */
#define LT_SYNTH_CAPTURE_MIN 1e-6
#define LT_SYNTH_DELAY_MAX   2000 /* rows a duplicate is held back, at most */

struct lt_synth_list {
	char name[LT_MSE_NAME_MAX + 1]; /* [A-Za-z0-9_.-], 1..LT_MSE_NAME_MAX bytes, distinct */
	double capture;                 /* share of the population on the list,
	                                   [LT_SYNTH_CAPTURE_MIN, 1 - LT_SYNTH_CAPTURE_MIN] */
};

struct lt_synth_dependence {
	unsigned from, to; /* list indices, different */
	double factor;     /* odds of `to` multiplied by this for a person on `from`;
	                      (0, 1000]; > 1 positive dependence, < 1 negative */
};

struct lt_synth_params {
	uint64_t seed;
	uint64_t people; /* 1..LT_SYNTH_PEOPLE_MAX */
	unsigned nlists; /* 2..LT_SYNTH_LISTS_MAX */
	struct lt_synth_list lists[LT_SYNTH_LISTS_MAX];
	double heterogeneity; /* SD of the latent visibility on the logit scale, [0, 5] */
	unsigned ndeps;       /* 0..LT_SYNTH_DEPS_MAX */
	struct lt_synth_dependence deps[LT_SYNTH_DEPS_MAX];
	double duplicates;  /* [0, 0.5]: probability of each further copy on a list */
	double errors;      /* [0, 1]: probability a present name or date is corrupted */
	double missing;     /* [0, 1]: probability an optional field is blank */
	int reference_year; /* ages are counted to 1 July of this year;
	                       LT_YEAR_MIN + 120 .. LT_YEAR_MAX */
};

/* The defaults of `lantern synth`: seed 1, 10,000 people, five lists
 * police:0.3, council:0.2, charity:0.25, nrm:0.35, health:0.1, no
 * heterogeneity, no dependence, duplicates 0.02, errors 0.2, missing 0.05,
 * reference year 2024. */
void lt_synth_params_default(struct lt_synth_params *p);

/*
 * Replace the lists of `p` by "NAME:P,NAME:P,..." (2..LT_SYNTH_LISTS_MAX
 * items, P a decimal from 0.000001 to 0.999999); drops the dependences, whose indices
 * referred to the old lists. Errors: LT_EINVAL naming the item and what is
 * allowed (err->field "lists").
 */
lt_status lt_synth_lists_parse(struct lt_synth_params *p, const char *s, struct lt_error *err);

/*
 * Append the dependence "FROM:TO:FACTOR" (list names of p, FACTOR a decimal
 * in (0, 1000]). Errors: LT_EINVAL (unknown list, same list twice, bad
 * factor, more than LT_SYNTH_DEPS_MAX; err->field "dependence").
 */
lt_status lt_synth_dependence_parse(struct lt_synth_params *p, const char *s, struct lt_error *err);

/*
 * The population that gives about `records` records with the lists,
 * capture probabilities and duplicate rate of p: records divided by the
 * expected records of one person, sum of capture x (1 + d + d^2 + d^3),
 * rounded, at least 1; 0 when that is more than LT_SYNTH_PEOPLE_MAX. The
 * number a run gives varies around it by chance (about its square root).
 */
uint64_t lt_synth_people_for_records(const struct lt_synth_params *p, uint64_t records);

/* Check every parameter against its range above, and the dependences for
 * a cycle. LT_EINVAL with err->field the parameter ("people", "lists",
 * "heterogeneity", "dependence", "duplicates", "errors", "missing",
 * "reference_year") and the allowed range in the message. */
lt_status lt_synth_params_check(const struct lt_synth_params *p, struct lt_error *err);

/* One record, valid only during the callback (its strings belong to the
 * generator). */
struct lt_synth_record {
	unsigned list;   /* index into params.lists */
	uint64_t seq;    /* 1-based row of the record in its list */
	uint64_t person; /* the true person id, 1..people */
	unsigned copy;   /* 0 the person's first record on the list, 1.. a duplicate */
	const char *id;  /* the record id, "<list name>-<seq>" */
	const char *field[LT_SYNTH_FIELD_COUNT]; /* the recorded values; NULL = missing */
	const char *truth[LT_SYNTH_FIELD_COUNT]; /* the person's true values; NULL only for an
	                                            e-mail the person does not have */
	uint8_t kind[LT_SYNTH_FIELD_COUNT];      /* enum lt_synth_kind of each field */
};

/* Called for each record, lists in order, rows in order within a list.
 * Return 0 to go on; anything else stops the run with LT_ECANCELED. */
typedef int (*lt_synth_record_fn)(void *user, const struct lt_synth_record *r);

struct lt_synth;

/*
 * A generator for `p` (checked with lt_synth_params_check; copied). The
 * calibration of the capture offsets happens here. Free with
 * lt_synth_free. Errors: LT_EINVAL (bad parameters), LT_ENOMEM.
 */
lt_status lt_synth_alloc(const struct lt_synth_params *p, struct lt_synth **out,
                         struct lt_error *err);
void lt_synth_free(struct lt_synth *g);

/*
 * Generate: every record of every list through `fn` (NULL: no records,
 * only the capture histories and counts, which is fast). May be run again;
 * each run gives the same records and recomputes the counts.
 * Errors: LT_ECANCELED when fn asked to stop (err says at which record).
 */
lt_status lt_synth_run(struct lt_synth *g, lt_synth_record_fn fn, void *user, struct lt_error *err);

/* What the last run produced (as far as it got, if it was cancelled: the
 * histories are complete, the record counts partial). */
struct lt_synth_counts {
	uint64_t people;                           /* the population */
	uint64_t captured;                         /* persons on at least one list */
	uint64_t records;                          /* records of every list */
	uint64_t list_people[LT_SYNTH_LISTS_MAX];  /* persons on each list */
	uint64_t list_records[LT_SYNTH_LISTS_MAX]; /* records of each list, duplicates included */
};
void lt_synth_counts(const struct lt_synth *g, struct lt_synth_counts *out);

/* The true capture histories of the last run: [1 << nlists] counts of
 * persons by history mask (bit j = list j; [0] the persons on no list).
 * Borrowed from the generator. */
const uint64_t *lt_synth_histories(const struct lt_synth *g);

/*
 * Append the true capture histories to `out` as the CSV `lantern estimate`
 * reads (mse_table_parse_csv): a header of the list names and `count`,
 * then one row per observed history with a non-zero count, in increasing
 * mask order. LT_ETOOBIG when `out` is full.
 */
lt_status lt_synth_histories_csv(const struct lt_synth *g, struct lt_buf *out);

#endif
