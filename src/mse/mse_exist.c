/*
 * mse_exist.c — does the (extended) MLE exist, and is the model identifiable?
 *
 * The checks are SparseMSE's checkident (Chan, Silverman & Vincent 2021,
 * JASA 116:1297, §3.3), generalised to any hierarchical model as
 * MultipleSystemsEstimation's check_extended_MLE does:
 *
 * 1. Existence (Fienberg & Rinaldo 2012, Ann. Statist. 40:996, Thm 3 and
 *    §4.1). After the -inf parameters and their cells are removed, the MLE
 *    of a Poisson log-linear model with design A (parameters x cells) exists
 *    iff the observed margins t = A y lie in the relative interior of the
 *    cone spanned by the columns of A, i.e. iff A x = t for some x > 0. The
 *    linear programme "maximise s subject to A x = t, x >= s, x, s >= 0" has
 *    a positive optimum exactly then (mse_glpk.c solves it). When every kept
 *    cell is observed, x = y is such a point and no LP is needed; the answer
 *    depends on the data only through which cells are non-zero.
 *    The optimum is compared with n / cells, the most s can be: below 1e-9
 *    of it is zero; between 1e-9 and 1e-6 the programme is solved again in
 *    exact rational arithmetic to decide.
 *
 * 2. Identifiability: the design restricted to the kept cells has full
 *    column rank. Its Gram matrix X'X is a table of counts of kept cells
 *    (entry jk counts the kept cells containing term_j ∪ term_k), computed
 *    by one superset-sum transform; a Cholesky factorisation that skips
 *    dependent columns gives the rank, and the skipped columns are the
 *    parameters R's QR would report as aliased (NA).
 *
 * Codes as SparseMSE's: 0 fine, 1 no MLE, 2 not identifiable, 3 both.
 */
#include "mse/mse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mse/mse_int.h"

#include "core/banned.h"

/* a[m] <- sum of a[h] over h ⊇ m. */
static void superset(double *a, unsigned nlists, size_t ncells)
{
	for (unsigned i = 0; i < nlists; i++) {
		size_t bit = (size_t)1 << i;
		for (size_t h = 0; h < ncells; h++)
			if (!(h & bit))
				a[h] += a[h | bit];
	}
}

/* The Gram matrix of the kept cells' design into w->cov; the rank of it,
 * with the dependent columns marked in `skipped`. */
static unsigned design_rank(struct mse_workspace *w, unsigned char *skipped)
{
	const unsigned p = w->p;
	double *a = w->a;
	for (size_t h = 0; h < w->ncells; h++)
		a[h] = w->kept[h] ? 1 : 0;
	for (unsigned i = 0; i < w->nlists; i++) {
		size_t bit = (size_t)1 << i;
		for (size_t h = 0; h < w->ncells; h++)
			if (!(h & bit))
				a[h] += a[h | bit];
	}
	double *g = w->cov;
	for (unsigned j = 0; j < p; j++)
		for (unsigned k = 0; k <= j; k++) {
			double v = a[w->term[j] | w->term[k]];
			g[(size_t)j * p + k] = v;
			g[(size_t)k * p + j] = v;
		}
	unsigned rank = 0;
	mse_cholesky(g, p, 1e-9, &rank, skipped);
	return rank;
}

static lt_status solve_lp(struct mse_workspace *w, bool exact, double *s, struct lt_error *err)
{
	if (!w->lp) {
		w->lp = mse_lp_alloc();
		if (!w->lp)
			return lt_error_set(err, LT_ENOMEM, "", "out of memory");
	}
	double rhs[LT_MSE_PARAMS_MAX];
	/* t = A y: the N* of each parameter (removed cells hold no cases). */
	double *ns = w->b;
	memcpy(ns, w->table->counts, w->ncells * sizeof(double));
	ns[0] = 0;
	for (unsigned i = 0; i < w->nlists; i++) {
		size_t bit = (size_t)1 << i;
		for (size_t h = 0; h < w->ncells; h++)
			if (!(h & bit))
				ns[h] += ns[h | bit];
	}
	for (unsigned j = 0; j < w->p; j++)
		rhs[j] = ns[w->term[j]];
	return mse_lp_max_min(w->lp, w->p, w->term, w->nkept, w->cells, rhs, exact, s, err);
}

/*
 * A certificate of existence without the LP. Run the fit; at convergence the
 * fitted values mu > 0 match the margins up to a residual r = t - A mu. The
 * least-norm correction delta = X (X'X)^-1 r solves A (mu + delta) = t, and
 * |delta|_inf <= |delta|_2 = sqrt(r' (X'X)^-1 r). So when the smallest
 * fitted value exceeds that bound (with a margin for rounding), mu + delta
 * is a positive solution and the MLE exists: the LP's answer, proved. When
 * the MLE does not exist some fitted values head for 0 and the test fails;
 * the caller then solves the LP. Needs full rank (the factor of X'X in
 * w->cov, from design_rank).
 */
static bool certify(struct mse_workspace *w)
{
	const unsigned p = w->p;
	double t[LT_MSE_PARAMS_MAX], r[LT_MSE_PARAMS_MAX];
	double *a = w->a;

	memcpy(a, w->table->counts, w->ncells * sizeof(double));
	a[0] = 0;
	superset(a, w->nlists, w->ncells);
	for (unsigned j = 0; j < p; j++)
		t[j] = a[w->term[j]];
	mse_fitter_start(w);
	unsigned extra = 0;
	for (unsigned it = 0; it < 40; it++) {
		if (mse_fitter_iterate(w) != LT_OK)
			return false;
		if (!mse_fitter_converged(w, 1e-8))
			continue;
		double minmu = INFINITY;
		memset(a, 0, w->ncells * sizeof(double));
		for (size_t k = 0; k < w->nkept; k++) {
			size_t h = w->cells[k];
			a[h] = w->mu[h];
			if (w->mu[h] < minmu)
				minmu = w->mu[h];
		}
		superset(a, w->nlists, w->ncells);
		for (unsigned j = 0; j < p; j++)
			r[j] = t[j] - a[w->term[j]];
		/* q = r' G^-1 r with G = L L': solve L z = r, q = z'z. */
		const double *l = w->cov;
		double q = 0;
		for (unsigned i = 0; i < p; i++) {
			double z = r[i];
			for (unsigned k = 0; k < i; k++)
				z -= l[(size_t)i * p + k] * r[k];
			z /= l[(size_t)i * p + i];
			r[i] = z;
			q += z * z;
		}
		if (minmu > 10 * sqrt(q) + 1e-12 * w->table->n)
			return true;
		if (++extra > 4)
			return false;
	}
	return false;
}

lt_status mse_model_check(struct mse_workspace *w, const struct mse_table *t,
                          const struct mse_model *m, struct mse_check *out, struct lt_error *err)
{
	unsigned char skipped[LT_MSE_PARAMS_MAX];
	memset(out, 0, sizeof(*out));
	lt_status st = mse_design_setup(w, t, m, err);
	if (st != LT_OK)
		return st;

	unsigned rank = design_rank(w, skipped);
	out->rank_deficiency = w->p - rank;
	if (out->rank_deficiency > 0)
		out->code |= MSE_CHECK_NOT_IDENT;

	bool all_observed = true;
	for (size_t k = 0; k < w->nkept && all_observed; k++)
		all_observed = t->counts[w->cells[k]] > 0;
	if (all_observed || (out->rank_deficiency == 0 && certify(w))) {
		out->lp_optimum = INFINITY;
		return LT_OK;
	}
	double smax = t->n / (double)w->nkept, s = 0;
	st = solve_lp(w, false, &s, err);
	if (st != LT_OK)
		return st;
	if (s > 1e-9 * smax && s < 1e-6 * smax) {
		st = solve_lp(w, true, &s, err);
		if (st != LT_OK)
			return st;
		if (s > 0 && s <= 1e-9 * smax)
			s = 2e-9 * smax; /* exact and positive: it exists */
	}
	out->lp_optimum = s;
	if (!(s > 1e-9 * smax)) {
		out->lp_optimum = 0;
		out->code |= MSE_CHECK_NO_MLE;
	}
	return LT_OK;
}

/* Append to buf, keeping it terminated; silently cut when full. */
LT_PRINTF(3, 4)
static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, cap - used, fmt, ap);
	va_end(ap);
}

static void model_words(const struct mse_table *t, const struct mse_model *m, char *buf, size_t cap)
{
	if (m->nterms == 0) {
		snprintf(buf, cap, "the main-effects model");
		return;
	}
	char f[256];
	if (mse_model_format(t, m, f, sizeof(f)) != LT_OK)
		snprintf(f + sizeof(f) - 5, 5, "...");
	snprintf(buf, cap, "the model %s", f);
}

lt_status mse_check_explain(struct mse_workspace *w, const struct mse_table *t,
                            const struct mse_model *m, const struct mse_check *c,
                            struct lt_error *err)
{
	char msg[LT_MESSAGE_MAX] = "";
	char words[300], name[LT_MSE_LISTS_MAX * (LT_MSE_NAME_MAX + 1) + 1];
	unsigned char skipped[LT_MSE_PARAMS_MAX];
	lt_status st;

	if (c->code == MSE_CHECK_OK)
		return LT_OK;
	st = mse_design_setup(w, t, m, err);
	if (st != LT_OK)
		return st;
	model_words(t, m, words, sizeof(words));

	if (c->code & MSE_CHECK_NO_MLE) {
		append(msg, sizeof(msg),
		       "the MLE does not exist: under %s the observed margins force a fitted "
		       "count of 0 on ",
		       words);
		double s;
		unsigned nforced = 0;
		if (solve_lp(w, false, &s, err) == LT_OK) {
			for (size_t k = 0; k < w->nkept; k++) {
				uint32_t h = w->cells[k];
				double v = 0;
				if (t->counts[h] > 0)
					continue;
				if (mse_lp_max_cell(w->lp, k, &v, err) != LT_OK)
					break;
				if (v > 1e-9)
					continue;
				if (nforced < 8) {
					char hist[LT_MSE_LISTS_MAX + 1];
					mse_history_format(t->nlists, h, hist, sizeof(hist));
					append(msg, sizeof(msg), "%s%s",
					       nforced ? ", " : "histories ", hist);
				} else if (nforced == 8) {
					append(msg, sizeof(msg), ", ...");
				}
				nforced++;
			}
		}
		if (nforced == 0)
			append(msg, sizeof(msg), "some unobserved histories");
		append(msg, sizeof(msg),
		       ", so some parameters would have to be infinite; choose a model with "
		       "fewer interaction terms");
	}
	if (c->code & MSE_CHECK_NOT_IDENT) {
		unsigned rank = design_rank(w, skipped);
		if (c->code & MSE_CHECK_NO_MLE)
			append(msg, sizeof(msg), "; it is also not identifiable: ");
		else
			append(msg, sizeof(msg), "not identifiable: under %s, ", words);
		if (w->nneginf > 0) {
			append(msg, sizeof(msg), "once the histories containing ");
			for (unsigned k = 0; k < w->nneginf; k++) {
				mse_term_format(t, w->neginf[k], name, sizeof(name));
				append(msg, sizeof(msg), "%s%s",
				       k == 0                ? ""
				       : k + 1 == w->nneginf ? " or "
				                             : ", ",
				       name);
			}
			append(msg, sizeof(msg),
			       " (whose lists share no case) are removed, the %zu histories left "
			       "determine",
			       w->nkept);
		} else {
			append(msg, sizeof(msg), "the %zu histories determine", w->nkept);
		}
		append(msg, sizeof(msg), " only %u of the %u parameters (", rank, w->p);
		unsigned shown = 0;
		for (unsigned j = 0; j < w->p; j++) {
			if (!skipped[j])
				continue;
			if (w->term[j] == 0)
				snprintf(name, sizeof(name), "the intercept");
			else
				mse_term_format(t, w->term[j], name, sizeof(name));
			append(msg, sizeof(msg), "%s%s", shown ? ", " : "", name);
			shown++;
		}
		append(msg, sizeof(msg), " %s not separable from the others)",
		       shown == 1 ? "is" : "are");
	}
	return lt_error_set(err, (c->code & MSE_CHECK_NO_MLE) ? LT_ENOMLE : LT_ENOTIDENT, "", "%s",
	                    msg);
}
