/*
 * import.c — CSV import of reports and arrests, validated whole.
 *
 * One generic loop serves both record kinds: a `kind` descriptor gives the
 * record size, its field table and its init / check / release functions.
 */
#include "core/import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/banned.h"

struct kind {
	size_t size;
	const struct lt_field *fields;
	size_t nfields;
	void (*init)(void *rec);
	void (*release)(void *rec);
	lt_status (*check)(const void *rec, const struct lt_known *k, long line, struct lt_diags *d);
};

static void report_init(void *r) { lt_report_init(r); }
static void report_release(void *r) { lt_report_release(r); }
static lt_status report_check(const void *r, const struct lt_known *k, long line, struct lt_diags *d)
{
	return lt_report_check(r, k, line, d);
}
static void arrest_init(void *a) { lt_arrest_init(a); }
static void arrest_release(void *a) { (void)a; }
static lt_status arrest_check(const void *a, const struct lt_known *k, long line, struct lt_diags *d)
{
	return lt_arrest_check(a, k, line, d);
}

LT_PRINTF(5, 6)
static void diag(struct lt_diags *d, long line, lt_status st, const char *field, const char *fmt,
		 ...)
{
	struct lt_error e;
	va_list ap;
	lt_error_clear(&e);
	e.status = st;
	snprintf(e.field, sizeof(e.field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	e.line = line;
	lt_diags_add(d, &e);
}

static void free_records(const struct kind *k, char *recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		k->release(recs + i * k->size);
	free(recs);
}

static lt_status import_any(const struct kind *k, const char *data, size_t len,
			    const struct lt_known *known, void **out, size_t *nout,
			    struct lt_diags *d)
{
	struct lt_csv csv;
	struct lt_error err;
	const struct lt_field *col[LT_CSV_COLUMNS_MAX];
	size_t ncol = 0, nf = 0;
	long line = 0;
	char *recs = NULL;
	size_t n = 0, cap = 0;
	lt_status st;
	size_t before = lt_diags_total(d);

	*out = NULL;
	*nout = 0;
	lt_csv_init(&csv, data, len);
	lt_error_clear(&err);

	/* The header. */
	st = lt_csv_next(&csv, &ncol, &line, &err);
	if (st == LT_ENOTFOUND) {
		diag(d, 1, LT_EINVAL, "", "%s", "the file is empty: expected a header row");
		goto out;
	}
	if (st != LT_OK) {
		lt_diags_add(d, &err);
		goto out;
	}
	{
		char names[1024] = "";
		size_t used = 0;
		for (size_t i = 0; i < k->nfields; i++)
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 i ? ", " : "", k->fields[i].name);
		for (size_t i = 0; i < ncol; i++) {
			const char *name = csv.fields[i].p;
			size_t nlen = csv.fields[i].len;
			while (nlen && name[nlen - 1] == ' ')
				nlen--;
			while (nlen && *name == ' ')
				name++, nlen--;
			col[i] = lt_field_find(k->fields, k->nfields, name, nlen);
			char q[80];
			lt_error_quote(q, sizeof(q), name, nlen, 40);
			if (!col[i]) {
				struct lt_error e;
				lt_error_clear(&e);
				lt_error_set(&e, LT_EINVAL, q, "unknown column (expected columns: %s)", names);
				e.line = line;
				lt_diags_add(d, &e);
				continue;
			}
			for (size_t j = 0; j < i; j++)
				if (col[j] == col[i])
					diag(d, line, LT_EINVAL, q, "%s", "appears twice in the header");
		}
		for (size_t f = 0; f < k->nfields; f++) {
			if (!k->fields[f].required)
				continue;
			int found = 0;
			for (size_t i = 0; i < ncol; i++)
				found |= col[i] == &k->fields[f];
			if (!found)
				diag(d, line, LT_EINVAL, k->fields[f].name, "%s",
				     "is a required column and is missing from the header");
		}
		if (lt_diags_total(d) != before)
			goto out;
	}

	/* The rows. */
	for (;;) {
		lt_error_clear(&err);
		st = lt_csv_next(&csv, &nf, &line, &err);
		if (st == LT_ENOTFOUND)
			break;
		if (st != LT_OK) {
			lt_diags_add(d, &err);
			break;
		}
		if (n == LT_IMPORT_ROWS_MAX) {
			diag(d, line, LT_ETOOBIG, "", "the file has more than %d data rows; split it",
			     LT_IMPORT_ROWS_MAX);
			break;
		}
		if (nf != ncol) {
			diag(d, line, LT_EINVAL, "", "has %zu fields, but the header has %zu", nf, ncol);
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char *nr = realloc(recs, ncap * k->size);
			if (!nr) {
				diag(d, line, LT_ENOMEM, "", "%s", "out of memory");
				break;
			}
			recs = nr;
			cap = ncap;
		}
		void *rec = recs + n * k->size;
		k->init(rec);
		n++;
		size_t row_before = lt_diags_total(d);
		for (size_t i = 0; i < ncol; i++) {
			if (!col[i])
				continue;
			const char *v = csv.fields[i].p;
			size_t vl = csv.fields[i].len;
			/* Surrounding spaces are not data, except in free text. */
			if (strcmp(col[i]->name, "description") != 0) {
				while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
					vl--;
				while (vl && (*v == ' ' || *v == '\t'))
					v++, vl--;
			}
			if (vl == 0) {
				if (col[i]->required)
					diag(d, line, LT_EINVAL, col[i]->name, "%s", "is required and empty");
				continue;
			}
			lt_error_clear(&err);
			if (col[i]->parse(rec, v, vl, &err) != LT_OK) {
				err.line = line;
				lt_diags_add(d, &err);
			}
		}
		if (lt_diags_total(d) == row_before)
			k->check(rec, known, line, d);
	}

out:
	lt_csv_release(&csv);
	if (lt_diags_total(d) != before) {
		free_records(k, recs, n);
		return LT_EINVAL;
	}
	*out = recs;
	*nout = n;
	return LT_OK;
}

static const struct kind report_kind = {sizeof(struct lt_report), lt_report_fields, 0,
					report_init, report_release, report_check};
static const struct kind arrest_kind = {sizeof(struct lt_arrest), lt_arrest_fields, 0,
					arrest_init, arrest_release, arrest_check};

lt_status lt_import_reports(const char *data, size_t len, const struct lt_known *known,
			    struct lt_report **out, size_t *n, struct lt_diags *d)
{
	struct kind k = report_kind;
	k.nfields = lt_report_field_count;
	return import_any(&k, data, len, known, (void **)out, n, d);
}

void lt_import_reports_free(struct lt_report *r, size_t n)
{
	struct kind k = report_kind;
	free_records(&k, (char *)r, n);
}

lt_status lt_import_arrests(const char *data, size_t len, const struct lt_known *known,
			    struct lt_arrest **out, size_t *n, struct lt_diags *d)
{
	struct kind k = arrest_kind;
	k.nfields = lt_arrest_field_count;
	return import_any(&k, data, len, known, (void **)out, n, d);
}
