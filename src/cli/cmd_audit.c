/*
 * cmd_audit.c — `lantern audit verify|checkpoint|show`: the command line of
 * the tamper-evident audit log (docs/security.md, "Audit").
 *
 *   verify      walks the whole hash chain and checks every stored
 *               checkpoint and every checkpoint line given with
 *               --checkpoint FILE (copies held by partners). Exit 0 and
 *               "audit chain intact: N entries, K checkpoints", or exit 1 and
 *               the first problem, e.g. "audit chain broken: entry 1234: hash
 *               does not match its contents (edited?)".
 *   checkpoint  appends an "audit.checkpoint" entry, signs a checkpoint of it
 *               with the audit key and prints it as one line of JSON, to be
 *               appended to a file and handed to partners.
 *   show        lists entries — who, when, what, about which person, why —
 *               the newest --limit, oldest first; --person ID keeps those
 *               about one person.
 *
 * The audit key is the Ed25519 key file `audit.key` beside the database
 * (--audit-key PATH or $LANTERN_AUDIT_KEY elsewhere), created by `lantern
 * init`. verify needs only its public line, or --public-key HEX; checkpoint
 * needs its seed.
 *
 * A checkpoint file holds one checkpoint line per line; blank lines and
 * lines starting with '#' are skipped, so partners can annotate theirs.
 */
#include "cli/cli.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/buf.h"
#include "crypto/crypto.h"
#include "core/banned.h"

#define OPT_CHECKPOINT 2001
#define OPT_PUBLIC_KEY 2002
#define OPT_PERSON 2003
#define OPT_LIMIT 2004

/* Checkpoint files given to one verify, and checkpoint lines read from them. */
#define HELD_FILES_MAX 64
#define HELD_MAX 100000

const char *cli_audit_key_path(const struct cli_common *c, const char *given, char *buf,
			       size_t cap)
{
	if (given)
		return given;
	const char *env = getenv("LANTERN_AUDIT_KEY");
	if (env && *env)
		return env;
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", c->db);
	snprintf(buf, cap, "%s/audit.key", dirname(tmp));
	return buf;
}

/* Read the checkpoint lines of `path` into *held (grown; *n counts). */
static int read_held(const char *path, struct store_audit_held **held, size_t *n)
{
	struct lt_error err;
	char *text = NULL;
	size_t len = 0;
	lt_error_clear(&err);
	lt_status st = cli_read_file(path, (size_t)HELD_MAX * (LT_AUDIT_LINE_MAX + 1), &text, &len,
				     &err);
	if (st != LT_OK)
		return cli_fail("lantern audit verify", st, &err);
	long line = 0;
	int rc = CLI_EXIT_OK;
	for (char *p = text; p < text + len && rc == CLI_EXIT_OK;) {
		char *nl = memchr(p, '\n', (size_t)(text + len - p));
		char *end = nl ? nl : text + len;
		line++;
		char *q = p;
		while (q < end && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < end && *q != '#') {
			if (*n == HELD_MAX) {
				fprintf(stderr, "lantern audit verify: more than %d checkpoints given\n",
					HELD_MAX);
				rc = CLI_EXIT_FAIL;
				break;
			}
			struct store_audit_held *nh = realloc(*held, (*n + 1) * sizeof(**held));
			if (!nh) {
				fprintf(stderr, "lantern audit verify: out of memory\n");
				rc = CLI_EXIT_FAIL;
				break;
			}
			*held = nh;
			struct store_audit_held *h = &nh[*n];
			memset(h, 0, sizeof(*h));
			lt_error_clear(&err);
			if (lt_audit_checkpoint_parse(p, (size_t)(end - p), &h->cp, &err) != LT_OK) {
				fprintf(stderr, "lantern audit verify: %s:%ld: %s%s%s\n", path, line,
					err.field[0] ? err.field : "", err.field[0] ? ": " : "",
					err.message);
				rc = CLI_EXIT_FAIL;
				break;
			}
			snprintf(h->label, sizeof(h->label), "%s:%ld", path, line);
			(*n)++;
		}
		p = nl ? nl + 1 : text + len;
	}
	free(text);
	return rc;
}

static int parse_hex_key(const char *hex, unsigned char out[LT_AUDIT_KEY_BYTES])
{
	if (strlen(hex) != 2 * LT_AUDIT_KEY_BYTES)
		return 0;
	for (size_t i = 0; i < LT_AUDIT_KEY_BYTES; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char ch = hex[2 * i + (size_t)k];
			v <<= 4;
			if (ch >= '0' && ch <= '9')
				v |= (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				v |= (unsigned)(ch - 'a' + 10);
			else if (ch >= 'A' && ch <= 'F')
				v |= (unsigned)(ch - 'A' + 10);
			else
				return 0;
		}
		out[i] = (unsigned char)v;
	}
	return 1;
}

static int audit_verify(struct store *s, const char *keypath, const char *public_hex,
			char *const *files, size_t n_files)
{
	struct store_audit_held *held = NULL;
	size_t n_held = 0;
	struct store_audit_verdict v;
	struct lt_error err;
	unsigned char pk[LT_AUDIT_KEY_BYTES];
	const unsigned char *trusted = NULL;
	int rc = CLI_EXIT_OK;

	lt_error_clear(&err);
	if (public_hex) {
		if (!parse_hex_key(public_hex, pk))
			return cli_usage("audit", "--public-key: expected 64 hex digits");
		trusted = pk;
	} else {
		struct lt_crypto_sign_key k;
		lt_status st = lt_crypto_sign_keyfile_read(keypath, 0, &k, &err);
		if (st == LT_OK) {
			memcpy(pk, k.pk, sizeof(pk));
			trusted = pk;
		} else if (st == LT_ENOTFOUND) {
			fprintf(stderr,
				"lantern audit verify: warning: no audit key at %s and no "
				"--public-key: checkpoint signatures are checked, but not that the "
				"audit key made them\n",
				keypath);
		} else {
			lt_crypto_sign_key_wipe(&k);
			return cli_fail("lantern audit verify", st, &err);
		}
		lt_crypto_sign_key_wipe(&k);
	}
	for (size_t i = 0; i < n_files && rc == CLI_EXIT_OK; i++)
		rc = read_held(files[i], &held, &n_held);
	if (rc != CLI_EXIT_OK)
		goto out;
	lt_status st = store_audit_verify(s, trusted, held, n_held, &v, &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern audit verify", st, &err);
		goto out;
	}
	if (v.intact) {
		printf("audit chain intact: %lld entr%s, %zu checkpoint%s", (long long)v.entries,
		       v.entries == 1 ? "y" : "ies", v.checkpoints, v.checkpoints == 1 ? "" : "s");
		if (v.held)
			printf(" (%zu from --checkpoint files)", v.held);
		putchar('\n');
	} else {
		fprintf(stderr, "audit chain broken: %s\n", v.problem);
		rc = CLI_EXIT_FAIL;
	}
out:
	free(held);
	return rc;
}

static int audit_checkpoint(struct store *s, const char *keypath)
{
	struct lt_crypto_sign_key k;
	struct lt_audit_checkpoint c;
	struct lt_error err;
	struct lt_buf line;
	lt_error_clear(&err);
	lt_status st = lt_crypto_sign_keyfile_read(keypath, 1, &k, &err);
	if (st == LT_OK)
		st = store_audit_checkpoint_add(s, &k, "cli", &c, &err);
	lt_crypto_sign_key_wipe(&k);
	if (st != LT_OK)
		return cli_fail("lantern audit checkpoint", st, &err);
	lt_buf_init(&line, LT_AUDIT_LINE_MAX + 2);
	st = lt_audit_checkpoint_format(&c, &line);
	if (st == LT_OK)
		fputs(lt_buf_str(&line), stdout);
	lt_buf_release(&line);
	return st == LT_OK ? CLI_EXIT_OK : cli_fail("lantern audit checkpoint", st, NULL);
}

/* Print `s` with control characters as '?', padded to `width` bytes. */
static void print_clean(const char *s, int width)
{
	int n = 0;
	for (; *s; s++, n++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	for (; n < width; n++)
		putchar(' ');
}

static int audit_show(struct store *s, int64_t person, size_t limit)
{
	struct store_audit_query q = {0, person, limit, true};
	struct store_audit_entry *v = NULL;
	size_t n = 0;
	struct lt_error err;
	lt_error_clear(&err);
	lt_status st = store_audit_list(s, &q, &v, &n, &err);
	if (st != LT_OK)
		return cli_fail("lantern audit show", st, &err);
	if (n == 0) {
		if (person)
			printf("no audit entries about person %lld\n", (long long)person);
		else
			printf("no audit entries\n");
		free(v);
		return CLI_EXIT_OK;
	}
	printf("%-8s %-24s %-20s %-18s %-24s %-8s %s\n", "ENTRY", "WHEN (UTC)", "WHO", "ACTION",
	       "OBJECT", "PERSON", "PURPOSE");
	/* Oldest first, so the last line is the latest. */
	for (size_t i = n; i-- > 0;) {
		const struct store_audit_entry *e = &v[i];
		char pers[24];
		if (e->person)
			snprintf(pers, sizeof(pers), "%lld", (long long)e->person);
		else
			snprintf(pers, sizeof(pers), "-");
		printf("%-8lld ", (long long)e->id);
		print_clean(e->at, 24);
		putchar(' ');
		print_clean(e->actor, 20);
		putchar(' ');
		print_clean(e->action, 18);
		putchar(' ');
		print_clean(e->object, 24);
		printf(" %-8s ", pers);
		print_clean(e->purpose[0] ? e->purpose : "-", 0);
		putchar('\n');
	}
	free(v);
	return CLI_EXIT_OK;
}

/* A whole number from 1 to `max`, or -1. */
static long long parse_count(const char *s, long long max)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max)
		return -1;
	return v;
}

int cli_cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
		{"audit-key", required_argument, NULL, CLI_OPT_AUDIT_KEY},
		{"public-key", required_argument, NULL, OPT_PUBLIC_KEY},
		{"person", required_argument, NULL, OPT_PERSON},
		{"limit", required_argument, NULL, OPT_LIMIT},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_common c;
	struct store *s = NULL;
	char *files[HELD_FILES_MAX];
	size_t n_files = 0;
	const char *audit_key = NULL, *public_hex = NULL;
	char keybuf[4200];
	long long person = 0, limit = 100;
	bool show_opts = false;
	int opt, rc;

	cli_common_init(&c);
	optind = 1;
	while ((opt = cli_next_option(&c, "audit", argc, argv, opts, &rc)) >= 0) {
		switch (opt) {
		case OPT_CHECKPOINT:
			if (n_files == HELD_FILES_MAX)
				return cli_usage("audit", "at most %d --checkpoint files",
						 HELD_FILES_MAX);
			files[n_files++] = optarg;
			break;
		case CLI_OPT_AUDIT_KEY:
			audit_key = optarg;
			break;
		case OPT_PUBLIC_KEY:
			public_hex = optarg;
			break;
		case OPT_PERSON:
			if ((person = parse_count(optarg, INT64_MAX)) < 0)
				return cli_usage("audit", "--person: '%s' is not a person id", optarg);
			show_opts = true;
			break;
		case OPT_LIMIT:
			if ((limit = parse_count(optarg, LT_AUDIT_SHOW_MAX)) < 0)
				return cli_usage("audit", "--limit: '%s' is not a number from 1 to %d",
						 optarg, LT_AUDIT_SHOW_MAX);
			show_opts = true;
			break;
		}
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (argc - optind != 1)
		return cli_usage("audit", "expected 'verify', 'checkpoint' or 'show'");
	const char *sub = argv[optind];
	bool verify = strcmp(sub, "verify") == 0, checkpoint = strcmp(sub, "checkpoint") == 0,
	     show = strcmp(sub, "show") == 0;
	if (!verify && !checkpoint && !show)
		return cli_usage("audit", "'%s': expected 'verify', 'checkpoint' or 'show'", sub);
	if (!verify && (n_files || public_hex))
		return cli_usage("audit", "--checkpoint and --public-key go with 'audit verify'");
	if (!show && show_opts)
		return cli_usage("audit", "--person and --limit go with 'audit show'");
	if (show && audit_key)
		return cli_usage("audit", "--audit-key goes with 'audit verify' or 'audit checkpoint'");
	cli_common_finish(&c);
	const char *keypath = cli_audit_key_path(&c, audit_key, keybuf, sizeof(keybuf));

	rc = cli_open_store(&c, &s);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (verify)
		rc = audit_verify(s, keypath, public_hex, files, n_files);
	else if (checkpoint)
		rc = audit_checkpoint(s, keypath);
	else
		rc = audit_show(s, (int64_t)person, (size_t)limit);
	store_close(s);
	return rc;
}
