/*
 * buf.h — a byte buffer that grows up to a ceiling and no further.
 *
 * Modelled on curl's dynbuf: every lt_buf has a maximum size fixed when it is
 * initialised; an append that would pass it fails with LT_ETOOBIG and leaves
 * the buffer as it was. The contents are always NUL-terminated, so `data` can
 * be used as a C string when no NUL bytes were appended.
 *
 * Ownership: the buffer owns `data`; lt_buf_release frees it. lt_buf_detach
 * hands it to the caller, who frees it with free().
 */
#ifndef LT_BUF_H
#define LT_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/bug.h"
#include "core/status.h"

struct lt_buf {
	char *data; /* NUL-terminated contents, NULL until the first append */
	size_t len; /* bytes of contents, not counting the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* the ceiling on len */
};

void lt_buf_init(struct lt_buf *b, size_t max);
lt_status lt_buf_append(struct lt_buf *b, const void *p, size_t n);
lt_status lt_buf_puts(struct lt_buf *b, const char *s);
LT_PRINTF(2, 3) lt_status lt_buf_printf(struct lt_buf *b, const char *fmt, ...);
lt_status lt_buf_vprintf(struct lt_buf *b, const char *fmt, va_list ap);
/* Empty the buffer, keeping its memory. */
void lt_buf_reset(struct lt_buf *b);
/* The contents as a C string ("" when empty). Valid until the next change. */
const char *lt_buf_str(const struct lt_buf *b);
/* Hand the contents to the caller (free() them); the buffer becomes empty.
 * Returns NULL if nothing was ever appended. */
char *lt_buf_detach(struct lt_buf *b, size_t *len);
void lt_buf_release(struct lt_buf *b);

#endif
