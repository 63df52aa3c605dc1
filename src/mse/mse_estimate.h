/*
 * mse_estimate.h — one estimate of the unreported, end to end: the method,
 * the interval, the figures a reader needs and the warnings that matter.
 *
 * This is what `lantern estimate` and `POST /api/v1/estimate` both run, so
 * the command and the API cannot disagree: a table of capture histories and
 * a few choices go in; out come the observed n, the estimated population,
 * its interval, the model chosen, the hidden figure and its share of the
 * total, the fit's statistics, the ranked models of an exhaustive search,
 * and warnings in plain words. mse_estimate_format writes it as a table for
 * people or as JSON (the same fields either way).
 *
 * Intervals:
 *   wald     n + exp(log dark ± z se) from the chosen model, treating the
 *            model as known (SparseMSE's estimatepopulation.0). For
 *            `average` this choice (the default) gives instead the
 *            model-averaged interval of mse_select_average — the central
 *            quantiles of the BIC-weighted mixture of the models' Wald
 *            distributions — reported as "model_average".
 *   profile  the profile-likelihood interval of the chosen model (Rcapture's
 *            closedpCI, the Home Office 2014 procedure); model fixed. Not
 *            for `average`, which has no one model (LT_EINVAL).
 *   bca      SparseMSE's bootstrap: the method, model selection included,
 *            re-run on every resample; BCa with a grouped jackknife. With a
 *            selecting method the only interval here that carries the
 *            uncertainty of choosing the model. For `bic` and `average`
 *            each resample searches only the best `boot_top` models of the
 *            data's ranking, MultipleSystemsEstimation's procedure
 *            (mse_boot.h; default mse_boot_default_ntop: every model for
 *            two or three lists, 20 for four, 100 for five or six).
 *
 * No I/O: the caller supplies the table and, for a progress bar, a
 * callback.
 */
#ifndef LT_MSE_ESTIMATE_H
#define LT_MSE_ESTIMATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "mse/mse.h"
#include "mse/mse_boot.h"
#include "mse/mse_select.h"

enum mse_ci { MSE_CI_WALD, MSE_CI_PROFILE, MSE_CI_BCA };

/* "wald", "profile", "bca" and back. */
const char *mse_ci_name(enum mse_ci ci);
lt_status mse_ci_parse(const char *s, enum mse_ci *out, struct lt_error *err);

#define MSE_ESTIMATE_WARNINGS_MAX 16
#define MSE_ESTIMATE_TOP_MAX      10 /* ranked models reported */
#define MSE_ESTIMATE_MODEL_TEXT   1024

struct mse_estimate_params {
	enum mse_select_method method;
	const char *model; /* the model of `fixed` ("LA:NG,NG:GP"); NULL otherwise */
	enum mse_ci ci;
	double level;                    /* coverage of the interval, in (0, 1): 0.95 */
	size_t nboot;                    /* bca: replicates (1000) */
	uint32_t seed;                   /* bca: seed (1234, SparseMSE's default) */
	size_t boot_top;                 /* bca of bic, average: models each resample searches, the
	                                    best of the data's ranking; 0 for
	                                    MultipleSystemsEstimation's default */
	struct mse_select_params select; /* thresholds, max order, threads, fit settings */
	mse_boot_progress_fn progress;   /* bca: progress callback, NULL for none */
	void *progress_user;
};
#define MSE_ESTIMATE_PARAMS_DEFAULT                                                                \
	{                                                                                          \
		MSE_SELECT_STEPWISE, NULL, MSE_CI_WALD, 0.95, 1000, 1234, 0,                       \
		    MSE_SELECT_PARAMS_DEFAULT, NULL, NULL                                          \
	}

struct mse_estimate_top {
	char model[MSE_ESTIMATE_MODEL_TEXT];
	double total, bic, weight;
};

struct mse_estimate {
	unsigned nlists;
	char lists[LT_MSE_LISTS_MAX][LT_MSE_NAME_MAX + 1];
	double n; /* observed cases */
	enum mse_select_method method;
	char model[MSE_ESTIMATE_MODEL_TEXT]; /* the model chosen, "" for main effects */
	unsigned nterms;
	double total;        /* the estimated population N */
	double hidden;       /* total - n: the estimated unreported */
	double hidden_share; /* hidden / total */
	/* The interval. */
	enum mse_ci ci;
	bool model_average; /* the interval is the average's mixture interval */
	double level, lower, upper;
	bool lower_at_n, upper_open;
	/* The chosen model's fit. */
	double deviance, df_residual, loglik, aic, bic;
	unsigned nparams; /* counted as MultipleSystemsEstimation counts them */
	unsigned nneginf; /* -inf terms (pairs with no case in common) */
	/* bic and average: the best models. */
	size_t nmodels; /* valid models ranked */
	size_t ntop;
	struct mse_estimate_top top[MSE_ESTIMATE_TOP_MAX];
	/* bca. */
	size_t nboot, nboot_failed;
	double z0, ahat;
	uint32_t seed;
	size_t boot_models; /* bic, average: models each resample searched (else 0) */
	double boot_weight; /* average: the share of the data's BIC weight they carry */
	/* Warnings, in plain words. */
	size_t nwarnings;
	char warnings[MSE_ESTIMATE_WARNINGS_MAX][LT_MESSAGE_MAX];
};

/*
 * Estimate from table `t` as `p` asks. Fills *out. Errors: LT_EINVAL for
 * bad parameters or a model that does not parse (err names the field);
 * LT_ENOMLE / LT_ENOTIDENT with the reason when the chosen or given model
 * cannot be estimated; LT_ENOCONVERGE; LT_ENOMEM; LT_ECANCELED when the
 * progress callback cancelled the bootstrap.
 */
lt_status mse_estimate_run(const struct mse_table *t, const struct mse_estimate_params *p,
                           struct mse_estimate *out, struct lt_error *err);

enum mse_estimate_format { MSE_ESTIMATE_TABLE, MSE_ESTIMATE_JSON };

/* Append the estimate to `out` as a table for people or as JSON. */
lt_status mse_estimate_format(const struct mse_estimate *e, enum mse_estimate_format fmt,
                              struct lt_buf *out);

#endif
