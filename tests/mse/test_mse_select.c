/*
 * test_mse_select.c — golden tests of model selection (mse_select*.c)
 * against the R packages, on the five reference sets UKdat_5, UKdat, Ned_5,
 * Western and Artificial_3, and tests of what the packages do not cover.
 *
 * Provenance: $LANTERN_SHARED/data/mse/reference/ (README.md there), made
 * with R 4.2.2, SparseMSE 2.0.1, MultipleSystemsEstimation 1.2.0,
 * Rcapture 1.4-4 and modslavmse 2.0 from the CSVs beside it.
 *
 *   sparsemse/<set>.json
 *     estimatepopulation0.stepwise_p<thr> for thr in 0 .001 .002 .005 .01
 *       .02 .05 .1 1: the model chosen (finite terms in the order added, -inf
 *       terms as a set), the point estimate, the intercept variance and the
 *       adjusted AIC. Tolerance 1e-6 relative.
 *     stepwise_trace_p0.02: every cycle: every candidate's N* (exact), mu*
 *       and p-value (1e-6 relative), checkident code and p_used (exact code),
 *       the pair added and the smallest p; the final model.
 *   multiplesystemsestimation/<set>.json
 *     stepwise_p0.02: estimate, model (hierarchical notation) and its -inf
 *       parameters. bic_default, bic_maxorder2: the best model, its estimate
 *       and BIC, the number of valid models, and all 30 rows of top_models
 *       (model, abundance, BIC, order) in order. Tolerance 1e-6.
 *   rcapture/<set>.json
 *     home_office_MSEfit.aic_p0.05, aic_p0.001: the pairs in the order added
 *       and the Poisson point estimate. Tolerance 1e-6.
 *
 * Also: UKdat_5 by stepwise gives 11,313 (Silverman 2014); the fast fitter
 * agrees with mse_model_fit; every existence verdict of a search agrees with
 * mse_model_check; the enumeration has the known numbers of hierarchical
 * models; a search gives the same table with 1 and 2 threads; model
 * averaging reduces to the Wald interval for one model. The six-list search
 * (32,768 models) runs here in full once; its speed is measured by
 * bench/bench_mse_select, never here.
 */
#include "golden.h"

#include "mse/mse.h"
#include "mse/mse_select.h"

#define TOL 1e-6

static uint64_t model_set(const struct mse_model *m)
{
	uint64_t s = 0;
	for (unsigned k = 0; k < m->nterms; k++) {
		assert_true(m->terms[k] < 64);
		s |= (uint64_t)1 << m->terms[k];
	}
	return s;
}

static struct mse_select_workspace *sws(const struct mse_table *t, unsigned nthreads)
{
	struct mse_select_workspace *w = mse_select_workspace_alloc(t->nlists, nthreads);
	assert_non_null(w);
	return w;
}

static void ok_or_fail(const char *where, lt_status st, const struct lt_error *err)
{
	if (st != LT_OK)
		fail_msg("%s: %s: %s", where, lt_status_name(st), err->message);
}

/* The finite terms of m in order, and the -inf ones, as "A:B" lists joined by ','. */
static void split_terms(const struct mse_table *t, const struct mse_model *m, char *fin, char *inf,
                        size_t cap)
{
	fin[0] = inf[0] = '\0';
	for (unsigned k = 0; k < m->nterms; k++) {
		char name[128];
		mse_term_format(t, m->terms[k], name, sizeof(name));
		char *dst = mse_table_margin(t, m->terms[k]) > 0 ? fin : inf;
		size_t len = strlen(dst);
		snprintf(dst + len, cap - len, "%s%s", len ? "," : "", name);
	}
}

/* The strings of a JSON string-or-array joined by ','; sorted when asked. */
static void join_json(const json_t *v, char *out, size_t cap, bool sorted)
{
	const char *items[256];
	size_t n = golden_nstrings(v);
	assert_true(n <= 256);
	for (size_t i = 0; i < n; i++)
		items[i] = golden_string(v, i);
	if (sorted)
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
				const char *x = items[j];
				items[j] = items[j - 1];
				items[j - 1] = x;
			}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%s%s", i ? "," : "", items[i]);
	}
}

static void sort_joined(char *s, size_t cap)
{
	json_t *a = json_array();
	const char *p = s;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		json_array_append_new(a, json_stringn(p, len));
		p += len + (e ? 1 : 0);
	}
	join_json(a, s, cap, true);
	json_decref(a);
}

static void expect_str(const char *where, const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		print_error("%s: %s: got \"%s\", want \"%s\"\n", where, what, got, want);
		golden_failures++;
	}
}

/* ---- SparseMSE: stepwise at every threshold. ---- */

static void test_stepwise_thresholds(void **state)
{
	(void)state;
	golden_reset();
	for (size_t s = 0; s < GOLDEN_NSETS; s++) {
		const char *set = golden_sets[s];
		struct mse_table *t = golden_table(set);
		json_t *j = golden_json("sparsemse", set);
		struct mse_select_workspace *w = sws(t, 1);
		const json_t *ep = json_object_get(j, "estimatepopulation0");
		const char *key;
		const json_t *g;
		size_t nthr = 0;
		json_object_foreach((json_t *)ep, key, g)
		{
			if (strncmp(key, "stepwise_p", 10) != 0)
				continue;
			nthr++;
			char where[128], fin[4096], inf[4096], wfin[4096], winf[4096];
			snprintf(where, sizeof(where), "%s %s", set, key);
			struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
			p.stepwise_p = strtod(key + 10, NULL);
			struct mse_selection sel;
			struct lt_error err;
			lt_error_clear(&err);
			ok_or_fail(where, mse_select_stepwise(w, t, &p, &sel, NULL, &err), &err);
			split_terms(t, &sel.model, fin, inf, sizeof(fin));
			sort_joined(inf, sizeof(inf));
			join_json(json_object_get(g, "interactions_finite"), wfin, sizeof(wfin),
			          false);
			join_json(json_object_get(g, "interactions_minus_inf"), winf, sizeof(winf),
			          true);
			expect_str(where, "finite terms in the order added", fin, wfin);
			expect_str(where, "-inf terms", inf, winf);
			const json_t *est = json_object_get(g, "estimate");
			golden_check("stepwise estimate", where, sel.total,
			             golden_num(est, "point est."), TOL, 1e-8);
			golden_check("stepwise intercept variance", where, sel.log_dark_var,
			             golden_num(g, "intercept_var"), TOL, 1e-12);
			golden_check("stepwise AIC", where, sel.aic, golden_num(g, "aic_adjusted"),
			             TOL, 1e-8);
		}
		assert_int_equal(nthr, 9);
		mse_select_workspace_free(w);
		json_decref(j);
		mse_table_free(t);
	}
	golden_print_worst("stepwise, every threshold");
	assert_int_equal(golden_failures, 0);
}

/* ---- SparseMSE: the trace of stepwise at 0.02. ---- */

static void test_stepwise_trace(void **state)
{
	(void)state;
	golden_reset();
	for (size_t s = 0; s < GOLDEN_NSETS; s++) {
		const char *set = golden_sets[s];
		struct mse_table *t = golden_table(set);
		json_t *j = golden_json("sparsemse", set);
		struct mse_select_workspace *w = sws(t, 1);
		struct mse_stepwise_trace *tr = mse_stepwise_trace_alloc(t->nlists);
		assert_non_null(tr);
		const json_t *rt = json_object_get(j, "stepwise_trace_p0.02");
		const json_t *cycles = json_object_get(rt, "cycles");
		struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
		p.stepwise_p = golden_num(rt, "pthresh");
		struct mse_selection sel, plain;
		struct lt_error err;
		lt_error_clear(&err);
		ok_or_fail(set, mse_select_stepwise(w, t, &p, &sel, tr, &err), &err);
		if (tr->ncycles != json_array_size(cycles)) {
			print_error("%s: %zu cycles, want %zu\n", set, tr->ncycles,
			            json_array_size(cycles));
			golden_failures++;
		}
		for (size_t c = 0; c < tr->ncycles && c < json_array_size(cycles); c++) {
			const json_t *rc = json_array_get(cycles, c);
			const json_t *cands = json_object_get(rc, "candidates");
			const struct mse_stepwise_cycle *cy = &tr->cycles[c];
			char where[160], name[128];
			snprintf(where, sizeof(where), "%s cycle %zu", set, c + 1);
			assert_int_equal(cy->ncand, json_array_size(cands));
			for (size_t k = 0; k < cy->ncand; k++) {
				const json_t *rk = json_array_get(cands, k);
				const struct mse_stepwise_candidate *ck = &cy->cand[k];
				char w2[320];
				mse_term_format(t, ck->term, name, sizeof(name));
				snprintf(w2, sizeof(w2), "%s %s", where, name);
				expect_str(w2, "pair", name,
				           json_string_value(json_object_get(rk, "pair")));
				golden_check("trace N*", w2, ck->observed,
				             golden_num(rk, "observed_overlap"), 0, 1);
				golden_check("trace mu*", w2, ck->expected,
				             golden_num(rk, "expected_overlap"), TOL, 1e-8);
				golden_check("trace p-value", w2, ck->p_value,
				             golden_num(rk, "p_value"), TOL, 1e-300);
				golden_check("trace checkident", w2, ck->check,
				             golden_num(rk, "checkident"), 0, 1);
				golden_check("trace p used", w2, ck->p_used,
				             golden_num(rk, "p_used"), TOL, 1e-300);
			}
			const json_t *added = json_object_get(rc, "added");
			if (cy->added)
				mse_term_format(t, cy->added, name, sizeof(name));
			expect_str(where, "pair added", cy->added ? name : "(none)",
			           json_is_string(added) ? json_string_value(added) : "(none)");
			golden_check("trace min p", where, cy->min_p, golden_num(rc, "min_p"), TOL,
			             1e-300);
		}
		char fin[4096], inf[4096], wfin[4096];
		split_terms(t, &sel.model, fin, inf, sizeof(fin));
		const json_t *fj = json_object_get(rt, "final");
		join_json(json_object_get(fj, "interactions_finite"), wfin, sizeof(wfin), false);
		expect_str(set, "final model", fin, wfin);
		golden_check("trace final estimate", set, sel.total,
		             golden_num(fj, "total_estimate"), TOL, 1e-8);
		/* Without a trace the search checks fewer candidates; same answer. */
		ok_or_fail(set, mse_select_stepwise(w, t, &p, &plain, NULL, &err), &err);
		assert_int_equal(model_set(&plain.model), model_set(&sel.model));
		assert_true(plain.total == sel.total);
		mse_stepwise_trace_free(tr);
		mse_select_workspace_free(w);
		json_decref(j);
		mse_table_free(t);
	}
	golden_print_worst("stepwise trace");
	assert_int_equal(golden_failures, 0);
}

/* ---- The Home Office 2014 figure. ---- */

static void test_ukdat5_11313(void **state)
{
	(void)state;
	struct mse_table *t = golden_table("UKdat_5");
	struct mse_select_workspace *w = sws(t, 1);
	struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
	struct mse_selection sel;
	struct lt_error err;
	lt_error_clear(&err);
	ok_or_fail("UKdat_5", mse_select_stepwise(w, t, &p, &sel, NULL, &err), &err);
	print_message("UKdat_5 stepwise: %.4f -> %.0f\n", sel.total, round(sel.total));
	assert_int_equal((long)round(sel.total), 11313);
	assert_int_equal((long)t->n, 2744);
	mse_select_workspace_free(w);
	mse_table_free(t);
}

/* ---- MultipleSystemsEstimation: stepwise and BIC. ---- */

static void parse_hier(const struct mse_table *t, const char *s, struct mse_model *m)
{
	struct lt_error err;
	lt_error_clear(&err);
	if (mse_model_parse_hier(t->nlists, s, m, &err) != LT_OK)
		fail_msg("%s: %s", s, err.message);
}

static void test_mse_stepwise(void **state)
{
	(void)state;
	golden_reset();
	for (size_t s = 0; s < GOLDEN_NSETS; s++) {
		const char *set = golden_sets[s];
		struct mse_table *t = golden_table(set);
		json_t *j = golden_json("multiplesystemsestimation", set);
		struct mse_select_workspace *w = sws(t, 1);
		const json_t *g = json_object_get(j, "stepwise_p0.02");
		struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
		struct mse_selection sel;
		struct lt_error err;
		lt_error_clear(&err);
		ok_or_fail(set, mse_select_stepwise(w, t, &p, &sel, NULL, &err), &err);
		golden_check("MSE stepwise estimate", set, sel.total, golden_num(g, "popest"), TOL,
		             1e-8);
		struct mse_model want;
		parse_hier(t, json_string_value(json_object_get(g, "hiermod")), &want);
		/* The hierarchical string lists every term; -inf ones apart too. */
		const json_t *ni = json_object_get(g, "neginfpars");
		uint64_t neg = 0;
		for (size_t i = 0; i < (json_is_array(ni) ? json_array_size(ni) : 1); i++) {
			const json_t *v = json_is_array(ni) ? json_array_get(ni, i) : ni;
			neg |= (uint64_t)1 << ((unsigned)json_number_value(v) - 1);
		}
		uint64_t got_neg = 0;
		for (unsigned k = 0; k < sel.model.nterms; k++)
			if (mse_table_margin(t, sel.model.terms[k]) == 0)
				got_neg |= (uint64_t)1 << sel.model.terms[k];
		if (model_set(&sel.model) != model_set(&want) || got_neg != neg) {
			print_error("%s: MSE stepwise model differs\n", set);
			golden_failures++;
		}
		mse_select_workspace_free(w);
		json_decref(j);
		mse_table_free(t);
	}
	golden_print_worst("MultipleSystemsEstimation stepwise");
	assert_int_equal(golden_failures, 0);
}

static void compare_rows(const struct mse_bic_table *a, const struct mse_bic_table *b)
{
	assert_int_equal(a->nvalid, b->nvalid);
	for (size_t i = 0; i < a->nvalid; i++) {
		assert_true(a->rows[i].terms == b->rows[i].terms);
		assert_true(a->rows[i].bic == b->rows[i].bic);
		assert_true(a->rows[i].total == b->rows[i].total);
	}
}

static void test_bic(void **state)
{
	(void)state;
	golden_reset();
	for (size_t s = 0; s < GOLDEN_NSETS; s++) {
		const char *set = golden_sets[s];
		struct mse_table *t = golden_table(set);
		json_t *j = golden_json("multiplesystemsestimation", set);
		struct mse_select_workspace *w = sws(t, 2);
		const char *keys[] = {"bic_default", "bic_maxorder2"};
		for (size_t kk = 0; kk < 2; kk++) {
			const json_t *g = json_object_get(j, keys[kk]);
			if (!g)
				continue;
			char where[128];
			snprintf(where, sizeof(where), "%s %s", set, keys[kk]);
			unsigned order = kk == 0 ? 0 : (unsigned)golden_num(g, "maxorder");
			struct mse_bic_table *b1, *b2;
			struct lt_error err;
			lt_error_clear(&err);
			ok_or_fail(where, mse_bic_table_alloc(t->nlists, order, &b1, &err), &err);
			ok_or_fail(where, mse_bic_table_alloc(t->nlists, order, &b2, &err), &err);
			assert_int_equal(b1->max_order, (unsigned)golden_num(g, "maxorder"));
			struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
			struct mse_selection sel, sel2;
			p.nthreads = 2;
			ok_or_fail(where, mse_select_bic(w, t, &p, b1, &sel, &err), &err);
			p.nthreads = 1;
			ok_or_fail(where, mse_select_bic(w, t, &p, b2, &sel2, &err), &err);
			compare_rows(b1, b2); /* the same for any number of threads */
			golden_check("BIC valid models", where, (double)b1->nvalid,
			             golden_num(g, "n_models_fitted_and_valid"), 0, 1);
			golden_check("BIC best estimate", where, sel.total, golden_num(g, "popest"),
			             TOL, 1e-8);
			golden_check("BIC best BIC", where, sel.bic, golden_num(g, "BIC"), TOL,
			             1e-8);
			struct mse_model want;
			parse_hier(t, json_string_value(json_object_get(g, "model")), &want);
			if (model_set(&want) != model_set(&sel.model)) {
				print_error("%s: best model differs\n", where);
				golden_failures++;
			}
			const json_t *top = json_object_get(g, "top_models");
			for (size_t i = 0; i < json_array_size(top); i++) {
				const json_t *r = json_array_get(top, i);
				const char *ms = json_string_value(json_object_get(r, "model"));
				char w2[200], got[256];
				snprintf(w2, sizeof(w2), "%s row %zu %s", where, i + 1, ms);
				if (i >= b1->nvalid) {
					print_error("%s: missing\n", w2);
					golden_failures++;
					continue;
				}
				const struct mse_bic_row *row = &b1->rows[i];
				struct mse_model rm;
				mse_bic_model(t->nlists, row->terms, &rm);
				assert_int_equal(mse_model_format_hier(&rm, got, sizeof(got)),
				                 LT_OK);
				expect_str(w2, "model", got, ms);
				parse_hier(t, ms, &want);
				if (model_set(&want) != row->terms) {
					print_error("%s: terms differ\n", w2);
					golden_failures++;
				}
				golden_check("BIC table abundance", w2, row->total,
				             golden_num(r, "abundance"), TOL, 1e-8);
				golden_check("BIC table BIC", w2, row->bic, golden_num(r, "BIC"),
				             TOL, 1e-8);
				golden_check("BIC table order", w2, row->order,
				             golden_num(r, "modelsorder"), 0, 1);
			}
			print_message("%s: %zu models, %zu valid, %zu LPs, %zu inferred\n", where,
			              b1->nmodels, b1->nvalid, b1->nlp, b1->ninferred);
			mse_bic_table_free(b1);
			mse_bic_table_free(b2);
		}
		mse_select_workspace_free(w);
		json_decref(j);
		mse_table_free(t);
	}
	golden_print_worst("BIC");
	assert_int_equal(golden_failures, 0);
}

/* ---- Rcapture / modslavmse: the Home Office procedure. ---- */

static void test_aic(void **state)
{
	(void)state;
	golden_reset();
	for (size_t s = 0; s < GOLDEN_NSETS; s++) {
		const char *set = golden_sets[s];
		struct mse_table *t = golden_table(set);
		json_t *j = golden_json("rcapture", set);
		struct mse_select_workspace *w = sws(t, 1);
		const json_t *ho = json_object_get(j, "home_office_MSEfit");
		const char *keys[] = {"aic_p0.05", "aic_p0.001"};
		for (size_t kk = 0; kk < 2; kk++) {
			const json_t *g = json_object_get(ho, keys[kk]);
			char where[128], fin[4096], inf[4096], want[4096];
			snprintf(where, sizeof(where), "%s %s", set, keys[kk]);
			struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
			p.aic_p = golden_num(g, "pthresh");
			struct mse_selection sel;
			struct mse_aic_trace tr;
			struct lt_error err;
			lt_error_clear(&err);
			ok_or_fail(where, mse_select_aic(w, t, &p, &sel, &tr, &err), &err);
			split_terms(t, &sel.model, fin, inf, sizeof(fin));
			assert_string_equal(inf, "");
			join_json(json_object_get(g, "interactions_in_order_added"), want,
			          sizeof(want), false);
			expect_str(where, "pairs in the order added", fin, want);
			golden_check("AIC estimate", where, sel.total,
			             golden_num(g, "poisson_point_estimate"), TOL, 1e-8);
			/* The trace: one step per pair added, and one that stopped. */
			size_t added = 0;
			for (size_t i = 0; i < tr.nsteps; i++)
				added += tr.steps[i].added;
			assert_int_equal(added, sel.model.nterms);
			assert_true(tr.nsteps == sel.model.nterms + 1 ||
			            tr.nsteps == (size_t)t->nlists * (t->nlists - 1) / 2);
		}
		mse_select_workspace_free(w);
		json_decref(j);
		mse_table_free(t);
	}
	golden_print_worst("Home Office AIC");
	assert_int_equal(golden_failures, 0);
}

/* ---- The fast fitter against mse_model_fit. ---- */

static void test_fast_matches_core(void **state)
{
	(void)state;
	golden_reset();
	for (size_t s = 0; s < GOLDEN_NSETS; s++) {
		const char *set = golden_sets[s];
		struct mse_table *t = golden_table(set);
		struct mse_select_workspace *w = sws(t, 1);
		struct mse_workspace *cw = mse_workspace_alloc(t->nlists, LT_MSE_PARAMS_MAX);
		assert_non_null(cw);
		struct mse_bic_table *b;
		struct lt_error err;
		lt_error_clear(&err);
		unsigned order = t->nlists > 5 ? 1 : 0; /* six lists: main effects only here */
		ok_or_fail(set, mse_bic_table_alloc(t->nlists, order, &b, &err), &err);
		struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
		struct mse_selection sel;
		ok_or_fail(set, mse_select_bic(w, t, &p, b, &sel, &err), &err);
		const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
		for (size_t i = 0; i < b->nvalid && i < 40; i++) {
			const struct mse_bic_row *r = &b->rows[i];
			struct mse_model m;
			struct mse_fit f;
			char where[400], ms[256];
			mse_bic_model(t->nlists, r->terms, &m);
			mse_model_format_hier(&m, ms, sizeof(ms));
			snprintf(where, sizeof(where), "%s %s", set, ms);
			ok_or_fail(where, mse_model_fit(cw, t, &m, &fp, &f, &err), &err);
			golden_check("fast fit total", where, r->total, f.total, 1e-9, 1e-8);
			golden_check("fast fit log-likelihood", where, r->loglik, f.loglik, 1e-9,
			             1e-8);
			golden_check("fast fit AIC", where, r->aic, f.aic, 1e-9, 1e-8);
			golden_check("fast fit BIC", where, r->bic, f.bic, 1e-9, 1e-8);
			golden_check("fast fit intercept variance", where, r->log_dark_var,
			             f.log_dark_var, 1e-9, 1e-12);
			assert_int_equal(r->nparams_model, f.nparams_model);
			assert_int_equal(r->nneginf, f.nneginf);
		}
		mse_bic_table_free(b);
		mse_workspace_free(cw);
		mse_select_workspace_free(w);
		mse_table_free(t);
	}
	golden_print_worst("fast fitter against mse_model_fit");
	assert_int_equal(golden_failures, 0);
}

/* ---- Every existence verdict of a search against mse_model_check. ---- */

static void test_existence_verdicts(void **state)
{
	(void)state;
	/* Western has the most models without an MLE (2,858 of 6,212);
	 * Artificial_3 has every kind of failure. */
	const char *sets[] = {"Western", "Artificial_3"};
	for (size_t s = 0; s < 2; s++) {
		struct mse_table *t = golden_table(sets[s]);
		struct mse_select_workspace *w = sws(t, 2);
		struct mse_workspace *cw = mse_workspace_alloc(t->nlists, LT_MSE_PARAMS_MAX);
		assert_non_null(cw);
		struct mse_bic_table *b;
		struct lt_error err;
		lt_error_clear(&err);
		ok_or_fail(sets[s], mse_bic_table_alloc(t->nlists, 0, &b, &err), &err);
		struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
		p.nthreads = 2;
		struct mse_selection sel;
		ok_or_fail(sets[s], mse_select_bic(w, t, &p, b, &sel, &err), &err);
		size_t bad = 0, fails = 0;
		for (size_t k = 0; k < b->nmodels; k++) {
			struct mse_model m;
			struct mse_check c;
			mse_bic_model(t->nlists, b->models[k], &m);
			ok_or_fail(sets[s], mse_model_check(cw, t, &m, &c, &err), &err);
			fails += c.code != 0;
			if ((c.code == 0) != (b->code[k] == 0)) {
				char ms[256];
				mse_model_format_hier(&m, ms, sizeof(ms));
				print_error("%s %s: search says %u, mse_model_check %u\n", sets[s],
				            ms, b->code[k], c.code);
				bad++;
			}
		}
		print_message("%s: %zu models, %zu without MLE or not identifiable; %zu LPs in the "
		              "search, %zu inferred\n",
		              sets[s], b->nmodels, fails, b->nlp, b->ninferred);
		assert_int_equal(bad, 0);
		assert_int_equal(b->nvalid + fails, b->nmodels);
		mse_bic_table_free(b);
		mse_workspace_free(cw);
		mse_select_workspace_free(w);
		mse_table_free(t);
	}
}

/* The same on random sparse tables: four lists, every model up to order 3;
 * about half the histories unobserved, so many models lack an MLE. A fixed
 * linear congruential generator keeps the tables the same on every run. */
static void test_existence_random(void **state)
{
	(void)state;
	uint64_t rng = 20260901;
	size_t checked = 0, failing = 0, bad = 0, lps = 0;
	for (int rep = 0; rep < 40; rep++) {
		unsigned nlists = rep < 30 ? 4 : 5;
		struct mse_table *t;
		struct lt_error err;
		lt_error_clear(&err);
		ok_or_fail("table", mse_table_alloc(nlists, NULL, &t, &err), &err);
		double counts[32] = {0};
		for (size_t h = 1; h < t->ncells; h++) {
			rng = rng * 6364136223846793005u + 1442695040888963407u;
			unsigned r = (unsigned)(rng >> 33);
			bool single = (h & (h - 1)) == 0;
			counts[h] = (single || r % 2) ? 1 + (r >> 1) % 15 : 0;
		}
		mse_table_set_counts(t, counts);
		struct mse_select_workspace *w = sws(t, 1);
		struct mse_workspace *cw = mse_workspace_alloc(t->nlists, LT_MSE_PARAMS_MAX);
		assert_non_null(cw);
		struct mse_bic_table *b;
		ok_or_fail("alloc", mse_bic_table_alloc(nlists, nlists == 4 ? 3 : 2, &b, &err),
		           &err);
		struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
		struct mse_selection sel;
		lt_status st = mse_select_bic(w, t, &p, b, &sel, &err);
		assert_true(st == LT_OK || st == LT_ENOMLE);
		lps += b->nlp;
		for (size_t k = 0; k < b->nmodels; k++) {
			struct mse_model m;
			struct mse_check c;
			mse_bic_model(nlists, b->models[k], &m);
			ok_or_fail("check", mse_model_check(cw, t, &m, &c, &err), &err);
			checked++;
			failing += c.code != 0;
			if ((c.code == 0) != (b->code[k] == 0)) {
				char ms[256];
				mse_model_format_hier(&m, ms, sizeof(ms));
				print_error("table %d %s: search says %u, mse_model_check %u\n",
				            rep, ms, b->code[k], c.code);
				bad++;
			}
		}
		mse_bic_table_free(b);
		mse_workspace_free(cw);
		mse_select_workspace_free(w);
		mse_table_free(t);
	}
	print_message("random tables: %zu models checked, %zu without MLE or not identifiable, "
	              "%zu LPs in the searches\n",
	              checked, failing, lps);
	assert_true(failing > 0);
	assert_int_equal(bad, 0);
}

/* ---- The enumeration of hierarchical models. ---- */

static void test_enumeration(void **state)
{
	(void)state;
	/* Counts of hierarchical models with every main effect, terms of
	 * degree <= order. */
	const struct {
		unsigned lists, order;
		size_t n;
	} cases[] = {{2, 1, 1},    {3, 1, 1},    {3, 2, 8},    {4, 2, 64},   {4, 3, 113},
	             {5, 2, 1024}, {5, 3, 6212}, {5, 4, 6893}, {6, 2, 32768}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mse_bic_table *b;
		struct lt_error err;
		lt_error_clear(&err);
		ok_or_fail("alloc", mse_bic_table_alloc(cases[i].lists, cases[i].order, &b, &err),
		           &err);
		if (b->nmodels != cases[i].n)
			fail_msg("%u lists, order %u: %zu models, want %zu", cases[i].lists,
			         cases[i].order, b->nmodels, cases[i].n);
		assert_true(b->models[0] == 0); /* main effects first */
		for (size_t k = 0; k < b->nmodels; k++) {
			struct mse_model m;
			mse_bic_model(cases[i].lists, b->models[k], &m);
			assert_true(mse_model_is_hierarchical(&m));
			assert_true(mse_model_order(&m) <= cases[i].order);
			if (b->nmodels <= 1024)
				for (size_t j = k + 1; j < b->nmodels; j++) {
					assert_true(b->models[j] != b->models[k]);
					/* A model never comes after one that contains it. */
					assert_false((b->models[j] & b->models[k]) == b->models[j]);
				}
		}
		mse_bic_table_free(b);
	}
	assert_int_equal(mse_bic_default_order(2), 1);
	assert_int_equal(mse_bic_default_order(3), 2);
	assert_int_equal(mse_bic_default_order(4), 3);
	assert_int_equal(mse_bic_default_order(5), 3);
	assert_int_equal(mse_bic_default_order(6), 2);
	struct mse_bic_table *b = NULL;
	struct lt_error err;
	lt_error_clear(&err);
	assert_int_equal(mse_bic_table_alloc(6, 3, &b, &err), LT_ETOOBIG); /* 3,702,013 */
	assert_null(b);
	assert_int_equal(mse_bic_table_alloc(7, 0, &b, &err), LT_ETOOBIG);
	assert_int_equal(mse_bic_table_alloc(4, 4, &b, &err), LT_EINVAL);
	assert_int_equal(mse_bic_table_alloc(1, 0, &b, &err), LT_EINVAL);
}

/* ---- Restricting a table to its best models (subsetmat). ---- */

static void test_restrict(void **state)
{
	(void)state;
	struct mse_table *t = golden_table("UKdat_5");
	struct mse_select_workspace *w = sws(t, 1);
	struct mse_bic_table *full, *top;
	struct lt_error err;
	lt_error_clear(&err);
	ok_or_fail("alloc", mse_bic_table_alloc(t->nlists, 0, &full, &err), &err);
	ok_or_fail("alloc", mse_bic_table_alloc(t->nlists, 0, &top, &err), &err);
	struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
	struct mse_selection a, b;
	assert_int_equal(mse_bic_table_restrict(top, 20, &err), LT_EINVAL); /* no search yet */
	ok_or_fail("bic", mse_select_bic(w, t, &p, full, &a, &err), &err);
	ok_or_fail("bic", mse_select_bic(w, t, &p, top, &a, &err), &err);
	assert_int_equal(mse_bic_table_restrict(top, 0, &err), LT_EINVAL);
	ok_or_fail("restrict", mse_bic_table_restrict(top, 20, &err), &err);
	assert_int_equal(top->nmodels, 20);
	for (size_t k = 1; k < top->nmodels; k++)
		assert_true(top->rows[k].index > 0); /* rows of the last search untouched */
	ok_or_fail("bic top 20", mse_select_bic(w, t, &p, top, &b, &err), &err);
	assert_int_equal(top->nvalid, 20);
	for (size_t i = 0; i < 20; i++) {
		assert_true(top->rows[i].terms == full->rows[i].terms);
		assert_true(top->rows[i].bic == full->rows[i].bic);
	}
	assert_true(b.total == a.total);
	mse_bic_table_free(full);
	mse_bic_table_free(top);
	mse_select_workspace_free(w);
	mse_table_free(t);
}

/* ---- Averaging. ---- */

static void test_average(void **state)
{
	(void)state;
	struct mse_table *t = golden_table("UKdat_5");
	struct mse_select_workspace *w = sws(t, 1);
	struct mse_workspace *cw = mse_workspace_alloc(t->nlists, LT_MSE_PARAMS_MAX);
	assert_non_null(cw);
	struct mse_bic_table *b;
	struct lt_error err;
	lt_error_clear(&err);
	ok_or_fail("alloc", mse_bic_table_alloc(t->nlists, 0, &b, &err), &err);
	struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
	struct mse_selection best, avg, avg80, one;
	ok_or_fail("bic", mse_select_bic(w, t, &p, b, &best, &err), &err);

	/* One model: the average is that model and its Wald interval. */
	p.average_top = 1;
	ok_or_fail("average 1", mse_select_average(b, t, &p, &one, &err), &err);
	const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
	struct mse_fit f;
	ok_or_fail("fit", mse_model_fit(cw, t, &best.model, &fp, &f, &err), &err);
	assert_close(one.total, best.total, 1e-12);
	assert_close(one.lower, mse_wald_quantile(&f, 0.025), 1e-9);
	assert_close(one.upper, mse_wald_quantile(&f, 0.975), 1e-9);
	assert_close(one.log_dark_var, f.log_dark_var, 1e-9);
	assert_close(b->rows[0].weight, 1, 1e-15);
	assert_true(b->rows[1].weight == 0);

	/* Every valid model. */
	p.average_top = 0;
	ok_or_fail("average", mse_select_average(b, t, &p, &avg, &err), &err);
	double wsum = 0, mean = 0, vmean = 0;
	for (size_t i = 0; i < b->nvalid; i++) {
		wsum += b->rows[i].weight;
		mean += b->rows[i].weight * b->rows[i].log_dark;
		vmean += b->rows[i].weight * b->rows[i].log_dark_var;
		if (i > 0)
			assert_true(b->rows[i].weight <= b->rows[i - 1].weight);
	}
	assert_close(wsum, 1, 1e-12);
	assert_close(avg.log_dark, mean, 1e-12);
	assert_close(avg.total, t->n + exp(mean), 1e-12);
	assert_true(avg.log_dark_var >= vmean);
	assert_int_equal(avg.nmodels, b->nvalid);
	assert_int_equal(avg.method, MSE_SELECT_AVERAGE);
	assert_true(avg.lower < avg.total && avg.total < avg.upper);
	assert_true(avg.lower > t->n);
	/* The weight of the best two is as BIC says. */
	assert_close(b->rows[1].weight / b->rows[0].weight,
	             exp(-(b->rows[1].bic - b->rows[0].bic) / 2), 1e-12);
	/* A narrower level nests inside. */
	p.level = 0.8;
	ok_or_fail("average 80", mse_select_average(b, t, &p, &avg80, &err), &err);
	assert_true(avg.lower < avg80.lower && avg80.upper < avg.upper);
	print_message("UKdat_5 average over %zu models: %.1f (95%%: %.1f to %.1f; 80%%: %.1f to "
	              "%.1f); best model %.1f\n",
	              avg.nmodels, avg.total, avg.lower, avg.upper, avg80.lower, avg80.upper,
	              best.total);

	/* Through mse_select_run. */
	struct mse_selection run;
	p.level = 0.95;
	ok_or_fail("run", mse_select_run(w, t, MSE_SELECT_AVERAGE, NULL, &p, b, &run, &err), &err);
	assert_true(run.total == avg.total && run.lower == avg.lower && run.upper == avg.upper);
	mse_bic_table_free(b);
	mse_workspace_free(cw);
	mse_select_workspace_free(w);
	mse_table_free(t);
}

/* ---- Six lists: the full search once (no timing here). ---- */

static void test_six_lists(void **state)
{
	(void)state;
	golden_reset();
	struct mse_table *t = golden_table("UKdat");
	struct mse_select_workspace *w = sws(t, 2);
	struct mse_workspace *cw = mse_workspace_alloc(t->nlists, LT_MSE_PARAMS_MAX);
	assert_non_null(cw);
	struct mse_bic_table *b;
	struct lt_error err;
	lt_error_clear(&err);
	ok_or_fail("alloc", mse_bic_table_alloc(t->nlists, 0, &b, &err), &err);
	assert_int_equal(b->nmodels, 32768);
	struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
	p.nthreads = 2;
	struct mse_selection sel;
	ok_or_fail("UKdat bic", mse_select_bic(w, t, &p, b, &sel, &err), &err);
	/* The all-pairs model has an MLE on UKdat (sparsemse checkident_allpairs
	 * = 0), so every pairwise model does: each has the same -inf pairs
	 * among its terms as some sub-model of all pairs. */
	assert_int_equal(b->nvalid, 32768);
	for (size_t i = 1; i < b->nvalid; i++)
		assert_true(b->rows[i - 1].bic <= b->rows[i].bic);
	const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
	for (size_t i = 0; i < 5; i++) {
		struct mse_model m;
		struct mse_fit f;
		char ms[256];
		mse_bic_model(t->nlists, b->rows[i].terms, &m);
		mse_model_format_hier(&m, ms, sizeof(ms));
		ok_or_fail(ms, mse_model_fit(cw, t, &m, &fp, &f, &err), &err);
		golden_check("six lists total", ms, b->rows[i].total, f.total, 1e-9, 1e-8);
		golden_check("six lists BIC", ms, b->rows[i].bic, f.bic, 1e-9, 1e-8);
		print_message("UKdat BIC %zu: %s %.3f (BIC %.4f)\n", i + 1, ms, b->rows[i].total,
		              b->rows[i].bic);
	}
	/* The best BIC model is the one SparseMSE's stepwise picks at 0.002. */
	json_t *j = golden_json("sparsemse", "UKdat");
	const json_t *g =
	    json_object_get(json_object_get(j, "estimatepopulation0"), "stepwise_p0.002");
	golden_check("six lists best", "UKdat", sel.total,
	             golden_num(json_object_get(g, "estimate"), "point est."), TOL, 1e-8);
	json_decref(j);
	mse_bic_table_free(b);
	mse_workspace_free(cw);
	mse_select_workspace_free(w);
	mse_table_free(t);
	assert_int_equal(golden_failures, 0);
}

/* ---- main, fixed, methods and bad parameters. ---- */

static void test_fixed_and_errors(void **state)
{
	(void)state;
	struct mse_table *t = golden_table("Artificial_3");
	struct mse_select_workspace *w = sws(t, 1);
	struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
	struct mse_selection sel;
	struct mse_model m;
	struct lt_error err;
	lt_error_clear(&err);
	mse_model_init(&m, t->nlists);
	ok_or_fail("main", mse_select_fixed(w, t, &m, &p, &sel, &err), &err);
	assert_int_equal(sel.method, MSE_SELECT_MAIN);
	assert_close(sel.total, 539.093929428606, 1e-9);
	/* A:B has no MLE, all pairs are not identifiable (SparseMSE's codes 1, 2). */
	assert_int_equal(mse_model_add(&m, 3), LT_OK);
	assert_int_equal(mse_select_fixed(w, t, &m, &p, &sel, &err), LT_ENOMLE);
	print_message("A:B: %s\n", err.message);
	mse_model_all_pairs(&m, t->nlists);
	assert_int_equal(mse_select_fixed(w, t, &m, &p, &sel, &err), LT_ENOTIDENT);
	print_message("all pairs: %s\n", err.message);
	/* Stepwise at 1: all pairs fail the check, so pairs are added one by
	 * one; only the -inf pairs A:C and B:C pass. */
	p.stepwise_p = 1;
	ok_or_fail("stepwise 1", mse_select_stepwise(w, t, &p, &sel, NULL, &err), &err);
	assert_int_equal(sel.model.nterms, 2);
	assert_int_equal(sel.nneginf, 2);
	assert_close(sel.total, 296, 1e-9);

	/* A fixed model as the analyst would give it: SparseMSE's stepwise
	 * model of UKdat_5 gives SparseMSE's estimate. */
	{
		struct mse_table *t5 = golden_table("UKdat_5");
		struct mse_select_workspace *w5 = sws(t5, 1);
		json_t *j = golden_json("sparsemse", "UKdat_5");
		const json_t *g =
		    json_object_get(json_object_get(j, "estimatepopulation0"), "stepwise_p0.02");
		struct mse_model m5;
		mse_model_init(&m5, t5->nlists);
		golden_add_terms(t5, json_object_get(g, "interactions_finite"), &m5);
		ok_or_fail("UKdat_5 fixed", mse_select_fixed(w5, t5, &m5, &p, &sel, &err), &err);
		assert_int_equal(sel.method, MSE_SELECT_FIXED);
		assert_close(sel.total, golden_num(g, "total_estimate"), 1e-9);
		assert_close(sel.log_dark_var, golden_num(g, "intercept_var"), 1e-9);
		json_decref(j);
		mse_select_workspace_free(w5);
		mse_table_free(t5);
	}

	/* Bad parameters. */
	p = (struct mse_select_params)MSE_SELECT_PARAMS_DEFAULT;
	p.stepwise_p = 1.5;
	assert_int_equal(mse_select_stepwise(w, t, &p, &sel, NULL, &err), LT_EINVAL);
	assert_string_equal(err.field, "stepwise_p");
	p = (struct mse_select_params)MSE_SELECT_PARAMS_DEFAULT;
	p.level = 1;
	assert_int_equal(mse_select_params_check(&p, &err), LT_EINVAL);
	p = (struct mse_select_params)MSE_SELECT_PARAMS_DEFAULT;
	p.nthreads = 0;
	assert_int_equal(mse_select_params_check(&p, &err), LT_EINVAL);
	p = (struct mse_select_params)MSE_SELECT_PARAMS_DEFAULT;
	p.fit.max_iter = 0;
	assert_int_equal(mse_select_params_check(&p, &err), LT_EINVAL);
	p = (struct mse_select_params)MSE_SELECT_PARAMS_DEFAULT;
	assert_int_equal(mse_select_run(w, t, MSE_SELECT_BIC, NULL, &p, NULL, &sel, &err),
	                 LT_EINVAL);
	assert_int_equal(mse_select_run(w, t, MSE_SELECT_FIXED, NULL, &p, NULL, &sel, &err),
	                 LT_EINVAL);
	/* A workspace for other lists. */
	struct mse_select_workspace *w4 = mse_select_workspace_alloc(4, 1);
	assert_non_null(w4);
	assert_int_equal(mse_select_stepwise(w4, t, &p, &sel, NULL, &err), LT_EINVAL);
	mse_select_workspace_free(w4);
	assert_null(mse_select_workspace_alloc(1, 1));
	assert_null(mse_select_workspace_alloc(3, 0));
	assert_null(mse_select_workspace_alloc(3, MSE_SELECT_THREADS_MAX + 1));
	assert_null(mse_stepwise_trace_alloc(LT_MSE_LISTS_MAX + 1));

	/* Method names. */
	for (int i = MSE_SELECT_MAIN; i <= MSE_SELECT_AVERAGE; i++) {
		enum mse_select_method back;
		assert_int_equal(mse_select_method_parse(mse_select_method_name(i), &back, &err),
		                 LT_OK);
		assert_int_equal(back, i);
	}
	enum mse_select_method back;
	assert_int_equal(mse_select_method_parse("lasso", &back, &err), LT_EINVAL);
	assert_int_equal(mse_select_method_parse(NULL, &back, &err), LT_EINVAL);
	mse_select_workspace_free(w);
	mse_table_free(t);
}

/* ---- Many lists: stepwise beyond what BIC can enumerate. ---- */

static void test_many_lists(void **state)
{
	(void)state;
	/* Eight lists (the New Orleans data): stepwise and aic run; the search
	 * refuses. SparseMSE's published stepwise estimate is 1184 (JASA 2021). */
	struct mse_table *t = golden_table("NewOrl");
	struct mse_select_workspace *w = sws(t, 1);
	struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
	struct mse_selection sel;
	struct lt_error err;
	lt_error_clear(&err);
	ok_or_fail("NewOrl", mse_select_stepwise(w, t, &p, &sel, NULL, &err), &err);
	print_message("NewOrl stepwise: %.2f with %u terms\n", sel.total, sel.model.nterms);
	assert_int_equal((long)round(sel.total), 1184);
	ok_or_fail("NewOrl aic", mse_select_aic(w, t, &p, &sel, NULL, &err), &err);
	struct mse_bic_table *b = NULL;
	assert_int_equal(mse_bic_table_alloc(t->nlists, 0, &b, &err), LT_ETOOBIG);
	mse_select_workspace_free(w);
	mse_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stepwise_thresholds),
	    cmocka_unit_test(test_stepwise_trace),
	    cmocka_unit_test(test_ukdat5_11313),
	    cmocka_unit_test(test_mse_stepwise),
	    cmocka_unit_test(test_bic),
	    cmocka_unit_test(test_aic),
	    cmocka_unit_test(test_fast_matches_core),
	    cmocka_unit_test(test_existence_verdicts),
	    cmocka_unit_test(test_existence_random),
	    cmocka_unit_test(test_enumeration),
	    cmocka_unit_test(test_restrict),
	    cmocka_unit_test(test_average),
	    cmocka_unit_test(test_six_lists),
	    cmocka_unit_test(test_fixed_and_errors),
	    cmocka_unit_test(test_many_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
