/*
 * mse_boot_rng.c — R-compatible random numbers for the bootstrap.
 *
 * SparseMSE's bootstrap draws its resamples with R's rmultinom after
 * set.seed(iseed). To give the same replicates, lantern reproduces, draw for
 * draw, the three layers R uses (R 3.6 and later, default kinds):
 *
 *   Uniforms. The Mersenne Twister MT19937 (Matsumoto & Nishimura 1998,
 *   ACM TOMACS 8:3) in its 1999 real-number form: the tempered 32-bit word
 *   times 2^-32, with 0 and 1 nudged inside the interval. R's set.seed(s)
 *   scrambles s with fifty steps of the linear congruential map
 *   s <- 69069 s + 1 (mod 2^32), then fills position and state with the next
 *   625 steps; the position word is then reset to 624, so the first 32-bit
 *   output is the first word of a freshly twisted state.
 *
 *   Binomials. Kachitvichyanukul & Schmeiser (1988), Comm. ACM 31:216,
 *   algorithm BTPE (triangle, parallelogram and exponential tails, with the
 *   squeeze and the Stirling-series test) for n·min(p, 1-p) >= 30, and
 *   sequential inversion from 0 below that, exactly as R evaluates them,
 *   including R's (q)^n by repeated squaring, its constant 0.1666666666666 in
 *   the squeeze and its sign convention in the Stirling test; the variate is
 *   drawn for min(p, 1-p) and reflected.
 *
 *   Multinomials. Successive conditional binomials: the k-th count is
 *   Binomial(n remaining, p_k / p_remaining), with p_remaining kept in long
 *   double, stopping when nothing remains.
 *
 * Reproducing another program's floating point bit for bit means evaluating
 * the same expressions in the same order; each step below says what it
 * computes. The generator state is a plain struct (no statics), so threads
 * may each hold one. Checked against R through SparseMSE's stored bootstrap
 * replicates (tests/mse/test_mse_boot.c).
 */
#include "mse/mse_boot.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "core/bug.h"
#include "core/banned.h"

#define MT_N      624
#define MT_M      397
#define MT_UPPER  0x80000000u
#define MT_LOWER  0x7fffffffu
#define MT_MATRIX 0x9908b0dfu

void mse_rng_seed(struct mse_rng *r, uint32_t seed)
{
	uint32_t s = seed;
	for (int j = 0; j < 50; j++)
		s = 69069u * s + 1u;
	/* The first of the 625 words is R's position slot, overwritten below. */
	s = 69069u * s + 1u;
	for (int j = 0; j < MT_N; j++) {
		s = 69069u * s + 1u;
		r->mt[j] = s;
	}
	r->mti = MT_N;
}

static void mt_twist(uint32_t *mt)
{
	for (int k = 0; k < MT_N; k++) {
		uint32_t y = (mt[k] & MT_UPPER) | (mt[(k + 1) % MT_N] & MT_LOWER);
		mt[k] = mt[(k + MT_M) % MT_N] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX : 0u);
	}
}

double mse_rng_uniform(struct mse_rng *r)
{
	if (r->mti >= MT_N) {
		mt_twist(r->mt);
		r->mti = 0;
	}
	uint32_t y = r->mt[r->mti++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	y ^= y >> 18;
	double u = (double)y * 2.3283064365386963e-10; /* 2^-32 */
	/* Keep strictly inside (0, 1): half of 1/(2^32 - 1) from either end. */
	const double half_step = 0.5 * 2.328306437080797e-10;
	if (u <= 0.0)
		return half_step;
	if (1.0 - u <= 0.0)
		return 1.0 - half_step;
	return u;
}

/* x^k for k >= 1 by binary powering, the rounding R's R_pow_di gives. */
static double pow_by_squaring(double x, long k)
{
	double acc = 1.0;
	for (;;) {
		if (k & 1)
			acc *= x;
		k >>= 1;
		if (!k)
			break;
		x *= x;
	}
	return acc;
}

/* The Stirling-series correction term (13860 - ...)/x/166320 of BTPE. */
static double stirling_term(double x, double x2)
{
	return (13860. - (462. - (132. - (99. - 140. / x2) / x2) / x2) / x2) / x / 166320.;
}

/* Inversion from 0 for a small mean: the pmf recurrence
 * f(i) = f(i-1) (g/i - r), restarting with a new uniform past 110. */
static int binomial_inversion(struct mse_rng *rng, double qn, double g, double r)
{
	for (;;) {
		int ix = 0;
		double f = qn;
		double u = mse_rng_uniform(rng);
		for (;;) {
			if (u < f)
				return ix;
			if (ix > 110)
				break;
			u -= f;
			ix++;
			f *= (g / ix - r);
		}
	}
}

/* BTPE for n p >= 30, p <= 1/2. */
static int binomial_btpe(struct mse_rng *rng, int n, double p, double q, double np, double g,
                         double r)
{
	double ffm = np + p;
	int m = (int)ffm;
	double fm = m;
	double npq = np * q;
	double p1 = (int)(2.195 * sqrt(npq) - 4.6 * q) + 0.5;
	double xm = fm + 0.5;
	double xl = xm - p1;
	double xr = xm + p1;
	double c = 0.134 + 20.5 / (15.3 + fm);
	double al = (ffm - xl) / (ffm - xl * p);
	double xll = al * (1.0 + 0.5 * al);
	al = (xr - ffm) / (xr * q);
	double xlr = al * (1.0 + 0.5 * al);
	double p2 = p1 * (1.0 + c + c);
	double p3 = p2 + c / xll;
	double p4 = p3 + c / xlr;

	for (;;) {
		double u = mse_rng_uniform(rng) * p4;
		double v = mse_rng_uniform(rng);
		int ix;
		if (u <= p1) /* the triangle: accepted outright */
			return (int)(xm - p1 * v + u);
		if (u <= p2) { /* the parallelograms */
			double x = xl + (u - p1) / c;
			v = v * c + 1.0 - fabs(xm - x) / p1;
			if (v > 1.0 || v <= 0.)
				continue;
			ix = (int)x;
		} else if (u > p3) { /* the right exponential tail */
			ix = (int)(xr - log(v) / xlr);
			if (ix > n)
				continue;
			v = v * (u - p3) * xlr;
		} else { /* the left exponential tail */
			ix = (int)(xl + log(v) / xll);
			if (ix < 0)
				continue;
			v = v * (u - p2) * xll;
		}
		int k = abs(ix - m);
		if (k <= 20 || k >= npq / 2 - 1) {
			/* f(ix)/f(m) by the recurrence. */
			double f = 1.0;
			if (m < ix) {
				for (int i = m + 1; i <= ix; i++)
					f *= (g / i - r);
			} else if (m != ix) {
				for (int i = ix + 1; i <= m; i++)
					f /= (g / i - r);
			}
			if (v <= f)
				return ix;
			continue;
		}
		/* Squeeze between bounds on log f(ix)/f(m). */
		double amaxp = (k / npq) * ((k * (k / 3. + 0.625) + 0.1666666666666) / npq + 0.5);
		double ynorm = (double)(-(long long)k * k) / (2.0 * npq);
		double alv = log(v);
		if (alv < ynorm - amaxp)
			return ix;
		if (alv > ynorm + amaxp)
			continue;
		/* The final test with Stirling's series. */
		double x1 = ix + 1;
		double f1 = fm + 1.0;
		double z = n + 1 - fm;
		double w = n - ix + 1.0;
		double bound = xm * log(f1 / x1) + (n - m + 0.5) * log(z / w) +
		               (ix - m) * log(w * p / (x1 * q)) + stirling_term(f1, f1 * f1) +
		               stirling_term(z, z * z) + stirling_term(x1, x1 * x1) +
		               stirling_term(w, w * w);
		if (alv <= bound)
			return ix;
	}
}

long mse_rng_binomial(struct mse_rng *rng, long nl, double pp)
{
	LT_ASSERT(nl >= 0 && nl < INT_MAX && pp >= 0.0 && pp <= 1.0);
	if (nl == 0 || pp == 0.0)
		return 0;
	if (pp == 1.0)
		return nl;
	int n = (int)nl;
	double p = pp < 1. - pp ? pp : 1. - pp;
	double q = 1. - p;
	double np = n * p;
	double r = p / q;
	double g = r * (n + 1);
	int ix;
	if (np < 30.0)
		ix = binomial_inversion(rng, pow_by_squaring(q, n), g, r);
	else
		ix = binomial_btpe(rng, n, p, q, np, g, r);
	if (pp > 0.5)
		ix = n - ix;
	return ix;
}

void mse_rng_multinomial(struct mse_rng *rng, long n, const double *prob, size_t k, long *out)
{
	LT_ASSERT(k >= 1 && n >= 0 && n < INT_MAX);
	/* R's rmultinom() first divides prob by the sum of its positive entries
	 * (in double), then draws with the remaining mass in long double. */
	double sum = 0.0;
	for (size_t i = 0; i < k; i++) {
		LT_ASSERT(prob[i] >= 0.0 && isfinite(prob[i]));
		if (prob[i] > 0.0)
			sum += prob[i];
	}
	LT_ASSERT(sum > 0.0);
	long double remaining = 0.0L;
	for (size_t i = 0; i < k; i++) {
		remaining += prob[i] / sum;
		out[i] = 0;
	}
	if (n == 0)
		return;
	for (size_t i = 0; i + 1 < k; i++) {
		double pi = prob[i] / sum;
		if (pi != 0.0) {
			double pp = (double)(pi / remaining);
			out[i] = pp < 1.0 ? mse_rng_binomial(rng, n, pp) : n;
			n -= out[i];
		}
		if (n <= 0)
			return;
		remaining -= pi;
	}
	out[k - 1] = n;
}
