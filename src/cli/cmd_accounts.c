/*
 * cmd_accounts.c — `lantern agency`, `lantern user` and `lantern token`: the
 * partner agencies, the accounts of their staff and the API tokens of their
 * systems.
 *
 * The command line is the operator's: whoever runs it on the server can
 * read the database file anyway, so it acts with no principal (audit actor
 * "cli") and may give any role, within the rules every granter keeps
 * (lt_access_grant_check: tokens are never administrators, the police role
 * is for police forces).
 *
 * Passwords never come from the argument list, which every user of the
 * machine can read in the process table and which shells keep in their
 * history. When standard input is a terminal the password is prompted for
 * on it, with echo off, twice; otherwise one line is read from standard
 * input (a pipe or a file), the newline not being part of it. Every copy is
 * wiped once hashed. A token is printed once, alone on standard output (so
 * `TOKEN=$(lantern token add ...)` works), and never again: only its hash is
 * kept.
 */
#include "cli/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/access.h"
#include "core/password.h"
#include "crypto/crypto.h"
#include "core/banned.h"

/* ---- reading a password -------------------------------------------------- */

/* The terminal's settings while echo is off, to put back on a signal. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

static void restore_tty_and_die(int sig)
{
	if (tty_changed)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int echo_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
#define N_ECHO_SIGNALS (sizeof(echo_signals) / sizeof(echo_signals[0]))

/*
 * Read one line from `f` into buf (capacity cap >= LT_PASSWORD_MAX + 1):
 * LT_OK with *len, or LT_ETOOBIG (the rest of the line is read and
 * dropped), or LT_ENOTFOUND at end of file before any character.
 */
static lt_status read_line(FILE *f, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	bool over = false;
	int c;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (n < cap - 1)
			buf[n++] = (char)c;
		else
			over = true;
	}
	if (c == EOF && n == 0 && !over)
		return LT_ENOTFOUND;
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return over || n > LT_PASSWORD_MAX ? LT_ETOOBIG : LT_OK;
}

/* Prompt on the terminal with echo off. */
static lt_status prompt_hidden(const char *prompt, char *buf, size_t cap, size_t *len)
{
	struct termios quiet;
	struct sigaction sa, old[N_ECHO_SIGNALS];
	lt_status st;

	if (tcgetattr(STDIN_FILENO, &saved_tty) != 0)
		return LT_EIO;
	quiet = saved_tty;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_tty_and_die;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_ECHO_SIGNALS; i++)
		sigaction(echo_signals[i], &sa, &old[i]);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
		st = LT_EIO;
		goto out;
	}
	tty_changed = 1;
	/* The prompt comes only once echo is off. */
	fputs(prompt, stderr);
	fflush(stderr);
	st = read_line(stdin, buf, cap, len);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	tty_changed = 0;
out:
	for (size_t i = 0; i < N_ECHO_SIGNALS; i++)
		sigaction(echo_signals[i], &old[i], NULL);
	return st;
}

/*
 * Read a new password for `email` into buf (capacity LT_PASSWORD_MAX + 1),
 * and check it against the policy. On a terminal it is asked twice and the
 * two must match; a refused password is asked again, up to three times.
 * From a pipe, one line. Prints its own errors; returns the exit code.
 * The caller wipes buf.
 */
static int read_new_password(const char *cmd, const char *email, char *buf, size_t cap, size_t *len)
{
	struct lt_error err;
	char again[LT_PASSWORD_MAX + 1];
	size_t alen = 0;
	bool tty = isatty(STDIN_FILENO);
	int rc = CLI_EXIT_FAIL;

	for (int attempt = 0; attempt < (tty ? 3 : 1); attempt++) {
		lt_status st;
		lt_error_clear(&err);
		if (tty) {
			fprintf(stderr,
			        "A password has at least %d characters; a few unrelated words "
			        "make one that is long and easy to remember.\n",
			        LT_PASSWORD_MIN);
			st = prompt_hidden("Password: ", buf, cap, len);
		} else {
			st = read_line(stdin, buf, cap, len);
		}
		if (st == LT_ENOTFOUND) {
			fprintf(stderr,
			        "lantern %s: no password on standard input (give it as one line, "
			        "or run on a terminal to be asked for it)\n",
			        cmd);
			goto out;
		}
		if (st == LT_ETOOBIG)
			st = lt_error_set(&err, LT_ETOOBIG, "password",
			                  "a password has at most %d bytes", LT_PASSWORD_MAX);
		else if (st != LT_OK)
			st = lt_error_set(&err, st, "password", "cannot read the password: %s",
			                  strerror(errno));
		else
			st = lt_password_check(buf, *len, email, &err);
		if (st != LT_OK) {
			char prefix[64];
			snprintf(prefix, sizeof(prefix), "lantern %s", cmd);
			rc = cli_fail(prefix, st, &err);
			continue;
		}
		if (tty) {
			st = prompt_hidden("Password again: ", again, sizeof(again), &alen);
			if (st != LT_OK || alen != *len || memcmp(again, buf, alen) != 0) {
				fprintf(stderr, "lantern %s: the two passwords differ\n", cmd);
				lt_crypto_wipe(again, sizeof(again));
				rc = CLI_EXIT_FAIL;
				continue;
			}
		}
		rc = CLI_EXIT_OK;
		break;
	}
out:
	lt_crypto_wipe(again, sizeof(again));
	if (rc != CLI_EXIT_OK)
		lt_crypto_wipe(buf, cap);
	return rc;
}

/* ---- shared pieces -------------------------------------------------------- */

/* Options of the three commands; each verb accepts some of them. */
enum {
	OPT_AGENCY = 2000,
	OPT_ROLE,
	OPT_LABEL,
	OPT_KIND,
	OPT_CODE,
};

struct args {
	struct cli_common c;
	const char *agency, *role, *label, *kind, *code;
	char **rest; /* the words after the command: verb and operands */
	int nrest;
};

/* Parse the options of `cmd`; returns -1 when parsed, else an exit code. */
static int parse(const char *cmd, int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
	    {"agency", required_argument, NULL, OPT_AGENCY},
	    {"role", required_argument, NULL, OPT_ROLE},
	    {"label", required_argument, NULL, OPT_LABEL},
	    {"kind", required_argument, NULL, OPT_KIND},
	    {"code", required_argument, NULL, OPT_CODE},
	    CLI_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	int opt;
	memset(a, 0, sizeof(*a));
	cli_common_init(&a->c);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (cli_common_option(&a->c, opt, optarg))
			continue;
		switch (opt) {
		case 'h':
			cli_help(cmd, stdout);
			return CLI_EXIT_OK;
		case OPT_AGENCY:
			a->agency = optarg;
			break;
		case OPT_ROLE:
			a->role = optarg;
			break;
		case OPT_LABEL:
			a->label = optarg;
			break;
		case OPT_KIND:
			a->kind = optarg;
			break;
		case OPT_CODE:
			a->code = optarg;
			break;
		case ':':
			return cli_usage(cmd, "%s needs a value", argv[optind - 1]);
		default:
			return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	cli_common_finish(&a->c);
	a->rest = argv + optind;
	a->nrest = argc - optind;
	return -1;
}

/* Refuse the options a verb does not take. */
static int only(const char *cmd, const char *verb, const struct args *a, bool agency, bool role,
                bool label, bool kind, bool code)
{
	const char *bad = (!agency && a->agency) ? "--agency"
	                  : (!role && a->role)   ? "--role"
	                  : (!label && a->label) ? "--label"
	                  : (!kind && a->kind)   ? "--kind"
	                  : (!code && a->code)   ? "--code"
	                                         : NULL;
	if (bad)
		return cli_usage(cmd, "'%s %s' takes no %s", cmd, verb, bad);
	return -1;
}

/* The role named by --role, or a usage error. */
static int parse_role(const char *cmd, const char *text, enum lt_role *out)
{
	char expected[256];
	*out = (enum lt_role)0; /* defined on every path; meaningful only on success */
	if (!text)
		return cli_usage(cmd, "--role is required");
	int i = lt_vocab_find(&lt_vocab_role, text, strlen(text));
	if (i < 0) {
		lt_vocab_expected(&lt_vocab_role, expected, sizeof(expected));
		return cli_usage(cmd, "--role: unknown role '%s' (expected one of: %s)", text,
		                 expected);
	}
	*out = (enum lt_role)i;
	return -1;
}

/* Find agency `code` in the store: LT_ENOTFOUND (printed) when none. */
static int find_agency(struct store *s, const char *cmd, const char *code, struct lt_agency *out)
{
	struct lt_agency *v = NULL;
	size_t n = 0;
	struct lt_error err;
	char prefix[64];
	int rc = CLI_EXIT_FAIL;
	lt_error_clear(&err);
	snprintf(prefix, sizeof(prefix), "lantern %s", cmd);
	lt_status st = store_agency_list(s, &v, &n, &err);
	if (st != LT_OK) {
		rc = cli_fail(prefix, st, &err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].code, code) == 0) {
			*out = v[i];
			rc = CLI_EXIT_OK;
			goto out;
		}
	}
	fprintf(stderr, "lantern %s: there is no agency '%s' ('lantern agency list' shows them)\n",
	        cmd, code);
out:
	free(v);
	return rc;
}

/* ---- lantern agency ----------------------------------------------------- */

static int agency_list(struct store *s)
{
	struct lt_agency *a = NULL;
	size_t n = 0;
	struct lt_error err;
	int rc = CLI_EXIT_OK;
	lt_error_clear(&err);
	lt_status st = store_agency_list(s, &a, &n, &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern agency", st, &err);
	} else {
		printf("%-16s %-18s %s\n", "CODE", "KIND", "NAME");
		for (size_t i = 0; i < n; i++)
			printf("%-16s %-18s %s\n", a[i].code,
			       lt_vocab_term(&lt_vocab_agency_kind, a[i].kind)->code, a[i].name);
	}
	free(a);
	return rc;
}

int cli_cmd_agency(int argc, char **argv)
{
	struct args a;
	struct store *s = NULL;
	struct lt_error err;
	char expected[512];
	int rc = parse("agency", argc, argv, &a);
	if (rc >= 0)
		return rc;
	lt_error_clear(&err);
	if (a.nrest < 1)
		return cli_usage("agency", "expected 'list' or 'add'");
	const char *verb = a.rest[0];

	if (strcmp(verb, "list") == 0) {
		if ((rc = only("agency", verb, &a, false, false, false, false, false)) >= 0)
			return rc;
		if (a.nrest != 1)
			return cli_usage("agency", "'agency list' takes no operand");
		if ((rc = cli_open_store(&a.c, &s)) != CLI_EXIT_OK)
			return rc;
		rc = agency_list(s);
		store_close(s);
		return rc;
	}
	if (strcmp(verb, "add") != 0)
		return cli_usage("agency", "unknown action '%s' (expected list or add)", verb);
	if ((rc = only("agency", verb, &a, false, false, false, true, true)) >= 0)
		return rc;
	if (a.nrest != 2)
		return cli_usage("agency",
		                 "'agency add' takes the agency's NAME (quoted if it has spaces)");
	if (!a.kind)
		return cli_usage("agency", "--kind is required");

	struct lt_agency ag;
	memset(&ag, 0, sizeof(ag));
	const char *name = a.rest[1];
	int kind = lt_vocab_find(&lt_vocab_agency_kind, a.kind, strlen(a.kind));
	if (kind < 0) {
		lt_vocab_expected(&lt_vocab_agency_kind, expected, sizeof(expected));
		return cli_usage("agency", "--kind: unknown kind '%s' (expected one of: %s)",
		                 a.kind, expected);
	}
	ag.kind = (enum lt_agency_kind)kind;
	if (strlen(name) >= sizeof(ag.name))
		return cli_usage("agency", "the name is longer than %zu bytes",
		                 sizeof(ag.name) - 1);
	memcpy(ag.name, name, strlen(name) + 1);
	if (!lt_text_valid(ag.name, strlen(ag.name)) || strchr(ag.name, '\n'))
		return cli_usage("agency", "the name is one line of text");
	if (a.code) {
		if (lt_agency_code_check(a.code, strlen(a.code), "code", &err) != LT_OK)
			return cli_usage("agency", "--code: %s", err.message);
		memcpy(ag.code, a.code, strlen(a.code) + 1);
	} else if (lt_agency_code_from_name(name, strlen(name), ag.code, &err) != LT_OK) {
		return cli_usage("agency", "%s", err.message);
	}

	if ((rc = cli_open_store(&a.c, &s)) != CLI_EXIT_OK)
		return rc;
	lt_status st = store_agency_add(s, &ag, "cli", &err);
	if (st != LT_OK)
		rc = cli_fail("lantern agency add", st, &err);
	else
		printf("added agency %s (%s): %s\n", ag.code,
		       lt_vocab_term(&lt_vocab_agency_kind, ag.kind)->code, ag.name);
	store_close(s);
	return rc;
}

/* ---- lantern user ------------------------------------------------------- */

static int user_add(struct args *a, struct store *s, const char *email)
{
	struct lt_error err;
	struct lt_agency ag;
	struct store_user u, existing;
	enum lt_role role;
	char pw[LT_PASSWORD_MAX + 1];
	char hash[LT_PASSWORD_HASH_MAX];
	size_t len = 0;
	int rc;
	lt_status st;

	lt_error_clear(&err);
	memset(&u, 0, sizeof(u));
	memset(hash, 0, sizeof(hash));
	if ((rc = parse_role("user", a->role, &role)) >= 0)
		return rc;
	if ((rc = find_agency(s, "user add", a->agency, &ag)) != CLI_EXIT_OK)
		return rc;
	if ((st = lt_email_check(email, strlen(email), &err)) != LT_OK ||
	    (st = lt_access_grant_check(NULL, role, ag.kind, false, &err)) != LT_OK)
		return cli_fail("lantern user add", st, &err);
	/* Before asking for a password that would be thrown away. */
	st = store_user_find(s, email, &existing, &err);
	store_user_wipe(&existing);
	if (st == LT_OK) {
		fprintf(stderr, "lantern user add: an account with that e-mail address exists\n");
		return CLI_EXIT_FAIL;
	}
	if (st != LT_ENOTFOUND)
		return cli_fail("lantern user add", st, &err);
	lt_error_clear(&err);

	if ((rc = read_new_password("user add", email, pw, sizeof(pw), &len)) != CLI_EXIT_OK)
		return rc;
	st = lt_crypto_password_hash(pw, len, hash);
	lt_crypto_wipe(pw, sizeof(pw));
	if (st != LT_OK) {
		lt_error_set(&err, st, "password", "the password could not be hashed");
		rc = cli_fail("lantern user add", st, &err);
		goto out;
	}
	memcpy(u.email, email, strlen(email) + 1);
	memcpy(u.agency, ag.code, sizeof(u.agency));
	u.role = role;
	st = store_user_add(s, &u, hash, "cli", &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern user add", st, &err);
		goto out;
	}
	printf("added user %s: %s at %s (account %lld)\n", u.email,
	       lt_vocab_term(&lt_vocab_role, u.role)->code, u.agency, (long long)u.id);
	rc = CLI_EXIT_OK;
out:
	lt_crypto_wipe(hash, sizeof(hash));
	store_user_wipe(&u);
	return rc;
}

static int user_password(struct store *s, const char *email)
{
	struct lt_error err;
	struct store_user u;
	char pw[LT_PASSWORD_MAX + 1];
	char hash[LT_PASSWORD_HASH_MAX];
	size_t len = 0;
	int rc;
	lt_status st;

	lt_error_clear(&err);
	memset(hash, 0, sizeof(hash));
	if ((st = store_user_find(s, email, &u, &err)) != LT_OK) {
		if (st == LT_ENOTFOUND)
			lt_error_set(&err, st, NULL,
			             "there is no account with that e-mail address");
		return cli_fail("lantern user password", st, &err);
	}
	if ((rc = read_new_password("user password", u.email, pw, sizeof(pw), &len)) != CLI_EXIT_OK)
		goto out;
	st = lt_crypto_password_hash(pw, len, hash);
	lt_crypto_wipe(pw, sizeof(pw));
	if (st == LT_OK)
		st = store_user_set_password(s, u.id, hash, "cli", &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern user password", st, &err);
		goto out;
	}
	printf("changed the password of %s\n", u.email);
	rc = CLI_EXIT_OK;
out:
	lt_crypto_wipe(hash, sizeof(hash));
	store_user_wipe(&u);
	return rc;
}

static int user_set_disabled(struct store *s, const char *email, bool disabled)
{
	struct lt_error err;
	struct store_user before, after;
	const char *cmd = disabled ? "lantern user disable" : "lantern user enable";
	lt_error_clear(&err);
	lt_status st = store_user_find(s, email, &before, &err);
	if (st == LT_OK)
		st = store_user_set_disabled(s, email, disabled, "cli", &after, &err);
	if (st != LT_OK) {
		if (st == LT_ENOTFOUND)
			lt_error_set(&err, st, NULL,
			             "there is no account with that e-mail address");
		store_user_wipe(&before);
		return cli_fail(cmd, st, &err);
	}
	if (before.disabled == disabled)
		printf("%s was already %s\n", after.email, disabled ? "disabled" : "enabled");
	else
		printf("%s %s\n", disabled ? "disabled" : "enabled", after.email);
	store_user_wipe(&before);
	store_user_wipe(&after);
	return CLI_EXIT_OK;
}

/*
 * Ask the server to lift its sign-in lock on an account. The login
 * throttle lives in the server's memory, which this command cannot reach:
 * it records the request in the database (audited "user.unlock"), and the
 * server honours it at the account's next sign-in attempt, forgetting the
 * account's failed attempts (docs/security.md, "Throttling of failed
 * logins").
 */
static int user_unlock(struct store *s, const char *email)
{
	struct lt_error err;
	struct store_user after;
	lt_error_clear(&err);
	memset(&after, 0, sizeof(after));
	lt_status st = store_user_unlock(s, email, "cli", &after, &err);
	if (st != LT_OK) {
		if (st == LT_ENOTFOUND)
			lt_error_set(&err, st, NULL,
			             "there is no account with that e-mail address");
		return cli_fail("lantern user unlock", st, &err);
	}
	printf("unlock of %s asked for: its next sign-in attempt is let through and its failed "
	       "attempts are forgotten%s\n",
	       after.email,
	       after.disabled ? " (the account is disabled: 'lantern user enable' it too)" : "");
	store_user_wipe(&after);
	return CLI_EXIT_OK;
}

static int user_list(struct store *s, const char *agency)
{
	struct lt_error err;
	struct store_user *v = NULL;
	size_t n = 0;
	lt_error_clear(&err);
	lt_status st = store_user_list(s, &v, &n, &err);
	if (st != LT_OK)
		return cli_fail("lantern user list", st, &err);
	printf("%-6s %-36s %-16s %-18s %-8s %s\n", "ID", "EMAIL", "AGENCY", "ROLE", "STATE",
	       "CREATED");
	for (size_t i = 0; i < n; i++) {
		if (agency && strcmp(v[i].agency, agency) != 0)
			continue;
		printf("%-6lld %-36s %-16s %-18s %-8s %s\n", (long long)v[i].id, v[i].email,
		       v[i].agency, lt_vocab_term(&lt_vocab_role, v[i].role)->code,
		       v[i].disabled ? "disabled" : "active", v[i].created_at);
	}
	free(v);
	return CLI_EXIT_OK;
}

int cli_cmd_user(int argc, char **argv)
{
	struct args a;
	struct store *s = NULL;
	int rc = parse("user", argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (a.nrest < 1)
		return cli_usage("user", "expected add, disable, enable, unlock, password or list");
	const char *verb = a.rest[0];
	bool add = strcmp(verb, "add") == 0, list = strcmp(verb, "list") == 0;
	bool dis = strcmp(verb, "disable") == 0, en = strcmp(verb, "enable") == 0;
	bool pass = strcmp(verb, "password") == 0, unlock = strcmp(verb, "unlock") == 0;

	if (!add && !list && !dis && !en && !pass && !unlock)
		return cli_usage("user",
		                 "unknown action '%s' (expected add, disable, enable, unlock, "
		                 "password or list)",
		                 verb);
	if ((rc = only("user", verb, &a, add || list, add, false, false, false)) >= 0)
		return rc;
	if (list && a.nrest != 1)
		return cli_usage("user", "'user list' takes no operand");
	if (!list && a.nrest != 2)
		return cli_usage("user", "'user %s' takes one e-mail address", verb);
	if (add && !a.agency)
		return cli_usage("user", "--agency is required");
	if (add && !a.role)
		return cli_usage("user", "--role is required");
	if ((rc = cli_open_store(&a.c, &s)) != CLI_EXIT_OK)
		return rc;
	if (add)
		rc = user_add(&a, s, a.rest[1]);
	else if (pass)
		rc = user_password(s, a.rest[1]);
	else if (list)
		rc = user_list(s, a.agency);
	else if (unlock)
		rc = user_unlock(s, a.rest[1]);
	else
		rc = user_set_disabled(s, a.rest[1], dis);
	store_close(s);
	return rc;
}

/* ---- lantern token ------------------------------------------------------ */

static int token_add(struct args *a, struct store *s)
{
	struct lt_error err;
	struct lt_agency ag;
	struct store_token t;
	enum lt_role role;
	char tok[LT_CRYPTO_TOKEN_SIZE];
	unsigned char hash[LT_CRYPTO_TOKEN_HASH_BYTES];
	int rc;
	lt_status st;

	lt_error_clear(&err);
	memset(&t, 0, sizeof(t));
	if ((rc = parse_role("token", a->role, &role)) >= 0)
		return rc;
	if (a->label && strlen(a->label) > LT_TOKEN_LABEL_MAX)
		return cli_usage("token", "--label is longer than %d bytes", LT_TOKEN_LABEL_MAX);
	if ((rc = find_agency(s, "token add", a->agency, &ag)) != CLI_EXIT_OK)
		return rc;
	if ((st = lt_access_grant_check(NULL, role, ag.kind, true, &err)) != LT_OK)
		return cli_fail("lantern token add", st, &err);

	lt_crypto_token_new(tok);
	lt_crypto_token_hash(tok, strlen(tok), hash);
	memcpy(t.agency, ag.code, sizeof(t.agency));
	t.role = role;
	if (a->label)
		memcpy(t.label, a->label, strlen(a->label) + 1);
	st = store_token_add(s, &t, hash, "cli", &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern token add", st, &err);
	} else {
		fprintf(stderr,
		        "token %lld: %s at %s. It is shown only this once: give it to the partner "
		        "system now; lantern keeps only its hash.\n",
		        (long long)t.id, lt_vocab_term(&lt_vocab_role, t.role)->code, t.agency);
		printf("%s\n", tok);
		fflush(stdout);
		rc = CLI_EXIT_OK;
	}
	lt_crypto_wipe(tok, sizeof(tok));
	return rc;
}

static int token_revoke(struct store *s, const char *id_text)
{
	struct lt_error err;
	char *end;
	bool was = false;
	errno = 0;
	long long id = strtoll(id_text, &end, 10);
	if (errno || end == id_text || *end || id <= 0)
		return cli_usage(
		    "token", "'%s' is not a token id ('lantern token list' shows them)", id_text);
	lt_error_clear(&err);
	lt_status st = store_token_revoke(s, (int64_t)id, "cli", &was, &err);
	if (st != LT_OK)
		return cli_fail("lantern token revoke", st, &err);
	if (was)
		printf("revoked token %lld\n", id);
	else
		printf("token %lld was already revoked\n", id);
	return CLI_EXIT_OK;
}

static int token_list(struct store *s)
{
	struct lt_error err;
	struct store_token *v = NULL;
	size_t n = 0;
	lt_error_clear(&err);
	lt_status st = store_token_list(s, &v, &n, &err);
	if (st != LT_OK)
		return cli_fail("lantern token list", st, &err);
	printf("%-6s %-16s %-12s %-24s %-24s %s\n", "ID", "AGENCY", "ROLE", "CREATED", "REVOKED",
	       "LABEL");
	for (size_t i = 0; i < n; i++)
		printf("%-6lld %-16s %-12s %-24s %-24s %s\n", (long long)v[i].id, v[i].agency,
		       lt_vocab_term(&lt_vocab_role, v[i].role)->code, v[i].created_at,
		       v[i].revoked_at[0] ? v[i].revoked_at : "-", v[i].label);
	free(v);
	return CLI_EXIT_OK;
}

int cli_cmd_token(int argc, char **argv)
{
	struct args a;
	struct store *s = NULL;
	int rc = parse("token", argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (a.nrest < 1)
		return cli_usage("token", "expected add, revoke or list");
	const char *verb = a.rest[0];
	bool add = strcmp(verb, "add") == 0, revoke = strcmp(verb, "revoke") == 0,
	     list = strcmp(verb, "list") == 0;
	if (!add && !revoke && !list)
		return cli_usage("token", "unknown action '%s' (expected add, revoke or list)",
		                 verb);
	if ((rc = only("token", verb, &a, add, add, add, false, false)) >= 0)
		return rc;
	if ((add || list) && a.nrest != 1)
		return cli_usage("token", "'token %s' takes no operand", verb);
	if (revoke && a.nrest != 2)
		return cli_usage("token", "'token revoke' takes one token id");
	if (add && !a.agency)
		return cli_usage("token", "--agency is required");
	if (add && !a.role)
		return cli_usage("token", "--role is required");
	if ((rc = cli_open_store(&a.c, &s)) != CLI_EXIT_OK)
		return rc;
	if (add)
		rc = token_add(&a, s);
	else if (revoke)
		rc = token_revoke(s, a.rest[1]);
	else
		rc = token_list(s);
	store_close(s);
	return rc;
}
