/*
 * test_cli.c — the `lantern` command, run as a user runs it.
 *
 * Each test spawns the real binary ($LANTERN_BIN) on a scratch database and
 * checks its exit code, stdout and stderr: init with the demo data, the
 * arrest statistics in every format, CSV import good and bad (all or
 * nothing), usage errors. The last tests check that the README documents
 * every subcommand and every CSV column the field tables define.
 */
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "cli_run.h"

#include "core/buf.h"
#include "core/record.h"

static char demo_db[1100];

/* A fresh demo database shared by the read-only tests. */
static int setup_demo(void **state)
{
	(void)state;
	snprintf(demo_db, sizeof(demo_db), "%s", test_tmp_path("demo.db"));
	struct run r = RUN("init", "--demo", "--db", demo_db);
	if (r.status != 0)
		fprintf(stderr, "init --demo failed: %s%s", r.out, r.err);
	int rc = r.status;
	run_free(&r);
	return rc;
}

static void test_help_and_usage(void **state)
{
	(void)state;
	struct run r = RUN("--help");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "init");
	assert_contains(r.out, "import");
	assert_contains(r.out, "stats");
	assert_contains(r.out, "serve");
	run_free(&r);

	r = RUN("frobnicate");
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "'frobnicate' is not a command");
	run_free(&r);

	const char *cmds[] = {"init", "import", "stats", "serve", "agency", "estimate"};
	for (size_t i = 0; i < 6; i++) {
		r = RUN(cmds[i], "--help");
		assert_int_equal(r.status, 0);
		assert_contains(r.out, "usage: lantern ");
		if (strcmp(cmds[i], "estimate") != 0) /* reads a file, not the database */
			assert_contains(r.out, "--db PATH");
		run_free(&r);
	}

	r = RUN("stats", "arrests", "--by", "month", "--db", demo_db);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "unknown value 'month'");
	run_free(&r);

	r = RUN("stats", "arrests", "--from", "2019", "--to", "2015", "--db", demo_db);
	assert_int_equal(r.status, 2);
	run_free(&r);

	r = RUN("stats", "arrests", "--from", "twenty", "--db", demo_db);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "is not a year");
	run_free(&r);

	r = RUN("import", "widgets", "x.csv", "--db", demo_db);
	assert_int_equal(r.status, 2);
	run_free(&r);
}

static void test_demo_yearly_csv(void **state)
{
	(void)state;
	struct run r = RUN("stats", "arrests", "--by", "year", "--format", "csv", "--db", demo_db);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "year,arrests\n2015,6\n2016,0\n2017,1\n2018,1\n2019,11\n");
	run_free(&r);

	/* LANTERN_DB is the default database. */
	setenv("LANTERN_DB", demo_db, 1);
	r = RUN("stats", "arrests", "--format", "csv");
	unsetenv("LANTERN_DB");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "year,arrests\n2015,6\n2016,0\n2017,1\n2018,1\n2019,11\n");
	run_free(&r);
}

static void test_demo_by_offence(void **state)
{
	(void)state;
	struct run r = RUN("stats", "arrests", "--by", "year,offence", "--from", "2019", "--format",
			   "csv", "--db", demo_db);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "year,offence,arrests\n"
				   "2019,kidnapping_false_imprisonment,6\n"
				   "2019,slavery_servitude,3\n"
				   "2019,forced_labour,1\n"
				   "2019,human_trafficking,1\n"
				   "2019,other_modern_slavery,0\n"
				   "2019,not_recorded,0\n");
	run_free(&r);

	r = RUN("stats", "arrests", "--by", "offence", "--format", "json", "--db", demo_db);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "\"by\":[\"offence\"]");
	assert_contains(r.out, "{\"offence\":\"not_recorded\",\"arrests\":8}");
	assert_contains(r.out, "\"total\":19");
	run_free(&r);
}

static void test_demo_table_change(void **state)
{
	(void)state;
	struct run r = RUN("stats", "arrests", "--db", demo_db);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "2016        0");
	assert_contains(r.out, "Change 2015 to 2019: 6 to 11 (+5, +83%)");
	run_free(&r);

	/* A range beyond the data shows its empty years as 0. */
	r = RUN("stats", "arrests", "--from", "2013", "--to", "2020", "--format", "csv", "--db", demo_db);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "year,arrests\n2013,0\n2014,0\n2015,6\n2016,0\n2017,1\n2018,1\n2019,11\n2020,0\n");
	run_free(&r);
}

static void test_init_demo_twice_refused(void **state)
{
	(void)state;
	struct run r = RUN("init", "--demo", "--db", demo_db);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "already holds data");
	run_free(&r);
}

static void test_import_arrests_all_or_nothing(void **state)
{
	(void)state;
	char db[1100], bad[1100], good[1100];
	snprintf(db, sizeof(db), "%s", test_tmp_path("import.db"));
	snprintf(bad, sizeof(bad), "%s", test_tmp_path("bad.csv"));
	snprintf(good, sizeof(good), "%s", test_tmp_path("good.csv"));
	struct run r = RUN("init", "--demo", "--db", db);
	assert_int_equal(r.status, 0);
	run_free(&r);

	write_file(bad, "date,offence,agency\n"
			"2020-03-01,forced_labour,herts_police\n"
			"2020-03-02,foo,herts_police\n"
			"2020-13-01,human_trafficking,herts_police\n"
			"2020-04-01,human_trafficking,no_such_agency\n");
	r = RUN("import", "arrests", bad, "--db", db);
	assert_int_equal(r.status, 1);
	char want[2048];
	snprintf(want, sizeof(want),
		 "%s:3: column 'offence': unknown value 'foo' (expected one of: "
		 "kidnapping_false_imprisonment, slavery_servitude, forced_labour, "
		 "human_trafficking, other_modern_slavery, not_recorded)\n",
		 bad);
	assert_contains(r.err, want);
	snprintf(want, sizeof(want), "%s:4: column 'date':", bad);
	assert_contains(r.err, want);
	snprintf(want, sizeof(want), "%s:5: column 'agency': unknown agency 'no_such_agency'", bad);
	assert_contains(r.err, want);
	assert_contains(r.err, "3 errors; nothing was imported");
	run_free(&r);

	/* Nothing from the bad file, not even its good first row. */
	r = RUN("stats", "arrests", "--from", "2020", "--to", "2020", "--format", "csv", "--db", db);
	assert_string_equal(r.out, "year,arrests\n2020,0\n");
	run_free(&r);

	write_file(good, "offence,date,agency,case\r\n"
			 "forced_labour,2020-03-01,herts_police,\r\n"
			 "\"human_trafficking\",2020-05,nca,\r\n");
	r = RUN("import", "arrests", good, "--db", db);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "imported 2 arrests");
	run_free(&r);
	r = RUN("stats", "arrests", "--from", "2020", "--by", "year,offence", "--format", "csv", "--db", db);
	assert_contains(r.out, "2020,forced_labour,1\n2020,human_trafficking,1\n");
	run_free(&r);

	/* A missing file is a failure, not a crash. */
	r = RUN("import", "arrests", "/nonexistent/x.csv", "--db", db);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "cannot open /nonexistent/x.csv");
	run_free(&r);
}

static void test_import_reports(void **state)
{
	(void)state;
	char db[1100], f[1100];
	snprintf(db, sizeof(db), "%s", test_tmp_path("reports.db"));
	snprintf(f, sizeof(f), "%s", test_tmp_path("reports.csv"));
	struct run r = RUN("init", "--demo", "--db", db);
	assert_int_equal(r.status, 0);
	run_free(&r);

	write_file(f, "received,source,agency,forms,place,district,country,occurred,anonymous,description\n"
		      "2020-01-10,public,,labour_exploitation;forced_criminality,local,watford,,2019,true,\"Men at a car wash, \"\"never paid\"\"\"\n"
		      "2020-01-11,partner,herts_cc,sexual_exploitation,abroad,,AL,,false,\"two\nlines\"\n");
	r = RUN("import", "reports", f, "--db", db);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "imported 2 reports");
	run_free(&r);

	write_file(f, "received,source,forms,place,district\n"
		      "2020-01-10,public,labour_exploitation,local,\n"
		      "2020-01-10,public,slavery,abroad,\n");
	r = RUN("import", "reports", f, "--db", db);
	assert_int_equal(r.status, 1);
	char want[1200];
	snprintf(want, sizeof(want), "%s:2: column 'district': is required when place is local", f);
	assert_contains(r.err, want);
	snprintf(want, sizeof(want), "%s:3: column 'forms': unknown value 'slavery'", f);
	assert_contains(r.err, want);
	run_free(&r);

	write_file(f, "received,source,forms,plaice\n2020-01-10,public,unknown,local\n");
	r = RUN("import", "reports", f, "--db", db);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "column 'plaice': unknown column");
	assert_contains(r.err, "column 'place': is a required column and is missing");
	run_free(&r);
}

/* `lantern estimate` on the UK 2013 lists: the Home Office's 11,313 by
 * stepwise selection, the same fields in JSON, and bad input named by line
 * and column. */
static void test_estimate(void **state)
{
	(void)state;
	char uk[1100], bad[1100];
	const char *shared = getenv("LANTERN_SHARED");
	assert_non_null(shared);
	snprintf(uk, sizeof(uk), "%s/data/mse/UKdat_5.csv", shared);

	struct run r = RUN("estimate", uk);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "Observed cases             2744 on 5 lists (LA, NG, PFNCA, GO, GP)");
	assert_contains(r.out, "Estimated population       11313\n");
	assert_contains(r.out, "Unreported (hidden)        8569 (75.7% of the estimate)");
	assert_contains(r.out, "sparse overlaps");
	run_free(&r);

	r = RUN("estimate", uk, "--format", "json", "--ci", "profile");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "\"observed\":2744,\"method\":\"stepwise\",\"model\":\"LA:NG,NG:GP,PFNCA:GP,LA:PFNCA,GO:GP,NG:GO\"");
	assert_contains(r.out, "\"interval\":{\"method\":\"profile\",\"level\":0.95");
	run_free(&r);

	r = RUN("estimate", uk, "--model", "LA:NG,NG:GP", "--format", "json");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "\"method\":\"fixed\",\"model\":\"LA:NG,NG:GP\"");
	run_free(&r);

	snprintf(bad, sizeof(bad), "%s", test_tmp_path("bad_histories.csv"));
	write_file(bad, "A,B,count\n1,0,5\n1,2,3\n");
	r = RUN("estimate", bad);
	assert_int_equal(r.status, 1);
	char want[1200];
	snprintf(want, sizeof(want), "%s:3: column 'B':", bad);
	assert_contains(r.err, want);
	run_free(&r);

	r = RUN("estimate", uk, "--method", "guess");
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "--method: the method must be stepwise, aic, bic, average, fixed or main");
	run_free(&r);

	r = RUN("estimate", uk, "--method", "fixed");
	assert_int_equal(r.status, 2);
	run_free(&r);

	r = RUN("estimate", uk, "--model", "LA:XX");
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "XX");
	run_free(&r);

	/* The average's interval is its own, and so named. */
	r = RUN("estimate", uk, "--method", "average");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "\n95% interval (model average) 10597 to 36055\n");
	run_free(&r);
	r = RUN("estimate", uk, "--method", "average", "--ci", "profile");
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "belongs to one model");
	run_free(&r);

	/* The bic bootstrap searches the data's best --boot-top models. */
	r = RUN("estimate", uk, "--method", "bic", "--ci", "bca", "--nboot", "20", "--boot-top", "5",
	        "--format", "json");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "\"models_searched\":5,");
	run_free(&r);
	r = RUN("estimate", uk, "--boot-top", "0");
	assert_int_equal(r.status, 2);
	run_free(&r);
}

/* `lantern estimate --from-links`: records of synthetic lists linked, the
 * histories written and read back by `lantern estimate`, lists from a
 * column, the linkage bootstrap, and errors naming what is wrong. */
static void test_estimate_from_links(void **state)
{
	(void)state;
	char dir[1100], a[1200], b[1200], c[1200], hist[1200], all[1200], truth[1200];
	snprintf(dir, sizeof(dir), "%s", test_tmp_path("links"));
	snprintf(a, sizeof(a), "%s/a.csv", dir);
	snprintf(b, sizeof(b), "%s/b.csv", dir);
	snprintf(c, sizeof(c), "%s/c.csv", dir);
	snprintf(hist, sizeof(hist), "%s-hist.csv", dir);
	snprintf(all, sizeof(all), "%s-all.csv", dir);
	snprintf(truth, sizeof(truth), "%s-truth.csv", dir);
	struct run r = RUN_EXPECT(0, "synth", "--people", "600", "--seed", "3", "--lists",
				  "a:0.4,b:0.35,c:0.3", "--out", dir, "--histories", truth, "--quiet");
	run_free(&r);

	r = RUN_EXPECT(0, "estimate", "--from-links", a, b, c, "--histories", hist);
	assert_contains(r.out, "on 3 lists (a, b, c)");
	assert_contains(r.out, "Linkage: ");
	assert_contains(r.out, "--linkage-draws N carries their uncertainty");
	assert_contains(r.err, "records on 3 lists (a, b, c)");
	char *h = slurp(hist);
	assert_true(strncmp(h, "a,b,c,count\n", 12) == 0);
	free(h);
	/* lantern link --histories writes the same table from its own clusters */
	char hist2[1200];
	snprintf(hist2, sizeof(hist2), "%s-hist2.csv", dir);
	struct run r2 = RUN_EXPECT(0, "link", a, b, c, "--histories", hist2);
	run_free(&r2);
	char *h1 = slurp(hist), *h2 = slurp(hist2);
	assert_string_equal(h1, h2);
	free(h1);
	free(h2);
	r2 = RUN_EXPECT(1, "link", a, "--histories", hist2);
	assert_contains(r2.err, "--histories: an estimate needs 2 to 16 lists; the records are on 1");
	run_free(&r2);
	/* the histories file gives the same estimate through lantern estimate */
	const char *line = strstr(r.out, "Estimated population");
	assert_non_null(line);
	char want[64];
	snprintf(want, sizeof(want), "%.*s", (int)(strchr(line, '\n') - line), line);
	run_free(&r);
	r = RUN_EXPECT(0, "estimate", hist);
	assert_contains(r.out, want);
	run_free(&r);

	/* the linkage bootstrap, as JSON */
	r = RUN_EXPECT(0, "estimate", "--from-links", a, b, c, "--linkage-draws", "20", "--format",
		       "json");
	assert_true(strncmp(r.out, "{\"estimate\": {", 14) == 0);
	assert_contains(r.out, "}, \"linkage\": {\"records\": ");
	assert_contains(r.out, "\"draws\": 20, \"draws_failed\": ");
	assert_contains(r.out, "\"lower\": ");
	run_free(&r);
	r = RUN_EXPECT(0, "estimate", "--from-links", a, b, c, "--linkage-draws", "20",
		       "--linkage-mode", "threshold");
	assert_contains(r.out, "Linkage bootstrap (threshold drawn): 95% interval ");
	run_free(&r);

	/* lists from a column of one file */
	r = RUN_EXPECT(0, "synth", "--people", "300", "--seed", "4", "--lists", "x:0.5,y:0.4",
		       "--quiet");
	write_file(all, r.out);
	run_free(&r);
	r = RUN_EXPECT(0, "estimate", "--from-links", all, "--lists", "list");
	assert_contains(r.out, "on 2 lists (x, y)");
	run_free(&r);

	/* errors */
	r = RUN_EXPECT(1, "estimate", "--from-links", all);
	assert_contains(r.err, "one list");
	run_free(&r);
	r = RUN_EXPECT(1, "estimate", "--from-links", a, b, "--lists", "agency");
	assert_contains(r.err, "no column 'agency' (--lists)");
	run_free(&r);
	r = RUN_EXPECT(2, "estimate", truth, "--linkage-draws", "20");
	assert_contains(r.err, "go with --from-links");
	run_free(&r);
	r = RUN_EXPECT(2, "estimate", "--from-links", a, b, "--linkage-draws", "5");
	assert_contains(r.err, "--linkage-draws");
	run_free(&r);
	r = RUN_EXPECT(2, "estimate", "--from-links");
	assert_contains(r.err, "name one or more CSV files");
	run_free(&r);
	r = RUN_EXPECT(1, "estimate", "--from-links", a, truth);
	assert_contains(r.err, "-truth.csv:1: no column is a field lantern link knows");
	run_free(&r);
}

/* The README documents every subcommand and every CSV column. */
static void test_readme_documents_everything(void **state)
{
	(void)state;
	char *readme = slurp_source("README.md");
	assert_true(strlen(readme) > 0);
	const char *cmds[] = {"lantern init", "lantern import", "lantern stats arrests",
			      "lantern serve", "lantern agency list", "lantern estimate"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		assert_contains(readme, cmds[i]);
	char col[128];
	for (size_t i = 0; i < lt_report_field_count; i++) {
		snprintf(col, sizeof(col), "| `%s` |", lt_report_fields[i].name);
		assert_contains(readme, col);
	}
	for (size_t i = 0; i < lt_arrest_field_count; i++) {
		snprintf(col, sizeof(col), "| `%s` |", lt_arrest_fields[i].name);
		assert_contains(readme, col);
	}
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_usage),
		cmocka_unit_test(test_estimate_from_links),
		cmocka_unit_test(test_demo_yearly_csv),
		cmocka_unit_test(test_demo_by_offence),
		cmocka_unit_test(test_demo_table_change),
		cmocka_unit_test(test_init_demo_twice_refused),
		cmocka_unit_test(test_import_arrests_all_or_nothing),
		cmocka_unit_test(test_import_reports),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_readme_documents_everything),
	};
	return cmocka_run_group_tests(tests, setup_demo, NULL);
}
