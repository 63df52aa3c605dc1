/*
 * error.c — filling and collecting lt_error.
 */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

void lt_error_clear(struct lt_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

lt_status lt_error_set(struct lt_error *e, lt_status status, const char *field, const char *fmt, ...)
{
	if (!e)
		return status;
	e->status = status;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return status;
}

void lt_diags_init(struct lt_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void lt_diags_add(struct lt_diags *d, const struct lt_error *e)
{
	if (d->count >= LT_DIAGS_MAX) {
		d->dropped++;
		return;
	}
	if (d->count == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		struct lt_error *n = realloc(d->items, ncap * sizeof(*n));
		if (!n) {
			d->dropped++;
			return;
		}
		d->items = n;
		d->cap = ncap;
	}
	d->items[d->count++] = *e;
}

size_t lt_diags_total(const struct lt_diags *d)
{
	return d->count + d->dropped;
}

void lt_diags_release(struct lt_diags *d)
{
	free(d->items);
	memset(d, 0, sizeof(*d));
}

void lt_error_quote(char *out, size_t outcap, const char *value, size_t len, size_t max)
{
	size_t n = len < max ? len : max;
	size_t j = 0;
	LT_ASSERT(outcap >= 4);
	for (size_t i = 0; i < n && j + 4 < outcap; i++) {
		unsigned char c = (unsigned char)value[i];
		out[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (len > n && j + 4 <= outcap) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
}
