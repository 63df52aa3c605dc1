/*
 * store_sqlite_util.c — the small SQLite helpers the backend's files share
 * (store_sqlite_int.h, "Shared helpers"): preparing a statement, copying a
 * text column, the actor text of a principal, checking a one-line purpose
 * or reason, growing an array of rows, and the sealed columns of a person
 * read inside a transaction to be opened after it. One of the
 * store_sqlite*.c files that include <sqlite3.h>.
 *
 * They were copied per file (store_sqlite_person.c, _pseudo.c, _link.c,
 * _estimate.c); one copy keeps their errors the same everywhere. The sealed
 * columns are secrets' containers: freed with lt_crypto_free_secret.
 */
#include "store/store.h"
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "crypto/crypto.h"
#include "core/record.h"
#include "core/banned.h"

lt_status store_sqlite_prep(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct lt_error *err)
{
	int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
	return rc == SQLITE_OK ? LT_OK : store_sqlite_fail(db, rc, "preparing a statement", err);
}

void store_sqlite_column_copy(sqlite3_stmt *st, int col, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t len = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
	if (len >= cap)
		len = cap - 1;
	if (len)
		memcpy(out, t, len);
	out[len] = '\0';
}

void store_sqlite_actor_of(const struct lt_principal *p, char out[64])
{
	snprintf(out, 64, "%s:%lld", p->kind == LT_PRINCIPAL_USER ? "user" : "token",
	         (long long)p->id);
}

lt_status store_sqlite_line_check(const char *text, const char *field, const char *required,
                                  struct lt_error *err)
{
	size_t n = text ? strlen(text) : 0;
	if (n == 0)
		return lt_error_set(err, LT_EINVAL, field, "is required: %s", required);
	if (n > LT_AUDIT_PURPOSE_MAX)
		return lt_error_set(err, LT_EINVAL, field, "is at most %d bytes",
		                    LT_AUDIT_PURPOSE_MAX);
	if (!lt_text_valid(text, n) || strchr(text, '\n') || strchr(text, '\r'))
		return lt_error_set(err, LT_EINVAL, field, "must be one line of UTF-8 text");
	return LT_OK;
}

lt_status store_sqlite_grow(void *items, size_t n, size_t *cap, size_t size, size_t first,
                            struct lt_error *err)
{
	void *v;
	if (n < *cap)
		return LT_OK;
	size_t nc = *cap ? *cap * 2 : first;
	memcpy(&v, items, sizeof(v));
	void *nv = realloc(v, nc * size);
	if (!nv)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	memcpy(items, &nv, sizeof(nv));
	*cap = nc;
	return LT_OK;
}

void store_sqlite_sealed_free(struct store_sealed_row *x)
{
	if (x->wrapped)
		lt_crypto_free_secret(x->wrapped, x->wrapped_len);
	if (x->sealed)
		lt_crypto_free_secret(x->sealed, x->sealed_len);
	memset(x, 0, sizeof(*x));
}

static lt_status blob_dup(sqlite3_stmt *st, int col, unsigned char **out, size_t *n,
                          struct lt_error *err)
{
	const void *p = sqlite3_column_blob(st, col);
	*n = (size_t)sqlite3_column_bytes(st, col);
	*out = malloc(*n ? *n : 1);
	if (!*out)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	if (*n)
		memcpy(*out, p, *n);
	return LT_OK;
}

lt_status store_sqlite_sealed_take(sqlite3_stmt *st, int col, struct store_sealed_row *x,
                                   struct lt_error *err)
{
	lt_status r;
	x->master = (uint32_t)sqlite3_column_int64(st, col);
	x->gen = (uint32_t)sqlite3_column_int64(st, col + 1);
	if (sqlite3_column_bytes(st, col + 4) == (int)sizeof(x->check)) {
		memcpy(x->check, sqlite3_column_blob(st, col + 4), sizeof(x->check));
		x->check_len = sizeof(x->check);
	}
	if ((r = blob_dup(st, col + 2, &x->wrapped, &x->wrapped_len, err)) != LT_OK)
		return r;
	return blob_dup(st, col + 3, &x->sealed, &x->sealed_len, err);
}

lt_status store_sqlite_keys_check(const struct lt_crypto_keyring *keys, struct lt_error *err)
{
	if (!keys || keys->n == 0)
		return lt_error_set(err, LT_ECRYPTO, "data-key",
		                    "no data key was given: personal data cannot be opened without "
		                    "the data key file (lantern key init)");
	return LT_OK;
}
