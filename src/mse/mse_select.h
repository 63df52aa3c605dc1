/*
 * mse_select.h — choosing the log-linear model of a multiple systems
 * estimate, and averaging over models.
 *
 * A capture-recapture estimate is only as good as its model of how the lists
 * depend on each other, and the data rarely pin that model down. lantern
 * offers the procedures of the reference packages, reproduced to their
 * numbers, and one of its own:
 *
 *   stepwise  SparseMSE's forward selection (Chan, Silverman & Vincent 2021,
 *             JASA 116:1297, §4; R function stepwisefit). From main effects,
 *             each cycle scores every pair of lists not yet in the model by
 *             the smaller one-sided Poisson tail of its observed overlap N*
 *             (the cases on both lists) against the overlap mu* the current
 *             model expects; a pair whose enlarged model fails the existence
 *             or identifiability check scores 1. The best score is added if
 *             it is below the threshold (0.02); ties go to the pair first in
 *             the order (1,2), (1,3), ..., (1,t), (2,3), ... A threshold of 0
 *             gives main effects; 1 gives all pairs when that model passes
 *             the check (otherwise the cycle runs with threshold 1).
 *   aic       The Home Office 2014 procedure (Silverman 2014, "Modern
 *             Slavery: an application of multiple systems estimation";
 *             R package modslavmse, function MSEfit): forward selection of
 *             pairs by AIC, adding the pair of lowest AIC while that is below
 *             the current model's, and stopping when the added pair's Wald
 *             p-value exceeds 0.05.
 *   bic       MultipleSystemsEstimation's exhaustive search (Silverman, Chan
 *             & Vincent 2024, Stat. Comput. 34:44; estimate_population_bic):
 *             every hierarchical model up to a highest interaction order
 *             (defaults 1/2/3/3/2 for 2/3/4/5/6 lists), each checked for
 *             existence and identifiability and fitted, ranked by BIC.
 *   average   lantern's: the BIC-weighted average over the ranked models,
 *             with an interval that carries the uncertainty about the model
 *             (docs/estimation.md, "Model selection: average").
 *   fixed     a model given by the analyst; main: main effects only.
 *
 * The existence check of every candidate model is SparseMSE's checkident
 * (mse_model_check). Model search calls it thousands of times, so a fast
 * fitter (mse_select_int.h) first tries to prove existence from a converged
 * fit; only what it cannot prove goes to the linear programme. The verdicts
 * are the linear programme's either way.
 *
 * Fits. Every fit here is R's glm.fit iteration (epsilon 1e-8, 25 steps by
 * default), so estimates, AIC, BIC and the stepwise p-values are the
 * reference packages' to rounding. The selection functions report the
 * estimate of the chosen model; for its coefficients, standard errors and
 * profile interval, fit the chosen model with mse_model_fit.
 *
 * Threads. A workspace belongs to one thread at a time. The exhaustive BIC
 * search starts params->nthreads - 1 threads of its own and joins them
 * before it returns; its results do not depend on the number of threads
 * (each model is fitted from the same start whichever thread takes it).
 * Nothing is allocated after the _alloc functions except by mse_select_bic
 * (thread handles) and the linear-programme solver inside mse_model_check.
 */
#ifndef LT_MSE_SELECT_H
#define LT_MSE_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "mse/mse.h"

#define MSE_SELECT_THREADS_MAX   64 /* threads of one BIC search */
#define MSE_SELECT_BIC_LISTS_MAX 6  /* lists of an exhaustive search (as the R package) */
/* Hierarchical models of one search: the 32,768 pairwise six-list models
 * fit; six lists up to order 3 (3,702,013 models) do not. */
#define MSE_SELECT_BIC_MODELS_MAX 100000

enum mse_select_method {
	MSE_SELECT_MAIN,
	MSE_SELECT_FIXED,
	MSE_SELECT_STEPWISE,
	MSE_SELECT_AIC,
	MSE_SELECT_BIC,
	MSE_SELECT_AVERAGE,
};

/* "main", "fixed", "stepwise", "aic", "bic", "average". */
const char *mse_select_method_name(enum mse_select_method m);
/* The inverse; LT_EINVAL (err names the choices) for anything else. */
lt_status mse_select_method_parse(const char *s, enum mse_select_method *out, struct lt_error *err);

struct mse_select_params {
	double stepwise_p;  /* stepwise: SparseMSE's pthresh, in [0, 1] (0.02) */
	double aic_p;       /* aic: largest Wald p-value of an added pair, in [0, 1] (0.05) */
	unsigned max_order; /* bic, average: highest interaction order, 1..nlists-1;
	                       0 for MultipleSystemsEstimation's default (mse_bic_default_order) */
	size_t average_top; /* average: the best models averaged; 0 for every valid model */
	double level;       /* average: coverage of the interval, in (0, 1) (0.95) */
	unsigned nthreads;  /* bic, average: threads, 1..MSE_SELECT_THREADS_MAX (1) */
	struct mse_fit_params fit; /* every fit (R's glm: 1e-8, 25) */
};
#define MSE_SELECT_PARAMS_DEFAULT                                                                  \
	{                                                                                          \
		0.02, 0.05, 0, 0, 0.95, 1, MSE_FIT_PARAMS_DEFAULT                                  \
	}

/* Check params (err names the field). */
lt_status mse_select_params_check(const struct mse_select_params *p, struct lt_error *err);

/* ---------------------------------------------------------------------------
 * The workspace.
 */

struct mse_select_workspace;

/*
 * A workspace for tables of `nlists` lists, with a fitter for each of up to
 * `nthreads` threads (1..MSE_SELECT_THREADS_MAX). NULL when out of memory or
 * out of range. Free with mse_select_workspace_free (NULL allowed).
 */
struct mse_select_workspace *mse_select_workspace_alloc(unsigned nlists, unsigned nthreads);
void mse_select_workspace_free(struct mse_select_workspace *w);

/* ---------------------------------------------------------------------------
 * The result of a selection.
 */

struct mse_selection {
	enum mse_select_method method;
	struct mse_model model;  /* the model chosen, terms in the order added (stepwise,
	                            aic); for bic and average the best model by BIC */
	double n;                /* observed cases */
	double total;            /* the estimate of the population N */
	double log_dark;         /* log of the estimated dark figure, log(total - n) */
	double log_dark_var;     /* its variance: the model's Wald variance (R's
	                            cov.unscaled[1,1]); for average Buckland's
	                            unconditional variance */
	double loglik, aic, bic; /* of the model chosen (average: of the best model) */
	unsigned nparams_model;  /* parameters the AIC and BIC count, -inf ones included */
	unsigned nneginf;        /* of which -inf (terms with no case in common) */
	size_t nmodels;          /* bic, average: valid models ranked; else 0 */
	/* average only (NaN otherwise): the interval on N at `level`. */
	double level, lower, upper;
};

/* ---------------------------------------------------------------------------
 * main and fixed.
 */

/*
 * Check model `m` (certified by the fast fitter, else mse_model_check) and
 * fit it with the reference fit, mse_model_fit. LT_ENOMLE or LT_ENOTIDENT
 * with the reason in err (mse_check_explain) when the check fails;
 * LT_ENOCONVERGE (or LT_ENOTIDENT) when the fit fails. Fills *out (method
 * MSE_SELECT_FIXED; MSE_SELECT_MAIN when m has no terms).
 */
lt_status mse_select_fixed(struct mse_select_workspace *w, const struct mse_table *t,
                           const struct mse_model *m, const struct mse_select_params *p,
                           struct mse_selection *out, struct lt_error *err);

/* ---------------------------------------------------------------------------
 * stepwise.
 */

/* One candidate pair in one cycle of the stepwise trace. */
struct mse_stepwise_candidate {
	uint32_t term;   /* the pair */
	double observed; /* N*: cases on both lists */
	double expected; /* mu*: what the current model expects on both lists */
	double p_value;  /* min(P(X <= N*), P(X >= N*)), X ~ Poisson(mu*) */
	int check;       /* checkident code (0..3) of the model with the pair added */
	double p_used;   /* p_value, or 1 when check > 0 */
};

struct mse_stepwise_cycle {
	size_t ncand;                        /* pairs not yet in the model */
	struct mse_stepwise_candidate *cand; /* [ncand], in pair order; into the trace */
	uint32_t added;                      /* the pair added; 0 when the search stopped */
	double min_p;                        /* the smallest p_used */
};

/* Every cycle of a stepwise search, with the check of every candidate (as
 * SparseMSE computes it; the search without a trace checks only the
 * candidates it needs, best first). */
struct mse_stepwise_trace {
	size_t ncycles;
	struct mse_stepwise_cycle *cycles; /* [npairs] */
	struct mse_stepwise_candidate *store;
	size_t npairs;
};

/* Allocate a trace for tables of `nlists` lists; NULL when out of memory.
 * Free with mse_stepwise_trace_free (NULL allowed). */
struct mse_stepwise_trace *mse_stepwise_trace_alloc(unsigned nlists);
void mse_stepwise_trace_free(struct mse_stepwise_trace *tr);

/*
 * SparseMSE's stepwise selection on table `t` with threshold
 * p->stepwise_p. Fills *out and, if `trace` is not NULL, the trace.
 * Returns LT_OK; LT_ENOCONVERGE or LT_ENOTIDENT if a chosen model cannot be
 * fitted (err says which); LT_EINTERNAL if the LP solver fails.
 */
lt_status mse_select_stepwise(struct mse_select_workspace *w, const struct mse_table *t,
                              const struct mse_select_params *p, struct mse_selection *out,
                              struct mse_stepwise_trace *trace, struct lt_error *err);

/* ---------------------------------------------------------------------------
 * aic.
 */

/* One cycle of the AIC search: the pair of lowest AIC, whether it was added. */
struct mse_aic_step {
	uint32_t term; /* the pair of lowest AIC; 0 when none lowered the AIC */
	double aic;    /* the AIC of the model with it */
	double aic_before;
	double wald_p; /* its Wald p-value in that model (1 for a -inf pair) */
	bool added;
};

struct mse_aic_trace {
	size_t nsteps;
	struct mse_aic_step steps[LT_MSE_LISTS_MAX * (LT_MSE_LISTS_MAX - 1) / 2 + 1];
};

/*
 * The Home Office procedure with threshold p->aic_p. Candidate models whose
 * MLE does not exist or is not identifiable are passed over (R would fit
 * them and report a divergent fit). A pair with no case in common enters as
 * a -inf term, counted in the AIC, with Wald p-value 1 (the limit of R's
 * diverging fit). Fills *out and, if not NULL, *trace. Errors as
 * mse_select_stepwise.
 */
lt_status mse_select_aic(struct mse_select_workspace *w, const struct mse_table *t,
                         const struct mse_select_params *p, struct mse_selection *out,
                         struct mse_aic_trace *trace, struct lt_error *err);

/* ---------------------------------------------------------------------------
 * bic and average.
 */

/* A model of the ranked table. */
struct mse_bic_row {
	uint64_t terms;         /* bit U set when the interaction term of mask U is in the
	                           model (lists <= 6, so masks < 64) */
	size_t index;           /* the model's place in the enumeration (ties go to the lower) */
	unsigned order;         /* highest degree of a term (1: main effects) */
	unsigned nparams_model; /* parameters counted by the BIC, -inf ones included */
	unsigned nneginf;
	double total; /* n + exp(alpha0) */
	double log_dark, log_dark_var;
	double loglik, aic, bic;
	double weight; /* BIC weight (mse_select_average), else 0 */
};

struct mse_bic_table {
	unsigned nlists, max_order;
	size_t nmodels;             /* models enumerated (or kept: mse_bic_table_restrict) */
	uint64_t *models;           /* [nmodels] in enumeration order: by the terms
	                               (degree, then lexicographic), excluded before included */
	unsigned char *code;        /* [nmodels] checkident code of each (after a search) */
	size_t nvalid;              /* models that passed the check and were fitted */
	struct mse_bic_row *rows;   /* [nmodels]; the first nvalid, by BIC ascending */
	size_t nno_mle, nnot_ident; /* models dropped, by reason */
	size_t nno_converge;        /* models kept whose fit used every iteration (R keeps
	                               them too, with a warning) */
	size_t nlp;                 /* linear programmes solved */
	size_t ninferred;           /* models found to have no MLE without an LP, because
	                               a sub-model with the same -inf terms has none */
	/* Scratch of the search. */
	unsigned char *fit_status;        /* [nmodels] */
	uint64_t *fail_terms, *fail_zero; /* [nmodels] models the LP failed, their -inf terms */
	unsigned char *fail_code;         /* [nmodels] and their codes */
	size_t nfail;
};

/* MultipleSystemsEstimation's default highest order: 1, 2, 3, 3, 2 for 2, 3,
 * 4, 5, 6 lists (2 beyond). */
unsigned mse_bic_default_order(unsigned nlists);

/*
 * Enumerate every hierarchical model of `nlists` lists (2..
 * MSE_SELECT_BIC_LISTS_MAX) with interactions of degree at most
 * `max_order` (1..nlists-1; 0 for the default). LT_ETOOBIG past
 * MSE_SELECT_BIC_MODELS_MAX models or MSE_SELECT_BIC_LISTS_MAX lists;
 * LT_EINVAL for a bad order; LT_ENOMEM. Free with mse_bic_table_free. The
 * table can be reused for any table of that many lists.
 */
lt_status mse_bic_table_alloc(unsigned nlists, unsigned max_order, struct mse_bic_table **out,
                              struct lt_error *err);
void mse_bic_table_free(struct mse_bic_table *b);

/*
 * Keep only the `ntop` best models of the last search with `b` (every valid
 * one if there are fewer) as the models of later searches, in enumeration
 * order: MultipleSystemsEstimation's subsetmat, which its bootstrap applies
 * before re-running the selection on every resample (ntopmodels: 20 for four
 * lists, 100 for five or six). LT_EINVAL when ntop is 0 or the last search
 * found no valid model.
 */
lt_status mse_bic_table_restrict(struct mse_bic_table *b, size_t ntop, struct lt_error *err);

/*
 * A new table holding the models of `src` (its list after
 * mse_bic_table_restrict, if restricted), in the same order, with no search
 * results: what each thread of a bootstrap searches. LT_EINVAL when src has
 * no models; LT_ENOMEM. Free with mse_bic_table_free.
 */
lt_status mse_bic_table_copy(const struct mse_bic_table *src, struct mse_bic_table **out,
                             struct lt_error *err);

/* The model of a row (or of any terms bitset of b->nlists lists), terms by
 * degree then lexicographically. */
void mse_bic_model(unsigned nlists, uint64_t terms, struct mse_model *out);

/*
 * Check, fit and rank every model of `b` on table `t` (t->nlists ==
 * b->nlists) with p->nthreads threads; fill b's rows and *out with the best
 * model (method MSE_SELECT_BIC). LT_ENOMLE when no model is valid;
 * LT_EINTERNAL if the LP solver fails; LT_ENOMEM if a thread cannot start.
 */
lt_status mse_select_bic(struct mse_select_workspace *w, const struct mse_table *t,
                         const struct mse_select_params *p, struct mse_bic_table *b,
                         struct mse_selection *out, struct lt_error *err);

/*
 * Model averaging over the ranked table `b` of table `t` (after
 * mse_select_bic): the best `p->average_top` models (all valid ones for 0)
 * are weighted by w_m ∝ exp(-(BIC_m - BIC_min)/2), written to the rows'
 * weight. The estimate is n + exp(sum w_m log_dark_m); the interval at
 * p->level holds the central quantiles of the mixture, over the models, of
 * each model's Wald (log-normal) distribution of the dark figure, plus n.
 * log_dark_var is Buckland's unconditional variance
 * (sum w_m sqrt(var_m + (log_dark_m - mean)^2))^2. Fills *out (method
 * MSE_SELECT_AVERAGE; model, loglik, aic, bic of the best model).
 * LT_EINVAL when b has no valid model.
 */
lt_status mse_select_average(struct mse_bic_table *b, const struct mse_table *t,
                             const struct mse_select_params *p, struct mse_selection *out,
                             struct lt_error *err);

/* ---------------------------------------------------------------------------
 * Any method.
 */

/*
 * Run `method` on `t`: `fixed` is the model of MSE_SELECT_FIXED (ignored
 * otherwise); `b` the table of bic and average (ignored otherwise; allocated
 * by the caller for t->nlists lists and p->max_order). Errors as the
 * functions above.
 */
lt_status mse_select_run(struct mse_select_workspace *w, const struct mse_table *t,
                         enum mse_select_method method, const struct mse_model *fixed,
                         const struct mse_select_params *p, struct mse_bic_table *b,
                         struct mse_selection *out, struct lt_error *err);

#endif
