/*
 * test_person.c — unit tests of src/core/person.c: the field tables of
 * persons, referrals and cases, patches, the rules, the encoding of
 * personal fields for sealing, and the folding and terms of the blind
 * index.
 *
 * What matters: every bad field of a request is named, not only the first;
 * what is encoded decodes to the same record through the same parsers; a
 * damaged encoding is refused, never half-read; names that a person would
 * call the same fold alike ("José  García", "jose garcia", "JOSE GARCÍA",
 * "Jose\u0301 Garci\u0301a") and error messages never quote a personal
 * value.
 */
#include "testutil.h"

#include "core/person.h"

#include "core/banned.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- building patches from "name=value" strings ----------------------- */

struct tpatch {
	struct lt_patch_item items[16];
	const char *vals[16][10];
	size_t lens[16][10];
	struct lt_patch p;
};

/* "name=v" sets a scalar; "name=[a|b|c]" a list ("name=[]" empties it);
 * "name=" clears. */
static void tpatch_build(struct tpatch *t, const struct lt_pfield *fields, size_t nf,
                         const char *const *spec, size_t n)
{
	static char store[16][256];
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		snprintf(store[i], sizeof(store[i]), "%s", spec[i]);
		char *eq = strchr(store[i], '=');
		assert_non_null(eq);
		*eq = '\0';
		const struct lt_pfield *f = lt_pfield_find(fields, nf, store[i], strlen(store[i]));
		if (!f)
			fail_msg("no field %s", store[i]);
		t->items[i].field = f;
		t->items[i].values = t->vals[i];
		t->items[i].lens = t->lens[i];
		char *v = eq + 1;
		if (*v == '[') {
			v++;
			char *end = strchr(v, ']');
			assert_non_null(end);
			*end = '\0';
			size_t k = 0;
			while (*v) {
				char *bar = strchr(v, '|');
				if (bar)
					*bar = '\0';
				t->vals[i][k] = v;
				t->lens[i][k] = strlen(v);
				k++;
				v = bar ? bar + 1 : v + strlen(v);
			}
			t->items[i].n = k;
		} else if (*v) {
			t->vals[i][0] = v;
			t->lens[i][0] = strlen(v);
			t->items[i].n = 1;
		}
	}
	t->p.items = t->items;
	t->p.n = n;
}

/* The diags as "field: message; ..." */
static const char *diag_text(const struct lt_diags *d)
{
	static char out[4096];
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < d->count; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s: %s", i ? "; " : "",
		                        d->items[i].field, d->items[i].message);
	return out;
}

static const struct lt_date today = {2024, 5, 1};

static void test_tables(void **state)
{
	(void)state;
	struct {
		const struct lt_pfield *f;
		size_t n;
	} tables[] = {{lt_person_fields, lt_person_field_count},
	              {lt_referral_fields, lt_referral_field_count},
	              {lt_case_fields, lt_case_field_count}};
	for (size_t t = 0; t < N(tables); t++) {
		for (size_t i = 0; i < tables[t].n; i++) {
			const struct lt_pfield *f = &tables[t].f[i];
			assert_non_null(f->parse);
			assert_non_null(f->clear);
			assert_non_null(f->emit);
			assert_true(strlen(f->format) > 10);
			assert_ptr_equal(
			    lt_pfield_find(tables[t].f, tables[t].n, f->name, strlen(f->name)), f);
			assert_false((f->flags & LT_PF_BOOL) && (f->flags & LT_PF_LIST));
		}
	}
	/* what is personal: every field of a person; the free text of a
	 * referral; nothing of a case */
	for (size_t i = 0; i < lt_person_field_count; i++)
		assert_int_not_equal(lt_person_fields[i].class, LT_DATA_NONE);
	for (size_t i = 0; i < lt_case_field_count; i++)
		assert_int_equal(lt_case_fields[i].class, LT_DATA_NONE);
	const struct lt_pfield *f =
	    lt_pfield_find(lt_referral_fields, lt_referral_field_count, "police_intelligence", 19);
	assert_int_equal(f->class, LT_DATA_INTELLIGENCE);
	f = lt_pfield_find(lt_referral_fields, lt_referral_field_count, "support_needs", 13);
	assert_int_equal(f->class, LT_DATA_SUPPORT);
	f = lt_pfield_find(lt_referral_fields, lt_referral_field_count, "date", 4);
	assert_int_equal(f->class, LT_DATA_NONE);
	assert_string_equal(lt_data_class_code(LT_DATA_CONTACT), "contact");
	assert_int_equal(lt_vocab_find(&lt_vocab_sex, "female", 6), LT_SEX_FEMALE);
	assert_int_equal(lt_vocab_find(&lt_vocab_case_status, "closed", 6), LT_CASE_STATUS_CLOSED);
	assert_true(lt_vocab_find(&lt_vocab_language, "ro", 2) >= 0);
	assert_true(lt_vocab_find(&lt_vocab_language, "vi", 2) >= 0);
	assert_true(lt_vocab_find(&lt_vocab_language, "ti", 2) >= 0);
	assert_true(lt_vocab_find(&lt_vocab_language, "und", 3) < 0);
	assert_true(lt_vocab_language.count > 400);
}

static void test_person_patch(void **state)
{
	(void)state;
	struct lt_person p;
	struct lt_diags d;
	struct tpatch t;
	struct lt_buf b;
	const char *ok[] = {"name=  Maria Popescu ",
	                    "aliases=[Mariana|Mara P.]",
	                    "dob=1990-02",
	                    "sex=female",
	                    "nationality=ro",
	                    "languages=[ro|EN|ro]",
	                    "contact=+44 7700 900123",
	                    "safe_to_contact=true"};

	lt_person_init(&p);
	lt_diags_init(&d);
	tpatch_build(&t, lt_person_fields, lt_person_field_count, ok, N(ok));
	assert_int_equal(lt_patch_apply(lt_person_fields, lt_person_field_count, &p, &t.p, &d),
	                 LT_OK);
	assert_int_equal(lt_person_check(&p, &today, &d), LT_OK);
	assert_string_equal(p.name, "Maria Popescu");
	assert_int_equal(p.n_aliases, 2);
	assert_string_equal(p.aliases[1], "Mara P.");
	assert_int_equal(p.dob.year, 1990);
	assert_int_equal(p.dob.month, 2);
	assert_int_equal(p.dob.day, 0);
	assert_int_equal(p.sex, LT_SEX_FEMALE);
	assert_string_equal(lt_vocab_term(&lt_vocab_country, (size_t)p.nationality)->code, "RO");
	assert_int_equal(p.n_languages, 2); /* the repeat is dropped */
	assert_string_equal(lt_vocab_term(&lt_vocab_language, (size_t)p.languages[1])->code, "en");
	assert_true(p.safe_to_contact);

	/* emit gives back what the API returns */
	lt_buf_init(&b, 1024);
	const struct lt_pfield *f =
	    lt_pfield_find(lt_person_fields, lt_person_field_count, "languages", 9);
	assert_int_equal(f->emit(&p, 0, &b), LT_OK);
	assert_string_equal(b.data, "ro");
	assert_int_equal(f->emit(&p, 2, &b), LT_ENOTFOUND);
	lt_buf_reset(&b);
	f = lt_pfield_find(lt_person_fields, lt_person_field_count, "dob", 3);
	assert_int_equal(f->emit(&p, 0, &b), LT_OK);
	assert_string_equal(b.data, "1990-02");
	lt_buf_release(&b);

	/* a patch that empties a list and clears scalars */
	const char *clear[] = {"aliases=[]", "contact=", "dob="};
	tpatch_build(&t, lt_person_fields, lt_person_field_count, clear, N(clear));
	assert_int_equal(lt_patch_apply(lt_person_fields, lt_person_field_count, &p, &t.p, &d),
	                 LT_OK);
	assert_int_equal(p.n_aliases, 0);
	assert_null(p.contact);
	assert_int_equal(p.dob.year, 0);
	assert_string_equal(p.name, "Maria Popescu");
	lt_person_release(&p);
	assert_null(p.name);
	assert_int_equal(p.sex, -1);

	/* every bad field named; none quotes a personal value */
	const char *bad[] = {"name=",
	                     "dob=1990-13-01",
	                     "sex=f",
	                     "nationality=Romania",
	                     "languages=[ro|klingon]",
	                     "safe_to_contact=maybe",
	                     "aliases=[a|b|c|d|e|f|g|h|i]"};
	lt_person_init(&p);
	tpatch_build(&t, lt_person_fields, lt_person_field_count, bad, N(bad));
	assert_int_equal(lt_patch_apply(lt_person_fields, lt_person_field_count, &p, &t.p, &d),
	                 LT_EINVAL);
	lt_person_check(&p, &today, &d);
	const char *got = diag_text(&d);
	assert_contains(got, "dob: is not a date of birth");
	assert_not_contains(got, "1990-13-01");
	assert_contains(got, "sex: is not a known value (expected one of: female, male, other, "
	                     "unknown)");
	assert_contains(got, "nationality: is not a country code (expected an ISO 3166-1 alpha-2");
	assert_contains(got, "languages: has a value that is not a language code");
	assert_contains(got, "safe_to_contact: is not true or false");
	assert_not_contains(got, "'f'");
	assert_not_contains(got, "Romania");
	assert_not_contains(got, "klingon");
	assert_not_contains(got, "maybe");
	assert_contains(got, "aliases: at most 8 aliases");
	assert_contains(got, "name: is required");
	assert_int_equal(d.count, 7);
	lt_person_release(&p);
	lt_diags_release(&d);

	/* a scalar given a list; a future date of birth; a name with a line
	 * break; an over-long name */
	char longname[LT_PERSON_NAME_MAX + 10];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	lt_diags_init(&d);
	lt_person_init(&p);
	const char *bad2[] = {"sex=[female|male]", "dob=2024-06", "name=Ann"};
	tpatch_build(&t, lt_person_fields, lt_person_field_count, bad2, N(bad2));
	assert_int_equal(lt_patch_apply(lt_person_fields, lt_person_field_count, &p, &t.p, &d),
	                 LT_EINVAL);
	assert_int_equal(lt_person_check(&p, &today, &d), LT_EINVAL);
	got = diag_text(&d);
	assert_contains(got, "sex: takes one value, not a list");
	assert_contains(got, "dob: is after today");
	struct lt_error e = {0};
	f = lt_pfield_find(lt_person_fields, lt_person_field_count, "name", 4);
	assert_int_equal(f->parse(&p, "Ann\nSmith", 9, &e), LT_EINVAL);
	assert_string_equal(e.message, "must be one line, without tabs");
	assert_int_equal(f->parse(&p, longname, strlen(longname), &e), LT_ETOOBIG);
	assert_string_equal(p.name, "Ann"); /* a refused value leaves the field as it was */
	lt_person_release(&p);
	lt_diags_release(&d);
}

static void test_referral_and_case(void **state)
{
	(void)state;
	struct lt_referral r;
	struct lt_case c;
	struct lt_diags d;
	struct tpatch t;

	lt_referral_init(&r);
	lt_diags_init(&d);
	const char *ok[] = {"person=42",
	                    "date=2024-04-30",
	                    "forms=[labour_exploitation|unknown]",
	                    "place=local",
	                    "district=watford",
	                    "notes=Met at the car wash.",
	                    "support_needs=housing; a Romanian interpreter",
	                    "police_intelligence=Vehicle seen at two addresses."};
	tpatch_build(&t, lt_referral_fields, lt_referral_field_count, ok, N(ok));
	assert_int_equal(lt_patch_apply(lt_referral_fields, lt_referral_field_count, &r, &t.p, &d),
	                 LT_OK);
	assert_int_equal(lt_referral_check(&r, &today, &d), LT_OK);
	assert_int_equal(r.person_id, 42);
	assert_int_equal(r.forms, (1u << LT_FORM_LABOUR_EXPLOITATION) | (1u << LT_FORM_UNKNOWN));
	assert_string_equal(r.support_needs, "housing; a Romanian interpreter");

	/* clear the personal fields of the classes a share does not allow */
	lt_pfields_clear(lt_referral_fields, lt_referral_field_count, &r,
	                 1u << LT_DATA_INTELLIGENCE);
	assert_null(r.police_intelligence);
	assert_non_null(r.support_needs);
	assert_int_equal(r.person_id, 42); /* not personal, never cleared */
	lt_referral_release(&r);

	const char *bad[] = {"person=abc", "forms=[slavery]", "place=abroad", "district=watford",
	                     "date=2025-01-01"};
	lt_referral_init(&r);
	tpatch_build(&t, lt_referral_fields, lt_referral_field_count, bad, N(bad));
	lt_patch_apply(lt_referral_fields, lt_referral_field_count, &r, &t.p, &d);
	lt_referral_check(&r, &today, &d);
	const char *got = diag_text(&d);
	assert_contains(got, "person: is not an id");
	assert_contains(got, "forms: unknown value 'slavery'");
	assert_contains(got, "person: is required");
	assert_contains(got, "forms: is required");
	assert_contains(got, "district: must be empty unless place is local");
	assert_contains(got, "country: is required when place is abroad");
	assert_contains(got, "date: is after today");
	lt_referral_release(&r);
	lt_diags_release(&d);

	lt_case_init(&c);
	lt_diags_init(&d);
	const char *cok[] = {"ref=HC/2024/17", "opened=2024-01-03", "persons=[3|9|3]",
	                     "forms=[sexual_exploitation]"};
	tpatch_build(&t, lt_case_fields, lt_case_field_count, cok, N(cok));
	assert_int_equal(lt_patch_apply(lt_case_fields, lt_case_field_count, &c, &t.p, &d), LT_OK);
	assert_int_equal(lt_case_check(&c, &today, &d), LT_OK);
	assert_int_equal(c.n_persons, 2);
	assert_int_equal(c.status, LT_CASE_STATUS_OPEN);
	const char *close[] = {"status=closed"};
	tpatch_build(&t, lt_case_fields, lt_case_field_count, close, N(close));
	assert_int_equal(lt_patch_apply(lt_case_fields, lt_case_field_count, &c, &t.p, &d), LT_OK);
	assert_int_equal(lt_case_check(&c, &today, &d), LT_EINVAL);
	assert_contains(diag_text(&d), "closed: is required when status is closed");
	lt_diags_release(&d);
	lt_diags_init(&d);
	const char *close2[] = {"closed=2023-12"};
	tpatch_build(&t, lt_case_fields, lt_case_field_count, close2, N(close2));
	assert_int_equal(lt_patch_apply(lt_case_fields, lt_case_field_count, &c, &t.p, &d), LT_OK);
	assert_int_equal(lt_case_check(&c, &today, &d), LT_EINVAL);
	assert_contains(diag_text(&d), "closed: is before the case was opened");
	lt_diags_release(&d);
	lt_diags_init(&d);
	const char *cbad[] = {"ref=no spaces", "status=pending", "persons=[0]"};
	lt_case_init(&c);
	tpatch_build(&t, lt_case_fields, lt_case_field_count, cbad, N(cbad));
	lt_patch_apply(lt_case_fields, lt_case_field_count, &c, &t.p, &d);
	got = diag_text(&d);
	assert_contains(got, "ref: 'no spaces' is not a case reference");
	assert_contains(got, "status: unknown value 'pending' (expected one of: open, closed)");
	assert_contains(got, "persons: is not an id");
	lt_diags_release(&d);
}

static void test_encode_decode(void **state)
{
	(void)state;
	struct lt_person p, q;
	struct lt_diags d;
	struct tpatch t;
	struct lt_buf b, b2;
	struct lt_error e = {0};
	const char *ok[] = {"name=José García",
	                    "aliases=[Pepe|J. G.]",
	                    "dob=1987-03-14",
	                    "sex=male",
	                    "nationality=ES",
	                    "languages=[es|ca]",
	                    "contact=Calle Mayor 1; ask for Ana",
	                    "safe_to_contact=false"};

	lt_person_init(&p);
	lt_diags_init(&d);
	tpatch_build(&t, lt_person_fields, lt_person_field_count, ok, N(ok));
	assert_int_equal(lt_patch_apply(lt_person_fields, lt_person_field_count, &p, &t.p, &d),
	                 LT_OK);
	lt_buf_init(&b, 65536);
	lt_buf_init(&b2, 65536);
	assert_int_equal(lt_pfields_encode(lt_person_fields, lt_person_field_count, &p, &b), LT_OK);
	assert_memory_equal(b.data, "LTF1", 4);

	lt_person_init(&q);
	assert_int_equal(lt_pfields_decode(lt_person_fields, lt_person_field_count, &q,
	                                   (const unsigned char *)b.data, b.len, &e),
	                 LT_OK);
	assert_string_equal(q.name, "José García");
	assert_int_equal(q.n_aliases, 2);
	assert_string_equal(q.aliases[1], "J. G.");
	assert_int_equal(lt_date_cmp(&q.dob, &p.dob), 0);
	assert_int_equal(q.sex, p.sex);
	assert_int_equal(q.nationality, p.nationality);
	assert_int_equal(q.n_languages, 2);
	assert_string_equal(q.contact, p.contact);
	assert_false(q.safe_to_contact);
	/* and encodes to the same bytes */
	assert_int_equal(lt_pfields_encode(lt_person_fields, lt_person_field_count, &q, &b2),
	                 LT_OK);
	assert_int_equal(b.len, b2.len);
	assert_memory_equal(b.data, b2.data, b.len);
	lt_person_release(&q);

	/* every truncation is refused, or decodes fewer fields — never crashes */
	for (size_t len = 0; len < b.len; len++) {
		lt_person_init(&q);
		lt_status st = lt_pfields_decode(lt_person_fields, lt_person_field_count, &q,
		                                 (const unsigned char *)b.data, len, &e);
		if (len < 4)
			assert_int_equal(st, LT_EPARSE);
		lt_person_release(&q);
	}
	/* a field that is not personal, or unknown */
	static const unsigned char fake[] = "LTF1\x04"
	                                    "evil\x00\x00\x00\x01x";
	lt_person_init(&q);
	assert_int_equal(lt_pfields_decode(lt_person_fields, lt_person_field_count, &q, fake,
	                                   sizeof(fake) - 1, &e),
	                 LT_EPARSE);
	static const unsigned char twice[] =
	    "LTF1\x03sex\x00\x00\x00\x04male\x03sex\x00\x00\x00\x04male";
	assert_int_equal(lt_pfields_decode(lt_person_fields, lt_person_field_count, &q, twice,
	                                   sizeof(twice) - 1, &e),
	                 LT_EPARSE);
	assert_string_equal(e.message, "sealed fields: one value given twice");
	static const unsigned char refused[] = "LTF1\x03sex\x00\x00\x00\x01x";
	assert_int_equal(lt_pfields_decode(lt_person_fields, lt_person_field_count, &q, refused,
	                                   sizeof(refused) - 1, &e),
	                 LT_EINVAL);
	lt_person_release(&q);

	/* a referral encodes only its personal fields */
	struct lt_referral r;
	lt_referral_init(&r);
	r.person_id = 7;
	r.forms = 1;
	r.date.year = 2024;
	assert_int_equal(lt_referral_fields[7].parse(&r, "secret notes", 12, &e), LT_OK);
	lt_buf_reset(&b);
	assert_int_equal(lt_pfields_encode(lt_referral_fields, lt_referral_field_count, &r, &b),
	                 LT_OK);
	assert_int_equal(b.len, 4 + 1 + 5 + 4 + 12);
	lt_referral_release(&r);

	lt_person_release(&p);
	lt_buf_release(&b);
	lt_buf_release(&b2);
	lt_diags_release(&d);
}

static void test_normalise(void **state)
{
	(void)state;
	struct {
		const char *in, *want;
	} cases[] = {
	    {"José  García", "jose garcia"},
	    {"jose garcia", "jose garcia"},
	    {"JOSÉ GARCÍA", "jose garcia"},
	    {"Jose\xcc\x81 Garci\xcc\x81"
	     "a",
	     "jose garcia"},                           /* combining acute accents */
	    {"  \tJosé\u00a0García  ", "jose garcia"}, /* no-break space */
	    {"O'Brien-Smith", "obrien smith"},
	    {"O\u2019Brien", "obrien"},
	    {"Ștefan Țară", "stefan tara"},
	    {"Şerban Ţurcanu", "serban turcanu"},
	    {"Nguyễn Văn Đức", "nguyen van duc"},
	    {"Straße", "strasse"},
	    {"Øyvind Ærø", "oyvind aero"},
	    {"Łukasz Wiśniewski", "lukasz wisniewski"},
	    {"Zoë Brontë", "zoe bronte"},
	    {"ＪＯＳＥ", "jose"},
	    {"ΣΟΦΊΑ Σοφία", "σοφια σοφια"},
	    {"Мария Йовчева", "мария иовчева"},
	    {"محمد", "محمد"},
	    {"李 小龍", "李 小龍"},
	    {"Anne-Marie (Annie) 2nd", "anne marie annie 2nd"},
	    {"--- ...", ""},
	    {"", ""},
	};
	struct lt_buf b;
	lt_buf_init(&b, 1024);
	for (size_t i = 0; i < N(cases); i++) {
		assert_int_equal(lt_name_normalise(cases[i].in, strlen(cases[i].in), &b), LT_OK);
		const char *got = b.data ? b.data : "";
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: '%s' folds to '%s', want '%s'", i, cases[i].in, got,
			         cases[i].want);
	}
	assert_int_equal(lt_name_normalise("\xff", 1, &b), LT_EINVAL);
	lt_buf_release(&b);
}

static void test_index_terms(void **state)
{
	(void)state;
	struct lt_person p;
	struct lt_index_terms t;
	struct lt_error e = {0};
	size_t words = 0;

	lt_person_init(&p);
	lt_index_terms_init(&t);
	assert_int_equal(
	    lt_person_fields[0].parse(&p, "José  García López", strlen("José  García López"), &e),
	    LT_OK);
	assert_int_equal(lt_person_fields[1].parse(&p, "Pepe García", strlen("Pepe García"), &e),
	                 LT_OK);
	assert_int_equal(lt_person_fields[2].parse(&p, "1987-03-14", 10, &e), LT_OK);
	assert_int_equal(lt_person_index_terms(&p, &t), LT_OK);
	const char *want[] = {"n:jose garcia lopez", "t:jose", "t:garcia", "t:lopez",
	                      "n:pepe garcia",       "t:pepe", "y:1987",   "m:1987-03",
	                      "d:1987-03-14"};
	assert_int_equal(t.n, N(want));
	for (size_t i = 0; i < N(want); i++)
		assert_string_equal(lt_index_term(&t, i), want[i]);

	/* terms added from outside core (linkage's phonetic codes "p:"): once
	 * each, after the others, and refused past LT_INDEX_TERMS_MAX */
	assert_int_equal(lt_index_terms_add(&t, "p:", "HS", 2), LT_OK);
	assert_int_equal(lt_index_terms_add(&t, "p:", "HS", 2), LT_OK);
	assert_int_equal(lt_index_terms_add(&t, "t:", "jose", 4), LT_OK);
	assert_int_equal(t.n, N(want) + 1);
	assert_string_equal(lt_index_term(&t, N(want)), "p:HS");
	for (size_t i = t.n; i < LT_INDEX_TERMS_MAX; i++) {
		char code[16];
		int n = snprintf(code, sizeof(code), "%zu", i);
		assert_int_equal(lt_index_terms_add(&t, "p:", code, (size_t)n), LT_OK);
	}
	assert_int_equal(t.n, LT_INDEX_TERMS_MAX);
	assert_int_equal(lt_index_terms_add(&t, "p:", "XX", 2), LT_ETOOBIG);
	assert_int_equal(t.n, LT_INDEX_TERMS_MAX);

	/* a query: the whole name first, then its distinct words, then the date */
	struct lt_date dob = {1987, 3, 0};
	assert_int_equal(lt_person_query_terms("JOSÉ garcía josé", strlen("JOSÉ garcía josé"), &dob,
	                                       &t, &words, &e),
	                 LT_OK);
	assert_int_equal(words, 2);
	assert_int_equal(t.n, 4);
	assert_string_equal(lt_index_term(&t, 0), "n:jose garcia jose");
	assert_string_equal(lt_index_term(&t, 1), "t:jose");
	assert_string_equal(lt_index_term(&t, 2), "t:garcia");
	assert_string_equal(lt_index_term(&t, 3), "m:1987-03");
	/* a date alone */
	assert_int_equal(lt_person_query_terms(NULL, 0, &dob, &t, &words, &e), LT_OK);
	assert_int_equal(t.n, 1);
	assert_int_equal(words, 0);
	/* nothing, or nothing to search by */
	struct lt_date none = {0, 0, 0};
	assert_int_equal(lt_person_query_terms(NULL, 0, &none, &t, &words, &e), LT_EINVAL);
	assert_string_equal(e.field, "query");
	assert_int_equal(lt_person_query_terms("'-'", 3, NULL, &t, &words, &e), LT_EINVAL);
	assert_string_equal(e.field, "name");

	/* the words are capped */
	lt_person_release(&p);
	lt_person_init(&p);
	char many[LT_PERSON_NAME_MAX];
	size_t len = 0;
	for (int i = 0; i < 60 && len + 4 < sizeof(many); i++)
		len += (size_t)snprintf(many + len, sizeof(many) - len, "%c%c ", 'a' + i % 26,
		                        'a' + i / 26);
	assert_int_equal(lt_person_fields[0].parse(&p, many, len, &e), LT_OK);
	assert_int_equal(lt_person_index_terms(&p, &t), LT_OK);
	assert_int_equal(t.n, 1 + LT_INDEX_WORDS_MAX);
	lt_person_release(&p);
	lt_index_terms_release(&t);
}

/*
 * Every personal field of every table (class other than LT_DATA_NONE),
 * given values it must refuse, says what is wrong without quoting them: the
 * message goes back to the sender and may reach a log. Each value carries a
 * marker; each field must refuse at least one, so a field added later is
 * walked too, and a parser that starts quoting is caught.
 */
static void test_personal_messages(void **state)
{
	(void)state;
	static char longv[LT_TEXT_MAX + 100];
	memset(longv, 'x', sizeof(longv) - 1);
	memcpy(longv, "Zq9X", 4);
	const char *const bad[] = {
	    "Zq9X 1990-13-77\n", /* a line break: refused by one-line fields, dates, codes */
	    "Zq9X\x01",          /* a control character */
	    "Zq9X\xff\xfe",      /* not UTF-8 */
	    longv,               /* too long for any text */
	};
	const struct {
		const char *name;
		const struct lt_pfield *fields;
		size_t n;
	} tables[] = {
	    {"person", lt_person_fields, lt_person_field_count},
	    {"referral", lt_referral_fields, lt_referral_field_count},
	    {"case", lt_case_fields, lt_case_field_count},
	    {"share", lt_share_fields, lt_share_field_count},
	};
	size_t walked = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (size_t i = 0; i < tables[t].n; i++) {
			const struct lt_pfield *f = &tables[t].fields[i];
			if (f->class == LT_DATA_NONE)
				continue;
			size_t refused = 0;
			for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
				struct lt_person p;
				struct lt_referral r;
				struct lt_error e;
				void *rec = &r;
				lt_person_init(&p);
				lt_referral_init(&r);
				if (tables[t].fields == lt_person_fields)
					rec = &p;
				lt_error_clear(&e);
				if (f->parse(rec, bad[k], strlen(bad[k]), &e) != LT_OK) {
					refused++;
					if (strstr(e.message, "Zq9X") || strstr(e.field, "Zq9X"))
						fail_msg("%s.%s quotes its value: %s",
						         tables[t].name, f->name, e.message);
					if (strcmp(e.field, f->name) != 0)
						fail_msg("%s.%s: the error names '%s'",
						         tables[t].name, f->name, e.field);
					if (!e.message[0])
						fail_msg("%s.%s: no message", tables[t].name,
						         f->name);
				}
				lt_person_release(&p);
				lt_referral_release(&r);
			}
			if (refused == 0)
				fail_msg("%s.%s refused none of the bad values", tables[t].name,
				         f->name);
			walked++;
		}
	}
	/* 8 personal fields of a person, 3 of a referral */
	assert_int_equal(walked, 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tables),
	    cmocka_unit_test(test_person_patch),
	    cmocka_unit_test(test_personal_messages),
	    cmocka_unit_test(test_referral_and_case),
	    cmocka_unit_test(test_encode_decode),
	    cmocka_unit_test(test_normalise),
	    cmocka_unit_test(test_index_terms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
