/*
 * link_run.c — linkage end to end with defaults (link_run.h): the column
 * alias table, default rules and model, the training recipe and threaded
 * scoring of the blocked pairs.
 *
 * The training recipe follows splink's documented workflow (estimate u by
 * random sampling, λ from deterministic rules, m by EM over blocked pairs
 * with the blocking comparisons left out) with fastLink's pattern counts
 * doing the work inside EM (link_em.c). Nothing here looks at any truth
 * column: a table carries only the fields the model compares.
 */
#include "linkage/link_run.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

/* The single source of the column table in docs/linkage.md. */
const struct lt_link_field_alias lt_link_field_aliases[] = {
    {"first_name", "first_name"},
    {"given_name", "first_name"},
    {"forename", "first_name"},
    {"firstname", "first_name"},
    {"fname", "first_name"},
    {"given_names", "first_name"},
    {"forenames", "first_name"},
    {"surname", "surname"},
    {"last_name", "surname"},
    {"family_name", "surname"},
    {"lastname", "surname"},
    {"lname", "surname"},
    {"full_name", "full_name"},
    {"name", "full_name"},
    {"fullname", "full_name"},
    {"dob", "dob"},
    {"date_of_birth", "dob"},
    {"birth_date", "dob"},
    {"birthdate", "dob"},
    {"city", "city"},
    {"town", "city"},
    {"suburb", "city"},
    {"locality", "city"},
    {"postcode", "postcode"},
    {"post_code", "postcode"},
    {"postcode_fake", "postcode"},
    {"zip", "postcode"},
    {"zipcode", "postcode"},
    {"zip_code", "postcode"},
    {"postal_code", "postcode"},
    {"email", "email"},
    {"email_address", "email"},
    {"e_mail", "email"},
    {"address", "address"},
    {"address_1", "address"},
    {"address1", "address"},
    {"street_address", "address"},
    {"street", "address"},
    {"address_2", "address_2"},
    {"address2", "address_2"},
    {"street_number", "street_number"},
    {"house_number", "street_number"},
    {"state", "state"},
    {"county", "state"},
    {"sex", "sex"},
    {"gender", "sex"},
    {"birth_place", "birth_place"},
    {"place_of_birth", "birth_place"},
    {"occupation", "occupation"},
    {"phone", "phone"},
    {"phone_number", "phone"},
    {"telephone", "phone"},
};
const size_t lt_link_field_alias_count =
    sizeof(lt_link_field_aliases) / sizeof(lt_link_field_aliases[0]);

const char *lt_link_field_for_column(const char *column)
{
	char key[64];
	while (*column == ' ' || *column == '\t')
		column++;
	size_t n = strlen(column);
	while (n > 0 && (column[n - 1] == ' ' || column[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(key))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = column[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '-' || c == ' ')
			c = '_';
		key[i] = c;
	}
	key[n] = '\0';
	for (size_t i = 0; i < lt_link_field_alias_count; i++)
		if (strcmp(lt_link_field_aliases[i].column, key) == 0)
			return lt_link_field_aliases[i].field;
	return NULL;
}

void lt_link_run_opts_default(struct lt_link_run_opts *o)
{
	o->mode = LT_LINK_BLOCK_ALL;
	o->u_pairs = 1000000;
	o->seed = 42;
	o->lambda_recall = 0.7;
	o->train_pairs_max = 5000000;
	o->threads = 2;
	o->all_pairs_max = 5000000;
}

/* ---- defaults ----------------------------------------------------------- */

static const char *const default_rules[] = {
    "first_name & surname",
    "surname & dob",
    "first_name & dob",
    "surname:phonetic & first_name:phonetic",
    "dob & postcode",
    "dob & city",
    "surname & postcode",
    "first_name & postcode",
    "surname & city",
    "first_name & city",
    "email",
    "full_name",
    "full_name:phonetic & dob:year",
    "dob & birth_place",
    "address & street_number",
    "postcode & street_number",
    "dob & street_number",
    "surname & address",
};

static int has_fields(const struct lt_link_table *t, const char *text)
{
	struct lt_link_rule r;
	return lt_link_rule_parse(text, t, &r, NULL) == LT_OK;
}

static uint64_t pairs_in_mode(const struct lt_link_table *t, enum lt_link_mode mode);

void lt_link_default_rules(const struct lt_link_table *t, const struct lt_link_run_opts *o,
                           struct lt_link_rule *rules, size_t *nrule)
{
	*nrule = 0;
	if (pairs_in_mode(t, o->mode) <= o->all_pairs_max) {
		memset(&rules[0], 0, sizeof(rules[0])); /* "*": every pair */
		*nrule = 1;
		return;
	}
	for (size_t i = 0; i < sizeof(default_rules) / sizeof(default_rules[0]); i++) {
		if (*nrule == LT_LINK_BLOCK_RULES_MAX)
			break;
		if (lt_link_rule_parse(default_rules[i], t, &rules[*nrule], NULL) == LT_OK)
			(*nrule)++;
	}
}

void lt_link_rules_budget(const struct lt_link_blocker *b, uint64_t budget, size_t *keep,
                          size_t *nkeep, struct lt_link_rule_count *counts)
{
	lt_link_blocker_count(b, 0, counts);
	*nkeep = 0;
	for (size_t k = 0; k < b->nrule; k++)
		if (counts[k].raw <= budget)
			keep[(*nkeep)++] = k;
}

static const struct {
	const char *field;
	enum lt_link_preset preset;
} default_comparisons[] = {
    {"first_name", LT_LINK_PRESET_NAME},   {"surname", LT_LINK_PRESET_NAME},
    {"full_name", LT_LINK_PRESET_NAME},    {"dob", LT_LINK_PRESET_DATE},
    {"city", LT_LINK_PRESET_EXACT},        {"postcode", LT_LINK_PRESET_FUZZY},
    {"email", LT_LINK_PRESET_FUZZY},       {"address", LT_LINK_PRESET_FUZZY},
    {"address_2", LT_LINK_PRESET_FUZZY},   {"street_number", LT_LINK_PRESET_EXACT},
    {"state", LT_LINK_PRESET_EXACT},       {"sex", LT_LINK_PRESET_EXACT},
    {"birth_place", LT_LINK_PRESET_EXACT}, {"occupation", LT_LINK_PRESET_EXACT},
    {"phone", LT_LINK_PRESET_FUZZY},
};

lt_status lt_link_default_model(const struct lt_link_table *t, struct lt_link_model *m,
                                struct lt_error *err)
{
	lt_link_model_init(m);
	int split_names =
	    lt_link_table_field(t, "first_name") >= 0 || lt_link_table_field(t, "surname") >= 0;
	for (size_t i = 0; i < sizeof(default_comparisons) / sizeof(default_comparisons[0]); i++) {
		const char *f = default_comparisons[i].field;
		if (lt_link_table_field(t, f) < 0)
			continue;
		/* a full name beside its parts would count the same evidence twice */
		if (strcmp(f, "full_name") == 0 && split_names)
			continue;
		/* first name and surname given the other way round: each name's
		 * comparison has a swapped level naming the other (fake_1000 has
		 * 180 such records; FEBRL swaps names too) */
		const char *other = strcmp(f, "first_name") == 0 ? "surname"
		                    : strcmp(f, "surname") == 0  ? "first_name"
		                                                 : NULL;
		if (other && lt_link_table_field(t, other) < 0)
			other = NULL;
		lt_status st =
		    lt_link_model_add_preset2(m, default_comparisons[i].preset, f, f, other, err);
		if (st != LT_OK) {
			lt_link_model_release(m);
			return st;
		}
	}
	if (m->ncomp == 0) {
		lt_link_model_release(m);
		return lt_error_set(err, LT_EINVAL, NULL,
		                    "no column is a field lantern link compares (first_name, "
		                    "surname, full_name, dob, city, postcode, email, ...)");
	}
	lt_status st = lt_link_model_finish(m, err);
	if (st != LT_OK)
		lt_link_model_release(m);
	return st;
}

/* ---- training ----------------------------------------------------------- */

static uint64_t pairs_in_mode(const struct lt_link_table *t, enum lt_link_mode mode)
{
	uint64_t n = t->nrec, all = n * (n - (n > 0)) / 2, within = 0;
	uint64_t *per = calloc(t->nsource ? t->nsource : 1, sizeof(*per));
	if (!per)
		return all;
	for (size_t r = 0; r < t->nrec; r++)
		per[t->source[r]]++;
	for (size_t s = 0; s < t->nsource; s++)
		within += per[s] * (per[s] - (per[s] > 0)) / 2;
	free(per);
	return mode == LT_LINK_BLOCK_ALL      ? all
	       : mode == LT_LINK_BLOCK_WITHIN ? within
	                                      : all - within;
}

/* Bit k set when comparison k reads a field some key of `rule` reads. */
static uint32_t skip_mask(const struct lt_link_model *m, const struct lt_link_table *t,
                          const struct lt_link_rule *rule)
{
	uint32_t mask = 0;
	for (size_t k = 0; k < m->ncomp; k++)
		for (size_t i = 0; i < rule->nkey; i++)
			if (strcmp(t->field_names[rule->keys[i].field], m->comps[k].field) == 0)
				mask |= 1u << k;
	return mask;
}

/* Count the patterns of the pairs of blocker b into pt: every pair, or
 * with stride k > 1 those of every k-th chunk (chunks follow the order of
 * the keys' hashes, so this is a sample of whole blocks). */
static lt_status patterns_of(const struct lt_link_blocker *b, const struct lt_link_prep *p,
                             size_t stride, struct lt_link_patterns *pt)
{
	struct lt_link_chunk *chunks = NULL;
	size_t nchunk = 0;
	lt_status st = lt_link_blocker_chunks(b, 1u << 20, &chunks, &nchunk);
	if (st != LT_OK)
		return st;
	enum { BATCH = 4096 };
	struct lt_link_pair *buf = malloc(BATCH * sizeof(*buf));
	if (!buf) {
		free(chunks);
		return LT_ENOMEM;
	}
	for (size_t c = 0; c < nchunk && st == LT_OK; c += stride) {
		struct lt_link_block_iter it;
		lt_link_block_iter_init(&it, b, &chunks[c]);
		size_t n;
		while (st == LT_OK && (n = lt_link_block_iter_next(&it, buf, BATCH)) > 0)
			st = lt_link_patterns_add_pairs(pt, p, buf, n);
	}
	free(buf);
	free(chunks);
	return st;
}

/*
 * Whether the m a session fitted for comparison c can be the m of matches:
 * its else level (complete disagreement) must be at most half as likely
 * among matches as among non-matches (m/u <= 1/2), or the class EM called
 * "matches" was something else — in a block of one common name, people of
 * the same name, who disagree on everything else about as often as
 * strangers do. A session's m for such a comparison is not used.
 */
static int plausible(const struct lt_link_comparison *c)
{
	const struct lt_link_level *e = &c->levels[c->nlevel - 1];
	return e->kind != LT_LINK_LEVEL_ELSE || e->m <= 0.5 * e->u;
}

static const char *const lambda_rules[] = {
    "first_name & surname & dob",
    "full_name & dob",
    "surname & dob",
    "email",
};
static const char *const train_rules_a[] = {"dob", "postcode", "email"};
static const char *const train_rules_b[] = {"first_name & surname", "full_name", "surname"};

static const char *first_present(const struct lt_link_table *t, const char *const *rules, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (has_fields(t, rules[i]))
			return rules[i];
	return NULL;
}

lt_status lt_link_train(struct lt_link_model *m, const struct lt_link_table *t,
                        const struct lt_link_run_opts *o, struct lt_link_train_report *rep,
                        struct lt_error *err)
{
	memset(rep, 0, sizeof(*rep));
	struct lt_link_prep prep;
	memset(&prep, 0, sizeof(prep));
	struct lt_link_blocker b;
	memset(&b, 0, sizeof(b));
	struct lt_link_patterns *pt = NULL;
	struct lt_link_model copy;
	int have_copy = 0;
	double msum[LT_LINK_COMPARISONS_MAX][LT_LINK_LEVELS_MAX];
	unsigned mcount[LT_LINK_COMPARISONS_MAX];
	memset(msum, 0, sizeof(msum));
	memset(mcount, 0, sizeof(mcount));

	uint64_t total = pairs_in_mode(t, o->mode);
	if (t->nrec < 2 || total == 0)
		return lt_error_set(err, LT_EINVAL, NULL,
		                    "there are no pairs of records to link (%zu records)", t->nrec);
	lt_status st = lt_link_model_tf_compute(m, t, err);
	if (st != LT_OK)
		goto out;
	st = lt_link_prep_init(&prep, m, t, err);
	if (st != LT_OK)
		goto out;
	uint64_t npairs = o->u_pairs;
	if (npairs > LT_LINK_U_PAIRS_MAX)
		npairs = LT_LINK_U_PAIRS_MAX;
	if (npairs == 0)
		npairs = 1;
	st = lt_link_estimate_u(m, &prep, o->mode, npairs, o->seed, err);
	if (st != LT_OK)
		goto out;

	/* λ */
	const char *lr =
	    first_present(t, lambda_rules, sizeof(lambda_rules) / sizeof(lambda_rules[0]));
	if (lr) {
		struct lt_link_rule rule;
		struct lt_link_rule_count cnt;
		lt_link_rule_parse(lr, t, &rule, NULL);
		st = lt_link_blocker_init(&b, t, &rule, 1, o->mode, err);
		if (st != LT_OK)
			goto out;
		lt_link_blocker_count(&b, 0, &cnt);
		lt_link_blocker_release(&b);
		double lambda;
		snprintf(rep->lambda_rule, sizeof(rep->lambda_rule), "%s", lr);
		rep->lambda_matched = cnt.raw;
		rep->lambda_total = total;
		if (lt_link_lambda_from_rules(cnt.raw, total, o->lambda_recall, &lambda, NULL) ==
		    LT_OK) {
			m->lambda = lambda;
			st = lt_link_model_finish(m, err);
			if (st != LT_OK)
				goto out;
		}
	}
	rep->lambda = m->lambda;

	/* m by EM, one session per training rule */
	/* Two sessions only: a third on pairs with the same postcode was tried
	 * and dropped — postcode blocks are mostly households, so EM learned
	 * family members as matches and over-merged (the pseudopeople lists'
	 * estimate fell from -1.7% to -9.2% of the true histories'). */
	const char *sessions[2] = {
	    first_present(t, train_rules_a, sizeof(train_rules_a) / sizeof(train_rules_a[0])),
	    first_present(t, train_rules_b, sizeof(train_rules_b) / sizeof(train_rules_b[0])),
	};
	for (size_t s = 0; s < 2; s++) {
		if (!sessions[s])
			continue;
		struct lt_link_train_session *ses = &rep->sessions[rep->nsession++];
		snprintf(ses->rule, sizeof(ses->rule), "%s", sessions[s]);
		struct lt_link_rule rule;
		lt_link_rule_parse(sessions[s], t, &rule, NULL);
		uint32_t skip = skip_mask(m, t, &rule);
		if (skip == (1u << m->ncomp) - 1)
			continue; /* nothing left to train */
		st = lt_link_blocker_init(&b, t, &rule, 1, o->mode, err);
		if (st != LT_OK)
			goto out;
		struct lt_link_rule_count cnt;
		lt_link_blocker_count(&b, 0, &cnt);
		if (cnt.raw == 0) {
			lt_link_blocker_release(&b);
			continue;
		}
		size_t stride = 1;
		if (o->train_pairs_max > 0 && cnt.raw > o->train_pairs_max)
			stride = (size_t)((cnt.raw + o->train_pairs_max - 1) / o->train_pairs_max);
		st = lt_link_patterns_alloc(m, true, &pt);
		if (st == LT_OK)
			st = patterns_of(&b, &prep, stride, pt);
		lt_link_blocker_release(&b);
		if (st != LT_OK)
			goto out;
		ses->pairs = (uint64_t)lt_link_patterns_total(pt);
		if (ses->pairs == 0) {
			lt_link_patterns_free(pt);
			pt = NULL;
			continue;
		}
		ses->patterns = lt_link_patterns_distinct(pt);
		st = lt_link_model_copy(&copy, m);
		if (st != LT_OK)
			goto out;
		have_copy = 1;
		struct lt_link_em_params params;
		lt_link_em_params_default(&params);
		params.skip = skip;
		struct lt_link_em_summary sum;
		st = lt_link_em_run(&copy, pt, &params, &sum, err);
		if (st == LT_ENOCONVERGE)
			st = LT_OK;
		if (st != LT_OK)
			goto out;
		ses->iterations = sum.iterations;
		ses->converged = sum.converged;
		for (size_t k = 0; k < m->ncomp; k++) {
			if (skip & (1u << k))
				continue;
			if (!plausible(&copy.comps[k])) {
				ses->rejected |= 1u << k;
				continue;
			}
			for (size_t l = 0; l < m->comps[k].nlevel; l++)
				msum[k][l] += copy.comps[k].levels[l].m;
			mcount[k]++;
		}
		lt_link_model_release(&copy);
		have_copy = 0;
		lt_link_patterns_free(pt);
		pt = NULL;
	}
	for (size_t k = 0; k < m->ncomp; k++)
		if (mcount[k] > 0)
			for (size_t l = 0; l < m->comps[k].nlevel; l++)
				if (m->comps[k].levels[l].kind != LT_LINK_LEVEL_NULL)
					m->comps[k].levels[l].m = msum[k][l] / mcount[k];
	st = lt_link_model_finish(m, err);
out:
	if (have_copy)
		lt_link_model_release(&copy);
	lt_link_patterns_free(pt);
	lt_link_blocker_release(&b);
	lt_link_prep_release(&prep);
	return st;
}

/* Histogram of the Bayes factors (weight minus the prior) of the scored
 * pairs: HIST_BINS bins of 1/HIST_SCALE bit from -HIST_SPAN. */
#define HIST_SCALE 32
#define HIST_SPAN  128
#define HIST_BINS  (2 * HIST_SPAN * HIST_SCALE)

/* Score every pair of b; keep pairs of weight >= keep_weight as edges whose
 * p holds the WEIGHT (callers convert), sorted by (a, b); add each pair's
 * weight minus the prior into hist when not NULL. */
static lt_status score_run(const struct lt_link_prep *p, const struct lt_link_blocker *b,
                           double keep_weight, unsigned threads, uint64_t *hist,
                           struct lt_link_edge **edges, size_t *nedge, uint64_t *scored);

/* λ of the candidates may rise at most this many times above the model's
 * (it bounds the edges kept while λ is not yet known). */
#define LAMBDA_RAISE_MAX 100.0
/* Fewer blocked pairs than this say too little about λ: it is kept. */
#define LAMBDA_FIT_PAIRS_MIN 1000

/* EM for λ alone over a histogram of Bayes-factor weights: λ' = Σ P(match |
 * pair; λ) / all pairs, the pairs outside the blocks taken as non-matches. */
static double fit_lambda_hist(const uint64_t *hist, uint64_t total, double lambda, double cap,
                              double floor_, struct lt_link_train_session *ses)
{
	for (unsigned it = 1; it <= 1000; it++) {
		double lo = log2(lambda / (1 - lambda)), sum = 0;
		for (size_t i = 0; i < HIST_BINS; i++)
			if (hist[i]) {
				double bf = ((double)i + 0.5) / HIST_SCALE - HIST_SPAN;
				sum += (double)hist[i] * lt_link_weight_to_prob(bf + lo);
			}
		double next = sum / (double)total;
		ses->iterations = it;
		if (!(next > 0) || !(next < 1))
			break;
		if (next > cap || next < floor_) {
			lambda = next > cap ? cap : floor_;
			ses->capped = 1;
			break;
		}
		double change = fabs(next - lambda) / lambda;
		lambda = next;
		if (change < 1e-6) {
			ses->converged = 1;
			break;
		}
	}
	return lambda;
}

lt_status lt_link_score_fit(struct lt_link_model *m, const struct lt_link_prep *p,
                            const struct lt_link_blocker *b, unsigned threads, double threshold,
                            bool fit_lambda, struct lt_link_train_session *ses,
                            struct lt_link_edge **edges, size_t *nedge, uint64_t *scored,
                            struct lt_error *err)
{
	memset(ses, 0, sizeof(*ses));
	snprintf(ses->rule, sizeof(ses->rule), "the blocked pairs");
	*edges = NULL;
	*nedge = 0;
	*scored = 0;
	uint64_t total = pairs_in_mode(p->table, b->mode);
	double lambda0 = m->lambda, prior0 = m->prior_weight;
	double cap = lambda0;
	if (fit_lambda && total > 0)
		cap = lambda0 * LAMBDA_RAISE_MAX < 0.5 ? lambda0 * LAMBDA_RAISE_MAX : 0.5;
	if (cap < lambda0)
		cap = lambda0;
	uint64_t *hist = NULL;
	if (fit_lambda) {
		hist = calloc(HIST_BINS, sizeof(*hist));
		if (!hist)
			return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	}
	/* keep every pair that could reach the threshold at any λ up to cap,
	 * with its weight under λ0 for now */
	double keep_w = lt_link_prob_to_weight(threshold) - lt_link_prob_to_weight(cap) + prior0;
	lt_status st = score_run(p, b, keep_w, threads, hist, edges, nedge, scored);
	if (st != LT_OK) {
		free(hist);
		return lt_error_set(err, st, NULL, "out of memory scoring the pairs");
	}
	ses->pairs = *scored;
	if (fit_lambda && *scored >= LAMBDA_FIT_PAIRS_MIN && total > 0) {
		double lambda =
		    fit_lambda_hist(hist, total, lambda0, cap, lambda0 / LAMBDA_RAISE_MAX, ses);
		if (lambda > 0 && lambda < 1) {
			m->lambda = lambda;
			st = lt_link_model_finish(m, err);
		}
	}
	free(hist);
	if (st != LT_OK) {
		free(*edges);
		*edges = NULL;
		*nedge = 0;
		return st;
	}
	/* the probabilities under the final λ; drop those below the threshold */
	double shift = m->prior_weight - prior0;
	size_t k = 0;
	for (size_t i = 0; i < *nedge; i++) {
		struct lt_link_edge e = (*edges)[i];
		e.p = lt_link_weight_to_prob(e.p + shift);
		if (e.p >= threshold)
			(*edges)[k++] = e;
	}
	*nedge = k;
	return LT_OK;
}

/* ---- scoring ------------------------------------------------------------ */

struct score_shared {
	const struct lt_link_prep *p;
	const struct lt_link_blocker *b;
	const struct lt_link_chunk *chunks;
	size_t nchunk;
	atomic_size_t next;
	double keep_weight;
	int want_hist;
};

struct score_thread {
	struct score_shared *sh;
	struct lt_link_edge *edges;
	size_t nedge, cap;
	uint64_t scored;
	uint64_t *hist; /* HIST_BINS, when the run wants one */
	lt_status st;
};

static void *score_main(void *arg)
{
	struct score_thread *th = arg;
	struct score_shared *sh = th->sh;
	enum { BATCH = 2048 };
	struct lt_link_pair *buf = malloc(BATCH * sizeof(*buf));
	double *w = malloc(BATCH * sizeof(*w));
	if (!buf || !w) {
		th->st = LT_ENOMEM;
		goto out;
	}
	for (;;) {
		size_t c = atomic_fetch_add(&sh->next, 1);
		if (c >= sh->nchunk)
			break;
		struct lt_link_block_iter it;
		lt_link_block_iter_init(&it, sh->b, &sh->chunks[c]);
		size_t n;
		while ((n = lt_link_block_iter_next(&it, buf, BATCH)) > 0) {
			lt_link_score_pairs(sh->p, buf, n, w, NULL);
			th->scored += n;
			if (th->hist) {
				double prior = sh->p->model->prior_weight;
				for (size_t i = 0; i < n; i++) {
					double x = (w[i] - prior + HIST_SPAN) * HIST_SCALE;
					size_t bin = x <= 0               ? 0
					             : x >= HIST_BINS - 1 ? HIST_BINS - 1
					                                  : (size_t)x;
					th->hist[bin]++;
				}
			}
			for (size_t i = 0; i < n; i++) {
				if (w[i] < sh->keep_weight)
					continue;
				if (th->nedge == th->cap) {
					size_t cap = th->cap ? th->cap * 2 : 4096;
					struct lt_link_edge *e =
					    realloc(th->edges, cap * sizeof(*e));
					if (!e) {
						th->st = LT_ENOMEM;
						goto out;
					}
					th->edges = e;
					th->cap = cap;
				}
				/* the weight for now: score_run's callers turn it into a
				 * probability */
				th->edges[th->nedge++] =
				    (struct lt_link_edge){buf[i].a, buf[i].b, w[i]};
			}
		}
	}
out:
	free(buf);
	free(w);
	return NULL;
}

static int cmp_edge(const void *x, const void *y)
{
	const struct lt_link_edge *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

lt_status lt_link_score_blocked(const struct lt_link_prep *p, const struct lt_link_blocker *b,
                                double keep, unsigned threads, struct lt_link_edge **edges,
                                size_t *nedge, uint64_t *scored)
{
	lt_status st =
	    score_run(p, b, lt_link_prob_to_weight(keep), threads, NULL, edges, nedge, scored);
	if (st == LT_OK)
		for (size_t i = 0; i < *nedge; i++)
			(*edges)[i].p = lt_link_weight_to_prob((*edges)[i].p);
	return st;
}

static lt_status score_run(const struct lt_link_prep *p, const struct lt_link_blocker *b,
                           double keep_weight, unsigned threads, uint64_t *hist,
                           struct lt_link_edge **edges, size_t *nedge, uint64_t *scored)
{
	if (edges) {
		*edges = NULL;
		*nedge = 0;
	}
	*scored = 0;
	if (threads < 1)
		threads = 1;
	if (threads > 16)
		threads = 16;
	struct score_shared sh = {.p = p, .b = b};
	sh.keep_weight = keep_weight;
	atomic_init(&sh.next, 0);
	struct lt_link_chunk *chunks = NULL;
	lt_status st = lt_link_blocker_chunks(b, 1u << 16, &chunks, &sh.nchunk);
	if (st != LT_OK)
		return st;
	sh.chunks = chunks;
	struct score_thread th[16];
	pthread_t tid[16];
	unsigned started = 0;
	memset(th, 0, sizeof(th));
	for (unsigned i = 0; i < threads && st == LT_OK; i++) {
		th[i].sh = &sh;
		if (hist) {
			th[i].hist = calloc(HIST_BINS, sizeof(*th[i].hist));
			if (!th[i].hist) {
				st = LT_ENOMEM;
				atomic_store(&sh.next, sh.nchunk);
				break;
			}
		}
		if (i > 0) {
			if (pthread_create(&tid[i], NULL, score_main, &th[i]) != 0) {
				st = LT_EINTERNAL;
				atomic_store(&sh.next, sh.nchunk);
				break;
			}
			started++;
		}
	}
	score_main(&th[0]);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	size_t total = 0;
	for (unsigned i = 0; i <= started; i++) {
		if (th[i].st != LT_OK)
			st = th[i].st;
		total += th[i].nedge;
		*scored += th[i].scored;
	}
	if (hist)
		for (unsigned i = 0; i <= started; i++)
			if (th[i].hist)
				for (size_t k = 0; k < HIST_BINS; k++)
					hist[k] += th[i].hist[k];
	struct lt_link_edge *all = NULL;
	if (st == LT_OK && edges) {
		all = malloc((total ? total : 1) * sizeof(*all));
		if (!all)
			st = LT_ENOMEM;
	}
	if (st == LT_OK && edges) {
		size_t at = 0;
		for (unsigned i = 0; i <= started; i++) {
			if (th[i].nedge)
				memcpy(all + at, th[i].edges, th[i].nedge * sizeof(*all));
			at += th[i].nedge;
		}
		qsort(all, total, sizeof(*all), cmp_edge);
		*edges = all;
		*nedge = total;
	}
	for (unsigned i = 0; i < threads; i++) {
		free(th[i].edges);
		free(th[i].hist);
	}
	free(chunks);
	return st;
}
