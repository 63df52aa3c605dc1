/*
 * golden.h — helpers shared by the golden tests of src/mse/ (the test files
 * of the estimation core: test_mse_fit.c, test_mse_exist.c).
 *
 * Golden values are the outputs of the R packages stored under
 * $LANTERN_SHARED/data/mse/reference/ (README.md there gives provenance:
 * R 4.2.2, SparseMSE 2.0.1, MultipleSystemsEstimation 1.2.0, Rcapture 1.4-4),
 * computed from the CSVs in $LANTERN_SHARED/data/mse/. Each comparison
 * prints what it got and what it wanted when it fails, and the worst
 * relative error of each kind is kept so a test can print it.
 *
 * R's JSON writer unboxes vectors of length one, so a list of terms may be
 * a string or an array; golden_strings() takes either.
 */
#ifndef LT_TEST_MSE_GOLDEN_H
#define LT_TEST_MSE_GOLDEN_H

#include "testutil.h"

#include <jansson.h>

#include "mse/mse.h"

static const char *const golden_sets[] = {"UKdat_5", "UKdat", "Ned_5", "Western", "Artificial_3"};
#define GOLDEN_NSETS (sizeof(golden_sets) / sizeof(golden_sets[0]))

static int golden_failures;

/* The worst relative error seen per kind of value. */
struct golden_worst {
	const char *kind;
	double rel;
	char where[160];
};
static struct golden_worst golden_worst[32];
static size_t golden_nworst;

static char *golden_read(const char *rel, size_t *len)
{
	const char *root = getenv("LANTERN_SHARED");
	char path[1024];
	if (!root || !*root)
		fail_msg("$LANTERN_SHARED is not set (meson test sets it)");
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static json_t *golden_json(const char *pkg, const char *set)
{
	char rel[256];
	size_t len;
	json_error_t je;
	snprintf(rel, sizeof(rel), "data/mse/reference/%s/%s.json", pkg, set);
	char *text = golden_read(rel, &len);
	json_t *j = json_loadb(text, len, 0, &je);
	free(text);
	if (!j)
		fail_msg("%s: line %d: %s", rel, je.line, je.text);
	return j;
}

static struct mse_table *golden_table(const char *set)
{
	char rel[256];
	size_t len;
	struct mse_table *t = NULL;
	struct lt_error err;
	snprintf(rel, sizeof(rel), "data/mse/%s.csv", set);
	char *text = golden_read(rel, &len);
	lt_error_clear(&err);
	if (mse_table_parse_csv(text, len, &t, &err) != LT_OK)
		fail_msg("%s: %s", rel, err.message);
	free(text);
	return t;
}

/* Number of strings in a JSON string-or-array, and the i-th. */
static size_t golden_nstrings(const json_t *v)
{
	if (json_is_string(v))
		return 1;
	if (json_is_array(v))
		return json_array_size(v);
	return 0;
}

static const char *golden_string(const json_t *v, size_t i)
{
	if (json_is_string(v))
		return json_string_value(v);
	return json_string_value(json_array_get(v, i));
}

/* Add the terms named in `v` ("LA:NG" strings) to m. */
static void golden_add_terms(const struct mse_table *t, const json_t *v, struct mse_model *m)
{
	for (size_t i = 0; i < golden_nstrings(v); i++) {
		struct mse_model one;
		struct lt_error err;
		lt_error_clear(&err);
		if (mse_model_parse(t, golden_string(v, i), &one, &err) != LT_OK)
			fail_msg("term %s: %s", golden_string(v, i), err.message);
		for (unsigned k = 0; k < one.nterms; k++)
			assert_int_equal(mse_model_add(m, one.terms[k]), LT_OK);
	}
}

static double golden_num(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_number(v))
		fail_msg("golden value \"%s\" is missing or not a number", key);
	return json_number_value(v);
}

static void golden_note(const char *kind, double rel, const char *where)
{
	size_t i;
	for (i = 0; i < golden_nworst; i++)
		if (strcmp(golden_worst[i].kind, kind) == 0)
			break;
	if (i == golden_nworst) {
		if (golden_nworst == sizeof(golden_worst) / sizeof(golden_worst[0]))
			return;
		golden_worst[golden_nworst].kind = kind;
		golden_worst[golden_nworst].rel = -1;
		golden_nworst++;
	}
	if (rel > golden_worst[i].rel) {
		golden_worst[i].rel = rel;
		snprintf(golden_worst[i].where, sizeof(golden_worst[i].where), "%s", where);
	}
}

/*
 * Compare got with want to relative tolerance tol (absolute below `floor`
 * in magnitude). Counts and prints a failure; records the relative error
 * under `kind`.
 */
static void golden_check(const char *kind, const char *where, double got, double want, double tol,
                         double floor_)
{
	double scale = fabs(want) > floor_ ? fabs(want) : floor_;
	double rel = fabs(got - want) / scale;
	if (isnan(got) && isnan(want))
		rel = 0;
	golden_note(kind, isnan(rel) ? INFINITY : rel, where);
	if (!(rel <= tol)) {
		print_error("%s: %s: got %.15g, want %.15g (relative error %.3g > %g)\n", where,
		            kind, got, want, rel, tol);
		golden_failures++;
	}
}

/* Start a test: no failures, no errors recorded. */
static void golden_reset(void)
{
	golden_failures = 0;
	golden_nworst = 0;
}

static void golden_print_worst(const char *title)
{
	print_message("%s: worst relative errors\n", title);
	for (size_t i = 0; i < golden_nworst; i++)
		print_message("  %-28s %.3g  (%s)\n", golden_worst[i].kind, golden_worst[i].rel,
		              golden_worst[i].where);
}

#endif
