/*
 * test_import.c — unit tests of src/core/import.{h,c}: CSV files of reports
 * and arrests, validated whole.
 *
 * The contract under test is all or nothing: a file with any bad row gives
 * LT_EINVAL, no records at all, and one error per problem with its line and
 * column, so that the person who wrote the file can fix everything at once.
 * Bad-file cases list every error they want, in order, as
 * line / column / part of the message.
 */
#include "testutil.h"

#include "core/buf.h"
#include "core/import.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const known_agencies[] = {"glaa", "herts_cc", "herts_police"};
static const char *const known_cases[] = {"HC/1", "HC/2"};
static const struct lt_known known = {known_agencies, 3, known_cases, 2};

#define OFFENCES_EXPECTED                                                                          \
	"(expected one of: kidnapping_false_imprisonment, slavery_servitude, forced_labour, "      \
	"human_trafficking, other_modern_slavery, not_recorded)"

/* ---- good files --------------------------------------------------------- */

static void test_arrests_good(void **state)
{
	(void)state;
	static const char csv[] = "date,offence,agency,case\n"
	                          "2019-03-01,kidnapping_false_imprisonment,herts_police,HC/1\n"
	                          "2019,not_recorded,herts_police,\n"
	                          "2018-07,forced_labour,glaa,HC/2\n";
	struct lt_arrest *a = NULL;
	size_t n = 99;
	struct lt_diags d;
	lt_diags_init(&d);
	assert_int_equal(lt_import_arrests(csv, strlen(csv), &known, &a, &n, &d), LT_OK);
	assert_int_equal(lt_diags_total(&d), 0);
	assert_int_equal(n, 3);
	assert_int_equal(a[0].date.year, 2019);
	assert_int_equal(a[0].date.month, 3);
	assert_int_equal(a[0].date.day, 1);
	assert_int_equal(a[0].offence, LT_OFFENCE_KIDNAPPING_FALSE_IMPRISONMENT);
	assert_string_equal(a[0].agency, "herts_police");
	assert_string_equal(a[0].case_ref, "HC/1");
	assert_int_equal(a[1].date.month, 0);
	assert_int_equal(a[1].offence, LT_OFFENCE_NOT_RECORDED);
	assert_string_equal(a[1].case_ref, "");
	assert_int_equal(a[2].offence, LT_OFFENCE_FORCED_LABOUR);
	assert_string_equal(a[2].agency, "glaa");
	free(a);
	lt_diags_release(&d);
}

/* Columns in any order, spaces around header names and values, an optional
 * column left out, a BOM, CRLF and blank lines. */
static void test_arrests_layout(void **state)
{
	(void)state;
	static const char csv[] = "\xEF\xBB\xBF agency , offence,date\r\n"
	                          "\r\n"
	                          " herts_police ,\thuman_trafficking\t, 2019-11-30 \r\n"
	                          "glaa,slavery_servitude,2019\r\n";
	struct lt_arrest *a = NULL;
	size_t n = 0;
	struct lt_diags d;
	lt_diags_init(&d);
	lt_status st = lt_import_arrests(csv, strlen(csv), &known, &a, &n, &d);
	if (st != LT_OK)
		fail_msg("got %s: line %ld [%s] %s", lt_status_name(st),
		         d.count ? d.items[0].line : 0L, d.count ? d.items[0].field : "",
		         d.count ? d.items[0].message : "");
	assert_int_equal(n, 2);
	assert_string_equal(a[0].agency, "herts_police");
	assert_int_equal(a[0].offence, LT_OFFENCE_HUMAN_TRAFFICKING);
	assert_int_equal(a[0].date.day, 30);
	assert_int_equal(a[1].offence, LT_OFFENCE_SLAVERY_SERVITUDE);
	free(a);
	lt_diags_release(&d);
}

static void test_header_only(void **state)
{
	(void)state;
	static const char csv[] = "date,offence,agency\n";
	struct lt_arrest *a = (struct lt_arrest *)1;
	size_t n = 99;
	struct lt_diags d;
	lt_diags_init(&d);
	assert_int_equal(lt_import_arrests(csv, strlen(csv), &known, &a, &n, &d), LT_OK);
	assert_int_equal(n, 0);
	free(a);
	lt_diags_release(&d);
}

static void test_reports_good(void **state)
{
	(void)state;
	static const char csv[] =
	    "received,source,agency,forms,place,district,country,occurred,anonymous,description,"
	    "contact\n"
	    "2019-05-01,public,,labour_exploitation,local,watford,,2019-04,true,"
	    "\"Men at the car wash, \"\"never paid\"\",\nsleep upstairs.\",\n"
	    "2019-06-02,partner,herts_cc,sexual_exploitation;forced_criminality,abroad,,RO,2017,,,"
	    "\n"
	    "2019-07-03,public,,unknown,elsewhere_in_country,,,,false,  spaces kept  ,07700 "
	    "900123\n"
	    "2019,public,,domestic_servitude|organ_harvesting,unknown,,,,,,\n";
	struct lt_report *r = NULL;
	size_t n = 0;
	struct lt_diags d;
	lt_diags_init(&d);
	lt_status st = lt_import_reports(csv, strlen(csv), &known, &r, &n, &d);
	if (st != LT_OK)
		fail_msg("got %s: line %ld [%s] %s", lt_status_name(st),
		         d.count ? d.items[0].line : 0L, d.count ? d.items[0].field : "",
		         d.count ? d.items[0].message : "");
	assert_int_equal(n, 4);

	assert_int_equal(r[0].source, LT_SOURCE_PUBLIC);
	assert_int_equal(r[0].place, LT_PLACE_LOCAL);
	assert_string_equal(lt_vocab_term(&lt_vocab_district, (size_t)r[0].district)->code,
	                    "watford");
	assert_int_equal(r[0].country, -1);
	assert_int_equal(r[0].forms, 1u << LT_FORM_LABOUR_EXPLOITATION);
	assert_int_equal(r[0].occurred.month, 4);
	assert_true(r[0].anonymous);
	assert_string_equal(r[0].description,
	                    "Men at the car wash, \"never paid\",\nsleep upstairs.");
	assert_null(r[0].contact);
	assert_string_equal(r[0].ref, ""); /* the caller assigns codes */

	assert_int_equal(r[1].source, LT_SOURCE_PARTNER);
	assert_string_equal(r[1].agency, "herts_cc");
	assert_int_equal(r[1].forms,
	                 (1u << LT_FORM_SEXUAL_EXPLOITATION) | (1u << LT_FORM_FORCED_CRIMINALITY));
	assert_string_equal(lt_vocab_term(&lt_vocab_country, (size_t)r[1].country)->code, "RO");
	assert_int_equal(r[1].district, -1);
	assert_null(r[1].description);

	assert_false(r[2].anonymous);
	assert_string_equal(r[2].contact, "07700 900123");
	assert_string_equal(r[2].description, "  spaces kept  ");
	assert_int_equal(r[2].place, LT_PLACE_ELSEWHERE_IN_COUNTRY);

	assert_int_equal(r[3].received.month, 0);
	assert_int_equal(r[3].forms,
	                 (1u << LT_FORM_DOMESTIC_SERVITUDE) | (1u << LT_FORM_ORGAN_HARVESTING));
	assert_int_equal(r[3].place, LT_PLACE_UNKNOWN);

	lt_import_reports_free(r, n);
	lt_diags_release(&d);
}

/* Only the required columns. */
static void test_reports_minimal_columns(void **state)
{
	(void)state;
	static const char csv[] = "forms,place,source,received\nunknown,unknown,public,2019\n";
	struct lt_report *r = NULL;
	size_t n = 0;
	struct lt_diags d;
	lt_diags_init(&d);
	assert_int_equal(lt_import_reports(csv, strlen(csv), NULL, &r, &n, &d), LT_OK);
	assert_int_equal(n, 1);
	assert_true(r[0].anonymous);
	lt_import_reports_free(r, n);
	lt_diags_release(&d);
}

/* Many rows: the record array grows past its first allocation. */
static void test_many_rows(void **state)
{
	(void)state;
	struct lt_buf b;
	lt_buf_init(&b, 1u << 20);
	assert_int_equal(lt_buf_puts(&b, "date,offence,agency\n"), LT_OK);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(lt_buf_printf(&b, "%d,%s,herts_police\n", 1950 + i % 70,
		                               lt_vocab_offence.terms[i % 6].code),
		                 LT_OK);
	struct lt_arrest *a = NULL;
	size_t n = 0;
	struct lt_diags d;
	lt_diags_init(&d);
	assert_int_equal(lt_import_arrests(b.data, b.len, &known, &a, &n, &d), LT_OK);
	assert_int_equal(n, 1000);
	assert_int_equal(a[999].date.year, 1950 + 999 % 70);
	assert_int_equal(a[999].offence, (enum lt_offence)(999 % 6));
	free(a);

	/* ... and one bad row at the very end spoils them all. */
	assert_int_equal(lt_buf_puts(&b, "2019,bogus,herts_police\n"), LT_OK);
	a = (struct lt_arrest *)1;
	n = 5;
	assert_int_equal(lt_import_arrests(b.data, b.len, &known, &a, &n, &d), LT_EINVAL);
	assert_null(a);
	assert_int_equal(n, 0);
	assert_int_equal(lt_diags_total(&d), 1);
	assert_int_equal(d.items[0].line, 1002);
	lt_diags_release(&d);
	lt_buf_release(&b);
}

/* ---- bad files ---------------------------------------------------------- */

struct want_err {
	long line;
	const char *field;
	const char *message; /* part of the message */
};

struct bad_case {
	const char *name;
	int reports; /* 0: arrests */
	const char *csv;
	struct want_err errs[6];
};

#define REPORT_HEADER "received,source,agency,forms,place,district,country\n"

static const struct bad_case bad_cases[] = {
    {"two bad rows, a good one between",
     0,
     "date,offence,agency\n"
     "2019,kidnapping_false_imprisonment,herts_police\n"
     "2019,foo,herts_police\n"
     "2019,forced_labour,herts_police\n"
     "2020-13-01,forced_labour,herts_police\n",
     {{3, "offence", "unknown value 'foo' " OFFENCES_EXPECTED},
      {5, "date", "'2020-13-01' has no month 13"}}},
    {"two bad fields in one row",
     0,
     "date,offence,agency\n"
     "someday,foo,herts_police\n",
     {{2, "date", "'someday' is not a date"}, {2, "offence", "unknown value 'foo'"}}},
    {"unknown column",
     0,
     "date,offence,agency,cases\n2019,forced_labour,herts_police,\n",
     {{1, "cases", "unknown column (expected columns: date, offence, agency, case)"}}},
    {"misspelt required column",
     0,
     "date,offense,agency\n2019,forced_labour,herts_police\n",
     {{1, "offense", "unknown column"},
      {1, "offence", "is a required column and is missing from the header"}}},
    {"missing required columns",
     0,
     "date\n2019\n",
     {{1, "offence", "is a required column and is missing from the header"},
      {1, "agency", "is a required column and is missing from the header"}}},
    {"duplicate column",
     0,
     "date,offence,agency,date\n2019,forced_labour,herts_police,2019\n",
     {{1, "date", "appears twice in the header"}}},
    {"too few fields",
     0,
     "date,offence,agency\n"
     "2019,forced_labour\n"
     "2019,forced_labour,herts_police\n",
     {{2, "", "has 2 fields, but the header has 3"}}},
    {"too many fields",
     0,
     "date,offence,agency\n"
     "2019,forced_labour,herts_police,extra\n",
     {{2, "", "has 4 fields, but the header has 3"}}},
    {"required value empty",
     0,
     "date,offence,agency\n2019, ,herts_police\n",
     {{2, "offence", "is required and empty"}}},
    {"unknown agency",
     0,
     "date,offence,agency\n2019,forced_labour,nca\n",
     {{2, "agency", "unknown agency 'nca' (see `lantern agency list`)"}}},
    {"unknown case",
     0,
     "date,offence,agency,case\n2019,forced_labour,herts_police,HC/9\n",
     {{2, "case", "unknown case 'HC/9'"}}},
    {"empty file", 0, "", {{1, "", "the file is empty"}}},
    {"blank lines only", 0, "\n\n", {{1, "", "the file is empty"}}},
    {"lines counted through quoted newlines and blank lines",
     0,
     "date,offence,agency,case\n"
     "2019,forced_labour,herts_police,\"HC/1\"\n"
     "\n"
     "2019,\"forced\nlabour\",herts_police,\n"
     "2019,forced_labour,herts_police,\n"
     "2019,bad,herts_police,\n",
     {{4, "offence", "unknown value 'forced?labour'"}, {7, "offence", "unknown value 'bad'"}}},
    {"syntax error after a bad row",
     0,
     "date,offence,agency\n"
     "2019,foo,herts_police\n"
     "2019,\"forced_labour,herts_police\n",
     {{2, "offence", "unknown value 'foo'"}, {3, "", "never closed"}}},
    {"syntax error in the header",
     0,
     "date,off\"ence,agency\n",
     {{1, "", "quote inside an unquoted field"}}},
    {"report: field errors then cross-field errors on other rows",
     1,
     REPORT_HEADER "2019-05-01,public,,slavery,unknown,,\n"
                   "2019-05-01,public,,unknown,local,,\n"
                   "2019-05-01,partner,,unknown,abroad,,UK\n"
                   "2019-05-01,partner,,unknown,abroad,,GB\n"
                   "2019-05-01,partner,nca,unknown,abroad,,GB\n",
     {{2, "forms", "unknown value 'slavery'"},
      {3, "district", "is required when place is local"},
      {4, "country", "unknown value 'UK'"},
      {5, "agency", "is required when source is partner"},
      {6, "agency", "unknown agency 'nca'"}}},
    {"report: required column missing",
     1,
     "received,source,forms\n2019,public,unknown\n",
     {{1, "place", "is a required column and is missing from the header"}}},
    {"report: contact when anonymous",
     1,
     "received,source,forms,place,anonymous,contact\n2019,public,unknown,unknown,yes,me@example."
     "org\n",
     {{2, "contact", "must be empty when the report is anonymous"}}},
    {"report: bad bytes in description",
     1,
     "received,source,forms,place,description\n2019,public,unknown,unknown,\"bad \xff byte\"\n",
     {{2, "description", "not UTF-8"}}},
};

static void test_bad_files(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t k = 0; k < N(bad_cases); k++) {
		const struct bad_case *t = &bad_cases[k];
		struct lt_diags d;
		void *out = (void *)1;
		size_t n = 77, want_n = 0;
		lt_status st;
		lt_diags_init(&d);
		if (t->reports)
			st = lt_import_reports(t->csv, strlen(t->csv), &known,
			                       (struct lt_report **)&out, &n, &d);
		else
			st = lt_import_arrests(t->csv, strlen(t->csv), &known,
			                       (struct lt_arrest **)&out, &n, &d);
		while (want_n < N(t->errs) && t->errs[want_n].message)
			want_n++;
		int bad = st != LT_EINVAL || out != NULL || n != 0 || lt_diags_total(&d) != want_n;
		for (size_t i = 0; !bad && i < want_n; i++)
			bad = d.items[i].line != t->errs[i].line ||
			      strcmp(d.items[i].field, t->errs[i].field) != 0 ||
			      !strstr(d.items[i].message, t->errs[i].message);
		if (bad) {
			print_error("%s: got %s, %s, n %zu, %zu errors:\n", t->name,
			            lt_status_name(st), out ? "records" : "no records", n,
			            lt_diags_total(&d));
			for (size_t i = 0; i < d.count; i++)
				print_error("    got  %ld: column '%s': %s\n", d.items[i].line,
				            d.items[i].field, d.items[i].message);
			for (size_t i = 0; i < want_n; i++)
				print_error("    want %ld: column '%s': ...%s...\n",
				            t->errs[i].line, t->errs[i].field, t->errs[i].message);
			failures++;
		}
		lt_diags_release(&d);
	}
	assert_int_equal(failures, 0);
}

/* Diags that already hold errors (from an earlier file) do not make a good
 * file fail, and a bad file's errors are appended after them. */
static void test_diags_appended(void **state)
{
	(void)state;
	static const char good[] = "date,offence,agency\n2019,forced_labour,herts_police\n";
	static const char bad[] = "date,offence,agency\n2019,nope,herts_police\n";
	struct lt_diags d;
	struct lt_error e;
	struct lt_arrest *a = NULL;
	size_t n = 0;
	lt_diags_init(&d);
	lt_error_set(&e, LT_EINVAL, "x", "earlier");
	lt_diags_add(&d, &e);
	assert_int_equal(lt_import_arrests(good, strlen(good), &known, &a, &n, &d), LT_OK);
	assert_int_equal(n, 1);
	free(a);
	assert_int_equal(lt_import_arrests(bad, strlen(bad), &known, &a, &n, &d), LT_EINVAL);
	assert_int_equal(lt_diags_total(&d), 2);
	assert_string_equal(d.items[1].field, "offence");
	lt_diags_release(&d);
}

/* A bad report row whose earlier fields were parsed into owned strings does
 * not leak them (ASan checks), nor do good rows before it. */
static void test_bad_reports_free_everything(void **state)
{
	(void)state;
	static const char csv[] =
	    "received,source,forms,place,description,contact,anonymous\n"
	    "2019,public,unknown,unknown,first description,07700 900001,no\n"
	    "2019,public,unknown,unknown,second description,07700 900002,maybe\n";
	struct lt_report *r = NULL;
	size_t n = 0;
	struct lt_diags d;
	lt_diags_init(&d);
	assert_int_equal(lt_import_reports(csv, strlen(csv), &known, &r, &n, &d), LT_EINVAL);
	assert_null(r);
	assert_int_equal(lt_diags_total(&d), 1);
	assert_int_equal(d.items[0].line, 3);
	assert_string_equal(d.items[0].field, "anonymous");
	lt_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arrests_good),
	    cmocka_unit_test(test_arrests_layout),
	    cmocka_unit_test(test_header_only),
	    cmocka_unit_test(test_reports_good),
	    cmocka_unit_test(test_reports_minimal_columns),
	    cmocka_unit_test(test_many_rows),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_diags_appended),
	    cmocka_unit_test(test_bad_reports_free_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
