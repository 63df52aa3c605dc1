/*
 * cmd_backup.c — `lantern backup PATH` and `lantern restore BACKUP`: copies
 * of the database taken while it is in use, and putting one back
 * (docs/operations.md, "Backup and restore").
 *
 *   backup PATH     writes a consistent copy of the database, as of one
 *                   instant, to the new file PATH (never overwriting one),
 *                   while `lantern serve` goes on reading and writing
 *                   (store_backup). It prints what it copied and reminds
 *                   the operator that the key files are not in the copy.
 *   restore BACKUP  checks BACKUP and copies it to --db, which must be free
 *                   (store_restore_sqlite); then opens it — bringing an
 *                   older backup's schema up to date — verifies its audit
 *                   chain (with the audit key's public line when the key
 *                   file is there) and prints what it holds. Exit 1 when
 *                   the chain is broken; the restored file stays, for
 *                   inspection.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/crypto.h"
#include "core/banned.h"

/* Count what a database holds, for the summary line. */
static void summary(struct store *s, long *reports, int64_t *entries)
{
	struct lt_error err;
	struct store_audit_entry *tail = NULL;
	size_t n = 0;
	lt_error_clear(&err);
	*reports = -1;
	*entries = -1;
	if (store_report_count(s, reports, &err) != LT_OK)
		*reports = -1;
	if (store_audit_tail(s, 1, &tail, &n, &err) == LT_OK)
		*entries = n ? tail[0].id : 0;
	free(tail);
}

/* Print the key files a backup does not hold, and whether each is there. */
static void keys_reminder(const struct cli_common *c, const char *audit_key)
{
	struct stat sb;
	printf("The key files are not in the backup. Keep a copy of each, apart from the "
	       "backup and safe:\n");
	printf("  %s  the sealing key%s: without its secret line no contact detail in any "
	       "backup can be read\n",
	       c->key, stat(c->key, &sb) == 0 ? "" : " (not found)");
	printf("  %s  the audit signing key%s: partners check checkpoints against it\n", audit_key,
	       stat(audit_key, &sb) == 0 ? "" : " (not found)");
	char buf[4200];
	const char *data_key = cli_data_key_path(c, NULL, buf, sizeof(buf));
	printf("  %s  the data key%s: without it no person's data in any backup can be read\n",
	       data_key, stat(data_key, &sb) == 0 ? "" : " (not found)");
}

int cli_cmd_backup(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"audit-key", required_argument, NULL, CLI_OPT_AUDIT_KEY},
	    CLI_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct cli_common c;
	struct lt_error err;
	struct store *s = NULL;
	const char *audit_key = NULL;
	char audit_buf[4200];
	struct stat sb;
	int opt, rc;

	cli_common_init(&c);
	lt_error_clear(&err);
	optind = 1;
	while ((opt = cli_next_option(&c, "backup", argc, argv, opts, &rc)) >= 0) {
		switch (opt) {
		case CLI_OPT_AUDIT_KEY:
			audit_key = optarg;
			break;
		}
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (optind + 1 != argc)
		return cli_usage("backup",
		                 optind == argc ? "the path of the backup is missing"
		                                : "unexpected argument '%s'",
		                 argv[optind + (optind < argc)]);
	cli_common_finish(&c);
	const char *path = argv[optind];
	if (stat(c.db, &sb) != 0) {
		fprintf(stderr, "lantern backup: no database at %s: %s\n", c.db, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if ((rc = cli_open_store(&c, &s)) != CLI_EXIT_OK)
		return rc;
	lt_status st = store_backup(s, path, &err);
	if (st != LT_OK) {
		store_close(s);
		return cli_fail("lantern backup", st, &err);
	}
	long reports;
	int64_t entries;
	summary(s, &reports, &entries);
	store_close(s);
	printf("backed up %s to %s (%lld bytes): %ld reports, %lld audit entries\n", c.db, path,
	       stat(path, &sb) == 0 ? (long long)sb.st_size : -1LL, reports, (long long)entries);
	keys_reminder(&c, cli_audit_key_path(&c, audit_key, audit_buf, sizeof(audit_buf)));
	return CLI_EXIT_OK;
}

int cli_cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"audit-key", required_argument, NULL, CLI_OPT_AUDIT_KEY},
	    CLI_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct cli_common c;
	struct lt_error err;
	struct store *s = NULL;
	struct store_audit_verdict v;
	struct lt_crypto_sign_key key;
	const char *audit_key = NULL;
	char audit_buf[4200];
	bool have_key = false;
	int opt, rc;

	cli_common_init(&c);
	lt_error_clear(&err);
	optind = 1;
	while ((opt = cli_next_option(&c, "restore", argc, argv, opts, &rc)) >= 0) {
		switch (opt) {
		case CLI_OPT_AUDIT_KEY:
			audit_key = optarg;
			break;
		}
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (optind + 1 != argc)
		return cli_usage("restore",
		                 optind == argc ? "the backup to restore is missing"
		                                : "unexpected argument '%s'",
		                 argv[optind + (optind < argc)]);
	cli_common_finish(&c);
	const char *backup = argv[optind];

	lt_status st = store_restore_sqlite(backup, c.db, &err);
	if (st != LT_OK)
		return cli_fail("lantern restore", st, &err);
	if ((rc = cli_open_store(&c, &s)) != CLI_EXIT_OK)
		return rc;

	/* The chain, and the checkpoints against the audit key when it is here. */
	const char *kp = cli_audit_key_path(&c, audit_key, audit_buf, sizeof(audit_buf));
	lt_error_clear(&err);
	if (lt_crypto_sign_keyfile_read(kp, 0, &key, &err) == LT_OK)
		have_key = true;
	else if (audit_key)
		fprintf(stderr, "lantern restore: %s: %s; checkpoints are checked without it\n", kp,
		        err.message);
	lt_error_clear(&err);
	st = store_audit_verify(s, have_key ? key.pk : NULL, NULL, 0, &v, &err);
	if (have_key)
		lt_crypto_sign_key_wipe(&key);
	long reports;
	int64_t entries;
	summary(s, &reports, &entries);
	store_close(s);
	if (st != LT_OK)
		return cli_fail("lantern restore", st, &err);
	printf("restored %s to %s: schema version %d, %ld reports, %lld audit entries\n", backup,
	       c.db, store_schema_version(), reports, (long long)entries);
	if (!v.intact) {
		printf("audit chain broken: %s\n", v.problem);
		fprintf(stderr,
		        "lantern restore: the audit chain of the restored database is broken "
		        "(see 'lantern audit verify'); it is left at %s for inspection\n",
		        c.db);
		return CLI_EXIT_FAIL;
	}
	printf("audit chain intact: %lld entries, %zu checkpoints%s\n", (long long)v.entries,
	       v.checkpoints, have_key ? " signed with the audit key" : "");
	return CLI_EXIT_OK;
}
