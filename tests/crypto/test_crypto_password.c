/*
 * test_crypto_password.c — unit tests of src/crypto/crypto_password.c:
 * argon2id password hashes, the limit of two hashes at once, API tokens.
 *
 * The limit is shown without timing: a test hook holds every hash inside
 * its slot until the test opens a gate; eight threads are started; the test
 * waits (yielding, not timing) until all eight are either inside a slot or
 * queued for one, and then checks that exactly two are inside. Only then is
 * the gate opened and every hash completed.
 */
#include <pthread.h>
#include <sched.h>

#include "testutil.h"

#include "crypto/crypto.h"

static int setup(void **state)
{
	(void)state;
	return lt_crypto_init() == LT_OK ? 0 : -1;
}

static void test_hash_verify(void **state)
{
	(void)state;
	char h[LT_PASSWORD_HASH_MAX], h2[LT_PASSWORD_HASH_MAX];
	const char *pw = "correct horse battery staple";
	assert_int_equal(lt_crypto_password_hash(pw, strlen(pw), h), LT_OK);
	/* argon2id, at the interactive limits. */
	assert_int_equal(strncmp(h, "$argon2id$v=19$m=65536,t=2,p=1$", 31), 0);
	assert_false(lt_crypto_password_needs_rehash(h));
	assert_int_equal(lt_crypto_password_verify(h, pw, strlen(pw)), LT_OK);
	assert_int_equal(lt_crypto_password_verify(h, "correct horse battery stapl", 27), LT_EAUTH);
	assert_int_equal(lt_crypto_password_verify(h, "", 0), LT_EAUTH);
	/* Salted: the same password never hashes the same twice. */
	assert_int_equal(lt_crypto_password_hash(pw, strlen(pw), h2), LT_OK);
	assert_string_not_equal(h, h2);
	assert_int_equal(lt_crypto_password_verify(h2, pw, strlen(pw)), LT_OK);
	/* Embedded NUL bytes count: the length is the caller's. */
	assert_int_equal(lt_crypto_password_hash("ab\0cd", 5, h2), LT_OK);
	assert_int_equal(lt_crypto_password_verify(h2, "ab\0cd", 5), LT_OK);
	assert_int_equal(lt_crypto_password_verify(h2, "ab", 2), LT_EAUTH);
	/* Not a hash at all. */
	assert_int_equal(lt_crypto_password_verify("", pw, strlen(pw)), LT_EINVAL);
	assert_int_equal(lt_crypto_password_verify("$2b$12$abcdefghijkl", pw, strlen(pw)),
	                 LT_EINVAL);
	assert_true(lt_crypto_password_needs_rehash("$2b$12$abcdefghijkl"));
	/* A hash made with other limits wants rehashing. */
	h[strlen("$argon2id$v=19$m=")] = '3';
	assert_true(lt_crypto_password_needs_rehash(h));
	/* The unknown-account path fails, having spent a verification. */
	assert_int_equal(lt_crypto_password_verify_none(pw, strlen(pw)), LT_EAUTH);
}

/* The gate the hook holds every hash at. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t open_cv;
	bool open;
} gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};

static void hold_at_gate(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate.lock);
	while (!gate.open)
		pthread_cond_wait(&gate.open_cv, &gate.lock);
	pthread_mutex_unlock(&gate.lock);
}

struct job {
	char pw[32];
	char hash[LT_PASSWORD_HASH_MAX];
	lt_status st;
};

static void *hash_job(void *arg)
{
	struct job *j = arg;
	j->st = lt_crypto_password_hash(j->pw, strlen(j->pw), j->hash);
	if (j->st == LT_OK)
		j->st = lt_crypto_password_verify(j->hash, j->pw, strlen(j->pw));
	return NULL;
}

static void test_two_at_a_time(void **state)
{
	(void)state;
	enum { THREADS = 8 };
	pthread_t th[THREADS];
	struct job jobs[THREADS];
	struct lt_crypto_pwhash_stats s;

	lt_crypto_pwhash_stats(&s);
	assert_int_equal(s.running, 0);
	assert_int_equal(s.waiting, 0);
	lt_crypto_pwhash_test_hook(hold_at_gate, NULL);
	for (int i = 0; i < THREADS; i++) {
		snprintf(jobs[i].pw, sizeof(jobs[i].pw), "thread %d pass phrase", i);
		assert_int_equal(pthread_create(&th[i], NULL, hash_job, &jobs[i]), 0);
	}
	/* Wait until every thread holds a slot or queues for one. */
	for (;;) {
		lt_crypto_pwhash_stats(&s);
		if (s.running + s.waiting == THREADS)
			break;
		sched_yield();
	}
	assert_int_equal(s.running, 2);
	assert_int_equal(s.waiting, THREADS - 2);

	pthread_mutex_lock(&gate.lock);
	gate.open = true;
	pthread_cond_broadcast(&gate.open_cv);
	pthread_mutex_unlock(&gate.lock);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(jobs[i].st, LT_OK);
	}
	lt_crypto_pwhash_test_hook(NULL, NULL);
	lt_crypto_pwhash_stats(&s);
	assert_int_equal(s.running, 0);
	assert_int_equal(s.waiting, 0);
	assert_int_equal(s.peak, 2);
}

static void test_tokens(void **state)
{
	(void)state;
	char a[LT_CRYPTO_TOKEN_SIZE], b[LT_CRYPTO_TOKEN_SIZE];
	unsigned char ha[LT_CRYPTO_TOKEN_HASH_BYTES], hb[LT_CRYPTO_TOKEN_HASH_BYTES],
	    ha2[LT_CRYPTO_TOKEN_HASH_BYTES];
	lt_crypto_token_new(a);
	lt_crypto_token_new(b);
	assert_int_equal(strlen(a), LT_CRYPTO_TOKEN_CHARS);
	assert_int_equal(strncmp(a, "lt_", 3), 0);
	assert_string_not_equal(a, b);
	assert_true(lt_crypto_token_well_formed(a, strlen(a)));
	lt_crypto_token_hash(a, strlen(a), ha);
	lt_crypto_token_hash(a, strlen(a), ha2);
	lt_crypto_token_hash(b, strlen(b), hb);
	assert_memory_equal(ha, ha2, sizeof(ha));
	assert_memory_not_equal(ha, hb, sizeof(ha));

	/* Malformed tokens. */
	assert_false(lt_crypto_token_well_formed(a, strlen(a) - 1));
	assert_false(lt_crypto_token_well_formed("", 0));
	char c[LT_CRYPTO_TOKEN_SIZE];
	memcpy(c, a, sizeof(c));
	c[0] = 'L';
	assert_false(lt_crypto_token_well_formed(c, strlen(c)));
	memcpy(c, a, sizeof(c));
	c[10] = '+'; /* base64, not base64url */
	assert_false(lt_crypto_token_well_formed(c, strlen(c)));
	memcpy(c, a, sizeof(c));
	c[LT_CRYPTO_TOKEN_CHARS - 1] = 'B'; /* sets a spare bit: non-canonical */
	if (strcmp(c, a) != 0)
		assert_false(lt_crypto_token_well_formed(c, strlen(c)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_verify),
	    cmocka_unit_test(test_two_at_a_time),
	    cmocka_unit_test(test_tokens),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
