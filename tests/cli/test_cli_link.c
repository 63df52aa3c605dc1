/*
 * test_cli_link.c — `lantern link` run as a user runs it: the shape of its
 * CSV and JSON output, --explain, --evaluate, its errors (each naming
 * FILE:LINE:COLUMN), and its accuracy on the benchmarks with ground truth
 * in ../shared/data/linkage (FEBRL 3, FEBRL 4 without soc_sec_id,
 * fake_1000), asserting the targets of issue 5.
 */
#include "testutil.h"

#include "cli_run.h"
#include "linkage/link_run.h"

/* A small file: three people written twice or three times, and two alone. */
static const char *small_csv = "id,given_name,surname,date_of_birth,city,person\n"
                               "a1,Anna,Smith,1990-01-02,London,p1\n"
                               "a2,Ana,Smith,1990-01-02,London,p1\n"
                               "a3,Anna,Smyth,1990-02-01,London,p1\n"
                               "b1,Robert,Jones,1985-05-06,Leeds,p2\n"
                               "b2,Robert,Jones,1985-05-06,,p2\n"
                               "c1,Maria,Garcia,1970-11-30,York,p3\n"
                               "c2,María,García,1970-11-30,York,p3\n"
                               "d1,Tom,Brown,2001-07-07,Bath,p4\n"
                               "e1,Lucy,Green,1999-03-03,Hull,p5\n";

static const char *write_small(void)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s", test_tmp_path("small.csv"));
	write_file(path, small_csv);
	return path;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

static void test_link_csv_output(void **state)
{
	(void)state;
	const char *f = write_small();
	struct run r = RUN_EXPECT(0, "link", f);
	/* a header and one line per record, in input order */
	assert_int_equal(count_lines(r.out), 10);
	assert_true(strncmp(r.out, "file,id,cluster\n", 16) == 0);
	char want[1200];
	snprintf(want, sizeof(want), "%s,a1,", f);
	assert_contains(r.out, want);
	snprintf(want, sizeof(want), "%s,e1,", f);
	assert_contains(r.out, want);
	/* notes on stderr: rules and pair counts */
	assert_contains(r.err, "blocking rule 1");
	assert_contains(r.err, "not found by an earlier rule");
	assert_contains(r.err, "pairs scored");
	/* the exact duplicates b1/b2 share a cluster; d1 and e1 are apart */
	char line[8][64];
	const char *ids[] = {"a1", "b1", "b2", "d1", "e1"};
	unsigned cl[5];
	for (int i = 0; i < 5; i++) {
		snprintf(line[i], sizeof(line[i]), ",%s,", ids[i]);
		const char *at = strstr(r.out, line[i]);
		assert_non_null(at);
		assert_int_equal(sscanf(at + strlen(line[i]), "%u", &cl[i]), 1);
	}
	assert_int_equal(cl[1], cl[2]);
	assert_int_not_equal(cl[3], cl[4]);
	assert_int_not_equal(cl[0], cl[3]);
	run_free(&r);
}

static void test_link_json_and_explain(void **state)
{
	(void)state;
	const char *f = write_small();
	struct run r = RUN_EXPECT(0, "link", f, "--format", "json");
	assert_contains(r.out, "\"records\": [");
	assert_contains(r.out, "\"id\": \"c2\"");
	assert_contains(r.out, "\"cluster\": ");
	run_free(&r);

	r = RUN_EXPECT(0, "link", f, "--explain", "a1", "a2");
	assert_contains(r.out, "prior");
	assert_contains(r.out, "first_name");
	assert_contains(r.out, "match weight");
	assert_contains(r.out, "compared: blocking rule 1 '*' found the pair");
	run_free(&r);
	r = RUN_EXPECT(0, "link", f, "--explain", "a1", "e1", "--blocking", "surname");
	assert_contains(r.out, "not compared: no blocking rule covers this pair");
	run_free(&r);

	r = RUN_EXPECT(1, "link", f, "--explain", "a1", "zz");
	assert_contains(r.err, "no record has the id 'zz'");
	run_free(&r);
	r = RUN_EXPECT(2, "link", f, "--explain", "a1");
	assert_contains(r.err, "two ids");
	run_free(&r);
}

static void test_link_evaluate(void **state)
{
	(void)state;
	const char *f = write_small();
	struct run r = RUN_EXPECT(0, "link", f, "--evaluate", "person");
	/* p1: 3 pairs, p2 and p3: 1 each */
	assert_contains(r.out, "true pairs: 5");
	assert_contains(r.out, "before clustering");
	assert_contains(r.out, "after clustering");
	run_free(&r);
	r = RUN_EXPECT(0, "link", f, "--evaluate", "person", "--format", "json");
	assert_contains(r.out, "\"true_pairs\": 5");
	assert_contains(r.out, "\"after_clustering\": {");
	run_free(&r);
}

/* A model saved by --save-model, given back with --settings, links the
 * same way; a bad one is refused naming the file and the member. */
static void test_link_settings(void **state)
{
	(void)state;
	const char *f = write_small();
	char model[1100];
	snprintf(model, sizeof(model), "%s", test_tmp_path("model.json"));
	struct run a = RUN_EXPECT(0, "link", f, "--save-model", model);
	char *json = slurp(model);
	assert_contains(json, "\"comparisons\"");
	free(json);
	struct run b = RUN_EXPECT(0, "link", f, "--settings", model);
	assert_string_equal(a.out, b.out);
	assert_not_contains(b.err, "EM on");
	run_free(&a);
	run_free(&b);
	const char *bad = test_tmp_path("bad.json");
	write_file(bad, "{\"format\": \"lantern-link-model\"}");
	struct run r = RUN_EXPECT(1, "link", f, "--settings", bad);
	assert_contains(r.err, bad);
	assert_contains(r.err, "probability_two_random_records_match");
	run_free(&r);
	write_file(bad, "{\"format\": ");
	r = RUN_EXPECT(1, "link", f, "--settings", bad);
	assert_contains(r.err, "not valid JSON");
	run_free(&r);
}

static void test_link_errors(void **state)
{
	(void)state;
	const char *bad = test_tmp_path("bad.csv");
	write_file(bad, "id,first_name,surname\n1,Ann,Lee\n2,Bob\n2,Cy,Dee\n");
	struct run r = RUN_EXPECT(1, "link", bad);
	char want[1200];
	snprintf(want, sizeof(want), "%s:3:3: the row has 2 fields, the header 3", bad);
	assert_contains(r.err, want);
	assert_contains(r.err, "nothing was linked");
	assert_int_equal(r.out[0], '\0');
	run_free(&r);

	write_file(bad, "id,first_name,surname\n1,Ann,Lee\n1,Bob,Dee\n");
	r = RUN_EXPECT(1, "link", bad);
	snprintf(want, sizeof(want), "%s:3:1: the id '1' is already on line 2", bad);
	assert_contains(r.err, want);
	run_free(&r);

	write_file(bad, "id,first_name,surname\n1,Ann,L\xff\n2,Bob,Dee\n");
	r = RUN_EXPECT(1, "link", bad);
	snprintf(want, sizeof(want), "%s:2:3: column 'surname': not valid UTF-8", bad);
	assert_contains(r.err, want);
	run_free(&r);

	write_file(bad, "colour,shape\nred,round\n");
	r = RUN_EXPECT(1, "link", bad);
	assert_contains(r.err, "no column of");
	run_free(&r);

	const char *f = write_small();
	r = RUN_EXPECT(1, "link", f, "--id", "nope");
	assert_contains(r.err, "no column 'nope' (--id)");
	run_free(&r);
	r = RUN_EXPECT(2, "link", f, "--threshold", "1.5");
	assert_contains(r.err, "--threshold");
	run_free(&r);
	r = RUN_EXPECT(2, "link", f, "--blocking", "colour");
	assert_contains(r.err, "no field 'colour'");
	run_free(&r);
	r = RUN_EXPECT(1, "link", "/nonexistent/x.csv");
	assert_contains(r.err, "/nonexistent/x.csv");
	run_free(&r);
	r = RUN_EXPECT(2, "link");
	run_free(&r);
}

/* README documents the command and every option its --help lists;
 * docs/linkage.md every column name the alias table knows. */
static void test_link_documented(void **state)
{
	(void)state;
	char *readme = slurp_source("README.md");
	char *doc = slurp_source("docs/linkage.md");
	assert_contains(readme, "### lantern link");
	struct run r = RUN_EXPECT(0, "link", "--help");
	size_t nopt = 0;
	for (const char *p = r.out; (p = strstr(p, "\n  --")) != NULL; p++) {
		char opt[64] = "`";
		size_t n = 1;
		for (const char *q = p + 3; *q && *q != ' ' && *q != '\n' && n < sizeof(opt) - 1;
		     q++)
			opt[n++] = *q;
		opt[n] = '\0';
		if (strcmp(opt, "`--help") == 0)
			continue;
		assert_contains(readme, opt);
		nopt++;
	}
	assert_true(nopt >= 10);
	run_free(&r);
	r = RUN_EXPECT(0, "--help");
	assert_contains(r.out, "link");
	run_free(&r);
	for (size_t i = 0; i < lt_link_field_alias_count; i++) {
		char col[80];
		snprintf(col, sizeof(col), "`%s`", lt_link_field_aliases[i].column);
		assert_contains(doc, col);
	}
	free(readme);
	free(doc);
}

/* ---- accuracy on the benchmarks ------------------------------------------ */

static double f1_after(const char *json)
{
	const char *at = strstr(json, "\"after_clustering\"");
	if (!at)
		return -1;
	at = strstr(at, "\"f1\": ");
	return at ? strtod(at + 6, NULL) : -1;
}

static const char *shared(const char *rel)
{
	static char path[4][2048];
	static int i;
	const char *s = getenv("LANTERN_SHARED");
	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/data/linkage/%s", s ? s : "../shared", rel);
	return path[i];
}

/* FEBRL 4a and 4b without the soc_sec_id column (the task: link on names,
 * address and date of birth only). */
static const char *without_ssid(const char *src, const char *name)
{
	char *text = slurp(src);
	assert_true(text[0] != '\0');
	size_t len = strlen(text);
	char *out = malloc(len + 1);
	size_t o = 0;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		/* soc_sec_id is the last column: cut from the last comma */
		size_t cut = n;
		while (cut > 0 && p[cut - 1] != ',')
			cut--;
		if (cut > 0)
			cut--;
		memcpy(out + o, p, cut);
		o += cut;
		out[o++] = '\n';
		p += n + (eol ? 1 : 0);
	}
	out[o] = '\0';
	const char *path = test_tmp_path(name);
	write_file(path, out);
	free(out);
	free(text);
	return path;
}

static void test_accuracy_febrl3(void **state)
{
	(void)state;
	struct run r = RUN_EXPECT(0, "link", shared("febrl/dataset3.csv"), "--evaluate", "rec_id",
	                          "--format", "json");
	double f1 = f1_after(r.out);
	print_message("FEBRL 3: %s", r.out);
	if (!(f1 >= 0.99))
		fail_msg("FEBRL 3 pairwise F1 after clustering %.4f, want >= 0.99", f1);
	run_free(&r);
}

static void test_accuracy_febrl4(void **state)
{
	(void)state;
	static char a[2048], b[2048];
	snprintf(a, sizeof(a), "%s", without_ssid(shared("febrl/dataset4a.csv"), "4a.csv"));
	snprintf(b, sizeof(b), "%s", without_ssid(shared("febrl/dataset4b.csv"), "4b.csv"));
	struct run r = RUN_EXPECT(0, "link", a, b, "--mode", "across", "--evaluate", "rec_id",
	                          "--format", "json");
	double f1 = f1_after(r.out);
	print_message("FEBRL 4: %s", r.out);
	if (!(f1 >= 0.99))
		fail_msg("FEBRL 4 pairwise F1 after clustering %.4f, want >= 0.99", f1);
	run_free(&r);
}

static void test_accuracy_fake_1000(void **state)
{
	(void)state;
	struct run r = RUN_EXPECT(0, "link", shared("splink_datasets/fake_1000.csv"), "--evaluate",
	                          "cluster", "--format", "json");
	double f1 = f1_after(r.out);
	print_message("fake_1000: %s", r.out);
	if (!(f1 >= 0.92))
		fail_msg("fake_1000 pairwise F1 after clustering %.4f, want >= 0.92", f1);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_link_csv_output),    cmocka_unit_test(test_link_json_and_explain),
	    cmocka_unit_test(test_link_evaluate),      cmocka_unit_test(test_link_settings),
	    cmocka_unit_test(test_link_errors),        cmocka_unit_test(test_link_documented),
	    cmocka_unit_test(test_accuracy_febrl3),    cmocka_unit_test(test_accuracy_febrl4),
	    cmocka_unit_test(test_accuracy_fake_1000),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
