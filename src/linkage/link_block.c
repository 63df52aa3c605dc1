/*
 * link_block.c — ordered blocking rules (link_block.h).
 *
 * For each rule the blocker keeps, per record, the 64-bit FNV-1a hash of
 * the rule's key string and the offset of that string in an arena
 * (KEY_MISSING when the record has no key for the rule), and the keyed
 * records sorted by (hash, string, source, record). A block is a maximal
 * run of equal (hash, string); inside it the records of each source are
 * contiguous, so the partners of the record at position p, in the pair
 * universe of the mode, are one range of later positions [lo[p], hi[p]):
 *   ALL     p+1 .. end of the block
 *   WITHIN  p+1 .. end of p's source run
 *   ACROSS  end of p's source run .. end of the block
 * The raw pair count of any range of positions is then the sum of
 * hi - lo, which is what the pre-flight count and the chunks use.
 *
 * A pair of rule k is skipped when an earlier rule's keys match for both
 * records: hashes first, strings only when the hashes agree.
 *
 * Key strings are capped at KEY_MAX bytes (a longer value is cut at a
 * character boundary), so arena offsets fit 32 bits for any table within
 * LT_LINK_RECORDS_MAX records.
 */
#include "linkage/link_block.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/person.h"
#include "crypto/crypto.h"
#include "linkage/link_compare.h"
#include "core/banned.h"

#define KEY_MISSING UINT32_MAX
#define KEY_MAX     128    /* bytes of one rule's key string */
#define KEY_SEP     '\x1f' /* between the values of a rule's keys */
#define NORM_MAX    4096   /* bytes of one normalised cell */

struct lt_link_block_rule_state {
	uint64_t *hash; /* nrec */
	uint32_t *off;  /* nrec; KEY_MISSING = no key */
	char *arena;    /* key strings, each NUL-terminated */
	size_t arena_len, arena_cap;
	uint32_t nkeyed;
	uint32_t *order;   /* nkeyed record indices in sorted order */
	uint32_t *lo, *hi; /* nkeyed: partner positions of each position */
	uint64_t blocks, largest;
};

/* ---- key values ------------------------------------------------------- */

static size_t utf8_cut_chars(const char *s, size_t len, size_t nchar)
{
	/* bytes of the first nchar code points of s */
	size_t i = 0, c = 0;
	while (i < len && c < nchar) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		c++;
	}
	return i;
}

static size_t utf8_tail_start(const char *s, size_t len, size_t nchar)
{
	/* byte offset where the last nchar code points of s start */
	size_t i = len, c = 0;
	while (i > 0 && c < nchar) {
		i--;
		while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
			i--;
		c++;
	}
	return i;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The year of a date in s: the first four characters when they are digits
 * (YYYY, YYYYMMDD, YYYY-MM-DD, YYYY-MM), else the last run of exactly four
 * digits (DD/MM/YYYY). 0 when none. */
static int date_year(const char *s)
{
	while (*s == ' ')
		s++;
	size_t len = strlen(s);
	if (len >= 4 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
	    (len == 4 || !is_digit(s[4]) || len == 8))
		return (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int year = 0;
	for (size_t i = 0; i < len;) {
		if (!is_digit(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < len && is_digit(s[j]))
			j++;
		if (j - i == 4)
			year = (s[i] - '0') * 1000 + (s[i + 1] - '0') * 100 +
			       (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
		i = j;
	}
	return year;
}

/*
 * The value of key k for cell s, appended to out (at most cap - 1 bytes
 * plus a NUL at out[*len]), `normed` being s folded by lt_name_normalise
 * (NULL when s is not UTF-8). Returns 0 when the key is missing (no value,
 * an empty result, or text that is not UTF-8), 1 otherwise.
 */
static int key_append(const struct lt_link_key *k, const char *s, const char *normed, char *out,
                      size_t *len, size_t cap)
{
	if (s == NULL || s[0] == '\0')
		return 0;
	char tmp[KEY_MAX];
	size_t n = 0;
	if (k->fn == LT_LINK_KEY_YEAR) {
		int y = date_year(s);
		if (y <= 0)
			return 0;
		n = (size_t)snprintf(tmp, sizeof(tmp), "%04d", y);
	} else {
		if (normed == NULL || normed[0] == '\0')
			return 0;
		const char *v = normed;
		size_t vl = strlen(normed);
		int done = 0;
		switch (k->fn) {
		case LT_LINK_KEY_PREFIX:
			vl = utf8_cut_chars(v, vl, k->n);
			break;
		case LT_LINK_KEY_SUFFIX: {
			size_t at = utf8_tail_start(v, vl, k->n);
			v += at;
			vl -= at;
			break;
		}
		case LT_LINK_KEY_NOSPACE: {
			for (size_t i = 0; i < vl && n < sizeof(tmp) - 1; i++)
				if (v[i] != ' ')
					tmp[n++] = v[i];
			done = 1;
			break;
		}
		case LT_LINK_KEY_PHONETIC: {
			size_t w = 0;
			while (w < vl && v[w] != ' ')
				w++;
			char word[KEY_MAX];
			if (w > sizeof(word) - 1)
				w = sizeof(word) - 1;
			memcpy(word, v, w);
			word[w] = '\0';
			char primary[LT_LINK_DMETA_SIZE], alternate[LT_LINK_DMETA_SIZE];
			lt_link_double_metaphone(word, primary, alternate);
			n = strlen(primary);
			memcpy(tmp, primary, n);
			done = 1;
			break;
		}
		default:
			break;
		}
		if (!done) {
			if (vl > sizeof(tmp) - 1)
				vl = utf8_cut_chars(v, sizeof(tmp) - 1, sizeof(tmp));
			while (vl > sizeof(tmp) - 1)
				vl--;
			memcpy(tmp, v, vl);
			n = vl;
		}
	}
	if (n == 0)
		return 0;
	size_t avail = cap > *len + 1 ? cap - *len - 1 : 0;
	if (n > avail)
		n = avail;
	memcpy(out + *len, tmp, n);
	*len += n;
	out[*len] = '\0';
	return 1;
}

lt_status lt_link_key_value(const struct lt_link_key *key, const char *s, char *out, size_t cap)
{
	if (cap == 0)
		return LT_OK;
	out[0] = '\0';
	if (s == NULL || s[0] == '\0')
		return LT_OK;
	struct lt_buf norm;
	lt_buf_init(&norm, NORM_MAX);
	size_t len = 0;
	lt_status st = LT_OK;
	const char *normed = NULL;
	if (key->fn != LT_LINK_KEY_YEAR) {
		st = lt_name_normalise(s, strlen(s), &norm);
		normed = st == LT_OK ? lt_buf_str(&norm) : NULL;
		if (st != LT_EINVAL)
			st = LT_OK;
	}
	if (!key_append(key, s, normed, out, &len, cap))
		out[0] = '\0';
	if (norm.data)
		lt_crypto_wipe(norm.data, norm.cap);
	lt_buf_release(&norm);
	return st;
}

/* ---- rules as text ---------------------------------------------------- */

static const struct {
	const char *name;
	enum lt_link_key_fn fn;
} key_fns[] = {
    {"phonetic", LT_LINK_KEY_PHONETIC},
    {"year", LT_LINK_KEY_YEAR},
    {"nospace", LT_LINK_KEY_NOSPACE},
};

static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

static lt_status parse_key(const char *s, const char *e, const struct lt_link_table *t,
                           struct lt_link_key *k, const char *rule, struct lt_error *err)
{
	trim(&s, &e);
	const char *colon = memchr(s, ':', (size_t)(e - s));
	const char *fe = colon ? colon : e;
	const char *fs = s;
	trim(&fs, &fe);
	char name[128];
	size_t nl = (size_t)(fe - fs);
	if (nl == 0 || nl >= sizeof(name))
		return lt_error_set(err, LT_EINVAL, "blocking",
		                    "rule '%s': a key has no field name", rule);
	memcpy(name, fs, nl);
	name[nl] = '\0';
	long f = lt_link_table_field(t, name);
	if (f < 0)
		return lt_error_set(err, LT_EINVAL, "blocking", "rule '%s': no field '%s'", rule,
		                    name);
	k->field = (uint32_t)f;
	k->fn = LT_LINK_KEY_EXACT;
	k->n = 0;
	if (!colon)
		return LT_OK;
	const char *a = colon + 1, *ae = e;
	trim(&a, &ae);
	char fn[32];
	size_t al = (size_t)(ae - a);
	if (al == 0 || al >= sizeof(fn))
		return lt_error_set(err, LT_EINVAL, "blocking",
		                    "rule '%s': '%s:' names no function", rule, name);
	memcpy(fn, a, al);
	fn[al] = '\0';
	for (size_t i = 0; i < sizeof(key_fns) / sizeof(key_fns[0]); i++)
		if (strcmp(fn, key_fns[i].name) == 0) {
			k->fn = key_fns[i].fn;
			return LT_OK;
		}
	const char *d = fn;
	int suffix = 0;
	if (*d == '-') {
		suffix = 1;
		d++;
	}
	unsigned long n = 0;
	int nd = 0;
	for (; *d; d++, nd++) {
		if (!is_digit(*d) || n > 1000)
			break;
		n = n * 10 + (unsigned long)(*d - '0');
	}
	if (*d != '\0' || nd == 0 || n < 1 || n > 64)
		return lt_error_set(err, LT_EINVAL, "blocking",
		                    "rule '%s': unknown key function '%s' (use N or -N for 1..64 "
		                    "characters, phonetic, year or nospace)",
		                    rule, fn);
	k->fn = suffix ? LT_LINK_KEY_SUFFIX : LT_LINK_KEY_PREFIX;
	k->n = (uint32_t)n;
	return LT_OK;
}

lt_status lt_link_rule_parse(const char *text, const struct lt_link_table *t,
                             struct lt_link_rule *rule, struct lt_error *err)
{
	memset(rule, 0, sizeof(*rule));
	char shown[64];
	lt_error_quote(shown, sizeof(shown), text, strlen(text), 48);
	if (strlen(text) >= LT_LINK_BLOCK_RULE_TEXT_MAX)
		return lt_error_set(err, LT_EINVAL, "blocking", "rule '%s' is longer than %d bytes",
		                    shown, LT_LINK_BLOCK_RULE_TEXT_MAX - 1);
	const char *s = text;
	while (*s == ' ' || *s == '\t')
		s++;
	if (s[0] == '*') {
		const char *e = s + 1;
		while (*e == ' ' || *e == '\t')
			e++;
		if (*e == '\0')
			return LT_OK; /* every pair: no keys */
	}
	for (;;) {
		const char *amp = strchr(s, '&');
		const char *e = amp ? amp : s + strlen(s);
		if (rule->nkey == LT_LINK_BLOCK_KEYS_MAX)
			return lt_error_set(err, LT_EINVAL, "blocking",
			                    "rule '%s' has more than %d keys", shown,
			                    LT_LINK_BLOCK_KEYS_MAX);
		lt_status st = parse_key(s, e, t, &rule->keys[rule->nkey], shown, err);
		if (st != LT_OK)
			return st;
		rule->nkey++;
		if (!amp)
			break;
		s = amp + 1;
	}
	return LT_OK;
}

void lt_link_rule_format(const struct lt_link_rule *rule, const struct lt_link_table *t, char *out,
                         size_t cap)
{
	size_t len = 0;
	if (cap == 0)
		return;
	out[0] = '\0';
	if (rule->nkey == 0)
		snprintf(out, cap, "*");
	for (size_t i = 0; i < rule->nkey && len < cap; i++) {
		const struct lt_link_key *k = &rule->keys[i];
		const char *name = k->field < t->nfield ? t->field_names[k->field] : "?";
		char fn[24] = "";
		switch (k->fn) {
		case LT_LINK_KEY_EXACT:
			break;
		case LT_LINK_KEY_PREFIX:
			snprintf(fn, sizeof(fn), ":%u", k->n);
			break;
		case LT_LINK_KEY_SUFFIX:
			snprintf(fn, sizeof(fn), ":-%u", k->n);
			break;
		case LT_LINK_KEY_PHONETIC:
			snprintf(fn, sizeof(fn), ":phonetic");
			break;
		case LT_LINK_KEY_YEAR:
			snprintf(fn, sizeof(fn), ":year");
			break;
		case LT_LINK_KEY_NOSPACE:
			snprintf(fn, sizeof(fn), ":nospace");
			break;
		}
		int w = snprintf(out + len, cap - len, "%s%s%s", i ? " & " : "", name, fn);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* ---- building the blocks ---------------------------------------------- */

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct sort_item {
	uint64_t hash;
	uint32_t src, rec;
};

static int cmp_item(const void *x, const void *y)
{
	const struct sort_item *a = x, *b = y;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	return a->rec < b->rec ? -1 : a->rec > b->rec;
}

static int cmp_item_str(const struct lt_link_block_rule_state *rs, const struct sort_item *a,
                        const struct sort_item *b)
{
	int c = strcmp(rs->arena + rs->off[a->rec], rs->arena + rs->off[b->rec]);
	if (c != 0)
		return c;
	return cmp_item(a, b);
}

/* Merge sort of v[0..n-1] by (string, source, record), with scratch tmp of
 * n items: the rare run of one hash holding several strings. */
static void sort_by_string(const struct lt_link_block_rule_state *rs, struct sort_item *v,
                           struct sort_item *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_by_string(rs, v, tmp, h);
	sort_by_string(rs, v + h, tmp, n - h);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp_item_str(rs, &v[i], &v[j]) <= 0 ? v[i++] : v[j++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static lt_status arena_push(struct lt_link_block_rule_state *rs, const char *s, size_t n,
                            uint32_t *off)
{
	if (rs->arena_len + n + 1 > rs->arena_cap) {
		size_t cap = rs->arena_cap ? rs->arena_cap * 2 : 65536;
		while (cap < rs->arena_len + n + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return LT_ETOOBIG;
		char *a = realloc(rs->arena, cap);
		if (!a)
			return LT_ENOMEM;
		rs->arena = a;
		rs->arena_cap = cap;
	}
	*off = (uint32_t)rs->arena_len;
	memcpy(rs->arena + rs->arena_len, s, n);
	rs->arena[rs->arena_len + n] = '\0';
	rs->arena_len += n + 1;
	return LT_OK;
}

static int same_key(const struct lt_link_block_rule_state *rs, uint32_t a, uint32_t b)
{
	return rs->off[a] != KEY_MISSING && rs->off[b] != KEY_MISSING &&
	       rs->hash[a] == rs->hash[b] &&
	       strcmp(rs->arena + rs->off[a], rs->arena + rs->off[b]) == 0;
}

/* The folded values of one field, computed once for all rules: offsets
 * into an arena, KEY_MISSING for a missing or non-UTF-8 cell. */
struct norm_cache {
	uint32_t *off; /* nrec, NULL when the field is not needed */
	char *arena;
	size_t len, cap;
};

static lt_status cache_field(const struct lt_link_table *t, size_t f, struct norm_cache *c)
{
	struct lt_buf norm;
	lt_buf_init(&norm, NORM_MAX);
	lt_status st = LT_OK;
	c->off = malloc((t->nrec ? t->nrec : 1) * sizeof(*c->off));
	if (!c->off) {
		st = LT_ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < t->nrec; r++) {
		const char *s = lt_link_cell(t, r, f);
		c->off[r] = KEY_MISSING;
		if (s == NULL || s[0] == '\0')
			continue;
		lt_buf_reset(&norm);
		if (lt_name_normalise(s, strlen(s), &norm) != LT_OK || norm.len == 0)
			continue;
		if (c->len + norm.len + 1 > c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 65536;
			while (cap < c->len + norm.len + 1)
				cap *= 2;
			if (cap > UINT32_MAX) {
				st = LT_ETOOBIG;
				goto out;
			}
			char *a = realloc(c->arena, cap);
			if (!a) {
				st = LT_ENOMEM;
				goto out;
			}
			c->arena = a;
			c->cap = cap;
		}
		c->off[r] = (uint32_t)c->len;
		memcpy(c->arena + c->len, norm.data, norm.len + 1);
		c->len += norm.len + 1;
	}
out:
	if (norm.data)
		lt_crypto_wipe(norm.data, norm.cap);
	lt_buf_release(&norm);
	return st;
}

static void cache_release(struct norm_cache *c)
{
	if (c->arena)
		lt_crypto_wipe(c->arena, c->len);
	free(c->arena);
	free(c->off);
	memset(c, 0, sizeof(*c));
}

static lt_status build_rule(struct lt_link_blocker *b, const struct lt_link_table *t,
                            const struct lt_link_rule *rule, const struct norm_cache *cache,
                            struct lt_link_block_rule_state *rs)
{
	lt_status st = LT_OK;
	size_t n = t->nrec;
	struct sort_item *items = NULL;
	char key[KEY_MAX + 8];
	rs->hash = malloc((n ? n : 1) * sizeof(*rs->hash));
	rs->off = malloc((n ? n : 1) * sizeof(*rs->off));
	if (!rs->hash || !rs->off) {
		st = LT_ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < n; r++) {
		size_t len = 0;
		int have = 1;
		key[0] = '\0';
		for (size_t i = 0; i < rule->nkey && have; i++) {
			if (i > 0 && len + 2 < sizeof(key)) {
				key[len++] = KEY_SEP;
				key[len] = '\0';
			}
			const struct norm_cache *c = &cache[rule->keys[i].field];
			const char *normed =
			    c->off && c->off[r] != KEY_MISSING ? c->arena + c->off[r] : NULL;
			have = key_append(&rule->keys[i], lt_link_cell(t, r, rule->keys[i].field),
			                  normed, key, &len, sizeof(key));
		}
		if (!have) {
			rs->off[r] = KEY_MISSING;
			rs->hash[r] = 0;
			continue;
		}
		st = arena_push(rs, key, len, &rs->off[r]);
		if (st != LT_OK)
			goto out;
		rs->hash[r] = fnv1a(key, len);
		rs->nkeyed++;
	}
	items = malloc((rs->nkeyed ? rs->nkeyed : 1) * sizeof(*items));
	rs->order = malloc((rs->nkeyed ? rs->nkeyed : 1) * sizeof(*rs->order));
	rs->lo = malloc((rs->nkeyed ? rs->nkeyed : 1) * sizeof(*rs->lo));
	rs->hi = malloc((rs->nkeyed ? rs->nkeyed : 1) * sizeof(*rs->hi));
	if (!items || !rs->order || !rs->lo || !rs->hi) {
		st = LT_ENOMEM;
		goto out;
	}
	size_t m = 0;
	for (size_t r = 0; r < n; r++)
		if (rs->off[r] != KEY_MISSING)
			items[m++] = (struct sort_item){rs->hash[r], b->source[r], (uint32_t)r};
	qsort(items, m, sizeof(*items), cmp_item);
	/* Runs of one hash holding more than one string (a collision) are
	 * re-sorted by string, so equal strings are adjacent. */
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		int mixed = 0;
		while (j < m && items[j].hash == items[i].hash) {
			if (!mixed && strcmp(rs->arena + rs->off[items[j].rec],
			                     rs->arena + rs->off[items[i].rec]) != 0)
				mixed = 1;
			j++;
		}
		if (mixed) {
			struct sort_item *tmp = malloc((j - i) * sizeof(*tmp));
			if (!tmp) {
				st = LT_ENOMEM;
				goto out;
			}
			sort_by_string(rs, items + i, tmp, j - i);
			free(tmp);
		}
		i = j;
	}
	for (size_t i = 0; i < m; i++)
		rs->order[i] = items[i].rec;
	/* Blocks, source runs inside them, and each position's partners. */
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		while (j < m && same_key(rs, items[i].rec, items[j].rec))
			j++;
		if (j - i >= 2)
			rs->blocks++;
		if (j - i > rs->largest)
			rs->largest = j - i;
		for (size_t s = i; s < j;) {
			size_t e = s + 1;
			while (e < j && items[e].src == items[s].src)
				e++;
			for (size_t p = s; p < e; p++) {
				switch (b->mode) {
				case LT_LINK_BLOCK_ALL:
					rs->lo[p] = (uint32_t)(p + 1);
					rs->hi[p] = (uint32_t)j;
					break;
				case LT_LINK_BLOCK_WITHIN:
					rs->lo[p] = (uint32_t)(p + 1);
					rs->hi[p] = (uint32_t)e;
					break;
				case LT_LINK_BLOCK_ACROSS:
					rs->lo[p] = (uint32_t)e;
					rs->hi[p] = (uint32_t)j;
					break;
				}
			}
			s = e;
		}
		i = j;
	}
out:
	free(items);
	lt_crypto_wipe(key, sizeof(key));
	return st;
}

lt_status lt_link_blocker_init(struct lt_link_blocker *b, const struct lt_link_table *t,
                               const struct lt_link_rule *rules, size_t nrule,
                               enum lt_link_mode mode, struct lt_error *err)
{
	memset(b, 0, sizeof(*b));
	if (nrule == 0 || nrule > LT_LINK_BLOCK_RULES_MAX)
		return lt_error_set(err, LT_EINVAL, "blocking",
		                    "give between 1 and %d blocking rules",
		                    LT_LINK_BLOCK_RULES_MAX);
	for (size_t i = 0; i < nrule; i++) {
		if (rules[i].nkey > LT_LINK_BLOCK_KEYS_MAX)
			return lt_error_set(err, LT_EINVAL, "blocking",
			                    "blocking rule %zu has %zu keys (0 to %d allowed)",
			                    i + 1, rules[i].nkey, LT_LINK_BLOCK_KEYS_MAX);
		for (size_t k = 0; k < rules[i].nkey; k++)
			if (rules[i].keys[k].field >= t->nfield ||
			    ((rules[i].keys[k].fn == LT_LINK_KEY_PREFIX ||
			      rules[i].keys[k].fn == LT_LINK_KEY_SUFFIX) &&
			     (rules[i].keys[k].n < 1 || rules[i].keys[k].n > 64)))
				return lt_error_set(
				    err, LT_EINVAL, "blocking",
				    "blocking rule %zu, key %zu: no such field or length", i + 1,
				    k + 1);
	}
	b->nrule = nrule;
	memcpy(b->rules, rules, nrule * sizeof(*rules));
	b->mode = mode;
	b->nrec = t->nrec;
	b->source = malloc((t->nrec ? t->nrec : 1) * sizeof(*b->source));
	b->state = calloc(nrule, sizeof(*b->state));
	if (!b->source || !b->state) {
		lt_link_blocker_release(b);
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory building the blocks");
	}
	if (t->nrec)
		memcpy(b->source, t->source, t->nrec * sizeof(*b->source));
	/* fold each field a key reads once, for every rule */
	struct norm_cache cache[LT_LINK_FIELDS_MAX];
	memset(cache, 0, sizeof(cache));
	lt_status st = LT_OK;
	size_t failed = 0;
	for (size_t i = 0; i < nrule && st == LT_OK; i++)
		for (size_t k = 0; k < rules[i].nkey && st == LT_OK; k++) {
			const struct lt_link_key *key = &rules[i].keys[k];
			if (key->fn != LT_LINK_KEY_YEAR && key->field < LT_LINK_FIELDS_MAX &&
			    !cache[key->field].off)
				st = cache_field(t, key->field, &cache[key->field]);
		}
	for (size_t i = 0; i < nrule && st == LT_OK; i++) {
		st = build_rule(b, t, &rules[i], cache, &b->state[i]);
		failed = i;
	}
	for (size_t f = 0; f < LT_LINK_FIELDS_MAX; f++)
		cache_release(&cache[f]);
	if (st != LT_OK) {
		lt_link_blocker_release(b);
		return lt_error_set(err, st, NULL, "%s building the blocks of rule %zu",
		                    st == LT_ENOMEM ? "out of memory" : "too many key bytes",
		                    failed + 1);
	}
	return LT_OK;
}

static void rule_state_release(struct lt_link_block_rule_state *rs)
{
	free(rs->hash);
	free(rs->off);
	if (rs->arena)
		lt_crypto_wipe(rs->arena, rs->arena_len);
	free(rs->arena);
	free(rs->order);
	free(rs->lo);
	free(rs->hi);
	memset(rs, 0, sizeof(*rs));
}

void lt_link_blocker_release(struct lt_link_blocker *b)
{
	if (b->state)
		for (size_t i = 0; i < b->nrule; i++)
			rule_state_release(&b->state[i]);
	free(b->state);
	free(b->source);
	memset(b, 0, sizeof(*b));
}

void lt_link_blocker_keep(struct lt_link_blocker *b, const size_t *keep, size_t nkeep)
{
	LT_ASSERT(nkeep >= 1 && nkeep <= b->nrule);
	size_t j = 0;
	for (size_t k = 0; k < b->nrule; k++) {
		if (j < nkeep && keep[j] == k) {
			if (j != k) {
				b->rules[j] = b->rules[k];
				b->state[j] = b->state[k];
				memset(&b->state[k], 0, sizeof(b->state[k]));
			}
			j++;
		} else {
			rule_state_release(&b->state[k]);
		}
	}
	LT_ASSERT(j == nkeep);
	b->nrule = nkeep;
}

/* ---- pairs ------------------------------------------------------------ */

static int earlier_covers(const struct lt_link_blocker *b, size_t rule, uint32_t x, uint32_t y)
{
	for (size_t k = 0; k < rule; k++)
		if (same_key(&b->state[k], x, y))
			return 1;
	return 0;
}

int lt_link_blocker_covers(const struct lt_link_blocker *b, size_t rule, uint32_t a, uint32_t c)
{
	LT_ASSERT(rule < b->nrule && a < b->nrec && c < b->nrec);
	return same_key(&b->state[rule], a, c);
}

void lt_link_blocker_count(const struct lt_link_blocker *b, int exact,
                           struct lt_link_rule_count *counts)
{
	for (size_t k = 0; k < b->nrule; k++) {
		const struct lt_link_block_rule_state *rs = &b->state[k];
		struct lt_link_rule_count *c = &counts[k];
		memset(c, 0, sizeof(*c));
		c->blocks = rs->blocks;
		c->largest = rs->largest;
		c->keyed = rs->nkeyed;
		for (uint32_t p = 0; p < rs->nkeyed; p++)
			if (rs->hi[p] > rs->lo[p])
				c->raw += rs->hi[p] - rs->lo[p];
		if (!exact)
			continue;
		if (k == 0) {
			c->added = c->raw;
			continue;
		}
		for (uint32_t p = 0; p < rs->nkeyed; p++) {
			uint32_t x = rs->order[p];
			for (uint32_t q = rs->lo[p]; q < rs->hi[p]; q++)
				if (!earlier_covers(b, k, x, rs->order[q]))
					c->added++;
		}
	}
}

lt_status lt_link_blocker_chunks(const struct lt_link_blocker *b, uint64_t target,
                                 struct lt_link_chunk **chunks, size_t *nchunk)
{
	*chunks = NULL;
	*nchunk = 0;
	if (target == 0)
		target = 1;
	size_t cap = 16, n = 0;
	struct lt_link_chunk *c = malloc(cap * sizeof(*c));
	if (!c)
		return LT_ENOMEM;
	for (size_t k = 0; k < b->nrule; k++) {
		const struct lt_link_block_rule_state *rs = &b->state[k];
		uint32_t begin = 0;
		uint64_t raw = 0;
		for (uint32_t p = 0; p < rs->nkeyed; p++) {
			if (rs->hi[p] > rs->lo[p])
				raw += rs->hi[p] - rs->lo[p];
			if (raw >= target || p + 1 == rs->nkeyed) {
				if (n == cap) {
					struct lt_link_chunk *g = realloc(c, cap * 2 * sizeof(*c));
					if (!g) {
						free(c);
						return LT_ENOMEM;
					}
					c = g;
					cap *= 2;
				}
				c[n++] = (struct lt_link_chunk){(uint32_t)k, begin, p + 1, raw};
				begin = p + 1;
				raw = 0;
			}
		}
	}
	*chunks = c;
	*nchunk = n;
	return LT_OK;
}

void lt_link_block_iter_init(struct lt_link_block_iter *it, const struct lt_link_blocker *b,
                             const struct lt_link_chunk *chunk)
{
	LT_ASSERT(chunk->rule < b->nrule && chunk->end <= b->state[chunk->rule].nkeyed);
	it->b = b;
	it->chunk = *chunk;
	it->pos = chunk->begin;
	it->next = chunk->begin < chunk->end ? b->state[chunk->rule].lo[chunk->begin] : 0;
}

size_t lt_link_block_iter_next(struct lt_link_block_iter *it, struct lt_link_pair *out, size_t cap)
{
	const struct lt_link_blocker *b = it->b;
	const size_t rule = it->chunk.rule;
	const struct lt_link_block_rule_state *rs = &b->state[rule];
	size_t n = 0;
	while (n < cap && it->pos < it->chunk.end) {
		uint32_t p = it->pos;
		uint32_t x = rs->order[p];
		uint32_t hi = rs->hi[p];
		uint32_t q = it->next;
		for (; q < hi && n < cap; q++) {
			uint32_t y = rs->order[q];
			if (rule > 0 && earlier_covers(b, rule, x, y))
				continue;
			out[n].a = x < y ? x : y;
			out[n].b = x < y ? y : x;
			n++;
		}
		if (q < hi) {
			it->next = q;
			break;
		}
		it->pos++;
		it->next = it->pos < it->chunk.end ? rs->lo[it->pos] : 0;
	}
	return n;
}
