/*
 * test_cli_keys.c — `lantern key init|rotate|status` and the data key of
 * `lantern init`, run as a user runs them.
 *
 * Each test spawns the real binary ($LANTERN_BIN) and checks its exit code,
 * its output and the key file it leaves. Persons are recorded from this
 * process through the store interface with the key file the command wrote,
 * and read back the same way after the command changed the keys, so a test
 * fails if anything sealed stops opening. The README and the docs are
 * checked to document the commands.
 */
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "cli_run.h"

#include "core/buf.h"
#include "core/person.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

struct dir {
	char path[1100], db[1200], data_key[1200];
};

static void dir_init(struct dir *d, const char *name)
{
	snprintf(d->path, sizeof(d->path), "%s", test_tmp_path(name));
	assert_int_equal(mkdir(d->path, 0700), 0);
	snprintf(d->db, sizeof(d->db), "%s/lantern.db", d->path);
	snprintf(d->data_key, sizeof(d->data_key), "%s/data.key", d->path);
}

static const struct lt_principal caseworker = {LT_PRINCIPAL_USER, 1, 1, LT_ROLE_CASEWORKER};

/* Record `n` persons named "Person N" with the data key file of `d`. */
static void add_persons(const struct dir *d, size_t n)
{
	struct store *s = NULL;
	struct lt_crypto_keyring kr;
	struct lt_error e = {0};
	assert_int_equal(lt_crypto_keyring_read(d->data_key, &kr, &e), LT_OK);
	assert_int_equal(store_open_sqlite(d->db, &s, &e), LT_OK);
	struct lt_agency a = {0, "herts_police", "Hertfordshire Constabulary",
	                      LT_AGENCY_KIND_POLICE};
	lt_status st = store_agency_add(s, &a, "test", &e);
	assert_true(st == LT_OK || st == LT_EEXIST);
	for (size_t i = 0; i < n; i++) {
		struct lt_person p;
		char name[32];
		lt_person_init(&p);
		snprintf(name, sizeof(name), "Person %zu", i);
		assert_int_equal(lt_person_fields[0].parse(&p, name, strlen(name), &e), LT_OK);
		if (store_person_add(s, &kr, &caseworker, &p, &e) != LT_OK)
			fail_msg("store_person_add: %s", e.message);
		lt_person_release(&p);
	}
	store_close(s);
	lt_crypto_keyring_wipe(&kr);
}

/* Every person opens with the key file of `d`, with the name it was given. */
static void check_persons(const struct dir *d, size_t n)
{
	struct store *s = NULL;
	struct lt_crypto_keyring kr;
	struct lt_error e = {0};
	assert_int_equal(lt_crypto_keyring_read(d->data_key, &kr, &e), LT_OK);
	assert_int_equal(store_open_sqlite(d->db, &s, &e), LT_OK);
	for (size_t i = 0; i < n; i++) {
		struct lt_person p;
		char want[32];
		if (store_person_get(s, &kr, &caseworker, (int64_t)i + 1, "key test", &p, &e) !=
		    LT_OK)
			fail_msg("person %zu: %s", i + 1, e.message);
		snprintf(want, sizeof(want), "Person %zu", i);
		assert_string_equal(p.name, want);
		lt_person_release(&p);
	}
	store_close(s);
	lt_crypto_keyring_wipe(&kr);
}

/* The "datakey.add" entries of the audit log of `db`: how many, and each
 * one's actor and object checked against `actor` and "key:1". */
static size_t datakey_adds(const char *db, const char *actor)
{
	struct store *s = NULL;
	struct lt_error e = {0};
	struct store_audit_entry *v = NULL;
	size_t n = 0, adds = 0;
	struct store_audit_query q = {0, 0, 10000, false};
	assert_int_equal(store_open_sqlite(db, &s, &e), LT_OK);
	assert_int_equal(store_audit_list(s, &q, &v, &n, &e), LT_OK);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].action, "datakey.add") != 0)
			continue;
		adds++;
		if (strcmp(v[i].actor, actor) != 0 || strcmp(v[i].object, "key:1") != 0)
			fail_msg("datakey.add by '%s' on '%s', want by '%s' on 'key:1'", v[i].actor,
			         v[i].object, actor);
	}
	free(v);
	store_close(s);
	return adds;
}

static size_t key_lines(const char *path)
{
	char *text = slurp(path);
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, "data-key: ")); p++)
		n++;
	free(text);
	return n;
}

static void test_init_and_status(void **state)
{
	(void)state;
	struct dir d;
	struct stat sb;
	dir_init(&d, "keys-init");

	struct run r = RUN_EXPECT(0, "init", "--db", d.db);
	assert_contains(r.out, "created data key file");
	assert_contains(r.out, "data.key");
	run_free(&r);
	assert_int_equal(stat(d.data_key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(key_lines(d.data_key), 1);
	/* the database records the key at once, as the command line's act */
	assert_int_equal(datakey_adds(d.db, "cli"), 1);
	/* init again leaves it alone */
	char *before = slurp(d.data_key);
	r = RUN_EXPECT(0, "init", "--db", d.db);
	assert_not_contains(r.out, "data key");
	run_free(&r);
	char *after = slurp(d.data_key);
	assert_string_equal(before, after);
	free(before);
	free(after);

	add_persons(&d, 3);
	/* the first person recorded adds no key: it is the command line's */
	assert_int_equal(datakey_adds(d.db, "cli"), 1);
	r = RUN_EXPECT(0, "key", "status", "--db", d.db);
	assert_contains(r.out, "key 1 (current 1)");
	assert_contains(r.out, "yes (current)");
	assert_contains(r.out, "persons: 3 (0 erased)");
	/* the key itself is never printed */
	char *text = slurp(d.data_key);
	const char *hex = strstr(text, "data-key: 1 ") + 12;
	char first16[17];
	memcpy(first16, hex, 16);
	first16[16] = '\0';
	assert_not_contains(r.out, first16);
	free(text);
	run_free(&r);

	/* key init refuses: there is a key, and a database that uses it */
	r = RUN_EXPECT(1, "key", "init", "--db", d.db);
	assert_contains(r.err, "already exists");
	run_free(&r);
	char moved[1300];
	snprintf(moved, sizeof(moved), "%s.away", d.data_key);
	assert_int_equal(rename(d.data_key, moved), 0);
	r = RUN_EXPECT(1, "key", "init", "--db", d.db);
	assert_contains(r.err, "already has data key 1");
	assert_contains(r.err, "restore the data key file");
	run_free(&r);
	assert_int_not_equal(access(d.data_key, F_OK), 0);
	/* status without the file: it does not open the persons */
	r = RUN_EXPECT(1, "key", "status", "--db", d.db);
	assert_contains(r.out, "missing");
	assert_contains(r.err, "does not open every person");
	run_free(&r);
	/* another installation's key under the same id */
	r = RUN_EXPECT(0, "key", "init", "--db", test_tmp_path("other.db"), "--data-key",
	               d.data_key);
	run_free(&r);
	assert_int_equal(datakey_adds(test_tmp_path("other.db"), "cli"), 1);
	r = RUN_EXPECT(1, "key", "status", "--db", d.db);
	assert_contains(r.out, "ANOTHER KEY under this id");
	run_free(&r);
	assert_int_equal(rename(moved, d.data_key), 0);
	check_persons(&d, 3);

	/* $LANTERN_DATA_KEY names it too */
	assert_int_equal(setenv("LANTERN_DATA_KEY", d.data_key, 1), 0);
	r = RUN_EXPECT(0, "key", "status", "--db", d.db);
	assert_contains(r.out, "yes (current)");
	run_free(&r);
	unsetenv("LANTERN_DATA_KEY");

	/* usage */
	r = RUN_EXPECT(2, "key", "--db", d.db);
	run_free(&r);
	r = RUN_EXPECT(2, "key", "spin", "--db", d.db);
	run_free(&r);
	r = RUN_EXPECT(2, "key", "status", "--limit", "3", "--db", d.db);
	run_free(&r);
	r = RUN_EXPECT(2, "key", "rotate", "--limit", "-1", "--db", d.db);
	run_free(&r);
}

static void test_rotate_interrupted(void **state)
{
	(void)state;
	struct dir d;
	struct stat sb;
	dir_init(&d, "keys-rotate");
	struct run r = RUN_EXPECT(0, "init", "--db", d.db);
	run_free(&r);
	add_persons(&d, 100);

	/* stopped after 30: the file keeps both keys, everything still opens */
	r = RUN_EXPECT(0, "key", "rotate", "--limit", "30", "--db", d.db);
	assert_contains(r.out, "added data key 2");
	assert_contains(r.out, "re-encrypted 30 persons under data key 2; 70 remain");
	run_free(&r);
	assert_int_equal(key_lines(d.data_key), 2);
	assert_int_equal(stat(d.data_key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	check_persons(&d, 100);
	r = RUN_EXPECT(0, "key", "status", "--db", d.db);
	assert_contains(r.out, "keys 1, 2 (current 2)");
	assert_contains(r.out, "70 persons are under an older key");
	run_free(&r);

	/* resumed: another slice, then the rest */
	r = RUN_EXPECT(0, "key", "rotate", "--limit", "50", "--db", d.db);
	assert_contains(r.out, "resuming the rotation to data key 2");
	assert_contains(r.out, "20 remain");
	run_free(&r);
	check_persons(&d, 100);
	r = RUN_EXPECT(0, "key", "rotate", "--db", d.db);
	assert_contains(r.out, "rotation finished: 20 persons re-encrypted under data key 2; data "
	                       "key 1 retired");
	run_free(&r);
	assert_int_equal(key_lines(d.data_key), 1);
	char *text = slurp(d.data_key);
	assert_contains(text, "data-key: 2 ");
	free(text);
	check_persons(&d, 100);
	r = RUN_EXPECT(0, "key", "status", "--db", d.db);
	assert_contains(r.out, "key 2 (current 2)");
	assert_not_contains(r.out, "older key");
	run_free(&r);

	/* the rotation after it starts from key 2 */
	char *old_file = slurp(d.data_key);
	r = RUN_EXPECT(0, "key", "rotate", "--db", d.db);
	assert_contains(r.out, "added data key 3");
	assert_contains(r.out, "rotation finished: 100 persons");
	run_free(&r);
	check_persons(&d, 100);

	/* a copy of the file from before that rotation opens nothing now */
	char old_path[1300];
	snprintf(old_path, sizeof(old_path), "%s/old.key", d.path);
	FILE *f = fopen(old_path, "wb");
	assert_non_null(f);
	fputs(old_file, f);
	fclose(f);
	free(old_file);
	chmod(old_path, 0600);
	r = RUN_EXPECT(1, "key", "status", "--db", d.db, "--data-key", old_path);
	assert_contains(r.err, "does not open every person");
	run_free(&r);
	/* every step is in the audit log, which still verifies */
	r = RUN_EXPECT(0, "audit", "verify", "--db", d.db);
	run_free(&r);
	r = RUN_EXPECT(0, "audit", "show", "--db", d.db, "--limit", "1000");
	assert_contains(r.out, "datakey.rotate");
	assert_contains(r.out, "datakey.retire");
	run_free(&r);
}

static void test_docs(void **state)
{
	(void)state;
	char *readme = slurp_source("README.md");
	static const char *const want[] = {"lantern key init",   "lantern key rotate",
	                                   "lantern key status", "data.key",
	                                   "LANTERN_DATA_KEY",   "--data-key PATH"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_contains(readme, want[i]);
	free(readme);
	char *sec = slurp_source("docs/security.md");
	assert_contains(sec, "## Personal data and keys");
	assert_contains(sec, "XChaCha20-Poly1305");
	assert_contains(sec, "blind index");
	free(sec);
	char *ops = slurp_source("docs/operations.md");
	assert_contains(ops, "## Keys");
	assert_contains(ops, "lantern key rotate");
	free(ops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_and_status),
	    cmocka_unit_test(test_rotate_interrupted),
	    cmocka_unit_test(test_docs),
	};
	if (lt_crypto_init() != LT_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
