/*
 * csv.c — the strict RFC 4180 reader of csv.h.
 *
 * A small state machine over the bytes of one record: unquoted field, quoted
 * field, just after a quote inside a quoted field. Fields are unescaped into
 * one scratch buffer, each followed by a NUL so callers get C strings.
 */
#include "core/csv.h"

#include <string.h>

#include "core/banned.h"

void lt_csv_init(struct lt_csv *c, const char *data, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->p = data;
	c->end = data + len;
	c->line = 1;
	lt_buf_init(&c->scratch, (size_t)LT_CSV_COLUMNS_MAX * (LT_CSV_FIELD_MAX + 1));
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		c->p += 3;
}

void lt_csv_release(struct lt_csv *c)
{
	lt_buf_release(&c->scratch);
}

static lt_status csv_fail(struct lt_csv *c, struct lt_error *err, long line, const char *msg)
{
	lt_error_set(err, LT_EPARSE, NULL, "%s", msg);
	if (err)
		err->line = line;
	c->p = c->end; /* the reader cannot go on */
	return LT_EPARSE;
}

lt_status lt_csv_next(struct lt_csv *c, size_t *nfields, long *line, struct lt_error *err)
{
	size_t n = 0;
	size_t field_start = 0;
	enum { UNQUOTED, QUOTED, AFTER_QUOTE } state = UNQUOTED;
	int at_field_start = 1;

	/* Skip blank lines. */
	while (c->p < c->end && (*c->p == '\n' || (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n'))) {
		c->p += (*c->p == '\r') ? 2 : 1;
		c->line++;
	}
	if (c->p >= c->end)
		return LT_ENOTFOUND;

	lt_buf_reset(&c->scratch);
	*line = c->line;
	long row_line = c->line;

	for (;;) {
		int eof = c->p >= c->end;
		char ch = eof ? '\n' : *c->p;
		int end_of_record = 0;

		if (!eof && ch == '\0')
			return csv_fail(c, err, c->line, "contains a NUL byte");

		if (state == QUOTED) {
			if (eof)
				return csv_fail(c, err, row_line, "has a quoted field that is never closed");
			c->p++;
			if (ch == '"') {
				state = AFTER_QUOTE;
				continue;
			}
			if (ch == '\n')
				c->line++;
			if (lt_buf_append(&c->scratch, &ch, 1) != LT_OK ||
			    c->scratch.len - field_start > LT_CSV_FIELD_MAX)
				return csv_fail(c, err, row_line, "has a field longer than 16384 bytes");
			continue;
		}
		if (state == AFTER_QUOTE && !eof && ch == '"') {
			/* A doubled quote inside a quoted field. */
			c->p++;
			state = QUOTED;
			if (lt_buf_append(&c->scratch, "\"", 1) != LT_OK)
				return csv_fail(c, err, row_line, "has a field longer than 16384 bytes");
			continue;
		}
		if (ch == '"' && state == UNQUOTED) {
			if (!at_field_start)
				return csv_fail(c, err, c->line,
						"has a quote inside an unquoted field (quote the whole field and double the quote)");
			c->p++;
			state = QUOTED;
			at_field_start = 0;
			continue;
		}
		if (ch == '\r' && !eof && c->p + 1 < c->end && c->p[1] == '\n') {
			c->p++; /* CRLF: treat as LF */
			continue;
		}
		if (ch == ',' || ch == '\n') {
			if (n == LT_CSV_COLUMNS_MAX)
				return csv_fail(c, err, row_line, "has more than 64 columns");
			size_t flen = c->scratch.len - field_start;
			if (flen > LT_CSV_FIELD_MAX)
				return csv_fail(c, err, row_line, "has a field longer than 16384 bytes");
			c->offsets[n] = field_start;
			c->fields[n].len = flen;
			n++;
			if (lt_buf_append(&c->scratch, "", 1) != LT_OK)
				return csv_fail(c, err, row_line, "is too large");
			field_start = c->scratch.len;
			state = UNQUOTED;
			at_field_start = 1;
			if (!eof)
				c->p++;
			if (ch == '\n') {
				if (!eof)
					c->line++;
				end_of_record = 1;
			}
		} else {
			if (state == AFTER_QUOTE)
				return csv_fail(c, err, c->line,
						"has text after the closing quote of a field");
			if (lt_buf_append(&c->scratch, &ch, 1) != LT_OK ||
			    c->scratch.len - field_start > LT_CSV_FIELD_MAX)
				return csv_fail(c, err, row_line, "has a field longer than 16384 bytes");
			c->p++;
			at_field_start = 0;
		}
		if (end_of_record)
			break;
	}
	/* Pointers only now: the scratch buffer may have moved while growing. */
	for (size_t i = 0; i < n; i++)
		c->fields[i].p = c->scratch.data + c->offsets[i];
	*nfields = n;
	return LT_OK;
}
