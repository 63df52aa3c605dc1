/*
 * link_cluster.c — connected components, cluster checks and pairwise
 * evaluation (link_cluster.h).
 *
 * Union-find: parent pointers with path halving (every node on a find's
 * path is pointed at its grandparent, a form of path compression that
 * needs no recursion) and union by size; a run over m edges and n records
 * costs O((n + m) α(n)).
 *
 * Splitting a flagged cluster: its members are gathered, its edges (both
 * ends inside) collected, and components re-formed over the edges whose
 * odds p/(1-p) reach the threshold's odds times split_factor^step, step
 * 1, 2, ... LT_LINK_SPLIT_STEPS, stopping at the first step where no piece
 * is flagged. Edges are gathered once by sorting edge indices by the
 * cluster of their first record.
 *
 * Evaluation counts pairs in groups without listing them: records sorted by
 * (key1, key2, source) put each group (same key1 and key2) and, inside it,
 * each source in runs; a group of n records with n_s in source s holds
 * n(n-1)/2 pairs in all, sum n_s(n_s-1)/2 within sources and the
 * difference across them.
 */
#include "linkage/link_cluster.h"

#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

/* ---- union-find --------------------------------------------------------- */

lt_status lt_link_uf_init(struct lt_link_uf *uf, size_t n)
{
	memset(uf, 0, sizeof(*uf));
	if (n >= UINT32_MAX)
		return LT_ETOOBIG;
	uf->parent = malloc((n ? n : 1) * sizeof(*uf->parent));
	uf->size = malloc((n ? n : 1) * sizeof(*uf->size));
	if (!uf->parent || !uf->size) {
		lt_link_uf_release(uf);
		return LT_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		uf->parent[i] = (uint32_t)i;
		uf->size[i] = 1;
	}
	uf->n = n;
	return LT_OK;
}

void lt_link_uf_release(struct lt_link_uf *uf)
{
	free(uf->parent);
	free(uf->size);
	memset(uf, 0, sizeof(*uf));
}

uint32_t lt_link_uf_find(struct lt_link_uf *uf, uint32_t x)
{
	LT_ASSERT(x < uf->n);
	while (uf->parent[x] != x) {
		uf->parent[x] = uf->parent[uf->parent[x]];
		x = uf->parent[x];
	}
	return x;
}

int lt_link_uf_union(struct lt_link_uf *uf, uint32_t x, uint32_t y)
{
	x = lt_link_uf_find(uf, x);
	y = lt_link_uf_find(uf, y);
	if (x == y)
		return 0;
	if (uf->size[x] < uf->size[y]) {
		uint32_t t = x;
		x = y;
		y = t;
	}
	uf->parent[y] = x;
	uf->size[x] += uf->size[y];
	return 1;
}

/* ---- clusters ----------------------------------------------------------- */

void lt_link_cluster_opts_default(struct lt_link_cluster_opts *o)
{
	o->threshold = 0.9;
	o->size_max = 0;
	o->density_min = 0.2;
	o->split = 0;
	o->split_factor = 4.0;
}

void lt_link_clusters_release(struct lt_link_clusters *c)
{
	free(c->cluster);
	free(c->size);
	free(c->edges);
	free(c->flags);
	memset(c, 0, sizeof(*c));
}

static uint8_t check_flags(uint64_t k, uint64_t edges, const struct lt_link_cluster_opts *o)
{
	uint8_t f = 0;
	if (o->size_max > 0 && k > o->size_max)
		f |= LT_LINK_CLUSTER_BIG;
	if (k >= 3 && o->density_min > 0 &&
	    (double)edges < o->density_min * (double)(k * (k - 1) / 2))
		f |= LT_LINK_CLUSTER_LOOSE;
	return f;
}

static double odds(double p)
{
	if (p >= 1.0)
		return 1e300;
	if (p <= 0.0)
		return 0.0;
	return p / (1.0 - p);
}

/* Grow the per-cluster arrays of c to hold `n` clusters. */
static lt_status grow(struct lt_link_clusters *c, size_t *cap, size_t n)
{
	if (n <= *cap)
		return LT_OK;
	size_t nc = *cap ? *cap : 16;
	while (nc < n)
		nc *= 2;
	uint32_t *s = realloc(c->size, nc * sizeof(*s));
	if (s)
		c->size = s;
	uint64_t *e = realloc(c->edges, nc * sizeof(*e));
	if (e)
		c->edges = e;
	uint8_t *f = realloc(c->flags, nc * sizeof(*f));
	if (f)
		c->flags = f;
	if (!s || !e || !f)
		return LT_ENOMEM;
	*cap = nc;
	return LT_OK;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

/*
 * Split cluster `cid` (members `mem`, `nm` of them; its edges `eidx` into
 * `edges`, `ne` of them) by raising the threshold. `uf` is a union-find over
 * all records, used only on the members (reset here). New pieces after the
 * first get new cluster ids. `local` is scratch of nrec entries.
 */
static lt_status split_cluster(struct lt_link_clusters *c, size_t *cap, uint32_t cid,
                               const uint32_t *mem, size_t nm, const struct lt_link_edge *edges,
                               const size_t *eidx, size_t ne, const struct lt_link_cluster_opts *o,
                               struct lt_link_uf *uf, uint32_t *piece_of_root,
                               uint64_t *piece_edges)
{
	double base = odds(o->threshold);
	double factor = 1.0;
	size_t npiece = 0;
	for (int step = 1; step <= LT_LINK_SPLIT_STEPS; step++) {
		factor *= o->split_factor;
		double need = base * factor;
		for (size_t i = 0; i < nm; i++) {
			uf->parent[mem[i]] = mem[i];
			uf->size[mem[i]] = 1;
		}
		for (size_t i = 0; i < ne; i++) {
			const struct lt_link_edge *e = &edges[eidx[i]];
			if (odds(e->p) >= need)
				lt_link_uf_union(uf, e->a, e->b);
		}
		/* number the pieces by their first member */
		npiece = 0;
		for (size_t i = 0; i < nm; i++) {
			uint32_t r = lt_link_uf_find(uf, mem[i]);
			if (r == mem[i])
				piece_of_root[r] = (uint32_t)npiece++;
		}
		for (size_t i = 0; i < npiece; i++)
			piece_edges[i] = 0;
		for (size_t i = 0; i < ne; i++) {
			const struct lt_link_edge *e = &edges[eidx[i]];
			if (odds(e->p) >= need)
				piece_edges[piece_of_root[lt_link_uf_find(uf, e->a)]]++;
		}
		int flagged = 0;
		for (size_t i = 0; i < nm && !flagged; i++) {
			uint32_t r = lt_link_uf_find(uf, mem[i]);
			if (r == mem[i] &&
			    check_flags(uf->size[r], piece_edges[piece_of_root[r]], o))
				flagged = 1;
		}
		if (!flagged || step == LT_LINK_SPLIT_STEPS)
			break;
	}
	/* piece 0 keeps cid; the others get new ids */
	uint32_t first = (uint32_t)c->ncluster;
	lt_status st = grow(c, cap, c->ncluster + (npiece - 1));
	if (st != LT_OK)
		return st;
	c->ncluster += npiece - 1;
	for (size_t i = 0; i < nm; i++) {
		uint32_t r = lt_link_uf_find(uf, mem[i]);
		uint32_t piece = piece_of_root[r];
		uint32_t id = piece == 0 ? cid : first + piece - 1;
		c->cluster[mem[i]] = id;
		if (r == mem[i]) {
			c->size[id] = uf->size[r];
			c->edges[id] = piece_edges[piece];
			c->flags[id] = (uint8_t)(check_flags(uf->size[r], piece_edges[piece], o) |
			                         LT_LINK_CLUSTER_SPLIT);
		}
	}
	return LT_OK;
}

lt_status lt_link_cluster(const struct lt_link_edge *edges, size_t nedge, size_t nrec,
                          const struct lt_link_cluster_opts *opts, struct lt_link_clusters *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < nedge; i++)
		if (edges[i].a >= nrec || edges[i].b >= nrec)
			return LT_EINVAL;
	struct lt_link_uf uf;
	lt_status st = lt_link_uf_init(&uf, nrec);
	if (st != LT_OK)
		return st;
	uint32_t *root_id = NULL, *mem = NULL, *start = NULL, *piece_of_root = NULL;
	size_t *eidx = NULL, *estart = NULL;
	uint64_t *piece_edges = NULL;
	size_t cap = 0;
	const double t = opts->threshold;
	for (size_t i = 0; i < nedge; i++)
		if (edges[i].p >= t)
			lt_link_uf_union(&uf, edges[i].a, edges[i].b);
	out->nrec = nrec;
	out->cluster = malloc((nrec ? nrec : 1) * sizeof(*out->cluster));
	root_id = malloc((nrec ? nrec : 1) * sizeof(*root_id));
	if (!out->cluster || !root_id) {
		st = LT_ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < nrec; r++)
		root_id[r] = UINT32_MAX;
	for (size_t r = 0; r < nrec; r++) {
		uint32_t root = lt_link_uf_find(&uf, (uint32_t)r);
		if (root_id[root] == UINT32_MAX) {
			st = grow(out, &cap, out->ncluster + 1);
			if (st != LT_OK)
				goto out;
			root_id[root] = (uint32_t)out->ncluster;
			out->size[out->ncluster] = 0;
			out->edges[out->ncluster] = 0;
			out->flags[out->ncluster] = 0;
			out->ncluster++;
		}
		out->cluster[r] = root_id[root];
		out->size[root_id[root]]++;
	}
	for (size_t i = 0; i < nedge; i++)
		if (edges[i].p >= t)
			out->edges[out->cluster[edges[i].a]]++;
	size_t nc0 = out->ncluster;
	for (size_t c = 0; c < nc0; c++) {
		out->flags[c] = check_flags(out->size[c], out->edges[c], opts);
		if (out->flags[c])
			out->nflagged++;
	}
	if (opts->split && out->nflagged > 0) {
		/* members of each cluster: counting sort by cluster id */
		start = calloc(nc0 + 1, sizeof(*start));
		mem = malloc((nrec ? nrec : 1) * sizeof(*mem));
		estart = calloc(nc0 + 1, sizeof(*estart));
		size_t nin = 0;
		for (size_t i = 0; i < nedge; i++)
			if (edges[i].p >= t)
				nin++;
		eidx = malloc((nin ? nin : 1) * sizeof(*eidx));
		piece_of_root = malloc((nrec ? nrec : 1) * sizeof(*piece_of_root));
		piece_edges = malloc((nrec ? nrec : 1) * sizeof(*piece_edges));
		if (!start || !mem || !estart || !eidx || !piece_of_root || !piece_edges) {
			st = LT_ENOMEM;
			goto out;
		}
		for (size_t r = 0; r < nrec; r++)
			start[out->cluster[r] + 1]++;
		for (size_t c = 0; c < nc0; c++)
			start[c + 1] += start[c];
		for (size_t r = 0; r < nrec; r++)
			mem[start[out->cluster[r]]++] = (uint32_t)r;
		for (size_t c = nc0; c > 0; c--)
			start[c] = start[c - 1];
		start[0] = 0;
		for (size_t i = 0; i < nedge; i++)
			if (edges[i].p >= t)
				estart[out->cluster[edges[i].a] + 1]++;
		for (size_t c = 0; c < nc0; c++)
			estart[c + 1] += estart[c];
		for (size_t i = 0; i < nedge; i++)
			if (edges[i].p >= t)
				eidx[estart[out->cluster[edges[i].a]]++] = i;
		for (size_t c = nc0; c > 0; c--)
			estart[c] = estart[c - 1];
		estart[0] = 0;
		for (size_t c = 0; c < nc0; c++) {
			if (!out->flags[c])
				continue;
			qsort(mem + start[c], start[c + 1] - start[c], sizeof(*mem), cmp_u32);
			st = split_cluster(out, &cap, (uint32_t)c, mem + start[c],
			                   start[c + 1] - start[c], edges, eidx + estart[c],
			                   estart[c + 1] - estart[c], opts, &uf, piece_of_root,
			                   piece_edges);
			if (st != LT_OK)
				goto out;
			out->nsplit++;
		}
	}
	for (size_t c = 0; c < out->ncluster; c++)
		if (out->size[c] > out->largest)
			out->largest = out->size[c];
out:
	if (st != LT_OK)
		lt_link_clusters_release(out);
	lt_link_uf_release(&uf);
	free(root_id);
	free(mem);
	free(start);
	free(eidx);
	free(estart);
	free(piece_of_root);
	free(piece_edges);
	return st;
}

/* ---- evaluation --------------------------------------------------------- */

void lt_link_pair_eval_ratios(struct lt_link_pair_eval *e)
{
	e->predicted = e->tp + e->fp;
	e->precision = e->tp + e->fp ? (double)e->tp / (double)(e->tp + e->fp) : 0.0;
	e->recall = e->tp + e->fn ? (double)e->tp / (double)(e->tp + e->fn) : 0.0;
	e->f1 = e->precision + e->recall > 0
	            ? 2 * e->precision * e->recall / (e->precision + e->recall)
	            : 0.0;
}

struct triple {
	uint32_t k1, k2, src;
};

static int cmp_triple(const void *x, const void *y)
{
	const struct triple *a = x, *b = y;
	if (a->k1 != b->k1)
		return a->k1 < b->k1 ? -1 : 1;
	if (a->k2 != b->k2)
		return a->k2 < b->k2 ? -1 : 1;
	return a->src < b->src ? -1 : a->src > b->src;
}

static uint64_t pairs_of(uint64_t n)
{
	return n * (n - (n > 0)) / 2;
}

/* Pairs (in the mode) inside groups of equal (k1, k2) of the sorted t. */
static uint64_t group_pairs(const struct triple *t, size_t n, enum lt_link_mode mode)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && t[j].k1 == t[i].k1 && t[j].k2 == t[i].k2)
			j++;
		uint64_t all = pairs_of(j - i), within = 0;
		for (size_t s = i; s < j;) {
			size_t e = s + 1;
			while (e < j && t[e].src == t[s].src)
				e++;
			within += pairs_of(e - s);
			s = e;
		}
		total += mode == LT_LINK_BLOCK_ALL      ? all
		         : mode == LT_LINK_BLOCK_WITHIN ? within
		                                        : all - within;
		i = j;
	}
	return total;
}

static int in_mode(enum lt_link_mode mode, uint32_t sa, uint32_t sb)
{
	return mode == LT_LINK_BLOCK_ALL || (mode == LT_LINK_BLOCK_WITHIN) == (sa == sb);
}

lt_status lt_link_evaluate(const uint32_t *truth, const uint32_t *source, size_t nrec,
                           enum lt_link_mode mode, const struct lt_link_edge *edges, size_t nedge,
                           double threshold, const uint32_t *cluster, struct lt_link_eval *out)
{
	memset(out, 0, sizeof(*out));
	struct triple *t = malloc((nrec ? nrec : 1) * sizeof(*t));
	if (!t)
		return LT_ENOMEM;
	/* true pairs: groups of one entity */
	for (size_t r = 0; r < nrec; r++)
		t[r] = (struct triple){truth[r], 0, source[r]};
	qsort(t, nrec, sizeof(*t), cmp_triple);
	out->true_pairs = group_pairs(t, nrec, mode);
	/* after clustering: predicted = pairs inside clusters; TP = pairs inside
	 * (cluster, entity) cells */
	for (size_t r = 0; r < nrec; r++)
		t[r] = (struct triple){cluster[r], 0, source[r]};
	qsort(t, nrec, sizeof(*t), cmp_triple);
	uint64_t predicted = group_pairs(t, nrec, mode);
	for (size_t r = 0; r < nrec; r++)
		t[r] = (struct triple){cluster[r], truth[r], source[r]};
	qsort(t, nrec, sizeof(*t), cmp_triple);
	out->after.tp = group_pairs(t, nrec, mode);
	out->after.fp = predicted - out->after.tp;
	out->after.fn = out->true_pairs - out->after.tp;
	free(t);
	/* before clustering: the scored pairs at or above the threshold */
	for (size_t i = 0; i < nedge; i++) {
		const struct lt_link_edge *e = &edges[i];
		if (e->p < threshold || e->a >= nrec || e->b >= nrec ||
		    !in_mode(mode, source[e->a], source[e->b]))
			continue;
		if (truth[e->a] == truth[e->b])
			out->before.tp++;
		else
			out->before.fp++;
	}
	out->before.fn = out->true_pairs >= out->before.tp ? out->true_pairs - out->before.tp : 0;
	lt_link_pair_eval_ratios(&out->before);
	lt_link_pair_eval_ratios(&out->after);
	return LT_OK;
}
