/*
 * mse_boot.h — bootstrap intervals for multiple systems estimation: the
 * nonparametric BCa bootstrap of SparseMSE's estimatepopulation, with the
 * model chosen afresh in every replicate.
 *
 * The procedure (Chan, Silverman & Vincent 2021, JASA 116:1297, §3.3;
 * the BCa interval of Efron 1987, JASA 82:171, and DiCiccio & Efron 1996,
 * Statist. Sci. 11:189):
 *
 *   1. The point estimate N̂ = n + exp(α̂₀) from the data, by the method
 *      (stepwise, aic, bic, fixed, main: any estimator of N, see
 *      struct mse_boot_method).
 *   2. B replicates. Each resamples the n observed individuals with
 *      replacement — a multinomial draw of n over the observed histories with
 *      probabilities count/n — and applies the same method to the resampled
 *      table, model selection included. The replicate estimates N*_1..N*_B.
 *   3. The acceleration â from a grouped jackknife: for each observed
 *      history h, the estimate N̂_(h) from the data with one individual of
 *      history h removed. Every one of the n leave-one-individual-out
 *      estimates equals the N̂_(h) of its history, so weighting N̂_(h) by the
 *      count c_h gives the full n-point jackknife exactly, for the price of
 *      one fit per observed history:
 *          d_h = (Σ c_g N̂_(g)) / n − N̂_(h),
 *          â   = Σ c_h d_h³ / (6 (Σ c_h d_h²)^{3/2}).
 *   4. The bias correction z₀ = Φ⁻¹(#{N*_b < N̂} / B).
 *   5. For each level α, the adjusted level
 *          α' = Φ(z₀ + (z₀ + z_α) / (1 − â (z₀ + z_α))),  z_α = Φ⁻¹(α),
 *      and the bound is the α'-quantile of the replicates by Hyndman & Fan's
 *      (1996) definition 8 (R's quantile(type = 8)), the median-unbiased one.
 *
 * Model search in every replicate. A selecting method is re-run whole on
 * each resample, so the interval carries the uncertainty of choosing the
 * model. For the exhaustive BIC search that would be tens of thousands of
 * fits a replicate; MultipleSystemsEstimation's bootstrap (Silverman, Chan
 * & Vincent 2024, Stat. Comput. 34:44) searches, in every replicate and
 * jackknife fit, only the best models of the original data's ranking (its
 * ntopmodels: all for two or three lists, 20 for four, 100 for five or
 * six), and so can lantern's (mse_boot_select.models).
 *
 * Random numbers. The resampling uses R's own generator and algorithms —
 * the Mersenne Twister seeded as R's set.seed(seed) does, R's binomial
 * generator (Kachitvichyanukul & Schmeiser 1988, algorithm BTPE, with R's
 * inversion below a mean of 30) and R's conditional-binomial multinomial —
 * so that, with the observed histories in the order R sees them, lantern's
 * replicates are SparseMSE's replicates, draw for draw: seed 1234 gives the
 * bootreps of estimatepopulation(zdat, iseed = 1234). The draws of all
 * replicates come from that one stream in replicate order (each thread takes
 * the next replicate's draw under a lock, then fits it), so the result
 * depends on the seed only: not on the thread count, nor on which thread ran
 * which replicate.
 *
 * The order of histories. R's rmultinom walks the rows of the data in the
 * order given. The default order here is SparseMSE's canonical one
 * (tidylists): by the number of lists a history is on, then in decreasing
 * lexicographic order of its 0/1 string in column order ("110" before "101"
 * before "011"). Every data set shipped with SparseMSE is in that order; a
 * caller holding another order can pass it (mse_boot_params.rows).
 *
 * Failed replicates. A replicate whose estimator fails (no MLE, not
 * identifiable, no convergence) is recorded as NaN, counted in
 * mse_boot_result.nfailed, and left out of z₀ and the quantiles (R would
 * stop). Running out of memory stops the whole run.
 *
 * Threads, progress and cancelling. nthreads − 1 threads are started; the
 * calling thread works too, and it alone calls the progress callback, after
 * each unit it finishes (a replicate or a jackknife fit) and once at the end.
 * A non-zero return from the callback cancels: the run stops at the next
 * unit and returns with mse_boot_result.cancelled set and no bounds. The
 * core never prints: the callback is where a command draws its progress bar.
 */
#ifndef LT_MSE_BOOT_H
#define LT_MSE_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "mse/mse.h"
#include "mse/mse_select.h"

/* ---------------------------------------------------------------------------
 * R-compatible random numbers.
 */

/* R's Mersenne-Twister state: 624 words and the position in them. */
struct mse_rng {
	uint32_t mt[624];
	unsigned mti;
};

/* Seed as R's set.seed(seed) with the default "Mersenne-Twister" kind.
 * R's seed is a signed integer; pass its value converted to uint32_t. */
void mse_rng_seed(struct mse_rng *r, uint32_t seed);
/* R's unif_rand(): uniform on the open interval (0, 1), 32 bits. */
double mse_rng_uniform(struct mse_rng *r);
/* R's rbinom(n, p) for 0 <= n < INT_MAX, 0 <= p <= 1 (a broken promise is
 * a bug). */
long mse_rng_binomial(struct mse_rng *r, long n, double p);
/*
 * R's rmultinom(1, n, prob): `out[0..k-1]` sums to n, drawn by successive
 * binomials. `prob` need not sum to 1 (it is divided by its sum, as R does);
 * its entries are >= 0 with a positive sum, and 0 <= n < INT_MAX (broken
 * promises are bugs).
 */
void mse_rng_multinomial(struct mse_rng *r, long n, const double *prob, size_t k, long *out);

/* ---------------------------------------------------------------------------
 * The BCa arithmetic, separate from any estimator so that it can be checked
 * against stored replicates.
 */

/* Hyndman & Fan's sample quantile 8 (R's quantile(x, p, type = 8)) of the
 * `n` >= 1 values `sorted` (ascending, no NaN) at 0 <= p <= 1. */
double mse_quantile_type8(const double *sorted, size_t n, double p);

/*
 * The jackknife acceleration â = Σ w d³ / (6 (Σ w d²)^{3/2}) with
 * d_i = (Σ w_j x_j / Σ w_j) − x_i, over the `n` values `x` with weights `w`
 * (counts; NULL for all 1). Returns 0 when every x is equal, NaN if any x
 * is not finite.
 */
double mse_jackknife_acceleration(const double *x, const double *w, size_t n);

/* The BCa bounds. */
struct mse_bca {
	double z0;     /* the bias correction */
	double ahat;   /* the acceleration used */
	size_t nused;  /* replicates used (finite or infinite; NaN left out) */
	size_t nbelow; /* of which strictly below the point estimate */
};

/*
 * BCa bounds from `n` replicates `reps` (NaNs are left out), the point
 * estimate `point` and the acceleration `ahat`: for each of the `nalpha`
 * levels alpha[i] in (0, 1), level[i] = the adjusted level α' and
 * bound[i] = the type-8 α'-quantile of the replicates. `sorted` is a
 * workspace of n doubles (the sorted replicates on return). Fills *out.
 * Errors: LT_EINVAL when no replicate is usable, a level is outside (0, 1),
 * or every replicate lies on one side of the point estimate (z₀ infinite:
 * no BCa interval; err says which side).
 */
lt_status mse_bca_bounds(double point, const double *reps, size_t n, double ahat,
                         const double *alpha, size_t nalpha, double *sorted, double *level,
                         double *bound, struct mse_bca *out, struct lt_error *err);

/* ---------------------------------------------------------------------------
 * Estimators to bootstrap.
 */

/*
 * A method of estimating N from a table, run once per replicate and per
 * jackknife sample. Each thread gets its own state from state_alloc (e.g. a
 * table to resample into, an mse_workspace, a selection workspace) and uses
 * it for all its units; estimate gets the table to estimate from (owned by
 * the driver, valid for the call). estimate returns LT_OK and *total, or a
 * status and, when err is not NULL, why: LT_ENOMEM stops the run; any other
 * failure marks the unit failed (the driver passes err only for the point
 * estimate).
 */
struct mse_boot_method {
	const char *name; /* for messages: "stepwise", "main", ... */
	lt_status (*state_alloc)(const void *arg, const struct mse_table *like, void **state);
	void (*state_free)(void *state);
	lt_status (*estimate)(void *state, const void *arg, const struct mse_table *t,
	                      double *total, struct lt_error *err);
	const void *arg;
};

/*
 * A ready-made method: fit model `m` (main effects if m has no terms) to
 * every resample, after mse_model_check (a resample without an MLE fails, as
 * SparseMSE's modelfit(check = TRUE)). `m` must outlive the method. R's glm
 * settings: the method's fit parameters are MSE_FIT_PARAMS_DEFAULT.
 */
void mse_boot_method_fixed(struct mse_boot_method *out, const struct mse_model *m);

/*
 * Any method of mse_select.h, re-run on every resample: stepwise, aic, bic
 * and average select their model afresh each time (SparseMSE's bootstrap
 * with pthresh; the others by analogy); fixed and main fit `fixed` / main
 * effects after the existence check. The estimate of a replicate is the
 * selection's total (for average the model-averaged estimate). Each thread
 * runs its selections single-threaded (params.nthreads is ignored): the
 * replicates are the parallel work. `arg` and what it points to must outlive
 * the method.
 *
 * bic and average search, in every replicate and jackknife fit, the models
 * of `models` when it is given, else every hierarchical model up to
 * params.max_order. MultipleSystemsEstimation's bootstrap of
 * estimate_population_bic (Silverman, Chan & Vincent 2024, §3) searches
 * only the ntopmodels best models of the original data's ranking: run
 * mse_select_bic on the data, mse_bic_table_restrict to the best
 * mse_boot_default_ntop(nlists) (or any number), and pass that table here. The
 * point estimate is then the restricted search's on the data, which for bic
 * is the full search's (the best model is kept); for average it averages
 * over the models kept.
 */
struct mse_boot_select {
	enum mse_select_method method;
	const struct mse_model *fixed; /* the model of MSE_SELECT_FIXED; else ignored */
	struct mse_select_params params;
	const struct mse_bic_table *models; /* bic, average: the models to search (copied
	                                       when the run starts); NULL for all */
};
void mse_boot_method_select(struct mse_boot_method *out, const struct mse_boot_select *arg);

/*
 * MultipleSystemsEstimation's default ntopmodels for the bootstrap of a BIC
 * search over `nlists` lists: every model for two or three lists
 * (SIZE_MAX), 20 for four, 100 for five or six.
 */
size_t mse_boot_default_ntop(unsigned nlists);

/* ---------------------------------------------------------------------------
 * The driver.
 */

#define MSE_BOOT_NBOOT_MAX   100000 /* replicates in one run */
#define MSE_BOOT_THREADS_MAX 64     /* threads in one run */
#define MSE_BOOT_ALPHA_MAX   32     /* levels in one run */

/* Progress: `done` of `total` units (replicates, then jackknife fits).
 * Return 0 to go on, non-zero to cancel. */
typedef int (*mse_boot_progress_fn)(void *user, size_t done, size_t total);

struct mse_boot_params {
	size_t nboot;                  /* replicates, 1..MSE_BOOT_NBOOT_MAX (SparseMSE: 1000) */
	uint32_t seed;                 /* as R's set.seed (SparseMSE's iseed: 1234) */
	unsigned nthreads;             /* 1..MSE_BOOT_THREADS_MAX */
	const double *alpha;           /* levels in (0, 1); NULL for SparseMSE's eight */
	size_t nalpha;                 /* 1..MSE_BOOT_ALPHA_MAX when alpha is given */
	bool jackknife;                /* estimate â (true), or take â = 0: the
	                                  bias-corrected percentile interval */
	const uint32_t *rows;          /* the order of the observed histories to resample
	                                  (each observed history exactly once); NULL for
	                                  SparseMSE's canonical order */
	size_t nrows;                  /* entries of rows */
	mse_boot_progress_fn progress; /* NULL for none */
	void *progress_user;
};

/* SparseMSE's levels: .025 .05 .1 .16 .84 .9 .95 .975. */
extern const double mse_boot_sparsemse_alpha[8];

struct mse_boot_result {
	double point; /* N̂ from the data */
	size_t nboot;
	double *reps;       /* [nboot] N*_b in replicate order; NaN where failed */
	size_t nfailed;     /* replicates that failed */
	size_t nrows;       /* observed histories */
	uint32_t *rows;     /* [nrows] the histories in resampling order */
	double *row_count;  /* [nrows] their counts */
	double *jack;       /* [nrows] N̂ without one individual of rows[i]; NULL
	                       when the jackknife was not asked for */
	size_t jack_failed; /* jackknife fits that failed (then â is NaN) */
	struct mse_bca bca;
	size_t nalpha;
	double alpha[MSE_BOOT_ALPHA_MAX];
	double level[MSE_BOOT_ALPHA_MAX]; /* the adjusted levels α' */
	double bound[MSE_BOOT_ALPHA_MAX]; /* the BCa bounds on N */
	bool cancelled;                   /* the progress callback cancelled the run */
	bool bca_ok;                      /* false when no BCa bound could be formed (the reason
	                                     is in bca_message; reps and jack are still filled) */
	char bca_message[LT_MESSAGE_MAX];
};

/*
 * Run the bootstrap of `method` on table `t`. Fills *out (release with
 * mse_boot_result_release, also after a failure). Returns LT_OK (see
 * out->bca_ok for whether BCa bounds exist); LT_EINVAL for bad params (err
 * says which); the method's status if the point estimate itself fails;
 * LT_ENOMEM. A cancelled run returns LT_OK with out->cancelled set.
 */
lt_status mse_boot_run(const struct mse_boot_method *method, const struct mse_table *t,
                       const struct mse_boot_params *params, struct mse_boot_result *out,
                       struct lt_error *err);
void mse_boot_result_release(struct mse_boot_result *r);

/* The observed histories of `t` in SparseMSE's canonical order (see above).
 * Returns how many there are; writes them to `out` only if `cap` is at least
 * that many. */
size_t mse_boot_canonical_rows(const struct mse_table *t, uint32_t *out, size_t cap);

#endif
