/*
 * test_link_compare.c — the comparators of record linkage
 * (src/linkage/link_compare.c): Jaro and Jaro-Winkler, Levenshtein and
 * true Damerau-Levenshtein with their caps, Double Metaphone, name folding,
 * nicknames, and dates parsed and compared at levels.
 *
 * Expected values come from published sources, named on each table:
 * Winkler's and Wikipedia's worked examples, DuckDB's own SQL tests of
 * jaro_winkler_similarity and damerau_levenshtein (the functions splink
 * calls), splink_udfs' tests of its damerau_levenshtein, Apache Commons
 * Codec's Double Metaphone tests (link_compare_dmeta.inc), and an
 * independent implementation, jellyfish, on 1,000 random Unicode pairs
 * (link_compare_jellyfish.tsv). A few values on
 * Unicode and invalid input are derived by hand from the definitions; the
 * derivation is written beside them. The caps are checked against the
 * uncapped distances, and Levenshtein against a plain full-matrix
 * implementation, on seeded random strings.
 */
#include "testutil.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/person.h"
#include "linkage/link_compare.h"

/* ---- Jaro and Jaro-Winkler -------------------------------------------- */

struct sim_case {
	const char *a, *b;
	const char *want; /* as published; the tolerance is one unit of its last decimal */
	const char *source;
};

/* One unit of the last decimal written in `want`: published values are
 * rounded (DuckDB's frog/fog 0.93 is 0.925 exactly) or truncated (its
 * 0.97948 is 0.979487...), and DuckDB's test runner compares them
 * approximately. Values given to 16 digits are checked to 1e-12. */
static double tolerance_of(const char *want)
{
	const char *dot = strchr(want, '.');
	size_t dec = dot ? strlen(dot + 1) : 0;
	double tol = 1.0;
	for (size_t i = 0; i < dec; i++)
		tol /= 10;
	return tol < 1e-12 ? 1e-12 : tol;
}

static int check_sims(const struct sim_case *t, size_t n, double (*f)(const char *, const char *),
                      const char *what)
{
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		double want = strtod(t[i].want, NULL), tol = tolerance_of(t[i].want);
		double got = f(t[i].a, t[i].b), back = f(t[i].b, t[i].a);
		if (!(got >= want - tol && got <= want + tol) ||
		    !(back >= want - tol && back <= want + tol)) {
			print_message(
			    "%s(\"%s\", \"%s\"): got %.17g (reversed %.17g), want %s (%s)\n", what,
			    t[i].a, t[i].b, got, back, t[i].want, t[i].source);
			bad++;
		}
	}
	return bad;
}

static const struct sim_case jw_cases[] = {
    /* Winkler (1990) and https://en.wikipedia.org/wiki/Jaro-Winkler_distance */
    {"MARTHA", "MARHTA", "0.9611", "Winkler; Wikipedia"},
    {"DWAYNE", "DUANE", "0.84", "Winkler; Wikipedia"},
    {"DIXON", "DICKSONX", "0.8133", "Winkler; Wikipedia"},
    /* DuckDB test/sql/function/string/test_jaro_winkler.test */
    {"CRATE", "TRACE", "0.733333", "DuckDB"},
    {"DwAyNE", "DuANE", "0.8400000000000001", "DuckDB"},
    {"0", "0", "1", "DuckDB"},
    {"00", "00", "1", "DuckDB"},
    {"0", "00", "0.85", "DuckDB"},
    {"", "", "0.0", "DuckDB (Apache Commons says 1.0)"},
    {"foo", "foo", "1.0", "DuckDB"},
    {"foo", "foo ", "0.94", "DuckDB"},
    {"foo", "foo  ", "0.91", "DuckDB"},
    {"foo", " foo ", "0.87", "DuckDB"},
    {"foo", "  foo", "0.51", "DuckDB"},
    {"", "a", "0.0", "DuckDB"},
    {"aaapppp", "", "0.0", "DuckDB"},
    {"frog", "fog", "0.93", "DuckDB"},
    {"fly", "ant", "0.0", "DuckDB"},
    {"elephant", "hippo", "0.44", "DuckDB"},
    {"hippo", "zzzzzzzz", "0.0", "DuckDB"},
    {"hello", "hallo", "0.88", "DuckDB"},
    {"ABC Corporation", "ABC Corp", "0.91", "DuckDB"},
    {"D N H Enterprises Inc", "D &amp; H Enterprises, Inc.", "0.8648324514991181", "DuckDB"},
    {"My Gym Children's Fitness Center", "My Gym. Childrens Fitness", "0.942", "DuckDB"},
    {"PENNSYLVANIA", "PENNCISYLVNIA", "0.8980186480186481", "DuckDB"},
    /* By hand, on code points: m = 3 of 4 each, no transpositions,
     * j = (3/4 + 3/4 + 1)/3 = 5/6, prefix 3: 5/6 + 0.3 * 1/6 = 0.883333. */
    {"José", "Jose", "0.8833333333333333", "definition, code points"},
    /* Cyrillic, one substitution in six: j = (5/6 + 5/6 + 1)/3 = 8/9,
     * prefix 1: 8/9 + 0.1/9 = 0.9. */
    {"Москва", "Масква", "0.9", "definition, code points"},
    /* A shared initial only: j = (2/4 + 2/4 + 1)/3 = 2/3, not above 0.7,
     * so no boost (an unconditional one would give 0.7). */
    {"jane", "john", "0.6666666666666666", "definition, threshold 0.7"},
    /* Invalid bytes are code points of their own (U+DCFF, U+DCFE): only
     * 'a' matches, j = (1/2 + 1/2 + 1)/3, below 0.7 so no boost. */
    {"\xff"
     "a",
     "\xfe"
     "a",
     "0.6666666666666666", "definition, invalid UTF-8"},
    {"\xff\xfe", "\xff\xfe", "1", "definition, invalid UTF-8"},
    /* A lone 0xC3 is U+DCC3, not U+00C3 (which is "\xc3\x83"). */
    {"\xc3", "\xc3\x83", "0", "definition, invalid UTF-8"},
};

static const struct sim_case jaro_cases[] = {
    {"MARTHA", "MARHTA", "0.9444", "Winkler; Wikipedia"},
    {"DWAYNE", "DUANE", "0.8222", "Winkler; Wikipedia"},
    {"DIXON", "DICKSONX", "0.7667", "Winkler; Wikipedia"},
    {"CRATE", "TRACE", "0.733333", "DuckDB (below 0.7 the boost is none)"},
};

static void test_jaro_winkler_published(void **state)
{
	(void)state;
	int bad = check_sims(jw_cases, sizeof(jw_cases) / sizeof(jw_cases[0]), lt_link_jaro_winkler,
	                     "jaro_winkler");
	bad += check_sims(jaro_cases, sizeof(jaro_cases) / sizeof(jaro_cases[0]), lt_link_jaro,
	                  "jaro");
	assert_int_equal(bad, 0);
}

/* n '0' characters with '1' at positions p1 and p2 (-1: none) and '2' at p3. */
static char *zeros(char *buf, size_t n, long p1, long p2, long p3)
{
	memset(buf, '0', n);
	buf[n] = '\0';
	if (p1 >= 0)
		buf[p1] = '1';
	if (p2 >= 0)
		buf[p2] = '1';
	if (p3 >= 0)
		buf[p3] = '2';
	return buf;
}

/* DuckDB's long cases (test_jaro_winkler.test): strings of zeros of 63 to
 * 128 characters, past the 64 that its library treats in one word. */
static void test_jaro_winkler_long(void **state)
{
	(void)state;
	char a[200], b[200];
	struct {
		size_t na;
		long a1, a2, a3;
		size_t nb;
		long b1, b2;
		const char *want;
	} t[] = {
	    {65, -1, -1, -1, 65, -1, -1, "1"},       {64, -1, -1, -1, 65, -1, -1, "0.9969"},
	    {63, -1, -1, -1, 65, -1, -1, "0.9938"},  {65, 0, -1, 63, 65, -1, -1, "0.97948"},
	    {79, 78, -1, -1, 65, 14, 39, "0.95333"}, {128, 1, -1, -1, 65, -1, -1, "0.85234"},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		zeros(a, t[i].na, t[i].a1, t[i].a2, t[i].a3);
		zeros(b, t[i].nb, t[i].b1, t[i].b2, -1);
		double got = lt_link_jaro_winkler(a, b), want = strtod(t[i].want, NULL);
		double tol = tolerance_of(t[i].want);
		if (!(got >= want - tol && got <= want + tol)) {
			print_message("jaro_winkler(long case %zu): got %.10g, want %s (DuckDB)\n",
			              i, got, t[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Past LT_LINK_STRING_MAX code points, values are compared on their prefix. */
static void test_long_values_compared_on_prefix(void **state)
{
	(void)state;
	char a[3 * LT_LINK_STRING_MAX], b[3 * LT_LINK_STRING_MAX];
	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[LT_LINK_STRING_MAX + 5] = 'b'; /* beyond the prefix */
	assert_true(lt_link_jaro_winkler(a, b) == 1.0);
	assert_int_equal(lt_link_levenshtein(a, b, 10), 0);
	assert_int_equal(lt_link_damerau_levenshtein(a, b, 10), 0);
	b[LT_LINK_STRING_MAX - 1] = 'b'; /* the last code point read */
	assert_int_equal(lt_link_levenshtein(a, b, 10), 1);
	assert_int_equal(lt_link_damerau_levenshtein(a, b, 10), 1);
	assert_true(lt_link_jaro_winkler(a, b) < 1.0);
	/* Multi-byte: 128 two-byte characters read, the 129th not. */
	char u[2 * (LT_LINK_STRING_MAX + 2) + 1], v[sizeof(u)];
	for (size_t i = 0; i < LT_LINK_STRING_MAX + 2; i++) {
		u[2 * i] = (char)0xC3;
		u[2 * i + 1] = (char)0xA9; /* é */
	}
	u[sizeof(u) - 1] = '\0';
	memcpy(v, u, sizeof(v));
	v[2 * LT_LINK_STRING_MAX + 1] = (char)0xA8; /* è, the 129th */
	assert_int_equal(lt_link_levenshtein(u, v, 5), 0);
	v[2 * LT_LINK_STRING_MAX - 1] = (char)0xA8; /* the 128th */
	assert_int_equal(lt_link_levenshtein(u, v, 5), 1);
}

/*
 * Against an independent implementation: link_compare_jellyfish.tsv holds
 * 1,000 seeded random pairs of short strings over a small alphabet of
 * ASCII, Latin-1, Cyrillic, Arabic and an emoji (half of them a string and
 * itself after a few edits), with jellyfish's Jaro, Jaro-Winkler,
 * Levenshtein and Damerau-Levenshtein of each (scripts/
 * gen-link-compare-golden says how it was made). jellyfish works on code
 * points, as lantern does; every value must agree to the last bit but one.
 */
static void test_against_jellyfish(void **state)
{
	(void)state;
	const char *src = getenv("LANTERN_SOURCE");
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/linkage/link_compare_jellyfish.tsv",
	         src ? src : ".");
	FILE *f = fopen(path, "r");
	if (!f)
		print_message("cannot open %s\n", path);
	assert_non_null(f);
	char line[512];
	int n = 0, bad = 0;
	while (fgets(line, sizeof(line), f)) {
		char *fld[6], *p = line;
		line[strcspn(line, "\n")] = '\0';
		for (int i = 0; i < 6; i++) {
			fld[i] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
			else
				assert_int_equal(i, 5);
		}
		double jaro = strtod(fld[2], NULL), jw = strtod(fld[3], NULL);
		unsigned lev = (unsigned)strtoul(fld[4], NULL, 10),
		         dl = (unsigned)strtoul(fld[5], NULL, 10);
		double gj = lt_link_jaro(fld[0], fld[1]),
		       gjw = lt_link_jaro_winkler(fld[0], fld[1]);
		unsigned glev = lt_link_levenshtein(fld[0], fld[1], UINT_MAX);
		unsigned gdl = lt_link_damerau_levenshtein(fld[0], fld[1], UINT_MAX);
		if (!(gj >= jaro - 1e-15 && gj <= jaro + 1e-15) ||
		    !(gjw >= jw - 1e-15 && gjw <= jw + 1e-15) || glev != lev || gdl != dl) {
			print_message(
			    "\"%s\" \"%s\": got jaro %.17g jw %.17g lev %u dl %u, want %s %s %u "
			    "%u (jellyfish)\n",
			    fld[0], fld[1], gj, gjw, glev, gdl, fld[2], fld[3], lev, dl);
			bad++;
		}
		n++;
	}
	fclose(f);
	print_message("%d pairs against jellyfish, %d wrong\n", n, bad);
	assert_int_equal(n, 1000);
	assert_int_equal(bad, 0);
}

/* ---- Edit distances --------------------------------------------------- */

struct dist_case {
	const char *a, *b;
	unsigned max, want;
};

static int check_dists(const struct dist_case *t, size_t n,
                       unsigned (*f)(const char *, const char *, unsigned), const char *what,
                       const char *source)
{
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned got = f(t[i].a, t[i].b, t[i].max);
		if (got != t[i].want) {
			print_message("%s(\"%s\", \"%s\", %u): got %u, want %u (%s)\n", what,
			              t[i].a, t[i].b, t[i].max, got, t[i].want, source);
			bad++;
		}
	}
	return bad;
}

/* splink_udfs test/sql/dlev.test (moj-analytical-services/splink_udfs),
 * the damerau_levenshtein(a, b[, max]) splink registers in DuckDB; with a
 * max it returns max + 1 beyond it. UINT_MAX: no cap. */
static const struct dist_case dl_splink[] = {
    {"iupnyjmguebdgljcovqkhjumysjbgprhnlihjixbzacdtcnm", "iuqnjmeglcovqjhjumysbghnhjxbzacdtcpf",
     UINT_MAX, 16},
    {"iupnyjmguebdgljcovqkhjumysjbgprhnlihjixbzacdtcnm", "iuqnjmeglcovqjhjumysbghnhjxbzacdtcpf", 7,
     8},
    {"yfzt{qmvdyfmbjokavnclorkdjf", "mhom{nzjbglufbpace", UINT_MAX, 24},
    {"yfzt{qmvdyfmbjokavnclorkdjf", "mhom{nzjbglufbpace", 9, 10},
    {"hmsemcyexbvoawbjytimnlicduzblzpezzxsenmgdjqnnvthtlldvphoxldogxejfewskugfjbsqbirpoqmipiaeuphm",
     "zbqftdyoxiexzxyjeqrn", UINT_MAX, 80},
    {"hmsemcyexbvoawbjytimnlicduzblzpezzxsenmgdjqnnvthtlldvphoxldogxejfewskugfjbsqbirpoqmipiaeuphm",
     "zbqftdyoxiexzxyjeqrn", 2, 3},
    {"cygyy{ranzljftjtbsdjblxquggdfomxbnjpohnasqghyvjvonyfrwctafovpcvni",
     "cygyytranzfjfbjtbsdyxlxqulgdnomxbxxpohnasqghyvjcpnufrwctachvpcfli", UINT_MAX, 16},
    {"cygyy{ranzljftjtbsdjblxquggdfomxbnjpohnasqghyvjvonyfrwctafovpcvni",
     "cygyytranzfjfbjtbsdyxlxqulgdnomxbxxpohnasqghyvjcpnufrwctachvpcfli", 9, 10},
    {"bkjssmklqingkvlftonfjxswrrchvgihukgdmaloxoy", "bknscmilqqngkvlhtowfpvsweruhvgihumgdmagoxod",
     UINT_MAX, 13},
    {"bkjssmklqingkvlftonfjxswrrchvgihukgdmaloxoy", "bknscmilqqngkvlhtowfpvsweruhvgihumgdmagoxod",
     9, 10},
    {"boub{joqgtpdettgevaunwnnuhbvrxjwh", "wxb{jqgtdehtvevwnnbxw", UINT_MAX, 16},
    {"tdrekhcoyeo", "tdkhyx", UINT_MAX, 6},
    {"tdrekhcoyeo", "tdkhyx", 4, 5},
    {"jpexqfyycsm", "jpeqfysm", UINT_MAX, 3},
    {"mnkceqy", "mkkc{qy", UINT_MAX, 2},
    {"toknvn{thzxvuklyueybysrv", "zsdimswbe", UINT_MAX, 22},
    {"toknvn{thzxvuklyueybysrv", "zsdimswbe", 12, 13},
    {"sjgmwfdrqraoqbwlycigedemkdswrdxdfuotwhwrmbwqvyiglxphmxmraxffxwcagoh",
     "sgmwdrqraoqbwlygedemkswrdxdfuohwrmbwyigpmxmraxfxwagh", UINT_MAX, 15},
    {"qebdysvwgsqffvdujmkasrggkcmuexprpntwprnyqibval{rhbjibllksfunurvmncbpx",
     "qeysvwgqffvdumkasggcuprpntwryqibvlrhbbllksfurvmnpx", UINT_MAX, 19},
    {"emm", "ylbmsuiaixaomnfljgigfnxoiecuchrhwwqfnu", UINT_MAX, 36},
    {"hmmprvylyrgdlrncccisbemtqhkweejdbrndwgemlhxyfskricwiesppkwfvzpisiihsqvemrppavmnxyiajprxskmlr",
     "dmmpruylyrgdlbncccidbemmqhkweajdbrndwgpmlhlyfikrfcwiesppfwfvzpixiihsrvearppzvmjyyeajprxskklr",
     UINT_MAX, 19},
    {"ves{wlkrxckjiejjtszklbcuhqsuotvwlbpiyfdidyn{udxjleyxcomrprngyvfff",
     "veiqblkrxksuiecjkyzklbouhqzuotvwlbpibfyixynvudxjlevxpoor{rngyvfio", UINT_MAX, 21},
    {"mbychdsoijtlsnplffltuotsztynsivoqkszyuwbedmhz", "mcdojtlnplfltuttszynsiwkszyujbudmz",
     UINT_MAX, 15},
    {"café☕", "cafe", UINT_MAX, 2},
    {"zsvvwqminqlpgquuczncastfyce", "zsvvlqmcnqlpgquugzncastfjce", UINT_MAX, 4},
    {"zsvvwqminqlpgquuczncastfyce", "zsvvlqmcnqlpgquugzncastfjce", 2, 3},
    {"cwypxmulpdslblyygwcjxdirpycxhpicfgqmiyhzdckqzkmmpvwtjykijwkommwxtirmofcybyeufikqqtonuak",
     "cymulpslblygwjxdrycxhicqmihzdckqzmmpvyjwkommwxtimocybyeufiqqtua", UINT_MAX, 24},
};

/* DuckDB test/sql/function/string/test_damerau_levenshtein.test (no cap). */
static const struct dist_case dl_duckdb[] = {
    {"out", "to", UINT_MAX, 2},
    {"three", "there", UINT_MAX, 1},
    {"potion", "option", UINT_MAX, 1},
    {"letter", "lettre", UINT_MAX, 1},
    {"to", "out", UINT_MAX, 2},
    {"laos", "also", UINT_MAX, 2},
    {"tomato", "otamot", UINT_MAX, 3},
    {"abcdefg", "bacedgf", UINT_MAX, 3},
    {"abcdefghi", "bzacdefig", UINT_MAX, 4},
    {"bzacdefig", "abcdefghi", UINT_MAX, 4},
    {"at", "tarokk", UINT_MAX, 5},
    {"tarokk", "at", UINT_MAX, 5},
    {"organ", "no", UINT_MAX, 4},
    {"trips", "strip", UINT_MAX, 2},
    {"cat", "cats", UINT_MAX, 1},
    {"rat", "brat", UINT_MAX, 1},
    {"amanaplanacanalpanama", "m23aanaplancaanaalnama", UINT_MAX, 6},
    {"", "great", UINT_MAX, 5},
    {"great", "", UINT_MAX, 5},
    {"", "", UINT_MAX, 0},
    {"dinetcila", "identical", UINT_MAX, 4},
    {"abcdefghijk", "bacdfzzeghki", UINT_MAX, 6},
    {"abcd", "bcda", UINT_MAX, 2},
    {"great", "greta", UINT_MAX, 1},
    {"abcdefghijklmnopqrstuvwxyz", "abdcpoxwz", UINT_MAX, 20},
    {"a_considerably_longer_string", "a_ocnsiderably_longre_tsrig", UINT_MAX, 4},
    {"another-quite-long-string", "naothre-quit-elongstrnig", UINT_MAX, 5},
    {"littlehampton", "littlerhamptoner", UINT_MAX, 3},
    {"an_incredibly_long_string_to_compare", "na_incerdibl_ylong_sr56ting_ot_ocmrpe", UINT_MAX, 10},
    {"smaller", "notsmaller,longer", UINT_MAX, 10},
    {"againalongerstring", "string", UINT_MAX, 12},
    /* The true distance against optimal string alignment: ca -> ac -> abc
     * (Wikipedia, "Damerau-Levenshtein distance"); OSA gives 3. */
    {"ca", "abc", UINT_MAX, 2},
    {"ab", "ba", UINT_MAX, 1},
    {"ca", "abc", 1, 2},
    {"ca", "abc", 0, 1},
    /* By hand, on code points: ü for u and one e inserted; a swapped
     * Cyrillic pair; a swapped pair of emoji (4 bytes each). */
    {"Müller", "Mueller", UINT_MAX, 2},
    {"Иванов", "Ивнаов", UINT_MAX, 1},
    {"\xf0\x9f\x98\x80\xf0\x9f\x98\x83", "\xf0\x9f\x98\x83\xf0\x9f\x98\x80", UINT_MAX, 1},
    /* Invalid bytes: each its own code point, so one substitution. */
    {"a\xff"
     "b",
     "a\xfe"
     "b",
     UINT_MAX, 1},
    {"a\xff"
     "b",
     "a\xff"
     "b",
     UINT_MAX, 0},
};

static const struct dist_case lev_cases[] = {
    /* https://en.wikipedia.org/wiki/Levenshtein_distance */
    {"kitten", "sitting", UINT_MAX, 3},
    {"flaw", "lawn", UINT_MAX, 2},
    {"saturday", "sunday", UINT_MAX, 3},
    {"kitten", "sitting", 2, 3},
    {"kitten", "sitting", 3, 3},
    {"kitten", "sitting", 0, 1},
    {"", "", UINT_MAX, 0},
    {"", "abc", UINT_MAX, 3},
    {"abc", "", 1, 2},
    /* A transposition costs two without Damerau's rule. */
    {"ca", "abc", UINT_MAX, 3},
    {"ab", "ba", UINT_MAX, 2},
    /* By hand, on code points. */
    {"Müller", "Mueller", UINT_MAX, 2},
    {"José", "Jose", UINT_MAX, 1},
    {"Müller", "Muller", UINT_MAX, 1}, /* two edits on bytes */
    {"Москва", "Масква", UINT_MAX, 1},
    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x83", UINT_MAX, 1},
    {"café☕", "cafe", UINT_MAX, 2},
};

static void test_edit_distances_published(void **state)
{
	(void)state;
	int bad = check_dists(dl_splink, sizeof(dl_splink) / sizeof(dl_splink[0]),
	                      lt_link_damerau_levenshtein, "damerau_levenshtein", "splink_udfs");
	bad += check_dists(dl_duckdb, sizeof(dl_duckdb) / sizeof(dl_duckdb[0]),
	                   lt_link_damerau_levenshtein, "damerau_levenshtein", "DuckDB, Wikipedia");
	bad += check_dists(lev_cases, sizeof(lev_cases) / sizeof(lev_cases[0]), lt_link_levenshtein,
	                   "levenshtein", "Wikipedia");
	assert_int_equal(bad, 0);
}

/* A plain full-matrix edit distance on bytes (the strings below are ASCII):
 * Levenshtein, or with `swaps` optimal string alignment (restricted
 * Damerau-Levenshtein), for contrast. */
static unsigned ref_edit(const char *a, const char *b, bool swaps)
{
	size_t la = strlen(a), lb = strlen(b);
	static unsigned m[64][64];
	for (size_t i = 0; i <= la; i++)
		m[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		m[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned v = m[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (m[i - 1][j] + 1 < v)
				v = m[i - 1][j] + 1;
			if (m[i][j - 1] + 1 < v)
				v = m[i][j - 1] + 1;
			if (swaps && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    m[i - 2][j - 2] + 1 < v)
				v = m[i - 2][j - 2] + 1;
			m[i][j] = v;
		}
	return m[la][lb];
}
static unsigned ref_levenshtein(const char *a, const char *b)
{
	return ref_edit(a, b, false);
}
static unsigned ref_osa(const char *a, const char *b)
{
	return ref_edit(a, b, true);
}

/*
 * The true Damerau-Levenshtein distance by its definition: the fewest
 * insertions, deletions, substitutions and swaps of adjacent characters
 * that turn a into b, found by breadth-first search over strings of the
 * letters a, b, c of at most MAXLEN characters (enough room for any
 * shortest sequence between the short strings below). Independent of
 * Lowrance and Wagner's dynamic programme, which equals it for unit costs.
 */
#define BFS_MAXLEN 7
static size_t bfs_code(const char *s, size_t n)
{
	size_t c = 1; /* a leading 1 keeps the length */
	for (size_t i = 0; i < n; i++)
		c = c * 3 + (size_t)(s[i] - 'a');
	return c;
}
static unsigned ref_true_dl(const char *a, const char *b)
{
	enum { STATES = 3 * 3 * 3 * 3 * 3 * 3 * 3 * 3 * 2 };
	static unsigned char seen[STATES];
	static char queue[STATES][BFS_MAXLEN + 1];
	static unsigned dist[STATES];
	memset(seen, 0, sizeof(seen));
	size_t head = 0, tail = 0;
	memcpy(queue[tail], a, strlen(a) + 1);
	dist[tail++] = 0;
	seen[bfs_code(a, strlen(a))] = 1;
	while (head < tail) {
		char cur[BFS_MAXLEN + 2];
		memcpy(cur, queue[head], sizeof(queue[head]));
		unsigned d = dist[head++];
		if (strcmp(cur, b) == 0)
			return d;
		size_t n = strlen(cur);
		char next[BFS_MAXLEN + 2];
		for (int op = 0; op < 4; op++)
			for (size_t i = 0; i <= n; i++)
				for (char c = 'a'; c <= 'c'; c++) {
					size_t m;
					if (op == 0 && n < BFS_MAXLEN) { /* insert c at i */
						memcpy(next, cur, i);
						next[i] = c;
						memcpy(next + i + 1, cur + i, n - i + 1);
						m = n + 1;
					} else if (op == 1 && i < n && c == 'a') { /* delete i */
						memcpy(next, cur, i);
						memcpy(next + i, cur + i + 1, n - i);
						m = n - 1;
					} else if (op == 2 && i < n &&
					           cur[i] != c) { /* substitute */
						memcpy(next, cur, n + 1);
						next[i] = c;
						m = n;
					} else if (op == 3 && i + 1 < n && c == 'a' &&
					           cur[i] != cur[i + 1]) {
						memcpy(next, cur, n + 1); /* swap i, i + 1 */
						next[i] = cur[i + 1];
						next[i + 1] = cur[i];
						m = n;
					} else {
						continue;
					}
					size_t code = bfs_code(next, m);
					if (seen[code])
						continue;
					seen[code] = 1;
					memcpy(queue[tail], next, m + 1);
					dist[tail++] = d + 1;
				}
	}
	return UINT_MAX;
}

/* On 400 seeded random pairs of up to 5 letters of {a, b, c}: the true
 * distance by its definition. */
static void test_damerau_levenshtein_definition(void **state)
{
	(void)state;
	unsigned seed = 31;
	char a[8], b[8];
	int bad = 0, differs_from_osa = 0;
	for (int k = 0; k < 400; k++) {
		size_t na = (size_t)(rand_r(&seed) % 6), nb = (size_t)(rand_r(&seed) % 6);
		for (size_t i = 0; i < na; i++)
			a[i] = (char)('a' + rand_r(&seed) % 3);
		for (size_t i = 0; i < nb; i++)
			b[i] = (char)('a' + rand_r(&seed) % 3);
		a[na] = b[nb] = '\0';
		unsigned want = ref_true_dl(a, b);
		unsigned got = lt_link_damerau_levenshtein(a, b, UINT_MAX);
		if (got != want) {
			print_message(
			    "damerau_levenshtein(\"%s\", \"%s\"): got %u, want %u (by search)\n", a,
			    b, got, want);
			bad++;
		}
		differs_from_osa += want != ref_osa(a, b);
	}
	print_message("400 pairs by search; true DL differs from OSA on %d\n", differs_from_osa);
	assert_int_equal(bad, 0);
}

/* A seeded random string of 0..maxlen letters of a small alphabet (so that
 * repeats and transpositions are common). */
static void random_word(char *s, size_t maxlen, unsigned *seed)
{
	size_t n = (size_t)(rand_r(seed) % (int)(maxlen + 1));
	for (size_t i = 0; i < n; i++)
		s[i] = (char)('a' + rand_r(seed) % 4);
	s[n] = '\0';
}

/* On 3,000 seeded random pairs: Levenshtein equals the plain algorithm;
 * every cap gives min(distance, max + 1); the true DL is at most OSA, at
 * most Levenshtein and at least half of it, and symmetric. */
static void test_edit_distances_against_references(void **state)
{
	(void)state;
	unsigned seed = 20261128;
	char a[40], b[40];
	int bad = 0, dl_below_osa = 0;
	for (int k = 0; k < 3000 && bad < 10; k++) {
		random_word(a, 12, &seed);
		random_word(b, 12, &seed);
		unsigned lev = lt_link_levenshtein(a, b, UINT_MAX);
		unsigned dl = lt_link_damerau_levenshtein(a, b, UINT_MAX);
		unsigned want = ref_levenshtein(a, b), osa = ref_osa(a, b);
		if (lev != want || dl > osa || dl > lev || 2 * dl < lev ||
		    dl != lt_link_damerau_levenshtein(b, a, UINT_MAX)) {
			print_message("\"%s\" \"%s\": lev %u (plain %u), dl %u, osa %u\n", a, b,
			              lev, want, dl, osa);
			bad++;
		}
		dl_below_osa += dl < osa;
		for (unsigned max = 0; max <= 8; max++) {
			unsigned cl = lt_link_levenshtein(a, b, max);
			unsigned cd = lt_link_damerau_levenshtein(a, b, max);
			if (cl != (lev <= max ? lev : max + 1) ||
			    cd != (dl <= max ? dl : max + 1)) {
				print_message(
				    "\"%s\" \"%s\" max %u: lev %u (full %u), dl %u (full %u)\n", a,
				    b, max, cl, lev, cd, dl);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
	/* The alphabet of four letters makes true DL beat OSA on some pairs. */
	assert_true(dl_below_osa > 0);
	print_message("3000 random pairs; true DL below OSA on %d\n", dl_below_osa);
}

/* ---- Double Metaphone ------------------------------------------------- */

static const struct {
	const char *name, *primary, *alternate;
} dmeta_vectors[] = {
#include "link_compare_dmeta.inc"
};

/* Apache Commons Codec DoubleMetaphoneTest.java: testDoubleMetaphone
 * (primary and alternate of a sentence and some names), testCCedilla,
 * testNTilde, testCodec184 (empty), testCodec320. */
static const struct {
	const char *name, *primary, *alternate;
} dmeta_more[] = {
    {"testing", "TSTN", "TSTN"},
    {"The", "0", "T"},
    {"quick", "KK", "KK"},
    {"brown", "PRN", "PRN"},
    {"fox", "FKS", "FKS"},
    {"jumped", "JMPT", "AMPT"},
    {"over", "AFR", "AFR"},
    {"lazy", "LS", "LS"},
    {"dogs", "TKS", "TKS"},
    {"MacCafferey", "MKFR", "MKFR"},
    {"Stephan", "STFN", "STFN"},
    {"McClelland", "MKLL", "MKLL"},
    {"san jose", "SNHS", "SNHS"},
    {"xenophobia", "SNFP", "SNFP"},
    {"Kuczewski", "KSSK", NULL},
    {"Kutchefski", NULL, "KXFS"},
    {"Fokker", NULL, "FKR"},
    {"Joqqi", NULL, "AK"},
    {"Hovvi", NULL, "HF"},
    {"Czerny", NULL, "XRN"},
    {"\xc3\xa7", "S", "S"},
    {"\xc3\xb1", "N", "N"},
    {"ANGHELINA", "ANKL", NULL},
    {"", "", ""},
    {" ", "", ""},
    {"\t\n\r ", "", ""},
};

static void test_double_metaphone_vectors(void **state)
{
	(void)state;
	int bad = 0;
	size_t n = sizeof(dmeta_vectors) / sizeof(dmeta_vectors[0]);
	char p[LT_LINK_DMETA_SIZE], a[LT_LINK_DMETA_SIZE];
	for (size_t i = 0; i < n; i++) {
		lt_link_double_metaphone(dmeta_vectors[i].name, p, a);
		if (strcmp(p, dmeta_vectors[i].primary) != 0 ||
		    strcmp(a, dmeta_vectors[i].alternate) != 0) {
			print_message(
			    "double_metaphone(\"%s\"): got %s/%s, want %s/%s (Commons Codec)\n",
			    dmeta_vectors[i].name, p, a, dmeta_vectors[i].primary,
			    dmeta_vectors[i].alternate);
			bad++;
		}
	}
	for (size_t i = 0; i < sizeof(dmeta_more) / sizeof(dmeta_more[0]); i++) {
		lt_link_double_metaphone(dmeta_more[i].name, p, a);
		if ((dmeta_more[i].primary && strcmp(p, dmeta_more[i].primary) != 0) ||
		    (dmeta_more[i].alternate && strcmp(a, dmeta_more[i].alternate) != 0)) {
			print_message(
			    "double_metaphone(\"%s\"): got %s/%s, want %s/%s (Commons Codec)\n",
			    dmeta_more[i].name, p, a,
			    dmeta_more[i].primary ? dmeta_more[i].primary : "*",
			    dmeta_more[i].alternate ? dmeta_more[i].alternate : "*");
			bad++;
		}
	}
	print_message("%zu + %zu Double Metaphone vectors, %d wrong\n", n,
	              sizeof(dmeta_more) / sizeof(dmeta_more[0]), bad);
	assert_true(n > 1000);
	assert_int_equal(bad, 0);
}

static const struct {
	const char *a, *b;
} dmeta_matches[] = {
#include "link_compare_dmeta_matches.inc"
};

/* Commons Codec's pairs: MATCHES agree on the primary or the alternate
 * code; testIsDoubleMetaphoneEqualBasic's on both; Jablonski and Yablonsky
 * on the alternate; Brain and Band on neither. */
static void test_double_metaphone_matches(void **state)
{
	(void)state;
	char pa[LT_LINK_DMETA_SIZE], aa[LT_LINK_DMETA_SIZE], pb[LT_LINK_DMETA_SIZE],
	    ab[LT_LINK_DMETA_SIZE];
	int bad = 0;
	size_t n = sizeof(dmeta_matches) / sizeof(dmeta_matches[0]);
	for (size_t i = 0; i < n; i++) {
		lt_link_double_metaphone(dmeta_matches[i].a, pa, aa);
		lt_link_double_metaphone(dmeta_matches[i].b, pb, ab);
		if (strcmp(pa, pb) != 0 && strcmp(aa, ab) != 0) {
			print_message(
			    "%s %s/%s and %s %s/%s do not match (Commons Codec MATCHES)\n",
			    dmeta_matches[i].a, pa, aa, dmeta_matches[i].b, pb, ab);
			bad++;
		}
	}
	static const struct {
		const char *a, *b;
		bool primary, alternate;
	} t[] = {
	    {"", "", true, true},
	    {"Case", "case", true, true},
	    {"caSe", "cAsE", true, true},
	    {"cookie", "quick", true, true},
	    {"Brian", "Bryan", true, true},
	    {"Auto", "Otto", true, true},
	    {"Steven", "Stefan", true, true},
	    {"Philipowitz", "Filipowicz", true, true},
	    {"Jablonski", "Yablonsky", false, true},
	    {"Brain", "Band", false, false},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		lt_link_double_metaphone(t[i].a, pa, aa);
		lt_link_double_metaphone(t[i].b, pb, ab);
		if ((strcmp(pa, pb) == 0) != t[i].primary ||
		    (t[i].alternate && strcmp(aa, ab) != 0) ||
		    (!t[i].primary && !t[i].alternate && strcmp(aa, ab) == 0)) {
			print_message("%s %s/%s against %s %s/%s (Commons Codec)\n", t[i].a, pa, aa,
			              t[i].b, pb, ab);
			bad++;
		}
	}
	print_message("%zu matching pairs, %d wrong\n", n, bad);
	assert_true(n == 406);
	assert_int_equal(bad, 0);
}

/* Codes fit their buffers whatever the input: long, invalid, every byte. */
static void test_double_metaphone_bounded(void **state)
{
	(void)state;
	char s[4 * LT_LINK_STRING_MAX];
	char p[LT_LINK_DMETA_SIZE], a[LT_LINK_DMETA_SIZE];
	unsigned seed = 7;
	for (int k = 0; k < 2000; k++) {
		size_t n = (size_t)(rand_r(&seed) % (int)(sizeof(s) - 1));
		for (size_t i = 0; i < n; i++)
			s[i] = (char)(1 + rand_r(&seed) % 255);
		s[n] = '\0';
		lt_link_double_metaphone(s, p, a);
		assert_true(strlen(p) <= 4 && strlen(a) <= 4);
	}
	/* Accented letters sound only once folded. */
	char folded[64];
	assert_int_equal(lt_link_normalise("Müller", folded, sizeof(folded)), LT_OK);
	lt_link_double_metaphone(folded, p, a);
	assert_string_equal(p, "MLR");
}

/* ---- Folding ---------------------------------------------------------- */

static void test_normalise(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
		lt_status st;
		size_t cap;
	} t[] = {
	    /* person.h's own examples */
	    {"José  García", "jose garcia", LT_OK, 64},
	    {"O'Brien-Smith", "obrien smith", LT_OK, 64},
	    {"  MARY-ANN  ", "mary ann", LT_OK, 64},
	    {"Øystein Æsir Straße", "oystein aesir strasse", LT_OK, 64},
	    {"---", "", LT_OK, 64},
	    {"", "", LT_OK, 64},
	    /* cut to cap - 1 bytes, on whole words' letters, no space at the end */
	    {"abc defgh", "abc d", LT_ETOOBIG, 6},
	    {"abc defgh", "abc", LT_ETOOBIG, 5},
	    {"Москва", "мо", LT_ETOOBIG, 6},
	    {"Émile Zola", "emile", LT_ETOOBIG, 7},
	    /* refused */
	    {"a\xff", "", LT_EINVAL, 64},
	    {"\x01"
	     "abc",
	     "", LT_EINVAL, 64},
	    {"é\x01", "", LT_EINVAL, 64},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[64];
		memset(out, 'x', sizeof(out));
		lt_status st = lt_link_normalise(t[i].in, out, t[i].cap);
		if (st != t[i].st || strcmp(out, t[i].want) != 0) {
			print_message(
			    "normalise(\"%s\", cap %zu): got \"%s\" (%s), want \"%s\" (%s)\n",
			    t[i].in, t[i].cap, out, lt_status_name(st), t[i].want,
			    lt_status_name(t[i].st));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The ASCII fast path gives what lt_name_normalise gives, on every
 * printable ASCII character, tab, CR and LF in every position. */
static void test_normalise_fast_path_agrees(void **state)
{
	(void)state;
	struct lt_buf b;
	lt_buf_init(&b, 1024);
	unsigned seed = 99;
	char s[16], out[64];
	int bad = 0;
	for (int k = 0; k < 5000; k++) {
		size_t n = (size_t)(rand_r(&seed) % 12);
		for (size_t i = 0; i < n; i++) {
			unsigned c = 0x20 + (unsigned)rand_r(&seed) % 0x62; /* 0x7F..0x81: */
			s[i] = c <= 0x7E ? (char)c : "\t\r\n"[c - 0x7F];    /* tab, CR, LF */
		}
		s[n] = '\0';
		assert_int_equal(lt_name_normalise(s, n, &b), LT_OK);
		assert_int_equal(lt_link_normalise(s, out, sizeof(out)), LT_OK);
		if (strcmp(out, lt_buf_str(&b)) != 0) {
			print_message("\"%s\": fast path \"%s\", lt_name_normalise \"%s\"\n", s,
			              out, lt_buf_str(&b));
			bad++;
		}
	}
	lt_buf_release(&b);
	assert_int_equal(bad, 0);
}

/* Romanisation after folding. The expected spellings are the ones the
 * national systems give (Ukrainian 2010: Oleksandr, Mykola, Nataliia, Yuliia,
 * Zhytomyr; BGN/PCGN: Natalya, Mariya, Sergei; ELOT 743: Nikos,
 * Thessaloniki), checked by hand letter by letter. */
static void test_transliterate(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
		lt_status st;
		size_t cap;
	} t[] = {
	    {"Олександр", "oleksandr", LT_OK, 64},
	    {"Наталья", "natalya", LT_OK, 64},  /* Russian: ь dropped, я -> ya */
	    {"Наталія", "nataliia", LT_OK, 64}, /* Ukrainian: я -> ia inside a word */
	    {"Юлія", "yuliia", LT_OK, 64},      /* Ukrainian: ю -> yu at the start */
	    {"Микола", "mikola", LT_OK, 64},    /* no Ukrainian-only letter: Russian rules */
	    {"Микола Іванів", "mykola ivaniv", LT_OK, 64}, /* і: Ukrainian rules */
	    {"Житомир і Київ", "zhytomyr i kyiv", LT_OK, 64},
	    {"Мария Сергеевна", "mariya sergeevna", LT_OK, 64},
	    {"Андрей", "andrei", LT_OK, 64}, /* й folded to и */
	    {"Андрій", "andriy", LT_OK, 64},
	    {"Щербаков", "shcherbakov", LT_OK, 64},
	    {"Єва", "yeva", LT_OK, 64},
	    {"Ґалаґан", "galagan", LT_OK, 64},
	    {"Νίκος", "nikos", LT_OK, 64},
	    {"Θεσσαλονίκη", "thessaloniki", LT_OK, 64},
	    {"José García", "jose garcia", LT_OK, 64}, /* Latin untouched */
	    {"محمد", "محمد", LT_OK, 64},               /* other scripts copied */
	    {"", "", LT_OK, 64},
	    /* cut on whole characters, no space at the end */
	    {"Щербаков", "shcherb", LT_ETOOBIG, 8},
	    {"ab щ", "ab", LT_ETOOBIG, 5},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char folded[64], out[64];
		assert_int_equal(lt_link_normalise(t[i].in, folded, sizeof(folded)), LT_OK);
		memset(out, 'x', sizeof(out));
		lt_status st = lt_link_transliterate(folded, out, t[i].cap);
		if (st != t[i].st || strcmp(out, t[i].want) != 0) {
			print_message(
			    "transliterate(\"%s\" folded \"%s\", cap %zu): got \"%s\" (%s), "
			    "want \"%s\" (%s)\n",
			    t[i].in, folded, t[i].cap, out, lt_status_name(st), t[i].want,
			    lt_status_name(t[i].st));
			bad++;
		}
	}
	char out[16];
	assert_int_equal(lt_link_transliterate("a\xff", out, sizeof(out)), LT_EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(bad, 0);
	/* Romanised names meet their Latin spellings in the other measures. */
	char a[64], b[64];
	assert_int_equal(lt_link_normalise("Наталья Шевченко", a, sizeof(a)), LT_OK);
	assert_int_equal(lt_link_transliterate(a, b, sizeof(b)), LT_OK);
	assert_int_equal(lt_link_damerau_levenshtein(b, "natalia shevchenko", 5), 1);
}

/* ---- Nicknames -------------------------------------------------------- */

static void test_nicknames(void **state)
{
	(void)state;
	size_t n = lt_link_nickname_count();
	assert_true(n > 100);
	for (size_t i = 0; i < n; i++) {
		const char *canon, *name = lt_link_nickname_at(i, &canon);
		if (i > 0) {
			const char *prev_canon, *prev = lt_link_nickname_at(i - 1, &prev_canon);
			if (strcmp(prev, name) >= 0)
				print_message("rows %zu and %zu out of order: %s, %s\n", i - 1, i,
				              prev, name);
			assert_true(strcmp(prev, name) < 0); /* sorted, each name once */
		}
		/* Every name finds its group, and a group's name is in it. */
		assert_string_equal(lt_link_name_canonical(name), canon);
		assert_non_null(lt_link_name_canonical(canon));
		assert_string_equal(lt_link_name_canonical(canon), canon);
	}
	static const struct {
		const char *name, *want;
	} t[] = {
	    {"bill", "william"},
	    {"william", "william"},
	    {"mohamed", "muhammad"},
	    {"muhammad", "muhammad"},
	    {"mohammed", "muhammad"},
	    {"aleksandr", "alexander"},
	    {"oleksandr", "alexander"},
	    {"peggy", "margaret"},
	    {"yevgeny", "evgeny"},
	    {"kasia", "catherine"},
	    {"usman", "osman"},
	    {"tunde", "babatunde"},
	    {"tesfay", "tesfaye"},
	    {"malgorzata", "margaret"},
	    {"emma", NULL},
	    {"nataliia", "natalia"},
	    {"oleksii", "alexei"},
	    {"mykhailo", "michael"},
	    {"zebedee", NULL},
	    {"", NULL},
	    {"Bill", NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = lt_link_name_canonical(t[i].name);
		if (t[i].want)
			assert_string_equal(got, t[i].want);
		else
			assert_null(got);
	}
}

/* ---- Dates ------------------------------------------------------------ */

static void test_date_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		enum lt_link_date_precision prec;
		int y, m, d;
	} t[] = {
	    {"1990-02-01", LT_LINK_DATE_DAY, 1990, 2, 1},
	    {"1990/2/1", LT_LINK_DATE_DAY, 1990, 2, 1},
	    {"19560409", LT_LINK_DATE_DAY, 1956, 4, 9},   /* FEBRL */
	    {"1630-08-01", LT_LINK_DATE_DAY, 1630, 8, 1}, /* historical_50k */
	    {"01/02/1990", LT_LINK_DATE_DAY, 1990, 2, 1}, /* day first */
	    {"1.2.1990", LT_LINK_DATE_DAY, 1990, 2, 1},
	    {"31-12-1999", LT_LINK_DATE_DAY, 1999, 12, 31},
	    {" 1990-02-01 ", LT_LINK_DATE_DAY, 1990, 2, 1},
	    {"1990-02-01T10:20:00Z", LT_LINK_DATE_DAY, 1990, 2, 1},
	    {"1990-02-01 10:20", LT_LINK_DATE_DAY, 1990, 2, 1},
	    {"2000-02-29", LT_LINK_DATE_DAY, 2000, 2, 29}, /* leap */
	    {"1990-05", LT_LINK_DATE_MONTH, 1990, 5, 0},
	    {"199005", LT_LINK_DATE_MONTH, 1990, 5, 0},
	    {"05/1990", LT_LINK_DATE_MONTH, 1990, 5, 0},
	    {"1990", LT_LINK_DATE_YEAR, 1990, 0, 0},
	    /* impossible parts: keep what is valid before them */
	    {"19162429", LT_LINK_DATE_YEAR, 1916, 0, 0},
	    {"1990-02-30", LT_LINK_DATE_MONTH, 1990, 2, 0},
	    {"1900-02-29", LT_LINK_DATE_MONTH, 1900, 2, 0}, /* not leap */
	    {"1990-13", LT_LINK_DATE_YEAR, 1990, 0, 0},
	    {"1990-00-00", LT_LINK_DATE_YEAR, 1990, 0, 0},
	    {"32/01/1990", LT_LINK_DATE_MONTH, 1990, 1, 0},
	    {"00/1990", LT_LINK_DATE_YEAR, 1990, 0, 0},
	    /* nothing */
	    {"", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"   ", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"unknown", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"0000", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"12/1990/3", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"1990-02-01x", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"01/02/1990 10:00", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"1990--02", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"1990-", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"123456789", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"99999999999999999999", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"1990-02-01-03", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"90-02-01", LT_LINK_DATE_NONE, 0, 0, 0},
	    {"1990-\xff", LT_LINK_DATE_NONE, 0, 0, 0},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct lt_link_date d;
		memset(&d, 0x55, sizeof(d));
		enum lt_link_date_precision p = lt_link_date_parse(t[i].in, &d);
		if (p != t[i].prec || d.year != t[i].y || d.month != t[i].m || d.day != t[i].d) {
			print_message(
			    "date_parse(\"%s\"): got %d %04d-%02d-%02d, want %d %04d-%02d-%02d\n",
			    t[i].in, (int)p, d.year, d.month, d.day, (int)t[i].prec, t[i].y, t[i].m,
			    t[i].d);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_date_compare(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		unsigned near;
		enum lt_link_date_level want;
	} t[] = {
	    {"1990-02-01", "1990-02-01", 5, LT_LINK_DATE_EXACT},
	    {"1990-02-01", "01/02/1990", 5, LT_LINK_DATE_EXACT},
	    {"1990-02-01", "1990-01-02", 5, LT_LINK_DATE_SWAPPED},
	    {"1990-02-01", "1990-02-11", 5, LT_LINK_DATE_SAME_MONTH},
	    {"1990-02-01", "1990-02", 5, LT_LINK_DATE_SAME_MONTH},
	    {"1990-02", "1990-02", 5, LT_LINK_DATE_SAME_MONTH},
	    {"1990-02-01", "1990", 5, LT_LINK_DATE_SAME_YEAR},
	    {"1990", "1990", 5, LT_LINK_DATE_SAME_YEAR},
	    {"19902429", "1990-05-06", 5, LT_LINK_DATE_SAME_YEAR}, /* invalid month: year kept */
	    {"1990-02-01", "1990-03-01", 5, LT_LINK_DATE_NEAR},    /* month differs */
	    {"1990-02-01", "1990-03-01", 0, LT_LINK_DATE_NEAR},
	    {"1990-02-01", "1993-02-01", 5, LT_LINK_DATE_NEAR},
	    {"1990", "1995-07-01", 5, LT_LINK_DATE_NEAR},
	    {"1990-02-01", "1996-02-01", 5, LT_LINK_DATE_DIFFERENT},
	    {"1990-02-01", "1991-02-01", 0, LT_LINK_DATE_DIFFERENT},
	    {"1990-02-02", "1990-02-02", 0, LT_LINK_DATE_EXACT}, /* day = month */
	    {"1990-02-01", "", 5, LT_LINK_DATE_NULL},
	    {"", "", 5, LT_LINK_DATE_NULL},
	    {"unknown", "1990", 5, LT_LINK_DATE_NULL},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct lt_link_date a, b;
		lt_link_date_parse(t[i].a, &a);
		lt_link_date_parse(t[i].b, &b);
		enum lt_link_date_level got = lt_link_date_compare(&a, &b, t[i].near);
		enum lt_link_date_level back = lt_link_date_compare(&b, &a, t[i].near);
		if (got != t[i].want || back != t[i].want) {
			print_message(
			    "date_compare(\"%s\", \"%s\", %u): got %s (reversed %s), want %s\n",
			    t[i].a, t[i].b, t[i].near, lt_link_date_level_name(got),
			    lt_link_date_level_name(back), lt_link_date_level_name(t[i].want));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* Every level has a name of its own. */
	for (int i = 0; i < LT_LINK_DATE_LEVELS; i++) {
		const char *name = lt_link_date_level_name((enum lt_link_date_level)i);
		assert_true(name[0] != '\0' && strcmp(name, "?") != 0);
		for (int j = 0; j < i; j++)
			assert_true(
			    strcmp(name, lt_link_date_level_name((enum lt_link_date_level)j)) != 0);
	}
	assert_string_equal(lt_link_date_level_name(LT_LINK_DATE_LEVELS), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jaro_winkler_published),
	    cmocka_unit_test(test_jaro_winkler_long),
	    cmocka_unit_test(test_long_values_compared_on_prefix),
	    cmocka_unit_test(test_against_jellyfish),
	    cmocka_unit_test(test_edit_distances_published),
	    cmocka_unit_test(test_edit_distances_against_references),
	    cmocka_unit_test(test_damerau_levenshtein_definition),
	    cmocka_unit_test(test_double_metaphone_vectors),
	    cmocka_unit_test(test_double_metaphone_matches),
	    cmocka_unit_test(test_double_metaphone_bounded),
	    cmocka_unit_test(test_normalise),
	    cmocka_unit_test(test_normalise_fast_path_agrees),
	    cmocka_unit_test(test_transliterate),
	    cmocka_unit_test(test_nicknames),
	    cmocka_unit_test(test_date_parse),
	    cmocka_unit_test(test_date_compare),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
