/*
 * web_check.h — checks every in-process web test makes of every answer
 * (web_check.c): documented in the OpenAPI document, its JSON as the
 * document's schema says, and a problem document of the one shape; and
 * the world the API tests share (web_fixture_*): a store with agencies,
 * the app with one data key, API tokens, accounts and their sessions.
 */
#ifndef LT_TEST_WEB_CHECK_H
#define LT_TEST_WEB_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "store/store.h"
#include "web/web_int.h"

/* Build the OpenAPI document of `app` (once per test binary, in the group
 * setup; web_check_close releases it). Fails the test when it cannot. */
void web_check_open(const struct web_app *app);
void web_check_close(void);
/* The document (owned by web_check; NULL before web_check_open). */
json_t *web_check_openapi(void);
/* The value at a local JSON pointer of the document ("#/components/..."),
 * NULL when there is none. */
json_t *web_check_pointer(const char *ref);

/*
 * Check `rs`, the answer to `method` `target` sent with request id
 * `request_id`: an error of the API is a problem document of the one
 * shape; the status is documented for the operation (when a route
 * matched); a JSON body matches its documented schema. Fails the test
 * otherwise. Without web_check_open, only the shape is checked.
 */
void web_check_answer(const char *method, const char *target, const char *request_id,
                      const struct web_response *rs);
/* Fail the test naming `where` unless `v` matches `schema`. */
void web_check_schema(json_t *schema, json_t *v, const char *where);

/* Problem documents and JSON answers checked so far. */
size_t web_check_problems_seen(void);
size_t web_check_answers_seen(void);

/* ---- the world of the API tests ----------------------------------------- */

/* The time every request of web_fixture_serve is sent at:
 * 2024-06-01T12:00:00Z, the day 2024-06-01. */
#define WEB_FIXTURE_NOW 1717243200

/* A request of the API tests; a NULL member is not sent. `ctype` NULL:
 * application/json when there is a body. */
struct web_fixture_req {
	const char *method;
	const char *target;
	const char *auth; /* Authorization */
	const char *body;
	const char *ctype;  /* Content-Type */
	const char *cookie; /* Cookie */
	const char *csrf;   /* X-CSRF-Token */
};

/* Size of a web_fixture_token's `auth` buffer: "Bearer " and the token. */
#define WEB_FIXTURE_AUTH_SIZE 80
/* Size of a session cookie web_fixture_session writes. */
#define WEB_FIXTURE_COOKIE_SIZE 128

/* An API token to make: of `agency` with `role`; "Bearer <token>" is
 * written to `auth` (WEB_FIXTURE_AUTH_SIZE bytes), its id to `id` unless
 * NULL. */
struct web_fixture_token {
	const char *agency;
	enum lt_role role;
	char *auth;
	int64_t *id;
};

/* The agencies most API tests work with: herts_police (Hertfordshire
 * Constabulary, police) and unseen (Unseen, a charity). */
#define WEB_FIXTURE_AGENCIES 2
extern const struct lt_agency web_fixture_agencies[WEB_FIXTURE_AGENCIES];

/*
 * Initialise the crypto library, open a new store at test_tmp_path(`db`),
 * add the `n_agencies` agencies, initialise `app` on it without a key file
 * and give it `keys`, filled with one random data key of id 1; then
 * web_check_open the app, so every answer is checked against its OpenAPI
 * document. 0, or -1 (after printing why) for a group setup to return.
 * The caller releases all three with web_fixture_close.
 */
int web_fixture_open(const char *db, const struct lt_agency *agencies, size_t n_agencies,
                     struct store **store, struct web_app *app, struct lt_crypto_keyring *keys);
/* Release what web_fixture_open made, and the OpenAPI document of
 * web_check_open; `keys` is wiped. */
void web_fixture_close(struct store *store, struct web_app *app, struct lt_crypto_keyring *keys);
/* Add the `n` API tokens to `store`, as `tokens` says. 0, or -1 (after
 * printing why). */
int web_fixture_tokens(struct store *store, const struct web_fixture_token *tokens, size_t n);
/* Add an account `email` of `agency` with `role` (a password hash the
 * store never checks) and return its id. Fails the test when it cannot. */
int64_t web_fixture_user(struct store *store, const char *email, const char *agency,
                         enum lt_role role);
/* Open a session of account `user` at `now` (lasting
 * LT_SESSION_ABSOLUTE_S): its cookie header to `cookie`
 * (WEB_FIXTURE_COOKIE_SIZE bytes), its CSRF token to `csrf` unless NULL.
 * Fails the test when it cannot. */
void web_fixture_session(struct store *store, int64_t user, int64_t now, char *cookie,
                         char csrf[LT_CRYPTO_SECRET_SIZE]);

/* Hand `r` to web_handle of `app`, sent at WEB_FIXTURE_NOW from the
 * loopback (127.0.0.1) with request id `id`, and check the answer with
 * web_check_answer. The answer to `rs`, which the caller releases. */
void web_fixture_serve(struct web_app *app, const struct web_fixture_req *r, const char *id,
                       struct web_response *rs);
/* The JSON body of `rs`, the answer to `r` (the caller releases it).
 * Fails the test, naming the request and showing the body, unless the
 * status is `status` and the body JSON. */
json_t *web_fixture_json(const struct web_fixture_req *r, const struct web_response *rs,
                         int status);

#endif
