/*
 * test_store_accounts.c — unit tests of the store's accounts and API tokens
 * (schema migration 3) on the SQLite backend.
 *
 * Round trips of accounts and tokens, the e-mail address unique in any
 * case, unknown agencies, disabling and re-enabling, revoking, and the
 * audit entries each write leaves — which must name the account or token by
 * id and never hold an address, a password, a hash or a token. What the
 * interface does not show (the stored token column) is read through
 * store_sqlite_debug_query.
 */
#include "testutil.h"

#include "core/access.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

/* A fixed, well-formed argon2id string: the store never checks it against
 * a password, and computing real ones is the crypto tests' business. */
#define HASH1                                                                                      \
	"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"                                   \
	"aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
#define HASH2                                                                                      \
	"$argon2id$v=19$m=65536,t=2,p=1$b3RoZXJzYWx0b3RoZXJzYQ$"                                   \
	"b3RoZXJoYXNob3RoZXJoYXNob3RoZXJoYXNob3RoZXI"

static const char *fresh_path(void)
{
	static int counter;
	char name[64];
	snprintf(name, sizeof(name), "accounts-%d.db", ++counter);
	return test_tmp_path(name);
}

static int setup(void **state)
{
	struct lt_error e = {0};
	struct store *s = NULL;
	assert_int_equal(lt_crypto_init(), LT_OK);
	lt_status st = store_open_sqlite(fresh_path(), &s, &e);
	if (st != LT_OK)
		fail_msg("store_open_sqlite: %s", e.message);
	struct lt_agency agencies[] = {
	    {0, "herts_police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE},
	    {0, "unseen", "Unseen", LT_AGENCY_KIND_CHARITY},
	};
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(store_agency_add(s, &agencies[i], "test", &e), LT_OK);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
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

/* The newest audit entry's action and object, as "action object". */
static const char *last_audit(struct store *s)
{
	static char out[160];
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	struct lt_error e = {0};
	assert_int_equal(store_audit_tail(s, 1, &a, &n, &e), LT_OK);
	assert_int_equal(n, 1);
	snprintf(out, sizeof(out), "%s %s", a[0].action, a[0].object);
	free(a);
	return out;
}

static long audit_count(struct store *s)
{
	return strtol(debug_query(s, "SELECT count(*) FROM audit"), NULL, 10);
}

static void test_schema(void **state)
{
	struct store *s = *state;
	assert_true(store_schema_version() >= 3);
	assert_string_equal(store_sqlite_migrations[2].summary,
	                    "accounts (users) and API tokens (api_tokens), roles (vocab_role)");
	/* The roles are mirrored, so the database reads on its own. */
	assert_string_equal(debug_query(s, "SELECT count(*) FROM vocab_role"), "5");
	assert_string_equal(debug_query(s, "SELECT label FROM vocab_role WHERE code = 'analyst'"),
	                    "Analyst");
}

static void test_user_round_trip(void **state)
{
	struct store *s = *state;
	struct lt_error e = {0};
	struct store_user u = {0}, got;
	long before = audit_count(s);

	snprintf(u.email, sizeof(u.email), "Ann.Smith@Police.example");
	snprintf(u.agency, sizeof(u.agency), "herts_police");
	u.role = LT_ROLE_POLICE;
	assert_int_equal(store_user_add(s, &u, HASH1, "cli", &e), LT_OK);
	assert_true(u.id > 0);
	assert_true(u.agency_id > 0);
	assert_int_equal(u.agency_kind, LT_AGENCY_KIND_POLICE);
	assert_int_equal(strlen(u.created_at), 24);
	assert_string_equal(u.password_hash, "");
	assert_int_equal(audit_count(s), before + 1);
	char want[64];
	snprintf(want, sizeof(want), "user.create user:%lld", (long long)u.id);
	assert_string_equal(last_audit(s), want);

	/* Found by address in any case, with its hash. */
	assert_int_equal(store_user_find(s, "ann.smith@police.EXAMPLE", &got, &e), LT_OK);
	assert_int_equal(got.id, u.id);
	assert_string_equal(got.email, "Ann.Smith@Police.example");
	assert_string_equal(got.agency, "herts_police");
	assert_int_equal(got.role, LT_ROLE_POLICE);
	assert_false(got.disabled);
	assert_string_equal(got.password_hash, HASH1);
	struct lt_principal p = store_user_principal(&got);
	assert_int_equal(p.kind, LT_PRINCIPAL_USER);
	assert_int_equal(p.agency_id, u.agency_id);
	store_user_wipe(&got);
	assert_int_equal(got.password_hash[0], 0);

	assert_int_equal(store_user_get(s, u.id, &got, &e), LT_OK);
	assert_string_equal(got.password_hash, HASH1);
	store_user_wipe(&got);

	/* A new password. */
	assert_int_equal(store_user_set_password(s, u.id, HASH2, "cli", &e), LT_OK);
	snprintf(want, sizeof(want), "user.password user:%lld", (long long)u.id);
	assert_string_equal(last_audit(s), want);
	assert_int_equal(store_user_get(s, u.id, &got, &e), LT_OK);
	assert_string_equal(got.password_hash, HASH2);
	store_user_wipe(&got);
	assert_int_equal(store_user_set_password(s, 999999, HASH2, "cli", &e), LT_ENOTFOUND);

	/* Unknown accounts. */
	assert_int_equal(store_user_find(s, "nobody@example.org", &got, &e), LT_ENOTFOUND);
	assert_int_equal(store_user_get(s, 999999, &got, &e), LT_ENOTFOUND);
}

static void test_user_refusals(void **state)
{
	struct store *s = *state;
	struct lt_error e = {0};
	struct store_user u = {0};
	long before;

	snprintf(u.email, sizeof(u.email), "bob@unseen.example");
	snprintf(u.agency, sizeof(u.agency), "unseen");
	u.role = LT_ROLE_CASEWORKER;
	assert_int_equal(store_user_add(s, &u, HASH1, "cli", &e), LT_OK);
	before = audit_count(s);

	/* The same address in another case is the same account. */
	struct store_user dup = u;
	dup.id = 0;
	snprintf(dup.email, sizeof(dup.email), "BOB@unseen.example");
	lt_error_clear(&e);
	assert_int_equal(store_user_add(s, &dup, HASH2, "cli", &e), LT_EEXIST);
	assert_string_equal(e.field, "email");
	assert_not_contains(e.message, "bob");
	assert_int_equal(dup.id, 0);

	/* No such agency. */
	struct store_user bad = {0};
	snprintf(bad.email, sizeof(bad.email), "carol@example.org");
	snprintf(bad.agency, sizeof(bad.agency), "no_such_agency");
	bad.role = LT_ROLE_ANALYST;
	lt_error_clear(&e);
	assert_int_equal(store_user_add(s, &bad, HASH1, "cli", &e), LT_EINVAL);
	assert_string_equal(e.field, "agency");

	/* Not an e-mail address. */
	snprintf(bad.email, sizeof(bad.email), "carol at example");
	snprintf(bad.agency, sizeof(bad.agency), "unseen");
	lt_error_clear(&e);
	assert_int_equal(store_user_add(s, &bad, HASH1, "cli", &e), LT_EINVAL);
	assert_string_equal(e.field, "email");

	/* Nothing was written by the refusals, not even to the audit log. */
	assert_int_equal(audit_count(s), before);
	assert_string_equal(debug_query(s, "SELECT count(*) FROM users"), "1");
}

static void test_disable_enable(void **state)
{
	struct store *s = *state;
	struct lt_error e = {0};
	struct store_user u = {0}, now;
	char want[64];

	snprintf(u.email, sizeof(u.email), "dee@police.example");
	snprintf(u.agency, sizeof(u.agency), "herts_police");
	u.role = LT_ROLE_CASEWORKER;
	assert_int_equal(store_user_add(s, &u, HASH1, "cli", &e), LT_OK);

	assert_int_equal(store_user_set_disabled(s, "DEE@police.example", true, "cli", &now, &e),
	                 LT_OK);
	assert_true(now.disabled);
	assert_string_equal(now.password_hash, "");
	snprintf(want, sizeof(want), "user.disable user:%lld", (long long)u.id);
	assert_string_equal(last_audit(s), want);
	long before = audit_count(s);
	/* Disabling again changes nothing and logs nothing. */
	assert_int_equal(store_user_set_disabled(s, "dee@police.example", true, "cli", NULL, &e),
	                 LT_OK);
	assert_int_equal(audit_count(s), before);

	struct store_user got;
	assert_int_equal(store_user_find(s, "dee@police.example", &got, &e), LT_OK);
	assert_true(got.disabled);
	store_user_wipe(&got);

	assert_int_equal(store_user_set_disabled(s, "dee@police.example", false, "cli", &now, &e),
	                 LT_OK);
	assert_false(now.disabled);
	snprintf(want, sizeof(want), "user.enable user:%lld", (long long)u.id);
	assert_string_equal(last_audit(s), want);

	assert_int_equal(store_user_set_disabled(s, "ghost@example.org", true, "cli", NULL, &e),
	                 LT_ENOTFOUND);
}

/* An unlock is asked for (audited) and taken once; a session's account
 * reads the flag from its own column, not from the session's. */
static void test_unlock(void **state)
{
	struct store *s = *state;
	struct lt_error e = {0};
	struct store_user u = {0}, now, got;
	char want[64];
	bool taken = true;

	snprintf(u.email, sizeof(u.email), "ula@police.example");
	snprintf(u.agency, sizeof(u.agency), "herts_police");
	u.role = LT_ROLE_CASEWORKER;
	assert_int_equal(store_user_add(s, &u, HASH1, "cli", &e), LT_OK);
	assert_false(u.unlock_requested);
	/* nothing asked: nothing taken */
	assert_int_equal(store_user_unlock_take(s, u.id, &taken, &e), LT_OK);
	assert_false(taken);

	assert_int_equal(store_user_unlock(s, "ULA@police.example", "cli", &now, &e), LT_OK);
	assert_true(now.unlock_requested);
	assert_string_equal(now.password_hash, "");
	snprintf(want, sizeof(want), "user.unlock user:%lld", (long long)u.id);
	assert_string_equal(last_audit(s), want);
	assert_string_equal(debug_query(s, "SELECT actor FROM audit ORDER BY id DESC LIMIT 1"),
	                    "cli");
	assert_int_equal(store_user_find(s, "ula@police.example", &got, &e), LT_OK);
	assert_true(got.unlock_requested);
	store_user_wipe(&got);

	/* a session of the account still reads as the account */
	unsigned char hash[LT_CRYPTO_HASH_BYTES];
	memset(hash, 0x5a, sizeof(hash));
	int64_t sid = 0;
	struct store_session sess;
	assert_int_equal(store_session_create(s, hash, u.id, 1000, 5000, &sid, &e), LT_OK);
	assert_int_equal(store_session_find(s, hash, &sess, &e), LT_OK);
	assert_int_equal(sess.id, sid);
	assert_int_equal(sess.user.id, u.id);
	assert_int_equal(sess.created, 1000);
	assert_int_equal(sess.expires, 5000);
	assert_true(sess.user.unlock_requested);
	store_user_wipe(&sess.user);

	/* taken once */
	assert_int_equal(store_user_unlock_take(s, u.id, &taken, &e), LT_OK);
	assert_true(taken);
	assert_int_equal(store_user_unlock_take(s, u.id, &taken, &e), LT_OK);
	assert_false(taken);
	assert_int_equal(store_user_find(s, "ula@police.example", &got, &e), LT_OK);
	assert_false(got.unlock_requested);
	store_user_wipe(&got);

	assert_int_equal(store_user_unlock(s, "ghost@example.org", "cli", NULL, &e), LT_ENOTFOUND);
}

static void test_user_list(void **state)
{
	struct store *s = *state;
	struct lt_error e = {0};
	static const struct {
		const char *email, *agency;
		enum lt_role role;
	} add[] = {
	    {"zed@unseen.example", "unseen", LT_ROLE_AGENCY_ADMIN},
	    {"amy@unseen.example", "unseen", LT_ROLE_ANALYST},
	    {"max@police.example", "herts_police", LT_ROLE_POLICE},
	};
	for (size_t i = 0; i < 3; i++) {
		struct store_user u = {0};
		snprintf(u.email, sizeof(u.email), "%s", add[i].email);
		snprintf(u.agency, sizeof(u.agency), "%s", add[i].agency);
		u.role = add[i].role;
		assert_int_equal(store_user_add(s, &u, HASH1, "cli", &e), LT_OK);
	}
	struct store_user *v = NULL;
	size_t n = 0;
	assert_int_equal(store_user_list(s, &v, &n, &e), LT_OK);
	assert_int_equal(n, 3);
	/* By agency code, then address; never a hash. */
	assert_string_equal(v[0].email, "max@police.example");
	assert_string_equal(v[1].email, "amy@unseen.example");
	assert_string_equal(v[2].email, "zed@unseen.example");
	assert_int_equal(v[2].role, LT_ROLE_AGENCY_ADMIN);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v[i].password_hash, "");
	free(v);
}

static void test_tokens(void **state)
{
	struct store *s = *state;
	struct lt_error e = {0};
	char tok[LT_CRYPTO_TOKEN_SIZE], other[LT_CRYPTO_TOKEN_SIZE];
	unsigned char h[LT_CRYPTO_TOKEN_HASH_BYTES], h2[LT_CRYPTO_TOKEN_HASH_BYTES];
	struct store_token t = {0}, got;
	char want[64];

	lt_crypto_token_new(tok);
	lt_crypto_token_hash(tok, strlen(tok), h);
	snprintf(t.agency, sizeof(t.agency), "unseen");
	t.role = LT_ROLE_CASEWORKER;
	snprintf(t.label, sizeof(t.label), "case system");
	assert_int_equal(store_token_add(s, &t, h, "cli", &e), LT_OK);
	assert_true(t.id > 0);
	assert_string_equal(t.agency, "unseen");
	assert_string_equal(t.revoked_at, "");
	assert_int_equal(strlen(t.created_at), 24);
	snprintf(want, sizeof(want), "token.create token:%lld", (long long)t.id);
	assert_string_equal(last_audit(s), want);

	/* The database holds the hash, 32 bytes, and nowhere the token. */
	assert_string_equal(debug_query(s, "SELECT length(hash) FROM api_tokens"), "32");
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM api_tokens WHERE instr(CAST(hash AS TEXT), '%s') "
	         "OR instr(label, '%s')",
	         tok + 3, tok + 3);
	assert_string_equal(debug_query(s, sql), "0");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE instr(object || actor, '%s')",
	         tok + 3);
	assert_string_equal(debug_query(s, sql), "0");

	/* Found by hash; an unknown token is not. */
	assert_int_equal(store_token_find(s, h, &got, &e), LT_OK);
	assert_int_equal(got.id, t.id);
	assert_int_equal(got.role, LT_ROLE_CASEWORKER);
	assert_string_equal(got.label, "case system");
	struct lt_principal p = store_token_principal(&got);
	assert_int_equal(p.kind, LT_PRINCIPAL_TOKEN);
	assert_int_equal(p.id, t.id);
	lt_crypto_token_new(other);
	lt_crypto_token_hash(other, strlen(other), h2);
	assert_int_equal(store_token_find(s, h2, &got, &e), LT_ENOTFOUND);

	/* Revoked: not found any more, listed as revoked, once in the log. */
	bool was = false;
	assert_int_equal(store_token_revoke(s, t.id, "cli", &was, &e), LT_OK);
	assert_true(was);
	snprintf(want, sizeof(want), "token.revoke token:%lld", (long long)t.id);
	assert_string_equal(last_audit(s), want);
	long before = audit_count(s);
	assert_int_equal(store_token_revoke(s, t.id, "cli", &was, &e), LT_OK);
	assert_false(was);
	assert_int_equal(audit_count(s), before);
	assert_int_equal(store_token_find(s, h, &got, &e), LT_ENOTFOUND);
	assert_int_equal(store_token_revoke(s, 999999, "cli", &was, &e), LT_ENOTFOUND);

	/* A second token, of no label; the list, by id. */
	struct store_token t2 = {0};
	snprintf(t2.agency, sizeof(t2.agency), "herts_police");
	t2.role = LT_ROLE_POLICE;
	assert_int_equal(store_token_add(s, &t2, h2, "cli", &e), LT_OK);
	struct store_token *v = NULL;
	size_t n = 0;
	assert_int_equal(store_token_list(s, &v, &n, &e), LT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, t.id);
	assert_true(v[0].revoked_at[0] != '\0');
	assert_int_equal(v[1].id, t2.id);
	assert_string_equal(v[1].label, "");
	assert_string_equal(v[1].revoked_at, "");
	free(v);

	/* Refusals write nothing. */
	before = audit_count(s);
	struct store_token bad = {0};
	snprintf(bad.agency, sizeof(bad.agency), "nowhere");
	bad.role = LT_ROLE_ANALYST;
	lt_error_clear(&e);
	assert_int_equal(store_token_add(s, &bad, h, "cli", &e), LT_EINVAL);
	assert_string_equal(e.field, "agency");
	snprintf(bad.agency, sizeof(bad.agency), "unseen");
	snprintf(bad.label, sizeof(bad.label), "two\nlines");
	assert_int_equal(store_token_add(s, &bad, h, "cli", &e), LT_EINVAL);
	assert_int_equal(audit_count(s), before);
}

/* The audit log of accounts never holds an address, a hash or a password. */
static void test_audit_holds_no_secrets(void **state)
{
	struct store *s = *state;
	struct lt_error e = {0};
	struct store_user u = {0};
	snprintf(u.email, sizeof(u.email), "secretive@unseen.example");
	snprintf(u.agency, sizeof(u.agency), "unseen");
	u.role = LT_ROLE_CASEWORKER;
	assert_int_equal(store_user_add(s, &u, HASH1, "cli", &e), LT_OK);
	assert_int_equal(store_user_set_password(s, u.id, HASH2, "cli", &e), LT_OK);
	assert_int_equal(store_user_set_disabled(s, u.email, true, "cli", NULL, &e), LT_OK);
	assert_string_equal(
	    debug_query(s, "SELECT count(*) FROM audit WHERE "
	                   "instr(lower(actor || action || object || coalesce(purpose, '')), "
	                   "'secretive') OR instr(object, '$argon2') OR instr(actor, '$argon2')"),
	    "0");
	assert_string_equal(debug_query(s, "SELECT count(*) FROM audit WHERE action LIKE 'user.%'"),
	                    "3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disable_enable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unlock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_holds_no_secrets, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
