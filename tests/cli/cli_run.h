/*
 * cli_run.h — running the real `lantern` binary from a test, as a user
 * runs it, shared by every test binary of tests/cli/.
 *
 * run_in spawns $LANTERN_BIN with the given arguments, standard input from a
 * string (or /dev/null), and captures the exit code, standard output and
 * standard error. The caller releases the result with run_free. Failures to
 * spawn are test failures, not return values.
 */
#ifndef LT_TESTS_CLI_RUN_H
#define LT_TESTS_CLI_RUN_H

#include <stddef.h>
#include <stdint.h>

struct run {
	int status; /* exit code, or 128+signal */
	char *out;  /* standard output, NUL-terminated, owned */
	char *err;  /* standard error, NUL-terminated, owned */
};

/* Run lantern with the NULL-terminated arguments after argv[0], standard
 * input from `input` (NULL: /dev/null). */
struct run run_in(const char *input, const char *const *args);
/* The same with standard input from /dev/null. */
struct run run_lantern(const char *const *args);
/* The same, failing the test (with both outputs shown) unless the exit code
 * is `want`. */
struct run run_expect(int want, const char *const *args);
void run_free(struct run *r);

/* The whole file at `path` (NUL-terminated; "" when it cannot be opened);
 * *len gets its length when len is not NULL. The caller frees it. */
char *slurp_n(const char *path, size_t *len);
char *slurp(const char *path);
/* The whole file `rel` of the source tree ($LANTERN_SOURCE/rel, failing
 * the test when LANTERN_SOURCE is not set), as slurp. */
char *slurp_source(const char *rel);
/* Write `text` to `path`, replacing it. */
void write_file(const char *path, const char *text);

struct store;
struct lt_crypto_keyring;
struct lt_principal;
#define RUN_PATH_MAX 1200
/* A new folder test_tmp_path(tag) and a database in it made by `lantern
 * init`: its path into db, its data key file's into key, the store opened
 * into *s (store_close it) and the data key read into *kr (wipe it with
 * lt_crypto_keyring_wipe). 0, else -1: for a cmocka group set-up. */
int run_db_init(const char *tag, char db[RUN_PATH_MAX], char key[RUN_PATH_MAX],
                struct store **s, struct lt_crypto_keyring *kr);
/* Add a person named `name`, born `dob` (YYYY-MM-DD), by `p`; its id. */
int64_t run_person_add(struct store *s, const struct lt_crypto_keyring *kr,
                       const struct lt_principal *p, const char *name, const char *dob);
/* How many entries of the audit log of the database at `db` match the SQL
 * condition `where`. */
long run_audit_count(const char *db, const char *where);

#define RUN(...)              run_lantern((const char *const[]){__VA_ARGS__, NULL})
#define RUN_EXPECT(want, ...) run_expect((want), (const char *const[]){__VA_ARGS__, NULL})

#endif
