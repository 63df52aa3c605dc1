/*
 * mse_glpk.c — the one file of lantern that includes GLPK.
 *
 * The existence test of the extended MLE is a linear programme (Fienberg &
 * Rinaldo 2012, Ann. Statist. 40:996, §4 and their supplement; as set up in
 * SparseMSE's checkident with lpSolve): with A the 0/1 design (parameters x
 * cells) and t = A y the observed margins,
 *     maximise s  subject to  A x = t,  x_k >= s for every cell,  x, s >= 0.
 * Here it is solved in the equivalent smaller form with u = x - s:
 *     maximise s  subject to  A u + (A 1) s = t,  u >= 0,  s >= 0,
 * which has one row per parameter instead of one per parameter and cell.
 * x = y, s = 0 is always feasible and s <= n / cells, so the optimum exists.
 *
 * GLPK (Makhorin, GNU Linear Programming Kit Reference Manual, §2.8 and
 * §6.1) aborts the process on an internal error unless an error hook jumps
 * out; the hook here longjmps back to the call, frees GLPK's environment of
 * this thread (as the manual requires after an error) and reports
 * LT_EINTERNAL. Terminal output is switched off.
 *
 * Threads. GLPK keeps one environment per thread, created on first use; a
 * problem object belongs to the environment of the thread that created it.
 * A thread-specific key with a destructor frees a thread's environment when
 * the thread exits, so worker threads that solved LPs leave nothing behind.
 * A problem object remembers its thread and the generation of that thread's
 * environment; one made elsewhere or before a reset is abandoned (its memory
 * went, or goes, with its environment) and a new one is made.
 */
#include "mse/mse_int.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <glpk.h>

#include "core/banned.h"

struct mse_lp {
	glp_prob *prob;
	const void *owner; /* the thread whose environment holds prob */
	unsigned gen;      /* the generation of that environment */
	int *ia, *ja;
	double *ar;
	size_t cap;   /* of ia, ja, ar (1-based: cap - 1 entries) */
	size_t ncols; /* columns of the last problem: cells + 1 */
};

static _Thread_local unsigned env_gen = 1;
static _Thread_local char thread_token; /* its address identifies the thread */

static pthread_key_t env_key;
static pthread_once_t env_key_once = PTHREAD_ONCE_INIT;
static bool env_key_ok;

static void env_destroy(void *p)
{
	(void)p;
	glp_free_env();
}

static void env_key_create(void)
{
	env_key_ok = pthread_key_create(&env_key, env_destroy) == 0;
}

/* Arrange for this thread's GLPK environment to be freed when it exits. */
static void env_track(void)
{
	pthread_once(&env_key_once, env_key_create);
	if (env_key_ok && !pthread_getspecific(env_key))
		pthread_setspecific(env_key, &thread_token);
}

/* Is lp's problem object usable from this thread? */
static bool prob_here(const struct mse_lp *lp)
{
	return lp->prob && lp->owner == &thread_token && lp->gen == env_gen;
}

static void hook(void *info)
{
	longjmp(*(jmp_buf *)info, 1);
}

struct mse_lp *mse_lp_alloc(void)
{
	return calloc(1, sizeof(struct mse_lp));
}

void mse_lp_free(struct mse_lp *lp)
{
	if (!lp)
		return;
	if (prob_here(lp)) {
		jmp_buf jb;
		if (setjmp(jb) == 0) {
			glp_error_hook(hook, &jb);
			glp_delete_prob(lp->prob);
		} else {
			glp_free_env();
			env_gen++;
		}
		glp_error_hook(NULL, NULL);
	}
	free(lp->ia);
	free(lp->ja);
	free(lp->ar);
	free(lp);
}

static bool grow(struct mse_lp *lp, size_t need)
{
	if (need <= lp->cap)
		return true;
	size_t ncap = lp->cap ? lp->cap : 1024;
	while (ncap < need)
		ncap *= 2;
	int *ia = realloc(lp->ia, ncap * sizeof(int));
	if (ia)
		lp->ia = ia;
	int *ja = realloc(lp->ja, ncap * sizeof(int));
	if (ja)
		lp->ja = ja;
	double *ar = realloc(lp->ar, ncap * sizeof(double));
	if (ar)
		lp->ar = ar;
	if (!ia || !ja || !ar)
		return false;
	lp->cap = ncap;
	return true;
}

/* Solve the loaded problem: simplex, or the rational simplex when asked or
 * when the floating-point simplex does not reach an optimum. */
static int solve(glp_prob *P, bool exact)
{
	glp_smcp parm;
	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.presolve = GLP_OFF;
	if (!exact) {
		if (glp_simplex(P, &parm) == 0 && glp_get_status(P) == GLP_OPT)
			return 0;
	}
	if (glp_exact(P, &parm) == 0 && glp_get_status(P) == GLP_OPT)
		return 0;
	return -1;
}

lt_status mse_lp_max_min(struct mse_lp *lp, size_t nterms, const uint32_t *terms, size_t ncells,
                         const uint32_t *cells, const double *rhs, bool exact, double *s_out,
                         struct lt_error *err)
{
	jmp_buf jb;
	volatile lt_status st = LT_OK;

	/* The nonzeros of [A, A1]. */
	size_t nz = 0;
	for (size_t j = 0; j < nterms; j++)
		for (size_t k = 0; k < ncells; k++)
			nz += (terms[j] & cells[k]) == terms[j];
	if (nterms > 0x7fffffff || ncells > 0x7ffffffe || !grow(lp, nz + nterms + 1))
		return lt_error_set(err, LT_ENOMEM, "", "out of memory for the existence LP");
	size_t e = 0;
	for (size_t j = 0; j < nterms; j++) {
		double rowsum = 0;
		for (size_t k = 0; k < ncells; k++)
			if ((terms[j] & cells[k]) == terms[j]) {
				e++;
				lp->ia[e] = (int)j + 1;
				lp->ja[e] = (int)k + 1;
				lp->ar[e] = 1;
				rowsum += 1;
			}
		if (rowsum > 0) {
			e++;
			lp->ia[e] = (int)j + 1;
			lp->ja[e] = (int)ncells + 1;
			lp->ar[e] = rowsum;
		}
	}

	if (setjmp(jb) != 0) {
		glp_error_hook(NULL, NULL);
		glp_free_env();
		env_gen++;
		lp->prob = NULL;
		return lt_error_set(err, LT_EINTERNAL, "", "GLPK failed on the existence LP");
	}
	glp_error_hook(hook, &jb);
	glp_term_out(GLP_OFF);
	env_track();
	if (!prob_here(lp)) {
		lp->prob = glp_create_prob();
		lp->owner = &thread_token;
		lp->gen = env_gen;
	} else {
		glp_erase_prob(lp->prob);
	}
	glp_prob *P = lp->prob;
	glp_set_obj_dir(P, GLP_MAX);
	glp_add_rows(P, (int)nterms);
	glp_add_cols(P, (int)ncells + 1);
	/* The floating-point simplex sees the margins scaled to at most 1; the
	 * rational one the whole numbers themselves. */
	double scale = 1;
	if (!exact)
		for (size_t j = 0; j < nterms; j++)
			if (rhs[j] > scale)
				scale = rhs[j];
	for (size_t j = 0; j < nterms; j++)
		glp_set_row_bnds(P, (int)j + 1, GLP_FX, rhs[j] / scale, rhs[j] / scale);
	for (size_t k = 0; k <= ncells; k++) {
		glp_set_col_bnds(P, (int)k + 1, GLP_LO, 0, 0);
		glp_set_obj_coef(P, (int)k + 1, k == ncells ? 1 : 0);
	}
	glp_load_matrix(P, (int)e, lp->ia, lp->ja, lp->ar);
	lp->ncols = ncells + 1;
	if (solve(P, exact) != 0)
		st = lt_error_set(err, LT_EINTERNAL, "",
		                  "GLPK could not solve the existence LP (status %d)",
		                  glp_get_status(P));
	else
		*s_out = glp_get_obj_val(P) * scale;
	glp_error_hook(NULL, NULL);
	return st;
}

lt_status mse_lp_max_cell(struct mse_lp *lp, size_t k, double *out, struct lt_error *err)
{
	jmp_buf jb;
	volatile lt_status st = LT_OK;
	if (!prob_here(lp) || k + 1 >= lp->ncols)
		return lt_error_set(err, LT_EINTERNAL, "", "no existence LP is loaded");
	if (setjmp(jb) != 0) {
		glp_error_hook(NULL, NULL);
		glp_free_env();
		env_gen++;
		lp->prob = NULL;
		return lt_error_set(err, LT_EINTERNAL, "", "GLPK failed on the existence LP");
	}
	glp_error_hook(hook, &jb);
	glp_term_out(GLP_OFF);
	glp_prob *P = lp->prob;
	/* x_k = u_k + s. */
	for (size_t c = 0; c < lp->ncols; c++)
		glp_set_obj_coef(P, (int)c + 1, (c == k || c + 1 == lp->ncols) ? 1 : 0);
	if (solve(P, false) != 0)
		st = lt_error_set(err, LT_EINTERNAL, "",
		                  "GLPK could not solve the existence LP (status %d)",
		                  glp_get_status(P));
	else
		*out = glp_get_obj_val(P);
	glp_error_hook(NULL, NULL);
	return st;
}

/* ---- Added for the bootstrap's worker threads (mse_boot.c; see mse_int.h). ---- */

void mse_lp_thread_exit(void)
{
	glp_free_env();
	env_gen++;
}
