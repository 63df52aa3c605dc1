/*
 * link_em.c — m, u and λ by expectation-maximisation on the counts of
 * distinct comparison patterns (link_model.h, "TRAINING").
 *
 * THE TRICK (Enamorado, Fifield and Imai 2019, fastLink's emlinkMARmov).
 * Under the Fellegi–Sunter model the posterior match probability of a pair
 * depends only on its comparison pattern, so the E step and the M step
 * need only each distinct pattern and how many pairs have it. Millions of
 * pairs fall into a few hundred or thousand patterns; one iteration costs
 * that, not the number of pairs. The pairs are walked once, to count.
 *
 * TERM FREQUENCIES IN THE E STEP. splink's default EM applies the TF
 * adjustment in its E step, pair by pair. The adjustment of a pair at a TF
 * level depends on the frequency of its value, so a pattern here is the
 * vector together with the log2 frequency each TF comparison used: pairs
 * with the same vector and the same frequencies have the same posterior,
 * and the counts stay exact. The number of distinct frequencies is small
 * (one per distinct count of a value), so the patterns stay few.
 *
 * THE STEPS. With w = log2(λ/(1-λ)) + Σ_k [log2(m_kl/u_kl) + TF term] over
 * the comparisons not skipped (a null level adds nothing), p = 2^w/(1+2^w)
 * for each pattern; then with n its count, m_kl ∝ Σ p·n over patterns at
 * level l, u_kl ∝ Σ (1-p)·n (unless u is fixed), each normalised over the
 * non-null levels of comparison k, and λ = Σ p·n / Σ n. This is exactly
 * splink's expectation_maximisation.py, iteration for iteration: the
 * golden histories of splink 2 reproduce to 1e-12
 * (tests/linkage/test_link_model.c).
 *
 * THE MAP. Open addressing over indices into flat arrays of vectors,
 * frequencies and counts; the key is compared bitwise (a frequency is
 * computed the same way every time, so equal frequencies have equal bits).
 * It grows by doubling; nothing is allocated per pair otherwise.
 */
#include "linkage/link_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linkage/link_model_int.h"
#include "core/banned.h"

struct lt_link_patterns {
	size_t ncomp;
	size_t nlevel[LT_LINK_COMPARISONS_MAX];
	bool tf;                             /* the key holds TF frequencies */
	size_t ntf;                          /* comparisons with a TF level (0 without tf) */
	int tfslot[LT_LINK_COMPARISONS_MAX]; /* comparison -> index in a key's ltf, or -1 */
	size_t n;                            /* distinct patterns */
	size_t cap;                          /* patterns allocated */
	uint64_t *vec;                       /* n vectors */
	double *ltf;                         /* n x ntf log2 frequencies, -INFINITY = none */
	double *count;                       /* n counts */
	uint32_t *slots;                     /* nslot: pattern index + 1, 0 = empty */
	size_t nslot;                        /* a power of two, >= 2n */
	double total;
};

lt_status lt_link_patterns_alloc(const struct lt_link_model *m, bool tf,
                                 struct lt_link_patterns **out)
{
	*out = NULL;
	struct lt_link_patterns *pt = calloc(1, sizeof(*pt));
	if (pt == NULL)
		return LT_ENOMEM;
	pt->ncomp = m->ncomp;
	pt->tf = tf;
	for (size_t k = 0; k < m->ncomp; k++) {
		pt->nlevel[k] = m->comps[k].nlevel;
		pt->tfslot[k] = -1;
		if (tf && m->comps[k].tf_level_mask)
			pt->tfslot[k] = (int)pt->ntf++;
	}
	pt->nslot = 256;
	pt->slots = calloc(pt->nslot, sizeof(*pt->slots));
	if (pt->slots == NULL) {
		free(pt);
		return LT_ENOMEM;
	}
	*out = pt;
	return LT_OK;
}

void lt_link_patterns_free(struct lt_link_patterns *pt)
{
	if (pt == NULL)
		return;
	free(pt->vec);
	free(pt->ltf);
	free(pt->count);
	free(pt->slots);
	free(pt);
}

size_t lt_link_patterns_distinct(const struct lt_link_patterns *pt)
{
	return pt->n;
}

double lt_link_patterns_total(const struct lt_link_patterns *pt)
{
	return pt->total;
}

static uint64_t key_hash(uint64_t vec, const double *ltf, size_t ntf)
{
	uint64_t h = vec * 0x9E3779B97F4A7C15ULL;
	for (size_t i = 0; i < ntf; i++) {
		uint64_t bits;
		memcpy(&bits, &ltf[i], sizeof(bits));
		h = (h ^ bits ^ (h >> 29)) * 0xBF58476D1CE4E5B9ULL;
	}
	return h ^ (h >> 32);
}

/* Equal keys: the same bits (a frequency is computed the same way every
 * time, so equal frequencies have equal bits). */
static bool same_ltf(const double *a, const double *b, size_t ntf)
{
	for (size_t i = 0; i < ntf; i++) {
		uint64_t x, y;
		memcpy(&x, &a[i], sizeof(x));
		memcpy(&y, &b[i], sizeof(y));
		if (x != y)
			return false;
	}
	return true;
}

static lt_status grow_slots(struct lt_link_patterns *pt)
{
	size_t ns = pt->nslot * 2;
	uint32_t *s = calloc(ns, sizeof(*s));
	if (s == NULL)
		return LT_ENOMEM;
	for (size_t i = 0; i < pt->n; i++) {
		size_t j = (size_t)key_hash(pt->vec[i], pt->ltf + i * pt->ntf, pt->ntf) & (ns - 1);
		while (s[j])
			j = (j + 1) & (ns - 1);
		s[j] = (uint32_t)(i + 1);
	}
	free(pt->slots);
	pt->slots = s;
	pt->nslot = ns;
	return LT_OK;
}

static lt_status grow_arrays(struct lt_link_patterns *pt)
{
	size_t nc = pt->cap ? pt->cap * 2 : 128;
	uint64_t *v = realloc(pt->vec, nc * sizeof(*v));
	if (v == NULL)
		return LT_ENOMEM;
	pt->vec = v;
	double *c = realloc(pt->count, nc * sizeof(*c));
	if (c == NULL)
		return LT_ENOMEM;
	pt->count = c;
	if (pt->ntf) {
		double *l = realloc(pt->ltf, nc * pt->ntf * sizeof(*l));
		if (l == NULL)
			return LT_ENOMEM;
		pt->ltf = l;
	}
	pt->cap = nc;
	return LT_OK;
}

/* Add `count` of the pattern (vec, ltf[ntf]). */
static lt_status add_key(struct lt_link_patterns *pt, uint64_t vec, const double *ltf, double count)
{
	size_t ntf = pt->ntf;
	size_t mask = pt->nslot - 1;
	size_t j = (size_t)key_hash(vec, ltf, ntf) & mask;
	for (;; j = (j + 1) & mask) {
		uint32_t s = pt->slots[j];
		if (s == 0)
			break;
		size_t i = s - 1;
		if (pt->vec[i] == vec && same_ltf(pt->ltf + i * ntf, ltf, ntf)) {
			pt->count[i] += count;
			pt->total += count;
			return LT_OK;
		}
	}
	if (pt->n >= UINT32_MAX - 1)
		return LT_ETOOBIG;
	if (pt->n == pt->cap && grow_arrays(pt) != LT_OK)
		return LT_ENOMEM;
	size_t i = pt->n++;
	pt->vec[i] = vec;
	if (ntf)
		memcpy(pt->ltf + i * ntf, ltf, ntf * sizeof(*ltf));
	pt->count[i] = count;
	pt->total += count;
	pt->slots[j] = (uint32_t)(i + 1);
	if (2 * pt->n > pt->nslot)
		return grow_slots(pt);
	return LT_OK;
}

lt_status lt_link_patterns_add_pairs(struct lt_link_patterns *pt, const struct lt_link_prep *p,
                                     const struct lt_link_pair *pairs, size_t n)
{
	double full[LT_LINK_COMPARISONS_MAX], key[LT_LINK_COMPARISONS_MAX];
	LT_ASSERT(p->ncomp == pt->ncomp);
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		if (pt->ntf) {
			v = lt_link_vector_tf(p, pairs[i].a, pairs[i].b, full);
			for (size_t k = 0; k < pt->ncomp; k++)
				if (pt->tfslot[k] >= 0)
					key[pt->tfslot[k]] = full[k];
		} else {
			v = lt_link_vector(p, pairs[i].a, pairs[i].b);
		}
		lt_status st = add_key(pt, v, key, 1);
		if (st != LT_OK)
			return st;
	}
	return LT_OK;
}

lt_status lt_link_patterns_add_vector(struct lt_link_patterns *pt, uint64_t vec, const double *tf,
                                      double count)
{
	double key[LT_LINK_COMPARISONS_MAX];
	for (size_t k = 0; k < LT_LINK_COMPARISONS_MAX; k++) {
		unsigned l = lt_link_vector_level(vec, k);
		if (k >= pt->ncomp ? l != 0 : l >= pt->nlevel[k])
			return LT_EINVAL;
		if (k < pt->ncomp && pt->tfslot[k] >= 0)
			key[pt->tfslot[k]] = tf && tf[k] > 0 ? log2(tf[k]) : -INFINITY;
	}
	if (!(count > 0))
		return LT_EINVAL;
	return add_key(pt, vec, key, count);
}

lt_status lt_link_patterns_merge(struct lt_link_patterns *dst, const struct lt_link_patterns *src)
{
	LT_ASSERT(dst->ncomp == src->ncomp && dst->ntf == src->ntf);
	for (size_t i = 0; i < src->n; i++) {
		lt_status st = add_key(dst, src->vec[i], src->ltf + i * src->ntf, src->count[i]);
		if (st != LT_OK)
			return st;
	}
	return LT_OK;
}

/* ---- EM -------------------------------------------------------------- */

#define C LT_LINK_COMPARISONS_MAX
#define L LT_LINK_LEVELS_MAX

struct lt_link_em {
	const struct lt_link_model *model;
	const struct lt_link_patterns *pt;
	struct lt_link_em_params params;
	double lambda0;
	double lambda;
	double m[C][L], u[C][L];
	unsigned iter;
	double change;
};

void lt_link_em_params_default(struct lt_link_em_params *params)
{
	memset(params, 0, sizeof(*params));
	params->tol = 1e-4;
	params->max_iter = 25;
	params->fix_u = true;
}

/* The top non-null level of comparison c (the first that is not null). */
static size_t top_level(const struct lt_link_comparison *c)
{
	for (size_t l = 0; l < c->nlevel; l++)
		if (c->levels[l].kind != LT_LINK_LEVEL_NULL)
			return l;
	return c->nlevel - 1;
}

lt_status lt_link_em_alloc(const struct lt_link_model *m, const struct lt_link_patterns *pt,
                           const struct lt_link_em_params *params, struct lt_link_em **out,
                           struct lt_error *err)
{
	*out = NULL;
	if (!(params->tol > 0))
		return lt_error_set(err, LT_EINVAL, "tol", "must be above 0, not %g", params->tol);
	if (params->max_iter < 1 || params->max_iter > LT_LINK_EM_ITER_MAX)
		return lt_error_set(err, LT_EINVAL, "max_iter", "must be 1 to %d, not %u",
		                    LT_LINK_EM_ITER_MAX, params->max_iter);
	if (pt->ncomp != m->ncomp)
		return lt_error_set(err, LT_EINVAL, NULL,
		                    "the patterns were counted for another model");
	for (size_t k = 0; k < m->ncomp; k++)
		if (pt->nlevel[k] != m->comps[k].nlevel)
			return lt_error_set(err, LT_EINVAL, NULL,
			                    "the patterns were counted for another model");
	if (pt->n == 0 || !(pt->total > 0))
		return lt_error_set(err, LT_EINVAL, NULL,
		                    "there are no pairs to train on: the training rule found "
		                    "none");
	uint32_t all = m->ncomp >= 32 ? UINT32_MAX : (1u << m->ncomp) - 1;
	if ((params->skip & all) == all)
		return lt_error_set(err, LT_EINVAL, "skip",
		                    "every comparison is used by the training rule: nothing is "
		                    "left to estimate");
	double lambda0 = params->lambda0;
	if (!(lambda0 > 0)) {
		double bf = m->lambda / (1 - m->lambda);
		for (size_t k = 0; k < m->ncomp; k++)
			if (params->skip & (1u << k)) {
				const struct lt_link_level *lv =
				    &m->comps[k].levels[top_level(&m->comps[k])];
				bf *= lv->m / lv->u;
			}
		lambda0 = bf / (1 + bf);
	}
	if (!(lambda0 > 0 && lambda0 < 1))
		return lt_error_set(err, LT_EINVAL, "lambda0", "must be in (0, 1), not %g",
		                    lambda0);
	struct lt_link_em *em = calloc(1, sizeof(*em));
	if (em == NULL)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	em->model = m;
	em->pt = pt;
	em->params = *params;
	em->lambda0 = lambda0;
	lt_link_em_init(em);
	*out = em;
	return LT_OK;
}

void lt_link_em_free(struct lt_link_em *em)
{
	free(em);
}

void lt_link_em_init(struct lt_link_em *em)
{
	const struct lt_link_model *m = em->model;
	for (size_t k = 0; k < m->ncomp; k++)
		for (size_t l = 0; l < m->comps[k].nlevel; l++) {
			em->m[k][l] = m->comps[k].levels[l].m;
			em->u[k][l] = m->comps[k].levels[l].u;
		}
	em->lambda = em->lambda0;
	em->iter = 0;
	em->change = INFINITY;
}

void lt_link_em_iterate(struct lt_link_em *em)
{
	const struct lt_link_model *m = em->model;
	const struct lt_link_patterns *pt = em->pt;
	const size_t nc = m->ncomp, ntf = pt->ntf;
	bool active[C];
	double lw[C][L], l2u[C][L], alpha[C][L];
	static double zero_mc[C][L];
	double mc[C][L], uc[C][L];
	memcpy(mc, zero_mc, sizeof(mc));
	memcpy(uc, zero_mc, sizeof(uc));
	for (size_t k = 0; k < nc; k++) {
		const struct lt_link_comparison *c = &m->comps[k];
		active[k] = !(em->params.skip & (1u << k));
		for (size_t l = 0; l < c->nlevel; l++) {
			bool null = c->levels[l].kind == LT_LINK_LEVEL_NULL;
			lw[k][l] = null ? 0 : log2(em->m[k][l] / em->u[k][l]);
			l2u[k][l] = null ? 0 : log2(em->u[k][l]);
			alpha[k][l] = pt->tfslot[k] >= 0 && (c->tf_level_mask & (1u << l))
			                  ? c->levels[l].tf_weight
			                  : 0;
		}
	}
	double prior = log2(em->lambda / (1 - em->lambda));
	double sp = 0;
	for (size_t i = 0; i < pt->n; i++) {
		uint64_t v = pt->vec[i];
		const double *ltf = pt->ltf + i * ntf;
		double w = prior;
		for (size_t k = 0; k < nc; k++) {
			if (!active[k])
				continue;
			unsigned l = lt_link_vector_level(v, k);
			w += lw[k][l];
			if (alpha[k][l] > 0 && ltf[pt->tfslot[k]] != -INFINITY)
				w += alpha[k][l] * (l2u[k][l] - ltf[pt->tfslot[k]]);
		}
		double p = lt_link_weight_to_prob(w);
		double pc = p * pt->count[i], qc = (1 - p) * pt->count[i];
		sp += pc;
		for (size_t k = 0; k < nc; k++) {
			unsigned l = lt_link_vector_level(v, k);
			mc[k][l] += pc;
			uc[k][l] += qc;
		}
	}
	double change = 0;
	if (!em->params.fix_lambda) {
		double nl = sp / pt->total;
		change = fabs(nl - em->lambda);
		em->lambda = nl;
	}
	for (size_t k = 0; k < nc; k++) {
		const struct lt_link_comparison *c = &m->comps[k];
		if (!active[k])
			continue;
		double ms = 0, us = 0;
		for (size_t l = 0; l < c->nlevel; l++)
			if (c->levels[l].kind != LT_LINK_LEVEL_NULL)
				ms += mc[k][l], us += uc[k][l];
		for (size_t l = 0; l < c->nlevel; l++) {
			if (c->levels[l].kind == LT_LINK_LEVEL_NULL)
				continue;
			if (mc[k][l] + uc[k][l] == 0)
				continue; /* no pattern at this level: it keeps its values */
			double nm = ms > 0 ? mc[k][l] / ms : em->m[k][l];
			if (nm < LT_LINK_PROB_MIN)
				nm = LT_LINK_PROB_MIN;
			if (fabs(nm - em->m[k][l]) > change)
				change = fabs(nm - em->m[k][l]);
			em->m[k][l] = nm;
			if (!em->params.fix_u || (em->params.free_u & (1u << k))) {
				double nu = us > 0 ? uc[k][l] / us : em->u[k][l];
				if (nu < LT_LINK_PROB_MIN)
					nu = LT_LINK_PROB_MIN;
				if (fabs(nu - em->u[k][l]) > change)
					change = fabs(nu - em->u[k][l]);
				em->u[k][l] = nu;
			}
		}
	}
	em->change = change;
	em->iter++;
}

bool lt_link_em_converged(const struct lt_link_em *em)
{
	return em->iter > 0 && em->change < em->params.tol;
}

unsigned lt_link_em_iterations(const struct lt_link_em *em)
{
	return em->iter;
}

double lt_link_em_lambda(const struct lt_link_em *em)
{
	return em->lambda;
}

double lt_link_em_m(const struct lt_link_em *em, size_t k, size_t l)
{
	LT_ASSERT(k < em->model->ncomp && l < em->model->comps[k].nlevel);
	return em->m[k][l];
}

double lt_link_em_u(const struct lt_link_em *em, size_t k, size_t l)
{
	LT_ASSERT(k < em->model->ncomp && l < em->model->comps[k].nlevel);
	return em->u[k][l];
}

double lt_link_em_change(const struct lt_link_em *em)
{
	return em->change;
}

void lt_link_em_result(const struct lt_link_em *em, struct lt_link_model *m)
{
	LT_ASSERT(m->ncomp == em->model->ncomp);
	for (size_t k = 0; k < m->ncomp; k++) {
		if (em->params.skip & (1u << k))
			continue;
		struct lt_link_comparison *c = &m->comps[k];
		for (size_t l = 0; l < c->nlevel; l++) {
			if (c->levels[l].kind == LT_LINK_LEVEL_NULL)
				continue;
			c->levels[l].m = em->m[k][l];
			if (!em->params.fix_u)
				c->levels[l].u = em->u[k][l];
		}
	}
	lt_status st = lt_link_model_finish(m, NULL);
	LT_ASSERT(st == LT_OK);
}

lt_status lt_link_em_run(struct lt_link_model *m, const struct lt_link_patterns *pt,
                         const struct lt_link_em_params *params, struct lt_link_em_summary *out,
                         struct lt_error *err)
{
	memset(out, 0, sizeof(*out));
	struct lt_link_em *em;
	lt_status st = lt_link_em_alloc(m, pt, params, &em, err);
	if (st != LT_OK)
		return st;
	do
		lt_link_em_iterate(em);
	while (!lt_link_em_converged(em) && em->iter < params->max_iter);
	out->iterations = em->iter;
	out->converged = lt_link_em_converged(em);
	out->lambda = em->lambda;
	out->change = em->change;
	lt_link_em_result(em, m);
	lt_link_em_free(em);
	if (!out->converged)
		return lt_error_set(err, LT_ENOCONVERGE, NULL,
		                    "EM did not converge in %u iterations (last change %g, "
		                    "tolerance %g)",
		                    out->iterations, out->change, params->tol);
	return LT_OK;
}
