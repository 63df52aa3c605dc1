/*
 * test_csv.c — unit tests of src/core/csv.{h,c}: the strict RFC 4180 reader.
 *
 * Each case is an input and the rows it must give, written as one string per
 * row with fields joined by '|' and prefixed by the row's line number
 * ("3:a|b"), or the error it must give with its line. Fields are checked as
 * C strings and against their lengths, so a missing NUL or a wrong length
 * shows.
 */
#include "testutil.h"

#include "core/csv.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct csv_case {
	const char *name;
	const char *in;
	size_t len;              /* 0: strlen(in) */
	const char *rows[8];     /* "LINE:f1|f2|..." each */
	long err_line;           /* 0: no error expected */
	const char *err_message; /* part of the message */
};

static const struct csv_case cases[] = {
    {"simple", "a,b,c\n1,2,3\n", 0, {"1:a|b|c", "2:1|2|3"}, 0, NULL},
    {"no final newline", "a,b\n1,2", 0, {"1:a|b", "2:1|2"}, 0, NULL},
    {"CRLF", "a,b\r\n1,2\r\n", 0, {"1:a|b", "2:1|2"}, 0, NULL},
    {"mixed line ends", "a,b\r\n1,2\n3,4\r\n", 0, {"1:a|b", "2:1|2", "3:3|4"}, 0, NULL},
    {"empty fields", ",\n,,\na,,b\n", 0, {"1:|", "2:||", "3:a||b"}, 0, NULL},
    {"quoted comma", "\"a,b\",c\n", 0, {"1:a,b|c"}, 0, NULL},
    {"doubled quotes", "\"say \"\"hi\"\"\",x\n", 0, {"1:say \"hi\"|x"}, 0, NULL},
    {"only a doubled quote", "\"\"\"\"\n", 0, {"1:\""}, 0, NULL},
    {"quoted empty", "\"\",\"\"\n", 0, {"1:|"}, 0, NULL},
    {"embedded newline counts lines",
     "h1,h2\n\"line one\nline two\",x\nnext,row\n",
     0,
     {"1:h1|h2", "2:line one\nline two|x", "4:next|row"},
     0,
     NULL},
    {"embedded CRLF kept as data", "\"a\r\nb\",c\r\nd,e\r\n", 0, {"1:a\r\nb|c", "3:d|e"}, 0, NULL},
    {"two embedded newlines", "\"1\n2\n3\"\nz\n", 0, {"1:1\n2\n3", "4:z"}, 0, NULL},
    {"quoted field at end without newline", "a,\"b\"", 0, {"1:a|b"}, 0, NULL},
    {"quoted then CRLF", "\"a\"\r\n\"b\"\r\n", 0, {"1:a", "2:b"}, 0, NULL},
    {"BOM skipped", "\xEF\xBB\xBFname,x\n1,2\n", 0, {"1:name|x", "2:1|2"}, 0, NULL},
    {"BOM only", "\xEF\xBB\xBF", 0, {NULL}, 0, NULL},
    {"BOM not at start is data", "a\xEF\xBB\xBF\n", 0, {"1:a\xEF\xBB\xBF"}, 0, NULL},
    {"blank lines skipped, numbers kept", "\na,b\n\n\r\n1,2\n\n", 0, {"2:a|b", "5:1|2"}, 0, NULL},
    {"empty input", "", 0, {NULL}, 0, NULL},
    {"only newlines", "\n\r\n\n", 0, {NULL}, 0, NULL},
    {"spaces are data", " a , b \n", 0, {"1: a | b "}, 0, NULL},
    {"UTF-8 is data", "caf\xc3\xa9,\xe2\x82\xac\n", 0, {"1:caf\xc3\xa9|\xe2\x82\xac"}, 0, NULL},
    {"single field rows", "x\ny\n", 0, {"1:x", "2:y"}, 0, NULL},

    {"unterminated quote", "a,b\n\"open,c\nd,e\n", 0, {"1:a|b"}, 2, "never closed"},
    {"unterminated quote at end", "a\n\"x", 0, {"1:a"}, 2, "never closed"},
    {"stray quote in unquoted field",
     "a,b\n1,x\"y\n",
     0,
     {"1:a|b"},
     2,
     "quote inside an unquoted field"},
    {"stray quote at end of field",
     "a,b\nab\",c\n",
     0,
     {"1:a|b"},
     2,
     "quote inside an unquoted field"},
    {"text after closing quote",
     "a,b\n\"x\"y,z\n",
     0,
     {"1:a|b"},
     2,
     "text after the closing quote"},
    {"space after closing quote", "a\n\"x\" \n", 0, {"1:a"}, 2, "text after the closing quote"},
    {"text after a multi-line quoted field",
     "a\n\"x\ny\"z\n",
     0,
     {"1:a"},
     3,
     "text after the closing quote"},
    {"stray quote after embedded newline",
     "h\n\"a\nb\"\nc\"d\n",
     0,
     {"1:h", "2:a\nb"},
     4,
     "quote inside an unquoted field"},
    {"NUL byte", "a,b\n1,\0\n", 8, {"1:a|b"}, 2, "NUL"},
    {"NUL inside quotes", "a\n\n\"x\0\"\n", 8, {"1:a"}, 3, "NUL"},
};

/* Render a row as "LINE:f1|f2|..." checking each field's NUL and length. */
static void render(const struct lt_csv *c, size_t nf, long line, char *out, size_t cap, int *bad)
{
	size_t used = (size_t)snprintf(out, cap, "%ld:", line);
	for (size_t i = 0; i < nf; i++) {
		if (c->fields[i].p[c->fields[i].len] != '\0' ||
		    strlen(c->fields[i].p) != c->fields[i].len)
			*bad = 1;
		used +=
		    (size_t)snprintf(out + used, cap - used, "%s%s", i ? "|" : "", c->fields[i].p);
	}
}

static void test_cases(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t k = 0; k < N(cases); k++) {
		const struct csv_case *t = &cases[k];
		size_t len = t->len ? t->len : strlen(t->in);
		struct lt_csv c;
		struct lt_error err;
		size_t r = 0, nf = 0;
		long line = 0;
		lt_status st;
		lt_error_clear(&err);
		lt_csv_init(&c, t->in, len);
		while ((st = lt_csv_next(&c, &nf, &line, &err)) == LT_OK) {
			char got[512];
			int bad = 0;
			render(&c, nf, line, got, sizeof(got), &bad);
			if (r >= N(t->rows) || !t->rows[r]) {
				print_error("%s: extra row \"%s\"\n", t->name, got);
				failures++;
			} else if (strcmp(got, t->rows[r]) != 0 || bad) {
				print_error("%s: row %zu: got \"%s\", want \"%s\"%s\n", t->name, r,
				            got, t->rows[r],
				            bad ? " (a field is not NUL-terminated at len)" : "");
				failures++;
			}
			r++;
		}
		if (r < N(t->rows) && t->rows[r]) {
			print_error("%s: missing row \"%s\" (stopped with %s: %s)\n", t->name,
			            t->rows[r], lt_status_name(st), err.message);
			failures++;
		}
		if (t->err_line) {
			if (st != LT_EPARSE || err.line != t->err_line ||
			    !strstr(err.message, t->err_message)) {
				print_error("%s: got %s at line %ld \"%s\", want malformed at line "
				            "%ld \"...%s...\"\n",
				            t->name, lt_status_name(st), err.line, err.message,
				            t->err_line, t->err_message);
				failures++;
			}
			/* After an error the reader stops for good. */
			if (lt_csv_next(&c, &nf, &line, &err) == LT_OK) {
				print_error("%s: the reader went on after an error\n", t->name);
				failures++;
			}
		} else if (st != LT_ENOTFOUND) {
			print_error("%s: ended with %s (line %ld: %s), want the end of input\n",
			            t->name, lt_status_name(st), err.line, err.message);
			failures++;
		} else if (lt_csv_next(&c, &nf, &line, &err) != LT_ENOTFOUND) {
			print_error("%s: reading past the end did not give the end again\n",
			            t->name);
			failures++;
		}
		lt_csv_release(&c);
	}
	assert_int_equal(failures, 0);
}

/* The input is not read past `len`, even when what follows looks like CSV. */
static void test_len_bounds(void **state)
{
	(void)state;
	struct lt_csv c;
	size_t nf;
	long line;
	char *in = malloc(3);
	memcpy(in, "a,b", 3); /* not NUL-terminated: ASan catches a read past it */
	lt_csv_init(&c, in, 3);
	assert_int_equal(lt_csv_next(&c, &nf, &line, NULL), LT_OK);
	assert_int_equal(nf, 2);
	assert_string_equal(c.fields[1].p, "b");
	assert_int_equal(lt_csv_next(&c, &nf, &line, NULL), LT_ENOTFOUND);
	lt_csv_release(&c);

	memcpy(in, "\"ab", 3);
	lt_csv_init(&c, in, 3);
	assert_int_equal(lt_csv_next(&c, &nf, &line, NULL), LT_EPARSE);
	lt_csv_release(&c);

	memcpy(in, "a\r", 2); /* a CR at the very end with nothing after */
	lt_csv_init(&c, in, 2);
	lt_status st = lt_csv_next(&c, &nf, &line, NULL);
	assert_true(st == LT_OK || st == LT_EPARSE);
	lt_csv_release(&c);
	free(in);
}

/* Build "v,v,...,v\n" with `cols` columns into a heap string. */
static char *row_of(size_t cols, const char *v)
{
	size_t vl = strlen(v), n = cols * (vl + 1) + 1;
	char *s = malloc(n), *p = s;
	for (size_t i = 0; i < cols; i++) {
		memcpy(p, v, vl);
		p += vl;
		*p++ = i + 1 < cols ? ',' : '\n';
	}
	*p = '\0';
	return s;
}

static void test_column_limit(void **state)
{
	(void)state;
	struct lt_csv c;
	struct lt_error err;
	size_t nf;
	long line;

	char *ok = row_of(LT_CSV_COLUMNS_MAX, "x");
	lt_csv_init(&c, ok, strlen(ok));
	assert_int_equal(lt_csv_next(&c, &nf, &line, &err), LT_OK);
	assert_int_equal(nf, LT_CSV_COLUMNS_MAX);
	assert_string_equal(c.fields[LT_CSV_COLUMNS_MAX - 1].p, "x");
	lt_csv_release(&c);
	free(ok);

	/* Two good lines, then one with a column too many. */
	char *bad = row_of(LT_CSV_COLUMNS_MAX + 1, "y");
	size_t blen = strlen(bad);
	char *in = malloc(blen + 16);
	memcpy(in, "a\nb\n", 4);
	memcpy(in + 4, bad, blen + 1);
	lt_error_clear(&err);
	lt_csv_init(&c, in, strlen(in));
	assert_int_equal(lt_csv_next(&c, &nf, &line, &err), LT_OK);
	assert_int_equal(lt_csv_next(&c, &nf, &line, &err), LT_OK);
	assert_int_equal(lt_csv_next(&c, &nf, &line, &err), LT_EPARSE);
	assert_int_equal(err.line, 3);
	assert_contains(err.message, "more than 64 columns");
	lt_csv_release(&c);
	free(in);
	free(bad);

	/* A trailing comma makes the 65th (empty) column. */
	ok = row_of(LT_CSV_COLUMNS_MAX, "z");
	size_t olen = strlen(ok);
	ok[olen - 1] = ',';
	lt_csv_init(&c, ok, olen);
	assert_int_equal(lt_csv_next(&c, &nf, &line, &err), LT_EPARSE);
	assert_int_equal(err.line, 1);
	lt_csv_release(&c);
	free(ok);
}

static void test_field_limit(void **state)
{
	(void)state;
	struct {
		const char *name;
		size_t flen;
		int quoted;
		int embedded_quote; /* a doubled quote in the middle */
		lt_status want;
	} cases_[] = {
	    {"unquoted at the limit", LT_CSV_FIELD_MAX, 0, 0, LT_OK},
	    {"unquoted over the limit", LT_CSV_FIELD_MAX + 1, 0, 0, LT_EPARSE},
	    {"quoted at the limit", LT_CSV_FIELD_MAX, 1, 0, LT_OK},
	    {"quoted over the limit", LT_CSV_FIELD_MAX + 1, 1, 0, LT_EPARSE},
	    {"quoted with a doubled quote, at the limit", LT_CSV_FIELD_MAX, 1, 1, LT_OK},
	    {"quoted with a doubled quote, over the limit", LT_CSV_FIELD_MAX + 1, 1, 1, LT_EPARSE},
	    {"far over the limit", 10 * LT_CSV_FIELD_MAX, 0, 0, LT_EPARSE},
	};
	int failures = 0;
	for (size_t k = 0; k < N(cases_); k++) {
		/* "h\n" then the field on line 2, then ",end\n". */
		size_t cap = cases_[k].flen + 32;
		char *in = malloc(cap), *p = in;
		memcpy(p, "h\n", 2);
		p += 2;
		if (cases_[k].quoted)
			*p++ = '"';
		size_t data = cases_[k].flen;
		if (cases_[k].embedded_quote) {
			/* data bytes: (flen - 1) x's plus one '"' written as '""'. */
			memset(p, 'x', data / 2);
			p += data / 2;
			*p++ = '"';
			*p++ = '"';
			memset(p, 'x', data - data / 2 - 1);
			p += data - data / 2 - 1;
		} else {
			memset(p, 'x', data);
			p += data;
		}
		if (cases_[k].quoted)
			*p++ = '"';
		memcpy(p, ",end\n", 5);
		p += 5;

		struct lt_csv c;
		struct lt_error err;
		size_t nf;
		long line;
		lt_error_clear(&err);
		lt_csv_init(&c, in, (size_t)(p - in));
		lt_status st = lt_csv_next(&c, &nf, &line, &err);
		if (st == LT_OK)
			st = lt_csv_next(&c, &nf, &line, &err);
		int ok = st == cases_[k].want;
		if (ok && st == LT_OK)
			ok = nf == 2 && c.fields[0].len == cases_[k].flen &&
			     strcmp(c.fields[1].p, "end") == 0;
		if (ok && st != LT_OK)
			ok =
			    err.line == 2 && strstr(err.message, "longer than 16384 bytes") != NULL;
		if (!ok) {
			print_error("%s: got %s (line %ld \"%s\"), want %s\n", cases_[k].name,
			            lt_status_name(st), err.line, err.message,
			            lt_status_name(cases_[k].want));
			failures++;
		}
		lt_csv_release(&c);
		free(in);
	}
	assert_int_equal(failures, 0);
}

/* Fields stay valid until the next call, even when the scratch buffer grows
 * between rows; the next row's fields replace them. */
static void test_fields_across_rows(void **state)
{
	(void)state;
	size_t big = 5000;
	char *in = malloc(big + 32);
	memcpy(in, "a,b\n", 4);
	memset(in + 4, 'q', big);
	memcpy(in + 4 + big, ",z\n", 4);
	struct lt_csv c;
	size_t nf;
	long line;
	lt_csv_init(&c, in, strlen(in));
	assert_int_equal(lt_csv_next(&c, &nf, &line, NULL), LT_OK);
	assert_string_equal(c.fields[0].p, "a");
	assert_int_equal(lt_csv_next(&c, &nf, &line, NULL), LT_OK);
	assert_int_equal(nf, 2);
	assert_int_equal(c.fields[0].len, big);
	assert_int_equal(strlen(c.fields[0].p), big);
	assert_string_equal(c.fields[1].p, "z");
	assert_int_equal(line, 2);
	lt_csv_release(&c);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_len_bounds),
	    cmocka_unit_test(test_column_limit),
	    cmocka_unit_test(test_field_limit),
	    cmocka_unit_test(test_fields_across_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
