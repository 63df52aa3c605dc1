/*
 * import.h — turning a CSV file's bytes into validated records.
 *
 * All or nothing: the whole file is parsed and every row validated — each
 * field through its record's field table (record.h), then the cross-field
 * rules and the references to agencies and cases — before anything is
 * returned. If any row is bad, no records are returned and `d` holds one
 * error per problem, each with its line and column, so the person who wrote
 * the file can fix them all in one go. The caller writes the records to the
 * store in one transaction.
 *
 * The header row names the columns, in any order. Every required field of
 * the table must have a column; a column the table does not know is an error
 * (a misspelt optional column would otherwise be silently ignored). At most
 * LT_IMPORT_ROWS_MAX data rows.
 *
 * Ownership: on LT_OK, *out is a heap array of *n records owned by the
 * caller: free with lt_import_reports_free / free(). Reports get no reference
 * codes here: the caller assigns them.
 */
#ifndef LT_IMPORT_H
#define LT_IMPORT_H

#include <stddef.h>

#include "core/error.h"
#include "core/record.h"

lt_status lt_import_reports(const char *data, size_t len, const struct lt_known *known,
			    struct lt_report **out, size_t *n, struct lt_diags *d);
void lt_import_reports_free(struct lt_report *r, size_t n);

lt_status lt_import_arrests(const char *data, size_t len, const struct lt_known *known,
			    struct lt_arrest **out, size_t *n, struct lt_diags *d);

#endif
