/*
 * test_mse_table.c — unit tests of capture-history tables (mse_table.c) and
 * models (mse_model.c): the strict CSV rules with their exact messages, the
 * margins, and the two written forms of a model.
 */
#include "testutil.h"

#include "mse/mse.h"

static const struct {
	const char *name;
	const char *csv;
	lt_status st;
	long line;
	const char *field;
	const char *msg;
} bad[] = {
    {"empty", "", LT_EINVAL, 1, "",
     "the file is empty: expected a header of list names and \"count\""},
    {"no count column", "A,B,n\n1,0,3\n", LT_EINVAL, 1, "n",
     "line 1: the last column is \"n\"; it must be \"count\", after one 0/1 column per list"},
    {"one list", "A,count\n1,3\n", LT_EINVAL, 1, "",
     "line 1: the header names 1 list; estimation needs at least 2 lists"},
    {"seventeen lists", "A,B,C,D,E,F,G,H,I,J,K,L,M,N,O,P,Q,count\n", LT_ETOOBIG, 1, "",
     "line 1: the header names 17 lists; at most 16 are allowed"},
    {"repeated name", "A,B,A,count\n", LT_EINVAL, 1, "A",
     "line 1: list name \"A\" appears twice in the header"},
    {"bad name", "A,B:C,count\n", LT_EINVAL, 1, "B:C",
     "line 1: list name \"B:C\" must be 1 to 32 letters, digits, '_', '.' or '-'"},
    {"empty name", ",B,count\n", LT_EINVAL, 1, "",
     "line 1: column 1 of the header is empty; every list needs a name"},
    {"count twice", "A,count,count\n", LT_EINVAL, 1, "count",
     "line 1: \"count\" must be the last column only"},
    {"short row", "A,B,count\n1,0,3\n1,0\n", LT_EINVAL, 3, "",
     "line 3: the row has 2 fields, but the header has 3"},
    {"cell not 0/1", "A,B,count\n1,0,3\n1,2,3\n", LT_EINVAL, 3, "B",
     "line 3, column B: the cell is \"2\"; a cell must be 0 or 1"},
    {"empty cell", "A,B,count\n1,,3\n", LT_EINVAL, 2, "B",
     "line 2, column B: the cell is \"\"; a cell must be 0 or 1"},
    {"negative count", "A,B,count\n1,0,-3\n", LT_EINVAL, 2, "count",
     "line 2, column count: the count \"-3\" is negative; a count is a whole number of "
     "cases, 0 or more"},
    {"fractional count", "A,B,count\n1,0,2.5\n", LT_EINVAL, 2, "count",
     "line 2, column count: the count \"2.5\" is not a whole number; a count is a whole "
     "number of cases, 0 or more"},
    {"not a number", "A,B,count\n1,0,3e2\n", LT_EINVAL, 2, "count",
     "line 2, column count: the count \"3e2\" is not a number; a count is a whole number "
     "of cases, 0 or more"},
    {"empty count", "A,B,count\n1,0,\n", LT_EINVAL, 2, "count",
     "line 2, column count: the count \"\" is not a number; a count is a whole number of "
     "cases, 0 or more"},
    {"count too large", "A,B,count\n1,0,2000000000\n", LT_ETOOBIG, 2, "count",
     "line 2, column count: the count \"2000000000\" is larger than the limit of 1000000000 "
     "cases in one row; a count is a whole number of cases, 0 or more"},
    {"sum too large", "A,B,count\n1,0,600000000\n1,0,600000000\n", LT_ETOOBIG, 3, "count",
     "line 3, column count: the rows of this history add up to more than 1000000000 cases"},
    {"all-zero history", "A,B,count\n1,0,3\n0,0,3\n", LT_EINVAL, 3, "A",
     "line 3: the history is 0 in every list column; the cases on no list are what is "
     "estimated and cannot be given"},
    {"all counts 0", "A,B,count\n1,0,0\n0,1,0\n", LT_EINVAL, 3, "count",
     "every count is 0: there are no cases to estimate from"},
    {"no rows", "A,B,count\n", LT_EINVAL, 1, "count",
     "the file has a header but no rows of histories"},
    {"empty list", "A,B,C,count\n1,0,0,3\n0,1,0,2\n1,1,0,1\n", LT_EINVAL, 0, "C",
     "column C: no case is on list C; leave the list out"},
    {"list with every case", "A,B,count\n1,0,3\n1,1,2\n", LT_EINVAL, 0, "A",
     "column A: every case is on list A, so the data say nothing about the cases no list "
     "holds"},
    {"csv syntax", "A,B,count\n1,0,\"3\n", LT_EPARSE, 2, "", NULL},
};

static void test_parse_errors(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mse_table *t = (struct mse_table *)1;
		struct lt_error err;
		lt_error_clear(&err);
		lt_status st = mse_table_parse_csv(bad[i].csv, strlen(bad[i].csv), &t, &err);
		bool ok = st == bad[i].st && err.status == bad[i].st && t == NULL &&
		          err.line == bad[i].line && strcmp(err.field, bad[i].field) == 0 &&
		          (!bad[i].msg || strcmp(err.message, bad[i].msg) == 0);
		if (!ok) {
			print_error(
			    "%s:\n   got %s line %ld field \"%s\" \"%s\"\n  want %s line %ld "
			    "field \"%s\" \"%s\"\n",
			    bad[i].name, lt_status_name(st), err.line, err.field, err.message,
			    lt_status_name(bad[i].st), bad[i].line, bad[i].field,
			    bad[i].msg ? bad[i].msg : "(any)");
			failures++;
		}
		if (st == LT_OK)
			mse_table_free(t);
	}
	assert_int_equal(failures, 0);
}

static void test_parse_ok(void **state)
{
	(void)state;
	struct mse_table *t = NULL;
	struct lt_error err;
	/* Duplicates are summed, a zero-count row is allowed, "3.0" is 3, spaces
	 * around fields, CRLF, a byte-order mark and no final line break. */
	static const char csv[] = "\xEF\xBB\xBF"
	                          "LA , NG,PF_1,count\r\n"
	                          "1,0,0,3\r\n"
	                          " 1 ,0,0, 2.0\r\n"
	                          "0,1,0,4\r\n"
	                          "1,1,0,1\r\n"
	                          "0,0,1,0\r\n"
	                          "1,0,1,7\r\n"
	                          "0,1,1,2";
	lt_error_clear(&err);
	assert_int_equal(mse_table_parse_csv(csv, sizeof(csv) - 1, &t, &err), LT_OK);
	assert_int_equal(t->nlists, 3);
	assert_int_equal(t->ncells, 8);
	assert_string_equal(t->names[0], "LA");
	assert_string_equal(t->names[1], "NG");
	assert_string_equal(t->names[2], "PF_1");
	assert_true(t->counts[0] == 0);
	assert_true(t->counts[1] == 5);
	assert_true(t->counts[2] == 4);
	assert_true(t->counts[3] == 1);
	assert_true(t->counts[4] == 0);
	assert_true(t->counts[5] == 7);
	assert_true(t->counts[6] == 2);
	assert_true(t->counts[7] == 0);
	assert_true(t->n == 19);

	/* Margins: N* of a mask is the count on all of its lists. */
	assert_true(mse_table_margin(t, 0) == 19);
	assert_true(mse_table_margin(t, 1) == 13);
	assert_true(mse_table_margin(t, 3) == 1);
	assert_true(mse_table_margin(t, 5) == 7);
	assert_true(mse_table_margin(t, 6) == 2);
	assert_true(mse_table_margin(t, 7) == 0);
	uint32_t obs[8];
	assert_int_equal(mse_table_observed(t, obs, 8), 5);
	assert_int_equal(obs[0], 1);
	assert_int_equal(obs[4], 6);
	assert_int_equal(mse_table_observed(t, obs, 2), 5);
	char hist[8];
	mse_history_format(3, 5, hist, sizeof(hist));
	assert_string_equal(hist, "101");

	/* A resample: whole counts only; an empty list is allowed there. */
	double c[8] = {99, 0, 4, 0, 0, 0, 2, 0};
	struct mse_table *r = NULL;
	assert_int_equal(mse_table_from_counts(t, c, &r, &err), LT_OK);
	assert_true(r->counts[0] == 0);
	assert_true(r->n == 6);
	assert_string_equal(r->names[2], "PF_1");
	c[3] = 1.5;
	lt_error_clear(&err);
	struct mse_table *r2 = (struct mse_table *)1;
	assert_int_equal(mse_table_from_counts(t, c, &r2, &err), LT_EINVAL);
	assert_null(r2);
	assert_string_equal(err.message, "the count of history 110 is 1.5; a count must be a "
	                                 "whole number from 0 to 1000000000");
	c[3] = 1;
	mse_table_set_counts(r, c);
	assert_true(r->n == 7);
	mse_table_free(r);
	mse_table_free(t);
	mse_table_free(NULL);
}

static void test_table_alloc(void **state)
{
	(void)state;
	struct mse_table *t = NULL;
	struct lt_error err;
	static const char *const dup[] = {"X", "Y", "X"};
	static const char *const badn[] = {"X", "Y Z"};
	assert_int_equal(mse_table_alloc(1, NULL, &t, &err), LT_EINVAL);
	assert_int_equal(mse_table_alloc(17, NULL, &t, &err), LT_ETOOBIG);
	assert_int_equal(mse_table_alloc(3, dup, &t, &err), LT_EINVAL);
	assert_string_equal(err.message, "list name \"X\" is used twice");
	assert_int_equal(mse_table_alloc(2, badn, &t, &err), LT_EINVAL);
	assert_null(t);
	assert_int_equal(mse_table_alloc(4, NULL, &t, &err), LT_OK);
	assert_string_equal(t->names[3], "D");
	assert_true(t->n == 0);
	mse_table_free(t);
}

static struct mse_table *uk5(void)
{
	static const char *const names[] = {"LA", "NG", "PFNCA", "GO", "GP"};
	struct mse_table *t = NULL;
	assert_int_equal(mse_table_alloc(5, names, &t, NULL), LT_OK);
	return t;
}

static void test_model_text(void **state)
{
	(void)state;
	struct mse_table *t = uk5();
	struct mse_model m;
	struct lt_error err;
	char buf[256];

	assert_int_equal(mse_model_parse(t, "LA:NG, NG:GP ,PFNCA:GP", &m, &err), LT_OK);
	assert_int_equal(m.nterms, 3);
	assert_int_equal(m.terms[0], 0x3);
	assert_int_equal(m.terms[1], 0x12);
	assert_int_equal(m.terms[2], 0x14);
	assert_int_equal(mse_model_format(t, &m, buf, sizeof(buf)), LT_OK);
	assert_string_equal(buf, "LA:NG,NG:GP,PFNCA:GP");
	assert_int_equal(mse_model_format(t, &m, buf, 10), LT_ETOOBIG);
	assert_int_equal(mse_model_order(&m), 2);
	assert_true(mse_model_is_hierarchical(&m));

	/* A three-list term brings its pairs, after it. "NG:LA" is LA:NG. */
	assert_int_equal(mse_model_parse(t, "GO:NG:LA,NG:LA", &m, &err), LT_OK);
	assert_int_equal(mse_model_format(t, &m, buf, sizeof(buf)), LT_OK);
	assert_string_equal(buf, "LA:NG:GO,LA:NG,LA:GO,NG:GO");
	assert_int_equal(mse_model_order(&m), 3);
	assert_true(mse_model_is_hierarchical(&m));
	mse_model_remove(&m, 0x9);
	assert_false(mse_model_is_hierarchical(&m));
	assert_int_equal(mse_model_format(t, &m, buf, sizeof(buf)), LT_OK);
	assert_string_equal(buf, "LA:NG:GO,LA:NG,NG:GO");

	/* Main effects; a lone list name is a main effect and adds nothing. */
	assert_int_equal(mse_model_parse(t, "", &m, &err), LT_OK);
	assert_int_equal(m.nterms, 0);
	assert_int_equal(mse_model_parse(t, "main", &m, &err), LT_OK);
	assert_int_equal(m.nterms, 0);
	assert_int_equal(mse_model_parse(t, "GP", &m, &err), LT_OK);
	assert_int_equal(m.nterms, 0);
	assert_int_equal(mse_model_format(t, &m, buf, sizeof(buf)), LT_OK);
	assert_string_equal(buf, "");
	assert_int_equal(mse_model_order(&m), 1);

	static const struct {
		const char *s, *field, *msg;
	} errs[] = {
	    {"LA:XX", "LA:XX",
	     "the model term \"LA:XX\" names \"XX\", which is not a list of the "
	     "table"},
	    {"LA:LA", "LA:LA", "the model term \"LA:LA\" names list LA twice"},
	    {"LA:NG,,GO:GP", "",
	     "the model \"LA:NG,,GO:GP\" has an empty term; write terms "
	     "like \"A:B,B:C\""},
	    {"LA:", "LA:", "the model term \"LA:\" names \"\", which is not a list of the table"},
	};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		lt_error_clear(&err);
		assert_int_equal(mse_model_parse(t, errs[i].s, &m, &err), LT_EINVAL);
		assert_string_equal(err.field, errs[i].field);
		assert_string_equal(err.message, errs[i].msg);
	}

	mse_term_format(t, 0x19, buf, sizeof(buf));
	assert_string_equal(buf, "LA:GO:GP");
	mse_table_free(t);
}

static void test_model_sets(void **state)
{
	(void)state;
	struct mse_model m;
	mse_model_all_pairs(&m, 4);
	static const uint32_t want[] = {0x3, 0x5, 0x6, 0x9, 0xa, 0xc};
	assert_int_equal(m.nterms, 6);
	for (unsigned k = 0; k < 6; k++)
		assert_int_equal(m.terms[k], want[k]);
	assert_true(mse_model_has(&m, 0x9));
	assert_false(mse_model_has(&m, 0x7));
	assert_int_equal(mse_model_add(&m, 0x9), LT_OK);
	assert_int_equal(m.nterms, 6);
	assert_int_equal(mse_model_add(&m, 0x1), LT_EINVAL);
	assert_int_equal(mse_model_add(&m, 0x30), LT_EINVAL);
	assert_int_equal(mse_model_add(&m, 0xf), LT_OK);
	assert_true(mse_model_is_hierarchical(&m) == false);
	assert_int_equal(mse_model_close(&m), LT_OK);
	assert_int_equal(m.nterms, 11);
	assert_true(mse_model_is_hierarchical(&m));
	mse_model_remove(&m, 0x1234);
	assert_int_equal(m.nterms, 11);

	/* The ceiling on terms. */
	mse_model_init(&m, 16);
	unsigned added = 0;
	for (uint32_t T = 3; T < 65536 && added < LT_MSE_TERMS_MAX; T++)
		if (__builtin_popcount(T) == 3) {
			assert_int_equal(mse_model_add(&m, T), LT_OK);
			added++;
		}
	assert_int_equal(mse_model_add(&m, 0xc000), LT_ETOOBIG);
	assert_int_equal(mse_model_close(&m), LT_ETOOBIG);
}

static void test_model_hier(void **state)
{
	(void)state;
	struct mse_model m;
	struct lt_error err;
	char buf[128];
	static const char *const round[] = {
	    "[1,2,3,4,5]",       "[123,25,34]",         "[135,12,24,34]", "[12,13,23,25,34]",
	    "[235,12,15,24,45]", "[12,13,24,25,35,45]", "[123,34,5]"};
	for (size_t i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
		assert_int_equal(mse_model_parse_hier(5, round[i], &m, &err), LT_OK);
		assert_int_equal(mse_model_format_hier(&m, buf, sizeof(buf)), LT_OK);
		assert_string_equal(buf, round[i]);
	}
	assert_int_equal(mse_model_parse_hier(5, "[123,25,34]", &m, &err), LT_OK);
	assert_int_equal(m.nterms, 6); /* 123, 25, 34, then 12, 13, 23 */
	assert_int_equal(m.terms[3], 0x3);
	static const char *const malformed[] = {"",      "[]",      "[12,16]", "12,3]",
	                                        "[12,3", "[12,,3]", "[11,2]",  "[12,3]x"};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		lt_error_clear(&err);
		assert_int_equal(mse_model_parse_hier(5, malformed[i], &m, &err), LT_EINVAL);
		assert_contains(err.message, "is not in the form \"[12,23,4]\" for 5 lists");
	}
	assert_int_equal(mse_model_parse_hier(10, "[12]", &m, &err), LT_EINVAL);
	mse_model_init(&m, 10);
	assert_int_equal(mse_model_format_hier(&m, buf, sizeof(buf)), LT_EINVAL);
	mse_model_init(&m, 5);
	assert_int_equal(mse_model_format_hier(&m, buf, 5), LT_ETOOBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_parse_ok),
	    cmocka_unit_test(test_table_alloc),  cmocka_unit_test(test_model_text),
	    cmocka_unit_test(test_model_sets),   cmocka_unit_test(test_model_hier),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
