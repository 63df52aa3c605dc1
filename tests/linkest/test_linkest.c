/*
 * test_linkest.c — tests of src/linkest/: list names, capture histories
 * from clusters and their CSV, the linkage bootstrap's draws, and its
 * coverage on synthetic data of known truth (lantern synth's generator,
 * seeded; the population is known, so an interval either holds it or not).
 *
 * Issue 5 §4, accuracy: the five pseudopeople lists of one simulated
 * population ($LANTERN_SHARED/data/linkage/pseudopeople/derived_csv/, true
 * person simulant_id; README there), linked with the defaults, give an
 * estimate within 5% of the estimate from the true capture histories.
 */
#include "testutil.h"

#include "core/csv.h"
#include "linkest/linkest.h"
#include "mse/mse_estimate.h"
#include "synth/synth.h"

static void test_list_name(void **state)
{
	(void)state;
	static const struct {
		const char *label, *want;
	} cases[] = {
	    {"/tmp/a/police.csv", "police"},
	    {"police", "police"},
	    {"data/2024 council list.v2.csv", "2024_council_list.v2"},
	    {"Sozialamt Köln", "Sozialamt_K__ln"},
	    {".hidden", ".hidden"},
	    {"dir/", "list"},
	    {"", "list"},
	    {"a_very_long_agency_name_that_goes_on_and_on.csv", "a_very_long_agency_name_that_goe"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[LT_MSE_NAME_MAX + 1];
		lt_linkest_list_name(cases[i].label, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("list name of '%s': got '%s', want '%s'", cases[i].label, out,
			         cases[i].want);
	}
}

static void test_lists_from_labels(void **state)
{
	(void)state;
	const char *labels[] = {"b/x.csv", "a b", "a_b", "b/x.csv", "a b", "c/x.tsv"};
	uint32_t list[6];
	struct lt_linkest_lists l;
	struct lt_error err;
	assert_int_equal(lt_linkest_lists_from_labels(labels, 6, list, &l, &err), LT_OK);
	assert_int_equal(l.nlists, 4);
	assert_string_equal(l.names[0], "x");
	assert_string_equal(l.names[1], "a_b");
	assert_string_equal(l.names[2], "a_b_2");
	assert_string_equal(l.names[3], "x_2");
	const uint32_t want[6] = {0, 1, 2, 0, 1, 3};
	for (int i = 0; i < 6; i++)
		assert_int_equal(list[i], want[i]);

	/* a record without a list is named */
	const char *bad[] = {"a", "b", ""};
	assert_int_equal(lt_linkest_lists_from_labels(bad, 3, list, &l, &err), LT_EINVAL);
	assert_int_equal(err.line, 3);
	assert_contains(err.message, "record 3");

	/* more lists than an estimate takes */
	char names[LT_MSE_LISTS_MAX + 1][8];
	const char *many[LT_MSE_LISTS_MAX + 1];
	uint32_t ml[LT_MSE_LISTS_MAX + 1];
	for (int i = 0; i <= LT_MSE_LISTS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "l%d", i);
		many[i] = names[i];
	}
	assert_int_equal(lt_linkest_lists_from_labels(many, LT_MSE_LISTS_MAX + 1, ml, &l, &err),
	                 LT_ETOOBIG);
	assert_int_equal(err.line, LT_MSE_LISTS_MAX + 1);
}

/* Three lists; persons: {r0 A, r1 B} -> AB, {r2 B, r3 B (a duplicate)} ->
 * B, {r4 A} -> A, {r5 C, r6 A, r7 B} -> ABC. */
static const uint32_t hist_list[8] = {0, 1, 1, 1, 0, 2, 0, 1};
static const uint32_t hist_cluster[8] = {0, 0, 1, 1, 2, 3, 3, 3};

static struct lt_linkest_lists three_lists(void)
{
	struct lt_linkest_lists l;
	memset(&l, 0, sizeof(l));
	l.nlists = 3;
	snprintf(l.names[0], sizeof(l.names[0]), "A");
	snprintf(l.names[1], sizeof(l.names[1]), "B");
	snprintf(l.names[2], sizeof(l.names[2]), "C");
	return l;
}

static void test_histories(void **state)
{
	(void)state;
	struct lt_linkest_lists l = three_lists();
	struct mse_table *t = NULL;
	struct lt_error err;
	assert_int_equal(lt_linkest_histories(hist_cluster, 4, hist_list, 8, &l, &t, &err), LT_OK);
	assert_int_equal(t->nlists, 3);
	assert_close(t->n, 4, 0);
	assert_close(t->counts[3], 1, 0); /* AB */
	assert_close(t->counts[2], 1, 0); /* B */
	assert_close(t->counts[1], 1, 0); /* A */
	assert_close(t->counts[7], 1, 0); /* ABC */
	struct lt_buf b;
	lt_buf_init(&b, 4096);
	assert_int_equal(lt_linkest_histories_csv(t, &b), LT_OK);
	assert_string_equal(lt_buf_str(&b), "A,B,C,count\n1,0,0,1\n0,1,0,1\n1,1,0,1\n1,1,1,1\n");
	/* what it writes, the estimator reads back */
	struct mse_table *back = NULL;
	assert_int_equal(mse_table_parse_csv(lt_buf_str(&b), strlen(lt_buf_str(&b)), &back, &err),
	                 LT_OK);
	for (size_t h = 0; h < t->ncells; h++)
		assert_close(back->counts[h], t->counts[h], 0);
	mse_table_free(back);
	lt_buf_release(&b);
	mse_table_free(t);

	/* a cluster id out of range names the record */
	uint32_t badc[8];
	memcpy(badc, hist_cluster, sizeof(badc));
	badc[6] = 4;
	assert_int_equal(lt_linkest_histories(badc, 4, hist_list, 8, &l, &t, &err), LT_EINVAL);
	assert_int_equal(err.line, 7);
	assert_null(t);
	/* one list is not an estimate */
	l.nlists = 1;
	assert_int_equal(lt_linkest_histories(hist_cluster, 4, hist_list, 8, &l, &t, &err),
	                 LT_EINVAL);
}

/* An estimator for the draw tests: the number of persons (t->n), so each
 * replicate shows what its linkage drew. */
static lt_status count_alloc(const void *arg, const struct mse_table *like, void **st)
{
	(void)arg;
	(void)like;
	*st = NULL;
	return LT_OK;
}
static void count_free(void *st)
{
	(void)st;
}
static lt_status count_estimate(void *st, const void *arg, const struct mse_table *t, double *total,
                                struct lt_error *err)
{
	(void)st;
	(void)arg;
	(void)err;
	*total = t->n;
	return LT_OK;
}
static const struct mse_boot_method count_method = {"persons", count_alloc, count_free,
                                                    count_estimate, NULL};

static void test_draws(void **state)
{
	(void)state;
	struct lt_linkest_lists l = three_lists();
	struct lt_error err;
	struct lt_linkest_draw_params p = LT_LINKEST_DRAW_PARAMS_DEFAULT;
	p.resample = LT_LINKEST_RESAMPLE_NONE;
	p.ndraws = 400;
	struct lt_linkest_draw_result r;
	struct lt_link_cluster_opts co;
	lt_link_cluster_opts_default(&co);
	co.threshold = 0.5;

	/* sure links and no links: every replicate is the clusters' 4 persons */
	struct lt_link_edge sure[] = {{0, 1, 1.0}, {2, 3, 1.0},   {5, 6, 1.0},
	                              {6, 7, 1.0}, {1, 2, 0.001}, {4, 5, 0.0}};
	assert_int_equal(
	    lt_linkest_draws_run(sure, 6, 8, hist_list, &l, &co, &count_method, &p, &r, &err),
	    LT_OK);
	assert_int_equal(r.ndraws, 400);
	assert_int_equal(r.nfailed, 0);
	for (size_t b = 0; b < r.ndraws; b++)
		assert_close(r.reps[b], 4, 0);
	assert_close(r.lower, 4, 0);
	assert_close(r.upper, 4, 0);
	lt_linkest_draw_result_release(&r);

	/* one uncertain link (p = 0.5) between two persons: 3 or 4 persons,
	 * about half the time each, and the interval spans both */
	struct lt_link_edge half[] = {
	    {0, 1, 1.0}, {2, 3, 1.0}, {5, 6, 1.0}, {6, 7, 1.0}, {1, 4, 0.5}};
	assert_int_equal(
	    lt_linkest_draws_run(half, 5, 8, hist_list, &l, &co, &count_method, &p, &r, &err),
	    LT_OK);
	size_t three = 0;
	for (size_t b = 0; b < r.ndraws; b++) {
		assert_true(r.reps[b] == 3 || r.reps[b] == 4);
		three += r.reps[b] == 3;
	}
	/* Binomial(400, 0.5): 200 ± 5 standard deviations */
	assert_true(three > 150 && three < 250);
	assert_close(r.lower, 3, 0);
	assert_close(r.upper, 4, 0);
	assert_close(r.persons_min, 3, 0);
	assert_close(r.persons_max, 4, 0);
	double first[400];
	memcpy(first, r.reps, sizeof(first));
	lt_linkest_draw_result_release(&r);
	/* the same seed, the same replicates; another seed, others */
	assert_int_equal(
	    lt_linkest_draws_run(half, 5, 8, hist_list, &l, &co, &count_method, &p, &r, &err),
	    LT_OK);
	assert_memory_equal(first, r.reps, sizeof(first));
	lt_linkest_draw_result_release(&r);
	p.seed = 99;
	assert_int_equal(
	    lt_linkest_draws_run(half, 5, 8, hist_list, &l, &co, &count_method, &p, &r, &err),
	    LT_OK);
	assert_true(memcmp(first, r.reps, sizeof(first)) != 0);
	lt_linkest_draw_result_release(&r);

	/* with resampling the persons are redrawn, their number stays n */
	p.resample = LT_LINKEST_RESAMPLE_CASES;
	assert_int_equal(
	    lt_linkest_draws_run(sure, 6, 8, hist_list, &l, &co, &count_method, &p, &r, &err),
	    LT_OK);
	for (size_t b = 0; b < r.ndraws; b++)
		assert_close(r.reps[b], 4, 0);
	lt_linkest_draw_result_release(&r);

	/* bad input */
	struct lt_link_edge out_of_range[] = {{0, 8, 0.9}};
	assert_int_equal(lt_linkest_draws_run(out_of_range, 1, 8, hist_list, &l, &co, &count_method,
	                                      &p, &r, &err),
	                 LT_EINVAL);
	assert_contains(err.message, "pair 1");
	lt_linkest_draw_result_release(&r);
	p.ndraws = 0;
	assert_int_equal(
	    lt_linkest_draws_run(sure, 6, 8, hist_list, &l, &co, &count_method, &p, &r, &err),
	    LT_EINVAL);
	lt_linkest_draw_result_release(&r);
}

/* ---------------------------------------------------------------------------
 * Coverage on synthetic data.
 */

static const char *const sim_fields[] = {"first_name", "surname",  "sex",  "dob",
                                         "city",       "postcode", "email"};
static const enum lt_synth_field sim_from[] = {
    LT_SYNTH_FIRST_NAME, LT_SYNTH_SURNAME,  LT_SYNTH_SEX,  LT_SYNTH_DOB,
    LT_SYNTH_CITY,       LT_SYNTH_POSTCODE, LT_SYNTH_EMAIL};
#define SIM_NFIELD 7

static int sim_record(void *user, const struct lt_synth_record *rec)
{
	struct lt_link_table *t = user;
	const char *cells[SIM_NFIELD];
	for (int f = 0; f < SIM_NFIELD; f++)
		cells[f] = rec->field[sim_from[f]];
	return lt_link_table_add(t, rec->list, rec->id, cells) != LT_OK;
}

struct sim_result {
	double truth_n;             /* the population */
	double true_hist_total;     /* the estimate from the true histories */
	double point, lower, upper; /* after linkage, with linkage draws */
	double bc_lower, bc_upper;  /* the same, bias-corrected */
	double t_lower, t_upper;    /* the threshold drawn */
	double s_lower, s_upper;    /* after linkage, sampling only */
};

/* One synthetic data set: link it, estimate (stepwise), and the linkage
 * bootstrap's interval with and without the linkage draws. */
static void sim_one(uint64_t seed, uint64_t people, size_t ndraws, struct sim_result *res)
{
	struct lt_synth_params sp;
	lt_synth_params_default(&sp);
	struct lt_error err;
	sp.seed = seed;
	sp.people = people;
	assert_int_equal(
	    lt_synth_lists_parse(&sp, "police:0.35,council:0.3,charity:0.4,nrm:0.25", &err), LT_OK);
	sp.duplicates = 0.05;
	struct lt_synth *g = NULL;
	assert_int_equal(lt_synth_alloc(&sp, &g, &err), LT_OK);
	struct lt_link_table t;
	assert_int_equal(lt_link_table_init(&t, sim_fields, SIM_NFIELD), LT_OK);
	for (unsigned i = 0; i < sp.nlists; i++) {
		uint32_t s;
		assert_int_equal(lt_link_table_source(&t, sp.lists[i].name, &s), LT_OK);
		assert_int_equal(s, i);
	}
	assert_int_equal(lt_synth_run(g, sim_record, &t, &err), LT_OK);
	res->truth_n = (double)people;

	/* the estimate from the true histories */
	struct lt_buf hb;
	lt_buf_init(&hb, 1 << 16);
	assert_int_equal(lt_synth_histories_csv(g, &hb), LT_OK);
	struct mse_table *truth = NULL;
	assert_int_equal(
	    mse_table_parse_csv(lt_buf_str(&hb), strlen(lt_buf_str(&hb)), &truth, &err), LT_OK);
	struct mse_estimate_params ep = MSE_ESTIMATE_PARAMS_DEFAULT;
	struct mse_estimate *e = malloc(sizeof(*e));
	assert_non_null(e);
	assert_int_equal(mse_estimate_run(truth, &ep, e, &err), LT_OK);
	res->true_hist_total = e->total;

	/* linkage */
	struct lt_link_run_opts o;
	lt_link_run_opts_default(&o);
	o.u_pairs = 100000;
	o.threads = 1;
	struct lt_link_cluster_opts co;
	lt_link_cluster_opts_default(&co);
	co.threshold = 0.5;
	co.split = 1;
	co.density_min = 0.4;
	struct lt_link_edge *edges = NULL;
	size_t nedge = 0;
	struct lt_link_clusters cl;
	struct lt_linkest_link_report rep;
	struct lt_linkest_draw_params dp = LT_LINKEST_DRAW_PARAMS_DEFAULT;
	double keep = lt_linkest_band_low(co.threshold, dp.band);
	assert_int_equal(
	    lt_linkest_link(&t, &o, 5000000, keep, &co, &edges, &nedge, &cl, &rep, &err), LT_OK);
	struct lt_linkest_lists lists;
	memset(&lists, 0, sizeof(lists));
	lists.nlists = sp.nlists;
	for (unsigned i = 0; i < sp.nlists; i++)
		snprintf(lists.names[i], sizeof(lists.names[i]), "%s", sp.lists[i].name);
	struct mse_table *linked = NULL;
	assert_int_equal(
	    lt_linkest_histories(cl.cluster, cl.ncluster, t.source, t.nrec, &lists, &linked, &err),
	    LT_OK);
	assert_int_equal(mse_estimate_run(linked, &ep, e, &err), LT_OK);
	res->point = e->total;

	struct mse_boot_select sel = {MSE_SELECT_STEPWISE, NULL, MSE_SELECT_PARAMS_DEFAULT, NULL};
	struct mse_boot_method m;
	mse_boot_method_select(&m, &sel);
	dp.ndraws = ndraws;
	dp.seed = (uint32_t)seed;
	dp.point = res->point;
	struct lt_linkest_draw_result r;
	assert_int_equal(
	    lt_linkest_draws_run(edges, nedge, t.nrec, t.source, &lists, &co, &m, &dp, &r, &err),
	    LT_OK);
	res->lower = r.lower;
	res->upper = r.upper;
	res->bc_lower = r.bc_lower;
	res->bc_upper = r.bc_upper;
	struct lt_synth_counts sc;
	lt_synth_counts(g, &sc);
	print_message("captured %llu, clusters %zu, drawn persons %.1f [%.0f, %.0f], edges %zu\n",
	              (unsigned long long)sc.captured, cl.ncluster, r.persons_mean, r.persons_min,
	              r.persons_max, nedge);
	lt_linkest_draw_result_release(&r);
	dp.draw = LT_LINKEST_DRAW_THRESHOLD;
	assert_int_equal(
	    lt_linkest_draws_run(edges, nedge, t.nrec, t.source, &lists, &co, &m, &dp, &r, &err),
	    LT_OK);
	res->t_lower = r.lower;
	res->t_upper = r.upper;
	lt_linkest_draw_result_release(&r);
	dp.draw = LT_LINKEST_DRAW_PAIRS;
	/* sampling only: the links at the threshold, sure */
	for (size_t k = 0; k < nedge; k++)
		edges[k].p = edges[k].p >= co.threshold ? 1.0 : 0.0;
	assert_int_equal(
	    lt_linkest_draws_run(edges, nedge, t.nrec, t.source, &lists, &co, &m, &dp, &r, &err),
	    LT_OK);
	res->s_lower = r.lower;
	res->s_upper = r.upper;
	lt_linkest_draw_result_release(&r);

	mse_table_free(linked);
	mse_table_free(truth);
	free(e);
	lt_buf_release(&hb);
	free(edges);
	lt_link_clusters_release(&cl);
	lt_link_table_release(&t);
	lt_synth_free(g);
}

static void test_coverage(void **state)
{
	(void)state;
	const int nsim = 10;
	int covered = 0, s_covered = 0;
	for (int i = 0; i < nsim; i++) {
		struct sim_result r;
		sim_one((uint64_t)(1000 + i), 400, 60, &r);
		int c = r.lower <= r.truth_n && r.truth_n <= r.upper;
		int sc = r.s_lower <= r.truth_n && r.truth_n <= r.s_upper;
		covered += c;
		s_covered += sc;
		print_message(
		    "seed %d: N %.0f, true histories %.1f, linked %.1f [%.1f, %.1f]%s, "
		    "bc [%.1f, %.1f], threshold [%.1f, %.1f], sampling only [%.1f, %.1f]%s\n",
		    1000 + i, r.truth_n, r.true_hist_total, r.point, r.lower, r.upper,
		    c ? "" : " MISS", r.bc_lower, r.bc_upper, r.t_lower, r.t_upper, r.s_lower,
		    r.s_upper, sc ? "" : " MISS");
	}
	print_message("coverage of the population: %d of %d with the linkage draws, %d of %d "
	              "sampling only\n",
	              covered, nsim, s_covered, nsim);
	/* 95% intervals: 8 or more of 10 unless the coverage is well below
	 * nominal (P(<= 7 of 10) = 0.012 at 0.95) */
	assert_true(covered >= 8);
}

/* ---------------------------------------------------------------------------
 * pseudopeople.
 */

static const char *const pp_files[] = {"american_community_survey", "current_population_survey",
                                       "decennial_census", "social_security",
                                       "women_infants_and_children"};
#define PP_NLIST 5

struct pp_truth {
	char *id;
	uint32_t list;
};

static int cmp_truth(const void *x, const void *y)
{
	const struct pp_truth *a = x, *b = y;
	return strcmp(a->id, b->id);
}

/* Read one list into t (fields by the alias table; source `list`), its
 * records' simulant ids into *truth. */
static void pp_read(const char *path, uint32_t list, struct lt_link_table *t,
                    struct pp_truth **truth, size_t *ntruth, size_t *cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *data = malloc((size_t)len + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	struct lt_csv csv;
	struct lt_error err;
	lt_csv_init(&csv, data, (size_t)len);
	size_t nf;
	long line;
	assert_int_equal(lt_csv_next(&csv, &nf, &line, &err), LT_OK);
	int colf[LT_CSV_COLUMNS_MAX], idcol = -1;
	for (size_t c = 0; c < nf; c++) {
		colf[c] = -1;
		if (strcmp(csv.fields[c].p, "simulant_id") == 0)
			idcol = (int)c;
		const char *fld = lt_link_field_for_column(csv.fields[c].p);
		if (fld)
			colf[c] = (int)lt_link_table_field(t, fld);
	}
	assert_true(idcol >= 0);
	const char *cells[LT_LINK_FIELDS_MAX];
	while (lt_csv_next(&csv, &nf, &line, &err) == LT_OK) {
		for (size_t k = 0; k < t->nfield; k++)
			cells[k] = NULL;
		for (size_t c = 0; c < nf; c++)
			if (colf[c] >= 0)
				cells[colf[c]] = csv.fields[c].p;
		char id[32];
		snprintf(id, sizeof(id), "%ld", line);
		assert_int_equal(lt_link_table_add(t, list, id, cells), LT_OK);
		if (*ntruth == *cap) {
			*cap = *cap ? 2 * *cap : 65536;
			*truth = realloc(*truth, *cap * sizeof(**truth));
			assert_non_null(*truth);
		}
		(*truth)[*ntruth].id = strdup(csv.fields[idcol].p);
		(*truth)[(*ntruth)++].list = list;
	}
	lt_csv_release(&csv);
	free(data);
}

static void test_pseudopeople(void **state)
{
	(void)state;
	const char *root = getenv("LANTERN_SHARED");
	if (!root)
		fail_msg("$LANTERN_SHARED is not set (meson test sets it)");
	/* the fields the lists share that lantern link knows */
	static const char *const fields[] = {"first_name", "surname", "dob",      "sex",
	                                     "city",       "state",   "postcode", "street_number"};
	struct lt_link_table t;
	assert_int_equal(lt_link_table_init(&t, fields, 8), LT_OK);
	struct pp_truth *truth = NULL;
	size_t ntruth = 0, cap = 0;
	struct lt_linkest_lists lists;
	memset(&lists, 0, sizeof(lists));
	lists.nlists = PP_NLIST;
	for (uint32_t i = 0; i < PP_NLIST; i++) {
		uint32_t src;
		assert_int_equal(lt_link_table_source(&t, pp_files[i], &src), LT_OK);
		snprintf(lists.names[i], sizeof(lists.names[i]), "%s", pp_files[i]);
		char path[1024];
		snprintf(path, sizeof(path), "%s/data/linkage/pseudopeople/derived_csv/%s.csv",
		         root, pp_files[i]);
		pp_read(path, i, &t, &truth, &ntruth, &cap);
	}
	assert_int_equal(ntruth, t.nrec);

	/* the true histories: the records of one simulant are one person */
	uint32_t *cluster = malloc(t.nrec * sizeof(*cluster));
	assert_non_null(cluster);
	struct pp_truth *sorted = malloc(ntruth * sizeof(*sorted));
	assert_non_null(sorted);
	memcpy(sorted, truth, ntruth * sizeof(*sorted));
	for (size_t r = 0; r < ntruth; r++)
		sorted[r].list = (uint32_t)r; /* the record, to find it after sorting */
	qsort(sorted, ntruth, sizeof(*sorted), cmp_truth);
	size_t npersons = 0;
	for (size_t k = 0; k < ntruth; k++) {
		if (k > 0 && strcmp(sorted[k].id, sorted[k - 1].id) != 0)
			npersons++;
		cluster[sorted[k].list] = (uint32_t)npersons;
	}
	npersons++;
	assert_int_equal(npersons, 21503); /* the README's union */
	struct lt_error err;
	struct mse_table *true_tab = NULL;
	assert_int_equal(
	    lt_linkest_histories(cluster, npersons, t.source, t.nrec, &lists, &true_tab, &err),
	    LT_OK);
	struct mse_estimate_params ep = MSE_ESTIMATE_PARAMS_DEFAULT;
	struct mse_estimate *e = malloc(sizeof(*e));
	assert_non_null(e);
	assert_int_equal(mse_estimate_run(true_tab, &ep, e, &err), LT_OK);
	double true_total = e->total;

	/* linked with the defaults, clusters at 0.5 */
	struct lt_link_run_opts o;
	lt_link_run_opts_default(&o);
	struct lt_link_cluster_opts co;
	lt_link_cluster_opts_default(&co);
	co.threshold = 0.5;
	co.split = 1;
	co.density_min = 0.4;
	struct lt_link_edge *edges = NULL;
	size_t nedge = 0;
	struct lt_link_clusters cl;
	struct lt_linkest_link_report rep;
	uint64_t budget = 20 * (uint64_t)t.nrec > 5000000 ? 20 * (uint64_t)t.nrec : 5000000;
	assert_int_equal(lt_linkest_link(&t, &o, budget, 0.5, &co, &edges, &nedge, &cl, &rep, &err),
	                 LT_OK);
	struct mse_table *linked = NULL;
	assert_int_equal(
	    lt_linkest_histories(cl.cluster, cl.ncluster, t.source, t.nrec, &lists, &linked, &err),
	    LT_OK);
	assert_int_equal(mse_estimate_run(linked, &ep, e, &err), LT_OK);
	double rel = (e->total - true_total) / true_total;
	print_message("pseudopeople: %zu records; true: %zu persons, estimate %.1f; linked: %zu "
	              "persons, estimate %.1f (%+.2f%%)\n",
	              t.nrec, npersons, true_total, cl.ncluster, e->total, 100 * rel);
	assert_true(fabs(rel) <= 0.05);

	free(e);
	mse_table_free(linked);
	mse_table_free(true_tab);
	free(edges);
	lt_link_clusters_release(&cl);
	free(sorted);
	for (size_t r = 0; r < ntruth; r++)
		free(truth[r].id);
	free(truth);
	free(cluster);
	lt_link_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_name), cmocka_unit_test(test_lists_from_labels),
	    cmocka_unit_test(test_histories), cmocka_unit_test(test_draws),
	    cmocka_unit_test(test_coverage),  cmocka_unit_test(test_pseudopeople),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
