/*
 * test_plaintext.c — personal data never reaches a file in plain text.
 *
 * docs/security.md ("What is logged, and what never is") promises that the
 * personal fields of persons and referrals, reporters' contact details,
 * passwords, API tokens and session ids appear in plain text in no file
 * lantern writes: not the database, not its write-ahead log or shared-memory
 * index, not a backup, not the server's own output. This suite checks the
 * promise on the bytes themselves, as an attacker holding those files would
 * read them.
 *
 * It sets up a fresh database with the command line (an agency, a police
 * account with a distinctive password, an API token), starts the real
 * `lantern serve` on it with its standard output and standard error written
 * to files, and then over HTTP: records persons with distinctive names,
 * aliases (one with accents, so its folded spelling is checked too), dates
 * of birth and contact details; records a referral with notes, support needs
 * and police intelligence; opens a case; searches by name and by date of
 * birth; reads each with a purpose; changes a person through a signed-in
 * session (cookie and X-CSRF-Token); sends a public report through the form
 * with distinctive free text and contact details and a partner report
 * through the API; fails a sign-in with another distinctive password. While
 * the server still runs it reads the database, its -wal and -shm files and
 * takes a backup with `lantern backup`; then it stops the server (SIGTERM,
 * exit 0) and reads the database again and everything the server printed.
 *
 * Every file is searched for every secret in several spellings: as sent
 * (UTF-8), in any ASCII case, with spaces as they appear in a query string
 * ('+' and "%20") and in UTF-16LE — and for the accented alias also in the
 * folded form the blind index works on. None may appear.
 *
 * Some things are stored in clear by design, and docs/security.md says so:
 * agency codes and names, staff e-mail addresses, token labels, case
 * references, the purposes stated for reads (in the audit log) and the free
 * text of a report of concern. Each of these is searched for too and must be
 * FOUND in the database and in the backup: that is the scanner's self-check
 * (a scanner that found nothing would pass every other check), and it keeps
 * the document honest — if one of them stops being stored in clear, this
 * test says so and the document must change. The server's log is checked
 * the same way: it must hold the route pattern of the persons' routes, and
 * none of the clear-by-design values either (no query string, no body).
 *
 * Last, the audit log the run produced (through `lantern audit show`) holds
 * no secret, and every action in it — and every action the sources can
 * write — is a row of the document's table of audit entries.
 *
 * Environment: LANTERN_BIN, the lantern binary (meson sets it).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

#include "cli/cli_run.h"
#include "http_client.h"
#include "core/banned.h"

extern char **environ;

#define JSON_CT "Content-Type: application/json\r\n"
#define FORM_CT "Content-Type: application/x-www-form-urlencoded\r\n"

/* ---- what is sent, and where it may be ---------------------------------- */

#define AGENCY_CODE    "qkvpolice"
#define AGENCY_NAME    "Quokka Vale Constabulary"
#define STAFF_EMAIL    "officer.marigold@qkv-police.example"
#define STAFF_PASSWORD "Plumbago-Xylophone-Quixotic-93"
#define WRONG_PASSWORD "Wrongful-Marmalade-Otterhound-55"
#define TOKEN_LABEL    "Quillfeather records system"
#define ADMIN_EMAIL    "warden.hollyhock@qkv-police.example"
#define ADMIN_PASSWORD "Sassafras-Pennywhistle-Obelisk-71"
#define ANALYST_LABEL  "Bramblecombe analysis desk"

#define PERSON_NAME         "Zebulon Quaxworth-Ilvermorny"
#define PERSON_ALIAS        "Jérôme Kwiatkowskiñé"
#define PERSON_ALIAS_FOLDED "jerome kwiatkowskine"
#define PERSON_ALIAS2       "Thaddeus Mulberrypike"
#define PERSON_DOB          "1971-11-23"
#define PERSON_CONTACT      "Flat 9, 17 Pemberley Xystus Lane, 07700 900872"
#define PERSON2_NAME        "Griselda Vantablackmoor"
#define PERSON2_CONTACT     "griselda.vantablack@mail.example"
#define NOTES               "Met at the Vexwickshire lay-by with her brother"
#define SUPPORT             "Needs a Yarrowdalese interpreter and safe housing"
#define INTELLIGENCE        "Blue van plate QX71VZK seen at Oxcrumble Farm"
#define REPORT_CONTACT      "call Wilhelmina Oxtoby-Frane on 07700 900513"
#define PARTNER_CONTACT     "Hortensia Blatherwick-Pooley 07700 900648"

#define PURPOSE             "Zanthoxylum safeguarding visit"
#define PURPOSE_SEARCH      "Matching a Zanthoxylum referral"
#define PURPOSE_EXPORT      "Wolfsbane subject access request"
#define PURPOSE_PSEUDO      "Quarterly Nightjar trend analysis"
#define DESCRIPTION         "Zorbington carwash on Quarrel Street, passports held"
#define PARTNER_DESCRIPTION "Pumpernickel bakery night shift, wages withheld"
#define CASE_REF            "QKV/2024/7781"

/* Must never appear in any file lantern writes. The session id, its CSRF
 * token and the API token are added when they are known. */
static const char *const never[] = {
    PERSON_NAME,
    "Zebulon",
    "Quaxworth",
    "Ilvermorny",
    PERSON_ALIAS,
    PERSON_ALIAS_FOLDED,
    "Kwiatkowskiñé",
    "KWIATKOWSKIÑÉ",
    "kwiatkowskine",
    "Jérôme",
    PERSON_ALIAS2,
    "Mulberrypike",
    PERSON_DOB,
    "1971-11",
    PERSON_CONTACT,
    "Pemberley Xystus",
    "07700 900872",
    "07700900872",
    PERSON2_NAME,
    "Vantablackmoor",
    PERSON2_CONTACT,
    "griselda.vantablack",
    NOTES,
    "Vexwickshire",
    SUPPORT,
    "Yarrowdalese",
    INTELLIGENCE,
    "QX71VZK",
    "Oxcrumble",
    REPORT_CONTACT,
    "Wilhelmina",
    "Oxtoby-Frane",
    "07700 900513",
    PARTNER_CONTACT,
    "Blatherwick",
    STAFF_PASSWORD,
    "Xylophone-Quixotic",
    WRONG_PASSWORD,
    "Marmalade-Otterhound",
    ADMIN_PASSWORD,
    "Pennywhistle-Obelisk",
};

/* Stored in clear by design (docs/security.md says so): must be found in
 * the database and the backup — the scanner's self-check — and never in the
 * server's log. */
static const char *const in_clear[] = {
    AGENCY_CODE,   AGENCY_NAME,    STAFF_EMAIL,    TOKEN_LABEL,         CASE_REF,
    PURPOSE,       PURPOSE_SEARCH, DESCRIPTION,    PARTNER_DESCRIPTION, ADMIN_EMAIL,
    ANALYST_LABEL, PURPOSE_EXPORT, PURPOSE_PSEUDO,
};

static struct {
	char dir[512];
	char db[600];
	char out[600]; /* the server's standard output */
	char log[600]; /* the server's standard error */
	pid_t server;
	unsigned port;
	char token[128];                          /* the API token */
	char analyst[128];                        /* an analyst's API token */
	char admin_session[128], admin_csrf[128]; /* the agency administrator's */
	char auth[256];                           /* "Authorization: Bearer ...\r\n" */
	char session[128];                        /* the session cookie's value */
	char csrf[128];                           /* the session's CSRF token */
	char cookie[256];                         /* "Cookie: ...\r\n" */
	long long person, person2, referral, kase;
	/* Files read while the server ran (the -wal and -shm exist only then). */
	char *live_db, *live_wal, *live_shm;
	size_t live_db_n, live_wal_n, live_shm_n;
} g = {.server = -1};

/* ---- the scanner --------------------------------------------------------- */

static unsigned char fold_ascii(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Is `needle` (n bytes) in `hay` (len bytes), ignoring ASCII case? */
static bool contains_bytes(const unsigned char *hay, size_t len, const unsigned char *needle,
                           size_t n)
{
	if (n == 0 || n > len)
		return false;
	unsigned char first = fold_ascii(needle[0]);
	for (size_t i = 0; i + n <= len; i++) {
		if (fold_ascii(hay[i]) != first)
			continue;
		size_t j = 1;
		while (j < n && fold_ascii(hay[i + j]) == fold_ascii(needle[j]))
			j++;
		if (j == n)
			return true;
	}
	return false;
}

/* `s` (UTF-8, BMP only) as UTF-16LE into out; its length in bytes. */
static size_t utf16le(const char *s, unsigned char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (*p && n + 2 <= cap) {
		unsigned cp;
		if (*p < 0x80)
			cp = *p++;
		else if ((*p & 0xE0) == 0xC0 && p[1])
			cp = (unsigned)(*p & 0x1F) << 6 | (p[1] & 0x3F), p += 2;
		else if ((*p & 0xF0) == 0xE0 && p[1] && p[2])
			cp = (unsigned)(*p & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 |
			     (p[2] & 0x3F),
			p += 3;
		else
			fail_msg("test string '%s' is not BMP UTF-8", s);
		out[n++] = (unsigned char)(cp & 0xFF);
		out[n++] = (unsigned char)(cp >> 8);
	}
	return n;
}

/* `s` with every space replaced by `sp`. */
static void respace(const char *s, const char *sp, char *out, size_t cap)
{
	size_t n = 0, k = strlen(sp);
	for (; *s && n + k + 1 < cap; s++) {
		if (*s == ' ') {
			memcpy(out + n, sp, k);
			n += k;
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
}

/* Does `hay` hold `s` in any of the spellings the file comment lists? The
 * spelling found is written to `how`. */
static bool holds(const char *hay, size_t len, const char *s, const char **how)
{
	const unsigned char *h = (const unsigned char *)hay;
	char alt[512];
	unsigned char wide[1024];

	*how = "as UTF-8 (any ASCII case)";
	if (contains_bytes(h, len, (const unsigned char *)s, strlen(s)))
		return true;
	if (strchr(s, ' ')) {
		respace(s, "+", alt, sizeof(alt));
		*how = "with '+' for spaces";
		if (contains_bytes(h, len, (const unsigned char *)alt, strlen(alt)))
			return true;
		respace(s, "%20", alt, sizeof(alt));
		*how = "with %20 for spaces";
		if (contains_bytes(h, len, (const unsigned char *)alt, strlen(alt)))
			return true;
	}
	*how = "as UTF-16LE";
	return contains_bytes(h, len, wide, utf16le(s, wide, sizeof(wide)));
}

/* Fail if any secret is in `hay`, the contents of `what`. */
static void scan_never(const char *what, const char *hay, size_t len, bool also_clear)
{
	const char *how;
	const char *dynamic[] = {
	    g.token,   g.token[0] ? g.token + 3 : "",     g.session,       g.csrf,
	    g.analyst, g.analyst[0] ? g.analyst + 3 : "", g.admin_session, g.admin_csrf};
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (holds(hay, len, never[i], &how))
			fail_msg("%s holds \"%s\" %s", what, never[i], how);
	for (size_t i = 0; i < sizeof(dynamic) / sizeof(dynamic[0]); i++)
		if (dynamic[i][0] && holds(hay, len, dynamic[i], &how))
			fail_msg("%s holds a secret (token, session id or CSRF token) \"%s\" %s",
			         what, dynamic[i], how);
	if (also_clear)
		for (size_t i = 0; i < sizeof(in_clear) / sizeof(in_clear[0]); i++)
			if (holds(hay, len, in_clear[i], &how))
				fail_msg("%s holds \"%s\" %s", what, in_clear[i], how);
}

/* The self-check: every clear-by-design value is found in `hay`. */
static void scan_clear(const char *what, const char *hay, size_t len)
{
	const char *how;
	for (size_t i = 0; i < sizeof(in_clear) / sizeof(in_clear[0]); i++)
		if (!holds(hay, len, in_clear[i], &how))
			fail_msg("%s does not hold \"%s\", which is stored in clear by design: "
			         "the scanner is broken, or the design changed (then update "
			         "docs/security.md and this list)",
			         what, in_clear[i]);
}

/* The scanner finds what it should in each spelling, and only that. */
static void test_scanner(void **state)
{
	(void)state;
	const char *how;
	const char text[] = "x Zebulon Quaxworth-Ilvermorny y";
	assert_true(holds(text, sizeof(text) - 1, PERSON_NAME, &how));
	const char lower[] = "zebulon quaxworth-ilvermorny";
	assert_true(holds(lower, sizeof(lower) - 1, PERSON_NAME, &how));
	const char query[] = "?name=zebulon+quaxworth-ilvermorny&x";
	assert_true(holds(query, sizeof(query) - 1, PERSON_NAME, &how));
	assert_string_equal(how, "with '+' for spaces");
	const char pct[] = "name=Zebulon%20Quaxworth-Ilvermorny";
	assert_true(holds(pct, sizeof(pct) - 1, PERSON_NAME, &how));
	unsigned char wide[256];
	size_t n = utf16le("QX71VZK", wide, sizeof(wide));
	assert_int_equal(n, 14);
	assert_true(holds((const char *)wide, n, "qx71vzk", &how));
	assert_string_equal(how, "as UTF-16LE");
	n = utf16le("Kwiatkowskiñé", wide, sizeof(wide));
	assert_int_equal(n, 26);
	assert_true(holds((const char *)wide, n, "Kwiatkowskiñé", &how));
	const char other[] = "Zebulon Quaxworth Ilvermorny";
	assert_false(holds(other, sizeof(other) - 1, PERSON_NAME, &how));
	assert_false(holds(other, sizeof(other) - 1, "Quaxworthy", &how));
}

/* ---- the server ---------------------------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Start `lantern serve`, stdout and stderr to files; the port from the first
 * line of stdout (waited for at most 30 s). */
static void start_server(void)
{
	const char *bin = getenv("LANTERN_BIN");
	const char *argv[] = {bin, "serve", "--db", g.db, "--listen", "127.0.0.1:0", NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, g.out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, g.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(posix_spawn(&g.server, bin, &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 1500 && g.port == 0; i++) {
		char *out = slurp(g.out);
		if (strchr(out, '\n') && sscanf(out, "http://127.0.0.1:%u/", &g.port) != 1)
			fail_msg("the first line of lantern serve is not its URL: %s", out);
		free(out);
		if (g.port == 0)
			sleep_ms(20);
	}
	if (g.port == 0) {
		char *err = slurp(g.log);
		fail_msg("lantern serve printed no URL; stderr:\n%s", err);
	}
}

/* SIGTERM, and the exit status (at most 60 s). */
static int stop_server(void)
{
	int status;
	kill(g.server, SIGTERM);
	for (int i = 0; i < 3000; i++) {
		pid_t r = waitpid(g.server, &status, WNOHANG);
		if (r == g.server) {
			g.server = -1;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		sleep_ms(20);
	}
	return -1;
}

/* One request on a fresh connection; fails unless the status is `want`.
 * The caller frees r. */
static void request(const char *method, const char *target, const char *headers, const char *body,
                    int want, struct http_response *r)
{
	if (http_exchange(g.port, method, target, headers, body, body ? strlen(body) : 0, r) != 0)
		fail_msg("%s %s: no complete response", method, target);
	if (r->status != want)
		fail_msg("%s %s: status %d, want %d\n%s\n%s", method, target, r->status, want,
		         r->head, r->body);
}

/* The integer member `name` of the JSON object `body`. */
static long long json_id(const char *body, const char *name)
{
	json_t *doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	json_t *v = json_object_get(doc, name);
	if (!json_is_integer(v))
		fail_msg("no integer \"%s\" in %s", name, body);
	long long id = (long long)json_integer_value(v);
	json_decref(doc);
	return id;
}

/* `s` percent-encoded for a query string (unreserved characters kept). */
static void pct(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < cap; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			out[n++] = (char)*p;
		} else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
}

/* The value of cookie `name` set by `r`, or "" when none. */
static void cookie_value(const struct http_response *r, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	out[0] = '\0';
	for (const char *p = r->head; (p = strstr(p, "\r\nSet-Cookie: ")) != NULL; p += 2) {
		const char *v = p + strlen("\r\nSet-Cookie: ");
		if (strncmp(v, name, n) == 0 && v[n] == '=') {
			size_t len = strcspn(v + n + 1, ";\r");
			assert_true(len < cap);
			memcpy(out, v + n + 1, len);
			out[len] = '\0';
			return;
		}
	}
}

/* Sign in as `email` with `password` (201): the session cookie's value
 * into session and the session's CSRF token into csrf. */
static void sign_in(const char *email, const char *password, char *session, size_t scap,
                    char *csrf, size_t ccap)
{
	struct http_response r;
	char body[512];
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email,
	         password);
	request("POST", "/api/v1/session", JSON_CT, body, 201, &r);
	cookie_value(&r, "__Host-lantern_session", session, scap);
	assert_true(session[0]);
	json_t *doc = json_loads(r.body, 0, NULL);
	assert_non_null(doc);
	const char *token = json_string_value(json_object_get(doc, "csrf_token"));
	assert_non_null(token);
	snprintf(csrf, ccap, "%s", token);
	json_decref(doc);
	http_response_free(&r);
}

/* ---- setup ------------------------------------------------------------------ */

static int group_setup(void **state)
{
	(void)state;
	if (!getenv("LANTERN_BIN")) {
		fprintf(stderr, "LANTERN_BIN is not set\n");
		return -1;
	}
	snprintf(g.dir, sizeof(g.dir), "%s", test_tmp_path(""));
	snprintf(g.db, sizeof(g.db), "%s/lantern.db", g.dir);
	snprintf(g.out, sizeof(g.out), "%s/serve.out", g.dir);
	snprintf(g.log, sizeof(g.log), "%s/serve.err", g.dir);
	umask(022); /* the usual umask: files lantern makes must not follow it */
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (g.server > 0) {
		kill(g.server, SIGKILL);
		waitpid(g.server, NULL, 0);
	}
	free(g.live_db);
	free(g.live_wal);
	free(g.live_shm);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.dir);
	if (strstr(g.dir, "lantern-test-"))
		(void)!system(cmd);
	return 0;
}

/* A fresh database, an agency, a police account and an API token, made at
 * the command line as an administrator would; then the server. */
static void test_setup_and_serve(void **state)
{
	(void)state;
	struct run r = RUN_EXPECT(0, "init", "--db", g.db);
	run_free(&r);
	r = RUN_EXPECT(0, "agency", "add", AGENCY_NAME, "--kind", "police", "--code", AGENCY_CODE,
	               "--db", g.db);
	run_free(&r);
	r = run_in(STAFF_PASSWORD "\n",
	           (const char *const[]){"user", "add", STAFF_EMAIL, "--agency", AGENCY_CODE,
	                                 "--role", "police", "--db", g.db, NULL});
	if (r.status != 0)
		fail_msg("lantern user add: exit %d\n%s", r.status, r.err);
	run_free(&r);
	r = RUN_EXPECT(0, "token", "add", "--agency", AGENCY_CODE, "--role", "police", "--label",
	               TOKEN_LABEL, "--db", g.db);
	size_t n = strcspn(r.out, "\r\n");
	assert_true(n > 3 && n < sizeof(g.token) && strncmp(r.out, "lt_", 3) == 0);
	memcpy(g.token, r.out, n);
	g.token[n] = '\0';
	run_free(&r);
	snprintf(g.auth, sizeof(g.auth), "Authorization: Bearer %s\r\n", g.token);
	r = RUN_EXPECT(0, "token", "add", "--agency", AGENCY_CODE, "--role", "analyst", "--label",
	               ANALYST_LABEL, "--db", g.db);
	n = strcspn(r.out, "\r\n");
	assert_true(n > 3 && n < sizeof(g.analyst) && strncmp(r.out, "lt_", 3) == 0);
	memcpy(g.analyst, r.out, n);
	g.analyst[n] = '\0';
	run_free(&r);
	r = run_in(ADMIN_PASSWORD "\n",
	           (const char *const[]){"user", "add", ADMIN_EMAIL, "--agency", AGENCY_CODE,
	                                 "--role", "agency_admin", "--db", g.db, NULL});
	if (r.status != 0)
		fail_msg("lantern user add: exit %d\n%s", r.status, r.err);
	run_free(&r);
	start_server();
}

/* Persons, a referral and a case through the API token; searches and reads
 * with purposes; a change through a signed-in session. */
static void test_records_about_people(void **state)
{
	(void)state;
	struct http_response r;
	char headers[512], body[2048], target[1024], enc[512], enc2[256];

	snprintf(headers, sizeof(headers), "%s" JSON_CT, g.auth);
	snprintf(body, sizeof(body),
	         "{\"name\":\"%s\",\"aliases\":[\"%s\",\"%s\"],\"dob\":\"%s\",\"sex\":\"male\","
	         "\"nationality\":\"RO\",\"languages\":[\"ro\",\"en\"],\"contact\":\"%s\","
	         "\"safe_to_contact\":true}",
	         PERSON_NAME, PERSON_ALIAS, PERSON_ALIAS2, PERSON_DOB, PERSON_CONTACT);
	request("POST", "/api/v1/persons", headers, body, 201, &r);
	g.person = json_id(r.body, "id");
	http_response_free(&r);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"dob\":\"1990\",\"contact\":\"%s\"}",
	         PERSON2_NAME, PERSON2_CONTACT);
	request("POST", "/api/v1/persons", headers, body, 201, &r);
	g.person2 = json_id(r.body, "id");
	http_response_free(&r);

	snprintf(body, sizeof(body),
	         "{\"person\":%lld,\"date\":\"2024-05-01\",\"forms\":[\"labour_exploitation\"],"
	         "\"place\":\"local\",\"district\":\"watford\",\"notes\":\"%s\","
	         "\"support_needs\":\"%s\",\"police_intelligence\":\"%s\"}",
	         g.person, NOTES, SUPPORT, INTELLIGENCE);
	request("POST", "/api/v1/referrals", headers, body, 201, &r);
	g.referral = json_id(r.body, "id");
	http_response_free(&r);
	snprintf(body, sizeof(body),
	         "{\"ref\":\"%s\",\"opened\":\"2024-05-02\",\"forms\":[\"labour_exploitation\"],"
	         "\"persons\":[%lld,%lld]}",
	         CASE_REF, g.person, g.person2);
	request("POST", "/api/v1/cases", headers, body, 201, &r);
	g.kase = json_id(r.body, "id");
	http_response_free(&r);

	/* Searches: the whole name, a word of the alias as typed with its
	 * accents, the date of birth. Each finds the person. */
	pct(PURPOSE_SEARCH, enc2, sizeof(enc2));
	const char *names[] = {PERSON_NAME, "KWIATKOWSKIÑÉ", "thaddeus mulberrypike"};
	for (size_t i = 0; i < 3; i++) {
		pct(names[i], enc, sizeof(enc));
		snprintf(target, sizeof(target), "/api/v1/persons?name=%s&purpose=%s", enc, enc2);
		request("GET", target, g.auth, NULL, 200, &r);
		char want[64];
		snprintf(want, sizeof(want), "{\"id\":%lld", g.person);
		assert_contains(r.body, want);
		http_response_free(&r);
	}
	snprintf(target, sizeof(target), "/api/v1/persons?dob=%s&purpose=%s", PERSON_DOB, enc2);
	request("GET", target, g.auth, NULL, 200, &r);
	http_response_free(&r);

	/* Reads, each with a purpose: the answers hold the plain text. */
	pct(PURPOSE, enc, sizeof(enc));
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=%s", g.person, enc);
	request("GET", target, g.auth, NULL, 200, &r);
	assert_contains(r.body, PERSON_NAME);
	assert_contains(r.body, PERSON_ALIAS);
	assert_contains(r.body, PERSON_CONTACT);
	http_response_free(&r);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=%s", g.person2, enc);
	request("GET", target, g.auth, NULL, 200, &r);
	assert_contains(r.body, PERSON2_CONTACT);
	http_response_free(&r);
	snprintf(target, sizeof(target), "/api/v1/referrals/%lld?purpose=%s", g.referral, enc);
	request("GET", target, g.auth, NULL, 200, &r);
	assert_contains(r.body, INTELLIGENCE);
	http_response_free(&r);
	snprintf(target, sizeof(target), "/api/v1/cases/%lld?purpose=%s", g.kase, enc);
	request("GET", target, g.auth, NULL, 200, &r);
	assert_contains(r.body, CASE_REF);
	http_response_free(&r);

	/* A failed sign-in, then a good one; a change through the session. */
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", STAFF_EMAIL,
	         WRONG_PASSWORD);
	request("POST", "/api/v1/session", JSON_CT, body, 401, &r);
	http_response_free(&r);
	sign_in(STAFF_EMAIL, STAFF_PASSWORD, g.session, sizeof(g.session), g.csrf, sizeof(g.csrf));
	snprintf(g.cookie, sizeof(g.cookie), "Cookie: __Host-lantern_session=%s\r\n", g.session);
	snprintf(headers, sizeof(headers), "%sX-CSRF-Token: %s\r\n" JSON_CT, g.cookie, g.csrf);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld", g.person);
	snprintf(body, sizeof(body), "{\"aliases\":[\"%s\"],\"contact\":\"%s\"}", PERSON_ALIAS,
	         PERSON_CONTACT);
	request("PATCH", target, headers, body, 200, &r);
	http_response_free(&r);
	snprintf(target, sizeof(target), "/api/v1/persons/%lld?purpose=%s", g.person, enc);
	request("GET", target, g.cookie, NULL, 200, &r);
	assert_contains(r.body, PERSON_ALIAS);
	assert_not_contains(r.body, PERSON_ALIAS2);
	http_response_free(&r);
}

/* An analyst's pseudonymised read, and an agency administrator's subject
 * access export. */
static void test_analyst_and_export(void **state)
{
	(void)state;
	struct http_response r;
	char headers[512], target[512], enc[256];

	snprintf(headers, sizeof(headers), "Authorization: Bearer %s\r\n", g.analyst);
	pct(PURPOSE_PSEUDO, enc, sizeof(enc));
	snprintf(target, sizeof(target), "/api/v1/pseudonymised/persons?purpose=%s", enc);
	request("GET", target, headers, NULL, 200, &r);
	assert_contains(r.body, "\"pseudonym\":\"P-");
	assert_contains(r.body, "\"birth_year\":1971");
	assert_not_contains(r.body, "Quaxworth");
	http_response_free(&r);

	sign_in(ADMIN_EMAIL, ADMIN_PASSWORD, g.admin_session, sizeof(g.admin_session), g.admin_csrf,
	        sizeof(g.admin_csrf));
	pct(PURPOSE_EXPORT, enc, sizeof(enc));
	snprintf(target, sizeof(target), "/api/v1/persons/%lld/export?purpose=%s", g.person, enc);
	snprintf(headers, sizeof(headers), "Cookie: __Host-lantern_session=%s\r\n",
	         g.admin_session);
	request("GET", target, headers, NULL, 200, &r);
	assert_contains(r.body, PERSON_NAME);
	assert_contains(r.body, INTELLIGENCE);
	http_response_free(&r);
	snprintf(headers, sizeof(headers),
	         "Cookie: __Host-lantern_session=%s\r\nX-CSRF-Token: %s\r\n", g.admin_session,
	         g.admin_csrf);
	request("DELETE", "/api/v1/session", headers, NULL, 200, &r);
	http_response_free(&r);
}

/* A public report through the form, with free text and contact details,
 * and a partner report through the API. */
static void test_reports(void **state)
{
	(void)state;
	struct http_response r;
	char body[2048], desc[256], contact[256], headers[512];

	request("GET", "/", NULL, NULL, 200, &r);
	char v[256];
	if (http_header(&r, "Set-Cookie", v, sizeof(v)))
		fail_msg("the public page sets a cookie: %s", v);
	const char *p = strstr(r.body, "name=\"csrf\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	char tok[128];
	size_t n = strcspn(p, "\"");
	assert_true(n < sizeof(tok));
	memcpy(tok, p, n);
	tok[n] = '\0';
	http_response_free(&r);
	pct(DESCRIPTION, desc, sizeof(desc));
	pct(REPORT_CONTACT, contact, sizeof(contact));
	snprintf(body, sizeof(body),
	         "forms=labour_exploitation&place=local&district=watford&occurred=2024&"
	         "description=%s&anonymous=false&contact=%s&csrf=%s",
	         desc, contact, tok);
	request("POST", "/report", FORM_CT, body, 200, &r);
	assert_contains(r.body, "id=\"reference\"");
	if (http_header(&r, "Set-Cookie", v, sizeof(v)))
		fail_msg("the public form's answer sets a cookie: %s", v);
	http_response_free(&r);

	snprintf(headers, sizeof(headers), "%s" JSON_CT, g.auth);
	snprintf(body, sizeof(body),
	         "{\"source\":\"partner\",\"agency\":\"%s\",\"forms\":[\"labour_exploitation\"],"
	         "\"place\":\"unknown\",\"received\":\"2024-05-03\",\"description\":\"%s\","
	         "\"anonymous\":false,\"contact\":\"%s\"}",
	         AGENCY_CODE, PARTNER_DESCRIPTION, PARTNER_CONTACT);
	request("POST", "/api/v1/reports", headers, body, 201, &r);
	http_response_free(&r);
}

/* While the server runs: the database, its -wal and -shm as they are on
 * disk, and a backup taken online. Then sign out and stop the server. */
static void test_files_while_running(void **state)
{
	(void)state;
	char path[700];
	struct stat sb;
	/* The database and its -wal and -shm (which exist while it is served,
	 * in WAL mode) are readable by lantern's own account only. */
	const char *sides[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", g.db, sides[i]);
		assert_int_equal(stat(path, &sb), 0);
		if ((sb.st_mode & 0777) != 0600)
			fail_msg("%s has mode %o, not 600", path, (unsigned)(sb.st_mode & 0777));
	}
	g.live_db = slurp_n(g.db, &g.live_db_n);
	snprintf(path, sizeof(path), "%s-wal", g.db);
	g.live_wal = slurp_n(path, &g.live_wal_n);
	snprintf(path, sizeof(path), "%s-shm", g.db);
	g.live_shm = slurp_n(path, &g.live_shm_n);
	assert_true(g.live_db_n > 0 && g.live_wal_n > 0 && g.live_shm_n > 0);

	snprintf(path, sizeof(path), "%s/backup.db", g.dir);
	struct run b = RUN_EXPECT(0, "backup", path, "--db", g.db);
	scan_never("the output of lantern backup", b.out, strlen(b.out), true);
	scan_never("the errors of lantern backup", b.err, strlen(b.err), true);
	run_free(&b);
	/* Only lantern's own account may read a backup, whatever the umask. */
	assert_int_equal(stat(path, &sb), 0);
	if ((sb.st_mode & 0777) != 0600)
		fail_msg("the backup has mode %o, not 600", (unsigned)(sb.st_mode & 0777));
	/* ... nor a database restored from it. */
	char restored[700];
	snprintf(restored, sizeof(restored), "%s/restored.db", g.dir);
	b = RUN_EXPECT(0, "restore", path, "--db", restored);
	run_free(&b);
	assert_int_equal(stat(restored, &sb), 0);
	if ((sb.st_mode & 0777) != 0600)
		fail_msg("the restored database has mode %o, not 600",
		         (unsigned)(sb.st_mode & 0777));

	struct http_response r;
	char headers[512];
	snprintf(headers, sizeof(headers), "%sX-CSRF-Token: %s\r\n", g.cookie, g.csrf);
	request("DELETE", "/api/v1/session", headers, NULL, 200, &r);
	http_response_free(&r);
	assert_int_equal(stop_server(), 0);
}

/* Every file, every secret. */
static void test_no_plaintext(void **state)
{
	(void)state;
	char path[700];
	size_t n;

	scan_never("the database while serving", g.live_db, g.live_db_n, false);
	scan_never("the write-ahead log (-wal)", g.live_wal, g.live_wal_n, false);
	scan_never("the shared-memory index (-shm)", g.live_shm, g.live_shm_n, false);

	snprintf(path, sizeof(path), "%s/backup.db", g.dir);
	char *backup = slurp_n(path, &n);
	assert_true(n > 0);
	scan_never("the backup", backup, n, false);
	scan_clear("the backup", backup, n);
	free(backup);

	snprintf(path, sizeof(path), "%s/restored.db", g.dir);
	char *restored = slurp_n(path, &n);
	assert_true(n > 0);
	scan_never("the database restored from the backup", restored, n, false);
	scan_clear("the database restored from the backup", restored, n);
	free(restored);

	char *db = slurp_n(g.db, &n);
	assert_true(n > 0);
	scan_never("the database after the server stopped", db, n, false);
	scan_clear("the database after the server stopped", db, n);
	free(db);
	const char *sides[] = {"-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", g.db, sides[i]);
		char *f = slurp_n(path, &n);
		scan_never(path, f, n, false);
		free(f);
	}

	/* The server's output: its URL on stdout, one line a request on stderr
	 * with the route pattern — and nothing else of the requests. */
	char *out = slurp_n(g.out, &n);
	scan_never("the server's standard output", out, n, true);
	free(out);
	char *log = slurp_n(g.log, &n);
	if (!strstr(log, "route=/api/v1/persons/{id} status=200") ||
	    !strstr(log, "route=/api/v1/persons status=201"))
		fail_msg("the server's log has no line for the persons' routes:\n%s", log);
	scan_never("the server's standard error (its log)", log, n, true);
	free(log);
}

/* The section of docs/security.md that lists the audit log's entries. */
static char *logged_section(void)
{
	const char *src = getenv("LANTERN_SOURCE");
	char path[1100];
	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/docs/security.md", src);
	char *doc = slurp(path);
	char *start = strstr(doc, "\n## What is logged, and what never is\n");
	if (!start)
		fail_msg("%s has no section \"What is logged, and what never is\"", path);
	char *end = strstr(start + 1, "\n## ");
	if (end)
		*end = '\0';
	memmove(doc, start, strlen(start) + 1);
	return doc;
}

/* The audit log the run produced, as `lantern audit show` prints it: no
 * secret in it, and every action it holds documented in docs/security.md. */
static void test_audit_log_documented(void **state)
{
	(void)state;
	struct run r = RUN_EXPECT(0, "audit", "show", "--limit", "100000", "--db", g.db);
	scan_never("the output of lantern audit show", r.out, strlen(r.out), false);
	assert_contains(r.out, PURPOSE); /* the purposes are there, by design */
	char *doc = logged_section();
	int entries = 0;
	bool person_read = false;
	/* "ENTRY WHEN WHO ACTION OBJECT PERSON PURPOSE", a header line first. */
	for (const char *line = strchr(r.out, '\n'); line && line[1];
	     line = strchr(line + 1, '\n')) {
		char id[32], when[64], who[64], action[64], want[80];
		if (sscanf(line + 1, "%31s %63s %63s %63s", id, when, who, action) != 4)
			fail_msg("an unexpected line of lantern audit show: %.*s",
			         (int)strcspn(line + 1, "\n"), line + 1);
		entries++;
		person_read |= strcmp(action, "person.read") == 0;
		snprintf(want, sizeof(want), "`%s`", action);
		if (!strstr(doc, want))
			fail_msg(
			    "the audit log holds an entry %s, which docs/security.md (\"What is "
			    "logged, and what never is\") does not list",
			    action);
	}
	assert_true(entries > 20 && person_read);
	/* The public report names no one as its actor; a failed sign-in names
	 * the client's address, never the address typed. */
	assert_true(strstr(r.out, " public ") && strstr(r.out, " report.create "));
	assert_true(strstr(r.out, " web:127.0.0.1 ") && strstr(r.out, " session.login_failed "));
	free(doc);
	run_free(&r);
}

/* Is `t` (n bytes) an audit action's spelling: [a-z_]+ "." [a-z_]+ ? */
static bool action_like(const char *t, size_t n)
{
	size_t dots = 0, i;
	for (i = 0; i < n; i++) {
		if (t[i] == '.')
			dots++;
		else if (!((t[i] >= 'a' && t[i] <= 'z') || t[i] == '_'))
			return false;
	}
	return dots == 1 && t[0] != '.' && t[n - 1] != '.';
}

/*
 * Every action the code can write to the audit log is documented, not only
 * those this run wrote. The actions are string literals at the places that
 * append entries: the store's audit() and audit_add() calls, initialisers of
 * struct store_audit_new and AUDIT_ACTION definitions, in src/store, src/web
 * and src/cli. Each quoted "word.word" on such a line or the next is taken
 * for an action.
 */
static void test_audit_actions_in_source_documented(void **state)
{
	(void)state;
	static const char *const dirs[] = {"src/store", "src/web", "src/cli"};
	static const char *const marks[] = {"audit(", "audit_add(", "store_audit_new",
	                                    "define AUDIT_ACTION"};
	const char *src = getenv("LANTERN_SOURCE");
	assert_non_null(src);
	char *doc = logged_section();
	int found = 0;
	bool saw_read = false;
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		char dir[1100];
		snprintf(dir, sizeof(dir), "%s/%s", src, dirs[d]);
		DIR *dh = opendir(dir);
		assert_non_null(dh);
		struct dirent *de;
		while ((de = readdir(dh)) != NULL) {
			size_t len = strlen(de->d_name);
			if (len < 3 || strcmp(de->d_name + len - 2, ".c") != 0)
				continue;
			char path[1400];
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			char *text = slurp(path);
			for (char *line = text; line && *line;) {
				char *next = strchr(line, '\n');
				bool marked = false;
				for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
					char *hit = strstr(line, marks[m]);
					marked |= hit && (!next || hit < next);
				}
				if (marked) {
					/* this line and the next */
					char *end = next ? strchr(next + 1, '\n') : NULL;
					size_t span = end ? (size_t)(end - line) : strlen(line);
					for (size_t i = 0; i < span; i++) {
						if (line[i] != '"')
							continue;
						char *q = memchr(line + i + 1, '"', span - i - 1);
						if (!q)
							break;
						size_t n = (size_t)(q - line - i - 1);
						if (n > 2 && n < 60 &&
						    action_like(line + i + 1, n)) {
							char want[72];
							snprintf(want, sizeof(want), "`%.*s`",
							         (int)n, line + i + 1);
							if (!strstr(doc, want))
								fail_msg("%s writes the audit "
								         "action %s, "
								         "which docs/security.md "
								         "(\"What is "
								         "logged, and what never "
								         "is\") does "
								         "not list",
								         path, want);
							found++;
							saw_read |=
							    strcmp(want, "`person.read`") == 0;
						}
						i = (size_t)(q - line);
					}
				}
				line = next ? next + 1 : NULL;
			}
			free(text);
		}
		closedir(dh);
	}
	/* The scan itself works: it found the actions it must. */
	if (found < 30 || !saw_read)
		fail_msg("only %d audit actions found in the sources", found);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scanner),
	    cmocka_unit_test(test_setup_and_serve),
	    cmocka_unit_test(test_records_about_people),
	    cmocka_unit_test(test_analyst_and_export),
	    cmocka_unit_test(test_reports),
	    cmocka_unit_test(test_files_while_running),
	    cmocka_unit_test(test_no_plaintext),
	    cmocka_unit_test(test_audit_log_documented),
	    cmocka_unit_test(test_audit_actions_in_source_documented),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
