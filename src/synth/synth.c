/*
 * synth.c — the synthetic population, its capture by the agencies' lists,
 * and the corruption of each record (synth.h says what; this file how).
 *
 * Randomness. Every random quantity is drawn from a splitmix64 stream
 * (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
 * generators", OOPSLA) whose starting state is a hash of the seed and of
 * what the stream is for: (person, capture), (person, attributes),
 * (person, list, copy) for one record. So any person or record can be
 * generated on its own, in any order, which is what lets each list be
 * written in its own shuffled order without storing anyone. Draws are
 * compared as 32-bit integers against thresholds fixed at allocation:
 * uniform-below-n is Lemire's multiply-shift (bias below n / 2^32).
 * Draws are always made in separate statements: C leaves the order in
 * which a call's arguments are evaluated to the compiler.
 *
 * Capture. The latent visibility takes 32 equally likely values, the
 * midpoint quantiles of the standard normal rescaled to variance 1, times
 * `heterogeneity`. For list j (in an order where every dependence's first
 * list comes first), a person of class k whose captured parent lists
 * (the `from` of each dependence into j) are the set S is on the list with
 * odds exp(c_j + z_k) * prod_{a in S} factor_aj. The offsets c_j are found
 * by bisection so that the expected share on list j is exactly its
 * `capture`; the joint distribution of the parent lists within each class
 * is carried along exactly (at most LT_SYNTH_DEPS_MAX parent lists, so
 * 2^8 states). Each probability becomes a threshold in [0, 2^32]. The exp
 * is our own series (exact IEEE operations and ldexp only), so thresholds
 * are the same on every machine.
 *
 * Order. List j's rows visit persons in the order of a 4-round Feistel
 * network on the smallest even number of bits covering `people`, keyed by
 * the seed and j, walked until it lands below `people` (a bijection on
 * 0..people-1). A duplicate is held back in a small heap, ordered by
 * (release row, person, copy), until its release row, drawn uniformly in
 * 1..LT_SYNTH_DELAY_MAX rows ahead; pending duplicates are at most
 * LT_SYNTH_DELAY_MAX * (LT_SYNTH_COPIES_MAX - 1), so the heap is fixed.
 *
 * Names. A person's given name and surname are a table name (its row kept
 * for variants, nicknames and the e-mail form) or, for the origin's tail
 * share, one composed from its parts (synth_morphs.inc), held in the
 * person's values; composed names have no variants or nicknames.
 *
 * Corruption (per record, from its own stream): first the swap of first
 * name and surname (errors / 10), then per field: missing; else corrupted
 * with the field's rate, the kind drawn from the field's weights below,
 * falling back to a keyboard error when a kind cannot change the value
 * (a name without nickname or variant, a day above 12 for day_month).
 * Typos touch ASCII letters and digits only, so UTF-8 stays valid.
 */
#include "synth/synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

/* The calibration must round the same everywhere: no fused multiply-add.
 * GCC does not fuse in ISO C mode (-std=c17, as meson.build sets); clang
 * fuses within an expression unless told not to. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

const char *const lt_synth_field_names[LT_SYNTH_FIELD_COUNT] = {
#define X(sfx, name) name,
    LT_SYNTH_FIELD_MAP(X)
#undef X
};

const char *const lt_synth_kind_names[LT_SYNTH_KIND_COUNT] = {
#define X(sfx, name, desc) name,
    LT_SYNTH_KIND_MAP(X)
#undef X
};

/* ---------------------------------------------------------------------------
 * Compiled-in tables.
 */

enum synth_origin {
#define SYNTH_ORIGIN(sym, iso, w) ORIGIN_##sym,
#define SYNTH_NAME(sym, kind, name)
#include "synth/synth_names.inc"
#undef SYNTH_ORIGIN
#undef SYNTH_NAME
	ORIGIN_COUNT
};

struct origin_row {
	const char *iso;
	uint32_t weight;
};
static const struct origin_row origins[ORIGIN_COUNT] = {
#define SYNTH_ORIGIN(sym, iso, w) {iso, w},
#define SYNTH_NAME(sym, kind, name)
#include "synth/synth_names.inc"
#undef SYNTH_ORIGIN
#undef SYNTH_NAME
};

enum { KIND_M, KIND_F, KIND_S, KIND_COUNT };
struct name_row {
	uint8_t origin, kind;
	const char *name;
};
static const struct name_row names[] = {
#define SYNTH_ORIGIN(sym, iso, w)
#define SYNTH_NAME(sym, kind, name) {ORIGIN_##sym, KIND_##kind, name},
#include "synth/synth_names.inc"
#undef SYNTH_ORIGIN
#undef SYNTH_NAME
};
#define NAME_COUNT (sizeof(names) / sizeof(names[0]))
#define NAME_NONE  UINT32_MAX /* a composed name: no table row */

/* The long tail (synth_morphs.inc): per origin the share of composed given
 * names and surnames (per mille) and the offset of the table surnames'
 * Zipf weights (tenths); the parts names are composed from. */
enum { MORPH_PARTS = 3 };
struct tail_row {
	uint16_t given, surname, offset;
};
static const struct tail_row tails[ORIGIN_COUNT] = {
#define SYNTH_TAIL(sym, given, surname, offset) [ORIGIN_##sym] = {given, surname, offset},
#define SYNTH_MORPHS(sym, kind, part, parts)
#include "synth/synth_morphs.inc"
#undef SYNTH_TAIL
#undef SYNTH_MORPHS
};
struct morph_row {
	const char *parts; /* "a|b|..." */
	uint8_t origin, kind, part;
};
static const struct morph_row morph_rows[] = {
#define SYNTH_TAIL(sym, given, surname, offset)
#define SYNTH_MORPHS(sym, kind, part, parts) {parts, ORIGIN_##sym, KIND_##kind, part},
#include "synth/synth_morphs.inc"
#undef SYNTH_TAIL
#undef SYNTH_MORPHS
};
#define MORPH_ROW_COUNT (sizeof(morph_rows) / sizeof(morph_rows[0]))

static const char *const variant_groups[] = {
#define SYNTH_VARIANTS(s) s,
#define SYNTH_NICKNAMES(n, s)
#include "synth/synth_variants.inc"
#undef SYNTH_VARIANTS
#undef SYNTH_NICKNAMES
};
#define VARIANT_GROUP_COUNT (sizeof(variant_groups) / sizeof(variant_groups[0]))

struct nick_row {
	const char *name, *nicks;
};
static const struct nick_row nick_rows[] = {
#define SYNTH_VARIANTS(s)
#define SYNTH_NICKNAMES(n, s) {n, s},
#include "synth/synth_variants.inc"
#undef SYNTH_VARIANTS
#undef SYNTH_NICKNAMES
};
#define NICK_ROW_COUNT (sizeof(nick_rows) / sizeof(nick_rows[0]))

struct city_row {
	const char *name, *area;
	uint32_t weight;
};
static const struct city_row cities[] = {
#define SYNTH_CITY(n, a, w) {n, a, w},
#include "synth/synth_places.inc"
#undef SYNTH_CITY
};
#define CITY_COUNT (sizeof(cities) / sizeof(cities[0]))

/* Ages of referred victims: weights of ages 0..79 in bands. About 38% are
 * children, most of them 14 to 17; adults mostly 18 to 34 (the shape of the
 * NRM statistics, where 40-45% of referrals are about children). */
struct age_band {
	unsigned from, to; /* inclusive */
	uint32_t weight;   /* per year of age */
};
static const struct age_band age_bands[] = {
    {0, 9, 20},   {10, 13, 80}, {14, 17, 240}, {18, 24, 100}, {25, 34, 80},
    {35, 44, 50}, {45, 54, 25}, {55, 64, 10},  {65, 79, 3},
};
#define AGE_MAX 79

static const char *const email_domains[] = {"gmail.com",   "hotmail.co.uk", "yahoo.com",
                                            "outlook.com", "icloud.com",    "hotmail.com"};
#define EMAIL_DOMAIN_COUNT (sizeof(email_domains) / sizeof(email_domains[0]))
/* Words of e-mail addresses unrelated to the name (a third of them): two
 * words and a number, 32 x 32 x 1000 possible. */
static const char *const email_words[] = {
    "sunny", "blue", "star",   "tiger", "angel", "rose",  "king",   "lion",
    "sky",   "moon", "happy",  "cool",  "dark",  "gold",  "silver", "wolf",
    "queen", "boss", "baby",   "smart", "red",   "green", "little", "big",
    "fire",  "ice",  "shadow", "sweet", "lucky", "storm", "magic",  "free"};
#define EMAIL_WORD_COUNT (sizeof(email_words) / sizeof(email_words[0]))

/* The share of men among referred victims, per 2^32 (about 75%). */
#define MALE_T 3221225472u
/* A person of another origin holds British nationality: 10%. */
#define BRITISH_T 429496730u
/* A person has an e-mail address: 40%. */
#define EMAIL_T 1717986918u

/* Latent visibility: 32 equally likely values, +/- these (the midpoint
 * quantiles (k + 0.5) / 32 of N(0, 1) for k = 16..31, divided by the root
 * mean square of all 32, 0.98039..., so their variance is exactly 1;
 * computed with Python's statistics.NormalDist.inv_cdf). */
#define CLASSES 32
static const double visibility_q[CLASSES / 2] = {
    0.039959931067560593, 0.12012624563124862, 0.20104269532639438, 0.28324654418352735,
    0.36733546668774186,  0.45400213493575459, 0.54408230986947237, 0.63862616832538133,
    0.73901066045819941,  0.84712796129983092, 0.96572521812630474, 1.0990747858090244,
    1.2544661011944294,   1.4461648011676878,  1.7094723716109435,  2.1969699932386941,
};
static double visibility(unsigned k)
{
	return k < CLASSES / 2 ? -visibility_q[CLASSES / 2 - 1 - k] : visibility_q[k - CLASSES / 2];
}

/* QWERTY neighbours of each lower-case letter a..z, then of each digit 0..9. */
static const char *const qwerty[36] = {
    "qwsz",   "vghn",  "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv", "gyujnb", "ujko",
    "huikmn", "jiolm", "kop",  "njk",    "bhjm", "iklp",   "ol",     "wa",     "edft",
    "awedxz", "rfgy",  "yhji", "cfgb",   "qase", "zsdc",   "tghu",   "asx",    "9op",
    "2q",     "13qw",  "24we", "35er",   "46rt", "57ty",   "68yu",   "79ui",   "80io",
};

/* ---------------------------------------------------------------------------
 * Random streams.
 */

#define GOLDEN 0x9e3779b97f4a7c15ull

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s;
};

enum { STREAM_CAPTURE = 1, STREAM_PERSON = 2, STREAM_RECORD = 3, STREAM_ORDER = 4 };

static inline void rng_key(struct rng *r, uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b)
{
	r->s = mix64(seed + GOLDEN * purpose) ^ mix64(a * 0xd1b54a32d192ed03ull + b + 1);
	r->s = mix64(r->s);
}

static inline uint32_t rng_u32(struct rng *r)
{
	r->s += GOLDEN;
	return (uint32_t)(mix64(r->s) >> 32);
}

/* Uniform in 0..n-1 (n >= 1). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)rng_u32(r) * n) >> 32);
}

/* True with probability t / 2^32. */
static inline bool rng_bern(struct rng *r, uint64_t t)
{
	return rng_u32(r) < t;
}

/* A probability as a threshold out of 2^32. */
static uint64_t prob_threshold(double p)
{
	if (!(p > 0))
		return 0;
	if (p >= 1)
		return 1ull << 32;
	return (uint64_t)(p * 4294967296.0 + 0.5);
}

/* exp(x) from exact IEEE operations: x = n ln2 + r, |r| <= ln2 / 2, a
 * Taylor series of r to 1e-17, scaled by 2^n. */
static double synth_exp(double x)
{
	if (x > 700)
		x = 700;
	if (x < -700)
		x = -700;
	const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
	double nf = x * 1.44269504088896338700 + (x >= 0 ? 0.5 : -0.5);
	int n = (int)nf;
	double r = (x - n * ln2_hi) - n * ln2_lo;
	double sum = 1, term = 1;
	for (int i = 1; i <= 22; i++) {
		term = term * r / i;
		sum += term;
	}
	return ldexp(sum, n);
}

/* ---------------------------------------------------------------------------
 * The generator.
 */

/* A weighted choice: cumulative weights, searched by bisection. */
struct pick {
	uint32_t n;
	uint32_t *items; /* what each entry stands for */
	uint64_t *cum;   /* cum[i] = weights of entries 0..i */
};

struct pending {
	uint64_t release, person;
	unsigned copy;
};

struct person {
	uint64_t number; /* 0..people-1 */
	unsigned origin, sex;
	uint32_t name_first, name_last; /* table rows, or NAME_NONE when composed */
	char first[64], last[64];       /* the true names */
	const char *nationality;
	unsigned city;
	unsigned year, month, day;
	bool has_email;
	char dob[16];
	char postcode[16];
	char email[128];
};

struct lt_synth {
	struct lt_synth_params p;
	unsigned order[LT_SYNTH_LISTS_MAX];     /* lists in drawing order */
	unsigned order_pos[LT_SYNTH_LISTS_MAX]; /* position of each list in it */
	/* Parents of each list: the dependences into it. */
	unsigned npar[LT_SYNTH_LISTS_MAX];
	unsigned par[LT_SYNTH_LISTS_MAX][LT_SYNTH_DEPS_MAX];
	/* Thresholds: thr[j] + k * 2^npar[j] + subset of captured parents. */
	uint64_t *thr[LT_SYNTH_LISTS_MAX];
	double offset[LT_SYNTH_LISTS_MAX]; /* calibrated c_j */
	uint64_t dup_t;
	uint64_t missing_t, missing_name_t, error_t, error_other_t, swap_t;
	/* Permutations. */
	unsigned half_bits;
	uint64_t round_key[LT_SYNTH_LISTS_MAX][4];
	/* Tables. */
	struct pick pick_origin, pick_city, pick_age;
	struct pick pick_name[ORIGIN_COUNT][KIND_COUNT];
	int name_group[NAME_COUNT];      /* variant group, -1 none */
	int name_nick[NAME_COUNT];       /* nickname row, -1 none */
	char name_ascii[NAME_COUNT][40]; /* lower-case ASCII form, for e-mail */
	/* Composed names: parts of (origin, kind, part), weighted by rank. */
	struct pick pick_morph[ORIGIN_COUNT][KIND_COUNT][MORPH_PARTS];
	const char **morphs;
	unsigned *morph_at; /* [MORPH_ROW_COUNT + 1] */
	char *morph_text;
	uint32_t tail_t[ORIGIN_COUNT][KIND_COUNT]; /* composed when a draw below 1000 is under */
	/* Split variant groups: members of group g are group_str[group_at[g] ..]. */
	const char **members;
	unsigned *group_at; /* [VARIANT_GROUP_COUNT + 1] */
	char *member_text;
	const char **nick_members;
	unsigned *nick_at; /* [NICK_ROW_COUNT + 1] */
	char *nick_text;
	/* Duplicates waiting for their row. */
	struct pending *heap;
	size_t nheap, heap_cap;
	/* Results of the last run. */
	uint64_t *hist; /* [1 << nlists] */
	struct lt_synth_counts counts;
	/* Scratch of one record. */
	struct person person;
	char fbuf[LT_SYNTH_FIELD_COUNT][192];
	char idbuf[LT_MSE_NAME_MAX + 32];
};

/* ---------------------------------------------------------------------------
 * Parameters.
 */

void lt_synth_params_default(struct lt_synth_params *p)
{
	static const struct lt_synth_list lists[] = {
	    {"police", 0.3}, {"council", 0.2}, {"charity", 0.25}, {"nrm", 0.35}, {"health", 0.1},
	};
	memset(p, 0, sizeof(*p));
	p->seed = 1;
	p->people = 10000;
	p->nlists = 5;
	memcpy(p->lists, lists, sizeof(lists));
	p->heterogeneity = 0;
	p->ndeps = 0;
	p->duplicates = 0.02;
	p->errors = 0.2;
	p->missing = 0.05;
	p->reference_year = 2024;
}

static bool list_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > LT_MSE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* A decimal number occupying exactly s[0..len). */
static bool parse_number(const char *s, size_t len, double *out)
{
	char buf[64];
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.' || buf[i] == 'e' ||
		      buf[i] == 'E' || buf[i] == '-' || buf[i] == '+'))
			return false;
	char *end;
	double v = strtod(buf, &end);
	if (end != buf + len || !isfinite(v))
		return false;
	*out = v;
	return true;
}

lt_status lt_synth_lists_parse(struct lt_synth_params *p, const char *s, struct lt_error *err)
{
	struct lt_synth_list lists[LT_SYNTH_LISTS_MAX];
	unsigned n = 0;
	const char *at = s;
	char q[80];
	for (;;) {
		const char *comma = strchr(at, ',');
		size_t len = comma ? (size_t)(comma - at) : strlen(at);
		lt_error_quote(q, sizeof(q), at, len, 60);
		if (n == LT_SYNTH_LISTS_MAX)
			return lt_error_set(err, LT_EINVAL, "lists",
			                    "more than %d lists (at most %d, as an estimate takes)",
			                    LT_SYNTH_LISTS_MAX, LT_SYNTH_LISTS_MAX);
		const char *colon = memchr(at, ':', len);
		if (!colon)
			return lt_error_set(
			    err, LT_EINVAL, "lists",
			    "'%s' is not NAME:P (a list name, a colon and the share of "
			    "the population on the list, e.g. police:0.3)",
			    q);
		size_t nlen = (size_t)(colon - at);
		if (!list_name_ok(at, nlen))
			return lt_error_set(err, LT_EINVAL, "lists",
			                    "in '%s': a list name is 1 to %d letters, digits, '_', "
			                    "'.' or '-'",
			                    q, LT_MSE_NAME_MAX);
		double v;
		if (!parse_number(colon + 1, len - nlen - 1, &v) ||
		    !(v >= LT_SYNTH_CAPTURE_MIN && v <= 1 - LT_SYNTH_CAPTURE_MIN))
			return lt_error_set(err, LT_EINVAL, "lists",
			                    "in '%s': the capture probability must be a number "
			                    "between 0 and 1 (from 0.000001 to 0.999999)",
			                    q);
		memcpy(lists[n].name, at, nlen);
		lists[n].name[nlen] = '\0';
		lists[n].capture = v;
		for (unsigned i = 0; i < n; i++)
			if (strcmp(lists[i].name, lists[n].name) == 0)
				return lt_error_set(err, LT_EINVAL, "lists",
				                    "list '%s' is given twice", lists[n].name);
		n++;
		if (!comma)
			break;
		at = comma + 1;
	}
	if (n < 2)
		return lt_error_set(err, LT_EINVAL, "lists",
		                    "%u list given; at least 2 are needed (at most %d)", n,
		                    LT_SYNTH_LISTS_MAX);
	memcpy(p->lists, lists, n * sizeof(lists[0]));
	p->nlists = n;
	p->ndeps = 0;
	return LT_OK;
}

static int list_index(const struct lt_synth_params *p, const char *s, size_t len)
{
	for (unsigned i = 0; i < p->nlists; i++)
		if (strlen(p->lists[i].name) == len && memcmp(p->lists[i].name, s, len) == 0)
			return (int)i;
	return -1;
}

static void lists_expected(const struct lt_synth_params *p, char *out, size_t cap)
{
	size_t at = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < p->nlists && at + 1 < cap; i++) {
		int w = snprintf(out + at, cap - at, "%s%s", i ? ", " : "", p->lists[i].name);
		if (w < 0)
			break;
		at += (size_t)w;
	}
}

lt_status lt_synth_dependence_parse(struct lt_synth_params *p, const char *s, struct lt_error *err)
{
	char q[80], names_text[LT_SYNTH_LISTS_MAX * (LT_MSE_NAME_MAX + 2) + 1];
	size_t len = strlen(s);
	lt_error_quote(q, sizeof(q), s, len, 60);
	lists_expected(p, names_text, sizeof(names_text));
	const char *c1 = strchr(s, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2)
		return lt_error_set(err, LT_EINVAL, "dependence",
		                    "'%s' is not FROM:TO:FACTOR (two list names and the factor "
		                    "multiplying the odds of TO for a person on FROM, e.g. "
		                    "police:nrm:3)",
		                    q);
	int from = list_index(p, s, (size_t)(c1 - s));
	int to = list_index(p, c1 + 1, (size_t)(c2 - c1 - 1));
	if (from < 0 || to < 0)
		return lt_error_set(err, LT_EINVAL, "dependence",
		                    "in '%s': unknown list '%.*s' (the lists are: %s)", q,
		                    from < 0 ? (int)(c1 - s) : (int)(c2 - c1 - 1),
		                    from < 0 ? s : c1 + 1, names_text);
	if (from == to)
		return lt_error_set(err, LT_EINVAL, "dependence",
		                    "in '%s': a list cannot depend on itself", q);
	double f;
	if (!parse_number(c2 + 1, strlen(c2 + 1), &f) || !(f > 0 && f <= 1000))
		return lt_error_set(err, LT_EINVAL, "dependence",
		                    "in '%s': the factor must be a number above 0 and at most 1000 "
		                    "(above 1 a positive dependence, below 1 a negative one)",
		                    q);
	if (p->ndeps >= LT_SYNTH_DEPS_MAX)
		return lt_error_set(err, LT_EINVAL, "dependence", "more than %d dependences",
		                    LT_SYNTH_DEPS_MAX);
	for (unsigned i = 0; i < p->ndeps; i++)
		if (p->deps[i].from == (unsigned)from && p->deps[i].to == (unsigned)to)
			return lt_error_set(err, LT_EINVAL, "dependence",
			                    "in '%s': this dependence is given twice", q);
	p->deps[p->ndeps].from = (unsigned)from;
	p->deps[p->ndeps].to = (unsigned)to;
	p->deps[p->ndeps].factor = f;
	p->ndeps++;
	return LT_OK;
}

uint64_t lt_synth_people_for_records(const struct lt_synth_params *p, uint64_t records)
{
	double per = 0, copies = 1, d = 1;
	for (unsigned c = 1; c < LT_SYNTH_COPIES_MAX; c++) {
		d *= p->duplicates;
		copies += d;
	}
	for (unsigned j = 0; j < p->nlists; j++)
		per += p->lists[j].capture * copies;
	double people = per > 0 ? (double)records / per + 0.5 : 1;
	if (!(people >= 1))
		return 1;
	if (people >= LT_SYNTH_PEOPLE_MAX + 1.0)
		return 0;
	return (uint64_t)people;
}

/* Kahn's algorithm, smallest list first among the ready: the drawing
 * order. false on a cycle. */
static bool topo_order(const struct lt_synth_params *p, unsigned *order)
{
	unsigned indeg[LT_SYNTH_LISTS_MAX] = {0};
	bool done[LT_SYNTH_LISTS_MAX] = {false};
	for (unsigned d = 0; d < p->ndeps; d++)
		indeg[p->deps[d].to]++;
	for (unsigned n = 0; n < p->nlists; n++) {
		unsigned j = p->nlists;
		for (unsigned i = 0; i < p->nlists; i++)
			if (!done[i] && indeg[i] == 0) {
				j = i;
				break;
			}
		if (j == p->nlists)
			return false;
		done[j] = true;
		order[n] = j;
		for (unsigned d = 0; d < p->ndeps; d++)
			if (p->deps[d].from == j)
				indeg[p->deps[d].to]--;
	}
	return true;
}

lt_status lt_synth_params_check(const struct lt_synth_params *p, struct lt_error *err)
{
	if (p->people < 1 || p->people > LT_SYNTH_PEOPLE_MAX)
		return lt_error_set(err, LT_EINVAL, "people",
		                    "the number of people must be from 1 to %d, not %llu",
		                    LT_SYNTH_PEOPLE_MAX, (unsigned long long)p->people);
	if (p->nlists < 2 || p->nlists > LT_SYNTH_LISTS_MAX)
		return lt_error_set(err, LT_EINVAL, "lists", "there must be 2 to %d lists, not %u",
		                    LT_SYNTH_LISTS_MAX, p->nlists);
	for (unsigned i = 0; i < p->nlists; i++) {
		if (!list_name_ok(p->lists[i].name, strnlen(p->lists[i].name, LT_MSE_NAME_MAX + 1)))
			return lt_error_set(err, LT_EINVAL, "lists",
			                    "list %u: a list name is 1 to %d letters, digits, '_', "
			                    "'.' or '-'",
			                    i + 1, LT_MSE_NAME_MAX);
		if (!(p->lists[i].capture >= LT_SYNTH_CAPTURE_MIN &&
		      p->lists[i].capture <= 1 - LT_SYNTH_CAPTURE_MIN))
			return lt_error_set(
			    err, LT_EINVAL, "lists",
			    "list '%s': the capture probability must be between 0 and "
			    "1 (from 0.000001 to 0.999999)",
			    p->lists[i].name);
		for (unsigned j = 0; j < i; j++)
			if (strcmp(p->lists[i].name, p->lists[j].name) == 0)
				return lt_error_set(err, LT_EINVAL, "lists",
				                    "list '%s' is given twice", p->lists[i].name);
	}
	if (!(p->heterogeneity >= 0 && p->heterogeneity <= 5))
		return lt_error_set(err, LT_EINVAL, "heterogeneity",
		                    "the heterogeneity (standard deviation of visibility on the "
		                    "logit scale) must be from 0 to 5");
	if (p->ndeps > LT_SYNTH_DEPS_MAX)
		return lt_error_set(err, LT_EINVAL, "dependence", "at most %d dependences",
		                    LT_SYNTH_DEPS_MAX);
	for (unsigned d = 0; d < p->ndeps; d++) {
		const struct lt_synth_dependence *x = &p->deps[d];
		if (x->from >= p->nlists || x->to >= p->nlists || x->from == x->to)
			return lt_error_set(
			    err, LT_EINVAL, "dependence",
			    "dependence %u: the lists must be two different lists of "
			    "the %u",
			    d + 1, p->nlists);
		if (!(x->factor > 0 && x->factor <= 1000))
			return lt_error_set(
			    err, LT_EINVAL, "dependence",
			    "dependence %u: the factor must be above 0 and at most 1000", d + 1);
		for (unsigned e = 0; e < d; e++)
			if (p->deps[e].from == x->from && p->deps[e].to == x->to)
				return lt_error_set(err, LT_EINVAL, "dependence",
				                    "%s:%s is given twice", p->lists[x->from].name,
				                    p->lists[x->to].name);
	}
	unsigned order[LT_SYNTH_LISTS_MAX];
	if (!topo_order(p, order))
		return lt_error_set(
		    err, LT_EINVAL, "dependence",
		    "the dependences form a cycle (A:B with B:A, or a longer loop); "
		    "each list may only depend on lists that do not depend on it");
	if (!(p->duplicates >= 0 && p->duplicates <= 0.5))
		return lt_error_set(err, LT_EINVAL, "duplicates",
		                    "the duplicate rate must be from 0 to 0.5");
	if (!(p->errors >= 0 && p->errors <= 1))
		return lt_error_set(err, LT_EINVAL, "errors", "the error rate must be from 0 to 1");
	if (!(p->missing >= 0 && p->missing <= 1))
		return lt_error_set(err, LT_EINVAL, "missing",
		                    "the missing rate must be from 0 to 1");
	if (p->reference_year < LT_YEAR_MIN + 120 || p->reference_year > LT_YEAR_MAX)
		return lt_error_set(err, LT_EINVAL, "reference_year",
		                    "the reference year must be from %d to %d", LT_YEAR_MIN + 120,
		                    LT_YEAR_MAX);
	return LT_OK;
}

/* ---------------------------------------------------------------------------
 * Allocation: tables, calibration, permutation keys.
 */

static lt_status pick_init(struct pick *k, uint32_t n)
{
	k->n = 0;
	k->items = calloc(n ? n : 1, sizeof(*k->items));
	k->cum = calloc(n ? n : 1, sizeof(*k->cum));
	return k->items && k->cum ? LT_OK : LT_ENOMEM;
}

static void pick_add(struct pick *k, uint32_t item, uint64_t weight)
{
	k->items[k->n] = item;
	k->cum[k->n] = (k->n ? k->cum[k->n - 1] : 0) + weight;
	k->n++;
}

static void pick_release(struct pick *k)
{
	free(k->items);
	free(k->cum);
}

static uint32_t pick_draw(const struct pick *k, struct rng *r)
{
	uint64_t total = k->cum[k->n - 1]; /* < 2^32 (build_tables) */
	uint64_t u = ((uint64_t)rng_u32(r) * total) >> 32;
	uint32_t lo = 0, hi = k->n - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (k->cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return k->items[lo];
}

/* Split "a|b|c" rows into one array of members with offsets. */
static lt_status split_groups(const char *const *rows, size_t nrows, size_t stride,
                              const char ***members, unsigned **at, char **text)
{
	size_t bytes = 0, n = 0;
	for (size_t g = 0; g < nrows; g++) {
		const char *s = *(const char *const *)((const char *)rows + g * stride);
		bytes += strlen(s) + 1;
		n += 1;
		for (const char *c = s; *c; c++)
			n += *c == '|';
	}
	*text = malloc(bytes);
	*members = calloc(n, sizeof(**members));
	*at = calloc(nrows + 1, sizeof(**at));
	if (!*text || !*members || !*at)
		return LT_ENOMEM;
	size_t t = 0, m = 0;
	for (size_t g = 0; g < nrows; g++) {
		const char *s = *(const char *const *)((const char *)rows + g * stride);
		(*at)[g] = (unsigned)m;
		size_t len = strlen(s);
		memcpy(*text + t, s, len + 1);
		char *start = *text + t;
		(*members)[m++] = start;
		for (char *c = start; *c; c++)
			if (*c == '|') {
				*c = '\0';
				(*members)[m++] = c + 1;
			}
		t += len + 1;
	}
	(*at)[nrows] = (unsigned)m;
	return LT_OK;
}

/* The lower-case ASCII letters of `s` (for e-mail addresses). */
static void ascii_lower(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	for (; *s && o + 1 < cap; s++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			out[o++] = (char)(c - 'A' + 'a');
		else if (c >= 'a' && c <= 'z')
			out[o++] = c;
	}
	out[o] = '\0';
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static lt_status build_tables(struct lt_synth *g)
{
	lt_status st;
	if ((st = pick_init(&g->pick_origin, ORIGIN_COUNT)) != LT_OK)
		return st;
	for (unsigned o = 0; o < ORIGIN_COUNT; o++)
		pick_add(&g->pick_origin, o, origins[o].weight);
	if ((st = pick_init(&g->pick_city, CITY_COUNT)) != LT_OK)
		return st;
	for (unsigned c = 0; c < CITY_COUNT; c++)
		pick_add(&g->pick_city, c, cities[c].weight);
	if ((st = pick_init(&g->pick_age, AGE_MAX + 1)) != LT_OK)
		return st;
	for (size_t b = 0; b < sizeof(age_bands) / sizeof(age_bands[0]); b++)
		for (unsigned a = age_bands[b].from; a <= age_bands[b].to; a++)
			pick_add(&g->pick_age, a, age_bands[b].weight);
	for (unsigned o = 0; o < ORIGIN_COUNT; o++)
		for (unsigned k = 0; k < KIND_COUNT; k++) {
			if ((st = pick_init(&g->pick_name[o][k], NAME_COUNT)) != LT_OK)
				return st;
			uint32_t rank = 0, off = k == KIND_S ? tails[o].offset : 20;
			LT_ASSERT(off > 0);
			for (uint32_t i = 0; i < NAME_COUNT; i++)
				if (names[i].origin == o && names[i].kind == k)
					pick_add(&g->pick_name[o][k], i,
					         10000000u / (10 * rank++ + off));
			LT_ASSERT(g->pick_name[o][k].n > 0);
			LT_ASSERT(g->pick_name[o][k].cum[g->pick_name[o][k].n - 1] < (1ull << 32));
		}
	st = split_groups(&morph_rows[0].parts, MORPH_ROW_COUNT, sizeof(morph_rows[0]), &g->morphs,
	                  &g->morph_at, &g->morph_text);
	if (st != LT_OK)
		return st;
	for (unsigned o = 0; o < ORIGIN_COUNT; o++)
		for (unsigned k = 0; k < KIND_COUNT; k++) {
			bool any = false;
			for (unsigned q = 0; q < MORPH_PARTS; q++) {
				struct pick *pk = &g->pick_morph[o][k][q];
				if ((st = pick_init(pk, 128)) != LT_OK)
					return st;
				for (size_t row = 0; row < MORPH_ROW_COUNT; row++) {
					if (morph_rows[row].origin != o ||
					    morph_rows[row].kind != k || morph_rows[row].part != q)
						continue;
					for (unsigned m = g->morph_at[row];
					     m < g->morph_at[row + 1]; m++) {
						LT_ASSERT(pk->n < 128);
						pick_add(pk, m, 1000000u / (pk->n + 5));
					}
					any = true;
				}
			}
			g->tail_t[o][k] = !any          ? 0
			                  : k == KIND_S ? tails[o].surname
			                                : tails[o].given;
		}
	st = split_groups(variant_groups, VARIANT_GROUP_COUNT, sizeof(variant_groups[0]),
	                  &g->members, &g->group_at, &g->member_text);
	if (st != LT_OK)
		return st;
	st = split_groups(&nick_rows[0].nicks, NICK_ROW_COUNT, sizeof(nick_rows[0]),
	                  &g->nick_members, &g->nick_at, &g->nick_text);
	if (st != LT_OK)
		return st;
	for (size_t i = 0; i < NAME_COUNT; i++) {
		g->name_group[i] = -1;
		for (size_t v = 0; v < VARIANT_GROUP_COUNT && g->name_group[i] < 0; v++)
			for (unsigned m = g->group_at[v]; m < g->group_at[v + 1]; m++)
				if (strcmp(g->members[m], names[i].name) == 0) {
					g->name_group[i] = (int)v;
					break;
				}
		g->name_nick[i] = -1;
		for (size_t r = 0; r < NICK_ROW_COUNT; r++)
			if (strcmp(nick_rows[r].name, names[i].name) == 0) {
				g->name_nick[i] = (int)r;
				break;
			}
		/* The e-mail form: a name with diacritics takes the first plain
		 * spelling of its group. */
		const char *plain = names[i].name;
		if (!is_ascii(plain) && g->name_group[i] >= 0) {
			unsigned v = (unsigned)g->name_group[i];
			for (unsigned m = g->group_at[v]; m < g->group_at[v + 1]; m++)
				if (is_ascii(g->members[m])) {
					plain = g->members[m];
					break;
				}
		}
		ascii_lower(plain, g->name_ascii[i], sizeof(g->name_ascii[i]));
	}
	return LT_OK;
}

/*
 * Calibrate c_j for every list in drawing order and fill the thresholds.
 * joint[k][s]: probability, within class k, of the parent lists captured so
 * far being the set s (bits = positions in `pset`).
 */
static lt_status calibrate(struct lt_synth *g)
{
	const struct lt_synth_params *p = &g->p;
	unsigned npset = 0;
	int pos[LT_SYNTH_LISTS_MAX];
	for (unsigned j = 0; j < LT_SYNTH_LISTS_MAX; j++)
		pos[j] = -1;
	for (unsigned d = 0; d < p->ndeps; d++) {
		unsigned a = p->deps[d].from;
		if (pos[a] < 0) {
			pos[a] = (int)npset++;
		}
		unsigned b = p->deps[d].to;
		g->par[b][g->npar[b]++] = d; /* index of the dependence */
	}
	size_t nstates = (size_t)1 << npset;
	double *joint = calloc((size_t)CLASSES * nstates, sizeof(double));
	if (!joint)
		return LT_ENOMEM;
	for (unsigned k = 0; k < CLASSES; k++)
		joint[(size_t)k * nstates] = 1;
	double ez[CLASSES];
	for (unsigned k = 0; k < CLASSES; k++)
		ez[k] = synth_exp(p->heterogeneity * visibility(k));
	for (unsigned n = 0; n < p->nlists; n++) {
		unsigned j = g->order[n];
		/* Bisection on c: the expected share on j rises with c. */
		double target = p->lists[j].capture;
		double lo = -200, hi = 200, c = 0; /* wide enough for 8 factors of 1000 */
		for (int it = 0; it < 200; it++) {
			c = (lo + hi) / 2;
			double ec = synth_exp(c), mean = 0;
			for (unsigned k = 0; k < CLASSES; k++)
				for (size_t s = 0; s < nstates; s++) {
					double w = joint[(size_t)k * nstates + s];
					if (w == 0)
						continue;
					double odds = ec * ez[k];
					for (unsigned q = 0; q < g->npar[j]; q++) {
						const struct lt_synth_dependence *d =
						    &p->deps[g->par[j][q]];
						if (s >> pos[d->from] & 1)
							odds *= d->factor;
					}
					mean += w * (odds / (1 + odds));
				}
			mean /= CLASSES;
			if (mean < target)
				lo = c;
			else
				hi = c;
			if (hi - lo < 1e-13)
				break;
		}
		g->offset[j] = c;
		double ec = synth_exp(c);
		size_t nsub = (size_t)1 << g->npar[j];
		g->thr[j] = calloc((size_t)CLASSES * nsub, sizeof(uint64_t));
		if (!g->thr[j]) {
			free(joint);
			return LT_ENOMEM;
		}
		for (unsigned k = 0; k < CLASSES; k++)
			for (size_t sub = 0; sub < nsub; sub++) {
				double odds = ec * ez[k];
				for (unsigned q = 0; q < g->npar[j]; q++)
					if (sub >> q & 1)
						odds *= p->deps[g->par[j][q]].factor;
				g->thr[j][(size_t)k * nsub + sub] =
				    prob_threshold(odds / (1 + odds));
			}
		if (pos[j] >= 0) {
			/* Split each state on whether j captured. */
			for (unsigned k = 0; k < CLASSES; k++)
				for (size_t s = 0; s < nstates; s++) {
					double w = joint[(size_t)k * nstates + s];
					if (w == 0 || (s >> pos[j] & 1))
						continue;
					size_t sub = 0;
					for (unsigned q = 0; q < g->npar[j]; q++)
						if (s >> pos[p->deps[g->par[j][q]].from] & 1)
							sub |= (size_t)1 << q;
					double odds = ec * ez[k];
					for (unsigned q = 0; q < g->npar[j]; q++)
						if (sub >> q & 1)
							odds *= p->deps[g->par[j][q]].factor;
					double pj = odds / (1 + odds);
					joint[(size_t)k * nstates + (s | (size_t)1 << pos[j])] =
					    w * pj;
					joint[(size_t)k * nstates + s] = w * (1 - pj);
				}
		}
	}
	free(joint);
	return LT_OK;
}

lt_status lt_synth_alloc(const struct lt_synth_params *p, struct lt_synth **out,
                         struct lt_error *err)
{
	*out = NULL;
	lt_status st = lt_synth_params_check(p, err);
	if (st != LT_OK)
		return st;
	struct lt_synth *g = calloc(1, sizeof(*g));
	if (!g)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	g->p = *p;
	LT_ASSERT(topo_order(p, g->order));
	for (unsigned i = 0; i < p->nlists; i++)
		g->order_pos[g->order[i]] = i;
	g->heap_cap = (size_t)LT_SYNTH_DELAY_MAX * (LT_SYNTH_COPIES_MAX - 1) + LT_SYNTH_COPIES_MAX;
	g->heap = calloc(g->heap_cap, sizeof(*g->heap));
	g->hist = calloc((size_t)1 << p->nlists, sizeof(uint64_t));
	if (!g->heap || !g->hist || build_tables(g) != LT_OK || calibrate(g) != LT_OK) {
		lt_synth_free(g);
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	}
	g->dup_t = prob_threshold(p->duplicates);
	g->missing_t = prob_threshold(p->missing);
	g->missing_name_t = prob_threshold(p->missing / 5);
	g->error_t = prob_threshold(p->errors);
	g->error_other_t = prob_threshold(p->errors / 2);
	g->swap_t = prob_threshold(p->errors / 10);
	unsigned bits = 2;
	while (bits < 64 && ((uint64_t)1 << bits) < p->people)
		bits++;
	g->half_bits = (bits + 1) / 2;
	for (unsigned j = 0; j < p->nlists; j++)
		for (unsigned r = 0; r < 4; r++)
			g->round_key[j][r] =
			    mix64(p->seed ^ mix64(GOLDEN * (STREAM_ORDER + 16 * j + 4 + r)));
	*out = g;
	return LT_OK;
}

void lt_synth_free(struct lt_synth *g)
{
	if (!g)
		return;
	pick_release(&g->pick_origin);
	pick_release(&g->pick_city);
	pick_release(&g->pick_age);
	for (unsigned o = 0; o < ORIGIN_COUNT; o++)
		for (unsigned k = 0; k < KIND_COUNT; k++) {
			pick_release(&g->pick_name[o][k]);
			for (unsigned q = 0; q < MORPH_PARTS; q++)
				pick_release(&g->pick_morph[o][k][q]);
		}
	free(g->morphs);
	free(g->morph_at);
	free(g->morph_text);
	for (unsigned j = 0; j < LT_SYNTH_LISTS_MAX; j++)
		free(g->thr[j]);
	free(g->members);
	free(g->group_at);
	free(g->member_text);
	free(g->nick_members);
	free(g->nick_at);
	free(g->nick_text);
	free(g->heap);
	free(g->hist);
	free(g);
}

/* ---------------------------------------------------------------------------
 * Persons and their capture.
 */

/* The person at row i of list j's order: a Feistel bijection on
 * 2^(2 half_bits) values, walked until it falls below `people`. */
static uint64_t permute(const struct lt_synth *g, unsigned j, uint64_t i)
{
	unsigned h = g->half_bits;
	uint64_t mask = ((uint64_t)1 << h) - 1, x = i;
	do {
		uint64_t l = x >> h, r = x & mask;
		for (unsigned k = 0; k < 4; k++) {
			uint64_t f = mix64(r ^ g->round_key[j][k]) & mask;
			uint64_t t = l ^ f;
			l = r;
			r = t;
		}
		x = l << h | r;
	} while (x >= g->p.people);
	return x;
}

/* The t-th draw (0-based) of a stream keyed as r was: splitmix64 is a
 * counter, so any draw can be had without the ones before it. */
static inline uint32_t rng_at(const struct rng *r, uint64_t t)
{
	return (uint32_t)(mix64(r->s + GOLDEN * (t + 1)) >> 32);
}

/* Is person `n` on list j? The same answer as capture()'s, found from two
 * draws when j depends on no other list; -1 when it does (ask capture). */
static int on_list_fast(const struct lt_synth *g, uint64_t n, unsigned j)
{
	if (g->npar[j] != 0)
		return -1;
	struct rng r;
	rng_key(&r, g->p.seed, STREAM_CAPTURE, n, 0);
	unsigned k = (unsigned)(((uint64_t)rng_at(&r, 0) * CLASSES) >> 32);
	return rng_at(&r, 1 + g->order_pos[j]) < g->thr[j][k];
}

/* The capture history of person `n` and the copies on each list. */
static uint32_t capture(const struct lt_synth *g, uint64_t n, uint8_t *copies)
{
	struct rng r;
	rng_key(&r, g->p.seed, STREAM_CAPTURE, n, 0);
	unsigned k = rng_below(&r, CLASSES);
	uint32_t mask = 0;
	for (unsigned i = 0; i < g->p.nlists; i++) {
		unsigned j = g->order[i];
		size_t nsub = (size_t)1 << g->npar[j], sub = 0;
		for (unsigned q = 0; q < g->npar[j]; q++)
			if (mask >> g->p.deps[g->par[j][q]].from & 1)
				sub |= (size_t)1 << q;
		if (rng_bern(&r, g->thr[j][(size_t)k * nsub + sub]))
			mask |= 1u << j;
	}
	if (copies)
		for (unsigned j = 0; j < g->p.nlists; j++) {
			copies[j] = 0;
			if (!(mask >> j & 1))
				continue;
			copies[j] = 1;
			while (copies[j] < LT_SYNTH_COPIES_MAX && rng_bern(&r, g->dup_t))
				copies[j]++;
		}
	return mask;
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(unsigned y, unsigned m)
{
	static const unsigned d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Decimal formatting without stdio, for the values made for every record:
 * put_* write at p and return the end (the caller's buffer is large
 * enough: lengths are bounded by the tables); put_end adds the NUL. */
static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

static char *put_u64(char *p, uint64_t v, unsigned width)
{
	char d[24];
	unsigned n = 0;
	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width && n < sizeof(d))
		d[n++] = '0';
	while (n)
		*p++ = d[--n];
	return p;
}

static void put_end(char *p)
{
	*p = '\0';
}

/* "YYYY-MM-DD" into buf (>= 11 bytes). */
static void format_date(char *buf, unsigned y, unsigned m, unsigned d)
{
	char *p = put_u64(buf, y, 4);
	*p++ = '-';
	p = put_u64(p, m, 2);
	*p++ = '-';
	put_end(put_u64(p, d, 2));
}

/* Days since 1970-01-01 of a date, and back (H. Hinnant's civil calendar
 * algorithms, proleptic Gregorian). */
static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, unsigned *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned)(yy + (*m <= 2));
}

static void postcode_draw(struct rng *r, const char *area, char *out, size_t cap)
{
	static const char unit[] = "ABDEFGHJLNPQRSTUWXYZ";
	LT_ASSERT(cap >= strlen(area) + 8);
	char *p = put_str(out, area);
	p = put_u64(p, 1 + rng_below(r, 20), 1);
	*p++ = ' ';
	p = put_u64(p, rng_below(r, 10), 1);
	*p++ = unit[rng_below(r, 20)];
	*p++ = unit[rng_below(r, 20)];
	put_end(p);
}

/*
 * A name of origin o and kind k into out (cap bytes): for the origin's
 * tail share (tail_t, per mille) one composed from its parts — each part
 * drawn by rank weight and joined, a word's first ASCII letter upper case
 * and the others as written, runs of spaces one space, none at the end —
 * returning NAME_NONE; else a table name, returning its row.
 */
static uint32_t name_draw(const struct lt_synth *g, struct rng *r, unsigned o, unsigned k,
                          char *out, size_t cap)
{
	uint32_t u = rng_below(r, 1000);
	if (u >= g->tail_t[o][k]) {
		uint32_t i = pick_draw(&g->pick_name[o][k], r);
		size_t n = strlen(names[i].name);
		LT_ASSERT(n < cap);
		memcpy(out, names[i].name, n + 1);
		return i;
	}
	size_t len = 0;
	for (unsigned q = 0; q < MORPH_PARTS; q++) {
		const struct pick *pk = &g->pick_morph[o][k][q];
		if (pk->n == 0)
			continue;
		const char *part = g->morphs[pick_draw(pk, r)];
		for (const char *c = part; *c && len + 1 < cap; c++) {
			char ch = *c;
			bool start = len == 0 || out[len - 1] == ' ' || out[len - 1] == '-';
			if (ch == ' ' && (len == 0 || out[len - 1] == ' '))
				continue;
			if (start && ch >= 'a' && ch <= 'z')
				ch = (char)(ch - 'a' + 'A');
			else if (!start && c == part && ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			out[len++] = ch;
		}
	}
	while (len && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
	return NAME_NONE;
}

/* The true values of person `n`. */
static void person_make(struct lt_synth *g, uint64_t n, struct person *x)
{
	struct rng r;
	rng_key(&r, g->p.seed, STREAM_PERSON, n, 0);
	x->number = n;
	x->origin = pick_draw(&g->pick_origin, &r);
	x->sex = rng_bern(&r, MALE_T) ? KIND_M : KIND_F;
	x->name_first = name_draw(g, &r, x->origin, x->sex, x->first, sizeof(x->first));
	x->name_last = name_draw(g, &r, x->origin, KIND_S, x->last, sizeof(x->last));
	x->nationality = origins[x->origin].iso;
	if (x->origin != ORIGIN_GB && rng_bern(&r, BRITISH_T))
		x->nationality = "GB";
	unsigned age = pick_draw(&g->pick_age, &r);
	/* Aged `age` on 1 July of the reference year: born on one of the 365
	 * days up to 1 July of (reference year - age). */
	int64_t born = days_from_civil(g->p.reference_year - (int)age, 7, 1) - rng_below(&r, 365);
	civil_from_days(born, &x->year, &x->month, &x->day);
	format_date(x->dob, x->year, x->month, x->day);
	x->city = pick_draw(&g->pick_city, &r);
	postcode_draw(&r, cities[x->city].area, x->postcode, sizeof(x->postcode));
	x->has_email = rng_bern(&r, EMAIL_T);
	if (x->has_email) {
		char fc[40], lc[40]; /* as name_ascii */
		const char *f = fc, *l = lc;
		if (x->name_first != NAME_NONE)
			f = g->name_ascii[x->name_first];
		else
			ascii_lower(x->first, fc, sizeof(fc));
		if (x->name_last != NAME_NONE)
			l = g->name_ascii[x->name_last];
		else
			ascii_lower(x->last, lc, sizeof(lc));
		const char *dom = email_domains[rng_below(&r, EMAIL_DOMAIN_COUNT)];
		switch (rng_below(&r, 6)) {
		case 0:
			snprintf(x->email, sizeof(x->email), "%s.%s@%s", f, l, dom);
			break;
		case 1:
			snprintf(x->email, sizeof(x->email), "%s%s%u@%s", f, l,
			         10 + rng_below(&r, 90), dom);
			break;
		case 2:
			snprintf(x->email, sizeof(x->email), "%c.%s@%s", f[0] ? f[0] : 'x', l, dom);
			break;
		case 3:
			snprintf(x->email, sizeof(x->email), "%s%u@%s", f, x->year, dom);
			break;
		default: {
			/* an address unrelated to the name: two words and a number */
			const char *w1 = email_words[rng_below(&r, EMAIL_WORD_COUNT)];
			const char *w2 = email_words[rng_below(&r, EMAIL_WORD_COUNT)];
			unsigned num = rng_below(&r, 1000);
			snprintf(x->email, sizeof(x->email), "%s%s%u@%s", w1, w2, num, dom);
			break;
		}
		}
	} else {
		x->email[0] = '\0';
	}
}

/* ---------------------------------------------------------------------------
 * Corruption.
 */

static int qwerty_index(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return 26 + (c - '0');
	return -1;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Positions of ASCII letters and digits in s, up to cap. */
static size_t typo_positions(const char *s, size_t *pos, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; s[i] && n < cap; i++)
		if (qwerty_index(s[i]) >= 0)
			pos[n++] = i;
	return n;
}

/* Apply a typo of `kind` to buf (NUL-terminated, capacity cap). Returns the
 * kind done: KEYBOARD when the asked one cannot change the value. Every
 * kind changes the value unless it has no letter or digit at all (NONE). */
static enum lt_synth_kind typo(struct rng *r, char *buf, size_t cap, enum lt_synth_kind kind)
{
	size_t pos[128];
	size_t len = strlen(buf);
	size_t n = typo_positions(buf, pos, 128);
	if (n == 0)
		return LT_SYNTH_KIND_NONE;
	if (kind == LT_SYNTH_KIND_DELETE && (n < 2 || len < 2))
		kind = LT_SYNTH_KIND_INSERT;
	if (kind == LT_SYNTH_KIND_INSERT && len + 2 > cap)
		kind = LT_SYNTH_KIND_KEYBOARD;
	if (kind == LT_SYNTH_KIND_TRANSPOSE) {
		/* Adjacent pairs of typable, different characters. */
		size_t cand[128], nc = 0;
		for (size_t i = 0; i + 1 < n; i++)
			if (pos[i + 1] == pos[i] + 1 &&
			    lower(buf[pos[i]]) != lower(buf[pos[i] + 1]))
				cand[nc++] = pos[i];
		if (nc == 0) {
			kind = LT_SYNTH_KIND_KEYBOARD;
		} else {
			size_t at = cand[rng_below(r, (uint32_t)nc)];
			char a = buf[at], b = buf[at + 1];
			/* Keep the capital at the front of a name. */
			bool cap0 = at == 0 && a >= 'A' && a <= 'Z' && b >= 'a' && b <= 'z';
			buf[at] = cap0 ? (char)(b - 'a' + 'A') : b;
			buf[at + 1] = cap0 ? (char)(a - 'A' + 'a') : a;
			return kind;
		}
	}
	size_t at = pos[rng_below(r, (uint32_t)n)];
	switch (kind) {
	case LT_SYNTH_KIND_DELETE: {
		/* A name whose capital is deleted starts with the next letter,
		 * capitalised; an e-mail address stays in lower case. */
		bool capital = buf[at] >= 'A' && buf[at] <= 'Z';
		memmove(buf + at, buf + at + 1, len - at);
		if (at == 0 && capital && buf[0] >= 'a' && buf[0] <= 'z')
			buf[0] = (char)(buf[0] - 'a' + 'A');
		return kind;
	}
	case LT_SYNTH_KIND_INSERT: {
		memmove(buf + at + 1, buf + at, len - at + 1);
		char c = buf[at];
		if (at == 0 && c >= 'A' && c <= 'Z')
			buf[1] = (char)(c - 'A' + 'a');
		return kind;
	}
	default: {
		const char *nb = qwerty[qwerty_index(buf[at])];
		char c = nb[rng_below(r, (uint32_t)strlen(nb))];
		/* The case of the key's letter: that of the one it replaces, or
		 * for a digit that of the value (a postcode is in capitals). */
		bool upper = buf[at] >= 'A' && buf[at] <= 'Z';
		if (buf[at] >= '0' && buf[at] <= '9') {
			upper = true;
			for (size_t i = 0; i < len; i++)
				if (buf[i] >= 'a' && buf[i] <= 'z')
					upper = false;
		}
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		buf[at] = c;
		return LT_SYNTH_KIND_KEYBOARD;
	}
	}
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t len = strnlen(src, cap - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static const enum lt_synth_kind typo_kinds[4] = {LT_SYNTH_KIND_KEYBOARD, LT_SYNTH_KIND_DELETE,
                                                 LT_SYNTH_KIND_INSERT, LT_SYNTH_KIND_TRANSPOSE};

/* Corrupt a name (index `name` in the table; buf holds it). Kinds by
 * weight: variant 4, nickname 3 (given names), keyboard 3, delete 2,
 * insert 2, transpose 2. */
static enum lt_synth_kind corrupt_name(struct lt_synth *g, struct rng *r, uint32_t name, char *buf,
                                       size_t cap)
{
	uint32_t u = rng_below(r, 16);
	if (u < 4) {
		int v = name == NAME_NONE ? -1 : g->name_group[name];
		if (v >= 0) {
			unsigned from = g->group_at[v], n = g->group_at[v + 1] - from;
			/* Another member than the name itself. */
			unsigned self = from;
			for (unsigned m = from; m < from + n; m++)
				if (strcmp(g->members[m], names[name].name) == 0)
					self = m;
			unsigned m = from + rng_below(r, n - 1);
			if (m >= self)
				m++;
			copy_str(buf, cap, g->members[m]);
			return LT_SYNTH_KIND_VARIANT;
		}
		u = 9; /* fall back to a keyboard error */
	} else if (u < 7) {
		int k = name == NAME_NONE ? -1 : g->name_nick[name];
		if (k >= 0) {
			unsigned from = g->nick_at[k], n = g->nick_at[k + 1] - from;
			copy_str(buf, cap, g->nick_members[from + rng_below(r, n)]);
			return LT_SYNTH_KIND_NICKNAME;
		}
		u = 9;
	}
	enum lt_synth_kind kind = u < 10   ? LT_SYNTH_KIND_KEYBOARD
	                          : u < 12 ? LT_SYNTH_KIND_DELETE
	                          : u < 14 ? LT_SYNTH_KIND_INSERT
	                                   : LT_SYNTH_KIND_TRANSPOSE;
	return typo(r, buf, cap, kind);
}

/* Corrupt a date of birth: day_month 3, year_only 3, jan_first 2,
 * date_digit 3 (by weight). */
static enum lt_synth_kind corrupt_dob(struct rng *r, const struct person *x, char *buf, size_t cap)
{
	uint32_t u = rng_below(r, 11);
	if (u < 3) {
		if (x->day <= 12 && x->day != x->month) {
			snprintf(buf, cap, "%04u-%02u-%02u", x->year, x->day, x->month);
			return LT_SYNTH_KIND_DAY_MONTH;
		}
		u = 8;
	} else if (u < 6) {
		snprintf(buf, cap, "%04u", x->year);
		return LT_SYNTH_KIND_YEAR_ONLY;
	} else if (u < 8) {
		if (!(x->day == 1 && x->month == 1)) {
			snprintf(buf, cap, "%04u-01-01", x->year);
			return LT_SYNTH_KIND_JAN_FIRST;
		}
		u = 8;
	}
	/* One digit wrong: the year's last digit, or the day's, giving a valid
	 * date that differs. */
	unsigned y = x->year, d = x->day;
	if (rng_below(r, 2) == 0) {
		unsigned last = y % 10, nd = rng_below(r, 9);
		if (nd >= last)
			nd++;
		y = y - last + nd;
		if (x->month == 2 && d == 29 && !leap(y))
			d = 28;
		snprintf(buf, cap, "%04u-%02u-%02u", y, x->month, d);
		return LT_SYNTH_KIND_DATE_DIGIT;
	}
	/* Days one digit away (either digit) that the month has: never none,
	 * since the tens digit can always become 0, 1 or 2 ("30" -> "10"). */
	unsigned tens = d / 10, last = d % 10, cand[20], nc = 0;
	for (unsigned nd = 0; nd <= 9; nd++) {
		unsigned v = tens * 10 + nd, w = nd * 10 + last;
		if (nd != last && v >= 1 && v <= month_days(x->year, x->month))
			cand[nc++] = v;
		if (nd != tens && w >= 1 && w <= month_days(x->year, x->month))
			cand[nc++] = w;
	}
	LT_ASSERT(nc > 0);
	d = cand[rng_below(r, nc)];
	snprintf(buf, cap, "%04u-%02u-%02u", x->year, x->month, d);
	return LT_SYNTH_KIND_DATE_DIGIT;
}

/* The fields of the record (person x, list j, copy c) into g->fbuf and r. */
static void record_make(struct lt_synth *g, const struct person *x, unsigned j, unsigned c,
                        struct lt_synth_record *rec)
{
	struct rng r;
	rng_key(&r, g->p.seed, STREAM_RECORD, x->number, (uint64_t)j * LT_SYNTH_COPIES_MAX + c);
	static const char *const sex_code[2] = {"M", "F"};
	const char *truth[LT_SYNTH_FIELD_COUNT] = {
	    [LT_SYNTH_FIRST_NAME] = x->first,
	    [LT_SYNTH_SURNAME] = x->last,
	    [LT_SYNTH_SEX] = sex_code[x->sex],
	    [LT_SYNTH_DOB] = x->dob,
	    [LT_SYNTH_NATIONALITY] = x->nationality,
	    [LT_SYNTH_CITY] = cities[x->city].name,
	    [LT_SYNTH_POSTCODE] = x->postcode,
	    [LT_SYNTH_EMAIL] = x->has_email ? x->email : NULL,
	};
	bool swap = rng_bern(&r, g->swap_t);
	bool moved = false;
	for (unsigned f = 0; f < LT_SYNTH_FIELD_COUNT; f++) {
		char *buf = g->fbuf[f];
		size_t cap = sizeof(g->fbuf[f]);
		rec->truth[f] = truth[f];
		rec->kind[f] = LT_SYNTH_KIND_NONE;
		rec->field[f] = NULL;
		if (!truth[f])
			continue;
		bool is_name = f == LT_SYNTH_FIRST_NAME || f == LT_SYNTH_SURNAME;
		if (rng_bern(&r, is_name ? g->missing_name_t : g->missing_t)) {
			rec->kind[f] = LT_SYNTH_KIND_MISSING;
			continue;
		}
		rec->field[f] = buf;
		if (is_name && swap) {
			copy_str(buf, cap,
			         truth[f == LT_SYNTH_FIRST_NAME ? LT_SYNTH_SURNAME
			                                        : LT_SYNTH_FIRST_NAME]);
			rec->kind[f] = LT_SYNTH_KIND_SWAP_ORDER;
			continue;
		}
		if (f == LT_SYNTH_POSTCODE && moved) {
			/* Drawn with the city, above. */
			rec->kind[f] =
			    strcmp(buf, truth[f]) ? LT_SYNTH_KIND_OTHER : LT_SYNTH_KIND_NONE;
			continue;
		}
		copy_str(buf, cap, truth[f]);
		bool corrupt =
		    rng_bern(&r, is_name || f == LT_SYNTH_DOB ? g->error_t : g->error_other_t);
		if (!corrupt)
			continue;
		switch (f) {
		case LT_SYNTH_FIRST_NAME:
		case LT_SYNTH_SURNAME:
			rec->kind[f] = (uint8_t)corrupt_name(
			    g, &r, f == LT_SYNTH_FIRST_NAME ? x->name_first : x->name_last, buf,
			    cap);
			break;
		case LT_SYNTH_DOB:
			rec->kind[f] = (uint8_t)corrupt_dob(&r, x, buf, cap);
			break;
		case LT_SYNTH_SEX:
			copy_str(buf, cap, sex_code[1 - x->sex]);
			rec->kind[f] = LT_SYNTH_KIND_OTHER;
			break;
		case LT_SYNTH_NATIONALITY: {
			unsigned o = rng_below(&r, ORIGIN_COUNT - 1);
			const char *code = origins[o].iso;
			if (strcmp(code, x->nationality) == 0)
				code = origins[ORIGIN_COUNT - 1].iso;
			copy_str(buf, cap, code);
			rec->kind[f] = LT_SYNTH_KIND_OTHER;
			break;
		}
		case LT_SYNTH_CITY:
			if (rng_below(&r, 2) == 0) {
				/* Moved: another city (and a new postcode there). */
				unsigned cnew = rng_below(&r, (uint32_t)CITY_COUNT - 1);
				if (cnew >= x->city)
					cnew++;
				if (strcmp(cities[cnew].name, cities[x->city].name) == 0)
					cnew = cnew == 0 ? (unsigned)CITY_COUNT - 1 : 0;
				copy_str(buf, cap, cities[cnew].name);
				postcode_draw(&r, cities[cnew].area, g->fbuf[LT_SYNTH_POSTCODE],
				              sizeof(g->fbuf[LT_SYNTH_POSTCODE]));
				moved = true;
				rec->kind[f] = LT_SYNTH_KIND_OTHER;
			} else {
				rec->kind[f] =
				    (uint8_t)typo(&r, buf, cap, typo_kinds[rng_below(&r, 4)]);
			}
			break;
		case LT_SYNTH_POSTCODE:
			rec->kind[f] = (uint8_t)typo(&r, buf, cap, typo_kinds[rng_below(&r, 4)]);
			break;
		case LT_SYNTH_EMAIL:
			if (rng_below(&r, 2) == 0) {
				/* Another address of the same person. */
				size_t at = strcspn(buf, "@");
				unsigned num =
				    1 + rng_below(&r, 99); /* draws in sequence, never two
				                              in one call's arguments */
				const char *dom = email_domains[rng_below(&r, EMAIL_DOMAIN_COUNT)];
				snprintf(buf + at, cap - at, "%u@%s", num, dom);
				rec->kind[f] = strcmp(buf, truth[f]) ? LT_SYNTH_KIND_OTHER
				                                     : LT_SYNTH_KIND_NONE;
			} else {
				rec->kind[f] =
				    (uint8_t)typo(&r, buf, cap, typo_kinds[rng_below(&r, 4)]);
			}
			break;
		default:
			break;
		}
	}
}

/* ---------------------------------------------------------------------------
 * Running.
 */

static bool pending_less(const struct pending *a, const struct pending *b)
{
	if (a->release != b->release)
		return a->release < b->release;
	if (a->person != b->person)
		return a->person < b->person;
	return a->copy < b->copy;
}

static void heap_push(struct lt_synth *g, struct pending e)
{
	LT_ASSERT(g->nheap < g->heap_cap);
	size_t i = g->nheap++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!pending_less(&e, &g->heap[up]))
			break;
		g->heap[i] = g->heap[up];
		i = up;
	}
	g->heap[i] = e;
}

static struct pending heap_pop(struct lt_synth *g)
{
	struct pending top = g->heap[0], last = g->heap[--g->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= g->nheap)
			break;
		if (c + 1 < g->nheap && pending_less(&g->heap[c + 1], &g->heap[c]))
			c++;
		if (!pending_less(&g->heap[c], &last))
			break;
		g->heap[i] = g->heap[c];
		i = c;
	}
	if (g->nheap > 0)
		g->heap[i] = last;
	return top;
}

struct emit_state {
	lt_synth_record_fn fn;
	void *user;
	uint64_t seq;
};

static int emit(struct lt_synth *g, struct emit_state *e, uint64_t n, unsigned j, unsigned c)
{
	struct lt_synth_record rec;
	if (g->person.number != n || !g->person.dob[0])
		person_make(g, n, &g->person);
	record_make(g, &g->person, j, c, &rec);
	e->seq++;
	char *p = put_str(g->idbuf, g->p.lists[j].name);
	*p++ = '-';
	put_end(put_u64(p, e->seq, 1));
	rec.list = j;
	rec.seq = e->seq;
	rec.person = n + 1;
	rec.copy = c;
	rec.id = g->idbuf;
	g->counts.list_records[j]++;
	g->counts.records++;
	return e->fn(e->user, &rec);
}

lt_status lt_synth_run(struct lt_synth *g, lt_synth_record_fn fn, void *user, struct lt_error *err)
{
	const struct lt_synth_params *p = &g->p;
	uint8_t copies[LT_SYNTH_LISTS_MAX];
	memset(&g->counts, 0, sizeof(g->counts));
	memset(g->hist, 0, ((size_t)1 << p->nlists) * sizeof(uint64_t));
	g->counts.people = p->people;
	for (uint64_t n = 0; n < p->people; n++) {
		uint32_t mask = capture(g, n, NULL);
		g->hist[mask]++;
		if (mask)
			g->counts.captured++;
		for (unsigned j = 0; j < p->nlists; j++)
			g->counts.list_people[j] += mask >> j & 1;
	}
	if (!fn)
		return LT_OK;
	g->person.dob[0] = '\0';
	for (unsigned j = 0; j < p->nlists; j++) {
		struct emit_state e = {fn, user, 0};
		g->nheap = 0;
		for (uint64_t i = 0; i < p->people; i++) {
			uint64_t n = permute(g, j, i);
			if (on_list_fast(g, n, j) == 0)
				continue;
			uint32_t mask = capture(g, n, copies);
			if (!(mask >> j & 1))
				continue;
			struct rng r;
			rng_key(&r, p->seed, STREAM_ORDER, n, j);
			if (emit(g, &e, n, j, 0))
				goto cancelled;
			for (unsigned c = 1; c < copies[j]; c++) {
				struct pending d = {e.seq + 1 + rng_below(&r, LT_SYNTH_DELAY_MAX),
				                    n, c};
				heap_push(g, d);
			}
			while (g->nheap > 0 && g->heap[0].release <= e.seq) {
				struct pending d = heap_pop(g);
				if (emit(g, &e, d.person, j, d.copy))
					goto cancelled;
			}
		}
		while (g->nheap > 0) {
			struct pending d = heap_pop(g);
			if (emit(g, &e, d.person, j, d.copy))
				goto cancelled;
		}
	}
	return LT_OK;
cancelled:
	return lt_error_set(err, LT_ECANCELED, NULL, "stopped by the caller at record %s",
	                    g->idbuf);
}

void lt_synth_counts(const struct lt_synth *g, struct lt_synth_counts *out)
{
	*out = g->counts;
}

const uint64_t *lt_synth_histories(const struct lt_synth *g)
{
	return g->hist;
}

lt_status lt_synth_histories_csv(const struct lt_synth *g, struct lt_buf *out)
{
	lt_status st = LT_OK;
	unsigned L = g->p.nlists;
	for (unsigned j = 0; j < L && st == LT_OK; j++) {
		st = lt_buf_puts(out, g->p.lists[j].name);
		if (st == LT_OK)
			st = lt_buf_puts(out, ",");
	}
	if (st == LT_OK)
		st = lt_buf_puts(out, "count\n");
	char row[2 * LT_SYNTH_LISTS_MAX + 32];
	for (uint32_t h = 1; h < (1u << L) && st == LT_OK; h++) {
		if (!g->hist[h])
			continue;
		size_t at = 0;
		for (unsigned j = 0; j < L; j++) {
			row[at++] = (h >> j & 1) ? '1' : '0';
			row[at++] = ',';
		}
		snprintf(row + at, sizeof(row) - at, "%llu\n", (unsigned long long)g->hist[h]);
		st = lt_buf_puts(out, row);
	}
	return st;
}
