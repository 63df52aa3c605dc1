/*
 * store.h — where lantern keeps its records: an interface, not a database.
 *
 * Callers hold a `struct store *` and call the store_* wrappers below; each
 * forwards to the backend's `struct store_ops`, a table of function pointers
 * (as curl's vtls and SQLite's VFS do), so a PostgreSQL backend can be added
 * beside the SQLite one (store_sqlite.c) without touching a caller.
 *
 * Contract of every backend:
 *   - Opening applies the versioned schema migrations in order, each in its
 *     own transaction, and refuses (LT_ESCHEMA) a database written by a newer
 *     lantern.
 *   - Every call that writes more than one row is one transaction: it is
 *     applied whole or not at all. The write and its audit entry commit
 *     together; the audit table is append-only.
 *   - A write that returns LT_OK is durable (SQLite: WAL, synchronous=FULL).
 *   - Calls are safe from several threads at once on one store.
 *   - Errors come back as a status plus an lt_error naming what failed; a
 *     backend never prints and never exits.
 *
 * `actor` strings say who acted, for the audit table: "cli", "public",
 * "api:127.0.0.1", ... They must not contain personal data.
 */
#ifndef LT_STORE_H
#define LT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/record.h"

struct store;

/* One group of the arrest counts: arrests in `year` for `offence`. Dates
 * without a year are not counted. */
struct store_arrest_count {
	int year;
	enum lt_offence offence;
	long arrests;
};

/* One row of the audit table, as read back. */
struct store_audit_entry {
	int64_t id;
	char at[32];       /* UTC time, "YYYY-MM-DDTHH:MM:SS.sssZ" */
	char actor[64];
	char action[64];   /* e.g. "report.create", "arrest.import" */
	char object[64];   /* what it acted on, e.g. "report:LT-7K3M9QXP" or "arrests:11" */
};

struct store_ops {
	const char *name; /* "sqlite" */
	void (*close)(struct store *s);

	lt_status (*agency_add)(struct store *s, struct lt_agency *a, const char *actor,
				struct lt_error *err);
	/* All agencies ordered by code; *out is a heap array the caller frees. */
	lt_status (*agency_list)(struct store *s, struct lt_agency **out, size_t *n,
				 struct lt_error *err);

	lt_status (*case_add)(struct store *s, struct lt_case *c, const char *actor,
			      struct lt_error *err);
	/* All case references, sorted; *out is a heap array of heap strings;
	 * free with store_strings_free. */
	lt_status (*case_refs)(struct store *s, char ***out, size_t *n, struct lt_error *err);

	/* Insert `n` reports in one transaction with one audit entry; fills each
	 * record's id. Each report's `ref` must be set and unique: a clash
	 * fails the whole call with LT_EEXIST and field "ref", and the caller
	 * may retry with new codes. */
	lt_status (*reports_insert)(struct store *s, struct lt_report *r, size_t n,
				    const char *actor, struct lt_error *err);
	/* The report with reference code `ref` (case-insensitive); LT_ENOTFOUND
	 * when none. The caller releases *out with lt_report_release. */
	lt_status (*report_get)(struct store *s, const char *ref, struct lt_report *out,
				struct lt_error *err);
	lt_status (*report_count)(struct store *s, long *out, struct lt_error *err);

	/* Insert `n` arrests in one transaction with one audit entry; fills ids.
	 * The agencies and cases they name must exist (LT_EINVAL otherwise). */
	lt_status (*arrests_insert)(struct store *s, struct lt_arrest *a, size_t n,
				    const char *actor, struct lt_error *err);
	/* Arrests grouped by year and offence, ordered by year then offence;
	 * *out is a heap array the caller frees. */
	lt_status (*arrest_counts)(struct store *s, struct store_arrest_count **out, size_t *n,
				   struct lt_error *err);

	/* The newest `limit` audit entries, newest first; caller frees *out. */
	lt_status (*audit_tail)(struct store *s, size_t limit, struct store_audit_entry **out,
				size_t *n, struct lt_error *err);
};

/* Every backend's handle begins with this. */
struct store {
	const struct store_ops *ops;
};

/*
 * Open (creating if need be) the SQLite database at `path` and bring its
 * schema up to date. The directory must exist. On success *out is a store the
 * caller closes with store_close.
 */
lt_status store_open_sqlite(const char *path, struct store **out, struct lt_error *err);

/* The schema version this lantern writes. */
int store_schema_version(void);

static inline void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}
static inline lt_status store_agency_add(struct store *s, struct lt_agency *a, const char *actor,
					 struct lt_error *err)
{
	return s->ops->agency_add(s, a, actor, err);
}
static inline lt_status store_agency_list(struct store *s, struct lt_agency **out, size_t *n,
					  struct lt_error *err)
{
	return s->ops->agency_list(s, out, n, err);
}
static inline lt_status store_case_add(struct store *s, struct lt_case *c, const char *actor,
				       struct lt_error *err)
{
	return s->ops->case_add(s, c, actor, err);
}
static inline lt_status store_case_refs(struct store *s, char ***out, size_t *n,
					struct lt_error *err)
{
	return s->ops->case_refs(s, out, n, err);
}
static inline lt_status store_reports_insert(struct store *s, struct lt_report *r, size_t n,
					     const char *actor, struct lt_error *err)
{
	return s->ops->reports_insert(s, r, n, actor, err);
}
static inline lt_status store_report_get(struct store *s, const char *ref, struct lt_report *out,
					 struct lt_error *err)
{
	return s->ops->report_get(s, ref, out, err);
}
static inline lt_status store_report_count(struct store *s, long *out, struct lt_error *err)
{
	return s->ops->report_count(s, out, err);
}
static inline lt_status store_arrests_insert(struct store *s, struct lt_arrest *a, size_t n,
					     const char *actor, struct lt_error *err)
{
	return s->ops->arrests_insert(s, a, n, actor, err);
}
static inline lt_status store_arrest_counts(struct store *s, struct store_arrest_count **out,
					    size_t *n, struct lt_error *err)
{
	return s->ops->arrest_counts(s, out, n, err);
}
static inline lt_status store_audit_tail(struct store *s, size_t limit,
					 struct store_audit_entry **out, size_t *n,
					 struct lt_error *err)
{
	return s->ops->audit_tail(s, limit, out, n, err);
}

/* Free an array of heap strings as returned by case_refs. */
void store_strings_free(char **v, size_t n);

/*
 * Load the agencies and case references into `known` for lt_report_check /
 * lt_arrest_check. `*agency_codes` and `*case_refs` hold the storage; release
 * with store_known_release.
 */
struct store_known {
	struct lt_known known;
	char **agencies;
	size_t n_agencies;
	char **cases;
	size_t n_cases;
};
lt_status store_known_load(struct store *s, struct store_known *k, struct lt_error *err);
void store_known_release(struct store_known *k);

#endif
