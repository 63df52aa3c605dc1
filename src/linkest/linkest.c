/*
 * linkest.c — capture histories from clusters and the linkage bootstrap
 * (linkest.h has the method; docs/linkage.md its coverage).
 *
 * Histories are built in one pass over the records: each person (a cluster,
 * or in a replicate a root of the union-find of the drawn links) ORs the
 * bit of each of its records' lists into a mask, then the masks are
 * counted. A replicate costs O(records + pairs above the floor) for the
 * linkage and one run of the estimator; the union-find, the mask array, the
 * counts and the table are allocated once for the whole run.
 */
#include "linkest/linkest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

static int name_byte_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

void lt_linkest_list_name(const char *label, char *out, size_t cap)
{
	LT_ASSERT(cap > LT_MSE_NAME_MAX);
	const char *s = strrchr(label, '/');
	s = s ? s + 1 : label;
	size_t n = strlen(s);
	const char *dot = strrchr(s, '.');
	if (dot && dot > s)
		n = (size_t)(dot - s);
	size_t k = 0;
	for (size_t i = 0; i < n && k < LT_MSE_NAME_MAX; i++)
		out[k++] = name_byte_ok((unsigned char)s[i]) ? s[i] : '_';
	out[k] = '\0';
	if (k == 0)
		snprintf(out, cap, "list");
}

lt_status lt_linkest_lists_from_labels(const char *const *labels, size_t nrec, uint32_t *list,
                                       struct lt_linkest_lists *lists, struct lt_error *err)
{
	/* The distinct labels are few (at most LT_MSE_LISTS_MAX): a linear
	 * search over them per record. */
	const char *seen[LT_MSE_LISTS_MAX];
	memset(lists, 0, sizeof(*lists));
	for (size_t r = 0; r < nrec; r++) {
		const char *l = labels[r];
		if (!l || !l[0]) {
			lt_error_set(err, LT_EINVAL, "list",
			             "record %zu has no list (its list label is empty)", r + 1);
			if (err)
				err->line = (long)(r + 1);
			return LT_EINVAL;
		}
		unsigned i = 0;
		while (i < lists->nlists && strcmp(seen[i], l) != 0)
			i++;
		if (i == lists->nlists) {
			if (lists->nlists == LT_MSE_LISTS_MAX) {
				lt_error_set(
				    err, LT_ETOOBIG, "list",
				    "record %zu is on a list beyond the %d an estimate takes",
				    r + 1, LT_MSE_LISTS_MAX);
				if (err)
					err->line = (long)(r + 1);
				return LT_ETOOBIG;
			}
			seen[i] = l;
			char base[LT_MSE_NAME_MAX + 1];
			lt_linkest_list_name(l, base, sizeof(base));
			char *name = lists->names[i];
			snprintf(name, LT_MSE_NAME_MAX + 1, "%s", base);
			for (unsigned suffix = 2;; suffix++) {
				unsigned j = 0;
				while (j < i && strcmp(lists->names[j], name) != 0)
					j++;
				if (j == i)
					break;
				char tail[16];
				int tl = snprintf(tail, sizeof(tail), "_%u", suffix);
				size_t keep = strlen(base);
				if (keep + (size_t)tl > LT_MSE_NAME_MAX)
					keep = LT_MSE_NAME_MAX - (size_t)tl;
				snprintf(name, LT_MSE_NAME_MAX + 1, "%.*s%s", (int)keep, base,
				         tail);
			}
			lists->nlists++;
		}
		list[r] = i;
	}
	return LT_OK;
}

/* Count the persons by history: mask[p] of each of the np persons. */
static void count_masks(const uint32_t *mask, size_t np, double *counts, size_t ncells)
{
	memset(counts, 0, ncells * sizeof(*counts));
	for (size_t i = 0; i < np; i++)
		if (mask[i])
			counts[mask[i]] += 1;
}

static lt_status check_lists(const uint32_t *list, size_t nrec,
                             const struct lt_linkest_lists *lists, struct lt_error *err)
{
	if (lists->nlists < 2 || lists->nlists > LT_MSE_LISTS_MAX)
		return lt_error_set(err, LT_EINVAL, "list",
		                    "an estimate needs 2 to %d lists; the records are on %u",
		                    LT_MSE_LISTS_MAX, lists->nlists);
	for (size_t r = 0; r < nrec; r++)
		if (list[r] >= lists->nlists) {
			lt_error_set(err, LT_EINVAL, "list", "record %zu is on list %u of %u",
			             r + 1, list[r], lists->nlists);
			if (err)
				err->line = (long)(r + 1);
			return LT_EINVAL;
		}
	return LT_OK;
}

static lt_status new_table(const struct lt_linkest_lists *lists, struct mse_table **out,
                           struct lt_error *err)
{
	const char *names[LT_MSE_LISTS_MAX];
	for (unsigned i = 0; i < lists->nlists; i++)
		names[i] = lists->names[i];
	return mse_table_alloc(lists->nlists, names, out, err);
}

lt_status lt_linkest_histories(const uint32_t *cluster, size_t ncluster, const uint32_t *list,
                               size_t nrec, const struct lt_linkest_lists *lists,
                               struct mse_table **out, struct lt_error *err)
{
	*out = NULL;
	lt_status st = check_lists(list, nrec, lists, err);
	if (st != LT_OK)
		return st;
	for (size_t r = 0; r < nrec; r++)
		if (cluster[r] >= ncluster) {
			lt_error_set(err, LT_EINVAL, "cluster",
			             "record %zu is in cluster %u of %zu", r + 1, cluster[r],
			             ncluster);
			if (err)
				err->line = (long)(r + 1);
			return LT_EINVAL;
		}
	uint32_t *mask = calloc(ncluster ? ncluster : 1, sizeof(*mask));
	struct mse_table *t = NULL;
	if (!mask)
		return lt_error_set(err, LT_ENOMEM, "", "out of memory");
	st = new_table(lists, &t, err);
	if (st != LT_OK)
		goto out;
	for (size_t r = 0; r < nrec; r++)
		mask[cluster[r]] |= 1u << list[r];
	count_masks(mask, ncluster, t->counts, t->ncells);
	mse_table_set_counts(t, t->counts);
	*out = t;
	t = NULL;
out:
	mse_table_free(t);
	free(mask);
	return st;
}

lt_status lt_linkest_histories_csv(const struct mse_table *t, struct lt_buf *out)
{
	lt_status st = LT_OK;
	for (unsigned i = 0; i < t->nlists && st == LT_OK; i++) {
		st = lt_buf_puts(out, t->names[i]);
		if (st == LT_OK)
			st = lt_buf_puts(out, ",");
	}
	if (st == LT_OK)
		st = lt_buf_puts(out, "count\n");
	for (size_t h = 1; h < t->ncells && st == LT_OK; h++) {
		if (t->counts[h] == 0)
			continue;
		char line[LT_MSE_LISTS_MAX * 2 + 32];
		size_t k = 0;
		for (unsigned i = 0; i < t->nlists; i++) {
			line[k++] = (h >> i) & 1u ? '1' : '0';
			line[k++] = ',';
		}
		snprintf(line + k, sizeof(line) - k, "%.0f\n", t->counts[h]);
		st = lt_buf_puts(out, line);
	}
	return st;
}

void lt_linkest_draw_result_release(struct lt_linkest_draw_result *r)
{
	free(r->reps);
	memset(r, 0, sizeof(*r));
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

/* Match weight (log2 odds) of probability q, and back. */
static double weight_of(double q)
{
	return log2(q / (1 - q));
}
static double prob_of(double w)
{
	return 1 / (1 + exp2(-w));
}

double lt_linkest_band_low(double threshold, double band)
{
	return prob_of(weight_of(threshold) - band);
}

lt_status lt_linkest_draws_run(const struct lt_link_edge *edges, size_t nedge, size_t nrec,
                               const uint32_t *list, const struct lt_linkest_lists *lists,
                               const struct lt_link_cluster_opts *co,
                               const struct mse_boot_method *method,
                               const struct lt_linkest_draw_params *p,
                               struct lt_linkest_draw_result *out, struct lt_error *err)
{
	memset(out, 0, sizeof(*out));
	out->lower = out->upper = out->bc_lower = out->bc_upper = out->z0 = NAN;
	if (p->ndraws < 1 || p->ndraws > LT_LINKEST_DRAWS_MAX)
		return lt_error_set(err, LT_EINVAL, "draws", "draws must be from 1 to %d, not %zu",
		                    LT_LINKEST_DRAWS_MAX, p->ndraws);
	if (!(p->level > 0 && p->level < 1))
		return lt_error_set(err, LT_EINVAL, "level", "the level must lie in (0, 1)");
	if (!(p->band > 0 && p->band <= 30))
		return lt_error_set(err, LT_EINVAL, "band", "the band must be from 0 to 30 bits");
	if (!(co->threshold > 0 && co->threshold < 1))
		return lt_error_set(err, LT_EINVAL, "threshold",
		                    "the threshold must lie in (0, 1)");
	lt_status st = check_lists(list, nrec, lists, err);
	if (st != LT_OK)
		return st;
	if (nrec == 0)
		return lt_error_set(err, LT_EINVAL, "records",
		                    "there are no records to estimate from");
	for (size_t e = 0; e < nedge; e++)
		if (edges[e].a >= nrec || edges[e].b >= nrec)
			return lt_error_set(err, LT_EINVAL, "edges",
			                    "pair %zu names a record beyond the %zu there are",
			                    e + 1, nrec);

	struct lt_link_uf uf;
	memset(&uf, 0, sizeof(uf));
	uint32_t *mask = NULL;
	double *counts = NULL, *sorted = NULL;
	long *drawn = NULL;
	struct mse_table *t = NULL;
	void *state = NULL;
	int have_state = 0;
	size_t ncells = (size_t)1 << lists->nlists;

	st = lt_link_uf_init(&uf, nrec);
	if (st != LT_OK)
		goto oom;
	mask = malloc((nrec ? nrec : 1) * sizeof(*mask));
	counts = malloc(ncells * sizeof(*counts));
	drawn = malloc(ncells * sizeof(*drawn));
	out->reps = malloc(p->ndraws * sizeof(*out->reps));
	sorted = malloc(p->ndraws * sizeof(*sorted));
	if (!mask || !counts || !drawn || !out->reps || !sorted)
		goto oom;
	st = new_table(lists, &t, err);
	if (st != LT_OK)
		goto out;
	st = method->state_alloc(method->arg, t, &state);
	have_state = 1;
	if (st != LT_OK)
		goto oom;

	struct mse_rng rng;
	mse_rng_seed(&rng, p->seed);
	double w0 = weight_of(co->threshold);
	double lo = prob_of(w0 - p->band), hi = prob_of(w0 + p->band);
	out->persons_min = INFINITY;
	out->persons_max = 0;
	double persons_sum = 0;
	for (size_t b = 0; b < p->ndraws; b++) {
		/* stage 1: the links */
		size_t persons = 0;
		if (p->draw == LT_LINKEST_DRAW_PAIRS) {
			for (size_t r = 0; r < nrec; r++) {
				uf.parent[r] = (uint32_t)r;
				uf.size[r] = 1;
				mask[r] = 0;
			}
			for (size_t e = 0; e < nedge; e++) {
				double q = edges[e].p;
				if (q < lo)
					continue;
				/* a draw for every pair in the band, so the stream does
				 * not depend on which pairs came out linked */
				if (q >= hi || mse_rng_uniform(&rng) < q)
					lt_link_uf_union(&uf, edges[e].a, edges[e].b);
			}
			for (size_t r = 0; r < nrec; r++) {
				uint32_t root = lt_link_uf_find(&uf, (uint32_t)r);
				if (!mask[root])
					persons++;
				mask[root] |= 1u << list[r];
			}
		} else {
			struct lt_link_cluster_opts cb = *co;
			cb.threshold = prob_of(w0 + p->band * (2 * mse_rng_uniform(&rng) - 1));
			struct lt_link_clusters cl;
			if (lt_link_cluster(edges, nedge, nrec, &cb, &cl) != LT_OK)
				goto oom;
			memset(mask, 0, nrec * sizeof(*mask));
			for (size_t r = 0; r < nrec; r++)
				mask[cl.cluster[r]] |= 1u << list[r];
			persons = cl.ncluster;
			lt_link_clusters_release(&cl);
		}
		persons_sum += (double)persons;
		if ((double)persons < out->persons_min)
			out->persons_min = (double)persons;
		if ((double)persons > out->persons_max)
			out->persons_max = (double)persons;
		count_masks(mask, nrec, counts, ncells);
		/* stage 2: the persons resampled */
		double n = 0;
		for (size_t h = 1; h < ncells; h++)
			n += counts[h];
		if (p->resample == LT_LINKEST_RESAMPLE_CASES) {
			mse_rng_multinomial(&rng, (long)n, counts + 1, ncells - 1, drawn + 1);
			for (size_t h = 1; h < ncells; h++)
				counts[h] = (double)drawn[h];
		} else if (p->resample == LT_LINKEST_RESAMPLE_POPULATION) {
			/* the population of the drawn linkage's own estimate, its
			 * dark cell included, resampled whole */
			double pop = NAN;
			mse_table_set_counts(t, counts);
			st = method->estimate(state, method->arg, t, &pop, NULL);
			if (st == LT_ENOMEM)
				goto oom;
			st = LT_OK;
			if (!isfinite(pop) || pop < n || pop > LT_MSE_COUNT_MAX) {
				out->reps[b] = NAN;
				out->nfailed++;
				out->ndraws = b + 1;
				continue;
			}
			counts[0] = floor(pop + 0.5) - n;
			if (counts[0] < 0)
				counts[0] = 0;
			mse_rng_multinomial(&rng, (long)(n + counts[0]), counts, ncells, drawn);
			for (size_t h = 1; h < ncells; h++)
				counts[h] = (double)drawn[h];
		}
		mse_table_set_counts(t, counts);
		double total = NAN;
		st = method->estimate(state, method->arg, t, &total, NULL);
		if (st == LT_ENOMEM)
			goto oom;
		if (st != LT_OK || !isfinite(total)) {
			total = NAN;
			out->nfailed++;
		}
		st = LT_OK;
		out->reps[b] = total;
		out->ndraws = b + 1;
		if (p->progress && p->progress(p->progress_user, b + 1, p->ndraws)) {
			out->cancelled = true;
			goto out;
		}
	}
	out->persons_mean = persons_sum / (double)p->ndraws;
	size_t k = 0;
	for (size_t b = 0; b < out->ndraws; b++)
		if (!isnan(out->reps[b]))
			sorted[k++] = out->reps[b];
	if (k > 0) {
		qsort(sorted, k, sizeof(*sorted), cmp_double);
		out->lower = mse_quantile_type8(sorted, k, (1 - p->level) / 2);
		out->upper = mse_quantile_type8(sorted, k, (1 + p->level) / 2);
	}
	if (k > 0 && isfinite(p->point)) {
		const double alpha[2] = {(1 - p->level) / 2, (1 + p->level) / 2};
		double level[2], bound[2];
		struct mse_bca bca;
		if (mse_bca_bounds(p->point, out->reps, out->ndraws, 0.0, alpha, 2, sorted, level,
		                   bound, &bca, NULL) == LT_OK) {
			out->bc_lower = bound[0];
			out->bc_upper = bound[1];
			out->z0 = bca.z0;
		}
	}
	goto out;
oom:
	st = lt_error_set(err, LT_ENOMEM, "", "out of memory");
out:
	if (have_state)
		method->state_free(state);
	mse_table_free(t);
	free(sorted);
	free(drawn);
	free(counts);
	free(mask);
	lt_link_uf_release(&uf);
	return st;
}

lt_status lt_linkest_link(const struct lt_link_table *t, const struct lt_link_run_opts *o,
                          uint64_t budget, double keep, const struct lt_link_cluster_opts *co,
                          struct lt_link_edge **edges, size_t *nedge,
                          struct lt_link_clusters *clusters, struct lt_linkest_link_report *rep,
                          struct lt_error *err)
{
	*edges = NULL;
	*nedge = 0;
	memset(clusters, 0, sizeof(*clusters));
	memset(rep, 0, sizeof(*rep));
	if (!(keep > 0 && keep <= co->threshold))
		return lt_error_set(err, LT_EINVAL, "keep",
		                    "pairs kept must include the threshold's (0 < keep <= %g)",
		                    co->threshold);
	if (t->nrec < 2)
		return lt_error_set(err, LT_EINVAL, "records", "%zu records: nothing to link",
		                    t->nrec);
	struct lt_link_model model;
	struct lt_link_prep prep;
	struct lt_link_blocker blocker;
	memset(&prep, 0, sizeof(prep));
	memset(&blocker, 0, sizeof(blocker));
	int have_model = 0, have_prep = 0, have_blocker = 0;
	lt_status st = lt_link_default_model(t, &model, err);
	if (st != LT_OK)
		return st;
	have_model = 1;
	st = lt_link_train(&model, t, o, &rep->train, err);
	if (st != LT_OK)
		goto out;
	st = lt_link_prep_init(&prep, &model, t, err);
	if (st != LT_OK)
		goto out;
	have_prep = 1;
	struct lt_link_rule rules[LT_LINK_BLOCK_RULES_MAX], kept[LT_LINK_BLOCK_RULES_MAX];
	size_t nrule = 0;
	lt_link_default_rules(t, o, rules, &nrule);
	if (nrule == 0) {
		st = lt_error_set(err, LT_EINVAL, "fields",
		                  "the records have no field the default blocking rules use");
		goto out;
	}
	st = lt_link_blocker_init(&blocker, t, rules, nrule, o->mode, err);
	if (st != LT_OK)
		goto out;
	have_blocker = 1;
	struct lt_link_rule_count counts[LT_LINK_BLOCK_RULES_MAX];
	size_t keepi[LT_LINK_BLOCK_RULES_MAX], nkeep = 0;
	lt_link_rules_budget(&blocker, budget, keepi, &nkeep, counts);
	if (nkeep == 0) {
		st = lt_error_set(err, LT_EINVAL, "blocking",
		                  "no default blocking rule makes at most %llu pairs",
		                  (unsigned long long)budget);
		goto out;
	}
	if (nkeep < nrule) {
		for (size_t k = 0; k < nkeep; k++)
			kept[k] = rules[keepi[k]];
		rep->ndropped = nrule - nkeep;
		nrule = nkeep;
		memcpy(rules, kept, nrule * sizeof(*rules));
		lt_link_blocker_release(&blocker);
		have_blocker = 0;
		st = lt_link_blocker_init(&blocker, t, rules, nrule, o->mode, err);
		if (st != LT_OK)
			goto out;
		have_blocker = 1;
	}
	rep->nrule = nrule;
	for (size_t k = 0; k < nrule; k++)
		lt_link_rule_format(&rules[k], t, rep->rules[k], sizeof(rep->rules[k]));
	struct lt_link_train_session ses;
	st = lt_link_score_fit(&model, &prep, &blocker, o->threads, keep, true, &ses, edges, nedge,
	                       &rep->scored, err);
	if (st != LT_OK)
		goto out;
	rep->lambda = model.lambda;
	st = lt_link_cluster(*edges, *nedge, t->nrec, co, clusters);
	if (st != LT_OK)
		st = lt_error_set(err, st, "", "clustering failed: %s", lt_status_message(st));
out:
	if (st != LT_OK) {
		free(*edges);
		*edges = NULL;
		*nedge = 0;
		lt_link_clusters_release(clusters);
	}
	if (have_blocker)
		lt_link_blocker_release(&blocker);
	if (have_prep)
		lt_link_prep_release(&prep);
	if (have_model)
		lt_link_model_release(&model);
	return st;
}
