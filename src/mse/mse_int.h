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

double mse_pnorm(double x);                /* P(Z <= x), Z standard normal */
double mse_qnorm(double p);                /* its inverse, 0 < p < 1 */
double mse_qchisq(double p, double df);    /* chi-squared quantile */
double mse_ppois(double k, double lambda); /* P(X <= k), X ~ Poisson(lambda); 0 for k < 0 */
double mse_ppois_upper(double k, double lambda); /* P(X > k); 1 for k < 0 */

/* ---- The linear programme (mse_glpk.c). ---- */

struct mse_lp; /* a reusable GLPK problem, owned by a workspace */

struct mse_lp *mse_lp_alloc(void);
void mse_lp_free(struct mse_lp *lp);
/*
 * Solve max s s.t. A x = rhs, x_j >= s, x >= 0, s >= 0, where A is nrows x
 * ncols of 0/1 entries given as a dense row-major byte matrix. *s_out is the
 * optimum. `exact` asks GLPK's rational simplex (slow, exact for integer
 * data). LT_EINTERNAL with err set if GLPK fails.
 */
lt_status mse_lp_max_min(struct mse_lp *lp, size_t nrows, size_t ncols, const unsigned char *a,
			 const double *rhs, bool exact, double *s_out, struct lt_error *err);
/* With the last problem loaded, maximise x_j alone (still A x = rhs, x >= 0):
 * used to name the cells forced to 0. */
lt_status mse_lp_max_cell(struct mse_lp *lp, size_t j, double *out, struct lt_error *err);

/* ---- The workspace (mse_fit.c). ---- */

struct mse_workspace {
	unsigned nlists;
	size_t ncells;     /* 1 << nlists */
	size_t max_params;

	/* The current fit. */
	unsigned p;                         /* parameters estimated */
	uint32_t term[LT_MSE_PARAMS_MAX];   /* their masks (0 = intercept) */
	uint32_t *cells;                    /* [ncells] the cells fitted, in mask order */
	size_t nkept;                       /* how many */
	unsigned char *kept;                /* [ncells] 1 if cell h is fitted */
	bool with_dark;                     /* the dark cell is fitted too (profile) */
	double dark_count;                  /* its count then */
	const double *y;                    /* the table's counts */
	double *mu;                         /* [ncells] fitted values */
	double *eta;                        /* [ncells] linear predictor */
	double *beta;                       /* [max_params] */
	double *xtwx;                       /* [max_params^2] normal equations, then factor */
	double *xtwz;                       /* [max_params] */
	double *cov;                        /* [max_params^2] (X'WX)^-1 */
	double dev, dev_old;
	unsigned iter;
	bool singular;

	/* The existence check. */
	struct mse_lp *lp;
	unsigned char *amat; /* [max_params * ncells] design, rows = parameters */
	double *rhs;         /* [max_params] */
};

/* Set up w->term, w->kept, w->cells for model m on table t (the -inf
 * terms removed, and their cells). Fills the -inf list of `f` if non-NULL.
 * Returns false (with err) if the workspace is too small. */
bool mse_design_setup(struct mse_workspace *w, const struct mse_table *t,
		      const struct mse_model *m, struct mse_fit *f, struct lt_error *err);

#endif
