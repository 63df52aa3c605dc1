/*
 * store_sqlite_writer.c — group commit: one thread owns the writer
 * connection's transactions and commits the writes queued by every other
 * thread in batches, one fsync per batch.
 *
 * Why. With synchronous=FULL every commit in WAL mode ends in an fsync of
 * the write-ahead log, and a commit is acknowledged only after it. Writes
 * that each commit alone pay one fsync each and queue behind each other's;
 * writes that arrive together and commit together pay one fsync between
 * them. The latency of one write stays about one fsync; the throughput grows
 * with the number of writers waiting.
 *
 * How. A write is a closure: a function and its argument, run on the writer
 * connection (store_write_fn). store_writer_run puts it on a bounded queue
 * (at most LT_STORE_QUEUE_MAX waiting; a caller that finds the queue full
 * waits for room) and sleeps until the writer thread has finished it. The
 * writer thread takes everything queued (at most STORE_SQLITE_BATCH_MAX)
 * and, holding the connection's mutex:
 *
 *     BEGIN IMMEDIATE
 *       SAVEPOINT w; run closure 1; RELEASE w     (or ROLLBACK TO w on failure)
 *       SAVEPOINT w; run closure 2; RELEASE w
 *       ...
 *     COMMIT                                      (the one fsync)
 *
 * then wakes every caller of the batch with its own status. A closure that
 * fails is rolled back to its savepoint alone — its rows, its audit entry —
 * and the others of the batch commit without it, so one bad write never
 * takes another down. A closure sees the rows of the closures before it in
 * the batch (the audit chain runs on through the batch in queue order).
 *
 * Some errors (an I/O error, a full disk, out of memory) make SQLite roll
 * back the whole transaction by itself. When a closure fails and the
 * transaction is gone, that closure fails with its error and the batch is
 * started again without it: the closures before it lost their work and run
 * again in the new transaction. Each restart drops one closure, so a batch
 * ends. A failed BEGIN or COMMIT fails every closure of the batch that had
 * not failed already, with that error; nothing of the batch is written.
 *
 * Contract of a closure: it runs inside a transaction it must not end (no
 * BEGIN, COMMIT, ROLLBACK or RELEASE of its own), finalizes every statement
 * it prepares, and touches no memory but its argument's, which its caller
 * keeps alive while it waits. It must not call store_writer_run itself (the
 * writer thread would wait for itself: a bug, caught). On failure it sets
 * `err` and returns the status; whatever it wrote to its argument the caller
 * must treat as void (store_sqlite.c resets ids it filled in).
 *
 * The acknowledgement. store_writer_run returns LT_OK only after the COMMIT
 * that holds the write has returned, so a write that returned LT_OK is in
 * the fsynced log: it survives a crash of the process and a power cut
 * (tests/store/test_powercut.c, tests/integration/test_crash.c).
 *
 * The mutex. The thread holds the connection's mutex (given at start) for
 * each batch, so code that still uses the writer connection directly under
 * that mutex (migrations at open, diagnostics) runs between batches. Reads
 * never come here: they use the reader connections and never wait for a
 * commit.
 *
 * The thread blocks every signal, so a signal meant for the process (SIGINT
 * to `lantern serve`) goes to a thread that waits for it.
 */
#include "store/store_sqlite_int.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/bug.h"
#include "core/limits.h"
#include "core/banned.h"

/* One queued write, on its caller's stack. */
struct writer_job {
	store_write_fn fn;
	void *arg;
	struct lt_error err; /* the closure's error, copied to the caller's */
	lt_status status;    /* valid once done */
	bool ok_so_far;      /* within a batch: the closure ran and was released */
	bool done;           /* guarded by the writer's lock */
	pthread_cond_t finished; /* signalled once `done`: only its caller wakes */
	struct writer_job *next;
};

struct store_writer {
	sqlite3 *db;
	pthread_mutex_t *conn_lock; /* the connection's mutex, held for each batch */
	pthread_t thread;
	pthread_mutex_t lock;    /* guards everything below */
	pthread_cond_t work;     /* signalled: a job was queued, or stop */
	pthread_cond_t room;     /* broadcast: the queue has room */
	size_t room_waiters;     /* callers waiting on `room` */
	struct writer_job *head, *tail;
	size_t queued;  /* jobs on the queue, <= LT_STORE_QUEUE_MAX */
	size_t waiting; /* callers in store_writer_run: queued, or in the batch running */
	bool stopping;
	/* Counters for diagnostics (store_writer_stats). */
	atomic_ulong batches, jobs;
	/* Prepared once: the savepoint statements. */
	sqlite3_stmt *begin, *commit, *rollback, *savepoint, *release, *rollback_to;
};

static void mutex_lock(pthread_mutex_t *m)
{
	int rc = pthread_mutex_lock(m);
	if (rc != 0)
		LT_BUG("pthread_mutex_lock failed: %d", rc);
}

static void mutex_unlock(pthread_mutex_t *m)
{
	int rc = pthread_mutex_unlock(m);
	if (rc != 0)
		LT_BUG("pthread_mutex_unlock failed: %d", rc);
}

/* Turn a SQLite result into a status and a message saying what was done. */
static lt_status writer_fail(sqlite3 *db, int rc, const char *what, struct lt_error *err)
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
	return lt_error_set(err, st, NULL, "%s: %s", what, sqlite3_errmsg(db));
}

/* Step a prepared one-shot statement to its end and reset it. */
static int stmt_run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Roll back whatever transaction is open; safe when none is. */
static void tx_abort(struct store_writer *w)
{
	if (!sqlite3_get_autocommit(w->db))
		(void)stmt_run(w->rollback);
}

/* Finish every job of `list` that has not failed yet with `st`/`err`. */
static void fail_rest(struct writer_job *list, const struct lt_error *err)
{
	for (struct writer_job *j = list; j; j = j->next)
		if (j->status == LT_OK) {
			j->err = *err;
			j->status = err->status;
		}
}

/*
 * Run the jobs of `list` (all with status LT_OK on entry) in transactions
 * until each has its final status. Called with the connection's mutex held.
 */
static void batch_run(struct store_writer *w, struct writer_job *list)
{
	struct lt_error err;
	int rc;
restart:
	lt_error_clear(&err);
	if ((rc = stmt_run(w->begin)) != SQLITE_OK) {
		writer_fail(w->db, rc, "starting a transaction", &err);
		tx_abort(w);
		fail_rest(list, &err);
		return;
	}
	for (struct writer_job *j = list; j; j = j->next) {
		if (j->status != LT_OK)
			continue; /* failed in an earlier round */
		j->ok_so_far = false;
		if ((rc = stmt_run(w->savepoint)) != SQLITE_OK) {
			writer_fail(w->db, rc, "starting a savepoint", &j->err);
			j->status = j->err.status;
			if (sqlite3_get_autocommit(w->db))
				goto restart;
			continue;
		}
		lt_error_clear(&j->err);
		lt_status st = j->fn(w->db, j->arg, &j->err);
		if (st == LT_OK) {
			if ((rc = stmt_run(w->release)) == SQLITE_OK) {
				j->ok_so_far = true;
				continue;
			}
			st = writer_fail(w->db, rc, "releasing a savepoint", &j->err);
		}
		LT_ASSERT(st != LT_OK);
		if (j->err.status == LT_OK) /* a closure that forgot its error */
			lt_error_set(&j->err, st, NULL, "%s", lt_status_message(st));
		j->status = st;
		if (sqlite3_get_autocommit(w->db))
			goto restart; /* SQLite rolled back the whole transaction */
		if (stmt_run(w->rollback_to) != SQLITE_OK || stmt_run(w->release) != SQLITE_OK ||
		    sqlite3_get_autocommit(w->db)) {
			tx_abort(w);
			goto restart;
		}
	}
	if ((rc = stmt_run(w->commit)) != SQLITE_OK) {
		writer_fail(w->db, rc, "committing", &err);
		tx_abort(w);
		fail_rest(list, &err);
	}
}

static void *writer_main(void *arg)
{
	struct store_writer *w = arg;
	mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->work, &w->lock);
		if (!w->head)
			break; /* stopping, and nothing is left */

		/* Take up to STORE_SQLITE_BATCH_MAX jobs off the queue. */
		struct writer_job *list = w->head, *last = w->head;
		size_t n = 1;
		while (last->next && n < STORE_SQLITE_BATCH_MAX) {
			last = last->next;
			n++;
		}
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		w->queued -= n;
		if (w->room_waiters)
			pthread_cond_broadcast(&w->room);
		mutex_unlock(&w->lock);

		for (struct writer_job *j = list; j; j = j->next)
			j->status = LT_OK;
		mutex_lock(w->conn_lock);
		batch_run(w, list);
		mutex_unlock(w->conn_lock);
		atomic_fetch_add(&w->batches, 1);
		atomic_fetch_add(&w->jobs, n);

		mutex_lock(&w->lock);
		for (struct writer_job *j = list, *next; j; j = next) {
			next = j->next; /* a woken caller may return and free j */
			j->done = true;
			pthread_cond_signal(&j->finished);
		}
	}
	mutex_unlock(&w->lock);
	return NULL;
}

static lt_status stmt_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out,
                              struct lt_error *err)
{
	int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
	return rc == SQLITE_OK ? LT_OK : writer_fail(db, rc, "preparing a statement", err);
}

static void stmts_finalize(struct store_writer *w)
{
	sqlite3_finalize(w->begin);
	sqlite3_finalize(w->commit);
	sqlite3_finalize(w->rollback);
	sqlite3_finalize(w->savepoint);
	sqlite3_finalize(w->release);
	sqlite3_finalize(w->rollback_to);
}

lt_status store_writer_start(sqlite3 *db, pthread_mutex_t *conn_lock, struct store_writer **out,
                             struct lt_error *err)
{
	struct store_writer *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	lt_status st;
	int rc;

	*out = NULL;
	if (!w)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	w->db = db;
	w->conn_lock = conn_lock;
	atomic_init(&w->batches, 0);
	atomic_init(&w->jobs, 0);
	LT_ASSERT(pthread_mutex_init(&w->lock, NULL) == 0);
	LT_ASSERT(pthread_cond_init(&w->work, NULL) == 0);
	LT_ASSERT(pthread_cond_init(&w->room, NULL) == 0);

	mutex_lock(conn_lock);
	if ((st = stmt_prepare(db, "BEGIN IMMEDIATE", &w->begin, err)) != LT_OK ||
	    (st = stmt_prepare(db, "COMMIT", &w->commit, err)) != LT_OK ||
	    (st = stmt_prepare(db, "ROLLBACK", &w->rollback, err)) != LT_OK ||
	    (st = stmt_prepare(db, "SAVEPOINT lantern_write", &w->savepoint, err)) != LT_OK ||
	    (st = stmt_prepare(db, "RELEASE lantern_write", &w->release, err)) != LT_OK ||
	    (st = stmt_prepare(db, "ROLLBACK TO lantern_write", &w->rollback_to, err)) != LT_OK) {
		mutex_unlock(conn_lock);
		goto fail;
	}
	mutex_unlock(conn_lock);

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		st = lt_error_set(err, LT_ENOMEM, NULL, "cannot start the writer thread: %s",
		                  strerror(rc));
		goto fail;
	}
	*out = w;
	return LT_OK;
fail:
	mutex_lock(conn_lock);
	stmts_finalize(w);
	mutex_unlock(conn_lock);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return st;
}

lt_status store_writer_run(struct store_writer *w, store_write_fn fn, void *arg,
                           struct lt_error *err)
{
	struct writer_job j;

	LT_ASSERT(w && fn);
	if (pthread_equal(pthread_self(), w->thread))
		LT_BUG("a write closure called store_writer_run: it would wait for itself");
	memset(&j, 0, sizeof(j));
	j.fn = fn;
	j.arg = arg;
	LT_ASSERT(pthread_cond_init(&j.finished, NULL) == 0);

	mutex_lock(&w->lock);
	LT_ASSERT(!w->stopping); /* no write after store_close has begun */
	while (w->queued >= LT_STORE_QUEUE_MAX) {
		w->room_waiters++;
		pthread_cond_wait(&w->room, &w->lock);
		w->room_waiters--;
	}
	if (w->tail)
		w->tail->next = &j;
	else
		w->head = &j;
	w->tail = &j;
	w->queued++;
	w->waiting++;
	pthread_cond_signal(&w->work);
	while (!j.done)
		pthread_cond_wait(&j.finished, &w->lock);
	w->waiting--;
	mutex_unlock(&w->lock);
	pthread_cond_destroy(&j.finished);

	if (j.status != LT_OK && err)
		*err = j.err;
	return j.status;
}

void store_writer_stop(struct store_writer *w)
{
	if (!w)
		return;
	mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->work);
	mutex_unlock(&w->lock);
	int rc = pthread_join(w->thread, NULL);
	if (rc != 0)
		LT_BUG("pthread_join of the writer thread failed: %d", rc);
	mutex_lock(w->conn_lock);
	stmts_finalize(w);
	mutex_unlock(w->conn_lock);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

void store_writer_stats(struct store_writer *w, struct store_writer_stats *out)
{
	out->batches = atomic_load(&w->batches);
	out->jobs = atomic_load(&w->jobs);
	mutex_lock(&w->lock);
	out->queued = w->queued;
	out->waiting = w->waiting;
	mutex_unlock(&w->lock);
	out->checkpoints = 0;
}

/* ---- the checkpointer ------------------------------------------------------
 *
 * In WAL mode every commit appends to the write-ahead log, and a checkpoint
 * copies the log back into the database file so the log can start again.
 * SQLite runs a checkpoint by itself in the connection that commits past
 * 1,000 pages of log — here the writer thread, which would then spend tens
 * of milliseconds copying pages and fsyncing the database file while every
 * write in the queue waits. So the writer connection's WAL hook, called
 * after each commit with the size of the log, only wakes the checkpointer:
 * a thread with a connection of its own that runs a PASSIVE checkpoint
 * (it copies what no reader still needs, never waits for a lock, never
 * blocks the writer or the readers) whenever the log has passed
 * STORE_SQLITE_CHECKPOINT_PAGES. With commits going on, such a checkpoint
 * never quite reaches the end of the log, and the log starts again from
 * its beginning only once all of it is copied; so when the checkpointer has
 * left at most STORE_SQLITE_CHECKPOINT_FINISH pages, the writer copies those
 * itself between two commits (checkpointer_hook), and it copies everything
 * should the log ever reach STORE_SQLITE_CHECKPOINT_LIMIT pages. Other
 * processes (the command line) keep SQLite's own automatic checkpoints.
 */

struct store_checkpointer {
	sqlite3 *db; /* the checkpointer's own connection (not owned) */
	pthread_t thread;
	pthread_mutex_t lock; /* guards the two flags */
	pthread_cond_t wake;
	bool due;      /* the log has passed the threshold since the last checkpoint */
	bool stopping;
	atomic_ulong checkpoints; /* run so far (diagnostics) */
	atomic_int copied;        /* pages of the log the last checkpoint had copied when it
				     ended; -1 while one runs, or before the first */
};

/* The WAL hook of the writer connection: runs in the writer thread after
 * each commit, with the pages now in the log. */
static int checkpointer_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store_checkpointer *c = arg;
	(void)name;
	if (pages < STORE_SQLITE_CHECKPOINT_PAGES)
		return SQLITE_OK;
	int copied = atomic_load(&c->copied);
	if ((copied >= 0 && pages - copied <= STORE_SQLITE_CHECKPOINT_FINISH) ||
	    pages >= STORE_SQLITE_CHECKPOINT_LIMIT) {
		/* The checkpointer has copied all but the last few pages, but with
		 * commits going on it never catches the log's end, and the log
		 * starts again only once all of it is copied. Copy the rest here,
		 * between two commits: a short pause of the writer, after which
		 * the next commit starts the log from the beginning. And should
		 * the checkpointer fall behind for good, the log is copied here
		 * whole once it reaches the limit, as SQLite would by itself: a
		 * longer pause, but a bounded log. */
		atomic_store(&c->copied, -1);
		(void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		atomic_fetch_add(&c->checkpoints, 1);
		return SQLITE_OK;
	}
	mutex_lock(&c->lock);
	if (!c->due) {
		c->due = true;
		pthread_cond_signal(&c->wake);
	}
	mutex_unlock(&c->lock);
	return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
	struct store_checkpointer *c = arg;
	mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->stopping)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stopping)
			break;
		c->due = false;
		mutex_unlock(&c->lock);
		/* PASSIVE: whatever it cannot copy now (a reader still needs it)
		 * waits for the next one. Errors are for the next one too: an
		 * unchecked log only grows, nothing is lost. */
		int log = 0, copied = 0;
		atomic_store(&c->copied, -1);
		if (sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
		                              &copied) != SQLITE_OK)
			copied = -1;
		atomic_store(&c->copied, copied);
		atomic_fetch_add(&c->checkpoints, 1);
		mutex_lock(&c->lock);
	}
	mutex_unlock(&c->lock);
	return NULL;
}

lt_status store_checkpointer_start(struct sqlite3 *writer, pthread_mutex_t *writer_lock,
                                   struct sqlite3 *db, struct store_checkpointer **out,
                                   struct lt_error *err)
{
	struct store_checkpointer *c = calloc(1, sizeof(*c));
	sigset_t all, old;
	int rc;

	*out = NULL;
	if (!c)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	c->db = db;
	atomic_init(&c->checkpoints, 0);
	atomic_init(&c->copied, -1);
	LT_ASSERT(pthread_mutex_init(&c->lock, NULL) == 0);
	LT_ASSERT(pthread_cond_init(&c->wake, NULL) == 0);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&c->thread, NULL, checkpointer_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return lt_error_set(err, LT_ENOMEM, NULL, "cannot start the checkpoint thread: %s",
		                    strerror(rc));
	}
	/* From now on the writer connection only wakes the checkpointer. */
	mutex_lock(writer_lock);
	sqlite3_wal_hook(writer, checkpointer_hook, c);
	mutex_unlock(writer_lock);
	*out = c;
	return LT_OK;
}

void store_checkpointer_stop(struct store_checkpointer *c, struct sqlite3 *writer,
                             pthread_mutex_t *writer_lock)
{
	if (!c)
		return;
	mutex_lock(writer_lock);
	sqlite3_wal_hook(writer, NULL, NULL);
	mutex_unlock(writer_lock);
	mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_signal(&c->wake);
	mutex_unlock(&c->lock);
	int rc = pthread_join(c->thread, NULL);
	if (rc != 0)
		LT_BUG("pthread_join of the checkpoint thread failed: %d", rc);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

unsigned long store_checkpointer_count(struct store_checkpointer *c)
{
	return atomic_load(&c->checkpoints);
}
