/*
 * store_sqlite_estimate.c — which live persons an estimate over a period
 * counts (store.h, estimate_persons; docs/linkage.md, "From linked records
 * to an estimate"). One of the store_sqlite*.c files that include
 * <sqlite3.h>.
 *
 * A person's date is the date of its first referral (the least of its
 * referrals' dates, which may be a year or a month), else, with no
 * referral, the day it was recorded. Only ids and dates are read — both
 * in clear in the database, no personal field is opened — so nothing is
 * audited here; the persons an estimate then opens are audited by
 * store_link_persons with their purpose.
 */
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/record.h"
#include "core/banned.h"

lt_status store_sqlite_estimate_persons(struct store *s, struct store_estimate_person **out,
                                        size_t *n, struct lt_error *err)
{
	void *conn = NULL;
	sqlite3 *db = store_sqlite_read_lock(s, &conn);
	sqlite3_stmt *st = NULL;
	struct store_estimate_person *v = NULL;
	size_t len = 0, cap = 0;
	lt_status r = LT_OK;
	*out = NULL;
	*n = 0;
	int rc = sqlite3_prepare_v2(db,
	                            "SELECT p.id, (SELECT min(r.date) FROM referrals r WHERE "
	                            "r.person_id = p.id), substr(p.created_at, 1, 10) FROM persons p "
	                            "WHERE p.erased_at IS NULL ORDER BY p.id",
	                            -1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = store_sqlite_fail(db, rc, "preparing a statement", err);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = store_sqlite_grow(&v, len, &cap, sizeof(*v), 256, err)) != LT_OK)
			goto out;
		struct store_estimate_person *e = &v[len];
		memset(e, 0, sizeof(*e));
		e->id = sqlite3_column_int64(st, 0);
		int col = sqlite3_column_type(st, 1) == SQLITE_NULL ? 2 : 1;
		e->referred = col == 1;
		const char *t = (const char *)sqlite3_column_text(st, col);
		size_t tl = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
		if (!t || lt_date_parse(t, tl, &e->date, "date", NULL) != LT_OK) {
			r = lt_error_set(err, LT_ESTORE, "date", "person %lld has no readable date",
			                 (long long)e->id);
			goto out;
		}
		len++;
	}
	if (rc != SQLITE_DONE)
		r = store_sqlite_fail(db, rc, "reading the persons' dates", err);
out:
	sqlite3_finalize(st);
	store_sqlite_read_unlock(conn);
	if (r != LT_OK) {
		free(v);
		return r;
	}
	*out = v;
	*n = len;
	return LT_OK;
}
