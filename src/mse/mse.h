/*
 * mse.h — multiple systems estimation: capture-history tables, log-linear
 * models, their fits, the existence of the MLE, and intervals.
 *
 * Several agencies each keep a list of the victims they know. A person may
 * be on several lists; the pattern of lists a person is on is their capture
 * history. With t lists there are 2^t histories; the all-zero one — on no
 * list — is never observed, and its expected count is the "dark figure" the
 * estimate is about. Multiple systems estimation fits a Poisson log-linear
 * model to the 2^t - 1 observed counts and reads the dark figure off the
 * fitted model at the unobserved cell (Fienberg 1972; Bishop, Fienberg &
 * Holland 1975, ch. 6; for sparse lists Chan, Silverman & Vincent 2021, JASA
 * 116:1297, the method of the R package SparseMSE).
 *
 * Histories are bitmasks. Bit i of a history is list i, the i-th column of
 * the CSV (0-based), so history "10100" written in column order is
 * 1u<<0 | 1u<<2 = 5. A table holds one count per history, indexed by the
 * mask, 2^t entries; index 0 (the dark cell) is always 0.
 *
 * The model. log E[y_h] = alpha0 + sum_{i in h} alpha_i
 *                                 + sum_{terms T in the model, T ⊆ h} beta_T
 * for every history h. alpha0 (the intercept) is the log expected dark
 * figure, because the all-zero history contains no list. Main effects are
 * always present; a model is its set of interaction terms, each a mask of
 * two or more lists ("LA:NG" is the mask of LA and NG). This is R's
 * treatment coding of `glm(count ~ . + LA:NG, poisson)` on 0/1 columns.
 *
 * The extended MLE (Chan, Silverman & Vincent 2021, §3; Fienberg & Rinaldo
 * 2012). A term T whose lists share no case (N*_T = 0, N*_T the number of
 * cases on every list of T) has MLE beta_T = -inf: every cell containing T
 * is fitted as 0. The fit drops the parameter and every cell h ⊇ T and fits
 * the rest. Terms above a -inf term (T' ⊇ T) are -inf as well and dropped
 * the same way (the MultipleSystemsEstimation package's rule; SparseMSE has
 * only pairs). The same holds for the main effect of a list no case is on,
 * which a parsed table never has but a bootstrap resample may.
 *
 * Counting parameters. AIC and BIC count every parameter of the model,
 * -inf ones included, as MultipleSystemsEstimation's fit_hier_model does:
 * k = 1 + t + (number of terms); AIC = 2k - 2 logL, BIC = k log(n) - 2 logL
 * with n the number of observed cases (the Rcapture convention). For
 * pairwise models the AIC equals SparseMSE's "aic" (glm's AIC + 2 per -inf
 * pair). logL is the Poisson log-likelihood over the cells fitted,
 * sum(y log mu - mu - log y!).
 *
 * Threads. Tables, models and fits are plain values. A workspace is used by
 * one thread at a time; give each thread its own. Nothing here allocates
 * except the _alloc functions and the CSV parser; the fit, the existence
 * check and the interval functions allocate nothing (the GLPK problem of the
 * existence check is created once per workspace, on first use).
 *
 * Errors. Bad input is an lt_status with an lt_error naming the row and the
 * column. A fit that does not converge returns LT_ENOCONVERGE with the
 * result filled in as far as it got. A model whose MLE does not exist or
 * which is not identifiable is found by mse_model_check, which says why.
 */
#ifndef LT_MSE_H
#define LT_MSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"

/* ---------------------------------------------------------------------------
 * Tables of capture histories.
 */

struct mse_table {
	unsigned nlists;                                   /* 2..LT_MSE_LISTS_MAX */
	char names[LT_MSE_LISTS_MAX][LT_MSE_NAME_MAX + 1]; /* list names, CSV column order */
	size_t ncells;                                     /* 1 << nlists, the dark cell included */
	double *counts;                                    /* [ncells], owned; whole numbers >= 0;
	                                                      counts[0] == 0 */
	double n;                                          /* observed cases: the sum of counts */
};

/*
 * Allocate a table of `nlists` lists named `names` (NULL for "A", "B", ...)
 * with every count 0. Names must be 1..LT_MSE_NAME_MAX bytes of
 * [A-Za-z0-9_.-], distinct. Free with mse_table_free.
 * Errors: LT_EINVAL (bad count of lists or a bad name), LT_ENOMEM.
 */
lt_status mse_table_alloc(unsigned nlists, const char *const *names, struct mse_table **out,
                          struct lt_error *err);
void mse_table_free(struct mse_table *t);

/*
 * Parse a capture-history CSV: a header of list names then `count`; one row
 * per history, a 0/1 cell per list and a whole-number count. Rows with the
 * same history are summed; histories not given are 0. Strict, for data from
 * outside: every failure is an lt_error with the line (err->line) and the
 * column name (err->field):
 *   fewer than 2 lists or more than LT_MSE_LISTS_MAX, a last column not named
 *   "count", a bad or repeated list name, a row with the wrong number of
 *   fields, a cell that is not 0 or 1, a count that is negative, fractional,
 *   not a number or over LT_MSE_COUNT_MAX, an all-zero history, more than
 *   LT_MSE_ROWS_MAX rows, no cases at all, a list no case is on, a list every
 *   case is on.
 * On LT_OK, *out is a new table (free with mse_table_free).
 * Errors: LT_EPARSE (CSV syntax), LT_EINVAL, LT_ETOOBIG, LT_ENOMEM.
 */
lt_status mse_table_parse_csv(const char *data, size_t len, struct mse_table **out,
                              struct lt_error *err);

/*
 * A new table with the lists and names of `like` and the given counts
 * ([like->ncells], counts[0] ignored and stored as 0), e.g. a bootstrap
 * resample. Counts must be whole numbers >= 0 (LT_EINVAL otherwise); no
 * other check is made: a resample may leave a list empty. Free with
 * mse_table_free.
 */
lt_status mse_table_from_counts(const struct mse_table *like, const double *counts,
                                struct mse_table **out, struct lt_error *err);

/*
 * Replace the counts of `t` in place (no allocation), e.g. for the next
 * bootstrap replicate: counts[0] is ignored; t->n is recomputed. The caller
 * guarantees whole numbers >= 0 (a broken promise is a bug: LT_ASSERT).
 */
void mse_table_set_counts(struct mse_table *t, const double *counts);

/* N*_mask: the cases on every list of `mask` (the sum of counts[h] over
 * h ⊇ mask, h != 0). mask 0 gives t->n. */
double mse_table_margin(const struct mse_table *t, uint32_t mask);

/* The histories with a non-zero count, in increasing mask order; writes at
 * most `cap` masks to `out` and returns how many there are. */
size_t mse_table_observed(const struct mse_table *t, uint32_t *out, size_t cap);

/* Write history `h` as t->nlists '0'/'1' characters in column order ("10100")
 * into buf (cap >= nlists + 1). */
void mse_history_format(unsigned nlists, uint32_t h, char *buf, size_t cap);

/* ---------------------------------------------------------------------------
 * Models: sets of interaction terms.
 */

struct mse_model {
	unsigned nlists;                  /* lists of the table it is for */
	unsigned nterms;                  /* interaction terms, 0 = main effects only */
	uint32_t terms[LT_MSE_TERMS_MAX]; /* distinct masks of >= 2 lists, in the order
	                                     added (the order of the coefficients within
	                                     each degree, as in R's formula) */
};

/* The main-effects model of `nlists` lists. */
void mse_model_init(struct mse_model *m, unsigned nlists);
/* All pairs, in SparseMSE's order: (1,2), (1,3), (2,3), (1,4), (2,4), ... */
void mse_model_all_pairs(struct mse_model *m, unsigned nlists);
/* Does the model contain `term`? */
bool mse_model_has(const struct mse_model *m, uint32_t term);
/* Add `term` (a mask of >= 2 of the model's lists) unless present.
 * LT_EINVAL for a bad term, LT_ETOOBIG past LT_MSE_TERMS_MAX. */
lt_status mse_model_add(struct mse_model *m, uint32_t term);
/* Remove `term` if present, keeping the order of the others. */
void mse_model_remove(struct mse_model *m, uint32_t term);
/* Is every sub-term (of >= 2 lists) of every term in the model? */
bool mse_model_is_hierarchical(const struct mse_model *m);
/* Add every missing sub-term of >= 2 lists, lowest degree first, after the
 * terms already there. LT_ETOOBIG past LT_MSE_TERMS_MAX. */
lt_status mse_model_close(struct mse_model *m);
/* The highest degree of a term (1 for main effects only). */
unsigned mse_model_order(const struct mse_model *m);

/*
 * Parse a model written with the table's list names: terms separated by ','
 * (spaces around them allowed), lists within a term by ':', e.g.
 * "LA:NG,NG:GP" or "A:B:C". "" and "main" are the main-effects model. The
 * result is closed hierarchically (mse_model_close). Errors: LT_EINVAL with
 * the offending term in err->field and a message naming the unknown list.
 */
lt_status mse_model_parse(const struct mse_table *t, const char *s, struct mse_model *out,
                          struct lt_error *err);
/* Write the model as "LA:NG,NG:GP" (terms in model order; "" for main
 * effects). LT_ETOOBIG if it does not fit in `cap` bytes. */
lt_status mse_model_format(const struct mse_table *t, const struct mse_model *m, char *buf,
                           size_t cap);
/*
 * The MultipleSystemsEstimation notation of a hierarchical model: its
 * generators (maximal terms) as 1-based list digits, "[123,25,34,6]"; as in
 * its model catalogue, terms of >= 2 lists by decreasing degree, then in
 * lexicographic order of their digit strings, then the lists in no term.
 * Only for nlists <= 9. Parse closes the model hierarchically.
 */
lt_status mse_model_format_hier(const struct mse_model *m, char *buf, size_t cap);
lt_status mse_model_parse_hier(unsigned nlists, const char *s, struct mse_model *out,
                               struct lt_error *err);
/* Write one term as "LA:NG" into buf. */
void mse_term_format(const struct mse_table *t, uint32_t term, char *buf, size_t cap);

/* ---------------------------------------------------------------------------
 * Fitting: Poisson log-linear GLM by iteratively reweighted least squares,
 * the same iteration as R's glm.fit (start mu = y + 0.1; stop when
 * |dev - dev_old| / (|dev| + 0.1) < epsilon), so coefficients, standard
 * errors and deviances agree with R's to rounding.
 */

struct mse_workspace;

/*
 * A workspace for tables of `nlists` lists and fits of at most `max_params`
 * parameters (1 + nlists + interaction terms; at most LT_MSE_PARAMS_MAX).
 * NULL when out of memory or the arguments are out of range. One thread at a
 * time. Free with mse_workspace_free (NULL allowed).
 */
struct mse_workspace *mse_workspace_alloc(unsigned nlists, size_t max_params);
void mse_workspace_free(struct mse_workspace *w);

struct mse_fit_params {
	double epsilon;    /* relative deviance change that ends the iteration (R: 1e-8) */
	unsigned max_iter; /* iterations before LT_ENOCONVERGE (R: 25); <= LT_MSE_ITER_MAX */
};
/* clang-format off */
#define MSE_FIT_PARAMS_DEFAULT {1e-8, 25}
/* clang-format on */

struct mse_fit {
	unsigned nlists;
	/* Parameters estimated, in R's order: the intercept, the main effects in
	 * list order, then the finite interaction terms by degree, within a degree
	 * in model order. */
	unsigned nparams;
	uint32_t param_term[LT_MSE_PARAMS_MAX]; /* 0 = intercept, 1u<<i = list i, else the term */
	double coef[LT_MSE_PARAMS_MAX];         /* estimates (log scale) */
	double se[LT_MSE_PARAMS_MAX];           /* standard errors: sqrt of the diagonal of
	                                           (X'WX)^-1 at the last iteration (R's
	                                           cov.unscaled; Poisson: dispersion 1) */
	/* Parameters with N* = 0, whose MLE is -inf: main effects of empty lists
	 * (list order), then interaction terms (model order). */
	unsigned nneginf;
	uint32_t neginf_terms[LT_MSE_TERMS_MAX];
	unsigned nparams_model; /* every parameter of the model, -inf ones included:
	                           nparams + nneginf = 1 + nlists + nterms */
	size_t ncells;          /* observable cells fitted (2^t - 1 less those removed) */
	double deviance;        /* Poisson deviance over the cells fitted */
	double df_residual;     /* ncells - nparams */
	double loglik;          /* Poisson log-likelihood over the cells fitted */
	double aic;             /* 2 nparams_model - 2 loglik (= SparseMSE's adjusted AIC) */
	double bic;             /* nparams_model log(n) - 2 loglik (MultipleSystemsEstimation) */
	double n;               /* observed cases */
	double log_dark;        /* the intercept alpha0 = coef[0] */
	double log_dark_var;    /* its variance, se[0]^2 */
	double dark;            /* exp(alpha0): the estimated unobserved cases */
	double total;           /* n + dark: the estimated population */
	unsigned iterations;    /* IRLS iterations done */
	bool converged;
};

/*
 * Fit `m` to `t` with workspace `w` (allocated for t->nlists lists and
 * enough parameters). Fills *out. Per-cell fitted values stay in the
 * workspace (mse_workspace_fitted) until its next use.
 * The model need not be hierarchical. The caller should have checked
 * existence and identifiability (mse_model_check): without an MLE the
 * iteration drifts and usually stops with huge coefficients or
 * LT_ENOCONVERGE; a singular system gives LT_ENOTIDENT.
 * Returns LT_OK; LT_ENOCONVERGE after max_iter iterations (out filled from
 * the last one, out->converged false); LT_ENOTIDENT when the weighted
 * normal equations are singular; LT_EINVAL when the workspace is too small
 * or the parameters are out of range (err says which).
 */
lt_status mse_model_fit(struct mse_workspace *w, const struct mse_table *t,
                        const struct mse_model *m, const struct mse_fit_params *params,
                        struct mse_fit *out, struct lt_error *err);

/*
 * The same fit as init / iterate / test, for callers that cap, report or
 * cancel: init sets up the cells and the starting values; each iterate does
 * one IRLS step (LT_ENOTIDENT if singular); converged applies the deviance
 * test of the last step; result fills *out from the current iterate.
 * mse_model_fit is exactly this loop.
 */
lt_status mse_fitter_init(struct mse_workspace *w, const struct mse_table *t,
                          const struct mse_model *m, struct lt_error *err);
lt_status mse_fitter_iterate(struct mse_workspace *w);
bool mse_fitter_converged(const struct mse_workspace *w, double epsilon);
void mse_fitter_result(struct mse_workspace *w, struct mse_fit *out);

/* The fitted values of the last fit, [1 << nlists] by history mask: [0] is
 * the dark figure exp(alpha0); removed cells are 0. Borrowed from the
 * workspace; valid until its next use. */
const double *mse_workspace_fitted(const struct mse_workspace *w);
/* Was cell h fitted (not removed by a -inf term)? Valid like the above. */
bool mse_workspace_cell_kept(const struct mse_workspace *w, uint32_t h);
/* The unscaled covariance of the last fit's coefficients, nparams x nparams,
 * row-major, in the order of mse_fit.param_term. Borrowed as above. */
const double *mse_workspace_cov(const struct mse_workspace *w);
/* mu*_mask: the fitted cases on every list of `mask` (the sum of fitted
 * values over observable cells h ⊇ mask) under the last fit. */
double mse_fitted_margin(const struct mse_workspace *w, uint32_t mask);

/* ---------------------------------------------------------------------------
 * Existence and identifiability (SparseMSE's checkident; Fienberg & Rinaldo
 * 2012; Chan, Silverman & Vincent 2021 §3.3).
 *
 * After the -inf terms and their cells are removed, with A the design
 * (parameters x kept cells) and t = A y the observed margins, the extended
 * MLE exists iff some x > 0 has A x = t: the linear programme
 *     maximise s  subject to  A x = t,  x_h >= s,  x >= 0, s >= 0
 * has optimum s > 0. It is identifiable iff A has full row rank (the design
 * restricted to the kept cells has full column rank). Existence depends on
 * the data only through which cells are non-zero.
 */

enum {
	MSE_CHECK_OK = 0,
	MSE_CHECK_NO_MLE = 1,   /* the LP optimum is 0 */
	MSE_CHECK_NOT_IDENT = 2 /* the design is rank deficient */
	                        /* 3 = both, as SparseMSE's codes */
};

struct mse_check {
	unsigned code;            /* MSE_CHECK_* bits: 0, 1, 2 or 3 */
	double lp_optimum;        /* s at the optimum, on the scale of counts; +inf
	                             when existence was proved without the LP (every
	                             kept cell observed, or the fit's certificate) */
	unsigned rank_deficiency; /* parameters minus the rank of the design */
};

/*
 * Check model `m` on table `t`. Fills *out; returns LT_OK whatever the code,
 * LT_EINTERNAL if the LP solver fails (err says how), LT_EINVAL if the
 * workspace does not fit. The check fits the model in `w` first (a fit that
 * converges with all fitted values clear of 0 proves existence; see
 * mse_exist.c) and solves the LP only when that proof fails, so it uses the
 * workspace: the fitted values, covariance and cells of an earlier
 * mse_model_fit with `w` are gone afterwards. Keep a second workspace for
 * checks when the current fit's values are still needed.
 */
lt_status mse_model_check(struct mse_workspace *w, const struct mse_table *t,
                          const struct mse_model *m, struct mse_check *out, struct lt_error *err);

/*
 * Turn a check into a status and a sentence for people: LT_OK for code 0;
 * LT_ENOMLE "the MLE does not exist: ..." naming the histories the margins
 * force to zero; LT_ENOTIDENT "not identifiable: ..." naming the parameters
 * the kept cells cannot separate (code 3 is LT_ENOMLE, the sentence says
 * both). May solve further LPs; not for inner loops.
 */
lt_status mse_check_explain(struct mse_workspace *w, const struct mse_table *t,
                            const struct mse_model *m, const struct mse_check *c,
                            struct lt_error *err);

/* ---------------------------------------------------------------------------
 * Intervals for the population N = n + dark figure.
 */

struct mse_interval {
	double level; /* coverage, e.g. 0.95 */
	double point; /* the point estimate the interval goes with */
	double lower; /* bounds on N */
	double upper;
	unsigned flags; /* MSE_INTERVAL_* */
};
/* Flags of an interval: the lower bound hit the observed n; no upper bound
 * lies below the search limit, so upper is that limit and the interval is
 * open above. */
#define MSE_INTERVAL_LOWER_AT_N 1u
#define MSE_INTERVAL_UPPER_OPEN 2u

/*
 * Wald interval on the log dark figure (SparseMSE's estimatepopulation.0):
 * the p-quantile is n + exp(alpha0 + z_p se(alpha0)). point = n + exp(alpha0).
 */
double mse_wald_quantile(const struct mse_fit *f, double p);
void mse_wald_interval(const struct mse_fit *f, double level, struct mse_interval *out);

struct mse_profile_params {
	double tol;          /* absolute tolerance on N of the maximum and the bounds */
	unsigned max_eval;   /* profile evaluations per search; <= LT_MSE_ITER_MAX */
	double upper_factor; /* search for the upper bound up to this times the
	                        Poisson estimate (Rcapture's fmaxSupCL = 3) */
	struct mse_fit_params fit;
};
/* clang-format off */
#define MSE_PROFILE_PARAMS_DEFAULT {1e-6, 200, 3.0, {1e-10, 50}}
/* clang-format on */

/*
 * Profile-likelihood interval of the multinomial model, as Rcapture's
 * closedpCI (Cormack 1992; Baillargeon & Rivest 2007), which the Home Office
 * 2014 estimate used: for a candidate N the dark cell is given count N - n,
 * the log-linear model is fitted to all 2^t cells, and the multinomial
 * profile log-likelihood is -D(N)/2 + c(N) with c Cormack's correction
 * log(n0^n0 N! / (N^N n0!)) (Stirling's form for N > 100, as Rcapture). Its
 * maximum (point; not the Poisson estimate) is searched in (n, 1.5 f->total)
 * and the bounds where it falls chi^2_1(level)/2 below are searched in
 * (n, max) and (max, upper_factor f->total). -inf terms are handled as in the
 * fit (Rcapture has no such terms). `f` is the Poisson fit of `m` to `t`.
 * Returns LT_OK (flags tell of a bound at n or an open upper end),
 * LT_ENOCONVERGE if a fit or a search does not converge, LT_EINVAL for bad
 * params.
 */
lt_status mse_profile_interval(struct mse_workspace *w, const struct mse_table *t,
                               const struct mse_model *m, const struct mse_fit *f, double level,
                               const struct mse_profile_params *params, struct mse_interval *out,
                               struct lt_error *err);

#endif
