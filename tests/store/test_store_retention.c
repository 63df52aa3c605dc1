/*
 * test_store_retention.c — the data-protection calls of the SQLite backend:
 * subject access export (store_person_export, store_sqlite_person.c) and
 * retention periods (store_retention_*, store_sqlite_retention.c, schema
 * migration 7), on a real SQLite file.
 *
 * What matters, each a test below:
 *   - an export holds the person's fields, the owner's referrals (opened),
 *     the owner's cases (naming only this person), the arrests naming them,
 *     every share and the audit trail ending with the export's own entry;
 *     never another agency's referral or case, nor another person's data;
 *     a role that may not export is refused, another agency gets "not
 *     found" and nothing is written, and the operator exports as the owner;
 *   - retention erases a person exactly on the day its period ends and not
 *     the day before, never one with an open case or with recent activity;
 *     a dry run changes nothing; a second run does nothing; an erased
 *     person opens no more while every count is as before, and the audit
 *     chain, with an entry per erasure, verifies;
 *   - public reports' text and contact are wiped on their day, the coded
 *     fields kept; sessions are deleted a set number of days after they end;
 *   - the operator's periods are kept, checked and audited.
 * Times are set by rewriting the stored timestamps (store_sqlite_debug_query),
 * and the day is given to the run: no test depends on the clock.
 */
#include "testutil.h"

#include <string.h>

#include "core/access.h"
#include "core/person.h"
#include "core/retention.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "store_fixture.h"

#include "core/banned.h"

struct fixture {
	struct store *s;
	char path[STORE_FIXTURE_PATH_SIZE];
	struct lt_crypto_keyring kr;
	int64_t police_id, charity_id;
	struct lt_principal cw;     /* caseworker of herts_police, user 1 */
	struct lt_principal admin;  /* agency_admin of herts_police, user 4 */
	struct lt_principal other;  /* caseworker of the charity, user 3 */
	struct lt_principal oadmin; /* agency_admin of the charity, user 6 */
	struct lt_principal police; /* police of herts_police, token 1 */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct lt_agency ag[] = {
	    {0, "herts_police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE},
	    {0, "unseen", "Unseen", LT_AGENCY_KIND_CHARITY},
	};
	store_fixture_open("retention", f->path, &f->s, &f->kr, ag, 2);
	f->police_id = ag[0].id;
	f->charity_id = ag[1].id;
	f->cw = (struct lt_principal){LT_PRINCIPAL_USER, 1, ag[0].id, LT_ROLE_CASEWORKER};
	f->other = (struct lt_principal){LT_PRINCIPAL_USER, 3, ag[1].id, LT_ROLE_CASEWORKER};
	f->admin = (struct lt_principal){LT_PRINCIPAL_USER, 4, ag[0].id, LT_ROLE_AGENCY_ADMIN};
	f->oadmin = (struct lt_principal){LT_PRINCIPAL_USER, 6, ag[1].id, LT_ROLE_AGENCY_ADMIN};
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

/* Set the creation time and `col` of row `id` of `table` to `at`. */
static void backdate(struct store *s, const char *table, const char *col, int64_t id,
                     const char *at)
{
	char q[512];
	snprintf(q, sizeof(q), "UPDATE %s SET created_at = '%s', %s = '%s' WHERE id = %lld", table,
	         at, col, at, (long long)id);
	store_fixture_query(s, q);
}

static struct lt_date day(const char *text)
{
	struct lt_date d;
	struct lt_error e = {0};
	assert_int_equal(lt_date_parse(text, strlen(text), &d, "day", &e), LT_OK);
	return d;
}

static int64_t add_person(struct fixture *f, const struct lt_principal *p, const char *name)
{
	struct lt_person rec;
	struct lt_error e = {0};
	lt_person_init(&rec);
	store_fixture_field(&rec, lt_person_fields, lt_person_field_count, "name", name);
	store_fixture_field(&rec, lt_person_fields, lt_person_field_count, "dob", "1990-02-11");
	store_fixture_field(&rec, lt_person_fields, lt_person_field_count, "contact",
	                    "+44 7700 900123");
	assert_st(store_person_add(f->s, &f->kr, p, &rec, &e), LT_OK);
	int64_t id = rec.id;
	lt_person_release(&rec);
	return id;
}

static int64_t add_referral(struct fixture *f, const struct lt_principal *p, int64_t person,
                            const char *notes)
{
	struct lt_referral r;
	struct lt_error e = {0};
	char pid[32];
	lt_referral_init(&r);
	snprintf(pid, sizeof(pid), "%lld", (long long)person);
	store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "person", pid);
	store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "date", "2024-04-01");
	store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "forms",
	                    "labour_exploitation");
	store_fixture_field(&r, lt_referral_fields, lt_referral_field_count, "notes", notes);
	assert_st(store_referral_add(f->s, &f->kr, p, &r, &e), LT_OK);
	int64_t id = r.id;
	lt_referral_release(&r);
	return id;
}

static int64_t open_case(struct fixture *f, const struct lt_principal *p, const char *ref,
                         const int64_t *persons, size_t n)
{
	struct lt_case c;
	struct lt_error e = {0};
	lt_case_init(&c);
	snprintf(c.ref, sizeof(c.ref), "%s", ref);
	c.opened = day("2024-04-02");
	for (size_t i = 0; i < n; i++)
		c.persons[c.n_persons++] = persons[i];
	assert_st(store_case_open(f->s, p, &c, &e), LT_OK);
	return c.id;
}

static void chain_intact(struct store *s)
{
	struct store_audit_verdict v;
	struct lt_error e = {0};
	assert_int_equal(store_audit_verify(s, NULL, NULL, 0, &v, &e), LT_OK);
	if (!v.intact)
		fail_msg("audit chain: %s", v.problem);
}

static long audit_count(struct store *s)
{
	return store_fixture_count(s, "SELECT count(*) FROM audit");
}

/* ---- subject access export ----------------------------------------------------- */

static void test_export(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct store_person_export x;

	int64_t p1 = add_person(f, &f->cw, "Maria Popescu");
	int64_t p2 = add_person(f, &f->cw, "Ion Ionescu");       /* a co-victim */
	int64_t p3 = add_person(f, &f->other, "Charity Person"); /* another agency's */
	int64_t r1 = add_referral(f, &f->cw, p1, "police note about Maria");
	/* refer p1 to the charity, which records a referral of its own */
	struct lt_share sh;
	lt_share_init(&sh);
	sh.person_id = p1;
	snprintf(sh.to_agency, sizeof(sh.to_agency), "unseen");
	sh.kind = LT_SHARE_REFER;
	sh.classes = (1u << LT_DATA_IDENTITY) | (1u << LT_DATA_SUPPORT);
	sh.basis = LT_BASIS_LAWFUL_REASON;
	sh.lawful_reason = 1; /* safeguarding_adult */
	snprintf(sh.purpose, sizeof(sh.purpose), "support");
	assert_st(store_share_create(f->s, &f->cw, &sh, &e), LT_OK);
	int64_t rb = add_referral(f, &f->other, p1, "charity's own note");
	int64_t c1 = open_case(f, &f->cw, "HP/2024/1", (int64_t[]){p1, p2}, 2);
	int64_t c3 = open_case(f, &f->other, "UN/1", (int64_t[]){p3}, 1);
	struct lt_arrest a;
	lt_arrest_init(&a);
	a.date = day("2024-04-03");
	a.offence = LT_OFFENCE_FORCED_LABOUR;
	snprintf(a.case_ref, sizeof(a.case_ref), "HP/2024/1");
	assert_st(store_arrest_add(f->s, &f->police, &a, &e), LT_OK);
	(void)c3;

	/* roles and agencies that may not */
	long before = audit_count(f->s);
	assert_st(store_person_export(f->s, &f->kr, &f->cw, NULL, p1, "sar", &x, &e),
	          LT_EFORBIDDEN);
	assert_st(store_person_export(f->s, &f->kr, &f->oadmin, NULL, p1, "sar", &x, &e),
	          LT_ENOTFOUND);
	assert_string_equal(e.message, "no person 1");
	assert_st(store_person_export(f->s, &f->kr, &f->admin, NULL, 999, "sar", &x, &e),
	          LT_ENOTFOUND);
	assert_string_equal(e.message, "no person 999");
	assert_st(store_person_export(f->s, &f->kr, &f->admin, NULL, p1, "", &x, &e), LT_EINVAL);
	assert_string_equal(e.field, "purpose");
	assert_int_equal(audit_count(f->s), before);

	/* the owner's administrator */
	assert_st(store_person_export(f->s, &f->kr, &f->admin, NULL, p1, "SAR 2024-17", &x, &e),
	          LT_OK);
	assert_string_equal(x.agency, "herts_police");
	assert_int_equal(x.person.id, p1);
	assert_string_equal(x.person.name, "Maria Popescu");
	assert_string_equal(x.person.contact, "+44 7700 900123");
	assert_int_equal(x.n_referrals, 1);
	assert_int_equal(x.referrals[0].id, r1);
	assert_string_equal(x.referrals[0].notes, "police note about Maria");
	assert_int_equal(x.n_cases, 1);
	assert_int_equal(x.cases[0].id, c1);
	assert_int_equal(x.cases[0].n_persons, 1); /* the co-victim is left out */
	assert_int_equal(x.cases[0].persons[0], p1);
	assert_int_equal(x.n_arrests, 1);
	assert_int_equal(x.arrests[0].id, a.id);
	assert_string_equal(x.arrests[0].case_ref, "HP/2024/1");
	assert_int_equal(x.n_shares, 1);
	assert_string_equal(x.shares[0].to_agency, "unseen");
	assert_int_equal(x.shares[0].lawful_reason, 1);
	assert_false(x.audit_truncated);
	assert_true(x.n_audit >= 4);
	const struct store_audit_entry *last = &x.audit[x.n_audit - 1];
	assert_string_equal(last->action, "person.export");
	assert_string_equal(last->actor, "user:4");
	assert_string_equal(last->purpose, "SAR 2024-17");
	assert_int_equal(last->person, p1);
	for (size_t i = 0; i < x.n_audit; i++) {
		assert_int_equal(x.audit[i].person, p1);
		if (i)
			assert_true(x.audit[i].id > x.audit[i - 1].id);
	}
	for (size_t i = 0; i < x.n_referrals; i++)
		assert_true(x.referrals[i].id != rb);
	store_person_export_release(&x);
	assert_int_equal(audit_count(f->s), before + 1);

	/* the operator, as the owner */
	assert_st(store_person_export(f->s, &f->kr, NULL, "cli", p3, "SAR by post", &x, &e), LT_OK);
	assert_string_equal(x.agency, "unseen");
	assert_string_equal(x.person.name, "Charity Person");
	assert_int_equal(x.n_referrals, 0);
	assert_int_equal(x.n_cases, 1);
	assert_int_equal(x.n_arrests, 0);
	assert_string_equal(x.audit[x.n_audit - 1].actor, "cli");
	store_person_export_release(&x);

	/* an erased person: its row, no personal field */
	assert_st(store_person_erase(f->s, &f->admin, p1, "erasure request 9", &e), LT_OK);
	assert_st(store_person_export(f->s, &f->kr, &f->admin, NULL, p1, "SAR 2", &x, &e), LT_OK);
	assert_true(x.person.erased);
	assert_null(x.person.name);
	assert_int_equal(x.n_referrals, 1);
	assert_true(x.referrals[0].erased);
	assert_null(x.referrals[0].notes);
	store_person_export_release(&x);
	chain_intact(f->s);
}

/* ---- retention ---------------------------------------------------------------------- */

#define SET_PERSON   "persons", "updated_at"
#define SET_REFERRAL "referrals", "updated_at"
#define SET_CASE     "cases", "updated_at"
#define SET_SHARE    "shares", "revoked_at"

static void run(struct fixture *f, const char *as_of, bool dry, struct store_retention_result *r)
{
	struct lt_error e = {0};
	struct lt_date d = day(as_of);
	assert_st(store_retention_run(f->s, &d, dry, "cli", r, &e), LT_OK);
}

static bool erased(struct fixture *f, int64_t id)
{
	char q[128];
	snprintf(q, sizeof(q), "SELECT erased_at IS NOT NULL FROM persons WHERE id = %lld",
	         (long long)id);
	return store_fixture_count(f->s, q) == 1;
}

static void test_retention_persons(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct store_retention_result r;
	struct store_arrest_count *counts0 = NULL, *counts1 = NULL;
	size_t nc0 = 0, nc1 = 0;

	int64_t quiet = add_person(f, &f->cw, "Quiet Person");
	int64_t incase = add_person(f, &f->cw, "Open Case");
	int64_t busy = add_person(f, &f->cw, "Busy Person");
	int64_t shared = add_person(f, &f->cw, "Shared Person");
	int64_t rq = add_referral(f, &f->cw, quiet, "quiet note");
	int64_t rbusy = add_referral(f, &f->cw, busy, "busy note");
	int64_t c = open_case(f, &f->cw, "HP/OLD/1", (int64_t[]){incase}, 1);
	struct lt_share sh;
	lt_share_init(&sh);
	sh.person_id = shared;
	snprintf(sh.to_agency, sizeof(sh.to_agency), "unseen");
	sh.kind = LT_SHARE_REFER;
	sh.classes = 1u << LT_DATA_IDENTITY;
	sh.basis = LT_BASIS_LAWFUL_REASON;
	sh.lawful_reason = 0;
	snprintf(sh.purpose, sizeof(sh.purpose), "safeguarding");
	assert_st(store_share_create(f->s, &f->cw, &sh, &e), LT_OK);
	struct lt_arrest a;
	lt_arrest_init(&a);
	a.date = day("2019-05-01");
	a.offence = LT_OFFENCE_FORCED_LABOUR;
	snprintf(a.case_ref, sizeof(a.case_ref), "HP/OLD/1");
	assert_st(store_arrest_add(f->s, &f->police, &a, &e), LT_OK);

	/* every record's last activity on 2020-03-15, but busy's referral
	 * changed on 2021-01-10 and the share of `shared` revoked 2020-06-30 */
	const char *t0 = "2020-03-15T23:59:59.999Z";
	for (int64_t id = quiet; id <= shared; id++)
		backdate(f->s, SET_PERSON, id, t0);
	backdate(f->s, SET_REFERRAL, rq, t0);
	backdate(f->s, SET_REFERRAL, rbusy, "2021-01-10T08:00:00.000Z");
	backdate(f->s, SET_CASE, c, t0);
	backdate(f->s, SET_SHARE, sh.id, "2020-06-30T12:00:00.000Z");

	assert_st(store_arrest_counts(f->s, &counts0, &nc0, &e), LT_OK);
	long audit0 = audit_count(f->s);

	/* the day before six years: nothing */
	run(f, "2026-03-14", false, &r);
	assert_int_equal(r.periods.period[LT_RETENTION_PERSONS], 72);
	assert_int_equal(r.count[LT_RETENTION_PERSONS], 0);
	assert_int_equal(r.cutoff[LT_RETENTION_PERSONS].year, 2020);
	assert_int_equal(r.cutoff[LT_RETENTION_PERSONS].month, 3);
	assert_int_equal(r.cutoff[LT_RETENTION_PERSONS].day, 14);
	assert_false(erased(f, quiet));
	assert_int_equal(audit_count(f->s), audit0);

	/* on the day: a dry run counts and changes nothing */
	run(f, "2026-03-15", true, &r);
	assert_int_equal(r.count[LT_RETENTION_PERSONS], 1);
	assert_false(erased(f, quiet));
	assert_int_equal(audit_count(f->s), audit0);

	/* then the run erases exactly that one, with its audit entry */
	run(f, "2026-03-15", false, &r);
	assert_int_equal(r.count[LT_RETENTION_PERSONS], 1);
	assert_true(erased(f, quiet));
	assert_false(erased(f, incase)); /* its case is open */
	assert_false(erased(f, busy));   /* its referral changed later */
	assert_false(erased(f, shared)); /* its share was revoked later */
	assert_int_equal(audit_count(f->s), audit0 + 1);
	char want[256];
	snprintf(want, sizeof(want),
	         "cli|person.erase|person:%lld|%lld|retention period: no activity for 72 months "
	         "(lantern retention run)",
	         (long long)quiet, (long long)quiet);
	assert_string_equal(
	    store_fixture_query(f->s,
	                        "SELECT actor || '|' || action || '|' || object || '|' || "
	                        "person || '|' || purpose FROM audit ORDER BY id DESC LIMIT 1"),
	    want);

	/* erased: nothing opens, nothing is found; the counts are as before */
	struct lt_person p;
	assert_st(store_person_get(f->s, &f->kr, &f->cw, quiet, "check", &p, &e), LT_OK);
	assert_true(p.erased);
	assert_null(p.name);
	lt_person_release(&p);
	struct lt_referral rr;
	assert_st(store_referral_get(f->s, &f->kr, &f->cw, rq, "check", &rr, &e), LT_OK);
	assert_true(rr.erased);
	assert_null(rr.notes);
	lt_referral_release(&rr);
	char q[128];
	snprintf(q, sizeof(q), "SELECT count(*) FROM person_index WHERE person_id = %lld",
	         (long long)quiet);
	assert_int_equal(store_fixture_count(f->s, q), 0);
	assert_int_equal(store_fixture_count(f->s, "SELECT count(*) FROM persons"), 4);
	assert_int_equal(store_fixture_count(f->s, "SELECT count(*) FROM referrals"), 2);
	assert_st(store_arrest_counts(f->s, &counts1, &nc1, &e), LT_OK);
	assert_int_equal(nc0, nc1);
	assert_memory_equal(counts0, counts1, nc0 * sizeof(*counts0));
	free(counts0);
	free(counts1);

	/* again: nothing more (idempotent) */
	long audit1 = audit_count(f->s);
	run(f, "2026-03-15", false, &r);
	assert_int_equal(r.count[LT_RETENTION_PERSONS], 0);
	assert_int_equal(audit_count(f->s), audit1);

	/* the share revoked 2020-06-30: due on 2026-06-30, not 06-29 */
	run(f, "2026-06-29", false, &r);
	assert_false(erased(f, shared));
	run(f, "2026-06-30", false, &r);
	assert_int_equal(r.count[LT_RETENTION_PERSONS], 1);
	assert_true(erased(f, shared));

	/* closing the case is activity: the person is kept six years more */
	assert_int_equal(
	    store_fixture_count(f->s, "SELECT count(*) FROM cases WHERE status = 'open'"), 1);
	char upd[160];
	snprintf(upd, sizeof(upd),
	         "UPDATE cases SET status = 'closed', closed = '2021-02-01', "
	         "updated_at = '2021-02-01T09:00:00.000Z' WHERE id = %lld",
	         (long long)c);
	store_fixture_query(f->s, upd);
	run(f, "2027-01-31", false, &r);
	assert_false(erased(f, incase));
	assert_true(erased(f, busy)); /* 2021-01-10 + 6 years */
	run(f, "2027-02-01", false, &r);
	assert_true(erased(f, incase));
	chain_intact(f->s);
}

static void test_retention_reports_sessions(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct store_retention_result r;
	struct lt_report rep[3];
	unsigned char sealed[48];

	for (int i = 0; i < 3; i++) {
		lt_report_init(&rep[i]);
		lt_ref_format(0x1234500 + (uint64_t)i, rep[i].ref);
		rep[i].forms = 1u << LT_FORM_LABOUR_EXPLOITATION;
		rep[i].received = day("2025-01-10");
		rep[i].place = LT_PLACE_UNKNOWN;
		rep[i].anonymous = i != 0;
		rep[i].description = strdup("a van picks people up at 5am");
		rep[i].source = LT_SOURCE_PUBLIC;
	}
	memset(sealed, 7, sizeof(sealed));
	rep[0].contact_sealed = malloc(sizeof(sealed));
	memcpy(rep[0].contact_sealed, sealed, sizeof(sealed));
	rep[0].contact_sealed_len = sizeof(sealed);
	/* a partner's report is the partner's record: kept */
	rep[2].source = LT_SOURCE_PARTNER;
	snprintf(rep[2].agency, sizeof(rep[2].agency), "herts_police");
	assert_st(store_reports_insert(f->s, rep, 3, "test", &e), LT_OK);
	store_fixture_query(f->s, "UPDATE reports SET created_at = '2025-01-10T10:00:00.000Z'");
	long reports0 = 0;
	assert_st(store_report_count(f->s, &reports0, &e), LT_OK);

	/* a session that ended 2026-01-01 (seconds 1767225600) */
	struct store_user u = {0};
	snprintf(u.email, sizeof(u.email), "ann@police.example");
	snprintf(u.agency, sizeof(u.agency), "herts_police");
	u.role = LT_ROLE_CASEWORKER;
	assert_st(store_user_add(f->s, &u,
	                         "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
	                         "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
	                         "test", &e),
	          LT_OK);
	unsigned char h[LT_CRYPTO_HASH_BYTES];
	int64_t sid;
	memset(h, 1, sizeof(h));
	assert_st(
	    store_session_create(f->s, h, u.id, 1767225600 - 3600, 1767225600 + 100, &sid, &e),
	    LT_OK);

	/* the session ended on 2026-01-01: due seven days later, 2026-01-08; the
	 * public reports were stored 2025-01-10: due twelve months later */
	run(f, "2026-01-07", true, &r);
	assert_int_equal(r.count[LT_RETENTION_SESSIONS], 0);
	assert_int_equal(r.count[LT_RETENTION_REPORT_TEXT], 0);
	run(f, "2026-01-08", true, &r);
	assert_int_equal(r.count[LT_RETENTION_SESSIONS], 1);
	assert_int_equal(store_fixture_count(f->s, "SELECT count(*) FROM sessions"), 1);
	run(f, "2026-01-09", false, &r);
	assert_int_equal(r.count[LT_RETENTION_SESSIONS], 1);
	assert_int_equal(r.count[LT_RETENTION_REPORT_TEXT], 0);
	assert_int_equal(store_fixture_count(f->s, "SELECT count(*) FROM sessions"), 0);
	assert_int_equal(
	    store_fixture_count(f->s, "SELECT count(*) FROM reports WHERE description IS NOT NULL"),
	    3);
	run(f, "2026-01-10", true, &r);
	assert_int_equal(r.count[LT_RETENTION_REPORT_TEXT], 2);
	assert_int_equal(r.count[LT_RETENTION_SESSIONS], 0);
	assert_int_equal(
	    store_fixture_count(f->s, "SELECT count(*) FROM reports WHERE description IS NOT NULL"),
	    3);

	run(f, "2026-01-10", false, &r);
	assert_int_equal(r.count[LT_RETENTION_REPORT_TEXT], 2);
	assert_int_equal(
	    store_fixture_count(f->s, "SELECT count(*) FROM reports WHERE description IS NOT NULL"),
	    1);
	struct lt_report got;
	assert_st(store_report_get(f->s, rep[0].ref, &got, &e), LT_OK);
	assert_null(got.description);
	assert_null(got.contact_sealed);
	assert_int_equal(got.forms, 1u << LT_FORM_LABOUR_EXPLOITATION);
	assert_int_equal(got.received.year, 2025);
	lt_report_release(&got);
	assert_st(store_report_get(f->s, rep[2].ref, &got, &e), LT_OK);
	assert_non_null(got.description);
	lt_report_release(&got);
	long reports1 = 0;
	assert_st(store_report_count(f->s, &reports1, &e), LT_OK);
	assert_int_equal(reports0, reports1);
	char want[160];
	snprintf(want, sizeof(want), "report.wipe report:%s", rep[0].ref);
	assert_string_equal(
	    store_fixture_query(f->s, "SELECT action || ' ' || object FROM audit WHERE action = "
	                              "'report.wipe' ORDER BY id LIMIT 1"),
	    want);
	assert_int_equal(
	    store_fixture_count(f->s, "SELECT count(*) FROM audit WHERE action = 'report.wipe'"),
	    2);
	assert_string_equal(
	    store_fixture_query(f->s, "SELECT object FROM audit WHERE action = 'retention.delete'"),
	    "sessions:1");
	/* again: nothing */
	run(f, "2026-02-10", false, &r);
	assert_int_equal(r.count[LT_RETENTION_REPORT_TEXT], 0);
	for (int i = 0; i < 3; i++)
		lt_report_release(&rep[i]);
	chain_intact(f->s);
}

static void test_retention_settings(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_retention_periods per;
	struct store_retention_result r;

	assert_st(store_retention_get(f->s, &per, &e), LT_OK);
	for (size_t k = 0; k < LT_RETENTION_COUNT; k++)
		assert_int_equal(per.period[k], lt_retention_rules[k].period_default);
	assert_st(store_retention_set(f->s, LT_RETENTION_PERSONS, 84, "cli", &e), LT_OK);
	assert_st(store_retention_set(f->s, LT_RETENTION_PERSONS, 11, "cli", &e), LT_EINVAL);
	assert_string_equal(e.field, "persons");
	assert_string_equal(e.message, "must be 12 to 1200 months");
	assert_st(store_retention_set(f->s, LT_RETENTION_AUDIT, 12, "cli", &e), LT_EINVAL);
	assert_st(store_retention_get(f->s, &per, &e), LT_OK);
	assert_int_equal(per.period[LT_RETENTION_PERSONS], 84);
	assert_string_equal(
	    store_fixture_query(f->s, "SELECT actor || ' ' || action || ' ' || object || ' ' || "
	                              "purpose FROM audit ORDER BY id DESC LIMIT 1"),
	    "cli retention.set retention:persons period set to 84 months");

	int64_t id = add_person(f, &f->cw, "Seven Years");
	backdate(f->s, SET_PERSON, id, "2019-07-01T00:00:00.000Z");
	run(f, "2026-06-30", false, &r);
	assert_int_equal(r.periods.period[LT_RETENTION_PERSONS], 84);
	assert_false(erased(f, id));
	run(f, "2026-07-01", false, &r);
	assert_true(erased(f, id));

	/* a row this lantern would refuse is ignored: the default holds */
	store_fixture_query(f->s,
	                    "UPDATE retention_settings SET period = 5 WHERE kind = 'persons'");
	assert_st(store_retention_get(f->s, &per, &e), LT_OK);
	assert_int_equal(per.period[LT_RETENTION_PERSONS], 72);
	/* a day that is not whole changes nothing */
	struct lt_date bad = day("2026-07");
	assert_st(store_retention_run(f->s, &bad, false, "cli", &r, &e), LT_EINVAL);
	assert_string_equal(e.field, "as_of");
	chain_intact(f->s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_export, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retention_persons, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retention_reports_sessions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retention_settings, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
