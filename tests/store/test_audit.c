/*
 * test_audit.c — the tamper-evident audit chain of the store: appending,
 * listing, checkpoints, migration 2, and above all verification against
 * each kind of tampering issue 4 names (§8 d): an edited entry, a deleted
 * entry, a reordered pair, an inserted entry, a truncated tail after a
 * checkpoint, a replaced checkpoint and a forged signature.
 *
 * The tampering is done as an attacker holding the database file would do
 * it: through SQL (store_sqlite_debug_query), first dropping the triggers
 * that make the audit tables append-only, then editing rows, and where the
 * attack calls for it recomputing the hashes with the very functions
 * lantern uses (the hash is public and unkeyed). Each test asserts the exact
 * verdict `lantern audit verify` would print, so the messages are part of
 * what is tested.
 */
#include "testutil.h"

#include <pthread.h>

#include "core/audit.h"
#include "core/buf.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	struct store *s;
	char path[1024];
	struct lt_crypto_sign_key key;      /* the partnership's audit key */
	struct lt_crypto_sign_key attacker; /* someone else's */
};

static int counter;

static void key_make(struct lt_crypto_sign_key *k, const char *name)
{
	struct lt_error e = {0};
	char file[64];
	snprintf(file, sizeof(file), "%s-%d.key", name, ++counter);
	char path[1100];
	snprintf(path, sizeof(path), "%s", test_tmp_path(file));
	if (lt_crypto_sign_keyfile_create(path, &e) != LT_OK ||
	    lt_crypto_sign_keyfile_read(path, 1, k, &e) != LT_OK)
		fail_msg("making a key: %s", e.message);
}

static struct store *open_ok(const char *path)
{
	struct lt_error e = {0};
	struct store *s = NULL;
	if (store_open_sqlite(path, &s, &e) != LT_OK)
		fail_msg("store_open_sqlite(%s): %s", path, e.message);
	return s;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	char name[64];
	snprintf(name, sizeof(name), "audit-%d.db", ++counter);
	snprintf(f->path, sizeof(f->path), "%s", test_tmp_path(name));
	f->s = open_ok(f->path);
	key_make(&f->key, "audit");
	key_make(&f->attacker, "attacker");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	lt_crypto_sign_key_wipe(&f->key);
	lt_crypto_sign_key_wipe(&f->attacker);
	free(f);
	return 0;
}

/* Run SQL on the writer, as someone with the file in hand. */
LT_PRINTF(2, 3) static const char *sql(struct store *s, const char *fmt, ...)
{
	static char out[256];
	char q[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	struct lt_error e = {0};
	if (store_sqlite_debug_query(s, -1, q, out, sizeof(out), &e) != LT_OK)
		fail_msg("%s: %s", q, e.message);
	return out;
}

static void drop_triggers(struct store *s)
{
	sql(s, "DROP TRIGGER audit_no_update");
	sql(s, "DROP TRIGGER audit_no_delete");
	sql(s, "DROP TRIGGER audit_checkpoints_no_update");
	sql(s, "DROP TRIGGER audit_checkpoints_no_delete");
}

static void append(struct store *s, const char *action, const char *object, int64_t person,
		   const char *purpose)
{
	struct lt_error e = {0};
	struct store_audit_new n = {"test", action, object, person, purpose};
	if (store_audit_append(s, &n, &e) != LT_OK)
		fail_msg("store_audit_append: %s", e.message);
}

/* Entries 1..n, each about a different object; every third about a person. */
static void append_many(struct store *s, int n)
{
	for (int i = 0; i < n; i++) {
		char object[32];
		snprintf(object, sizeof(object), "report:%d", i);
		if (i % 3 == 2)
			append(s, "person.read", object, 40 + i, "safeguarding referral");
		else
			append(s, "report.create", object, 0, NULL);
	}
}

static struct lt_audit_checkpoint checkpoint(struct fixture *f)
{
	struct lt_audit_checkpoint c;
	struct lt_error e = {0};
	if (store_audit_checkpoint_add(f->s, &f->key, "cli", &c, &e) != LT_OK)
		fail_msg("checkpoint_add: %s", e.message);
	return c;
}

static struct store_audit_verdict verify_with(struct store *s, const unsigned char *key,
					      const struct store_audit_held *held, size_t n)
{
	struct store_audit_verdict v;
	struct lt_error e = {0};
	if (store_audit_verify(s, key, held, n, &v, &e) != LT_OK)
		fail_msg("store_audit_verify: %s", e.message);
	return v;
}

static void expect_intact(struct store_audit_verdict v, int64_t entries, size_t checkpoints)
{
	if (!v.intact)
		fail_msg("want an intact chain, got: %s", v.problem);
	assert_string_equal(v.problem, "");
	assert_int_equal(v.bad_entry, 0);
	if (v.entries != entries || v.checkpoints != checkpoints)
		fail_msg("got %lld entries and %zu checkpoints, want %lld and %zu",
			 (long long)v.entries, v.checkpoints, (long long)entries, checkpoints);
}

static void expect_broken(struct store_audit_verdict v, int64_t bad_entry, const char *problem)
{
	if (v.intact)
		fail_msg("want \"%s\", got an intact chain", problem);
	if (strcmp(v.problem, problem) != 0 || v.bad_entry != bad_entry)
		fail_msg("got \"%s\" at entry %lld\nwant \"%s\" at entry %lld", v.problem,
			 (long long)v.bad_entry, problem, (long long)bad_entry);
}

/* All entries, ascending. The caller frees *out. */
static size_t entries_all(struct store *s, struct store_audit_entry **out)
{
	struct store_audit_query q = {0, 0, SIZE_MAX, false};
	size_t n = 0;
	struct lt_error e = {0};
	if (store_audit_list(s, &q, out, &n, &e) != LT_OK)
		fail_msg("audit_list: %s", e.message);
	return n;
}

static void entry_hash(const unsigned char *prev, const struct store_audit_entry *x,
		       unsigned char out[32])
{
	struct lt_audit_fields fl = {x->id,     x->at,     x->actor,  x->action,
				     x->object, x->person, x->purpose};
	struct lt_buf b;
	lt_buf_init(&b, 4096);
	assert_int_equal(lt_audit_entry_encode(&fl, &b), LT_OK);
	lt_crypto_hash2(out, prev, 32, b.data, b.len);
	lt_buf_release(&b);
}

/* What an attacker does after editing: recompute prev_hash and hash of
 * every entry from the start, so the chain is consistent again. */
static void rehash_all(struct store *s)
{
	struct store_audit_entry *v = NULL;
	size_t n = entries_all(s, &v);
	unsigned char prev[32], h[32];
	char ph[65], hh[65];
	memcpy(prev, lt_audit_genesis, 32);
	for (size_t i = 0; i < n; i++) {
		entry_hash(prev, &v[i], h);
		lt_audit_hex(prev, 32, ph);
		lt_audit_hex(h, 32, hh);
		sql(s, "UPDATE audit SET prev_hash = X'%s', hash = X'%s' WHERE id = %lld", ph, hh,
		    (long long)v[i].id);
		memcpy(prev, h, 32);
	}
	free(v);
}

/* A partner's copy of checkpoint `c`: formatted as `lantern audit
 * checkpoint` prints it and parsed back as `--checkpoint FILE` reads it. */
static struct store_audit_held held_copy(const struct lt_audit_checkpoint *c, const char *label)
{
	struct store_audit_held h;
	struct lt_buf b;
	struct lt_error e = {0};
	memset(&h, 0, sizeof(h));
	lt_buf_init(&b, 1024);
	assert_int_equal(lt_audit_checkpoint_format(c, &b), LT_OK);
	if (lt_audit_checkpoint_parse(b.data, b.len - 1, &h.cp, &e) != LT_OK)
		fail_msg("parsing %s: %s", b.data, e.message);
	lt_buf_release(&b);
	snprintf(h.label, sizeof(h.label), "%s", label);
	return h;
}

/* ---- the chain as written ----------------------------------------------- */

/* The hash of a known entry, against an independent BLAKE2b (Python's
 * hashlib.blake2b(bytes(32) + entry, digest_size=32)). */
static void test_hash_known_answer(void **state)
{
	(void)state;
	struct store_audit_entry x;
	memset(&x, 0, sizeof(x));
	x.id = 1;
	snprintf(x.at, sizeof(x.at), "2024-05-01T10:00:00.000Z");
	snprintf(x.actor, sizeof(x.actor), "cli");
	snprintf(x.action, sizeof(x.action), "report.create");
	snprintf(x.object, sizeof(x.object), "report:LT-7K3M9QXP");
	unsigned char h[32];
	char hex[65];
	entry_hash(lt_audit_genesis, &x, h);
	lt_audit_hex(h, 32, hex);
	assert_string_equal(hex, "f1c087314d3ac46265a4ca44eba174830e5bcf6cc983c9b20a0053dc14c1fd1b");
}

/* Every write appends one entry linked to the one before it, with the
 * person and purpose it was given. */
static void test_chain_links(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_agency a = {0};
	snprintf(a.code, sizeof(a.code), "herts-police");
	snprintf(a.name, sizeof(a.name), "Hertfordshire Constabulary");
	a.kind = LT_AGENCY_KIND_POLICE;
	assert_int_equal(store_agency_add(f->s, &a, "cli", &e), LT_OK);
	append(f->s, "person.read", "person:42", 42, "safeguarding referral");
	append(f->s, "session.login", "user:7", 0, NULL);

	struct store_audit_entry *v = NULL;
	size_t n = entries_all(f->s, &v);
	assert_int_equal(n, 3);
	unsigned char prev[32], h[32];
	memcpy(prev, lt_audit_genesis, 32);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(v[i].id, (int64_t)i + 1);
		assert_false(v[i].malformed);
		assert_memory_equal(v[i].prev_hash, prev, 32);
		entry_hash(prev, &v[i], h);
		assert_memory_equal(v[i].hash, h, 32);
		assert_true(lt_audit_time_valid(v[i].at, strlen(v[i].at)));
		memcpy(prev, h, 32);
	}
	assert_string_equal(v[0].action, "agency.create");
	assert_int_equal(v[0].person, 0);
	assert_string_equal(v[0].purpose, "");
	assert_int_equal(v[1].person, 42);
	assert_string_equal(v[1].purpose, "safeguarding referral");
	free(v);
	expect_intact(verify_with(f->s, f->key.pk, NULL, 0), 3, 0);

	/* An empty log verifies too. */
	char path[1100];
	snprintf(path, sizeof(path), "%s", test_tmp_path("empty-audit.db"));
	struct store *empty = open_ok(path);
	expect_intact(verify_with(empty, f->key.pk, NULL, 0), 0, 0);
	store_close(empty);
}

static void test_append_and_list(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	append_many(f->s, 9); /* persons 42, 45, 48 at entries 3, 6, 9 */
	append(f->s, "person.update", "person:45", 45, NULL);

	struct store_audit_query q = {0, 45, 10, false};
	struct store_audit_entry *v = NULL;
	size_t n = 0;
	assert_int_equal(store_audit_list(f->s, &q, &v, &n, &e), LT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, 6);
	assert_string_equal(v[0].action, "person.read");
	assert_string_equal(v[0].purpose, "safeguarding referral");
	assert_int_equal(v[1].id, 10);
	assert_string_equal(v[1].purpose, "");
	free(v);

	q = (struct store_audit_query){0, 0, 3, true};
	assert_int_equal(store_audit_list(f->s, &q, &v, &n, &e), LT_OK);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].id, 10);
	assert_int_equal(v[2].id, 8);
	free(v);
	q = (struct store_audit_query){8, 0, 100, false};
	assert_int_equal(store_audit_list(f->s, &q, &v, &n, &e), LT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, 9);
	free(v);
	q = (struct store_audit_query){0, 0, 0, false};
	assert_int_equal(store_audit_list(f->s, &q, &v, &n, &e), LT_OK);
	assert_int_equal(n, 0);
	assert_null(v);
	q = (struct store_audit_query){0, 999, 10, true};
	assert_int_equal(store_audit_list(f->s, &q, &v, &n, &e), LT_OK);
	assert_int_equal(n, 0);
	free(v);

	/* A purpose over the ceiling is refused, and nothing is written. */
	char purpose[LT_AUDIT_PURPOSE_MAX + 2];
	memset(purpose, 'p', sizeof(purpose) - 1);
	purpose[sizeof(purpose) - 1] = '\0';
	struct store_audit_new over = {"test", "person.read", "person:1", 1, purpose};
	assert_int_equal(store_audit_append(f->s, &over, &e), LT_EINVAL);
	assert_string_equal(e.field, "purpose");
	purpose[LT_AUDIT_PURPOSE_MAX] = '\0';
	assert_int_equal(store_audit_append(f->s, &over, &e), LT_OK);
	expect_intact(verify_with(f->s, NULL, NULL, 0), 11, 0);
}

/* An on-demand checkpoint pins an "audit.checkpoint" entry, and its
 * signature verifies with the audit key alone. */
static void test_checkpoint_add(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	append_many(f->s, 4);
	struct lt_audit_checkpoint c = checkpoint(f);
	assert_int_equal(c.id, 1);
	assert_int_equal(c.entry_id, 5);
	assert_memory_equal(c.public_key, f->key.pk, 32);

	struct store_audit_entry *v = NULL;
	size_t n = entries_all(f->s, &v);
	assert_int_equal(n, 5);
	assert_string_equal(v[4].action, "audit.checkpoint");
	assert_string_equal(v[4].actor, "cli");
	assert_memory_equal(v[4].hash, c.entry_hash, 32);
	assert_string_equal(v[4].at, c.signed_at);
	free(v);

	struct lt_buf b;
	lt_buf_init(&b, 1024);
	assert_int_equal(lt_audit_statement_encode(&c, &b), LT_OK);
	assert_int_equal(lt_crypto_sign_verify(f->key.pk, b.data, b.len, c.signature), LT_OK);
	lt_buf_release(&b);

	struct lt_audit_checkpoint *cs = NULL;
	size_t nc = 0;
	assert_int_equal(store_audit_checkpoints(f->s, &cs, &nc, &e), LT_OK);
	assert_int_equal(nc, 1);
	assert_memory_equal(&cs[0], &c, sizeof(c));
	free(cs);
	expect_intact(verify_with(f->s, f->key.pk, NULL, 0), 5, 1);

	/* Checkpoints are append-only too. */
	char out[8];
	assert_int_equal(store_sqlite_debug_query(f->s, -1, "DELETE FROM audit_checkpoints", out,
						  sizeof(out), &e),
			 LT_ESTORE);
	assert_contains(e.message, "append-only");
	assert_int_equal(store_sqlite_debug_query(f->s, -1,
						  "UPDATE audit_checkpoints SET entry_id = 1", out,
						  sizeof(out), &e),
			 LT_ESTORE);
}

/* A store with a signing key checkpoints by itself every `every` entries,
 * inside the write that reaches it, and stops when the key is taken away. */
static void test_auto_checkpoints(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	store_audit_signer_set(f->s, &f->key, 5);
	append_many(f->s, 12);
	struct lt_audit_checkpoint *cs = NULL;
	size_t nc = 0;
	assert_int_equal(store_audit_checkpoints(f->s, &cs, &nc, &e), LT_OK);
	assert_int_equal(nc, 2);
	assert_int_equal(cs[0].entry_id, 5);
	assert_int_equal(cs[1].entry_id, 10);
	free(cs);
	/* An on-demand checkpoint resets the count. */
	checkpoint(f); /* entry 13 */
	append_many(f->s, 5); /* 14..18: the next is due at 18 */
	assert_int_equal(store_audit_checkpoints(f->s, &cs, &nc, &e), LT_OK);
	assert_int_equal(nc, 4);
	assert_int_equal(cs[2].entry_id, 13);
	assert_int_equal(cs[3].entry_id, 18);
	free(cs);
	store_audit_signer_set(f->s, NULL, 0);
	append_many(f->s, 10);
	expect_intact(verify_with(f->s, f->key.pk, NULL, 0), 28, 4);
}

/* ---- tampering ------------------------------------------------------------ */

static void test_detect_edited(void **state)
{
	struct fixture *f = *state;
	append_many(f->s, 10);
	drop_triggers(f->s);
	sql(f->s, "UPDATE audit SET object = 'report:someone-else' WHERE id = 5");
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 5,
		      "entry 5: hash does not match its contents (edited?)");
}

/* Each field is covered, and so are types and sizes lantern never writes. */
static void test_detect_edited_fields(void **state)
{
	(void)state;
	static const char *const edits[] = {
		"UPDATE audit SET at = '2020-01-01T00:00:00.000Z' WHERE id = 6",
		"UPDATE audit SET actor = 'cli' WHERE id = 6",
		"UPDATE audit SET action = 'report.read' WHERE id = 6",
		"UPDATE audit SET person = 41 WHERE id = 6",
		"UPDATE audit SET person = NULL WHERE id = 6",
		"UPDATE audit SET purpose = 'curiosity' WHERE id = 6",
		"UPDATE audit SET purpose = NULL WHERE id = 6",
		"UPDATE audit SET hash = zeroblob(32) WHERE id = 6",
		"UPDATE audit SET actor = CAST('test' AS BLOB) WHERE id = 6",
		"UPDATE audit SET object = 'person:' || hex(randomblob(40)) WHERE id = 6",
		"UPDATE audit SET actor = 'te' || char(0) || 'st' WHERE id = 6",
		"UPDATE audit SET person = 'x' WHERE id = 6",
	};
	for (size_t i = 0; i < N(edits); i++) {
		char name[64];
		snprintf(name, sizeof(name), "fields-%zu.db", i);
		struct store *s = open_ok(test_tmp_path(name));
		append_many(s, 8); /* entry 6 is about person 45 */
		drop_triggers(s);
		sql(s, "%s", edits[i]);
		struct store_audit_verdict v = verify_with(s, NULL, NULL, 0);
		if (v.intact || v.bad_entry != 6 ||
		    strcmp(v.problem, "entry 6: hash does not match its contents (edited?)") != 0)
			fail_msg("%s: got %s", edits[i], v.intact ? "intact" : v.problem);
		store_close(s);
	}
}

static void test_detect_deleted(void **state)
{
	struct fixture *f = *state;
	append_many(f->s, 10);
	drop_triggers(f->s);
	sql(f->s, "DELETE FROM audit WHERE id = 5");
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 6,
		      "entry 6: previous hash does not match entry 4 (deleted, inserted or "
		      "reordered?)");
	sql(f->s, "DELETE FROM audit WHERE id = 1");
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 2,
		      "entry 2: previous hash is not the start of the chain (deleted, inserted "
		      "or reordered?)");
}

static void test_detect_reordered(void **state)
{
	struct fixture *f = *state;
	append_many(f->s, 10);
	drop_triggers(f->s);
	/* Entries 5 and 6 change places. */
	sql(f->s, "UPDATE audit SET id = -5 WHERE id = 5");
	sql(f->s, "UPDATE audit SET id = 5 WHERE id = 6");
	sql(f->s, "UPDATE audit SET id = 6 WHERE id = -5");
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 5,
		      "entry 5: previous hash does not match entry 4 (deleted, inserted or "
		      "reordered?)");
}

/* An entry slipped in between 4 and 5, itself perfectly formed and linked
 * to entry 4: the chain breaks at the entry after it. */
static void test_detect_inserted(void **state)
{
	struct fixture *f = *state;
	append_many(f->s, 10);
	drop_triggers(f->s);
	sql(f->s, "UPDATE audit SET id = id + 1000 WHERE id >= 5");
	sql(f->s, "UPDATE audit SET id = id - 999 WHERE id >= 1000");

	struct store_audit_entry *v = NULL;
	size_t n = entries_all(f->s, &v);
	assert_int_equal(n, 10);
	struct store_audit_entry x = v[3]; /* entry 4 */
	free(v);
	unsigned char prev[32], h[32];
	char ph[65], hh[65];
	memcpy(prev, x.hash, 32);
	x.id = 5;
	snprintf(x.object, sizeof(x.object), "report:never-happened");
	entry_hash(prev, &x, h);
	lt_audit_hex(prev, 32, ph);
	lt_audit_hex(h, 32, hh);
	sql(f->s,
	    "INSERT INTO audit(id, at, actor, action, object, prev_hash, hash) VALUES "
	    "(5, '%s', '%s', '%s', '%s', X'%s', X'%s')",
	    x.at, x.actor, x.action, x.object, ph, hh);
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 6,
		      "entry 6: previous hash does not match entry 5 (deleted, inserted or "
		      "reordered?)");
}

/*
 * The hash is unkeyed: an attacker who edits an entry and recomputes every
 * hash after it leaves a chain that is consistent again. Only a checkpoint
 * signed before the edit shows it — this test states both halves.
 */
static void test_detect_rewritten_history(void **state)
{
	struct fixture *f = *state;
	append_many(f->s, 10);
	drop_triggers(f->s);
	sql(f->s, "UPDATE audit SET object = 'report:someone-else' WHERE id = 5");
	rehash_all(f->s);
	expect_intact(verify_with(f->s, f->key.pk, NULL, 0), 10, 0); /* undetectable */

	struct store *s = open_ok(test_tmp_path("rewritten-2.db"));
	append_many(s, 10);
	struct lt_audit_checkpoint c;
	struct lt_error e = {0};
	assert_int_equal(store_audit_checkpoint_add(s, &f->key, "cli", &c, &e), LT_OK);
	append_many(s, 4);
	drop_triggers(s);
	sql(s, "UPDATE audit SET object = 'report:someone-else' WHERE id = 5");
	rehash_all(s);
	expect_broken(verify_with(s, f->key.pk, NULL, 0), 11,
		      "checkpoint 1 at entry 11: the entry's hash is not the one signed (history "
		      "rewritten?)");
	store_close(s);
}

static void test_detect_truncated_tail(void **state)
{
	struct fixture *f = *state;
	append_many(f->s, 10);
	struct lt_audit_checkpoint c = checkpoint(f); /* entry 11 */
	append_many(f->s, 4);
	struct store_audit_held partner = held_copy(&c, "partner.jsonl:1");
	expect_intact(verify_with(f->s, f->key.pk, &partner, 1), 15, 2);

	drop_triggers(f->s);
	sql(f->s, "DELETE FROM audit WHERE id >= 9");
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 11,
		      "checkpoint 1 at entry 11: entry 11 is missing (truncated after a "
		      "checkpoint?)");

	/* Deleting the stored checkpoint as well hides it from the database,
	 * not from the partner who holds a copy. */
	sql(f->s, "DELETE FROM audit_checkpoints");
	expect_intact(verify_with(f->s, f->key.pk, NULL, 0), 8, 0);
	expect_broken(verify_with(f->s, f->key.pk, &partner, 1), 11,
		      "checkpoint partner.jsonl:1 at entry 11: entry 11 is missing (truncated "
		      "after a checkpoint?)");
}

/* A checkpoint whose entry is gone from the middle of the chain. */
static void test_detect_checkpointed_entry_gone(void **state)
{
	struct fixture *f = *state;
	append_many(f->s, 4);
	checkpoint(f); /* entry 5 */
	append_many(f->s, 4);
	drop_triggers(f->s);
	sql(f->s, "DELETE FROM audit WHERE id = 5");
	rehash_all(f->s); /* the chain itself is mended */
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 5,
		      "checkpoint 1 at entry 5: entry 5 is missing (deleted?)");
}

static void test_detect_replaced_checkpoint(void **state)
{
	struct fixture *f = *state;
	append_many(f->s, 10);
	struct lt_audit_checkpoint c = checkpoint(f); /* entry 11 */
	append_many(f->s, 4);
	struct store_audit_held partner = held_copy(&c, "partner.jsonl:1");

	/* History rewritten, and the stored checkpoint replaced by one over the
	 * new chain, signed with a key the attacker holds. */
	drop_triggers(f->s);
	sql(f->s, "UPDATE audit SET object = 'report:someone-else' WHERE id = 5");
	rehash_all(f->s);
	struct store_audit_entry *v = NULL;
	size_t n = entries_all(f->s, &v);
	assert_int_equal(n, 15);
	struct lt_audit_checkpoint forged = c;
	memcpy(forged.entry_hash, v[10].hash, 32);
	free(v);
	memcpy(forged.public_key, f->attacker.pk, 32);
	struct lt_buf b;
	lt_buf_init(&b, 1024);
	assert_int_equal(lt_audit_statement_encode(&forged, &b), LT_OK);
	lt_crypto_sign(&f->attacker, b.data, b.len, forged.signature);
	lt_buf_release(&b);
	char hh[65], pk[65], sig[129];
	lt_audit_hex(forged.entry_hash, 32, hh);
	lt_audit_hex(forged.public_key, 32, pk);
	lt_audit_hex(forged.signature, 64, sig);
	sql(f->s, "DELETE FROM audit_checkpoints WHERE id = 1");
	sql(f->s,
	    "INSERT INTO audit_checkpoints(id, entry_id, entry_hash, signed_at, public_key, "
	    "signature) VALUES (1, 11, X'%s', '%s', X'%s', X'%s')",
	    hh, forged.signed_at, pk, sig);

	char want[300], short_attacker[17], short_key[17];
	lt_audit_hex(f->attacker.pk, 8, short_attacker);
	lt_audit_hex(f->key.pk, 8, short_key);
	snprintf(want, sizeof(want),
		 "checkpoint 1: signed by key %s..., not by the audit key %s... (replaced?)",
		 short_attacker, short_key);
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 11, want);
	/* Without the audit key to compare with, the database alone looks
	 * intact: only the partner's copy shows the rewrite. */
	expect_intact(verify_with(f->s, NULL, NULL, 0), 15, 1);
	expect_broken(verify_with(f->s, NULL, &partner, 1), 11,
		      "checkpoint partner.jsonl:1 at entry 11: the entry's hash is not the one "
		      "signed (history rewritten?)");

	/* Replaced without re-signing: the signature gives it away. */
	sql(f->s, "DELETE FROM audit_checkpoints WHERE id = 1");
	lt_audit_hex(c.public_key, 32, pk);
	lt_audit_hex(c.signature, 64, sig);
	sql(f->s,
	    "INSERT INTO audit_checkpoints(id, entry_id, entry_hash, signed_at, public_key, "
	    "signature) VALUES (1, 11, X'%s', '%s', X'%s', X'%s')",
	    hh, c.signed_at, pk, sig);
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 11,
		      "checkpoint 1: signature does not verify (forged or replaced)");
}

static void test_detect_forged_signature(void **state)
{
	struct fixture *f = *state;
	append_many(f->s, 10);
	struct lt_audit_checkpoint c = checkpoint(f); /* entry 11 */
	append_many(f->s, 2);
	drop_triggers(f->s);
	unsigned char bad[64];
	char sig[129];
	memcpy(bad, c.signature, sizeof(bad));
	bad[10] ^= 0x01;
	lt_audit_hex(bad, sizeof(bad), sig);
	sql(f->s, "UPDATE audit_checkpoints SET signature = X'%s' WHERE id = 1", sig);
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 11,
		      "checkpoint 1: signature does not verify (forged or replaced)");

	/* Other fields of the statement are signed too. */
	struct store_audit_held held[3];
	held[0] = held_copy(&c, "p:1");
	held[0].cp.signed_at[0] = '1';
	held[1] = held_copy(&c, "p:2");
	held[1].cp.entry_id = 12;
	held[2] = held_copy(&c, "p:3");
	held[2].cp.signature[63] ^= 0x80;
	for (size_t i = 0; i < N(held); i++) {
		char want[400];
		snprintf(want, sizeof(want),
			 "checkpoint %s: signature does not verify (forged or replaced)",
			 held[i].label);
		struct store *s = f->s;
		sql(s, "DELETE FROM audit_checkpoints"); /* only the held copy is checked */
		expect_broken(verify_with(s, f->key.pk, &held[i], 1), held[i].cp.entry_id, want);
	}
}

/* The first problem in chain order is the one named. */
static void test_first_problem_named(void **state)
{
	struct fixture *f = *state;
	append_many(f->s, 4);
	checkpoint(f); /* entry 5, checkpoint 1 */
	append_many(f->s, 4);
	checkpoint(f); /* entry 10, checkpoint 2 */
	drop_triggers(f->s);
	sql(f->s, "UPDATE audit SET object = 'x' WHERE id = 8");
	sql(f->s, "UPDATE audit_checkpoints SET signed_at = '2000-01-01T00:00:00.000Z' WHERE id = 2");
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 8,
		      "entry 8: hash does not match its contents (edited?)");
	sql(f->s, "UPDATE audit_checkpoints SET signed_at = '2000-01-01T00:00:00.000Z' WHERE id = 1");
	expect_broken(verify_with(f->s, f->key.pk, NULL, 0), 5,
		      "checkpoint 1: signature does not verify (forged or replaced)");
}

/* ---- many writers ------------------------------------------------------- */

#define THREADS 4
#define PER_THREAD 60

struct writer {
	struct store *s;
	int index;
	int failures;
	char first_failure[LT_MESSAGE_MAX];
};

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		struct lt_error e = {0};
		char object[32];
		snprintf(object, sizeof(object), "t%d:%d", w->index, i);
		struct store_audit_new n = {"test", "person.read", object, w->index + 1, "thread"};
		if (store_audit_append(w->s, &n, &e) != LT_OK && w->failures++ == 0)
			snprintf(w->first_failure, sizeof(w->first_failure), "%s", e.message);
	}
	return NULL;
}

/* Four threads append at once, with a signer checkpointing every 7
 * entries: one unbroken chain, ids 1..N without a gap, and a checkpoint at
 * each multiple of 7. */
static void test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	pthread_t t[THREADS];
	struct writer w[THREADS];
	store_audit_signer_set(f->s, &f->key, 7);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct writer){.s = f->s, .index = i};
		assert_int_equal(pthread_create(&t[i], NULL, writer_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < THREADS; i++)
		if (w[i].failures)
			fail_msg("thread %d: %d failures, first: %s", i, w[i].failures,
				 w[i].first_failure);
	const int64_t total = THREADS * PER_THREAD;
	assert_string_equal(sql(f->s, "SELECT max(id) FROM audit"), "240");
	struct lt_audit_checkpoint *cs = NULL;
	size_t nc = 0;
	assert_int_equal(store_audit_checkpoints(f->s, &cs, &nc, &e), LT_OK);
	assert_int_equal(nc, (size_t)(total / 7));
	for (size_t i = 0; i < nc; i++)
		assert_int_equal(cs[i].entry_id, 7 * ((int64_t)i + 1));
	free(cs);
	expect_intact(verify_with(f->s, f->key.pk, NULL, 0), total, (size_t)(total / 7));
	for (int i = 0; i < THREADS; i++) {
		struct store_audit_query q = {0, i + 1, 1000, false};
		struct store_audit_entry *v = NULL;
		size_t n = 0;
		assert_int_equal(store_audit_list(f->s, &q, &v, &n, &e), LT_OK);
		assert_int_equal(n, PER_THREAD);
		free(v);
	}
}

/* ---- migration 2 and reopening --------------------------------------------- */

/* A database from before the chain: migration 2 chains its entries from the
 * genesis hash, in id order, and the chain goes on from there. */
static void test_migration_v1(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	const char *path = test_tmp_path("v1-with-entries.db");
	assert_int_equal(
		store_sqlite_debug_create(
			path, 1,
			"INSERT INTO audit(at, actor, action, object) VALUES "
			"('2019-03-01T09:00:00.000Z', 'cli', 'agency.create', 'agency:herts-police'),"
			"('2019-03-01T09:00:01.500Z', 'cli', 'arrest.create', 'arrests:11'),"
			"('2019-03-02T10:00:00.000Z', 'api:127.0.0.1', 'report.create', "
			"'report:LT-7K3M9QXP'),"
			"('2019-03-02T10:00:00.000Z', 'public', 'report.create', 'report:LT-ÉÑ');",
			&e),
		LT_OK);
	struct store *s = open_ok(path);
	assert_true(strtol(sql(s, "PRAGMA user_version"), NULL, 10) >= 2);

	/* The hashes are what the format says, from the genesis hash. */
	struct store_audit_entry *v = NULL;
	size_t n = entries_all(s, &v);
	assert_int_equal(n, 4);
	unsigned char prev[32], h[32];
	memcpy(prev, lt_audit_genesis, 32);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(v[i].id, (int64_t)i + 1);
		assert_int_equal(v[i].person, 0);
		assert_string_equal(v[i].purpose, "");
		assert_memory_equal(v[i].prev_hash, prev, 32);
		entry_hash(prev, &v[i], h);
		assert_memory_equal(v[i].hash, h, 32);
		memcpy(prev, h, 32);
	}
	assert_string_equal(v[3].object, "report:LT-ÉÑ");
	assert_string_equal(v[1].at, "2019-03-01T09:00:01.500Z");
	free(v);
	expect_intact(verify_with(s, NULL, NULL, 0), 4, 0);

	/* Still append-only, and the chain continues. */
	char out[8];
	assert_int_equal(store_sqlite_debug_query(s, -1, "DELETE FROM audit", out, sizeof(out), &e),
			 LT_ESTORE);
	append_many(s, 3);
	struct lt_audit_checkpoint c;
	assert_int_equal(store_audit_checkpoint_add(s, &f->key, "cli", &c, &e), LT_OK);
	assert_int_equal(c.entry_id, 8);
	expect_intact(verify_with(s, f->key.pk, NULL, 0), 8, 1);
	store_close(s);

	/* Opened again by this version: nothing is re-chained, all verifies. */
	s = open_ok(path);
	expect_intact(verify_with(s, f->key.pk, NULL, 0), 8, 1);
	append_many(s, 2);
	expect_intact(verify_with(s, f->key.pk, NULL, 0), 10, 1);
	store_close(s);

	/* An old database without entries migrates to an empty chain. */
	const char *empty = test_tmp_path("v1-empty.db");
	assert_int_equal(store_sqlite_debug_create(empty, 1, NULL, &e), LT_OK);
	s = open_ok(empty);
	expect_intact(verify_with(s, NULL, NULL, 0), 0, 0);
	append_many(s, 1);
	v = NULL;
	assert_int_equal(entries_all(s, &v), 1);
	assert_memory_equal(v[0].prev_hash, lt_audit_genesis, 32);
	free(v);
	store_close(s);
}

int main(void)
{
	if (lt_crypto_init() != LT_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_known_answer),
		cmocka_unit_test_setup_teardown(test_chain_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_edited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_edited_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_reordered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_inserted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_rewritten_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_truncated_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_checkpointed_entry_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_replaced_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_forged_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_problem_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_v1, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
