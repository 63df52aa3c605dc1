/*
 * mse_fit.c — the Poisson log-linear fit by iteratively reweighted least
 * squares, with the extended MLE for terms that no case shares.
 *
 * The model (see mse.h): log mu_h = sum over parameters j with term_j ⊆ h of
 * beta_j, for each fitted cell h. The fit is R's glm.fit for the Poisson
 * family with the log link (McCullagh & Nelder 1989, §2.5), step for step:
 * start from mu = y + 0.1, then repeat
 *     w = mu,  z = eta + (y - mu) / mu,  beta = (X'WX)^-1 X'Wz,  eta = X beta,
 * until the deviance changes by less than epsilon relative to |dev| + 0.1.
 * The coefficients are those of the last step and the covariance is
 * (X'WX)^-1 with the weights of the last step, as R's summary.glm reports,
 * so the numbers agree with R's to rounding rather than to the tolerance.
 *
 * The extended MLE (Chan, Silverman & Vincent 2021, §3; Fienberg & Rinaldo
 * 2012, §4): a parameter whose lists share no case (N* = 0) has MLE -inf.
 * It is dropped, and so is every cell containing its lists, whose fitted
 * value is 0. Parameters above it have N* = 0 too and go the same way.
 *
 * Speed. The design is never stored. Because x_hj = [term_j ⊆ h], each entry
 * of X'WX is a margin of the weights, (X'WX)_jk = sum_{h ⊇ term_j ∪ term_k}
 * w_h, and each entry of X'Wz a margin of w z; all margins come from one
 * superset-sum transform of the 2^t cells (t 2^t additions), and eta = X beta
 * from one subset-sum transform. A step therefore costs O(t 2^t + p^3), not
 * O(2^t p^2): 6 lists and 22 parameters take a few microseconds. The
 * normal equations are solved by Cholesky; the condition of X'WX for these
 * designs leaves some eight significant digits, more than the 1e-6 the
 * golden tests ask. Nothing is allocated after mse_workspace_alloc.
 */
#include "mse/mse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mse/mse_int.h"

#include "core/banned.h"

static unsigned popcount(uint32_t x)
{
	return (unsigned)__builtin_popcount(x);
}

struct mse_workspace *mse_workspace_alloc(unsigned nlists, size_t max_params)
{
	if (nlists < 1 || nlists > LT_MSE_LISTS_MAX || max_params < 1 + (size_t)nlists ||
	    max_params > LT_MSE_PARAMS_MAX)
		return NULL;
	struct mse_workspace *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->nlists = nlists;
	w->ncells = (size_t)1 << nlists;
	w->max_params = max_params;
	w->kept = calloc(w->ncells, 1);
	w->cells = calloc(w->ncells, sizeof(uint32_t));
	w->mu = calloc(w->ncells, sizeof(double));
	w->eta = calloc(w->ncells, sizeof(double));
	w->a = calloc(w->ncells, sizeof(double));
	w->b = calloc(w->ncells, sizeof(double));
	w->xtwx = calloc(max_params * max_params, sizeof(double));
	w->cov = calloc(max_params * max_params, sizeof(double));
	if (!w->kept || !w->cells || !w->mu || !w->eta || !w->a || !w->b || !w->xtwx || !w->cov) {
		mse_workspace_free(w);
		return NULL;
	}
	return w;
}

void mse_workspace_free(struct mse_workspace *w)
{
	if (!w)
		return;
	mse_lp_free(w->lp);
	free(w->kept);
	free(w->cells);
	free(w->mu);
	free(w->eta);
	free(w->a);
	free(w->b);
	free(w->xtwx);
	free(w->cov);
	free(w);
}

/* a[m] <- sum of a[h] over h ⊇ m. */
static void superset_sum(double *a, unsigned nlists, size_t ncells)
{
	for (unsigned i = 0; i < nlists; i++) {
		size_t bit = (size_t)1 << i;
		for (size_t h = 0; h < ncells; h++)
			if (!(h & bit))
				a[h] += a[h | bit];
	}
}

/* a[h] <- sum of a[m] over m ⊆ h. */
static void subset_sum(double *a, unsigned nlists, size_t ncells)
{
	for (unsigned i = 0; i < nlists; i++) {
		size_t bit = (size_t)1 << i;
		for (size_t h = 0; h < ncells; h++)
			if (h & bit)
				a[h] += a[h ^ bit];
	}
}

lt_status mse_design_setup(struct mse_workspace *w, const struct mse_table *t,
                           const struct mse_model *m, struct lt_error *err)
{
	if (t->nlists != w->nlists || m->nlists != w->nlists)
		return lt_error_set(err, LT_EINVAL, "",
		                    "the workspace is for %u lists but the table has %u and the "
		                    "model %u",
		                    w->nlists, t->nlists, m->nlists);
	if (!(t->n > 0))
		return lt_error_set(err, LT_EINVAL, "", "the table has no cases");
	const size_t nc = w->ncells;
	const unsigned nl = w->nlists;

	/* N* of every mask. */
	double *ns = w->a;
	memcpy(ns, t->counts, nc * sizeof(double));
	ns[0] = 0;
	superset_sum(ns, nl, nc);

	w->p = 0;
	w->nneginf = 0;
	w->nparams_model = 1 + nl + m->nterms;
	if (w->nparams_model > LT_MSE_PARAMS_MAX)
		return lt_error_set(err, LT_EINVAL, "", "the model has too many parameters");
	w->term[w->p++] = 0;
	for (unsigned i = 0; i < nl; i++) {
		uint32_t T = 1u << i;
		if (ns[T] > 0)
			w->term[w->p++] = T;
		else
			w->neginf[w->nneginf++] = T;
	}
	unsigned maxdeg = mse_model_order(m);
	for (unsigned d = 2; d <= maxdeg; d++)
		for (unsigned k = 0; k < m->nterms; k++) {
			uint32_t T = m->terms[k];
			if (popcount(T) != d)
				continue;
			if (ns[T] > 0)
				w->term[w->p++] = T;
		}
	for (unsigned k = 0; k < m->nterms; k++)
		if (!(ns[m->terms[k]] > 0))
			w->neginf[w->nneginf++] = m->terms[k];
	if (w->p > w->max_params)
		return lt_error_set(err, LT_EINVAL, "",
		                    "the model has %u parameters to estimate but the workspace "
		                    "holds %zu",
		                    w->p, w->max_params);

	/* Cells above a -inf parameter are removed. */
	memset(w->kept, 0, nc);
	for (unsigned k = 0; k < w->nneginf; k++)
		w->kept[w->neginf[k]] = 1;
	for (unsigned i = 0; i < nl; i++) {
		size_t bit = (size_t)1 << i;
		for (size_t h = 0; h < nc; h++)
			if (h & bit)
				w->kept[h] |= w->kept[h ^ bit];
	}
	w->nkept = 0;
	for (size_t h = 0; h < nc; h++) {
		w->kept[h] = (unsigned char)!w->kept[h];
		if (h == 0)
			w->kept[h] = 0;
		if (w->kept[h])
			w->cells[w->nkept++] = (uint32_t)h;
	}
	w->table = t;
	w->with_dark = false;
	w->dark_count = 0;
	return LT_OK;
}

static double cell_y(const struct mse_workspace *w, size_t h)
{
	return h == 0 ? w->dark_count : w->table->counts[h];
}

/* The Poisson deviance of w->mu over the fitted cells. */
static double deviance(const struct mse_workspace *w)
{
	double d = 0;
	for (size_t k = 0; k < w->nkept; k++) {
		size_t h = w->cells[k];
		double y = cell_y(w, h), mu = w->mu[h];
		d += y > 0 ? y * log(y / mu) - (y - mu) : mu;
	}
	if (w->with_dark) {
		double y = w->dark_count, mu = w->mu[0];
		d += y > 0 ? y * log(y / mu) - (y - mu) : mu;
	}
	return 2 * d;
}

void mse_fitter_start(struct mse_workspace *w)
{
	memset(w->mu, 0, w->ncells * sizeof(double));
	memset(w->eta, 0, w->ncells * sizeof(double));
	for (size_t k = 0; k < w->nkept; k++) {
		size_t h = w->cells[k];
		w->mu[h] = cell_y(w, h) + 0.1;
		w->eta[h] = log(w->mu[h]);
	}
	if (w->with_dark) {
		w->mu[0] = w->dark_count + 0.1;
		w->eta[0] = log(w->mu[0]);
	}
	w->dev = deviance(w);
	w->dev_old = w->dev;
	w->iter = 0;
	w->singular = false;
	w->valid = true;
	memset(w->beta, 0, sizeof(w->beta));
}

lt_status mse_fitter_init(struct mse_workspace *w, const struct mse_table *t,
                          const struct mse_model *m, struct lt_error *err)
{
	lt_status st = mse_design_setup(w, t, m, err);
	if (st != LT_OK)
		return st;
	mse_fitter_start(w);
	return LT_OK;
}

lt_status mse_fitter_init_dark(struct mse_workspace *w, const struct mse_table *t,
                               const struct mse_model *m, double n0, struct lt_error *err)
{
	lt_status st = mse_design_setup(w, t, m, err);
	if (st != LT_OK)
		return st;
	w->with_dark = true;
	w->dark_count = n0;
	mse_fitter_start(w);
	return LT_OK;
}

bool mse_cholesky(double *a, unsigned p, double tol, unsigned *rank, unsigned char *skipped)
{
	unsigned r = 0;
	for (unsigned j = 0; j < p; j++) {
		double *aj = a + (size_t)j * p;
		double d = aj[j];
		for (unsigned k = 0; k < j; k++)
			d -= aj[k] * aj[k];
		if (!(d > tol * aj[j]) || !(d > 0)) {
			if (!rank)
				return false;
			skipped[j] = 1;
			for (unsigned i = j; i < p; i++)
				a[(size_t)i * p + j] = 0;
			continue;
		}
		if (skipped)
			skipped[j] = 0;
		double l = sqrt(d);
		aj[j] = l;
		for (unsigned i = j + 1; i < p; i++) {
			double *ai = a + (size_t)i * p;
			double s = ai[j];
			for (unsigned k = 0; k < j; k++)
				s -= ai[k] * aj[k];
			ai[j] = s / l;
		}
		r++;
	}
	if (rank)
		*rank = r;
	return true;
}

/* Solve L L' x = b in place (L lower, from mse_cholesky without skips). */
static void chol_solve(const double *l, unsigned p, double *x)
{
	for (unsigned i = 0; i < p; i++) {
		double s = x[i];
		for (unsigned k = 0; k < i; k++)
			s -= l[(size_t)i * p + k] * x[k];
		x[i] = s / l[(size_t)i * p + i];
	}
	for (unsigned i = p; i-- > 0;) {
		double s = x[i];
		for (unsigned k = i + 1; k < p; k++)
			s -= l[(size_t)k * p + i] * x[k];
		x[i] = s / l[(size_t)i * p + i];
	}
}

/* eta and mu from beta; false if some fitted value is not finite and > 0. */
static bool predict(struct mse_workspace *w, const double *beta)
{
	double *c = w->b;
	memset(c, 0, w->ncells * sizeof(double));
	for (unsigned j = 0; j < w->p; j++)
		c[w->term[j]] = beta[j];
	subset_sum(c, w->nlists, w->ncells);
	bool ok = true;
	for (size_t k = 0; k < w->nkept; k++) {
		size_t h = w->cells[k];
		w->eta[h] = c[h];
		w->mu[h] = exp(c[h]);
		ok &= isfinite(w->mu[h]) && w->mu[h] > 0;
	}
	w->eta[0] = c[0];
	w->mu[0] = exp(c[0]);
	if (w->with_dark)
		ok &= isfinite(w->mu[0]) && w->mu[0] > 0;
	return ok;
}

lt_status mse_fitter_iterate(struct mse_workspace *w)
{
	const unsigned p = w->p;
	double *a = w->a, *b = w->b;
	double beta_old[LT_MSE_PARAMS_MAX];

	memset(a, 0, w->ncells * sizeof(double));
	memset(b, 0, w->ncells * sizeof(double));
	for (size_t k = 0; k < w->nkept; k++) {
		size_t h = w->cells[k];
		double mu = w->mu[h];
		a[h] = mu;
		b[h] = mu * w->eta[h] + (cell_y(w, h) - mu);
	}
	if (w->with_dark) {
		double mu = w->mu[0];
		a[0] = mu;
		b[0] = mu * w->eta[0] + (w->dark_count - mu);
	}
	superset_sum(a, w->nlists, w->ncells);
	superset_sum(b, w->nlists, w->ncells);
	for (unsigned j = 0; j < p; j++) {
		for (unsigned k = 0; k <= j; k++) {
			double v = a[w->term[j] | w->term[k]];
			w->xtwx[(size_t)j * p + k] = v;
			w->xtwx[(size_t)k * p + j] = v;
		}
		w->rhs[j] = b[w->term[j]];
	}
	w->iter++;
	if (!mse_cholesky(w->xtwx, p, 1e-13, NULL, NULL)) {
		w->singular = true;
		return LT_ENOTIDENT;
	}
	memcpy(beta_old, w->beta, sizeof(double) * p);
	memcpy(w->beta, w->rhs, sizeof(double) * p);
	chol_solve(w->xtwx, p, w->beta);

	/* As glm.fit: halve the step back towards the last coefficients while
	 * the fitted values are not finite and positive. */
	bool ok = predict(w, w->beta);
	for (unsigned half = 0; !ok && half < 30 && w->iter > 1; half++) {
		for (unsigned j = 0; j < p; j++)
			w->beta[j] = 0.5 * (w->beta[j] + beta_old[j]);
		ok = predict(w, w->beta);
	}
	w->valid = ok;
	if (!ok)
		return LT_ENOCONVERGE;
	w->dev_old = w->dev;
	w->dev = deviance(w);
	if (!isfinite(w->dev)) {
		w->valid = false;
		return LT_ENOCONVERGE;
	}
	return LT_OK;
}

bool mse_fitter_converged(const struct mse_workspace *w, double epsilon)
{
	return w->iter > 0 && w->valid && !w->singular &&
	       fabs(w->dev - w->dev_old) / (fabs(w->dev) + 0.1) < epsilon;
}

lt_status mse_fitter_run(struct mse_workspace *w, const struct mse_fit_params *params)
{
	for (;;) {
		if (w->iter >= params->max_iter)
			return LT_ENOCONVERGE;
		lt_status st = mse_fitter_iterate(w);
		if (st != LT_OK)
			return st;
		if (mse_fitter_converged(w, params->epsilon))
			return LT_OK;
	}
}

/* cov = (L L')^-1 from the factor in w->xtwx. */
static void covariance(struct mse_workspace *w)
{
	const unsigned p = w->p;
	const double *l = w->xtwx;
	double *c = w->cov;
	double col[LT_MSE_PARAMS_MAX];
	for (unsigned j = 0; j < p; j++) {
		memset(col, 0, sizeof(double) * p);
		col[j] = 1;
		chol_solve(l, p, col);
		for (unsigned i = 0; i < p; i++)
			c[(size_t)i * p + j] = col[i];
	}
}

void mse_fitter_result(struct mse_workspace *w, struct mse_fit *out)
{
	const struct mse_table *t = w->table;
	const unsigned p = w->p;
	memset(out, 0, sizeof(*out));
	out->nlists = w->nlists;
	out->nparams = p;
	memcpy(out->param_term, w->term, sizeof(uint32_t) * p);
	memcpy(out->coef, w->beta, sizeof(double) * p);
	if (!w->singular && w->iter > 0) {
		covariance(w);
		for (unsigned j = 0; j < p; j++)
			out->se[j] = sqrt(w->cov[(size_t)j * p + j]);
	} else {
		for (unsigned j = 0; j < p; j++)
			out->se[j] = NAN;
		memset(w->cov, 0, sizeof(double) * p * p);
	}
	out->nneginf = 0;
	for (unsigned k = 0; k < w->nneginf; k++)
		out->neginf_terms[out->nneginf++] = w->neginf[k];
	out->nparams_model = w->nparams_model;
	out->ncells = w->nkept;
	out->deviance = w->dev;
	out->df_residual = (double)w->nkept - (double)p;
	double ll = 0;
	for (size_t k = 0; k < w->nkept; k++) {
		size_t h = w->cells[k];
		double y = t->counts[h], mu = w->mu[h];
		ll += y > 0 ? y * log(mu) - mu - mse_lgamma(y + 1) : -mu;
	}
	out->loglik = ll;
	out->n = t->n;
	out->aic = 2.0 * w->nparams_model - 2 * ll;
	out->bic = w->nparams_model * log(t->n) - 2 * ll;
	out->log_dark = w->beta[0];
	out->log_dark_var = w->singular ? NAN : w->cov[0];
	out->dark = exp(w->beta[0]);
	out->total = t->n + out->dark;
	out->iterations = w->iter;
	out->converged = w->iter > 0 && w->valid && !w->singular;
}

lt_status mse_model_fit(struct mse_workspace *w, const struct mse_table *t,
                        const struct mse_model *m, const struct mse_fit_params *params,
                        struct mse_fit *out, struct lt_error *err)
{
	if (!(params->epsilon > 0) || params->max_iter < 1 || params->max_iter > LT_MSE_ITER_MAX)
		return lt_error_set(
		    err, LT_EINVAL, "",
		    "fit parameters out of range: epsilon %g, max_iter %u (1 to %d)",
		    params->epsilon, params->max_iter, LT_MSE_ITER_MAX);
	lt_status st = mse_fitter_init(w, t, m, err);
	if (st != LT_OK)
		return st;
	st = mse_fitter_run(w, params);
	mse_fitter_result(w, out);
	if (st == LT_ENOCONVERGE) {
		out->converged = false;
		return lt_error_set(err, st, "",
		                    "the fit did not converge in %u iterations (deviance %g, last "
		                    "change %g)",
		                    w->iter, w->dev, fabs(w->dev - w->dev_old));
	}
	if (st == LT_ENOTIDENT)
		return lt_error_set(err, st, "",
		                    "the model is not identifiable: its weighted normal equations "
		                    "are singular");
	return st;
}

const double *mse_workspace_fitted(const struct mse_workspace *w)
{
	return w->mu;
}

bool mse_workspace_cell_kept(const struct mse_workspace *w, uint32_t h)
{
	return h < w->ncells && w->kept[h];
}

const double *mse_workspace_cov(const struct mse_workspace *w)
{
	return w->cov;
}

double mse_fitted_margin(const struct mse_workspace *w, uint32_t mask)
{
	double s = 0;
	uint32_t rest = (uint32_t)(w->ncells - 1) & ~mask, sub = 0;
	do {
		uint32_t h = mask | sub;
		if (h != 0 && w->kept[h])
			s += w->mu[h];
		sub = (sub - rest) & rest;
	} while (sub != 0);
	return s;
}
