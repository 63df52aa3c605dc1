/*
 * fuzz_web.c — fuzz target for the web module: web_handle, the in-process
 * seam between libmicrohttpd and every route (web_int.h).
 *
 * One input is one request. Its bytes are read as
 *
 *   byte 0      the method: an entry of `methods`, chosen modulo its size
 *   byte 1      bits 0-2: the Content-Type, an entry of `content_types`
 *               (NULL meaning no header); bit 3: the peer is not loopback;
 *               bit 4: the body was over LT_HTTP_BODY_MAX (body dropped);
 *               bit 5: credentials as a page would give them — a police
 *               API token in Authorization, and, for a form body, a valid
 *               token of the public form appended as "&csrf=..."; bit 6: the
 *               session cookie of a signed-in police account, with its
 *               CSRF token in X-CSRF-Token
 *   then        the request target, up to the first '\n' (a NUL inside cuts
 *               it, as no target on the wire holds one)
 *   the rest    the body, in a buffer of exactly its length, so reading
 *               past it is caught by ASan
 *
 * so mutations of the target and the body reach the form decoder, the
 * path decoder, the JSON parser, the report intakes and the pages, while
 * the first two bytes pick among the routes' other inputs. The seeds in
 * fuzz/corpus/web/ are written in this format.
 *
 * The app serves a SQLite store in a fresh temporary directory
 * ($TMPDIR, else /tmp) holding the demo agencies and arrests (so partner
 * reports and the statistics have something to find), an account of
 * herts_police with a session and an API token (so the routes behind
 * sign-in are reached), with a sealing key so the contact-details path
 * runs too, and a data key so that persons, referrals and cases are
 * really sealed; it is created on the first input and removed at exit.
 * Every request is at the same simulated time. Reports and records that
 * pass validation are really stored. Every response must carry the
 * Content-Security-Policy of route.c and a Content-Type, have a status from
 * 200 to 599, and a body that is text without NUL bytes; anything else
 * aborts, as does any crash, leak or undefined behaviour the sanitizers
 * see.
 *
 * Built as a libFuzzer target with clang (`make fuzz`), and with replay.c as
 * a plain program that `make test` runs over the committed corpus.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/demo.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "web/web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CSP                                                                                   \
	"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "               \
	"base-uri 'none'; frame-ancestors 'none'"

static const char *const methods[] = {
    "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "get", "", "POST\x01",
};

static const char *const content_types[] = {
    NULL,
    "application/json",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "text/plain",
    "multipart/form-data; boundary=x",
    " Application/JSON ;charset=utf-8",
    "application/jsonx",
};

#define FUZZ_NOW 1717243200 /* 2024-06-01T12:00:00Z */

/* The app and where its files live; set up once. */
static struct {
	bool ready;
	char dir[512];
	char db[600];
	char key[600];
	struct store *st;
	struct web_app app;
	char auth[80];                    /* "Bearer lt_..." of a police token */
	char cookie[128];                 /* the session cookie of a police account */
	char csrf[LT_CRYPTO_SECRET_SIZE]; /* that session's CSRF token */
} g;

static void cleanup(void)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char path[700];
	if (!g.ready)
		return;
	web_app_release(&g.app);
	store_close(g.st);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", g.db, suffixes[i]);
		unlink(path);
	}
	unlink(g.key);
	rmdir(g.dir);
	g.ready = false;
}

static void die(const char *what, const struct lt_error *err)
{
	fprintf(stderr, "fuzz_web: %s: %s\n", what,
	        err && err->message[0] ? err->message : "failed");
	abort();
}

static void setup(void)
{
	struct lt_error err;
	struct lt_demo demo;
	const char *tmp = getenv("TMPDIR");

	lt_error_clear(&err);
	snprintf(g.dir, sizeof(g.dir), "%s/lantern-fuzz-web-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(g.dir))
		die("mkdtemp", NULL);
	snprintf(g.db, sizeof(g.db), "%s/web.db", g.dir);
	snprintf(g.key, sizeof(g.key), "%s/web.key", g.dir);
	if (lt_crypto_init() != LT_OK)
		die("lt_crypto_init", NULL);
	if (store_open_sqlite(g.db, &g.st, &err) != LT_OK)
		die("store_open_sqlite", &err);
	if (lt_demo_build(LT_DEMO_SEED, &demo, &err) != LT_OK)
		die("lt_demo_build", &err);
	for (size_t i = 0; i < demo.n_agencies; i++)
		if (store_agency_add(g.st, &demo.agencies[i], "fuzz", &err) != LT_OK)
			die("store_agency_add", &err);
	if (store_arrests_insert(g.st, demo.arrests, demo.n_arrests, "fuzz", &err) != LT_OK)
		die("store_arrests_insert", &err);
	lt_demo_release(&demo);
	if (lt_crypto_keyfile_create(g.key, &err) != LT_OK)
		die("lt_crypto_keyfile_create", &err);
	if (web_app_init(&g.app, g.st, g.key, &err) != LT_OK)
		die("web_app_init", &err);
	/* A data key, so that persons, referrals and cases are really sealed
	 * and opened. */
	struct lt_crypto_keyring keys = {1, {{1, {0}}}};
	lt_crypto_random(keys.keys[0].key, sizeof(keys.keys[0].key));
	if (web_app_data_keys(&g.app, &keys, &err) != LT_OK)
		die("web_app_data_keys", &err);
	lt_crypto_keyring_wipe(&keys);

	char tok[LT_CRYPTO_TOKEN_SIZE], hash[LT_PASSWORD_HASH_MAX], text[LT_CRYPTO_SECRET_SIZE];
	unsigned char th[LT_CRYPTO_TOKEN_HASH_BYTES], raw[LT_CRYPTO_SECRET_BYTES];
	unsigned char sh[LT_CRYPTO_HASH_BYTES];
	struct store_token t = {0};
	struct store_user u = {0};
	int64_t sid;
	lt_crypto_token_new(tok);
	lt_crypto_token_hash(tok, strlen(tok), th);
	snprintf(t.agency, sizeof(t.agency), "herts_police");
	t.role = LT_ROLE_POLICE;
	if (store_token_add(g.st, &t, th, "fuzz", &err) != LT_OK)
		die("store_token_add", &err);
	snprintf(g.auth, sizeof(g.auth), "Bearer %s", tok);
	if (lt_crypto_password_hash("fuzzing fuzzing fuzzing", 23, hash) != LT_OK)
		die("lt_crypto_password_hash", NULL);
	snprintf(u.email, sizeof(u.email), "fuzz@police.example");
	snprintf(u.agency, sizeof(u.agency), "herts_police");
	u.role = LT_ROLE_POLICE;
	if (store_user_add(g.st, &u, hash, "fuzz", &err) != LT_OK)
		die("store_user_add", &err);
	lt_crypto_secret_new(raw, text);
	lt_crypto_session_hash(raw, sh);
	if (store_session_create(g.st, sh, u.id, FUZZ_NOW, FUZZ_NOW + LT_SESSION_ABSOLUTE_S, &sid,
	                         &err) != LT_OK)
		die("store_session_create", &err);
	snprintf(g.cookie, sizeof(g.cookie), "%s=%s", web_session_cookie_name(&g.app), text);
	lt_crypto_csrf_token(raw, g.csrf);
	g.ready = true;
	atexit(cleanup);
}

/* Abort with the request and the reason when a response breaks a rule. */
static void broken(const struct web_request *rq, const struct web_response *rs, const char *why)
{
	fprintf(stderr, "fuzz_web: %s %.200s -> %d: %s\n", rq->method, rq->target, rs->status, why);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_request rq;
	struct web_response rs;
	char *target = NULL, *body = NULL;

	if (!g.ready)
		setup();
	if (size < 2)
		return 0;

	uint8_t m = data[0], flags = data[1];
	const uint8_t *p = data + 2, *end = data + size;
	const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
	size_t tlen = nl ? (size_t)(nl - p) : (size_t)(end - p);
	const uint8_t *b = nl ? nl + 1 : end;
	size_t blen = (size_t)(end - b);

	target = malloc(tlen + 1);
	if (!target)
		return 0;
	memcpy(target, p, tlen);
	target[tlen] = '\0';
	char ftok[WEB_FORM_TOKEN_SIZE] = "";
	if ((flags & 32) && ((flags & 7) == 2 || (flags & 7) == 3)) /* a form body */
		web_form_token(&g.app, WEB_FORM_REPORT, NULL, FUZZ_NOW, ftok);
	size_t extra = ftok[0] ? strlen(ftok) + 6 : 0; /* "&csrf=" + the token */
	if (blen + extra) {
		body = malloc(blen + extra);
		if (!body) {
			free(target);
			return 0;
		}
		memcpy(body, b, blen);
		if (extra) {
			memcpy(body + blen, "&csrf=", 6);
			memcpy(body + blen + 6, ftok, extra - 6);
		}
		blen += extra;
	}

	memset(&rq, 0, sizeof(rq));
	rq.method = methods[m % (sizeof(methods) / sizeof(methods[0]))];
	rq.target = target;
	rq.content_type = content_types[flags & 7];
	rq.peer_loopback = !(flags & 8);
	rq.peer = rq.peer_loopback ? "127.0.0.1" : "192.0.2.7";
	rq.body_too_big = (flags & 16) != 0;
	rq.body = rq.body_too_big ? NULL : body;
	rq.body_len = rq.body_too_big ? 0 : blen;
	rq.today = (struct lt_date){2024, 6, 1};
	rq.now = FUZZ_NOW;
	rq.id = "rfuzz";
	if (flags & 32)
		rq.authorization = g.auth;
	if (flags & 64) {
		rq.cookie = g.cookie;
		rq.csrf_header = g.csrf;
	}

	web_response_init(&rs);
	web_handle(&g.app, &rq, &rs);

	const char *csp = web_response_header_get(&rs, "Content-Security-Policy");
	if (!csp || strcmp(csp, FUZZ_CSP) != 0)
		broken(&rq, &rs, "no Content-Security-Policy, or another one");
	if (rs.status < 200 || rs.status > 599)
		broken(&rq, &rs, "status outside 200..599");
	if (!web_response_header_get(&rs, "Content-Type"))
		broken(&rq, &rs, "no Content-Type");
	if (rs.body && strlen(rs.body) != rs.body_len)
		broken(&rq, &rs, "body length disagrees with its text (a NUL inside?)");
	if (rs.status >= 500)
		broken(&rq, &rs, "a server error from a request alone");

	web_response_release(&rs);
	free(body);
	free(target);
	return 0;
}
