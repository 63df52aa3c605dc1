/*
 * stats.c — the arrests table: grouping, zero filling and formatting.
 *
 * A year with no arrests is a fact, not a gap: every year of the range gets
 * a row (and, grouped by offence too, every offence of the taxonomy), so a
 * reader never mistakes a missing row for missing data. The range defaults to
 * the first and last years with any arrest; an explicit range may extend
 * beyond the data, and its empty years then show 0.
 *
 * The table format adds the change between the first and the last year, as
 * a count and, when the first year is not zero, a percentage. Small counts
 * make percentages volatile; the text says so rather than hiding it.
 */
#include "stats/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

lt_status stats_by_parse(const char *s, unsigned *by, struct lt_error *err)
{
	unsigned b = 0;
	const char *p = s;
	while (*p) {
		const char *q = strchr(p, ',');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		unsigned bit = 0;
		if (n == 4 && memcmp(p, "year", 4) == 0)
			bit = STATS_BY_YEAR;
		else if (n == 7 && memcmp(p, "offence", 7) == 0)
			bit = STATS_BY_OFFENCE;
		if (!bit || (b & bit)) {
			char v[80];
			lt_error_quote(v, sizeof(v), s, strlen(s), 40);
			return lt_error_set(err, LT_EINVAL, "by",
					    "unknown value '%s' (expected one of: year, offence, year,offence)",
					    v);
		}
		b |= bit;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!b)
		return lt_error_set(err, LT_EINVAL, "by",
				    "is empty (expected one of: year, offence, year,offence)");
	*by = b;
	return LT_OK;
}

lt_status stats_format_parse(const char *s, enum stats_format *fmt, struct lt_error *err)
{
	static const char *const names[] = {"table", "csv", "json"};
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(s, names[i]) == 0) {
			*fmt = (enum stats_format)i;
			return LT_OK;
		}
	}
	char v[80];
	lt_error_quote(v, sizeof(v), s, strlen(s), 40);
	return lt_error_set(err, LT_EINVAL, "format",
			    "unknown value '%s' (expected one of: table, csv, json)", v);
}

lt_status stats_arrests(const struct store_arrest_count *counts, size_t n, unsigned by, int from,
			int to, struct stats_table *out, struct lt_error *err)
{
	memset(out, 0, sizeof(*out));
	out->by = by;
	LT_ASSERT(by & (STATS_BY_YEAR | STATS_BY_OFFENCE));

	int lo = 0, hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (counts[i].arrests <= 0)
			continue;
		if (!lo || counts[i].year < lo)
			lo = counts[i].year;
		if (!hi || counts[i].year > hi)
			hi = counts[i].year;
	}
	if (from)
		lo = from;
	if (to)
		hi = to;
	/* A bound given alone beyond the other end of the data: one year. */
	if (from && !to && hi < lo)
		hi = lo;
	if (to && !from && lo > hi)
		lo = hi;
	if (lo && !hi)
		hi = lo;
	if (hi && !lo)
		lo = hi;
	if (lo > hi)
		return lt_error_set(err, LT_EINVAL, "from", "the range %d to %d is empty: 'from' is after 'to'", lo, hi);
	if (lo && hi - lo + 1 > LT_STATS_YEARS_MAX)
		return lt_error_set(err, LT_EINVAL, "from", "the range %d to %d spans more than %d years",
				    lo, hi, LT_STATS_YEARS_MAX);
	out->from = lo;
	out->to = hi;

	size_t nyears = lo ? (size_t)(hi - lo + 1) : 0;
	size_t ny = (by & STATS_BY_YEAR) ? nyears : 1;
	size_t no = (by & STATS_BY_OFFENCE) ? LT_OFFENCE_COUNT : 1;
	size_t rows = (by & STATS_BY_YEAR) && nyears == 0 ? 0 : ny * no;

	if (rows) {
		out->rows = calloc(rows, sizeof(*out->rows));
		if (!out->rows)
			return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	}
	out->nrows = rows;
	for (size_t y = 0; y < ny && rows; y++) {
		for (size_t o = 0; o < no; o++) {
			struct stats_row *r = &out->rows[y * no + o];
			r->year = (by & STATS_BY_YEAR) ? lo + (int)y : 0;
			r->offence = (enum lt_offence)o;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct store_arrest_count *c = &counts[i];
		if (!lo || c->year < lo || c->year > hi)
			continue;
		LT_ASSERT((unsigned)c->offence < LT_OFFENCE_COUNT);
		size_t y = (by & STATS_BY_YEAR) ? (size_t)(c->year - lo) : 0;
		size_t o = (by & STATS_BY_OFFENCE) ? (size_t)c->offence : 0;
		if (rows)
			out->rows[y * no + o].arrests += c->arrests;
		out->total += c->arrests;
		if (c->year == lo)
			out->first_year_total += c->arrests;
		if (c->year == hi)
			out->last_year_total += c->arrests;
	}
	return LT_OK;
}

void stats_table_release(struct stats_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

static const char *offence_code(enum lt_offence o)
{
	return lt_vocab_term(&lt_vocab_offence, (size_t)o)->code;
}

static lt_status format_csv(const struct stats_table *t, struct lt_buf *out)
{
	lt_status st = LT_OK;
	if (t->by & STATS_BY_YEAR)
		st = lt_buf_puts(out, "year,");
	if (st == LT_OK && (t->by & STATS_BY_OFFENCE))
		st = lt_buf_puts(out, "offence,");
	if (st == LT_OK)
		st = lt_buf_puts(out, "arrests\n");
	for (size_t i = 0; i < t->nrows && st == LT_OK; i++) {
		const struct stats_row *r = &t->rows[i];
		if (t->by & STATS_BY_YEAR)
			st = lt_buf_printf(out, "%d,", r->year);
		if (st == LT_OK && (t->by & STATS_BY_OFFENCE))
			st = lt_buf_printf(out, "%s,", offence_code(r->offence));
		if (st == LT_OK)
			st = lt_buf_printf(out, "%ld\n", r->arrests);
	}
	return st;
}

static lt_status format_json(const struct stats_table *t, struct lt_buf *out)
{
	lt_status st = lt_buf_puts(out, "{\"by\":[");
	if (st == LT_OK && (t->by & STATS_BY_YEAR))
		st = lt_buf_puts(out, (t->by & STATS_BY_OFFENCE) ? "\"year\"," : "\"year\"");
	if (st == LT_OK && (t->by & STATS_BY_OFFENCE))
		st = lt_buf_puts(out, "\"offence\"");
	if (st == LT_OK) {
		if (t->from)
			st = lt_buf_printf(out, "],\"from\":%d,\"to\":%d,\"total\":%ld,\"rows\":[",
					   t->from, t->to, t->total);
		else
			st = lt_buf_printf(out, "],\"from\":null,\"to\":null,\"total\":%ld,\"rows\":[",
					   t->total);
	}
	for (size_t i = 0; i < t->nrows && st == LT_OK; i++) {
		const struct stats_row *r = &t->rows[i];
		st = lt_buf_puts(out, i ? ",{" : "{");
		if (st == LT_OK && (t->by & STATS_BY_YEAR))
			st = lt_buf_printf(out, "\"year\":%d,", r->year);
		if (st == LT_OK && (t->by & STATS_BY_OFFENCE))
			st = lt_buf_printf(out, "\"offence\":\"%s\",", offence_code(r->offence));
		if (st == LT_OK)
			st = lt_buf_printf(out, "\"arrests\":%ld}", r->arrests);
	}
	if (st == LT_OK)
		st = lt_buf_puts(out, "]}\n");
	return st;
}

static lt_status format_table(const struct stats_table *t, struct lt_buf *out)
{
	lt_status st = LT_OK;
	int ow = 0;
	if (t->by & STATS_BY_OFFENCE) {
		for (size_t o = 0; o < LT_OFFENCE_COUNT; o++) {
			int w = (int)strlen(lt_vocab_term(&lt_vocab_offence, o)->label);
			ow = w > ow ? w : ow;
		}
	}
	if (t->by & STATS_BY_YEAR)
		st = lt_buf_puts(out, "Year  ");
	if (st == LT_OK && (t->by & STATS_BY_OFFENCE))
		st = lt_buf_printf(out, "%-*s  ", ow, "Offence");
	if (st == LT_OK)
		st = lt_buf_puts(out, "Arrests\n");
	for (size_t i = 0; i < t->nrows && st == LT_OK; i++) {
		const struct stats_row *r = &t->rows[i];
		if (t->by & STATS_BY_YEAR)
			st = lt_buf_printf(out, "%-4d  ", r->year);
		if (st == LT_OK && (t->by & STATS_BY_OFFENCE))
			st = lt_buf_printf(out, "%-*s  ", ow,
					   lt_vocab_term(&lt_vocab_offence, (size_t)r->offence)->label);
		if (st == LT_OK)
			st = lt_buf_printf(out, "%7ld\n", r->arrests);
	}
	if (st != LT_OK)
		return st;
	if (!t->from)
		return lt_buf_puts(out, "No arrests recorded.\n");
	st = lt_buf_printf(out, "Total %d-%d: %ld\n", t->from, t->to, t->total);
	if (st == LT_OK && t->to > t->from) {
		long d = t->last_year_total - t->first_year_total;
		st = lt_buf_printf(out, "Change %d to %d: %ld to %ld (%+ld", t->from, t->to,
				   t->first_year_total, t->last_year_total, d);
		if (st == LT_OK && t->first_year_total > 0)
			st = lt_buf_printf(out, ", %+.0f%%", 100.0 * (double)d / (double)t->first_year_total);
		if (st == LT_OK)
			st = lt_buf_puts(out, ")\n");
		if (st == LT_OK && (t->first_year_total < 10 || t->last_year_total < 10))
			st = lt_buf_puts(out, "Counts under 10 change a lot by chance from year to year: "
					      "read the change with care.\n");
	}
	return st;
}

lt_status stats_format(const struct stats_table *t, enum stats_format fmt, struct lt_buf *out)
{
	switch (fmt) {
	case STATS_FORMAT_CSV:
		return format_csv(t, out);
	case STATS_FORMAT_JSON:
		return format_json(t, out);
	case STATS_FORMAT_TABLE:
		return format_table(t, out);
	}
	LT_BUG("unknown stats format %d", (int)fmt);
}
