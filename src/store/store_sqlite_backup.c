/*
 * store_sqlite_backup.c — online backups of a SQLite store, and restoring
 * one.
 *
 * Backup (store_backup, `lantern backup PATH`). SQLite's online backup API
 * copies every page of the database from one of the store's reader
 * connections in a single step, which holds one read transaction from the
 * first page to the last: the copy is the database as it was at one
 * instant, every committed write before it and none after, while the
 * server goes on reading and writing (in WAL mode a reader neither blocks
 * nor is blocked by the writer). The copy is written to PATH.partial,
 * turned from WAL into a self-contained single file (journal_mode=DELETE,
 * so it needs no -wal or -shm beside it and can be opened read-only
 * anywhere), checked with PRAGMA integrity_check, synced, and only then
 * given its name — with link(2), which refuses to replace an existing file
 * — and the directory synced. The copy is created with mode 0600, whatever
 * the umask: it holds everything the database holds. A PATH that exists is
 * never overwritten; a stale PATH.partial from an interrupted backup is
 * replaced.
 *
 * Restore (store_restore_sqlite, `lantern restore BACKUP`). The backup is
 * opened read-only and must pass integrity_check and be a lantern database
 * this lantern can open (its schema version at most store_schema_version).
 * The database path must be free: no file at PATH, nor PATH-wal, PATH-shm or
 * PATH-journal — a write-ahead log left from another database would be
 * replayed into the restored one, so restoring refuses rather than deleting
 * it. The backup is copied page by page into PATH.partial (the backup API
 * again, so the copy is checked as it is read), synced, linked to PATH and
 * the directory synced. Opening the restored database afterwards (the
 * caller does, with store_open_sqlite) brings its schema up to date, so a
 * backup from an older lantern restores into this one.
 *
 * Neither copies the key files: the sealing key, the data key and the audit
 * key live beside the database, not in it (docs/operations.md).
 */
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/bug.h"
#include "core/limits.h"
#include "core/banned.h"

#define PATH_CAP 4200

static lt_status sql_fail(sqlite3 *db, int rc, const char *what, struct lt_error *err)
{
	lt_status st = (rc & 0xff) == SQLITE_NOMEM                                  ? LT_ENOMEM
	               : (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? LT_EBUSY
	                                                                            : LT_ESTORE;
	return lt_error_set(err, st, NULL, "%s: %s", what,
	                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/* The first column of the first row of `sql` on `db`, as text. */
static lt_status query_first(sqlite3 *db, const char *sql, char *out, size_t cap,
                             struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	out[0] = '\0';
	if (rc != SQLITE_OK)
		return sql_fail(db, rc, "preparing a statement", err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(out, cap, "%s", t ? (const char *)t : "");
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
	}
	lt_status s = rc == SQLITE_DONE ? LT_OK : sql_fail(db, rc, sql, err);
	sqlite3_finalize(st);
	return s;
}

/* PRAGMA integrity_check on `db` must answer "ok". `what` names the file. */
static lt_status integrity_ok(sqlite3 *db, const char *what, struct lt_error *err)
{
	char got[256];
	lt_status s = query_first(db, "PRAGMA integrity_check", got, sizeof(got), err);
	if (s == LT_OK && strcmp(got, "ok") != 0)
		s = lt_error_set(err, LT_ESTORE, NULL, "%s is damaged: integrity_check says '%s'",
		                 what, got);
	return s;
}

/* fsync `path` (a file or a directory). */
static lt_status sync_path(const char *path, struct lt_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lt_error_set(err, LT_EIO, NULL, "cannot open %s: %s", path, strerror(errno));
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	if (rc != 0)
		return lt_error_set(err, LT_EIO, NULL, "cannot sync %s: %s", path, strerror(e));
	return LT_OK;
}

static lt_status sync_dir_of(const char *path, struct lt_error *err)
{
	char tmp[PATH_CAP];
	snprintf(tmp, sizeof(tmp), "%s", path);
	return sync_path(dirname(tmp), err);
}

static bool path_exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0 || errno != ENOENT;
}

/*
 * Copy the whole database `src` into a new file `path` in one step of the
 * backup API, make it a single self-contained file, check it, sync it and
 * give it its name. `what` names the source in messages.
 */
static lt_status copy_to(sqlite3 *src, const char *path, const char *what, struct lt_error *err)
{
	char partial[PATH_CAP];
	sqlite3 *dst = NULL;
	sqlite3_backup *b = NULL;
	char mode[32];
	lt_status s = LT_OK;
	int rc;

	if (strlen(path) + 16 > sizeof(partial))
		return lt_error_set(err, LT_EINVAL, NULL, "the path is too long");
	if (path_exists(path))
		return lt_error_set(err, LT_EEXIST, NULL,
		                    "%s exists; lantern never overwrites a file", path);
	snprintf(partial, sizeof(partial), "%s.partial", path);
	if (unlink(partial) != 0 && errno != ENOENT)
		return lt_error_set(err, LT_EIO, NULL, "cannot remove %s: %s", partial,
		                    strerror(errno));

	/* The copy holds what the database holds, so only lantern's own account
	 * may read it, whatever the umask: SQLite would create it with mode
	 * 0644, and its journal takes the mode of the file it journals. */
	int fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return lt_error_set(err, LT_EIO, NULL, "cannot create %s: %s", partial,
		                    strerror(errno));
	close(fd);
	rc = sqlite3_open_v2(partial, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		s = lt_error_set(err, LT_EIO, NULL, "cannot create %s: %s", partial,
		                 dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		goto out;
	}
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		s = sql_fail(dst, sqlite3_errcode(dst), "starting the copy", err);
		goto out;
	}
	rc = sqlite3_backup_step(b, -1); /* every page, in one read transaction */
	int frc = sqlite3_backup_finish(b);
	b = NULL;
	if (rc != SQLITE_DONE) {
		s = lt_error_set(err, (rc & 0xff) == SQLITE_BUSY ? LT_EBUSY : LT_ESTORE, NULL,
		                 "copying %s: %s", what, sqlite3_errstr(rc));
		goto out;
	}
	if (frc != SQLITE_OK) {
		s = sql_fail(dst, frc, "finishing the copy", err);
		goto out;
	}
	/* The pages say WAL; a backup stands alone. */
	if ((s = query_first(dst, "PRAGMA journal_mode = DELETE", mode, sizeof(mode), err)) !=
	        LT_OK ||
	    (s = integrity_ok(dst, "the copy", err)) != LT_OK)
		goto out;
	if (strcmp(mode, "delete") != 0) {
		s = lt_error_set(err, LT_ESTORE, NULL, "the copy stayed in journal mode '%s'",
		                 mode);
		goto out;
	}
	rc = sqlite3_close(dst);
	dst = NULL;
	if (rc != SQLITE_OK) {
		s = lt_error_set(err, LT_ESTORE, NULL, "closing the copy: %s", sqlite3_errstr(rc));
		goto out;
	}
	if ((s = sync_path(partial, err)) != LT_OK)
		goto out;
	if (link(partial, path) != 0) {
		s = lt_error_set(err, errno == EEXIST ? LT_EEXIST : LT_EIO, NULL,
		                 "cannot name the copy %s: %s", path, strerror(errno));
		goto out;
	}
	if (unlink(partial) != 0) {
		s = lt_error_set(err, LT_EIO, NULL, "cannot remove %s: %s", partial,
		                 strerror(errno));
		goto out;
	}
	s = sync_dir_of(path, err);
out:
	if (b)
		sqlite3_backup_finish(b);
	sqlite3_close(dst);
	if (s != LT_OK)
		(void)unlink(partial);
	return s;
}

lt_status store_sqlite_backup_to(struct sqlite3 *src, const char *path, struct lt_error *err)
{
	return copy_to(src, path, "the database", err);
}

lt_status store_restore_sqlite(const char *backup, const char *path, struct lt_error *err)
{
	static const char *const sidecars[] = {"-wal", "-shm", "-journal"};
	char side[PATH_CAP];
	char got[64];
	sqlite3 *src = NULL;
	lt_status s;
	int rc;

	if (strlen(path) + 16 > sizeof(side))
		return lt_error_set(err, LT_EINVAL, NULL, "the path is too long");
	if (path_exists(path))
		return lt_error_set(
		    err, LT_EEXIST, NULL,
		    "a database is already at %s: move it (and any %s-wal beside it) "
		    "away first",
		    path, path);
	for (size_t i = 0; i < sizeof(sidecars) / sizeof(sidecars[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", path, sidecars[i]);
		if (path_exists(side))
			return lt_error_set(
			    err, LT_EEXIST, NULL,
			    "%s is left from another database: move it away with that "
			    "database first",
			    side);
	}

	rc = sqlite3_open_v2(backup, &src, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		s = lt_error_set(err, rc == SQLITE_CANTOPEN ? LT_ENOTFOUND : LT_ESTORE, NULL,
		                 "cannot open the backup %s: %s", backup,
		                 src ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
		goto out;
	}
	if ((s = query_first(src, "PRAGMA user_version", got, sizeof(got), NULL)) != LT_OK) {
		s = lt_error_set(err, LT_EINVAL, NULL, "%s is not a lantern database: %s", backup,
		                 sqlite3_errmsg(src));
		goto out;
	}
	long version = strtol(got, NULL, 10);
	if (version > store_schema_version()) {
		s = lt_error_set(
		    err, LT_ESCHEMA, NULL,
		    "the backup has schema version %ld, and this lantern knows only up "
		    "to version %d",
		    version, store_schema_version());
		goto out;
	}
	if ((s = query_first(src,
	                     "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
	                     "('reports', 'audit')",
	                     got, sizeof(got), err)) != LT_OK)
		goto out;
	if (version < 1 || strcmp(got, "2") != 0) {
		s = lt_error_set(err, LT_EINVAL, NULL, "%s is not a lantern database", backup);
		goto out;
	}
	if ((s = integrity_ok(src, "the backup", err)) != LT_OK)
		goto out;
	s = copy_to(src, path, "the backup", err);
out:
	sqlite3_close(src);
	return s;
}
