/*
 * bug.c — the one place that reports a broken invariant and aborts.
 */
#include "core/bug.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/banned.h"

void lt_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}
