/*
 * store.c — the parts of the store interface that do not depend on a
 * backend: freeing what the backends hand out, and loading the names that
 * the record checks need (which agencies and which cases exist).
 *
 * store_known_load copies the names out of the store, so the struct
 * lt_known it fills stays valid however the store changes afterwards; a
 * record checked against it may still name an agency added or removed
 * since, which is why the backends check the references again, inside the
 * transaction that writes the record.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

void store_strings_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void store_person_export_release(struct store_person_export *x)
{
	lt_person_release(&x->person);
	for (size_t i = 0; x->referrals && i < x->n_referrals; i++)
		lt_referral_release(&x->referrals[i]);
	free(x->referrals);
	free(x->cases);
	free(x->arrests);
	free(x->shares);
	if (x->audit)
		lt_crypto_wipe(x->audit, x->n_audit * sizeof(*x->audit));
	free(x->audit);
	memset(x, 0, sizeof(*x));
	lt_person_init(&x->person);
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

lt_status store_known_load(struct store *s, struct store_known *k, struct lt_error *err)
{
	struct lt_agency *agencies = NULL;
	size_t n_agencies = 0;
	lt_status st;

	memset(k, 0, sizeof(*k));
	if ((st = store_agency_list(s, &agencies, &n_agencies, err)) != LT_OK)
		goto out;
	if (n_agencies) {
		k->agencies = calloc(n_agencies, sizeof(*k->agencies));
		if (!k->agencies) {
			st = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n_agencies; i++) {
			size_t len = strlen(agencies[i].code);
			if (!(k->agencies[i] = malloc(len + 1))) {
				st = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
				goto out;
			}
			memcpy(k->agencies[i], agencies[i].code, len + 1);
			k->n_agencies++;
		}
	}
	if ((st = store_case_refs(s, &k->cases, &k->n_cases, err)) != LT_OK)
		goto out;

	/* lt_known promises strcmp order, whatever collation the backend sorts
	 * by. */
	if (k->n_agencies > 1)
		qsort(k->agencies, k->n_agencies, sizeof(*k->agencies), strcmp_ptr);
	if (k->n_cases > 1)
		qsort(k->cases, k->n_cases, sizeof(*k->cases), strcmp_ptr);
	k->known.agencies = (const char *const *)k->agencies;
	k->known.n_agencies = k->n_agencies;
	k->known.cases = (const char *const *)k->cases;
	k->known.n_cases = k->n_cases;
out:
	free(agencies);
	if (st != LT_OK)
		store_known_release(k);
	return st;
}

void store_known_release(struct store_known *k)
{
	store_strings_free(k->agencies, k->n_agencies);
	store_strings_free(k->cases, k->n_cases);
	memset(k, 0, sizeof(*k));
}
