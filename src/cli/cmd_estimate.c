/*
 * cmd_estimate.c — `lantern estimate FILE.csv`: how many are unreported,
 * by multiple systems estimation over the partners' lists.
 *
 * Reads a capture-history table (one 0/1 column per list and a final count
 * column), runs mse_estimate_run and prints its table or JSON. With
 * --ci bca on a terminal it draws a progress bar on stderr.
 *
 * With --from-links FILE.csv... the table is built from records instead
 * (src/linkest/linkest.h): the files are read as `lantern link` reads them
 * (columns recognised by name, cells trimmed), linked end to end with the
 * defaults, each cluster a person, each record on the list of its file or
 * of its --lists COLUMN; --histories OUT.csv writes that table, and
 * --linkage-draws N adds the linkage bootstrap's interval, which carries
 * the uncertainty of the links as well as the sampling error
 * (docs/linkage.md, "From linked records to an estimate").
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/csv.h"
#include "core/taxonomy.h"
#include "crypto/crypto.h"
#include "linkage/link_persons.h"
#include "linkage/link_run.h"
#include "linkest/linkest.h"
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

/* ---------------------------------------------------------------------------
 * --from-links
 */

#define LINKS_PAIR_BUDGET_MIN 5000000ULL /* as lantern link */
#define LINKS_PAIR_BUDGET_PER_RECORD 20ULL

struct from_links {
	const char *lists;     /* "file" or a column name (files), "agency" or "agency_kind"
	                          (the database); NULL: the default */
	const char *histories; /* write the histories here, or NULL */
	size_t draws;          /* linkage bootstrap replicates, 0 for none */
	enum lt_linkest_draw mode; /* how a replicate draws its links */
	double threshold;      /* clustering threshold */
};

/* A file's columns: the table field of each (-1: ignored) and the list column. */
struct links_input {
	const char *path;
	char *data;
	size_t len;
	size_t ncol;
	int col_field[LT_CSV_COLUMNS_MAX];
	int list_col;
};

struct links_state {
	struct links_input *in;
	size_t nin;
	const char *fields[LT_LINK_FIELDS_MAX];
	size_t nfield;
	struct lt_link_table t;
	char **labels; /* nrec list labels, owned */
	size_t cap;
};

static int links_field(struct links_state *s, const char *name)
{
	for (size_t i = 0; i < s->nfield; i++)
		if (strcmp(s->fields[i], name) == 0)
			return (int)i;
	if (s->nfield == LT_LINK_FIELDS_MAX)
		return -1;
	s->fields[s->nfield] = name; /* a static alias string */
	return (int)s->nfield++;
}

/* The header of in: which column is which field. Prints its own errors. */
static int links_header(struct links_state *s, struct links_input *in, const char *list_col)
{
	struct lt_csv csv;
	size_t nf = 0;
	long line;
	int ok = cli_csv_header("estimate", in->path, in->data, in->len, &csv, &nf, &line);
	in->list_col = -1;
	size_t known = 0;
	for (size_t c = 0; ok && c < nf; c++) {
		const char *name = cli_csv_trim(&csv.fields[c]);
		in->col_field[c] = -1;
		if (list_col && strcmp(name, list_col) == 0) {
			in->list_col = (int)c;
			continue;
		}
		const char *f = lt_link_field_for_column(name);
		if (f)
			in->col_field[c] = links_field(s, f);
		known += f != NULL;
	}
	in->ncol = nf;
	if (ok && known == 0) {
		fprintf(stderr, "lantern estimate: %s:1: no column is a field lantern link knows "
		                "(first_name, surname, dob, ...; see docs/linkage.md)\n", in->path);
		ok = 0;
	}
	if (ok && list_col && in->list_col < 0) {
		fprintf(stderr, "lantern estimate: %s:1: no column '%s' (--lists)\n", in->path,
		        list_col);
		ok = 0;
	}
	lt_csv_release(&csv);
	return ok;
}

/* The rows of in into the table, each with its list label. Prints its own
 * errors; returns the number of errors. */
static size_t links_rows(struct links_state *s, struct links_input *in, uint32_t source)
{
	struct lt_csv csv;
	struct lt_error err;
	lt_error_clear(&err);
	lt_csv_init(&csv, in->data, in->len);
	size_t nf, errors = 0, row = 0;
	long line;
	lt_status st = lt_csv_next(&csv, &nf, &line, &err); /* the header */
	const char *cells[LT_LINK_FIELDS_MAX];
	while (st == LT_OK && errors < 20) {
		st = lt_csv_next(&csv, &nf, &line, &err);
		if (st == LT_ENOTFOUND)
			break;
		if (st != LT_OK) {
			fprintf(stderr, "lantern estimate: %s:%ld: %s\n", in->path, err.line, err.message);
			errors++;
			break;
		}
		row++;
		if (nf != in->ncol) {
			fprintf(stderr, "lantern estimate: %s:%ld: the row has %zu fields, the header %zu\n",
			        in->path, line, nf, in->ncol);
			errors++;
			continue;
		}
		for (size_t f = 0; f < s->nfield; f++)
			cells[f] = NULL;
		const char *label = in->path;
		for (size_t c = 0; c < nf; c++) {
			char *v = cli_csv_trim(&csv.fields[c]);
			if ((int)c == in->list_col)
				label = v;
			else if (in->col_field[c] >= 0)
				cells[in->col_field[c]] = v;
		}
		if (!label[0]) {
			fprintf(stderr, "lantern estimate: %s:%ld:%d: the list (column of --lists) is "
			                "empty\n", in->path, line, in->list_col + 1);
			errors++;
			continue;
		}
		if (s->t.nrec == s->cap) {
			size_t nc = s->cap ? s->cap * 2 : 1024;
			char **l = realloc(s->labels, nc * sizeof(*l));
			if (!l) {
				fprintf(stderr, "lantern estimate: out of memory\n");
				errors++;
				break;
			}
			s->labels = l;
			s->cap = nc;
		}
		char id[32];
		snprintf(id, sizeof(id), "%zu", row);
		char *lab = strdup(label);
		lt_status ast = lab ? lt_link_table_add(&s->t, source, id, cells) : LT_ENOMEM;
		if (ast != LT_OK) {
			free(lab);
			fprintf(stderr, "lantern estimate: %s:%ld: %s\n", in->path, line,
			        ast == LT_ETOOBIG ? "too many records in all" : "out of memory");
			errors++;
			break;
		}
		s->labels[s->t.nrec - 1] = lab;
	}
	lt_csv_release(&csv);
	return errors;
}

static void links_release(struct links_state *s)
{
	for (size_t i = 0; i < s->nin; i++)
		free(s->in[i].data);
	free(s->in);
	if (s->labels)
		for (size_t r = 0; r < s->t.nrec; r++)
			free(s->labels[r]);
	free(s->labels);
	lt_link_table_release(&s->t);
}

static lt_status write_text(const char *path, const char *text, struct lt_error *err)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0) {
		int e = errno;
		if (f)
			fclose(f);
		return lt_error_set(err, LT_EIO, "", "cannot write %s: %s", path, strerror(e));
	}
	if (fclose(f) != 0)
		return lt_error_set(err, LT_EIO, "", "cannot write %s: %s", path, strerror(errno));
	return LT_OK;
}

/* What linkage made: the units counted (records of files, or persons of the
 * database) with their clusters and lists, and the rows the pairs were
 * scored on, with theirs. */
struct linked {
	size_t nunit;
	const uint32_t *cluster;  /* nunit cluster ids */
	size_t ncluster;
	const uint32_t *unit_list; /* nunit lists */
	size_t nrow;
	const uint32_t *row_list;  /* nrow lists */
	const struct lt_linkest_lists *lists;
	const struct lt_link_edge *edges; /* scored row pairs, those of one unit sure */
	size_t nedge;
	const struct lt_link_cluster_opts *co;
	uint64_t scored;
	size_t above;
	const char *rows_are; /* "records", "names of persons" */
};

/* The histories of L's clusters (written with --histories), the estimate,
 * the linkage bootstrap with --linkage-draws, and the report. Prints its
 * own errors; returns the exit code. */
static int estimate_linked(const struct linked *L, const struct from_links *fl,
                           const struct mse_estimate_params *p, enum mse_estimate_format fmt)
{
	struct mse_table *t = NULL;
	struct mse_estimate *e = NULL;
	struct lt_linkest_draw_result dr;
	memset(&dr, 0, sizeof(dr));
	struct lt_linkest_draw_params dp = LT_LINKEST_DRAW_PARAMS_DEFAULT;
	struct lt_buf out;
	lt_buf_init(&out, 1u << 20);
	struct lt_error err;
	lt_error_clear(&err);
	int rc = CLI_EXIT_FAIL;
	lt_status st;
	st = lt_linkest_histories(L->cluster, L->ncluster, L->unit_list, L->nunit, L->lists, &t, &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern estimate", st, &err);
		goto out;
	}
	if (fl->histories) {
		struct lt_buf hb;
		lt_buf_init(&hb, 1u << 20);
		st = lt_linkest_histories_csv(t, &hb);
		if (st == LT_OK)
			st = write_text(fl->histories, lt_buf_str(&hb), &err);
		lt_buf_release(&hb);
		if (st != LT_OK) {
			rc = cli_fail("lantern estimate: --histories", st, &err);
			goto out;
		}
	}
	e = malloc(sizeof(*e));
	if (!e)
		goto oom;
	st = mse_estimate_run(t, p, e, &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern estimate", st, &err);
		goto out;
	}
	if (fl->draws) {
		struct mse_model fixed;
		struct mse_boot_select sel = {p->method, NULL, p->select, NULL};
		if (p->method == MSE_SELECT_FIXED) {
			st = mse_model_parse(t, p->model, &fixed, &err);
			if (st != LT_OK) {
				rc = cli_fail("lantern estimate: --model", st, &err);
				goto out;
			}
			sel.fixed = &fixed;
		}
		struct mse_boot_method m;
		mse_boot_method_select(&m, &sel);
		dp.ndraws = fl->draws;
		dp.draw = fl->mode;
		dp.seed = p->seed;
		dp.level = p->level;
		dp.point = e->total;
		st = lt_linkest_draws_run(L->edges, L->nedge, L->nrow, L->row_list, L->lists, L->co, &m, &dp, &dr, &err);
		if (st != LT_OK) {
			rc = cli_fail("lantern estimate: --linkage-draws", st, &err);
			goto out;
		}
	}
	if (fmt == MSE_ESTIMATE_JSON) {
		struct lt_buf eb;
		lt_buf_init(&eb, 1u << 20);
		st = mse_estimate_format(e, fmt, &eb);
		const char *ej = lt_buf_str(&eb);
		size_t el = strlen(ej);
		while (el > 0 && ej[el - 1] == '\n')
			el--;
		if (st == LT_OK)
			st = lt_buf_puts(&out, "{\"estimate\": ");
		if (st == LT_OK)
			st = lt_buf_append(&out, ej, el);
		lt_buf_release(&eb);
		if (st == LT_OK)
			st = lt_buf_printf(&out,
			                   ", \"linkage\": {\"records\": %zu, \"persons\": %zu, "
			                   "\"threshold\": %.6g, \"pairs_scored\": %llu, "
			                   "\"pairs_linked\": %zu",
			                   L->nrow, L->ncluster, fl->threshold,
			                   (unsigned long long)L->scored, L->above);
		if (st == LT_OK && fl->draws)
			st = lt_buf_printf(&out,
			                   ", \"mode\": \"%s\", \"draws\": %zu, \"draws_failed\": %zu, "
			                   "\"seed\": %u, "
			                   "\"level\": %.6g, \"lower\": %.6g, \"upper\": %.6g, "
			                   "\"persons_mean\": %.6g, \"persons_min\": %.0f, "
			                   "\"persons_max\": %.0f",
			                   fl->mode == LT_LINKEST_DRAW_PAIRS ? "pairs" : "threshold",
			                   dr.ndraws, dr.nfailed, dp.seed, dp.level, dr.lower, dr.upper,
			                   dr.persons_mean, dr.persons_min, dr.persons_max);
		if (st == LT_OK)
			st = lt_buf_puts(&out, "}}\n");
	} else {
		st = mse_estimate_format(e, fmt, &out);
		if (st == LT_OK)
			st = lt_buf_printf(&out,
			                   "\nLinkage: %zu %s, %zu persons (clusters at threshold "
			                   "%.4g); %zu pairs linked of %llu scored\n",
			                   L->nrow, L->rows_are, L->ncluster, fl->threshold, L->above,
			                   (unsigned long long)L->scored);
		if (st == LT_OK && fl->draws)
			st = lt_buf_printf(&out,
			                   "Linkage bootstrap (%s drawn): %.0f%% interval %.0f to %.0f (%zu "
			                   "draws of the links, each resampled; %zu failed; seed %u)\n"
			                   "  persons in the drawn linkages: mean %.1f, from %.0f to %.0f\n",
			                   fl->mode == LT_LINKEST_DRAW_PAIRS ? "pairs" : "threshold",
			                   100 * dp.level, dr.lower, dr.upper, dr.ndraws, dr.nfailed, dp.seed,
			                   dr.persons_mean, dr.persons_min, dr.persons_max);
		else if (st == LT_OK)
			st = lt_buf_puts(&out, "  The interval treats the links as certain; "
			                       "--linkage-draws N carries their uncertainty.\n");
	}
	if (st != LT_OK)
		goto oom;
	fputs(lt_buf_str(&out), stdout);
	rc = CLI_EXIT_OK;
	goto out;
oom:
	fprintf(stderr, "lantern estimate: out of memory\n");
	rc = CLI_EXIT_FAIL;
out:
	lt_linkest_draw_result_release(&dr);
	lt_buf_release(&out);
	free(e);
	mse_table_free(t);
	return rc;
}

/* Link the files, estimate from the histories of the clusters, and (with
 * draws) the linkage bootstrap. Prints its own errors; returns the exit code. */
static int estimate_from_links(char **files, size_t nfiles, const struct from_links *fl,
                               const struct mse_estimate_params *p, enum mse_estimate_format fmt)
{
	struct links_state s;
	memset(&s, 0, sizeof(s));
	struct lt_link_edge *edges = NULL;
	size_t nedge = 0;
	struct lt_link_clusters cl;
	memset(&cl, 0, sizeof(cl));
	uint32_t *list = NULL;
	struct lt_error err;
	lt_error_clear(&err);
	int rc = CLI_EXIT_FAIL;
	lt_status st;
	const char *list_col = !fl->lists || strcmp(fl->lists, "file") == 0 ? NULL : fl->lists;

	s.nin = nfiles;
	s.in = calloc(nfiles, sizeof(*s.in));
	if (!s.in)
		goto oom;
	for (size_t i = 0; i < nfiles; i++) {
		s.in[i].path = files[i];
		st = cli_read_file(files[i], LT_IMPORT_FILE_MAX, &s.in[i].data, &s.in[i].len, &err);
		if (st != LT_OK) {
			rc = cli_fail("lantern estimate", st, &err);
			goto out;
		}
		if (!links_header(&s, &s.in[i], list_col))
			goto out;
	}
	st = lt_link_table_init(&s.t, s.fields, s.nfield);
	if (st != LT_OK)
		goto oom;
	size_t errors = 0;
	for (size_t i = 0; i < nfiles; i++) {
		uint32_t src;
		if (lt_link_table_source(&s.t, files[i], &src) != LT_OK)
			goto oom;
		if (src != i) {
			fprintf(stderr, "lantern estimate: %s is named twice\n", files[i]);
			goto out;
		}
		errors += links_rows(&s, &s.in[i], src);
	}
	if (errors) {
		fprintf(stderr, "lantern estimate: %zu error%s; nothing was estimated\n", errors,
		        errors == 1 ? "" : "s");
		goto out;
	}
	list = malloc((s.t.nrec ? s.t.nrec : 1) * sizeof(*list));
	if (!list)
		goto oom;
	struct lt_linkest_lists lists;
	st = lt_linkest_lists_from_labels((const char *const *)s.labels, s.t.nrec, list, &lists,
	                                  &err);
	if (st == LT_OK && lists.nlists < 2)
		st = lt_error_set(&err, LT_EINVAL, "list",
		                  "the records are on one list; an estimate needs two or more (%s)",
		                  list_col ? "another --lists column, or more files"
		                           : "give two or more files, or --lists COLUMN");
	if (st != LT_OK) {
		rc = cli_fail("lantern estimate: --lists", st, &err);
		goto out;
	}
	fprintf(stderr, "lantern estimate: %zu records on %u lists (", s.t.nrec, lists.nlists);
	for (unsigned i = 0; i < lists.nlists; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", lists.names[i]);
	fprintf(stderr, ")\n");

	struct lt_link_run_opts ro;
	lt_link_run_opts_default(&ro);
	ro.threads = p->select.nthreads > 16 ? 16 : p->select.nthreads;
	struct lt_link_cluster_opts co;
	lt_link_cluster_opts_default(&co);
	co.threshold = fl->threshold;
	co.split = 1;
	co.density_min = 0.4; /* as lantern link */
	uint64_t budget = LINKS_PAIR_BUDGET_PER_RECORD * s.t.nrec;
	if (budget < LINKS_PAIR_BUDGET_MIN)
		budget = LINKS_PAIR_BUDGET_MIN;
	struct lt_linkest_draw_params dp = LT_LINKEST_DRAW_PARAMS_DEFAULT;
	double keep = fl->draws ? lt_linkest_band_low(fl->threshold, dp.band) : fl->threshold;
	struct lt_linkest_link_report rep;
	st = lt_linkest_link(&s.t, &ro, budget, keep, &co, &edges, &nedge, &cl, &rep, &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern estimate: linkage", st, &err);
		goto out;
	}
	size_t above = 0;
	for (size_t k = 0; k < nedge; k++)
		above += edges[k].p >= fl->threshold;
	fprintf(stderr,
	        "lantern estimate: linked with %zu blocking rule%s (%zu dropped over the budget), "
	        "%llu pairs scored, %zu at or above %.4g; %zu persons, %zu clusters flagged\n",
	        rep.nrule, rep.nrule == 1 ? "" : "s", rep.ndropped, (unsigned long long)rep.scored,
	        above, fl->threshold, cl.ncluster, cl.nflagged);
	struct linked L = {s.t.nrec, cl.cluster, cl.ncluster, list, s.t.nrec, list, &lists,
	                   edges, nedge, &co, rep.scored, above, "records"};
	rc = estimate_linked(&L, fl, p, fmt);
	goto out;
oom:
	fprintf(stderr, "lantern estimate: out of memory\n");
	rc = CLI_EXIT_FAIL;
out:
	free(list);
	free(edges);
	lt_link_clusters_release(&cl);
	links_release(&s);
	return rc;
}

/* ---------------------------------------------------------------------------
 * --from-db
 */

#define DB_PURPOSE "population estimate"

struct from_db {
	const char *data_key;   /* --data-key, or NULL for the default */
	struct lt_date from, to; /* year 0: no bound */
};

/* d within [from, to], each compared at the precision both have (a person
 * referred in "2024" is within 2024-03-01 .. 2024-06-30). */
static int date_in(const struct lt_date *d, const struct lt_date *from, const struct lt_date *to)
{
	const struct lt_date *b[2] = {from, to};
	for (int k = 0; k < 2; k++) {
		if (b[k]->year == 0)
			continue;
		int c = d->year - b[k]->year;
		if (c == 0 && d->month && b[k]->month)
			c = d->month - b[k]->month;
		if (c == 0 && d->month && b[k]->month && d->day && b[k]->day)
			c = d->day - b[k]->day;
		if (k == 0 ? c < 0 : c > 0)
			return 0;
	}
	return 1;
}

static int cmp_id(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

/* The live persons of the database, linked across agencies (respecting the
 * match decisions), each on the list of its agency or agency kind; those
 * whose first referral (else recorded) date is in the period. Each person
 * opened is audited with the purpose "population estimate". */
static int estimate_from_db(struct cli_common *c, const struct from_links *fl,
                            const struct from_db *fd, const struct mse_estimate_params *p,
                            enum mse_estimate_format fmt)
{
	struct store *s = NULL;
	struct lt_crypto_keyring kr;
	int have_keys = 0;
	struct lt_link_table all, t;
	memset(&all, 0, sizeof(all));
	memset(&t, 0, sizeof(t));
	struct store_estimate_person *ep = NULL;
	size_t nep = 0;
	int64_t *keep_ids = NULL;
	size_t nkeep = 0;
	struct lt_agency *ag = NULL;
	size_t nag = 0;
	struct store_match_decision *dec = NULL;
	struct lt_link_decision *ld = NULL;
	size_t ndec = 0;
	struct lt_link_edge *edges = NULL, *all_edges = NULL;
	size_t nedge = 0;
	struct lt_link_clusters cl;
	memset(&cl, 0, sizeof(cl));
	struct lt_link_person_clusters pc;
	memset(&pc, 0, sizeof(pc));
	uint32_t *row_list = NULL, *unit_list = NULL;
	const char **labels = NULL;
	struct lt_error err;
	lt_error_clear(&err);
	lt_status st;
	char buf[4200];
	int rc;

	cli_common_finish(c);
	const char *key_path = cli_data_key_path(c, fd->data_key, buf, sizeof(buf));
	if ((rc = cli_open_store(c, &s)) != CLI_EXIT_OK)
		return rc;
	rc = CLI_EXIT_FAIL;
	if ((st = cli_data_key_load(key_path, &kr, &err)) != LT_OK) {
		rc = cli_fail("lantern estimate --from-db", st, &err);
		goto out;
	}
	have_keys = 1;
	/* which persons the period holds, before any is opened */
	if ((st = store_estimate_persons(s, &ep, &nep, &err)) != LT_OK ||
	    (st = store_agency_list(s, &ag, &nag, &err)) != LT_OK ||
	    (st = store_match_decisions(s, 0, &dec, &ndec, &err)) != LT_OK) {
		rc = cli_fail("lantern estimate --from-db", st, &err);
		goto out;
	}
	keep_ids = malloc((nep ? nep : 1) * sizeof(*keep_ids));
	if (!keep_ids)
		goto oom;
	for (size_t i = 0; i < nep; i++)
		if (date_in(&ep[i].date, &fd->from, &fd->to))
			keep_ids[nkeep++] = ep[i].id;
	struct store_link_query q = {DB_PURPOSE, 0, NULL};
	if ((st = store_link_persons(s, &kr, NULL, "cli", &q, &all, NULL, &err)) != LT_OK) {
		rc = cli_fail("lantern estimate --from-db", st, &err);
		goto out;
	}
	/* the rows of the persons in the period */
	if ((st = lt_link_person_table_init(&t)) != LT_OK)
		goto oom;
	const char *cells[LT_LINK_FIELDS_MAX];
	for (size_t r = 0; r < all.nrec; r++) {
		int64_t id = lt_link_person_id(&all, r);
		if (!bsearch(&id, keep_ids, nkeep, sizeof(*keep_ids), cmp_id))
			continue;
		uint32_t src;
		if (lt_link_table_source(&t, all.source_names[all.source[r]], &src) != LT_OK)
			goto oom;
		for (size_t f = 0; f < all.nfield; f++)
			cells[f] = lt_link_cell(&all, r, f);
		if (lt_link_table_add(&t, src, all.ids[r], cells) != LT_OK)
			goto oom;
	}
	lt_link_person_table_wipe(&all);
	if (t.nrec < 2) {
		fprintf(stderr, "lantern estimate --from-db: %zu name%s of persons in the period: "
		                "nothing to estimate from\n",
		        t.nrec, t.nrec == 1 ? "" : "s");
		goto out;
	}
	/* each row's list: its agency, or the agency's kind */
	int by_kind = strcmp(fl->lists, "agency_kind") == 0;
	labels = calloc(t.nrec, sizeof(*labels));
	row_list = malloc(t.nrec * sizeof(*row_list));
	if (!labels || !row_list)
		goto oom;
	for (size_t r = 0; r < t.nrec; r++) {
		const char *code = t.source_names[t.source[r]];
		labels[r] = code;
		if (by_kind)
			for (size_t a = 0; a < nag; a++)
				if (strcmp(ag[a].code, code) == 0)
					labels[r] = lt_vocab_term(&lt_vocab_agency_kind, (size_t)ag[a].kind)->code;
	}
	struct lt_linkest_lists lists;
	st = lt_linkest_lists_from_labels(labels, t.nrec, row_list, &lists, &err);
	if (st == LT_OK && lists.nlists < 2)
		st = lt_error_set(&err, LT_EINVAL, "list",
		                  "the persons of the period are all on one list (%s); an estimate "
		                  "needs two or more",
		                  lists.names[0]);
	if (st != LT_OK) {
		rc = cli_fail("lantern estimate --from-db: --lists", st, &err);
		goto out;
	}

	struct lt_link_run_opts ro;
	lt_link_run_opts_default(&ro);
	ro.threads = p->select.nthreads > 16 ? 16 : p->select.nthreads;
	struct lt_link_cluster_opts co;
	lt_link_cluster_opts_default(&co);
	co.threshold = fl->threshold;
	struct lt_linkest_draw_params dp = LT_LINKEST_DRAW_PARAMS_DEFAULT;
	double keep = fl->draws ? lt_linkest_band_low(fl->threshold, dp.band) : fl->threshold;
	struct lt_linkest_link_report rep;
	uint64_t budget = LINKS_PAIR_BUDGET_PER_RECORD * t.nrec;
	if (budget < LINKS_PAIR_BUDGET_MIN)
		budget = LINKS_PAIR_BUDGET_MIN;
	st = lt_linkest_link(&t, &ro, budget, keep, &co, &edges, &nedge, &cl, &rep, &err);
	if (st != LT_OK) {
		rc = cli_fail("lantern estimate --from-db: linkage", st, &err);
		goto out;
	}
	/* persons, not rows: clustered under the decisions */
	if (ndec && !(ld = calloc(ndec, sizeof(*ld))))
		goto oom;
	for (size_t i = 0; i < ndec; i++)
		ld[i] = (struct lt_link_decision){dec[i].a, dec[i].b, dec[i].same};
	if ((st = lt_link_person_cluster(&t, edges, nedge, fl->threshold, ld, ndec, &pc, &err)) !=
	    LT_OK) {
		rc = cli_fail("lantern estimate --from-db", st, &err);
		goto out;
	}
	unit_list = malloc((pc.n ? pc.n : 1) * sizeof(*unit_list));
	/* the draws see the rows of one person as surely linked */
	all_edges = malloc((nedge + t.nrec) * sizeof(*all_edges));
	if (!unit_list || !all_edges)
		goto oom;
	size_t nall = 0, above = 0;
	for (size_t k = 0; k < nedge; k++) {
		all_edges[nall++] = edges[k];
		above += edges[k].p >= fl->threshold;
	}
	for (size_t r = 1; r < t.nrec; r++)
		if (lt_link_person_id(&t, r) == lt_link_person_id(&t, r - 1))
			all_edges[nall++] = (struct lt_link_edge){(uint32_t)(r - 1), (uint32_t)r, 1.0};
	for (size_t r = t.nrec; r-- > 0;) {
		/* the list of a person is its rows' (one agency owns them all) */
		int64_t id = lt_link_person_id(&t, r);
		int64_t *hit = bsearch(&id, pc.person, pc.n, sizeof(*pc.person), cmp_id);
		if (hit)
			unit_list[hit - pc.person] = row_list[r];
	}
	fprintf(stderr,
	        "lantern estimate --from-db: %zu persons of %zu in the period (%zu names), "
	        "%llu pairs scored, %zu at or above %.4g; %zu after linkage; %zu decisions "
	        "respected\n",
	        pc.n, nep, t.nrec, (unsigned long long)rep.scored, above, fl->threshold,
	        pc.ncluster, ndec);
	struct linked L = {pc.n,    pc.cluster, pc.ncluster, unit_list, t.nrec, row_list, &lists,
	                   all_edges, nall,     &co,         rep.scored, above,  "names of persons"};
	rc = estimate_linked(&L, fl, p, fmt);
	goto out;
oom:
	fprintf(stderr, "lantern estimate --from-db: out of memory\n");
	rc = CLI_EXIT_FAIL;
out:
	free(all_edges);
	free(unit_list);
	free(row_list);
	free(labels);
	lt_link_person_clusters_release(&pc);
	lt_link_clusters_release(&cl);
	free(edges);
	free(ld);
	free(dec);
	free(ag);
	free(keep_ids);
	free(ep);
	lt_link_person_table_wipe(&t);
	lt_link_person_table_wipe(&all);
	if (have_keys)
		lt_crypto_keyring_wipe(&kr);
	store_close(s);
	return rc;
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
		{"from-links", no_argument, NULL, 'L'},
		{"lists", required_argument, NULL, 'S'},
		{"linkage-draws", required_argument, NULL, 'D'},
		{"linkage-mode", required_argument, NULL, 'G'},
		{"link-threshold", required_argument, NULL, 'K'},
		{"histories", required_argument, NULL, 'H'},
		{"from-db", no_argument, NULL, 'E'},
		{"data-key", required_argument, NULL, 'Y'},
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 'u'},
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
	int from_links = 0, from_db = 0;
	struct from_db fd;
	memset(&fd, 0, sizeof(fd));
	struct from_links fl = {NULL, NULL, 0, LT_LINKEST_DRAW_PAIRS, 0.5};

	cli_common_init(&c);
	lt_error_clear(&err);
	p.select.nthreads = 2;
	optind = 1;
	while ((opt = cli_next_option(&c, "estimate", argc, argv, opts, &rc)) >= 0) {
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
			if (!cli_parse_double(optarg, 0, 1, &d) || d <= 0 || d >= 1)
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
			if (!cli_parse_double(optarg, 0, 1, &d))
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
		case 'L':
			from_links = 1;
			break;
		case 'E':
			from_db = 1;
			break;
		case 'Y':
			fd.data_key = optarg;
			break;
		case 'f':
		case 'u': {
			struct lt_date *dt = opt == 'f' ? &fd.from : &fd.to;
			if (lt_date_parse(optarg, strlen(optarg), dt, opt == 'f' ? "from" : "to", &err) !=
			    LT_OK)
				return cli_usage("estimate", "--%s: %s", opt == 'f' ? "from" : "to",
						 err.message);
			break;
		}
		case 'S':
			if (!optarg[0])
				return cli_usage("estimate", "--lists: give file or a column name");
			fl.lists = optarg;
			break;
		case 'D':
			if (!parse_ulong(optarg, LT_LINKEST_DRAWS_MAX, &v) || v < 10)
				return cli_usage("estimate", "--linkage-draws: '%s' is not a number from 10 to %d",
						 optarg, LT_LINKEST_DRAWS_MAX);
			fl.draws = v;
			break;
		case 'G':
			if (strcmp(optarg, "pairs") == 0)
				fl.mode = LT_LINKEST_DRAW_PAIRS;
			else if (strcmp(optarg, "threshold") == 0)
				fl.mode = LT_LINKEST_DRAW_THRESHOLD;
			else
				return cli_usage("estimate", "--linkage-mode: unknown value '%s' (expected one of: pairs, threshold)", optarg);
			break;
		case 'K':
			if (cli_opt_probability("estimate", "--link-threshold", optarg,
						&fl.threshold) != CLI_EXIT_OK)
				return CLI_EXIT_USAGE;
			break;
		case 'H':
			fl.histories = optarg;
			break;
		}
	}
	if (opt == CLI_OPTIONS_EXIT)
		return rc;
	if (!from_links && !from_db && (fl.draws || fl.histories || fl.lists ||
			    fl.mode != LT_LINKEST_DRAW_PAIRS || fl.threshold != 0.5))
		return cli_usage("estimate", "--lists, --histories, --link-threshold and --linkage-* go with --from-links");
	if (!from_db && (from_links ? argc - optind < 1 : argc - optind != 1))
		return cli_usage("estimate", from_links ? "--from-links: name one or more CSV files of records"
							: "expected one FILE.csv of capture histories");
	if (p.model && p.method != MSE_SELECT_FIXED)
		p.method = MSE_SELECT_FIXED; /* --model implies --method fixed */
	if (p.method == MSE_SELECT_FIXED && !p.model)
		return cli_usage("estimate", "--method fixed needs --model TERMS, e.g. --model \"LA:NG,NG:GP\"");
	if (from_db) {
		if (from_links)
			return cli_usage("estimate", "--from-db and --from-links cannot be used together");
		if (optind < argc)
			return cli_usage("estimate", "with --from-db, name no files ('%s')", argv[optind]);
		if (!fl.lists)
			fl.lists = "agency";
		if (strcmp(fl.lists, "agency") != 0 && strcmp(fl.lists, "agency_kind") != 0)
			return cli_usage("estimate", "--lists: with --from-db, agency or agency_kind, not '%s'",
					 fl.lists);
		if (fd.from.year && fd.to.year && lt_date_cmp(&fd.from, &fd.to) > 0)
			return cli_usage("estimate", "--from is after --to");
		return estimate_from_db(&c, &fl, &fd, &p, fmt);
	}
	if (fd.from.year || fd.to.year || fd.data_key)
		return cli_usage("estimate", "--from, --to and --data-key go with --from-db");
	if (from_links) {
		if (p.ci == MSE_CI_BCA && isatty(STDERR_FILENO)) {
			p.progress = progress_draw;
			p.progress_user = &prog;
		}
		return estimate_from_links(argv + optind, (size_t)(argc - optind), &fl, &p, fmt);
	}

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
