/*
 * store_sqlite.c — the SQLite backend of the store, and the one file of
 * lantern that includes <sqlite3.h>.
 *
 * Connections. A store holds one writer connection and STORE_SQLITE_READERS
 * reader connections to the same file, each guarded by its own pthread
 * mutex, so a connection is only ever used by one thread at a time (the
 * connections are opened SQLITE_OPEN_NOMUTEX for that reason). Every write
 * goes through the writer connection, run there by one writer thread
 * (store_sqlite_writer.c) that commits the writes queued by all threads in
 * batches, one transaction and one fsync per batch (group commit); a call
 * returns once its batch has committed. Reads take whichever reader is free
 * (or wait for one), and in WAL mode they run beside a write without
 * blocking it or being blocked by it, so a read never waits for an fsync.
 * A last connection belongs to the checkpointer, a thread that copies the
 * write-ahead log back into the database file when it has grown, so that
 * the writer thread does not stop for it (store_sqlite_writer.c). Readers
 * are set `query_only`, so a mistake in this file cannot write through
 * them. A read issued after a write has returned sees that write: SQLite
 * starts a fresh snapshot for each statement outside a transaction — except
 * between store_read_begin and store_read_end, when the calling thread's
 * reads share one read transaction on one reader it keeps (`pinned`). Each
 * connection keeps the statements of the hot paths prepared (conn_prepare).
 * Other processes (the command line importing while the
 * server runs) are serialised by SQLite's own locks; a connection waits up to
 * STORE_SQLITE_BUSY_MS for them before giving up with LT_EBUSY.
 *
 * Settings, made on every connection as it opens and read back to check
 * that they took: journal_mode=WAL, synchronous=FULL (a write that returned
 * LT_OK survives a power cut), foreign_keys=ON, busy_timeout.
 *
 * Schema. PRAGMA user_version counts the migrations applied
 * (store_sqlite_schema.c). Opening applies the missing ones in order, each
 * in its own BEGIN IMMEDIATE transaction that re-reads the version first, so
 * two processes opening an old database at once cannot both migrate it. A
 * version above what this lantern knows is refused with LT_ESCHEMA before
 * anything is written. Then the vocabulary tables are brought in line with
 * taxonomy.h in one transaction.
 *
 * Writes. Each write call is a closure (struct *_write and its function)
 * that the writer thread runs under a savepoint of its own inside the
 * batch's BEGIN IMMEDIATE ... COMMIT, together with its one audit row; any
 * failure rolls the call back to its savepoint (the rest of the batch goes
 * on) and the ids written into the caller's records are reset to 0. Codes are written as
 * taxonomy text. The plain-text contact of a report is never written, only
 * its sealed form.
 *
 * The audit chain. An audit row is appended inside the write's transaction,
 * which holds SQLite's write lock, so the chain cannot fork even with other
 * processes writing: the row reads the id and hash of the last entry, takes
 * the next id, the time from SQLite's clock, and
 * hash = BLAKE2b-256(prev_hash || canonical entry) (core/audit.h). When the
 * store has a signing key (audit_signer_set) and the new entry is
 * `every` entries past the last checkpoint, a checkpoint of it is signed and
 * stored in the same transaction. The writer connection carries the SQL
 * function lantern_audit_hash, the same computation, for migration 2, which
 * chains the entries written before the chain existed.
 *
 * Errors. SQLite failures become LT_EBUSY (locked or busy), LT_ENOMEM, or
 * LT_ESTORE, with SQLite's message in the lt_error. SQLite's messages name
 * tables, columns and constraints, never the values, so no personal data
 * leaks into them. This file never prints and never exits.
 */
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/buf.h"
#include "core/bug.h"
#include "core/banned.h"

/* A connection and the mutex that gives one thread at a time the use of it. */
/* Statements a connection keeps prepared between calls (see conn_prepare). */
#define CONN_STMTS 16

struct conn_stmt {
	const char *sql;  /* the string literal it was prepared from, compared by address;
			     NULL for a free slot */
	sqlite3_stmt *st;
	bool busy;        /* handed out by conn_prepare, not yet given back */
};

struct conn {
	pthread_mutex_t lock;
	sqlite3 *db; /* NULL when not open */
	struct conn_stmt stmts[CONN_STMTS]; /* used under `lock`; finalized at close */
};

struct sqlite_store {
	struct store base; /* first, so a struct store * converts back */
	struct conn writer;
	struct conn readers[STORE_SQLITE_READERS];
	/* The thread that runs every write on the writer connection, in batches
	 * committed together (store_sqlite_writer.c); NULL until started. */
	struct store_writer *writes;
	/* The thread and connection that checkpoint the WAL, so the writer
	 * thread never does (store_sqlite_writer.c); NULL until started. */
	struct store_checkpointer *checkpointer;
	sqlite3 *checkpoint_db;
	atomic_uint next_reader; /* where the search for a free reader starts */
	/* The key that signs checkpoints by itself, and how often; guarded by
	 * writer.lock, wiped on close. signer.has_secret is false when none. */
	struct lt_crypto_sign_key signer;
	unsigned signer_every; /* entries between checkpoints, >= 1 */
};

static const struct store_ops sqlite_ops;

static struct sqlite_store *sqlite_store_of(struct store *s)
{
	LT_ASSERT(s && s->ops == &sqlite_ops);
	return (struct sqlite_store *)s;
}

/* ---- locking ----------------------------------------------------------- */

static sqlite3 *conn_lock(struct conn *c)
{
	int rc = pthread_mutex_lock(&c->lock);
	if (rc != 0)
		LT_BUG("pthread_mutex_lock failed: %d", rc);
	return c->db;
}

/*
 * The reader connection the calling thread holds between read_begin and
 * read_end, with a read transaction open on it (NULL when none): the reads
 * of the thread use it, and do not give it back.
 */
static _Thread_local struct {
	struct sqlite_store *ss;
	struct conn *c;
} pinned;

static void conn_unlock(struct conn *c)
{
	if (c == pinned.c)
		return; /* kept until read_end */
	int rc = pthread_mutex_unlock(&c->lock);
	if (rc != 0)
		LT_BUG("pthread_mutex_unlock failed: %d", rc);
}

/* Take a free reader, or wait for one if all are in use. Release it with
 * conn_unlock. A thread tries first the reader it had last time (its pages
 * and statements are warm in that core's cache, and the server's request
 * threads, no more than the readers, then never meet), then the others from
 * a rotating start, which spreads the waiting over all readers. */
static struct conn *reader_lock(struct sqlite_store *ss)
{
	static _Thread_local unsigned preferred; /* 1 + the index last taken; 0 for none */
	if (pinned.c && pinned.ss == ss)
		return pinned.c;
	if (preferred && preferred <= STORE_SQLITE_READERS) {
		struct conn *c = &ss->readers[preferred - 1];
		if (pthread_mutex_trylock(&c->lock) == 0)
			return c;
	}
	unsigned start = atomic_fetch_add(&ss->next_reader, 1u);
	for (unsigned i = 0; i < STORE_SQLITE_READERS; i++) {
		unsigned k = (start + i) % STORE_SQLITE_READERS;
		struct conn *c = &ss->readers[k];
		if (pthread_mutex_trylock(&c->lock) == 0) {
			preferred = k + 1;
			return c;
		}
	}
	struct conn *c = &ss->readers[start % STORE_SQLITE_READERS];
	conn_lock(c);
	preferred = start % STORE_SQLITE_READERS + 1;
	return c;
}

/* ---- errors and small helpers ------------------------------------------- */

/*
 * Turn the SQLite result `rc` of the last call on `db` into a status and an
 * lt_error saying what was being done. Must be called before anything else
 * runs on `db`, which would replace its message.
 */
static lt_status db_fail(sqlite3 *db, int rc, const char *what, struct lt_error *err)
{
	lt_status st;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		st = LT_EBUSY;
		break;
	case SQLITE_NOMEM:
		st = LT_ENOMEM;
		break;
	default:
		st = LT_ESTORE;
		break;
	}
	return lt_error_set(err, st, NULL, "%s: %s", what,
			    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static lt_status db_exec(sqlite3 *db, const char *sql, const char *what, struct lt_error *err)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? LT_OK : db_fail(db, rc, what, err);
}

/*
 * The statement cache of a connection. Compiling SQL costs more than
 * running a short query, so the statements of the hot paths — the lookups
 * that authenticate every API call, reading a report, writing one with its
 * audit entry — are prepared once per connection and kept. conn_prepare
 * returns the kept statement for `sql` (a string literal: it is found by
 * its address) when it is not in use, else prepares it (and keeps it while
 * a slot is free); stmt_release resets it, clears its bindings and marks it
 * free — a statement not kept is finalized. The caller holds the
 * connection's lock (the writer thread holds the writer's). Resetting at
 * release matters: a statement left on a row would hold its read
 * transaction open.
 */
static lt_status conn_prepare(struct conn *c, const char *sql, sqlite3_stmt **out,
			      struct lt_error *err)
{
	struct conn_stmt *free_slot = NULL;
	for (size_t i = 0; i < CONN_STMTS; i++) {
		struct conn_stmt *k = &c->stmts[i];
		if (k->sql == sql && !k->busy) {
			k->busy = true;
			*out = k->st;
			return LT_OK;
		}
		if (!k->sql && !free_slot)
			free_slot = k;
	}
	int rc = sqlite3_prepare_v3(c->db, sql, -1, free_slot ? SQLITE_PREPARE_PERSISTENT : 0, out,
				    NULL);
	if (rc != SQLITE_OK)
		return db_fail(c->db, rc, "preparing a statement", err);
	if (free_slot)
		*free_slot = (struct conn_stmt){sql, *out, true};
	return LT_OK;
}

static void stmt_release(struct conn *c, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < CONN_STMTS; i++) {
		if (c->stmts[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			c->stmts[i].busy = false;
			return;
		}
	}
	sqlite3_finalize(st);
}

/* Finalize every kept statement of `c` (before closing it). */
static void conn_stmts_clear(struct conn *c)
{
	for (size_t i = 0; i < CONN_STMTS; i++) {
		LT_ASSERT(!c->stmts[i].busy);
		sqlite3_finalize(c->stmts[i].st);
	}
	memset(c->stmts, 0, sizeof(c->stmts));
}

/* Bind `len` bytes of text, or NULL when there are none. */
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

/* A fixed-size code field of a record: at most `cap - 1` bytes are read even
 * if a caller forgot the terminator. */
static int bind_code(sqlite3_stmt *st, int i, const char *s, size_t cap)
{
	return bind_text(st, i, s, strnlen(s, cap));
}

/* A partial date as 'YYYY[-MM[-DD]]', or NULL when its year is 0. */
static int bind_date(sqlite3_stmt *st, int i, const struct lt_date *d)
{
	char text[LT_DATE_TEXT];
	lt_date_format(d, text);
	return bind_str(st, i, text);
}

/*
 * Read a text column that must fit `cap` bytes with its NUL; LT_ESTORE
 * naming `what` when it does not (the database was written by something
 * else). NULL reads as "".
 */
static lt_status column_fixed(sqlite3_stmt *st, int col, char *out, size_t cap, const char *what,
			      struct lt_error *err)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t len = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
	if (!t && sqlite3_column_type(st, col) != SQLITE_NULL)
		return lt_error_set(err, LT_ENOMEM, NULL, "reading %s: out of memory", what);
	if (len >= cap)
		return lt_error_set(err, LT_ESTORE, NULL, "%s in the database is longer than %zu bytes",
				    what, cap - 1);
	if (len)
		memcpy(out, t, len);
	out[len] = '\0';
	return LT_OK;
}

/*
 * Map a coded text column back to its index in `v`; *out is -1 when the
 * column is NULL. A code this lantern does not know is LT_ESTORE.
 */
static lt_status column_code(sqlite3_stmt *st, int col, const struct lt_vocab *v, const char *what,
			     int *out, struct lt_error *err)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		*out = -1;
		return LT_OK;
	}
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!t)
		return lt_error_set(err, LT_ENOMEM, NULL, "reading %s: out of memory", what);
	int i = lt_vocab_find(v, (const char *)t, (size_t)sqlite3_column_bytes(st, col));
	if (i < 0)
		return lt_error_set(err, LT_ESTORE, NULL,
				    "%s in the database holds a %s code this lantern does not know",
				    what, v->name);
	*out = i;
	return LT_OK;
}

/* Read a partial-date column; NULL reads as the empty date. */
static lt_status column_date(sqlite3_stmt *st, int col, const char *what, struct lt_date *out,
			     struct lt_error *err)
{
	memset(out, 0, sizeof(*out));
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return LT_OK;
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!t)
		return lt_error_set(err, LT_ENOMEM, NULL, "reading %s: out of memory", what);
	if (lt_date_parse((const char *)t, (size_t)sqlite3_column_bytes(st, col), out, what, NULL) !=
	    LT_OK)
		return lt_error_set(err, LT_ESTORE, NULL, "%s in the database is not a date", what);
	return LT_OK;
}

/*
 * Make room for `need` elements of `size` bytes in the heap array *p of
 * capacity *cap, doubling. LT_ENOMEM on failure, the array unchanged.
 */
static lt_status grow(void **p, size_t *cap, size_t need, size_t size, struct lt_error *err)
{
	if (need <= *cap)
		return LT_OK;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / size)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	void *np = realloc(*p, ncap * size);
	if (!np)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	*p = np;
	*cap = ncap;
	return LT_OK;
}

/*
 * Run `sql` and copy the first column of its first row as text into `out`
 * ("" for no row or NULL). Rows after the first are stepped through, so a
 * statement such as "PRAGMA journal_mode = WAL" runs to completion.
 */
static lt_status query_text(sqlite3 *db, const char *sql, char *out, size_t cap,
			    struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s = store_sqlite_prep(db, sql, &st, err);
	int rc;
	bool first = true;
	if (cap)
		out[0] = '\0';
	if (s != LT_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (first && cap)
			store_sqlite_column_copy(st, 0, out, cap);
		first = false;
	}
	if (rc != SQLITE_DONE)
		s = db_fail(db, rc, "running a statement", err);
out:
	sqlite3_finalize(st);
	return s;
}

static lt_status query_int(sqlite3 *db, const char *sql, long *out, struct lt_error *err)
{
	char text[32];
	lt_status s = query_text(db, sql, text, sizeof(text), err);
	if (s != LT_OK)
		return s;
	char *end;
	*out = strtol(text, &end, 10);
	if (end == text || *end)
		return lt_error_set(err, LT_ESTORE, NULL, "'%s' gave '%s', not a number", sql, text);
	return LT_OK;
}

/* ---- transactions and the audit row --------------------------------------- */

static lt_status tx_begin(sqlite3 *db, struct lt_error *err)
{
	return db_exec(db, "BEGIN IMMEDIATE", "starting a transaction", err);
}

/* Roll back the open transaction, if any. Safe to call when none is open. */
static void tx_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static lt_status tx_commit(sqlite3 *db, struct lt_error *err)
{
	return db_exec(db, "COMMIT", "committing", err);
}

/* Check an actor string: set, short enough to read back whole, no newlines. */
static void actor_check(const char *actor)
{
	LT_ASSERT(actor && actor[0]);
	LT_ASSERT(strlen(actor) < sizeof(((struct store_audit_entry *)0)->actor));
}

/* hash = BLAKE2b-256(prev || canonical entry f). */
static lt_status audit_hash(const unsigned char prev[LT_AUDIT_HASH_BYTES],
			    const struct lt_audit_fields *f, unsigned char out[LT_AUDIT_HASH_BYTES])
{
	struct lt_buf b;
	lt_buf_init(&b, 4096);
	lt_status st = lt_audit_entry_encode(f, &b);
	if (st == LT_OK)
		lt_crypto_hash2(out, prev, LT_AUDIT_HASH_BYTES, b.data, b.len);
	lt_buf_release(&b);
	return st;
}

/*
 * lantern_audit_hash(prev_hash, id, at, actor, action, object, person,
 * purpose): audit_hash in SQL, for migration 2. Arguments of the wrong type
 * are an error, never a guess.
 */
static void sql_audit_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *text[4];
	unsigned char h[LT_AUDIT_HASH_BYTES];
	LT_ASSERT(argc == 8);
	if (sqlite3_value_type(argv[0]) != SQLITE_BLOB ||
	    sqlite3_value_bytes(argv[0]) != LT_AUDIT_HASH_BYTES ||
	    sqlite3_value_type(argv[1]) != SQLITE_INTEGER ||
	    !(sqlite3_value_type(argv[6]) == SQLITE_NULL ||
	      sqlite3_value_type(argv[6]) == SQLITE_INTEGER) ||
	    !(sqlite3_value_type(argv[7]) == SQLITE_NULL ||
	      sqlite3_value_type(argv[7]) == SQLITE_TEXT)) {
		sqlite3_result_error(ctx, "lantern_audit_hash: arguments of the wrong type", -1);
		return;
	}
	for (int i = 0; i < 4; i++) {
		text[i] = (const char *)sqlite3_value_text(argv[2 + i]);
		if (sqlite3_value_type(argv[2 + i]) != SQLITE_TEXT || !text[i] ||
		    strlen(text[i]) != (size_t)sqlite3_value_bytes(argv[2 + i])) {
			sqlite3_result_error(ctx, "lantern_audit_hash: a text argument is not text",
					     -1);
			return;
		}
	}
	struct lt_audit_fields f = {
		.id = sqlite3_value_int64(argv[1]),
		.at = text[0],
		.actor = text[1],
		.action = text[2],
		.object = text[3],
		.person = sqlite3_value_type(argv[6]) == SQLITE_NULL ? 0 : sqlite3_value_int64(argv[6]),
		.purpose = (const char *)sqlite3_value_text(argv[7]),
	};
	if (audit_hash(sqlite3_value_blob(argv[0]), &f, h) != LT_OK) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_blob(ctx, h, sizeof(h), SQLITE_TRANSIENT);
}

/*
 * Sign and store, inside the caller's transaction, a checkpoint of entry
 * `entry_id` whose hash is `hash`, at time `at`. *out (may be NULL) gets it.
 */
static lt_status checkpoint_write(sqlite3 *db, const struct lt_crypto_sign_key *key,
				  int64_t entry_id, const unsigned char hash[LT_AUDIT_HASH_BYTES],
				  const char *at, struct lt_audit_checkpoint *out,
				  struct lt_error *err)
{
	struct lt_audit_checkpoint c;
	struct lt_buf b;
	sqlite3_stmt *st = NULL;
	lt_status s;
	int rc;

	memset(&c, 0, sizeof(c));
	c.entry_id = entry_id;
	memcpy(c.entry_hash, hash, sizeof(c.entry_hash));
	LT_ASSERT(strlen(at) < sizeof(c.signed_at));
	memcpy(c.signed_at, at, strlen(at) + 1);
	memcpy(c.public_key, key->pk, sizeof(c.public_key));
	lt_buf_init(&b, 1024);
	if ((s = lt_audit_statement_encode(&c, &b)) != LT_OK) {
		lt_buf_release(&b);
		return lt_error_set(err, s, NULL, "encoding a checkpoint: %s", lt_status_message(s));
	}
	lt_crypto_sign(key, b.data, b.len, c.signature);
	lt_buf_release(&b);

	if ((s = store_sqlite_prep(db,
			    "INSERT INTO audit_checkpoints(entry_id, entry_hash, signed_at, "
			    "public_key, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
			    &st, err)) != LT_OK)
		goto out;
	if ((rc = sqlite3_bind_int64(st, 1, c.entry_id)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 2, c.entry_hash, sizeof(c.entry_hash), SQLITE_STATIC)) !=
		    SQLITE_OK ||
	    (rc = bind_str(st, 3, c.signed_at)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 4, c.public_key, sizeof(c.public_key), SQLITE_STATIC)) !=
		    SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 5, c.signature, sizeof(c.signature), SQLITE_STATIC)) !=
		    SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE) {
		s = db_fail(db, rc, "writing an audit checkpoint", err);
		goto out;
	}
	c.id = sqlite3_last_insert_rowid(db);
	if (out)
		*out = c;
out:
	sqlite3_finalize(st);
	return s;
}

/* A checkpoint by the store's own signer when `id` is `every` entries past
 * the last one. Inside the caller's transaction, with the writer locked. */
static lt_status checkpoint_maybe(struct sqlite_store *ss, sqlite3 *db, int64_t id,
				  const unsigned char hash[LT_AUDIT_HASH_BYTES], const char *at,
				  struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	int64_t last;
	lt_status s;
	int rc;
	if (!ss->signer.has_secret)
		return LT_OK;
	LT_ASSERT(db == ss->writer.db);
	if ((s = conn_prepare(&ss->writer, "SELECT coalesce(max(entry_id), 0) FROM audit_checkpoints",
			      &st, err)) != LT_OK)
		return s;
	rc = sqlite3_step(st);
	last = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW)
		s = db_fail(db, rc, "reading the last audit checkpoint", err);
	stmt_release(&ss->writer, st);
	if (s != LT_OK || id - last < (int64_t)ss->signer_every)
		return s;
	return checkpoint_write(db, &ss->signer, id, hash, at, NULL, err);
}

/*
 * Append audit entry `e` to the chain inside the caller's transaction (the
 * writer locked), and, when `may_checkpoint`, sign a checkpoint with the
 * store's signer when one is due. *id_out and
 * hash_out (either may be NULL) get the new entry's id and hash, at_out
 * (capacity LT_AUDIT_TIME_MAX, may be NULL) its time.
 */
static lt_status audit_add_entry(struct sqlite_store *ss, sqlite3 *db,
				 const struct store_audit_new *e, bool may_checkpoint, int64_t *id_out,
				 unsigned char *hash_out, char *at_out, struct lt_error *err)
{
	sqlite3_stmt *head = NULL, *ins = NULL;
	unsigned char prev[LT_AUDIT_HASH_BYTES], hash[LT_AUDIT_HASH_BYTES];
	char at[LT_AUDIT_TIME_MAX];
	int64_t id;
	lt_status s;
	int rc;

	LT_ASSERT(e->actor && e->actor[0] && strlen(e->actor) < 64);
	LT_ASSERT(e->action && e->action[0] && strlen(e->action) < 64);
	LT_ASSERT(e->object && strlen(e->object) < 64);
	LT_ASSERT(e->person >= 0);
	if (e->purpose && strlen(e->purpose) > LT_AUDIT_PURPOSE_MAX)
		return lt_error_set(err, LT_EINVAL, "purpose",
				    "a purpose is at most %d bytes", LT_AUDIT_PURPOSE_MAX);

	LT_ASSERT(db == ss->writer.db);
	if ((s = conn_prepare(&ss->writer,
			      "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), l.id, l.hash "
			      "FROM (SELECT 1) LEFT JOIN "
			      "(SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1) l",
			      &head, err)) != LT_OK)
		goto out;
	if ((rc = sqlite3_step(head)) != SQLITE_ROW) {
		s = db_fail(db, rc, "reading the end of the audit chain", err);
		goto out;
	}
	store_sqlite_column_copy(head, 0, at, sizeof(at));
	if (sqlite3_column_type(head, 1) == SQLITE_NULL) {
		id = 1;
		memcpy(prev, lt_audit_genesis, sizeof(prev));
	} else {
		id = sqlite3_column_int64(head, 1) + 1;
		if (sqlite3_column_type(head, 2) != SQLITE_BLOB ||
		    sqlite3_column_bytes(head, 2) != LT_AUDIT_HASH_BYTES) {
			s = lt_error_set(err, LT_ESTORE, NULL,
					 "the last audit entry has no valid hash; run "
					 "'lantern audit verify'");
			goto out;
		}
		memcpy(prev, sqlite3_column_blob(head, 2), sizeof(prev));
	}
	struct lt_audit_fields f = {id, at, e->actor, e->action, e->object, e->person, e->purpose};
	if ((s = audit_hash(prev, &f, hash)) != LT_OK) {
		s = lt_error_set(err, s, NULL, "hashing the audit entry: %s", lt_status_message(s));
		goto out;
	}
	if ((s = conn_prepare(&ss->writer,
			      "INSERT INTO audit(id, at, actor, action, object, person, purpose, "
			      "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			      &ins, err)) != LT_OK)
		goto out;
	if ((rc = sqlite3_bind_int64(ins, 1, id)) != SQLITE_OK ||
	    (rc = bind_str(ins, 2, at)) != SQLITE_OK ||
	    (rc = bind_str(ins, 3, e->actor)) != SQLITE_OK ||
	    (rc = bind_str(ins, 4, e->action)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(ins, 5, e->object, -1, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (rc = e->person ? sqlite3_bind_int64(ins, 6, e->person) : sqlite3_bind_null(ins, 6)) !=
		    SQLITE_OK ||
	    (rc = bind_str(ins, 7, e->purpose)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(ins, 8, prev, sizeof(prev), SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(ins, 9, hash, sizeof(hash), SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_step(ins)) != SQLITE_DONE) {
		s = db_fail(db, rc, "writing the audit entry", err);
		goto out;
	}
	if (may_checkpoint && (s = checkpoint_maybe(ss, db, id, hash, at, err)) != LT_OK)
		goto out;
	if (id_out)
		*id_out = id;
	if (hash_out)
		memcpy(hash_out, hash, sizeof(hash));
	if (at_out)
		memcpy(at_out, at, sizeof(at));
out:
	stmt_release(&ss->writer, head);
	stmt_release(&ss->writer, ins);
	return s;
}

/* Append one audit row, about no person, inside the caller's transaction. */
static lt_status audit_add(struct sqlite_store *ss, sqlite3 *db, const char *actor,
			   const char *action, const char *object, struct lt_error *err)
{
	struct store_audit_new e = {actor, action, object, 0, NULL};
	return audit_add_entry(ss, db, &e, true, NULL, NULL, NULL, err);
}

/*
 * Look up the id of the row whose text key is `key` with the prepared
 * one-parameter query `q` (e.g. "SELECT id FROM agencies WHERE code = ?1").
 * When there is none: LT_EINVAL naming `field`, saying "unknown <noun>
 * '<key>'" and, for batches, which record of the batch.
 */
static lt_status lookup_id(sqlite3 *db, sqlite3_stmt *q, const char *key, size_t cap,
			   const char *field, const char *noun, size_t index, size_t n,
			   int64_t *id, struct lt_error *err)
{
	size_t len = strnlen(key, cap);
	lt_status s = LT_OK;
	int rc;
	char where[64] = "";
	char qk[80];
	if (n > 1)
		snprintf(where, sizeof(where), " (record %zu of %zu)", index + 1, n);
	if (len == 0)
		return lt_error_set(err, LT_EINVAL, field, "the %s is required%s", noun, where);
	if ((rc = bind_text(q, 1, key, len)) != SQLITE_OK) {
		s = db_fail(db, rc, "looking up a reference", err);
		goto out;
	}
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
	} else if (rc == SQLITE_DONE) {
		lt_error_quote(qk, sizeof(qk), key, len, 40);
		s = lt_error_set(err, LT_EINVAL, field, "unknown %s '%s'%s", noun, qk, where);
	} else {
		s = db_fail(db, rc, "looking up a reference", err);
	}
out:
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return s;
}

/* Insert one (owner, form) row per bit of `forms` with the prepared
 * two-parameter statement `ins`. */
static lt_status forms_insert(sqlite3 *db, sqlite3_stmt *ins, int64_t owner, uint32_t forms,
			      struct lt_error *err)
{
	LT_ASSERT((forms >> LT_FORM_COUNT) == 0);
	for (int f = 0; f < LT_FORM_COUNT; f++) {
		if (!(forms & (1u << f)))
			continue;
		int rc;
		if ((rc = sqlite3_bind_int64(ins, 1, owner)) != SQLITE_OK ||
		    (rc = bind_str(ins, 2, lt_vocab_term(&lt_vocab_form, (size_t)f)->code)) != SQLITE_OK ||
		    (rc = sqlite3_step(ins)) != SQLITE_DONE)
			return db_fail(db, rc, "writing the forms of exploitation", err);
		sqlite3_reset(ins);
	}
	return LT_OK;
}

/* ---- opening: settings, migrations, vocabularies ------------------------ */

/* Read a setting with `get` and compare it with `want` (case-insensitively). */
static lt_status setting_check(sqlite3 *db, const char *get, const char *want,
			       struct lt_error *err)
{
	char got[32];
	lt_status s = query_text(db, get, got, sizeof(got), err);
	if (s == LT_OK && strcasecmp(got, want) != 0)
		s = lt_error_set(err, LT_ESTORE, NULL, "%s is '%s', not '%s' as it must be", get, got,
				 want);
	return s;
}

/* Make the setting `set`, then check that it took. */
static lt_status setting(sqlite3 *db, const char *set, const char *get, const char *want,
			 struct lt_error *err)
{
	char ignored[32];
	lt_status s = query_text(db, set, ignored, sizeof(ignored), err);
	return s == LT_OK ? setting_check(db, get, want, err) : s;
}

/*
 * Open one connection to `path` through the VFS named `vfs` (NULL: the
 * default) and make the settings every connection of lantern has. The
 * writer may create the file; readers open it as it is and are made
 * query_only. On failure *out is NULL.
 */
static lt_status conn_open(const char *path, const char *vfs, bool writer, sqlite3 **out,
			   struct lt_error *err)
{
	sqlite3 *db = NULL;
	char busy[16];
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &db, flags, vfs);
	lt_status s = LT_OK;
	*out = NULL;
	if (rc != SQLITE_OK) {
		s = lt_error_set(err, rc == SQLITE_NOMEM ? LT_ENOMEM : LT_ESTORE, NULL,
				 "cannot open the database %s: %s", path,
				 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_extended_result_codes(db, 1);
	rc = sqlite3_busy_timeout(db, STORE_SQLITE_BUSY_MS);
	if (rc != SQLITE_OK) {
		s = db_fail(db, rc, "setting the busy timeout", err);
		goto out;
	}
	snprintf(busy, sizeof(busy), "%d", STORE_SQLITE_BUSY_MS);
	if ((s = setting(db, "PRAGMA journal_mode = WAL", "PRAGMA journal_mode", "wal", err)) ||
	    (s = setting(db, "PRAGMA synchronous = FULL", "PRAGMA synchronous", "2", err)) ||
	    (s = setting(db, "PRAGMA foreign_keys = ON", "PRAGMA foreign_keys", "1", err)) ||
	    (s = setting_check(db, "PRAGMA busy_timeout", busy, err)))
		goto out;
	if (!writer && (s = setting(db, "PRAGMA query_only = ON", "PRAGMA query_only", "1", err)))
		goto out;
	if (writer && (rc = sqlite3_create_function_v2(db, "lantern_audit_hash", 8,
						       SQLITE_UTF8 | SQLITE_DETERMINISTIC |
							       SQLITE_DIRECTONLY,
						       NULL, sql_audit_hash, NULL, NULL, NULL)) !=
			      SQLITE_OK) {
		s = db_fail(db, rc, "registering lantern_audit_hash", err);
		goto out;
	}
	*out = db;
	db = NULL;
out:
	sqlite3_close(db);
	return s;
}

int store_schema_version(void)
{
	return (int)store_sqlite_migration_count;
}

/*
 * Bring the schema up to store_schema_version(), one migration per
 * transaction. The version is re-read inside each transaction, after the
 * write lock is held, so a concurrent opener's work is never repeated.
 */
static lt_status migrate(sqlite3 *db, struct lt_error *err)
{
	const int want = store_schema_version();
	lt_status s;
	long have;
	char sql[64];

	/* Refuse a newer database before taking any lock. */
	if ((s = query_int(db, "PRAGMA user_version", &have, err)) != LT_OK)
		return s;
	if (have > want)
		goto too_new;
	while (have < want) {
		if ((s = tx_begin(db, err)) != LT_OK)
			return s;
		if ((s = query_int(db, "PRAGMA user_version", &have, err)) != LT_OK)
			goto fail;
		if (have > want) {
			tx_rollback(db);
			goto too_new;
		}
		if (have == want) {
			tx_rollback(db);
			break;
		}
		const struct store_migration *m = &store_sqlite_migrations[have];
		LT_ASSERT(m->version == have + 1);
		if ((s = db_exec(db, m->sql, "applying a schema migration", err)) != LT_OK)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", m->version);
		if ((s = db_exec(db, sql, "recording the schema version", err)) != LT_OK ||
		    (s = tx_commit(db, err)) != LT_OK)
			goto fail;
		have = m->version;
	}
	return LT_OK;
fail:
	tx_rollback(db);
	return s;
too_new:
	return lt_error_set(err, LT_ESCHEMA, NULL,
			    "the database has schema version %ld, and this lantern knows only up to "
			    "version %d",
			    have, want);
}

/* Make each vocab_* table hold exactly the codes and labels of taxonomy.h
 * (codes are only ever appended, so this only inserts and relabels). */
static lt_status vocab_sync(sqlite3 *db, struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status s = tx_begin(db, err);
	char sql[256];
	int rc;
	if (s != LT_OK)
		return s;
	for (size_t t = 0; t < store_sqlite_vocab_table_count; t++) {
		const struct store_vocab_table *vt = &store_sqlite_vocab_tables[t];
		snprintf(sql, sizeof(sql),
			 "INSERT INTO %s(code, label) VALUES (?1, ?2) ON CONFLICT(code) DO UPDATE "
			 "SET label = excluded.label WHERE label IS NOT excluded.label",
			 vt->table);
		if ((s = store_sqlite_prep(db, sql, &st, err)) != LT_OK)
			goto out;
		for (size_t i = 0; i < vt->vocab->count; i++) {
			const struct lt_term *term = lt_vocab_term(vt->vocab, i);
			if ((rc = bind_str(st, 1, term->code)) != SQLITE_OK ||
			    (rc = bind_str(st, 2, term->label)) != SQLITE_OK ||
			    (rc = sqlite3_step(st)) != SQLITE_DONE) {
				s = db_fail(db, rc, "updating the vocabularies", err);
				goto out;
			}
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	s = tx_commit(db, err);
out:
	sqlite3_finalize(st);
	if (s != LT_OK)
		tx_rollback(db);
	return s;
}

static void sqlite_close(struct store *s)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	/* Writes still queued are committed first. */
	store_writer_stop(ss->writes);
	store_checkpointer_stop(ss->checkpointer, ss->writer.db, &ss->writer.lock);
	if (sqlite3_close(ss->checkpoint_db) != SQLITE_OK)
		LT_BUG("a statement on the checkpoint connection was not finalized");
	/* Readers first: the last connection to close checkpoints the WAL. */
	for (size_t i = 0; i < STORE_SQLITE_READERS; i++) {
		conn_stmts_clear(&ss->readers[i]);
		if (sqlite3_close(ss->readers[i].db) != SQLITE_OK)
			LT_BUG("a statement on a reader connection was not finalized");
		pthread_mutex_destroy(&ss->readers[i].lock);
	}
	conn_stmts_clear(&ss->writer);
	if (sqlite3_close(ss->writer.db) != SQLITE_OK)
		LT_BUG("a statement on the writer connection was not finalized");
	pthread_mutex_destroy(&ss->writer.lock);
	lt_crypto_sign_key_wipe(&ss->signer);
	free(ss);
}

/* store_open_sqlite through the VFS named `vfs` (NULL: the default). */
/*
 * Settings of the SQLite library itself, made once before it is first used.
 * Memory statistics off: with them on, every allocation of every connection
 * takes one process-wide mutex, which the reader connections of a busy
 * server then queue on. (When a test initialised SQLite before opening a
 * store, the setting is refused and SQLite keeps its default; nothing else
 * changes.)
 */
static void sqlite_configure(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static lt_status sqlite_open(const char *path, const char *vfs, struct store **out,
			     struct lt_error *err)
{
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	struct sqlite_store *ss;
	lt_status s;
	*out = NULL;
	pthread_once(&configured, sqlite_configure);
	if (!sqlite3_threadsafe())
		return lt_error_set(err, LT_ESTORE, NULL,
				    "the SQLite library was built without thread support");
	if (lt_crypto_init() != LT_OK)
		return lt_error_set(err, LT_ECRYPTO, NULL,
				    "cannot initialise the cryptographic library");
	ss = calloc(1, sizeof(*ss));
	if (!ss)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	ss->base.ops = &sqlite_ops;
	atomic_init(&ss->next_reader, 0u);
	LT_ASSERT(pthread_mutex_init(&ss->writer.lock, NULL) == 0);
	for (size_t i = 0; i < STORE_SQLITE_READERS; i++)
		LT_ASSERT(pthread_mutex_init(&ss->readers[i].lock, NULL) == 0);

	/* A new database is made with mode 0600, whatever the umask: SQLite
	 * would make it 0644, readable by every account on the machine. Its
	 * -wal, -shm and -journal files take its mode. An existing file keeps
	 * its own; any other failure is SQLite's to report, just below. */
	if (!vfs && path[0] != ':' && strncmp(path, "file:", 5) != 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	if ((s = conn_open(path, vfs, true, &ss->writer.db, err)) != LT_OK ||
	    (s = migrate(ss->writer.db, err)) != LT_OK ||
	    (s = vocab_sync(ss->writer.db, err)) != LT_OK ||
	    (s = store_writer_start(ss->writer.db, &ss->writer.lock, &ss->writes, err)) != LT_OK ||
	    (s = conn_open(path, vfs, true, &ss->checkpoint_db, err)) != LT_OK ||
	    (s = store_checkpointer_start(ss->writer.db, &ss->writer.lock, ss->checkpoint_db,
					  &ss->checkpointer, err)) != LT_OK)
		goto out;
	for (size_t i = 0; i < STORE_SQLITE_READERS; i++)
		if ((s = conn_open(path, vfs, false, &ss->readers[i].db, err)) != LT_OK)
			goto out;
	*out = &ss->base;
out:
	if (s != LT_OK)
		sqlite_close(&ss->base);
	return s;
}

lt_status store_open_sqlite(const char *path, struct store **out, struct lt_error *err)
{
	return sqlite_open(path, NULL, out, err);
}

/* One read transaction for the thread's reads until read_end (store.h). A
 * failure here only costs the saving: the reads then run as usual. */
static void sqlite_read_begin(struct store *s)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	sqlite3_stmt *st = NULL;
	LT_ASSERT(!pinned.c); /* not nested */
	struct conn *c = reader_lock(ss);
	if (conn_prepare(c, "BEGIN", &st, NULL) == LT_OK && sqlite3_step(st) == SQLITE_DONE) {
		pinned.ss = ss;
		pinned.c = c;
	}
	stmt_release(c, st);
	if (!pinned.c)
		conn_unlock(c);
}

static void sqlite_read_end(struct store *s)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = pinned.c;
	sqlite3_stmt *st = NULL;
	if (!c)
		return;
	LT_ASSERT(pinned.ss == ss);
	pinned.c = NULL;
	pinned.ss = NULL;
	/* A read that failed may have ended the transaction already. */
	if (!sqlite3_get_autocommit(c->db) && conn_prepare(c, "COMMIT", &st, NULL) == LT_OK)
		(void)sqlite3_step(st);
	stmt_release(c, st);
	if (!sqlite3_get_autocommit(c->db))
		tx_rollback(c->db);
	conn_unlock(c);
}

/* A backup is read through a reader connection (store_sqlite_backup.c). */
static lt_status sqlite_backup(struct store *s, const char *path, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	lt_status r = store_sqlite_backup_to(c->db, path, err);
	conn_unlock(c);
	return r;
}

/* ---- agencies and cases ------------------------------------------------- */

/* The arguments of an agency_add write (store_sqlite_writer.c). */
struct agency_write {
	struct sqlite_store *ss;
	struct lt_agency *a;
	size_t code_len, name_len;
	const char *actor;
};

static lt_status agency_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct agency_write *w = arg;
	struct lt_agency *a = w->a;
	sqlite3_stmt *st = NULL;
	char object[LT_CODE_MAX + 8];
	lt_status r;
	int rc;

	if ((r = store_sqlite_prep(db, "INSERT INTO agencies(code, name, kind) VALUES (?1, ?2, ?3)", &st,
			    err)) != LT_OK)
		goto out;
	if ((rc = bind_text(st, 1, a->code, w->code_len)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, a->name, w->name_len)) != SQLITE_OK ||
	    (rc = bind_str(st, 3, lt_vocab_term(&lt_vocab_agency_kind, a->kind)->code)) != SQLITE_OK)
		goto db_error;
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		r = lt_error_set(err, LT_EEXIST, "code", "an agency with code '%.*s' already exists",
				 (int)w->code_len, a->code);
		goto out;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	a->id = sqlite3_last_insert_rowid(db);
	snprintf(object, sizeof(object), "agency:%.*s", (int)w->code_len, a->code);
	r = audit_add(w->ss, db, w->actor, "agency.create", object, err);
	goto out;
db_error:
	r = db_fail(db, rc, "adding an agency", err);
out:
	sqlite3_finalize(st);
	return r;
}

static lt_status sqlite_agency_add(struct store *s, struct lt_agency *a, const char *actor,
				   struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct agency_write w = {ss, a, strnlen(a->code, sizeof(a->code)),
				 strnlen(a->name, sizeof(a->name)), actor};
	lt_status r;

	actor_check(actor);
	LT_ASSERT((unsigned)a->kind < LT_AGENCY_KIND_COUNT);
	if ((r = lt_agency_code_check(a->code, w.code_len, "code", err)) != LT_OK)
		return r;
	if (w.name_len == 0 || w.name_len == sizeof(a->name))
		return lt_error_set(err, LT_EINVAL, "name", "an agency needs a name of 1 to %zu bytes",
				    sizeof(a->name) - 1);
	if ((r = store_writer_run(ss->writes, agency_write, &w, err)) != LT_OK)
		a->id = 0;
	return r;
}

static lt_status sqlite_agency_list(struct store *s, struct lt_agency **out, size_t *n,
				    struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	sqlite3_stmt *st = NULL;
	struct lt_agency *v = NULL;
	size_t count = 0, cap = 0;
	lt_status r;
	int rc;

	*out = NULL;
	*n = 0;
	if ((r = conn_prepare(c, "SELECT id, code, name, kind FROM agencies ORDER BY code", &st,
			      err)) != LT_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int kind;
		if ((r = grow((void **)&v, &cap, count + 1, sizeof(*v), err)) != LT_OK)
			goto out;
		struct lt_agency *a = &v[count];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(st, 0);
		if ((r = column_fixed(st, 1, a->code, sizeof(a->code), "agencies.code", err)) ||
		    (r = column_fixed(st, 2, a->name, sizeof(a->name), "agencies.name", err)) ||
		    (r = column_code(st, 3, &lt_vocab_agency_kind, "agencies.kind", &kind, err)))
			goto out;
		if (kind < 0) {
			r = lt_error_set(err, LT_ESTORE, NULL, "agencies.kind is NULL in the database");
			goto out;
		}
		a->kind = (enum lt_agency_kind)kind;
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = db_fail(c->db, rc, "listing the agencies", err);
		goto out;
	}
	*out = v;
	*n = count;
	v = NULL;
out:
	stmt_release(c, st);
	conn_unlock(c);
	free(v);
	return r;
}

/* The arguments of a case_add write. */
struct case_write {
	struct sqlite_store *ss;
	struct lt_case *c;
	size_t ref_len;
	const char *actor;
};

static lt_status case_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct case_write *w = arg;
	struct lt_case *c = w->c;
	sqlite3_stmt *ins = NULL, *forms = NULL, *agency = NULL;
	char object[LT_CODE_MAX + 8];
	int64_t agency_id = 0, id = 0;
	lt_status r;
	int rc;

	if ((r = store_sqlite_prep(db, "SELECT id FROM agencies WHERE code = ?1", &agency, err)) != LT_OK ||
	    (r = store_sqlite_prep(db,
			    "INSERT INTO cases(ref, agency_id, opened) VALUES (?1, ?2, ?3)", &ins,
			    err)) != LT_OK ||
	    (r = store_sqlite_prep(db, "INSERT INTO case_forms(case_id, form) VALUES (?1, ?2)", &forms,
			    err)) != LT_OK)
		goto out;
	if ((r = lookup_id(db, agency, c->agency, sizeof(c->agency), "agency", "agency", 0, 1,
			   &agency_id, err)) != LT_OK)
		goto out;
	if ((rc = bind_text(ins, 1, c->ref, w->ref_len)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(ins, 2, agency_id)) != SQLITE_OK ||
	    (rc = bind_date(ins, 3, &c->opened)) != SQLITE_OK)
		goto db_error;
	rc = sqlite3_step(ins);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		r = lt_error_set(err, LT_EEXIST, "ref", "a case with reference '%.*s' already exists",
				 (int)w->ref_len, c->ref);
		goto out;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	id = sqlite3_last_insert_rowid(db);
	snprintf(object, sizeof(object), "case:%.*s", (int)w->ref_len, c->ref);
	if ((r = forms_insert(db, forms, id, c->forms, err)) != LT_OK ||
	    (r = audit_add(w->ss, db, w->actor, "case.create", object, err)) != LT_OK)
		goto out;
	c->id = id;
	goto out;
db_error:
	r = db_fail(db, rc, "adding a case", err);
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(forms);
	sqlite3_finalize(agency);
	return r;
}

static lt_status sqlite_case_add(struct store *s, struct lt_case *c, const char *actor,
				 struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct case_write w = {ss, c, strnlen(c->ref, sizeof(c->ref)), actor};
	lt_status r;

	actor_check(actor);
	if (w.ref_len == 0 || w.ref_len == sizeof(c->ref))
		return lt_error_set(err, LT_EINVAL, "ref", "a case needs a reference of 1 to %zu bytes",
				    sizeof(c->ref) - 1);
	if ((r = store_writer_run(ss->writes, case_write, &w, err)) != LT_OK)
		c->id = 0;
	return r;
}

static lt_status sqlite_case_refs(struct store *s, char ***out, size_t *n, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t count = 0, cap = 0;
	lt_status r;
	int rc;

	*out = NULL;
	*n = 0;
	if ((r = conn_prepare(c, "SELECT ref FROM cases ORDER BY ref", &st, err)) != LT_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		if ((r = grow((void **)&v, &cap, count + 1, sizeof(*v), err)) != LT_OK)
			goto out;
		if (!t || !(v[count] = malloc(len + 1))) {
			r = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
			goto out;
		}
		memcpy(v[count], t, len);
		v[count][len] = '\0';
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = db_fail(c->db, rc, "listing the cases", err);
		goto out;
	}
	*out = v;
	*n = count;
	v = NULL;
	count = 0;
out:
	stmt_release(c, st);
	conn_unlock(c);
	store_strings_free(v, count);
	return r;
}

/* ---- reports ------------------------------------------------------------ */

/* The caller's side of the contract of reports_insert, checked before any
 * lock is taken: violations are bugs, except a missing received date. */
static lt_status report_precheck(const struct lt_report *r, size_t i, size_t n,
				 struct lt_error *err)
{
	LT_ASSERT(r->ref[0] != '\0');
	LT_ASSERT(!(r->contact && !r->contact_sealed)); /* the contact must be sealed first */
	LT_ASSERT(!r->contact_sealed || r->contact_sealed_len > 0);
	LT_ASSERT((unsigned)r->source < LT_SOURCE_COUNT);
	LT_ASSERT((unsigned)r->place < LT_PLACE_COUNT);
	LT_ASSERT(r->district >= -1 && r->district < (int)lt_vocab_district.count);
	LT_ASSERT(r->country >= -1 && r->country < (int)lt_vocab_country.count);
	LT_ASSERT((r->forms >> LT_FORM_COUNT) == 0);
	LT_ASSERT(r->contact_sealed_len <= (size_t)INT32_MAX);
	if (r->received.year == 0) {
		char where[64] = "";
		if (n > 1)
			snprintf(where, sizeof(where), " (record %zu of %zu)", i + 1, n);
		return lt_error_set(err, LT_EINVAL, "received",
				    "a report needs the date it was received%s", where);
	}
	return LT_OK;
}

static int bind_report(sqlite3_stmt *st, const struct lt_report *r, int64_t agency_id)
{
	int rc;
	if ((rc = bind_code(st, 1, r->ref, sizeof(r->ref))) != SQLITE_OK ||
	    (rc = bind_str(st, 2, lt_vocab_term(&lt_vocab_source, r->source)->code)) != SQLITE_OK ||
	    (rc = agency_id ? sqlite3_bind_int64(st, 3, agency_id) : sqlite3_bind_null(st, 3)) !=
		    SQLITE_OK ||
	    (rc = bind_str(st, 4, lt_vocab_term(&lt_vocab_place, r->place)->code)) != SQLITE_OK ||
	    (rc = bind_str(st, 5,
			   r->district >= 0
				   ? lt_vocab_term(&lt_vocab_district, (size_t)r->district)->code
				   : NULL)) != SQLITE_OK ||
	    (rc = bind_str(st, 6,
			   r->country >= 0
				   ? lt_vocab_term(&lt_vocab_country, (size_t)r->country)->code
				   : NULL)) != SQLITE_OK ||
	    (rc = bind_date(st, 7, &r->occurred)) != SQLITE_OK ||
	    (rc = bind_date(st, 8, &r->received)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 9, r->anonymous ? 1 : 0)) != SQLITE_OK ||
	    (rc = bind_str(st, 10, r->description)) != SQLITE_OK)
		return rc;
	if (r->contact_sealed)
		return sqlite3_bind_blob(st, 11, r->contact_sealed, (int)r->contact_sealed_len,
					 SQLITE_TRANSIENT);
	return sqlite3_bind_null(st, 11);
}

/* The arguments of a reports_insert write (store_sqlite_writer.c). */
struct reports_write {
	struct sqlite_store *ss;
	struct lt_report *r;
	size_t n;
	const char *actor;
};

/* Insert the reports and their audit entry; run by the writer thread. */
static lt_status reports_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct reports_write *w = arg;
	struct conn *c = &w->ss->writer;
	struct lt_report *r = w->r;
	size_t n = w->n;
	sqlite3_stmt *ins = NULL, *forms = NULL, *agency = NULL;
	char object[64];
	lt_status st = LT_OK;
	int rc;

	LT_ASSERT(db == c->db);
	if ((st = conn_prepare(c, "SELECT id FROM agencies WHERE code = ?1", &agency, err)) !=
		    LT_OK ||
	    (st = conn_prepare(c,
			       "INSERT INTO reports(ref, source, agency_id, place, district, country, "
			       "occurred, received, anonymous, description, contact_sealed) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			       &ins, err)) != LT_OK ||
	    (st = conn_prepare(c, "INSERT INTO report_forms(report_id, form) VALUES (?1, ?2)",
			       &forms, err)) != LT_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct lt_report *p = &r[i];
		int64_t agency_id = 0;
		if (p->agency[0] &&
		    (st = lookup_id(db, agency, p->agency, sizeof(p->agency), "agency", "agency", i,
				    n, &agency_id, err)) != LT_OK)
			goto out;
		if ((rc = bind_report(ins, p, agency_id)) != SQLITE_OK)
			goto db_error;
		rc = sqlite3_step(ins);
		if (rc == SQLITE_CONSTRAINT_UNIQUE) {
			st = lt_error_set(err, LT_EEXIST, "ref",
					  "the reference code '%.*s' is already in use",
					  (int)strnlen(p->ref, sizeof(p->ref)), p->ref);
			goto out;
		}
		if (rc != SQLITE_DONE)
			goto db_error;
		p->id = sqlite3_last_insert_rowid(db);
		sqlite3_reset(ins);
		if ((st = forms_insert(db, forms, p->id, p->forms, err)) != LT_OK)
			goto out;
	}
	if (n == 1)
		snprintf(object, sizeof(object), "report:%.*s", (int)strnlen(r->ref, sizeof(r->ref)),
			 r->ref);
	else
		snprintf(object, sizeof(object), "reports:%zu", n);
	st = audit_add(w->ss, db, w->actor, "report.create", object, err);
	goto out;
db_error:
	st = db_fail(db, rc, "writing a report", err);
out:
	stmt_release(c, ins);
	stmt_release(c, forms);
	stmt_release(c, agency);
	return st;
}

static lt_status sqlite_reports_insert(struct store *s, struct lt_report *r, size_t n,
				       const char *actor, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct reports_write w = {ss, r, n, actor};
	lt_status st = LT_OK;

	actor_check(actor);
	if (n == 0)
		return LT_OK;
	LT_ASSERT(r);
	for (size_t i = 0; i < n; i++)
		if ((st = report_precheck(&r[i], i, n, err)) != LT_OK)
			return st;
	if ((st = store_writer_run(ss->writes, reports_write, &w, err)) != LT_OK)
		for (size_t i = 0; i < n; i++)
			r[i].id = 0;
	return st;
}

/* Fill `out` from the row of the report query. */
static lt_status report_from_row(sqlite3_stmt *st, struct lt_report *out, struct lt_error *err)
{
	lt_status r;
	int source, place;
	out->id = sqlite3_column_int64(st, 0);
	if ((r = column_fixed(st, 1, out->ref, sizeof(out->ref), "reports.ref", err)) ||
	    (r = column_code(st, 2, &lt_vocab_source, "reports.source", &source, err)) ||
	    (r = column_fixed(st, 3, out->agency, sizeof(out->agency), "agencies.code", err)) ||
	    (r = column_code(st, 4, &lt_vocab_place, "reports.place", &place, err)) ||
	    (r = column_code(st, 5, &lt_vocab_district, "reports.district", &out->district, err)) ||
	    (r = column_code(st, 6, &lt_vocab_country, "reports.country", &out->country, err)) ||
	    (r = column_date(st, 7, "reports.occurred", &out->occurred, err)) ||
	    (r = column_date(st, 8, "reports.received", &out->received, err)))
		return r;
	if (source < 0 || place < 0)
		return lt_error_set(err, LT_ESTORE, NULL, "a report in the database has no source or place");
	out->source = (enum lt_source)source;
	out->place = (enum lt_place)place;
	out->anonymous = sqlite3_column_int(st, 9) != 0;

	if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
		const unsigned char *t = sqlite3_column_text(st, 10);
		size_t len = (size_t)sqlite3_column_bytes(st, 10);
		if (!t || !(out->description = malloc(len + 1)))
			return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
		memcpy(out->description, t, len);
		out->description[len] = '\0';
	}
	if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
		const void *b = sqlite3_column_blob(st, 11);
		size_t len = (size_t)sqlite3_column_bytes(st, 11);
		if (len > 0) {
			if (!b || !(out->contact_sealed = malloc(len)))
				return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
			memcpy(out->contact_sealed, b, len);
			out->contact_sealed_len = len;
		}
	}
	return LT_OK;
}

static lt_status sqlite_report_get(struct store *s, const char *ref, struct lt_report *out,
				   struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c;
	sqlite3_stmt *st = NULL, *forms = NULL;
	lt_status r;
	int rc;
	char q[40];

	lt_report_init(out);
	c = reader_lock(ss);
	if ((r = conn_prepare(c,
			    "SELECT r.id, r.ref, r.source, a.code, r.place, r.district, r.country, "
			    "r.occurred, r.received, r.anonymous, r.description, r.contact_sealed "
			    "FROM reports r LEFT JOIN agencies a ON a.id = r.agency_id "
			    "WHERE r.ref = ?1",
			    &st, err)) != LT_OK ||
	    (r = conn_prepare(c, "SELECT form FROM report_forms WHERE report_id = ?1", &forms,
			      err)) != LT_OK)
		goto out;
	if ((rc = bind_str(st, 1, ref)) != SQLITE_OK)
		goto db_error;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		lt_error_quote(q, sizeof(q), ref, strlen(ref), 20);
		r = lt_error_set(err, LT_ENOTFOUND, "ref", "there is no report with reference code '%s'",
				 q);
		goto out;
	}
	if (rc != SQLITE_ROW)
		goto db_error;
	if ((r = report_from_row(st, out, err)) != LT_OK)
		goto out;

	/* The forms were committed with the report, so they are all visible. */
	if ((rc = sqlite3_bind_int64(forms, 1, out->id)) != SQLITE_OK)
		goto db_error;
	while ((rc = sqlite3_step(forms)) == SQLITE_ROW) {
		int f;
		if ((r = column_code(forms, 0, &lt_vocab_form, "report_forms.form", &f, err)) != LT_OK)
			goto out;
		if (f >= 0)
			out->forms |= 1u << f;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	r = LT_OK;
	goto out;
db_error:
	r = db_fail(c->db, rc, "reading a report", err);
out:
	stmt_release(c, st);
	stmt_release(c, forms);
	conn_unlock(c);
	if (r != LT_OK) {
		lt_report_release(out);
		lt_report_init(out);
	}
	return r;
}

static lt_status sqlite_report_count(struct store *s, long *out, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	lt_status r = query_int(c->db, "SELECT count(*) FROM reports", out, err);
	conn_unlock(c);
	return r;
}

/*
 * A page of reports, newest first, by keyset: "id < before" on the primary
 * key, so a page costs the same however deep it is and reports stored
 * meanwhile never shift a page. The description is selected as NULL: a list
 * never reads free text. One row more than asked tells whether more follow.
 */
static lt_status sqlite_reports_list(struct store *s, int64_t before, int64_t agency_id,
				     size_t limit, struct lt_report *out, size_t *n, bool *more,
				     struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c;
	sqlite3_stmt *st = NULL, *forms = NULL;
	lt_status r;
	int rc;

	LT_ASSERT(limit >= 1 && limit <= LT_API_PAGE_MAX && before >= 0 && agency_id >= 0);
	*n = 0;
	*more = false;
	c = reader_lock(ss);
	/* Two statements rather than "(?2 = 0 OR ...)", which no index serves:
	 * every report walks the primary key down from `before`, one agency's
	 * walks reports_agency (agency_id, then the rowid). */
	if ((r = store_sqlite_prep(c->db,
			    agency_id ? "SELECT r.id, r.ref, r.source, a.code, r.place, r.district, "
					"r.country, r.occurred, r.received, r.anonymous, NULL, "
					"r.contact_sealed "
					"FROM reports r LEFT JOIN agencies a ON a.id = r.agency_id "
					"WHERE r.agency_id = ?2 AND r.id < ?1 "
					"ORDER BY r.id DESC LIMIT ?3"
				      : "SELECT r.id, r.ref, r.source, a.code, r.place, r.district, "
					"r.country, r.occurred, r.received, r.anonymous, NULL, "
					"r.contact_sealed "
					"FROM reports r LEFT JOIN agencies a ON a.id = r.agency_id "
					"WHERE r.id < ?1 AND ?2 = 0 "
					"ORDER BY r.id DESC LIMIT ?3",
			    &st, err)) != LT_OK ||
	    (r = store_sqlite_prep(c->db, "SELECT form FROM report_forms WHERE report_id = ?1", &forms,
			    err)) != LT_OK)
		goto out;
	if ((rc = sqlite3_bind_int64(st, 1, before ? before : INT64_MAX)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 2, agency_id)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)limit + 1)) != SQLITE_OK)
		goto db_error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == limit) {
			*more = true;
			break;
		}
		struct lt_report *rep = &out[*n];
		lt_report_init(rep);
		(*n)++;
		if ((r = report_from_row(st, rep, err)) != LT_OK)
			goto out;
		if ((rc = sqlite3_reset(forms)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int64(forms, 1, rep->id)) != SQLITE_OK)
			goto db_error;
		while ((rc = sqlite3_step(forms)) == SQLITE_ROW) {
			int f;
			if ((r = column_code(forms, 0, &lt_vocab_form, "report_forms.form", &f,
					     err)) != LT_OK)
				goto out;
			if (f >= 0)
				rep->forms |= 1u << f;
		}
		if (rc != SQLITE_DONE)
			goto db_error;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto db_error;
	r = LT_OK;
	goto out;
db_error:
	r = db_fail(c->db, rc, "listing reports", err);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(forms);
	conn_unlock(c);
	return r;
}

/* ---- arrests ------------------------------------------------------------ */

/* The arguments of an arrests_insert write. */
struct arrests_write {
	struct sqlite_store *ss;
	struct lt_arrest *a;
	size_t n;
	const char *actor;
};

static lt_status arrests_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct arrests_write *w = arg;
	struct lt_arrest *a = w->a;
	size_t n = w->n;
	sqlite3_stmt *ins = NULL, *agency = NULL, *kase = NULL;
	char object[64];
	lt_status st = LT_OK;
	int rc;

	if ((st = store_sqlite_prep(db, "SELECT id FROM agencies WHERE code = ?1", &agency, err)) != LT_OK ||
	    (st = store_sqlite_prep(db, "SELECT id FROM cases WHERE ref = ?1", &kase, err)) != LT_OK ||
	    (st = store_sqlite_prep(db,
			     "INSERT INTO arrests(date, offence, agency_id, case_id) "
			     "VALUES (?1, ?2, ?3, ?4)",
			     &ins, err)) != LT_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct lt_arrest *p = &a[i];
		int64_t agency_id = 0, case_id = 0;
		if ((st = lookup_id(db, agency, p->agency, sizeof(p->agency), "agency", "agency", i,
				    n, &agency_id, err)) != LT_OK)
			goto out;
		if (p->case_ref[0] &&
		    (st = lookup_id(db, kase, p->case_ref, sizeof(p->case_ref), "case", "case", i, n,
				    &case_id, err)) != LT_OK)
			goto out;
		if ((rc = bind_date(ins, 1, &p->date)) != SQLITE_OK ||
		    (rc = bind_str(ins, 2, lt_vocab_term(&lt_vocab_offence, p->offence)->code)) !=
			    SQLITE_OK ||
		    (rc = sqlite3_bind_int64(ins, 3, agency_id)) != SQLITE_OK ||
		    (rc = case_id ? sqlite3_bind_int64(ins, 4, case_id) : sqlite3_bind_null(ins, 4)) !=
			    SQLITE_OK ||
		    (rc = sqlite3_step(ins)) != SQLITE_DONE)
			goto db_error;
		p->id = sqlite3_last_insert_rowid(db);
		sqlite3_reset(ins);
	}
	snprintf(object, sizeof(object), "arrests:%zu", n);
	st = audit_add(w->ss, db, w->actor, "arrest.create", object, err);
	goto out;
db_error:
	st = db_fail(db, rc, "writing an arrest", err);
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(agency);
	sqlite3_finalize(kase);
	return st;
}

static lt_status sqlite_arrests_insert(struct store *s, struct lt_arrest *a, size_t n,
				       const char *actor, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct arrests_write w = {ss, a, n, actor};
	lt_status st;

	actor_check(actor);
	if (n == 0)
		return LT_OK;
	LT_ASSERT(a);
	for (size_t i = 0; i < n; i++)
		LT_ASSERT((unsigned)a[i].offence < LT_OFFENCE_COUNT);
	if ((st = store_writer_run(ss->writes, arrests_write, &w, err)) != LT_OK)
		for (size_t i = 0; i < n; i++)
			a[i].id = 0;
	return st;
}

static int arrest_count_cmp(const void *x, const void *y)
{
	const struct store_arrest_count *a = x, *b = y;
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	return (a->offence > b->offence) - (a->offence < b->offence);
}

static lt_status sqlite_arrest_counts(struct store *s, struct store_arrest_count **out,
				      size_t *n, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	sqlite3_stmt *st = NULL;
	struct store_arrest_count *v = NULL;
	size_t count = 0, cap = 0;
	lt_status r;
	int rc;

	*out = NULL;
	*n = 0;
	if ((r = store_sqlite_prep(c->db,
			    "SELECT year, offence, count(*) FROM arrests WHERE year IS NOT NULL "
			    "GROUP BY year, offence",
			    &st, err)) != LT_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int offence;
		if ((r = grow((void **)&v, &cap, count + 1, sizeof(*v), err)) != LT_OK ||
		    (r = column_code(st, 1, &lt_vocab_offence, "arrests.offence", &offence, err)) !=
			    LT_OK)
			goto out;
		if (offence < 0) {
			r = lt_error_set(err, LT_ESTORE, NULL, "arrests.offence is NULL in the database");
			goto out;
		}
		v[count].year = sqlite3_column_int(st, 0);
		v[count].offence = (enum lt_offence)offence;
		v[count].arrests = (long)sqlite3_column_int64(st, 2);
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = db_fail(c->db, rc, "counting the arrests", err);
		goto out;
	}
	/* By year, then in the offence vocabulary's order, not the codes'. */
	if (count > 1)
		qsort(v, count, sizeof(*v), arrest_count_cmp);
	*out = v;
	*n = count;
	v = NULL;
out:
	sqlite3_finalize(st);
	conn_unlock(c);
	free(v);
	return r;
}

/* ---- audit -------------------------------------------------------------- */

/*
 * Copy a text column of an audit row into `out` (capacity `cap`). A value
 * lantern never writes — the wrong type, too long, a NUL inside, NULL where
 * `nullable` is false — sets *bad and is cut to fit. LT_ENOMEM only when
 * SQLite runs out of memory converting it.
 */
static lt_status audit_text(sqlite3_stmt *st, int col, char *out, size_t cap, bool nullable,
			    bool *bad, struct lt_error *err)
{
	int type = sqlite3_column_type(st, col);
	out[0] = '\0';
	if (type == SQLITE_NULL) {
		if (!nullable)
			*bad = true;
		return LT_OK;
	}
	if (type != SQLITE_TEXT)
		*bad = true;
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!t)
		return lt_error_set(err, LT_ENOMEM, NULL, "reading the audit table: out of memory");
	size_t len = (size_t)sqlite3_column_bytes(st, col);
	if (len >= cap || memchr(t, '\0', len) || (nullable && len == 0)) {
		*bad = true;
		if (len >= cap)
			len = cap - 1;
	}
	memcpy(out, t, len);
	out[len] = '\0';
	return LT_OK;
}

/* Copy a 32-byte hash column; anything else sets *bad and leaves zeros. */
static void audit_hash_column(sqlite3_stmt *st, int col, unsigned char *out, bool *bad)
{
	memset(out, 0, LT_AUDIT_HASH_BYTES);
	if (sqlite3_column_type(st, col) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, col) != LT_AUDIT_HASH_BYTES) {
		*bad = true;
		return;
	}
	memcpy(out, sqlite3_column_blob(st, col), LT_AUDIT_HASH_BYTES);
}

/* Fill `e` from a row of (id, at, actor, action, object, person, purpose,
 * prev_hash, hash). */
static lt_status audit_from_row(sqlite3_stmt *st, struct store_audit_entry *e,
				struct lt_error *err)
{
	lt_status r;
	bool bad = false;
	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, 0);
	if ((r = audit_text(st, 1, e->at, sizeof(e->at), false, &bad, err)) != LT_OK ||
	    (r = audit_text(st, 2, e->actor, sizeof(e->actor), false, &bad, err)) != LT_OK ||
	    (r = audit_text(st, 3, e->action, sizeof(e->action), false, &bad, err)) != LT_OK ||
	    (r = audit_text(st, 4, e->object, sizeof(e->object), false, &bad, err)) != LT_OK ||
	    (r = audit_text(st, 6, e->purpose, sizeof(e->purpose), true, &bad, err)) != LT_OK)
		return r;
	switch (sqlite3_column_type(st, 5)) {
	case SQLITE_NULL:
		break;
	case SQLITE_INTEGER:
		e->person = sqlite3_column_int64(st, 5);
		if (e->person <= 0) {
			e->person = 0;
			bad = true;
		}
		break;
	default:
		bad = true;
		break;
	}
	audit_hash_column(st, 7, e->prev_hash, &bad);
	audit_hash_column(st, 8, e->hash, &bad);
	e->malformed = bad;
	return LT_OK;
}

static lt_status sqlite_audit_list(struct store *s, const struct store_audit_query *q,
				   struct store_audit_entry **out, size_t *n, struct lt_error *err)
{
	/* [person filter][newest first] */
	static const char *const sql[2][2] = {
		{"SELECT id, at, actor, action, object, person, purpose, prev_hash, hash FROM audit "
		 "WHERE id > ?1 ORDER BY id LIMIT ?3",
		 "SELECT id, at, actor, action, object, person, purpose, prev_hash, hash FROM audit "
		 "WHERE id > ?1 ORDER BY id DESC LIMIT ?3"},
		{"SELECT id, at, actor, action, object, person, purpose, prev_hash, hash FROM audit "
		 "WHERE id > ?1 AND person = ?2 ORDER BY id LIMIT ?3",
		 "SELECT id, at, actor, action, object, person, purpose, prev_hash, hash FROM audit "
		 "WHERE id > ?1 AND person = ?2 ORDER BY id DESC LIMIT ?3"},
	};
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c;
	sqlite3_stmt *st = NULL;
	struct store_audit_entry *v = NULL;
	size_t count = 0, cap = 0;
	lt_status r;
	int rc;

	*out = NULL;
	*n = 0;
	if (q->limit == 0)
		return LT_OK;
	c = reader_lock(ss);
	if ((r = store_sqlite_prep(c->db, sql[q->person != 0][q->newest_first], &st, err)) != LT_OK)
		goto out;
	/* The array grows with the rows found, not with `limit`. */
	if ((rc = sqlite3_bind_int64(st, 1, q->after)) != SQLITE_OK ||
	    (q->person && (rc = sqlite3_bind_int64(st, 2, q->person)) != SQLITE_OK) ||
	    (rc = sqlite3_bind_int64(st, 3,
				     q->limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)q->limit)) !=
		    SQLITE_OK)
		goto db_error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = grow((void **)&v, &cap, count + 1, sizeof(*v), err)) != LT_OK ||
		    (r = audit_from_row(st, &v[count], err)) != LT_OK)
			goto out;
		count++;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	*out = v;
	*n = count;
	v = NULL;
	goto out;
db_error:
	r = db_fail(c->db, rc, "reading the audit table", err);
out:
	sqlite3_finalize(st);
	conn_unlock(c);
	free(v);
	return r;
}

static lt_status sqlite_audit_tail(struct store *s, size_t limit, struct store_audit_entry **out,
				   size_t *n, struct lt_error *err)
{
	struct store_audit_query q = {.after = 0, .person = 0, .limit = limit, .newest_first = true};
	return sqlite_audit_list(s, &q, out, n, err);
}

/* The arguments of an audit_append or audit_checkpoint_add write. */
struct audit_write {
	struct sqlite_store *ss;
	const struct store_audit_new *e;
	const struct lt_crypto_sign_key *key; /* audit_checkpoint_add: sign with it */
	struct lt_audit_checkpoint *out;      /* audit_checkpoint_add: the checkpoint */
};

static lt_status audit_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct audit_write *w = arg;
	return audit_add_entry(w->ss, db, w->e, true, NULL, NULL, NULL, err);
}

static lt_status sqlite_audit_append(struct store *s, const struct store_audit_new *e,
				     struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct audit_write w = {ss, e, NULL, NULL};
	return store_writer_run(ss->writes, audit_write, &w, err);
}

static lt_status checkpoint_add_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct audit_write *w = arg;
	unsigned char hash[LT_AUDIT_HASH_BYTES];
	char at[LT_AUDIT_TIME_MAX];
	int64_t id = 0;
	lt_status r;
	if ((r = audit_add_entry(w->ss, db, w->e, false, &id, hash, at, err)) != LT_OK)
		return r;
	return checkpoint_write(db, w->key, id, hash, at, w->out, err);
}

static lt_status sqlite_audit_checkpoint_add(struct store *s, const struct lt_crypto_sign_key *key,
					     const char *actor, struct lt_audit_checkpoint *out,
					     struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct store_audit_new e = {actor, "audit.checkpoint", "audit", 0, NULL};
	struct audit_write w = {ss, &e, key, out};
	lt_status r;

	actor_check(actor);
	LT_ASSERT(key && key->has_secret);
	memset(out, 0, sizeof(*out));
	if ((r = store_writer_run(ss->writes, checkpoint_add_write, &w, err)) != LT_OK)
		memset(out, 0, sizeof(*out));
	return r;
}
/* Copy a blob column of exactly `n` bytes; anything else leaves zeros, so
 * the checkpoint's signature will not verify. */
static void blob_exact(sqlite3_stmt *st, int col, unsigned char *out, size_t n)
{
	memset(out, 0, n);
	if (sqlite3_column_type(st, col) == SQLITE_BLOB && (size_t)sqlite3_column_bytes(st, col) == n)
		memcpy(out, sqlite3_column_blob(st, col), n);
}

static lt_status sqlite_audit_checkpoints(struct store *s, struct lt_audit_checkpoint **out,
					  size_t *n, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	sqlite3_stmt *st = NULL;
	struct lt_audit_checkpoint *v = NULL;
	size_t count = 0, cap = 0;
	lt_status r;
	int rc;

	*out = NULL;
	*n = 0;
	if ((r = store_sqlite_prep(c->db,
			    "SELECT id, entry_id, entry_hash, signed_at, public_key, signature "
			    "FROM audit_checkpoints ORDER BY id",
			    &st, err)) != LT_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = grow((void **)&v, &cap, count + 1, sizeof(*v), err)) != LT_OK)
			goto out;
		struct lt_audit_checkpoint *cp = &v[count++];
		memset(cp, 0, sizeof(*cp));
		cp->id = sqlite3_column_int64(st, 0);
		cp->entry_id = sqlite3_column_int64(st, 1);
		blob_exact(st, 2, cp->entry_hash, sizeof(cp->entry_hash));
		/* A time cut to fit changes the statement, so the signature fails. */
		store_sqlite_column_copy(st, 3, cp->signed_at, sizeof(cp->signed_at));
		blob_exact(st, 4, cp->public_key, sizeof(cp->public_key));
		blob_exact(st, 5, cp->signature, sizeof(cp->signature));
	}
	if (rc != SQLITE_DONE) {
		r = db_fail(c->db, rc, "reading the audit checkpoints", err);
		goto out;
	}
	*out = v;
	*n = count;
	v = NULL;
out:
	sqlite3_finalize(st);
	conn_unlock(c);
	free(v);
	return r;
}

static void sqlite_audit_signer_set(struct store *s, const struct lt_crypto_sign_key *key,
				    unsigned every)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	LT_ASSERT(!key || key->has_secret);
	conn_lock(&ss->writer);
	lt_crypto_sign_key_wipe(&ss->signer);
	if (key)
		ss->signer = *key;
	ss->signer_every = every ? every : LT_AUDIT_CHECKPOINT_EVERY;
	conn_unlock(&ss->writer);
}

/* ---- accounts and API tokens -------------------------------------------- */

#define USER_COLUMNS                                                                        \
	"u.id, u.email, u.agency_id, a.code, a.kind, u.role, u.disabled, u.created_at, "   \
	"u.password_hash, u.unlock_requested FROM users u JOIN agencies a ON a.id = "       \
	"u.agency_id "

/* Fill `u` from a row of USER_COLUMNS (or of columns in the same places
 * up to unlock_requested, 9); the hash only when `with_hash`. */
static lt_status user_from_row(sqlite3_stmt *st, struct store_user *u, bool with_hash,
			       struct lt_error *err)
{
	lt_status r;
	int kind, role;
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, 0);
	u->agency_id = sqlite3_column_int64(st, 2);
	if ((r = column_fixed(st, 1, u->email, sizeof(u->email), "users.email", err)) ||
	    (r = column_fixed(st, 3, u->agency, sizeof(u->agency), "agencies.code", err)) ||
	    (r = column_code(st, 4, &lt_vocab_agency_kind, "agencies.kind", &kind, err)) ||
	    (r = column_code(st, 5, &lt_vocab_role, "users.role", &role, err)) ||
	    (r = column_fixed(st, 7, u->created_at, sizeof(u->created_at), "users.created_at", err)))
		return r;
	if (with_hash && (r = column_fixed(st, 8, u->password_hash, sizeof(u->password_hash),
					   "users.password_hash", err)))
		return r;
	if (kind < 0 || role < 0)
		return lt_error_set(err, LT_ESTORE, NULL, "an account in the database has no role");
	u->agency_kind = (enum lt_agency_kind)kind;
	u->role = (enum lt_role)role;
	u->disabled = sqlite3_column_int(st, 6) != 0;
	u->unlock_requested = sqlite3_column_int(st, 9) != 0;
	return LT_OK;
}

/* Read the one account `sql` (one parameter, bound by `bind`) selects. */
static lt_status user_read(sqlite3 *db, const char *sql, const char *email, int64_t id,
			   bool with_hash, struct store_user *out, struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	lt_status r;
	int rc;
	if ((r = store_sqlite_prep(db, sql, &st, err)) != LT_OK)
		goto out;
	rc = email ? bind_str(st, 1, email) : sqlite3_bind_int64(st, 1, id);
	if (rc != SQLITE_OK) {
		r = db_fail(db, rc, "reading an account", err);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = lt_error_set(err, LT_ENOTFOUND, email ? "email" : "id", "there is no such account");
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = db_fail(db, rc, "reading an account", err);
		goto out;
	}
	r = user_from_row(st, out, with_hash, err);
out:
	sqlite3_finalize(st);
	if (r != LT_OK)
		store_user_wipe(out);
	return r;
}

/* The arguments of a user_add write. */
struct user_add_write {
	struct sqlite_store *ss;
	struct store_user *u;
	size_t elen;
	const char *password_hash;
	const char *actor;
};

static lt_status user_add_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct user_add_write *w = arg;
	struct store_user *u = w->u;
	sqlite3_stmt *agency = NULL, *ins = NULL;
	char object[32];
	int64_t agency_id = 0, id = 0;
	lt_status r;
	int rc;

	if ((r = store_sqlite_prep(db, "SELECT id FROM agencies WHERE code = ?1", &agency, err)) != LT_OK ||
	    (r = store_sqlite_prep(db,
			    "INSERT INTO users(email, agency_id, role, password_hash) "
			    "VALUES (?1, ?2, ?3, ?4)",
			    &ins, err)) != LT_OK)
		goto out;
	if ((r = lookup_id(db, agency, u->agency, sizeof(u->agency), "agency", "agency", 0, 1,
			   &agency_id, err)) != LT_OK)
		goto out;
	if ((rc = bind_text(ins, 1, u->email, w->elen)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(ins, 2, agency_id)) != SQLITE_OK ||
	    (rc = bind_str(ins, 3, lt_vocab_term(&lt_vocab_role, u->role)->code)) != SQLITE_OK ||
	    (rc = bind_str(ins, 4, w->password_hash)) != SQLITE_OK)
		goto db_error;
	rc = sqlite3_step(ins);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		r = lt_error_set(err, LT_EEXIST, "email", "an account with that e-mail address exists");
		goto out;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	id = sqlite3_last_insert_rowid(db);
	snprintf(object, sizeof(object), "user:%lld", (long long)id);
	if ((r = audit_add(w->ss, db, w->actor, "user.create", object, err)) != LT_OK)
		goto out;
	/* Read back what was stored: the agency's kind, the time. */
	r = user_read(db, "SELECT " USER_COLUMNS "WHERE u.id = ?1", NULL, id, false, u, err);
	goto out;
db_error:
	r = db_fail(db, rc, "adding an account", err);
out:
	sqlite3_finalize(agency);
	sqlite3_finalize(ins);
	return r;
}

static lt_status sqlite_user_add(struct store *s, struct store_user *u, const char *password_hash,
				 const char *actor, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct user_add_write w = {ss, u, strnlen(u->email, sizeof(u->email)), password_hash,
				   actor};
	lt_status r;

	actor_check(actor);
	LT_ASSERT((unsigned)u->role < LT_ROLE_COUNT);
	LT_ASSERT(password_hash && strncmp(password_hash, "$argon2", 7) == 0);
	if ((r = lt_email_check(u->email, w.elen, err)) != LT_OK)
		return r;
	if ((r = store_writer_run(ss->writes, user_add_write, &w, err)) != LT_OK)
		u->id = 0;
	return r;
}

static lt_status sqlite_user_find(struct store *s, const char *email, struct store_user *out,
				  struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	lt_status r = user_read(c->db, "SELECT " USER_COLUMNS "WHERE u.email = ?1", email, 0, true,
				out, err);
	conn_unlock(c);
	return r;
}

static lt_status sqlite_user_get(struct store *s, int64_t id, struct store_user *out,
				 struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	lt_status r = user_read(c->db, "SELECT " USER_COLUMNS "WHERE u.id = ?1", NULL, id, true, out,
				err);
	conn_unlock(c);
	return r;
}

static lt_status sqlite_user_list(struct store *s, struct store_user **out, size_t *n,
				  struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	sqlite3_stmt *st = NULL;
	struct store_user *v = NULL;
	size_t count = 0, cap = 0;
	lt_status r;
	int rc;

	*out = NULL;
	*n = 0;
	if ((r = store_sqlite_prep(c->db, "SELECT " USER_COLUMNS "ORDER BY a.code, u.email", &st, err)) !=
	    LT_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = grow((void **)&v, &cap, count + 1, sizeof(*v), err)) != LT_OK ||
		    (r = user_from_row(st, &v[count], false, err)) != LT_OK)
			goto out;
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = db_fail(c->db, rc, "listing the accounts", err);
		goto out;
	}
	*out = v;
	*n = count;
	v = NULL;
out:
	sqlite3_finalize(st);
	conn_unlock(c);
	free(v);
	return r;
}

/* The arguments of a user_set_disabled or user_set_password write. */
struct user_change_write {
	struct sqlite_store *ss;
	const char *email;         /* set_disabled: the account */
	bool disabled;             /* set_disabled: the new state */
	struct store_user *u;      /* set_disabled: the account as it now is */
	int64_t id;                /* set_password: the account */
	const char *password_hash; /* set_password: the new hash */
	const char *actor;
};

static lt_status user_disable_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct user_change_write *w = arg;
	struct store_user *u = w->u;
	sqlite3_stmt *up = NULL;
	char object[32];
	lt_status r;
	int rc;

	if ((r = user_read(db, "SELECT " USER_COLUMNS "WHERE u.email = ?1", w->email, 0, false, u,
			   err)) != LT_OK)
		goto out;
	if (u->disabled != w->disabled) {
		if ((r = store_sqlite_prep(db, "UPDATE users SET disabled = ?1 WHERE id = ?2", &up, err)) !=
		    LT_OK)
			goto out;
		if ((rc = sqlite3_bind_int(up, 1, w->disabled ? 1 : 0)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int64(up, 2, u->id)) != SQLITE_OK ||
		    (rc = sqlite3_step(up)) != SQLITE_DONE) {
			r = db_fail(db, rc, "changing an account", err);
			goto out;
		}
		snprintf(object, sizeof(object), "user:%lld", (long long)u->id);
		if ((r = audit_add(w->ss, db, w->actor, w->disabled ? "user.disable" : "user.enable",
				   object, err)) != LT_OK)
			goto out;
		u->disabled = w->disabled;
	}
out:
	sqlite3_finalize(up);
	return r;
}

static lt_status sqlite_user_set_disabled(struct store *s, const char *email, bool disabled,
					  const char *actor, struct store_user *out,
					  struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct store_user u;
	struct user_change_write w = {.ss = ss, .email = email, .disabled = disabled, .u = &u,
				      .actor = actor};
	lt_status r;

	actor_check(actor);
	memset(&u, 0, sizeof(u));
	r = store_writer_run(ss->writes, user_disable_write, &w, err);
	if (r == LT_OK && out)
		*out = u;
	store_user_wipe(&u);
	return r;
}

static lt_status user_password_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct user_change_write *w = arg;
	sqlite3_stmt *up = NULL;
	char object[32];
	lt_status r;
	int rc;

	if ((r = store_sqlite_prep(db, "UPDATE users SET password_hash = ?1 WHERE id = ?2", &up, err)) !=
	    LT_OK)
		goto out;
	if ((rc = bind_str(up, 1, w->password_hash)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(up, 2, w->id)) != SQLITE_OK ||
	    (rc = sqlite3_step(up)) != SQLITE_DONE) {
		r = db_fail(db, rc, "changing a password", err);
		goto out;
	}
	if (sqlite3_changes(db) == 0) {
		r = lt_error_set(err, LT_ENOTFOUND, "id", "there is no such account");
		goto out;
	}
	snprintf(object, sizeof(object), "user:%lld", (long long)w->id);
	r = audit_add(w->ss, db, w->actor, "user.password", object, err);
out:
	sqlite3_finalize(up);
	return r;
}

static lt_status sqlite_user_set_password(struct store *s, int64_t id, const char *password_hash,
					  const char *actor, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct user_change_write w = {.ss = ss, .id = id, .password_hash = password_hash,
				      .actor = actor};

	actor_check(actor);
	LT_ASSERT(password_hash && strncmp(password_hash, "$argon2", 7) == 0);
	return store_writer_run(ss->writes, user_password_write, &w, err);
}

static lt_status user_unlock_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct user_change_write *w = arg;
	struct store_user *u = w->u;
	sqlite3_stmt *up = NULL;
	char object[32];
	lt_status r;
	int rc;

	if ((r = user_read(db, "SELECT " USER_COLUMNS "WHERE u.email = ?1", w->email, 0, false, u,
			   err)) != LT_OK)
		goto out;
	if ((r = store_sqlite_prep(db, "UPDATE users SET unlock_requested = 1 WHERE id = ?1", &up, err)) !=
	    LT_OK)
		goto out;
	if ((rc = sqlite3_bind_int64(up, 1, u->id)) != SQLITE_OK ||
	    (rc = sqlite3_step(up)) != SQLITE_DONE) {
		r = db_fail(db, rc, "asking for an account's unlock", err);
		goto out;
	}
	snprintf(object, sizeof(object), "user:%lld", (long long)u->id);
	if ((r = audit_add(w->ss, db, w->actor, "user.unlock", object, err)) != LT_OK)
		goto out;
	u->unlock_requested = true;
out:
	sqlite3_finalize(up);
	return r;
}

static lt_status sqlite_user_unlock(struct store *s, const char *email, const char *actor,
				    struct store_user *out, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct store_user u;
	struct user_change_write w = {.ss = ss, .email = email, .u = &u, .actor = actor};
	lt_status r;

	actor_check(actor);
	memset(&u, 0, sizeof(u));
	r = store_writer_run(ss->writes, user_unlock_write, &w, err);
	if (r == LT_OK && out)
		*out = u;
	store_user_wipe(&u);
	return r;
}

/* The arguments of a user_unlock_take write. */
struct unlock_take_write {
	int64_t id;
	bool taken; /* out */
};

static lt_status user_unlock_take_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct unlock_take_write *w = arg;
	sqlite3_stmt *up = NULL;
	lt_status r;
	int rc;

	w->taken = false;
	if ((r = store_sqlite_prep(db,
			    "UPDATE users SET unlock_requested = 0 WHERE id = ?1 AND "
			    "unlock_requested = 1",
			    &up, err)) != LT_OK)
		return r;
	if ((rc = sqlite3_bind_int64(up, 1, w->id)) != SQLITE_OK ||
	    (rc = sqlite3_step(up)) != SQLITE_DONE)
		r = db_fail(db, rc, "taking an account's unlock", err);
	else
		w->taken = sqlite3_changes(db) > 0;
	sqlite3_finalize(up);
	return r;
}

static lt_status sqlite_user_unlock_take(struct store *s, int64_t id, bool *taken,
					 struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct unlock_take_write w = {id, false};
	lt_status r = store_writer_run(ss->writes, user_unlock_take_write, &w, err);
	*taken = r == LT_OK && w.taken;
	return r;
}

#define TOKEN_COLUMNS                                                                   \
	"t.id, t.agency_id, a.code, t.role, t.label, t.created_at, t.revoked_at "       \
	"FROM api_tokens t JOIN agencies a ON a.id = t.agency_id "

static lt_status token_from_row(sqlite3_stmt *st, struct store_token *t, struct lt_error *err)
{
	lt_status r;
	int role;
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	t->agency_id = sqlite3_column_int64(st, 1);
	if ((r = column_fixed(st, 2, t->agency, sizeof(t->agency), "agencies.code", err)) ||
	    (r = column_code(st, 3, &lt_vocab_role, "api_tokens.role", &role, err)) ||
	    (r = column_fixed(st, 4, t->label, sizeof(t->label), "api_tokens.label", err)) ||
	    (r = column_fixed(st, 5, t->created_at, sizeof(t->created_at), "api_tokens.created_at",
			      err)) ||
	    (r = column_fixed(st, 6, t->revoked_at, sizeof(t->revoked_at), "api_tokens.revoked_at",
			      err)))
		return r;
	if (role < 0)
		return lt_error_set(err, LT_ESTORE, NULL, "a token in the database has no role");
	t->role = (enum lt_role)role;
	return LT_OK;
}

/* The arguments of a token_add or token_revoke write. */
struct token_write {
	struct sqlite_store *ss;
	struct store_token *t;      /* add: the token */
	const unsigned char *hash;  /* add: its hash */
	size_t llen;                /* add: bytes of its label */
	int64_t id;                 /* revoke: the token */
	bool working;               /* revoke: it worked until now */
	const char *actor;
};

static lt_status token_add_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct token_write *w = arg;
	struct store_token *t = w->t;
	sqlite3_stmt *agency = NULL, *ins = NULL, *back = NULL;
	char object[32];
	int64_t agency_id = 0, id = 0;
	lt_status r;
	int rc;

	if ((r = store_sqlite_prep(db, "SELECT id FROM agencies WHERE code = ?1", &agency, err)) != LT_OK ||
	    (r = store_sqlite_prep(db,
			    "INSERT INTO api_tokens(hash, agency_id, role, label) "
			    "VALUES (?1, ?2, ?3, ?4)",
			    &ins, err)) != LT_OK ||
	    (r = store_sqlite_prep(db, "SELECT " TOKEN_COLUMNS "WHERE t.id = ?1", &back, err)) != LT_OK)
		goto out;
	if ((r = lookup_id(db, agency, t->agency, sizeof(t->agency), "agency", "agency", 0, 1,
			   &agency_id, err)) != LT_OK)
		goto out;
	if ((rc = sqlite3_bind_blob(ins, 1, w->hash, LT_CRYPTO_TOKEN_HASH_BYTES, SQLITE_STATIC)) !=
		    SQLITE_OK ||
	    (rc = sqlite3_bind_int64(ins, 2, agency_id)) != SQLITE_OK ||
	    (rc = bind_str(ins, 3, lt_vocab_term(&lt_vocab_role, t->role)->code)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(ins, 4, t->label, (int)w->llen, SQLITE_TRANSIENT)) != SQLITE_OK)
		goto db_error;
	rc = sqlite3_step(ins);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		/* Two random 256-bit tokens do not collide; this is a caller's bug. */
		r = lt_error_set(err, LT_EEXIST, "token", "that token is already stored");
		goto out;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	id = sqlite3_last_insert_rowid(db);
	snprintf(object, sizeof(object), "token:%lld", (long long)id);
	if ((r = audit_add(w->ss, db, w->actor, "token.create", object, err)) != LT_OK)
		goto out;
	if ((rc = sqlite3_bind_int64(back, 1, id)) != SQLITE_OK ||
	    (rc = sqlite3_step(back)) != SQLITE_ROW)
		goto db_error;
	r = token_from_row(back, t, err);
	goto out;
db_error:
	r = db_fail(db, rc, "adding a token", err);
out:
	sqlite3_finalize(agency);
	sqlite3_finalize(ins);
	sqlite3_finalize(back);
	return r;
}

static lt_status sqlite_token_add(struct store *s, struct store_token *t,
				  const unsigned char hash[LT_CRYPTO_TOKEN_HASH_BYTES],
				  const char *actor, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct token_write w = {.ss = ss, .t = t, .hash = hash,
				.llen = strnlen(t->label, sizeof(t->label)), .actor = actor};
	lt_status r;

	actor_check(actor);
	LT_ASSERT((unsigned)t->role < LT_ROLE_COUNT);
	if (w.llen > LT_TOKEN_LABEL_MAX || !lt_text_valid(t->label, w.llen) ||
	    memchr(t->label, '\n', w.llen))
		return lt_error_set(err, LT_EINVAL, "label",
				    "a label is one line of text of at most %d bytes",
				    LT_TOKEN_LABEL_MAX);
	if ((r = store_writer_run(ss->writes, token_add_write, &w, err)) != LT_OK)
		t->id = 0;
	return r;
}

static lt_status sqlite_token_find(struct store *s,
				   const unsigned char hash[LT_CRYPTO_TOKEN_HASH_BYTES],
				   struct store_token *out, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	sqlite3_stmt *st = NULL;
	lt_status r;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((r = conn_prepare(c, "SELECT " TOKEN_COLUMNS "WHERE t.hash = ?1 AND t.revoked_at IS NULL",
			      &st, err)) != LT_OK)
		goto out;
	if ((rc = sqlite3_bind_blob(st, 1, hash, LT_CRYPTO_TOKEN_HASH_BYTES, SQLITE_STATIC)) !=
	    SQLITE_OK) {
		r = db_fail(c->db, rc, "looking up a token", err);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = lt_error_set(err, LT_ENOTFOUND, "token", "no such token, or it was revoked");
	else if (rc != SQLITE_ROW)
		r = db_fail(c->db, rc, "looking up a token", err);
	else
		r = token_from_row(st, out, err);
out:
	stmt_release(c, st);
	conn_unlock(c);
	return r;
}

static lt_status token_revoke_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct token_write *w = arg;
	sqlite3_stmt *q = NULL, *up = NULL;
	char object[32];
	lt_status r;
	int rc;

	w->working = false;
	if ((r = store_sqlite_prep(db, "SELECT revoked_at IS NULL FROM api_tokens WHERE id = ?1", &q, err)) !=
		    LT_OK ||
	    (r = store_sqlite_prep(db,
			    "UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
			    "WHERE id = ?1 AND revoked_at IS NULL",
			    &up, err)) != LT_OK)
		goto out;
	if ((rc = sqlite3_bind_int64(q, 1, w->id)) != SQLITE_OK)
		goto db_error;
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		r = lt_error_set(err, LT_ENOTFOUND, "id", "there is no token %lld", (long long)w->id);
		goto out;
	}
	if (rc != SQLITE_ROW)
		goto db_error;
	w->working = sqlite3_column_int(q, 0) != 0;
	if (w->working) {
		if ((rc = sqlite3_bind_int64(up, 1, w->id)) != SQLITE_OK ||
		    (rc = sqlite3_step(up)) != SQLITE_DONE)
			goto db_error;
		snprintf(object, sizeof(object), "token:%lld", (long long)w->id);
		if ((r = audit_add(w->ss, db, w->actor, "token.revoke", object, err)) != LT_OK)
			goto out;
	}
	goto out;
db_error:
	r = db_fail(db, rc, "revoking a token", err);
out:
	sqlite3_finalize(q);
	sqlite3_finalize(up);
	return r;
}

static lt_status sqlite_token_revoke(struct store *s, int64_t id, const char *actor,
				     bool *was_working, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct token_write w = {.ss = ss, .id = id, .actor = actor};
	lt_status r;

	actor_check(actor);
	r = store_writer_run(ss->writes, token_revoke_write, &w, err);
	if (was_working)
		*was_working = r == LT_OK && w.working;
	return r;
}

static lt_status sqlite_token_list(struct store *s, struct store_token **out, size_t *n,
				   struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	sqlite3_stmt *st = NULL;
	struct store_token *v = NULL;
	size_t count = 0, cap = 0;
	lt_status r;
	int rc;

	*out = NULL;
	*n = 0;
	if ((r = store_sqlite_prep(c->db, "SELECT " TOKEN_COLUMNS "ORDER BY t.id", &st, err)) != LT_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = grow((void **)&v, &cap, count + 1, sizeof(*v), err)) != LT_OK ||
		    (r = token_from_row(st, &v[count], err)) != LT_OK)
			goto out;
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = db_fail(c->db, rc, "listing the tokens", err);
		goto out;
	}
	*out = v;
	*n = count;
	v = NULL;
out:
	sqlite3_finalize(st);
	conn_unlock(c);
	free(v);
	return r;
}

/* ---- sessions ------------------------------------------------------------- */

/* The arguments of a session write (run by the writer thread). */
struct session_write {
	struct sqlite_store *ss;
	const unsigned char *hash; /* session_create */
	int64_t id;                /* session_create: out; touch, revoke: in */
	int64_t user_id;
	int64_t now;
	int64_t expires;
	const char *actor;         /* revoke */
	bool was_live;             /* revoke: out */
};

static lt_status session_create_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct session_write *w = arg;
	sqlite3_stmt *purge = NULL, *user = NULL, *ins = NULL;
	char actor[32], object[32];
	lt_status r;
	int rc;

	if ((r = store_sqlite_prep(db, "DELETE FROM sessions WHERE expires < ?1", &purge, err)) != LT_OK ||
	    (r = store_sqlite_prep(db, "SELECT 1 FROM users WHERE id = ?1", &user, err)) != LT_OK ||
	    (r = store_sqlite_prep(db,
			    "INSERT INTO sessions(hash, user_id, created, last_seen, expires) "
			    "VALUES (?1, ?2, ?3, ?3, ?4)",
			    &ins, err)) != LT_OK)
		goto out;
	if ((rc = sqlite3_bind_int64(purge, 1, w->now - LT_SESSION_KEEP_S)) != SQLITE_OK ||
	    (rc = sqlite3_step(purge)) != SQLITE_DONE)
		goto db_error;
	if ((rc = sqlite3_bind_int64(user, 1, w->user_id)) != SQLITE_OK)
		goto db_error;
	rc = sqlite3_step(user);
	if (rc == SQLITE_DONE) {
		r = lt_error_set(err, LT_ENOTFOUND, "user", "there is no such account");
		goto out;
	}
	if (rc != SQLITE_ROW)
		goto db_error;
	if ((rc = sqlite3_bind_blob(ins, 1, w->hash, LT_CRYPTO_HASH_BYTES, SQLITE_STATIC)) !=
		    SQLITE_OK ||
	    (rc = sqlite3_bind_int64(ins, 2, w->user_id)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(ins, 3, w->now)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(ins, 4, w->expires)) != SQLITE_OK)
		goto db_error;
	rc = sqlite3_step(ins);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		/* Two random 256-bit ids do not collide; this is a caller's bug. */
		r = lt_error_set(err, LT_EEXIST, "session", "that session is already stored");
		goto out;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	w->id = sqlite3_last_insert_rowid(db);
	snprintf(actor, sizeof(actor), "user:%lld", (long long)w->user_id);
	snprintf(object, sizeof(object), "session:%lld", (long long)w->id);
	r = audit_add(w->ss, db, actor, "session.login", object, err);
	goto out;
db_error:
	r = db_fail(db, rc, "storing a session", err);
out:
	sqlite3_finalize(purge);
	sqlite3_finalize(user);
	sqlite3_finalize(ins);
	return r;
}

static lt_status sqlite_session_create(struct store *s,
				       const unsigned char hash[LT_CRYPTO_HASH_BYTES],
				       int64_t user_id, int64_t now, int64_t expires, int64_t *id,
				       struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct session_write w = {ss, hash, 0, user_id, now, expires, NULL, false};
	LT_ASSERT(user_id > 0 && expires > now);
	lt_status r = store_writer_run(ss->writes, session_create_write, &w, err);
	*id = r == LT_OK ? w.id : 0;
	return r;
}

static lt_status sqlite_session_find(struct store *s, const unsigned char hash[LT_CRYPTO_HASH_BYTES],
				     struct store_session *out, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct conn *c = reader_lock(ss);
	sqlite3_stmt *st = NULL;
	lt_status r;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((r = conn_prepare(c,
			    "SELECT u.id, u.email, u.agency_id, a.code, a.kind, u.role, u.disabled, "
			    "u.created_at, NULL, u.unlock_requested, s.id, s.created, s.last_seen, "
			    "s.expires "
			    "FROM sessions s JOIN users u ON u.id = s.user_id "
			    "JOIN agencies a ON a.id = u.agency_id "
			    "WHERE s.hash = ?1 AND s.revoked IS NULL",
			    &st, err)) != LT_OK)
		goto out;
	if ((rc = sqlite3_bind_blob(st, 1, hash, LT_CRYPTO_HASH_BYTES, SQLITE_STATIC)) !=
	    SQLITE_OK) {
		r = db_fail(c->db, rc, "looking up a session", err);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = lt_error_set(err, LT_ENOTFOUND, "session", "no such session, or it was revoked");
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = db_fail(c->db, rc, "looking up a session", err);
		goto out;
	}
	if ((r = user_from_row(st, &out->user, false, err)) != LT_OK)
		goto out;
	out->id = sqlite3_column_int64(st, 10);
	out->created = sqlite3_column_int64(st, 11);
	out->last_seen = sqlite3_column_int64(st, 12);
	out->expires = sqlite3_column_int64(st, 13);
out:
	stmt_release(c, st);
	conn_unlock(c);
	if (r != LT_OK)
		store_user_wipe(&out->user);
	return r;
}

static lt_status session_touch_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct session_write *w = arg;
	sqlite3_stmt *up = NULL;
	lt_status r;
	int rc;
	if ((r = store_sqlite_prep(db, "UPDATE sessions SET last_seen = ?1 WHERE id = ?2 AND last_seen < ?1",
			    &up, err)) != LT_OK)
		return r;
	if ((rc = sqlite3_bind_int64(up, 1, w->now)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(up, 2, w->id)) != SQLITE_OK ||
	    (rc = sqlite3_step(up)) != SQLITE_DONE)
		r = db_fail(db, rc, "recording a session's use", err);
	sqlite3_finalize(up);
	return r;
}

static lt_status sqlite_session_touch(struct store *s, int64_t id, int64_t now,
				      struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct session_write w = {ss, NULL, id, 0, now, 0, NULL, false};
	return store_writer_run(ss->writes, session_touch_write, &w, err);
}

static lt_status session_revoke_write(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct session_write *w = arg;
	sqlite3_stmt *q = NULL, *up = NULL;
	char object[32];
	lt_status r;
	int rc;

	if ((r = store_sqlite_prep(db, "SELECT revoked IS NULL FROM sessions WHERE id = ?1", &q, err)) !=
		    LT_OK ||
	    (r = store_sqlite_prep(db, "UPDATE sessions SET revoked = ?1 WHERE id = ?2 AND revoked IS NULL",
			    &up, err)) != LT_OK)
		goto out;
	if ((rc = sqlite3_bind_int64(q, 1, w->id)) != SQLITE_OK)
		goto db_error;
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		r = lt_error_set(err, LT_ENOTFOUND, "session", "there is no session %lld",
				 (long long)w->id);
		goto out;
	}
	if (rc != SQLITE_ROW)
		goto db_error;
	w->was_live = sqlite3_column_int(q, 0) != 0;
	if (!w->was_live)
		goto out;
	if ((rc = sqlite3_bind_int64(up, 1, w->now)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(up, 2, w->id)) != SQLITE_OK ||
	    (rc = sqlite3_step(up)) != SQLITE_DONE)
		goto db_error;
	snprintf(object, sizeof(object), "session:%lld", (long long)w->id);
	r = audit_add(w->ss, db, w->actor, "session.logout", object, err);
	goto out;
db_error:
	r = db_fail(db, rc, "revoking a session", err);
out:
	sqlite3_finalize(q);
	sqlite3_finalize(up);
	return r;
}

static lt_status sqlite_session_revoke(struct store *s, int64_t id, int64_t now, const char *actor,
				       bool *was_live, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct session_write w = {ss, NULL, id, 0, now, 0, actor, false};
	actor_check(actor);
	lt_status r = store_writer_run(ss->writes, session_revoke_write, &w, err);
	if (was_live)
		*was_live = r == LT_OK && w.was_live;
	return r;
}

/* ---- for the backend's other files (store_sqlite_int.h) ---------------- */

lt_status store_sqlite_write(struct store *s, store_write_fn fn, void *arg, struct lt_error *err)
{
	return store_writer_run(sqlite_store_of(s)->writes, fn, arg, err);
}

lt_status store_sqlite_audit(struct store *s, sqlite3 *db, const struct store_audit_new *e,
			     struct lt_error *err)
{
	return audit_add_entry(sqlite_store_of(s), db, e, true, NULL, NULL, NULL, err);
}

lt_status store_sqlite_fail(sqlite3 *db, int rc, const char *what, struct lt_error *err)
{
	return db_fail(db, rc, what, err);
}

sqlite3 *store_sqlite_read_lock(struct store *s, void **conn)
{
	struct conn *c = reader_lock(sqlite_store_of(s));
	*conn = c;
	return c->db;
}

void store_sqlite_read_unlock(void *conn)
{
	conn_unlock(conn);
}

/* ---- diagnostics -------------------------------------------------------- */

lt_status store_sqlite_debug_query(struct store *s, int conn, const char *sql, char *out,
				   size_t cap, struct lt_error *err)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	LT_ASSERT(conn >= -1 && conn < STORE_SQLITE_READERS);
	struct conn *c = conn < 0 ? &ss->writer : &ss->readers[conn];
	sqlite3 *db = conn_lock(c);
	lt_status r = query_text(db, sql, out, cap, err);
	conn_unlock(c);
	return r;
}

lt_status store_sqlite_debug_open(const char *path, const char *vfs, struct store **out,
				  struct lt_error *err)
{
	return sqlite_open(path, vfs, out, err);
}

void store_sqlite_debug_writer_stats(struct store *s, struct store_writer_stats *out)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	store_writer_stats(ss->writes, out);
	out->checkpoints = store_checkpointer_count(ss->checkpointer);
}

void store_sqlite_debug_writer_hold(struct store *s, bool hold)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	if (hold)
		conn_lock(&ss->writer);
	else
		conn_unlock(&ss->writer);
}

lt_status store_sqlite_debug_create(const char *path, int version, const char *sql,
				    struct lt_error *err)
{
	sqlite3 *db = NULL;
	char set[64];
	lt_status r;
	LT_ASSERT(version >= 1 && (size_t)version <= store_sqlite_migration_count);
	if (lt_crypto_init() != LT_OK)
		return lt_error_set(err, LT_ECRYPTO, NULL, "cannot initialise libsodium");
	if ((r = conn_open(path, NULL, true, &db, err)) != LT_OK)
		return r;
	for (int v = 1; v <= version && r == LT_OK; v++) {
		snprintf(set, sizeof(set), "PRAGMA user_version = %d", v);
		if ((r = tx_begin(db, err)) != LT_OK ||
		    (r = db_exec(db, store_sqlite_migrations[v - 1].sql, "migrating", err)) != LT_OK ||
		    (r = db_exec(db, set, "migrating", err)) != LT_OK || (r = tx_commit(db, err)) != LT_OK)
			tx_rollback(db);
	}
	if (r == LT_OK && sql)
		r = db_exec(db, sql, "running the test's statements", err);
	sqlite3_close(db);
	return r;
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sqlite_close,
	.backup = sqlite_backup,
	.read_begin = sqlite_read_begin,
	.read_end = sqlite_read_end,
	.agency_add = sqlite_agency_add,
	.agency_list = sqlite_agency_list,
	.case_add = sqlite_case_add,
	.case_refs = sqlite_case_refs,
	.reports_insert = sqlite_reports_insert,
	.report_get = sqlite_report_get,
	.report_count = sqlite_report_count,
	.reports_list = sqlite_reports_list,
	.arrests_insert = sqlite_arrests_insert,
	.arrest_counts = sqlite_arrest_counts,
	.audit_tail = sqlite_audit_tail,
	.audit_append = sqlite_audit_append,
	.audit_list = sqlite_audit_list,
	.audit_checkpoint_add = sqlite_audit_checkpoint_add,
	.audit_checkpoints = sqlite_audit_checkpoints,
	.audit_signer_set = sqlite_audit_signer_set,
	.user_add = sqlite_user_add,
	.user_find = sqlite_user_find,
	.user_get = sqlite_user_get,
	.user_list = sqlite_user_list,
	.user_set_disabled = sqlite_user_set_disabled,
	.user_set_password = sqlite_user_set_password,
	.user_unlock = sqlite_user_unlock,
	.user_unlock_take = sqlite_user_unlock_take,
	.token_add = sqlite_token_add,
	.token_find = sqlite_token_find,
	.token_revoke = sqlite_token_revoke,
	.token_list = sqlite_token_list,
	.session_create = sqlite_session_create,
	.session_find = sqlite_session_find,
	.session_touch = sqlite_session_touch,
	.session_revoke = sqlite_session_revoke,
	.data_keys_register = store_sqlite_data_keys_register,
	.data_keys_status = store_sqlite_data_keys_status,
	.data_keys_rotate = store_sqlite_data_keys_rotate,
	.data_keys_reindex = store_sqlite_data_keys_reindex,
	.person_add = store_sqlite_person_add,
	.person_get = store_sqlite_person_get,
	.person_update = store_sqlite_person_update,
	.person_find = store_sqlite_person_find,
	.person_erase = store_sqlite_person_erase,
	.referral_add = store_sqlite_referral_add,
	.referral_get = store_sqlite_referral_get,
	.referral_update = store_sqlite_referral_update,
	.case_open = store_sqlite_case_open,
	.case_get = store_sqlite_case_get,
	.case_update = store_sqlite_case_update,
	.arrest_add = store_sqlite_arrest_add,
	.arrest_get = store_sqlite_arrest_get,
	.share_create = store_sqlite_share_create,
	.share_revoke = store_sqlite_share_revoke,
	.share_list = store_sqlite_share_list,
	.share_read = store_sqlite_share_read,
	.pseudo_list = store_sqlite_pseudo_list,
	.pseudo_get = store_sqlite_pseudo_get,
	.link_persons = store_sqlite_link_persons,
	.match_decide = store_sqlite_match_decide,
	.match_decisions = store_sqlite_match_decisions,
	.link_model_save = store_sqlite_link_model_save,
	.link_model_get = store_sqlite_link_model_get,
	.estimate_persons = store_sqlite_estimate_persons,
	.person_export = store_sqlite_person_export,
	.retention_get = store_sqlite_retention_get,
	.retention_set = store_sqlite_retention_set,
	.retention_run = store_sqlite_retention_run,
};
