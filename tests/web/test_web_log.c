/*
 * test_web_log.c — what the server's log may say of libmicrohttpd's own
 * messages (src/web/server.c, web_log_mhd_format).
 *
 * lantern's own log lines name the route pattern, never the path; but
 * libmicrohttpd reports a send that failed with the request's path
 * ("... for the request for `/api/v1/persons/42'. Error: ..."), and a path
 * can name a person's id or a report's reference code. The formats below are
 * the messages of libmicrohttpd 0.9.75 (Debian 12) that name a path, and
 * others that do not; each is formatted as on_mhd_log does, through the
 * rewritten format with the real arguments, and the path must be gone while
 * the rest of the message stays.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "web/web_int.h"

#include "core/banned.h"

#define PATH "/api/v1/reports/LT-7K3M9QXP"

/* Format as on_mhd_log does: the rewritten format, then the arguments. */
static bool format_as_logged(char *out, size_t cap, const char *fmt, ...)
{
	char f[512];
	if (!web_log_mhd_format(fmt, f, sizeof(f)))
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, cap, f, ap);
	va_end(ap);
	return true;
}

static void test_paths_cut_out(void **state)
{
	(void)state;
	static const struct {
		const char *fmt; /* a libmicrohttpd 0.9.75 message naming the path */
		const char *want;
	} cases[] = {
	    {"Failed to send data in request for %s.\n",
	     "Failed to send data in request for (path not logged).\n"},
	    {"Failed to send the response headers for the request for `%s'. Error: %s\n",
	     "Failed to send the response headers for the request for `(path not logged)'. "
	     "Error: connection reset\n"},
	    {"Failed to send the response body for the request for `%s'. Error: %s\n",
	     "Failed to send the response body for the request for `(path not logged)'. "
	     "Error: connection reset\n"},
	    {"Failed to send the chunked response body for the request for `%s'. Error: %s\n",
	     "Failed to send the chunked response body for the request for `(path not "
	     "logged)'. Error: connection reset\n"},
	    {"Failed to send the footers for the request for `%s'. Error: %s\n",
	     "Failed to send the footers for the request for `(path not logged)'. Error: "
	     "connection reset\n"},
	};
	char msg[512];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(
		    format_as_logged(msg, sizeof(msg), cases[i].fmt, PATH, "connection reset"));
		if (strcmp(msg, cases[i].want) != 0)
			fail_msg("case %zu: got\n  %s\nwant\n  %s", i, msg, cases[i].want);
		assert_not_contains(msg, "LT-7K3M9QXP");
	}
}

static void test_other_messages_kept(void **state)
{
	(void)state;
	char msg[512];
	assert_true(format_as_logged(msg, sizeof(msg), "Error during poll: `%s'\n", "Bad file"));
	assert_string_equal(msg, "Error during poll: `Bad file'\n");
	assert_true(format_as_logged(
	    msg, sizeof(msg),
	    "Error processing request (HTTP response code is %u ('%s')). Closing connection.\n",
	    400u, "Bad Request"));
	assert_string_equal(
	    msg, "Error processing request (HTTP response code is 400 ('Bad Request')). Closing "
	         "connection.\n");
	assert_true(format_as_logged(msg, sizeof(msg),
	                             "In function %s handling connection at state: %s\n",
	                             "MHD_connection_handle_idle", "REQ_LINE_RECEIVING"));
	assert_string_equal(msg,
	                    "In function MHD_connection_handle_idle handling connection at state: "
	                    "REQ_LINE_RECEIVING\n");
	/* "request for" followed by something that is not a string is left. */
	assert_true(format_as_logged(msg, sizeof(msg), "a request for %d bytes\n", 12));
	assert_string_equal(msg, "a request for 12 bytes\n");
}

static void test_too_long_refused(void **state)
{
	(void)state;
	char out[64];
	const char *fmt = "Failed to send data in request for %s.\n";
	/* Room for the copy but not for the replacement: refused, not cut. */
	assert_false(
	    web_log_mhd_format(fmt, out, strlen("Failed to send data in request for ") + 4));
	assert_false(web_log_mhd_format(fmt, out, 8));
	assert_true(web_log_mhd_format("short %s\n", out, sizeof(out)));
	assert_string_equal(out, "short %s\n");
	assert_false(web_log_mhd_format("short %s\n", out, 9));
	assert_true(web_log_mhd_format("short %s\n", out, 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_paths_cut_out),
	    cmocka_unit_test(test_other_messages_kept),
	    cmocka_unit_test(test_too_long_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
