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
 *
 * The audit table is a hash chain with signed checkpoints (core/audit.h):
 * every entry appended carries the hash of the one before it, and a store
 * given a signing key (store_audit_signer_set) signs a checkpoint of the
 * chain inside the write that brings LT_AUDIT_CHECKPOINT_EVERY entries
 * since the last one. store_audit_verify (store_audit.c) walks the chain
 * and the checkpoints through the audit_list and audit_checkpoints calls,
 * the same for every backend.
 */
#ifndef LT_STORE_H
#define LT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/access.h"
#include "core/audit.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/person.h"
#include "core/pseudo.h"
#include "core/record.h"
#include "core/retention.h"
#include "crypto/crypto.h"

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
	int64_t person;    /* whose personal data it touched; 0 when none */
	char purpose[LT_AUDIT_PURPOSE_MAX + 1]; /* why it was read; "" when none */
	unsigned char prev_hash[LT_AUDIT_HASH_BYTES]; /* as stored */
	unsigned char hash[LT_AUDIT_HASH_BYTES];      /* as stored */
	bool malformed;    /* a column has a type or size lantern never writes, so the
			      row was altered outside lantern; the text fields may be cut */
};

/* An audit entry to append: who did what to what and, when personal data
 * was read or changed, whose and why. */
struct store_audit_new {
	const char *actor;   /* as above; fewer than 64 bytes */
	const char *action;  /* "person.read", "session.login", ...; fewer than 64 bytes */
	const char *object;  /* fewer than 64 bytes */
	int64_t person;      /* the person's id, 0 when none */
	const char *purpose; /* NULL or "" when none; at most LT_AUDIT_PURPOSE_MAX bytes */
};

/* Which audit entries audit_list returns. */
struct store_audit_query {
	int64_t after;     /* only entries with id > after; 0 for all */
	int64_t person;    /* only entries about this person; 0 for all */
	size_t limit;      /* at most this many */
	bool newest_first; /* by id descending (the newest `limit`), else ascending */
};

/*
 * An account as stored. The e-mail address is unique ignoring ASCII case.
 * password_hash is the argon2id string; it is filled only by user_find and
 * user_get (it is never listed) and must be wiped with store_user_wipe.
 */
struct store_user {
	int64_t id;
	char email[LT_EMAIL_MAX];
	int64_t agency_id;
	char agency[LT_CODE_MAX];              /* the agency's code */
	enum lt_agency_kind agency_kind;
	enum lt_role role;
	bool disabled;                         /* may not sign in */
	bool unlock_requested;                 /* `lantern user unlock` asked the server to
						  lift its sign-in lock; taken at the next
						  attempt (user_unlock_take) */
	char created_at[32];                   /* UTC, "YYYY-MM-DDTHH:MM:SS.sssZ" */
	char password_hash[LT_PASSWORD_HASH_MAX]; /* "" unless the call fills it */
};

/* An API token as stored: never the token, only what it may do. */
struct store_token {
	int64_t id;
	int64_t agency_id;
	char agency[LT_CODE_MAX];
	enum lt_role role;
	char label[LT_TOKEN_LABEL_MAX + 1]; /* the issuer's note, "" when none */
	char created_at[32];
	char revoked_at[32];                /* "" while it works */
};

/*
 * A signed-in session as stored. The store never sees the session id, only
 * its hash (lt_crypto_session_hash). Times are seconds since 1970-01-01 UTC,
 * given by the caller, which also decides what has expired.
 */
struct store_session {
	int64_t id;             /* sessions.id: what the audit log names ("session:12") */
	int64_t created;        /* when it was created, at sign-in */
	int64_t last_seen;      /* its last use, as last written (session_touch) */
	int64_t expires;        /* its absolute expiry */
	struct store_user user; /* its account, without the password hash */
};

/*
 * Records about people (store_sqlite_person.c). Personal fields are sealed
 * before they are written and opened after they are read, with keys from
 * `keys`, the data key file's master keys, which every such call is given
 * (the store keeps no key): each person has a random data key of its own,
 * stored wrapped under the current master key; the person's personal
 * fields, and those of its referrals, are sealed under it with the record's
 * id and the key's generation as associated data; its names and date of
 * birth are indexed by keyed hashes (the blind index) under a key derived
 * from the master key. docs/security.md, "Personal data and keys".
 *
 * Every call is made for a principal `p` (never NULL) and decided by
 * lt_access_check inside the call's transaction: LT_ENOTFOUND for a record
 * the principal may not see (and for one that does not exist), LT_EFORBIDDEN
 * for one it may see but not act on. Every read of personal data states a
 * purpose (1..LT_AUDIT_PURPOSE_MAX bytes: LT_EINVAL naming "purpose"
 * otherwise) and is written to the audit log, with the person and the
 * purpose, in the same transaction; the data is handed back only after that
 * transaction committed. Writes are audited the same way. The actor of an
 * entry is the principal ("user:7", "token:3"); no entry holds personal
 * data.
 *
 * Key errors are LT_ECRYPTO with a sentence: no key given; the key file's
 * key N is not the database's key N (another key file); a newer key N was
 * added by a rotation (restart with the new key file); a record is sealed
 * under key N, which the key file does not hold; a record does not open
 * (tampered, or moved from another record).
 */

/* One master key the database knows (master_keys). */
struct store_key_info {
	uint32_t id;
	char added_at[32];   /* UTC */
	char retired_at[32]; /* when a rotation moved everything off it; "" while in use */
	long persons;        /* persons whose data key it wraps */
	bool in_keyring;     /* the key file given holds a key with this id */
	bool check_ok;       /* ... and it is the same key (its check value matches) */
};

/* What data_keys_status found. */
struct store_key_status {
	struct store_key_info keys[16]; /* by id; the 16 newest when there are more */
	size_t n;
	long persons;     /* persons stored, erased ones included */
	long erased;      /* persons erased by destroying their key */
	long not_current; /* persons whose key is wrapped under another key than the
			     key file's current one (a rotation to finish) */
};

/* A search of persons by the blind index (lt_person_query_terms). Persons
 * found come newest (highest id) first, a page at a time. */
struct store_person_query {
	const char *name;    /* any of a person's names, whole or by all its words; NULL: none */
	size_t name_len;
	struct lt_date dob;  /* at the precision given; year 0: none */
	const char *purpose; /* why the search is made (required, audited) */
	int64_t before;      /* only persons with an id below it (the page after the one that
				ended there); 0: from the newest */
	size_t limit;        /* at most this many, 1..LT_PERSON_FIND_MAX; 0: LT_PERSON_FIND_MAX */
};

/*
 * Everything an agency holds about one person, for a subject access request
 * (person_export): the person's fields opened (all of them: the exporter is
 * the owner), the agency's own referrals of the person opened, the agency's
 * cases about the person (other persons linked to a case are left out:
 * `persons` holds only this person), the arrests that name those cases,
 * every share of the person, and the audit entries about the person (as
 * `lantern audit show --person`, oldest first, this export's own entry
 * last). Release with store_person_export_release, which wipes it.
 */
struct store_person_export {
	char agency[LT_CODE_MAX]; /* the agency whose records these are: the owner */
	struct lt_person person;
	struct lt_referral *referrals; /* heap, n_referrals, by id */
	size_t n_referrals;
	struct lt_case *cases; /* heap, n_cases, by id */
	size_t n_cases;
	struct lt_arrest *arrests; /* heap, n_arrests, by id */
	size_t n_arrests;
	struct lt_share *shares; /* heap, n_shares, by id */
	size_t n_shares;
	struct store_audit_entry *audit; /* heap, n_audit, by id */
	size_t n_audit;
	bool audit_truncated; /* more than LT_AUDIT_SHOW_MAX entries: the newest are given */
};
void store_person_export_release(struct store_person_export *x);

/* What retention_run did (or, in a dry run, would do), per kind of
 * core/retention.h. */
struct store_retention_result {
	struct lt_retention_periods periods;      /* the periods applied */
	struct lt_date cutoff[LT_RETENTION_COUNT]; /* the last day of activity that was due;
	                                              year 0 for kinds that are kept */
	long count[LT_RETENTION_COUNT];            /* records erased, wiped or deleted */
};

/*
 * Pseudonymised reads (person.read_pseudonymised; store_sqlite_pseudo.c;
 * docs/security.md, "Pseudonymised reads for analysts"). A person is found
 * by its pseudonym (lt_crypto_pseudonym under the database's
 * pseudonymisation key, which the store keeps wrapped under the master key
 * and carries over every rotation), never by id; lists come in the order
 * of the pseudonyms' lookups (pseudonymised order: nothing about when or
 * by whom a person was recorded), a page at a time. Erased persons are
 * never listed or found. Every person handed out is audited
 * ("person.read_pseudonymised" on "person:<id>", with the purpose) in the
 * transaction that reads it, and opened after it committed; only what
 * core/pseudo.h shows leaves the store.
 */
struct store_pseudo_query {
	const char *purpose;  /* why (required, audited) */
	const char *agency;   /* only persons this agency owns (its code); NULL: any */
	struct lt_date from;  /* only persons with a referral dated at or after it (a year
	                         or a month) and at or before `to` (at its precision); */
	struct lt_date to;    /* year 0: no bound */
	int64_t below;        /* only pseudonyms whose lookup is below it (the page after the
	                         one whose last person had it); 0: from the first */
	size_t limit;         /* at most this many, 1..LT_API_PAGE_MAX */
};

/*
 * Record linkage of persons (store_sqlite_link.c; linkage/link_persons.h;
 * docs/linkage.md, "Linkage in the service"). link_persons opens persons
 * into a linkage table (lt_link_person_table_init's fields, one row per
 * name or alias, the row id the person's id, the source its owning
 * agency's code) for principal p — only persons p may read (person.read)
 * whose identity it may see, never an erased one — or, with p NULL, for
 * the operator `actor` ("cli"): every live person. Every person opened is
 * audited ("person.link" on "person:<id>", the person, the purpose) in the
 * transaction that reads it, and opened only after that transaction
 * committed. Which persons:
 *   - of != 0: person `of` first (LT_ENOTFOUND when p may not read it;
 *     LT_EINVAL naming "person" when it is erased; when p may read it but
 *     not its identity, the request is audited and the table comes back
 *     empty: there is nothing to link it by), then its candidates;
 *   - like != NULL: the person `like` (already opened by the caller, e.g.
 *     just recorded; not audited again) first, then its candidates;
 *   - neither: every person in scope.
 * The candidates of a person are found by the blind index, never by
 * opening everyone: the persons sharing with it a whole name or alias, a
 * word of one ("n:", "t:") or the full date of birth ("d:"), and those
 * decided the same person as it, the newest first, at most
 * LT_LINK_CANDIDATES_MAX (*truncated says when more were found). `out` is initialised by the call; wipe it with
 * lt_link_person_table_wipe.
 */
struct lt_link_table;
struct store_link_query {
	const char *purpose;          /* why (required, audited per person) */
	int64_t of;                   /* the person whose candidates are wanted; 0: none */
	const struct lt_person *like; /* or a person in hand (with its id); NULL: none */
};

/* A live person as an estimate over a period sees it (estimate_persons):
 * its id and date — its first referral's (a year, a month or a day), else
 * the day it was recorded. */
struct store_estimate_person {
	int64_t id;
	struct lt_date date;
	bool referred; /* the date is a referral's (else the recorded day) */
};

/* A match decision as stored: persons a < b are the same person or not. */
struct store_match_decision {
	int64_t a, b;
	bool same;
	char actor[64];                        /* who decided ("user:7") */
	char at[32];                           /* when, UTC */
	char reason[LT_AUDIT_PURPOSE_MAX + 1]; /* why (one line) */
};

struct store_ops {
	const char *name; /* "sqlite" */
	void (*close)(struct store *s);
	/* Write a consistent copy of the whole database, as of one instant, to
	 * the new file `path` while the store stays open for reads and writes;
	 * synced before it returns. LT_EEXIST when `path` exists: a backup
	 * never overwrites. The key files are not in it. */
	lt_status (*backup)(struct store *s, const char *path, struct lt_error *err);
	/* From read_begin to read_end, every read the calling thread makes
	 * sees one snapshot of the database (SQLite: one read transaction on
	 * one reader connection, instead of one per statement: cheaper, and
	 * consistent). Writes go on as usual, but the thread's reads do not
	 * see them until read_end: use it around work that only reads (the
	 * server's request threads). Not nested. */
	void (*read_begin)(struct store *s);
	void (*read_end)(struct store *s);

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
	/* One page of reports, newest first: those with an id below `before`
	 * (0: from the newest), of the agency `agency_id` only (0: every
	 * report, public ones included), at most `limit` (1..LT_API_PAGE_MAX)
	 * into `out`, which has room for `limit`. Each is filled as by
	 * report_get but without its description: a list never reads free
	 * text. The caller releases the *n records with lt_report_release
	 * (also after a failure). *more tells whether further reports match. */
	lt_status (*reports_list)(struct store *s, int64_t before, int64_t agency_id, size_t limit,
				  struct lt_report *out, size_t *n, bool *more,
				  struct lt_error *err);

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

	/* Append one audit entry in a transaction of its own (a login, a read of
	 * personal data). LT_EINVAL naming "purpose" when the purpose is longer
	 * than LT_AUDIT_PURPOSE_MAX bytes. May sign a checkpoint, as every write. */
	lt_status (*audit_append)(struct store *s, const struct store_audit_new *e,
				  struct lt_error *err);
	/* The audit entries `q` selects, in its order; caller frees *out. Each
	 * comes as stored, hashes included, for store_audit_verify. */
	lt_status (*audit_list)(struct store *s, const struct store_audit_query *q,
				struct store_audit_entry **out, size_t *n, struct lt_error *err);
	/* Append an "audit.checkpoint" entry by `actor` and, in the same
	 * transaction, a checkpoint of it signed with `key` (which must hold its
	 * secret); *out gets the checkpoint. */
	lt_status (*audit_checkpoint_add)(struct store *s, const struct lt_crypto_sign_key *key,
					  const char *actor, struct lt_audit_checkpoint *out,
					  struct lt_error *err);
	/* Every stored checkpoint, by id; caller frees *out. */
	lt_status (*audit_checkpoints)(struct store *s, struct lt_audit_checkpoint **out,
				       size_t *n, struct lt_error *err);
	/* From now on, sign a checkpoint with `key` (copied; it must hold its
	 * secret) in the write that brings `every` entries (0:
	 * LT_AUDIT_CHECKPOINT_EVERY) since the last checkpoint. NULL stops it.
	 * The store wipes its copy when closed. */
	void (*audit_signer_set)(struct store *s, const struct lt_crypto_sign_key *key,
				 unsigned every);

	/*
	 * Accounts and API tokens. Each write is one transaction with its audit
	 * entry ("user.create", "user.disable", "user.enable", "user.password",
	 * "token.create", "token.revoke"; object "user:<id>" or "token:<id>"),
	 * which names no e-mail address and holds no password, hash or token.
	 * Role rules (who may give which role) are the caller's:
	 * lt_access_grant_check.
	 */
	/* Add the account u->email of agency u->agency (a code) with role u->role
	 * and the argon2id `password_hash`; fills u->id, agency_id, agency_kind
	 * and created_at. LT_EEXIST naming "email" when an account has that
	 * address in any case; LT_EINVAL naming "agency" when there is no such
	 * agency, or "email" when lt_email_check refuses it. */
	lt_status (*user_add)(struct store *s, struct store_user *u, const char *password_hash,
			      const char *actor, struct lt_error *err);
	/* The account with address `email` (ASCII case ignored), password hash
	 * included; LT_ENOTFOUND when none. */
	lt_status (*user_find)(struct store *s, const char *email, struct store_user *out,
			       struct lt_error *err);
	/* The account with id `id`, password hash included; LT_ENOTFOUND. */
	lt_status (*user_get)(struct store *s, int64_t id, struct store_user *out,
			      struct lt_error *err);
	/* Every account, by agency code then address, without password hashes;
	 * caller frees *out. */
	lt_status (*user_list)(struct store *s, struct store_user **out, size_t *n,
			       struct lt_error *err);
	/* Disable (or re-enable) the account with address `email`. *out (may be
	 * NULL) gets the account as it now is, without its hash. LT_ENOTFOUND.
	 * Writes an audit entry only when something changed. */
	lt_status (*user_set_disabled)(struct store *s, const char *email, bool disabled,
				       const char *actor, struct store_user *out,
				       struct lt_error *err);
	/* Replace the password hash of account `id`. LT_ENOTFOUND. */
	lt_status (*user_set_password)(struct store *s, int64_t id, const char *password_hash,
				       const char *actor, struct lt_error *err);
	/* Ask the server to lift its sign-in lock on the account with address
	 * `email`: sets unlock_requested, with the audit entry "user.unlock".
	 * *out (may be NULL) gets the account without its hash. LT_ENOTFOUND. */
	lt_status (*user_unlock)(struct store *s, const char *email, const char *actor,
				 struct store_user *out, struct lt_error *err);
	/* Take the unlock request of account `id`: *taken is true when it was
	 * set (it is cleared, so only one caller takes it), false otherwise. */
	lt_status (*user_unlock_take)(struct store *s, int64_t id, bool *taken,
				      struct lt_error *err);
	/* Add a token of agency t->agency (a code) with role t->role and label
	 * t->label, stored as `hash` (lt_crypto_token_hash); fills t->id,
	 * agency_id and created_at. LT_EINVAL naming "agency" when there is no
	 * such agency. */
	lt_status (*token_add)(struct store *s, struct store_token *t,
			       const unsigned char hash[LT_CRYPTO_TOKEN_HASH_BYTES], const char *actor,
			       struct lt_error *err);
	/* The working token whose hash is `hash`: LT_ENOTFOUND when there is
	 * none or it was revoked. */
	lt_status (*token_find)(struct store *s, const unsigned char hash[LT_CRYPTO_TOKEN_HASH_BYTES],
				struct store_token *out, struct lt_error *err);
	/* Revoke token `id`; *was_working (may be NULL) says whether it worked
	 * until now (an audit entry is written only then). LT_ENOTFOUND. */
	lt_status (*token_revoke)(struct store *s, int64_t id, const char *actor, bool *was_working,
				  struct lt_error *err);
	/* Every token, by id; caller frees *out. */
	lt_status (*token_list)(struct store *s, struct store_token **out, size_t *n,
				struct lt_error *err);

	/*
	 * Sessions of signed-in staff. Each write with an audit entry is one
	 * transaction with it; the entry names the session by id and its
	 * account by id, never an address or the session id.
	 */
	/* Store a new session of account `user_id`, whose id hashes to `hash`,
	 * created and last seen at `now`, expiring at `expires`, with the audit
	 * entry "session.login" by "user:<id>" on "session:<id>"; sessions that
	 * expired more than LT_SESSION_KEEP_S before `now` are deleted in the
	 * same transaction. *id gets the new session's id. LT_ENOTFOUND naming
	 * "user" when there is no such account. */
	lt_status (*session_create)(struct store *s,
				    const unsigned char hash[LT_CRYPTO_HASH_BYTES], int64_t user_id,
				    int64_t now, int64_t expires, int64_t *id, struct lt_error *err);
	/* The session whose id hashes to `hash` and that was not revoked, with
	 * its account (disabled or not); LT_ENOTFOUND when none. Expired
	 * sessions are returned: the caller compares the times. */
	lt_status (*session_find)(struct store *s, const unsigned char hash[LT_CRYPTO_HASH_BYTES],
				  struct store_session *out, struct lt_error *err);
	/* Record that session `id` was used at `now` (no audit entry; a time
	 * earlier than the one stored is ignored). */
	lt_status (*session_touch)(struct store *s, int64_t id, int64_t now, struct lt_error *err);
	/* Revoke session `id` at `now`, with the audit entry "session.logout" by
	 * `actor` on "session:<id>" when it was not revoked yet (*was_live, may
	 * be NULL, says so). LT_ENOTFOUND when there is no such session. */
	lt_status (*session_revoke)(struct store *s, int64_t id, int64_t now, const char *actor,
				    bool *was_live, struct lt_error *err);

	/* ---- records about people (see above; store_sqlite_person.c) ---- */
	/* Check the keys of `keys` against the database and record the new
	 * ones (audit "datakey.add" on "key:<id>"). LT_ECRYPTO when a key is not
	 * the database's key of that id, or when the database knows a newer key
	 * than the key file's current one. */
	lt_status (*data_keys_register)(struct store *s, const struct lt_crypto_keyring *keys,
					const char *actor, struct lt_error *err);
	/* The master keys the database knows and how many persons each wraps;
	 * `keys` (may be NULL) is compared with them. */
	lt_status (*data_keys_status)(struct store *s, const struct lt_crypto_keyring *keys,
				      struct store_key_status *out, struct lt_error *err);
	/* Re-encrypt every person under the current key of `keys`: a new data
	 * key for each, wrapped under the current master key, every sealed field
	 * of the person and its referrals sealed again, the blind index
	 * recomputed. LT_KEY_ROTATE_BATCH persons per transaction (audit
	 * "datakey.rotate" on "persons:<n>"); a batch that fails leaves its
	 * persons as they were, so a rotation stopped at any point resumes
	 * where it stopped. Stops after `max_persons` (0: no limit). When none
	 * is left, the older keys are marked retired (audit "datakey.retire"),
	 * and the key file may drop them. *done gets the persons re-encrypted
	 * by this call, *remaining those still under an older key. */
	lt_status (*data_keys_rotate)(struct store *s, const struct lt_crypto_keyring *keys,
				      const char *actor, size_t max_persons, size_t *done,
				      size_t *remaining, struct lt_error *err);
	/* Rewrite the blind index of every live person whose index was written
	 * by an older lantern (persons.index_version below the store's: before
	 * the phonetic terms "p:"), opening it with `keys`, under the key it is
	 * sealed under. A migration cannot do it: the terms are keyed hashes.
	 * LT_KEY_ROTATE_BATCH persons per transaction (audit "datakey.reindex"
	 * on "persons:<n>"), so it resumes where it stopped; stops after
	 * `max_persons` (0: no limit). *done gets the persons re-indexed by this
	 * call, *remaining those still to do. `lantern serve` runs it at start. */
	lt_status (*data_keys_reindex)(struct store *s, const struct lt_crypto_keyring *keys,
				       const char *actor, size_t max_persons, size_t *done,
				       size_t *remaining, struct lt_error *err);
	/* Record a person for p's agency (person.create): fills rec->id,
	 * agency, created_at and updated_at. */
	lt_status (*person_add)(struct store *s, const struct lt_crypto_keyring *keys,
				const struct lt_principal *p, struct lt_person *rec,
				struct lt_error *err);
	/* Read person `id` (person.read) for `purpose`. *out (initialised by
	 * the call) is released by the caller with lt_person_release; an
	 * erased person comes back with `erased` set and no personal field. */
	lt_status (*person_get)(struct store *s, const struct lt_crypto_keyring *keys,
				const struct lt_principal *p, int64_t id, const char *purpose,
				struct lt_person *out, struct lt_error *err);
	/* Apply `patch` (fields of lt_person_fields) to person `id`
	 * (person.update) and check the result (lt_person_check with `today`,
	 * which may be NULL): every problem into `d` (may be NULL) and
	 * LT_EINVAL. LT_EINVAL naming "person" for an erased person. */
	lt_status (*person_update)(struct store *s, const struct lt_crypto_keyring *keys,
				   const struct lt_principal *p, int64_t id,
				   const struct lt_patch *patch, const struct lt_date *today,
				   struct lt_diags *d, struct lt_error *err);
	/* The ids of the persons `q` matches that p may read (person.read),
	 * descending, at most q->limit into `ids`; *more (may be NULL) says
	 * whether more follow. Each person returned is audited
	 * ("person.search", the person, the purpose). */
	lt_status (*person_find)(struct store *s, const struct lt_crypto_keyring *keys,
				 const struct lt_principal *p, const struct store_person_query *q,
				 int64_t ids[LT_PERSON_FIND_MAX], size_t *n, bool *more,
				 struct lt_error *err);
	/* Erase person `id` (person.erase) by destroying its data key: its
	 * sealed fields, those of its referrals and its blind index go too;
	 * its row stays (erased_at), so links and counts do. `reason` (1..
	 * LT_AUDIT_PURPOSE_MAX bytes) is audited as the purpose. Erasing an
	 * erased person is LT_OK and writes nothing. */
	lt_status (*person_erase)(struct store *s, const struct lt_principal *p, int64_t id,
				  const char *reason, struct lt_error *err);
	/* Record a referral for p's agency (referral.create) of a person p may
	 * read (LT_EINVAL naming "person" otherwise, or when it was erased),
	 * in a case p may read ("case"); fills r->id, agency and times. */
	lt_status (*referral_add)(struct store *s, const struct lt_crypto_keyring *keys,
				  const struct lt_principal *p, struct lt_referral *r,
				  struct lt_error *err);
	/* Read referral `id` (referral.read) for `purpose`; release *out with
	 * lt_referral_release. */
	lt_status (*referral_get)(struct store *s, const struct lt_crypto_keyring *keys,
				  const struct lt_principal *p, int64_t id, const char *purpose,
				  struct lt_referral *out, struct lt_error *err);
	/* Apply `patch` (lt_referral_fields) to referral `id`
	 * (referral.update); its person cannot change (LT_EINVAL naming
	 * "person"). As person_update otherwise. */
	lt_status (*referral_update)(struct store *s, const struct lt_crypto_keyring *keys,
				     const struct lt_principal *p, int64_t id,
				     const struct lt_patch *patch, const struct lt_date *today,
				     struct lt_diags *d, struct lt_error *err);
	/* Open a case for p's agency (case.create) about persons p may read
	 * (LT_EINVAL naming "persons" otherwise); LT_EEXIST naming "ref" when
	 * the reference is taken. Fills c->id, agency and times. */
	lt_status (*case_open)(struct store *s, const struct lt_principal *p, struct lt_case *c,
			       struct lt_error *err);
	/* Read case `id` (case.read) for `purpose`, audited. */
	lt_status (*case_get)(struct store *s, const struct lt_principal *p, int64_t id,
			      const char *purpose, struct lt_case *out, struct lt_error *err);
	/* Apply `patch` (lt_case_fields) to case `id` (case.update). */
	lt_status (*case_update)(struct store *s, const struct lt_principal *p, int64_t id,
				 const struct lt_patch *patch, const struct lt_date *today,
				 struct lt_diags *d, struct lt_error *err);
	/* Record an arrest by p's agency (arrest.create): a->agency is set to
	 * p's agency; a case it names must be one p may read. Fills a->id. */
	lt_status (*arrest_add)(struct store *s, const struct lt_principal *p, struct lt_arrest *a,
				struct lt_error *err);
	/* Read arrest `id` (arrest.read). */
	lt_status (*arrest_get)(struct store *s, const struct lt_principal *p, int64_t id,
				struct lt_arrest *out, struct lt_error *err);

	/*
	 * Sharing (docs/security.md, "Sharing"). A person shared with an agency
	 * by a referral ("refer") is `shared` for that agency's principals, and
	 * so are its referrals: person_get, referral_get and person_find give
	 * them only the classes of personal data the share names (the others
	 * come back as not given), and person_find finds a shared person only
	 * when its identity is shared.
	 */
	/* Share person sh->person_id with agency sh->to_agency (share.create on
	 * the person), checked with lt_share_check first: a referral, or a
	 * transfer, which makes the receiver the owner. Audit "share.create" on
	 * "share:<id>" with the person and the share's purpose. LT_EINVAL
	 * naming "to_agency" (no such agency, or the owner itself), "classes"
	 * (intelligence to an agency that is neither a police force nor a
	 * national agency) or "person" (erased). Fills id, from_agency and
	 * created_at; a transfer's classes become every class. */
	lt_status (*share_create)(struct store *s, const struct lt_principal *p,
				  struct lt_share *sh, struct lt_error *err);
	/* Revoke the referral share `id` (share.revoke on the share: owned by
	 * the sharing agency, created by whoever shared). LT_EINVAL for a
	 * transfer; a revoked share is LT_OK and nothing is written. Audit
	 * "share.revoke". */
	lt_status (*share_revoke)(struct store *s, const struct lt_principal *p, int64_t id,
				  struct lt_error *err);
	/* The shares of person `person_id` that p may see, by id: all of them
	 * for a principal of its owner, those with its own agency for a
	 * receiver (share.list on the person, else
	 * LT_ENOTFOUND or LT_EFORBIDDEN). The caller frees *out. */
	lt_status (*share_list)(struct store *s, const struct lt_principal *p, int64_t person_id,
				struct lt_share **out, size_t *n, struct lt_error *err);
	/* share_list for showing to p: the same shares, read in one transaction
	 * with the audit entry "share.list" on person:<id> about the person
	 * (who it was shared with, on what basis, is the person's data), which
	 * is committed before the call returns. Nothing is written when p may
	 * not see them. */
	lt_status (*share_read)(struct store *s, const struct lt_principal *p, int64_t person_id,
				struct lt_share **out, size_t *n, struct lt_error *err);

	/* Pseudonymised reads (struct store_pseudo_query above). */
	/* The persons `q` selects that p may read pseudonymised, at most
	 * q->limit into out[0..*n-1] (caller's array of q->limit, initialised
	 * by the call; release each with lt_pseudo_person_release); *more says
	 * whether more follow (page on from out[*n-1].page_key). LT_EINVAL
	 * naming "purpose", or "agency" for an agency that does not exist. */
	lt_status (*pseudo_list)(struct store *s, const struct lt_crypto_keyring *keys,
				 const struct lt_principal *p, const struct store_pseudo_query *q,
				 struct lt_pseudo_person *out, size_t *n, bool *more,
				 struct lt_error *err);
	/* The person whose pseudonym is `pseudonym`, for `purpose`: LT_ENOTFOUND
	 * when there is none (or it was erased, or p may not see it). */
	lt_status (*pseudo_get)(struct store *s, const struct lt_crypto_keyring *keys,
				const struct lt_principal *p, const char *pseudonym,
				const char *purpose, struct lt_pseudo_person *out,
				struct lt_error *err);

	/*
	 * Data protection (docs/security.md, "Data protection: retention,
	 * subject access, erasure"; store_sqlite_person.c and
	 * store_sqlite_retention.c).
	 */
	/* Export everything about person `id` that its owner holds (struct
	 * store_person_export) for `purpose` (required, audited): for p
	 * (person.export: LT_ENOTFOUND for a person p may not see,
	 * LT_EFORBIDDEN for one it may see but not export), or with p NULL for
	 * the operator `actor` ("cli"), as the person's owner. Audit
	 * "person.export" on "person:<id>" with the person and the purpose, in
	 * the transaction that reads; the data is opened after it committed.
	 * *out is initialised by the call. */
	lt_status (*person_export)(struct store *s, const struct lt_crypto_keyring *keys,
				   const struct lt_principal *p, const char *actor, int64_t id,
				   const char *purpose, struct store_person_export *out,
				   struct lt_error *err);
	/* The retention periods in force: the operator's settings, else the
	 * table's defaults. */
	lt_status (*retention_get)(struct store *s, struct lt_retention_periods *out,
				   struct lt_error *err);
	/* Set the period of `kind` (checked with lt_retention_check), audited
	 * "retention.set" on "retention:<code>" by `actor`. */
	lt_status (*retention_set)(struct store *s, enum lt_retention_kind kind, long period,
				   const char *actor, struct lt_error *err);
	/* Apply the retention periods as of day `as_of` (a full date; the
	 * caller's clock): persons due are erased as by person_erase (audit
	 * "person.erase" by `actor`, the purpose naming the period), public
	 * reports' text and contact details due are wiped ("report.wipe" on
	 * "report:<ref>"), sessions due are deleted ("retention.delete" on
	 * "sessions:<n>"). Each record with its audit entry in one
	 * transaction, in batches; a batch that fails leaves its records as
	 * they were, and running it again finishes. With `dry_run` nothing is
	 * written and *out counts what is due. */
	lt_status (*retention_run)(struct store *s, const struct lt_date *as_of, bool dry_run,
				   const char *actor, struct store_retention_result *out,
				   struct lt_error *err);

	/* Record linkage (struct store_link_query above; store_sqlite_link.c). */
	/* Open persons for linkage into `out`, as described above; *truncated
	 * (may be NULL) says whether candidates were left out. */
	lt_status (*link_persons)(struct store *s, const struct lt_crypto_keyring *keys,
				  const struct lt_principal *p, const char *actor,
				  const struct store_link_query *q, struct lt_link_table *out,
				  bool *truncated, struct lt_error *err);
	/* Record that persons a and b (a != b) are the same person or not
	 * (person.match_decide on each, by their facts: LT_ENOTFOUND for a
	 * person p may not see, LT_EFORBIDDEN when p's role may not decide),
	 * for `reason` (1..LT_AUDIT_PURPOSE_MAX bytes, one line). Replaces an
	 * earlier decision on the pair. Audit "person.match_decide" on
	 * "person:<a>" and "person:<b>", each with its person and the reason.
	 * LT_EINVAL naming "other" when a == b or a person is erased. */
	lt_status (*match_decide)(struct store *s, const struct lt_principal *p, int64_t a,
				  int64_t b, bool same, const char *reason, struct lt_error *err);
	/* The decisions naming person `person` (0: every decision), by (a, b),
	 * at most LT_LINK_DECISIONS_MAX; the caller frees *out. No personal
	 * data: ids, who, when, why. */
	lt_status (*match_decisions)(struct store *s, int64_t person,
				     struct store_match_decision **out, size_t *n,
				     struct lt_error *err);
	/* Store a trained linkage model (link_model.h's JSON, without term
	 * frequencies: LT_EINVAL naming "model" when it has any, or is not
	 * JSON of at most 4 MiB), audited "linkmodel.save" on "linkmodel:<id>"
	 * by `actor`; *id (may be NULL) gets its id. */
	lt_status (*link_model_save)(struct store *s, const char *actor, const char *json,
				     int64_t *id, struct lt_error *err);
	/* The newest stored linkage model's JSON into *json (malloc'd; free());
	 * LT_ENOTFOUND when none was stored. */
	lt_status (*link_model_get)(struct store *s, char **json, struct lt_error *err);
	/* Every live person's id and date (struct store_estimate_person), by
	 * id, for `lantern estimate --from-db --from --to`
	 * (store_sqlite_estimate.c). Reads no personal field: nothing to
	 * audit; the persons then opened are audited by link_persons. *out is
	 * malloc'd (free it). */
	lt_status (*estimate_persons)(struct store *s, struct store_estimate_person **out,
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

/*
 * Restore a backup made by store_backup of a SQLite store: check `backup`
 * (a lantern database, integrity_check ok, a schema this lantern knows) and
 * copy it to the new database `path`, synced. LT_EEXIST when a file is at
 * `path`, or a -wal, -shm or -journal file beside it (left from
 * another database: it would be replayed into this one). Open the result
 * with store_open_sqlite, which brings its schema up to date.
 */
lt_status store_restore_sqlite(const char *backup, const char *path, struct lt_error *err);

static inline void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}
static inline lt_status store_backup(struct store *s, const char *path, struct lt_error *err)
{
	return s->ops->backup(s, path, err);
}
static inline void store_read_begin(struct store *s)
{
	s->ops->read_begin(s);
}
static inline void store_read_end(struct store *s)
{
	s->ops->read_end(s);
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
static inline lt_status store_reports_list(struct store *s, int64_t before, int64_t agency_id,
					   size_t limit, struct lt_report *out, size_t *n,
					   bool *more, struct lt_error *err)
{
	return s->ops->reports_list(s, before, agency_id, limit, out, n, more, err);
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

static inline lt_status store_audit_append(struct store *s, const struct store_audit_new *e,
					   struct lt_error *err)
{
	return s->ops->audit_append(s, e, err);
}
static inline lt_status store_audit_list(struct store *s, const struct store_audit_query *q,
					 struct store_audit_entry **out, size_t *n,
					 struct lt_error *err)
{
	return s->ops->audit_list(s, q, out, n, err);
}
static inline lt_status store_audit_checkpoint_add(struct store *s,
						   const struct lt_crypto_sign_key *key,
						   const char *actor,
						   struct lt_audit_checkpoint *out,
						   struct lt_error *err)
{
	return s->ops->audit_checkpoint_add(s, key, actor, out, err);
}
static inline lt_status store_audit_checkpoints(struct store *s, struct lt_audit_checkpoint **out,
						size_t *n, struct lt_error *err)
{
	return s->ops->audit_checkpoints(s, out, n, err);
}
static inline void store_audit_signer_set(struct store *s, const struct lt_crypto_sign_key *key,
					  unsigned every)
{
	s->ops->audit_signer_set(s, key, every);
}

static inline lt_status store_user_add(struct store *s, struct store_user *u,
				       const char *password_hash, const char *actor,
				       struct lt_error *err)
{
	return s->ops->user_add(s, u, password_hash, actor, err);
}
static inline lt_status store_user_find(struct store *s, const char *email, struct store_user *out,
					struct lt_error *err)
{
	return s->ops->user_find(s, email, out, err);
}
static inline lt_status store_user_get(struct store *s, int64_t id, struct store_user *out,
				       struct lt_error *err)
{
	return s->ops->user_get(s, id, out, err);
}
static inline lt_status store_user_list(struct store *s, struct store_user **out, size_t *n,
					struct lt_error *err)
{
	return s->ops->user_list(s, out, n, err);
}
static inline lt_status store_user_set_disabled(struct store *s, const char *email, bool disabled,
						const char *actor, struct store_user *out,
						struct lt_error *err)
{
	return s->ops->user_set_disabled(s, email, disabled, actor, out, err);
}
static inline lt_status store_user_set_password(struct store *s, int64_t id,
						const char *password_hash, const char *actor,
						struct lt_error *err)
{
	return s->ops->user_set_password(s, id, password_hash, actor, err);
}
static inline lt_status store_user_unlock(struct store *s, const char *email, const char *actor,
					  struct store_user *out, struct lt_error *err)
{
	return s->ops->user_unlock(s, email, actor, out, err);
}
static inline lt_status store_user_unlock_take(struct store *s, int64_t id, bool *taken,
					       struct lt_error *err)
{
	return s->ops->user_unlock_take(s, id, taken, err);
}
static inline lt_status store_token_add(struct store *s, struct store_token *t,
					const unsigned char hash[LT_CRYPTO_TOKEN_HASH_BYTES],
					const char *actor, struct lt_error *err)
{
	return s->ops->token_add(s, t, hash, actor, err);
}
static inline lt_status store_token_find(struct store *s,
					 const unsigned char hash[LT_CRYPTO_TOKEN_HASH_BYTES],
					 struct store_token *out, struct lt_error *err)
{
	return s->ops->token_find(s, hash, out, err);
}
static inline lt_status store_token_revoke(struct store *s, int64_t id, const char *actor,
					   bool *was_working, struct lt_error *err)
{
	return s->ops->token_revoke(s, id, actor, was_working, err);
}
static inline lt_status store_token_list(struct store *s, struct store_token **out, size_t *n,
					 struct lt_error *err)
{
	return s->ops->token_list(s, out, n, err);
}

static inline lt_status store_session_create(struct store *s,
					     const unsigned char hash[LT_CRYPTO_HASH_BYTES],
					     int64_t user_id, int64_t now, int64_t expires,
					     int64_t *id, struct lt_error *err)
{
	return s->ops->session_create(s, hash, user_id, now, expires, id, err);
}
static inline lt_status store_session_find(struct store *s,
					   const unsigned char hash[LT_CRYPTO_HASH_BYTES],
					   struct store_session *out, struct lt_error *err)
{
	return s->ops->session_find(s, hash, out, err);
}
static inline lt_status store_session_touch(struct store *s, int64_t id, int64_t now,
					    struct lt_error *err)
{
	return s->ops->session_touch(s, id, now, err);
}
static inline lt_status store_session_revoke(struct store *s, int64_t id, int64_t now,
					     const char *actor, bool *was_live,
					     struct lt_error *err)
{
	return s->ops->session_revoke(s, id, now, actor, was_live, err);
}

/* ---- records about people ---- */
static inline lt_status store_data_keys_register(struct store *s,
						 const struct lt_crypto_keyring *keys,
						 const char *actor, struct lt_error *err)
{
	return s->ops->data_keys_register(s, keys, actor, err);
}
static inline lt_status store_data_keys_status(struct store *s,
					       const struct lt_crypto_keyring *keys,
					       struct store_key_status *out, struct lt_error *err)
{
	return s->ops->data_keys_status(s, keys, out, err);
}
static inline lt_status store_data_keys_rotate(struct store *s,
					       const struct lt_crypto_keyring *keys,
					       const char *actor, size_t max_persons, size_t *done,
					       size_t *remaining, struct lt_error *err)
{
	return s->ops->data_keys_rotate(s, keys, actor, max_persons, done, remaining, err);
}
static inline lt_status store_data_keys_reindex(struct store *s,
						const struct lt_crypto_keyring *keys,
						const char *actor, size_t max_persons, size_t *done,
						size_t *remaining, struct lt_error *err)
{
	return s->ops->data_keys_reindex(s, keys, actor, max_persons, done, remaining, err);
}
static inline lt_status store_person_add(struct store *s, const struct lt_crypto_keyring *keys,
					 const struct lt_principal *p, struct lt_person *rec,
					 struct lt_error *err)
{
	return s->ops->person_add(s, keys, p, rec, err);
}
static inline lt_status store_person_get(struct store *s, const struct lt_crypto_keyring *keys,
					 const struct lt_principal *p, int64_t id,
					 const char *purpose, struct lt_person *out,
					 struct lt_error *err)
{
	return s->ops->person_get(s, keys, p, id, purpose, out, err);
}
static inline lt_status store_person_update(struct store *s,
					    const struct lt_crypto_keyring *keys,
					    const struct lt_principal *p, int64_t id,
					    const struct lt_patch *patch,
					    const struct lt_date *today, struct lt_diags *d,
					    struct lt_error *err)
{
	return s->ops->person_update(s, keys, p, id, patch, today, d, err);
}
static inline lt_status store_person_find(struct store *s, const struct lt_crypto_keyring *keys,
					  const struct lt_principal *p,
					  const struct store_person_query *q,
					  int64_t ids[LT_PERSON_FIND_MAX], size_t *n, bool *more,
					  struct lt_error *err)
{
	return s->ops->person_find(s, keys, p, q, ids, n, more, err);
}
static inline lt_status store_person_erase(struct store *s, const struct lt_principal *p,
					   int64_t id, const char *reason, struct lt_error *err)
{
	return s->ops->person_erase(s, p, id, reason, err);
}
static inline lt_status store_referral_add(struct store *s, const struct lt_crypto_keyring *keys,
					   const struct lt_principal *p, struct lt_referral *r,
					   struct lt_error *err)
{
	return s->ops->referral_add(s, keys, p, r, err);
}
static inline lt_status store_referral_get(struct store *s, const struct lt_crypto_keyring *keys,
					   const struct lt_principal *p, int64_t id,
					   const char *purpose, struct lt_referral *out,
					   struct lt_error *err)
{
	return s->ops->referral_get(s, keys, p, id, purpose, out, err);
}
static inline lt_status store_referral_update(struct store *s,
					      const struct lt_crypto_keyring *keys,
					      const struct lt_principal *p, int64_t id,
					      const struct lt_patch *patch,
					      const struct lt_date *today, struct lt_diags *d,
					      struct lt_error *err)
{
	return s->ops->referral_update(s, keys, p, id, patch, today, d, err);
}
static inline lt_status store_case_open(struct store *s, const struct lt_principal *p,
					struct lt_case *c, struct lt_error *err)
{
	return s->ops->case_open(s, p, c, err);
}
static inline lt_status store_case_get(struct store *s, const struct lt_principal *p, int64_t id,
				       const char *purpose, struct lt_case *out,
				       struct lt_error *err)
{
	return s->ops->case_get(s, p, id, purpose, out, err);
}
static inline lt_status store_case_update(struct store *s, const struct lt_principal *p,
					  int64_t id, const struct lt_patch *patch,
					  const struct lt_date *today, struct lt_diags *d,
					  struct lt_error *err)
{
	return s->ops->case_update(s, p, id, patch, today, d, err);
}
static inline lt_status store_arrest_add(struct store *s, const struct lt_principal *p,
					 struct lt_arrest *a, struct lt_error *err)
{
	return s->ops->arrest_add(s, p, a, err);
}
static inline lt_status store_arrest_get(struct store *s, const struct lt_principal *p,
					 int64_t id, struct lt_arrest *out, struct lt_error *err)
{
	return s->ops->arrest_get(s, p, id, out, err);
}
static inline lt_status store_share_create(struct store *s, const struct lt_principal *p,
					   struct lt_share *sh, struct lt_error *err)
{
	return s->ops->share_create(s, p, sh, err);
}
static inline lt_status store_share_revoke(struct store *s, const struct lt_principal *p,
					   int64_t id, struct lt_error *err)
{
	return s->ops->share_revoke(s, p, id, err);
}
static inline lt_status store_share_list(struct store *s, const struct lt_principal *p,
					 int64_t person_id, struct lt_share **out, size_t *n,
					 struct lt_error *err)
{
	return s->ops->share_list(s, p, person_id, out, n, err);
}
static inline lt_status store_share_read(struct store *s, const struct lt_principal *p,
					 int64_t person_id, struct lt_share **out, size_t *n,
					 struct lt_error *err)
{
	return s->ops->share_read(s, p, person_id, out, n, err);
}
static inline lt_status store_pseudo_list(struct store *s, const struct lt_crypto_keyring *keys,
					  const struct lt_principal *p,
					  const struct store_pseudo_query *q,
					  struct lt_pseudo_person *out, size_t *n, bool *more,
					  struct lt_error *err)
{
	return s->ops->pseudo_list(s, keys, p, q, out, n, more, err);
}
static inline lt_status store_pseudo_get(struct store *s, const struct lt_crypto_keyring *keys,
					 const struct lt_principal *p, const char *pseudonym,
					 const char *purpose, struct lt_pseudo_person *out,
					 struct lt_error *err)
{
	return s->ops->pseudo_get(s, keys, p, pseudonym, purpose, out, err);
}

static inline lt_status store_person_export(struct store *s, const struct lt_crypto_keyring *keys,
					    const struct lt_principal *p, const char *actor,
					    int64_t id, const char *purpose,
					    struct store_person_export *out, struct lt_error *err)
{
	return s->ops->person_export(s, keys, p, actor, id, purpose, out, err);
}
static inline lt_status store_retention_get(struct store *s, struct lt_retention_periods *out,
					    struct lt_error *err)
{
	return s->ops->retention_get(s, out, err);
}
static inline lt_status store_retention_set(struct store *s, enum lt_retention_kind kind,
					    long period, const char *actor, struct lt_error *err)
{
	return s->ops->retention_set(s, kind, period, actor, err);
}
static inline lt_status store_retention_run(struct store *s, const struct lt_date *as_of,
					    bool dry_run, const char *actor,
					    struct store_retention_result *out, struct lt_error *err)
{
	return s->ops->retention_run(s, as_of, dry_run, actor, out, err);
}

static inline lt_status store_link_persons(struct store *s, const struct lt_crypto_keyring *keys,
					   const struct lt_principal *p, const char *actor,
					   const struct store_link_query *q,
					   struct lt_link_table *out, bool *truncated,
					   struct lt_error *err)
{
	return s->ops->link_persons(s, keys, p, actor, q, out, truncated, err);
}
static inline lt_status store_match_decide(struct store *s, const struct lt_principal *p,
					   int64_t a, int64_t b, bool same, const char *reason,
					   struct lt_error *err)
{
	return s->ops->match_decide(s, p, a, b, same, reason, err);
}
static inline lt_status store_match_decisions(struct store *s, int64_t person,
					      struct store_match_decision **out, size_t *n,
					      struct lt_error *err)
{
	return s->ops->match_decisions(s, person, out, n, err);
}
static inline lt_status store_link_model_save(struct store *s, const char *actor,
					      const char *json, int64_t *id, struct lt_error *err)
{
	return s->ops->link_model_save(s, actor, json, id, err);
}
static inline lt_status store_link_model_get(struct store *s, char **json, struct lt_error *err)
{
	return s->ops->link_model_get(s, json, err);
}
static inline lt_status store_estimate_persons(struct store *s, struct store_estimate_person **out,
					       size_t *n, struct lt_error *err)
{
	return s->ops->estimate_persons(s, out, n, err);
}

/* Wipe an account's copy of its password hash (and everything else). */
static inline void store_user_wipe(struct store_user *u)
{
	lt_crypto_wipe(u, sizeof(*u));
}

/* The principal an account or a token acts as. */
static inline struct lt_principal store_user_principal(const struct store_user *u)
{
	struct lt_principal p = {LT_PRINCIPAL_USER, u->id, u->agency_id, u->role};
	return p;
}
static inline struct lt_principal store_token_principal(const struct store_token *t)
{
	struct lt_principal p = {LT_PRINCIPAL_TOKEN, t->id, t->agency_id, t->role};
	return p;
}

/* A checkpoint held outside the database (a partner's copy), and how to name
 * it in a verdict ("partner.jsonl:3"). */
struct store_audit_held {
	struct lt_audit_checkpoint cp;
	char label[256];
};

/* What store_audit_verify found. */
struct store_audit_verdict {
	bool intact;            /* no problem found */
	int64_t entries;        /* entries walked */
	size_t checkpoints;     /* checkpoints checked: stored and held */
	size_t held;            /* of which held ones */
	int64_t bad_entry;      /* the entry the first problem is at; 0 when none */
	char problem[LT_MESSAGE_MAX]; /* the first problem, e.g. "entry 1234: hash does not
				   match its contents (edited?)"; "" when intact */
};

/*
 * Walk the whole audit chain and check every stored checkpoint and every
 * held one. The first problem in chain order is reported: a chain problem
 * (an entry's prev_hash is not the hash of the entry before it; its hash is
 * not the hash of its contents), else the first checkpoint, by entry, whose
 * signature does not verify, whose key is not `key` (when `key` is not
 * NULL), whose entry is missing, or whose hash is not that entry's. Returns
 * LT_OK when the walk was done, whatever it found (see *out); an error only
 * when the store could not be read.
 */
lt_status store_audit_verify(struct store *s, const unsigned char key[LT_AUDIT_KEY_BYTES],
			     const struct store_audit_held *held, size_t n_held,
			     struct store_audit_verdict *out, struct lt_error *err);

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
