/*
 * store_fixture.h — the set-up the store's tests of records about people
 * share (store_fixture.c): a new SQLite store with its agencies and a
 * keyring of one data key, a check of a call's status, a look at its
 * tables, and a record's field set from text.
 */
#ifndef LT_TEST_STORE_FIXTURE_H
#define LT_TEST_STORE_FIXTURE_H

#include <stddef.h>

#include "core/person.h"
#include "core/record.h"
#include "crypto/crypto.h"
#include "store/store.h"

/* Fail the test unless `call` answers `want`, showing the status it
 * answered and the details it left in the lt_error `e` of the caller's
 * scope (cleared first), which `call` is to fill. */
#define assert_st(call, want)                                                                      \
	do {                                                                                       \
		lt_error_clear(&e);                                                                \
		lt_status got_ = (call);                                                           \
		if (got_ != (want))                                                                \
			fail_msg("%s = %s (%s: %s), want %s", #call, lt_status_name(got_),         \
			         e.field, e.message, lt_status_name(want));                        \
	} while (0)

/* Size of the path buffer store_fixture_open writes. */
#define STORE_FIXTURE_PATH_SIZE 1024

/*
 * Initialise the crypto library and open a new store at
 * test_tmp_path("<prefix>-<n>.db"), n counting the calls of the test
 * binary (so every test has its own file): its path to `path`
 * (STORE_FIXTURE_PATH_SIZE bytes), the store to `*s`. Add the
 * `n_agencies` `agencies` in order, their ids written back, and fill `kr`
 * with one random data key of id 1. Fails the test when it cannot. The
 * caller releases with store_fixture_close.
 */
void store_fixture_open(const char *prefix, char *path, struct store **s,
                        struct lt_crypto_keyring *kr, struct lt_agency *agencies,
                        size_t n_agencies);
/* (Re)open the store at `path` to `*s`. Fails the test when it cannot. */
void store_fixture_reopen(const char *path, struct store **s);
/* Close `s` and wipe `kr`. */
void store_fixture_close(struct store *s, struct lt_crypto_keyring *kr);

/* The answer to `sql` through store_sqlite_debug_query on the writer's
 * connection, in a buffer the next call overwrites. Fails the test naming
 * the query when it cannot. */
const char *store_fixture_query(struct store *s, const char *sql);
/* The number the one-value query `sql` answers (store_fixture_query). */
long store_fixture_count(struct store *s, const char *sql);

/* Set the field `name` of `rec`, a record of the field table `fields`
 * (`nf` rows), to the text `v` through its parser. Fails the test naming
 * the field when there is no such field or the parser refuses. */
void store_fixture_field(void *rec, const struct lt_pfield *fields, size_t nf, const char *name,
                         const char *v);

#endif
