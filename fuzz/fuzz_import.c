/*
 * fuzz_import.c — fuzz target for the CSV reader and both importers.
 *
 * Every byte string must come back as records or as errors with line
 * numbers; never a crash, a hang, a leak or undefined behaviour. Built as a
 * libFuzzer target with clang (`make fuzz`), and with replay.c as a plain
 * program that `make test` runs over the committed corpus.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/csv.h"
#include "core/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const agencies[] = {"herts_cc", "herts_police", "nca"};
	static const char *const cases[] = {"HC/2019/1"};
	const struct lt_known known = {agencies, 3, cases, 1};
	struct lt_csv csv;
	struct lt_error err;
	size_t nf;
	long line;

	lt_csv_init(&csv, (const char *)data, size);
	while (lt_csv_next(&csv, &nf, &line, &err) == LT_OK)
		for (size_t i = 0; i < nf; i++)
			if (csv.fields[i].p[csv.fields[i].len] != '\0')
				abort();
	lt_csv_release(&csv);

	struct lt_diags d;
	lt_diags_init(&d);
	struct lt_report *r = NULL;
	size_t n = 0;
	if (lt_import_reports((const char *)data, size, &known, &r, &n, &d) == LT_OK)
		lt_import_reports_free(r, n);
	else if (lt_diags_total(&d) == 0)
		abort(); /* a refusal always says why */
	lt_diags_release(&d);

	lt_diags_init(&d);
	struct lt_arrest *a = NULL;
	if (lt_import_arrests((const char *)data, size, &known, &a, &n, &d) == LT_OK)
		free(a);
	else if (lt_diags_total(&d) == 0)
		abort();
	lt_diags_release(&d);
	return 0;
}
