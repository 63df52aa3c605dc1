/*
 * test_store_sessions.c — unit tests of the store's sessions of signed-in
 * staff (schema migration "sessions") on the SQLite backend.
 *
 * Round trips (create, find by hash, touch, revoke), the audit entries of
 * sign-in and sign-out — which name the account and the session by id and
 * never hold an address or a session id —, that only the hash of an id is
 * stored, that expired sessions are still found (the caller decides) and
 * deleted a week after they expired, that a disabled account's sessions
 * come back marked so, and the refusals. Times are simulated: the store
 * takes them from the caller.
 */
#include "testutil.h"

#include "core/access.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

#define HASH1                                                                                      \
	"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"                                   \
	"aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"

#define T0 1717200000 /* 2024-06-01T00:00:00Z */

struct fixture {
	struct store *s;
	int64_t user; /* an account of herts_police */
};

static const char *fresh_path(void)
{
	static int counter;
	char name[64];
	snprintf(name, sizeof(name), "sessions-%d.db", ++counter);
	return test_tmp_path(name);
}

static int setup(void **state)
{
	static struct fixture f;
	struct lt_error e = {0};
	assert_int_equal(lt_crypto_init(), LT_OK);
	memset(&f, 0, sizeof(f));
	if (store_open_sqlite(fresh_path(), &f.s, &e) != LT_OK)
		fail_msg("store_open_sqlite: %s", e.message);
	struct lt_agency a = {0, "herts_police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE};
	assert_int_equal(store_agency_add(f.s, &a, "test", &e), LT_OK);
	struct store_user u = {0};
	snprintf(u.email, sizeof(u.email), "ann@police.example");
	snprintf(u.agency, sizeof(u.agency), "herts_police");
	u.role = LT_ROLE_POLICE;
	assert_int_equal(store_user_add(f.s, &u, HASH1, "cli", &e), LT_OK);
	f.user = u.id;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	return 0;
}

static const char *debug_query(struct store *s, const char *sql)
{
	static char out[512];
	struct lt_error e = {0};
	if (store_sqlite_debug_query(s, -1, sql, out, sizeof(out), &e) != LT_OK)
		fail_msg("%s: %s", sql, e.message);
	return out;
}

/* The newest audit entry as "actor action object". */
static const char *last_audit(struct store *s)
{
	static char out[200];
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	struct lt_error e = {0};
	assert_int_equal(store_audit_tail(s, 1, &a, &n, &e), LT_OK);
	assert_int_equal(n, 1);
	snprintf(out, sizeof(out), "%s %s %s", a[0].actor, a[0].action, a[0].object);
	free(a);
	return out;
}

static long audit_count(struct store *s)
{
	return strtol(debug_query(s, "SELECT count(*) FROM audit"), NULL, 10);
}

/* A new session id and its hash. */
static void new_id(unsigned char raw[LT_CRYPTO_SECRET_BYTES], unsigned char hash[LT_CRYPTO_HASH_BYTES])
{
	char text[LT_CRYPTO_SECRET_SIZE];
	lt_crypto_secret_new(raw, text);
	lt_crypto_session_hash(raw, hash);
}

static void test_schema(void **state)
{
	struct fixture *f = *state;
	assert_true(store_schema_version() >= 4);
	assert_string_equal(debug_query(f->s, "SELECT count(*) FROM sessions"), "0");
	/* The table is named in a migration with the words of its summary. */
	bool found = false;
	for (size_t i = 0; i < store_sqlite_migration_count; i++)
		if (strstr(store_sqlite_migrations[i].sql, "CREATE TABLE sessions"))
			found = true;
	assert_true(found);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	unsigned char raw[LT_CRYPTO_SECRET_BYTES], hash[LT_CRYPTO_HASH_BYTES];
	struct store_session got;
	int64_t id = 0;
	char want[128];
	long before = audit_count(f->s);

	new_id(raw, hash);
	assert_int_equal(store_session_create(f->s, hash, f->user, T0, T0 + 43200, &id, &e), LT_OK);
	assert_true(id > 0);
	assert_int_equal(audit_count(f->s), before + 1);
	snprintf(want, sizeof(want), "user:%lld session.login session:%lld", (long long)f->user,
	         (long long)id);
	assert_string_equal(last_audit(f->s), want);

	/* Found by the hash, with its account (no password hash). */
	assert_int_equal(store_session_find(f->s, hash, &got, &e), LT_OK);
	assert_int_equal(got.id, id);
	assert_int_equal(got.created, T0);
	assert_int_equal(got.last_seen, T0);
	assert_int_equal(got.expires, T0 + 43200);
	assert_int_equal(got.user.id, f->user);
	assert_string_equal(got.user.email, "ann@police.example");
	assert_string_equal(got.user.agency, "herts_police");
	assert_int_equal(got.user.role, LT_ROLE_POLICE);
	assert_false(got.user.disabled);
	assert_string_equal(got.user.password_hash, "");
	store_user_wipe(&got.user);

	/* Touch: later times move last_seen, earlier ones do not; no audit. */
	before = audit_count(f->s);
	assert_int_equal(store_session_touch(f->s, id, T0 + 120, &e), LT_OK);
	assert_int_equal(store_session_touch(f->s, id, T0 + 60, &e), LT_OK);
	assert_int_equal(store_session_find(f->s, hash, &got, &e), LT_OK);
	assert_int_equal(got.last_seen, T0 + 120);
	store_user_wipe(&got.user);
	assert_int_equal(audit_count(f->s), before);

	/* Revoke: audited once, then gone. */
	bool live = false;
	assert_int_equal(store_session_revoke(f->s, id, T0 + 200, "user:1", &live, &e), LT_OK);
	assert_true(live);
	snprintf(want, sizeof(want), "user:1 session.logout session:%lld", (long long)id);
	assert_string_equal(last_audit(f->s), want);
	assert_int_equal(store_session_find(f->s, hash, &got, &e), LT_ENOTFOUND);
	before = audit_count(f->s);
	assert_int_equal(store_session_revoke(f->s, id, T0 + 300, "user:1", &live, &e), LT_OK);
	assert_false(live);
	assert_int_equal(audit_count(f->s), before);
	assert_int_equal(store_session_revoke(f->s, 999999, T0, "user:1", &live, &e), LT_ENOTFOUND);
	assert_false(live);

	/* Another id is another session. */
	unsigned char raw2[LT_CRYPTO_SECRET_BYTES], hash2[LT_CRYPTO_HASH_BYTES];
	new_id(raw2, hash2);
	assert_int_equal(store_session_find(f->s, hash2, &got, &e), LT_ENOTFOUND);
}

/* Only the hash is stored: neither the id nor its text is anywhere in the
 * table, and the audit log names no address. */
static void test_only_the_hash(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	unsigned char raw[LT_CRYPTO_SECRET_BYTES], hash[LT_CRYPTO_HASH_BYTES];
	char text[LT_CRYPTO_SECRET_SIZE], sql[512], hex[2 * LT_CRYPTO_SECRET_BYTES + 1];
	int64_t id;

	lt_crypto_secret_new(raw, text);
	lt_crypto_session_hash(raw, hash);
	assert_int_equal(store_session_create(f->s, hash, f->user, T0, T0 + 60, &id, &e), LT_OK);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02X", raw[i]);
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM sessions WHERE hex(hash) = '%s' OR instr(hash, '%s') "
	         "OR instr(CAST(hash AS TEXT), '%s')",
	         hex, text, text);
	assert_string_equal(debug_query(f->s, sql), "0");
	assert_string_equal(debug_query(f->s, "SELECT length(hash) FROM sessions"), "32");
	assert_string_equal(
	    debug_query(f->s, "SELECT count(*) FROM audit WHERE instr(actor || object, 'ann')"), "0");
}

static void test_expired_found_then_purged(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	unsigned char raw[LT_CRYPTO_SECRET_BYTES], old[LT_CRYPTO_HASH_BYTES], fresh[LT_CRYPTO_HASH_BYTES];
	struct store_session got;
	int64_t id;

	new_id(raw, old);
	assert_int_equal(store_session_create(f->s, old, f->user, T0, T0 + 100, &id, &e), LT_OK);
	/* Past its expiry it is still found: the web layer compares times. */
	assert_int_equal(store_session_find(f->s, old, &got, &e), LT_OK);
	store_user_wipe(&got.user);
	/* A sign-in less than LT_SESSION_KEEP_S after it expired keeps it. */
	new_id(raw, fresh);
	assert_int_equal(
	    store_session_create(f->s, fresh, f->user, T0 + 100 + LT_SESSION_KEEP_S, T0 + 200 + LT_SESSION_KEEP_S, &id, &e),
	    LT_OK);
	assert_int_equal(store_session_find(f->s, old, &got, &e), LT_OK);
	store_user_wipe(&got.user);
	/* One after that deletes it. */
	new_id(raw, fresh);
	assert_int_equal(store_session_create(f->s, fresh, f->user, T0 + 101 + LT_SESSION_KEEP_S,
	                                      T0 + 300 + LT_SESSION_KEEP_S, &id, &e),
	                 LT_OK);
	assert_int_equal(store_session_find(f->s, old, &got, &e), LT_ENOTFOUND);
	assert_string_equal(debug_query(f->s, "SELECT count(*) FROM sessions"), "2");
}

static void test_disabled_and_refusals(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	unsigned char raw[LT_CRYPTO_SECRET_BYTES], hash[LT_CRYPTO_HASH_BYTES];
	struct store_session got;
	int64_t id;

	new_id(raw, hash);
	assert_int_equal(store_session_create(f->s, hash, f->user, T0, T0 + 100, &id, &e), LT_OK);
	assert_int_equal(store_user_set_disabled(f->s, "ann@police.example", true, "cli", NULL, &e),
	                 LT_OK);
	assert_int_equal(store_session_find(f->s, hash, &got, &e), LT_OK);
	assert_true(got.user.disabled);
	store_user_wipe(&got.user);

	/* No such account: nothing written. */
	long before = audit_count(f->s);
	new_id(raw, hash);
	lt_error_clear(&e);
	assert_int_equal(store_session_create(f->s, hash, 999999, T0, T0 + 100, &id, &e),
	                 LT_ENOTFOUND);
	assert_string_equal(e.field, "user");
	assert_int_equal(id, 0);
	assert_int_equal(audit_count(f->s), before);
	assert_string_equal(debug_query(f->s, "SELECT count(*) FROM sessions"), "1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_only_the_hash, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expired_found_then_purged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disabled_and_refusals, setup, teardown),
	};
	return cmocka_run_group_tests_name("store_sessions", tests, NULL, NULL);
}
