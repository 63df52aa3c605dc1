/*
 * bench_mse_coverage.c — how often lantern's 95% intervals hold the true
 * population size, by simulation: the table "Coverage" of
 * docs/estimation.md.
 *
 *   bench_mse_coverage [SIMS] [BCA_SIMS] [NBOOT] [THREADS]
 *
 * SIMS populations per scenario (default 1000) for the Wald, profile and
 * average intervals; BCA_SIMS (default 400) of them also get the two BCa
 * intervals, each of NBOOT (default 1000) bootstrap replicates on THREADS
 * threads (default 2). Seeded: the same arguments print the same table.
 *
 * A scenario is a population of N people on t lists, drawn from a
 * log-linear model (cell probabilities π_h ∝ exp(Σ_{i∈h} logit p_i +
 * Σ_{T⊆h} λ_T) over all 2^t histories), N fixed, histories multinomial; the
 * truth is N itself. The scenarios are those of tests/mse/test_mse_coverage.c
 * (low capture probabilities, the regime of human-trafficking data) and two
 * with the high capture probabilities of classical capture-recapture. For
 * each population the intervals are:
 *
 *   true model   the generating model, fitted after the existence check:
 *                Wald (SparseMSE), profile (Rcapture) and BCa (SparseMSE's
 *                bootstrap, model fixed);
 *   stepwise     the model SparseMSE's stepwise selection picks (threshold
 *                0.02): Wald and profile of that model, treating it as
 *                known, and BCa with the selection re-run in every
 *                replicate, the procedure of SparseMSE's estimatepopulation;
 *   average      lantern's BIC-weighted model average over every
 *                hierarchical model up to MultipleSystemsEstimation's
 *                default order, with its mixture interval.
 *
 * Each cell of the output is the share of populations whose interval
 * contains N, with its binomial standard error. Populations on which a
 * method fails (no MLE, no interval) are left out of that method's share and
 * counted in the last column. Run from bench/run with BENCH_COVERAGE=1 (it
 * takes minutes); no test depends on it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mse/mse.h"
#include "mse/mse_boot.h"
#include "mse/mse_select.h"

#include "core/banned.h"

struct scenario {
	const char *name;
	unsigned nlists;
	double p[5];
	unsigned nterms;
	uint32_t term[2];
	double lambda[2];
	double N;
};

static const struct scenario scenarios[] = {
    {"independent, 3 lists", 3, {0.10, 0.15, 0.12}, 0, {0}, {0}, 10000},
    {"positive dependence A:B", 3, {0.08, 0.10, 0.12}, 1, {0x3}, {1.0}, 10000},
    {"negative A:B, positive C:D", 4, {0.10, 0.12, 0.08, 0.10}, 2, {0x3, 0xc}, {-1.0, 0.7}, 10000},
    {"sparse overlaps, 5 lists", 5, {0.04, 0.06, 0.10, 0.08, 0.12}, 0, {0}, {0}, 10000},
    {"sparse, dependent A:B", 4, {0.05, 0.08, 0.10, 0.06}, 1, {0x3}, {1.2}, 8000},
    {"UK-like, 5 lists", 5, {0.03, 0.15, 0.25, 0.20, 0.08}, 2, {0x6, 0xc}, {0.6, 0.5}, 20000},
    {"high p, positive A:B", 3, {0.30, 0.20, 0.25}, 1, {0x3}, {1.0}, 2000},
    {"high p, independent", 3, {0.60, 0.50, 0.55}, 0, {0}, {0}, 2000},
};
#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

enum { TRUE_WALD, TRUE_PROFILE, TRUE_BCA, STEP_WALD, STEP_PROFILE, STEP_BCA, AVERAGE, NMETH };
static const char *const meth_name[NMETH] = {"true Wald",     "true profile",     "true BCa",
                                             "stepwise Wald", "stepwise profile", "stepwise BCa",
                                             "average"};

struct tally {
	size_t covered, used, failed;
	double width; /* sum of upper - lower */
};

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

static void count(struct tally *t, bool ok, double lo, double hi, double truth)
{
	if (!ok) {
		t->failed++;
		return;
	}
	t->used++;
	t->covered += lo <= truth && truth <= hi;
	t->width += hi - lo;
}

/* Wald and profile of model m on t; ok flags per interval. */
static void fixed_intervals(struct mse_workspace *w, const struct mse_table *t,
                            const struct mse_model *m, double truth, struct tally *wald,
                            struct tally *prof)
{
	struct mse_check chk;
	struct mse_fit f;
	const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
	bool ok = mse_model_check(w, t, m, &chk, NULL) == LT_OK && chk.code == MSE_CHECK_OK &&
	          mse_model_fit(w, t, m, &fp, &f, NULL) == LT_OK;
	struct mse_interval iw = {0}, ip = {0};
	if (ok)
		mse_wald_interval(&f, 0.95, &iw);
	count(wald, ok, iw.lower, iw.upper, truth);
	const struct mse_profile_params pp = MSE_PROFILE_PARAMS_DEFAULT;
	bool okp = ok && mse_profile_interval(w, t, m, &f, 0.95, &pp, &ip, NULL) == LT_OK;
	count(prof, okp, ip.lower, ip.upper, truth);
}

static void bca_interval(const struct mse_boot_method *meth, const struct mse_table *t,
                         uint32_t seed, size_t nboot, unsigned threads, double truth,
                         struct tally *tl)
{
	static const double alpha[2] = {0.025, 0.975};
	struct mse_boot_params bp = {
	    .nboot = nboot,
	    .seed = seed,
	    .nthreads = threads,
	    .alpha = alpha,
	    .nalpha = 2,
	    .jackknife = true,
	};
	struct mse_boot_result res;
	bool ok = mse_boot_run(meth, t, &bp, &res, NULL) == LT_OK && res.bca_ok;
	count(tl, ok, ok ? res.bound[0] : 0, ok ? res.bound[1] : 0, truth);
	mse_boot_result_release(&res);
}

int main(int argc, char **argv)
{
	int sims = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1000;
	int bca_sims = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 400;
	size_t nboot = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 1000;
	unsigned threads = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 2;
	if (sims < 1 || bca_sims < 0 || bca_sims > sims || nboot < 1 ||
	    nboot > MSE_BOOT_NBOOT_MAX || threads < 1 || threads > MSE_BOOT_THREADS_MAX) {
		fprintf(stderr, "usage: bench_mse_coverage [SIMS] [BCA_SIMS<=SIMS] [NBOOT] "
		                "[THREADS]\n");
		return 2;
	}
	printf("Coverage of the true N by 95%% intervals: %d populations a scenario (%d with "
	       "BCa, %zu replicates each)\n\n",
	       sims, bca_sims, nboot);
	printf("| scenario | N | mean n |");
	for (int k = 0; k < NMETH; k++)
		printf(" %s |", meth_name[k]);
	printf(" failures |\n|---|---|---|");
	for (int k = 0; k < NMETH; k++)
		printf("---|");
	printf("---|\n");
	for (size_t sc = 0; sc < NSCEN; sc++) {
		const struct scenario *s = &scenarios[sc];
		time_t t0 = time(NULL);
		double pi[32], cells[32];
		long cnt[32];
		size_t nc = (size_t)1 << s->nlists;
		cell_probs(s, pi);
		struct mse_model truem;
		mse_model_init(&truem, s->nlists);
		for (unsigned k = 0; k < s->nterms; k++)
			mse_model_add(&truem, s->term[k]);
		struct mse_table *t = NULL;
		if (mse_table_alloc(s->nlists, NULL, &t, NULL) != LT_OK)
			return 1;
		struct mse_workspace *w = mse_workspace_alloc(s->nlists, LT_MSE_PARAMS_MAX);
		struct mse_select_workspace *sw = mse_select_workspace_alloc(s->nlists, 1);
		struct mse_bic_table *bt = NULL;
		if (!w || !sw || mse_bic_table_alloc(s->nlists, 0, &bt, NULL) != LT_OK)
			return 1;
		struct mse_boot_method true_boot, step_boot;
		mse_boot_method_fixed(&true_boot, &truem);
		struct mse_boot_select step_arg = {.method = MSE_SELECT_STEPWISE,
		                                   .params = MSE_SELECT_PARAMS_DEFAULT};
		mse_boot_method_select(&step_boot, &step_arg);
		struct mse_select_params sp = MSE_SELECT_PARAMS_DEFAULT;
		struct tally tl[NMETH];
		memset(tl, 0, sizeof(tl));
		double sum_n = 0;
		struct mse_rng r;
		mse_rng_seed(&r, 5000 + (uint32_t)sc);
		for (int i = 0; i < sims; i++) {
			mse_rng_multinomial(&r, (long)s->N, pi, nc, cnt);
			for (size_t h = 0; h < nc; h++)
				cells[h] = h ? (double)cnt[h] : 0.0;
			mse_table_set_counts(t, cells);
			sum_n += t->n;
			fixed_intervals(w, t, &truem, s->N, &tl[TRUE_WALD], &tl[TRUE_PROFILE]);
			struct mse_selection sel;
			memset(&sel, 0, sizeof(sel));
			if (mse_select_stepwise(sw, t, &sp, &sel, NULL, NULL) == LT_OK) {
				fixed_intervals(w, t, &sel.model, s->N, &tl[STEP_WALD],
				                &tl[STEP_PROFILE]);
			} else {
				tl[STEP_WALD].failed++;
				tl[STEP_PROFILE].failed++;
			}
			bool avg = mse_select_bic(sw, t, &sp, bt, &sel, NULL) == LT_OK &&
			           mse_select_average(bt, t, &sp, &sel, NULL) == LT_OK;
			count(&tl[AVERAGE], avg, sel.lower, sel.upper, s->N);
			if (i < bca_sims) {
				bca_interval(&true_boot, t, 9000 + (uint32_t)i, nboot, threads,
				             s->N, &tl[TRUE_BCA]);
				bca_interval(&step_boot, t, 9000 + (uint32_t)i, nboot, threads,
				             s->N, &tl[STEP_BCA]);
			}
		}
		printf("| %s | %.0f | %.0f |", s->name, s->N, sum_n / sims);
		size_t failed = 0;
		for (int k = 0; k < NMETH; k++) {
			if (tl[k].used == 0) {
				printf(" — |");
				continue;
			}
			double c = (double)tl[k].covered / (double)tl[k].used;
			printf(" %.3f ± %.3f |", c, sqrt(c * (1 - c) / (double)tl[k].used));
			failed += tl[k].failed;
		}
		printf(" %zu |\n", failed);
		fprintf(stderr, "  %s: %ld s; mean widths:", s->name, (long)(time(NULL) - t0));
		for (int k = 0; k < NMETH; k++)
			fprintf(stderr, " %s %.0f;", meth_name[k],
			        tl[k].used ? tl[k].width / (double)tl[k].used : NAN);
		fprintf(stderr, "\n");
		fflush(stdout);
		mse_bic_table_free(bt);
		mse_select_workspace_free(sw);
		mse_workspace_free(w);
		mse_table_free(t);
	}
	return 0;
}
