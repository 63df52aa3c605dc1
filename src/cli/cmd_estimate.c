/*
 * cmd_estimate.c — `lantern estimate FILE.csv`: how many are unreported,
 * by multiple systems estimation over the partners' lists.
 *
 * Reads a capture-history table (one 0/1 column per list and a final count
 * column), runs mse_estimate_run and prints its table or JSON. With
 * --ci bca on a terminal it draws a progress bar on stderr.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mse/mse_estimate.h"
#include "core/banned.h"

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return 0;
	*out = v;
	return 1;
}

static int parse_prob(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 1))
		return 0;
	*out = v;
	return 1;
}

/* The progress bar: redrawn in place on stderr, at most once per percent. */
struct progress {
	int last;
};

static int progress_draw(void *user, size_t done, size_t total)
{
	struct progress *p = user;
	int pct = total ? (int)(100 * done / total) : 100;
	if (pct == p->last)
		return 0;
	p->last = pct;
	int width = 40, fill = pct * width / 100;
	fprintf(stderr, "\rbootstrap [%.*s%*s] %3d%%", fill,
		"########################################", width - fill, "", pct);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
	return 0;
}

int cli_cmd_estimate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"method", required_argument, NULL, 'm'},
		{"model", required_argument, NULL, 'M'},
		{"ci", required_argument, NULL, 'c'},
		{"level", required_argument, NULL, 'l'},
		{"nboot", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 's'},
		{"threads", required_argument, NULL, 'T'},
		{"threshold", required_argument, NULL, 'p'},
		{"max-order", required_argument, NULL, 'o'},
		{"top", required_argument, NULL, 't'},
		{"boot-top", required_argument, NULL, 'B'},
		{"format", required_argument, NULL, 'F'},
		CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_common c;
	struct mse_estimate_params p = MSE_ESTIMATE_PARAMS_DEFAULT;
	enum mse_estimate_format fmt = MSE_ESTIMATE_TABLE;
	struct lt_error err;
	struct progress prog = {-1};
	unsigned long v;
	int opt, rc = CLI_EXIT_OK;
	double d;

	cli_common_init(&c);
	lt_error_clear(&err);
	p.select.nthreads = 2;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_common_option(&c, opt, optarg))
			continue;
		switch (opt) {
		case 'm':
			if (mse_select_method_parse(optarg, &p.method, &err) != LT_OK)
				return cli_usage("estimate", "--method: %s", err.message);
			break;
		case 'M':
			p.model = optarg;
			break;
		case 'c':
			if (mse_ci_parse(optarg, &p.ci, &err) != LT_OK)
				return cli_usage("estimate", "--ci: %s", err.message);
			break;
		case 'l':
			if (!parse_prob(optarg, &d) || d <= 0 || d >= 1)
				return cli_usage("estimate", "--level: '%s' is not a number between 0 and 1", optarg);
			p.level = d;
			break;
		case 'n':
			if (!parse_ulong(optarg, MSE_BOOT_NBOOT_MAX, &v) || v < 10)
				return cli_usage("estimate", "--nboot: '%s' is not a number from 10 to %d",
						 optarg, MSE_BOOT_NBOOT_MAX);
			p.nboot = v;
			break;
		case 's':
			if (!parse_ulong(optarg, 0xffffffffUL, &v))
				return cli_usage("estimate", "--seed: '%s' is not a whole number from 0 to 4294967295", optarg);
			p.seed = (uint32_t)v;
			break;
		case 'T':
			if (!parse_ulong(optarg, MSE_SELECT_THREADS_MAX, &v) || v < 1)
				return cli_usage("estimate", "--threads: '%s' is not a number from 1 to %d",
						 optarg, MSE_SELECT_THREADS_MAX);
			p.select.nthreads = (unsigned)v;
			break;
		case 'p':
			if (!parse_prob(optarg, &d))
				return cli_usage("estimate", "--threshold: '%s' is not a number from 0 to 1", optarg);
			p.select.stepwise_p = d;
			p.select.aic_p = d;
			break;
		case 'o':
			if (!parse_ulong(optarg, LT_MSE_LISTS_MAX, &v) || v < 1)
				return cli_usage("estimate", "--max-order: '%s' is not a number from 1 to %d",
						 optarg, LT_MSE_LISTS_MAX - 1);
			p.select.max_order = (unsigned)v;
			break;
		case 't':
			if (!parse_ulong(optarg, 1000000, &v))
				return cli_usage("estimate", "--top: '%s' is not a whole number", optarg);
			p.select.average_top = v;
			break;
		case 'B':
			if (!parse_ulong(optarg, 1000000, &v) || v < 1)
				return cli_usage("estimate", "--boot-top: '%s' is not a whole number from 1", optarg);
			p.boot_top = v;
			break;
		case 'F':
			if (strcmp(optarg, "table") == 0)
				fmt = MSE_ESTIMATE_TABLE;
			else if (strcmp(optarg, "json") == 0)
				fmt = MSE_ESTIMATE_JSON;
			else
				return cli_usage("estimate", "--format: unknown value '%s' (expected one of: table, json)", optarg);
			break;
		case 'h':
			cli_help("estimate", stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage("estimate", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage("estimate", "expected one FILE.csv of capture histories");
	if (p.model && p.method != MSE_SELECT_FIXED)
		p.method = MSE_SELECT_FIXED; /* --model implies --method fixed */
	if (p.method == MSE_SELECT_FIXED && !p.model)
		return cli_usage("estimate", "--method fixed needs --model TERMS, e.g. --model \"LA:NG,NG:GP\"");

	const char *file = argv[optind];
	char *data = NULL;
	size_t len = 0;
	struct mse_table *t = NULL;
	struct mse_estimate *e = NULL;
	struct lt_buf out;
	lt_buf_init(&out, 1u << 20);
	lt_status st = cli_read_file(file, LT_IMPORT_FILE_MAX, &data, &len, &err);
	if (st != LT_OK)
		return cli_fail("lantern estimate", st, &err);
	st = mse_table_parse_csv(data, len, &t, &err);
	if (st != LT_OK) {
		if (err.line && err.field[0])
			fprintf(stderr, "%s:%ld: column '%s': %s\n", file, err.line, err.field, err.message);
		else if (err.line)
			fprintf(stderr, "%s:%ld: %s\n", file, err.line, err.message);
		else
			fprintf(stderr, "%s: %s\n", file, err.message);
		rc = lt_status_exit(st);
		goto out;
	}
	if (p.ci == MSE_CI_BCA && isatty(STDERR_FILENO)) {
		p.progress = progress_draw;
		p.progress_user = &prog;
	}
	e = malloc(sizeof(*e));
	if (!e) {
		rc = cli_fail("lantern estimate", LT_ENOMEM, NULL);
		goto out;
	}
	st = mse_estimate_run(t, &p, e, &err);
	if (st == LT_OK)
		st = mse_estimate_format(e, fmt, &out);
	if (st != LT_OK) {
		rc = cli_fail("lantern estimate", st, &err);
		goto out;
	}
	fputs(lt_buf_str(&out), stdout);
out:
	free(e);
	lt_buf_release(&out);
	mse_table_free(t);
	free(data);
	return rc;
}
