/*
 * test_password.c — unit tests of src/core/password.{h,c}: the NIST SP
 * 800-63B password policy.
 *
 * Table-driven: each case is a password (and the account's e-mail), the
 * status wanted and a piece of the message wanted, printed with what came
 * back when they differ. The cases cover each rule both ways, including the
 * ones NIST forbids: no composition rule refuses a long lower-case
 * passphrase.
 */
#include "testutil.h"

#include "core/limits.h"
#include "core/password.h"

/* clang-format off */
static const struct {
	const char *pw;
	const char *email;
	lt_status want;
	const char *msg; /* part of the message, NULL when accepted */
} cases[] = {
	/* Accepted: long, unexpected, with no composition rule. */
	{"correct horse battery staple", NULL, LT_OK, NULL},
	{"plum tractor umbrella", "ann@example.org", LT_OK, NULL},
	{"zq8!vv-lamp-oyster", NULL, LT_OK, NULL},
	{"thequickbrownfox", NULL, LT_OK, NULL},
	{"пароль безопасный", NULL, LT_OK, NULL}, /* Unicode: 17 characters */
	{"Éléphant rose 42", NULL, LT_OK, NULL},
	{"monkey-business-42", NULL, LT_OK, NULL}, /* a common word inside, not decorated */
	{"            a", NULL, LT_OK, NULL},      /* odd but not a refused pattern */
	/* Length counts characters, not bytes. */
	{"short", NULL, LT_EINVAL, "at least 12 characters"},
	{"elevenchars", NULL, LT_EINVAL, "at least 12 characters"},
	{"éééééééééé", NULL, LT_EINVAL, "at least 12 characters"}, /* 10 chars, 20 bytes */
	{"", NULL, LT_EINVAL, "at least 12 characters"},
	/* Control characters and broken UTF-8. */
	{"tab\tinside the password", NULL, LT_EINVAL, "without control characters"},
	{"new\nline inside password", NULL, LT_EINVAL, "without control characters"},
	{"bad \xff utf-8 sequence here", NULL, LT_EINVAL, "without control characters"},
	/* Common passwords of twelve characters or more, any case. */
	{"q1w2e3r4t5y6", NULL, LT_EINVAL, "most common passwords"},
	{"1qaz2wsx3edc", NULL, LT_EINVAL, "most common passwords"},
	{"QazWsxEdcRfv", NULL, LT_EINVAL, "most common passwords"},
	{"administrator", NULL, LT_EINVAL, "most common passwords"},
	/* A common word decorated with digits and symbols. */
	{"dragon123456", NULL, LT_EINVAL, "digits or symbols added"},
	{"!!Password2024!!", NULL, LT_EINVAL, "digits or symbols added"},
	{"sunshine 1990", NULL, LT_EINVAL, "digits or symbols added"},
	/* The service's name and the account's own address. */
	{"Lantern2024!!", NULL, LT_EINVAL, "digits or symbols added"},
	{"annabelle1985", "annabelle@example.org", LT_EINVAL, "digits or symbols added"},
	{"xx-annabelle-xx", "Annabelle@example.org", LT_EINVAL, "e-mail address"},
	{"my annabelle@example.org", "annabelle@example.org", LT_EINVAL, "e-mail address"},
	/* Runs and repeats. */
	{"aaaaaaaaaaaa", NULL, LT_EINVAL, NULL},
	{"abcdefghijklm", NULL, LT_EINVAL, "run"},
	{"zyxwvutsrqpo", NULL, LT_EINVAL, "run"},
	{"            ", NULL, LT_EINVAL, NULL},
	{"abcabcabcabc", NULL, LT_EINVAL, "repeat"},
	{"passwordpassword", NULL, LT_EINVAL, NULL},
	{"monkey1monkey1", NULL, LT_EINVAL, "repeat"},
	{"plumtreeplumtree", NULL, LT_OK, NULL}, /* a repeated uncommon word is long enough */
};

/* clang-format on */
static void test_cases(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lt_error err;
		lt_error_clear(&err);
		lt_status got =
		    lt_password_check(cases[i].pw, strlen(cases[i].pw), cases[i].email, &err);
		if (got != cases[i].want || (cases[i].msg && !strstr(err.message, cases[i].msg))) {
			print_error("case %zu \"%s\": got %s \"%s\", want %s \"%s\"\n", i,
			            cases[i].pw, lt_status_name(got), err.message,
			            lt_status_name(cases[i].want),
			            cases[i].msg ? cases[i].msg : "");
			failures++;
			continue;
		}
		if (got != LT_OK) {
			assert_string_equal(err.field, "password");
			/* The message never quotes the password. */
			if (strlen(cases[i].pw) >= 4 && strstr(err.message, cases[i].pw)) {
				print_error("case %zu: the message quotes the password\n", i);
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);
}

static void test_limits(void **state)
{
	(void)state;
	char big[LT_PASSWORD_MAX + 2];
	/* Varied enough to be no run or repeat. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + (i * 7 + i / 26) % 26);
	assert_int_equal(lt_password_check(big, LT_PASSWORD_MAX, NULL, NULL), LT_OK);
	assert_int_equal(lt_password_check(big, LT_PASSWORD_MAX + 1, NULL, NULL), LT_ETOOBIG);
}

static void test_common_list(void **state)
{
	(void)state;
	/* The generated list is there, whole, and searchable. */
	assert_true(lt_password_common_count() > 40000);
	assert_true(lt_password_is_common("password", 8));
	assert_true(lt_password_is_common("PASSWORD", 8));
	assert_true(lt_password_is_common("123456", 6));
	assert_true(lt_password_is_common("iloveyou", 8));
	assert_false(lt_password_is_common("plum tractor umbrella", 21));
	assert_false(lt_password_is_common("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_common_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
