/*
 * mse_select_bic.c — exhaustive search over hierarchical models by BIC, and
 * averaging over the models it ranks.
 *
 * The search (Silverman, Chan & Vincent 2024, "Bootstrapping multiple
 * systems estimates to account for model selection", Stat. Comput. 34:44;
 * MultipleSystemsEstimation's estimate_population_bic and assemble_bic).
 * Every hierarchical model — main effects always, and any set of
 * interactions closed under taking sub-interactions — of degree at most the
 * maximum order is checked (check_extended_MLE: the linear programme and the
 * rank test) and, if it passes, fitted. Its BIC is k log(n) - 2 logL with k
 * every parameter of the model, -inf ones included, and n the number of
 * cases observed (the Rcapture convention). Models are ranked by BIC; the
 * estimate is the best model's n + exp(alpha0). The package draws its models
 * from a stored catalogue; here they are enumerated: the candidate terms
 * sorted by degree and then lexicographically by their lists, and a
 * depth-first walk that first leaves a term out and then puts it in (if all
 * its sub-terms are in). In that order a model comes after every model it
 * contains. Ties of BIC, which the catalogue order would break in R, go to
 * the model enumerated first. With six lists and pairs only there are
 * 2^15 = 32,768 models; five lists up to order 3 have 6,212.
 *
 * Speed. Each model is fitted by the fast fitter (mse_select_int.h) from R's
 * start, so no fit depends on another and the threads may take models in any
 * order: the ranked table is the same for any number of threads. A fit that
 * proves its MLE exists needs no linear programme. The others — models
 * without an MLE, usually — are settled afterwards, on the calling thread and
 * in enumeration order: such a model has no MLE if a model it contains, with
 * the same -inf terms (so the same cells), has none (if x > 0 matched the
 * larger model's margins it would match the smaller's); otherwise the linear
 * programme decides. Because sub-models come first, each programme solved
 * settles a whole upward-closed family. The linear programmes all run on the
 * calling thread, which also keeps GLPK's per-thread state out of the worker
 * threads.
 *
 * Averaging (lantern's own; docs/estimation.md, "Model selection:
 * average"). BIC weights w_m ∝ exp(-ΔBIC_m / 2) approximate posterior model
 * probabilities under unit-information priors (Kass & Raftery 1995, JASA
 * 90:773; Raftery 1995, Sociol. Methodol. 25:111). Each model's Wald
 * distribution of the log dark figure is N(alpha0_m, var_m); their mixture
 * with weights w_m is the model-averaged distribution (Hoeting, Madigan,
 * Raftery & Volinsky 1999, Statist. Sci. 14:382), whose central quantiles
 * give the interval. The point estimate is n + exp(sum w_m alpha0_m), the
 * weighted mean on the log scale (Buckland, Burnham & Augustin 1997,
 * Biometrics 53:603), and Buckland's unconditional variance is reported
 * beside it.
 */
#include "mse/mse_select.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/bug.h"
#include "mse/mse_int.h"
#include "mse/mse_select_int.h"

#include "core/banned.h"

#define BLOCK 16 /* models a thread takes at a time */

/* Fitting states of a model in the table's scratch. */
enum { FIT_OK, FIT_CERTIFIED, FIT_NOCONV, FIT_FAILED };

unsigned mse_bic_default_order(unsigned nlists)
{
	switch (nlists) {
	case 2:
		return 1;
	case 3:
		return 2;
	case 4:
	case 5:
		return 3;
	default:
		return 2;
	}
}

static unsigned popcount(uint32_t x)
{
	return (unsigned)__builtin_popcount(x);
}

/* Terms ordered by degree, then lexicographically by their lists. */
static int term_cmp(uint32_t a, uint32_t b)
{
	unsigned da = popcount(a), db = popcount(b);
	if (da != db)
		return da < db ? -1 : 1;
	while (a != b) {
		uint32_t la = a & -a, lb = b & -b;
		if (la != lb)
			return la < lb ? -1 : 1;
		a ^= la;
		b ^= lb;
	}
	return 0;
}

/* The candidate terms of degree 2..max_order of `nlists` lists, in term
 * order, into out (capacity 64). */
static unsigned candidate_terms(unsigned nlists, unsigned max_order, uint32_t *out)
{
	unsigned n = 0;
	for (uint32_t m = 1; m < (1u << nlists); m++) {
		unsigned d = popcount(m);
		if (d < 2 || d > max_order)
			continue;
		unsigned j = n++;
		while (j > 0 && term_cmp(out[j - 1], m) > 0) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = m;
	}
	return n;
}

void mse_bic_model(unsigned nlists, uint64_t terms, struct mse_model *out)
{
	uint32_t cand[64];
	unsigned n = candidate_terms(nlists, nlists, cand);
	mse_model_init(out, nlists);
	for (unsigned k = 0; k < n; k++)
		if (terms >> cand[k] & 1)
			LT_ASSERT(mse_model_add(out, cand[k]) == LT_OK);
}

/* Are all sub-terms of degree >= 2 one below `m` in `set`? */
static bool subterms_in(uint32_t m, uint64_t set)
{
	if (popcount(m) <= 2)
		return true;
	for (uint32_t r = m; r; r &= r - 1) {
		uint32_t sub = m & ~(r & -r);
		if (!(set >> sub & 1))
			return false;
	}
	return true;
}

struct enumerator {
	const uint32_t *cand;
	unsigned ncand;
	uint64_t *out; /* NULL: count only */
	size_t n, cap;
};

/* Depth first: leave term k out, then put it in. False past the cap. */
static bool enumerate(struct enumerator *e, unsigned k, uint64_t set)
{
	if (k == e->ncand) {
		if (e->n >= e->cap)
			return false;
		if (e->out)
			e->out[e->n] = set;
		e->n++;
		return true;
	}
	if (!enumerate(e, k + 1, set))
		return false;
	uint32_t m = e->cand[k];
	if (subterms_in(m, set))
		return enumerate(e, k + 1, set | (uint64_t)1 << m);
	return true;
}

lt_status mse_bic_table_alloc(unsigned nlists, unsigned max_order, struct mse_bic_table **out,
                              struct lt_error *err)
{
	*out = NULL;
	if (nlists < 2)
		return lt_error_set(err, LT_EINVAL, "", "a search needs at least 2 lists");
	if (nlists > MSE_SELECT_BIC_LISTS_MAX)
		return lt_error_set(
		    err, LT_ETOOBIG, "",
		    "the exhaustive BIC search is limited to %d lists; this table has %u "
		    "(use stepwise or aic)",
		    MSE_SELECT_BIC_LISTS_MAX, nlists);
	if (max_order == 0)
		max_order = mse_bic_default_order(nlists);
	if (max_order >= nlists)
		return lt_error_set(err, LT_EINVAL, "max_order",
		                    "the highest order must be 1 to %u for %u lists", nlists - 1,
		                    nlists);
	uint32_t cand[64];
	unsigned ncand = candidate_terms(nlists, max_order, cand);
	struct enumerator e = {cand, ncand, NULL, 0, MSE_SELECT_BIC_MODELS_MAX};
	if (!enumerate(&e, 0, 0))
		return lt_error_set(
		    err, LT_ETOOBIG, "max_order",
		    "%u lists up to order %u have more than %d hierarchical models; "
		    "lower the order",
		    nlists, max_order, MSE_SELECT_BIC_MODELS_MAX);
	struct mse_bic_table *b = calloc(1, sizeof(*b));
	if (!b)
		return lt_error_set(err, LT_ENOMEM, "", "out of memory");
	b->nlists = nlists;
	b->max_order = max_order;
	b->nmodels = e.n;
	b->models = calloc(e.n, sizeof(uint64_t));
	b->code = calloc(e.n, 1);
	b->rows = calloc(e.n, sizeof(*b->rows));
	b->fit_status = calloc(e.n, 1);
	b->fail_terms = calloc(e.n, sizeof(uint64_t));
	b->fail_zero = calloc(e.n, sizeof(uint64_t));
	b->fail_code = calloc(e.n, 1);
	if (!b->models || !b->code || !b->rows || !b->fit_status || !b->fail_terms ||
	    !b->fail_zero || !b->fail_code) {
		mse_bic_table_free(b);
		return lt_error_set(err, LT_ENOMEM, "", "out of memory");
	}
	e.out = b->models;
	e.n = 0;
	LT_ASSERT(enumerate(&e, 0, 0) && e.n == b->nmodels);
	*out = b;
	return LT_OK;
}

void mse_bic_table_free(struct mse_bic_table *b)
{
	if (!b)
		return;
	free(b->models);
	free(b->code);
	free(b->rows);
	free(b->fit_status);
	free(b->fail_terms);
	free(b->fail_zero);
	free(b->fail_code);
	free(b);
}

lt_status mse_bic_table_copy(const struct mse_bic_table *src, struct mse_bic_table **out,
                             struct lt_error *err)
{
	*out = NULL;
	if (src->nmodels == 0)
		return lt_error_set(err, LT_EINVAL, "", "the model table has no models");
	struct mse_bic_table *b = calloc(1, sizeof(*b));
	if (!b)
		return lt_error_set(err, LT_ENOMEM, "", "out of memory");
	size_t n = src->nmodels;
	b->nlists = src->nlists;
	b->max_order = src->max_order;
	b->nmodels = n;
	b->models = malloc(n * sizeof(uint64_t));
	b->code = calloc(n, 1);
	b->rows = calloc(n, sizeof(*b->rows));
	b->fit_status = calloc(n, 1);
	b->fail_terms = calloc(n, sizeof(uint64_t));
	b->fail_zero = calloc(n, sizeof(uint64_t));
	b->fail_code = calloc(n, 1);
	if (!b->models || !b->code || !b->rows || !b->fit_status || !b->fail_terms ||
	    !b->fail_zero || !b->fail_code) {
		mse_bic_table_free(b);
		return lt_error_set(err, LT_ENOMEM, "", "out of memory");
	}
	memcpy(b->models, src->models, n * sizeof(uint64_t));
	*out = b;
	return LT_OK;
}

static int size_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	return (a > b) - (a < b);
}

lt_status mse_bic_table_restrict(struct mse_bic_table *b, size_t ntop, struct lt_error *err)
{
	if (ntop == 0)
		return lt_error_set(err, LT_EINVAL, "ntop", "keep at least one model");
	if (b->nvalid == 0)
		return lt_error_set(err, LT_EINVAL, "", "no ranked model to keep");
	size_t n = ntop < b->nvalid ? ntop : b->nvalid;
	/* The indices of the best n, in enumeration order; fail_terms is free
	 * scratch between searches. */
	_Static_assert(sizeof(size_t) <= sizeof(uint64_t), "size_t fits the scratch");
	size_t *idx = (size_t *)(void *)b->fail_terms;
	for (size_t i = 0; i < n; i++)
		idx[i] = b->rows[i].index;
	qsort(idx, n, sizeof(size_t), size_cmp);
	for (size_t i = 0; i < n; i++)
		b->models[i] = b->models[idx[i]];
	b->nmodels = n;
	b->nvalid = 0;
	return LT_OK;
}

/* The masks of a model's terms into `terms`; returns how many. */
static unsigned model_terms(uint64_t set, uint32_t *terms)
{
	unsigned n = 0;
	while (set) {
		unsigned m = (unsigned)__builtin_ctzll(set);
		terms[n++] = m;
		set &= set - 1;
	}
	return n;
}

static unsigned model_order(uint64_t set)
{
	unsigned o = 1;
	for (; set; set &= set - 1) {
		unsigned d = popcount((uint32_t)__builtin_ctzll(set));
		if (d > o)
			o = d;
	}
	return o;
}

struct bic_run {
	struct mse_select_workspace *w;
	const struct mse_table *t;
	const struct mse_select_params *p;
	struct mse_bic_table *b;
	atomic_size_t next;
};

struct bic_worker {
	struct bic_run *run;
	unsigned id;
	pthread_t thread;
	bool started;
};

static void fill_row(struct mse_bic_row *r, uint64_t set, size_t index, const struct msel_fit *f)
{
	r->terms = set;
	r->index = index;
	r->order = model_order(set);
	r->nparams_model = f->nparams_model;
	r->nneginf = f->nneginf;
	r->total = f->total;
	r->log_dark = f->log_dark;
	r->log_dark_var = f->log_dark_var;
	r->loglik = f->loglik;
	r->aic = f->aic;
	r->bic = f->bic;
	r->weight = 0;
}

/* Phase 1: fit every model; certify what can be certified. */
static void *worker_main(void *arg)
{
	struct bic_worker *wk = arg;
	struct bic_run *run = wk->run;
	struct msel_fast *f = run->w->fast[wk->id];
	struct mse_bic_table *b = run->b;
	uint32_t terms[64];
	if (wk->id != 0)
		msel_fast_set_table(f, run->t);
	for (;;) {
		size_t k0 = atomic_fetch_add(&run->next, BLOCK);
		if (k0 >= b->nmodels)
			break;
		size_t k1 = k0 + BLOCK < b->nmodels ? k0 + BLOCK : b->nmodels;
		for (size_t k = k0; k < k1; k++) {
			unsigned nt = model_terms(b->models[k], terms);
			struct msel_fit fit;
			lt_status st = msel_fast_fit(f, terms, nt, &run->p->fit, &fit);
			if (st == LT_OK && msel_certify(f))
				b->fit_status[k] = FIT_CERTIFIED;
			else if (st == LT_OK)
				b->fit_status[k] = FIT_OK;
			else if (st == LT_ENOCONVERGE)
				b->fit_status[k] = FIT_NOCONV;
			else
				b->fit_status[k] = FIT_FAILED;
			if (b->fit_status[k] != FIT_FAILED)
				fill_row(&b->rows[k], b->models[k], k, &fit);
		}
	}
	return NULL;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct mse_bic_row *a = pa, *b = pb;
	if (a->bic < b->bic)
		return -1;
	if (a->bic > b->bic)
		return 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

lt_status mse_select_bic(struct mse_select_workspace *w, const struct mse_table *t,
                         const struct mse_select_params *p, struct mse_bic_table *b,
                         struct mse_selection *out, struct lt_error *err)
{
	lt_status st = mse_select_params_check(p, err);
	if (st != LT_OK)
		return st;
	if (t->nlists != w->nlists || b->nlists != t->nlists)
		return lt_error_set(err, LT_EINVAL, "",
		                    "the workspace, the model table and the data differ in lists");
	if (p->nthreads > w->nthreads)
		return lt_error_set(err, LT_EINVAL, "nthreads",
		                    "the workspace has fitters for %u threads, not %u", w->nthreads,
		                    p->nthreads);
	b->nvalid = b->nno_mle = b->nnot_ident = b->nno_converge = b->nlp = b->ninferred = 0;
	b->nfail = 0;

	/* Phase 1, on p->nthreads threads. */
	struct bic_run run = {.w = w, .t = t, .p = p, .b = b};
	atomic_init(&run.next, 0);
	struct bic_worker workers[MSE_SELECT_THREADS_MAX];
	msel_fast_set_table(w->fast[0], t);
	for (unsigned i = 0; i < p->nthreads; i++) {
		workers[i] = (struct bic_worker){.run = &run, .id = i};
		/* A thread that cannot start leaves its share to the others. */
		if (i > 0)
			workers[i].started =
			    pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) == 0;
	}
	worker_main(&workers[0]);
	for (unsigned i = 1; i < p->nthreads; i++)
		if (workers[i].started)
			pthread_join(workers[i].thread, NULL);

	/* Phase 2, here, in enumeration order: settle what was not certified. */
	uint64_t zero = 0; /* terms with no case in common */
	for (uint32_t m = 3; m < t->ncells && m < 64; m++)
		if (popcount(m) >= 2 && mse_table_margin(t, m) == 0)
			zero |= (uint64_t)1 << m;
	struct mse_model m;
	for (size_t k = 0; k < b->nmodels; k++) {
		uint64_t set = b->models[k];
		if (b->fit_status[k] == FIT_CERTIFIED) {
			b->code[k] = MSE_CHECK_OK;
			continue;
		}
		uint64_t z = set & zero;
		int inferred = -1;
		for (size_t j = 0; j < b->nfail; j++) {
			if (b->fail_zero[j] == z && (b->fail_terms[j] & ~set) == 0) {
				inferred = b->fail_code[j];
				break;
			}
		}
		if (inferred > 0) {
			b->code[k] = (unsigned char)inferred;
			b->ninferred++;
			continue;
		}
		mse_bic_model(t->nlists, set, &m);
		struct mse_check c;
		st = mse_model_check(w->core[0], t, &m, &c, err);
		if (st != LT_OK)
			return st;
		b->nlp++;
		b->code[k] = (unsigned char)c.code;
		if (c.code == MSE_CHECK_OK && b->fit_status[k] == FIT_FAILED) {
			/* The fast fitter's Cholesky gave up on a model the check
			 * passes (extreme weights): the reference fit decides. */
			const struct mse_fit_params fp = p->fit;
			struct mse_fit cf;
			lt_status fst = mse_model_fit(w->core[0], t, &m, &fp, &cf, NULL);
			if (fst == LT_OK || fst == LT_ENOCONVERGE) {
				struct msel_fit f = {.converged = cf.converged,
				                     .nparams = cf.nparams,
				                     .nneginf = cf.nneginf,
				                     .nparams_model = cf.nparams_model,
				                     .n = cf.n,
				                     .log_dark = cf.log_dark,
				                     .log_dark_var = cf.log_dark_var,
				                     .dark = cf.dark,
				                     .total = cf.total,
				                     .deviance = cf.deviance,
				                     .loglik = cf.loglik,
				                     .aic = cf.aic,
				                     .bic = cf.bic};
				fill_row(&b->rows[k], set, k, &f);
				b->fit_status[k] = fst == LT_OK ? FIT_OK : FIT_NOCONV;
			}
		}
		if (c.code != MSE_CHECK_OK) {
			b->fail_terms[b->nfail] = set;
			b->fail_zero[b->nfail] = z;
			b->fail_code[b->nfail] = (unsigned char)c.code;
			b->nfail++;
		}
	}

	/* Keep the valid models and rank them. */
	size_t nv = 0;
	for (size_t k = 0; k < b->nmodels; k++) {
		if (b->code[k] != MSE_CHECK_OK) {
			if (b->code[k] & MSE_CHECK_NO_MLE)
				b->nno_mle++;
			else
				b->nnot_ident++;
			continue;
		}
		if (b->fit_status[k] == FIT_FAILED) {
			b->nnot_ident++;
			continue;
		}
		if (b->fit_status[k] == FIT_NOCONV)
			b->nno_converge++;
		if (nv != k)
			b->rows[nv] = b->rows[k];
		nv++;
	}
	b->nvalid = nv;
	qsort(b->rows, nv, sizeof(*b->rows), row_cmp);
	if (nv == 0)
		return lt_error_set(err, LT_ENOMLE, "",
		                    "no hierarchical model up to order %u has an MLE on this data",
		                    b->max_order);
	const struct mse_bic_row *r = &b->rows[0];
	mse_bic_model(t->nlists, r->terms, &out->model);
	out->method = MSE_SELECT_BIC;
	out->n = t->n;
	out->total = r->total;
	out->log_dark = r->log_dark;
	out->log_dark_var = r->log_dark_var;
	out->loglik = r->loglik;
	out->aic = r->aic;
	out->bic = r->bic;
	out->nparams_model = r->nparams_model;
	out->nneginf = r->nneginf;
	out->nmodels = nv;
	out->level = out->lower = out->upper = NAN;
	return LT_OK;
}

/* The mixture CDF at log dark figure x over rows[0..n-1] with weight. */
static double mixture_cdf(const struct mse_bic_row *rows, size_t n, double x)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mse_bic_row *r = &rows[i];
		if (r->weight == 0)
			continue;
		double sd = sqrt(r->log_dark_var);
		s += r->weight *
		     (sd > 0 ? mse_pnorm((x - r->log_dark) / sd) : (x >= r->log_dark ? 1.0 : 0.0));
	}
	return s;
}

/* The q-quantile of the mixture, by bisection between the smallest and the
 * largest of the components' q-quantiles (the mixture's lies between). */
static double mixture_quantile(const struct mse_bic_row *rows, size_t n, double q)
{
	double z = mse_qnorm(q), lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].weight == 0)
			continue;
		double x = rows[i].log_dark + z * sqrt(rows[i].log_dark_var);
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	for (int it = 0; it < 200 && hi - lo > 1e-13 * (1 + fabs(lo)); it++) {
		double mid = 0.5 * (lo + hi);
		if (mixture_cdf(rows, n, mid) < q)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

lt_status mse_select_average(struct mse_bic_table *b, const struct mse_table *t,
                             const struct mse_select_params *p, struct mse_selection *out,
                             struct lt_error *err)
{
	lt_status st = mse_select_params_check(p, err);
	if (st != LT_OK)
		return st;
	if (b->nvalid == 0)
		return lt_error_set(err, LT_EINVAL, "", "no ranked model to average over");
	size_t top = p->average_top && p->average_top < b->nvalid ? p->average_top : b->nvalid;
	struct mse_bic_row *rows = b->rows;
	double bmin = rows[0].bic, wsum = 0;
	for (size_t i = 0; i < b->nvalid; i++) {
		/* Weights below 1e-300 of the best model's underflow to 0 and
		 * drop out of the mixture; they could not move it. */
		rows[i].weight = i < top ? exp(-(rows[i].bic - bmin) / 2) : 0;
		wsum += rows[i].weight;
	}
	double mean = 0;
	for (size_t i = 0; i < top; i++) {
		rows[i].weight /= wsum;
		mean += rows[i].weight * rows[i].log_dark;
	}
	double buck = 0;
	for (size_t i = 0; i < top; i++) {
		double d = rows[i].log_dark - mean;
		buck += rows[i].weight * sqrt(rows[i].log_dark_var + d * d);
	}
	double lo = mixture_quantile(rows, top, (1 - p->level) / 2);
	double hi = mixture_quantile(rows, top, (1 + p->level) / 2);
	const struct mse_bic_row *r = &rows[0];
	mse_bic_model(t->nlists, r->terms, &out->model);
	out->method = MSE_SELECT_AVERAGE;
	out->n = t->n;
	out->log_dark = mean;
	out->log_dark_var = buck * buck;
	out->total = t->n + exp(mean);
	out->loglik = r->loglik;
	out->aic = r->aic;
	out->bic = r->bic;
	out->nparams_model = r->nparams_model;
	out->nneginf = r->nneginf;
	out->nmodels = top;
	out->level = p->level;
	out->lower = t->n + exp(lo);
	out->upper = t->n + exp(hi);
	return LT_OK;
}
