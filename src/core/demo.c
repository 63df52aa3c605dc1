/*
 * demo.c — building the demonstration data set described in demo.h.
 */
#include "core/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

/* splitmix64 (Steele, Lea & Flood 2014): small, fast, and the same
 * everywhere, which is all a demo generator needs. */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform integer in [0, n). */
static unsigned below(uint64_t *s, unsigned n)
{
	return (unsigned)((next(s) >> 11) % n);
}

/* Index drawn with the given integer weights. */
static size_t weighted(uint64_t *s, const unsigned *w, size_t n)
{
	unsigned total = 0;
	for (size_t i = 0; i < n; i++)
		total += w[i];
	unsigned r = below(s, total);
	for (size_t i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

static const struct {
	const char *code, *name;
	enum lt_agency_kind kind;
} demo_agencies[] = {
	{"herts_police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE},
	{"herts_cc", "Hertfordshire County Council", LT_AGENCY_KIND_COUNTY_COUNCIL},
	{"watford_bc", "Watford Borough Council", LT_AGENCY_KIND_DISTRICT_COUNCIL},
	{"stevenage_bc", "Stevenage Borough Council", LT_AGENCY_KIND_DISTRICT_COUNCIL},
	{"st_albans_dc", "St Albans City and District Council", LT_AGENCY_KIND_DISTRICT_COUNCIL},
	{"herts_pcc", "Office of the Police and Crime Commissioner for Hertfordshire", LT_AGENCY_KIND_PCC_OFFICE},
	{"nca", "National Crime Agency", LT_AGENCY_KIND_NATIONAL_AGENCY},
	{"glaa", "Gangmasters and Labour Abuse Authority", LT_AGENCY_KIND_NATIONAL_AGENCY},
	{"herts_nhs", "Hertfordshire Community NHS Trust", LT_AGENCY_KIND_HEALTH},
	{"salvation_army", "The Salvation Army", LT_AGENCY_KIND_CHARITY},
	{"helpline", "Modern Slavery & Exploitation Helpline", LT_AGENCY_KIND_HELPLINE},
};
#define N_AGENCIES (sizeof(demo_agencies) / sizeof(demo_agencies[0]))

/* Which agencies report, and how often (weights, same order as above). */
static const unsigned reporter_weight[N_AGENCIES] = {30, 14, 6, 5, 5, 1, 6, 8, 7, 10, 18};

/* The published arrest figures. */
static const struct {
	int year;
	enum lt_offence offence;
	int arrests;
} demo_arrest_figures[] = {
	{2015, LT_OFFENCE_NOT_RECORDED, 6},
	{2017, LT_OFFENCE_NOT_RECORDED, 1},
	{2018, LT_OFFENCE_NOT_RECORDED, 1},
	{2019, LT_OFFENCE_KIDNAPPING_FALSE_IMPRISONMENT, 6},
	{2019, LT_OFFENCE_SLAVERY_SERVITUDE, 3},
	{2019, LT_OFFENCE_FORCED_LABOUR, 1},
	{2019, LT_OFFENCE_HUMAN_TRAFFICKING, 1},
};

/* Synthetic reports per year, growing with awareness. */
static const struct {
	int year, reports;
} demo_volume[] = {{2015, 34}, {2016, 45}, {2017, 58}, {2018, 74}, {2019, 96}};

/* Forms, weighted roughly as UK referrals are: labour, criminal and sexual
 * exploitation most often, the rest rarely. Order as enum lt_form. */
static const unsigned form_weight[LT_FORM_COUNT] = {22, 9, 30, 24, 2, 5, 2, 6};

/* Places: local, elsewhere in the country, abroad, unknown. */
static const unsigned place_weight[LT_PLACE_COUNT] = {42, 20, 32, 6};

/* Countries where people reported were exploited, most common first. */
static const char *const demo_countries[] = {"RO", "AL", "VN", "PL", "NG", "CN", "ER", "SD",
					     "IN", "LT", "BG", "SK", "UA", "PK", "EG", "IR"};
static const unsigned country_weight[] = {14, 14, 12, 8, 7, 6, 5, 5, 4, 4, 4, 3, 3, 3, 2, 2};

/* One short synthetic description per form: what a worried person might see. */
static const char *const form_text[LT_FORM_COUNT][2] = {
	{"Young women are driven to and from a flat at all hours and never seem to go out alone.",
	 "A girl said she owes money to the man who brought her here and has to see men to pay it."},
	{"A woman next door cleans and cooks for the family all day and is never let out.",
	 "The nanny has no passport of her own and says she has not been paid for months."},
	{"Workers at the car wash live above it, work from early to late and are picked up in a van.",
	 "Men from the farm say their wages go to the gangmaster to pay for rent and transport."},
	{"Teenagers are travelling from London and selling drugs from a flat on the estate.",
	 "A house has blacked-out windows and a strong smell; a young man there never leaves."},
	{"A young man says he was made to fight for an armed group as a boy before coming here.",
	 "A boy described being taken by soldiers and used as a messenger and guard."},
	{"A student says her family is taking her abroad to marry a man she has never met.",
	 "A woman says she was married against her will and is kept at home by her husband's family."},
	{"A man says he was brought here with the promise of work and pressed to sell a kidney.",
	 "Someone was offered money to travel abroad for an operation to remove an organ."},
	{"Something does not feel right about a group of people living in a house in our road.",
	 "A person asked for help at a bus stop but could not explain who was controlling them."},
};

static lt_status dup_string(const char *s, char **out, struct lt_error *err)
{
	size_t n = strlen(s);
	*out = malloc(n + 1);
	if (!*out)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory building the demo data");
	memcpy(*out, s, n + 1);
	return LT_OK;
}

static lt_status make_report(uint64_t *s, int year, struct lt_report *r, struct lt_error *err)
{
	char contact[96];
	lt_report_init(r);
	lt_ref_format(next(s), r->ref);

	r->received.year = year;
	r->received.month = 1 + (int)below(s, 12);
	r->received.day = 1 + (int)below(s, 28);

	int partner = below(s, 100) < 62;
	if (partner) {
		size_t a = weighted(s, reporter_weight, N_AGENCIES);
		r->source = LT_SOURCE_PARTNER;
		snprintf(r->agency, sizeof(r->agency), "%s", demo_agencies[a].code);
		r->anonymous = false;
	} else {
		r->source = LT_SOURCE_PUBLIC;
		r->anonymous = below(s, 100) < 70;
	}

	size_t f = weighted(s, form_weight, LT_FORM_COUNT);
	r->forms = 1u << f;
	/* Some reports describe more than one form (sexual and criminal, say). */
	if (f != LT_FORM_UNKNOWN && below(s, 100) < 15) {
		size_t g = weighted(s, form_weight, LT_FORM_COUNT);
		if (g != LT_FORM_UNKNOWN)
			r->forms |= 1u << g;
	}

	r->place = (enum lt_place)weighted(s, place_weight, LT_PLACE_COUNT);
	if (r->place == LT_PLACE_LOCAL) {
		r->district = (int)below(s, (unsigned)lt_vocab_district.count);
	} else if (r->place == LT_PLACE_ABROAD) {
		size_t c = weighted(s, country_weight, sizeof(country_weight) / sizeof(country_weight[0]));
		r->country = lt_vocab_find(&lt_vocab_country, demo_countries[c], 2);
	}

	/* When it happened: often unknown; otherwise the same year or up to
	 * three years before, as people report what happened to them earlier. */
	unsigned when = below(s, 100);
	if (when < 60) {
		r->occurred.year = year - (int)below(s, 4);
		if (below(s, 2)) {
			r->occurred.month = 1 + (int)below(s, 12);
			if (r->occurred.year == year && r->occurred.month > r->received.month)
				r->occurred.month = r->received.month;
		}
	}

	lt_status st = dup_string(form_text[f][below(s, 2)], &r->description, err);
	if (st != LT_OK)
		return st;
	if (!r->anonymous && r->source == LT_SOURCE_PUBLIC) {
		/* Ofcom's numbers reserved for drama: never a real phone. */
		snprintf(contact, sizeof(contact), "Demo reporter, telephone 07700 900%03u", below(s, 1000));
		st = dup_string(contact, &r->contact, err);
	}
	return st;
}

lt_status lt_demo_build(uint64_t seed, struct lt_demo *out, struct lt_error *err)
{
	uint64_t s = seed;
	size_t nrep = 0, narr = 0;
	lt_status st = LT_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(demo_volume) / sizeof(demo_volume[0]); i++)
		nrep += (size_t)demo_volume[i].reports;
	for (size_t i = 0; i < sizeof(demo_arrest_figures) / sizeof(demo_arrest_figures[0]); i++)
		narr += (size_t)demo_arrest_figures[i].arrests;

	out->agencies = calloc(N_AGENCIES, sizeof(*out->agencies));
	out->arrests = calloc(narr, sizeof(*out->arrests));
	out->reports = calloc(nrep, sizeof(*out->reports));
	if (!out->agencies || !out->arrests || !out->reports) {
		st = lt_error_set(err, LT_ENOMEM, NULL, "out of memory building the demo data");
		goto out;
	}

	for (size_t i = 0; i < N_AGENCIES; i++) {
		struct lt_agency *a = &out->agencies[i];
		snprintf(a->code, sizeof(a->code), "%s", demo_agencies[i].code);
		snprintf(a->name, sizeof(a->name), "%s", demo_agencies[i].name);
		a->kind = demo_agencies[i].kind;
	}
	out->n_agencies = N_AGENCIES;

	for (size_t i = 0; i < sizeof(demo_arrest_figures) / sizeof(demo_arrest_figures[0]); i++) {
		for (int k = 0; k < demo_arrest_figures[i].arrests; k++) {
			struct lt_arrest *a = &out->arrests[out->n_arrests++];
			lt_arrest_init(a);
			a->date.year = demo_arrest_figures[i].year;
			a->offence = demo_arrest_figures[i].offence;
			snprintf(a->agency, sizeof(a->agency), "herts_police");
		}
	}

	for (size_t y = 0; y < sizeof(demo_volume) / sizeof(demo_volume[0]); y++) {
		for (int k = 0; k < demo_volume[y].reports; k++) {
			st = make_report(&s, demo_volume[y].year, &out->reports[out->n_reports++], err);
			if (st != LT_OK)
				goto out;
		}
	}
out:
	if (st != LT_OK)
		lt_demo_release(out);
	return st;
}

void lt_demo_release(struct lt_demo *d)
{
	for (size_t i = 0; i < d->n_reports; i++)
		lt_report_release(&d->reports[i]);
	free(d->reports);
	free(d->arrests);
	free(d->agencies);
	memset(d, 0, sizeof(*d));
}
