/*
 * store_fixture.c — the set-up the store's tests of records about people
 * share (test_store_persons.c, test_store_pseudo.c, test_store_retention.c,
 * test_store_link.c).
 *
 * Each test opens its own store file, named after its binary and a count,
 * with the agencies it needs and a keyring of one random data key, as the
 * service does with its master key; the store's tables are read back
 * through store_sqlite_debug_query, as nothing else of the store shows
 * them; and records are filled through the field table's parsers, the way
 * the API and the CLI fill them.
 */
#include "store_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "store/store_sqlite_int.h"

#include "core/banned.h"

void store_fixture_reopen(const char *path, struct store **s)
{
	struct lt_error e = {0};
	if (store_open_sqlite(path, s, &e) != LT_OK)
		fail_msg("store_open_sqlite: %s", e.message);
}

void store_fixture_open(const char *prefix, char *path, struct store **s,
                        struct lt_crypto_keyring *kr, struct lt_agency *agencies, size_t n_agencies)
{
	static int counter;
	char name[64];
	assert_int_equal(lt_crypto_init(), LT_OK);
	snprintf(name, sizeof(name), "%s-%d.db", prefix, ++counter);
	snprintf(path, STORE_FIXTURE_PATH_SIZE, "%s", test_tmp_path(name));
	store_fixture_reopen(path, s);
	for (size_t i = 0; i < n_agencies; i++) {
		struct lt_error e = {0};
		if (store_agency_add(*s, &agencies[i], "test", &e) != LT_OK)
			fail_msg("agency %s: %s", agencies[i].code, e.message);
	}
	kr->n = 1;
	kr->keys[0].id = 1;
	lt_crypto_random(kr->keys[0].key, sizeof(kr->keys[0].key));
}

void store_fixture_close(struct store *s, struct lt_crypto_keyring *kr)
{
	store_close(s);
	lt_crypto_keyring_wipe(kr);
}

const char *store_fixture_query(struct store *s, const char *sql)
{
	static char out[4096];
	struct lt_error e = {0};
	if (store_sqlite_debug_query(s, -1, sql, out, sizeof(out), &e) != LT_OK)
		fail_msg("%s: %s", sql, e.message);
	return out;
}

long store_fixture_count(struct store *s, const char *sql)
{
	return strtol(store_fixture_query(s, sql), NULL, 10);
}

void store_fixture_field(void *rec, const struct lt_pfield *fields, size_t nf, const char *name,
                         const char *v)
{
	struct lt_error e = {0};
	const struct lt_pfield *fl = lt_pfield_find(fields, nf, name, strlen(name));
	if (!fl)
		fail_msg("no field %s", name);
	if (fl->parse(rec, v, strlen(v), &e) != LT_OK)
		fail_msg("%s=%s: %s", name, v, e.message);
}
