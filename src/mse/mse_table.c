/*
 * mse_table.c — capture-history tables and their CSV form.
 *
 * A table is the vector of counts of a 2^t contingency table with the
 * all-zero cell missing (Bishop, Fienberg & Holland 1975, ch. 6), stored
 * densely by history mask: bit i of the index is list i. Dense storage costs
 * 2^16 doubles at the 16-list ceiling and makes every margin a masked sum;
 * the fits, the existence check and the bootstrap all work on it directly.
 *
 * The CSV is the format of ../shared/data/mse/: a header of list names and a
 * final `count` column, then one row per history. It comes from outside, so
 * the parser is strict and names the line and the column of the first
 * fault. It refuses what would make an estimate meaningless as well as what
 * is malformed: a list no case is on (its main effect is -inf and the model
 * cannot be fitted) and a list every case is on (then every case is known to
 * that list and nothing can be said about the cases no list holds).
 * Invariants of a table: 2 <= nlists <= LT_MSE_LISTS_MAX, counts are whole
 * numbers in [0, LT_MSE_COUNT_MAX], counts[0] == 0, n is their sum.
 */
#include "mse/mse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"

#include "core/banned.h"

static bool name_ok(const char *s, size_t len)
{
	if (len == 0 || len > LT_MSE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

lt_status mse_table_alloc(unsigned nlists, const char *const *names, struct mse_table **out,
                          struct lt_error *err)
{
	*out = NULL;
	if (nlists < 2)
		return lt_error_set(err, LT_EINVAL, "", "a table needs at least 2 lists, not %u",
		                    nlists);
	if (nlists > LT_MSE_LISTS_MAX)
		return lt_error_set(
		    err, LT_ETOOBIG, "",
		    "a table has at most %d lists (the limit LT_MSE_LISTS_MAX), not %u",
		    LT_MSE_LISTS_MAX, nlists);
	struct mse_table *t = calloc(1, sizeof(*t));
	if (!t)
		return lt_error_set(err, LT_ENOMEM, "", "out of memory");
	t->nlists = nlists;
	t->ncells = (size_t)1 << nlists;
	t->counts = calloc(t->ncells, sizeof(double));
	if (!t->counts) {
		free(t);
		return lt_error_set(err, LT_ENOMEM, "", "out of memory");
	}
	for (unsigned i = 0; i < nlists; i++) {
		if (names) {
			size_t len = strlen(names[i]);
			if (!name_ok(names[i], len)) {
				char q[LT_MSE_NAME_MAX + 8];
				lt_error_quote(q, sizeof(q), names[i], len, LT_MSE_NAME_MAX);
				mse_table_free(t);
				return lt_error_set(
				    err, LT_EINVAL, q,
				    "list name \"%s\" must be 1 to %d letters, digits, "
				    "'_', '.' or '-'",
				    q, LT_MSE_NAME_MAX);
			}
			for (unsigned j = 0; j < i; j++)
				if (strcmp(t->names[j], names[i]) == 0) {
					mse_table_free(t);
					return lt_error_set(err, LT_EINVAL, names[i],
					                    "list name \"%s\" is used twice",
					                    names[i]);
				}
			memcpy(t->names[i], names[i], len + 1);
		} else {
			_Static_assert(LT_MSE_LISTS_MAX <= 26, "default names are letters");
			t->names[i][0] = (char)('A' + i);
		}
	}
	*out = t;
	return LT_OK;
}

void mse_table_free(struct mse_table *t)
{
	if (!t)
		return;
	free(t->counts);
	free(t);
}

static bool whole(double c)
{
	return c >= 0 && c <= LT_MSE_COUNT_MAX && c == floor(c);
}

lt_status mse_table_from_counts(const struct mse_table *like, const double *counts,
                                struct mse_table **out, struct lt_error *err)
{
	const char *names[LT_MSE_LISTS_MAX];
	*out = NULL;
	for (size_t h = 1; h < like->ncells; h++)
		if (!whole(counts[h])) {
			char hist[LT_MSE_LISTS_MAX + 1];
			mse_history_format(like->nlists, (uint32_t)h, hist, sizeof(hist));
			return lt_error_set(
			    err, LT_EINVAL, hist,
			    "the count of history %s is %g; a count must be a whole "
			    "number from 0 to %.0f",
			    hist, counts[h], LT_MSE_COUNT_MAX);
		}
	for (unsigned i = 0; i < like->nlists; i++)
		names[i] = like->names[i];
	lt_status st = mse_table_alloc(like->nlists, names, out, err);
	if (st != LT_OK)
		return st;
	mse_table_set_counts(*out, counts);
	return LT_OK;
}

void mse_table_set_counts(struct mse_table *t, const double *counts)
{
	double n = 0;
	t->counts[0] = 0;
	for (size_t h = 1; h < t->ncells; h++) {
		LT_ASSERT(counts[h] >= 0);
		t->counts[h] = counts[h];
		n += counts[h];
	}
	t->n = n;
}

double mse_table_margin(const struct mse_table *t, uint32_t mask)
{
	double s = 0;
	if (mask == 0)
		return t->n;
	/* Enumerate the supersets of mask: h = mask | sub for every subset sub of
	 * the other bits. */
	uint32_t full = (uint32_t)t->ncells - 1, rest = full & ~mask, sub = 0;
	do {
		s += t->counts[mask | sub];
		sub = (sub - rest) & rest;
	} while (sub != 0);
	return s;
}

size_t mse_table_observed(const struct mse_table *t, uint32_t *out, size_t cap)
{
	size_t k = 0;
	for (size_t h = 1; h < t->ncells; h++)
		if (t->counts[h] > 0) {
			if (k < cap)
				out[k] = (uint32_t)h;
			k++;
		}
	return k;
}

void mse_history_format(unsigned nlists, uint32_t h, char *buf, size_t cap)
{
	LT_ASSERT(cap > nlists);
	for (unsigned i = 0; i < nlists; i++)
		buf[i] = (h >> i) & 1u ? '1' : '0';
	buf[nlists] = '\0';
}

/* ---- The CSV. ---- */

static void trim(const char **p, size_t *len)
{
	while (*len && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t'))
		(*len)--;
	while (*len && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*len)--;
	}
}

LT_PRINTF(5, 6)
static lt_status fail(struct lt_error *err, lt_status st, long line, const char *field,
                      const char *fmt, ...)
{
	if (!err)
		return st;
	va_list ap;
	lt_error_clear(err);
	err->status = st;
	err->line = line;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return st;
}

/*
 * Parse a count: digits, optionally a '.' and digits that are all 0 ("3",
 * "3.0"). Returns 0 and *out, or -1 not a number, -2 negative, -3 fractional,
 * -4 too large.
 */
static int parse_count(const char *s, size_t len, double *out)
{
	size_t i = 0;
	bool neg = false;
	if (len && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	size_t d0 = i;
	double v = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		v = v * 10 + (s[i] - '0');
		if (v > 1e15)
			v = 1e15; /* already too large; keep it finite */
		i++;
	}
	size_t ndig = i - d0;
	bool frac = false;
	size_t nfrac = 0;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			frac |= s[i] != '0';
			nfrac++;
			i++;
		}
	}
	if (i != len || ndig + nfrac == 0)
		return -1;
	if (neg && (v > 0 || frac))
		return -2;
	if (frac)
		return -3;
	if (v > LT_MSE_COUNT_MAX)
		return -4;
	*out = v;
	return 0;
}

lt_status mse_table_parse_csv(const char *data, size_t len, struct mse_table **out,
                              struct lt_error *err)
{
	struct lt_csv csv;
	struct lt_error cerr;
	struct mse_table *t = NULL;
	size_t ncol = 0, nf = 0;
	long line = 0;
	lt_status st;
	char names[LT_MSE_LISTS_MAX][LT_MSE_NAME_MAX + 1];
	const char *namep[LT_MSE_LISTS_MAX];
	char q[96];

	*out = NULL;
	lt_csv_init(&csv, data, len);
	lt_error_clear(&cerr);

	/* The header. */
	st = lt_csv_next(&csv, &ncol, &line, &cerr);
	if (st == LT_ENOTFOUND) {
		st = fail(err, LT_EINVAL, 1, "",
		          "the file is empty: expected a header of list names and \"count\"");
		goto out;
	}
	if (st != LT_OK) {
		if (err)
			*err = cerr;
		goto out;
	}
	{
		const char *last = csv.fields[ncol - 1].p;
		size_t ll = csv.fields[ncol - 1].len;
		trim(&last, &ll);
		if (ll != 5 || memcmp(last, "count", 5) != 0) {
			lt_error_quote(q, sizeof(q), last, ll, 40);
			st =
			    fail(err, LT_EINVAL, line, q,
			         "line %ld: the last column is \"%s\"; it must be \"count\", after "
			         "one 0/1 column per list",
			         line, q);
			goto out;
		}
	}
	if (ncol - 1 < 2) {
		st =
		    fail(err, LT_EINVAL, line, "",
		         "line %ld: the header names %zu list%s; estimation needs at least 2 lists",
		         line, ncol - 1, ncol - 1 == 1 ? "" : "s");
		goto out;
	}
	if (ncol - 1 > LT_MSE_LISTS_MAX) {
		st = fail(err, LT_ETOOBIG, line, "",
		          "line %ld: the header names %zu lists; at most %d are allowed", line,
		          ncol - 1, LT_MSE_LISTS_MAX);
		goto out;
	}
	unsigned nlists = (unsigned)(ncol - 1);
	for (unsigned i = 0; i < nlists; i++) {
		const char *nm = csv.fields[i].p;
		size_t nl = csv.fields[i].len;
		trim(&nm, &nl);
		lt_error_quote(q, sizeof(q), nm, nl, 40);
		if (nl == 0) {
			st = fail(err, LT_EINVAL, line, "",
			          "line %ld: column %u of the header is empty; every list needs a "
			          "name",
			          line, i + 1);
			goto out;
		}
		if (!name_ok(nm, nl)) {
			st =
			    fail(err, LT_EINVAL, line, q,
			         "line %ld: list name \"%s\" must be 1 to %d letters, digits, '_', "
			         "'.' or '-'",
			         line, q, LT_MSE_NAME_MAX);
			goto out;
		}
		memcpy(names[i], nm, nl);
		names[i][nl] = '\0';
		namep[i] = names[i];
		for (unsigned j = 0; j < i; j++)
			if (strcmp(names[j], names[i]) == 0) {
				st = fail(err, LT_EINVAL, line, names[i],
				          "line %ld: list name \"%s\" appears twice in the header",
				          line, names[i]);
				goto out;
			}
		if (strcmp(names[i], "count") == 0) {
			st = fail(err, LT_EINVAL, line, names[i],
			          "line %ld: \"count\" must be the last column only", line);
			goto out;
		}
	}
	st = mse_table_alloc(nlists, namep, &t, err);
	if (st != LT_OK)
		goto out;

	/* The rows. */
	size_t nrows = 0;
	for (;;) {
		lt_error_clear(&cerr);
		st = lt_csv_next(&csv, &nf, &line, &cerr);
		if (st == LT_ENOTFOUND)
			break;
		if (st != LT_OK) {
			if (err)
				*err = cerr;
			goto out;
		}
		if (nrows == LT_MSE_ROWS_MAX) {
			st = fail(err, LT_ETOOBIG, line, "",
			          "line %ld: the file has more than %d rows of histories", line,
			          LT_MSE_ROWS_MAX);
			goto out;
		}
		nrows++;
		if (nf != ncol) {
			st = fail(err, LT_EINVAL, line, "",
			          "line %ld: the row has %zu fields, but the header has %zu", line,
			          nf, ncol);
			goto out;
		}
		uint32_t h = 0;
		for (unsigned i = 0; i < nlists; i++) {
			const char *v = csv.fields[i].p;
			size_t vl = csv.fields[i].len;
			trim(&v, &vl);
			if (vl == 1 && (v[0] == '0' || v[0] == '1')) {
				h |= (uint32_t)(v[0] - '0') << i;
				continue;
			}
			lt_error_quote(q, sizeof(q), v, vl, 20);
			st = fail(err, LT_EINVAL, line, names[i],
			          "line %ld, column %s: the cell is \"%s\"; a cell must be 0 or 1",
			          line, names[i], q);
			goto out;
		}
		const char *v = csv.fields[nlists].p;
		size_t vl = csv.fields[nlists].len;
		trim(&v, &vl);
		double c = 0;
		int rc = parse_count(v, vl, &c);
		if (rc != 0) {
			static const char *const why[] = {
			    "", "is not a number", "is negative", "is not a whole number",
			    "is larger than the limit of 1000000000 cases in one row"};
			lt_error_quote(q, sizeof(q), v, vl, 20);
			st = fail(err, rc == -4 ? LT_ETOOBIG : LT_EINVAL, line, "count",
			          "line %ld, column count: the count \"%s\" %s; a count is a whole "
			          "number of cases, 0 or more",
			          line, q, why[-rc]);
			goto out;
		}
		if (h == 0) {
			st =
			    fail(err, LT_EINVAL, line, names[0],
			         "line %ld: the history is 0 in every list column; the cases on no "
			         "list are what is estimated and cannot be given",
			         line);
			goto out;
		}
		t->counts[h] += c;
		if (t->counts[h] > LT_MSE_COUNT_MAX) {
			st = fail(err, LT_ETOOBIG, line, "count",
			          "line %ld, column count: the rows of this history add up to more "
			          "than 1000000000 cases",
			          line);
			goto out;
		}
		t->n += c;
	}
	if (t->n == 0) {
		st = fail(err, LT_EINVAL, line, "count", "%s",
		          nrows ? "every count is 0: there are no cases to estimate from"
		                : "the file has a header but no rows of histories");
		goto out;
	}
	for (unsigned i = 0; i < nlists; i++) {
		double m = mse_table_margin(t, 1u << i);
		if (m == 0) {
			st = fail(err, LT_EINVAL, 0, names[i],
			          "column %s: no case is on list %s; leave the list out", names[i],
			          names[i]);
			goto out;
		}
		if (m == t->n) {
			st = fail(err, LT_EINVAL, 0, names[i],
			          "column %s: every case is on list %s, so the data say nothing "
			          "about the cases no list holds",
			          names[i], names[i]);
			goto out;
		}
	}
	*out = t;
	t = NULL;
	st = LT_OK;
out:
	mse_table_free(t);
	lt_csv_release(&csv);
	return st;
}
