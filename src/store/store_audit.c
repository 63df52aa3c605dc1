/*
 * store_audit.c — verifying the audit chain, the same for every backend.
 *
 * store_audit_verify reads the chain through the store's audit_list and
 * audit_checkpoints calls and recomputes it from the genesis hash
 * (core/audit.h). For entry k, in id order:
 *
 *   1. its prev_hash must be the stored hash of the entry before it (the
 *      genesis hash for the first): otherwise an entry was deleted, inserted
 *      or moved, and k is where the chain breaks;
 *   2. its hash must be BLAKE2b-256(prev_hash || canonical entry): otherwise
 *      its contents were changed after it was written.
 *
 * The hash is not keyed, so someone who can write the database file can
 * rewrite every entry after an edit and recompute a chain that passes 1 and
 * 2. Checkpoints catch that: each is a statement "entry N has hash H" signed
 * with the audit key, and H commits to every entry up to N. A checkpoint is
 * checked when the walk reaches its entry: its signature must verify, its
 * key must be the audit key (when the caller names one), its entry must
 * exist, and the entry's hash must be H. Checkpoints held outside the
 * database (handed to partners) are checked the same way, and are what
 * catches a rewrite that also replaced the stored checkpoints.
 *
 * Problems are reported in chain order: the walk stops at the first entry
 * or checkpoint found wrong, so the verdict names the earliest point from
 * which history cannot be trusted. A chain problem at entry N is reported
 * before a checkpoint problem at the same entry.
 *
 * Consistency while the chain grows: the checkpoints are read before the
 * entries, so every checkpoint read refers to an entry that the walk will
 * read; entries appended during the walk are walked or not, and either way
 * the verdict is true of the chain it walked.
 */
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/banned.h"

/* Entries read per call of audit_list. */
#define VERIFY_PAGE 1000

/* One checkpoint to check: stored (held == NULL) or held outside. */
struct item {
	const struct lt_audit_checkpoint *cp;
	const char *label; /* the held checkpoint's label; NULL for a stored one */
	size_t order;      /* stored ones first, each in its own order */
};

static int item_cmp(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	if (a->cp->entry_id != b->cp->entry_id)
		return a->cp->entry_id < b->cp->entry_id ? -1 : 1;
	return (a->order > b->order) - (a->order < b->order);
}

struct walk {
	struct store_audit_verdict *v;
	const unsigned char *key; /* the audit key, or NULL */
	struct item *items;
	size_t n_items, next; /* items[next] is the next checkpoint to check */
};

LT_PRINTF(3, 4) static void problem(struct walk *w, int64_t entry, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->v->problem, sizeof(w->v->problem), fmt, ap);
	va_end(ap);
	w->v->intact = false;
	w->v->bad_entry = entry;
}

static void item_name(const struct item *it, char *out, size_t cap)
{
	if (it->label)
		snprintf(out, cap, "checkpoint %s", it->label);
	else
		snprintf(out, cap, "checkpoint %lld", (long long)it->cp->id);
}

/*
 * Check one checkpoint against the entry it names: `e` is that entry, or
 * NULL when it does not exist (`at_end`: because the chain ends before it).
 * Returns false, with the problem set, when it fails.
 */
static lt_status check_item(struct walk *w, const struct item *it,
			    const struct store_audit_entry *e, bool at_end, bool *ok,
			    struct lt_error *err)
{
	const struct lt_audit_checkpoint *cp = it->cp;
	char name[300], hk[17], hw[17];
	struct lt_buf b;
	lt_status st;

	*ok = false;
	item_name(it, name, sizeof(name));
	w->v->checkpoints++;
	if (it->label)
		w->v->held++;
	lt_buf_init(&b, 1024);
	st = lt_audit_statement_encode(cp, &b);
	if (st != LT_OK) {
		lt_buf_release(&b);
		return lt_error_set(err, st, NULL, "encoding a checkpoint: %s",
				    lt_status_message(st));
	}
	st = lt_crypto_sign_verify(cp->public_key, b.data, b.len, cp->signature);
	lt_buf_release(&b);
	if (st != LT_OK) {
		problem(w, cp->entry_id, "%s: signature does not verify (forged or replaced)", name);
		return LT_OK;
	}
	if (w->key && memcmp(w->key, cp->public_key, LT_AUDIT_KEY_BYTES) != 0) {
		char full[2 * LT_AUDIT_KEY_BYTES + 1];
		lt_audit_hex(cp->public_key, LT_AUDIT_KEY_BYTES, full);
		memcpy(hk, full, 16);
		hk[16] = '\0';
		lt_audit_hex(w->key, LT_AUDIT_KEY_BYTES, full);
		memcpy(hw, full, 16);
		hw[16] = '\0';
		problem(w, cp->entry_id,
			"%s: signed by key %s..., not by the audit key %s... (replaced?)", name, hk,
			hw);
		return LT_OK;
	}
	if (!e) {
		problem(w, cp->entry_id, "%s at entry %lld: entry %lld is missing (%s)", name,
			(long long)cp->entry_id, (long long)cp->entry_id,
			at_end ? "truncated after a checkpoint?" : "deleted?");
		return LT_OK;
	}
	if (memcmp(e->hash, cp->entry_hash, LT_AUDIT_HASH_BYTES) != 0) {
		problem(w, cp->entry_id,
			"%s at entry %lld: the entry's hash is not the one signed (history "
			"rewritten?)",
			name, (long long)cp->entry_id);
		return LT_OK;
	}
	*ok = true;
	return LT_OK;
}

/* Check the checkpoints before entry id `upto` (exclusive; all of them when
 * `upto` is 0, at the end of the chain), none of whose entries exist. */
static lt_status check_missing(struct walk *w, int64_t upto, bool *ok, struct lt_error *err)
{
	*ok = true;
	while (*ok && w->next < w->n_items &&
	       (upto == 0 || w->items[w->next].cp->entry_id < upto)) {
		lt_status st = check_item(w, &w->items[w->next], NULL, upto == 0, ok, err);
		if (st != LT_OK)
			return st;
		w->next++;
	}
	return LT_OK;
}

lt_status store_audit_verify(struct store *s, const unsigned char key[LT_AUDIT_KEY_BYTES],
			     const struct store_audit_held *held, size_t n_held,
			     struct store_audit_verdict *out, struct lt_error *err)
{
	struct lt_audit_checkpoint *stored = NULL;
	struct store_audit_entry *page = NULL;
	struct item *items = NULL;
	size_t n_stored = 0, n_page = 0;
	unsigned char prev[LT_AUDIT_HASH_BYTES], h[LT_AUDIT_HASH_BYTES];
	int64_t prev_id = 0;
	struct lt_buf b;
	struct walk w;
	lt_status st;
	bool ok = true;

	memset(out, 0, sizeof(*out));
	out->intact = true;
	lt_buf_init(&b, 4096);
	memcpy(prev, lt_audit_genesis, sizeof(prev));
	memset(h, 0, sizeof(h));

	/* Checkpoints first: see the essay on growth. */
	if ((st = store_audit_checkpoints(s, &stored, &n_stored, err)) != LT_OK)
		goto out;
	if (n_stored + n_held > 0) {
		items = calloc(n_stored + n_held, sizeof(*items));
		if (!items) {
			st = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < n_stored; i++)
		items[i] = (struct item){&stored[i], NULL, i};
	for (size_t i = 0; i < n_held; i++)
		items[n_stored + i] = (struct item){&held[i].cp, held[i].label, n_stored + i};
	if (n_stored + n_held > 1)
		qsort(items, n_stored + n_held, sizeof(*items), item_cmp);
	w = (struct walk){out, key, items, n_stored + n_held, 0};

	for (;;) {
		struct store_audit_query q = {prev_id, 0, VERIFY_PAGE, false};
		free(page);
		page = NULL;
		if ((st = store_audit_list(s, &q, &page, &n_page, err)) != LT_OK)
			goto out;
		if (n_page == 0)
			break;
		for (size_t i = 0; i < n_page; i++) {
			const struct store_audit_entry *e = &page[i];
			if ((st = check_missing(&w, e->id, &ok, err)) != LT_OK || !ok)
				goto out;
			if (memcmp(e->prev_hash, prev, sizeof(prev)) != 0 && !e->malformed) {
				if (prev_id == 0)
					problem(&w, e->id,
						"entry %lld: previous hash is not the start of the "
						"chain (deleted, inserted or reordered?)",
						(long long)e->id);
				else
					problem(&w, e->id,
						"entry %lld: previous hash does not match entry %lld "
						"(deleted, inserted or reordered?)",
						(long long)e->id, (long long)prev_id);
				goto out;
			}
			struct lt_audit_fields f = {e->id,     e->at,     e->actor,  e->action,
						    e->object, e->person, e->purpose};
			lt_buf_reset(&b);
			if (!e->malformed) {
				if ((st = lt_audit_entry_encode(&f, &b)) != LT_OK) {
					st = lt_error_set(err, st, NULL, "encoding an entry: %s",
							  lt_status_message(st));
					goto out;
				}
				lt_crypto_hash2(h, e->prev_hash, sizeof(e->prev_hash), b.data,
						b.len);
			}
			if (e->malformed || memcmp(h, e->hash, sizeof(h)) != 0) {
				problem(&w, e->id,
					"entry %lld: hash does not match its contents (edited?)",
					(long long)e->id);
				goto out;
			}
			while (w.next < w.n_items && items[w.next].cp->entry_id == e->id) {
				if ((st = check_item(&w, &items[w.next], e, false, &ok, err)) !=
					    LT_OK ||
				    !ok)
					goto out;
				w.next++;
			}
			memcpy(prev, e->hash, sizeof(prev));
			prev_id = e->id;
			out->entries++;
		}
		if (n_page < VERIFY_PAGE)
			break;
	}
	st = check_missing(&w, 0, &ok, err);
out:
	lt_buf_release(&b);
	free(page);
	free(items);
	free(stored);
	if (st != LT_OK)
		memset(out, 0, sizeof(*out));
	return st;
}
