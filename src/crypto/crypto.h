/*
 * crypto.h — lantern's only door to libsodium.
 *
 * Only src/crypto/ includes <sodium.h>. Everything cryptographic that the
 * rest of lantern needs is a function here: random bytes, and sealing a
 * reporter's contact details to the partnership's public key so that the web
 * server, which writes them, can never read them back (libsodium sealed boxes:
 * X25519 + XSalsa20-Poly1305 with an ephemeral sender key).
 *
 * Key file format (`lt_crypto_keyfile_*`): a text file of two lines,
 *   public:  <64 hex digits>   (X25519 public key)
 *   secret:  <64 hex digits>   (X25519 secret key)
 * created with mode 0600. The server needs only the public line.
 *
 * Hashing and signing for the audit chain (core/audit.h): BLAKE2b-256
 * (crypto_generichash) chains the entries, and Ed25519 (crypto_sign_detached)
 * signs checkpoints. The signing key lives in its own file, never the
 * sealing key's:
 *   # lantern audit signing key (Ed25519)
 *   ed25519-public: <64 hex digits>   (the key partners verify with)
 *   ed25519-seed:   <64 hex digits>   (the secret seed the key pair derives from)
 * created with mode 0600. Verifying needs only the public line.
 */
#ifndef LT_CRYPTO_H
#define LT_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"

#define LT_CRYPTO_PUBLICKEY_BYTES 32
#define LT_CRYPTO_SECRETKEY_BYTES 32
#define LT_CRYPTO_SEAL_OVERHEAD 48

/* Initialise libsodium; call once before any other function. Thread-safe. */
lt_status lt_crypto_init(void);
/* Fill `buf` with `n` bytes from the operating system's random source. */
void lt_crypto_random(void *buf, size_t n);
uint64_t lt_crypto_random_u64(void);

struct lt_crypto_keypair {
	unsigned char pk[LT_CRYPTO_PUBLICKEY_BYTES];
	unsigned char sk[LT_CRYPTO_SECRETKEY_BYTES];
};

/* Create a new key file at `path` (fails with LT_EEXIST if it exists). */
lt_status lt_crypto_keyfile_create(const char *path, struct lt_error *err);
/* Read a key file. When `want_secret` is 0 the secret line is not read and
 * kp->sk is zeroed. Wipe with lt_crypto_keypair_wipe. */
lt_status lt_crypto_keyfile_read(const char *path, int want_secret, struct lt_crypto_keypair *kp,
				 struct lt_error *err);
void lt_crypto_keypair_wipe(struct lt_crypto_keypair *kp);

/* Seal `n` bytes to `pk`. *out (heap, caller frees) gets n + LT_CRYPTO_SEAL_OVERHEAD bytes. */
lt_status lt_crypto_seal(const unsigned char pk[LT_CRYPTO_PUBLICKEY_BYTES], const void *msg,
			 size_t n, unsigned char **out, size_t *outlen);
/* Open a sealed message with the key pair. *out is heap, NUL-terminated, and
 * must be wiped and freed with lt_crypto_free_secret. LT_ECRYPTO when it does
 * not open. */
lt_status lt_crypto_open(const struct lt_crypto_keypair *kp, const unsigned char *sealed,
			 size_t n, char **out, size_t *outlen);
/* Wipe `n` bytes at p and free it. */
void lt_crypto_free_secret(void *p, size_t n);
/* Wipe memory (never optimised away). */
void lt_crypto_wipe(void *p, size_t n);

/* ---- hashing and signing for the audit chain ---- */

#define LT_CRYPTO_HASH_BYTES 32           /* BLAKE2b-256 */
#define LT_CRYPTO_SIGN_PUBLICKEY_BYTES 32 /* Ed25519 */
#define LT_CRYPTO_SIGN_SECRETKEY_BYTES 64 /* libsodium's form: seed || public key */
#define LT_CRYPTO_SIGNATURE_BYTES 64

/* out = BLAKE2b-256(a || b), unkeyed. Either part may be empty. */
void lt_crypto_hash2(unsigned char out[LT_CRYPTO_HASH_BYTES], const void *a, size_t alen,
		     const void *b, size_t blen);

/* An Ed25519 key; `sk` is all zero and has_secret false when only the public
 * line was read. Wipe with lt_crypto_sign_key_wipe. */
struct lt_crypto_sign_key {
	unsigned char pk[LT_CRYPTO_SIGN_PUBLICKEY_BYTES];
	unsigned char sk[LT_CRYPTO_SIGN_SECRETKEY_BYTES];
	bool has_secret;
};

/* Create a new signing key file at `path` (mode 0600; LT_EEXIST if it
 * exists). */
lt_status lt_crypto_sign_keyfile_create(const char *path, struct lt_error *err);
/* Read a signing key file. With `want_secret` 0 only the public line is read.
 * The seed must give the public key of the file (LT_EINVAL otherwise), so a
 * sealing key file given by mistake is refused. */
lt_status lt_crypto_sign_keyfile_read(const char *path, int want_secret,
				      struct lt_crypto_sign_key *k, struct lt_error *err);
void lt_crypto_sign_key_wipe(struct lt_crypto_sign_key *k);
/* Sign `n` bytes with k (which must hold its secret). */
void lt_crypto_sign(const struct lt_crypto_sign_key *k, const void *msg, size_t n,
		    unsigned char sig[LT_CRYPTO_SIGNATURE_BYTES]);
/* LT_OK when `sig` is pk's signature of the `n` bytes, LT_ECRYPTO otherwise. */
lt_status lt_crypto_sign_verify(const unsigned char pk[LT_CRYPTO_SIGN_PUBLICKEY_BYTES],
				const void *msg, size_t n,
				const unsigned char sig[LT_CRYPTO_SIGNATURE_BYTES]);

/* ---- passwords and API tokens (crypto_password.c) ----
 *
 * Passwords are hashed with argon2id at libsodium's "interactive" limits
 * (crypto_pwhash_OPSLIMIT_INTERACTIVE, MEMLIMIT_INTERACTIVE: 64 MiB) into
 * libsodium's self-describing string ("$argon2id$v=19$m=65536,t=2,p=1$...").
 * At most LT_PASSWORD_HASHES_AT_ONCE hashes or verifications run at once in
 * the whole process (a counting semaphore); further callers wait their turn,
 * so a flood of logins holds at most that many cores and that many times
 * 64 MiB.
 *
 * API tokens are "lt_" and 43 base64url characters: 256 random bits. Only
 * their BLAKE2b-256 hash (keyed with a fixed domain-separation string) is
 * stored; a token with that much entropy needs no slow hash.
 */
#define LT_CRYPTO_TOKEN_CHARS 46 /* "lt_" + 43 base64url characters */
#define LT_CRYPTO_TOKEN_SIZE (LT_CRYPTO_TOKEN_CHARS + 1)
#define LT_CRYPTO_TOKEN_HASH_BYTES 32

/* Hash the password (`len` bytes) into `out` (NUL-terminated). LT_OK,
 * LT_ENOMEM (argon2id could not have its memory), LT_ECRYPTO. Waits for a
 * free hashing slot. */
lt_status lt_crypto_password_hash(const char *pw, size_t len, char out[LT_PASSWORD_HASH_MAX]);
/* Check a password against a stored hash string. LT_OK when it matches,
 * LT_EAUTH when it does not, LT_EINVAL when `hash` is not an argon2 hash
 * string, LT_ENOMEM. Waits for a free hashing slot. */
lt_status lt_crypto_password_verify(const char *hash, const char *pw, size_t len);
/* Spend the time of a verification and fail: for a login naming no account
 * (or a disabled one), so that the answer takes as long as for a wrong
 * password and does not tell which accounts exist. Returns LT_EAUTH. */
lt_status lt_crypto_password_verify_none(const char *pw, size_t len);
/* True when `hash` was made with other limits than today's (rehash it at
 * the next successful login). */
bool lt_crypto_password_needs_rehash(const char *hash);

/* The hashing slots, for tests and metrics. */
struct lt_crypto_pwhash_stats {
	unsigned running; /* hashes being computed now */
	unsigned waiting; /* callers waiting for a slot now */
	unsigned peak;    /* the most ever computed at once */
};
void lt_crypto_pwhash_stats(struct lt_crypto_pwhash_stats *out);
/* For tests only: call fn(arg) inside each slot, before hashing (NULL: no
 * hook). */
void lt_crypto_pwhash_test_hook(void (*fn)(void *), void *arg);

/* A new random API token, NUL-terminated. */
void lt_crypto_token_new(char out[LT_CRYPTO_TOKEN_SIZE]);
/* True when `tok` (`len` bytes) has the form of a token. */
bool lt_crypto_token_well_formed(const char *tok, size_t len);
/* The stored form of a token: its keyed BLAKE2b-256 hash. */
void lt_crypto_token_hash(const char *tok, size_t len, unsigned char out[LT_CRYPTO_TOKEN_HASH_BYTES]);

/* ---- personal data at rest (crypto_data.c) ----
 *
 * Personal fields are sealed with XChaCha20-Poly1305 (libsodium's
 * crypto_aead_xchacha20poly1305_ietf: 256-bit key, 192-bit random nonce,
 * 128-bit tag) under a per-person data key; each data key is itself sealed
 * ("wrapped") the same way under a key derived from the master data key of
 * the data key file. Keys derived from a master key (crypto_kdf, BLAKE2b,
 * context "ltdata01") each serve one purpose: WRAP seals data keys, INDEX
 * keys the blind index (BLAKE2b), CHECK proves which key a database was
 * encrypted with without revealing it.
 *
 * Data key file format (`lt_crypto_keyring_*`), mode 0600:
 *   # comment lines and blank lines are ignored
 *   data-key: <id> <64 hex digits>
 * one line per master key, ids ascending (1, 2, ...); the last is the
 * current key, the one new data is sealed under. A file holds two keys only
 * while `lantern key rotate` moves the data from the older to the newer.
 * It is a different file from the sealing key (lantern.key) and the audit
 * key (audit.key).
 */
#define LT_CRYPTO_DATA_KEY_BYTES   32 /* XChaCha20-Poly1305 and BLAKE2b keys */
#define LT_CRYPTO_AEAD_NONCE_BYTES 24
#define LT_CRYPTO_AEAD_TAG_BYTES   16
#define LT_CRYPTO_AEAD_OVERHEAD    (LT_CRYPTO_AEAD_NONCE_BYTES + LT_CRYPTO_AEAD_TAG_BYTES)
#define LT_CRYPTO_KEYRING_MAX      4  /* master keys one key file may hold */
#define LT_CRYPTO_KEY_CHECK_BYTES  16

/* One master data key. */
struct lt_crypto_data_key {
	uint32_t id;                                  /* >= 1, unique in its file */
	unsigned char key[LT_CRYPTO_DATA_KEY_BYTES]; /* secret */
};

/* The master keys of a data key file: keys[0..n-1], ids strictly
 * ascending; keys[n-1] is the current key. Wipe with
 * lt_crypto_keyring_wipe. */
struct lt_crypto_keyring {
	size_t n;
	struct lt_crypto_data_key keys[LT_CRYPTO_KEYRING_MAX];
};

/* What a key derived from a master key is for. Values are part of the
 * derivation: never change one. */
enum lt_crypto_subkey {
	LT_CRYPTO_SUBKEY_WRAP = 1,  /* seals per-person data keys */
	LT_CRYPTO_SUBKEY_INDEX = 2, /* keys the blind index */
	LT_CRYPTO_SUBKEY_CHECK = 3, /* makes the key's check value */
	LT_CRYPTO_SUBKEY_PSEUDONYM = 4, /* wraps the pseudonymisation key (below) */
};

/* Create a data key file at `path` holding one new random key with id
 * `id` (mode 0600; LT_EEXIST if the file exists). */
lt_status lt_crypto_keyring_create(const char *path, uint32_t id, struct lt_error *err);
/* Read a data key file. LT_ENOTFOUND when it does not exist; LT_EINVAL
 * naming the line when it is malformed (no key, ids not ascending, more
 * than LT_CRYPTO_KEYRING_MAX keys, a bad line). */
lt_status lt_crypto_keyring_read(const char *path, struct lt_crypto_keyring *kr,
				 struct lt_error *err);
/* Replace the file at `path` with `kr`, atomically: a new file beside it
 * (mode 0600), synced, renamed over the old one, and the directory synced,
 * so a crash leaves either the old file or the new one, whole. */
lt_status lt_crypto_keyring_write(const char *path, const struct lt_crypto_keyring *kr,
				  struct lt_error *err);
/* Append a new random key whose id is one more than the current key's.
 * LT_ETOOBIG when the ring is full. */
lt_status lt_crypto_keyring_add(struct lt_crypto_keyring *kr, struct lt_error *err);
/* Keep only the current key (the others are wiped). */
void lt_crypto_keyring_keep_current(struct lt_crypto_keyring *kr);
/* The current key; NULL when the ring is empty. */
const struct lt_crypto_data_key *lt_crypto_keyring_current(const struct lt_crypto_keyring *kr);
/* The key with id `id`; NULL when the ring does not hold it. */
const struct lt_crypto_data_key *lt_crypto_keyring_find(const struct lt_crypto_keyring *kr,
							 uint32_t id);
void lt_crypto_keyring_wipe(struct lt_crypto_keyring *kr);

/* out = the key for `which` derived from master key `k`. Wipe it after use. */
void lt_crypto_subkey(const struct lt_crypto_data_key *k, enum lt_crypto_subkey which,
		      unsigned char out[LT_CRYPTO_DATA_KEY_BYTES]);
/* The check value of `k`: a keyed BLAKE2b of its id under its CHECK key.
 * A database stores it to recognise the key later; it reveals nothing of
 * the key. */
void lt_crypto_key_check(const struct lt_crypto_data_key *k,
			 unsigned char out[LT_CRYPTO_KEY_CHECK_BYTES]);

/* Seal `n` bytes under `key` with associated data `ad` (authenticated, not
 * stored): *out (heap, caller frees) gets nonce || ciphertext || tag,
 * n + LT_CRYPTO_AEAD_OVERHEAD bytes. LT_ENOMEM, LT_ECRYPTO. */
lt_status lt_crypto_aead_seal(const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], const void *ad,
			      size_t adlen, const void *msg, size_t n, unsigned char **out,
			      size_t *outlen);
/* Open what lt_crypto_aead_seal made. *out is heap, NUL-terminated after
 * its *outlen bytes; wipe and free it with lt_crypto_free_secret(*out,
 * *outlen). LT_ECRYPTO when the key or the associated data are not the
 * ones it was sealed with, or a byte of it was changed. */
lt_status lt_crypto_aead_open(const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], const void *ad,
			      size_t adlen, const unsigned char *blob, size_t n,
			      unsigned char **out, size_t *outlen);
/* out (outlen 16..64 bytes) = BLAKE2b keyed with `key` over a || b. */
void lt_crypto_keyed_hash(unsigned char *out, size_t outlen,
			  const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], const void *a,
			  size_t alen, const void *b, size_t blen);

/* ---- pseudonyms (crypto_data.c; docs/security.md, "Pseudonymised reads
 * for analysts") ----
 *
 * An analyst knows a person by a pseudonym: "P-" and 16 characters of
 * base32 (RFC 4648: A-Z, 2-7), the 80 bits of BLAKE2b keyed with a key
 * derived from the database's *pseudonymisation key* over "LTPN1" and the
 * person's id (8 bytes, big-endian). The same person always has the same
 * pseudonym; without the key nobody can tell whose it is, nor make the
 * pseudonym of a given id. The store finds a pseudonym, and orders
 * pseudonyms for paging, by its *lookup*: 63 bits of BLAKE2b keyed with a
 * second derived key over the pseudonym's text, so the database holds no
 * pseudonym, and a copy of it does not tell which pseudonym is whose.
 * Both keys are derived from the pseudonymisation key (crypto_kdf,
 * context "ltpseu01"), a random 32-byte key the store keeps wrapped under
 * the PSEUDONYM key of the master key (LT_CRYPTO_SUBKEY_PSEUDONYM), so it
 * survives `lantern key rotate`.
 */
#define LT_CRYPTO_PSEUDONYM_BYTES 10 /* 80 bits */
#define LT_CRYPTO_PSEUDONYM_CHARS 18 /* "P-" + 16 base32 characters */
#define LT_CRYPTO_PSEUDONYM_SIZE  (LT_CRYPTO_PSEUDONYM_CHARS + 1)

/* out = the pseudonym of person `id` (> 0) under pseudonymisation key
 * `key`, NUL-terminated. */
void lt_crypto_pseudonym(const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], int64_t id,
			 char out[LT_CRYPTO_PSEUDONYM_SIZE]);
/* True when `text` (`len` bytes) has the form of a pseudonym: "P-" and 16
 * characters of A-Z and 2-7 (exactly 80 bits: there is no other spelling). */
bool lt_crypto_pseudonym_well_formed(const char *text, size_t len);
/* The lookup of pseudonym `text` (`len` bytes) under `key`: 1..INT64_MAX. */
int64_t lt_crypto_pseudonym_lookup(const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES],
				   const char *text, size_t len);

/* ---- web sign-in: session ids, CSRF tokens, MACs (crypto_session.c) ----
 *
 * A secret is 32 random bytes, written as 43 unpadded base64url characters
 * (the only spelling accepted back). Session ids are secrets; the store
 * keeps only lt_crypto_session_hash of one. The CSRF token of a session is
 * derived from its id (lt_crypto_csrf_token), so it needs no storage.
 * lt_crypto_mac is keyed BLAKE2b-256 over a domain string and a message,
 * for tokens the server signs; compare any token with lt_crypto_equal.
 */
#define LT_CRYPTO_SECRET_BYTES 32
#define LT_CRYPTO_SECRET_CHARS 43
#define LT_CRYPTO_SECRET_SIZE (LT_CRYPTO_SECRET_CHARS + 1)
#define LT_CRYPTO_MAC_BYTES 32

/* A new secret: raw bytes and their text (NUL-terminated). Wipe both. */
void lt_crypto_secret_new(unsigned char raw[LT_CRYPTO_SECRET_BYTES],
			  char text[LT_CRYPTO_SECRET_SIZE]);
/* Decode the text of a secret (`len` bytes); false unless it is exactly the
 * canonical 43 characters of one. */
bool lt_crypto_secret_parse(const char *text, size_t len, unsigned char raw[LT_CRYPTO_SECRET_BYTES]);
/* The stored form of a session id. */
void lt_crypto_session_hash(const unsigned char raw[LT_CRYPTO_SECRET_BYTES],
			    unsigned char out[LT_CRYPTO_HASH_BYTES]);
/* The CSRF token of the session whose id is `raw`, as 43 characters. */
void lt_crypto_csrf_token(const unsigned char raw[LT_CRYPTO_SECRET_BYTES],
			  char text[LT_CRYPTO_SECRET_SIZE]);
/* out = BLAKE2b-256(key, domain || 0x00 || msg). `domain` is a non-empty
 * string naming the purpose; msg may be NULL when len is 0. */
void lt_crypto_mac(unsigned char out[LT_CRYPTO_MAC_BYTES],
		   const unsigned char key[LT_CRYPTO_SECRET_BYTES], const char *domain,
		   const void *msg, size_t len);
/* True when the n bytes at a and b are equal; the time taken does not
 * depend on where they differ. */
bool lt_crypto_equal(const void *a, const void *b, size_t n);
/* Write `n` bytes as unpadded base64url into `out` (capacity `cap`, NUL-
 * terminated); returns the characters written, 0 when cap is too small. */
size_t lt_crypto_base64url(char *out, size_t cap, const void *in, size_t n);
/* Decode exactly `n` bytes from `len` characters of unpadded base64url in
 * its canonical spelling; false (out zeroed) otherwise. n is at most 256. */
bool lt_crypto_base64url_decode(void *out, size_t n, const char *text, size_t len);

#endif
