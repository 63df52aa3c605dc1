/*
 * mse_select_int.h — private to the model-selection files (mse_select*.c):
 * the fast fitter that model search runs thousands of times.
 *
 * Why a second fitter. mse_model_fit (mse_fit.c) is the reference fit: it
 * builds the design matrix of the cells kept and solves R's weighted least
 * squares, which costs O(cells x params^2) a step. Model search fits every
 * candidate of every stepwise cycle, every model of an exhaustive BIC search
 * (32,768 for six lists) and all of that again in each of a thousand
 * bootstrap replicates. This fitter does the same iteration — R's glm.fit:
 * start mu = y + 0.1, IRLS, stop when |dev - dev_old| / (|dev| + 0.1) <
 * epsilon — so it reaches the same iterate as R and as mse_model_fit, but
 * never forms the design. With 0/1 columns x_{h,S} = [S ⊆ h]:
 *
 *   eta_h        = sum_{S ⊆ h} beta_S        a subset-sum (zeta) transform
 *   (X'WX)_{S,T} = M(S ∪ T),  M(U) = sum_{h ⊇ U} mu_h
 *   (X'Wz)_S     = V(S),      V(U) = sum_{h ⊇ U} (mu_h eta_h + y_h - mu_h)
 *
 * where M and V are superset-sum transforms over the 2^t masks (t 2^(t-1)
 * additions each). A step is then t 2^t additions, 2^t exponentials, p^2
 * look-ups and a p x p Cholesky factorisation: for six lists and 22
 * parameters a few microseconds. The workspace holds every array; a fit
 * allocates nothing.
 *
 * Existence without a linear programme. The extended MLE exists iff some
 * x > 0 on the kept cells has the observed margins (mse.h). A converged fit
 * whose Newton steps have died away is such an x: its fitted values are
 * positive and match the margins. When the MLE does not exist, the
 * likelihood rises without bound along a direction that sends some cells'
 * log fitted values to -inf, and a Newton step moves those log values by
 * about -1 however long it runs. msel_certify runs two extra Newton steps
 * from the converged fit, on scratch copies, and certifies existence only
 * when both steps move every log fitted value by less than 1e-6 and the
 * design has full rank (the Cholesky factor is regular). Anything it cannot
 * certify goes to the linear programme of mse_model_check, so the verdict is
 * always the LP's or a proof of the LP's answer.
 */
#ifndef LT_MSE_SELECT_INT_H
#define LT_MSE_SELECT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mse/mse.h"
#include "mse/mse_select.h"

/* The summary of one fast fit. */
struct msel_fit {
	bool converged;         /* R's deviance test was met within max_iter */
	unsigned iterations;    /* IRLS steps taken */
	unsigned nparams;       /* finite parameters estimated */
	unsigned nneginf;       /* parameters (main effects included) fixed at -inf */
	unsigned nparams_model; /* nparams + nneginf: what AIC and BIC count */
	double n;               /* observed cases */
	double log_dark;        /* the intercept */
	double log_dark_var;    /* its unscaled variance: [(X'WX)^-1]_00 at the last step */
	double dark;            /* exp(log_dark) */
	double total;           /* n + dark */
	double deviance;        /* over the kept cells */
	double loglik;          /* Poisson, over the kept cells */
	double aic;             /* 2 nparams_model - 2 loglik */
	double bic;             /* nparams_model log(n) - 2 loglik */
};

/* The fast fitter's workspace; one thread at a time. */
struct msel_fast {
	unsigned nlists;
	size_t ncells;     /* 1 << nlists */
	size_t max_params; /* capacity of the parameter arrays */

	/* The table (msel_fast_set_table). */
	const double *y; /* [ncells] borrowed counts, y[0] == 0 */
	double *nstar;   /* [ncells] N*_U = sum of y over h ⊇ U, U != 0; nstar[0] = n */
	double n;

	/* The model of the last fit (msel_fast_fit). */
	unsigned p;    /* free parameters */
	uint32_t *par; /* [max_params] their masks; par[0] = 0, the intercept */
	unsigned nneginf;
	unsigned char *kept; /* [ncells] 1 when cell h is fitted (h != 0) */
	size_t nkept;

	/* The iteration. */
	double *beta; /* [ncells] coefficients by mask, 0 off the model */
	double *eta;  /* [ncells] */
	double *mu;   /* [ncells] fitted values; 0 on removed cells and at [0] */
	double *aux;  /* [ncells] superset sums of mu */
	double *aux2; /* [ncells] superset sums of mu eta + y - mu */
	double *h;    /* [max_params^2] X'WX, then its Cholesky factor (lower) */
	double *b;    /* [max_params] right-hand side, then the solution */
	double *coef; /* [max_params] coefficients in par order */
	double *coef_old;
	double *scratch; /* [ncells] for msel_certify */
	bool singular;   /* the last factorisation found X'WX singular */
	bool fitted;     /* mu, aux hold a completed fit */
};

/*
 * Allocate a fast workspace for tables of `nlists` lists and models of at
 * most `max_params` parameters (1 + nlists + terms). NULL when out of
 * memory or out of range. Free with msel_fast_free (NULL allowed).
 */
struct msel_fast *msel_fast_alloc(unsigned nlists, size_t max_params);
void msel_fast_free(struct msel_fast *f);

/* Use table `t` (borrowed; t->nlists == f->nlists) for the fits that follow:
 * computes every margin N*. */
void msel_fast_set_table(struct msel_fast *f, const struct mse_table *t);

/*
 * Fit the model with interaction terms `terms[0..nterms-1]` (masks of >= 2
 * lists; main effects are implied) to the table, as R's glm.fit with the
 * given epsilon and iteration cap. Parameters with N* = 0 — any term, or a
 * main effect of a list no case is on — are -inf and their cells removed.
 * Fills *out. Returns LT_OK; LT_ENOCONVERGE when the cap is reached (out
 * from the last step); LT_ENOTIDENT when X'WX is singular; LT_ETOOBIG when
 * the model has more parameters than the workspace holds.
 */
lt_status msel_fast_fit(struct msel_fast *f, const uint32_t *terms, unsigned nterms,
                        const struct mse_fit_params *params, struct msel_fit *out);

/* mu*_U: the fitted cases on every list of U under the last fit (the sum of
 * fitted values over kept cells h ⊇ U). Only after a fit returned LT_OK or
 * LT_ENOCONVERGE. */
double msel_fast_margin(const struct msel_fast *f, uint32_t mask);

/* The unscaled variance [(X'WX)^-1]_{kk} of the coefficient of term `mask`
 * at the last step, and the coefficient itself. False when the term is not a
 * finite parameter of the last fit. */
bool msel_fast_coef(const struct msel_fast *f, uint32_t mask, double *coef, double *var);

/*
 * After a fit that returned LT_OK: true when the extended MLE provably
 * exists (see above). Does not change the fit's results. False means
 * "unknown": ask the linear programme.
 */
bool msel_certify(struct msel_fast *f);

/* The existence verdict of a fast check. */
struct msel_check {
	unsigned code;  /* SparseMSE's checkident code: 0 ok, 1 no MLE, 2 not identifiable, 3 */
	bool certified; /* decided by the fit, no LP solved */
	lt_status fit_status; /* of the fit; the fit is usable when code == 0 and this is LT_OK */
	struct msel_fit fit;
};

/*
 * Check model (terms, nterms) on the table and fit it: the fast fit, then
 * msel_certify, then (only when not certified) mse_model_check with the core
 * workspace `w` and model scratch `m`. Fills *out. Returns LT_OK whatever the
 * code; LT_EINTERNAL when the LP fails; LT_ETOOBIG/LT_EINVAL when the model
 * does not fit the workspaces.
 */
lt_status msel_check_fit(struct msel_fast *f, struct mse_workspace *w, const struct mse_table *t,
                         const uint32_t *terms, unsigned nterms,
                         const struct mse_fit_params *params, struct msel_check *out,
                         struct lt_error *err);

/* The smaller one-sided Poisson tail of an observed count `obs` against the
 * mean `mu`: min(P(X <= obs), P(X >= obs)), R's
 * min(ppois(obs, mu), ppois(obs - 1, mu, lower.tail = FALSE)). */
double msel_poisson_two_tail_min(double obs, double mu);

/* The selection workspace (mse_select.h): a fast fitter and a core
 * workspace for each thread, and the stepwise scratch. */
struct mse_select_workspace {
	unsigned nlists;
	unsigned nthreads;
	size_t max_params;
	struct msel_fast *fast[MSE_SELECT_THREADS_MAX];
	struct mse_workspace *core[MSE_SELECT_THREADS_MAX];
	size_t npairs;
	uint32_t *pairs;                     /* [npairs] in SparseMSE's order (1,2), (1,3), ... */
	struct mse_stepwise_candidate *cand; /* [npairs] a cycle when there is no trace */
	size_t *order;                       /* [npairs] candidates by p-value */
	uint32_t *terms;                     /* [LT_MSE_TERMS_MAX + 1] a candidate model */
};

/* Fill a selection from a fast fit of model m. */
void msel_selection_from_fit(struct mse_selection *out, enum mse_select_method method,
                             const struct mse_model *m, const struct msel_fit *f);

#endif
