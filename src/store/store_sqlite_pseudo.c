/*
 * store_sqlite_pseudo.c — pseudonymised reads for analysts in the SQLite
 * backend (person.read_pseudonymised; store.h; docs/security.md,
 * "Pseudonymised reads for analysts"). One of the store_sqlite*.c files
 * that include <sqlite3.h>.
 *
 * The pseudonymisation key. 32 random bytes, made on the first
 * pseudonymised read, kept only wrapped:
 *   pseudonym_keys.wrapped = XChaCha20-Poly1305(PSEUDONYM key of master key M,
 *                              ad = "LTN1" M (4 bytes, big-endian), the key)
 * one row per master key it is wrapped under. It is not derived from the
 * master key, so that `lantern key rotate` does not change every
 * pseudonym (an analyst follows a person over years): when the key file
 * gains a newer key (data_keys_register, which a rotation calls first), it
 * is unwrapped under the older key and wrapped under the newer; when the
 * older key is retired its copy is deleted (store_sqlite_pseudonym_key_ensure,
 * also called when a rotation finishes). A leaked master key therefore
 * opens the pseudonymisation key of its time for good, as it opens the
 * backups of its time: docs/security.md says so.
 *
 * Pseudonyms and lookups. A person's pseudonym is lt_crypto_pseudonym of
 * its id under that key; persons.pseudo_lookup holds
 * lt_crypto_pseudonym_lookup of the pseudonym, never the pseudonym, so the
 * database alone does not tell whose a pseudonym is. It is filled for every
 * person that lacks it, and cleared for every erased person, at the start of
 * each pseudonymised read (a partial index finds them at once), so persons
 * recorded since the last read need nothing from the code that records
 * them. Lists are in descending order of the lookup — an order that says
 * nothing of who recorded a person or when — and a page ends at a lookup,
 * which its cursor carries (paging.c).
 *
 * Reads. As every read of personal data (store_sqlite_person.c): a write
 * closure decides access (lt_access_check, with each person's facts),
 * gathers the rows and appends one audit entry per person handed out, and
 * only after it committed are the persons' sealed fields opened, in the
 * caller's thread, and cut down to what core/pseudo.h shows
 * (lt_pseudo_person_from); the opened record is wiped at once. The closure
 * may run again from the start when its batch restarts, so it resets what
 * it hands back.
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
#include "core/banned.h"

#define PKEY_WRAPPED (LT_CRYPTO_DATA_KEY_BYTES + LT_CRYPTO_AEAD_OVERHEAD)
#define AUDIT_ACTION "person.read_pseudonymised"

/* ---- small helpers ------------------------------------------------------------ */

/* A date column cut to the month (year 0 when NULL). */
static lt_status column_month(sqlite3_stmt *st, int col, struct lt_date *out, struct lt_error *err)
{
	struct lt_date d = {0, 0, 0};
	*out = d;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return LT_OK;
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!t || lt_date_parse((const char *)t, (size_t)sqlite3_column_bytes(st, col), &d, "date",
	                        NULL) != LT_OK)
		return lt_error_set(err, LT_ESTORE, NULL, "a date in the database is not a date");
	*out = lt_pseudo_month(&d);
	return LT_OK;
}

/* A coded column to its index in `v` (-1 when NULL). */
static lt_status column_code(sqlite3_stmt *st, int col, const struct lt_vocab *v, int *out,
                             struct lt_error *err)
{
	*out = -1;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return LT_OK;
	const unsigned char *t = sqlite3_column_text(st, col);
	int k = t ? lt_vocab_find(v, (const char *)t, (size_t)sqlite3_column_bytes(st, col)) : -1;
	if (k < 0)
		return lt_error_set(err, LT_ESTORE, NULL,
		                    "the database holds a %s code this lantern does not know",
		                    v->name);
	*out = k;
	return LT_OK;
}

/* A group_concat of form codes to a bit set. */
static lt_status column_forms(sqlite3_stmt *st, int col, uint32_t *forms, struct lt_error *err)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	*forms = 0;
	while (t && *t) {
		size_t n = strcspn(t, ",");
		int k = lt_vocab_find(&lt_vocab_form, t, n);
		if (k < 0)
			return lt_error_set(
			    err, LT_ESTORE, NULL,
			    "the database holds a form code this lantern does not know");
		*forms |= 1u << k;
		t += n;
		if (*t == ',')
			t++;
	}
	return LT_OK;
}

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Associated data of the wrapped pseudonymisation key: "LTN1" master. */
static size_t ad_pkey(unsigned char ad[8], uint32_t master)
{
	memcpy(ad, "LTN1", 4);
	be32(ad + 4, master);
	return 8;
}

static lt_status purpose_check(const char *purpose, struct lt_error *err)
{
	return store_sqlite_line_check(purpose, "purpose", "say why you need these persons' data",
	                               err);
}

/* ---- the pseudonymisation key ------------------------------------------------------ */

static lt_status pkey_wrap(const struct lt_crypto_data_key *m,
                           const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], unsigned char **out,
                           size_t *outlen, struct lt_error *err)
{
	unsigned char wk[LT_CRYPTO_DATA_KEY_BYTES], ad[8];
	lt_crypto_subkey(m, LT_CRYPTO_SUBKEY_PSEUDONYM, wk);
	lt_status s = lt_crypto_aead_seal(wk, ad, ad_pkey(ad, m->id), key, LT_CRYPTO_DATA_KEY_BYTES,
	                                  out, outlen);
	lt_crypto_wipe(wk, sizeof(wk));
	return s == LT_OK ? LT_OK
	                  : lt_error_set(err, s, NULL, "wrapping the pseudonymisation key failed");
}

static lt_status pkey_unwrap(const struct lt_crypto_data_key *m, const void *wrapped, size_t n,
                             unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], struct lt_error *err)
{
	unsigned char wk[LT_CRYPTO_DATA_KEY_BYTES], ad[8];
	unsigned char *k = NULL;
	size_t kn = 0;
	lt_crypto_subkey(m, LT_CRYPTO_SUBKEY_PSEUDONYM, wk);
	lt_status s = lt_crypto_aead_open(wk, ad, ad_pkey(ad, m->id), wrapped, n, &k, &kn);
	lt_crypto_wipe(wk, sizeof(wk));
	if (s == LT_OK && kn != LT_CRYPTO_DATA_KEY_BYTES)
		s = LT_ECRYPTO;
	if (s == LT_OK)
		memcpy(key, k, LT_CRYPTO_DATA_KEY_BYTES);
	if (k)
		lt_crypto_free_secret(k, kn);
	if (s == LT_ECRYPTO)
		return lt_error_set(
		    err, LT_ECRYPTO, "data-key",
		    "the pseudonymisation key does not open under data key %lu (the "
		    "database was altered, or the key file is not this database's)",
		    (unsigned long)m->id);
	return s == LT_OK ? LT_OK : lt_error_set(err, s, NULL, "out of memory");
}

/*
 * The pseudonymisation key, inside a write on `db`, into `key` (*have
 * true). Checks the key file's current key against master_keys; unwraps the
 * key from the newest copy under a key of `kr`; wraps it under the current
 * key when it is not yet; deletes its copies under retired keys. With no
 * key yet: makes one when `create` (audit "pseudonymkey.create" by
 * `actor`), else *have is false. *have is false too when the database does
 * not know the current key (it then holds no person sealed under it).
 */
static lt_status pkey_load(struct store *s, sqlite3 *db, const struct lt_crypto_keyring *kr,
                           bool create, const char *actor,
                           unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], bool *have,
                           struct lt_error *err)
{
	const struct lt_crypto_data_key *cur = lt_crypto_keyring_current(kr);
	unsigned char check[LT_CRYPTO_KEY_CHECK_BYTES];
	unsigned char *wrapped = NULL;
	size_t wlen = 0;
	sqlite3_stmt *st = NULL;
	uint32_t from = 0;
	bool rows = false, made = false;
	lt_status r = LT_OK;
	int rc;

	*have = false;
	LT_ASSERT(cur);
	lt_crypto_key_check(cur, check);
	if ((r = store_sqlite_prep(db,
	                           "SELECT key_check, retired_at FROM master_keys WHERE id = ?1",
	                           &st, err)) != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, cur->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		goto out; /* nothing is sealed under this key yet */
	if (rc != SQLITE_ROW) {
		r = store_sqlite_fail(db, rc, "reading the data keys", err);
		goto out;
	}
	if (sqlite3_column_bytes(st, 0) != (int)sizeof(check) ||
	    !lt_crypto_equal(sqlite3_column_blob(st, 0), check, sizeof(check))) {
		r = lt_error_set(
		    err, LT_ECRYPTO, "data-key",
		    "data key %lu of the data key file is not this database's data key "
		    "%lu (another installation's key file?)",
		    (unsigned long)cur->id, (unsigned long)cur->id);
		goto out;
	}
	if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
		r = lt_error_set(err, LT_ECRYPTO, "data-key",
		                 "data key %lu was retired by a rotation; use the new key file",
		                 (unsigned long)cur->id);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;

	if ((r = store_sqlite_prep(
	         db,
	         "SELECT master_key_id, wrapped FROM pseudonym_keys ORDER BY master_key_id "
	         "DESC",
	         &st, err)) != LT_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t id = (uint32_t)sqlite3_column_int64(st, 0);
		const struct lt_crypto_data_key *m = lt_crypto_keyring_find(kr, id);
		rows = true;
		if (!m)
			continue;
		if ((r = pkey_unwrap(m, sqlite3_column_blob(st, 1),
		                     (size_t)sqlite3_column_bytes(st, 1), key, err)) != LT_OK)
			goto out;
		from = id;
		*have = true;
		break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = store_sqlite_fail(db, rc, "reading the pseudonymisation key", err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!*have && rows) {
		r = lt_error_set(err, LT_ECRYPTO, "data-key",
		                 "the pseudonymisation key is wrapped only under data keys the key "
		                 "file does not hold (an older key file?)");
		goto out;
	}
	if (!*have) {
		if (!create)
			goto out;
		lt_crypto_random(key, LT_CRYPTO_DATA_KEY_BYTES);
		*have = made = true;
	}
	if (from != cur->id) {
		if ((r = pkey_wrap(cur, key, &wrapped, &wlen, err)) != LT_OK ||
		    (r = store_sqlite_prep(
		         db,
		         "INSERT OR REPLACE INTO pseudonym_keys(master_key_id, wrapped) VALUES "
		         "(?1, ?2)",
		         &st, err)) != LT_OK)
			goto out;
		sqlite3_bind_int64(st, 1, cur->id);
		sqlite3_bind_blob(st, 2, wrapped, (int)wlen, SQLITE_TRANSIENT);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
			r = store_sqlite_fail(db, rc, "storing the pseudonymisation key", err);
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if ((r = store_sqlite_prep(
	         db,
	         "DELETE FROM pseudonym_keys WHERE master_key_id != ?1 AND master_key_id IN "
	         "(SELECT id FROM master_keys WHERE retired_at IS NOT NULL)",
	         &st, err)) != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, cur->id);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		r = store_sqlite_fail(db, rc, "dropping retired copies of the pseudonymisation key",
		                      err);
		goto out;
	}
	if (made) {
		char object[64];
		snprintf(object, sizeof(object), "pseudonymkey:%lu", (unsigned long)cur->id);
		struct store_audit_new e = {actor, "pseudonymkey.create", object, 0, NULL};
		r = store_sqlite_audit(s, db, &e, err);
	}
out:
	sqlite3_finalize(st);
	if (wrapped)
		lt_crypto_free_secret(wrapped, wlen);
	lt_crypto_wipe(check, sizeof(check));
	if (r != LT_OK) {
		lt_crypto_wipe(key, LT_CRYPTO_DATA_KEY_BYTES);
		*have = false;
	}
	return r;
}

/* Give every person that lacks it its pseudonym's lookup, and take it from
 * every erased person. */
static lt_status lookups_fill(sqlite3 *db, const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES],
                              struct lt_error *err)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	lt_status r;
	int rc;

	if ((r = store_sqlite_prep(
	         db,
	         "SELECT id, erased_at IS NOT NULL FROM persons WHERE (pseudo_lookup IS NULL) "
	         "= (erased_at IS NULL)",
	         &sel, err)) != LT_OK ||
	    (r = store_sqlite_prep(db, "UPDATE persons SET pseudo_lookup = ?1 WHERE id = ?2", &upd,
	                           err)) != LT_OK)
		goto out;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(sel, 0);
		if (sqlite3_column_int(sel, 1)) {
			sqlite3_bind_null(upd, 1);
		} else {
			char name[LT_CRYPTO_PSEUDONYM_SIZE];
			lt_crypto_pseudonym(key, id, name);
			sqlite3_bind_int64(upd, 1,
			                   lt_crypto_pseudonym_lookup(key, name, strlen(name)));
		}
		sqlite3_bind_int64(upd, 2, id);
		rc = sqlite3_step(upd);
		sqlite3_reset(upd);
		if (rc == SQLITE_CONSTRAINT) {
			/* 63 bits: about one chance in 2 * 10^9 with 100,000 persons */
			r = lt_error_set(err, LT_ESTORE, NULL,
			                 "the pseudonyms of two persons have the same lookup");
			goto out;
		}
		if (rc != SQLITE_DONE) {
			r = store_sqlite_fail(db, rc, "writing a pseudonym's lookup", err);
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		r = store_sqlite_fail(db, rc, "finding persons without a pseudonym", err);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return r;
}

struct ensure_write {
	struct store *s;
	const struct lt_crypto_keyring *kr;
	const char *actor;
};

static lt_status ensure_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct ensure_write *w = arg;
	unsigned char key[LT_CRYPTO_DATA_KEY_BYTES];
	bool have = false;
	lt_status r = pkey_load(w->s, db, w->kr, false, w->actor, key, &have, err);
	if (r == LT_OK && have)
		r = lookups_fill(db, key, err);
	lt_crypto_wipe(key, sizeof(key));
	return r;
}

lt_status store_sqlite_pseudonym_key_ensure(struct store *s, const struct lt_crypto_keyring *keys,
                                            const char *actor, struct lt_error *err)
{
	if (!keys || keys->n == 0)
		return LT_OK;
	struct ensure_write w = {s, keys, actor};
	return store_sqlite_write(s, ensure_run, &w, err);
}

/* ---- reading ------------------------------------------------------------------ */

/* The columns every query of persons selects, from `persons p` joined with
 * its agency `a` and master key `m`. */
#define PERSON_COLS                                                                                \
	"p.id, p.pseudo_lookup, a.code, a.kind, p.agency_id, p.creator_kind, p.creator_id, "       \
	"EXISTS (SELECT 1 FROM shares s WHERE s.person_id = p.id AND s.to_agency_id = ?9 AND "     \
	"s.kind = 'refer' AND s.revoked_at IS NULL), p.master_key_id, p.key_gen, p.key_wrapped, "  \
	"p.sealed, m.key_check"
#define PERSON_FROM                                                                                \
	" FROM persons p JOIN agencies a ON a.id = p.agency_id LEFT JOIN master_keys m ON m.id = " \
	"p.master_key_id "

/* May p read the person of this row pseudonymised? LT_OK, LT_ENOTFOUND or
 * LT_EFORBIDDEN. */
static lt_status row_access(sqlite3_stmt *st, const struct lt_principal *p)
{
	struct lt_access_facts f;
	const unsigned char *k = sqlite3_column_text(st, 5);
	memset(&f, 0, sizeof(f));
	f.owner_agency_id = sqlite3_column_int64(st, 4);
	f.creator_kind = k && strcmp((const char *)k, "user") == 0    ? LT_PRINCIPAL_USER
	                 : k && strcmp((const char *)k, "token") == 0 ? LT_PRINCIPAL_TOKEN
	                                                              : LT_PRINCIPAL_NONE;
	f.creator_id = sqlite3_column_int64(st, 6);
	f.shared = sqlite3_column_int(st, 7) != 0;
	return lt_access_check(p, LT_ACTION_PERSON_READ_PSEUDONYMISED, &f);
}

/* The person of this row, less what is sealed and what comes from other
 * tables, into pp; its sealed columns into x. */
static lt_status row_take(sqlite3_stmt *st, const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES],
                          struct lt_pseudo_person *pp, struct store_sealed_row *x,
                          struct lt_error *err)
{
	lt_status r;
	int kind;
	lt_pseudo_person_init(pp);
	store_sqlite_sealed_free(x);
	x->id = sqlite3_column_int64(st, 0);
	lt_crypto_pseudonym(key, x->id, pp->pseudonym);
	pp->page_key = sqlite3_column_int64(st, 1);
	store_sqlite_column_copy(st, 2, pp->agency, sizeof(pp->agency));
	if ((r = column_code(st, 3, &lt_vocab_agency_kind, &kind, err)) != LT_OK)
		return r;
	pp->agency_kind = kind;
	return store_sqlite_sealed_take(st, 8, x, err);
}

/* The statements that read a person's referrals, cases and arrests,
 * prepared once for every person of a read. */
struct details {
	sqlite3_stmt *referrals, *cases, *arrests;
};

static void details_close(struct details *d)
{
	sqlite3_finalize(d->referrals);
	sqlite3_finalize(d->cases);
	sqlite3_finalize(d->arrests);
	memset(d, 0, sizeof(*d));
}

static lt_status details_open(sqlite3 *db, struct details *d, struct lt_error *err)
{
	lt_status r;
	memset(d, 0, sizeof(*d));
	if ((r = store_sqlite_prep(
	         db,
	         "SELECT r.date, a.code, a.kind, r.place, r.district, r.country, (SELECT "
	         "group_concat(form) FROM referral_forms f WHERE f.referral_id = r.id) FROM "
	         "referrals r JOIN agencies a ON a.id = r.agency_id WHERE r.person_id = ?1 "
	         "ORDER BY r.date, r.id LIMIT ?2",
	         &d->referrals, err)) != LT_OK ||
	    (r = store_sqlite_prep(
	         db,
	         "SELECT c.id, a.code, a.kind, coalesce(c.status, 'open'), c.opened, c.closed, "
	         "(SELECT group_concat(form) FROM case_forms f WHERE f.case_id = c.id) FROM "
	         "cases c JOIN agencies a ON a.id = c.agency_id WHERE c.id IN (SELECT case_id "
	         "FROM case_persons WHERE person_id = ?1 UNION SELECT case_id FROM referrals "
	         "WHERE person_id = ?1 AND case_id IS NOT NULL) ORDER BY c.opened, c.id LIMIT "
	         "?2",
	         &d->cases, err)) != LT_OK ||
	    (r = store_sqlite_prep(
	         db,
	         "SELECT ar.date, ar.offence, a.code FROM arrests ar JOIN agencies a ON a.id = "
	         "ar.agency_id WHERE ar.case_id = ?1 ORDER BY ar.date, ar.id LIMIT ?2",
	         &d->arrests, err)) != LT_OK)
		details_close(d);
	return r;
}

/* The arrests of case `case_id` into c. */
static lt_status arrests_read(sqlite3 *db, struct details *d, int64_t case_id,
                              struct lt_pseudo_case *c, bool *truncated, struct lt_error *err)
{
	sqlite3_stmt *st = d->arrests;
	lt_status r = LT_OK;
	int rc;
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_int64(st, 2, LT_PSEUDO_ARRESTS_MAX + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (c->n_arrests == LT_PSEUDO_ARRESTS_MAX) {
			*truncated = true;
			break;
		}
		struct lt_pseudo_arrest *a = &c->arrests[c->n_arrests++];
		if ((r = column_month(st, 0, &a->date, err)) != LT_OK ||
		    (r = column_code(st, 1, &lt_vocab_offence, &a->offence, err)) != LT_OK)
			goto out;
		store_sqlite_column_copy(st, 2, a->agency, sizeof(a->agency));
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_sqlite_fail(db, rc, "reading the arrests of a case", err);
out:
	sqlite3_reset(st);
	return r;
}

/* The person's referrals, cases and their arrests, oldest first. */
static lt_status details_read(sqlite3 *db, struct details *d, int64_t id,
                              struct lt_pseudo_person *pp, struct lt_error *err)
{
	sqlite3_stmt *st = d->referrals;
	lt_status r = LT_OK;
	int rc, k;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, LT_PSEUDO_REFERRALS_MAX + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (pp->n_referrals == LT_PSEUDO_REFERRALS_MAX) {
			pp->truncated = true;
			break;
		}
		struct lt_pseudo_referral *x = &pp->referrals[pp->n_referrals++];
		if ((r = column_month(st, 0, &x->date, err)) != LT_OK)
			goto out;
		store_sqlite_column_copy(st, 1, x->agency, sizeof(x->agency));
		if ((r = column_code(st, 2, &lt_vocab_agency_kind, &x->agency_kind, err)) !=
		        LT_OK ||
		    (r = column_code(st, 3, &lt_vocab_place, &k, err)) != LT_OK)
			goto out;
		x->place = k < 0 ? LT_PLACE_UNKNOWN : (enum lt_place)k;
		if ((r = column_code(st, 4, &lt_vocab_district, &x->district, err)) != LT_OK ||
		    (r = column_code(st, 5, &lt_vocab_country, &x->country, err)) != LT_OK ||
		    (r = column_forms(st, 6, &x->forms, err)) != LT_OK)
			goto out;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = store_sqlite_fail(db, rc, "reading a person's referrals", err);
		goto out;
	}
	sqlite3_reset(st);

	st = d->cases;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, LT_PSEUDO_CASES_MAX + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (pp->n_cases == LT_PSEUDO_CASES_MAX) {
			pp->truncated = true;
			break;
		}
		struct lt_pseudo_case *c = &pp->cases[pp->n_cases++];
		store_sqlite_column_copy(st, 1, c->agency, sizeof(c->agency));
		if ((r = column_code(st, 2, &lt_vocab_agency_kind, &c->agency_kind, err)) !=
		        LT_OK ||
		    (r = column_code(st, 3, &lt_vocab_case_status, &c->status, err)) != LT_OK ||
		    (r = column_month(st, 4, &c->opened, err)) != LT_OK ||
		    (r = column_month(st, 5, &c->closed, err)) != LT_OK ||
		    (r = column_forms(st, 6, &c->forms, err)) != LT_OK ||
		    (r = arrests_read(db, d, sqlite3_column_int64(st, 0), c, &pp->truncated,
		                      err)) != LT_OK)
			goto out;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_sqlite_fail(db, rc, "reading a person's cases", err);
out:
	sqlite3_reset(st);
	return r;
}

/* Audit one person handed out. */
static lt_status audit_read(struct store *s, sqlite3 *db, const struct lt_principal *p, int64_t id,
                            const char *purpose, struct lt_error *err)
{
	char actor[64], object[64];
	store_sqlite_actor_of(p, actor);
	snprintf(object, sizeof(object), "person:%lld", (long long)id);
	struct store_audit_new e = {actor, AUDIT_ACTION, object, id, purpose};
	return store_sqlite_audit(s, db, &e, err);
}

/* One read: a list (pseudonym NULL) or one person. */
struct read_write {
	struct store *s;
	const struct lt_crypto_keyring *kr;
	const struct lt_principal *p;
	const struct store_pseudo_query *q; /* a list */
	const char *pseudonym;              /* or one person */
	const char *purpose;
	struct lt_pseudo_person *out;  /* caller's: limit (1 for one person) */
	struct store_sealed_row *rows; /* heap: limit */
	size_t limit;
	size_t n;  /* out */
	bool more; /* out */
};

static void read_reset(struct read_write *w)
{
	for (size_t i = 0; i < w->n; i++) {
		lt_pseudo_person_release(&w->out[i]);
		store_sqlite_sealed_free(&w->rows[i]);
	}
	w->n = 0;
	w->more = false;
}

static lt_status read_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct read_write *w = arg;
	unsigned char key[LT_CRYPTO_DATA_KEY_BYTES];
	char actor[64];
	sqlite3_stmt *st = NULL;
	struct details d = {0};
	bool have = false;
	int64_t agency = 0;
	lt_status r;
	int rc;

	read_reset(w);
	store_sqlite_actor_of(w->p, actor);
	memset(key, 0, sizeof(key));
	if ((r = pkey_load(w->s, db, w->kr, true, actor, key, &have, err)) != LT_OK)
		goto out;
	if (!have) {
		/* no person is sealed under the current key: none to list or find */
		if (w->pseudonym)
			r = lt_error_set(err, LT_ENOTFOUND, NULL, "no person %s", w->pseudonym);
		goto out;
	}
	if ((r = lookups_fill(db, key, err)) != LT_OK)
		goto out;
	if (w->q && w->q->agency) {
		if ((r = store_sqlite_prep(db, "SELECT id FROM agencies WHERE code = ?1", &st,
		                           err)) != LT_OK)
			goto out;
		sqlite3_bind_text(st, 1, w->q->agency, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			agency = sqlite3_column_int64(st, 0);
		} else {
			r = rc == SQLITE_DONE ? lt_error_set(err, LT_EINVAL, "agency",
			                                     "there is no agency with this code")
			                      : store_sqlite_fail(db, rc, "reading an agency", err);
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (w->pseudonym) {
		r = store_sqlite_prep(db,
		                      "SELECT " PERSON_COLS PERSON_FROM
		                      "WHERE p.pseudo_lookup = ?1 AND p.erased_at IS NULL",
		                      &st, err);
		if (r == LT_OK)
			sqlite3_bind_int64(
			    st, 1,
			    lt_crypto_pseudonym_lookup(key, w->pseudonym, strlen(w->pseudonym)));
	} else {
		char from[LT_DATE_TEXT] = "", to[LT_DATE_TEXT] = "";
		if (w->q->from.year)
			lt_date_format(&w->q->from, from);
		if (w->q->to.year)
			lt_date_format(&w->q->to, to);
		r = store_sqlite_prep(
		    db,
		    "SELECT " PERSON_COLS PERSON_FROM
		    "WHERE p.pseudo_lookup <= ?1 AND p.erased_at IS NULL AND (?2 = 0 OR "
		    "p.agency_id = ?2) AND ((?3 IS NULL AND ?4 IS NULL) OR EXISTS (SELECT 1 FROM "
		    "referrals r WHERE r.person_id = p.id AND (?3 IS NULL OR r.date >= ?3) AND "
		    "(?4 IS NULL OR substr(r.date, 1, length(?4)) <= ?4))) ORDER BY "
		    "p.pseudo_lookup DESC",
		    &st, err);
		if (r == LT_OK) {
			sqlite3_bind_int64(st, 1, w->q->below > 0 ? w->q->below - 1 : INT64_MAX);
			sqlite3_bind_int64(st, 2, agency);
			if (from[0])
				sqlite3_bind_text(st, 3, from, -1, SQLITE_TRANSIENT);
			if (to[0])
				sqlite3_bind_text(st, 4, to, -1, SQLITE_TRANSIENT);
		}
	}
	if (r != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 9, w->p->agency_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		lt_status a = row_access(st, w->p);
		if (a != LT_OK) {
			if (w->pseudonym) {
				r = a == LT_EFORBIDDEN
				        ? lt_error_set(
				              err, a, NULL,
				              "your role may not read this person pseudonymised")
				        : lt_error_set(err, a, NULL, "no person %s", w->pseudonym);
				goto out;
			}
			continue; /* outside the caller's scope: not listed */
		}
		if (w->n == w->limit) {
			w->more = true;
			break;
		}
		if ((r = row_take(st, key, &w->out[w->n], &w->rows[w->n], err)) != LT_OK) {
			w->n++;
			goto out;
		}
		w->n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = store_sqlite_fail(db, rc, "reading persons", err);
		goto out;
	}
	if (w->pseudonym && w->n == 0) {
		r = lt_error_set(err, LT_ENOTFOUND, NULL, "no person %s", w->pseudonym);
		goto out;
	}
	if (w->n && (r = details_open(db, &d, err)) != LT_OK)
		goto out;
	for (size_t i = 0; i < w->n; i++)
		if ((r = details_read(db, &d, w->rows[i].id, &w->out[i], err)) != LT_OK ||
		    (r = audit_read(w->s, db, w->p, w->rows[i].id, w->purpose, err)) != LT_OK)
			goto out;
out:
	details_close(&d);
	sqlite3_finalize(st);
	lt_crypto_wipe(key, sizeof(key));
	return r;
}

/* Run a read and, once it committed, open each person's sealed fields and
 * keep what an analyst may see. */
static lt_status read_do(struct store *s, struct read_write *w, struct lt_error *err)
{
	lt_status r;
	for (size_t i = 0; i < w->limit; i++)
		lt_pseudo_person_init(&w->out[i]);
	if (!(w->rows = calloc(w->limit, sizeof(*w->rows))))
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	r = store_sqlite_write(s, read_run, w, err);
	/* The reads are recorded; now open them. */
	for (size_t i = 0; r == LT_OK && i < w->n; i++) {
		struct store_sealed_row *x = &w->rows[i];
		struct lt_person p;
		r = store_sqlite_person_open(
		    w->kr, x->id, x->master, x->gen, x->check_len ? x->check : NULL, x->check_len,
		    x->wrapped, x->wrapped_len, x->sealed, x->sealed_len, &p, err);
		if (r == LT_OK)
			lt_pseudo_person_from(&p, &w->out[i]);
		lt_person_release(&p);
	}
	for (size_t i = 0; i < w->limit; i++)
		store_sqlite_sealed_free(&w->rows[i]);
	free(w->rows);
	w->rows = NULL;
	if (r != LT_OK) {
		for (size_t i = 0; i < w->limit; i++)
			lt_pseudo_person_release(&w->out[i]);
		w->n = 0;
		w->more = false;
	}
	return r;
}

lt_status store_sqlite_pseudo_list(struct store *s, const struct lt_crypto_keyring *keys,
                                   const struct lt_principal *p, const struct store_pseudo_query *q,
                                   struct lt_pseudo_person *out, size_t *n, bool *more,
                                   struct lt_error *err)
{
	lt_status r;
	*n = 0;
	if (more)
		*more = false;
	LT_ASSERT(p && q && q->limit >= 1 && q->limit <= LT_API_PAGE_MAX);
	if ((r = lt_access_check(p, LT_ACTION_PERSON_READ_PSEUDONYMISED, NULL)) != LT_OK)
		return lt_error_set(err, r, NULL, "your role may not read persons pseudonymised");
	if ((r = purpose_check(q->purpose, err)) != LT_OK ||
	    (r = store_sqlite_keys_check(keys, err)) != LT_OK)
		return r;
	struct read_write w = {s, keys, p, q, NULL, q->purpose, out, NULL, q->limit, 0, false};
	if ((r = read_do(s, &w, err)) == LT_OK) {
		*n = w.n;
		if (more)
			*more = w.more;
	}
	return r;
}

lt_status store_sqlite_pseudo_get(struct store *s, const struct lt_crypto_keyring *keys,
                                  const struct lt_principal *p, const char *pseudonym,
                                  const char *purpose, struct lt_pseudo_person *out,
                                  struct lt_error *err)
{
	lt_status r;
	LT_ASSERT(p && pseudonym);
	lt_pseudo_person_init(out);
	if ((r = lt_access_check(p, LT_ACTION_PERSON_READ_PSEUDONYMISED, NULL)) != LT_OK)
		return lt_error_set(err, r, NULL, "your role may not read persons pseudonymised");
	if ((r = purpose_check(purpose, err)) != LT_OK ||
	    (r = store_sqlite_keys_check(keys, err)) != LT_OK)
		return r;
	if (!lt_crypto_pseudonym_well_formed(pseudonym, strlen(pseudonym)))
		return lt_error_set(err, LT_ENOTFOUND, NULL, "no such person");
	struct read_write w = {s, keys, p, NULL, pseudonym, purpose, out, NULL, 1, 0, false};
	return read_do(s, &w, err);
}

/* ---- for tests -------------------------------------------------------------------- */

struct debug_write {
	struct store *s;
	const struct lt_crypto_keyring *kr;
	int64_t id;
	char *out;
};

static lt_status debug_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct debug_write *w = arg;
	unsigned char key[LT_CRYPTO_DATA_KEY_BYTES];
	bool have = false;
	lt_status r = pkey_load(w->s, db, w->kr, true, "test", key, &have, err);
	if (r == LT_OK && !have)
		r = lt_error_set(err, LT_ENOTFOUND, NULL, "no data key is recorded yet");
	if (r == LT_OK)
		lt_crypto_pseudonym(key, w->id, w->out);
	lt_crypto_wipe(key, sizeof(key));
	return r;
}

lt_status store_sqlite_debug_pseudonym(struct store *s, const struct lt_crypto_keyring *keys,
                                       int64_t id, char *out, struct lt_error *err)
{
	lt_status r = store_sqlite_keys_check(keys, err);
	struct debug_write w = {s, keys, id, out};
	out[0] = '\0';
	return r == LT_OK ? store_sqlite_write(s, debug_run, &w, err) : r;
}
