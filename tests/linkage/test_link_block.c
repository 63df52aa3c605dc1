/*
 * test_link_block.c — blocking (src/linkage/link_block.c): key values,
 * rules as text, and on small random tables the pre-flight counts and the
 * generated pairs of each rule against a brute force over all pairs, in
 * each mode, with chunks small enough to split blocks and an output array
 * small enough to make the iterator resume mid-block.
 */
#include "testutil.h"

#include "linkage/link_block.h"

static void test_key_values(void **state)
{
	(void)state;
	static const struct {
		enum lt_link_key_fn fn;
		uint32_t n;
		const char *in, *want;
	} cases[] = {
	    {LT_LINK_KEY_EXACT, 0, "  José  García ", "jose garcia"},
	    {LT_LINK_KEY_EXACT, 0, "O'Brien", "obrien"},
	    {LT_LINK_KEY_EXACT, 0, "", ""},
	    {LT_LINK_KEY_EXACT, 0, " - ", ""},
	    {LT_LINK_KEY_PREFIX, 3, "Émilie", "emi"},
	    {LT_LINK_KEY_PREFIX, 10, "ann", "ann"},
	    {LT_LINK_KEY_SUFFIX, 2, "Smith", "th"},
	    {LT_LINK_KEY_SUFFIX, 9, "li", "li"},
	    {LT_LINK_KEY_YEAR, 0, "19900102", "1990"},
	    {LT_LINK_KEY_YEAR, 0, "1990-01-02", "1990"},
	    {LT_LINK_KEY_YEAR, 0, "1990", "1990"},
	    {LT_LINK_KEY_YEAR, 0, "02/01/1990", "1990"},
	    {LT_LINK_KEY_YEAR, 0, "19162429", "1916"},
	    {LT_LINK_KEY_YEAR, 0, "unknown", ""},
	    {LT_LINK_KEY_NOSPACE, 0, "SW1A 1AA", "sw1a1aa"},
	    {LT_LINK_KEY_PHONETIC, 0, "Smith", "SM0"},
	    {LT_LINK_KEY_PHONETIC, 0, "Schmidt jr", "XMT"},
	    {LT_LINK_KEY_PHONETIC, 0, "Müller", "MLR"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lt_link_key k = {0, cases[i].fn, cases[i].n};
		char out[64];
		assert_int_equal(lt_link_key_value(&k, cases[i].in, out, sizeof(out)), LT_OK);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: key of '%s' = '%s', want '%s'", i, cases[i].in, out,
			         cases[i].want);
	}
	struct lt_link_key k = {0, LT_LINK_KEY_EXACT, 0};
	char out[16];
	assert_int_equal(lt_link_key_value(&k, "\xff\xfe", out, sizeof(out)), LT_EINVAL);
	assert_string_equal(out, "");
}

static void test_rule_text(void **state)
{
	(void)state;
	const char *names[] = {"first_name", "surname", "dob"};
	struct lt_link_table t;
	assert_int_equal(lt_link_table_init(&t, names, 3), LT_OK);
	struct lt_link_rule r;
	struct lt_error err;
	lt_error_clear(&err);
	assert_int_equal(
	    lt_link_rule_parse(" surname:phonetic & dob:year &first_name:3", &t, &r, &err), LT_OK);
	assert_int_equal(r.nkey, 3);
	assert_int_equal(r.keys[0].field, 1);
	assert_int_equal(r.keys[0].fn, LT_LINK_KEY_PHONETIC);
	assert_int_equal(r.keys[1].fn, LT_LINK_KEY_YEAR);
	assert_int_equal(r.keys[2].fn, LT_LINK_KEY_PREFIX);
	assert_int_equal(r.keys[2].n, 3);
	char text[LT_LINK_BLOCK_RULE_TEXT_MAX];
	lt_link_rule_format(&r, &t, text, sizeof(text));
	assert_string_equal(text, "surname:phonetic & dob:year & first_name:3");
	assert_int_equal(lt_link_rule_parse("surname:-2 & dob & first_name:nospace", &t, &r, &err),
	                 LT_OK);
	lt_link_rule_format(&r, &t, text, sizeof(text));
	assert_string_equal(text, "surname:-2 & dob & first_name:nospace");

	static const struct {
		const char *text, *says;
	} bad[] = {
	    {"city", "no field 'city'"},
	    {"surname:soundex", "unknown key function 'soundex'"},
	    {"surname:0", "unknown key function '0'"},
	    {"surname:65", "unknown key function '65'"},
	    {"surname:", "names no function"},
	    {"surname & ", "has no field name"},
	    {"dob & dob & dob & dob & dob", "more than 4 keys"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lt_error_clear(&err);
		assert_int_equal(lt_link_rule_parse(bad[i].text, &t, &r, &err), LT_EINVAL);
		assert_contains(err.message, bad[i].says);
	}
	lt_link_table_release(&t);
}

/* ---- brute force ---------------------------------------------------------- */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)((rng_state >> 33) % n);
}

/* The joined key of rule r for record i, "" when missing (as the blocker
 * defines it, built from lt_link_key_value). */
static void rule_key(const struct lt_link_table *t, const struct lt_link_rule *r, size_t i,
                     char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t k = 0; k < r->nkey; k++) {
		char v[128];
		lt_link_key_value(&r->keys[k], lt_link_cell(t, i, r->keys[k].field), v, sizeof(v));
		if (!v[0]) {
			out[0] = '\0';
			return;
		}
		len += (size_t)snprintf(out + len, cap - len, "%s|", v);
	}
}

static int pair_cmp(const void *x, const void *y)
{
	const struct lt_link_pair *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

static void check_random_table(uint64_t seed, size_t nrec, enum lt_link_mode mode)
{
	rng_state = seed;
	const char *names[] = {"first_name", "surname", "dob"};
	static const char *firsts[] = {"Ann", "anne", "Anna", "Bob", "Bobby", "Carl", "", "Émile"};
	static const char *surs[] = {"Smith", "Smyth", "Schmidt", "Jones", "Joans", "", "Li"};
	static const char *dobs[] = {"19900102", "1990-03-04", "1991", "", "02/05/1991", "1989"};
	struct lt_link_table t;
	assert_int_equal(lt_link_table_init(&t, names, 3), LT_OK);
	uint32_t src[3];
	assert_int_equal(lt_link_table_source(&t, "a.csv", &src[0]), LT_OK);
	assert_int_equal(lt_link_table_source(&t, "b.csv", &src[1]), LT_OK);
	assert_int_equal(lt_link_table_source(&t, "c.csv", &src[2]), LT_OK);
	for (size_t i = 0; i < nrec; i++) {
		char id[24];
		snprintf(id, sizeof(id), "%zu", i);
		const char *cells[] = {firsts[rnd(8)], surs[rnd(7)], dobs[rnd(6)]};
		assert_int_equal(lt_link_table_add(&t, src[rnd(3)], id, cells), LT_OK);
	}
	const char *texts[] = {"surname & first_name:1", "surname:phonetic & dob:year",
	                       "first_name:3", "dob:year & surname:-2"};
	enum { NR = 4 };
	struct lt_link_rule rules[NR];
	struct lt_error err;
	for (size_t k = 0; k < NR; k++)
		assert_int_equal(lt_link_rule_parse(texts[k], &t, &rules[k], &err), LT_OK);

	/* brute force: raw and added per rule, and the set of pairs */
	uint64_t raw[NR] = {0}, added[NR] = {0};
	size_t nwant = 0;
	struct lt_link_pair *want = malloc(nrec * nrec * sizeof(*want));
	char(*keys)[NR][256] = malloc(nrec * sizeof(*keys));
	for (size_t i = 0; i < nrec; i++)
		for (size_t k = 0; k < NR; k++)
			rule_key(&t, &rules[k], i, keys[i][k], sizeof(keys[i][k]));
	for (size_t i = 0; i < nrec; i++)
		for (size_t j = i + 1; j < nrec; j++) {
			int same = t.source[i] == t.source[j];
			if ((mode == LT_LINK_BLOCK_ACROSS && same) ||
			    (mode == LT_LINK_BLOCK_WITHIN && !same))
				continue;
			int first = -1;
			for (size_t k = 0; k < NR; k++)
				if (keys[i][k][0] && strcmp(keys[i][k], keys[j][k]) == 0) {
					raw[k]++;
					if (first < 0)
						first = (int)k;
				}
			if (first >= 0) {
				added[first]++;
				want[nwant++] = (struct lt_link_pair){(uint32_t)i, (uint32_t)j};
			}
		}

	struct lt_link_blocker b;
	assert_int_equal(lt_link_blocker_init(&b, &t, rules, NR, mode, &err), LT_OK);
	struct lt_link_rule_count counts[NR];
	lt_link_blocker_count(&b, 1, counts);
	for (size_t k = 0; k < NR; k++) {
		if (counts[k].raw != raw[k] || counts[k].added != added[k])
			fail_msg("seed %llu mode %d rule %zu: raw %llu added %llu, want %llu %llu",
			         (unsigned long long)seed, (int)mode, k,
			         (unsigned long long)counts[k].raw,
			         (unsigned long long)counts[k].added, (unsigned long long)raw[k],
			         (unsigned long long)added[k]);
	}
	struct lt_link_rule_count quick[NR];
	lt_link_blocker_count(&b, 0, quick);
	for (size_t k = 0; k < NR; k++) {
		assert_int_equal(quick[k].raw, raw[k]);
		assert_int_equal(quick[k].added, 0);
	}

	/* generation in small chunks with a small output array */
	struct lt_link_chunk *chunks;
	size_t nchunk;
	assert_int_equal(lt_link_blocker_chunks(&b, 7, &chunks, &nchunk), LT_OK);
	struct lt_link_pair *got = malloc((nwant + 1) * sizeof(*got));
	size_t ngot = 0;
	uint64_t chunk_raw = 0;
	for (size_t c = 0; c < nchunk; c++) {
		struct lt_link_block_iter it;
		lt_link_block_iter_init(&it, &b, &chunks[c]);
		chunk_raw += chunks[c].raw;
		struct lt_link_pair buf[3];
		size_t n;
		while ((n = lt_link_block_iter_next(&it, buf, 3)) > 0) {
			for (size_t i = 0; i < n; i++) {
				assert_true(buf[i].a < buf[i].b);
				assert_true(ngot < nwant);
				got[ngot++] = buf[i];
			}
		}
	}
	uint64_t raw_total = 0;
	for (size_t k = 0; k < NR; k++)
		raw_total += raw[k];
	assert_int_equal(chunk_raw, raw_total);
	assert_int_equal(ngot, nwant);
	qsort(got, ngot, sizeof(*got), pair_cmp);
	for (size_t i = 0; i < ngot; i++)
		if (got[i].a != want[i].a || got[i].b != want[i].b)
			fail_msg("seed %llu: pair %zu is (%u,%u), want (%u,%u)",
			         (unsigned long long)seed, i, got[i].a, got[i].b, want[i].a,
			         want[i].b);
	/* covers agrees with the keys */
	for (size_t i = 0; i < 20 && i + 1 < nrec; i++)
		for (size_t k = 0; k < NR; k++)
			assert_int_equal(
			    lt_link_blocker_covers(&b, k, (uint32_t)i, (uint32_t)i + 1),
			    keys[i][k][0] && strcmp(keys[i][k], keys[i + 1][k]) == 0);
	free(got);
	free(chunks);
	/* keeping rules 1 and 3 gives the blocker built from them alone */
	const size_t keep[] = {1, 3};
	lt_link_blocker_keep(&b, keep, 2);
	struct lt_link_rule two[] = {rules[1], rules[3]};
	struct lt_link_blocker fresh;
	assert_int_equal(lt_link_blocker_init(&fresh, &t, two, 2, mode, &err), LT_OK);
	struct lt_link_rule_count kc[2], fc[2];
	lt_link_blocker_count(&b, 1, kc);
	lt_link_blocker_count(&fresh, 1, fc);
	for (size_t k = 0; k < 2; k++) {
		assert_int_equal(kc[k].raw, fc[k].raw);
		assert_int_equal(kc[k].added, fc[k].added);
		assert_int_equal(kc[k].raw, raw[keep[k]]);
	}
	lt_link_blocker_release(&fresh);
	free(keys);
	free(want);
	lt_link_blocker_release(&b);
	lt_link_table_release(&t);
}

static void test_against_brute_force(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 6; seed++) {
		check_random_table(seed, 60 + seed * 23, LT_LINK_BLOCK_ALL);
		check_random_table(seed, 60 + seed * 23, LT_LINK_BLOCK_ACROSS);
		check_random_table(seed, 60 + seed * 23, LT_LINK_BLOCK_WITHIN);
	}
	check_random_table(99, 1, LT_LINK_BLOCK_ALL);
	check_random_table(98, 0, LT_LINK_BLOCK_ALL);
}

static void test_blocker_refuses_bad_rules(void **state)
{
	(void)state;
	const char *names[] = {"a"};
	struct lt_link_table t;
	assert_int_equal(lt_link_table_init(&t, names, 1), LT_OK);
	struct lt_link_blocker b;
	struct lt_error err;
	lt_error_clear(&err);
	assert_int_equal(lt_link_blocker_init(&b, &t, NULL, 0, LT_LINK_BLOCK_ALL, &err), LT_EINVAL);
	struct lt_link_rule r = {.nkey = 1, .keys = {{5, LT_LINK_KEY_EXACT, 0}}};
	assert_int_equal(lt_link_blocker_init(&b, &t, &r, 1, LT_LINK_BLOCK_ALL, &err), LT_EINVAL);
	assert_contains(err.message, "no such field");
	lt_link_blocker_release(&b);
	lt_link_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_values),
	    cmocka_unit_test(test_rule_text),
	    cmocka_unit_test(test_against_brute_force),
	    cmocka_unit_test(test_blocker_refuses_bad_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
