/*
 * test_cli_audit.c — `lantern audit verify|checkpoint|show` and the audit
 * key of `lantern init` and `lantern serve`, run as a user runs them.
 *
 * Each test spawns the real binary ($LANTERN_BIN) and checks its exit code
 * and output. Tampering is done from this process, as someone holding the
 * database file would: through store_sqlite_debug_query, dropping the
 * append-only triggers first. The README and docs/security.md are checked
 * to document the commands.
 */
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "cli_run.h"

#include "core/audit.h"
#include "core/buf.h"
#include "core/person.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

/* A fresh directory holding a demo database and its key files. */
struct dir {
	char db[1200], key[1200], audit_key[1200], cps[1200];
};

static void dir_init(struct dir *d, const char *name)
{
	char sub[1024];
	int n = snprintf(sub, sizeof(sub), "%s", test_tmp_path(name));
	assert_true(n > 0 && n < 1000);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(d->db, sizeof(d->db), "%s/lantern.db", sub);
	snprintf(d->key, sizeof(d->key), "%s/lantern.key", sub);
	snprintf(d->audit_key, sizeof(d->audit_key), "%s/audit.key", sub);
	snprintf(d->cps, sizeof(d->cps), "%s/checkpoints.jsonl", sub);
	struct run r = RUN_EXPECT(0, "init", "--demo", "--db", d->db);
	run_free(&r);
}

/* Run SQL on the database from this process. */
static void tamper(const char *db, const char *sql)
{
	struct store *s = NULL;
	struct lt_error e = {0};
	char out[64];
	if (store_open_sqlite(db, &s, &e) != LT_OK)
		fail_msg("opening %s: %s", db, e.message);
	static const char *const drops[] = {
		"DROP TRIGGER IF EXISTS audit_no_update",
		"DROP TRIGGER IF EXISTS audit_no_delete",
		"DROP TRIGGER IF EXISTS audit_checkpoints_no_update",
		"DROP TRIGGER IF EXISTS audit_checkpoints_no_delete",
	};
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		assert_int_equal(store_sqlite_debug_query(s, -1, drops[i], out, sizeof(out), &e), LT_OK);
	if (store_sqlite_debug_query(s, -1, sql, out, sizeof(out), &e) != LT_OK)
		fail_msg("%s: %s", sql, e.message);
	store_close(s);
}

/* `lantern init` makes a private audit key beside the database, once. */
static void test_init_makes_audit_key(void **state)
{
	(void)state;
	struct dir d;
	dir_init(&d, "init");
	struct stat sb;
	assert_int_equal(stat(d.audit_key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	char *before = slurp(d.audit_key);
	assert_contains(before, "ed25519-public: ");
	assert_contains(before, "ed25519-seed: ");

	struct run r = RUN_EXPECT(0, "init", "--db", d.db);
	assert_not_contains(r.out, "audit signing key");
	run_free(&r);
	char *after = slurp(d.audit_key);
	assert_string_equal(before, after);
	free(before);
	free(after);

	char other[1300];
	snprintf(other, sizeof(other), "%s.elsewhere", d.audit_key);
	r = RUN_EXPECT(0, "init", "--db", d.db, "--audit-key", other);
	assert_contains(r.out, "created audit signing key");
	run_free(&r);
	assert_int_equal(stat(other, &sb), 0);
}

static void test_verify_and_checkpoint(void **state)
{
	(void)state;
	struct dir d;
	dir_init(&d, "verify");
	/* The data key, 11 agencies, the arrests and the reports: 14 entries. */
	struct run r = RUN_EXPECT(0, "audit", "verify", "--db", d.db);
	assert_string_equal(r.out, "audit chain intact: 14 entries, 0 checkpoints\n");
	assert_string_equal(r.err, "");
	run_free(&r);

	r = RUN_EXPECT(0, "audit", "checkpoint", "--db", d.db);
	struct lt_audit_checkpoint c;
	struct lt_error e = {0};
	size_t len = strlen(r.out);
	assert_true(len > 0 && r.out[len - 1] == '\n' && !memchr(r.out, '\n', len - 1));
	if (lt_audit_checkpoint_parse(r.out, len - 1, &c, &e) != LT_OK)
		fail_msg("'%s': %s", r.out, e.message);
	assert_int_equal(c.entry_id, 15);
	char annotated[2048];
	snprintf(annotated, sizeof(annotated), "# handed to the PCC's office\n\n%s", r.out);
	write_file(d.cps, annotated);
	run_free(&r);

	r = RUN_EXPECT(0, "audit", "verify", "--db", d.db, "--checkpoint", d.cps);
	assert_string_equal(r.out,
			    "audit chain intact: 15 entries, 2 checkpoints (1 from --checkpoint files)\n");
	run_free(&r);

	r = RUN_EXPECT(0, "audit", "show", "--db", d.db, "--limit", "1");
	assert_contains(r.out, "audit.checkpoint");
	assert_not_contains(r.out, "report.create");
	run_free(&r);

	/* The audit key's public line alone is enough to verify. */
	char pub[1300];
	snprintf(pub, sizeof(pub), "%s.pub", d.audit_key);
	struct lt_crypto_sign_key k;
	assert_int_equal(lt_crypto_sign_keyfile_read(d.audit_key, 0, &k, &e), LT_OK);
	char hex[65], line[200];
	lt_audit_hex(k.pk, 32, hex);
	snprintf(line, sizeof(line), "ed25519-public: %s\n", hex);
	write_file(pub, line);
	r = RUN_EXPECT(0, "audit", "verify", "--db", d.db, "--audit-key", pub);
	run_free(&r);
	r = RUN_EXPECT(0, "audit", "verify", "--db", d.db, "--public-key", hex);
	run_free(&r);
	/* ... but not to sign. */
	r = RUN_EXPECT(1, "audit", "checkpoint", "--db", d.db, "--audit-key", pub);
	assert_contains(r.err, "ed25519-seed");
	run_free(&r);

	/* Another key: the stored checkpoint is named as replaced. */
	struct lt_crypto_sign_key other;
	char other_path[1300];
	snprintf(other_path, sizeof(other_path), "%s.other", d.audit_key);
	assert_int_equal(lt_crypto_sign_keyfile_create(other_path, &e), LT_OK);
	assert_int_equal(lt_crypto_sign_keyfile_read(other_path, 0, &other, &e), LT_OK);
	char ohex[65];
	lt_audit_hex(other.pk, 32, ohex);
	r = RUN_EXPECT(1, "audit", "verify", "--db", d.db, "--public-key", ohex);
	char want[300];
	snprintf(want, sizeof(want),
		 "audit chain broken: checkpoint 1: signed by key %.16s..., not by the audit key "
		 "%.16s... (replaced?)\n",
		 hex, ohex);
	assert_string_equal(r.err, want);
	run_free(&r);

	/* Without any audit key: a warning, and the signatures still checked. */
	assert_int_equal(unlink(d.audit_key), 0);
	r = RUN_EXPECT(0, "audit", "verify", "--db", d.db);
	assert_contains(r.err, "warning: no audit key");
	run_free(&r);
	r = RUN_EXPECT(1, "audit", "checkpoint", "--db", d.db);
	assert_contains(r.err, "cannot open the audit key file");
	run_free(&r);
}

static void test_verify_detects_tampering(void **state)
{
	(void)state;
	struct dir d;
	dir_init(&d, "tamper");
	struct run r = RUN_EXPECT(0, "audit", "checkpoint", "--db", d.db); /* entry 15 */
	write_file(d.cps, r.out);
	char *line = strdup(r.out);
	run_free(&r);
	r = RUN_EXPECT(0, "audit", "checkpoint", "--db", d.db); /* entry 16 */
	run_free(&r);

	tamper(d.db, "UPDATE audit SET object = 'agency:nobody' WHERE id = 5");
	r = RUN_EXPECT(1, "audit", "verify", "--db", d.db);
	assert_string_equal(r.err,
			    "audit chain broken: entry 5: hash does not match its contents (edited?)\n");
	assert_string_equal(r.out, "");
	run_free(&r);

	struct dir d2;
	dir_init(&d2, "tamper-2");
	r = RUN_EXPECT(0, "audit", "checkpoint", "--db", d2.db); /* entry 15 */
	write_file(d2.cps, r.out);
	run_free(&r);
	tamper(d2.db, "DELETE FROM audit WHERE id >= 12");
	r = RUN_EXPECT(1, "audit", "verify", "--db", d2.db);
	assert_string_equal(r.err, "audit chain broken: checkpoint 1 at entry 15: entry 15 is "
				   "missing (truncated after a checkpoint?)\n");
	run_free(&r);
	tamper(d2.db, "DELETE FROM audit_checkpoints");
	r = RUN_EXPECT(0, "audit", "verify", "--db", d2.db);
	run_free(&r);
	r = RUN_EXPECT(1, "audit", "verify", "--db", d2.db, "--checkpoint", d2.cps);
	char want[1400];
	snprintf(want, sizeof(want),
		 "audit chain broken: checkpoint %s:1 at entry 15: entry 15 is missing (truncated "
		 "after a checkpoint?)\n",
		 d2.cps);
	assert_string_equal(r.err, want);
	run_free(&r);

	/* A partner's copy whose signature was altered. */
	char *sig = strstr(line, "\"signature\":\"");
	assert_non_null(sig);
	sig += strlen("\"signature\":\"");
	sig[5] = sig[5] == '0' ? '1' : '0';
	struct dir d3;
	dir_init(&d3, "tamper-3");
	write_file(d3.cps, line);
	free(line);
	r = RUN_EXPECT(1, "audit", "verify", "--db", d3.db, "--checkpoint", d3.cps);
	snprintf(want, sizeof(want),
		 "audit chain broken: checkpoint %s:1: signature does not verify (forged or "
		 "replaced)\n",
		 d3.cps);
	assert_string_equal(r.err, want);
	run_free(&r);
}

static void test_verify_bad_input(void **state)
{
	(void)state;
	struct dir d;
	dir_init(&d, "bad-input");
	write_file(d.cps, "# fine so far\n{\"entry\":1}\n");
	struct run r = RUN_EXPECT(1, "audit", "verify", "--db", d.db, "--checkpoint", d.cps);
	char want[1400];
	snprintf(want, sizeof(want), "%s:2: ", d.cps);
	assert_contains(r.err, want);
	assert_contains(r.err, "each once");
	run_free(&r);

	char missing[1300];
	snprintf(missing, sizeof(missing), "%s.missing", d.cps);
	r = RUN_EXPECT(1, "audit", "verify", "--db", d.db, "--checkpoint", missing);
	assert_contains(r.err, "cannot open");
	run_free(&r);

	static const char *const usage[][8] = {
		{"audit", NULL},
		{"audit", "frobnicate", NULL},
		{"audit", "verify", "show", NULL},
		{"audit", "verify", "--public-key", "abc", NULL},
		{"audit", "show", "--checkpoint", "x", NULL},
		{"audit", "checkpoint", "--person", "3", NULL},
		{"audit", "show", "--person", "x", NULL},
		{"audit", "show", "--person", "0", NULL},
		{"audit", "show", "--limit", "0", NULL},
		{"audit", "show", "--limit", "100001", NULL},
		{"audit", "show", "--audit-key", "k", NULL},
	};
	for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
		const char *args[12];
		size_t n = 0;
		for (; usage[i][n]; n++)
			args[n] = usage[i][n];
		args[n++] = "--db";
		args[n++] = d.db;
		args[n] = NULL;
		r = run_lantern(args);
		if (r.status != 2)
			fail_msg("case %zu: exit %d, want 2; stderr: %s", i, r.status, r.err);
		assert_contains(r.err, "lantern audit: ");
		run_free(&r);
	}
	r = RUN_EXPECT(0, "audit", "--help");
	assert_contains(r.out, "usage: lantern audit verify");
	assert_contains(r.out, "--checkpoint FILE");
	run_free(&r);

	/* A server given an audit key it cannot use refuses to start. */
	write_file(d.cps, "public: 00\n");
	r = RUN_EXPECT(1, "serve", "--db", d.db, "--listen", "127.0.0.1:0", "--audit-key", d.cps);
	assert_contains(r.err, "ed25519-public");
	run_free(&r);
}

/* "Who saw this person's data, when, and why." */
static void test_show_person(void **state)
{
	(void)state;
	struct dir d;
	dir_init(&d, "show");
	struct store *s = NULL;
	struct lt_error e = {0};
	assert_int_equal(store_open_sqlite(d.db, &s, &e), LT_OK);
	const struct store_audit_new entries[] = {
		{"user:7", "person.read", "person:42", 42, "safeguarding referral"},
		{"user:9", "person.read", "person:43", 43, "case review"},
		{"user:7", "person.update", "person:42", 42, NULL},
		{"api:herts-police", "person.read", "person:42", 42, "arrest\tfile"},
	};
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		assert_int_equal(store_audit_append(s, &entries[i], &e), LT_OK);
	store_close(s);

	struct run r = RUN_EXPECT(0, "audit", "show", "--db", d.db, "--person", "42");
	assert_contains(r.out, "WHO");
	assert_contains(r.out, "PURPOSE");
	assert_contains(r.out, "safeguarding referral");
	assert_contains(r.out, "arrest?file"); /* control characters are not printed */
	assert_not_contains(r.out, "case review");
	assert_not_contains(r.out, "agency.create");
	/* Oldest first: header, then entries 15, 17, 18. */
	const char *a = strstr(r.out, "\n15 "), *b = strstr(r.out, "\n17 "),
		   *c = strstr(r.out, "\n18 ");
	assert_true(a && b && c && a < b && b < c);
	run_free(&r);

	r = RUN_EXPECT(0, "audit", "show", "--db", d.db, "--person", "42", "--limit", "1");
	assert_contains(r.out, "api:herts-police");
	assert_not_contains(r.out, "user:7");
	run_free(&r);

	r = RUN_EXPECT(0, "audit", "show", "--db", d.db, "--person", "44");
	assert_string_equal(r.out, "no audit entries about person 44\n");
	run_free(&r);

	r = RUN_EXPECT(0, "audit", "show", "--db", d.db);
	assert_contains(r.out, "case review");
	assert_contains(r.out, "agency.create");
	run_free(&r);

	r = RUN_EXPECT(0, "audit", "verify", "--db", d.db);
	assert_string_equal(r.out, "audit chain intact: 18 entries, 0 checkpoints\n");
	run_free(&r);
}

/* Record a person named `name` by caseworker `cw`; its id. */
static int64_t person_add(struct store *s, const struct lt_crypto_keyring *kr,
                          const struct lt_principal *cw, const char *name)
{
	struct lt_person p;
	struct lt_error e = {0};
	lt_person_init(&p);
	assert_int_equal(lt_person_fields[0].parse(&p, name, strlen(name), &e), LT_OK);
	if (store_person_add(s, kr, cw, &p, &e) != LT_OK)
		fail_msg("store_person_add: %s", e.message);
	int64_t id = p.id;
	lt_person_release(&p);
	return id;
}

/* The lines of `out` (audit show) with `action` on `object`. */
static size_t lines_with(const char *out, const char *action, const char *object)
{
	size_t n = 0;
	for (const char *p = out; *p;) {
		size_t len = strcspn(p, "\n");
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		if (strstr(line, action) && strstr(line, object))
			n++;
		p += len + (p[len] == '\n');
	}
	return n;
}

/* A case names persons: its reads and changes are found under each of them
 * by `lantern audit show --person`, in a real database file. */
static void test_show_person_case(void **state)
{
	(void)state;
	struct dir d;
	dir_init(&d, "show-case");
	char dir[1200], keyfile[1300], ids[3][24], object[32];
	snprintf(dir, sizeof(dir), "%s", d.db);
	*strrchr(dir, '/') = '\0';
	snprintf(keyfile, sizeof(keyfile), "%s/data.key", dir);
	struct lt_crypto_keyring kr;
	struct store *s = NULL;
	struct lt_error e = {0};
	assert_int_equal(lt_crypto_keyring_read(keyfile, &kr, &e), LT_OK);
	assert_int_equal(store_open_sqlite(d.db, &s, &e), LT_OK);
	const struct lt_principal cw = {LT_PRINCIPAL_USER, 1, 1, LT_ROLE_CASEWORKER};
	int64_t p = person_add(s, &kr, &cw, "Ana Lungu");
	int64_t q = person_add(s, &kr, &cw, "Ion Lungu");
	int64_t other = person_add(s, &kr, &cw, "Maria Rusu");
	snprintf(ids[0], sizeof(ids[0]), "%lld", (long long)p);
	snprintf(ids[1], sizeof(ids[1]), "%lld", (long long)q);
	snprintf(ids[2], sizeof(ids[2]), "%lld", (long long)other);

	struct lt_case c;
	lt_case_init(&c);
	snprintf(c.ref, sizeof(c.ref), "HC-2024-7");
	c.opened = (struct lt_date){2024, 5, 1};
	c.persons[0] = q; /* in any order */
	c.persons[1] = p;
	c.n_persons = 2;
	if (store_case_open(s, &cw, &c, &e) != LT_OK)
		fail_msg("store_case_open: %s", e.message);
	snprintf(object, sizeof(object), "case:%lld", (long long)c.id);
	struct lt_case got;
	assert_int_equal(store_case_get(s, &cw, c.id, "strategy meeting", &got, &e), LT_OK);
	/* q taken off the case: a change to q's data too */
	const char *vals[] = {ids[0]};
	size_t lens[] = {strlen(ids[0])};
	const struct lt_pfield *f =
	    lt_pfield_find(lt_case_fields, lt_case_field_count, "persons", 7);
	assert_non_null(f);
	struct lt_patch_item item = {f, vals, lens, 1};
	struct lt_patch patch = {&item, 1};
	struct lt_diags dg;
	struct lt_date today = {2024, 6, 1};
	lt_diags_init(&dg);
	assert_int_equal(store_case_update(s, &cw, c.id, &patch, &today, &dg, &e), LT_OK);
	lt_diags_release(&dg);
	assert_int_equal(store_case_get(s, &cw, c.id, "case closure review", &got, &e), LT_OK);
	store_close(s);
	lt_crypto_keyring_wipe(&kr);

	/* p: opened, read twice, changed */
	struct run r = RUN_EXPECT(0, "audit", "show", "--db", d.db, "--person", ids[0]);
	assert_int_equal(lines_with(r.out, "case.create", object), 1);
	assert_int_equal(lines_with(r.out, "case.read", object), 2);
	assert_int_equal(lines_with(r.out, "strategy meeting", object), 1);
	assert_int_equal(lines_with(r.out, "case closure review", object), 1);
	assert_int_equal(lines_with(r.out, "case.update", object), 1);
	run_free(&r);
	/* q: opened, read once, taken off; the read after that is not q's */
	r = RUN_EXPECT(0, "audit", "show", "--db", d.db, "--person", ids[1]);
	assert_int_equal(lines_with(r.out, "case.create", object), 1);
	assert_int_equal(lines_with(r.out, "case.read", object), 1);
	assert_int_equal(lines_with(r.out, "strategy meeting", object), 1);
	assert_int_equal(lines_with(r.out, "case.update", object), 1);
	assert_not_contains(r.out, "case closure review");
	run_free(&r);
	/* a person the case never named */
	r = RUN_EXPECT(0, "audit", "show", "--db", d.db, "--person", ids[2]);
	assert_int_equal(lines_with(r.out, "case.", object), 0);
	assert_contains(r.out, "person.create");
	run_free(&r);
	r = RUN_EXPECT(0, "audit", "verify", "--db", d.db);
	assert_contains(r.out, "audit chain intact");
	run_free(&r);
}

/* The README and docs/security.md document the commands. */
static void test_docs(void **state)
{
	(void)state;
	char *readme = slurp_source("README.md");
	static const char *const cmds[] = {"lantern audit verify", "lantern audit checkpoint",
	                                   "lantern audit show",   "--checkpoint FILE",
	                                   "--person ID",          "audit.key"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		assert_contains(readme, cmds[i]);
	free(readme);
	char *sec = slurp_source("docs/security.md");
	assert_contains(sec, "## Audit");
	assert_contains(sec, "lantern audit verify");
	free(sec);
}

int main(void)
{
	if (lt_crypto_init() != LT_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_makes_audit_key),
		cmocka_unit_test(test_verify_and_checkpoint),
		cmocka_unit_test(test_verify_detects_tampering),
		cmocka_unit_test(test_verify_bad_input),
		cmocka_unit_test(test_show_person),
		cmocka_unit_test(test_show_person_case),
		cmocka_unit_test(test_docs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
