/*
 * main.c — `lantern`: the command table, help and the options every
 * subcommand shares.
 *
 * The table below is the single source of truth for the subcommands: `lantern
 * --help` lists it, each subcommand's `--help` prints its row, and
 * tests/cli/test_cli.sh checks that the README documents every row.
 */
#include "cli/cli.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "crypto/crypto.h"
#include "core/banned.h"

#define COMMON_HELP                                                                 \
	"  --db PATH       the database (default: $LANTERN_DB, else var/lantern.db)\n" \
	"  --key PATH      the key file that seals reporters' contact details\n"       \
	"                  (default: $LANTERN_KEY, else lantern.key beside the database)\n" \
	"  -h, --help      show this help\n"

const struct cli_command cli_commands[] = {
	{"init", "init [--demo]", "create the database (and key files); --demo loads the demo data",
	 "  --demo          load the demonstration data: the published Hertfordshire arrest\n"
	 "                  figures for 2015-2019 and a few hundred synthetic reports\n"
	 "  --audit-key PATH  the audit signing key file to create if missing (default:\n"
	 "                  $LANTERN_AUDIT_KEY, else audit.key beside the database)\n"
	 "  --data-key PATH the data key file to create if missing, for a database with no\n"
	 "                  data key yet (default: $LANTERN_DATA_KEY, else data.key beside\n"
	 "                  the database; see 'lantern key')\n" COMMON_HELP,
	 cli_cmd_init},
	{"import", "import arrests|reports FILE.csv",
	 "import arrests or reports from a CSV file, all rows or none",
	 "  The file is RFC 4180 CSV with a header row naming the columns (see README).\n"
	 "  Every row is validated first; if any is bad, nothing is imported, each\n"
	 "  problem is printed as FILE:LINE: column 'NAME': what is wrong, and the exit\n"
	 "  status is 1.\n" COMMON_HELP,
	 cli_cmd_import},
	{"stats", "stats arrests [--by year|offence|year,offence] [--from YEAR] [--to YEAR] [--format table|csv|json]",
	 "print arrest statistics",
	 "  --by GROUPS     year (default), offence, or year,offence\n"
	 "  --from YEAR     first year (default: the first year with arrests)\n"
	 "  --to YEAR       last year (default: the last year with arrests)\n"
	 "  --format FMT    table (default), csv or json\n" COMMON_HELP,
	 cli_cmd_stats},
	{"serve", "serve [--listen HOST:PORT]", "serve the public pages and the API over HTTP",
	 "  --listen ADDR   address and port (default 127.0.0.1:8080; port 0 picks a free\n"
	 "                  one). The first line printed is the URL served.\n"
	 "  --threads N     worker threads (default 4)\n"
	 "  --audit-key PATH  the audit signing key: with it the server signs a checkpoint of\n"
	 "                  the audit chain every 1,000 entries (default: $LANTERN_AUDIT_KEY,\n"
	 "                  else audit.key beside the database)\n"
	 "  --insecure-http  session cookies without Secure, for a browser on plain HTTP\n"
	 "                  (only with a loopback --listen; without it, serve behind HTTPS)\n"
	 "  --data-key PATH the data key file that opens persons' personal data (default:\n"
	 "                  $LANTERN_DATA_KEY, else data.key beside the database)\n"
	 COMMON_HELP,
	 cli_cmd_serve},
	{"agency", "agency list | agency add NAME --kind KIND [--code CODE]",
	 "list the partner agencies, or add one",
	 "  list            the agencies: code, kind and name\n"
	 "  add NAME        add an agency (quote a NAME with spaces)\n"
	 "  --kind KIND     police, county_council, district_council, pcc_office,\n"
	 "                  national_agency, health, charity, helpline or other\n"
	 "  --code CODE     its short code, [a-z0-9_-] (default: made from the name,\n"
	 "                  \"St Albans District Council\" -> st_albans_district_council)\n" COMMON_HELP,
	 cli_cmd_agency},
	{"user", "user add EMAIL --agency CODE --role ROLE | user disable|enable|unlock|password EMAIL | user list [--agency CODE]",
	 "add, disable, re-enable and list the accounts of partner staff",
	 "  add EMAIL       add an account; the password is read from standard input (one\n"
	 "                  line) or, on a terminal, asked for twice without being shown;\n"
	 "                  never give it as an argument. At least 12 characters, not a\n"
	 "                  common password; no other rules.\n"
	 "  --agency CODE   the agency the account belongs to\n"
	 "  --role ROLE     partnership_admin, agency_admin, caseworker, police or analyst\n"
	 "  disable EMAIL   stop the account from signing in (it stays in the audit log)\n"
	 "  enable EMAIL    let a disabled account sign in again\n"
	 "  unlock EMAIL    lift the server's sign-in lock on the account (after 100\n"
	 "                  failed attempts): taken at its next sign-in attempt, which\n"
	 "                  goes ahead with its failed attempts forgotten\n"
	 "  password EMAIL  set a new password, read as for add\n"
	 "  list            every account: id, address, agency, role, state, created\n" COMMON_HELP,
	 cli_cmd_user},
	{"token", "token add --agency CODE --role ROLE [--label TEXT] | token revoke ID | token list",
	 "issue, revoke and list the API tokens of partner systems",
	 "  add             issue a token and print it, once, alone on standard output;\n"
	 "                  only its hash is kept. Partner systems send it as\n"
	 "                  'Authorization: Bearer TOKEN'.\n"
	 "  --agency CODE   the agency the token acts for\n"
	 "  --role ROLE     caseworker, police or analyst (tokens are never administrators)\n"
	 "  --label TEXT    a note saying which system holds it\n"
	 "  revoke ID       stop the token with that id at once\n"
	 "  list            every token: id, agency, role, dates, label; never the token\n" COMMON_HELP,
	 cli_cmd_token},
	{"estimate", "estimate FILE.csv | --from-links RECORDS.csv... [--lists file|COLUMN] | --from-db [--from DATE] [--to DATE] [--lists agency|agency_kind] [--linkage-draws N] [--method stepwise|aic|bic|average|fixed|main] [--model TERMS] [--ci wald|profile|bca] [--nboot N] [--seed N] [--threads N] [--format table|json]",
	 "estimate how many cases go unreported, by multiple systems estimation",
	 "  FILE.csv has one 0/1 column per list and a final count column, one row per\n"
	 "  capture history (see docs/estimation.md).\n"
	 "  --method M      stepwise (default: SparseMSE), aic (Home Office 2014), bic\n"
	 "                  (exhaustive, MultipleSystemsEstimation), average (BIC-weighted\n"
	 "                  over the best models), fixed (with --model), main\n"
	 "  --model TERMS   the model of --method fixed, e.g. \"LA:NG,NG:GP\"\n"
	 "  --ci C          wald (default; for average its model-averaged interval),\n"
	 "                  profile or bca (bootstrap, re-selecting the model in every\n"
	 "                  replicate)\n"
	 "  --level P       coverage of the interval (default 0.95)\n"
	 "  --nboot N       bootstrap replicates (default 1000)\n"
	 "  --seed N        bootstrap seed (default 1234, as SparseMSE)\n"
	 "  --threads N     threads (default 2)\n"
	 "  --threshold P   stepwise and aic: p-value threshold (0.02 and 0.05 by default)\n"
	 "  --max-order K   bic and average: highest interaction order (default 1/2/3/3/2\n"
	 "                  for 2/3/4/5/6 lists)\n"
	 "  --top K         average: the best K models (default: all valid)\n"
	 "  --boot-top K    bic and average with --ci bca: each replicate searches only\n"
	 "                  the best K models of the data's ranking (default as\n"
	 "                  MultipleSystemsEstimation: all for 2-3 lists, 20 for 4,\n"
	 "                  100 for 5-6)\n"
	 "  --format FMT    table (default) or json\n"
	 "  -h, --help      show this help\n"
	 "  With --from-links, CSV files of records instead: linked as lantern link\n"
	 "  links them, each cluster a person (docs/linkage.md, \"From linked records\n"
	 "  to an estimate\"):\n"
	 "  --from-links    the arguments are files of records, not a table\n"
	 "  --lists L       file (default: each file a list) or COLUMN (the list of each\n"
	 "                  record is its value in COLUMN, e.g. agency)\n"
	 "  --link-threshold P  match probability that links two records (default 0.5)\n"
	 "  --histories FILE  also write the capture histories, as this command reads\n"
	 "  --linkage-draws N  the linkage bootstrap: N replicates (10 to 100000) that\n"
	 "                  draw the links near the threshold, resample and re-select;\n"
	 "                  its interval carries linkage and sampling error (--seed,\n"
	 "                  --level)\n"
	 "  --linkage-mode M  pairs (default: each pair a link with its probability) or\n"
	 "                  threshold (the threshold drawn; wider)\n"
	 "  With --from-db, the live persons of the database instead, linked across\n"
	 "  agencies respecting the match decisions, each read audited with the\n"
	 "  purpose \"population estimate\":\n"
	 "  --from-db       estimate from the database (--db PATH, --data-key PATH)\n"
	 "  --from DATE     only persons first referred (or, never referred, recorded)\n"
	 "  --to DATE       on or after --from and on or before --to (YYYY, YYYY-MM or\n"
	 "                  YYYY-MM-DD)\n"
	 "  --lists L       agency (default: each agency a list) or agency_kind\n"
	 "  --data-key PATH the data key file (default: $LANTERN_DATA_KEY, else data.key\n"
	 "                  beside the database)\n",
	 cli_cmd_estimate},
	{"audit", "audit verify [--checkpoint FILE]... | audit checkpoint | audit show [--person ID] [--limit N]",
	 "verify the tamper-evident audit log, sign a checkpoint of it, or list it",
	 "  verify            walk the whole hash chain and every signed checkpoint; exit 0\n"
	 "                    if intact, 1 naming the first bad entry or checkpoint\n"
	 "  --checkpoint FILE also check the checkpoint lines in FILE (copies held by\n"
	 "                    partners); may be given more than once\n"
	 "  --public-key HEX  the audit key to check signatures against (default: the\n"
	 "                    public line of the audit key file)\n"
	 "  checkpoint        sign a checkpoint of the chain now and print it as one line\n"
	 "                    of JSON to hand to partners\n"
	 "  show              list the newest entries: who, when, action, object, person,\n"
	 "                    purpose\n"
	 "  --person ID       only entries about this person\n"
	 "  --limit N         at most N entries (default 100)\n"
	 "  --audit-key PATH  the audit signing key file (default: $LANTERN_AUDIT_KEY,\n"
	 "                    else audit.key beside the database)\n" COMMON_HELP,
	 cli_cmd_audit},
	{"backup", "backup PATH",
	 "copy the database, while it is in use, to a new file",
	 "  PATH            the new file: a consistent copy of the whole database as of one\n"
	 "                  instant, taken while lantern serve goes on; never overwritten.\n"
	 "                  The key files are not in it: keep copies of them apart.\n"
	 "  --audit-key PATH  the audit signing key file to remind you of (default:\n"
	 "                  $LANTERN_AUDIT_KEY, else audit.key beside the database)\n" COMMON_HELP,
	 cli_cmd_backup},
	{"restore", "restore BACKUP",
	 "restore a backup as the database, then verify its audit chain",
	 "  BACKUP          a file written by lantern backup. It is checked and copied to\n"
	 "                  --db, which must not exist (move the old database and its -wal\n"
	 "                  file away first, with lantern serve stopped); an older backup\n"
	 "                  is brought up to this lantern's schema. Exit 1 if its audit\n"
	 "                  chain is broken.\n"
	 "  --audit-key PATH  check the signed checkpoints against this audit key (default:\n"
	 "                  $LANTERN_AUDIT_KEY, else audit.key beside the database)\n" COMMON_HELP,
	 cli_cmd_restore},
	{"person", "person export ID --purpose TEXT [--out FILE]",
	 "export everything held about a person, for a subject access request",
	 "  export ID       the subject access export of person ID as one JSON document\n"
	 "                  (the same as GET /api/v1/persons/{id}/export), for the agency\n"
	 "                  that owns the person: its fields, the agency's referrals and\n"
	 "                  cases of it, the arrests naming them, its shares and the audit\n"
	 "                  entries about it. Audited as person.export by \"cli\".\n"
	 "  --purpose TEXT  why (the request's reference); required, audited\n"
	 "  --out FILE      write it to FILE, created with mode 0600, never overwritten\n"
	 "                  (default: standard output)\n"
	 "  --data-key PATH the data key file (default: $LANTERN_DATA_KEY, else data.key\n"
	 "                  beside the database)\n" COMMON_HELP,
	 cli_cmd_person},
	{"retention", "retention show | retention run [--as-of YYYY-MM-DD] [--dry-run] | retention set KIND N",
	 "show and apply how long personal data is kept",
	 "  show            what is kept how long (persons, public reports' text, sessions,\n"
	 "                  tokens, the login throttle, the audit log), and why\n"
	 "  run             erase, wipe and delete what its period has passed, each with\n"
	 "                  its audit entry; prints how many of each kind\n"
	 "  --as-of DAY     apply the periods as of DAY, YYYY-MM-DD (default: today, UTC)\n"
	 "  --dry-run       count what would go; change nothing\n"
	 "  set KIND N      set the period of KIND (persons, report_text: months;\n"
	 "                  sessions: days), audited\n" COMMON_HELP,
	 cli_cmd_retention},
	{"key", "key init | key rotate [--limit N] | key status",
	 "create, rotate and check the data key that encrypts personal data at rest",
	 "  init            create the data key file with key 1 (mode 0600); refused when\n"
	 "                  the database already has a data key\n"
	 "  rotate          add a new key to the file, re-encrypt every person under it in\n"
	 "                  batches, then retire the old key and drop it from the file;\n"
	 "                  run it again after any interruption and it resumes\n"
	 "  --limit N       rotate: re-encrypt at most N persons now, then stop\n"
	 "  status          the keys of the file and of the database, and the persons each\n"
	 "                  key holds; exit 1 when the file does not open them all\n"
	 "  --data-key PATH the data key file (default: $LANTERN_DATA_KEY, else data.key\n"
	 "                  beside the database); not lantern.key, not audit.key\n" COMMON_HELP,
	 cli_cmd_key},
	{"synth", "synth [--people N | --records N] [--lists NAME:P,...] [--seed S] [--heterogeneity SD] [--dependence FROM:TO:FACTOR]... [--duplicates R] [--errors R] [--missing R] [--out DIR] [--truth FILE] [--truth-column NAME] [--histories FILE]",
	 "generate synthetic agency lists of victims with known truth, for testing linkage and estimates",
	 "  A seeded population whose people the lists capture with the given\n"
	 "  probabilities, each record corrupted as real records are (docs/linkage.md,\n"
	 "  \"Synthetic data\"). The same options and seed give the same bytes anywhere.\n"
	 "  --people N      the population (default 10000; at most 100000000)\n"
	 "  --records N     instead of --people: the population that gives about N\n"
	 "                  records with these lists and duplicates\n"
	 "  --lists L       NAME:P,... 2 to 16 lists, P the share of the population on\n"
	 "                  each (default police:0.3,council:0.2,charity:0.25,nrm:0.35,\n"
	 "                  health:0.1)\n"
	 "  --seed S        the seed, 0 to 2^64-1 (default 1)\n"
	 "  --heterogeneity SD  spread of how visible people are, the standard\n"
	 "                  deviation of a logit-normal visibility (default 0: all alike)\n"
	 "  --dependence FROM:TO:FACTOR  being on FROM multiplies the odds of being on TO\n"
	 "                  by FACTOR (above 0, at most 1000; up to 8 times)\n"
	 "  --duplicates R  chance of each further record of a person on one list\n"
	 "                  (default 0.02; 0 to 0.5)\n"
	 "  --errors R      chance a name or date of birth is corrupted (default 0.2;\n"
	 "                  other fields half of it)\n"
	 "  --missing R     chance a field is blank (default 0.05; names a fifth of it)\n"
	 "  --year Y        ages are counted to 1 July of Y (default 2024)\n"
	 "  --out DIR       write DIR/NAME.csv for each list (id,first_name,...);\n"
	 "                  default: one CSV on standard output with a list column\n"
	 "  --truth FILE    write list,id,person: the true person of every record\n"
	 "  --truth-column NAME  add the true person id to the data as column NAME\n"
	 "  --histories FILE  write the true capture histories, as lantern estimate\n"
	 "                  reads them\n"
	 "  --quiet         no summary on standard error\n"
	 "  -h, --help      show this help\n",
	 cli_cmd_synth},
	{"link", "link FILE.csv... | --db [PATH] [--id COLUMN] [--settings FILE.json] [--threshold P] [--format csv|json] [--explain ID1 ID2] [--evaluate TRUTH_COLUMN]",
	 "find the records of one or more CSV files that are the same person",
	 "  Columns are recognised by name (first_name, given_name, surname, dob,\n"
	 "  date_of_birth, city, postcode, email, ...: docs/linkage.md, \"lantern link\");\n"
	 "  others are ignored. Prints file,id,cluster for every record.\n"
	 "  --id COLUMN     the record id (default: id, unique_id, rec_id or record_id,\n"
	 "                  else the row number)\n"
	 "  --settings FILE a model saved as JSON (--save-model), used as it is instead\n"
	 "                  of training the default model on the data\n"
	 "  --save-model FILE  write the trained model as JSON\n"
	 "  --histories FILE  also write the persons' capture histories, each file a\n"
	 "                  list, in the CSV lantern estimate reads\n"
	 "  --threshold P   match probability at which two records are linked (default 0.5)\n"
	 "  --format FMT    csv (default) or json\n"
	 "  --explain ID1 ID2  print the waterfall of one pair (ID or FILE:ID) instead\n"
	 "  --evaluate COLUMN  print precision, recall and F1 of the pairs before and after\n"
	 "                  clustering against the true entity in COLUMN instead\n"
	 "  --mode M        all (default: any two records), across (only records of\n"
	 "                  different files) or within (only records of the same file)\n"
	 "  --blocking RULE compare the pairs RULE covers, e.g. \"surname & dob:year\"; give\n"
	 "                  it once per rule, in order (default: rules for the fields found)\n"
	 "  --threads N     scoring threads (default 2)\n"
	 "  --max-cluster N flag clusters of more than N records (default: no limit)\n"
	 "  --min-density D flag clusters of 3 or more in which fewer than D of the pairs\n"
	 "                  are linked (default 0.4)\n"
	 "  --no-split      keep flagged clusters whole (default: split them by raising the\n"
	 "                  threshold inside them)\n"
	 "  -h, --help      show this help\n"
	 "  With --db, the persons of the database instead of files (docs/linkage.md,\n"
	 "  \"Linkage in the service\"); prints agency,person_id,cluster:\n"
	 "  --db [PATH]     link every live person of every agency, respecting the\n"
	 "                  match decisions (default: $LANTERN_DB, else var/lantern.db)\n"
	 "  --data-key PATH the data key file (default: $LANTERN_DATA_KEY, else data.key\n"
	 "                  beside the database)\n"
	 "  --purpose TEXT  why the persons are read, audited for each (default: record\n"
	 "                  linkage across agencies (lantern link --db))\n"
	 "  --save-model    with --db: store the trained model (without term frequencies)\n"
	 "                  in the database, for the server's likely matches\n",
	 cli_cmd_link_main},
};
const size_t cli_command_count = sizeof(cli_commands) / sizeof(cli_commands[0]);

static void main_help(FILE *out)
{
	fprintf(out, "usage: lantern COMMAND [OPTIONS]\n\n"
		     "lantern: reporting, cases and statistics for a partnership against modern "
		     "slavery.\n\ncommands:\n");
	for (size_t i = 0; i < cli_command_count; i++)
		fprintf(out, "  %-8s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fprintf(out, "\n'lantern COMMAND --help' describes a command.\n");
}

void cli_help(const char *name, FILE *out)
{
	for (size_t i = 0; i < cli_command_count; i++) {
		if (strcmp(cli_commands[i].name, name) == 0) {
			fprintf(out, "usage: lantern %s\n\n%s.\n\noptions:\n%s",
				cli_commands[i].synopsis, cli_commands[i].summary, cli_commands[i].help);
			return;
		}
	}
	LT_BUG("no command %s", name);
}

int cli_usage(const char *name, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "lantern %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'lantern %s --help'.\n", name);
	return CLI_EXIT_USAGE;
}

int cli_fail(const char *prefix, lt_status st, const struct lt_error *err)
{
	if (err && err->message[0]) {
		if (err->field[0])
			fprintf(stderr, "%s: %s: %s\n", prefix, err->field, err->message);
		else
			fprintf(stderr, "%s: %s\n", prefix, err->message);
	} else {
		fprintf(stderr, "%s: %s\n", prefix, lt_status_message(st));
	}
	return lt_status_exit(st);
}

void cli_common_init(struct cli_common *c)
{
	memset(c, 0, sizeof(*c));
	const char *db = getenv("LANTERN_DB");
	c->db = (db && *db) ? db : "var/lantern.db";
	const char *key = getenv("LANTERN_KEY");
	c->key = (key && *key) ? key : NULL;
}

void cli_common_finish(struct cli_common *c)
{
	if (c->key)
		return;
	char tmp[sizeof(c->keybuf)];
	snprintf(tmp, sizeof(tmp), "%s", c->db);
	snprintf(c->keybuf, sizeof(c->keybuf), "%s/lantern.key", dirname(tmp));
	c->key = c->keybuf;
}

int cli_common_option(struct cli_common *c, int opt, const char *arg)
{
	switch (opt) {
	case CLI_OPT_DB:
		c->db = arg;
		return 1;
	case CLI_OPT_KEY:
		c->key = arg;
		return 1;
	default:
		return 0;
	}
}

int cli_open_store(const struct cli_common *c, struct store **out)
{
	struct lt_error err;
	lt_error_clear(&err);
	lt_status st = store_open_sqlite(c->db, out, &err);
	if (st != LT_OK) {
		char prefix[4200];
		snprintf(prefix, sizeof(prefix), "lantern: %s", c->db);
		return cli_fail(prefix, st, &err);
	}
	return CLI_EXIT_OK;
}

lt_status cli_read_file(const char *path, size_t max, char **out, size_t *len, struct lt_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return lt_error_set(err, errno == ENOENT ? LT_ENOTFOUND : LT_EIO, NULL,
				    "cannot open %s: %s", path, strerror(errno));
	struct lt_buf b;
	lt_buf_init(&b, max);
	char chunk[65536];
	size_t n;
	lt_status st = LT_OK;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		st = lt_buf_append(&b, chunk, n);
		if (st != LT_OK) {
			lt_error_set(err, st, NULL, "%s is larger than %zu bytes; split it", path, max);
			break;
		}
	}
	if (st == LT_OK && ferror(f))
		st = lt_error_set(err, LT_EIO, NULL, "cannot read %s: %s", path, strerror(errno));
	fclose(f);
	if (st != LT_OK) {
		lt_buf_release(&b);
		return st;
	}
	*out = lt_buf_detach(&b, len);
	if (!*out) {
		*out = calloc(1, 1);
		*len = 0;
		if (!*out)
			return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	}
	return LT_OK;
}

int main(int argc, char **argv)
{
	if (lt_crypto_init() != LT_OK) {
		fprintf(stderr, "lantern: cannot initialise the cryptographic library\n");
		return CLI_EXIT_FAIL;
	}
	if (argc < 2) {
		main_help(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		main_help(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("lantern 0.1.0\n");
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < cli_command_count; i++)
		if (strcmp(argv[1], cli_commands[i].name) == 0)
			return cli_commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "lantern: '%s' is not a command.\n\n", argv[1]);
	main_help(stderr);
	return CLI_EXIT_USAGE;
}
