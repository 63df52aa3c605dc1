/*
 * auth.c — who is calling: sessions of signed-in staff, API tokens of
 * partner systems, signing in and out, cookies, and the tokens that show a
 * form was sent from lantern's own page (CSRF).
 *
 * Credentials. A request names its principal in one of two ways, never
 * both: an Authorization header "Bearer lt_..." (a partner system's API
 * token; when the header is present the cookie is not looked at), or the
 * session cookie of a member of staff who signed in. Routes open to the
 * public never look at either (web_handle resolves credentials only for the
 * routes whose access needs them).
 *
 * Sessions. Signing in draws a new session id — 32 random bytes, the cookie's
 * value as 43 base64url characters — and stores only its hash
 * (lt_crypto_session_hash) with the account, the time of sign-in, the time
 * of last use and the absolute expiry. The id is new at every sign-in, and
 * a session named by the cookie the request came with is revoked: an id
 * known before sign-in (planted by someone else: session fixation) is never
 * the id of a signed-in session. A session is honoured while it is not
 * revoked, its account is not disabled, `now` is before its absolute expiry
 * (LT_SESSION_ABSOLUTE_S after sign-in) and it was used within
 * LT_SESSION_IDLE_S. Its last use is written at most every
 * LT_SESSION_TOUCH_S, so reads do not each wait for a write; the idle limit
 * is therefore kept to within that much. All times come from the request
 * (`now`), which the server reads from the clock and the tests set.
 *
 * Cookies. Both cookies are HttpOnly (no script reads them), SameSite=Strict
 * (a browser sends them on no request started by another site, which alone
 * stops cross-site request forgery in current browsers), Path=/, and Secure
 * with the __Host- prefix (sent over HTTPS only, and no other host or path
 * can set one of that name) unless `lantern serve --insecure-http`, which
 * is refused unless the server listens on loopback. The session cookie has
 * no Max-Age: it ends with the browser session, and the server ends it
 * earlier. Cookies with the same name twice in one request are ignored.
 *
 * CSRF. SameSite is the first defence; each state-changing form also
 * carries a token in a hidden field "csrf", compared in constant time:
 *   - staff forms: the session's CSRF token, derived from the session id
 *     (lt_crypto_csrf_token) — a synchronizer token that needs no storage;
 *   - the sign-in form (there is no session yet, and logging someone into
 *     an attacker's account is an attack too): a signed double-submit
 *     token. GET /login sets a login cookie holding a random nonce and
 *     writes into the form a token signed with the server's form key over
 *     the nonce and the time; POST /login needs both, matching;
 *   - the public report form (its users have no session and get no
 *     cookie): a signed, dated token, good for LT_FORM_TOKEN_TTL_S.
 * A form token is 40 bytes in base64url: the time it was issued (8 bytes,
 * big-endian seconds) and BLAKE2b-256 keyed with the form key over a domain
 * string for the form, the time and the binding. The form key is random
 * per process, so tokens issued before a restart are refused (the public
 * form then shows the report again, kept, to send once more).
 * API calls authenticated by the session cookie must send the session's
 * token in X-CSRF-Token for every method but GET and HEAD; API tokens need
 * none (a browser never sends one by itself). The API also takes JSON only,
 * which no cross-site form can send.
 *
 * Signing in follows web_login's contract (web_int.h); it is slow by design
 * (argon2id) and runs on the server's worker pool.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/banned.h"

#define SESSION_COOKIE        "lantern_session"
#define SESSION_COOKIE_SECURE "__Host-lantern_session"
#define LOGIN_COOKIE          "lantern_login"
#define LOGIN_COOKIE_SECURE   "__Host-lantern_login"

#define FORM_TOKEN_BYTES (8 + LT_CRYPTO_MAC_BYTES)
#define FORM_TOKEN_SKEW_S 300 /* a token "issued" this far in the future is still taken */

_Static_assert(WEB_FORM_TOKEN_SIZE >= (FORM_TOKEN_BYTES * 4 + 2) / 3 + 1, "form token size");

static const char *const form_domains[] = {
    [WEB_FORM_REPORT] = "lantern public report form token, v1",
    [WEB_FORM_LOGIN] = "lantern sign-in form token, v1",
};

/* ---- principals ------------------------------------------------------------ */

void web_principal_public(struct web_principal *who)
{
	memset(who, 0, sizeof(*who));
	who->auth = WEB_AUTH_NONE;
	snprintf(who->actor, sizeof(who->actor), "public");
}

void web_principal_wipe(struct web_principal *who)
{
	lt_crypto_wipe(who, sizeof(*who));
}

static void principal_of_session(struct web_principal *who, const struct store_session *s,
                                 const unsigned char raw[LT_CRYPTO_SECRET_BYTES])
{
	memset(who, 0, sizeof(*who));
	who->auth = WEB_AUTH_SESSION;
	who->p = store_user_principal(&s->user);
	snprintf(who->agency, sizeof(who->agency), "%s", s->user.agency);
	snprintf(who->actor, sizeof(who->actor), "user:%lld", (long long)s->user.id);
	who->session_id = s->id;
	who->session_expires = s->expires;
	snprintf(who->email, sizeof(who->email), "%s", s->user.email);
	lt_crypto_csrf_token(raw, who->csrf);
}

/* ---- cookies ----------------------------------------------------------------- */

bool web_cookie_get(const char *header, const char *name, const char **value, size_t *len)
{
	size_t nlen = strlen(name);
	int found = 0;
	const char *p = header;
	if (!header)
		return false;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		if (!end)
			end = p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
			const char *v = eq + 1, *ve = end;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			if (ve - v >= 2 && v[0] == '"' && ve[-1] == '"') {
				v++;
				ve--;
			}
			*value = v;
			*len = (size_t)(ve - v);
			found++;
		}
		p = end;
	}
	return found == 1;
}

const char *web_session_cookie_name(const struct web_app *app)
{
	return app->insecure_http ? SESSION_COOKIE : SESSION_COOKIE_SECURE;
}

const char *web_login_cookie_name(const struct web_app *app)
{
	return app->insecure_http ? LOGIN_COOKIE : LOGIN_COOKIE_SECURE;
}

void web_cookie_set(const struct web_app *app, struct web_response *rs, const char *name,
                    const char *value, int64_t max_age)
{
	char v[WEB_HEADER_VALUE_MAX];
	char age[40] = "";
	if (!value)
		snprintf(age, sizeof(age), "; Max-Age=0");
	else if (max_age > 0)
		snprintf(age, sizeof(age), "; Max-Age=%lld", (long long)max_age);
	int n = snprintf(v, sizeof(v), "%s=%s; Path=/%s; HttpOnly; SameSite=Strict%s", name,
	                 value ? value : "", age, app->insecure_http ? "" : "; Secure");
	LT_ASSERT(n > 0 && (size_t)n < sizeof(v));
	web_response_header_add(rs, "Set-Cookie", v);
	lt_crypto_wipe(v, sizeof(v));
}

/* ---- form tokens ---------------------------------------------------------------- */

static void form_mac(const struct web_app *app, enum web_form_purpose purpose,
                     const unsigned char *binding, const unsigned char issued[8],
                     unsigned char mac[LT_CRYPTO_MAC_BYTES])
{
	unsigned char msg[8 + LT_CRYPTO_SECRET_BYTES];
	size_t n = 8;
	LT_ASSERT((unsigned)purpose <= WEB_FORM_LOGIN);
	LT_ASSERT((purpose == WEB_FORM_LOGIN) == (binding != NULL));
	memcpy(msg, issued, 8);
	if (binding) {
		memcpy(msg + 8, binding, LT_CRYPTO_SECRET_BYTES);
		n += LT_CRYPTO_SECRET_BYTES;
	}
	lt_crypto_mac(mac, app->form_key, form_domains[purpose], msg, n);
	lt_crypto_wipe(msg, sizeof(msg));
}

void web_form_token(const struct web_app *app, enum web_form_purpose purpose,
                    const unsigned char *binding, int64_t now, char out[WEB_FORM_TOKEN_SIZE])
{
	unsigned char tok[FORM_TOKEN_BYTES];
	uint64_t t = (uint64_t)now;
	for (int i = 7; i >= 0; i--, t >>= 8)
		tok[i] = (unsigned char)(t & 0xff);
	form_mac(app, purpose, binding, tok, tok + 8);
	LT_ASSERT(lt_crypto_base64url(out, WEB_FORM_TOKEN_SIZE, tok, sizeof(tok)) > 0);
}

bool web_form_token_ok(const struct web_app *app, enum web_form_purpose purpose,
                       const unsigned char *binding, int64_t now, const char *text, size_t len)
{
	unsigned char tok[FORM_TOKEN_BYTES], mac[LT_CRYPTO_MAC_BYTES];
	bool ok = false;
	if (!lt_crypto_base64url_decode(tok, sizeof(tok), text, len))
		return false;
	form_mac(app, purpose, binding, tok, mac);
	if (lt_crypto_equal(mac, tok + 8, sizeof(mac))) {
		int64_t issued = 0;
		for (int i = 0; i < 8; i++)
			issued = (int64_t)(((uint64_t)issued << 8) | tok[i]);
		ok = issued <= now + FORM_TOKEN_SKEW_S && now - issued <= LT_FORM_TOKEN_TTL_S;
	}
	lt_crypto_wipe(mac, sizeof(mac));
	lt_crypto_wipe(tok, sizeof(tok));
	return ok;
}

bool web_login_nonce_get(const struct web_app *app, const struct web_request *rq,
                         unsigned char raw[LT_CRYPTO_SECRET_BYTES])
{
	const char *v;
	size_t len;
	return web_cookie_get(rq->cookie, web_login_cookie_name(app), &v, &len) &&
	       lt_crypto_secret_parse(v, len, raw);
}

void web_login_nonce(const struct web_app *app, const struct web_request *rq,
                     struct web_response *rs, unsigned char raw[LT_CRYPTO_SECRET_BYTES])
{
	char text[LT_CRYPTO_SECRET_SIZE];
	if (web_login_nonce_get(app, rq, raw))
		return;
	lt_crypto_secret_new(raw, text);
	web_cookie_set(app, rs, web_login_cookie_name(app), text, LT_FORM_TOKEN_TTL_S);
	lt_crypto_wipe(text, sizeof(text));
}

/* ---- who is calling ----------------------------------------------------------- */

/* Split "Bearer TOKEN": false unless the scheme is Bearer (any case) and a
 * token follows. */
static bool bearer_token(const char *h, const char **tok, size_t *len)
{
	while (*h == ' ' || *h == '\t')
		h++;
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return false;
	h += 6;
	while (*h == ' ' || *h == '\t')
		h++;
	size_t n = strlen(h);
	while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	*tok = h;
	*len = n;
	return n > 0;
}

static lt_status resolve_token(struct web_app *app, const struct web_request *rq,
                               struct web_principal *who, char *detail, size_t cap)
{
	const char *tok;
	size_t len;
	unsigned char hash[LT_CRYPTO_TOKEN_HASH_BYTES];
	struct store_token t;
	struct lt_error err;
	lt_status st;

	if (!bearer_token(rq->authorization, &tok, &len)) {
		snprintf(detail, cap, "Send an API token as \"Authorization: Bearer TOKEN\".");
		return LT_EAUTH;
	}
	if (!lt_crypto_token_well_formed(tok, len)) {
		snprintf(detail, cap, "That is not an API token.");
		return LT_EAUTH;
	}
	lt_crypto_token_hash(tok, len, hash);
	lt_error_clear(&err);
	st = store_token_find(app->st, hash, &t, &err);
	lt_crypto_wipe(hash, sizeof(hash));
	if (st == LT_ENOTFOUND) {
		snprintf(detail, cap, "The API token is unknown or was revoked.");
		return LT_EAUTH;
	}
	if (st != LT_OK) {
		snprintf(detail, cap, "The API token could not be checked.");
		return st;
	}
	memset(who, 0, sizeof(*who));
	who->auth = WEB_AUTH_TOKEN;
	who->p = store_token_principal(&t);
	snprintf(who->agency, sizeof(who->agency), "%s", t.agency);
	snprintf(who->actor, sizeof(who->actor), "token:%lld", (long long)t.id);
	return LT_OK;
}

/* The live session the request's cookie names: LT_OK with *s filled and
 * raw holding its id; LT_EAUTH with a sentence; a store status. */
static lt_status session_of(struct web_app *app, const struct web_request *rq,
                            struct store_session *s, unsigned char raw[LT_CRYPTO_SECRET_BYTES],
                            char *detail, size_t cap)
{
	const char *v;
	size_t len;
	unsigned char hash[LT_CRYPTO_HASH_BYTES];
	struct lt_error err;
	lt_status st;

	if (!web_cookie_get(rq->cookie, web_session_cookie_name(app), &v, &len)) {
		snprintf(detail, cap, "Sign in first, or send an API token.");
		return LT_EAUTH;
	}
	if (!lt_crypto_secret_parse(v, len, raw)) {
		snprintf(detail, cap, "The session cookie is not valid: sign in again.");
		return LT_EAUTH;
	}
	lt_crypto_session_hash(raw, hash);
	lt_error_clear(&err);
	st = store_session_find(app->st, hash, s, &err);
	lt_crypto_wipe(hash, sizeof(hash));
	if (st == LT_ENOTFOUND || (st == LT_OK && s->user.disabled)) {
		snprintf(detail, cap, "The session has ended: sign in again.");
		st = LT_EAUTH;
	} else if (st != LT_OK) {
		snprintf(detail, cap, "The session could not be checked.");
	} else if (rq->now >= s->expires) {
		snprintf(detail, cap, "The session has expired (%d hours after signing in): sign in "
		                      "again.",
		         LT_SESSION_ABSOLUTE_S / 3600);
		st = LT_EAUTH;
	} else if (rq->now - s->last_seen >= LT_SESSION_IDLE_S) {
		snprintf(detail, cap, "The session has expired after %d minutes without use: sign "
		                      "in again.",
		         LT_SESSION_IDLE_S / 60);
		st = LT_EAUTH;
	}
	if (st != LT_OK) {
		lt_crypto_wipe(raw, LT_CRYPTO_SECRET_BYTES);
		store_user_wipe(&s->user);
	}
	return st;
}

lt_status web_auth_resolve(struct web_app *app, const struct web_request *rq,
                           struct web_principal *who, char *detail, size_t cap)
{
	struct store_session s;
	unsigned char raw[LT_CRYPTO_SECRET_BYTES];
	lt_status st;

	web_principal_public(who);
	if (rq->authorization)
		return resolve_token(app, rq, who, detail, cap);
	st = session_of(app, rq, &s, raw, detail, cap);
	if (st != LT_OK)
		return st;
	if (rq->now - s.last_seen >= LT_SESSION_TOUCH_S) {
		struct lt_error err;
		lt_error_clear(&err);
		/* A failure only shortens the session's idle life: go on. */
		(void)store_session_touch(app->st, s.id, rq->now, &err);
	}
	principal_of_session(who, &s, raw);
	lt_crypto_wipe(raw, sizeof(raw));
	store_user_wipe(&s.user);
	return LT_OK;
}

/* ---- signing in and out ---------------------------------------------------------- */

/* The throttle keys of an attempt: the account as "account:" and the
 * address in ASCII lower case, and the client's address. */
static size_t account_key(const struct web_login *l, char out[LT_THROTTLE_KEY_MAX])
{
	size_t n = (size_t)snprintf(out, LT_THROTTLE_KEY_MAX, "account:");
	for (size_t i = 0; i < l->email_len && n < LT_THROTTLE_KEY_MAX; i++) {
		char c = l->email[i];
		out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	return n;
}

static lt_status audit_failure(struct web_app *app, const struct web_request *rq, int64_t user_id)
{
	char actor[64], object[32];
	struct lt_error err;
	snprintf(actor, sizeof(actor), "web:%.50s", rq->peer ? rq->peer : "unknown");
	if (user_id > 0)
		snprintf(object, sizeof(object), "user:%lld", (long long)user_id);
	else
		snprintf(object, sizeof(object), "user:unknown");
	struct store_audit_new e = {actor, "session.login_failed", object, 0, NULL};
	lt_error_clear(&err);
	return store_audit_append(app->st, &e, &err);
}

/* Revoke the session the request's cookie names, if it is live. */
static void revoke_presented(struct web_app *app, const struct web_request *rq)
{
	struct store_session s;
	unsigned char raw[LT_CRYPTO_SECRET_BYTES];
	char detail[LT_MESSAGE_MAX], actor[32];
	struct lt_error err;
	if (session_of(app, rq, &s, raw, detail, sizeof(detail)) != LT_OK)
		return;
	snprintf(actor, sizeof(actor), "user:%lld", (long long)s.user.id);
	lt_error_clear(&err);
	(void)store_session_revoke(app->st, s.id, rq->now, actor, NULL, &err);
	lt_crypto_wipe(raw, sizeof(raw));
	store_user_wipe(&s.user);
}

/*
 * Whether `lantern user unlock` asked for the account the attempt names to
 * be unlocked, taking the request if so (only one attempt takes it). Asked
 * only when the account's throttle refuses an attempt, so that a lock
 * costs a read, never a write, until an administrator lifts it.
 */
static bool unlock_taken(struct web_app *app, const struct web_login *l)
{
	struct store_user u;
	struct lt_error e;
	char email[LT_EMAIL_MAX];
	bool taken = false;
	if (l->email_len >= sizeof(email) || lt_email_check(l->email, l->email_len, NULL) != LT_OK)
		return false;
	memcpy(email, l->email, l->email_len);
	email[l->email_len] = '\0';
	lt_error_clear(&e);
	memset(&u, 0, sizeof(u));
	if (store_user_find(app->st, email, &u, &e) == LT_OK && u.unlock_requested &&
	    store_user_unlock_take(app->st, u.id, &taken, &e) != LT_OK)
		taken = false;
	store_user_wipe(&u);
	return taken;
}

lt_status web_login(struct web_app *app, const struct web_request *rq, struct web_login *l,
                    struct lt_error *err)
{
	char akey[LT_THROTTLE_KEY_MAX], pkey[80];
	size_t alen = account_key(l, akey);
	size_t plen = (size_t)snprintf(pkey, sizeof(pkey), "address:%.60s",
	                               rq->peer ? rq->peer : "unknown");
	int64_t now_ms = rq->now * 1000, wait_a = 0, wait_p = 0;
	struct store_user u;
	char email[LT_EMAIL_MAX];
	unsigned char raw[LT_CRYPTO_SECRET_BYTES], hash[LT_CRYPTO_HASH_BYTES];
	bool found = false;
	lt_status st, vst;

	memset(&u, 0, sizeof(u));
	web_principal_public(&l->who);
	l->retry_after = 0;
	l->cookie[0] = '\0';

	/* 1. Both throttles, before anything is looked up or hashed — except,
	 * when only the account's refuses, whether an administrator has asked
	 * for the account to be unlocked (`lantern user unlock`): then its
	 * failed attempts are forgotten and this attempt goes ahead. */
	lt_status tp = lt_throttle_check(app->throttle_address, pkey, plen, now_ms, &wait_p);
	lt_status ta = lt_throttle_check(app->throttle_account, akey, alen, now_ms, &wait_a);
	if (tp == LT_OK && ta != LT_OK && unlock_taken(app, l)) {
		lt_throttle_clear(app->throttle_account, akey, alen);
		ta = LT_OK;
	}
	if (tp != LT_OK || ta != LT_OK) {
		int64_t w = 0;
		if ((ta != LT_OK && wait_a < 0) || (tp != LT_OK && wait_p < 0))
			w = -1;
		else
			w = (ta != LT_OK && wait_a > wait_p) ? wait_a : wait_p;
		l->retry_after = w < 0 ? -1 : (w + 999) / 1000;
		if (l->retry_after == 0)
			l->retry_after = 1;
		st = lt_error_set(err, LT_ETHROTTLED, NULL, "too many failed attempts");
		goto out;
	}

	/* 2. The account, if the address can name one. */
	if (l->email_len < sizeof(email) && lt_email_check(l->email, l->email_len, NULL) == LT_OK) {
		memcpy(email, l->email, l->email_len);
		email[l->email_len] = '\0';
		st = store_user_find(app->st, email, &u, err);
		if (st == LT_OK)
			found = true;
		else if (st != LT_ENOTFOUND)
			goto out;
		lt_error_clear(err);
	}
	/* An unlock asked for while the account was not locked is taken now,
	 * so it cannot lie in wait and lift a lock that comes later. */
	if (found && u.unlock_requested) {
		bool taken = false;
		struct lt_error e2;
		lt_error_clear(&e2);
		if (store_user_unlock_take(app->st, u.id, &taken, &e2) == LT_OK && taken)
			lt_throttle_clear(app->throttle_account, akey, alen);
	}

	/* 3. The password, or the time of checking one. */
	size_t pwlen = l->password_len < LT_PASSWORD_MAX ? l->password_len : LT_PASSWORD_MAX;
	if (found && !u.disabled && l->password_len <= LT_PASSWORD_MAX)
		vst = lt_crypto_password_verify(u.password_hash, l->password, pwlen);
	else
		vst = lt_crypto_password_verify_none(l->password, pwlen);
	if (vst == LT_ENOMEM) {
		st = lt_error_set(err, LT_ENOMEM, NULL, "no memory to check the password");
		goto out;
	}
	if (vst != LT_OK) {
		/* 4. A failure: both throttles hear of it; the log names the account
		 * by id only. */
		lt_throttle_failure(app->throttle_address, pkey, plen, now_ms);
		lt_throttle_failure(app->throttle_account, akey, alen, now_ms);
		st = audit_failure(app, rq, found ? u.id : 0);
		if (st != LT_OK) {
			st = lt_error_set(err, st, NULL, "the failed sign-in could not be logged");
			goto out;
		}
		st = lt_error_set(err, LT_EAUTH, NULL, "wrong e-mail address or password");
		goto out;
	}

	/* 5. Success. The address throttle is left alone: one good password
	 * must not wipe the count of guesses made from the same place. */
	lt_throttle_clear(app->throttle_account, akey, alen);
	if (lt_crypto_password_needs_rehash(u.password_hash)) {
		char fresh[LT_PASSWORD_HASH_MAX];
		char actor[32];
		snprintf(actor, sizeof(actor), "user:%lld", (long long)u.id);
		if (lt_crypto_password_hash(l->password, pwlen, fresh) == LT_OK) {
			struct lt_error e2;
			lt_error_clear(&e2);
			(void)store_user_set_password(app->st, u.id, fresh, actor, &e2);
		}
		lt_crypto_wipe(fresh, sizeof(fresh));
	}
	revoke_presented(app, rq);

	int64_t id = 0, expires = rq->now + LT_SESSION_ABSOLUTE_S;
	lt_crypto_secret_new(raw, l->cookie);
	lt_crypto_session_hash(raw, hash);
	st = store_session_create(app->st, hash, u.id, rq->now, expires, &id, err);
	if (st != LT_OK) {
		lt_crypto_wipe(l->cookie, sizeof(l->cookie));
		goto out;
	}
	struct store_session s = {id, rq->now, rq->now, expires, u};
	principal_of_session(&l->who, &s, raw);
	store_user_wipe(&s.user);
out:
	lt_crypto_wipe(raw, sizeof(raw));
	lt_crypto_wipe(hash, sizeof(hash));
	lt_crypto_wipe(email, sizeof(email));
	lt_crypto_wipe(akey, sizeof(akey));
	store_user_wipe(&u);
	return st;
}

void web_login_release(struct web_login *l)
{
	web_principal_wipe(&l->who);
	lt_crypto_wipe(l->cookie, sizeof(l->cookie));
}

lt_status web_logout(struct web_app *app, const struct web_request *rq,
                     const struct web_principal *who, struct lt_error *err)
{
	LT_ASSERT(who->auth == WEB_AUTH_SESSION);
	return store_session_revoke(app->st, who->session_id, rq->now, who->actor, NULL, err);
}
