/*
 * test_store_pseudo.c — unit tests of pseudonymised reads in the SQLite
 * backend (store_sqlite_pseudo.c, schema migration 8).
 *
 * What matters, each a test below:
 *   - an analyst reads every agency's persons with only what core/pseudo.h
 *     shows: the year of birth, dates to the month, sex, nationality,
 *     languages, agencies, referrals, cases and arrests — and the person
 *     found by its pseudonym is the same record;
 *   - a pseudonym is the same on every read, after the store is closed and
 *     opened, and after `lantern key rotate` (the pseudonymisation key is
 *     carried to the new master key and its old copy dropped); different
 *     persons have different pseudonyms;
 *   - no role but the analyst reads (forbidden), a purpose is required, and
 *     every person handed out is audited with it, in a chain that verifies;
 *   - pages of any length walk every person once; the agency and referral
 *     date filters select as documented; an unknown agency is named;
 *   - an erased person is listed no more and its pseudonym answers "not
 *     found", as does a pseudonym that is nobody's;
 *   - the database files hold no pseudonym.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/access.h"
#include "core/person.h"
#include "core/pseudo.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "store_fixture.h"

#include "core/banned.h"

#define PERSONS 7

struct fixture {
	struct store *s;
	char path[STORE_FIXTURE_PATH_SIZE];
	struct lt_crypto_keyring kr;
	struct lt_principal cw;      /* caseworker of herts_police */
	struct lt_principal other;   /* caseworker of a charity */
	struct lt_principal police;  /* police of herts_police */
	struct lt_principal admin;   /* agency_admin of herts_police */
	struct lt_principal analyst; /* analyst of the charity: every agency all the same */
	int64_t ids[PERSONS];
};

/* Person i: "Name i", born 1980+i on the 14th of March, female for even i,
 * Romanian, speaking Romanian; owned by the charity when i is 6. A
 * referral in May 2024 (person 0 also in January 2023), and for person 0 a
 * closed case with an arrest. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct lt_error e = {0};
	struct lt_agency ag[] = {
	    {0, "herts_police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE},
	    {0, "unseen", "Unseen", LT_AGENCY_KIND_CHARITY},
	};
	store_fixture_open("pseudo", f->path, &f->s, &f->kr, ag, 2);
	f->cw = (struct lt_principal){LT_PRINCIPAL_USER, 1, ag[0].id, LT_ROLE_CASEWORKER};
	f->other = (struct lt_principal){LT_PRINCIPAL_USER, 3, ag[1].id, LT_ROLE_CASEWORKER};
	f->admin = (struct lt_principal){LT_PRINCIPAL_USER, 4, ag[0].id, LT_ROLE_AGENCY_ADMIN};
	f->analyst = (struct lt_principal){LT_PRINCIPAL_USER, 5, ag[1].id, LT_ROLE_ANALYST};
	f->police = (struct lt_principal){LT_PRINCIPAL_TOKEN, 1, ag[0].id, LT_ROLE_POLICE};

	for (int i = 0; i < PERSONS; i++) {
		struct lt_person p;
		char v[64];
		lt_person_init(&p);
		snprintf(v, sizeof(v), "Name%c Secret", 'A' + i);
		store_fixture_field(&p, lt_person_fields, lt_person_field_count, "name", v);
		store_fixture_field(&p, lt_person_fields, lt_person_field_count, "aliases",
		                    "Alias Hidden");
		snprintf(v, sizeof(v), "%d-03-14", 1980 + i);
		store_fixture_field(&p, lt_person_fields, lt_person_field_count, "dob", v);
		store_fixture_field(&p, lt_person_fields, lt_person_field_count, "sex",
		                    i % 2 ? "male" : "female");
		store_fixture_field(&p, lt_person_fields, lt_person_field_count, "nationality",
		                    "RO");
		store_fixture_field(&p, lt_person_fields, lt_person_field_count, "languages", "ro");
		store_fixture_field(&p, lt_person_fields, lt_person_field_count, "contact",
		                    "07700 900123");
		assert_st(store_person_add(f->s, &f->kr, i == 6 ? &f->other : &f->cw, &p, &e),
		          LT_OK);
		f->ids[i] = p.id;
		lt_person_release(&p);

		struct lt_referral r;
		lt_referral_init(&r);
		r.person_id = f->ids[i];
		store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "date",
		                    "2024-05-17");
		store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "forms",
		                    "labour_exploitation");
		store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "place",
		                    "local");
		store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "district",
		                    "watford");
		store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "notes",
		                    "Notes Confidential");
		assert_st(store_referral_add(f->s, &f->kr, i == 6 ? &f->other : &f->cw, &r, &e),
		          LT_OK);
		lt_referral_release(&r);
	}
	struct lt_referral r;
	lt_referral_init(&r);
	r.person_id = f->ids[0];
	store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "date", "2023-01-09");
	store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "forms",
	                    "sexual_exploitation");
	store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "place", "abroad");
	store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "country", "RO");
	assert_st(store_referral_add(f->s, &f->kr, &f->police, &r, &e), LT_OK);
	lt_referral_release(&r);

	struct lt_case c;
	lt_case_init(&c);
	store_fixture_field(&c, lt_case_fields, lt_case_field_count, "ref", "HP/2024/CaseRef77");
	store_fixture_field(&c, lt_case_fields, lt_case_field_count, "opened", "2024-05-20");
	store_fixture_field(&c, lt_case_fields, lt_case_field_count, "status", "closed");
	store_fixture_field(&c, lt_case_fields, lt_case_field_count, "closed", "2024-09-02");
	store_fixture_field(&c, lt_case_fields, lt_case_field_count, "forms",
	                    "labour_exploitation");
	c.persons[c.n_persons++] = f->ids[0];
	assert_st(store_case_open(f->s, &f->police, &c, &e), LT_OK);
	struct lt_arrest a;
	lt_arrest_init(&a);
	a.date = (struct lt_date){2024, 6, 3};
	a.offence = LT_OFFENCE_FORCED_LABOUR;
	snprintf(a.agency, sizeof(a.agency), "herts_police");
	snprintf(a.case_ref, sizeof(a.case_ref), "HP/2024/CaseRef77");
	assert_st(store_arrest_add(f->s, &f->police, &a, &e), LT_OK);
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

/* Every person the analyst may read, in pages of `limit`, into out[] (at
 * least PERSONS + 1 long); the number. */
static size_t list_all(struct fixture *f, const struct lt_crypto_keyring *kr, size_t limit,
                       struct lt_pseudo_person *all, size_t cap)
{
	struct lt_error e;
	struct store_pseudo_query q = {.purpose = "annual report", .limit = limit};
	struct lt_pseudo_person page[8];
	size_t total = 0, n = 0;
	bool more = true;
	assert_true(limit <= 8);
	for (int pages = 0; more; pages++) {
		assert_true(pages <= PERSONS + 1);
		assert_st(store_pseudo_list(f->s, kr, &f->analyst, &q, page, &n, &more, &e), LT_OK);
		assert_true(n <= limit);
		if (more)
			assert_int_equal(n, limit);
		for (size_t i = 0; i < n; i++) {
			assert_true(total < cap);
			all[total++] = page[i];
			lt_pseudo_person_release(&page[i]);
		}
		if (n)
			q.below = all[total - 1].page_key;
	}
	return total;
}

static const struct lt_pseudo_person *by_year(const struct lt_pseudo_person *all, size_t n,
                                              int year)
{
	for (size_t i = 0; i < n; i++)
		if (all[i].birth_year == year)
			return &all[i];
	fail_msg("no person born in %d", year);
	return NULL;
}

static void test_what_an_analyst_sees(void **state)
{
	struct fixture *f = *state;
	struct lt_error e;
	struct lt_pseudo_person all[PERSONS + 1], one;
	size_t n = list_all(f, &f->kr, 8, all, PERSONS + 1);

	assert_int_equal(n, PERSONS); /* both agencies' */
	const struct lt_pseudo_person *p0 = by_year(all, n, 1980);
	assert_string_equal(p0->agency, "herts_police");
	assert_int_equal(p0->agency_kind, LT_AGENCY_KIND_POLICE);
	assert_string_equal(lt_vocab_term(&lt_vocab_sex, (size_t)p0->sex)->code, "female");
	assert_string_equal(lt_vocab_term(&lt_vocab_country, (size_t)p0->nationality)->code, "RO");
	assert_int_equal(p0->n_languages, 1);
	assert_false(p0->truncated);
	/* referrals oldest first, to the month */
	assert_int_equal(p0->n_referrals, 2);
	assert_int_equal(p0->referrals[0].date.year, 2023);
	assert_int_equal(p0->referrals[0].date.month, 1);
	assert_int_equal(p0->referrals[0].date.day, 0);
	assert_int_equal(p0->referrals[0].place, LT_PLACE_ABROAD);
	assert_int_equal(p0->referrals[0].forms, 1u << LT_FORM_SEXUAL_EXPLOITATION);
	assert_int_equal(p0->referrals[1].date.month, 5);
	assert_int_equal(p0->referrals[1].date.day, 0);
	assert_string_equal(p0->referrals[1].agency, "herts_police");
	assert_string_equal(
	    lt_vocab_term(&lt_vocab_district, (size_t)p0->referrals[1].district)->code, "watford");
	/* the case, closed, with its arrest, to the month */
	assert_int_equal(p0->n_cases, 1);
	assert_string_equal(lt_vocab_term(&lt_vocab_case_status, (size_t)p0->cases[0].status)->code,
	                    "closed");
	assert_int_equal(p0->cases[0].opened.month, 5);
	assert_int_equal(p0->cases[0].opened.day, 0);
	assert_int_equal(p0->cases[0].closed.month, 9);
	assert_int_equal(p0->cases[0].n_arrests, 1);
	assert_int_equal(p0->cases[0].arrests[0].offence, LT_OFFENCE_FORCED_LABOUR);
	assert_int_equal(p0->cases[0].arrests[0].date.month, 6);
	assert_int_equal(p0->cases[0].arrests[0].date.day, 0);
	const struct lt_pseudo_person *p6 = by_year(all, n, 1986);
	assert_string_equal(p6->agency, "unseen");
	assert_int_equal(p6->n_cases, 0);

	/* the same record by its pseudonym */
	assert_st(store_pseudo_get(f->s, &f->kr, &f->analyst, p0->pseudonym, "follow-up", &one, &e),
	          LT_OK);
	assert_string_equal(one.pseudonym, p0->pseudonym);
	assert_int_equal(one.birth_year, 1980);
	assert_int_equal(one.n_referrals, 2);
	assert_int_equal(one.n_cases, 1);
	lt_pseudo_person_release(&one);
}

static void test_pseudonyms_stable_and_distinct(void **state)
{
	struct fixture *f = *state;
	struct lt_error e;
	struct lt_pseudo_person a[PERSONS + 1], b[PERSONS + 1], c[PERSONS + 1];
	size_t na = list_all(f, &f->kr, 8, a, PERSONS + 1);

	for (size_t i = 0; i < na; i++) {
		assert_true(
		    lt_crypto_pseudonym_well_formed(a[i].pseudonym, strlen(a[i].pseudonym)));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(a[i].pseudonym, a[j].pseudonym);
	}
	/* closed and opened again: the same pseudonym for the same person */
	store_close(f->s);
	store_fixture_reopen(f->path, &f->s);
	size_t nb = list_all(f, &f->kr, 3, b, PERSONS + 1);
	assert_int_equal(nb, na);
	for (int y = 1980; y < 1980 + PERSONS; y++)
		assert_string_equal(by_year(a, na, y)->pseudonym, by_year(b, nb, y)->pseudonym);

	/* a rotation of the master key: every person re-encrypted, pseudonyms kept */
	struct lt_crypto_keyring kr2 = f->kr;
	size_t done = 0, left = 0;
	assert_int_equal(lt_crypto_keyring_add(&kr2, &e), LT_OK);
	assert_st(store_data_keys_rotate(f->s, &kr2, "test", 0, &done, &left, &e), LT_OK);
	assert_int_equal(left, 0);
	lt_crypto_keyring_keep_current(&kr2);
	assert_string_equal(store_fixture_query(f->s, "SELECT group_concat(master_key_id) FROM "
	                                              "pseudonym_keys"),
	                    "2");
	size_t nc = list_all(f, &kr2, 8, c, PERSONS + 1);
	assert_int_equal(nc, na);
	for (int y = 1980; y < 1980 + PERSONS; y++)
		assert_string_equal(by_year(a, na, y)->pseudonym, by_year(c, nc, y)->pseudonym);
	/* the old key file opens nothing any more */
	struct lt_pseudo_person one;
	assert_st(store_pseudo_get(f->s, &f->kr, &f->analyst, a[0].pseudonym, "x", &one, &e),
	          LT_ECRYPTO);
	lt_crypto_keyring_wipe(&kr2);
}

static void test_who_may_and_audit(void **state)
{
	struct fixture *f = *state;
	struct lt_error e;
	struct lt_pseudo_person page[8], one;
	size_t n = 0;
	bool more = false;
	struct store_pseudo_query q = {.purpose = "research", .limit = 8};
	const struct lt_principal *refused[] = {&f->cw, &f->other, &f->police, &f->admin};

	for (size_t i = 0; i < 4; i++) {
		assert_st(store_pseudo_list(f->s, &f->kr, refused[i], &q, page, &n, &more, &e),
		          LT_EFORBIDDEN);
		assert_int_equal(n, 0);
	}
	q.purpose = NULL;
	assert_st(store_pseudo_list(f->s, &f->kr, &f->analyst, &q, page, &n, &more, &e), LT_EINVAL);
	assert_string_equal(e.field, "purpose");
	q.purpose = "two\nlines";
	assert_st(store_pseudo_list(f->s, &f->kr, &f->analyst, &q, page, &n, &more, &e), LT_EINVAL);
	/* nothing was written by the refusals */
	assert_string_equal(store_fixture_query(f->s, "SELECT count(*) FROM audit WHERE action = "
	                                              "'person.read_pseudonymised'"),
	                    "0");
	q.purpose = "research";
	assert_st(store_pseudo_list(f->s, &f->kr, &f->analyst, &q, page, &n, &more, &e), LT_OK);
	assert_int_equal(n, PERSONS);
	assert_false(more);
	/* one entry per person handed out, with the reader and the purpose */
	assert_string_equal(store_fixture_query(f->s,
	                                        "SELECT count(DISTINCT person) FROM audit WHERE "
	                                        "action = 'person.read_pseudonymised' AND actor = "
	                                        "'user:5' AND purpose = 'research'"),
	                    "7");
	assert_st(store_pseudo_get(f->s, &f->kr, &f->cw, page[0].pseudonym, "x", &one, &e),
	          LT_EFORBIDDEN);
	assert_st(store_pseudo_get(f->s, &f->kr, &f->analyst, page[0].pseudonym, NULL, &one, &e),
	          LT_EINVAL);
	assert_st(
	    store_pseudo_get(f->s, &f->kr, &f->analyst, page[0].pseudonym, "one more", &one, &e),
	    LT_OK);
	lt_pseudo_person_release(&one);
	assert_string_equal(store_fixture_query(f->s, "SELECT count(*) FROM audit WHERE action = "
	                                              "'person.read_pseudonymised'"),
	                    "8");
	for (size_t i = 0; i < n; i++)
		lt_pseudo_person_release(&page[i]);
	struct store_audit_verdict v;
	assert_st(store_audit_verify(f->s, NULL, NULL, 0, &v, &e), LT_OK);
	assert_true(v.intact);
}

static void test_pages_and_filters(void **state)
{
	struct fixture *f = *state;
	struct lt_error e;
	struct lt_pseudo_person all[PERSONS + 1], page[8];
	size_t n = 0;
	bool more = false;

	for (size_t limit = 1; limit <= 8; limit++) {
		size_t total = list_all(f, &f->kr, limit, all, PERSONS + 1);
		assert_int_equal(total, PERSONS);
		for (size_t i = 0; i < total; i++)
			for (size_t j = 0; j < i; j++) {
				assert_string_not_equal(all[i].pseudonym, all[j].pseudonym);
				assert_true(all[j].page_key > all[i].page_key);
			}
	}
	struct store_pseudo_query q = {.purpose = "r", .limit = 8, .agency = "unseen"};
	assert_st(store_pseudo_list(f->s, &f->kr, &f->analyst, &q, page, &n, &more, &e), LT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].birth_year, 1986);
	lt_pseudo_person_release(&page[0]);
	q.agency = "nobody";
	assert_st(store_pseudo_list(f->s, &f->kr, &f->analyst, &q, page, &n, &more, &e), LT_EINVAL);
	assert_string_equal(e.field, "agency");
	/* referred in 2023: person 0 only; in 2024-05: all; to 2023-12: person 0 */
	q.agency = NULL;
	q.from = (struct lt_date){2023, 0, 0};
	q.to = (struct lt_date){2023, 0, 0};
	assert_st(store_pseudo_list(f->s, &f->kr, &f->analyst, &q, page, &n, &more, &e), LT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].birth_year, 1980);
	lt_pseudo_person_release(&page[0]);
	q.from = (struct lt_date){2024, 5, 0};
	q.to = (struct lt_date){2024, 5, 0};
	assert_st(store_pseudo_list(f->s, &f->kr, &f->analyst, &q, page, &n, &more, &e), LT_OK);
	assert_int_equal(n, PERSONS);
	for (size_t i = 0; i < n; i++)
		lt_pseudo_person_release(&page[i]);
	q.from = (struct lt_date){2024, 6, 0};
	q.to = (struct lt_date){0, 0, 0};
	assert_st(store_pseudo_list(f->s, &f->kr, &f->analyst, &q, page, &n, &more, &e), LT_OK);
	assert_int_equal(n, 0);
	q.from = (struct lt_date){0, 0, 0};
	q.to = (struct lt_date){2023, 12, 0};
	assert_st(store_pseudo_list(f->s, &f->kr, &f->analyst, &q, page, &n, &more, &e), LT_OK);
	assert_int_equal(n, 1);
	lt_pseudo_person_release(&page[0]);
}

static void test_erased_and_unknown(void **state)
{
	struct fixture *f = *state;
	struct lt_error e;
	struct lt_pseudo_person all[PERSONS + 1], one;
	size_t n = list_all(f, &f->kr, 8, all, PERSONS + 1);
	char gone[LT_PSEUDONYM_SIZE];

	snprintf(gone, sizeof(gone), "%s", by_year(all, n, 1981)->pseudonym);
	assert_st(store_person_erase(f->s, &f->admin, f->ids[1], "erasure request 12", &e), LT_OK);
	n = list_all(f, &f->kr, 8, all, PERSONS + 1);
	assert_int_equal(n, PERSONS - 1);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(all[i].pseudonym, gone);
	assert_st(store_pseudo_get(f->s, &f->kr, &f->analyst, gone, "x", &one, &e), LT_ENOTFOUND);
	/* the erased person's lookup is gone too */
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT pseudo_lookup IS NULL FROM persons WHERE id = %lld",
	         (long long)f->ids[1]);
	assert_string_equal(store_fixture_query(f->s, sql), "1");
	/* nobody's, and not a pseudonym at all */
	assert_st(store_pseudo_get(f->s, &f->kr, &f->analyst, "P-AAAAAAAAAAAAAAAA", "x", &one, &e),
	          LT_ENOTFOUND);
	assert_st(store_pseudo_get(f->s, &f->kr, &f->analyst, "42", "x", &one, &e), LT_ENOTFOUND);
}

/* True when the file at `path` holds the `n` bytes at `needle`. */
static bool file_holds(const char *path, const char *needle, size_t n)
{
	FILE *fp = fopen(path, "rb");
	static char buf[1 << 20];
	size_t len;
	if (!fp)
		return false;
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return true;
	return false;
}

static void test_no_pseudonym_in_the_files(void **state)
{
	struct fixture *f = *state;
	struct lt_pseudo_person all[PERSONS + 1];
	size_t n = list_all(f, &f->kr, 8, all, PERSONS + 1);
	char wal[1100];

	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(n, PERSONS);
	for (size_t i = 0; i < n; i++) {
		/* the 16 characters after "P-" */
		const char *t = all[i].pseudonym + 2;
		assert_false(file_holds(f->path, t, strlen(t)));
		assert_false(file_holds(wal, t, strlen(t)));
	}
	/* nor any name, contact or note in the answer's record: it has no such field,
	 * and what it has carries no day */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < all[i].n_referrals; k++)
			assert_int_equal(all[i].referrals[k].date.day, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_what_an_analyst_sees, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pseudonyms_stable_and_distinct, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_who_may_and_audit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pages_and_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_erased_and_unknown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_pseudonym_in_the_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
