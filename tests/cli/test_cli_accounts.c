/*
 * test_cli_accounts.c — `lantern agency`, `lantern user` and `lantern
 * token`, run as an operator runs them.
 *
 * Each test spawns the real binary ($LANTERN_BIN) on a scratch database and
 * checks its exit code, stdout and stderr: agencies added with derived
 * codes, accounts with the password on standard input and, through a
 * pseudo-terminal, typed at a prompt that does not echo it; tokens printed
 * once and never again; every wrong use answered with exit code 2. Then it
 * opens the database itself to check that no password, token or e-mail
 * address reached the audit log or the file, and that the README documents
 * every one of these commands.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "cli_run.h"

#include "core/buf.h"
#include "store/store.h"

extern char **environ; /* for the pseudo-terminal test's own spawn */

static char db[1100];
static const char *const PW = "plum tractor umbrella";

/* Does `len` bytes at `hay` contain the string `needle`? */
static bool bytes_contain(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; n && i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

#undef RUN
#define RUN(...)           run_in(NULL, (const char *const[]){__VA_ARGS__, "--db", db, NULL})
#define RUN_IN(input, ...) run_in(input, (const char *const[]){__VA_ARGS__, "--db", db, NULL})

/* Expect exit code `code`; print what came out when not. */
#define EXPECT(r, code)                                                                            \
	do {                                                                                       \
		if ((r).status != (code))                                                          \
			fail_msg("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", (r).status, (code), \
			         (r).out, (r).err);                                                \
	} while (0)

static int setup(void **state)
{
	(void)state;
	snprintf(db, sizeof(db), "%s", test_tmp_path("accounts.db"));
	struct run r = RUN("init");
	int rc = r.status;
	run_free(&r);
	return rc;
}

static void test_help(void **state)
{
	(void)state;
	const char *cmds[] = {"agency", "user", "token"};
	for (size_t i = 0; i < 3; i++) {
		struct run r = RUN(cmds[i], "--help");
		EXPECT(r, 0);
		assert_contains(r.out, "usage: lantern ");
		assert_contains(r.out, "--db PATH");
		run_free(&r);
	}
	struct run r = RUN("user", "add", "--help");
	EXPECT(r, 0);
	assert_contains(r.out, "never give it as an argument");
	run_free(&r);
}

static void test_agencies(void **state)
{
	(void)state;
	struct run r = RUN("agency", "add", "Hertfordshire Modern Slavery Partnership", "--kind",
	                   "other", "--code", "partnership");
	EXPECT(r, 0);
	assert_contains(r.out, "added agency partnership (other)");
	run_free(&r);

	/* The code is made from the name when not given. */
	r = RUN("agency", "add", "St John's Refuge & Support", "--kind", "charity");
	EXPECT(r, 0);
	assert_contains(r.out, "added agency st_johns_refuge_support (charity)");
	run_free(&r);
	r = RUN("agency", "add", "Hertfordshire Constabulary", "--kind", "police", "--code",
	        "herts_police");
	EXPECT(r, 0);
	run_free(&r);

	r = RUN("agency", "list");
	EXPECT(r, 0);
	assert_contains(r.out, "st_johns_refuge_support charity");
	assert_contains(r.out, "herts_police     police");
	run_free(&r);

	/* A code already taken is a failure, not a usage error. */
	r = RUN("agency", "add", "Another", "--kind", "other", "--code", "partnership");
	EXPECT(r, 1);
	assert_contains(r.err, "already exists");
	run_free(&r);

	/* Wrong use: 2. */
	const char *const bad[][8] = {
	    {"agency", "add", "No Kind", NULL},
	    {"agency", "add", "Bad Kind", "--kind", "club", NULL},
	    {"agency", "add", "Bad Code", "--kind", "other", "--code", "Has Spaces"},
	    {"agency", "add", "--kind", "other", NULL},
	    {"agency", "list", "extra", NULL},
	    {"agency", "remove", "x", NULL},
	    {"agency", "list", "--role", "police", NULL},
	    {"agency", "add", "!!!", "--kind", "other", NULL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[16];
		size_t n = 0;
		for (size_t k = 0; k < 8 && bad[i][k]; k++)
			args[n++] = bad[i][k];
		args[n++] = "--db";
		args[n++] = db;
		args[n] = NULL;
		r = run_in(NULL, args);
		if (r.status != 2)
			fail_msg("case %zu (%s %s %s): exit %d, want 2: %s", i, args[0], args[1],
			         args[2] ? args[2] : "", r.status, r.err);
		run_free(&r);
	}
}

static void test_user_add_stdin(void **state)
{
	(void)state;
	char line[128];
	snprintf(line, sizeof(line), "%s\n", PW);
	struct run r = RUN_IN(line, "user", "add", "Admin@Partnership.example", "--agency",
	                      "partnership", "--role", "partnership_admin");
	EXPECT(r, 0);
	assert_contains(r.out,
	                "added user Admin@Partnership.example: partnership_admin at partnership");
	/* Never echoed, never repeated. */
	assert_not_contains(r.out, PW);
	assert_not_contains(r.err, PW);
	run_free(&r);

	/* CRLF and no final newline are read the same. */
	r = RUN_IN("quiet lantern harbour lights\r\n", "user", "add", "cw@refuge.example",
	           "--agency", "st_johns_refuge_support", "--role", "caseworker");
	EXPECT(r, 0);
	run_free(&r);
	r = RUN_IN("seven orange kites drifting", "user", "add", "pc@police.example", "--agency",
	           "herts_police", "--role", "police");
	EXPECT(r, 0);
	run_free(&r);

	/* The same address in another case. */
	r = RUN_IN(line, "user", "add", "admin@partnership.EXAMPLE", "--agency", "partnership",
	           "--role", "analyst");
	EXPECT(r, 1);
	assert_contains(r.err, "exists");
	run_free(&r);

	/* Refused passwords: 1, saying why. */
	r = RUN_IN("password1234\n", "user", "add", "b@partnership.example", "--agency",
	           "partnership", "--role", "analyst");
	EXPECT(r, 1);
	assert_contains(r.err, "most common passwords");
	assert_not_contains(r.err, "password1234");
	run_free(&r);
	r = RUN_IN("tooshort\n", "user", "add", "b@partnership.example", "--agency", "partnership",
	           "--role", "analyst");
	EXPECT(r, 1);
	assert_contains(r.err, "at least 12 characters");
	run_free(&r);
	r = RUN("user", "add", "b@partnership.example", "--agency", "partnership", "--role",
	        "analyst");
	EXPECT(r, 1);
	assert_contains(r.err, "no password on standard input");
	run_free(&r);

	/* Data that is wrong: 1. */
	r = RUN_IN(line, "user", "add", "b@partnership.example", "--agency", "nowhere", "--role",
	           "analyst");
	EXPECT(r, 1);
	assert_contains(r.err, "there is no agency 'nowhere'");
	run_free(&r);
	r = RUN_IN(line, "user", "add", "not-an-address", "--agency", "partnership", "--role",
	           "analyst");
	EXPECT(r, 1);
	run_free(&r);
	r = RUN_IN(line, "user", "add", "p@refuge.example", "--agency", "st_johns_refuge_support",
	           "--role", "police");
	EXPECT(r, 1);
	assert_contains(r.err, "police");
	run_free(&r);

	/* Wrong use: 2 — including a password given as an argument. */
	r = RUN_IN(line, "user", "add", "b@partnership.example", PW, "--agency", "partnership",
	           "--role", "analyst");
	EXPECT(r, 2);
	run_free(&r);
	r = RUN_IN(line, "user", "add", "b@partnership.example", "--role", "analyst");
	EXPECT(r, 2);
	run_free(&r);
	r = RUN_IN(line, "user", "add", "b@partnership.example", "--agency", "partnership",
	           "--role", "wizard");
	EXPECT(r, 2);
	assert_contains(r.err, "expected one of: partnership_admin, agency_admin");
	run_free(&r);
	r = RUN_IN(line, "user", "add", "b@partnership.example", "--agency", "partnership",
	           "--role", "analyst", "--password", PW);
	EXPECT(r, 2);
	run_free(&r);
	r = RUN("user", "frobnicate", "x@y.example");
	EXPECT(r, 2);
	run_free(&r);
	r = RUN("user", "disable");
	EXPECT(r, 2);
	run_free(&r);
	r = RUN("user", "list", "--role", "police");
	EXPECT(r, 2);
	run_free(&r);
}

static void test_user_disable_list_password(void **state)
{
	(void)state;
	struct run r = RUN("user", "disable", "CW@refuge.example");
	EXPECT(r, 0);
	assert_contains(r.out, "disabled cw@refuge.example");
	run_free(&r);
	r = RUN("user", "disable", "cw@refuge.example");
	EXPECT(r, 0);
	assert_contains(r.out, "was already disabled");
	run_free(&r);

	r = RUN("user", "list");
	EXPECT(r, 0);
	assert_contains(r.out, "cw@refuge.example");
	assert_contains(r.out, "disabled");
	assert_contains(r.out, "partnership_admin");
	assert_not_contains(r.out, "$argon2");
	run_free(&r);
	r = RUN("user", "list", "--agency", "herts_police");
	EXPECT(r, 0);
	assert_contains(r.out, "pc@police.example");
	assert_not_contains(r.out, "cw@refuge.example");
	run_free(&r);

	r = RUN("user", "enable", "cw@refuge.example");
	EXPECT(r, 0);
	assert_contains(r.out, "enabled cw@refuge.example");
	run_free(&r);
	r = RUN("user", "disable", "ghost@nowhere.example");
	EXPECT(r, 1);
	run_free(&r);

	/* unlock: asked for in the database, audited; the server takes it */
	r = RUN("user", "unlock", "PC@police.example");
	EXPECT(r, 0);
	assert_contains(r.out, "unlock of pc@police.example asked for");
	run_free(&r);
	r = RUN("audit", "show", "--limit", "1");
	EXPECT(r, 0);
	assert_contains(r.out, "user.unlock");
	assert_contains(r.out, "cli");
	run_free(&r);
	r = RUN("user", "unlock", "ghost@nowhere.example");
	EXPECT(r, 1);
	assert_contains(r.err, "no account with that e-mail address");
	run_free(&r);
	r = RUN("user", "unlock");
	EXPECT(r, 2);
	run_free(&r);

	r = RUN_IN("a different long phrase\n", "user", "password", "pc@police.example");
	EXPECT(r, 0);
	assert_contains(r.out, "changed the password of pc@police.example");
	run_free(&r);
	r = RUN_IN("my pc@police.example key\n", "user", "password", "pc@police.example");
	EXPECT(r, 1);
	assert_contains(r.err, "e-mail address");
	run_free(&r);
}

static void test_tokens(void **state)
{
	(void)state;
	struct run r = RUN("token", "add", "--agency", "herts_police", "--role", "police",
	                   "--label", "niche records system");
	EXPECT(r, 0);
	/* Alone on standard output: one line, the token. */
	assert_int_equal(strlen(r.out), 47);
	assert_int_equal(strncmp(r.out, "lt_", 3), 0);
	assert_int_equal(r.out[46], '\n');
	assert_contains(r.err, "shown only this once");
	char tok[64];
	memcpy(tok, r.out, 46);
	tok[46] = '\0';
	run_free(&r);

	r = RUN("token", "list");
	EXPECT(r, 0);
	assert_contains(r.out, "herts_police");
	assert_contains(r.out, "niche records system");
	assert_not_contains(r.out, tok);
	assert_not_contains(r.out, tok + 3);
	run_free(&r);

	/* Administrators are people. */
	r = RUN("token", "add", "--agency", "partnership", "--role", "partnership_admin");
	EXPECT(r, 1);
	run_free(&r);

	r = RUN("token", "revoke", "1");
	EXPECT(r, 0);
	assert_contains(r.out, "revoked token 1");
	run_free(&r);
	r = RUN("token", "revoke", "1");
	EXPECT(r, 0);
	assert_contains(r.out, "already revoked");
	run_free(&r);
	r = RUN("token", "revoke", "999");
	EXPECT(r, 1);
	run_free(&r);

	const char *const bad[][6] = {
	    {"token", "revoke", "one", NULL},
	    {"token", "revoke", NULL},
	    {"token", "add", "--role", "police", NULL},
	    {"token", "add", "--agency", "herts_police", NULL},
	    {"token", "add", "--agency", "herts_police", "--role"},
	    {"token", "list", "--label", "x", NULL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[12];
		size_t n = 0;
		for (size_t k = 0; k < 6 && bad[i][k]; k++)
			args[n++] = bad[i][k];
		args[n++] = "--db";
		args[n++] = db;
		args[n] = NULL;
		r = run_in(NULL, args);
		if (r.status != 2)
			fail_msg("case %zu: exit %d, want 2: %s", i, r.status, r.err);
		run_free(&r);
	}

	/* Neither the token nor any password is in the database files. */
	char path[1200];
	const char *const files[] = {"", "-wal"};
	for (size_t i = 0; i < 2; i++) {
		size_t len = 0;
		snprintf(path, sizeof(path), "%s%s", db, files[i]);
		char *bytes = slurp_n(path, &len);
		assert_false(bytes_contain(bytes, len, tok + 3));
		assert_false(bytes_contain(bytes, len, PW));
		free(bytes);
	}
}

/* A terminal: the password is asked for twice and never shown. */
static void read_until(int fd, struct lt_buf *b, const char *want)
{
	char chunk[256];
	while (!strstr(lt_buf_str(b), want)) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)
			fail_msg("the terminal closed before \"%s\"; it showed:\n%s", want,
			         lt_buf_str(b));
		assert_int_equal(lt_buf_append(b, chunk, (size_t)n), LT_OK);
	}
}

static void test_user_add_terminal(void **state)
{
	(void)state;
	const char *bin = getenv("LANTERN_BIN");
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	char slave[256];
	const char *name = ptsname(master);
	assert_non_null(name);
	snprintf(slave, sizeof(slave), "%s", name);

	char *argv[] = {(char *)bin, "user",
	                "add",       "tty@refuge.example",
	                "--agency",  "st_johns_refuge_support",
	                "--role",    "agency_admin",
	                "--db",      db,
	                NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, slave, O_RDWR | O_NOCTTY, 0);
	posix_spawn_file_actions_adddup2(&fa, 0, 1);
	posix_spawn_file_actions_adddup2(&fa, 0, 2);
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);

	struct lt_buf screen;
	lt_buf_init(&screen, 1u << 20);
	char line[128];
	snprintf(line, sizeof(line), "%s\n", PW);
	/* Type only once the prompt shows: echo is off by then. */
	read_until(master, &screen, "Password: ");
	assert_int_equal(write(master, line, strlen(line)), (ssize_t)strlen(line));
	read_until(master, &screen, "Password again: ");
	assert_int_equal(write(master, line, strlen(line)), (ssize_t)strlen(line));
	read_until(master, &screen, "added user");
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	/* Drain what is left; EIO once the other side is closed. */
	char chunk[256];
	ssize_t n;
	while ((n = read(master, chunk, sizeof(chunk))) > 0)
		assert_int_equal(lt_buf_append(&screen, chunk, (size_t)n), LT_OK);
	close(master);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("exit %d; the terminal showed:\n%s", WEXITSTATUS(st), lt_buf_str(&screen));
	assert_not_contains(lt_buf_str(&screen), PW);
	assert_contains(lt_buf_str(&screen), "added user tty@refuge.example: agency_admin");
	lt_buf_release(&screen);
}

/* What the commands wrote to the audit log: each change, by id, with no
 * address, password or token in it. */
static void test_audit_entries(void **state)
{
	(void)state;
	struct store *s = NULL;
	struct lt_error e = {0};
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	assert_int_equal(store_open_sqlite(db, &s, &e), LT_OK);
	assert_int_equal(store_audit_tail(s, 1000, &a, &n, &e), LT_OK);
	int creates = 0, disables = 0, enables = 0, tokens = 0, revokes = 0, agencies = 0,
	    passwords = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(a[i].action, "user.", 5) == 0 || strncmp(a[i].action, "token.", 6) == 0)
			assert_string_equal(a[i].actor, "cli");
		assert_null(strchr(a[i].object, '@'));
		assert_not_contains(a[i].object, "lt_");
		creates += strcmp(a[i].action, "user.create") == 0;
		disables += strcmp(a[i].action, "user.disable") == 0;
		enables += strcmp(a[i].action, "user.enable") == 0;
		passwords += strcmp(a[i].action, "user.password") == 0;
		tokens += strcmp(a[i].action, "token.create") == 0;
		revokes += strcmp(a[i].action, "token.revoke") == 0;
		agencies += strcmp(a[i].action, "agency.create") == 0;
	}
	assert_int_equal(agencies, 3);
	assert_int_equal(creates, 4);
	assert_int_equal(disables, 1);
	assert_int_equal(enables, 1);
	assert_int_equal(passwords, 1);
	assert_int_equal(tokens, 1);
	assert_int_equal(revokes, 1);
	free(a);
	store_close(s);
}

/* The README documents every one of these commands. */
static void test_readme(void **state)
{
	(void)state;
	char *readme = slurp_source("README.md");
	const char *cmds[] = {
	    "lantern agency list",  "lantern agency add",  "lantern user add",
	    "lantern user disable", "lantern user enable", "lantern user password",
	    "lantern user unlock",  "lantern user list",   "lantern token add",
	    "lantern token revoke", "lantern token list",
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		assert_contains(readme, cmds[i]);
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_agencies),
	    cmocka_unit_test(test_user_add_stdin),
	    cmocka_unit_test(test_user_disable_list_password),
	    cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_user_add_terminal),
	    cmocka_unit_test(test_audit_entries),
	    cmocka_unit_test(test_readme),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
