/*
 * test_stats.c — unit tests of src/stats/stats.{h,c}: the arrests table.
 *
 * The counts fed in are those the store gives for the demo data (the
 * published Hertfordshire figures), so the expected outputs below are the
 * ones the README shows and the issue requires: a 2016 row with 0, every
 * offence present when grouping by offence, CSV headers exactly
 * `year,arrests` and `year,offence,arrests`.
 */
#include "testutil.h"

#include "stats/stats.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The store's grouped counts for the demo arrests, in no particular order. */
static const struct store_arrest_count demo[] = {
    {2019, LT_OFFENCE_HUMAN_TRAFFICKING, 1}, {2015, LT_OFFENCE_NOT_RECORDED, 6},
    {2017, LT_OFFENCE_NOT_RECORDED, 1},      {2019, LT_OFFENCE_KIDNAPPING_FALSE_IMPRISONMENT, 6},
    {2018, LT_OFFENCE_NOT_RECORDED, 1},      {2019, LT_OFFENCE_SLAVERY_SERVITUDE, 3},
    {2019, LT_OFFENCE_FORCED_LABOUR, 1},
};

/* Build and format; returns the text (caller frees) or fails the test. */
static char *run(const struct store_arrest_count *c, size_t n, unsigned by, int from, int to,
                 enum stats_format fmt)
{
	struct stats_table t;
	struct lt_error err;
	struct lt_buf out;
	lt_error_clear(&err);
	lt_status st = stats_arrests(c, n, by, from, to, &t, &err);
	if (st != LT_OK)
		fail_msg("stats_arrests(by %u, %d..%d): %s: %s", by, from, to, lt_status_name(st),
		         err.message);
	lt_buf_init(&out, 1u << 20);
	st = stats_format(&t, fmt, &out);
	if (st != LT_OK)
		fail_msg("stats_format: %s", lt_status_name(st));
	stats_table_release(&t);
	char *s = lt_buf_detach(&out, NULL);
	return s ? s : strdup("");
}

struct out_case {
	const char *name;
	unsigned by;
	int from, to;
	enum stats_format fmt;
	const char *want;
};

static const struct out_case csv_cases[] = {
    {"by year, zero year filled", STATS_BY_YEAR, 0, 0, STATS_FORMAT_CSV,
     "year,arrests\n2015,6\n2016,0\n2017,1\n2018,1\n2019,11\n"},
    {"by year, range beyond the data", STATS_BY_YEAR, 2013, 2021, STATS_FORMAT_CSV,
     "year,arrests\n2013,0\n2014,0\n2015,6\n2016,0\n2017,1\n2018,1\n2019,11\n2020,0\n2021,0\n"},
    {"by year, inside the data", STATS_BY_YEAR, 2016, 2018, STATS_FORMAT_CSV,
     "year,arrests\n2016,0\n2017,1\n2018,1\n"},
    {"by year, from only", STATS_BY_YEAR, 2018, 0, STATS_FORMAT_CSV,
     "year,arrests\n2018,1\n2019,11\n"},
    {"by year, to only", STATS_BY_YEAR, 0, 2016, STATS_FORMAT_CSV,
     "year,arrests\n2015,6\n2016,0\n"},
    {"by year, a single empty year", STATS_BY_YEAR, 2016, 2016, STATS_FORMAT_CSV,
     "year,arrests\n2016,0\n"},
    {"by year, from after the data", STATS_BY_YEAR, 2021, 0, STATS_FORMAT_CSV,
     "year,arrests\n2021,0\n"},
    {"by year, to before the data", STATS_BY_YEAR, 0, 2010, STATS_FORMAT_CSV,
     "year,arrests\n2010,0\n"},
    {"by offence, all six", STATS_BY_OFFENCE, 0, 0, STATS_FORMAT_CSV,
     "offence,arrests\n"
     "kidnapping_false_imprisonment,6\nslavery_servitude,3\nforced_labour,1\n"
     "human_trafficking,1\nother_modern_slavery,0\nnot_recorded,8\n"},
    {"by offence, 2019 only", STATS_BY_OFFENCE, 2019, 2019, STATS_FORMAT_CSV,
     "offence,arrests\n"
     "kidnapping_false_imprisonment,6\nslavery_servitude,3\nforced_labour,1\n"
     "human_trafficking,1\nother_modern_slavery,0\nnot_recorded,0\n"},
    {"by year and offence, 2019 (the README's example)", STATS_BY_YEAR | STATS_BY_OFFENCE, 2019, 0,
     STATS_FORMAT_CSV,
     "year,offence,arrests\n"
     "2019,kidnapping_false_imprisonment,6\n2019,slavery_servitude,3\n2019,forced_labour,1\n"
     "2019,human_trafficking,1\n2019,other_modern_slavery,0\n2019,not_recorded,0\n"},
    {"by year and offence, a grid with the zero year", STATS_BY_YEAR | STATS_BY_OFFENCE, 2015, 2016,
     STATS_FORMAT_CSV,
     "year,offence,arrests\n"
     "2015,kidnapping_false_imprisonment,0\n2015,slavery_servitude,0\n2015,forced_labour,0\n"
     "2015,human_trafficking,0\n2015,other_modern_slavery,0\n2015,not_recorded,6\n"
     "2016,kidnapping_false_imprisonment,0\n2016,slavery_servitude,0\n2016,forced_labour,0\n"
     "2016,human_trafficking,0\n2016,other_modern_slavery,0\n2016,not_recorded,0\n"},
    {"JSON by year", STATS_BY_YEAR, 2017, 2019, STATS_FORMAT_JSON,
     "{\"by\":[\"year\"],\"from\":2017,\"to\":2019,\"total\":13,\"rows\":["
     "{\"year\":2017,\"arrests\":1},{\"year\":2018,\"arrests\":1},{\"year\":2019,\"arrests\":11}]}"
     "\n"},
    {"JSON by offence", STATS_BY_OFFENCE, 2018, 2018, STATS_FORMAT_JSON,
     "{\"by\":[\"offence\"],\"from\":2018,\"to\":2018,\"total\":1,\"rows\":["
     "{\"offence\":\"kidnapping_false_imprisonment\",\"arrests\":0},"
     "{\"offence\":\"slavery_servitude\",\"arrests\":0},"
     "{\"offence\":\"forced_labour\",\"arrests\":0},"
     "{\"offence\":\"human_trafficking\",\"arrests\":0},"
     "{\"offence\":\"other_modern_slavery\",\"arrests\":0},"
     "{\"offence\":\"not_recorded\",\"arrests\":1}]}\n"},
    {"JSON by year and offence", STATS_BY_YEAR | STATS_BY_OFFENCE, 2017, 2017, STATS_FORMAT_JSON,
     "{\"by\":[\"year\",\"offence\"],\"from\":2017,\"to\":2017,\"total\":1,\"rows\":["
     "{\"year\":2017,\"offence\":\"kidnapping_false_imprisonment\",\"arrests\":0},"
     "{\"year\":2017,\"offence\":\"slavery_servitude\",\"arrests\":0},"
     "{\"year\":2017,\"offence\":\"forced_labour\",\"arrests\":0},"
     "{\"year\":2017,\"offence\":\"human_trafficking\",\"arrests\":0},"
     "{\"year\":2017,\"offence\":\"other_modern_slavery\",\"arrests\":0},"
     "{\"year\":2017,\"offence\":\"not_recorded\",\"arrests\":1}]}\n"},
    /* The README's table for the demo database. */
    {"table by year", STATS_BY_YEAR, 0, 0, STATS_FORMAT_TABLE,
     "Year  Arrests\n"
     "2015        6\n"
     "2016        0\n"
     "2017        1\n"
     "2018        1\n"
     "2019       11\n"
     "Total 2015-2019: 19\n"
     "Change 2015 to 2019: 6 to 11 (+5, +83%)\n"
     "Counts under 10 change a lot by chance from year to year: read the change with care.\n"},
    {"table, change from a zero year has no percentage", STATS_BY_YEAR, 2016, 2017,
     STATS_FORMAT_TABLE,
     "Year  Arrests\n"
     "2016        0\n"
     "2017        1\n"
     "Total 2016-2017: 1\n"
     "Change 2016 to 2017: 0 to 1 (+1)\n"
     "Counts under 10 change a lot by chance from year to year: read the change with care.\n"},
    {"table, a fall", STATS_BY_YEAR, 2015, 2016, STATS_FORMAT_TABLE,
     "Year  Arrests\n"
     "2015        6\n"
     "2016        0\n"
     "Total 2015-2016: 6\n"
     "Change 2015 to 2016: 6 to 0 (-6, -100%)\n"
     "Counts under 10 change a lot by chance from year to year: read the change with care.\n"},
    {"table, one year has no change line", STATS_BY_YEAR, 2019, 2019, STATS_FORMAT_TABLE,
     "Year  Arrests\n"
     "2019       11\n"
     "Total 2019-2019: 11\n"},
};

static void test_outputs(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < N(csv_cases); i++) {
		const struct out_case *c = &csv_cases[i];
		struct stats_table t;
		struct lt_error err;
		lt_error_clear(&err);
		lt_status st = stats_arrests(demo, N(demo), c->by, c->from, c->to, &t, &err);
		if (st != LT_OK) {
			print_error("%s: stats_arrests: %s: %s\n", c->name, lt_status_name(st),
			            err.message);
			failures++;
			continue;
		}
		struct lt_buf out;
		lt_buf_init(&out, 1u << 20);
		st = stats_format(&t, c->fmt, &out);
		if (st != LT_OK || strcmp(lt_buf_str(&out), c->want) != 0) {
			print_error("%s:\n--- got (%s)\n%s--- want\n%s---\n", c->name,
			            lt_status_name(st), lt_buf_str(&out), c->want);
			failures++;
		}
		lt_buf_release(&out);
		stats_table_release(&t);
	}
	assert_int_equal(failures, 0);
}

/* The grouped table by offence shows every offence with its label and the
 * change line covers the whole range. */
static void test_table_by_offence(void **state)
{
	(void)state;
	char *s = run(demo, N(demo), STATS_BY_YEAR | STATS_BY_OFFENCE, 0, 0, STATS_FORMAT_TABLE);
	assert_contains(s, "Year  Offence");
	for (size_t o = 0; o < lt_vocab_offence.count; o++)
		assert_contains(s, lt_vocab_offence.terms[o].label);
	assert_contains(s, "Total 2015-2019: 19\n");
	assert_contains(s, "Change 2015 to 2019: 6 to 11 (+5, +83%)\n");
	/* 5 years x 6 offences, a header, a total, a change and a caution line. */
	size_t lines = 0;
	for (const char *p = s; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + 30 + 3);
	free(s);
}

static void test_table_fields(void **state)
{
	(void)state;
	struct stats_table t;
	struct lt_error err;
	assert_int_equal(stats_arrests(demo, N(demo), STATS_BY_YEAR, 0, 0, &t, &err), LT_OK);
	assert_int_equal(t.from, 2015);
	assert_int_equal(t.to, 2019);
	assert_int_equal(t.total, 19);
	assert_int_equal(t.first_year_total, 6);
	assert_int_equal(t.last_year_total, 11);
	assert_int_equal(t.nrows, 5);
	stats_table_release(&t);

	assert_int_equal(stats_arrests(demo, N(demo), STATS_BY_OFFENCE, 2016, 2018, &t, &err),
	                 LT_OK);
	assert_int_equal(t.total, 2);
	assert_int_equal(t.first_year_total, 0);
	assert_int_equal(t.last_year_total, 1);
	assert_int_equal(t.nrows, LT_OFFENCE_COUNT);
	stats_table_release(&t);
}

/* Large counts: several groups of one year add up, far past int range. */
static void test_large_counts(void **state)
{
	(void)state;
	static const struct store_arrest_count c[] = {
	    {2020, LT_OFFENCE_FORCED_LABOUR, 3000000000L},
	    {2020, LT_OFFENCE_NOT_RECORDED, 1},
	};
	if (sizeof(long) < 8)
		skip();
	char *s = run(c, N(c), STATS_BY_YEAR, 0, 0, STATS_FORMAT_CSV);
	assert_string_equal(s, "year,arrests\n2020,3000000001\n");
	free(s);
}

static void test_no_data(void **state)
{
	(void)state;
	char *s = run(NULL, 0, STATS_BY_YEAR, 0, 0, STATS_FORMAT_CSV);
	assert_string_equal(s, "year,arrests\n");
	free(s);
	s = run(NULL, 0, STATS_BY_YEAR, 0, 0, STATS_FORMAT_JSON);
	assert_string_equal(
	    s, "{\"by\":[\"year\"],\"from\":null,\"to\":null,\"total\":0,\"rows\":[]}\n");
	free(s);
	s = run(NULL, 0, STATS_BY_YEAR, 0, 0, STATS_FORMAT_TABLE);
	assert_string_equal(s, "Year  Arrests\nNo arrests recorded.\n");
	free(s);
	/* With an explicit range the years are there, with zeros. */
	s = run(NULL, 0, STATS_BY_YEAR, 2018, 2019, STATS_FORMAT_CSV);
	assert_string_equal(s, "year,arrests\n2018,0\n2019,0\n");
	free(s);
	s = run(NULL, 0, STATS_BY_YEAR, 2018, 0, STATS_FORMAT_CSV);
	assert_string_equal(s, "year,arrests\n2018,0\n");
	free(s);
	/* By offence, every offence, even with no data at all. */
	s = run(NULL, 0, STATS_BY_OFFENCE, 0, 0, STATS_FORMAT_CSV);
	assert_string_equal(
	    s, "offence,arrests\nkidnapping_false_imprisonment,0\nslavery_servitude,0\n"
	       "forced_labour,0\nhuman_trafficking,0\nother_modern_slavery,0\n"
	       "not_recorded,0\n");
	free(s);
}

static void test_range_errors(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int from, to;
		const char *message;
	} cases[] = {
	    {"from after to", 2019, 2015, "the range 2019 to 2015 is empty: 'from' is after 'to'"},
	    {"more than LT_STATS_YEARS_MAX years", 1900, 2999, "spans more than 200 years"},
	    {"one year too many", 1900, 1900 + LT_STATS_YEARS_MAX, "spans more than 200 years"},
	};
	int failures = 0;
	for (size_t i = 0; i < N(cases); i++) {
		struct stats_table t;
		struct lt_error err;
		lt_error_clear(&err);
		lt_status st = stats_arrests(demo, N(demo), STATS_BY_YEAR, cases[i].from,
		                             cases[i].to, &t, &err);
		if (st != LT_EINVAL || !strstr(err.message, cases[i].message) ||
		    strcmp(err.field, "from") != 0) {
			print_error("%s: got %s [%s] \"%s\", want invalid [from] \"...%s...\"\n",
			            cases[i].name, lt_status_name(st), err.field, err.message,
			            cases[i].message);
			failures++;
		}
		if (st == LT_OK)
			stats_table_release(&t);
		else if (t.rows != NULL) {
			print_error("%s: rows left allocated after an error\n", cases[i].name);
			failures++;
		}
	}
	/* Exactly LT_STATS_YEARS_MAX years is allowed. */
	struct stats_table t;
	assert_int_equal(stats_arrests(demo, N(demo), STATS_BY_YEAR, 1900,
	                               1900 + LT_STATS_YEARS_MAX - 1, &t, NULL),
	                 LT_OK);
	assert_int_equal(t.nrows, LT_STATS_YEARS_MAX);
	assert_int_equal(t.total, 19);
	stats_table_release(&t);
	assert_int_equal(failures, 0);
}

static void test_by_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		lt_status want;
		unsigned by;
	} cases[] = {
	    {"year", LT_OK, STATS_BY_YEAR},
	    {"offence", LT_OK, STATS_BY_OFFENCE},
	    {"year,offence", LT_OK, STATS_BY_YEAR | STATS_BY_OFFENCE},
	    {"offence,year", LT_OK, STATS_BY_YEAR | STATS_BY_OFFENCE},
	    {"", LT_EINVAL, 0},
	    {"years", LT_EINVAL, 0},
	    {"Year", LT_EINVAL, 0},
	    {"offense", LT_EINVAL, 0},
	    {"year,year", LT_EINVAL, 0},
	    {"year,offence,year", LT_EINVAL, 0},
	    {",year", LT_EINVAL, 0},
	    {"year,,offence", LT_EINVAL, 0},
	    {"year offence", LT_EINVAL, 0},
	    {"agency", LT_EINVAL, 0},
	};
	int failures = 0;
	for (size_t i = 0; i < N(cases); i++) {
		unsigned by = 12345;
		struct lt_error err;
		lt_error_clear(&err);
		lt_status st = stats_by_parse(cases[i].in, &by, &err);
		int ok = st == cases[i].want;
		if (ok && st == LT_OK)
			ok = by == cases[i].by;
		if (ok && st != LT_OK)
			ok = by == 12345 && strcmp(err.field, "by") == 0 &&
			     strstr(err.message,
			            "(expected one of: year, offence, year,offence)") != NULL;
		if (!ok) {
			print_error("by \"%s\": got %s by=%u [%s] %s, want %s by=%u\n", cases[i].in,
			            lt_status_name(st), by, err.field, err.message,
			            lt_status_name(cases[i].want), cases[i].by);
			failures++;
		}
	}
	struct lt_error err;
	unsigned by;
	assert_int_equal(stats_by_parse("foo", &by, &err), LT_EINVAL);
	assert_string_equal(err.message,
	                    "unknown value 'foo' (expected one of: year, offence, year,offence)");
	assert_int_equal(failures, 0);
}

static void test_format_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		lt_status want;
		enum stats_format fmt;
	} cases[] = {
	    {"table", LT_OK, STATS_FORMAT_TABLE},
	    {"csv", LT_OK, STATS_FORMAT_CSV},
	    {"json", LT_OK, STATS_FORMAT_JSON},
	    {"CSV", LT_EINVAL, 0},
	    {"", LT_EINVAL, 0},
	    {"tsv", LT_EINVAL, 0},
	    {"json ", LT_EINVAL, 0},
	};
	int failures = 0;
	for (size_t i = 0; i < N(cases); i++) {
		enum stats_format fmt = (enum stats_format)99;
		struct lt_error err;
		lt_error_clear(&err);
		lt_status st = stats_format_parse(cases[i].in, &fmt, &err);
		int ok = st == cases[i].want && (st != LT_OK || fmt == cases[i].fmt);
		if (ok && st != LT_OK)
			ok = strcmp(err.field, "format") == 0 && (int)fmt == 99;
		if (!ok) {
			print_error("format \"%s\": got %s %d [%s] %s\n", cases[i].in,
			            lt_status_name(st), (int)fmt, err.field, err.message);
			failures++;
		}
	}
	struct lt_error err;
	enum stats_format fmt;
	assert_int_equal(stats_format_parse("xml", &fmt, &err), LT_EINVAL);
	assert_string_equal(err.message, "unknown value 'xml' (expected one of: table, csv, json)");
	assert_int_equal(failures, 0);
}

/* Formatting into a buffer too small fails cleanly with LT_ETOOBIG. */
static void test_format_cap(void **state)
{
	(void)state;
	struct stats_table t;
	struct lt_buf out;
	assert_int_equal(
	    stats_arrests(demo, N(demo), STATS_BY_YEAR | STATS_BY_OFFENCE, 0, 0, &t, NULL), LT_OK);
	for (int f = STATS_FORMAT_TABLE; f <= STATS_FORMAT_JSON; f++) {
		lt_buf_init(&out, 40);
		assert_int_equal(stats_format(&t, (enum stats_format)f, &out), LT_ETOOBIG);
		assert_true(out.len <= 40);
		lt_buf_release(&out);
	}
	stats_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_outputs),      cmocka_unit_test(test_table_by_offence),
	    cmocka_unit_test(test_table_fields), cmocka_unit_test(test_large_counts),
	    cmocka_unit_test(test_no_data),      cmocka_unit_test(test_range_errors),
	    cmocka_unit_test(test_by_parse),     cmocka_unit_test(test_format_parse),
	    cmocka_unit_test(test_format_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
