/*
 * link_model.h — the Fellegi–Sunter model of record linkage: comparisons
 * and their levels, comparison vectors, match weights with term-frequency
 * adjustment, u from random pairs, m and λ by EM on the counts of distinct
 * comparison vectors, the prior from deterministic rules, the waterfall
 * explanation of a pair, and models as JSON (docs/linkage.md, "Model").
 *
 * THE MODEL (Fellegi and Sunter 1969, as splink states it). A pair of
 * records is compared field by field; each *comparison* sorts the pair into
 * one of its ordered *levels* (the first level whose condition holds wins).
 * Level l of comparison k has
 *   m = P(level l | the records are the same person)
 *   u = P(level l | they are not),
 * and the pair's match weight is
 *   w = log2(λ / (1 - λ)) + Σ_k log2(m_kl / u_kl)   [+ TF terms, below]
 * where λ is the probability that two records drawn at random are the same
 * person. The match probability is 2^w / (1 + 2^w). A NULL level (either
 * value missing) is no evidence: it adds nothing and has no m or u. The
 * comparisons are taken as independent given the match status.
 *
 * LEVEL KINDS. The table LT_LINK_LEVEL_KIND_MAP below is the single source
 * of truth for the kinds: their JSON names, what data they read, their
 * parameter and whether a term-frequency adjustment may apply. A level
 * holds for a pair when:
 *   null                  either value is missing (for a comparison with a
 *                         date level, also when either value is not a date)
 *   exact                 the two strings are byte-equal
 *   levenshtein k         Levenshtein distance <= k (code points)
 *   damerau_levenshtein k true Damerau-Levenshtein distance <= k
 *   jaro_winkler t        Jaro-Winkler similarity >= t
 *   phonetic              the Double Metaphone codes share a code (primary
 *                         or alternate of one equals primary or alternate
 *                         of the other), both non-empty
 *   nickname              the nickname-canonical forms are equal
 *                         (lt_link_name_canonical), both known
 *   date_exact            both whole dates, equal
 *   date_swap             both whole dates, same year, day and month swapped
 *   date_year_month       same year and month (month known for both)
 *   date_year             same year
 *   date_years N          years at most N apart
 *   swapped               the comparison's field and its second field are
 *                         swapped between the records (first name and
 *                         surname in the other order), folded, all four
 *                         present (splink's columns_reversed_level)
 *   else                  always (must be last)
 * String kinds compare the raw cell, or — with the level's `normalise` flag
 * — the value folded by lt_link_normalise (case, accents, punctuation):
 * "exact after normalisation" is `exact` with normalise set. The phonetic
 * and nickname kinds always read the folded value. None but null and else
 * holds when a value is missing. Comparators are those of link_compare.h.
 *
 * TERM FREQUENCIES (splink's tf_adjustment). An exact level may carry a TF
 * weight α in (0, 1]. For a pair at that level with values whose relative
 * frequencies in the data are f_a and f_b, the weight gains
 *   α · log2(u / max(f_a, f_b, tf_min))
 * so an exact match on a common name ("John") counts less than on a rare
 * one; with α = 1 it is as though the level's u were the value's
 * frequency. Frequencies are (records with the value) / (records with the
 * field present), counted on the raw or folded value as the level compares
 * them. They live in the model (lt_link_model_tf_compute, or loaded from
 * JSON); a value absent from the model's table gets no adjustment.
 *
 * COMPARISON VECTORS. The levels of a pair, one per comparison, packed 4
 * bits each in a uint64_t (comparison k in bits 4k..4k+3): at most
 * LT_LINK_COMPARISONS_MAX comparisons of at most LT_LINK_LEVELS_MAX levels.
 *
 * PER-RECORD PREPARATION. Everything a comparison needs of a record — the
 * folded string, its hash, its phonetic codes and nickname form, the parsed
 * date, the term frequency — is computed once per record into an
 * lt_link_prep (lt_link_prep_init), so scoring a pair allocates nothing,
 * folds nothing and parses nothing. The prep borrows the model and the
 * table: it reads the model's current m and u at each call, so it stays
 * valid across EM and u estimation (but not across a change of the
 * comparisons, their fields or the TF tables).
 *
 * TRAINING (splink's and fastLink's recipe).
 *  1. u from random pairs (lt_link_estimate_u): a seeded sample of N pairs,
 *     almost all non-matches, gives u_kl as the share of the sample at
 *     level l among those not at null (splink's
 *     estimate_u_using_random_sampling).
 *  2. λ from deterministic rules (lt_link_lambda_from_rules): the share of
 *     all pairs that pass strict rules, divided by their assumed recall
 *     (splink's estimate_probability_two_random_records_match).
 *  3. m (and λ of the blocked set, and u if asked) by EM over the pairs of
 *     a training blocking rule. EM runs on the COUNTS OF DISTINCT
 *     comparison patterns (lt_link_patterns: a hash map pattern -> count,
 *     fastLink's emlinkMARmov trick), so an iteration costs the number of
 *     distinct patterns, not of pairs. With TF adjustment on (splink's
 *     default) a pattern is the vector plus, for each TF level the pair is
 *     at, the frequency used, so the E step is exactly splink's per pair.
 *     Comparisons the training rule uses (the `skip` mask) are left out of
 *     both steps, and the starting λ is the prior raised by the Bayes
 *     factor of their top level (splink's blocking-adjusted λ).
 *     E step: p = P(match | pattern) under the current parameters.
 *     M step: m_kl = Σ p·n over patterns at l / Σ p·n over patterns at any
 *     non-null level of k; u likewise with 1-p unless u is fixed; λ = Σ p·n
 *     / Σ n. Converged when no m, u or λ moved more than `tol` (splink's
 *     em_convergence). A level no pattern reaches keeps its value.
 *
 * EXPLANATION. lt_link_explain gives the waterfall of one pair: the prior,
 * then per comparison the values, the level, m, u, the Bayes factor m/u,
 * its log2, the TF adjustment, and the running weight; then the final
 * weight and probability (docs/linkage.md, "Reading the waterfall").
 *
 * JSON (link_json.c, jansson). The model is saved as
 *   {"format": "lantern-link-model", "version": 1,
 *    "probability_two_random_records_match": λ,
 *    "comparisons": [{"name": ..., "field": ..., "field2": ... (optional),
 *      "levels": [{"kind": "null"},
 *                 {"kind": "exact", "normalise": true, "m": .., "u": ..,
 *                  "tf_weight": 1.0, "tf_min": 0, "label": ".."},
 *                 {"kind": "jaro_winkler", "threshold": 0.92, ...},
 *                 {"kind": "damerau_levenshtein", "distance": 2, ...},
 *                 {"kind": "date_years", "years": 5, ...}, ...],
 *      "term_frequencies": {"total": n, "values": {"john": 31, ...}}}]}
 * term_frequencies is optional. Loading checks everything and names the
 * JSON path at fault: "comparisons[1].levels[2].m: must be in (0, 1]".
 *
 * THREADS. A model, its TF tables and a prep are read-only while pairs are
 * scored: any number of threads may score at once. Patterns are filled by
 * one thread each and merged.
 *
 * Ownership: lt_link_model owns its TF tables (lt_link_model_release);
 * every other member is inline. Preps, patterns and EM workspaces are
 * allocated by their _init/_alloc and freed by _release/_free.
 */
#ifndef LT_LINK_MODEL_H
#define LT_LINK_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/status.h"
#include "linkage/link_block.h"
#include "linkage/linkage.h"

#define LT_LINK_COMPARISONS_MAX 16    /* comparisons in one model (4 bits each in a vector) */
#define LT_LINK_LEVELS_MAX      16    /* levels of one comparison, null and else included */
#define LT_LINK_LABEL_MAX       96    /* bytes of a level's label, with the NUL */
#define LT_LINK_NAME_MAX        64    /* bytes of a comparison or field name, with the NUL */
#define LT_LINK_EM_ITER_MAX     10000 /* ceiling on EM iterations */
#define LT_LINK_U_PAIRS_MAX     100000000ULL         /* random pairs for u, at most */
#define LT_LINK_MODEL_JSON_MAX  (256L * 1024 * 1024) /* bytes of a model's JSON */
#define LT_LINK_PROB_MIN        1e-12                /* m and u are kept in [LT_LINK_PROB_MIN, 1] */

/* What a level kind reads. */
enum lt_link_level_data {
	LT_LINK_DATA_ANY,    /* null, else */
	LT_LINK_DATA_STRING, /* a string */
	LT_LINK_DATA_DATE,   /* a date parsed by lt_link_date_parse */
};

/* The parameter of a level kind. */
enum lt_link_level_param {
	LT_LINK_PARAM_NONE,
	LT_LINK_PARAM_DISTANCE,  /* an edit distance k, integer 0..LT_LINK_STRING_MAX; JSON
	                            "distance" */
	LT_LINK_PARAM_THRESHOLD, /* a similarity threshold in (0, 1]; JSON "threshold" */
	LT_LINK_PARAM_YEARS,     /* a number of years 0..200; JSON "years" */
};

/*
 * The level kinds: X(symbol, JSON name, data, parameter, TF allowed).
 * Append only: the names are part of the JSON format.
 */
#define LT_LINK_LEVEL_KIND_MAP(X)                                                                  \
	X(LT_LINK_LEVEL_NULL, "null", LT_LINK_DATA_ANY, LT_LINK_PARAM_NONE, false)                 \
	X(LT_LINK_LEVEL_EXACT, "exact", LT_LINK_DATA_STRING, LT_LINK_PARAM_NONE, true)             \
	X(LT_LINK_LEVEL_LEVENSHTEIN, "levenshtein", LT_LINK_DATA_STRING, LT_LINK_PARAM_DISTANCE,   \
	  false)                                                                                   \
	X(LT_LINK_LEVEL_DAMERAU, "damerau_levenshtein", LT_LINK_DATA_STRING,                       \
	  LT_LINK_PARAM_DISTANCE, false)                                                           \
	X(LT_LINK_LEVEL_JARO_WINKLER, "jaro_winkler", LT_LINK_DATA_STRING,                         \
	  LT_LINK_PARAM_THRESHOLD, false)                                                          \
	X(LT_LINK_LEVEL_PHONETIC, "phonetic", LT_LINK_DATA_STRING, LT_LINK_PARAM_NONE, false)      \
	X(LT_LINK_LEVEL_NICKNAME, "nickname", LT_LINK_DATA_STRING, LT_LINK_PARAM_NONE, false)      \
	X(LT_LINK_LEVEL_DATE_EXACT, "date_exact", LT_LINK_DATA_DATE, LT_LINK_PARAM_NONE, false)    \
	X(LT_LINK_LEVEL_DATE_SWAP, "date_swap", LT_LINK_DATA_DATE, LT_LINK_PARAM_NONE, false)      \
	X(LT_LINK_LEVEL_DATE_YEAR_MONTH, "date_year_month", LT_LINK_DATA_DATE, LT_LINK_PARAM_NONE, \
	  false)                                                                                   \
	X(LT_LINK_LEVEL_DATE_YEAR, "date_year", LT_LINK_DATA_DATE, LT_LINK_PARAM_NONE, false)      \
	X(LT_LINK_LEVEL_DATE_YEARS, "date_years", LT_LINK_DATA_DATE, LT_LINK_PARAM_YEARS, false)   \
	X(LT_LINK_LEVEL_ELSE, "else", LT_LINK_DATA_ANY, LT_LINK_PARAM_NONE, false)                 \
	X(LT_LINK_LEVEL_SWAPPED, "swapped", LT_LINK_DATA_STRING, LT_LINK_PARAM_NONE, false)

enum lt_link_level_kind {
#define LT_LINK_X(sym, name, data, param, tf) sym,
	LT_LINK_LEVEL_KIND_MAP(LT_LINK_X)
#undef LT_LINK_X
	    LT_LINK_LEVEL_KINDS
};

/* One row of the kind table. */
struct lt_link_level_kind_info {
	const char *name;
	enum lt_link_level_data data;
	enum lt_link_level_param param;
	bool tf;
};
/* The row of `kind` (< LT_LINK_LEVEL_KINDS). */
const struct lt_link_level_kind_info *lt_link_level_kind_info(enum lt_link_level_kind kind);
/* The kind called `name`, or -1. */
int lt_link_level_kind_from_name(const char *name);

struct lt_link_level {
	enum lt_link_level_kind kind;
	double param;     /* the kind's parameter (distance, threshold or years); 0 when none */
	bool normalise;   /* string kinds: compare folded values (phonetic, nickname: always) */
	double m;         /* P(level | match), [LT_LINK_PROB_MIN, 1]; unused for null */
	double u;         /* P(level | non-match), likewise */
	double tf_weight; /* α in [0, 1]: the TF adjustment (exact levels only); 0 = none */
	double tf_min;    /* floor under the term frequency, [0, 1) */
	char label[LT_LINK_LABEL_MAX]; /* for people: "Jaro-Winkler >= 0.92" ("" = generated) */
};

/* Private: a term-frequency table (value -> count), link_model.c. */
struct lt_link_tf;

struct lt_link_comparison {
	char name[LT_LINK_NAME_MAX];   /* output name, e.g. "first_name" */
	char field[LT_LINK_NAME_MAX];  /* the table field it reads */
	char field2[LT_LINK_NAME_MAX]; /* a second field, for swapped levels; "" = none */
	size_t nlevel;                 /* 2..LT_LINK_LEVELS_MAX */
	struct lt_link_level levels[LT_LINK_LEVELS_MAX];
	struct lt_link_tf *tf; /* term frequencies, owned; NULL = none */
	/* Derived by lt_link_model_finish: */
	double lw[LT_LINK_LEVELS_MAX];    /* log2(m/u); 0 for null */
	double log2u[LT_LINK_LEVELS_MAX]; /* log2(u); 0 for null */
	uint32_t tf_level_mask;           /* levels with tf_weight > 0 */
	bool has_date;                    /* some level reads a date */
	bool need_norm;                   /* some level reads the folded value */
	bool need_phonetic;               /* a phonetic level */
	bool need_nickname;               /* a nickname level */
	bool tf_normalise;                /* the TF levels read folded values */
	int null_level;                   /* index of the null level, -1 = none */
	unsigned else_level;              /* index of the else level (the last) */
	int hist_form;                    /* the form (0 raw, 1 folded) of the fuzzy levels, whose
	                                     character histograms bound them; -1 none or mixed */
	unsigned dl_max[2];               /* largest Damerau-Levenshtein k, per form */
	unsigned lev_max[2];              /* largest Levenshtein k, per form */
	/* The levels as the scorer reads them, packed (kind, form, parameter). */
	struct lt_link_level_hot {
		uint8_t kind;
		uint8_t normalise;
		uint16_t k; /* distance or years */
		double t;   /* threshold */
	} hot[LT_LINK_LEVELS_MAX];
	double log2_tf_min[LT_LINK_LEVELS_MAX]; /* log2(tf_min), -INFINITY when 0 */
};

struct lt_link_model {
	double lambda; /* probability two random records match, (0, 1) */
	size_t ncomp;  /* 1..LT_LINK_COMPARISONS_MAX once finished */
	struct lt_link_comparison comps[LT_LINK_COMPARISONS_MAX];
	double prior_weight; /* derived: log2(λ / (1 - λ)) */
};

/* ---- Building a model ------------------------------------------------ */

/* An empty model with λ = 1e-4. */
void lt_link_model_init(struct lt_link_model *m);
/* Free the TF tables; the struct may be initialised again. */
void lt_link_model_release(struct lt_link_model *m);
/*
 * Deep copy of `src` (TF tables included) into `dst`, which must not hold a
 * model (initialised or released). LT_ENOMEM.
 */
lt_status lt_link_model_copy(struct lt_link_model *dst, const struct lt_link_model *src);

/*
 * Append a comparison called `name` reading field `field`, with no levels.
 * Its index is m->ncomp - 1. LT_ETOOBIG past LT_LINK_COMPARISONS_MAX;
 * LT_EINVAL for an empty or too long name or field.
 */
lt_status lt_link_model_add_comparison(struct lt_link_model *m, const char *name, const char *field,
                                       struct lt_error *err);
/*
 * Append a level to the last comparison: kind, parameter (0 when none),
 * normalise flag, starting m and u (ignored for null), TF weight (0 =
 * none). The label is generated. LT_ETOOBIG past LT_LINK_LEVELS_MAX;
 * LT_EINVAL for values out of range (err says which). lt_link_model_finish
 * checks the whole.
 */
lt_status lt_link_model_add_level(struct lt_link_model *m, enum lt_link_level_kind kind,
                                  double param, bool normalise, double mprob, double uprob,
                                  double tf_weight, struct lt_error *err);

/*
 * Give the last comparison a second field (for swapped levels): first
 * name and surname each name the other. LT_EINVAL for an empty or too
 * long name.
 */
lt_status lt_link_model_set_field2(struct lt_link_model *m, const char *field2,
                                   struct lt_error *err);

/* Ready-made comparisons with splink-like levels and starting m/u. */
enum lt_link_preset {
	/* null, exact (folded, TF), Jaro-Winkler >= 0.92, >= 0.88 (folded),
	 * nickname, phonetic, Damerau-Levenshtein <= 2 (folded), else */
	LT_LINK_PRESET_NAME,
	/* null (or not a date), date_exact, date_swap, date_year_month,
	 * date_year, date_years 5, else */
	LT_LINK_PRESET_DATE,
	/* null, exact (folded, TF), else: city, sex */
	LT_LINK_PRESET_EXACT,
	/* null, exact (folded, TF), Damerau-Levenshtein <= 1, Jaro-Winkler
	 * >= 0.88 (folded), else: e-mail, postcode, address */
	LT_LINK_PRESET_FUZZY,
};
/* Append a preset comparison called `name` on `field`. As add_comparison. */
lt_status lt_link_model_add_preset(struct lt_link_model *m, enum lt_link_preset preset,
                                   const char *name, const char *field, struct lt_error *err);
/*
 * The same with a second field `field2` (NULL or "" = none): a NAME preset
 * then has a `swapped` level after its exact level (m 0.02, u 0.0001),
 * for first name and surname given in the other order. Other presets
 * ignore field2.
 */
lt_status lt_link_model_add_preset2(struct lt_link_model *m, enum lt_link_preset preset,
                                    const char *name, const char *field, const char *field2,
                                    struct lt_error *err);

/*
 * Check the model and compute its derived values (lw, log2u, prior_weight,
 * masks); call after any change of λ, m, u or the levels (EM, u estimation
 * and JSON loading call it themselves). Rules: 1..LT_LINK_COMPARISONS_MAX
 * comparisons, each of 2..LT_LINK_LEVELS_MAX levels with exactly one
 * `else`, last; at most one null level; a swapped level only with a
 * second field; λ in (0, 1); m and u of every
 * level but null in (0, 1] (values below LT_LINK_PROB_MIN are raised to
 * it); parameters in their range; TF weights in [0, 1] and only on kinds
 * that allow them. LT_EINVAL with err->field a path such as
 * "comparisons[1].levels[2].m" and a message saying what is wrong.
 */
lt_status lt_link_model_finish(struct lt_link_model *m, struct lt_error *err);

/* The comparison called `name`, or -1. */
long lt_link_model_find(const struct lt_link_model *m, const char *name);

/*
 * Count the term frequencies of every comparison with a TF level from the
 * table `t` (raw or folded values as the level compares them), replacing
 * any table the model had. LT_EINVAL when a field is not in t; LT_ENOMEM.
 */
lt_status lt_link_model_tf_compute(struct lt_link_model *m, const struct lt_link_table *t,
                                   struct lt_error *err);
/*
 * The relative frequency of `value` (as stored: raw or folded) in the TF
 * table of comparison k: count / total, or 0 when the value or the table
 * is absent.
 */
double lt_link_model_tf(const struct lt_link_model *m, size_t k, const char *value);

/* ---- Per-record preparation and scoring ------------------------------ */

/* Private: the prepared value of one record for one comparison, and of
 * its second field. */
struct lt_link_prep_cell;
struct lt_link_prep_swap;

struct lt_link_prep {
	const struct lt_link_model *model; /* borrowed */
	const struct lt_link_table *table; /* borrowed */
	size_t nrec;
	size_t ncomp;
	uint32_t field[LT_LINK_COMPARISONS_MAX];  /* table field of each comparison */
	struct lt_link_prep_cell *cells;          /* nrec x ncomp, record-major; owned */
	uint32_t field2[LT_LINK_COMPARISONS_MAX]; /* table field of each second field */
	struct lt_link_prep_swap *swap[LT_LINK_COMPARISONS_MAX]; /* nrec each, for the
	                                            comparisons with a swapped level; owned */
	char *arena;                                             /* folded strings; owned */
	size_t arena_len;
};

/*
 * Prepare every record of `t` for model `m` (finished): fold, hash, code,
 * parse dates and look up term frequencies once. Cost O(records x
 * comparisons); memory 112 bytes a cell (record x comparison), 24 more
 * a record for a comparison with a swapped level, plus the folded
 * strings. LT_EINVAL when a comparison's field is not in t (err names it);
 * LT_ENOMEM. On failure *p holds nothing to release (releasing it is
 * harmless). The model and the table must outlive the prep.
 */
lt_status lt_link_prep_init(struct lt_link_prep *p, const struct lt_link_model *m,
                            const struct lt_link_table *t, struct lt_error *err);
void lt_link_prep_release(struct lt_link_prep *p);

/* The level of comparison k in vector v. */
static inline unsigned lt_link_vector_level(uint64_t v, size_t k)
{
	return (unsigned)((v >> (4 * k)) & 15u);
}

/* The comparison vector of records a and b (indices of the prep's table). */
uint64_t lt_link_vector(const struct lt_link_prep *p, uint32_t a, uint32_t b);

/* The match weight of records a and b (prior, levels and TF terms). */
double lt_link_score(const struct lt_link_prep *p, uint32_t a, uint32_t b);

/*
 * Weights of n pairs into weight[0..n-1] (and their vectors into vec when
 * not NULL). The hot loop: no allocation, no folding, no parsing.
 */
void lt_link_score_pairs(const struct lt_link_prep *p, const struct lt_link_pair *pairs, size_t n,
                         double *weight, uint64_t *vec);

/* 2^w / (1 + 2^w), without overflow. */
double lt_link_weight_to_prob(double w);
/* log2(p / (1 - p)); ±INFINITY at 1 and 0. */
double lt_link_prob_to_weight(double p);

/* ---- Training -------------------------------------------------------- */

/*
 * Estimate u of every comparison from `npairs` random pairs of the prep's
 * records (1..LT_LINK_U_PAIRS_MAX), drawn with the seeded generator
 * xoshiro256** from `seed` — the same seed gives the same u on every
 * machine — among the pairs allowed by `mode` (link_block.h: any two,
 * across sources, within a source). u of level l = pairs at l / pairs at
 * any non-null level; a level the sample never reaches gets half a pair
 * (then u is renormalised), so no weight is infinite. Writes u into the
 * prep's model (which the caller owns: the cast is the contract) and
 * finishes it. LT_EINVAL for fewer than two records, npairs out of range,
 * or a mode with no pairs (one source and ACROSS); LT_ENOMEM.
 */
lt_status lt_link_estimate_u(struct lt_link_model *m, const struct lt_link_prep *p,
                             enum lt_link_mode mode, uint64_t npairs, uint64_t seed,
                             struct lt_error *err);

/*
 * λ from deterministic rules: `matched` pairs pass rules believed to find
 * `recall` (0, 1] of all true matches among `total` pairs, so
 * λ = matched / (recall · total). LT_EINVAL when total is 0, recall is out
 * of range, matched is 0 or the result is not below 1. Writes *lambda.
 */
lt_status lt_link_lambda_from_rules(uint64_t matched, uint64_t total, double recall, double *lambda,
                                    struct lt_error *err);

/* Private: the hash map of distinct patterns, link_em.c. */
struct lt_link_patterns;

/*
 * An empty pattern map for model `m` (finished). With `tf`, a pattern
 * also holds the term frequency each pair used at each TF level (splink's
 * default E step); without, TF is ignored in training (splink's
 * estimate_without_term_frequencies). LT_ENOMEM.
 */
lt_status lt_link_patterns_alloc(const struct lt_link_model *m, bool tf,
                                 struct lt_link_patterns **out);
void lt_link_patterns_free(struct lt_link_patterns *pt);
/* Count the patterns of n pairs of the prep's records. LT_ENOMEM. */
lt_status lt_link_patterns_add_pairs(struct lt_link_patterns *pt, const struct lt_link_prep *p,
                                     const struct lt_link_pair *pairs, size_t n);
/*
 * Count `count` pairs of vector `vec` (levels valid for the model) whose
 * TF frequencies, for the comparisons whose level in vec has a TF weight,
 * are tf[k] (NULL, or tf[k] <= 0: no adjustment). For vectors computed
 * elsewhere (tests, golden files). LT_EINVAL for a level out of range;
 * LT_ENOMEM.
 */
lt_status lt_link_patterns_add_vector(struct lt_link_patterns *pt, uint64_t vec, const double *tf,
                                      double count);
/* Add every pattern of src into dst (same model). LT_ENOMEM. */
lt_status lt_link_patterns_merge(struct lt_link_patterns *dst, const struct lt_link_patterns *src);
/* Distinct patterns held. */
size_t lt_link_patterns_distinct(const struct lt_link_patterns *pt);
/* Pairs counted (the sum of the counts). */
double lt_link_patterns_total(const struct lt_link_patterns *pt);

struct lt_link_em_params {
	double tol;        /* convergence: largest change of any m, u or λ (splink 1e-4) */
	unsigned max_iter; /* 1..LT_LINK_EM_ITER_MAX (splink 25) */
	bool fix_u;        /* keep u (splink's default: u from random pairs) */
	uint32_t free_u;   /* bit k: with fix_u, comparison k's u is still fitted in this
	                      session, and not written back by lt_link_em_result: for a
	                      comparison that the training rule makes agree more often
	                      among non-matches than random pairs do (e-mail or sex when
	                      blocking on names) */
	bool fix_lambda;   /* keep λ */
	uint32_t skip;     /* bit k: comparison k is used by the training rule: left out */
	double lambda0;    /* starting λ of the training pairs; <= 0: the model's λ raised by
	                      the Bayes factor of the top non-null level of each skipped
	                      comparison (splink's blocking-adjusted λ) */
};
/* tol 1e-4, max_iter 25, fix_u, nothing skipped, lambda0 0. */
void lt_link_em_params_default(struct lt_link_em_params *params);

/* Private: an EM workspace, link_em.c. */
struct lt_link_em;

/*
 * A workspace to fit model `m` (finished; borrowed, must outlive it) on
 * patterns `pt` (borrowed likewise). LT_EINVAL for parameters out of
 * range, no patterns, or every comparison skipped; LT_ENOMEM.
 */
lt_status lt_link_em_alloc(const struct lt_link_model *m, const struct lt_link_patterns *pt,
                           const struct lt_link_em_params *params, struct lt_link_em **out,
                           struct lt_error *err);
void lt_link_em_free(struct lt_link_em *em);
/* Start from the model's m and u and the starting λ; iteration 0. */
void lt_link_em_init(struct lt_link_em *em);
/* One E step and one M step. Never fails. */
void lt_link_em_iterate(struct lt_link_em *em);
/* Did the last iteration move no parameter more than tol? (false at 0) */
bool lt_link_em_converged(const struct lt_link_em *em);
/* Iterations done since init. */
unsigned lt_link_em_iterations(const struct lt_link_em *em);
/* The current λ of the training pairs. */
double lt_link_em_lambda(const struct lt_link_em *em);
/* The current m and u of level l of comparison k. */
double lt_link_em_m(const struct lt_link_em *em, size_t k, size_t l);
double lt_link_em_u(const struct lt_link_em *em, size_t k, size_t l);
/* The largest change of the last iteration. */
double lt_link_em_change(const struct lt_link_em *em);
/*
 * Write the fitted m (and u unless fixed) of the comparisons not skipped
 * into `m` (the model the workspace was made for, or a copy of it) and
 * finish it. λ of the model is left alone: the λ of blocked training
 * pairs is not the λ of all pairs (splink does the same).
 */
void lt_link_em_result(const struct lt_link_em *em, struct lt_link_model *m);

/* What lt_link_em_run did. */
struct lt_link_em_summary {
	unsigned iterations;
	bool converged;
	double lambda; /* λ of the training pairs at the end */
	double change; /* the last largest change */
};
/*
 * init, iterate until converged or max_iter, result: the whole fit.
 * LT_ENOCONVERGE when max_iter passed without convergence (the model is
 * updated all the same, and *out says so); otherwise as lt_link_em_alloc.
 */
lt_status lt_link_em_run(struct lt_link_model *m, const struct lt_link_patterns *pt,
                         const struct lt_link_em_params *params, struct lt_link_em_summary *out,
                         struct lt_error *err);

/* ---- The waterfall --------------------------------------------------- */

struct lt_link_explain_step {
	size_t comparison;   /* index in the model */
	const char *name;    /* the comparison's name (borrowed from the model) */
	const char *value_a; /* the raw cells (borrowed from the table), NULL = missing */
	const char *value_b;
	unsigned level;    /* level index */
	const char *label; /* the level's label (borrowed) */
	enum lt_link_level_kind kind;
	double m, u;       /* NAN at the null level */
	double bf;         /* Bayes factor m/u; 1 at null */
	double log2_bf;    /* log2(bf); 0 at null */
	double tf_freq;    /* term frequency used, NAN when no TF adjustment */
	double tf_bf;      /* TF factor (u/f)^α; 1 when none */
	double tf_log2;    /* log2(tf_bf) */
	double cumulative; /* the weight after this step */
};

struct lt_link_explanation {
	uint32_t a, b;       /* the records */
	double prior;        /* λ */
	double prior_weight; /* log2(λ / (1 - λ)) — the start of the waterfall */
	size_t nstep;        /* one step per comparison */
	struct lt_link_explain_step steps[LT_LINK_COMPARISONS_MAX];
	uint64_t vector;
	double weight;      /* final match weight */
	double probability; /* final match probability */
};

/* The waterfall of records a and b. The explanation borrows strings from
 * the prep's model and table. Never fails. */
void lt_link_explain(const struct lt_link_prep *p, uint32_t a, uint32_t b,
                     struct lt_link_explanation *out);

/*
 * The explanation as a JSON object (ids, prior, steps with every member of
 * the struct, weight, probability) into *out (malloc'd, NUL-terminated;
 * free()). LT_ENOMEM.
 */
lt_status lt_link_explain_json(const struct lt_link_prep *p, const struct lt_link_explanation *x,
                               char **out);

/* ---- JSON ------------------------------------------------------------ */

/*
 * The model as JSON (format above), with the TF tables when `with_tf`,
 * into *out (malloc'd, NUL-terminated; free()). LT_ENOMEM.
 */
lt_status lt_link_model_to_json(const struct lt_link_model *m, bool with_tf, char **out);
/*
 * Parse a model from `len` bytes of JSON into `m` (which must not hold a
 * model; on success release it with lt_link_model_release; on failure it
 * holds nothing). Every member is checked: unknown members, wrong types
 * and values out of range are refused with LT_EINVAL (LT_EPARSE for bad
 * JSON, with err->line), err->field the JSON path ("comparisons[1].levels
 * [2].m") and a message saying what is wrong. LT_ETOOBIG past
 * LT_LINK_MODEL_JSON_MAX.
 */
lt_status lt_link_model_from_json(const char *text, size_t len, struct lt_link_model *m,
                                  struct lt_error *err);

/*
 * Read a model in splink's settings format (a saved splink model, or a
 * settings dictionary written as JSON): probability_two_random_records_match
 * (default 0.0001), and for each of "comparisons" its output_column_name
 * and comparison_levels, each with sql_condition, m_probability,
 * u_probability, is_null_level, label_for_charts, tf_adjustment_column
 * (its weight tf_adjustment_weight, default 1, and tf_minimum_u_value).
 * The SQL conditions lantern reads, on one column X of the comparison
 * (quotes, CAST(... AS TEXT) and ::VARCHAR ignored, any case):
 *   X_l IS NULL OR X_r IS NULL         (or is_null_level)   null
 *   X_l = X_r                                               exact
 *   levenshtein(X_l, X_r) <= k                              levenshtein k
 *   damerau_levenshtein(X_l, X_r) <= k                      damerau_levenshtein k
 *   jaro_winkler_similarity(X_l, X_r) >= t (or jaro_winkler) jaro_winkler t
 *   ELSE                                                    else
 * Strings compare raw, as splink's SQL does. Other members (blocking rules,
 * link type, ...) are ignored. Any other condition is refused with
 * LT_EINVAL naming it: "comparisons[4].comparison_levels[2].sql_condition:
 * lantern cannot read this condition: ...". Otherwise as
 * lt_link_model_from_json.
 */
lt_status lt_link_model_from_splink_json(const char *text, size_t len, struct lt_link_model *m,
                                         struct lt_error *err);

#endif
