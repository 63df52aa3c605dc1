/*
 * test_store_durability.c — the group commit of the SQLite store
 * (store_sqlite_writer.c): every write goes through the writer thread, the
 * writes queued together commit in one transaction, one that fails is rolled
 * back alone, and reads never wait for the writer.
 *
 * Batches are made deterministic by holding the writer connection's mutex
 * from the test (store_sqlite_debug_writer_hold), as a batch stuck in a long
 * fsync would: writes pile up on the queue, and when the mutex is given back
 * the writer thread takes them all in one batch. The test waits for the
 * pile-up by watching the writer's figures, never by timing.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/record.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

#define assert_status(got, want, err)                                                              \
	do {                                                                                       \
		lt_status g_ = (got), w_ = (want);                                                 \
		if (g_ != w_)                                                                      \
			fail_msg("%s = %s (%s), want %s", #got, lt_status_name(g_), (err).message, \
			         lt_status_name(w_));                                              \
	} while (0)

struct fixture {
	struct store *s;
	char path[900];
};

static int setup(void **state)
{
	static int counter;
	char name[64];
	struct lt_error e = {0};
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(name, sizeof(name), "durability-%d.db", ++counter);
	snprintf(f->path, sizeof(f->path), "%s", test_tmp_path(name));
	assert_status(store_open_sqlite(f->path, &f->s, &e), LT_OK, e);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	free(f);
	return 0;
}

static const char *debug_query(struct store *s, int conn, const char *sql)
{
	static char out[256];
	struct lt_error e = {0};
	lt_status st = store_sqlite_debug_query(s, conn, sql, out, sizeof(out), &e);
	if (st != LT_OK)
		fail_msg("%s on connection %d: %s: %s", sql, conn, lt_status_name(st), e.message);
	return out;
}

static long debug_count(struct store *s, const char *sql)
{
	return strtol(debug_query(s, 0, sql), NULL, 10);
}

static void add_agency(struct store *s, const char *code)
{
	struct lt_agency a = {0};
	struct lt_error e = {0};
	snprintf(a.code, sizeof(a.code), "%s", code);
	snprintf(a.name, sizeof(a.name), "Agency %s", code);
	a.kind = LT_AGENCY_KIND_POLICE;
	assert_status(store_agency_add(s, &a, "test", &e), LT_OK, e);
}

/* A minimal valid report with the reference code made from `bits`, from
 * agency `agency` ("" for a public report). */
static void report_make(struct lt_report *r, uint64_t bits, const char *agency)
{
	lt_report_init(r);
	lt_ref_format(bits, r->ref);
	r->forms = 1u << LT_FORM_UNKNOWN;
	r->received = (struct lt_date){2019, 1, 1};
	if (agency[0]) {
		r->source = LT_SOURCE_PARTNER;
		snprintf(r->agency, sizeof(r->agency), "%s", agency);
	}
}

static struct store_writer_stats stats(struct store *s)
{
	struct store_writer_stats w;
	store_sqlite_debug_writer_stats(s, &w);
	return w;
}

/* Wait (without a deadline of our own: the test's timeout is the bound)
 * until `n` callers wait on the writer. */
static void wait_for_waiting(struct store *s, size_t n)
{
	while (stats(s).waiting < n) {
		struct timespec ts = {0, 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* ---- one batch, one bad write ------------------------------------------------ */

#define BATCH 24

struct insert_job {
	struct store *s;
	struct lt_report r;
	lt_status got;
	struct lt_error err;
};

static void *insert_run(void *arg)
{
	struct insert_job *j = arg;
	lt_error_clear(&j->err);
	j->got = store_reports_insert(j->s, &j->r, 1, "test", &j->err);
	return NULL;
}

/*
 * BATCH writes pile up behind a held writer, among them two whose reference
 * code is taken and one naming an unknown agency. Once the writer is free
 * they run in at most two batches (the writer may have taken the first
 * before the hold); the three fail with their own errors and ids reset to 0,
 * every other commits with its audit entry, and the chain verifies.
 */
static void test_batch_isolates_failures(void **state)
{
	struct fixture *f = *state;
	struct insert_job jobs[BATCH];
	pthread_t t[BATCH];
	struct lt_error e = {0};
	struct lt_report first;

	add_agency(f->s, "herts-police");
	report_make(&first, 0x100, "");
	assert_status(store_reports_insert(f->s, &first, 1, "test", &e), LT_OK, e);
	long audits = debug_count(f->s, "SELECT count(*) FROM audit");
	struct store_writer_stats before = stats(f->s);

	store_sqlite_debug_writer_hold(f->s, true);
	for (int i = 0; i < BATCH; i++) {
		jobs[i].s = f->s;
		if (i == 5 || i == 17)
			report_make(&jobs[i].r, 0x100, ""); /* the code of `first` */
		else if (i == 11)
			report_make(&jobs[i].r, 0x200 + (uint64_t)i, "nobody");
		else
			report_make(&jobs[i].r, 0x200 + (uint64_t)i, i % 2 ? "herts-police" : "");
		assert_int_equal(pthread_create(&t[i], NULL, insert_run, &jobs[i]), 0);
	}
	wait_for_waiting(f->s, BATCH);
	/* Reads go on while the writer is stuck. */
	struct lt_report got;
	assert_status(store_report_get(f->s, first.ref, &got, &e), LT_OK, e);
	lt_report_release(&got);
	long n = 0;
	assert_status(store_report_count(f->s, &n, &e), LT_OK, e);
	assert_int_equal(n, 1);
	store_sqlite_debug_writer_hold(f->s, false);
	for (int i = 0; i < BATCH; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);

	struct store_writer_stats after = stats(f->s);
	assert_int_equal(after.jobs - before.jobs, BATCH);
	if (after.batches - before.batches > 2)
		fail_msg("%lu batches for %d writes queued together",
		         after.batches - before.batches, BATCH);
	for (int i = 0; i < BATCH; i++) {
		if (i == 5 || i == 17) {
			assert_status(jobs[i].got, LT_EEXIST, jobs[i].err);
			assert_string_equal(jobs[i].err.field, "ref");
			assert_int_equal(jobs[i].r.id, 0);
		} else if (i == 11) {
			assert_status(jobs[i].got, LT_EINVAL, jobs[i].err);
			assert_string_equal(jobs[i].err.field, "agency");
			assert_int_equal(jobs[i].r.id, 0);
		} else {
			assert_status(jobs[i].got, LT_OK, jobs[i].err);
			assert_true(jobs[i].r.id > 0);
			assert_status(store_report_get(f->s, jobs[i].r.ref, &got, &e), LT_OK, e);
			assert_int_equal(got.id, jobs[i].r.id);
			lt_report_release(&got);
		}
		lt_report_release(&jobs[i].r);
	}
	assert_status(store_report_count(f->s, &n, &e), LT_OK, e);
	assert_int_equal(n, 1 + BATCH - 3);
	assert_int_equal(debug_count(f->s, "SELECT count(*) FROM audit"), audits + BATCH - 3);
	assert_int_equal(debug_count(f->s, "SELECT count(*) FROM report_forms"), 1 + BATCH - 3);

	struct store_audit_verdict v;
	assert_status(store_audit_verify(f->s, NULL, NULL, 0, &v, &e), LT_OK, e);
	if (!v.intact)
		fail_msg("audit chain: %s", v.problem);
	assert_string_equal(debug_query(f->s, -1, "PRAGMA integrity_check"), "ok");
	lt_report_release(&first);
}

/* ---- every write goes through the writer ------------------------------------ */

/*
 * Each write call of the store, one after another: each adds exactly one
 * write to the writer thread's count, so none commits on its own.
 */
static void test_every_write_is_queued(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct store_writer_stats w0 = stats(f->s), w;
	unsigned long expect = w0.jobs;
	char hash[LT_PASSWORD_HASH_MAX];
	unsigned char th[LT_CRYPTO_TOKEN_HASH_BYTES] = {1, 2, 3};

#define ONE_MORE(what)                                                                             \
	do {                                                                                       \
		w = stats(f->s);                                                                   \
		if (w.jobs != ++expect)                                                            \
			fail_msg("%s: the writer ran %lu writes, want %lu", what, w.jobs, expect); \
	} while (0)

	add_agency(f->s, "herts-police");
	ONE_MORE("agency_add");

	struct lt_case c = {0};
	snprintf(c.ref, sizeof(c.ref), "CASE-1");
	snprintf(c.agency, sizeof(c.agency), "herts-police");
	c.opened = (struct lt_date){2019, 3, 0};
	assert_status(store_case_add(f->s, &c, "test", &e), LT_OK, e);
	ONE_MORE("case_add");

	struct lt_report r;
	report_make(&r, 0x77, "herts-police");
	assert_status(store_reports_insert(f->s, &r, 1, "test", &e), LT_OK, e);
	lt_report_release(&r);
	ONE_MORE("reports_insert");

	struct lt_arrest a = {0};
	a.date = (struct lt_date){2019, 0, 0};
	a.offence = LT_OFFENCE_FORCED_LABOUR;
	snprintf(a.agency, sizeof(a.agency), "herts-police");
	snprintf(a.case_ref, sizeof(a.case_ref), "CASE-1");
	assert_status(store_arrests_insert(f->s, &a, 1, "test", &e), LT_OK, e);
	ONE_MORE("arrests_insert");

	struct store_audit_new an = {"test", "person.read", "person:1", 1, "safeguarding"};
	assert_status(store_audit_append(f->s, &an, &e), LT_OK, e);
	ONE_MORE("audit_append");

	struct lt_crypto_sign_key key;
	struct lt_audit_checkpoint cp;
	const char *kp = test_tmp_path("durability-audit.key");
	assert_status(lt_crypto_sign_keyfile_create(kp, &e), LT_OK, e);
	assert_status(lt_crypto_sign_keyfile_read(kp, 1, &key, &e), LT_OK, e);
	assert_status(store_audit_checkpoint_add(f->s, &key, "test", &cp, &e), LT_OK, e);
	assert_true(cp.entry_id > 0);
	lt_crypto_sign_key_wipe(&key);
	ONE_MORE("audit_checkpoint_add");

	struct store_user u = {0};
	snprintf(u.email, sizeof(u.email), "a@example.org");
	snprintf(u.agency, sizeof(u.agency), "herts-police");
	u.role = LT_ROLE_CASEWORKER;
	snprintf(hash, sizeof(hash), "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA");
	assert_status(store_user_add(f->s, &u, hash, "test", &e), LT_OK, e);
	ONE_MORE("user_add");
	assert_status(store_user_set_disabled(f->s, "a@example.org", true, "test", NULL, &e), LT_OK,
	              e);
	ONE_MORE("user_set_disabled");
	assert_status(store_user_set_password(f->s, u.id, hash, "test", &e), LT_OK, e);
	ONE_MORE("user_set_password");

	struct store_token t = {0};
	snprintf(t.agency, sizeof(t.agency), "herts-police");
	t.role = LT_ROLE_POLICE;
	assert_status(store_token_add(f->s, &t, th, "test", &e), LT_OK, e);
	ONE_MORE("token_add");
	bool was = false;
	assert_status(store_token_revoke(f->s, t.id, "test", &was, &e), LT_OK, e);
	assert_true(was);
	ONE_MORE("token_revoke");
#undef ONE_MORE

	/* Eleven writes, eleven audit entries, one chain. */
	struct store_audit_verdict v;
	assert_status(store_audit_verify(f->s, NULL, NULL, 0, &v, &e), LT_OK, e);
	if (!v.intact)
		fail_msg("audit chain: %s", v.problem);
	assert_int_equal(v.entries, 11);
}

/* ---- backup and restore ------------------------------------------------------ */

struct busy_writer {
	struct store *s;
	int index;
	atomic_bool *stop;
	int acked;
};

static void *busy_run(void *arg)
{
	struct busy_writer *w = arg;
	for (int i = 0; !atomic_load(w->stop) && i < 100000; i++) {
		struct lt_report r;
		struct lt_error e = {0};
		report_make(&r, ((uint64_t)(w->index + 1) << 32) | (uint64_t)i, i % 2 ? "herts-police" : "");
		if (store_reports_insert(w->s, &r, 1, "test", &e) == LT_OK)
			w->acked++;
		lt_report_release(&r);
	}
	return NULL;
}

/* Open `path`, check its audit chain, and return the store. */
static struct store *open_verified(const char *path)
{
	struct lt_error e = {0};
	struct store *s = NULL;
	struct store_audit_verdict v;
	assert_status(store_open_sqlite(path, &s, &e), LT_OK, e);
	assert_status(store_audit_verify(s, NULL, NULL, 0, &v, &e), LT_OK, e);
	if (!v.intact)
		fail_msg("%s: audit chain: %s", path, v.problem);
	assert_string_equal(debug_query(s, 0, "PRAGMA integrity_check"), "ok");
	return s;
}

/* Every report of `copy` is in `live` with the same id and fields, and every
 * audit entry of `copy` is the entry of `live` with its id. */
static void assert_rows_of(struct store *copy, struct store *live)
{
	struct lt_error e = {0};
	struct store_audit_entry *ca = NULL, *la = NULL;
	size_t nc = 0, nl = 0;
	struct store_audit_query q = {.after = 0, .person = 0, .limit = 1000000, .newest_first = false};
	assert_status(store_audit_list(copy, &q, &ca, &nc, &e), LT_OK, e);
	assert_status(store_audit_list(live, &q, &la, &nl, &e), LT_OK, e);
	assert_true(nc <= nl);
	for (size_t i = 0; i < nc; i++) {
		assert_int_equal(ca[i].id, la[i].id);
		assert_memory_equal(ca[i].hash, la[i].hash, sizeof(ca[i].hash));
		if (strncmp(ca[i].object, "report:", 7) == 0) {
			struct lt_report a, b;
			assert_status(store_report_get(copy, ca[i].object + 7, &a, &e), LT_OK, e);
			assert_status(store_report_get(live, ca[i].object + 7, &b, &e), LT_OK, e);
			assert_int_equal(a.id, b.id);
			assert_string_equal(a.agency, b.agency);
			assert_int_equal(a.forms, b.forms);
			lt_report_release(&a);
			lt_report_release(&b);
		}
	}
	/* The copy holds each report with its audit entry, and nothing else. */
	long reports = 0;
	assert_status(store_report_count(copy, &reports, &e), LT_OK, e);
	assert_int_equal(reports, debug_count(copy, "SELECT count(*) FROM audit WHERE action = 'report.create'"));
	free(ca);
	free(la);
}

/*
 * A backup taken while four threads write is one instant of the database:
 * it opens, its chain verifies, it has a report for each report.create entry
 * and each of its entries and reports is the live one. A backup of a quiet
 * store has exactly its rows. A backup never overwrites.
 */
static void test_backup_online(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	pthread_t t[4];
	struct busy_writer w[4];
	atomic_bool stop;
	char during[1024], quiet[1024];

	snprintf(during, sizeof(during), "%s.during", f->path);
	snprintf(quiet, sizeof(quiet), "%s.quiet", f->path);
	add_agency(f->s, "herts-police");
	atomic_init(&stop, false);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct busy_writer){.s = f->s, .index = i, .stop = &stop};
		assert_int_equal(pthread_create(&t[i], NULL, busy_run, &w[i]), 0);
	}
	/* Let some writes land first, without timing anything. */
	while (stats(f->s).jobs < 50) {
		struct timespec ts = {0, 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	assert_status(store_backup(f->s, during, &e), LT_OK, e);
	atomic_store(&stop, true);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);

	struct store *b = open_verified(during);
	assert_rows_of(b, f->s);
	store_close(b);

	assert_status(store_backup(f->s, quiet, &e), LT_OK, e);
	b = open_verified(quiet);
	assert_rows_of(b, f->s);
	long n_live = 0, n_copy = 0;
	assert_status(store_report_count(f->s, &n_live, &e), LT_OK, e);
	assert_status(store_report_count(b, &n_copy, &e), LT_OK, e);
	assert_int_equal(n_copy, n_live);
	assert_int_equal(debug_count(b, "SELECT count(*) FROM audit"),
	                 debug_count(f->s, "SELECT count(*) FROM audit"));
	store_close(b);

	lt_error_clear(&e);
	assert_status(store_backup(f->s, quiet, &e), LT_EEXIST, e);
	assert_contains(e.message, "never overwrites");
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/*
 * A backup restores into a new path, opens with its chain intact and the
 * same rows; restoring refuses a taken path, a WAL left beside it, a file
 * that is not a lantern database, a damaged backup and a newer schema, and
 * brings an older schema up to date.
 */
static void test_restore(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	char bak[1024], to[1024], side[1100], junk[1024], bad[1024], newer[1024], older[1024];
	struct lt_report r;

	snprintf(bak, sizeof(bak), "%s.bak", f->path);
	snprintf(to, sizeof(to), "%s.restored", f->path);
	snprintf(junk, sizeof(junk), "%s.junk", f->path);
	snprintf(bad, sizeof(bad), "%s.bad", f->path);
	snprintf(newer, sizeof(newer), "%s.newer", f->path);
	snprintf(older, sizeof(older), "%s.older", f->path);
	add_agency(f->s, "herts-police");
	for (int i = 0; i < 30; i++) {
		report_make(&r, 0x1000 + (uint64_t)i, i % 3 ? "" : "herts-police");
		assert_status(store_reports_insert(f->s, &r, 1, "test", &e), LT_OK, e);
		lt_report_release(&r);
	}
	assert_status(store_backup(f->s, bak, &e), LT_OK, e);

	assert_status(store_restore_sqlite(bak, to, &e), LT_OK, e);
	struct store *s = open_verified(to);
	assert_rows_of(s, f->s);
	assert_int_equal(debug_count(s, "SELECT count(*) FROM reports"), 30);
	store_close(s);

	/* A taken path, and a WAL left beside a free one. */
	lt_error_clear(&e);
	assert_status(store_restore_sqlite(bak, to, &e), LT_EEXIST, e);
	assert_int_equal(unlink(to), 0);
	snprintf(side, sizeof(side), "%s-wal", to);
	write_file(side, "left over");
	lt_error_clear(&e);
	assert_status(store_restore_sqlite(bak, to, &e), LT_EEXIST, e);
	assert_contains(e.message, "-wal");
	assert_false(exists(to));
	assert_int_equal(unlink(side), 0);

	/* Not a database; no such file; a damaged backup. */
	write_file(junk, "this is not a database, only some text that is long enough to look like "
	                 "one at a glance");
	lt_error_clear(&e);
	assert_status(store_restore_sqlite(junk, to, &e), LT_EINVAL, e);
	lt_error_clear(&e);
	assert_status(store_restore_sqlite(junk + 1, to, &e), LT_ENOTFOUND, e);
	FILE *in = fopen(bak, "rb"), *out = fopen(bad, "wb");
	assert_non_null(in);
	assert_non_null(out);
	int ch;
	long at = 0;
	while ((ch = fgetc(in)) != EOF) {
		/* Scribble over the header of every b-tree page after the first
		 * (pages of 4,096 bytes). */
		fputc(at >= 4096 && at % 4096 < 12 ? 0x5a : ch, out);
		at++;
	}
	fclose(in);
	fclose(out);
	lt_error_clear(&e);
	lt_status st = store_restore_sqlite(bad, to, &e);
	if (st == LT_OK)
		fail_msg("a damaged backup was restored");
	assert_false(exists(to));

	/* A newer lantern's database is refused; an older one is brought up to date. */
	assert_status(store_sqlite_debug_create(newer, 1, "PRAGMA user_version = 9999", &e), LT_OK, e);
	lt_error_clear(&e);
	assert_status(store_restore_sqlite(newer, to, &e), LT_ESCHEMA, e);
	assert_status(store_sqlite_debug_create(older, 1, NULL, &e), LT_OK, e);
	assert_status(store_restore_sqlite(older, to, &e), LT_OK, e);
	s = open_verified(to);
	char want[16];
	snprintf(want, sizeof(want), "%d", store_schema_version());
	assert_string_equal(debug_query(s, 0, "PRAGMA user_version"), want);
	store_close(s);
}

/* ---- checkpoints off the writer thread --------------------------------------- */

/*
 * Reports of some 8 KB each, ten to a write, until some 1,500 of them have
 * gone through the log (more if the checkpointer is slow, at most 8,000):
 * the checkpointer runs (the writer thread never waits for a whole
 * checkpoint) and the log starts again from its beginning, so its file ends
 * far smaller than what was written through it. Every report is there and
 * the file is sound. Nothing is timed: the loop stops on what it sees.
 */
static void test_checkpointer(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	char wal[1100];
	struct stat sb;
	enum { BATCH_REPORTS = 10, MIN_REPORTS = 1500, MAX_REPORTS = 8000 };
	char *text = malloc(LT_TEXT_MAX + 1);
	int written = 0;

	assert_non_null(text);
	memset(text, 'x', LT_TEXT_MAX);
	text[LT_TEXT_MAX] = '\0';
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	for (;;) {
		struct lt_report r[BATCH_REPORTS];
		for (int k = 0; k < BATCH_REPORTS; k++) {
			report_make(&r[k], 0x5000 + (uint64_t)(written + k), "");
			r[k].description = malloc(LT_TEXT_MAX + 1);
			assert_non_null(r[k].description);
			memcpy(r[k].description, text, LT_TEXT_MAX + 1);
		}
		assert_status(store_reports_insert(f->s, r, BATCH_REPORTS, "test", &e), LT_OK, e);
		for (int k = 0; k < BATCH_REPORTS; k++)
			lt_report_release(&r[k]);
		written += BATCH_REPORTS;
		/* Each report puts at least two pages of 4 KB through the log. */
		assert_int_equal(stat(wal, &sb), 0);
		bool restarted = sb.st_size < (off_t)written * 4096;
		if ((written >= MIN_REPORTS && restarted && stats(f->s).checkpoints >= 1) ||
		    written >= MAX_REPORTS)
			break;
	}
	free(text);
	if (sb.st_size >= (off_t)written * 4096)
		fail_msg("after %d reports the log is %lld bytes: it never started again", written,
		         (long long)sb.st_size);
	assert_true(stats(f->s).checkpoints >= 1);
	assert_int_equal(debug_count(f->s, "SELECT count(*) FROM reports"), written);
	assert_string_equal(debug_query(f->s, -1, "PRAGMA integrity_check"), "ok");
}

/* ---- one snapshot for a thread's reads ---------------------------------------- */

/*
 * Between store_read_begin and store_read_end a thread's reads see one
 * snapshot: a report written meanwhile (the write itself goes through, and
 * is acknowledged) is not seen until store_read_end, and then it is.
 */
static void test_read_snapshot(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_report a, b, got;
	long n = 0;

	report_make(&a, 0x9001, "");
	report_make(&b, 0x9002, "");
	assert_status(store_reports_insert(f->s, &a, 1, "test", &e), LT_OK, e);
	store_read_begin(f->s);
	assert_status(store_report_count(f->s, &n, &e), LT_OK, e);
	assert_int_equal(n, 1);
	assert_status(store_reports_insert(f->s, &b, 1, "test", &e), LT_OK, e);
	assert_status(store_report_count(f->s, &n, &e), LT_OK, e);
	assert_int_equal(n, 1);
	assert_status(store_report_get(f->s, b.ref, &got, &e), LT_ENOTFOUND, e);
	assert_status(store_report_get(f->s, a.ref, &got, &e), LT_OK, e);
	lt_report_release(&got);
	store_read_end(f->s);
	assert_status(store_report_count(f->s, &n, &e), LT_OK, e);
	assert_int_equal(n, 2);
	assert_status(store_report_get(f->s, b.ref, &got, &e), LT_OK, e);
	assert_int_equal(got.id, b.id);
	lt_report_release(&got);
	/* A snapshot with nothing read in it, and another after it. */
	store_read_begin(f->s);
	store_read_end(f->s);
	store_read_begin(f->s);
	assert_status(store_report_count(f->s, &n, &e), LT_OK, e);
	assert_int_equal(n, 2);
	store_read_end(f->s);
	lt_report_release(&a);
	lt_report_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_batch_isolates_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_every_write_is_queued, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backup_online, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restore, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_checkpointer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_snapshot, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
