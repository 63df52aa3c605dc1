/*
 * buf.c — the capped, growable byte buffer of buf.h.
 */
#include "core/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

void lt_buf_init(struct lt_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static lt_status buf_reserve(struct lt_buf *b, size_t extra)
{
	if (extra > b->max - b->len)
		return LT_ETOOBIG;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return LT_OK;
	size_t ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = (ncap > SIZE_MAX / 2) ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	char *n = realloc(b->data, ncap);
	if (!n)
		return LT_ENOMEM;
	b->data = n;
	b->cap = ncap;
	return LT_OK;
}

lt_status lt_buf_append(struct lt_buf *b, const void *p, size_t n)
{
	lt_status st = buf_reserve(b, n);
	if (st != LT_OK)
		return st;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return LT_OK;
}

lt_status lt_buf_puts(struct lt_buf *b, const char *s)
{
	return lt_buf_append(b, s, strlen(s));
}

lt_status lt_buf_vprintf(struct lt_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return LT_EINTERNAL;
	lt_status st = buf_reserve(b, (size_t)n);
	if (st != LT_OK)
		return st;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return LT_OK;
}

lt_status lt_buf_printf(struct lt_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lt_status st = lt_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return st;
}

void lt_buf_reset(struct lt_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

const char *lt_buf_str(const struct lt_buf *b)
{
	return b->data ? b->data : "";
}

char *lt_buf_detach(struct lt_buf *b, size_t *len)
{
	char *d = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return d;
}

void lt_buf_release(struct lt_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
