/*
 * test_store_link.c — record linkage of persons in the SQLite backend
 * (store_sqlite_link.c, schema migration 9), on a real database file.
 *
 * The world: agency A (police), B (a charity) and C (a council). A holds
 * "Maria Popescu" and "John Smith"; B holds "Maria Popesku" (the same
 * woman, misspelt); C holds "Maria Popescu" too and shares nothing with A;
 * A's "Ion Ionescu" is erased.
 *
 *   - the operator reads every live person (erased ones absent), each
 *     audited person.link with the purpose; the cells are the persons'
 *     names split as link_persons.h says;
 *   - a caseworker of A asking for Maria's candidates gets only persons it
 *     may read by name: B's Maria only once B referred her to A with her
 *     identity, never C's; a referral without the identity class is not
 *     enough; every person opened is audited for that caseworker, and no
 *     person it was not given is;
 *   - candidates come from the blind index: a person sharing no name word
 *     and no date of birth is not opened;
 *   - the erased person: not found for linkage, nothing to decide;
 *   - decisions: stored, replaced, audited on both persons with the reason;
 *     a person the caller cannot see is "not found"; an analyst may not
 *     decide; then respected by clustering the persons the store hands
 *     back (a not-same decision splits the Marias, a same decision joins
 *     John to them);
 *   - models: one with term frequencies is refused, one without is stored
 *     and the newest read back, audited linkmodel.save.
 */
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/person.h"
#include "crypto/crypto.h"
#include "linkage/link_persons.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "store_fixture.h"

#include "core/banned.h"

enum { MARIA_A, JOHN_A, MARIA_B, MARIA_C, ERASED_A, NPERSON };

struct fixture {
	struct store *s;
	char path[STORE_FIXTURE_PATH_SIZE];
	struct lt_crypto_keyring kr;
	struct lt_principal cw_a, cw_b, cw_c, admin_a, analyst;
	char code_b[LT_CODE_MAX];
	int64_t ids[NPERSON];
};

/* The number the query `fmt` (formatted) answers. */
__attribute__((format(printf, 2, 3))) static long count(struct store *s, const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return strtol(store_fixture_query(s, sql), NULL, 10);
}

static int64_t person(struct fixture *f, const struct lt_principal *by, const char *name,
                      const char *dob)
{
	struct lt_person p;
	struct lt_error e = {0};
	lt_person_init(&p);
	p.name = strdup(name);
	if (dob)
		assert_int_equal(lt_date_parse(dob, strlen(dob), &p.dob, "dob", &e), LT_OK);
	p.sex = LT_SEX_FEMALE;
	assert_st(store_person_add(f->s, &f->kr, by, &p, &e), LT_OK);
	int64_t id = p.id;
	lt_person_release(&p);
	return id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct lt_error e = {0};
	struct lt_agency ag[] = {
	    {0, "agency_a", "Agency A", LT_AGENCY_KIND_POLICE},
	    {0, "agency_b", "Agency B", LT_AGENCY_KIND_CHARITY},
	    {0, "agency_c", "Agency C", LT_AGENCY_KIND_CHARITY},
	};
	store_fixture_open("link", f->path, &f->s, &f->kr, ag, 3);
	snprintf(f->code_b, sizeof(f->code_b), "%s", ag[1].code);
	f->cw_a = (struct lt_principal){LT_PRINCIPAL_USER, 1, ag[0].id, LT_ROLE_CASEWORKER};
	f->cw_b = (struct lt_principal){LT_PRINCIPAL_USER, 2, ag[1].id, LT_ROLE_CASEWORKER};
	f->cw_c = (struct lt_principal){LT_PRINCIPAL_USER, 3, ag[2].id, LT_ROLE_CASEWORKER};
	f->admin_a = (struct lt_principal){LT_PRINCIPAL_USER, 4, ag[0].id, LT_ROLE_AGENCY_ADMIN};
	f->analyst = (struct lt_principal){LT_PRINCIPAL_USER, 5, ag[0].id, LT_ROLE_ANALYST};
	f->ids[MARIA_A] = person(f, &f->cw_a, "Maria Popescu", "1990-05-17");
	f->ids[JOHN_A] = person(f, &f->cw_a, "John Smith", "1961-01-02");
	f->ids[MARIA_B] = person(f, &f->cw_b, "Maria Popesku", "1990-05-17");
	f->ids[MARIA_C] = person(f, &f->cw_c, "Maria Popescu", "1990-05-17");
	f->ids[ERASED_A] = person(f, &f->cw_a, "Ion Ionescu", "1970");
	assert_st(store_person_erase(f->s, &f->admin_a, f->ids[ERASED_A], "request 1", &e), LT_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_fixture_close(f->s, &f->kr);
	free(f);
	return 0;
}

/* B refers its Maria to A with `classes`. */
static void refer_b_to_a(struct fixture *f, unsigned classes)
{
	struct lt_share sh;
	struct lt_error e = {0};
	lt_share_init(&sh);
	sh.person_id = f->ids[MARIA_B];
	snprintf(sh.to_agency, sizeof(sh.to_agency), "agency_a");
	sh.kind = LT_SHARE_REFER;
	sh.classes = classes;
	sh.basis = LT_BASIS_LAWFUL_REASON;
	sh.lawful_reason = 0;
	snprintf(sh.purpose, sizeof(sh.purpose), "safeguarding");
	assert_st(store_share_create(f->s, &f->cw_b, &sh, &e), LT_OK);
}

/* Does the table hold a row of person `id`? */
static bool holds(const struct lt_link_table *t, int64_t id)
{
	for (size_t r = 0; r < t->nrec; r++)
		if (lt_link_person_id(t, r) == id)
			return true;
	return false;
}

static void test_operator_reads_every_live_person(void **state)
{
	struct fixture *f = *state;
	struct lt_link_table t;
	struct lt_error e = {0};
	struct store_link_query q = {"nightly linkage", 0, NULL};
	long before = count(f->s, "SELECT count(*) FROM audit WHERE action = 'person.link'");
	assert_st(store_link_persons(f->s, &f->kr, NULL, "cli", &q, &t, NULL, &e), LT_OK);
	assert_int_equal(t.nrec, 4);
	for (int i = 0; i < NPERSON; i++)
		assert_int_equal(holds(&t, f->ids[i]), i != ERASED_A);
	assert_int_equal(t.nsource, 3);
	/* each person audited once, by cli, with the purpose */
	for (int i = 0; i < NPERSON; i++)
		assert_int_equal(
		    count(f->s,
		          "SELECT count(*) FROM audit WHERE action = 'person.link' AND "
		          "actor = 'cli' AND person = %lld AND purpose = 'nightly linkage' "
		          "AND object = 'person:' || %lld",
		          (long long)f->ids[i], (long long)f->ids[i]),
		    i != ERASED_A);
	assert_int_equal(count(f->s, "SELECT count(*) FROM audit WHERE action = 'person.link'"),
	                 before + 4);
	long f_first = lt_link_table_field(&t, "first_name"),
	     f_sur = lt_link_table_field(&t, "surname");
	for (size_t r = 0; r < t.nrec; r++)
		if (lt_link_person_id(&t, r) == f->ids[JOHN_A]) {
			assert_string_equal(lt_link_cell(&t, r, (size_t)f_first), "John");
			assert_string_equal(lt_link_cell(&t, r, (size_t)f_sur), "Smith");
			assert_string_equal(t.source_names[t.source[r]], "agency_a");
		}
	lt_link_person_table_wipe(&t);
	/* a purpose is required; no key file, no reading */
	struct store_link_query nq = {"", 0, NULL};
	assert_st(store_link_persons(f->s, &f->kr, NULL, "cli", &nq, &t, NULL, &e), LT_EINVAL);
	assert_string_equal(e.field, "purpose");
	lt_link_person_table_wipe(&t);
	struct lt_crypto_keyring none = {0};
	assert_st(store_link_persons(f->s, &none, NULL, "cli", &q, &t, NULL, &e), LT_ECRYPTO);
	lt_link_person_table_wipe(&t);
}

/* The candidates of A's Maria for A's caseworker, into t. */
static void candidates(struct fixture *f, struct lt_link_table *t)
{
	struct lt_error e = {0};
	struct store_link_query q = {"new referral", f->ids[MARIA_A], NULL};
	assert_st(store_link_persons(f->s, &f->kr, &f->cw_a, NULL, &q, t, NULL, &e), LT_OK);
}

static void test_only_visible_persons(void **state)
{
	struct fixture *f = *state;
	struct lt_link_table t;
	char who[32];
	snprintf(who, sizeof(who), "user:%lld", (long long)f->cw_a.id);

	/* nothing shared: A's own Maria only (John shares no word and no date) */
	candidates(f, &t);
	assert_true(holds(&t, f->ids[MARIA_A]));
	assert_false(holds(&t, f->ids[MARIA_B]));
	assert_false(holds(&t, f->ids[MARIA_C])); /* same name, same date: never */
	assert_false(holds(&t, f->ids[JOHN_A]));  /* not a candidate: not opened */
	lt_link_person_table_wipe(&t);
	assert_int_equal(count(f->s,
	                       "SELECT count(*) FROM audit WHERE action = 'person.link' AND "
	                       "person IN (%lld, %lld)",
	                       (long long)f->ids[MARIA_C], (long long)f->ids[JOHN_A]),
	                 0);

	/* referred without the identity class: still not a candidate */
	refer_b_to_a(f, 1u << LT_DATA_SUPPORT);
	candidates(f, &t);
	assert_false(holds(&t, f->ids[MARIA_B]));
	lt_link_person_table_wipe(&t);

	/* referred with it: a candidate, audited for the caseworker */
	refer_b_to_a(f, 1u << LT_DATA_IDENTITY);
	candidates(f, &t);
	assert_true(holds(&t, f->ids[MARIA_B]));
	assert_false(holds(&t, f->ids[MARIA_C]));
	assert_int_equal(t.nsource, 2);
	lt_link_person_table_wipe(&t);
#define OPENED_FOR_CW(k)                                                                           \
	count(f->s,                                                                                \
	      "SELECT count(*) FROM audit WHERE action = 'person.link' AND actor = '%s' AND "      \
	      "person = %lld AND purpose = 'new referral'",                                        \
	      who, (long long)f->ids[k])
	assert_int_equal(OPENED_FOR_CW(MARIA_B), 1);
	assert_int_equal(OPENED_FOR_CW(MARIA_A), 3);
	assert_int_equal(OPENED_FOR_CW(MARIA_C), 0);

	/* C's caseworker cannot ask about A's Maria; an analyst may not read persons */
	struct lt_error e = {0};
	struct store_link_query q = {"x", f->ids[MARIA_A], NULL};
	assert_st(store_link_persons(f->s, &f->kr, &f->cw_c, NULL, &q, &t, NULL, &e), LT_ENOTFOUND);
	lt_link_person_table_wipe(&t);
	assert_st(store_link_persons(f->s, &f->kr, &f->analyst, NULL, &q, &t, NULL, &e),
	          LT_EFORBIDDEN);
	lt_link_person_table_wipe(&t);
	/* the erased person: nothing to link */
	q.of = f->ids[ERASED_A];
	assert_st(store_link_persons(f->s, &f->kr, &f->cw_a, NULL, &q, &t, NULL, &e), LT_EINVAL);
	lt_link_person_table_wipe(&t);

	/* a person in hand: its candidates by its terms (C's caseworker: C's Maria only) */
	struct lt_person p;
	lt_person_init(&p);
	p.id = 999999;
	p.name = strdup("maría POPESCU");
	snprintf(p.agency, sizeof(p.agency), "agency_c");
	struct store_link_query lq = {"likely matches", 0, &p};
	assert_st(store_link_persons(f->s, &f->kr, &f->cw_c, NULL, &lq, &t, NULL, &e), LT_OK);
	assert_true(holds(&t, 999999));
	assert_true(holds(&t, f->ids[MARIA_C]));
	assert_false(holds(&t, f->ids[MARIA_A]));
	assert_false(holds(&t, f->ids[MARIA_B]));
	lt_link_person_table_wipe(&t);
	lt_person_release(&p);
}

/* The candidates of a person in hand (id 999999) named `name`, born `dob`,
 * recorded by `by` (of agency `agency`). */
static void like_candidates(struct fixture *f, const struct lt_principal *by, const char *agency,
                            const char *name, const char *dob, struct lt_link_table *t)
{
	struct lt_person p;
	struct lt_error e = {0};
	lt_person_init(&p);
	p.id = 999999;
	p.name = strdup(name);
	if (dob)
		assert_int_equal(lt_date_parse(dob, strlen(dob), &p.dob, "dob", &e), LT_OK);
	snprintf(p.agency, sizeof(p.agency), "%s", agency);
	struct store_link_query lq = {"likely matches", 0, &p};
	assert_st(store_link_persons(f->s, &f->kr, by, NULL, &lq, t, NULL, &e), LT_OK);
	assert_true(holds(t, 999999));
	lt_person_release(&p);
}

/* Phonetic terms: a misspelt name that shares no word and no full date of
 * birth with its match is a candidate when a word of it sounds alike (the
 * same Double Metaphone code) and the year of birth is the same; a sound
 * alike in another year is not, nor is anyone of an agency that shared
 * nothing. */
static void test_phonetic_candidates(void **state)
{
	struct fixture *f = *state;
	struct lt_link_table t;
	int64_t mo_a = person(f, &f->cw_a, "Mohammed Ali", "1985-03-04");
	int64_t mo_c = person(f, &f->cw_c, "Mohammed Ali", "1985-03-04");
	int64_t mo_1990 = person(f, &f->cw_a, "Mohammed Ali", "1990-03-04");
	int64_t ca_a = person(f, &f->cw_a, "Catherine Dumitrescu", "1979-11-02");
	int64_t ca_c = person(f, &f->cw_c, "Catherine Dumitrescu", "1979-11-02");

	/* day and month swapped: no whole word, no full date in common */
	like_candidates(f, &f->cw_a, "agency_a", "Muhamad Aly", "1985-04-03", &t);
	assert_true(holds(&t, mo_a));
	assert_false(holds(&t, mo_c));    /* C shared nothing */
	assert_false(holds(&t, mo_1990)); /* another year */
	assert_false(holds(&t, ca_a));
	assert_false(holds(&t, f->ids[JOHN_A]));
	lt_link_person_table_wipe(&t);

	/* a year of birth only */
	like_candidates(f, &f->cw_a, "agency_a", "Kathryn Dumitrescou", "1979", &t);
	assert_true(holds(&t, ca_a));
	assert_false(holds(&t, ca_c));
	assert_false(holds(&t, mo_a));
	lt_link_person_table_wipe(&t);

	/* no date of birth: one sound-alike word alone is too common to make a
	 * candidate, two are enough */
	like_candidates(f, &f->cw_a, "agency_a", "Kathryn Smyth", NULL, &t);
	assert_false(holds(&t, ca_a));
	assert_int_equal(t.nrec, 1);
	lt_link_person_table_wipe(&t);
	like_candidates(f, &f->cw_a, "agency_a", "Kathryn Dumitrescou", NULL, &t);
	assert_true(holds(&t, ca_a));
	assert_false(holds(&t, ca_c));
	assert_false(holds(&t, mo_a));
	lt_link_person_table_wipe(&t);
	/* ... and one word's two codes are not two words */
	like_candidates(f, &f->cw_a, "agency_a", "Kathryn", NULL, &t);
	assert_false(holds(&t, ca_a));
	lt_link_person_table_wipe(&t);

	/* C's caseworker finds C's, never A's */
	like_candidates(f, &f->cw_c, "agency_c", "Muhamad Aly", "1985", &t);
	assert_true(holds(&t, mo_c));
	assert_false(holds(&t, mo_a));
	lt_link_person_table_wipe(&t);
}

/* A database from before the phonetic terms: the column dropped and the
 * phonetic hashes removed, as an older lantern left it, then reopened
 * (migration 11 marks every person's index as older) and re-indexed with
 * the key, in batches that resume. */
static void test_reindex(void **state)
{
	struct fixture *f = *state;
	struct lt_link_table t;
	struct lt_error e = {0};
	struct lt_index_terms terms;
	char sql[4096];
	size_t done = 0, left = 0;
	int64_t mo_a = person(f, &f->cw_a, "Mohammed Ali", "1985-03-04");
	long live = count(f->s, "SELECT count(*) FROM persons WHERE erased_at IS NULL");
	assert_int_equal(count(f->s, "SELECT count(*) FROM persons WHERE index_version != 3"), 0);

	/* the older database: no p: terms (their hashes removed), no column */
	struct lt_person p;
	lt_person_init(&p);
	p.name = strdup("Mohammed Ali");
	p.dob = (struct lt_date){1985, 3, 4};
	lt_index_terms_init(&terms);
	assert_int_equal(lt_link_person_index_terms(&p, &terms), LT_OK);
	unsigned char ik[LT_CRYPTO_DATA_KEY_BYTES], h[16];
	lt_crypto_subkey(&f->kr.keys[0], LT_CRYPTO_SUBKEY_INDEX, ik);
	size_t removed = 0;
	for (size_t i = 0; i < terms.n; i++) {
		const char *term = lt_index_term(&terms, i);
		if (term[0] != 'p' && term[0] != 'q')
			continue;
		lt_crypto_keyed_hash(h, sizeof(h), ik, term, strlen(term), NULL, 0);
		size_t at =
		    (size_t)snprintf(sql, sizeof(sql), "DELETE FROM person_index WHERE hash = x'");
		for (size_t k = 0; k < sizeof(h); k++)
			at += (size_t)snprintf(sql + at, sizeof(sql) - at, "%02x", h[k]);
		snprintf(sql + at, sizeof(sql) - at, "' RETURNING 1");
		store_fixture_query(f->s, sql);
		removed++;
	}
	assert_int_equal(removed, 4); /* MHMT, AL, each alone and with 1985 */
	lt_crypto_wipe(ik, sizeof(ik));
	lt_index_terms_release(&terms);
	lt_person_release(&p);
	store_fixture_query(f->s, "ALTER TABLE persons DROP COLUMN index_version");
	store_fixture_query(f->s, "PRAGMA user_version = 10");
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(store_open_sqlite(f->path, &f->s, &e), LT_OK);
	assert_int_equal(count(f->s, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(count(f->s, "SELECT count(*) FROM persons WHERE index_version = 1"),
	                 count(f->s, "SELECT count(*) FROM persons"));

	/* not found by its sound before the re-index */
	like_candidates(f, &f->cw_a, "agency_a", "Muhamad Aly", "1985-04-03", &t);
	assert_false(holds(&t, mo_a));
	lt_link_person_table_wipe(&t);

	/* stopped after one person, then resumed to the end; the erased one is left */
	assert_st(store_data_keys_reindex(f->s, &f->kr, "test", 1, &done, &left, &e), LT_OK);
	assert_int_equal(done, 1);
	assert_int_equal(left, (size_t)live - 1);
	assert_st(store_data_keys_reindex(f->s, &f->kr, "test", 0, &done, &left, &e), LT_OK);
	assert_int_equal(done, (size_t)live - 1);
	assert_int_equal(left, 0);
	assert_int_equal(count(f->s, "SELECT count(*) FROM persons WHERE index_version = 1 AND "
	                             "erased_at IS NULL"),
	                 0);
	assert_int_equal(count(f->s, "SELECT count(*) FROM audit WHERE action = 'datakey.reindex' "
	                             "AND actor = 'test'"),
	                 2);
	/* nothing left: a no-op, no audit entry */
	assert_st(store_data_keys_reindex(f->s, &f->kr, "test", 0, &done, &left, &e), LT_OK);
	assert_int_equal(done, 0);
	assert_int_equal(count(f->s, "SELECT count(*) FROM audit WHERE action = 'datakey.reindex'"),
	                 2);

	like_candidates(f, &f->cw_a, "agency_a", "Muhamad Aly", "1985-04-03", &t);
	assert_true(holds(&t, mo_a));
	lt_link_person_table_wipe(&t);
	/* the older terms are still there: found by name as before */
	like_candidates(f, &f->cw_a, "agency_a", "Maria Popescu", NULL, &t);
	assert_true(holds(&t, f->ids[MARIA_A]));
	lt_link_person_table_wipe(&t);

	/* without the key: a clear error, nothing changed */
	struct lt_crypto_keyring none = {0};
	assert_st(store_data_keys_reindex(f->s, &none, "test", 0, &done, &left, &e), LT_ECRYPTO);
}

static void test_decisions(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct store_match_decision *d = NULL;
	size_t n = 0;
	int64_t ma = f->ids[MARIA_A], mb = f->ids[MARIA_B], mc = f->ids[MARIA_C];

	/* B's Maria is not A's to see until it is referred */
	assert_st(store_match_decide(f->s, &f->cw_a, ma, mb, true, "same passport", &e),
	          LT_ENOTFOUND);
	assert_st(store_match_decide(f->s, &f->cw_a, ma, mc, false, "x", &e), LT_ENOTFOUND);
	assert_st(store_match_decide(f->s, &f->analyst, ma, mb, true, "x", &e), LT_EFORBIDDEN);
	assert_st(store_match_decide(f->s, &f->cw_a, ma, ma, true, "x", &e), LT_EINVAL);
	assert_st(store_match_decide(f->s, &f->cw_a, ma, f->ids[JOHN_A], true, "", &e), LT_EINVAL);
	assert_string_equal(e.field, "reason");
	assert_st(store_match_decide(f->s, &f->cw_a, ma, f->ids[ERASED_A], true, "x", &e),
	          LT_EINVAL);
	assert_st(store_match_decisions(f->s, 0, &d, &n, &e), LT_OK);
	assert_int_equal(n, 0); /* a refused decision writes nothing */
	free(d);

	refer_b_to_a(f, 1u << LT_DATA_IDENTITY);
	assert_st(store_match_decide(f->s, &f->cw_a, mb, ma, true, "same passport", &e), LT_OK);
	assert_st(store_match_decisions(f->s, ma, &d, &n, &e), LT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].a, ma < mb ? ma : mb);
	assert_int_equal(d[0].b, ma < mb ? mb : ma);
	assert_true(d[0].same);
	assert_string_equal(d[0].reason, "same passport");
	assert_string_equal(d[0].actor, "user:1");
	free(d);
	/* replaced, not added; both persons audited with the reason, twice now */
	assert_st(store_match_decide(f->s, &f->cw_a, ma, mb, false, "sisters, not one woman", &e),
	          LT_OK);
	assert_st(store_match_decisions(f->s, mb, &d, &n, &e), LT_OK);
	assert_int_equal(n, 1);
	assert_false(d[0].same);
	free(d);
	assert_int_equal(
	    count(f->s,
	          "SELECT count(*) FROM audit WHERE action = 'person.match_decide' AND "
	          "person IN (%lld, %lld)",
	          (long long)ma, (long long)mb),
	    4);
	assert_int_equal(
	    count(f->s,
	          "SELECT count(*) FROM audit WHERE action = 'person.match_decide' AND "
	          "purpose = 'sisters, not one woman' AND person IN (%lld, %lld)",
	          (long long)ma, (long long)mb),
	    2);

	/* respected: the operator's persons clustered with every Maria linked
	 * to every other: B's Maria apart from A's, C's with whichever it may */
	struct lt_link_table t;
	struct store_link_query q = {"nightly", 0, NULL};
	assert_st(store_link_persons(f->s, &f->kr, NULL, "cli", &q, &t, NULL, &e), LT_OK);
	struct lt_link_edge edges[16];
	size_t ne = 0;
	for (uint32_t r = 0; r < t.nrec; r++)
		for (uint32_t s2 = r + 1; s2 < t.nrec; s2++) {
			int64_t x = lt_link_person_id(&t, r), y = lt_link_person_id(&t, s2);
			bool marias = x != f->ids[JOHN_A] && y != f->ids[JOHN_A];
			if (marias)
				edges[ne++] = (struct lt_link_edge){r, s2, 0.9};
		}
	struct lt_link_decision ld[8];
	assert_st(store_match_decisions(f->s, 0, &d, &n, &e), LT_OK);
	for (size_t i = 0; i < n; i++)
		ld[i] = (struct lt_link_decision){d[i].a, d[i].b, d[i].same};
	free(d);
	struct lt_link_person_clusters pc;
	assert_int_equal(lt_link_person_cluster(&t, edges, ne, 0.5, ld, n, &pc, &e), LT_OK);
	uint32_t cl[NPERSON];
	for (size_t i = 0; i < pc.n; i++)
		for (int k = 0; k < NPERSON; k++)
			if (pc.person[i] == f->ids[k])
				cl[k] = pc.cluster[i];
	/* pairs strongest first, then by id: A-B cut (decided), A-C joined, B-C cut
	 * (it would put A and B together) */
	assert_int_not_equal(cl[MARIA_A], cl[MARIA_B]);
	assert_int_equal(cl[MARIA_A], cl[MARIA_C]);
	assert_int_not_equal(cl[JOHN_A], cl[MARIA_A]);
	assert_int_equal(pc.cut, 2);
	lt_link_person_clusters_release(&pc);
	lt_link_person_table_wipe(&t);
}

static void test_models(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	char *json = NULL;
	int64_t id = 0, id2 = 0;
	assert_st(store_link_model_get(f->s, &json, &e), LT_ENOTFOUND);
	assert_st(
	    store_link_model_save(f->s, "cli",
	                          "{\"comparisons\":[{\"name\":\"surname\",\"term_frequencies\":"
	                          "{\"total\":2,\"values\":{\"popescu\":2}}}]}",
	                          &id, &e),
	    LT_EINVAL);
	assert_string_equal(e.field, "model");
	assert_st(store_link_model_save(f->s, "cli", "not json", &id, &e), LT_EINVAL);
	assert_st(store_link_model_save(f->s, "cli", "{\"lambda\":0.001}", &id, &e), LT_OK);
	assert_st(store_link_model_save(f->s, "cli", "{\"lambda\":0.002}", &id2, &e), LT_OK);
	assert_true(id2 > id);
	assert_st(store_link_model_get(f->s, &json, &e), LT_OK);
	assert_string_equal(json, "{\"lambda\":0.002}");
	free(json);
	assert_int_equal(count(f->s,
	                       "SELECT count(*) FROM audit WHERE action = 'linkmodel.save' AND "
	                       "object IN ('linkmodel:' || %lld, 'linkmodel:' || %lld)",
	                       (long long)id, (long long)id2),
	                 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_operator_reads_every_live_person, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_only_visible_persons, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_phonetic_candidates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reindex, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_decisions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_models, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
