/*
 * test_taxonomy.c — unit tests of src/core/taxonomy.{h,c}.
 *
 * Codes are part of lantern's file and API formats, so the expected lists
 * below are copied by hand from the foundation issue (issue 2, section 2)
 * rather than derived from the tables under test: renaming, dropping or
 * reordering a code fails here. The crosswalk columns are checked against
 * the reference files they cite, read from $LANTERN_SHARED/data/domain/,
 * and the README's list of codes against the tables, through
 * $LANTERN_SOURCE.
 */
#include "testutil.h"

#include "core/csv.h"
#include "core/taxonomy.h"

/* ---- helpers ----------------------------------------------------------- */

/* The whole file at $env/rel, NUL-terminated; the caller frees it. */
static char *read_file_env(const char *env, const char *rel, size_t *len)
{
	const char *root = getenv(env);
	char path[2048];
	if (!root || !*root)
		fail_msg("$%s is not set (meson test sets it)", env);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* A small set of strings, owned. */
struct strset {
	char *v[512];
	size_t n;
};

static void strset_add(struct strset *s, const char *p, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == len && memcmp(s->v[i], p, len) == 0)
			return;
	assert_true(s->n < sizeof(s->v) / sizeof(s->v[0]));
	char *c = malloc(len + 1);
	assert_non_null(c);
	memcpy(c, p, len);
	c[len] = '\0';
	s->v[s->n++] = c;
}

static int strset_has(const struct strset *s, const char *p)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], p) == 0)
			return 1;
	return 0;
}

static void strset_free(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

/* Add each piece of `list` split at `sep`, spaces trimmed; with `stop_at`
 * (e.g. '='), only the part before it. */
static void strset_add_split(struct strset *s, const char *list, char sep, char stop_at)
{
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, sep);
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *q = p;
		size_t m = n;
		if (stop_at) {
			const char *st = memchr(q, stop_at, m);
			if (st)
				m = (size_t)(st - q);
		}
		while (m && *q == ' ')
			q++, m--;
		while (m && q[m - 1] == ' ')
			m--;
		if (m)
			strset_add(s, q, m);
		p += n;
		if (*p)
			p++;
	}
}

/*
 * Read a CSV reference file and call `row` with each data row's fields,
 * after finding the columns named in `cols` (their indices go to idx[]).
 */
typedef void (*row_fn)(const struct lt_csv_field *f, size_t n, const size_t *idx, void *ctx);

static void each_row(const char *rel, const char *const *cols, size_t ncols, size_t header_row,
                     row_fn row, void *ctx)
{
	size_t len;
	char *data = read_file_env("LANTERN_SHARED", rel, &len);
	struct lt_csv c;
	struct lt_error err;
	size_t nf, idx[8];
	long line;
	lt_error_clear(&err);
	lt_csv_init(&c, data, len);
	for (size_t r = 0; r <= header_row; r++)
		if (lt_csv_next(&c, &nf, &line, &err) != LT_OK)
			fail_msg("%s: no header row: %s", rel, err.message);
	assert_true(ncols <= 8);
	for (size_t k = 0; k < ncols; k++) {
		idx[k] = (size_t)-1;
		for (size_t i = 0; i < nf; i++)
			if (strcmp(c.fields[i].p, cols[k]) == 0)
				idx[k] = i;
		if (idx[k] == (size_t)-1)
			fail_msg("%s: no column '%s'", rel, cols[k]);
	}
	lt_status st;
	while ((st = lt_csv_next(&c, &nf, &line, &err)) == LT_OK)
		row(c.fields, nf, idx, ctx);
	if (st != LT_ENOTFOUND)
		fail_msg("%s:%ld: %s", rel, err.line, err.message);
	lt_csv_release(&c);
	free(data);
}

/* ---- the expected vocabularies, from issue 2 ---------------------------- */

static const char *const want_forms[] = {
    "sexual_exploitation", "domestic_servitude", "labour_exploitation", "forced_criminality",
    "child_soldiers",      "forced_marriage",    "organ_harvesting",    "unknown",
};
static const char *const want_offences[] = {
    "kidnapping_false_imprisonment", "slavery_servitude", "forced_labour", "human_trafficking",
    "other_modern_slavery",          "not_recorded",
};
static const char *const want_places[] = {"local", "elsewhere_in_country", "abroad", "unknown"};
static const char *const want_agency_kinds[] = {
    "police", "county_council", "district_council", "pcc_office", "national_agency",
    "health", "charity",        "helpline",         "other",
};
static const char *const want_sources[] = {"public", "partner"};
static const char *const want_districts[] = {
    "broxbourne", "dacorum",   "east_hertfordshire", "hertsmere", "north_hertfordshire",
    "st_albans",  "stevenage", "three_rivers",       "watford",   "welwyn_hatfield",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const struct lt_vocab *v;
	const char *const *codes;
	size_t n;
} want_vocabs[] = {
    {&lt_vocab_form, want_forms, N(want_forms)},
    {&lt_vocab_offence, want_offences, N(want_offences)},
    {&lt_vocab_place, want_places, N(want_places)},
    {&lt_vocab_agency_kind, want_agency_kinds, N(want_agency_kinds)},
    {&lt_vocab_source, want_sources, N(want_sources)},
    {&lt_vocab_district, want_districts, N(want_districts)},
};

/* ---- tests -------------------------------------------------------------- */

static void test_codes_as_issued(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t k = 0; k < N(want_vocabs); k++) {
		const struct lt_vocab *v = want_vocabs[k].v;
		if (v->count != want_vocabs[k].n) {
			print_error("vocabulary %s: %zu codes, want %zu\n", v->name, v->count,
			            want_vocabs[k].n);
			failures++;
			continue;
		}
		for (size_t i = 0; i < v->count; i++) {
			if (strcmp(v->terms[i].code, want_vocabs[k].codes[i]) != 0) {
				print_error("vocabulary %s, index %zu: got \"%s\", want \"%s\"\n",
				            v->name, i, v->terms[i].code, want_vocabs[k].codes[i]);
				failures++;
			}
		}
	}
	/* The enums have exactly as many values as the arrays have terms. */
	if (LT_FORM_COUNT != lt_vocab_form.count || LT_OFFENCE_COUNT != lt_vocab_offence.count ||
	    LT_PLACE_COUNT != lt_vocab_place.count ||
	    LT_AGENCY_KIND_COUNT != lt_vocab_agency_kind.count ||
	    LT_SOURCE_COUNT != lt_vocab_source.count) {
		print_error("an enum's COUNT differs from its vocabulary's count\n");
		failures++;
	}
	assert_int_equal(failures, 0);
}

/* Every enum constant names the term at its index. */
static const struct {
	const struct lt_vocab *v;
	int value;
	const char *code;
} enum_cases[] = {
    {&lt_vocab_form, LT_FORM_SEXUAL_EXPLOITATION, "sexual_exploitation"},
    {&lt_vocab_form, LT_FORM_DOMESTIC_SERVITUDE, "domestic_servitude"},
    {&lt_vocab_form, LT_FORM_LABOUR_EXPLOITATION, "labour_exploitation"},
    {&lt_vocab_form, LT_FORM_FORCED_CRIMINALITY, "forced_criminality"},
    {&lt_vocab_form, LT_FORM_CHILD_SOLDIERS, "child_soldiers"},
    {&lt_vocab_form, LT_FORM_FORCED_MARRIAGE, "forced_marriage"},
    {&lt_vocab_form, LT_FORM_ORGAN_HARVESTING, "organ_harvesting"},
    {&lt_vocab_form, LT_FORM_UNKNOWN, "unknown"},
    {&lt_vocab_offence, LT_OFFENCE_KIDNAPPING_FALSE_IMPRISONMENT, "kidnapping_false_imprisonment"},
    {&lt_vocab_offence, LT_OFFENCE_SLAVERY_SERVITUDE, "slavery_servitude"},
    {&lt_vocab_offence, LT_OFFENCE_FORCED_LABOUR, "forced_labour"},
    {&lt_vocab_offence, LT_OFFENCE_HUMAN_TRAFFICKING, "human_trafficking"},
    {&lt_vocab_offence, LT_OFFENCE_OTHER_MODERN_SLAVERY, "other_modern_slavery"},
    {&lt_vocab_offence, LT_OFFENCE_NOT_RECORDED, "not_recorded"},
    {&lt_vocab_place, LT_PLACE_LOCAL, "local"},
    {&lt_vocab_place, LT_PLACE_ELSEWHERE_IN_COUNTRY, "elsewhere_in_country"},
    {&lt_vocab_place, LT_PLACE_ABROAD, "abroad"},
    {&lt_vocab_place, LT_PLACE_UNKNOWN, "unknown"},
    {&lt_vocab_agency_kind, LT_AGENCY_KIND_POLICE, "police"},
    {&lt_vocab_agency_kind, LT_AGENCY_KIND_COUNTY_COUNCIL, "county_council"},
    {&lt_vocab_agency_kind, LT_AGENCY_KIND_DISTRICT_COUNCIL, "district_council"},
    {&lt_vocab_agency_kind, LT_AGENCY_KIND_PCC_OFFICE, "pcc_office"},
    {&lt_vocab_agency_kind, LT_AGENCY_KIND_NATIONAL_AGENCY, "national_agency"},
    {&lt_vocab_agency_kind, LT_AGENCY_KIND_HEALTH, "health"},
    {&lt_vocab_agency_kind, LT_AGENCY_KIND_CHARITY, "charity"},
    {&lt_vocab_agency_kind, LT_AGENCY_KIND_HELPLINE, "helpline"},
    {&lt_vocab_agency_kind, LT_AGENCY_KIND_OTHER, "other"},
    {&lt_vocab_source, LT_SOURCE_PUBLIC, "public"},
    {&lt_vocab_source, LT_SOURCE_PARTNER, "partner"},
};

static void test_enum_order(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < N(enum_cases); i++) {
		const char *got = lt_vocab_term(enum_cases[i].v, (size_t)enum_cases[i].value)->code;
		if (strcmp(got, enum_cases[i].code) != 0) {
			print_error("%s enum value %d: got \"%s\", want \"%s\"\n",
			            enum_cases[i].v->name, enum_cases[i].value, got,
			            enum_cases[i].code);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_codes_well_formed(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t k = 0; k < N(want_vocabs); k++) {
		const struct lt_vocab *v = want_vocabs[k].v;
		assert_non_null(v->name);
		for (size_t i = 0; i < v->count; i++) {
			const struct lt_term *t = &v->terms[i];
			if (!t->code || !t->label || !t->description || !t->nrm || !t->htcds) {
				print_error("%s[%zu]: a NULL string\n", v->name, i);
				failures++;
				continue;
			}
			if (!*t->code || strlen(t->code) >= 64 || !*t->label || !*t->description) {
				print_error("%s[%zu] \"%s\": empty code, label or description\n",
				            v->name, i, t->code);
				failures++;
			}
			for (const char *p = t->code; *p; p++) {
				if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
				      *p == '_')) {
					print_error("%s code \"%s\" is not [a-z0-9_]\n", v->name,
					            t->code);
					failures++;
					break;
				}
			}
			for (size_t j = 0; j < i; j++) {
				if (strcmp(v->terms[j].code, t->code) == 0) {
					print_error("%s code \"%s\" appears twice\n", v->name,
					            t->code);
					failures++;
				}
				if (strcmp(v->terms[j].label, t->label) == 0) {
					print_error("%s label \"%s\" appears twice\n", v->name,
					            t->label);
					failures++;
				}
			}
			if (lt_vocab_find(v, t->code, strlen(t->code)) != (int)i) {
				print_error("%s: lt_vocab_find(\"%s\") is not %zu\n", v->name,
				            t->code, i);
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);
}

static const struct {
	const struct lt_vocab *v;
	const char *s;
	size_t len; /* (size_t)-1: strlen */
	int want;
} find_cases[] = {
    {&lt_vocab_form, "organ_harvesting", (size_t)-1, LT_FORM_ORGAN_HARVESTING},
    {&lt_vocab_form, "unknownXYZ", 7, LT_FORM_UNKNOWN}, /* only len bytes are read */
    {&lt_vocab_form, "unknown", 6, -1},
    {&lt_vocab_form, "Unknown", (size_t)-1, -1}, /* exact, not case-folded */
    {&lt_vocab_form, "sexual", (size_t)-1, -1},
    {&lt_vocab_form, "", 0, -1},
    {&lt_vocab_form, "sexual_exploitation ", (size_t)-1, -1},
    {&lt_vocab_offence, "not_recorded", (size_t)-1, LT_OFFENCE_NOT_RECORDED},
    {&lt_vocab_offence, "unknown", (size_t)-1, -1},
    {&lt_vocab_place, "abroad", (size_t)-1, LT_PLACE_ABROAD},
    {&lt_vocab_agency_kind, "other", (size_t)-1, LT_AGENCY_KIND_OTHER},
    {&lt_vocab_district, "watford", (size_t)-1, 8},
    {&lt_vocab_district, "Watford", (size_t)-1, -1},
    {&lt_vocab_country, "GB", (size_t)-1, -2}, /* -2: compare with "gb" below */
};

static void test_find(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < N(find_cases); i++) {
		size_t len =
		    find_cases[i].len == (size_t)-1 ? strlen(find_cases[i].s) : find_cases[i].len;
		int got = lt_vocab_find(find_cases[i].v, find_cases[i].s, len);
		int want = find_cases[i].want;
		if (want == -2)
			want = lt_vocab_find(&lt_vocab_country, "gb", 2);
		if (got != want) {
			print_error("find %s \"%.*s\": got %d, want %d\n", find_cases[i].v->name,
			            (int)len, find_cases[i].s, got, want);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_countries(void **state)
{
	(void)state;
	const struct lt_vocab *v = &lt_vocab_country;
	assert_int_equal(v->count, 249);
	for (size_t i = 0; i < v->count; i++) {
		const char *c = v->terms[i].code;
		if (strlen(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z')
			fail_msg("country %zu: code \"%s\" is not two upper-case letters", i, c);
		if (i && strcmp(v->terms[i - 1].code, c) >= 0)
			fail_msg("countries out of order: \"%s\" then \"%s\"", v->terms[i - 1].code,
			         c);
		if (!*v->terms[i].label)
			fail_msg("country %s has no name", c);
	}
	static const struct {
		const char *code;
		const char *name;
	} known[] = {
	    {"GB", "United Kingdom"},
	    {"RO", "Romania"},
	    {"VN", "Viet Nam"},
	    {"AL", "Albania"},
	};
	for (size_t i = 0; i < N(known); i++) {
		int k = lt_vocab_find(v, known[i].code, 2);
		if (k < 0)
			fail_msg("country %s is missing", known[i].code);
		assert_contains(v->terms[k].label, known[i].name);
		char lower[3] = {(char)(known[i].code[0] + 32), (char)(known[i].code[1] + 32), 0};
		char mixed[3] = {known[i].code[0], (char)(known[i].code[1] + 32), 0};
		if (lt_vocab_find(v, lower, 2) != k || lt_vocab_find(v, mixed, 2) != k)
			fail_msg("country %s is not found case-insensitively (%s, %s)",
			         known[i].code, lower, mixed);
	}
	assert_int_equal(lt_vocab_find(v, "GBR", 3), -1);
	assert_int_equal(lt_vocab_find(v, "UK", 2), -1);
	assert_int_equal(lt_vocab_find(v, "XX", 2), -1);
	assert_int_equal(lt_vocab_find(v, "G", 1), -1);
	assert_int_equal(lt_vocab_find(v, "", 0), -1);
}

/* The countries are those of the HTCDS validation lists, code for code and
 * name for name. */
struct country_ctx {
	size_t rows, mismatches;
};

static void country_row(const struct lt_csv_field *f, size_t n, const size_t *idx, void *ctx)
{
	struct country_ctx *c = ctx;
	if (idx[0] >= n || idx[1] >= n || f[idx[0]].len == 0)
		return;
	c->rows++;
	int k = lt_vocab_find(&lt_vocab_country, f[idx[0]].p, f[idx[0]].len);
	if (k < 0 || strcmp(lt_vocab_country.terms[k].code, f[idx[0]].p) != 0 ||
	    strcmp(lt_vocab_country.terms[k].label, f[idx[1]].p) != 0) {
		print_error("HTCDS country %s \"%s\": lantern has %s\n", f[idx[0]].p, f[idx[1]].p,
		            k < 0 ? "nothing" : lt_vocab_country.terms[k].label);
		c->mismatches++;
	}
}

static void test_countries_match_htcds(void **state)
{
	(void)state;
	static const char *const cols[] = {"Country Code", "Country"};
	struct country_ctx c = {0, 0};
	each_row("data/domain/htcds/derived/htcds_excel_validation_lists.csv", cols, 2, 1,
	         country_row, &c);
	assert_int_equal(c.mismatches, 0);
	assert_int_equal(c.rows, lt_vocab_country.count);
}

/* ---- crosswalks --------------------------------------------------------- */

struct collect_ctx {
	struct strset *set;
	const char *field; /* when set, only rows whose column 1 equals this */
	char sep;          /* when set, split column 0 at it */
	char stop_at;
};

static void collect_row(const struct lt_csv_field *f, size_t n, const size_t *idx, void *ctx)
{
	struct collect_ctx *c = ctx;
	if (idx[0] >= n)
		return;
	if (c->field && (idx[1] >= n || strcmp(f[idx[1]].p, c->field) != 0))
		return;
	if (c->sep)
		strset_add_split(c->set, f[idx[0]].p, c->sep, c->stop_at);
	else if (f[idx[0]].len)
		strset_add(c->set, f[idx[0]].p, f[idx[0]].len);
}

/* Values of column `col` of a reference file. */
static void collect_column(struct strset *s, const char *rel, const char *col)
{
	const char *cols[] = {col};
	struct collect_ctx c = {s, NULL, 0, 0};
	each_row(rel, cols, 1, 0, collect_row, &c);
	if (s->n == 0)
		fail_msg("%s: column %s is empty", rel, col);
}

/* The ';'-separated list in column `col` of the row whose `keycol` is `key`. */
static void collect_list(struct strset *s, const char *rel, const char *col, const char *keycol,
                         const char *key, char sep, char stop_at)
{
	const char *cols[] = {col, keycol};
	struct collect_ctx c = {s, key, sep, stop_at};
	each_row(rel, cols, 2, 0, collect_row, &c);
	if (s->n == 0)
		fail_msg("%s: no values for %s = %s", rel, keycol, key);
}

static const char NRM_TYPES[] = "data/domain/data/uk_nrm/nrm_exploitation_types.csv";
static const char NRM_FIELDS[] = "data/domain/data/uk_nrm/nrm_referral_form_fields.csv";
static const char NRM_ORGS[] = "data/domain/data/uk_nrm/nrm_first_responder_organisations.csv";
static const char HTCDS_FIELDS[] = "data/domain/htcds/derived/htcds_fields.csv";

/* Every non-empty crosswalk value of `v` (nrm when which is 0, htcds when 1)
 * is in `allowed`. Returns the number of misses, printing each. */
static int check_crosswalk(const struct lt_vocab *v, int which, const struct strset *allowed,
                           const char *source)
{
	int misses = 0, nonempty = 0;
	for (size_t i = 0; i < v->count; i++) {
		const char *x = which ? v->terms[i].htcds : v->terms[i].nrm;
		if (!*x)
			continue;
		nonempty++;
		if (!strset_has(allowed, x)) {
			print_error("%s \"%s\": %s crosswalk \"%s\" is not in %s\n", v->name,
			            v->terms[i].code, which ? "HTCDS" : "NRM", x, source);
			misses++;
		}
	}
	if (!nonempty) {
		print_error("%s: no %s crosswalk values at all\n", v->name,
		            which ? "HTCDS" : "NRM");
		misses++;
	}
	return misses;
}

static void test_crosswalk_nrm(void **state)
{
	(void)state;
	struct strset groups = {.n = 0}, where = {.n = 0}, orgs = {.n = 0};
	int misses = 0;

	collect_column(&groups, NRM_TYPES, "nrm_group");
	strset_add(&groups, "Other", 5);
	assert_true(strset_has(&groups, "Criminal exploitation"));
	misses += check_crosswalk(&lt_vocab_form, 0, &groups, NRM_TYPES);
	misses += check_crosswalk(&lt_vocab_offence, 0, &groups, NRM_TYPES);

	/* "uk=UK; overseas=Overseas; uk-and-overseas=UK and Overseas" */
	collect_list(&where, NRM_FIELDS, "options", "form_field", "where-exploitation-happened",
	             ';', '=');
	assert_true(strset_has(&where, "overseas"));
	misses += check_crosswalk(&lt_vocab_place, 0, &where, NRM_FIELDS);

	collect_column(&orgs, NRM_ORGS, "category_inferred");
	misses += check_crosswalk(&lt_vocab_agency_kind, 0, &orgs, NRM_ORGS);

	strset_free(&groups);
	strset_free(&where);
	strset_free(&orgs);
	assert_int_equal(misses, 0);
}

static void test_crosswalk_htcds(void **state)
{
	(void)state;
	struct strset types = {.n = 0}, orgtypes = {.n = 0}, fields = {.n = 0};
	int misses = 0;

	collect_list(&types, HTCDS_FIELDS, "value_names", "field", "vic_TypeOfExploitation", ';',
	             0);
	assert_true(strset_has(&types, "OrganRemoval"));
	misses += check_crosswalk(&lt_vocab_form, 1, &types, "vic_TypeOfExploitation");
	misses += check_crosswalk(&lt_vocab_offence, 1, &types, "vic_TypeOfExploitation");

	collect_list(&orgtypes, HTCDS_FIELDS, "value_names", "field", "org_Type", ';', 0);
	assert_true(strset_has(&orgtypes, "NGO"));
	misses += check_crosswalk(&lt_vocab_agency_kind, 1, &orgtypes, "org_Type");

	/* The place crosswalk names an HTCDS field. */
	collect_column(&fields, HTCDS_FIELDS, "field");
	misses += check_crosswalk(&lt_vocab_place, 1, &fields, "the HTCDS fields");

	strset_free(&types);
	strset_free(&orgtypes);
	strset_free(&fields);
	assert_int_equal(misses, 0);
}

/* The forms that matter most to the partnership have a crosswalk both ways;
 * only `unknown` may lack one. */
static void test_crosswalk_complete(void **state)
{
	(void)state;
	for (size_t i = 0; i < lt_vocab_form.count; i++) {
		const struct lt_term *t = &lt_vocab_form.terms[i];
		if (i == LT_FORM_UNKNOWN)
			continue;
		if (!*t->nrm || !*t->htcds)
			fail_msg("form %s lacks a crosswalk (nrm \"%s\", htcds \"%s\")", t->code,
			         t->nrm, t->htcds);
	}
}

/* ---- lt_vocab_expected -------------------------------------------------- */

static void test_expected_full(void **state)
{
	(void)state;
	char out[2000];
	lt_vocab_expected(&lt_vocab_offence, out, sizeof(out));
	assert_string_equal(out, "kidnapping_false_imprisonment, slavery_servitude, forced_labour, "
	                         "human_trafficking, other_modern_slavery, not_recorded");
	lt_vocab_expected(&lt_vocab_source, out, sizeof(out));
	assert_string_equal(out, "public, partner");
	lt_vocab_expected(&lt_vocab_place, out, sizeof(out));
	assert_string_equal(out, "local, elsewhere_in_country, abroad, unknown");
}

/*
 * At every capacity from the smallest allowed up to well past the full
 * list: the output is NUL-terminated within the capacity, is the full list
 * whenever the full list fits, and otherwise is a run of whole codes
 * followed by "..." — never a cut code and never a leading separator.
 */
static void test_expected_truncation(void **state)
{
	(void)state;
	int failures = 0;
	const struct lt_vocab *vs[] = {&lt_vocab_form, &lt_vocab_offence, &lt_vocab_agency_kind};
	for (size_t k = 0; k < N(vs); k++) {
		char full[2000];
		lt_vocab_expected(vs[k], full, sizeof(full));
		size_t flen = strlen(full);
		for (size_t cap = 9; cap < flen + 20; cap++) {
			char out[2100];
			memset(out, 'Z', sizeof(out));
			lt_vocab_expected(vs[k], out, cap);
			size_t olen = strnlen(out, cap);
			const char *why = NULL;
			if (olen >= cap)
				why = "not NUL-terminated within the capacity";
			else if (out[cap] != 'Z')
				why = "wrote past the capacity";
			else if (cap > flen && strcmp(out, full) != 0)
				why = "cut although the full list fits";
			else if (cap <= flen) {
				size_t plen = olen >= 3 ? olen - 3 : 0;
				if (olen < 3 || strcmp(out + plen, "...") != 0)
					why = "a cut list does not end with \"...\"";
				else if (plen >= 2 && memcmp(out + plen - 2, ", ", 2) == 0 &&
				         (memcmp(full, out, plen - 2) != 0 ||
				          (full[plen - 2] != ',' && full[plen - 2] != '\0')))
					why = "the part before \", ...\" is not whole codes of the "
					      "list";
				else if (plen == 1 ||
				         (plen >= 2 && memcmp(out + plen - 2, ", ", 2) != 0))
					why = "\"...\" does not follow a separator or stand alone";
				else if (out[0] == ',')
					why = "starts with a separator";
			}
			if (why) {
				print_error("%s, capacity %zu: %s: \"%.*s\"\n", vs[k]->name, cap,
				            why, (int)(olen < cap ? olen : cap), out);
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);
}

/* ---- documentation ------------------------------------------------------ */

/* The README lists every code of the vocabularies, in backticks. */
static void test_readme_lists_codes(void **state)
{
	(void)state;
	char *readme = read_file_env("LANTERN_SOURCE", "README.md", NULL);
	const char *codes = strstr(readme, "## The codes");
	int failures = 0;
	if (!codes)
		fail_msg("README.md has no '## The codes' section");
	const struct lt_vocab *vs[] = {&lt_vocab_form, &lt_vocab_offence, &lt_vocab_place,
	                               &lt_vocab_agency_kind, &lt_vocab_district};
	for (size_t k = 0; k < N(vs); k++) {
		for (size_t i = 0; i < vs[k]->count; i++) {
			char q[80];
			snprintf(q, sizeof(q), "`%s`", vs[k]->terms[i].code);
			if (!strstr(codes, q)) {
				print_error("README.md, The codes: %s code %s is missing\n",
				            vs[k]->name, q);
				failures++;
			}
		}
	}
	free(readme);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_codes_as_issued),
	    cmocka_unit_test(test_enum_order),
	    cmocka_unit_test(test_codes_well_formed),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_countries),
	    cmocka_unit_test(test_countries_match_htcds),
	    cmocka_unit_test(test_crosswalk_nrm),
	    cmocka_unit_test(test_crosswalk_htcds),
	    cmocka_unit_test(test_crosswalk_complete),
	    cmocka_unit_test(test_expected_full),
	    cmocka_unit_test(test_expected_truncation),
	    cmocka_unit_test(test_readme_lists_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
