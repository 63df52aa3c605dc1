/*
 * cmd_stats.c — `lantern stats arrests`: the arrests table of stats.h,
 * printed as a table, CSV or JSON.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stats/stats.h"
#include "core/banned.h"

static int parse_year(const char *arg, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < LT_YEAR_MIN || v > LT_YEAR_MAX)
		return 0;
	*out = (int)v;
	return 1;
}

int cli_cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{"by", required_argument, NULL, 'b'},
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"format", required_argument, NULL, 'F'},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_common c;
	struct lt_error err;
	unsigned by = STATS_BY_YEAR;
	enum stats_format fmt = STATS_FORMAT_TABLE;
	int from = 0, to = 0, opt, rc;
	struct store *s = NULL;
	struct store_arrest_count *counts = NULL;
	size_t n = 0;
	struct stats_table t;
	struct lt_buf out;
	lt_status st;

	cli_common_init(&c);
	lt_error_clear(&err);
	optind = 1;
	while ((opt = cli_next_option(&c, "stats", argc, argv, opts, &rc)) >= 0) {
		switch (opt) {
		case 'b':
			if (stats_by_parse(optarg, &by, &err) != LT_OK)
				return cli_usage("stats", "--by: %s", err.message);
			break;
		case 'f':
			if (!parse_year(optarg, &from))
				return cli_usage("stats", "--from: '%s' is not a year (%d to %d)", optarg,
						 LT_YEAR_MIN, LT_YEAR_MAX);
			break;
		case 't':
			if (!parse_year(optarg, &to))
				return cli_usage("stats", "--to: '%s' is not a year (%d to %d)", optarg,
						 LT_YEAR_MIN, LT_YEAR_MAX);
			break;
		case 'F':
			if (stats_format_parse(optarg, &fmt, &err) != LT_OK)
				return cli_usage("stats", "--format: %s", err.message);
			break;
		}
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (argc - optind != 1 || strcmp(argv[optind], "arrests") != 0)
		return cli_usage("stats", "expected 'arrests'");
	if (from && to && from > to)
		return cli_usage("stats", "--from %d is after --to %d", from, to);
	cli_common_finish(&c);

	rc = cli_open_store(&c, &s);
	if (rc != CLI_EXIT_OK)
		return rc;
	memset(&t, 0, sizeof(t));
	lt_buf_init(&out, 16u << 20);
	st = store_arrest_counts(s, &counts, &n, &err);
	if (st == LT_OK)
		st = stats_arrests(counts, n, by, from, to, &t, &err);
	if (st == LT_OK)
		st = stats_format(&t, fmt, &out);
	if (st == LT_OK)
		fputs(lt_buf_str(&out), stdout);
	else
		rc = cli_fail("lantern stats", st, &err);
	lt_buf_release(&out);
	stats_table_release(&t);
	free(counts);
	store_close(s);
	return rc;
}
