/*
 * link_table.c — the record table of the linkage module (linkage.h).
 *
 * Cells, ids and names are copied in; the arrays grow by doubling up to
 * LT_LINK_RECORDS_MAX records. An empty string is stored as NULL (missing):
 * in every input lantern reads, an empty cell means "not known".
 */
#include "linkage/linkage.h"

#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/banned.h"

static char *dup_or_null(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return NULL;
	return strdup(s);
}

lt_status lt_link_table_init(struct lt_link_table *t, const char *const *field_names,
                             size_t nfield)
{
	memset(t, 0, sizeof(*t));
	if (nfield == 0 || nfield > LT_LINK_FIELDS_MAX)
		return LT_ETOOBIG;
	t->field_names = calloc(nfield, sizeof(*t->field_names));
	if (t->field_names == NULL)
		return LT_ENOMEM;
	t->nfield = nfield;
	for (size_t i = 0; i < nfield; i++) {
		t->field_names[i] = strdup(field_names[i]);
		if (t->field_names[i] == NULL) {
			lt_link_table_release(t);
			return LT_ENOMEM;
		}
	}
	return LT_OK;
}

void lt_link_table_release(struct lt_link_table *t)
{
	if (t->cells != NULL)
		for (size_t i = 0; i < t->nrec * t->nfield; i++)
			free(t->cells[i]);
	for (size_t i = 0; i < t->nrec; i++)
		free(t->ids[i]);
	for (size_t i = 0; i < t->nfield; i++)
		if (t->field_names != NULL)
			free(t->field_names[i]);
	for (size_t i = 0; i < t->nsource; i++)
		free(t->source_names[i]);
	free(t->cells);
	free(t->ids);
	free(t->source);
	free(t->field_names);
	free(t->source_names);
	memset(t, 0, sizeof(*t));
}

lt_status lt_link_table_source(struct lt_link_table *t, const char *name, uint32_t *index)
{
	for (size_t i = 0; i < t->nsource; i++)
		if (strcmp(t->source_names[i], name) == 0) {
			*index = (uint32_t)i;
			return LT_OK;
		}
	char **names = realloc(t->source_names, (t->nsource + 1) * sizeof(*names));
	if (names == NULL)
		return LT_ENOMEM;
	t->source_names = names;
	names[t->nsource] = strdup(name);
	if (names[t->nsource] == NULL)
		return LT_ENOMEM;
	*index = (uint32_t)t->nsource++;
	return LT_OK;
}

static lt_status grow(struct lt_link_table *t)
{
	size_t cap = t->cap == 0 ? 1024 : t->cap * 2;
	if (cap > LT_LINK_RECORDS_MAX)
		cap = LT_LINK_RECORDS_MAX;
	char **cells = realloc(t->cells, cap * t->nfield * sizeof(*cells));
	if (cells == NULL)
		return LT_ENOMEM;
	t->cells = cells;
	char **ids = realloc(t->ids, cap * sizeof(*ids));
	if (ids == NULL)
		return LT_ENOMEM;
	t->ids = ids;
	uint32_t *source = realloc(t->source, cap * sizeof(*source));
	if (source == NULL)
		return LT_ENOMEM;
	t->source = source;
	t->cap = cap;
	return LT_OK;
}

lt_status lt_link_table_add(struct lt_link_table *t, uint32_t source, const char *id,
                            const char *const *cells)
{
	if (t->nrec >= LT_LINK_RECORDS_MAX)
		return LT_ETOOBIG;
	if (t->nrec == t->cap) {
		lt_status rc = grow(t);
		if (rc != LT_OK)
			return rc;
	}
	size_t r = t->nrec;
	char **row = t->cells + r * t->nfield;
	for (size_t f = 0; f < t->nfield; f++) {
		row[f] = dup_or_null(cells[f]);
		if (cells[f] != NULL && cells[f][0] != '\0' && row[f] == NULL) {
			for (size_t g = 0; g < f; g++)
				free(row[g]);
			return LT_ENOMEM;
		}
	}
	t->ids[r] = strdup(id);
	if (t->ids[r] == NULL) {
		for (size_t f = 0; f < t->nfield; f++)
			free(row[f]);
		return LT_ENOMEM;
	}
	t->source[r] = source;
	t->nrec++;
	return LT_OK;
}

long lt_link_table_field(const struct lt_link_table *t, const char *name)
{
	for (size_t i = 0; i < t->nfield; i++)
		if (strcmp(t->field_names[i], name) == 0)
			return (long)i;
	return -1;
}
