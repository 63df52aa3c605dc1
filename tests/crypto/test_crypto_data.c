/*
 * test_crypto_data.c — unit tests of src/crypto/crypto_data.c: the data key
 * file, derived keys, XChaCha20-Poly1305 sealing and keyed BLAKE2b.
 *
 * What matters: the key file is private (0600), never created over an
 * existing one, replaced atomically and read strictly (a malformed line is
 * named, never half-read); a sealed blob opens only with its key and its
 * associated data, and not after any byte of it changed; derived keys
 * differ by purpose and by master key; the libsodium primitives agree with
 * their published test vectors, so nothing here is a home-made cipher.
 */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"

#include "core/banned.h"

static int setup(void **state)
{
	(void)state;
	return lt_crypto_init() == LT_OK ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i])
			return 0;
	return 1;
}

static void hex_decode(const char *hex, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

static void test_keyring_create_read(void **state)
{
	(void)state;
	const char *path = test_tmp_path("data-create.key");
	struct lt_crypto_keyring kr;
	struct lt_error e = {0};
	struct stat sb;

	assert_int_equal(lt_crypto_keyring_create(path, 1, &e), LT_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* never over an existing file */
	assert_int_equal(lt_crypto_keyring_create(path, 1, &e), LT_EEXIST);
	assert_int_equal(lt_crypto_keyring_read(path, &kr, &e), LT_OK);
	assert_int_equal(kr.n, 1);
	assert_int_equal(kr.keys[0].id, 1);
	assert_false(all_zero(kr.keys[0].key, sizeof(kr.keys[0].key)));
	assert_ptr_equal(lt_crypto_keyring_current(&kr), &kr.keys[0]);
	assert_ptr_equal(lt_crypto_keyring_find(&kr, 1), &kr.keys[0]);
	assert_null(lt_crypto_keyring_find(&kr, 2));

	/* add, write, read back: two keys, the newer current */
	unsigned char first[LT_CRYPTO_DATA_KEY_BYTES];
	memcpy(first, kr.keys[0].key, sizeof(first));
	assert_int_equal(lt_crypto_keyring_add(&kr, &e), LT_OK);
	assert_int_equal(kr.n, 2);
	assert_int_equal(kr.keys[1].id, 2);
	assert_memory_not_equal(kr.keys[1].key, first, sizeof(first));
	assert_int_equal(lt_crypto_keyring_write(path, &kr, &e), LT_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	struct lt_crypto_keyring back;
	assert_int_equal(lt_crypto_keyring_read(path, &back, &e), LT_OK);
	assert_int_equal(back.n, 2);
	assert_memory_equal(back.keys[0].key, first, sizeof(first));
	assert_memory_equal(back.keys[1].key, kr.keys[1].key, sizeof(first));
	assert_int_equal(lt_crypto_keyring_current(&back)->id, 2);

	/* keep only the current key */
	lt_crypto_keyring_keep_current(&back);
	assert_int_equal(back.n, 1);
	assert_int_equal(back.keys[0].id, 2);
	assert_memory_equal(back.keys[0].key, kr.keys[1].key, sizeof(first));
	assert_true(all_zero(&back.keys[1], sizeof(back.keys[1])));

	/* a stale .new file from a crash does not stop a write */
	char tmp[1100];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	write_file(tmp, "half a key file");
	assert_int_equal(lt_crypto_keyring_write(path, &back, &e), LT_OK);
	assert_int_not_equal(access(tmp, F_OK), 0);
	assert_int_equal(lt_crypto_keyring_read(path, &kr, &e), LT_OK);
	assert_int_equal(kr.n, 1);
	assert_int_equal(kr.keys[0].id, 2);

	/* the ring fills up */
	for (int i = 1; i < LT_CRYPTO_KEYRING_MAX; i++)
		assert_int_equal(lt_crypto_keyring_add(&kr, &e), LT_OK);
	assert_int_equal(lt_crypto_keyring_add(&kr, &e), LT_ETOOBIG);

	lt_crypto_keyring_wipe(&kr);
	assert_true(all_zero(&kr, sizeof(kr)));
	lt_crypto_keyring_wipe(&back);
	assert_int_equal(lt_crypto_keyring_read(test_tmp_path("no-such.key"), &kr, &e),
	                 LT_ENOTFOUND);
}

/* Copy `pattern` into `out`, replacing each "%s" with `key`. */
static void fill(char *out, size_t cap, const char *pattern, const char *key)
{
	size_t n = 0;
	for (const char *p = pattern; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			assert_true(n + strlen(key) < cap);
			memcpy(out + n, key, strlen(key));
			n += strlen(key);
			p++;
		} else {
			assert_true(n + 1 < cap);
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

static void test_keyring_malformed(void **state)
{
	(void)state;
	static const char key64[] =
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	char good[512], text[1024];
	struct {
		const char *text; /* %s: a good key's hex */
		const char *want; /* in the message */
	} cases[] = {
	    {"", "holds no 'data-key:' line"},
	    {"# only a comment\n\n", "holds no 'data-key:' line"},
	    {"data-key: 1 %s\nsecret: x\n", ":2: not a 'data-key: ID HEX' line"},
	    {"data-key: %s\n", ":1: not a"},
	    {"data-key: 0 %s\n", ":1: not a"},
	    {"data-key: 1 0001\n", ":1: not a"},
	    {"data-key: 1 %s junk\n", ":1: not a"},
	    {"data-key: 99999999999 %s\n", ":1: not a"},
	    {"data-key: 2 %s\ndata-key: 1 %s\n", ":2: key ids must ascend"},
	    {"data-key: 1 %s\ndata-key: 1 %s\n", ":2: key ids must ascend"},
	    {"data-key: 1 %s\ndata-key: 2 %s\ndata-key: 3 %s\ndata-key: 4 %s\ndata-key: 5 %s\n",
	     ":5: more than 4 keys"},
	    {"public: %s\nsecret: %s\n", ":1: not a 'data-key: ID HEX' line (is it the data key"},
	};
	const char *path = test_tmp_path("data-bad.key");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lt_crypto_keyring kr;
		struct lt_error e = {0};
		fill(text, sizeof(text), cases[i].text, key64);
		write_file(path, text);
		lt_status st = lt_crypto_keyring_read(path, &kr, &e);
		if (st != LT_EINVAL || !strstr(e.message, cases[i].want))
			fail_msg("case %zu: got %d '%s', want invalid with '%s'", i, st, e.message,
			         cases[i].want);
		assert_string_equal(e.field, "data-key");
		assert_true(all_zero(&kr, sizeof(kr)));
	}
	/* comments, blank lines and CRLF are fine */
	fill(good, sizeof(good), "# a comment\r\n\r\ndata-key: 7 %s\r\n", key64);
	write_file(path, good);
	struct lt_crypto_keyring kr;
	struct lt_error e = {0};
	assert_int_equal(lt_crypto_keyring_read(path, &kr, &e), LT_OK);
	assert_int_equal(kr.n, 1);
	assert_int_equal(kr.keys[0].id, 7);
	assert_int_equal(kr.keys[0].key[31], 0x1f);
	lt_crypto_keyring_wipe(&kr);
}

/* draft-irtf-cfrg-xchacha-03, appendix A.3.1: the AEAD_XChaCha20_Poly1305
 * test vector, so the primitive is the published one. */
static void test_aead_vector(void **state)
{
	(void)state;
	static const char plaintext[] =
	    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
	    "future, sunscreen would be it.";
	unsigned char key[32], ad[12], nonce[24], tag[16];
	hex_decode("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", key, 32);
	hex_decode("50515253c0c1c2c3c4c5c6c7", ad, 12);
	hex_decode("404142434445464748494a4b4c4d4e4f5051525354555657", nonce, 24);
	hex_decode("c0875924c1c7987947deafd8780acf49", tag, 16);

	/* A round trip first: lt_crypto_aead_seal draws its nonce at random,
	 * so its output cannot be compared with the vector. */
	size_t n = sizeof(plaintext) - 1;
	unsigned char *blob = NULL, *out = NULL;
	size_t blen = 0, olen = 0;
	assert_int_equal(lt_crypto_aead_seal(key, ad, sizeof(ad), plaintext, n, &blob, &blen),
	                 LT_OK);
	assert_int_equal(blen, n + LT_CRYPTO_AEAD_OVERHEAD);
	assert_int_equal(lt_crypto_aead_open(key, ad, sizeof(ad), blob, blen, &out, &olen), LT_OK);
	assert_int_equal(olen, n);
	assert_memory_equal(out, plaintext, n);
	lt_crypto_free_secret(out, olen);

	/* The vector itself, as the blob lt_crypto_aead_seal would have made
	 * with the vector's nonce: nonce || ciphertext || tag. */
	static const char ct_hex[] =
	    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
	    "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
	    "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
	    "21f9664c97637da9768812f615c68b13b52e";
	unsigned char vec[24 + 114 + 16];
	assert_int_equal(n, 114);
	memcpy(vec, nonce, 24);
	hex_decode(ct_hex, vec + 24, 114);
	memcpy(vec + 24 + 114, tag, 16);
	assert_int_equal(lt_crypto_aead_open(key, ad, sizeof(ad), vec, sizeof(vec), &out, &olen),
	                 LT_OK);
	assert_int_equal(olen, 114);
	assert_memory_equal(out, plaintext, 114);
	lt_crypto_free_secret(out, olen);
	free(blob);
}

static void test_aead_tamper(void **state)
{
	(void)state;
	unsigned char key[32], other[32];
	lt_crypto_random(key, sizeof(key));
	lt_crypto_random(other, sizeof(other));
	static const char msg[] = "María José García, 1987-03-14";
	static const char ad[] = "person 1, key 1";
	static const char ad2[] = "person 2, key 1";
	unsigned char *blob = NULL, *blob2 = NULL, *out = NULL;
	size_t blen = 0, blen2 = 0, olen = 0;

	assert_int_equal(lt_crypto_aead_seal(key, ad, strlen(ad), msg, strlen(msg), &blob, &blen),
	                 LT_OK);
	/* the plaintext is not in the blob */
	for (size_t i = 0; i + 5 <= blen; i++)
		assert_false(memcmp(blob + i, "María", 5) == 0);
	/* two seals of the same message differ (random nonces) */
	assert_int_equal(lt_crypto_aead_seal(key, ad, strlen(ad), msg, strlen(msg), &blob2, &blen2),
	                 LT_OK);
	assert_int_equal(blen, blen2);
	assert_memory_not_equal(blob, blob2, blen);

	/* wrong key, wrong associated data */
	assert_int_equal(lt_crypto_aead_open(other, ad, strlen(ad), blob, blen, &out, &olen),
	                 LT_ECRYPTO);
	assert_null(out);
	assert_int_equal(lt_crypto_aead_open(key, ad2, strlen(ad2), blob, blen, &out, &olen),
	                 LT_ECRYPTO);
	/* every single flipped bit anywhere, and every truncation */
	for (size_t i = 0; i < blen; i++) {
		for (int b = 0; b < 8; b++) {
			blob[i] ^= (unsigned char)(1u << b);
			if (lt_crypto_aead_open(key, ad, strlen(ad), blob, blen, &out, &olen) !=
			    LT_ECRYPTO)
				fail_msg("byte %zu bit %d flipped and it still opened", i, b);
			blob[i] ^= (unsigned char)(1u << b);
		}
	}
	for (size_t len = 0; len < blen; len++)
		assert_int_equal(lt_crypto_aead_open(key, ad, strlen(ad), blob, len, &out, &olen),
		                 LT_ECRYPTO);
	/* and untouched it opens */
	assert_int_equal(lt_crypto_aead_open(key, ad, strlen(ad), blob, blen, &out, &olen), LT_OK);
	assert_string_equal((char *)out, msg);
	lt_crypto_free_secret(out, olen);

	/* an empty message seals too */
	free(blob);
	assert_int_equal(lt_crypto_aead_seal(key, "", 0, "", 0, &blob, &blen), LT_OK);
	assert_int_equal(blen, LT_CRYPTO_AEAD_OVERHEAD);
	assert_int_equal(lt_crypto_aead_open(key, "", 0, blob, blen, &out, &olen), LT_OK);
	assert_int_equal(olen, 0);
	assert_string_equal((char *)out, "");
	lt_crypto_free_secret(out, olen);
	free(blob);
	free(blob2);
}

static void test_subkeys_and_hash(void **state)
{
	(void)state;
	struct lt_crypto_data_key a = {1, {0}}, b = {2, {0}};
	unsigned char wa[32], ia[32], ca[32], wb[32], ib[32];
	unsigned char cka[LT_CRYPTO_KEY_CHECK_BYTES], ckb[LT_CRYPTO_KEY_CHECK_BYTES];
	unsigned char cka2[LT_CRYPTO_KEY_CHECK_BYTES];
	lt_crypto_random(a.key, sizeof(a.key));
	lt_crypto_random(b.key, sizeof(b.key));

	lt_crypto_subkey(&a, LT_CRYPTO_SUBKEY_WRAP, wa);
	lt_crypto_subkey(&a, LT_CRYPTO_SUBKEY_INDEX, ia);
	lt_crypto_subkey(&a, LT_CRYPTO_SUBKEY_CHECK, ca);
	lt_crypto_subkey(&b, LT_CRYPTO_SUBKEY_WRAP, wb);
	lt_crypto_subkey(&b, LT_CRYPTO_SUBKEY_INDEX, ib);
	/* every purpose and every master key gives another key, none the master */
	assert_memory_not_equal(wa, ia, 32);
	assert_memory_not_equal(wa, ca, 32);
	assert_memory_not_equal(ia, ca, 32);
	assert_memory_not_equal(wa, wb, 32);
	assert_memory_not_equal(ia, ib, 32);
	assert_memory_not_equal(wa, a.key, 32);
	/* and the same inputs the same key */
	unsigned char again[32];
	lt_crypto_subkey(&a, LT_CRYPTO_SUBKEY_INDEX, again);
	assert_memory_equal(again, ia, 32);

	lt_crypto_key_check(&a, cka);
	lt_crypto_key_check(&a, cka2);
	lt_crypto_key_check(&b, ckb);
	assert_memory_equal(cka, cka2, sizeof(cka));
	assert_memory_not_equal(cka, ckb, sizeof(cka));
	/* the same key under another id has another check value */
	struct lt_crypto_data_key a3 = a;
	a3.id = 3;
	lt_crypto_key_check(&a3, cka2);
	assert_memory_not_equal(cka, cka2, sizeof(cka));

	/* keyed BLAKE2b: RFC 7693 / libsodium's test vector for a 64-byte
	 * keyed hash of the empty message cannot be had with a 32-byte key, so
	 * check the defining property instead: the parts are concatenated, the
	 * key matters, and the output length is part of the hash. */
	unsigned char h1[16], h2[16], h3[16], h32[32];
	lt_crypto_keyed_hash(h1, 16, ia, "jose", 4, "garcia", 6);
	lt_crypto_keyed_hash(h2, 16, ia, "josegarcia", 10, NULL, 0);
	lt_crypto_keyed_hash(h3, 16, ib, "josegarcia", 10, NULL, 0);
	lt_crypto_keyed_hash(h32, 32, ia, "josegarcia", 10, NULL, 0);
	assert_memory_equal(h1, h2, 16);
	assert_memory_not_equal(h2, h3, 16);
	assert_memory_not_equal(h2, h32, 16);
	lt_crypto_wipe(&a, sizeof(a));
	lt_crypto_wipe(&b, sizeof(b));
}

/*
 * Pseudonyms. The vectors were computed apart from libsodium, with Python's
 * hashlib (BLAKE2b with key, salt and personalisation, which is what
 * crypto_kdf_derive_from_key is):
 *   sub(i) = blake2b(b"", key=S, salt=le64(i) + 8 zero bytes,
 *                    person=b"ltpseu01" + 8 zero bytes, digest_size=32)
 *   pseudonym = "P-" + base32(blake2b(b"LTPN1" + be64(id), key=sub(1),
 *                                     digest_size=16)[:10])
 *   lookup = be64(blake2b(b"LTPL1" + pseudonym, key=sub(2),
 *                         digest_size=16)[:8]) & (2^63 - 1)
 * with S = bytes 0, 1, ..., 31.
 */
static void test_pseudonyms(void **state)
{
	(void)state;
	unsigned char k[LT_CRYPTO_DATA_KEY_BYTES], k2[LT_CRYPTO_DATA_KEY_BYTES];
	char p[LT_CRYPTO_PSEUDONYM_SIZE], q[LT_CRYPTO_PSEUDONYM_SIZE];
	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (unsigned char)i;

	lt_crypto_pseudonym(k, 1, p);
	assert_string_equal(p, "P-I75X5IBOO3AFRSUH");
	assert_true(lt_crypto_pseudonym_lookup(k, p, strlen(p)) == 8379042778799429465LL);
	lt_crypto_pseudonym(k, 42, p);
	assert_string_equal(p, "P-B2YMVLY67MSMCWZQ");
	assert_true(lt_crypto_pseudonym_lookup(k, p, strlen(p)) == 1025860037480659177LL);

	/* the same id under the same key, always; another key, another pseudonym */
	lt_crypto_pseudonym(k, 42, q);
	assert_string_equal(p, q);
	memcpy(k2, k, sizeof(k2));
	k2[0] ^= 1;
	lt_crypto_pseudonym(k2, 42, q);
	assert_string_not_equal(p, q);
	assert_true(lt_crypto_pseudonym_lookup(k2, p, strlen(p)) !=
	            lt_crypto_pseudonym_lookup(k, p, strlen(p)));

	/* 4,096 ids, 4,096 well-formed pseudonyms and lookups, no two alike */
	enum { N = 4096 };
	static char all[N][LT_CRYPTO_PSEUDONYM_SIZE];
	static int64_t look[N];
	for (int64_t id = 1; id <= N; id++) {
		lt_crypto_pseudonym(k, id, all[id - 1]);
		assert_true(lt_crypto_pseudonym_well_formed(all[id - 1], strlen(all[id - 1])));
		look[id - 1] = lt_crypto_pseudonym_lookup(k, all[id - 1], strlen(all[id - 1]));
		assert_true(look[id - 1] > 0);
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < i; j++) {
			if (strcmp(all[i], all[j]) == 0 || look[i] == look[j])
				fail_msg("ids %d and %d: %s and %s", i + 1, j + 1, all[i], all[j]);
		}

	/* the form, and nothing else */
	const char *bad[] = {"", "P-", "P-I75X5IBOO3AFRSU", "P-I75X5IBOO3AFRSUHH",
	                     "p-I75X5IBOO3AFRSUH", "P-i75x5iboo3afrsuh", "P-I75X5IBOO3AFRSU1",
	                     "Q-I75X5IBOO3AFRSUH", "P_I75X5IBOO3AFRSUH", "42"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lt_crypto_pseudonym_well_formed(bad[i], strlen(bad[i])))
			fail_msg("'%s' passed for a pseudonym", bad[i]);
	assert_false(lt_crypto_pseudonym_well_formed("P-I75X5IBOO3AFRS\0H", 18));
	assert_true(lt_crypto_pseudonym_well_formed("P-I75X5IBOO3AFRSUH", 18));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keyring_create_read), cmocka_unit_test(test_keyring_malformed),
	    cmocka_unit_test(test_aead_vector),         cmocka_unit_test(test_aead_tamper),
	    cmocka_unit_test(test_subkeys_and_hash),
	    cmocka_unit_test(test_pseudonyms),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
