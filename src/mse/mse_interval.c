/*
 * mse_interval.c — Wald and profile-likelihood intervals for the population.
 *
 * Wald (log-normal). The intercept alpha0 is the log of the expected dark
 * figure and its estimate is asymptotically normal, so a p-quantile of the
 * population is n + exp(alpha0 + z_p se(alpha0)). This is SparseMSE's
 * estimatepopulation.0 (Chan, Silverman & Vincent 2021) and the interval
 * Silverman (2014, Home Office) calls "normal on the log scale"; the model
 * is taken as fixed, so it says nothing of model uncertainty.
 *
 * Profile likelihood (Cormack 1992, Biometrics 48:567; Baillargeon & Rivest
 * 2007, J. Stat. Softw. 19(5), the Rcapture package's closedpCI, which
 * modslavmse used for the Home Office 2014 figures). The population N is a
 * parameter of the multinomial model of the 2^t cells. For a candidate N
 * the dark cell gets the count n0 = N - n, the log-linear model is fitted to
 * all 2^t cells (the dark cell has the intercept alone), and
 *     l(N) = -D(N)/2 + c(N),  c(N) = log(n0^n0 N! / (N^N n0!)),
 * D(N) the Poisson deviance of that fit. c is the term that turns the
 * Poisson likelihood of the completed table into the multinomial one; like
 * Rcapture we use Stirling's form c = n0 - N - log(n0/N)/2 when N > 100 (and
 * -N + log(2 pi N)/2 when n0 is 0 or 1), exact factorials otherwise. The
 * profile maximum N_max (the multinomial estimate, slightly below the
 * Poisson one) is searched in (n, 1.5 N_poisson) by Brent's minimiser; the
 * bounds are where l falls chi^2_1(level)/2 below l(N_max), found by
 * Brent's root finder in (n, N_max) and (N_max, 3 N_poisson). When l(n) is
 * still above the cut the lower bound is n; when l at the upper search limit
 * is, the interval is open above. Searches run to an absolute tolerance on N
 * (Rcapture's is 1e-4; ours defaults tighter) and allocate nothing.
 */
#include "mse/mse.h"

#include <math.h>
#include <string.h>

#include "mse/mse_int.h"

#include "core/banned.h"

double mse_wald_quantile(const struct mse_fit *f, double p)
{
	return f->n + exp(f->log_dark + mse_qnorm(p) * sqrt(f->log_dark_var));
}

void mse_wald_interval(const struct mse_fit *f, double level, struct mse_interval *out)
{
	memset(out, 0, sizeof(*out));
	out->level = level;
	out->point = f->total;
	out->lower = mse_wald_quantile(f, 0.5 - 0.5 * level);
	out->upper = mse_wald_quantile(f, 0.5 + 0.5 * level);
}

struct profile {
	struct mse_workspace *w;
	const struct mse_table *t;
	const struct mse_model *m;
	const struct mse_fit_params *fit;
	struct lt_error *err;
	lt_status st; /* the first failure of an evaluation */
	unsigned evals;
};

/* The multinomial profile log-likelihood at N (up to a constant). */
static double profile_loglik(struct profile *pr, double N)
{
	double n = pr->t->n, n0 = N - n;
	if (n0 < 0)
		n0 = 0;
	pr->evals++;
	lt_status st = mse_fitter_init_dark(pr->w, pr->t, pr->m, n0, pr->err);
	if (st == LT_OK)
		st = mse_fitter_run(pr->w, pr->fit);
	if (st != LT_OK) {
		if (pr->st == LT_OK)
			pr->st = st;
		return NAN;
	}
	double D = pr->w->dev, ct;
	N = n + n0;
	if (N > 100) {
		if (n0 == 0 || n0 == 1)
			ct = -N + 0.5 * log(2 * M_PI * N);
		else
			ct = n0 - N - 0.5 * log(n0 / N);
	} else {
		ct = (n0 > 0 ? n0 * log(n0) : 0) + mse_lgamma(N + 1) - N * log(N) -
		     mse_lgamma(n0 + 1);
	}
	return -0.5 * D + ct;
}

/*
 * Brent's minimiser of -l on [a, b] (Brent 1973, "Algorithms for
 * Minimization without Derivatives", ch. 5): golden-section steps with
 * parabolic interpolation, stopping when the bracket is within tol of the
 * abscissa. Returns the maximiser; *fmax its value.
 */
static double maximise(struct profile *pr, double a, double b, double tol, unsigned max_eval,
                       double *fmax, bool *ok)
{
	const double c = 0.5 * (3.0 - sqrt(5.0));
	const double eps = sqrt(2.220446e-16);
	double v = a + c * (b - a), w = v, x = v;
	double d = 0, e = 0;
	double fx = -profile_loglik(pr, x), fv = fx, fw = fx;
	unsigned evals = 1;
	*ok = false;
	for (;;) {
		double xm = 0.5 * (a + b);
		double tol1 = eps * fabs(x) + tol / 3;
		double tol2 = 2 * tol1;
		if (fabs(x - xm) <= tol2 - 0.5 * (b - a)) {
			*ok = true;
			break;
		}
		if (evals >= max_eval || isnan(fx))
			break;
		bool golden = true;
		if (fabs(e) > tol1) {
			double r = (x - w) * (fx - fv);
			double q = (x - v) * (fx - fw);
			double p = (x - v) * q - (x - w) * r;
			q = 2 * (q - r);
			if (q > 0)
				p = -p;
			else
				q = -q;
			double etemp = e;
			e = d;
			if (fabs(p) < fabs(0.5 * q * etemp) && p > q * (a - x) && p < q * (b - x)) {
				d = p / q;
				double u = x + d;
				if (u - a < tol2 || b - u < tol2)
					d = x < xm ? tol1 : -tol1;
				golden = false;
			}
		}
		if (golden) {
			e = (x < xm) ? b - x : a - x;
			d = c * e;
		}
		double u = fabs(d) >= tol1 ? x + d : (d > 0 ? x + tol1 : x - tol1);
		double fu = -profile_loglik(pr, u);
		evals++;
		if (fu <= fx) {
			if (u < x)
				b = x;
			else
				a = x;
			v = w;
			fv = fw;
			w = x;
			fw = fx;
			x = u;
			fx = fu;
		} else {
			if (u < x)
				a = u;
			else
				b = u;
			if (fu <= fw || w == x) {
				v = w;
				fv = fw;
				w = u;
				fw = fu;
			} else if (fu <= fv || v == x || v == w) {
				v = u;
				fv = fu;
			}
		}
	}
	*fmax = -fx;
	return x;
}

/*
 * Brent's root finder (Brent 1973, ch. 4) for l(N) - target on [a, b], where
 * the values fa, fb at the ends have opposite signs.
 */
static double root(struct profile *pr, double target, double a, double b, double fa, double fb,
                   double tol, unsigned max_eval, bool *ok)
{
	const double eps = 2.220446e-16;
	double c = a, fc = fa, d = b - a, e = d;
	*ok = false;
	for (unsigned it = 0; it < max_eval; it++) {
		if (fabs(fc) < fabs(fb)) {
			a = b;
			b = c;
			c = a;
			fa = fb;
			fb = fc;
			fc = fa;
		}
		double tol1 = 2 * eps * fabs(b) + 0.5 * tol;
		double xm = 0.5 * (c - b);
		if (fabs(xm) <= tol1 || fb == 0) {
			*ok = true;
			return b;
		}
		if (fabs(e) >= tol1 && fabs(fa) > fabs(fb)) {
			double s = fb / fa, p, q;
			if (a == c) {
				p = 2 * xm * s;
				q = 1 - s;
			} else {
				double qq = fa / fc, r = fb / fc;
				p = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
				q = (qq - 1) * (r - 1) * (s - 1);
			}
			if (p > 0)
				q = -q;
			else
				p = -p;
			if (2 * p < fmin(3 * xm * q - fabs(tol1 * q), fabs(e * q))) {
				e = d;
				d = p / q;
			} else {
				d = xm;
				e = d;
			}
		} else {
			d = xm;
			e = d;
		}
		a = b;
		fa = fb;
		b += fabs(d) > tol1 ? d : (xm > 0 ? tol1 : -tol1);
		fb = profile_loglik(pr, b) - target;
		if (isnan(fb))
			return b;
		if ((fb > 0) == (fc > 0)) {
			c = a;
			fc = fa;
			d = e = b - a;
		}
	}
	return b;
}

lt_status mse_profile_interval(struct mse_workspace *w, const struct mse_table *t,
                               const struct mse_model *m, const struct mse_fit *f, double level,
                               const struct mse_profile_params *params, struct mse_interval *out,
                               struct lt_error *err)
{
	if (!(level > 0 && level < 1) || !(params->tol > 0) || params->max_eval < 3 ||
	    params->max_eval > LT_MSE_ITER_MAX || !(params->upper_factor > 1.5) ||
	    !(params->fit.epsilon > 0) || params->fit.max_iter < 1 ||
	    params->fit.max_iter > LT_MSE_ITER_MAX)
		return lt_error_set(err, LT_EINVAL, "",
		                    "profile interval parameters out of range (level %g)", level);
	if (!f->converged)
		return lt_error_set(err, LT_EINVAL, "",
		                    "the profile interval needs a converged fit of the model");
	if (!(f->total > t->n) || !isfinite(f->total))
		return lt_error_set(err, LT_EINVAL, "",
		                    "the Poisson estimate %g is not a finite number above n = %g",
		                    f->total, t->n);
	struct profile pr = {w, t, m, &params->fit, err, LT_OK, 0};
	const double n = t->n, Np = f->total;
	bool ok;
	memset(out, 0, sizeof(*out));
	out->level = level;

	double lmax;
	double Nmax = maximise(&pr, n, 1.5 * Np, params->tol, params->max_eval, &lmax, &ok);
	if (pr.st != LT_OK || !ok)
		goto fail;
	out->point = Nmax;
	double cut = lmax - 0.5 * mse_qchisq(level, 1);

	double fl = profile_loglik(&pr, n) - cut;
	if (pr.st != LT_OK)
		goto fail;
	if (fl >= 0) {
		out->lower = n;
		out->flags |= MSE_INTERVAL_LOWER_AT_N;
	} else {
		out->lower =
		    root(&pr, cut, n, Nmax, fl, lmax - cut, params->tol, params->max_eval, &ok);
		if (pr.st != LT_OK || !ok)
			goto fail;
	}
	double hi = params->upper_factor * Np;
	double fh = profile_loglik(&pr, hi) - cut;
	if (pr.st != LT_OK)
		goto fail;
	if (fh >= 0) {
		out->upper = hi;
		out->flags |= MSE_INTERVAL_UPPER_OPEN;
	} else {
		out->upper =
		    root(&pr, cut, Nmax, hi, lmax - cut, fh, params->tol, params->max_eval, &ok);
		if (pr.st != LT_OK || !ok)
			goto fail;
	}
	return LT_OK;
fail:
	if (pr.st != LT_OK && pr.st != LT_ENOCONVERGE)
		return pr.st; /* err set by the fit */
	return lt_error_set(err, LT_ENOCONVERGE, "",
	                    "the profile-likelihood search did not converge (%u evaluations)",
	                    pr.evals);
}
