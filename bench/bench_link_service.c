/*
 * bench_link_service.c — the cost of record linkage in the service
 * (docs/linkage.md, "Linkage in the service"): a SQLite store of N persons
 * (default 5,000; argv[1]) in three agencies, names drawn from 60 first
 * names and 80 surnames, dates of birth from 40 years, then
 *   1. the likely matches of a new person, as POST /api/v1/persons finds
 *      them: candidates by the blind index, opened, scored with the preset
 *      model (store_link_persons + link_persons.h), for 200 new persons,
 *      then for 200 whose date of birth is unknown;
 *   2. every live person opened for `lantern link --db` (store_link_persons
 *      for the operator), with the audit entry of each;
 *   3. every person re-indexed, as `lantern serve` does at start after an
 *      upgrade that changed the blind index's terms (store_data_keys_reindex).
 * Prints the mean time of (1), the candidates opened per search against N,
 * and the time and rate of (2). A throwaway database in $TMPDIR (or /tmp).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "linkage/link_persons.h"
#include "linkage/link_run.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

static const char *const firsts[] = {
    "Anna",   "Maria",     "Olena",     "Ion",   "John",   "Mohammed", "Fatima", "Li",    "Wei",
    "Ahmed",  "Elena",     "Ivan",      "Sofia", "Daniel", "Grace",    "Peter",  "Paul",  "Mary",
    "Joseph", "Amina",     "Hassan",    "Nadia", "Omar",   "Yusuf",    "Irina",  "Olga",  "Natalia",
    "Andrei", "Mihai",     "Vasile",    "Ana",   "Luca",   "Marco",    "Giulia", "Chen",  "Ling",
    "Thi",    "Van",       "Minh",      "Hoa",   "Kwame",  "Ama",      "Kofi",   "Abena", "Tunde",
    "Bola",   "Chinedu",   "Ngozi",     "Adam",  "Eva",    "Tomas",    "Petra",  "Jan",   "Marta",
    "Piotr",  "Agnieszka", "Krzysztof", "Ewa",   "Lukas",  "Ruta",
};
static const char *const surnames[] = {
    "Smith",     "Popescu",    "Kovalenko",  "Ionescu",  "Jones",    "Khan",       "Ali",
    "Wang",      "Li",         "Nguyen",     "Tran",     "Mensah",   "Okafor",     "Adeyemi",
    "Kowalski",  "Nowak",      "Wisniewski", "Petrov",   "Ivanov",   "Shevchenko", "Bondarenko",
    "Rossi",     "Russo",      "Ferrari",    "Garcia",   "Martinez", "Lopez",      "Hussain",
    "Begum",     "Rahman",     "Ahmed",      "Hassan",   "Mohamed",  "Ibrahim",    "Yilmaz",
    "Kaya",      "Demir",      "Sahin",      "Brown",    "Taylor",   "Wilson",     "Evans",
    "Thomas",    "Roberts",    "Walker",     "Wright",   "Green",    "Hall",       "Wood",
    "Clarke",    "Jackson",    "White",      "Harris",   "Martin",   "Cooper",     "King",
    "Lee",       "Baker",      "Hill",       "Moore",    "Ward",     "Turner",     "Morris",
    "Dumitru",   "Stan",       "Munteanu",   "Moldovan", "Balan",    "Rusu",       "Lungu",
    "Tkachenko", "Kravchenko", "Oliinyk",    "Lysenko",  "Melnyk",   "Boyko",      "Marchenko",
    "Horvat",    "Kovacs",     "Szabo",
};
#define NF (sizeof(firsts) / sizeof(firsts[0]))
#define NS (sizeof(surnames) / sizeof(surnames[0]))

static uint64_t g_seed = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
	g_seed ^= g_seed << 13;
	g_seed ^= g_seed >> 7;
	g_seed ^= g_seed << 17;
	return g_seed;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void person_draw(struct lt_person *p)
{
	char name[128];
	lt_person_init(p);
	snprintf(name, sizeof(name), "%s %s", firsts[next() % NF], surnames[next() % NS]);
	p->name = strdup(name);
	p->dob = (struct lt_date){1960 + (int)(next() % 40), 1 + (int)(next() % 12),
	                          1 + (int)(next() % 28)};
	p->sex = (int)(next() % 2);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
	const char *tmp = getenv("TMPDIR");
	char path[1024];
	struct store *s = NULL;
	struct lt_error e = {0};
	struct lt_crypto_keyring kr = {0};
	struct lt_principal cw[3];
	if (n < 10 || lt_crypto_init() != LT_OK)
		return 2;
	snprintf(path, sizeof(path), "%s/bench-link-service-%ld.db", tmp ? tmp : "/tmp",
	         (long)getpid());
	if (store_open_sqlite(path, &s, &e) != LT_OK) {
		fprintf(stderr, "%s: %s\n", path, e.message);
		return 1;
	}
	kr.n = 1;
	kr.keys[0].id = 1;
	lt_crypto_random(kr.keys[0].key, sizeof(kr.keys[0].key));
	for (int i = 0; i < 3; i++) {
		struct lt_agency a = {0, "", "Agency", LT_AGENCY_KIND_POLICE};
		snprintf(a.code, sizeof(a.code), "agency_%d", i);
		if (store_agency_add(s, &a, "bench", &e) != LT_OK)
			return 1;
		cw[i] = (struct lt_principal){LT_PRINCIPAL_USER, 1 + i, a.id, LT_ROLE_CASEWORKER};
	}
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		struct lt_person p;
		person_draw(&p);
		if (store_person_add(s, &kr, &cw[i % 3], &p, &e) != LT_OK) {
			fprintf(stderr, "person_add: %s\n", e.message);
			return 1;
		}
		lt_person_release(&p);
	}
	printf("store of %ld persons recorded in %.1f s\n", n, now_s() - t0);

	/* 1. likely matches of new persons; then of new persons whose date of
	 * birth is unknown (found by words, names and two sound-alike words) */
	const int searches = 200;
	for (int noyear = 0; noyear < 2; noyear++) {
		double opened = 0, found = 0;
		t0 = now_s();
		for (int k = 0; k < searches; k++) {
			struct lt_person p;
			struct lt_link_table t;
			struct lt_link_model m;
			struct lt_link_prep prep;
			struct lt_link_match *out = NULL;
			size_t nm = 0;
			person_draw(&p);
			if (noyear)
				p.dob = (struct lt_date){0, 0, 0};
			p.id = 1000000000LL + k;
			snprintf(p.agency, sizeof(p.agency), "agency_0");
			struct store_link_query q = {"bench", 0, &p};
			if (store_link_persons(s, &kr, &cw[0], NULL, &q, &t, NULL, &e) != LT_OK ||
			    lt_link_default_model(&t, &m, &e) != LT_OK ||
			    lt_link_prep_init(&prep, &m, &t, &e) != LT_OK ||
			    lt_link_person_matches(&prep, p.id, 0.5, 20, &out, &nm, &e) != LT_OK) {
				fprintf(stderr, "search: %s\n", e.message);
				return 1;
			}
			opened += (double)t.nrec - 1 - (double)p.n_aliases;
			found += (double)nm;
			free(out);
			lt_link_prep_release(&prep);
			lt_link_model_release(&m);
			lt_link_person_table_wipe(&t);
			lt_person_release(&p);
		}
		double per = (now_s() - t0) / searches;
		printf(
		    "likely matches of a new person%s: %.1f ms each (mean of %d), %.0f candidates "
		    "opened of %ld visible (%.1f%%), %.1f likely matches\n",
		    noyear ? " born on an unknown date" : "", per * 1e3, searches,
		    opened / searches, (n + 2) / 3,
		    100.0 * opened / searches / ((double)(n + 2) / 3), found / searches);
	}

	/* 2. every live person opened for lantern link --db */
	struct lt_link_table all;
	struct store_link_query qa = {"bench", 0, NULL};
	t0 = now_s();
	if (store_link_persons(s, &kr, NULL, "cli", &qa, &all, NULL, &e) != LT_OK) {
		fprintf(stderr, "all: %s\n", e.message);
		return 1;
	}
	double secs = now_s() - t0;
	printf("lantern link --db opens %zu persons in %.2f s (%.0f a second, each audited)\n",
	       all.nrec, secs, (double)all.nrec / secs);
	lt_link_person_table_wipe(&all);

	/* 3. the re-index an upgrade runs at lantern serve's start, every person */
	char out[64];
	size_t done = 0, left = 0;
	if (store_sqlite_debug_query(s, -1, "UPDATE persons SET index_version = 1 RETURNING 1", out,
	                             sizeof(out), &e) != LT_OK) {
		fprintf(stderr, "reindex: %s\n", e.message);
		return 1;
	}
	t0 = now_s();
	if (store_data_keys_reindex(s, &kr, "cli", 0, &done, &left, &e) != LT_OK) {
		fprintf(stderr, "reindex: %s\n", e.message);
		return 1;
	}
	secs = now_s() - t0;
	printf("re-index of the blind index: %zu persons in %.2f s (%.0f a second)\n", done, secs,
	       (double)done / secs);
	store_close(s);
	lt_crypto_keyring_wipe(&kr);
	unlink(path);
	char side[1100];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	return 0;
}
