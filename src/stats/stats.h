/*
 * stats.h — statistics tables built from the store's counts.
 *
 * The store answers raw grouped counts (store_arrest_count); this module turns
 * them into the table a reader expects: every year of the range present, zero
 * years included, every offence of the taxonomy present when grouping by
 * offence, totals, and the change between the first and last year. It then
 * formats the table as an aligned text table, CSV or JSON into an lt_buf.
 * It does no I/O.
 *
 * Column contract (part of lantern's formats):
 *   --by year          year,arrests
 *   --by offence       offence,arrests
 *   --by year,offence  year,offence,arrests
 * JSON: {"by":["year","offence"],"from":2015,"to":2019,"total":19,
 *        "rows":[{"year":2015,"offence":"not_recorded","arrests":6},...]}
 */
#ifndef LT_STATS_H
#define LT_STATS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "store/store.h"

enum stats_by {
	STATS_BY_YEAR = 1u << 0,
	STATS_BY_OFFENCE = 1u << 1,
};

enum stats_format { STATS_FORMAT_TABLE, STATS_FORMAT_CSV, STATS_FORMAT_JSON };

struct stats_row {
	int year;                /* valid when the table is grouped by year */
	enum lt_offence offence; /* valid when grouped by offence */
	long arrests;
};

struct stats_table {
	unsigned by;             /* STATS_BY_* bits; at least one */
	int from, to;            /* the year range (inclusive); 0,0 when there is no data */
	struct stats_row *rows;  /* heap, owned; years ascending, then offences in taxonomy order */
	size_t nrows;
	long total;              /* arrests in the range */
	long first_year_total;   /* arrests in `from` (for the change line) */
	long last_year_total;    /* arrests in `to` */
};

/* Parse "year", "offence", "year,offence" (or "offence,year"). */
lt_status stats_by_parse(const char *s, unsigned *by, struct lt_error *err);
/* Parse "table", "csv" or "json". */
lt_status stats_format_parse(const char *s, enum stats_format *fmt, struct lt_error *err);

/*
 * Build the arrests table from `counts` (any order). `from` and `to` bound
 * the years (inclusive); 0 means "from the first year with data" / "to the
 * last". A range wider than LT_STATS_YEARS_MAX years, or from > to, is
 * LT_EINVAL. Release with stats_table_release.
 */
lt_status stats_arrests(const struct store_arrest_count *counts, size_t n, unsigned by, int from,
			int to, struct stats_table *out, struct lt_error *err);
void stats_table_release(struct stats_table *t);

/* Append the table in `fmt` to `out`. */
lt_status stats_format(const struct stats_table *t, enum stats_format fmt, struct lt_buf *out);

#endif
