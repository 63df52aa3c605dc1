/*
 * cli.h — the `lantern` command: shared pieces of its subcommands.
 *
 * The command is a thin adapter over the core: it parses options
 * (getopt_long), opens the store, calls the core, prints results to stdout
 * and problems to stderr, and turns statuses into exit codes — 0 ok,
 * 1 failure, 2 usage (status.h).
 */
#ifndef LT_CLI_H
#define LT_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "core/error.h"
#include "store/store.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/* One subcommand: its table row is the single source of its help text. */
struct cli_command {
	const char *name;     /* "import" */
	const char *synopsis; /* "import arrests|reports FILE.csv" */
	const char *summary;  /* one line, for `lantern --help` */
	const char *help;     /* the options, for `lantern NAME --help` */
	int (*run)(int argc, char **argv);
};

extern const struct cli_command cli_commands[];
extern const size_t cli_command_count;

/* Options every subcommand takes. */
struct cli_common {
	const char *db;  /* --db, $LANTERN_DB, var/lantern.db */
	const char *key; /* --key, $LANTERN_KEY, lantern.key beside the database */
	char keybuf[4096];
};

/* Long options shared by every subcommand, to append to its own table. */
#define CLI_OPT_DB 1000
#define CLI_OPT_KEY 1001
#define CLI_OPT_AUDIT_KEY 1002 /* --audit-key PATH: init, serve and audit take it */
#define CLI_OPT_DATA_KEY 1003  /* --data-key PATH: init, serve and key take it */
#define CLI_OPT_HELP 'h'
#define CLI_COMMON_OPTIONS                                           \
	{"db", required_argument, NULL, CLI_OPT_DB},                 \
	{"key", required_argument, NULL, CLI_OPT_KEY},               \
	{"help", no_argument, NULL, CLI_OPT_HELP}

void cli_common_init(struct cli_common *c);
/* Fill the defaults that depend on others (the key beside the database). */
void cli_common_finish(struct cli_common *c);
/* Handle a common option; returns 1 if `opt` was one. */
int cli_common_option(struct cli_common *c, int opt, const char *arg);

/*
 * The option loop of subcommand `name` (cli_util.c): returns its next own
 * option (optarg set as by getopt_long, short options "h" only), having
 * handled the common ones into *c (none when c is NULL); CLI_OPTIONS_END after the last
 * (optind at the first operand); CLI_OPTIONS_EXIT when the subcommand must
 * return *rc at once: --help printed (CLI_EXIT_OK), an unknown option or a
 * missing value reported (CLI_EXIT_USAGE). Set optind = 1 first.
 */
#define CLI_OPTIONS_END (-1)
#define CLI_OPTIONS_EXIT (-2)
int cli_next_option(struct cli_common *c, const char *name, int argc, char **argv,
		    const struct option *opts, int *rc);

/* A number from `lo` to `hi` in the whole of `s` into *out: 1, else 0
 * (*out untouched). */
int cli_parse_double(const char *s, double lo, double hi, double *out);

/* The value `arg` of option `opt` ("--threshold") of subcommand `name`: a
 * probability strictly between 0 and 1 into *out and CLI_EXIT_OK; else the
 * usage error reported and CLI_EXIT_USAGE (*out untouched). */
int cli_opt_probability(const char *name, const char *opt, const char *arg, double *out);
/* --format `arg`: "csv" (*json = 0) or "json" (*json = 1) and CLI_EXIT_OK;
 * else the usage error reported and CLI_EXIT_USAGE. */
int cli_opt_format(const char *name, const char *arg, int *json);

struct lt_link_model;
/* Read the linkage model (lantern link --settings, JSON) in the file `path`
 * into *m (lt_link_model_release it when LT_OK); else *err says what is
 * wrong and where (its line, or its field). */
lt_status cli_link_model_read(const char *path, struct lt_link_model *m, struct lt_error *err);

struct lt_csv;
struct lt_csv_field;
/* Start reading the CSV file `path` of subcommand `name`, `len` bytes at
 * `data`, into *csv (lt_csv_release it, whatever the answer) and read its
 * header row: its number of fields into *nf and its line into *line, and
 * 1; else 0, having printed "lantern NAME: PATH: ..." (the file is empty, or
 * what the parser found wrong, and where). */
int cli_csv_header(const char *name, const char *path, const char *data, size_t len,
		   struct lt_csv *csv, size_t *nf, long *line);
/* Trim spaces and tabs at both ends of a CSV field, in place (the parser's
 * fields are writable); returns the trimmed, NUL-terminated text. */
char *cli_csv_trim(struct lt_csv_field *f);
/* Write `v` as a CSV field, quoted when it needs to be (RFC 4180); nothing
 * for NULL. */
void cli_csv_write(FILE *out, const char *v);
/* Write `v` as a JSON string, quotes included. */
void cli_json_write(FILE *out, const char *v);

/* Print `lantern NAME --help`. */
void cli_help(const char *name, FILE *out);
/* Print "lantern NAME: message" and a pointer to --help; returns CLI_EXIT_USAGE. */
LT_PRINTF(2, 3) int cli_usage(const char *name, const char *fmt, ...);
/* Print an lt_error as "lantern: message" and return the exit code. */
int cli_fail(const char *prefix, lt_status st, const struct lt_error *err);

/* Read a whole file of at most `max` bytes into *out (NUL-terminated; the
 * caller frees it). */
lt_status cli_read_file(const char *path, size_t max, char **out, size_t *len,
			struct lt_error *err);

/* Open the store at c->db; prints the error itself. */
int cli_open_store(const struct cli_common *c, struct store **out);

int cli_cmd_init(int argc, char **argv);
int cli_cmd_import(int argc, char **argv);
int cli_cmd_stats(int argc, char **argv);
int cli_cmd_serve(int argc, char **argv);
int cli_cmd_agency(int argc, char **argv);
int cli_cmd_user(int argc, char **argv);
int cli_cmd_token(int argc, char **argv);
int cli_cmd_estimate(int argc, char **argv);
int cli_cmd_audit(int argc, char **argv);
int cli_cmd_key(int argc, char **argv);
int cli_cmd_person(int argc, char **argv);
int cli_cmd_retention(int argc, char **argv);
int cli_cmd_backup(int argc, char **argv);
int cli_cmd_restore(int argc, char **argv);
int cli_cmd_link(int argc, char **argv);
/* lantern link's entry: --db to cmd_link_db.c (the database's persons), else
 * cli_cmd_link (files). */
int cli_cmd_link_main(int argc, char **argv);
int cli_cmd_synth(int argc, char **argv); /* cmd_synth.c */

/* The audit signing key file (Ed25519): `given` (--audit-key) when set,
 * else $LANTERN_AUDIT_KEY, else audit.key beside c->db (call after
 * cli_common_finish). May return `buf`, of capacity `cap`. */
const char *cli_audit_key_path(const struct cli_common *c, const char *given, char *buf,
			       size_t cap);

/* The data key file (the master keys of personal data at rest): `given`
 * (--data-key) when set, else $LANTERN_DATA_KEY, else data.key beside c->db
 * (call after cli_common_finish). May return `buf`, of capacity `cap`.
 * (cmd_keys.c) */
const char *cli_data_key_path(const struct cli_common *c, const char *given, char *buf,
			      size_t cap);
/* Read the data key file at `path`, warning on stderr when other users of
 * the machine may read it. Wipe *kr with lt_crypto_keyring_wipe. */
lt_status cli_data_key_load(const char *path, struct lt_crypto_keyring *kr, struct lt_error *err);
/* Record the current key of the data key file at `path` in the store (audit
 * "datakey.add" by "cli"); nothing when the store knows it already. */
lt_status cli_data_key_register(struct store *s, const char *path, struct lt_error *err);

/* Seal every report's plain-text contact with the key file's public key
 * (used by init --demo and import). */
lt_status cli_seal_contacts(const char *keyfile, struct lt_report *r, size_t n,
			    struct lt_error *err);
/* Give each report a fresh random reference code. */
void cli_assign_refs(struct lt_report *r, size_t n);

#endif
