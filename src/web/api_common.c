/*
 * api_common.c — the request and answer helpers every JSON API file shares
 * (api_persons.c, api_matches.c, api_pseudo.c, api_session.c): a JSON
 * answer whose text is wiped once sent, a store failure answered as a
 * problem document, the app's data keys, the {id} of a route, and the
 * query string read once and its parameters taken one at a time.
 *
 * They were copied per file before; one copy keeps the answers alike (the
 * same sentence for the same failure) and each file states only what it
 * says differently (struct web_failure_words). Nothing here logs a value.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/person.h"
#include "core/banned.h"

void web_answer_json(struct web_call *c, int status, json_t *doc)
{
	struct lt_buf b;
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	lt_buf_init(&b, LT_HTTP_PAGE_MAX);
	json_decref(doc);
	if (!text || lt_buf_puts(&b, text) != LT_OK || lt_buf_puts(&b, "\n") != LT_OK) {
		web_error(c, WEB_KIND_API, LT_ENOMEM, "The answer could not be built.", NULL);
	} else {
		web_response_body(c->rs, status, "application/json", &b);
		c->rs->outcome = LT_OK;
	}
	if (text) {
		lt_crypto_wipe(text, strlen(text)); /* personal data, or a CSRF token */
		free(text);
	}
	lt_buf_release(&b);
}

void web_answer_failure(struct web_call *c, lt_status st, const struct lt_error *err,
                        const struct lt_diags *d, const struct web_failure_words *w)
{
	char detail[LT_MESSAGE_MAX + 128];
	const char *what = w->what;
	const char *subject = w->invalid ? w->invalid : what;
	bool invalid = st == LT_EINVAL || ((st == LT_EEXIST || st == LT_ETOOBIG) &&
	                                   !(w->flags & WEB_FAILURE_EINVAL_ONLY));
	struct lt_diags one;
	lt_diags_init(&one);
	if (st == LT_ENOTFOUND) {
		snprintf(detail, sizeof(detail), "There is no such %s that you can see.", what);
	} else if (st == LT_EFORBIDDEN && w->forbidden) {
		snprintf(detail, sizeof(detail), "%s", w->forbidden);
	} else if (st == LT_EFORBIDDEN) {
		snprintf(detail, sizeof(detail), "Your role may not do that to this %s.", what);
	} else if (invalid) {
		if (!(d && d->count) && err->field[0]) {
			lt_diags_add(&one, err);
			d = &one;
		}
		if (w->flags & WEB_FAILURE_MESSAGE)
			snprintf(detail, sizeof(detail), "The %s is not valid: %s.", subject,
			         err->message);
		else
			snprintf(detail, sizeof(detail), "The %s is not valid%s%s.", subject,
			         d && d->count ? "" : ": ", d && d->count ? "" : err->message);
	} else if (st == LT_ECRYPTO && !(w->flags & WEB_FAILURE_NO_CRYPTO)) {
		if (w->crypto)
			snprintf(detail, sizeof(detail), "%s: %s", w->crypto, err->message);
		else
			snprintf(detail, sizeof(detail),
			         "The %s's personal data could not be sealed or opened: %s", what,
			         err->message);
	} else if (w->other) {
		snprintf(detail, sizeof(detail), "%s", w->other);
	} else {
		snprintf(detail, sizeof(detail), "The %s could not be stored or read.", what);
	}
	web_error(c, WEB_KIND_API, st, detail, invalid && d && d->count ? d : NULL);
	lt_diags_release(&one);
}

const struct lt_crypto_keyring *web_data_keys(struct web_call *c, const char *can)
{
	char detail[192];
	if (c->app->data_keys && c->app->data_keys->n)
		return c->app->data_keys;
	snprintf(detail, sizeof(detail),
	         "The server has no data key, so it cannot %s personal data (lantern serve "
	         "--data-key PATH; see lantern key).",
	         can);
	web_error(c, WEB_KIND_API, LT_ECRYPTO, detail, NULL);
	return NULL;
}

bool web_param_id(struct web_call *c, const char *what, int64_t *id)
{
	const char *p = c->param;
	int64_t v = 0;
	size_t n = strlen(p);
	bool ok = n > 0 && n <= 18;
	for (size_t i = 0; ok && i < n; i++) {
		ok = p[i] >= '0' && p[i] <= '9';
		v = v * 10 + (p[i] - '0');
	}
	if (ok && v > 0) {
		*id = v;
		return true;
	}
	char detail[96];
	snprintf(detail, sizeof(detail), "There is no such %s that you can see.", what);
	web_error(c, WEB_KIND_API, LT_ENOTFOUND, detail, NULL);
	return false;
}

bool web_query_parse(struct web_call *c, struct web_form *q)
{
	struct lt_error err;
	char detail[LT_MESSAGE_MAX + 64];
	lt_error_clear(&err);
	memset(q, 0, sizeof(*q));
	lt_status st = web_form_parse(c->query, strlen(c->query), q, &err);
	if (st == LT_OK)
		return true;
	snprintf(detail, sizeof(detail), "The query could not be read: %s.", err.message);
	web_error(c, WEB_KIND_API, st, detail, NULL);
	return false;
}

void web_query_bad(struct lt_diags *d, const char *name, const char *message)
{
	struct lt_error e;
	lt_error_clear(&e);
	lt_error_set(&e, LT_EINVAL, name, "%s", message);
	lt_diags_add(d, &e);
}

const char *web_query_param(const struct web_form *q, const char *name, size_t max,
                            struct lt_diags *d)
{
	const struct web_pair *p = NULL;
	size_t n = web_form_get(q, name, &p);
	if (n == 0)
		return NULL;
	if (n > 1) {
		web_query_bad(d, name, "is given more than once");
		return NULL;
	}
	if (p->value_len > max) {
		web_query_bad(d, name, "is too long");
		return NULL;
	}
	return p->value;
}

json_t *web_field_json(const struct lt_pfield *f, const void *rec, struct lt_buf *b)
{
	json_t *v = (f->flags & LT_PF_LIST) ? json_array() : NULL;
	for (size_t k = 0;; k++) {
		lt_buf_reset(b);
		if (f->emit(rec, k, b) != LT_OK)
			break;
		const char *t = b->data ? b->data : "";
		json_t *x = (f->flags & LT_PF_ID)     ? json_integer(strtoll(t, NULL, 10))
		            : (f->flags & LT_PF_BOOL) ? json_boolean(strcmp(t, "true") == 0)
		                                      : json_stringn(t, b->len);
		if (f->flags & LT_PF_LIST) {
			json_array_append_new(v, x);
		} else {
			v = x;
			break;
		}
	}
	return v ? v : json_null();
}
