/*
 * error.h — the detail of a failure, carried beside its lt_status.
 *
 * A function that fails returns a status and, when the caller passed an
 * `lt_error`, fills it with what went wrong and where: the input line (for
 * files), the field or column, and a full sentence. The sentence is written
 * for the person who supplied the input; it never contains personal data
 * beyond the offending value itself, cut to a short prefix.
 *
 * `lt_diags` collects many errors, for validators that report every bad row
 * at once. It keeps the first LT_DIAGS_MAX in full and counts the rest.
 */
#ifndef LT_ERROR_H
#define LT_ERROR_H

#include <stddef.h>

#include "core/bug.h"
#include "core/limits.h"
#include "core/status.h"

struct lt_error {
	lt_status status;             /* LT_OK when nothing is set */
	long line;                    /* 1-based line of the input, 0 when none */
	char field[LT_CODE_MAX];      /* the field or column at fault, "" when none */
	char message[LT_MESSAGE_MAX]; /* a full sentence, "" when none */
};

/* Clear `e` (NULL is allowed and ignored). */
void lt_error_clear(struct lt_error *e);

/*
 * Set `e` (which may be NULL) to `status`, with the field at fault (NULL for
 * none) and a printf-style message. Returns `status`, so a caller can write
 * `return lt_error_set(err, LT_EINVAL, "offence", "unknown value");`.
 */
LT_PRINTF(4, 5)
lt_status lt_error_set(struct lt_error *e, lt_status status, const char *field, const char *fmt, ...);

/* A growable list of errors. Zero-initialise, or use lt_diags_init. */
struct lt_diags {
	struct lt_error *items; /* heap array, owned */
	size_t count;           /* errors kept in items */
	size_t cap;             /* capacity of items */
	size_t dropped;         /* errors counted but not kept (past LT_DIAGS_MAX) */
};

void lt_diags_init(struct lt_diags *d);
/* Append a copy of `e`. Past LT_DIAGS_MAX, or when memory runs out, it is
 * only counted. */
void lt_diags_add(struct lt_diags *d, const struct lt_error *e);
/* Errors in all: kept plus dropped. */
size_t lt_diags_total(const struct lt_diags *d);
void lt_diags_release(struct lt_diags *d);

/*
 * Copy at most `max` bytes of `value` into `out` for quoting in a message,
 * replacing control characters with '?', and adding "..." when it was cut.
 * `out` must hold at least max + 4 bytes.
 */
void lt_error_quote(char *out, size_t outcap, const char *value, size_t len, size_t max);

#endif
