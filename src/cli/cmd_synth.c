/*
 * cmd_synth.c — `lantern synth`: synthetic agency lists with known truth.
 *
 * Parses the options into lt_synth_params (src/synth/synth.h), runs the
 * generator and writes what it produces:
 *   - without --out, one CSV on standard output: list,id,<fields>;
 *   - with --out DIR, one CSV per list, DIR/<list>.csv: id,<fields>;
 *   - --truth FILE: list,id,person for every record (the true person id);
 *   - --truth-column NAME: the true person id as a last column of the data;
 *   - --histories FILE: the true capture histories, as `lantern estimate`
 *     reads them.
 * Files are written under a temporary name and renamed into place only
 * when everything has been written, so a failure leaves no half-written
 * file. A summary goes to standard error unless --quiet.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synth/synth.h"
#include "core/banned.h"

#define OUT_BUFSIZE (1u << 20)

/* One output file: its final path, the temporary one, the stream. */
struct out_file {
	char path[4096];
	char tmp[4200];
	FILE *f;
	char *buf;
};

struct synth_out {
	const struct lt_synth_params *p;
	struct out_file lists[LT_SYNTH_LISTS_MAX]; /* with --out */
	struct out_file data;                      /* without --out: stdout */
	struct out_file truth;
	const char *truth_column;
	bool failed;
};

static int out_open(struct out_file *o, const char *path)
{
	snprintf(o->path, sizeof(o->path), "%s", path);
	snprintf(o->tmp, sizeof(o->tmp), "%s.tmp%ld", path, (long)getpid());
	o->f = fopen(o->tmp, "wb");
	if (!o->f) {
		fprintf(stderr, "lantern synth: cannot create %s: %s\n", o->tmp, strerror(errno));
		return -1;
	}
	o->buf = malloc(OUT_BUFSIZE);
	if (o->buf)
		setvbuf(o->f, o->buf, _IOFBF, OUT_BUFSIZE);
	return 0;
}

/* Close; on success rename into place. Returns -1 (after saying why) on a
 * write error. */
static int out_close(struct out_file *o, bool commit)
{
	int rc = 0;
	if (!o->f)
		return 0;
	if (o->f == stdout) {
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "lantern synth: cannot write to standard output: %s\n",
			        strerror(errno));
			rc = -1;
		}
		o->f = NULL;
		return rc;
	}
	if (ferror(o->f) || fclose(o->f) != 0) {
		if (commit)
			fprintf(stderr, "lantern synth: cannot write %s: %s\n", o->tmp,
			        strerror(errno));
		rc = -1;
	}
	o->f = NULL;
	free(o->buf);
	o->buf = NULL;
	if (commit && rc == 0 && rename(o->tmp, o->path) != 0) {
		fprintf(stderr, "lantern synth: cannot rename %s to %s: %s\n", o->tmp, o->path,
		        strerror(errno));
		rc = -1;
	}
	if (!commit || rc != 0)
		remove(o->tmp);
	return rc;
}

static void header(FILE *f, bool with_list, const char *truth_column)
{
	if (with_list)
		fputs("list,", f);
	fputs("id", f);
	for (unsigned i = 0; i < LT_SYNTH_FIELD_COUNT; i++) {
		fputc(',', f);
		fputs(lt_synth_field_names[i], f);
	}
	if (truth_column) {
		fputc(',', f);
		cli_csv_write(f, truth_column);
	}
	fputc('\n', f);
}

/* A line being assembled: records are short (a few hundred bytes), so one
 * fwrite a line instead of a stdio call a field. */
struct line {
	char buf[8192];
	size_t len;
};

static void line_put(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->buf) - l->len)
		n = sizeof(l->buf) - l->len; /* fields are bounded far below this */
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void line_str(struct line *l, const char *s)
{
	line_put(l, s, strlen(s));
}

static void line_char(struct line *l, char c)
{
	line_put(l, &c, 1);
}

static void line_u64(struct line *l, uint64_t v)
{
	char d[24];
	size_t n = 0;
	do {
		d[sizeof(d) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	line_put(l, d + sizeof(d) - n, n);
}

/* A CSV field, quoted when it needs to be (RFC 4180). */
static void line_field(struct line *l, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		line_str(l, s);
		return;
	}
	line_char(l, '"');
	for (; *s; s++) {
		if (*s == '"')
			line_char(l, '"');
		line_char(l, *s);
	}
	line_char(l, '"');
}

static int on_record(void *user, const struct lt_synth_record *r)
{
	struct synth_out *o = user;
	struct line l;
	FILE *f;
	l.len = 0;
	const char *list = o->p->lists[r->list].name;
	if (o->lists[0].f) {
		f = o->lists[r->list].f;
	} else {
		f = o->data.f;
		line_str(&l, list);
		line_char(&l, ',');
	}
	line_str(&l, r->id);
	for (unsigned i = 0; i < LT_SYNTH_FIELD_COUNT; i++) {
		line_char(&l, ',');
		line_field(&l, r->field[i]);
	}
	if (o->truth_column) {
		line_char(&l, ',');
		line_u64(&l, r->person);
	}
	line_char(&l, '\n');
	fwrite(l.buf, 1, l.len, f);
	if (o->truth.f) {
		l.len = 0;
		line_str(&l, list);
		line_char(&l, ',');
		line_str(&l, r->id);
		line_char(&l, ',');
		line_u64(&l, r->person);
		line_char(&l, '\n');
		fwrite(l.buf, 1, l.len, o->truth.f);
	}
	if (ferror(f) || (o->truth.f && ferror(o->truth.f))) {
		o->failed = true;
		return 1;
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return 0;
	*out = v;
	return 1;
}

int cli_cmd_synth(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"people", required_argument, NULL, 'n'},
	    {"records", required_argument, NULL, 'r'},
	    {"lists", required_argument, NULL, 'l'},
	    {"seed", required_argument, NULL, 's'},
	    {"heterogeneity", required_argument, NULL, 'H'},
	    {"dependence", required_argument, NULL, 'd'},
	    {"duplicates", required_argument, NULL, 'D'},
	    {"errors", required_argument, NULL, 'e'},
	    {"missing", required_argument, NULL, 'm'},
	    {"year", required_argument, NULL, 'y'},
	    {"out", required_argument, NULL, 'o'},
	    {"truth", required_argument, NULL, 't'},
	    {"truth-column", required_argument, NULL, 'T'},
	    {"histories", required_argument, NULL, 'C'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct lt_synth_params p;
	struct lt_error err;
	const char *deps[LT_SYNTH_DEPS_MAX + 1];
	unsigned ndeps = 0;
	const char *out_dir = NULL, *truth = NULL, *truth_column = NULL, *histories = NULL;
	bool quiet = false;
	uint64_t v, records = 0;
	bool people_given = false;
	double d;
	int opt, rc;

	lt_synth_params_default(&p);
	lt_error_clear(&err);
	optind = 1;
	while ((opt = cli_next_option(NULL, "synth", argc, argv, opts, &rc)) >= 0) {
		switch (opt) {
		case 'n':
			if (!parse_u64(optarg, LT_SYNTH_PEOPLE_MAX, &v) || v < 1)
				return cli_usage(
				    "synth", "--people: '%s' is not a whole number from 1 to %d",
				    optarg, LT_SYNTH_PEOPLE_MAX);
			p.people = v;
			people_given = true;
			break;
		case 'r':
			if (!parse_u64(optarg, 1000000000, &v) || v < 1)
				return cli_usage(
				    "synth",
				    "--records: '%s' is not a whole number from 1 to 1000000000",
				    optarg);
			records = v;
			break;
		case 'l':
			if (lt_synth_lists_parse(&p, optarg, &err) != LT_OK)
				return cli_usage("synth", "--lists: %s", err.message);
			break;
		case 's':
			if (!parse_u64(optarg, UINT64_MAX, &v))
				return cli_usage("synth",
				                 "--seed: '%s' is not a whole number from 0 to "
				                 "18446744073709551615",
				                 optarg);
			p.seed = v;
			break;
		case 'H':
			if (!cli_parse_double(optarg, 0, 5, &d))
				return cli_usage(
				    "synth",
				    "--heterogeneity: '%s' is not a number from 0 to 5 (the "
				    "standard deviation of visibility on the logit scale)",
				    optarg);
			p.heterogeneity = d;
			break;
		case 'd':
			if (ndeps == LT_SYNTH_DEPS_MAX)
				return cli_usage("synth", "--dependence: at most %d",
				                 LT_SYNTH_DEPS_MAX);
			deps[ndeps++] = optarg;
			break;
		case 'D':
			if (!cli_parse_double(optarg, 0, 0.5, &d))
				return cli_usage("synth",
				                 "--duplicates: '%s' is not a number from 0 to 0.5",
				                 optarg);
			p.duplicates = d;
			break;
		case 'e':
			if (!cli_parse_double(optarg, 0, 1, &d))
				return cli_usage(
				    "synth", "--errors: '%s' is not a number from 0 to 1", optarg);
			p.errors = d;
			break;
		case 'm':
			if (!cli_parse_double(optarg, 0, 1, &d))
				return cli_usage(
				    "synth", "--missing: '%s' is not a number from 0 to 1", optarg);
			p.missing = d;
			break;
		case 'y':
			if (!parse_u64(optarg, LT_YEAR_MAX, &v) || v < LT_YEAR_MIN + 120)
				return cli_usage("synth",
				                 "--year: '%s' is not a year from %d to %d", optarg,
				                 LT_YEAR_MIN + 120, LT_YEAR_MAX);
			p.reference_year = (int)v;
			break;
		case 'o':
			out_dir = optarg;
			break;
		case 't':
			truth = optarg;
			break;
		case 'T':
			if (!optarg[0])
				return cli_usage("synth",
				                 "--truth-column: the column needs a name");
			truth_column = optarg;
			break;
		case 'C':
			histories = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		}
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (optind != argc)
		return cli_usage("synth", "unexpected argument '%s'", argv[optind]);
	for (unsigned i = 0; i < ndeps; i++)
		if (lt_synth_dependence_parse(&p, deps[i], &err) != LT_OK)
			return cli_usage("synth", "--dependence: %s", err.message);
	if (records && people_given)
		return cli_usage("synth", "--records: give --people or --records, not both");
	if (records) {
		p.people = lt_synth_people_for_records(&p, records);
		if (p.people == 0)
			return cli_usage(
			    "synth",
			    "--records: %llu records need more than %d people with these "
			    "lists",
			    (unsigned long long)records, LT_SYNTH_PEOPLE_MAX);
	}
	if (truth_column)
		for (unsigned i = 0; i < LT_SYNTH_FIELD_COUNT; i++)
			if (strcmp(truth_column, lt_synth_field_names[i]) == 0 ||
			    strcmp(truth_column, "id") == 0 || strcmp(truth_column, "list") == 0)
				return cli_usage("synth",
				                 "--truth-column: '%s' is already a column",
				                 truth_column);

	struct lt_synth *g = NULL;
	lt_status st = lt_synth_alloc(&p, &g, &err);
	if (st != LT_OK) {
		if (st == LT_EINVAL)
			return cli_usage("synth", "--%s: %s", err.field, err.message);
		return cli_fail("lantern synth", st, &err);
	}

	struct synth_out *o = calloc(1, sizeof(*o));
	rc = CLI_EXIT_FAIL;
	if (!o) {
		fprintf(stderr, "lantern synth: out of memory\n");
		goto done;
	}
	o->p = &p;
	o->truth_column = truth_column;
	if (out_dir) {
		if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "lantern synth: --out: cannot create directory %s: %s\n",
			        out_dir, strerror(errno));
			goto done;
		}
		for (unsigned j = 0; j < p.nlists; j++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s.csv", out_dir, p.lists[j].name);
			if (out_open(&o->lists[j], path) != 0)
				goto done;
			header(o->lists[j].f, false, truth_column);
		}
	} else {
		o->data.f = stdout;
		header(stdout, true, truth_column);
	}
	if (truth) {
		if (out_open(&o->truth, truth) != 0)
			goto done;
		fputs("list,id,person\n", o->truth.f);
	}
	st = lt_synth_run(g, on_record, o, &err);
	if (st != LT_OK) {
		if (o->failed)
			fprintf(stderr, "lantern synth: a write failed: %s\n", strerror(errno));
		else
			cli_fail("lantern synth", st, &err);
		goto done;
	}
	if (histories) {
		struct out_file h = {0};
		struct lt_buf b;
		lt_buf_init(&b, (size_t)64 << 20);
		if (lt_synth_histories_csv(g, &b) != LT_OK) {
			lt_buf_release(&b);
			fprintf(stderr, "lantern synth: out of memory\n");
			goto done;
		}
		if (out_open(&h, histories) != 0) {
			lt_buf_release(&b);
			goto done;
		}
		fwrite(lt_buf_str(&b), 1, strlen(lt_buf_str(&b)), h.f);
		lt_buf_release(&b);
		if (out_close(&h, true) != 0)
			goto done;
	}
	rc = CLI_EXIT_OK;
	for (unsigned j = 0; j < p.nlists; j++)
		if (out_close(&o->lists[j], true) != 0)
			rc = CLI_EXIT_FAIL;
	if (out_close(&o->truth, true) != 0 || out_close(&o->data, true) != 0)
		rc = CLI_EXIT_FAIL;
	if (rc == CLI_EXIT_OK && !quiet) {
		struct lt_synth_counts c;
		lt_synth_counts(g, &c);
		fprintf(stderr,
		        "lantern synth: %llu people, %llu on at least one list, %llu records (seed "
		        "%llu)\n",
		        (unsigned long long)c.people, (unsigned long long)c.captured,
		        (unsigned long long)c.records, (unsigned long long)p.seed);
		for (unsigned j = 0; j < p.nlists; j++)
			fprintf(stderr, "  %-16s %10llu people %10llu records\n", p.lists[j].name,
			        (unsigned long long)c.list_people[j],
			        (unsigned long long)c.list_records[j]);
	}
done:
	if (o) {
		for (unsigned j = 0; j < p.nlists; j++)
			out_close(&o->lists[j], false);
		out_close(&o->truth, false);
		if (o->data.f)
			out_close(&o->data, false);
		free(o);
	}
	lt_synth_free(g);
	return rc;
}
