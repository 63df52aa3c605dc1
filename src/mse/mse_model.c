/*
 * mse_model.c — log-linear models as sets of interaction terms.
 *
 * A model of t lists always has the intercept and the t main effects; what
 * varies is its set of interaction terms, each the mask of the lists it
 * joins. A model is hierarchical when every sub-term of a term is also in
 * it (Bishop, Fienberg & Holland 1975, §3.3); the selection methods search
 * hierarchical models only, but the fit accepts any set. Terms are kept in
 * the order they were added because R orders a formula's coefficients that
 * way within each degree, and the golden tests compare coefficient by
 * coefficient.
 *
 * Two written forms: lantern's own, with list names ("LA:NG,NG:GP"), used on
 * the command line and in JSON; and the generator notation of the
 * MultipleSystemsEstimation package ("[12,25,3,4]", 1-based list digits),
 * used to compare with its outputs.
 */
#include "mse/mse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

static unsigned popcount(uint32_t x)
{
	return (unsigned)__builtin_popcount(x);
}

void mse_model_init(struct mse_model *m, unsigned nlists)
{
	LT_ASSERT(nlists >= 1 && nlists <= LT_MSE_LISTS_MAX);
	m->nlists = nlists;
	m->nterms = 0;
}

void mse_model_all_pairs(struct mse_model *m, unsigned nlists)
{
	mse_model_init(m, nlists);
	for (unsigned j = 1; j < nlists; j++)
		for (unsigned i = 0; i < j; i++)
			m->terms[m->nterms++] = (1u << i) | (1u << j);
}

bool mse_model_has(const struct mse_model *m, uint32_t term)
{
	for (unsigned k = 0; k < m->nterms; k++)
		if (m->terms[k] == term)
			return true;
	return false;
}

lt_status mse_model_add(struct mse_model *m, uint32_t term)
{
	if (popcount(term) < 2 || (term >> m->nlists) != 0)
		return LT_EINVAL;
	if (mse_model_has(m, term))
		return LT_OK;
	if (m->nterms == LT_MSE_TERMS_MAX)
		return LT_ETOOBIG;
	m->terms[m->nterms++] = term;
	return LT_OK;
}

void mse_model_remove(struct mse_model *m, uint32_t term)
{
	for (unsigned k = 0; k < m->nterms; k++)
		if (m->terms[k] == term) {
			memmove(&m->terms[k], &m->terms[k + 1],
			        (m->nterms - k - 1) * sizeof(m->terms[0]));
			m->nterms--;
			return;
		}
}

bool mse_model_is_hierarchical(const struct mse_model *m)
{
	for (unsigned k = 0; k < m->nterms; k++) {
		uint32_t T = m->terms[k];
		if (popcount(T) < 3)
			continue;
		for (uint32_t b = T; b; b &= b - 1) {
			uint32_t sub = T & ~(b & -b);
			if (!mse_model_has(m, sub))
				return false;
		}
	}
	return true;
}

lt_status mse_model_close(struct mse_model *m)
{
	unsigned maxdeg = mse_model_order(m);
	for (unsigned d = 2; d < maxdeg; d++) {
		unsigned n = m->nterms;
		for (unsigned k = 0; k < n; k++) {
			uint32_t T = m->terms[k];
			if (popcount(T) <= d)
				continue;
			/* Subsets of T with d bits, in increasing order. */
			uint32_t sub = 0;
			do {
				sub = (sub - T) & T;
				if (sub && popcount(sub) == d && !mse_model_has(m, sub)) {
					if (m->nterms == LT_MSE_TERMS_MAX)
						return LT_ETOOBIG;
					m->terms[m->nterms++] = sub;
				}
			} while (sub != T);
		}
	}
	return LT_OK;
}

unsigned mse_model_order(const struct mse_model *m)
{
	unsigned o = 1;
	for (unsigned k = 0; k < m->nterms; k++)
		if (popcount(m->terms[k]) > o)
			o = popcount(m->terms[k]);
	return o;
}

void mse_term_format(const struct mse_table *t, uint32_t term, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < t->nlists; i++) {
		if (!((term >> i) & 1u))
			continue;
		int w = snprintf(buf + used, cap - used, "%s%s", used ? ":" : "", t->names[i]);
		if (w < 0 || (size_t)w >= cap - used) {
			buf[cap - 1] = '\0';
			return;
		}
		used += (size_t)w;
	}
}

lt_status mse_model_format(const struct mse_table *t, const struct mse_model *m, char *buf,
                           size_t cap)
{
	size_t used = 0;
	char term[LT_MSE_LISTS_MAX * (LT_MSE_NAME_MAX + 1) + 1];
	if (cap == 0)
		return LT_ETOOBIG;
	buf[0] = '\0';
	for (unsigned k = 0; k < m->nterms; k++) {
		mse_term_format(t, m->terms[k], term, sizeof(term));
		int w = snprintf(buf + used, cap - used, "%s%s", k ? "," : "", term);
		if (w < 0 || (size_t)w >= cap - used)
			return LT_ETOOBIG;
		used += (size_t)w;
	}
	return LT_OK;
}

static int find_list(const struct mse_table *t, const char *s, size_t len)
{
	for (unsigned i = 0; i < t->nlists; i++)
		if (strlen(t->names[i]) == len && memcmp(t->names[i], s, len) == 0)
			return (int)i;
	return -1;
}

lt_status mse_model_parse(const struct mse_table *t, const char *s, struct mse_model *out,
                          struct lt_error *err)
{
	char q[64];
	mse_model_init(out, t->nlists);
	while (*s == ' ')
		s++;
	if (*s == '\0' || strcmp(s, "main") == 0)
		return LT_OK;
	const char *p = s;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *term = p;
		while (len && term[0] == ' ') {
			term++;
			len--;
		}
		while (len && term[len - 1] == ' ')
			len--;
		lt_error_quote(q, sizeof(q), term, len, 40);
		if (len == 0)
			return lt_error_set(err, LT_EINVAL, "",
			                    "the model \"%s\" has an empty term; write terms like "
			                    "\"A:B,B:C\"",
			                    s);
		uint32_t mask = 0;
		const char *a = term, *end = term + len;
		while (a <= end) {
			const char *c = memchr(a, ':', (size_t)(end - a));
			size_t nl = c ? (size_t)(c - a) : (size_t)(end - a);
			int li = find_list(t, a, nl);
			if (li < 0) {
				char nq[64];
				lt_error_quote(nq, sizeof(nq), a, nl, 40);
				return lt_error_set(
				    err, LT_EINVAL, q,
				    "the model term \"%s\" names \"%s\", which is not "
				    "a list of the table",
				    q, nq);
			}
			if ((mask >> li) & 1u)
				return lt_error_set(err, LT_EINVAL, q,
				                    "the model term \"%s\" names list %s twice", q,
				                    t->names[li]);
			mask |= 1u << li;
			if (!c)
				break;
			a = c + 1;
		}
		if (popcount(mask) >= 2) {
			lt_status st = mse_model_add(out, mask);
			if (st != LT_OK)
				return lt_error_set(err, st, q,
				                    "the model has more than %d interaction terms",
				                    LT_MSE_TERMS_MAX);
		}
		if (!e)
			break;
		p = e + 1;
	}
	if (mse_model_close(out) != LT_OK)
		return lt_error_set(err, LT_ETOOBIG, "",
		                    "the model with the terms its terms imply has more than %d "
		                    "interaction terms",
		                    LT_MSE_TERMS_MAX);
	return LT_OK;
}

/* ---- MultipleSystemsEstimation's notation. ---- */

static void digits(uint32_t term, char *buf)
{
	size_t k = 0;
	for (unsigned i = 0; i < 9; i++)
		if ((term >> i) & 1u)
			buf[k++] = (char)('1' + i);
	buf[k] = '\0';
}

/* Higher degree first, then lexicographic in the digit strings. */
static int cmp_generators(const void *a, const void *b)
{
	char da[12], db[12];
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (popcount(x) != popcount(y))
		return popcount(x) > popcount(y) ? -1 : 1;
	digits(x, da);
	digits(y, db);
	return strcmp(da, db);
}

lt_status mse_model_format_hier(const struct mse_model *m, char *buf, size_t cap)
{
	uint32_t gen[LT_MSE_TERMS_MAX];
	unsigned ng = 0;
	uint32_t covered = 0;
	if (m->nlists > 9)
		return LT_EINVAL;
	for (unsigned k = 0; k < m->nterms; k++) {
		uint32_t T = m->terms[k];
		bool maximal = true;
		for (unsigned j = 0; j < m->nterms && maximal; j++)
			if (j != k && (m->terms[j] & T) == T && m->terms[j] != T)
				maximal = false;
		if (maximal)
			gen[ng++] = T;
		covered |= T;
	}
	qsort(gen, ng, sizeof(gen[0]), cmp_generators);
	size_t used = 0;
	int w = snprintf(buf, cap, "[");
	if (w < 0 || (size_t)w >= cap)
		return LT_ETOOBIG;
	used = (size_t)w;
	bool first = true;
	for (unsigned k = 0; k < ng; k++) {
		char d[12];
		digits(gen[k], d);
		w = snprintf(buf + used, cap - used, "%s%s", first ? "" : ",", d);
		if (w < 0 || (size_t)w >= cap - used)
			return LT_ETOOBIG;
		used += (size_t)w;
		first = false;
	}
	for (unsigned i = 0; i < m->nlists; i++) {
		if ((covered >> i) & 1u)
			continue;
		w = snprintf(buf + used, cap - used, "%s%u", first ? "" : ",", i + 1);
		if (w < 0 || (size_t)w >= cap - used)
			return LT_ETOOBIG;
		used += (size_t)w;
		first = false;
	}
	w = snprintf(buf + used, cap - used, "]");
	if (w < 0 || (size_t)w >= cap - used)
		return LT_ETOOBIG;
	return LT_OK;
}

lt_status mse_model_parse_hier(unsigned nlists, const char *s, struct mse_model *out,
                               struct lt_error *err)
{
	if (nlists < 1 || nlists > 9)
		return lt_error_set(err, LT_EINVAL, "",
		                    "the bracket notation is for 1 to 9 lists, not %u", nlists);
	mse_model_init(out, nlists);
	const char *p = s;
	if (*p != '[')
		goto bad;
	p++;
	for (;;) {
		uint32_t mask = 0;
		size_t nd = 0;
		while (*p >= '1' && *p <= '9') {
			unsigned li = (unsigned)(*p - '1');
			if (li >= nlists || ((mask >> li) & 1u))
				goto bad;
			mask |= 1u << li;
			nd++;
			p++;
		}
		if (nd == 0)
			goto bad;
		if (nd >= 2 && mse_model_add(out, mask) != LT_OK)
			goto bad;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == ']' && p[1] == '\0')
			break;
		goto bad;
	}
	if (mse_model_close(out) != LT_OK)
		goto bad;
	return LT_OK;
bad:
	return lt_error_set(err, LT_EINVAL, "",
	                    "the model \"%.60s\" is not in the form \"[12,23,4]\" for %u lists", s,
	                    nlists);
}
