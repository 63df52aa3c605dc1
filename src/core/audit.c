/*
 * audit.c — canonical encodings of audit entries and checkpoint
 * statements, and the checkpoint line handed to partners (formats in
 * audit.h).
 *
 * Everything here is a pure function of its arguments. The encodings are
 * frozen: a hash or a signature written by one version of lantern must
 * verify with every later one, so a new field means a new format tag
 * ("LTA2"), never a change to "LTA1".
 *
 * The checkpoint line parser reads a fixed, flat JSON object: no nesting, no
 * escapes (no value it carries needs one), no duplicate or unknown members.
 * It is stricter than JSON on purpose: a partner's file either holds exactly
 * what `lantern audit checkpoint` printed or it is refused with the reason.
 */
#include "core/audit.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

const unsigned char lt_audit_genesis[LT_AUDIT_HASH_BYTES] = {0};

/* ---- encoding ------------------------------------------------------------ */

static lt_status put_u32(struct lt_buf *out, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 8), (unsigned char)v};
	return lt_buf_append(out, b, sizeof(b));
}

static lt_status put_i64(struct lt_buf *out, int64_t v)
{
	uint64_t u = (uint64_t)v;
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (56 - 8 * i));
	return lt_buf_append(out, b, sizeof(b));
}

static lt_status put_str(struct lt_buf *out, const char *s)
{
	size_t n = strlen(s);
	LT_ASSERT(n <= UINT32_MAX);
	lt_status st = put_u32(out, (uint32_t)n);
	return st == LT_OK ? lt_buf_append(out, s, n) : st;
}

static lt_status put_byte(struct lt_buf *out, unsigned char b)
{
	return lt_buf_append(out, &b, 1);
}

lt_status lt_audit_entry_encode(const struct lt_audit_fields *f, struct lt_buf *out)
{
	lt_status st;
	LT_ASSERT(f && f->at && f->actor && f->action && f->object);
	if ((st = lt_buf_append(out, "LTA1", 4)) != LT_OK || (st = put_i64(out, f->id)) != LT_OK ||
	    (st = put_str(out, f->at)) != LT_OK || (st = put_str(out, f->actor)) != LT_OK ||
	    (st = put_str(out, f->action)) != LT_OK || (st = put_str(out, f->object)) != LT_OK)
		return st;
	if (f->person != 0) {
		if ((st = put_byte(out, 1)) != LT_OK || (st = put_i64(out, f->person)) != LT_OK)
			return st;
	} else if ((st = put_byte(out, 0)) != LT_OK) {
		return st;
	}
	if (f->purpose && f->purpose[0]) {
		if ((st = put_byte(out, 1)) != LT_OK || (st = put_str(out, f->purpose)) != LT_OK)
			return st;
	} else if ((st = put_byte(out, 0)) != LT_OK) {
		return st;
	}
	return LT_OK;
}

lt_status lt_audit_statement_encode(const struct lt_audit_checkpoint *c, struct lt_buf *out)
{
	lt_status st;
	size_t at_len = strnlen(c->signed_at, sizeof(c->signed_at));
	LT_ASSERT(at_len < sizeof(c->signed_at));
	if ((st = lt_buf_append(out, "LTC1", 4)) != LT_OK ||
	    (st = put_i64(out, c->entry_id)) != LT_OK ||
	    (st = lt_buf_append(out, c->entry_hash, sizeof(c->entry_hash))) != LT_OK ||
	    (st = put_str(out, c->signed_at)) != LT_OK ||
	    (st = lt_buf_append(out, c->public_key, sizeof(c->public_key))) != LT_OK)
		return st;
	return LT_OK;
}

/* ---- hex and times ---------------------------------------------------------- */

void lt_audit_hex(const unsigned char *bin, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode exactly 2n hex digits; false when the length or a digit is wrong. */
static bool unhex(const char *s, size_t len, unsigned char *out, size_t n)
{
	if (len != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

bool lt_audit_time_valid(const char *s, size_t len)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	if (len != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return false;
	}
	return true;
}

/* ---- the checkpoint line ---------------------------------------------------- */

lt_status lt_audit_checkpoint_format(const struct lt_audit_checkpoint *c, struct lt_buf *out)
{
	char hash[2 * LT_AUDIT_HASH_BYTES + 1], pk[2 * LT_AUDIT_KEY_BYTES + 1];
	char sig[2 * LT_AUDIT_SIGNATURE_BYTES + 1];
	lt_audit_hex(c->entry_hash, sizeof(c->entry_hash), hash);
	lt_audit_hex(c->public_key, sizeof(c->public_key), pk);
	lt_audit_hex(c->signature, sizeof(c->signature), sig);
	return lt_buf_printf(out,
			     "{\"entry\":%lld,\"hash\":\"%s\",\"at\":\"%.*s\",\"public_key\":\"%s\","
			     "\"signature\":\"%s\"}\n",
			     (long long)c->entry_id, hash,
			     (int)strnlen(c->signed_at, sizeof(c->signed_at)), c->signed_at, pk, sig);
}

struct cursor {
	const char *p, *end;
};

static void skip_blanks(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

static bool take(struct cursor *c, char ch)
{
	skip_blanks(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* A string without escapes or control characters: *s and *len its contents. */
static bool take_string(struct cursor *c, const char **s, size_t *len)
{
	if (!take(c, '"'))
		return false;
	const char *start = c->p;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\' || (unsigned char)*c->p < 0x20)
			return false;
		c->p++;
	}
	if (c->p == c->end)
		return false;
	*s = start;
	*len = (size_t)(c->p - start);
	c->p++;
	return true;
}

/* A positive decimal integer without sign, leading zeros or exponent. */
static bool take_positive(struct cursor *c, int64_t *v)
{
	skip_blanks(c);
	if (c->p == c->end || *c->p < '1' || *c->p > '9')
		return false;
	int64_t x = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		int d = *c->p - '0';
		if (x > (INT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
		c->p++;
	}
	*v = x;
	return true;
}

enum { M_ENTRY, M_HASH, M_AT, M_PUBLIC_KEY, M_SIGNATURE, M_COUNT };
static const char *const member_names[M_COUNT] = {"entry", "hash", "at", "public_key",
						  "signature"};

lt_status lt_audit_checkpoint_parse(const char *line, size_t len, struct lt_audit_checkpoint *out,
				    struct lt_error *err)
{
	struct cursor c = {line, line + len};
	bool seen[M_COUNT] = {false};
	memset(out, 0, sizeof(*out));

	if (len > LT_AUDIT_LINE_MAX)
		return lt_error_set(err, LT_EPARSE, NULL, "a checkpoint line is at most %d bytes",
				    LT_AUDIT_LINE_MAX);
	if (!take(&c, '{'))
		return lt_error_set(err, LT_EPARSE, NULL, "a checkpoint line is a JSON object");
	for (size_t k = 0; k < M_COUNT; k++) {
		const char *name, *s;
		size_t name_len, slen;
		int m;
		if (k > 0 && !take(&c, ','))
			return lt_error_set(err, LT_EPARSE, NULL,
					    "a checkpoint has the members entry, hash, at, public_key "
					    "and signature, each once");
		if (!take_string(&c, &name, &name_len) || !take(&c, ':'))
			return lt_error_set(err, LT_EPARSE, NULL, "expected a member name and ':'");
		for (m = 0; m < M_COUNT; m++)
			if (strlen(member_names[m]) == name_len &&
			    memcmp(member_names[m], name, name_len) == 0)
				break;
		if (m == M_COUNT || seen[m])
			return lt_error_set(err, LT_EPARSE, NULL, "%s member '%.*s'",
					    m == M_COUNT ? "unknown" : "repeated",
					    (int)(name_len > 20 ? 20 : name_len), name);
		seen[m] = true;
		if (m == M_ENTRY) {
			if (!take_positive(&c, &out->entry_id))
				return lt_error_set(err, LT_EPARSE, "entry",
						    "entry must be a positive whole number");
			continue;
		}
		if (!take_string(&c, &s, &slen))
			return lt_error_set(err, LT_EPARSE, member_names[m], "%s must be a string",
					    member_names[m]);
		bool ok;
		switch (m) {
		case M_HASH:
			ok = unhex(s, slen, out->entry_hash, sizeof(out->entry_hash));
			break;
		case M_PUBLIC_KEY:
			ok = unhex(s, slen, out->public_key, sizeof(out->public_key));
			break;
		case M_SIGNATURE:
			ok = unhex(s, slen, out->signature, sizeof(out->signature));
			break;
		default: /* M_AT */
			ok = lt_audit_time_valid(s, slen);
			if (ok) {
				memcpy(out->signed_at, s, slen);
				out->signed_at[slen] = '\0';
			}
			break;
		}
		if (!ok)
			return lt_error_set(err, LT_EPARSE, member_names[m], "%s is not %s",
					    member_names[m],
					    m == M_AT ? "a time YYYY-MM-DDTHH:MM:SS.sssZ"
					    : m == M_SIGNATURE ? "128 hex digits"
							       : "64 hex digits");
	}
	if (!take(&c, '}'))
		return lt_error_set(err, LT_EPARSE, NULL,
				    "a checkpoint has the members entry, hash, at, public_key and "
				    "signature, each once");
	skip_blanks(&c);
	if (c.p != c.end)
		return lt_error_set(err, LT_EPARSE, NULL, "text after the checkpoint's closing '}'");
	return LT_OK;
}
