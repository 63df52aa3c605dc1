/*
 * store_sqlite_retention.c — the retention periods of core/retention.h
 * applied to the SQLite store, and the operator's settings of them. One of
 * the store_sqlite*.c files that include <sqlite3.h>.
 *
 * Settings. retention_settings (schema migration 7) holds one row per kind
 * whose period the operator changed (`lantern retention set`); a kind
 * without a row, or with a row this lantern would not accept (an unknown
 * code, a period outside the table's range), has the table's default.
 *
 * What is due, as of day A (the caller's clock), for a period of N:
 *   persons      not erased, no open case about them, and whose last
 *                activity fell on or before A - N months. The last activity
 *                is the latest of: the person's created_at and updated_at
 *                (a change, a transfer), its referrals' created_at and
 *                updated_at, the created_at and updated_at of the cases
 *                linking it, and its shares' created_at and revoked_at.
 *                Reads are not activity. Erased as person_erase erases
 *                (store_sqlite_person_destroy), each with its audit entry
 *                "person.erase" naming the period as the reason.
 *   report_text  public reports whose description or sealed contact is
 *                still there, stored on or before A - N months: both set
 *                to NULL, the coded fields kept; "report.wipe" each.
 *   sessions     sessions that ended (expiry, or sign-out if earlier) on
 *                or before A - N days: deleted, one "retention.delete"
 *                entry for them all (a session row is not personal data of
 *                anyone the partnership serves).
 * Times stored by the store are UTC text, so "the day of" a time is its
 * first ten characters and comparing days is comparing text.
 *
 * Transactions. Each batch (RETAIN_BATCH records) is one write, each
 * record erased or wiped together with its audit entry; a batch that fails
 * leaves its records as they were and the run stops there, so every record
 * is all or nothing and running again finishes the rest. A dry run reads
 * the same selections and writes nothing.
 */
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "core/banned.h"

#define RETAIN_BATCH 64

/* Persons due: ?1 the cutoff day, ?2 only ids above it, ?3 at most. */
#define PERSONS_DUE                                                                                \
	"SELECT id FROM (SELECT p.id AS id, max(p.created_at, p.updated_at, "                      \
	"coalesce((SELECT max(max(r.created_at, r.updated_at)) FROM referrals r WHERE "            \
	"r.person_id = p.id), ''), "                                                               \
	"coalesce((SELECT max(max(c.created_at, coalesce(c.updated_at, ''))) FROM case_persons "   \
	"cp JOIN cases c ON c.id = cp.case_id WHERE cp.person_id = p.id), ''), "                   \
	"coalesce((SELECT max(max(s.created_at, coalesce(s.revoked_at, ''))) FROM shares s "       \
	"WHERE s.person_id = p.id), '')) AS last FROM persons p WHERE p.erased_at IS NULL AND "    \
	"p.id > ?2 AND NOT EXISTS (SELECT 1 FROM case_persons cp JOIN cases c ON c.id = "          \
	"cp.case_id WHERE cp.person_id = p.id AND coalesce(c.status, 'open') = 'open')) WHERE "    \
	"substr(last, 1, 10) <= ?1 ORDER BY id LIMIT ?3"

/* Public reports due: as above. */
#define REPORTS_DUE                                                                                \
	"SELECT id, ref FROM reports WHERE source = 'public' AND (description IS NOT NULL OR "     \
	"contact_sealed IS NOT NULL) AND substr(created_at, 1, 10) <= ?1 AND id > ?2 ORDER BY id " \
	"LIMIT ?3"

/* Sessions due: ended before ?1 (seconds). */
#define SESSIONS_DUE                                                                               \
	"FROM sessions WHERE (CASE WHEN revoked IS NOT NULL AND revoked < expires THEN revoked "   \
	"ELSE expires END) < ?1"

/* ---- settings -------------------------------------------------------------------- */

lt_status store_sqlite_retention_get(struct store *s, struct lt_retention_periods *out,
                                     struct lt_error *err)
{
	void *conn;
	sqlite3 *db = store_sqlite_read_lock(s, &conn);
	sqlite3_stmt *st = NULL;
	lt_status r = LT_OK;
	int rc;

	lt_retention_defaults(out);
	rc = sqlite3_prepare_v2(db, "SELECT kind, period FROM retention_settings", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = store_sqlite_fail(db, rc, "reading the retention settings", err);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *code = sqlite3_column_text(st, 0);
		const struct lt_retention_rule *rule =
		    code ? lt_retention_find((const char *)code, (size_t)sqlite3_column_bytes(st, 0))
		         : NULL;
		long n = (long)sqlite3_column_int64(st, 1);
		if (rule && lt_retention_check(rule, n, NULL) == LT_OK)
			out->period[rule->kind] = n;
	}
	if (rc != SQLITE_DONE)
		r = store_sqlite_fail(db, rc, "reading the retention settings", err);
out:
	sqlite3_finalize(st);
	store_sqlite_read_unlock(conn);
	return r;
}

struct set_write {
	struct store *s;
	const struct lt_retention_rule *rule;
	long period;
	const char *actor;
};

static lt_status set_run(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct set_write *w = arg;
	sqlite3_stmt *st = NULL;
	char object[64], purpose[64];
	int rc = sqlite3_prepare_v2(db,
	                            "INSERT INTO retention_settings(kind, period) VALUES (?1, ?2) "
	                            "ON CONFLICT(kind) DO UPDATE SET period = excluded.period, "
	                            "set_at = excluded.set_at",
	                            -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, w->rule->code, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, w->period);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(db, rc, "writing a retention setting", err);
	snprintf(object, sizeof(object), "retention:%s", w->rule->code);
	snprintf(purpose, sizeof(purpose), "period set to %ld %s", w->period,
	         lt_retention_unit_words(w->rule->unit));
	struct store_audit_new e = {w->actor, "retention.set", object, 0, purpose};
	return store_sqlite_audit(w->s, db, &e, err);
}

lt_status store_sqlite_retention_set(struct store *s, enum lt_retention_kind kind, long period,
                                     const char *actor, struct lt_error *err)
{
	LT_ASSERT((unsigned)kind < LT_RETENTION_COUNT && actor && actor[0]);
	const struct lt_retention_rule *rule = &lt_retention_rules[kind];
	lt_status r = lt_retention_check(rule, period, err);
	if (r != LT_OK)
		return r;
	struct set_write w = {s, rule, period, actor};
	return store_sqlite_write(s, set_run, &w, err);
}

/* ---- applying the periods ------------------------------------------------------------- */

/* One batch of one kind. */
struct run_write {
	struct store *s;
	const char *actor;
	bool dry;
	const struct lt_retention_rule *rule;
	long period;
	char cutoff[LT_DATE_TEXT]; /* the last day due */
	int64_t before_s;          /* sessions: ended before this second */
	int64_t from;              /* in: only records above this id */
	int64_t after;             /* out: the last id seen */
	long done;                 /* out: records erased, wiped or deleted (dry: due) */
	bool more;                 /* out: the batch was full */
};

static lt_status run_persons(sqlite3 *db, struct run_write *w, struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	int64_t ids[RETAIN_BATCH];
	size_t n = 0;
	char reason[LT_AUDIT_PURPOSE_MAX + 1], object[64];
	lt_status s = LT_OK;
	int rc = sqlite3_prepare_v2(db, PERSONS_DUE, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_fail(db, rc, "finding the persons due", err);
	sqlite3_bind_text(st, 1, w->cutoff, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, w->from);
	sqlite3_bind_int(st, 3, RETAIN_BATCH);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < RETAIN_BATCH)
		ids[n++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		s = store_sqlite_fail(db, rc, "finding the persons due", err);
	sqlite3_finalize(st);
	if (s != LT_OK)
		return s;
	snprintf(reason, sizeof(reason),
	         "retention period: no activity for %ld months (lantern retention run)", w->period);
	for (size_t i = 0; i < n; i++) {
		if (!w->dry) {
			snprintf(object, sizeof(object), "person:%lld", (long long)ids[i]);
			struct store_audit_new e = {w->actor, "person.erase", object, ids[i], reason};
			if ((s = store_sqlite_person_destroy(db, ids[i], err)) != LT_OK ||
			    (s = store_sqlite_audit(w->s, db, &e, err)) != LT_OK)
				return s;
		}
		w->done++;
		w->after = ids[i];
	}
	w->more = n == RETAIN_BATCH;
	return LT_OK;
}

static lt_status run_reports(sqlite3 *db, struct run_write *w, struct lt_error *err)
{
	sqlite3_stmt *st = NULL, *wipe = NULL;
	char reason[LT_AUDIT_PURPOSE_MAX + 1], object[64], ref[32];
	size_t n = 0;
	lt_status s = LT_OK;
	int rc = sqlite3_prepare_v2(db, REPORTS_DUE, -1, &st, NULL);
	if (rc == SQLITE_OK && !w->dry)
		rc = sqlite3_prepare_v2(db,
		                        "UPDATE reports SET description = NULL, contact_sealed = NULL "
		                        "WHERE id = ?1",
		                        -1, &wipe, NULL);
	if (rc != SQLITE_OK) {
		s = store_sqlite_fail(db, rc, "finding the reports due", err);
		goto out;
	}
	if (!w->dry)
		sqlite3_exec(db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
	snprintf(reason, sizeof(reason),
	         "retention period: public report text and contact kept %ld months (lantern "
	         "retention run)",
	         w->period);
	sqlite3_bind_text(st, 1, w->cutoff, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, w->from);
	sqlite3_bind_int(st, 3, RETAIN_BATCH);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const unsigned char *t = sqlite3_column_text(st, 1);
		snprintf(ref, sizeof(ref), "%s", t ? (const char *)t : "");
		if (!w->dry) {
			sqlite3_bind_int64(wipe, 1, id);
			rc = sqlite3_step(wipe);
			sqlite3_reset(wipe);
			if (rc != SQLITE_DONE) {
				s = store_sqlite_fail(db, rc, "wiping a report's text", err);
				goto out;
			}
			snprintf(object, sizeof(object), "report:%s", ref);
			struct store_audit_new e = {w->actor, "report.wipe", object, 0, reason};
			if ((s = store_sqlite_audit(w->s, db, &e, err)) != LT_OK)
				goto out;
		}
		w->done++;
		w->after = id;
		n++;
	}
	if (rc != SQLITE_DONE)
		s = store_sqlite_fail(db, rc, "finding the reports due", err);
	w->more = n == RETAIN_BATCH;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(wipe);
	return s;
}

static lt_status run_sessions(sqlite3 *db, struct run_write *w, struct lt_error *err)
{
	sqlite3_stmt *st = NULL;
	char object[64];
	int rc = sqlite3_prepare_v2(db,
	                            w->dry ? "SELECT count(*) " SESSIONS_DUE
	                                   : "DELETE " SESSIONS_DUE,
	                            -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, w->before_s);
		rc = sqlite3_step(st);
		if (w->dry && rc == SQLITE_ROW) {
			w->done = (long)sqlite3_column_int64(st, 0);
			rc = SQLITE_DONE;
		} else if (rc == SQLITE_DONE) {
			w->done = sqlite3_changes(db);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(db, rc, "deleting the sessions due", err);
	w->more = false;
	if (w->dry || w->done == 0)
		return LT_OK;
	snprintf(object, sizeof(object), "sessions:%ld", w->done);
	struct store_audit_new e = {w->actor, "retention.delete", object, 0, NULL};
	return store_sqlite_audit(w->s, db, &e, err);
}

static lt_status run_batch(sqlite3 *db, void *arg, struct lt_error *err)
{
	struct run_write *w = arg;
	/* a batch the writer runs again from the start must not count twice */
	w->after = w->from;
	w->done = 0;
	w->more = false;
	switch (w->rule->kind) {
	case LT_RETENTION_PERSONS:
		return run_persons(db, w, err);
	case LT_RETENTION_REPORT_TEXT:
		return run_reports(db, w, err);
	case LT_RETENTION_SESSIONS:
		return run_sessions(db, w, err);
	default:
		break;
	}
	LT_BUG("retention kind %d has no run", (int)w->rule->kind);
}

lt_status store_sqlite_retention_run(struct store *s, const struct lt_date *as_of, bool dry_run,
                                     const char *actor, struct store_retention_result *out,
                                     struct lt_error *err)
{
	lt_status r;
	LT_ASSERT(actor && actor[0]);
	memset(out, 0, sizeof(*out));
	if ((r = store_sqlite_retention_get(s, &out->periods, err)) != LT_OK)
		return r;
	/* every cutoff first: a bad date changes nothing */
	for (size_t k = 0; k < LT_RETENTION_COUNT; k++) {
		const struct lt_retention_rule *rule = &lt_retention_rules[k];
		if (rule->action == LT_RETAIN_KEEP)
			continue;
		if ((r = lt_retention_cutoff(as_of, rule->unit, out->periods.period[k], &out->cutoff[k],
		                             err)) != LT_OK)
			return r;
	}
	for (size_t k = 0; k < LT_RETENTION_COUNT; k++) {
		const struct lt_retention_rule *rule = &lt_retention_rules[k];
		if (rule->action == LT_RETAIN_KEEP)
			continue;
		struct run_write w;
		memset(&w, 0, sizeof(w));
		w.s = s;
		w.actor = actor;
		w.dry = dry_run;
		w.rule = rule;
		w.period = out->periods.period[k];
		lt_date_format(&out->cutoff[k], w.cutoff);
		w.before_s = (lt_date_days_since_epoch(&out->cutoff[k]) + 1) * 86400;
		do {
			w.from = w.after;
			r = store_sqlite_write(s, run_batch, &w, err);
			if (r != LT_OK)
				return r;
			out->count[k] += w.done;
		} while (w.more);
	}
	return LT_OK;
}
