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

#endif
