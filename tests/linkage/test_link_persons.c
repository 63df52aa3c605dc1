/*
 * test_link_persons.c — persons as linkage rows, clustering under match
 * decisions and the likely matches of a person (src/linkage/link_persons.c).
 *
 *   - a person with aliases becomes one row per name, split into first
 *     names and surname, with its date of birth at its precision, sex and
 *     nationality as codes ("unknown" and not given missing);
 *   - clustering on hand-made cases: a chain cut where a not-same decision
 *     would close it (the weakest link goes), a same decision joins persons
 *     no pair links, same decisions that contradict a not-same decision are
 *     counted as a conflict;
 *   - on random graphs and decisions, the invariants the header promises,
 *     checked against the clusters computed: every same pair together; no
 *     not-same pair together except conflicts; every edge at or above the
 *     threshold either inside a cluster or cut because joining its two
 *     clusters would put a not-same pair together; every cluster connected
 *     by kept edges and same decisions; no decisions gives exactly
 *     connected components (lt_link_cluster);
 *   - the likely matches of a person: the rows of the other persons scored
 *     with the default model, the best of their names kept, in order.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkage/link_persons.h"
#include "linkage/link_run.h"

#include "core/banned.h"

static void person_make(struct lt_person *p, int64_t id, const char *name, const char *alias,
                        const char *dob, int sex, int nationality)
{
	struct lt_error e = {0};
	lt_person_init(p);
	p->id = id;
	p->name = strdup(name);
	if (alias) {
		p->aliases[0] = strdup(alias);
		p->n_aliases = 1;
	}
	if (dob)
		assert_int_equal(lt_date_parse(dob, strlen(dob), &p->dob, "dob", &e), LT_OK);
	p->sex = sex;
	p->nationality = nationality;
}

static const char *cell(const struct lt_link_table *t, size_t r, const char *field)
{
	long f = lt_link_table_field(t, field);
	assert_true(f >= 0);
	return lt_link_cell(t, r, (size_t)f);
}

static void test_rows(void **state)
{
	(void)state;
	struct lt_link_table t;
	struct lt_person p;
	uint32_t src;
	int ro = lt_vocab_find(&lt_vocab_country, "RO", 2);
	assert_true(ro >= 0);
	assert_int_equal(lt_link_person_table_init(&t), LT_OK);
	assert_int_equal(lt_link_table_source(&t, "agency_a", &src), LT_OK);
	person_make(&p, 42, "Maria Elena  Popescu ", "Mia", "1990-05", LT_SEX_FEMALE, ro);
	assert_int_equal(lt_link_person_add(&t, src, &p), LT_OK);
	lt_person_release(&p);
	person_make(&p, 7, "Ion", NULL, NULL, LT_SEX_UNKNOWN, -1);
	assert_int_equal(lt_link_person_add(&t, src, &p), LT_OK);
	lt_person_release(&p);

	assert_int_equal(t.nrec, 3);
	assert_string_equal(cell(&t, 0, "first_name"), "Maria Elena");
	assert_string_equal(cell(&t, 0, "surname"), "Popescu");
	assert_string_equal(cell(&t, 0, "full_name"), "Maria Elena  Popescu ");
	assert_string_equal(cell(&t, 0, "dob"), "1990-05");
	assert_string_equal(cell(&t, 0, "sex"), "female");
	assert_string_equal(cell(&t, 0, "nationality"), "RO");
	assert_string_equal(cell(&t, 1, "first_name"), "Mia"); /* the alias */
	assert_null(cell(&t, 1, "surname"));
	assert_string_equal(cell(&t, 1, "dob"), "1990-05");
	assert_int_equal(lt_link_person_id(&t, 0), 42);
	assert_int_equal(lt_link_person_id(&t, 1), 42);
	assert_int_equal(lt_link_person_id(&t, 2), 7);
	assert_string_equal(cell(&t, 2, "first_name"), "Ion");
	assert_null(cell(&t, 2, "dob"));
	assert_null(cell(&t, 2, "sex"));
	assert_null(cell(&t, 2, "nationality"));
	lt_link_person_table_wipe(&t);
}

/* A table of n persons (ids 10, 20, ...), one row each, of source 0. */
static void table_of(struct lt_link_table *t, size_t n)
{
	uint32_t src;
	assert_int_equal(lt_link_person_table_init(t), LT_OK);
	assert_int_equal(lt_link_table_source(t, "a", &src), LT_OK);
	for (size_t i = 0; i < n; i++) {
		char id[16];
		const char *cells[LT_LINK_PERSON_NFIELD] = {"x", NULL, NULL, NULL, NULL, NULL};
		snprintf(id, sizeof(id), "%zu", (i + 1) * 10);
		assert_int_equal(lt_link_table_add(t, src, id, cells), LT_OK);
	}
}

/* Does `t` hold the term `want`? */
static bool has_term(const struct lt_index_terms *t, const char *want)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(lt_index_term(t, i), want) == 0)
			return true;
	return false;
}

/* The blind index's terms: core's, then the Double Metaphone codes of each
 * distinct word (primary, and the alternate when it differs), so that
 * spellings that sound alike share a term. */
static void test_index_terms(void **state)
{
	(void)state;
	struct lt_person p;
	struct lt_index_terms t, core;
	lt_index_terms_init(&t);
	lt_index_terms_init(&core);

	person_make(&p, 1, "Mohammed Ali", "Catherine Smith", "1985-03-04", LT_SEX_MALE, -1);
	assert_int_equal(lt_link_person_index_terms(&p, &t), LT_OK);
	assert_int_equal(lt_person_index_terms(&p, &core), LT_OK);
	/* core's terms first, in core's order */
	assert_true(t.n > core.n);
	for (size_t i = 0; i < core.n; i++)
		assert_string_equal(lt_index_term(&t, i), lt_index_term(&core, i));
	static const char *const want[] = {"p:MHMT", "p:AL", "p:K0RN", "p:KTRN", "p:SM0", "p:XMT"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!has_term(&t, want[i]))
			fail_msg("no term %s among the %zu terms", want[i], t.n);
	/* 4 words: Mohammed MHMT, Ali AL, Catherine K0RN/KTRN, Smith SM0/XMT;
	 * each code alone and with the year of birth */
	assert_int_equal(t.n, core.n + 12);
	assert_true(has_term(&t, "q:1985:MHMT") && has_term(&t, "q:1985:KTRN") &&
	            has_term(&t, "q:1985:XMT"));
	lt_person_release(&p);

	/* the misspellings get the same codes */
	person_make(&p, 2, "Muhamad Aly", "Kathryn", NULL, LT_SEX_MALE, -1);
	assert_int_equal(lt_link_person_index_terms(&p, &t), LT_OK);
	assert_true(has_term(&t, "p:MHMT") && has_term(&t, "p:AL") && has_term(&t, "p:K0RN") &&
	            has_term(&t, "p:KTRN"));
	assert_false(has_term(&t, "t:mohammed"));
	for (size_t i = 0; i < t.n; i++) /* no year: no "q:" */
		assert_false(lt_index_term(&t, i)[0] == 'q');
	lt_person_release(&p);
	/* the examples of docs/linkage.md */
	person_make(&p, 2, "Maria Popesku", "Mohamed Lee", NULL, LT_SEX_FEMALE, -1);
	assert_int_equal(lt_link_person_index_terms(&p, &t), LT_OK);
	assert_true(has_term(&t, "p:PPSK") && has_term(&t, "p:MHMT") && has_term(&t, "p:L"));
	lt_person_release(&p);
	person_make(&p, 2, "Ion Popescu Li", NULL, NULL, LT_SEX_MALE, -1);
	assert_int_equal(lt_link_person_index_terms(&p, &t), LT_OK);
	assert_true(has_term(&t, "p:PPSK") && has_term(&t, "p:L"));
	lt_person_release(&p);

	/* a repeated word, or one of the same sound, adds its code once; a word
	 * of no Latin letter (digits, Cyrillic) adds none */
	person_make(&p, 3, "Ali Aly Ali 1234 Иван", NULL, NULL, LT_SEX_MALE, -1);
	assert_int_equal(lt_link_person_index_terms(&p, &t), LT_OK);
	assert_int_equal(lt_person_index_terms(&p, &core), LT_OK);
	assert_int_equal(t.n, core.n + 1);
	assert_true(has_term(&t, "p:AL"));
	lt_person_release(&p);

	/* as many words as the index takes, each with two codes, still fit */
	char many[LT_PERSON_NAME_MAX + 1];
	size_t at = 0;
	for (int i = 0; at + 8 < LT_PERSON_NAME_MAX; i++)
		at += (size_t)snprintf(many + at, sizeof(many) - at, "%sx%c%cth", i ? " " : "",
		                       'a' + i % 26, 'a' + i / 26);
	person_make(&p, 4, many, NULL, "1990-05-17", LT_SEX_MALE, -1);
	assert_int_equal(lt_link_person_index_terms(&p, &t), LT_OK);
	assert_true(t.n <= LT_INDEX_TERMS_MAX);
	lt_person_release(&p);

	lt_index_terms_release(&t);
	lt_index_terms_release(&core);
}

static void test_decisions_by_hand(void **state)
{
	(void)state;
	struct lt_link_table t;
	struct lt_link_person_clusters c;
	struct lt_error e = {0};
	table_of(&t, 5); /* persons 10, 20, 30, 40, 50: rows 0..4 */
	/* a chain 10-20 (0.99), 20-30 (0.7), 30-40 (0.95); 50 alone */
	const struct lt_link_edge edges[] = {{0, 1, 0.99}, {1, 2, 0.7}, {2, 3, 0.95}};

	/* without decisions: {10, 20, 30, 40}, {50} */
	assert_int_equal(lt_link_person_cluster(&t, edges, 3, 0.5, NULL, 0, &c, &e), LT_OK);
	assert_int_equal(c.ncluster, 2);
	assert_int_equal(c.cluster[0], c.cluster[3]);
	lt_link_person_clusters_release(&c);

	/* 10 is not 40: the weakest link of the chain, 20-30, is cut */
	const struct lt_link_decision ns[] = {{10, 40, false}};
	assert_int_equal(lt_link_person_cluster(&t, edges, 3, 0.5, ns, 1, &c, &e), LT_OK);
	assert_int_equal(c.ncluster, 3);
	assert_int_equal(c.cluster[0], c.cluster[1]);
	assert_int_equal(c.cluster[2], c.cluster[3]);
	assert_int_not_equal(c.cluster[1], c.cluster[2]);
	assert_int_equal(c.cut, 1);
	assert_int_equal(c.conflicts, 0);
	lt_link_person_clusters_release(&c);

	/* 50 is 10, though nothing links them; 20 is not 30 directly */
	const struct lt_link_decision two[] = {{10, 50, true}, {20, 30, false}};
	assert_int_equal(lt_link_person_cluster(&t, edges, 3, 0.5, two, 2, &c, &e), LT_OK);
	assert_int_equal(c.cluster[0], c.cluster[4]);
	assert_int_not_equal(c.cluster[1], c.cluster[2]);
	assert_int_equal(c.joined_same, 1);
	lt_link_person_clusters_release(&c);

	/* same 10-20, same 20-30, not same 10-30: the same decisions win, a conflict */
	const struct lt_link_decision bad[] = {{10, 20, true}, {20, 30, true}, {10, 30, false}};
	assert_int_equal(lt_link_person_cluster(&t, NULL, 0, 0.5, bad, 3, &c, &e), LT_OK);
	assert_int_equal(c.cluster[0], c.cluster[2]);
	assert_int_equal(c.conflicts, 1);
	lt_link_person_clusters_release(&c);

	/* a decision about a person not in the table is ignored */
	const struct lt_link_decision away[] = {{10, 999, true}};
	assert_int_equal(lt_link_person_cluster(&t, edges, 3, 0.5, away, 1, &c, &e), LT_OK);
	assert_int_equal(c.ncluster, 2);
	lt_link_person_clusters_release(&c);

	/* an edge naming a row past the table */
	const struct lt_link_edge wild[] = {{0, 9, 0.9}};
	assert_int_equal(lt_link_person_cluster(&t, wild, 1, 0.5, NULL, 0, &c, &e), LT_EINVAL);
	lt_link_person_table_wipe(&t);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Would joining clusters x and y (ids) put some not-same pair together? */
static bool join_would_violate(const struct lt_link_person_clusters *c,
                               const struct lt_link_decision *d, size_t nd, uint32_t x, uint32_t y)
{
	for (size_t i = 0; i < nd; i++) {
		if (d[i].same)
			continue;
		uint32_t ca = c->cluster[d[i].a / 10 - 1], cb = c->cluster[d[i].b / 10 - 1];
		if ((ca == x && cb == y) || (ca == y && cb == x))
			return true;
	}
	return false;
}

static void test_decisions_invariants(void **state)
{
	(void)state;
	uint64_t seed = 88172645463325252ULL;
	for (int round = 0; round < 300; round++) {
		size_t n = 2 + rng_next(&seed) % 12, ne = rng_next(&seed) % 30,
		       nd = rng_next(&seed) % 6;
		struct lt_link_table t;
		struct lt_link_edge e[30];
		struct lt_link_decision d[6];
		struct lt_link_person_clusters c;
		struct lt_error err = {0};
		table_of(&t, n);
		for (size_t i = 0; i < ne; i++) {
			uint32_t a = (uint32_t)(rng_next(&seed) % n),
			         b = (uint32_t)(rng_next(&seed) % n);
			if (a == b)
				b = (a + 1) % (uint32_t)n;
			e[i] =
			    (struct lt_link_edge){a, b, (double)(rng_next(&seed) % 1000) / 1000.0};
		}
		for (size_t i = 0; i < nd; i++) {
			int64_t a = (int64_t)(rng_next(&seed) % n),
			        b = (int64_t)(rng_next(&seed) % n);
			if (a == b)
				b = (a + 1) % (int64_t)n;
			d[i] = (struct lt_link_decision){(a < b ? a : b) * 10 + 10,
			                                 (a < b ? b : a) * 10 + 10,
			                                 rng_next(&seed) % 3 == 0};
		}
		assert_int_equal(lt_link_person_cluster(&t, e, ne, 0.5, d, nd, &c, &err), LT_OK);
		assert_int_equal(c.n, n);
		/* same together; not-same apart unless counted as a conflict */
		size_t together = 0;
		for (size_t i = 0; i < nd; i++) {
			bool tog = c.cluster[d[i].a / 10 - 1] == c.cluster[d[i].b / 10 - 1];
			if (d[i].same)
				assert_true(tog);
			else
				together += tog;
		}
		assert_true(together <= c.conflicts);
		/* every strong edge across clusters was cut for a reason */
		for (size_t i = 0; i < ne; i++) {
			uint32_t x = c.cluster[e[i].a], y = c.cluster[e[i].b];
			if (e[i].p >= 0.5 && x != y)
				assert_true(join_would_violate(&c, d, nd, x, y));
		}
		/* clusters are dense and numbered by their first person */
		uint32_t next = 0;
		for (size_t i = 0; i < n; i++) {
			assert_true(c.cluster[i] <= next);
			if (c.cluster[i] == next)
				next++;
		}
		assert_int_equal(next, c.ncluster);
		/* without decisions: connected components, as lt_link_cluster finds them */
		if (nd == 0) {
			struct lt_link_cluster_opts o;
			struct lt_link_clusters cc;
			lt_link_cluster_opts_default(&o);
			o.threshold = 0.5;
			o.density_min = 0;
			assert_int_equal(lt_link_cluster(e, ne, n, &o, &cc), LT_OK);
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < n; j++)
					assert_int_equal(cc.cluster[i] == cc.cluster[j],
					                 c.cluster[i] == c.cluster[j]);
			lt_link_clusters_release(&cc);
		}
		lt_link_person_clusters_release(&c);
		lt_link_person_table_wipe(&t);
	}
}

static void test_matches(void **state)
{
	(void)state;
	struct lt_link_table t;
	struct lt_link_model m;
	struct lt_link_prep prep;
	struct lt_link_match *out = NULL;
	struct lt_person p;
	struct lt_error e = {0};
	uint32_t a, b;
	size_t n = 0;
	assert_int_equal(lt_link_person_table_init(&t), LT_OK);
	assert_int_equal(lt_link_table_source(&t, "a", &a), LT_OK);
	assert_int_equal(lt_link_table_source(&t, "b", &b), LT_OK);
	person_make(&p, 1, "Maria Popescu", "Mia Pop", "1990-05-17", LT_SEX_FEMALE, -1);
	assert_int_equal(lt_link_person_add(&t, a, &p), LT_OK);
	lt_person_release(&p);
	/* matches the alias only */
	person_make(&p, 2, "Mia Pop", NULL, "1990-05-17", LT_SEX_FEMALE, -1);
	assert_int_equal(lt_link_person_add(&t, b, &p), LT_OK);
	lt_person_release(&p);
	person_make(&p, 3, "Maria Popesku", NULL, "1990-05-17", LT_SEX_FEMALE, -1);
	assert_int_equal(lt_link_person_add(&t, b, &p), LT_OK);
	lt_person_release(&p);
	person_make(&p, 4, "John Smith", NULL, "1961-01-02", LT_SEX_MALE, -1);
	assert_int_equal(lt_link_person_add(&t, b, &p), LT_OK);
	lt_person_release(&p);
	assert_int_equal(lt_link_default_model(&t, &m, &e), LT_OK);
	assert_int_equal(lt_link_prep_init(&prep, &m, &t, &e), LT_OK);

	assert_int_equal(lt_link_person_matches(&prep, 1, 0.5, 10, &out, &n, &e), LT_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		/* the probability is the best over the pairs of their names */
		double best = 0;
		for (size_t r = 0; r < t.nrec; r++)
			for (size_t q = 0; q < t.nrec; q++)
				if (lt_link_person_id(&t, r) == 1 &&
				    lt_link_person_id(&t, q) == out[i].person) {
					double pr = lt_link_weight_to_prob(
					    lt_link_score(&prep, (uint32_t)r, (uint32_t)q));
					best = pr > best ? pr : best;
				}
		assert_close(out[i].p, best, 1e-12);
		assert_int_equal(lt_link_person_id(&t, out[i].row_a), 1);
		assert_int_equal(lt_link_person_id(&t, out[i].row_b), out[i].person);
		if (i > 0)
			assert_true(out[i].p <= out[i - 1].p);
	}
	/* person 2 matches through the alias row */
	bool via_alias = false;
	for (size_t i = 0; i < n; i++)
		if (out[i].person == 2)
			via_alias = out[i].row_a == 1;
	assert_true(via_alias);
	free(out);
	/* at most `max` */
	assert_int_equal(lt_link_person_matches(&prep, 1, 0.0, 1, &out, &n, &e), LT_OK);
	assert_int_equal(n, 1);
	free(out);
	assert_int_equal(lt_link_person_matches(&prep, 99, 0.5, 10, &out, &n, &e), LT_EINVAL);
	lt_link_prep_release(&prep);
	lt_link_model_release(&m);
	lt_link_person_table_wipe(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_index_terms),
	    cmocka_unit_test(test_decisions_by_hand),
	    cmocka_unit_test(test_decisions_invariants),
	    cmocka_unit_test(test_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
