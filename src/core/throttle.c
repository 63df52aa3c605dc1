/*
 * throttle.c — the failure counters of throttle.h.
 *
 * A fixed pool of `capacity` entries, allocated once, chained from a bucket
 * array of a power of two at least twice the capacity, under one mutex.
 * Keys are copied into the entries (at most LT_THROTTLE_KEY_MAX bytes), so
 * nothing is allocated after lt_throttle_alloc. The hash is FNV-1a over the
 * key, started from the caller's seed and finished with a 64-bit mixer.
 * Entries are added only by lt_throttle_failure, so checking any number of
 * keys that never failed costs no memory.
 */
#include "core/throttle.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/bug.h"
#include "core/limits.h"
#include "core/banned.h"

const struct lt_throttle_policy lt_throttle_account_policy = {
    .free_failures = 5,
    .base_delay_ms = 1000,
    .max_delay_ms = 60 * 60 * 1000,
    .lock_after = 100,
    .forget_after_ms = 30LL * 24 * 60 * 60 * 1000,
};

const struct lt_throttle_policy lt_throttle_address_policy = {
    .free_failures = 20,
    .base_delay_ms = 1000,
    .max_delay_ms = 15 * 60 * 1000,
    .lock_after = 0,
    .forget_after_ms = 24LL * 60 * 60 * 1000,
};

#define NIL SIZE_MAX

struct entry {
	size_t next; /* next entry of the bucket's chain, or of the free list; NIL ends */
	bool used;
	unsigned failures;
	int64_t last_ms; /* time of the last failure */
	size_t len;
	char key[LT_THROTTLE_KEY_MAX];
};

struct lt_throttle {
	pthread_mutex_t lock;
	struct lt_throttle_policy policy;
	uint64_t seed;
	size_t capacity, used;
	size_t nbuckets; /* a power of two */
	size_t *buckets; /* head entry of each chain, or NIL */
	size_t free_head;
	struct entry *entries;
};

static uint64_t hash(const struct lt_throttle *t, const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ t->seed;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

lt_status lt_throttle_alloc(const struct lt_throttle_policy *policy, size_t capacity, uint64_t seed,
                            struct lt_throttle **out)
{
	struct lt_throttle *t;
	*out = NULL;
	if (!policy || capacity == 0 || capacity > LT_THROTTLE_KEYS_MAX ||
	    policy->base_delay_ms <= 0 || policy->max_delay_ms < policy->base_delay_ms ||
	    policy->forget_after_ms <= 0)
		return LT_EINVAL;
	if (!(t = calloc(1, sizeof(*t))))
		return LT_ENOMEM;
	t->policy = *policy;
	t->seed = seed;
	t->capacity = capacity;
	t->nbuckets = 16;
	while (t->nbuckets < 2 * capacity)
		t->nbuckets *= 2;
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	t->entries = calloc(capacity, sizeof(*t->entries));
	if (!t->buckets || !t->entries) {
		free(t->buckets);
		free(t->entries);
		free(t);
		return LT_ENOMEM;
	}
	for (size_t i = 0; i < t->nbuckets; i++)
		t->buckets[i] = NIL;
	for (size_t i = 0; i < capacity; i++)
		t->entries[i].next = i + 1 < capacity ? i + 1 : NIL;
	t->free_head = 0;
	LT_ASSERT(pthread_mutex_init(&t->lock, NULL) == 0);
	*out = t;
	return LT_OK;
}

void lt_throttle_free(struct lt_throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	/* Keys may be e-mail addresses: leave nothing behind. */
	memset(t->entries, 0, t->capacity * sizeof(*t->entries));
	free(t->entries);
	free(t->buckets);
	free(t);
}

static void lock(struct lt_throttle *t)
{
	int rc = pthread_mutex_lock(&t->lock);
	if (rc != 0)
		LT_BUG("pthread_mutex_lock failed: %d", rc);
}

static void unlock(struct lt_throttle *t)
{
	int rc = pthread_mutex_unlock(&t->lock);
	if (rc != 0)
		LT_BUG("pthread_mutex_unlock failed: %d", rc);
}

static size_t key_len(size_t len)
{
	return len > LT_THROTTLE_KEY_MAX ? LT_THROTTLE_KEY_MAX : len;
}

/* The entry of `key`, or NIL. */
static size_t find(struct lt_throttle *t, const char *key, size_t len)
{
	size_t b = hash(t, key, len) & (t->nbuckets - 1);
	for (size_t i = t->buckets[b]; i != NIL; i = t->entries[i].next) {
		struct entry *e = &t->entries[i];
		if (e->len == len && memcmp(e->key, key, len) == 0)
			return i;
	}
	return NIL;
}

static void remove_entry(struct lt_throttle *t, size_t i)
{
	struct entry *e = &t->entries[i];
	size_t b = hash(t, e->key, e->len) & (t->nbuckets - 1);
	size_t *link = &t->buckets[b];
	while (*link != i) {
		LT_ASSERT(*link != NIL);
		link = &t->entries[*link].next;
	}
	*link = e->next;
	memset(e, 0, sizeof(*e));
	e->next = t->free_head;
	t->free_head = i;
	t->used--;
}

static bool forgotten(const struct lt_throttle *t, const struct entry *e, int64_t now_ms)
{
	return now_ms > e->last_ms && now_ms - e->last_ms >= t->policy.forget_after_ms;
}

/* Make room for one more entry: drop the forgotten ones, else evict the
 * entry with the fewest failures, the oldest among equals. */
static void make_room(struct lt_throttle *t, int64_t now_ms)
{
	size_t victim = NIL;
	for (size_t i = 0; i < t->capacity; i++)
		if (t->entries[i].used && forgotten(t, &t->entries[i], now_ms))
			remove_entry(t, i);
	if (t->free_head != NIL)
		return;
	for (size_t i = 0; i < t->capacity; i++) {
		const struct entry *e = &t->entries[i];
		if (!e->used)
			continue;
		if (victim == NIL || e->failures < t->entries[victim].failures ||
		    (e->failures == t->entries[victim].failures &&
		     e->last_ms < t->entries[victim].last_ms))
			victim = i;
	}
	LT_ASSERT(victim != NIL);
	remove_entry(t, victim);
}

/* The delay after `failures` failures, in milliseconds (0 when none). */
static int64_t delay_after(const struct lt_throttle_policy *p, unsigned failures)
{
	if (failures < p->free_failures)
		return 0;
	int64_t d = p->base_delay_ms;
	for (unsigned k = p->free_failures; k < failures && d < p->max_delay_ms; k++)
		d *= 2;
	return d < p->max_delay_ms ? d : p->max_delay_ms;
}

lt_status lt_throttle_check(struct lt_throttle *t, const char *key, size_t len, int64_t now_ms,
                            int64_t *retry_after_ms)
{
	lt_status st = LT_OK;
	int64_t wait = 0;
	len = key_len(len);
	lock(t);
	size_t i = find(t, key, len);
	if (i != NIL) {
		struct entry *e = &t->entries[i];
		if (now_ms < e->last_ms)
			now_ms = e->last_ms;
		if (forgotten(t, e, now_ms)) {
			remove_entry(t, i);
		} else if (t->policy.lock_after && e->failures >= t->policy.lock_after) {
			st = LT_ETHROTTLED;
			wait = -1;
		} else {
			int64_t until = e->last_ms + delay_after(&t->policy, e->failures);
			if (now_ms < until) {
				st = LT_ETHROTTLED;
				wait = until - now_ms;
			}
		}
	}
	unlock(t);
	if (retry_after_ms)
		*retry_after_ms = wait;
	return st;
}

void lt_throttle_failure(struct lt_throttle *t, const char *key, size_t len, int64_t now_ms)
{
	len = key_len(len);
	lock(t);
	size_t i = find(t, key, len);
	if (i != NIL && forgotten(t, &t->entries[i], now_ms)) {
		remove_entry(t, i);
		i = NIL;
	}
	if (i == NIL) {
		if (t->free_head == NIL)
			make_room(t, now_ms);
		i = t->free_head;
		struct entry *e = &t->entries[i];
		t->free_head = e->next;
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->len = len;
		memcpy(e->key, key, len);
		e->last_ms = now_ms;
		size_t b = hash(t, key, len) & (t->nbuckets - 1);
		e->next = t->buckets[b];
		t->buckets[b] = i;
		t->used++;
	}
	struct entry *e = &t->entries[i];
	if (e->failures != (unsigned)-1)
		e->failures++;
	if (now_ms > e->last_ms)
		e->last_ms = now_ms;
	unlock(t);
}

void lt_throttle_clear(struct lt_throttle *t, const char *key, size_t len)
{
	len = key_len(len);
	lock(t);
	size_t i = find(t, key, len);
	if (i != NIL)
		remove_entry(t, i);
	unlock(t);
}

unsigned lt_throttle_failures(struct lt_throttle *t, const char *key, size_t len)
{
	unsigned n = 0;
	len = key_len(len);
	lock(t);
	size_t i = find(t, key, len);
	if (i != NIL)
		n = t->entries[i].failures;
	unlock(t);
	return n;
}

size_t lt_throttle_size(struct lt_throttle *t)
{
	lock(t);
	size_t n = t->used;
	unlock(t);
	return n;
}
