/*
 * test_pseudo.c — unit tests of src/core/pseudo.c: what an analyst sees of
 * a person.
 *
 * What matters:
 *   - every field of every record about a person (lt_person_fields,
 *     lt_referral_fields, lt_case_fields, lt_arrest_fields, and the store's
 *     own columns) is decided on in lt_pseudo_sources — shown as a member
 *     of the answer or withheld — so a field added later fails here until
 *     someone decides; names, aliases, contact details, free text, the exact
 *     date of birth and every record id are withheld;
 *   - every member of the answer comes from a source that is shown, and no
 *     member has a name that is a withheld field's;
 *   - lt_pseudo_person_from keeps the year of birth only, and the emitters
 *     write no day;
 *   - docs/security.md lists every row of lt_pseudo_sources.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pseudo.h"

#include "core/banned.h"

static const struct lt_pseudo_source *source_of(const char *field)
{
	for (size_t i = 0; i < lt_pseudo_source_count; i++)
		if (strcmp(lt_pseudo_sources[i].field, field) == 0)
			return &lt_pseudo_sources[i];
	return NULL;
}

static void decided(const char *record, const char *name)
{
	char field[96];
	snprintf(field, sizeof(field), "%s.%s", record, name);
	if (!source_of(field))
		fail_msg("%s is not in lt_pseudo_sources: decide whether an analyst sees it",
		         field);
}

static void test_every_field_decided(void **state)
{
	(void)state;
	for (size_t i = 0; i < lt_person_field_count; i++)
		decided("person", lt_person_fields[i].name);
	for (size_t i = 0; i < lt_referral_field_count; i++)
		decided("referral", lt_referral_fields[i].name);
	for (size_t i = 0; i < lt_case_field_count; i++)
		decided("case", lt_case_fields[i].name);
	for (size_t i = 0; i < lt_arrest_field_count; i++)
		decided("arrest", lt_arrest_fields[i].name);
	/* the store's own columns that a front end answers with */
	const char *stamps[] = {"person.id",         "person.agency", "person.created_at",
	                        "person.updated_at", "referral.id",   "referral.agency",
	                        "case.id",           "case.agency",   "arrest.id"};
	for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++)
		assert_non_null(source_of(stamps[i]));
	/* no row twice */
	for (size_t i = 0; i < lt_pseudo_source_count; i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(lt_pseudo_sources[i].field,
			                        lt_pseudo_sources[j].field);
}

static void test_identifying_fields_withheld(void **state)
{
	(void)state;
	const char *never[] = {"person.id",
	                       "person.name",
	                       "person.aliases",
	                       "person.contact",
	                       "person.safe_to_contact",
	                       "referral.id",
	                       "referral.person",
	                       "referral.notes",
	                       "referral.support_needs",
	                       "referral.police_intelligence",
	                       "case.id",
	                       "case.ref",
	                       "case.persons",
	                       "arrest.id",
	                       "arrest.case"};
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		const struct lt_pseudo_source *s = source_of(never[i]);
		assert_non_null(s);
		/* the id is shown only as the pseudonym */
		if (strcmp(never[i], "person.id") == 0)
			assert_string_equal(s->member, "pseudonym");
		else if (s->member)
			fail_msg("%s is shown as %s", never[i], s->member);
		assert_non_null(s->how);
		assert_true(strlen(s->how) > 0);
	}
	/* every personal field of a person but sex, nationality and languages
	 * is withheld or reduced */
	for (size_t i = 0; i < lt_person_field_count; i++) {
		const struct lt_pfield *f = &lt_person_fields[i];
		char field[96];
		snprintf(field, sizeof(field), "person.%s", f->name);
		const struct lt_pseudo_source *s = source_of(field);
		if (s->member && strcmp(f->name, "sex") && strcmp(f->name, "nationality") &&
		    strcmp(f->name, "languages"))
			assert_string_equal(f->name, "dob"); /* as birth_year */
	}
	assert_string_equal(source_of("person.dob")->member, "birth_year");
}

/* Is `member` ("referrals[].date", "agency") named by a shown source? */
static bool shown(const char *member)
{
	for (size_t i = 0; i < lt_pseudo_source_count; i++) {
		const char *m = lt_pseudo_sources[i].member;
		size_t n = strlen(member);
		while (m && *m) {
			size_t len = strcspn(m, ",");
			if (len == n && strncmp(m, member, n) == 0)
				return true;
			m += len;
			while (*m == ',' || *m == ' ')
				m++;
		}
	}
	return false;
}

static void members_sourced(const struct lt_pfield *fields, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++) {
		char member[96];
		const struct lt_pseudo_nest *nest = lt_pseudo_nest_find(fields, fields[i].name);
		snprintf(member, sizeof(member), "%s%s", prefix, fields[i].name);
		assert_null(fields[i].parse);
		assert_non_null(fields[i].emit);
		if (nest) {
			char inner[128];
			snprintf(inner, sizeof(inner), "%s[].", member);
			members_sourced(nest->fields, *nest->nfields, inner);
			continue;
		}
		if (strcmp(member, "truncated") == 0)
			continue; /* about the answer, not the person */
		if (!shown(member))
			fail_msg("member %s comes from no field of lt_pseudo_sources", member);
	}
}

static void test_members_sourced(void **state)
{
	(void)state;
	members_sourced(lt_pseudo_person_fields, lt_pseudo_person_field_count, "");
	assert_int_equal(lt_pseudo_nest_count, 3);
	/* no member is named like a withheld field of the person */
	for (size_t i = 0; i < lt_pseudo_person_field_count; i++) {
		char field[96];
		snprintf(field, sizeof(field), "person.%s", lt_pseudo_person_fields[i].name);
		const struct lt_pseudo_source *s = source_of(field);
		if (s && !s->member)
			fail_msg("member %s has the name of a withheld field",
			         lt_pseudo_person_fields[i].name);
	}
}

static void test_from_person(void **state)
{
	(void)state;
	struct lt_person p;
	struct lt_pseudo_person pp;
	struct lt_buf b;
	lt_person_init(&p);
	lt_pseudo_person_init(&pp);
	p.dob = (struct lt_date){1987, 3, 14};
	p.sex = 0;
	p.nationality = 3;
	p.languages[p.n_languages++] = 5;
	lt_pseudo_person_from(&p, &pp);
	assert_int_equal(pp.birth_year, 1987);
	assert_int_equal(pp.sex, 0);
	assert_int_equal(pp.nationality, 3);
	assert_int_equal(pp.n_languages, 1);
	assert_int_equal(pp.languages[0], 5);

	lt_buf_init(&b, 256);
	const struct lt_pfield *by =
	    lt_pfield_find(lt_pseudo_person_fields, lt_pseudo_person_field_count, "birth_year", 10);
	assert_non_null(by);
	assert_int_equal(by->emit(&pp, 0, &b), LT_OK);
	assert_string_equal(lt_buf_str(&b), "1987");
	/* a month is a month, and a date cut to it has no day */
	struct lt_date d = {2024, 5, 17};
	pp.referrals[0].date = lt_pseudo_month(&d);
	pp.n_referrals = 1;
	lt_buf_reset(&b);
	const struct lt_pfield *rd =
	    lt_pfield_find(lt_pseudo_referral_fields, lt_pseudo_referral_field_count, "date", 4);
	assert_int_equal(rd->emit(&pp.referrals[0], 0, &b), LT_OK);
	assert_string_equal(lt_buf_str(&b), "2024-05");
	/* not known: no value */
	pp.birth_year = 0;
	lt_buf_reset(&b);
	assert_int_equal(by->emit(&pp, 0, &b), LT_ENOTFOUND);
	lt_buf_release(&b);
	lt_pseudo_person_release(&pp);
	assert_int_equal(pp.sex, -1);
	assert_int_equal(pp.pseudonym[0], '\0');
	lt_person_release(&p);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct lt_buf b;
	char chunk[4096];
	size_t n;
	if (!f)
		return NULL;
	lt_buf_init(&b, 1u << 22);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (lt_buf_append(&b, chunk, n) != LT_OK)
			break;
	fclose(f);
	return lt_buf_detach(&b, NULL);
}

/* docs/security.md's section lists every row: `field` and its member. */
static void test_docs_list_sources(void **state)
{
	(void)state;
	char path[1024];
	const char *src = getenv("LANTERN_SOURCE");
	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/docs/security.md", src);
	char *doc = slurp(path);
	assert_non_null(doc);
	char *sec = strstr(doc, "## Pseudonymised reads for analysts");
	assert_non_null(sec);
	char *end = strstr(sec + 3, "\n## ");
	if (end)
		*end = '\0';
	for (size_t i = 0; i < lt_pseudo_source_count; i++) {
		const struct lt_pseudo_source *s = &lt_pseudo_sources[i];
		char row[256];
		snprintf(row, sizeof(row), "| `%s` | %s |", s->field,
		         s->member ? s->member : "withheld");
		if (!strstr(sec, row))
			fail_msg(
			    "docs/security.md, \"Pseudonymised reads for analysts\", lacks the row "
			    "%s ...",
			    row);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_field_decided),
	    cmocka_unit_test(test_identifying_fields_withheld),
	    cmocka_unit_test(test_members_sourced),
	    cmocka_unit_test(test_from_person),
	    cmocka_unit_test(test_docs_list_sources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
