/*
 * mse_select.c — the workspace, main and fixed models, SparseMSE's stepwise
 * selection and the Home Office's forward AIC.
 *
 * Stepwise (Chan, Silverman & Vincent 2021, JASA 116:1297, §4; SparseMSE's
 * stepwisefit). Start from main effects. In each cycle, for every pair
 * {i, j} not in the model, N* is the number of cases on both lists and mu*
 * the sum of the current fitted values over the kept cells that contain
 * both; under the current model N* is Poisson(mu*) (Chan et al., §4.1), and
 * the pair's score is min(P(X <= N*), P(X >= N*)). A pair whose enlarged
 * model fails checkident scores 1. If the smallest score is below the
 * threshold, the first pair (in the order (1,2), (1,3), ..., (1,t), (2,3),
 * ...) with that score is added and the cycle repeats; otherwise the search
 * stops. SparseMSE checks every candidate in every cycle; the answer only
 * needs the best-scoring candidates that pass, so without a trace the
 * candidates are checked in order of score until one passes or the scores
 * reach the threshold — the same model for a fraction of the checks, which
 * matters when a bootstrap reruns the search a thousand times.
 *
 * AIC (Silverman 2014, Home Office; modslavmse's MSEfit, which fits with
 * Rcapture's closedpCI.t). Start from main effects with AIC a0. In each
 * cycle fit every model with one more pair; if none has AIC below a0, stop.
 * Otherwise take the first pair of lowest AIC; if its Wald p-value in the
 * enlarged model, 2 Phi(-|beta/se|), exceeds the threshold, stop without it;
 * else add it and set a0 to its AIC. The AIC counts every parameter of the
 * model and the Poisson log-likelihood with log y! (R's glm), so it is
 * Rcapture's. Rcapture knows no -inf terms: a pair with no case in common
 * makes its fit diverge, the AIC tends to the extended one computed here,
 * and the coefficient's z to 0, so its p-value tends to 1 and such a pair is
 * never added. Candidates whose MLE does not exist even in the extended
 * sense, or which are not identifiable, have no AIC here and are passed
 * over.
 */
#include "mse/mse_select.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/bug.h"
#include "mse/mse_int.h"
#include "mse/mse_select_int.h"

#include "core/banned.h"

static const char *const method_names[] = {
    [MSE_SELECT_MAIN] = "main", [MSE_SELECT_FIXED] = "fixed", [MSE_SELECT_STEPWISE] = "stepwise",
    [MSE_SELECT_AIC] = "aic",   [MSE_SELECT_BIC] = "bic",     [MSE_SELECT_AVERAGE] = "average",
};

const char *mse_select_method_name(enum mse_select_method m)
{
	if ((unsigned)m < sizeof(method_names) / sizeof(method_names[0]))
		return method_names[m];
	return "?";
}

lt_status mse_select_method_parse(const char *s, enum mse_select_method *out, struct lt_error *err)
{
	for (unsigned i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++) {
		if (s && strcmp(s, method_names[i]) == 0) {
			*out = (enum mse_select_method)i;
			return LT_OK;
		}
	}
	return lt_error_set(err, LT_EINVAL, "method",
	                    "the method must be stepwise, aic, bic, average, fixed or main");
}

lt_status mse_select_params_check(const struct mse_select_params *p, struct lt_error *err)
{
	if (!(p->stepwise_p >= 0 && p->stepwise_p <= 1))
		return lt_error_set(err, LT_EINVAL, "stepwise_p",
		                    "the stepwise threshold must be between 0 and 1");
	if (!(p->aic_p >= 0 && p->aic_p <= 1))
		return lt_error_set(err, LT_EINVAL, "aic_p",
		                    "the AIC threshold must be between 0 and 1");
	if (!(p->level > 0 && p->level < 1))
		return lt_error_set(err, LT_EINVAL, "level",
		                    "the interval level must be between 0 and 1");
	if (p->nthreads < 1 || p->nthreads > MSE_SELECT_THREADS_MAX)
		return lt_error_set(err, LT_EINVAL, "nthreads", "threads must be 1 to %d",
		                    MSE_SELECT_THREADS_MAX);
	if (!(p->fit.epsilon > 0 && p->fit.epsilon < 1))
		return lt_error_set(err, LT_EINVAL, "epsilon",
		                    "the convergence tolerance must be between 0 and 1");
	if (p->fit.max_iter < 1 || p->fit.max_iter > LT_MSE_ITER_MAX)
		return lt_error_set(err, LT_EINVAL, "max_iter", "iterations must be 1 to %d",
		                    LT_MSE_ITER_MAX);
	return LT_OK;
}

struct mse_select_workspace *mse_select_workspace_alloc(unsigned nlists, unsigned nthreads)
{
	if (nlists < 2 || nlists > LT_MSE_LISTS_MAX || nthreads < 1 ||
	    nthreads > MSE_SELECT_THREADS_MAX)
		return NULL;
	struct mse_select_workspace *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->nlists = nlists;
	w->nthreads = nthreads;
	/* Up to six lists any hierarchical model fits (at most 2^t
	 * parameters); beyond, whatever the core allows. */
	w->max_params =
	    nlists <= MSE_SELECT_BIC_LISTS_MAX ? (size_t)1 << nlists : (size_t)LT_MSE_PARAMS_MAX;
	w->npairs = (size_t)nlists * (nlists - 1) / 2;
	for (unsigned i = 0; i < nthreads; i++) {
		w->fast[i] = msel_fast_alloc(nlists, w->max_params);
		w->core[i] = mse_workspace_alloc(nlists, w->max_params);
		if (!w->fast[i] || !w->core[i])
			goto fail;
	}
	w->pairs = calloc(w->npairs, sizeof(uint32_t));
	w->cand = calloc(w->npairs, sizeof(*w->cand));
	w->order = calloc(w->npairs, sizeof(size_t));
	w->terms = calloc(LT_MSE_TERMS_MAX + 1, sizeof(uint32_t));
	if (!w->pairs || !w->cand || !w->order || !w->terms)
		goto fail;
	size_t k = 0;
	for (unsigned i = 0; i < nlists; i++)
		for (unsigned j = i + 1; j < nlists; j++)
			w->pairs[k++] = (1u << i) | (1u << j);
	return w;
fail:
	mse_select_workspace_free(w);
	return NULL;
}

void mse_select_workspace_free(struct mse_select_workspace *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->nthreads; i++) {
		msel_fast_free(w->fast[i]);
		mse_workspace_free(w->core[i]);
	}
	free(w->pairs);
	free(w->cand);
	free(w->order);
	free(w->terms);
	free(w);
}

struct mse_stepwise_trace *mse_stepwise_trace_alloc(unsigned nlists)
{
	if (nlists < 2 || nlists > LT_MSE_LISTS_MAX)
		return NULL;
	struct mse_stepwise_trace *tr = calloc(1, sizeof(*tr));
	if (!tr)
		return NULL;
	tr->npairs = (size_t)nlists * (nlists - 1) / 2;
	tr->cycles = calloc(tr->npairs + 1, sizeof(*tr->cycles));
	tr->store = calloc((tr->npairs + 1) * tr->npairs, sizeof(*tr->store));
	if (!tr->cycles || !tr->store) {
		mse_stepwise_trace_free(tr);
		return NULL;
	}
	return tr;
}

void mse_stepwise_trace_free(struct mse_stepwise_trace *tr)
{
	if (!tr)
		return;
	free(tr->cycles);
	free(tr->store);
	free(tr);
}

void msel_selection_from_fit(struct mse_selection *out, enum mse_select_method method,
                             const struct mse_model *m, const struct msel_fit *f)
{
	out->method = method;
	if (m != &out->model)
		out->model = *m;
	out->n = f->n;
	out->total = f->total;
	out->log_dark = f->log_dark;
	out->log_dark_var = f->log_dark_var;
	out->loglik = f->loglik;
	out->aic = f->aic;
	out->bic = f->bic;
	out->nparams_model = f->nparams_model;
	out->nneginf = f->nneginf;
	out->nmodels = 0;
	out->level = out->lower = out->upper = NAN;
}

static lt_status start(struct mse_select_workspace *w, const struct mse_table *t,
                       const struct mse_select_params *p, struct lt_error *err)
{
	lt_status st = mse_select_params_check(p, err);
	if (st != LT_OK)
		return st;
	if (t->nlists != w->nlists)
		return lt_error_set(err, LT_EINVAL, "",
		                    "the workspace is for %u lists, the table has %u", w->nlists,
		                    t->nlists);
	msel_fast_set_table(w->fast[0], t);
	return LT_OK;
}

/* Fit the model in w->terms[0..nterms-1] (known to pass the check) with the
 * fast fitter, turning failures into errors. */
static lt_status fit_chosen(struct mse_select_workspace *w, unsigned nterms,
                            const struct mse_select_params *p, struct msel_fit *fit,
                            struct lt_error *err)
{
	lt_status st = msel_fast_fit(w->fast[0], w->terms, nterms, &p->fit, fit);
	if (st == LT_ENOCONVERGE)
		return lt_error_set(err, st, "", "the fit did not converge in %u iterations",
		                    p->fit.max_iter);
	if (st == LT_ENOTIDENT)
		return lt_error_set(err, st, "", "the weighted normal equations are singular");
	if (st != LT_OK)
		return lt_error_set(err, st, "", "the model has too many parameters");
	return LT_OK;
}

lt_status mse_select_fixed(struct mse_select_workspace *w, const struct mse_table *t,
                           const struct mse_model *m, const struct mse_select_params *p,
                           struct mse_selection *out, struct lt_error *err)
{
	lt_status st = start(w, t, p, err);
	if (st != LT_OK)
		return st;
	if (m->nlists != t->nlists)
		return lt_error_set(err, LT_EINVAL, "model",
		                    "the model is for %u lists, the table has %u", m->nlists,
		                    t->nlists);
	struct msel_check c;
	st = msel_check_fit(w->fast[0], w->core[0], t, m->terms, m->nterms, &p->fit, &c, err);
	if (st != LT_OK)
		return st;
	if (c.code != MSE_CHECK_OK) {
		struct mse_check mc;
		st = mse_model_check(w->core[0], t, m, &mc, err);
		if (st != LT_OK)
			return st;
		return mse_check_explain(w->core[0], t, m, &mc, err);
	}
	/* The numbers of a model the analyst names come from the reference fit. */
	struct mse_fit f;
	st = mse_model_fit(w->core[0], t, m, &p->fit, &f, err);
	if (st != LT_OK)
		return st;
	struct msel_fit sf = {.converged = f.converged,
	                      .iterations = f.iterations,
	                      .nparams = f.nparams,
	                      .nneginf = f.nneginf,
	                      .nparams_model = f.nparams_model,
	                      .n = f.n,
	                      .log_dark = f.log_dark,
	                      .log_dark_var = f.log_dark_var,
	                      .dark = f.dark,
	                      .total = f.total,
	                      .deviance = f.deviance,
	                      .loglik = f.loglik,
	                      .aic = f.aic,
	                      .bic = f.bic};
	msel_selection_from_fit(out, m->nterms ? MSE_SELECT_FIXED : MSE_SELECT_MAIN, m, &sf);
	return LT_OK;
}

/* Check the current model plus `pair` (w->terms holds the current terms). */
static lt_status check_candidate(struct mse_select_workspace *w, const struct mse_table *t,
                                 unsigned nterms, uint32_t pair, const struct mse_select_params *p,
                                 struct msel_check *c, struct lt_error *err)
{
	w->terms[nterms] = pair;
	return msel_check_fit(w->fast[0], w->core[0], t, w->terms, nterms + 1, &p->fit, c, err);
}

lt_status mse_select_stepwise(struct mse_select_workspace *w, const struct mse_table *t,
                              const struct mse_select_params *p, struct mse_selection *out,
                              struct mse_stepwise_trace *trace, struct lt_error *err)
{
	lt_status st = start(w, t, p, err);
	if (st != LT_OK)
		return st;
	if (trace) {
		if (trace->npairs != w->npairs)
			return lt_error_set(err, LT_EINVAL, "trace",
			                    "the trace is for another number of lists");
		trace->ncycles = 0;
	}
	struct mse_model *model = &out->model;
	struct msel_fit fit;
	double pthresh = p->stepwise_p;

	if (pthresh == 1) {
		/* SparseMSE: all pairs when that model passes the check. */
		mse_model_all_pairs(model, t->nlists);
		struct msel_check c;
		st = msel_check_fit(w->fast[0], w->core[0], t, model->terms, model->nterms, &p->fit,
		                    &c, err);
		if (st != LT_OK)
			return st;
		if (c.code == MSE_CHECK_OK) {
			memcpy(w->terms, model->terms, model->nterms * sizeof(uint32_t));
			st = fit_chosen(w, model->nterms, p, &fit, err);
			if (st != LT_OK)
				return st;
			msel_selection_from_fit(out, MSE_SELECT_STEPWISE, model, &fit);
			return LT_OK;
		}
	}
	mse_model_init(model, t->nlists);
	st = fit_chosen(w, 0, p, &fit, err);
	if (st != LT_OK)
		return st;
	if (pthresh == 0) {
		msel_selection_from_fit(out, MSE_SELECT_STEPWISE, model, &fit);
		return LT_OK;
	}

	struct msel_fast *f = w->fast[0];
	for (size_t cycle = 0; cycle < w->npairs; cycle++) {
		unsigned nterms = model->nterms;
		memcpy(w->terms, model->terms, nterms * sizeof(uint32_t));
		struct mse_stepwise_candidate *cand =
		    trace ? trace->store + cycle * w->npairs : w->cand;
		size_t ncand = 0;
		for (size_t k = 0; k < w->npairs; k++) {
			uint32_t pair = w->pairs[k];
			if (mse_model_has(model, pair))
				continue;
			struct mse_stepwise_candidate *c = &cand[ncand++];
			c->term = pair;
			c->observed = f->nstar[pair];
			c->expected = msel_fast_margin(f, pair);
			c->p_value = msel_poisson_two_tail_min(c->observed, c->expected);
			c->check = -1;
			c->p_used = c->p_value;
		}
		/* From here the fast fitter holds candidate fits, not the current one. */
		size_t best = ncand;
		double min_p = INFINITY;
		if (trace) {
			/* SparseMSE: check every candidate; the first of least
			 * p_used wins if it is below the threshold. */
			for (size_t k = 0; k < ncand; k++) {
				struct msel_check chk;
				st = check_candidate(w, t, nterms, cand[k].term, p, &chk, err);
				if (st != LT_OK)
					return st;
				cand[k].check = (int)chk.code;
				if (chk.code)
					cand[k].p_used = 1;
				if (cand[k].p_used < min_p) {
					min_p = cand[k].p_used;
					best = k;
				}
			}
			if (!(min_p < pthresh))
				best = ncand;
		} else {
			/* Candidates by score, ties in pair order (insertion sort:
			 * at most 120 of them). */
			size_t *ord = w->order;
			for (size_t k = 0; k < ncand; k++) {
				size_t j = k;
				while (j > 0 && cand[ord[j - 1]].p_value > cand[k].p_value) {
					ord[j] = ord[j - 1];
					j--;
				}
				ord[j] = k;
			}
			for (size_t r = 0; r < ncand; r++) {
				struct mse_stepwise_candidate *c = &cand[ord[r]];
				if (!(c->p_value < pthresh))
					break;
				struct msel_check chk;
				st = check_candidate(w, t, nterms, c->term, p, &chk, err);
				if (st != LT_OK)
					return st;
				c->check = (int)chk.code;
				if (chk.code == MSE_CHECK_OK) {
					best = ord[r];
					break;
				}
				c->p_used = 1;
			}
			min_p = best < ncand ? cand[best].p_value : 1;
		}
		if (trace) {
			struct mse_stepwise_cycle *cy = &trace->cycles[trace->ncycles++];
			cy->ncand = ncand;
			cy->cand = cand;
			cy->added = best < ncand ? cand[best].term : 0;
			cy->min_p = min_p;
		}
		if (best == ncand)
			break;
		st = mse_model_add(model, cand[best].term);
		if (st != LT_OK)
			return lt_error_set(err, st, "", "the model has too many terms");
		memcpy(w->terms, model->terms, model->nterms * sizeof(uint32_t));
		st = fit_chosen(w, model->nterms, p, &fit, err);
		if (st != LT_OK)
			return st;
	}
	/* The fast fitter holds the fit of the final model. */
	msel_selection_from_fit(out, MSE_SELECT_STEPWISE, model, &fit);
	return LT_OK;
}

lt_status mse_select_aic(struct mse_select_workspace *w, const struct mse_table *t,
                         const struct mse_select_params *p, struct mse_selection *out,
                         struct mse_aic_trace *trace, struct lt_error *err)
{
	lt_status st = start(w, t, p, err);
	if (st != LT_OK)
		return st;
	if (trace)
		trace->nsteps = 0;
	struct mse_model *model = &out->model;
	mse_model_init(model, t->nlists);
	struct msel_fit fit;
	st = fit_chosen(w, 0, p, &fit, err);
	if (st != LT_OK)
		return st;
	double aic0 = fit.aic;
	struct msel_fast *f = w->fast[0];

	for (size_t cycle = 0; cycle < w->npairs; cycle++) {
		unsigned nterms = model->nterms;
		memcpy(w->terms, model->terms, nterms * sizeof(uint32_t));
		uint32_t best = 0;
		double best_aic = aic0;
		for (size_t k = 0; k < w->npairs; k++) {
			uint32_t pair = w->pairs[k];
			if (mse_model_has(model, pair))
				continue;
			struct msel_check chk;
			st = check_candidate(w, t, nterms, pair, p, &chk, err);
			if (st != LT_OK)
				return st;
			if (chk.code != MSE_CHECK_OK || chk.fit_status == LT_ENOTIDENT)
				continue;
			if (chk.fit.aic < best_aic) {
				best_aic = chk.fit.aic;
				best = pair;
			}
		}
		struct mse_aic_step *step = trace ? &trace->steps[trace->nsteps++] : NULL;
		if (step) {
			step->term = best;
			step->aic = best_aic;
			step->aic_before = aic0;
			step->wald_p = NAN;
			step->added = false;
		}
		if (!best)
			break;
		/* The Wald p-value of the new pair in the enlarged model. */
		w->terms[nterms] = best;
		struct msel_fit cand_fit;
		st = fit_chosen(w, nterms + 1, p, &cand_fit, err);
		if (st != LT_OK)
			return st;
		double pval = 1, coef, var;
		if (msel_fast_coef(f, best, &coef, &var) && var > 0)
			pval = 2 * mse_pnorm(-fabs(coef / sqrt(var)));
		if (step)
			step->wald_p = pval;
		if (pval > p->aic_p)
			break;
		st = mse_model_add(model, best);
		if (st != LT_OK)
			return lt_error_set(err, st, "", "the model has too many terms");
		if (step)
			step->added = true;
		fit = cand_fit;
		aic0 = best_aic;
	}
	msel_selection_from_fit(out, MSE_SELECT_AIC, model, &fit);
	return LT_OK;
}

lt_status mse_select_run(struct mse_select_workspace *w, const struct mse_table *t,
                         enum mse_select_method method, const struct mse_model *fixed,
                         const struct mse_select_params *p, struct mse_bic_table *b,
                         struct mse_selection *out, struct lt_error *err)
{
	struct mse_model main_model;
	lt_status st;
	switch (method) {
	case MSE_SELECT_MAIN:
		mse_model_init(&main_model, t->nlists);
		return mse_select_fixed(w, t, &main_model, p, out, err);
	case MSE_SELECT_FIXED:
		if (!fixed)
			return lt_error_set(err, LT_EINVAL, "model",
			                    "the fixed method needs a model");
		return mse_select_fixed(w, t, fixed, p, out, err);
	case MSE_SELECT_STEPWISE:
		return mse_select_stepwise(w, t, p, out, NULL, err);
	case MSE_SELECT_AIC:
		return mse_select_aic(w, t, p, out, NULL, err);
	case MSE_SELECT_BIC:
	case MSE_SELECT_AVERAGE:
		if (!b)
			return lt_error_set(err, LT_EINVAL, "",
			                    "bic and average need a model table");
		st = mse_select_bic(w, t, p, b, out, err);
		if (st != LT_OK || method == MSE_SELECT_BIC)
			return st;
		return mse_select_average(b, t, p, out, err);
	}
	return lt_error_set(err, LT_EINVAL, "method", "unknown method");
}
