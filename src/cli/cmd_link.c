/*
 * cmd_link.c — `lantern link FILE.csv...`: which records of one or more
 * CSV files are the same person.
 *
 * The command reads each file (RFC 4180, core/csv.h) into one linkage
 * table: every column whose name the alias table of link_run.h knows
 * (given_name -> first_name, date_of_birth -> dob, ...) becomes a field,
 * other columns are ignored, and every cell is trimmed of surrounding
 * spaces (FEBRL writes ", value"). The record id is the --id column, else
 * the first of id, unique_id, rec_id, record_id present, else the row's
 * number in its file (1 = the first data row). Then, in the core
 * (link_run.h): the blocking rules (--blocking, else the defaults for the
 * fields present, each checked against a pair budget before any pair is
 * made), the model (--settings FILE.json, used as it is, else the default
 * model trained on the data without labels), every blocked pair scored on
 * --threads threads, and clusters at --threshold.
 *
 * Output: `file,id,cluster` per record in input order (CSV with a header,
 * or JSON); with --explain ID1 ID2 the waterfall of that pair instead; with
 * --evaluate COLUMN precision, recall and F1 of the pairs before and after
 * clustering against the truth in COLUMN instead (FEBRL's rec-N-org and
 * rec-N-dup-K are read as the entity rec-N). With --histories FILE the
 * persons' capture histories, each file a list, are also written in the
 * CSV that `lantern estimate` reads (src/linkest/linkest.h). Notes on what
 * was done (rules, pair counts, training, clusters flagged) go to stderr.
 *
 * Errors name the place: FILE:LINE:COLUMN: what is wrong (COLUMN is the
 * 1-based column number, with the column's name when it has one).
 */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csv.h"
#include "crypto/crypto.h"
#include "linkage/link_block.h"
#include "linkage/link_cluster.h"
#include "linkage/link_model.h"
#include "linkage/link_run.h"
#include "linkage/linkage.h"
#include "linkest/linkest.h"
#include "core/banned.h"

#define LINK_PAIR_BUDGET_MIN        5000000ULL  /* a rule may always make this many pairs */
#define LINK_PAIR_BUDGET_PER_RECORD 20ULL       /* and this many per record */
#define LINK_EXACT_COUNT_MAX        50000000ULL /* raw pairs up to which exact counts are shown */

static const char *const id_columns[] = {"id", "unique_id", "rec_id", "record_id"};

struct input {
	const char *path;
	char *data;
	size_t len;
	size_t ncol;
	int col_field[LT_CSV_COLUMNS_MAX]; /* table field of each column, -1 = ignored */
	char col_name[LT_CSV_COLUMNS_MAX][64];
	int id_col, truth_col;
	uint32_t source;
};

struct link_state {
	struct input *in;
	size_t nin;
	char *fields[LT_LINK_FIELDS_MAX];
	size_t nfield;
	struct lt_link_table t;
	long *line;   /* nrec: the line of each record in its file */
	char **truth; /* nrec truth values (with --evaluate), owned */
};

/* Seconds since *mark, which moves to now: the time of each stage, for the
 * notes on standard error. */
static double lap(struct timespec *mark)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double d =
	    (double)(now.tv_sec - mark->tv_sec) + (double)(now.tv_nsec - mark->tv_nsec) / 1e9;
	*mark = now;
	return d;
}

static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p;
		size_t n;
		unsigned min;
		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1;
			min = 0x80;
			c &= 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2;
			min = 0x800;
			c &= 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3;
			min = 0x10000;
			c &= 0x07;
		} else {
			return 0;
		}
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return 0;
			c = (c << 6) | (p[i] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return 0;
		p += n + 1;
	}
	return 1;
}

static int field_index(struct link_state *s, const char *name)
{
	for (size_t i = 0; i < s->nfield; i++)
		if (strcmp(s->fields[i], name) == 0)
			return (int)i;
	if (s->nfield == LT_LINK_FIELDS_MAX)
		return -1;
	s->fields[s->nfield] = (char *)name; /* a static alias string */
	return (int)s->nfield++;
}

static void state_release(struct link_state *s)
{
	for (size_t i = 0; i < s->nin; i++) {
		if (s->in[i].data) /* the files hold names and dates of birth */
			lt_crypto_wipe(s->in[i].data, s->in[i].len);
		free(s->in[i].data);
	}
	free(s->in);
	if (s->truth)
		for (size_t r = 0; r < s->t.nrec; r++)
			free(s->truth[r]);
	free(s->truth);
	free(s->line);
	lt_link_table_release(&s->t);
}

/* Read the header of in (file already in memory). Prints its own errors. */
static int read_header(struct link_state *s, struct input *in, const char *id_col,
                       const char *truth_col)
{
	struct lt_csv csv;
	size_t nf;
	long line;
	if (!cli_csv_header("link", in->path, in->data, in->len, &csv, &nf, &line)) {
		lt_csv_release(&csv);
		return 0;
	}
	in->ncol = nf;
	in->id_col = -1;
	in->truth_col = -1;
	int ok = 1;
	for (size_t c = 0; c < nf; c++) {
		const char *name = cli_csv_trim(&csv.fields[c]);
		snprintf(in->col_name[c], sizeof(in->col_name[c]), "%s", name);
		in->col_field[c] = -1;
		if (id_col && strcmp(name, id_col) == 0) {
			in->id_col = (int)c;
			continue;
		}
		if (truth_col && strcmp(name, truth_col) == 0)
			in->truth_col = (int)c;
		const char *f = lt_link_field_for_column(name);
		if (!f)
			continue;
		int fi = field_index(s, f);
		for (size_t d = 0; d < c; d++)
			if (in->col_field[d] == fi && fi >= 0) {
				fprintf(stderr,
				        "lantern link: %s:%ld:%zu: column '%s' holds the same "
				        "field (%s) as "
				        "column %zu ('%s'); keep one\n",
				        in->path, line, c + 1, name, f, d + 1, in->col_name[d]);
				ok = 0;
			}
		in->col_field[c] = fi;
	}
	if (ok && !id_col)
		for (size_t i = 0; i < sizeof(id_columns) / sizeof(id_columns[0]) && in->id_col < 0;
		     i++)
			for (size_t c = 0; c < nf; c++)
				if (strcmp(in->col_name[c], id_columns[i]) == 0) {
					in->id_col = (int)c;
					break;
				}
	if (ok && id_col && in->id_col < 0) {
		fprintf(stderr, "lantern link: %s:%ld: no column '%s' (--id)\n", in->path, line,
		        id_col);
		ok = 0;
	}
	if (ok && truth_col && in->truth_col < 0) {
		fprintf(stderr, "lantern link: %s:%ld: no column '%s' (--evaluate)\n", in->path,
		        line, truth_col);
		ok = 0;
	}
	lt_csv_release(&csv);
	return ok;
}

/* FEBRL's rec-N-org / rec-N-dup-K name the entity rec-N. */
static void truth_key(const char *v, char *out, size_t cap)
{
	if (strncmp(v, "rec-", 4) == 0) {
		const char *p = v + 4;
		size_t n = 0;
		while (p[n] >= '0' && p[n] <= '9')
			n++;
		if (n > 0 && (strcmp(p + n, "-org") == 0 || strncmp(p + n, "-dup-", 5) == 0)) {
			snprintf(out, cap, "rec-%.*s", (int)n, p);
			return;
		}
	}
	snprintf(out, cap, "%s", v);
}

/* Read the rows of in into the table. Prints its own errors; returns the
 * number of errors. */
static size_t read_rows(struct link_state *s, struct input *in, size_t *cap)
{
	struct lt_csv csv;
	struct lt_error err;
	lt_error_clear(&err);
	lt_csv_init(&csv, in->data, in->len);
	size_t nf, errors = 0, row = 0;
	long line;
	lt_status st = lt_csv_next(&csv, &nf, &line, &err); /* the header */
	const char *cells[LT_LINK_FIELDS_MAX];
	const char *vals[LT_CSV_COLUMNS_MAX];
	while (st == LT_OK && errors < 20) {
		st = lt_csv_next(&csv, &nf, &line, &err);
		if (st == LT_ENOTFOUND) {
			st = LT_OK;
			break;
		}
		if (st != LT_OK) {
			fprintf(stderr, "lantern link: %s:%ld: %s\n", in->path, err.line,
			        err.message);
			errors++;
			break;
		}
		row++;
		if (nf != in->ncol) {
			fprintf(
			    stderr,
			    "lantern link: %s:%ld:%zu: the row has %zu fields, the header %zu\n",
			    in->path, line, (nf < in->ncol ? nf : in->ncol) + 1, nf, in->ncol);
			errors++;
			continue;
		}
		for (size_t f = 0; f < s->nfield; f++)
			cells[f] = NULL;
		int bad = 0;
		for (size_t c = 0; c < nf; c++) {
			char *v = cli_csv_trim(&csv.fields[c]);
			vals[c] = v;
			if (!utf8_valid(v)) {
				fprintf(stderr,
				        "lantern link: %s:%ld:%zu: column '%s': not valid UTF-8\n",
				        in->path, line, c + 1, in->col_name[c]);
				errors++;
				bad = 1;
				break;
			}
			if (in->col_field[c] >= 0)
				cells[in->col_field[c]] = v;
		}
		if (bad)
			continue;
		char idbuf[32];
		const char *id;
		if (in->id_col >= 0) {
			id = vals[in->id_col];
			if (!id[0]) {
				fprintf(stderr,
				        "lantern link: %s:%ld:%d: column '%s': the id is empty\n",
				        in->path, line, in->id_col + 1, in->col_name[in->id_col]);
				errors++;
				continue;
			}
		} else {
			snprintf(idbuf, sizeof(idbuf), "%zu", row);
			id = idbuf;
		}
		if (s->t.nrec == *cap) {
			size_t nc = *cap ? *cap * 2 : 1024;
			long *l = realloc(s->line, nc * sizeof(*l));
			if (l)
				s->line = l;
			char **tr = realloc(s->truth, nc * sizeof(*tr));
			if (tr)
				s->truth = tr;
			if (!l || !tr) {
				fprintf(stderr, "lantern link: out of memory\n");
				errors++;
				break;
			}
			*cap = nc;
		}
		lt_status ast = lt_link_table_add(&s->t, in->source, id, cells);
		if (ast != LT_OK) {
			fprintf(stderr, "lantern link: %s:%ld: %s\n", in->path, line,
			        ast == LT_ETOOBIG ? "too many records in all" : "out of memory");
			errors++;
			break;
		}
		s->line[s->t.nrec - 1] = line;
		s->truth[s->t.nrec - 1] = NULL;
		if (in->truth_col >= 0) {
			char key[LT_CSV_FIELD_MAX + 8];
			truth_key(vals[in->truth_col], key, sizeof(key));
			s->truth[s->t.nrec - 1] = key[0] ? strdup(key) : NULL;
		}
	}
	lt_csv_release(&csv);
	return errors;
}

struct id_ref {
	uint32_t source;
	const char *id;
	uint32_t rec;
};

static int cmp_id_ref(const void *x, const void *y)
{
	const struct id_ref *a = x, *b = y;
	if (a->source != b->source)
		return a->source < b->source ? -1 : 1;
	int c = strcmp(a->id, b->id);
	if (c)
		return c;
	return a->rec < b->rec ? -1 : a->rec > b->rec;
}

/* Ids repeated within a file are errors. */
static size_t check_ids(struct link_state *s)
{
	size_t n = s->t.nrec, errors = 0;
	struct id_ref *r = malloc((n ? n : 1) * sizeof(*r));
	if (!r)
		return 1;
	for (size_t i = 0; i < n; i++)
		r[i] = (struct id_ref){s->t.source[i], s->t.ids[i], (uint32_t)i};
	qsort(r, n, sizeof(*r), cmp_id_ref);
	for (size_t i = 1; i < n && errors < 20; i++)
		if (r[i].source == r[i - 1].source && strcmp(r[i].id, r[i - 1].id) == 0) {
			const struct input *in = &s->in[r[i].source];
			fprintf(stderr,
			        "lantern link: %s:%ld:%d: the id '%.40s' is already on line %ld\n",
			        in->path, s->line[r[i].rec], in->id_col + 1, r[i].id,
			        s->line[r[i - 1].rec]);
			errors++;
		}
	free(r);
	return errors;
}

/* The record named by `ref`: "ID" when unique across files, or "FILE:ID". */
static long find_record(const struct link_state *s, const char *ref)
{
	long found = -1;
	int many = 0;
	for (size_t r = 0; r < s->t.nrec; r++) {
		const char *id = s->t.ids[r];
		const char *file = s->t.source_names[s->t.source[r]];
		size_t fl = strlen(file);
		int hit = strcmp(id, ref) == 0 || (strncmp(ref, file, fl) == 0 && ref[fl] == ':' &&
		                                   strcmp(ref + fl + 1, id) == 0);
		if (hit) {
			if (found >= 0)
				many = 1;
			found = (long)r;
		}
	}
	if (many) {
		fprintf(stderr,
		        "lantern link: --explain: '%s' is an id in more than one file; write "
		        "FILE:ID\n",
		        ref);
		return -2;
	}
	if (found < 0)
		fprintf(stderr, "lantern link: --explain: no record has the id '%s'\n", ref);
	return found;
}

static void print_explanation(const struct lt_link_explanation *x, const struct link_state *s)
{
	printf("pair: %s:%s and %s:%s\n", s->t.source_names[s->t.source[x->a]], s->t.ids[x->a],
	       s->t.source_names[s->t.source[x->b]], s->t.ids[x->b]);
	printf("%-14s %-22s %-22s %-26s %9s %9s\n", "comparison", "value 1", "value 2", "level",
	       "log2(BF)", "weight");
	printf("%-14s %-22s %-22s %-26s %9.3f %9.3f\n", "prior", "", "", "lambda", x->prior_weight,
	       x->prior_weight);
	for (size_t i = 0; i < x->nstep; i++) {
		const struct lt_link_explain_step *st = &x->steps[i];
		char lab[64];
		snprintf(lab, sizeof(lab), "%s", st->label);
		double lw = st->log2_bf + (isnan(st->tf_freq) ? 0.0 : st->tf_log2);
		printf("%-14.14s %-22.22s %-22.22s %-26.26s %9.3f %9.3f", st->name,
		       st->value_a ? st->value_a : "(missing)",
		       st->value_b ? st->value_b : "(missing)", lab, lw, st->cumulative);
		if (!isnan(st->tf_freq))
			printf("  (term frequency %.4g: %+.3f)", st->tf_freq, st->tf_log2);
		putchar('\n');
	}
	printf("match weight %.3f, probability %.6f\n", x->weight, x->probability);
}

/* --histories: the persons' capture histories, each file a list, as
 * `lantern estimate` reads them (linkest.h). Prints its own errors. */
static int write_histories(const struct link_state *s, const struct lt_link_clusters *c,
                           const char *path)
{
	struct lt_error err;
	lt_error_clear(&err);
	struct lt_linkest_lists lists;
	struct mse_table *t = NULL;
	struct lt_buf b;
	lt_buf_init(&b, (size_t)1 << 24);
	int rc = -1;
	const char **labels = malloc(s->t.nrec * sizeof(*labels));
	uint32_t *list = malloc(s->t.nrec * sizeof(*list));
	lt_status st = labels && list ? LT_OK : LT_ENOMEM;
	for (size_t r = 0; st == LT_OK && r < s->t.nrec; r++)
		labels[r] = s->t.source_names[s->t.source[r]];
	if (st == LT_OK)
		st = lt_linkest_lists_from_labels(labels, s->t.nrec, list, &lists, &err);
	if (st == LT_OK)
		st = lt_linkest_histories(c->cluster, c->ncluster, list, s->t.nrec, &lists, &t,
		                          &err);
	if (st == LT_OK)
		st = lt_linkest_histories_csv(t, &b);
	if (st != LT_OK) {
		fprintf(stderr, "lantern link: --histories: %s\n",
		        err.message[0] ? err.message : lt_status_message(st));
		goto out;
	}
	FILE *f = fopen(path, "w");
	if (!f || fputs(lt_buf_str(&b), f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "lantern link: cannot write %s: %s\n", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	lt_buf_release(&b);
	mse_table_free(t);
	free(list);
	free(labels);
	return rc;
}

int cli_cmd_link(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"id", required_argument, NULL, 'i'},
	    {"settings", required_argument, NULL, 's'},
	    {"threshold", required_argument, NULL, 't'},
	    {"format", required_argument, NULL, 'F'},
	    {"explain", required_argument, NULL, 'x'},
	    {"evaluate", required_argument, NULL, 'e'},
	    {"mode", required_argument, NULL, 'm'},
	    {"blocking", required_argument, NULL, 'b'},
	    {"save-model", required_argument, NULL, 'S'},
	    {"threads", required_argument, NULL, 'T'},
	    {"no-split", no_argument, NULL, 'P'},
	    {"histories", required_argument, NULL, 'H'},
	    {"max-cluster", required_argument, NULL, 'C'},
	    {"min-density", required_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *id_col = NULL, *settings = NULL, *explain1 = NULL, *explain2 = NULL;
	const char *truth_col = NULL, *save_model = NULL, *histories = NULL;
	const char *rule_text[LT_LINK_BLOCK_RULES_MAX];
	size_t nrule_text = 0;
	int json = 0, split = 1;
	double threshold = 0.5, d;
	size_t max_cluster = 0;
	double min_density = 0.4;
	struct lt_link_run_opts ro;
	lt_link_run_opts_default(&ro);
	int opt, rc;
	optind = 1;
	while ((opt = cli_next_option(NULL, "link", argc, argv, opts, &rc)) >= 0) {
		switch (opt) {
		case 'i':
			id_col = optarg;
			break;
		case 's':
			settings = optarg;
			break;
		case 't':
			if (cli_opt_probability("link", "--threshold", optarg, &threshold) !=
			    CLI_EXIT_OK)
				return CLI_EXIT_USAGE;
			break;
		case 'F':
			if (cli_opt_format("link", optarg, &json) != CLI_EXIT_OK)
				return CLI_EXIT_USAGE;
			break;
		case 'x':
			explain1 = optarg;
			if (optind >= argc || argv[optind][0] == '-')
				return cli_usage("link",
				                 "--explain takes two ids: --explain ID1 ID2");
			explain2 = argv[optind++];
			break;
		case 'e':
			truth_col = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "all") == 0)
				ro.mode = LT_LINK_BLOCK_ALL;
			else if (strcmp(optarg, "across") == 0)
				ro.mode = LT_LINK_BLOCK_ACROSS;
			else if (strcmp(optarg, "within") == 0)
				ro.mode = LT_LINK_BLOCK_WITHIN;
			else
				return cli_usage(
				    "link", "--mode: '%s' is not all, across or within", optarg);
			break;
		case 'b':
			if (nrule_text == LT_LINK_BLOCK_RULES_MAX)
				return cli_usage("link", "--blocking: at most %d rules",
				                 LT_LINK_BLOCK_RULES_MAX);
			rule_text[nrule_text++] = optarg;
			break;
		case 'S':
			save_model = optarg;
			break;
		case 'T':
			if (!cli_parse_double(optarg, 1, 16, &d) || d != floor(d))
				return cli_usage(
				    "link", "--threads: '%s' is not a number from 1 to 16", optarg);
			ro.threads = (unsigned)d;
			break;
		case 'P':
			split = 0;
			break;
		case 'H':
			histories = optarg;
			break;
		case 'C':
			if (!cli_parse_double(optarg, 2, 1e9, &d) || d != floor(d))
				return cli_usage(
				    "link",
				    "--max-cluster: '%s' is not a number of records (2 or "
				    "more)",
				    optarg);
			max_cluster = (size_t)d;
			break;
		case 'D':
			if (!cli_parse_double(optarg, 0, 1, &d))
				return cli_usage("link",
				                 "--min-density: '%s' is not a number from 0 to 1",
				                 optarg);
			min_density = d;
			break;
		}
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (optind >= argc)
		return cli_usage("link", "name one or more CSV files");
	if (explain1 && truth_col)
		return cli_usage("link", "--explain and --evaluate cannot be used together");

	struct link_state s;
	memset(&s, 0, sizeof(s));
	struct lt_link_model model;
	int have_model = 0;
	struct lt_link_prep prep;
	memset(&prep, 0, sizeof(prep));
	struct lt_link_blocker blocker;
	memset(&blocker, 0, sizeof(blocker));
	struct lt_link_clusters clusters;
	memset(&clusters, 0, sizeof(clusters));
	struct lt_link_edge *edges = NULL;
	size_t nedge = 0;
	uint32_t *labels = NULL;
	struct lt_error err;
	lt_error_clear(&err);
	rc = CLI_EXIT_FAIL;
	lt_status st;

	struct timespec mark;
	clock_gettime(CLOCK_MONOTONIC, &mark);
	s.nin = (size_t)(argc - optind);
	s.in = calloc(s.nin, sizeof(*s.in));
	if (!s.in)
		goto oom;
	for (size_t i = 0; i < s.nin; i++) {
		struct input *in = &s.in[i];
		in->path = argv[optind + (int)i];
		st = cli_read_file(in->path, LT_IMPORT_FILE_MAX, &in->data, &in->len, &err);
		if (st != LT_OK) {
			rc = cli_fail("lantern link", st, &err);
			goto out;
		}
		if (!read_header(&s, in, id_col, truth_col))
			goto out;
	}
	if (s.nfield == 0) {
		fprintf(
		    stderr,
		    "lantern link: no column of %s is a field lantern link knows (first_name, "
		    "surname, full_name, dob, city, postcode, email, ...; see docs/linkage.md)\n",
		    s.in[0].path);
		goto out;
	}
	st = lt_link_table_init(&s.t, (const char *const *)s.fields, s.nfield);
	if (st != LT_OK)
		goto oom;
	size_t cap = 0, errors = 0;
	for (size_t i = 0; i < s.nin; i++) {
		st = lt_link_table_source(&s.t, s.in[i].path, &s.in[i].source);
		if (st != LT_OK)
			goto oom;
		if (s.in[i].source != i) {
			fprintf(stderr, "lantern link: %s is named twice\n", s.in[i].path);
			goto out;
		}
		errors += read_rows(&s, &s.in[i], &cap);
	}
	if (errors == 0)
		errors += check_ids(&s);
	if (errors > 0) {
		fprintf(stderr, "lantern link: %zu error%s; nothing was linked\n", errors,
		        errors == 1 ? "" : "s");
		goto out;
	}
	fprintf(stderr, "lantern link: read %zu records from %zu file%s (%.2f s)\n", s.t.nrec,
	        s.nin, s.nin == 1 ? "" : "s", lap(&mark));
	if (s.t.nrec < 2) {
		fprintf(stderr, "lantern link: %zu record%s: nothing to link\n", s.t.nrec,
		        s.t.nrec == 1 ? "" : "s");
		goto out;
	}
	if (ro.mode == LT_LINK_BLOCK_ACROSS && s.t.nsource < 2) {
		fprintf(stderr, "lantern link: --mode across needs two or more files\n");
		goto out;
	}

	/* the model */
	if (settings) {
		st = cli_link_model_read(settings, &model, &err);
		if (st != LT_OK) {
			if (err.line > 0)
				fprintf(stderr, "lantern link: %s:%ld: %s\n", settings, err.line,
				        err.message);
			else if (err.field[0])
				fprintf(stderr, "lantern link: %s: %s: %s\n", settings, err.field,
				        err.message);
			else
				fprintf(stderr, "lantern link: %s: %s\n", settings,
				        err.message[0] ? err.message : lt_status_message(st));
			goto out;
		}
		have_model = 1;
	} else {
		st = lt_link_default_model(&s.t, &model, &err);
		if (st != LT_OK) {
			rc = cli_fail("lantern link", st, &err);
			goto out;
		}
		have_model = 1;
		struct lt_link_train_report rep;
		st = lt_link_train(&model, &s.t, &ro, &rep, &err);
		if (st != LT_OK) {
			rc = cli_fail("lantern link: training", st, &err);
			goto out;
		}
		fprintf(
		    stderr,
		    "lantern link: %zu records, %zu fields, %zu comparisons; trained in %.2f s\n",
		    s.t.nrec, s.t.nfield, model.ncomp, lap(&mark));
		if (rep.lambda_rule[0])
			fprintf(stderr,
			        "lantern link: lambda %.3g from '%s' (%llu of %llu pairs, assumed "
			        "recall "
			        "%.2f)\n",
			        rep.lambda, rep.lambda_rule, (unsigned long long)rep.lambda_matched,
			        (unsigned long long)rep.lambda_total, ro.lambda_recall);
		for (size_t i = 0; i < rep.nsession; i++) {
			for (size_t k = 0; k < model.ncomp; k++)
				if (rep.sessions[i].rejected & (1u << k))
					fprintf(stderr,
					        "lantern link: EM on '%s': the m fitted for %s is "
					        "implausible "
					        "(complete disagreement not rarer among matches); "
					        "not used\n",
					        rep.sessions[i].rule, model.comps[k].name);
			fprintf(
			    stderr,
			    "lantern link: EM on '%s': %llu pairs, %zu patterns, %u iterations%s\n",
			    rep.sessions[i].rule, (unsigned long long)rep.sessions[i].pairs,
			    rep.sessions[i].patterns, rep.sessions[i].iterations,
			    rep.sessions[i].pairs == 0  ? " (skipped)"
			    : rep.sessions[i].converged ? ""
			                                : " (did not converge)");
		}
	}
	st = lt_link_prep_init(&prep, &model, &s.t, &err);
	if (st != LT_OK) {
		rc = cli_fail(settings ? settings : "lantern link", st, &err);
		goto out;
	}
	if (save_model) {
		char *text = NULL;
		if (lt_link_model_to_json(&model, true, &text) != LT_OK)
			goto oom;
		FILE *f = fopen(save_model, "w");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
			fprintf(stderr, "lantern link: cannot write %s: %s\n", save_model,
			        strerror(errno));
			free(text);
			goto out;
		}
		free(text);
	}

	/* blocking */
	struct lt_link_rule rules[LT_LINK_BLOCK_RULES_MAX];
	size_t nrule = 0;
	if (nrule_text > 0) {
		for (size_t i = 0; i < nrule_text; i++) {
			st = lt_link_rule_parse(rule_text[i], &s.t, &rules[nrule++], &err);
			if (st != LT_OK) {
				cli_fail("lantern link: --blocking", st, &err);
				rc = CLI_EXIT_USAGE;
				goto out;
			}
		}
	} else {
		lt_link_default_rules(&s.t, &ro, rules, &nrule);
		if (nrule == 0) {
			fprintf(stderr,
			        "lantern link: the files have no fields the default blocking rules "
			        "use; give --blocking RULE\n");
			goto out;
		}
	}
	st = lt_link_blocker_init(&blocker, &s.t, rules, nrule, ro.mode, &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern link", st, &err);
		goto out;
	}
	uint64_t budget = LINK_PAIR_BUDGET_PER_RECORD * s.t.nrec;
	if (budget < LINK_PAIR_BUDGET_MIN)
		budget = LINK_PAIR_BUDGET_MIN;
	struct lt_link_rule_count counts[LT_LINK_BLOCK_RULES_MAX];
	size_t keep[LT_LINK_BLOCK_RULES_MAX], nkeep = 0;
	lt_link_rules_budget(&blocker, budget, keep, &nkeep, counts);
	if (nkeep < nrule) {
		struct lt_link_rule kept[LT_LINK_BLOCK_RULES_MAX];
		for (size_t k = 0, j = 0; k < nrule; k++) {
			char text[LT_LINK_BLOCK_RULE_TEXT_MAX];
			lt_link_rule_format(&rules[k], &s.t, text, sizeof(text));
			if (j < nkeep && keep[j] == k) {
				kept[j++] = rules[k];
				continue;
			}
			fprintf(stderr,
			        "lantern link: blocking rule '%s' dropped: it would make %llu "
			        "pairs (budget "
			        "%llu; its largest block holds %llu records)\n",
			        text, (unsigned long long)counts[k].raw, (unsigned long long)budget,
			        (unsigned long long)counts[k].largest);
		}
		if (nkeep == 0) {
			fprintf(stderr, "lantern link: no blocking rule is within the budget; give "
			                "narrower --blocking rules\n");
			goto out;
		}
		memcpy(rules, kept, nkeep * sizeof(*rules));
		nrule = nkeep;
		lt_link_blocker_keep(&blocker, keep, nkeep);
		lt_link_blocker_count(&blocker, 0, counts);
	}
	fprintf(stderr, "lantern link: blocks of %zu rule%s built (%.2f s)\n", nrule,
	        nrule == 1 ? "" : "s", lap(&mark));
	/* the exact pairs each rule adds cost a walk of the raw pairs (no
	 * scoring): done when there are at most LINK_EXACT_COUNT_MAX of them */
	uint64_t raw_total = 0;
	for (size_t k = 0; k < nrule; k++)
		raw_total += counts[k].raw;
	int exact = raw_total <= LINK_EXACT_COUNT_MAX;
	if (exact)
		lt_link_blocker_count(&blocker, 1, counts);
	for (size_t k = 0; k < nrule; k++) {
		char text[LT_LINK_BLOCK_RULE_TEXT_MAX];
		lt_link_rule_format(&rules[k], &s.t, text, sizeof(text));
		if (exact)
			fprintf(stderr,
			        "lantern link: blocking rule %zu '%s': %llu pairs in its blocks, "
			        "%llu not "
			        "found by an earlier rule\n",
			        k + 1, text, (unsigned long long)counts[k].raw,
			        (unsigned long long)counts[k].added);
		else
			fprintf(stderr,
			        "lantern link: blocking rule %zu '%s': %llu pairs in its blocks\n",
			        k + 1, text, (unsigned long long)counts[k].raw);
	}

	/* scoring (and, for a model trained here, λ from the blocked pairs) */
	uint64_t scored = 0;
	lap(&mark);
	struct timespec t0, t1, c0, c1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	struct lt_link_train_session ses;
	st = lt_link_score_fit(&model, &prep, &blocker, ro.threads, threshold, !settings, &ses,
	                       &edges, &nedge, &scored, &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern link", st, &err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	if (!settings && ses.iterations == 0)
		fprintf(stderr, "lantern link: too few pairs to re-estimate lambda; kept %.3g\n",
		        model.lambda);
	else if (!settings)
		fprintf(stderr,
		        "lantern link: lambda re-estimated on the blocked pairs: %u iterations%s; "
		        "lambda "
		        "%.3g\n",
		        ses.iterations,
		        ses.capped      ? " (at a bound: 100 times the rule's, or a hundredth)"
		        : ses.converged ? ""
		                        : " (did not converge)",
		        model.lambda);
	fprintf(stderr,
	        "lantern link: %llu pairs scored in %.2f s on %u thread%s (%.2f million a second; "
	        "%.2f s of CPU, %.2f million a CPU second), %zu at or above %.4g\n",
	        (unsigned long long)scored, secs, ro.threads, ro.threads == 1 ? "" : "s",
	        secs > 0 ? (double)scored / secs / 1e6 : 0.0, cpu,
	        cpu > 0 ? (double)scored / cpu / 1e6 : 0.0, nedge, threshold);
	lap(&mark);
	if (explain1) {
		/* after scoring, so λ is the one the links were made with */
		long a = find_record(&s, explain1), b = find_record(&s, explain2);
		if (a < 0 || b < 0)
			goto out;
		struct lt_link_explanation x;
		lt_link_explain(&prep, (uint32_t)a, (uint32_t)b, &x);
		if (json) {
			char *text = NULL;
			if (lt_link_explain_json(&prep, &x, &text) != LT_OK)
				goto oom;
			printf("%s\n", text);
			free(text);
		} else {
			print_explanation(&x, &s);
			size_t k = 0;
			while (k < nrule &&
			       !lt_link_blocker_covers(&blocker, k, (uint32_t)a, (uint32_t)b))
				k++;
			char text[LT_LINK_BLOCK_RULE_TEXT_MAX];
			int across = s.t.source[a] != s.t.source[b];
			if (a == b)
				printf("the two ids name the same record\n");
			else if ((ro.mode == LT_LINK_BLOCK_ACROSS && !across) ||
			         (ro.mode == LT_LINK_BLOCK_WITHIN && across))
				printf("not compared: --mode leaves this pair out\n");
			else if (k == nrule)
				printf("not compared: no blocking rule covers this pair\n");
			else {
				lt_link_rule_format(&rules[k], &s.t, text, sizeof(text));
				printf("compared: blocking rule %zu '%s' found the pair; %s at "
				       "threshold "
				       "%.4g\n",
				       k + 1, text,
				       x.probability >= threshold ? "linked" : "not linked",
				       threshold);
			}
		}
		rc = CLI_EXIT_OK;
		goto out;
	}

	struct lt_link_cluster_opts co;
	lt_link_cluster_opts_default(&co);
	co.threshold = threshold;
	co.size_max = max_cluster;
	co.split = split;
	co.density_min = min_density;
	st = lt_link_cluster(edges, nedge, s.t.nrec, &co, &clusters);
	if (st != LT_OK)
		goto oom;
	fprintf(stderr,
	        "lantern link: %zu clusters, the largest of %zu records; %zu flagged%s (%.2f s)\n",
	        clusters.ncluster, clusters.largest, clusters.nflagged,
	        clusters.nsplit ? " and split" : "", lap(&mark));

	if (histories && write_histories(&s, &clusters, histories) != 0)
		goto out;

	if (truth_col) {
		/* entity labels: equal truth strings, a missing one its own entity */
		size_t n = s.t.nrec;
		labels = malloc(n * sizeof(*labels));
		struct id_ref *r = malloc(n * sizeof(*r));
		if (!labels || !r) {
			free(r);
			goto oom;
		}
		size_t m = 0;
		uint32_t next = 0;
		for (size_t i = 0; i < n; i++) {
			if (s.truth[i])
				r[m++] = (struct id_ref){0, s.truth[i], (uint32_t)i};
			else
				labels[i] = UINT32_MAX; /* filled below */
		}
		qsort(r, m, sizeof(*r), cmp_id_ref);
		for (size_t i = 0; i < m; i++) {
			if (i > 0 && strcmp(r[i].id, r[i - 1].id) != 0)
				next++;
			labels[r[i].rec] = next;
		}
		next++;
		for (size_t i = 0; i < n; i++)
			if (labels[i] == UINT32_MAX)
				labels[i] = next++;
		free(r);
		struct lt_link_eval ev;
		st = lt_link_evaluate(labels, s.t.source, n, ro.mode, edges, nedge, threshold,
		                      clusters.cluster, &ev);
		if (st != LT_OK)
			goto oom;
		const struct lt_link_pair_eval *pe[2] = {&ev.before, &ev.after};
		const char *names[2] = {"before", "after"};
		if (json) {
			printf("{\"threshold\": %.6g, \"true_pairs\": %llu, \"pairs_scored\": %llu",
			       threshold, (unsigned long long)ev.true_pairs,
			       (unsigned long long)scored);
			for (int i = 0; i < 2; i++)
				printf(", \"%s_clustering\": {\"predicted\": %llu, \"tp\": %llu, "
				       "\"fp\": %llu, "
				       "\"fn\": %llu, \"precision\": %.6f, \"recall\": %.6f, "
				       "\"f1\": %.6f}",
				       names[i], (unsigned long long)pe[i]->predicted,
				       (unsigned long long)pe[i]->tp, (unsigned long long)pe[i]->fp,
				       (unsigned long long)pe[i]->fn, pe[i]->precision,
				       pe[i]->recall, pe[i]->f1);
			printf("}\n");
		} else {
			printf("true pairs: %llu; pairs scored: %llu; threshold %.4g\n",
			       (unsigned long long)ev.true_pairs, (unsigned long long)scored,
			       threshold);
			printf("%-18s %10s %10s %10s %10s %9s %9s %9s\n", "", "predicted", "TP",
			       "FP", "FN", "precision", "recall", "F1");
			for (int i = 0; i < 2; i++)
				printf("%-18s %10llu %10llu %10llu %10llu %9.4f %9.4f %9.4f\n",
				       i == 0 ? "before clustering" : "after clustering",
				       (unsigned long long)pe[i]->predicted,
				       (unsigned long long)pe[i]->tp, (unsigned long long)pe[i]->fp,
				       (unsigned long long)pe[i]->fn, pe[i]->precision,
				       pe[i]->recall, pe[i]->f1);
		}
		rc = CLI_EXIT_OK;
		goto out;
	}

	if (json) {
		printf("{\"clusters\": %zu, \"flagged\": %zu, \"records\": [", clusters.ncluster,
		       clusters.nflagged);
		for (size_t r = 0; r < s.t.nrec; r++) {
			printf(r ? ",\n  {\"file\": " : "\n  {\"file\": ");
			cli_json_write(stdout, s.t.source_names[s.t.source[r]]);
			printf(", \"id\": ");
			cli_json_write(stdout, s.t.ids[r]);
			printf(", \"cluster\": %u}", clusters.cluster[r]);
		}
		printf("\n]}\n");
	} else {
		printf("file,id,cluster\n");
		for (size_t r = 0; r < s.t.nrec; r++) {
			cli_csv_write(stdout, s.t.source_names[s.t.source[r]]);
			putchar(',');
			cli_csv_write(stdout, s.t.ids[r]);
			printf(",%u\n", clusters.cluster[r]);
		}
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "lantern link: cannot write the output: %s\n", strerror(errno));
		goto out;
	}
	rc = CLI_EXIT_OK;
	goto out;
oom:
	fprintf(stderr, "lantern link: out of memory\n");
	rc = CLI_EXIT_FAIL;
out:
	free(labels);
	free(edges);
	lt_link_clusters_release(&clusters);
	lt_link_blocker_release(&blocker);
	lt_link_prep_release(&prep);
	if (have_model)
		lt_link_model_release(&model);
	state_release(&s);
	return rc;
}
