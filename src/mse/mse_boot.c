/*
 * mse_boot.c — the BCa bootstrap of SparseMSE's estimatepopulation.
 *
 * The statistics are described in mse_boot.h (Chan, Silverman & Vincent
 * 2021, §3.3; Efron 1987; DiCiccio & Efron 1996; Hyndman & Fan 1996). This
 * file holds the arithmetic (quantile 8, the jackknife acceleration, the BCa
 * bounds), the driver that runs the replicates and the jackknife on a pool
 * of threads, and the fixed-model method.
 *
 * The arithmetic follows R's where R's rounding is observable: the share of
 * replicates below the point estimate is a long-double quotient rounded
 * once (R's mean of a logical vector), sums of the jackknife are accumulated
 * in long double (R's sum), and the quantile applies R's fuzz of four
 * machine epsilons to the index, so that given SparseMSE's stored replicates
 * and acceleration the bounds agree with its BCaquantiles to rounding.
 *
 * The driver. Work is a list of units: replicates 0..B-1, then one jackknife
 * fit per observed history. Each thread (the caller's included) has its own
 * method state and its own table, and repeatedly takes the next unit under a
 * lock. For a replicate it draws the resample while it holds the lock, from
 * the one R-compatible stream, so replicate b always gets the b-th draw of
 * the stream; it fits after releasing the lock, so fits run in parallel.
 * Results go to the unit's own slot. The outcome is therefore the same for
 * every thread count and every interleaving. Only the calling thread calls
 * the progress callback; a cancel request or a fatal error (out of memory)
 * is a flag the other threads check before each unit.
 */
#include "mse/mse_boot.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bug.h"
#include "mse/mse_int.h"
#include "core/banned.h"

const double mse_boot_sparsemse_alpha[8] = {0.025, 0.05, 0.1, 0.16, 0.84, 0.9, 0.95, 0.975};

/* ---------------------------------------------------------------------------
 * Arithmetic.
 */

double mse_quantile_type8(const double *x, size_t n, double p)
{
	LT_ASSERT(n >= 1 && p >= 0.0 && p <= 1.0);
	/* Hyndman & Fan's m = (p + 1)/3: the position is a + p (n + 1 - a - b)
	 * with a = b = 1/3, 1-based, with x[0] and x[n+1] read as the ends. */
	const double a = 1.0 / 3.0;
	const double fuzz = 4.0 * 2.220446049250313e-16;
	double pos = a + p * (n + 1 - a - a);
	double j = floor(pos + fuzz);
	double h = pos - j;
	if (fabs(h) < fuzz)
		h = 0.0;
	/* lo = x_(j), hi = x_(j+1), 1-based and clamped to [1, n]. */
	long jl = (long)j;
	size_t ilo = jl < 1 ? 0 : (size_t)jl > n ? n - 1 : (size_t)jl - 1;
	size_t ihi = jl + 1 < 1 ? 0 : (size_t)(jl + 1) > n ? n - 1 : (size_t)jl;
	double lo = x[ilo], hi = x[ihi];
	if (h == 1.0)
		return hi;
	if (h > 0.0 && h < 1.0 && lo != hi)
		return (1.0 - h) * lo + h * hi;
	return lo;
}

double mse_jackknife_acceleration(const double *x, const double *w, size_t n)
{
	long double sw = 0.0L, swx = 0.0L;
	for (size_t i = 0; i < n; i++) {
		double wi = w ? w[i] : 1.0;
		if (!isfinite(x[i]))
			return NAN;
		sw += wi;
		swx += wi * x[i];
	}
	if (sw <= 0.0L)
		return NAN;
	double mean = (double)swx / (double)sw;
	long double s2 = 0.0L, s3 = 0.0L;
	for (size_t i = 0; i < n; i++) {
		double wi = w ? w[i] : 1.0;
		double d = mean - x[i];
		s2 += wi * (d * d);
		s3 += wi * pow(d, 3.0);
	}
	if (s2 == 0.0L)
		return 0.0;
	return (double)s3 / (6.0 * pow((double)s2, 1.5));
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

lt_status mse_bca_bounds(double point, const double *reps, size_t n, double ahat,
                         const double *alpha, size_t nalpha, double *sorted, double *level,
                         double *bound, struct mse_bca *out, struct lt_error *err)
{
	size_t m = 0, below = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(reps[i]))
			continue;
		sorted[m++] = reps[i];
		if (reps[i] < point)
			below++;
	}
	out->ahat = ahat;
	out->nused = m;
	out->nbelow = below;
	out->z0 = NAN;
	if (m == 0)
		return lt_error_set(err, LT_EINVAL, "bootstrap",
		                    "no bootstrap replicate gave an estimate");
	if (!isfinite(point) || !isfinite(ahat))
		return lt_error_set(err, LT_EINVAL, "bootstrap",
		                    "the point estimate or the acceleration is not finite");
	for (size_t i = 0; i < nalpha; i++)
		if (!(alpha[i] > 0.0 && alpha[i] < 1.0))
			return lt_error_set(err, LT_EINVAL, "alpha",
			                    "level %g is not inside (0, 1)", alpha[i]);
	if (below == 0)
		return lt_error_set(
		    err, LT_EINVAL, "bootstrap",
		    "no bootstrap replicate lies below the point estimate, so the BCa "
		    "bias correction is infinite and there is no BCa interval");
	if (below == m)
		return lt_error_set(
		    err, LT_EINVAL, "bootstrap",
		    "every bootstrap replicate lies below the point estimate, so the "
		    "BCa bias correction is infinite and there is no BCa interval");
	qsort(sorted, m, sizeof(*sorted), cmp_double);
	double share = (double)((long double)below / (long double)m);
	double z0 = mse_qnorm(share);
	out->z0 = z0;
	for (size_t i = 0; i < nalpha; i++) {
		double za0 = mse_qnorm(alpha[i]) + z0;
		double lv = mse_pnorm(z0 + za0 / (1.0 - ahat * za0));
		if (isnan(lv))
			return lt_error_set(err, LT_EINVAL, "bootstrap",
			                    "the BCa level for %g is not a number", alpha[i]);
		level[i] = lv;
		bound[i] = mse_quantile_type8(sorted, m, lv);
	}
	return LT_OK;
}

/* ---------------------------------------------------------------------------
 * The canonical order of SparseMSE (tidylists): by the number of lists, then
 * by the 0/1 string in column order, decreasing.
 */

static uint32_t bit_reverse32(uint32_t x)
{
	uint32_t r = 0;
	for (int i = 0; i < 32; i++, x >>= 1)
		r = (r << 1) | (x & 1u);
	return r;
}

/* Reversing all 32 bits orders masks as reversing their nlists bits does. */
static int cmp_canonical(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int ca = __builtin_popcount(a), cb = __builtin_popcount(b);
	if (ca != cb)
		return ca < cb ? -1 : 1;
	uint32_t ra = bit_reverse32(a), rb = bit_reverse32(b);
	return (ra < rb) - (ra > rb);
}

size_t mse_boot_canonical_rows(const struct mse_table *t, uint32_t *out, size_t cap)
{
	size_t nobs = 0;
	for (size_t h = 1; h < t->ncells; h++)
		if (t->counts[h] > 0)
			nobs++;
	if (cap < nobs)
		return nobs;
	size_t k = 0;
	for (size_t h = 1; h < t->ncells; h++)
		if (t->counts[h] > 0)
			out[k++] = (uint32_t)h;
	qsort(out, nobs, sizeof(*out), cmp_canonical);
	return nobs;
}

/* ---------------------------------------------------------------------------
 * The driver.
 */

struct boot_run {
	const struct mse_boot_method *method;
	const struct mse_table *table;
	size_t nboot;
	size_t nrows;
	const uint32_t *rows;
	const double *row_count;
	long n;
	bool jackknife;
	size_t nunits;

	pthread_mutex_t lock;
	struct mse_rng rng; /* under lock */
	size_t next;        /* the next unit to take, under lock */
	atomic_size_t done; /* units finished */
	atomic_bool stop;   /* cancelled or failed: take no more units */
	atomic_int fatal;   /* an lt_status that stops the run, LT_OK if none */

	double *reps;
	double *jack;
	mse_boot_progress_fn progress;
	void *progress_user;
	bool cancelled; /* set by the calling thread only */
};

struct boot_worker {
	struct boot_run *run;
	bool caller; /* the calling thread: reports progress */
	void *state; /* the method's */
	struct mse_table *table;
	double *cells; /* [ncells] */
	long *draw;    /* [nrows] */
	pthread_t thread;
	bool started;
};

static void fail_run(struct boot_run *r, lt_status st)
{
	int expected = LT_OK;
	atomic_compare_exchange_strong(&r->fatal, &expected, (int)st);
	atomic_store(&r->stop, true);
}

static void worker_release(struct boot_worker *w)
{
	if (w->state)
		w->run->method->state_free(w->state);
	mse_table_free(w->table);
	free(w->cells);
	free(w->draw);
	w->state = NULL;
	w->table = NULL;
	w->cells = NULL;
	w->draw = NULL;
}

static lt_status worker_init(struct boot_worker *w, struct boot_run *r)
{
	w->run = r;
	w->cells = calloc(r->table->ncells, sizeof(*w->cells));
	w->draw = calloc(r->nrows, sizeof(*w->draw));
	if (!w->cells || !w->draw)
		return LT_ENOMEM;
	lt_status st = mse_table_from_counts(r->table, r->table->counts, &w->table, NULL);
	if (st != LT_OK)
		return st;
	return r->method->state_alloc(r->method->arg, r->table, &w->state);
}

/* Do one unit: replicate u < nboot, else the jackknife of row u - nboot. The
 * replicate's draw has been made into w->draw. */
static void worker_unit(struct boot_worker *w, size_t u)
{
	struct boot_run *r = w->run;
	size_t nc = r->table->ncells;
	if (u < r->nboot) {
		memset(w->cells, 0, nc * sizeof(*w->cells));
		for (size_t i = 0; i < r->nrows; i++)
			w->cells[r->rows[i]] = (double)w->draw[i];
	} else {
		memcpy(w->cells, r->table->counts, nc * sizeof(*w->cells));
		w->cells[r->rows[u - r->nboot]] -= 1.0;
	}
	mse_table_set_counts(w->table, w->cells);
	double total = NAN;
	lt_status st = r->method->estimate(w->state, r->method->arg, w->table, &total, NULL);
	if (st == LT_ENOMEM) {
		fail_run(r, st);
		return;
	}
	if (st != LT_OK)
		total = NAN;
	if (u < r->nboot)
		r->reps[u] = total;
	else
		r->jack[u - r->nboot] = total;
}

static void worker_loop(struct boot_worker *w)
{
	struct boot_run *r = w->run;
	for (;;) {
		if (atomic_load(&r->stop))
			break;
		pthread_mutex_lock(&r->lock);
		size_t u = r->next < r->nunits ? r->next++ : r->nunits;
		if (u < r->nboot)
			mse_rng_multinomial(&r->rng, r->n, r->row_count, r->nrows, w->draw);
		pthread_mutex_unlock(&r->lock);
		if (u >= r->nunits)
			break;
		worker_unit(w, u);
		size_t done = atomic_fetch_add(&r->done, 1) + 1;
		if (w->caller && r->progress && !atomic_load(&r->stop) &&
		    r->progress(r->progress_user, done, r->nunits) != 0) {
			r->cancelled = true;
			atomic_store(&r->stop, true);
		}
	}
}

static void *worker_main(void *arg)
{
	struct boot_worker *w = arg;
	lt_status st = worker_init(w, w->run);
	if (st != LT_OK)
		fail_run(w->run, st);
	else
		worker_loop(w);
	worker_release(w);
	mse_lp_thread_exit(); /* GLPK's environment of this thread */
	return NULL;
}

void mse_boot_result_release(struct mse_boot_result *r)
{
	if (!r)
		return;
	free(r->reps);
	free(r->rows);
	free(r->row_count);
	free(r->jack);
	r->reps = NULL;
	r->rows = NULL;
	r->row_count = NULL;
	r->jack = NULL;
}

static lt_status check_params(const struct mse_table *t, const struct mse_boot_params *p,
                              struct lt_error *err)
{
	if (p->nboot < 1 || p->nboot > MSE_BOOT_NBOOT_MAX)
		return lt_error_set(err, LT_EINVAL, "nboot", "must be 1 to %d, not %zu",
		                    MSE_BOOT_NBOOT_MAX, p->nboot);
	if (p->nthreads < 1 || p->nthreads > MSE_BOOT_THREADS_MAX)
		return lt_error_set(err, LT_EINVAL, "threads", "must be 1 to %d, not %u",
		                    MSE_BOOT_THREADS_MAX, p->nthreads);
	if (p->alpha && (p->nalpha < 1 || p->nalpha > MSE_BOOT_ALPHA_MAX))
		return lt_error_set(err, LT_EINVAL, "alpha", "must give 1 to %d levels, not %zu",
		                    MSE_BOOT_ALPHA_MAX, p->nalpha);
	for (size_t i = 0; p->alpha && i < p->nalpha; i++)
		if (!(p->alpha[i] > 0.0 && p->alpha[i] < 1.0))
			return lt_error_set(err, LT_EINVAL, "alpha",
			                    "level %g is not inside (0, 1)", p->alpha[i]);
	if (!(t->n >= 1.0 && t->n < (double)INT32_MAX))
		return lt_error_set(err, LT_EINVAL, "count",
		                    "the bootstrap needs 1 to %ld observed cases, not %.0f",
		                    (long)INT32_MAX - 1, t->n);
	return LT_OK;
}

/* Fill out->rows / row_count from params->rows or the canonical order. */
static lt_status set_rows(const struct mse_table *t, const struct mse_boot_params *p,
                          struct mse_boot_result *out, struct lt_error *err)
{
	size_t nobs = 0;
	for (size_t h = 1; h < t->ncells; h++)
		if (t->counts[h] > 0)
			nobs++;
	out->rows = malloc(nobs * sizeof(*out->rows));
	out->row_count = malloc(nobs * sizeof(*out->row_count));
	if (!out->rows || !out->row_count)
		return LT_ENOMEM;
	out->nrows = nobs;
	if (p->rows) {
		if (p->nrows != nobs)
			return lt_error_set(err, LT_EINVAL, "rows",
			                    "gives %zu histories; the table has %zu observed",
			                    p->nrows, nobs);
		for (size_t i = 0; i < nobs; i++) {
			uint32_t h = p->rows[i];
			bool dup = false;
			for (size_t j = 0; j < i && !dup; j++)
				dup = p->rows[j] == h;
			if (h == 0 || h >= t->ncells || !(t->counts[h] > 0) || dup)
				return lt_error_set(err, LT_EINVAL, "rows",
				                    "history %zu (mask %u) is not an observed "
				                    "history given once",
				                    i + 1, (unsigned)h);
			out->rows[i] = h;
		}
	} else {
		mse_boot_canonical_rows(t, out->rows, nobs);
	}
	for (size_t i = 0; i < nobs; i++)
		out->row_count[i] = t->counts[out->rows[i]];
	return LT_OK;
}

lt_status mse_boot_run(const struct mse_boot_method *method, const struct mse_table *t,
                       const struct mse_boot_params *p, struct mse_boot_result *out,
                       struct lt_error *err)
{
	memset(out, 0, sizeof(*out));
	out->point = NAN;
	out->bca.z0 = NAN;
	out->bca.ahat = NAN;
	lt_status st = check_params(t, p, err);
	if (st != LT_OK)
		return st;
	st = set_rows(t, p, out, err);
	if (st != LT_OK)
		return st == LT_ENOMEM ? lt_error_set(err, st, NULL, "out of memory") : st;

	out->nboot = p->nboot;
	out->reps = malloc(p->nboot * sizeof(*out->reps));
	if (p->jackknife)
		out->jack = malloc((out->nrows ? out->nrows : 1) * sizeof(*out->jack));
	if (!out->reps || (p->jackknife && !out->jack))
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	for (size_t i = 0; i < p->nboot; i++)
		out->reps[i] = NAN;
	for (size_t i = 0; p->jackknife && i < out->nrows; i++)
		out->jack[i] = NAN;
	out->nalpha = p->alpha ? p->nalpha : 8;
	memcpy(out->alpha, p->alpha ? p->alpha : mse_boot_sparsemse_alpha,
	       out->nalpha * sizeof(double));

	struct boot_run run = {
	    .method = method,
	    .table = t,
	    .nboot = p->nboot,
	    .nrows = out->nrows,
	    .rows = out->rows,
	    .row_count = out->row_count,
	    .n = (long)t->n,
	    .jackknife = p->jackknife,
	    .nunits = p->nboot + (p->jackknife ? out->nrows : 0),
	    .reps = out->reps,
	    .jack = out->jack,
	    .progress = p->progress,
	    .progress_user = p->progress_user,
	};
	atomic_init(&run.done, 0);
	atomic_init(&run.stop, false);
	atomic_init(&run.fatal, LT_OK);
	mse_rng_seed(&run.rng, p->seed);
	if (pthread_mutex_init(&run.lock, NULL) != 0)
		return lt_error_set(err, LT_EINTERNAL, NULL, "could not create a lock");

	struct boot_worker *workers = calloc(p->nthreads, sizeof(*workers));
	if (!workers) {
		pthread_mutex_destroy(&run.lock);
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	}
	workers[0].caller = true;
	st = worker_init(&workers[0], &run);
	if (st == LT_OK) {
		/* The point estimate, on the caller's state, with the reason if it fails. */
		st = method->estimate(workers[0].state, method->arg, t, &out->point, err);
	} else {
		lt_error_set(err, st, NULL, "could not set up the %s method", method->name);
	}
	if (st == LT_OK) {
		for (unsigned i = 1; i < p->nthreads; i++) {
			workers[i].run = &run;
			/* A thread that cannot be started leaves its share to the others. */
			workers[i].started =
			    pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) == 0;
		}
		worker_loop(&workers[0]);
		for (unsigned i = 1; i < p->nthreads; i++)
			if (workers[i].started)
				pthread_join(workers[i].thread, NULL);
	}
	worker_release(&workers[0]);
	free(workers);
	pthread_mutex_destroy(&run.lock);
	if (st != LT_OK)
		return st;
	st = (lt_status)atomic_load(&run.fatal);
	if (st != LT_OK)
		return lt_error_set(err, st, NULL, "the bootstrap ran out of memory");
	if (run.cancelled) {
		out->cancelled = true;
		snprintf(out->bca_message, sizeof(out->bca_message), "the bootstrap was cancelled");
		return LT_OK;
	}
	if (p->progress)
		p->progress(p->progress_user, run.nunits, run.nunits);

	for (size_t i = 0; i < p->nboot; i++)
		if (isnan(out->reps[i]))
			out->nfailed++;
	double ahat = 0.0;
	if (p->jackknife) {
		for (size_t i = 0; i < out->nrows; i++)
			if (isnan(out->jack[i]))
				out->jack_failed++;
		ahat = mse_jackknife_acceleration(out->jack, out->row_count, out->nrows);
	}
	double *sorted = malloc(p->nboot * sizeof(*sorted));
	if (!sorted)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	struct lt_error bca_err;
	lt_error_clear(&bca_err);
	if (p->jackknife && out->jack_failed > 0) {
		out->bca.ahat = NAN;
		snprintf(out->bca_message, sizeof(out->bca_message),
		         "%zu of the %zu jackknife fits failed, so the acceleration is unknown",
		         out->jack_failed, out->nrows);
	} else if (mse_bca_bounds(out->point, out->reps, p->nboot, ahat, out->alpha, out->nalpha,
	                          sorted, out->level, out->bound, &out->bca, &bca_err) == LT_OK) {
		out->bca_ok = true;
	} else {
		snprintf(out->bca_message, sizeof(out->bca_message), "%s", bca_err.message);
	}
	free(sorted);
	return LT_OK;
}

/* ---------------------------------------------------------------------------
 * The fixed-model method.
 */

static lt_status fixed_state_alloc(const void *arg, const struct mse_table *like, void **state)
{
	const struct mse_model *m = arg;
	*state = mse_workspace_alloc(like->nlists, 1 + like->nlists + m->nterms);
	return *state ? LT_OK : LT_ENOMEM;
}

static void fixed_state_free(void *state)
{
	mse_workspace_free(state);
}

static lt_status fixed_estimate(void *state, const void *arg, const struct mse_table *t,
                                double *total, struct lt_error *err)
{
	const struct mse_model *m = arg;
	struct mse_workspace *w = state;
	struct mse_check chk;
	lt_status st = mse_model_check(w, t, m, &chk, err);
	if (st != LT_OK)
		return st;
	if (chk.code != MSE_CHECK_OK)
		return err ? mse_check_explain(w, t, m, &chk, err)
		           : (chk.code & MSE_CHECK_NO_MLE ? LT_ENOMLE : LT_ENOTIDENT);
	const struct mse_fit_params fp = MSE_FIT_PARAMS_DEFAULT;
	struct mse_fit fit;
	st = mse_model_fit(w, t, m, &fp, &fit, err);
	if (st != LT_OK)
		return st;
	*total = fit.total;
	return LT_OK;
}

void mse_boot_method_fixed(struct mse_boot_method *out, const struct mse_model *m)
{
	*out = (struct mse_boot_method){
	    .name = m->nterms ? "fixed" : "main",
	    .state_alloc = fixed_state_alloc,
	    .state_free = fixed_state_free,
	    .estimate = fixed_estimate,
	    .arg = m,
	};
}

/* ---------------------------------------------------------------------------
 * Any selection method.
 */

struct select_state {
	struct mse_select_workspace *w;
	struct mse_bic_table *b; /* bic and average only */
};

static void select_state_free(void *state)
{
	struct select_state *s = state;
	if (!s)
		return;
	mse_select_workspace_free(s->w);
	mse_bic_table_free(s->b);
	free(s);
}

static lt_status select_state_alloc(const void *arg, const struct mse_table *like, void **state)
{
	const struct mse_boot_select *a = arg;
	struct select_state *s = calloc(1, sizeof(*s));
	*state = s;
	if (!s)
		return LT_ENOMEM;
	s->w = mse_select_workspace_alloc(like->nlists, 1);
	if (!s->w)
		return LT_ENOMEM;
	if (a->method != MSE_SELECT_BIC && a->method != MSE_SELECT_AVERAGE)
		return LT_OK;
	if (a->models)
		return a->models->nlists == like->nlists
		           ? mse_bic_table_copy(a->models, &s->b, NULL)
		           : LT_EINVAL;
	return mse_bic_table_alloc(like->nlists, a->params.max_order, &s->b, NULL);
}

static lt_status select_estimate(void *state, const void *arg, const struct mse_table *t,
                                 double *total, struct lt_error *err)
{
	const struct mse_boot_select *a = arg;
	struct select_state *s = state;
	struct mse_select_params p = a->params;
	p.nthreads = 1;
	struct mse_selection sel;
	lt_status st = mse_select_run(s->w, t, a->method, a->fixed, &p, s->b, &sel, err);
	if (st == LT_OK)
		*total = sel.total;
	return st;
}

size_t mse_boot_default_ntop(unsigned nlists)
{
	return nlists <= 3 ? SIZE_MAX : nlists == 4 ? 20 : 100;
}

void mse_boot_method_select(struct mse_boot_method *out, const struct mse_boot_select *arg)
{
	*out = (struct mse_boot_method){
	    .name = mse_select_method_name(arg->method),
	    .state_alloc = select_state_alloc,
	    .state_free = select_state_free,
	    .estimate = select_estimate,
	    .arg = arg,
	};
}
