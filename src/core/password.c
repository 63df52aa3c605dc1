/*
 * password.c — the password policy of password.h.
 *
 * The common passwords are compiled in (common_passwords.inc, generated,
 * lower-case, in byte order) and searched with bsearch. Every check works on
 * a lower-cased copy of the password in a stack buffer, which is wiped
 * before returning; messages name the rule, never the password.
 */
#include "core/password.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/record.h"
#include "core/banned.h"

static const char *const common[] = {
#include "core/common_passwords.inc"
};

/* Words of the service itself (NIST's "context-specific words"). */
static const char *const service_words[] = {"lantern"};

size_t lt_password_common_count(void)
{
	return sizeof(common) / sizeof(common[0]);
}

/* A bsearch key: a word that is not NUL-terminated. */
struct word {
	const char *p;
	size_t len;
};

static int word_cmp(const void *key, const void *elem)
{
	const struct word *w = key;
	const char *e = *(const char *const *)elem;
	size_t elen = strlen(e);
	size_t n = w->len < elen ? w->len : elen;
	int c = memcmp(w->p, e, n);
	if (c)
		return c;
	return (w->len > elen) - (w->len < elen);
}

static char fold(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Search for an already lower-cased word. */
static bool common_lower(const char *w, size_t len)
{
	struct word key = {w, len};
	if (len == 0)
		return false;
	return bsearch(&key, common, lt_password_common_count(), sizeof(common[0]), word_cmp) !=
	       NULL;
}

/* Wipe memory in a way the compiler may not drop. */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}

bool lt_password_is_common(const char *word, size_t len)
{
	char buf[LT_PASSWORD_MAX];
	bool r;
	if (len == 0 || len > sizeof(buf))
		return false;
	for (size_t i = 0; i < len; i++)
		buf[i] = fold(word[i]);
	r = common_lower(buf, len);
	wipe(buf, len);
	return r;
}

static bool is_letter(unsigned char c)
{
	/* Non-ASCII bytes count as letters: only ASCII digits, spaces and
	 * punctuation are "decoration". */
	return (c >= 'a' && c <= 'z') || c >= 0x80;
}

/* The lower-cased password without leading and trailing non-letters. */
static struct word core_of(const char *low, size_t len)
{
	size_t b = 0, e = len;
	while (b < e && !is_letter((unsigned char)low[b]))
		b++;
	while (e > b && !is_letter((unsigned char)low[e - 1]))
		e--;
	return (struct word){low + b, e - b};
}

static bool word_eq(struct word w, const char *s, size_t slen)
{
	return w.len == slen && memcmp(w.p, s, slen) == 0;
}

/* Is `w` (lower case) a refused word: common, or a context word? */
static bool refused_word(struct word w, const char *local, size_t local_len, const char *email,
                         size_t email_len)
{
	if (common_lower(w.p, w.len))
		return true;
	for (size_t i = 0; i < sizeof(service_words) / sizeof(service_words[0]); i++)
		if (word_eq(w, service_words[i], strlen(service_words[i])))
			return true;
	if (local_len && word_eq(w, local, local_len))
		return true;
	if (email_len && word_eq(w, email, email_len))
		return true;
	return false;
}

static bool contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen == 0 || nlen > hlen)
		return false;
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return true;
	return false;
}

/* One character repeated, or a straight run up or down (ASCII). */
static bool is_run(const char *low, size_t len)
{
	bool same = true, up = true, down = true;
	for (size_t i = 1; i < len; i++) {
		unsigned char a = (unsigned char)low[i - 1], b = (unsigned char)low[i];
		if (a >= 0x80 || b >= 0x80)
			return false;
		same = same && b == a;
		up = up && b == a + 1;
		down = down && b + 1 == a;
	}
	return same || up || down;
}

/* The shortest unit that `low` repeats (len when it repeats none). */
static size_t period(const char *low, size_t len)
{
	for (size_t p = 1; p <= len / 2; p++) {
		if (len % p)
			continue;
		size_t i = p;
		while (i < len && low[i] == low[i - p])
			i++;
		if (i == len)
			return p;
	}
	return len;
}

static size_t count_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

lt_status lt_password_check(const char *pw, size_t len, const char *email, struct lt_error *err)
{
	char low[LT_PASSWORD_MAX];
	char mail[LT_EMAIL_MAX];
	size_t email_len = 0, local_len = 0;
	lt_status st = LT_OK;

	if (len > LT_PASSWORD_MAX)
		return lt_error_set(err, LT_ETOOBIG, "password", "a password has at most %d bytes",
		                    LT_PASSWORD_MAX);
	if (!lt_text_valid(pw, len) || memchr(pw, '\t', len) || memchr(pw, '\r', len) ||
	    memchr(pw, '\n', len))
		return lt_error_set(err, LT_EINVAL, "password",
		                    "a password is text (UTF-8) without control characters");
	if (count_chars(pw, len) < LT_PASSWORD_MIN)
		return lt_error_set(err, LT_EINVAL, "password",
		                    "a password has at least %d characters; a few unrelated words "
		                    "make a long one that is easy to remember",
		                    LT_PASSWORD_MIN);

	for (size_t i = 0; i < len; i++)
		low[i] = fold(pw[i]);
	if (email) {
		email_len = strnlen(email, sizeof(mail) - 1);
		for (size_t i = 0; i < email_len; i++)
			mail[i] = fold(email[i]);
		const char *at = memchr(mail, '@', email_len);
		local_len = at ? (size_t)(at - mail) : 0;
	}

	struct word core = core_of(low, len);
	size_t p = period(low, len);

	if (common_lower(low, len))
		st = lt_error_set(err, LT_EINVAL, "password",
		                  "that is one of the most common passwords; choose another");
	else if (core.len && refused_word(core, mail, local_len, mail, email_len))
		st = lt_error_set(err, LT_EINVAL, "password",
		                  "that is a common or easily guessed word with digits or symbols "
		                  "added; choose something less expected");
	else if (email_len && (contains(low, len, mail, email_len) ||
	                       (local_len >= 4 && contains(low, len, mail, local_len))))
		st = lt_error_set(err, LT_EINVAL, "password",
		                  "a password may not contain the account's e-mail address");
	else if (is_run(low, len))
		st = lt_error_set(err, LT_EINVAL, "password",
		                  "a password may not be one character repeated or a run such as "
		                  "'abcdef' or '123456'");
	else if (p < len) {
		struct word unit = {low, p};
		struct word ucore = core_of(low, p);
		if (p <= 3 || refused_word(unit, mail, local_len, mail, email_len) ||
		    (ucore.len && refused_word(ucore, mail, local_len, mail, email_len)))
			st = lt_error_set(err, LT_EINVAL, "password",
			                  "a password may not repeat a short or common piece");
	}
	wipe(low, len);
	wipe(mail, email_len);
	return st;
}
