/*
 * crypto_password.c — argon2id password hashes behind a two-slot limit, and
 * API tokens. Part of the crypto module: only src/crypto/ includes
 * <sodium.h>.
 *
 * The limit. argon2id at the interactive limits takes 64 MiB and tens of
 * milliseconds of one core per hash, by design. Unbounded, a burst of
 * logins would take every core and gigabytes; so every hash and every
 * verification first takes one of LT_PASSWORD_HASHES_AT_ONCE slots of a
 * counting semaphore (a mutex, a condition variable and a count), waiting
 * while none is free, and gives it back when done. Other work — reads,
 * reports — never waits on this semaphore. The counters running, waiting
 * and peak are kept under the same mutex for lt_crypto_pwhash_stats.
 *
 * Tokens. 32 bytes from the operating system's random source, encoded as
 * unpadded base64url after the prefix "lt_" (which also lets secret
 * scanners recognise a leaked token). The stored hash is BLAKE2b-256 keyed
 * with a constant that says what is hashed, so the hash of a token can be
 * confused with no other hash lantern stores.
 */
#include "crypto/crypto.h"

#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "core/bug.h"
#include "core/banned.h"

_Static_assert(LT_PASSWORD_HASH_MAX == crypto_pwhash_STRBYTES, "argon2 hash string size");
_Static_assert(LT_CRYPTO_TOKEN_CHARS == 3 + 43, "token size");

#define TOKEN_PREFIX       "lt_"
#define TOKEN_RANDOM_BYTES 32

static const unsigned char token_hash_key[] = "lantern api token hash, v1";

static struct {
	pthread_mutex_t lock;
	pthread_cond_t free_slot;
	unsigned running, waiting, peak;
	void (*hook)(void *);
	void *hook_arg;
} slots = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, NULL, NULL};

static void slot_take(void)
{
	void (*hook)(void *);
	void *arg;
	LT_ASSERT(pthread_mutex_lock(&slots.lock) == 0);
	slots.waiting++;
	while (slots.running >= LT_PASSWORD_HASHES_AT_ONCE)
		LT_ASSERT(pthread_cond_wait(&slots.free_slot, &slots.lock) == 0);
	slots.waiting--;
	slots.running++;
	if (slots.running > slots.peak)
		slots.peak = slots.running;
	hook = slots.hook;
	arg = slots.hook_arg;
	LT_ASSERT(pthread_mutex_unlock(&slots.lock) == 0);
	if (hook)
		hook(arg);
}

static void slot_give(void)
{
	LT_ASSERT(pthread_mutex_lock(&slots.lock) == 0);
	LT_ASSERT(slots.running > 0);
	slots.running--;
	LT_ASSERT(pthread_cond_signal(&slots.free_slot) == 0);
	LT_ASSERT(pthread_mutex_unlock(&slots.lock) == 0);
}

void lt_crypto_pwhash_stats(struct lt_crypto_pwhash_stats *out)
{
	LT_ASSERT(pthread_mutex_lock(&slots.lock) == 0);
	out->running = slots.running;
	out->waiting = slots.waiting;
	out->peak = slots.peak;
	LT_ASSERT(pthread_mutex_unlock(&slots.lock) == 0);
}

void lt_crypto_pwhash_test_hook(void (*fn)(void *), void *arg)
{
	LT_ASSERT(pthread_mutex_lock(&slots.lock) == 0);
	slots.hook = fn;
	slots.hook_arg = arg;
	LT_ASSERT(pthread_mutex_unlock(&slots.lock) == 0);
}

lt_status lt_crypto_password_hash(const char *pw, size_t len, char out[LT_PASSWORD_HASH_MAX])
{
	int rc;
	slot_take();
	rc = crypto_pwhash_str_alg(
	    out, pw, (unsigned long long)len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
	slot_give();
	if (rc != 0) {
		/* libsodium fails here only when the memory cannot be had. */
		out[0] = '\0';
		return LT_ENOMEM;
	}
	return LT_OK;
}

static bool argon2_string(const char *hash)
{
	size_t n = strnlen(hash, LT_PASSWORD_HASH_MAX);
	return n < LT_PASSWORD_HASH_MAX &&
	       (strncmp(hash, "$argon2id$", 10) == 0 || strncmp(hash, "$argon2i$", 9) == 0);
}

lt_status lt_crypto_password_verify(const char *hash, const char *pw, size_t len)
{
	int rc;
	if (!argon2_string(hash))
		return LT_EINVAL;
	slot_take();
	rc = crypto_pwhash_str_verify(hash, pw, (unsigned long long)len);
	slot_give();
	return rc == 0 ? LT_OK : LT_EAUTH;
}

static char none_hash[LT_PASSWORD_HASH_MAX];
static pthread_once_t none_once = PTHREAD_ONCE_INIT;

static void none_init(void)
{
	unsigned char pw[32];
	randombytes_buf(pw, sizeof(pw));
	if (lt_crypto_password_hash((const char *)pw, sizeof(pw), none_hash) != LT_OK)
		none_hash[0] = '\0';
	sodium_memzero(pw, sizeof(pw));
}

lt_status lt_crypto_password_verify_none(const char *pw, size_t len)
{
	LT_ASSERT(pthread_once(&none_once, none_init) == 0);
	if (none_hash[0])
		(void)lt_crypto_password_verify(none_hash, pw, len);
	return LT_EAUTH;
}

bool lt_crypto_password_needs_rehash(const char *hash)
{
	if (!argon2_string(hash))
		return true;
	return crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

void lt_crypto_token_new(char out[LT_CRYPTO_TOKEN_SIZE])
{
	unsigned char raw[TOKEN_RANDOM_BYTES];
	randombytes_buf(raw, sizeof(raw));
	memcpy(out, TOKEN_PREFIX, 3);
	sodium_bin2base64(out + 3, LT_CRYPTO_TOKEN_SIZE - 3, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	LT_ASSERT(strlen(out) == LT_CRYPTO_TOKEN_CHARS);
}

bool lt_crypto_token_well_formed(const char *tok, size_t len)
{
	if (len != LT_CRYPTO_TOKEN_CHARS || memcmp(tok, TOKEN_PREFIX, 3) != 0)
		return false;
	for (size_t i = 3; i < len; i++) {
		char c = tok[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	/* 43 characters carry 258 bits: the last must leave the spare two 0. */
	unsigned char raw[TOKEN_RANDOM_BYTES];
	size_t n = 0;
	int ok = sodium_base642bin(raw, sizeof(raw), tok + 3, len - 3, NULL, &n, NULL,
	                           sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
	         n == sizeof(raw);
	sodium_memzero(raw, sizeof(raw));
	return ok;
}

void lt_crypto_token_hash(const char *tok, size_t len,
                          unsigned char out[LT_CRYPTO_TOKEN_HASH_BYTES])
{
	crypto_generichash(out, LT_CRYPTO_TOKEN_HASH_BYTES, (const unsigned char *)tok, len,
	                   token_hash_key, sizeof(token_hash_key) - 1);
}
