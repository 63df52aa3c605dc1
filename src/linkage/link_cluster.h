/*
 * link_cluster.h — from scored pairs to persons: connected components at a
 * threshold, checks on the clusters, and pairwise evaluation against a
 * known truth.
 *
 * CLUSTERS. Each scored pair whose match probability is at least the
 * threshold is an edge; the clusters are the connected components of the
 * records under these edges (union-find with path compression and union by
 * size, near-linear). A record with no edge is a cluster of one. Cluster
 * ids are dense, 0..ncluster-1, numbered in the order of each cluster's
 * first record (the pieces of split clusters, but the first piece of each,
 * numbered after all of them), so the same input gives the same ids.
 *
 * CHECKS. Connected components are transitive: a chain a-b, b-c, c-d puts
 * a and d together though they were never judged alike, and one false edge
 * joins two persons. Over-merged clusters make fewer persons than there
 * are, which biases a population estimate downward. Each cluster of k >= 3
 * records gets
 *   density = (edges at or above the threshold inside it) / (k(k-1)/2),
 * the share of its internal pairs that were scored as matches (pairs that
 * blocking never compared count as not matched). A cluster is flagged
 * LT_LINK_CLUSTER_BIG when k > size_max (0: no limit) and
 * LT_LINK_CLUSTER_LOOSE when density < density_min.
 *
 * SPLITTING (optional). A flagged cluster is split by raising the threshold
 * inside it only: its own edges are kept when their match odds are at least
 * `split_factor` times the threshold's odds, then that factor squared, and
 * so on (at most LT_LINK_SPLIT_STEPS steps), re-forming components of its
 * records each time, until no piece is flagged. The pieces become clusters
 * of their own (flag LT_LINK_CLUSTER_SPLIT) and keep whichever flags remain
 * at the last step. Edges outside flagged clusters are untouched.
 *
 * EVALUATION. With a true entity label per record, pairs are counted in the
 * pair universe of the blocking mode (all pairs, across sources, or within
 * sources: link_block.h). True pairs are the sum of k(k-1)/2 over true
 * entities (in the mode), so true pairs that blocking never produced count
 * as false negatives. Before clustering, the predicted pairs are the scored
 * pairs at or above the threshold; after clustering, all pairs inside
 * predicted clusters. TP, FP and FN give precision TP/(TP+FP), recall
 * TP/(TP+FN) and F1 = 2PR/(P+R) (0 when undefined). Counting is by sorting
 * records on (cluster, entity, source) — O(n log n), no pair is listed.
 */
#ifndef LT_LINK_CLUSTER_H
#define LT_LINK_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "linkage/link_block.h"

#define LT_LINK_SPLIT_STEPS 8

/* A scored pair: records a and b (a != b) and its match probability. */
struct lt_link_edge {
	uint32_t a, b;
	double p; /* match probability, 0..1 */
};

/* Union-find over n elements. */
struct lt_link_uf {
	uint32_t *parent; /* n entries; a root is its own parent */
	uint32_t *size;   /* n entries; the size of a root's set */
	size_t n;
};

/* n singletons. LT_ENOMEM; LT_ETOOBIG past UINT32_MAX - 1 elements. */
lt_status lt_link_uf_init(struct lt_link_uf *uf, size_t n);
void lt_link_uf_release(struct lt_link_uf *uf);
/* The root of x's set, compressing the path. x < n. */
uint32_t lt_link_uf_find(struct lt_link_uf *uf, uint32_t x);
/* Join the sets of x and y; returns 1 if they were apart, 0 if already one. */
int lt_link_uf_union(struct lt_link_uf *uf, uint32_t x, uint32_t y);

enum {
	LT_LINK_CLUSTER_BIG = 1,   /* more records than size_max */
	LT_LINK_CLUSTER_LOOSE = 2, /* density below density_min */
	LT_LINK_CLUSTER_SPLIT = 4, /* a piece of a flagged cluster that was split */
};

struct lt_link_cluster_opts {
	double threshold;    /* an edge needs p >= threshold; 0 < threshold < 1 */
	size_t size_max;     /* flag clusters larger than this; 0 = no limit */
	double density_min;  /* flag clusters of 3+ records less dense; 0 = never */
	int split;           /* split flagged clusters (above) */
	double split_factor; /* odds multiplier a splitting step, > 1 (default 4) */
};

/* threshold 0.9, size_max 0, density_min 0.2, no splitting, factor 4. */
void lt_link_cluster_opts_default(struct lt_link_cluster_opts *o);

struct lt_link_clusters {
	size_t nrec;
	uint32_t *cluster; /* nrec cluster ids */
	size_t ncluster;
	uint32_t *size;  /* ncluster: records in each cluster */
	uint64_t *edges; /* ncluster: edges >= threshold inside each (after splitting:
	                    at the threshold the piece was formed with) */
	uint8_t *flags;  /* ncluster: LT_LINK_CLUSTER_* bits */
	size_t nflagged; /* clusters with BIG or LOOSE set */
	size_t nsplit;   /* flagged clusters that were split */
	size_t largest;  /* records in the largest cluster */
};

/*
 * Cluster `nrec` records under the `nedge` edges (edges with p below the
 * threshold are ignored; an edge naming a record >= nrec is LT_EINVAL).
 * Fills *out (release it with lt_link_clusters_release). LT_ENOMEM.
 */
lt_status lt_link_cluster(const struct lt_link_edge *edges, size_t nedge, size_t nrec,
                          const struct lt_link_cluster_opts *opts, struct lt_link_clusters *out);
void lt_link_clusters_release(struct lt_link_clusters *c);

/* Pair counts and their ratios. */
struct lt_link_pair_eval {
	uint64_t predicted; /* TP + FP */
	uint64_t tp, fp, fn;
	double precision, recall, f1;
};

struct lt_link_eval {
	uint64_t true_pairs;             /* TP + FN, the same for both */
	struct lt_link_pair_eval before; /* scored pairs >= threshold */
	struct lt_link_pair_eval after;  /* pairs implied by the clusters */
};

/*
 * Evaluate against `truth` (nrec entity labels; equal labels = the same
 * entity) in the pair universe of `mode` over `source` (nrec source
 * indices). `edges` are the scored pairs (each pair at most once; only
 * those with p >= threshold count as predicted), `cluster` the nrec
 * cluster ids of lt_link_cluster. LT_ENOMEM.
 */
lt_status lt_link_evaluate(const uint32_t *truth, const uint32_t *source, size_t nrec,
                           enum lt_link_mode mode, const struct lt_link_edge *edges, size_t nedge,
                           double threshold, const uint32_t *cluster, struct lt_link_eval *out);

/* Fill precision, recall and F1 of e from its tp, fp, fn. */
void lt_link_pair_eval_ratios(struct lt_link_pair_eval *e);

#endif
