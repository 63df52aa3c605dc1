/*
 * retention.h — how long lantern keeps what: the retention table, the one
 * source of truth for `lantern retention show`, `lantern retention run`
 * (store_retention_run) and docs/security.md, "Data protection: retention,
 * subject access, erasure".
 *
 * Each row is one kind of data: what it is, what happens to it when its
 * period is over (erased by destroying a key, wiped, deleted, or kept), the
 * period's default and unit, what the period is counted from, and why.
 * Rows that act (erase, wipe, delete) have a period the operator may change
 * within [min, max] (`lantern retention set KIND N`, kept in the database's
 * settings table); rows that keep are there so the table says everything
 * lantern holds, and are not settable.
 *
 * Periods end on a day, never an instant: a record whose last activity was
 * on day D with a period of N months is due on the day N calendar months
 * after D (D + N months, the day clamped to the end of a shorter month) and
 * kept on every day before. lt_retention_cutoff turns "as of day A" into the
 * last day of activity that is due: A - N months (or days); a record is due
 * when its day of last activity is on or before the cutoff. Times come from
 * the caller (the command line reads the clock, or --as-of): nothing here
 * reads one.
 */
#ifndef LT_RETENTION_H
#define LT_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/record.h"

/* What happens to a kind of data when its period is over. */
enum lt_retention_action {
	LT_RETAIN_ERASE,  /* erased by destroying its key: the row stays, nothing opens */
	LT_RETAIN_WIPE,   /* its personal columns set to NULL: the coded fields stay */
	LT_RETAIN_DELETE, /* its rows deleted */
	LT_RETAIN_KEEP,   /* kept: nothing is done (the row says why) */
};

enum lt_retention_unit {
	LT_RETAIN_DAYS,
	LT_RETAIN_MONTHS,
	LT_RETAIN_FOREVER, /* a KEEP row with no period */
};

/*
 * The table. X(SUFFIX, code, action, unit, default, min, max, what, from,
 * why). `code` is what `lantern retention set` and the settings table name
 * it by; append, never rename.
 */
#define LT_RETENTION_MAP(X)                                                                        \
	X(PERSONS, "persons", LT_RETAIN_ERASE, LT_RETAIN_MONTHS, 72, 12, 1200,                     \
	  "a person's personal fields, its referrals' notes, support needs and police "            \
	  "intelligence, its blind index",                                                         \
	  "the person's last activity: recorded or changed, a referral of it recorded or "         \
	  "changed, a case about it opened or changed, a share of it made or revoked; never "      \
	  "while a case about it is open",                                                         \
	  "six years: the minimum for which police records are normally held under MoPI, and "   \
	  "the Limitation Act 1980's six years for claims")                                        \
	X(REPORT_TEXT, "report_text", LT_RETAIN_WIPE, LT_RETAIN_MONTHS, 12, 1, 1200,               \
	  "a public report's free text (description) and sealed contact details; its coded "      \
	  "fields (dates, forms, place) stay for the statistics",                                  \
	  "when lantern stored the report",                                                        \
	  "lantern's default: a concern is triaged within days and what is needed moves into a "  \
	  "referral; a year covers follow-up")                                                     \
	X(SESSIONS, "sessions", LT_RETAIN_DELETE, LT_RETAIN_DAYS, 7, 1, 365,                       \
	  "rows of signed-in sessions (the hash of the id, the account, times)",                   \
	  "the session's expiry, or its sign-out if earlier",                                      \
	  "no use once ended; the audit log keeps every sign-in and sign-out")                     \
	X(API_TOKENS, "api_tokens", LT_RETAIN_KEEP, LT_RETAIN_FOREVER, 0, 0, 0,                    \
	  "API tokens, revoked ones included (a hash, the agency, role and label: no personal "    \
	  "data)",                                                                                 \
	  "-",                                                                                     \
	  "a revoked token's hash opens nothing, and its row says whose 'token:N' in the audit "   \
	  "log was")                                                                               \
	X(LOGIN_THROTTLE, "login_throttle", LT_RETAIN_KEEP, LT_RETAIN_FOREVER, 0, 0, 0,            \
	  "counts of failed sign-ins per account and client address",                              \
	  "-",                                                                                     \
	  "held only in the server's memory, never on disk: forgotten 30 days (account) or 1 day " \
	  "(address) after the last failure, and at every restart")                               \
	X(AUDIT, "audit", LT_RETAIN_KEEP, LT_RETAIN_FOREVER, 0, 0, 0,                              \
	  "the audit log: who did what to which record, when and why",                             \
	  "-",                                                                                     \
	  "kept whole: the hash chain breaks if an entry goes; it holds ids, codes and stated "    \
	  "purposes, never a person's personal fields")

enum lt_retention_kind {
#define X(sfx, code, action, unit, def, min, max, what, from, why) LT_RETENTION_##sfx,
	LT_RETENTION_MAP(X)
#undef X
	LT_RETENTION_COUNT
};

struct lt_retention_rule {
	enum lt_retention_kind kind;
	const char *code;
	enum lt_retention_action action;
	enum lt_retention_unit unit;
	long period_default; /* in `unit`; 0 for FOREVER */
	long period_min;     /* the settable range; 0 and 0 for KEEP rows */
	long period_max;
	const char *what;    /* a phrase: what is kept */
	const char *from;    /* a phrase: what the period is counted from; "-" for KEEP */
	const char *why;     /* a phrase: why this period */
};

extern const struct lt_retention_rule lt_retention_rules[LT_RETENTION_COUNT];

/* The periods in force, one per kind (in the rule's unit; 0 for KEEP). */
struct lt_retention_periods {
	long period[LT_RETENTION_COUNT];
};

/* The defaults of the table. */
void lt_retention_defaults(struct lt_retention_periods *out);

/* The rule whose code is `code` (`len` bytes), or NULL. */
const struct lt_retention_rule *lt_retention_find(const char *code, size_t len);

/* Whether the rule's period may be set (its action is not KEEP). */
bool lt_retention_settable(const struct lt_retention_rule *r);

/*
 * Check a period for rule `r`: LT_EINVAL naming `r->code` when the rule
 * cannot be set or `n` is outside [period_min, period_max].
 */
lt_status lt_retention_check(const struct lt_retention_rule *r, long n, struct lt_error *err);

/* The words of a rule's action ("erased (its key destroyed)") and unit
 * ("months"). Never NULL. */
const char *lt_retention_action_words(enum lt_retention_action a);
const char *lt_retention_unit_words(enum lt_retention_unit u);

/*
 * The last day whose activity is due on day `as_of` (a full date) under a
 * period of `n` units: as_of - n months (the day clamped to the end of the
 * month) or as_of - n days. LT_EINVAL naming "as_of" when as_of is not a
 * full date or the cutoff falls before year 1. `unit` is DAYS or MONTHS.
 */
lt_status lt_retention_cutoff(const struct lt_date *as_of, enum lt_retention_unit unit, long n,
                              struct lt_date *out, struct lt_error *err);

/* Days from 1970-01-01 to the full date `d` (negative before). */
int64_t lt_date_days_since_epoch(const struct lt_date *d);

#endif
