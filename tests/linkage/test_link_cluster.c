/*
 * test_link_cluster.c — union-find, connected components at a threshold,
 * the size and density checks, splitting a loose cluster, and the pairwise
 * evaluation on hand-counted cases (src/linkage/link_cluster.c).
 */
#include "testutil.h"

#include "linkage/link_cluster.h"

static void test_union_find(void **state)
{
	(void)state;
	struct lt_link_uf uf;
	assert_int_equal(lt_link_uf_init(&uf, 10), LT_OK);
	assert_int_equal(lt_link_uf_union(&uf, 1, 2), 1);
	assert_int_equal(lt_link_uf_union(&uf, 3, 4), 1);
	assert_int_equal(lt_link_uf_union(&uf, 2, 4), 1);
	assert_int_equal(lt_link_uf_union(&uf, 1, 3), 0);
	assert_int_equal(lt_link_uf_find(&uf, 1), lt_link_uf_find(&uf, 4));
	assert_int_not_equal(lt_link_uf_find(&uf, 1), lt_link_uf_find(&uf, 5));
	assert_int_equal(uf.size[lt_link_uf_find(&uf, 3)], 4);
	/* a long chain stays correct */
	for (uint32_t i = 5; i < 9; i++)
		lt_link_uf_union(&uf, i, i + 1);
	assert_int_equal(lt_link_uf_find(&uf, 5), lt_link_uf_find(&uf, 9));
	assert_int_equal(uf.size[lt_link_uf_find(&uf, 9)], 5);
	lt_link_uf_release(&uf);
}

static void test_components(void **state)
{
	(void)state;
	/* 0-1 strong, 1-2 strong, 3-4 below threshold, 5-6 strong */
	const struct lt_link_edge e[] = {
	    {0, 1, 0.99},
	    {1, 2, 0.95},
	    {3, 4, 0.5},
	    {6, 5, 0.91},
	};
	struct lt_link_cluster_opts o;
	lt_link_cluster_opts_default(&o);
	struct lt_link_clusters c;
	assert_int_equal(lt_link_cluster(e, 4, 8, &o, &c), LT_OK);
	const uint32_t want[] = {0, 0, 0, 1, 2, 3, 3, 4};
	assert_int_equal(c.ncluster, 5);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(c.cluster[i], want[i]);
	assert_int_equal(c.size[0], 3);
	assert_int_equal(c.edges[0], 2);
	assert_int_equal(c.size[3], 2);
	assert_int_equal(c.largest, 3);
	/* the path 0-1-2 has 2 of its 3 pairs: density 0.67 */
	assert_int_equal(c.flags[0], 0);
	assert_int_equal(c.nflagged, 0);
	lt_link_clusters_release(&c);

	o.size_max = 2;
	o.density_min = 0.7;
	assert_int_equal(lt_link_cluster(e, 4, 8, &o, &c), LT_OK);
	assert_int_equal(c.flags[0], LT_LINK_CLUSTER_BIG | LT_LINK_CLUSTER_LOOSE);
	assert_int_equal(c.nflagged, 1);
	lt_link_clusters_release(&c);

	const struct lt_link_edge bad[] = {{0, 9, 0.99}};
	assert_int_equal(lt_link_cluster(bad, 1, 8, &o, &c), LT_EINVAL);
	lt_link_clusters_release(&c);
}

static void test_split_two_triangles(void **state)
{
	(void)state;
	/* two strong triangles joined by one weak edge (p 0.95, odds 19):
	 * 7 edges of 15 pairs, density 0.47 */
	const struct lt_link_edge e[] = {
	    {0, 1, 0.999}, {1, 2, 0.999}, {0, 2, 0.999}, {3, 4, 0.999},
	    {4, 5, 0.999}, {3, 5, 0.999}, {2, 3, 0.95},
	};
	struct lt_link_cluster_opts o;
	lt_link_cluster_opts_default(&o);
	o.density_min = 0.5;
	struct lt_link_clusters c;
	assert_int_equal(lt_link_cluster(e, 7, 7, &o, &c), LT_OK);
	assert_int_equal(c.ncluster, 2);
	assert_int_equal(c.flags[0], LT_LINK_CLUSTER_LOOSE);
	lt_link_clusters_release(&c);

	o.split = 1; /* step 1 needs odds 9 x 4 = 36: the weak edge goes */
	assert_int_equal(lt_link_cluster(e, 7, 7, &o, &c), LT_OK);
	assert_int_equal(c.ncluster, 3);
	assert_int_equal(c.nsplit, 1);
	assert_int_equal(c.cluster[0], c.cluster[2]);
	assert_int_equal(c.cluster[3], c.cluster[5]);
	assert_int_not_equal(c.cluster[0], c.cluster[3]);
	assert_int_equal(c.cluster[6], 1); /* the singleton keeps its id */
	assert_int_equal(c.size[c.cluster[0]], 3);
	assert_int_equal(c.size[c.cluster[3]], 3);
	assert_int_equal(c.edges[c.cluster[3]], 3);
	assert_int_equal(c.flags[c.cluster[0]], LT_LINK_CLUSTER_SPLIT);
	assert_int_equal(c.flags[c.cluster[3]], LT_LINK_CLUSTER_SPLIT);
	lt_link_clusters_release(&c);
}

static void test_evaluation_by_hand(void **state)
{
	(void)state;
	/* truth A A A B B C: true pairs 3 + 1 = 4 */
	const uint32_t truth[] = {0, 0, 0, 1, 1, 2};
	const uint32_t source[] = {0, 0, 1, 0, 1, 0};
	const struct lt_link_edge e[] = {
	    {0, 1, 0.95},
	    {1, 2, 0.95},
	    {3, 4, 0.5},
	    {4, 5, 0.95},
	};
	struct lt_link_cluster_opts o;
	lt_link_cluster_opts_default(&o);
	struct lt_link_clusters c;
	assert_int_equal(lt_link_cluster(e, 4, 6, &o, &c), LT_OK);
	/* clusters {0,1,2} {3} {4,5} */
	struct lt_link_eval ev;
	assert_int_equal(
	    lt_link_evaluate(truth, source, 6, LT_LINK_BLOCK_ALL, e, 4, 0.9, c.cluster, &ev),
	    LT_OK);
	assert_int_equal(ev.true_pairs, 4);
	assert_int_equal(ev.before.tp, 2);
	assert_int_equal(ev.before.fp, 1);
	assert_int_equal(ev.before.fn, 2);
	assert_close(ev.before.precision, 2.0 / 3.0, 1e-12);
	assert_close(ev.before.recall, 0.5, 1e-12);
	assert_close(ev.before.f1, 2 * (2.0 / 3) * 0.5 / (2.0 / 3 + 0.5), 1e-12);
	/* after: predicted 3 + 1 = 4 pairs; TP: the 3 pairs of A; (4,5) is FP */
	assert_int_equal(ev.after.predicted, 4);
	assert_int_equal(ev.after.tp, 3);
	assert_int_equal(ev.after.fp, 1);
	assert_int_equal(ev.after.fn, 1);
	assert_close(ev.after.f1, 0.75, 1e-12);

	/* across sources only: true pairs (0,2) (1,2) (3,4) = 3; scored
	 * (1,2) TP and (4,5) FP count, (0,1) is within a source */
	assert_int_equal(
	    lt_link_evaluate(truth, source, 6, LT_LINK_BLOCK_ACROSS, e, 4, 0.9, c.cluster, &ev),
	    LT_OK);
	assert_int_equal(ev.true_pairs, 3);
	assert_int_equal(ev.before.tp, 1);
	assert_int_equal(ev.before.fp, 1);
	assert_int_equal(ev.before.fn, 2);
	/* clusters: {0,1,2} gives across pairs (0,2) (1,2), both true; {4,5}
	 * is across and false */
	assert_int_equal(ev.after.tp, 2);
	assert_int_equal(ev.after.fp, 1);
	assert_int_equal(ev.after.fn, 1);

	/* nothing predicted: ratios are 0, not NaN */
	assert_int_equal(
	    lt_link_evaluate(truth, source, 6, LT_LINK_BLOCK_ALL, e, 4, 0.999, c.cluster, &ev),
	    LT_OK);
	assert_int_equal(ev.before.predicted, 0);
	assert_close(ev.before.precision, 0.0, 0);
	assert_close(ev.before.f1, 0.0, 0);
	lt_link_clusters_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_union_find),
	    cmocka_unit_test(test_components),
	    cmocka_unit_test(test_split_two_triangles),
	    cmocka_unit_test(test_evaluation_by_hand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
