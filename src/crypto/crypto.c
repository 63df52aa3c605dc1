/*
 * crypto.c — the libsodium glue of crypto.h. The only file that includes
 * <sodium.h>.
 *
 * Sealed boxes (crypto_box_seal) give the property lantern wants for
 * reporters' contact details: anyone holding the public key can seal, only
 * the holder of the secret key can open, and the sealer — the web server —
 * keeps nothing that would let it open what it sealed.
 *
 * The audit chain hashes with crypto_generichash (BLAKE2b, 32-byte output,
 * no key) and signs checkpoints with crypto_sign_detached (Ed25519). A
 * signing key file stores only the 32-byte seed; the key pair is derived
 * from it on reading and checked against the file's public line.
 */
#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/banned.h"

_Static_assert(LT_CRYPTO_PUBLICKEY_BYTES == crypto_box_PUBLICKEYBYTES, "public key size");
_Static_assert(LT_CRYPTO_SECRETKEY_BYTES == crypto_box_SECRETKEYBYTES, "secret key size");
_Static_assert(LT_CRYPTO_SEAL_OVERHEAD == crypto_box_SEALBYTES, "seal overhead");
_Static_assert(LT_CRYPTO_HASH_BYTES >= crypto_generichash_BYTES_MIN &&
		       LT_CRYPTO_HASH_BYTES <= crypto_generichash_BYTES_MAX,
	       "hash size");
_Static_assert(LT_CRYPTO_SIGN_PUBLICKEY_BYTES == crypto_sign_PUBLICKEYBYTES, "sign public key");
_Static_assert(LT_CRYPTO_SIGN_SECRETKEY_BYTES == crypto_sign_SECRETKEYBYTES, "sign secret key");
_Static_assert(LT_CRYPTO_SIGNATURE_BYTES == crypto_sign_BYTES, "signature size");
_Static_assert(crypto_sign_SEEDBYTES == 32, "sign seed size");

lt_status lt_crypto_init(void)
{
	return sodium_init() < 0 ? LT_ECRYPTO : LT_OK;
}

void lt_crypto_random(void *buf, size_t n)
{
	randombytes_buf(buf, n);
}

uint64_t lt_crypto_random_u64(void)
{
	uint64_t v;
	randombytes_buf(&v, sizeof(v));
	return v;
}

void lt_crypto_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

void lt_crypto_free_secret(void *p, size_t n)
{
	if (!p)
		return;
	sodium_memzero(p, n);
	free(p);
}

void lt_crypto_keypair_wipe(struct lt_crypto_keypair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}

lt_status lt_crypto_keyfile_create(const char *path, struct lt_error *err)
{
	struct lt_crypto_keypair kp;
	char pkhex[2 * LT_CRYPTO_PUBLICKEY_BYTES + 1], skhex[2 * LT_CRYPTO_SECRETKEY_BYTES + 1];
	char text[256];
	lt_status st = LT_OK;

	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return lt_error_set(err, LT_EEXIST, "key", "%s already exists", path);
		return lt_error_set(err, LT_EIO, "key", "cannot create %s: %s", path, strerror(errno));
	}
	crypto_box_keypair(kp.pk, kp.sk);
	sodium_bin2hex(pkhex, sizeof(pkhex), kp.pk, sizeof(kp.pk));
	sodium_bin2hex(skhex, sizeof(skhex), kp.sk, sizeof(kp.sk));
	int n = snprintf(text, sizeof(text), "public: %s\nsecret: %s\n", pkhex, skhex);
	if (write(fd, text, (size_t)n) != n || fsync(fd) != 0)
		st = lt_error_set(err, LT_EIO, "key", "cannot write %s: %s", path, strerror(errno));
	if (close(fd) != 0 && st == LT_OK)
		st = lt_error_set(err, LT_EIO, "key", "cannot write %s: %s", path, strerror(errno));
	if (st != LT_OK)
		unlink(path);
	sodium_memzero(text, sizeof(text));
	sodium_memzero(skhex, sizeof(skhex));
	lt_crypto_keypair_wipe(&kp);
	return st;
}

/* Find "name: <hex>" in text and decode it into out (n bytes). */
static int keyfile_line(const char *text, const char *name, unsigned char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *p = text;
	while (p && *p) {
		if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *h = p + nl + 1;
			while (*h == ' ' || *h == '\t')
				h++;
			size_t bin_len = 0;
			const char *end = NULL;
			if (sodium_hex2bin(out, n, h, 2 * n, NULL, &bin_len, &end) != 0 || bin_len != n)
				return 0;
			return *end == '\n' || *end == '\r' || *end == '\0';
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

lt_status lt_crypto_keyfile_read(const char *path, int want_secret, struct lt_crypto_keypair *kp,
				 struct lt_error *err)
{
	char text[512];
	lt_status st = LT_OK;
	memset(kp, 0, sizeof(*kp));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lt_error_set(err, errno == ENOENT ? LT_ENOTFOUND : LT_EIO, "key",
				    "cannot open key file %s: %s", path, strerror(errno));
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return lt_error_set(err, LT_EIO, "key", "cannot read %s: %s", path, strerror(errno));
	text[n] = '\0';
	if (!keyfile_line(text, "public", kp->pk, sizeof(kp->pk)))
		st = lt_error_set(err, LT_EINVAL, "key", "%s has no valid 'public:' line", path);
	else if (want_secret && !keyfile_line(text, "secret", kp->sk, sizeof(kp->sk)))
		st = lt_error_set(err, LT_EINVAL, "key", "%s has no valid 'secret:' line", path);
	sodium_memzero(text, sizeof(text));
	if (st != LT_OK)
		lt_crypto_keypair_wipe(kp);
	return st;
}

lt_status lt_crypto_seal(const unsigned char pk[LT_CRYPTO_PUBLICKEY_BYTES], const void *msg,
			 size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *c = malloc(n + crypto_box_SEALBYTES);
	if (!c)
		return LT_ENOMEM;
	if (crypto_box_seal(c, msg, n, pk) != 0) {
		free(c);
		return LT_ECRYPTO;
	}
	*out = c;
	*outlen = n + crypto_box_SEALBYTES;
	return LT_OK;
}

lt_status lt_crypto_open(const struct lt_crypto_keypair *kp, const unsigned char *sealed,
			 size_t n, char **out, size_t *outlen)
{
	if (n < crypto_box_SEALBYTES)
		return LT_ECRYPTO;
	size_t mlen = n - crypto_box_SEALBYTES;
	char *m = malloc(mlen + 1);
	if (!m)
		return LT_ENOMEM;
	if (crypto_box_seal_open((unsigned char *)m, sealed, n, kp->pk, kp->sk) != 0) {
		free(m);
		return LT_ECRYPTO;
	}
	m[mlen] = '\0';
	*out = m;
	*outlen = mlen;
	return LT_OK;
}

/* ---- hashing and signing for the audit chain ------------------------------ */

void lt_crypto_hash2(unsigned char out[LT_CRYPTO_HASH_BYTES], const void *a, size_t alen,
		     const void *b, size_t blen)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, LT_CRYPTO_HASH_BYTES);
	if (alen)
		crypto_generichash_update(&st, a, alen);
	if (blen)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, LT_CRYPTO_HASH_BYTES);
}

void lt_crypto_sign_key_wipe(struct lt_crypto_sign_key *k)
{
	sodium_memzero(k, sizeof(*k));
}

lt_status lt_crypto_sign_keyfile_create(const char *path, struct lt_error *err)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char pkhex[2 * sizeof(pk) + 1], seedhex[2 * sizeof(seed) + 1];
	char text[256];
	lt_status st = LT_OK;

	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return lt_error_set(err, LT_EEXIST, "audit-key", "%s already exists", path);
		return lt_error_set(err, LT_EIO, "audit-key", "cannot create %s: %s", path,
				    strerror(errno));
	}
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_bin2hex(pkhex, sizeof(pkhex), pk, sizeof(pk));
	sodium_bin2hex(seedhex, sizeof(seedhex), seed, sizeof(seed));
	int n = snprintf(text, sizeof(text),
			 "# lantern audit signing key (Ed25519)\n"
			 "ed25519-public: %s\ned25519-seed: %s\n",
			 pkhex, seedhex);
	if (write(fd, text, (size_t)n) != n || fsync(fd) != 0)
		st = lt_error_set(err, LT_EIO, "audit-key", "cannot write %s: %s", path,
				  strerror(errno));
	if (close(fd) != 0 && st == LT_OK)
		st = lt_error_set(err, LT_EIO, "audit-key", "cannot write %s: %s", path,
				  strerror(errno));
	if (st != LT_OK)
		unlink(path);
	sodium_memzero(text, sizeof(text));
	sodium_memzero(seedhex, sizeof(seedhex));
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	return st;
}

lt_status lt_crypto_sign_keyfile_read(const char *path, int want_secret,
				      struct lt_crypto_sign_key *k, struct lt_error *err)
{
	char text[512];
	unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	lt_status st = LT_OK;
	memset(k, 0, sizeof(*k));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lt_error_set(err, errno == ENOENT ? LT_ENOTFOUND : LT_EIO, "audit-key",
				    "cannot open the audit key file %s: %s", path, strerror(errno));
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return lt_error_set(err, LT_EIO, "audit-key", "cannot read %s: %s", path,
				    strerror(errno));
	text[n] = '\0';
	if (!keyfile_line(text, "ed25519-public", k->pk, sizeof(k->pk))) {
		st = lt_error_set(err, LT_EINVAL, "audit-key",
				  "%s has no valid 'ed25519-public:' line (is it the audit key?)",
				  path);
	} else if (want_secret) {
		if (!keyfile_line(text, "ed25519-seed", seed, sizeof(seed))) {
			st = lt_error_set(err, LT_EINVAL, "audit-key",
					  "%s has no valid 'ed25519-seed:' line", path);
		} else {
			crypto_sign_seed_keypair(pk, k->sk, seed);
			if (sodium_memcmp(pk, k->pk, sizeof(pk)) != 0)
				st = lt_error_set(err, LT_EINVAL, "audit-key",
						  "%s: the seed does not give the public key beside it",
						  path);
			k->has_secret = true;
		}
	}
	sodium_memzero(text, sizeof(text));
	sodium_memzero(seed, sizeof(seed));
	if (st != LT_OK)
		lt_crypto_sign_key_wipe(k);
	return st;
}

void lt_crypto_sign(const struct lt_crypto_sign_key *k, const void *msg, size_t n,
		    unsigned char sig[LT_CRYPTO_SIGNATURE_BYTES])
{
	LT_ASSERT(k->has_secret);
	crypto_sign_detached(sig, NULL, msg, n, k->sk);
}

lt_status lt_crypto_sign_verify(const unsigned char pk[LT_CRYPTO_SIGN_PUBLICKEY_BYTES],
				const void *msg, size_t n,
				const unsigned char sig[LT_CRYPTO_SIGNATURE_BYTES])
{
	return crypto_sign_verify_detached(sig, msg, n, pk) == 0 ? LT_OK : LT_ECRYPTO;
}
