/*
 * test_buf.c — unit tests of src/core/buf.{h,c}: the capped byte buffer.
 *
 * The property everything else leans on is the ceiling: an append that would
 * pass `max` fails with LT_ETOOBIG and leaves the contents exactly as they
 * were. The rest checks growth through printf, NUL termination, reset and
 * detach, all leak-free under ASan.
 */
#include "testutil.h"

#include "core/buf.h"

static void test_empty(void **state)
{
	(void)state;
	struct lt_buf b;
	lt_buf_init(&b, 100);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(lt_buf_str(&b), "");
	lt_buf_release(&b);
	assert_null(b.data);
}

static void test_append_terminates(void **state)
{
	(void)state;
	struct lt_buf b;
	lt_buf_init(&b, 100);
	assert_int_equal(lt_buf_append(&b, "ab", 2), LT_OK);
	assert_int_equal(lt_buf_append(&b, "c\0d", 3), LT_OK);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "abc\0d", 6); /* and the terminating NUL */
	assert_int_equal(lt_buf_puts(&b, "ef"), LT_OK);
	assert_int_equal(b.len, 7);
	assert_int_equal(b.data[7], '\0');
	assert_int_equal(lt_buf_append(&b, NULL, 0), LT_OK);
	assert_int_equal(b.len, 7);
	lt_buf_release(&b);
}

/* A sequence of appends against a ceiling: each step says what it appends,
 * the status it wants and the contents after it. */
struct cap_step {
	const char *append;
	lt_status want;
	const char *after;
};

struct cap_case {
	const char *name;
	size_t max;
	struct cap_step steps[6];
};

static const struct cap_case cap_cases[] = {
    {"max 0 takes only empty appends",
     0,
     {{"", LT_OK, ""}, {"a", LT_ETOOBIG, ""}, {"", LT_OK, ""}}},
    {"max 1", 1, {{"a", LT_OK, "a"}, {"b", LT_ETOOBIG, "a"}, {"", LT_OK, "a"}}},
    {"fill exactly to the ceiling",
     10,
     {{"hello", LT_OK, "hello"},
      {"world!", LT_ETOOBIG, "hello"},
      {"world", LT_OK, "helloworld"},
      {"x", LT_ETOOBIG, "helloworld"}}},
    {"one append over the ceiling from empty",
     4,
     {{"12345", LT_ETOOBIG, ""}, {"1234", LT_OK, "1234"}}},
    {"ceiling past the first allocation",
     100,
     {{"0123456789012345678901234567890123456789012345678901234567890123456789", LT_OK,
       "0123456789012345678901234567890123456789012345678901234567890123456789"},
      {"012345678901234567890123456789", LT_OK,
       "0123456789012345678901234567890123456789012345678901234567890123456789"
       "012345678901234567890123456789"},
      {"!", LT_ETOOBIG,
       "0123456789012345678901234567890123456789012345678901234567890123456789"
       "012345678901234567890123456789"}}},
};

static void test_cap(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(cap_cases) / sizeof(cap_cases[0]); i++) {
		const struct cap_case *c = &cap_cases[i];
		struct lt_buf b;
		lt_buf_init(&b, c->max);
		for (size_t s = 0; s < 6 && c->steps[s].append; s++) {
			const struct cap_step *st = &c->steps[s];
			lt_status got = lt_buf_puts(&b, st->append);
			if (got != st->want || strcmp(lt_buf_str(&b), st->after) != 0 ||
			    b.len != strlen(st->after) || b.len > c->max) {
				print_error(
				    "%s, step %zu: got %s \"%s\" (len %zu), want %s \"%s\"\n",
				    c->name, s, lt_status_name(got), lt_buf_str(&b), b.len,
				    lt_status_name(st->want), st->after);
				failures++;
			}
			if (b.cap > c->max + 1) {
				print_error("%s: allocated %zu bytes for a ceiling of %zu\n",
				            c->name, b.cap, c->max);
				failures++;
			}
		}
		lt_buf_release(&b);
	}
	assert_int_equal(failures, 0);
}

static void test_printf_growth(void **state)
{
	(void)state;
	struct lt_buf b;
	char want[16384];
	size_t wlen = 0;
	lt_buf_init(&b, 1u << 20);
	for (int i = 0; i < 1500; i++) {
		assert_int_equal(lt_buf_printf(&b, "%d,", i), LT_OK);
		wlen += (size_t)snprintf(want + wlen, sizeof(want) - wlen, "%d,", i);
	}
	assert_int_equal(b.len, wlen);
	assert_string_equal(lt_buf_str(&b), want);
	assert_true(b.cap >= b.len + 1);
	/* One printf much larger than the current allocation. */
	char big[5000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(lt_buf_printf(&b, "[%s]", big), LT_OK);
	assert_int_equal(b.len, wlen + 5001);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(b.data[wlen], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	lt_buf_release(&b);
}

static void test_printf_cap(void **state)
{
	(void)state;
	struct lt_buf b;
	lt_buf_init(&b, 5);
	assert_int_equal(lt_buf_printf(&b, "%s", ""), LT_OK);
	assert_string_equal(lt_buf_str(&b), "");
	assert_int_equal(lt_buf_printf(&b, "%d", 123), LT_OK);
	assert_int_equal(lt_buf_printf(&b, "%d", 456), LT_ETOOBIG);
	assert_string_equal(lt_buf_str(&b), "123");
	assert_int_equal(b.len, 3);
	assert_int_equal(lt_buf_printf(&b, "%d", 45), LT_OK);
	assert_string_equal(lt_buf_str(&b), "12345");
	assert_int_equal(lt_buf_printf(&b, "%c", 'x'), LT_ETOOBIG);
	assert_string_equal(lt_buf_str(&b), "12345");
	lt_buf_release(&b);
}

static void test_reset(void **state)
{
	(void)state;
	struct lt_buf b;
	lt_buf_init(&b, 100);
	assert_int_equal(lt_buf_puts(&b, "something"), LT_OK);
	char *before = b.data;
	lt_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(lt_buf_str(&b), "");
	assert_ptr_equal(b.data, before); /* the memory is kept */
	/* The ceiling applies to the contents, not to what was ever appended. */
	for (int i = 0; i < 50; i++) {
		lt_buf_reset(&b);
		assert_int_equal(lt_buf_puts(&b, "0123456789012345678901234567890123456789"),
		                 LT_OK);
	}
	lt_buf_release(&b);
	lt_buf_reset(&b); /* on a released buffer: harmless */
	assert_string_equal(lt_buf_str(&b), "");
}

static void test_detach(void **state)
{
	(void)state;
	struct lt_buf b;
	size_t len = 99;
	lt_buf_init(&b, 100);
	assert_null(lt_buf_detach(&b, &len));
	assert_int_equal(len, 0);

	assert_int_equal(lt_buf_puts(&b, "hello"), LT_OK);
	char *s = lt_buf_detach(&b, &len);
	assert_non_null(s);
	assert_int_equal(len, 5);
	assert_string_equal(s, "hello");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(lt_buf_str(&b), "");

	/* The buffer is usable again, with its ceiling, and independent of s. */
	assert_int_equal(lt_buf_puts(&b, "again"), LT_OK);
	assert_string_equal(s, "hello");
	assert_string_equal(lt_buf_str(&b), "again");
	free(s);
	s = lt_buf_detach(&b, NULL);
	assert_string_equal(s, "again");
	free(s);
	lt_buf_release(&b);

	/* Released buffers can be reused too. */
	assert_int_equal(lt_buf_puts(&b, "x"), LT_OK);
	lt_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),      cmocka_unit_test(test_append_terminates),
	    cmocka_unit_test(test_cap),        cmocka_unit_test(test_printf_growth),
	    cmocka_unit_test(test_printf_cap), cmocka_unit_test(test_reset),
	    cmocka_unit_test(test_detach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
