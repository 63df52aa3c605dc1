/*
 * crypto_data.c — the cryptography of personal data at rest: the data key
 * file, keys derived from its master keys, XChaCha20-Poly1305 sealing and
 * keyed BLAKE2b for the blind index. Part of the crypto module: only
 * src/crypto/ includes <sodium.h>.
 *
 * Why XChaCha20-Poly1305. Its 192-bit nonce can be drawn at random for
 * every seal without any bookkeeping: the chance that two of 2^64 seals
 * under one key share a nonce is about 2^-64. Each sealed blob therefore
 * carries its own nonce in front of the ciphertext, and a record can be
 * re-sealed (on every change, on every rotation) with no counter to keep.
 * The associated data binds a blob to where it belongs (which record,
 * which person, which key): moved anywhere else, it no longer opens.
 *
 * Derived keys. A master key is never used directly: crypto_kdf (BLAKE2b)
 * derives from it one key per purpose (enum lt_crypto_subkey), with the
 * context "ltdata01", so the key that keys the blind index can never open
 * a data key, and the check value a database keeps says nothing about the
 * key that wraps.
 *
 * The key file is read whole (at most 4 KiB) and written only by atomic
 * replacement (write beside, fsync, rename, fsync the directory), so a
 * crash in the middle of `lantern key rotate` leaves the old file or the
 * new one, never a torn one; a torn key file would lose every person.
 */
#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/bug.h"
#include "core/banned.h"

_Static_assert(LT_CRYPTO_DATA_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key");
_Static_assert(LT_CRYPTO_AEAD_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce");
_Static_assert(LT_CRYPTO_AEAD_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag");
_Static_assert(LT_CRYPTO_DATA_KEY_BYTES == crypto_kdf_KEYBYTES, "kdf key");
_Static_assert(LT_CRYPTO_DATA_KEY_BYTES >= crypto_kdf_BYTES_MIN &&
                   LT_CRYPTO_DATA_KEY_BYTES <= crypto_kdf_BYTES_MAX,
               "kdf output");
_Static_assert(LT_CRYPTO_DATA_KEY_BYTES >= crypto_generichash_KEYBYTES_MIN &&
                   LT_CRYPTO_DATA_KEY_BYTES <= crypto_generichash_KEYBYTES_MAX,
               "hash key");

#define KDF_CONTEXT  "ltdata01" /* crypto_kdf_CONTEXTBYTES == 8 */
#define KEYFILE_MAX  4096
#define KEY_LINE     "data-key:"
#define CHECK_DOMAIN "lantern data key check, v1"

_Static_assert(sizeof(KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context");

/* ---- the key file -------------------------------------------------------- */

static lt_status keyring_text(const struct lt_crypto_keyring *kr, char *text, size_t cap,
                              size_t *len)
{
	size_t n = 0;
	int w = snprintf(text, cap,
	                 "# lantern data key: the master key of personal data at rest\n"
	                 "# (XChaCha20-Poly1305). Keep it secret, and keep a copy apart from\n"
	                 "# the database's backups: without it no person can be read.\n");
	if (w < 0 || (size_t)w >= cap)
		return LT_EINTERNAL;
	n = (size_t)w;
	for (size_t i = 0; i < kr->n; i++) {
		char hex[2 * LT_CRYPTO_DATA_KEY_BYTES + 1];
		sodium_bin2hex(hex, sizeof(hex), kr->keys[i].key, sizeof(kr->keys[i].key));
		w = snprintf(text + n, cap - n, KEY_LINE " %lu %s\n", (unsigned long)kr->keys[i].id,
		             hex);
		sodium_memzero(hex, sizeof(hex));
		if (w < 0 || (size_t)w >= cap - n)
			return LT_EINTERNAL;
		n += (size_t)w;
	}
	*len = n;
	return LT_OK;
}

/* Write `text` to a new file `path` (mode 0600, O_EXCL) and sync it. */
static lt_status write_new(const char *path, const char *text, size_t len, struct lt_error *err)
{
	lt_status st = LT_OK;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return lt_error_set(err, LT_EEXIST, "data-key", "%s already exists", path);
		return lt_error_set(err, LT_EIO, "data-key", "cannot create %s: %s", path,
		                    strerror(errno));
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
		st = lt_error_set(err, LT_EIO, "data-key", "cannot write %s: %s", path,
		                  strerror(errno));
	if (close(fd) != 0 && st == LT_OK)
		st = lt_error_set(err, LT_EIO, "data-key", "cannot write %s: %s", path,
		                  strerror(errno));
	if (st != LT_OK)
		unlink(path);
	return st;
}

/* fsync the directory holding `path`, so a rename or a creation in it is
 * on disk. */
static lt_status sync_dir(const char *path, struct lt_error *err)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return lt_error_set(err, LT_EINVAL, "data-key", "the key file's path is too long");
	int fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lt_error_set(err, LT_EIO, "data-key", "cannot open the directory of %s: %s",
		                    path, strerror(errno));
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	if (rc != 0)
		return lt_error_set(err, LT_EIO, "data-key", "cannot sync the directory of %s: %s",
		                    path, strerror(e));
	return LT_OK;
}

lt_status lt_crypto_keyring_create(const char *path, uint32_t id, struct lt_error *err)
{
	struct lt_crypto_keyring kr;
	char text[KEYFILE_MAX];
	size_t len = 0;
	lt_status st;

	LT_ASSERT(id >= 1);
	memset(&kr, 0, sizeof(kr));
	kr.n = 1;
	kr.keys[0].id = id;
	randombytes_buf(kr.keys[0].key, sizeof(kr.keys[0].key));
	st = keyring_text(&kr, text, sizeof(text), &len);
	LT_ASSERT(st == LT_OK);
	st = write_new(path, text, len, err);
	if (st == LT_OK)
		st = sync_dir(path, err);
	sodium_memzero(text, sizeof(text));
	lt_crypto_keyring_wipe(&kr);
	return st;
}

lt_status lt_crypto_keyring_write(const char *path, const struct lt_crypto_keyring *kr,
                                  struct lt_error *err)
{
	char text[KEYFILE_MAX];
	char tmp[4200];
	size_t len = 0;
	lt_status st;

	LT_ASSERT(kr->n >= 1 && kr->n <= LT_CRYPTO_KEYRING_MAX);
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return lt_error_set(err, LT_EINVAL, "data-key", "the key file's path is too long");
	st = keyring_text(kr, text, sizeof(text), &len);
	LT_ASSERT(st == LT_OK);
	/* A .new file left by a crash is an unfinished copy: replace it. */
	if (unlink(tmp) != 0 && errno != ENOENT) {
		st = lt_error_set(err, LT_EIO, "data-key", "cannot remove %s: %s", tmp,
		                  strerror(errno));
		goto out;
	}
	if ((st = write_new(tmp, text, len, err)) != LT_OK)
		goto out;
	if (rename(tmp, path) != 0) {
		st = lt_error_set(err, LT_EIO, "data-key", "cannot replace %s: %s", path,
		                  strerror(errno));
		unlink(tmp);
		goto out;
	}
	st = sync_dir(path, err);
out:
	sodium_memzero(text, sizeof(text));
	return st;
}

/* Parse one "data-key: <id> <hex>" line (`len` bytes at `p`, no newline). */
static int key_line(const char *p, size_t len, struct lt_crypto_data_key *k)
{
	size_t kl = strlen(KEY_LINE), i;
	unsigned long id = 0;
	if (len < kl || memcmp(p, KEY_LINE, kl) != 0)
		return 0;
	i = kl;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	size_t digits = 0;
	while (i < len && p[i] >= '0' && p[i] <= '9' && digits < 10) {
		id = id * 10 + (unsigned long)(p[i] - '0');
		i++;
		digits++;
	}
	if (digits == 0 || id == 0 || id > UINT32_MAX || i >= len || (p[i] != ' ' && p[i] != '\t'))
		return 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	size_t bin_len = 0;
	const char *end = NULL;
	if (len - i < 2 * sizeof(k->key) ||
	    sodium_hex2bin(k->key, sizeof(k->key), p + i, 2 * sizeof(k->key), NULL, &bin_len,
	                   &end) != 0 ||
	    bin_len != sizeof(k->key))
		return 0;
	i += 2 * sizeof(k->key);
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
		i++;
	if (i != len)
		return 0;
	k->id = (uint32_t)id;
	return 1;
}

lt_status lt_crypto_keyring_read(const char *path, struct lt_crypto_keyring *kr,
                                 struct lt_error *err)
{
	char text[KEYFILE_MAX + 1];
	lt_status st = LT_OK;
	ssize_t n;
	long line = 0;

	memset(kr, 0, sizeof(*kr));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lt_error_set(err, errno == ENOENT ? LT_ENOTFOUND : LT_EIO, "data-key",
		                    "cannot open the data key file %s: %s", path, strerror(errno));
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 0)
		return lt_error_set(err, LT_EIO, "data-key", "cannot read %s: %s", path,
		                    strerror(errno));
	if (n > KEYFILE_MAX) {
		st = lt_error_set(err, LT_EINVAL, "data-key",
		                  "%s is larger than a data key file can be (is it one?)", path);
		goto out;
	}
	text[n] = '\0';
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		line++;
		if (len == 0 || p[0] == '#' || (len == 1 && p[0] == '\r')) {
			/* a comment or a blank line */
		} else if (kr->n == LT_CRYPTO_KEYRING_MAX) {
			st = lt_error_set(err, LT_EINVAL, "data-key",
			                  "%s:%ld: more than %d keys in one file", path, line,
			                  LT_CRYPTO_KEYRING_MAX);
			goto out;
		} else if (!key_line(p, len, &kr->keys[kr->n])) {
			st = lt_error_set(err, LT_EINVAL, "data-key",
			                  "%s:%ld: not a 'data-key: ID HEX' line (is it the data "
			                  "key file?)",
			                  path, line);
			goto out;
		} else if (kr->n > 0 && kr->keys[kr->n].id <= kr->keys[kr->n - 1].id) {
			st = lt_error_set(err, LT_EINVAL, "data-key",
			                  "%s:%ld: key ids must ascend, and key %lu comes after "
			                  "key %lu",
			                  path, line, (unsigned long)kr->keys[kr->n].id,
			                  (unsigned long)kr->keys[kr->n - 1].id);
			goto out;
		} else {
			kr->n++;
		}
		p = nl ? nl + 1 : p + len;
	}
	if (kr->n == 0)
		st = lt_error_set(err, LT_EINVAL, "data-key", "%s holds no 'data-key:' line", path);
out:
	sodium_memzero(text, sizeof(text));
	if (st != LT_OK)
		lt_crypto_keyring_wipe(kr);
	return st;
}

lt_status lt_crypto_keyring_add(struct lt_crypto_keyring *kr, struct lt_error *err)
{
	LT_ASSERT(kr->n >= 1);
	if (kr->n == LT_CRYPTO_KEYRING_MAX)
		return lt_error_set(err, LT_ETOOBIG, "data-key", "a key file holds at most %d keys",
		                    LT_CRYPTO_KEYRING_MAX);
	if (kr->keys[kr->n - 1].id == UINT32_MAX)
		return lt_error_set(err, LT_ETOOBIG, "data-key", "no key id is left");
	kr->keys[kr->n].id = kr->keys[kr->n - 1].id + 1;
	randombytes_buf(kr->keys[kr->n].key, sizeof(kr->keys[kr->n].key));
	kr->n++;
	return LT_OK;
}

void lt_crypto_keyring_keep_current(struct lt_crypto_keyring *kr)
{
	if (kr->n <= 1)
		return;
	kr->keys[0] = kr->keys[kr->n - 1];
	sodium_memzero(&kr->keys[1], sizeof(kr->keys[0]) * (LT_CRYPTO_KEYRING_MAX - 1));
	kr->n = 1;
}

const struct lt_crypto_data_key *lt_crypto_keyring_current(const struct lt_crypto_keyring *kr)
{
	return kr->n ? &kr->keys[kr->n - 1] : NULL;
}

const struct lt_crypto_data_key *lt_crypto_keyring_find(const struct lt_crypto_keyring *kr,
                                                        uint32_t id)
{
	for (size_t i = 0; i < kr->n; i++)
		if (kr->keys[i].id == id)
			return &kr->keys[i];
	return NULL;
}

void lt_crypto_keyring_wipe(struct lt_crypto_keyring *kr)
{
	sodium_memzero(kr, sizeof(*kr));
}

/* ---- derived keys, sealing, hashing -------------------------------------- */

void lt_crypto_subkey(const struct lt_crypto_data_key *k, enum lt_crypto_subkey which,
                      unsigned char out[LT_CRYPTO_DATA_KEY_BYTES])
{
	LT_ASSERT(which == LT_CRYPTO_SUBKEY_WRAP || which == LT_CRYPTO_SUBKEY_INDEX ||
	          which == LT_CRYPTO_SUBKEY_CHECK || which == LT_CRYPTO_SUBKEY_PSEUDONYM);
	LT_ASSERT(crypto_kdf_derive_from_key(out, LT_CRYPTO_DATA_KEY_BYTES, (uint64_t)which,
	                                     KDF_CONTEXT, k->key) == 0);
}

void lt_crypto_key_check(const struct lt_crypto_data_key *k,
                         unsigned char out[LT_CRYPTO_KEY_CHECK_BYTES])
{
	unsigned char ck[LT_CRYPTO_DATA_KEY_BYTES];
	unsigned char id[4] = {(unsigned char)(k->id >> 24), (unsigned char)(k->id >> 16),
	                       (unsigned char)(k->id >> 8), (unsigned char)k->id};
	lt_crypto_subkey(k, LT_CRYPTO_SUBKEY_CHECK, ck);
	lt_crypto_keyed_hash(out, LT_CRYPTO_KEY_CHECK_BYTES, ck, CHECK_DOMAIN,
	                     sizeof(CHECK_DOMAIN) - 1, id, sizeof(id));
	sodium_memzero(ck, sizeof(ck));
}

lt_status lt_crypto_aead_seal(const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], const void *ad,
                              size_t adlen, const void *msg, size_t n, unsigned char **out,
                              size_t *outlen)
{
	unsigned long long clen = 0;
	*out = NULL;
	*outlen = 0;
	if (n > SIZE_MAX - LT_CRYPTO_AEAD_OVERHEAD)
		return LT_ENOMEM;
	unsigned char *c = malloc(n + LT_CRYPTO_AEAD_OVERHEAD);
	if (!c)
		return LT_ENOMEM;
	randombytes_buf(c, LT_CRYPTO_AEAD_NONCE_BYTES);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(
	        c + LT_CRYPTO_AEAD_NONCE_BYTES, &clen, msg, (unsigned long long)n, ad,
	        (unsigned long long)adlen, NULL, c, key) != 0) {
		free(c);
		return LT_ECRYPTO;
	}
	LT_ASSERT(clen == n + LT_CRYPTO_AEAD_TAG_BYTES);
	*out = c;
	*outlen = n + LT_CRYPTO_AEAD_OVERHEAD;
	return LT_OK;
}

lt_status lt_crypto_aead_open(const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], const void *ad,
                              size_t adlen, const unsigned char *blob, size_t n,
                              unsigned char **out, size_t *outlen)
{
	unsigned long long mlen = 0;
	*out = NULL;
	*outlen = 0;
	if (n < LT_CRYPTO_AEAD_OVERHEAD)
		return LT_ECRYPTO;
	size_t cap = n - LT_CRYPTO_AEAD_OVERHEAD;
	unsigned char *m = malloc(cap + 1);
	if (!m)
		return LT_ENOMEM;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	        m, &mlen, NULL, blob + LT_CRYPTO_AEAD_NONCE_BYTES,
	        (unsigned long long)(n - LT_CRYPTO_AEAD_NONCE_BYTES), ad, (unsigned long long)adlen,
	        blob, key) != 0) {
		sodium_memzero(m, cap + 1);
		free(m);
		return LT_ECRYPTO;
	}
	LT_ASSERT(mlen == cap);
	m[cap] = '\0';
	*out = m;
	*outlen = cap;
	return LT_OK;
}

void lt_crypto_keyed_hash(unsigned char *out, size_t outlen,
                          const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], const void *a,
                          size_t alen, const void *b, size_t blen)
{
	crypto_generichash_state st;
	LT_ASSERT(outlen >= crypto_generichash_BYTES_MIN && outlen <= crypto_generichash_BYTES_MAX);
	crypto_generichash_init(&st, key, LT_CRYPTO_DATA_KEY_BYTES, outlen);
	if (alen)
		crypto_generichash_update(&st, a, alen);
	if (blen)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, outlen);
	sodium_memzero(&st, sizeof(st));
}

/* ---- pseudonyms ------------------------------------------------------------ */

#define PSEUDO_CONTEXT "ltpseu01" /* crypto_kdf_CONTEXTBYTES == 8 */
#define PSEUDO_NAME    1          /* the subkey that makes pseudonyms */
#define PSEUDO_LOOKUP  2          /* the subkey of the store's lookup */
#define PSEUDO_PREFIX  "P-"
#define BASE32         "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

_Static_assert(sizeof(PSEUDO_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "pseudonym context");
_Static_assert(LT_CRYPTO_PSEUDONYM_BYTES * 8 == 16 * 5, "16 base32 characters, no padding");

static void pseudo_subkey(const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], uint64_t which,
                          unsigned char out[LT_CRYPTO_DATA_KEY_BYTES])
{
	crypto_kdf_derive_from_key(out, LT_CRYPTO_DATA_KEY_BYTES, which, PSEUDO_CONTEXT, key);
}

void lt_crypto_pseudonym(const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES], int64_t id,
                         char out[LT_CRYPTO_PSEUDONYM_SIZE])
{
	unsigned char k[LT_CRYPTO_DATA_KEY_BYTES], msg[13], h[16];
	size_t at = strlen(PSEUDO_PREFIX);
	unsigned bits = 0, nbits = 0;

	LT_ASSERT(id > 0);
	memcpy(msg, "LTPN1", 5);
	for (int i = 0; i < 8; i++)
		msg[5 + i] = (unsigned char)((uint64_t)id >> (56 - 8 * i));
	pseudo_subkey(key, PSEUDO_NAME, k);
	lt_crypto_keyed_hash(h, sizeof(h), k, msg, sizeof(msg), NULL, 0);
	memcpy(out, PSEUDO_PREFIX, at);
	for (size_t i = 0; i < LT_CRYPTO_PSEUDONYM_BYTES; i++) {
		bits = (bits << 8) | h[i];
		nbits += 8;
		while (nbits >= 5) {
			out[at++] = BASE32[(bits >> (nbits - 5)) & 31];
			nbits -= 5;
		}
	}
	LT_ASSERT(nbits == 0 && at == LT_CRYPTO_PSEUDONYM_CHARS);
	out[at] = '\0';
	sodium_memzero(k, sizeof(k));
	sodium_memzero(h, sizeof(h));
}

bool lt_crypto_pseudonym_well_formed(const char *text, size_t len)
{
	size_t pl = strlen(PSEUDO_PREFIX);
	if (!text || len != LT_CRYPTO_PSEUDONYM_CHARS || memcmp(text, PSEUDO_PREFIX, pl) != 0)
		return false;
	for (size_t i = pl; i < len; i++)
		if (!strchr(BASE32, text[i]) || text[i] == '\0')
			return false;
	return true;
}

int64_t lt_crypto_pseudonym_lookup(const unsigned char key[LT_CRYPTO_DATA_KEY_BYTES],
                                   const char *text, size_t len)
{
	unsigned char k[LT_CRYPTO_DATA_KEY_BYTES], h[16];
	uint64_t v = 0;
	pseudo_subkey(key, PSEUDO_LOOKUP, k);
	lt_crypto_keyed_hash(h, sizeof(h), k, "LTPL1", 5, text, len);
	for (int i = 0; i < 8; i++)
		v = (v << 8) | h[i];
	sodium_memzero(k, sizeof(k));
	sodium_memzero(h, sizeof(h));
	v &= (uint64_t)INT64_MAX;
	return v ? (int64_t)v : 1;
}
