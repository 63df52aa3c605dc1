/*
 * cli_util.c — small pieces several subcommands share: the option loop
 * every subcommand runs (its common options, --help, an unknown option),
 * numbers, probabilities and formats read from option values, the header
 * and cells of the CSV files and the JSON strings they read and write, and
 * the linkage model file of --settings.
 *
 * Like the rest of the command, these print to the streams they are given
 * (or, for an option, to stdout/stderr as cli_help and cli_usage do) and
 * never exit: the subcommand turns what they return into its exit code.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "linkage/link_model.h"
#include "core/banned.h"

int cli_next_option(struct cli_common *c, const char *name, int argc, char **argv,
                    const struct option *opts, int *rc)
{
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c && cli_common_option(c, opt, optarg))
			continue;
		if (opt == CLI_OPT_HELP) {
			cli_help(name, stdout);
			*rc = CLI_EXIT_OK;
			return CLI_OPTIONS_EXIT;
		}
		for (const struct option *o = opts; o->name; o++)
			if (!o->flag && o->val == opt)
				return opt;
		/* '?': unknown, or a value missing (getopt_long said which) */
		*rc = cli_usage(name, "unknown option");
		return CLI_OPTIONS_EXIT;
	}
	return CLI_OPTIONS_END;
}

int cli_parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return 0;
	*out = v;
	return 1;
}

int cli_opt_probability(const char *name, const char *opt, const char *arg, double *out)
{
	double v;
	if (!cli_parse_double(arg, 0, 1, &v) || v <= 0 || v >= 1)
		return cli_usage(name, "%s: '%s' is not a probability between 0 and 1", opt, arg);
	*out = v;
	return CLI_EXIT_OK;
}

int cli_opt_format(const char *name, const char *arg, int *json)
{
	if (strcmp(arg, "json") == 0)
		*json = 1;
	else if (strcmp(arg, "csv") == 0)
		*json = 0;
	else
		return cli_usage(name, "--format: '%s' is not csv or json", arg);
	return CLI_EXIT_OK;
}

int cli_csv_header(const char *name, const char *path, const char *data, size_t len,
                   struct lt_csv *csv, size_t *nf, long *line)
{
	struct lt_error err;
	lt_error_clear(&err);
	lt_csv_init(csv, data, len);
	lt_status st = lt_csv_next(csv, nf, line, &err);
	if (st == LT_ENOTFOUND) {
		fprintf(stderr, "lantern %s: %s: the file is empty (a header row is needed)\n",
		        name, path);
		return 0;
	}
	if (st != LT_OK) {
		fprintf(stderr, "lantern %s: %s:%ld: %s\n", name, path, err.line, err.message);
		return 0;
	}
	return 1;
}

lt_status cli_link_model_read(const char *path, struct lt_link_model *m, struct lt_error *err)
{
	char *text = NULL;
	size_t len = 0;
	lt_status st = cli_read_file(path, LT_LINK_MODEL_JSON_MAX, &text, &len, err);
	if (st == LT_OK)
		st = lt_link_model_from_json(text, len, m, err);
	free(text);
	return st;
}

char *cli_csv_trim(struct lt_csv_field *f)
{
	char *s = (char *)f->p;
	size_t n = f->len;
	while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	s[n] = '\0';
	return s;
}

void cli_csv_write(FILE *out, const char *v)
{
	if (!v)
		return;
	if (!strpbrk(v, ",\"\r\n")) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', out);
		fputc(*v, out);
	}
	fputc('"', out);
}

void cli_json_write(FILE *out, const char *v)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}
