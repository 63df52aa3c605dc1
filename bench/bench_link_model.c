/*
 * bench_link_model.c — how fast the Fellegi–Sunter model scores pairs
 * (src/linkage/link_model.h), on FEBRL 4.
 *
 *   bench_link_model [DIR] [RUNS]
 *
 * DIR holds dataset4a.csv and dataset4b.csv (default
 * ../shared/data/linkage/febrl as seen from the repository); RUNS is the
 * number of timed runs whose median is printed (default 5). The 10,000
 * records become two sources; the model has eight comparisons with
 * lantern's presets (given name and surname as names — exact with TF,
 * Jaro-Winkler bands, nickname, phonetic, Damerau-Levenshtein; the date of
 * birth at six date levels; street number, address, suburb and postcode
 * fuzzy or exact; state exact). The candidate pairs are those of three
 * blocking rules across the sources (surname:phonetic, given_name:phonetic,
 * date_of_birth), scored over and over to at least 4,000,000 pairs a run:
 *
 *   prepare           lt_link_prep_init (per record, once)
 *   score, 1 thread   lt_link_score_pairs
 *   score, 2 threads  the same pairs split in two halves
 *
 * Scoring is reported as pairs a second of wall clock, and as CPU time a
 * pair (CLOCK_PROCESS_CPUTIME_ID), which a busy machine disturbs less.
 *   patterns + EM     counting distinct patterns with TF, then EM to 1e-4
 *
 * Issue 5 asks for at least 5 million scored comparisons a second on the
 * 2-core machine. Wall clock (CLOCK_MONOTONIC); run by `make bench`; no
 * test depends on a time.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linkage/link_block.h"
#include "linkage/link_model.h"
#include "linkage/linkage.h"
#include "core/banned.h"

#define TARGET_PAIRS 4000000

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Split a FEBRL line into trimmed fields in place; returns how many. */
static size_t split(char *line, char **out, size_t cap)
{
	size_t n = 0;
	char *p = line;
	while (n < cap) {
		while (*p == ' ')
			p++;
		char *start = p;
		size_t len = strcspn(p, ",\r\n");
		char *end = p + len;
		char sep = *end;
		while (end > start && end[-1] == ' ')
			end--;
		*end = '\0';
		out[n++] = start;
		if (sep != ',')
			break;
		p = start + len + 1;
	}
	return n;
}

static const char *const fields[] = {"given_name", "surname",  "street_number", "address_1",
                                     "suburb",     "postcode", "state",         "date_of_birth"};
enum { NFIELD = 8 };

static int load(struct lt_link_table *t, const char *dir, const char *file)
{
	char path[1024], line[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "bench_link_model: cannot open %s\n", path);
		return -1;
	}
	uint32_t src;
	if (lt_link_table_source(t, file, &src) != LT_OK || !fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *v[16];
		if (split(line, v, 16) < 11)
			continue;
		/* rec_id, given_name, surname, street_number, address_1, address_2, suburb,
		 * postcode, state, date_of_birth, soc_sec_id */
		const char *cells[NFIELD] = {v[1], v[2], v[3], v[4], v[6], v[7], v[8], v[9]};
		if (lt_link_table_add(t, src, v[0], cells) != LT_OK) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

struct job {
	const struct lt_link_prep *p;
	const struct lt_link_pair *pairs;
	size_t n;
	double *w;
};

static void *score_job(void *arg)
{
	struct job *j = arg;
	lt_link_score_pairs(j->p, j->pairs, j->n, j->w, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "../shared/data/linkage/febrl";
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	if (runs < 1 || runs > 101)
		runs = 5;
	struct lt_link_table t;
	struct lt_error err;
	if (lt_link_table_init(&t, fields, NFIELD) != LT_OK || load(&t, dir, "dataset4a.csv") ||
	    load(&t, dir, "dataset4b.csv"))
		return 1;

	struct lt_link_model m;
	lt_link_model_init(&m);
	static const enum lt_link_preset presets[NFIELD] = {
	    LT_LINK_PRESET_NAME,  LT_LINK_PRESET_NAME,  LT_LINK_PRESET_FUZZY, LT_LINK_PRESET_FUZZY,
	    LT_LINK_PRESET_FUZZY, LT_LINK_PRESET_FUZZY, LT_LINK_PRESET_EXACT, LT_LINK_PRESET_DATE};
	for (int k = 0; k < NFIELD; k++)
		if (lt_link_model_add_preset(&m, presets[k], fields[k], fields[k], &err) != LT_OK)
			goto fail;
	if (lt_link_model_finish(&m, &err) != LT_OK ||
	    lt_link_model_tf_compute(&m, &t, &err) != LT_OK)
		goto fail;

	double t0 = now();
	struct lt_link_prep p;
	if (lt_link_prep_init(&p, &m, &t, &err) != LT_OK)
		goto fail;
	double prep_t = now() - t0;

	/* Candidate pairs of three rules across the two files. */
	static const char *const rules_text[] = {"surname:phonetic", "given_name:phonetic",
	                                         "date_of_birth"};
	struct lt_link_rule rules[3];
	for (int i = 0; i < 3; i++)
		if (lt_link_rule_parse(rules_text[i], &t, &rules[i], &err) != LT_OK)
			goto fail;
	struct lt_link_blocker b;
	if (lt_link_blocker_init(&b, &t, rules, 3, LT_LINK_BLOCK_ACROSS, &err) != LT_OK)
		goto fail;
	struct lt_link_chunk *chunks;
	size_t nchunk;
	if (lt_link_blocker_chunks(&b, 1u << 20, &chunks, &nchunk) != LT_OK)
		return 1;
	size_t cap = 1u << 20, n = 0;
	struct lt_link_pair *pairs = malloc(cap * sizeof(*pairs));
	for (size_t c = 0; c < nchunk && pairs; c++) {
		struct lt_link_block_iter it;
		lt_link_block_iter_init(&it, &b, &chunks[c]);
		for (;;) {
			if (n + 4096 > cap) {
				cap *= 2;
				struct lt_link_pair *np = realloc(pairs, cap * sizeof(*pairs));
				if (!np)
					return 1;
				pairs = np;
			}
			size_t got = lt_link_block_iter_next(&it, pairs + n, 4096);
			if (got == 0)
				break;
			n += got;
		}
	}
	free(chunks);
	lt_link_blocker_release(&b);
	if (!pairs || n == 0)
		return 1;
	size_t blocked = n;
	while (n < TARGET_PAIRS) { /* repeat the candidates to a measurable run */
		size_t add = n < TARGET_PAIRS - n ? n : TARGET_PAIRS - n;
		if (n + add > cap) {
			cap = n + add;
			struct lt_link_pair *np = realloc(pairs, cap * sizeof(*pairs));
			if (!np)
				return 1;
			pairs = np;
		}
		memcpy(pairs + n, pairs, add * sizeof(*pairs));
		n += add;
	}
	double *w = malloc(n * sizeof(*w));
	if (!w)
		return 1;

	printf("link_model: FEBRL 4, %zu records, %zu comparisons, %zu candidate pairs "
	       "(3 rules across files), %zu pairs a run, median of %d runs\n",
	       t.nrec, m.ncomp, blocked, n, runs);
	printf("  %-18s %8.1f ns a record\n", "prepare", prep_t / (double)t.nrec * 1e9);
	double times[101], cpus[101];
	for (int threads = 1; threads <= 2; threads++) {
		for (int r = 0; r < runs; r++) {
			double s0 = now(), c0 = cpu();
			if (threads == 1) {
				lt_link_score_pairs(&p, pairs, n, w, NULL);
			} else {
				struct job j[2] = {{&p, pairs, n / 2, w},
				                   {&p, pairs + n / 2, n - n / 2, w + n / 2}};
				pthread_t th;
				if (pthread_create(&th, NULL, score_job, &j[1]) != 0)
					return 1;
				score_job(&j[0]);
				pthread_join(th, NULL);
			}
			times[r] = now() - s0;
			cpus[r] = cpu() - c0;
		}
		qsort(times, (size_t)runs, sizeof(times[0]), cmp_double);
		qsort(cpus, (size_t)runs, sizeof(cpus[0]), cmp_double);
		double tm = times[runs / 2], cp = cpus[runs / 2];
		printf("  score, %d thread%s   %6.2f million pairs/s wall, %6.1f ns CPU a pair "
		       "(%5.2f million pairs/s a core)\n",
		       threads, threads > 1 ? "s" : " ", (double)n / tm / 1e6, cp / (double)n * 1e9,
		       (double)n / cp / 1e6);
	}
	size_t matches = 0;
	for (size_t i = 0; i < blocked; i++)
		matches += lt_link_weight_to_prob(w[i]) >= 0.5;

	t0 = now();
	struct lt_link_patterns *pt;
	if (lt_link_patterns_alloc(&m, true, &pt) != LT_OK ||
	    lt_link_patterns_add_pairs(pt, &p, pairs, blocked) != LT_OK)
		return 1;
	double pat_t = now() - t0;
	struct lt_link_em_params params;
	lt_link_em_params_default(&params);
	params.max_iter = 100;
	struct lt_link_em_summary sum;
	t0 = now();
	lt_status st = lt_link_em_run(&m, pt, &params, &sum, &err);
	double em_t = now() - t0;
	printf("  %-18s %8.1f ns a pair (%zu pairs, %zu distinct patterns with TF)\n", "patterns",
	       pat_t / (double)blocked * 1e9, blocked, lt_link_patterns_distinct(pt));
	printf("  %-18s %8.3f s for %u iterations (%s)\n", "EM", em_t, sum.iterations,
	       st == LT_OK ? "converged" : "did not converge");
	printf("  pairs at p >= 0.5 with the starting parameters: %zu of %zu\n", matches, blocked);
	lt_link_patterns_free(pt);
	free(w);
	free(pairs);
	lt_link_prep_release(&p);
	lt_link_model_release(&m);
	lt_link_table_release(&t);
	return 0;
fail:
	fprintf(stderr, "bench_link_model: %s (%s)\n", err.message, err.field);
	return 1;
}
