/*
 * fuzz_link_model.c — fuzz target for the model parser of record linkage
 * (lt_link_model_from_json, src/linkage/link_json.c), which reads the
 * files `lantern link --settings` is given, and of splink's settings
 * format (lt_link_model_from_splink_json).
 *
 * Every byte string must come back as a model that lt_link_model_finish
 * accepts, or as an error with a message and a model that holds nothing;
 * never a crash, a hang, a leak or undefined behaviour. A model that parses
 * must write back to JSON that parses to the same model (every kind, field,
 * parameter, m, u and TF weight bit for bit), and must score the pairs of
 * a small table with its fields — every weight finite and equal to the sum
 * of its waterfall. The same bytes, split at their first newline, are two
 * values whose level under Jaro-Winkler and edit-distance levels must be
 * what the comparators say (the scorer's shortcuts never change a level).
 * Built with replay.c as a plain program that `make
 * test` runs over fuzz/corpus/link_model/.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkage/link_compare.h"
#include "linkage/link_model.h"
#include "linkage/linkage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_model(const struct lt_link_model *a, const struct lt_link_model *b)
{
	if (a->lambda != b->lambda || a->ncomp != b->ncomp)
		abort();
	for (size_t k = 0; k < a->ncomp; k++) {
		const struct lt_link_comparison *x = &a->comps[k], *y = &b->comps[k];
		if (strcmp(x->name, y->name) || strcmp(x->field, y->field) ||
		    strcmp(x->field2, y->field2) || x->nlevel != y->nlevel)
			abort();
		for (size_t l = 0; l < x->nlevel; l++) {
			const struct lt_link_level *p = &x->levels[l], *q = &y->levels[l];
			if (p->kind != q->kind || p->param != q->param ||
			    p->normalise != q->normalise || p->tf_weight != q->tf_weight ||
			    strcmp(p->label, q->label))
				abort();
			if (p->kind != LT_LINK_LEVEL_NULL && (p->m != q->m || p->u != q->u))
				abort();
		}
	}
}

/* Score every pair of a few records whose fields are the model's. */
static void score(const struct lt_link_model *m)
{
	static const char *const values[] = {"John", "jon",   "1990-02-01", "01/02/1990",
	                                     NULL,   "Smith", "smyth",      "1990"};
	const char *names[2 * LT_LINK_COMPARISONS_MAX];
	size_t nf = 0;
	for (size_t k = 0; k < m->ncomp; k++) {
		const char *f[2] = {m->comps[k].field, m->comps[k].field2};
		for (int i = 0; i < 2; i++) {
			if (!f[i][0])
				continue;
			size_t j = 0;
			while (j < nf && strcmp(names[j], f[i]))
				j++;
			if (j == nf)
				names[nf++] = f[i];
		}
	}
	struct lt_link_table t;
	if (lt_link_table_init(&t, names, nf) != LT_OK)
		return;
	uint32_t src;
	if (lt_link_table_source(&t, "s", &src) != LT_OK)
		goto out;
	for (size_t r = 0; r < 8; r++) {
		const char *cells[2 * LT_LINK_COMPARISONS_MAX];
		for (size_t f = 0; f < nf; f++)
			cells[f] = values[(r + f) % 8];
		char id[8] = {(char)('a' + r), 0};
		if (lt_link_table_add(&t, src, id, cells) != LT_OK)
			goto out;
	}
	struct lt_link_model copy;
	if (lt_link_model_copy(&copy, m) != LT_OK)
		goto out;
	struct lt_error err;
	if (lt_link_model_tf_compute(&copy, &t, &err) != LT_OK)
		abort();
	struct lt_link_prep p;
	if (lt_link_prep_init(&p, &copy, &t, &err) != LT_OK)
		abort();
	for (uint32_t a = 0; a < 8; a++)
		for (uint32_t b = 0; b < 8; b++) {
			double w = lt_link_score(&p, a, b);
			struct lt_link_explanation x;
			lt_link_explain(&p, a, b, &x);
			if (!isfinite(w) || fabs(x.weight - w) > 1e-9 * (1 + fabs(w)))
				abort();
		}
	lt_link_prep_release(&p);
	lt_link_model_release(&copy);
out:
	lt_link_table_release(&t);
}

/*
 * The scorer skips comparators when lengths or character histograms
 * decide a level: on any two byte strings (the input split at its first
 * newline, NULs cut), the level must be the one the comparators give when
 * called one level at a time.
 */
static void bounds(const uint8_t *data, size_t size)
{
	static const struct {
		enum lt_link_level_kind kind;
		double param;
	} lv[] = {{LT_LINK_LEVEL_JARO_WINKLER, 0.95}, {LT_LINK_LEVEL_DAMERAU, 1},
	          {LT_LINK_LEVEL_JARO_WINKLER, 0.85}, {LT_LINK_LEVEL_LEVENSHTEIN, 2},
	          {LT_LINK_LEVEL_JARO_WINKLER, 0.7},  {LT_LINK_LEVEL_DAMERAU, 4}};
	enum { NLV = sizeof(lv) / sizeof(lv[0]) };
	char s[2][256];
	const uint8_t *nl = memchr(data, '\n', size);
	if (!nl)
		return;
	size_t len[2] = {(size_t)(nl - data), size - (size_t)(nl - data) - 1};
	const uint8_t *from[2] = {data, nl + 1};
	for (int i = 0; i < 2; i++) {
		size_t n = len[i] < 255 ? len[i] : 255;
		memcpy(s[i], from[i], n);
		s[i][n] = '\0';
		if (!s[i][0])
			return;
	}
	const char *names[] = {"f"}, *cells[2][1] = {{s[0]}, {s[1]}};
	struct lt_link_table t;
	struct lt_link_model m;
	struct lt_link_prep p;
	struct lt_error err;
	uint32_t src;
	if (lt_link_table_init(&t, names, 1) != LT_OK || lt_link_table_source(&t, "s", &src) ||
	    lt_link_table_add(&t, src, "a", cells[0]) || lt_link_table_add(&t, src, "b", cells[1]))
		abort();
	for (int norm = 0; norm < 2; norm++) {
		lt_link_model_init(&m);
		if (lt_link_model_add_comparison(&m, "c", "f", &err) ||
		    lt_link_model_add_level(&m, LT_LINK_LEVEL_NULL, 0, false, 0, 0, 0, &err))
			abort();
		for (size_t i = 0; i < NLV; i++)
			if (lt_link_model_add_level(&m, lv[i].kind, lv[i].param, norm, 0.5, 0.5, 0,
			                            &err))
				abort();
		if (lt_link_model_add_level(&m, LT_LINK_LEVEL_ELSE, 0, false, 0.5, 0.5, 0, &err) ||
		    lt_link_model_finish(&m, &err) || lt_link_prep_init(&p, &m, &t, &err))
			abort();
		char f[2][1100];
		const char *x = s[0], *y = s[1];
		if (norm) {
			for (int i = 0; i < 2; i++)
				if (lt_link_normalise(s[i], f[i], sizeof(f[i])) != LT_OK)
					f[i][0] = '\0';
			x = f[0];
			y = f[1];
		}
		unsigned want = NLV + 1;
		if (x[0] && y[0])
			for (size_t i = 0; i < NLV && want == NLV + 1; i++) {
				bool holds;
				if (lv[i].kind == LT_LINK_LEVEL_JARO_WINKLER)
					holds = lt_link_jaro_winkler(x, y) >= lv[i].param;
				else if (lv[i].kind == LT_LINK_LEVEL_DAMERAU)
					holds =
					    lt_link_damerau_levenshtein(x, y, 64) <= lv[i].param;
				else
					holds = lt_link_levenshtein(x, y, 64) <= lv[i].param;
				if (holds)
					want = (unsigned)i + 1;
			}
		if (lt_link_vector_level(lt_link_vector(&p, 0, 1), 0) != want)
			abort();
		lt_link_prep_release(&p);
		lt_link_model_release(&m);
	}
	lt_link_table_release(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bounds(data, size);
	{ /* the same bytes as splink settings */
		struct lt_link_model sm;
		struct lt_error se;
		lt_error_clear(&se);
		lt_status sst = lt_link_model_from_splink_json((const char *)data, size, &sm, &se);
		if (sst != LT_OK) {
			if (!se.message[0] || se.status != sst || sm.ncomp != 0)
				abort();
		} else {
			if (lt_link_model_finish(&sm, &se) != LT_OK)
				abort();
			score(&sm);
			lt_link_model_release(&sm);
		}
	}
	struct lt_link_model m, back;
	struct lt_error err;
	lt_error_clear(&err);
	lt_status st = lt_link_model_from_json((const char *)data, size, &m, &err);
	if (st != LT_OK) {
		if (!err.message[0] || err.status != st || m.ncomp != 0)
			abort(); /* a refusal always says why, and returns nothing */
		return 0;
	}
	if (lt_link_model_finish(&m, &err) != LT_OK)
		abort();
	char *json = NULL;
	if (lt_link_model_to_json(&m, true, &json) == LT_OK) {
		if (lt_link_model_from_json(json, strlen(json), &back, &err) != LT_OK)
			abort();
		same_model(&m, &back);
		lt_link_model_release(&back);
		free(json);
	}
	score(&m);
	lt_link_model_release(&m);
	return 0;
}
