/*
 * testutil.h — the only file that includes <cmocka.h>.
 *
 * cmocka 1.1.5 (Debian 12) has no tolerance assertions for doubles and no
 * string-prefix helpers; they are written once here. Tests include this file
 * and nothing else of cmocka. Table-driven tests print what they got and what
 * they wanted on failure.
 */
#ifndef LT_TESTUTIL_H
#define LT_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* |got - want| <= tol * max(1, |want|): a relative tolerance that is
 * absolute near zero. */
#define assert_close(got, want, tol)                                                          \
	do {                                                                                  \
		double g_ = (got), w_ = (want), t_ = (tol);                                   \
		double s_ = fabs(w_) > 1.0 ? fabs(w_) : 1.0;                                  \
		if (!(fabs(g_ - w_) <= t_ * s_))                                              \
			fail_msg("%s = %.12g, want %.12g (tolerance %g)", #got, g_, w_, t_);  \
	} while (0)

/* `hay` contains `needle`. */
#define assert_contains(hay, needle)                                                          \
	do {                                                                                  \
		const char *h_ = (hay), *n_ = (needle);                                       \
		if (!h_ || !strstr(h_, n_))                                                   \
			fail_msg("%s does not contain \"%s\"; it is:\n%s", #hay, n_,          \
				 h_ ? h_ : "(null)");                                         \
	} while (0)

#define assert_not_contains(hay, needle)                                                      \
	do {                                                                                  \
		const char *h_ = (hay), *n_ = (needle);                                       \
		if (h_ && strstr(h_, n_))                                                     \
			fail_msg("%s contains \"%s\"; it is:\n%s", #hay, n_, h_);              \
	} while (0)

/* A path for a scratch file unique to this test process: "<dir>/<name>"
 * under $TMPDIR (or /tmp). Returns a static buffer. */
static inline const char *test_tmp_path(const char *name)
{
	static char dir[512];
	static char path[1024];
	if (!dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/lantern-test-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(dir))
			fail_msg("mkdtemp failed");
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

#endif
