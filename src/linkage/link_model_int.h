/*
 * link_model_int.h — private structs of the Fellegi–Sunter model, shared
 * only by link_model.c, link_em.c and link_json.c (link_model.h is the
 * contract).
 *
 * A TF table is an open-addressing hash map from a value (a copy, owned)
 * to the number of records that have it; `total` is the number of records
 * with the field present. A prep cell holds everything one comparison
 * needs of one record, computed once (link_model.c, lt_link_prep_init).
 */
#ifndef LT_LINK_MODEL_INT_H
#define LT_LINK_MODEL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "linkage/link_compare.h"
#include "linkage/link_model.h"

/* Buckets of the character histogram that bounds edit distances and
 * Jaro-Winkler before they are computed (link_model.c). */
#define LT_LINK_HIST 32

struct lt_link_tf_entry {
	char *value;    /* owned; NULL = empty slot */
	uint64_t hash;  /* lt_link_hash of value */
	uint64_t count; /* records with this value */
};

struct lt_link_tf {
	struct lt_link_tf_entry *slots; /* cap slots, cap a power of two */
	size_t cap;
	size_t n;       /* values held */
	uint64_t total; /* records with the field present */
	bool normalise; /* counted on folded values */
};

struct lt_link_prep_cell {
	/* First cache line: what exact and fuzzy levels read. */
	const char *raw;            /* the table's cell, NULL = missing */
	const char *norm;           /* the folded value (in the prep's arena), NULL = missing */
	uint32_t braw;              /* bytes of raw */
	uint32_t bnorm;             /* bytes of norm */
	uint16_t craw;              /* code points of raw, at most LT_LINK_STRING_MAX */
	uint16_t cnorm;             /* code points of norm, likewise */
	bool missing;               /* the null level holds for any pair with this record */
	uint8_t hist[LT_LINK_HIST]; /* code points by bucket, of the comparison's hist_form */
	/* Second: hashes, codes, dates, frequencies. */
	uint64_t hraw;            /* lt_link_hash of raw */
	uint64_t hnorm;           /* lt_link_hash of norm */
	uint32_t dm1;             /* Double Metaphone of norm, primary, packed; 0 = none */
	uint32_t dm2;             /* and alternate */
	struct lt_link_date date; /* parsed raw value (year 0 = not a date) */
	uint64_t nick;            /* lt_link_hash of lt_link_name_canonical(norm), 0 = none */
	double ltf;               /* log2 of the term frequency, -INFINITY = none */
};

/*
 * The next code point of the NUL-terminated s at *i, advancing *i: a
 * well-formed UTF-8 sequence is one code point; any other byte is one of
 * its own, U+DC00 + the byte (U+DC80..U+DCFF), as the comparators read it.
 */
uint32_t lt_link_next_cp(const unsigned char *s, size_t *i);

/* The folded second field of a record, for swapped levels. */
struct lt_link_prep_swap {
	const char *norm2; /* folded, in the prep's arena; NULL = missing */
	uint64_t h2;       /* lt_link_hash of norm2 */
	uint32_t b2;       /* bytes of norm2 */
};

/* 64-bit FNV-1a of n bytes. */
uint64_t lt_link_hash(const void *p, size_t n);

/* The TF table's count of `value` (0 when absent). */
uint64_t lt_link_tf_count(const struct lt_link_tf *tf, const char *value);
/* An empty TF table. NULL when out of memory. */
struct lt_link_tf *lt_link_tf_alloc(bool normalise);
void lt_link_tf_free(struct lt_link_tf *tf);
/* Add `count` records of `value` (copied). LT_ENOMEM. */
lt_status lt_link_tf_add(struct lt_link_tf *tf, const char *value, uint64_t count);

/* The level kinds' JSON parameter member names ("distance", ...), or NULL. */
const char *lt_link_param_name(enum lt_link_level_param param);

/* The largest value a kind's parameter may take, and the smallest. */
void lt_link_param_range(enum lt_link_level_param param, double *lo, double *hi);

/*
 * The comparison vector of records a and b, and for each comparison k
 * whose level has a TF weight, ltf[k] = the log2 term frequency the
 * weight uses (max of the two records' and of log2 tf_min); -INFINITY
 * for every other comparison, or when neither value has a frequency.
 */
uint64_t lt_link_vector_tf(const struct lt_link_prep *p, uint32_t a, uint32_t b, double *ltf);

#endif
