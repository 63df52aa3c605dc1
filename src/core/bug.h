/*
 * bug.h — always-on assertions for broken invariants.
 *
 * A bug is not an error: bad input gets an lt_status and a message, never an
 * assertion. LT_ASSERT is for what the program itself guarantees; when it
 * fails lantern prints the file, the line and the condition and aborts, in
 * release builds too (git's BUG()).
 */
#ifndef LT_BUG_H
#define LT_BUG_H

#ifdef __GNUC__
#define LT_NORETURN __attribute__((noreturn))
#define LT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LT_NORETURN
#define LT_PRINTF(f, a)
#endif

LT_NORETURN LT_PRINTF(3, 4) void lt_bug(const char *file, int line, const char *fmt, ...);

#define LT_BUG(...) lt_bug(__FILE__, __LINE__, __VA_ARGS__)
#define LT_ASSERT(cond)                                            \
	do {                                                       \
		if (!(cond))                                       \
			lt_bug(__FILE__, __LINE__, "assertion failed: %s", #cond); \
	} while (0)

#endif
