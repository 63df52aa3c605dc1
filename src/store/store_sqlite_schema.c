/*
 * store_sqlite_schema.c — the SQLite schema of lantern, as migrations.
 *
 * The database's PRAGMA user_version is the number of migrations applied.
 * On open, store_sqlite.c applies each missing migration in order, each in
 * its own transaction together with the new user_version, and refuses a
 * database whose version is higher than the number of migrations here.
 * Released migrations are never edited: the schema changes only by
 * appending.
 *
 * Conventions of the schema:
 *   - Coded values are stored as their taxonomy code in text ('labour_
 *     exploitation', 'GB', 'st_albans'), never as enum numbers, and each
 *     coded column is a foreign key into its `vocab_*` table, so the
 *     database reads on its own and stays valid when enums are reordered.
 *   - Dates are partial ISO 8601 text: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD',
 *     NULL when unknown; a CHECK keeps the shape, record.c keeps the meaning.
 *   - Exploitation forms of a report or a case are rows of report_forms /
 *     case_forms, so "reports by form" is a plain GROUP BY.
 *   - Personal data: reports.description (free text) and
 *     reports.contact_sealed (sealed to the partnership's public key; the
 *     plain contact is never written); from version 5, persons.sealed and
 *     referrals.sealed (XChaCha20-Poly1305 under each person's data key,
 *     itself stored only wrapped) and person_index (keyed hashes, never
 *     text). No other column holds any.
 *   - Timestamps written by the store (created_at, audit.at) are UTC text
 *     'YYYY-MM-DDTHH:MM:SS.sssZ' from SQLite's clock at the time of writing.
 *   - audit is append-only: triggers abort any UPDATE or DELETE on it.
 *   - From version 2 the audit table is a hash chain (core/audit.h): each
 *     entry holds prev_hash, the hash of the entry before it (32 zero bytes
 *     for the first), and hash = BLAKE2b-256(prev_hash || canonical entry).
 *     Migration 2 chains the entries written before it, in id order, with
 *     the SQL function lantern_audit_hash(prev_hash, id, at, actor, action,
 *     object, person, purpose), which store_sqlite.c registers on the writer
 *     connection before migrating. audit_checkpoints holds signed
 *     checkpoints of the chain and is append-only too.
 */
#include "store/store_sqlite_int.h"

#include "core/access.h"
#include "core/person.h"

#include "core/banned.h"

/* A CHECK that `col` is NULL or has the shape of a partial date. */
#define DATE_SHAPE(col)                                                         \
	"CHECK (" col " IS NULL"                                                \
	" OR " col " GLOB '[0-9][0-9][0-9][0-9]'"                               \
	" OR " col " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'"                    \
	" OR " col " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')"

#define NOW "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"

#define VOCAB_TABLE(name)                                                       \
	"CREATE TABLE vocab_" name " (\n"                                       \
	"  code  TEXT PRIMARY KEY,\n"                                           \
	"  label TEXT NOT NULL\n"                                               \
	") WITHOUT ROWID;\n"

static const char schema_v1[] =
	VOCAB_TABLE("form")
	VOCAB_TABLE("offence")
	VOCAB_TABLE("place")
	VOCAB_TABLE("agency_kind")
	VOCAB_TABLE("source")
	VOCAB_TABLE("district")
	VOCAB_TABLE("country")
	"\n"
	"CREATE TABLE agencies (\n"
	"  id   INTEGER PRIMARY KEY,\n"
	"  code TEXT NOT NULL UNIQUE,\n"
	"  name TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL REFERENCES vocab_agency_kind(code)\n"
	");\n"
	"\n"
	"CREATE TABLE cases (\n"
	"  id         INTEGER PRIMARY KEY,\n"
	"  ref        TEXT NOT NULL UNIQUE,\n"
	"  agency_id  INTEGER NOT NULL REFERENCES agencies(id),\n"
	"  opened     TEXT " DATE_SHAPE("opened") ",\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW "\n"
	");\n"
	"CREATE TABLE case_forms (\n"
	"  case_id INTEGER NOT NULL REFERENCES cases(id),\n"
	"  form    TEXT NOT NULL REFERENCES vocab_form(code),\n"
	"  PRIMARY KEY (case_id, form)\n"
	") WITHOUT ROWID;\n"
	"\n"
	/* ref is unique regardless of case, as reference codes are read out
	 * over the phone and typed back in either case. */
	"CREATE TABLE reports (\n"
	"  id             INTEGER PRIMARY KEY,\n"
	"  ref            TEXT NOT NULL UNIQUE COLLATE NOCASE,\n"
	"  source         TEXT NOT NULL REFERENCES vocab_source(code),\n"
	"  agency_id      INTEGER REFERENCES agencies(id),\n"
	"  place          TEXT NOT NULL REFERENCES vocab_place(code),\n"
	"  district       TEXT REFERENCES vocab_district(code),\n"
	"  country        TEXT REFERENCES vocab_country(code),\n"
	"  occurred       TEXT " DATE_SHAPE("occurred") ",\n"
	"  received       TEXT NOT NULL " DATE_SHAPE("received") ",\n"
	"  anonymous      INTEGER NOT NULL CHECK (anonymous IN (0, 1)),\n"
	"  description    TEXT,\n"
	"  contact_sealed BLOB,\n"
	"  created_at     TEXT NOT NULL DEFAULT " NOW "\n"
	");\n"
	"CREATE INDEX reports_agency ON reports(agency_id);\n"
	"CREATE TABLE report_forms (\n"
	"  report_id INTEGER NOT NULL REFERENCES reports(id),\n"
	"  form      TEXT NOT NULL REFERENCES vocab_form(code),\n"
	"  PRIMARY KEY (report_id, form)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX report_forms_form ON report_forms(form);\n"
	"\n"
	/* year follows date, so the statistics can group on it and can never
	 * disagree with it; NULL when the date is unknown. */
	"CREATE TABLE arrests (\n"
	"  id         INTEGER PRIMARY KEY,\n"
	"  date       TEXT " DATE_SHAPE("date") ",\n"
	"  year       INTEGER GENERATED ALWAYS AS (CAST(substr(date, 1, 4) AS INTEGER)) STORED,\n"
	"  offence    TEXT NOT NULL REFERENCES vocab_offence(code),\n"
	"  agency_id  INTEGER NOT NULL REFERENCES agencies(id),\n"
	"  case_id    INTEGER REFERENCES cases(id),\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW "\n"
	");\n"
	"CREATE INDEX arrests_year_offence ON arrests(year, offence);\n"
	"CREATE INDEX arrests_agency ON arrests(agency_id);\n"
	"CREATE INDEX arrests_case ON arrests(case_id);\n"
	"\n"
	"CREATE TABLE audit (\n"
	"  id     INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  at     TEXT NOT NULL DEFAULT " NOW ",\n"
	"  actor  TEXT NOT NULL,\n"
	"  action TEXT NOT NULL,\n"
	"  object TEXT NOT NULL\n"
	");\n"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
	"BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;\n"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
	"BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;\n";

/*
 * Version 2: the audit chain. The audit table is rebuilt with the columns of
 * the chain (SQLite cannot add NOT NULL columns to a table with rows), its
 * rows are copied in id order with their hashes computed by a recursive
 * query from the genesis hash, and the append-only triggers are put back.
 * `person` and `purpose` say whose personal data an entry is about and why
 * it was read; no table of persons exists yet, so `person` has no foreign
 * key (the chain must outlive any row it names anyway).
 */
static const char schema_v2[] =
	"CREATE TABLE audit_chained (\n"
	"  id        INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  at        TEXT NOT NULL,\n"
	"  actor     TEXT NOT NULL,\n"
	"  action    TEXT NOT NULL,\n"
	"  object    TEXT NOT NULL,\n"
	"  person    INTEGER CHECK (person IS NULL OR person > 0),\n"
	"  purpose   TEXT CHECK (purpose IS NULL OR length(purpose) > 0),\n"
	"  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),\n"
	"  hash      BLOB NOT NULL CHECK (length(hash) = 32)\n"
	");\n"
	"WITH RECURSIVE chain(id, prev, hash) AS (\n"
	"  SELECT id, zeroblob(32),\n"
	"         lantern_audit_hash(zeroblob(32), id, at, actor, action, object, NULL, NULL)\n"
	"    FROM audit WHERE id = (SELECT min(id) FROM audit)\n"
	"  UNION ALL\n"
	"  SELECT a.id, c.hash,\n"
	"         lantern_audit_hash(c.hash, a.id, a.at, a.actor, a.action, a.object, NULL, NULL)\n"
	"    FROM chain c JOIN audit a ON a.id = (SELECT min(id) FROM audit WHERE id > c.id)\n"
	")\n"
	"INSERT INTO audit_chained(id, at, actor, action, object, prev_hash, hash)\n"
	"  SELECT a.id, a.at, a.actor, a.action, a.object, c.prev, c.hash\n"
	"    FROM chain c JOIN audit a ON a.id = c.id ORDER BY a.id;\n"
	"DROP TABLE audit;\n"
	"ALTER TABLE audit_chained RENAME TO audit;\n"
	"CREATE INDEX audit_person ON audit(person, id) WHERE person IS NOT NULL;\n"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
	"BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;\n"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
	"BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;\n"
	"\n"
	/* No foreign key to audit: verification must be able to report a
	 * checkpoint whose entry has gone. */
	"CREATE TABLE audit_checkpoints (\n"
	"  id         INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  entry_id   INTEGER NOT NULL CHECK (entry_id > 0),\n"
	"  entry_hash BLOB NOT NULL CHECK (length(entry_hash) = 32),\n"
	"  signed_at  TEXT NOT NULL,\n"
	"  public_key BLOB NOT NULL CHECK (length(public_key) = 32),\n"
	"  signature  BLOB NOT NULL CHECK (length(signature) = 64)\n"
	");\n"
	"CREATE INDEX audit_checkpoints_entry ON audit_checkpoints(entry_id);\n"
	"CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints\n"
	"BEGIN SELECT RAISE(ABORT, 'the audit checkpoints are append-only'); END;\n"
	"CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints\n"
	"BEGIN SELECT RAISE(ABORT, 'the audit checkpoints are append-only'); END;\n";

/*
 * Version 3: accounts and API tokens. An account's e-mail address is unique
 * ignoring ASCII case (COLLATE NOCASE); its password is stored only as an
 * argon2id string. A token is stored only as the 32-byte hash of the token
 * (crypto/crypto.h), never the token. Ids are AUTOINCREMENT so that an id
 * the audit log names ("user:7", "token:3") is never given to another.
 * Roles are codes of vocab_role, mirrored from core/access.h.
 */
static const char schema_v3[] =
	VOCAB_TABLE("role")
	"\n"
	"CREATE TABLE users (\n"
	"  id            INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  email         TEXT NOT NULL UNIQUE COLLATE NOCASE\n"
	"                CHECK (length(CAST(email AS BLOB)) BETWEEN 3 AND 254),\n"
	"  agency_id     INTEGER NOT NULL REFERENCES agencies(id),\n"
	"  role          TEXT NOT NULL REFERENCES vocab_role(code),\n"
	"  password_hash TEXT NOT NULL CHECK (password_hash GLOB '$argon2*'),\n"
	"  disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),\n"
	"  created_at    TEXT NOT NULL DEFAULT " NOW "\n"
	");\n"
	"CREATE INDEX users_agency ON users(agency_id);\n"
	"\n"
	"CREATE TABLE api_tokens (\n"
	"  id         INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  hash       BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),\n"
	"  agency_id  INTEGER NOT NULL REFERENCES agencies(id),\n"
	"  role       TEXT NOT NULL REFERENCES vocab_role(code),\n"
	"  label      TEXT NOT NULL DEFAULT '',\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW ",\n"
	"  revoked_at TEXT\n"
	");\n"
	"CREATE INDEX api_tokens_agency ON api_tokens(agency_id);\n";

/*
 * Version 4: sessions of signed-in staff (src/web/auth.c). A session is
 * stored only as the 32-byte hash of its id (crypto/crypto.h), never the id
 * its cookie holds, so a copy of the database opens no session; its CSRF
 * token is derived from the id and not stored at all. Times are whole
 * seconds since 1970 UTC given by the server, not SQLite's clock: the server
 * decides expiry on the time of the request (and the tests on simulated
 * time). `revoked` is the time of sign-out, NULL while the session works.
 * Rows are deleted LT_SESSION_KEEP_S after they expire; the audit log keeps
 * every sign-in and sign-out.
 */
static const char schema_v4[] =
	"CREATE TABLE sessions (\n"
	"  id        INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  hash      BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),\n"
	"  user_id   INTEGER NOT NULL REFERENCES users(id),\n"
	"  created   INTEGER NOT NULL,\n"
	"  last_seen INTEGER NOT NULL,\n"
	"  expires   INTEGER NOT NULL CHECK (expires > created),\n"
	"  revoked   INTEGER\n"
	");\n"
	"CREATE INDEX sessions_user ON sessions(user_id);\n"
	"CREATE INDEX sessions_expires ON sessions(expires);\n";

/*
 * Version 5: records about people (store_sqlite_person.c; docs/security.md,
 * "Personal data and keys").
 *   - master_keys: the master keys of the data key file the database has
 *     seen, by the id the file gives them, each with a check value (a keyed
 *     hash that recognises the key and reveals nothing of it); retired_at
 *     is set when a rotation has moved every person off the key.
 *   - persons: the owner agency and creator (for the access table), the
 *     person's own data key wrapped under master key master_key_id (72
 *     bytes: nonce, key, tag) and its generation key_gen, and every
 *     personal field sealed as one blob (nonce, ciphertext, tag). Erasure
 *     destroys the wrapped key and the blobs and sets erased_at; the row
 *     stays, so links and counts do.
 *   - person_index: the blind index, keyed hashes (16 bytes) of a person's
 *     normalised names, words and date of birth under master key
 *     master_key_id; never plaintext.
 *   - referrals: a person referred by an agency; place and forms in the
 *     clear (for statistics), notes, support needs and police intelligence
 *     sealed under the person's data key of generation key_gen.
 *   - cases gain a status, a closing date, a creator and linked persons
 *     (case_persons). ALTER TABLE cannot add a NOT NULL column with a
 *     foreign key, so status is NULL for the cases of older versions and
 *     reads as 'open'.
 * Ids are AUTOINCREMENT, so an id the audit log names ("person:42") is
 * never given to another record.
 */
static const char schema_v5[] =
	VOCAB_TABLE("case_status")
	"\n"
	"CREATE TABLE master_keys (\n"
	"  id         INTEGER PRIMARY KEY CHECK (id >= 1),\n"
	"  key_check  BLOB NOT NULL CHECK (length(key_check) = 16),\n"
	"  added_at   TEXT NOT NULL DEFAULT " NOW ",\n"
	"  retired_at TEXT\n"
	");\n"
	"\n"
	"CREATE TABLE persons (\n"
	"  id            INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  agency_id     INTEGER NOT NULL REFERENCES agencies(id),\n"
	"  creator_kind  TEXT NOT NULL CHECK (creator_kind IN ('user', 'token')),\n"
	"  creator_id    INTEGER NOT NULL CHECK (creator_id > 0),\n"
	"  master_key_id INTEGER REFERENCES master_keys(id),\n"
	"  key_gen       INTEGER NOT NULL DEFAULT 1 CHECK (key_gen >= 1),\n"
	"  key_wrapped   BLOB,\n"
	"  sealed        BLOB,\n"
	"  created_at    TEXT NOT NULL DEFAULT " NOW ",\n"
	"  updated_at    TEXT NOT NULL DEFAULT " NOW ",\n"
	"  erased_at     TEXT,\n"
	"  CHECK ((erased_at IS NULL) = (master_key_id IS NOT NULL AND key_wrapped IS NOT NULL\n"
	"                                AND sealed IS NOT NULL))\n"
	");\n"
	"CREATE INDEX persons_agency ON persons(agency_id);\n"
	"CREATE INDEX persons_master_key ON persons(master_key_id);\n"
	"\n"
	"CREATE TABLE person_index (\n"
	"  hash          BLOB NOT NULL CHECK (length(hash) = 16),\n"
	"  person_id     INTEGER NOT NULL REFERENCES persons(id),\n"
	"  master_key_id INTEGER NOT NULL REFERENCES master_keys(id),\n"
	"  PRIMARY KEY (hash, person_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX person_index_person ON person_index(person_id);\n"
	"\n"
	"CREATE TABLE referrals (\n"
	"  id           INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  person_id    INTEGER NOT NULL REFERENCES persons(id),\n"
	"  agency_id    INTEGER NOT NULL REFERENCES agencies(id),\n"
	"  creator_kind TEXT NOT NULL CHECK (creator_kind IN ('user', 'token')),\n"
	"  creator_id   INTEGER NOT NULL CHECK (creator_id > 0),\n"
	"  case_id      INTEGER REFERENCES cases(id),\n"
	"  date         TEXT NOT NULL " DATE_SHAPE("date") ",\n"
	"  place        TEXT NOT NULL REFERENCES vocab_place(code),\n"
	"  district     TEXT REFERENCES vocab_district(code),\n"
	"  country      TEXT REFERENCES vocab_country(code),\n"
	"  key_gen      INTEGER CHECK (key_gen IS NULL OR key_gen >= 1),\n"
	"  sealed       BLOB,\n"
	"  created_at   TEXT NOT NULL DEFAULT " NOW ",\n"
	"  updated_at   TEXT NOT NULL DEFAULT " NOW ",\n"
	"  CHECK ((key_gen IS NULL) = (sealed IS NULL))\n"
	");\n"
	"CREATE INDEX referrals_person ON referrals(person_id);\n"
	"CREATE INDEX referrals_agency ON referrals(agency_id);\n"
	"CREATE INDEX referrals_case ON referrals(case_id);\n"
	"CREATE TABLE referral_forms (\n"
	"  referral_id INTEGER NOT NULL REFERENCES referrals(id),\n"
	"  form        TEXT NOT NULL REFERENCES vocab_form(code),\n"
	"  PRIMARY KEY (referral_id, form)\n"
	") WITHOUT ROWID;\n"
	"\n"
	"ALTER TABLE cases ADD COLUMN status TEXT REFERENCES vocab_case_status(code);\n"
	"ALTER TABLE cases ADD COLUMN closed TEXT " DATE_SHAPE("closed") ";\n"
	"ALTER TABLE cases ADD COLUMN creator_kind TEXT CHECK (creator_kind IN ('user', 'token'));\n"
	"ALTER TABLE cases ADD COLUMN creator_id INTEGER;\n"
	"ALTER TABLE cases ADD COLUMN updated_at TEXT;\n"
	"CREATE TABLE case_persons (\n"
	"  case_id   INTEGER NOT NULL REFERENCES cases(id),\n"
	"  person_id INTEGER NOT NULL REFERENCES persons(id),\n"
	"  PRIMARY KEY (case_id, person_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX case_persons_person ON case_persons(person_id);\n";

/*
 * Version 6: sharing (store_sqlite_person.c; docs/security.md, "Sharing").
 * A share is a person referred (kind 'refer': the receiver may read the
 * person and its referrals, only the data classes `classes` names, a bit
 * set of core/person.h's enum lt_data_class) or transferred ('transfer':
 * persons.agency_id moves to the receiver) to another agency, on a basis —
 * consent, with who gave it and when, or a lawful reason — and for a
 * purpose. A referral is revoked by setting revoked_at; a transfer is never
 * revoked. Nothing here is personal data: who consented is a role, not a
 * name.
 */
static const char schema_v6[] =
	VOCAB_TABLE("share_kind")
	VOCAB_TABLE("share_basis")
	VOCAB_TABLE("consent_by")
	VOCAB_TABLE("lawful_reason")
	"\n"
	"CREATE TABLE shares (\n"
	"  id             INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  person_id      INTEGER NOT NULL REFERENCES persons(id),\n"
	"  from_agency_id INTEGER NOT NULL REFERENCES agencies(id),\n"
	"  to_agency_id   INTEGER NOT NULL REFERENCES agencies(id),\n"
	"  kind           TEXT NOT NULL REFERENCES vocab_share_kind(code),\n"
	"  classes        INTEGER NOT NULL CHECK (classes > 0),\n"
	"  basis          TEXT NOT NULL REFERENCES vocab_share_basis(code),\n"
	"  consent_by     TEXT REFERENCES vocab_consent_by(code),\n"
	"  consent_at     TEXT " DATE_SHAPE("consent_at") ",\n"
	"  lawful_reason  TEXT REFERENCES vocab_lawful_reason(code),\n"
	"  purpose        TEXT NOT NULL CHECK (length(purpose) BETWEEN 1 AND 200),\n"
	"  creator_kind   TEXT NOT NULL CHECK (creator_kind IN ('user', 'token')),\n"
	"  creator_id     INTEGER NOT NULL CHECK (creator_id > 0),\n"
	"  created_at     TEXT NOT NULL DEFAULT " NOW ",\n"
	"  revoked_at     TEXT,\n"
	"  CHECK (to_agency_id != from_agency_id),\n"
	"  CHECK (kind = 'refer' OR revoked_at IS NULL),\n"
	"  CHECK ((basis = 'consent') = (consent_by IS NOT NULL AND consent_at IS NOT NULL)),\n"
	"  CHECK ((basis = 'lawful_reason') = (lawful_reason IS NOT NULL))\n"
	");\n"
	"CREATE INDEX shares_person ON shares(person_id);\n"
	"CREATE INDEX shares_to ON shares(to_agency_id, person_id) WHERE revoked_at IS NULL;\n";

/*
 * Version 7: the operator's retention periods (store_sqlite_retention.c;
 * core/retention.h is the table, docs/security.md "Data protection:
 * retention, subject access, erasure"). One row per kind whose period was
 * changed from the table's default by `lantern retention set`, in the
 * kind's unit; every change is audited ("retention.set").
 */
static const char schema_v7[] =
	"CREATE TABLE retention_settings (\n"
	"  kind   TEXT PRIMARY KEY,\n"
	"  period INTEGER NOT NULL CHECK (period >= 0),\n"
	"  set_at TEXT NOT NULL DEFAULT " NOW "\n"
	") WITHOUT ROWID;\n";

/*
 * Version 8: pseudonymised reads for analysts (store_sqlite_pseudo.c;
 * docs/security.md, "Pseudonymised reads for analysts").
 *   - pseudonym_keys: the pseudonymisation key (32 random bytes), wrapped
 *     (72 bytes) under the PSEUDONYM key derived from master key
 *     master_key_id; a second row only while a rotation moves it to a newer
 *     master key, so pseudonyms survive rotations.
 *   - persons.pseudo_lookup: a keyed hash (63 bits) of the person's
 *     pseudonym, never the pseudonym, by which a pseudonym is found and
 *     lists are ordered; NULL until the first pseudonymised read after the
 *     person was recorded, and again once it is erased (a partial index
 *     finds those rows).
 */
static const char schema_v8[] =
	"CREATE TABLE pseudonym_keys (\n"
	"  master_key_id INTEGER PRIMARY KEY REFERENCES master_keys(id),\n"
	"  wrapped       BLOB NOT NULL CHECK (length(wrapped) = 72),\n"
	"  added_at      TEXT NOT NULL DEFAULT " NOW "\n"
	");\n"
	"ALTER TABLE persons ADD COLUMN pseudo_lookup INTEGER CHECK (pseudo_lookup > 0);\n"
	"CREATE UNIQUE INDEX persons_pseudo_lookup ON persons(pseudo_lookup)\n"
	"  WHERE pseudo_lookup IS NOT NULL;\n"
	"CREATE INDEX persons_pseudo_todo ON persons(id)\n"
	"  WHERE (pseudo_lookup IS NULL) = (erased_at IS NULL);\n";

/*
 * Version 9: record linkage of persons (store_sqlite_link.c; docs/linkage.md,
 * "Linkage in the service").
 *   - match_decisions: a caseworker's decision that persons person_a <
 *     person_b are the same person ('same') or not ('not_same'), who made
 *     it (a principal, "user:<id>"), when and why (one line, never
 *     personal data). One row per pair: a new decision replaces the old
 *     one (the audit log keeps every decision). Every linkage respects
 *     them: a 'same' pair is always in one cluster, a 'not_same' pair never.
 *   - link_models: linkage models trained by `lantern link --db
 *     --save-model`, as link_model.h's JSON without term-frequency tables
 *     (which would hold names in clear); the newest is the one used.
 */
static const char schema_v9[] =
	"CREATE TABLE match_decisions (\n"
	"  person_a   INTEGER NOT NULL REFERENCES persons(id),\n"
	"  person_b   INTEGER NOT NULL REFERENCES persons(id),\n"
	"  decision   TEXT NOT NULL CHECK (decision IN ('same', 'not_same')),\n"
	"  actor      TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 63),\n"
	"  decided_at TEXT NOT NULL DEFAULT " NOW ",\n"
	"  reason     TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),\n"
	"  PRIMARY KEY (person_a, person_b),\n"
	"  CHECK (person_a < person_b)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX match_decisions_b ON match_decisions(person_b);\n"
	"\n"
	"CREATE TABLE link_models (\n"
	"  id         INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  model      TEXT NOT NULL CHECK (length(model) BETWEEN 2 AND 4194304),\n"
	"  actor      TEXT NOT NULL,\n"
	"  created_at TEXT NOT NULL DEFAULT " NOW "\n"
	");\n";

/*
 * Version 10: users.unlock_requested — `lantern user unlock` asks the
 * server to lift its lock on an account (the login throttle is in the
 * server's memory, out of the command's reach); the server takes the
 * request (sets it back to 0) at the account's next sign-in attempt and
 * forgets the account's failed attempts (src/web/auth.c).
 */
static const char schema_v10[] =
	"ALTER TABLE users ADD COLUMN unlock_requested INTEGER NOT NULL DEFAULT 0\n"
	"  CHECK (unlock_requested IN (0, 1));\n";

/*
 * Version 11: persons.index_version — which terms a person's blind index
 * holds: 1, those written before it (names, words, dates); 2, with the
 * phonetic terms "p:" (linkage/link_persons.h, lt_link_person_index_terms).
 * The index is keyed hashes, so the migration cannot compute the new terms:
 * it marks every existing person 1, and the store's re-index
 * (store_data_keys_reindex, run by `lantern serve` at start with the data
 * key) rewrites them and sets 2.
 */
static const char schema_v11[] =
	"ALTER TABLE persons ADD COLUMN index_version INTEGER NOT NULL DEFAULT 1\n"
	"  CHECK (index_version >= 1);\n";

const struct store_migration store_sqlite_migrations[] = {
	{1, "vocabularies, agencies, cases, reports, arrests, append-only audit", schema_v1},
	{2, "the audit hash chain (prev_hash, hash), person and purpose, signed checkpoints",
	 schema_v2},
	{3, "accounts (users) and API tokens (api_tokens), roles (vocab_role)", schema_v3},
	{4, "sessions of signed-in staff (sessions): the hash of the id, never the id", schema_v4},
	{5, "records about people: master_keys, persons (sealed, key wrapped), person_index (blind "
	    "index), referrals, case status and persons", schema_v5},
	{6, "sharing: shares of persons referred or transferred to other agencies, with their "
	    "basis (consent or a lawful reason) and purpose", schema_v6},
	{7, "retention_settings: the operator's retention periods (lantern retention set)",
	 schema_v7},
	{8, "pseudonymised reads: pseudonym_keys (the pseudonymisation key, wrapped), "
	    "persons.pseudo_lookup", schema_v8},
	{9, "record linkage: match_decisions (same / not the same person), link_models (trained "
	    "models without term frequencies)", schema_v9},
	{10, "users.unlock_requested: lantern user unlock asks the server to lift an account's "
	     "sign-in lock", schema_v10},
	{11, "persons.index_version: the blind index's terms version (2: with phonetic terms), "
	     "rewritten with the data key by the re-index at lantern serve start",
	 schema_v11},
};
const size_t store_sqlite_migration_count =
	sizeof(store_sqlite_migrations) / sizeof(store_sqlite_migrations[0]);

const struct store_vocab_table store_sqlite_vocab_tables[] = {
	{"vocab_form", &lt_vocab_form},
	{"vocab_offence", &lt_vocab_offence},
	{"vocab_place", &lt_vocab_place},
	{"vocab_agency_kind", &lt_vocab_agency_kind},
	{"vocab_source", &lt_vocab_source},
	{"vocab_district", &lt_vocab_district},
	{"vocab_country", &lt_vocab_country},
	{"vocab_role", &lt_vocab_role},
	{"vocab_case_status", &lt_vocab_case_status},
	{"vocab_share_kind", &lt_vocab_share_kind},
	{"vocab_share_basis", &lt_vocab_share_basis},
	{"vocab_consent_by", &lt_vocab_consent_by},
	{"vocab_lawful_reason", &lt_vocab_lawful_reason},
};
const size_t store_sqlite_vocab_table_count =
	sizeof(store_sqlite_vocab_tables) / sizeof(store_sqlite_vocab_tables[0]);
