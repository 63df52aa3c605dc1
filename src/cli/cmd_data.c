/*
 * cmd_data.c — `lantern init` and `lantern import`: the subcommands that put
 * data into the store (`lantern agency` is in cmd_accounts.c).
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/demo.h"
#include "core/import.h"
#include "crypto/crypto.h"
#include "core/banned.h"

void cli_assign_refs(struct lt_report *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lt_ref_format(lt_crypto_random_u64(), r[i].ref);
}

lt_status cli_seal_contacts(const char *keyfile, struct lt_report *r, size_t n,
			    struct lt_error *err)
{
	struct lt_crypto_keypair kp;
	int have_key = 0;
	lt_status st = LT_OK;
	for (size_t i = 0; i < n && st == LT_OK; i++) {
		if (!r[i].contact)
			continue;
		if (!have_key) {
			st = lt_crypto_keyfile_read(keyfile, 0, &kp, err);
			if (st != LT_OK)
				break;
			have_key = 1;
		}
		free(r[i].contact_sealed);
		r[i].contact_sealed = NULL;
		st = lt_crypto_seal(kp.pk, r[i].contact, strlen(r[i].contact), &r[i].contact_sealed,
				    &r[i].contact_sealed_len);
		if (st != LT_OK)
			lt_error_set(err, st, "contact", "could not seal the contact details");
		/* The plain text is not needed once sealed. */
		lt_crypto_free_secret(r[i].contact, strlen(r[i].contact));
		r[i].contact = NULL;
	}
	if (have_key)
		lt_crypto_keypair_wipe(&kp);
	return st;
}

/* Insert reports, drawing new reference codes if one clashes. */
static lt_status insert_reports(struct store *s, struct lt_report *r, size_t n,
				struct lt_error *err)
{
	lt_status st = LT_EEXIST;
	for (int attempt = 0; attempt < 5 && st == LT_EEXIST; attempt++) {
		if (attempt)
			cli_assign_refs(r, n);
		lt_error_clear(err);
		st = store_reports_insert(s, r, n, "cli", err);
	}
	return st;
}

static int file_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

int cli_cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"demo", no_argument, NULL, 'd'},
		{"audit-key", required_argument, NULL, CLI_OPT_AUDIT_KEY},
		{"data-key", required_argument, NULL, CLI_OPT_DATA_KEY},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_common c;
	int demo = 0, opt;
	struct store *s = NULL;
	struct lt_error err;
	struct lt_demo d;
	int rc = CLI_EXIT_OK;
	lt_status st;
	const char *audit_key = NULL, *data_key = NULL;
	char audit_keybuf[4200], data_keybuf[4200];

	cli_common_init(&c);
	memset(&d, 0, sizeof(d));
	lt_error_clear(&err);
	optind = 1;
	while ((opt = cli_next_option(&c, "init", argc, argv, opts, &rc)) >= 0) {
		if (opt == 'd')
			demo = 1;
		else if (opt == CLI_OPT_AUDIT_KEY)
			audit_key = optarg;
		else if (opt == CLI_OPT_DATA_KEY)
			data_key = optarg;
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (optind != argc)
		return cli_usage("init", "unexpected argument '%s'", argv[optind]);
	cli_common_finish(&c);

	if (!file_exists(c.key)) {
		st = lt_crypto_keyfile_create(c.key, &err);
		if (st != LT_OK)
			return cli_fail("lantern init", st, &err);
		printf("created key file %s (keep its secret line offline in production)\n", c.key);
	}
	audit_key = cli_audit_key_path(&c, audit_key, audit_keybuf, sizeof(audit_keybuf));
	if (!file_exists(audit_key)) {
		st = lt_crypto_sign_keyfile_create(audit_key, &err);
		if (st != LT_OK)
			return cli_fail("lantern init", st, &err);
		printf("created audit signing key %s (it signs checkpoints of the audit log)\n",
		       audit_key);
	}
	rc = cli_open_store(&c, &s);
	if (rc != CLI_EXIT_OK)
		return rc;
	/* The data key: made with the database, never for a database that
	 * already has one (`lantern key status` says what to do then), and
	 * recorded in it at once, so its "datakey.add" names the command line
	 * rather than whoever records the first person. */
	data_key = cli_data_key_path(&c, data_key, data_keybuf, sizeof(data_keybuf));
	struct store_key_status ks;
	st = store_data_keys_status(s, NULL, &ks, &err);
	if (st == LT_OK && ks.n == 0) {
		if (!file_exists(data_key)) {
			st = lt_crypto_keyring_create(data_key, 1, &err);
			if (st == LT_OK)
				printf("created data key file %s (it encrypts personal data; keep a "
				       "copy apart from the backups)\n",
				       data_key);
		}
		if (st == LT_OK)
			st = cli_data_key_register(s, data_key, &err);
	} else if (st == LT_OK && !file_exists(data_key)) {
		fprintf(stderr,
			"lantern init: warning: the data key file %s is missing, and the "
			"database has data key %lu: restore the file from its copy\n",
			data_key, (unsigned long)ks.keys[ks.n - 1].id);
	}
	if (st != LT_OK) {
		rc = cli_fail("lantern init", st, &err);
		goto out;
	}
	if (!demo) {
		printf("database %s is ready (schema version %d)\n", c.db, store_schema_version());
		goto out;
	}

	long nreports = 0;
	struct lt_agency *ag = NULL;
	size_t nag = 0;
	st = store_report_count(s, &nreports, &err);
	if (st == LT_OK)
		st = store_agency_list(s, &ag, &nag, &err);
	free(ag);
	if (st != LT_OK) {
		rc = cli_fail("lantern init", st, &err);
		goto out;
	}
	if (nreports || nag) {
		fprintf(stderr, "lantern init: %s already holds data; the demo data goes only into a new, empty database\n", c.db);
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	st = lt_demo_build(LT_DEMO_SEED, &d, &err);
	for (size_t i = 0; i < d.n_agencies && st == LT_OK; i++)
		st = store_agency_add(s, &d.agencies[i], "cli", &err);
	if (st == LT_OK)
		st = store_arrests_insert(s, d.arrests, d.n_arrests, "cli", &err);
	if (st == LT_OK)
		st = cli_seal_contacts(c.key, d.reports, d.n_reports, &err);
	if (st == LT_OK)
		st = insert_reports(s, d.reports, d.n_reports, &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern init", st, &err);
		goto out;
	}
	printf("database %s is ready with the demo data: %zu agencies, %zu arrests, %zu reports\n",
	       c.db, d.n_agencies, d.n_arrests, d.n_reports);
out:
	lt_demo_release(&d);
	store_close(s);
	return rc;
}

static void print_diags(const char *file, const struct lt_diags *d)
{
	for (size_t i = 0; i < d->count; i++) {
		const struct lt_error *e = &d->items[i];
		if (e->field[0])
			fprintf(stderr, "%s:%ld: column '%s': %s\n", file, e->line, e->field, e->message);
		else
			fprintf(stderr, "%s:%ld: %s\n", file, e->line, e->message);
	}
	if (d->dropped)
		fprintf(stderr, "%s: ... and %zu more errors\n", file, d->dropped);
	fprintf(stderr, "%s: %zu error%s; nothing was imported\n", file, lt_diags_total(d),
		lt_diags_total(d) == 1 ? "" : "s");
}

int cli_cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
	struct cli_common c;
	struct store *s = NULL;
	struct store_known k;
	struct lt_error err;
	struct lt_diags d;
	char *data = NULL;
	size_t len = 0;
	int rc = CLI_EXIT_OK, opt;
	lt_status st;

	cli_common_init(&c);
	memset(&k, 0, sizeof(k));
	lt_diags_init(&d);
	lt_error_clear(&err);
	optind = 1;
	while ((opt = cli_next_option(&c, "import", argc, argv, opts, &rc)) >= 0)
		; /* import has only the common options */
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (argc - optind != 2)
		return cli_usage("import", "expected 'arrests' or 'reports' and a FILE.csv");
	const char *what = argv[optind], *file = argv[optind + 1];
	int reports = strcmp(what, "reports") == 0;
	if (!reports && strcmp(what, "arrests") != 0)
		return cli_usage("import", "unknown kind '%s' (expected arrests or reports)", what);
	cli_common_finish(&c);

	st = cli_read_file(file, LT_IMPORT_FILE_MAX, &data, &len, &err);
	if (st != LT_OK)
		return cli_fail("lantern import", st, &err);
	rc = cli_open_store(&c, &s);
	if (rc != CLI_EXIT_OK)
		goto out;
	st = store_known_load(s, &k, &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern import", st, &err);
		goto out;
	}
	if (reports) {
		struct lt_report *r = NULL;
		size_t n = 0;
		st = lt_import_reports(data, len, &k.known, &r, &n, &d);
		if (st != LT_OK) {
			print_diags(file, &d);
			rc = CLI_EXIT_FAIL;
			goto out;
		}
		cli_assign_refs(r, n);
		st = cli_seal_contacts(c.key, r, n, &err);
		if (st == LT_OK && n)
			st = insert_reports(s, r, n, &err);
		lt_import_reports_free(r, n);
		if (st != LT_OK) {
			rc = cli_fail("lantern import: nothing was imported", st, &err);
			goto out;
		}
		printf("imported %zu report%s from %s\n", n, n == 1 ? "" : "s", file);
	} else {
		struct lt_arrest *a = NULL;
		size_t n = 0;
		st = lt_import_arrests(data, len, &k.known, &a, &n, &d);
		if (st != LT_OK) {
			print_diags(file, &d);
			rc = CLI_EXIT_FAIL;
			goto out;
		}
		if (n)
			st = store_arrests_insert(s, a, n, "cli", &err);
		free(a);
		if (st != LT_OK) {
			rc = cli_fail("lantern import: nothing was imported", st, &err);
			goto out;
		}
		printf("imported %zu arrest%s from %s\n", n, n == 1 ? "" : "s", file);
	}
out:
	free(data);
	lt_diags_release(&d);
	store_known_release(&k);
	store_close(s);
	return rc;
}
