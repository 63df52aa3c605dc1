/*
 * link_block.h — blocking: which pairs of records are compared at all.
 *
 * Comparing every pair of n records costs n(n-1)/2 comparisons; blocking
 * compares only the pairs that agree on a *blocking key*, such as the same
 * surname or the same year of birth and the same first three letters of the
 * first name. One rule misses the true pairs it does not cover (a typo in the
 * surname), so there is an ordered list of rules and a pair is compared when
 * any rule covers it.
 *
 * RULES. A rule is a conjunction of up to LT_LINK_BLOCK_KEYS_MAX keys; a
 * key is a function of one field of a record:
 *   exact      the whole value, normalised (below)
 *   prefix N   its first N characters (Unicode code points), normalised
 *   suffix N   its last N characters, normalised
 *   phonetic   the primary Double Metaphone code of its first word
 *              (lt_link_double_metaphone of link_compare.h)
 *   year       the year of a date (YYYYMMDD, YYYY-MM-DD, YYYY-MM, YYYY,
 *              DD/MM/YYYY)
 *   nospace    the normalised value with its spaces removed
 * A rule of no keys, written "*", puts every record in one block: every
 * pair is compared (for small tables, where blocking would only lose
 * pairs; 10,000 records make 5 x 10^7 pairs).
 * Normalised means lt_name_normalise (core/person.h): case folded, accents
 * removed, punctuation and runs of spaces one space, none at either end.
 * A record whose key value is missing or empty for any key of a rule is in
 * no block of that rule. Two records are in the same block of a rule when
 * every key of the rule gives both the same string.
 *
 * The text form of a rule, used by settings files and the command line:
 * keys joined by '&', each `FIELD` (exact) or `FIELD:FUNCTION` with
 * FUNCTION one of `N` (prefix of N characters), `-N` (suffix), `phonetic`,
 * `year`, `nospace`. Spaces around names are ignored. Example:
 * "surname:phonetic & dob:year".
 *
 * ORDER. Rule k yields only the pairs its keys match that no earlier rule
 * matched: while walking a block of rule k, each pair is checked against the
 * keys of rules 0..k-1 and skipped if one of them matches too (splink's
 * approach). Every pair is therefore produced once, by the first rule that
 * covers it, with no set of the pairs seen. Each earlier rule's key is kept
 * per record as a 64-bit hash and the offset of its string, so the check is
 * a hash comparison, then a string comparison only when the hashes agree.
 *
 * MODES. LT_LINK_BLOCK_ALL pairs any two records (deduplicate within and
 * link across sources: splink's link_and_dedupe); LT_LINK_BLOCK_ACROSS only
 * records of different sources (link_only); LT_LINK_BLOCK_WITHIN only
 * records of the same source (dedupe_only, each source on its own).
 *
 * HOW BLOCKS ARE FOUND. For each rule the key string of each record is built
 * once into an arena, hashed (64-bit FNV-1a), and the records sorted by
 * (hash, string): equal keys are adjacent and a hash collision between
 * different strings only splits the run, never merges two blocks. Memory is
 * about 24 bytes a record a rule plus the key strings.
 *
 * PRE-FLIGHT. lt_link_blocker_count gives, per rule, the raw count of the
 * pairs its blocks hold (the sum of n(n-1)/2 over blocks, or of the
 * across-source pairs in ACROSS mode), computed from block sizes alone in
 * O(records), and on request the exact count of the pairs the rule adds
 * (raw minus those an earlier rule also covers), which needs the same
 * per-pair check as generation: O(raw pairs x earlier rules), without
 * scoring. Use the raw counts first to reject a rule that makes billions of
 * pairs (one block of 100,000 records alone holds 5 x 10^9).
 *
 * GENERATION. The pairs of all rules are cut into chunks of about a chosen
 * number of raw pairs (a chunk is a range of positions in one rule's sorted
 * order, so even a block larger than a chunk is split). Chunks are
 * independent: two threads may each walk their own chunks with their own
 * iterator over one const blocker. The iterator fills a caller's array of
 * pairs; nothing is allocated per pair.
 *
 * Ownership: the blocker copies what it needs from the table and the rules
 * and must not outlive the table (it keeps no pointers into it).
 */
#ifndef LT_LINK_BLOCK_H
#define LT_LINK_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/status.h"
#include "linkage/linkage.h"

#define LT_LINK_BLOCK_KEYS_MAX      4   /* keys in one rule */
#define LT_LINK_BLOCK_RULES_MAX     16  /* rules in one list */
#define LT_LINK_BLOCK_RULE_TEXT_MAX 256 /* bytes of a rule's text form */

enum lt_link_key_fn {
	LT_LINK_KEY_EXACT,
	LT_LINK_KEY_PREFIX,   /* first `n` characters */
	LT_LINK_KEY_SUFFIX,   /* last `n` characters */
	LT_LINK_KEY_PHONETIC, /* primary Double Metaphone of the first word */
	LT_LINK_KEY_YEAR,     /* year of a date */
	LT_LINK_KEY_NOSPACE,  /* normalised, spaces removed */
};

struct lt_link_key {
	uint32_t field; /* field index in the table */
	enum lt_link_key_fn fn;
	uint32_t n; /* characters for PREFIX and SUFFIX (1..64), else 0 */
};

struct lt_link_rule {
	size_t nkey; /* 0..LT_LINK_BLOCK_KEYS_MAX; 0 = every pair ("*") */
	struct lt_link_key keys[LT_LINK_BLOCK_KEYS_MAX];
};

enum lt_link_mode {
	LT_LINK_BLOCK_ALL,    /* any two records */
	LT_LINK_BLOCK_ACROSS, /* records of different sources only */
	LT_LINK_BLOCK_WITHIN, /* records of the same source only */
};

/* One candidate pair: record indices, a < b. */
struct lt_link_pair {
	uint32_t a, b;
};

/*
 * Parse the text form of a rule (above) against the fields of `t`.
 * LT_EINVAL with err naming the unknown field or function, an empty key,
 * or more than LT_LINK_BLOCK_KEYS_MAX keys. "*" is the rule of no keys.
 */
lt_status lt_link_rule_parse(const char *text, const struct lt_link_table *t,
                             struct lt_link_rule *rule, struct lt_error *err);
/* Write the text form of `rule` into out (cap bytes, NUL-terminated, cut if
 * too small). */
void lt_link_rule_format(const struct lt_link_rule *rule, const struct lt_link_table *t, char *out,
                         size_t cap);

/* Private state of a blocker; see link_block.c. */
struct lt_link_block_rule_state;

struct lt_link_blocker {
	size_t nrule;
	struct lt_link_rule rules[LT_LINK_BLOCK_RULES_MAX];
	enum lt_link_mode mode;
	size_t nrec;
	uint32_t *source;                       /* nrec source indices, a copy */
	struct lt_link_block_rule_state *state; /* nrule states, owned */
};

/*
 * Build the blocks of `nrule` rules over table `t`: compute every record's
 * key for every rule and sort. Cost O(nrule x nrec log nrec). LT_EINVAL for
 * no rules, too many, or a key naming no field of t; LT_ENOMEM. On failure
 * *b holds nothing to release (releasing it is harmless).
 */
lt_status lt_link_blocker_init(struct lt_link_blocker *b, const struct lt_link_table *t,
                               const struct lt_link_rule *rules, size_t nrule,
                               enum lt_link_mode mode, struct lt_error *err);
void lt_link_blocker_release(struct lt_link_blocker *b);

/*
 * Keep only the rules keep[0..nkeep-1] (ascending indices, nkeep >= 1), in
 * that order, releasing the blocks of the others: the blocker is then what
 * lt_link_blocker_init would build from the kept rules, without building
 * anything again (a rule's blocks do not depend on the other rules; which
 * pairs it adds is decided while iterating). For dropping the rules a
 * pre-flight count finds too costly.
 */
void lt_link_blocker_keep(struct lt_link_blocker *b, const size_t *keep, size_t nkeep);

/* Pre-flight counts of one rule. */
struct lt_link_rule_count {
	uint64_t raw;     /* pairs in the rule's blocks (in the mode) */
	uint64_t added;   /* of them, pairs no earlier rule covers (when exact) */
	uint64_t blocks;  /* blocks of two records or more */
	uint64_t largest; /* records in the largest block */
	uint64_t keyed;   /* records with every key of the rule present */
};

/*
 * Count the pairs of each rule into counts[0..nrule-1]. Raw counts always
 * (O(nrec)); with `exact` also the added counts, by walking every raw pair
 * (O(raw pairs x earlier rules)); without it `added` is 0. Never fails.
 */
void lt_link_blocker_count(const struct lt_link_blocker *b, int exact,
                           struct lt_link_rule_count *counts);

/* A piece of the pairs: positions [begin, end) of rule `rule`'s order. */
struct lt_link_chunk {
	uint32_t rule;
	uint32_t begin, end;
	uint64_t raw; /* raw pairs in the chunk */
};

/*
 * Cut the pairs of all rules into chunks of about `target` raw pairs each
 * (at least one position per chunk). *chunks is allocated (free() it) and
 * *nchunk set; no chunk is empty of positions, chunks may hold no pairs.
 * LT_ENOMEM.
 */
lt_status lt_link_blocker_chunks(const struct lt_link_blocker *b, uint64_t target,
                                 struct lt_link_chunk **chunks, size_t *nchunk);

/* Walks the pairs of one chunk. Plain data: keep it on the stack. */
struct lt_link_block_iter {
	const struct lt_link_blocker *b;
	struct lt_link_chunk chunk;
	uint32_t pos;  /* the position whose pairs are being walked */
	uint32_t next; /* the next partner position of pos */
};

void lt_link_block_iter_init(struct lt_link_block_iter *it, const struct lt_link_blocker *b,
                             const struct lt_link_chunk *chunk);
/*
 * Fill out[0..cap-1] with the next pairs of the chunk that the rule adds
 * (in the mode, not covered by an earlier rule); returns how many, 0 when
 * the chunk is done. cap >= 1.
 */
size_t lt_link_block_iter_next(struct lt_link_block_iter *it, struct lt_link_pair *out, size_t cap);

/*
 * Whether rule `rule` covers records a and b (every key present and equal).
 * For explanations: which rule first covered a pair.
 */
int lt_link_blocker_covers(const struct lt_link_blocker *b, size_t rule, uint32_t a, uint32_t c);

/*
 * The key value of `key` for cell text `s` into out (cap bytes): the
 * normalised string, "" when missing or empty. Exposed for tests and the
 * explanation of a pair. LT_EINVAL when s is not UTF-8 (the key is then
 * missing); LT_OK otherwise.
 */
lt_status lt_link_key_value(const struct lt_link_key *key, const char *s, char *out, size_t cap);

#endif
