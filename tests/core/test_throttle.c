/*
 * test_throttle.c — unit tests of src/core/throttle.{h,c}, on simulated
 * time.
 *
 * No test sleeps or reads a clock: every call is given the time, so the
 * backoff schedule, the lock, forgetting and eviction are checked to the
 * millisecond.
 */
#include "testutil.h"

#include "core/limits.h"
#include "core/throttle.h"

#define KEY(s) (s), strlen(s)

static const struct lt_throttle_policy small = {
    .free_failures = 5,
    .base_delay_ms = 1000,
    .max_delay_ms = 16000,
    .lock_after = 12,
    .forget_after_ms = 100000,
};

static void test_backoff_schedule(void **state)
{
	(void)state;
	struct lt_throttle *t;
	int64_t wait, now = 1000000;
	assert_int_equal(lt_throttle_alloc(&small, 8, 42, &t), LT_OK);

	/* Unknown keys go ahead and cost nothing. */
	assert_int_equal(lt_throttle_check(t, KEY("account:a@x.org"), now, &wait), LT_OK);
	assert_int_equal(wait, 0);
	assert_int_equal(lt_throttle_size(t), 0);

	/* Five free failures. */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(lt_throttle_check(t, KEY("account:a@x.org"), now, &wait), LT_OK);
		lt_throttle_failure(t, KEY("account:a@x.org"), now);
	}
	assert_int_equal(lt_throttle_failures(t, KEY("account:a@x.org")), 5);

	/* Then 1 s, 2 s, 4 s, 8 s, 16 s, 16 s (the ceiling) after each failure. */
	static const int64_t delays[] = {1000, 2000, 4000, 8000, 16000, 16000};
	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		assert_int_equal(lt_throttle_check(t, KEY("account:a@x.org"), now, &wait),
		                 LT_ETHROTTLED);
		assert_int_equal(wait, delays[i]);
		assert_int_equal(
		    lt_throttle_check(t, KEY("account:a@x.org"), now + delays[i] - 1, &wait),
		    LT_ETHROTTLED);
		assert_int_equal(wait, 1);
		now += delays[i];
		assert_int_equal(lt_throttle_check(t, KEY("account:a@x.org"), now, &wait), LT_OK);
		lt_throttle_failure(t, KEY("account:a@x.org"), now);
	}
	/* Another key is not affected. */
	assert_int_equal(lt_throttle_check(t, KEY("account:b@x.org"), now, &wait), LT_OK);

	/* A success clears the key. */
	lt_throttle_clear(t, KEY("account:a@x.org"));
	assert_int_equal(lt_throttle_check(t, KEY("account:a@x.org"), now, &wait), LT_OK);
	assert_int_equal(lt_throttle_failures(t, KEY("account:a@x.org")), 0);
	lt_throttle_free(t);
}

static void test_lock_and_forget(void **state)
{
	(void)state;
	struct lt_throttle *t;
	int64_t wait, now = 0;
	assert_int_equal(lt_throttle_alloc(&small, 8, 1, &t), LT_OK);
	for (int i = 0; i < 12; i++) {
		lt_throttle_failure(t, KEY("k"), now);
		now += 20000; /* past every delay */
	}
	/* Locked: no waiting gets it back, short of forgetting. */
	assert_int_equal(lt_throttle_check(t, KEY("k"), now, &wait), LT_ETHROTTLED);
	assert_int_equal(wait, -1);
	int64_t last = now - 20000;
	assert_int_equal(lt_throttle_check(t, KEY("k"), last + 99999, &wait), LT_ETHROTTLED);
	assert_int_equal(lt_throttle_check(t, KEY("k"), last + 100000, &wait), LT_OK);
	assert_int_equal(lt_throttle_size(t), 0);

	/* An administrator's clear unlocks at once. */
	for (int i = 0; i < 12; i++)
		lt_throttle_failure(t, KEY("k"), now);
	assert_int_equal(lt_throttle_check(t, KEY("k"), now, &wait), LT_ETHROTTLED);
	lt_throttle_clear(t, KEY("k"));
	assert_int_equal(lt_throttle_check(t, KEY("k"), now, NULL), LT_OK);

	/* Failures far apart never add up. */
	for (int i = 0; i < 20; i++) {
		lt_throttle_failure(t, KEY("slow"), now);
		assert_int_equal(lt_throttle_failures(t, KEY("slow")), 1);
		now += 100000;
	}
	/* A clock that steps back is taken as standing still. */
	lt_throttle_clear(t, KEY("slow"));
	for (int i = 0; i < 5; i++)
		lt_throttle_failure(t, KEY("back"), now);
	assert_int_equal(lt_throttle_check(t, KEY("back"), now - 50000, &wait), LT_ETHROTTLED);
	assert_int_equal(wait, 1000);
	lt_throttle_free(t);
}

static void test_bounded_memory(void **state)
{
	(void)state;
	struct lt_throttle *t;
	char key[32];
	int64_t now = 0;
	assert_int_equal(lt_throttle_alloc(&small, 4, 7, &t), LT_OK);

	/* A key under attack: 8 failures. */
	for (int i = 0; i < 8; i++)
		lt_throttle_failure(t, KEY("victim"), now);
	/* A flood of new keys of one failure each. */
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "flood%d", i);
		lt_throttle_failure(t, KEY(key), now + i);
		assert_true(lt_throttle_size(t) <= 4);
	}
	/* The flood evicted itself, not the victim's counter. */
	assert_int_equal(lt_throttle_failures(t, KEY("victim")), 8);
	assert_int_equal(lt_throttle_failures(t, KEY("flood999")), 1);
	assert_int_equal(lt_throttle_failures(t, KEY("flood0")), 0);

	/* Forgotten keys go first. */
	now += 1000 + 100000;
	lt_throttle_failure(t, KEY("late"), now);
	assert_int_equal(lt_throttle_size(t), 1);

	/* Over-long keys are cut, not refused. */
	char longkey[LT_THROTTLE_KEY_MAX + 50];
	memset(longkey, 'x', sizeof(longkey));
	lt_throttle_failure(t, longkey, sizeof(longkey), now);
	assert_int_equal(lt_throttle_failures(t, longkey, LT_THROTTLE_KEY_MAX), 1);
	lt_throttle_free(t);
}

static void test_policies(void **state)
{
	(void)state;
	struct lt_throttle *t;
	struct lt_throttle_policy bad = small;
	bad.base_delay_ms = 0;
	assert_int_equal(lt_throttle_alloc(&bad, 4, 0, &t), LT_EINVAL);
	assert_int_equal(lt_throttle_alloc(&small, 0, 0, &t), LT_EINVAL);
	assert_int_equal(lt_throttle_alloc(&small, LT_THROTTLE_KEYS_MAX + 1, 0, &t), LT_EINVAL);

	/* The account policy stays within NIST's 100 consecutive failures. */
	assert_true(lt_throttle_account_policy.lock_after > 0);
	assert_true(lt_throttle_account_policy.lock_after <= 100);
	assert_int_equal(lt_throttle_alloc(&lt_throttle_account_policy, 16, 3, &t), LT_OK);
	int64_t now = 0, wait;
	unsigned attempts = 0;
	/* An attacker who waits out every delay for 30 days gets 100 guesses. */
	while (now < 30LL * 24 * 3600 * 1000) {
		if (lt_throttle_check(t, KEY("account:x"), now, &wait) != LT_OK) {
			if (wait < 0)
				break;
			now += wait;
			continue;
		}
		attempts++;
		lt_throttle_failure(t, KEY("account:x"), now);
	}
	assert_int_equal(attempts, 100);
	lt_throttle_free(t);

	/* The address policy never locks. */
	assert_int_equal(lt_throttle_address_policy.lock_after, 0);
	assert_true(lt_throttle_address_policy.free_failures >=
	            lt_throttle_account_policy.free_failures);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backoff_schedule),
	    cmocka_unit_test(test_lock_and_forget),
	    cmocka_unit_test(test_bounded_memory),
	    cmocka_unit_test(test_policies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
