/*
 * staff.c — the pages of signed-in staff: signing in, who you are, signing
 * out. Plain HTML forms that need no JavaScript, like the public page.
 *
 *   GET  /login   The sign-in form: e-mail address (autocomplete=username),
 *                 password (current-password), a hidden token. Sets the login
 *                 cookie (a random nonce) unless the browser has one; the
 *                 token is signed over that nonce (auth.c), so a form posted
 *                 from another site — which carries no SameSite=Strict cookie
 *                 — is refused: nobody can sign a victim into an attacker's
 *                 account (login CSRF).
 *   POST /login   Signs in (web_login, on the worker pool). Success: 303 to
 *                 /staff with the session cookie. Failure: the form again with
 *                 the address kept, never the password, and one message for
 *                 every cause — wrong password, unknown or disabled account —
 *                 so the page does not tell which accounts exist (401); 429
 *                 with Retry-After while a throttle says wait; 403 with a
 *                 fresh form when the token was refused.
 *   GET  /staff   Who is signed in (address, agency, role), when the session
 *                 ends, and a sign-out button. Without a session: 303 to
 *                 /login (web_handle).
 *   POST /logout  Ends the session (the session's CSRF token required),
 *                 clears the cookie, 303 to /login.
 *
 * Accessibility follows the public form: a label for every control, an
 * error summary with role="alert" at the top whose link leads to the field,
 * the error repeated beside the field and tied to it by aria-describedby,
 * and a title starting "Error: " when there is one.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/banned.h"

/* Why the sign-in form is shown again. */
enum login_problem {
	LOGIN_OK,        /* a fresh form */
	LOGIN_WRONG,     /* the address or the password is wrong */
	LOGIN_WAIT,      /* too many failed attempts: wait */
	LOGIN_LOCKED,    /* too many failed attempts: ask an administrator */
	LOGIN_EXPIRED,   /* the form's token was refused */
	LOGIN_SIGNED_OUT /* not a problem: just signed out */
};

static const char *login_message(enum login_problem p)
{
	switch (p) {
	case LOGIN_WRONG:
		return "The e-mail address or the password is not right, or the account cannot "
		       "sign in. Check them and try again.";
	case LOGIN_WAIT:
		return "There have been too many failed attempts to sign in. Wait a little, then "
		       "try again.";
	case LOGIN_LOCKED:
		return "There have been too many failed attempts to sign in. Ask your agency's "
		       "administrator for help.";
	case LOGIN_EXPIRED:
		return "The sign-in form had expired. Sign in again.";
	default:
		return "";
	}
}

/* Answer with the sign-in page: the form (the address kept when given), a
 * token bound to the request's login nonce (set as a cookie when new), and
 * the problem if any. */
static void login_page(struct web_call *c, int status, enum login_problem problem,
                       const char *email)
{
	struct lt_buf b;
	unsigned char nonce[LT_CRYPTO_SECRET_BYTES];
	char token[WEB_FORM_TOKEN_SIZE];
	bool error = problem != LOGIN_OK && problem != LOGIN_SIGNED_OUT;
	const char *msg = login_message(problem);
	lt_status st;

	web_login_nonce(c->app, c->rq, c->rs, nonce);
	web_form_token(c->app, WEB_FORM_LOGIN, nonce, c->rq->now, token);
	lt_crypto_wipe(nonce, sizeof(nonce));

	lt_buf_init(&b, LT_HTTP_PAGE_MAX);
	st = web_html_open(&b, error ? "Error: Sign in" : "Sign in", false);
	if (st == LT_OK)
		st = lt_buf_puts(&b, "<h1>Sign in</h1>\n");
	if (st == LT_OK && problem == LOGIN_SIGNED_OUT)
		st = lt_buf_puts(&b, "<p role=\"status\">You have signed out.</p>\n");
	if (st == LT_OK && error) {
		st = lt_buf_puts(&b, "<div class=\"error-summary\" role=\"alert\" "
		                     "aria-labelledby=\"error-summary-title\">\n"
		                     "<h2 id=\"error-summary-title\">There is a problem</h2>\n"
		                     "<ul>\n<li><a href=\"#email\">");
		if (st == LT_OK)
			st = web_html_puts(&b, msg);
		if (st == LT_OK)
			st = lt_buf_puts(&b, "</a></li>\n</ul>\n</div>\n");
	}
	if (st == LT_OK)
		st = lt_buf_puts(&b, "<p>For staff of the partner agencies. To tell us about a concern, "
		                     "use the <a href=\"/\">public report form</a>: it needs no "
		                     "account.</p>\n"
		                     "<form method=\"post\" action=\"/login\" accept-charset=\"utf-8\">\n");
	if (st == LT_OK)
		st = lt_buf_printf(&b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n", token);
	if (st == LT_OK)
		st = lt_buf_printf(&b, "<div class=\"field%s\">\n<label for=\"email\">E-mail "
		                       "address</label>\n",
		                   error ? " field-error" : "");
	if (st == LT_OK && error) {
		st = lt_buf_puts(&b, "<p class=\"error-message\" id=\"email-error\"><span "
		                     "class=\"visually-hidden\">Error: </span>");
		if (st == LT_OK)
			st = web_html_puts(&b, msg);
		if (st == LT_OK)
			st = lt_buf_puts(&b, "</p>\n");
	}
	if (st == LT_OK)
		st = lt_buf_printf(&b, "<input type=\"email\" id=\"email\" name=\"email\" "
		                       "autocomplete=\"username\" spellcheck=\"false\" required%s "
		                       "value=\"",
		                   error ? " aria-describedby=\"email-error\"" : "");
	if (st == LT_OK)
		st = web_html_puts(&b, email ? email : "");
	if (st == LT_OK)
		st = lt_buf_puts(&b, "\">\n</div>\n"
		                     "<div class=\"field\">\n<label for=\"password\">Password</label>\n"
		                     "<input type=\"password\" id=\"password\" name=\"password\" "
		                     "autocomplete=\"current-password\" required>\n</div>\n"
		                     "<button type=\"submit\">Sign in</button>\n</form>\n");
	if (st == LT_OK)
		st = web_html_close(&b);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_PAGE, LT_EINTERNAL, "The page could not be built.", NULL);
		goto out;
	}
	web_response_body(c->rs, status, "text/html; charset=utf-8", &b);
	c->rs->outcome = status == 200 ? LT_OK
	                 : status == 401 ? LT_EAUTH
	                 : status == 429 ? LT_ETHROTTLED
	                                 : LT_EFORBIDDEN;
	if (status == 401)
		web_response_header(c->rs, "WWW-Authenticate", "Bearer realm=\"lantern\"");
out:
	lt_buf_release(&b);
}

void web_page_login(struct web_call *c)
{
	struct web_form q = {0};
	struct lt_error err;
	const struct web_pair *p;
	enum login_problem why = LOGIN_OK;
	lt_error_clear(&err);
	if (web_form_parse(c->query, strlen(c->query), &q, &err) == LT_OK &&
	    web_form_get(&q, "signed_out", &p) == 1)
		why = LOGIN_SIGNED_OUT;
	web_form_release(&q);
	login_page(c, 200, why, NULL);
}

void web_page_login_refused(struct web_call *c, const struct web_form *form)
{
	const struct web_pair *email = NULL;
	char kept[LT_EMAIL_MAX] = "";
	if (web_form_get(form, "email", &email) == 1 && email->value_len < sizeof(kept))
		memcpy(kept, email->value, email->value_len + 1);
	login_page(c, 403, LOGIN_EXPIRED, kept);
}

void web_page_login_post(struct web_call *c)
{
	struct web_form form = {0};
	struct web_login l;
	struct lt_error err;
	const struct web_pair *email = NULL, *password = NULL;
	char kept[LT_EMAIL_MAX] = "";
	lt_status st;

	memset(&l, 0, sizeof(l));
	lt_error_clear(&err);
	/* web_handle has checked the content type, the encoding and the token. */
	st = web_form_parse(c->rq->body ? c->rq->body : "", c->rq->body_len, &form, &err);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_PAGE, st, "The form could not be read.", NULL);
		goto out;
	}
	if (web_form_get(&form, "email", &email) == 1 && email->value_len < sizeof(kept))
		memcpy(kept, email->value, email->value_len + 1);
	if (web_form_get(&form, "email", &email) != 1 ||
	    web_form_get(&form, "password", &password) != 1) {
		login_page(c, 401, LOGIN_WRONG, kept);
		goto out;
	}
	l.email = email->value;
	l.email_len = email->value_len;
	l.password = password->value;
	l.password_len = password->value_len;
	st = web_login(c->app, c->rq, &l, &err);
	if (st == LT_ETHROTTLED) {
		login_page(c, 429, l.retry_after < 0 ? LOGIN_LOCKED : LOGIN_WAIT, kept);
		if (l.retry_after >= 0) {
			char after[32];
			snprintf(after, sizeof(after), "%lld", (long long)l.retry_after);
			web_response_header(c->rs, "Retry-After", after);
		}
		goto out;
	}
	if (st == LT_EAUTH) {
		login_page(c, 401, LOGIN_WRONG, kept);
		goto out;
	}
	if (st != LT_OK) {
		web_error(c, WEB_KIND_PAGE, st, "Signing in failed. Try again later.", NULL);
		goto out;
	}
	struct lt_buf b;
	lt_buf_init(&b, 256);
	if (lt_buf_puts(&b, "Signed in: /staff\n") == LT_OK)
		web_response_body(c->rs, 303, "text/plain; charset=utf-8", &b);
	else
		c->rs->status = 303;
	lt_buf_release(&b);
	c->rs->outcome = LT_OK;
	web_response_header(c->rs, "Location", "/staff");
	web_cookie_set(c->app, c->rs, web_session_cookie_name(c->app), l.cookie, 0);
	web_cookie_set(c->app, c->rs, web_login_cookie_name(c->app), NULL, 0);
out:
	web_login_release(&l);
	lt_crypto_wipe(kept, sizeof(kept));
	web_form_release(&form); /* wipes the password with the rest */
}

void web_page_staff(struct web_call *c)
{
	const struct web_principal *who = c->who;
	struct lt_buf b;
	char ends[40];
	struct tm tm;
	time_t t = (time_t)who->session_expires;
	lt_status st;

	if (!gmtime_r(&t, &tm) || strftime(ends, sizeof(ends), "%H:%M UTC on %d %B %Y", &tm) == 0)
		snprintf(ends, sizeof(ends), "the end of the day");
	lt_buf_init(&b, LT_HTTP_PAGE_MAX);
	st = web_html_open(&b, "Signed in", false);
	if (st == LT_OK)
		st = lt_buf_puts(&b, "<h1>Signed in</h1>\n<dl class=\"signed-in\">\n<dt>E-mail "
		                     "address</dt>\n<dd>");
	if (st == LT_OK)
		st = web_html_puts(&b, who->email);
	if (st == LT_OK)
		st = lt_buf_puts(&b, "</dd>\n<dt>Agency</dt>\n<dd>");
	if (st == LT_OK)
		st = web_html_puts(&b, who->agency);
	if (st == LT_OK)
		st = lt_buf_puts(&b, "</dd>\n<dt>Role</dt>\n<dd>");
	if (st == LT_OK)
		st = web_html_puts(&b, lt_vocab_term(&lt_vocab_role, (size_t)who->p.role)->label);
	if (st == LT_OK)
		st = lt_buf_printf(&b,
		                   "</dd>\n</dl>\n<p>You will be signed out after %d minutes without "
		                   "using lantern, and at %s at the latest.</p>\n"
		                   "<form method=\"post\" action=\"/logout\">\n"
		                   "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
		                   "<button type=\"submit\">Sign out</button>\n</form>\n",
		                   LT_SESSION_IDLE_S / 60, ends, who->csrf);
	if (st == LT_OK)
		st = web_html_close(&b);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_PAGE, LT_EINTERNAL, "The page could not be built.", NULL);
		goto out;
	}
	web_response_body(c->rs, 200, "text/html; charset=utf-8", &b);
	c->rs->outcome = LT_OK;
out:
	lt_buf_release(&b);
}

void web_page_logout(struct web_call *c)
{
	struct lt_error err;
	struct lt_buf b;
	lt_error_clear(&err);
	lt_status st = web_logout(c->app, c->rq, c->who, &err);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_PAGE, st, "You could not be signed out. Try again.", NULL);
		return;
	}
	lt_buf_init(&b, 256);
	if (lt_buf_puts(&b, "Signed out: /login\n") == LT_OK)
		web_response_body(c->rs, 303, "text/plain; charset=utf-8", &b);
	else
		c->rs->status = 303;
	lt_buf_release(&b);
	c->rs->outcome = LT_OK;
	web_response_header(c->rs, "Location", "/login?signed_out=1");
	web_cookie_set(c->app, c->rs, web_session_cookie_name(c->app), NULL, 0);
}
