/*
 * test_crypto_session.c — the secrets of web sign-in (crypto_session.c):
 * session ids and their one canonical spelling, the stored hash, derived
 * CSRF tokens, keyed MACs with domain separation, constant-time equality
 * and base64url round trips, with BLAKE2b golden values computed
 * independently (Python's hashlib.blake2b with the same key and input).
 */
#include "testutil.h"

#include "crypto/crypto.h"

#include "core/banned.h"

static void hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static void test_secret_round_trip(void **state)
{
	unsigned char raw[LT_CRYPTO_SECRET_BYTES], back[LT_CRYPTO_SECRET_BYTES];
	char text[LT_CRYPTO_SECRET_SIZE], other[LT_CRYPTO_SECRET_SIZE];
	assert_int_equal(lt_crypto_init(), LT_OK);
	lt_crypto_secret_new(raw, text);
	assert_int_equal(strlen(text), LT_CRYPTO_SECRET_CHARS);
	assert_true(lt_crypto_secret_parse(text, strlen(text), back));
	assert_memory_equal(raw, back, sizeof(raw));
	/* Two secrets differ. */
	lt_crypto_secret_new(back, other);
	assert_string_not_equal(text, other);
	for (size_t i = 0; i < LT_CRYPTO_SECRET_CHARS; i++) {
		char c = text[i];
		assert_true((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		            (c >= '0' && c <= '9') || c == '-' || c == '_');
	}
}

/* Only the canonical 43 characters parse: not shorter, longer, padded,
 * standard base64, with spare bits set, or with anything around them. */
static void test_secret_parse_refuses(void **state)
{
	unsigned char raw[LT_CRYPTO_SECRET_BYTES];
	char text[LT_CRYPTO_SECRET_SIZE], bad[LT_CRYPTO_SECRET_SIZE + 8];
	lt_crypto_secret_new(raw, text);

	assert_false(lt_crypto_secret_parse(text, LT_CRYPTO_SECRET_CHARS - 1, raw));
	snprintf(bad, sizeof(bad), "%s=", text);
	assert_false(lt_crypto_secret_parse(bad, strlen(bad), raw));
	snprintf(bad, sizeof(bad), " %s", text);
	assert_false(lt_crypto_secret_parse(bad, strlen(bad), raw));
	assert_false(lt_crypto_secret_parse("", 0, raw));
	snprintf(bad, sizeof(bad), "%s", text);
	bad[5] = '+';
	assert_false(lt_crypto_secret_parse(bad, strlen(bad), raw));
	bad[5] = '\0';
	assert_false(lt_crypto_secret_parse(bad, LT_CRYPTO_SECRET_CHARS, raw));

	/* 32 zero bytes are 42 'A' and a last character carrying 4 data bits
	 * and 2 spare bits: "A" is canonical, "B" (a spare bit set) is not. */
	char zeros[LT_CRYPTO_SECRET_SIZE];
	memset(zeros, 'A', LT_CRYPTO_SECRET_CHARS);
	zeros[LT_CRYPTO_SECRET_CHARS] = '\0';
	assert_true(lt_crypto_secret_parse(zeros, LT_CRYPTO_SECRET_CHARS, raw));
	for (size_t i = 0; i < sizeof(raw); i++)
		assert_int_equal(raw[i], 0);
	zeros[LT_CRYPTO_SECRET_CHARS - 1] = 'B';
	assert_false(lt_crypto_secret_parse(zeros, LT_CRYPTO_SECRET_CHARS, raw));
	zeros[LT_CRYPTO_SECRET_CHARS - 1] = 'E'; /* 000100: the lowest data bit */
	assert_true(lt_crypto_secret_parse(zeros, LT_CRYPTO_SECRET_CHARS, raw));
	assert_int_equal(raw[31], 0x01);
}

/* Golden values: hashlib.blake2b(data, digest_size=32, key=...) in Python. */
static void test_hash_and_csrf_golden(void **state)
{
	unsigned char raw[LT_CRYPTO_SECRET_BYTES], h[LT_CRYPTO_HASH_BYTES];
	char text[LT_CRYPTO_SECRET_SIZE], hx[2 * LT_CRYPTO_HASH_BYTES + 1];
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)i;

	/* blake2b(bytes(range(32)), key=b"lantern session id hash, v1") */
	lt_crypto_session_hash(raw, h);
	hex(h, sizeof(h), hx);
	assert_string_equal(hx, "787e1a47a296ef098acd8eb972670c4a871252e22967e26cc6e719e33d333fa6");

	/* blake2b(b"lantern csrf token, v1\0", key=bytes(range(32))), base64url */
	lt_crypto_csrf_token(raw, text);
	assert_string_equal(text, "SrEvoL6KoZBebpizKszoaqeVQ8ORQRwUz2gFZCu0Guc");

	/* The CSRF token is not the session's hash, nor its id. */
	lt_crypto_secret_new(raw, text);
	char csrf[LT_CRYPTO_SECRET_SIZE];
	lt_crypto_csrf_token(raw, csrf);
	assert_string_not_equal(csrf, text);
}

static void test_mac_domains(void **state)
{
	unsigned char key[LT_CRYPTO_SECRET_BYTES], a[LT_CRYPTO_MAC_BYTES], b[LT_CRYPTO_MAC_BYTES];
	char hx[2 * LT_CRYPTO_MAC_BYTES + 1];
	memset(key, 7, sizeof(key));
	/* blake2b(b"report\0" + b"abc", key=bytes([7]*32)) */
	lt_crypto_mac(a, key, "report", "abc", 3);
	hex(a, sizeof(a), hx);
	assert_string_equal(hx, "6dcc15d0ab57fca49c0f70c3466782ab33cde608f5c8d9012152ad6baf5e1edc");
	/* Another domain, the same message: another MAC. The domain's NUL
	 * keeps "repor" + "tabc" apart from "report" + "abc". */
	lt_crypto_mac(b, key, "login", "abc", 3);
	assert_false(lt_crypto_equal(a, b, sizeof(a)));
	lt_crypto_mac(b, key, "repor", "tabc", 4);
	assert_false(lt_crypto_equal(a, b, sizeof(a)));
	/* Another key. */
	key[0] ^= 1;
	lt_crypto_mac(b, key, "report", "abc", 3);
	assert_false(lt_crypto_equal(a, b, sizeof(a)));
	key[0] ^= 1;
	lt_crypto_mac(b, key, "report", "abc", 3);
	assert_true(lt_crypto_equal(a, b, sizeof(a)));
	/* No message at all. */
	lt_crypto_mac(b, key, "report", NULL, 0);
	assert_false(lt_crypto_equal(a, b, sizeof(a)));
}

static void test_base64url(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
	    {"", ""},       {"f", "Zg"},       {"fo", "Zm8"},
	    {"foo", "Zm9v"}, {"\xfb\xff", "-_8"}, {"\xff\xff\xff", "____"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[16];
		unsigned char back[8];
		size_t n = strlen(cases[i].in);
		assert_int_equal(lt_crypto_base64url(out, sizeof(out), cases[i].in, n),
		                 strlen(cases[i].out));
		assert_string_equal(out, cases[i].out);
		if (n) {
			assert_true(
			    lt_crypto_base64url_decode(back, n, cases[i].out, strlen(cases[i].out)));
			assert_memory_equal(back, cases[i].in, n);
		}
	}
	char small[4];
	assert_int_equal(lt_crypto_base64url(small, sizeof(small), "foo", 3), 0);
	unsigned char two[2];
	assert_false(lt_crypto_base64url_decode(two, 2, "-_9", 3)); /* spare bits set */
	assert_false(lt_crypto_base64url_decode(two, 2, "+/8", 3)); /* standard alphabet */
	assert_false(lt_crypto_base64url_decode(two, 2, "-_8=", 4));
}

static void test_equal(void **state)
{
	assert_true(lt_crypto_equal("abcdef", "abcdef", 6));
	assert_false(lt_crypto_equal("abcdef", "abcdeg", 6));
	assert_false(lt_crypto_equal("xbcdef", "abcdef", 6));
	assert_true(lt_crypto_equal("a", "b", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_secret_round_trip),   cmocka_unit_test(test_secret_parse_refuses),
	    cmocka_unit_test(test_hash_and_csrf_golden), cmocka_unit_test(test_mac_domains),
	    cmocka_unit_test(test_base64url),           cmocka_unit_test(test_equal),
	};
	return cmocka_run_group_tests_name("crypto_session", tests, NULL, NULL);
}
