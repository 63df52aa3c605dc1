/*
 * link_compare.c — the comparators of record linkage (link_compare.h).
 *
 * Strings are decoded from UTF-8 into arrays of at most LT_LINK_STRING_MAX
 * code points on the stack (decode below; invalid bytes become U+DC80 +
 * byte), and every measure works on those arrays, so nothing here
 * allocates except lt_link_normalise on non-ASCII input (through
 * lt_name_normalise, once per record).
 *
 * Jaro follows the definition DuckDB's library (rapidfuzz's jaro_winkler,
 * by Max Bachmann) computes: the match window is max(|a|,|b|)/2 - 1, each
 * character of the second string takes the first unmatched equal
 * character of the first within the window, transpositions are counted
 * between the matched characters of both in order and halved (rounded
 * down), and the similarity is (m/|a| + m/|b| + (m - t)/m) / 3 summed in
 * that order, so that results are bit-for-bit DuckDB's on ASCII. Winkler's
 * boost (prefix up to 4, scale 0.1) applies only above 0.7.
 *
 * Levenshtein is the two-row dynamic programme of Wagner and Fischer
 * (1974) over code points; Damerau-Levenshtein the full-matrix algorithm
 * of Lowrance and Wagner ("An extension of the string-to-string correction
 * problem", JACM 1975), which keeps for each character the last row it was
 * seen in (indexed by the code point itself below 256, else through a tiny
 * open-addressing table, so any code point works). Both drop the common
 * prefix and suffix first, which costs nothing in either distance (the
 * tests check the true distance against its definition by exhaustive
 * search). Both stop as soon as the smallest value of a row passes `max`:
 * row minima never decrease in either algorithm (a transposition reaches
 * back at least two rows and costs at least one), so no later cell can
 * come back under it.
 *
 * Double Metaphone is Lawrence Philips' algorithm, written from his
 * description and the rules as Apache Commons Codec's Java port orders
 * them, and checked against Commons Codec's 1,221 test names
 * (tests/linkage/link_compare_dmeta.inc says where they come from). It works
 * on an upper-cased copy of the name, one byte per code point: ASCII
 * letters as themselves, Ç and Ñ as the markers CEDILLA and ENYE, every
 * other code point as a byte no rule matches, so positions and lengths are
 * those of the name's characters, as in the Java original.
 */
#include "linkage/link_compare.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/person.h"
#include "core/record.h"
#include "crypto/crypto.h"
#include "core/banned.h"

/* ---- UTF-8 ------------------------------------------------------------ */

/* Decode at most `max` code points of the NUL-terminated `s` into `cp`;
 * returns how many. A byte that does not begin a well-formed sequence is
 * one code point, U+DC80 + byte. */
static size_t decode(const char *s, uint32_t *cp, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	for (;;) {
		while (n < max && (unsigned)(p[0] - 1) < 0x7Fu) /* ASCII, not NUL */
			cp[n++] = *p++;
		if (n >= max || p[0] == 0)
			break;
		unsigned c = p[0];
		uint32_t v = 0;
		size_t len = 0;
		if (c >= 0xC2 && c <= 0xDF) {
			if ((p[1] & 0xC0) == 0x80) {
				v = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
				len = 2;
			}
		} else if (c >= 0xE0 && c <= 0xEF) {
			if ((p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
				v = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
				if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF))
					len = 3;
			}
		} else if (c >= 0xF0 && c <= 0xF4) {
			if ((p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
			    (p[3] & 0xC0) == 0x80) {
				v = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) |
				    ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
				if (v >= 0x10000 && v <= 0x10FFFF)
					len = 4;
			}
		}
		/* A continuation test fails on the NUL, so no read passes it. */
		if (len == 0) {
			cp[n++] = 0xDC00u + c;
			p++;
		} else {
			cp[n++] = v;
			p += len;
		}
	}
	return n;
}

/* ---- Jaro and Jaro-Winkler -------------------------------------------- */

/* Match flags, one bit a character. */
#define FLAG_WORDS     ((LT_LINK_STRING_MAX + 63) / 64)
#define FLAG_GET(f, i) (((f)[(i) >> 6] >> ((i)&63)) & 1u)
#define FLAG_SET(f, i) ((f)[(i) >> 6] |= (uint64_t)1 << ((i)&63))

static double jaro_cp(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	if (la == 0 || lb == 0)
		return 0.0;
	if (la == 1 && lb == 1)
		return a[0] == b[0] ? 1.0 : 0.0;
	size_t longer = la > lb ? la : lb;
	size_t bound = longer / 2 - 1; /* longer >= 2 */
	uint64_t amatch[FLAG_WORDS] = {0}, bmatch[FLAG_WORDS] = {0};
	size_t common = 0;
	for (size_t j = 0; j < lb; j++) {
		size_t lo = j > bound ? j - bound : 0;
		size_t hi = j + bound + 1 < la ? j + bound + 1 : la;
		for (size_t i = lo; i < hi; i++) {
			if (a[i] == b[j] && !FLAG_GET(amatch, i)) {
				FLAG_SET(amatch, i);
				FLAG_SET(bmatch, j);
				common++;
				break;
			}
		}
	}
	if (common == 0)
		return 0.0;
	size_t trans = 0, k = 0;
	for (size_t j = 0; j < lb; j++) {
		if (!FLAG_GET(bmatch, j))
			continue;
		while (!FLAG_GET(amatch, k))
			k++;
		if (a[k] != b[j])
			trans++;
		k++;
	}
	trans /= 2;
	double m = (double)common;
	double sim = m / (double)la;
	sim += m / (double)lb;
	sim += (m - (double)trans) / m;
	return sim / 3.0;
}

double lt_link_jaro(const char *a, const char *b)
{
	uint32_t ca[LT_LINK_STRING_MAX], cb[LT_LINK_STRING_MAX];
	size_t la = decode(a, ca, LT_LINK_STRING_MAX);
	size_t lb = decode(b, cb, LT_LINK_STRING_MAX);
	return jaro_cp(ca, la, cb, lb);
}

double lt_link_jaro_winkler(const char *a, const char *b)
{
	if (a[0] != '\0' && strcmp(a, b) == 0)
		return 1.0;
	uint32_t ca[LT_LINK_STRING_MAX], cb[LT_LINK_STRING_MAX];
	size_t la = decode(a, ca, LT_LINK_STRING_MAX);
	size_t lb = decode(b, cb, LT_LINK_STRING_MAX);
	double sim = jaro_cp(ca, la, cb, lb);
	if (sim > 0.7) {
		size_t maxp = la < lb ? la : lb;
		if (maxp > 4)
			maxp = 4;
		size_t prefix = 0;
		while (prefix < maxp && ca[prefix] == cb[prefix])
			prefix++;
		sim += (double)prefix * 0.1 * (1.0 - sim);
	}
	return sim;
}

/* ---- Edit distances --------------------------------------------------- */

unsigned lt_link_levenshtein(const char *a, const char *b, unsigned max)
{
	uint32_t ca[LT_LINK_STRING_MAX], cb[LT_LINK_STRING_MAX];
	size_t la = decode(a, ca, LT_LINK_STRING_MAX);
	size_t lb = decode(b, cb, LT_LINK_STRING_MAX);
	const uint32_t *pa = ca, *pb = cb;
	/* Common prefix and suffix cost nothing. */
	while (la && lb && *pa == *pb)
		pa++, pb++, la--, lb--;
	while (la && lb && pa[la - 1] == pb[lb - 1])
		la--, lb--;
	size_t diff = la > lb ? la - lb : lb - la;
	if (diff > max)
		return max + 1;
	if (la == 0 || lb == 0)
		return (unsigned)(la + lb);
	unsigned row[LT_LINK_STRING_MAX + 1];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		unsigned rowmin = row[0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned v = diag + (pa[i - 1] != pb[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < rowmin)
				rowmin = v;
		}
		if (rowmin > max)
			return max + 1;
	}
	return row[lb] > max ? max + 1 : row[lb];
}

/* Characters as indices below 256 for the table of last rows: the code
 * points themselves when all are below 256 (Latin-1, the common case),
 * else dense indices through a small open-addressing table (two strings
 * hold at most 2 * LT_LINK_STRING_MAX = 256 distinct characters). */
#define ALPHA_SLOTS (4 * LT_LINK_STRING_MAX) /* a power of two, > 2x the keys */

static void alphabet_index(const uint32_t *ca, size_t la, const uint32_t *cb, size_t lb,
                           uint8_t *ia, uint8_t *ib)
{
	uint32_t top = 0;
	for (size_t i = 0; i < la; i++)
		top |= ca[i];
	for (size_t j = 0; j < lb; j++)
		top |= cb[j];
	if (top < 256) {
		for (size_t i = 0; i < la; i++)
			ia[i] = (uint8_t)ca[i];
		for (size_t j = 0; j < lb; j++)
			ib[j] = (uint8_t)cb[j];
		return;
	}
	uint32_t key[ALPHA_SLOTS];
	uint16_t id[ALPHA_SLOTS]; /* 0 = empty slot, else index + 1 */
	uint16_t n = 0;
	memset(id, 0, sizeof(id));
	for (size_t k = 0; k < la + lb; k++) {
		uint32_t c = k < la ? ca[k] : cb[k - la];
		uint32_t h = (c * 2654435761u) & (ALPHA_SLOTS - 1);
		while (id[h] != 0 && key[h] != c)
			h = (h + 1) & (ALPHA_SLOTS - 1);
		if (id[h] == 0) {
			key[h] = c;
			id[h] = ++n;
		}
		if (k < la)
			ia[k] = (uint8_t)(id[h] - 1);
		else
			ib[k - la] = (uint8_t)(id[h] - 1);
	}
}

unsigned lt_link_damerau_levenshtein(const char *a, const char *b, unsigned max)
{
	uint32_t ca[LT_LINK_STRING_MAX], cb[LT_LINK_STRING_MAX];
	size_t la = decode(a, ca, LT_LINK_STRING_MAX);
	size_t lb = decode(b, cb, LT_LINK_STRING_MAX);
	const uint32_t *pa = ca, *pb = cb;
	/* A common prefix and suffix cost nothing (checked against the full
	 * computation in the tests). */
	while (la && lb && *pa == *pb)
		pa++, pb++, la--, lb--;
	while (la && lb && pa[la - 1] == pb[lb - 1])
		la--, lb--;
	size_t diff = la > lb ? la - lb : lb - la;
	if (diff > max)
		return max + 1;
	if (la == 0 || lb == 0)
		return (unsigned)(la + lb);
	uint8_t ia[LT_LINK_STRING_MAX], ib[LT_LINK_STRING_MAX];
	alphabet_index(pa, la, pb, lb, ia, ib);

	/* H is (la + 2) x (lb + 2), row-major with stride lb + 2; H[0][*] and
	 * H[*][0] hold "infinity", H[i+1][j+1] the distance of the first i
	 * characters of a and the first j of b. da[c] is the last row (1-based)
	 * of a where character c was, 0 for none. */
	enum { W = LT_LINK_STRING_MAX + 2 };
	uint16_t H[W * W];
	size_t stride = lb + 2;
	uint16_t inf = (uint16_t)(la + lb);
	uint16_t da[256];
	for (size_t i = 0; i < la; i++)
		da[ia[i]] = 0;
	for (size_t j = 0; j < lb; j++)
		da[ib[j]] = 0;
	H[0] = inf;
	for (size_t i = 0; i <= la; i++) {
		H[(i + 1) * stride + 0] = inf;
		H[(i + 1) * stride + 1] = (uint16_t)i;
	}
	for (size_t j = 0; j <= lb; j++) {
		H[0 * stride + j + 1] = inf;
		H[1 * stride + j + 1] = (uint16_t)j;
	}
	for (size_t i = 1; i <= la; i++) {
		size_t db = 0;
		unsigned rowmin = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			size_t i1 = da[ib[j - 1]];
			size_t j1 = db;
			unsigned cost = 1;
			if (ia[i - 1] == ib[j - 1]) {
				cost = 0;
				db = j;
			}
			unsigned v = H[i * stride + j] + cost;       /* substitute */
			unsigned ins = H[(i + 1) * stride + j] + 1u; /* insert */
			unsigned del = H[i * stride + j + 1] + 1u;   /* delete */
			unsigned tr =
			    H[i1 * stride + j1] + (unsigned)((i - i1 - 1) + 1 + (j - j1 - 1));
			if (ins < v)
				v = ins;
			if (del < v)
				v = del;
			if (tr < v)
				v = tr;
			H[(i + 1) * stride + j + 1] = (uint16_t)v;
			if (v < rowmin)
				rowmin = v;
		}
		if (rowmin > max)
			return max + 1;
		da[ia[i - 1]] = (uint16_t)i;
	}
	unsigned d = H[(la + 1) * stride + lb + 1];
	return d > max ? max + 1 : d;
}

/* ---- Double Metaphone ------------------------------------------------- */

#define DM_CEDILLA 0x01 /* Ç in the working copy */
#define DM_ENYE    0x02 /* Ñ */
#define DM_OTHER   0x03 /* any other code point that is not an ASCII letter */
#define DM_LEN     4    /* letters in a code */

struct dmeta {
	unsigned char w[LT_LINK_STRING_MAX + 1]; /* upper-cased name, one byte a character */
	long n;                                  /* characters in w */
	bool slavo;                              /* Slavic or Germanic: W, K, CZ or WITZ */
	char p[LT_LINK_DMETA_SIZE], a[LT_LINK_DMETA_SIZE];
	size_t pl, al;
};

static unsigned char dm_at(const struct dmeta *d, long i)
{
	return i < 0 || i >= d->n ? 0 : d->w[i];
}

/* Whether the characters at [i, i + len) are one of the '|'-separated
 * alternatives of `alts` (all of length len). False when the range is
 * outside the name. */
static bool dm_is(const struct dmeta *d, long i, const char *alts)
{
	size_t len = strcspn(alts, "|");
	if (i < 0 || i + (long)len > d->n)
		return false;
	for (const char *s = alts;; s += len + 1) {
		if (memcmp(d->w + i, s, len) == 0)
			return true;
		if (s[len] != '|')
			return false;
	}
}

static bool dm_vowel(unsigned char c)
{
	return c != 0 && strchr("AEIOUY", c) != NULL;
}

static void dm_put(char *code, size_t *len, const char *s)
{
	for (; *s && *len < DM_LEN; s++)
		code[(*len)++] = *s;
	code[*len] = '\0';
}

/* Append `p` to the primary code and `a` to the alternate (NULL: `p`). */
static void dm_add(struct dmeta *d, const char *p, const char *a)
{
	dm_put(d->p, &d->pl, p);
	dm_put(d->a, &d->al, a ? a : p);
}

static long dm_c(struct dmeta *d, long i)
{
	/* Various Germanic: "-ACH-" but not "-ACHE-" unless BACHER or MACHER. */
	if (dm_is(d, i, "CHIA") || (i > 1 && !dm_vowel(dm_at(d, i - 2)) && dm_is(d, i - 1, "ACH") &&
	                            ((dm_at(d, i + 2) != 'I' && dm_at(d, i + 2) != 'E') ||
	                             dm_is(d, i - 2, "BACHER|MACHER")))) {
		dm_add(d, "K", NULL);
		return i + 2;
	}
	if (i == 0 && dm_is(d, i, "CAESAR")) {
		dm_add(d, "S", NULL);
		return i + 2;
	}
	if (dm_is(d, i, "CH")) {
		if (i > 0 && dm_is(d, i, "CHAE")) { /* Michael */
			dm_add(d, "K", "X");
			return i + 2;
		}
		/* Greek roots at the start: chemistry, chorus, but not chore. */
		if (i == 0 &&
		    (dm_is(d, i + 1, "HARAC|HARIS") || dm_is(d, i + 1, "HOR|HYM|HIA|HEM")) &&
		    !dm_is(d, 0, "CHORE")) {
			dm_add(d, "K", NULL);
			return i + 2;
		}
		/* Germanic, Greek, or otherwise CH for a KH sound. */
		if (dm_is(d, 0, "VAN |VON ") || dm_is(d, 0, "SCH") ||
		    dm_is(d, i - 2, "ORCHES|ARCHIT|ORCHID") || dm_is(d, i + 2, "T|S") ||
		    ((dm_is(d, i - 1, "A|O|U|E") || i == 0) &&
		     (dm_is(d, i + 2, "L|R|N|M|B|H|F|V|W| ") || i + 1 == d->n - 1))) {
			dm_add(d, "K", NULL);
			return i + 2;
		}
		if (i > 0) {
			if (dm_is(d, 0, "MC"))
				dm_add(d, "K", NULL);
			else
				dm_add(d, "X", "K");
		} else {
			dm_add(d, "X", NULL);
		}
		return i + 2;
	}
	if (dm_is(d, i, "CZ") && !dm_is(d, i - 2, "WICZ")) { /* Czerny */
		dm_add(d, "S", "X");
		return i + 2;
	}
	if (dm_is(d, i + 1, "CIA")) { /* focaccia */
		dm_add(d, "X", NULL);
		return i + 3;
	}
	if (dm_is(d, i, "CC") && !(i == 1 && dm_at(d, 0) == 'M')) { /* not McClelland */
		if (dm_is(d, i + 2, "I|E|H") &&
		    !dm_is(d, i + 2, "HU")) { /* bellocchio, not bacchus */
			if ((i == 1 && dm_at(d, i - 1) == 'A') || dm_is(d, i - 1, "UCCEE|UCCES"))
				dm_add(d, "KS", NULL); /* accident, accede, succeed */
			else
				dm_add(d, "X", NULL); /* bacci, bertucci */
			return i + 3;
		}
		dm_add(d, "K", NULL); /* Pierce's rule */
		return i + 2;
	}
	if (dm_is(d, i, "CK|CG|CQ")) {
		dm_add(d, "K", NULL);
		return i + 2;
	}
	if (dm_is(d, i, "CI|CE|CY")) { /* Italian against English */
		if (dm_is(d, i, "CIO|CIE|CIA"))
			dm_add(d, "S", "X");
		else
			dm_add(d, "S", NULL);
		return i + 2;
	}
	dm_add(d, "K", NULL);
	if (dm_is(d, i + 1, " C| Q| G")) /* Mac Caffrey, Mac Gregor */
		return i + 3;
	if (dm_is(d, i + 1, "C|K|Q") && !dm_is(d, i + 1, "CE|CI"))
		return i + 2;
	return i + 1;
}

static long dm_d(struct dmeta *d, long i)
{
	if (dm_is(d, i, "DG")) {
		if (dm_is(d, i + 2, "I|E|Y")) { /* edge */
			dm_add(d, "J", NULL);
			return i + 3;
		}
		dm_add(d, "TK", NULL); /* Edgar */
		return i + 2;
	}
	dm_add(d, "T", NULL);
	return dm_is(d, i, "DT|DD") ? i + 2 : i + 1;
}

static long dm_gh(struct dmeta *d, long i)
{
	if (i > 0 && !dm_vowel(dm_at(d, i - 1))) {
		dm_add(d, "K", NULL);
		return i + 2;
	}
	if (i == 0) { /* ghislane, ghiradelli */
		dm_add(d, dm_at(d, i + 2) == 'I' ? "J" : "K", NULL);
		return i + 2;
	}
	/* Parker's rule (with refinements): hugh, bough, broughton. */
	if ((i > 1 && dm_is(d, i - 2, "B|H|D")) || (i > 2 && dm_is(d, i - 3, "B|H|D")) ||
	    (i > 3 && dm_is(d, i - 4, "B|H")))
		return i + 2;
	if (i > 2 && dm_at(d, i - 1) == 'U' && dm_is(d, i - 3, "C|G|L|R|T"))
		dm_add(d, "F", NULL); /* laugh, McLaughlin, cough, gough, rough, tough */
	else if (i > 0 && dm_at(d, i - 1) != 'I')
		dm_add(d, "K", NULL);
	return i + 2;
}

static long dm_g(struct dmeta *d, long i)
{
	if (dm_at(d, i + 1) == 'H')
		return dm_gh(d, i);
	if (dm_at(d, i + 1) == 'N') {
		if (i == 1 && dm_vowel(dm_at(d, 0)) && !d->slavo)
			dm_add(d, "KN", "N");
		else if (!dm_is(d, i + 2, "EY") && dm_at(d, i + 1) != 'Y' && !d->slavo)
			dm_add(d, "N", "KN"); /* not "cagney" */
		else
			dm_add(d, "KN", NULL);
		return i + 2;
	}
	if (dm_is(d, i + 1, "LI") && !d->slavo) { /* tagliaro */
		dm_add(d, "KL", "L");
		return i + 2;
	}
	/* -GES-, -GEP-, -GEL-, -GIE- at the start. */
	if (i == 0 &&
	    (dm_at(d, i + 1) == 'Y' || dm_is(d, i + 1, "ES|EP|EB|EL|EY|IB|IL|IN|IE|EI|ER"))) {
		dm_add(d, "K", "J");
		return i + 2;
	}
	/* -GER-, -GY-. */
	if ((dm_is(d, i + 1, "ER") || dm_at(d, i + 1) == 'Y') &&
	    !dm_is(d, 0, "DANGER|RANGER|MANGER") && !dm_is(d, i - 1, "E|I") &&
	    !dm_is(d, i - 1, "RGY|OGY")) {
		dm_add(d, "K", "J");
		return i + 2;
	}
	/* Italian: biaggi. */
	if (dm_is(d, i + 1, "E|I|Y") || dm_is(d, i - 1, "AGGI|OGGI")) {
		if (dm_is(d, 0, "VAN |VON ") || dm_is(d, 0, "SCH") || dm_is(d, i + 1, "ET"))
			dm_add(d, "K", NULL); /* obviously Germanic */
		else if (dm_is(d, i + 1, "IER"))
			dm_add(d, "J", NULL);
		else
			dm_add(d, "J", "K");
		return i + 2;
	}
	dm_add(d, "K", NULL);
	return dm_at(d, i + 1) == 'G' ? i + 2 : i + 1;
}

static long dm_h(struct dmeta *d, long i)
{
	/* Kept only when first or between vowels and before a vowel. */
	if ((i == 0 || dm_vowel(dm_at(d, i - 1))) && dm_vowel(dm_at(d, i + 1))) {
		dm_add(d, "H", NULL);
		return i + 2;
	}
	return i + 1;
}

static long dm_j(struct dmeta *d, long i)
{
	if (dm_is(d, i, "JOSE") || dm_is(d, 0, "SAN ")) { /* Spanish: Jose, San Jacinto */
		if ((i == 0 && dm_at(d, i + 4) == ' ') || d->n == 4 || dm_is(d, 0, "SAN "))
			dm_add(d, "H", NULL);
		else
			dm_add(d, "J", "H");
		return i + 1;
	}
	if (i == 0 && !dm_is(d, i, "JOSE"))
		dm_add(d, "J", "A"); /* Yankelovich / Jankelowicz */
	else if (dm_vowel(dm_at(d, i - 1)) && !d->slavo &&
	         (dm_at(d, i + 1) == 'A' || dm_at(d, i + 1) == 'O'))
		dm_add(d, "J", "H"); /* Spanish pronunciation, e.g. bajador */
	else if (i == d->n - 1)
		dm_add(d, "J", " ");
	else if (!dm_is(d, i + 1, "L|T|K|S|N|M|B|Z") && !dm_is(d, i - 1, "S|K|L"))
		dm_add(d, "J", NULL);
	return dm_at(d, i + 1) == 'J' ? i + 2 : i + 1;
}

static long dm_l(struct dmeta *d, long i)
{
	if (dm_at(d, i + 1) != 'L') {
		dm_add(d, "L", NULL);
		return i + 1;
	}
	/* Spanish: cabrillo, gallegos — silent in the alternate. */
	if ((i == d->n - 3 && dm_is(d, i - 1, "ILLO|ILLA|ALLE")) ||
	    ((dm_is(d, d->n - 2, "AS|OS") || dm_is(d, d->n - 1, "A|O")) && dm_is(d, i - 1, "ALLE")))
		dm_add(d, "L", "");
	else
		dm_add(d, "L", NULL);
	return i + 2;
}

static long dm_r(struct dmeta *d, long i)
{
	/* French: Rogier — silent final R in the primary. */
	if (i == d->n - 1 && !d->slavo && dm_is(d, i - 2, "IE") && !dm_is(d, i - 4, "ME|MA"))
		dm_add(d, "", "R");
	else
		dm_add(d, "R", NULL);
	return dm_at(d, i + 1) == 'R' ? i + 2 : i + 1;
}

static long dm_s(struct dmeta *d, long i)
{
	if (dm_is(d, i - 1, "ISL|YSL")) /* island, isle, carlisle, carlysle */
		return i + 1;
	if (i == 0 && dm_is(d, i, "SUGAR")) {
		dm_add(d, "X", "S");
		return i + 1;
	}
	if (dm_is(d, i, "SH")) {
		if (dm_is(d, i + 1, "HEIM|HOEK|HOLM|HOLZ"))
			dm_add(d, "S", NULL); /* Germanic */
		else
			dm_add(d, "X", NULL);
		return i + 2;
	}
	if (dm_is(d, i, "SIO|SIA") || dm_is(d, i, "SIAN")) { /* Italian, Armenian */
		dm_add(d, "S", d->slavo ? NULL : "X");
		return i + 3;
	}
	/* German and anglicised: Smith and Schmidt, Snider and Schneider; -SZ-. */
	if ((i == 0 && dm_is(d, i + 1, "M|N|L|W")) || dm_is(d, i + 1, "Z")) {
		dm_add(d, "S", "X");
		return dm_is(d, i + 1, "Z") ? i + 2 : i + 1;
	}
	if (dm_is(d, i, "SC")) {
		if (dm_at(d, i + 2) == 'H') {                       /* Schlesinger's rule */
			if (dm_is(d, i + 3, "OO|ER|EN|UY|ED|EM")) { /* Dutch: school, schooner */
				if (dm_is(d, i + 3, "ER|EN"))
					dm_add(d, "X", "SK"); /* schermerhorn, schenker */
				else
					dm_add(d, "SK", NULL);
			} else if (i == 0 && !dm_vowel(dm_at(d, 3)) && dm_at(d, 3) != 'W') {
				dm_add(d, "X", "S");
			} else {
				dm_add(d, "X", NULL);
			}
		} else if (dm_is(d, i + 2, "I|E|Y")) {
			dm_add(d, "S", NULL);
		} else {
			dm_add(d, "SK", NULL);
		}
		return i + 3;
	}
	/* French: resnais, artois — silent final S in the primary. */
	if (i == d->n - 1 && dm_is(d, i - 2, "AI|OI"))
		dm_add(d, "", "S");
	else
		dm_add(d, "S", NULL);
	return dm_is(d, i + 1, "S|Z") ? i + 2 : i + 1;
}

static long dm_t(struct dmeta *d, long i)
{
	if (dm_is(d, i, "TION") || dm_is(d, i, "TIA|TCH")) {
		dm_add(d, "X", NULL);
		return i + 3;
	}
	if (dm_is(d, i, "TH") || dm_is(d, i, "TTH")) {
		/* Thomas, Thames, or Germanic. */
		if (dm_is(d, i + 2, "OM|AM") || dm_is(d, 0, "VAN |VON ") || dm_is(d, 0, "SCH"))
			dm_add(d, "T", NULL);
		else
			dm_add(d, "0", "T");
		return i + 2;
	}
	dm_add(d, "T", NULL);
	return dm_is(d, i + 1, "T|D") ? i + 2 : i + 1;
}

static long dm_w(struct dmeta *d, long i)
{
	if (dm_is(d, i, "WR")) {
		dm_add(d, "R", NULL);
		return i + 2;
	}
	if (i == 0 && (dm_vowel(dm_at(d, i + 1)) || dm_is(d, i, "WH"))) {
		if (dm_vowel(dm_at(d, i + 1)))
			dm_add(d, "A", "F"); /* Wasserman and Vasserman */
		else
			dm_add(d, "A", NULL); /* Uomo and Womo */
		return i + 1;
	}
	/* Arnow and Arnoff; Polish -EWSKI. */
	if ((i == d->n - 1 && dm_vowel(dm_at(d, i - 1))) ||
	    dm_is(d, i - 1, "EWSKI|EWSKY|OWSKI|OWSKY") || dm_is(d, 0, "SCH")) {
		dm_add(d, "", "F");
		return i + 1;
	}
	if (dm_is(d, i, "WICZ|WITZ")) { /* Polish: filipowicz */
		dm_add(d, "TS", "FX");
		return i + 4;
	}
	return i + 1;
}

static long dm_x(struct dmeta *d, long i)
{
	if (i == 0) {
		dm_add(d, "S", NULL);
		return i + 1;
	}
	/* French: breaux. */
	if (!(i == d->n - 1 && (dm_is(d, i - 3, "IAU|EAU") || dm_is(d, i - 2, "AU|OU"))))
		dm_add(d, "KS", NULL);
	return dm_is(d, i + 1, "C|X") ? i + 2 : i + 1;
}

static long dm_z(struct dmeta *d, long i)
{
	if (dm_at(d, i + 1) == 'H') { /* Chinese pinyin: Zhao */
		dm_add(d, "J", NULL);
		return i + 2;
	}
	if (dm_is(d, i + 1, "ZO|ZI|ZA") || (d->slavo && i > 0 && dm_at(d, i - 1) != 'T'))
		dm_add(d, "S", "TS");
	else
		dm_add(d, "S", NULL);
	return dm_at(d, i + 1) == 'Z' ? i + 2 : i + 1;
}

/* The working copy: upper-cased, one byte a code point, spaces and
 * control characters trimmed at both ends. */
static void dm_load(struct dmeta *d, const char *s)
{
	uint32_t cp[LT_LINK_STRING_MAX];
	size_t n = decode(s, cp, LT_LINK_STRING_MAX);
	size_t lo = 0;
	while (lo < n && cp[lo] <= ' ')
		lo++;
	while (n > lo && cp[n - 1] <= ' ')
		n--;
	d->n = 0;
	for (size_t k = lo; k < n; k++) {
		uint32_t c = cp[k];
		unsigned char b;
		if (c >= 'a' && c <= 'z')
			b = (unsigned char)(c - 'a' + 'A');
		else if (c < 0x80)
			b = (unsigned char)c;
		else if (c == 0xC7 || c == 0xE7)
			b = DM_CEDILLA;
		else if (c == 0xD1 || c == 0xF1)
			b = DM_ENYE;
		else
			b = DM_OTHER;
		if (b == 0)
			b = DM_OTHER;
		d->w[d->n++] = b;
	}
	d->w[d->n] = '\0';
	d->slavo = strchr((const char *)d->w, 'W') || strchr((const char *)d->w, 'K') ||
	           strstr((const char *)d->w, "CZ") || strstr((const char *)d->w, "WITZ");
}

void lt_link_double_metaphone(const char *s, char primary[LT_LINK_DMETA_SIZE],
                              char alternate[LT_LINK_DMETA_SIZE])
{
	struct dmeta d;
	dm_load(&d, s);
	d.pl = d.al = 0;
	d.p[0] = d.a[0] = '\0';
	/* Silent letters at the start. */
	long i = (d.n > 0 && dm_is(&d, 0, "GN|KN|PN|WR|PS")) ? 1 : 0;
	while ((d.pl < DM_LEN || d.al < DM_LEN) && i < d.n) {
		unsigned char c = d.w[i];
		switch (c) {
		case 'A':
		case 'E':
		case 'I':
		case 'O':
		case 'U':
		case 'Y':
			if (i == 0)
				dm_add(&d, "A", NULL); /* a vowel sounds only at the start */
			i++;
			break;
		case 'B':
			dm_add(&d, "P", NULL);
			i += dm_at(&d, i + 1) == 'B' ? 2 : 1;
			break;
		case DM_CEDILLA:
			dm_add(&d, "S", NULL);
			i++;
			break;
		case 'C':
			i = dm_c(&d, i);
			break;
		case 'D':
			i = dm_d(&d, i);
			break;
		case 'F':
			dm_add(&d, "F", NULL);
			i += dm_at(&d, i + 1) == 'F' ? 2 : 1;
			break;
		case 'G':
			i = dm_g(&d, i);
			break;
		case 'H':
			i = dm_h(&d, i);
			break;
		case 'J':
			i = dm_j(&d, i);
			break;
		case 'K':
			dm_add(&d, "K", NULL);
			i += dm_at(&d, i + 1) == 'K' ? 2 : 1;
			break;
		case 'L':
			i = dm_l(&d, i);
			break;
		case 'M':
			dm_add(&d, "M", NULL);
			/* MM, and the silent B of dumb, thumb (but not "dumber"). */
			if (dm_at(&d, i + 1) == 'M' ||
			    (dm_is(&d, i - 1, "UMB") &&
			     (i + 1 == d.n - 1 || dm_is(&d, i + 2, "ER"))))
				i += 2;
			else
				i++;
			break;
		case 'N':
			dm_add(&d, "N", NULL);
			i += dm_at(&d, i + 1) == 'N' ? 2 : 1;
			break;
		case DM_ENYE:
			dm_add(&d, "N", NULL);
			i++;
			break;
		case 'P':
			if (dm_at(&d, i + 1) == 'H') {
				dm_add(&d, "F", NULL);
				i += 2;
			} else {
				dm_add(&d, "P", NULL);
				i += dm_is(&d, i + 1, "P|B") ? 2 : 1;
			}
			break;
		case 'Q':
			dm_add(&d, "K", NULL);
			i += dm_at(&d, i + 1) == 'Q' ? 2 : 1;
			break;
		case 'R':
			i = dm_r(&d, i);
			break;
		case 'S':
			i = dm_s(&d, i);
			break;
		case 'T':
			i = dm_t(&d, i);
			break;
		case 'V':
			dm_add(&d, "F", NULL);
			i += dm_at(&d, i + 1) == 'V' ? 2 : 1;
			break;
		case 'W':
			i = dm_w(&d, i);
			break;
		case 'X':
			i = dm_x(&d, i);
			break;
		case 'Z':
			i = dm_z(&d, i);
			break;
		default:
			i++;
			break;
		}
	}
	memcpy(primary, d.p, LT_LINK_DMETA_SIZE);
	memcpy(alternate, d.a, LT_LINK_DMETA_SIZE);
}

/* ---- Folding names ---------------------------------------------------- */

/* Copy the folded name `src` (n bytes, valid UTF-8) into out[cap], cut on
 * a code point boundary and without a trailing space when it does not fit. */
static lt_status copy_folded(const char *src, size_t n, char *out, size_t cap)
{
	if (n < cap) {
		memcpy(out, src, n);
		out[n] = '\0';
		return LT_OK;
	}
	size_t k = cap - 1;
	while (k > 0 && ((unsigned char)src[k] & 0xC0) == 0x80)
		k--; /* src[k] starts a code point: cut before it */
	while (k > 0 && src[k - 1] == ' ')
		k--;
	memcpy(out, src, k);
	out[k] = '\0';
	return LT_ETOOBIG;
}

lt_status lt_link_normalise(const char *s, char *out, size_t cap)
{
	LT_ASSERT(cap >= 1);
	out[0] = '\0';
	/* The ASCII fast path, the same rules as lt_name_normalise. */
	size_t n = 0;
	bool space = false, ascii = true, full = false;
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++) {
		unsigned c = *p;
		if (c >= 0x80) {
			ascii = false;
			break;
		}
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F) {
			out[0] = '\0';
			return LT_EINVAL;
		}
		if (c >= 'A' && c <= 'Z')
			c = c - 'A' + 'a';
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (full)
				continue; /* keep checking the rest is valid */
			if (space && n + 2 < cap) {
				out[n++] = ' ';
			} else if (space) {
				full = true;
				continue;
			}
			space = false;
			if (n + 1 < cap)
				out[n++] = (char)c;
			else
				full = true;
		} else if (c != '\'' && c != '`') {
			space = n > 0;
		}
	}
	if (ascii) {
		out[n] = '\0';
		return full ? LT_ETOOBIG : LT_OK;
	}
	/* Anything else through the store's folding (which allocates). */
	size_t len = strlen(s);
	struct lt_buf b;
	lt_buf_init(&b, 4 * len + 16);
	lt_status st = lt_name_normalise(s, len, &b);
	if (st == LT_OK)
		st = copy_folded(b.data ? b.data : "", b.len, out, cap);
	else
		out[0] = '\0';
	if (b.data)
		lt_crypto_wipe(b.data, b.cap);
	lt_buf_release(&b);
	return st;
}

/* ---- Romanising Cyrillic and Greek ------------------------------------- */

/* а..я (U+0430..U+044F), Russian (BGN/PCGN, simplified). */
static const char *const cyrillic_ru[32] = {
    "a", "b", "v", "g", "d", "e",  "zh", "z",  "i",  "y",    "k", "l", "m", "n", "o",  "p",
    "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "",  "y", "",  "e", "yu", "ya"};

/* The same letters in Ukrainian (2010); NULL where Russian's serves, and
 * є, ю, я depend on the position (below). */
static const char *const cyrillic_uk[32] = {
    NULL, NULL, NULL, "h",  NULL, NULL, NULL, NULL, "y",  "i",  NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};

/* α..ω (U+03B1..U+03C9), ELOT 743 letter by letter; ς (U+03C2) is s. */
static const char *const greek[25] = {"a", "v", "g", "d", "e",  "z",  "i", "th", "i",
                                      "k", "l", "m", "n", "x",  "o",  "p", "r",  "s",
                                      "s", "t", "y", "f", "ch", "ps", "o"};

/* Append the n bytes of t to out[cap] at *len; false when they do not fit. */
static bool put(char *out, size_t cap, size_t *len, const char *t, size_t n)
{
	if (*len + n >= cap)
		return false;
	memcpy(out + *len, t, n);
	*len += n;
	return true;
}

lt_status lt_link_transliterate(const char *s, char *out, size_t cap)
{
	LT_ASSERT(cap >= 1);
	out[0] = '\0';
	size_t len = strlen(s);
	if (!lt_text_valid(s, len))
		return LT_EINVAL;
	/* Ukrainian when a letter only Ukrainian uses is there: є і ї ґ. */
	bool uk = strstr(s, "\xd1\x94") || strstr(s, "\xd1\x96") || strstr(s, "\xd1\x97") ||
	          strstr(s, "\xd2\x91");
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	bool word_start = true;
	while (*p) {
		uint32_t c;
		decode((const char *)p, &c, 1); /* valid: its length from the lead byte */
		size_t k = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
		const char *t = NULL;
		if (c >= 0x430 && c <= 0x44F) {
			unsigned i = c - 0x430;
			t = uk && cyrillic_uk[i] ? cyrillic_uk[i] : cyrillic_ru[i];
			if (uk && (c == 0x44E || c == 0x44F)) /* ю я */
				t = word_start ? cyrillic_ru[i] : (c == 0x44E ? "iu" : "ia");
		} else if (c == 0x451) { /* ё */
			t = "e";
		} else if (c == 0x454) { /* є */
			t = word_start ? "ye" : "ie";
		} else if (c == 0x456 || c == 0x457) { /* і ї */
			t = "i";
		} else if (c == 0x491) { /* ґ */
			t = "g";
		} else if (c >= 0x3B1 && c <= 0x3C9) {
			t = greek[c - 0x3B1];
		}
		bool ok =
		    t ? put(out, cap, &n, t, strlen(t)) : put(out, cap, &n, (const char *)p, k);
		if (!ok) {
			while (n > 0 && out[n - 1] == ' ')
				n--;
			out[n] = '\0';
			return LT_ETOOBIG;
		}
		word_start = !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80);
		p += k;
	}
	out[n] = '\0';
	return LT_OK;
}

/* ---- Nicknames and transliterations ------------------------------------ */

/*
 * Each folded name and the canonical name of its group: English nicknames
 * (Bill, Bob, Peggy), Polish, Ukrainian and Russian diminutives (Kasia,
 * Gosia, Sasha, Dima), Yoruba and Igbo short forms (Tunde, Emeka),
 * transliterations of Arabic, Tigrinya, Russian and Ukrainian names
 * (Mohamed, Usman, Tesfay, Aleksandr, Oleksandr, Yevgeny) and the same
 * name across languages (Guillaume, Alejandro, Pyotr, Katarzyna, Gheorghe).
 * Sorted by name for bsearch, every name once (tests/linkage/
 * test_link_compare.c checks both). Ambiguous short forms (Sandy, Bert, Ned, Chris for Christine)
 * are given to one group or left out: a nickname level is weaker evidence than an exact match, not
 * a replacement for it.
 */
static const struct nickname {
	const char *name;
	const char *canonical;
} nicknames[] = {
    {"abas", "abbas"},
    {"abbas", "abbas"},
    {"abbie", "abigail"},
    {"abby", "abigail"},
    {"abdallah", "abdullah"},
    {"abdulla", "abdullah"},
    {"abdullah", "abdullah"},
    {"abigail", "abigail"},
    {"abubakar", "abubakar"},
    {"abubakr", "abubakar"},
    {"adebayo", "adebayo"},
    {"ahmad", "ahmed"},
    {"ahmed", "ahmed"},
    {"ahmet", "ahmed"},
    {"aisha", "aisha"},
    {"aishah", "aisha"},
    {"alejandro", "alexander"},
    {"aleksander", "alexander"},
    {"aleksandr", "alexander"},
    {"aleksandra", "alexandra"},
    {"aleksei", "alexei"},
    {"aleksey", "alexei"},
    {"alessandro", "alexander"},
    {"alex", "alexander"},
    {"alexander", "alexander"},
    {"alexandr", "alexander"},
    {"alexandra", "alexandra"},
    {"alexandre", "alexander"},
    {"alexandria", "alexandra"},
    {"alexei", "alexei"},
    {"alexey", "alexei"},
    {"amelia", "amelia"},
    {"anastasia", "anastasia"},
    {"anastasija", "anastasia"},
    {"anastasiya", "anastasia"},
    {"anatolii", "anatoly"},
    {"anatoliy", "anatoly"},
    {"anatoly", "anatoly"},
    {"andrei", "andrew"},
    {"andrew", "andrew"},
    {"andrey", "andrew"},
    {"andrii", "andrew"},
    {"andriy", "andrew"},
    {"andy", "andrew"},
    {"anthony", "anthony"},
    {"antony", "anthony"},
    {"ayesha", "aisha"},
    {"aysha", "aisha"},
    {"babatunde", "babatunde"},
    {"bayo", "adebayo"},
    {"becca", "rebecca"},
    {"becky", "rebecca"},
    {"ben", "benjamin"},
    {"benjamin", "benjamin"},
    {"benny", "benjamin"},
    {"berhan", "berhane"},
    {"berhane", "berhane"},
    {"bess", "elizabeth"},
    {"bessie", "elizabeth"},
    {"beth", "elizabeth"},
    {"betty", "elizabeth"},
    {"bill", "william"},
    {"billy", "william"},
    {"birhane", "berhane"},
    {"bob", "robert"},
    {"bobby", "robert"},
    {"catharine", "catherine"},
    {"catherine", "catherine"},
    {"cathy", "catherine"},
    {"charles", "charles"},
    {"charlie", "charles"},
    {"charlotte", "charlotte"},
    {"chas", "charles"},
    {"chris", "christopher"},
    {"christopher", "christopher"},
    {"chuck", "charles"},
    {"chukwuemeka", "chukwuemeka"},
    {"constantin", "constantin"},
    {"constantine", "constantin"},
    {"costel", "constantin"},
    {"costi", "constantin"},
    {"dan", "daniel"},
    {"daniel", "daniel"},
    {"danny", "daniel"},
    {"dave", "david"},
    {"david", "david"},
    {"davy", "david"},
    {"deb", "deborah"},
    {"debbie", "deborah"},
    {"deborah", "deborah"},
    {"debra", "deborah"},
    {"dick", "richard"},
    {"dickie", "richard"},
    {"dima", "dmitri"},
    {"dimitri", "dmitri"},
    {"dmitri", "dmitri"},
    {"dmitriy", "dmitri"},
    {"dmitry", "dmitri"},
    {"dmytro", "dmitri"},
    {"drew", "andrew"},
    {"ebrahim", "ibrahim"},
    {"ed", "edward"},
    {"eddie", "edward"},
    {"edward", "edward"},
    {"ekaterina", "catherine"},
    {"elena", "elena"},
    {"elisabeth", "elizabeth"},
    {"eliza", "elizabeth"},
    {"elizabeth", "elizabeth"},
    {"elizaveta", "elizabeth"},
    {"emeka", "chukwuemeka"},
    {"emmanuel", "emmanuel"},
    {"evgeni", "evgeny"},
    {"evgenii", "evgeny"},
    {"evgeny", "evgeny"},
    {"fareed", "farid"},
    {"farid", "farid"},
    {"fatima", "fatima"},
    {"fatimah", "fatima"},
    {"fatma", "fatima"},
    {"femi", "olufemi"},
    {"fred", "frederick"},
    {"freddie", "frederick"},
    {"freddy", "frederick"},
    {"frederic", "frederick"},
    {"frederick", "frederick"},
    {"funmi", "funmilayo"},
    {"funmilayo", "funmilayo"},
    {"george", "george"},
    {"georgi", "george"},
    {"georgiy", "george"},
    {"gheorghe", "george"},
    {"ghirmai", "ghirmay"},
    {"ghirmay", "ghirmay"},
    {"girmay", "ghirmay"},
    {"gosia", "margaret"},
    {"greg", "gregory"},
    {"gregory", "gregory"},
    {"grzegorz", "gregory"},
    {"grzesiek", "gregory"},
    {"guillaume", "william"},
    {"guillermo", "william"},
    {"haidar", "haider"},
    {"haider", "haider"},
    {"hamed", "hamid"},
    {"hameed", "hamid"},
    {"hamid", "hamid"},
    {"hank", "henry"},
    {"hanna", "hannah"},
    {"hannah", "hannah"},
    {"haroon", "harun"},
    {"haroun", "harun"},
    {"harry", "henry"},
    {"harun", "harun"},
    {"hasan", "hassan"},
    {"hassan", "hassan"},
    {"henry", "henry"},
    {"hosein", "hussein"},
    {"hossein", "hussein"},
    {"husain", "hussein"},
    {"hussain", "hussein"},
    {"hussein", "hussein"},
    {"hyder", "haider"},
    {"ibraheem", "ibrahim"},
    {"ibrahim", "ibrahim"},
    {"ike", "ikechukwu"},
    {"ikechukwu", "ikechukwu"},
    {"ioan", "john"},
    {"ion", "john"},
    {"irina", "irina"},
    {"iryna", "irina"},
    {"ishag", "ishaq"},
    {"ishak", "ishaq"},
    {"ishaq", "ishaq"},
    {"iskander", "alexander"},
    {"iuliia", "yulia"},
    {"iurii", "yuri"},
    {"jack", "john"},
    {"jacob", "jacob"},
    {"jake", "jacob"},
    {"jakub", "jacob"},
    {"james", "james"},
    {"jamie", "james"},
    {"javed", "javed"},
    {"javid", "javed"},
    {"jawed", "javed"},
    {"jen", "jennifer"},
    {"jennifer", "jennifer"},
    {"jenny", "jennifer"},
    {"jess", "jessica"},
    {"jessica", "jessica"},
    {"jessie", "jessica"},
    {"jim", "james"},
    {"jimmy", "james"},
    {"joe", "joseph"},
    {"joey", "joseph"},
    {"john", "john"},
    {"johnny", "john"},
    {"jonathan", "jonathan"},
    {"jonathon", "jonathan"},
    {"jonny", "jonathan"},
    {"joseph", "joseph"},
    {"josh", "joshua"},
    {"joshua", "joshua"},
    {"julia", "yulia"},
    {"kadija", "khadija"},
    {"kadir", "qadir"},
    {"kareem", "karim"},
    {"karim", "karim"},
    {"kasia", "catherine"},
    {"kat", "catherine"},
    {"katarzyna", "catherine"},
    {"kate", "catherine"},
    {"katerina", "catherine"},
    {"kateryna", "catherine"},
    {"katharine", "catherine"},
    {"katherine", "catherine"},
    {"kathryn", "catherine"},
    {"kathy", "catherine"},
    {"katie", "catherine"},
    {"katya", "catherine"},
    {"kemi", "oluwakemi"},
    {"khadija", "khadija"},
    {"khadijah", "khadija"},
    {"kolya", "nicholas"},
    {"konstantin", "constantin"},
    {"kostya", "constantin"},
    {"krzysiek", "christopher"},
    {"krzysztof", "christopher"},
    {"kuba", "jacob"},
    {"laila", "layla"},
    {"layla", "layla"},
    {"leila", "layla"},
    {"libby", "elizabeth"},
    {"liz", "elizabeth"},
    {"lizzie", "elizabeth"},
    {"lizzy", "elizabeth"},
    {"lottie", "charlotte"},
    {"madge", "margaret"},
    {"maggie", "margaret"},
    {"mahmood", "mahmoud"},
    {"mahmoud", "mahmoud"},
    {"mahmud", "mahmoud"},
    {"mahomed", "muhammad"},
    {"malgorzata", "margaret"},
    {"manny", "emmanuel"},
    {"margaret", "margaret"},
    {"marge", "margaret"},
    {"margie", "margaret"},
    {"maria", "maria"},
    {"mariam", "mariam"},
    {"mariia", "maria"},
    {"mariya", "maria"},
    {"marya", "maria"},
    {"maryam", "mariam"},
    {"matt", "matthew"},
    {"matthew", "matthew"},
    {"meg", "margaret"},
    {"mehmet", "muhammad"},
    {"meryem", "mariam"},
    {"michael", "michael"},
    {"michal", "michael"},
    {"mick", "michael"},
    {"mickey", "michael"},
    {"mike", "michael"},
    {"mikey", "michael"},
    {"mikhail", "michael"},
    {"millie", "amelia"},
    {"miriam", "mariam"},
    {"mohamad", "muhammad"},
    {"mohamed", "muhammad"},
    {"mohammad", "muhammad"},
    {"mohammed", "muhammad"},
    {"mohamud", "muhammad"},
    {"mohd", "muhammad"},
    {"mostafa", "mustafa"},
    {"muhamad", "muhammad"},
    {"muhammad", "muhammad"},
    {"muhammed", "muhammad"},
    {"mustafa", "mustafa"},
    {"mustapha", "mustafa"},
    {"mykhailo", "michael"},
    {"mykola", "nicholas"},
    {"nastya", "anastasia"},
    {"natalia", "natalia"},
    {"nataliia", "natalia"},
    {"nataliya", "natalia"},
    {"natalya", "natalia"},
    {"natasha", "natalia"},
    {"naveed", "naveed"},
    {"navid", "naveed"},
    {"nicholas", "nicholas"},
    {"nick", "nicholas"},
    {"nicky", "nicholas"},
    {"nicolae", "nicholas"},
    {"nicolas", "nicholas"},
    {"nicu", "nicholas"},
    {"nikolai", "nicholas"},
    {"nikolay", "nicholas"},
    {"noor", "noor"},
    {"nour", "noor"},
    {"nur", "noor"},
    {"oleksandr", "alexander"},
    {"oleksii", "alexei"},
    {"oleksiy", "alexei"},
    {"olena", "elena"},
    {"olexandr", "alexander"},
    {"olga", "olga"},
    {"olha", "olga"},
    {"oliver", "oliver"},
    {"ollie", "oliver"},
    {"olufemi", "olufemi"},
    {"oluwakemi", "oluwakemi"},
    {"oluwaseun", "oluwaseun"},
    {"omar", "omar"},
    {"omer", "omar"},
    {"osman", "osman"},
    {"othman", "osman"},
    {"paddy", "patrick"},
    {"pat", "patrick"},
    {"patricia", "patricia"},
    {"patrick", "patrick"},
    {"patty", "patricia"},
    {"peggy", "margaret"},
    {"pete", "peter"},
    {"peter", "peter"},
    {"piotr", "peter"},
    {"piotrek", "peter"},
    {"pyotr", "peter"},
    {"qader", "qadir"},
    {"qadir", "qadir"},
    {"raheem", "rahim"},
    {"rahim", "rahim"},
    {"rasool", "rasul"},
    {"rasul", "rasul"},
    {"rebecca", "rebecca"},
    {"resul", "rasul"},
    {"rich", "richard"},
    {"richard", "richard"},
    {"richie", "richard"},
    {"rick", "richard"},
    {"ricky", "richard"},
    {"rob", "robert"},
    {"robbie", "robert"},
    {"robby", "robert"},
    {"robert", "robert"},
    {"saleh", "saleh"},
    {"salih", "saleh"},
    {"sam", "samuel"},
    {"sammy", "samuel"},
    {"samuel", "samuel"},
    {"sanya", "alexander"},
    {"sasha", "alexander"},
    {"sergei", "sergei"},
    {"sergey", "sergei"},
    {"sergiy", "sergei"},
    {"serhii", "sergei"},
    {"serhiy", "sergei"},
    {"seun", "oluwaseun"},
    {"soliman", "suleiman"},
    {"stefan", "stephen"},
    {"stephan", "stephen"},
    {"stephen", "stephen"},
    {"steve", "stephen"},
    {"steven", "stephen"},
    {"stevie", "stephen"},
    {"sulaiman", "suleiman"},
    {"sulayman", "suleiman"},
    {"suleiman", "suleiman"},
    {"suliman", "suleiman"},
    {"tanya", "tatiana"},
    {"tatiana", "tatiana"},
    {"tatyana", "tatiana"},
    {"ted", "edward"},
    {"tesfai", "tesfaye"},
    {"tesfay", "tesfaye"},
    {"tesfaye", "tesfaye"},
    {"tetiana", "tatiana"},
    {"tetyana", "tatiana"},
    {"thomas", "thomas"},
    {"tom", "thomas"},
    {"tomasz", "thomas"},
    {"tomek", "thomas"},
    {"tommy", "thomas"},
    {"tony", "anthony"},
    {"tricia", "patricia"},
    {"trish", "patricia"},
    {"tsegai", "tsegaye"},
    {"tsegay", "tsegaye"},
    {"tsegaye", "tsegaye"},
    {"tunde", "babatunde"},
    {"umar", "omar"},
    {"usman", "osman"},
    {"uthman", "osman"},
    {"vicky", "victoria"},
    {"victoria", "victoria"},
    {"vikki", "victoria"},
    {"viktoria", "victoria"},
    {"viktoriia", "victoria"},
    {"vitalii", "vitaly"},
    {"vitaliy", "vitaly"},
    {"vitaly", "vitaly"},
    {"vladimir", "volodymyr"},
    {"volodimir", "volodymyr"},
    {"volodya", "volodymyr"},
    {"volodymyr", "volodymyr"},
    {"wilhelm", "william"},
    {"will", "william"},
    {"william", "william"},
    {"willie", "william"},
    {"willy", "william"},
    {"wojciech", "wojciech"},
    {"wojtek", "wojciech"},
    {"yacoub", "yaqub"},
    {"yagoub", "yaqub"},
    {"yakub", "yaqub"},
    {"yaqoob", "yaqub"},
    {"yaqub", "yaqub"},
    {"yekaterina", "catherine"},
    {"yelena", "elena"},
    {"yevgeni", "evgeny"},
    {"yevgeniy", "evgeny"},
    {"yevgeny", "evgeny"},
    {"yevhen", "evgeny"},
    {"yevhenii", "evgeny"},
    {"yousef", "yusuf"},
    {"yousif", "yusuf"},
    {"youssef", "yusuf"},
    {"yulia", "yulia"},
    {"yuliia", "yulia"},
    {"yuliya", "yulia"},
    {"yuri", "yuri"},
    {"yurii", "yuri"},
    {"yuriy", "yuri"},
    {"yury", "yuri"},
    {"yusef", "yusuf"},
    {"yusuf", "yusuf"},
    {"zainab", "zainab"},
    {"zaynab", "zainab"},
    {"zeinab", "zainab"},
};

static int nickname_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct nickname *)elem)->name);
}

const char *lt_link_name_canonical(const char *name)
{
	const struct nickname *n =
	    bsearch(name, nicknames, sizeof(nicknames) / sizeof(nicknames[0]), sizeof(nicknames[0]),
	            nickname_cmp);
	return n ? n->canonical : NULL;
}

size_t lt_link_nickname_count(void)
{
	return sizeof(nicknames) / sizeof(nicknames[0]);
}
const char *lt_link_nickname_at(size_t i, const char **canonical)
{
	LT_ASSERT(i < lt_link_nickname_count());
	*canonical = nicknames[i].canonical;
	return nicknames[i].name;
}

/* ---- Dates ------------------------------------------------------------- */

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Keep what is valid of year y, month m, day d (0 = not given), in order. */
static enum lt_link_date_precision date_set(struct lt_link_date *out, int y, int m, int d)
{
	memset(out, 0, sizeof(*out));
	if (y < 1 || y > 9999)
		return LT_LINK_DATE_NONE;
	out->year = (int16_t)y;
	if (m < 1 || m > 12)
		return LT_LINK_DATE_YEAR;
	out->month = (int8_t)m;
	if (d < 1 || d > days_in_month(y, m))
		return LT_LINK_DATE_MONTH;
	out->day = (int8_t)d;
	return LT_LINK_DATE_DAY;
}

/* The value of the n digits at s. */
static int digits(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

enum lt_link_date_precision lt_link_date_parse(const char *s, struct lt_link_date *d)
{
	memset(d, 0, sizeof(*d));
	while (*s == ' ' || *s == '\t')
		s++;
	/* Up to three groups of digits, each of at most 8, one separator between. */
	const char *g[3];
	size_t len[3], ng = 0;
	const char *p = s;
	for (;;) {
		const char *start = p;
		while (*p >= '0' && *p <= '9' && p - start <= 8)
			p++;
		if (p == start || p - start > 8)
			return LT_LINK_DATE_NONE;
		g[ng] = start;
		len[ng] = (size_t)(p - start);
		ng++;
		if (ng < 3 && (*p == '-' || *p == '/' || *p == '.') && p[1] >= '0' && p[1] <= '9') {
			p++;
			continue;
		}
		break;
	}
	/* What may follow: spaces, or a time after a whole date written year first. */
	bool whole_ymd = (ng == 3 && len[0] == 4) || (ng == 1 && len[0] == 8);
	const char *rest = p;
	if (whole_ymd && (*rest == 'T' || *rest == ' ') && rest[1] >= '0' && rest[1] <= '9')
		rest += strlen(rest);
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (*rest != '\0')
		return LT_LINK_DATE_NONE;

	if (ng == 1) {
		if (len[0] == 4)
			return date_set(d, digits(g[0], 4), 0, 0);
		if (len[0] == 6)
			return date_set(d, digits(g[0], 4), digits(g[0] + 4, 2), 0);
		if (len[0] == 8)
			return date_set(d, digits(g[0], 4), digits(g[0] + 4, 2),
			                digits(g[0] + 6, 2));
		return LT_LINK_DATE_NONE;
	}
	if (ng == 2) {
		if (len[0] == 4 && len[1] <= 2) {
			int m = digits(g[1], len[1]);
			return date_set(d, digits(g[0], 4), m == 0 ? -1 : m, 0);
		}
		if (len[0] <= 2 && len[1] == 4) {
			int m = digits(g[0], len[0]);
			return date_set(d, digits(g[1], 4), m == 0 ? -1 : m, 0);
		}
		return LT_LINK_DATE_NONE;
	}
	if (len[0] == 4 && len[1] <= 2 && len[2] <= 2)
		return date_set(d, digits(g[0], 4), digits(g[1], len[1]), digits(g[2], len[2]));
	if (len[0] <= 2 && len[1] <= 2 && len[2] == 4)
		return date_set(d, digits(g[2], 4), digits(g[1], len[1]), digits(g[0], len[0]));
	return LT_LINK_DATE_NONE;
}

static const char *const date_level_names[] = {
#define LT_LINK_X(sym, name, meaning) name,
    LT_LINK_DATE_LEVEL_MAP(LT_LINK_X)
#undef LT_LINK_X
};

const char *lt_link_date_level_name(enum lt_link_date_level level)
{
	if ((unsigned)level >= LT_LINK_DATE_LEVELS)
		return "?";
	return date_level_names[level];
}

enum lt_link_date_level lt_link_date_compare(const struct lt_link_date *a,
                                             const struct lt_link_date *b, unsigned near_years)
{
	if (a->year == 0 || b->year == 0)
		return LT_LINK_DATE_NULL;
	if (a->year == b->year) {
		if (a->day && b->day) {
			if (a->month == b->month && a->day == b->day)
				return LT_LINK_DATE_EXACT;
			if (a->day == b->month && a->month == b->day)
				return LT_LINK_DATE_SWAPPED;
		}
		if (a->month && b->month) {
			if (a->month == b->month)
				return LT_LINK_DATE_SAME_MONTH;
		} else {
			return LT_LINK_DATE_SAME_YEAR;
		}
	}
	unsigned gap = (unsigned)(a->year > b->year ? a->year - b->year : b->year - a->year);
	return gap <= near_years ? LT_LINK_DATE_NEAR : LT_LINK_DATE_DIFFERENT;
}
