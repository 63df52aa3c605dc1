/*
 * store_sqlite_int.h — shared only by the SQLite backend's own files and its
 * tests (as SQLite's btreeInt.h is shared only by the b-tree).
 *
 * The schema lives in store_sqlite_schema.c as an ordered list of
 * migrations; store_sqlite.c applies them. Nothing here mentions <sqlite3.h>:
 * the SQL is plain text, and store_sqlite.c remains the one file of lantern
 * that talks to the library.
 */
#ifndef LT_STORE_SQLITE_INT_H
#define LT_STORE_SQLITE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/retention.h"
#include "core/taxonomy.h"
#include "crypto/crypto.h"

struct store;
struct sqlite3; /* SQLite's connection; only store_sqlite*.c see its insides */

/*
 * One step of the schema. Migration k (1-based) takes a database whose
 * PRAGMA user_version is k-1 to version k; `version` must equal its 1-based
 * position in the list, and a migration, once released, is never edited —
 * change the schema by appending a new one. `sql` is one or more statements,
 * run inside the transaction that also sets user_version.
 */
struct store_migration {
	int version;
	const char *summary; /* one line, for people reading the code */
	const char *sql;
};

extern const struct store_migration store_sqlite_migrations[];
extern const size_t store_sqlite_migration_count;

/*
 * Each vocabulary of taxonomy.h is mirrored in a table `vocab_<name>` with
 * columns (code TEXT PRIMARY KEY, label TEXT), which the record tables
 * reference by foreign key. The tables are created by a migration and their
 * rows are brought in line with the compiled-in taxonomy on every open, so
 * appending a code to taxonomy.h needs no migration, and the database is
 * readable on its own: `SELECT label FROM vocab_form WHERE code = ...`.
 */
struct store_vocab_table {
	const char *table; /* a fixed identifier, never input */
	const struct lt_vocab *vocab;
};

extern const struct store_vocab_table store_sqlite_vocab_tables[];
extern const size_t store_sqlite_vocab_table_count;

/* Reader connections a SQLite store keeps beside its one writer. */
#define STORE_SQLITE_READERS 4

/* How long a connection waits for another process's lock, in milliseconds. */
#define STORE_SQLITE_BUSY_MS 5000

/*
 * For tests and diagnostics only; never pass it input. Runs one SQL
 * statement on connection `conn` of the SQLite store `s` (-1: the writer;
 * 0..STORE_SQLITE_READERS-1: a reader) and copies the first column of the
 * first row, as text, into `out` (capacity `cap`; "" when there is no row or
 * the value is NULL). Errors come back as for any store call, with the SQLite
 * message.
 */
lt_status store_sqlite_debug_query(struct store *s, int conn, const char *sql, char *out,
				   size_t cap, struct lt_error *err);

/*
 * For tests only: create a database at `path` (which must not exist) with
 * the migrations up to `version` applied and nothing else, then run `sql`
 * (any number of statements; NULL for none) on it, as an older lantern would
 * have left it. Opening it with store_open_sqlite then migrates it.
 */
lt_status store_sqlite_debug_create(const char *path, int version, const char *sql,
				    struct lt_error *err);

/* Copy the database of connection `src` to the new file `path`
 * (store_sqlite_backup.c; the contract of store_ops.backup). */
lt_status store_sqlite_backup_to(struct sqlite3 *src, const char *path, struct lt_error *err);

/*
 * For tests only: open the SQLite store at `path` as store_open_sqlite
 * does, with every connection going through the SQLite VFS named `vfs`.
 */
lt_status store_sqlite_debug_open(const char *path, const char *vfs, struct store **out,
				  struct lt_error *err);

/*
 * For tests only: a power cut (store_sqlite_testvfs.c). The VFS
 * STORE_SQLITE_TESTVFS keeps, for each file, what was written since its last
 * sync. _install registers it (once; not as the default). _arm(n): the n-th
 * write, truncation, sync or delete from now on cuts the power — it and
 * every later one fails (0 disarms); _cut cuts it at once; _is_cut says
 * whether it is off; _ops counts the calls since the last arm. _restore,
 * with every connection through the VFS closed, puts each file back to what
 * it held at its last sync, removes the WAL index, and turns the power back
 * on.
 */
#define STORE_SQLITE_TESTVFS "lantern-powercut"
lt_status store_sqlite_testvfs_install(struct lt_error *err);
void store_sqlite_testvfs_arm(unsigned long op);
void store_sqlite_testvfs_cut(void);
bool store_sqlite_testvfs_is_cut(void);
unsigned long store_sqlite_testvfs_ops(void);
lt_status store_sqlite_testvfs_restore(struct lt_error *err);

/*
 * The writer thread (store_sqlite_writer.c): group commit. Every write of a
 * SQLite store is a closure that the writer thread runs on the writer
 * connection, under a savepoint of its own inside the transaction of a
 * batch; one COMMIT (one fsync) acknowledges the whole batch.
 */
struct store_writer;

/*
 * A write. Runs on `db` inside a transaction it must not end, under its own
 * savepoint; finalizes what it prepares; on failure sets `err` and returns
 * the status (its savepoint is then rolled back, the batch goes on).
 */
typedef lt_status (*store_write_fn)(struct sqlite3 *db, void *arg, struct lt_error *err);

/* Writes committed in one transaction, at most. */
#define STORE_SQLITE_BATCH_MAX 256

/*
 * Start the writer thread for connection `db`, whose mutex `conn_lock` the
 * thread holds for each batch. *out is stopped with store_writer_stop.
 */
lt_status store_writer_start(struct sqlite3 *db, pthread_mutex_t *conn_lock,
			     struct store_writer **out, struct lt_error *err);
/*
 * Queue `fn(db, arg, err)` and wait until it is committed (LT_OK) or has
 * failed (its status and `err`). Waits for room when LT_STORE_QUEUE_MAX
 * writes are queued. Not from inside a write.
 */
lt_status store_writer_run(struct store_writer *w, store_write_fn fn, void *arg,
			   struct lt_error *err);
/* Finish what is queued, stop the thread, free `w` (NULL is ignored). */
void store_writer_stop(struct store_writer *w);
/*
 * The checkpointer (store_sqlite_writer.c): checkpoints of the write-ahead
 * log run on a thread and a connection `db` of their own, woken by the WAL
 * hook of the `writer` connection (set under `writer_lock`) once the log
 * holds STORE_SQLITE_CHECKPOINT_PAGES, instead of in the writer thread.
 * Stop it before closing either connection.
 */
struct store_checkpointer;
#define STORE_SQLITE_CHECKPOINT_PAGES 1000 /* pages of log that wake the checkpointer */
#define STORE_SQLITE_CHECKPOINT_FINISH 256 /* pages left uncopied that the writer copies */
#define STORE_SQLITE_CHECKPOINT_LIMIT 16384 /* pages of log the writer copies itself */
lt_status store_checkpointer_start(struct sqlite3 *writer, pthread_mutex_t *writer_lock,
				   struct sqlite3 *db, struct store_checkpointer **out,
				   struct lt_error *err);
void store_checkpointer_stop(struct store_checkpointer *c, struct sqlite3 *writer,
			     pthread_mutex_t *writer_lock);
/* Checkpoints run so far. */
unsigned long store_checkpointer_count(struct store_checkpointer *c);

/* What the writer thread has done, for tests and diagnostics. */
struct store_writer_stats {
	unsigned long batches; /* batches run (committed or failed) */
	unsigned long jobs;    /* writes in them */
	size_t queued;         /* writes on the queue now */
	size_t waiting;        /* callers waiting now: queued, or in the batch running */
	unsigned long checkpoints; /* checkpoints of the WAL run (store_sqlite_debug_writer_stats
				      only) */
};
void store_writer_stats(struct store_writer *w, struct store_writer_stats *out);

/*
 * For tests only. The writer thread's figures for the SQLite store `s`; and
 * `hold` true takes the writer connection's mutex from the calling thread,
 * as a batch in the middle of a long fsync would (the writer thread then
 * waits before its next batch, and writes pile up on the queue), false gives
 * it back.
 */
void store_sqlite_debug_writer_stats(struct store *s, struct store_writer_stats *out);
void store_sqlite_debug_writer_hold(struct store *s, bool hold);

/*
 * For the backend's other files (store_sqlite_person.c): the pieces of
 * store_sqlite.c they share, so that every write still goes through the one
 * writer thread and every audit entry through the one chain.
 */
struct store_audit_new;
/* Run `fn` as a write of store `s` (store_writer_run on its writer). */
lt_status store_sqlite_write(struct store *s, store_write_fn fn, void *arg, struct lt_error *err);
/* Append audit entry `e` inside a write running on `db` (a checkpoint may
 * be signed with it, as for every write). */
lt_status store_sqlite_audit(struct store *s, struct sqlite3 *db, const struct store_audit_new *e,
			     struct lt_error *err);
/* The status and message of SQLite result `rc` on `db`, doing `what`. */
lt_status store_sqlite_fail(struct sqlite3 *db, int rc, const char *what, struct lt_error *err);
/* Take a reader connection (waiting for one); give it back with
 * store_sqlite_read_unlock(*conn). */
struct sqlite3 *store_sqlite_read_lock(struct store *s, void **conn);
void store_sqlite_read_unlock(void *conn);

/*
 * Shared helpers (store_sqlite_util.c) of the backend's files, each once.
 */
struct sqlite3_stmt; /* SQLite's statement */
struct lt_principal;
/* Prepare `sql` on `db` into *st; the status of store_sqlite_fail when it
 * cannot ("preparing a statement"). */
lt_status store_sqlite_prep(struct sqlite3 *db, const char *sql, struct sqlite3_stmt **st,
			    struct lt_error *err);
/* Copy text column `col` into `out` (capacity `cap` > 0), cut to fit; ""
 * when NULL. */
void store_sqlite_column_copy(struct sqlite3_stmt *st, int col, char *out, size_t cap);
/* The actor of principal `p` as the audit log names it: "user:<id>" or
 * "token:<id>". */
void store_sqlite_actor_of(const struct lt_principal *p, char out[64]);
/* `text`, the member `field` of a request, as one line of UTF-8 text of at
 * most LT_AUDIT_PURPOSE_MAX bytes: LT_OK, or LT_EINVAL naming `field`
 * ("is required: <required>" when empty or NULL). */
lt_status store_sqlite_line_check(const char *text, const char *field, const char *required,
				  struct lt_error *err);
/* Room for item `n` of the array *items (a pointer to the array's pointer;
 * `size` bytes an item, *cap of them allocated): the capacity doubles from
 * `first`. LT_ENOMEM leaves the array as it was. */
lt_status store_sqlite_grow(void *items, size_t n, size_t *cap, size_t size, size_t first,
			    struct lt_error *err);
/* LT_OK when `keys` holds a data key, else LT_ECRYPTO naming "data-key". */
struct lt_crypto_keyring;
lt_status store_sqlite_keys_check(const struct lt_crypto_keyring *keys, struct lt_error *err);
/* The sealed columns of one person read inside a transaction, to open
 * after its commit (store_sqlite_person_open). */
struct store_sealed_row {
	int64_t id;
	char agency[LT_CODE_MAX];
	uint32_t master, gen;
	unsigned char check[LT_CRYPTO_KEY_CHECK_BYTES];
	size_t check_len;
	unsigned char *wrapped, *sealed; /* heap, secret */
	size_t wrapped_len, sealed_len;
};
/* Free the heap of `x` (as secrets) and zero it. */
void store_sqlite_sealed_free(struct store_sealed_row *x);
/* Into x (freed before, or zeroed): master_key_id, key_gen, key_wrapped,
 * sealed and the master key's key_check, the columns col to col + 4 of the
 * row `st` stands on. LT_ENOMEM. */
lt_status store_sqlite_sealed_take(struct sqlite3_stmt *st, int col, struct store_sealed_row *x,
				   struct lt_error *err);

/* The store ops of store_sqlite_person.c (see store.h). */
struct lt_crypto_keyring;
struct lt_principal;
struct lt_person;
struct lt_referral;
struct lt_case;
struct lt_arrest;
struct lt_patch;
struct lt_date;
struct lt_diags;
struct store_key_status;
struct store_person_query;
lt_status store_sqlite_data_keys_register(struct store *s, const struct lt_crypto_keyring *keys,
					  const char *actor, struct lt_error *err);
lt_status store_sqlite_data_keys_status(struct store *s, const struct lt_crypto_keyring *keys,
					struct store_key_status *out, struct lt_error *err);
lt_status store_sqlite_data_keys_rotate(struct store *s, const struct lt_crypto_keyring *keys,
					const char *actor, size_t max_persons, size_t *done,
					size_t *remaining, struct lt_error *err);
lt_status store_sqlite_data_keys_reindex(struct store *s, const struct lt_crypto_keyring *keys,
					 const char *actor, size_t max_persons, size_t *done,
					 size_t *remaining, struct lt_error *err);
lt_status store_sqlite_person_add(struct store *s, const struct lt_crypto_keyring *keys,
				  const struct lt_principal *p, struct lt_person *rec,
				  struct lt_error *err);
lt_status store_sqlite_person_get(struct store *s, const struct lt_crypto_keyring *keys,
				  const struct lt_principal *p, int64_t id, const char *purpose,
				  struct lt_person *out, struct lt_error *err);
lt_status store_sqlite_person_update(struct store *s, const struct lt_crypto_keyring *keys,
				     const struct lt_principal *p, int64_t id,
				     const struct lt_patch *patch, const struct lt_date *today,
				     struct lt_diags *d, struct lt_error *err);
lt_status store_sqlite_person_find(struct store *s, const struct lt_crypto_keyring *keys,
				   const struct lt_principal *p, const struct store_person_query *q,
				   int64_t *ids, size_t *n, bool *more, struct lt_error *err);
lt_status store_sqlite_person_erase(struct store *s, const struct lt_principal *p, int64_t id,
				    const char *reason, struct lt_error *err);
lt_status store_sqlite_referral_add(struct store *s, const struct lt_crypto_keyring *keys,
				    const struct lt_principal *p, struct lt_referral *r,
				    struct lt_error *err);
lt_status store_sqlite_referral_get(struct store *s, const struct lt_crypto_keyring *keys,
				    const struct lt_principal *p, int64_t id, const char *purpose,
				    struct lt_referral *out, struct lt_error *err);
lt_status store_sqlite_referral_update(struct store *s, const struct lt_crypto_keyring *keys,
				       const struct lt_principal *p, int64_t id,
				       const struct lt_patch *patch, const struct lt_date *today,
				       struct lt_diags *d, struct lt_error *err);
lt_status store_sqlite_case_open(struct store *s, const struct lt_principal *p, struct lt_case *c,
				 struct lt_error *err);
lt_status store_sqlite_case_get(struct store *s, const struct lt_principal *p, int64_t id,
				const char *purpose, struct lt_case *out, struct lt_error *err);
lt_status store_sqlite_case_update(struct store *s, const struct lt_principal *p, int64_t id,
				   const struct lt_patch *patch, const struct lt_date *today,
				   struct lt_diags *d, struct lt_error *err);
lt_status store_sqlite_arrest_add(struct store *s, const struct lt_principal *p,
				  struct lt_arrest *a, struct lt_error *err);
lt_status store_sqlite_arrest_get(struct store *s, const struct lt_principal *p, int64_t id,
				  struct lt_arrest *out, struct lt_error *err);
struct lt_share;
lt_status store_sqlite_share_create(struct store *s, const struct lt_principal *p,
				    struct lt_share *sh, struct lt_error *err);
lt_status store_sqlite_share_revoke(struct store *s, const struct lt_principal *p, int64_t id,
				    struct lt_error *err);
lt_status store_sqlite_share_list(struct store *s, const struct lt_principal *p,
				  int64_t person_id, struct lt_share **out, size_t *n,
				  struct lt_error *err);
lt_status store_sqlite_share_read(struct store *s, const struct lt_principal *p,
				  int64_t person_id, struct lt_share **out, size_t *n,
				  struct lt_error *err);
/* Open the personal fields of person `id` into `out` (initialised by the
 * call) from its columns as read inside a transaction that has committed:
 * master_key_id `master`, key_gen `gen`, key_wrapped, sealed, and the
 * key_check of its master key (NULL when the database does not know it).
 * LT_ECRYPTO as person_get. (store_sqlite_person.c, for
 * store_sqlite_pseudo.c) */
lt_status store_sqlite_person_open(const struct lt_crypto_keyring *keys, int64_t id,
				   uint32_t master, uint32_t gen, const void *check,
				   size_t check_len, const void *wrapped, size_t wrapped_len,
				   const void *sealed, size_t sealed_len, struct lt_person *out,
				   struct lt_error *err);

/* Pseudonymised reads (store_sqlite_pseudo.c; see store.h). */
struct store_pseudo_query;
struct lt_pseudo_person;
lt_status store_sqlite_pseudo_list(struct store *s, const struct lt_crypto_keyring *keys,
				   const struct lt_principal *p, const struct store_pseudo_query *q,
				   struct lt_pseudo_person *out, size_t *n, bool *more,
				   struct lt_error *err);
lt_status store_sqlite_pseudo_get(struct store *s, const struct lt_crypto_keyring *keys,
				  const struct lt_principal *p, const char *pseudonym,
				  const char *purpose, struct lt_pseudo_person *out,
				  struct lt_error *err);
/* Make sure the pseudonymisation key exists and is wrapped under the
 * current key of `keys` (unwrapping it from an older key of `keys` during
 * a rotation; dropping its copies under retired keys), and that every
 * person has its pseudonym's lookup: one write, audited
 * "pseudonymkey.create" by `actor` when the key is made. Called by
 * data_keys_register and at the end of data_keys_rotate. */
lt_status store_sqlite_pseudonym_key_ensure(struct store *s, const struct lt_crypto_keyring *keys,
					    const char *actor, struct lt_error *err);
/* For tests only: the pseudonym of person `id` (which need not exist) into
 * `out` (LT_CRYPTO_PSEUDONYM_SIZE bytes), making the pseudonymisation key
 * when there is none yet (audited as on a first read). No front end may map
 * ids to pseudonyms. */
lt_status store_sqlite_debug_pseudonym(struct store *s, const struct lt_crypto_keyring *keys,
				       int64_t id, char *out, struct lt_error *err);


/* Record linkage (store_sqlite_link.c; see store.h). */
struct store_link_query;
struct store_match_decision;
struct lt_link_table;
lt_status store_sqlite_link_persons(struct store *s, const struct lt_crypto_keyring *keys,
				    const struct lt_principal *p, const char *actor,
				    const struct store_link_query *q, struct lt_link_table *out,
				    bool *truncated, struct lt_error *err);
lt_status store_sqlite_match_decide(struct store *s, const struct lt_principal *p, int64_t a,
				    int64_t b, bool same, const char *reason, struct lt_error *err);
lt_status store_sqlite_match_decisions(struct store *s, int64_t person,
				       struct store_match_decision **out, size_t *n,
				       struct lt_error *err);
lt_status store_sqlite_link_model_save(struct store *s, const char *actor, const char *json,
				       int64_t *id, struct lt_error *err);
lt_status store_sqlite_link_model_get(struct store *s, char **json, struct lt_error *err);

/* Persons an estimate counts (store_sqlite_estimate.c; see store.h). */
struct store_estimate_person;
lt_status store_sqlite_estimate_persons(struct store *s, struct store_estimate_person **out,
					size_t *n, struct lt_error *err);

/* Data protection (store_sqlite_person.c, store_sqlite_retention.c). */
struct store_person_export;
struct store_retention_result;
lt_status store_sqlite_person_export(struct store *s, const struct lt_crypto_keyring *keys,
				     const struct lt_principal *p, const char *actor, int64_t id,
				     const char *purpose, struct store_person_export *out,
				     struct lt_error *err);
/* Inside a write on `db`: destroy person `id`'s data key, every blob sealed
 * under it and its blind index, and mark it erased (no audit entry: the
 * caller writes it). The person must exist and not be erased. */
lt_status store_sqlite_person_destroy(struct sqlite3 *db, int64_t id, struct lt_error *err);
lt_status store_sqlite_retention_get(struct store *s, struct lt_retention_periods *out,
				     struct lt_error *err);
lt_status store_sqlite_retention_set(struct store *s, enum lt_retention_kind kind, long period, const char *actor,
				     struct lt_error *err);
lt_status store_sqlite_retention_run(struct store *s, const struct lt_date *as_of, bool dry_run,
				     const char *actor, struct store_retention_result *out,
				     struct lt_error *err);

#endif
