/*
 * test_crash.c — kill -9 the server under write load, twenty times, and
 * lose nothing it acknowledged.
 *
 * `lantern init --demo` makes the database and `lantern token add` an API
 * token of the police (partner reports need one once authentication is
 * on). Then, ROUNDS times:
 *
 *   1. start `lantern serve` on it (port 0; the first line is the URL);
 *   2. CLIENTS threads post partner reports over keep-alive connections as
 *      fast as the server answers, and write the reference code of every
 *      report answered 201 into the client-side ledger;
 *   3. once a random number of reports (ACKS_MIN..ACKS_MAX) have been
 *      acknowledged in the round, the server gets SIGKILL — in the middle of
 *      whatever it was doing: parsing, a batch half-written, an fsync;
 *   4. the clients see their connections drop and stop;
 *   5. with the server dead, the database is opened here and every report
 *      of the ledger must be in it (one query counts them; only when some
 *      are missing is each looked up, to name the first one lost).
 *
 * At the end PRAGMA integrity_check must be ok and the audit chain intact.
 * The random numbers come from a fixed seed; nothing is timed.
 *
 * Environment: LANTERN_BIN, the lantern binary (meson sets it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "http_client.h"
#include "server_run.h"
#include "core/record.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "core/banned.h"

extern char **environ;

#define ROUNDS   20
#define CLIENTS  8
#define ACKS_MIN 20 /* reports acknowledged in a round before the kill, at least */
#define ACKS_MAX 200

static struct {
	const char *bin;
	char dir[512];
	char db[600];
	char log[600];
	char token[128];
	pid_t server;
	unsigned port;
} g = {.server = -1};

/* The client-side ledger. */
static struct {
	pthread_mutex_t lock;
	char (*refs)[LT_REF_SIZE];
	size_t n, cap;
} ledger = {.lock = PTHREAD_MUTEX_INITIALIZER};

static atomic_long round_acks;  /* reports acknowledged in this round */
static atomic_int clients_live; /* client threads still posting */

static void ledger_add(const char *ref)
{
	pthread_mutex_lock(&ledger.lock);
	if (ledger.n == ledger.cap) {
		ledger.cap = ledger.cap ? 2 * ledger.cap : 1024;
		ledger.refs = realloc(ledger.refs, ledger.cap * sizeof(*ledger.refs));
		if (!ledger.refs)
			abort();
	}
	memcpy(ledger.refs[ledger.n++], ref, LT_REF_SIZE);
	pthread_mutex_unlock(&ledger.lock);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* ---- processes ------------------------------------------------------------- */

/* Run lantern with `args` (NULL-terminated, without argv[0]); stdout to
 * `out` (may be NULL: a file in the scratch directory). Its exit code. */
static int run_lantern(const char *const *args, const char *out)
{
	const char *argv[16];
	char path[700];
	size_t n = 0;
	pid_t pid;
	int status;
	posix_spawn_file_actions_t fa;

	argv[n++] = g.bin;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	snprintf(path, sizeof(path), "%s/cmd.err", g.dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : path, O_WRONLY | O_CREAT | O_TRUNC,
	                                 0600);
	posix_spawn_file_actions_addopen(&fa, 2, path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	int rc = posix_spawn(&pid, g.bin, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void kill_server(void)
{
	int status;
	if (g.server <= 0)
		return;
	kill(g.server, SIGKILL);
	while (waitpid(g.server, &status, 0) < 0 && errno == EINTR)
		;
	g.server = -1;
}

/* ---- clients --------------------------------------------------------------- */

struct client {
	int index;
	int acked;
	int other; /* answers that were neither 201 nor a dropped connection */
	char first_other[512];
};

static void *client_run(void *arg)
{
	struct client *c = arg;
	struct http_conn conn;
	char headers[256], body[512];
	static const char *const forms[] = {"labour_exploitation", "sexual_exploitation",
	                                    "forced_criminality", "domestic_servitude"};

	snprintf(headers, sizeof(headers),
	         "Content-Type: application/json\r\nAuthorization: Bearer %s\r\n", g.token);
	if (http_open(&conn, g.port) != 0) {
		atomic_fetch_sub(&clients_live, 1);
		return NULL;
	}
	for (int i = 0;; i++) {
		struct http_response r;
		int n = snprintf(
		    body, sizeof(body),
		    "{\"source\":\"partner\",\"agency\":\"herts_police\",\"forms\":[\"%s\"],"
		    "\"place\":\"local\",\"district\":\"watford\",\"received\":\"2024-05-%02d\","
		    "\"description\":\"Crash test report %d of client %d.\"}",
		    forms[i % 4], 1 + i % 28, i, c->index);
		if (http_send_request(&conn, "POST", "/api/v1/reports", headers, body, (size_t)n) !=
		        0 ||
		    http_read_response(&conn, false, &r) != 0)
			break; /* the server is gone */
		const char *p = r.status == 201 ? strstr(r.body, "\"ref\":\"") : NULL;
		const char *q = p ? strchr(p + 7, '"') : NULL;
		char ref[LT_REF_SIZE] = "";
		if (q && q > p + 7 && (size_t)(q - (p + 7)) < LT_REF_SIZE) {
			memcpy(ref, p + 7, (size_t)(q - (p + 7)));
			ref[q - (p + 7)] = '\0';
		}
		if (ref[0] && lt_ref_valid(ref)) {
			ledger_add(ref);
			c->acked++;
			atomic_fetch_add(&round_acks, 1);
		} else {
			c->other++;
			snprintf(c->first_other, sizeof(c->first_other), "status %d: %s", r.status,
			         r.body);
			http_response_free(&r);
			break; /* a bug, not a crash: stop and report it */
		}
		bool closed = r.closed;
		http_response_free(&r);
		if (closed) {
			http_close(&conn);
			if (http_open(&conn, g.port) != 0)
				break;
		}
	}
	http_close(&conn);
	atomic_fetch_sub(&clients_live, 1);
	return NULL;
}

/* ---- checks ---------------------------------------------------------------- */

static const char *debug_query(struct store *s, const char *sql)
{
	static char out[256];
	struct lt_error e;
	lt_error_clear(&e);
	lt_status st = store_sqlite_debug_query(s, 0, sql, out, sizeof(out), &e);
	if (st != LT_OK)
		fail_msg("%s: %s: %s", sql, lt_status_name(st), e.message);
	return out;
}

/* Every report of the ledger is in the database. */
static void check_ledger(int round, bool full)
{
	struct lt_error e;
	struct store *s = NULL;
	lt_error_clear(&e);
	if (store_open_sqlite(g.db, &s, &e) != LT_OK)
		fail_msg("round %d: opening the database after the kill: %s", round, e.message);
	size_t cap = 64 + ledger.n * (LT_REF_SIZE + 3);
	char *sql = malloc(cap), *end = sql;
	assert_non_null(sql);
	end += snprintf(end, cap, "SELECT count(*) FROM reports WHERE ref IN (''");
	for (size_t i = 0; i < ledger.n; i++)
		end += snprintf(end, cap - (size_t)(end - sql), ",'%s'", ledger.refs[i]);
	snprintf(end, cap - (size_t)(end - sql), ")");
	long present = strtol(debug_query(s, sql), NULL, 10);
	free(sql);
	for (size_t i = 0; present != (long)ledger.n && i < ledger.n; i++) {
		struct lt_report got;
		if (store_report_get(s, ledger.refs[i], &got, &e) != LT_OK)
			fail_msg("round %d: acknowledged report %s (%zu of %zu) is lost: %s", round,
			         ledger.refs[i], i + 1, ledger.n, e.message);
		lt_report_release(&got);
	}
	assert_int_equal(present, ledger.n);
	if (full) {
		struct store_audit_verdict v;
		assert_string_equal(debug_query(s, "PRAGMA integrity_check"), "ok");
		assert_int_equal(store_audit_verify(s, NULL, NULL, 0, &v, &e), LT_OK);
		if (!v.intact)
			fail_msg("audit chain: %s", v.problem);
	}
	store_close(s);
}

static void test_kill_under_load(void **state)
{
	(void)state;
	for (int round = 1; round <= ROUNDS; round++) {
		pthread_t t[CLIENTS];
		struct client c[CLIENTS];
		long target = ACKS_MIN + (long)(rng_next() % (ACKS_MAX - ACKS_MIN + 1));

		if (server_start(g.bin, g.db, g.log, true, &g.server, &g.port) != 0)
			fail_msg("round %d: lantern serve did not start (log: %s)", round, g.log);
		atomic_store(&round_acks, 0);
		atomic_store(&clients_live, CLIENTS);
		for (int i = 0; i < CLIENTS; i++) {
			c[i] = (struct client){.index = i};
			assert_int_equal(pthread_create(&t[i], NULL, client_run, &c[i]), 0);
		}
		/* Kill once `target` reports are acknowledged (the clients never
		 * stop on their own, so this comes; the test's timeout bounds it). */
		while (atomic_load(&round_acks) < target && atomic_load(&clients_live) > 0) {
			struct timespec ts = {0, 200 * 1000};
			nanosleep(&ts, NULL);
		}
		kill_server();
		int acked = 0;
		for (int i = 0; i < CLIENTS; i++) {
			assert_int_equal(pthread_join(t[i], NULL), 0);
			acked += c[i].acked;
			if (c[i].other)
				fail_msg(
				    "round %d, client %d: %d answers that were not 201, first: %s",
				    round, i, c[i].other, c[i].first_other);
		}
		assert_true(acked >= target);
		check_ledger(round, round == ROUNDS);
	}
	print_message("%d kills under load; %zu acknowledged reports, none lost\n", ROUNDS,
	              ledger.n);
}

static int group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char out[700];
	(void)state;
	g.bin = getenv("LANTERN_BIN");
	if (!g.bin || !*g.bin) {
		fprintf(stderr, "LANTERN_BIN is not set\n");
		return -1;
	}
	snprintf(g.dir, sizeof(g.dir), "%s/lantern-crash-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(g.dir))
		return -1;
	snprintf(g.db, sizeof(g.db), "%s/x.db", g.dir);
	snprintf(g.log, sizeof(g.log), "%s/serve.log", g.dir);
	if (run_lantern((const char *[]){"init", "--demo", "--db", g.db, NULL}, NULL) != 0) {
		fprintf(stderr, "lantern init --demo failed (see %s/cmd.err)\n", g.dir);
		return -1;
	}
	snprintf(out, sizeof(out), "%s/token", g.dir);
	if (run_lantern((const char *[]){"token", "add", "--agency", "herts_police", "--role",
	                                 "police", "--label", "crash test", "--db", g.db, NULL},
	                out) != 0) {
		fprintf(stderr, "lantern token add failed (see %s/cmd.err)\n", g.dir);
		return -1;
	}
	FILE *f = fopen(out, "r");
	if (!f || !fgets(g.token, sizeof(g.token), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	g.token[strcspn(g.token, "\r\n")] = '\0';
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[700];
	(void)state;
	kill_server();
	free(ledger.refs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.dir);
	if (strstr(g.dir, "lantern-crash-"))
		(void)!system(cmd);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kill_under_load),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
