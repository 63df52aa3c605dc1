/*
 * mse_gsl.c — the one file of lantern that includes GSL.
 *
 * The estimation module needs a handful of distribution functions: normal
 * quantiles for Wald intervals and BCa, Poisson tails for SparseMSE's
 * stepwise test, a chi-squared quantile for the profile interval. GSL
 * (Galassi et al., GNU Scientific Library Reference Manual, §20 "Random
 * Number Distributions") computes them with the algorithms R uses (Wichura's
 * AS 241 for the normal quantile; the regularised incomplete gamma function
 * for Poisson tails), which the golden tests rely on.
 *
 * GSL's default error handler prints and aborts. A library core must not
 * abort on a domain error, so the handler is switched off once, on first
 * use, before any GSL call; the functions below check their arguments and
 * return NaN for those outside the domain instead of calling GSL with them.
 */
#include "mse/mse_int.h"

#include <math.h>
#include <pthread.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

#include "core/banned.h"

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

static void gsl_setup(void)
{
	gsl_set_error_handler_off();
}

static void ready(void)
{
	pthread_once(&gsl_once, gsl_setup);
}

double mse_pnorm(double x)
{
	ready();
	if (isnan(x))
		return NAN;
	return gsl_cdf_ugaussian_P(x);
}

double mse_pnorm_upper(double x)
{
	ready();
	if (isnan(x))
		return NAN;
	return gsl_cdf_ugaussian_Q(x);
}

double mse_qnorm(double p)
{
	ready();
	if (!(p >= 0 && p <= 1))
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	return gsl_cdf_ugaussian_Pinv(p);
}

double mse_qchisq(double p, double df)
{
	ready();
	if (!(p >= 0 && p < 1) || !(df > 0))
		return NAN;
	if (df == 1) {
		/* chi^2_1 is Z^2: exact through the normal quantile. */
		double z = gsl_cdf_ugaussian_Pinv(0.5 + 0.5 * p);
		return z * z;
	}
	return gsl_cdf_chisq_Pinv(p, df);
}

double mse_ppois(double k, double lambda)
{
	ready();
	if (isnan(k) || !(lambda >= 0))
		return NAN;
	if (k < 0)
		return 0;
	k = floor(k);
	if (lambda == 0)
		return 1;
	if (k >= 4294967295.0)
		return 1;
	return gsl_cdf_poisson_P((unsigned)k, lambda);
}

double mse_ppois_upper(double k, double lambda)
{
	ready();
	if (isnan(k) || !(lambda >= 0))
		return NAN;
	if (k < 0)
		return 1;
	k = floor(k);
	if (lambda == 0)
		return 0;
	if (k >= 4294967295.0)
		return 0;
	return gsl_cdf_poisson_Q((unsigned)k, lambda);
}

double mse_lgamma(double x)
{
	ready();
	if (!(x > 0))
		return NAN;
	gsl_sf_result r;
	if (gsl_sf_lngamma_e(x, &r) != GSL_SUCCESS)
		return NAN;
	return r.val;
}
