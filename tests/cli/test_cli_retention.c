/*
 * test_cli_retention.c — `lantern retention show|run|set` and `lantern
 * person export`, run as a user runs them, on a real SQLite file.
 *
 * Persons are recorded from this process through the store interface with
 * the data key file `lantern init` wrote, and their last activity is put in
 * the past by rewriting their stored times; the day is given with --as-of,
 * so nothing depends on the clock. What matters: the run erases on the day
 * the period ends and not the day before, to the day; a dry run changes
 * nothing; an erased person opens no more while the arrest statistics are
 * exactly as before; `lantern audit verify` still says the chain is intact
 * and `lantern audit show --person` names the erasure; the operator's
 * period is kept and shown; the export writes the JSON document to a new
 * file of mode 0600, never over an old one, audited by "cli"; bad days and
 * ids are usage errors; the README documents both commands.
 */
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

#include "cli_run.h"

#include "core/person.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

struct dir {
	char path[1100], db[1200], data_key[1200], out[1200];
};

static const struct lt_principal caseworker = {LT_PRINCIPAL_USER, 1, 1, LT_ROLE_CASEWORKER};

static void dir_init(struct dir *d, const char *name)
{
	snprintf(d->path, sizeof(d->path), "%s", test_tmp_path(name));
	assert_int_equal(mkdir(d->path, 0700), 0);
	snprintf(d->db, sizeof(d->db), "%s/lantern.db", d->path);
	snprintf(d->data_key, sizeof(d->data_key), "%s/data.key", d->path);
	snprintf(d->out, sizeof(d->out), "%s/export.json", d->path);
	struct run r = RUN_EXPECT(0, "init", "--demo", "--db", d->db);
	run_free(&r);
}

/* Record a person named `name` of agency 1 whose last activity was on
 * `day` ("YYYY-MM-DD"); its id. */
static int64_t add_person(const struct dir *d, const char *name, const char *day)
{
	struct store *s = NULL;
	struct lt_crypto_keyring kr;
	struct lt_error e = {0};
	struct lt_person p;
	char q[256], out[64];
	assert_int_equal(lt_crypto_keyring_read(d->data_key, &kr, &e), LT_OK);
	assert_int_equal(store_open_sqlite(d->db, &s, &e), LT_OK);
	lt_person_init(&p);
	assert_int_equal(lt_person_fields[0].parse(&p, name, strlen(name), &e), LT_OK);
	if (store_person_add(s, &kr, &caseworker, &p, &e) != LT_OK)
		fail_msg("store_person_add: %s", e.message);
	snprintf(q, sizeof(q),
	         "UPDATE persons SET created_at = '%sT12:00:00.000Z', updated_at = "
	         "'%sT12:00:00.000Z' WHERE id = %lld",
	         day, day, (long long)p.id);
	assert_int_equal(store_sqlite_debug_query(s, -1, q, out, sizeof(out), &e), LT_OK);
	int64_t id = p.id;
	lt_person_release(&p);
	store_close(s);
	lt_crypto_keyring_wipe(&kr);
	return id;
}

/* Person `id` opened with the key file: its name, or NULL when erased
 * (the caller frees it). */
static char *person_name(const struct dir *d, int64_t id)
{
	struct store *s = NULL;
	struct lt_crypto_keyring kr;
	struct lt_error e = {0};
	struct lt_person p;
	assert_int_equal(lt_crypto_keyring_read(d->data_key, &kr, &e), LT_OK);
	assert_int_equal(store_open_sqlite(d->db, &s, &e), LT_OK);
	if (store_person_get(s, &kr, &caseworker, id, "cli test", &p, &e) != LT_OK)
		fail_msg("person %lld: %s", (long long)id, e.message);
	char *name = p.erased ? NULL : strdup(p.name);
	lt_person_release(&p);
	store_close(s);
	lt_crypto_keyring_wipe(&kr);
	return name;
}

static char *stats(const struct dir *d)
{
	struct run r = RUN_EXPECT(0, "stats", "arrests", "--by", "year,offence", "--format", "csv",
	                          "--db", d->db);
	char *out = strdup(r.out);
	run_free(&r);
	return out;
}

static void test_run_to_the_day(void **state)
{
	(void)state;
	struct dir d;
	dir_init(&d, "retention-run");
	int64_t old = add_person(&d, "Olga Old", "2020-03-15");
	int64_t recent = add_person(&d, "Rita Recent", "2021-03-15");
	char *stats0 = stats(&d);

	/* the day before: nothing due */
	struct run r = RUN_EXPECT(0, "retention", "run", "--as-of", "2026-03-14", "--db", d.db);
	assert_contains(r.out, "retention as of 2026-03-14\n");
	assert_contains(r.out, "persons         0 erased (72 months; on or before 2020-03-14)");
	assert_contains(r.out, "audit           kept");
	run_free(&r);
	/* on the day, dry: one would go, none does */
	r = RUN_EXPECT(0, "retention", "run", "--as-of", "2026-03-15", "--dry-run", "--db", d.db);
	assert_contains(r.out, "(dry run: nothing was changed)");
	assert_contains(r.out, "persons         1 would be erased");
	run_free(&r);
	char *name = person_name(&d, old);
	assert_string_equal(name, "Olga Old");
	free(name);
	/* on the day: erased, with its audit entry */
	r = RUN_EXPECT(0, "retention", "run", "--as-of", "2026-03-15", "--db", d.db);
	assert_contains(r.out, "persons         1 erased (72 months; on or before 2020-03-15)");
	run_free(&r);
	assert_null(person_name(&d, old));
	name = person_name(&d, recent);
	assert_string_equal(name, "Rita Recent");
	free(name);
	/* again: nothing more */
	r = RUN_EXPECT(0, "retention", "run", "--as-of", "2026-03-15", "--db", d.db);
	assert_contains(r.out, "persons         0 erased");
	run_free(&r);

	char *stats1 = stats(&d);
	assert_string_equal(stats0, stats1);
	free(stats0);
	free(stats1);
	r = RUN_EXPECT(0, "audit", "verify", "--db", d.db);
	assert_contains(r.out, "audit chain intact");
	run_free(&r);
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)old);
	r = RUN_EXPECT(0, "audit", "show", "--person", id, "--db", d.db);
	assert_contains(r.out, "person.erase");
	assert_contains(r.out, "cli");
	run_free(&r);

	/* the operator's period: shown, and applied */
	r = RUN_EXPECT(0, "retention", "set", "persons", "60", "--db", d.db);
	assert_contains(r.out, "persons: 60 months (was 72 months)");
	run_free(&r);
	r = RUN_EXPECT(0, "retention", "show", "--db", d.db);
	assert_contains(r.out, "60 months (set by the operator)");
	assert_contains(r.out, "report_text");
	assert_contains(r.out, "login_throttle");
	run_free(&r);
	r = RUN_EXPECT(0, "retention", "run", "--as-of", "2026-03-14", "--db", d.db);
	assert_contains(r.out, "persons         0 erased (60 months; on or before 2021-03-14)");
	run_free(&r);
	r = RUN_EXPECT(0, "retention", "run", "--as-of", "2026-03-15", "--db", d.db);
	assert_contains(r.out, "persons         1 erased (60 months");
	run_free(&r);
	assert_null(person_name(&d, recent));
	r = RUN_EXPECT(0, "audit", "verify", "--db", d.db);
	run_free(&r);

	/* usage */
	r = RUN_EXPECT(2, "retention", "run", "--as-of", "2026-13-01", "--db", d.db);
	run_free(&r);
	r = RUN_EXPECT(2, "retention", "run", "--as-of", "2026-03", "--db", d.db);
	run_free(&r);
	r = RUN_EXPECT(2, "retention", "show", "--dry-run", "--db", d.db);
	run_free(&r);
	r = RUN_EXPECT(2, "retention", "set", "nothing", "3", "--db", d.db);
	run_free(&r);
	r = RUN_EXPECT(1, "retention", "set", "persons", "3", "--db", d.db);
	assert_contains(r.err, "persons: must be 12 to 1200 months");
	run_free(&r);
}

static void test_person_export(void **state)
{
	(void)state;
	struct dir d;
	struct stat sb;
	dir_init(&d, "person-export");
	int64_t id = add_person(&d, "Maria Popescu", "2024-05-01");
	char ids[32];
	snprintf(ids, sizeof(ids), "%lld", (long long)id);

	struct run r = RUN_EXPECT(2, "person", "export", ids, "--db", d.db); /* no purpose */
	assert_contains(r.err, "--purpose is required");
	run_free(&r);
	r = RUN_EXPECT(2, "person", "export", "x1", "--purpose", "SAR", "--db", d.db);
	run_free(&r);
	r = RUN_EXPECT(1, "person", "export", "999", "--purpose", "SAR", "--db", d.db);
	assert_contains(r.err, "no person 999");
	run_free(&r);

	r = RUN_EXPECT(0, "person", "export", ids, "--purpose", "SAR by post 7", "--out", d.out,
	               "--db", d.db);
	assert_contains(r.out, "exported person");
	assert_contains(r.out, "herts_police");
	run_free(&r);
	assert_int_equal(stat(d.out, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	char *text = slurp(d.out);
	json_t *doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "schema")),
	                    "urn:lantern:subject-access-export:1");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(doc, "person"), "name")),
	    "Maria Popescu");
	json_t *audit = json_object_get(doc, "audit");
	json_t *last = json_array_get(audit, json_array_size(audit) - 1);
	assert_string_equal(json_string_value(json_object_get(last, "action")), "person.export");
	assert_string_equal(json_string_value(json_object_get(last, "actor")), "cli");
	assert_string_equal(json_string_value(json_object_get(last, "purpose")), "SAR by post 7");
	json_decref(doc);
	free(text);

	/* never over an existing file */
	r = RUN_EXPECT(1, "person", "export", ids, "--purpose", "again", "--out", d.out, "--db",
	               d.db);
	assert_contains(r.err, "never overwritten");
	run_free(&r);
	/* to standard output */
	r = RUN_EXPECT(0, "person", "export", ids, "--purpose", "to stdout", "--db", d.db);
	assert_contains(r.out, "\"name\": \"Maria Popescu\"");
	run_free(&r);
	r = RUN_EXPECT(0, "audit", "show", "--person", ids, "--db", d.db);
	assert_contains(r.out, "person.export");
	assert_contains(r.out, "SAR by post 7");
	run_free(&r);
	r = RUN_EXPECT(0, "audit", "verify", "--db", d.db);
	run_free(&r);
}

static void test_readme(void **state)
{
	(void)state;
	char *readme = slurp_source("README.md");
	assert_contains(readme, "lantern person export");
	assert_contains(readme, "lantern retention show");
	assert_contains(readme, "lantern retention run");
	assert_contains(readme, "lantern retention set");
	free(readme);
	char *doc = slurp_source("docs/security.md");
	assert_contains(doc, "## Data protection: retention, subject access, erasure");
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_run_to_the_day),
	    cmocka_unit_test(test_person_export),
	    cmocka_unit_test(test_readme),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
