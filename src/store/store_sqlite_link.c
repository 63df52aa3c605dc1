/*
 * store_sqlite_link.c — record linkage of persons in the SQLite backend:
 * persons opened for linkage, match decisions, trained models (store.h,
 * "Record linkage"; linkage/link_persons.h; docs/linkage.md, "Linkage in
 * the service"). One of the store_sqlite*.c files that include <sqlite3.h>.
 *
 * Reads. As every read of personal data (store_sqlite_person.c,
 * store_sqlite_pseudo.c): a write closure decides access for each person
 * (lt_access_check of person.read with the row's facts, and the identity
 * class visible: owned by the principal's agency, or referred to it with
 * identity among the classes), gathers the sealed columns and appends one
 * audit entry ("person.link") per person handed out; only after it
 * committed are the persons opened, in the caller's thread, turned into
 * rows (lt_link_person_add) and wiped. The closure may run again from the
 * start when its batch restarts, so it resets what it gathered.
 *
 * Candidates. The terms of the person searched for
 * (lt_link_person_index_terms) are hashed under the INDEX key of every
 * master key of the key file, exactly as the blind index stores them. The
 * persons holding any hash of its whole names "n:", words "t:" or full
 * date of birth "d:" are candidates; so are those holding the hash of one
 * of its phonetic codes with its year of birth "q:" (one indexed lookup;
 * intersecting the persons of a code "p:" with those of a year "y:" gave
 * the same candidates but read every person born that year); without a
 * year of birth, those holding the codes "p:" of two different words of
 * its name (one sound-alike word alone, or a year or month alone, is
 * shared by a great many persons); and so are the persons decided the same
 * as it (whatever their names). So the search reads only the index, the
 * decisions and the candidates' rows, and the database learns nothing it
 * did not hold.
 *
 * Decisions and models hold no personal data: ids, who, when, why, and a
 * model's m/u (the writer refuses a model with term-frequency tables, which
 * list names).
 *
 * Nothing here prints, logs or puts a personal value into an error message.
 */
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "core/bug.h"
#include "linkage/link_compare.h"
#include "linkage/link_persons.h"
#include "core/banned.h"

#define INDEX_BYTES    16
#define LINK_ACTION    "person.link"
#define MODEL_JSON_MAX (4L * 1024 * 1024)

/* ---- small helpers ------------------------------------------------------------ */

/* ---- reading persons for linkage ----------------------------------------------- */

/* The columns every query selects, from persons p, agencies a, master_keys m;
 * ?9 is the principal's agency (0 for the operator). Column 5: a referral
 * share to that agency holds; 6: one of them shows the identity class. */
#define PERSON_COLS                                                                                \
	"p.id, a.code, p.agency_id, p.creator_kind, p.creator_id, "                                \
	"EXISTS (SELECT 1 FROM shares s WHERE s.person_id = p.id AND s.to_agency_id = ?9 AND "     \
	"s.kind = 'refer' AND s.revoked_at IS NULL), "                                             \
	"EXISTS (SELECT 1 FROM shares s WHERE s.person_id = p.id AND s.to_agency_id = ?9 AND "     \
	"s.kind = 'refer' AND s.revoked_at IS NULL AND (s.classes & " IDENTITY_BIT ") != 0), "     \
	"p.master_key_id, p.key_gen, p.key_wrapped, p.sealed, m.key_check, p.erased_at IS NOT "    \
	"NULL"
#define PERSON_FROM                                                                                \
	" FROM persons p JOIN agencies a ON a.id = p.agency_id LEFT JOIN master_keys m ON m.id = " \
	"p.master_key_id "
#define IDENTITY_BIT "2" /* 1u << LT_DATA_IDENTITY, checked below */
_Static_assert((1u << LT_DATA_IDENTITY) == 2, "IDENTITY_BIT is 1 << LT_DATA_IDENTITY");

/* May p do `a` to the person of this row? LT_OK, LT_ENOTFOUND or
 * LT_EFORBIDDEN; *identity (may be NULL) says whether p may see its identity
 * (owned by p's agency, or referred to it with the identity class). The
 * operator (p NULL) may, and sees everything. */
static lt_status row_access(sqlite3_stmt *st, const struct lt_principal *p, enum lt_action a,
                            bool *identity)
{
	struct lt_access_facts f;
	const unsigned char *k = sqlite3_column_text(st, 3);
	if (identity)
		*identity = true;
	if (!p)
		return LT_OK;
	memset(&f, 0, sizeof(f));
	f.owner_agency_id = sqlite3_column_int64(st, 2);
	f.creator_kind = k && strcmp((const char *)k, "user") == 0    ? LT_PRINCIPAL_USER
	                 : k && strcmp((const char *)k, "token") == 0 ? LT_PRINCIPAL_TOKEN
	                                                              : LT_PRINCIPAL_NONE;
	f.creator_id = sqlite3_column_int64(st, 4);
	f.shared = sqlite3_column_int(st, 5) != 0;
	if (identity)
		*identity = f.owner_agency_id == p->agency_id || sqlite3_column_int(st, 6) != 0;
	return lt_access_check(p, a, &f);
}

static lt_status row_take(sqlite3_stmt *st, struct store_sealed_row *x, struct lt_error *err)
{
	store_sqlite_sealed_free(x);
	x->id = sqlite3_column_int64(st, 0);
	store_sqlite_column_copy(st, 1, x->agency, sizeof(x->agency));
	return store_sqlite_sealed_take(st, 7, x, err);
}

struct link_read {
	struct store *s;
	const struct lt_principal *p; /* NULL: the operator */
	const char *actor;            /* the operator's actor */
	const char *purpose;
	int64_t only;    /* read this one person (errors if not visible) */
	int64_t exclude; /* else candidates or all, leaving this one out */
	/* candidates: hashes[0..nh-1], of which the first n_any are terms any
	 * one of which makes a candidate, the rest phonetic codes "p:", hashes[i]
	 * of word[i] of the name (a person holding the codes of two different
	 * words is a candidate); NULL: all */
	const unsigned char (*hashes)[INDEX_BYTES];
	size_t nh, n_any;
	const int *word;
	size_t limit;                  /* persons at most (0: none) */
	struct store_sealed_row *rows; /* heap, grown */
	size_t n, cap;                 /* out */
	bool truncated;                /* out */
	bool hidden;                   /* out: `only` may be read, not its identity */
};

static void read_reset(struct link_read *w)
{
	for (size_t i = 0; i < w->n; i++)
		store_sqlite_sealed_free(&w->rows[i]);
	w->n = 0;
	w->truncated = false;
	w->hidden = false;
}

static lt_status rows_grow(struct link_read *w, struct lt_error *err)
{
	size_t was = w->cap;
	lt_status r = store_sqlite_grow(&w->rows, w->n, &w->cap, sizeof(*w->rows), 64, err);
	if (r == LT_OK)
		memset(w->rows + was, 0, (w->cap - was) * sizeof(*w->rows));
	return r;
}

static lt_status link_read_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct link_read *w = arg;
	sqlite3_stmt *st = NULL;
	struct lt_buf sql;
	char who[64], object[64];
	lt_status r = LT_OK;
	int rc;

	read_reset(w);
	lt_buf_init(&sql, 64 * 1024);
	if (w->p)
		store_sqlite_actor_of(w->p, who);
	if (w->only) {
		lt_buf_puts(&sql, "SELECT " PERSON_COLS PERSON_FROM "WHERE p.id = ?1");
	} else if (w->hashes) {
		lt_buf_puts(&sql,
		            "SELECT " PERSON_COLS PERSON_FROM
		            "WHERE p.erased_at IS NULL AND p.id != ?1 AND (p.id IN (SELECT "
		            "person_b FROM match_decisions WHERE person_a = ?1 AND decision = "
		            "'same' UNION SELECT person_a FROM match_decisions WHERE person_b = "
		            "?1 AND decision = 'same') OR p.id IN (SELECT person_id FROM "
		            "person_index WHERE hash IN (");
		for (size_t i = 0; i < w->n_any; i++)
			lt_buf_printf(&sql, "%s?%zu", i ? ", " : "", i + 10);
		lt_buf_puts(&sql, ")");
		if (w->nh > w->n_any) {
			/* two words of the name, each sounding like one of the person's */
			lt_buf_puts(&sql,
			            " UNION SELECT i.person_id FROM person_index i JOIN (VALUES ");
			for (size_t i = w->n_any; i < w->nh; i++)
				lt_buf_printf(&sql, "%s(?%zu, %d)", i > w->n_any ? ", " : "",
				              i + 10, w->word[i]);
			lt_buf_puts(&sql, ") s ON i.hash = s.column1 GROUP BY i.person_id HAVING "
			                  "count(DISTINCT s.column2) >= 2");
		}
		lt_buf_puts(&sql, ")) ORDER BY p.id DESC");
	} else {
		lt_buf_puts(&sql, "SELECT " PERSON_COLS PERSON_FROM
		                  "WHERE p.erased_at IS NULL AND p.id != ?1 ORDER BY p.id");
	}
	if (sql.len == 0 || (r = store_sqlite_prep(db, sql.data, &st, err)) != LT_OK) {
		if (r == LT_OK)
			r = lt_error_set(err, LT_ENOMEM, NULL, "the search is too large");
		goto out;
	}
	sqlite3_bind_int64(st, 1, w->only ? w->only : w->exclude);
	sqlite3_bind_int64(st, 9, w->p ? w->p->agency_id : 0);
	for (size_t i = 0; w->hashes && i < w->nh; i++)
		sqlite3_bind_blob(st, (int)i + 10, w->hashes[i], INDEX_BYTES, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool identity = false;
		lt_status a = row_access(st, w->p, LT_ACTION_PERSON_READ, &identity);
		if (a == LT_OK && !identity && !w->only)
			continue; /* shared without its identity: not a record to link */
		if (a != LT_OK) {
			if (w->only) {
				r = a == LT_EFORBIDDEN
				        ? lt_error_set(err, a, NULL,
				                       "your role may not read this person")
				        : lt_error_set(err, LT_ENOTFOUND, NULL, "no person %lld",
				                       (long long)w->only);
				goto out;
			}
			continue;
		}
		if (w->only && sqlite3_column_int(st, 12)) {
			r = lt_error_set(err, LT_EINVAL, "person",
			                 "person %lld was erased: there is nothing to link",
			                 (long long)w->only);
			goto out;
		}
		if (w->only && !identity) {
			/* asked about a person shared without its identity: nothing to
			 * link it by; the request is audited, nothing is opened */
			w->hidden = true;
			snprintf(object, sizeof(object), "person:%lld", (long long)w->only);
			struct store_audit_new e = {who, LINK_ACTION, object, w->only, w->purpose};
			r = store_sqlite_audit(w->s, db, &e, err);
			goto out;
		}
		if (w->limit && w->n == w->limit) {
			w->truncated = true;
			break;
		}
		if ((r = rows_grow(w, err)) != LT_OK)
			goto out;
		w->n++;
		if ((r = row_take(st, &w->rows[w->n - 1], err)) != LT_OK)
			goto out;
		snprintf(object, sizeof(object), "person:%lld", (long long)w->rows[w->n - 1].id);
		struct store_audit_new e = {w->p ? who : w->actor, LINK_ACTION, object,
		                            w->rows[w->n - 1].id, w->purpose};
		if ((r = store_sqlite_audit(w->s, db, &e, err)) != LT_OK)
			goto out;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = store_sqlite_fail(db, rc, "reading persons", err);
		goto out;
	}
	if (w->only && w->n == 0 && !w->hidden)
		r = lt_error_set(err, LT_ENOTFOUND, NULL, "no person %lld", (long long)w->only);
out:
	sqlite3_finalize(st);
	lt_buf_release(&sql);
	return r;
}

/* Run a read, then open each person read into t (source: its agency). */
static lt_status link_read_do(struct store *s, const struct lt_crypto_keyring *keys,
                              struct link_read *w, struct lt_link_table *t, struct lt_person *keep,
                              struct lt_error *err)
{
	lt_status r = store_sqlite_write(s, link_read_run, w, err);
	for (size_t i = 0; r == LT_OK && i < w->n; i++) {
		struct store_sealed_row *x = &w->rows[i];
		struct lt_person p;
		uint32_t src = 0;
		r = store_sqlite_person_open(
		    keys, x->id, x->master, x->gen, x->check_len ? x->check : NULL, x->check_len,
		    x->wrapped, x->wrapped_len, x->sealed, x->sealed_len, &p, err);
		if (r != LT_OK)
			break;
		p.id = x->id;
		memcpy(p.agency, x->agency, sizeof(p.agency));
		if ((r = lt_link_table_source(t, x->agency, &src)) == LT_OK)
			r = lt_link_person_add(t, src, &p);
		if (r != LT_OK)
			r = lt_error_set(err, r, NULL, "the linkage table could not grow");
		if (keep && i == 0 && r == LT_OK) {
			*keep = p; /* the caller releases it */
			continue;
		}
		lt_person_release(&p);
	}
	for (size_t i = 0; i < w->cap; i++)
		store_sqlite_sealed_free(&w->rows[i]);
	free(w->rows);
	w->rows = NULL;
	w->cap = w->n = 0;
	return r;
}

/*
 * Append to hashes[*nh..] the hashes of "p:<code>" for the Double Metaphone
 * codes of each word ("t:" term) of `terms`, under every key of `keys`,
 * with words[i] the index of the word the code came from (a code already
 * given by an earlier word is left out, so one word never counts twice).
 * None when fewer than two words have a code of their own: a single
 * sound-alike word is shared by too many persons. The arrays have room for
 * every term of `terms` under every key (each code is a "p:" term there).
 */
static void sound_hashes(const struct lt_index_terms *terms, const struct lt_crypto_keyring *keys,
                         unsigned char (*hashes)[INDEX_BYTES], int *words, size_t *nh)
{
	char seen[2 * LT_INDEX_WORDS_MAX][LT_LINK_DMETA_SIZE];
	int seen_word[2 * LT_INDEX_WORDS_MAX];
	char text[LT_PERSON_NAME_MAX * 3 + 1], term[2 + LT_LINK_DMETA_SIZE];
	char code[2][LT_LINK_DMETA_SIZE];
	size_t nseen = 0;
	int word = 0, coded = 0;
	for (size_t i = 0; i < terms->n && nseen < 2 * LT_INDEX_WORDS_MAX; i++) {
		const char *t = lt_index_term(terms, i);
		if (t[0] != 't')
			continue;
		snprintf(text, sizeof(text), "%s", t + 2);
		lt_link_double_metaphone(text, code[0], code[1]);
		bool any = false;
		for (int k = 0; k < 2 && nseen < 2 * LT_INDEX_WORDS_MAX; k++) {
			bool dup = !code[k][0];
			for (size_t j = 0; j < nseen && !dup; j++)
				dup = strcmp(seen[j], code[k]) == 0;
			if (dup)
				continue;
			memcpy(seen[nseen], code[k], LT_LINK_DMETA_SIZE);
			seen_word[nseen++] = word;
			any = true;
		}
		coded += any;
		word++;
	}
	if (coded >= 2)
		for (size_t k = 0; k < keys->n; k++) {
			unsigned char ik[LT_CRYPTO_DATA_KEY_BYTES];
			lt_crypto_subkey(&keys->keys[k], LT_CRYPTO_SUBKEY_INDEX, ik);
			for (size_t j = 0; j < nseen; j++) {
				int n = snprintf(term, sizeof(term), "p:%s", seen[j]);
				lt_crypto_keyed_hash(hashes[*nh], INDEX_BYTES, ik, term, (size_t)n,
				                     NULL, 0);
				words[(*nh)++] = seen_word[j];
			}
			lt_crypto_wipe(ik, sizeof(ik));
		}
	lt_crypto_wipe(text, sizeof(text));
	lt_crypto_wipe(seen, sizeof(seen));
	lt_crypto_wipe(code, sizeof(code));
	lt_crypto_wipe(term, sizeof(term));
}

lt_status store_sqlite_link_persons(struct store *s, const struct lt_crypto_keyring *keys,
                                    const struct lt_principal *p, const char *actor,
                                    const struct store_link_query *q, struct lt_link_table *out,
                                    bool *truncated, struct lt_error *err)
{
	struct lt_index_terms terms;
	struct lt_person of;
	unsigned char(*hashes)[INDEX_BYTES] = NULL;
	int *words = NULL;
	size_t nh = 0, n_any = 0;
	lt_status r;

	lt_index_terms_init(&terms);
	lt_person_init(&of);
	if (truncated)
		*truncated = false;
	if ((r = lt_link_person_table_init(out)) != LT_OK)
		return lt_error_set(err, r, NULL, "out of memory");
	LT_ASSERT(p || (actor && actor[0]));
	if (p && (r = lt_access_check(p, LT_ACTION_PERSON_READ, NULL)) != LT_OK) {
		r = lt_error_set(err, r, NULL, "your role may not read persons");
		goto out;
	}
	if ((r = store_sqlite_line_check(q->purpose, "purpose",
	                                 "say why these persons' data is read", err)) != LT_OK ||
	    (r = store_sqlite_keys_check(keys, err)) != LT_OK)
		goto out;

	const struct lt_person *like = q->like;
	if (q->of) {
		struct link_read w1 = {s, p,    actor, q->purpose, q->of, 0, NULL,  0,
		                       0, NULL, 1,     NULL,       0,     0, false, false};
		if ((r = link_read_do(s, keys, &w1, out, &of, err)) != LT_OK || w1.hidden)
			goto out; /* hidden: an empty table, nothing to link it by */
		like = &of;
	} else if (like) {
		uint32_t src = 0;
		if ((r = lt_link_table_source(out, like->agency, &src)) != LT_OK ||
		    (r = lt_link_person_add(out, src, like)) != LT_OK) {
			r = lt_error_set(err, r, NULL, "the linkage table could not grow");
			goto out;
		}
	}
	if (like) {
		if ((r = lt_link_person_index_terms(like, &terms)) != LT_OK) {
			r = lt_error_set(err, r, NULL, "indexing the person failed");
			goto out;
		}
		hashes = calloc((terms.n ? terms.n : 1) * keys->n, sizeof(*hashes));
		words = calloc((terms.n ? terms.n : 1) * keys->n, sizeof(*words));
		if (!hashes || !words) {
			r = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
			goto out;
		}
		/* The terms any of which makes a candidate: a whole name, a word,
		 * the full date of birth, a phonetic code with the year (a year or
		 * a month alone, or a code alone, is shared by too many persons). */
		for (size_t k = 0; k < keys->n; k++) {
			unsigned char ik[LT_CRYPTO_DATA_KEY_BYTES];
			lt_crypto_subkey(&keys->keys[k], LT_CRYPTO_SUBKEY_INDEX, ik);
			for (size_t i = 0; i < terms.n; i++) {
				const char *term = lt_index_term(&terms, i);
				if (!strchr("ntdq", term[0]))
					continue;
				lt_crypto_keyed_hash(hashes[nh++], INDEX_BYTES, ik, term,
				                     strlen(term), NULL, 0);
			}
			lt_crypto_wipe(ik, sizeof(ik));
		}
		n_any = nh;
		/* Without a year of birth: the phonetic codes of each word, which
		 * count when two different words sound alike. */
		if (like->dob.year == 0)
			sound_hashes(&terms, keys, hashes, words, &nh);
		if (nh == 0)
			goto out; /* nothing to find candidates by */
	}
	struct link_read w = {s,
	                      p,
	                      actor,
	                      q->purpose,
	                      0,
	                      like ? like->id : 0,
	                      (const unsigned char(*)[INDEX_BYTES])hashes,
	                      nh,
	                      n_any,
	                      words,
	                      like ? LT_LINK_CANDIDATES_MAX : 0,
	                      NULL,
	                      0,
	                      0,
	                      false,
	                      false};
	if (hashes == NULL)
		w.hashes = NULL;
	r = link_read_do(s, keys, &w, out, NULL, err);
	if (r == LT_OK && truncated)
		*truncated = w.truncated;
out:
	if (hashes)
		lt_crypto_free_secret(hashes, (terms.n ? terms.n : 1) * keys->n * sizeof(*hashes));
	free(words);
	lt_index_terms_release(&terms);
	lt_person_release(&of);
	if (r != LT_OK) {
		lt_link_person_table_wipe(out);
		lt_link_person_table_init(out);
	}
	return r;
}

/* ---- match decisions -------------------------------------------------------------- */

struct decide_write {
	struct store *s;
	const struct lt_principal *p;
	int64_t a, b;
	bool same;
	const char *reason;
};

/* Decide access to person `id` for a decision (person.match_decide on its
 * facts; a decision names ids only, so a person shared without its identity
 * may be decided on): LT_OK, or LT_ENOTFOUND / LT_EFORBIDDEN / LT_EINVAL
 * (erased) with a message. */
static lt_status decide_access(sqlite3 *db, const struct lt_principal *p, int64_t id,
                               struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status r;
	int rc;
	if ((r = store_sqlite_prep(db, "SELECT " PERSON_COLS PERSON_FROM "WHERE p.id = ?1", &st,
	                           err)) != LT_OK)
		return r;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 9, p->agency_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = lt_error_set(err, LT_ENOTFOUND, NULL, "no person %lld", (long long)id);
	} else if (rc != SQLITE_ROW) {
		r = store_sqlite_fail(db, rc, "reading a person", err);
	} else if ((r = row_access(st, p, LT_ACTION_PERSON_MATCH_DECIDE, NULL)) != LT_OK) {
		r = r == LT_EFORBIDDEN
		        ? lt_error_set(err, r, NULL, "your role may not record match decisions")
		        : lt_error_set(err, LT_ENOTFOUND, NULL, "no person %lld", (long long)id);
	} else if (sqlite3_column_int(st, 12)) {
		r = lt_error_set(err, LT_EINVAL, "other",
		                 "person %lld was erased: there is nothing to decide",
		                 (long long)id);
	}
	sqlite3_finalize(st);
	return r;
}

static lt_status decide_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct decide_write *w = arg;
	sqlite3_stmt *st = NULL;
	char who[64], object[64];
	lt_status r;
	int rc;

	if ((r = decide_access(db, w->p, w->a, err)) != LT_OK ||
	    (r = decide_access(db, w->p, w->b, err)) != LT_OK)
		return r;
	store_sqlite_actor_of(w->p, who);
	if ((r = store_sqlite_prep(
	         db,
	         "INSERT OR REPLACE INTO match_decisions(person_a, person_b, decision, actor, "
	         "reason) VALUES (?1, ?2, ?3, ?4, ?5)",
	         &st, err)) != LT_OK)
		return r;
	sqlite3_bind_int64(st, 1, w->a < w->b ? w->a : w->b);
	sqlite3_bind_int64(st, 2, w->a < w->b ? w->b : w->a);
	sqlite3_bind_text(st, 3, w->same ? "same" : "not_same", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, who, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, w->reason, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(db, rc, "recording a match decision", err);
	int64_t ids[2] = {w->a, w->b};
	for (int i = 0; i < 2 && r == LT_OK; i++) {
		snprintf(object, sizeof(object), "person:%lld", (long long)ids[i]);
		struct store_audit_new e = {who, "person.match_decide", object, ids[i], w->reason};
		r = store_sqlite_audit(w->s, db, &e, err);
	}
	return r;
}

lt_status store_sqlite_match_decide(struct store *s, const struct lt_principal *p, int64_t a,
                                    int64_t b, bool same, const char *reason, struct lt_error *err)
{
	lt_status r;
	LT_ASSERT(p);
	if ((r = lt_access_check(p, LT_ACTION_PERSON_MATCH_DECIDE, NULL)) != LT_OK)
		return lt_error_set(err, r, NULL, "your role may not record match decisions");
	if ((r = store_sqlite_line_check(
	         reason, "reason", "say why the two are or are not the same person", err)) != LT_OK)
		return r;
	if (a <= 0 || b <= 0)
		return lt_error_set(err, LT_ENOTFOUND, NULL, "no such person");
	if (a == b)
		return lt_error_set(err, LT_EINVAL, "other", "is the person itself");
	struct decide_write w = {s, p, a, b, same, reason};
	return store_sqlite_write(s, decide_run, &w, err);
}

lt_status store_sqlite_match_decisions(struct store *s, int64_t person,
                                       struct store_match_decision **out, size_t *n,
                                       struct lt_error *err)
{
	void *conn = NULL;
	sqlite3 *db = store_sqlite_read_lock(s, &conn);
	sqlite3_stmt *st = NULL;
	struct store_match_decision *v = NULL;
	size_t cap = 0, k = 0;
	lt_status r;
	int rc;

	*out = NULL;
	*n = 0;
	if ((r = store_sqlite_prep(
	         db,
	         "SELECT person_a, person_b, decision = 'same', actor, decided_at, reason FROM "
	         "match_decisions WHERE ?1 = 0 OR person_a = ?1 OR person_b = ?1 ORDER BY "
	         "person_a, person_b LIMIT ?2",
	         &st, err)) != LT_OK)
		goto out;
	sqlite3_bind_int64(st, 1, person);
	sqlite3_bind_int64(st, 2, LT_LINK_DECISIONS_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = store_sqlite_grow(&v, k, &cap, sizeof(*v), 16, err)) != LT_OK)
			goto out;
		struct store_match_decision *d = &v[k++];
		memset(d, 0, sizeof(*d));
		d->a = sqlite3_column_int64(st, 0);
		d->b = sqlite3_column_int64(st, 1);
		d->same = sqlite3_column_int(st, 2) != 0;
		store_sqlite_column_copy(st, 3, d->actor, sizeof(d->actor));
		store_sqlite_column_copy(st, 4, d->at, sizeof(d->at));
		store_sqlite_column_copy(st, 5, d->reason, sizeof(d->reason));
	}
	if (rc != SQLITE_DONE)
		r = store_sqlite_fail(db, rc, "reading match decisions", err);
out:
	sqlite3_finalize(st);
	store_sqlite_read_unlock(conn);
	if (r != LT_OK) {
		free(v);
		return r;
	}
	*out = v;
	*n = k;
	return LT_OK;
}

/* ---- trained models ---------------------------------------------------------------- */

struct model_write {
	struct store *s;
	const char *actor;
	const char *json;
	int64_t id; /* out */
};

static lt_status model_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct model_write *w = arg;
	sqlite3_stmt *st = NULL;
	char object[64];
	lt_status r;
	int rc;
	if ((r = store_sqlite_prep(db, "INSERT INTO link_models(model, actor) VALUES (?1, ?2)", &st,
	                           err)) != LT_OK)
		return r;
	sqlite3_bind_text(st, 1, w->json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, w->actor, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(db, rc, "storing the linkage model", err);
	w->id = sqlite3_last_insert_rowid(db);
	snprintf(object, sizeof(object), "linkmodel:%lld", (long long)w->id);
	struct store_audit_new e = {w->actor, "linkmodel.save", object, 0, NULL};
	return store_sqlite_audit(w->s, db, &e, err);
}

/* Does the model's JSON hold a term-frequency table anywhere? */
static bool has_tf(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach(v, key, x)
		{
			if ((strcmp(key, "tf") == 0 || strcmp(key, "tf_table") == 0 ||
			     strcmp(key, "term_frequencies") == 0) &&
			    !json_is_null(x))
				return true;
			if (has_tf(x))
				return true;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (has_tf(x))
				return true;
		}
	}
	return false;
}

lt_status store_sqlite_link_model_save(struct store *s, const char *actor, const char *json,
                                       int64_t *id, struct lt_error *err)
{
	size_t n = json ? strlen(json) : 0;
	if (n < 2 || (long)n > MODEL_JSON_MAX)
		return lt_error_set(err, LT_EINVAL, "model", "must be JSON of at most 4 MiB");
	json_t *doc = json_loadb(json, n, JSON_REJECT_DUPLICATES, NULL);
	bool tf = doc && has_tf(doc);
	bool ok = doc != NULL;
	json_decref(doc);
	if (!ok)
		return lt_error_set(err, LT_EINVAL, "model", "is not JSON");
	if (tf)
		return lt_error_set(err, LT_EINVAL, "model",
		                    "holds term-frequency tables, which list names: save it "
		                    "without them");
	struct model_write w = {s, actor, json, 0};
	lt_status r = store_sqlite_write(s, model_run, &w, err);
	if (r == LT_OK && id)
		*id = w.id;
	return r;
}

lt_status store_sqlite_link_model_get(struct store *s, char **json, struct lt_error *err)
{
	void *conn = NULL;
	sqlite3 *db = store_sqlite_read_lock(s, &conn);
	sqlite3_stmt *st = NULL;
	lt_status r;
	int rc;
	*json = NULL;
	if ((r = store_sqlite_prep(db, "SELECT model FROM link_models ORDER BY id DESC LIMIT 1",
	                           &st, err)) != LT_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = lt_error_set(err, LT_ENOTFOUND, NULL, "no linkage model was stored");
	} else if (rc != SQLITE_ROW) {
		r = store_sqlite_fail(db, rc, "reading the linkage model", err);
	} else {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		const unsigned char *t = sqlite3_column_text(st, 0);
		if (!(*json = malloc(n + 1))) {
			r = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
		} else {
			if (n)
				memcpy(*json, t, n);
			(*json)[n] = '\0';
		}
	}
out:
	sqlite3_finalize(st);
	store_sqlite_read_unlock(conn);
	return r;
}
