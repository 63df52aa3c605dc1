/*
 * mse_select_fast.c — the fast fitter and existence check of model search.
 *
 * See mse_select_int.h for why it exists and the identities it rests on.
 * The iteration is R's glm.fit for the Poisson family with the log link
 * (R Core Team, src/library/stats/R/glm.R): mu starts at y + 0.1 and
 * eta at log(mu); each step solves the weighted normal equations
 * (X'WX) beta = X'Wz with W = diag(mu), z = eta + (y - mu)/mu; the fit stops
 * when |dev - dev_old| / (|dev| + 0.1) < epsilon. A deviance that is not
 * finite halves the step towards the previous coefficients, as glm.fit does.
 * R solves the weighted least-squares problem by a QR factorisation and this
 * file by Cholesky on the normal equations; the iterates agree to rounding
 * (about 1e-12 relative on these well-conditioned 0/1 designs). The
 * variance of the intercept is [(X'WX)^-1]_00 with W from the last step,
 * which is what R's summary.glm reports as cov.unscaled[1, 1].
 *
 * Cells removed. A parameter whose margin N* is 0 — an interaction no case
 * has all the lists of, or (in a resample) a main effect of an empty list —
 * has MLE -inf (Chan, Silverman & Vincent 2021 §3.2): it is dropped and every
 * cell containing it is fitted as 0 and left out of the deviance and the
 * likelihood, as SparseMSE's buildmodel and MultipleSystemsEstimation's
 * fit_hier_model do.
 */
#include "mse/mse_select_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/bug.h"
#include "mse/mse_int.h"

#include "core/banned.h"

/* A relative pivot below this in the Cholesky factorisation of X'WX means
 * the design restricted to the kept cells is rank deficient. For 0/1
 * designs a true deficiency leaves a pivot of rounding size (~1e-16 of the
 * diagonal); a regular one is far above. */
#define PIVOT_TOL 1e-12
/* msel_certify: the largest change of a log fitted value allowed in the
 * second extra Newton step. A diverging direction moves by about 1. */
#define CERTIFY_TOL 1e-6
/* glm.fit halves a step whose deviance is not finite; it gives up after
 * maxit halvings. */
#define HALVINGS_MAX 60

struct msel_fast *msel_fast_alloc(unsigned nlists, size_t max_params)
{
	if (nlists < 2 || nlists > LT_MSE_LISTS_MAX || max_params < 1 + (size_t)nlists ||
	    max_params > LT_MSE_PARAMS_MAX)
		return NULL;
	struct msel_fast *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->nlists = nlists;
	f->ncells = (size_t)1 << nlists;
	f->max_params = max_params;
	size_t nc = f->ncells, mp = max_params;
	f->nstar = calloc(nc, sizeof(double));
	f->par = calloc(mp, sizeof(uint32_t));
	f->kept = calloc(nc, 1);
	f->beta = calloc(nc, sizeof(double));
	f->eta = calloc(nc, sizeof(double));
	f->mu = calloc(nc, sizeof(double));
	f->aux = calloc(nc, sizeof(double));
	f->aux2 = calloc(nc, sizeof(double));
	f->scratch = calloc(4 * nc, sizeof(double));
	f->h = calloc(2 * mp * mp, sizeof(double));
	f->b = calloc(mp, sizeof(double));
	f->coef = calloc(mp, sizeof(double));
	f->coef_old = calloc(4 * mp, sizeof(double));
	if (!f->nstar || !f->par || !f->kept || !f->beta || !f->eta || !f->mu || !f->aux ||
	    !f->aux2 || !f->scratch || !f->h || !f->b || !f->coef || !f->coef_old) {
		msel_fast_free(f);
		return NULL;
	}
	return f;
}

void msel_fast_free(struct msel_fast *f)
{
	if (!f)
		return;
	free(f->nstar);
	free(f->par);
	free(f->kept);
	free(f->beta);
	free(f->eta);
	free(f->mu);
	free(f->aux);
	free(f->aux2);
	free(f->scratch);
	free(f->h);
	free(f->b);
	free(f->coef);
	free(f->coef_old);
	free(f);
}

/* a[U] <- sum of a[h] over h ⊇ U. */
static void superset_sum(double *a, unsigned t, size_t n)
{
	for (unsigned i = 0; i < t; i++) {
		size_t bit = (size_t)1 << i;
		for (size_t base = 0; base < n; base += 2 * bit)
			for (size_t c = base; c < base + bit; c++)
				a[c] += a[c + bit];
	}
}

/* a[h] <- sum of a[S] over S ⊆ h. */
static void subset_sum(double *a, unsigned t, size_t n)
{
	for (unsigned i = 0; i < t; i++) {
		size_t bit = (size_t)1 << i;
		for (size_t base = 0; base < n; base += 2 * bit)
			for (size_t c = base; c < base + bit; c++)
				a[c + bit] += a[c];
	}
}

void msel_fast_set_table(struct msel_fast *f, const struct mse_table *t)
{
	LT_ASSERT(t->nlists == f->nlists);
	f->y = t->counts;
	memcpy(f->nstar, t->counts, f->ncells * sizeof(double));
	f->nstar[0] = 0;
	superset_sum(f->nstar, f->nlists, f->ncells);
	f->n = f->nstar[0];
	f->fitted = false;
}

/* Lower Cholesky factor of the p x p matrix a (row-major, lower triangle
 * read) in place. False when a pivot is not clearly positive. */
static bool cholesky(double *a, unsigned p)
{
	for (unsigned j = 0; j < p; j++) {
		double *rj = a + (size_t)j * p;
		double d = rj[j];
		double diag = d;
		for (unsigned k = 0; k < j; k++)
			d -= rj[k] * rj[k];
		if (!(d > PIVOT_TOL * diag) || !(d > 0))
			return false;
		d = sqrt(d);
		rj[j] = d;
		for (unsigned i = j + 1; i < p; i++) {
			double *ri = a + (size_t)i * p;
			double s = ri[j];
			for (unsigned k = 0; k < j; k++)
				s -= ri[k] * rj[k];
			ri[j] = s / d;
		}
	}
	return true;
}

/* Solve L L' x = b in place (L from cholesky). */
static void chol_solve(const double *l, unsigned p, double *b)
{
	for (unsigned i = 0; i < p; i++) {
		const double *ri = l + (size_t)i * p;
		double s = b[i];
		for (unsigned k = 0; k < i; k++)
			s -= ri[k] * b[k];
		b[i] = s / ri[i];
	}
	for (unsigned i = p; i-- > 0;) {
		double s = b[i];
		for (unsigned k = i + 1; k < p; k++)
			s -= l[(size_t)k * p + i] * b[k];
		b[i] = s / l[(size_t)i * p + i];
	}
}

/* [(L L')^-1]_kk = |L^-1 e_k|^2, using `w` (p doubles) as scratch. */
static double chol_inv_diag(const double *l, unsigned p, unsigned k, double *w)
{
	double s2 = 0;
	for (unsigned i = 0; i < p; i++) {
		const double *ri = l + (size_t)i * p;
		double s = (i == k) ? 1.0 : 0.0;
		for (unsigned j = k; j < i; j++)
			s -= ri[j] * w[j];
		w[i] = (i < k) ? 0.0 : s / ri[i];
		s2 += w[i] * w[i];
	}
	return s2;
}

/* Poisson deviance over the kept cells of fitted values mu. */
static double deviance(const struct msel_fast *f, const double *mu)
{
	double dev = 0;
	for (size_t c = 1; c < f->ncells; c++) {
		if (!f->kept[c])
			continue;
		double y = f->y[c], m = mu[c];
		dev += (y > 0 ? y * log(y / m) : 0.0) - (y - m);
	}
	return 2 * dev;
}

/* eta and mu from coefficients `coef` (par order) into the given arrays;
 * `beta` is an ncells scratch. */
static void linear_predictor(const struct msel_fast *f, const double *coef, double *beta,
                             double *eta, double *mu)
{
	memset(beta, 0, f->ncells * sizeof(double));
	for (unsigned i = 0; i < f->p; i++)
		beta[f->par[i]] = coef[i];
	memcpy(eta, beta, f->ncells * sizeof(double));
	subset_sum(eta, f->nlists, f->ncells);
	for (size_t c = 0; c < f->ncells; c++)
		mu[c] = (c && f->kept[c]) ? exp(eta[c]) : 0.0;
}

/* Fill h (lower triangle) with X'WX from the superset sums `m`. */
static void normal_matrix(const struct msel_fast *f, const double *m, double *h)
{
	unsigned p = f->p;
	for (unsigned i = 0; i < p; i++)
		for (unsigned j = 0; j <= i; j++)
			h[(size_t)i * p + j] = m[f->par[i] | f->par[j]];
}

/* Set up the parameters and kept cells of a model. LT_ETOOBIG when the
 * workspace is too small. */
static lt_status setup_model(struct msel_fast *f, const uint32_t *terms, unsigned nterms)
{
	unsigned char *mark = f->kept; /* marks of -inf parameters, then closed upwards */
	memset(mark, 0, f->ncells);
	f->p = 0;
	f->nneginf = 0;
	f->par[f->p++] = 0;
	for (unsigned i = 0; i < f->nlists; i++) {
		uint32_t m = (uint32_t)1 << i;
		if (f->nstar[m] > 0) {
			f->par[f->p++] = m;
		} else {
			mark[m] = 1;
			f->nneginf++;
		}
	}
	for (unsigned k = 0; k < nterms; k++) {
		uint32_t m = terms[k];
		LT_ASSERT(m < f->ncells && (m & (m - 1)) != 0);
		if (f->nstar[m] > 0) {
			if (f->p >= f->max_params)
				return LT_ETOOBIG;
			f->par[f->p++] = m;
		} else {
			mark[m] = 1;
			f->nneginf++;
		}
	}
	if (f->nneginf) {
		for (unsigned i = 0; i < f->nlists; i++) {
			size_t bit = (size_t)1 << i;
			for (size_t base = 0; base < f->ncells; base += 2 * bit)
				for (size_t c = base; c < base + bit; c++)
					mark[c + bit] |= mark[c];
		}
	}
	f->nkept = 0;
	mark[0] = 1;
	for (size_t c = 0; c < f->ncells; c++) {
		mark[c] = !mark[c];
		f->nkept += mark[c];
	}
	return LT_OK;
}

lt_status msel_fast_fit(struct msel_fast *f, const uint32_t *terms, unsigned nterms,
                        const struct mse_fit_params *params, struct msel_fit *out)
{
	memset(out, 0, sizeof(*out));
	f->fitted = false;
	f->singular = false;
	lt_status st = setup_model(f, terms, nterms);
	if (st != LT_OK)
		return st;
	unsigned p = f->p;
	size_t nc = f->ncells;
	const double *y = f->y;
	double *mu = f->mu, *eta = f->eta, *m = f->aux, *v = f->aux2;

	/* glm.fit's start: mu = y + 0.1, eta = log(mu). */
	for (size_t c = 0; c < nc; c++) {
		if (c && f->kept[c]) {
			mu[c] = y[c] + 0.1;
			eta[c] = log(mu[c]);
		} else {
			mu[c] = 0;
			eta[c] = 0;
		}
	}
	double dev_old = deviance(f, mu);
	double dev = dev_old;
	bool have_old = false, conv = false;
	unsigned iter = 0;
	while (iter < params->max_iter) {
		iter++;
		for (size_t c = 0; c < nc; c++) {
			m[c] = mu[c];
			v[c] = (c && f->kept[c]) ? mu[c] * eta[c] + y[c] - mu[c] : 0.0;
		}
		superset_sum(m, f->nlists, nc);
		superset_sum(v, f->nlists, nc);
		normal_matrix(f, m, f->h);
		for (unsigned i = 0; i < p; i++)
			f->b[i] = v[f->par[i]];
		if (!cholesky(f->h, p)) {
			f->singular = true;
			return LT_ENOTIDENT;
		}
		chol_solve(f->h, p, f->b);
		memcpy(f->coef, f->b, p * sizeof(double));
		linear_predictor(f, f->coef, f->beta, eta, mu);
		dev = deviance(f, mu);
		unsigned halvings = 0;
		while (!isfinite(dev)) {
			if (!have_old || ++halvings > HALVINGS_MAX) {
				out->iterations = iter;
				return LT_ENOCONVERGE;
			}
			for (unsigned i = 0; i < p; i++)
				f->coef[i] = (f->coef[i] + f->coef_old[i]) / 2;
			linear_predictor(f, f->coef, f->beta, eta, mu);
			dev = deviance(f, mu);
		}
		if (fabs(dev - dev_old) / (fabs(dev) + 0.1) < params->epsilon) {
			conv = true;
			break;
		}
		dev_old = dev;
		memcpy(f->coef_old, f->coef, p * sizeof(double));
		have_old = true;
	}

	/* The margins of the final fit, for msel_fast_margin. */
	memcpy(m, mu, nc * sizeof(double));
	superset_sum(m, f->nlists, nc);
	f->fitted = true;

	double loglik = 0;
	for (size_t c = 1; c < nc; c++) {
		if (!f->kept[c])
			continue;
		int sign;
		loglik += (y[c] > 0 ? y[c] * log(mu[c]) : 0.0) - mu[c] - lgamma_r(y[c] + 1, &sign);
	}
	unsigned k = p + f->nneginf;
	out->converged = conv;
	out->iterations = iter;
	out->nparams = p;
	out->nneginf = f->nneginf;
	out->nparams_model = k;
	out->n = f->n;
	out->log_dark = f->coef[0];
	out->log_dark_var = chol_inv_diag(f->h, p, 0, f->b);
	out->dark = exp(f->coef[0]);
	out->total = f->n + out->dark;
	out->deviance = dev;
	out->loglik = loglik;
	out->aic = 2.0 * k - 2 * loglik;
	out->bic = k * log(f->n) - 2 * loglik;
	return conv ? LT_OK : LT_ENOCONVERGE;
}

double msel_fast_margin(const struct msel_fast *f, uint32_t mask)
{
	LT_ASSERT(f->fitted && mask < f->ncells);
	return f->aux[mask];
}

bool msel_fast_coef(const struct msel_fast *f, uint32_t mask, double *coef, double *var)
{
	if (!f->fitted)
		return false;
	for (unsigned i = 0; i < f->p; i++) {
		if (f->par[i] == mask) {
			*coef = f->coef[i];
			*var = chol_inv_diag(f->h, f->p, i, f->b);
			return true;
		}
	}
	return false;
}

bool msel_certify(struct msel_fast *f)
{
	if (!f->fitted || f->singular)
		return false;
	unsigned p = f->p;
	size_t nc = f->ncells;
	double *beta = f->scratch, *eta = f->scratch + nc, *mu = f->scratch + 2 * nc,
	       *m = f->scratch + 3 * nc;
	double *h = f->h + (size_t)f->max_params * f->max_params; /* the second p x p block */
	double *c2 = f->coef_old + f->max_params, *g = f->coef_old + 2 * f->max_params;
	memcpy(c2, f->coef, p * sizeof(double));
	double step = INFINITY;
	for (int k = 0; k < 2; k++) {
		linear_predictor(f, c2, beta, eta, mu);
		memcpy(m, mu, nc * sizeof(double));
		for (size_t c = 1; c < nc; c++)
			if (f->kept[c] && !(mu[c] > 0 && isfinite(mu[c])))
				return false;
		superset_sum(m, f->nlists, nc);
		normal_matrix(f, m, h);
		for (unsigned i = 0; i < p; i++)
			g[i] = f->nstar[f->par[i]] - m[f->par[i]];
		if (!cholesky(h, p))
			return false;
		chol_solve(h, p, g);
		/* The change of every log fitted value: X delta. */
		memset(beta, 0, nc * sizeof(double));
		for (unsigned i = 0; i < p; i++) {
			beta[f->par[i]] = g[i];
			c2[i] += g[i];
		}
		subset_sum(beta, f->nlists, nc);
		step = 0;
		for (size_t c = 1; c < nc; c++)
			if (f->kept[c] && fabs(beta[c]) > step)
				step = fabs(beta[c]);
		if (!isfinite(step))
			return false;
	}
	return step < CERTIFY_TOL;
}

lt_status msel_check_fit(struct msel_fast *f, struct mse_workspace *w, const struct mse_table *t,
                         const uint32_t *terms, unsigned nterms,
                         const struct mse_fit_params *params, struct msel_check *out,
                         struct lt_error *err)
{
	memset(out, 0, sizeof(*out));
	out->fit_status = msel_fast_fit(f, terms, nterms, params, &out->fit);
	if (out->fit_status == LT_ETOOBIG)
		return lt_error_set(err, LT_ETOOBIG, "",
		                    "the model has more parameters than allowed");
	if (out->fit_status == LT_OK && msel_certify(f)) {
		out->code = MSE_CHECK_OK;
		out->certified = true;
		return LT_OK;
	}
	struct mse_model m;
	mse_model_init(&m, t->nlists);
	for (unsigned k = 0; k < nterms; k++) {
		lt_status st = mse_model_add(&m, terms[k]);
		if (st != LT_OK)
			return lt_error_set(err, st, "", "the model has too many terms");
	}
	struct mse_check c;
	lt_status st = mse_model_check(w, t, &m, &c, err);
	if (st != LT_OK)
		return st;
	out->code = c.code;
	return LT_OK;
}

double msel_poisson_two_tail_min(double obs, double mu)
{
	if (!(mu > 0))
		return obs > 0 ? 0.0 : 1.0;
	double lower = mse_ppois(obs, mu);
	double upper = obs > 0 ? mse_ppois_upper(obs - 1, mu) : 1.0;
	return lower < upper ? lower : upper;
}
