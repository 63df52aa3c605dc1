/*
 * access.c — the lookup arrays behind access.h and THE RULE.
 *
 * The action table is expanded from LT_ACTION_MAP into an array indexed by
 * enum lt_action; each row's scope cells are stored in role order. The
 * decision (lt_access_check) is four comparisons over that array and the
 * facts; it allocates nothing and holds no state, so any thread may call
 * it at any time.
 */
#include "core/access.h"

#include <string.h>

#include "core/bug.h"
#include "core/limits.h"
#include "core/record.h"
#include "core/banned.h"

/* The action table has exactly one column per role. */
#define X(sfx, code, label, desc, token, grant) +1
_Static_assert(0 LT_ROLE_MAP(X) == 5,
               "LT_ACTION_MAP has five role columns: give it one for the new role");
#undef X

static const struct lt_term role_terms[] = {
#define X(sfx, code, label, desc, token, grant) {code, label, desc, "", ""},
    LT_ROLE_MAP(X)
#undef X
};
const struct lt_vocab lt_vocab_role = {"role", role_terms,
                                       sizeof(role_terms) / sizeof(role_terms[0])};

static const struct {
	bool token;
	bool agency_admin_grants;
} role_rules[] = {
#define X(sfx, code, label, desc, token, grant) {token, grant},
    LT_ROLE_MAP(X)
#undef X
};

static const char *const resource_codes[] = {
#define X(sfx, code) code,
    LT_RESOURCE_MAP(X)
#undef X
};

static const char *const scope_codes[] = {
#define X(sfx, code, desc) code,
    LT_SCOPE_MAP(X)
#undef X
};

static const struct lt_action_info actions[] = {
#define X(sfx, code, res, label, pa, aa, cw, po, an)                                               \
	{code, LT_RESOURCE_##res, label, {pa, aa, cw, po, an}},
    LT_ACTION_MAP(X)
#undef X
};
_Static_assert(sizeof(actions) / sizeof(actions[0]) == LT_ACTION_COUNT, "one row per action");

const struct lt_action_info *lt_action_info(enum lt_action a)
{
	LT_ASSERT((unsigned)a < LT_ACTION_COUNT);
	return &actions[a];
}

int lt_action_find(const char *code, size_t len)
{
	for (size_t i = 0; i < LT_ACTION_COUNT; i++)
		if (strlen(actions[i].code) == len && memcmp(actions[i].code, code, len) == 0)
			return (int)i;
	return -1;
}

const char *lt_resource_code(enum lt_resource r)
{
	LT_ASSERT((unsigned)r < LT_RESOURCE_COUNT);
	return resource_codes[r];
}

const char *lt_scope_code(unsigned i)
{
	LT_ASSERT(i < LT_SCOPE_COUNT);
	return scope_codes[i];
}

unsigned lt_access_scopes(enum lt_role role, enum lt_action a)
{
	LT_ASSERT((unsigned)role < LT_ROLE_COUNT);
	LT_ASSERT((unsigned)a < LT_ACTION_COUNT);
	return actions[a].scopes[role];
}

bool lt_role_token_allowed(enum lt_role role)
{
	LT_ASSERT((unsigned)role < LT_ROLE_COUNT);
	return role_rules[role].token;
}

static void principal_check(const struct lt_principal *p)
{
	LT_ASSERT(p);
	LT_ASSERT(p->kind == LT_PRINCIPAL_USER || p->kind == LT_PRINCIPAL_TOKEN);
	LT_ASSERT(p->id > 0 && p->agency_id > 0);
	LT_ASSERT((unsigned)p->role < LT_ROLE_COUNT);
}

unsigned lt_access_relation(const struct lt_principal *p, const struct lt_access_facts *f)
{
	unsigned rel = LT_SCOPE_ALL;
	principal_check(p);
	LT_ASSERT(f);
	if (f->owner_agency_id == p->agency_id) {
		rel |= LT_SCOPE_AGENCY;
		if (f->creator_kind == p->kind && f->creator_id == p->id)
			rel |= LT_SCOPE_OWN;
	}
	if (f->shared)
		rel |= LT_SCOPE_SHARED;
	return rel;
}

lt_status lt_access_check(const struct lt_principal *p, enum lt_action a,
                          const struct lt_access_facts *f)
{
	principal_check(p);
	LT_ASSERT((unsigned)a < LT_ACTION_COUNT);
	unsigned cell = actions[a].scopes[p->role];

	/* 1. Never, for this role: says nothing about any record. */
	if (cell == LT_SCOPE_NONE)
		return LT_EFORBIDDEN;
	if (!f)
		return LT_OK;
	unsigned rel = lt_access_relation(p, f);
	/* 2. Allowed. */
	if (cell & rel)
		return LT_OK;
	/* 3. Visible through another action on the same resource. */
	for (size_t i = 0; i < LT_ACTION_COUNT; i++)
		if (actions[i].resource == actions[a].resource &&
		    (actions[i].scopes[p->role] & rel))
			return LT_EFORBIDDEN;
	/* 4. Invisible: as if it did not exist. */
	return LT_ENOTFOUND;
}

lt_status lt_access_grant_check(const struct lt_principal *p, enum lt_role role,
                                enum lt_agency_kind kind, bool token, struct lt_error *err)
{
	LT_ASSERT((unsigned)role < LT_ROLE_COUNT);
	LT_ASSERT((unsigned)kind < LT_AGENCY_KIND_COUNT);
	const char *code = role_terms[role].code;
	if (p) {
		principal_check(p);
		enum lt_action need = token ? LT_ACTION_TOKEN_MANAGE : LT_ACTION_USER_MANAGE;
		if (actions[need].scopes[p->role] == LT_SCOPE_NONE)
			return lt_error_set(
			    err, LT_EFORBIDDEN, "role", "a %s may not give roles to %s",
			    role_terms[p->role].code, token ? "API tokens" : "accounts");
		if (p->role != LT_ROLE_PARTNERSHIP_ADMIN && !role_rules[role].agency_admin_grants)
			return lt_error_set(err, LT_EFORBIDDEN, "role",
			                    "only a partnership_admin may give the role %s", code);
	}
	if (token && !role_rules[role].token)
		return lt_error_set(
		    err, LT_EINVAL, "role",
		    "an API token may not hold the role %s (administrators are people)", code);
	if (role == LT_ROLE_POLICE && kind != LT_AGENCY_KIND_POLICE &&
	    kind != LT_AGENCY_KIND_NATIONAL_AGENCY)
		return lt_error_set(err, LT_EINVAL, "role",
		                    "the role police belongs to agencies of kind police or "
		                    "national_agency, not %s",
		                    lt_vocab_term(&lt_vocab_agency_kind, kind)->code);
	return LT_OK;
}

lt_status lt_email_check(const char *s, size_t len, struct lt_error *err)
{
	const char *at = NULL;
	if (len < 3 || len >= LT_EMAIL_MAX)
		return lt_error_set(err, LT_EINVAL, "email", "an e-mail address has 3 to %d bytes",
		                    LT_EMAIL_MAX - 1);
	if (!lt_text_valid(s, len))
		return lt_error_set(err, LT_EINVAL, "email", "an e-mail address is UTF-8 text");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == '"' || c == '\\' || c == 0x7f || c == '<' || c == '>' ||
		    c == ',' || c == ';')
			return lt_error_set(
			    err, LT_EINVAL, "email",
			    "an e-mail address has no spaces, quotes, brackets, commas "
			    "or control characters");
		if (c == '@') {
			if (at)
				return lt_error_set(err, LT_EINVAL, "email",
				                    "an e-mail address has one '@'");
			at = s + i;
		}
	}
	if (!at || at == s || at == s + len - 1)
		return lt_error_set(err, LT_EINVAL, "email",
		                    "an e-mail address is a name, '@' and a domain");
	const char *dom = at + 1;
	size_t dlen = len - (size_t)(dom - s);
	const char *dot = memchr(dom, '.', dlen);
	if (!dot || dot == dom || dom[dlen - 1] == '.')
		return lt_error_set(err, LT_EINVAL, "email",
		                    "the domain of an e-mail address has a '.' inside it");
	return LT_OK;
}

static lt_status cell_markdown(struct lt_buf *b, unsigned cell)
{
	lt_status st = LT_OK;
	if (cell == LT_SCOPE_NONE)
		return lt_buf_puts(b, " - |");
	const char *sep = " ";
	for (unsigned i = 0; i < LT_SCOPE_COUNT && st == LT_OK; i++) {
		if (!(cell & (1u << i)))
			continue;
		st = lt_buf_printf(b, "%s%s", sep, scope_codes[i]);
		sep = ", ";
	}
	return st == LT_OK ? lt_buf_puts(b, " |") : st;
}

lt_status lt_access_row_markdown(struct lt_buf *b, enum lt_action a)
{
	const struct lt_action_info *info = lt_action_info(a);
	lt_status st = lt_buf_printf(b, "| `%s` | %s |", info->code, info->label);
	for (size_t r = 0; r < LT_ROLE_COUNT && st == LT_OK; r++)
		st = cell_markdown(b, info->scopes[r]);
	return st;
}

lt_status lt_access_table_markdown(struct lt_buf *b)
{
	lt_status st = lt_buf_puts(b, "| action | what it allows |");
	for (size_t r = 0; r < LT_ROLE_COUNT && st == LT_OK; r++)
		st = lt_buf_printf(b, " `%s` |", role_terms[r].code);
	if (st == LT_OK)
		st = lt_buf_puts(b, "\n|---|---|");
	for (size_t r = 0; r < LT_ROLE_COUNT && st == LT_OK; r++)
		st = lt_buf_puts(b, "---|");
	if (st == LT_OK)
		st = lt_buf_puts(b, "\n");
	for (size_t a = 0; a < LT_ACTION_COUNT && st == LT_OK; a++) {
		st = lt_access_row_markdown(b, (enum lt_action)a);
		if (st == LT_OK)
			st = lt_buf_puts(b, "\n");
	}
	return st;
}
