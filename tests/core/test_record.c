/*
 * test_record.c — unit tests of src/core/record.{h,c}: dates, reference
 * codes, the field tables and their parsers, the cross-field rules and the
 * text check.
 *
 * The error messages are part of the interface (the command line prints
 * them, the form shows them beside the field), so their shape is pinned:
 * "unknown value 'foo' (expected one of: ...)" with the field name set.
 */
#include "testutil.h"

#include "core/record.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- dates -------------------------------------------------------------- */

static const struct {
	const char *in;
	lt_status want;
	int y, m, d;     /* when OK */
	const char *msg; /* part of the message when not OK */
} date_cases[] = {
    {"2019", LT_OK, 2019, 0, 0, NULL},
    {"2019-02", LT_OK, 2019, 2, 0, NULL},
    {"2019-02-28", LT_OK, 2019, 2, 28, NULL},
    {"2020-02-29", LT_OK, 2020, 2, 29, NULL},
    {"2000-02-29", LT_OK, 2000, 2, 29, NULL},
    {"2019-12-31", LT_OK, 2019, 12, 31, NULL},
    {"1900-01-01", LT_OK, 1900, 1, 1, NULL},
    {"2999-12", LT_OK, 2999, 12, 0, NULL},
    {" 2019 ", LT_OK, 2019, 0, 0, NULL},
    {"\t2019-05-17\t", LT_OK, 2019, 5, 17, NULL},
    {"2019-02-29", LT_EINVAL, 0, 0, 0, "'2019-02-29' is not a day of the calendar"},
    {"1900-02-29", LT_EINVAL, 0, 0, 0, "is not a day of the calendar"},
    {"2019-04-31", LT_EINVAL, 0, 0, 0, "is not a day of the calendar"},
    {"2019-01-00", LT_EINVAL, 0, 0, 0, "is not a day of the calendar"},
    {"2019-01-32", LT_EINVAL, 0, 0, 0, "is not a day of the calendar"},
    {"2019-13", LT_EINVAL, 0, 0, 0, "'2019-13' has no month 13"},
    {"2020-13-01", LT_EINVAL, 0, 0, 0, "'2020-13-01' has no month 13"},
    {"2019-00", LT_EINVAL, 0, 0, 0, "has no month 00"},
    {"19", LT_EINVAL, 0, 0, 0, "'19' is not a date (expected YYYY-MM-DD, YYYY-MM or YYYY)"},
    {"2019-1-01", LT_EINVAL, 0, 0, 0, "is not a date"},
    {"2019-01-1", LT_EINVAL, 0, 0, 0, "is not a date"},
    {"2019/01/01", LT_EINVAL, 0, 0, 0, "is not a date"},
    {"2019-01-01T10:00", LT_EINVAL, 0, 0, 0, "is not a date"},
    {"20190101", LT_EINVAL, 0, 0, 0, "is not a date"},
    {"201a", LT_EINVAL, 0, 0, 0, "is not a date"},
    {"-201", LT_EINVAL, 0, 0, 0, "is not a date"},
    {"+2019", LT_EINVAL, 0, 0, 0, "is not a date"},
    {"2019-+1", LT_EINVAL, 0, 0, 0, "is not a date"},
    {"yesterday", LT_EINVAL, 0, 0, 0, "'yesterday' is not a date"},
    {"", LT_EINVAL, 0, 0, 0, "is not a date"},
    {"   ", LT_EINVAL, 0, 0, 0, "is not a date"},
    {"1899", LT_EINVAL, 0, 0, 0, "year 1899 is out of range (1900 to 2999)"},
    {"3000-01-01", LT_EINVAL, 0, 0, 0, "year 3000 is out of range"},
    {"0000", LT_EINVAL, 0, 0, 0, "out of range"},
};

static void test_date_parse(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < N(date_cases); i++) {
		struct lt_date d = {-1, -1, -1};
		struct lt_error err;
		lt_error_clear(&err);
		lt_status got =
		    lt_date_parse(date_cases[i].in, strlen(date_cases[i].in), &d, "when", &err);
		if (got != date_cases[i].want) {
			print_error("date \"%s\": got %s (%s), want %s\n", date_cases[i].in,
			            lt_status_name(got), err.message,
			            lt_status_name(date_cases[i].want));
			failures++;
		} else if (got == LT_OK &&
		           (d.year != date_cases[i].y || d.month != date_cases[i].m ||
		            d.day != date_cases[i].d)) {
			print_error("date \"%s\": got %d-%d-%d, want %d-%d-%d\n", date_cases[i].in,
			            d.year, d.month, d.day, date_cases[i].y, date_cases[i].m,
			            date_cases[i].d);
			failures++;
		} else if (got != LT_OK) {
			if (!strstr(err.message, date_cases[i].msg) ||
			    strcmp(err.field, "when") != 0) {
				print_error("date \"%s\": got message [%s] \"%s\", want [when] "
				            "\"...%s...\"\n",
				            date_cases[i].in, err.field, err.message,
				            date_cases[i].msg);
				failures++;
			}
			if (d.year != -1) {
				print_error("date \"%s\": failed but wrote the output\n",
				            date_cases[i].in);
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);
}

/* Only `len` bytes are read: a date inside a longer string. */
static void test_date_parse_len(void **state)
{
	(void)state;
	struct lt_date d;
	assert_int_equal(lt_date_parse("2019-05-17,next", 10, &d, "x", NULL), LT_OK);
	assert_int_equal(d.day, 17);
	assert_int_equal(lt_date_parse("2019-05-17", 7, &d, "x", NULL), LT_OK);
	assert_int_equal(d.month, 5);
	assert_int_equal(d.day, 0);
	/* err may be NULL on failure too. */
	assert_int_equal(lt_date_parse("nope", 4, &d, "x", NULL), LT_EINVAL);
}

static void test_date_format(void **state)
{
	(void)state;
	static const struct {
		struct lt_date d;
		const char *want;
	} cases[] = {
	    {{0, 0, 0}, ""},
	    {{2019, 0, 0}, "2019"},
	    {{2019, 2, 0}, "2019-02"},
	    {{2019, 2, 3}, "2019-02-03"},
	    {{1900, 12, 31}, "1900-12-31"},
	};
	int failures = 0;
	for (size_t i = 0; i < N(cases); i++) {
		char out[LT_DATE_TEXT];
		memset(out, 'Z', sizeof(out));
		lt_date_format(&cases[i].d, out);
		if (strcmp(out, cases[i].want) != 0) {
			print_error("format %d-%d-%d: got \"%s\", want \"%s\"\n", cases[i].d.year,
			            cases[i].d.month, cases[i].d.day, out, cases[i].want);
			failures++;
		}
		/* Round trip. */
		if (cases[i].d.year) {
			struct lt_date back;
			if (lt_date_parse(out, strlen(out), &back, "x", NULL) != LT_OK ||
			    lt_date_cmp(&back, &cases[i].d) != 0) {
				print_error("format then parse of \"%s\" does not round-trip\n",
				            out);
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);
}

static void test_date_cmp(void **state)
{
	(void)state;
	/* Ascending: a partial date sorts before the full dates within it. */
	static const struct lt_date order[] = {
	    {2018, 12, 31}, {2019, 0, 0}, {2019, 1, 0},   {2019, 1, 1}, {2019, 1, 2},
	    {2019, 2, 0},   {2019, 2, 1}, {2019, 12, 31}, {2020, 0, 0},
	};
	for (size_t i = 0; i < N(order); i++) {
		for (size_t j = 0; j < N(order); j++) {
			int got = lt_date_cmp(&order[i], &order[j]);
			int want = i < j ? -1 : i > j ? 1 : 0;
			if ((got < 0 ? -1 : got > 0 ? 1 : 0) != want)
				fail_msg("cmp(%d-%d-%d, %d-%d-%d) = %d, want %d", order[i].year,
				         order[i].month, order[i].day, order[j].year,
				         order[j].month, order[j].day, got, want);
		}
	}
}

/* ---- reference codes ---------------------------------------------------- */

static const struct {
	uint64_t bits;
	const char *want;
} ref_cases[] = {
    {0, "LT-00000000"},
    {1, "LT-00000001"},
    {31, "LT-0000000Z"},
    {32, "LT-00000010"},
    {0xFFFFFFFFFFull, "LT-ZZZZZZZZ"},
    {1ull << 40, "LT-00000000"}, /* only the low 40 bits are used */
    {0x0123456789ull, "LT-04HMASW9"},
    {0xDEADBEEFCAFEBABEull, "LT-XZ5FXENY"},
};

static void test_ref_format(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < N(ref_cases); i++) {
		char out[LT_REF_SIZE];
		memset(out, 'Z', sizeof(out));
		lt_ref_format(ref_cases[i].bits, out);
		if (strcmp(out, ref_cases[i].want) != 0 || out[LT_REF_SIZE - 1] != '\0') {
			print_error("ref of %#llx: got \"%.*s\", want \"%s\"\n",
			            (unsigned long long)ref_cases[i].bits, LT_REF_SIZE, out,
			            ref_cases[i].want);
			failures++;
		}
		if (!lt_ref_valid(out)) {
			print_error("ref \"%s\" is not lt_ref_valid\n", out);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* Each of the 32 digit values maps to a distinct character, never I, L, O
 * or U, and every formatted code is valid. */
static void test_ref_alphabet(void **state)
{
	(void)state;
	char seen[32];
	for (uint64_t v = 0; v < 32; v++) {
		char out[LT_REF_SIZE];
		lt_ref_format(v, out);
		char c = out[10];
		seen[v] = c;
		if (strchr("ILOU", c) || !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
			fail_msg("digit %d is '%c'", (int)v, c);
		for (uint64_t w = 0; w < v; w++)
			if (seen[w] == c)
				fail_msg("digits %d and %d are both '%c'", (int)w, (int)v, c);
	}
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (int i = 0; i < 1000; i++) {
		char out[LT_REF_SIZE];
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		lt_ref_format(x, out);
		if (!lt_ref_valid(out))
			fail_msg("\"%s\" is not valid", out);
	}
}

static const struct {
	const char *in;
	bool want;
} ref_valid_cases[] = {
    {"LT-00000000", true},   {"LT-7K3M9QXP", true},   {"lt-7k3m9qxp", true}, /* case-insensitive */
    {"Lt-abcdefgh", true},   {"LT-0000000I", false},  {"LT-0000000L", false},
    {"LT-0000000O", false},  {"LT-0000000U", false},  {"LT-0000000i", false},
    {"LT-0000000", false},   {"LT-000000000", false}, {"LX-00000000", false},
    {"LT_00000000", false},  {"LT-0000 000", false},  {"LT-0000-000", false},
    {" LT-00000000", false}, {"00000000", false},     {"", false},
};

static void test_ref_valid(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < N(ref_valid_cases); i++) {
		bool got = lt_ref_valid(ref_valid_cases[i].in);
		if (got != ref_valid_cases[i].want) {
			print_error("lt_ref_valid(\"%s\"): got %d, want %d\n",
			            ref_valid_cases[i].in, got, ref_valid_cases[i].want);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* ---- text --------------------------------------------------------------- */

static const struct {
	const char *name;
	const char *s;
	size_t len;
	bool want;
} text_cases[] = {
    {"empty", "", 0, true},
    {"ascii", "hello, world", 12, true},
    {"tab CR LF", "a\tb\r\nc", 6, true},
    {"two-byte", "caf\xc3\xa9", 5, true},
    {"three-byte", "\xe2\x82\xac", 3, true},
    {"four-byte", "\xf0\x9f\x98\x80", 4, true},
    {"largest code point", "\xf4\x8f\xbf\xbf", 4, true},
    {"last before surrogates", "\xed\x9f\xbf", 3, true},
    {"first after surrogates", "\xee\x80\x80", 3, true},
    {"NUL", "a\0b", 3, false},
    {"BEL", "a\x07", 2, false},
    {"ESC", "\x1b[31m", 5, false},
    {"DEL", "a\x7f", 2, false},
    {"lone continuation", "\x80", 1, false},
    {"overlong slash", "\xc0\xaf", 2, false},
    {"overlong C1", "\xc1\xbf", 2, false},
    {"overlong three-byte", "\xe0\x80\xaf", 3, false},
    {"overlong four-byte", "\xf0\x80\x80\xaf", 4, false},
    {"surrogate high", "\xed\xa0\x80", 3, false},
    {"surrogate low", "\xed\xbf\xbf", 3, false},
    {"above U+10FFFF", "\xf4\x90\x80\x80", 4, false},
    {"five-byte lead", "\xf8\x88\x80\x80\x80", 5, false},
    {"FE", "\xfe", 1, false},
    {"FF", "\xff", 1, false},
    {"truncated two-byte", "caf\xc3", 4, false},
    {"truncated four-byte", "\xf0\x9f\x98", 3, false},
    {"bad continuation", "\xc3\x28", 2, false},
    {"len cuts a sequence", "\xc3\xa9", 1, false},
    {"len stops before a bad byte", "ok\xff", 2, true},
};

static void test_text_valid(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < N(text_cases); i++) {
		bool got = lt_text_valid(text_cases[i].s, text_cases[i].len);
		if (got != text_cases[i].want) {
			print_error("lt_text_valid(%s): got %d, want %d\n", text_cases[i].name, got,
			            text_cases[i].want);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* ---- agency codes --------------------------------------------------------- */

static void test_agency_code(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		lt_status want;
	} cases[] = {
	    {"herts_police", LT_OK},
	    {"a", LT_OK},
	    {"nhs-trust-2", LT_OK},
	    {"", LT_EINVAL},
	    {"Herts", LT_EINVAL},
	    {"herts police", LT_EINVAL},
	    {"herts.police", LT_EINVAL},
	    {"h\xc3\xa9", LT_EINVAL},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", LT_OK}, /* 63 */
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	     LT_EINVAL}, /* 64 */
	};
	int failures = 0;
	for (size_t i = 0; i < N(cases); i++) {
		struct lt_error err;
		lt_error_clear(&err);
		lt_status got =
		    lt_agency_code_check(cases[i].in, strlen(cases[i].in), "agency", &err);
		if (got != cases[i].want || (got != LT_OK && strcmp(err.field, "agency") != 0)) {
			print_error("agency code \"%s\": got %s [%s] %s, want %s\n", cases[i].in,
			            lt_status_name(got), err.field, err.message,
			            lt_status_name(cases[i].want));
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* ---- field tables ------------------------------------------------------- */

static const struct {
	const char *name;
	bool required;
} want_report_fields[] =
    {
        {"received", true},   {"source", true},       {"agency", false},  {"forms", true},
        {"place", true},      {"district", false},    {"country", false}, {"occurred", false},
        {"anonymous", false}, {"description", false}, {"contact", false},
},
  want_arrest_fields[] = {
      {"date", true},
      {"offence", true},
      {"agency", true},
      {"case", false},
};

static void test_field_tables(void **state)
{
	(void)state;
	assert_int_equal(lt_report_field_count, N(want_report_fields));
	assert_int_equal(lt_arrest_field_count, N(want_arrest_fields));
	for (size_t i = 0; i < lt_report_field_count; i++) {
		const struct lt_field *f = &lt_report_fields[i];
		if (strcmp(f->name, want_report_fields[i].name) != 0 ||
		    f->required != want_report_fields[i].required || !f->parse || !f->format ||
		    !*f->format)
			fail_msg("report field %zu: got %s%s, want %s%s", i, f->name,
			         f->required ? " (required)" : "", want_report_fields[i].name,
			         want_report_fields[i].required ? " (required)" : "");
		if (lt_field_find(lt_report_fields, lt_report_field_count, f->name,
		                  strlen(f->name)) != f)
			fail_msg("lt_field_find does not find report field %s", f->name);
	}
	for (size_t i = 0; i < lt_arrest_field_count; i++) {
		const struct lt_field *f = &lt_arrest_fields[i];
		if (strcmp(f->name, want_arrest_fields[i].name) != 0 ||
		    f->required != want_arrest_fields[i].required || !f->parse || !f->format ||
		    !*f->format)
			fail_msg("arrest field %zu: got %s, want %s", i, f->name,
			         want_arrest_fields[i].name);
	}
	assert_null(lt_field_find(lt_arrest_fields, lt_arrest_field_count, "offences", 8));
	assert_null(lt_field_find(lt_arrest_fields, lt_arrest_field_count, "Date", 4));
	assert_non_null(lt_field_find(lt_arrest_fields, lt_arrest_field_count, "date,", 4));
	assert_null(lt_field_find(lt_arrest_fields, lt_arrest_field_count, "", 0));
}

/* The README documents every column of both tables, in its column tables. */
static void test_readme_columns(void **state)
{
	(void)state;
	const char *root = getenv("LANTERN_SOURCE");
	char path[2048];
	if (!root)
		fail_msg("$LANTERN_SOURCE is not set (meson test sets it)");
	snprintf(path, sizeof(path), "%s/README.md", root);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char text[1 << 18];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	const char *arrests = strstr(text, "Arrest columns");
	const char *reports = strstr(text, "Report columns");
	if (!arrests || !reports)
		fail_msg("README.md lacks 'Arrest columns' or 'Report columns'");
	int failures = 0;
	struct {
		const char *section;
		const struct lt_field *fields;
		size_t n;
	} tabs[] = {{arrests, lt_arrest_fields, lt_arrest_field_count},
	            {reports, lt_report_fields, lt_report_field_count}};
	for (size_t t = 0; t < 2; t++) {
		/* The section runs to the next blank line after its table. */
		const char *end = strstr(tabs[t].section, "|\n\n");
		size_t slen = end ? (size_t)(end - tabs[t].section) : strlen(tabs[t].section);
		for (size_t i = 0; i < tabs[t].n; i++) {
			char cell[96];
			snprintf(cell, sizeof(cell), "| `%s` | %s", tabs[t].fields[i].name,
			         tabs[t].fields[i].required ? "yes" : "");
			const char *hit = strstr(tabs[t].section, cell);
			if (!hit || (size_t)(hit - tabs[t].section) > slen) {
				print_error("README.md %.14s: no row \"%s...\"\n", tabs[t].section,
				            cell);
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);
}

/* Run one field's parser on `v` against a fresh record. */
static lt_status parse_report_field(struct lt_report *r, const char *name, const char *v,
                                    struct lt_error *err)
{
	const struct lt_field *f =
	    lt_field_find(lt_report_fields, lt_report_field_count, name, strlen(name));
	if (!f)
		fail_msg("no report field %s", name);
	lt_error_clear(err);
	return f->parse(r, v, strlen(v), err);
}

static lt_status parse_arrest_field(struct lt_arrest *a, const char *name, const char *v,
                                    struct lt_error *err)
{
	const struct lt_field *f =
	    lt_field_find(lt_arrest_fields, lt_arrest_field_count, name, strlen(name));
	if (!f)
		fail_msg("no arrest field %s", name);
	lt_error_clear(err);
	return f->parse(a, v, strlen(v), err);
}

#define FORMS_EXPECTED                                                                             \
	"(expected one of: sexual_exploitation, domestic_servitude, labour_exploitation, "         \
	"forced_criminality, child_soldiers, forced_marriage, organ_harvesting, unknown)"
#define OFFENCES_EXPECTED                                                                          \
	"(expected one of: kidnapping_false_imprisonment, slavery_servitude, forced_labour, "      \
	"human_trafficking, other_modern_slavery, not_recorded)"

/* A bad value for a field and the exact message it gets. */
static const struct {
	int arrest; /* 0: report field, 1: arrest field */
	const char *field;
	const char *value;
	lt_status want;
	const char *message; /* exact */
} bad_cases[] = {
    {1, "offence", "foo", LT_EINVAL, "unknown value 'foo' " OFFENCES_EXPECTED},
    {1, "offence", "Kidnapping", LT_EINVAL, "unknown value 'Kidnapping' " OFFENCES_EXPECTED},
    {1, "offence", "unknown", LT_EINVAL, "unknown value 'unknown' " OFFENCES_EXPECTED},
    {1, "date", "2020-13-01", LT_EINVAL, "'2020-13-01' has no month 13"},
    {1, "agency", "Herts Police", LT_EINVAL,
     "'Herts Police' is not an agency code (lower-case letters, digits, '_' and '-')"},
    {1, "case", "HC 2019", LT_EINVAL,
     "'HC 2019' is not a case reference (letters, digits, / . _ -)"},
    {1, "case", "0123456789012345678901234567890123456789012345678901234567890123", LT_EINVAL,
     "'0123456789012345678901234567890123456789...' is longer than 63 characters"},
    {0, "source", "police", LT_EINVAL, "unknown value 'police' (expected one of: public, partner)"},
    {0, "forms", "slavery", LT_EINVAL, "unknown value 'slavery' " FORMS_EXPECTED},
    {0, "forms", "sexual_exploitation;slavery", LT_EINVAL,
     "unknown value 'slavery' " FORMS_EXPECTED},
    {0, "forms", ";;", LT_EINVAL, "no form of exploitation given"},
    {0, "forms", " , | ", LT_EINVAL, "no form of exploitation given"},
    {0, "place", "home", LT_EINVAL,
     "unknown value 'home' (expected one of: local, elsewhere_in_country, abroad, unknown)"},
    {0, "district", "london", LT_EINVAL,
     "unknown value 'london' (expected one of: broxbourne, dacorum, east_hertfordshire, "
     "hertsmere, north_hertfordshire, st_albans, stevenage, three_rivers, watford, "
     "welwyn_hatfield)"},
    {0, "country", "UK", LT_EINVAL,
     "unknown value 'UK' (expected an ISO 3166-1 alpha-2 country code such as GB, RO or VN)"},
    {0, "country", "GBR", LT_EINVAL,
     "unknown value 'GBR' (expected an ISO 3166-1 alpha-2 country code such as GB, RO or VN)"},
    {0, "anonymous", "maybe", LT_EINVAL,
     "unknown value 'maybe' (expected one of: true, false, yes, no, 1, 0)"},
    {0, "received", "yesterday", LT_EINVAL,
     "'yesterday' is not a date (expected YYYY-MM-DD, YYYY-MM or YYYY)"},
    {0, "occurred", "2019-02-29", LT_EINVAL, "'2019-02-29' is not a day of the calendar"},
    {0, "agency", "HERTS", LT_EINVAL,
     "'HERTS' is not an agency code (lower-case letters, digits, '_' and '-')"},
    {0, "description", "bell\x07", LT_EINVAL,
     "contains bytes that are not UTF-8 text or control characters"},
    {0, "contact", "\xff\xfe", LT_EINVAL,
     "contains bytes that are not UTF-8 text or control characters"},
    /* Long values are quoted cut to 40 bytes, control characters as '?'. */
    {1, "offence", "a\tvery long value that goes on and on and on and on", LT_EINVAL,
     "unknown value 'a?very long value that goes on and on an...' " OFFENCES_EXPECTED},
};

static void test_bad_values(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < N(bad_cases); i++) {
		struct lt_error err;
		struct lt_report r;
		struct lt_arrest a;
		lt_status got;
		lt_report_init(&r);
		lt_arrest_init(&a);
		if (bad_cases[i].arrest)
			got = parse_arrest_field(&a, bad_cases[i].field, bad_cases[i].value, &err);
		else
			got = parse_report_field(&r, bad_cases[i].field, bad_cases[i].value, &err);
		if (got != bad_cases[i].want || strcmp(err.field, bad_cases[i].field) != 0 ||
		    strcmp(err.message, bad_cases[i].message) != 0) {
			print_error("%s '%s':\n  got  %s [%s] %s\n  want %s [%s] %s\n",
			            bad_cases[i].field, bad_cases[i].value, lt_status_name(got),
			            err.field, err.message, lt_status_name(bad_cases[i].want),
			            bad_cases[i].field, bad_cases[i].message);
			failures++;
		}
		lt_report_release(&r);
	}
	assert_int_equal(failures, 0);
}

static void test_report_fields_good(void **state)
{
	(void)state;
	struct lt_report r;
	struct lt_error err;
	lt_report_init(&r);
	assert_int_equal(r.source, LT_SOURCE_PUBLIC);
	assert_int_equal(r.place, LT_PLACE_UNKNOWN);
	assert_int_equal(r.district, -1);
	assert_int_equal(r.country, -1);
	assert_true(r.anonymous);

	assert_int_equal(parse_report_field(&r, "received", "2019-05-17", &err), LT_OK);
	assert_int_equal(r.received.year, 2019);
	assert_int_equal(r.received.day, 17);
	assert_int_equal(parse_report_field(&r, "occurred", "2018", &err), LT_OK);
	assert_int_equal(r.occurred.year, 2018);
	assert_int_equal(r.occurred.month, 0);
	assert_int_equal(parse_report_field(&r, "source", "partner", &err), LT_OK);
	assert_int_equal(r.source, LT_SOURCE_PARTNER);
	assert_int_equal(parse_report_field(&r, "agency", "herts-cc_2", &err), LT_OK);
	assert_string_equal(r.agency, "herts-cc_2");
	assert_int_equal(parse_report_field(&r, "place", "abroad", &err), LT_OK);
	assert_int_equal(r.place, LT_PLACE_ABROAD);
	assert_int_equal(parse_report_field(&r, "country", "ro", &err), LT_OK);
	assert_string_equal(lt_vocab_term(&lt_vocab_country, (size_t)r.country)->code, "RO");
	assert_int_equal(parse_report_field(&r, "district", "st_albans", &err), LT_OK);
	assert_string_equal(lt_vocab_term(&lt_vocab_district, (size_t)r.district)->code,
	                    "st_albans");

	/* Forms: separators ; , | with spaces around them, repeats harmless. */
	static const struct {
		const char *in;
		uint32_t want;
	} forms[] = {
	    {"unknown", 1u << LT_FORM_UNKNOWN},
	    {"sexual_exploitation;forced_criminality",
	     (1u << LT_FORM_SEXUAL_EXPLOITATION) | (1u << LT_FORM_FORCED_CRIMINALITY)},
	    {" labour_exploitation , domestic_servitude | organ_harvesting ;",
	     (1u << LT_FORM_LABOUR_EXPLOITATION) | (1u << LT_FORM_DOMESTIC_SERVITUDE) |
	         (1u << LT_FORM_ORGAN_HARVESTING)},
	    {"child_soldiers;child_soldiers", 1u << LT_FORM_CHILD_SOLDIERS},
	    {"forced_marriage", 1u << LT_FORM_FORCED_MARRIAGE},
	};
	for (size_t i = 0; i < N(forms); i++) {
		r.forms = 0;
		if (parse_report_field(&r, "forms", forms[i].in, &err) != LT_OK ||
		    r.forms != forms[i].want)
			fail_msg("forms \"%s\": got %#x (%s), want %#x", forms[i].in, r.forms,
			         err.message, forms[i].want);
	}

	/* Booleans, any case. */
	static const struct {
		const char *in;
		bool want;
	} bools[] = {{"true", true}, {"TRUE", true}, {"yes", true},    {"1", true},
	             {"on", true},   {"y", true},    {"false", false}, {"No", false},
	             {"0", false},   {"off", false}, {"n", false}};
	for (size_t i = 0; i < N(bools); i++) {
		r.anonymous = !bools[i].want;
		if (parse_report_field(&r, "anonymous", bools[i].in, &err) != LT_OK ||
		    r.anonymous != bools[i].want)
			fail_msg("anonymous \"%s\": got %d, want %d", bools[i].in, r.anonymous,
			         bools[i].want);
	}

	/* Free text: copied, replaced without leaking, UTF-8 and newlines kept. */
	assert_int_equal(parse_report_field(&r, "description", "first", &err), LT_OK);
	assert_int_equal(
	    parse_report_field(&r, "description", "Caf\xc3\xa9 on the corner,\r\nlate.", &err),
	    LT_OK);
	assert_string_equal(r.description, "Caf\xc3\xa9 on the corner,\r\nlate.");
	assert_int_equal(parse_report_field(&r, "contact", "07700 900123", &err), LT_OK);
	assert_string_equal(r.contact, "07700 900123");
	lt_report_release(&r);
	assert_null(r.description);
	assert_null(r.contact);
	lt_report_release(&r); /* twice: harmless */
}

static void test_text_limits(void **state)
{
	(void)state;
	static char big[LT_TEXT_MAX + 2];
	struct lt_report r;
	struct lt_error err;
	const struct lt_field *desc =
	    lt_field_find(lt_report_fields, lt_report_field_count, "description", 11);
	const struct lt_field *contact =
	    lt_field_find(lt_report_fields, lt_report_field_count, "contact", 7);
	memset(big, 'x', sizeof(big));
	lt_report_init(&r);

	lt_error_clear(&err);
	assert_int_equal(desc->parse(&r, big, LT_TEXT_MAX, &err), LT_OK);
	assert_int_equal(strlen(r.description), LT_TEXT_MAX);
	lt_error_clear(&err);
	assert_int_equal(desc->parse(&r, big, LT_TEXT_MAX + 1, &err), LT_ETOOBIG);
	assert_string_equal(err.field, "description");
	assert_string_equal(err.message, "is 8001 bytes long; at most 8000 allowed");
	assert_int_equal(strlen(r.description), LT_TEXT_MAX); /* unchanged */

	lt_error_clear(&err);
	assert_int_equal(contact->parse(&r, big, LT_CONTACT_MAX, &err), LT_OK);
	assert_int_equal(contact->parse(&r, big, LT_CONTACT_MAX + 1, &err), LT_ETOOBIG);
	assert_string_equal(err.field, "contact");
	lt_report_release(&r);
}

static void test_arrest_fields_good(void **state)
{
	(void)state;
	struct lt_arrest a;
	struct lt_error err;
	lt_arrest_init(&a);
	assert_int_equal(a.offence, LT_OFFENCE_NOT_RECORDED);
	for (size_t i = 0; i < lt_vocab_offence.count; i++) {
		const char *code = lt_vocab_offence.terms[i].code;
		if (parse_arrest_field(&a, "offence", code, &err) != LT_OK ||
		    a.offence != (enum lt_offence)i)
			fail_msg("offence %s: got %d (%s), want %zu", code, (int)a.offence,
			         err.message, i);
	}
	assert_int_equal(parse_arrest_field(&a, "date", "2019", &err), LT_OK);
	assert_int_equal(a.date.year, 2019);
	assert_int_equal(parse_arrest_field(&a, "agency", "herts_police", &err), LT_OK);
	assert_string_equal(a.agency, "herts_police");
	assert_int_equal(parse_arrest_field(&a, "case", "HC/2019/001.a_b-c", &err), LT_OK);
	assert_string_equal(a.case_ref, "HC/2019/001.a_b-c");
	assert_int_equal(
	    parse_arrest_field(&a, "case",
	                       "012345678901234567890123456789012345678901234567890123456789012",
	                       &err),
	    LT_OK);
	assert_int_equal(strlen(a.case_ref), LT_CODE_MAX - 1);
}

/* ---- cross-field rules -------------------------------------------------- */

/* A valid public, anonymous report; each case changes one thing. */
static void base_report(struct lt_report *r)
{
	lt_report_init(r);
	r->received = (struct lt_date){2019, 5, 1};
	r->forms = 1u << LT_FORM_LABOUR_EXPLOITATION;
	r->place = LT_PLACE_UNKNOWN;
}

enum mutation {
	M_NONE,
	M_NO_RECEIVED,
	M_NO_FORMS,
	M_LOCAL_NO_DISTRICT,
	M_LOCAL_WITH_DISTRICT,
	M_DISTRICT_NOT_LOCAL,
	M_ABROAD_NO_COUNTRY,
	M_ABROAD_WITH_COUNTRY,
	M_COUNTRY_NOT_ABROAD,
	M_LOCAL_WITH_COUNTRY,
	M_OCCURRED_AFTER_DAY,
	M_OCCURRED_AFTER_YEAR,
	M_OCCURRED_AFTER_MONTH,
	M_OCCURRED_SAME_DAY,
	M_OCCURRED_YEAR_ONLY,
	M_OCCURRED_MONTH_ONLY,
	M_RECEIVED_MONTH_OCCURRED_DAY,
	M_RECEIVED_YEAR_OCCURRED_DAY,
	M_RECEIVED_MONTH_OCCURRED_NEXT_MONTH,
	M_PARTNER_NO_AGENCY,
	M_PARTNER_WITH_AGENCY,
	M_PUBLIC_WITH_AGENCY,
	M_ANONYMOUS_WITH_CONTACT,
	M_ANONYMOUS_EMPTY_CONTACT,
	M_NAMED_NO_CONTACT,
	M_NAMED_WITH_CONTACT,
	M_NAMED_SEALED,
	M_NAMED_PARTNER_NO_CONTACT,
};

static void mutate(struct lt_report *r, enum mutation m)
{
	switch (m) {
	case M_NONE:
		break;
	case M_NO_RECEIVED:
		r->received = (struct lt_date){0, 0, 0};
		break;
	case M_NO_FORMS:
		r->forms = 0;
		break;
	case M_LOCAL_NO_DISTRICT:
		r->place = LT_PLACE_LOCAL;
		break;
	case M_LOCAL_WITH_DISTRICT:
		r->place = LT_PLACE_LOCAL;
		r->district = 0;
		break;
	case M_DISTRICT_NOT_LOCAL:
		r->place = LT_PLACE_ELSEWHERE_IN_COUNTRY;
		r->district = 3;
		break;
	case M_ABROAD_NO_COUNTRY:
		r->place = LT_PLACE_ABROAD;
		break;
	case M_ABROAD_WITH_COUNTRY:
		r->place = LT_PLACE_ABROAD;
		r->country = 5;
		break;
	case M_COUNTRY_NOT_ABROAD:
		r->country = 5;
		break;
	case M_LOCAL_WITH_COUNTRY:
		r->place = LT_PLACE_LOCAL;
		r->district = 1;
		r->country = 5;
		break;
	case M_OCCURRED_AFTER_DAY:
		r->occurred = (struct lt_date){2019, 5, 2};
		break;
	case M_OCCURRED_AFTER_YEAR:
		r->occurred = (struct lt_date){2020, 0, 0};
		break;
	case M_OCCURRED_AFTER_MONTH:
		r->occurred = (struct lt_date){2019, 6, 0};
		break;
	case M_OCCURRED_SAME_DAY:
		r->occurred = (struct lt_date){2019, 5, 1};
		break;
	case M_OCCURRED_YEAR_ONLY:
		r->occurred = (struct lt_date){2019, 0, 0};
		break;
	case M_OCCURRED_MONTH_ONLY:
		r->occurred = (struct lt_date){2019, 5, 0};
		break;
	case M_RECEIVED_MONTH_OCCURRED_DAY:
		/* Reported "in May 2019" about something on 17 May 2019: consistent. */
		r->received = (struct lt_date){2019, 5, 0};
		r->occurred = (struct lt_date){2019, 5, 17};
		break;
	case M_RECEIVED_YEAR_OCCURRED_DAY:
		r->received = (struct lt_date){2019, 0, 0};
		r->occurred = (struct lt_date){2019, 12, 31};
		break;
	case M_RECEIVED_MONTH_OCCURRED_NEXT_MONTH:
		r->received = (struct lt_date){2019, 5, 0};
		r->occurred = (struct lt_date){2019, 6, 1};
		break;
	case M_PARTNER_NO_AGENCY:
		r->source = LT_SOURCE_PARTNER;
		break;
	case M_PARTNER_WITH_AGENCY:
		r->source = LT_SOURCE_PARTNER;
		snprintf(r->agency, sizeof(r->agency), "herts_cc");
		break;
	case M_PUBLIC_WITH_AGENCY:
		snprintf(r->agency, sizeof(r->agency), "herts_cc");
		break;
	case M_ANONYMOUS_WITH_CONTACT:
		r->contact = strdup("07700 900123");
		break;
	case M_ANONYMOUS_EMPTY_CONTACT:
		r->contact = strdup("");
		break;
	case M_NAMED_NO_CONTACT:
		r->anonymous = false;
		break;
	case M_NAMED_WITH_CONTACT:
		r->anonymous = false;
		r->contact = strdup("07700 900123");
		break;
	case M_NAMED_SEALED:
		r->anonymous = false;
		r->contact_sealed = calloc(1, 64);
		r->contact_sealed_len = 64;
		break;
	case M_NAMED_PARTNER_NO_CONTACT:
		r->anonymous = false;
		r->source = LT_SOURCE_PARTNER;
		snprintf(r->agency, sizeof(r->agency), "herts_cc");
		break;
	}
}

static const struct {
	const char *name;
	enum mutation m;
	const char *field; /* NULL: no error */
	const char *message;
} check_cases[] = {
    {"valid", M_NONE, NULL, NULL},
    {"no received date", M_NO_RECEIVED, "received",
     "is required: the date the concern was reported"},
    {"no forms", M_NO_FORMS, "forms",
     "is required: at least one form of exploitation (or unknown)"},
    {"local without district", M_LOCAL_NO_DISTRICT, "district", "is required when place is local"},
    {"local with district", M_LOCAL_WITH_DISTRICT, NULL, NULL},
    {"district but not local", M_DISTRICT_NOT_LOCAL, "district",
     "must be empty unless place is local"},
    {"abroad without country", M_ABROAD_NO_COUNTRY, "country", "is required when place is abroad"},
    {"abroad with country", M_ABROAD_WITH_COUNTRY, NULL, NULL},
    {"country but not abroad", M_COUNTRY_NOT_ABROAD, "country",
     "must be empty unless place is abroad"},
    {"local with a country", M_LOCAL_WITH_COUNTRY, "country",
     "must be empty unless place is abroad"},
    {"occurred the day after", M_OCCURRED_AFTER_DAY, "occurred",
     "is after the date the concern was reported"},
    {"occurred the year after", M_OCCURRED_AFTER_YEAR, "occurred",
     "is after the date the concern was reported"},
    {"occurred the month after", M_OCCURRED_AFTER_MONTH, "occurred",
     "is after the date the concern was reported"},
    {"occurred the same day", M_OCCURRED_SAME_DAY, NULL, NULL},
    {"occurred that year", M_OCCURRED_YEAR_ONLY, NULL, NULL},
    {"occurred that month", M_OCCURRED_MONTH_ONLY, NULL, NULL},
    {"received in a month, occurred on a day of it", M_RECEIVED_MONTH_OCCURRED_DAY, NULL, NULL},
    {"received in a year, occurred on a day of it", M_RECEIVED_YEAR_OCCURRED_DAY, NULL, NULL},
    {"received in a month, occurred the next month", M_RECEIVED_MONTH_OCCURRED_NEXT_MONTH,
     "occurred", "is after the date the concern was reported"},
    {"partner without agency", M_PARTNER_NO_AGENCY, "agency", "is required when source is partner"},
    {"partner with agency", M_PARTNER_WITH_AGENCY, NULL, NULL},
    {"public with agency", M_PUBLIC_WITH_AGENCY, "agency", "must be empty when source is public"},
    {"anonymous with contact", M_ANONYMOUS_WITH_CONTACT, "contact",
     "must be empty when the report is anonymous"},
    {"anonymous with empty contact", M_ANONYMOUS_EMPTY_CONTACT, NULL, NULL},
    {"named without contact", M_NAMED_NO_CONTACT, "contact",
     "is required when the report is not anonymous: say how we can reach you"},
    {"named with contact", M_NAMED_WITH_CONTACT, NULL, NULL},
    {"named with sealed contact", M_NAMED_SEALED, NULL, NULL},
    {"named partner report without contact", M_NAMED_PARTNER_NO_CONTACT, NULL, NULL},
};

static void test_report_check(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < N(check_cases); i++) {
		struct lt_report r;
		struct lt_diags d;
		base_report(&r);
		mutate(&r, check_cases[i].m);
		lt_diags_init(&d);
		lt_status got = lt_report_check(&r, NULL, 42, &d);
		lt_status want = check_cases[i].field ? LT_EINVAL : LT_OK;
		int ok = got == want && lt_diags_total(&d) == (check_cases[i].field ? 1u : 0u);
		if (ok && check_cases[i].field)
			ok = strcmp(d.items[0].field, check_cases[i].field) == 0 &&
			     strcmp(d.items[0].message, check_cases[i].message) == 0 &&
			     d.items[0].line == 42 && d.items[0].status == LT_EINVAL;
		if (!ok) {
			print_error("%s: got %s with %zu errors (first: line %ld [%s] %s), want %s "
			            "[%s] %s\n",
			            check_cases[i].name, lt_status_name(got), lt_diags_total(&d),
			            d.count ? d.items[0].line : 0L, d.count ? d.items[0].field : "",
			            d.count ? d.items[0].message : "", lt_status_name(want),
			            check_cases[i].field ? check_cases[i].field : "",
			            check_cases[i].message ? check_cases[i].message : "");
			failures++;
		}
		lt_diags_release(&d);
		lt_report_release(&r);
	}
	assert_int_equal(failures, 0);
}

/* Every problem is reported, not just the first; diags already holding
 * errors from earlier rows do not make a good record bad. */
static void test_report_check_all_problems(void **state)
{
	(void)state;
	struct lt_report r;
	struct lt_diags d;
	lt_diags_init(&d);
	lt_report_init(&r);
	r.source = LT_SOURCE_PARTNER;
	r.place = LT_PLACE_LOCAL;
	r.country = 2;
	assert_int_equal(lt_report_check(&r, NULL, 7, &d), LT_EINVAL);
	static const char *const want[] = {"received", "forms", "district", "country", "agency"};
	assert_int_equal(lt_diags_total(&d), N(want));
	for (size_t i = 0; i < N(want); i++) {
		if (strcmp(d.items[i].field, want[i]) != 0 || d.items[i].line != 7)
			fail_msg("error %zu: got line %ld field %s, want line 7 field %s", i,
			         d.items[i].line, d.items[i].field, want[i]);
	}
	lt_report_release(&r);

	base_report(&r);
	assert_int_equal(lt_report_check(&r, NULL, 8, &d), LT_OK);
	assert_int_equal(lt_diags_total(&d), N(want));
	lt_diags_release(&d);
	lt_report_release(&r);
}

static void test_known_references(void **state)
{
	(void)state;
	static const char *const agencies[] = {"glaa", "herts_cc", "herts_police"}; /* sorted */
	static const char *const cases[] = {"HC/1", "HC/2"};
	struct lt_known known = {agencies, 3, cases, 2};
	struct lt_known none = {NULL, 0, NULL, 0};
	struct lt_report r;
	struct lt_diags d;
	lt_diags_init(&d);

	base_report(&r);
	mutate(&r, M_PARTNER_WITH_AGENCY);
	assert_int_equal(lt_report_check(&r, &known, 1, &d), LT_OK);
	snprintf(r.agency, sizeof(r.agency), "herts_pol");
	assert_int_equal(lt_report_check(&r, &known, 3, &d), LT_EINVAL);
	assert_int_equal(lt_diags_total(&d), 1);
	assert_string_equal(d.items[0].field, "agency");
	assert_string_equal(d.items[0].message,
	                    "unknown agency 'herts_pol' (see `lantern agency list`)");
	assert_int_equal(d.items[0].line, 3);
	/* With nothing known, every agency is unknown; without `known`, none is checked. */
	assert_int_equal(lt_report_check(&r, &none, 4, &d), LT_EINVAL);
	assert_int_equal(lt_report_check(&r, NULL, 5, &d), LT_OK);
	lt_report_release(&r);
	lt_diags_release(&d);

	/* Each known agency is found (the binary search sees every position). */
	for (size_t i = 0; i < 3; i++) {
		struct lt_arrest a;
		lt_arrest_init(&a);
		a.date.year = 2019;
		snprintf(a.agency, sizeof(a.agency), "%s", agencies[i]);
		lt_diags_init(&d);
		if (lt_arrest_check(&a, &known, 1, &d) != LT_OK)
			fail_msg("known agency %s reported unknown", agencies[i]);
		lt_diags_release(&d);
	}

	struct {
		const char *name;
		int year;
		const char *agency, *case_ref;
		const struct lt_known *k;
		const char *fields; /* the fields of the errors, in order, joined by ',' */
	} arrests[] = {
	    {"valid", 2019, "herts_police", "", &known, ""},
	    {"valid with case", 2019, "herts_police", "HC/2", &known, ""},
	    {"no date", 0, "herts_police", "", &known, "date"},
	    {"no agency", 2019, "", "", &known, "agency"},
	    {"nothing", 0, "", "", &known, "date,agency"},
	    {"unknown agency", 2019, "nca", "", &known, "agency"},
	    {"unknown case", 2019, "herts_police", "HC/3", &known, "case"},
	    {"both unknown", 2019, "nca", "HC/3", &known, "agency,case"},
	    {"unknown case, nothing known", 2019, "herts_police", "HC/1", &none, "agency,case"},
	    {"references unchecked", 2019, "nca", "HC/3", NULL, ""},
	};
	int failures = 0;
	for (size_t i = 0; i < N(arrests); i++) {
		struct lt_arrest a;
		char got[128] = "";
		size_t used = 0;
		lt_arrest_init(&a);
		a.date.year = arrests[i].year;
		snprintf(a.agency, sizeof(a.agency), "%s", arrests[i].agency);
		snprintf(a.case_ref, sizeof(a.case_ref), "%s", arrests[i].case_ref);
		lt_diags_init(&d);
		lt_status st = lt_arrest_check(&a, arrests[i].k, 9, &d);
		for (size_t j = 0; j < d.count; j++)
			used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s",
			                         j ? "," : "", d.items[j].field);
		if (strcmp(got, arrests[i].fields) != 0 || (st == LT_OK) != (d.count == 0)) {
			print_error("arrest %s: got %s [%s], want [%s]\n", arrests[i].name,
			            lt_status_name(st), got, arrests[i].fields);
			failures++;
		}
		if (strcmp(arrests[i].name, "unknown case") == 0 && d.count == 1)
			assert_string_equal(d.items[0].message, "unknown case 'HC/3'");
		lt_diags_release(&d);
	}
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_date_parse),
	    cmocka_unit_test(test_date_parse_len),
	    cmocka_unit_test(test_date_format),
	    cmocka_unit_test(test_date_cmp),
	    cmocka_unit_test(test_ref_format),
	    cmocka_unit_test(test_ref_alphabet),
	    cmocka_unit_test(test_ref_valid),
	    cmocka_unit_test(test_text_valid),
	    cmocka_unit_test(test_agency_code),
	    cmocka_unit_test(test_field_tables),
	    cmocka_unit_test(test_readme_columns),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_report_fields_good),
	    cmocka_unit_test(test_text_limits),
	    cmocka_unit_test(test_arrest_fields_good),
	    cmocka_unit_test(test_report_check),
	    cmocka_unit_test(test_report_check_all_problems),
	    cmocka_unit_test(test_known_references),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
