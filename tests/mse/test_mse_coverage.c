/*
 * test_mse_coverage.c — do lantern's 95% intervals cover the truth 95% of
 * the time? A simulation from known log-linear models (issue 3, §7).
 *
 * Each scenario is a population of known size N whose members fall on t
 * lists with the cell probabilities of a log-linear model: main effects
 * logit(p_i) and interactions λ_T, π_h ∝ exp(Σ_{i∈h} logit p_i +
 * Σ_{T⊆h} λ_T) over all 2^t histories, the unseen one included. A
 * replicate draws the histories, fits the true model and forms the
 * intervals; coverage is the share of replicates whose interval holds the
 * truth. The scenarios (table below) span independent lists, positive and
 * negative dependence, sparse overlaps and a five-list design shaped like
 * the UK data. Capture probabilities are low (3–15% a list), as in
 * human-trafficking data, and N (8,000–20,000; 2,100–11,500 cases
 * observed) is large enough that every pairwise overlap has an expected
 * count of at least 24: the regime in which the asymptotics the intervals
 * rest on hold.
 *
 * Which truth. The three intervals are built for three different targets,
 * and each is checked against its own:
 *
 *   profile  Rcapture's multinomial profile likelihood treats N as a fixed
 *            unknown: checked against N itself, with N fixed and the
 *            histories multinomial(N, π).
 *   wald     SparseMSE's interval is the Poisson model's Wald interval for
 *            the expected dark figure, plus n: under Poisson sampling (each
 *            history's count Poisson(λ π_h)) its target is n + λ π_0, the
 *            expected population given what was seen. Checked so.
 *   bca      SparseMSE's bootstrap resamples the n people seen, n fixed, so
 *            it describes the estimate given n; its target is n / (1 − π_0),
 *            the population the n observed cases imply at the true chance of
 *            being listed. Checked against that, N fixed.
 *
 * How these intervals cover the realized N — the number a reader wants —
 * is measured by bench/mse_coverage and tabulated in docs/estimation.md
 * ("Coverage"): with capture probabilities this low the three differ
 * little, but with high ones the Wald and BCa intervals under-cover N
 * badly, because the randomness of who goes unseen is in neither.
 *
 * Tolerance. Each check asks for 93–97% coverage. With R replicates the
 * standard deviation of an observed coverage is sqrt(.95 × .05 / R): 0.69
 * points at R = 1000, so the band is ±2.9 sd (BCa: 1000 replicates of 1000
 * bootstraps each, on the two three-list designs). Every seed is fixed, so the
 * test is deterministic: it cannot flake, and a change of the code that
 * moves a coverage out of the band fails it.
 *
 * Poisson sampling draws the population as Binomial(2^30, λ/2^30) — Poisson
 * to within 1e-9 in total variation — then the histories multinomially,
 * which makes the counts independent Poissons.
 */
#include "testutil.h"

#include "mse/mse.h"
#include "mse/mse_boot.h"

#define REPLICATES     1000 /* per scenario for Wald and profile */
#define BCA_REPLICATES 1000 /* per scenario for BCa */
#define BCA_NBOOT      1000 /* bootstrap replicates of each BCa interval */

struct scenario {
	const char *name;
	unsigned nlists;
	double p[5]; /* capture probability of each list alone (main effects) */
	unsigned nterms;
	uint32_t term[2]; /* interaction terms of the true model */
	double lambda[2]; /* their log odds ratios */
	double N;         /* population (multinomial) or its mean λ (Poisson) */
	bool bca;         /* also check the BCa interval (small designs: cheap) */
};

static const struct scenario scenarios[] = {
    {"independent, 3 lists", 3, {0.10, 0.15, 0.12}, 0, {0}, {0}, 10000, true},
    {"positive dependence A:B", 3, {0.08, 0.10, 0.12}, 1, {0x3}, {1.0}, 10000, true},
    {"negative A:B, positive C:D",
     4,
     {0.10, 0.12, 0.08, 0.10},
     2,
     {0x3, 0xc},
     {-1.0, 0.7},
     10000,
     false},
    {"sparse overlaps, 5 lists", 5, {0.04, 0.06, 0.10, 0.08, 0.12}, 0, {0}, {0}, 10000, false},
    {"sparse, dependent A:B", 4, {0.05, 0.08, 0.10, 0.06}, 1, {0x3}, {1.2}, 8000, false},
    {"UK-like, 5 lists",
     5,
     {0.03, 0.15, 0.25, 0.20, 0.08},
     2,
     {0x6, 0xc},
     {0.6, 0.5},
     20000,
     false},
};
#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

/* π over all 2^t histories. */
static void cell_probs(const struct scenario *s, double *pi)
{
	size_t nc = (size_t)1 << s->nlists;
	double sum = 0;
	for (size_t h = 0; h < nc; h++) {
		double e = 0;
		for (unsigned i = 0; i < s->nlists; i++)
			if (h >> i & 1u)
				e += log(s->p[i] / (1 - s->p[i]));
		for (unsigned k = 0; k < s->nterms; k++)
			if ((h & s->term[k]) == s->term[k])
				e += s->lambda[k];
		pi[h] = exp(e);
		sum += pi[h];
	}
	for (size_t h = 0; h < nc; h++)
		pi[h] /= sum;
}

/* One sample of the population into t (the unseen count dropped). */
static void draw(struct mse_rng *r, const struct scenario *s, const double *pi, bool poisson,
                 struct mse_table *t)
{
	size_t nc = (size_t)1 << s->nlists;
	long cnt[32];
	double cells[32];
	long N = (long)s->N;
	if (poisson)
		N = mse_rng_binomial(r, 1L << 30, s->N / (double)(1L << 30));
	mse_rng_multinomial(r, N, pi, nc, cnt);
	for (size_t h = 0; h < nc; h++)
		cells[h] = h ? (double)cnt[h] : 0.0;
	mse_table_set_counts(t, cells);
}

static void true_model(const struct scenario *s, struct mse_model *m)
{
	mse_model_init(m, s->nlists);
	for (unsigned k = 0; k < s->nterms; k++)
		assert_int_equal(mse_model_add(m, s->term[k]), LT_OK);
}

/* Fit m to t after the existence check; false if the MLE does not exist. */
static bool fit(struct mse_workspace *w, const struct mse_table *t, const struct mse_model *m,
                struct mse_fit *f)
{
	struct mse_check chk;
	assert_int_equal(mse_model_check(w, t, m, &chk, NULL), LT_OK);
	if (chk.code != MSE_CHECK_OK)
		return false;
	const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
	return mse_model_fit(w, t, m, &fp, f, NULL) == LT_OK;
}

static void check_band(const char *what, const char *scen, size_t covered, size_t used,
                       size_t planned)
{
	double c = (double)covered / (double)used;
	print_message("  %-8s %-28s %4zu/%4zu = %.3f\n", what, scen, covered, used, c);
	/* A replicate without an MLE would not count; none is expected here. */
	if (used < planned)
		fail_msg("%s, %s: %zu of %zu replicates could not be fitted", what, scen,
		         planned - used, planned);
	if (c < 0.93 || c > 0.97)
		fail_msg("%s, %s: coverage %.3f outside 0.93-0.97", what, scen, c);
}

static void test_profile_covers_N(void **state)
{
	(void)state;
	for (size_t k = 0; k < NSCEN; k++) {
		const struct scenario *s = &scenarios[k];
		double pi[32];
		cell_probs(s, pi);
		struct mse_model m;
		true_model(s, &m);
		struct mse_table *t = NULL;
		assert_int_equal(mse_table_alloc(s->nlists, NULL, &t, NULL), LT_OK);
		struct mse_workspace *w = mse_workspace_alloc(s->nlists, 1 + s->nlists + m.nterms);
		assert_non_null(w);
		struct mse_rng r;
		mse_rng_seed(&r, 1000 + (uint32_t)k);
		size_t covered = 0, used = 0;
		for (int i = 0; i < REPLICATES; i++) {
			draw(&r, s, pi, false, t);
			struct mse_fit f;
			if (!fit(w, t, &m, &f))
				continue;
			const struct mse_profile_params pp = MSE_PROFILE_PARAMS_DEFAULT;
			struct mse_interval iv;
			if (mse_profile_interval(w, t, &m, &f, 0.95, &pp, &iv, NULL) != LT_OK)
				continue;
			used++;
			covered += iv.lower <= s->N && s->N <= iv.upper;
		}
		check_band("profile", s->name, covered, used, REPLICATES);
		mse_workspace_free(w);
		mse_table_free(t);
	}
}

static void test_wald_covers_expected_population(void **state)
{
	(void)state;
	for (size_t k = 0; k < NSCEN; k++) {
		const struct scenario *s = &scenarios[k];
		double pi[32];
		cell_probs(s, pi);
		struct mse_model m;
		true_model(s, &m);
		struct mse_table *t = NULL;
		assert_int_equal(mse_table_alloc(s->nlists, NULL, &t, NULL), LT_OK);
		struct mse_workspace *w = mse_workspace_alloc(s->nlists, 1 + s->nlists + m.nterms);
		assert_non_null(w);
		struct mse_rng r;
		mse_rng_seed(&r, 2000 + (uint32_t)k);
		size_t covered = 0, used = 0;
		for (int i = 0; i < REPLICATES; i++) {
			draw(&r, s, pi, true, t);
			struct mse_fit f;
			if (!fit(w, t, &m, &f))
				continue;
			struct mse_interval iv;
			mse_wald_interval(&f, 0.95, &iv);
			double target = t->n + s->N * pi[0];
			used++;
			covered += iv.lower <= target && target <= iv.upper;
		}
		check_band("wald", s->name, covered, used, REPLICATES);
		mse_workspace_free(w);
		mse_table_free(t);
	}
}

static void test_bca_covers_conditional_population(void **state)
{
	(void)state;
	for (size_t k = 0; k < NSCEN; k++) {
		const struct scenario *s = &scenarios[k];
		if (!s->bca)
			continue;
		double pi[32];
		cell_probs(s, pi);
		struct mse_model m;
		true_model(s, &m);
		struct mse_boot_method meth;
		mse_boot_method_fixed(&meth, &m);
		struct mse_table *t = NULL;
		assert_int_equal(mse_table_alloc(s->nlists, NULL, &t, NULL), LT_OK);
		struct mse_rng r;
		mse_rng_seed(&r, 3000 + (uint32_t)k);
		static const double alpha[2] = {0.025, 0.975};
		size_t covered = 0, used = 0;
		for (int i = 0; i < BCA_REPLICATES; i++) {
			draw(&r, s, pi, false, t);
			struct mse_boot_params bp = {
			    .nboot = BCA_NBOOT,
			    .seed = 4000 + (uint32_t)i,
			    .nthreads = 2,
			    .alpha = alpha,
			    .nalpha = 2,
			    .jackknife = true,
			};
			struct mse_boot_result res;
			struct lt_error err;
			lt_error_clear(&err);
			lt_status st = mse_boot_run(&meth, t, &bp, &res, &err);
			if (st == LT_OK && res.bca_ok) {
				double target = t->n / (1 - pi[0]);
				used++;
				covered += res.bound[0] <= target && target <= res.bound[1];
			}
			mse_boot_result_release(&res);
		}
		check_band("bca", s->name, covered, used, BCA_REPLICATES);
		mse_table_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_profile_covers_N),
	    cmocka_unit_test(test_wald_covers_expected_population),
	    cmocka_unit_test(test_bca_covers_conditional_population),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
