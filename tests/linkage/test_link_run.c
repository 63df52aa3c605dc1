/*
 * test_link_run.c — linkage end to end (src/linkage/link_run.c): column
 * names to fields, the default rules and model, training on a small
 * generated table, and threaded scoring against scoring pair by pair
 * (the same edges on 1 and 2 threads, each with the probability
 * lt_link_score gives).
 */
#include "testutil.h"

#include "linkage/link_run.h"

static void test_column_names(void **state)
{
	(void)state;
	static const struct {
		const char *column, *field;
	} cases[] = {
	    {"given_name", "first_name"},
	    {" Given Name ", "first_name"},
	    {"SURNAME", "surname"},
	    {"date-of-birth", "dob"},
	    {"suburb", "city"},
	    {"zip", "postcode"},
	    {"postcode_fake", "postcode"},
	    {"gender", "sex"},
	    {"colour", NULL},
	    {"", NULL},
	    {"soc_sec_id", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = lt_link_field_for_column(cases[i].column);
		if (cases[i].field == NULL ? got != NULL
		                           : (got == NULL || strcmp(got, cases[i].field)))
			fail_msg("column '%s' -> %s, want %s", cases[i].column, got ? got : "NULL",
			         cases[i].field ? cases[i].field : "NULL");
	}
}

static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)((rng >> 33) % n);
}

/* n people, each written 1 to 3 times with an occasional typo. */
static void make_table(struct lt_link_table *t, size_t people, uint32_t *truth, size_t *nrec)
{
	static const char *firsts[] = {"anna", "maria", "john", "peter", "olga", "ivan",
	                               "lucy", "sam",   "amir", "chen",  "ruth", "omar"};
	static const char *surs[] = {"smith",  "jones", "novak",  "popescu", "khan",   "li",
	                             "garcia", "brown", "okafor", "nguyen",  "haddad", "kowalski"};
	static const char *cities[] = {"leeds", "york", "hull", "bath", "derby"};
	const char *names[] = {"first_name", "surname", "dob", "city"};
	assert_int_equal(lt_link_table_init(t, names, 4), LT_OK);
	uint32_t src;
	assert_int_equal(lt_link_table_source(t, "a.csv", &src), LT_OK);
	*nrec = 0;
	for (size_t p = 0; p < people; p++) {
		char f[32], s[32], d[16], id[32];
		snprintf(f, sizeof(f), "%s", firsts[rnd(12)]);
		snprintf(s, sizeof(s), "%s", surs[rnd(12)]);
		snprintf(d, sizeof(d), "%04u-%02u-%02u", 1950 + rnd(60), 1 + rnd(12), 1 + rnd(28));
		const char *c = cities[rnd(5)];
		unsigned copies = 1 + rnd(3);
		for (unsigned k = 0; k < copies; k++) {
			char f2[32], d2[16];
			snprintf(f2, sizeof(f2), "%s", f);
			snprintf(d2, sizeof(d2), "%s", d);
			if (k > 0 && rnd(4) == 0)
				f2[1] = 'x';
			if (k > 0 && rnd(5) == 0)
				d2[9] = (char)('0' + rnd(10));
			snprintf(id, sizeof(id), "%zu", *nrec);
			const char *cells[] = {f2, s, d2, rnd(6) ? c : NULL};
			assert_int_equal(lt_link_table_add(t, src, id, cells), LT_OK);
			truth[(*nrec)++] = (uint32_t)p;
		}
	}
}

static void test_defaults(void **state)
{
	(void)state;
	struct lt_link_table t;
	uint32_t truth[4000];
	size_t n;
	rng = 7;
	make_table(&t, 200, truth, &n);
	struct lt_link_run_opts o;
	lt_link_run_opts_default(&o);
	struct lt_link_rule rules[LT_LINK_BLOCK_RULES_MAX];
	size_t nrule;
	lt_link_default_rules(&t, &o, rules, &nrule);
	assert_int_equal(nrule, 1); /* a small table: every pair */
	assert_int_equal(rules[0].nkey, 0);
	o.all_pairs_max = 0;
	lt_link_default_rules(&t, &o, rules, &nrule);
	const char *want[] = {"first_name & surname", "surname & dob",
	                      "first_name & dob",     "surname:phonetic & first_name:phonetic",
	                      "dob & city",           "surname & city",
	                      "first_name & city"};
	assert_int_equal(nrule, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < nrule; i++) {
		char text[LT_LINK_BLOCK_RULE_TEXT_MAX];
		lt_link_rule_format(&rules[i], &t, text, sizeof(text));
		assert_string_equal(text, want[i]);
	}
	struct lt_link_model m;
	struct lt_error err;
	assert_int_equal(lt_link_default_model(&t, &m, &err), LT_OK);
	assert_int_equal(m.ncomp, 4);
	assert_string_equal(m.comps[0].field, "first_name");
	assert_string_equal(m.comps[2].field, "dob");
	lt_link_model_release(&m);
	lt_link_table_release(&t);

	const char *other[] = {"colour"};
	assert_int_equal(lt_link_table_init(&t, other, 1), LT_OK);
	lt_error_clear(&err);
	assert_int_equal(lt_link_default_model(&t, &m, &err), LT_EINVAL);
	assert_contains(err.message, "no column");
	lt_link_table_release(&t);
}

static int edge_cmp(const struct lt_link_edge *a, const struct lt_link_edge *b)
{
	return a->a != b->a || a->b != b->b || fabs(a->p - b->p) > 1e-12 * (1 + fabs(b->p));
}

static void test_train_and_score(void **state)
{
	(void)state;
	struct lt_link_table t;
	uint32_t truth[4000];
	size_t n;
	rng = 11;
	make_table(&t, 600, truth, &n);
	struct lt_link_run_opts o;
	lt_link_run_opts_default(&o);
	o.u_pairs = 20000;
	struct lt_link_model m;
	struct lt_error err;
	lt_error_clear(&err);
	assert_int_equal(lt_link_default_model(&t, &m, &err), LT_OK);
	struct lt_link_train_report rep;
	assert_int_equal(lt_link_train(&m, &t, &o, &rep, &err), LT_OK);
	assert_true(m.lambda > 0 && m.lambda < 1);
	assert_int_equal(rep.nsession, 2);
	assert_true(rep.sessions[0].pairs > 0);

	struct lt_link_rule rules[LT_LINK_BLOCK_RULES_MAX];
	size_t nrule;
	o.all_pairs_max = 0;
	lt_link_default_rules(&t, &o, rules, &nrule);
	struct lt_link_blocker b;
	assert_int_equal(lt_link_blocker_init(&b, &t, rules, nrule, LT_LINK_BLOCK_ALL, &err),
	                 LT_OK);
	struct lt_link_prep p;
	assert_int_equal(lt_link_prep_init(&p, &m, &t, &err), LT_OK);

	/* 1 and 2 threads give the same edges, each as lt_link_score gives it */
	struct lt_link_edge *e1, *e2;
	size_t n1, n2;
	uint64_t s1, s2;
	assert_int_equal(lt_link_score_blocked(&p, &b, 0.3, 1, &e1, &n1, &s1), LT_OK);
	assert_int_equal(lt_link_score_blocked(&p, &b, 0.3, 2, &e2, &n2, &s2), LT_OK);
	assert_int_equal(s1, s2);
	assert_int_equal(n1, n2);
	assert_true(n1 > 0);
	for (size_t i = 0; i < n1; i++) {
		assert_false(edge_cmp(&e1[i], &e2[i]));
		assert_true(i == 0 || e1[i - 1].a < e1[i].a ||
		            (e1[i - 1].a == e1[i].a && e1[i - 1].b < e1[i].b));
		double want = lt_link_weight_to_prob(lt_link_score(&p, e1[i].a, e1[i].b));
		assert_close(e1[i].p, want, 1e-12);
		assert_true(e1[i].p >= 0.3);
	}
	/* and every pair left out is below the threshold */
	struct lt_link_rule_count cnt[LT_LINK_BLOCK_RULES_MAX];
	lt_link_blocker_count(&b, 1, cnt);
	/* the budget keeps exactly the rules whose raw count is within it */
	uint64_t budget = cnt[1].raw;
	size_t keep[LT_LINK_BLOCK_RULES_MAX], nkeep, want_keep = 0;
	struct lt_link_rule_count bc[LT_LINK_BLOCK_RULES_MAX];
	lt_link_rules_budget(&b, budget, keep, &nkeep, bc);
	for (size_t k = 0; k < nrule; k++) {
		assert_int_equal(bc[k].raw, cnt[k].raw);
		if (cnt[k].raw <= budget) {
			assert_true(want_keep < nkeep);
			assert_int_equal(keep[want_keep], k);
			want_keep++;
		}
	}
	assert_int_equal(nkeep, want_keep);
	assert_true(nkeep >= 1 && nkeep < nrule);
	uint64_t added = 0, above = 0;
	for (size_t k = 0; k < nrule; k++)
		added += cnt[k].added;
	assert_int_equal(s1, added);
	struct lt_link_chunk *chunks;
	size_t nchunk;
	assert_int_equal(lt_link_blocker_chunks(&b, 1000, &chunks, &nchunk), LT_OK);
	for (size_t c = 0; c < nchunk; c++) {
		struct lt_link_block_iter it;
		lt_link_block_iter_init(&it, &b, &chunks[c]);
		struct lt_link_pair buf[64];
		size_t k;
		while ((k = lt_link_block_iter_next(&it, buf, 64)) > 0)
			for (size_t i = 0; i < k; i++)
				if (lt_link_weight_to_prob(lt_link_score(&p, buf[i].a, buf[i].b)) >=
				    0.3)
					above++;
	}
	free(chunks);
	assert_int_equal(above, n1);

	/* without fitting λ, score_fit is score_blocked; with it, λ moves and
	 * the edges are those at or above the threshold under the new λ */
	struct lt_link_train_session ses;
	struct lt_link_edge *e3;
	size_t n3;
	uint64_t s3;
	assert_int_equal(lt_link_score_fit(&m, &p, &b, 2, 0.3, false, &ses, &e3, &n3, &s3, &err),
	                 LT_OK);
	assert_int_equal(n3, n1);
	for (size_t i = 0; i < n1; i++)
		assert_false(edge_cmp(&e3[i], &e1[i]));
	free(e3);
	double before = m.lambda;
	assert_int_equal(lt_link_score_fit(&m, &p, &b, 2, 0.3, true, &ses, &e3, &n3, &s3, &err),
	                 LT_OK);
	assert_true(ses.iterations > 0);
	assert_true(m.lambda > 0 && m.lambda <= 100 * before);
	for (size_t i = 0; i < n3; i++) {
		double want = lt_link_weight_to_prob(lt_link_score(&p, e3[i].a, e3[i].b));
		assert_close(e3[i].p, want, 1e-9);
		assert_true(e3[i].p >= 0.3);
	}

	/* the clusters of this easy table are good */
	struct lt_link_cluster_opts co;
	lt_link_cluster_opts_default(&co);
	co.threshold = 0.3;
	struct lt_link_clusters cl;
	assert_int_equal(lt_link_cluster(e3, n3, t.nrec, &co, &cl), LT_OK);
	struct lt_link_eval ev;
	assert_int_equal(lt_link_evaluate(truth, t.source, t.nrec, LT_LINK_BLOCK_ALL, e3, n3, 0.3,
	                                  cl.cluster, &ev),
	                 LT_OK);
	print_message("generated table: %zu records, %llu true pairs, F1 %.4f before, %.4f after\n",
	              t.nrec, (unsigned long long)ev.true_pairs, ev.before.f1, ev.after.f1);
	assert_true(ev.after.f1 > 0.8);
	lt_link_clusters_release(&cl);
	free(e1);
	free(e2);
	free(e3);
	lt_link_prep_release(&p);
	lt_link_blocker_release(&b);
	lt_link_model_release(&m);
	lt_link_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_column_names),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_train_and_score),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
