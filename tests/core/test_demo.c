/*
 * test_demo.c — unit tests of src/core/demo.{h,c}: the demonstration data.
 *
 * The arrests are the published Hertfordshire figures and must be exactly
 * those (issue 2, section 5): 6 in 2015, 0 in 2016, 1 in 2017, 1 in 2018,
 * 11 in 2019; in 2019 6 kidnapping or false imprisonment, 3 slavery or
 * servitude, 1 forced labour, 1 human trafficking; earlier ones not recorded.
 * The synthetic reports must be deterministic, varied enough to exercise
 * every code, and each one valid by the same rules an import applies.
 */
#include "testutil.h"

#include "core/demo.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void build(struct lt_demo *d)
{
	struct lt_error err;
	lt_error_clear(&err);
	lt_status st = lt_demo_build(LT_DEMO_SEED, d, &err);
	if (st != LT_OK)
		fail_msg("lt_demo_build: %s: %s", lt_status_name(st), err.message);
}

static int report_equal(const struct lt_report *a, const struct lt_report *b)
{
	return strcmp(a->ref, b->ref) == 0 && a->source == b->source &&
	       strcmp(a->agency, b->agency) == 0 && a->forms == b->forms && a->place == b->place &&
	       a->district == b->district && a->country == b->country &&
	       lt_date_cmp(&a->occurred, &b->occurred) == 0 &&
	       lt_date_cmp(&a->received, &b->received) == 0 && a->anonymous == b->anonymous &&
	       !a->description == !b->description &&
	       (!a->description || strcmp(a->description, b->description) == 0) &&
	       !a->contact == !b->contact && (!a->contact || strcmp(a->contact, b->contact) == 0);
}

static void test_deterministic(void **state)
{
	(void)state;
	struct lt_demo a, b;
	build(&a);
	build(&b);
	assert_int_equal(a.n_reports, b.n_reports);
	assert_int_equal(a.n_arrests, b.n_arrests);
	assert_int_equal(a.n_agencies, b.n_agencies);
	for (size_t i = 0; i < a.n_reports; i++)
		if (!report_equal(&a.reports[i], &b.reports[i]))
			fail_msg("report %zu differs between two builds (%s, %s)", i,
			         a.reports[i].ref, b.reports[i].ref);
	for (size_t i = 0; i < a.n_arrests; i++)
		if (memcmp(&a.arrests[i], &b.arrests[i], sizeof(a.arrests[i])) != 0)
			fail_msg("arrest %zu differs between two builds", i);
	lt_demo_release(&a);

	/* Another seed gives other reports but the same arrests. */
	struct lt_error err;
	assert_int_equal(lt_demo_build(LT_DEMO_SEED + 1, &a, &err), LT_OK);
	size_t same = 0;
	for (size_t i = 0; i < a.n_reports && i < b.n_reports; i++)
		same += report_equal(&a.reports[i], &b.reports[i]);
	assert_true(same < a.n_reports / 2);
	assert_int_equal(a.n_arrests, b.n_arrests);
	lt_demo_release(&a);
	lt_demo_release(&b);
	assert_null(b.reports);
	assert_int_equal(b.n_reports, 0);
}

static void test_arrest_figures(void **state)
{
	(void)state;
	struct lt_demo d;
	build(&d);
	/* [year - 2015][offence] */
	long got[5][LT_OFFENCE_COUNT] = {{0}};
	long want[5][LT_OFFENCE_COUNT] = {{0}};
	want[0][LT_OFFENCE_NOT_RECORDED] = 6;
	want[2][LT_OFFENCE_NOT_RECORDED] = 1;
	want[3][LT_OFFENCE_NOT_RECORDED] = 1;
	want[4][LT_OFFENCE_KIDNAPPING_FALSE_IMPRISONMENT] = 6;
	want[4][LT_OFFENCE_SLAVERY_SERVITUDE] = 3;
	want[4][LT_OFFENCE_FORCED_LABOUR] = 1;
	want[4][LT_OFFENCE_HUMAN_TRAFFICKING] = 1;

	assert_int_equal(d.n_arrests, 19);
	int failures = 0;
	for (size_t i = 0; i < d.n_arrests; i++) {
		const struct lt_arrest *a = &d.arrests[i];
		if (a->date.year < 2015 || a->date.year > 2019 ||
		    (unsigned)a->offence >= LT_OFFENCE_COUNT)
			fail_msg("arrest %zu: year %d offence %d", i, a->date.year,
			         (int)a->offence);
		/* Only the year is public. */
		if (a->date.month || a->date.day) {
			print_error("arrest %zu has a month or day\n", i);
			failures++;
		}
		got[a->date.year - 2015][a->offence]++;
		struct lt_diags diags;
		lt_diags_init(&diags);
		if (lt_arrest_check(a, NULL, 0, &diags) != LT_OK) {
			print_error("arrest %zu fails lt_arrest_check: %s %s\n", i,
			            diags.count ? diags.items[0].field : "",
			            diags.count ? diags.items[0].message : "");
			failures++;
		}
		lt_diags_release(&diags);
		int known = 0;
		for (size_t k = 0; k < d.n_agencies; k++)
			known |= strcmp(d.agencies[k].code, a->agency) == 0;
		if (!known) {
			print_error("arrest %zu: agency %s is not a demo agency\n", i, a->agency);
			failures++;
		}
	}
	for (int y = 0; y < 5; y++) {
		long total = 0;
		for (int o = 0; o < LT_OFFENCE_COUNT; o++) {
			total += got[y][o];
			if (got[y][o] != want[y][o]) {
				print_error("%d %s: got %ld, want %ld\n", 2015 + y,
				            lt_vocab_offence.terms[o].code, got[y][o], want[y][o]);
				failures++;
			}
		}
		static const long want_year[5] = {6, 0, 1, 1, 11};
		if (total != want_year[y]) {
			print_error("%d: got %ld arrests, want %ld\n", 2015 + y, total,
			            want_year[y]);
			failures++;
		}
	}
	lt_demo_release(&d);
	assert_int_equal(failures, 0);
}

static void test_agencies(void **state)
{
	(void)state;
	struct lt_demo d;
	build(&d);
	assert_true(d.n_agencies >= 5);
	int police = 0;
	for (size_t i = 0; i < d.n_agencies; i++) {
		const struct lt_agency *a = &d.agencies[i];
		if (lt_agency_code_check(a->code, strlen(a->code), "agency", NULL) != LT_OK)
			fail_msg("agency code \"%s\" is not valid", a->code);
		if (!a->name[0] || (unsigned)a->kind >= LT_AGENCY_KIND_COUNT)
			fail_msg("agency %s: empty name or bad kind %d", a->code, (int)a->kind);
		for (size_t j = 0; j < i; j++)
			if (strcmp(d.agencies[j].code, a->code) == 0)
				fail_msg("agency code %s appears twice", a->code);
		police |= a->kind == LT_AGENCY_KIND_POLICE;
	}
	assert_true(police);
	lt_demo_release(&d);
}

static int cmp_ref(const void *a, const void *b)
{
	return strcmp(((const struct lt_report *)a)->ref, ((const struct lt_report *)b)->ref);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_reports(void **state)
{
	(void)state;
	struct lt_demo d;
	build(&d);
	assert_in_range(d.n_reports, 200, 999);

	/* The demo agencies as struct lt_known, so references are checked too. */
	const char **codes = calloc(d.n_agencies, sizeof(*codes));
	for (size_t i = 0; i < d.n_agencies; i++)
		codes[i] = d.agencies[i].code;
	qsort(codes, d.n_agencies, sizeof(*codes), cmp_str);
	struct lt_known known = {codes, d.n_agencies, NULL, 0};

	size_t per_year[5] = {0}, forms_seen[LT_FORM_COUNT] = {0},
	       places_seen[LT_PLACE_COUNT] = {0};
	size_t sources[LT_SOURCE_COUNT] = {0}, named_public = 0, multi_form = 0, with_occurred = 0;
	const char *agencies_seen[64];
	size_t n_agencies_seen = 0;
	int failures = 0;

	for (size_t i = 0; i < d.n_reports; i++) {
		const struct lt_report *r = &d.reports[i];
		if (r->received.year < 2015 || r->received.year > 2019) {
			print_error("report %s: received in %d\n", r->ref, r->received.year);
			failures++;
			continue;
		}
		per_year[r->received.year - 2015]++;
		if (!lt_ref_valid(r->ref)) {
			print_error("report %zu: ref \"%s\" is not valid\n", i, r->ref);
			failures++;
		}
		struct lt_diags diags;
		lt_diags_init(&diags);
		if (lt_report_check(r, &known, (long)i, &diags) != LT_OK) {
			for (size_t k = 0; k < diags.count; k++)
				print_error("report %s: %s: %s\n", r->ref, diags.items[k].field,
				            diags.items[k].message);
			failures++;
		}
		lt_diags_release(&diags);
		if (r->description && !lt_text_valid(r->description, strlen(r->description))) {
			print_error("report %s: description is not valid text\n", r->ref);
			failures++;
		}
		if (r->contact_sealed) {
			print_error("report %s: sealed before any key exists\n", r->ref);
			failures++;
		}
		if (r->occurred.year) {
			with_occurred++;
			if (r->occurred.year < 2000 || r->occurred.year > r->received.year) {
				print_error("report %s: occurred %d, received %d\n", r->ref,
				            r->occurred.year, r->received.year);
				failures++;
			}
		}
		uint32_t bits = 0;
		for (size_t f = 0; f < LT_FORM_COUNT; f++) {
			if (r->forms & (1u << f)) {
				forms_seen[f]++;
				bits++;
			}
		}
		if (r->forms >> LT_FORM_COUNT) {
			print_error("report %s: form bits %#x beyond the taxonomy\n", r->ref,
			            r->forms);
			failures++;
		}
		multi_form += bits > 1;
		places_seen[r->place]++;
		sources[r->source]++;
		named_public += r->source == LT_SOURCE_PUBLIC && !r->anonymous;
		if (r->agency[0]) {
			size_t k = 0;
			while (k < n_agencies_seen && strcmp(agencies_seen[k], r->agency) != 0)
				k++;
			if (k == n_agencies_seen && n_agencies_seen < N(agencies_seen))
				agencies_seen[n_agencies_seen++] = r->agency;
		}
	}

	for (int y = 0; y < 5; y++) {
		if (per_year[y] < 10) {
			print_error("%d: only %zu reports\n", 2015 + y, per_year[y]);
			failures++;
		}
	}
	for (size_t f = 0; f < LT_FORM_COUNT; f++) {
		if (!forms_seen[f]) {
			print_error("no report has form %s\n", lt_vocab_form.terms[f].code);
			failures++;
		}
	}
	static const enum lt_place need[] = {LT_PLACE_LOCAL, LT_PLACE_ELSEWHERE_IN_COUNTRY,
	                                     LT_PLACE_ABROAD};
	for (size_t p = 0; p < N(need); p++) {
		if (places_seen[need[p]] < 10) {
			print_error("only %zu reports at place %s\n", places_seen[need[p]],
			            lt_vocab_place.terms[need[p]].code);
			failures++;
		}
	}
	/* "Many reports concern people exploited elsewhere in the world." */
	if (places_seen[LT_PLACE_ABROAD] * 5 < d.n_reports) {
		print_error("only %zu of %zu reports concern abroad\n",
		            places_seen[LT_PLACE_ABROAD], d.n_reports);
		failures++;
	}
	if (!sources[LT_SOURCE_PUBLIC] || !sources[LT_SOURCE_PARTNER] || !named_public ||
	    !multi_form || !with_occurred || with_occurred == d.n_reports) {
		print_error(
		    "too little variety: public %zu partner %zu named public %zu multi-form %zu "
		    "occurred known %zu\n",
		    sources[LT_SOURCE_PUBLIC], sources[LT_SOURCE_PARTNER], named_public, multi_form,
		    with_occurred);
		failures++;
	}
	if (n_agencies_seen < 4) {
		print_error("only %zu agencies report\n", n_agencies_seen);
		failures++;
	}

	/* Reference codes are unique (case-insensitively: they are all upper case). */
	struct lt_report *sorted = malloc(d.n_reports * sizeof(*sorted));
	memcpy(sorted, d.reports, d.n_reports * sizeof(*sorted));
	qsort(sorted, d.n_reports, sizeof(*sorted), cmp_ref);
	for (size_t i = 1; i < d.n_reports; i++) {
		if (strcmp(sorted[i - 1].ref, sorted[i].ref) == 0) {
			print_error("reference %s is used twice\n", sorted[i].ref);
			failures++;
		}
	}
	free(sorted); /* a shallow copy: the strings belong to d */
	free(codes);
	lt_demo_release(&d);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_arrest_figures),
	    cmocka_unit_test(test_agencies),
	    cmocka_unit_test(test_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
