/*
 * retention.c — the retention table (retention.h) and the arithmetic of its
 * periods: calendar months back from a day, the day clamped to the end of
 * a shorter month (2026-03-31 less one month is 2026-02-28), and days since
 * 1970 by the proleptic Gregorian calendar (Howard Hinnant's days_from_civil
 * algorithm), so that a period ends on the same day whatever the clock's
 * time of day. Pure: no clock, no I/O.
 */
#include "core/retention.h"

#include <string.h>

#include "core/banned.h"

const struct lt_retention_rule lt_retention_rules[LT_RETENTION_COUNT] = {
#define X(sfx, code, action, unit, def, min, max, what, from, why)                                 \
	{LT_RETENTION_##sfx, code, action, unit, def, min, max, what, from, why},
    LT_RETENTION_MAP(X)
#undef X
};

void lt_retention_defaults(struct lt_retention_periods *out)
{
	for (size_t i = 0; i < LT_RETENTION_COUNT; i++)
		out->period[i] = lt_retention_rules[i].period_default;
}

const struct lt_retention_rule *lt_retention_find(const char *code, size_t len)
{
	for (size_t i = 0; i < LT_RETENTION_COUNT; i++)
		if (strlen(lt_retention_rules[i].code) == len &&
		    memcmp(lt_retention_rules[i].code, code, len) == 0)
			return &lt_retention_rules[i];
	return NULL;
}

bool lt_retention_settable(const struct lt_retention_rule *r)
{
	return r->action != LT_RETAIN_KEEP;
}

lt_status lt_retention_check(const struct lt_retention_rule *r, long n, struct lt_error *err)
{
	if (!lt_retention_settable(r))
		return lt_error_set(err, LT_EINVAL, r->code,
		                    "is kept, not on a period: it cannot be set");
	if (n < r->period_min || n > r->period_max)
		return lt_error_set(err, LT_EINVAL, r->code, "must be %ld to %ld %s", r->period_min,
		                    r->period_max, lt_retention_unit_words(r->unit));
	return LT_OK;
}

const char *lt_retention_action_words(enum lt_retention_action a)
{
	switch (a) {
	case LT_RETAIN_ERASE:
		return "erased (its key destroyed)";
	case LT_RETAIN_WIPE:
		return "wiped";
	case LT_RETAIN_DELETE:
		return "deleted";
	case LT_RETAIN_KEEP:
		break;
	}
	return "kept";
}

const char *lt_retention_unit_words(enum lt_retention_unit u)
{
	switch (u) {
	case LT_RETAIN_DAYS:
		return "days";
	case LT_RETAIN_MONTHS:
		return "months";
	case LT_RETAIN_FOREVER:
		break;
	}
	return "for ever";
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

int64_t lt_date_days_since_epoch(const struct lt_date *d)
{
	int64_t y = d->year - (d->month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (d->month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d->day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of day `z` since 1970-01-01 (civil_from_days). */
static struct lt_date date_of_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	struct lt_date d;
	d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.year = (int)(yoe + era * 400 + (d.month <= 2));
	return d;
}

lt_status lt_retention_cutoff(const struct lt_date *as_of, enum lt_retention_unit unit, long n,
                              struct lt_date *out, struct lt_error *err)
{
	memset(out, 0, sizeof(*out));
	if (as_of->year <= 0 || as_of->month < 1 || as_of->month > 12 || as_of->day < 1 ||
	    as_of->day > month_days(as_of->year, as_of->month))
		return lt_error_set(err, LT_EINVAL, "as_of", "must be a whole date, YYYY-MM-DD");
	if (n < 0 || (unit != LT_RETAIN_DAYS && unit != LT_RETAIN_MONTHS))
		return lt_error_set(err, LT_EINVAL, "period", "must be a number of days or months");
	if (unit == LT_RETAIN_DAYS) {
		*out = date_of_days(lt_date_days_since_epoch(as_of) - (int64_t)n);
	} else {
		int64_t months = (int64_t)as_of->year * 12 + (as_of->month - 1) - (int64_t)n;
		if (months < 12)
			return lt_error_set(err, LT_EINVAL, "as_of",
			                    "is too early for a period that long");
		out->year = (int)(months / 12);
		out->month = (int)(months % 12) + 1;
		int last = month_days(out->year, out->month);
		out->day = as_of->day < last ? as_of->day : last;
	}
	if (out->year < 1) {
		memset(out, 0, sizeof(*out));
		return lt_error_set(err, LT_EINVAL, "as_of", "is too early for a period that long");
	}
	return LT_OK;
}
