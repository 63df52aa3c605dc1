/*
 * fuzz_link_compare.c — fuzz target for the comparators of record linkage
 * (src/linkage/link_compare.h), which read whatever the input files of
 * `lantern link` and the persons of the store hold.
 *
 * The input is two values separated by the first tab, the first byte
 * giving the cap of the edit distances (0..15). Every pair of byte strings
 * must keep these properties, or the target aborts:
 *   - Jaro and Jaro-Winkler in [0, 1], symmetric, Jaro-Winkler >= Jaro;
 *   - Levenshtein and Damerau-Levenshtein symmetric, DL <= Levenshtein
 *     <= 2 DL, a capped distance = min(distance, cap + 1), a value at
 *     distance 0 from itself;
 *   - Double Metaphone codes of at most 4 characters of its alphabet;
 *   - folding leaves no space at either end nor two in a row, never
 *     overruns its buffer, and folding a folded name changes nothing;
 *     romanising a folded name never overruns its buffer either, and
 *     romanising it again changes nothing;
 *   - a parsed date is a real date at the precision returned, and the
 *     comparison of two is symmetric and a level of the table;
 *   - a canonical name is its own canonical name.
 * Never a crash, a read past the NUL, a leak or undefined behaviour.
 * Built as a libFuzzer target with clang (`make fuzz-link-compare`), and
 * with replay.c as a plain program that `make test` runs over
 * fuzz/corpus/link_compare/.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkage/link_compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define VALUE_MAX 600 /* bytes of each value: past LT_LINK_STRING_MAX code points */

static void check_code(const char *c)
{
	if (strlen(c) > 4 || strspn(c, "AFHJKLMNPRSTX0 ") != strlen(c))
		abort();
}

static void check_fold(const char *s)
{
	char out[64], again[64];
	memset(out, 0x7F, sizeof(out));
	size_t cap = 1 + (size_t)(strlen(s) % 40);
	lt_status st = lt_link_normalise(s, out, cap);
	if (st != LT_OK && st != LT_EINVAL && st != LT_ETOOBIG && st != LT_ENOMEM)
		abort();
	size_t n = strnlen(out, sizeof(out));
	if (n >= cap)
		abort();
	if (n > 0 && (out[0] == ' ' || out[n - 1] == ' '))
		abort();
	if (strstr(out, "  "))
		abort();
	if (st == LT_EINVAL && n != 0)
		abort();
	if (st == LT_OK) {
		if (lt_link_normalise(out, again, sizeof(again)) != LT_OK ||
		    strcmp(out, again) != 0)
			abort();
		char roman[64], again2[64];
		size_t rcap = 1 + (size_t)(strlen(s) % 60);
		lt_status rt = lt_link_transliterate(out, roman, rcap);
		if ((rt != LT_OK && rt != LT_ETOOBIG) || strlen(roman) >= rcap)
			abort();
		if (rt == LT_OK && (lt_link_transliterate(roman, again2, sizeof(again2)) != LT_OK ||
		                    strcmp(roman, again2) != 0))
			abort();
		const char *canon = lt_link_name_canonical(out);
		if (canon && strcmp(lt_link_name_canonical(canon), canon) != 0)
			abort();
	}
}

static void check_date(const char *s, struct lt_link_date *d)
{
	enum lt_link_date_precision p = lt_link_date_parse(s, d);
	switch (p) {
	case LT_LINK_DATE_NONE:
		if (d->year || d->month || d->day)
			abort();
		break;
	case LT_LINK_DATE_YEAR:
		if (d->year < 1 || d->month || d->day)
			abort();
		break;
	case LT_LINK_DATE_MONTH:
		if (d->year < 1 || d->month < 1 || d->month > 12 || d->day)
			abort();
		break;
	case LT_LINK_DATE_DAY:
		if (d->year < 1 || d->month < 1 || d->month > 12 || d->day < 1 || d->day > 31)
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned cap = data[0] & 15;
	data++, size--;
	const uint8_t *tab = memchr(data, '\t', size);
	size_t na = tab ? (size_t)(tab - data) : size;
	size_t nb = tab ? size - na - 1 : 0;
	if (na > VALUE_MAX)
		na = VALUE_MAX;
	if (nb > VALUE_MAX)
		nb = VALUE_MAX;
	char a[VALUE_MAX + 1], b[VALUE_MAX + 1];
	memcpy(a, data, na);
	a[na] = '\0';
	if (tab)
		memcpy(b, tab + 1, nb);
	b[nb] = '\0';

	double j = lt_link_jaro(a, b), jw = lt_link_jaro_winkler(a, b);
	if (!(j >= 0.0 && j <= 1.0) || !(jw >= j && jw <= 1.0))
		abort();
	if (j != lt_link_jaro(b, a) || jw != lt_link_jaro_winkler(b, a))
		abort();

	unsigned lev = lt_link_levenshtein(a, b, UINT_MAX);
	unsigned dl = lt_link_damerau_levenshtein(a, b, UINT_MAX);
	if (lev != lt_link_levenshtein(b, a, UINT_MAX) ||
	    dl != lt_link_damerau_levenshtein(b, a, UINT_MAX))
		abort();
	if (dl > lev || lev > 2 * dl)
		abort();
	if (lt_link_levenshtein(a, b, cap) != (lev <= cap ? lev : cap + 1) ||
	    lt_link_damerau_levenshtein(a, b, cap) != (dl <= cap ? dl : cap + 1))
		abort();
	if (lt_link_levenshtein(a, a, 0) != 0 || lt_link_damerau_levenshtein(b, b, 0) != 0)
		abort();
	if ((lev == 0) != (jw == 1.0 || (a[0] == '\0' && b[0] == '\0')))
		abort();

	char p[LT_LINK_DMETA_SIZE], alt[LT_LINK_DMETA_SIZE];
	lt_link_double_metaphone(a, p, alt);
	check_code(p);
	check_code(alt);

	check_fold(a);
	check_fold(b);

	struct lt_link_date da, db;
	check_date(a, &da);
	check_date(b, &db);
	unsigned near = cap;
	enum lt_link_date_level l = lt_link_date_compare(&da, &db, near);
	if (l != lt_link_date_compare(&db, &da, near) || (unsigned)l >= LT_LINK_DATE_LEVELS)
		abort();
	return 0;
}
