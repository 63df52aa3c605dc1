/*
 * mse_int.h — private to src/mse/: the workspace, the distribution
 * functions of the GSL glue, and the linear programme of the GLPK glue.
 *
 * Only files under src/mse/ include this. The GSL and GLPK headers are
 * included by one file each (mse_gsl.c, mse_glpk.c); everything else reaches
 * them through the functions below, which never abort: the glue switches
 * off both libraries' abort-on-error handlers.
 */
#ifndef LT_MSE_INT_H
#define LT_MSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mse/mse.h"

/* ---- Distributions (mse_gsl.c). ---- */

double mse_pnorm(double x);                      /* P(Z <= x), Z standard normal */
double mse_pnorm_upper(double x);                /* P(Z > x), accurate far in the tail */
double mse_qnorm(double p);                      /* the inverse of mse_pnorm, 0 < p < 1 */
double mse_qchisq(double p, double df);          /* chi-squared quantile, 0 <= p < 1 */
double mse_ppois(double k, double lambda);       /* P(X <= k), X ~ Poisson(lambda); 0 if k < 0 */
double mse_ppois_upper(double k, double lambda); /* P(X > k); 1 if k < 0 */
double mse_lgamma(double x);                     /* log Gamma(x), x > 0 */

/* ---- The linear programme (mse_glpk.c). ---- */

struct mse_lp; /* a reusable GLPK problem and its scratch arrays */

struct mse_lp *mse_lp_alloc(void);
void mse_lp_free(struct mse_lp *lp);
/*
 * The existence LP with A the 0/1 matrix a[j][k] = (terms[j] ⊆ cells[k]):
 *     maximise s  subject to  A x = rhs,  x_k >= s,  x >= 0,  s >= 0,
 * solved as A u + (A 1) s = rhs with u = x - s >= 0. *s_out is the optimum.
 * `exact` uses GLPK's rational simplex (slow; exact for whole-number data).
 * LT_EINTERNAL with err set if GLPK fails; LT_ENOMEM.
 */
lt_status mse_lp_max_min(struct mse_lp *lp, size_t nterms, const uint32_t *terms, size_t ncells,
                         const uint32_t *cells, const double *rhs, bool exact, double *s_out,
                         struct lt_error *err);
/* With the same A and rhs loaded by the last mse_lp_max_min, the largest
 * value cell k can take (maximise x_k s.t. A x = rhs, x >= 0). */
lt_status mse_lp_max_cell(struct mse_lp *lp, size_t k, double *out, struct lt_error *err);
/* Added for the bootstrap's worker threads (mse_boot.c): free GLPK's
 * environment of the calling thread. GLPK keeps one per thread and nothing
 * frees it when the thread ends, so a thread that may have solved an LP
 * calls this last, after freeing its workspaces (their problems then belong
 * to a dead generation and would be recreated). */
void mse_lp_thread_exit(void);

/* ---- The workspace (mse_fit.c). ---- */

struct mse_workspace {
	unsigned nlists;
	size_t ncells; /* 1 << nlists */
	size_t max_params;

	/* The design of the current fit (mse_design_setup). */
	unsigned p;                         /* parameters estimated */
	uint32_t term[LT_MSE_PARAMS_MAX];   /* their masks in R's order (0 = intercept) */
	unsigned nneginf;                   /* parameters at -inf */
	uint32_t neginf[LT_MSE_PARAMS_MAX]; /* their masks, in model order */
	unsigned nparams_model;             /* 1 + nlists + nterms */
	unsigned char *kept;                /* [ncells] 1 if cell h is fitted */
	uint32_t *cells;                    /* [ncells] the fitted cells, increasing */
	size_t nkept;
	bool with_dark;    /* cell 0 is fitted too (profile) */
	double dark_count; /* its count then */
	const struct mse_table *table;

	/* IRLS state. */
	double *mu;    /* [ncells] fitted values; 0 off the fitted cells */
	double *eta;   /* [ncells] linear predictor */
	double *a, *b; /* [ncells] scratch for the superset/subset transforms */
	double beta[LT_MSE_PARAMS_MAX];
	double *xtwx; /* [max_params^2] normal equations, then their Cholesky factor */
	double *cov;  /* [max_params^2] (X'WX)^-1 of the last step */
	double rhs[LT_MSE_PARAMS_MAX];
	double dev, dev_old;
	unsigned iter;
	bool singular;
	bool valid; /* the last step gave finite, positive fitted values */

	/* The existence check. */
	struct mse_lp *lp;
};

/*
 * Set up the design of model m on table t in w: the parameters with N* = 0
 * (main effects or terms) are -inf, removed with every cell above them; the
 * rest are ordered as R orders them. Returns LT_EINVAL (err set) if the
 * workspace, table and model do not fit together or the parameters exceed
 * w->max_params.
 */
lt_status mse_design_setup(struct mse_workspace *w, const struct mse_table *t,
                           const struct mse_model *m, struct lt_error *err);
/* Start the iteration on the design already set up: mu = y + 0.1. */
void mse_fitter_start(struct mse_workspace *w);
/* mse_fitter_init with the dark cell fitted as well, with count n0 (the
 * multinomial profile of mse_interval.c). */
lt_status mse_fitter_init_dark(struct mse_workspace *w, const struct mse_table *t,
                               const struct mse_model *m, double n0, struct lt_error *err);
/* Run the fitter from init to convergence: LT_OK, LT_ENOCONVERGE, LT_ENOTIDENT. */
lt_status mse_fitter_run(struct mse_workspace *w, const struct mse_fit_params *params);

/*
 * Symmetric positive semi-definite p x p matrix `a` (row-major, lower triangle
 * used): in-place Cholesky factor L (lower). A pivot below tol times its
 * diagonal entry makes the matrix singular: returns false. With `rank` non-
 * NULL, a singular column is skipped instead (its row and column zeroed) and
 * counted, so *rank is the numerical rank.
 */
bool mse_cholesky(double *a, unsigned p, double tol, unsigned *rank, unsigned char *skipped);

#endif
