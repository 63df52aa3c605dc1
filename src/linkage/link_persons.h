/*
 * link_persons.h — the store's persons as records of a linkage table, match
 * decisions, and the clustering and the likely-matches search that respect
 * them (docs/linkage.md, "Linkage in the service"). Pure computation, as
 * the rest of the module: the store opens the persons, this turns them
 * into rows and scores; nothing here reads a file, the clock or a key.
 *
 * ROWS. A person (core/person.h) has one name and up to
 * LT_PERSON_ALIASES_MAX aliases; it becomes one row per name, all with the
 * person's id (decimal) as the row's id and its owning agency as the
 * source. The fields are lt_link_person_fields: first_name (every word of
 * the name but the last), surname (the last word; missing for a name of
 * one word, whose word is then the first name), full_name (the name as
 * given), dob (as precise as it is known: "1990", "1990-05",
 * "1990-05-17"), sex (its code; "unknown" is missing) and nationality (an
 * ISO country code). The default model (link_run.h) compares first_name,
 * surname, dob and sex; full_name and nationality feed blocking and are
 * kept for a settings file that wants them.
 *
 * PERSONS, NOT ROWS. Two rows of one person are the same person by
 * definition, so everything here works per person: a pair of persons
 * scores the highest match probability of any pair of their rows, and
 * clusters are of persons.
 *
 * DECISIONS. A caseworker may decide that two persons are the same
 * person or not (struct lt_link_decision; the store keeps them). Every
 * clustering respects them (lt_link_person_cluster):
 *   1. the persons of each 'same' decision are joined first, whatever
 *      their scores;
 *   2. the scored pairs at or above the threshold are then taken strongest
 *      first (probability descending, then ids); a pair that is a
 *      'not_same' decision is cut, and so is any pair whose joining would
 *      put both persons of some 'not_same' decision into one cluster;
 *      every other pair joins its two clusters.
 * Without decisions this is exactly connected components. With them, a
 * cluster that would hold a 'not_same' pair is split where its weakest
 * links are: the strongest evidence is kept, and the links that would
 * have closed the forbidden chain are cut (a single-linkage clustering
 * with cannot-link constraints). When 'same' decisions themselves chain
 * two persons of a 'not_same' decision together (a decided b same, b c
 * same, a c not the same), the 'same' decisions win and the pair is
 * counted as a conflict for a person to resolve. Cost: O(e log e) for
 * the sort, plus O(decisions) for every join when there are 'not_same'
 * decisions.
 */
#ifndef LT_LINK_PERSONS_H
#define LT_LINK_PERSONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/person.h"
#include "core/status.h"
#include "linkage/link_cluster.h"
#include "linkage/link_model.h"
#include "linkage/linkage.h"

#define LT_LINK_PERSON_NFIELD 6
extern const char *const lt_link_person_fields[LT_LINK_PERSON_NFIELD];

/* An empty table with the fields above. LT_ENOMEM. */
lt_status lt_link_person_table_init(struct lt_link_table *t);

/*
 * Append the rows of person `p` (opened; not erased) of source `source`
 * to t (made by lt_link_person_table_init): one for its name, one for each
 * alias. The cells are copies; the caller wipes p. LT_ENOMEM, LT_ETOOBIG.
 */
lt_status lt_link_person_add(struct lt_link_table *t, uint32_t source, const struct lt_person *p);

/* The person id of row r (the row's id in decimal), or 0 when it is not one. */
int64_t lt_link_person_id(const struct lt_link_table *t, size_t r);

/* Wipe every cell and id of t (personal data), then release it. */
void lt_link_person_table_wipe(struct lt_link_table *t);

/*
 * The blind-index terms of person `p` (docs/security.md, "Searching without
 * decrypting"): lt_person_index_terms ("n:", "t:", "y:", "m:", "d:"), then
 * "p:<code>" for the Double Metaphone codes (lt_link_double_metaphone,
 * primary and, when it differs, alternate) of each distinct word of its
 * names, so that "Muhamad" and "Mohammed" (both MHMT) share a term, and,
 * when the year of birth is known, "q:<year>:<code>" for each code (a
 * sound-alike word and the same year in one term: what the likely-matches
 * search looks up, one indexed lookup where an intersection of two large
 * sets would be). A word of no Latin letter has no code and adds none. Computed here, not in core,
 * because the phonetic coder is linkage's and core depends on nothing
 * above it; the store calls this for every index it writes and every
 * candidate search, so both always agree. `t` is emptied first;
 * LT_ETOOBIG, LT_EINVAL as lt_person_index_terms.
 */
lt_status lt_link_person_index_terms(const struct lt_person *p, struct lt_index_terms *t);

/* A decision about persons a and b (a < b). */
struct lt_link_decision {
	int64_t a, b;
	bool same; /* the same person; false: not the same */
};

/* Persons and their clusters. */
struct lt_link_person_clusters {
	size_t n;          /* persons */
	int64_t *person;   /* n person ids, ascending */
	uint32_t *source;  /* n: the source of each person's first row */
	uint32_t *cluster; /* n cluster ids, dense, numbered by first person */
	size_t ncluster;
	size_t joined_same; /* 'same' decisions that joined two clusters */
	size_t cut;         /* scored pairs at or above the threshold cut by 'not_same' */
	size_t conflicts;   /* 'not_same' pairs the 'same' decisions put together anyway */
};

/*
 * Cluster the persons of table t (rows from lt_link_person_add) under the
 * scored row pairs `edges` (those with p >= threshold count) and the
 * decisions d[0..nd-1] (decisions naming a person not in t are ignored), as
 * described above, into *out (release with lt_link_person_clusters_release).
 * LT_ENOMEM; LT_EINVAL for a row whose id is not a person id, or an edge
 * naming a row not in t.
 */
lt_status lt_link_person_cluster(const struct lt_link_table *t, const struct lt_link_edge *edges,
                                 size_t nedge, double threshold, const struct lt_link_decision *d,
                                 size_t nd, struct lt_link_person_clusters *out,
                                 struct lt_error *err);
void lt_link_person_clusters_release(struct lt_link_person_clusters *c);

/* One likely match of a person. */
struct lt_link_match {
	int64_t person; /* the other person */
	uint32_t row_a; /* the row of the person searched for ... */
	uint32_t row_b; /* ... and the other's row that scored highest together */
	double p;       /* their match probability */
};

/*
 * The likely matches of person `person` among the other persons of the
 * prepared table p: for each other person, the best pair of its rows with
 * the rows of `person`; those with probability >= min_p, highest first
 * (then by id), at most `max` into *out (malloc'd; free()), *n of them.
 * LT_ENOMEM; LT_EINVAL when `person` has no row in the table.
 */
lt_status lt_link_person_matches(const struct lt_link_prep *p, int64_t person, double min_p,
                                 size_t max, struct lt_link_match **out, size_t *n,
                                 struct lt_error *err);

#endif
