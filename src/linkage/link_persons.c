/*
 * link_persons.c — persons as linkage rows, clustering under match
 * decisions, and the likely matches of one person (link_persons.h says
 * what and why).
 *
 * The clustering is a union-find over persons (link_cluster.h's), fed
 * first with the 'same' decisions, then with the person pairs strongest
 * first; a join is refused when a 'not_same' pair would end up inside one
 * set. The check walks the 'not_same' decisions whose persons are in the
 * table (kept as indices into the person array), so it costs O(decisions)
 * per join, and nothing when there are none.
 */
#include "linkage/link_persons.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "linkage/link_compare.h"
#include "core/banned.h"

const char *const lt_link_person_fields[LT_LINK_PERSON_NFIELD] = {
    "first_name", "surname", "full_name", "dob", "sex", "nationality",
};

lt_status lt_link_person_table_init(struct lt_link_table *t)
{
	return lt_link_table_init(t, lt_link_person_fields, LT_LINK_PERSON_NFIELD);
}

/* The cells of one name of p into cells[]; the name split into first
 * names and surname in buf (capacity cap). */
static void name_cells(const char *name, char *buf, size_t cap, const char **first,
                       const char **surname)
{
	size_t n = strlen(name);
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
	/* trim trailing spaces, then cut at the last space */
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
	char *start = buf;
	while (*start == ' ')
		start++;
	char *last = strrchr(start, ' ');
	if (!last) {
		*first = start;
		*surname = NULL;
		return;
	}
	*last = '\0';
	*surname = last + 1;
	while (last > start && last[-1] == ' ')
		*--last = '\0';
	*first = start;
}

lt_status lt_link_person_add(struct lt_link_table *t, uint32_t source, const struct lt_person *p)
{
	char id[24], dob[LT_DATE_TEXT] = "", buf[LT_PERSON_NAME_MAX + 1];
	const char *cells[LT_LINK_PERSON_NFIELD];
	lt_status st = LT_OK;

	snprintf(id, sizeof(id), "%lld", (long long)p->id);
	if (p->dob.year)
		lt_date_format(&p->dob, dob);
	for (size_t k = 0; k <= p->n_aliases && st == LT_OK; k++) {
		const char *name = k == 0 ? p->name : p->aliases[k - 1];
		if (!name || !name[0])
			continue;
		name_cells(name, buf, sizeof(buf), &cells[0], &cells[1]);
		cells[2] = name;
		cells[3] = dob[0] ? dob : NULL;
		cells[4] = p->sex >= 0 && p->sex != LT_SEX_UNKNOWN ? lt_vocab_sex.terms[p->sex].code
		                                                   : NULL;
		cells[5] = p->nationality >= 0 ? lt_vocab_country.terms[p->nationality].code : NULL;
		st = lt_link_table_add(t, source, id, cells);
	}
	lt_crypto_wipe(buf, sizeof(buf));
	lt_crypto_wipe(dob, sizeof(dob));
	return st;
}

int64_t lt_link_person_id(const struct lt_link_table *t, size_t r)
{
	const char *s = t->ids[r];
	int64_t v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 18)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

void lt_link_person_table_wipe(struct lt_link_table *t)
{
	for (size_t i = 0; t->cells && i < t->nrec * t->nfield; i++)
		if (t->cells[i])
			lt_crypto_wipe(t->cells[i], strlen(t->cells[i]));
	lt_link_table_release(t);
}

/* ---- the blind index's phonetic terms --------------------------------- */

lt_status lt_link_person_index_terms(const struct lt_person *p, struct lt_index_terms *t)
{
	char word[LT_PERSON_NAME_MAX * 3 + 1];
	char code[2][LT_LINK_DMETA_SIZE];
	lt_status st = lt_person_index_terms(p, t);
	size_t n = t->n; /* the words are among these; the codes come after */
	for (size_t i = 0; i < n && st == LT_OK; i++) {
		const char *term = lt_index_term(t, i);
		if (term[0] != 't' || term[1] != ':')
			continue;
		/* a copy: adding a term may move t's text */
		size_t len = strlen(term + 2);
		if (len >= sizeof(word))
			len = sizeof(word) - 1;
		memcpy(word, term + 2, len);
		word[len] = '\0';
		lt_link_double_metaphone(word, code[0], code[1]);
		for (int k = 0; k < 2 && st == LT_OK; k++) {
			if (!code[k][0] || (k == 1 && strcmp(code[0], code[1]) == 0))
				continue;
			st = lt_index_terms_add(t, "p:", code[k], strlen(code[k]));
			if (st == LT_OK && p->dob.year > 0 && p->dob.year <= 9999) {
				char q[8 + LT_LINK_DMETA_SIZE];
				int qn = snprintf(q, sizeof(q), "%04d:%s", p->dob.year, code[k]);
				st = lt_index_terms_add(t, "q:", q, (size_t)qn);
				lt_crypto_wipe(q, sizeof(q));
			}
		}
	}
	lt_crypto_wipe(word, sizeof(word));
	lt_crypto_wipe(code, sizeof(code));
	return st;
}

/* ---- clustering under decisions --------------------------------------- */

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

/* The index of person `id` in the sorted v[0..n-1], or -1. */
static long person_index(const int64_t *v, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == id ? (long)lo : -1;
}

/* A pair of persons (indices) and its best probability. */
struct ppair {
	uint32_t a, b; /* a < b */
	double p;
};

static int cmp_ppair_ab(const void *x, const void *y)
{
	const struct ppair *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return (a->p < b->p) - (a->p > b->p); /* best first */
}

static int cmp_ppair_strength(const void *x, const void *y)
{
	const struct ppair *a = x, *b = y;
	if (a->p != b->p)
		return a->p > b->p ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return (a->b > b->b) - (a->b < b->b);
}

/* Is (a, b) (indices, a < b) among the sorted not_same pairs? */
static bool is_not_same(const struct ppair *ns, size_t nns, uint32_t a, uint32_t b)
{
	size_t lo = 0, hi = nns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ns[mid].a < a || (ns[mid].a == a && ns[mid].b < b))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nns && ns[lo].a == a && ns[lo].b == b;
}

/* Would joining the sets of roots ra and rb put a not_same pair together? */
static bool join_forbidden(struct lt_link_uf *uf, const struct ppair *ns, size_t nns, uint32_t ra,
                           uint32_t rb)
{
	for (size_t i = 0; i < nns; i++) {
		uint32_t x = lt_link_uf_find(uf, ns[i].a), y = lt_link_uf_find(uf, ns[i].b);
		if ((x == ra && y == rb) || (x == rb && y == ra))
			return true;
	}
	return false;
}

void lt_link_person_clusters_release(struct lt_link_person_clusters *c)
{
	free(c->person);
	free(c->source);
	free(c->cluster);
	memset(c, 0, sizeof(*c));
}

lt_status lt_link_person_cluster(const struct lt_link_table *t, const struct lt_link_edge *edges,
                                 size_t nedge, double threshold, const struct lt_link_decision *d,
                                 size_t nd, struct lt_link_person_clusters *out,
                                 struct lt_error *err)
{
	struct lt_link_uf uf = {0};
	struct ppair *pairs = NULL, *ns = NULL;
	uint32_t *row_person = NULL, *map = NULL;
	size_t npair = 0, nns = 0, n = 0;
	lt_status st = LT_OK;

	memset(out, 0, sizeof(*out));
	out->person = malloc((t->nrec ? t->nrec : 1) * sizeof(*out->person));
	row_person = malloc((t->nrec ? t->nrec : 1) * sizeof(*row_person));
	if (!out->person || !row_person)
		goto oom;
	for (size_t r = 0; r < t->nrec; r++) {
		if ((out->person[r] = lt_link_person_id(t, r)) <= 0) {
			st = lt_error_set(err, LT_EINVAL, NULL, "row %zu's id is not a person id",
			                  r);
			goto fail;
		}
	}
	/* the distinct persons, ascending */
	qsort(out->person, t->nrec, sizeof(*out->person), cmp_i64);
	for (size_t r = 0; r < t->nrec; r++)
		if (n == 0 || out->person[n - 1] != out->person[r])
			out->person[n++] = out->person[r];
	out->n = n;
	out->source = calloc(n ? n : 1, sizeof(*out->source));
	out->cluster = calloc(n ? n : 1, sizeof(*out->cluster));
	if (!out->source || !out->cluster)
		goto oom;
	for (size_t r = t->nrec; r-- > 0;) {
		long k = person_index(out->person, n, lt_link_person_id(t, r));
		row_person[r] = (uint32_t)k;
		out->source[k] = t->source[r]; /* the first row's, walking backwards */
	}
	if ((st = lt_link_uf_init(&uf, n)) != LT_OK)
		goto oom;

	/* decisions */
	ns = malloc((nd ? nd : 1) * sizeof(*ns));
	if (!ns)
		goto oom;
	for (size_t i = 0; i < nd; i++) {
		long a = person_index(out->person, n, d[i].a),
		     b = person_index(out->person, n, d[i].b);
		if (a < 0 || b < 0 || a == b)
			continue;
		if (d[i].same) {
			out->joined_same += (size_t)lt_link_uf_union(&uf, (uint32_t)a, (uint32_t)b);
		} else {
			ns[nns].a = (uint32_t)(a < b ? a : b);
			ns[nns].b = (uint32_t)(a < b ? b : a);
			ns[nns++].p = 0;
		}
	}
	qsort(ns, nns, sizeof(*ns), cmp_ppair_ab);
	for (size_t i = 0; i < nns; i++)
		if (lt_link_uf_find(&uf, ns[i].a) == lt_link_uf_find(&uf, ns[i].b))
			out->conflicts++;

	/* person pairs, best row pair each, strongest first */
	pairs = malloc((nedge ? nedge : 1) * sizeof(*pairs));
	if (!pairs)
		goto oom;
	for (size_t i = 0; i < nedge; i++) {
		if (edges[i].a >= t->nrec || edges[i].b >= t->nrec) {
			st = lt_error_set(err, LT_EINVAL, NULL,
			                  "an edge names a row not in the table");
			goto fail;
		}
		if (!(edges[i].p >= threshold))
			continue;
		uint32_t a = row_person[edges[i].a], b = row_person[edges[i].b];
		if (a == b)
			continue;
		pairs[npair].a = a < b ? a : b;
		pairs[npair].b = a < b ? b : a;
		pairs[npair++].p = edges[i].p;
	}
	qsort(pairs, npair, sizeof(*pairs), cmp_ppair_ab);
	size_t m = 0;
	for (size_t i = 0; i < npair; i++)
		if (m == 0 || pairs[m - 1].a != pairs[i].a || pairs[m - 1].b != pairs[i].b)
			pairs[m++] = pairs[i];
	npair = m;
	qsort(pairs, npair, sizeof(*pairs), cmp_ppair_strength);
	for (size_t i = 0; i < npair; i++) {
		uint32_t ra = lt_link_uf_find(&uf, pairs[i].a),
		         rb = lt_link_uf_find(&uf, pairs[i].b);
		if (ra == rb)
			continue;
		if (nns && (is_not_same(ns, nns, pairs[i].a, pairs[i].b) ||
		            join_forbidden(&uf, ns, nns, ra, rb))) {
			out->cut++;
			continue;
		}
		lt_link_uf_union(&uf, ra, rb);
	}

	/* dense ids in the order of each cluster's first person */
	map = malloc((n ? n : 1) * sizeof(*map));
	if (!map)
		goto oom;
	for (size_t i = 0; i < n; i++)
		map[i] = UINT32_MAX;
	for (size_t i = 0; i < n; i++) {
		uint32_t r = lt_link_uf_find(&uf, (uint32_t)i);
		if (map[r] == UINT32_MAX)
			map[r] = (uint32_t)out->ncluster++;
		out->cluster[i] = map[r];
	}
	goto done;
oom:
	st = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
fail:
	lt_link_person_clusters_release(out);
done:
	free(map);
	free(pairs);
	free(ns);
	free(row_person);
	lt_link_uf_release(&uf);
	return st;
}

/* ---- the likely matches of one person ----------------------------------- */

static int cmp_match(const void *x, const void *y)
{
	const struct lt_link_match *a = x, *b = y;
	if (a->p != b->p)
		return a->p > b->p ? -1 : 1;
	return (a->person > b->person) - (a->person < b->person);
}

lt_status lt_link_person_matches(const struct lt_link_prep *p, int64_t person, double min_p,
                                 size_t max, struct lt_link_match **out, size_t *n,
                                 struct lt_error *err)
{
	const struct lt_link_table *t = p->table;
	struct lt_link_match *m = NULL;
	uint32_t *mine = NULL;
	size_t nmine = 0, nm = 0;

	*out = NULL;
	*n = 0;
	mine = malloc((t->nrec ? t->nrec : 1) * sizeof(*mine));
	m = malloc((t->nrec ? t->nrec : 1) * sizeof(*m));
	if (!mine || !m) {
		free(mine);
		free(m);
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	}
	for (size_t r = 0; r < t->nrec; r++)
		if (lt_link_person_id(t, r) == person)
			mine[nmine++] = (uint32_t)r;
	if (nmine == 0) {
		free(mine);
		free(m);
		return lt_error_set(err, LT_EINVAL, NULL, "person %lld is not in the table",
		                    (long long)person);
	}
	/* rows of one person are consecutive (lt_link_person_add) */
	for (size_t r = 0; r < t->nrec; r++) {
		int64_t other = lt_link_person_id(t, r);
		if (other == person || other <= 0)
			continue;
		double best = -1;
		uint32_t ba = 0;
		for (size_t i = 0; i < nmine; i++) {
			double w = lt_link_score(p, mine[i], (uint32_t)r);
			double pr = lt_link_weight_to_prob(w);
			if (pr > best) {
				best = pr;
				ba = mine[i];
			}
		}
		if (nm > 0 && m[nm - 1].person == other) {
			if (best > m[nm - 1].p) {
				m[nm - 1].p = best;
				m[nm - 1].row_a = ba;
				m[nm - 1].row_b = (uint32_t)r;
			}
			continue;
		}
		m[nm++] = (struct lt_link_match){other, ba, (uint32_t)r, best};
	}
	/* drop those below min_p, then the best first */
	size_t k = 0;
	for (size_t i = 0; i < nm; i++)
		if (m[i].p >= min_p)
			m[k++] = m[i];
	qsort(m, k, sizeof(*m), cmp_match);
	if (k > max)
		k = max;
	free(mine);
	*out = m;
	*n = k;
	return LT_OK;
}
