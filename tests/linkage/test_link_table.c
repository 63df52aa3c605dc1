/*
 * test_link_table.c — the linkage record table (src/linkage/link_table.c):
 * cells copied, empty cells missing, sources deduplicated, fields found by
 * name, everything freed (ASan checks the last).
 */
#include "testutil.h"

#include "linkage/linkage.h"

static void test_table_add_and_read(void **state)
{
	(void)state;
	const char *names[] = {"first_name", "surname", "dob"};
	struct lt_link_table t;
	assert_int_equal(lt_link_table_init(&t, names, 3), LT_OK);
	uint32_t a, b, a2;
	assert_int_equal(lt_link_table_source(&t, "police.csv", &a), LT_OK);
	assert_int_equal(lt_link_table_source(&t, "charity.csv", &b), LT_OK);
	assert_int_equal(lt_link_table_source(&t, "police.csv", &a2), LT_OK);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(a2, 0);
	char buf[16];
	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "%d", i);
		const char *cells[] = {"Ana", i % 2 ? "" : "Popescu", NULL};
		assert_int_equal(lt_link_table_add(&t, (uint32_t)(i % 2), buf, cells), LT_OK);
	}
	assert_int_equal(t.nrec, 3000);
	assert_string_equal(lt_link_cell(&t, 2999, 0), "Ana");
	assert_null(lt_link_cell(&t, 2999, 1));
	assert_string_equal(lt_link_cell(&t, 2998, 1), "Popescu");
	assert_null(lt_link_cell(&t, 0, 2));
	assert_string_equal(t.ids[1234], "1234");
	assert_int_equal(t.source[1233], 1);
	assert_int_equal(lt_link_table_field(&t, "dob"), 2);
	assert_int_equal(lt_link_table_field(&t, "city"), -1);
	lt_link_table_release(&t);
}

static void test_table_refuses_no_fields(void **state)
{
	(void)state;
	struct lt_link_table t;
	assert_int_equal(lt_link_table_init(&t, NULL, 0), LT_ETOOBIG);
	lt_link_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_add_and_read),
	    cmocka_unit_test(test_table_refuses_no_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
