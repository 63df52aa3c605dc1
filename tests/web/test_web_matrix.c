/*
 * test_web_matrix.c — issue 4, §8(c): for every route, every role and every
 * scope, the calls the access table allows succeed and every other is
 * refused; in-process through web_handle and the route table, against a
 * real SQLite store.
 *
 * The test is driven by the tables, not by a list written here:
 *
 *   - the routes are the rows of web_routes (route.c) that need a principal
 *     (an access action, or a session or any principal);
 *   - the callers are every role of LT_ROLE_MAP, each signed in with a
 *     session cookie and, when lt_role_token_allowed says a token may hold
 *     it, also with an API token; nobody; and two whose credentials no
 *     longer hold (a revoked token, a session of a disabled account);
 *   - the expected answer is computed by lt_access_check (core/access.h)
 *     from the facts of the record as this file built it: who owns it, who
 *     made it, whether it is referred to the caller's agency.
 *
 * What is written here is only how to call each route: the fixture table
 * `fixtures` has at least one row per route (method and path) saying what
 * its {id} names, what facts the decision is taken on (the record's; none
 * for a list, a search or statistics; for a create, those of the record as
 * it would be stored), the query and body of a valid call, and the status
 * of success. A route whose body names other records (a referral's person,
 * a case's persons, an arrest's case) has a row more for each, called with
 * every record of that kind. A route with an access action and no fixture
 * row fails the test, naming it, so a new route cannot skip the matrix.
 *
 * The world, built once through the store: agency A (a police force, where
 * every caller works), B (a national agency that refers some of its persons
 * to A) and C (another force that shares nothing with A). In A, records of
 * every kind made by each caller that may make them (so each is "own" to
 * its maker and "agency" to the others) and by a colleague; in B, a person
 * referred to A with its identity (and its referral), one referred without
 * it, one not shared, one referred and then revoked; in C, one of each; a
 * person of A transferred to B; reports of A, B, C and of the public. Calls that destroy their
 * record (an erasure, a revocation, a sign-out) get a fresh one, built the same way, for each call,
 * so every call meets the record it was meant for.
 *
 * The answer wanted, in the order web_handle decides:
 *   - nobody, or credentials that no longer hold: 401 (a page: 303 to
 *     /login);
 *   - an API token on a route for sessions only: 403;
 *   - a role whose cell for the route's action is empty: 403;
 *   - a state-changing call with the session cookie and no CSRF token: 403,
 *     also when it would be allowed (every such call is made twice, with and
 *     without the token);
 *   - then the record: lt_access_check with its facts — LT_OK the route's
 *     success status, LT_EFORBIDDEN 403, LT_ENOTFOUND 404. Two
 *     refinements: for a route acting on a person through another resource
 *     (a share), a person the caller can see (`see`, person.read) is never
 *     "not found", so refusing it is 403 (docs/security.md, "Sharing": a
 *     receiver trying to share on is refused, 403); and a record named in
 *     the body that the caller may not read (`names`) is a bad member, 400,
 *     whether or not it exists.
 * An allowed read must answer the record it was asked for (its id, a
 * person's name exactly when its identity is the caller's to see; a list or
 * a search exactly the records the caller may see); a refused call must
 * write nothing (the audit log's last entry is the same before and after
 * it: every change is audited in its transaction); an allowed change or read
 * of personal data must write the audit log, and any other allowed call
 * must not.
 *
 * Each wrong cell is reported as "role scope METHOD path: got N, want M",
 * all of them, before the test fails.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"

#include "core/access.h"
#include "core/person.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "web/web_int.h"
#include "web_check.h"

#include "core/banned.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define NOW            1717243200 /* 2024-06-01T12:00:00Z */
#define JSON           "application/json"
#define FORM           "application/x-www-form-urlencoded"
#define SESSION_COOKIE "__Host-lantern_session"
#define WORLD_NAME     "Matrix Person" /* the persons of the world: a search finds them */
#define FRESH_NAME     "Fresh Person"  /* the persons built for one call */
#define FAKE_HASH                                                                                  \
	"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"                                   \
	"aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g" /* the store never checks it */

static struct store *g_store;
static struct web_app g_app;
static struct lt_crypto_keyring g_keys;

/* ---- agencies and actors -------------------------------------------------------- */

enum agency_index { AG_A, AG_B, AG_C, AG_COUNT };
static struct lt_agency g_agencies[AG_COUNT] = {
    {0, "agency_a", "Agency A (the callers')", LT_AGENCY_KIND_POLICE},
    {0, "agency_b", "Agency B (refers to A)", LT_AGENCY_KIND_NATIONAL_AGENCY},
    {0, "agency_c", "Agency C (shares nothing with A)", LT_AGENCY_KIND_POLICE},
};

/* A principal: a caller, or one the world is built by. */
struct actor {
	char name[64]; /* "caseworker session" */
	enum lt_role role;
	enum web_auth auth; /* SESSION or TOKEN */
	struct lt_principal p;
	char agency[LT_CODE_MAX];
	char authz[96];           /* tokens: "Bearer lt_..." */
	int64_t user;             /* sessions: the account */
	char cookie[128];         /* sessions: a session made once, for the calls that keep it */
	char email[LT_EMAIL_MAX]; /* sessions: the account's address */
	bool dead;                /* its credentials no longer hold: a revoked token, a disabled
	                             account */
	char csrf[LT_CRYPTO_SECRET_SIZE];
};

#define ACTORS_MAX 24
static struct actor g_actors[ACTORS_MAX];
static size_t g_nactors;
static size_t g_ncallers; /* the first g_ncallers actors are the callers, all of agency A */

/* Who makes the records of the world. */
enum maker {
	BY_CW_S,      /* A's caseworker, session */
	BY_CW_T,      /* A's caseworker, token */
	BY_PO_S,      /* A's police, session */
	BY_PO_T,      /* A's police, token */
	BY_AA_S,      /* A's agency administrator, session */
	BY_COLLEAGUE, /* another caseworker of A, not a caller */
	BY_B_CW,      /* B's caseworker */
	BY_B_PO,      /* B's police */
	BY_C_CW,      /* C's caseworker */
	BY_C_PO,      /* C's police */
	BY_COUNT
};
static struct actor *g_by[BY_COUNT];

static void session_new(int64_t user, char cookie[128], char csrf[LT_CRYPTO_SECRET_SIZE])
{
	unsigned char raw[LT_CRYPTO_SECRET_BYTES], hash[LT_CRYPTO_HASH_BYTES];
	char text[LT_CRYPTO_SECRET_SIZE];
	struct lt_error err;
	int64_t id;
	lt_crypto_secret_new(raw, text);
	lt_crypto_session_hash(raw, hash);
	assert_int_equal(
	    store_session_create(g_store, hash, user, NOW, NOW + LT_SESSION_ABSOLUTE_S, &id, &err),
	    LT_OK);
	snprintf(cookie, 128, SESSION_COOKIE "=%s", text);
	lt_crypto_csrf_token(raw, csrf);
	lt_crypto_wipe(raw, sizeof(raw));
}

static struct actor *actor_add(enum agency_index ag, enum lt_role role, enum web_auth auth,
                               const char *tag)
{
	struct lt_error err = {0};
	assert_true(g_nactors < ACTORS_MAX);
	struct actor *a = &g_actors[g_nactors++];
	memset(a, 0, sizeof(*a));
	a->role = role;
	a->auth = auth;
	snprintf(a->agency, sizeof(a->agency), "%s", g_agencies[ag].code);
	snprintf(a->name, sizeof(a->name), "%s %s%s", lt_vocab_term(&lt_vocab_role, role)->code,
	         auth == WEB_AUTH_SESSION ? "session" : "token", tag);
	if (auth == WEB_AUTH_SESSION) {
		struct store_user u = {0};
		snprintf(u.email, sizeof(u.email), "%s.%zu@%s.example",
		         lt_vocab_term(&lt_vocab_role, role)->code, g_nactors, a->agency);
		snprintf(u.agency, sizeof(u.agency), "%s", a->agency);
		u.role = role;
		assert_int_equal(store_user_add(g_store, &u, FAKE_HASH, "test", &err), LT_OK);
		snprintf(a->email, sizeof(a->email), "%s", u.email);
		a->p = store_user_principal(&u);
		a->user = u.id;
		session_new(a->user, a->cookie, a->csrf);
	} else {
		char tok[LT_CRYPTO_TOKEN_SIZE];
		unsigned char h[LT_CRYPTO_TOKEN_HASH_BYTES];
		struct store_token t = {0};
		lt_crypto_token_new(tok);
		lt_crypto_token_hash(tok, strlen(tok), h);
		snprintf(t.agency, sizeof(t.agency), "%s", a->agency);
		t.role = role;
		assert_int_equal(store_token_add(g_store, &t, h, "test", &err), LT_OK);
		a->p = store_token_principal(&t);
		snprintf(a->authz, sizeof(a->authz), "Bearer %s", tok);
	}
	assert_int_equal(a->p.agency_id, g_agencies[ag].id);
	return a;
}

/* The caller of agency A with `role` and `auth`. */
static struct actor *caller_find(enum lt_role role, enum web_auth auth)
{
	for (size_t i = 0; i < g_ncallers; i++)
		if (g_actors[i].role == role && g_actors[i].auth == auth && !g_actors[i].dead)
			return &g_actors[i];
	fail_msg("no caller %d/%d", (int)role, (int)auth);
	return NULL;
}

/* ---- the records of the world ------------------------------------------------------ */

enum kind { K_NONE, K_PERSON, K_REFERRAL, K_CASE, K_ARREST, K_REPORT, K_SHARE };

/* What happens to a person after it is made (and its referral). */
enum fate {
	F_KEEP,          /* nothing */
	F_REFER_A,       /* referred to A (identity and support) */
	F_REFER_A_NO_ID, /* referred to A without its identity (support only) */
	F_REVOKED,       /* referred to A, then revoked */
	F_TRANSFER_B,    /* transferred to B */
};

/* How to build one record of the world. */
struct spec {
	enum maker by;
	enum fate fate;
};

/* One record, with the facts of it that the decision needs, as built here
 * (never read back from the store: the store is what is tested). */
struct rec {
	enum kind kind;
	const char *fate;       /* "", "revoked", "transferred": for messages */
	int64_t id;             /* the record; for a share, the share */
	int64_t person;         /* a person's or a share's person, a referral's person */
	char ref[LT_CODE_MAX];  /* a report's reference, a case's */
	int64_t owner;          /* the owning agency, 0 for none (a public report) */
	const struct actor *by; /* who made it; NULL when the store records no maker */
	int64_t shared_to;      /* the agency it is referred to (a person's and its
	                           referrals'), 0 when none */
	bool identity_shared;   /* a person: the referral shows its identity */
};

static const struct spec person_specs[] = {
    {BY_CW_S, F_KEEP},      {BY_CW_T, F_KEEP},    {BY_PO_S, F_KEEP},          {BY_PO_T, F_KEEP},
    {BY_COLLEAGUE, F_KEEP}, {BY_B_CW, F_REFER_A}, {BY_B_CW, F_REFER_A_NO_ID}, {BY_B_CW, F_KEEP},
    {BY_B_CW, F_REVOKED},   {BY_C_CW, F_KEEP},    {BY_CW_S, F_TRANSFER_B},
};
/* The index in person_specs and case_specs of the colleague's record, which
 * every caller of A that may read such records reads. */
#define COLLEAGUE 4
#define N_PERSONS (sizeof(person_specs) / sizeof(person_specs[0]))
static const struct spec case_specs[] = {
    {BY_CW_S}, {BY_CW_T}, {BY_PO_S}, {BY_PO_T}, {BY_COLLEAGUE}, {BY_B_CW}, {BY_C_CW},
};
#define N_CASES (sizeof(case_specs) / sizeof(case_specs[0]))
static const struct spec arrest_specs[] = {{BY_PO_S}, {BY_PO_T}, {BY_B_PO}, {BY_C_PO}};
#define N_ARRESTS (sizeof(arrest_specs) / sizeof(arrest_specs[0]))
/* Shares to revoke: made by each maker of A (of a colleague's person, to C),
 * by B (of B's person, to A) and by C (of C's person, to B). */
static const struct spec share_specs[] = {
    {BY_CW_S}, {BY_CW_T}, {BY_PO_S}, {BY_PO_T}, {BY_AA_S}, {BY_COLLEAGUE}, {BY_B_CW}, {BY_C_CW},
};
#define N_SHARES  (sizeof(share_specs) / sizeof(share_specs[0]))
#define N_REPORTS 4 /* of A, B, C and the public */

static struct rec g_persons[N_PERSONS], g_referrals[N_PERSONS], g_cases[N_CASES],
    g_arrests[N_ARRESTS], g_reports[N_REPORTS], g_shares[N_SHARES];
static int g_serial; /* for unique case references */

static int64_t share_make(const struct actor *by, int64_t person, enum agency_index to,
                          enum lt_share_kind kind, unsigned classes)
{
	struct lt_share sh;
	struct lt_error err = {0};
	lt_share_init(&sh);
	sh.person_id = person;
	snprintf(sh.to_agency, sizeof(sh.to_agency), "%s", g_agencies[to].code);
	sh.kind = (int)kind;
	sh.classes = classes;
	sh.basis = LT_BASIS_CONSENT;
	sh.consent_by = 0; /* the person */
	sh.consent_at = (struct lt_date){2024, 5, 1};
	snprintf(sh.purpose, sizeof(sh.purpose), "matrix");
	lt_status st = store_share_create(g_store, &by->p, &sh, &err);
	if (st != LT_OK)
		fail_msg("sharing person %lld: %s", (long long)person, err.message);
	return sh.id;
}

/* Make a person by spec `s` named `name`, with a referral by the same maker
 * into *referral when it is not NULL, then its fate. */
static void person_build(const struct spec *s, const char *name, struct rec *out,
                         struct rec *referral)
{
	const struct actor *by = g_by[s->by];
	struct lt_error err = {0};
	struct lt_person p;
	lt_status st;
	lt_person_init(&p);
	p.name = strdup(name);
	assert_non_null(p.name);
	st = store_person_add(g_store, &g_keys, &by->p, &p, &err);
	if (st != LT_OK)
		fail_msg("person by %s: %s", by->name, err.message);
	memset(out, 0, sizeof(*out));
	out->kind = K_PERSON;
	out->fate = "";
	out->id = out->person = p.id;
	out->owner = by->p.agency_id;
	out->by = by;
	lt_person_release(&p);
	if (referral) {
		struct lt_referral r;
		lt_referral_init(&r);
		r.person_id = out->id;
		r.date = (struct lt_date){2024, 5, 1};
		r.forms = 1u << LT_FORM_LABOUR_EXPLOITATION;
		r.place = LT_PLACE_UNKNOWN;
		r.district = -1;
		r.country = -1;
		r.support_needs = strdup("a safe place");
		assert_non_null(r.support_needs);
		st = store_referral_add(g_store, &g_keys, &by->p, &r, &err);
		if (st != LT_OK)
			fail_msg("referral by %s: %s", by->name, err.message);
		memset(referral, 0, sizeof(*referral));
		referral->kind = K_REFERRAL;
		referral->fate = "";
		referral->id = r.id;
		referral->person = out->id;
		referral->owner = by->p.agency_id;
		referral->by = by;
		lt_referral_release(&r);
	}
	switch (s->fate) {
	case F_KEEP:
		break;
	case F_REFER_A:
		share_make(by, out->id, AG_A, LT_SHARE_REFER,
		           (1u << LT_DATA_IDENTITY) | (1u << LT_DATA_SUPPORT));
		out->shared_to = g_agencies[AG_A].id;
		out->identity_shared = true;
		break;
	case F_REFER_A_NO_ID:
		share_make(by, out->id, AG_A, LT_SHARE_REFER, 1u << LT_DATA_SUPPORT);
		out->shared_to = g_agencies[AG_A].id;
		out->fate = "no identity";
		break;
	case F_REVOKED: {
		int64_t sid = share_make(by, out->id, AG_A, LT_SHARE_REFER, 1u << LT_DATA_IDENTITY);
		assert_int_equal(store_share_revoke(g_store, &by->p, sid, &err), LT_OK);
		out->fate = "revoked";
		break;
	}
	case F_TRANSFER_B:
		share_make(by, out->id, AG_B, LT_SHARE_TRANSFER, 0);
		out->owner = g_agencies[AG_B].id;
		out->fate = "transferred";
		break;
	}
	if (referral) {
		/* a referral is shared when its person is; it stays with its maker */
		referral->shared_to = out->shared_to;
		referral->fate = out->fate;
	}
}

static void case_build(const struct spec *s, struct rec *out)
{
	const struct actor *by = g_by[s->by];
	struct lt_error err = {0};
	struct lt_case k;
	lt_case_init(&k);
	snprintf(k.ref, sizeof(k.ref), "MX/%d", ++g_serial);
	k.opened = (struct lt_date){2024, 1, 3};
	lt_status st = store_case_open(g_store, &by->p, &k, &err);
	if (st != LT_OK)
		fail_msg("case by %s: %s", by->name, err.message);
	memset(out, 0, sizeof(*out));
	out->kind = K_CASE;
	out->fate = "";
	out->id = k.id;
	snprintf(out->ref, sizeof(out->ref), "%s", k.ref);
	out->owner = by->p.agency_id;
	out->by = by;
	/* cases are never shared: a share is of a person and its referrals */
}

static void arrest_build(const struct spec *s, struct rec *out)
{
	const struct actor *by = g_by[s->by];
	struct lt_error err = {0};
	struct lt_arrest a;
	lt_arrest_init(&a);
	a.date = (struct lt_date){2024, 5, 2};
	a.offence = LT_OFFENCE_FORCED_LABOUR;
	snprintf(a.agency, sizeof(a.agency), "%s", by->agency);
	lt_status st = store_arrest_add(g_store, &by->p, &a, &err);
	if (st != LT_OK)
		fail_msg("arrest by %s: %s", by->name, err.message);
	memset(out, 0, sizeof(*out));
	out->kind = K_ARREST;
	out->fate = "";
	out->id = a.id;
	out->owner = by->p.agency_id;
	out->by = NULL; /* the store records the arresting agency, not who recorded it */
}

/* A referral share to revoke, by spec `s`: a fresh person of the right
 * agency (made by the colleague for A), shared by the maker. */
static void share_build(const struct spec *s, struct rec *out)
{
	static const struct spec colleague = {BY_COLLEAGUE, F_KEEP}, b = {BY_B_CW, F_KEEP},
	                         c = {BY_C_CW, F_KEEP};
	const struct actor *by = g_by[s->by];
	struct rec p;
	enum agency_index to = AG_C;
	if (s->by == BY_B_CW) {
		person_build(&b, FRESH_NAME, &p, NULL);
		to = AG_A;
	} else if (s->by == BY_C_CW) {
		person_build(&c, FRESH_NAME, &p, NULL);
		to = AG_B;
	} else {
		person_build(&colleague, FRESH_NAME, &p, NULL);
	}
	memset(out, 0, sizeof(*out));
	out->kind = K_SHARE;
	out->fate = "";
	out->person = p.id;
	out->id = share_make(by, p.id, to, LT_SHARE_REFER, 1u << LT_DATA_IDENTITY);
	out->owner = by->p.agency_id; /* a share belongs to the sharing agency */
	out->by = by;
}

static void reports_build(void)
{
	struct lt_report r[N_REPORTS];
	struct lt_error err = {0};
	for (size_t i = 0; i < N_REPORTS; i++) {
		lt_report_init(&r[i]);
		lt_ref_format(0x4d41545249ull + i, r[i].ref);
		r[i].source = i < AG_COUNT ? LT_SOURCE_PARTNER : LT_SOURCE_PUBLIC;
		if (i < AG_COUNT)
			snprintf(r[i].agency, sizeof(r[i].agency), "%s", g_agencies[i].code);
		r[i].forms = 1u << LT_FORM_LABOUR_EXPLOITATION;
		r[i].place = LT_PLACE_UNKNOWN;
		r[i].district = -1;
		r[i].country = -1;
		r[i].received = (struct lt_date){2024, 5, 1};
	}
	assert_int_equal(store_reports_insert(g_store, r, N_REPORTS, "test", &err), LT_OK);
	for (size_t i = 0; i < N_REPORTS; i++) {
		struct rec *o = &g_reports[i];
		memset(o, 0, sizeof(*o));
		o->kind = K_REPORT;
		o->fate = i < AG_COUNT ? "" : "public";
		o->id = r[i].id;
		snprintf(o->ref, sizeof(o->ref), "%s", r[i].ref);
		o->owner = i < AG_COUNT ? g_agencies[i].id : 0;
		o->by = NULL; /* a report records no maker */
		lt_report_release(&r[i]);
	}
}

static int group_setup(void **state)
{
	struct lt_error err = {0};
	(void)state;
	if (lt_crypto_init() != LT_OK)
		return -1;
	if (store_open_sqlite(test_tmp_path("web-matrix.db"), &g_store, &err) != LT_OK)
		return -1;
	for (size_t i = 0; i < AG_COUNT; i++)
		if (store_agency_add(g_store, &g_agencies[i], "test", &err) != LT_OK)
			return -1;
	if (web_app_init(&g_app, g_store, NULL, &err) != LT_OK)
		return -1;
	g_keys.n = 1;
	g_keys.keys[0].id = 1;
	lt_crypto_random(g_keys.keys[0].key, sizeof(g_keys.keys[0].key));
	if (web_app_data_keys(&g_app, &g_keys, &err) != LT_OK)
		return -1;

	/* the callers: every role, by session and, where it may, by token */
	for (int r = 0; r < LT_ROLE_COUNT; r++) {
		actor_add(AG_A, (enum lt_role)r, WEB_AUTH_SESSION, "");
		if (lt_role_token_allowed((enum lt_role)r))
			actor_add(AG_A, (enum lt_role)r, WEB_AUTH_TOKEN, "");
	}
	/* and two whose credentials no longer hold: answered as nobody */
	struct actor *dead = actor_add(AG_A, LT_ROLE_CASEWORKER, WEB_AUTH_TOKEN, " (revoked)");
	bool was = false;
	if (store_token_revoke(g_store, dead->p.id, "test", &was, &err) != LT_OK || !was)
		return -1;
	dead->dead = true;
	dead = actor_add(AG_A, LT_ROLE_POLICE, WEB_AUTH_SESSION, " (account disabled)");
	struct store_user u;
	if (store_user_set_disabled(g_store, dead->email, true, "test", &u, &err) != LT_OK)
		return -1;
	store_user_wipe(&u);
	dead->dead = true;
	g_ncallers = g_nactors;
	g_by[BY_CW_S] = caller_find(LT_ROLE_CASEWORKER, WEB_AUTH_SESSION);
	g_by[BY_CW_T] = caller_find(LT_ROLE_CASEWORKER, WEB_AUTH_TOKEN);
	g_by[BY_PO_S] = caller_find(LT_ROLE_POLICE, WEB_AUTH_SESSION);
	g_by[BY_PO_T] = caller_find(LT_ROLE_POLICE, WEB_AUTH_TOKEN);
	g_by[BY_AA_S] = caller_find(LT_ROLE_AGENCY_ADMIN, WEB_AUTH_SESSION);
	g_by[BY_COLLEAGUE] = actor_add(AG_A, LT_ROLE_CASEWORKER, WEB_AUTH_TOKEN, " (colleague)");
	g_by[BY_B_CW] = actor_add(AG_B, LT_ROLE_CASEWORKER, WEB_AUTH_TOKEN, " of B");
	g_by[BY_B_PO] = actor_add(AG_B, LT_ROLE_POLICE, WEB_AUTH_TOKEN, " of B");
	g_by[BY_C_CW] = actor_add(AG_C, LT_ROLE_CASEWORKER, WEB_AUTH_TOKEN, " of C");
	g_by[BY_C_PO] = actor_add(AG_C, LT_ROLE_POLICE, WEB_AUTH_TOKEN, " of C");

	for (size_t i = 0; i < N_PERSONS; i++)
		person_build(&person_specs[i], WORLD_NAME, &g_persons[i], &g_referrals[i]);
	for (size_t i = 0; i < N_CASES; i++)
		case_build(&case_specs[i], &g_cases[i]);
	for (size_t i = 0; i < N_ARRESTS; i++)
		arrest_build(&arrest_specs[i], &g_arrests[i]);
	for (size_t i = 0; i < N_SHARES; i++)
		share_build(&share_specs[i], &g_shares[i]);
	reports_build();
	web_check_open(&g_app);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	web_check_close();
	web_app_release(&g_app);
	store_close(g_store);
	lt_crypto_keyring_wipe(&g_keys);
	for (size_t i = 0; i < g_nactors; i++)
		lt_crypto_wipe(&g_actors[i], sizeof(g_actors[i]));
	return 0;
}

/* ---- the fixture table: how to call each route ----------------------------------------- */

/* One call of the matrix. */
struct cell {
	const struct fixture *fx;
	const struct web_route *route;
	const struct actor *caller; /* NULL: nobody */
	const struct rec *rec;      /* the record {id} names; NULL for none */
	char cookie[128];           /* the session it is made with ("" for none) */
	char csrf[LT_CRYPTO_SECRET_SIZE];
	bool no_csrf; /* sent without the session's CSRF token */
};

/* On what the decision is taken. */
enum facts_from {
	FACTS_RECORD, /* the record's */
	FACTS_NONE,   /* none: a list, a search, statistics, one's own session */
	FACTS_CREATE, /* the record as it would be stored: the caller's agency's, made by the
	                 caller */
};

/* An action in a fixture's `see` or `names`: 1 + the enum lt_action, so that
 * 0, a member left out, means none. */
#define ACT(a)         ((a) + 1)
#define ACT_NONE       0
#define ACT_OF(member) ((enum lt_action)((member)-1))

/* What an allowed call does to the audit log. */
enum audit_effect {
	AUDIT_GROWS, /* writes at least one entry (every change, every read of personal data) */
	AUDIT_SAME,  /* writes none (reads of what is not personal, statistics) */
};

/*
 * How to call a route. Written with designated initializers; a member left
 * out is NULL, 0, false or the first value of its enum.
 */
struct fixture {
	const char *method;
	const char *path; /* exactly as in web_routes */
	enum kind target; /* the records of the world it is called on: {id} (and {share}) name
	                     one, or the body names one (`names`); K_NONE: no record */
	enum facts_from facts;
	const char *query; /* what follows '?', or NULL */
	const char *ctype; /* NULL: JSON when there is a body */
	/* The body of a valid call into `out`; NULL: no body. */
	void (*body)(const struct cell *c, char *out, size_t cap);
	int ok;     /* the status of an allowed call */
	bool fresh; /* the call ends its record (or session): a fresh one for each call */
	/* ACT(a) for a route acting on a person through another resource (a
	 * share): the action by which the caller sees the person, so that
	 * refusing a person it sees is 403, not 404. */
	int see;
	/* ACT(a) when the body names the target record (a referral's person, a
	 * case's persons, an arrest's case) instead of the path: a create is
	 * checked with FACTS_CREATE, then the record named must be one the
	 * caller may do `a` to, else 400 naming the member (or `names_refused`). */
	int names;
	/* The status refusing a record the body names, when not 400 (a match
	 * decision answers 404 for the other person, as for the path's). */
	int names_refused;
	/* With `names`, for a change: the kind of record the path's {id} names,
	 * the colleague's record of that kind, on which the route's action is
	 * checked (K_NONE: the path names no record). */
	enum kind on;
	/* The text of the path's first {segment} for the target record when it
	 * is not the record's id (a pseudonym, say); NULL: the id (a report's
	 * reference, a share's person). */
	void (*param)(const struct cell *c, char *out, size_t cap);
	/* The path pairs the record with another it does not belong to (a share
	 * under a person not its own): whoever gets past the route's own
	 * checks is answered 404. */
	bool mismatched;
	enum audit_effect audit;
	/* Check the JSON answer of an allowed call (NULL: none). */
	void (*check)(const struct cell *c, json_t *doc);
};

static void body_person(const struct cell *c, char *out, size_t cap)
{
	(void)c;
	snprintf(out, cap, "{\"name\":\"Created Person\"}");
}
static void body_person_patch(const struct cell *c, char *out, size_t cap)
{
	(void)c;
	snprintf(out, cap, "{\"sex\":\"female\"}");
}
/* A referral of the colleague's person, which every caller that may make a
 * referral can read; or of the target person; or in the target case. */
static void body_referral(const struct cell *c, char *out, size_t cap)
{
	(void)c;
	snprintf(out, cap,
	         "{\"person\":%lld,\"date\":\"2024-05-01\",\"forms\":[\"unknown\"],\"place\":"
	         "\"unknown\"}",
	         (long long)g_persons[COLLEAGUE].id);
}
static void body_referral_of(const struct cell *c, char *out, size_t cap)
{
	snprintf(out, cap, "{\"person\":%lld,\"date\":\"2024-05-01\",\"forms\":[\"unknown\"]}",
	         (long long)c->rec->id);
}
static void body_referral_in(const struct cell *c, char *out, size_t cap)
{
	snprintf(out, cap,
	         "{\"person\":%lld,\"case\":%lld,\"date\":\"2024-05-01\",\"forms\":[\"unknown\"]}",
	         (long long)g_persons[COLLEAGUE].id, (long long)c->rec->id);
}
static void body_referral_patch(const struct cell *c, char *out, size_t cap)
{
	(void)c;
	snprintf(out, cap, "{\"notes\":\"called back\"}");
}
static void body_case(const struct cell *c, char *out, size_t cap)
{
	(void)c;
	snprintf(out, cap, "{\"ref\":\"MXN/%d\",\"opened\":\"2024-01-03\"}", ++g_serial);
}
static void body_case_about(const struct cell *c, char *out, size_t cap)
{
	snprintf(out, cap, "{\"ref\":\"MXN/%d\",\"opened\":\"2024-01-03\",\"persons\":[%lld]}",
	         ++g_serial, (long long)c->rec->id);
}
static void body_referral_into(const struct cell *c, char *out, size_t cap)
{
	snprintf(out, cap, "{\"case\":%lld}", (long long)c->rec->id);
}
static void body_case_persons(const struct cell *c, char *out, size_t cap)
{
	snprintf(out, cap, "{\"persons\":[%lld]}", (long long)c->rec->id);
}
static void body_case_patch(const struct cell *c, char *out, size_t cap)
{
	(void)c;
	snprintf(out, cap, "{\"forms\":[\"unknown\"]}");
}
static void body_arrest(const struct cell *c, char *out, size_t cap)
{
	(void)c;
	snprintf(out, cap, "{\"date\":\"2024-05-02\",\"offence\":\"forced_labour\"}");
}
static void body_arrest_in(const struct cell *c, char *out, size_t cap)
{
	snprintf(out, cap,
	         "{\"date\":\"2024-05-02\",\"offence\":\"forced_labour\",\"case\":\"%s\"}",
	         c->rec->ref);
}
static void body_report(const struct cell *c, char *out, size_t cap)
{
	snprintf(out, cap,
	         "{\"source\":\"partner\",\"agency\":\"%s\",\"forms\":[\"labour_exploitation\"],"
	         "\"place\":\"unknown\",\"received\":\"2024-05-01\"}",
	         c->caller ? c->caller->agency : "agency_a");
}
static void body_estimate(const struct cell *c, char *out, size_t cap)
{
	(void)c;
	snprintf(out, cap, "A,B,count\n1,0,30\n0,1,20\n1,1,10\n");
}
static void body_share(const struct cell *c, char *out, size_t cap)
{
	(void)c;
	snprintf(out, cap,
	         "{\"to_agency\":\"agency_c\",\"kind\":\"refer\",\"classes\":[\"identity\"],"
	         "\"basis\":\"consent\",\"consent_by\":\"person\",\"consent_at\":\"2024-05-01\","
	         "\"purpose\":\"matrix\"}");
}
/* The colleague's person, for a share that is not of it. */
static void param_colleague_person(const struct cell *c, char *out, size_t cap)
{
	(void)c;
	snprintf(out, cap, "%lld", (long long)g_persons[COLLEAGUE].id);
}
static void body_logout(const struct cell *c, char *out, size_t cap)
{
	snprintf(out, cap, "csrf=%s", c->no_csrf ? "" : c->csrf);
}

static void check_id(const struct cell *c, json_t *doc);
static void check_on_id(const struct cell *c, json_t *doc);
static void check_person(const struct cell *c, json_t *doc);
static void check_report(const struct cell *c, json_t *doc);
static void check_reports(const struct cell *c, json_t *doc);
static void check_search(const struct cell *c, json_t *doc);
static void check_shares(const struct cell *c, json_t *doc);
static void check_names_person(const struct cell *c, json_t *doc);
static void check_names_case(const struct cell *c, json_t *doc);
static void check_about_person(const struct cell *c, json_t *doc);
static void check_arrest_case(const struct cell *c, json_t *doc);
static void check_export(const struct cell *c, json_t *doc);
static void check_pseudo_list(const struct cell *c, json_t *doc);
static void check_pseudo_person(const struct cell *c, json_t *doc);
static void check_matches(const struct cell *c, json_t *doc);

/* A match decision about the target person and the colleague's (or, for
 * the colleague's own, the first person of A), which every caller of A
 * that may decide can read. */
static void body_match(const struct cell *c, char *out, size_t cap)
{
	int64_t other = g_persons[COLLEAGUE].id;
	if (c->rec && c->rec->id == other)
		other = g_persons[0].id;
	snprintf(out, cap, "{\"other\":%lld,\"decision\":\"same\",\"reason\":\"matrix\"}",
	         (long long)other);
}

/* A decision that the colleague's person (the path's) is not the target
 * (for the colleague's person itself, the first person of A: a person of
 * the same agency, which every caller sees alike). */
static void body_match_other(const struct cell *c, char *out, size_t cap)
{
	int64_t other = c->rec->id == g_persons[COLLEAGUE].id ? g_persons[0].id : c->rec->id;
	snprintf(out, cap, "{\"other\":%lld,\"decision\":\"not_same\",\"reason\":\"matrix\"}",
	         (long long)other);
}

/* The pseudonym of the target person (store_sqlite_debug_pseudonym: only a
 * test may map an id to a pseudonym). */
static void param_pseudonym(const struct cell *c, char *out, size_t cap)
{
	char p[LT_CRYPTO_PSEUDONYM_SIZE];
	struct lt_error err = {0};
	if (store_sqlite_debug_pseudonym(g_store, &g_keys, c->rec->id, p, &err) != LT_OK)
		fail_msg("the pseudonym of person %lld: %s", (long long)c->rec->id, err.message);
	snprintf(out, cap, "%s", p);
}

/*
 * Every route that needs a principal has at least one row (the matrix
 * fails naming a route without one); a route whose body names records has
 * a row for that too. A new route adds its rows here, in the same commit.
 */
static const struct fixture fixtures[] = {
    /* signed-in pages and the session */
    {.method = "GET", .path = "/staff", .facts = FACTS_NONE, .ok = 200, .audit = AUDIT_SAME},
    {.method = "POST",
     .path = "/logout",
     .facts = FACTS_NONE,
     .ctype = FORM,
     .body = body_logout,
     .ok = 303,
     .fresh = true},
    {.method = "GET",
     .path = "/api/v1/session",
     .facts = FACTS_NONE,
     .ok = 200,
     .audit = AUDIT_SAME},
    {.method = "DELETE", .path = "/api/v1/session", .facts = FACTS_NONE, .ok = 200, .fresh = true},
    /* reports and statistics */
    {.method = "POST",
     .path = "/api/v1/reports",
     .facts = FACTS_CREATE,
     .body = body_report,
     .ok = 201},
    {.method = "GET",
     .path = "/api/v1/reports",
     .facts = FACTS_NONE,
     .query = "limit=200",
     .ok = 200,
     .audit = AUDIT_SAME,
     .check = check_reports},
    {.method = "GET",
     .path = "/api/v1/reports/{ref}",
     .target = K_REPORT,
     .ok = 200,
     .audit = AUDIT_SAME,
     .check = check_report},
    {.method = "POST",
     .path = "/api/v1/estimate",
     .facts = FACTS_NONE,
     .ctype = "text/csv",
     .body = body_estimate,
     .ok = 200,
     .audit = AUDIT_SAME},
    /* persons */
    {.method = "POST",
     .path = "/api/v1/persons",
     .facts = FACTS_CREATE,
     .body = body_person,
     .ok = 201},
    {.method = "GET",
     .path = "/api/v1/persons",
     .facts = FACTS_NONE,
     .query = "name=matrix%20person&purpose=matrix&limit=200",
     .ok = 200,
     .check = check_search},
    {.method = "GET",
     .path = "/api/v1/persons/{id}",
     .target = K_PERSON,
     .query = "purpose=matrix",
     .ok = 200,
     .check = check_person},
    {.method = "PATCH",
     .path = "/api/v1/persons/{id}",
     .target = K_PERSON,
     .body = body_person_patch,
     .ok = 200,
     .check = check_id},
    {.method = "DELETE",
     .path = "/api/v1/persons/{id}",
     .target = K_PERSON,
     .query = "reason=matrix",
     .ok = 200,
     .fresh = true,
     .check = check_id},
    /* referrals: of a person the caller may read, of each person, in each case */
    {.method = "POST",
     .path = "/api/v1/referrals",
     .facts = FACTS_CREATE,
     .body = body_referral,
     .ok = 201},
    {.method = "POST",
     .path = "/api/v1/referrals",
     .target = K_PERSON,
     .facts = FACTS_CREATE,
     .body = body_referral_of,
     .ok = 201,
     .names = ACT(LT_ACTION_PERSON_READ),
     .check = check_names_person},
    {.method = "POST",
     .path = "/api/v1/referrals",
     .target = K_CASE,
     .facts = FACTS_CREATE,
     .body = body_referral_in,
     .ok = 201,
     .names = ACT(LT_ACTION_CASE_READ),
     .check = check_names_case},
    {.method = "GET",
     .path = "/api/v1/referrals/{id}",
     .target = K_REFERRAL,
     .query = "purpose=matrix",
     .ok = 200,
     .check = check_id},
    {.method = "PATCH",
     .path = "/api/v1/referrals/{id}",
     .target = K_REFERRAL,
     .body = body_referral_patch,
     .ok = 200,
     .check = check_id},
    {.method = "PATCH",
     .path = "/api/v1/referrals/{id}",
     .target = K_CASE,
     .body = body_referral_into,
     .ok = 200,
     .names = ACT(LT_ACTION_CASE_READ),
     .on = K_REFERRAL,
     .check = check_on_id},
    /* cases: about nobody, about each person */
    {.method = "POST",
     .path = "/api/v1/cases",
     .facts = FACTS_CREATE,
     .body = body_case,
     .ok = 201},
    {.method = "POST",
     .path = "/api/v1/cases",
     .target = K_PERSON,
     .facts = FACTS_CREATE,
     .body = body_case_about,
     .ok = 201,
     .names = ACT(LT_ACTION_PERSON_READ),
     .check = check_about_person},
    {.method = "GET",
     .path = "/api/v1/cases/{id}",
     .target = K_CASE,
     .query = "purpose=matrix",
     .ok = 200,
     .check = check_id},
    {.method = "PATCH",
     .path = "/api/v1/cases/{id}",
     .target = K_CASE,
     .body = body_case_patch,
     .ok = 200,
     .check = check_id},
    {.method = "PATCH",
     .path = "/api/v1/cases/{id}",
     .target = K_PERSON,
     .body = body_case_persons,
     .ok = 200,
     .names = ACT(LT_ACTION_PERSON_READ),
     .on = K_CASE,
     .check = check_on_id},
    /* arrests: in no case, in each case */
    {.method = "POST",
     .path = "/api/v1/arrests",
     .facts = FACTS_CREATE,
     .body = body_arrest,
     .ok = 201},
    {.method = "POST",
     .path = "/api/v1/arrests",
     .target = K_CASE,
     .facts = FACTS_CREATE,
     .body = body_arrest_in,
     .ok = 201,
     .names = ACT(LT_ACTION_CASE_READ),
     .check = check_arrest_case},
    {.method = "GET",
     .path = "/api/v1/arrests/{id}",
     .target = K_ARREST,
     .ok = 200,
     .audit = AUDIT_SAME,
     .check = check_id},
    /* sharing */
    {.method = "POST",
     .path = "/api/v1/persons/{id}/shares",
     .target = K_PERSON,
     .body = body_share,
     .ok = 201,
     .see = ACT(LT_ACTION_PERSON_READ)},
    {.method = "GET",
     .path = "/api/v1/persons/{id}/shares",
     .target = K_PERSON,
     .ok = 200,
     .audit = AUDIT_GROWS, /* share.list: whom the person was shared with is theirs */
     .check = check_shares},
    {.method = "DELETE",
     .path = "/api/v1/persons/{id}/shares/{share}",
     .target = K_SHARE,
     .ok = 200,
     .fresh = true,
     .check = check_id},
    {.method = "DELETE",
     .path = "/api/v1/persons/{id}/shares/{share}",
     .target = K_SHARE,
     .param = param_colleague_person,
     .mismatched = true,
     .ok = 200,
     .fresh = true},
    /* subject access export: the owner's agency administrator */
    {.method = "GET",
     .path = "/api/v1/persons/{id}/export",
     .target = K_PERSON,
     .query = "purpose=matrix",
     .ok = 200,
     .check = check_export},
    /* record linkage: a person's likely matches among those the caller may read, and
     * match decisions */
    {.method = "GET",
     .path = "/api/v1/persons/{id}/matches",
     .target = K_PERSON,
     .query = "purpose=matrix",
     .ok = 200,
     .check = check_matches},
    {.method = "POST",
     .path = "/api/v1/persons/{id}/matches",
     .target = K_PERSON,
     .body = body_match,
     .ok = 200},
    {.method = "POST",
     .path = "/api/v1/persons/{id}/matches",
     .target = K_PERSON,
     .on = K_PERSON,
     .body = body_match_other,
     .names = ACT(LT_ACTION_PERSON_MATCH_DECIDE),
     .names_refused = 404,
     .ok = 200},
    /* analysts' pseudonymised reads: every person, or one by its pseudonym */
    {.method = "GET",
     .path = "/api/v1/pseudonymised/persons",
     .facts = FACTS_NONE,
     .query = "purpose=matrix&limit=200",
     .ok = 200,
     .check = check_pseudo_list},
    {.method = "GET",
     .path = "/api/v1/pseudonymised/persons/{pseudonym}",
     .target = K_PERSON,
     .param = param_pseudonym,
     .query = "purpose=matrix",
     .ok = 200,
     .check = check_pseudo_person},
};
#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

/* ---- deciding what a cell should answer ------------------------------------------------- */

static struct lt_access_facts facts_for(const struct actor *caller, const struct rec *r)
{
	struct lt_access_facts f = {r->owner, LT_PRINCIPAL_NONE, 0, false};
	if (r->by) {
		f.creator_kind = r->by->p.kind;
		f.creator_id = r->by->p.id;
	}
	f.shared = r->shared_to != 0 && r->shared_to == caller->p.agency_id;
	return f;
}

/* The colleague's record of kind `k`: what the path names in a change whose
 * body names the target. */
static const struct rec *colleague_rec(enum kind k)
{
	switch (k) {
	case K_PERSON:
		return &g_persons[COLLEAGUE];
	case K_REFERRAL:
		return &g_referrals[COLLEAGUE];
	case K_CASE:
		return &g_cases[COLLEAGUE];
	default:
		fail_msg("no colleague's record of kind %d", (int)k);
		return NULL;
	}
}

static bool method_unsafe(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* The status the cell must answer, by the access table; *allowed says
 * whether that is the route's success. */
static int want_status(const struct cell *c, bool *allowed)
{
	const struct web_route *r = c->route;
	const struct fixture *fx = c->fx;
	*allowed = false;
	if (!c->caller || c->caller->dead)
		return r->kind == WEB_KIND_PAGE ? 303 : 401;
	if (r->access == WEB_ACCESS_SESSION && c->caller->auth != WEB_AUTH_SESSION)
		return 403;
	if (r->action != WEB_NO_ACTION &&
	    lt_access_check(&c->caller->p, (enum lt_action)r->action, NULL) != LT_OK)
		return 403; /* the role's cell is empty: refused before anything is read */
	if (method_unsafe(r->method) && c->caller->auth == WEB_AUTH_SESSION && c->no_csrf)
		return 403;
	lt_status st = LT_OK;
	if (r->action != WEB_NO_ACTION && fx->facts != FACTS_NONE) {
		struct lt_access_facts f;
		if (fx->facts == FACTS_CREATE)
			f = (struct lt_access_facts){c->caller->p.agency_id, c->caller->p.kind,
			                             c->caller->p.id, false};
		else
			f = facts_for(c->caller, fx->on != K_NONE ? colleague_rec(fx->on) : c->rec);
		st = lt_access_check(&c->caller->p, (enum lt_action)r->action, &f);
		if (st == LT_ENOTFOUND && fx->see != ACT_NONE &&
		    lt_access_check(&c->caller->p, ACT_OF(fx->see), &f) == LT_OK)
			st = LT_EFORBIDDEN;
	}
	if (fx->mismatched)
		return 404;
	if (st == LT_OK && fx->names != ACT_NONE) {
		/* the record the body names: one the caller may not see is a bad
		 * member (400), never a hint that it exists */
		struct lt_access_facts f = facts_for(c->caller, c->rec);
		if (lt_access_check(&c->caller->p, ACT_OF(fx->names), &f) != LT_OK)
			return fx->names_refused ? fx->names_refused : 400;
	}
	*allowed = st == LT_OK;
	return st == LT_OK ? fx->ok : lt_status_http(st);
}

/* "own", "agency", "shared", "other", "public", "list", "new", with the
 * record's fate: how the record stands to the caller. */
static void scope_words(const struct cell *c, char *out, size_t cap)
{
	if (!c->rec) {
		snprintf(out, cap, "%s", c->fx->facts == FACTS_CREATE ? "new" : "none");
		return;
	}
	if (!c->caller || c->caller->dead) {
		snprintf(out, cap, "any%s%s", c->rec->fate[0] ? "/" : "", c->rec->fate);
		return;
	}
	struct lt_access_facts f = facts_for(c->caller, c->rec);
	unsigned rel = lt_access_relation(&c->caller->p, &f);
	const char *w = rel & LT_SCOPE_OWN      ? "own"
	                : rel & LT_SCOPE_AGENCY ? "agency"
	                : rel & LT_SCOPE_SHARED ? "shared"
	                : c->rec->owner == 0    ? "public"
	                                        : "other";
	snprintf(out, cap, "%s%s%s%s", w, c->rec->fate[0] ? "/" : "", c->rec->fate,
	         c->fx->mismatched ? "/under another record" : "");
}

/* ---- running the cells ----------------------------------------------------------------- */

static struct lt_buf g_failures;
static size_t g_nfailures, g_ncells, g_nallowed, g_nfixtures;

static void failure(const struct cell *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void failure(const struct cell *c, const char *fmt, ...)
{
	char scope[64], msg[600];
	va_list ap;
	scope_words(c, scope, sizeof(scope));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g_nfailures++;
	if (g_nfailures <= 300)
		(void)lt_buf_printf(&g_failures, "  %s%s %s %s %s: %s\n",
		                    c->caller ? c->caller->name : "no principal",
		                    c->no_csrf ? " (no CSRF token)" : "", scope, c->route->method,
		                    c->route->path, msg);
}

/* The id of the newest audit entry (0 when none). */
static int64_t audit_last(void)
{
	struct store_audit_entry *a = NULL;
	size_t n = 0;
	struct lt_error err;
	assert_int_equal(store_audit_tail(g_store, 1, &a, &n, &err), LT_OK);
	int64_t id = n ? a[0].id : 0;
	free(a);
	return id;
}

/* The path of the cell: the route's with {id}, {share}, {ref} filled, and
 * the fixture's query. */
static void target_of(const struct cell *c, char *out, size_t cap)
{
	struct lt_buf b;
	size_t k = 0;
	lt_status st = LT_OK;
	lt_buf_init(&b, cap - 1);
	for (const char *p = c->route->path; *p && st == LT_OK;) {
		if (*p != '{') {
			st = lt_buf_append(&b, p++, 1);
			continue;
		}
		char v[256] = "0";
		if (k == 0 && c->fx->param && c->rec)
			c->fx->param(c, v, sizeof(v));
		else if (c->fx->on != K_NONE)
			snprintf(v, sizeof(v), "%lld", (long long)colleague_rec(c->fx->on)->id);
		else if (c->rec && c->rec->kind == K_REPORT)
			snprintf(v, sizeof(v), "%s", c->rec->ref);
		else if (c->rec && c->rec->kind == K_SHARE)
			snprintf(v, sizeof(v), "%lld",
			         (long long)(k == 0 ? c->rec->person : c->rec->id));
		else if (c->rec)
			snprintf(v, sizeof(v), "%lld", (long long)c->rec->id);
		st = lt_buf_puts(&b, v);
		p = strchr(p, '}') + 1;
		k++;
	}
	if (st == LT_OK && c->fx->query)
		st = lt_buf_printf(&b, "?%s", c->fx->query);
	if (st != LT_OK)
		fail_msg("the target of %s %s does not fit", c->route->method, c->route->path);
	snprintf(out, cap, "%s", lt_buf_str(&b));
	lt_buf_release(&b);
}

static void run_cell(struct cell *c)
{
	const struct fixture *fx = c->fx;
	char target[512], body[1024] = "";
	struct web_request rq;
	struct web_response rs;

	if (c->caller && c->caller->auth == WEB_AUTH_SESSION) {
		if (fx->fresh && !c->rec) {
			session_new(c->caller->user, c->cookie, c->csrf);
		} else {
			memcpy(c->cookie, c->caller->cookie, sizeof(c->cookie));
			memcpy(c->csrf, c->caller->csrf, sizeof(c->csrf));
		}
	}
	target_of(c, target, sizeof(target));
	if (fx->body)
		fx->body(c, body, sizeof(body));
	bool allowed;
	int want = want_status(c, &allowed);

	memset(&rq, 0, sizeof(rq));
	rq.method = fx->method;
	rq.target = target;
	rq.body = fx->body ? body : NULL;
	rq.body_len = fx->body ? strlen(body) : 0;
	rq.content_type = fx->ctype ? fx->ctype : fx->body ? JSON : NULL;
	rq.now = NOW;
	rq.today = (struct lt_date){2024, 6, 1};
	rq.peer_loopback = true;
	rq.peer = "127.0.0.1";
	rq.id = "rmatrix";
	if (c->caller && c->caller->auth == WEB_AUTH_TOKEN)
		rq.authorization = c->caller->authz;
	if (c->caller && c->caller->auth == WEB_AUTH_SESSION) {
		rq.cookie = c->cookie;
		if (!c->no_csrf && c->route->kind == WEB_KIND_API)
			rq.csrf_header = c->csrf;
	}

	int64_t before = audit_last();
	web_response_init(&rs);
	web_handle(&g_app, &rq, &rs);
	web_check_answer(fx->method, target, "rmatrix", &rs);
	int64_t after = audit_last();
	g_ncells++;

	if (rs.status != want) {
		failure(c, "got %d, want %d (%.160s)", rs.status, want, rs.body ? rs.body : "");
		goto out;
	}
	if (!allowed && after != before)
		failure(c, "refused with %d but the audit log grew from entry %lld to %lld",
		        rs.status, (long long)before, (long long)after);
	if (want == 303 && (!c->caller || c->caller->dead) &&
	    strcmp(web_response_header_get(&rs, "Location")
	               ? web_response_header_get(&rs, "Location")
	               : "",
	           "/login") != 0)
		failure(c, "a page refused nobody without sending it to /login");
	if (allowed && fx->audit == AUDIT_GROWS && after == before)
		failure(c, "allowed, but wrote nothing to the audit log");
	if (allowed && fx->audit == AUDIT_SAME && after != before)
		failure(c,
		        "a call that changes nothing wrote to the audit log (entries %lld to %lld)",
		        (long long)before, (long long)after);
	if (allowed) {
		g_nallowed++;
		if (fx->check) {
			json_t *doc = json_loadb(rs.body ? rs.body : "", rs.body_len, 0, NULL);
			if (!doc)
				failure(c, "the answer is not JSON");
			else
				fx->check(c, doc);
			json_decref(doc);
		}
	}
out:
	web_response_release(&rs);
}

/* ---- checks of allowed answers --------------------------------------------------------- */

/* An export is of the person asked for, whose name it holds in full (only
 * the owner's administrator may make one). */
static void check_export(const struct cell *c, json_t *doc)
{
	json_t *p = json_object_get(doc, "person");
	int64_t id = (int64_t)json_integer_value(json_object_get(p, "id"));
	const char *name = json_string_value(json_object_get(p, "name"));
	if (id != c->rec->id)
		failure(c, "exported person %lld, not %lld", (long long)id, (long long)c->rec->id);
	if (!name || strcmp(name, WORLD_NAME) != 0)
		failure(c, "the export does not hold the person's name");
	if (!json_is_array(json_object_get(doc, "audit")))
		failure(c, "the export has no audit trail");
}

/* A pseudonymised answer holds no name and no id. */
static void check_pseudonymised(const struct cell *c, json_t *item)
{
	const char *p = json_string_value(json_object_get(item, "pseudonym"));
	if (!p || !lt_crypto_pseudonym_well_formed(p, strlen(p)))
		failure(c, "a pseudonymised person without a pseudonym");
	if (json_object_get(item, "name") || json_object_get(item, "id"))
		failure(c, "a pseudonymised person with a name or an id");
	char *text = json_dumps(item, JSON_COMPACT);
	if (text && strstr(text, WORLD_NAME))
		failure(c, "a pseudonymised person holds the name " WORLD_NAME);
	free(text);
}

static void check_pseudo_list(const struct cell *c, json_t *doc)
{
	json_t *items = json_object_get(doc, "items"), *it;
	size_t i;
	if (json_array_size(items) == 0)
		failure(c, "the pseudonymised list is empty");
	json_array_foreach(items, i, it) check_pseudonymised(c, it);
}

static void check_pseudo_person(const struct cell *c, json_t *doc)
{
	char want[LT_CRYPTO_PSEUDONYM_SIZE];
	const char *p = json_string_value(json_object_get(doc, "pseudonym"));
	param_pseudonym(c, want, sizeof(want));
	check_pseudonymised(c, doc);
	if (!p || strcmp(p, want) != 0)
		failure(c, "answered %s, not person %lld's %s", p ? p : "null",
		        (long long)c->rec->id, want);
}

/* The answer is the record `want`. */
static void check_id_is(const struct cell *c, json_t *doc, int64_t want)
{
	int64_t id = (int64_t)json_integer_value(json_object_get(doc, "id"));
	if (id != want)
		failure(c, "answered record %lld, not %lld", (long long)id, (long long)want);
}

static void check_id(const struct cell *c, json_t *doc)
{
	check_id_is(c, doc, c->rec->id);
}

/* Does the caller see the person's identity (its own agency's, or referred
 * with it)? */
static bool identity_visible(const struct actor *a, const struct rec *p)
{
	return p->owner == a->p.agency_id || (p->shared_to == a->p.agency_id && p->identity_shared);
}

static void check_on_id(const struct cell *c, json_t *doc)
{
	check_id_is(c, doc, colleague_rec(c->fx->on)->id);
}

static void check_person(const struct cell *c, json_t *doc)
{
	check_id(c, doc);
	const char *name = json_string_value(json_object_get(doc, "name"));
	if (identity_visible(c->caller, c->rec)) {
		if (!name || strcmp(name, WORLD_NAME) != 0)
			failure(c, "the person's name is %s, not " WORLD_NAME,
			        name ? name : "null");
	} else if (name) {
		failure(c, "the person's name is shown, though its identity is not shared");
	}
}

static void check_report(const struct cell *c, json_t *doc)
{
	const char *ref = json_string_value(json_object_get(doc, "ref"));
	if (!ref || strcmp(ref, c->rec->ref) != 0)
		failure(c, "answered report %s, not %s", ref ? ref : "null", c->rec->ref);
}

/* A record made by a call that names the target: it names it. */
static void check_names_person(const struct cell *c, json_t *doc)
{
	if (json_integer_value(json_object_get(doc, "person")) != c->rec->id)
		failure(c, "the referral is not of person %lld", (long long)c->rec->id);
}
static void check_names_case(const struct cell *c, json_t *doc)
{
	if (json_integer_value(json_object_get(doc, "case")) != c->rec->id)
		failure(c, "the referral is not in case %lld", (long long)c->rec->id);
}
static void check_about_person(const struct cell *c, json_t *doc)
{
	json_t *ps = json_object_get(doc, "persons");
	if (json_array_size(ps) != 1 || json_integer_value(json_array_get(ps, 0)) != c->rec->id)
		failure(c, "the case is not about person %lld", (long long)c->rec->id);
}
static void check_arrest_case(const struct cell *c, json_t *doc)
{
	const char *ref = json_string_value(json_object_get(doc, "case"));
	if (!ref || strcmp(ref, c->rec->ref) != 0)
		failure(c, "the arrest is not in case %s", c->rec->ref);
}

static bool person_readable(const struct actor *a, const struct rec *p)
{
	struct lt_access_facts f = facts_for(a, p);
	return lt_access_check(&a->p, LT_ACTION_PERSON_READ, &f) == LT_OK;
}

/* Does the caller read the person by name: may read it, and see its identity? */
static bool readable_by_name(const struct actor *a, const struct rec *p)
{
	return person_readable(a, p) && identity_visible(a, p);
}

/* Every person of the world listed in `items` (objects with an "id") is
 * one the caller reads by name; with `world_only`, every person listed is
 * of the world. */
static void check_listed_readable(const struct cell *c, json_t *items, bool world_only)
{
	json_t *it;
	size_t i;
	json_array_foreach(items, i, it)
	{
		int64_t id = (int64_t)json_integer_value(json_object_get(it, "id"));
		const struct rec *p = NULL;
		for (size_t k = 0; k < N_PERSONS; k++)
			if (g_persons[k].id == id)
				p = &g_persons[k];
		if (!p && world_only)
			failure(c, "lists person %lld, not of the world", (long long)id);
		else if (p && !readable_by_name(c->caller, p))
			failure(c, "lists person %lld, which it may not read by name",
			        (long long)id);
	}
}

/* Every person of the world the caller reads by name but `skip` (0: none)
 * is listed in `items`. */
static void check_lists_readable(const struct cell *c, json_t *items, int64_t skip)
{
	json_t *it;
	size_t i;
	for (size_t k = 0; k < N_PERSONS; k++) {
		if (g_persons[k].id == skip || !readable_by_name(c->caller, &g_persons[k]))
			continue;
		bool found = false;
		json_array_foreach(items, i, it) found =
		    found || json_integer_value(json_object_get(it, "id")) == g_persons[k].id;
		if (!found)
			failure(c, "does not list person %lld, which it may read by name",
			        (long long)g_persons[k].id);
	}
}

/* A search finds exactly the persons of the world the caller may read by
 * name. */
static void check_search(const struct cell *c, json_t *doc)
{
	json_t *items = json_object_get(doc, "items");
	check_listed_readable(c, items, true);
	check_lists_readable(c, items, 0);
}

/* The likely matches of a person: every person of the world listed is one the
 * caller may read by name (a person of an agency that did not share it, or
 * shared it without its identity, is a leak); every such person of the
 * world with the same name is listed when the target's identity is the
 * caller's to see (all are named WORLD_NAME); never the target itself. */
static void check_matches(const struct cell *c, json_t *doc)
{
	json_t *items = json_object_get(doc, "matches"), *it;
	size_t i;
	if (!json_is_array(items)) {
		failure(c, "no matches array");
		return;
	}
	json_array_foreach(items, i, it)
	{
		int64_t id = (int64_t)json_integer_value(json_object_get(it, "id"));
		if (id == c->rec->id)
			failure(c, "the person is listed as its own match");
		if (!json_is_object(json_object_get(it, "explanation")))
			failure(c, "match %lld has no explanation", (long long)id);
	}
	check_listed_readable(c, items, false);
	if (identity_visible(c->caller, c->rec))
		check_lists_readable(c, items, c->rec->id);
}

static int64_t agency_id_of(const char *code)
{
	for (size_t i = 0; code && i < AG_COUNT; i++)
		if (strcmp(g_agencies[i].code, code) == 0)
			return g_agencies[i].id;
	return 0;
}

/* A list of reports holds only reports the caller may read, and every
 * report of the world it may read. */
static void check_reports(const struct cell *c, json_t *doc)
{
	json_t *items = json_object_get(doc, "items"), *it;
	size_t i;
	json_array_foreach(items, i, it)
	{
		struct lt_access_facts f = {
		    agency_id_of(json_string_value(json_object_get(it, "agency"))),
		    LT_PRINCIPAL_NONE, 0, false};
		if (lt_access_check(&c->caller->p, LT_ACTION_REPORT_READ, &f) != LT_OK)
			failure(c, "lists report %s, which it may not read",
			        json_string_value(json_object_get(it, "ref")));
	}
	for (size_t k = 0; k < N_REPORTS; k++) {
		struct lt_access_facts f = facts_for(c->caller, &g_reports[k]);
		if (lt_access_check(&c->caller->p, LT_ACTION_REPORT_READ, &f) != LT_OK)
			continue;
		bool found = false;
		json_array_foreach(items, i, it)
		{
			const char *ref = json_string_value(json_object_get(it, "ref"));
			found = found || (ref && strcmp(ref, g_reports[k].ref) == 0);
		}
		if (!found)
			failure(c, "does not list report %s, which it may read", g_reports[k].ref);
	}
}

/* The shares of a person: all of them for its owner, those with the
 * caller's agency for a receiver. */
static void check_shares(const struct cell *c, json_t *doc)
{
	json_t *items = json_object_get(doc, "items"), *it;
	size_t i;
	bool owner = c->rec->owner == c->caller->p.agency_id;
	json_array_foreach(items, i, it)
	{
		const char *to = json_string_value(json_object_get(it, "to_agency"));
		if (!owner && (!to || strcmp(to, c->caller->agency) != 0))
			failure(c, "a receiver sees a share to %s", to ? to : "null");
	}
	if (c->rec->shared_to == c->caller->p.agency_id && json_array_size(items) == 0)
		failure(c, "the receiver does not see the share with its agency");
}

/* ---- the matrix ---------------------------------------------------------------------- */

/* The first fixture of route `r` after `from` (NULL: the first), or NULL. */
static const struct fixture *fixture_next(const struct web_route *r, const struct fixture *from)
{
	for (size_t i = from ? (size_t)(from - fixtures) + 1 : 0; i < N_FIXTURES; i++)
		if (strcmp(fixtures[i].method, r->method) == 0 &&
		    strcmp(fixtures[i].path, r->path) == 0)
			return &fixtures[i];
	return NULL;
}

/* Does the route need a principal (and so belong to the matrix)? */
static bool in_matrix(const struct web_route *r)
{
	return r->access != WEB_ACCESS_PUBLIC || r->action != WEB_NO_ACTION;
}

/* Every route that needs a principal has a fixture, and every fixture a
 * route. */
static void test_every_route_has_a_fixture(void **state)
{
	(void)state;
	char missing[4096] = "";
	size_t n = 0;
	for (size_t i = 0; i < web_route_count; i++) {
		const struct web_route *r = &web_routes[i];
		if (!in_matrix(r) || fixture_next(r, NULL))
			continue;
		n += (size_t)snprintf(missing + n, n < sizeof(missing) ? sizeof(missing) - n : 0,
		                      "  %s %s (action %s): add a row to fixtures[] in "
		                      "tests/web/test_web_matrix.c saying how to call it\n",
		                      r->method, r->path,
		                      r->action == WEB_NO_ACTION
		                          ? "none"
		                          : lt_action_info((enum lt_action)r->action)->code);
	}
	if (n)
		fail_msg("routes that need a principal but have no fixture in the matrix:\n%s",
		         missing);
	for (size_t k = 0; k < N_FIXTURES; k++) {
		bool found = false;
		for (size_t i = 0; i < web_route_count; i++)
			found = found || (strcmp(fixtures[k].method, web_routes[i].method) == 0 &&
			                  strcmp(fixtures[k].path, web_routes[i].path) == 0);
		if (!found)
			fail_msg("fixture %s %s names no route of web_routes", fixtures[k].method,
			         fixtures[k].path);
	}
}

/* The records a fixture's {id} names, or one NULL. */
static size_t targets_of(enum kind k, const struct rec **out)
{
	switch (k) {
	case K_NONE:
		*out = NULL;
		return 1;
	case K_PERSON:
		*out = g_persons;
		return N_PERSONS;
	case K_REFERRAL:
		*out = g_referrals;
		return N_PERSONS;
	case K_CASE:
		*out = g_cases;
		return N_CASES;
	case K_ARREST:
		*out = g_arrests;
		return N_ARRESTS;
	case K_REPORT:
		*out = g_reports;
		return N_REPORTS;
	case K_SHARE:
		*out = g_shares;
		return N_SHARES;
	}
	return 0;
}

/* A fresh record like world record `i` of kind `k`. */
static void fresh_build(enum kind k, size_t i, struct rec *out)
{
	switch (k) {
	case K_PERSON:
		person_build(&person_specs[i], FRESH_NAME, out, NULL);
		return;
	case K_SHARE:
		share_build(&share_specs[i], out);
		return;
	case K_CASE:
		case_build(&case_specs[i], out);
		return;
	default:
		fail_msg("no fresh records of kind %d", (int)k);
	}
}

/* Every cell of one fixture: nobody, then every caller; a session's unsafe
 * calls also without the CSRF token; on each record of the target kind. */
static void run_fixture(const struct web_route *r, const struct fixture *fx)
{
	const struct rec *recs;
	size_t nrecs = targets_of(fx->target, &recs);
	g_nfixtures++;
	for (size_t ci = 0; ci <= g_ncallers; ci++) {
		const struct actor *caller = ci ? &g_actors[ci - 1] : NULL;
		int variants =
		    caller && caller->auth == WEB_AUTH_SESSION && method_unsafe(r->method) ? 2 : 1;
		for (int v = 0; v < variants; v++)
			for (size_t t = 0; t < nrecs; t++) {
				struct cell c = {fx, r, caller, recs ? &recs[t] : NULL};
				struct rec fresh;
				c.no_csrf = v == 1;
				if (fx->fresh && recs) {
					fresh_build(fx->target, t, &fresh);
					c.rec = &fresh;
				}
				run_cell(&c);
			}
	}
}

static void test_matrix(void **state)
{
	(void)state;
	size_t routes = 0;
	lt_buf_init(&g_failures, 1 << 20);
	g_nfailures = g_ncells = g_nallowed = g_nfixtures = 0;
	for (size_t i = 0; i < web_route_count; i++) {
		const struct web_route *r = &web_routes[i];
		if (!in_matrix(r) || !fixture_next(r, NULL))
			continue; /* test_every_route_has_a_fixture names it */
		routes++;
		for (const struct fixture *fx = fixture_next(r, NULL); fx; fx = fixture_next(r, fx))
			run_fixture(r, fx);
	}
	print_message("[ matrix   ] %zu routes (%zu fixtures), %zu callers and nobody, %zu cells "
	              "(%zu allowed), %zu wrong\n",
	              routes, g_nfixtures, g_ncallers, g_ncells, g_nallowed, g_nfailures);
	if (g_nfailures) {
		/* line by line: cmocka's messages are short */
		print_error("%zu cells of the access matrix answered wrongly (caller scope METHOD "
		            "path: got, want):\n",
		            g_nfailures);
		for (const char *p = lt_buf_str(&g_failures); *p;) {
			size_t n = strcspn(p, "\n");
			print_error("%.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	lt_buf_release(&g_failures);
	assert_int_equal(g_nfailures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_route_has_a_fixture),
	    cmocka_unit_test(test_matrix),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
