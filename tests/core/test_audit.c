/*
 * test_audit.c — unit tests of src/core/audit.{h,c}: the canonical bytes
 * that the audit chain hashes and checkpoints sign, and the checkpoint line
 * handed to partners.
 *
 * The encodings are frozen: a chain written today must verify with every
 * later lantern. So the expected bytes below are written out field by field
 * from the format in audit.h (and were cross-checked with an independent
 * encoder in Python); a test failing here means the format changed, which
 * is never allowed for "LTA1" or "LTC1".
 */
#include "testutil.h"

#include "core/audit.h"
#include "core/buf.h"

#include "core/banned.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Fail showing both byte strings in hex when they differ. */
static void assert_bytes(const char *what, const void *got, size_t got_len, const void *want,
			 size_t want_len)
{
	if (got_len == want_len && memcmp(got, want, got_len) == 0)
		return;
	char g[1024], w[1024];
	lt_audit_hex(got, got_len < 500 ? got_len : 500, g);
	lt_audit_hex(want, want_len < 500 ? want_len : 500, w);
	fail_msg("%s:\n got  %zu bytes %s\n want %zu bytes %s", what, got_len, g, want_len, w);
}

static const char AT[] = "2024-05-01T10:00:00.000Z";

static void test_entry_golden(void **state)
{
	(void)state;
	struct lt_buf b;
	lt_buf_init(&b, 4096);

	struct lt_audit_fields plain = {1, AT, "cli", "report.create", "report:LT-7K3M9QXP", 0,
					NULL};
	static const char want_plain[] =
		"LTA1"
		"\x00\x00\x00\x00\x00\x00\x00\x01"          /* id 1 */
		"\x00\x00\x00\x18" "2024-05-01T10:00:00.000Z" /* at */
		"\x00\x00\x00\x03" "cli"                       /* actor */
		"\x00\x00\x00\x0d" "report.create"             /* action */
		"\x00\x00\x00\x12" "report:LT-7K3M9QXP"        /* object */
		"\x00"                                         /* no person */
		"\x00";                                        /* no purpose */
	assert_int_equal(lt_audit_entry_encode(&plain, &b), LT_OK);
	assert_bytes("entry without person", b.data, b.len, want_plain, sizeof(want_plain) - 1);

	/* An empty purpose is no purpose. */
	plain.purpose = "";
	lt_buf_reset(&b);
	assert_int_equal(lt_audit_entry_encode(&plain, &b), LT_OK);
	assert_bytes("empty purpose", b.data, b.len, want_plain, sizeof(want_plain) - 1);

	struct lt_audit_fields read = {1234, AT, "user:7", "person.read", "person:42", 42,
				       "safeguarding referral"};
	static const char want_read[] =
		"LTA1"
		"\x00\x00\x00\x00\x00\x00\x04\xd2"          /* id 1234 */
		"\x00\x00\x00\x18" "2024-05-01T10:00:00.000Z"
		"\x00\x00\x00\x06" "user:7"
		"\x00\x00\x00\x0b" "person.read"
		"\x00\x00\x00\x09" "person:42"
		"\x01" "\x00\x00\x00\x00\x00\x00\x00\x2a"    /* person 42 */
		"\x01" "\x00\x00\x00\x15" "safeguarding referral";
	lt_buf_reset(&b);
	assert_int_equal(lt_audit_entry_encode(&read, &b), LT_OK);
	assert_bytes("entry with person and purpose", b.data, b.len, want_read,
		     sizeof(want_read) - 1);
	lt_buf_release(&b);
}

/* Entries that differ in any field, or only in where a boundary falls,
 * encode differently. */
static void test_entry_unambiguous(void **state)
{
	(void)state;
	const struct lt_audit_fields v[] = {
		{1, AT, "ab", "c", "x", 0, NULL},
		{1, AT, "a", "bc", "x", 0, NULL},
		{1, AT, "a", "b", "cx", 0, NULL},
		{2, AT, "ab", "c", "x", 0, NULL},
		{1, AT, "ab", "c", "x", 1, NULL},
		{1, AT, "ab", "c", "x", 0, "1"},
		{1, AT, "ab", "c", "x", 256, NULL},
		{1, "2024-05-01T10:00:00.001Z", "ab", "c", "x", 0, NULL},
		{1, AT, "ab", "c", "x", 0, "\x01"},
	};
	struct lt_buf a, b;
	lt_buf_init(&a, 4096);
	lt_buf_init(&b, 4096);
	for (size_t i = 0; i < N(v); i++) {
		lt_buf_reset(&a);
		assert_int_equal(lt_audit_entry_encode(&v[i], &a), LT_OK);
		for (size_t j = i + 1; j < N(v); j++) {
			lt_buf_reset(&b);
			assert_int_equal(lt_audit_entry_encode(&v[j], &b), LT_OK);
			if (a.len == b.len && memcmp(a.data, b.data, a.len) == 0)
				fail_msg("entries %zu and %zu encode the same", i, j);
		}
	}
	/* A ceiling too low is LT_ETOOBIG, not a cut encoding. */
	struct lt_buf small;
	lt_buf_init(&small, 20);
	assert_int_equal(lt_audit_entry_encode(&v[0], &small), LT_ETOOBIG);
	lt_buf_release(&small);
	lt_buf_release(&a);
	lt_buf_release(&b);
}

static void sample_checkpoint(struct lt_audit_checkpoint *c)
{
	memset(c, 0, sizeof(*c));
	c->id = 7; /* not part of the statement */
	c->entry_id = 2000;
	for (int i = 0; i < LT_AUDIT_HASH_BYTES; i++)
		c->entry_hash[i] = (unsigned char)i;
	snprintf(c->signed_at, sizeof(c->signed_at), "%s", AT);
	for (int i = 0; i < LT_AUDIT_KEY_BYTES; i++)
		c->public_key[i] = (unsigned char)(100 + i);
	for (int i = 0; i < LT_AUDIT_SIGNATURE_BYTES; i++)
		c->signature[i] = (unsigned char)(255 - i);
}

static void test_statement_golden(void **state)
{
	(void)state;
	struct lt_audit_checkpoint c;
	struct lt_buf b;
	sample_checkpoint(&c);
	lt_buf_init(&b, 1024);
	static const char want[] =
		"LTC1"
		"\x00\x00\x00\x00\x00\x00\x07\xd0" /* entry 2000 */
		"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
		"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"
		"\x00\x00\x00\x18" "2024-05-01T10:00:00.000Z"
		"\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f\x70\x71\x72\x73"
		"\x74\x75\x76\x77\x78\x79\x7a\x7b\x7c\x7d\x7e\x7f\x80\x81\x82\x83";
	assert_int_equal(lt_audit_statement_encode(&c, &b), LT_OK);
	assert_bytes("statement", b.data, b.len, want, sizeof(want) - 1);
	/* The row id and the signature are not signed. */
	c.id = 8;
	c.signature[0] ^= 1;
	lt_buf_reset(&b);
	assert_int_equal(lt_audit_statement_encode(&c, &b), LT_OK);
	assert_bytes("statement", b.data, b.len, want, sizeof(want) - 1);
	lt_buf_release(&b);
}

static void test_line_round_trip(void **state)
{
	(void)state;
	struct lt_audit_checkpoint c, back;
	struct lt_buf b;
	struct lt_error e = {0};
	sample_checkpoint(&c);
	lt_buf_init(&b, 1024);
	assert_int_equal(lt_audit_checkpoint_format(&c, &b), LT_OK);
	assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
	assert_true(strncmp(b.data,
			    "{\"entry\":2000,\"hash\":\"000102030405060708090a0b0c0d0e0f10111213141516"
			    "1718191a1b1c1d1e1f\",\"at\":\"2024-05-01T10:00:00.000Z\",\"public_key\":"
			    "\"6465",
			    120) == 0);
	assert_true(b.len - 1 <= LT_AUDIT_LINE_MAX);
	assert_int_equal(lt_audit_checkpoint_parse(b.data, b.len - 1, &back, &e), LT_OK);
	assert_int_equal(back.id, 0);
	assert_int_equal(back.entry_id, c.entry_id);
	assert_memory_equal(back.entry_hash, c.entry_hash, sizeof(c.entry_hash));
	assert_string_equal(back.signed_at, c.signed_at);
	assert_memory_equal(back.public_key, c.public_key, sizeof(c.public_key));
	assert_memory_equal(back.signature, c.signature, sizeof(c.signature));
	lt_buf_release(&b);

	/* Members in another order, blanks, uppercase hex. */
	char hash[65], pk[65], sig[129], line[600];
	lt_audit_hex(c.entry_hash, 32, hash);
	lt_audit_hex(c.public_key, 32, pk);
	lt_audit_hex(c.signature, 64, sig);
	for (char *p = sig; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	snprintf(line, sizeof(line),
		 "  { \"signature\" : \"%s\", \"at\":\"%s\",\"public_key\":\"%s\",\n"
		 "\"hash\":\"%s\", \"entry\": 2000 }\r\n",
		 sig, AT, pk, hash);
	assert_int_equal(lt_audit_checkpoint_parse(line, strlen(line), &back, &e), LT_OK);
	assert_memory_equal(back.signature, c.signature, sizeof(c.signature));
	assert_int_equal(back.entry_id, 2000);
}

static void test_line_refused(void **state)
{
	(void)state;
	char hash[65], sig[129];
	memset(hash, 'a', 64);
	hash[64] = '\0';
	memset(sig, 'b', 128);
	sig[128] = '\0';
	char good[600];
	snprintf(good, sizeof(good),
		 "{\"entry\":5,\"hash\":\"%s\",\"at\":\"%s\",\"public_key\":\"%s\",\"signature\":\"%s\"}",
		 hash, AT, hash, sig);
	struct lt_audit_checkpoint c;
	struct lt_error e = {0};
	assert_int_equal(lt_audit_checkpoint_parse(good, strlen(good), &c, &e), LT_OK);

	char buf[N("x") + 700];
	const struct {
		const char *fmt; /* with %s for hash, hash, sig where they go */
		const char *why;
	} bad[] = {
		{"", "JSON object"},
		{"[]", "JSON object"},
		{"{\"entry\":5}", "each once"},
		{"{\"entry\":5,\"entry\":6,\"at\":\"x\",\"public_key\":\"x\",\"signature\":\"x\"}",
		 "repeated member 'entry'"},
		{"{\"entry\":5,\"hash\":\"%s\",\"at\":\"" "2024-05-01T10:00:00.000Z" "\",\"public_key\":"
		 "\"%s\",\"signature\":\"%s\",\"extra\":1}",
		 "each once"},
		{"{\"entry\":5,\"hash\":\"%s\",\"at\":\"" "2024-05-01T10:00:00.000Z" "\",\"key\":"
		 "\"%s\",\"signature\":\"%s\"}",
		 "unknown member 'key'"},
		{"{\"entry\":0,\"hash\":\"%s\",\"at\":\"x\",\"public_key\":\"%s\",\"signature\":\"%s\"}",
		 "positive whole number"},
		{"{\"entry\":-5,\"hash\":\"%s\"}", "positive whole number"},
		{"{\"entry\":05,\"hash\":\"%s\"}", "positive whole number"},
		{"{\"entry\":\"5\",\"hash\":\"%s\"}", "positive whole number"},
		{"{\"entry\":99999999999999999999,\"hash\":\"%s\"}", "positive whole number"},
		{"{\"entry\":5,\"hash\":\"%.62s\",\"at\":\"x\"}", "hash is not 64 hex digits"},
		{"{\"entry\":5,\"hash\":\"%sa\",\"at\":\"x\"}", "hash is not 64 hex digits"},
		{"{\"entry\":5,\"hash\":\"%.63sg\",\"at\":\"x\"}", "hash is not 64 hex digits"},
		{"{\"entry\":5,\"hash\":5}", "hash must be a string"},
		{"{\"entry\":5,\"at\":\"2024-05-01 10:00:00.000Z\"}", "at is not a time"},
		{"{\"entry\":5,\"at\":\"2024-05-01T10:00:00Z\"}", "at is not a time"},
		{"{\"entry\":5,\"at\":\"2024-05-01T10:00:00.000\\u005a\"}", "at must be a string"},
		{"{\"entry\":5,\"hash\":\"%s\",\"at\":\"" "2024-05-01T10:00:00.000Z" "\",\"public_key\":"
		 "\"%s\",\"signature\":\"%.126s\"}",
		 "signature is not 128 hex digits"},
		{"{\"entry\":5,\"hash\":\"%s\",\"at\":\"" "2024-05-01T10:00:00.000Z" "\",\"public_key\":"
		 "\"%s\",\"signature\":\"%s\"} x",
		 "text after"},
		{"{\"entry\":5,\"hash\":\"%s\",\"at\":\"" "2024-05-01T10:00:00.000Z" "\",\"public_key\":"
		 "\"%s\",\"signature\":\"%s\"",
		 "each once"},
	};
	for (size_t i = 0; i < N(bad); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(buf, sizeof(buf), bad[i].fmt, hash, hash, sig);
#pragma GCC diagnostic pop
		lt_error_clear(&e);
		lt_status st = lt_audit_checkpoint_parse(buf, strlen(buf), &c, &e);
		if (st != LT_EPARSE || !strstr(e.message, bad[i].why))
			fail_msg("case %zu (%s): got %s '%s', want malformed with '%s'", i, buf,
				 lt_status_name(st), e.message, bad[i].why);
	}
	/* A line over the ceiling is refused before it is read. */
	char longline[LT_AUDIT_LINE_MAX + 2];
	memset(longline, ' ', sizeof(longline));
	assert_int_equal(lt_audit_checkpoint_parse(longline, sizeof(longline), &c, &e), LT_EPARSE);
	assert_contains(e.message, "at most");
}

static void test_hex_and_time(void **state)
{
	(void)state;
	unsigned char bin[] = {0x00, 0x7f, 0x80, 0xff, 0x0a};
	char out[11];
	lt_audit_hex(bin, sizeof(bin), out);
	assert_string_equal(out, "007f80ff0a");
	lt_audit_hex(bin, 0, out);
	assert_string_equal(out, "");

	const struct {
		const char *s;
		bool ok;
	} t[] = {
		{"2024-05-01T10:00:00.000Z", true}, {"9999-99-99T99:99:99.999Z", true},
		{"2024-05-01T10:00:00.000", false}, {"2024-05-01T10:00:00.000Z ", false},
		{"2024-05-01 10:00:00.000Z", false}, {"2024-05-01T10:00:00,000Z", false},
		{"", false},                         {"x024-05-01T10:00:00.000Z", false},
	};
	for (size_t i = 0; i < N(t); i++)
		if (lt_audit_time_valid(t[i].s, strlen(t[i].s)) != t[i].ok)
			fail_msg("'%s': got %d, want %d", t[i].s, !t[i].ok, t[i].ok);
	assert_true(lt_audit_genesis[0] == 0 && lt_audit_genesis[31] == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_golden),     cmocka_unit_test(test_entry_unambiguous),
		cmocka_unit_test(test_statement_golden), cmocka_unit_test(test_line_round_trip),
		cmocka_unit_test(test_line_refused),     cmocka_unit_test(test_hex_and_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
