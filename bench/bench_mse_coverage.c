/*
 * bench_mse_coverage.c — how often lantern's 95% intervals hold the true
 * population size, by simulation: the table "Coverage" of
 * docs/estimation.md.
 *
 *   bench_mse_coverage [SIMS] [BCA_SIMS] [NBOOT] [BIC_SIMS] [THREADS]
 *
 * SIMS populations a scenario (default 2000) for the intervals without a
 * bootstrap; BCA_SIMS of them (default 1000) also get the fixed-model and
 * the stepwise BCa intervals, NBOOT replicates each (default 999); BIC_SIMS
 * of them (default 200) the BCa interval of the BIC search, NBOOT / 2
 * replicates each; THREADS threads (default 2). Seeded: the same arguments
 * print the same table.
 *
 * A scenario is a population of N people on t lists, drawn from a
 * log-linear model (cell probabilities π_h ∝ exp(Σ_{i∈h} logit p_i +
 * Σ_{T⊆h} λ_T) over all 2^t histories), N fixed, histories multinomial;
 * the truth is N itself. The first five scenarios are those of
 * tests/mse/test_mse_coverage.c, drawn from the same seeds (so the first
 * populations are the test's): each list holds 3–8% of the population,
 * the regime of modern-slavery data. The sixth is shaped like the UK's
 * five lists (two of them catch 20–25%); the last two have the high
 * capture probabilities of classical capture–recapture. For each
 * population the intervals are:
 *
 *   fixed      the generating ("true") model, fitted after the existence
 *              check: Wald (SparseMSE), profile (Rcapture), BCa
 *              (SparseMSE's bootstrap, model fixed);
 *   stepwise   the model SparseMSE's stepwise selection picks (threshold
 *              0.02): Wald and profile of that model as if known, and BCa
 *              with the selection re-run in every replicate (SparseMSE's
 *              estimatepopulation);
 *   aic        the Home Office 2014 procedure: forward AIC selection, then
 *              the profile interval of the model chosen;
 *   bic        MultipleSystemsEstimation's search over every hierarchical
 *              model up to its default order: Wald of the best model as if
 *              known, and its BCa bootstrap re-ranking the data's best
 *              models in every replicate (ntopmodels: all, 20, 100 for
 *              3, 4, 5 lists);
 *   average    lantern's BIC-weighted average over the same models, with
 *              its mixture interval.
 *
 * Each cell of the output is the share of populations whose interval
 * contains N, with its binomial standard error. Populations on which a
 * method fails (no MLE, no interval) are left out of that method's share
 * and counted on stderr. Run from bench/run with BENCH_COVERAGE=1 (it takes
 * a quarter of an hour); no test depends on it.
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
    {"independent, 3 lists", 3, {0.05, 0.07, 0.06}, 0, {0}, {0}, 20000},
    {"positive A:B, 3 lists", 3, {0.05, 0.07, 0.06}, 1, {0x3}, {1.0}, 20000},
    {"negative A:C, 3 lists", 3, {0.06, 0.07, 0.08}, 1, {0x5}, {-0.8}, 20000},
    {"negative A:B, positive C:D, 4 lists",
     4,
     {0.06, 0.08, 0.05, 0.07},
     2,
     {0x3, 0xc},
     {-0.8, 0.8},
     20000},
    {"sparse overlaps, B:C, 5 lists", 5, {0.03, 0.05, 0.07, 0.04, 0.06}, 1, {0x6}, {0.7}, 20000},
    {"UK-like, 5 lists", 5, {0.03, 0.15, 0.25, 0.20, 0.08}, 2, {0x6, 0xc}, {0.6, 0.5}, 20000},
    {"high p, positive A:B", 3, {0.30, 0.20, 0.25}, 1, {0x3}, {1.0}, 2000},
    {"high p, independent", 3, {0.60, 0.50, 0.55}, 0, {0}, {0}, 2000},
};
#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

enum {
	FIX_WALD,
	FIX_PROFILE,
	FIX_BCA,
	STEP_WALD,
	STEP_PROFILE,
	STEP_BCA,
	AIC_PROFILE,
	BIC_WALD,
	BIC_BCA,
	AVERAGE,
	NMETH
};
static const char *const meth_name[NMETH] = {"fixed (true) model, wald",
                                             "fixed (true) model, profile",
                                             "fixed (true) model, bca",
                                             "stepwise, wald",
                                             "stepwise, profile",
                                             "stepwise, bca (re-selecting)",
                                             "aic, profile",
                                             "bic, wald",
                                             "bic, bca (re-ranking the best)",
                                             "average (model average)"};

struct tally {
	size_t covered, used, failed;
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
}

/* Wald and profile of model m on t (either tally may be NULL). */
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
	if (wald) {
		if (ok)
			mse_wald_interval(&f, 0.95, &iw);
		count(wald, ok, iw.lower, iw.upper, truth);
	}
	if (prof) {
		const struct mse_profile_params pp = MSE_PROFILE_PARAMS_DEFAULT;
		bool okp = ok && mse_profile_interval(w, t, m, &f, 0.95, &pp, &ip, NULL) == LT_OK;
		count(prof, okp, ip.lower, ip.upper, truth);
	}
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
	int sims = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2000;
	int bca_sims = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 1000;
	size_t nboot = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 999;
	int bic_sims = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 200;
	unsigned threads = argc > 5 ? (unsigned)strtoul(argv[5], NULL, 10) : 2;
	if (sims < 1 || bca_sims < 0 || bca_sims > sims || bic_sims < 0 || bic_sims > sims ||
	    nboot < 20 || nboot > MSE_BOOT_NBOOT_MAX || threads < 1 ||
	    threads > MSE_BOOT_THREADS_MAX) {
		fprintf(stderr, "usage: bench_mse_coverage [SIMS] [BCA_SIMS<=SIMS] [NBOOT>=20] "
		                "[BIC_SIMS<=SIMS] [THREADS]\n");
		return 2;
	}
	struct tally tl[NSCEN][NMETH];
	double mean_n[NSCEN];
	memset(tl, 0, sizeof(tl));
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
		struct mse_select_workspace *sw = mse_select_workspace_alloc(s->nlists, threads);
		struct mse_bic_table *bt = NULL;
		if (!w || !sw || mse_bic_table_alloc(s->nlists, 0, &bt, NULL) != LT_OK)
			return 1;
		struct mse_select_params sp = MSE_SELECT_PARAMS_DEFAULT;
		sp.nthreads = threads;
		struct mse_boot_method true_boot, step_boot, bic_boot;
		mse_boot_method_fixed(&true_boot, &truem);
		struct mse_boot_select step_arg = {.method = MSE_SELECT_STEPWISE,
		                                   .params = MSE_SELECT_PARAMS_DEFAULT};
		mse_boot_method_select(&step_boot, &step_arg);
		struct mse_boot_select bic_arg = {
		    .method = MSE_SELECT_BIC, .params = MSE_SELECT_PARAMS_DEFAULT, .models = bt};
		mse_boot_method_select(&bic_boot, &bic_arg);
		double sum_n = 0;
		struct mse_rng r;
		mse_rng_seed(&r, 1000 + (uint32_t)sc); /* as tests/mse/test_mse_coverage.c */
		for (int i = 0; i < sims; i++) {
			struct tally *x = tl[sc];
			mse_rng_multinomial(&r, (long)s->N, pi, nc, cnt);
			for (size_t h = 0; h < nc; h++)
				cells[h] = h ? (double)cnt[h] : 0.0;
			mse_table_set_counts(t, cells);
			sum_n += t->n;
			fixed_intervals(w, t, &truem, s->N, &x[FIX_WALD], &x[FIX_PROFILE]);
			struct mse_selection sel;
			if (mse_select_stepwise(sw, t, &sp, &sel, NULL, NULL) == LT_OK) {
				fixed_intervals(w, t, &sel.model, s->N, &x[STEP_WALD],
				                &x[STEP_PROFILE]);
			} else {
				x[STEP_WALD].failed++;
				x[STEP_PROFILE].failed++;
			}
			if (mse_select_aic(sw, t, &sp, &sel, NULL, NULL) == LT_OK)
				fixed_intervals(w, t, &sel.model, s->N, NULL, &x[AIC_PROFILE]);
			else
				x[AIC_PROFILE].failed++;
			/* A fresh enumeration: the bootstrap below restricts it. */
			mse_bic_table_free(bt);
			bt = NULL;
			if (mse_bic_table_alloc(s->nlists, 0, &bt, NULL) != LT_OK)
				return 1;
			bic_arg.models = bt;
			bool bic = mse_select_bic(sw, t, &sp, bt, &sel, NULL) == LT_OK;
			if (bic)
				fixed_intervals(w, t, &sel.model, s->N, &x[BIC_WALD], NULL);
			else
				x[BIC_WALD].failed++;
			bool avg = bic && mse_select_average(bt, t, &sp, &sel, NULL) == LT_OK;
			count(&x[AVERAGE], avg, sel.lower, sel.upper, s->N);
			if (i < bca_sims) {
				bca_interval(&true_boot, t, 9000 + (uint32_t)i, nboot, threads,
				             s->N, &x[FIX_BCA]);
				bca_interval(&step_boot, t, 9000 + (uint32_t)i, nboot, threads,
				             s->N, &x[STEP_BCA]);
			}
			if (i < bic_sims) {
				if (bic && mse_bic_table_restrict(
				               bt, mse_boot_default_ntop(s->nlists), NULL) == LT_OK)
					bca_interval(&bic_boot, t, 9000 + (uint32_t)i, nboot / 2,
					             threads, s->N, &x[BIC_BCA]);
				else
					x[BIC_BCA].failed++;
			}
		}
		mean_n[sc] = sum_n / sims;
		fprintf(stderr, "  %s: %ld s; failures:", s->name, (long)(time(NULL) - t0));
		for (int k = 0; k < NMETH; k++)
			fprintf(stderr, " %zu", tl[sc][k].failed);
		fprintf(stderr, "\n");
		mse_bic_table_free(bt);
		mse_select_workspace_free(sw);
		mse_workspace_free(w);
		mse_table_free(t);
	}

	printf("Coverage of the true N by 95%% intervals: %d populations a scenario (%d with "
	       "the fixed-model and stepwise BCa, B = %zu; %d with the bic BCa, B = %zu)\n\n",
	       sims, bca_sims, nboot, bic_sims, nboot / 2);
	printf("| method |");
	for (size_t sc = 0; sc < NSCEN; sc++)
		printf(" %s |", scenarios[sc].name);
	printf("\n|---|");
	for (size_t sc = 0; sc < NSCEN; sc++)
		printf("---|");
	printf("\n| N; mean n seen |");
	for (size_t sc = 0; sc < NSCEN; sc++)
		printf(" %.0f; %.0f |", scenarios[sc].N, mean_n[sc]);
	printf("\n");
	for (int k = 0; k < NMETH; k++) {
		printf("| %s |", meth_name[k]);
		for (size_t sc = 0; sc < NSCEN; sc++) {
			const struct tally *x = &tl[sc][k];
			if (x->used == 0) {
				printf(" — |");
				continue;
			}
			double c = (double)x->covered / (double)x->used;
			printf(" %.3f ± %.3f |", c, sqrt(c * (1 - c) / (double)x->used));
		}
		printf("\n");
	}
	return 0;
}
