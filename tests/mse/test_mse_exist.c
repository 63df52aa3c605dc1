/*
 * test_mse_exist.c — golden tests of the existence and identifiability
 * checks (mse_exist.c, mse_glpk.c) and of the margins the stepwise
 * selection reads, against SparseMSE 2.0.1 and MultipleSystemsEstimation
 * 1.2.0 on the five reference sets.
 *
 * Provenance: $LANTERN_SHARED/data/mse/reference/ (README.md there).
 *   sparsemse/<set>.json  pair_overlaps (N*), checkident_main,
 *       checkident_allpairs, and stepwise_trace_p0.02: for every candidate
 *       pair of every cycle, the checkident code of the enlarged model, the
 *       observed overlap N*, the expected overlap mu* under the current model
 *       and the smaller one-sided Poisson tail. Codes exactly; mu* and p to
 *       1e-6 relative.
 *   multiplesystemsestimation/<set>.json  bic_default's count of models
 *       that pass the check (for 3 lists: every hierarchical model).
 * Artificial_3 is built so that the model with A:B has no MLE and the
 * all-pairs model is not identifiable; the explanations are checked word
 * for word.
 */
#include "golden.h"

#include <pthread.h>

#include "mse/mse.h"
#include "mse/mse_int.h"

#define TOL 1e-6

static unsigned check_code(struct mse_workspace *w, const struct mse_table *t,
                           const struct mse_model *m)
{
	struct mse_check c;
	struct lt_error err;
	lt_error_clear(&err);
	lt_status st = mse_model_check(w, t, m, &c, &err);
	if (st != LT_OK)
		fail_msg("mse_model_check: %s: %s", lt_status_name(st), err.message);
	return c.code;
}

static void test_checkident(void **state)
{
	(void)state;
	golden_reset();
	for (size_t s = 0; s < GOLDEN_NSETS; s++) {
		const char *set = golden_sets[s];
		char where[160];
		struct mse_table *t = golden_table(set);
		struct mse_workspace *w = mse_workspace_alloc(t->nlists, LT_MSE_PARAMS_MAX);
		json_t *j = golden_json("sparsemse", set);
		struct mse_model m;

		/* N* of every pair. */
		const char *key;
		json_t *val;
		json_object_foreach(json_object_get(j, "pair_overlaps"), key, val)
		{
			struct lt_error err;
			assert_int_equal(mse_model_parse(t, key, &m, &err), LT_OK);
			snprintf(where, sizeof(where), "%s N*(%s)", set, key);
			golden_check("N*", where, mse_table_margin(t, m.terms[0]),
			             json_number_value(val), 0, 1);
		}

		mse_model_init(&m, t->nlists);
		snprintf(where, sizeof(where), "%s checkident main", set);
		golden_check("checkident", where, check_code(w, t, &m),
		             golden_num(j, "checkident_main"), 0, 1);
		mse_model_all_pairs(&m, t->nlists);
		snprintf(where, sizeof(where), "%s checkident all pairs", set);
		golden_check("checkident", where, check_code(w, t, &m),
		             golden_num(j, "checkident_allpairs"), 0, 1);
		const json_t *ap = json_object_get(j, "modelfit_allpairs");
		if (json_object_get(ap, "error_code"))
			golden_check("checkident", where, check_code(w, t, &m),
			             golden_num(ap, "error_code"), 0, 1);
		json_decref(j);
		mse_workspace_free(w);
		mse_table_free(t);
	}
	golden_print_worst("checkident");
	assert_int_equal(golden_failures, 0);
}

/* Replay SparseMSE's stepwise trace: the current model is the pairs added
 * so far; each candidate's N*, mu*, p-value and check code must agree. */
static void test_stepwise_trace(void **state)
{
	(void)state;
	golden_reset();
	unsigned ncand = 0;
	for (size_t s = 0; s < GOLDEN_NSETS; s++) {
		const char *set = golden_sets[s];
		struct mse_table *t = golden_table(set);
		struct mse_workspace *w = mse_workspace_alloc(t->nlists, LT_MSE_PARAMS_MAX);
		struct mse_workspace *wc = mse_workspace_alloc(t->nlists, LT_MSE_PARAMS_MAX);
		json_t *j = golden_json("sparsemse", set);
		const json_t *cycles =
		    json_object_get(json_object_get(j, "stepwise_trace_p0.02"), "cycles");
		struct mse_model cur;
		mse_model_init(&cur, t->nlists);
		for (size_t c = 0; c < json_array_size(cycles); c++) {
			const json_t *cy = json_array_get(cycles, c);
			const json_t *cands = json_object_get(cy, "candidates");
			const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
			struct mse_fit f;
			assert_int_equal(mse_model_fit(w, t, &cur, &fp, &f, NULL), LT_OK);
			for (size_t k = 0; k < json_array_size(cands); k++) {
				const json_t *cd = json_array_get(cands, k);
				const char *pair = json_string_value(json_object_get(cd, "pair"));
				char where[200];
				struct mse_model pm, next = cur;
				struct lt_error err;
				snprintf(where, sizeof(where), "%s cycle %zu %s", set, c + 1, pair);
				assert_int_equal(mse_model_parse(t, pair, &pm, &err), LT_OK);
				uint32_t T = pm.terms[0];
				double nstar = mse_table_margin(t, T);
				double mustar = mse_fitted_margin(w, T);
				double p = fmin(mse_ppois(nstar, mustar),
				                mse_ppois_upper(nstar - 1, mustar));
				golden_check("N*", where, nstar, golden_num(cd, "observed_overlap"),
				             0, 1);
				golden_check("mu*", where, mustar,
				             golden_num(cd, "expected_overlap"), TOL, 1e-8);
				golden_check("p-value", where, p, golden_num(cd, "p_value"), TOL,
				             1e-300);
				assert_int_equal(mse_model_add(&next, T), LT_OK);
				golden_check("checkident", where, check_code(wc, t, &next),
				             golden_num(cd, "checkident"), 0, 1);
				ncand++;
			}
			const json_t *added = json_object_get(cy, "added");
			if (json_is_string(added))
				golden_add_terms(t, added, &cur);
		}
		json_decref(j);
		mse_workspace_free(w);
		mse_workspace_free(wc);
		mse_table_free(t);
	}
	print_message("stepwise traces: %u candidates replayed\n", ncand);
	golden_print_worst("stepwise trace");
	assert_int_equal(golden_failures, 0);
}

/* For 3 lists MultipleSystemsEstimation's catalogue holds all 8 hierarchical
 * pairwise models; bic_default counts those passing the check. */
static void test_count_valid_models(void **state)
{
	(void)state;
	struct mse_table *t = golden_table("Artificial_3");
	struct mse_workspace *w = mse_workspace_alloc(3, 7);
	json_t *j = golden_json("multiplesystemsestimation", "Artificial_3");
	struct mse_model all, m;
	unsigned ok = 0, codes[4] = {0};
	mse_model_all_pairs(&all, 3);
	for (unsigned s = 0; s < 8; s++) {
		mse_model_init(&m, 3);
		for (unsigned k = 0; k < 3; k++)
			if ((s >> k) & 1u)
				assert_int_equal(mse_model_add(&m, all.terms[k]), LT_OK);
		unsigned c = check_code(w, t, &m);
		codes[c]++;
		ok += c == 0;
	}
	assert_int_equal(ok, (unsigned)golden_num(json_object_get(j, "bic_default"),
	                                          "n_models_fitted_and_valid"));
	/* {}, {A:C}, {B:C}, {A:C,B:C} exist; {A:B}, {A:B,A:C}, {A:B,B:C} have
	 * no MLE; all three pairs are not identifiable. */
	assert_int_equal(codes[1], 3);
	assert_int_equal(codes[2], 1);
	json_decref(j);
	mse_workspace_free(w);
	mse_table_free(t);
}

/* The explanations of SparseMSE's Artificial_3 examples, word for word. */
static void test_explain(void **state)
{
	(void)state;
	static const struct {
		const char *model;
		unsigned code;
		lt_status st;
		const char *msg;
	} cases[] = {
	    {"A:B", 1, LT_ENOMLE,
	     "the MLE does not exist: under the model A:B the observed margins force a fitted "
	     "count of 0 on histories 101, 011, 111, so some parameters would have to be "
	     "infinite; choose a model with fewer interaction terms"},
	    {"A:B,A:C,B:C", 2, LT_ENOTIDENT,
	     "not identifiable: under the model A:B,A:C,B:C, once the histories containing A:C "
	     "or B:C (whose lists share no case) are removed, the 4 histories left "
	     "determine only 4 of the 5 parameters (A:B is not separable from the others)"},
	    {"A:C,B:C", 0, LT_OK, ""},
	    {"main", 0, LT_OK, ""},
	};
	struct mse_table *t = golden_table("Artificial_3");
	struct mse_workspace *w = mse_workspace_alloc(3, 7);
	int failures = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mse_model m;
		struct mse_check c;
		struct lt_error err;
		lt_error_clear(&err);
		assert_int_equal(mse_model_parse(t, cases[i].model, &m, &err), LT_OK);
		assert_int_equal(mse_model_check(w, t, &m, &c, &err), LT_OK);
		lt_error_clear(&err);
		lt_status st = mse_check_explain(w, t, &m, &c, &err);
		if (c.code != cases[i].code || st != cases[i].st ||
		    strcmp(err.message, cases[i].msg) != 0) {
			print_error("%s: code %u %s \"%s\"\n    want %u %s \"%s\"\n",
			            cases[i].model, c.code, lt_status_name(st), err.message,
			            cases[i].code, lt_status_name(cases[i].st), cases[i].msg);
			failures++;
		}
		if (c.code & MSE_CHECK_NO_MLE)
			assert_true(c.lp_optimum == 0);
		if (c.code & MSE_CHECK_NOT_IDENT)
			assert_int_equal(c.rank_deficiency, 1);
	}
	mse_workspace_free(w);
	mse_table_free(t);
	assert_int_equal(failures, 0);
}

/* Both at once: a table where the all-pairs model has no MLE and is not
 * identifiable (code 3, LT_ENOMLE, and the sentence says both). */
static void test_both(void **state)
{
	(void)state;
	/* Four lists; only A:C and C:D overlap. Under all pairs the four empty
	 * pairs leave 6 histories for 7 parameters, and the margins force the
	 * unobserved ones among them to 0. */
	static const char csv[] = "A,B,C,D,count\n0,1,0,0,3\n1,0,1,0,4\n0,0,1,1,2\n";
	struct mse_table *t = NULL;
	struct lt_error err;
	lt_error_clear(&err);
	assert_int_equal(mse_table_parse_csv(csv, sizeof(csv) - 1, &t, &err), LT_OK);
	struct mse_workspace *w = mse_workspace_alloc(4, 11);
	struct mse_model m;
	struct mse_check c;
	mse_model_all_pairs(&m, 4);
	assert_int_equal(mse_model_check(w, t, &m, &c, &err), LT_OK);
	lt_error_clear(&err);
	lt_status st = mse_check_explain(w, t, &m, &c, &err);
	assert_int_equal(c.code, 3);
	assert_int_equal(st, LT_ENOMLE);
	assert_string_equal(
	    err.message,
	    "the MLE does not exist: under the model A:B,A:C,B:C,A:D,B:D,C:D the observed "
	    "margins force a fitted count of 0 on histories 1000, 0010, 0001, so some parameters "
	    "would have to be infinite; choose a model with fewer interaction terms; it is also "
	    "not identifiable: once the histories containing A:B, B:C, A:D or B:D (whose lists "
	    "share no case) are removed, the 6 histories left determine only 6 of the 7 "
	    "parameters (C:D is not separable from the others)");
	mse_workspace_free(w);
	mse_table_free(t);
}

/* The check uses the workspace: a fit's fitted values are gone after it,
 * and a second workspace keeps them. */
static void test_check_uses_workspace(void **state)
{
	(void)state;
	struct mse_table *t = golden_table("UKdat_5");
	struct mse_workspace *w = mse_workspace_alloc(5, 16);
	struct mse_model m, all;
	struct mse_fit f;
	struct mse_check c;
	const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
	mse_model_init(&m, 5);
	mse_model_all_pairs(&all, 5);
	assert_int_equal(mse_model_fit(w, t, &m, &fp, &f, NULL), LT_OK);
	double before = mse_fitted_margin(w, 3);
	assert_int_equal(mse_model_check(w, t, &m, &c, NULL), LT_OK);
	assert_int_equal(c.code, 0);
	assert_int_equal(mse_model_fit(w, t, &m, &fp, &f, NULL), LT_OK);
	assert_true(mse_fitted_margin(w, 3) == before);
	assert_int_equal(mse_model_check(w, t, &all, &c, NULL), LT_OK);
	assert_int_equal(c.code, 0);
	assert_true(isinf(c.lp_optimum) || c.lp_optimum > 0);
	mse_workspace_free(w);
	mse_table_free(t);
}

/* LPs solved in worker threads, which free their GLPK environments when
 * they exit; a workspace made in one thread can solve LPs in another and
 * then in a third, which must not touch the dead thread's problem object. */
struct thread_job {
	struct mse_table *t;
	struct mse_workspace *w; /* NULL: the thread makes its own */
	unsigned code;
};

static void *thread_check(void *arg)
{
	struct thread_job *j = arg;
	struct mse_workspace *w = j->w ? j->w : mse_workspace_alloc(3, 7);
	struct mse_model m;
	struct mse_check c;
	if (!w || mse_model_parse(j->t, "A:B", &m, NULL) != LT_OK ||
	    mse_model_check(w, j->t, &m, &c, NULL) != LT_OK)
		return NULL;
	j->code = c.code;
	if (!j->w)
		mse_workspace_free(w);
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	struct mse_table *t = golden_table("Artificial_3");
	struct mse_workspace *shared = mse_workspace_alloc(3, 7);
	struct thread_job jobs[3] = {{t, NULL, 9}, {t, NULL, 9}, {t, shared, 9}};
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_check, &jobs[i]), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(jobs[i].code, MSE_CHECK_NO_MLE);
	/* The shared workspace's problem belonged to an exited thread: it is
	 * remade here. */
	jobs[2].code = 9;
	thread_check(&jobs[2]);
	assert_int_equal(jobs[2].code, MSE_CHECK_NO_MLE);
	mse_workspace_free(shared);
	mse_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checkident),
	    cmocka_unit_test(test_stepwise_trace),
	    cmocka_unit_test(test_count_valid_models),
	    cmocka_unit_test(test_explain),
	    cmocka_unit_test(test_both),
	    cmocka_unit_test(test_check_uses_workspace),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
