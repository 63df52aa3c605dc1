/*
 * test_powercut.c — no acknowledged write is lost to a power cut.
 *
 * The store is opened through the power-cut VFS (store_sqlite_testvfs.c),
 * which loses every write not yet synced when the power goes. Each round:
 *
 *   1. open the store (the database lives on from round to round: it grows,
 *      the WAL fills and is checkpointed, as in a real server);
 *   2. arm the cut at a random write, truncation, sync or delete of the
 *      round (the seed is fixed, so a failure can be replayed);
 *   3. WRITERS threads insert reports one at a time as fast as the store
 *      takes them, each recording in the ledger the reference code of every
 *      report the store acknowledged (LT_OK), and stopping at the first
 *      failure — the power is off;
 *   4. close the store (its checkpoint may be cut too); if the cut has not
 *      come yet, it comes now, after a clean shutdown;
 *   5. power back on (every file back to its last sync), reopen with the
 *      default VFS, and check: PRAGMA integrity_check is ok, every report
 *      in the ledger is there, the audit chain verifies.
 *
 * Rounds go on until CUTS_WANTED cuts have landed during the write load
 * (before the close), at most ROUNDS_MAX rounds.
 */
#include "testutil.h"

#include <pthread.h>

#include "core/record.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

#define WRITERS     4
#define PER_WRITER  40 /* reports one writer sends in a round, at most */
#define CUTS_WANTED 50 /* cuts during the write load */
#define ROUNDS_MAX  300
#define OPS_RANGE                                                                                  \
	1800 /* the cut is armed at op 1..OPS_RANGE of the round (a round                          \
	        of writes and a close is some 700 to 1,700 ops) */

#define assert_status(got, want, err)                                                              \
	do {                                                                                       \
		lt_status g_ = (got), w_ = (want);                                                 \
		if (g_ != w_)                                                                      \
			fail_msg("%s = %s (%s), want %s", #got, lt_status_name(g_), (err).message, \
			         lt_status_name(w_));                                              \
	} while (0)

/* The client-side ledger: every reference code the store acknowledged. */
static struct {
	pthread_mutex_t lock;
	char (*refs)[LT_REF_SIZE];
	size_t n, cap;
	uint64_t next_bits; /* reference codes are handed out in order */
} ledger = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t ledger_next_bits(void)
{
	pthread_mutex_lock(&ledger.lock);
	uint64_t b = ++ledger.next_bits;
	pthread_mutex_unlock(&ledger.lock);
	return b;
}

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

/* A small deterministic generator (xorshift64*), so a failing round can be
 * replayed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

struct writer {
	struct store *s;
	int index;
	int acked;
};

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	for (int i = 0; i < PER_WRITER; i++) {
		struct lt_report r;
		struct lt_error e = {0};
		lt_report_init(&r);
		lt_ref_format(ledger_next_bits() << 8, r.ref);
		r.forms = 1u << (i % LT_FORM_COUNT);
		r.received = (struct lt_date){2020, 1 + (w->index % 12), 1 + (i % 28)};
		if (i % 3 == 0) {
			r.source = LT_SOURCE_PARTNER;
			snprintf(r.agency, sizeof(r.agency), "herts-police");
		}
		lt_status st = store_reports_insert(w->s, &r, 1, "test", &e);
		if (st == LT_OK) {
			ledger_add(r.ref);
			w->acked++;
		}
		lt_report_release(&r);
		if (st != LT_OK)
			break; /* the power is off */
	}
	return NULL;
}

static const char *debug_query(struct store *s, const char *sql)
{
	static char out[256];
	struct lt_error e = {0};
	lt_status st = store_sqlite_debug_query(s, 0, sql, out, sizeof(out), &e);
	if (st != LT_OK)
		fail_msg("%s: %s: %s", sql, lt_status_name(st), e.message);
	return out;
}

/* Reopen with the default VFS and check the database against the ledger. */
static void check_after_cut(const char *path, int round)
{
	struct lt_error e = {0};
	struct store *s = NULL;
	assert_status(store_open_sqlite(path, &s, &e), LT_OK, e);
	const char *ic = debug_query(s, "PRAGMA integrity_check");
	if (strcmp(ic, "ok") != 0)
		fail_msg("round %d: integrity_check: %s", round, ic);
	/* One query counts the ledger's reports; only when some are missing is
	 * each looked up, to name the first one lost. */
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
		lt_status st = store_report_get(s, ledger.refs[i], &got, &e);
		if (st != LT_OK)
			fail_msg("round %d: acknowledged report %s (%zu of %zu) is lost: %s", round,
			         ledger.refs[i], i + 1, ledger.n, e.message);
		lt_report_release(&got);
	}
	assert_int_equal(present, ledger.n);
	long n = 0;
	assert_status(store_report_count(s, &n, &e), LT_OK, e);
	assert_true((size_t)n >= ledger.n);
	struct store_audit_verdict v;
	assert_status(store_audit_verify(s, NULL, NULL, 0, &v, &e), LT_OK, e);
	if (!v.intact)
		fail_msg("round %d: audit chain: %s", round, v.problem);
	store_close(s);
}

static void test_power_cuts(void **state)
{
	struct lt_error e = {0};
	struct store *s = NULL;
	const char *p = test_tmp_path("powercut.db");
	char path[1024];
	int during_load = 0, after_close = 0, round = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s", p);
	assert_status(store_sqlite_testvfs_install(&e), LT_OK, e);

	/* The database and its agency, written and synced before any cut. */
	assert_status(store_sqlite_debug_open(path, STORE_SQLITE_TESTVFS, &s, &e), LT_OK, e);
	struct lt_agency a = {0};
	snprintf(a.code, sizeof(a.code), "herts-police");
	snprintf(a.name, sizeof(a.name), "Hertfordshire Constabulary");
	a.kind = LT_AGENCY_KIND_POLICE;
	assert_status(store_agency_add(s, &a, "test", &e), LT_OK, e);
	store_close(s);

	while (during_load < CUTS_WANTED && round < ROUNDS_MAX) {
		pthread_t t[WRITERS];
		struct writer w[WRITERS];
		round++;
		lt_error_clear(&e);
		assert_status(store_sqlite_debug_open(path, STORE_SQLITE_TESTVFS, &s, &e), LT_OK,
		              e);
		store_sqlite_testvfs_arm(1 + rng_next() % OPS_RANGE);
		for (int i = 0; i < WRITERS; i++) {
			w[i] = (struct writer){.s = s, .index = i};
			assert_int_equal(pthread_create(&t[i], NULL, writer_run, &w[i]), 0);
		}
		for (int i = 0; i < WRITERS; i++)
			assert_int_equal(pthread_join(t[i], NULL), 0);
		if (store_sqlite_testvfs_is_cut())
			during_load++;
		store_close(s);
		if (!store_sqlite_testvfs_is_cut()) {
			after_close++;
			store_sqlite_testvfs_cut();
		}
		assert_status(store_sqlite_testvfs_restore(&e), LT_OK, e);
		check_after_cut(path, round);
	}
	print_message("%d rounds: %d cuts during the write load, %d after a clean close; "
	              "%zu acknowledged reports, none lost\n",
	              round, during_load, after_close, ledger.n);
	if (during_load < CUTS_WANTED)
		fail_msg("only %d of %d rounds cut the power during the write load", during_load,
		         round);
	free(ledger.refs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_power_cuts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
