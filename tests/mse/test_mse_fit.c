/*
 * test_mse_fit.c — golden tests of the fit (mse_fit.c) and the intervals
 * (mse_interval.c) against the R packages, on the five reference sets
 * UKdat_5, UKdat, Ned_5, Western and Artificial_3.
 *
 * Provenance: $LANTERN_SHARED/data/mse/reference/ (README.md there), made
 * with R 4.2.2, SparseMSE 2.0.1, MultipleSystemsEstimation 1.2.0 and
 * Rcapture 1.4-4 from the CSVs beside it.
 *
 *   sparsemse/<set>.json  modelfit_main, modelfit_allpairs and every
 *       estimatepopulation0 entry: coefficients and standard errors,
 *       intercept and its variance, dark figure, total, deviance, residual
 *       df, adjusted AIC, log-likelihood, every fitted cell, the -inf pairs,
 *       the Poisson probabilities of the empty overlaps, and the Wald
 *       quantiles 2.5/10/50/90/97.5%. Tolerance 1e-6 relative.
 *   multiplesystemsestimation/<set>.json  fixed_main, fixed_allpairs
 *       (estimate, AIC, BIC, coefficients, -inf parameters),
 *       stepwise_p0.02's model and estimate, and the estimate and BIC of
 *       every model in the top-model tables of bic_default and bic_maxorder2
 *       (models with three-list terms included). Tolerance 1e-6.
 *   rcapture/<set>.json  closedp_t's Mt row, closedpCI_main and
 *       closedpCI_sparsemse_stepwise_model (Poisson fit, then the multinomial
 *       profile maximum and bounds at 95% and 80%), and home_office_MSEfit's
 *       estimate_and_CIs for main, aic_p0.05 and aic_p0.001. Tolerance 1e-4
 *       on the profile (Rcapture searches to 1e-4), 1e-6 on the rest.
 *
 * One quirk of the golden files: SparseMSE adds 2 per -inf pair to the AIC
 * stored in the glm object, and R's logLik.glm derives the log-likelihood
 * from that AIC, so `loglik_poisson` is the true log-likelihood minus the
 * number of -inf pairs. The test compares accordingly.
 */
#include "golden.h"

#include "mse/mse.h"

#define TOL         1e-6
#define TOL_PROFILE 1e-4

static struct mse_workspace *ws_for(const struct mse_table *t)
{
	struct mse_workspace *w = mse_workspace_alloc(t->nlists, LT_MSE_PARAMS_MAX);
	assert_non_null(w);
	return w;
}

static void param_name(const struct mse_table *t, uint32_t term, char *buf, size_t cap)
{
	if (term == 0)
		snprintf(buf, cap, "(Intercept)");
	else
		mse_term_format(t, term, buf, cap);
}

static bool fit_ok(const char *where, struct mse_workspace *w, const struct mse_table *t,
                   const struct mse_model *m, struct mse_fit *f)
{
	const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
	struct lt_error err;
	lt_error_clear(&err);
	lt_status st = mse_model_fit(w, t, m, &fp, f, &err);
	if (st != LT_OK) {
		print_error("%s: fit: %s: %s\n", where, lt_status_name(st), err.message);
		golden_failures++;
		return false;
	}
	return true;
}

/* ---- SparseMSE. ---- */

static void check_sparsemse_fit(const char *set, const char *label, const struct mse_table *t,
                                struct mse_workspace *w, const json_t *g)
{
	char where[160], name[256];
	struct mse_model m;
	struct mse_fit f;
	snprintf(where, sizeof(where), "%s sparsemse %s", set, label);
	if (!json_object_get(g, "coefficients"))
		return; /* an error code; test_mse_exist checks those */
	mse_model_init(&m, t->nlists);
	golden_add_terms(t, json_object_get(g, "interactions_finite"), &m);
	golden_add_terms(t, json_object_get(g, "interactions_minus_inf"), &m);
	if (!fit_ok(where, w, t, &m, &f))
		return;

	const json_t *coefs = json_object_get(g, "coefficients");
	if (json_array_size(coefs) != f.nparams) {
		print_error("%s: %u parameters, want %zu\n", where, f.nparams,
		            json_array_size(coefs));
		golden_failures++;
	}
	for (size_t i = 0; i < json_array_size(coefs); i++) {
		const json_t *c = json_array_get(coefs, i);
		const char *term = json_string_value(json_object_get(c, "term"));
		unsigned j;
		for (j = 0; j < f.nparams; j++) {
			param_name(t, f.param_term[j], name, sizeof(name));
			if (strcmp(name, term) == 0)
				break;
		}
		char w2[200];
		snprintf(w2, sizeof(w2), "%s %s", where, term);
		if (j == f.nparams) {
			print_error("%s: no such parameter in the fit\n", w2);
			golden_failures++;
			continue;
		}
		if (j != i) {
			print_error("%s: parameter %u, want %zu (R's order)\n", w2, j, i);
			golden_failures++;
		}
		golden_check("coefficient", w2, f.coef[j], golden_num(c, "estimate"), TOL, 1e-8);
		golden_check("standard error", w2, f.se[j], golden_num(c, "std_error"), TOL, 1e-8);
	}
	golden_check("intercept", where, f.log_dark, golden_num(g, "intercept"), TOL, 1e-8);
	golden_check("intercept variance", where, f.log_dark_var, golden_num(g, "intercept_var"),
	             TOL, 1e-12);
	golden_check("dark figure", where, f.dark, golden_num(g, "dark_figure"), TOL, 1e-8);
	golden_check("total", where, f.total, golden_num(g, "total_estimate"), TOL, 1e-8);
	golden_check("deviance", where, f.deviance, golden_num(g, "deviance"), TOL, 1e-6);
	golden_check("df", where, f.df_residual, golden_num(g, "df_residual"), 0, 1);
	golden_check("aic", where, f.aic, golden_num(g, "aic_adjusted"), TOL, 1e-8);
	golden_check("loglik", where, f.loglik - f.nneginf, golden_num(g, "loglik_poisson"), TOL,
	             1e-8);
	golden_check("cells", where, (double)f.ncells, golden_num(g, "n_cells_used"), 0, 1);

	/* Every fitted cell. */
	const json_t *cells = json_object_get(g, "cells");
	const double *mu = mse_workspace_fitted(w);
	for (size_t i = 0; i < json_array_size(cells); i++) {
		const json_t *c = json_array_get(cells, i);
		const char *hist = json_string_value(json_object_get(c, "history"));
		uint32_t h = 0;
		for (unsigned k = 0; k < t->nlists; k++)
			h |= (uint32_t)(hist[k] == '1') << k;
		char w2[200];
		snprintf(w2, sizeof(w2), "%s cell %s", where, hist);
		if (!mse_workspace_cell_kept(w, h)) {
			print_error("%s: cell removed, but R fitted it\n", w2);
			golden_failures++;
			continue;
		}
		golden_check("observed", w2, t->counts[h], golden_num(c, "observed"), 0, 1);
		golden_check("fitted value", w2, mu[h], golden_num(c, "fitted"), TOL, 1e-6);
	}

	/* The -inf pairs. */
	const json_t *ninf = json_object_get(g, "interactions_minus_inf");
	if (golden_nstrings(ninf) != f.nneginf) {
		print_error("%s: %u -inf terms, want %zu\n", where, f.nneginf,
		            golden_nstrings(ninf));
		golden_failures++;
	}
	for (unsigned k = 0; k < f.nneginf && k < golden_nstrings(ninf); k++) {
		bool found = false;
		mse_term_format(t, f.neginf_terms[k], name, sizeof(name));
		for (size_t i = 0; i < golden_nstrings(ninf); i++)
			found |= strcmp(name, golden_string(ninf, i)) == 0;
		if (!found) {
			print_error("%s: -inf term %s is not R's\n", where, name);
			golden_failures++;
		}
	}

	/* Wald quantiles of estimatepopulation.0. */
	const json_t *est = json_object_get(g, "estimate");
	if (est) {
		static const struct {
			const char *key;
			double p;
		} q[] = {{"2.5%", 0.025},
		         {"10%", 0.10},
		         {"point est.", 0.5},
		         {"90%", 0.90},
		         {"97.5%", 0.975}};
		for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
			char w2[200];
			snprintf(w2, sizeof(w2), "%s estimate %s", where, q[i].key);
			golden_check("Wald quantile", w2, mse_wald_quantile(&f, q[i].p),
			             golden_num(est, q[i].key), TOL, 1);
		}
		struct mse_interval iv;
		mse_wald_interval(&f, 0.95, &iv);
		golden_check("Wald quantile", where, iv.lower, golden_num(est, "2.5%"), TOL, 1);
		golden_check("Wald quantile", where, iv.upper, golden_num(est, "97.5%"), TOL, 1);
		golden_check("Wald quantile", where, iv.point, golden_num(est, "point est."), TOL,
		             1);
	}

	/* The probability of each empty overlap under the model without it
	 * (SparseMSE's poisspempty): exp(-mu*) of the pair. */
	const json_t *pe = json_object_get(g, "poisson_p_empty_overlaps");
	if (json_is_object(pe)) {
		const char *key;
		const json_t *val;
		json_object_foreach((json_t *)pe, key, val)
		{
			struct mse_model m1 = m, pair;
			struct mse_fit f1;
			struct lt_error err;
			char w2[200];
			snprintf(w2, sizeof(w2), "%s P(%s empty)", where, key);
			assert_int_equal(mse_model_parse(t, key, &pair, &err), LT_OK);
			mse_model_remove(&m1, pair.terms[0]);
			if (!fit_ok(w2, w, t, &m1, &f1))
				continue;
			golden_check("P(overlap empty)", w2,
			             exp(-mse_fitted_margin(w, pair.terms[0])),
			             json_number_value(val), TOL, 1e-300);
		}
	}
}

static void test_sparsemse(void **state)
{
	(void)state;
	golden_reset();
	for (size_t s = 0; s < GOLDEN_NSETS; s++) {
		const char *set = golden_sets[s];
		struct mse_table *t = golden_table(set);
		struct mse_workspace *w = ws_for(t);
		json_t *j = golden_json("sparsemse", set);
		check_sparsemse_fit(set, "modelfit_main", t, w,
		                    json_object_get(j, "modelfit_main"));
		check_sparsemse_fit(set, "modelfit_allpairs", t, w,
		                    json_object_get(j, "modelfit_allpairs"));
		const char *key;
		json_t *val;
		json_object_foreach(json_object_get(j, "estimatepopulation0"), key, val)
		{
			char label[80];
			snprintf(label, sizeof(label), "estimatepopulation0 %s", key);
			check_sparsemse_fit(set, label, t, w, val);
		}
		json_t *fin = json_object_get(json_object_get(j, "stepwise_trace_p0.02"), "final");
		check_sparsemse_fit(set, "stepwise final", t, w, fin);
		json_decref(j);
		mse_workspace_free(w);
		mse_table_free(t);
	}
	golden_print_worst("SparseMSE");
	assert_int_equal(golden_failures, 0);
}

/* ---- MultipleSystemsEstimation. ---- */

static void check_mse_hier(const char *where, const struct mse_table *t, struct mse_workspace *w,
                           const char *hier, const json_t *g, const char *est_key,
                           const char *bic_key)
{
	struct mse_model m;
	struct mse_fit f;
	struct lt_error err;
	lt_error_clear(&err);
	if (mse_model_parse_hier(t->nlists, hier, &m, &err) != LT_OK) {
		print_error("%s: %s: %s\n", where, hier, err.message);
		golden_failures++;
		return;
	}
	char back[256];
	assert_int_equal(mse_model_format_hier(&m, back, sizeof(back)), LT_OK);
	if (strcmp(back, hier) != 0) {
		print_error("%s: %s formats back as %s\n", where, hier, back);
		golden_failures++;
	}
	struct mse_check c;
	assert_int_equal(mse_model_check(w, t, &m, &c, &err), LT_OK);
	if (c.code != 0) {
		print_error("%s: %s: check code %u, but R fitted it\n", where, hier, c.code);
		golden_failures++;
		return;
	}
	if (!fit_ok(where, w, t, &m, &f))
		return;
	golden_check("MSE estimate", where, f.total, golden_num(g, est_key), TOL, 1);
	if (bic_key)
		golden_check("MSE BIC", where, f.bic, golden_num(g, bic_key), TOL, 1);
	if (json_object_get(g, "aic"))
		golden_check("MSE AIC", where, f.aic, golden_num(g, "aic"), TOL, 1);
	const json_t *co = json_object_get(g, "coefficients");
	if (json_is_object(co)) {
		for (unsigned j = 0; j < f.nparams; j++) {
			char code[16], w2[200];
			snprintf(code, sizeof(code), "%u", f.param_term[j] + 1);
			snprintf(w2, sizeof(w2), "%s coefficient %s", where, code);
			const json_t *v = json_object_get(co, code);
			if (!json_is_number(v)) {
				print_error("%s: not in R's coefficients\n", w2);
				golden_failures++;
				continue;
			}
			golden_check("coefficient", w2, f.coef[j], json_number_value(v), TOL, 1e-8);
		}
	}
	const json_t *ni = json_object_get(g, "neginfpars");
	if (ni) {
		size_t nwant = json_is_array(ni) ? json_array_size(ni) : 1;
		golden_check("MSE -inf parameters", where, f.nneginf, (double)nwant, 0, 1);
		for (size_t i = 0; i < nwant; i++) {
			const json_t *v = json_is_array(ni) ? json_array_get(ni, i) : ni;
			bool found = false;
			for (unsigned k = 0; k < f.nneginf; k++)
				found |= (double)f.neginf_terms[k] + 1 == json_number_value(v);
			if (!found) {
				print_error("%s: R's -inf parameter %g is not ours\n", where,
				            json_number_value(v));
				golden_failures++;
			}
		}
	}
}

static void test_multiplesystemsestimation(void **state)
{
	(void)state;
	golden_reset();
	unsigned ntop = 0;
	for (size_t s = 0; s < GOLDEN_NSETS; s++) {
		const char *set = golden_sets[s];
		char where[160];
		struct mse_table *t = golden_table(set);
		struct mse_workspace *w = ws_for(t);
		json_t *j = golden_json("multiplesystemsestimation", set);
		static const char *const fixed[] = {"fixed_main", "fixed_allpairs",
		                                    "stepwise_p0.02"};
		for (size_t k = 0; k < 3; k++) {
			const json_t *g = json_object_get(j, fixed[k]);
			if (!g || json_object_get(g, "error"))
				continue;
			snprintf(where, sizeof(where), "%s MSE %s", set, fixed[k]);
			check_mse_hier(where, t, w,
			               json_string_value(json_object_get(g, "hiermod")), g,
			               "popest", json_object_get(g, "bic") ? "bic" : NULL);
		}
		static const char *const bic[] = {"bic_default", "bic_maxorder2"};
		for (size_t k = 0; k < 2; k++) {
			const json_t *top =
			    json_object_get(json_object_get(j, bic[k]), "top_models");
			for (size_t i = 0; i < json_array_size(top); i++) {
				const json_t *g = json_array_get(top, i);
				const char *hier = json_string_value(json_object_get(g, "model"));
				snprintf(where, sizeof(where), "%s MSE %s %s", set, bic[k], hier);
				check_mse_hier(where, t, w, hier, g, "abundance", "BIC");
				ntop++;
			}
		}
		json_decref(j);
		mse_workspace_free(w);
		mse_table_free(t);
	}
	print_message("MultipleSystemsEstimation: %u models of the BIC tables refitted\n", ntop);
	golden_print_worst("MultipleSystemsEstimation");
	assert_int_equal(golden_failures, 0);
}

/* ---- Rcapture. ---- */

/* The Poisson fit and both profile intervals of one closedpCI result. */
static void check_closedpci(const char *where, const struct mse_table *t, struct mse_workspace *w,
                            const struct mse_model *m, const json_t *a05, const json_t *a20)
{
	struct mse_fit f;
	struct lt_error err;
	const struct mse_profile_params pp = MSE_PROFILE_PARAMS_DEFAULT;
	char w2[200];
	if (!fit_ok(where, w, t, m, &f))
		return;
	const json_t *res = json_array_get(json_object_get(a05, "results"), 0);
	golden_check("Rcapture Poisson N", where, f.total, golden_num(res, "abundance"), TOL, 1);
	golden_check("Rcapture deviance", where, f.deviance, golden_num(res, "deviance"), TOL,
	             1e-6);
	golden_check("Rcapture AIC", where, f.aic, golden_num(res, "AIC"), TOL, 1);
	golden_check("Rcapture BIC", where, f.bic, golden_num(res, "BIC"), TOL, 1);
	const struct {
		const json_t *g;
		double level;
	} lv[] = {{a05, 0.95}, {a20, 0.80}};
	for (size_t i = 0; i < 2; i++) {
		struct mse_interval iv;
		const json_t *ci = json_array_get(json_object_get(lv[i].g, "CI"), 0);
		snprintf(w2, sizeof(w2), "%s profile %.0f%%", where, 100 * lv[i].level);
		lt_error_clear(&err);
		lt_status st = mse_profile_interval(w, t, m, &f, lv[i].level, &pp, &iv, &err);
		if (st != LT_OK) {
			print_error("%s: %s: %s\n", w2, lt_status_name(st), err.message);
			golden_failures++;
			continue;
		}
		golden_check("profile maximum", w2, iv.point, golden_num(ci, "abundance"),
		             TOL_PROFILE, 1);
		golden_check("profile lower", w2, iv.lower, golden_num(ci, "infCL"), TOL_PROFILE,
		             1);
		golden_check("profile upper", w2, iv.upper, golden_num(ci, "supCL"), TOL_PROFILE,
		             1);
		if (iv.flags != 0) {
			print_error("%s: flags %u, but R found both bounds\n", w2, iv.flags);
			golden_failures++;
		}
	}
}

/* The terms of an Rcapture formula written with list names: "~. + A:B + C:D". */
static void model_from_formula(const struct mse_table *t, const char *formula, struct mse_model *m)
{
	char buf[512];
	size_t k = 0;
	const char *p = strstr(formula, "~.");
	assert_non_null(p);
	for (p += 2; *p && k + 1 < sizeof(buf); p++) {
		if (*p == '+')
			buf[k++] = ',';
		else if (*p != ' ')
			buf[k++] = *p;
	}
	buf[k] = '\0';
	struct lt_error err;
	lt_error_clear(&err);
	if (mse_model_parse(t, buf[0] == ',' ? buf + 1 : buf, m, &err) != LT_OK)
		fail_msg("formula %s: %s", formula, err.message);
}

static void test_rcapture(void **state)
{
	(void)state;
	golden_reset();
	for (size_t s = 0; s < GOLDEN_NSETS; s++) {
		const char *set = golden_sets[s];
		char where[160];
		struct mse_table *t = golden_table(set);
		struct mse_workspace *w = ws_for(t);
		json_t *j = golden_json("rcapture", set);
		struct mse_model m;
		struct mse_fit f;

		/* closedp.t's Mt: the main-effects model. */
		mse_model_init(&m, t->nlists);
		const json_t *cl = json_object_get(j, "closedp_t");
		for (size_t i = 0; i < json_array_size(cl); i++) {
			const json_t *r = json_array_get(cl, i);
			if (strcmp(json_string_value(json_object_get(r, "model")), "Mt") != 0)
				continue;
			snprintf(where, sizeof(where), "%s Rcapture closedp.t Mt", set);
			if (fit_ok(where, w, t, &m, &f)) {
				golden_check("Rcapture Poisson N", where, f.total,
				             golden_num(r, "abundance"), TOL, 1);
				golden_check("Rcapture deviance", where, f.deviance,
				             golden_num(r, "deviance"), TOL, 1e-6);
				golden_check("Rcapture AIC", where, f.aic, golden_num(r, "AIC"),
				             TOL, 1);
				golden_check("Rcapture BIC", where, f.bic, golden_num(r, "BIC"),
				             TOL, 1);
			}
		}

		const json_t *cm = json_object_get(j, "closedpCI_main");
		snprintf(where, sizeof(where), "%s Rcapture closedpCI main", set);
		check_closedpci(where, t, w, &m, json_object_get(cm, "alpha05"),
		                json_object_get(cm, "alpha20"));

		const json_t *cs = json_object_get(j, "closedpCI_sparsemse_stepwise_model");
		if (json_object_get(cs, "formula")) {
			const char *form = golden_string(json_object_get(cs, "formula"), 0);
			model_from_formula(t, form, &m);
			snprintf(where, sizeof(where), "%s Rcapture closedpCI %s", set, form);
			check_closedpci(where, t, w, &m, json_object_get(cs, "alpha05"),
			                json_object_get(cs, "alpha20"));
		}

		/* The Home Office procedure's intervals: the same profile, at 95% and
		 * 80%, for the models its selection chose. */
		const char *key;
		json_t *ho;
		json_object_foreach(json_object_get(j, "home_office_MSEfit"), key, ho)
		{
			const struct mse_profile_params pp = MSE_PROFILE_PARAMS_DEFAULT;
			struct mse_interval i95, i80;
			struct lt_error err;
			mse_model_init(&m, t->nlists);
			golden_add_terms(t, json_object_get(ho, "interactions_in_order_added"), &m);
			snprintf(where, sizeof(where), "%s Home Office %s", set, key);
			if (!fit_ok(where, w, t, &m, &f))
				continue;
			golden_check("Poisson estimate", where, f.total,
			             golden_num(ho, "poisson_point_estimate"), TOL, 1);
			lt_error_clear(&err);
			if (mse_profile_interval(w, t, &m, &f, 0.95, &pp, &i95, &err) != LT_OK ||
			    mse_profile_interval(w, t, &m, &f, 0.80, &pp, &i80, &err) != LT_OK) {
				print_error("%s: profile: %s\n", where, err.message);
				golden_failures++;
				continue;
			}
			const json_t *e = json_object_get(ho, "estimate_and_CIs");
			golden_check("profile lower", where, i95.lower, golden_num(e, "2.5%"),
			             TOL_PROFILE, 1);
			golden_check("profile lower", where, i80.lower, golden_num(e, "10%"),
			             TOL_PROFILE, 1);
			golden_check("profile maximum", where, i95.point,
			             golden_num(e, "point estimate"), TOL_PROFILE, 1);
			golden_check("profile upper", where, i80.upper, golden_num(e, "90%"),
			             TOL_PROFILE, 1);
			golden_check("profile upper", where, i95.upper, golden_num(e, "97.5%"),
			             TOL_PROFILE, 1);
		}
		json_decref(j);
		mse_workspace_free(w);
		mse_table_free(t);
	}
	golden_print_worst("Rcapture");
	assert_int_equal(golden_failures, 0);
}

/* ---- Behaviour beyond the golden files. ---- */

/* The init / iterate / converged / result loop is mse_model_fit. */
static void test_fitter_steps(void **state)
{
	(void)state;
	struct mse_table *t = golden_table("UKdat_5");
	struct mse_workspace *w = ws_for(t);
	struct mse_model m;
	struct mse_fit a, b;
	const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
	mse_model_all_pairs(&m, t->nlists);
	assert_int_equal(mse_model_fit(w, t, &m, &fp, &a, NULL), LT_OK);
	assert_int_equal(mse_fitter_init(w, t, &m, NULL), LT_OK);
	unsigned it = 0;
	do {
		assert_int_equal(mse_fitter_iterate(w), LT_OK);
		it++;
	} while (!mse_fitter_converged(w, fp.epsilon) && it < 25);
	mse_fitter_result(w, &b);
	assert_int_equal(a.iterations, b.iterations);
	assert_true(b.converged);
	for (unsigned j = 0; j < a.nparams; j++)
		assert_true(a.coef[j] == b.coef[j] && a.se[j] == b.se[j]);
	assert_true(a.deviance == b.deviance);

	/* A cap of 2 iterations is not enough: LT_ENOCONVERGE, result filled. */
	const struct mse_fit_params two = {1e-8, 2};
	struct lt_error err;
	lt_error_clear(&err);
	assert_int_equal(mse_model_fit(w, t, &m, &two, &b, &err), LT_ENOCONVERGE);
	assert_false(b.converged);
	assert_int_equal(b.iterations, 2);
	assert_contains(err.message, "did not converge in 2 iterations");
	const struct mse_fit_params bad = {0, 25};
	assert_int_equal(mse_model_fit(w, t, &m, &bad, &b, NULL), LT_EINVAL);

	/* The covariance is the fit's: its diagonal gives the standard errors. */
	assert_int_equal(mse_model_fit(w, t, &m, &fp, &a, NULL), LT_OK);
	const double *cov = mse_workspace_cov(w);
	for (unsigned j = 0; j < a.nparams; j++)
		assert_close(sqrt(cov[j * a.nparams + j]), a.se[j], 1e-12);

	/* A workspace too small, or for other lists, is refused. */
	struct mse_workspace *small = mse_workspace_alloc(t->nlists, 1 + t->nlists);
	assert_non_null(small);
	lt_error_clear(&err);
	assert_int_equal(mse_model_fit(small, t, &m, &fp, &b, &err), LT_EINVAL);
	assert_contains(err.message, "the workspace holds 6");
	mse_workspace_free(small);
	struct mse_workspace *other = mse_workspace_alloc(4, 20);
	assert_int_equal(mse_model_fit(other, t, &m, &fp, &b, &err), LT_EINVAL);
	mse_workspace_free(other);
	assert_null(mse_workspace_alloc(0, 10));
	assert_null(mse_workspace_alloc(17, 10));
	assert_null(mse_workspace_alloc(5, 5));
	assert_null(mse_workspace_alloc(5, LT_MSE_PARAMS_MAX + 1));

	mse_workspace_free(w);
	mse_table_free(t);
}

/* A model the data cannot identify is LT_ENOTIDENT from the fit, and the
 * profile refuses a fit that failed. */
static void test_fit_not_identifiable(void **state)
{
	(void)state;
	struct mse_table *t = golden_table("Artificial_3");
	struct mse_workspace *w = ws_for(t);
	struct mse_model m;
	struct mse_fit f;
	struct mse_interval iv;
	struct lt_error err;
	const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
	const struct mse_profile_params pp = MSE_PROFILE_PARAMS_DEFAULT;
	mse_model_all_pairs(&m, 3);
	lt_error_clear(&err);
	assert_int_equal(mse_model_fit(w, t, &m, &fp, &f, &err), LT_ENOTIDENT);
	assert_false(f.converged);
	assert_int_equal(mse_profile_interval(w, t, &m, &f, 0.95, &pp, &iv, &err), LT_EINVAL);
	assert_contains(err.message, "converged fit");
	mse_workspace_free(w);
	mse_table_free(t);
}

/* Sixteen lists, the ceiling: 65,536 cells. Counts 1 + the expected counts
 * of an independence model with a known population; the main-effects fit
 * recovers it, and the all-pairs model (136 terms) fits and checks. */
static void test_sixteen_lists(void **state)
{
	(void)state;
	struct mse_table *t = NULL;
	assert_int_equal(mse_table_alloc(16, NULL, &t, NULL), LT_OK);
	assert_string_equal(t->names[15], "P");
	double *c = calloc(t->ncells, sizeof(double));
	assert_non_null(c);
	const double N = 4e6;
	for (size_t h = 1; h < t->ncells; h++) {
		double e = N;
		for (unsigned i = 0; i < 16; i++) {
			double p = 0.3 + 0.02 * i;
			e *= (h >> i) & 1u ? p : 1 - p;
		}
		c[h] = floor(e + 0.5) + 1;
	}
	mse_table_set_counts(t, c);
	free(c);
	struct mse_workspace *w = ws_for(t);
	struct mse_model m;
	struct mse_fit f;
	struct mse_check chk;
	const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
	mse_model_init(&m, 16);
	assert_int_equal(mse_model_check(w, t, &m, &chk, NULL), LT_OK);
	assert_int_equal(chk.code, 0);
	assert_int_equal(mse_model_fit(w, t, &m, &fp, &f, NULL), LT_OK);
	assert_int_equal(f.ncells, 65535);
	/* The +1 per cell adds about 2^16 cases spread like a uniform table. */
	assert_true(fabs(f.total - N) / N < 0.03);
	mse_model_all_pairs(&m, 16);
	assert_int_equal(m.nterms, 120);
	assert_int_equal(mse_model_check(w, t, &m, &chk, NULL), LT_OK);
	assert_int_equal(chk.code, 0);
	assert_int_equal(mse_model_fit(w, t, &m, &fp, &f, NULL), LT_OK);
	assert_int_equal(f.nparams, 137);
	mse_workspace_free(w);
	mse_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sparsemse),
	    cmocka_unit_test(test_multiplesystemsestimation),
	    cmocka_unit_test(test_rcapture),
	    cmocka_unit_test(test_fitter_steps),
	    cmocka_unit_test(test_fit_not_identifiable),
	    cmocka_unit_test(test_sixteen_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
