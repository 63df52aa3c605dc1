/*
 * linkest.h — from linked records to a population estimate: capture
 * histories from clusters, and an interval that carries the uncertainty of
 * the linkage as well as the sampling error (docs/linkage.md, "From linked
 * records to an estimate").
 *
 * WHY A MODULE OF ITS OWN. Linkage (src/linkage/, lt_link_) turns records
 * into persons; estimation (src/mse/, mse_) turns a table of capture
 * histories into a population. Neither needs the other: the estimator is
 * fed tables typed in by analysts, and linkage serves caseworkers who never
 * estimate anything. This module is the one place that knows both, as
 * src/synth/ is a module of its own beside the two it serves; so the
 * dependency runs one way (linkest -> linkage, mse) and neither of the two
 * grows an include of the other. Pure computation: no I/O, no clock.
 *
 * LISTS. Every record belongs to one list (a file, an agency, an agency
 * kind: the caller decides and passes each record's label). A list's name
 * in the table is its label made fit for a capture-history column
 * (lt_linkest_list_name): the last path component, its extension dropped,
 * every byte outside [A-Za-z0-9_.-] as '_', at most LT_MSE_NAME_MAX bytes;
 * a name already taken gets "_2", "_3", ....
 *
 * HISTORIES. A person is a cluster of records (link_cluster.h); the
 * person's capture history is the set of lists of its records (bit i =
 * list i, mse.h), and the table counts persons by history. A person with
 * two records on one list (a duplicate the linkage found) is on that list
 * once.
 *
 * THE LINKAGE BOOTSTRAP (lt_linkest_draws_run). The point estimate is the
 * method's estimate from the histories of the clusters at the threshold.
 * Its interval comes from B replicates, each of two stages:
 *   1. links drawn (DRAW_PAIRS, the default): every scored pair whose match
 *      weight lies within `band` bits of the threshold's (0.1 to 0.9 about
 *      0.5 by default) is a link with its match probability p,
 *      independently; pairs above the band are links, pairs below are not;
 *      the persons are the connected components of the links. (DRAW_THRESHOLD
 *      instead draws the threshold uniformly on the match-weight scale
 *      within the band and clusters at it as the point estimate does: a
 *      sensitivity analysis, wider.)
 *   2. sampling (RESAMPLE_POPULATION, the default): the drawn linkage's
 *      histories are estimated by the method, and a population of that
 *      size — the n persons' histories and the estimated dark cell —
 *      resampled whole (a multinomial draw; Buckland & Garthwaite 1991,
 *      Biometrics 47:255), so the number observed varies as it would; the
 *      method, model selection included, is re-run on the observed part.
 *      RESAMPLE_CASES instead resamples the n persons (mse_boot.c's draw,
 *      which holds n fixed); RESAMPLE_NONE leaves stage 2 out.
 * The bounds are the type-8 quantiles (mse_quantile_type8) at (1-level)/2
 * and (1+level)/2 of the replicates (the percentile interval); given the
 * point estimate, also the bias-corrected percentile bounds (Efron's BC:
 * BCa with â = 0, mse_bca_bounds) — measured worse, reported for study;
 * replicates whose estimator fails are left out and counted.
 *
 * Why. Stage 2 alone is a bootstrap of the sampling error as mse_boot.c's
 * is (which conditions on n); stage 1 adds the variation of the estimate
 * between plausible linkages, so the replicates' spread is E[Var(N | links)]
 * + Var(E[N | links]) — the law of total variance, the decomposition of
 * multiple imputation of the linkage (Sadinle 2018, Ann. Appl. Stat.
 * 12:1013, propagates linkage uncertainty into a population size the same
 * way, with posterior draws of the linkage from a Bayesian model). Pairs
 * far from the threshold are held fixed because Fellegi–Sunter
 * probabilities are calibrated only roughly: a pair scored 0.02 among
 * millions is a link in some draw for thousands of such pairs, and each
 * false link merges two persons (on the pseudopeople lists every pair
 * below 0.99 is a non-match). Threshold clusters leave matches unlinked
 * more often than they join non-matches, so the point estimate leans high;
 * the drawn linkages recover part of that, which is why the percentile
 * interval covers better than the bias-corrected one. docs/linkage.md has
 * the coverage measured on data of known truth (bench/bench_linkest.c).
 * Random numbers: one R-style Mersenne Twister stream (mse_rng) seeded by
 * the caller, replicates in order, so the result depends on the seed only.
 */
#ifndef LT_LINKEST_H
#define LT_LINKEST_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/limits.h"
#include "linkage/link_cluster.h"
#include "linkage/link_run.h"
#include "linkage/linkage.h"
#include "mse/mse.h"
#include "mse/mse_boot.h"

#define LT_LINKEST_DRAWS_MAX 100000 /* replicates of one linkage bootstrap */

/* The lists of a linkage: names fit for mse_table_alloc, in order. */
struct lt_linkest_lists {
	unsigned nlists;                                   /* 0..LT_MSE_LISTS_MAX */
	char names[LT_MSE_LISTS_MAX][LT_MSE_NAME_MAX + 1]; /* distinct, valid list names */
};

/*
 * Write the list name of `label` into out (cap > LT_MSE_NAME_MAX): its last
 * '/'-separated component, without its extension (from the last '.', unless
 * that leaves nothing), bytes outside [A-Za-z0-9_.-] as '_', cut to
 * LT_MSE_NAME_MAX bytes; "list" when nothing is left.
 */
void lt_linkest_list_name(const char *label, char *out, size_t cap);

/*
 * The list of each of `nrec` records from its label (labels[r], NUL-
 * terminated): lists are numbered in the order their label first appears,
 * named by lt_linkest_list_name (a taken name gets "_2", "_3", ...), and
 * list[r] is record r's. Errors (err->line is the 1-based record): LT_EINVAL
 * for a NULL or empty label; LT_ETOOBIG for more than LT_MSE_LISTS_MAX
 * distinct labels. LT_ENOMEM.
 */
lt_status lt_linkest_lists_from_labels(const char *const *labels, size_t nrec, uint32_t *list,
                                       struct lt_linkest_lists *lists, struct lt_error *err);

/*
 * The capture-history table of the persons `cluster` (nrec cluster ids,
 * each < ncluster, e.g. lt_link_clusters.cluster) given each record's list
 * (list[r] < lists->nlists): one person per cluster that has a record, its
 * history the OR of its records' lists. *out is a new table (mse_table_free).
 * Errors: LT_EINVAL for fewer than 2 lists, a list or cluster id out of
 * range (err->line the 1-based record); LT_ENOMEM.
 */
lt_status lt_linkest_histories(const uint32_t *cluster, size_t ncluster, const uint32_t *list,
                               size_t nrec, const struct lt_linkest_lists *lists,
                               struct mse_table **out, struct lt_error *err);

/* The histories as the CSV `lantern estimate` reads: the list names and
 * `count`, one row per history with a non-zero count, increasing mask
 * order. LT_ETOOBIG when `out` is full. */
lt_status lt_linkest_histories_csv(const struct mse_table *t, struct lt_buf *out);

/* Stage 2 of a replicate. */
enum lt_linkest_resample {
	LT_LINKEST_RESAMPLE_NONE,       /* links drawn only: linkage error alone */
	LT_LINKEST_RESAMPLE_CASES,      /* the n persons resampled (mse_boot.c's draw) */
	LT_LINKEST_RESAMPLE_POPULATION, /* the estimated population resampled, dark cell
	                                   included (Buckland & Garthwaite 1991) */
};

/* Stage 1 of a replicate: how the links are drawn. */
enum lt_linkest_draw {
	LT_LINKEST_DRAW_PAIRS,     /* each pair in the band a link with its probability */
	LT_LINKEST_DRAW_THRESHOLD, /* the threshold drawn in the band, clusters formed at it */
};

struct lt_linkest_draw_params {
	size_t ndraws;             /* replicates B, 1..LT_LINKEST_DRAWS_MAX (200) */
	uint32_t seed;             /* of the one random stream (1234) */
	double level;              /* coverage of the interval, in (0, 1) (0.95) */
	enum lt_linkest_draw draw; /* stage 1 (PAIRS) */
	double band;               /* bits of match weight either side of the threshold's that are
	                              uncertain, (0, 30] (3.17: 0.1 to 0.9 about 0.5) */
	enum lt_linkest_resample resample; /* stage 2 (POPULATION) */
	double point;                  /* the point estimate from the clusters at the threshold, for
	                                  the bias-corrected bounds; NAN for none */
	mse_boot_progress_fn progress; /* after each replicate; non-zero cancels; NULL */
	void *progress_user;
};
#define LT_LINKEST_DRAW_PARAMS_DEFAULT                                                             \
	{                                                                                          \
		200, 1234, 0.95, LT_LINKEST_DRAW_PAIRS, 3.17, LT_LINKEST_RESAMPLE_POPULATION, NAN, \
		    NULL, NULL                                                                     \
	}

/* The lowest match probability a pair in the band of threshold `threshold`
 * has: score with at least this kept (lt_linkest_link's keep). */
double lt_linkest_band_low(double threshold, double band);

struct lt_linkest_draw_result {
	size_t ndraws;             /* replicates run */
	size_t nfailed;            /* of which the estimator failed (NaN in reps) */
	double *reps;              /* [ndraws] N*_b, NaN where failed; owned */
	double lower, upper;       /* the percentile bounds (NaN when no replicate succeeded) */
	double bc_lower, bc_upper; /* the bias-corrected percentile bounds about p->point
	                              (mse_bca_bounds with â = 0); NaN without a point or
	                              when every replicate lies on one side of it */
	double z0;                 /* their bias correction */
	double persons_mean;       /* mean persons (clusters with a record) of the drawn linkages */
	double persons_min, persons_max;
	bool cancelled;
};

/*
 * The linkage bootstrap above: `edges` (nedge scored pairs of records <
 * nrec, as lt_link_score_fit returns them, any p), each record's list, the
 * clustering of the point estimate `co` (its threshold the band's centre;
 * DRAW_THRESHOLD clusters each replicate with it at the drawn threshold);
 * `method` the estimator (e.g. mse_boot_method_select), run on one thread.
 * Fills *out (release with lt_linkest_draw_result_release, also after a
 * failure). Errors: LT_EINVAL for bad params, fewer than 2 lists, a list
 * or record out of range (err says which); LT_ENOMEM (also from the
 * method). A cancelled run returns LT_OK with out->cancelled set.
 */
lt_status lt_linkest_draws_run(const struct lt_link_edge *edges, size_t nedge, size_t nrec,
                               const uint32_t *list, const struct lt_linkest_lists *lists,
                               const struct lt_link_cluster_opts *co,
                               const struct mse_boot_method *method,
                               const struct lt_linkest_draw_params *p,
                               struct lt_linkest_draw_result *out, struct lt_error *err);
void lt_linkest_draw_result_release(struct lt_linkest_draw_result *r);

/* What lt_linkest_link did, for the caller's notes. */
struct lt_linkest_link_report {
	struct lt_link_train_report train;
	size_t nrule; /* blocking rules used */
	char rules[LT_LINK_BLOCK_RULES_MAX][LT_LINK_BLOCK_RULE_TEXT_MAX];
	size_t ndropped; /* default rules over the budget */
	uint64_t scored; /* pairs scored */
	double lambda;   /* λ after its re-fit */
};

/*
 * Link the records of t end to end with link_run.h's defaults — the
 * default model trained on t without labels, the default blocking rules
 * less those whose pre-flight count exceeds `budget` pairs, every blocked
 * pair scored on o->threads threads with λ re-fitted — and cluster them at
 * co->threshold. The pairs with p >= `keep` (0 < keep <= co->threshold:
 * the linkage bootstrap draws from the pairs below the threshold too) come
 * back as *edges (malloc'd, free() it), the clusters in *clusters (release
 * with lt_link_clusters_release). Errors: LT_EINVAL (no field the default
 * model or rules use, fewer than two records, no rule within the budget,
 * bad keep), LT_ENOMEM, LT_EINTERNAL (a thread would not start).
 */
lt_status lt_linkest_link(const struct lt_link_table *t, const struct lt_link_run_opts *o,
                          uint64_t budget, double keep, const struct lt_link_cluster_opts *co,
                          struct lt_link_edge **edges, size_t *nedge,
                          struct lt_link_clusters *clusters, struct lt_linkest_link_report *rep,
                          struct lt_error *err);

#endif
