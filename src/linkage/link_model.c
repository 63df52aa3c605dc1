/*
 * link_model.c — the Fellegi–Sunter model (link_model.h): the level-kind
 * table, building and checking a model, term-frequency tables, the
 * per-record preparation, comparison vectors and match weights, u from
 * random pairs, λ from deterministic rules, and the waterfall.
 *
 * SCORING. lt_link_prep_init computes, once per record and comparison,
 * everything a level may ask: the folded value (lt_link_normalise) and its
 * length in bytes and code points, a 64-bit hash of the raw and folded
 * values, the Double Metaphone codes, the nickname-canonical form, the
 * parsed date and the log2 term frequency. A pair is then scored by
 * walking each comparison's levels in order until one holds: exact levels
 * compare lengths and hashes before bytes; edit-distance levels are skipped
 * when the lengths in code points already differ by more than k (the
 * distance is at least that); Jaro-Winkler levels are skipped when the
 * lengths alone bound the similarity below the threshold (Jaro is at most
 * (min/|a| + min/|b| + 1)/3, and the Winkler boost at most 0.4 of the
 * rest). The weight is the prior weight plus log2(m/u) of each level, both
 * precomputed by lt_link_model_finish, plus the TF terms. Nothing is
 * allocated per pair.
 *
 * RANDOM PAIRS. u is estimated from pairs drawn uniformly (with
 * replacement) from the pairs the blocking mode allows, with xoshiro256**
 * (Blackman and Vigna 2018) seeded through splitmix64: the same seed gives
 * the same pairs on every machine. Pairs within sources are drawn by first
 * picking a source with probability proportional to its pairs; pairs
 * across sources by rejecting same-source draws.
 */
#include "linkage/link_model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/limits.h"
#include "linkage/link_compare.h"
#include "linkage/link_model_int.h"
#include "core/banned.h"

/* ---- The level-kind table ------------------------------------------- */

static const struct lt_link_level_kind_info kind_table[LT_LINK_LEVEL_KINDS] = {
#define LT_LINK_X(sym, name, data, param, tf) [sym] = {name, data, param, tf},
    LT_LINK_LEVEL_KIND_MAP(LT_LINK_X)
#undef LT_LINK_X
};

const struct lt_link_level_kind_info *lt_link_level_kind_info(enum lt_link_level_kind kind)
{
	LT_ASSERT((unsigned)kind < LT_LINK_LEVEL_KINDS);
	return &kind_table[kind];
}

int lt_link_level_kind_from_name(const char *name)
{
	for (int i = 0; i < LT_LINK_LEVEL_KINDS; i++)
		if (strcmp(kind_table[i].name, name) == 0)
			return i;
	return -1;
}

const char *lt_link_param_name(enum lt_link_level_param param)
{
	switch (param) {
	case LT_LINK_PARAM_DISTANCE:
		return "distance";
	case LT_LINK_PARAM_THRESHOLD:
		return "threshold";
	case LT_LINK_PARAM_YEARS:
		return "years";
	case LT_LINK_PARAM_NONE:
		break;
	}
	return NULL;
}

void lt_link_param_range(enum lt_link_level_param param, double *lo, double *hi)
{
	switch (param) {
	case LT_LINK_PARAM_DISTANCE:
		*lo = 0;
		*hi = LT_LINK_STRING_MAX;
		return;
	case LT_LINK_PARAM_THRESHOLD:
		*lo = 0;
		*hi = 1;
		return;
	case LT_LINK_PARAM_YEARS:
		*lo = 0;
		*hi = 200;
		return;
	case LT_LINK_PARAM_NONE:
		break;
	}
	*lo = *hi = 0;
}

uint64_t lt_link_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* ---- Building a model ------------------------------------------------ */

void lt_link_model_init(struct lt_link_model *m)
{
	memset(m, 0, sizeof(*m));
	m->lambda = 1e-4;
}

void lt_link_model_release(struct lt_link_model *m)
{
	for (size_t k = 0; k < m->ncomp; k++) {
		lt_link_tf_free(m->comps[k].tf);
		m->comps[k].tf = NULL;
	}
	memset(m, 0, sizeof(*m));
}

lt_status lt_link_model_copy(struct lt_link_model *dst, const struct lt_link_model *src)
{
	memcpy(dst, src, sizeof(*dst));
	for (size_t k = 0; k < src->ncomp; k++)
		dst->comps[k].tf = NULL;
	for (size_t k = 0; k < src->ncomp; k++) {
		const struct lt_link_tf *s = src->comps[k].tf;
		if (s == NULL)
			continue;
		struct lt_link_tf *d = lt_link_tf_alloc(s->normalise);
		if (d == NULL)
			goto nomem;
		dst->comps[k].tf = d;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i].value &&
			    lt_link_tf_add(d, s->slots[i].value, s->slots[i].count))
				goto nomem;
		d->total = s->total;
	}
	return LT_OK;
nomem:
	lt_link_model_release(dst);
	return LT_ENOMEM;
}

static lt_status copy_name(char *dst, const char *src, const char *what, struct lt_error *err)
{
	size_t n = src ? strlen(src) : 0;
	if (n == 0)
		return lt_error_set(err, LT_EINVAL, what, "must not be empty");
	if (n >= LT_LINK_NAME_MAX)
		return lt_error_set(err, LT_EINVAL, what, "must be shorter than %d bytes",
		                    LT_LINK_NAME_MAX);
	memcpy(dst, src, n + 1);
	return LT_OK;
}

lt_status lt_link_model_add_comparison(struct lt_link_model *m, const char *name, const char *field,
                                       struct lt_error *err)
{
	if (m->ncomp >= LT_LINK_COMPARISONS_MAX)
		return lt_error_set(err, LT_ETOOBIG, "comparisons",
		                    "a model has at most %d comparisons", LT_LINK_COMPARISONS_MAX);
	struct lt_link_comparison *c = &m->comps[m->ncomp];
	memset(c, 0, sizeof(*c));
	lt_status st = copy_name(c->name, name, "name", err);
	if (st == LT_OK)
		st = copy_name(c->field, field, "field", err);
	if (st != LT_OK)
		return st;
	m->ncomp++;
	return LT_OK;
}

/* A label for people: "Jaro-Winkler >= 0.92 (folded)". */
static void level_label(const struct lt_link_level *lv, char *out, size_t cap)
{
	const char *fold = lv->normalise ? " (folded)" : "";
	switch (lv->kind) {
	case LT_LINK_LEVEL_NULL:
		snprintf(out, cap, "missing");
		break;
	case LT_LINK_LEVEL_EXACT:
		snprintf(out, cap, "exact%s", fold);
		break;
	case LT_LINK_LEVEL_LEVENSHTEIN:
		snprintf(out, cap, "Levenshtein <= %g%s", lv->param, fold);
		break;
	case LT_LINK_LEVEL_DAMERAU:
		snprintf(out, cap, "Damerau-Levenshtein <= %g%s", lv->param, fold);
		break;
	case LT_LINK_LEVEL_JARO_WINKLER:
		snprintf(out, cap, "Jaro-Winkler >= %g%s", lv->param, fold);
		break;
	case LT_LINK_LEVEL_PHONETIC:
		snprintf(out, cap, "same Double Metaphone code");
		break;
	case LT_LINK_LEVEL_NICKNAME:
		snprintf(out, cap, "same name up to nicknames");
		break;
	case LT_LINK_LEVEL_DATE_EXACT:
		snprintf(out, cap, "same date");
		break;
	case LT_LINK_LEVEL_DATE_SWAP:
		snprintf(out, cap, "day and month swapped");
		break;
	case LT_LINK_LEVEL_DATE_YEAR_MONTH:
		snprintf(out, cap, "same year and month");
		break;
	case LT_LINK_LEVEL_DATE_YEAR:
		snprintf(out, cap, "same year");
		break;
	case LT_LINK_LEVEL_DATE_YEARS:
		snprintf(out, cap, "years within %g", lv->param);
		break;
	case LT_LINK_LEVEL_SWAPPED:
		snprintf(out, cap, "swapped with the second field");
		break;
	case LT_LINK_LEVEL_ELSE:
	case LT_LINK_LEVEL_KINDS:
		snprintf(out, cap, "all other");
		break;
	}
}

lt_status lt_link_model_add_level(struct lt_link_model *m, enum lt_link_level_kind kind,
                                  double param, bool normalise, double mprob, double uprob,
                                  double tf_weight, struct lt_error *err)
{
	if (m->ncomp == 0)
		return lt_error_set(err, LT_EINVAL, "levels", "add a comparison first");
	struct lt_link_comparison *c = &m->comps[m->ncomp - 1];
	if (c->nlevel >= LT_LINK_LEVELS_MAX)
		return lt_error_set(err, LT_ETOOBIG, "levels", "a comparison has at most %d levels",
		                    LT_LINK_LEVELS_MAX);
	if ((unsigned)kind >= LT_LINK_LEVEL_KINDS)
		return lt_error_set(err, LT_EINVAL, "kind", "unknown level kind %d", (int)kind);
	const struct lt_link_level_kind_info *ki = &kind_table[kind];
	double lo, hi;
	lt_link_param_range(ki->param, &lo, &hi);
	if (ki->param != LT_LINK_PARAM_NONE && !(param >= lo && param <= hi))
		return lt_error_set(err, LT_EINVAL, lt_link_param_name(ki->param),
		                    "must be in [%g, %g]", lo, hi);
	if (kind != LT_LINK_LEVEL_NULL &&
	    (!(mprob > 0 && mprob <= 1) || !(uprob > 0 && uprob <= 1)))
		return lt_error_set(err, LT_EINVAL, "m", "m and u must be in (0, 1]");
	if (!(tf_weight >= 0 && tf_weight <= 1) || (tf_weight > 0 && !ki->tf))
		return lt_error_set(err, LT_EINVAL, "tf_weight",
		                    "must be in [0, 1], and 0 but on exact levels");
	struct lt_link_level *lv = &c->levels[c->nlevel];
	memset(lv, 0, sizeof(*lv));
	lv->kind = kind;
	lv->param = ki->param == LT_LINK_PARAM_NONE ? 0 : param;
	lv->normalise = kind == LT_LINK_LEVEL_SWAPPED     ? true
	                : ki->data == LT_LINK_DATA_STRING ? normalise
	                                                  : false;
	lv->m = kind == LT_LINK_LEVEL_NULL ? 0 : mprob;
	lv->u = kind == LT_LINK_LEVEL_NULL ? 0 : uprob;
	lv->tf_weight = tf_weight;
	level_label(lv, lv->label, sizeof(lv->label));
	c->nlevel++;
	return LT_OK;
}

lt_status lt_link_model_set_field2(struct lt_link_model *m, const char *field2,
                                   struct lt_error *err)
{
	if (m->ncomp == 0)
		return lt_error_set(err, LT_EINVAL, "field2", "add a comparison first");
	return copy_name(m->comps[m->ncomp - 1].field2, field2, "field2", err);
}

struct preset_level {
	enum lt_link_level_kind kind;
	double param;
	bool normalise;
	double m, u; /* the else level gets 1 - the sum of the others */
	double tf;
};

static const struct preset_level preset_name[] = {
    {LT_LINK_LEVEL_NULL, 0, false, 0, 0, 0},
    {LT_LINK_LEVEL_EXACT, 0, true, 0.50, 0.005, 1.0},
    {LT_LINK_LEVEL_JARO_WINKLER, 0.92, true, 0.15, 0.002, 0},
    {LT_LINK_LEVEL_JARO_WINKLER, 0.88, true, 0.08, 0.002, 0},
    {LT_LINK_LEVEL_NICKNAME, 0, true, 0.03, 0.001, 0},
    {LT_LINK_LEVEL_PHONETIC, 0, true, 0.05, 0.005, 0},
    {LT_LINK_LEVEL_DAMERAU, 2, true, 0.05, 0.01, 0},
    {LT_LINK_LEVEL_ELSE, 0, false, 0, 0, 0},
};
static const struct preset_level preset_date[] = {
    {LT_LINK_LEVEL_NULL, 0, false, 0, 0, 0},
    {LT_LINK_LEVEL_DATE_EXACT, 0, false, 0.65, 0.0002, 0},
    {LT_LINK_LEVEL_DATE_SWAP, 0, false, 0.03, 0.00005, 0},
    {LT_LINK_LEVEL_DATE_YEAR_MONTH, 0, false, 0.07, 0.002, 0},
    {LT_LINK_LEVEL_DATE_YEAR, 0, false, 0.08, 0.015, 0},
    {LT_LINK_LEVEL_DATE_YEARS, 5, false, 0.07, 0.15, 0},
    {LT_LINK_LEVEL_ELSE, 0, false, 0, 0, 0},
};
static const struct preset_level preset_exact[] = {
    {LT_LINK_LEVEL_NULL, 0, false, 0, 0, 0},
    {LT_LINK_LEVEL_EXACT, 0, true, 0.85, 0.05, 1.0},
    {LT_LINK_LEVEL_ELSE, 0, false, 0, 0, 0},
};
static const struct preset_level preset_fuzzy[] = {
    {LT_LINK_LEVEL_NULL, 0, false, 0, 0, 0},
    {LT_LINK_LEVEL_EXACT, 0, true, 0.70, 0.005, 1.0},
    {LT_LINK_LEVEL_DAMERAU, 1, true, 0.10, 0.002, 0},
    {LT_LINK_LEVEL_JARO_WINKLER, 0.88, true, 0.08, 0.01, 0},
    {LT_LINK_LEVEL_ELSE, 0, false, 0, 0, 0},
};

lt_status lt_link_model_add_preset(struct lt_link_model *m, enum lt_link_preset preset,
                                   const char *name, const char *field, struct lt_error *err)
{
	return lt_link_model_add_preset2(m, preset, name, field, NULL, err);
}

lt_status lt_link_model_add_preset2(struct lt_link_model *m, enum lt_link_preset preset,
                                    const char *name, const char *field, const char *field2,
                                    struct lt_error *err)
{
	bool swap = preset == LT_LINK_PRESET_NAME && field2 && field2[0];
	const struct preset_level *pl;
	size_t n;
	switch (preset) {
	case LT_LINK_PRESET_NAME:
		pl = preset_name, n = sizeof(preset_name) / sizeof(*pl);
		break;
	case LT_LINK_PRESET_DATE:
		pl = preset_date, n = sizeof(preset_date) / sizeof(*pl);
		break;
	case LT_LINK_PRESET_EXACT:
		pl = preset_exact, n = sizeof(preset_exact) / sizeof(*pl);
		break;
	case LT_LINK_PRESET_FUZZY:
		pl = preset_fuzzy, n = sizeof(preset_fuzzy) / sizeof(*pl);
		break;
	default:
		return lt_error_set(err, LT_EINVAL, "preset", "unknown preset %d", (int)preset);
	}
	size_t before = m->ncomp;
	lt_status st = lt_link_model_add_comparison(m, name, field, err);
	if (st == LT_OK && swap)
		st = lt_link_model_set_field2(m, field2, err);
	if (st != LT_OK) {
		m->ncomp = before;
		return st;
	}
	/* the swapped level, after exact: m 0.02, u 0.0001, taken from else */
	static const struct preset_level swapped = {
	    LT_LINK_LEVEL_SWAPPED, 0, true, 0.02, 0.0001, 0};
	double msum = 0, usum = 0;
	for (size_t i = 0; i < n; i++) {
		for (int pass = 0; pass < 2; pass++) {
			const struct preset_level *q = pass == 0 ? &pl[i] : &swapped;
			if (pass == 1 && !(swap && pl[i].kind == LT_LINK_LEVEL_EXACT))
				break;
			double mp = q->m, up = q->u;
			if (q->kind == LT_LINK_LEVEL_ELSE)
				mp = 1 - msum, up = 1 - usum;
			msum += q->m;
			usum += q->u;
			st = lt_link_model_add_level(m, q->kind, q->param, q->normalise, mp, up,
			                             q->tf, err);
			if (st != LT_OK) {
				m->ncomp = before;
				return st;
			}
		}
	}
	return LT_OK;
}

long lt_link_model_find(const struct lt_link_model *m, const char *name)
{
	for (size_t k = 0; k < m->ncomp; k++)
		if (strcmp(m->comps[k].name, name) == 0)
			return (long)k;
	return -1;
}

/* Set err->field to "comparisons[k].levels[l].MEMBER" (l < 0: no level). */
LT_PRINTF(5, 6)
static lt_status path_error(struct lt_error *err, size_t k, long l, const char *member,
                            const char *fmt, ...)
{
	char path[LT_CODE_MAX], msg[LT_MESSAGE_MAX];
	if (l >= 0)
		snprintf(path, sizeof(path), "comparisons[%zu].levels[%ld]%s%s", k, l,
		         member ? "." : "", member ? member : "");
	else
		snprintf(path, sizeof(path), "comparisons[%zu]%s%s", k, member ? "." : "",
		         member ? member : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return lt_error_set(err, LT_EINVAL, path, "%s: %s", path, msg);
}

lt_status lt_link_model_finish(struct lt_link_model *m, struct lt_error *err)
{
	if (m->ncomp == 0 || m->ncomp > LT_LINK_COMPARISONS_MAX)
		return lt_error_set(err, LT_EINVAL, "comparisons",
		                    "a model needs 1 to %d comparisons", LT_LINK_COMPARISONS_MAX);
	if (!(m->lambda > 0 && m->lambda < 1))
		return lt_error_set(err, LT_EINVAL, "probability_two_random_records_match",
		                    "must be in (0, 1), not %g", m->lambda);
	for (size_t k = 0; k < m->ncomp; k++) {
		struct lt_link_comparison *c = &m->comps[k];
		if (c->name[0] == '\0' || memchr(c->name, '\0', LT_LINK_NAME_MAX) == NULL)
			return path_error(err, k, -1, "name", "must be a name of 1 to 63 bytes");
		if (c->field[0] == '\0' || memchr(c->field, '\0', LT_LINK_NAME_MAX) == NULL)
			return path_error(err, k, -1, "field", "must be a name of 1 to 63 bytes");
		if (memchr(c->field2, '\0', LT_LINK_NAME_MAX) == NULL)
			return path_error(err, k, -1, "field2",
			                  "must be a name of at most 63 bytes");
		for (size_t j = 0; j < k; j++)
			if (strcmp(m->comps[j].name, c->name) == 0)
				return path_error(err, k, -1, "name",
				                  "another comparison has this name");
		if (c->nlevel < 2 || c->nlevel > LT_LINK_LEVELS_MAX)
			return path_error(err, k, -1, "levels",
			                  "a comparison needs 2 to 16 levels");
		c->null_level = -1;
		c->tf_level_mask = 0;
		c->has_date = c->need_norm = c->need_phonetic = c->need_nickname = false;
		c->dl_max[0] = c->dl_max[1] = c->lev_max[0] = c->lev_max[1] = 0;
		int fuzzy_form = -1; /* -2: mixed */
		int tf_norm = -1;
		for (size_t l = 0; l < c->nlevel; l++) {
			struct lt_link_level *lv = &c->levels[l];
			if ((unsigned)lv->kind >= LT_LINK_LEVEL_KINDS)
				return path_error(err, k, (long)l, "kind", "unknown kind %g",
				                  (double)lv->kind);
			const struct lt_link_level_kind_info *ki = &kind_table[lv->kind];
			if (lv->kind == LT_LINK_LEVEL_SWAPPED && c->field2[0] == '\0')
				return path_error(err, k, (long)l, "kind",
				                  "a swapped level needs the comparison's field2");
			if (lv->kind == LT_LINK_LEVEL_SWAPPED)
				c->need_norm = true;
			if (lv->kind == LT_LINK_LEVEL_ELSE && l != c->nlevel - 1)
				return path_error(err, k, (long)l, "kind",
				                  "the else level must be the last");
			if (l == c->nlevel - 1 && lv->kind != LT_LINK_LEVEL_ELSE)
				return path_error(err, k, (long)l, "kind",
				                  "the last level must be else");
			if (lv->kind == LT_LINK_LEVEL_NULL) {
				if (c->null_level >= 0)
					return path_error(
					    err, k, (long)l, "kind",
					    "a comparison has at most one null level");
				c->null_level = (int)l;
				c->hot[l].kind = (uint8_t)lv->kind;
				c->lw[l] = 0;
				c->log2u[l] = 0;
				c->log2_tf_min[l] = -INFINITY;
				continue;
			}
			double lo, hi;
			lt_link_param_range(ki->param, &lo, &hi);
			if (ki->param == LT_LINK_PARAM_THRESHOLD &&
			    !(lv->param > lo && lv->param <= hi))
				return path_error(err, k, (long)l, "threshold",
				                  "must be in (0, 1], not %g", lv->param);
			if ((ki->param == LT_LINK_PARAM_DISTANCE ||
			     ki->param == LT_LINK_PARAM_YEARS) &&
			    !(lv->param >= lo && lv->param <= hi && lv->param == floor(lv->param)))
				return path_error(err, k, (long)l, lt_link_param_name(ki->param),
				                  "must be a whole number in range, not %g",
				                  lv->param);
			if (!(lv->m > 0 && lv->m <= 1))
				return path_error(err, k, (long)l, "m", "must be in (0, 1], not %g",
				                  lv->m);
			if (!(lv->u > 0 && lv->u <= 1))
				return path_error(err, k, (long)l, "u", "must be in (0, 1], not %g",
				                  lv->u);
			if (lv->m < LT_LINK_PROB_MIN)
				lv->m = LT_LINK_PROB_MIN;
			if (lv->u < LT_LINK_PROB_MIN)
				lv->u = LT_LINK_PROB_MIN;
			if (!(lv->tf_weight >= 0 && lv->tf_weight <= 1))
				return path_error(err, k, (long)l, "tf_weight",
				                  "must be in [0, 1], not %g", lv->tf_weight);
			if (lv->tf_weight > 0 && !ki->tf)
				return path_error(err, k, (long)l, "tf_weight",
				                  "only exact levels take a TF adjustment (%g)",
				                  lv->tf_weight);
			if (!(lv->tf_min >= 0 && lv->tf_min < 1))
				return path_error(err, k, (long)l, "tf_min",
				                  "must be in [0, 1), not %g", lv->tf_min);
			if (lv->tf_weight > 0) {
				if (tf_norm >= 0 && tf_norm != (int)lv->normalise)
					return path_error(
					    err, k, (long)l, "normalise",
					    "the TF levels of a comparison must all fold or "
					    "all not");
				tf_norm = lv->normalise;
				c->tf_level_mask |= 1u << l;
			}
			if (ki->data == LT_LINK_DATA_DATE)
				c->has_date = true;
			if (lv->kind == LT_LINK_LEVEL_LEVENSHTEIN ||
			    lv->kind == LT_LINK_LEVEL_DAMERAU ||
			    lv->kind == LT_LINK_LEVEL_JARO_WINKLER) {
				int form = lv->normalise;
				fuzzy_form = fuzzy_form == -1 || fuzzy_form == form ? form : -2;
				unsigned *mx = lv->kind == LT_LINK_LEVEL_DAMERAU       ? c->dl_max
				               : lv->kind == LT_LINK_LEVEL_LEVENSHTEIN ? c->lev_max
				                                                       : NULL;
				if (mx && (unsigned)lv->param > mx[form])
					mx[form] = (unsigned)lv->param;
			}
			if (lv->normalise)
				c->need_norm = true;
			if (lv->kind == LT_LINK_LEVEL_PHONETIC)
				c->need_phonetic = c->need_norm = true;
			if (lv->kind == LT_LINK_LEVEL_NICKNAME)
				c->need_nickname = c->need_norm = true;
			c->hot[l].kind = (uint8_t)lv->kind;
			c->hot[l].normalise = lv->normalise;
			c->hot[l].k =
			    ki->param == LT_LINK_PARAM_DISTANCE || ki->param == LT_LINK_PARAM_YEARS
			        ? (uint16_t)lv->param
			        : 0;
			c->hot[l].t = lv->param;
			c->lw[l] = log2(lv->m / lv->u);
			c->log2u[l] = log2(lv->u);
			c->log2_tf_min[l] = lv->tf_min > 0 ? log2(lv->tf_min) : -INFINITY;
			if (lv->label[0] == '\0' ||
			    memchr(lv->label, '\0', LT_LINK_LABEL_MAX) == NULL)
				level_label(lv, lv->label, sizeof(lv->label));
		}
		c->tf_normalise = tf_norm == 1;
		c->hist_form = fuzzy_form >= 0 ? fuzzy_form : -1;
		if (c->tf && c->tf_level_mask && c->tf->normalise != c->tf_normalise)
			return path_error(err, k, -1, "term_frequencies",
			                  "were counted on %s values but the TF levels compare the "
			                  "other form",
			                  c->tf->normalise ? "folded" : "raw");
		c->else_level = (unsigned)(c->nlevel - 1);
	}
	m->prior_weight = log2(m->lambda / (1 - m->lambda));
	return LT_OK;
}

/* ---- Term-frequency tables ------------------------------------------ */

struct lt_link_tf *lt_link_tf_alloc(bool normalise)
{
	struct lt_link_tf *tf = calloc(1, sizeof(*tf));
	if (tf == NULL)
		return NULL;
	tf->cap = 64;
	tf->slots = calloc(tf->cap, sizeof(*tf->slots));
	if (tf->slots == NULL) {
		free(tf);
		return NULL;
	}
	tf->normalise = normalise;
	return tf;
}

void lt_link_tf_free(struct lt_link_tf *tf)
{
	if (tf == NULL)
		return;
	for (size_t i = 0; i < tf->cap; i++)
		free(tf->slots[i].value);
	free(tf->slots);
	free(tf);
}

static struct lt_link_tf_entry *tf_slot(const struct lt_link_tf *tf, const char *value, size_t len,
                                        uint64_t h)
{
	size_t mask = tf->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct lt_link_tf_entry *e = &tf->slots[i];
		if (e->value == NULL ||
		    (e->hash == h && strncmp(e->value, value, len) == 0 && e->value[len] == '\0'))
			return e;
	}
}

uint64_t lt_link_tf_count(const struct lt_link_tf *tf, const char *value)
{
	size_t len = strlen(value);
	const struct lt_link_tf_entry *e = tf_slot(tf, value, len, lt_link_hash(value, len));
	return e->value ? e->count : 0;
}

static lt_status tf_grow(struct lt_link_tf *tf)
{
	size_t ncap = tf->cap * 2;
	struct lt_link_tf_entry *ns = calloc(ncap, sizeof(*ns));
	if (ns == NULL)
		return LT_ENOMEM;
	for (size_t i = 0; i < tf->cap; i++) {
		struct lt_link_tf_entry *e = &tf->slots[i];
		if (e->value == NULL)
			continue;
		size_t j = (size_t)e->hash & (ncap - 1);
		while (ns[j].value)
			j = (j + 1) & (ncap - 1);
		ns[j] = *e;
	}
	free(tf->slots);
	tf->slots = ns;
	tf->cap = ncap;
	return LT_OK;
}

lt_status lt_link_tf_add(struct lt_link_tf *tf, const char *value, uint64_t count)
{
	if (2 * (tf->n + 1) > tf->cap && tf_grow(tf) != LT_OK)
		return LT_ENOMEM;
	size_t len = strlen(value);
	uint64_t h = lt_link_hash(value, len);
	struct lt_link_tf_entry *e = tf_slot(tf, value, len, h);
	if (e->value == NULL) {
		e->value = malloc(len + 1);
		if (e->value == NULL)
			return LT_ENOMEM;
		memcpy(e->value, value, len + 1);
		e->hash = h;
		e->count = 0;
		tf->n++;
	}
	e->count += count;
	return LT_OK;
}

/* Fold `s` into buf (cap bytes); false when nothing is left. */
static bool fold(const char *s, char *buf, size_t cap)
{
	lt_status st = lt_link_normalise(s, buf, cap);
	if (st != LT_OK && st != LT_ETOOBIG)
		buf[0] = '\0';
	return buf[0] != '\0';
}

#define FOLD_CAP (4 * LT_LINK_STRING_MAX + 1)

lt_status lt_link_model_tf_compute(struct lt_link_model *m, const struct lt_link_table *t,
                                   struct lt_error *err)
{
	for (size_t k = 0; k < m->ncomp; k++) {
		struct lt_link_comparison *c = &m->comps[k];
		if (c->tf_level_mask == 0)
			continue;
		long f = lt_link_table_field(t, c->field);
		if (f < 0)
			return path_error(err, k, -1, "field", "no such field in the data");
		struct lt_link_tf *tf = lt_link_tf_alloc(c->tf_normalise);
		if (tf == NULL)
			return LT_ENOMEM;
		char buf[FOLD_CAP];
		for (size_t r = 0; r < t->nrec; r++) {
			const char *s = lt_link_cell(t, r, (size_t)f);
			if (s == NULL)
				continue;
			if (c->tf_normalise) {
				if (!fold(s, buf, sizeof(buf)))
					continue;
				s = buf;
			}
			if (lt_link_tf_add(tf, s, 1) != LT_OK) {
				lt_link_tf_free(tf);
				return LT_ENOMEM;
			}
			tf->total++;
		}
		lt_link_tf_free(c->tf);
		c->tf = tf;
	}
	return LT_OK;
}

double lt_link_model_tf(const struct lt_link_model *m, size_t k, const char *value)
{
	if (k >= m->ncomp || m->comps[k].tf == NULL || m->comps[k].tf->total == 0)
		return 0;
	return (double)lt_link_tf_count(m->comps[k].tf, value) / (double)m->comps[k].tf->total;
}

/* ---- Preparation ----------------------------------------------------- */

void lt_link_prep_release(struct lt_link_prep *p)
{
	for (size_t k = 0; k < LT_LINK_COMPARISONS_MAX; k++)
		free(p->swap[k]);
	free(p->cells);
	free(p->arena);
	memset(p, 0, sizeof(*p));
}

/*
 * The next code point of s at *i, as the comparators read it
 * (link_compare.h): a well-formed UTF-8 sequence is one code point; any
 * other byte (stray continuation, overlong form, surrogate, truncated
 * sequence, above U+10FFFF) is one of its own, U+DC00 + the byte.
 */
uint32_t lt_link_next_cp(const unsigned char *s, size_t *i)
{
	unsigned char c = s[*i];
	if (c < 0x80) {
		(*i)++;
		return c;
	}
	size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
	if (c > 0xF4)
		n = 0;
	uint32_t cp = n == 2 ? c & 0x1Fu : n == 3 ? c & 0x0Fu : c & 0x07u;
	for (size_t k = 1; k < n; k++) {
		unsigned char d = s[*i + k];
		if ((d & 0xC0) != 0x80) {
			n = 0;
			break;
		}
		cp = (cp << 6) | (d & 0x3Fu);
	}
	if (n == 0 || (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
		(*i)++;
		return 0xDC00u + c; /* U+DC80..U+DCFF for the bytes 0x80..0xFF */
	}
	*i += n;
	return cp;
}

/* The histogram bucket of a code point: ASCII letters by letter (either
 * case), digits in six buckets, everything else hashed. */
static unsigned bucket(uint32_t cp)
{
	if ((cp | 32) >= 'a' && (cp | 32) <= 'z')
		return (cp | 32) - 'a';
	if (cp >= '0' && cp <= '9')
		return 26 + (cp - '0') % 6;
	return (cp * 2654435761u) >> 27;
}

/* Code points of s (at most LT_LINK_STRING_MAX, as the comparators read),
 * and their histogram into hist when not NULL. */
static uint16_t codepoints(const char *s, uint8_t *hist)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	unsigned n = 0;
	while (u[i] && n < LT_LINK_STRING_MAX) {
		uint32_t cp = lt_link_next_cp(u, &i);
		if (hist)
			hist[bucket(cp)]++;
		n++;
	}
	return (uint16_t)n;
}

/* A phonetic code of at most 4 letters packed in 32 bits; 0 when empty. */
static uint32_t pack_code(const char *code)
{
	uint32_t v = 0;
	for (size_t i = 0; i < 4 && code[i]; i++)
		v |= (uint32_t)(unsigned char)code[i] << (8 * i);
	return v;
}

/* Append n bytes and a NUL to the arena; the offset + 1, or 0 when out of
 * memory. */
static size_t arena_put(char **arena, size_t *acap, size_t *alen, const char *s, size_t n)
{
	if (*alen + n + 1 > *acap) {
		size_t cap = *acap;
		while (*alen + n + 1 > cap)
			cap *= 2;
		char *na = realloc(*arena, cap);
		if (na == NULL)
			return 0;
		*arena = na;
		*acap = cap;
	}
	memcpy(*arena + *alen, s, n);
	(*arena)[*alen + n] = '\0';
	size_t at = *alen + 1;
	*alen += n + 1;
	return at;
}

static bool has_swap(const struct lt_link_comparison *c)
{
	for (size_t l = 0; l < c->nlevel; l++)
		if (c->levels[l].kind == LT_LINK_LEVEL_SWAPPED)
			return true;
	return false;
}

lt_status lt_link_prep_init(struct lt_link_prep *p, const struct lt_link_model *m,
                            const struct lt_link_table *t, struct lt_error *err)
{
	size_t *off2[LT_LINK_COMPARISONS_MAX] = {0}; /* per swapped comparison: offset + 1 */
	memset(p, 0, sizeof(*p));
	size_t nc = m->ncomp;
	for (size_t k = 0; k < nc; k++) {
		long f = lt_link_table_field(t, m->comps[k].field);
		if (f < 0) {
			for (size_t j = 0; j < k; j++) {
				free(p->swap[j]);
				free(off2[j]);
			}
			memset(p, 0, sizeof(*p));
			return lt_error_set(err, LT_EINVAL, m->comps[k].field,
			                    "comparison \"%s\" reads field \"%s\", which the data "
			                    "does not have",
			                    m->comps[k].name, m->comps[k].field);
		}
		p->field[k] = (uint32_t)f;
		if (has_swap(&m->comps[k])) {
			long f2 = lt_link_table_field(t, m->comps[k].field2);
			if (f2 < 0) {
				for (size_t j = 0; j < k; j++) {
					free(p->swap[j]);
					free(off2[j]);
				}
				return lt_error_set(
				    err, LT_EINVAL, m->comps[k].field2,
				    "comparison \"%s\" reads field \"%s\", which the "
				    "data does not have",
				    m->comps[k].name, m->comps[k].field2);
			}
			p->field2[k] = (uint32_t)f2;
			p->swap[k] = calloc(t->nrec + 1, sizeof(*p->swap[k]));
			off2[k] = calloc(t->nrec + 1, sizeof(*off2[k]));
			if (p->swap[k] == NULL || off2[k] == NULL) {
				for (size_t j = 0; j <= k; j++) {
					free(p->swap[j]);
					free(off2[j]);
				}
				return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
			}
		}
	}
	p->model = m;
	p->table = t;
	p->nrec = t->nrec;
	p->ncomp = nc;
	p->cells = calloc(t->nrec * nc + 1, sizeof(*p->cells));
	size_t *off = calloc(t->nrec * nc + 1, sizeof(*off)); /* arena offset + 1, 0 = none */
	size_t acap = 4096, alen = 0;
	char *arena = malloc(acap);
	if (p->cells == NULL || off == NULL || arena == NULL)
		goto nomem;
	char buf[FOLD_CAP];
	for (size_t r = 0; r < t->nrec; r++) {
		for (size_t k = 0; k < nc; k++) {
			const struct lt_link_comparison *c = &m->comps[k];
			struct lt_link_prep_cell *cell = &p->cells[r * nc + k];
			const char *s = lt_link_cell(t, r, p->field[k]);
			const char *s2 = p->swap[k] ? lt_link_cell(t, r, p->field2[k]) : NULL;
			if (s2 && fold(s2, buf, sizeof(buf))) {
				size_t fn = strlen(buf);
				off2[k][r] = arena_put(&arena, &acap, &alen, buf, fn);
				if (off2[k][r] == 0)
					goto nomem;
				p->swap[k][r].b2 = (uint32_t)fn;
				p->swap[k][r].h2 = lt_link_hash(buf, fn);
			}
			cell->ltf = -INFINITY;
			cell->raw = s;
			if (s == NULL) {
				cell->missing = true;
				continue;
			}
			size_t n = strlen(s);
			cell->braw = (uint32_t)n;
			cell->hraw = lt_link_hash(s, n);
			cell->craw = codepoints(s, c->hist_form == 0 ? cell->hist : NULL);
			if (c->has_date && lt_link_date_parse(s, &cell->date) == LT_LINK_DATE_NONE)
				cell->missing = true;
			bool folded = false;
			if (c->need_norm || (c->tf_level_mask && c->tf_normalise))
				folded = fold(s, buf, sizeof(buf));
			if (folded) {
				size_t fn = strlen(buf);
				off[r * nc + k] = arena_put(&arena, &acap, &alen, buf, fn);
				if (off[r * nc + k] == 0)
					goto nomem;
				cell->bnorm = (uint32_t)fn;
				cell->hnorm = lt_link_hash(buf, fn);
				cell->cnorm =
				    codepoints(buf, c->hist_form == 1 ? cell->hist : NULL);
				if (c->need_phonetic) {
					char d1[LT_LINK_DMETA_SIZE], d2[LT_LINK_DMETA_SIZE];
					lt_link_double_metaphone(buf, d1, d2);
					cell->dm1 = pack_code(d1);
					cell->dm2 = pack_code(d2);
				}
				if (c->need_nickname) {
					const char *canon = lt_link_name_canonical(buf);
					cell->nick =
					    canon ? lt_link_hash(canon, strlen(canon)) | 1 : 0;
				}
			}
			if (c->tf_level_mask && c->tf && c->tf->total > 0) {
				const char *v = c->tf_normalise ? (folded ? buf : NULL) : s;
				uint64_t cnt = v ? lt_link_tf_count(c->tf, v) : 0;
				if (cnt > 0)
					cell->ltf = log2((double)cnt / (double)c->tf->total);
			}
		}
	}
	p->arena = arena;
	p->arena_len = alen;
	for (size_t i = 0; i < t->nrec * nc; i++)
		p->cells[i].norm = off[i] ? arena + off[i] - 1 : NULL;
	for (size_t k = 0; k < nc; k++)
		if (p->swap[k])
			for (size_t r = 0; r < t->nrec; r++)
				p->swap[k][r].norm2 = off2[k][r] ? arena + off2[k][r] - 1 : NULL;
	free(off);
	for (size_t k = 0; k < nc; k++)
		free(off2[k]);
	return LT_OK;
nomem:
	free(off);
	for (size_t k = 0; k < nc; k++) {
		free(off2[k]);
		free(p->swap[k]);
	}
	free(arena);
	free(p->cells);
	memset(p, 0, sizeof(*p));
	return lt_error_set(err, LT_ENOMEM, NULL, "out of memory preparing %zu records", t->nrec);
}

/* ---- Levels, vectors, weights ---------------------------------------- */

static inline bool same_bytes(const char *a, uint32_t la, uint64_t ha, const char *b, uint32_t lb,
                              uint64_t hb)
{
	return a && b && la == lb && ha == hb && memcmp(a, b, la) == 0;
}

static inline unsigned absdiff(unsigned a, unsigned b)
{
	return a > b ? a - b : b - a;
}

/* Sum of |a[i] - b[i]| over the 32 buckets of two histograms. */
static inline unsigned hist_l1(const uint8_t *a, const uint8_t *b)
{
#if defined(__SSE2__)
	__m128i a0 = _mm_loadu_si128((const __m128i *)a);
	__m128i a1 = _mm_loadu_si128((const __m128i *)(a + 16));
	__m128i b0 = _mm_loadu_si128((const __m128i *)b);
	__m128i b1 = _mm_loadu_si128((const __m128i *)(b + 16));
	__m128i s = _mm_add_epi64(_mm_sad_epu8(a0, b0), _mm_sad_epu8(a1, b1));
	return (unsigned)_mm_cvtsi128_si32(s) + (unsigned)_mm_cvtsi128_si32(_mm_srli_si128(s, 8));
#else
	unsigned d = 0;
	for (int i = 0; i < LT_LINK_HIST; i++)
		d += a[i] > b[i] ? (unsigned)(a[i] - b[i]) : (unsigned)(b[i] - a[i]);
	return d;
#endif
}

/* Common leading code points of a and b, at most 4 (Winkler's prefix),
 * decoded as the comparators decode them. */
static inline unsigned common_prefix(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	size_t i = 0, j = 0;
	unsigned n = 0;
	while (n < 4 && x[i] && y[j] && lt_link_next_cp(x, &i) == lt_link_next_cp(y, &j))
		n++;
	return n;
}

/*
 * What one pair has computed so far for one comparison, per form (raw 0,
 * folded 1): a comparison with several Jaro-Winkler or edit-distance levels
 * computes each measure once.
 */
struct pair_cache {
	int l1;       /* histogram L1 distance, -1 until computed */
	uint8_t have; /* bits: 1 jw raw, 2 jw folded, 4 dl raw, 8 dl folded, 16/32 lev */
	double jw[2];
	unsigned dl[2], lev[2];
};

/* Does level lv of comparison c hold for cells x and y (neither missing)? */
static inline bool level_holds(const struct lt_link_comparison *c,
                               const struct lt_link_level_hot *lv,
                               const struct lt_link_prep_cell *x, const struct lt_link_prep_cell *y,
                               const struct lt_link_prep_swap *sx,
                               const struct lt_link_prep_swap *sy, struct pair_cache *pc)
{
	const int f = lv->normalise;
	const char *a = f ? x->norm : x->raw;
	const char *b = f ? y->norm : y->raw;
	unsigned ca = f ? x->cnorm : x->craw;
	unsigned cb = f ? y->cnorm : y->craw;
	switch (lv->kind) {
	case LT_LINK_LEVEL_EXACT:
		return f ? same_bytes(a, x->bnorm, x->hnorm, b, y->bnorm, y->hnorm)
		         : same_bytes(a, x->braw, x->hraw, b, y->braw, y->hraw);
	case LT_LINK_LEVEL_LEVENSHTEIN:
	case LT_LINK_LEVEL_DAMERAU: {
		if (!a || !b)
			return false;
		unsigned k = lv->k;
		if (absdiff(ca, cb) > k)
			return false;
		if (c->hist_form == f) {
			if (pc->l1 < 0)
				pc->l1 = (int)hist_l1(x->hist, y->hist);
			if (((unsigned)pc->l1 + 1) / 2 > k) /* each edit moves at most 2 */
				return false;
		}
		bool dl = lv->kind == LT_LINK_LEVEL_DAMERAU;
		uint8_t bit = (uint8_t)((dl ? 4 : 16) << f);
		if (!(pc->have & bit)) {
			if (dl)
				pc->dl[f] = lt_link_damerau_levenshtein(a, b, c->dl_max[f]);
			else
				pc->lev[f] = lt_link_levenshtein(a, b, c->lev_max[f]);
			pc->have |= bit;
		}
		return (dl ? pc->dl[f] : pc->lev[f]) <= k;
	}
	case LT_LINK_LEVEL_JARO_WINKLER: {
		if (!a || !b || ca == 0 || cb == 0)
			return false;
		uint8_t bit = (uint8_t)(1 << f);
		if (!(pc->have & bit)) {
			/* Jaro <= (m/|a| + m/|b| + 1)/3 with m at most the common characters
			 * (the histograms' overlap, or the shorter length); the Winkler
			 * boost adds at most prefix * 0.1 of the rest. */
			double mmax = ca < cb ? ca : cb;
			if (c->hist_form == f) {
				if (pc->l1 < 0)
					pc->l1 = (int)hist_l1(x->hist, y->hist);
				double common = ((double)ca + cb - pc->l1) / 2;
				if (common < mmax)
					mmax = common;
			}
			double jmax = mmax <= 0 ? 0 : (mmax / ca + mmax / cb + 1) / 3;
			double jwmax = jmax + common_prefix(a, b) * 0.1 * (1 - jmax);
			if (jwmax < lv->t)
				return false; /* not cached: a lower threshold may still ask */
			pc->jw[f] = lt_link_jaro_winkler(a, b);
			pc->have |= bit;
		}
		return pc->jw[f] >= lv->t;
	}
	case LT_LINK_LEVEL_PHONETIC:
		return x->dm1 && y->dm1 &&
		       (x->dm1 == y->dm1 || x->dm1 == y->dm2 || x->dm2 == y->dm1 ||
		        x->dm2 == y->dm2);
	case LT_LINK_LEVEL_NICKNAME:
		return x->nick && x->nick == y->nick;
	case LT_LINK_LEVEL_DATE_EXACT:
		return x->date.day && y->date.day && x->date.year == y->date.year &&
		       x->date.month == y->date.month && x->date.day == y->date.day;
	case LT_LINK_LEVEL_DATE_SWAP:
		return x->date.day && y->date.day && x->date.year == y->date.year &&
		       x->date.day != x->date.month && x->date.day == y->date.month &&
		       x->date.month == y->date.day;
	case LT_LINK_LEVEL_DATE_YEAR_MONTH:
		return x->date.month && x->date.year == y->date.year &&
		       x->date.month == y->date.month;
	case LT_LINK_LEVEL_DATE_YEAR:
		return x->date.year == y->date.year;
	case LT_LINK_LEVEL_DATE_YEARS:
		return absdiff((unsigned)x->date.year, (unsigned)y->date.year) <= lv->k;
	case LT_LINK_LEVEL_SWAPPED:
		return sx && sy &&
		       same_bytes(x->norm, x->bnorm, x->hnorm, sy->norm2, sy->b2, sy->h2) &&
		       same_bytes(sx->norm2, sx->b2, sx->h2, y->norm, y->bnorm, y->hnorm);
	case LT_LINK_LEVEL_ELSE:
		return true;
	case LT_LINK_LEVEL_NULL:
	case LT_LINK_LEVEL_KINDS:
		break;
	}
	return false;
}

/* The level of comparison c for cells x and y. */
static inline unsigned level_of(const struct lt_link_comparison *c,
                                const struct lt_link_prep_cell *x,
                                const struct lt_link_prep_cell *y,
                                const struct lt_link_prep_swap *sx,
                                const struct lt_link_prep_swap *sy)
{
	if (x->missing || y->missing)
		return c->null_level >= 0 ? (unsigned)c->null_level : c->else_level;
	struct pair_cache pc;
	pc.l1 = -1;
	pc.have = 0;
	for (unsigned l = 0; l < c->else_level; l++)
		if (c->hot[l].kind != LT_LINK_LEVEL_NULL &&
		    level_holds(c, &c->hot[l], x, y, sx, sy, &pc))
			return l;
	return c->else_level;
}

/* The second-field values of record r for comparison k, or NULL. */
#define SWAP(p, k, r) ((p)->swap[k] ? &(p)->swap[k][r] : NULL)

/* The TF term of comparison c at level l for cells x and y: 0 when none. */
static inline double tf_term(const struct lt_link_comparison *c, unsigned l,
                             const struct lt_link_prep_cell *x, const struct lt_link_prep_cell *y,
                             double *ltf_used)
{
	double f = x->ltf > y->ltf ? x->ltf : y->ltf;
	if (f == -INFINITY)
		return 0;
	if (f < c->log2_tf_min[l])
		f = c->log2_tf_min[l];
	if (ltf_used)
		*ltf_used = f;
	return c->levels[l].tf_weight * (c->log2u[l] - f);
}

uint64_t lt_link_vector(const struct lt_link_prep *p, uint32_t a, uint32_t b)
{
	const struct lt_link_model *m = p->model;
	const struct lt_link_prep_cell *ca = &p->cells[(size_t)a * p->ncomp];
	const struct lt_link_prep_cell *cb = &p->cells[(size_t)b * p->ncomp];
	uint64_t v = 0;
	for (size_t k = 0; k < p->ncomp; k++)
		v |= (uint64_t)level_of(&m->comps[k], &ca[k], &cb[k], SWAP(p, k, a), SWAP(p, k, b))
		     << (4 * k);
	return v;
}

uint64_t lt_link_vector_tf(const struct lt_link_prep *p, uint32_t a, uint32_t b, double *ltf)
{
	const struct lt_link_model *m = p->model;
	const struct lt_link_prep_cell *ca = &p->cells[(size_t)a * p->ncomp];
	const struct lt_link_prep_cell *cb = &p->cells[(size_t)b * p->ncomp];
	uint64_t v = 0;
	for (size_t k = 0; k < p->ncomp; k++) {
		const struct lt_link_comparison *c = &m->comps[k];
		unsigned l = level_of(c, &ca[k], &cb[k], SWAP(p, k, a), SWAP(p, k, b));
		v |= (uint64_t)l << (4 * k);
		ltf[k] = -INFINITY;
		if (c->tf_level_mask & (1u << l))
			(void)tf_term(c, l, &ca[k], &cb[k], &ltf[k]);
	}
	return v;
}

static inline double score_one(const struct lt_link_prep *p, uint32_t a, uint32_t b, uint64_t *vec)
{
	const struct lt_link_model *m = p->model;
	const struct lt_link_prep_cell *ca = &p->cells[(size_t)a * p->ncomp];
	const struct lt_link_prep_cell *cb = &p->cells[(size_t)b * p->ncomp];
	double w = m->prior_weight;
	uint64_t v = 0;
	for (size_t k = 0; k < p->ncomp; k++) {
		const struct lt_link_comparison *c = &m->comps[k];
		unsigned l = level_of(c, &ca[k], &cb[k], SWAP(p, k, a), SWAP(p, k, b));
		v |= (uint64_t)l << (4 * k);
		w += c->lw[l];
		if (c->tf_level_mask & (1u << l))
			w += tf_term(c, l, &ca[k], &cb[k], NULL);
	}
	if (vec)
		*vec = v;
	return w;
}

double lt_link_score(const struct lt_link_prep *p, uint32_t a, uint32_t b)
{
	return score_one(p, a, b, NULL);
}

void lt_link_score_pairs(const struct lt_link_prep *p, const struct lt_link_pair *pairs, size_t n,
                         double *weight, uint64_t *vec)
{
	for (size_t i = 0; i < n; i++)
		weight[i] = score_one(p, pairs[i].a, pairs[i].b, vec ? &vec[i] : NULL);
}

double lt_link_weight_to_prob(double w)
{
	if (w >= 0)
		return 1 / (1 + exp2(-w));
	double e = exp2(w);
	return e / (1 + e);
}

double lt_link_prob_to_weight(double p)
{
	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	return log2(p / (1 - p));
}

/* ---- u from random pairs --------------------------------------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n), n >= 1, without modulo bias (Lemire's rejection). */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t threshold = (0 - n) % n;
	for (;;) {
		uint64_t x = rng_next(r);
		if (x >= threshold)
			return x % n;
	}
}

/* Records grouped by source, for pairs within sources. */
struct by_source {
	uint32_t *rec;    /* nrec record indices, grouped by source */
	size_t *start;    /* nsource + 1 offsets into rec */
	double *cumpairs; /* nsource cumulative within-source pair counts */
	size_t nsource;
};

static lt_status group_sources(const struct lt_link_table *t, struct by_source *g)
{
	size_t ns = t->nsource ? t->nsource : 1;
	memset(g, 0, sizeof(*g));
	g->nsource = ns;
	g->rec = malloc((t->nrec + 1) * sizeof(*g->rec));
	g->start = calloc(ns + 1, sizeof(*g->start));
	g->cumpairs = calloc(ns, sizeof(*g->cumpairs));
	if (!g->rec || !g->start || !g->cumpairs)
		return LT_ENOMEM;
	for (size_t r = 0; r < t->nrec; r++) {
		uint32_t s = t->source ? t->source[r] : 0;
		g->start[(s < ns ? s : ns - 1) + 1]++;
	}
	for (size_t s = 0; s < ns; s++)
		g->start[s + 1] += g->start[s];
	size_t *fill = calloc(ns, sizeof(*fill));
	if (fill == NULL)
		return LT_ENOMEM;
	for (size_t r = 0; r < t->nrec; r++) {
		uint32_t s = t->source ? t->source[r] : 0;
		s = s < ns ? s : (uint32_t)(ns - 1);
		g->rec[g->start[s] + fill[s]++] = (uint32_t)r;
	}
	free(fill);
	double cum = 0;
	for (size_t s = 0; s < ns; s++) {
		double n = (double)(g->start[s + 1] - g->start[s]);
		cum += n * (n - 1) / 2;
		g->cumpairs[s] = cum;
	}
	return LT_OK;
}

static void by_source_release(struct by_source *g)
{
	free(g->rec);
	free(g->start);
	free(g->cumpairs);
}

lt_status lt_link_estimate_u(struct lt_link_model *m, const struct lt_link_prep *p,
                             enum lt_link_mode mode, uint64_t npairs, uint64_t seed,
                             struct lt_error *err)
{
	const struct lt_link_table *t = p->table;
	if (p->model != m)
		return lt_error_set(err, LT_EINVAL, NULL, "the prep was made for another model");
	if (p->nrec < 2)
		return lt_error_set(err, LT_EINVAL, NULL, "u needs at least two records, not %zu",
		                    p->nrec);
	if (npairs < 1 || npairs > LT_LINK_U_PAIRS_MAX)
		return lt_error_set(err, LT_EINVAL, "pairs", "must be 1 to %llu",
		                    (unsigned long long)LT_LINK_U_PAIRS_MAX);
	struct by_source g;
	lt_status st = group_sources(t, &g);
	if (st != LT_OK) {
		by_source_release(&g);
		return lt_error_set(err, st, NULL, "out of memory");
	}
	double n = (double)p->nrec;
	double all = n * (n - 1) / 2, within = g.cumpairs[g.nsource - 1];
	double avail = mode == LT_LINK_BLOCK_ALL      ? all
	               : mode == LT_LINK_BLOCK_WITHIN ? within
	                                              : all - within;
	if (avail < 1) {
		by_source_release(&g);
		return lt_error_set(
		    err, LT_EINVAL, "mode", "the records make no pairs in this mode (%s)",
		    mode == LT_LINK_BLOCK_ACROSS ? "one source only" : "no source has two records");
	}
	struct rng r;
	rng_seed(&r, seed);
	static const size_t L = LT_LINK_LEVELS_MAX;
	double count[LT_LINK_COMPARISONS_MAX][LT_LINK_LEVELS_MAX];
	memset(count, 0, sizeof(count));
	for (uint64_t i = 0; i < npairs; i++) {
		uint32_t a, b;
		if (mode == LT_LINK_BLOCK_WITHIN) {
			double x = (double)(rng_next(&r) >> 11) * 0x1.0p-53 * within;
			size_t lo = 0, hi = g.nsource - 1;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (g.cumpairs[mid] > x)
					hi = mid;
				else
					lo = mid + 1;
			}
			size_t sz = g.start[lo + 1] - g.start[lo];
			if (sz < 2) { /* rounding at an edge: try again */
				i--;
				continue;
			}
			size_t ia = (size_t)rng_below(&r, sz), ib = (size_t)rng_below(&r, sz - 1);
			if (ib >= ia)
				ib++;
			a = g.rec[g.start[lo] + ia];
			b = g.rec[g.start[lo] + ib];
		} else {
			a = (uint32_t)rng_below(&r, p->nrec);
			b = (uint32_t)rng_below(&r, p->nrec - 1);
			if (b >= a)
				b++;
			if (mode == LT_LINK_BLOCK_ACROSS && t->source &&
			    t->source[a] == t->source[b]) {
				i--;
				continue;
			}
		}
		uint64_t v = lt_link_vector(p, a, b);
		for (size_t k = 0; k < p->ncomp; k++)
			count[k][lt_link_vector_level(v, k)] += 1;
	}
	by_source_release(&g);
	for (size_t k = 0; k < m->ncomp; k++) {
		struct lt_link_comparison *c = &m->comps[k];
		double tot = 0;
		for (size_t l = 0; l < c->nlevel && l < L; l++)
			if (c->levels[l].kind != LT_LINK_LEVEL_NULL) {
				if (count[k][l] == 0)
					count[k][l] = 0.5;
				tot += count[k][l];
			}
		for (size_t l = 0; l < c->nlevel; l++)
			if (c->levels[l].kind != LT_LINK_LEVEL_NULL)
				c->levels[l].u = count[k][l] / tot;
	}
	return lt_link_model_finish(m, err);
}

lt_status lt_link_lambda_from_rules(uint64_t matched, uint64_t total, double recall, double *lambda,
                                    struct lt_error *err)
{
	if (total == 0)
		return lt_error_set(err, LT_EINVAL, "pairs", "there are no pairs");
	if (!(recall > 0 && recall <= 1))
		return lt_error_set(err, LT_EINVAL, "recall", "must be in (0, 1], not %g", recall);
	if (matched == 0)
		return lt_error_set(err, LT_EINVAL, "rules",
		                    "no pair passes the deterministic rules, so they say nothing "
		                    "of λ");
	double l = (double)matched / (recall * (double)total);
	if (!(l < 1))
		return lt_error_set(err, LT_EINVAL, "recall",
		                    "%llu of %llu pairs at recall %g gives λ >= 1",
		                    (unsigned long long)matched, (unsigned long long)total, recall);
	*lambda = l;
	return LT_OK;
}

/* ---- The waterfall --------------------------------------------------- */

void lt_link_explain(const struct lt_link_prep *p, uint32_t a, uint32_t b,
                     struct lt_link_explanation *out)
{
	const struct lt_link_model *m = p->model;
	const struct lt_link_prep_cell *ca = &p->cells[(size_t)a * p->ncomp];
	const struct lt_link_prep_cell *cb = &p->cells[(size_t)b * p->ncomp];
	memset(out, 0, sizeof(*out));
	out->a = a;
	out->b = b;
	out->prior = m->lambda;
	out->prior_weight = m->prior_weight;
	out->nstep = p->ncomp;
	double w = m->prior_weight;
	for (size_t k = 0; k < p->ncomp; k++) {
		const struct lt_link_comparison *c = &m->comps[k];
		struct lt_link_explain_step *s = &out->steps[k];
		unsigned l = level_of(c, &ca[k], &cb[k], SWAP(p, k, a), SWAP(p, k, b));
		const struct lt_link_level *lv = &c->levels[l];
		out->vector |= (uint64_t)l << (4 * k);
		s->comparison = k;
		s->name = c->name;
		s->value_a = ca[k].raw;
		s->value_b = cb[k].raw;
		s->level = l;
		s->label = lv->label;
		s->kind = lv->kind;
		s->tf_freq = NAN;
		s->tf_bf = 1;
		s->tf_log2 = 0;
		if (lv->kind == LT_LINK_LEVEL_NULL) {
			s->m = s->u = NAN;
			s->bf = 1;
			s->log2_bf = 0;
		} else {
			s->m = lv->m;
			s->u = lv->u;
			s->bf = lv->m / lv->u;
			s->log2_bf = c->lw[l];
			if (c->tf_level_mask & (1u << l)) {
				double used = -INFINITY;
				double t = tf_term(c, l, &ca[k], &cb[k], &used);
				if (used != -INFINITY) {
					s->tf_freq = exp2(used);
					s->tf_log2 = t;
					s->tf_bf = exp2(t);
				}
			}
		}
		w += s->log2_bf + s->tf_log2;
		s->cumulative = w;
	}
	out->weight = w;
	out->probability = lt_link_weight_to_prob(w);
}
