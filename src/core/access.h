/*
 * access.h — who may do what to which records: roles, actions, scopes, and
 * the one table that joins them.
 *
 * Everyone who signs in, and every partner system that calls the API with a
 * token, acts as a *principal*: an account or an API token, belonging to one
 * agency, holding one role. What a principal may do is decided by one
 * declarative table, LT_ACTION_MAP below: a row per action, a column per
 * role, and in each cell the *scopes* — which records the role may do that
 * action to:
 *
 *   own     records the principal itself created, while its agency still
 *           owns them (a record transferred away is no longer "own");
 *   agency  records owned by the principal's agency;
 *   shared  records another agency has shared with the principal's agency
 *           (referred, not revoked);
 *   all     every record of every agency, and records of no agency (a
 *           public report).
 *
 * A cell holds any combination (a caseworker reads persons of "agency,
 * shared"); an empty cell means the role may never do the action. There is
 * no wildcard, no "manage" that implies other actions, no superuser, and no
 * rule written anywhere else: a permission not in the table does not exist.
 * docs/security.md shows the table as rendered by lt_access_table_markdown,
 * and tests/core/test_access.c walks every cell.
 *
 * Where this departs from Primero (the anchor of this model): Primero gives
 * a role one record scope for all of its permissions (its "group
 * permission": self, group, agency or all), so a role that may read every
 * agency's cases may also write them; here each (role, action) cell has its
 * own scope. Primero's system administrators can see everything; here the
 * administrators read no personal data at all, and the one role with an
 * "all" scope over people (analyst) sees them only pseudonymised. Primero
 * answers 403 for a record outside one's scope, which tells the caller that
 * it exists; here the rule below makes it 404.
 *
 * THE RULE (lt_access_check), in order:
 *   1. The role's cell for the action is empty: LT_EFORBIDDEN (403). This
 *      depends on the role alone, so it reveals nothing about any record.
 *   2. The cell's scopes cover the record: LT_OK.
 *   3. Some other action of the same resource covers the record for this
 *      role (the principal can see the record, only not do this to it):
 *      LT_EFORBIDDEN (403).
 *   4. Otherwise the record is invisible to the principal: LT_ENOTFOUND
 *      (404), the same answer as for a record that does not exist, so a
 *      record of another agency that is not shared with yours answers 404,
 *      never 403.
 * With no record (facts NULL: listing, searching, statistics), the answer
 * is LT_OK when the cell is not empty — the caller then shows only what
 * lt_access_scopes allows — and LT_EFORBIDDEN otherwise. Creating a record
 * is checked with the facts of the record as it would be stored (owned by
 * the principal's agency, created by the principal), so a cell of "own" or
 * "agency" allows creation in one's own agency and in no other.
 *
 * Facts are gathered by the caller (the store knows who owns a record and
 * whether it is shared); this module only decides. It never reads the
 * clock, allocates nothing, and is safe from any number of threads.
 */
#ifndef LT_ACCESS_H
#define LT_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/status.h"
#include "core/taxonomy.h"

/*
 * Roles. X(SUFFIX, code, label, description, token, agency_admin_grants)
 *   token:               1 when an API token may hold the role (a machine
 *                        credential never administers);
 *   agency_admin_grants: 1 when an agency administrator may give the role
 *                        to an account of its own agency (a partnership
 *                        administrator may give any role).
 * Codes are stored in the database: append, never rename.
 */
#define LT_ROLE_MAP(X)                                                                       \
	X(PARTNERSHIP_ADMIN, "partnership_admin", "Partnership administrator",                  \
	  "Runs the partnership's lantern: agencies, accounts, API tokens, the audit log. "     \
	  "Reads statistics but no personal data.",                                             \
	  0, 0)                                                                                 \
	X(AGENCY_ADMIN, "agency_admin", "Agency administrator",                                 \
	  "Manages the accounts and API tokens of one agency, shares and revokes its records, " \
	  "answers its subject access and erasure requests, reads its audit trail.",            \
	  0, 1)                                                                                 \
	X(CASEWORKER, "caseworker", "Caseworker",                                               \
	  "Records and works on persons, referrals and cases of the agency and those shared "   \
	  "with it; reports concerns.",                                                         \
	  1, 1)                                                                                 \
	X(POLICE, "police", "Police",                                                           \
	  "A caseworker of a police force who also records arrests and triages every "          \
	  "report of concern.",                                                                 \
	  1, 1)                                                                                 \
	X(ANALYST, "analyst", "Analyst",                                                        \
	  "Reads pseudonymised records of every agency and aggregate statistics, never "        \
	  "identifying details.",                                                               \
	  1, 1)

enum lt_role {
#define X(sfx, code, label, desc, token, grant) LT_ROLE_##sfx,
	LT_ROLE_MAP(X)
#undef X
	LT_ROLE_COUNT
};

/* The roles as a vocabulary (code and label; no crosswalks), for parsing
 * and for the store's vocab_role table. */
extern const struct lt_vocab lt_vocab_role;

/* Scopes. X(SUFFIX, code, description). Each is one bit of a scope set. */
#define LT_SCOPE_MAP(X)                                                                       \
	X(OWN, "own", "records the principal itself created, while its agency still owns them") \
	X(AGENCY, "agency", "records owned by the principal's agency")                           \
	X(SHARED, "shared", "records another agency shared with the principal's agency")         \
	X(ALL, "all", "every record of every agency, and records of no agency")

enum lt_scope_index {
#define X(sfx, code, desc) LT_SCOPE_INDEX_##sfx,
	LT_SCOPE_MAP(X)
#undef X
	LT_SCOPE_COUNT
};
enum lt_scope {
#define X(sfx, code, desc) LT_SCOPE_##sfx = 1u << LT_SCOPE_INDEX_##sfx,
	LT_SCOPE_MAP(X)
#undef X
};
#define LT_SCOPE_NONE 0u
#define LT_SCOPE_AS (LT_SCOPE_AGENCY | LT_SCOPE_SHARED) /* shorthand for the table */

/* What an action acts on. X(SUFFIX, code) */
#define LT_RESOURCE_MAP(X) \
	X(PERSON, "person")      \
	X(REFERRAL, "referral")  \
	X(CASE, "case")          \
	X(ARREST, "arrest")      \
	X(REPORT, "report")      \
	X(SHARE, "share")        \
	X(STATS, "stats")        \
	X(AUDIT, "audit")        \
	X(USER, "user")          \
	X(AGENCY, "agency")      \
	X(TOKEN, "token")

enum lt_resource {
#define X(sfx, code) LT_RESOURCE_##sfx,
	LT_RESOURCE_MAP(X)
#undef X
	LT_RESOURCE_COUNT
};

/*
 * THE TABLE. X(SUFFIX, code, resource, label,
 *              partnership_admin, agency_admin, caseworker, police, analyst)
 * One column per role, in the order of LT_ROLE_MAP (a static assertion in
 * access.c keeps the two in step). The facts a cell is checked against:
 *   - person, referral, case, arrest, report: the record's;
 *   - share.create: the shared record's; share.revoke: the share's (owned
 *     by the sharing agency, created by whoever shared);
 *   - user.manage, token.manage: the account's or token's agency;
 *     agency.manage: the agency itself; audit.read: the agency whose trail
 *     is read; stats.read: none.
 * Action codes appear in the audit log and the API: append, never rename.
 */
#define LT_ACTION_MAP(X)                                                                       \
	X(PERSON_READ, "person.read", PERSON, "Read a person's identifying details",              \
	  0, 0, LT_SCOPE_AS, LT_SCOPE_AS, 0)                                                      \
	X(PERSON_READ_PSEUDONYMISED, "person.read_pseudonymised", PERSON,                         \
	  "Read a person's record with identifying details replaced by a pseudonym",              \
	  0, 0, 0, 0, LT_SCOPE_ALL)                                                               \
	X(PERSON_CREATE, "person.create", PERSON, "Record a new person",                           \
	  0, 0, LT_SCOPE_AGENCY, LT_SCOPE_AGENCY, 0)                                              \
	X(PERSON_UPDATE, "person.update", PERSON, "Change a person's details",                     \
	  0, 0, LT_SCOPE_AGENCY, LT_SCOPE_AGENCY, 0)                                              \
	X(PERSON_EXPORT, "person.export", PERSON,                                                 \
	  "Export everything held about a person (a subject access request)",                     \
	  0, LT_SCOPE_AGENCY, 0, 0, 0)                                                            \
	X(PERSON_ERASE, "person.erase", PERSON, "Erase a person by destroying their key",          \
	  0, LT_SCOPE_AGENCY, 0, 0, 0)                                                            \
	X(REFERRAL_READ, "referral.read", REFERRAL, "Read a referral",                             \
	  0, 0, LT_SCOPE_AS, LT_SCOPE_AS, 0)                                                      \
	X(REFERRAL_CREATE, "referral.create", REFERRAL, "Record a referral",                       \
	  0, 0, LT_SCOPE_AGENCY, LT_SCOPE_AGENCY, 0)                                              \
	X(REFERRAL_UPDATE, "referral.update", REFERRAL, "Change a referral",                       \
	  0, 0, LT_SCOPE_AGENCY, LT_SCOPE_AGENCY, 0)                                              \
	X(CASE_READ, "case.read", CASE, "Read a case", 0, 0, LT_SCOPE_AS, LT_SCOPE_AS, 0)          \
	X(CASE_CREATE, "case.create", CASE, "Open a case",                                         \
	  0, 0, LT_SCOPE_AGENCY, LT_SCOPE_AGENCY, 0)                                              \
	X(CASE_UPDATE, "case.update", CASE, "Change a case",                                       \
	  0, 0, LT_SCOPE_AGENCY, LT_SCOPE_AGENCY, 0)                                              \
	X(ARREST_READ, "arrest.read", ARREST, "Read an arrest record",                             \
	  0, 0, 0, LT_SCOPE_AS, 0)                                                                \
	X(ARREST_CREATE, "arrest.create", ARREST, "Record an arrest",                              \
	  0, 0, 0, LT_SCOPE_AGENCY, 0)                                                            \
	X(REPORT_READ, "report.read", REPORT,                                                     \
	  "Read a report of concern, with its free text",                                         \
	  0, 0, LT_SCOPE_AGENCY, LT_SCOPE_ALL, 0)                                                 \
	X(REPORT_CREATE, "report.create", REPORT, "Send a report of concern as a partner agency",  \
	  0, 0, LT_SCOPE_AGENCY, LT_SCOPE_AGENCY, 0)                                              \
	X(SHARE_CREATE, "share.create", SHARE,                                                    \
	  "Share a record with another agency (refer or transfer), with consent or a lawful "     \
	  "reason",                                                                               \
	  0, LT_SCOPE_AGENCY, LT_SCOPE_AGENCY, LT_SCOPE_AGENCY, 0)                                \
	X(SHARE_REVOKE, "share.revoke", SHARE, "Revoke a share",                                   \
	  0, LT_SCOPE_AGENCY, LT_SCOPE_OWN, LT_SCOPE_OWN, 0)                                      \
	X(STATS_READ, "stats.read", STATS, "Read aggregate statistics",                            \
	  LT_SCOPE_ALL, LT_SCOPE_ALL, LT_SCOPE_ALL, LT_SCOPE_ALL, LT_SCOPE_ALL)                   \
	X(AUDIT_READ, "audit.read", AUDIT, "Read the audit log",                                   \
	  LT_SCOPE_ALL, LT_SCOPE_AGENCY, 0, 0, 0)                                                 \
	X(USER_MANAGE, "user.manage", USER, "Create, list, disable and re-enable accounts",        \
	  LT_SCOPE_ALL, LT_SCOPE_AGENCY, 0, 0, 0)                                                 \
	X(AGENCY_MANAGE, "agency.manage", AGENCY, "Add and change agencies",                       \
	  LT_SCOPE_ALL, 0, 0, 0, 0)                                                               \
	X(TOKEN_MANAGE, "token.manage", TOKEN, "Issue, list and revoke API tokens",                \
	  LT_SCOPE_ALL, LT_SCOPE_AGENCY, 0, 0, 0)                                                 \
	X(PERSON_MATCH_DECIDE, "person.match_decide", PERSON,                                     \
	  "Record whether two persons one may read are the same person (a match decision)",       \
	  0, 0, LT_SCOPE_AS, LT_SCOPE_AS, 0)                                                      \
	X(SHARE_LIST, "share.list", SHARE,                                                        \
	  "See with which agencies a person was shared, and on what basis",                       \
	  0, LT_SCOPE_AGENCY, LT_SCOPE_AS, LT_SCOPE_AS, 0)

enum lt_action {
#define X(sfx, code, res, label, pa, aa, cw, po, an) LT_ACTION_##sfx,
	LT_ACTION_MAP(X)
#undef X
	LT_ACTION_COUNT
};

/* One row of the table. */
struct lt_action_info {
	const char *code;              /* "person.read" */
	enum lt_resource resource;
	const char *label;             /* a sentence fragment for people */
	unsigned scopes[LT_ROLE_COUNT]; /* scope set of each role; 0 = never */
};

/* Row `a` of the table; asserts that a < LT_ACTION_COUNT. */
const struct lt_action_info *lt_action_info(enum lt_action a);
/* The action with code `code` (`len` bytes), or -1. */
int lt_action_find(const char *code, size_t len);
/* The code of a resource ("person"); asserts that it is valid. */
const char *lt_resource_code(enum lt_resource r);
/* The code of the scope with index `i` ("own"); asserts i < LT_SCOPE_COUNT. */
const char *lt_scope_code(unsigned i);
/* The role's scopes for the action: the cell of the table. */
unsigned lt_access_scopes(enum lt_role role, enum lt_action a);
/* True when an API token may hold `role`. */
bool lt_role_token_allowed(enum lt_role role);

/* Who is acting. */
enum lt_principal_kind {
	LT_PRINCIPAL_NONE = 0, /* no one: a creator that is not known */
	LT_PRINCIPAL_USER,     /* an account; id is users.id */
	LT_PRINCIPAL_TOKEN,    /* an API token; id is api_tokens.id */
};

struct lt_principal {
	enum lt_principal_kind kind; /* USER or TOKEN */
	int64_t id;                  /* > 0 */
	int64_t agency_id;           /* agencies.id of the principal's agency, > 0 */
	enum lt_role role;
};

/* What the decision needs to know about one record, relative to the
 * principal asking. */
struct lt_access_facts {
	int64_t owner_agency_id;             /* agency owning the record; 0 when none */
	enum lt_principal_kind creator_kind; /* who created it; NONE when not known */
	int64_t creator_id;
	bool shared;                         /* an active (not revoked) share of the record
						with the principal's agency */
};

/*
 * The scopes that cover the record described by `f` for principal `p`: ALL
 * always; AGENCY when the principal's agency owns it; OWN when, moreover,
 * the principal created it; SHARED when it is shared with the principal's
 * agency.
 */
unsigned lt_access_relation(const struct lt_principal *p, const struct lt_access_facts *f);

/*
 * May `p` do `a` to the record described by `f` (NULL: no one record)?
 * LT_OK, LT_EFORBIDDEN or LT_ENOTFOUND by THE RULE above. Asserts that p is
 * a valid principal and a a valid action; never fails otherwise.
 */
lt_status lt_access_check(const struct lt_principal *p, enum lt_action a,
			  const struct lt_access_facts *f);

/*
 * May `p` give `role` to an account or token of an agency of kind `kind`?
 * The principal must hold user.manage (token.manage for tokens: `token`
 * true) — the agency itself is checked with lt_access_check — and:
 *   - only a partnership administrator gives the roles an agency
 *     administrator may not (agency_admin_grants 0);
 *   - tokens hold only roles whose `token` column is 1;
 *   - the police role belongs to agencies of kind police or
 *     national_agency.
 * p NULL means the operator at the command line, who may give any role
 * (still subject to the last two rules). LT_OK, or LT_EFORBIDDEN /
 * LT_EINVAL with a sentence in `err`.
 */
lt_status lt_access_grant_check(const struct lt_principal *p, enum lt_role role,
				enum lt_agency_kind kind, bool token, struct lt_error *err);

/*
 * Check an e-mail address as the name of an account: valid UTF-8 of 3 to
 * LT_EMAIL_MAX - 1 bytes, no spaces, quotes or control characters, exactly
 * one '@' with something before it and a domain with a '.' after it.
 * Accounts are told apart ignoring ASCII case. LT_EINVAL naming "email".
 */
lt_status lt_email_check(const char *s, size_t len, struct lt_error *err);

/* Append the table as Markdown (a header, then one line per action, as
 * docs/security.md shows it) to `b`. */
lt_status lt_access_table_markdown(struct lt_buf *b);
/* Append the Markdown line of action `a` alone (no newline). */
lt_status lt_access_row_markdown(struct lt_buf *b, enum lt_action a);

#endif
