/*
 * test_store.c — unit tests of the store (src/store/) on its SQLite backend.
 *
 * Each test gets a fresh database file in the test process's scratch
 * directory. What the interface cannot show — the connection settings, the
 * schema version, the refusal to change the audit table — is read through
 * store_sqlite_debug_query, so this file needs no <sqlite3.h>. Table-driven
 * checks print the row they were on when a value differs.
 */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/record.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include "core/banned.h"

struct fixture {
	struct store *s;
	char path[1024];
};

static const char *fresh_path(void)
{
	static int counter;
	char name[64];
	snprintf(name, sizeof(name), "store-%d.db", ++counter);
	return test_tmp_path(name);
}

static struct store *open_ok(const char *path)
{
	struct lt_error e = {0};
	struct store *s = NULL;
	lt_status st = store_open_sqlite(path, &s, &e);
	if (st != LT_OK)
		fail_msg("store_open_sqlite(%s): %s: %s", path, lt_status_name(st), e.message);
	assert_non_null(s);
	return s;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "%s", fresh_path());
	f->s = open_ok(f->path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	free(f);
	return 0;
}

/* The first column of the first row of `sql` on connection `conn`. */
static const char *debug_query(struct store *s, int conn, const char *sql)
{
	static char out[256];
	struct lt_error e = {0};
	lt_status st = store_sqlite_debug_query(s, conn, sql, out, sizeof(out), &e);
	if (st != LT_OK)
		fail_msg("%s on connection %d: %s: %s", sql, conn, lt_status_name(st), e.message);
	return out;
}

static long debug_count(struct store *s, const char *sql)
{
	return strtol(debug_query(s, -1, sql), NULL, 10);
}

#define assert_status(got, want, err)                                                        \
	do {                                                                                  \
		lt_status g_ = (got), w_ = (want);                                            \
		if (g_ != w_)                                                                 \
			fail_msg("%s = %s (%s), want %s", #got, lt_status_name(g_),           \
				 (err).message, lt_status_name(w_));                          \
	} while (0)

static void add_agency(struct store *s, const char *code, const char *name,
		       enum lt_agency_kind kind)
{
	struct lt_agency a = {0};
	struct lt_error e = {0};
	snprintf(a.code, sizeof(a.code), "%s", code);
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.kind = kind;
	assert_status(store_agency_add(s, &a, "test", &e), LT_OK, e);
	assert_true(a.id > 0);
}

static void add_case(struct store *s, const char *ref, const char *agency)
{
	struct lt_case c = {0};
	struct lt_error e = {0};
	snprintf(c.ref, sizeof(c.ref), "%s", ref);
	snprintf(c.agency, sizeof(c.agency), "%s", agency);
	c.opened = (struct lt_date){2019, 3, 0};
	c.forms = 1u << LT_FORM_LABOUR_EXPLOITATION;
	assert_status(store_case_add(s, &c, "test", &e), LT_OK, e);
	assert_true(c.id > 0);
}

static struct lt_date date_of(const char *text)
{
	struct lt_date d = {0, 0, 0};
	struct lt_error e = {0};
	if (text && *text)
		assert_status(lt_date_parse(text, strlen(text), &d, "date", &e), LT_OK, e);
	return d;
}

/* A minimal valid public report with reference code from `bits`. */
static void report_simple(struct lt_report *r, uint64_t bits)
{
	lt_report_init(r);
	lt_ref_format(bits, r->ref);
	r->forms = 1u << LT_FORM_UNKNOWN;
	r->received = date_of("2019-01-01");
}

static long report_count(struct store *s)
{
	long n = -1;
	struct lt_error e = {0};
	assert_status(store_report_count(s, &n, &e), LT_OK, e);
	return n;
}

static long audit_count(struct store *s)
{
	return debug_count(s, "SELECT count(*) FROM audit");
}

/* ---- opening ------------------------------------------------------------ */

static void test_migrations_numbered(void **state)
{
	(void)state;
	assert_int_equal(store_schema_version(), (int)store_sqlite_migration_count);
	for (size_t i = 0; i < store_sqlite_migration_count; i++) {
		assert_int_equal(store_sqlite_migrations[i].version, (int)i + 1);
		assert_non_null(store_sqlite_migrations[i].sql);
		assert_true(strlen(store_sqlite_migrations[i].summary) > 0);
	}
}

/* Every connection really runs with the settings the store promises. */
static void test_open_settings(void **state)
{
	struct fixture *f = *state;
	char busy[16];
	snprintf(busy, sizeof(busy), "%d", STORE_SQLITE_BUSY_MS);
	static const struct {
		const char *pragma;
		const char *want;
	} pragmas[] = {
		{"PRAGMA journal_mode", "wal"},
		{"PRAGMA synchronous", "2"}, /* FULL */
		{"PRAGMA foreign_keys", "1"},
	};
	for (int c = -1; c < STORE_SQLITE_READERS; c++) {
		for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
			const char *got = debug_query(f->s, c, pragmas[i].pragma);
			if (strcmp(got, pragmas[i].want) != 0)
				fail_msg("connection %d: %s = '%s', want '%s'", c, pragmas[i].pragma,
					 got, pragmas[i].want);
		}
		assert_string_equal(debug_query(f->s, c, "PRAGMA busy_timeout"), busy);
		assert_string_equal(debug_query(f->s, c, "PRAGMA query_only"), c < 0 ? "0" : "1");
	}
	char want[16];
	snprintf(want, sizeof(want), "%d", store_schema_version());
	assert_string_equal(debug_query(f->s, -1, "PRAGMA user_version"), want);
	assert_string_equal(f->s->ops->name, "sqlite");
}

static void test_open_failures(void **state)
{
	(void)state;
	struct lt_error e = {0};
	struct store *s = (struct store *)&e; /* must be reset to NULL */

	/* A directory that does not exist. */
	char path[1100];
	snprintf(path, sizeof(path), "%s/no/such/dir/x.db", test_tmp_path("missing"));
	assert_status(store_open_sqlite(path, &s, &e), LT_ESTORE, e);
	assert_null(s);
	assert_true(e.message[0] != '\0');

	/* A file that is not a database. */
	const char *junk = fresh_path();
	FILE *fp = fopen(junk, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database\n", fp);
	fclose(fp);
	lt_error_clear(&e);
	assert_status(store_open_sqlite(junk, &s, &e), LT_ESTORE, e);
	assert_null(s);
	assert_contains(e.message, "not a database");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* PRAGMA user_version as stored in the file header (big-endian, offset 60),
 * read with the database closed. */
static long header_user_version(const char *path)
{
	size_t len;
	unsigned char *b = (unsigned char *)slurp(path, &len);
	assert_true(len >= 100);
	long v = ((long)b[60] << 24) | ((long)b[61] << 16) | ((long)b[62] << 8) | (long)b[63];
	free(b);
	return v;
}

/* Reopening applies nothing twice and keeps the data. */
static void test_reopen_idempotent(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	char objects[64];
	add_agency(f->s, "herts-police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE);
	snprintf(objects, sizeof(objects), "%s",
		 debug_query(f->s, -1, "SELECT count(*) FROM sqlite_schema"));
	store_close(f->s);
	assert_int_equal(header_user_version(f->path), store_schema_version());

	for (int round = 0; round < 2; round++) {
		f->s = open_ok(f->path);
		assert_string_equal(debug_query(f->s, -1, "SELECT count(*) FROM sqlite_schema"),
				    objects);
		assert_int_equal(debug_count(f->s, "PRAGMA user_version"), store_schema_version());
		for (size_t t = 0; t < store_sqlite_vocab_table_count; t++) {
			char sql[128];
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s",
				 store_sqlite_vocab_tables[t].table);
			if (debug_count(f->s, sql) != (long)store_sqlite_vocab_tables[t].vocab->count)
				fail_msg("%s has %ld rows, want %zu", store_sqlite_vocab_tables[t].table,
					 debug_count(f->s, sql),
					 store_sqlite_vocab_tables[t].vocab->count);
		}
		struct lt_agency *v = NULL;
		size_t n = 0;
		assert_status(store_agency_list(f->s, &v, &n, &e), LT_OK, e);
		assert_int_equal(n, 1);
		assert_string_equal(v[0].code, "herts-police");
		free(v);
		assert_int_equal(audit_count(f->s), 1);
		if (round == 0)
			store_close(f->s);
	}
}

/* A database from a newer lantern is refused and left as it was. */
static void test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct store *s = NULL;
	char sql[64];
	int newer = store_schema_version() + 1;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", newer);
	debug_query(f->s, -1, sql);
	store_close(f->s);
	f->s = NULL;

	assert_status(store_open_sqlite(f->path, &s, &e), LT_ESCHEMA, e);
	assert_null(s);
	char want[32];
	snprintf(want, sizeof(want), "version %d", newer);
	assert_contains(e.message, want);
	assert_int_equal(header_user_version(f->path), newer);

	/* Put it back so teardown has a store to close. */
	snprintf(f->path, sizeof(f->path), "%s", fresh_path());
	f->s = open_ok(f->path);
}

/* ---- agencies and cases -------------------------------------------------- */

static void test_agency_add_list(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	static const struct {
		const char *code, *name;
		enum lt_agency_kind kind;
	} rows[] = {
		/* inserted in this order, listed by code */
		{"stalbans-dc", "St Albans City and District Council", LT_AGENCY_KIND_DISTRICT_COUNCIL},
		{"herts-police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE},
		{"herts-cc", "Hertfordshire County Council", LT_AGENCY_KIND_COUNTY_COUNCIL},
		{"msh", "Modern Slavery & Exploitation Helpline", LT_AGENCY_KIND_HELPLINE},
	};
	static const size_t order[] = {2, 1, 3, 0};
	const size_t nrows = sizeof(rows) / sizeof(rows[0]);
	for (size_t i = 0; i < nrows; i++)
		add_agency(f->s, rows[i].code, rows[i].name, rows[i].kind);

	struct lt_agency a = {0};
	snprintf(a.code, sizeof(a.code), "herts-police");
	snprintf(a.name, sizeof(a.name), "Another");
	a.kind = LT_AGENCY_KIND_OTHER;
	assert_status(store_agency_add(f->s, &a, "test", &e), LT_EEXIST, e);
	assert_string_equal(e.field, "code");
	assert_int_equal(a.id, 0);

	snprintf(a.code, sizeof(a.code), "Not A Code");
	lt_error_clear(&e);
	assert_status(store_agency_add(f->s, &a, "test", &e), LT_EINVAL, e);
	assert_string_equal(e.field, "code");

	struct lt_agency *v = NULL;
	size_t n = 0;
	assert_status(store_agency_list(f->s, &v, &n, &e), LT_OK, e);
	assert_int_equal(n, nrows);
	for (size_t i = 0; i < n; i++) {
		size_t k = order[i];
		if (strcmp(v[i].code, rows[k].code) || strcmp(v[i].name, rows[k].name) ||
		    v[i].kind != rows[k].kind || v[i].id <= 0)
			fail_msg("agency %zu: got %s '%s' kind %d, want %s '%s' kind %d", i, v[i].code,
				 v[i].name, v[i].kind, rows[k].code, rows[k].name, rows[k].kind);
	}
	free(v);
	/* Four additions audited; the refused ones not. */
	assert_int_equal(audit_count(f->s), (long)nrows);
	assert_string_equal(debug_query(f->s, -1, "SELECT kind FROM agencies WHERE code = 'msh'"),
			    "helpline");
}

static void test_cases_and_known(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	add_agency(f->s, "b-agency", "B", LT_AGENCY_KIND_CHARITY);
	add_agency(f->s, "a_agency", "A underscore", LT_AGENCY_KIND_HEALTH);
	add_agency(f->s, "a-agency", "A hyphen", LT_AGENCY_KIND_PCC_OFFICE);
	add_case(f->s, "Z/1", "a-agency");
	add_case(f->s, "A/2", "b-agency");
	add_case(f->s, "a/3", "b-agency");

	struct lt_case c = {0};
	snprintf(c.ref, sizeof(c.ref), "Z/1");
	snprintf(c.agency, sizeof(c.agency), "a-agency");
	assert_status(store_case_add(f->s, &c, "test", &e), LT_EEXIST, e);
	assert_string_equal(e.field, "ref");
	snprintf(c.ref, sizeof(c.ref), "Q/9");
	snprintf(c.agency, sizeof(c.agency), "nobody");
	assert_status(store_case_add(f->s, &c, "test", &e), LT_EINVAL, e);
	assert_string_equal(e.field, "agency");
	assert_contains(e.message, "nobody");
	assert_int_equal(debug_count(f->s, "SELECT count(*) FROM cases"), 3);
	assert_int_equal(debug_count(f->s, "SELECT count(*) FROM case_forms"), 3);

	struct store_known k;
	assert_status(store_known_load(f->s, &k, &e), LT_OK, e);
	static const char *const agencies[] = {"a-agency", "a_agency", "b-agency"};
	static const char *const cases[] = {"A/2", "Z/1", "a/3"};
	assert_int_equal(k.known.n_agencies, 3);
	assert_int_equal(k.known.n_cases, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(k.known.agencies[i], agencies[i]);
		assert_string_equal(k.known.cases[i], cases[i]);
	}
	store_known_release(&k);
	assert_null(k.agencies);
	assert_int_equal(k.n_cases, 0);
}

static void test_known_empty(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct store_known k;
	assert_status(store_known_load(f->s, &k, &e), LT_OK, e);
	assert_int_equal(k.known.n_agencies, 0);
	assert_int_equal(k.known.n_cases, 0);
	store_known_release(&k);
}

/* ---- reports -------------------------------------------------------------- */

static const unsigned char sealed_bytes[] = {0x01, 0x00, 0xfe, 0x7f, 0x80, 0x00, 0x42};

static const struct report_case {
	uint64_t bits;
	enum lt_source source;
	const char *agency;
	uint32_t forms;
	enum lt_place place;
	const char *district;
	const char *country;
	const char *occurred;
	const char *received;
	bool anonymous;
	const char *description;
	const char *contact; /* set with the sealed bytes, and must never reach the file */
} report_cases[] = {
	{0x1234567890ull, LT_SOURCE_PUBLIC, "",
	 (1u << LT_FORM_SEXUAL_EXPLOITATION) | (1u << LT_FORM_LABOUR_EXPLOITATION), LT_PLACE_LOCAL,
	 "st_albans", NULL, "2019-05", "2019-06-01", true, "Seen at a car wash on the ring road.",
	 NULL},
	{0xabcdef0123ull, LT_SOURCE_PARTNER, "herts-police", 1u << LT_FORM_FORCED_CRIMINALITY,
	 LT_PLACE_ABROAD, NULL, "RO", "2017", "2018-01-02", false, NULL,
	 "call-me-on-07700-900123"},
	{0x0000000001ull, LT_SOURCE_PUBLIC, "", 1u << LT_FORM_UNKNOWN, LT_PLACE_UNKNOWN, NULL, NULL,
	 NULL, "2015-03-04", true, NULL, NULL},
	{0xffffffffffull, LT_SOURCE_PARTNER, "herts-cc", (1u << LT_FORM_COUNT) - 1,
	 LT_PLACE_ELSEWHERE_IN_COUNTRY, NULL, NULL, "2016-02-29", "2016-03-01", false,
	 "Zwangsarbeit \xe2\x80\x93 \xc3\x9c and a tab\tand\nnew line", NULL},
};
#define N_REPORT_CASES (sizeof(report_cases) / sizeof(report_cases[0]))

static void report_fill(struct lt_report *r, const struct report_case *c)
{
	lt_report_init(r);
	lt_ref_format(c->bits, r->ref);
	r->source = c->source;
	snprintf(r->agency, sizeof(r->agency), "%s", c->agency);
	r->forms = c->forms;
	r->place = c->place;
	r->district = c->district ? lt_vocab_find(&lt_vocab_district, c->district,
						  strlen(c->district))
				  : -1;
	r->country = c->country ? lt_vocab_find(&lt_vocab_country, c->country, strlen(c->country))
				: -1;
	r->occurred = date_of(c->occurred);
	r->received = date_of(c->received);
	r->anonymous = c->anonymous;
	if (c->description) {
		r->description = malloc(strlen(c->description) + 1);
		assert_non_null(r->description);
		memcpy(r->description, c->description, strlen(c->description) + 1);
	}
	if (c->contact) {
		r->contact = malloc(strlen(c->contact) + 1);
		assert_non_null(r->contact);
		memcpy(r->contact, c->contact, strlen(c->contact) + 1);
		r->contact_sealed = malloc(sizeof(sealed_bytes));
		assert_non_null(r->contact_sealed);
		memcpy(r->contact_sealed, sealed_bytes, sizeof(sealed_bytes));
		r->contact_sealed_len = sizeof(sealed_bytes);
	}
}

static void add_report_agencies(struct store *s)
{
	add_agency(s, "herts-police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE);
	add_agency(s, "herts-cc", "Hertfordshire County Council", LT_AGENCY_KIND_COUNTY_COUNCIL);
}

static void test_reports_round_trip(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_report in[N_REPORT_CASES];
	add_report_agencies(f->s);
	for (size_t i = 0; i < N_REPORT_CASES; i++)
		report_fill(&in[i], &report_cases[i]);
	assert_status(store_reports_insert(f->s, in, N_REPORT_CASES, "test", &e), LT_OK, e);
	assert_int_equal(report_count(f->s), (long)N_REPORT_CASES);

	for (size_t i = 0; i < N_REPORT_CASES; i++) {
		const struct report_case *c = &report_cases[i];
		struct lt_report got;
		char ref[LT_REF_SIZE];
		char d1[LT_DATE_TEXT], d2[LT_DATE_TEXT];
		assert_true(in[i].id > 0);
		/* Looked up in lower case: reference codes are case-insensitive. */
		for (size_t j = 0; j < sizeof(ref); j++)
			ref[j] = (char)((in[i].ref[j] >= 'A' && in[i].ref[j] <= 'Z')
						? in[i].ref[j] - 'A' + 'a'
						: in[i].ref[j]);
		assert_status(store_report_get(f->s, i % 2 ? ref : in[i].ref, &got, &e), LT_OK, e);
		if (got.id != in[i].id || strcmp(got.ref, in[i].ref) || got.source != c->source ||
		    strcmp(got.agency, c->agency) || got.forms != c->forms || got.place != c->place ||
		    got.district != in[i].district || got.country != in[i].country ||
		    lt_date_cmp(&got.occurred, &in[i].occurred) ||
		    lt_date_cmp(&got.received, &in[i].received) || got.anonymous != c->anonymous ||
		    got.contact != NULL)
			fail_msg("report %zu (%s): fields differ after the round trip", i, in[i].ref);
		lt_date_format(&got.occurred, d1);
		lt_date_format(&got.received, d2);
		assert_string_equal(d1, c->occurred ? c->occurred : "");
		assert_string_equal(d2, c->received);
		if (c->description)
			assert_string_equal(got.description, c->description);
		else
			assert_null(got.description);
		if (c->contact) {
			assert_int_equal(got.contact_sealed_len, sizeof(sealed_bytes));
			assert_memory_equal(got.contact_sealed, sealed_bytes, sizeof(sealed_bytes));
		} else {
			assert_null(got.contact_sealed);
			assert_int_equal(got.contact_sealed_len, 0);
		}
		lt_report_release(&got);
	}

	/* Codes, not numbers, in the database. */
	assert_string_equal(
		debug_query(f->s, -1,
			    "SELECT group_concat(form, ',') FROM (SELECT form FROM report_forms "
			    "JOIN reports ON reports.id = report_id WHERE place = 'local' "
			    "ORDER BY form)"),
		"labour_exploitation,sexual_exploitation");
	assert_string_equal(debug_query(f->s, -1, "SELECT country FROM reports WHERE place = 'abroad'"),
			    "RO");

	struct lt_report none;
	assert_status(store_report_get(f->s, "LT-00000000", &none, &e), LT_ENOTFOUND, e);
	assert_string_equal(e.field, "ref");
	lt_report_release(&none);

	for (size_t i = 0; i < N_REPORT_CASES; i++)
		lt_report_release(&in[i]);

	/* The plain contact never reached the disk: close (which checkpoints
	 * the WAL into the file) and search every byte. */
	store_close(f->s);
	f->s = NULL;
	size_t len;
	char *bytes = slurp(f->path, &len);
	for (size_t i = 0; i < N_REPORT_CASES; i++) {
		const char *needle = report_cases[i].contact;
		if (!needle)
			continue;
		size_t nl = strlen(needle);
		for (size_t at = 0; at + nl <= len; at++)
			if (memcmp(bytes + at, needle, nl) == 0)
				fail_msg("the plain contact of report %zu is in the file at %zu", i,
					 at);
	}
	/* ...and the description is, so the search would have found it. */
	const char *desc = report_cases[0].description;
	bool found = false;
	for (size_t at = 0; !found && at + strlen(desc) <= len; at++)
		found = memcmp(bytes + at, desc, strlen(desc)) == 0;
	assert_true(found);
	free(bytes);
	f->s = open_ok(f->path);
}

/* Pages of reports: newest first, every report exactly once whatever the
 * page size, one agency's alone when asked, never a description. */
static void test_reports_list(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	enum { N = 23 };
	struct lt_report in[N];
	add_report_agencies(f->s);
	for (size_t i = 0; i < N; i++) {
		/* Every third public, the others alternately of the two agencies. */
		report_fill(&in[i], &report_cases[i % 3 == 0 ? 0 : i % 2 ? 1 : 3]);
		lt_ref_format(0x5000000000ull + i, in[i].ref);
	}
	assert_status(store_reports_insert(f->s, in, N, "test", &e), LT_OK, e);
	long cc = debug_count(f->s, "SELECT id FROM agencies WHERE code = 'herts-cc'");
	assert_true(cc > 0);

	static const size_t limits[] = {1, 5, 7, N, N + 1, LT_API_PAGE_MAX};
	for (size_t li = 0; li < sizeof(limits) / sizeof(limits[0]); li++) {
		for (int only_cc = 0; only_cc < 2; only_cc++) {
			struct lt_report page[LT_API_PAGE_MAX];
			int64_t before = 0, last = INT64_MAX;
			size_t seen = 0, want = 0, pages = 0;
			bool more = true;
			for (size_t i = 0; i < N; i++)
				want += !only_cc || strcmp(in[i].agency, "herts-cc") == 0;
			while (more) {
				size_t n = 99;
				assert_status(store_reports_list(f->s, before, only_cc ? cc : 0,
								 limits[li], page, &n, &more, &e),
					      LT_OK, e);
				assert_true(n <= limits[li]);
				assert_true(n > 0 || (pages == 0 && !more));
				for (size_t k = 0; k < n; k++) {
					const struct lt_report *r = &page[k];
					const struct lt_report *orig = NULL;
					assert_true(r->id < last); /* newest first, none twice */
					last = r->id;
					for (size_t i = 0; i < N; i++)
						if (in[i].id == r->id)
							orig = &in[i];
					assert_non_null(orig);
					assert_string_equal(r->ref, orig->ref);
					assert_string_equal(r->agency, orig->agency);
					assert_int_equal(r->forms, orig->forms);
					assert_int_equal(r->place, orig->place);
					assert_null(r->description);
					assert_int_equal(r->contact_sealed != NULL,
							 orig->contact_sealed != NULL);
					if (only_cc)
						assert_string_equal(r->agency, "herts-cc");
					before = r->id;
					lt_report_release(&page[k]);
				}
				seen += n;
				pages++;
				assert_true(pages <= N + 1);
			}
			assert_int_equal(seen, want);
			assert_int_equal(pages, want == 0 ? 1 : (want + limits[li] - 1) / limits[li]);
		}
	}

	/* An agency with no reports, and a key below every id: empty, no more. */
	struct lt_report page[2];
	size_t n = 9;
	bool more = true;
	assert_status(store_reports_list(f->s, 0, 999, 2, page, &n, &more, &e), LT_OK, e);
	assert_int_equal(n, 0);
	assert_false(more);
	assert_status(store_reports_list(f->s, in[0].id, 0, 2, page, &n, &more, &e), LT_OK, e);
	assert_int_equal(n, 0);
	assert_false(more);
	for (size_t i = 0; i < N; i++)
		lt_report_release(&in[i]);
}

/* A clash on ref anywhere in a batch writes none of it. */
static void test_reports_ref_clash_rolls_back(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_report first, batch[3];
	report_simple(&first, 1001);
	assert_status(store_reports_insert(f->s, &first, 1, "test", &e), LT_OK, e);
	long audits = audit_count(f->s);

	report_simple(&batch[0], 1002);
	report_simple(&batch[1], 1003);
	report_simple(&batch[2], 1001);
	batch[2].ref[0] = 'l'; /* the same code in other case */
	batch[2].ref[1] = 't';
	assert_status(store_reports_insert(f->s, batch, 3, "test", &e), LT_EEXIST, e);
	assert_string_equal(e.field, "ref");
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(batch[i].id, 0);
	assert_int_equal(report_count(f->s), 1);
	assert_int_equal(debug_count(f->s, "SELECT count(*) FROM report_forms"), 1);
	assert_int_equal(audit_count(f->s), audits);
	struct lt_report got;
	assert_status(store_report_get(f->s, batch[0].ref, &got, &e), LT_ENOTFOUND, e);
	lt_report_release(&got);

	/* A clash inside the batch itself. */
	report_simple(&batch[2], 1002);
	lt_error_clear(&e);
	assert_status(store_reports_insert(f->s, batch, 3, "test", &e), LT_EEXIST, e);
	assert_int_equal(report_count(f->s), 1);

	/* With fresh codes the same batch goes in whole. */
	report_simple(&batch[2], 1004);
	assert_status(store_reports_insert(f->s, batch, 3, "test", &e), LT_OK, e);
	assert_int_equal(report_count(f->s), 4);
	assert_int_equal(audit_count(f->s), audits + 1);
}

static void test_reports_unknown_agency(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_report batch[2];
	add_report_agencies(f->s);
	report_simple(&batch[0], 2001);
	report_simple(&batch[1], 2002);
	batch[0].source = batch[1].source = LT_SOURCE_PARTNER;
	snprintf(batch[0].agency, sizeof(batch[0].agency), "herts-police");
	snprintf(batch[1].agency, sizeof(batch[1].agency), "no-such-agency");
	assert_status(store_reports_insert(f->s, batch, 2, "test", &e), LT_EINVAL, e);
	assert_string_equal(e.field, "agency");
	assert_contains(e.message, "no-such-agency");
	assert_contains(e.message, "record 2 of 2");
	assert_int_equal(report_count(f->s), 0);
	assert_int_equal(batch[0].id, 0);

	/* No received date is bad input, not a bug. */
	report_simple(&batch[1], 2003);
	batch[1].received = (struct lt_date){0, 0, 0};
	lt_error_clear(&e);
	assert_status(store_reports_insert(f->s, &batch[1], 1, "test", &e), LT_EINVAL, e);
	assert_string_equal(e.field, "received");
	assert_int_equal(report_count(f->s), 0);
}

/* A contact that was not sealed is a bug in the caller: the store stops
 * rather than write it. Run in a child so the abort is observable. */
static void test_unsealed_contact_is_a_bug(void **state)
{
	(void)state;
	const char *path = fresh_path();
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		/* Keep the expected BUG line out of the test log. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		struct store *s = NULL;
		struct lt_error e = {0};
		struct lt_report r;
		if (store_open_sqlite(path, &s, &e) != LT_OK)
			_exit(2);
		report_simple(&r, 3001);
		r.anonymous = false;
		r.contact = (char *)"plain contact";
		(void)store_reports_insert(s, &r, 1, "test", &e);
		_exit(0);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
		fail_msg("child ended with status 0x%x, want SIGABRT", status);
	struct store *s = open_ok(path);
	assert_int_equal(report_count(s), 0);
	store_close(s);
}

/* ---- arrests ------------------------------------------------------------- */

static void arrest_set(struct lt_arrest *a, const char *date, enum lt_offence offence,
		       const char *agency, const char *case_ref)
{
	lt_arrest_init(a);
	a->date = date_of(date);
	a->offence = offence;
	snprintf(a->agency, sizeof(a->agency), "%s", agency);
	snprintf(a->case_ref, sizeof(a->case_ref), "%s", case_ref ? case_ref : "");
}

static long arrest_total(struct store *s)
{
	return debug_count(s, "SELECT count(*) FROM arrests");
}

static void test_arrests_unknown_references(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_arrest a[3];
	add_agency(f->s, "herts-police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE);
	add_case(f->s, "OP-1", "herts-police");
	long audits = audit_count(f->s);

	arrest_set(&a[0], "2019-04-01", LT_OFFENCE_FORCED_LABOUR, "herts-police", "OP-1");
	arrest_set(&a[1], "2019-04-02", LT_OFFENCE_FORCED_LABOUR, "met-police", NULL);
	arrest_set(&a[2], "2019-04-03", LT_OFFENCE_FORCED_LABOUR, "herts-police", NULL);
	assert_status(store_arrests_insert(f->s, a, 3, "test", &e), LT_EINVAL, e);
	assert_string_equal(e.field, "agency");
	assert_contains(e.message, "met-police");
	assert_contains(e.message, "record 2 of 3");
	assert_int_equal(arrest_total(f->s), 0);
	assert_int_equal(a[0].id, 0);

	arrest_set(&a[1], "2019-04-02", LT_OFFENCE_FORCED_LABOUR, "herts-police", "OP-404");
	lt_error_clear(&e);
	assert_status(store_arrests_insert(f->s, a, 3, "test", &e), LT_EINVAL, e);
	assert_string_equal(e.field, "case");
	assert_contains(e.message, "OP-404");
	assert_int_equal(arrest_total(f->s), 0);

	arrest_set(&a[1], "2019-04-02", LT_OFFENCE_FORCED_LABOUR, "", NULL);
	lt_error_clear(&e);
	assert_status(store_arrests_insert(f->s, a, 3, "test", &e), LT_EINVAL, e);
	assert_string_equal(e.field, "agency");
	assert_int_equal(arrest_total(f->s), 0);
	assert_int_equal(audit_count(f->s), audits);

	arrest_set(&a[1], "2019-04-02", LT_OFFENCE_FORCED_LABOUR, "herts-police", NULL);
	assert_status(store_arrests_insert(f->s, a, 3, "test", &e), LT_OK, e);
	assert_int_equal(arrest_total(f->s), 3);
	assert_true(a[0].id > 0 && a[1].id > a[0].id && a[2].id > a[1].id);
	assert_int_equal(debug_count(f->s, "SELECT count(*) FROM arrests WHERE case_id IS NOT NULL"),
			 1);
}

/*
 * The figures of the Hertfordshire news report: 6 arrests in 2015, none in
 * 2016, 1 in 2017, 1 in 2018, 11 in 2019 (6 kidnapping or false
 * imprisonment, 3 slavery, 1 forced labour, 1 trafficking), the earlier
 * ones' offence not recorded. Inserted out of order, with partial dates.
 */
static void test_arrest_counts(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	static const struct {
		const char *date;
		enum lt_offence offence;
		int times;
	} in[] = {
		{"2019-11-02", LT_OFFENCE_HUMAN_TRAFFICKING, 1},
		{"2019", LT_OFFENCE_KIDNAPPING_FALSE_IMPRISONMENT, 4},
		{"2015-07", LT_OFFENCE_NOT_RECORDED, 2},
		{"2019-03-15", LT_OFFENCE_SLAVERY_SERVITUDE, 3},
		{"2017", LT_OFFENCE_NOT_RECORDED, 1},
		{"2015", LT_OFFENCE_NOT_RECORDED, 4},
		{"2019-06", LT_OFFENCE_KIDNAPPING_FALSE_IMPRISONMENT, 2},
		{"2018-12-31", LT_OFFENCE_NOT_RECORDED, 1},
		{"2019-01-01", LT_OFFENCE_FORCED_LABOUR, 1},
		{NULL, LT_OFFENCE_FORCED_LABOUR, 2}, /* no date: not counted */
	};
	static const struct store_arrest_count want[] = {
		{2015, LT_OFFENCE_NOT_RECORDED, 6},
		{2017, LT_OFFENCE_NOT_RECORDED, 1},
		{2018, LT_OFFENCE_NOT_RECORDED, 1},
		{2019, LT_OFFENCE_KIDNAPPING_FALSE_IMPRISONMENT, 6},
		{2019, LT_OFFENCE_SLAVERY_SERVITUDE, 3},
		{2019, LT_OFFENCE_FORCED_LABOUR, 1},
		{2019, LT_OFFENCE_HUMAN_TRAFFICKING, 1},
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	struct lt_arrest a[32];
	size_t n = 0;
	add_agency(f->s, "herts-police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE);

	struct store_arrest_count *got = NULL;
	size_t ngot = 99;
	assert_status(store_arrest_counts(f->s, &got, &ngot, &e), LT_OK, e);
	assert_int_equal(ngot, 0);
	free(got);

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		for (int t = 0; t < in[i].times; t++)
			arrest_set(&a[n++], in[i].date, in[i].offence, "herts-police", NULL);
	assert_status(store_arrests_insert(f->s, a, n, "test", &e), LT_OK, e);

	assert_status(store_arrest_counts(f->s, &got, &ngot, &e), LT_OK, e);
	for (size_t i = 0; i < nwant || i < ngot; i++) {
		if (i >= nwant || i >= ngot || got[i].year != want[i].year ||
		    got[i].offence != want[i].offence || got[i].arrests != want[i].arrests)
			fail_msg("row %zu: got %d %s %ld, want %d %s %ld (rows: got %zu, want %zu)", i,
				 i < ngot ? got[i].year : 0,
				 i < ngot ? lt_vocab_term(&lt_vocab_offence, got[i].offence)->code : "-",
				 i < ngot ? got[i].arrests : 0L, i < nwant ? want[i].year : 0,
				 i < nwant ? lt_vocab_term(&lt_vocab_offence, want[i].offence)->code : "-",
				 i < nwant ? want[i].arrests : 0L, ngot, nwant);
	}
	free(got);
	assert_int_equal(debug_count(f->s, "SELECT count(*) FROM arrests WHERE year IS NULL"), 2);
}

/* ---- audit --------------------------------------------------------------- */

static void test_audit(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_report one, three[3];
	struct lt_arrest eleven[11];
	add_agency(f->s, "herts-police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE);
	add_case(f->s, "OP-7", "herts-police");
	report_simple(&one, 0x7777777777ull);
	assert_status(store_reports_insert(f->s, &one, 1, "public", &e), LT_OK, e);
	for (size_t i = 0; i < 3; i++)
		report_simple(&three[i], 4000 + i);
	assert_status(store_reports_insert(f->s, three, 3, "api:127.0.0.1", &e), LT_OK, e);
	for (size_t i = 0; i < 11; i++)
		arrest_set(&eleven[i], "2019", LT_OFFENCE_NOT_RECORDED, "herts-police", NULL);
	assert_status(store_arrests_insert(f->s, eleven, 11, "cli", &e), LT_OK, e);
	/* Failed writes leave no trace. */
	assert_status(store_reports_insert(f->s, &one, 1, "public", &e), LT_EEXIST, e);

	char report_obj[32];
	snprintf(report_obj, sizeof(report_obj), "report:%s", one.ref);
	const struct {
		const char *actor, *action, *object;
	} want[] = {
		{"cli", "arrest.create", "arrests:11"},
		{"api:127.0.0.1", "report.create", "reports:3"},
		{"public", "report.create", report_obj},
		{"test", "case.create", "case:OP-7"},
		{"test", "agency.create", "agency:herts-police"},
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	struct store_audit_entry *v = NULL;
	size_t n = 0;
	assert_status(store_audit_tail(f->s, 100, &v, &n, &e), LT_OK, e);
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].actor, want[i].actor) || strcmp(v[i].action, want[i].action) ||
		    strcmp(v[i].object, want[i].object))
			fail_msg("entry %zu: got %s %s %s, want %s %s %s", i, v[i].actor, v[i].action,
				 v[i].object, want[i].actor, want[i].action, want[i].object);
		if (i > 0)
			assert_true(v[i].id < v[i - 1].id);
		/* "YYYY-MM-DDTHH:MM:SS.sssZ" */
		assert_int_equal(strlen(v[i].at), 24);
		assert_int_equal(v[i].at[10], 'T');
		assert_int_equal(v[i].at[19], '.');
		assert_int_equal(v[i].at[23], 'Z');
	}
	free(v);

	assert_status(store_audit_tail(f->s, 2, &v, &n, &e), LT_OK, e);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].object, "arrests:11");
	free(v);
	/* The array grows with the rows, not with the limit. */
	assert_status(store_audit_tail(f->s, SIZE_MAX, &v, &n, &e), LT_OK, e);
	assert_int_equal(n, nwant);
	free(v);
	assert_status(store_audit_tail(f->s, 0, &v, &n, &e), LT_OK, e);
	assert_int_equal(n, 0);
	assert_null(v);

	/* Append-only, even for someone with SQL in hand. */
	static const char *const tamper[] = {
		"UPDATE audit SET actor = 'someone else'",
		"DELETE FROM audit",
		"DELETE FROM audit WHERE id = 1",
	};
	for (size_t i = 0; i < sizeof(tamper) / sizeof(tamper[0]); i++) {
		char out[8];
		lt_error_clear(&e);
		assert_status(store_sqlite_debug_query(f->s, -1, tamper[i], out, sizeof(out), &e),
			      LT_ESTORE, e);
		assert_contains(e.message, "append-only");
	}
	/* The readers cannot write at all. */
	char out[8];
	lt_error_clear(&e);
	assert_int_not_equal(store_sqlite_debug_query(f->s, 0, "INSERT INTO audit(actor, action, "
								"object) VALUES ('x', 'y', 'z')",
						       out, sizeof(out), &e),
			     LT_OK);
	assert_int_equal(audit_count(f->s), (long)nwant);
}

/* ---- locks held by another process ---------------------------------------- */

/*
 * A second store on the same file stands for another process. While it
 * holds the write lock, a write waits STORE_SQLITE_BUSY_MS and then fails
 * with LT_EBUSY, writing nothing; reads go on (WAL); once the lock is
 * released the write succeeds.
 */
static void test_busy(void **state)
{
	struct fixture *f = *state;
	struct lt_error e = {0};
	struct lt_report r;
	struct store *other = open_ok(f->path);
	debug_query(other, -1, "BEGIN IMMEDIATE");

	report_simple(&r, 5001);
	assert_status(store_reports_insert(f->s, &r, 1, "test", &e), LT_EBUSY, e);
	assert_int_equal(r.id, 0);
	assert_true(e.message[0] != '\0');
	assert_int_equal(report_count(f->s), 0);

	debug_query(other, -1, "ROLLBACK");
	store_close(other);
	assert_status(store_reports_insert(f->s, &r, 1, "test", &e), LT_OK, e);
	assert_int_equal(report_count(f->s), 1);
}

/* ---- threads ------------------------------------------------------------- */

#define THREADS 4
#define PER_THREAD 25

struct worker {
	struct store *s;
	int index;
	int failures;
	char first_failure[LT_MESSAGE_MAX + 64];
};

static void worker_fail(struct worker *w, const char *what, const struct lt_error *e)
{
	if (w->failures++ == 0)
		snprintf(w->first_failure, sizeof(w->first_failure), "%s: %s", what, e->message);
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		struct lt_error e = {0};
		struct lt_report r, got;
		struct lt_arrest a[2];
		long n;
		report_simple(&r, (uint64_t)(w->index + 1) * 100000u + (uint64_t)i);
		if (store_reports_insert(w->s, &r, 1, "test", &e) != LT_OK)
			worker_fail(w, "reports_insert", &e);
		for (int k = 0; k < 2; k++)
			arrest_set(&a[k], "2019", (enum lt_offence)(w->index % LT_OFFENCE_COUNT),
				   "herts-police", NULL);
		if (store_arrests_insert(w->s, a, 2, "test", &e) != LT_OK)
			worker_fail(w, "arrests_insert", &e);
		if (store_report_get(w->s, r.ref, &got, &e) != LT_OK || got.id != r.id)
			worker_fail(w, "report_get after insert", &e);
		lt_report_release(&got);
		if (store_report_count(w->s, &n, &e) != LT_OK || n < i + 1)
			worker_fail(w, "report_count", &e);
		struct store_arrest_count *c = NULL;
		size_t nc;
		if (store_arrest_counts(w->s, &c, &nc, &e) != LT_OK || nc == 0)
			worker_fail(w, "arrest_counts", &e);
		free(c);
	}
	return NULL;
}

static void test_concurrent_writes(void **state)
{
	struct fixture *f = *state;
	pthread_t t[THREADS];
	struct worker w[THREADS];
	add_agency(f->s, "herts-police", "Hertfordshire Constabulary", LT_AGENCY_KIND_POLICE);
	long audits = audit_count(f->s);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.s = f->s, .index = i};
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < THREADS; i++)
		if (w[i].failures)
			fail_msg("thread %d: %d failures, first: %s", i, w[i].failures,
				 w[i].first_failure);
	assert_int_equal(report_count(f->s), THREADS * PER_THREAD);
	assert_int_equal(arrest_total(f->s), THREADS * PER_THREAD * 2);
	assert_int_equal(audit_count(f->s), audits + THREADS * PER_THREAD * 2);
	assert_string_equal(debug_query(f->s, -1, "PRAGMA integrity_check"), "ok");
	assert_string_equal(debug_query(f->s, -1, "PRAGMA foreign_key_check"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrations_numbered),
		cmocka_unit_test_setup_teardown(test_open_settings, setup, teardown),
		cmocka_unit_test(test_open_failures),
		cmocka_unit_test_setup_teardown(test_reopen_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agency_add_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cases_and_known, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports_ref_clash_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports_unknown_agency, setup, teardown),
		cmocka_unit_test(test_unsealed_contact_is_a_bug),
		cmocka_unit_test_setup_teardown(test_arrests_unknown_references, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arrest_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writes, setup, teardown),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
