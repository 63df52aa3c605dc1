/*
 * test_status.c — unit tests of src/core/status.{h,c}: the one status table.
 *
 * The table's columns are a contract with the outside: names appear in JSON
 * problem documents, HTTP statuses on the wire, exit codes in scripts. The
 * tests pin the ones other modules and the README rely on and check that the
 * table as a whole is well formed.
 */
#include "testutil.h"

#include "core/status.h"

static void test_table_well_formed(void **state)
{
	(void)state;
	int failures = 0;
	for (int s = 0; s < LT_STATUS_COUNT; s++) {
		const char *name = lt_status_name((lt_status)s);
		const char *msg = lt_status_message((lt_status)s);
		if (!name || !*name || !msg || !*msg) {
			print_error("status %d: empty name or message\n", s);
			failures++;
			continue;
		}
		for (const char *p = name; *p; p++) {
			if (!((*p >= 'a' && *p <= 'z') || *p == '_')) {
				print_error("status %d: name \"%s\" is not [a-z_]\n", s, name);
				failures++;
				break;
			}
		}
		for (int t = 0; t < s; t++) {
			if (strcmp(name, lt_status_name((lt_status)t)) == 0) {
				print_error("statuses %d and %d share the name \"%s\"\n", t, s,
				            name);
				failures++;
			}
		}
		int http = lt_status_http((lt_status)s);
		if (http < 200 || http > 599) {
			print_error("status %s: HTTP %d\n", name, http);
			failures++;
		}
		int ex = lt_status_exit((lt_status)s);
		int want_ex = s == LT_OK ? 0 : s == LT_EUSAGE ? 2 : 1;
		if (ex != want_ex) {
			print_error("status %s: exit %d, want %d\n", name, ex, want_ex);
			failures++;
		}
		if ((s == LT_OK) != (http == 200)) {
			print_error("status %s: HTTP %d; only ok is 200\n", name, http);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static const struct {
	lt_status s;
	const char *name;
	int http;
} pinned[] = {
    {LT_OK, "ok", 200},
    {LT_EINVAL, "invalid", 400},
    {LT_EPARSE, "malformed", 400},
    {LT_ETOOBIG, "too_large", 413},
    {LT_ENOTFOUND, "not_found", 404},
    {LT_EMETHOD, "method_not_allowed", 405},
    {LT_EFORBIDDEN, "forbidden", 403},
    {LT_EEXIST, "exists", 409},
    {LT_ECRYPTO, "crypto_error", 500},
    {LT_ECANCELED, "cancelled", 503},
    {LT_EINTERNAL, "internal", 500},
};

static void test_pinned(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		const char *got = lt_status_name(pinned[i].s);
		int http = lt_status_http(pinned[i].s);
		if (strcmp(got, pinned[i].name) != 0 || http != pinned[i].http) {
			print_error("status %d: got %s/%d, want %s/%d\n", (int)pinned[i].s, got,
			            http, pinned[i].name, pinned[i].http);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_out_of_range(void **state)
{
	(void)state;
	/* A status that is not in the table reads as an internal error. */
	assert_string_equal(lt_status_name(LT_STATUS_COUNT), "internal");
	assert_string_equal(lt_status_name((lt_status)-1), "internal");
	assert_int_equal(lt_status_http((lt_status)1000), 500);
	assert_int_equal(lt_status_exit((lt_status)1000), 1);
	assert_string_equal(lt_status_message((lt_status)1000), lt_status_message(LT_EINTERNAL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_well_formed),
	    cmocka_unit_test(test_pinned),
	    cmocka_unit_test(test_out_of_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
