/*
 * store_sqlite_testvfs.c — a power cut, for tests: a SQLite VFS that loses
 * every write the disk was not told to keep.
 *
 * What a power cut does. A write(2) lands in the page cache; only fsync(2)
 * makes it durable. When the power goes, everything written since a file's
 * last fsync may be lost — in the worst case all of it — and the shared
 * memory of the WAL index is gone. SQLite promises that a transaction whose
 * COMMIT returned survives that, provided the disk honours fsync; lantern
 * promises that an acknowledged write survives because the acknowledgement
 * comes after the COMMIT (store_sqlite_writer.c). This VFS lets a test check
 * both promises in-process, at any point of a write, many times.
 *
 * How. The VFS "lantern-powercut" wraps the default one (unix). For each
 * file it opens by name (the database, its WAL, a journal) it keeps, per
 * path and shared by all connections, an undo log: before each xWrite or
 * xTruncate it saves the bytes and the file size that the call replaces.
 * xSync empties the log (what was written is now durable); it does not
 * call fsync, since the process does not really lose power and the test
 * runs faster without it. Every xWrite, xTruncate, xSync and xDelete is
 * counted; store_sqlite_testvfs_arm(n) makes the n-th from then the
 * instant the power goes: that call and every later one fails with
 * SQLITE_IOERR, so nothing more reaches a file, and no sync succeeds after
 * the cut. store_sqlite_testvfs_restore, once every connection is closed,
 * applies each undo log backwards — each file gets back the exact contents
 * and size of its last sync — deletes the WAL index (-shm), and turns the
 * power back on. A deleted file stays deleted (the deletion counts as
 * durable: SQLite syncs the directory where it matters).
 *
 * The cut is atomic with the syncs: the counter, the "power is off" flag
 * and the undo logs are guarded by one mutex held across each call, so a
 * sync either completed before the cut (its writes are kept) or fails.
 *
 * Test code only: nothing in lantern opens a database with this VFS except
 * through store_sqlite_debug_open; it is registered (not as the default)
 * only when a test asks. It lives in the core library because only
 * store_sqlite*.c may include <sqlite3.h>.
 */
#include "store/store_sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/bug.h"
#include "core/banned.h"

/* One write or truncation to undo: the bytes [off, off + len) and the file
 * size as they were before it. */
struct pc_undo {
	sqlite3_int64 off;
	sqlite3_int64 old_size;
	size_t len; /* bytes at old: the part of the range that was inside the file */
	unsigned char *old;
	struct pc_undo *prev; /* the one before it */
};

/* A file by path, shared by every handle on it. */
struct pc_path {
	char *name;
	bool main_db;         /* a main database: its -shm goes at a power cut */
	struct pc_undo *undo; /* newest first; empty right after a sync */
	struct pc_path *next;
};

struct pc_file {
	sqlite3_file base;    /* first: what SQLite sees */
	struct pc_path *path; /* NULL for files without a name (temporary) */
	sqlite3_file *real;   /* the default VFS's file, right after this struct */
};

static struct {
	pthread_mutex_t lock; /* guards everything below and every tracked call */
	bool installed;
	sqlite3_vfs vfs;
	sqlite3_vfs *real;
	struct pc_path *paths;
	bool off;             /* the power is off: every write, truncate, sync fails */
	unsigned long ops;    /* writes, truncates, syncs and deletes since the last arm */
	unsigned long cut_at; /* the op that cuts the power; 0 when none is armed */
} pc = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void pc_lock(void)
{
	LT_ASSERT(pthread_mutex_lock(&pc.lock) == 0);
}

static void pc_unlock(void)
{
	LT_ASSERT(pthread_mutex_unlock(&pc.lock) == 0);
}

/* Count one op; true when the power is (now) off. With the lock held. */
static bool pc_tick(void)
{
	if (pc.off)
		return true;
	pc.ops++;
	if (pc.cut_at && pc.ops >= pc.cut_at)
		pc.off = true;
	return pc.off;
}

static struct pc_path *path_find(const char *name, bool create)
{
	for (struct pc_path *p = pc.paths; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	if (!create)
		return NULL;
	struct pc_path *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	size_t n = strlen(name);
	if (!(p->name = malloc(n + 1))) {
		free(p);
		return NULL;
	}
	memcpy(p->name, name, n + 1);
	p->next = pc.paths;
	pc.paths = p;
	return p;
}

static void undo_free(struct pc_undo *u)
{
	while (u) {
		struct pc_undo *prev = u->prev;
		free(u->old);
		free(u);
		u = prev;
	}
}

/* Save what a write of [off, off + len) (len 0: a truncation to off) is
 * about to replace. With the lock held. */
static int undo_save(struct pc_file *f, sqlite3_int64 off, sqlite3_int64 len)
{
	sqlite3_int64 size = 0;
	int rc = f->real->pMethods->xFileSize(f->real, &size);
	if (rc != SQLITE_OK)
		return rc;
	struct pc_undo *u = calloc(1, sizeof(*u));
	if (!u)
		return SQLITE_NOMEM;
	u->off = off;
	u->old_size = size;
	sqlite3_int64 end = len ? off + len : size;
	if (end > size)
		end = size;
	if (end > off) {
		u->len = (size_t)(end - off);
		if (!(u->old = malloc(u->len))) {
			free(u);
			return SQLITE_NOMEM;
		}
		rc = f->real->pMethods->xRead(f->real, u->old, (int)u->len, off);
		if (rc != SQLITE_OK) {
			free(u->old);
			free(u);
			return rc;
		}
	}
	u->prev = f->path->undo;
	f->path->undo = u;
	return SQLITE_OK;
}

/* ---- the file methods ---------------------------------------------------- */

static int pc_close(sqlite3_file *file)
{
	struct pc_file *f = (struct pc_file *)file;
	return f->real->pMethods->xClose(f->real);
}

static int pc_read(sqlite3_file *file, void *buf, int n, sqlite3_int64 off)
{
	struct pc_file *f = (struct pc_file *)file;
	return f->real->pMethods->xRead(f->real, buf, n, off);
}

static int pc_write(sqlite3_file *file, const void *buf, int n, sqlite3_int64 off)
{
	struct pc_file *f = (struct pc_file *)file;
	int rc;
	pc_lock();
	if (pc_tick()) {
		rc = SQLITE_IOERR_WRITE;
	} else {
		rc = f->path ? undo_save(f, off, n) : SQLITE_OK;
		if (rc == SQLITE_OK)
			rc = f->real->pMethods->xWrite(f->real, buf, n, off);
	}
	pc_unlock();
	return rc;
}

static int pc_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct pc_file *f = (struct pc_file *)file;
	int rc;
	pc_lock();
	if (pc_tick()) {
		rc = SQLITE_IOERR_TRUNCATE;
	} else {
		rc = f->path ? undo_save(f, size, 0) : SQLITE_OK;
		if (rc == SQLITE_OK)
			rc = f->real->pMethods->xTruncate(f->real, size);
	}
	pc_unlock();
	return rc;
}

static int pc_sync(sqlite3_file *file, int flags)
{
	struct pc_file *f = (struct pc_file *)file;
	int rc = SQLITE_OK;
	(void)flags;
	pc_lock();
	if (pc_tick()) {
		rc = SQLITE_IOERR_FSYNC;
	} else if (f->path) {
		undo_free(f->path->undo);
		f->path->undo = NULL;
	}
	pc_unlock();
	return rc;
}

static int pc_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct pc_file *f = (struct pc_file *)file;
	return f->real->pMethods->xFileSize(f->real, size);
}

static int pc_file_lock(sqlite3_file *file, int level)
{
	struct pc_file *f = (struct pc_file *)file;
	return f->real->pMethods->xLock(f->real, level);
}

static int pc_file_unlock(sqlite3_file *file, int level)
{
	struct pc_file *f = (struct pc_file *)file;
	return f->real->pMethods->xUnlock(f->real, level);
}

static int pc_check_reserved(sqlite3_file *file, int *out)
{
	struct pc_file *f = (struct pc_file *)file;
	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int pc_file_control(sqlite3_file *file, int op, void *arg)
{
	struct pc_file *f = (struct pc_file *)file;
	/* A size hint may make the file grow without a write; refuse it. */
	if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE)
		return SQLITE_NOTFOUND;
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int pc_sector_size(sqlite3_file *file)
{
	struct pc_file *f = (struct pc_file *)file;
	return f->real->pMethods->xSectorSize(f->real);
}

static int pc_device_characteristics(sqlite3_file *file)
{
	struct pc_file *f = (struct pc_file *)file;
	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int pc_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **out)
{
	struct pc_file *f = (struct pc_file *)file;
	return f->real->pMethods->xShmMap(f->real, page, size, extend, out);
}

static int pc_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
	struct pc_file *f = (struct pc_file *)file;
	return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void pc_shm_barrier(sqlite3_file *file)
{
	struct pc_file *f = (struct pc_file *)file;
	f->real->pMethods->xShmBarrier(f->real);
}

static int pc_shm_unmap(sqlite3_file *file, int delete_flag)
{
	struct pc_file *f = (struct pc_file *)file;
	return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

/* Version 2: shared memory for WAL, no memory-mapped reads (xFetch). */
static const sqlite3_io_methods pc_io = {
    .iVersion = 2,
    .xClose = pc_close,
    .xRead = pc_read,
    .xWrite = pc_write,
    .xTruncate = pc_truncate,
    .xSync = pc_sync,
    .xFileSize = pc_file_size,
    .xLock = pc_file_lock,
    .xUnlock = pc_file_unlock,
    .xCheckReservedLock = pc_check_reserved,
    .xFileControl = pc_file_control,
    .xSectorSize = pc_sector_size,
    .xDeviceCharacteristics = pc_device_characteristics,
    .xShmMap = pc_shm_map,
    .xShmLock = pc_shm_lock,
    .xShmBarrier = pc_shm_barrier,
    .xShmUnmap = pc_shm_unmap,
};

/* ---- the VFS methods --------------------------------------------------------- */

static int pc_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                   int *out_flags)
{
	struct pc_file *f = (struct pc_file *)file;
	int rc;
	(void)vfs;
	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(f + 1);
	rc = pc.real->xOpen(pc.real, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK)
		return rc; /* base.pMethods stays NULL: SQLite will not call xClose */
	if (name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL))) {
		pc_lock();
		/* A path seen for the first time: what is on disk is durable. */
		f->path = path_find(name, true);
		if (f->path && (flags & SQLITE_OPEN_MAIN_DB))
			f->path->main_db = true;
		pc_unlock();
		if (!f->path) {
			f->real->pMethods->xClose(f->real);
			return SQLITE_NOMEM;
		}
	}
	f->base.pMethods = &pc_io;
	return SQLITE_OK;
}

static int pc_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	int rc;
	(void)vfs;
	pc_lock();
	if (pc_tick()) {
		rc = SQLITE_IOERR_DELETE;
	} else {
		rc = pc.real->xDelete(pc.real, name, sync_dir);
		struct pc_path *p = path_find(name, false);
		if (rc == SQLITE_OK && p) {
			undo_free(p->undo);
			p->undo = NULL;
		}
	}
	pc_unlock();
	return rc;
}

lt_status store_sqlite_testvfs_install(struct lt_error *err)
{
	lt_status st = LT_OK;
	pc_lock();
	if (!pc.installed) {
		sqlite3_vfs *real = sqlite3_vfs_find(NULL);
		if (!real) {
			st = lt_error_set(err, LT_ESTORE, NULL, "SQLite has no default VFS");
			goto out;
		}
		pc.real = real;
		pc.vfs = *real;
		pc.vfs.szOsFile = (int)sizeof(struct pc_file) + real->szOsFile;
		pc.vfs.zName = STORE_SQLITE_TESTVFS;
		pc.vfs.pNext = NULL;
		pc.vfs.xOpen = pc_open;
		pc.vfs.xDelete = pc_delete;
		int rc = sqlite3_vfs_register(&pc.vfs, 0);
		if (rc != SQLITE_OK) {
			st = lt_error_set(err, LT_ESTORE, NULL, "registering the test VFS: %s",
			                  sqlite3_errstr(rc));
			goto out;
		}
		pc.installed = true;
	}
out:
	pc_unlock();
	return st;
}

void store_sqlite_testvfs_arm(unsigned long op)
{
	pc_lock();
	pc.ops = 0;
	pc.cut_at = op;
	pc_unlock();
}

void store_sqlite_testvfs_cut(void)
{
	pc_lock();
	pc.off = true;
	pc_unlock();
}

bool store_sqlite_testvfs_is_cut(void)
{
	pc_lock();
	bool off = pc.off;
	pc_unlock();
	return off;
}

unsigned long store_sqlite_testvfs_ops(void)
{
	pc_lock();
	unsigned long n = pc.ops;
	pc_unlock();
	return n;
}

/* Put `p` back as it was at its last sync. */
static lt_status path_restore(struct pc_path *p, struct lt_error *err)
{
	lt_status st = LT_OK;
	int fd = open(p->name, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !p->undo)
			return LT_OK;
		return lt_error_set(err, LT_EIO, NULL, "power cut: cannot open %s: %s", p->name,
		                    strerror(errno));
	}
	for (struct pc_undo *u = p->undo; u; u = u->prev) {
		if ((u->len && pwrite(fd, u->old, u->len, (off_t)u->off) != (ssize_t)u->len) ||
		    ftruncate(fd, (off_t)u->old_size) != 0) {
			st = lt_error_set(err, LT_EIO, NULL, "power cut: cannot restore %s: %s",
			                  p->name, strerror(errno));
			break;
		}
	}
	close(fd);
	return st;
}

lt_status store_sqlite_testvfs_restore(struct lt_error *err)
{
	lt_status st = LT_OK;
	char shm[4200];
	pc_lock();
	while (pc.paths) {
		struct pc_path *p = pc.paths;
		if (st == LT_OK)
			st = path_restore(p, err);
		if (st == LT_OK && p->main_db) {
			snprintf(shm, sizeof(shm), "%s-shm", p->name);
			if (unlink(shm) != 0 && errno != ENOENT)
				st = lt_error_set(err, LT_EIO, NULL,
				                  "power cut: cannot remove %s: %s", shm,
				                  strerror(errno));
		}
		pc.paths = p->next;
		undo_free(p->undo);
		free(p->name);
		free(p);
	}
	pc.off = false;
	pc.ops = 0;
	pc.cut_at = 0;
	pc_unlock();
	return st;
}
