/*
 * test_retention.c — unit tests of src/core/retention.{h,c}: the table and
 * the arithmetic of its periods.
 *
 * Table-driven: each case is a day, a period and the last day of activity
 * that is due on it, worked out by hand from the calendar (month ends, leap
 * years, year boundaries); the days since 1970 are checked against known
 * Unix times. The table's rows are checked for what the store and the
 * command line rely on: a code each, settable rows with a range holding
 * their default, kept rows with none.
 */
#include "testutil.h"

#include "core/retention.h"

#include "core/banned.h"

static struct lt_date day(const char *text)
{
	struct lt_date d;
	struct lt_error e = {0};
	assert_int_equal(lt_date_parse(text, strlen(text), &d, "day", &e), LT_OK);
	return d;
}

static void test_cutoff(void **state)
{
	(void)state;
	static const struct {
		const char *as_of;
		enum lt_retention_unit unit;
		long n;
		const char *want;
	} cases[] = {
	    {"2026-03-15", LT_RETAIN_MONTHS, 72, "2020-03-15"},
	    {"2026-03-14", LT_RETAIN_MONTHS, 72, "2020-03-14"},
	    {"2026-03-31", LT_RETAIN_MONTHS, 1, "2026-02-28"},  /* clamped to February's end */
	    {"2024-03-31", LT_RETAIN_MONTHS, 1, "2024-02-29"},  /* a leap year */
	    {"2026-02-28", LT_RETAIN_MONTHS, 72, "2020-02-28"}, /* 2020-02-29 is due a day later */
	    {"2026-03-01", LT_RETAIN_MONTHS, 72, "2020-03-01"},
	    {"2026-01-10", LT_RETAIN_MONTHS, 12, "2025-01-10"},
	    {"2026-01-15", LT_RETAIN_MONTHS, 13, "2024-12-15"}, /* across a year */
	    {"2026-05-31", LT_RETAIN_MONTHS, 0, "2026-05-31"},
	    {"2026-01-08", LT_RETAIN_DAYS, 7, "2026-01-01"},
	    {"2026-01-03", LT_RETAIN_DAYS, 7, "2025-12-27"},
	    {"2024-03-01", LT_RETAIN_DAYS, 1, "2024-02-29"},
	    {"2023-03-01", LT_RETAIN_DAYS, 1, "2023-02-28"},
	    {"2000-03-01", LT_RETAIN_DAYS, 1, "2000-02-29"},  /* divisible by 400 */
	    {"2100-03-01", LT_RETAIN_DAYS, 1, "2100-02-28"},  /* by 100, not 400 */
	    {"2026-11-28", LT_RETAIN_DAYS, 365, "2025-11-28"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lt_date as_of = day(cases[i].as_of), got;
		struct lt_error e = {0};
		char text[LT_DATE_TEXT];
		assert_int_equal(lt_retention_cutoff(&as_of, cases[i].unit, cases[i].n, &got, &e),
		                 LT_OK);
		lt_date_format(&got, text);
		if (strcmp(text, cases[i].want) != 0)
			fail_msg("%s less %ld %s: got %s, want %s", cases[i].as_of, cases[i].n,
			         lt_retention_unit_words(cases[i].unit), text, cases[i].want);
	}
}

static void test_cutoff_refused(void **state)
{
	(void)state;
	struct lt_date got;
	struct lt_error e = {0};
	struct lt_date partial = day("2026-03");
	assert_int_equal(lt_retention_cutoff(&partial, LT_RETAIN_MONTHS, 1, &got, &e), LT_EINVAL);
	assert_string_equal(e.field, "as_of");
	struct lt_date early = {1, 6, 1};
	assert_int_equal(lt_retention_cutoff(&early, LT_RETAIN_MONTHS, 24, &got, &e), LT_EINVAL);
	assert_int_equal(got.year, 0);
	struct lt_date ok = day("2026-06-01");
	assert_int_equal(lt_retention_cutoff(&ok, LT_RETAIN_FOREVER, 1, &got, &e), LT_EINVAL);
	assert_int_equal(lt_retention_cutoff(&ok, LT_RETAIN_DAYS, -1, &got, &e), LT_EINVAL);
}

static void test_days_since_epoch(void **state)
{
	(void)state;
	static const struct {
		const char *day;
		int64_t unix_seconds;
	} cases[] = {
	    {"1970-01-01", 0},
	    {"1969-12-31", -86400},
	    {"2000-03-01", 951868800},
	    {"2024-06-01", 1717200000},
	    {"2026-01-01", 1767225600},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lt_date d = day(cases[i].day);
		assert_int_equal(lt_date_days_since_epoch(&d) * 86400, cases[i].unix_seconds);
	}
}

static void test_table(void **state)
{
	(void)state;
	struct lt_retention_periods per;
	struct lt_error e = {0};
	lt_retention_defaults(&per);
	for (size_t k = 0; k < LT_RETENTION_COUNT; k++) {
		const struct lt_retention_rule *r = &lt_retention_rules[k];
		assert_int_equal(r->kind, k);
		assert_ptr_equal(lt_retention_find(r->code, strlen(r->code)), r);
		assert_int_equal(per.period[k], r->period_default);
		assert_true(r->what[0] && r->from[0] && r->why[0]);
		if (lt_retention_settable(r)) {
			assert_true(r->unit == LT_RETAIN_DAYS || r->unit == LT_RETAIN_MONTHS);
			assert_true(r->period_min >= 1 && r->period_min <= r->period_default);
			assert_true(r->period_default <= r->period_max);
			assert_int_equal(lt_retention_check(r, r->period_default, &e), LT_OK);
			assert_int_equal(lt_retention_check(r, r->period_min - 1, &e), LT_EINVAL);
			assert_int_equal(lt_retention_check(r, r->period_max + 1, &e), LT_EINVAL);
			assert_string_equal(e.field, r->code);
		} else {
			assert_int_equal(r->unit, LT_RETAIN_FOREVER);
			assert_int_equal(lt_retention_check(r, 1, &e), LT_EINVAL);
		}
	}
	assert_null(lt_retention_find("person", 6));
	assert_int_equal(lt_retention_rules[LT_RETENTION_PERSONS].period_default, 72);
	assert_int_equal(lt_retention_rules[LT_RETENTION_PERSONS].action, LT_RETAIN_ERASE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cutoff),
	    cmocka_unit_test(test_cutoff_refused),
	    cmocka_unit_test(test_days_since_epoch),
	    cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
