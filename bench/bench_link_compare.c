/*
 * bench_link_compare.c — how fast the comparators of record linkage are
 * (src/linkage/link_compare.h), on real names.
 *
 *   bench_link_compare [CSV] [RUNS]
 *
 * CSV is a FEBRL file (default ../shared/data/linkage/febrl/dataset4a.csv
 * as seen from the repository; its second and third columns are the given
 * name and the surname, its tenth the date of birth); RUNS is the number of
 * timed runs whose median is printed (default 5). Every name is folded once
 * (lt_link_normalise), then each measure runs over the same 2,000,000 pairs
 * — half a name and a seeded random other name, half a name and itself
 * with one character changed, so both the quick "nothing alike" and the
 * "almost equal" cases count — on one thread:
 *
 *   jaro_winkler       lt_link_jaro_winkler of the given names
 *   levenshtein<=2     lt_link_levenshtein with max 2 (a banded level)
 *   damerau<=2         lt_link_damerau_levenshtein with max 2
 *   date               lt_link_date_compare of parsed dates
 *
 * and, per name rather than per pair, lt_link_double_metaphone and
 * lt_link_normalise. Issue 5 asks for 5 million scored comparisons a
 * second on 2 cores for whole records (several of these each); the lines
 * say how much of that budget each comparator takes. Times are the CPU
 * time of the thread (CLOCK_THREAD_CPUTIME_ID), which a shared, loaded
 * machine disturbs less than the wall clock; a benchmark, run by `make
 * bench`; no test depends on a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linkage/link_compare.h"
#include "core/banned.h"

#define NAMES_MAX  20000
#define NAME_BYTES 64
#define PAIRS      2000000

static char given[NAMES_MAX][NAME_BYTES];
static char variant[NAMES_MAX][NAME_BYTES];
static struct lt_link_date dob[NAMES_MAX];
static struct lt_link_date dob2[NAMES_MAX];
static unsigned pa[PAIRS], pb[PAIRS];
static volatile double sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Field `k` (0-based) of the comma-separated `line`, spaces trimmed. */
static void field(const char *line, int k, char *out, size_t cap)
{
	const char *p = line;
	for (int i = 0; i < k && p; i++) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	out[0] = '\0';
	if (!p)
		return;
	while (*p == ' ')
		p++;
	size_t n = strcspn(p, ",\r\n");
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

enum measure { JW, LEV, DL, DATE, NMEASURE };
static const char *const measure_name[NMEASURE] = {"jaro_winkler", "levenshtein<=2", "damerau<=2",
                                                   "date"};

static double run(enum measure m)
{
	double t0 = now(), acc = 0;
	for (size_t k = 0; k < PAIRS; k++) {
		const char *a = given[pa[k]];
		const char *b = (k & 1) ? variant[pb[k]] : given[pb[k]];
		switch (m) {
		case JW:
			acc += lt_link_jaro_winkler(a, b);
			break;
		case LEV:
			acc += lt_link_levenshtein(a, b, 2);
			break;
		case DL:
			acc += lt_link_damerau_levenshtein(a, b, 2);
			break;
		case DATE:
			acc += lt_link_date_compare(&dob[pa[k]],
			                            (k & 1) ? &dob2[pb[k]] : &dob[pb[k]], 5);
			break;
		default:
			break;
		}
	}
	sink = acc;
	return now() - t0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "../shared/data/linkage/febrl/dataset4a.csv";
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	if (runs < 1 || runs > 101)
		runs = 5;
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "bench_link_compare: cannot open %s\n", path);
		return 1;
	}
	char line[1024], raw[NAME_BYTES], date[32];
	size_t n = 0;
	unsigned seed = 5;
	if (!fgets(line, sizeof(line), f)) { /* header */
		fclose(f);
		return 1;
	}
	double fold_t0 = now();
	while (n < NAMES_MAX && fgets(line, sizeof(line), f)) {
		field(line, 1, raw, sizeof(raw));
		if (lt_link_normalise(raw, given[n], NAME_BYTES) != LT_OK || given[n][0] == '\0')
			continue;
		field(line, 9, date, sizeof(date));
		lt_link_date_parse(date, &dob[n]);
		n++;
	}
	double fold_t = now() - fold_t0;
	fclose(f);
	if (n < 2) {
		fprintf(stderr, "bench_link_compare: no names in %s\n", path);
		return 1;
	}
	/* Variants: one character replaced; dates with day and month swapped. */
	for (size_t i = 0; i < n; i++) {
		memcpy(variant[i], given[i], NAME_BYTES);
		size_t len = strlen(variant[i]);
		variant[i][rand_r(&seed) % len] = (char)('a' + rand_r(&seed) % 26);
		dob2[i] = dob[i];
		dob2[i].month = dob[i].day <= 12 ? dob[i].day : dob[i].month;
		dob2[i].day = dob[i].day <= 12 ? dob[i].month : dob[i].day;
	}
	for (size_t k = 0; k < PAIRS; k++) {
		pa[k] = (unsigned)(rand_r(&seed) % n);
		pb[k] = (k & 1) ? pa[k] : (unsigned)(rand_r(&seed) % n);
	}
	printf("link_compare: %zu FEBRL given names, %d pairs a run, median of %d runs, 1 thread\n",
	       n, PAIRS, runs);
	double times[101];
	for (int m = 0; m < NMEASURE; m++) {
		for (int r = 0; r < runs; r++)
			times[r] = run((enum measure)m);
		qsort(times, (size_t)runs, sizeof(times[0]), cmp_double);
		double t = times[runs / 2];
		printf("  %-16s %7.1f ns a pair  %6.2f million pairs/s\n", measure_name[m],
		       t / PAIRS * 1e9, PAIRS / t / 1e6);
	}
	char p[LT_LINK_DMETA_SIZE], a[LT_LINK_DMETA_SIZE];
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		for (int rep = 0; rep < 20; rep++)
			for (size_t i = 0; i < n; i++)
				lt_link_double_metaphone(given[i], p, a);
		times[r] = now() - t0;
	}
	qsort(times, (size_t)runs, sizeof(times[0]), cmp_double);
	printf("  %-16s %7.1f ns a name\n", "double_metaphone",
	       times[runs / 2] / (20.0 * (double)n) * 1e9);
	printf("  %-16s %7.1f ns a name (with reading the file)\n", "normalise",
	       fold_t / (double)n * 1e9);
	return 0;
}
