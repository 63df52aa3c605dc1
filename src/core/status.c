/*
 * status.c — lookups into the status table of status.h.
 */
#include "status.h"

static const struct {
	const char *name;
	const char *message;
	int http;
	int exit_code;
} status_table[LT_STATUS_COUNT] = {
#define LT_X_ROW(sym, name, msg, http, ex) [sym] = {name, msg, http, ex},
	LT_STATUS_MAP(LT_X_ROW)
#undef LT_X_ROW
};

static lt_status status_clamp(lt_status s)
{
	return ((unsigned)s < LT_STATUS_COUNT) ? s : LT_EINTERNAL;
}

const char *lt_status_name(lt_status s) { return status_table[status_clamp(s)].name; }
const char *lt_status_message(lt_status s) { return status_table[status_clamp(s)].message; }
int lt_status_http(lt_status s) { return status_table[status_clamp(s)].http; }
int lt_status_exit(lt_status s) { return status_table[status_clamp(s)].exit_code; }
