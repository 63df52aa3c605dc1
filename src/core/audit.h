/*
 * audit.h — the byte formats of the tamper-evident audit chain.
 *
 * Every audit entry is hashed into a chain: entry k stores prev_hash (the
 * hash of entry k-1; 32 zero bytes for the first entry of the chain) and
 *
 *     hash = BLAKE2b-256(prev_hash || canonical entry)
 *
 * so changing, removing, inserting or reordering any entry changes every
 * hash after it. A checkpoint is an Ed25519 signature over a canonical
 * statement "entry N has hash H (signed at T by key K)"; because H commits to
 * every entry up to N, a checkpoint held outside the database pins the whole
 * history up to N.
 *
 * This module is pure: it turns fields into the bytes that are hashed or
 * signed, and formats and parses the one-line JSON form of a checkpoint that
 * is handed to partners. It does no hashing, no signing and no I/O
 * (src/crypto/ hashes and signs, src/store/ stores and verifies).
 *
 * Canonical entry (version 1). Integers are big-endian; a `str` is a 4-byte
 * big-endian length followed by that many bytes (UTF-8, no NUL); an
 * optional value is one byte 0x00 when absent, or 0x01 followed by the value:
 *
 *     "LTA1"                      4 bytes, the format tag
 *     id        int64             8 bytes
 *     at        str               UTC time, "YYYY-MM-DDTHH:MM:SS.sssZ"
 *     actor     str
 *     action    str
 *     object    str
 *     person    optional int64    the person whose data was touched
 *     purpose   optional str      the purpose stated for reading it
 *
 * Fields come in this fixed order and each carries its length, so two
 * different entries never encode to the same bytes.
 *
 * Canonical checkpoint statement (version 1), the bytes that are signed:
 *
 *     "LTC1"                      4 bytes, the format tag
 *     entry_id    int64           8 bytes
 *     entry_hash                  32 bytes
 *     signed_at   str             UTC time, as `at` above
 *     public_key                  32 bytes: the Ed25519 key that signs (its id)
 *
 * Checkpoint line, handed to partners (one line of JSON, members in this
 * order when written, in any order when read):
 *
 *     {"entry":2000,"hash":"<64 hex>","at":"2024-05-01T10:00:00.000Z",
 *      "public_key":"<64 hex>","signature":"<128 hex>"}
 */
#ifndef LT_AUDIT_H
#define LT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

#define LT_AUDIT_HASH_BYTES 32
#define LT_AUDIT_KEY_BYTES 32       /* an Ed25519 public key */
#define LT_AUDIT_SIGNATURE_BYTES 64 /* an Ed25519 signature */
#define LT_AUDIT_TIME_MAX 32        /* bytes of a time with its NUL */
#define LT_AUDIT_LINE_MAX 512       /* bytes of a checkpoint line, newline excluded */

/* The fields of an entry that its hash covers. Strings are NUL-terminated
 * and must not be NULL, except `purpose`. */
struct lt_audit_fields {
	int64_t id;          /* >= 1 */
	const char *at;      /* "YYYY-MM-DDTHH:MM:SS.sssZ" */
	const char *actor;   /* who acted: "cli", "api:127.0.0.1", "user:12" */
	const char *action;  /* "report.create", "person.read", ... */
	const char *object;  /* what it acted on: "report:LT-7K3M9QXP" */
	int64_t person;      /* the person whose data was touched; 0 when none */
	const char *purpose; /* why personal data was read; NULL or "" when none */
};

/* A signed checkpoint, as stored or as read from a partner's line. */
struct lt_audit_checkpoint {
	int64_t id;                                       /* row id; 0 when read from a line */
	int64_t entry_id;                                 /* the entry it pins, >= 1 */
	unsigned char entry_hash[LT_AUDIT_HASH_BYTES];    /* that entry's hash */
	char signed_at[LT_AUDIT_TIME_MAX];                /* when it was signed, UTC */
	unsigned char public_key[LT_AUDIT_KEY_BYTES];     /* the signing key */
	unsigned char signature[LT_AUDIT_SIGNATURE_BYTES];
};

/* The chain's first prev_hash: 32 zero bytes. */
extern const unsigned char lt_audit_genesis[LT_AUDIT_HASH_BYTES];

/*
 * Append the canonical encoding of entry `f` (format above) to `out`.
 * LT_ETOOBIG when `out`'s ceiling is reached (out then holds a prefix; reset
 * it), LT_ENOMEM when memory runs out. A string longer than 2^32-1 bytes is a
 * bug.
 */
lt_status lt_audit_entry_encode(const struct lt_audit_fields *f, struct lt_buf *out);

/* Append the canonical statement signed by checkpoint `c` (its id and
 * signature are not part of it). Errors as lt_audit_entry_encode. */
lt_status lt_audit_statement_encode(const struct lt_audit_checkpoint *c, struct lt_buf *out);

/* Append checkpoint `c` as one line of JSON, with its newline. */
lt_status lt_audit_checkpoint_format(const struct lt_audit_checkpoint *c, struct lt_buf *out);

/*
 * Parse one checkpoint line (`len` bytes, without its newline; surrounding
 * blanks allowed). Exactly the five members entry, hash, at, public_key and
 * signature, each once: entry a positive integer, at a time of the shape
 * above, the others lowercase or uppercase hex of 32, 32 and 64 bytes.
 * *out gets id 0. LT_EPARSE with a sentence in `err` otherwise.
 */
lt_status lt_audit_checkpoint_parse(const char *line, size_t len, struct lt_audit_checkpoint *out,
				    struct lt_error *err);

/* Write `n` bytes as 2n lowercase hex digits and a NUL into `out` (capacity
 * at least 2n + 1). */
void lt_audit_hex(const unsigned char *bin, size_t n, char *out);

/* Whether `s` has the shape "YYYY-MM-DDTHH:MM:SS.sssZ". */
bool lt_audit_time_valid(const char *s, size_t len);

#endif
