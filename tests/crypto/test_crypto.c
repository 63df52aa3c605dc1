/*
 * test_crypto.c — unit tests of src/crypto/crypto.{h,c}: key files and
 * sealed boxes for reporters' contact details.
 *
 * What matters: a key file is created private (0600) and never over an
 * existing one; the server can read the public line alone; what is sealed
 * opens only with the secret key and only untouched; a malformed key file is
 * an error that names the bad line, never a half-read key.
 */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

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

static char *slurp(const char *path)
{
	static char text[1024];
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i])
			return 0;
	return 1;
}

static int contains(const unsigned char *hay, size_t hn, const char *needle, size_t nn)
{
	for (size_t i = 0; i + nn <= hn; i++)
		if (memcmp(hay + i, needle, nn) == 0)
			return 1;
	return 0;
}

static void test_keyfile_create(void **state)
{
	(void)state;
	const char *path = test_tmp_path("create.key");
	struct lt_error err;
	struct stat sb;
	mode_t old = umask(022);
	unlink(path);

	lt_error_clear(&err);
	assert_int_equal(lt_crypto_keyfile_create(path, &err), LT_OK);
	assert_int_equal(stat(path, &sb), 0);
	if ((sb.st_mode & 0777) != 0600)
		fail_msg("key file mode %03o, want 600", (unsigned)(sb.st_mode & 0777));

	/* Two lines: "public: <64 hex>" and "secret: <64 hex>". */
	const char *text = slurp(path);
	assert_int_equal(strlen(text), 2 * (8 + 64 + 1));
	assert_memory_equal(text, "public: ", 8);
	assert_memory_equal(text + 73, "secret: ", 8);
	for (size_t i = 0; i < 64; i++) {
		assert_non_null(strchr("0123456789abcdef", text[8 + i]));
		assert_non_null(strchr("0123456789abcdef", text[81 + i]));
	}

	/* It refuses to overwrite, and leaves the existing file alone. */
	char before[200];
	snprintf(before, sizeof(before), "%s", text);
	lt_error_clear(&err);
	assert_int_equal(lt_crypto_keyfile_create(path, &err), LT_EEXIST);
	assert_string_equal(err.field, "key");
	assert_contains(err.message, "already exists");
	assert_string_equal(slurp(path), before);

	/* A directory that does not exist is an I/O error, not a crash. */
	lt_error_clear(&err);
	assert_int_equal(lt_crypto_keyfile_create("/nonexistent-dir-for-lantern/k.key", &err),
	                 LT_EIO);
	assert_contains(err.message, "cannot create");

	/* Two key files differ. */
	const char *path2 = test_tmp_path("create2.key");
	unlink(path2);
	assert_int_equal(lt_crypto_keyfile_create(path2, NULL), LT_OK);
	assert_string_not_equal(slurp(path2), before);
	unlink(path2);
	unlink(path);
	umask(old);
}

static void test_keyfile_read(void **state)
{
	(void)state;
	const char *path = test_tmp_path("read.key");
	struct lt_crypto_keypair pub, full;
	struct lt_error err;
	unlink(path);
	assert_int_equal(lt_crypto_keyfile_create(path, NULL), LT_OK);

	lt_error_clear(&err);
	memset(&pub, 0xAA, sizeof(pub));
	assert_int_equal(lt_crypto_keyfile_read(path, 0, &pub, &err), LT_OK);
	assert_false(all_zero(pub.pk, sizeof(pub.pk)));
	assert_true(all_zero(pub.sk, sizeof(pub.sk))); /* public only: no secret */

	assert_int_equal(lt_crypto_keyfile_read(path, 1, &full, &err), LT_OK);
	assert_memory_equal(full.pk, pub.pk, sizeof(pub.pk));
	assert_false(all_zero(full.sk, sizeof(full.sk)));

	/* The public line alone is enough for the server. */
	const char *text = slurp(path);
	char pubonly[128];
	snprintf(pubonly, sizeof(pubonly), "%.73s", text);
	const char *ppath = test_tmp_path("public-only.key");
	write_file(ppath, pubonly);
	struct lt_crypto_keypair p2;
	assert_int_equal(lt_crypto_keyfile_read(ppath, 0, &p2, &err), LT_OK);
	assert_memory_equal(p2.pk, pub.pk, sizeof(pub.pk));
	lt_error_clear(&err);
	assert_int_equal(lt_crypto_keyfile_read(ppath, 1, &p2, &err), LT_EINVAL);
	assert_contains(err.message, "no valid 'secret:' line");
	assert_true(all_zero(&p2, sizeof(p2))); /* wiped on failure */

	lt_crypto_keypair_wipe(&full);
	assert_true(all_zero(&full, sizeof(full)));
	unlink(ppath);
	unlink(path);
}

#define PK   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define SK   "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define PK63 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef"

static void test_keyfile_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *text;
		int want_secret;
		lt_status want;
		const char *message;
	} cases[] = {
	    {"empty file", "", 0, LT_EINVAL, "no valid 'public:' line"},
	    {"no public line", "secret: " SK "\n", 0, LT_EINVAL, "no valid 'public:' line"},
	    {"public hex too short", "public: 0011\n", 0, LT_EINVAL, "no valid 'public:' line"},
	    {"public hex one digit short", "public: " PK63 "\n", 0, LT_EINVAL,
	     "no valid 'public:' line"},
	    {"public hex too long", "public: " PK "00\n", 0, LT_EINVAL, "no valid 'public:' line"},
	    {"public not hex", "public: zz" PK63 "\n", 0, LT_EINVAL, "no valid 'public:' line"},
	    {"trailing text after the key", "public: " PK " junk\n", 0, LT_EINVAL,
	     "no valid 'public:' line"},
	    {"misspelt name", "pubic: " PK "\n", 0, LT_EINVAL, "no valid 'public:' line"},
	    {"name without colon", "public " PK "\n", 0, LT_EINVAL, "no valid 'public:' line"},
	    {"secret missing", "public: " PK "\n", 1, LT_EINVAL, "no valid 'secret:' line"},
	    {"secret too short", "public: " PK "\nsecret: ffeeddccbbaa\n", 1, LT_EINVAL,
	     "no valid 'secret:' line"},
	    {"secret not hex", "public: " PK "\nsecret: " PK63 "g\n", 1, LT_EINVAL,
	     "no valid 'secret:' line"},
	    {"good, CRLF", "public: " PK "\r\nsecret: " SK "\r\n", 1, LT_OK, NULL},
	    {"good, no final newline", "public: " PK "\nsecret: " SK, 1, LT_OK, NULL},
	    {"good, lines swapped, tab", "secret:\t" SK "\npublic:\t" PK "\n", 1, LT_OK, NULL},
	    {"good, a comment line first", "# lantern key\npublic: " PK "\n", 0, LT_OK, NULL},
	};
	const char *path = test_tmp_path("malformed.key");
	int failures = 0;
	for (size_t i = 0; i < N(cases); i++) {
		write_file(path, cases[i].text);
		struct lt_crypto_keypair kp;
		struct lt_error err;
		lt_error_clear(&err);
		lt_status st = lt_crypto_keyfile_read(path, cases[i].want_secret, &kp, &err);
		int ok = st == cases[i].want;
		if (ok && st != LT_OK)
			ok = strstr(err.message, cases[i].message) &&
			     strcmp(err.field, "key") == 0 && all_zero(&kp, sizeof(kp));
		if (ok && st == LT_OK)
			ok = kp.pk[0] == 0x00 && kp.pk[1] == 0x11 && kp.pk[31] == 0xff &&
			     (!cases[i].want_secret || (kp.sk[0] == 0xff && kp.sk[31] == 0x00));
		if (!ok) {
			print_error("%s: got %s \"%s\", want %s \"%s\"\n", cases[i].name,
			            lt_status_name(st), err.message, lt_status_name(cases[i].want),
			            cases[i].message ? cases[i].message : "");
			failures++;
		}
	}
	unlink(path);

	struct lt_crypto_keypair kp;
	struct lt_error err;
	lt_error_clear(&err);
	assert_int_equal(lt_crypto_keyfile_read(test_tmp_path("no-such.key"), 0, &kp, &err),
	                 LT_ENOTFOUND);
	assert_contains(err.message, "cannot open key file");
	assert_int_equal(failures, 0);
}

static void make_keys(struct lt_crypto_keypair *kp, const char *name)
{
	const char *path = test_tmp_path(name);
	unlink(path);
	assert_int_equal(lt_crypto_keyfile_create(path, NULL), LT_OK);
	assert_int_equal(lt_crypto_keyfile_read(path, 1, kp, NULL), LT_OK);
	unlink(path);
}

static void test_seal_open(void **state)
{
	(void)state;
	struct lt_crypto_keypair kp;
	make_keys(&kp, "seal.key");
	static const char *const msgs[] = {"", "x", "07700 900123, evenings only",
	                                   "Caf\xc3\xa9 owner, ask for \xe2\x80\x9c"
	                                   "Anna\xe2\x80\x9d"};
	for (size_t i = 0; i < N(msgs); i++) {
		size_t n = strlen(msgs[i]);
		unsigned char *sealed = NULL;
		size_t slen = 0;
		assert_int_equal(lt_crypto_seal(kp.pk, msgs[i], n, &sealed, &slen), LT_OK);
		assert_int_equal(slen, n + LT_CRYPTO_SEAL_OVERHEAD);
		if (n > 4 && contains(sealed, slen, msgs[i], n))
			fail_msg("the plain text appears in the sealed box");

		char *opened = NULL;
		size_t olen = 99;
		assert_int_equal(lt_crypto_open(&kp, sealed, slen, &opened, &olen), LT_OK);
		assert_int_equal(olen, n);
		assert_string_equal(opened, msgs[i]); /* NUL-terminated */
		lt_crypto_free_secret(opened, olen);

		/* Sealing twice gives different boxes (ephemeral keys). */
		unsigned char *again = NULL;
		size_t alen = 0;
		assert_int_equal(lt_crypto_seal(kp.pk, msgs[i], n, &again, &alen), LT_OK);
		assert_int_equal(alen, slen);
		assert_true(memcmp(again, sealed, slen) != 0);
		free(again);
		free(sealed);
	}
	lt_crypto_keypair_wipe(&kp);
}

static void test_open_failures(void **state)
{
	(void)state;
	struct lt_crypto_keypair kp, other, pubonly;
	make_keys(&kp, "open1.key");
	make_keys(&other, "open2.key");
	memcpy(&pubonly, &kp, sizeof(kp));
	memset(pubonly.sk, 0, sizeof(pubonly.sk));

	static const char msg[] = "07700 900123";
	unsigned char *sealed = NULL;
	size_t slen = 0;
	assert_int_equal(lt_crypto_seal(kp.pk, msg, strlen(msg), &sealed, &slen), LT_OK);

	char *out = (char *)1;
	size_t olen = 77;
	/* Flip each byte in turn: every tampering is detected. */
	for (size_t i = 0; i < slen; i++) {
		sealed[i] ^= 0x01;
		lt_status st = lt_crypto_open(&kp, sealed, slen, &out, &olen);
		sealed[i] ^= 0x01;
		if (st != LT_ECRYPTO)
			fail_msg("byte %zu flipped: got %s, want crypto_error", i,
			         lt_status_name(st));
		assert_ptr_equal(out, (char *)1); /* untouched on failure */
	}
	/* Cut short, cut to nothing, the wrong key, the public key alone. */
	assert_int_equal(lt_crypto_open(&kp, sealed, slen - 1, &out, &olen), LT_ECRYPTO);
	assert_int_equal(lt_crypto_open(&kp, sealed, LT_CRYPTO_SEAL_OVERHEAD - 1, &out, &olen),
	                 LT_ECRYPTO);
	assert_int_equal(lt_crypto_open(&kp, sealed, 0, &out, &olen), LT_ECRYPTO);
	assert_int_equal(lt_crypto_open(&other, sealed, slen, &out, &olen), LT_ECRYPTO);
	assert_int_equal(lt_crypto_open(&pubonly, sealed, slen, &out, &olen), LT_ECRYPTO);
	/* One extra byte on the end. */
	unsigned char *longer = malloc(slen + 1);
	memcpy(longer, sealed, slen);
	longer[slen] = 0;
	assert_int_equal(lt_crypto_open(&kp, longer, slen + 1, &out, &olen), LT_ECRYPTO);
	free(longer);

	/* And after all that the untouched box still opens. */
	assert_int_equal(lt_crypto_open(&kp, sealed, slen, &out, &olen), LT_OK);
	assert_string_equal(out, msg);
	lt_crypto_free_secret(out, olen);
	free(sealed);
	lt_crypto_keypair_wipe(&kp);
	lt_crypto_keypair_wipe(&other);
}

static void test_random_and_wipe(void **state)
{
	(void)state;
	unsigned char a[32], b[32];
	lt_crypto_random(a, sizeof(a));
	lt_crypto_random(b, sizeof(b));
	assert_true(memcmp(a, b, sizeof(a)) != 0);
	uint64_t x = lt_crypto_random_u64(), y = lt_crypto_random_u64();
	assert_true(x != y);
	lt_crypto_wipe(a, sizeof(a));
	assert_true(all_zero(a, sizeof(a)));
	lt_crypto_free_secret(NULL, 10); /* harmless */
	char *s = strdup("secret");
	lt_crypto_free_secret(s, 6);
}

/* ---- the audit chain's hash and signatures ------------------------------- */

static void hex_of(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* BLAKE2b-256 known answers (RFC 7693's algorithm at 32 bytes; the values
 * from Python's hashlib.blake2b(digest_size=32)), and a || b is one input. */
static void test_hash2(void **state)
{
	(void)state;
	unsigned char h[LT_CRYPTO_HASH_BYTES], h2[LT_CRYPTO_HASH_BYTES];
	char hex[65];
	lt_crypto_hash2(h, NULL, 0, NULL, 0);
	hex_of(h, sizeof(h), hex);
	assert_string_equal(hex, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
	lt_crypto_hash2(h, "abc", 3, NULL, 0);
	hex_of(h, sizeof(h), hex);
	assert_string_equal(hex, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
	lt_crypto_hash2(h2, "a", 1, "bc", 2);
	assert_memory_equal(h, h2, sizeof(h));
	lt_crypto_hash2(h2, NULL, 0, "abc", 3);
	assert_memory_equal(h, h2, sizeof(h));
}

static void test_sign_keyfile(void **state)
{
	(void)state;
	const char *p = test_tmp_path("audit.key");
	char path[1100];
	snprintf(path, sizeof(path), "%s", p);
	struct lt_crypto_sign_key full, pub;
	struct lt_error err;
	struct stat sb;
	unlink(path);
	lt_error_clear(&err);
	assert_int_equal(lt_crypto_sign_keyfile_create(path, &err), LT_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(lt_crypto_sign_keyfile_create(path, &err), LT_EEXIST);
	assert_int_equal(lt_crypto_sign_keyfile_read(path, 1, &full, &err), LT_OK);
	assert_true(full.has_secret);
	assert_int_equal(lt_crypto_sign_keyfile_read(path, 0, &pub, &err), LT_OK);
	assert_false(pub.has_secret);
	assert_memory_equal(pub.pk, full.pk, sizeof(pub.pk));
	assert_true(all_zero(pub.sk, sizeof(pub.sk)));

	/* Sign with the seed, verify with the public line alone. */
	unsigned char sig[LT_CRYPTO_SIGNATURE_BYTES];
	lt_crypto_sign(&full, "statement", 9, sig);
	assert_int_equal(lt_crypto_sign_verify(pub.pk, "statement", 9, sig), LT_OK);
	assert_int_equal(lt_crypto_sign_verify(pub.pk, "statemenT", 9, sig), LT_ECRYPTO);
	sig[0] ^= 1;
	assert_int_equal(lt_crypto_sign_verify(pub.pk, "statement", 9, sig), LT_ECRYPTO);
	lt_crypto_sign_key_wipe(&full);
	assert_true(all_zero(&full, sizeof(full)));

	/* A sealing key file is not an audit key. */
	const char *q = test_tmp_path("sealing.key");
	char seal[1100];
	snprintf(seal, sizeof(seal), "%s", q);
	unlink(seal);
	assert_int_equal(lt_crypto_keyfile_create(seal, NULL), LT_OK);
	assert_int_equal(lt_crypto_sign_keyfile_read(seal, 0, &pub, &err), LT_EINVAL);
	assert_contains(err.message, "ed25519-public");
	/* A seed that does not give the public key beside it. */
	char text[400];
	snprintf(text, sizeof(text), "%s", slurp(path));
	char *seed = strstr(text, "ed25519-seed: ");
	assert_non_null(seed);
	seed += strlen("ed25519-seed: ");
	seed[0] = seed[0] == '0' ? '1' : '0';
	write_file(seal, text);
	assert_int_equal(lt_crypto_sign_keyfile_read(seal, 0, &pub, &err), LT_OK);
	assert_int_equal(lt_crypto_sign_keyfile_read(seal, 1, &full, &err), LT_EINVAL);
	assert_contains(err.message, "does not give the public key");
	assert_true(all_zero(&full, sizeof(full)));
	unlink(seal);
	assert_int_equal(lt_crypto_sign_keyfile_read(seal, 0, &pub, &err), LT_ENOTFOUND);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keyfile_create),    cmocka_unit_test(test_keyfile_read),
	    cmocka_unit_test(test_keyfile_malformed), cmocka_unit_test(test_seal_open),
	    cmocka_unit_test(test_open_failures),     cmocka_unit_test(test_random_and_wipe),
	    cmocka_unit_test(test_hash2),             cmocka_unit_test(test_sign_keyfile),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
