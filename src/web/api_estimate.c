/*
 * api_estimate.c — POST /api/v1/estimate: multiple systems estimation over
 * HTTP, answering with the same JSON as `lantern estimate --format json`.
 *
 * The capture histories come as either
 *   - text/csv: the file `lantern estimate` reads (one 0/1 column per list,
 *     then `count`), with the options in the query string
 *     (?method=stepwise&ci=bca&nboot=1000&seed=1234 ...); or
 *   - application/json: {"lists": ["LA", "NG", ...],
 *                        "rows": [[1, 0, ..., 54], ...],   (0/1 per list, then the count)
 *                        "method": "stepwise", "ci": "wald", ...}
 *     with the same options as members (or in the query string).
 * A JSON table is turned into the CSV text and read by the same strict
 * reader (mse_table_parse_csv), so both forms give the same errors, naming
 * the row and the column.
 *
 * Options: method, model, ci, level, nboot, seed, threshold, max_order, top,
 * boot_top (docs/estimation.md, "Using it"). Estimation is CPU work on a
 * server thread, so the bootstrap is capped here at WEB_ESTIMATE_NBOOT_MAX
 * replicates on one thread, and a bootstrap of bic or average searches at
 * most WEB_ESTIMATE_BOOT_TOP_MAX models a replicate (the command line has no
 * such caps). With MultipleSystemsEstimation's defaults (100 models for five
 * or six lists) a six-list bic bootstrap of 1,000 replicates takes about
 * two seconds. The route needs a principal holding stats.read (route.c): an
 * estimate touches no record, but it costs seconds of a core, so it is not
 * offered to the public.
 */
#include "web/web_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mse/mse_estimate.h"
#include "core/banned.h"

#define WEB_ESTIMATE_NBOOT_MAX    2000
#define WEB_ESTIMATE_BOOT_TOP_MAX 200

static const char *const option_names[] = {"method", "model",     "ci",        "level",
					   "nboot",  "seed",      "threshold", "max_order",
					   "top",    "boot_top"};
#define NOPTIONS (sizeof(option_names) / sizeof(option_names[0]))

/* Options as text, from the query string or the JSON body. */
struct options {
	char value[NOPTIONS][MSE_ESTIMATE_MODEL_TEXT];
	bool given[NOPTIONS];
};

LT_PRINTF(3, 4)
static void diag(struct lt_diags *d, const char *field, const char *fmt, ...)
{
	struct lt_error e;
	va_list ap;
	lt_error_clear(&e);
	e.status = LT_EINVAL;
	snprintf(e.field, sizeof(e.field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	lt_diags_add(d, &e);
}

static int option_index(const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strcmp(name, option_names[i]) == 0)
			return (int)i;
	return -1;
}

static void option_set(struct options *o, const char *name, const char *v, size_t len,
		       struct lt_diags *d)
{
	int i = option_index(name);
	if (i < 0) {
		diag(d, name, "%s", "is not an option (method, model, ci, level, nboot, seed, "
				    "threshold, max_order, top, boot_top)");
		return;
	}
	if (o->given[i]) {
		diag(d, name, "%s", "was given more than once");
		return;
	}
	if (len >= sizeof(o->value[i])) {
		diag(d, name, "%s", "is too long");
		return;
	}
	memcpy(o->value[i], v, len);
	o->value[i][len] = '\0';
	o->given[i] = true;
}

static bool to_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool to_prob(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 1))
		return false;
	*out = v;
	return true;
}

/* Turn the text options into estimate parameters, every problem into d. */
static void options_apply(const struct options *o, struct mse_estimate_params *p,
			  struct lt_diags *d)
{
	struct lt_error err;
	unsigned long v;
	double x;
	lt_error_clear(&err);
	if (o->given[0] && mse_select_method_parse(o->value[0], &p->method, &err) != LT_OK)
		diag(d, "method", "%s", err.message);
	if (o->given[1]) {
		p->model = o->value[1];
		if (!o->given[0])
			p->method = MSE_SELECT_FIXED;
	}
	lt_error_clear(&err);
	if (o->given[2] && mse_ci_parse(o->value[2], &p->ci, &err) != LT_OK)
		diag(d, "ci", "%s", err.message);
	if (o->given[3]) {
		if (!to_prob(o->value[3], &x) || x <= 0 || x >= 1)
			diag(d, "level", "%s", "must be a number between 0 and 1, such as 0.95");
		else
			p->level = x;
	}
	if (o->given[4]) {
		if (!to_ulong(o->value[4], WEB_ESTIMATE_NBOOT_MAX, &v) || v < 10)
			diag(d, "nboot", "%s", "must be a whole number from 10 to 2000 over the API");
		else
			p->nboot = v;
	}
	if (o->given[5]) {
		if (!to_ulong(o->value[5], 0xffffffffUL, &v))
			diag(d, "seed", "%s", "must be a whole number from 0 to 4294967295");
		else
			p->seed = (uint32_t)v;
	}
	if (o->given[6]) {
		if (!to_prob(o->value[6], &x))
			diag(d, "threshold", "%s", "must be a number from 0 to 1");
		else
			p->select.stepwise_p = p->select.aic_p = x;
	}
	if (o->given[7]) {
		if (!to_ulong(o->value[7], LT_MSE_LISTS_MAX - 1, &v) || v < 1)
			diag(d, "max_order", "%s", "must be a whole number from 1 to 15");
		else
			p->select.max_order = (unsigned)v;
	}
	if (o->given[8]) {
		if (!to_ulong(o->value[8], 1000000, &v))
			diag(d, "top", "%s", "must be a whole number");
		else
			p->select.average_top = v;
	}
	if (o->given[9]) {
		if (!to_ulong(o->value[9], WEB_ESTIMATE_BOOT_TOP_MAX, &v) || v < 1)
			diag(d, "boot_top", "%s", "must be a whole number from 1 to 200 over the API");
		else
			p->boot_top = v;
	}
	if (p->method == MSE_SELECT_FIXED && !p->model)
		diag(d, "model", "%s", "is required with the fixed method, e.g. \"LA:NG,NG:GP\"");
}

/*
 * Write a JSON table ({"lists": [...], "rows": [[0/1..., count], ...]}) as
 * CSV text into b, so the strict CSV reader checks it. Shape errors go to d
 * with the row named (1-based, as the CSV line would be counted: row 1 is
 * the header).
 */
static void json_table_to_csv(json_t *doc, struct lt_buf *b, struct lt_diags *d)
{
	json_t *lists = json_object_get(doc, "lists");
	json_t *rows = json_object_get(doc, "rows");
	char where[32];
	if (!json_is_array(lists) || json_array_size(lists) == 0) {
		diag(d, "lists", "%s", "must be an array of list names");
		return;
	}
	if (!json_is_array(rows)) {
		diag(d, "rows", "%s", "must be an array of rows [0/1 per list..., count]");
		return;
	}
	size_t nl = json_array_size(lists);
	for (size_t i = 0; i < nl; i++) {
		json_t *n = json_array_get(lists, i);
		if (!json_is_string(n)) {
			diag(d, "lists", "%s", "must hold only strings");
			return;
		}
		lt_buf_printf(b, "%s%s", i ? "," : "", json_string_value(n));
	}
	lt_buf_puts(b, ",count\n");
	for (size_t r = 0; r < json_array_size(rows); r++) {
		json_t *row = json_array_get(rows, r);
		snprintf(where, sizeof(where), "rows[%zu]", r);
		if (!json_is_array(row) || json_array_size(row) != nl + 1) {
			diag(d, where, "must be an array of %zu numbers: 0 or 1 per list, then the count",
			     nl + 1);
			return;
		}
		for (size_t j = 0; j <= nl; j++) {
			json_t *v = json_array_get(row, j);
			if (json_is_integer(v))
				lt_buf_printf(b, "%s%" JSON_INTEGER_FORMAT, j ? "," : "", json_integer_value(v));
			else if (json_is_real(v))
				lt_buf_printf(b, "%s%.17g", j ? "," : "", json_real_value(v));
			else {
				diag(d, where, "%s", "must hold only numbers");
				return;
			}
		}
		if (lt_buf_puts(b, "\n") != LT_OK) {
			diag(d, "rows", "%s", "are too many");
			return;
		}
	}
}

void web_api_estimate(struct web_call *c)
{
	const struct web_request *rq = c->rq;
	struct options *o = NULL;
	struct mse_estimate *e = NULL;
	struct mse_table *t = NULL;
	struct mse_estimate_params p = MSE_ESTIMATE_PARAMS_DEFAULT;
	struct web_form q = {0};
	struct lt_diags d;
	struct lt_error err;
	struct lt_buf csv, out;
	json_t *doc = NULL;
	const char *data;
	size_t len;
	lt_status st;

	lt_diags_init(&d);
	lt_error_clear(&err);
	lt_buf_init(&csv, LT_HTTP_BODY_MAX * 2);
	lt_buf_init(&out, LT_HTTP_PAGE_MAX);

	bool is_csv = web_content_type_is(rq->content_type, "text/csv");
	bool is_json = web_content_type_is(rq->content_type, "application/json");
	if (!is_csv && !is_json) {
		web_response_header(c->rs, "Accept-Post", "text/csv, application/json");
		web_error(c, WEB_KIND_API, LT_EMEDIATYPE,
			  "Send the capture histories as text/csv or application/json.", NULL);
		goto out;
	}
	o = calloc(1, sizeof(*o));
	e = malloc(sizeof(*e));
	if (!o || !e) {
		web_error(c, WEB_KIND_API, LT_ENOMEM, "Out of memory.", NULL);
		goto out;
	}
	st = web_form_parse(c->query, strlen(c->query), &q, &err);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_API, st, "The query string could not be read.", NULL);
		goto out;
	}
	for (size_t i = 0; i < q.count; i++)
		option_set(o, q.pairs[i].name, q.pairs[i].value, q.pairs[i].value_len, &d);

	data = rq->body ? rq->body : "";
	len = rq->body_len;
	if (is_json) {
		json_error_t je;
		doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(doc)) {
			web_error(c, WEB_KIND_API, LT_EPARSE,
				  doc ? "The body must be a JSON object." : "The body is not valid JSON.",
				  NULL);
			goto out;
		}
		const char *key;
		json_t *v;
		json_object_foreach(doc, key, v)
		{
			char num[64];
			if (strcmp(key, "lists") == 0 || strcmp(key, "rows") == 0)
				continue;
			if (json_is_string(v))
				option_set(o, key, json_string_value(v), json_string_length(v), &d);
			else if (json_is_integer(v)) {
				snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
				option_set(o, key, num, strlen(num), &d);
			} else if (json_is_real(v)) {
				snprintf(num, sizeof(num), "%.17g", json_real_value(v));
				option_set(o, key, num, strlen(num), &d);
			} else
				diag(&d, key, "%s", "must be a string or a number");
		}
		json_table_to_csv(doc, &csv, &d);
		data = lt_buf_str(&csv);
		len = csv.len;
	}
	options_apply(o, &p, &d);
	if (d.count) {
		web_error(c, WEB_KIND_API, LT_EINVAL, "The request is not valid.", &d);
		goto out;
	}
	st = mse_table_parse_csv(data, len, &t, &err);
	if (st != LT_OK) {
		diag(&d, err.field[0] ? err.field : "histories", "%s", err.message);
		web_error(c, WEB_KIND_API, st, "The capture histories are not valid.", &d);
		goto out;
	}
	p.select.nthreads = 1;
	st = mse_estimate_run(t, &p, e, &err);
	if (st != LT_OK) {
		diag(&d, err.field[0] ? err.field : "model", "%s",
		     err.message[0] ? err.message : lt_status_message(st));
		web_error(c, WEB_KIND_API, st, "No estimate could be made.", &d);
		goto out;
	}
	st = mse_estimate_format(e, MSE_ESTIMATE_JSON, &out);
	if (st != LT_OK) {
		web_error(c, WEB_KIND_API, st, "The answer could not be built.", NULL);
		goto out;
	}
	web_response_body(c->rs, 200, "application/json", &out);
	c->rs->outcome = LT_OK;
out:
	json_decref(doc);
	web_form_release(&q);
	mse_table_free(t);
	free(e);
	free(o);
	lt_buf_release(&csv);
	lt_buf_release(&out);
	lt_diags_release(&d);
}
