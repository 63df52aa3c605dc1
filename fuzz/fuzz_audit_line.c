/*
 * fuzz_audit_line.c — fuzz target for the checkpoint line parser
 * (lt_audit_checkpoint_parse), which reads files partners hand back to
 * `lantern audit verify --checkpoint FILE`.
 *
 * Every byte string must come back as a checkpoint or as an error with a
 * message; never a crash, a hang, a leak or undefined behaviour. A line
 * that parses must format (lt_audit_checkpoint_format) to a line that
 * parses back to the same checkpoint. Built as a libFuzzer target with
 * clang (`make fuzz-audit-line`), and with replay.c as a plain program that
 * `make test` runs over fuzz/corpus/audit_line/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_audit_checkpoint c, back;
	struct lt_error err;
	struct lt_buf b;
	lt_error_clear(&err);
	if (lt_audit_checkpoint_parse((const char *)data, size, &c, &err) != LT_OK) {
		if (!err.message[0])
			abort();
		return 0;
	}
	if (c.entry_id <= 0 || c.id != 0 || !lt_audit_time_valid(c.signed_at, strlen(c.signed_at)))
		abort();
	lt_buf_init(&b, LT_AUDIT_LINE_MAX + 2);
	if (lt_audit_checkpoint_format(&c, &b) != LT_OK || b.len < 2 || b.data[b.len - 1] != '\n')
		abort();
	if (lt_audit_checkpoint_parse(b.data, b.len - 1, &back, &err) != LT_OK ||
	    memcmp(&c, &back, sizeof(c)) != 0)
		abort();
	lt_buf_release(&b);
	return 0;
}
