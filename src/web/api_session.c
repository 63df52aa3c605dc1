/*
 * api_session.c — signing in and out through the API.
 *
 *   POST   /api/v1/session   {"email": "...", "password": "..."}
 *          Signs in (web_login, on the worker pool). 201 with
 *            {"user": {"id": 7, "email": "...", "agency": "herts_police",
 *                      "role": "police"},
 *             "csrf_token": "...", "expires_at": "2024-06-01T22:00:00Z",
 *             "idle_timeout_s": 1800}
 *          and the session cookie; 401 when the address or the password is
 *          wrong, the account unknown or disabled — one answer for all, so it
 *          does not tell which accounts exist; 429 with Retry-After (seconds;
 *          none when the account is locked) while a throttle says wait; 400
 *          for a body that is not exactly those two strings; 415 unless
 *          application/json.
 *   GET    /api/v1/session   The signed-in session, in the same shape (200).
 *   DELETE /api/v1/session   Signs out: revokes the session and clears the
 *          cookie; 200 {"status": "signed_out"}. Needs X-CSRF-Token (web_handle
 *          checks it, as for every unsafe call with the session cookie).
 *
 * The body of a sign-in holds a password: it is parsed, used and wiped here
 * (server.c wipes the request body too), and never logged. Partner systems
 * do not sign in: they send their API token with each call.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/banned.h"

/* Seconds since 1970 as "YYYY-MM-DDTHH:MM:SSZ". */
static void utc_text(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

/* The session document of `who` (a session principal). */
static json_t *session_doc(const struct web_principal *who)
{
	char expires[32];
	utc_text(who->session_expires, expires);
	return json_pack("{s:{s:I, s:s, s:s, s:s}, s:s, s:s, s:i}", "user", "id",
	                 (json_int_t)who->p.id, "email", who->email, "agency", who->agency, "role",
	                 lt_vocab_term(&lt_vocab_role, (size_t)who->p.role)->code, "csrf_token",
	                 who->csrf, "expires_at", expires, "idle_timeout_s", LT_SESSION_IDLE_S);
}

void web_api_session_create(struct web_call *c)
{
	const struct web_request *rq = c->rq;
	struct web_login l;
	struct lt_error err;
	struct lt_diags d;
	json_error_t jerr;
	json_t *doc = NULL, *email = NULL, *password = NULL;
	const char *key;
	json_t *value;
	lt_status st;

	memset(&l, 0, sizeof(l));
	lt_error_clear(&err);
	lt_diags_init(&d);
	if (!web_content_type_is(rq->content_type, "application/json")) {
		web_error(c, WEB_KIND_API, LT_EMEDIATYPE,
		          "Send {\"email\": ..., \"password\": ...} as Content-Type: application/json.",
		          NULL);
		web_response_header(c->rs, "Accept-Post", "application/json");
		goto out;
	}
	doc = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(doc)) {
		web_error(c, WEB_KIND_API, doc ? LT_EINVAL : LT_EPARSE,
		          doc ? "The body must be a JSON object." : "The body is not valid JSON.",
		          NULL);
		goto out;
	}
	json_object_foreach(doc, key, value)
	{
		if (strcmp(key, "email") == 0 || strcmp(key, "password") == 0) {
			if (!json_is_string(value)) {
				lt_error_set(&err, LT_EINVAL, key, "must be a string");
				lt_diags_add(&d, &err);
			}
			continue;
		}
		char name[LT_CODE_MAX];
		lt_error_quote(name, sizeof(name), key, strlen(key), sizeof(name) - 8);
		lt_error_set(&err, LT_EINVAL, name, "is not a member of a sign-in (email, password)");
		lt_diags_add(&d, &err);
	}
	email = json_object_get(doc, "email");
	password = json_object_get(doc, "password");
	if (!email) {
		lt_error_set(&err, LT_EINVAL, "email", "is required");
		lt_diags_add(&d, &err);
	}
	if (!password) {
		lt_error_set(&err, LT_EINVAL, "password", "is required");
		lt_diags_add(&d, &err);
	}
	if (d.count) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The sign-in is not valid.", &d);
		goto out;
	}

	l.email = json_string_value(email);
	l.email_len = json_string_length(email);
	l.password = json_string_value(password);
	l.password_len = json_string_length(password);
	lt_error_clear(&err);
	st = web_login(c->app, rq, &l, &err);
	if (st == LT_ETHROTTLED) {
		char after[32];
		web_error(c, WEB_KIND_API, st,
		          l.retry_after < 0
		              ? "Too many failed attempts: this account is locked. Ask an "
		                "administrator."
		              : "Too many failed attempts: wait before trying again (Retry-After).",
		          NULL);
		if (l.retry_after >= 0) {
			snprintf(after, sizeof(after), "%lld", (long long)l.retry_after);
			web_response_header(c->rs, "Retry-After", after);
		}
		goto out;
	}
	if (st == LT_EAUTH) {
		web_error(c, WEB_KIND_API, st,
		          "The e-mail address or the password is wrong, or the account may not sign "
		          "in.",
		          NULL);
		goto out;
	}
	if (st != LT_OK) {
		web_error(c, WEB_KIND_API, st, "Signing in failed.", NULL);
		goto out;
	}
	web_answer_json(c, 201, session_doc(&l.who));
	if (c->rs->status == 201) {
		web_cookie_set(c->app, c->rs, web_session_cookie_name(c->app), l.cookie, 0);
		web_response_header(c->rs, "Location", "/api/v1/session");
	}
out:
	/* The password lives in jansson's copy of the body: wipe it. */
	if (password && json_is_string(password))
		lt_crypto_wipe((char *)json_string_value(password), json_string_length(password));
	web_login_release(&l);
	json_decref(doc);
	lt_diags_release(&d);
}

void web_api_session_get(struct web_call *c)
{
	web_answer_json(c, 200, session_doc(c->who));
}

void web_api_session_delete(struct web_call *c)
{
	struct lt_error err;
	lt_error_clear(&err);
	lt_status st = web_logout(c->app, c->rq, c->who, &err);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_API, st, "The session could not be ended.", NULL);
		return;
	}
	web_answer_json(c, 200, json_pack("{s:s}", "status", "signed_out"));
	web_cookie_set(c->app, c->rs, web_session_cookie_name(c->app), NULL, 0);
}
