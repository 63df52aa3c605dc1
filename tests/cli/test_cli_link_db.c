/*
 * test_cli_link_db.c — `lantern link --db`: the persons of a real database
 * linked across agencies (src/cli/cmd_link_db.c; docs/linkage.md,
 * "Linkage in the service").
 *
 * The database (made by `lantern init`, persons recorded through the store
 * with its data key file): three agencies; "Anna Smith" born 1990-01-02 in
 * the police and the charity (one woman), "Ana Smith" of that date in the
 * council (her too, misspelt); "Robert Jones" twice in the police; "Lucy
 * Green" and "Zed Quinn" alone; an erased person.
 *
 *   - one line agency,person_id,cluster per live person (the erased one
 *     absent), the Annas together, the Roberts together, Lucy and Robert
 *     apart; every person read audited person.link by cli with the
 *     purpose; the JSON form says the same;
 *   - a not-same decision between two Annas (once the charity referred its
 *     Anna to the police, whose caseworker decides) splits them, and no
 *     chain through the third Anna joins them again; a same decision joins
 *     Zed, whom nothing links, to the Roberts;
 *   - --save-model stores a model without term frequencies, which the
 *     store hands back;
 *   - errors: a file with --db, a bad threshold, a missing data key file.
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

enum { ANNA_P, ANNA_C, ANNA_K, ROBERT1, ROBERT2, LUCY, ZED, ERASED, NP };

static char g_db[RUN_PATH_MAX], g_key[RUN_PATH_MAX];
static int64_t g_ids[NP];
static struct lt_principal g_cw[3], g_admin;

static int group_setup(void **state)
{
	(void)state;
	struct store *s = NULL;
	struct lt_crypto_keyring kr;
	struct lt_error e = {0};
	if (run_db_init("linkdb", g_db, g_key, &s, &kr) != 0)
		return -1;
	const char *codes[3] = {"police_a", "charity_b", "council_c"};
	for (int i = 0; i < 3; i++) {
		struct lt_agency a = {0, "", "Agency",
		                      i ? LT_AGENCY_KIND_CHARITY : LT_AGENCY_KIND_POLICE};
		snprintf(a.code, sizeof(a.code), "%s", codes[i]);
		if (store_agency_add(s, &a, "test", &e) != LT_OK)
			return -1;
		g_cw[i] =
		    (struct lt_principal){LT_PRINCIPAL_USER, 10 + i, a.id, LT_ROLE_CASEWORKER};
		if (i == 0)
			g_admin = (struct lt_principal){LT_PRINCIPAL_USER, 20, a.id,
			                                LT_ROLE_AGENCY_ADMIN};
	}
	g_ids[ANNA_P] = run_person_add(s, &kr, &g_cw[0], "Anna Smith", "1990-01-02");
	g_ids[ANNA_C] = run_person_add(s, &kr, &g_cw[1], "Anna Smith", "1990-01-02");
	g_ids[ANNA_K] = run_person_add(s, &kr, &g_cw[2], "Ana Smith", "1990-01-02");
	g_ids[ROBERT1] = run_person_add(s, &kr, &g_cw[0], "Robert Jones", "1985-05-06");
	g_ids[ROBERT2] = run_person_add(s, &kr, &g_cw[0], "Robert Jones", "1985-05-06");
	g_ids[LUCY] = run_person_add(s, &kr, &g_cw[1], "Lucy Green", "1999-03-03");
	g_ids[ZED] = run_person_add(s, &kr, &g_cw[0], "Zed Quinn", "1950-11-11");
	g_ids[ERASED] = run_person_add(s, &kr, &g_cw[0], "Tom Brown", "2001-07-07");
	if (store_person_erase(s, &g_admin, g_ids[ERASED], "request", &e) != LT_OK)
		return -1;
	store_close(s);
	lt_crypto_keyring_wipe(&kr);
	return 0;
}

/* The cluster of person k in the CSV output, and its agency checked; -1
 * when it is not listed. */
static long cluster_of(const char *out, int k, const char *agency)
{
	char want[96];
	snprintf(want, sizeof(want), "\n%s,%lld,", agency, (long long)g_ids[k]);
	const char *at = strstr(out, want);
	if (!at)
		return -1;
	return strtol(at + strlen(want), NULL, 10);
}

static long audit_count(const char *where)
{
	return run_audit_count(g_db, where);
}

/* The police's caseworker decides about persons a and b, which it may see. */
static void decide(int a, int b, bool same)
{
	struct store *s = NULL;
	struct lt_error e = {0};
	assert_int_equal(store_open_sqlite(g_db, &s, &e), LT_OK);
	if (store_match_decide(s, &g_cw[0], g_ids[a], g_ids[b], same, "test decision", &e) != LT_OK)
		fail_msg("store_match_decide: %s", e.message);
	store_close(s);
}

static void test_link_db(void **state)
{
	(void)state;
	long before = audit_count("action = 'person.link'");
	struct run r = RUN_EXPECT(0, "link", "--db", g_db, "--purpose", "annual linkage");
	assert_true(strncmp(r.out, "agency,person_id,cluster\n", 25) == 0);
	long a = cluster_of(r.out, ANNA_P, "police_a"), c = cluster_of(r.out, ANNA_C, "charity_b"),
	     k = cluster_of(r.out, ANNA_K, "council_c"),
	     r1 = cluster_of(r.out, ROBERT1, "police_a"),
	     r2 = cluster_of(r.out, ROBERT2, "police_a"), l = cluster_of(r.out, LUCY, "charity_b");
	assert_true(a >= 0 && c >= 0 && k >= 0 && r1 >= 0 && r2 >= 0 && l >= 0);
	assert_int_equal(cluster_of(r.out, ERASED, "police_a"), -1);
	assert_int_equal(a, c);
	assert_int_equal(a, k);
	assert_int_equal(r1, r2);
	assert_int_not_equal(a, r1);
	assert_int_not_equal(l, r1);
	assert_contains(r.err, "7 persons");
	run_free(&r);
	assert_int_equal(audit_count("action = 'person.link'"), before + 7);
	assert_int_equal(audit_count("action = 'person.link' AND actor = 'cli' AND purpose = "
	                             "'annual linkage'"),
	                 7);

	/* --db=PATH works too */
	char eq[1300];
	snprintf(eq, sizeof(eq), "--db=%s", g_db);
	r = RUN_EXPECT(0, "link", eq, "--format", "json");
	assert_contains(r.out, "\"persons\": 7");
	assert_contains(r.out, "\"agency\": \"council_c\"");
	run_free(&r);
}

static void test_decisions(void **state)
{
	(void)state;
	struct store *s = NULL;
	struct lt_error e = {0};
	assert_int_equal(store_open_sqlite(g_db, &s, &e), LT_OK);
	/* the police cannot decide about the charity's Anna before it is referred */
	assert_int_equal(
	    store_match_decide(s, &g_cw[0], g_ids[ANNA_P], g_ids[ANNA_C], false, "x", &e),
	    LT_ENOTFOUND);
	struct lt_share sh;
	lt_share_init(&sh);
	sh.person_id = g_ids[ANNA_C];
	snprintf(sh.to_agency, sizeof(sh.to_agency), "police_a");
	sh.kind = LT_SHARE_REFER;
	sh.classes = 1u << LT_DATA_IDENTITY;
	sh.basis = LT_BASIS_LAWFUL_REASON;
	sh.lawful_reason = 0;
	snprintf(sh.purpose, sizeof(sh.purpose), "safeguarding");
	assert_int_equal(store_share_create(s, &g_cw[1], &sh, &e), LT_OK);
	store_close(s);

	/* not the same: the two Annas apart, the council's Ana with one of them only;
	 * the same: Zed with the Roberts, though nothing links them */
	decide(ANNA_P, ANNA_C, false);
	decide(ZED, ROBERT2, true);
	struct run r = RUN_EXPECT(0, "link", "--db", g_db, "--save-model");
	long a = cluster_of(r.out, ANNA_P, "police_a"), c = cluster_of(r.out, ANNA_C, "charity_b"),
	     k = cluster_of(r.out, ANNA_K, "council_c"),
	     r1 = cluster_of(r.out, ROBERT1, "police_a"), z = cluster_of(r.out, ZED, "police_a");
	assert_int_not_equal(a, c);
	assert_true((k == a) != (k == c));
	assert_int_equal(z, r1);
	assert_contains(r.err, "2 decisions");
	assert_contains(r.err, "model stored in the database");
	run_free(&r);

	/* the stored model: JSON without term frequencies */
	char *json = NULL;
	assert_int_equal(store_open_sqlite(g_db, &s, &e), LT_OK);
	assert_int_equal(store_link_model_get(s, &json, &e), LT_OK);
	assert_contains(json, "\"comparisons\"");
	assert_not_contains(json, "term_frequencies");
	assert_not_contains(json, "anna");
	free(json);
	store_close(s);
	assert_int_equal(audit_count("action = 'linkmodel.save' AND actor = 'cli'"), 1);
}

static void test_errors(void **state)
{
	(void)state;
	struct run r = RUN_EXPECT(2, "link", "--db", g_db, "x.csv", "--threshold", "0.5");
	assert_contains(r.err, "name no files");
	run_free(&r);
	r = RUN_EXPECT(2, "link", "--db", g_db, "--threshold", "2");
	assert_contains(r.err, "--threshold");
	run_free(&r);
	r = RUN_EXPECT(1, "link", "--db", g_db, "--data-key", "/nonexistent/data.key");
	assert_contains(r.err, "/nonexistent/data.key");
	run_free(&r);
	r = RUN_EXPECT(0, "link", "--help");
	assert_contains(r.out, "--db [PATH]");
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_link_db),
	    cmocka_unit_test(test_decisions),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
