/*
 * test_error.c — unit tests of src/core/error.{h,c}: error details, the
 * collecting list and the quoting of offending values.
 */
#include "testutil.h"

#include "core/error.h"

static void test_set_and_clear(void **state)
{
	(void)state;
	struct lt_error e;
	lt_error_clear(&e);
	assert_int_equal(e.status, LT_OK);
	assert_int_equal(e.line, 0);
	assert_string_equal(e.field, "");
	assert_string_equal(e.message, "");

	assert_int_equal(lt_error_set(&e, LT_EINVAL, "offence", "unknown value '%s'", "foo"),
	                 LT_EINVAL);
	assert_int_equal(e.status, LT_EINVAL);
	assert_string_equal(e.field, "offence");
	assert_string_equal(e.message, "unknown value 'foo'");

	assert_int_equal(lt_error_set(&e, LT_EIO, NULL, "%s", "x"), LT_EIO);
	assert_string_equal(e.field, "");

	/* NULL is allowed everywhere and the status still comes back. */
	assert_int_equal(lt_error_set(NULL, LT_ENOTFOUND, "f", "m"), LT_ENOTFOUND);
	lt_error_clear(NULL);

	lt_error_clear(&e);
	assert_int_equal(e.status, LT_OK);
	assert_string_equal(e.message, "");
}

static void test_set_truncates(void **state)
{
	(void)state;
	struct lt_error e;
	char longfield[200], longmsg[2000];
	memset(longfield, 'f', sizeof(longfield) - 1);
	longfield[sizeof(longfield) - 1] = '\0';
	memset(longmsg, 'm', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	lt_error_set(&e, LT_EINVAL, longfield, "%s", longmsg);
	assert_int_equal(strlen(e.field), LT_CODE_MAX - 1);
	assert_int_equal(strlen(e.message), LT_MESSAGE_MAX - 1);
}

static void test_diags(void **state)
{
	(void)state;
	struct lt_diags d;
	struct lt_error e;
	lt_diags_init(&d);
	assert_int_equal(lt_diags_total(&d), 0);
	for (long i = 1; i <= LT_DIAGS_MAX + 5; i++) {
		lt_error_set(&e, LT_EINVAL, "col", "row %ld", i);
		e.line = i;
		lt_diags_add(&d, &e);
	}
	assert_int_equal(d.count, LT_DIAGS_MAX);
	assert_int_equal(d.dropped, 5);
	assert_int_equal(lt_diags_total(&d), LT_DIAGS_MAX + 5);
	/* Kept in order, copied (not aliased). */
	assert_int_equal(d.items[0].line, 1);
	assert_string_equal(d.items[0].message, "row 1");
	assert_int_equal(d.items[LT_DIAGS_MAX - 1].line, LT_DIAGS_MAX);
	lt_diags_release(&d);
	assert_int_equal(lt_diags_total(&d), 0);
	assert_null(d.items);
	lt_diags_release(&d); /* twice: harmless */

	/* Zero-initialised works too. */
	struct lt_diags z = {0};
	lt_diags_add(&z, &e);
	assert_int_equal(lt_diags_total(&z), 1);
	lt_diags_release(&z);
}

static const struct {
	const char *name;
	const char *in;
	size_t len;
	size_t max;
	const char *want;
} quote_cases[] = {
    {"short value unchanged", "abc", 3, 40, "abc"},
    {"empty", "", 0, 40, ""},
    {"exactly max", "abcd", 4, 4, "abcd"},
    {"cut with an ellipsis", "abcdef", 6, 4, "abcd..."},
    {"control characters replaced", "a\tb\nc\x7f", 6, 40, "a?b?c?"},
    {"NUL inside is replaced", "a\0b", 3, 40, "a?b"},
    {"UTF-8 kept", "caf\xc3\xa9", 5, 40, "caf\xc3\xa9"},
    {"len bounds the read", "abcdef", 2, 40, "ab"},
};

static void test_quote(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++) {
		char out[80];
		memset(out, 'Z', sizeof(out));
		lt_error_quote(out, sizeof(out), quote_cases[i].in, quote_cases[i].len,
		               quote_cases[i].max);
		if (strcmp(out, quote_cases[i].want) != 0) {
			print_error("%s: got \"%s\", want \"%s\"\n", quote_cases[i].name, out,
			            quote_cases[i].want);
			failures++;
		}
	}
	/* The documented minimum size, max + 4, is enough for a cut value. */
	char small[8];
	lt_error_quote(small, sizeof(small), "abcdefghij", 10, 4);
	assert_string_equal(small, "abcd...");
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_and_clear),
	    cmocka_unit_test(test_set_truncates),
	    cmocka_unit_test(test_diags),
	    cmocka_unit_test(test_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
