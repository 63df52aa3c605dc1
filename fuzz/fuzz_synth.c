/*
 * fuzz_synth.c — fuzz target for the parameters of `lantern synth`
 * (lt_synth_lists_parse, lt_synth_dependence_parse, lt_synth_params_check)
 * and the generator they drive.
 *
 * The input is text: the first line is a --lists value, each further line
 * (up to nine) a --dependence value; after a form feed, each byte sets one
 * number (people 1..64, heterogeneity, duplicates, errors, missing, seed).
 * A refusal must say why and name the parameter. Parameters that are
 * accepted must generate: every record's values valid, non-empty UTF-8,
 * marked as the true value, missing or corrupted consistently, its person
 * within the population, and the histories CSV either read by the
 * estimator's parser or refused with a reason (a list no one is on). Never
 * a crash, a hang, a leak or undefined behaviour. Built as a libFuzzer
 * target with clang, and with replay.c as a plain program that `make test`
 * runs over fuzz/corpus/synth/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mse/mse.h"
#include "synth/synth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	if (!*p)
		return false;
	while (*p) {
		unsigned n = *p < 0x80         ? 0
		             : (*p >> 5) == 6  ? 1
		             : (*p >> 4) == 14 ? 2
		             : (*p >> 3) == 30 ? 3
		                               : 9;
		if (n == 9)
			return false;
		p++;
		for (unsigned i = 0; i < n; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

struct check {
	uint64_t people;
	unsigned nlists;
};

static int on_record(void *user, const struct lt_synth_record *r)
{
	const struct check *c = user;
	if (r->person < 1 || r->person > c->people || r->list >= c->nlists || !r->id || !r->id[0])
		abort();
	for (unsigned f = 0; f < LT_SYNTH_FIELD_COUNT; f++) {
		const char *v = r->field[f];
		if (!v) {
			if (r->kind[f] != LT_SYNTH_KIND_MISSING && r->kind[f] != LT_SYNTH_KIND_NONE)
				abort();
			continue;
		}
		if (!utf8_ok(v) || !r->truth[f] || r->kind[f] >= LT_SYNTH_KIND_COUNT)
			abort();
		if (r->kind[f] == LT_SYNTH_KIND_NONE && strcmp(v, r->truth[f]) != 0)
			abort();
	}
	return 0;
}

/* One line of at most 255 bytes, NUL-terminated, into buf. */
static size_t take_line(const char *s, size_t len, char *buf)
{
	size_t n = 0;
	while (n < len && s[n] != '\n')
		n++;
	size_t c = n < 255 ? n : 255;
	memcpy(buf, s, c);
	buf[c] = '\0';
	return n < len ? n + 1 : n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ff = memchr(data, '\f', size);
	size_t textlen = ff ? (size_t)(ff - data) : size;
	const char *text = (const char *)data;
	struct lt_synth_params p;
	struct lt_error err;
	char line[256];
	lt_synth_params_default(&p);
	lt_error_clear(&err);
	size_t at = take_line(text, textlen, line);
	if (lt_synth_lists_parse(&p, line, &err) != LT_OK) {
		if (!err.message[0] || strcmp(err.field, "lists") != 0)
			abort();
		return 0;
	}
	for (int i = 0; i < 9 && at < textlen; i++) {
		at += take_line(text + at, textlen - at, line);
		lt_error_clear(&err);
		if (lt_synth_dependence_parse(&p, line, &err) != LT_OK) {
			if (!err.message[0] || strcmp(err.field, "dependence") != 0)
				abort();
			return 0;
		}
	}
	p.people = 20;
	if (ff) {
		const uint8_t *b = ff + 1;
		size_t n = size - textlen - 1;
		if (n > 0)
			p.people = 1 + b[0] % 64;
		if (n > 1)
			p.heterogeneity = b[1] / 40.0; /* up to 6.4: past the limit too */
		if (n > 2)
			p.duplicates = b[2] / 400.0;
		if (n > 3)
			p.errors = b[3] / 200.0;
		if (n > 4)
			p.missing = b[4] / 200.0;
		if (n > 5)
			p.seed = b[5];
	}
	struct lt_synth *g = NULL;
	lt_error_clear(&err);
	lt_status st = lt_synth_alloc(&p, &g, &err);
	if (st != LT_OK) {
		if (g || !err.message[0] || !err.field[0])
			abort();
		return 0;
	}
	struct check c = {p.people, p.nlists};
	if (lt_synth_run(g, on_record, &c, &err) != LT_OK)
		abort();
	struct lt_synth_counts counts;
	lt_synth_counts(g, &counts);
	const uint64_t *h = lt_synth_histories(g);
	uint64_t sum = 0;
	for (uint32_t m = 0; m < (1u << p.nlists); m++)
		sum += h[m];
	if (sum != p.people || p.people - h[0] != counts.captured)
		abort();
	struct lt_buf b;
	lt_buf_init(&b, 1 << 22);
	if (lt_synth_histories_csv(g, &b) != LT_OK)
		abort();
	struct mse_table *t = NULL;
	lt_error_clear(&err);
	if (mse_table_parse_csv(lt_buf_str(&b), strlen(lt_buf_str(&b)), &t, &err) == LT_OK) {
		if (t->n != (double)counts.captured)
			abort();
	} else if (!err.message[0]) {
		abort();
	}
	mse_table_free(t);
	lt_buf_release(&b);
	lt_synth_free(g);
	return 0;
}
