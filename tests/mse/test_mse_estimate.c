/*
 * test_mse_estimate.c — the estimate report (src/mse/mse_estimate.h) that
 * `lantern estimate` and POST /api/v1/estimate print: the figures of each
 * method come from the modules tested elsewhere, so this tests what the
 * report adds. The average's interval is its mixture interval, named
 * "model average" / "model_average"; a profile interval of an average is
 * refused; the bootstrap of bic and average searches the data's best
 * models as MultipleSystemsEstimation does (and gives the same bounds as
 * mse_boot_run over the restricted table); boot_top changes how many, and
 * an average whose kept models carry too little weight is warned about; a
 * cancelled bootstrap is LT_ECANCELED.
 */
#include "testutil.h"

#include "mse/mse_estimate.h"

static struct mse_table *load_table(const char *set)
{
	const char *root = getenv("LANTERN_SHARED");
	char path[2048];
	if (!root || !*root)
		fail_msg("$LANTERN_SHARED is not set (meson test sets it)");
	snprintf(path, sizeof(path), "%s/data/mse/%s.csv", root, set);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct mse_table *t = NULL;
	struct lt_error err;
	lt_error_clear(&err);
	if (mse_table_parse_csv(buf, n, &t, &err) != LT_OK)
		fail_msg("%s: %s", path, err.message);
	return t;
}

static struct mse_estimate *run_ok(const struct mse_table *t, const struct mse_estimate_params *p)
{
	struct mse_estimate *e = malloc(sizeof(*e));
	assert_non_null(e);
	struct lt_error err;
	lt_error_clear(&err);
	lt_status st = mse_estimate_run(t, p, e, &err);
	if (st != LT_OK)
		fail_msg("mse_estimate_run: %s: %s", lt_status_name(st), err.message);
	return e;
}

/* The report as text in a new string. */
static char *format(const struct mse_estimate *e, enum mse_estimate_format fmt)
{
	struct lt_buf b;
	lt_buf_init(&b, 1u << 20);
	assert_int_equal(mse_estimate_format(e, fmt, &b), LT_OK);
	char *s = strdup(lt_buf_str(&b));
	lt_buf_release(&b);
	assert_non_null(s);
	return s;
}

static void test_average_interval_is_the_mixture(void **state)
{
	(void)state;
	struct mse_table *t = load_table("UKdat_5");
	struct mse_estimate_params p = MSE_ESTIMATE_PARAMS_DEFAULT;
	p.method = MSE_SELECT_AVERAGE;
	struct mse_estimate *e = run_ok(t, &p);
	assert_true(e->model_average);
	/* docs/estimation.md: 20,899 with 95% interval 10,597 to 36,055. */
	assert_close(e->total, 20898.795, 1e-6);
	assert_close(e->lower, 10597.26, 1e-6);
	assert_close(e->upper, 36055.31, 1e-6);
	char *tab = format(e, MSE_ESTIMATE_TABLE), *json = format(e, MSE_ESTIMATE_JSON);
	assert_contains(tab, "\n95% interval (model average) 10597 to 36055\n");
	assert_contains(tab, "\nEstimated population         20899\n"); /* column widened */
	assert_contains(json, "\"interval\":{\"method\":\"model_average\",\"level\":0.95,");
	assert_not_contains(tab, "treats the chosen model as if it were known");
	free(tab);
	free(json);
	free(e);

	/* The best model's own Wald interval is not what average reports. */
	p.method = MSE_SELECT_BIC;
	e = run_ok(t, &p);
	assert_false(e->model_average);
	tab = format(e, MSE_ESTIMATE_TABLE);
	assert_contains(tab, "\n95% interval (wald)        ");
	assert_contains(tab, "treats the chosen model as if it were known");
	free(tab);
	free(e);

	/* A profile interval belongs to one model. */
	p.method = MSE_SELECT_AVERAGE;
	p.ci = MSE_CI_PROFILE;
	struct mse_estimate out;
	struct lt_error err;
	lt_error_clear(&err);
	assert_int_equal(mse_estimate_run(t, &p, &out, &err), LT_EINVAL);
	assert_string_equal(err.field, "ci");
	assert_contains(err.message, "belongs to one model");
	mse_table_free(t);
}

/* bic --ci bca: MultipleSystemsEstimation's bootstrap over the 100 best of
 * the data's 6,084 models, the same bounds as mse_boot_run over them. */
static void test_bic_bootstrap_searches_the_best_models(void **state)
{
	(void)state;
	struct mse_table *t = load_table("UKdat_5");
	struct mse_estimate_params p = MSE_ESTIMATE_PARAMS_DEFAULT;
	p.method = MSE_SELECT_BIC;
	p.ci = MSE_CI_BCA;
	p.nboot = 40;
	p.select.nthreads = 2;
	struct mse_estimate *e = run_ok(t, &p);
	assert_int_equal(e->boot_models, 100);
	assert_int_equal(e->nmodels, 6084);
	assert_close(e->total, 25311.29, 1e-6);
	char *tab = format(e, MSE_ESTIMATE_TABLE), *json = format(e, MSE_ESTIMATE_JSON);
	assert_contains(tab, "each replicate searches the 100 best models of the data");
	assert_contains(json, "\"nboot\":40,\"failed\":0,\"seed\":1234,\"models_searched\":100,");
	free(tab);
	free(json);

	/* The same bootstrap by hand. */
	struct mse_select_workspace *sw = mse_select_workspace_alloc(t->nlists, 1);
	struct mse_bic_table *b = NULL;
	struct lt_error err;
	lt_error_clear(&err);
	assert_int_equal(mse_bic_table_alloc(t->nlists, 0, &b, &err), LT_OK);
	struct mse_select_params sp = MSE_SELECT_PARAMS_DEFAULT;
	struct mse_selection sel;
	assert_int_equal(mse_select_bic(sw, t, &sp, b, &sel, &err), LT_OK);
	assert_int_equal(mse_bic_table_restrict(b, 100, &err), LT_OK);
	struct mse_boot_select arg = {.method = MSE_SELECT_BIC, .params = sp, .models = b};
	struct mse_boot_method meth;
	mse_boot_method_select(&meth, &arg);
	const double alpha[2] = {0.025, 0.975};
	struct mse_boot_params bp = {.nboot = 40,
	                             .seed = 1234,
	                             .nthreads = 1,
	                             .alpha = alpha,
	                             .nalpha = 2,
	                             .jackknife = true};
	struct mse_boot_result res;
	assert_int_equal(mse_boot_run(&meth, t, &bp, &res, &err), LT_OK);
	assert_true(res.bca_ok);
	assert_true(res.bca.z0 == e->z0 && res.bca.ahat == e->ahat);
	/* The report's levels are (1 - 0.95) / 2 and 1 - that, not the
	 * literals: the bounds agree to rounding. */
	assert_close(e->lower, res.bound[0], 1e-12);
	assert_close(e->upper, res.bound[1], 1e-12);
	mse_boot_result_release(&res);
	mse_bic_table_free(b);
	mse_select_workspace_free(sw);
	free(e);

	/* boot_top chooses how many. */
	p.boot_top = 7;
	e = run_ok(t, &p);
	assert_int_equal(e->boot_models, 7);
	free(e);
	mse_table_free(t);
}

/* average --ci bca: the kept models' share of the BIC weight is reported,
 * and warned about when below 99%. */
static void test_average_bootstrap_weight(void **state)
{
	(void)state;
	struct mse_table *t = load_table("UKdat_5");
	struct mse_estimate_params p = MSE_ESTIMATE_PARAMS_DEFAULT;
	p.method = MSE_SELECT_AVERAGE;
	p.ci = MSE_CI_BCA;
	p.nboot = 20;
	p.select.nthreads = 2;
	struct mse_estimate *e = run_ok(t, &p);
	assert_false(e->model_average);
	assert_int_equal(e->boot_models, 100);
	assert_true(e->boot_weight >= 0.99 && e->boot_weight <= 1 + 1e-12);
	char *tab = format(e, MSE_ESTIMATE_TABLE);
	assert_contains(tab, "\n95% interval (bca)         ");
	assert_not_contains(tab, "re-weights only");
	free(tab);
	free(e);

	/* The best three carry 52.5% of the weight (0.2086 + 0.1665 + 0.1499). */
	p.boot_top = 3;
	e = run_ok(t, &p);
	assert_int_equal(e->boot_models, 3);
	assert_close(e->boot_weight, 0.525, 1e-2);
	tab = format(e, MSE_ESTIMATE_TABLE);
	assert_contains(tab, "re-weights only the 3 best models, which carry 52.");
	free(tab);
	free(e);
	mse_table_free(t);
}

static int cancel_at_5(void *user, size_t done, size_t total)
{
	(void)user;
	(void)total;
	return done >= 5;
}

static void test_cancelled_bootstrap(void **state)
{
	(void)state;
	struct mse_table *t = load_table("UKdat_5");
	struct mse_estimate_params p = MSE_ESTIMATE_PARAMS_DEFAULT;
	p.ci = MSE_CI_BCA;
	p.progress = cancel_at_5;
	struct mse_estimate e;
	struct lt_error err;
	lt_error_clear(&err);
	assert_int_equal(mse_estimate_run(t, &p, &e, &err), LT_ECANCELED);
	assert_contains(err.message, "cancelled");
	assert_string_equal(lt_status_name(LT_ECANCELED), "cancelled");
	assert_int_equal(lt_status_http(LT_ECANCELED), 503);
	assert_int_equal(lt_status_exit(LT_ECANCELED), 1);
	mse_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_average_interval_is_the_mixture),
	    cmocka_unit_test(test_bic_bootstrap_searches_the_best_models),
	    cmocka_unit_test(test_average_bootstrap_weight),
	    cmocka_unit_test(test_cancelled_bootstrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
