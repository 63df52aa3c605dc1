/*
 * fuzz_link_block.c — fuzz target for blocking (src/linkage/link_block.h):
 * the text form of rules, which `lantern link --blocking` reads from the
 * command line, and the keys made from whatever the input files hold.
 *
 * The input's first line is a rule; every further line is a record of
 * three tab-separated cells (first_name, surname, dob), at most 64 of them,
 * each record in source 0 or 1 by the parity of its line. These must hold,
 * or the target aborts:
 *   - a rule that parses formats to text that parses to the same rule;
 *   - every key value is NUL-terminated within its buffer;
 *   - with the rule and two fixed rules after it, in each mode, the pairs
 *     the iterator yields number exactly the sum of the exact pre-flight
 *     "added" counts, each has a < b, is in the mode, is covered by its
 *     rule and by no earlier one, and the raw counts of the chunks add up
 *     to the raw counts of the rules.
 * Never a crash, a leak or undefined behaviour. Built with replay.c as a
 * plain program that `make test` runs over fuzz/corpus/link_block/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkage/link_block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RECORDS_MAX 64
#define TEXT_MAX    4096

static int same_rule(const struct lt_link_rule *a, const struct lt_link_rule *b)
{
	if (a->nkey != b->nkey)
		return 0;
	for (size_t i = 0; i < a->nkey; i++)
		if (a->keys[i].field != b->keys[i].field || a->keys[i].fn != b->keys[i].fn ||
		    a->keys[i].n != b->keys[i].n)
			return 0;
	return 1;
}

static void check_pairs(const struct lt_link_table *t, const struct lt_link_rule *rules,
                        size_t nrule, enum lt_link_mode mode)
{
	struct lt_link_blocker b;
	if (lt_link_blocker_init(&b, t, rules, nrule, mode, NULL) != LT_OK) {
		lt_link_blocker_release(&b);
		return;
	}
	struct lt_link_rule_count c[LT_LINK_BLOCK_RULES_MAX];
	lt_link_blocker_count(&b, 1, c);
	uint64_t added = 0, raw = 0;
	for (size_t k = 0; k < nrule; k++) {
		added += c[k].added;
		raw += c[k].raw;
		if (c[k].added > c[k].raw)
			abort();
	}
	struct lt_link_chunk *chunks;
	size_t nchunk;
	if (lt_link_blocker_chunks(&b, 5, &chunks, &nchunk) != LT_OK) {
		lt_link_blocker_release(&b);
		return;
	}
	uint64_t got = 0, chunk_raw = 0;
	for (size_t i = 0; i < nchunk; i++) {
		chunk_raw += chunks[i].raw;
		struct lt_link_block_iter it;
		lt_link_block_iter_init(&it, &b, &chunks[i]);
		struct lt_link_pair buf[3];
		size_t n;
		while ((n = lt_link_block_iter_next(&it, buf, 3)) > 0)
			for (size_t j = 0; j < n; j++) {
				uint32_t x = buf[j].a, y = buf[j].b;
				if (x >= y || y >= t->nrec)
					abort();
				int across = t->source[x] != t->source[y];
				if ((mode == LT_LINK_BLOCK_ACROSS && !across) ||
				    (mode == LT_LINK_BLOCK_WITHIN && across))
					abort();
				size_t r = chunks[i].rule;
				if (!lt_link_blocker_covers(&b, r, x, y))
					abort();
				for (size_t e = 0; e < r; e++)
					if (lt_link_blocker_covers(&b, e, x, y))
						abort();
				got++;
			}
	}
	if (got != added || chunk_raw != raw)
		abort();
	free(chunks);
	lt_link_blocker_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > TEXT_MAX)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < size; i++)
		if (text[i] == '\0')
			text[i] = ' ';
	const char *names[] = {"first_name", "surname", "dob"};
	struct lt_link_table t;
	if (lt_link_table_init(&t, names, 3) != LT_OK)
		goto out;
	uint32_t src[2];
	if (lt_link_table_source(&t, "a", &src[0]) != LT_OK ||
	    lt_link_table_source(&t, "b", &src[1]) != LT_OK)
		goto out;
	char *line = text, *next = strchr(line, '\n');
	if (next)
		*next++ = '\0';
	const char *rule_text = line;
	for (size_t r = 0; next && r < RECORDS_MAX; r++) {
		line = next;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		const char *cells[3] = {NULL, NULL, NULL};
		char *p = line;
		for (int f = 0; f < 3 && p; f++) {
			cells[f] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		char id[24];
		snprintf(id, sizeof(id), "%zu", r);
		if (lt_link_table_add(&t, src[r % 2], id, cells) != LT_OK)
			goto out;
		static const enum lt_link_key_fn fns[] = {LT_LINK_KEY_EXACT,  LT_LINK_KEY_PREFIX,
		                                          LT_LINK_KEY_SUFFIX, LT_LINK_KEY_PHONETIC,
		                                          LT_LINK_KEY_YEAR,   LT_LINK_KEY_NOSPACE};
		for (size_t k = 0; k < sizeof(fns) / sizeof(fns[0]); k++)
			for (int f = 0; f < 3; f++) {
				struct lt_link_key key = {(uint32_t)f, fns[k], 2};
				char out[24];
				memset(out, 0x7F, sizeof(out));
				lt_link_key_value(&key, cells[f] ? cells[f] : "", out,
				                  1 + r % sizeof(out));
				if (memchr(out, '\0', 1 + r % sizeof(out)) == NULL)
					abort();
			}
	}
	struct lt_link_rule rules[3];
	if (lt_link_rule_parse(rule_text, &t, &rules[0], NULL) == LT_OK) {
		char back[LT_LINK_BLOCK_RULE_TEXT_MAX * 2];
		lt_link_rule_format(&rules[0], &t, back, sizeof(back));
		struct lt_link_rule again;
		if (lt_link_rule_parse(back, &t, &again, NULL) != LT_OK ||
		    !same_rule(&rules[0], &again))
			abort();
		if (lt_link_rule_parse("surname:phonetic & dob:year", &t, &rules[1], NULL) !=
		        LT_OK ||
		    lt_link_rule_parse("first_name:2", &t, &rules[2], NULL) != LT_OK)
			abort();
		check_pairs(&t, rules, 3, LT_LINK_BLOCK_ALL);
		check_pairs(&t, rules, 3, LT_LINK_BLOCK_ACROSS);
		check_pairs(&t, rules, 3, LT_LINK_BLOCK_WITHIN);
	}
out:
	lt_link_table_release(&t);
	free(text);
	return 0;
}
