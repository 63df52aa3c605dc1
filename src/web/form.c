/*
 * form.c — decoding what arrives in URLs and form bodies.
 *
 * application/x-www-form-urlencoded (the WHATWG URL standard's format, used
 * both for HTML form bodies and for query strings) is a list of name=value
 * pairs separated by '&'. In names and values '+' stands for a space and
 * "%XX" for the byte with hexadecimal value XX. lantern's decoder is stricter
 * than the standard, which passes malformed escapes through unchanged: a '%'
 * not followed by two hex digits is an error, and so is an escape that
 * decodes to NUL, so that every decoded name and value is a clean C string
 * and nothing downstream has to think about embedded NULs. Whether the bytes
 * are valid UTF-8 is left to the field parsers (lt_text_valid), which know
 * which fields are free text.
 *
 * The number of pairs is capped at LT_HTTP_FORM_FIELDS_MAX; the total size is
 * already capped by the body limit (LT_HTTP_BODY_MAX) or the URL limit.
 *
 * Memory: the decoded text of all pairs lives in one heap block (`store`),
 * never longer than the input plus one NUL per name and value; `pairs`
 * points into it. web_form_release wipes the block (form values can be
 * personal data) and frees both.
 */
#include "web/web_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/banned.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode [s, s+len) into `out` (which has room for len bytes), '+' becoming
 * a space when `plus` is set. Sets *outlen. LT_EPARSE on a bad or NUL escape.
 */
static lt_status decode(const char *s, size_t len, bool plus, char *out, size_t *outlen)
{
	size_t j = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			if (len - i < 3)
				return LT_EPARSE;
			int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return LT_EPARSE;
			c = (char)(hi * 16 + lo);
			if (c == '\0')
				return LT_EPARSE;
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		} else if (c == '\0') {
			return LT_EPARSE;
		}
		out[j++] = c;
	}
	*outlen = j;
	return LT_OK;
}

lt_status web_form_parse(const char *s, size_t len, struct web_form *out, struct lt_error *err)
{
	lt_status st = LT_OK;
	size_t npairs = 0;

	memset(out, 0, sizeof(*out));
	/* Count the non-empty pairs first, so the array is allocated once. */
	for (size_t i = 0; i < len;) {
		const char *amp = memchr(s + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - s) : len;
		if (end > i)
			npairs++;
		i = end + 1;
	}
	if (npairs > LT_HTTP_FORM_FIELDS_MAX) {
		st = lt_error_set(err, LT_ETOOBIG, NULL, "more than %d fields were sent",
		                  LT_HTTP_FORM_FIELDS_MAX);
		goto out;
	}
	if (npairs == 0)
		goto out;

	out->pairs = calloc(npairs, sizeof(*out->pairs));
	/* Decoding never lengthens text; each pair needs two NULs. */
	out->store_len = len + 2 * npairs;
	out->store = malloc(out->store_len);
	if (!out->pairs || !out->store) {
		st = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
		goto out;
	}

	char *w = out->store;
	for (size_t i = 0; i < len;) {
		const char *amp = memchr(s + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - s) : len;
		if (end > i) {
			const char *p = s + i;
			size_t plen = end - i;
			const char *eq = memchr(p, '=', plen);
			size_t nlen = eq ? (size_t)(eq - p) : plen;
			struct web_pair *pr = &out->pairs[out->count];

			pr->name = w;
			if (decode(p, nlen, true, w, &pr->name_len) != LT_OK)
				goto bad;
			w += pr->name_len;
			*w++ = '\0';
			pr->value = w;
			if (eq) {
				if (decode(eq + 1, plen - nlen - 1, true, w, &pr->value_len) !=
				    LT_OK)
					goto bad;
			} else {
				pr->value_len = 0;
			}
			w += pr->value_len;
			*w++ = '\0';
			out->count++;
		}
		i = end + 1;
	}
	goto out;

bad:
	st = lt_error_set(err, LT_EPARSE, NULL,
	                  "a '%%' escape is malformed or encodes a NUL byte (field %zu)",
	                  out->count + 1);
out:
	if (st != LT_OK)
		web_form_release(out);
	return st;
}

void web_form_release(struct web_form *f)
{
	/* Form values can be personal data: wipe them. */
	if (f->store)
		lt_crypto_wipe(f->store, f->store_len);
	free(f->pairs);
	free(f->store);
	memset(f, 0, sizeof(*f));
}

size_t web_form_get(const struct web_form *f, const char *name, const struct web_pair **first)
{
	size_t n = 0;
	if (first)
		*first = NULL;
	for (size_t i = 0; i < f->count; i++) {
		if (strcmp(f->pairs[i].name, name) != 0)
			continue;
		if (n == 0 && first)
			*first = &f->pairs[i];
		n++;
	}
	return n;
}

lt_status web_path_decode(const char *s, size_t len, char *out, size_t cap)
{
	size_t n;
	if (len >= cap)
		return LT_ETOOBIG;
	if (decode(s, len, false, out, &n) != LT_OK)
		return LT_EPARSE;
	out[n] = '\0';
	return LT_OK;
}

bool web_content_type_is(const char *content_type, const char *type)
{
	if (!content_type)
		return false;
	const char *p = content_type;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strlen(type);
	if (strncasecmp(p, type, n) != 0)
		return false;
	p += n;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' || *p == ';';
}
