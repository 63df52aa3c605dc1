/*
 * fuzz_mse_table.c — fuzz target for the capture-history CSV parser
 * (mse_table_parse_csv) and the model parser (mse_model_parse).
 *
 * Every byte string must come back as a table that keeps the invariants of
 * mse_table.c (2..16 lists, whole non-negative counts, counts[0] == 0, n
 * their sum, no list empty or full) or as an error with a message; never a
 * crash, a hang, a leak or undefined behaviour. An input may carry a model
 * after a form feed: the bytes before it are the CSV, those after it are
 * read as a model of the table, and a model that parses must be
 * hierarchical and format and parse back to itself. Built as a
 * libFuzzer target with clang (`make fuzz-mse-table`), and with replay.c as
 * a plain program that `make test` runs over fuzz/corpus/mse_table/.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mse/mse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_model(const struct mse_table *t, const uint8_t *ff, size_t len)
{
	if (len > 512)
		len = 512;
	char text[513];
	memcpy(text, ff, len);
	text[len] = '\0';
	struct mse_model m, back;
	struct lt_error err;
	lt_error_clear(&err);
	if (mse_model_parse(t, text, &m, &err) != LT_OK) {
		if (!err.message[0])
			abort();
		return;
	}
	if (m.nlists != t->nlists || !mse_model_is_hierarchical(&m))
		abort();
	char buf[8192];
	if (mse_model_format(t, &m, buf, sizeof(buf)) != LT_OK)
		return;
	if (mse_model_parse(t, buf, &back, &err) != LT_OK || back.nterms != m.nterms)
		abort();
	for (unsigned k = 0; k < m.nterms; k++)
		if (back.terms[k] != m.terms[k])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mse_table *t = NULL;
	struct lt_error err;
	lt_error_clear(&err);
	const uint8_t *ff = memchr(data, '\f', size);
	size_t csvlen = ff ? (size_t)(ff - data) : size;
	lt_status st = mse_table_parse_csv((const char *)data, csvlen, &t, &err);
	if (st != LT_OK) {
		if (t || !err.message[0] || err.status != st)
			abort(); /* a refusal always says why, and returns nothing */
		return 0;
	}
	if (t->nlists < 2 || t->nlists > LT_MSE_LISTS_MAX || t->ncells != (size_t)1 << t->nlists ||
	    t->counts[0] != 0)
		abort();
	double n = 0;
	for (size_t h = 1; h < t->ncells; h++) {
		double c = t->counts[h];
		if (!(c >= 0) || c != floor(c) || c > LT_MSE_COUNT_MAX)
			abort();
		n += c;
	}
	if (n != t->n || !(n > 0))
		abort();
	for (unsigned i = 0; i < t->nlists; i++) {
		double m = mse_table_margin(t, 1u << i);
		if (m == 0 || m == n || !t->names[i][0])
			abort();
	}
	if (ff)
		check_model(t, ff + 1, size - csvlen - 1);
	mse_table_free(t);
	return 0;
}
