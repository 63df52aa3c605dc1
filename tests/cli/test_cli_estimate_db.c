/*
 * test_cli_estimate_db.c — `lantern estimate --from-db`: the persons of a
 * real database linked across agencies and estimated (src/cli/
 * cmd_estimate.c; docs/linkage.md, "From linked records to an estimate").
 *
 * The database (made by `lantern init`, persons recorded through the store
 * with its data key file): four agencies — two police forces, a charity
 * and a district council — and 120 people, each recorded by the agencies
 * whose turn it is (person k by the first police force when k % 2 == 0,
 * the second when k % 5 == 1, the charity when k % 3 == 0, the council
 * when k % 4 == 1; one more agency for anybody on none), the same name and
 * date of birth wherever recorded; one erased person.
 *
 *   - lists by agency: four lists (in the order the store hands the
 *     persons over), the persons linked into the 120 people
 *     (the records of one person in two agencies are one person), every
 *     person read audited person.link by cli with the purpose "population
 *     estimate";
 *   - lists by agency kind: three lists (police, charity, district_council);
 *   - a period with nobody in it (persons are dated by the day they were
 *     recorded when they have no referral) is an error naming it;
 *   - usage errors: files with --from-db, --lists file, --from after --to,
 *     --from without --from-db.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_run.h"
#include "core/person.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

#define NPEOPLE 120

static char g_db[RUN_PATH_MAX], g_key[RUN_PATH_MAX];

static const char *const first[] = {"Anna", "Robert", "Lucy", "Mohammed", "Olena", "Tran",
                                    "Grace", "Daniel", "Aisha", "Piotr", "Mei", "Samuel"};
static const char *const last[] = {"Smith", "Jones", "Green", "Hussain", "Kovalenko",
                                   "Nguyen", "Okafor", "Novak", "Rahman", "Wright"};

static void add(struct store *s, const struct lt_crypto_keyring *kr,
                const struct lt_principal *p, int k)
{
	char name[64], dob[16];
	snprintf(name, sizeof(name), "%s %s", first[k % 12], last[(k / 12) % 10]);
	snprintf(dob, sizeof(dob), "%04d-%02d-%02d", 1960 + k % 40, 1 + k % 12, 1 + k % 28);
	run_person_add(s, kr, p, name, dob);
}

static int group_setup(void **state)
{
	(void)state;
	struct store *s = NULL;
	struct lt_crypto_keyring kr;
	struct lt_error e = {0};
	if (run_db_init("estdb", g_db, g_key, &s, &kr) != 0)
		return -1;
	const char *codes[4] = {"police_a", "police_b", "charity_c", "council_d"};
	const enum lt_agency_kind kinds[4] = {LT_AGENCY_KIND_POLICE, LT_AGENCY_KIND_POLICE,
	                                      LT_AGENCY_KIND_CHARITY,
	                                      LT_AGENCY_KIND_DISTRICT_COUNCIL};
	struct lt_principal cw[4], admin;
	for (int i = 0; i < 4; i++) {
		struct lt_agency a = {0, "", "Agency", kinds[i]};
		snprintf(a.code, sizeof(a.code), "%s", codes[i]);
		if (store_agency_add(s, &a, "test", &e) != LT_OK)
			return -1;
		cw[i] = (struct lt_principal){LT_PRINCIPAL_USER, 10 + i, a.id, LT_ROLE_CASEWORKER};
		if (i == 0)
			admin = (struct lt_principal){LT_PRINCIPAL_USER, 20, a.id, LT_ROLE_AGENCY_ADMIN};
	}
	for (int k = 0; k < NPEOPLE; k++) {
		int on[4] = {k % 2 == 0, k % 5 == 1, k % 3 == 0, k % 4 == 1};
		if (!on[0] && !on[1] && !on[2] && !on[3])
			on[k % 4] = 1;
		for (int i = 0; i < 4; i++)
			if (on[i])
				add(s, &kr, &cw[i], k);
	}
	/* an erased person is never read */
	struct lt_person rec;
	lt_person_init(&rec);
	rec.name = strdup("Tom Brown");
	if (store_person_add(s, &kr, &cw[0], &rec, &e) != LT_OK ||
	    store_person_erase(s, &admin, rec.id, "request", &e) != LT_OK)
		return -1;
	lt_person_release(&rec);
	store_close(s);
	lt_crypto_keyring_wipe(&kr);
	return 0;
}

static long audit_count(const char *where)
{
	return run_audit_count(g_db, where);
}

static void test_by_agency(void **state)
{
	(void)state;
	long before = audit_count("action = 'person.link'");
	struct run r = RUN_EXPECT(0, "estimate", "--from-db", "--db", g_db, "--data-key", g_key);
	assert_contains(r.out, "on 4 lists (police_a, charity_c, police_b, council_d)");
	assert_contains(r.out, "Observed cases             120 on");
	assert_contains(r.out, "120 persons (clusters at threshold 0.5)");
	assert_contains(r.err, "persons of ");
	run_free(&r);
	/* every live person opened once, audited with the purpose */
	long after = audit_count("action = 'person.link'");
	long recorded = audit_count("action = 'person.create'");
	assert_true(after - before >= 1);
	assert_int_equal(audit_count("action = 'person.link' AND actor = 'cli' AND purpose = "
	                             "'population estimate'"),
	                 after - before);
	assert_int_equal(after - before, recorded - 1); /* all but the erased one */
	/* JSON and the linkage bootstrap */
	r = RUN_EXPECT(0, "estimate", "--from-db", "--db", g_db, "--data-key", g_key,
	               "--linkage-draws", "20", "--format", "json");
	assert_contains(r.out, "\"observed\":120");
	assert_contains(r.out, "\"draws\": 20");
	run_free(&r);
}

static void test_by_kind_and_period(void **state)
{
	(void)state;
	struct run r = RUN_EXPECT(0, "estimate", "--from-db", "--db", g_db, "--data-key", g_key,
	                          "--lists", "agency_kind", "--from", "2000");
	assert_contains(r.out, "on 3 lists (police, charity, district_council)");
	run_free(&r);
	r = RUN_EXPECT(1, "estimate", "--from-db", "--db", g_db, "--data-key", g_key, "--from",
	               "2000-01-01", "--to", "2000-12-31");
	assert_contains(r.err, "0 names of persons in the period");
	run_free(&r);
}

static void test_usage(void **state)
{
	(void)state;
	struct run r = RUN_EXPECT(2, "estimate", "--from-db", "--db", g_db, "x.csv");
	assert_contains(r.err, "name no files");
	run_free(&r);
	r = RUN_EXPECT(2, "estimate", "--from-db", "--db", g_db, "--lists", "file");
	assert_contains(r.err, "agency or agency_kind");
	run_free(&r);
	r = RUN_EXPECT(2, "estimate", "--from-db", "--db", g_db, "--from", "2024-05", "--to",
	               "2023");
	assert_contains(r.err, "--from is after --to");
	run_free(&r);
	r = RUN_EXPECT(2, "estimate", "x.csv", "--from", "2024");
	assert_contains(r.err, "go with --from-db");
	run_free(&r);
	r = RUN_EXPECT(2, "estimate", "--from-db", "--from", "2024-13");
	assert_contains(r.err, "--from: ");
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_by_agency),
	    cmocka_unit_test(test_by_kind_and_period),
	    cmocka_unit_test(test_usage),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
