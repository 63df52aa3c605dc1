/*
 * test_cli_synth.c — `lantern synth` as a user runs it: the files it
 * writes, the same bytes for the same seed, other bytes for another, the
 * truth file against the data, the histories accepted by `lantern
 * estimate`, usage errors naming the option, and the documentation.
 */
#include "testutil.h"

#include "cli_run.h"

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_files_and_determinism(void **state)
{
	(void)state;
	char a[1100], b[1100], c[1100];
	snprintf(a, sizeof(a), "%s", test_tmp_path("a"));
	snprintf(b, sizeof(b), "%s", test_tmp_path("b"));
	snprintf(c, sizeof(c), "%s", test_tmp_path("c"));
	char ta[1200], tb[1200], ha[1200], hb[1200];
	snprintf(ta, sizeof(ta), "%s-truth.csv", a);
	snprintf(tb, sizeof(tb), "%s-truth.csv", b);
	snprintf(ha, sizeof(ha), "%s-hist.csv", a);
	snprintf(hb, sizeof(hb), "%s-hist.csv", b);
	struct run r =
	    RUN_EXPECT(0, "synth", "--people", "3000", "--seed", "9", "--out", a, "--truth", ta,
	               "--histories", ha, "--heterogeneity", "0.5", "--dependence", "police:nrm:3");
	assert_contains(r.err, "3000 people");
	assert_contains(r.err, "police");
	run_free(&r);
	r = RUN_EXPECT(0, "synth", "--people", "3000", "--seed", "9", "--out", b, "--truth", tb,
	               "--histories", hb, "--heterogeneity", "0.5", "--dependence", "police:nrm:3",
	               "--quiet");
	assert_string_equal(r.err, "");
	run_free(&r);
	r = RUN_EXPECT(0, "synth", "--people", "3000", "--seed", "10", "--out", c, "--quiet");
	run_free(&r);

	const char *lists[] = {"police", "council", "charity", "nrm", "health"};
	size_t records = 0;
	for (size_t i = 0; i < 5; i++) {
		char pa[1200], pb[1200], pc[1200];
		snprintf(pa, sizeof(pa), "%s/%s.csv", a, lists[i]);
		snprintf(pb, sizeof(pb), "%s/%s.csv", b, lists[i]);
		snprintf(pc, sizeof(pc), "%s/%s.csv", c, lists[i]);
		char *da = slurp(pa), *db = slurp(pb), *dc = slurp(pc);
		assert_true(
		    strncmp(da, "id,first_name,surname,sex,dob,nationality,city,postcode,email\n",
		            62) == 0);
		assert_string_equal(da, db);
		assert_true(strcmp(da, dc) != 0);
		records += count_lines(da) - 1;
		free(da);
		free(db);
		free(dc);
	}
	char *tra = slurp(ta), *trb = slurp(tb);
	assert_string_equal(tra, trb);
	assert_true(strncmp(tra, "list,id,person\n", 15) == 0);
	assert_int_equal(count_lines(tra) - 1, records);
	assert_contains(tra, "\npolice,police-1,");
	free(tra);
	free(trb);
	char *hia = slurp(ha), *hib = slurp(hb);
	assert_string_equal(hia, hib);
	assert_true(strncmp(hia, "police,council,charity,nrm,health,count\n", 40) == 0);
	free(hia);
	free(hib);

	/* The estimator reads the histories. */
	r = RUN_EXPECT(0, "estimate", ha, "--format", "json");
	assert_contains(r.out, "\"estimate\":");
	run_free(&r);
}

static void test_stdout_and_truth_column(void **state)
{
	(void)state;
	struct run r = RUN_EXPECT(0, "synth", "--people", "200", "--lists", "a:0.5,b:0.4",
	                          "--truth-column", "true_id", "--quiet");
	assert_true(strncmp(r.out,
	                    "list,id,first_name,surname,sex,dob,nationality,city,postcode,email,"
	                    "true_id\n",
	                    75) == 0);
	assert_contains(r.out, "\na,a-1,");
	assert_contains(r.out, "\nb,b-1,");
	assert_not_contains(r.out, "police");
	run_free(&r);
	/* --records: about that many records. */
	r = RUN_EXPECT(0, "synth", "--records", "5000");
	unsigned long long people = 0, records = 0;
	const char *sum = strstr(r.err, "lantern synth: ");
	assert_non_null(sum);
	assert_int_equal(
	    sscanf(sum, "lantern synth: %llu people, %*u on at least one list, %llu records",
	           &people, &records),
	    2);
	if (!(records > 4600 && records < 5400))
		fail_msg("--records 5000 gave %llu records", records);
	run_free(&r);
	/* Same again, byte for byte. */
	struct run r1 = RUN_EXPECT(0, "synth", "--people", "200", "--seed", "5", "--quiet");
	struct run r2 = RUN_EXPECT(0, "synth", "--people", "200", "--seed", "5", "--quiet");
	assert_string_equal(r1.out, r2.out);
	run_free(&r1);
	run_free(&r2);
}

static void test_usage_errors(void **state)
{
	(void)state;
	struct {
		const char *args[6];
		const char *says;
	} cases[] = {
	    {{"synth", "--people", "0"}, "--people: '0' is not a whole number from 1"},
	    {{"synth", "--people", "12x"}, "--people"},
	    {{"synth", "--lists", "police"}, "--lists: 'police' is not NAME:P"},
	    {{"synth", "--lists", "police:2,nrm:0.1"}, "between 0 and 1"},
	    {{"synth", "--dependence", "police:court:2"},
	     "--dependence: in 'police:court:2': unknown list 'court'"},
	    {{"synth", "--dependence", "police:nrm:2", "--dependence", "nrm:police:2"}, "cycle"},
	    {{"synth", "--heterogeneity", "9"}, "--heterogeneity: '9' is not a number from 0 to 5"},
	    {{"synth", "--duplicates", "0.9"}, "--duplicates"},
	    {{"synth", "--errors", "-1"}, "--errors"},
	    {{"synth", "--missing", "2"}, "--missing"},
	    {{"synth", "--seed", "-3"}, "--seed"},
	    {{"synth", "--truth-column", "surname"}, "already a column"},
	    {{"synth", "extra"}, "unexpected argument 'extra'"},
	    {{"synth", "--people", "10", "--records", "100"}, "not both"},
	    {{"synth", "--records", "999999999"}, "need more than 100000000 people"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r = run_lantern(cases[i].args);
		if (r.status != 2)
			fail_msg("case %zu: exit %d, stderr %s", i, r.status, r.err);
		assert_contains(r.err, cases[i].says);
		assert_string_equal(r.out, "");
		run_free(&r);
	}
	/* An output directory that cannot be made: exit 1, no files. */
	struct run r = RUN_EXPECT(1, "synth", "--people", "10", "--out", "/proc/no/such/dir");
	assert_contains(r.err, "--out");
	run_free(&r);
}

static void test_documented(void **state)
{
	(void)state;
	char *readme = slurp_source("README.md");
	assert_contains(readme, "### lantern synth");
	const char *opts[] = {"--people",     "--lists",      "--seed",         "--heterogeneity",
	                      "--dependence", "--duplicates", "--errors",       "--missing",
	                      "--out",        "--truth",      "--truth-column", "--histories"};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		assert_contains(readme, opts[i]);
	free(readme);
	char *doc = slurp_source("docs/linkage.md");
	assert_contains(doc, "## Synthetic data (lantern synth)");
	free(doc);
	struct run r = RUN_EXPECT(0, "synth", "--help");
	assert_contains(r.out, "--dependence FROM:TO:FACTOR");
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_files_and_determinism),
	    cmocka_unit_test(test_stdout_and_truth_column),
	    cmocka_unit_test(test_usage_errors),
	    cmocka_unit_test(test_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
