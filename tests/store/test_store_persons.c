/*
 * test_store_persons.c — unit tests of records about people in the SQLite
 * backend (store_sqlite_person.c, schema migration 5).
 *
 * What matters, each a test below:
 *   - a person, a referral and a case go in and come back whole;
 *   - every read of personal data is refused without a purpose, and with
 *     one leaves an audit entry naming the person and the purpose, in a
 *     chain that still verifies;
 *   - another agency's record answers "not found", exactly like a record
 *     that does not exist; a role that may see but not act answers
 *     "forbidden";
 *   - sealed blobs and wrapped keys moved between records, flipped bits and
 *     a wrong key file are all refused (LT_ECRYPTO), never opened;
 *   - the blind index finds "José  García" as "jose garcia", by any word,
 *     by date of birth, and never another agency's person;
 *   - no personal value is anywhere in the bytes of the database files;
 *   - a rotation stopped half way and resumed after the store was closed
 *     loses nothing, every person opens under either key meanwhile, and the
 *     old key is retired only when nothing uses it;
 *   - erasing a person destroys its key: nothing of it opens, it is found
 *     no more, and its wrapped key is gone from the file.
 */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "core/access.h"
#include "core/person.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "store_fixture.h"

#include "core/banned.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	struct store *s;
	char path[STORE_FIXTURE_PATH_SIZE];
	struct lt_crypto_keyring kr;
	int64_t police_id, charity_id;
	struct lt_principal cw;      /* caseworker of herts_police, user 1 */
	struct lt_principal cw2;     /* another caseworker of herts_police, user 2 */
	struct lt_principal other;   /* caseworker of a charity, user 3 */
	struct lt_principal admin;   /* agency_admin of herts_police, user 4 */
	struct lt_principal analyst; /* analyst of herts_police, user 5 */
	struct lt_principal police;  /* police of herts_police, token 1 */
};

static const struct lt_date today = {2024, 5, 1};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct lt_agency ag[] = {
	    {0, "herts_police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE},
	    {0, "unseen", "Unseen", LT_AGENCY_KIND_CHARITY},
	};
	store_fixture_open("persons", f->path, &f->s, &f->kr, ag, 2);
	f->police_id = ag[0].id;
	f->charity_id = ag[1].id;
	f->cw = (struct lt_principal){LT_PRINCIPAL_USER, 1, ag[0].id, LT_ROLE_CASEWORKER};
	f->cw2 = (struct lt_principal){LT_PRINCIPAL_USER, 2, ag[0].id, LT_ROLE_CASEWORKER};
	f->other = (struct lt_principal){LT_PRINCIPAL_USER, 3, ag[1].id, LT_ROLE_CASEWORKER};
	f->admin = (struct lt_principal){LT_PRINCIPAL_USER, 4, ag[0].id, LT_ROLE_AGENCY_ADMIN};
	f->analyst = (struct lt_principal){LT_PRINCIPAL_USER, 5, ag[0].id, LT_ROLE_ANALYST};
	f->police = (struct lt_principal){LT_PRINCIPAL_TOKEN, 1, ag[0].id, LT_ROLE_POLICE};
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

/* Make a person from "field=value" pairs (lists as "a|b"). */
static void person_make(struct lt_person *p, const char *const *spec, size_t n)
{
	struct lt_error e = {0};
	lt_person_init(p);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(spec[i], '=');
		const struct lt_pfield *fl = lt_pfield_find(lt_person_fields, lt_person_field_count,
		                                            spec[i], (size_t)(eq - spec[i]));
		assert_non_null(fl);
		const char *v = eq + 1;
		if (fl->flags & LT_PF_LIST) {
			while (*v) {
				const char *bar = strchr(v, '|');
				size_t len = bar ? (size_t)(bar - v) : strlen(v);
				if (fl->parse(p, v, len, &e) != LT_OK)
					fail_msg("%s: %s", spec[i], e.message);
				v += len + (bar ? 1 : 0);
			}
		} else if (fl->parse(p, v, strlen(v), &e) != LT_OK) {
			fail_msg("%s: %s", spec[i], e.message);
		}
	}
}

static int64_t add_person(struct fixture *f, const struct lt_principal *p, const char *name,
                          const char *dob)
{
	struct lt_person rec;
	struct lt_error e = {0};
	const char *spec[] = {"name=x", "dob=1990"};
	char n1[300], d1[32];
	snprintf(n1, sizeof(n1), "name=%s", name);
	snprintf(d1, sizeof(d1), "dob=%s", dob ? dob : "");
	spec[0] = n1;
	spec[1] = d1;
	person_make(&rec, spec, dob ? 2 : 1);
	assert_st(store_person_add(f->s, &f->kr, p, &rec, &e), LT_OK);
	int64_t id = rec.id;
	lt_person_release(&rec);
	return id;
}

/* The newest audit entry as "actor action object person purpose". */
static const char *last_audit(struct store *s)
{
	static char out[512];
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	struct lt_error e = {0};
	assert_int_equal(store_audit_tail(s, 1, &a, &n, &e), LT_OK);
	assert_int_equal(n, 1);
	snprintf(out, sizeof(out), "%s %s %s %lld %s", a[0].actor, a[0].action, a[0].object,
	         (long long)a[0].person, a[0].purpose);
	free(a);
	return out;
}

static void chain_intact(struct store *s)
{
	struct store_audit_verdict v;
	struct lt_error e = {0};
	assert_int_equal(store_audit_verify(s, NULL, NULL, 0, &v, &e), LT_OK);
	if (!v.intact)
		fail_msg("audit chain: %s", v.problem);
}

/* A patch of one field to one value (NULL: clear). */
struct one_patch {
	struct lt_patch_item item;
	const char *v;
	size_t len;
	struct lt_patch p;
};

static const struct lt_patch *patch1(struct one_patch *op, const struct lt_pfield *fields,
                                     size_t nf, const char *name, const char *value)
{
	op->item.field = lt_pfield_find(fields, nf, name, strlen(name));
	assert_non_null(op->item.field);
	op->v = value;
	op->len = value ? strlen(value) : 0;
	op->item.values = &op->v;
	op->item.lens = &op->len;
	op->item.n = value ? 1 : 0;
	op->p.items = &op->item;
	op->p.n = 1;
	return &op->p;
}

/* ---- persons ----------------------------------------------------------------- */

static void test_person_round_trip(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_person rec, got;
	const char *spec[] = {"name=Maria Popescu",      "aliases=Mariana|Mara P.",
	                      "dob=1990-02-11",          "sex=female",
	                      "nationality=RO",          "languages=ro|en",
	                      "contact=+44 7700 900123", "safe_to_contact=true"};

	assert_true(store_schema_version() >= 5);
	person_make(&rec, spec, N(spec));
	assert_st(store_person_add(f->s, &f->kr, &f->cw, &rec, &e), LT_OK);
	assert_true(rec.id > 0);
	assert_string_equal(rec.agency, "herts_police");
	assert_int_equal(strlen(rec.created_at), 24);
	char want[128];
	snprintf(want, sizeof(want), "user:1 person.create person:%lld %lld ", (long long)rec.id,
	         (long long)rec.id);
	assert_string_equal(last_audit(f->s), want);
	/* the first person recorded the key */
	assert_string_equal(store_fixture_query(f->s, "SELECT group_concat(id) FROM master_keys"),
	                    "1");

	/* a purpose is required, and a refused read writes nothing */
	long before = store_fixture_count(f->s, "SELECT count(*) FROM audit");
	assert_st(store_person_get(f->s, &f->kr, &f->cw, rec.id, NULL, &got, &e), LT_EINVAL);
	assert_string_equal(e.field, "purpose");
	assert_st(store_person_get(f->s, &f->kr, &f->cw, rec.id, "", &got, &e), LT_EINVAL);
	assert_st(store_person_get(f->s, &f->kr, &f->cw, rec.id, "line\nbreak", &got, &e),
	          LT_EINVAL);
	assert_int_equal(store_fixture_count(f->s, "SELECT count(*) FROM audit"), before);

	assert_st(
	    store_person_get(f->s, &f->kr, &f->cw2, rec.id, "safeguarding referral", &got, &e),
	    LT_OK);
	snprintf(want, sizeof(want), "user:2 person.read person:%lld %lld safeguarding referral",
	         (long long)rec.id, (long long)rec.id);
	assert_string_equal(last_audit(f->s), want);
	assert_int_equal(got.id, rec.id);
	assert_false(got.erased);
	assert_string_equal(got.agency, "herts_police");
	assert_string_equal(got.name, "Maria Popescu");
	assert_int_equal(got.n_aliases, 2);
	assert_string_equal(got.aliases[0], "Mariana");
	assert_int_equal(lt_date_cmp(&got.dob, &rec.dob), 0);
	assert_int_equal(got.sex, LT_SEX_FEMALE);
	assert_int_equal(got.nationality, rec.nationality);
	assert_int_equal(got.n_languages, 2);
	assert_string_equal(got.contact, "+44 7700 900123");
	assert_true(got.safe_to_contact);
	lt_person_release(&got);

	/* a change, then read back */
	struct one_patch op;
	struct lt_diags d;
	lt_diags_init(&d);
	assert_st(store_person_update(
	              f->s, &f->kr, &f->cw, rec.id,
	              patch1(&op, lt_person_fields, lt_person_field_count, "contact", NULL), &today,
	              &d, &e),
	          LT_OK);
	snprintf(want, sizeof(want), "user:1 person.update person:%lld %lld ", (long long)rec.id,
	         (long long)rec.id);
	assert_string_equal(last_audit(f->s), want);
	assert_st(store_person_get(f->s, &f->kr, &f->cw, rec.id, "check", &got, &e), LT_OK);
	assert_null(got.contact);
	assert_string_equal(got.name, "Maria Popescu");
	lt_person_release(&got);

	/* a change that breaks a rule names it and writes nothing */
	before = store_fixture_count(f->s, "SELECT count(*) FROM audit");
	assert_st(
	    store_person_update(f->s, &f->kr, &f->cw, rec.id,
	                        patch1(&op, lt_person_fields, lt_person_field_count, "name", NULL),
	                        &today, &d, &e),
	    LT_EINVAL);
	assert_string_equal(e.field, "name");
	assert_int_equal(d.count, 1);
	assert_string_equal(d.items[0].field, "name");
	assert_int_equal(store_fixture_count(f->s, "SELECT count(*) FROM audit"), before);
	lt_diags_release(&d);
	lt_diags_init(&d);
	assert_st(store_person_update(
	              f->s, &f->kr, &f->cw, rec.id,
	              patch1(&op, lt_person_fields, lt_person_field_count, "dob", "2025-01-01"),
	              &today, &d, &e),
	          LT_EINVAL);
	assert_string_equal(e.field, "dob");
	lt_diags_release(&d);

	lt_person_release(&rec);
	chain_intact(f->s);
}

static void test_person_access(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0}, e404 = {0};
	struct lt_person got;
	struct one_patch op;
	int64_t id = add_person(f, &f->cw, "Ana Ionescu", "1985");

	/* another agency: exactly as if there were no such person */
	assert_st(store_person_get(f->s, &f->kr, &f->other, id, "curious", &got, &e), LT_ENOTFOUND);
	e404 = e;
	assert_st(store_person_get(f->s, &f->kr, &f->other, id + 1000, "curious", &got, &e),
	          LT_ENOTFOUND);
	char a[64], b[64];
	snprintf(a, sizeof(a), "no person %lld", (long long)id);
	assert_string_equal(e404.message, a);
	snprintf(b, sizeof(b), "no person %lld", (long long)id + 1000);
	assert_string_equal(e.message, b);
	assert_st(
	    store_person_update(f->s, &f->kr, &f->other, id,
	                        patch1(&op, lt_person_fields, lt_person_field_count, "sex", "male"),
	                        &today, NULL, &e),
	    LT_ENOTFOUND);
	/* a caseworker may never erase: 403 whatever the record (rule 1) ... */
	assert_st(store_person_erase(f->s, &f->other, id, "asked", &e), LT_EFORBIDDEN);
	/* ... and another agency's administrator does not see it (rule 4) */
	struct lt_principal other_admin = {LT_PRINCIPAL_USER, 6, f->charity_id,
	                                   LT_ROLE_AGENCY_ADMIN};
	assert_st(store_person_erase(f->s, &other_admin, id, "asked", &e), LT_ENOTFOUND);

	/* roles that may never read identifying details */
	assert_st(store_person_get(f->s, &f->kr, &f->analyst, id, "statistics", &got, &e),
	          LT_EFORBIDDEN);
	assert_st(store_person_get(f->s, &f->kr, &f->admin, id, "checking", &got, &e),
	          LT_EFORBIDDEN);
	/* a caseworker may not erase (an agency administrator's job) */
	assert_st(store_person_erase(f->s, &f->cw, id, "asked", &e), LT_EFORBIDDEN);
	/* nobody records a person for another agency: creation is for one's own */
	struct lt_person rec;
	const char *spec[] = {"name=Someone"};
	person_make(&rec, spec, 1);
	assert_st(store_person_add(f->s, &f->kr, &f->analyst, &rec, &e), LT_EFORBIDDEN);
	assert_st(store_person_add(f->s, &f->kr, &f->admin, &rec, &e), LT_EFORBIDDEN);
	lt_person_release(&rec);

	/* the police role reads its agency's persons */
	assert_st(store_person_get(f->s, &f->kr, &f->police, id, "investigation", &got, &e), LT_OK);
	assert_string_equal(got.name, "Ana Ionescu");
	assert_contains(last_audit(f->s), "token:1 person.read");
	lt_person_release(&got);
}

/* ---- tampering and keys --------------------------------------------------------- */

static void test_tamper(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_person got;
	char sql[512];
	int64_t a = add_person(f, &f->cw, "Alice Adams", "1970");
	int64_t b = add_person(f, &f->cw, "Bob Brown", "1971");

	/* b's sealed fields copied onto a: bound to b, they do not open as a's */
	snprintf(sql, sizeof(sql),
	         "UPDATE persons SET sealed = (SELECT sealed FROM persons WHERE id = %lld) "
	         "WHERE id = %lld",
	         (long long)b, (long long)a);
	store_fixture_query(f->s, sql);
	assert_st(store_person_get(f->s, &f->kr, &f->cw, a, "check", &got, &e), LT_ECRYPTO);
	assert_contains(e.message, "does not open");
	assert_null(got.name);
	/* ... nor with b's wrapped key as well: the key is bound to b too */
	snprintf(sql, sizeof(sql),
	         "UPDATE persons SET key_wrapped = (SELECT key_wrapped FROM persons WHERE id = "
	         "%lld) WHERE id = %lld",
	         (long long)b, (long long)a);
	store_fixture_query(f->s, sql);
	assert_st(store_person_get(f->s, &f->kr, &f->cw, a, "check", &got, &e), LT_ECRYPTO);
	assert_contains(e.message, "data key of person");
	/* b is untouched */
	assert_st(store_person_get(f->s, &f->kr, &f->cw, b, "check", &got, &e), LT_OK);
	assert_string_equal(got.name, "Bob Brown");
	lt_person_release(&got);

	/* one flipped bit of the sealed blob (in its tag) */
	snprintf(sql, sizeof(sql),
	         "UPDATE persons SET sealed = substr(sealed, 1, length(sealed) - 1) || "
	         "CASE WHEN substr(sealed, -1) = x'00' THEN x'01' ELSE x'00' END WHERE id = %lld",
	         (long long)b);
	store_fixture_query(f->s, sql);
	assert_st(store_person_get(f->s, &f->kr, &f->cw, b, "check", &got, &e), LT_ECRYPTO);

	/* key generation changed under the blob */
	int64_t c = add_person(f, &f->cw, "Carol Clark", NULL);
	snprintf(sql, sizeof(sql), "UPDATE persons SET key_gen = 2 WHERE id = %lld", (long long)c);
	store_fixture_query(f->s, sql);
	assert_st(store_person_get(f->s, &f->kr, &f->cw, c, "check", &got, &e), LT_ECRYPTO);
	chain_intact(f->s);
}

static void test_referral_swap(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_referral r1, r2, got;
	char sql[512];
	int64_t p = add_person(f, &f->cw, "Dan Dobre", NULL);

	lt_referral_init(&r1);
	r1.person_id = p;
	r1.date = (struct lt_date){2024, 4, 1};
	r1.forms = 1u << LT_FORM_LABOUR_EXPLOITATION;
	assert_int_equal(lt_referral_fields[7].parse(&r1, "first notes", 11, &e), LT_OK);
	r2 = r1;
	r2.notes = NULL;
	assert_int_equal(lt_referral_fields[7].parse(&r2, "second notes", 12, &e), LT_OK);
	assert_st(store_referral_add(f->s, &f->kr, &f->cw, &r1, &e), LT_OK);
	assert_st(store_referral_add(f->s, &f->kr, &f->cw, &r2, &e), LT_OK);
	assert_st(store_referral_get(f->s, &f->kr, &f->cw, r2.id, "check", &got, &e), LT_OK);
	assert_string_equal(got.notes, "second notes");
	lt_referral_release(&got);
	/* same person, same key, but the blob is bound to its referral */
	snprintf(sql, sizeof(sql),
	         "UPDATE referrals SET sealed = (SELECT sealed FROM referrals WHERE id = %lld) "
	         "WHERE id = %lld",
	         (long long)r1.id, (long long)r2.id);
	store_fixture_query(f->s, sql);
	assert_st(store_referral_get(f->s, &f->kr, &f->cw, r2.id, "check", &got, &e), LT_ECRYPTO);
	assert_null(got.notes);
	assert_st(store_referral_get(f->s, &f->kr, &f->cw, r1.id, "check", &got, &e), LT_OK);
	assert_string_equal(got.notes, "first notes");
	lt_referral_release(&got);
	lt_referral_release(&r1);
	lt_referral_release(&r2);
}

static void test_wrong_key(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_person got;
	int64_t id = add_person(f, &f->cw, "Eve Evans", NULL);
	struct lt_crypto_keyring other = {1, {{1, {0}}}};
	lt_crypto_random(other.keys[0].key, sizeof(other.keys[0].key));

	/* another installation's key file, with the same id */
	assert_st(store_person_get(f->s, &other, &f->cw, id, "check", &got, &e), LT_ECRYPTO);
	assert_contains(e.message, "is not this database's data key 1");
	assert_st(store_data_keys_register(f->s, &other, "test", &e), LT_ECRYPTO);
	/* no key at all */
	struct lt_crypto_keyring none = {0};
	assert_st(store_person_get(f->s, &none, &f->cw, id, "check", &got, &e), LT_ECRYPTO);
	assert_contains(e.message, "no data key was given");
	assert_st(store_person_get(f->s, NULL, &f->cw, id, "check", &got, &e), LT_ECRYPTO);
	/* a key file without the key the person is sealed under */
	struct lt_crypto_keyring later = {1, {{7, {0}}}};
	lt_crypto_random(later.keys[0].key, sizeof(later.keys[0].key));
	assert_st(store_person_get(f->s, &later, &f->cw, id, "check", &got, &e), LT_ECRYPTO);
	assert_contains(e.message,
	                "sealed under data key 1, which the data key file does not hold");
	lt_crypto_keyring_wipe(&other);
	lt_crypto_keyring_wipe(&later);
	/* and the right one still works */
	assert_st(store_person_get(f->s, &f->kr, &f->cw, id, "check", &got, &e), LT_OK);
	lt_person_release(&got);
}

/* ---- the blind index ------------------------------------------------------------ */

static size_t find(struct fixture *f, const struct lt_principal *p, const char *name,
                   const char *dob, int64_t ids[LT_PERSON_FIND_MAX])
{
	struct store_person_query q = {
	    name, name ? strlen(name) : 0, {0, 0, 0}, "looking for a match", 0, 0};
	struct lt_error e = {0};
	size_t n = 99;
	bool more = true;
	if (dob)
		assert_int_equal(lt_date_parse(dob, strlen(dob), &q.dob, "dob", &e), LT_OK);
	assert_st(store_person_find(f->s, &f->kr, p, &q, ids, &n, &more, &e), LT_OK);
	assert_false(more);
	return n;
}

static void test_blind_index(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	int64_t ids[LT_PERSON_FIND_MAX];
	int64_t jose = add_person(f, &f->cw, "José  García", "1987-03-14");
	int64_t maria = add_person(f, &f->cw, "Maria Garcia Lopez", "1990");
	int64_t theirs = add_person(f, &f->other, "Jose Garcia", "1987-03-14");
	(void)theirs;

	struct {
		const char *name, *dob;
		size_t n;
		int64_t first;
	} cases[] = {
	    {"jose garcia", NULL, 1, jose},
	    {"JOSÉ GARCÍA", NULL, 1, jose},
	    {"José García", NULL, 1, jose},
	    {"Jose\xcc\x81 Garci\xcc\x81"
	     "a",
	     NULL, 1, jose},
	    {"garcia jose", NULL, 1, jose},
	    {"garcia", NULL, 2, maria},
	    {"García", "1990", 1, maria},
	    {NULL, "1987-03-14", 1, jose},
	    {NULL, "1987-03", 1, jose},
	    {NULL, "1987", 1, jose},
	    {"jose", "1987-03-15", 0, 0},
	    {"jose lopez", NULL, 0, 0},
	    {"maria lopez", NULL, 1, maria},
	    {"Garcia Lopez Maria", NULL, 1, maria},
	    {"josefina", NULL, 0, 0},
	};
	for (size_t i = 0; i < N(cases); i++) {
		size_t n = find(f, &f->cw, cases[i].name, cases[i].dob, ids);
		if (n != cases[i].n || (n && ids[0] != cases[i].first))
			fail_msg(
			    "case %zu ('%s', %s): %zu found (first %lld), want %zu (first %lld)", i,
			    cases[i].name ? cases[i].name : "", cases[i].dob ? cases[i].dob : "-",
			    n, n ? (long long)ids[0] : 0LL, cases[i].n, (long long)cases[i].first);
	}
	/* each match is audited, with the purpose */
	find(f, &f->cw, "jose garcia", NULL, ids);
	char want[128];
	snprintf(want, sizeof(want), "user:1 person.search person:%lld %lld looking for a match",
	         (long long)jose, (long long)jose);
	assert_string_equal(last_audit(f->s), want);
	/* the other agency finds only its own */
	assert_int_equal(find(f, &f->other, "jose garcia", NULL, ids), 1);
	assert_int_equal(ids[0], theirs);
	/* a page at a time, newest first: only what is returned is audited */
	struct store_person_query q = {"garcia", 6, {0, 0, 0}, "paging", 0, 1};
	size_t n;
	bool more;
	long before =
	    store_fixture_count(f->s, "SELECT count(*) FROM audit WHERE action = 'person.search'");
	assert_st(store_person_find(f->s, &f->kr, &f->cw, &q, ids, &n, &more, &e), LT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], maria);
	assert_true(more);
	q.before = ids[0];
	assert_st(store_person_find(f->s, &f->kr, &f->cw, &q, ids, &n, &more, &e), LT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], jose);
	assert_false(more);
	assert_int_equal(
	    store_fixture_count(f->s, "SELECT count(*) FROM audit WHERE action = 'person.search'"),
	    before + 2);

	/* roles that may not read persons may not search them */
	q = (struct store_person_query){"jose", 4, {0, 0, 0}, "x", 0, 0};
	assert_st(store_person_find(f->s, &f->kr, &f->analyst, &q, ids, &n, NULL, &e),
	          LT_EFORBIDDEN);
	q.purpose = NULL;
	assert_st(store_person_find(f->s, &f->kr, &f->cw, &q, ids, &n, NULL, &e), LT_EINVAL);
	assert_string_equal(e.field, "purpose");
	q.purpose = "x";
	q.name = "--";
	q.name_len = 2;
	assert_st(store_person_find(f->s, &f->kr, &f->cw, &q, ids, &n, NULL, &e), LT_EINVAL);
	assert_string_equal(e.field, "name");

	/* a change of name moves the index */
	struct one_patch op;
	assert_st(store_person_update(f->s, &f->kr, &f->cw, jose,
	                              patch1(&op, lt_person_fields, lt_person_field_count, "name",
	                                     "Josep Garcia i Puig"),
	                              &today, NULL, &e),
	          LT_OK);
	assert_int_equal(find(f, &f->cw, "jose garcia", NULL, ids), 0);
	assert_int_equal(find(f, &f->cw, "josep puig", NULL, ids), 1);
	/* the index holds hashes only: 16 bytes each, under key 1 */
	assert_string_equal(store_fixture_query(f->s, "SELECT count(*) FROM person_index WHERE "
	                                              "length(hash) != 16 OR master_key_id != 1"),
	                    "0");
	chain_intact(f->s);
}

/* ---- no plaintext in the files ---------------------------------------------------- */

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	*len = 0;
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return b;
}

static bool bytes_contain(const unsigned char *hay, size_t n, const void *needle, size_t nl)
{
	for (size_t i = 0; nl && i + nl <= n; i++)
		if (memcmp(hay + i, needle, nl) == 0)
			return true;
	return false;
}

/* The database file and its WAL, as they are on disk now. */
static void files_must_not_contain(struct fixture *f, const char *const *needles, size_t n)
{
	const char *suffix[] = {"", "-wal", "-journal"};
	for (size_t k = 0; k < N(suffix); k++) {
		char path[1100];
		size_t len;
		snprintf(path, sizeof(path), "%s%s", f->path, suffix[k]);
		unsigned char *b = slurp(path, &len);
		if (!b)
			continue;
		for (size_t i = 0; i < n; i++)
			if (bytes_contain(b, len, needles[i], strlen(needles[i])))
				fail_msg("%s holds \"%s\"", path, needles[i]);
		free(b);
	}
}

static void test_no_plaintext(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_person rec;
	struct lt_referral r;
	const char *spec[] = {"name=Zbigniewa Qwertyuiopowska",
	                      "aliases=Xanthippe Vulpecula",
	                      "dob=1983-07-29",
	                      "contact=Flat 9, 77 Quixotic Lane",
	                      "nationality=PL",
	                      "languages=pl"};
	person_make(&rec, spec, N(spec));
	assert_st(store_person_add(f->s, &f->kr, &f->cw, &rec, &e), LT_OK);
	lt_referral_init(&r);
	r.person_id = rec.id;
	r.date = (struct lt_date){2024, 3, 2};
	r.forms = 1u << LT_FORM_DOMESTIC_SERVITUDE;
	assert_int_equal(lt_referral_fields[8].parse(&r, "Needs a Kashubian interpreter", 29, &e),
	                 LT_OK);
	assert_int_equal(lt_referral_fields[9].parse(&r, "Plate KX19 ZZQ seen twice", 25, &e),
	                 LT_OK);
	assert_st(store_referral_add(f->s, &f->kr, &f->cw, &r, &e), LT_OK);
	struct lt_person got;
	assert_st(store_person_get(f->s, &f->kr, &f->cw, rec.id, "a purpose", &got, &e), LT_OK);
	lt_person_release(&got);
	struct one_patch op;
	assert_st(store_person_update(
	              f->s, &f->kr, &f->cw, rec.id,
	              patch1(&op, lt_person_fields, lt_person_field_count, "sex", "female"), &today,
	              NULL, &e),
	          LT_OK);

	const char *needles[] = {"Zbigniewa", "Qwertyuiopowska", "qwertyuiopowska", "zbigniewa",
	                         "Xanthippe", "xanthippe",       "Vulpecula",       "1983-07-29",
	                         "1983-07",   "Quixotic",        "Kashubian",       "KX19",
	                         "Flat 9"};
	/* while it is open (WAL and all), and after it is closed */
	files_must_not_contain(f, needles, N(needles));
	store_close(f->s);
	f->s = NULL;
	files_must_not_contain(f, needles, N(needles));
	store_fixture_reopen(f->path, &f->s);
	lt_person_release(&rec);
	lt_referral_release(&r);
}

/* ---- rotation ----------------------------------------------------------------------- */

#define ROTATE_PERSONS 150

static void check_all(struct fixture *f, const struct lt_crypto_keyring *kr, const int64_t *ids,
                      size_t n)
{
	struct lt_error e = {0};
	for (size_t i = 0; i < n; i++) {
		struct lt_person got;
		char want[64];
		assert_st(store_person_get(f->s, kr, &f->cw, ids[i], "rotation check", &got, &e),
		          LT_OK);
		snprintf(want, sizeof(want), "Person Number%zu", i);
		assert_string_equal(got.name, want);
		lt_person_release(&got);
	}
}

static void test_rotation(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	int64_t ids[ROTATE_PERSONS], found[LT_PERSON_FIND_MAX];
	struct lt_referral r, got;
	size_t done = 0, left = 0;

	for (size_t i = 0; i < ROTATE_PERSONS; i++) {
		char name[64];
		snprintf(name, sizeof(name), "Person Number%zu", i);
		ids[i] = add_person(f, &f->cw, name, i % 2 ? "1999-09-09" : NULL);
	}
	lt_referral_init(&r);
	r.person_id = ids[3];
	r.date = (struct lt_date){2024, 1, 0};
	r.forms = 1;
	assert_int_equal(lt_referral_fields[8].parse(&r, "support across a rotation", 25, &e),
	                 LT_OK);
	assert_st(store_referral_add(f->s, &f->kr, &f->cw, &r, &e), LT_OK);

	/* nothing to do under one key: the rotation ends at once */
	assert_st(store_data_keys_rotate(f->s, &f->kr, "test", 0, &done, &left, &e), LT_OK);
	assert_int_equal(done, 0);
	assert_int_equal(left, 0);

	/* a second key; rotate 70 of 150 and stop, as if interrupted */
	struct lt_crypto_keyring kr2 = f->kr;
	assert_int_equal(lt_crypto_keyring_add(&kr2, &e), LT_OK);
	assert_st(store_data_keys_rotate(f->s, &kr2, "test", 70, &done, &left, &e), LT_OK);
	assert_int_equal(done, 70);
	assert_int_equal(left, ROTATE_PERSONS - 70);
	assert_string_equal(
	    store_fixture_query(f->s, "SELECT count(*) FROM persons WHERE master_key_id = 2"),
	    "70");
	assert_string_equal(store_fixture_query(f->s, "SELECT count(*) FROM audit WHERE action = "
	                                              "'datakey.rotate'"),
	                    "2"); /* a batch of 64 and one of 6 */
	/* the old key file is refused now: a newer key exists */
	struct lt_person p;
	lt_person_init(&p);
	assert_int_equal(lt_person_fields[0].parse(&p, "Late Writer", 11, &e), LT_OK);
	assert_st(store_person_add(f->s, &f->kr, &f->cw, &p, &e), LT_ECRYPTO);
	assert_contains(e.message, "newer data key (2)");

	/* interrupted: the store is closed and opened again */
	store_close(f->s);
	store_fixture_reopen(f->path, &f->s);
	struct store_key_status ks;
	assert_st(store_data_keys_status(f->s, &kr2, &ks, &e), LT_OK);
	assert_int_equal(ks.n, 2);
	assert_int_equal(ks.keys[0].persons, ROTATE_PERSONS - 70);
	assert_int_equal(ks.keys[1].persons, 70);
	assert_true(ks.keys[0].check_ok && ks.keys[1].check_ok);
	assert_string_equal(ks.keys[0].retired_at, "");
	assert_int_equal(ks.not_current, ROTATE_PERSONS - 70);

	/* meanwhile every person opens and is found, under either key */
	check_all(f, &kr2, ids, ROTATE_PERSONS);
	f->kr = kr2; /* find() uses the fixture's ring */
	assert_int_equal(find(f, &f->cw, "person number3", NULL, found), 1);
	assert_int_equal(found[0], ids[3]);
	assert_int_equal(find(f, &f->cw, "person number149", "1999", found), 1);
	assert_int_equal(find(f, &f->cw, "person number0", NULL, found), 1);
	assert_int_equal(find(f, &f->cw, "number149", "1999-09-09", found), 1);
	/* and new persons go under the new key */
	assert_st(store_person_add(f->s, &kr2, &f->cw, &p, &e), LT_OK);
	lt_person_release(&p);

	/* resume: the rest, then key 1 is retired */
	assert_st(store_data_keys_rotate(f->s, &kr2, "test", 0, &done, &left, &e), LT_OK);
	assert_int_equal(done, ROTATE_PERSONS - 70);
	assert_int_equal(left, 0);
	assert_st(store_data_keys_status(f->s, &kr2, &ks, &e), LT_OK);
	assert_true(ks.keys[0].retired_at[0] != '\0');
	assert_int_equal(ks.keys[0].persons, 0);
	assert_int_equal(ks.not_current, 0);
	assert_contains(last_audit(f->s), "datakey.retire key:1");

	/* the key file may now drop key 1: everything opens with key 2 alone */
	struct lt_crypto_keyring kr3 = kr2;
	lt_crypto_keyring_keep_current(&kr3);
	assert_int_equal(kr3.n, 1);
	check_all(f, &kr3, ids, ROTATE_PERSONS);
	assert_st(store_referral_get(f->s, &kr3, &f->cw, r.id, "rotation check", &got, &e), LT_OK);
	assert_string_equal(got.support_needs, "support across a rotation");
	lt_referral_release(&got);
	f->kr = kr3;
	assert_int_equal(find(f, &f->cw, "Person Number3", NULL, found), 1);
	assert_string_equal(store_fixture_query(f->s, "SELECT count(*) FROM person_index WHERE "
	                                              "master_key_id != 2"),
	                    "0");
	/* a process with key 1 only is refused, by name */
	struct lt_crypto_keyring kr1 = kr2;
	kr1.n = 1;
	struct lt_person got_p;
	assert_st(store_person_get(f->s, &kr1, &f->cw, ids[0], "x", &got_p, &e), LT_ECRYPTO);
	assert_contains(e.message, "sealed under data key 2");
	/* running the rotation again does nothing */
	assert_st(store_data_keys_rotate(f->s, &kr3, "test", 0, &done, &left, &e), LT_OK);
	assert_int_equal(done, 0);
	chain_intact(f->s);
	lt_referral_release(&r);
	lt_crypto_keyring_wipe(&kr1);
	lt_crypto_keyring_wipe(&kr2);
	lt_crypto_keyring_wipe(&kr3);
}

/* ---- erasure ------------------------------------------------------------------------- */

static void hex_to_bytes(const char *hex, unsigned char *out, size_t *n)
{
	*n = 0;
	for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
		unsigned v;
		assert_int_equal(sscanf(hex + i, "%2x", &v), 1);
		out[(*n)++] = (unsigned char)v;
	}
}

static void test_erase(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_person got;
	struct lt_referral r, rgot;
	int64_t found[LT_PERSON_FIND_MAX];
	char sql[256];
	int64_t id = add_person(f, &f->cw, "Fatima Farouk", "1994-12-01");
	int64_t keep = add_person(f, &f->cw, "Grace Green", NULL);

	lt_referral_init(&r);
	r.person_id = id;
	r.date = (struct lt_date){2024, 2, 2};
	r.forms = 1;
	assert_int_equal(lt_referral_fields[7].parse(&r, "notes about Fatima", 18, &e), LT_OK);
	assert_st(store_referral_add(f->s, &f->kr, &f->cw, &r, &e), LT_OK);

	unsigned char wrapped[128];
	size_t wlen;
	snprintf(sql, sizeof(sql), "SELECT hex(key_wrapped) FROM persons WHERE id = %lld",
	         (long long)id);
	hex_to_bytes(store_fixture_query(f->s, sql), wrapped, &wlen);
	assert_int_equal(wlen, 72);

	assert_st(store_person_erase(f->s, &f->admin, id, NULL, &e), LT_EINVAL);
	assert_string_equal(e.field, "reason");
	assert_st(store_person_erase(f->s, &f->admin, id, "erasure request 2024/7", &e), LT_OK);
	char want[128];
	snprintf(want, sizeof(want), "user:4 person.erase person:%lld %lld erasure request 2024/7",
	         (long long)id, (long long)id);
	assert_string_equal(last_audit(f->s), want);
	long before = store_fixture_count(f->s, "SELECT count(*) FROM audit");
	assert_st(store_person_erase(f->s, &f->admin, id, "again", &e), LT_OK);
	assert_int_equal(store_fixture_count(f->s, "SELECT count(*) FROM audit"), before);

	/* nothing of it opens; it is found no more; the row and links stay */
	assert_st(store_person_get(f->s, &f->kr, &f->cw, id, "after erasure", &got, &e), LT_OK);
	assert_true(got.erased);
	assert_null(got.name);
	assert_int_equal(got.dob.year, 0);
	assert_int_equal(got.id, id);
	lt_person_release(&got);
	assert_st(store_referral_get(f->s, &f->kr, &f->cw, r.id, "after erasure", &rgot, &e),
	          LT_OK);
	assert_true(rgot.erased);
	assert_null(rgot.notes);
	assert_int_equal(rgot.person_id, id);
	assert_int_equal(rgot.forms, 1);
	lt_referral_release(&rgot);
	assert_int_equal(find(f, &f->cw, "fatima farouk", NULL, found), 0);
	assert_int_equal(find(f, &f->cw, NULL, "1994-12-01", found), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM person_index WHERE person_id = %lld",
	         (long long)id);
	assert_string_equal(store_fixture_query(f->s, sql), "0");
	/* it cannot be changed, nor referred again */
	struct one_patch op;
	assert_st(store_person_update(
	              f->s, &f->kr, &f->cw, id,
	              patch1(&op, lt_person_fields, lt_person_field_count, "sex", "female"), &today,
	              NULL, &e),
	          LT_EINVAL);
	assert_st(store_referral_add(f->s, &f->kr, &f->cw, &r, &e), LT_EINVAL);
	assert_string_equal(e.field, "person");
	/* the others are untouched */
	assert_st(store_person_get(f->s, &f->kr, &f->cw, keep, "check", &got, &e), LT_OK);
	assert_string_equal(got.name, "Grace Green");
	lt_person_release(&got);

	/* the destroyed key is in neither file once the log is checkpointed */
	store_close(f->s);
	f->s = NULL;
	const char *suffix[] = {"", "-wal"};
	for (size_t k = 0; k < N(suffix); k++) {
		char path[1100];
		size_t len;
		snprintf(path, sizeof(path), "%s%s", f->path, suffix[k]);
		unsigned char *b = slurp(path, &len);
		if (!b)
			continue;
		if (bytes_contain(b, len, wrapped, wlen))
			fail_msg("%s still holds the erased person's wrapped key", path);
		free(b);
	}
	store_fixture_reopen(f->path, &f->s);
	chain_intact(f->s);
	lt_referral_release(&r);
}

/* ---- referrals, cases, arrests ---------------------------------------------------------- */

static void test_referrals(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_referral r, got;
	struct lt_diags d;
	struct one_patch op;
	int64_t person = add_person(f, &f->cw, "Hana Horvat", NULL);
	int64_t theirs = add_person(f, &f->other, "Ivan Ivanov", NULL);

	lt_referral_init(&r);
	r.person_id = person;
	r.date = (struct lt_date){2024, 4, 30};
	r.forms = (1u << LT_FORM_LABOUR_EXPLOITATION) | (1u << LT_FORM_FORCED_CRIMINALITY);
	r.place = LT_PLACE_LOCAL;
	r.district = lt_vocab_find(&lt_vocab_district, "watford", 7);
	assert_int_equal(lt_referral_fields[8].parse(&r, "housing", 7, &e), LT_OK);
	assert_int_equal(lt_referral_fields[9].parse(&r, "seen with a known associate", 27, &e),
	                 LT_OK);
	assert_st(store_referral_add(f->s, &f->kr, &f->cw, &r, &e), LT_OK);
	char want[128];
	snprintf(want, sizeof(want), "user:1 referral.create referral:%lld %lld ", (long long)r.id,
	         (long long)person);
	assert_string_equal(last_audit(f->s), want);

	assert_st(store_referral_get(f->s, &f->kr, &f->cw2, r.id, "triage", &got, &e), LT_OK);
	snprintf(want, sizeof(want), "user:2 referral.read referral:%lld %lld triage",
	         (long long)r.id, (long long)person);
	assert_string_equal(last_audit(f->s), want);
	assert_int_equal(got.person_id, person);
	assert_int_equal(got.forms, r.forms);
	assert_int_equal(got.place, LT_PLACE_LOCAL);
	assert_int_equal(got.district, r.district);
	assert_string_equal(got.support_needs, "housing");
	assert_string_equal(got.police_intelligence, "seen with a known associate");
	assert_null(got.notes);
	assert_string_equal(got.agency, "herts_police");
	lt_referral_release(&got);

	/* a change; the person cannot change */
	lt_diags_init(&d);
	assert_st(store_referral_update(f->s, &f->kr, &f->cw, r.id,
	                                patch1(&op, lt_referral_fields, lt_referral_field_count,
	                                       "notes", "called back on 2 May"),
	                                &today, &d, &e),
	          LT_OK);
	char other_id[32];
	snprintf(other_id, sizeof(other_id), "%lld", (long long)theirs);
	assert_st(store_referral_update(
	              f->s, &f->kr, &f->cw, r.id,
	              patch1(&op, lt_referral_fields, lt_referral_field_count, "person", other_id),
	              &today, &d, &e),
	          LT_EINVAL);
	assert_string_equal(e.field, "person");
	lt_diags_release(&d);
	lt_diags_init(&d);
	assert_st(store_referral_update(
	              f->s, &f->kr, &f->cw, r.id,
	              patch1(&op, lt_referral_fields, lt_referral_field_count, "place", "abroad"),
	              &today, &d, &e),
	          LT_EINVAL);
	assert_int_equal(d.count, 2); /* district must go, country must come */
	lt_diags_release(&d);
	assert_st(store_referral_get(f->s, &f->kr, &f->cw, r.id, "check", &got, &e), LT_OK);
	assert_string_equal(got.notes, "called back on 2 May");
	assert_string_equal(got.support_needs, "housing");
	lt_referral_release(&got);

	/* another agency's referral is not there; another agency's person
	 * cannot be referred */
	assert_st(store_referral_get(f->s, &f->kr, &f->other, r.id, "x", &got, &e), LT_ENOTFOUND);
	struct lt_referral bad = r;
	bad.notes = bad.support_needs = bad.police_intelligence = NULL;
	bad.person_id = theirs;
	assert_st(store_referral_add(f->s, &f->kr, &f->cw, &bad, &e), LT_EINVAL);
	assert_string_equal(e.field, "person");
	assert_contains(e.message, "that you can see");
	bad.person_id = person;
	bad.case_id = 999;
	assert_st(store_referral_add(f->s, &f->kr, &f->cw, &bad, &e), LT_EINVAL);
	assert_string_equal(e.field, "case");
	assert_st(store_referral_add(f->s, &f->kr, &f->analyst, &bad, &e), LT_EFORBIDDEN);
	lt_referral_release(&r);
}

static void test_cases(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_case c, got;
	struct lt_diags d;
	struct one_patch op;
	int64_t a = add_person(f, &f->cw, "Jana Novak", NULL);
	int64_t b = add_person(f, &f->cw, "Karel Novak", NULL);
	int64_t theirs = add_person(f, &f->other, "Lena Petrova", NULL);

	lt_case_init(&c);
	snprintf(c.ref, sizeof(c.ref), "HC/2024/17");
	c.opened = (struct lt_date){2024, 1, 3};
	c.forms = 1u << LT_FORM_SEXUAL_EXPLOITATION;
	c.persons[0] = a;
	c.persons[1] = b;
	c.n_persons = 2;
	assert_st(store_case_open(f->s, &f->cw, &c, &e), LT_OK);
	assert_true(c.id > 0);
	assert_string_equal(c.agency, "herts_police");
	char want[128];
	/* one entry for each person the case names, the last for b */
	snprintf(want, sizeof(want), "user:1 case.create case:%lld %lld ", (long long)c.id,
	         (long long)b);
	assert_string_equal(last_audit(f->s), want);

	assert_st(store_case_get(f->s, &f->cw, c.id, NULL, &got, &e), LT_EINVAL);
	assert_st(store_case_get(f->s, &f->cw, c.id, "review", &got, &e), LT_OK);
	assert_string_equal(got.ref, "HC/2024/17");
	assert_int_equal(got.status, LT_CASE_STATUS_OPEN);
	assert_int_equal(got.n_persons, 2);
	assert_int_equal(got.persons[0], a);
	assert_int_equal(got.forms, c.forms);
	assert_contains(last_audit(f->s), "case.read");

	/* close it */
	struct lt_patch_item items[2];
	const char *v1 = "closed", *v2 = "2024-04-01";
	size_t l1 = 6, l2 = 10;
	items[0] = (struct lt_patch_item){
	    lt_pfield_find(lt_case_fields, lt_case_field_count, "status", 6), &v1, &l1, 1};
	items[1] = (struct lt_patch_item){
	    lt_pfield_find(lt_case_fields, lt_case_field_count, "closed", 6), &v2, &l2, 1};
	struct lt_patch pt = {items, 2};
	lt_diags_init(&d);
	assert_st(store_case_update(f->s, &f->cw, c.id, &pt, &today, &d, &e), LT_OK);
	assert_st(store_case_get(f->s, &f->cw, c.id, "review", &got, &e), LT_OK);
	assert_int_equal(got.status, LT_CASE_STATUS_CLOSED);
	assert_int_equal(got.closed.month, 4);
	/* half of it breaks a rule */
	assert_st(
	    store_case_update(f->s, &f->cw, c.id,
	                      patch1(&op, lt_case_fields, lt_case_field_count, "closed", NULL),
	                      &today, &d, &e),
	    LT_EINVAL);
	assert_string_equal(e.field, "closed");
	lt_diags_release(&d);

	/* persons of another agency cannot be linked; references are unique */
	struct lt_case c2;
	lt_case_init(&c2);
	snprintf(c2.ref, sizeof(c2.ref), "HC/2024/18");
	c2.opened = (struct lt_date){2024, 2, 0};
	c2.persons[0] = theirs;
	c2.n_persons = 1;
	assert_st(store_case_open(f->s, &f->cw, &c2, &e), LT_EINVAL);
	assert_string_equal(e.field, "persons");
	c2.n_persons = 0;
	snprintf(c2.ref, sizeof(c2.ref), "HC/2024/17");
	assert_st(store_case_open(f->s, &f->cw, &c2, &e), LT_EEXIST);
	assert_string_equal(e.field, "ref");
	/* invisible to another agency */
	assert_st(store_case_get(f->s, &f->other, c.id, "x", &got, &e), LT_ENOTFOUND);
	assert_st(store_case_update(f->s, &f->other, c.id, &pt, &today, NULL, &e), LT_ENOTFOUND);
	assert_st(store_case_open(f->s, &f->analyst, &c2, &e), LT_EFORBIDDEN);

	/* arrests name the case; only the police role records them */
	struct lt_arrest ar, agot;
	lt_arrest_init(&ar);
	ar.date = (struct lt_date){2024, 4, 2};
	ar.offence = LT_OFFENCE_SLAVERY_SERVITUDE;
	snprintf(ar.case_ref, sizeof(ar.case_ref), "HC/2024/17");
	assert_st(store_arrest_add(f->s, &f->cw, &ar, &e), LT_EFORBIDDEN);
	assert_st(store_arrest_add(f->s, &f->police, &ar, &e), LT_OK);
	assert_true(ar.id > 0);
	assert_string_equal(ar.agency, "herts_police");
	snprintf(want, sizeof(want), "token:1 arrest.create arrest:%lld 0 ", (long long)ar.id);
	assert_string_equal(last_audit(f->s), want);
	assert_st(store_arrest_get(f->s, &f->police, ar.id, &agot, &e), LT_OK);
	assert_string_equal(agot.case_ref, "HC/2024/17");
	assert_int_equal(agot.offence, LT_OFFENCE_SLAVERY_SERVITUDE);
	assert_int_equal(agot.date.day, 2);
	assert_st(store_arrest_get(f->s, &f->cw, ar.id, &agot, &e), LT_EFORBIDDEN);
	struct lt_principal police2 = {LT_PRINCIPAL_TOKEN, 2, f->charity_id, LT_ROLE_POLICE};
	assert_st(store_arrest_get(f->s, &police2, ar.id, &agot, &e), LT_ENOTFOUND);
	snprintf(ar.case_ref, sizeof(ar.case_ref), "NOPE/1");
	assert_st(store_arrest_add(f->s, &f->police, &ar, &e), LT_EINVAL);
	assert_string_equal(e.field, "case");
	/* the arrest statistics count it */
	struct store_arrest_count *counts = NULL;
	size_t n = 0;
	assert_int_equal(store_arrest_counts(f->s, &counts, &n, &e), LT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(counts[0].year, 2024);
	free(counts);
	chain_intact(f->s);
}

/* ---- sharing --------------------------------------------------------------------------- */

static void share_make(struct lt_share *sh, int64_t person, const char *to, int kind,
                       unsigned classes)
{
	lt_share_init(sh);
	sh->person_id = person;
	snprintf(sh->to_agency, sizeof(sh->to_agency), "%s", to);
	sh->kind = kind;
	sh->classes = classes;
	sh->basis = LT_BASIS_CONSENT;
	sh->consent_by = lt_vocab_find(&lt_vocab_consent_by, "person", 6);
	sh->consent_at = (struct lt_date){2024, 4, 1};
	snprintf(sh->purpose, sizeof(sh->purpose), "support and accommodation");
}

static void test_sharing(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_person got;
	struct lt_referral r, rgot;
	struct lt_share sh;
	struct one_patch op;
	int64_t found[LT_PERSON_FIND_MAX];
	struct lt_person rec;
	const char *spec[] = {"name=Olena Kovalenko", "dob=1991", "contact=+44 7700 900456",
	                      "safe_to_contact=true"};
	person_make(&rec, spec, N(spec));
	assert_st(store_person_add(f->s, &f->kr, &f->cw, &rec, &e), LT_OK);
	int64_t id = rec.id;
	lt_person_release(&rec);
	lt_referral_init(&r);
	r.person_id = id;
	r.date = (struct lt_date){2024, 4, 2};
	r.forms = 1u << LT_FORM_LABOUR_EXPLOITATION;
	assert_int_equal(lt_referral_fields[7].parse(&r, "met twice", 9, &e), LT_OK);
	assert_int_equal(lt_referral_fields[8].parse(&r, "a safe house", 12, &e), LT_OK);
	assert_int_equal(lt_referral_fields[9].parse(&r, "linked to a gang", 16, &e), LT_OK);
	assert_st(store_referral_add(f->s, &f->kr, &f->cw, &r, &e), LT_OK);

	/* before any share the charity sees nothing */
	assert_st(store_person_get(f->s, &f->kr, &f->other, id, "support", &got, &e), LT_ENOTFOUND);
	assert_int_equal(find(f, &f->other, "olena kovalenko", NULL, found), 0);

	/* police intelligence never goes to a charity */
	share_make(&sh, id, "unseen", LT_SHARE_REFER,
	           (1u << LT_DATA_IDENTITY) | (1u << LT_DATA_INTELLIGENCE));
	assert_st(store_share_create(f->s, &f->cw, &sh, &e), LT_EINVAL);
	assert_string_equal(e.field, "classes");
	/* a share needs its basis */
	share_make(&sh, id, "unseen", LT_SHARE_REFER, 1u << LT_DATA_IDENTITY);
	sh.consent_by = -1;
	assert_st(store_share_create(f->s, &f->cw, &sh, &e), LT_EINVAL);
	assert_string_equal(e.field, "consent_by");
	share_make(&sh, id, "nowhere", LT_SHARE_REFER, 1u << LT_DATA_IDENTITY);
	assert_st(store_share_create(f->s, &f->cw, &sh, &e), LT_EINVAL);
	assert_string_equal(e.field, "to_agency");
	share_make(&sh, id, "herts_police", LT_SHARE_REFER, 1u << LT_DATA_IDENTITY);
	assert_st(store_share_create(f->s, &f->cw, &sh, &e), LT_EINVAL);
	/* the analyst may never share; another agency does not see the person */
	share_make(&sh, id, "unseen", LT_SHARE_REFER, 1u << LT_DATA_IDENTITY);
	assert_st(store_share_create(f->s, &f->analyst, &sh, &e), LT_EFORBIDDEN);
	assert_st(store_share_create(f->s, &f->other, &sh, &e), LT_ENOTFOUND);

	/* referred: identity and support, with the person's consent */
	share_make(&sh, id, "unseen", LT_SHARE_REFER,
	           (1u << LT_DATA_IDENTITY) | (1u << LT_DATA_SUPPORT));
	assert_st(store_share_create(f->s, &f->cw, &sh, &e), LT_OK);
	assert_true(sh.id > 0);
	assert_string_equal(sh.from_agency, "herts_police");
	char want[160];
	snprintf(want, sizeof(want),
	         "user:1 share.create share:%lld %lld support and accommodation", (long long)sh.id,
	         (long long)id);
	assert_string_equal(last_audit(f->s), want);
	int64_t share_id = sh.id;

	/* the charity reads what is shared and nothing else */
	assert_st(store_person_get(f->s, &f->kr, &f->other, id, "support", &got, &e), LT_OK);
	assert_string_equal(got.name, "Olena Kovalenko");
	assert_int_equal(got.dob.year, 1991);
	assert_null(got.contact);          /* contact not shared */
	assert_false(got.safe_to_contact); /* nor whether it is safe */
	lt_person_release(&got);
	assert_st(store_referral_get(f->s, &f->kr, &f->other, r.id, "support", &rgot, &e), LT_OK);
	assert_string_equal(rgot.support_needs, "a safe house");
	assert_string_equal(rgot.notes, "met twice");
	assert_null(rgot.police_intelligence); /* a charity never sees intelligence */
	lt_referral_release(&rgot);
	/* the owner still sees everything */
	assert_st(store_referral_get(f->s, &f->kr, &f->cw2, r.id, "check", &rgot, &e), LT_OK);
	assert_string_equal(rgot.police_intelligence, "linked to a gang");
	lt_referral_release(&rgot);
	/* found by name; but it may read, not change, nor share on */
	assert_int_equal(find(f, &f->other, "olena kovalenko", NULL, found), 1);
	assert_st(store_person_update(
	              f->s, &f->kr, &f->other, id,
	              patch1(&op, lt_person_fields, lt_person_field_count, "sex", "female"), &today,
	              NULL, &e),
	          LT_EFORBIDDEN);
	struct lt_share again;
	share_make(&again, id, "herts_police", LT_SHARE_REFER, 1u << LT_DATA_IDENTITY);
	assert_st(store_share_create(f->s, &f->other, &again, &e), LT_EFORBIDDEN);

	/* the shares of the person: all for the owner, its own for the receiver */
	struct lt_share *list = NULL;
	size_t n = 0;
	assert_st(store_share_list(f->s, &f->cw, id, &list, &n, &e), LT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].kind, LT_SHARE_REFER);
	assert_string_equal(list[0].to_agency, "unseen");
	assert_int_equal(list[0].classes, (1u << LT_DATA_IDENTITY) | (1u << LT_DATA_SUPPORT));
	assert_int_equal(list[0].consent_at.month, 4);
	assert_string_equal(list[0].revoked_at, "");
	free(list);
	assert_st(store_share_list(f->s, &f->other, id, &list, &n, &e), LT_OK);
	assert_int_equal(n, 1);
	free(list);
	/* the owner's administrator, who shares and revokes but reads no
	 * person, sees them too; another agency's administrator sees nothing */
	assert_st(store_share_list(f->s, &f->admin, id, &list, &n, &e), LT_OK);
	assert_int_equal(n, 1);
	free(list);
	struct lt_principal other_admin = f->other;
	other_admin.role = LT_ROLE_AGENCY_ADMIN;
	assert_st(store_share_list(f->s, &other_admin, id, &list, &n, &e), LT_ENOTFOUND);
	assert_st(store_share_list(f->s, &f->analyst, id, &list, &n, &e), LT_EFORBIDDEN);
	/* read to be shown: the same shares, audited about the person; the
	 * plain list (a check) writes nothing, nor does a refused read */
	char last[512];
	snprintf(last, sizeof(last), "%s", last_audit(f->s));
	assert_st(store_share_read(f->s, &f->other, id, &list, &n, &e), LT_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].to_agency, "unseen");
	free(list);
	snprintf(want, sizeof(want), "user:3 share.list person:%lld %lld ", (long long)id,
	         (long long)id);
	assert_string_equal(last_audit(f->s), want);
	assert_st(store_share_read(f->s, &other_admin, id, &list, &n, &e), LT_ENOTFOUND);
	assert_null(list);
	assert_st(store_share_read(f->s, &f->analyst, id, &list, &n, &e), LT_EFORBIDDEN);
	assert_st(store_share_list(f->s, &f->cw, id, &list, &n, &e), LT_OK);
	free(list);
	assert_string_equal(last_audit(f->s), want);
	assert_string_not_equal(last, want);
	chain_intact(f->s);

	/* a share of support alone does not let the receiver find the person */
	struct lt_principal nca = {LT_PRINCIPAL_USER, 9, 0, LT_ROLE_POLICE};
	struct lt_agency a3 = {0, "nca", "National Crime Agency", LT_AGENCY_KIND_NATIONAL_AGENCY};
	assert_int_equal(store_agency_add(f->s, &a3, "test", &e), LT_OK);
	nca.agency_id = a3.id;
	share_make(&sh, id, "nca", LT_SHARE_REFER, 1u << LT_DATA_INTELLIGENCE);
	sh.basis = LT_BASIS_LAWFUL_REASON;
	sh.consent_by = -1;
	sh.consent_at = (struct lt_date){0, 0, 0};
	sh.lawful_reason =
	    lt_vocab_find(&lt_vocab_lawful_reason, "prevention_or_detection_of_crime", 32);
	assert_st(store_share_create(f->s, &f->cw, &sh, &e), LT_OK);
	assert_int_equal(find(f, &nca, "olena kovalenko", NULL, found), 0);
	assert_st(store_person_get(f->s, &f->kr, &nca, id, "investigation", &got, &e), LT_OK);
	assert_null(got.name);
	lt_person_release(&got);
	assert_st(store_referral_get(f->s, &f->kr, &nca, r.id, "investigation", &rgot, &e), LT_OK);
	assert_string_equal(rgot.police_intelligence, "linked to a gang");
	assert_null(rgot.support_needs);
	lt_referral_release(&rgot);

	/* revoking: not by another caseworker (own scope), by its maker */
	assert_st(store_share_revoke(f->s, &f->cw2, share_id, &e), LT_EFORBIDDEN);
	assert_st(store_share_revoke(f->s, &f->other, share_id, &e), LT_ENOTFOUND);
	assert_st(store_share_revoke(f->s, &f->cw, share_id, &e), LT_OK);
	snprintf(want, sizeof(want), "user:1 share.revoke share:%lld %lld ", (long long)share_id,
	         (long long)id);
	assert_string_equal(last_audit(f->s), want);
	long before = store_fixture_count(f->s, "SELECT count(*) FROM audit");
	assert_st(store_share_revoke(f->s, &f->admin, share_id, &e), LT_OK); /* already: no-op */
	assert_int_equal(store_fixture_count(f->s, "SELECT count(*) FROM audit"), before);
	assert_st(store_person_get(f->s, &f->kr, &f->other, id, "support", &got, &e), LT_ENOTFOUND);
	assert_st(store_referral_get(f->s, &f->kr, &f->other, r.id, "support", &rgot, &e),
	          LT_ENOTFOUND);
	assert_st(store_share_revoke(f->s, &f->cw, 99999, &e), LT_ENOTFOUND);

	/* transferred: the charity owns it now, the police no longer see it */
	share_make(&sh, id, "unseen", LT_SHARE_TRANSFER, 0);
	assert_st(store_share_create(f->s, &f->cw, &sh, &e), LT_OK);
	assert_st(store_person_get(f->s, &f->kr, &f->other, id, "support", &got, &e), LT_OK);
	assert_string_equal(got.contact, "+44 7700 900456");
	assert_string_equal(got.agency, "unseen");
	lt_person_release(&got);
	assert_st(store_person_update(
	              f->s, &f->kr, &f->other, id,
	              patch1(&op, lt_person_fields, lt_person_field_count, "sex", "female"), &today,
	              NULL, &e),
	          LT_OK);
	assert_st(store_person_get(f->s, &f->kr, &f->cw, id, "check", &got, &e), LT_ENOTFOUND);
	assert_st(store_share_revoke(f->s, &f->cw, sh.id, &e), LT_EINVAL);
	/* the referral stays the police's own, and opens for them */
	assert_st(store_referral_get(f->s, &f->kr, &f->cw, r.id, "check", &rgot, &e), LT_OK);
	assert_string_equal(rgot.police_intelligence, "linked to a gang");
	lt_referral_release(&rgot);
	chain_intact(f->s);
	lt_referral_release(&r);
}

/* Every read of personal data left exactly one entry with its purpose. */
static void test_every_read_audited(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_person got;
	int64_t id = add_person(f, &f->cw, "Mira Moss", NULL);
	const char *purposes[] = {"safeguarding referral", "court order 4411", "welfare check"};
	for (size_t i = 0; i < N(purposes); i++) {
		assert_st(store_person_get(f->s, &f->kr, i % 2 ? &f->cw2 : &f->cw, id, purposes[i],
		                           &got, &e),
		          LT_OK);
		lt_person_release(&got);
	}
	/* denied reads leave nothing */
	assert_st(store_person_get(f->s, &f->kr, &f->other, id, "nosy", &got, &e), LT_ENOTFOUND);

	struct store_audit_query q = {0, id, 100, false};
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	assert_int_equal(store_audit_list(f->s, &q, &a, &n, &e), LT_OK);
	assert_int_equal(n, 1 + N(purposes)); /* the creation and the three reads */
	assert_string_equal(a[0].action, "person.create");
	for (size_t i = 0; i < N(purposes); i++) {
		assert_string_equal(a[1 + i].action, "person.read");
		assert_string_equal(a[1 + i].purpose, purposes[i]);
		assert_int_equal(a[1 + i].person, id);
		assert_string_equal(a[1 + i].actor, i % 2 ? "user:2" : "user:1");
	}
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_person_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_person_access, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_referral_swap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blind_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_plaintext, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_erase, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_referrals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cases, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sharing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_every_read_audited, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
