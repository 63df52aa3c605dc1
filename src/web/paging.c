/*
 * paging.c — how every list of the API is paged.
 *
 * One convention for every list under /api/v1/, so that a client pages
 * through any of them with the same loop:
 *
 *   GET /api/v1/reports?limit=50
 *   200 {"items": [...], "next": "cmVwb3J0czozMDc"}
 *       Link: </api/v1/reports?limit=50&cursor=cmVwb3J0czozMDc>; rel="next"
 *   GET /api/v1/reports?limit=50&cursor=cmVwb3J0czozMDc
 *   200 {"items": [...], "next": null}                (the last page: no Link)
 *
 *   - `limit` is how many items a page holds: 1 to LT_API_PAGE_MAX,
 *     LT_API_PAGE_DEFAULT when it is not given. A page may hold fewer
 *     (the last one, or one the caller's scope thins out).
 *   - `cursor` is opaque: the `next` of the page before, passed on as it
 *     is. It is keyset pagination — the cursor carries the key of the last
 *     item given (for reports, its id; lists are in descending key order,
 *     newest first) and the next page starts below it — so a page costs
 *     the same however deep it is, and records added meanwhile neither
 *     shift a page nor appear twice.
 *   - A bad `limit` or `cursor`, one given twice, or a parameter the list
 *     does not take is 400 (urn:lantern:problem:invalid) with an `errors`
 *     entry naming the parameter.
 *
 * A cursor is unpadded base64url of "<list>:<key>" ("reports:307"), in its
 * canonical spelling only. It is not signed: it chooses where a page starts
 * and nothing else — which records a caller may see is decided again on
 * every page from its role and scope — so a forged cursor can only skip
 * ahead in what the caller may see anyway. Not signing it keeps cursors
 * working across restarts of the server. The list's name inside it keeps
 * one list's cursor from being taken for another's.
 *
 * The Link header (RFC 8288) repeats the request's other parameters, as
 * decoded and encoded again, with limit and cursor. A header value has at
 * most WEB_HEADER_VALUE_MAX - 1 bytes; a link longer than that is left
 * out, and `next` in the body is always there.
 */
#include "web/web_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

/* Add an error for parameter `name` to `d`. */
static void param_error(struct lt_diags *d, const char *name, const char *message)
{
	struct lt_error e;
	lt_error_clear(&e);
	lt_error_set(&e, LT_EINVAL, name, "%s", message);
	lt_diags_add(d, &e);
}

/* A decimal integer of 1..INT64_MAX in its one spelling: digits, no sign,
 * no leading zero. */
static bool key_parse(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;
	if (len == 0 || len > 19 || s[0] == '0')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		int digit = s[i] - '0';
		if (v > (INT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*out = v;
	return true;
}

/* The key of `text`, a cursor of `list`: true with *key when it is one. */
static bool cursor_parse(const char *list, const char *text, size_t len, int64_t *key)
{
	char raw[LT_API_CURSOR_MAX];
	size_t n, llen = strlen(list);

	/* Unpadded base64url: 4 characters for every 3 bytes; a remainder of
	 * one character is never a spelling of anything. */
	if (len == 0 || len > LT_API_CURSOR_MAX || len % 4 == 1)
		return false;
	n = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (!lt_crypto_base64url_decode(raw, n, text, len))
		return false;
	return n > llen + 1 && memcmp(raw, list, llen) == 0 && raw[llen] == ':' &&
	       key_parse(raw + llen + 1, n - llen - 1, key);
}

void web_paging_cursor(const char *list, int64_t key, char out[WEB_CURSOR_SIZE])
{
	char raw[LT_API_CURSOR_MAX];
	int n;

	LT_ASSERT(key > 0);
	n = snprintf(raw, sizeof(raw), "%s:%lld", list, (long long)key);
	/* base64url makes 4 characters of every 3 bytes. */
	LT_ASSERT(n > 0 && ((size_t)n + 2) / 3 * 4 <= LT_API_CURSOR_MAX);
	LT_ASSERT(lt_crypto_base64url(out, WEB_CURSOR_SIZE, raw, (size_t)n) > 0);
}

lt_status web_paging_parse(const struct web_form *q, const char *list, const char *const *also,
                           struct web_paging *pg, struct lt_diags *d)
{
	size_t before = lt_diags_total(d);
	const struct web_pair *p;
	char msg[LT_MESSAGE_MAX];

	pg->limit = LT_API_PAGE_DEFAULT;
	pg->after = 0;
	for (size_t i = 0; i < q->count; i++) {
		const char *name = q->pairs[i].name;
		bool known = strcmp(name, "limit") == 0 || strcmp(name, "cursor") == 0;
		for (size_t k = 0; !known && also && also[k]; k++)
			known = strcmp(name, also[k]) == 0;
		char quoted[LT_CODE_MAX];
		lt_error_quote(quoted, sizeof(quoted), name, q->pairs[i].name_len,
		               sizeof(quoted) - 8);
		if (!known) {
			char expected[LT_MESSAGE_MAX / 2] = "limit, cursor";
			size_t at = strlen(expected);
			for (size_t k = 0; also && also[k] && at < sizeof(expected); k++)
				at += (size_t)snprintf(expected + at, sizeof(expected) - at, ", %s",
				                       also[k]);
			snprintf(msg, sizeof(msg), "is not a parameter of this list (%s)", expected);
			param_error(d, quoted, msg);
		} else if (web_form_get(q, name, NULL) > 1) {
			/* Said once, at the first of the repeats. */
			bool first = true;
			for (size_t k = 0; k < i && first; k++)
				first = strcmp(q->pairs[k].name, name) != 0;
			if (first)
				param_error(d, quoted, "was given more than once");
		}
	}
	if (web_form_get(q, "limit", &p) == 1) {
		int64_t v = 0;
		if (!key_parse(p->value, p->value_len, &v) || v > LT_API_PAGE_MAX) {
			snprintf(msg, sizeof(msg), "must be a whole number from 1 to %d (default %d)",
			         LT_API_PAGE_MAX, LT_API_PAGE_DEFAULT);
			param_error(d, "limit", msg);
		} else {
			pg->limit = (size_t)v;
		}
	}
	if (web_form_get(q, "cursor", &p) == 1 &&
	    !cursor_parse(list, p->value, p->value_len, &pg->after))
		param_error(d, "cursor",
		            "is not a cursor of this list: pass the \"next\" of the page before "
		            "as it is");
	return lt_diags_total(d) == before ? LT_OK : LT_EINVAL;
}

/* Append `len` bytes of `s` to `out` (capacity `cap`, at `*at`)
 * percent-encoded: every byte but the unreserved ones of RFC 3986. False
 * when it does not fit. */
static bool link_put(char *out, size_t cap, size_t *at, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		             (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
		             ch == '~';
		if (*at + (plain ? 1 : 3) >= cap)
			return false;
		if (plain) {
			out[(*at)++] = (char)ch;
		} else {
			out[(*at)++] = '%';
			out[(*at)++] = hex[ch >> 4];
			out[(*at)++] = hex[ch & 15];
		}
	}
	out[*at] = '\0';
	return true;
}

/* The Link header of the next page into `out`; false when it is too long. */
static bool next_link(const struct web_call *c, const struct web_form *q,
                      const struct web_paging *pg, const char *cursor, char *out, size_t cap)
{
	size_t at = 0;
	char tail[WEB_CURSOR_SIZE + 48];
	int n;

	if (cap < 2)
		return false;
	out[at++] = '<';
	/* The path as decoded, encoded again; its slashes stay. */
	for (const char *s = c->path; *s; s++) {
		if (*s == '/' && at + 1 < cap)
			out[at++] = '/';
		else if (*s == '/' || !link_put(out, cap, &at, s, 1))
			return false;
	}
	if (at + 1 >= cap)
		return false;
	out[at++] = '?';
	for (size_t i = 0; i < q->count; i++) {
		const struct web_pair *p = &q->pairs[i];
		if (strcmp(p->name, "limit") == 0 || strcmp(p->name, "cursor") == 0)
			continue;
		if (!link_put(out, cap, &at, p->name, p->name_len) || at + 1 >= cap)
			return false;
		out[at++] = '=';
		if (!link_put(out, cap, &at, p->value, p->value_len) || at + 1 >= cap)
			return false;
		out[at++] = '&';
	}
	n = snprintf(tail, sizeof(tail), "limit=%zu&cursor=%s>; rel=\"next\"", pg->limit, cursor);
	if (n < 0 || (size_t)n >= sizeof(tail) || at + (size_t)n >= cap)
		return false;
	memcpy(out + at, tail, (size_t)n + 1);
	return true;
}

void web_paging_answer(struct web_call *c, const char *list, const struct web_form *q,
                       const struct web_paging *pg, json_t *items, bool more, int64_t last)
{
	char cursor[WEB_CURSOR_SIZE];
	char link[WEB_HEADER_VALUE_MAX];
	struct lt_buf b;
	char *text = NULL;
	json_t *doc = NULL;

	lt_buf_init(&b, LT_HTTP_PAGE_MAX);
	if (!items)
		goto fail;
	if (more)
		web_paging_cursor(list, last, cursor);
	/* "s?" packs NULL as null: the last page's next. */
	doc = json_pack("{s:O, s:s?}", "items", items, "next", more ? cursor : NULL);
	if (!doc)
		goto fail;
	text = json_dumps(doc, JSON_COMPACT);
	if (!text || lt_buf_puts(&b, text) != LT_OK || lt_buf_puts(&b, "\n") != LT_OK)
		goto fail;
	web_response_body(c->rs, 200, "application/json", &b);
	c->rs->outcome = LT_OK;
	if (more && next_link(c, q, pg, cursor, link, sizeof(link)))
		web_response_header(c->rs, "Link", link);
	goto out;
fail:
	web_error(c, WEB_KIND_API, LT_ENOMEM, "The page could not be built.", NULL);
out:
	free(text);
	json_decref(doc);
	json_decref(items);
	lt_buf_release(&b);
}
