/*
 * csv.h — a strict RFC 4180 reader over a buffer in memory.
 *
 * lantern imports CSV written by other systems and by hand, so the reader is
 * strict where guessing would corrupt data and lenient where the intent is
 * plain:
 *   - fields are separated by ',' and records by CRLF or LF;
 *   - a field may be quoted with '"'; inside quotes, '""' is one quote and
 *     commas and line breaks are data;
 *   - a quote inside an unquoted field, text after a closing quote, an
 *     unterminated quote, a NUL byte, a field over LT_CSV_FIELD_MAX bytes or a
 *     row of more than LT_CSV_COLUMNS_MAX fields is an error naming the line;
 *   - a UTF-8 byte-order mark at the start is skipped; a blank line is skipped;
 *   - a final record without a line break is accepted.
 * Line numbers are those of the file (1-based), counting line breaks inside
 * quoted fields, and a row's number is the line it starts on.
 *
 * Ownership: the reader does not copy the input. Each row's fields point into
 * a buffer owned by the reader, valid until the next call.
 */
#ifndef LT_CSV_H
#define LT_CSV_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/limits.h"

struct lt_csv_field {
	const char *p; /* NUL-terminated, unescaped */
	size_t len;
};

struct lt_csv {
	const char *p, *end;   /* the unread input */
	long line;             /* line of the next unread byte */
	struct lt_buf scratch; /* unescaped fields of the current row */
	size_t offsets[LT_CSV_COLUMNS_MAX];
	struct lt_csv_field fields[LT_CSV_COLUMNS_MAX];
};

/* Start reading `len` bytes at `data`, which must outlive the reader. */
void lt_csv_init(struct lt_csv *c, const char *data, size_t len);
/*
 * Read the next row. On LT_OK, *nfields fields are in c->fields and *line is
 * the row's first line. At the end of the input returns LT_ENOTFOUND. On a
 * syntax error returns LT_EPARSE with err->line set; the reader cannot go on.
 */
lt_status lt_csv_next(struct lt_csv *c, size_t *nfields, long *line, struct lt_error *err);
void lt_csv_release(struct lt_csv *c);

#endif
