/*
 * crypto_session.c — the secrets of web sign-in: session ids, their stored
 * hashes, the CSRF tokens derived from them, keyed MACs for signed form
 * tokens, constant-time comparison and base64url. Part of the crypto module:
 * only src/crypto/ includes <sodium.h>.
 *
 * A *secret* is LT_CRYPTO_SECRET_BYTES (32) bytes from the operating
 * system's random source — 256 bits, beyond guessing — written as 43
 * unpadded base64url characters wherever it travels as text (a cookie). The
 * text form is canonical: the two spare bits of the last character must be
 * zero, so one secret has exactly one spelling and a cookie that differs
 * from the one issued in any character is another secret.
 *
 * Stored form. The store never holds a session id, only
 * BLAKE2b-256(key = "lantern session id hash, v1", id): a copy of the
 * database gives no usable session. A slow hash would add nothing, since
 * the id has 256 bits of entropy; the fixed key only separates this hash
 * from every other hash lantern computes.
 *
 * CSRF tokens are derived, not stored: BLAKE2b-256 keyed with the session
 * id itself over the domain string "lantern csrf token, v1". Whoever holds
 * the session cookie can compute it (the server, on every request); whoever
 * sees the token — it is written into pages — learns nothing about the id.
 *
 * lt_crypto_mac is BLAKE2b-256 keyed with a 32-byte key over
 * domain || 0x00 || message: a MAC (BLAKE2b is a PRF when keyed) whose
 * domain string keeps MACs made for one purpose from being accepted for
 * another. lt_crypto_equal compares in time independent of the contents
 * (sodium_memcmp), for every comparison of a token with what it should be.
 */
#include "crypto/crypto.h"

#include <string.h>

#include <sodium.h>

#include "core/bug.h"
#include "core/banned.h"

_Static_assert(LT_CRYPTO_SECRET_CHARS == 43, "base64url of 32 bytes, unpadded");
_Static_assert(LT_CRYPTO_MAC_BYTES == 32 && LT_CRYPTO_SECRET_BYTES == 32, "BLAKE2b-256 sizes");

static const unsigned char session_hash_key[] = "lantern session id hash, v1";
static const char csrf_domain[] = "lantern csrf token, v1";

size_t lt_crypto_base64url(char *out, size_t cap, const void *in, size_t n)
{
	size_t need = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (cap < need)
		return 0;
	sodium_bin2base64(out, cap, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return strlen(out);
}

bool lt_crypto_base64url_decode(void *out, size_t n, const char *text, size_t len)
{
	size_t got = 0;
	const char *end = NULL;
	char again[512];

	/* Only the canonical spelling: exactly the characters n bytes need. */
	if (len != sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1 ||
	    len >= sizeof(again))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	if (sodium_base642bin(out, n, text, len, NULL, &got, &end,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    got != n || end != text + len) {
		sodium_memzero(out, n);
		return false;
	}
	/* Spare bits must be zero: re-encoding gives the text back. */
	sodium_bin2base64(again, sizeof(again), out, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	bool same = memcmp(again, text, len) == 0;
	sodium_memzero(again, sizeof(again));
	if (!same)
		sodium_memzero(out, n);
	return same;
}

void lt_crypto_secret_new(unsigned char raw[LT_CRYPTO_SECRET_BYTES],
                          char text[LT_CRYPTO_SECRET_SIZE])
{
	randombytes_buf(raw, LT_CRYPTO_SECRET_BYTES);
	LT_ASSERT(lt_crypto_base64url(text, LT_CRYPTO_SECRET_SIZE, raw, LT_CRYPTO_SECRET_BYTES) ==
	          LT_CRYPTO_SECRET_CHARS);
}

bool lt_crypto_secret_parse(const char *text, size_t len, unsigned char raw[LT_CRYPTO_SECRET_BYTES])
{
	return lt_crypto_base64url_decode(raw, LT_CRYPTO_SECRET_BYTES, text, len);
}

void lt_crypto_session_hash(const unsigned char raw[LT_CRYPTO_SECRET_BYTES],
                            unsigned char out[LT_CRYPTO_HASH_BYTES])
{
	crypto_generichash(out, LT_CRYPTO_HASH_BYTES, raw, LT_CRYPTO_SECRET_BYTES, session_hash_key,
	                   sizeof(session_hash_key) - 1);
}

void lt_crypto_mac(unsigned char out[LT_CRYPTO_MAC_BYTES],
                   const unsigned char key[LT_CRYPTO_SECRET_BYTES], const char *domain,
                   const void *msg, size_t len)
{
	crypto_generichash_state st;
	LT_ASSERT(domain && domain[0]);
	crypto_generichash_init(&st, key, LT_CRYPTO_SECRET_BYTES, LT_CRYPTO_MAC_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
	if (len)
		crypto_generichash_update(&st, msg, len);
	crypto_generichash_final(&st, out, LT_CRYPTO_MAC_BYTES);
	sodium_memzero(&st, sizeof(st));
}

void lt_crypto_csrf_token(const unsigned char raw[LT_CRYPTO_SECRET_BYTES],
                          char text[LT_CRYPTO_SECRET_SIZE])
{
	unsigned char mac[LT_CRYPTO_MAC_BYTES];
	lt_crypto_mac(mac, raw, csrf_domain, NULL, 0);
	LT_ASSERT(lt_crypto_base64url(text, LT_CRYPTO_SECRET_SIZE, mac, sizeof(mac)) ==
	          LT_CRYPTO_SECRET_CHARS);
	sodium_memzero(mac, sizeof(mac));
}

bool lt_crypto_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}
