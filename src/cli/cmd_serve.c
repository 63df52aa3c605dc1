/*
 * cmd_serve.c — `lantern serve`: run the HTTP front end until SIGINT or
 * SIGTERM, then stop it cleanly (requests in flight finish) and exit 0.
 *
 * The signals are blocked before the server's threads start, so they inherit
 * the mask and only this thread, waiting in sigwait, ever receives them.
 *
 * Session cookies are sent with Secure: the server is meant to sit behind
 * HTTPS (a reverse proxy). --insecure-http drops Secure so a browser keeps
 * the cookie over plain HTTP, and is refused unless --listen is a loopback
 * address, where nothing crosses a network.
 */
#include "cli/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "web/web.h"
#include "core/banned.h"

/*
 * Give the store the audit signing key, so that it signs a checkpoint of
 * the audit chain every LT_AUDIT_CHECKPOINT_EVERY entries. Without the key
 * file the server runs and says so; with a bad one it refuses to start.
 */
static int audit_signer(struct store *s, const struct cli_common *c, const char *given,
			char *buf, size_t cap)
{
	struct lt_crypto_sign_key k;
	struct lt_error err;
	const char *path = cli_audit_key_path(c, given, buf, cap);
	lt_error_clear(&err);
	lt_status st = lt_crypto_sign_keyfile_read(path, 1, &k, &err);
	if (st == LT_ENOTFOUND && !given) {
		fprintf(stderr,
			"lantern serve: no audit key at %s: the audit log is chained but no "
			"checkpoint will be signed ('lantern init' creates the key)\n",
			path);
		return CLI_EXIT_OK;
	}
	if (st != LT_OK)
		return cli_fail("lantern serve", st, &err);
	store_audit_signer_set(s, &k, 0);
	lt_crypto_sign_key_wipe(&k);
	return CLI_EXIT_OK;
}

/*
 * Read the data key file, the master keys of personal data at rest. Without
 * the file the server runs and says so (the routes of persons answer that
 * there is no data key); a bad file stops it. *have says whether *kr holds
 * keys (wipe it after).
 */
static int data_keys(const struct cli_common *c, const char *given, struct lt_crypto_keyring *kr,
		     bool *have)
{
	char buf[4200];
	struct lt_error err;
	const char *path = cli_data_key_path(c, given, buf, sizeof(buf));
	lt_error_clear(&err);
	*have = false;
	lt_status st = cli_data_key_load(path, kr, &err);
	if (st == LT_ENOTFOUND && !given) {
		fprintf(stderr,
			"lantern serve: no data key at %s: persons, referrals and cases cannot be "
			"recorded or read ('lantern key init' creates the key)\n",
			path);
		return CLI_EXIT_OK;
	}
	if (st != LT_OK)
		return cli_fail("lantern serve", st, &err);
	*have = true;
	return CLI_EXIT_OK;
}

int cli_cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"threads", required_argument, NULL, 'T'},
		{"audit-key", required_argument, NULL, CLI_OPT_AUDIT_KEY},
		{"insecure-http", no_argument, NULL, 'I'},
		{"data-key", required_argument, NULL, CLI_OPT_DATA_KEY},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_common c;
	struct web_options wo = {"127.0.0.1:8080", NULL, 0, false, NULL};
	struct lt_error err;
	struct store *s = NULL;
	struct web_server *srv = NULL;
	const char *audit_key = NULL, *data_key = NULL;
	char audit_keybuf[4200];
	struct lt_crypto_keyring keys = {0};
	bool have_keys = false;
	int opt, rc;

	cli_common_init(&c);
	lt_error_clear(&err);
	optind = 1;
	while ((opt = cli_next_option(&c, "serve", argc, argv, opts, &rc)) >= 0) {
		switch (opt) {
		case 'l':
			wo.listen = optarg;
			break;
		case CLI_OPT_AUDIT_KEY:
			audit_key = optarg;
			break;
		case CLI_OPT_DATA_KEY:
			data_key = optarg;
			break;
		case 'I':
			wo.insecure_http = true;
			break;
		case 'T': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > 64)
				return cli_usage("serve", "--threads: '%s' is not a number from 1 to 64",
						 optarg);
			wo.threads = (unsigned)v;
			break;
		}
		}
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (optind != argc)
		return cli_usage("serve", "unexpected argument '%s'", argv[optind]);
	cli_common_finish(&c);
	wo.keyfile = c.key;

	rc = cli_open_store(&c, &s);
	if (rc != CLI_EXIT_OK)
		return rc;
	if ((rc = audit_signer(s, &c, audit_key, audit_keybuf, sizeof(audit_keybuf))) !=
		    CLI_EXIT_OK ||
	    (rc = data_keys(&c, data_key, &keys, &have_keys)) != CLI_EXIT_OK) {
		store_close(s);
		return rc;
	}
	wo.data_keys = have_keys ? &keys : NULL;
	if (have_keys) {
		/* The blind index of persons recorded by an older lantern lacks
		 * the newer terms (docs/operations.md, "Upgrades"): rewrite it now,
		 * with the key, in batches that a restart resumes. A failure does
		 * not stop the server: those persons are found as before. */
		size_t done = 0, left = 0;
		lt_status rs = store_data_keys_reindex(s, &keys, "cli", 0, &done, &left, &err);
		if (done || rs != LT_OK)
			fprintf(stderr, "lantern serve: re-indexed %zu persons for the blind index%s%s\n",
				done, rs != LT_OK ? "; stopped: " : "", rs != LT_OK ? err.message : "");
		lt_error_clear(&err);
	}

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	lt_status st = web_server_start(s, &wo, &srv, &err);
	lt_crypto_keyring_wipe(&keys); /* the server holds its own copy */
	if (st != LT_OK) {
		rc = cli_fail("lantern serve", st, &err);
		store_close(s);
		return rc;
	}
	/* The URL is the first line on stdout: tests and scripts read it. */
	const char *host = wo.listen;
	const char *colon = strrchr(host, ':');
	int hostlen = colon ? (int)(colon - host) : (int)strlen(host);
	printf("http://%.*s:%u/\n", hostlen, host, web_server_port(srv));
	fflush(stdout);
	fprintf(stderr, "lantern: serving %s on http://%.*s:%u/ (Ctrl-C to stop)\n", c.db, hostlen,
		host, web_server_port(srv));

	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	fprintf(stderr, "lantern: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	web_server_stop(srv);
	store_close(s);
	return CLI_EXIT_OK;
}
