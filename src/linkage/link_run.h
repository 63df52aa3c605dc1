/*
 * link_run.h — linkage end to end with sensible defaults: which column of
 * a file is which field, the default blocking rules and model for the
 * fields a table has, the training recipe, and scoring every blocked pair
 * on several threads. `lantern link` is a thin adapter over this, and so
 * will be the linkage of the store's persons.
 *
 * FIELDS. A table's fields are canonical names (first_name, surname,
 * full_name, dob, city, postcode, email, address, address_2,
 * street_number, state, sex, birth_place, occupation, phone). The table
 * lt_link_field_aliases maps the column names of common files onto them
 * (given_name -> first_name, date_of_birth -> dob, zip -> postcode, ...);
 * it is the single source of the table in docs/linkage.md. Column names
 * are matched ignoring case, surrounding spaces, and with '-' and ' ' read
 * as '_'.
 *
 * DEFAULT BLOCKING. When the table has at most `all_pairs_max` pairs (in
 * the mode), the one rule "*": every pair is compared, since blocking a
 * small table only loses true pairs. Otherwise, in order, each rule kept
 * when the table has its fields:
 *   first_name & surname; surname & dob; first_name & dob;
 *   surname:phonetic & first_name:phonetic; dob & postcode; dob & city;
 *   surname & postcode; first_name & postcode; surname & city;
 *   first_name & city; email; full_name; full_name:phonetic & dob:year;
 *   dob & birth_place; address & street_number; postcode &
 *   street_number; dob & street_number; surname & address
 * (at most LT_LINK_BLOCK_RULES_MAX of them): pairs of the identifying
 * fields, so a pair is found unless it disagrees on all but one of them.
 * A rule whose raw pre-flight count exceeds the pair budget is dropped by
 * lt_link_rules_budget (the caller reports which).
 *
 * DEFAULT MODEL. One preset comparison (link_model.h) per field present:
 * names (first_name, surname, full_name) LT_LINK_PRESET_NAME; dob
 * LT_LINK_PRESET_DATE; postcode, email, address, address_2, phone
 * LT_LINK_PRESET_FUZZY; the rest LT_LINK_PRESET_EXACT.
 *
 * TRAINING (lt_link_train; splink's recipe, no labels used):
 *   1. term frequencies of the TF levels from the table;
 *   2. u from `u_pairs` random pairs (seeded);
 *   3. λ from a deterministic rule — the exact agreement of the strongest
 *      identifying fields present (first_name & surname & dob, else
 *      full_name & dob, else surname & dob, else email) — taken to find
 *      `lambda_recall` of the true matches;
 *   4. m by EM (u fixed) in up to two sessions over the pairs of training
 *      rules that block on different fields (dob, or postcode, or email;
 *      first_name & surname, or full_name, or surname), each leaving out
 *      the comparisons of its own fields; a comparison trained in both gets
 *      the mean of their m vectors. A session whose rule yields more than
 *      `train_pairs_max` pairs uses a sample of its blocks: the pairs of
 *      every k-th chunk of the blocker, k = raw pairs / train_pairs_max
 *      rounded up. A fitted m whose else level is
 *      not at most half as likely among matches as among non-matches
 *      (m/u > 1/2) is rejected: EM then found some other class (people of
 *      one common name), not the matches; the comparison keeps the other
 *      session's m or its preset.
 *
 * SCORING. lt_link_score_blocked walks the blocker's chunks on `threads`
 * threads (each takes the next chunk from a shared counter), scores pairs
 * in batches with lt_link_score_pairs and keeps those with match
 * probability >= `keep` as edges. The edges come back sorted by (a, b), so
 * the result does not depend on the threads' timing.
 */
#ifndef LT_LINK_RUN_H
#define LT_LINK_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/status.h"
#include "linkage/link_block.h"
#include "linkage/link_cluster.h"
#include "linkage/link_model.h"
#include "linkage/linkage.h"

/* A column name and the canonical field it holds. */
struct lt_link_field_alias {
	const char *column;
	const char *field;
};
extern const struct lt_link_field_alias lt_link_field_aliases[];
extern const size_t lt_link_field_alias_count;

/* The canonical field of column `column` (see above), or NULL. */
const char *lt_link_field_for_column(const char *column);

struct lt_link_run_opts {
	enum lt_link_mode mode;
	uint64_t u_pairs;         /* random pairs for u (default 1,000,000) */
	uint64_t seed;            /* for u (default 42) */
	double lambda_recall;     /* assumed recall of the λ rule (default 0.7) */
	uint64_t train_pairs_max; /* pairs of one EM session at most (default 5,000,000) */
	unsigned threads;         /* scoring threads (default 2) */
	uint64_t all_pairs_max;   /* compare every pair when there are no more (default
	                             5,000,000: about 3,000 records) */
};
void lt_link_run_opts_default(struct lt_link_run_opts *o);

/*
 * The default blocking rules for the fields of t, into rules (capacity
 * LT_LINK_BLOCK_RULES_MAX); *nrule may be 0 when t has none of the fields.
 */
void lt_link_default_rules(const struct lt_link_table *t, const struct lt_link_run_opts *o,
                           struct lt_link_rule *rules, size_t *nrule);

/*
 * Keep the rules of b whose raw pre-flight count is at most `budget`
 * pairs: writes the indices of kept rules into keep[] (*nkeep) and the
 * counts of all into counts[] (b->nrule entries). Never fails.
 */
void lt_link_rules_budget(const struct lt_link_blocker *b, uint64_t budget, size_t *keep,
                          size_t *nkeep, struct lt_link_rule_count *counts);

/*
 * The default model for the fields of t into m (which must not hold a
 * model; release it with lt_link_model_release), finished: one preset
 * comparison per known field; when t has both first_name and surname,
 * each of the two has a `swapped` level naming the other (names given the
 * other way round). LT_EINVAL when t has no field a comparison applies to.
 */
lt_status lt_link_default_model(const struct lt_link_table *t, struct lt_link_model *m,
                                struct lt_error *err);

/* What training did. */
struct lt_link_train_session {
	char rule[LT_LINK_BLOCK_RULE_TEXT_MAX];
	uint64_t pairs;  /* pairs EM was run on (0: skipped; a sample when the rule
	                    yields more than train_pairs_max) */
	size_t patterns; /* distinct patterns */
	unsigned iterations;
	int converged;
	uint32_t rejected; /* bit k: comparison k's fitted m was implausible, not used */
	int capped;        /* λ hit its ceiling (lt_link_score_fit) */
};
struct lt_link_train_report {
	char lambda_rule[LT_LINK_BLOCK_RULE_TEXT_MAX]; /* "" when none applied */
	uint64_t lambda_matched, lambda_total;
	double lambda;
	size_t nsession;
	struct lt_link_train_session sessions[3];
};

/*
 * Train model m (finished, fields in t) on t: term frequencies, u, λ and m
 * as above. LT_EINVAL (fewer than two records, no pairs in the mode);
 * LT_ENOMEM. EM that does not converge is not an error (the report says).
 */
lt_status lt_link_train(struct lt_link_model *m, const struct lt_link_table *t,
                        const struct lt_link_run_opts *o, struct lt_link_train_report *rep,
                        struct lt_error *err);

/*
 * Score every pair of blocker b with prep p (whose model is m) on
 * `threads` threads and return the pairs with match probability >=
 * `threshold` as edges (*edges malloc'd, free() it; sorted by a then b),
 * counting the pairs scored into *scored. With `fit_lambda`, the same pass
 * re-estimates λ of all pairs, the last step of training: each pair's
 * Bayes factor goes into a histogram (1/32-bit bins) and EM for λ alone (m
 * and u fixed) runs on it,
 *   λ' = Σ over blocked pairs of P(match | pair; λ) / (all pairs in the mode),
 * the pairs outside the blocks taken as non-matches (blocking is meant to
 * keep every match), until λ moves less than one part in a million. The
 * deterministic rule's λ assumed a recall; this needs none. λ may rise or
 * fall at most 100-fold in this step (so the pass knows which pairs could
 * still reach the threshold, and a fit on little evidence cannot run off to
 * 0; *ses says when a bound was hit), and is kept as it is when fewer than
 * 1,000 pairs were scored. m is left alone:
 * EM over blocked pairs with m free finds degenerate fits (every candidate
 * a match) when weak rules dominate the candidates. Writes λ into m and
 * finishes it. LT_ENOMEM; LT_EINTERNAL when a thread cannot start.
 */
lt_status lt_link_score_fit(struct lt_link_model *m, const struct lt_link_prep *p,
                            const struct lt_link_blocker *b, unsigned threads, double threshold,
                            bool fit_lambda, struct lt_link_train_session *ses,
                            struct lt_link_edge **edges, size_t *nedge, uint64_t *scored,
                            struct lt_error *err);

/*
 * Score every pair of blocker b with prep p on `threads` threads (1..16),
 * keeping pairs with probability >= keep as edges (*edges malloc'd, free()
 * it; sorted by a then b), and count the pairs scored into *scored.
 * LT_ENOMEM; LT_EINTERNAL when a thread cannot be started.
 */
lt_status lt_link_score_blocked(const struct lt_link_prep *p, const struct lt_link_blocker *b,
                                double keep, unsigned threads, struct lt_link_edge **edges,
                                size_t *nedge, uint64_t *scored);

#endif
