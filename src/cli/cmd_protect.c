/*
 * cmd_protect.c — data protection at the command line (docs/security.md,
 * "Data protection: retention, subject access, erasure"):
 *
 *   lantern person export ID --purpose TEXT [--out FILE]
 *       the subject access export of person ID, the same JSON document as
 *       GET /api/v1/persons/{id}/export (web_export_json), indented, for
 *       the agency that owns the person. The command line acts as the
 *       operator, as every command does: the audit entry "person.export"
 *       names the actor "cli" and the purpose. With --out the file is
 *       created with mode 0600 and never overwritten; without it the
 *       document goes to standard output.
 *   lantern retention show
 *       the retention table (core/retention.h) with the periods in force.
 *   lantern retention run [--as-of YYYY-MM-DD] [--dry-run]
 *       apply the periods as of a day: the day given, else today in UTC
 *       (the one place the clock is read); prints what was erased, wiped
 *       or deleted per kind (with --dry-run, what would be, and nothing is
 *       written). Every erasure is audited by "cli".
 *   lantern retention set KIND N
 *       the operator's period of KIND (in its unit), audited.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/retention.h"
#include "crypto/crypto.h"
#include "web/web.h"
#include "core/banned.h"

#define OPT_PURPOSE 2201
#define OPT_OUT     2202
#define OPT_AS_OF   2203
#define OPT_DRY_RUN 2204

/* A positive decimal id, else -1. */
static long long parse_id(const char *s)
{
	char *end;
	errno = 0;
	if (!s[0] || s[0] == '-' || s[0] == '+')
		return -1;
	long long v = strtoll(s, &end, 10);
	return errno || *end || v <= 0 ? -1 : v;
}

static lt_status write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return LT_EIO;
		p += w;
		n -= (size_t)w;
	}
	return LT_OK;
}

static int person_export(struct store *s, const char *key_path, long long id,
                         const char *purpose, const char *out_path)
{
	struct lt_crypto_keyring kr;
	struct store_person_export x;
	struct lt_error err;
	char *text = NULL;
	size_t len = 0;
	int fd = -1, rc = CLI_EXIT_OK;
	lt_status st;

	lt_error_clear(&err);
	memset(&x, 0, sizeof(x));
	lt_person_init(&x.person);
	if ((st = cli_data_key_load(key_path, &kr, &err)) != LT_OK)
		return cli_fail("lantern person export", st, &err);
	/* the file first: an export that cannot be written is not made */
	if (out_path && (fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "lantern person export: cannot create %s: %s%s\n", out_path,
		        strerror(errno), errno == EEXIST ? " (it is never overwritten)" : "");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	st = store_person_export(s, &kr, NULL, "cli", (int64_t)id, purpose, &x, &err);
	if (st == LT_OK)
		st = web_export_json(&x, (int64_t)time(NULL), true, &text, &len, &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern person export", st, &err);
		goto out;
	}
	if (fd >= 0) {
		if (write_all(fd, text, len) != LT_OK || write_all(fd, "\n", 1) != LT_OK ||
		    fsync(fd) != 0) {
			fprintf(stderr, "lantern person export: cannot write %s: %s\n", out_path,
			        strerror(errno));
			rc = CLI_EXIT_FAIL;
			goto out;
		}
		printf("exported person %lld of %s to %s: %zu referrals, %zu cases, %zu arrests, "
		       "%zu shares, %zu audit entries%s\n",
		       id, x.agency, out_path, x.n_referrals, x.n_cases, x.n_arrests, x.n_shares,
		       x.n_audit, x.person.erased ? " (the person was erased: no personal field)" : "");
	} else if (write_all(STDOUT_FILENO, text, len) != LT_OK ||
	           write_all(STDOUT_FILENO, "\n", 1) != LT_OK) {
		fprintf(stderr, "lantern person export: cannot write to standard output\n");
		rc = CLI_EXIT_FAIL;
	}
out:
	if (fd >= 0 && close(fd) != 0 && rc == CLI_EXIT_OK)
		rc = CLI_EXIT_FAIL;
	if (fd >= 0 && rc != CLI_EXIT_OK)
		unlink(out_path);
	web_export_free(text, len);
	store_person_export_release(&x);
	lt_crypto_keyring_wipe(&kr);
	return rc;
}

int cli_cmd_person(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"purpose", required_argument, NULL, OPT_PURPOSE},
	    {"out", required_argument, NULL, OPT_OUT},
	    {"data-key", required_argument, NULL, CLI_OPT_DATA_KEY},
	    CLI_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct cli_common c;
	struct store *s = NULL;
	const char *purpose = NULL, *out = NULL, *data_key = NULL;
	char buf[4200];
	int opt, rc;

	cli_common_init(&c);
	optind = 1;
	while ((opt = cli_next_option(&c, "person", argc, argv, opts, &rc)) >= 0) {
		switch (opt) {
		case OPT_PURPOSE:
			purpose = optarg;
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case CLI_OPT_DATA_KEY:
			data_key = optarg;
			break;
		}
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (argc - optind != 2 || strcmp(argv[optind], "export") != 0)
		return cli_usage("person", "expected 'export ID'");
	long long id = parse_id(argv[optind + 1]);
	if (id < 0)
		return cli_usage("person", "'%s' is not a person id", argv[optind + 1]);
	if (!purpose || !purpose[0])
		return cli_usage("person", "--purpose is required: say why the export is made (the "
		                           "subject access request's reference); it is audited");
	cli_common_finish(&c);
	const char *key_path = cli_data_key_path(&c, data_key, buf, sizeof(buf));
	if ((rc = cli_open_store(&c, &s)) != CLI_EXIT_OK)
		return rc;
	rc = person_export(s, key_path, id, purpose, out);
	store_close(s);
	return rc;
}

/* ---- retention ------------------------------------------------------------------ */

static void period_text(const struct lt_retention_rule *r, long n, char *out, size_t cap)
{
	if (r->unit == LT_RETAIN_FOREVER)
		snprintf(out, cap, "for ever");
	else
		snprintf(out, cap, "%ld %s", n, lt_retention_unit_words(r->unit));
}

static int retention_show(struct store *s)
{
	struct lt_retention_periods per;
	struct lt_error err;
	char period[64];
	lt_status st;

	lt_error_clear(&err);
	if ((st = store_retention_get(s, &per, &err)) != LT_OK)
		return cli_fail("lantern retention show", st, &err);
	printf("%-15s %-28s %s\n", "KIND", "WHEN ITS PERIOD IS OVER", "PERIOD");
	for (size_t k = 0; k < LT_RETENTION_COUNT; k++) {
		const struct lt_retention_rule *r = &lt_retention_rules[k];
		period_text(r, per.period[k], period, sizeof(period));
		printf("%-15s %-28s %s%s\n", r->code, lt_retention_action_words(r->action), period,
		       lt_retention_settable(r) && per.period[k] != r->period_default
		           ? " (set by the operator)"
		           : "");
	}
	for (size_t k = 0; k < LT_RETENTION_COUNT; k++) {
		const struct lt_retention_rule *r = &lt_retention_rules[k];
		printf("\n%s: %s\n", r->code, r->what);
		if (lt_retention_settable(r)) {
			char def[64];
			period_text(r, r->period_default, def, sizeof(def));
			printf("  counted from: %s\n  default: %s, settable from %ld to %ld %s "
			       "('lantern retention set %s N')\n",
			       r->from, def, r->period_min, r->period_max,
			       lt_retention_unit_words(r->unit), r->code);
		}
		printf("  why: %s\n", r->why);
	}
	return CLI_EXIT_OK;
}

static int retention_run(struct store *s, const struct lt_date *as_of, bool dry)
{
	struct store_retention_result res;
	struct lt_error err;
	char day[LT_DATE_TEXT], cut[LT_DATE_TEXT], period[64];
	lt_status st;

	lt_error_clear(&err);
	lt_date_format(as_of, day);
	st = store_retention_run(s, as_of, dry, "cli", &res, &err);
	if (st != LT_OK && st != LT_EINVAL) {
		printf("stopped by a failure; what was done is listed, and running it again "
		       "finishes the rest\n");
		for (size_t k = 0; k < LT_RETENTION_COUNT; k++)
			if (res.count[k])
				printf("%s: %ld\n", lt_retention_rules[k].code, res.count[k]);
	}
	if (st != LT_OK)
		return cli_fail("lantern retention run", st, &err);
	printf("retention as of %s%s\n", day, dry ? " (dry run: nothing was changed)" : "");
	for (size_t k = 0; k < LT_RETENTION_COUNT; k++) {
		const struct lt_retention_rule *r = &lt_retention_rules[k];
		if (!lt_retention_settable(r)) {
			printf("%-15s kept\n", r->code);
			continue;
		}
		const char *verb = r->action == LT_RETAIN_ERASE  ? "erased"
		                   : r->action == LT_RETAIN_WIPE ? "wiped"
		                                                 : "deleted";
		lt_date_format(&res.cutoff[k], cut);
		period_text(r, res.periods.period[k], period, sizeof(period));
		printf("%-15s %ld %s%s (%s; on or before %s)\n", r->code, res.count[k],
		       dry ? "would be " : "", verb, period, cut);
	}
	return CLI_EXIT_OK;
}

static int retention_set(struct store *s, const char *kind, const char *value)
{
	struct lt_retention_periods per;
	struct lt_error err;
	char before[64], after[64];
	lt_status st;

	lt_error_clear(&err);
	const struct lt_retention_rule *r = lt_retention_find(kind, strlen(kind));
	if (!r) {
		fprintf(stderr, "lantern retention set: '%s' is not a kind of data (see 'lantern "
		                "retention show')\n",
		        kind);
		return CLI_EXIT_USAGE;
	}
	long long n = parse_id(value);
	if (n < 0 && strcmp(value, "0") == 0)
		n = 0;
	if (n < 0 || n > 1000000)
		return cli_usage("retention", "'%s' is not a number of %s", value,
		                 lt_retention_unit_words(r->unit));
	if ((st = store_retention_get(s, &per, &err)) != LT_OK ||
	    (st = store_retention_set(s, r->kind, (long)n, "cli", &err)) != LT_OK)
		return cli_fail("lantern retention set", st, &err);
	period_text(r, per.period[r->kind], before, sizeof(before));
	period_text(r, (long)n, after, sizeof(after));
	printf("%s: %s (was %s)\n", r->code, after, before);
	return CLI_EXIT_OK;
}

int cli_cmd_retention(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"as-of", required_argument, NULL, OPT_AS_OF},
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    CLI_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct cli_common c;
	struct store *s = NULL;
	struct lt_date as_of = {0, 0, 0};
	bool dry = false, have_as_of = false;
	int opt, rc;

	cli_common_init(&c);
	optind = 1;
	while ((opt = cli_next_option(&c, "retention", argc, argv, opts, &rc)) >= 0) {
		switch (opt) {
		case OPT_AS_OF: {
			struct lt_error err;
			lt_error_clear(&err);
			if (strlen(optarg) != 10 ||
			    lt_date_parse(optarg, strlen(optarg), &as_of, "as-of", &err) != LT_OK)
				return cli_usage("retention", "--as-of: '%s' is not a day, YYYY-MM-DD",
				                 optarg);
			have_as_of = true;
			break;
		}
		case OPT_DRY_RUN:
			dry = true;
			break;
		}
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	int n = argc - optind;
	const char *sub = n > 0 ? argv[optind] : "";
	bool show = strcmp(sub, "show") == 0 && n == 1, run = strcmp(sub, "run") == 0 && n == 1,
	     set = strcmp(sub, "set") == 0 && n == 3;
	if (!show && !run && !set)
		return cli_usage("retention", "expected 'show', 'run' or 'set KIND N'");
	if ((have_as_of || dry) && !run)
		return cli_usage("retention", "--as-of and --dry-run go with 'retention run'");
	if (run && !have_as_of) {
		/* the caller's clock: today in UTC */
		time_t now = time(NULL);
		struct tm tm;
		if (!gmtime_r(&now, &tm)) {
			fprintf(stderr, "lantern retention run: cannot read the clock\n");
			return CLI_EXIT_FAIL;
		}
		as_of = (struct lt_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	}
	cli_common_finish(&c);
	if ((rc = cli_open_store(&c, &s)) != CLI_EXIT_OK)
		return rc;
	if (show)
		rc = retention_show(s);
	else if (run)
		rc = retention_run(s, &as_of, dry);
	else
		rc = retention_set(s, argv[optind + 1], argv[optind + 2]);
	store_close(s);
	return rc;
}
