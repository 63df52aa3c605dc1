/*
 * fuzz_link_model.c — fuzz target for the model parser of record linkage
 * (lt_link_model_from_json, src/linkage/link_json.c), which reads the
 * files `lantern link --settings` is given.
 *
 * Every byte string must come back as a model that lt_link_model_finish
 * accepts, or as an error with a message and a model that holds nothing;
 * never a crash, a hang, a leak or undefined behaviour. A model that parses
 * must write back to JSON that parses to the same model (every kind, field,
 * parameter, m, u and TF weight bit for bit), and must score the pairs of
 * a small table with its fields — every weight finite and equal to the sum
 * of its waterfall. Built with replay.c as a plain program that `make
 * test` runs over fuzz/corpus/link_model/.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
			if (p->kind != q->kind || p->param != q->param || p->normalise != q->normalise ||
			    p->tf_weight != q->tf_weight || strcmp(p->label, q->label))
				abort();
			if (p->kind != LT_LINK_LEVEL_NULL && (p->m != q->m || p->u != q->u))
				abort();
		}
	}
}

/* Score every pair of a few records whose fields are the model's. */
static void score(const struct lt_link_model *m)
{
	static const char *const values[] = {"John", "jon", "1990-02-01", "01/02/1990", NULL,
	                                     "Smith", "smyth", "1990"};
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
