/*
 * cmd_keys.c — `lantern key init|rotate|status`: the data key file, the
 * master key of personal data at rest (docs/security.md, "Personal data and
 * keys"; docs/operations.md, "Keys").
 *
 *   init    creates the data key file (mode 0600) with key 1; the database
 *           records the key with the first person sealed under it. Refused
 *           when the database already knows a data key: a new file would
 *           open nothing that is sealed; the old one must be restored from
 *           its copy.
 *   rotate  moves every person to a new master key. It adds key N+1 to the
 *           file (an atomic replacement of the file), re-encrypts the
 *           persons in batches of LT_KEY_ROTATE_BATCH, each batch one
 *           transaction, and when none is left under an older key, the
 *           database retires the older keys and the file drops them. Run
 *           again after any interruption — a crash, Ctrl-C, --limit — it
 *           resumes: a file that holds two keys means a rotation to finish.
 *   status  the keys of the file and of the database, how many persons each
 *           wraps, and whether the file opens everything.
 *
 * The file is --data-key PATH, else $LANTERN_DATA_KEY, else data.key beside
 * the database. It is neither the sealing key (lantern.key) nor the audit
 * key (audit.key). The key never appears on the command line or in any
 * output.
 */
#include "cli/cli.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "core/banned.h"

#define OPT_LIMIT 2101

const char *cli_data_key_path(const struct cli_common *c, const char *given, char *buf, size_t cap)
{
	if (given)
		return given;
	const char *env = getenv("LANTERN_DATA_KEY");
	if (env && *env)
		return env;
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", c->db);
	snprintf(buf, cap, "%s/data.key", dirname(tmp));
	return buf;
}

lt_status cli_data_key_load(const char *path, struct lt_crypto_keyring *kr, struct lt_error *err)
{
	struct stat sb;
	lt_status st = lt_crypto_keyring_read(path, kr, err);
	if (st == LT_OK && stat(path, &sb) == 0 && (sb.st_mode & 077))
		fprintf(stderr,
		        "lantern: warning: %s can be read by other users of this machine "
		        "(chmod 600 %s)\n",
		        path, path);
	return st;
}

lt_status cli_data_key_register(struct store *s, const char *path, struct lt_error *err)
{
	struct lt_crypto_keyring kr;
	lt_status st;
	memset(&kr, 0, sizeof(kr));
	if ((st = cli_data_key_load(path, &kr, err)) == LT_OK)
		st = store_data_keys_register(s, &kr, "cli", err);
	lt_crypto_keyring_wipe(&kr);
	return st;
}

static int key_init(struct store *s, const char *path)
{
	struct store_key_status ks;
	struct lt_error err;
	lt_status st;

	lt_error_clear(&err);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "lantern key init: %s already exists (see 'lantern key status')\n",
		        path);
		return CLI_EXIT_FAIL;
	}
	if ((st = store_data_keys_status(s, NULL, &ks, &err)) != LT_OK)
		return cli_fail("lantern key init", st, &err);
	if (ks.n > 0) {
		fprintf(stderr,
		        "lantern key init: the database already has data key %lu, and a new key "
		        "file would open none of its %ld persons; restore the data key file from "
		        "its copy (docs/operations.md, \"Keys\")\n",
		        (unsigned long)ks.keys[ks.n - 1].id, ks.persons);
		return CLI_EXIT_FAIL;
	}
	/* The database records the key at once, audited as the command line's
	 * ("datakey.add" by cli), not later by whoever records the first person. */
	if ((st = lt_crypto_keyring_create(path, 1, &err)) != LT_OK)
		return cli_fail("lantern key init", st, &err);
	if ((st = cli_data_key_register(s, path, &err)) != LT_OK) {
		fprintf(stderr,
		        "lantern key init: created %s, but the database could not record it; "
		        "'lantern key status' says what to do\n",
		        path);
		return cli_fail("lantern key init", st, &err);
	}
	printf("created data key file %s (key 1): it opens every person's data; keep a copy "
	       "apart from the database's backups\n",
	       path);
	return CLI_EXIT_OK;
}

static void ids_text(const struct lt_crypto_keyring *kr, size_t from, size_t to, char *out,
                     size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = from; i < to && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%lu", i > from ? ", " : "",
		                      (unsigned long)kr->keys[i].id);
}

static int key_rotate(struct store *s, const char *path, size_t limit)
{
	struct lt_crypto_keyring kr;
	struct lt_error err;
	size_t done = 0, left = 0;
	char old[64];
	lt_status st;
	int rc = CLI_EXIT_OK;

	lt_error_clear(&err);
	if ((st = cli_data_key_load(path, &kr, &err)) != LT_OK)
		return cli_fail("lantern key rotate", st, &err);
	if (kr.n == 1) {
		if ((st = lt_crypto_keyring_add(&kr, &err)) != LT_OK ||
		    (st = lt_crypto_keyring_write(path, &kr, &err)) != LT_OK) {
			rc = cli_fail("lantern key rotate", st, &err);
			goto out;
		}
		printf("added data key %lu to %s\n", (unsigned long)kr.keys[1].id, path);
	} else {
		printf("resuming the rotation to data key %lu\n",
		       (unsigned long)lt_crypto_keyring_current(&kr)->id);
	}
	st = store_data_keys_rotate(s, &kr, "cli", limit, &done, &left, &err);
	if (st != LT_OK) {
		printf(
		    "re-encrypted %zu persons before the failure; run 'lantern key rotate' again "
		    "to resume\n",
		    done);
		rc = cli_fail("lantern key rotate", st, &err);
		goto out;
	}
	if (left > 0) {
		printf(
		    "re-encrypted %zu persons under data key %lu; %zu remain under an older key: "
		    "run 'lantern key rotate' again to finish (%s keeps both keys until then)\n",
		    done, (unsigned long)lt_crypto_keyring_current(&kr)->id, left, path);
		goto out;
	}
	ids_text(&kr, 0, kr.n - 1, old, sizeof(old));
	lt_crypto_keyring_keep_current(&kr);
	if ((st = lt_crypto_keyring_write(path, &kr, &err)) != LT_OK) {
		rc = cli_fail("lantern key rotate", st, &err);
		goto out;
	}
	printf("rotation finished: %zu persons re-encrypted under data key %lu; data key %s "
	       "retired and removed from %s\n",
	       done, (unsigned long)kr.keys[0].id, old, path);
	printf("replace the copy of the data key file kept apart from the backups; backups made "
	       "before now need the old file\n");
out:
	lt_crypto_keyring_wipe(&kr);
	return rc;
}

static int key_status(struct store *s, const char *path)
{
	struct lt_crypto_keyring kr;
	struct store_key_status ks;
	struct lt_error err;
	bool have = false, ok = true;
	char ids[64];
	lt_status st;

	lt_error_clear(&err);
	memset(&kr, 0, sizeof(kr));
	st = cli_data_key_load(path, &kr, &err);
	if (st == LT_OK) {
		have = true;
		ids_text(&kr, 0, kr.n, ids, sizeof(ids));
		printf("data key file %s: key%s %s (current %lu)\n", path, kr.n > 1 ? "s" : "", ids,
		       (unsigned long)lt_crypto_keyring_current(&kr)->id);
	} else if (st == LT_ENOTFOUND) {
		printf("data key file %s: missing\n", path);
	} else {
		return cli_fail("lantern key status", st, &err);
	}
	st = store_data_keys_status(s, have ? &kr : NULL, &ks, &err);
	if (st != LT_OK) {
		lt_crypto_keyring_wipe(&kr);
		return cli_fail("lantern key status", st, &err);
	}
	if (ks.n == 0) {
		printf("the database has no data key yet (%s)\n",
		       have ? "it records one with the first person" : "run 'lantern key init'");
	} else {
		printf("%-5s %-24s  %-24s  %8s  %s\n", "KEY", "ADDED (UTC)", "RETIRED (UTC)",
		       "PERSONS", "IN THE KEY FILE");
		for (size_t i = 0; i < ks.n; i++) {
			const struct store_key_info *k = &ks.keys[i];
			const char *in = !k->in_keyring ? "no"
			                 : !k->check_ok ? "ANOTHER KEY under this id"
			                 : k->id == lt_crypto_keyring_current(&kr)->id
			                     ? "yes (current)"
			                     : "yes";
			printf("%-5lu %-24s  %-24s  %8ld  %s\n", (unsigned long)k->id, k->added_at,
			       k->retired_at[0] ? k->retired_at : "-", k->persons, in);
			if (k->persons > 0 && (!k->in_keyring || !k->check_ok))
				ok = false;
		}
	}
	printf("persons: %ld (%ld erased)\n", ks.persons, ks.erased);
	if (have && ks.not_current > 0)
		printf("%ld persons are under an older key: run 'lantern key rotate' to finish the "
		       "rotation\n",
		       ks.not_current);
	if (!ok)
		fprintf(stderr, "lantern key status: the data key file does not open every person: "
		                "restore the right file from its copy\n");
	lt_crypto_keyring_wipe(&kr);
	return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cli_cmd_key(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data-key", required_argument, NULL, CLI_OPT_DATA_KEY},
	    {"limit", required_argument, NULL, OPT_LIMIT},
	    CLI_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct cli_common c;
	struct store *s = NULL;
	const char *data_key = NULL;
	char buf[4200];
	size_t limit = 0;
	int opt, rc;

	cli_common_init(&c);
	optind = 1;
	while ((opt = cli_next_option(&c, "key", argc, argv, opts, &rc)) >= 0) {
		switch (opt) {
		case CLI_OPT_DATA_KEY:
			data_key = optarg;
			break;
		case OPT_LIMIT: {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || v == 0 || v > 100000000ULL ||
			    optarg[0] == '-')
				return cli_usage("key", "--limit: '%s' is not a number of persons",
				                 optarg);
			limit = (size_t)v;
			break;
		}
		}
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (argc - optind != 1)
		return cli_usage("key", "expected 'init', 'rotate' or 'status'");
	const char *sub = argv[optind];
	bool init = strcmp(sub, "init") == 0, rotate = strcmp(sub, "rotate") == 0,
	     status = strcmp(sub, "status") == 0;
	if (!init && !rotate && !status)
		return cli_usage("key", "'%s': expected 'init', 'rotate' or 'status'", sub);
	if (limit && !rotate)
		return cli_usage("key", "--limit goes with 'key rotate'");
	cli_common_finish(&c);
	const char *path = cli_data_key_path(&c, data_key, buf, sizeof(buf));

	rc = cli_open_store(&c, &s);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (init)
		rc = key_init(s, path);
	else if (rotate)
		rc = key_rotate(s, path, limit);
	else
		rc = key_status(s, path);
	store_close(s);
	return rc;
}
