/*
 * bench_mse_select.c — how fast lantern selects MSE models, against the
 * figures recorded for the R packages on the same kind of machine.
 *
 *   bench_mse_select [DATA_DIR] [RUNS]
 *
 * DATA_DIR holds the capture-history CSVs (default ../shared/data/mse, as
 * seen from the repository); RUNS is the number of timed runs whose median is
 * printed (default 5). Three measurements, all on the UK six-list data
 * (UKdat, 2,744 cases) and all in this process:
 *
 *   bic       the exhaustive search over all 32,768 pairwise hierarchical
 *             models (check, fit, rank), on 1 and on 2 threads. Issue 3's
 *             target is under 5 s on 2 cores. No R time is recorded for it:
 *             MultipleSystemsEstimation warns that six-list enumeration "may
 *             take a considerable time" and defaults to stepwise there.
 *   stepwise  one SparseMSE stepwise selection (the model of the point
 *             estimate), against SparseMSE's recorded 0.19 s per stepwise fit
 *             (../shared/data/mse/reference/README.md).
 *   aic       one run of the Home Office forward AIC procedure (no R time
 *             recorded).
 *   fit       the pieces under them, for the stepwise model: one reference
 *             fit (mse_model_fit), one existence check (mse_model_check),
 *             one profile-likelihood interval; and the reference fit of the
 *             all-pairs model of a sixteen-list table (65,536 cells, 137
 *             parameters), the largest lantern takes.
 *
 * Results go to standard output, one line each; the times are wall clock
 * (CLOCK_MONOTONIC). This is a benchmark, run by `make bench` on a release
 * build; no test depends on a time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mse/mse.h"
#include "mse/mse_select.h"

#include "core/banned.h"

#define R_STEPWISE_SECONDS 0.19 /* SparseMSE stepwisefit on UKdat, R 4.2.2, 2 cores */
#define BIC_TARGET_SECONDS 5.0  /* issue 3, section 8 */
#define RUNS_MAX           101

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct mse_table *load(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench_mse_select: cannot open %s\n", path);
		exit(1);
	}
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct mse_table *t = NULL;
	struct lt_error err;
	lt_error_clear(&err);
	if (mse_table_parse_csv(buf, n, &t, &err) != LT_OK) {
		fprintf(stderr, "bench_mse_select: %s: %s\n", path, err.message);
		exit(1);
	}
	return t;
}

static void check(lt_status st, const struct lt_error *err, const char *what)
{
	if (st != LT_OK) {
		fprintf(stderr, "bench_mse_select: %s: %s: %s\n", what, lt_status_name(st),
		        err->message);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "../shared/data/mse";
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	if (runs < 1 || runs > RUNS_MAX) {
		fprintf(stderr, "bench_mse_select: RUNS must be 1 to %d\n", RUNS_MAX);
		return 2;
	}
	struct mse_table *t = load(dir, "UKdat");
	struct mse_select_workspace *w = mse_select_workspace_alloc(t->nlists, 2);
	struct mse_bic_table *b = NULL;
	struct lt_error err;
	lt_error_clear(&err);
	if (!w) {
		fprintf(stderr, "bench_mse_select: out of memory\n");
		return 1;
	}
	check(mse_bic_table_alloc(t->nlists, 0, &b, &err), &err, "model table");
	struct mse_select_params p = MSE_SELECT_PARAMS_DEFAULT;
	struct mse_selection sel;
	double times[RUNS_MAX];

	printf("mse model selection on UKdat (%u lists, %.0f cases); median of %d runs\n",
	       t->nlists, t->n, runs);
	for (unsigned threads = 1; threads <= 2; threads++) {
		p.nthreads = threads;
		for (int r = 0; r < runs; r++) {
			double t0 = now();
			check(mse_select_bic(w, t, &p, b, &sel, &err), &err, "bic");
			times[r] = now() - t0;
		}
		double m = median(times, runs);
		printf("bic      %zu models, %zu valid, %zu LPs, %u thread%s: %8.3f s  (%6.1f us a "
		       "model; target < %.0f s: %s)\n",
		       b->nmodels, b->nvalid, b->nlp, threads, threads > 1 ? "s" : " ", m,
		       m / (double)b->nmodels * 1e6, BIC_TARGET_SECONDS,
		       m < BIC_TARGET_SECONDS ? "met" : "MISSED");
	}
	char model[1024];
	mse_model_format_hier(&sel.model, model, sizeof(model));
	printf("bic      best model %s, N = %.1f\n", model, sel.total);

	/* One stepwise selection takes ~0.1 ms: time batches of them. */
	p.nthreads = 1;
	int batch = 200;
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		for (int i = 0; i < batch; i++)
			check(mse_select_stepwise(w, t, &p, &sel, NULL, &err), &err, "stepwise");
		times[r] = (now() - t0) / batch;
	}
	double ms = median(times, runs);
	printf("stepwise one selection: %10.6f s | SparseMSE %.2f s | ratio %.5f (%.0fx faster); "
	       "N = %.1f\n",
	       ms, R_STEPWISE_SECONDS, ms / R_STEPWISE_SECONDS, R_STEPWISE_SECONDS / ms, sel.total);
	batch = 20;
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		for (int i = 0; i < batch; i++)
			check(mse_select_aic(w, t, &p, &sel, NULL, &err), &err, "aic");
		times[r] = (now() - t0) / batch;
	}
	printf("aic      one selection: %10.6f s (no R time recorded); N = %.1f\n",
	       median(times, runs), sel.total);

	/* The pieces: the stepwise model's fit, check and profile interval. */
	check(mse_select_stepwise(w, t, &p, &sel, NULL, &err), &err, "stepwise");
	struct mse_workspace *fw = mse_workspace_alloc(t->nlists, LT_MSE_PARAMS_MAX);
	if (!fw) {
		fprintf(stderr, "bench_mse_select: out of memory\n");
		return 1;
	}
	const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
	const struct mse_profile_params pp = MSE_PROFILE_PARAMS_DEFAULT;
	struct mse_fit f;
	struct mse_check c;
	struct mse_interval iv;
	double tf, tc, tp;
	batch = 2000;
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		for (int i = 0; i < batch; i++)
			check(mse_model_fit(fw, t, &sel.model, &fp, &f, &err), &err, "fit");
		times[r] = (now() - t0) / batch;
	}
	tf = median(times, runs);
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		for (int i = 0; i < batch; i++)
			check(mse_model_check(fw, t, &sel.model, &c, &err), &err, "check");
		times[r] = (now() - t0) / batch;
	}
	tc = median(times, runs);
	check(mse_model_fit(fw, t, &sel.model, &fp, &f, &err), &err, "fit");
	batch = 50;
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		for (int i = 0; i < batch; i++)
			check(mse_profile_interval(fw, t, &sel.model, &f, 0.95, &pp, &iv, &err),
			      &err, "profile");
		times[r] = (now() - t0) / batch;
	}
	tp = median(times, runs);
	printf("fit      stepwise model (%u terms): reference fit %6.1f us, existence check %6.1f "
	       "us, profile interval %6.3f ms\n",
	       sel.model.nterms, tf * 1e6, tc * 1e6, tp * 1e3);
	mse_workspace_free(fw);

	/* The largest fit: all pairs of sixteen lists. */
	struct mse_table *big = NULL;
	check(mse_table_alloc(LT_MSE_LISTS_MAX, NULL, &big, &err), &err, "table");
	double *cells = malloc(big->ncells * sizeof(double));
	if (!cells) {
		fprintf(stderr, "bench_mse_select: out of memory\n");
		return 1;
	}
	for (size_t h = 0; h < big->ncells; h++)
		cells[h] = h ? (double)(1 + (h * 2654435761u) % 7) : 0;
	mse_table_set_counts(big, cells);
	struct mse_model all;
	mse_model_init(&all, LT_MSE_LISTS_MAX);
	for (unsigned i = 0; i < LT_MSE_LISTS_MAX; i++)
		for (unsigned j = i + 1; j < LT_MSE_LISTS_MAX; j++)
			check(mse_model_add(&all, (1u << i) | (1u << j)), &err, "model");
	fw = mse_workspace_alloc(LT_MSE_LISTS_MAX, 1 + LT_MSE_LISTS_MAX + all.nterms);
	if (!fw) {
		fprintf(stderr, "bench_mse_select: out of memory\n");
		return 1;
	}
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		check(mse_model_fit(fw, big, &all, &fp, &f, &err), &err, "fit 16");
		times[r] = now() - t0;
	}
	printf("fit      all pairs of 16 lists (%zu cells, %u parameters): %8.3f s\n", big->ncells,
	       f.nparams, median(times, runs));
	mse_workspace_free(fw);
	free(cells);
	mse_table_free(big);

	mse_bic_table_free(b);
	mse_select_workspace_free(w);
	mse_table_free(t);
	return 0;
}
