/*
 * test_cli_backup.c — `lantern backup` and `lantern restore`, run as an
 * operator runs them.
 *
 * A demo database is backed up; the backup is never written over; it is
 * restored to a new path, where the audit chain verifies and the same
 * statistics come out; a path in use, a WAL left beside it and a file that
 * is not a backup are refused; a backup whose audit log was edited restores
 * but exits 1 naming the broken chain. The README and docs/operations.md
 * document both commands.
 */
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "cli_run.h"

#include "core/buf.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

#define assert_exit(r, want)                                                                       \
	do {                                                                                       \
		if ((r).status != (want))                                                          \
			fail_msg("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", (r).status, (want), \
			         (r).out, (r).err);                                                \
	} while (0)

static void path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s", test_tmp_path(name));
}

static void test_backup_and_restore(void **state)
{
	char db[1100], bak[1100], to[1100], key[1100], stats_a[4096];
	(void)state;
	path_in(key, sizeof(key), "audit.key");
	path_in(db, sizeof(db), "live.db");
	path_in(bak, sizeof(bak), "live.backup");
	path_in(to, sizeof(to), "restored.db");

	struct run r = run_lantern((const char *[]){"init", "--demo", "--db", db, NULL});
	assert_exit(r, 0);
	run_free(&r);

	r = run_lantern((const char *[]){"backup", bak, "--db", db, NULL});
	assert_exit(r, 0);
	assert_contains(r.out, "307 reports");
	assert_contains(r.out, "key files are not in the backup");
	assert_contains(r.out, "lantern.key");
	assert_contains(r.out, "audit.key");
	run_free(&r);

	/* Never written over. */
	r = run_lantern((const char *[]){"backup", bak, "--db", db, NULL});
	assert_exit(r, 1);
	assert_contains(r.err, "never overwrites");
	run_free(&r);

	/* Restored to a new path: the chain verifies (against the audit key
	 * beside it), the statistics are the same. */
	r = run_lantern((const char *[]){"restore", bak, "--db", to, "--audit-key", key, NULL});
	assert_exit(r, 0);
	assert_contains(r.out, "307 reports");
	assert_contains(r.out, "audit chain intact");
	run_free(&r);
	r = run_lantern((const char *[]){"stats", "arrests", "--format", "csv", "--db", db, NULL});
	assert_exit(r, 0);
	snprintf(stats_a, sizeof(stats_a), "%s", r.out);
	run_free(&r);
	r = run_lantern((const char *[]){"stats", "arrests", "--format", "csv", "--db", to, NULL});
	assert_exit(r, 0);
	assert_string_equal(r.out, stats_a);
	run_free(&r);
	r = run_lantern((const char *[]){"audit", "verify", "--db", to, "--audit-key", key, NULL});
	assert_exit(r, 0);
	run_free(&r);

	/* A database in the way, a WAL beside a free path, not a backup. */
	r = run_lantern((const char *[]){"restore", bak, "--db", to, NULL});
	assert_exit(r, 1);
	assert_contains(r.err, "already at");
	run_free(&r);
	char other[1100], wal[1200];
	path_in(other, sizeof(other), "other.db");
	snprintf(wal, sizeof(wal), "%s-wal", other);
	FILE *fp = fopen(wal, "wb");
	assert_non_null(fp);
	fputs("left over", fp);
	fclose(fp);
	r = run_lantern((const char *[]){"restore", bak, "--db", other, NULL});
	assert_exit(r, 1);
	assert_contains(r.err, "-wal");
	run_free(&r);
	assert_int_equal(access(other, F_OK), -1);
	r = run_lantern((const char *[]){"restore", wal, "--db", other, NULL});
	assert_exit(r, 1);
	run_free(&r);
	r = run_lantern((const char *[]){"restore", "--db", other, NULL});
	assert_exit(r, 2);
	run_free(&r);
}

/* A backup whose audit log was edited restores, and says the chain is
 * broken with exit 1. */
static void test_restore_broken_chain(void **state)
{
	char db[1100], bak[1100], to[1100];
	struct lt_error e = {0};
	struct store *s = NULL;
	char out[64];
	(void)state;
	path_in(db, sizeof(db), "chain.db");
	path_in(bak, sizeof(bak), "chain.backup");
	path_in(to, sizeof(to), "chain-restored.db");

	struct run r = run_lantern((const char *[]){"init", "--demo", "--db", db, NULL});
	assert_exit(r, 0);
	run_free(&r);
	r = run_lantern((const char *[]){"backup", bak, "--db", db, NULL});
	assert_exit(r, 0);
	run_free(&r);

	/* Someone edits the backup's audit log behind lantern's back. */
	assert_int_equal(store_open_sqlite(bak, &s, &e), LT_OK);
	assert_int_equal(store_sqlite_debug_query(s, -1, "DROP TRIGGER IF EXISTS audit_no_update",
	                                          out, sizeof(out), &e),
	                 LT_OK);
	assert_int_equal(store_sqlite_debug_query(s, -1,
	                                          "UPDATE audit SET actor = 'nobody' WHERE id = 2",
	                                          out, sizeof(out), &e),
	                 LT_OK);
	store_close(s);

	r = run_lantern((const char *[]){"restore", bak, "--db", to, NULL});
	assert_exit(r, 1);
	assert_contains(r.out, "audit chain broken");
	assert_contains(r.out, "entry 2");
	run_free(&r);
}

/* The README and docs/operations.md document both commands. */
static void test_documented(void **state)
{
	(void)state;
	char *readme = slurp_source("README.md");
	assert_contains(readme, "### lantern backup");
	assert_contains(readme, "lantern restore");
	free(readme);
	char *ops = slurp_source("docs/operations.md");
	assert_contains(ops, "## Backup and restore");
	assert_contains(ops, "lantern backup");
	assert_contains(ops, "lantern restore");
	assert_contains(ops, "## Upgrades");
	assert_contains(ops, "## Performance");
	free(ops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backup_and_restore),
	    cmocka_unit_test(test_restore_broken_chain),
	    cmocka_unit_test(test_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
