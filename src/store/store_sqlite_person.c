/*
 * store_sqlite_person.c — records about people in the SQLite backend:
 * persons, referrals, cases and arrests as principals see them, sealed
 * personal fields, the blind index, and the master keys and their rotation.
 * One of the store_sqlite*.c files that include <sqlite3.h>.
 *
 * Keys. Every call that seals or opens is given the data key file's master
 * keys (struct lt_crypto_keyring) and derives from each, once per call, the
 * key that wraps data keys and the key of the blind index
 * (lt_crypto_subkey). The database records each master key it has seen in
 * master_keys with its check value, so a wrong key file is named as such
 * rather than failing record by record, and a process still holding the key
 * file from before a rotation is refused (a newer key exists) rather than
 * writing under a key about to be retired.
 *
 * A person's data key. 32 random bytes, made when the person is recorded
 * and again at every rotation (key_gen counts them), stored only wrapped:
 *   key_wrapped = XChaCha20-Poly1305(WRAP key of master key M,
 *                   ad = "LTK1" person_id key_gen M, data key)
 * Erasure sets it, and every blob sealed under it, to NULL: nothing left in
 * the database opens them (docs/security.md says what backups still hold).
 *
 * Sealed fields. A record's personal fields (core/person.h: the fields whose
 * class is not LT_DATA_NONE) are encoded together (lt_pfields_encode) and
 * sealed as one blob under the person's data key, with associated data
 * binding the blob to its place:
 *   person:   "LTP1" person_id key_gen
 *   referral: "LTR1" referral_id person_id key_gen
 * (integers big-endian, 8 bytes for ids, 4 for generations and key ids). A
 * blob copied onto another record, or left from an older generation, does
 * not open: LT_ECRYPTO.
 *
 * The blind index. person_index holds BLAKE2b-128 of each index term
 * (lt_link_person_index_terms: "n:<folded name>", "t:<word>", "y:"/"m:"/
 * "d:" dates, "p:<phonetic code>" of each word and "q:<year>:<code>";
 * persons.index_version says which terms a person's index holds, and
 * store_data_keys_reindex rewrites an older one with the key), keyed with the INDEX key of the
 * master key that wraps the person's data key, with that key's id. A
 * search hashes its terms under every key of the key file (two during a
 * rotation) and matches a person when one of its names matches whole or
 * all the words of the name searched for are among its words, and its
 * date of birth matches at the precision searched for. Nothing else is
 * searchable (the phonetic terms serve the likely-matches search of
 * store_sqlite_link.c only), and nothing is searched in plain text.
 *
 * Transactions. Every call that touches personal data is a write closure run
 * by the writer thread (store_sqlite_writer.c), so that the access decision,
 * the read and its audit entry are one transaction; a closure may be run
 * again from the start when its batch restarts, so it resets everything it
 * hands back before it begins. Opening sealed data for a read happens after
 * the commit, in the caller's thread: nothing is handed out before the audit
 * entry that records it is on disk. Reads of records that hold no personal
 * data (an arrest, the key status) use a reader connection.
 *
 * Access. The facts of a record (owner agency, creator, whether it is
 * shared with the caller's agency) come from its rows, inside the
 * transaction; lt_access_check decides. An invisible record is "not
 * found", exactly like a missing one. A person referred to another agency
 * (shares, kind 'refer') is shared with it, and so are its referrals; the
 * receiver sees only the classes of personal data the shares name: the
 * others are cleared (lt_pfields_clear) after opening, before anything is
 * handed out, and a person whose identity is not shared is never found by
 * a search. A transfer moves persons.agency_id.
 *
 * Nothing here prints, logs or puts a personal value into an error message.
 */
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/bug.h"
#include "linkage/link_persons.h"
#include "core/banned.h"

#define WRAPPED_BYTES (LT_CRYPTO_DATA_KEY_BYTES + LT_CRYPTO_AEAD_OVERHEAD)
#define INDEX_BYTES   16
/* persons.index_version of an index written by this code: 1, the terms of
 * lt_person_index_terms; 2, with the phonetic terms "p:" (written only by
 * the commits of a quarter of an hour); 3, with "p:" and "q:" of
 * lt_link_person_index_terms. An older index is rewritten with the key by
 * store_sqlite_data_keys_reindex (docs/operations.md, "Upgrades"). */
#define INDEX_VERSION "3"
#define ENCODING_MAX  (64 * 1024) /* bytes of a record's encoded personal fields */
#define NOW_SQL       "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

/* ---- small SQLite helpers ------------------------------------------------ */

static int bind_text(sqlite3_stmt *st, int i, const char *s, size_t len)
{
	if (!s || len == 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, (int)len, SQLITE_TRANSIENT);
}

static int bind_str(sqlite3_stmt *st, int i, const char *s)
{
	return bind_text(st, i, s, s ? strlen(s) : 0);
}

static int bind_date(sqlite3_stmt *st, int i, const struct lt_date *d)
{
	char text[LT_DATE_TEXT];
	lt_date_format(d, text);
	return bind_str(st, i, text);
}

static int bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
	return sqlite3_bind_blob(st, i, p ? p : "", (int)n, SQLITE_TRANSIENT);
}

static int bind_code(sqlite3_stmt *st, int i, const struct lt_vocab *v, int k)
{
	return k < 0 ? sqlite3_bind_null(st, i)
	             : bind_str(st, i, lt_vocab_term(v, (size_t)k)->code);
}

/* Run a statement that returns no row; reset it for reuse. */
static lt_status step_done(sqlite3 *db, sqlite3_stmt *st, const char *what, struct lt_error *err)
{
	int rc = sqlite3_step(st);
	lt_status s = rc == SQLITE_DONE ? LT_OK : store_sqlite_fail(db, rc, what, err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return s;
}

/* Run `sql` with one int64 parameter and no result rows. */
static lt_status exec_id(sqlite3 *db, const char *sql, int64_t id, const char *what,
                         struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s = store_sqlite_prep(db, sql, &st, err);
	if (s == LT_OK) {
		int rc = sqlite3_bind_int64(st, 1, id);
		s = rc == SQLITE_OK ? step_done(db, st, what, err)
		                    : store_sqlite_fail(db, rc, what, err);
	}
	sqlite3_finalize(st);
	return s;
}

/* The first column of the one row of `sql` (one optional int64 parameter
 * when has_arg) as an integer; 0 when there is no row or it is NULL. */
static lt_status query_long(sqlite3 *db, const char *sql, bool has_arg, int64_t arg, long *out,
                            struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s = store_sqlite_prep(db, sql, &st, err);
	int rc;
	*out = 0;
	if (s != LT_OK)
		goto out;
	if (has_arg && (rc = sqlite3_bind_int64(st, 1, arg)) != SQLITE_OK) {
		s = store_sqlite_fail(db, rc, "binding", err);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (long)sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		s = store_sqlite_fail(db, rc, "reading a count", err);
out:
	sqlite3_finalize(st);
	return s;
}

static lt_status column_date(sqlite3_stmt *st, int col, const char *what, struct lt_date *out,
                             struct lt_error *err)
{
	memset(out, 0, sizeof(*out));
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return LT_OK;
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!t || lt_date_parse((const char *)t, (size_t)sqlite3_column_bytes(st, col), out, what,
	                        NULL) != LT_OK)
		return lt_error_set(err, LT_ESTORE, NULL, "%s in the database is not a date", what);
	return LT_OK;
}

/* A coded column back to its index in `v`; -1 when NULL. */
static lt_status column_code(sqlite3_stmt *st, int col, const struct lt_vocab *v, const char *what,
                             int *out, struct lt_error *err)
{
	*out = -1;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return LT_OK;
	const unsigned char *t = sqlite3_column_text(st, col);
	int k = t ? lt_vocab_find(v, (const char *)t, (size_t)sqlite3_column_bytes(st, col)) : -1;
	if (k < 0)
		return lt_error_set(err, LT_ESTORE, NULL,
		                    "%s in the database holds a %s code this lantern does not know",
		                    what, v->name);
	*out = k;
	return LT_OK;
}

/* A copy of a BLOB column (heap; NULL and 0 when the column is NULL). */
struct blob {
	unsigned char *p;
	size_t n;
};

static void blob_free(struct blob *b)
{
	if (b->p)
		lt_crypto_free_secret(b->p, b->n);
	b->p = NULL;
	b->n = 0;
}

static lt_status column_blob(sqlite3_stmt *st, int col, struct blob *b, struct lt_error *err)
{
	blob_free(b);
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return LT_OK;
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	b->p = malloc(n ? n : 1);
	if (!b->p)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	if (n)
		memcpy(b->p, p, n);
	b->n = n;
	return LT_OK;
}

/* Forms rows of record `owner` (the statement's one parameter) into a bit
 * set. */
static lt_status forms_read(sqlite3 *db, const char *sql, int64_t owner, uint32_t *forms,
                            struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s = store_sqlite_prep(db, sql, &st, err);
	int rc;
	*forms = 0;
	if (s != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, owner);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k;
		if ((s = column_code(st, 0, &lt_vocab_form, "a form", &k, err)) != LT_OK)
			goto out;
		if (k >= 0)
			*forms |= 1u << k;
	}
	if (rc != SQLITE_DONE)
		s = store_sqlite_fail(db, rc, "reading the forms of exploitation", err);
out:
	sqlite3_finalize(st);
	return s;
}

/* Replace the forms rows of `owner` with `forms`: `del` and `ins` are the
 * statements ("DELETE ... WHERE owner = ?1", "INSERT ... VALUES (?1, ?2)"). */
static lt_status forms_write(sqlite3 *db, const char *del, const char *ins, int64_t owner,
                             uint32_t forms, struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s = exec_id(db, del, owner, "replacing the forms of exploitation", err);
	if (s != LT_OK || (s = store_sqlite_prep(db, ins, &st, err)) != LT_OK)
		goto out;
	for (int f = 0; f < LT_FORM_COUNT; f++) {
		if (!(forms & (1u << f)))
			continue;
		int rc;
		if ((rc = sqlite3_bind_int64(st, 1, owner)) != SQLITE_OK ||
		    (rc = bind_code(st, 2, &lt_vocab_form, f)) != SQLITE_OK) {
			s = store_sqlite_fail(db, rc, "writing the forms of exploitation", err);
			goto out;
		}
		if ((s = step_done(db, st, "writing the forms of exploitation", err)) != LT_OK)
			goto out;
	}
out:
	sqlite3_finalize(st);
	return s;
}

/* ---- principals, purposes, audit ------------------------------------------ */

static void principal_check(const struct lt_principal *p)
{
	LT_ASSERT(p && (p->kind == LT_PRINCIPAL_USER || p->kind == LT_PRINCIPAL_TOKEN));
	LT_ASSERT(p->id > 0 && p->agency_id > 0 && (unsigned)p->role < LT_ROLE_COUNT);
}

static const char *creator_kind(const struct lt_principal *p)
{
	return p->kind == LT_PRINCIPAL_USER ? "user" : "token";
}

static lt_status purpose_check(const char *purpose, const char *field, struct lt_error *err)
{
	return store_sqlite_line_check(purpose, field, "say why you need this person's data", err);
}

/* Append the audit entry "<action> <kind>:<id>" by p about `person`. */
static lt_status audit(struct store *s, sqlite3 *db, const struct lt_principal *p,
                       const char *actor, const char *action, const char *kind, int64_t id,
                       int64_t person, const char *purpose, struct lt_error *err)
{
	char who[64], object[64];
	if (p) {
		store_sqlite_actor_of(p, who);
		actor = who;
	}
	snprintf(object, sizeof(object), "%s:%lld", kind, (long long)id);
	struct store_audit_new e = {actor, action, object, person, purpose};
	return store_sqlite_audit(s, db, &e, err);
}

/* ---- facts and access ------------------------------------------------------ */

/* What the rows say about the record `id` of `table` ("persons",
 * "referrals", "cases", "arrests") for a principal of agency `agency`:
 * LT_ENOTFOUND when there is none. A person is shared with the agency when
 * a referral share of it to the agency holds; a referral when its person
 * is. */
static lt_status facts_of(sqlite3 *db, const char *table, int64_t id, int64_t agency,
                          struct lt_access_facts *f, struct lt_error *err)
{
	char sql[400];
	sqlite3_stmt *st = NULL;
	lt_status s;
	int rc;
	memset(f, 0, sizeof(*f));
	if (strcmp(table, "arrests") == 0)
		snprintf(sql, sizeof(sql),
		         "SELECT agency_id, NULL, NULL, 0 FROM arrests WHERE id = ?1 AND ?2 = ?2");
	else if (strcmp(table, "cases") == 0)
		snprintf(sql, sizeof(sql),
		         "SELECT agency_id, creator_kind, creator_id, 0 FROM cases WHERE id = ?1 "
		         "AND ?2 = ?2");
	else
		snprintf(sql, sizeof(sql),
		         "SELECT t.agency_id, t.creator_kind, t.creator_id, EXISTS (SELECT 1 FROM "
		         "shares s WHERE s.person_id = t.%s AND s.to_agency_id = ?2 AND s.kind = "
		         "'refer' AND s.revoked_at IS NULL) FROM %s t WHERE t.id = ?1",
		         strcmp(table, "persons") == 0 ? "id" : "person_id", table);
	if ((s = store_sqlite_prep(db, sql, &st, err)) != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, agency);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		s = LT_ENOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		s = store_sqlite_fail(db, rc, "reading a record's owner", err);
		goto out;
	}
	f->owner_agency_id = sqlite3_column_int64(st, 0);
	const unsigned char *k = sqlite3_column_text(st, 1);
	if (k && strcmp((const char *)k, "user") == 0)
		f->creator_kind = LT_PRINCIPAL_USER;
	else if (k && strcmp((const char *)k, "token") == 0)
		f->creator_kind = LT_PRINCIPAL_TOKEN;
	f->creator_id = sqlite3_column_int64(st, 2);
	f->shared = sqlite3_column_int(st, 3) != 0;
out:
	sqlite3_finalize(st);
	return s;
}

/* The classes of personal data of person `person` a principal of agency
 * `agency` may see: every class when the agency owns it, else those of
 * the referral shares of it to the agency (0: none). */
static lt_status visible_classes(sqlite3 *db, int64_t person, int64_t agency, unsigned *out,
                                 struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s;
	int rc;
	*out = 0;
	if ((s = store_sqlite_prep(
	         db,
	         "SELECT p.agency_id = ?2, s.classes FROM persons p LEFT JOIN shares s ON "
	         "s.person_id = p.id AND s.to_agency_id = ?2 AND s.kind = 'refer' AND "
	         "s.revoked_at IS NULL WHERE p.id = ?1",
	         &st, err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, person);
	sqlite3_bind_int64(st, 2, agency);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 0))
			*out = LT_DATA_ALL;
		else
			*out |= (unsigned)sqlite3_column_int64(st, 1) & LT_DATA_ALL;
	}
	if (rc != SQLITE_DONE)
		s = store_sqlite_fail(db, rc, "reading a person's shares", err);
	sqlite3_finalize(st);
	return s;
}

/* Decide `a` on record `id` of `table` for p: LT_OK, or LT_ENOTFOUND /
 * LT_EFORBIDDEN with a message naming the kind of record, never whose. */
static lt_status access(sqlite3 *db, const struct lt_principal *p, enum lt_action a,
                        const char *table, const char *noun, int64_t id, struct lt_error *err)
{
	struct lt_access_facts f;
	lt_status s = facts_of(db, table, id, p->agency_id, &f, err);
	if (s == LT_OK)
		s = lt_access_check(p, a, &f);
	if (s == LT_ENOTFOUND)
		return lt_error_set(err, LT_ENOTFOUND, NULL, "no %s %lld", noun, (long long)id);
	if (s == LT_EFORBIDDEN)
		return lt_error_set(err, LT_EFORBIDDEN, NULL,
		                    "your role may not do that to this %s", noun);
	return s;
}

/* Creating is checked as if the record were stored, owned by p's agency and
 * created by p. */
static lt_status access_create(const struct lt_principal *p, enum lt_action a, const char *noun,
                               struct lt_error *err)
{
	struct lt_access_facts f = {p->agency_id, p->kind, p->id, false};
	lt_status s = lt_access_check(p, a, &f);
	if (s != LT_OK)
		return lt_error_set(err, s, NULL, "your role may not record a %s", noun);
	return LT_OK;
}

/* For a record that names another: LT_EINVAL naming `field` when record
 * `id` of `table` does not exist or p may not read it. */
static lt_status reference_visible(sqlite3 *db, const struct lt_principal *p, enum lt_action a,
                                   const char *table, const char *noun, const char *field,
                                   int64_t id, struct lt_error *err)
{
	struct lt_access_facts f;
	lt_status s = facts_of(db, table, id, p->agency_id, &f, err);
	if (s == LT_OK)
		s = lt_access_check(p, a, &f);
	if (s == LT_ENOTFOUND || s == LT_EFORBIDDEN)
		return lt_error_set(err, LT_EINVAL, field, "there is no %s %lld that you can see",
		                    noun, (long long)id);
	return s;
}

/* ---- keys ------------------------------------------------------------------ */

/* The keys derived from one master key. */
struct mkey {
	uint32_t id;
	unsigned char wrap[LT_CRYPTO_DATA_KEY_BYTES];
	unsigned char index[LT_CRYPTO_DATA_KEY_BYTES];
	unsigned char check[LT_CRYPTO_KEY_CHECK_BYTES];
};

/* The derived keys of every master key of a key file; ks.k[n-1] current. */
struct keyset {
	struct mkey k[LT_CRYPTO_KEYRING_MAX];
	size_t n;
};

static lt_status keyset_derive(const struct lt_crypto_keyring *kr, struct keyset *ks,
                               struct lt_error *err)
{
	memset(ks, 0, sizeof(*ks));
	if (!kr || kr->n == 0)
		return lt_error_set(err, LT_ECRYPTO, "data-key",
		                    "no data key was given: personal data cannot be sealed or "
		                    "opened without the data key file (lantern key init)");
	LT_ASSERT(kr->n <= LT_CRYPTO_KEYRING_MAX);
	for (size_t i = 0; i < kr->n; i++) {
		ks->k[i].id = kr->keys[i].id;
		lt_crypto_subkey(&kr->keys[i], LT_CRYPTO_SUBKEY_WRAP, ks->k[i].wrap);
		lt_crypto_subkey(&kr->keys[i], LT_CRYPTO_SUBKEY_INDEX, ks->k[i].index);
		lt_crypto_key_check(&kr->keys[i], ks->k[i].check);
	}
	ks->n = kr->n;
	return LT_OK;
}

static void keyset_wipe(struct keyset *ks)
{
	lt_crypto_wipe(ks, sizeof(*ks));
}

static const struct mkey *keyset_current(const struct keyset *ks)
{
	return &ks->k[ks->n - 1];
}

static const struct mkey *keyset_find(const struct keyset *ks, uint32_t id)
{
	for (size_t i = 0; i < ks->n; i++)
		if (ks->k[i].id == id)
			return &ks->k[i];
	return NULL;
}

/*
 * The master key `id` a record is sealed under, from `ks`, checked against
 * the check value the database holds (`check`, `check_len` bytes; NULL when
 * the database does not know the key). LT_ECRYPTO with a sentence when the
 * key file does not hold it or holds another key under that id.
 */
static lt_status key_for(const struct keyset *ks, uint32_t id, const void *check, size_t check_len,
                         const struct mkey **out, struct lt_error *err)
{
	const struct mkey *m = keyset_find(ks, id);
	*out = NULL;
	if (!m)
		return lt_error_set(
		    err, LT_ECRYPTO, "data-key",
		    "the record is sealed under data key %lu, which the data key "
		    "file does not hold (an older key file, or a rotation removed it "
		    "too early?)",
		    (unsigned long)id);
	if (!check || check_len != sizeof(m->check) ||
	    !lt_crypto_equal(check, m->check, sizeof(m->check)))
		return lt_error_set(err, LT_ECRYPTO, "data-key",
		                    "data key %lu of the data key file is not this database's data "
		                    "key %lu (another installation's key file?)",
		                    (unsigned long)id, (unsigned long)id);
	*out = m;
	return LT_OK;
}

/*
 * Check the current key of `ks` against master_keys inside a write: it
 * must be known with the same check value, not retired, and no newer key
 * may exist. With `first`, a database that knows no key at all records it
 * (audit "datakey.add" by `actor`).
 */
static lt_status key_current_ready(struct store *s, sqlite3 *db, const struct keyset *ks,
                                   bool first, const char *actor, struct lt_error *err)
{
	const struct mkey *cur = keyset_current(ks);
	sqlite3_stmt *st = NULL;
	lt_status r;
	long max = 0, count = 0;
	int rc;

	if ((r = query_long(db, "SELECT count(*) FROM master_keys", false, 0, &count, err)) !=
	        LT_OK ||
	    (r = query_long(db, "SELECT coalesce(max(id), 0) FROM master_keys", false, 0, &max,
	                    err)) != LT_OK)
		return r;
	if (count == 0 && first) {
		if ((r = store_sqlite_prep(db,
		                           "INSERT INTO master_keys(id, key_check) VALUES (?1, ?2)",
		                           &st, err)) != LT_OK)
			return r;
		sqlite3_bind_int64(st, 1, cur->id);
		bind_blob(st, 2, cur->check, sizeof(cur->check));
		r = step_done(db, st, "recording the data key", err);
		sqlite3_finalize(st);
		if (r == LT_OK)
			r = audit(s, db, NULL, actor, "datakey.add", "key", cur->id, 0, NULL, err);
		return r;
	}
	if ((long)cur->id < max)
		return lt_error_set(err, LT_ECRYPTO, "data-key",
		                    "the database has a newer data key (%ld) than the key file's "
		                    "current key (%lu): a rotation has begun; use the new key file",
		                    max, (unsigned long)cur->id);
	if ((r = store_sqlite_prep(db,
	                           "SELECT key_check, retired_at FROM master_keys WHERE id = ?1",
	                           &st, err)) != LT_OK)
		return r;
	sqlite3_bind_int64(st, 1, cur->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = lt_error_set(err, LT_ECRYPTO, "data-key",
		                 "the database does not know data key %lu of the key file: run "
		                 "'lantern key status'",
		                 (unsigned long)cur->id);
	} else if (rc != SQLITE_ROW) {
		r = store_sqlite_fail(db, rc, "reading the data keys", err);
	} else if (sqlite3_column_bytes(st, 0) != (int)sizeof(cur->check) ||
	           !lt_crypto_equal(sqlite3_column_blob(st, 0), cur->check, sizeof(cur->check))) {
		r = lt_error_set(
		    err, LT_ECRYPTO, "data-key",
		    "data key %lu of the data key file is not this database's data key "
		    "%lu (another installation's key file?)",
		    (unsigned long)cur->id, (unsigned long)cur->id);
	} else if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
		r = lt_error_set(err, LT_ECRYPTO, "data-key",
		                 "data key %lu was retired by a rotation; use the new key file",
		                 (unsigned long)cur->id);
	}
	sqlite3_finalize(st);
	return r;
}

static void be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (unsigned char)v;
		v >>= 8;
	}
}

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Associated data of a wrapped data key: "LTK1" person gen master. */
static size_t ad_key(unsigned char ad[20], int64_t person, uint32_t gen, uint32_t master)
{
	memcpy(ad, "LTK1", 4);
	be64(ad + 4, (uint64_t)person);
	be32(ad + 12, gen);
	be32(ad + 16, master);
	return 20;
}

/* Associated data of a person's blob: "LTP1" person gen. */
static size_t ad_person(unsigned char ad[16], int64_t person, uint32_t gen)
{
	memcpy(ad, "LTP1", 4);
	be64(ad + 4, (uint64_t)person);
	be32(ad + 12, gen);
	return 16;
}

/* Associated data of a referral's blob: "LTR1" referral person gen. */
static size_t ad_referral(unsigned char ad[24], int64_t referral, int64_t person, uint32_t gen)
{
	memcpy(ad, "LTR1", 4);
	be64(ad + 4, (uint64_t)referral);
	be64(ad + 12, (uint64_t)person);
	be32(ad + 20, gen);
	return 24;
}

static lt_status key_wrap(const struct mkey *m, int64_t person, uint32_t gen,
                          const unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES], struct blob *out,
                          struct lt_error *err)
{
	unsigned char ad[20];
	size_t adlen = ad_key(ad, person, gen, m->id);
	blob_free(out);
	lt_status s =
	    lt_crypto_aead_seal(m->wrap, ad, adlen, dk, LT_CRYPTO_DATA_KEY_BYTES, &out->p, &out->n);
	return s == LT_OK ? LT_OK : lt_error_set(err, s, NULL, "wrapping a data key failed");
}

static lt_status key_unwrap(const struct mkey *m, int64_t person, uint32_t gen,
                            const struct blob *wrapped, unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES],
                            struct lt_error *err)
{
	unsigned char ad[20];
	unsigned char *k = NULL;
	size_t n = 0;
	size_t adlen = ad_key(ad, person, gen, m->id);
	lt_status s = lt_crypto_aead_open(m->wrap, ad, adlen, wrapped->p, wrapped->n, &k, &n);
	if (s == LT_OK && n != LT_CRYPTO_DATA_KEY_BYTES)
		s = LT_ECRYPTO;
	if (s == LT_OK)
		memcpy(dk, k, LT_CRYPTO_DATA_KEY_BYTES);
	if (k)
		lt_crypto_free_secret(k, n);
	if (s == LT_ECRYPTO)
		return lt_error_set(err, LT_ECRYPTO, NULL,
		                    "the data key of person %lld does not open (the database was "
		                    "altered, or a key was moved from another record)",
		                    (long long)person);
	return s == LT_OK ? LT_OK : lt_error_set(err, s, NULL, "out of memory");
}

/* Encode and seal the personal fields of `rec` under data key `dk`. */
static lt_status seal_fields(const struct lt_pfield *fields, size_t nf, const void *rec,
                             const unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES],
                             const unsigned char *ad, size_t adlen, struct blob *out,
                             struct lt_error *err)
{
	struct lt_buf enc;
	lt_status s;
	blob_free(out);
	lt_buf_init(&enc, ENCODING_MAX);
	s = lt_pfields_encode(fields, nf, rec, &enc);
	if (s == LT_OK)
		s = lt_crypto_aead_seal(dk, ad, adlen, enc.data, enc.len, &out->p, &out->n);
	if (enc.data)
		lt_crypto_wipe(enc.data, enc.cap);
	lt_buf_release(&enc);
	return s == LT_OK ? LT_OK : lt_error_set(err, s, NULL, "sealing personal data failed");
}

/* Open a blob sealed by seal_fields into `rec` (personal fields clear). */
static lt_status open_fields(const struct lt_pfield *fields, size_t nf, void *rec,
                             const unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES],
                             const unsigned char *ad, size_t adlen, const struct blob *b,
                             const char *noun, int64_t id, struct lt_error *err)
{
	unsigned char *m = NULL;
	size_t n = 0;
	lt_status s = lt_crypto_aead_open(dk, ad, adlen, b->p, b->n, &m, &n);
	if (s == LT_ECRYPTO)
		return lt_error_set(err, LT_ECRYPTO, NULL,
		                    "the sealed data of %s %lld does not open (the database was "
		                    "altered, or the data was moved from another record)",
		                    noun, (long long)id);
	if (s != LT_OK)
		return lt_error_set(err, s, NULL, "out of memory");
	s = lt_pfields_decode(fields, nf, rec, m, n, err);
	lt_crypto_free_secret(m, n);
	if (s != LT_OK)
		return lt_error_set(err, LT_ESTORE, NULL,
		                    "the sealed data of %s %lld opens but is not well formed", noun,
		                    (long long)id);
	return LT_OK;
}

/* Replace the blind index of person `id` by the terms of `p`, under key m. */
static lt_status index_write(sqlite3 *db, int64_t id, const struct mkey *m,
                             const struct lt_person *p, struct lt_error *err)
{
	struct lt_index_terms t;
	sqlite3_stmt *st = NULL;
	unsigned char h[INDEX_BYTES];
	lt_status s;

	lt_index_terms_init(&t);
	if ((s = exec_id(db, "DELETE FROM person_index WHERE person_id = ?1", id,
	                 "replacing the blind index", err)) != LT_OK)
		goto out;
	if ((s = lt_link_person_index_terms(p, &t)) != LT_OK) {
		s = lt_error_set(err, s, NULL, "indexing a person failed");
		goto out;
	}
	if ((s = exec_id(db, "UPDATE persons SET index_version = " INDEX_VERSION " WHERE id = ?1",
	                 id, "replacing the blind index", err)) != LT_OK)
		goto out;
	if ((s = store_sqlite_prep(
	         db,
	         "INSERT OR IGNORE INTO person_index(hash, person_id, master_key_id) "
	         "VALUES (?1, ?2, ?3)",
	         &st, err)) != LT_OK)
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		const char *term = lt_index_term(&t, i);
		lt_crypto_keyed_hash(h, sizeof(h), m->index, term, strlen(term), NULL, 0);
		bind_blob(st, 1, h, sizeof(h));
		sqlite3_bind_int64(st, 2, id);
		sqlite3_bind_int64(st, 3, m->id);
		if ((s = step_done(db, st, "writing the blind index", err)) != LT_OK)
			goto out;
	}
out:
	sqlite3_finalize(st);
	lt_index_terms_release(&t);
	lt_crypto_wipe(h, sizeof(h));
	return s;
}

/* The key columns of a person row, and its data key once unwrapped. */
struct person_key {
	bool erased;
	uint32_t master_id;
	uint32_t gen;
	struct blob wrapped;
	struct blob check; /* master_keys.key_check of master_id */
};

static void person_key_free(struct person_key *k)
{
	blob_free(&k->wrapped);
	blob_free(&k->check);
	memset(k, 0, sizeof(*k));
}

/* Read the key columns of person `id`: LT_ENOTFOUND when there is none. */
static lt_status person_key_read(sqlite3 *db, int64_t id, struct person_key *k,
                                 struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s;
	int rc;
	person_key_free(k);
	if ((s = store_sqlite_prep(
	         db,
	         "SELECT p.erased_at IS NOT NULL, p.master_key_id, p.key_gen, p.key_wrapped, "
	         "m.key_check FROM persons p LEFT JOIN master_keys m ON m.id = p.master_key_id "
	         "WHERE p.id = ?1",
	         &st, err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		s = lt_error_set(err, LT_ENOTFOUND, NULL, "no person %lld", (long long)id);
	} else if (rc != SQLITE_ROW) {
		s = store_sqlite_fail(db, rc, "reading a person's key", err);
	} else {
		k->erased = sqlite3_column_int(st, 0) != 0;
		k->master_id = (uint32_t)sqlite3_column_int64(st, 1);
		k->gen = (uint32_t)sqlite3_column_int64(st, 2);
		if ((s = column_blob(st, 3, &k->wrapped, err)) == LT_OK)
			s = column_blob(st, 4, &k->check, err);
	}
	sqlite3_finalize(st);
	return s;
}

/* Unwrap the data key of person `id` whose key columns are `k`. */
static lt_status person_key_open(const struct keyset *ks, int64_t id, const struct person_key *k,
                                 unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES], const struct mkey **mk,
                                 struct lt_error *err)
{
	const struct mkey *m = NULL;
	lt_status s = key_for(ks, k->master_id, k->check.p, k->check.n, &m, err);
	if (s == LT_OK)
		s = key_unwrap(m, id, k->gen, &k->wrapped, dk, err);
	if (mk)
		*mk = m;
	return s;
}

lt_status store_sqlite_person_open(const struct lt_crypto_keyring *keys, int64_t id,
                                   uint32_t master, uint32_t gen, const void *check,
                                   size_t check_len, const void *wrapped, size_t wrapped_len,
                                   const void *sealed, size_t sealed_len, struct lt_person *out,
                                   struct lt_error *err)
{
	struct keyset ks;
	unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES], ad[16];
	const struct mkey *m = NULL;
	const struct blob w = {(unsigned char *)wrapped, wrapped_len};
	const struct blob b = {(unsigned char *)sealed, sealed_len};
	lt_status r;

	lt_person_init(out);
	memset(dk, 0, sizeof(dk));
	if ((r = keyset_derive(keys, &ks, err)) != LT_OK)
		return r;
	if ((r = key_for(&ks, master, check, check_len, &m, err)) == LT_OK &&
	    (r = key_unwrap(m, id, gen, &w, dk, err)) == LT_OK)
		r = open_fields(lt_person_fields, lt_person_field_count, out, dk, ad,
		                ad_person(ad, id, gen), &b, "person", id, err);
	if (r != LT_OK)
		lt_person_release(out);
	lt_crypto_wipe(dk, sizeof(dk));
	keyset_wipe(&ks);
	return r;
}

/* ---- the master keys --------------------------------------------------------- */

struct register_write {
	struct store *s;
	const struct keyset *ks;
	const char *actor;
};

static lt_status register_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct register_write *w = arg;
	sqlite3_stmt *get = NULL, *ins = NULL;
	lt_status s;
	long max = 0;
	int rc;

	if ((s = query_long(db, "SELECT coalesce(max(id), 0) FROM master_keys", false, 0, &max,
	                    err)) != LT_OK ||
	    (s = store_sqlite_prep(db, "SELECT key_check FROM master_keys WHERE id = ?1", &get,
	                           err)) != LT_OK ||
	    (s = store_sqlite_prep(db, "INSERT INTO master_keys(id, key_check) VALUES (?1, ?2)",
	                           &ins, err)) != LT_OK)
		goto out;
	for (size_t i = 0; i < w->ks->n; i++) {
		const struct mkey *m = &w->ks->k[i];
		sqlite3_bind_int64(get, 1, m->id);
		rc = sqlite3_step(get);
		if (rc == SQLITE_ROW) {
			bool same = sqlite3_column_bytes(get, 0) == (int)sizeof(m->check) &&
			            lt_crypto_equal(sqlite3_column_blob(get, 0), m->check,
			                            sizeof(m->check));
			sqlite3_reset(get);
			if (!same) {
				s = lt_error_set(
				    err, LT_ECRYPTO, "data-key",
				    "data key %lu of the data key file is not this "
				    "database's data key %lu (another installation's key "
				    "file?)",
				    (unsigned long)m->id, (unsigned long)m->id);
				goto out;
			}
			continue;
		}
		sqlite3_reset(get);
		if (rc != SQLITE_DONE) {
			s = store_sqlite_fail(db, rc, "reading the data keys", err);
			goto out;
		}
		if ((long)m->id < max) {
			s = lt_error_set(
			    err, LT_ECRYPTO, "data-key",
			    "data key %lu of the key file is older than the database's "
			    "newest data key (%ld) and unknown to it",
			    (unsigned long)m->id, max);
			goto out;
		}
		sqlite3_bind_int64(ins, 1, m->id);
		bind_blob(ins, 2, m->check, sizeof(m->check));
		if ((s = step_done(db, ins, "recording a data key", err)) != LT_OK ||
		    (s = audit(w->s, db, NULL, w->actor, "datakey.add", "key", m->id, 0, NULL,
		               err)) != LT_OK)
			goto out;
		max = (long)m->id;
	}
	if ((long)keyset_current(w->ks)->id < max)
		s = lt_error_set(
		    err, LT_ECRYPTO, "data-key",
		    "the database has a newer data key (%ld) than the key file's current "
		    "key (%lu): a rotation has begun; use the new key file",
		    max, (unsigned long)keyset_current(w->ks)->id);
out:
	sqlite3_finalize(get);
	sqlite3_finalize(ins);
	return s;
}

lt_status store_sqlite_data_keys_register(struct store *s, const struct lt_crypto_keyring *keys,
                                          const char *actor, struct lt_error *err)
{
	struct keyset ks;
	lt_status r = keyset_derive(keys, &ks, err);
	LT_ASSERT(actor && actor[0]);
	if (r == LT_OK) {
		struct register_write w = {s, &ks, actor};
		r = store_sqlite_write(s, register_run, &w, err);
	}
	keyset_wipe(&ks);
	/* the pseudonymisation key follows the current master key */
	if (r == LT_OK)
		r = store_sqlite_pseudonym_key_ensure(s, keys, actor, err);
	return r;
}

lt_status store_sqlite_data_keys_status(struct store *s, const struct lt_crypto_keyring *keys,
                                        struct store_key_status *out, struct lt_error *err)
{
	void *conn;
	sqlite3 *db = store_sqlite_read_lock(s, &conn);
	sqlite3_stmt *st = NULL;
	struct keyset ks = {0};
	lt_status r = LT_OK;
	int rc;
	long cur = 0;

	memset(out, 0, sizeof(*out));
	if (keys && keys->n && (r = keyset_derive(keys, &ks, err)) != LT_OK)
		goto out;
	if (ks.n)
		cur = (long)keyset_current(&ks)->id;
	if ((r = query_long(db, "SELECT count(*) FROM persons", false, 0, &out->persons, err)) !=
	        LT_OK ||
	    (r = query_long(db, "SELECT count(*) FROM persons WHERE erased_at IS NOT NULL", false,
	                    0, &out->erased, err)) != LT_OK ||
	    (r = query_long(db,
	                    "SELECT count(*) FROM persons WHERE master_key_id IS NOT NULL AND "
	                    "master_key_id IS NOT ?1",
	                    true, cur, &out->not_current, err)) != LT_OK)
		goto out;
	if ((r = store_sqlite_prep(
	         db,
	         "SELECT * FROM (SELECT k.id, k.added_at, k.retired_at, k.key_check, "
	         "(SELECT count(*) FROM persons p WHERE p.master_key_id = k.id) "
	         "FROM master_keys k ORDER BY k.id DESC LIMIT 16) ORDER BY 1",
	         &st, err)) != LT_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_key_info *k = &out->keys[out->n++];
		k->id = (uint32_t)sqlite3_column_int64(st, 0);
		store_sqlite_column_copy(st, 1, k->added_at, sizeof(k->added_at));
		store_sqlite_column_copy(st, 2, k->retired_at, sizeof(k->retired_at));
		k->persons = (long)sqlite3_column_int64(st, 4);
		const struct mkey *m = keyset_find(&ks, k->id);
		k->in_keyring = m != NULL;
		k->check_ok =
		    m && sqlite3_column_bytes(st, 3) == (int)sizeof(m->check) &&
		    lt_crypto_equal(sqlite3_column_blob(st, 3), m->check, sizeof(m->check));
	}
	if (rc != SQLITE_DONE)
		r = store_sqlite_fail(db, rc, "reading the data keys", err);
out:
	sqlite3_finalize(st);
	store_sqlite_read_unlock(conn);
	keyset_wipe(&ks);
	return r;
}

/*
 * The batches of data_keys_rotate and data_keys_reindex: at most `limit`
 * (and LT_KEY_ROTATE_BATCH) person ids that statement `st` selects, into
 * ids[0..*n-1]; `st` finalised. A step's failure says it was `what`.
 */
static lt_status batch_ids(sqlite3 *db, sqlite3_stmt *st, int64_t ids[LT_KEY_ROTATE_BATCH],
                           size_t *n, const char *what, struct lt_error *err)
{
	lt_status s = LT_OK;
	int rc;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < LT_KEY_ROTATE_BATCH)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = store_sqlite_fail(db, rc, what, err);
	sqlite3_finalize(st);
	return s;
}

/* Audit a batch of `n` persons done by `actor` as one entry `action`
 * "persons:<n>" (none when n is 0). */
static lt_status batch_audit(struct store *s, sqlite3 *db, const char *actor, const char *action,
                             size_t n, struct lt_error *err)
{
	if (n == 0)
		return LT_OK;
	char object[64];
	snprintf(object, sizeof(object), "persons:%zu", n);
	struct store_audit_new e = {actor, action, object, 0, NULL};
	return store_sqlite_audit(s, db, &e, err);
}

/* The persons the next batch may take when `done` of at most `max` (0: no
 * limit) are done: LT_KEY_ROTATE_BATCH or fewer, 0 when stopped where asked. */
static size_t batch_limit(size_t max, size_t done)
{
	size_t limit = LT_KEY_ROTATE_BATCH;
	if (max && max - done < limit)
		limit = max - done;
	return limit;
}

/* One batch of a rotation. */
struct rotate_write {
	struct store *s;
	const struct keyset *ks;
	const char *actor;
	size_t limit; /* persons at most */
	size_t done;  /* out: persons re-encrypted */
	long left;    /* out: persons still under an older key, after this batch */
	bool retire;  /* the closing step: retire the older keys when none is left */
};

/* Re-encrypt person `id` (key columns `k`) under the current key. */
static lt_status rotate_person(struct rotate_write *w, sqlite3 *db, int64_t id,
                               const struct person_key *k, struct lt_error *err)
{
	const struct mkey *cur = keyset_current(w->ks);
	unsigned char old[LT_CRYPTO_DATA_KEY_BYTES], dk[LT_CRYPTO_DATA_KEY_BYTES];
	unsigned char ad[24];
	struct blob sealed = {0}, wrapped = {0}, b = {0};
	struct lt_person p;
	struct lt_referral r;
	sqlite3_stmt *st = NULL, *upd = NULL;
	uint32_t gen = k->gen + 1;
	lt_status s;
	int rc;

	lt_person_init(&p);
	lt_referral_init(&r);
	if ((s = person_key_open(w->ks, id, k, old, NULL, err)) != LT_OK)
		goto out;
	/* the person's fields */
	if ((s = store_sqlite_prep(db, "SELECT sealed FROM persons WHERE id = ?1", &st, err)) !=
	    LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		s = store_sqlite_fail(db, rc, "reading a person", err);
		goto out;
	}
	if ((s = column_blob(st, 0, &b, err)) != LT_OK)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if ((s = open_fields(lt_person_fields, lt_person_field_count, &p, old, ad,
	                     ad_person(ad, id, k->gen), &b, "person", id, err)) != LT_OK)
		goto out;
	lt_crypto_random(dk, sizeof(dk));
	if ((s = seal_fields(lt_person_fields, lt_person_field_count, &p, dk, ad,
	                     ad_person(ad, id, gen), &sealed, err)) != LT_OK ||
	    (s = key_wrap(cur, id, gen, dk, &wrapped, err)) != LT_OK)
		goto out;
	if ((s = store_sqlite_prep(
	         db,
	         "UPDATE persons SET master_key_id = ?1, key_gen = ?2, key_wrapped = ?3, "
	         "sealed = ?4 WHERE id = ?5",
	         &upd, err)) != LT_OK)
		goto out;
	sqlite3_bind_int64(upd, 1, cur->id);
	sqlite3_bind_int64(upd, 2, gen);
	bind_blob(upd, 3, wrapped.p, wrapped.n);
	bind_blob(upd, 4, sealed.p, sealed.n);
	sqlite3_bind_int64(upd, 5, id);
	if ((s = step_done(db, upd, "re-encrypting a person", err)) != LT_OK)
		goto out;
	sqlite3_finalize(upd);
	upd = NULL;
	if ((s = index_write(db, id, cur, &p, err)) != LT_OK)
		goto out;

	/* its referrals */
	if ((s = store_sqlite_prep(
	         db,
	         "SELECT id, key_gen, sealed FROM referrals WHERE person_id = ?1 AND sealed IS "
	         "NOT NULL ORDER BY id",
	         &st, err)) != LT_OK ||
	    (s = store_sqlite_prep(db,
	                           "UPDATE referrals SET key_gen = ?1, sealed = ?2 WHERE id = ?3",
	                           &upd, err)) != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t rid = sqlite3_column_int64(st, 0);
		uint32_t rgen = (uint32_t)sqlite3_column_int64(st, 1);
		if ((s = column_blob(st, 2, &b, err)) != LT_OK)
			goto out;
		lt_referral_release(&r);
		if ((s = open_fields(lt_referral_fields, lt_referral_field_count, &r, old, ad,
		                     ad_referral(ad, rid, id, rgen), &b, "referral", rid, err)) !=
		        LT_OK ||
		    (s = seal_fields(lt_referral_fields, lt_referral_field_count, &r, dk, ad,
		                     ad_referral(ad, rid, id, gen), &sealed, err)) != LT_OK)
			goto out;
		sqlite3_bind_int64(upd, 1, gen);
		bind_blob(upd, 2, sealed.p, sealed.n);
		sqlite3_bind_int64(upd, 3, rid);
		if ((s = step_done(db, upd, "re-encrypting a referral", err)) != LT_OK)
			goto out;
	}
	if (rc != SQLITE_DONE)
		s = store_sqlite_fail(db, rc, "reading a person's referrals", err);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(upd);
	lt_person_release(&p);
	lt_referral_release(&r);
	blob_free(&sealed);
	blob_free(&wrapped);
	blob_free(&b);
	lt_crypto_wipe(old, sizeof(old));
	lt_crypto_wipe(dk, sizeof(dk));
	return s;
}

static lt_status rotate_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct rotate_write *w = arg;
	const struct mkey *cur = keyset_current(w->ks);
	sqlite3_stmt *st = NULL;
	struct person_key k = {0};
	int64_t ids[LT_KEY_ROTATE_BATCH];
	size_t n = 0;
	lt_status s;
	int rc;

	w->done = 0;
	w->left = 0;
	if ((s = key_current_ready(w->s, db, w->ks, false, w->actor, err)) != LT_OK)
		return s;
	if (w->retire) {
		long left = 0;
		if ((s = query_long(db,
		                    "SELECT count(*) FROM persons WHERE master_key_id IS NOT NULL "
		                    "AND master_key_id != ?1",
		                    true, cur->id, &left, err)) != LT_OK)
			return s;
		w->left = left;
		if (left > 0)
			return LT_OK;
		if ((s = store_sqlite_prep(
		         db,
		         "SELECT id FROM master_keys WHERE id != ?1 AND retired_at IS NULL "
		         "ORDER BY id",
		         &st, err)) != LT_OK)
			return s;
		sqlite3_bind_int64(st, 1, cur->id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < LT_KEY_ROTATE_BATCH)
			ids[n++] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		st = NULL;
		for (size_t i = 0; i < n; i++)
			if ((s = exec_id(db,
			                 "UPDATE master_keys SET retired_at = " NOW_SQL
			                 " WHERE id = ?1",
			                 ids[i], "retiring a data key", err)) != LT_OK ||
			    (s = audit(w->s, db, NULL, w->actor, "datakey.retire", "key", ids[i], 0,
			               NULL, err)) != LT_OK)
				return s;
		return LT_OK;
	}
	/* PRAGMA secure_delete: the pages the old blobs leave are zeroed. */
	sqlite3_exec(db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
	if ((s = store_sqlite_prep(
	         db,
	         "SELECT id FROM persons WHERE master_key_id IS NOT NULL AND master_key_id != ?1 "
	         "ORDER BY id LIMIT ?2",
	         &st, err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, cur->id);
	sqlite3_bind_int64(st, 2, (int64_t)w->limit);
	s = batch_ids(db, st, ids, &n, "listing the persons to re-encrypt", err);
	for (size_t i = 0; i < n && s == LT_OK; i++)
		if ((s = person_key_read(db, ids[i], &k, err)) == LT_OK)
			s = rotate_person(w, db, ids[i], &k, err);
	person_key_free(&k);
	if (s != LT_OK || (s = batch_audit(w->s, db, w->actor, "datakey.rotate", n, err)) != LT_OK)
		return s;
	w->done = n;
	return query_long(db,
	                  "SELECT count(*) FROM persons WHERE master_key_id IS NOT NULL AND "
	                  "master_key_id != ?1",
	                  true, cur->id, &w->left, err);
}

lt_status store_sqlite_data_keys_rotate(struct store *s, const struct lt_crypto_keyring *keys,
                                        const char *actor, size_t max_persons, size_t *done,
                                        size_t *remaining, struct lt_error *err)
{
	struct keyset ks;
	lt_status r;
	*done = 0;
	*remaining = 0;
	LT_ASSERT(actor && actor[0]);
	if ((r = store_sqlite_data_keys_register(s, keys, actor, err)) != LT_OK ||
	    (r = keyset_derive(keys, &ks, err)) != LT_OK)
		return r;
	for (;;) {
		size_t limit = batch_limit(max_persons, *done);
		if (limit == 0)
			break; /* stopped where asked: the next call resumes */
		struct rotate_write w = {s, &ks, actor, limit, 0, 0, false};
		if ((r = store_sqlite_write(s, rotate_run, &w, err)) != LT_OK)
			break;
		*done += w.done;
		*remaining = (size_t)w.left;
		if (w.left == 0) {
			struct rotate_write fin = {s, &ks, actor, 0, 0, 0, true};
			r = store_sqlite_write(s, rotate_run, &fin, err);
			*remaining = (size_t)fin.left;
			/* drop the pseudonymisation key's copies under retired keys */
			if (r == LT_OK && fin.left == 0)
				r = store_sqlite_pseudonym_key_ensure(s, keys, actor, err);
			break;
		}
		if (w.done == 0)
			break;
	}
	keyset_wipe(&ks);
	return r;
}

/* ---- re-indexing after the terms changed --------------------------------------- */

/* One batch of a re-index. */
struct reindex_write {
	struct store *s;
	const struct keyset *ks;
	const char *actor;
	size_t limit; /* persons at most */
	size_t done;  /* out: persons re-indexed */
	long left;    /* out: persons whose index is older, after this batch */
};

/* Open person `id` and write its index afresh, under the key it is sealed
 * under (the index key goes with the wrapping key, as index_write says). */
static lt_status reindex_person(const struct keyset *ks, sqlite3 *db, int64_t id,
                                struct lt_error *err)
{
	struct person_key k = {0};
	unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES], ad[16];
	const struct mkey *m = NULL;
	struct blob b = {0};
	struct lt_person p;
	sqlite3_stmt *st = NULL;
	lt_status s;
	int rc;

	lt_person_init(&p);
	memset(dk, 0, sizeof(dk));
	if ((s = person_key_read(db, id, &k, err)) != LT_OK ||
	    (s = person_key_open(ks, id, &k, dk, &m, err)) != LT_OK ||
	    (s = store_sqlite_prep(db, "SELECT sealed FROM persons WHERE id = ?1", &st, err)) !=
	        LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		s = store_sqlite_fail(db, rc, "reading a person", err);
		goto out;
	}
	if ((s = column_blob(st, 0, &b, err)) != LT_OK ||
	    (s = open_fields(lt_person_fields, lt_person_field_count, &p, dk, ad,
	                     ad_person(ad, id, k.gen), &b, "person", id, err)) != LT_OK)
		goto out;
	s = index_write(db, id, m, &p, err);
out:
	sqlite3_finalize(st);
	lt_person_release(&p);
	blob_free(&b);
	person_key_free(&k);
	lt_crypto_wipe(dk, sizeof(dk));
	return s;
}

#define REINDEX_PENDING "FROM persons WHERE erased_at IS NULL AND index_version < " INDEX_VERSION

static lt_status reindex_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct reindex_write *w = arg;
	sqlite3_stmt *st = NULL;
	int64_t ids[LT_KEY_ROTATE_BATCH];
	size_t n = 0;
	lt_status s = LT_OK;

	w->done = 0;
	w->left = 0;
	if ((s = store_sqlite_prep(db, "SELECT id " REINDEX_PENDING " ORDER BY id LIMIT ?1", &st,
	                           err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, (int64_t)w->limit);
	s = batch_ids(db, st, ids, &n, "listing the persons to re-index", err);
	for (size_t i = 0; i < n && s == LT_OK; i++)
		s = reindex_person(w->ks, db, ids[i], err);
	if (s != LT_OK || (s = batch_audit(w->s, db, w->actor, "datakey.reindex", n, err)) != LT_OK)
		return s;
	w->done = n;
	return query_long(db, "SELECT count(*) " REINDEX_PENDING, false, 0, &w->left, err);
}

lt_status store_sqlite_data_keys_reindex(struct store *s, const struct lt_crypto_keyring *keys,
                                         const char *actor, size_t max_persons, size_t *done,
                                         size_t *remaining, struct lt_error *err)
{
	struct keyset ks;
	lt_status r;
	*done = 0;
	*remaining = 0;
	LT_ASSERT(actor && actor[0]);
	if ((r = keyset_derive(keys, &ks, err)) != LT_OK)
		return r;
	for (;;) {
		size_t limit = batch_limit(max_persons, *done);
		if (limit == 0)
			break; /* stopped where asked: the next call resumes */
		struct reindex_write w = {s, &ks, actor, limit, 0, 0};
		if ((r = store_sqlite_write(s, reindex_run, &w, err)) != LT_OK)
			break;
		*done += w.done;
		*remaining = (size_t)w.left;
		if (w.left == 0 || w.done == 0)
			break;
	}
	keyset_wipe(&ks);
	return r;
}

/* ---- persons ------------------------------------------------------------------ */

/* Read back the agency code and times of record `id` of `table`. */
static lt_status stamp_read(sqlite3 *db, const char *table, int64_t id, char agency[LT_CODE_MAX],
                            char created[32], char updated[32], struct lt_error *err)
{
	char sql[200];
	sqlite3_stmt *st = NULL;
	lt_status s;
	int rc;
	snprintf(sql, sizeof(sql),
	         "SELECT a.code, t.created_at, t.updated_at FROM %s t JOIN agencies a ON a.id = "
	         "t.agency_id WHERE t.id = ?1",
	         table);
	if ((s = store_sqlite_prep(db, sql, &st, err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_sqlite_column_copy(st, 0, agency, LT_CODE_MAX);
		store_sqlite_column_copy(st, 1, created, 32);
		store_sqlite_column_copy(st, 2, updated, 32);
	} else {
		s = rc == SQLITE_DONE ? lt_error_set(err, LT_ESTORE, NULL, "a record vanished")
		                      : store_sqlite_fail(db, rc, "reading a record back", err);
	}
	sqlite3_finalize(st);
	return s;
}

struct person_add_write {
	struct store *s;
	const struct keyset *ks;
	const struct lt_principal *p;
	const struct lt_person *rec;
	int64_t id;                                         /* out */
	char agency[LT_CODE_MAX], created[32], updated[32]; /* out */
};

static lt_status person_add_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct person_add_write *w = arg;
	const struct mkey *cur = keyset_current(w->ks);
	unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES], ad[16];
	struct blob sealed = {0}, wrapped = {0};
	sqlite3_stmt *st = NULL;
	char actor[64];
	lt_status s;

	w->id = 0;
	store_sqlite_actor_of(w->p, actor);
	if ((s = key_current_ready(w->s, db, w->ks, true, actor, err)) != LT_OK)
		return s;
	if ((s = store_sqlite_prep(
	         db,
	         "INSERT INTO persons(agency_id, creator_kind, creator_id, master_key_id, "
	         "key_gen, key_wrapped, sealed) VALUES (?1, ?2, ?3, ?4, 1, x'', x'')",
	         &st, err)) != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, w->p->agency_id);
	bind_str(st, 2, creator_kind(w->p));
	sqlite3_bind_int64(st, 3, w->p->id);
	sqlite3_bind_int64(st, 4, cur->id);
	if ((s = step_done(db, st, "recording a person", err)) != LT_OK)
		goto out;
	w->id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	st = NULL;

	lt_crypto_random(dk, sizeof(dk));
	if ((s = key_wrap(cur, w->id, 1, dk, &wrapped, err)) != LT_OK ||
	    (s = seal_fields(lt_person_fields, lt_person_field_count, w->rec, dk, ad,
	                     ad_person(ad, w->id, 1), &sealed, err)) != LT_OK)
		goto out;
	if ((s = store_sqlite_prep(db,
	                           "UPDATE persons SET key_wrapped = ?1, sealed = ?2 WHERE id = ?3",
	                           &st, err)) != LT_OK)
		goto out;
	bind_blob(st, 1, wrapped.p, wrapped.n);
	bind_blob(st, 2, sealed.p, sealed.n);
	sqlite3_bind_int64(st, 3, w->id);
	if ((s = step_done(db, st, "recording a person", err)) != LT_OK ||
	    (s = index_write(db, w->id, cur, w->rec, err)) != LT_OK ||
	    (s = audit(w->s, db, w->p, NULL, "person.create", "person", w->id, w->id, NULL, err)) !=
	        LT_OK)
		goto out;
	s = stamp_read(db, "persons", w->id, w->agency, w->created, w->updated, err);
out:
	sqlite3_finalize(st);
	blob_free(&sealed);
	blob_free(&wrapped);
	lt_crypto_wipe(dk, sizeof(dk));
	return s;
}

lt_status store_sqlite_person_add(struct store *s, const struct lt_crypto_keyring *keys,
                                  const struct lt_principal *p, struct lt_person *rec,
                                  struct lt_error *err)
{
	struct keyset ks;
	lt_status r;
	principal_check(p);
	if (!rec->name || !rec->name[0])
		return lt_error_set(err, LT_EINVAL, "name", "is required");
	if ((r = access_create(p, LT_ACTION_PERSON_CREATE, "person", err)) != LT_OK ||
	    (r = keyset_derive(keys, &ks, err)) != LT_OK)
		return r;
	struct person_add_write w = {s, &ks, p, rec, 0, "", "", ""};
	r = store_sqlite_write(s, person_add_run, &w, err);
	if (r == LT_OK) {
		rec->id = w.id;
		memcpy(rec->agency, w.agency, sizeof(rec->agency));
		memcpy(rec->created_at, w.created, sizeof(rec->created_at));
		memcpy(rec->updated_at, w.updated, sizeof(rec->updated_at));
	}
	keyset_wipe(&ks);
	return r;
}

struct person_get_write {
	struct store *s;
	const struct lt_principal *p;
	int64_t id;
	const char *purpose;
	unsigned classes;                                   /* out: what p may see */
	struct person_key k;                                /* out */
	struct blob sealed;                                 /* out */
	char agency[LT_CODE_MAX], created[32], updated[32]; /* out */
};

static lt_status person_get_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct person_get_write *w = arg;
	sqlite3_stmt *st = NULL;
	lt_status s;
	int rc;

	blob_free(&w->sealed);
	if ((s = access(db, w->p, LT_ACTION_PERSON_READ, "persons", "person", w->id, err)) !=
	        LT_OK ||
	    (s = audit(w->s, db, w->p, NULL, "person.read", "person", w->id, w->id, w->purpose,
	               err)) != LT_OK ||
	    (s = person_key_read(db, w->id, &w->k, err)) != LT_OK ||
	    (s = stamp_read(db, "persons", w->id, w->agency, w->created, w->updated, err)) !=
	        LT_OK ||
	    (s = visible_classes(db, w->id, w->p->agency_id, &w->classes, err)) != LT_OK ||
	    (s = store_sqlite_prep(db, "SELECT sealed FROM persons WHERE id = ?1", &st, err)) !=
	        LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, w->id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		s = store_sqlite_fail(db, rc, "reading a person", err);
	else
		s = column_blob(st, 0, &w->sealed, err);
out:
	sqlite3_finalize(st);
	return s;
}

lt_status store_sqlite_person_get(struct store *s, const struct lt_crypto_keyring *keys,
                                  const struct lt_principal *p, int64_t id, const char *purpose,
                                  struct lt_person *out, struct lt_error *err)
{
	struct keyset ks;
	unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES], ad[16];
	lt_status r;

	principal_check(p);
	lt_person_init(out);
	if ((r = purpose_check(purpose, "purpose", err)) != LT_OK ||
	    (r = keyset_derive(keys, &ks, err)) != LT_OK)
		return r;
	struct person_get_write w = {s, p, id, purpose, 0, {0}, {0}, "", "", ""};
	if ((r = store_sqlite_write(s, person_get_run, &w, err)) != LT_OK)
		goto out;
	/* The read is recorded; now open it. */
	out->id = id;
	memcpy(out->agency, w.agency, sizeof(out->agency));
	memcpy(out->created_at, w.created, sizeof(out->created_at));
	memcpy(out->updated_at, w.updated, sizeof(out->updated_at));
	if (w.k.erased) {
		out->erased = true;
		goto out;
	}
	if ((r = person_key_open(&ks, id, &w.k, dk, NULL, err)) != LT_OK ||
	    (r = open_fields(lt_person_fields, lt_person_field_count, out, dk, ad,
	                     ad_person(ad, id, w.k.gen), &w.sealed, "person", id, err)) != LT_OK)
		goto out;
	/* A receiver of a share sees only the classes it names. */
	lt_pfields_clear(lt_person_fields, lt_person_field_count, out, LT_DATA_ALL & ~w.classes);
out:
	if (r != LT_OK) {
		lt_person_release(out);
		out->id = 0;
	}
	person_key_free(&w.k);
	blob_free(&w.sealed);
	lt_crypto_wipe(dk, sizeof(dk));
	keyset_wipe(&ks);
	return r;
}

/* A patch of a record with personal data (a person or a referral), run
 * on the writer by keyed_update. */
struct keyed_update_write {
	struct store *s;
	const struct keyset *ks;
	const struct lt_principal *p;
	int64_t id;
	const struct lt_patch *patch;
	const struct lt_date *today;
	struct lt_diags d; /* out: the problems of the patch */
};

static lt_status person_update_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct keyed_update_write *w = arg;
	struct person_key k = {0};
	struct blob b = {0}, sealed = {0};
	unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES], ad[16];
	const struct mkey *m = NULL;
	struct lt_person rec;
	sqlite3_stmt *st = NULL;
	lt_status s;
	int rc;

	lt_diags_release(&w->d);
	lt_diags_init(&w->d);
	lt_person_init(&rec);
	if ((s = access(db, w->p, LT_ACTION_PERSON_UPDATE, "persons", "person", w->id, err)) !=
	        LT_OK ||
	    (s = person_key_read(db, w->id, &k, err)) != LT_OK)
		goto out;
	if (k.erased) {
		s = lt_error_set(err, LT_EINVAL, "person", "person %lld was erased",
		                 (long long)w->id);
		goto out;
	}
	if ((s = store_sqlite_prep(db, "SELECT sealed FROM persons WHERE id = ?1", &st, err)) !=
	    LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, w->id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		s = store_sqlite_fail(db, rc, "reading a person", err);
		goto out;
	}
	if ((s = column_blob(st, 0, &b, err)) != LT_OK)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if ((s = person_key_open(w->ks, w->id, &k, dk, &m, err)) != LT_OK ||
	    (s = open_fields(lt_person_fields, lt_person_field_count, &rec, dk, ad,
	                     ad_person(ad, w->id, k.gen), &b, "person", w->id, err)) != LT_OK)
		goto out;
	lt_patch_apply(lt_person_fields, lt_person_field_count, &rec, w->patch, &w->d);
	lt_person_check(&rec, w->today, &w->d);
	if (lt_diags_total(&w->d)) {
		s = lt_error_set(err, LT_EINVAL, w->d.count ? w->d.items[0].field : NULL, "%s",
		                 w->d.count ? w->d.items[0].message : "the changes are not valid");
		goto out;
	}
	if ((s = seal_fields(lt_person_fields, lt_person_field_count, &rec, dk, ad,
	                     ad_person(ad, w->id, k.gen), &sealed, err)) != LT_OK ||
	    (s = store_sqlite_prep(
	         db, "UPDATE persons SET sealed = ?1, updated_at = " NOW_SQL " WHERE id = ?2", &st,
	         err)) != LT_OK)
		goto out;
	bind_blob(st, 1, sealed.p, sealed.n);
	sqlite3_bind_int64(st, 2, w->id);
	if ((s = step_done(db, st, "changing a person", err)) != LT_OK ||
	    (s = index_write(db, w->id, m, &rec, err)) != LT_OK)
		goto out;
	s = audit(w->s, db, w->p, NULL, "person.update", "person", w->id, w->id, NULL, err);
out:
	sqlite3_finalize(st);
	person_key_free(&k);
	blob_free(&b);
	blob_free(&sealed);
	lt_person_release(&rec);
	lt_crypto_wipe(dk, sizeof(dk));
	return s;
}

/* Copy the problems a closure found into the caller's diags. */
static void diags_hand(struct lt_diags *from, struct lt_diags *to)
{
	if (to)
		for (size_t i = 0; i < from->count; i++)
			lt_diags_add(to, &from->items[i]);
	lt_diags_release(from);
}

/* Run `run` (a person's or a referral's update) on the writer with the
 * keys derived from `keys`, the patch's problems handed to `d`. */
static lt_status keyed_update(struct store *s, const struct lt_crypto_keyring *keys,
                              const struct lt_principal *p, int64_t id,
                              const struct lt_patch *patch, const struct lt_date *today,
                              struct lt_diags *d, struct lt_error *err,
                              lt_status (*run)(sqlite3 *, void *, struct lt_error *))
{
	struct keyset ks;
	lt_status r;
	principal_check(p);
	if ((r = keyset_derive(keys, &ks, err)) != LT_OK)
		return r;
	struct keyed_update_write w = {s, &ks, p, id, patch, today, {0}};
	lt_diags_init(&w.d);
	r = store_sqlite_write(s, run, &w, err);
	diags_hand(&w.d, d);
	keyset_wipe(&ks);
	return r;
}

lt_status store_sqlite_person_update(struct store *s, const struct lt_crypto_keyring *keys,
                                     const struct lt_principal *p, int64_t id,
                                     const struct lt_patch *patch, const struct lt_date *today,
                                     struct lt_diags *d, struct lt_error *err)
{
	return keyed_update(s, keys, p, id, patch, today, d, err, person_update_run);
}

struct person_find_write {
	struct store *s;
	const struct lt_principal *p;
	const char *sql;
	const unsigned char (*hashes)[INDEX_BYTES]; /* n_hashes, bound in order */
	size_t n_hashes;
	const char *purpose;
	size_t limit;
	int64_t *ids; /* out */
	size_t n;     /* out */
	bool more;    /* out */
};

static lt_status person_find_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct person_find_write *w = arg;
	sqlite3_stmt *st = NULL;
	int64_t cand[LT_PERSON_FIND_MAX * 4];
	size_t nc = 0;
	lt_status s;
	int rc;

	w->n = 0;
	w->more = false;
	if ((s = store_sqlite_prep(db, w->sql, &st, err)) != LT_OK)
		return s;
	for (size_t i = 0; i < w->n_hashes; i++)
		bind_blob(st, (int)i + 1, w->hashes[i], INDEX_BYTES);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && nc < sizeof(cand) / sizeof(cand[0]))
		cand[nc++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = store_sqlite_fail(db, rc, "searching the blind index", err);
	sqlite3_finalize(st);
	for (size_t i = 0; i < nc && s == LT_OK; i++) {
		struct lt_access_facts f;
		unsigned classes = 0;
		if ((s = facts_of(db, "persons", cand[i], w->p->agency_id, &f, err)) != LT_OK)
			break;
		if (lt_access_check(w->p, LT_ACTION_PERSON_READ, &f) != LT_OK)
			continue;
		/* found by name or date only when its identity may be seen */
		if ((s = visible_classes(db, cand[i], w->p->agency_id, &classes, err)) != LT_OK)
			break;
		if (!(classes & (1u << LT_DATA_IDENTITY)))
			continue;
		if (w->n == w->limit) {
			w->more = true;
			break;
		}
		if ((s = audit(w->s, db, w->p, NULL, "person.search", "person", cand[i], cand[i],
		               w->purpose, err)) != LT_OK)
			break;
		w->ids[w->n++] = cand[i];
	}
	return s;
}

lt_status store_sqlite_person_find(struct store *s, const struct lt_crypto_keyring *keys,
                                   const struct lt_principal *p, const struct store_person_query *q,
                                   int64_t *ids, size_t *n, bool *more, struct lt_error *err)
{
	struct keyset ks;
	struct lt_index_terms t;
	struct lt_buf sql;
	unsigned char(*hashes)[INDEX_BYTES] = NULL;
	size_t words = 0, nh = 0;
	lt_status r;

	principal_check(p);
	*n = 0;
	if (more)
		*more = false;
	LT_ASSERT(q->limit <= LT_PERSON_FIND_MAX && q->before >= 0);
	lt_index_terms_init(&t);
	lt_buf_init(&sql, 64 * 1024);
	memset(&ks, 0, sizeof(ks));
	if ((r = lt_access_check(p, LT_ACTION_PERSON_READ, NULL)) != LT_OK) {
		r = lt_error_set(err, r, NULL, "your role may not search persons");
		goto out;
	}
	if ((r = purpose_check(q->purpose, "purpose", err)) != LT_OK ||
	    (r = lt_person_query_terms(q->name, q->name ? q->name_len : 0, &q->dob, &t, &words,
	                               err)) != LT_OK ||
	    (r = keyset_derive(keys, &ks, err)) != LT_OK)
		goto out;
	hashes = calloc(t.n * ks.n, sizeof(*hashes));
	if (!hashes) {
		r = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
		goto out;
	}
	/*
	 * q(hash, kind): every term's hash under every key, with its kind
	 * ('n' whole name, 't' word, 'd' date). c: per person and kind, how many
	 * of the query's hashes it holds. A person matches when (no name or a
	 * whole name matches or all the words do) and (no date or it matches).
	 */
	bool has_name = q->name && q->name_len;
	bool has_dob = q->dob.year != 0;
	lt_buf_puts(&sql, "WITH q(hash, kind) AS (VALUES ");
	for (size_t i = 0; i < t.n; i++) {
		const char *term = lt_index_term(&t, i);
		char kind = term[0] == 'n' ? 'n' : term[0] == 't' ? 't' : 'd';
		for (size_t k = 0; k < ks.n; k++) {
			lt_crypto_keyed_hash(hashes[nh], INDEX_BYTES, ks.k[k].index, term,
			                     strlen(term), NULL, 0);
			lt_buf_printf(&sql, "%s(?%zu, '%c')", nh ? ", " : "", nh + 1, kind);
			nh++;
		}
	}
	r = lt_buf_printf(
	    &sql,
	    "), c AS (SELECT i.person_id AS person, q.kind AS kind, count(*) AS k "
	    "FROM person_index i JOIN q ON i.hash = q.hash GROUP BY i.person_id, q.kind) "
	    "SELECT p.id FROM persons p WHERE p.erased_at IS NULL "
	    "AND p.id IN (SELECT person FROM c) "
	    "AND (%d OR EXISTS (SELECT 1 FROM c WHERE c.person = p.id AND (c.kind = 'n' OR "
	    "(c.kind = 't' AND c.k = %zu)))) "
	    "AND (%d OR EXISTS (SELECT 1 FROM c WHERE c.person = p.id AND c.kind = 'd')) "
	    "AND (%lld = 0 OR p.id < %lld) ORDER BY p.id DESC",
	    has_name ? 0 : 1, words, has_dob ? 0 : 1, (long long)q->before, (long long)q->before);
	if (r != LT_OK) {
		r = lt_error_set(err, r, NULL, "the search is too large");
		goto out;
	}
	struct person_find_write w = {s,
	                              p,
	                              sql.data,
	                              (const unsigned char(*)[INDEX_BYTES])hashes,
	                              nh,
	                              q->purpose,
	                              q->limit ? q->limit : LT_PERSON_FIND_MAX,
	                              ids,
	                              0,
	                              false};
	if ((r = store_sqlite_write(s, person_find_run, &w, err)) == LT_OK) {
		*n = w.n;
		if (more)
			*more = w.more;
	}
out:
	if (hashes)
		lt_crypto_free_secret(hashes, t.n * ks.n * sizeof(*hashes));
	lt_buf_release(&sql);
	lt_index_terms_release(&t);
	keyset_wipe(&ks);
	return r;
}

struct person_erase_write {
	struct store *s;
	const struct lt_principal *p;
	int64_t id;
	const char *reason;
};

static lt_status person_erase_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct person_erase_write *w = arg;
	long erased = 0;
	lt_status s;

	if ((s = access(db, w->p, LT_ACTION_PERSON_ERASE, "persons", "person", w->id, err)) !=
	        LT_OK ||
	    (s = query_long(db, "SELECT erased_at IS NOT NULL FROM persons WHERE id = ?1", true,
	                    w->id, &erased, err)) != LT_OK)
		return s;
	if (erased)
		return LT_OK;
	if ((s = store_sqlite_person_destroy(db, w->id, err)) != LT_OK)
		return s;
	return audit(w->s, db, w->p, NULL, "person.erase", "person", w->id, w->id, w->reason, err);
}

lt_status store_sqlite_person_destroy(sqlite3 *db, int64_t id, struct lt_error *err)
{
	lt_status s;
	/* The freed pages are zeroed, so the destroyed key does not linger in
	 * the file's free space (docs/security.md says what remains: the WAL
	 * until its next checkpoint, and backups). */
	sqlite3_exec(db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
	if ((s = exec_id(
	         db,
	         "UPDATE persons SET master_key_id = NULL, key_wrapped = NULL, sealed = NULL, "
	         "erased_at = " NOW_SQL ", updated_at = " NOW_SQL " WHERE id = ?1",
	         id, "erasing a person", err)) != LT_OK ||
	    (s = exec_id(db, "DELETE FROM person_index WHERE person_id = ?1", id,
	                 "erasing a person's index", err)) != LT_OK)
		return s;
	return exec_id(db,
	               "UPDATE referrals SET key_gen = NULL, sealed = NULL, updated_at = " NOW_SQL
	               " WHERE person_id = ?1",
	               id, "erasing a person's referrals", err);
}

lt_status store_sqlite_person_erase(struct store *s, const struct lt_principal *p, int64_t id,
                                    const char *reason, struct lt_error *err)
{
	lt_status r;
	principal_check(p);
	if ((r = purpose_check(reason, "reason", err)) != LT_OK)
		return r;
	struct person_erase_write w = {s, p, id, reason};
	return store_sqlite_write(s, person_erase_run, &w, err);
}

/* ---- referrals ------------------------------------------------------------------- */

/* Write the plain columns of a referral (UPDATE when id > 0, else the
 * INSERT of a new row whose id comes back in *id). */
static lt_status referral_row_write(sqlite3 *db, const struct lt_principal *p,
                                    const struct lt_referral *r, uint32_t gen, int64_t *id,
                                    struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s;
	int i = 1;
	if (*id == 0)
		s = store_sqlite_prep(
		    db,
		    "INSERT INTO referrals(case_id, date, place, district, country, key_gen, "
		    "sealed, person_id, agency_id, creator_kind, creator_id) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, x'', ?7, ?8, ?9, ?10)",
		    &st, err);
	else
		s = store_sqlite_prep(
		    db,
		    "UPDATE referrals SET case_id = ?1, date = ?2, place = ?3, district = ?4, "
		    "country = ?5, key_gen = ?6, updated_at = " NOW_SQL " WHERE id = ?7",
		    &st, err);
	if (s != LT_OK)
		return s;
	if (r->case_id)
		sqlite3_bind_int64(st, i++, r->case_id);
	else
		sqlite3_bind_null(st, i++);
	bind_date(st, i++, &r->date);
	bind_code(st, i++, &lt_vocab_place, (int)r->place);
	bind_code(st, i++, &lt_vocab_district, r->district);
	bind_code(st, i++, &lt_vocab_country, r->country);
	sqlite3_bind_int64(st, i++, gen);
	if (*id == 0) {
		sqlite3_bind_int64(st, i++, r->person_id);
		sqlite3_bind_int64(st, i++, p->agency_id);
		bind_str(st, i++, creator_kind(p));
		sqlite3_bind_int64(st, i++, p->id);
	} else {
		sqlite3_bind_int64(st, i++, *id);
	}
	if ((s = step_done(db, st, "writing a referral", err)) == LT_OK && *id == 0)
		*id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	return s;
}

/* Seal the personal fields of referral `id` of person `person` under the
 * person's key and store them, with the forms. */
static lt_status referral_seal_write(sqlite3 *db, const struct keyset *ks, int64_t id,
                                     int64_t person, const struct lt_referral *r,
                                     struct lt_error *err)
{
	struct person_key k = {0};
	struct blob sealed = {0};
	unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES], ad[24];
	sqlite3_stmt *st = NULL;
	lt_status s;

	if ((s = person_key_read(db, person, &k, err)) != LT_OK)
		goto out;
	if (k.erased) {
		s = lt_error_set(err, LT_EINVAL, "person", "person %lld was erased",
		                 (long long)person);
		goto out;
	}
	if ((s = person_key_open(ks, person, &k, dk, NULL, err)) != LT_OK ||
	    (s = seal_fields(lt_referral_fields, lt_referral_field_count, r, dk, ad,
	                     ad_referral(ad, id, person, k.gen), &sealed, err)) != LT_OK ||
	    (s = store_sqlite_prep(db,
	                           "UPDATE referrals SET key_gen = ?1, sealed = ?2 WHERE id = ?3",
	                           &st, err)) != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, k.gen);
	bind_blob(st, 2, sealed.p, sealed.n);
	sqlite3_bind_int64(st, 3, id);
	if ((s = step_done(db, st, "sealing a referral", err)) != LT_OK)
		goto out;
	s = forms_write(db, "DELETE FROM referral_forms WHERE referral_id = ?1",
	                "INSERT INTO referral_forms(referral_id, form) VALUES (?1, ?2)", id,
	                r->forms, err);
out:
	sqlite3_finalize(st);
	person_key_free(&k);
	blob_free(&sealed);
	lt_crypto_wipe(dk, sizeof(dk));
	return s;
}

struct referral_add_write {
	struct store *s;
	const struct keyset *ks;
	const struct lt_principal *p;
	const struct lt_referral *r;
	int64_t id;                                         /* out */
	char agency[LT_CODE_MAX], created[32], updated[32]; /* out */
};

static lt_status referral_add_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct referral_add_write *w = arg;
	lt_status s;

	w->id = 0;
	if ((s = reference_visible(db, w->p, LT_ACTION_PERSON_READ, "persons", "person", "person",
	                           w->r->person_id, err)) != LT_OK ||
	    (w->r->case_id && (s = reference_visible(db, w->p, LT_ACTION_CASE_READ, "cases", "case",
	                                             "case", w->r->case_id, err)) != LT_OK) ||
	    (s = referral_row_write(db, w->p, w->r, 1, &w->id, err)) != LT_OK ||
	    (s = referral_seal_write(db, w->ks, w->id, w->r->person_id, w->r, err)) != LT_OK ||
	    (s = audit(w->s, db, w->p, NULL, "referral.create", "referral", w->id, w->r->person_id,
	               NULL, err)) != LT_OK)
		return s;
	return stamp_read(db, "referrals", w->id, w->agency, w->created, w->updated, err);
}

static lt_status referral_precheck(const struct lt_referral *r, struct lt_error *err)
{
	LT_ASSERT((unsigned)r->place < LT_PLACE_COUNT);
	LT_ASSERT((r->forms >> LT_FORM_COUNT) == 0);
	if (r->person_id <= 0)
		return lt_error_set(err, LT_EINVAL, "person", "is required");
	if (r->date.year == 0)
		return lt_error_set(err, LT_EINVAL, "date", "is required");
	if (r->forms == 0)
		return lt_error_set(err, LT_EINVAL, "forms", "is required");
	return LT_OK;
}

lt_status store_sqlite_referral_add(struct store *s, const struct lt_crypto_keyring *keys,
                                    const struct lt_principal *p, struct lt_referral *r,
                                    struct lt_error *err)
{
	struct keyset ks;
	lt_status st;
	principal_check(p);
	if ((st = referral_precheck(r, err)) != LT_OK ||
	    (st = access_create(p, LT_ACTION_REFERRAL_CREATE, "referral", err)) != LT_OK ||
	    (st = keyset_derive(keys, &ks, err)) != LT_OK)
		return st;
	struct referral_add_write w = {s, &ks, p, r, 0, "", "", ""};
	if ((st = store_sqlite_write(s, referral_add_run, &w, err)) == LT_OK) {
		r->id = w.id;
		memcpy(r->agency, w.agency, sizeof(r->agency));
		memcpy(r->created_at, w.created, sizeof(r->created_at));
		memcpy(r->updated_at, w.updated, sizeof(r->updated_at));
	}
	keyset_wipe(&ks);
	return st;
}

/* What a referral row holds, read inside a transaction. */
struct referral_row {
	struct lt_referral r; /* the plain fields */
	uint32_t gen;         /* 0 when its sealed fields were erased */
	struct blob sealed;
	struct person_key k; /* its person's key */
};

static void referral_row_free(struct referral_row *x)
{
	lt_referral_release(&x->r);
	blob_free(&x->sealed);
	person_key_free(&x->k);
	x->gen = 0;
}

static lt_status referral_row_read(sqlite3 *db, int64_t id, struct referral_row *x,
                                   struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s;
	int rc, k;

	referral_row_free(x);
	if ((s = store_sqlite_prep(
	         db,
	         "SELECT person_id, coalesce(case_id, 0), date, place, district, country, "
	         "key_gen, sealed FROM referrals WHERE id = ?1",
	         &st, err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		s = rc == SQLITE_DONE
		        ? lt_error_set(err, LT_ENOTFOUND, NULL, "no referral %lld", (long long)id)
		        : store_sqlite_fail(db, rc, "reading a referral", err);
		goto out;
	}
	x->r.id = id;
	x->r.person_id = sqlite3_column_int64(st, 0);
	x->r.case_id = sqlite3_column_int64(st, 1);
	if ((s = column_date(st, 2, "referrals.date", &x->r.date, err)) != LT_OK ||
	    (s = column_code(st, 3, &lt_vocab_place, "referrals.place", &k, err)) != LT_OK)
		goto out;
	x->r.place = k < 0 ? LT_PLACE_UNKNOWN : (enum lt_place)k;
	if ((s = column_code(st, 4, &lt_vocab_district, "referrals.district", &x->r.district,
	                     err)) != LT_OK ||
	    (s = column_code(st, 5, &lt_vocab_country, "referrals.country", &x->r.country, err)) !=
	        LT_OK)
		goto out;
	x->gen = (uint32_t)sqlite3_column_int64(st, 6);
	if ((s = column_blob(st, 7, &x->sealed, err)) != LT_OK)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if ((s = forms_read(db, "SELECT form FROM referral_forms WHERE referral_id = ?1", id,
	                    &x->r.forms, err)) != LT_OK)
		goto out;
	s = person_key_read(db, x->r.person_id, &x->k, err);
out:
	sqlite3_finalize(st);
	return s;
}

/* Open the sealed fields of a referral row into x->r (erased: none). */
static lt_status referral_row_open(const struct keyset *ks, struct referral_row *x,
                                   struct lt_error *err)
{
	unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES], ad[24];
	lt_status s = LT_OK;
	if (!x->sealed.p || x->k.erased) {
		x->r.erased = true;
		return LT_OK;
	}
	if (x->gen != x->k.gen)
		return lt_error_set(err, LT_ECRYPTO, NULL,
		                    "referral %lld is sealed under another key generation than its "
		                    "person's (the database was altered)",
		                    (long long)x->r.id);
	if ((s = person_key_open(ks, x->r.person_id, &x->k, dk, NULL, err)) == LT_OK)
		s = open_fields(lt_referral_fields, lt_referral_field_count, &x->r, dk, ad,
		                ad_referral(ad, x->r.id, x->r.person_id, x->gen), &x->sealed,
		                "referral", x->r.id, err);
	lt_crypto_wipe(dk, sizeof(dk));
	return s;
}

struct referral_get_write {
	struct store *s;
	const struct lt_principal *p;
	int64_t id;
	const char *purpose;
	unsigned classes;                                   /* out: what p may see */
	struct referral_row x;                              /* out */
	char agency[LT_CODE_MAX], created[32], updated[32]; /* out */
};

static lt_status referral_get_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct referral_get_write *w = arg;
	lt_status s;
	if ((s = access(db, w->p, LT_ACTION_REFERRAL_READ, "referrals", "referral", w->id, err)) !=
	        LT_OK ||
	    (s = referral_row_read(db, w->id, &w->x, err)) != LT_OK ||
	    (s = audit(w->s, db, w->p, NULL, "referral.read", "referral", w->id, w->x.r.person_id,
	               w->purpose, err)) != LT_OK)
		return s;
	/* a referral of the caller's own agency shows everything; another
	 * agency's only what the shares of its person allow */
	long own = 0;
	if ((s = query_long(db, "SELECT agency_id FROM referrals WHERE id = ?1", true, w->id, &own,
	                    err)) != LT_OK)
		return s;
	if (own == (long)w->p->agency_id)
		w->classes = LT_DATA_ALL;
	else if ((s = visible_classes(db, w->x.r.person_id, w->p->agency_id, &w->classes, err)) !=
	         LT_OK)
		return s;
	return stamp_read(db, "referrals", w->id, w->agency, w->created, w->updated, err);
}

lt_status store_sqlite_referral_get(struct store *s, const struct lt_crypto_keyring *keys,
                                    const struct lt_principal *p, int64_t id, const char *purpose,
                                    struct lt_referral *out, struct lt_error *err)
{
	struct keyset ks;
	lt_status r;
	principal_check(p);
	lt_referral_init(out);
	if ((r = purpose_check(purpose, "purpose", err)) != LT_OK ||
	    (r = keyset_derive(keys, &ks, err)) != LT_OK)
		return r;
	struct referral_get_write w = {s, p, id, purpose, 0, {{0}, 0, {0}, {0}}, "", "", ""};
	lt_referral_init(&w.x.r);
	if ((r = store_sqlite_write(s, referral_get_run, &w, err)) == LT_OK &&
	    (r = referral_row_open(&ks, &w.x, err)) == LT_OK) {
		lt_pfields_clear(lt_referral_fields, lt_referral_field_count, &w.x.r,
		                 LT_DATA_ALL & ~w.classes);
		*out = w.x.r; /* the strings move to *out */
		lt_referral_init(&w.x.r);
		memcpy(out->agency, w.agency, sizeof(out->agency));
		memcpy(out->created_at, w.created, sizeof(out->created_at));
		memcpy(out->updated_at, w.updated, sizeof(out->updated_at));
	}
	referral_row_free(&w.x);
	keyset_wipe(&ks);
	return r;
}

static lt_status referral_update_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct keyed_update_write *w = arg;
	struct referral_row x = {{0}, 0, {0}, {0}};
	lt_status s;
	int64_t person, old_case;

	lt_diags_release(&w->d);
	lt_diags_init(&w->d);
	lt_referral_init(&x.r);
	if ((s = access(db, w->p, LT_ACTION_REFERRAL_UPDATE, "referrals", "referral", w->id,
	                err)) != LT_OK ||
	    (s = referral_row_read(db, w->id, &x, err)) != LT_OK)
		goto out;
	if (!x.sealed.p || x.k.erased) {
		s = lt_error_set(err, LT_EINVAL, "person",
		                 "the person of this referral was erased");
		goto out;
	}
	if ((s = referral_row_open(w->ks, &x, err)) != LT_OK)
		goto out;
	person = x.r.person_id;
	old_case = x.r.case_id;
	lt_patch_apply(lt_referral_fields, lt_referral_field_count, &x.r, w->patch, &w->d);
	lt_referral_check(&x.r, w->today, &w->d);
	if (x.r.person_id != person && x.r.person_id > 0) {
		struct lt_error e;
		lt_error_clear(&e);
		lt_error_set(&e, LT_EINVAL, "person",
		             "cannot be changed: record a new referral for the other person");
		lt_diags_add(&w->d, &e);
	}
	if (lt_diags_total(&w->d)) {
		s = lt_error_set(err, LT_EINVAL, w->d.count ? w->d.items[0].field : NULL, "%s",
		                 w->d.count ? w->d.items[0].message : "the changes are not valid");
		goto out;
	}
	if (x.r.case_id && x.r.case_id != old_case &&
	    (s = reference_visible(db, w->p, LT_ACTION_CASE_READ, "cases", "case", "case",
	                           x.r.case_id, err)) != LT_OK)
		goto out;
	int64_t id = w->id;
	if ((s = referral_row_write(db, w->p, &x.r, x.gen, &id, err)) != LT_OK ||
	    (s = referral_seal_write(db, w->ks, w->id, person, &x.r, err)) != LT_OK)
		goto out;
	s = audit(w->s, db, w->p, NULL, "referral.update", "referral", w->id, person, NULL, err);
out:
	referral_row_free(&x);
	return s;
}

lt_status store_sqlite_referral_update(struct store *s, const struct lt_crypto_keyring *keys,
                                       const struct lt_principal *p, int64_t id,
                                       const struct lt_patch *patch, const struct lt_date *today,
                                       struct lt_diags *d, struct lt_error *err)
{
	return keyed_update(s, keys, p, id, patch, today, d, err, referral_update_run);
}

/* ---- cases ------------------------------------------------------------------------ */

/* Check that p may read every person of `c`. */
static lt_status case_persons_visible(sqlite3 *db, const struct lt_principal *p,
                                      const struct lt_case *c, struct lt_error *err)
{
	for (size_t i = 0; i < c->n_persons; i++) {
		lt_status s = reference_visible(db, p, LT_ACTION_PERSON_READ, "persons", "person",
		                                "persons", c->persons[i], err);
		if (s != LT_OK)
			return s;
	}
	return LT_OK;
}

/* Write case `c` (INSERT when *id is 0, else UPDATE), its forms and its
 * persons. LT_EEXIST naming "ref" when the reference is taken. */
static lt_status case_row_write(sqlite3 *db, const struct lt_principal *p, const struct lt_case *c,
                                int64_t *id, struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s;
	int rc, i = 1;
	if (*id == 0)
		s = store_sqlite_prep(
		    db,
		    "INSERT INTO cases(ref, opened, status, closed, agency_id, creator_kind, "
		    "creator_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, " NOW_SQL ")",
		    &st, err);
	else
		s = store_sqlite_prep(
		    db,
		    "UPDATE cases SET ref = ?1, opened = ?2, status = ?3, closed = ?4, "
		    "updated_at = " NOW_SQL " WHERE id = ?5",
		    &st, err);
	if (s != LT_OK)
		return s;
	bind_str(st, i++, c->ref);
	bind_date(st, i++, &c->opened);
	bind_code(st, i++, &lt_vocab_case_status, c->status);
	bind_date(st, i++, &c->closed);
	if (*id == 0) {
		sqlite3_bind_int64(st, i++, p->agency_id);
		bind_str(st, i++, creator_kind(p));
		sqlite3_bind_int64(st, i++, p->id);
	} else {
		sqlite3_bind_int64(st, i++, *id);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		s = lt_error_set(err, LT_EEXIST, "ref",
		                 "a case with this reference already exists");
	else if (rc != SQLITE_DONE)
		s = store_sqlite_fail(db, rc, "writing a case", err);
	else if (*id == 0)
		*id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	st = NULL;
	if (s != LT_OK)
		return s;
	if ((s = forms_write(db, "DELETE FROM case_forms WHERE case_id = ?1",
	                     "INSERT INTO case_forms(case_id, form) VALUES (?1, ?2)", *id, c->forms,
	                     err)) != LT_OK ||
	    (s = exec_id(db, "DELETE FROM case_persons WHERE case_id = ?1", *id,
	                 "replacing a case's persons", err)) != LT_OK ||
	    (s = store_sqlite_prep(db,
	                           "INSERT INTO case_persons(case_id, person_id) VALUES (?1, ?2)",
	                           &st, err)) != LT_OK)
		return s;
	for (size_t k = 0; k < c->n_persons && s == LT_OK; k++) {
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, c->persons[k]);
		s = step_done(db, st, "linking a person to a case", err);
	}
	sqlite3_finalize(st);
	return s;
}

static lt_status case_row_read(sqlite3 *db, int64_t id, struct lt_case *c, struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s;
	int rc, k;

	lt_case_init(c);
	if ((s = store_sqlite_prep(
	         db,
	         "SELECT c.ref, c.opened, c.status, c.closed, a.code, c.created_at, "
	         "coalesce(c.updated_at, c.created_at) FROM cases c JOIN agencies a ON a.id = "
	         "c.agency_id WHERE c.id = ?1",
	         &st, err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		s = rc == SQLITE_DONE
		        ? lt_error_set(err, LT_ENOTFOUND, NULL, "no case %lld", (long long)id)
		        : store_sqlite_fail(db, rc, "reading a case", err);
		goto out;
	}
	c->id = id;
	store_sqlite_column_copy(st, 0, c->ref, sizeof(c->ref));
	if ((s = column_date(st, 1, "cases.opened", &c->opened, err)) != LT_OK ||
	    (s = column_code(st, 2, &lt_vocab_case_status, "cases.status", &k, err)) != LT_OK ||
	    (s = column_date(st, 3, "cases.closed", &c->closed, err)) != LT_OK)
		goto out;
	c->status = k < 0 ? LT_CASE_STATUS_OPEN : k;
	store_sqlite_column_copy(st, 4, c->agency, sizeof(c->agency));
	store_sqlite_column_copy(st, 5, c->created_at, sizeof(c->created_at));
	store_sqlite_column_copy(st, 6, c->updated_at, sizeof(c->updated_at));
	sqlite3_finalize(st);
	st = NULL;
	if ((s = forms_read(db, "SELECT form FROM case_forms WHERE case_id = ?1", id, &c->forms,
	                    err)) != LT_OK ||
	    (s = store_sqlite_prep(
	         db, "SELECT person_id FROM case_persons WHERE case_id = ?1 ORDER BY person_id",
	         &st, err)) != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && c->n_persons < LT_CASE_PERSONS_MAX)
		c->persons[c->n_persons++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = store_sqlite_fail(db, rc, "reading a case's persons", err);
out:
	sqlite3_finalize(st);
	return s;
}

struct case_write {
	struct store *s;
	const struct lt_principal *p;
	int64_t id; /* in: the case to change, 0 to open one; out: its id */
	const char *purpose;
	const struct lt_case *c;      /* case_open: the new case */
	const struct lt_patch *patch; /* case_update */
	const struct lt_date *today;
	struct lt_case out; /* out: the case as stored */
	struct lt_diags d;  /* out */
};

/*
 * The audit entries of `action` on case `w->id`: one for each person the
 * case names in `a` or `b` (each once), so that `lantern audit show
 * --person` finds every read and change of a case that names the person;
 * one with no person when it names none. In the caller's transaction.
 */
static lt_status audit_case(struct case_write *w, sqlite3 *db, const char *action,
                            const struct lt_case *a, const struct lt_case *b, const char *purpose,
                            struct lt_error *err)
{
	const struct lt_case *both[2] = {a, b};
	size_t written = 0;
	lt_status s = LT_OK;
	for (size_t j = 0; j < 2 && s == LT_OK; j++) {
		if (!both[j])
			continue;
		for (size_t i = 0; i < both[j]->n_persons && s == LT_OK; i++) {
			int64_t person = both[j]->persons[i];
			bool seen = false;
			for (size_t k = 0; k < i && !seen; k++)
				seen = both[j]->persons[k] == person;
			for (size_t k = 0; j == 1 && a && k < a->n_persons && !seen; k++)
				seen = a->persons[k] == person;
			if (seen || person <= 0)
				continue;
			s = audit(w->s, db, w->p, NULL, action, "case", w->id, person, purpose,
			          err);
			written++;
		}
	}
	if (s == LT_OK && written == 0)
		s = audit(w->s, db, w->p, NULL, action, "case", w->id, 0, purpose, err);
	return s;
}

static lt_status case_open_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct case_write *w = arg;
	lt_status s;
	w->id = 0;
	if ((s = case_persons_visible(db, w->p, w->c, err)) != LT_OK ||
	    (s = case_row_write(db, w->p, w->c, &w->id, err)) != LT_OK ||
	    (s = case_row_read(db, w->id, &w->out, err)) != LT_OK)
		return s;
	return audit_case(w, db, "case.create", &w->out, NULL, NULL, err);
}

lt_status store_sqlite_case_open(struct store *s, const struct lt_principal *p, struct lt_case *c,
                                 struct lt_error *err)
{
	lt_status r;
	principal_check(p);
	LT_ASSERT(c->status >= 0 && c->status < LT_CASE_STATUS_COUNT);
	if (!c->ref[0])
		return lt_error_set(err, LT_EINVAL, "ref", "is required");
	if ((r = access_create(p, LT_ACTION_CASE_CREATE, "case", err)) != LT_OK)
		return r;
	struct case_write w = {s, p, 0, NULL, c, NULL, NULL, {0}, {0}};
	if ((r = store_sqlite_write(s, case_open_run, &w, err)) == LT_OK)
		*c = w.out;
	return r;
}

static lt_status case_get_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct case_write *w = arg;
	lt_status s;
	if ((s = access(db, w->p, LT_ACTION_CASE_READ, "cases", "case", w->id, err)) != LT_OK ||
	    (s = case_row_read(db, w->id, &w->out, err)) != LT_OK)
		return s;
	/* the case discloses that each of its persons is in it: one entry each */
	return audit_case(w, db, "case.read", &w->out, NULL, w->purpose, err);
}

lt_status store_sqlite_case_get(struct store *s, const struct lt_principal *p, int64_t id,
                                const char *purpose, struct lt_case *out, struct lt_error *err)
{
	lt_status r;
	principal_check(p);
	lt_case_init(out);
	if ((r = purpose_check(purpose, "purpose", err)) != LT_OK)
		return r;
	struct case_write w = {s, p, id, purpose, NULL, NULL, NULL, {0}, {0}};
	if ((r = store_sqlite_write(s, case_get_run, &w, err)) == LT_OK)
		*out = w.out;
	return r;
}

static lt_status case_update_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct case_write *w = arg;
	lt_status s;
	lt_diags_release(&w->d);
	lt_diags_init(&w->d);
	if ((s = access(db, w->p, LT_ACTION_CASE_UPDATE, "cases", "case", w->id, err)) != LT_OK ||
	    (s = case_row_read(db, w->id, &w->out, err)) != LT_OK)
		return s;
	/* the persons before the change: one taken off the case was changed too */
	struct lt_case before = w->out;
	lt_patch_apply(lt_case_fields, lt_case_field_count, &w->out, w->patch, &w->d);
	lt_case_check(&w->out, w->today, &w->d);
	if (lt_diags_total(&w->d))
		return lt_error_set(err, LT_EINVAL, w->d.count ? w->d.items[0].field : NULL, "%s",
		                    w->d.count ? w->d.items[0].message
		                               : "the changes are not valid");
	int64_t id = w->id;
	if ((s = case_persons_visible(db, w->p, &w->out, err)) != LT_OK ||
	    (s = case_row_write(db, w->p, &w->out, &id, err)) != LT_OK)
		return s;
	return audit_case(w, db, "case.update", &before, &w->out, NULL, err);
}

lt_status store_sqlite_case_update(struct store *s, const struct lt_principal *p, int64_t id,
                                   const struct lt_patch *patch, const struct lt_date *today,
                                   struct lt_diags *d, struct lt_error *err)
{
	lt_status r;
	principal_check(p);
	struct case_write w = {s, p, id, NULL, NULL, patch, today, {0}, {0}};
	lt_diags_init(&w.d);
	r = store_sqlite_write(s, case_update_run, &w, err);
	diags_hand(&w.d, d);
	return r;
}

/* ---- arrests ---------------------------------------------------------------------- */

struct arrest_write {
	struct store *s;
	const struct lt_principal *p;
	struct lt_arrest a; /* in: the arrest; out: with its id and agency */
};

static lt_status arrest_add_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct arrest_write *w = arg;
	sqlite3_stmt *st = NULL;
	int64_t case_id = 0;
	lt_status s = LT_OK;
	int rc;

	w->a.id = 0;
	if (w->a.case_ref[0]) {
		if ((s = store_sqlite_prep(db, "SELECT id FROM cases WHERE ref = ?1", &st, err)) !=
		    LT_OK)
			return s;
		bind_str(st, 1, w->a.case_ref);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			case_id = sqlite3_column_int64(st, 0);
		else if (rc != SQLITE_DONE)
			s = store_sqlite_fail(db, rc, "looking up a case", err);
		sqlite3_finalize(st);
		st = NULL;
		if (s != LT_OK)
			return s;
		if (case_id == 0)
			return lt_error_set(
			    err, LT_EINVAL, "case",
			    "there is no case with that reference that you can see");
		if ((s = reference_visible(db, w->p, LT_ACTION_CASE_READ, "cases", "case", "case",
		                           case_id, err)) != LT_OK)
			return lt_error_set(
			    err, LT_EINVAL, "case",
			    "there is no case with that reference that you can see");
	}
	if ((s = store_sqlite_prep(db, "SELECT code FROM agencies WHERE id = ?1", &st, err)) !=
	    LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, w->p->agency_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_sqlite_column_copy(st, 0, w->a.agency, sizeof(w->a.agency));
	else
		s = rc == SQLITE_DONE ? lt_error_set(err, LT_EINVAL, "agency", "no such agency")
		                      : store_sqlite_fail(db, rc, "looking up an agency", err);
	sqlite3_finalize(st);
	st = NULL;
	if (s != LT_OK ||
	    (s = store_sqlite_prep(
	         db,
	         "INSERT INTO arrests(date, offence, agency_id, case_id) VALUES (?1, ?2, ?3, ?4)",
	         &st, err)) != LT_OK)
		return s;
	bind_date(st, 1, &w->a.date);
	bind_code(st, 2, &lt_vocab_offence, (int)w->a.offence);
	sqlite3_bind_int64(st, 3, w->p->agency_id);
	if (case_id)
		sqlite3_bind_int64(st, 4, case_id);
	else
		sqlite3_bind_null(st, 4);
	s = step_done(db, st, "recording an arrest", err);
	sqlite3_finalize(st);
	if (s != LT_OK)
		return s;
	w->a.id = sqlite3_last_insert_rowid(db);
	return audit(w->s, db, w->p, NULL, "arrest.create", "arrest", w->a.id, 0, NULL, err);
}

lt_status store_sqlite_arrest_add(struct store *s, const struct lt_principal *p,
                                  struct lt_arrest *a, struct lt_error *err)
{
	lt_status r;
	principal_check(p);
	LT_ASSERT((unsigned)a->offence < LT_OFFENCE_COUNT);
	if (a->date.year == 0)
		return lt_error_set(err, LT_EINVAL, "date", "is required");
	if ((r = access_create(p, LT_ACTION_ARREST_CREATE, "arrest", err)) != LT_OK)
		return r;
	struct arrest_write w = {s, p, *a};
	if ((r = store_sqlite_write(s, arrest_add_run, &w, err)) == LT_OK)
		*a = w.a;
	return r;
}

lt_status store_sqlite_arrest_get(struct store *s, const struct lt_principal *p, int64_t id,
                                  struct lt_arrest *out, struct lt_error *err)
{
	void *conn;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	lt_status r;
	int rc, k;

	principal_check(p);
	lt_arrest_init(out);
	db = store_sqlite_read_lock(s, &conn);
	if ((r = access(db, p, LT_ACTION_ARREST_READ, "arrests", "arrest", id, err)) != LT_OK ||
	    (r = store_sqlite_prep(
	         db,
	         "SELECT a.date, a.offence, g.code, coalesce(c.ref, '') FROM arrests a "
	         "JOIN agencies g ON g.id = a.agency_id LEFT JOIN cases c ON c.id = a.case_id "
	         "WHERE a.id = ?1",
	         &st, err)) != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		r = rc == SQLITE_DONE
		        ? lt_error_set(err, LT_ENOTFOUND, NULL, "no arrest %lld", (long long)id)
		        : store_sqlite_fail(db, rc, "reading an arrest", err);
		goto out;
	}
	out->id = id;
	if ((r = column_date(st, 0, "arrests.date", &out->date, err)) != LT_OK ||
	    (r = column_code(st, 1, &lt_vocab_offence, "arrests.offence", &k, err)) != LT_OK)
		goto out;
	out->offence = k < 0 ? LT_OFFENCE_NOT_RECORDED : (enum lt_offence)k;
	store_sqlite_column_copy(st, 2, out->agency, sizeof(out->agency));
	store_sqlite_column_copy(st, 3, out->case_ref, sizeof(out->case_ref));
out:
	sqlite3_finalize(st);
	store_sqlite_read_unlock(conn);
	return r;
}

/* ---- sharing ------------------------------------------------------------------------ */

struct share_write {
	struct store *s;
	const struct lt_principal *p;
	struct lt_share *sh; /* in: the share; out: id, from_agency, created_at */
	int64_t id;          /* share_revoke: the share */
	bool wrote;          /* out: share_revoke changed something */
};

static lt_status share_create_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct share_write *w = arg;
	struct lt_share *sh = w->sh;
	sqlite3_stmt *st = NULL;
	int64_t to_id = 0, from_id = 0;
	long erased = 0;
	char to_kind[32] = "";
	lt_status s;
	int rc;

	sh->id = 0;
	s = access(db, w->p, LT_ACTION_SHARE_CREATE, "persons", "person", sh->person_id, err);
	if (s == LT_ENOTFOUND && access(db, w->p, LT_ACTION_PERSON_READ, "persons", "person",
	                                sh->person_id, NULL) == LT_OK)
		return lt_error_set(err, LT_EFORBIDDEN, NULL,
		                    "only the agency that owns a person may share it");
	if (s != LT_OK ||
	    (s = query_long(db, "SELECT erased_at IS NOT NULL FROM persons WHERE id = ?1", true,
	                    sh->person_id, &erased, err)) != LT_OK)
		return s;
	if (erased)
		return lt_error_set(err, LT_EINVAL, "person",
		                    "person %lld was erased: there is nothing to share",
		                    (long long)sh->person_id);
	long owner = 0;
	if ((s = query_long(db, "SELECT agency_id FROM persons WHERE id = ?1", true, sh->person_id,
	                    &owner, err)) != LT_OK)
		return s;
	from_id = owner;
	if ((s = store_sqlite_prep(db, "SELECT id, kind FROM agencies WHERE code = ?1", &st,
	                           err)) != LT_OK)
		return s;
	bind_str(st, 1, sh->to_agency);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		to_id = sqlite3_column_int64(st, 0);
		store_sqlite_column_copy(st, 1, to_kind, sizeof(to_kind));
	} else if (rc != SQLITE_DONE) {
		s = store_sqlite_fail(db, rc, "looking up an agency", err);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (s != LT_OK)
		return s;
	if (to_id == 0)
		return lt_error_set(err, LT_EINVAL, "to_agency", "there is no agency '%s'",
		                    sh->to_agency);
	if (to_id == from_id)
		return lt_error_set(err, LT_EINVAL, "to_agency",
		                    "the person already belongs to that agency");
	if (sh->kind == LT_SHARE_TRANSFER)
		sh->classes = LT_DATA_ALL & ~(1u << LT_DATA_NONE);
	/* (a transfer moves the person, whose own fields hold no intelligence;
	 * its referrals stay with the agencies that made them) */
	if (sh->kind == LT_SHARE_REFER && (sh->classes & (1u << LT_DATA_INTELLIGENCE)) &&
	    strcmp(to_kind, "police") != 0 && strcmp(to_kind, "national_agency") != 0)
		return lt_error_set(err, LT_EINVAL, "classes",
		                    "police intelligence goes only to police forces and national "
		                    "agencies, not to '%s' (a %s)",
		                    sh->to_agency, to_kind);
	if ((s = store_sqlite_prep(
	         db,
	         "INSERT INTO shares(person_id, from_agency_id, to_agency_id, kind, classes, "
	         "basis, consent_by, consent_at, lawful_reason, purpose, creator_kind, "
	         "creator_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	         &st, err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, sh->person_id);
	sqlite3_bind_int64(st, 2, from_id);
	sqlite3_bind_int64(st, 3, to_id);
	bind_code(st, 4, &lt_vocab_share_kind, sh->kind);
	sqlite3_bind_int64(st, 5, sh->classes);
	bind_code(st, 6, &lt_vocab_share_basis, sh->basis);
	bind_code(st, 7, &lt_vocab_consent_by, sh->consent_by);
	bind_date(st, 8, &sh->consent_at);
	bind_code(st, 9, &lt_vocab_lawful_reason, sh->lawful_reason);
	bind_str(st, 10, sh->purpose);
	bind_str(st, 11, creator_kind(w->p));
	sqlite3_bind_int64(st, 12, w->p->id);
	s = step_done(db, st, "recording a share", err);
	sqlite3_finalize(st);
	if (s != LT_OK)
		return s;
	sh->id = sqlite3_last_insert_rowid(db);
	if (sh->kind == LT_SHARE_TRANSFER) {
		if ((s = store_sqlite_prep(
		         db,
		         "UPDATE persons SET agency_id = ?1, updated_at = " NOW_SQL
		         " WHERE id = ?2",
		         &st, err)) != LT_OK)
			return s;
		sqlite3_bind_int64(st, 1, to_id);
		sqlite3_bind_int64(st, 2, sh->person_id);
		s = step_done(db, st, "transferring a person", err);
		sqlite3_finalize(st);
		if (s != LT_OK)
			return s;
	}
	if ((s = audit(w->s, db, w->p, NULL, "share.create", "share", sh->id, sh->person_id,
	               sh->purpose, err)) != LT_OK ||
	    (s = store_sqlite_prep(
	         db,
	         "SELECT a.code, s.created_at FROM shares s JOIN agencies a ON a.id = "
	         "s.from_agency_id WHERE s.id = ?1",
	         &st, err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, sh->id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_sqlite_column_copy(st, 0, sh->from_agency, sizeof(sh->from_agency));
		store_sqlite_column_copy(st, 1, sh->created_at, sizeof(sh->created_at));
	} else {
		s = store_sqlite_fail(db, rc, "reading a share back", err);
	}
	sqlite3_finalize(st);
	return s;
}

lt_status store_sqlite_share_create(struct store *s, const struct lt_principal *p,
                                    struct lt_share *sh, struct lt_error *err)
{
	struct lt_diags d;
	lt_status r;
	principal_check(p);
	lt_diags_init(&d);
	if (lt_share_check(sh, NULL, &d) != LT_OK) {
		r = lt_error_set(err, LT_EINVAL, d.count ? d.items[0].field : NULL, "%s",
		                 d.count ? d.items[0].message : "the share is not valid");
		lt_diags_release(&d);
		return r;
	}
	lt_diags_release(&d);
	struct lt_share work = *sh;
	struct share_write w = {s, p, &work, 0, false};
	if ((r = store_sqlite_write(s, share_create_run, &w, err)) == LT_OK)
		*sh = work;
	return r;
}

static lt_status share_revoke_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct share_write *w = arg;
	struct lt_access_facts f = {0, LT_PRINCIPAL_NONE, 0, false};
	sqlite3_stmt *st = NULL;
	int64_t person = 0;
	bool transfer = false, revoked = false;
	lt_status s;
	int rc;

	w->wrote = false;
	if ((s = store_sqlite_prep(
	         db,
	         "SELECT person_id, from_agency_id, creator_kind, creator_id, kind = "
	         "'transfer', revoked_at IS NOT NULL FROM shares WHERE id = ?1",
	         &st, err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, w->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		person = sqlite3_column_int64(st, 0);
		f.owner_agency_id = sqlite3_column_int64(st, 1);
		const unsigned char *k = sqlite3_column_text(st, 2);
		f.creator_kind = k && strcmp((const char *)k, "user") == 0 ? LT_PRINCIPAL_USER
		                                                           : LT_PRINCIPAL_TOKEN;
		f.creator_id = sqlite3_column_int64(st, 3);
		transfer = sqlite3_column_int(st, 4) != 0;
		revoked = sqlite3_column_int(st, 5) != 0;
	} else if (rc != SQLITE_DONE) {
		s = store_sqlite_fail(db, rc, "reading a share", err);
	}
	sqlite3_finalize(st);
	if (s != LT_OK)
		return s;
	s = rc == SQLITE_ROW ? lt_access_check(w->p, LT_ACTION_SHARE_REVOKE, &f) : LT_ENOTFOUND;
	if (s == LT_ENOTFOUND)
		return lt_error_set(err, LT_ENOTFOUND, NULL, "no share %lld", (long long)w->id);
	if (s == LT_EFORBIDDEN)
		return lt_error_set(err, LT_EFORBIDDEN, NULL,
		                    "your role may revoke only the shares you made");
	if (transfer)
		return lt_error_set(err, LT_EINVAL, "share",
		                    "a transfer cannot be revoked: the new owner may transfer the "
		                    "person back");
	if (revoked)
		return LT_OK;
	if ((s = exec_id(db, "UPDATE shares SET revoked_at = " NOW_SQL " WHERE id = ?1", w->id,
	                 "revoking a share", err)) != LT_OK ||
	    (s = audit(w->s, db, w->p, NULL, "share.revoke", "share", w->id, person, NULL, err)) !=
	        LT_OK)
		return s;
	w->wrote = true;
	return LT_OK;
}

lt_status store_sqlite_share_revoke(struct store *s, const struct lt_principal *p, int64_t id,
                                    struct lt_error *err)
{
	principal_check(p);
	struct share_write w = {s, p, NULL, id, false};
	return store_sqlite_write(s, share_revoke_run, &w, err);
}

/* The shares of person `person_id`, by id: all of them with `all`, else
 * those with agency `agency`. *out (heap) is the caller's to free. */
static lt_status shares_read(sqlite3 *db, int64_t person_id, bool all, int64_t agency,
                             struct lt_share **out, size_t *n, struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	struct lt_share *v = NULL;
	size_t count = 0, cap = 0;
	lt_status r;
	int rc;

	*out = NULL;
	*n = 0;
	if ((r = store_sqlite_prep(
	         db,
	         "SELECT s.id, fa.code, ta.code, s.kind, s.classes, s.basis, s.consent_by, "
	         "s.consent_at, s.lawful_reason, s.purpose, s.created_at, coalesce(s.revoked_at, "
	         "'') FROM shares s JOIN agencies fa ON fa.id = s.from_agency_id JOIN agencies "
	         "ta ON ta.id = s.to_agency_id WHERE s.person_id = ?1 AND (?2 OR "
	         "s.to_agency_id = ?3) ORDER BY s.id",
	         &st, err)) != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, person_id);
	sqlite3_bind_int(st, 2, all);
	sqlite3_bind_int64(st, 3, agency);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = store_sqlite_grow(&v, count, &cap, sizeof(*v), 8, err)) != LT_OK)
			goto out;
		struct lt_share *x = &v[count];
		lt_share_init(x);
		x->id = sqlite3_column_int64(st, 0);
		x->person_id = person_id;
		store_sqlite_column_copy(st, 1, x->from_agency, sizeof(x->from_agency));
		store_sqlite_column_copy(st, 2, x->to_agency, sizeof(x->to_agency));
		x->classes = (unsigned)sqlite3_column_int64(st, 4) & LT_DATA_ALL;
		store_sqlite_column_copy(st, 9, x->purpose, sizeof(x->purpose));
		store_sqlite_column_copy(st, 10, x->created_at, sizeof(x->created_at));
		store_sqlite_column_copy(st, 11, x->revoked_at, sizeof(x->revoked_at));
		if ((r = column_code(st, 3, &lt_vocab_share_kind, "shares.kind", &x->kind, err)) ||
		    (r = column_code(st, 5, &lt_vocab_share_basis, "shares.basis", &x->basis,
		                     err)) ||
		    (r = column_code(st, 6, &lt_vocab_consent_by, "shares.consent_by",
		                     &x->consent_by, err)) ||
		    (r = column_date(st, 7, "shares.consent_at", &x->consent_at, err)) ||
		    (r = column_code(st, 8, &lt_vocab_lawful_reason, "shares.lawful_reason",
		                     &x->lawful_reason, err)))
			goto out;
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = store_sqlite_fail(db, rc, "listing a person's shares", err);
		goto out;
	}
	*out = v;
	*n = count;
	v = NULL;
out:
	sqlite3_finalize(st);
	free(v);
	return r;
}

/* The shares of `person_id` that p may see, read on `db` (share_list). */
static lt_status shares_visible(sqlite3 *db, const struct lt_principal *p, int64_t person_id,
                                struct lt_share **out, size_t *n, struct lt_error *err)
{
	struct lt_access_facts f;
	lt_status r;

	/* share.list on the person: its owner's agency (an agency administrator
	 * too, who reads no person but shares and revokes) and, for a receiver,
	 * the shares with its own agency. */
	r = access(db, p, LT_ACTION_SHARE_LIST, "persons", "person", person_id, err);
	if (r == LT_OK && (r = facts_of(db, "persons", person_id, p->agency_id, &f, err)) == LT_OK)
		r = shares_read(db, person_id, f.owner_agency_id == p->agency_id, p->agency_id, out,
		                n, err);
	return r;
}

lt_status store_sqlite_share_list(struct store *s, const struct lt_principal *p, int64_t person_id,
                                  struct lt_share **out, size_t *n, struct lt_error *err)
{
	void *conn;
	sqlite3 *db;
	lt_status r;

	principal_check(p);
	*out = NULL;
	*n = 0;
	db = store_sqlite_read_lock(s, &conn);
	r = shares_visible(db, p, person_id, out, n, err);
	store_sqlite_read_unlock(conn);
	return r;
}

struct share_read_write {
	struct store *s;
	const struct lt_principal *p;
	int64_t person;
	struct lt_share *v; /* out: heap */
	size_t n;
};

static lt_status share_read_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct share_read_write *w = arg;
	lt_status r;
	free(w->v); /* a retried batch starts afresh */
	w->v = NULL;
	w->n = 0;
	if ((r = shares_visible(db, w->p, w->person, &w->v, &w->n, err)) != LT_OK)
		return r;
	return audit(w->s, db, w->p, NULL, "share.list", "person", w->person, w->person, NULL, err);
}

lt_status store_sqlite_share_read(struct store *s, const struct lt_principal *p, int64_t person_id,
                                  struct lt_share **out, size_t *n, struct lt_error *err)
{
	lt_status r;
	principal_check(p);
	*out = NULL;
	*n = 0;
	struct share_read_write w = {s, p, person_id, NULL, 0};
	r = store_sqlite_write(s, share_read_run, &w, err);
	if (r == LT_OK) {
		*out = w.v;
		*n = w.n;
	} else {
		free(w.v);
	}
	return r;
}

/* ---- subject access export ---------------------------------------------------------- */

/*
 * Everything the owner holds about one person, read in one transaction
 * with its audit entry "person.export"; the sealed blobs are opened after
 * the commit (store_sqlite_person_export). The owner's referrals, its cases
 * about the person and the arrests naming them; another agency's referrals
 * and cases about the person are that agency's records, not the owner's.
 */
struct export_write {
	struct store *s;
	const struct lt_principal *p; /* NULL: the operator, `actor` */
	const char *actor;
	int64_t id;
	const char *purpose;
	char agency[LT_CODE_MAX];      /* out: the owner's code */
	char created[32], updated[32]; /* out: the person's stamps */
	struct person_key k;           /* out */
	struct blob sealed;            /* out */
	struct referral_row *refs;     /* out: heap, n_refs */
	size_t n_refs;
	struct lt_case *cases; /* out: heap, n_cases */
	size_t n_cases;
	struct lt_arrest *arrests; /* out: heap, n_arrests */
	size_t n_arrests;
	struct lt_share *shares; /* out: heap, n_shares */
	size_t n_shares;
};

static void export_write_reset(struct export_write *w)
{
	person_key_free(&w->k);
	blob_free(&w->sealed);
	for (size_t i = 0; w->refs && i < w->n_refs; i++)
		referral_row_free(&w->refs[i]);
	free(w->refs);
	free(w->cases);
	free(w->arrests);
	free(w->shares);
	w->refs = NULL;
	w->cases = NULL;
	w->arrests = NULL;
	w->shares = NULL;
	w->n_refs = w->n_cases = w->n_arrests = w->n_shares = 0;
}

/* The ids `sql` returns for ?1 = person and ?2 = agency, into a heap
 * array (*out NULL when there are none). */
static lt_status ids_read(sqlite3 *db, const char *sql, int64_t person, int64_t agency,
                          int64_t **out, size_t *n, struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	int64_t *v = NULL;
	size_t count = 0, cap = 0;
	lt_status s;
	int rc;

	*out = NULL;
	*n = 0;
	if ((s = store_sqlite_prep(db, sql, &st, err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, person);
	sqlite3_bind_int64(st, 2, agency);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((s = store_sqlite_grow(&v, count, &cap, sizeof(*v), 16, err)) != LT_OK)
			goto out;
		v[count++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		s = store_sqlite_fail(db, rc, "reading a person's records", err);
		goto out;
	}
	*out = v;
	*n = count;
	v = NULL;
out:
	sqlite3_finalize(st);
	free(v);
	return s;
}

static lt_status export_arrests(sqlite3 *db, struct export_write *w, int64_t agency,
                                struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	lt_status s;
	int rc, k;

	if ((s = store_sqlite_prep(
	         db,
	         "SELECT DISTINCT a.id, a.date, a.offence, g.code, c.ref FROM arrests a JOIN "
	         "agencies g ON g.id = a.agency_id JOIN cases c ON c.id = a.case_id JOIN "
	         "case_persons cp ON cp.case_id = c.id WHERE cp.person_id = ?1 AND "
	         "c.agency_id = ?2 ORDER BY a.id",
	         &st, err)) != LT_OK)
		return s;
	sqlite3_bind_int64(st, 1, w->id);
	sqlite3_bind_int64(st, 2, agency);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((s = store_sqlite_grow(&w->arrests, w->n_arrests, &cap, sizeof(*w->arrests), 8,
		                           err)) != LT_OK)
			goto out;
		struct lt_arrest *a = &w->arrests[w->n_arrests];
		lt_arrest_init(a);
		a->id = sqlite3_column_int64(st, 0);
		if ((s = column_date(st, 1, "arrests.date", &a->date, err)) != LT_OK ||
		    (s = column_code(st, 2, &lt_vocab_offence, "arrests.offence", &k, err)) != LT_OK)
			goto out;
		a->offence = k < 0 ? LT_OFFENCE_NOT_RECORDED : (enum lt_offence)k;
		store_sqlite_column_copy(st, 3, a->agency, sizeof(a->agency));
		store_sqlite_column_copy(st, 4, a->case_ref, sizeof(a->case_ref));
		w->n_arrests++;
	}
	if (rc != SQLITE_DONE)
		s = store_sqlite_fail(db, rc, "reading the arrests of a person's cases", err);
out:
	sqlite3_finalize(st);
	return s;
}

static lt_status export_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct export_write *w = arg;
	struct lt_access_facts f;
	int64_t *ids = NULL;
	size_t n = 0;
	long owner = 0;
	lt_status s;
	int rc;
	sqlite3_stmt *st = NULL;

	export_write_reset(w);
	if (w->p)
		s = access(db, w->p, LT_ACTION_PERSON_EXPORT, "persons", "person", w->id, err);
	else if ((s = facts_of(db, "persons", w->id, 0, &f, err)) == LT_ENOTFOUND)
		s = lt_error_set(err, LT_ENOTFOUND, NULL, "no person %lld", (long long)w->id);
	if (s != LT_OK ||
	    (s = query_long(db, "SELECT agency_id FROM persons WHERE id = ?1", true, w->id, &owner,
	                    err)) != LT_OK ||
	    (s = audit(w->s, db, w->p, w->actor, "person.export", "person", w->id, w->id,
	               w->purpose, err)) != LT_OK ||
	    (s = person_key_read(db, w->id, &w->k, err)) != LT_OK ||
	    (s = stamp_read(db, "persons", w->id, w->agency, w->created, w->updated, err)) !=
	        LT_OK ||
	    (s = store_sqlite_prep(db, "SELECT sealed FROM persons WHERE id = ?1", &st, err)) !=
	        LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, w->id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		s = store_sqlite_fail(db, rc, "reading a person", err);
		goto out;
	}
	if ((s = column_blob(st, 0, &w->sealed, err)) != LT_OK)
		goto out;

	/* the owner's referrals of the person */
	if ((s = ids_read(db,
	                  "SELECT id FROM referrals WHERE person_id = ?1 AND agency_id = ?2 ORDER "
	                  "BY id",
	                  w->id, owner, &ids, &n, err)) != LT_OK)
		goto out;
	if (n && !(w->refs = calloc(n, sizeof(*w->refs)))) {
		s = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct referral_row *x = &w->refs[i];
		lt_referral_init(&x->r);
		w->n_refs = i + 1;
		if ((s = referral_row_read(db, ids[i], x, err)) != LT_OK ||
		    (s = stamp_read(db, "referrals", ids[i], x->r.agency, x->r.created_at,
		                    x->r.updated_at, err)) != LT_OK)
			goto out;
	}
	free(ids);
	ids = NULL;

	/* the owner's cases about the person: the others they name are left out */
	if ((s = ids_read(db,
	                  "SELECT c.id FROM case_persons cp JOIN cases c ON c.id = cp.case_id "
	                  "WHERE cp.person_id = ?1 AND c.agency_id = ?2 ORDER BY c.id",
	                  w->id, owner, &ids, &n, err)) != LT_OK)
		goto out;
	if (n && !(w->cases = calloc(n, sizeof(*w->cases)))) {
		s = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((s = case_row_read(db, ids[i], &w->cases[i], err)) != LT_OK)
			goto out;
		w->cases[i].persons[0] = w->id;
		w->cases[i].n_persons = 1;
		w->n_cases = i + 1;
	}
	if ((s = export_arrests(db, w, owner, err)) != LT_OK)
		goto out;
	/* every share of the person: the exporter owns it */
	s = shares_read(db, w->id, true, owner, &w->shares, &w->n_shares, err);
out:
	sqlite3_finalize(st);
	free(ids);
	return s;
}

static void audit_reverse(struct store_audit_entry *v, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		struct store_audit_entry t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
}

lt_status store_sqlite_person_export(struct store *s, const struct lt_crypto_keyring *keys,
                                     const struct lt_principal *p, const char *actor, int64_t id,
                                     const char *purpose, struct store_person_export *out,
                                     struct lt_error *err)
{
	struct keyset ks;
	unsigned char dk[LT_CRYPTO_DATA_KEY_BYTES], ad[16];
	lt_status r;

	memset(out, 0, sizeof(*out));
	lt_person_init(&out->person);
	if (p)
		principal_check(p);
	else
		LT_ASSERT(actor && actor[0]);
	if ((r = purpose_check(purpose, "purpose", err)) != LT_OK ||
	    (r = keyset_derive(keys, &ks, err)) != LT_OK)
		return r;
	struct export_write w;
	memset(&w, 0, sizeof(w));
	w.s = s;
	w.p = p;
	w.actor = actor;
	w.id = id;
	w.purpose = purpose;
	if ((r = store_sqlite_write(s, export_run, &w, err)) != LT_OK)
		goto out;
	/* The export is recorded; now open what it holds. */
	memcpy(out->agency, w.agency, sizeof(out->agency));
	out->person.id = id;
	memcpy(out->person.agency, w.agency, sizeof(out->person.agency));
	memcpy(out->person.created_at, w.created, sizeof(out->person.created_at));
	memcpy(out->person.updated_at, w.updated, sizeof(out->person.updated_at));
	if (w.k.erased)
		out->person.erased = true;
	else if ((r = person_key_open(&ks, id, &w.k, dk, NULL, err)) != LT_OK ||
	         (r = open_fields(lt_person_fields, lt_person_field_count, &out->person, dk, ad,
	                          ad_person(ad, id, w.k.gen), &w.sealed, "person", id, err)) !=
	             LT_OK)
		goto out;
	if (w.n_refs && !(out->referrals = calloc(w.n_refs, sizeof(*out->referrals)))) {
		r = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < w.n_refs; i++) {
		if ((r = referral_row_open(&ks, &w.refs[i], err)) != LT_OK)
			goto out;
		out->referrals[i] = w.refs[i].r; /* the strings move */
		lt_referral_init(&w.refs[i].r);
		out->n_referrals = i + 1;
	}
	out->cases = w.cases;
	out->n_cases = w.n_cases;
	out->arrests = w.arrests;
	out->n_arrests = w.n_arrests;
	out->shares = w.shares;
	out->n_shares = w.n_shares;
	w.cases = NULL;
	w.arrests = NULL;
	w.shares = NULL;
	w.n_cases = w.n_arrests = w.n_shares = 0;

	/* who read or changed the person's data: the audit entries about it,
	 * as `lantern audit show --person` lists them */
	struct store_audit_query q = {0, id, (size_t)LT_AUDIT_SHOW_MAX + 1, true};
	if ((r = store_audit_list(s, &q, &out->audit, &out->n_audit, err)) != LT_OK)
		goto out;
	if (out->n_audit > LT_AUDIT_SHOW_MAX) {
		out->n_audit = LT_AUDIT_SHOW_MAX;
		out->audit_truncated = true;
	}
	audit_reverse(out->audit, out->n_audit);
out:
	if (r != LT_OK)
		store_person_export_release(out);
	export_write_reset(&w);
	lt_crypto_wipe(dk, sizeof(dk));
	keyset_wipe(&ks);
	return r;
}
