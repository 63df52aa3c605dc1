/*
 * test_access.c — unit tests of src/core/access.{h,c}: the access table and
 * THE RULE.
 *
 * The main test walks the whole table: every role, every action, against a
 * record in each situation a principal can meet — created by itself in its
 * own agency, by a colleague, owned by another agency and shared with its
 * own, owned by another agency and not shared, owned by no agency, created
 * by itself but since transferred away — and with no record at all. The
 * expected outcome of each of those 5 x 23 x 7 checks (twice: as an account
 * and as a token) is written out below
 * by hand, from the policy as docs/security.md states it, not computed from
 * the table: a changed cell or a changed rule fails here until this
 * expectation is changed too, on purpose.
 *
 * The other tests pin the invariants the design promises (no superuser, no
 * identified reads across agencies, administrators read no personal data,
 * tokens are not administrators), the granting rules, and that
 * docs/security.md shows every row of the table.
 */
#include "testutil.h"

#include "core/access.h"
#include "core/buf.h"

/* The situations of a record relative to the principal (user 10 of agency
 * 1; a colleague is user 11; the other agency is 2). */
enum { MINE, COLLEAGUE, SHARED, FOREIGN, OWNERLESS, TRANSFERRED, NORECORD, NSIT };

static const char *const sit_names[NSIT] = {
    "created by me",
    "a colleague's",
    "another agency's, shared with mine",
    "another agency's, not shared",
    "of no agency",
    "created by me, transferred away",
    "no record",
};

static const struct lt_access_facts sit_facts[NORECORD] = {
    [MINE] = {1, LT_PRINCIPAL_USER, 10, false},
    [COLLEAGUE] = {1, LT_PRINCIPAL_USER, 11, false},
    [SHARED] = {2, LT_PRINCIPAL_USER, 20, true},
    [FOREIGN] = {2, LT_PRINCIPAL_USER, 20, false},
    [OWNERLESS] = {0, LT_PRINCIPAL_NONE, 0, false},
    [TRANSFERRED] = {2, LT_PRINCIPAL_USER, 10, false},
};

/*
 * The expectation: for each action, one string per role (partnership_admin,
 * agency_admin, caseworker, police, analyst), one letter per situation in
 * the order above: Y allowed, F forbidden (403), N not found (404).
 */
/* clang-format off */
#define NEVER "FFFFFFF"
#define ALWAYS "YYYYYYY"
static const struct {
	const char *action;
	const char *want[LT_ROLE_COUNT];
} expect[] = {
	/*                                 partnership  agency_admin caseworker  police      analyst */
	{"person.read",               {NEVER,      NEVER,       "YYYNNNY", "YYYNNNY", NEVER}},
	{"person.read_pseudonymised", {NEVER,      NEVER,       NEVER,     NEVER,     ALWAYS}},
	{"person.create",             {NEVER,      NEVER,       "YYFNNNY", "YYFNNNY", NEVER}},
	{"person.update",             {NEVER,      NEVER,       "YYFNNNY", "YYFNNNY", NEVER}},
	{"person.export",             {NEVER,      "YYNNNNY",   NEVER,     NEVER,     NEVER}},
	{"person.erase",              {NEVER,      "YYNNNNY",   NEVER,     NEVER,     NEVER}},
	{"referral.read",             {NEVER,      NEVER,       "YYYNNNY", "YYYNNNY", NEVER}},
	{"referral.create",           {NEVER,      NEVER,       "YYFNNNY", "YYFNNNY", NEVER}},
	{"referral.update",           {NEVER,      NEVER,       "YYFNNNY", "YYFNNNY", NEVER}},
	{"case.read",                 {NEVER,      NEVER,       "YYYNNNY", "YYYNNNY", NEVER}},
	{"case.create",               {NEVER,      NEVER,       "YYFNNNY", "YYFNNNY", NEVER}},
	{"case.update",               {NEVER,      NEVER,       "YYFNNNY", "YYFNNNY", NEVER}},
	{"arrest.read",               {NEVER,      NEVER,       NEVER,     "YYYNNNY", NEVER}},
	{"arrest.create",             {NEVER,      NEVER,       NEVER,     "YYFNNNY", NEVER}},
	{"report.read",               {NEVER,      NEVER,       "YYNNNNY", ALWAYS,    NEVER}},
	{"report.create",             {NEVER,      NEVER,       "YYNNNNY", "YYFFFFY", NEVER}},
	{"share.create",              {NEVER,      "YYNNNNY",   "YYFNNNY", "YYFNNNY", NEVER}},
	{"share.revoke",              {NEVER,      "YYNNNNY",   "YFFNNNY", "YFFNNNY", NEVER}},
	{"stats.read",                {ALWAYS,     ALWAYS,      ALWAYS,    ALWAYS,    ALWAYS}},
	{"audit.read",                {ALWAYS,     "YYNNNNY",   NEVER,     NEVER,     NEVER}},
	{"user.manage",               {ALWAYS,     "YYNNNNY",   NEVER,     NEVER,     NEVER}},
	{"agency.manage",             {ALWAYS,     NEVER,       NEVER,     NEVER,     NEVER}},
	{"token.manage",              {ALWAYS,     "YYNNNNY",   NEVER,     NEVER,     NEVER}},
	{"person.match_decide",       {NEVER,      NEVER,       "YYYNNNY", "YYYNNNY", NEVER}},
	{"share.list",                {NEVER,      "YYNNNNY",   "YYYNNNY", "YYYNNNY", NEVER}},
};
/* clang-format on */
#define N_EXPECT (sizeof(expect) / sizeof(expect[0]))

static char letter(lt_status st)
{
	switch (st) {
	case LT_OK:
		return 'Y';
	case LT_EFORBIDDEN:
		return 'F';
	case LT_ENOTFOUND:
		return 'N';
	default:
		return '?';
	}
}

static void test_walk_whole_table(void **state)
{
	(void)state;
	int failures = 0, checks = 0;
	bool seen[LT_ACTION_COUNT] = {false};

	assert_int_equal(N_EXPECT, LT_ACTION_COUNT);
	for (size_t i = 0; i < N_EXPECT; i++) {
		int a = lt_action_find(expect[i].action, strlen(expect[i].action));
		if (a < 0) {
			print_error("the expectation names %s, which the table lacks\n",
			            expect[i].action);
			failures++;
			continue;
		}
		seen[a] = true;
		for (int r = 0; r < LT_ROLE_COUNT; r++) {
			/* Both kinds of principal answer alike. */
			for (int kind = LT_PRINCIPAL_USER; kind <= LT_PRINCIPAL_TOKEN; kind++) {
				struct lt_principal p = {(enum lt_principal_kind)kind, 10, 1,
				                         (enum lt_role)r};
				for (int s = 0; s < NSIT; s++) {
					struct lt_access_facts f;
					const struct lt_access_facts *fp = NULL;
					if (s != NORECORD) {
						f = sit_facts[s];
						if (f.creator_kind == LT_PRINCIPAL_USER)
							f.creator_kind =
							    (enum lt_principal_kind)kind;
						fp = &f;
					}
					char got =
					    letter(lt_access_check(&p, (enum lt_action)a, fp));
					char want = expect[i].want[r][s];
					checks++;
					if (got != want) {
						print_error(
						    "%s by %s (%s), record %s: got %c, want %c\n",
						    expect[i].action,
						    lt_vocab_term(&lt_vocab_role, (size_t)r)->code,
						    kind == LT_PRINCIPAL_USER ? "account" : "token",
						    sit_names[s], got, want);
						failures++;
					}
				}
			}
		}
	}
	for (int a = 0; a < LT_ACTION_COUNT; a++) {
		if (!seen[a]) {
			print_error("the table has %s, which the expectation lacks\n",
			            lt_action_info((enum lt_action)a)->code);
			failures++;
		}
	}
	assert_int_equal(checks, LT_ACTION_COUNT * LT_ROLE_COUNT * 2 * NSIT);
	assert_int_equal(failures, 0);
}

/* An account and a token with the same id are different principals: a
 * token does not own what user 10 created. */
static void test_own_needs_same_kind(void **state)
{
	(void)state;
	struct lt_principal tok = {LT_PRINCIPAL_TOKEN, 10, 1, LT_ROLE_CASEWORKER};
	struct lt_access_facts by_user10 = {1, LT_PRINCIPAL_USER, 10, false};
	assert_int_equal(lt_access_relation(&tok, &by_user10), LT_SCOPE_ALL | LT_SCOPE_AGENCY);
	assert_int_equal(lt_access_check(&tok, LT_ACTION_SHARE_REVOKE, &by_user10), LT_EFORBIDDEN);
	struct lt_access_facts by_tok10 = {1, LT_PRINCIPAL_TOKEN, 10, false};
	assert_int_equal(lt_access_check(&tok, LT_ACTION_SHARE_REVOKE, &by_tok10), LT_OK);
	/* A shared record of one's own agency is both. */
	struct lt_access_facts both = {1, LT_PRINCIPAL_NONE, 0, true};
	assert_int_equal(lt_access_relation(&tok, &both),
	                 LT_SCOPE_ALL | LT_SCOPE_AGENCY | LT_SCOPE_SHARED);
}

/* What the design promises, whatever the cells say. */
static void test_invariants(void **state)
{
	(void)state;
	static const enum lt_resource personal[] = {LT_RESOURCE_PERSON, LT_RESOURCE_REFERRAL,
	                                            LT_RESOURCE_CASE, LT_RESOURCE_ARREST,
	                                            LT_RESOURCE_REPORT};
	for (int a = 0; a < LT_ACTION_COUNT; a++) {
		const struct lt_action_info *info = lt_action_info((enum lt_action)a);
		unsigned any = 0;
		for (int r = 0; r < LT_ROLE_COUNT; r++) {
			unsigned cell = info->scopes[r];
			any |= cell;
			assert_int_equal(cell & ~(unsigned)(LT_SCOPE_OWN | LT_SCOPE_AGENCY |
			                                    LT_SCOPE_SHARED | LT_SCOPE_ALL),
			                 0);
			/* "all" never comes with a narrower scope beside it. */
			if (cell & LT_SCOPE_ALL)
				assert_int_equal(cell, LT_SCOPE_ALL);
		}
		if (!any)
			fail_msg("no role may do %s", info->code);
		/* Administrators read and change no personal data. */
		for (size_t k = 0; k < sizeof(personal) / sizeof(personal[0]); k++) {
			if (info->resource != personal[k] || a == LT_ACTION_PERSON_EXPORT ||
			    a == LT_ACTION_PERSON_ERASE)
				continue;
			if (info->scopes[LT_ROLE_PARTNERSHIP_ADMIN] ||
			    info->scopes[LT_ROLE_AGENCY_ADMIN])
				fail_msg("an administrator may %s", info->code);
		}
		/* No role reads identified records of every agency, except the
		 * police's triage of reports of concern. */
		if (a == LT_ACTION_PERSON_READ || a == LT_ACTION_REFERRAL_READ ||
		    a == LT_ACTION_CASE_READ || a == LT_ACTION_ARREST_READ)
			for (int r = 0; r < LT_ROLE_COUNT; r++)
				if (info->scopes[r] & LT_SCOPE_ALL)
					fail_msg("%s may %s of every agency",
					         lt_vocab_term(&lt_vocab_role, (size_t)r)->code,
					         info->code);
		/* Writes stay within one's agency. */
		if (strstr(info->code, ".create") || strstr(info->code, ".update"))
			for (int r = 0; r < LT_ROLE_COUNT; r++)
				if (info->scopes[r] & (LT_SCOPE_ALL | LT_SCOPE_SHARED))
					fail_msg("%s may %s beyond its agency",
					         lt_vocab_term(&lt_vocab_role, (size_t)r)->code,
					         info->code);
	}
	/* The analyst sees no one identified, anywhere. */
	for (int a = 0; a < LT_ACTION_COUNT; a++)
		if (a != LT_ACTION_PERSON_READ_PSEUDONYMISED && a != LT_ACTION_STATS_READ)
			assert_int_equal(lt_access_scopes(LT_ROLE_ANALYST, (enum lt_action)a), 0);
	assert_false(lt_role_token_allowed(LT_ROLE_PARTNERSHIP_ADMIN));
	assert_false(lt_role_token_allowed(LT_ROLE_AGENCY_ADMIN));
	assert_true(lt_role_token_allowed(LT_ROLE_CASEWORKER));
	assert_true(lt_role_token_allowed(LT_ROLE_POLICE));
	assert_true(lt_role_token_allowed(LT_ROLE_ANALYST));
}

static void test_codes(void **state)
{
	(void)state;
	assert_int_equal(lt_vocab_role.count, LT_ROLE_COUNT);
	for (size_t i = 0; i < lt_vocab_role.count; i++) {
		const char *c = lt_vocab_term(&lt_vocab_role, i)->code;
		assert_int_equal(lt_vocab_find(&lt_vocab_role, c, strlen(c)), (int)i);
		for (const char *p = c; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
	}
	assert_int_equal(lt_vocab_find(&lt_vocab_role, "police", 6), LT_ROLE_POLICE);
	assert_int_equal(lt_vocab_find(&lt_vocab_role, "Police", 6), -1);
	for (int a = 0; a < LT_ACTION_COUNT; a++) {
		const struct lt_action_info *info = lt_action_info((enum lt_action)a);
		assert_int_equal(lt_action_find(info->code, strlen(info->code)), a);
		/* The code is "<resource>.<verb>". */
		const char *res = lt_resource_code(info->resource);
		assert_int_equal(strncmp(info->code, res, strlen(res)), 0);
		assert_int_equal(info->code[strlen(res)], '.');
		assert_true(info->label[0] >= 'A' && info->label[0] <= 'Z');
	}
	assert_int_equal(lt_action_find("person.delete", 13), -1);
	assert_string_equal(lt_scope_code(LT_SCOPE_INDEX_SHARED), "shared");
}

static void test_grant(void **state)
{
	(void)state;
	struct lt_error err;
	struct lt_principal pa = {LT_PRINCIPAL_USER, 1, 1, LT_ROLE_PARTNERSHIP_ADMIN};
	struct lt_principal aa = {LT_PRINCIPAL_USER, 2, 3, LT_ROLE_AGENCY_ADMIN};
	struct lt_principal cw = {LT_PRINCIPAL_USER, 3, 3, LT_ROLE_CASEWORKER};

	for (int r = 0; r < LT_ROLE_COUNT; r++) {
		enum lt_agency_kind kind =
		    r == LT_ROLE_POLICE ? LT_AGENCY_KIND_POLICE : LT_AGENCY_KIND_CHARITY;
		assert_int_equal(lt_access_grant_check(NULL, (enum lt_role)r, kind, false, NULL),
		                 LT_OK);
		assert_int_equal(lt_access_grant_check(&pa, (enum lt_role)r, kind, false, NULL),
		                 LT_OK);
		assert_int_equal(lt_access_grant_check(&cw, (enum lt_role)r, kind, false, NULL),
		                 LT_EFORBIDDEN);
	}
	lt_error_clear(&err);
	assert_int_equal(lt_access_grant_check(&aa, LT_ROLE_PARTNERSHIP_ADMIN,
	                                       LT_AGENCY_KIND_CHARITY, false, &err),
	                 LT_EFORBIDDEN);
	assert_contains(err.message, "only a partnership_admin");
	assert_int_equal(
	    lt_access_grant_check(&aa, LT_ROLE_AGENCY_ADMIN, LT_AGENCY_KIND_CHARITY, false, NULL),
	    LT_OK);
	assert_int_equal(
	    lt_access_grant_check(&aa, LT_ROLE_CASEWORKER, LT_AGENCY_KIND_CHARITY, true, NULL),
	    LT_OK);
	/* Tokens are never administrators, whoever asks. */
	lt_error_clear(&err);
	assert_int_equal(
	    lt_access_grant_check(NULL, LT_ROLE_AGENCY_ADMIN, LT_AGENCY_KIND_CHARITY, true, &err),
	    LT_EINVAL);
	assert_contains(err.message, "API token");
	/* The police role is for police forces and national agencies. */
	lt_error_clear(&err);
	assert_int_equal(
	    lt_access_grant_check(NULL, LT_ROLE_POLICE, LT_AGENCY_KIND_CHARITY, false, &err),
	    LT_EINVAL);
	assert_contains(err.message, "not charity");
	assert_int_equal(
	    lt_access_grant_check(NULL, LT_ROLE_POLICE, LT_AGENCY_KIND_NATIONAL_AGENCY, true, NULL),
	    LT_OK);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct lt_buf b;
	char chunk[4096];
	size_t n;
	if (!f)
		return NULL;
	lt_buf_init(&b, 8u << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(lt_buf_append(&b, chunk, n), LT_OK);
	fclose(f);
	return lt_buf_detach(&b, NULL);
}

/* docs/security.md shows the table, every row as the code renders it. */
static void test_docs_show_table(void **state)
{
	(void)state;
	char path[1024];
	const char *src = getenv("LANTERN_SOURCE");
	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/docs/security.md", src);
	char *doc = slurp(path);
	assert_non_null(doc);
	struct lt_buf b;
	lt_buf_init(&b, 1u << 20);
	assert_int_equal(lt_access_table_markdown(&b), LT_OK);
	/* The header line, then each row. */
	const char *t = lt_buf_str(&b);
	char line[1024];
	const char *nl;
	while ((nl = strchr(t, '\n')) != NULL) {
		size_t len = (size_t)(nl - t);
		assert_true(len < sizeof(line));
		memcpy(line, t, len);
		line[len] = '\0';
		assert_contains(doc, line);
		t = nl + 1;
	}
	lt_buf_reset(&b);
	assert_int_equal(lt_access_row_markdown(&b, LT_ACTION_PERSON_READ), LT_OK);
	assert_string_equal(lt_buf_str(&b), "| `person.read` | Read a person's identifying details "
	                                    "| - | - | agency, shared | agency, shared | - |");
	lt_buf_release(&b);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walk_whole_table),
	    cmocka_unit_test(test_own_needs_same_kind),
	    cmocka_unit_test(test_invariants),
	    cmocka_unit_test(test_codes),
	    cmocka_unit_test(test_grant),
	    cmocka_unit_test(test_docs_show_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
