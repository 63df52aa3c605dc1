/*
 * mse_estimate.c — the estimate report of mse_estimate.h: method, interval,
 * figures and warnings, and their table and JSON forms.
 *
 * One run is: check the parameters; select the model by the method
 * (mse_select_run); refit the chosen model with the reference fit
 * (mse_model_fit) for its statistics; form the interval asked for; add the
 * warnings. The interval of `average` is the mixture interval of
 * mse_select_average unless the bootstrap is asked for. The bootstrap of
 * `bic` and `average` follows MultipleSystemsEstimation's
 * estimate_population_bic (Silverman, Chan & Vincent 2024, Stat. Comput.
 * 34:44): the search on the data ranks every model; the ranked table is then
 * cut to its best boot_top models (mse_bic_table_restrict), and every
 * resample and jackknife fit searches only those. The point estimate stays
 * the full search's. For `average` the models kept may carry less than all
 * of the BIC weight; the report says how much, and warns below 99%.
 *
 * The report owns no memory: every figure, model and warning is copied into
 * struct mse_estimate, so the caller may free the table at once.
 */
#include "mse/mse_estimate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

static const char *const ci_names[] = {"wald", "profile", "bca"};

const char *mse_ci_name(enum mse_ci ci)
{
	LT_ASSERT((unsigned)ci < 3);
	return ci_names[ci];
}

lt_status mse_ci_parse(const char *s, enum mse_ci *out, struct lt_error *err)
{
	for (unsigned i = 0; i < 3; i++) {
		if (strcmp(s, ci_names[i]) == 0) {
			*out = (enum mse_ci)i;
			return LT_OK;
		}
	}
	char q[80];
	lt_error_quote(q, sizeof(q), s, strlen(s), 40);
	return lt_error_set(err, LT_EINVAL, "ci",
	                    "unknown value '%s' (expected one of: wald, profile, bca)", q);
}

/* ---- warnings ------------------------------------------------------------ */

LT_PRINTF(2, 3)
static void warn(struct mse_estimate *e, const char *fmt, ...)
{
	if (e->nwarnings == MSE_ESTIMATE_WARNINGS_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->warnings[e->nwarnings++], LT_MESSAGE_MAX, fmt, ap);
	va_end(ap);
}

/* Append "A & B" pairs to a list, "..." when it is full. */
static void pair_list_add(char *buf, size_t cap, const struct mse_table *t, unsigned i, unsigned j)
{
	size_t len = strlen(buf);
	if (len + 8 >= cap)
		return;
	int n =
	    snprintf(buf + len, cap - len, "%s%s & %s", len ? ", " : "", t->names[i], t->names[j]);
	if (n < 0 || (size_t)n >= cap - len)
		snprintf(buf + (cap > 5 ? cap - 5 : 0), 5, "...");
}

static void add_warnings(const struct mse_table *t, struct mse_estimate *e)
{
	char empty[300] = "", sparse[300] = "";
	unsigned nempty = 0, nsparse = 0;

	if (t->nlists == 2)
		warn(e,
		     "Only two lists: the estimate assumes that being on one list makes being on "
		     "the other neither more nor less likely, and two lists cannot test that.");
	for (unsigned i = 0; i < t->nlists; i++) {
		for (unsigned j = i + 1; j < t->nlists; j++) {
			double m = mse_table_margin(t, (1u << i) | (1u << j));
			if (m == 0) {
				nempty++;
				pair_list_add(empty, sizeof(empty), t, i, j);
			} else if (m < 5) {
				nsparse++;
				pair_list_add(sparse, sizeof(sparse), t, i, j);
			}
		}
	}
	if (nempty)
		warn(e,
		     "%u pair%s of lists share%s no case (%s): such overlaps carry no information "
		     "about how those lists depend on each other (sparse overlaps).",
		     nempty, nempty == 1 ? "" : "s", nempty == 1 ? "s" : "", empty);
	if (nsparse)
		warn(e,
		     "%u pair%s of lists share%s fewer than 5 cases (%s): estimates from sparse "
		     "overlaps are unstable.",
		     nsparse, nsparse == 1 ? "" : "s", nsparse == 1 ? "s" : "", sparse);
	if (e->hidden_share > 0.75)
		warn(e,
		     "%.0f%% of the estimated population is unseen: the figure rests heavily on "
		     "the model; read the interval rather than the point.",
		     100 * e->hidden_share);
	/* Two lists leave no model to choose: only main effects are identifiable. */
	if (e->ci != MSE_CI_BCA && e->method != MSE_SELECT_FIXED && e->method != MSE_SELECT_MAIN &&
	    e->method != MSE_SELECT_AVERAGE && t->nlists > 2)
		warn(e,
		     "The %s interval treats the chosen model as if it were known; --ci bca also "
		     "carries the uncertainty of choosing it.",
		     mse_ci_name(e->ci));
	if (e->upper_open)
		warn(e, "The interval is open above: the data do not rule out populations much "
		        "larger than the estimate.");
	if (e->lower_at_n)
		warn(e, "The lower end of the interval is the number observed.");
	if (e->nboot_failed)
		warn(e, "%zu of %zu bootstrap replicates could not be estimated and were left out.",
		     e->nboot_failed, e->nboot);
	if (e->method == MSE_SELECT_AVERAGE && e->boot_models && e->boot_weight < 0.99)
		warn(
		    e,
		    "Each bootstrap replicate re-weights only the %zu best models, which carry "
		    "%.1f%% of the BIC weight on the data: the interval is that of an average over "
		    "fewer models than the estimate's; search more (--boot-top, API boot_top).",
		    e->boot_models, 100 * e->boot_weight);
	warn(e, "The estimate assumes a closed population, lists linked without error, and "
	        "people equally likely to be listed within each group the model describes; "
	        "see docs/estimation.md.");
}

/* ---- running ------------------------------------------------------------- */

lt_status mse_estimate_run(const struct mse_table *t, const struct mse_estimate_params *p,
                           struct mse_estimate *out, struct lt_error *err)
{
	struct mse_select_workspace *sw = NULL;
	struct mse_workspace *fw = NULL;
	struct mse_bic_table *b = NULL;
	struct mse_model fixed, model;
	struct mse_selection sel;
	struct mse_fit fit;
	struct mse_boot_result boot;
	struct mse_select_params sp = p->select;
	lt_status st;

	memset(out, 0, sizeof(*out));
	memset(&boot, 0, sizeof(boot));
	mse_model_init(&fixed, t->nlists);

	if (!(p->level > 0 && p->level < 1))
		return lt_error_set(err, LT_EINVAL, "level", "must be between 0 and 1, not %g",
		                    p->level);
	if (p->ci == MSE_CI_BCA && (p->nboot < 10 || p->nboot > MSE_BOOT_NBOOT_MAX))
		return lt_error_set(err, LT_EINVAL, "nboot", "must be from 10 to %d, not %zu",
		                    MSE_BOOT_NBOOT_MAX, p->nboot);
	if (p->method == MSE_SELECT_AVERAGE && p->ci == MSE_CI_PROFILE)
		return lt_error_set(
		    err, LT_EINVAL, "ci",
		    "a profile interval belongs to one model; the average's interval "
		    "is its model-averaged one (the default) or bca");
	sp.level = p->level;
	if ((st = mse_select_params_check(&sp, err)) != LT_OK)
		return st;
	if (p->method == MSE_SELECT_FIXED) {
		if (!p->model)
			return lt_error_set(err, LT_EINVAL, "model",
			                    "is required with the fixed method, e.g. \"%s:%s\"",
			                    t->names[0], t->names[1]);
		if ((st = mse_model_parse(t, p->model, &fixed, err)) != LT_OK)
			return st;
	}

	out->nlists = t->nlists;
	for (unsigned i = 0; i < t->nlists; i++)
		memcpy(out->lists[i], t->names[i], sizeof(out->lists[i]));
	out->n = t->n;
	out->method = p->method;
	out->ci = p->ci;
	out->model_average = p->method == MSE_SELECT_AVERAGE && p->ci == MSE_CI_WALD;
	out->level = p->level;

	sw = mse_select_workspace_alloc(t->nlists, sp.nthreads);
	if (!sw) {
		st = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
		goto out;
	}
	if (p->method == MSE_SELECT_BIC || p->method == MSE_SELECT_AVERAGE) {
		if ((st = mse_bic_table_alloc(t->nlists, sp.max_order, &b, err)) != LT_OK)
			goto out;
	}
	if ((st = mse_select_run(sw, t, p->method, &fixed, &sp, b, &sel, err)) != LT_OK)
		goto out;
	model = sel.model;
	out->nterms = model.nterms;
	if ((st = mse_model_format(t, &model, out->model, sizeof(out->model))) != LT_OK) {
		lt_error_set(err, st, "model", "the chosen model is too long to print");
		goto out;
	}
	out->total = sel.total;
	out->hidden = sel.total - sel.n;
	out->hidden_share = sel.total > 0 ? out->hidden / sel.total : 0;
	out->nmodels = sel.nmodels;

	/* The chosen model's own fit, for its statistics and the intervals. */
	fw = mse_workspace_alloc(t->nlists, 1 + t->nlists + model.nterms);
	if (!fw) {
		st = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
		goto out;
	}
	if ((st = mse_model_fit(fw, t, &model, &sp.fit, &fit, err)) != LT_OK)
		goto out;
	out->deviance = fit.deviance;
	out->df_residual = fit.df_residual;
	out->loglik = fit.loglik;
	out->aic = fit.aic;
	out->bic = fit.bic;
	out->nparams = fit.nparams_model;
	out->nneginf = fit.nneginf;

	if (b) {
		for (size_t i = 0; i < b->nvalid && out->ntop < MSE_ESTIMATE_TOP_MAX; i++) {
			struct mse_estimate_top *tp = &out->top[out->ntop++];
			struct mse_model m;
			mse_bic_model(t->nlists, b->rows[i].terms, &m);
			if (mse_model_format(t, &m, tp->model, sizeof(tp->model)) != LT_OK)
				snprintf(tp->model, sizeof(tp->model), "(too long)");
			tp->total = b->rows[i].total;
			tp->bic = b->rows[i].bic;
			tp->weight = b->rows[i].weight;
		}
	}

	switch (p->ci) {
	case MSE_CI_WALD:
		if (p->method == MSE_SELECT_AVERAGE) {
			out->lower = sel.lower;
			out->upper = sel.upper;
		} else {
			struct mse_interval iv;
			mse_wald_interval(&fit, p->level, &iv);
			out->lower = iv.lower;
			out->upper = iv.upper;
		}
		break;
	case MSE_CI_PROFILE: {
		struct mse_interval iv;
		struct mse_profile_params pp = MSE_PROFILE_PARAMS_DEFAULT;
		if ((st = mse_profile_interval(fw, t, &model, &fit, p->level, &pp, &iv, err)) !=
		    LT_OK)
			goto out;
		out->lower = iv.lower;
		out->upper = iv.upper;
		out->lower_at_n = (iv.flags & MSE_INTERVAL_LOWER_AT_N) != 0;
		out->upper_open = (iv.flags & MSE_INTERVAL_UPPER_OPEN) != 0;
		break;
	}
	case MSE_CI_BCA: {
		struct mse_boot_select arg = {p->method, &fixed, sp, NULL};
		struct mse_boot_method bm;
		if (b) {
			/* MultipleSystemsEstimation's bootstrap: every resample
			 * searches only the best models of the data's ranking. */
			size_t ntop = p->boot_top ? p->boot_top : mse_boot_default_ntop(t->nlists);
			size_t keep = ntop < b->nvalid ? ntop : b->nvalid;
			double w = 0;
			for (size_t i = 0; i < keep; i++)
				w += b->rows[i].weight;
			if ((st = mse_bic_table_restrict(b, keep, err)) != LT_OK)
				goto out;
			out->boot_models = keep;
			out->boot_weight = p->method == MSE_SELECT_AVERAGE ? w : NAN;
			arg.models = b;
		}
		double alpha[2] = {(1 - p->level) / 2, 1 - (1 - p->level) / 2};
		struct mse_boot_params bp = {0};
		arg.params.nthreads = 1; /* the bootstrap owns the threads */
		mse_boot_method_select(&bm, &arg);
		bp.nboot = p->nboot;
		bp.seed = p->seed;
		bp.nthreads = sp.nthreads;
		bp.alpha = alpha;
		bp.nalpha = 2;
		bp.jackknife = true;
		bp.progress = p->progress;
		bp.progress_user = p->progress_user;
		if ((st = mse_boot_run(&bm, t, &bp, &boot, err)) != LT_OK)
			goto out;
		if (boot.cancelled) {
			st = lt_error_set(err, LT_ECANCELED, NULL, "the bootstrap was cancelled");
			goto out;
		}
		if (!boot.bca_ok) {
			st = lt_error_set(err, LT_EINVAL, "ci", "no BCa interval: %s",
			                  boot.bca_message);
			goto out;
		}
		out->lower = boot.bound[0];
		out->upper = boot.bound[1];
		out->nboot = boot.nboot;
		out->nboot_failed = boot.nfailed;
		out->z0 = boot.bca.z0;
		out->ahat = boot.bca.ahat;
		out->seed = p->seed;
		break;
	}
	}
	add_warnings(t, out);
	st = LT_OK;
out:
	mse_boot_result_release(&boot);
	mse_workspace_free(fw);
	mse_bic_table_free(b);
	mse_select_workspace_free(sw);
	return st;
}

/* ---- formats ------------------------------------------------------------- */

static lt_status json_str(struct lt_buf *b, const char *s)
{
	lt_status st = lt_buf_puts(b, "\"");
	for (; *s && st == LT_OK; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			st = lt_buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			st = lt_buf_printf(b, "\\u%04x", c);
		else
			st = lt_buf_append(b, s, 1);
	}
	return st == LT_OK ? lt_buf_puts(b, "\"") : st;
}

/* A number, or null when it is not finite. */
static lt_status json_num(struct lt_buf *b, double v)
{
	return isfinite(v) ? lt_buf_printf(b, "%.15g", v) : lt_buf_puts(b, "null");
}

/* The interval's name in JSON: the --ci choice, or "model_average". */
static const char *interval_name(const struct mse_estimate *e)
{
	return e->model_average ? "model_average" : mse_ci_name(e->ci);
}

static lt_status format_json(const struct mse_estimate *e, struct lt_buf *b)
{
	lt_status st = lt_buf_puts(b, "{\"lists\":[");
	for (unsigned i = 0; i < e->nlists && st == LT_OK; i++) {
		if (i)
			st = lt_buf_puts(b, ",");
		if (st == LT_OK)
			st = json_str(b, e->lists[i]);
	}
#define NUM(key, v)                                                                                \
	do {                                                                                       \
		if (st == LT_OK)                                                                   \
			st = lt_buf_puts(b, ",\"" key "\":");                                      \
		if (st == LT_OK)                                                                   \
			st = json_num(b, (v));                                                     \
	} while (0)
	if (st == LT_OK)
		st = lt_buf_puts(b, "]");
	NUM("observed", e->n);
	if (st == LT_OK)
		st = lt_buf_printf(
		    b, ",\"method\":\"%s\",\"model\":", mse_select_method_name(e->method));
	if (st == LT_OK)
		st = json_str(b, e->model);
	NUM("estimate", e->total);
	NUM("hidden", e->hidden);
	NUM("hidden_share", e->hidden_share);
	if (st == LT_OK)
		st = lt_buf_printf(b, ",\"interval\":{\"method\":\"%s\"", interval_name(e));
	NUM("level", e->level);
	NUM("lower", e->lower);
	NUM("upper", e->upper);
	if (st == LT_OK)
		st = lt_buf_printf(b, ",\"lower_at_observed\":%s,\"open_above\":%s",
		                   e->lower_at_n ? "true" : "false",
		                   e->upper_open ? "true" : "false");
	if (st == LT_OK && e->ci == MSE_CI_BCA) {
		st = lt_buf_printf(b, ",\"nboot\":%zu,\"failed\":%zu,\"seed\":%u", e->nboot,
		                   e->nboot_failed, (unsigned)e->seed);
		if (st == LT_OK && e->boot_models)
			st = lt_buf_printf(b, ",\"models_searched\":%zu", e->boot_models);
		if (e->boot_models && e->method == MSE_SELECT_AVERAGE)
			NUM("models_searched_weight", e->boot_weight);
		NUM("z0", e->z0);
		NUM("acceleration", e->ahat);
	}
	if (st == LT_OK)
		st = lt_buf_puts(b, "},\"fit\":{");
	if (st == LT_OK)
		st = lt_buf_printf(b, "\"parameters\":%u,\"minus_infinity_terms\":%u", e->nparams,
		                   e->nneginf);
	NUM("deviance", e->deviance);
	NUM("df_residual", e->df_residual);
	NUM("loglik", e->loglik);
	NUM("aic", e->aic);
	NUM("bic", e->bic);
	if (st == LT_OK)
		st = lt_buf_puts(b, "}");
	if (st == LT_OK && e->ntop) {
		st = lt_buf_printf(b, ",\"models_ranked\":%zu,\"top_models\":[", e->nmodels);
		for (size_t i = 0; i < e->ntop && st == LT_OK; i++) {
			st = lt_buf_puts(b, i ? ",{\"model\":" : "{\"model\":");
			if (st == LT_OK)
				st = json_str(b, e->top[i].model);
			NUM("estimate", e->top[i].total);
			NUM("bic", e->top[i].bic);
			NUM("weight", e->method == MSE_SELECT_AVERAGE ? e->top[i].weight : NAN);
			if (st == LT_OK)
				st = lt_buf_puts(b, "}");
		}
		if (st == LT_OK)
			st = lt_buf_puts(b, "]");
	}
#undef NUM
	if (st == LT_OK)
		st = lt_buf_puts(b, ",\"warnings\":[");
	for (size_t i = 0; i < e->nwarnings && st == LT_OK; i++) {
		if (i)
			st = lt_buf_puts(b, ",");
		if (st == LT_OK)
			st = json_str(b, e->warnings[i]);
	}
	if (st == LT_OK)
		st = lt_buf_puts(b, "]}\n");
	return st;
}

static lt_status format_table(const struct mse_estimate *e, struct lt_buf *b)
{
	/* The labels' column: 26 wide, or the interval's label if longer
	 * ("99.5% interval (model average)"). */
	char label[64];
	snprintf(label, sizeof(label), "%g%% interval (%s)", 100 * e->level,
	         e->model_average ? "model average" : mse_ci_name(e->ci));
	int w = strlen(label) > 26 ? (int)strlen(label) : 26;
	lt_status st =
	    lt_buf_printf(b, "%-*s %.0f on %u lists (", w, "Observed cases", e->n, e->nlists);
	for (unsigned i = 0; i < e->nlists && st == LT_OK; i++)
		st = lt_buf_printf(b, "%s%s", i ? ", " : "", e->lists[i]);
	if (st == LT_OK)
		st = lt_buf_printf(b, ")\n%-*s %s\n", w, "Method",
		                   mse_select_method_name(e->method));
	if (st == LT_OK)
		st = lt_buf_printf(b, "%-*s %s\n", w, "Model",
		                   e->nterms ? e->model : "main effects only (lists independent)");
	if (st == LT_OK)
		st = lt_buf_printf(b, "%-*s %.0f\n", w, "Estimated population", e->total);
	if (st == LT_OK)
		st = lt_buf_printf(b, "%-*s %.0f to %.0f%s\n", w, label, e->lower, e->upper,
		                   e->upper_open ? " or more" : "");
	if (st == LT_OK)
		st = lt_buf_printf(b, "%-*s %.0f (%.1f%% of the estimate)\n", w,
		                   "Unreported (hidden)", e->hidden, 100 * e->hidden_share);
	if (st == LT_OK)
		st = lt_buf_printf(
		    b, "%-*s deviance %.3f on %.0f df, AIC %.3f, BIC %.3f, %u parameters\n", w,
		    "Fit", e->deviance, e->df_residual, e->aic, e->bic, e->nparams);
	if (st == LT_OK && e->ci == MSE_CI_BCA)
		st = lt_buf_printf(b, "%-*s %zu replicates (seed %u), z0 %.4f, acceleration %.4f\n",
		                   w, "Bootstrap", e->nboot, (unsigned)e->seed, e->z0, e->ahat);
	if (st == LT_OK && e->ci == MSE_CI_BCA && e->boot_models)
		st = lt_buf_printf(b,
		                   "%-*s each replicate searches the %zu best models of the data\n",
		                   w, "", e->boot_models);
	if (st == LT_OK && e->ntop) {
		st = lt_buf_printf(b, "\nBest models by BIC (%zu ranked):\n  %10s %10s %7s  %s\n",
		                   e->nmodels, "estimate", "BIC", "weight", "model");
		for (size_t i = 0; i < e->ntop && st == LT_OK; i++) {
			char wt[16] = "      -";
			if (e->method == MSE_SELECT_AVERAGE)
				snprintf(wt, sizeof(wt), "%7.4f", e->top[i].weight);
			st = lt_buf_printf(b, "  %10.0f %10.3f %s  %s\n", e->top[i].total,
			                   e->top[i].bic, wt,
			                   e->top[i].model[0] ? e->top[i].model : "main effects");
		}
	}
	if (st == LT_OK && e->nwarnings)
		st = lt_buf_puts(b, "\nWarnings:\n");
	for (size_t i = 0; i < e->nwarnings && st == LT_OK; i++)
		st = lt_buf_printf(b, "  - %s\n", e->warnings[i]);
	return st;
}

lt_status mse_estimate_format(const struct mse_estimate *e, enum mse_estimate_format fmt,
                              struct lt_buf *out)
{
	return fmt == MSE_ESTIMATE_JSON ? format_json(e, out) : format_table(e, out);
}
