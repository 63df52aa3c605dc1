/*
 * linkage.h — record linkage: which records of several lists are the same
 * person (Fellegi–Sunter, as splink and fastLink do it; docs/linkage.md).
 *
 * The module is pure computation: it reads no files, prints nothing and
 * never reads the clock. Front ends (lantern link, the store's persons)
 * fill an lt_link_table and hand it in.
 *
 * The module's parts, one file (and one header section or header) each:
 *   linkage.h / link_table.c   the record table every part works on (here)
 *   link_compare.h / .c        string and date comparators, phonetic codes
 *   link_model.h / .c ...      comparisons and levels, comparison vectors,
 *                              u from random pairs, m by EM on distinct
 *                              vectors, term frequencies, the waterfall,
 *                              models as JSON
 *   link_block.h / .c          ordered blocking rules with pre-flight counts
 *   link_cluster.h / .c        connected components, size and cohesion
 *                              checks, pairwise evaluation against a truth
 *
 * THE RECORD TABLE. Records are rows, fields are columns, every cell a
 * NUL-terminated UTF-8 string or NULL for a missing value (a missing value
 * is no evidence either way). Fields have names; every record belongs to
 * one *source* (an input file, or an agency) and has an id unique within
 * its source. The table owns all its strings.
 */
#ifndef LT_LINKAGE_H
#define LT_LINKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

struct lt_link_table {
	size_t nrec;         /* records */
	size_t nfield;       /* fields per record */
	char **field_names;  /* nfield names, owned */
	char **cells;        /* nrec * nfield, row-major; NULL = missing; owned */
	uint32_t *source;    /* nrec source indices (< nsource) */
	char **ids;          /* nrec ids, owned */
	size_t nsource;
	char **source_names; /* nsource names, owned */
	size_t cap;          /* records allocated */
};

/* An empty table with the given field names (copied). LT_ENOMEM. */
lt_status lt_link_table_init(struct lt_link_table *t, const char *const *field_names,
                             size_t nfield);
/* Free everything the table owns; the struct may be initialised again. */
void lt_link_table_release(struct lt_link_table *t);
/* The index of source `name`, added if new (copied). LT_ENOMEM. */
lt_status lt_link_table_source(struct lt_link_table *t, const char *name, uint32_t *index);
/*
 * Append a record of source `source` with id `id` and `nfield` cells
 * (copied; NULL or "" is missing). LT_ENOMEM, or LT_ETOOBIG past
 * LT_LINK_RECORDS_MAX records.
 */
lt_status lt_link_table_add(struct lt_link_table *t, uint32_t source, const char *id,
                            const char *const *cells);
/* The cell of record `r`, field `f` (NULL when missing). */
static inline const char *lt_link_cell(const struct lt_link_table *t, size_t r, size_t f)
{
	return t->cells[r * t->nfield + f];
}
/* The index of the field called `name`, or -1. */
long lt_link_table_field(const struct lt_link_table *t, const char *name);

#endif
