/*
 * taxonomy.c — the lookup arrays behind the vocabularies of taxonomy.h.
 *
 * Each array is expanded from its X-macro table, so it holds exactly the
 * enum's values in the enum's order; tests/core/test_taxonomy.c checks that
 * every code is unique and well formed and that the crosswalk values exist
 * in the NRM and HTCDS reference files.
 */
#include "core/taxonomy.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/bug.h"
#include "core/banned.h"

#define LT_X_TERM(sfx, code, label, desc, nrm, htcds) {code, label, desc, nrm, htcds},

static const struct lt_term form_terms[] = {LT_FORM_MAP(LT_X_TERM)};
static const struct lt_term offence_terms[] = {LT_OFFENCE_MAP(LT_X_TERM)};
static const struct lt_term place_terms[] = {LT_PLACE_MAP(LT_X_TERM)};
static const struct lt_term agency_kind_terms[] = {LT_AGENCY_KIND_MAP(LT_X_TERM)};
static const struct lt_term source_terms[] = {LT_SOURCE_MAP(LT_X_TERM)};

#define LT_COUNTRY(code, name) {code, name, name, "", ""},
static const struct lt_term country_terms[] = {
#include "core/countries.inc"
};
#undef LT_COUNTRY

/*
 * The partnership area: the ten districts of Hertfordshire. The code is the
 * district's name as a slug; the label is its council's name for it.
 */
static const struct lt_term district_terms[] = {
	{"broxbourne", "Broxbourne", "Borough of Broxbourne", "", ""},
	{"dacorum", "Dacorum", "Dacorum (Hemel Hempstead, Berkhamsted, Tring)", "", ""},
	{"east_hertfordshire", "East Hertfordshire", "East Hertfordshire (Hertford, Bishop's Stortford, Ware)", "", ""},
	{"hertsmere", "Hertsmere", "Hertsmere (Borehamwood, Potters Bar, Bushey)", "", ""},
	{"north_hertfordshire", "North Hertfordshire", "North Hertfordshire (Hitchin, Letchworth, Royston)", "", ""},
	{"st_albans", "St Albans", "St Albans City and District (St Albans, Harpenden)", "", ""},
	{"stevenage", "Stevenage", "Stevenage", "", ""},
	{"three_rivers", "Three Rivers", "Three Rivers (Rickmansworth, Abbots Langley)", "", ""},
	{"watford", "Watford", "Watford", "", ""},
	{"welwyn_hatfield", "Welwyn Hatfield", "Welwyn Hatfield (Welwyn Garden City, Hatfield)", "", ""},
};

#define LT_VOCAB(var, nm, arr) const struct lt_vocab var = {nm, arr, sizeof(arr) / sizeof(arr[0])}
LT_VOCAB(lt_vocab_form, "form", form_terms);
LT_VOCAB(lt_vocab_offence, "offence", offence_terms);
LT_VOCAB(lt_vocab_place, "place", place_terms);
LT_VOCAB(lt_vocab_agency_kind, "agency kind", agency_kind_terms);
LT_VOCAB(lt_vocab_source, "source", source_terms);
LT_VOCAB(lt_vocab_country, "country", country_terms);
LT_VOCAB(lt_vocab_district, "district", district_terms);

int lt_vocab_find(const struct lt_vocab *v, const char *code, size_t len)
{
	int fold = (v == &lt_vocab_country);
	for (size_t i = 0; i < v->count; i++) {
		const char *c = v->terms[i].code;
		if (strlen(c) != len)
			continue;
		if (fold ? strncasecmp(c, code, len) == 0 : memcmp(c, code, len) == 0)
			return (int)i;
	}
	return -1;
}

const struct lt_term *lt_vocab_term(const struct lt_vocab *v, size_t index)
{
	LT_ASSERT(index < v->count);
	return &v->terms[index];
}

void lt_vocab_expected(const struct lt_vocab *v, char *out, size_t cap)
{
	size_t len = 0;
	LT_ASSERT(cap > 8);
	out[0] = '\0';
	for (size_t i = 0; i < v->count; i++) {
		const char *sep = i ? ", " : "";
		size_t need = strlen(sep) + strlen(v->terms[i].code);
		/* Room for ", ..." after this code unless it is the last. */
		size_t reserve = i + 1 < v->count ? 5 : 0;
		if (len + need + reserve >= cap) {
			snprintf(out + len, cap - len, "%s...", len ? ", " : "");
			return;
		}
		len += (size_t)snprintf(out + len, cap - len, "%s%s", sep, v->terms[i].code);
	}
}
