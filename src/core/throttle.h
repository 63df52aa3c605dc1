/*
 * throttle.h — slowing down password guessing, per account and per client
 * address, with the time always passed in.
 *
 * A throttle counts the consecutive failed attempts of each key (the web
 * login uses "account:<email>" in one throttle and the client's address in
 * another) and answers, before each attempt, whether it may go ahead:
 *
 *   - the first `free_failures` failures cost nothing;
 *   - after the n-th failure (n >= free_failures) the next attempt must wait
 *     base_delay * 2^(n - free_failures) after that failure, at most
 *     max_delay (exponential backoff);
 *   - after `lock_after` consecutive failures (0: never) the key is locked:
 *     every attempt is refused until lt_throttle_clear, or until
 *     forget_after has passed since the last failure;
 *   - a key with no failure for `forget_after` starts afresh;
 *   - a success clears the key (lt_throttle_clear).
 *
 * The account policy (5 free, 1 s doubling to at most 1 hour, locked after
 * 100, forgotten after 30 days) keeps within NIST SP 800-63B's limit of 100
 * consecutive failed attempts per account while making a lock-out by a
 * stranger take days of persistence, in plain sight of the audit log. The
 * address policy is looser (20 free, at most 15 minutes, never locked,
 * forgotten after a day) because many staff can share one office address.
 *
 * Memory is bounded: a throttle holds at most `capacity` keys. When it is
 * full, keys past forget_after are dropped first; then the key with the
 * fewest failures (the oldest among equals) gives way, so flooding the
 * table with new keys of one failure each evicts those, not a key under a
 * real attack.
 *
 * The core never reads the clock: every call takes `now_ms`, milliseconds
 * on any clock that does not go backwards (the web server passes
 * CLOCK_MONOTONIC; the tests pass simulated time). A time earlier than a
 * recorded failure is taken as that failure's time. State lives in memory
 * only: a restart forgets it (docs/security.md). All calls are safe from
 * several threads at once on one throttle.
 */
#ifndef LT_THROTTLE_H
#define LT_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

struct lt_throttle_policy {
	unsigned free_failures;  /* failures before any delay */
	int64_t base_delay_ms;   /* the first delay, > 0; doubles with each failure */
	int64_t max_delay_ms;    /* ceiling on a delay, >= base_delay_ms */
	unsigned lock_after;     /* consecutive failures that lock the key; 0 never */
	int64_t forget_after_ms; /* idle time after which a key starts afresh, > 0 */
};

extern const struct lt_throttle_policy lt_throttle_account_policy;
extern const struct lt_throttle_policy lt_throttle_address_policy;

struct lt_throttle;

/*
 * A throttle of at most `capacity` keys (1..LT_THROTTLE_KEYS_MAX) under
 * `policy` (copied). `seed` varies the hash of keys between processes (pass
 * random bits) so that no one can aim keys at one bucket. Free with
 * lt_throttle_free. LT_EINVAL for a bad policy or capacity, LT_ENOMEM.
 */
lt_status lt_throttle_alloc(const struct lt_throttle_policy *policy, size_t capacity, uint64_t seed,
                            struct lt_throttle **out);
void lt_throttle_free(struct lt_throttle *t);

/*
 * May an attempt for `key` (`len` bytes, at most LT_THROTTLE_KEY_MAX) go
 * ahead at `now_ms`? LT_OK, or LT_ETHROTTLED with *retry_after_ms set to
 * the milliseconds to wait (-1 when the key is locked). A longer key is
 * cut to LT_THROTTLE_KEY_MAX bytes. retry_after_ms may be NULL.
 */
lt_status lt_throttle_check(struct lt_throttle *t, const char *key, size_t len, int64_t now_ms,
                            int64_t *retry_after_ms);

/* Record a failed attempt for `key` at `now_ms`. */
void lt_throttle_failure(struct lt_throttle *t, const char *key, size_t len, int64_t now_ms);

/* Forget `key`: after a success, or when an administrator unlocks it. */
void lt_throttle_clear(struct lt_throttle *t, const char *key, size_t len);

/* The consecutive failures recorded for `key` (0 when none). */
unsigned lt_throttle_failures(struct lt_throttle *t, const char *key, size_t len);

/* The number of keys held now. */
size_t lt_throttle_size(struct lt_throttle *t);

#endif
